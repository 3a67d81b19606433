// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * LIRS (Jiang & Zhang, SIGMETRICS '02) as libCacheSim's "lirs"
 * (cache/eviction/LIRS.c) runs it, rule for rule, so that the two count
 * the same misses.
 *
 * Sizes: HIR share 1% of the capacity, Lhirs = max(1, floor(0.01 c))
 * units for resident HIR blocks, Llirs = c - Lhirs for LIR blocks.  So
 * a cache of 1 unit has no room for LIR blocks and, as in libCacheSim,
 * never admits a new object: every request misses.
 *
 * Structures: the stack S (LIR blocks, resident and non-resident HIR
 * blocks, by recency), the queue Q (resident HIR blocks), and NH, the
 * non-resident HIR blocks still in S in the order they were evicted.
 * S is bounded as libCacheSim bounds it: after each request, while S
 * holds more than 2c units, the oldest entry of NH leaves S and NH.
 * Pruning pops S's bottom until it is a LIR block (a non-resident one
 * leaves NH as well), never popping S's top.
 *
 * A request looks the block up in S and in Q, moving it to the top of
 * each it is in, then:
 *  - LIR in S: hit; prune.
 *  - resident HIR in S: hit; it leaves Q; while the LIR blocks would
 *    overflow Llirs with it, demote (below); it becomes LIR.
 *  - in Q only: hit; while the LIR blocks would overflow Llirs with it,
 *    demote; it is pushed on S as resident HIR.  (libCacheSim demotes
 *    here although the block stays HIR, and demoting may evict the
 *    block itself from Q: it then sits in S as a resident HIR block
 *    that Q and the occupancy do not count.  Kept, to count the same.)
 *  - non-resident HIR in S: miss; demote while the LIR blocks would
 *    overflow; it leaves NH; then while the cache is full, evict HIR
 *    blocks while Q is at its limit and demote once; it becomes LIR.
 *  - elsewhere: miss; if both LIR and HIR shares would overflow, evict
 *    HIR blocks until it fits the HIR share; it becomes LIR if it fits
 *    Llirs, else resident HIR on S and Q.
 * Demoting moves S's bottom (LIR) to Q's top, evicting HIR blocks until
 * it fits Lhirs, then prunes.  Evicting a HIR block drops Q's bottom;
 * if it is in S it stays there, non-resident, and enters NH.
 *
 * Every loop is bounded: where libCacheSim would pop an empty list (it
 * does not happen on its own traces) this stops instead.
 */
#include "analysis/policy.h"

/* node.aux flags; link 0 is S, link 1 is Q or NH (a block in NH has
 * left Q) */
#define IN_S 1u
#define LIR 2u
#define RES 4u		/* resident, for the S entry */
#define IN_Q 8u
#define IN_NH 16u
#define PIN 32u		/* the requested block: keep its node */

struct lirs {
	struct pol p;
	struct pol_map where;
	struct pol_pool pool;
	struct pol_list s, q, nh;
	uint64_t lirs_lim, hirs_lim, lirs, hirs, occ;
};

static struct pol *lirs_new(uint64_t cap, uint32_t nids, int *err)
{
	struct lirs *x = calloc(1, sizeof(*x));
	uint64_t h;

	(void)nids;
	if (!x) {
		*err = -ENOMEM;
		return NULL;
	}
	x->p.ops = &pgt_pol_lirs;
	x->p.cap = cap;
	h = (uint64_t)(0.01 * (double)cap);
	x->hirs_lim = h > 1 ? h : 1;
	x->lirs_lim = cap - x->hirs_lim;
	pol_pool_init(&x->pool);
	pol_list_init(&x->s);
	pol_list_init(&x->q);
	pol_list_init(&x->nh);
	return &x->p;
}

#define F(i) (x->pool.v[(i)].aux)

/* The node goes back to the pool once it is in neither S nor Q. */
static void maybe_free(struct lirs *x, uint32_t v)
{
	if (F(v) & (IN_S | IN_Q | PIN))
		return;
	x->where.v[x->pool.v[v].id] = POL_NIL;
	pol_pool_put(&x->pool, v);
}

static void nh_leave(struct lirs *x, uint32_t v)
{
	if (F(v) & IN_NH) {
		pol_list_remove(&x->pool, &x->nh, 1, v);
		F(v) &= ~IN_NH;
	}
}

static void s_leave(struct lirs *x, uint32_t v)
{
	nh_leave(x, v);
	pol_list_remove(&x->pool, &x->s, 0, v);
	F(v) &= ~(IN_S | LIR | RES);
}

static void s_push(struct lirs *x, uint32_t v, unsigned flags)
{
	pol_list_push_head(&x->pool, &x->s, 0, v);
	F(v) |= IN_S | flags;
}

static void q_push(struct lirs *x, uint32_t v)
{
	pol_list_push_head(&x->pool, &x->q, 1, v);
	F(v) |= IN_Q;
}

static void prune(struct lirs *x)
{
	while (x->s.tail != x->s.head) {
		uint32_t v = x->s.tail;

		if (F(v) & LIR)
			break;
		s_leave(x, v);
		maybe_free(x, v);
	}
}

