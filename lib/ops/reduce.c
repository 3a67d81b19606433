// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Trace reduction.
 *
 * --fifo N: kVMTrace's active PTE FIFO.  A page referenced while among
 * the N most recently admitted is not seen; a reference to any other page
 * is kept and admits it, pushing out the oldest.
 *
 * --lru K: an exact reduction for LRU memories of K pages or more.  The
 * stack below depth K only changes when a page comes from below K (a miss
 * for K) and pushes the K-th page down, and which page goes down is the
 * least recent of the top K.  References that hit in the top K only
 * reorder the top K; holding them back and replaying each held-back page
 * once, in the order of their last references, just before the next miss
 * makes the top K's order right exactly when it matters.  So every memory
 * of K pages or more sees the same misses in the same order, and a run of
 * hits collapses to at most K replays per miss.
 */
#include <stdlib.h>

#include "pageset.h"
#include "pgtrace/ops.h"
#include "util/util.h"

#define OUT_BATCH 8192

enum { R_FIFO, R_LRU };

struct reduce {
	struct pgt_source src;
	struct pgt_source *in;
	int mode;
	struct pageset ps;
	struct pgt_event *out;
	size_t nout, cap;
	uint64_t refs_in, refs_out;
	uint32_t last_out;	/* node of the page emitted last (lru) */
	int done;
};

int pgt_is_reference(unsigned type)
{
	switch (type) {
	case PGT_EV_LOOKUP: case PGT_EV_FAULT: case PGT_EV_MAP: case PGT_EV_USER_FAULT:
	case PGT_EV_REFERENCE:
		return 1;
	default:
		return 0;
	}
}

