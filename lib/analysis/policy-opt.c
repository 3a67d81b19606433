// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * OPT, Belady's MIN: on a miss, evict the object whose next request is
 * farthest in the future (never requested again counts as farthest).
 * The caller gives each request's next use (cache.c computes it with a
 * backward pass over the spool).  As libCacheSim's "belady"
 * (cache/eviction/Belady.c): a missed object is always inserted (demand
 * paging: no bypass), objects are evicted until it fits, and a hit
 * updates the object's next use.  Every policy here inserts on a miss,
 * so none can miss less.  The resident objects sit in a max-heap on next
 * use with each object's heap position in its node, so a hit's update is
 * a sift, O(log n).
 */
#include "analysis/policy.h"

struct opt {
	struct pol p;
	struct pol_map where;	/* id -> heap position */
	struct heap_ent {
		uint64_t next;
		uint32_t id, size;
	} *h;
	size_t n, cap;
};

static inline void hswap(struct opt *x, size_t a, size_t b)
{
	struct heap_ent t = x->h[a];

	x->h[a] = x->h[b];
	x->h[b] = t;
	x->where.v[x->h[a].id] = (uint32_t)a;
	x->where.v[x->h[b].id] = (uint32_t)b;
}

static void sift_up(struct opt *x, size_t i)
{
	while (i > 0) {
		size_t up = (i - 1) / 2;

		if (x->h[up].next >= x->h[i].next)
			break;
		hswap(x, i, up);
		i = up;
	}
}

static void sift_down(struct opt *x, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < x->n && x->h[l].next > x->h[m].next)
			m = l;
		if (r < x->n && x->h[r].next > x->h[m].next)
			m = r;
		if (m == i)
			return;
		hswap(x, i, m);
		i = m;
	}
}

static struct pol *opt_new(uint64_t cap, uint32_t nids, int *err)
{
	struct opt *x = calloc(1, sizeof(*x));

	(void)nids;
	if (!x) {
		*err = -ENOMEM;
		return NULL;
	}
	x->p.ops = &pgt_pol_opt;
	x->p.cap = cap;
	return &x->p;
}

static int opt_get(struct pol *p, const struct pol_req *r)
{
	struct opt *x = (struct opt *)p;
	uint32_t e = pol_map_get(&x->where, r->id);

	if (e != POL_NIL) {
		uint64_t old = x->h[e].next;

		x->h[e].next = r->next;
		if (r->next > old)
			sift_up(x, e);
		else
			sift_down(x, e);
		return 1;
	}
	while (p->used + r->size > p->cap && x->n) {
		x->where.v[x->h[0].id] = POL_NIL;
		p->used -= x->h[0].size;
		x->n--;
		if (x->n) {
			x->h[0] = x->h[x->n];
			x->where.v[x->h[0].id] = 0;
			sift_down(x, 0);
		}
	}
	if (pgt_grow((void **)&x->h, &x->cap, x->n + 1, sizeof(*x->h)) ||
	    pol_map_reserve(&x->where, r->id))
		return -ENOMEM;
	x->h[x->n] = (struct heap_ent){ .next = r->next, .id = r->id, .size = r->size };
	x->where.v[r->id] = (uint32_t)x->n;
	p->used += r->size;
	sift_up(x, x->n++);
	return 0;
}

static size_t opt_bytes(const struct pol *p)
{
	const struct opt *x = (const struct opt *)p;

	return sizeof(*x) + pol_map_bytes(&x->where) + x->cap * sizeof(*x->h);
}

static void opt_free(struct pol *p)
{
	struct opt *x = (struct opt *)p;

	if (!x)
		return;
	pol_map_release(&x->where);
	free(x->h);
	free(x);
}

const struct pol_ops pgt_pol_opt = {
	.name = "opt", .desc = "Belady's optimum: evict the page used farthest in the future",
	.flags = POL_NEEDS_NEXT, .new = opt_new, .get = opt_get, .bytes = opt_bytes, .free = opt_free,
};
