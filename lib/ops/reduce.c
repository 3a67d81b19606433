// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Trace reduction.
 *
 * --fifo N: kVMTrace's active PTE FIFO.  A page referenced while among
 * the N most recently admitted is not seen; a reference to any other page
 * is kept and admits it, pushing out the oldest.
 *
 * --lru K: an exact reduction for LRU memories of K pages or more, in the
 * manner of Kaplan, Smaragdakis and Wilson's SAD.  Let a < b < c be
 * references to page p with no reference to p between a and c other than
 * b, and at most K distinct pages (p included) referenced from a to c.
 * Then b can go: from a to c, p stays among the K-1 most recent pages
 * whether or not b is there (a page first seen in the window cannot push
 * it further, and it is the only kind of reference that misses in K), so
 * for every size of at least K the stack below p, and so every hit, miss
 * and eviction, is the same; at c the stacks are equal again.  Removing
 * references never adds distinct pages to a window, so the rule applies
 * to all drops at once.
 *
 * Per page: the time of its last kept reference (kept) and at most one
 * reference waiting (pending).  When p is referenced again, the pending
 * reference goes if fewer than K other pages were referenced since kept,
 * else it stays and becomes kept; the new reference waits in its turn.
 * "Fewer than K others since kept" is "the K-th most recent page other
 * than p was last referenced no later than kept", and the K+1 most recent
 * pages are kept in a list, so each reference costs O(1).  Output keeps
 * input order through a queue; a pending reference at the head that
 * already has K others after its page's kept reference can only stay, so
 * it is decided at once.  A head that stays undecided while the queue
 * grows past QUEUE_MAX is kept: keeping is always safe.  At the end of
 * the trace the window of a waiting reference runs to the end.
 *
 * Memory follows what is used, not what is asked: the FIFO of --fifo N
 * and each LRU of the check start at SET_MIN pages and double, up to N,
 * as distinct pages arrive (a --fifo 100000000 of a 2,000-event trace
 * holds 2,000 pages, not 2.3 GB).  A set that is not full has evicted
 * nothing, so growing it changes no answer.
 */
#include <stdlib.h>
#include <string.h>

#include "pageset.h"
#include "pgtrace/analysis.h"
#include "pgtrace/ops.h"
#include "util/util.h"

#define OUT_BATCH 8192
#define QUEUE_MAX (1u << 20)
#define NONE UINT32_MAX
#define SET_MIN 1024u		/* pages of a FIFO or LRU set at first */

enum { R_FIFO, R_LRU };
enum { Q_WAIT, Q_KEEP, Q_DROP };

struct qent {			/* one event waiting to go out (lru) */
	struct pgt_event ev;	/* one page of a reference, or any other event */
	uint64_t t;		/* reference time (page references read before) */
	uint32_t page;		/* page id of a reference, NONE for others */
	uint8_t state;
};

struct lpage {			/* a page seen by reduce --lru */
	uint64_t index;
	uint32_t obj;
	uint32_t prev, next;	/* in the list of the K+1 most recent, or NONE */
	uint8_t in_top;
	uint64_t last, kept;	/* times of its last and last kept references */
	uint64_t pending;	/* queue position of its waiting reference, or UINT64_MAX */
};

struct lru_reduce {
	uint32_t k;
	struct lpage *pages;
	uint32_t npages, cap;
	uint32_t *hash;		/* page id + 1, 0 empty; linear probing */
	uint64_t hmask;
	uint32_t head, tail, ntop;	/* the K+1 most recent pages */
	struct qent *q;		/* ring: positions qhead..qtail-1 */
	uint64_t qhead, qtail;
	uint32_t qcap;		/* a power of two */
};

struct reduce {
	struct pgt_source src;
	struct pgt_source *in;
	int mode;
	struct pageset ps;
	uint32_t ps_limit;	/* --fifo N: ps grows up to N pages */
	struct lru_reduce lru;
	struct pgt_event *out;
	size_t nout, cap;
	uint64_t refs_in, refs_out;
	int done;
};

int pgt_is_reference(unsigned type)
{
	return type < 32 && (pgt_refs_default() & PGT_REFS_BIT(type));
}

static int push(struct reduce *r, const struct pgt_event *ev)
{
	if (pgt_grow_from((void **)&r->out, &r->cap, r->nout + 1, sizeof(*r->out), OUT_BATCH * 2))
		return -ENOMEM;
	r->out[r->nout++] = *ev;
	return 0;
}

