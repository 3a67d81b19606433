// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * 2Q (Johnson & Shasha, VLDB '94), the full version, as libCacheSim's
 * "twoq" (cache/eviction/TwoQ.c) with its default parameters
 * Ain-size-ratio=0.25, Aout-size-ratio=0.5:
 *
 *  - A1in, a FIFO of at most Kin = floor(0.25 c) units in principle,
 *    takes every new object; a hit there changes nothing.
 *  - A1out, a FIFO of ids only (ghosts) of Kout = floor(0.5 c) units,
 *    takes what A1in evicts, evicting its own oldest to make room (an
 *    id already there stays where it is).
 *  - Am, an LRU of at most c - Kin units, takes an object requested
 *    while in A1out (the ghost is dropped, the request misses), evicting
 *    its own least recent to make room.
 *  - While A1in + Am plus the new object exceed c: if A1in holds more
 *    than Kin, its oldest goes to A1out, else Am's least recent goes.
 *  - An object larger than Kin is never inserted, even after a ghost
 *    hit, so a cache of under 4 units (Kin = 0) holds nothing and every
 *    request misses.  That is libCacheSim's rule and is kept.
 */
#include "analysis/policy.h"

enum { AIN = 1, AOUT, AM };

struct twoq {
	struct pol p;
	struct pol_map where;
	struct pol_pool pool;
	struct pol_list l[4];	/* by AIN..AM */
	uint64_t kin, kout, kam;
};

static struct pol *twoq_new(uint64_t cap, uint32_t nids, int *err)
{
	struct twoq *x = calloc(1, sizeof(*x));

	(void)nids;
	if (!x) {
		*err = -ENOMEM;
		return NULL;
	}
	x->p.ops = &pgt_pol_2q;
	x->p.cap = cap;
	/* as libCacheSim: the product in double, truncated */
	x->kin = (uint64_t)((double)cap * 0.25);
	x->kout = (uint64_t)((double)cap * 0.5);
	x->kam = cap - x->kin;
	pol_pool_init(&x->pool);
	for (int i = 0; i < 4; i++)
		pol_list_init(&x->l[i]);
	return &x->p;
}

static void drop(struct twoq *x, int from, uint32_t v)
{
	pol_node_drop(&x->pool, &x->where, &x->l[from], 0, v);
}

static void push(struct twoq *x, int to, uint32_t v)
{
	x->pool.v[v].list[0] = (uint8_t)to;
	pol_list_push_head(&x->pool, &x->l[to], 0, v);
}

static int twoq_get(struct pol *p, const struct pol_req *r)
{
	struct twoq *x = (struct twoq *)p;
	uint32_t e = pol_map_get(&x->where, r->id);
	int ghost = 0;

	if (e != POL_NIL) {
		switch (x->pool.v[e].list[0]) {
		case AIN:
			return 1;
		case AM:
			pol_list_move_head(&x->pool, &x->l[AM], 0, e);
			return 1;
		default:
			/* dropped even when the object is then too large */
			drop(x, AOUT, e);
			ghost = 1;
		}
	}
	if (r->size > x->kin)
		return 0;
	while (x->l[AIN].units + x->l[AM].units + r->size > p->cap) {
		if (x->l[AIN].units > x->kin) {
			uint32_t v = x->l[AIN].tail;

			pol_list_remove(&x->pool, &x->l[AIN], 0, v);
			if (x->pool.v[v].size > x->kout) {
				x->where.v[x->pool.v[v].id] = POL_NIL;
				pol_pool_put(&x->pool, v);
				continue;
			}
			while (x->l[AOUT].units + x->pool.v[v].size > x->kout)
				drop(x, AOUT, x->l[AOUT].tail);
			push(x, AOUT, v);
		} else if (x->l[AM].n) {
			drop(x, AM, x->l[AM].tail);
		} else {
			break;	/* cannot happen: A1in <= Kin and Am empty fit */
		}
	}
	e = pol_node_new(&x->pool, &x->where, r);
	if (e == POL_NIL)
		return -ENOMEM;
	if (ghost) {
		while (x->l[AM].units + r->size > x->kam)
			drop(x, AM, x->l[AM].tail);
		push(x, AM, e);
	} else {
		push(x, AIN, e);
	}
	p->used = x->l[AIN].units + x->l[AM].units;
	return 0;
}

static size_t twoq_bytes(const struct pol *p)
{
	const struct twoq *x = (const struct twoq *)p;

	return sizeof(*x) + pol_arrays_bytes(&x->where, &x->pool);
}

static void twoq_free(struct pol *p)
{
	struct twoq *x = (struct twoq *)p;

	if (!x)
		return;
	pol_arrays_release(&x->where, &x->pool);
	free(x);
}

const struct pol_ops pgt_pol_2q = {
	.name = "2q", .desc = "2Q (Johnson & Shasha): FIFO for new pages, ghosts, LRU for reused",
	.new = twoq_new, .get = twoq_get, .bytes = twoq_bytes, .free = twoq_free,
};
