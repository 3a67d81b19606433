// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ARC, Megiddo & Modha's adaptive replacement cache (FAST '03), as
 * libCacheSim's "arc" (cache/eviction/ARC.c) defines it, so that the two
 * count the same misses:
 *
 *  - T1 (seen once lately) and T2 (seen at least twice) hold the data,
 *    B1 and B2 are their ghosts (ids only, sizes counted).  A hit in T1
 *    moves the object to T2's head, a hit in T2 to its head.
 *  - The target p for T1 is a double starting at 0.  A request found in
 *    B1 raises it by max(|B2|/|B1|, 1), capped at the capacity; one
 *    found in B2 lowers it by max(|B1|/|B2|, 1), floored at 0 (sizes in
 *    units, taken before the ghost is dropped).  The object then misses
 *    and goes to T2's head; any other miss goes to T1's head.
 *  - Nothing is evicted while the object fits; otherwise, once per
 *    eviction until it fits:
 *      after a ghost hit: REPLACE;
 *      else if |T1| + |B1| + size > c: drop B1's tail then REPLACE when
 *        B1 is not empty, else drop T1's tail with no ghost;
 *      else: drop B2's tail when |T1|+|B1|+|T2|+|B2| >= 2c and B2 is not
 *        empty, then REPLACE.
 *    REPLACE moves T1's tail to B1's head when T1 is not empty and
 *    |T1| > p (or |T1| == p after a B2 hit), or when T2 is empty;
 *    otherwise T2's tail to B2's head.
 *
 * This is the paper's algorithm with its "|L1| = c" tests written for
 * objects of any size (libCacheSim's reading), and with the ghosts
 * trimmed only when something must be evicted: a cache that is not yet
 * full has no ghosts anyway.  No deliberate difference from libCacheSim
 * (its per-object metadata size is 0 unless asked for, as here).
 */
#include "analysis/policy.h"

enum { T1 = 1, T2, B1, B2 };

struct arc {
	struct pol p;
	struct pol_map where;
	struct pol_pool pool;
	struct pol_list l[5];	/* by T1..B2; [0] unused */
	double target;		/* p, the paper's target size of T1 */
};

static struct pol *arc_new(uint64_t cap, uint32_t nids, int *err)
{
	struct arc *x = calloc(1, sizeof(*x));

	(void)nids;
	if (!x) {
		*err = -ENOMEM;
		return NULL;
	}
	x->p.ops = &pgt_pol_arc;
	x->p.cap = cap;
	pol_pool_init(&x->pool);
	for (int i = 0; i < 5; i++)
		pol_list_init(&x->l[i]);
	return &x->p;
}

static void move_tail(struct arc *x, int from, int to)
{
	uint32_t v = x->l[from].tail;

	pol_list_remove(&x->pool, &x->l[from], 0, v);
	pol_list_push_head(&x->pool, &x->l[to], 0, v);
	x->pool.v[v].list[0] = (uint8_t)to;
}

static void drop_tail(struct arc *x, int from)
{
	uint32_t v = x->l[from].tail;

	pol_node_drop(&x->pool, &x->where, &x->l[from], 0, v);
}

/* REPLACE: @ghost is the list the request was found in (B1, B2) or 0 */
static void replace(struct arc *x, int ghost)
{
	double t1 = (double)x->l[T1].units;

	if ((x->l[T1].units && (t1 > x->target || (t1 == x->target && ghost == B2))) ||
	    !x->l[T2].units)
		move_tail(x, T1, B1);
	else
		move_tail(x, T2, B2);
}

static void evict(struct arc *x, int ghost, uint32_t size)
{
	uint64_t c = x->p.cap;

	if (ghost) {
		replace(x, ghost);
	} else if (x->l[T1].units + x->l[B1].units + size > c) {
		if (x->l[B1].units) {
			drop_tail(x, B1);
			replace(x, 0);
		} else {
			drop_tail(x, T1);
		}
	} else {
		if (x->l[T1].units + x->l[B1].units + x->l[T2].units + x->l[B2].units >= 2 * c &&
		    x->l[B2].units)
			drop_tail(x, B2);
		replace(x, 0);
	}
}

static int arc_get(struct pol *p, const struct pol_req *r)
{
	struct arc *x = (struct arc *)p;
	uint32_t e = pol_map_get(&x->where, r->id);
	int ghost = 0;

	if (e != POL_NIL) {
		int in = x->pool.v[e].list[0];
		double b1 = (double)x->l[B1].units, b2 = (double)x->l[B2].units;

		switch (in) {
		case T1:
			pol_list_remove(&x->pool, &x->l[T1], 0, e);
			pol_list_push_head(&x->pool, &x->l[T2], 0, e);
			x->pool.v[e].list[0] = T2;
			return 1;
		case T2:
			pol_list_move_head(&x->pool, &x->l[T2], 0, e);
			return 1;
		case B1:
			x->target += b2 / b1 > 1 ? b2 / b1 : 1;
			if (x->target > (double)p->cap)
				x->target = (double)p->cap;
			break;
		default:
			x->target -= b1 / b2 > 1 ? b1 / b2 : 1;
			if (x->target < 0)
				x->target = 0;
			break;
		}
		/* a ghost: out of its list while the evictions run (they
		 * touch only tails), then the head of T2 */
		ghost = in;
		pol_list_remove(&x->pool, &x->l[in], 0, e);
		x->pool.v[e].list[0] = 0;
	}
	while (x->l[T1].units + x->l[T2].units + r->size > p->cap &&
	       (x->l[T1].n || x->l[T2].n))
		evict(x, ghost, r->size);
	if (e == POL_NIL) {
		e = pol_pool_alloc(&x->pool);
		if (e == POL_NIL || pol_map_set(&x->where, r->id, e))
			return -ENOMEM;
		x->pool.v[e].id = r->id;
	}
	x->pool.v[e].size = r->size;
	x->pool.v[e].list[0] = ghost ? T2 : T1;
	pol_list_push_head(&x->pool, &x->l[ghost ? T2 : T1], 0, e);
	p->used = x->l[T1].units + x->l[T2].units;
	return 0;
}

static size_t arc_bytes(const struct pol *p)
{
	const struct arc *x = (const struct arc *)p;

	return sizeof(*x) + pol_arrays_bytes(&x->where, &x->pool);
}

static void arc_free(struct pol *p)
{
	struct arc *x = (struct arc *)p;

	if (!x)
		return;
	pol_arrays_release(&x->where, &x->pool);
	free(x);
}

const struct pol_ops pgt_pol_arc = {
	.name = "arc", .desc = "ARC (Megiddo & Modha): recency and frequency lists, ghosts, adapts",
	.new = arc_new, .get = arc_get, .bytes = arc_bytes, .free = arc_free,
};
