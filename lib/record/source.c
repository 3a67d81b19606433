// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * source.c - the recorder as a source (pgt_record__source()): record.c's
 * start, steps and stop, the merged events handed over instead of
 * written.
 */
#include <stdlib.h>
#include <string.h>

#include "record-int.h"
#include "util/opts.h"

/*
 * Each batch runs steps, a round's wait before each but the first, until
 * one has merged events: those are handed over with the recorder's side
 * tables as they stand after the step (the records read before them, as
 * the writer's sink needs).  A step that ends the run hands its events
 * over first; the stop's final merge, names and info records come with
 * the next batch, and the one after that is the end.
 */
enum { RS_RUNNING, RS_STOPPING, RS_ENDED };

struct rec_source {
	struct pgt_source src;
	struct rec r;
	struct pgt_record_opts o;
	struct pgt_record_stats st;
	int state;		/* RS_* */
	int wait;		/* a round to wait before the next step */
	int err;		/* how the run ended */
};

static ssize_t rec_source_hand(struct rec_source *s, const struct pgt_event **evs)
{
	struct rec *r = &s->r;

	*evs = r->out;
	s->st.events += r->nout;
	return (ssize_t)r->nout;
}

/* The run ended (@err: how): stop, release, and hand over the rest. */
static ssize_t rec_source_end(struct rec_source *s, int err, const struct pgt_event **evs)
{
	struct rec *r = &s->r;

	err = pgt_rec_stop(r, err);
	s->err = pgt_rec_cleanup(r, err);
	s->state = RS_ENDED;
	pgt_rec_release();
	if (s->err)
		r->nout = 0;	/* a failed run's last events are not handed over */
	return r->nout ? rec_source_hand(s, evs) : s->err;
}

static ssize_t rec_source_batch(struct pgt_source *src, const struct pgt_event **evs)
{
	struct rec_source *s = (struct rec_source *)src;
	struct rec *r = &s->r;
	int err, done;

	r->nout = 0;	/* the last batch was handed over */
	if (s->state == RS_ENDED)
		return s->err;
	if (s->state == RS_STOPPING)
		return rec_source_end(s, 0, evs);
	for (;;) {
		if (s->wait)
			pgt_rec_wait(r);
		s->wait = 1;
		err = pgt_rec_step(r, &done);
		if (err)
			return rec_source_end(s, err, evs);
		if (done && r->nout) {
			s->state = RS_STOPPING;
			return rec_source_hand(s, evs);
		}
		if (done)
			return rec_source_end(s, 0, evs);
		if (r->nout)
			return rec_source_hand(s, evs);
	}
}

static void rec_source_free(struct pgt_source *src)
{
	struct rec_source *s = (struct rec_source *)src;

	if (s->state != RS_ENDED) {
		/* stopped mid-stream: the readers joined, the instance
		 * removed; the command runs on, as after the duration */
		pgt_rec_cleanup(&s->r, 0);
		pgt_rec_release();
	}
	pgt_rec_free(&s->r);
	free(s);
}

static const struct pgt_source_ops rec_source_ops = {
	.name = "record",
	.batch = rec_source_batch,
	.free = rec_source_free,
};

struct pgt_source *pgt_record__source(const struct pgt_record_opts *opts, struct pgt_record_stats *st,
				      int *err)
{
	const struct pgt_record_opts *fit;
	struct rec_source *s;
	int e;

	if (st)
		memset(st, 0, sizeof(*st));
	if (!opts || !PGT_OPTS_VALID(opts)) {
		*err = -EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	fit = PGT_OPTS_FIT(opts, &s->o);
	if (fit != &s->o)
		s->o = *fit;
	s->o.sz = sizeof(s->o);
	/* what only a written trace means (a source writes nothing) */
	if (s->o.keep_bytes || s->o.keep_ns || s->o.max_size || s->o.open_output) {
		free(s);
		*err = -EINVAL;
		return NULL;
	}
	if (pgt_rec_claim()) {
		free(s);
		*err = -EBUSY;
		return NULL;
	}
	pgt_rec_init(&s->r, &s->o, &s->st);
	s->r.as_source = 1;
	e = pgt_rec_start(&s->r);
	if (e) {
		*err = pgt_rec_cleanup(&s->r, e);
		if (st)
			*st = s->st;
		pgt_rec_free(&s->r);
		free(s);
		pgt_rec_release();
		return NULL;
	}
	s->src.ops = &rec_source_ops;
	s->src.meta = s->r.meta;
	s->src.header = s->r.hdr;	/* as the writer writes it */
	return &s->src;
}

int pgt_record__source_stats(const struct pgt_source *src, struct pgt_record_stats *st)
{
	if (!src || src->ops != &rec_source_ops) {
		memset(st, 0, sizeof(*st));
		return -EINVAL;
	}
	*st = ((const struct rec_source *)src)->st;
	return 0;
}