/* One page of @ev as an event of its own. */
static struct pgt_event page_event(const struct pgt_event *ev, uint64_t page)
{
	struct pgt_event e = *ev;

	e.index = page;
	e.npages = 1;
	if (e.pfn != PGT_PFN_NONE)
		e.pfn += page - ev->index;
	return e;
}

/* Emit a one-page reference, joined to the previous output when it
 * continues the same event's range. */
static int emit_page(struct reduce *r, const struct pgt_event *e)
{
	r->refs_out++;
	if (r->nout) {
		struct pgt_event *l = &r->out[r->nout - 1];

		if (l->ts == e->ts && l->obj == e->obj && l->type == e->type && l->pid == e->pid &&
		    l->tid == e->tid && l->index + l->npages == e->index && l->npages < UINT32_MAX &&
		    pgt_is_reference(l->type) &&
		    (l->pfn == PGT_PFN_NONE ? e->pfn == PGT_PFN_NONE : l->pfn + l->npages == e->pfn)) {
			l->npages++;
			return 0;
		}
	}
	return push(r, e);
}

/* ---- sets that grow ---- */

/* A set of @limit pages at most, allocated for what it will first hold. */
static int set_init(struct pageset *s, uint32_t limit)
{
	return pgt_pageset__init(s, limit < SET_MIN ? limit : SET_MIN);
}

/*
 * Room for (@obj, @index) in @s, which may hold @limit pages: a full set
 * that is below its limit and lacks the page doubles, its pages admitted
 * into the new one from the least recent on, so the order is the same.
 */
static int set_room(struct pageset *s, uint32_t limit, uint32_t obj, uint64_t index)
{
	struct pageset ns;
	uint64_t nc;
	int err;

	if (s->n < s->cap || s->cap >= limit || pgt_pageset__find(s, obj, index) != PS_NONE)
		return 0;
	nc = (uint64_t)s->cap * 2;
	err = pgt_pageset__init(&ns, nc < limit ? (uint32_t)nc : limit);
	if (err)
		return err;
	for (uint32_t n = s->tail; n != PS_NONE; n = s->nodes[n].prev)
		pgt_pageset__admit(&ns, s->nodes[n].obj, s->nodes[n].index);
	pgt_pageset__release(s);
	*s = ns;
	return 0;
}

/* ---- --fifo ---- */

static int fifo_page(struct reduce *r, const struct pgt_event *ev, uint64_t page)
{
	struct pgt_event e;
	int err;

	if (pgt_pageset__find(&r->ps, ev->obj, page) != PS_NONE)
		return 0;
	err = set_room(&r->ps, r->ps_limit, ev->obj, page);
	if (err)
		return err;
	pgt_pageset__admit(&r->ps, ev->obj, page);
	e = page_event(ev, page);
	return emit_page(r, &e);
}

/* ---- --lru ---- */

static inline uint64_t page_hash(uint32_t obj, uint64_t index)
{
	uint64_t h = index * 0x9E3779B97F4A7C15ull ^ ((uint64_t)obj * 0xC2B2AE3D27D4EB4Full);

	return h ^ (h >> 29);
}

/* The pages double from 4096; the hash, twice their capacity, is rebuilt.
 * The capacity is updated once both are allocated. */
static int lru_grow_pages(struct lru_reduce *l)
{
	uint32_t ncap = l->cap;
	struct lpage *np;
	uint64_t hs;
	uint32_t *nh;

	if (pgt_grow32_from((void **)&l->pages, &ncap, (size_t)l->cap + 1, sizeof(*l->pages), 4096))
		return -ENOMEM;
	np = l->pages;
	hs = (uint64_t)ncap * 2;
	nh = calloc(hs, sizeof(*nh));
	if (!nh)
		return -ENOMEM;
	free(l->hash);
	l->hash = nh;
	l->hmask = hs - 1;
	l->cap = ncap;
	for (uint32_t i = 0; i < l->npages; i++) {
		uint64_t h = page_hash(np[i].obj, np[i].index) & l->hmask;

		while (nh[h])
			h = (h + 1) & l->hmask;
		nh[h] = i + 1;
	}
	return 0;
}