static int push(struct reduce *r, const struct pgt_event *ev)
{
	if (r->nout == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : OUT_BATCH * 2;
		struct pgt_event *n = realloc(r->out, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->out = n;
		r->cap = ncap;
	}
	r->out[r->nout++] = *ev;
	return 0;
}

/* Emit one page of @ev, joined to the previous output when it continues
 * the same event's range. */
static int emit_page(struct reduce *r, const struct pgt_event *ev, uint64_t page)
{
	struct pgt_event e = *ev;

	r->refs_out++;
	if (r->nout) {
		struct pgt_event *l = &r->out[r->nout - 1];

		if (l->ts == ev->ts && l->obj == ev->obj && l->type == ev->type && l->pid == ev->pid &&
		    l->tid == ev->tid && l->index + l->npages == page && l->npages < UINT32_MAX &&
		    pgt_is_reference(l->type)) {
			l->npages++;
			return 0;
		}
	}
	e.index = page;
	e.npages = 1;
	if (e.pfn != PGT_PFN_NONE)
		e.pfn += page - ev->index;
	return push(r, &e);
}

static int do_page(struct reduce *r, const struct pgt_event *ev, uint64_t page)
{
	uint32_t n;
	int hit, err;

	r->refs_in++;
	if (r->mode == R_FIFO) {
		if (ps_find(&r->ps, ev->obj, page) != PS_NONE)
			return 0;
		ps_admit(&r->ps, ev->obj, page);
		return emit_page(r, ev, page);
	}
	n = ps_find(&r->ps, ev->obj, page);
	if (n != PS_NONE) {
		struct pgt_event t = *ev;

		ps_access(&r->ps, ev->obj, page, &hit);
		t.index = page;
		t.npages = 1;
		if (t.pfn != PGT_PFN_NONE)
			t.pfn += page - ev->index;
		ps_touch(&r->ps, n, &t);	/* held back */
		return 0;
	}
	/* a miss for K: replay the held-back pages first, oldest touch first;
	 * a lone held-back page that is already the most recent in the
	 * reduced trace needs no replay */
	if (r->ps.thead != PS_NONE && r->ps.thead == r->ps.ttail && r->ps.thead == r->last_out) {
		ps_take_touched(&r->ps);
	}
	while ((n = ps_take_touched(&r->ps)) != PS_NONE) {
		err = emit_page(r, &r->ps.nodes[n].ev, r->ps.nodes[n].ev.index);
		if (err)
			return err;
		r->last_out = n;
	}
	r->last_out = ps_access(&r->ps, ev->obj, page, &hit);
	return emit_page(r, ev, page);
}

static ssize_t reduce_batch(struct pgt_source *src, const struct pgt_event **evs)
{
	struct reduce *r = (struct reduce *)src;

	r->nout = 0;
	while (!r->done && r->nout < OUT_BATCH) {
		const struct pgt_event *in;
		ssize_t n = pgt_source__batch(r->in, &in);

		if (n < 0) {
			if (r->nout)	/* events first, the error next time */
				break;
			return n;
		}
		if (n == 0) {
			r->done = 1;
			break;
		}
		for (ssize_t i = 0; i < n; i++) {
			int err = 0;

			if (!pgt_is_reference(in[i].type)) {
				err = push(r, &in[i]);
			} else {
				for (uint64_t p = 0; p < in[i].npages && !err; p++)
					err = do_page(r, &in[i], in[i].index + p);
			}
			if (err)
				return err;
		}
	}
	*evs = r->out;
	return (ssize_t)r->nout;
}

static void reduce_free(struct pgt_source *src)
{
	struct reduce *r = (struct reduce *)src;

	pgt_source__free(r->in);
	ps_release(&r->ps);
	free(r->out);
	free(r);
}

static const struct pgt_source_ops reduce_ops = {
	.name = "reduce",
	.batch = reduce_batch,
	.free = reduce_free,
};

static struct pgt_source *reduce_new(struct pgt_source *in, uint32_t n, int mode, int *err)
{
	struct reduce *r = calloc(1, sizeof(*r));

	if (!r) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = ps_init(&r->ps, n);
	if (*err) {
		free(r);
		return NULL;
	}
	r->src.ops = &reduce_ops;
	r->src.meta = in->meta;
	r->src.header = in->header;
	r->in = in;
	r->mode = mode;
	r->last_out = PS_NONE;
	return &r->src;
}

struct pgt_source *pgt_reduce_fifo__new(struct pgt_source *in, uint32_t n, int *err)
{
	return reduce_new(in, n, R_FIFO, err);
}

struct pgt_source *pgt_reduce_lru__new(struct pgt_source *in, uint32_t k, int *err)
{
	return reduce_new(in, k, R_LRU, err);
}

void pgt_reduce__stats(struct pgt_source *src, uint64_t *refs_in, uint64_t *refs_out)
{
	struct reduce *r = (struct reduce *)src;

	*refs_in = r->refs_in;
	*refs_out = r->refs_out;
}

/* ---- LRU simulation for the check ---- */

struct pgt_lru_sim {
	size_t n;
	struct pageset *sets;
	uint64_t *misses;
	uint64_t refs;
};

struct pgt_lru_sim *pgt_lru_sim__new(const uint32_t *sizes, size_t n, int *err)
{
	struct pgt_lru_sim *s = calloc(1, sizeof(*s));

	*err = -ENOMEM;
	if (!s)
		return NULL;
	s->sets = calloc(n, sizeof(*s->sets));
	s->misses = calloc(n, sizeof(*s->misses));
	if (!s->sets || !s->misses)
		goto fail;
	s->n = n;
	for (size_t i = 0; i < n; i++) {
		*err = ps_init(&s->sets[i], sizes[i]);
		if (*err)
			goto fail;
	}
	*err = 0;
	return s;
fail:
	pgt_lru_sim__free(s);
	return NULL;
}

void pgt_lru_sim__feed(struct pgt_lru_sim *s, const struct pgt_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!pgt_is_reference(ev[i].type))
			continue;
		for (uint64_t p = 0; p < ev[i].npages; p++) {
			s->refs++;
			for (size_t k = 0; k < s->n; k++) {
				int hit;

				ps_access(&s->sets[k], ev[i].obj, ev[i].index + p, &hit);
				s->misses[k] += !hit;
			}
		}
	}
}

uint64_t pgt_lru_sim__misses(const struct pgt_lru_sim *s, size_t i) { return s->misses[i]; }
uint64_t pgt_lru_sim__refs(const struct pgt_lru_sim *s) { return s->refs; }

void pgt_lru_sim__free(struct pgt_lru_sim *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->sets && i < s->n; i++)
		ps_release(&s->sets[i]);
	free(s->sets);
	free(s->misses);
	free(s);
}
