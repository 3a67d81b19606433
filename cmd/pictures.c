// SPDX-License-Identifier: GPL-2.0-or-later
/* One pass over a trace for plot and report: heat grids, exact and
 * sampled stats, phases, each only when wanted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "pictures.h"

unsigned pictures_need(int kind)
{
	switch (kind) {
	case PGT_PLOT_HEATMAP:
	case PGT_PLOT_FILEHEAT:
		return PICT_HEAT;
	case PGT_PLOT_MRC:
		return PICT_STATS | PICT_SAMPLED;
	case PGT_PLOT_PHASE:
		return PICT_PHASE;
	default:
		return PICT_STATS;
	}
}

void pictures_free(struct pictures *p)
{
	pgt_heat__free(p->heat);
	pgt_stats__free(p->exact);
	pgt_stats__free(p->sampled);
	pgt_phase__free(p->phase);
	pgt_source__free(p->src);
	pgt_reader__free(p->r);
	memset(p, 0, sizeof(*p));
}

int pictures_read(struct pictures *p, const char *path, const struct pict_opts *o)
{
	uint64_t total = 0, npk, t0 = 0, t1 = 0, done = 0;
	struct progress prog;
	int err = 0;

	memset(p, 0, sizeof(*p));
	p->r = cli_open_reader(path, NULL);
	if (!p->r)
		return EXIT_RUNTIME;
	p->page_size = pgt_reader__header(p->r)->page_size ? pgt_reader__header(p->r)->page_size : 4096;
	pgt_reader__index_summary(p->r, &total, &npk, &t0, &t1);
	p->src = pgt_reader__parallel_source(p->r, cli_decode_threads(), &err);
	if (!p->src)
		goto fail;
	p->d.meta = p->src->meta;
	if (o->want & PICT_HEAT) {
		struct pgt_heat_opts ho = { .refs = o->refs, .space = o->space, .tbins = o->tbins,
					    .t0 = t0, .t1 = t1 };

		p->heat = pgt_heat__new(&ho, &err);
		if (!p->heat)
			goto fail;
	}
	if (o->want & PICT_STATS) {
		struct pgt_stats_opts so = { .refs = o->refs, .space = o->space };

		/* W(t, tau): about 200 windows over the trace when its length is known */
		if (total)
			so.window = total / 200 > 1000 ? total / 200 : 1000;
		p->exact = pgt_stats__new(&so, &err);
		if (!p->exact)
			goto fail;
	}
	if (o->want & PICT_SAMPLED) {
		struct pgt_stats_opts so = { .refs = o->refs, .space = o->space,
					     .sample_rate = o->sample > 0 ? o->sample : 0.01 };

		p->sampled = pgt_stats__new(&so, &err);
		if (!p->sampled)
			goto fail;
	}
	if (o->want & PICT_PHASE) {
		struct pgt_phase_opts po = { .refs = o->refs, .space = o->space };

		/* a short trace gets shorter phase windows: about 50 of them,
		 * between 2,000 and the default 100,000 references */
		if (total)
			po.phase_window = total / 50 < 2000 ? 2000 : total / 50 > 100000 ? 100000 : total / 50;

		p->phase = pgt_phase__new(&po, &err);
		if (!p->phase)
			goto fail;
	}
	progress_init(&prog, "events", total);
	for (;;) {
		const struct pgt_event *evs;
		ssize_t n = pgt_source__batch(p->src, &evs);

		if (n <= 0) {
			err = (int)n;
			break;
		}
		if (p->heat)
			err = pgt_heat__feed(p->heat, evs, (size_t)n);
		if (!err && p->exact)
			err = pgt_stats__feed(p->exact, evs, (size_t)n);
		if (!err && p->sampled)
			err = pgt_stats__feed(p->sampled, evs, (size_t)n);
		if (!err && p->phase)
			err = pgt_phase__feed(p->phase, evs, (size_t)n);
		if (err)
			break;
		done += (uint64_t)n;
		progress_update(&prog, done);
	}
	progress_done(&prog);
	p->events = done;
	if (err && err != -ENOMEM) {
		/* what was read is drawn; the damage is reported by the caller's exit */
		cli_read_failed(path, err);
		err = 1;
	} else if (err) {
		goto fail;
	}
	if ((p->exact && pgt_stats__finish(p->exact)) || (p->sampled && pgt_stats__finish(p->sampled)) ||
	    (p->phase && pgt_phase__finish(p->phase))) {
		err = -ENOMEM;
		goto fail;
	}
	p->d.heat = p->heat;
	p->d.exact = p->exact;
	p->d.sampled = p->sampled;
	p->d.phase = p->phase;
	return err == 1 ? -1 : 0;
fail:
	if (err == -ENOMEM)
		cli_error("out of memory reading %s", path);
	else
		cli_error("cannot analyse %s: %s", path, pgt_strerror(err));
	pictures_free(p);
	return EXIT_RUNTIME;
}