/* Id of (obj, index), added when new (*@fresh set).  NONE on ENOMEM. */
static uint32_t lru_page(struct lru_reduce *l, uint32_t obj, uint64_t index, int *fresh)
{
	uint64_t h;
	struct lpage *p;

	*fresh = 0;
	if (l->hash) {
		for (h = page_hash(obj, index) & l->hmask; l->hash[h]; h = (h + 1) & l->hmask) {
			p = &l->pages[l->hash[h] - 1];
			if (p->index == index && p->obj == obj)
				return l->hash[h] - 1;
		}
	}
	if (l->npages == l->cap) {
		if (lru_grow_pages(l))
			return NONE;
	}
	for (h = page_hash(obj, index) & l->hmask; l->hash[h]; h = (h + 1) & l->hmask)
		;
	l->hash[h] = l->npages + 1;
	p = &l->pages[l->npages];
	memset(p, 0, sizeof(*p));
	p->obj = obj;
	p->index = index;
	p->prev = p->next = NONE;
	p->pending = UINT64_MAX;
	*fresh = 1;
	return l->npages++;
}

static void top_unlink(struct lru_reduce *l, uint32_t id)
{
	struct lpage *p = &l->pages[id];

	if (p->prev != NONE)
		l->pages[p->prev].next = p->next;
	else
		l->head = p->next;
	if (p->next != NONE)
		l->pages[p->next].prev = p->prev;
	else
		l->tail = p->prev;
	p->prev = p->next = NONE;
	p->in_top = 0;
	l->ntop--;
}

/* Page @id referenced at @t: the most recent of the K+1 kept in the list. */
static void top_touch(struct lru_reduce *l, uint32_t id, uint64_t t)
{
	struct lpage *p = &l->pages[id];

	p->last = t;
	if (p->in_top) {
		if (l->head == id)
			return;
		top_unlink(l, id);
	} else if (l->ntop == l->k + 1) {
		top_unlink(l, l->tail);
	}
	p->prev = NONE;
	p->next = l->head;
	if (l->head != NONE)
		l->pages[l->head].prev = id;
	l->head = id;
	if (l->tail == NONE)
		l->tail = id;
	p->in_top = 1;
	l->ntop++;
}

/* Whether at least K pages other than @id were referenced after @id's
 * last kept reference. */
static int k_others_since_kept(const struct lru_reduce *l, uint32_t id)
{
	const struct lpage *p = &l->pages[id];
	uint32_t kth;

	if (l->ntop <= l->k)	/* at most K pages so far */
		return 0;
	kth = p->in_top && l->tail != id ? l->tail : l->pages[l->tail].prev;
	return l->pages[kth].last > p->kept;
}

static struct qent *q_at(struct lru_reduce *l, uint64_t pos)
{
	return &l->q[pos & (l->qcap - 1)];
}

static struct qent *q_add(struct lru_reduce *l)
{
	if (l->qtail - l->qhead == l->qcap) {
		uint32_t ncap = l->qcap ? l->qcap * 2 : 1024;
		struct qent *n = malloc((size_t)ncap * sizeof(*n));

		if (!n)
			return NULL;
		for (uint64_t i = l->qhead; i < l->qtail; i++)
			n[i & (ncap - 1)] = *q_at(l, i);
		free(l->q);
		l->q = n;
		l->qcap = ncap;
	}
	return q_at(l, l->qtail++);
}

static void q_keep(struct lru_reduce *l, struct qent *e)
{
	e->state = Q_KEEP;
	l->pages[e->page].kept = e->t;
	l->pages[e->page].pending = UINT64_MAX;
}

/* Send out the decided head of the queue; all of it when @all. */
static int lru_flush(struct reduce *r, int all)
{
	struct lru_reduce *l = &r->lru;
	int err = 0;

	while (l->qhead < l->qtail && !err) {
		struct qent *e = q_at(l, l->qhead);

		if (e->state == Q_WAIT) {
			/* at the end of the trace, with fewer than K others
			 * after the page's kept reference, the window runs
			 * to the end and the reference goes like any other */
			if (k_others_since_kept(l, e->page) || l->qtail - l->qhead > QUEUE_MAX)
				q_keep(l, e);
			else if (all)
				e->state = Q_DROP;
			else
				break;
		}
		if (e->state == Q_KEEP)
			err = e->page == NONE ? push(r, &e->ev) : emit_page(r, &e->ev);
		l->qhead++;
	}
	return err;
}

static int lru_other(struct reduce *r, const struct pgt_event *ev)
{
	struct qent *e;

	if (r->lru.qhead == r->lru.qtail)
		return push(r, ev);
	e = q_add(&r->lru);
	if (!e)
		return -ENOMEM;
	e->ev = *ev;
	e->page = NONE;
	e->state = Q_KEEP;
	return 0;
}