/* Drop Q's bottom; it stays in S, non-resident, if it is there. */
static void evict_hir(struct lirs *x)
{
	uint32_t v = x->q.tail;
	uint32_t size = x->pool.v[v].size;

	x->hirs -= size;
	pol_list_remove(&x->pool, &x->q, 1, v);
	F(v) &= ~IN_Q;
	if (F(v) & IN_S) {
		F(v) &= ~RES;
		pol_list_push_head(&x->pool, &x->nh, 1, v);
		F(v) |= IN_NH;
	}
	x->occ -= size;
	maybe_free(x, v);
}

/* Demote S's bottom to Q's top. */
static void evict_lir(struct lirs *x)
{
	uint32_t v = x->s.tail;
	uint32_t size = x->pool.v[v].size;

	x->lirs -= size;
	s_leave(x, v);
	x->occ -= size;
	if (size <= x->hirs_lim) {
		while (x->hirs + size > x->hirs_lim && x->q.n)
			evict_hir(x);
		if (F(v) & IN_Q)
			pol_list_remove(&x->pool, &x->q, 1, v);
		q_push(x, v);
		x->hirs += size;
		x->occ += size;
	}
	maybe_free(x, v);
	prune(x);
}

/* Demote while the LIR blocks would overflow with @size more; never
 * demote the requested block @e itself (S's only entry). */
static void make_room_lir(struct lirs *x, uint32_t size, uint32_t e)
{
	while (x->lirs + size > x->lirs_lim && x->s.n && x->s.tail != e)
		evict_lir(x);
}

static int lirs_get(struct pol *p, const struct pol_req *r)
{
	struct lirs *x = (struct lirs *)p;
	uint32_t e = pol_map_get(&x->where, r->id), size = r->size;
	int hit = 0;

	if (e != POL_NIL) {
		unsigned f = F(e);

		if (f & IN_S)
			pol_list_move_head(&x->pool, &x->s, 0, e);
		if (f & IN_Q)
			pol_list_move_head(&x->pool, &x->q, 1, e);
		if ((f & IN_S) && (f & LIR)) {
			prune(x);
			hit = 1;
		} else if ((f & IN_S) && (f & RES)) {
			if (f & IN_Q) {
				x->hirs -= size;
				pol_list_remove(&x->pool, &x->q, 1, e);
				F(e) &= ~IN_Q;
				x->occ -= size;
			}
			make_room_lir(x, size, e);
			F(e) |= LIR;
			x->lirs += size;
			x->occ += size;
			hit = 1;
		} else if (f & IN_S) {
			/* non-resident HIR: a miss that makes it LIR */
			make_room_lir(x, size, e);
			nh_leave(x, e);
			while (x->occ + size > p->cap) {
				uint64_t before = x->occ + x->lirs + x->hirs;

				while (x->hirs >= x->hirs_lim && x->q.n)
					evict_hir(x);
				if (x->s.n && x->s.tail != e)
					evict_lir(x);
				if (x->occ + x->lirs + x->hirs == before)
					break;
			}
			F(e) |= LIR | RES;
			x->lirs += size;
			x->occ += size;
		} else {
			/* in Q only; demoting may evict it from Q */
			F(e) |= PIN;
			make_room_lir(x, size, e);
			F(e) &= ~PIN;
			if (F(e) & IN_S)	/* cannot be: it was not in S */
				s_leave(x, e);
			s_push(x, e, RES);
			hit = 1;
		}
	} else {
		if (size > x->lirs_lim || size > x->hirs_lim)
			goto out;
		if (x->lirs + size > x->lirs_lim && x->hirs + size > x->hirs_lim)
			while (x->hirs + size > x->hirs_lim && x->q.n)
				evict_hir(x);
		while (x->occ + size > p->cap) {
			if (x->lirs + size > x->lirs_lim && x->hirs + size > x->hirs_lim && x->q.n)
				evict_hir(x);
			else
				break;	/* libCacheSim would spin here */
		}
		e = pol_pool_alloc(&x->pool);
		if (e == POL_NIL || pol_map_set(&x->where, r->id, e))
			return -ENOMEM;
		x->pool.v[e].id = r->id;
		x->pool.v[e].size = size;
		if (x->lirs + size <= x->lirs_lim) {
			s_push(x, e, LIR | RES);
			x->lirs += size;
		} else {
			s_push(x, e, RES);
			q_push(x, e);
			x->hirs += size;
		}
		x->occ += size;
	}
out:
	/* bound S: the oldest non-resident HIR blocks go first */
	while (x->s.units > 2 * p->cap && x->nh.n) {
		uint32_t v = x->nh.tail;

		s_leave(x, v);
		maybe_free(x, v);
	}
	p->used = x->occ;
	return hit;
}

static size_t lirs_bytes(const struct pol *p)
{
	const struct lirs *x = (const struct lirs *)p;

	return sizeof(*x) + pol_arrays_bytes(&x->where, &x->pool);
}

static void lirs_free(struct pol *p)
{
	struct lirs *x = (struct lirs *)p;

	if (!x)
		return;
	pol_arrays_release(&x->where, &x->pool);
	free(x);
}

const struct pol_ops pgt_pol_lirs = {
	.name = "lirs", .desc = "LIRS (Jiang & Zhang): by reuse distance, 1% of the cache for HIR",
	.new = lirs_new, .get = lirs_get, .bytes = lirs_bytes, .free = lirs_free,
};
