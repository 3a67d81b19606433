// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What plot and report read from a trace: heat, exact and sampled stats,
 * phases and cache insertions and evictions, each only when wanted, in
 * one pass.
 *
 * The heatmap's address grids go to the most referenced objects of the
 * whole trace, so they need a second pass: a grid costs up to 2 MiB, so
 * only a few objects can have one, and which objects are the most
 * referenced is known only at the end (the hottest file of a tar run
 * comes after thousands of others).  The first pass counts references
 * per object with the time series of file heat (no grids); the second
 * reads the file again and fills grids for the top objects only.  A
 * second pass costs a second decode of the trace, which the index and
 * side tables cannot spare: they hold no per-object reference counts.
 * A pipe cannot be read twice: there the grids go to the first objects
 * met, as many as the budget allows, and the chart says so.
 *
 * Windows: the phase window and the working-set window follow one rule,
 * pgt_phase_window_for() of the trace's events (phase.h), the same that
 * pgtrace phase uses, unless --phase-window or --window says otherwise;
 * the working set is pgt_stats' W(t, tau), as pgtrace stats --window
 * computes it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "pictures.h"

unsigned pictures_need(int kind)
{
	switch (kind) {
	case PGT_PLOT_HEATMAP:
		return PICT_HEAT | PICT_GRIDS;
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

void pictures_window_arg(struct pict_opts *o, const char *arg)
{
	uint64_t v;

	/* a unit letter makes it a duration (250ms, 2s, 1m); else a count
	 * of references, with K, M or G (50000, 50K) */
	if (strpbrk(arg, "smhun")) {
		if (pgt_parse_duration(arg, &v) || !v)
			cli_usage_error("invalid --window '%s': references (50000, 50K) or a duration (250ms)", arg);
		o->window_ns = v;
		o->window = 0;
		return;
	}
	v = cli_count("--window", arg);
	if (!v || v > (1ull << 40))
		cli_usage_error("invalid --window '%s': 1 to 2^40 references, or a duration (250ms)", arg);
	o->window = v;
	o->window_ns = 0;
}

void pictures_phase_window_arg(struct pict_opts *o, const char *arg)
{
	o->phase_window = cli_count("--phase-window", arg);
	if (!o->phase_window || o->phase_window > (1ull << 40))
		cli_usage_error("invalid --phase-window '%s': at least 1 reference", arg);
}

void pictures_free(struct pictures *p)
{
	pgt_heat__free(p->heat);
	pgt_stats__free(p->exact);
	pgt_stats__free(p->sampled);
	pgt_cache__free(p->csim);
	free(p->pres);
	pgt_phase__free(p->phase);
	pgt_reader__free(p->r);
	free(p->cache);
	memset(p, 0, sizeof(*p));
}

/* The counts of @cc as the report reads them (p->cache, freed with @p). */
static int take_cache(struct pictures *p, const struct pgt_cache_count *cc)
{
	size_t n;
	const struct pgt_cache_obj *v = pgt_cache_count__objects(cc, &n);

	p->levels = pgt_cache_count__levels(cc);
	if (!n)
		return 0;
	p->cache = malloc(n * sizeof(*p->cache));
	if (!p->cache)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		p->cache[i] = (struct pict_cache){ .obj = v[i].obj, .adds = v[i].adds, .add_pages = v[i].add_pages,
						   .dels = v[i].dels, .del_pages = v[i].del_pages };
	p->ncache = n;
	return 0;
}

/* The second pass: grids for @ids only; @t0, @t1 as the first heat's. */
static struct pgt_heat *grid_pass(const char *path, const struct pict_opts *o, const uint32_t *ids, uint32_t nids,
				  uint64_t t0, uint64_t t1, uint64_t total, int *err)
{
	struct pgt_heat_opts ho = { .sz = sizeof(ho), .refs = o->refs, .space = o->space, .tbins = o->tbins,
				    .t0 = t0, .t1 = t1, .objects = ids, .nobjects = nids };
	struct pgt_reader *r = cli_open_reader(path, NULL);
	struct pgt_heat *h = NULL;
	struct pgt_sink *hs = NULL;
	struct pgt_drain_opts dopts;
	struct pgt_drain_result res;
	struct progress prog;

	*err = 0;
	if (!r) {
		*err = -EIO;	/* said by cli_open_reader() */
		return NULL;
	}
	h = pgt_heat__new(&ho, err);
	if (!h)
		goto out;
	hs = pgt_heat__sink(h);
	if (!hs) {
		*err = -ENOMEM;
		goto out;
	}
	progress_init(&prog, "events (heatmap)", total);
	progress_drain_opts(&prog, &dopts);
	/* a read error was met and said by the first pass */
	if (pgt_reader__drain(r, &hs, 1, &dopts, &res) &&
	    (res.side != PGT_DRAIN_SOURCE || res.err == -ENOMEM))
		*err = res.err;
	progress_done(&prog);
out:
	if (*err) {
		pgt_heat__free(h);
		h = NULL;
	}
	pgt_sink__free(hs);
	pgt_reader__free(r);
	return h;
}

static int rereadable(const char *path)
{
	struct stat st;

	return strcmp(path, "-") && !stat(path, &st) && S_ISREG(st.st_mode);
}

#define POLICY_POINTS 40

/* The simulated policies' curves on a grid of the footprint. */
static int simulate(struct pictures *p, const struct pict_opts *o)
{
	uint64_t sizes[POLICY_POINTS];
	size_t n;
	int err = pgt_cache__finish(p->csim);

	if (err)
		return err;
	n = pgt_cache__grid(p->csim, -1, POLICY_POINTS, sizes);
	p->pres = calloc(o->npolicies * n + 1, sizeof(*p->pres));
	if (!p->pres)
		return -ENOMEM;
	err = pgt_cache__simulate(p->csim, -1, o->policies, o->npolicies, sizes, n, p->pres);
	if (err)
		return err;
	p->d.policy_res = p->pres;
	p->d.policy_n = o->npolicies;
	p->d.policy_points = n;
	return 0;
}

int pictures_read(struct pictures *p, const char *path, const struct pict_opts *o)
{
	uint64_t total = 0, npk, t0 = 0, t1 = 0, done = 0;
	struct pgt_cache_count *cc = NULL;
	struct pgt_sink *sinks[7] = { NULL };
	struct pgt_drain_opts dopts;
	struct pgt_drain_result res;
	size_t ns = 0;
	struct progress prog;
	struct pgt_refs_tally tally = { { 0 }, { 0 } };
	int err = 0, two_pass;
	uint32_t none = 0;

	memset(p, 0, sizeof(*p));
	p->r = cli_open_reader(path, NULL);
	if (!p->r)
		return EXIT_RUNTIME;
	p->page_size = pgt_reader__header(p->r)->page_size ? pgt_reader__header(p->r)->page_size : 4096;
	pgt_reader__index_summary(p->r, &total, &npk, &t0, &t1);
	p->d.meta = pgt_reader__meta(p->r);
	/* the one rule (phase.h), or what the user gave */
	p->phase_window = o->phase_window ? o->phase_window : pgt_phase_window_for(total);
	p->window = o->window;
	p->window_ns = o->window_ns;
	if (!p->window && !p->window_ns)
		p->window = p->phase_window;
	two_pass = (o->want & PICT_GRIDS) && rereadable(path);
	if (o->want & (PICT_HEAT | PICT_GRIDS)) {
		struct pgt_heat_opts ho = { .sz = sizeof(ho), .refs = o->refs, .space = o->space, .tbins = o->tbins,
					    .t0 = t0, .t1 = t1 };

		if (!(o->want & PICT_GRIDS) || two_pass) {	/* no grids in this pass */
			ho.objects = &none;
			ho.nobjects = 0;
		}
		p->heat = pgt_heat__new(&ho, &err);
		if (!p->heat)
			goto fail;
		p->d.heat_first_met = (o->want & PICT_GRIDS) && !two_pass;
	}
	if (o->want & PICT_STATS) {
		struct pgt_stats_opts so = { .sz = sizeof(so), .refs = o->refs, .space = o->space, .window = p->window,
					     .window_ns = p->window_ns };

		p->exact = pgt_stats__new(&so, &err);
		if (!p->exact)
			goto fail;
	}
	if (o->want & PICT_SAMPLED) {
		struct pgt_stats_opts so = { .sz = sizeof(so), .refs = o->refs, .space = o->space,
					     .sample_rate = o->sample > 0 ? o->sample : 0.01 };

		p->sampled = pgt_stats__new(&so, &err);
		if (!p->sampled)
			goto fail;
	}
	if (o->want & PICT_PHASE) {
		struct pgt_phase_opts po = { .sz = sizeof(po), .refs = o->refs, .space = o->space, .events = total,
					     .phase_window = o->phase_window };

		p->phase = pgt_phase__new(&po, &err);
		if (!p->phase)
			goto fail;
	}
	if ((o->want & PICT_POLICY) && o->npolicies) {
		struct pgt_cache_opts co = { .sz = sizeof(co), .refs = o->refs, .space = o->space,
					     .page_size = (uint32_t)p->page_size };

		/* events stand for references here: the index knows only them */
		if (o->policy_refs && total > o->policy_refs)
			co.sample_rate = (double)o->policy_refs / (double)total;
		p->policy_rate = co.sample_rate > 0 ? co.sample_rate : 1;
		p->csim = pgt_cache__new(&co, &err);
		if (!p->csim)
			goto fail;
	}
	/* one pass into every analysis wanted, decoded in parallel: none
	 * reads the side tables before the end */
	if (p->heat)
		sinks[ns++] = pgt_heat__sink(p->heat);
	if (p->exact)
		sinks[ns++] = pgt_stats__sink(p->exact);
	if (p->sampled)
		sinks[ns++] = pgt_stats__sink(p->sampled);
	if (p->phase)
		sinks[ns++] = pgt_phase__sink(p->phase);
	if (p->csim)
		sinks[ns++] = pgt_cache__sink(p->csim);
	if (o->want & PICT_CACHE) {
		cc = pgt_cache_count__new();
		sinks[ns++] = cc ? pgt_cache_count__sink(cc) : NULL;
	}
	sinks[ns++] = pgt_refs_tally__sink(&tally);	/* last: the events all took */
	for (size_t i = 0; i < ns; i++)
		if (!sinks[i]) {
			err = -ENOMEM;
			goto fail;
		}
	progress_init(&prog, "events", total);
	progress_drain_opts(&prog, &dopts);
	err = pgt_reader__drain(p->r, sinks, ns, &dopts, &res);
	done = res.events;
	progress_done(&prog);
	p->events = done;
	p->caveats = pgt_refs_caveats(&tally, pgt_reader__header(p->r), p->d.meta, o->refs);
	if (cc && take_cache(p, cc)) {
		err = -ENOMEM;
		goto fail;
	}
	pgt_cache_count__free(cc);
	cc = NULL;
	if (err && err != -ENOMEM && res.side == PGT_DRAIN_SOURCE) {
		/* what was read is drawn; the damage is reported by the caller's exit */
		cli_read_failed(path, err);
		err = 1;
		for (size_t i = 0; i < ns; i++)
			if (pgt_sink__finish(sinks[i], p->d.meta, pgt_reader__header(p->r))) {
				err = -ENOMEM;
				goto fail;
			}
	} else if (err) {
		goto fail;
	}
	if (p->csim) {
		int e2 = simulate(p, o);

		if (e2) {
			err = e2;
			goto fail;
		}
	}
	if (p->phase) {
		struct pgt_phase_summary ps;

		pgt_phase__summary(p->phase, &ps);
		p->phase_window = ps.phase_window;
	}
	if (two_pass) {
		const uint32_t *ids;
		const uint64_t *const *rows;
		const uint64_t *refs;
		ssize_t nobj = pgt_heat__files(p->heat, 0, &ids, &rows, &refs);
		uint32_t k = o->top ? o->top : 8;
		struct pgt_heat *h;
		int e2;

		if (nobj < 0) {
			err = (int)nobj;
			goto fail;
		}
		if ((size_t)k > (size_t)nobj)
			k = (uint32_t)nobj;
		h = grid_pass(path, o, ids, k, t0, t1, total, &e2);
		if (!h) {
			if (e2 == -EIO) {	/* the file went away: said */
				for (size_t i = 0; i < ns; i++)
					pgt_sink__free(sinks[i]);
				pictures_free(p);
				return EXIT_RUNTIME;
			}
			err = e2;
			goto fail;
		}
		pgt_heat__free(p->heat);
		p->heat = h;
	}
	p->d.heat = p->heat;
	p->d.exact = p->exact;
	p->d.sampled = p->sampled;
	p->d.phase = p->phase;
	p->d.wss_window = p->window;
	p->d.wss_window_ns = p->window_ns;
	for (size_t i = 0; i < ns; i++)
		pgt_sink__free(sinks[i]);
	return err == 1 ? -1 : 0;
fail:
	for (size_t i = 0; i < ns; i++)
		pgt_sink__free(sinks[i]);
	pgt_cache_count__free(cc);
	if (err == -ENOMEM)
		cli_error("out of memory reading %s", path);
	else
		cli_error("cannot analyse %s: %s", path, pgt_strerror(err));
	pictures_free(p);
	return EXIT_RUNTIME;
}