static int lru_ref(struct reduce *r, const struct pgt_event *ev, uint64_t page)
{
	struct lru_reduce *l = &r->lru;
	uint64_t t = r->refs_in;
	struct lpage *p;
	struct qent *e;
	uint32_t id;
	int fresh;

	id = lru_page(l, ev->obj, page, &fresh);
	if (id == NONE)
		return -ENOMEM;
	e = q_add(l);
	if (!e)
		return -ENOMEM;
	p = &l->pages[id];
	e->ev = page_event(ev, page);
	e->t = t;
	e->page = id;
	if (fresh) {
		e->state = Q_KEEP;
		p->kept = t;
	} else {
		if (p->pending != UINT64_MAX) {
			struct qent *w = q_at(l, p->pending);

			if (k_others_since_kept(l, id))
				q_keep(l, w);
			else
				w->state = Q_DROP;
		}
		e->state = Q_WAIT;
		p->pending = l->qtail - 1;
	}
	top_touch(l, id, t);
	return lru_flush(r, 0);
}

static void lru_release(struct lru_reduce *l)
{
	free(l->pages);
	free(l->hash);
	free(l->q);
}

static int do_page(struct reduce *r, const struct pgt_event *ev, uint64_t page)
{
	r->refs_in++;
	return r->mode == R_FIFO ? fifo_page(r, ev, page) : lru_ref(r, ev, page);
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
			if (r->mode == R_LRU) {
				int err = lru_flush(r, 1);

				if (err)
					return err;
			}
			break;
		}
		for (ssize_t i = 0; i < n; i++) {
			int err = 0;

			if (!pgt_is_reference(in[i].type)) {
				err = r->mode == R_LRU ? lru_other(r, &in[i]) : push(r, &in[i]);
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
	pgt_pageset__release(&r->ps);
	lru_release(&r->lru);
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
	*err = 0;
	if (!n)
		*err = -EINVAL;
	else if (mode == R_FIFO)
		*err = set_init(&r->ps, n);
	r->ps_limit = n;
	if (*err) {
		free(r);
		return NULL;
	}
	r->lru.k = n;
	r->lru.head = r->lru.tail = NONE;
	r->src.ops = &reduce_ops;
	r->src.meta = in->meta;
	r->src.header = in->header;
	r->in = in;
	r->mode = mode;
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

/*
 * Each set grows with the pages it holds (set_room()).  The feed cannot
 * return an error: when a set cannot grow, the simulation stops and every
 * size's misses read UINT64_MAX, which no real count is.
 */
struct pgt_lru_sim {
	size_t n;
	struct pageset *sets;
	uint32_t *limits;
	uint64_t *misses;
	uint64_t refs;
	int failed;
};

struct pgt_lru_sim *pgt_lru_sim__new(const uint32_t *sizes, size_t n, int *err)
{
	struct pgt_lru_sim *s = calloc(1, sizeof(*s));

	*err = -ENOMEM;
	if (!s)
		return NULL;
	s->sets = calloc(n, sizeof(*s->sets));
	s->misses = calloc(n, sizeof(*s->misses));
	s->limits = calloc(n, sizeof(*s->limits));
	if (!s->sets || !s->misses || !s->limits)
		goto fail;
	s->n = n;
	for (size_t i = 0; i < n; i++) {
		s->limits[i] = sizes[i];
		*err = sizes[i] ? set_init(&s->sets[i], sizes[i]) : -EINVAL;
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
	for (size_t i = 0; i < n && !s->failed; i++) {
		if (!pgt_is_reference(ev[i].type))
			continue;
		for (uint64_t p = 0; p < ev[i].npages && !s->failed; p++) {
			s->refs++;
			for (size_t k = 0; k < s->n; k++) {
				int hit;

				if (set_room(&s->sets[k], s->limits[k], ev[i].obj, ev[i].index + p)) {
					s->failed = 1;
					break;
				}
				pgt_pageset__access(&s->sets[k], ev[i].obj, ev[i].index + p, &hit);
				s->misses[k] += !hit;
			}
		}
	}
}

uint64_t pgt_lru_sim__misses(const struct pgt_lru_sim *s, size_t i)
{
	return s->failed ? UINT64_MAX : s->misses[i];
}
uint64_t pgt_lru_sim__refs(const struct pgt_lru_sim *s) { return s->refs; }

void pgt_lru_sim__free(struct pgt_lru_sim *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->sets && i < s->n; i++)
		pgt_pageset__release(&s->sets[i]);
	free(s->sets);
	free(s->misses);
	free(s->limits);
	free(s);
}
