// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * LRU and FIFO: one queue.  LRU moves a hit to the head, FIFO leaves it;
 * both evict from the tail until the new object fits.  libCacheSim's
 * "lru" and "fifo" (cache/eviction/LRU.c, FIFO.c) are the same policies:
 * insertion at the head on a miss, eviction of the tail.  This file also
 * makes, measures and frees the one-queue object (struct pol_queue) that
 * CLOCK and SIEVE use too.
 */
#include "analysis/policy.h"

struct pol *pgt_pol_queue_new(uint64_t cap, const struct pol_ops *ops, int *err)
{
	struct pol_queue *x = calloc(1, sizeof(*x));

	if (!x) {
		*err = -ENOMEM;
		return NULL;
	}
	x->p.ops = ops;
	x->p.cap = cap;
	x->hand = POL_NIL;
	pol_pool_init(&x->pool);
	pol_list_init(&x->q);
	return &x->p;
}

size_t pgt_pol_queue_bytes(const struct pol *p)
{
	const struct pol_queue *x = (const struct pol_queue *)p;

	return sizeof(*x) + pol_arrays_bytes(&x->where, &x->pool);
}

void pgt_pol_queue_free(struct pol *p)
{
	struct pol_queue *x = (struct pol_queue *)p;

	if (!x)
		return;
	pol_arrays_release(&x->where, &x->pool);
	free(x);
}

/* both evict the tail */
static void tail_evict(struct pol_queue *x)
{
	pol_node_drop(&x->pool, &x->where, &x->q, 0, x->q.tail);
}

static int lru_get(struct pol *p, const struct pol_req *r)
{
	struct pol_queue *x = (struct pol_queue *)p;
	uint32_t e = pol_map_get(&x->where, r->id);

	if (e != POL_NIL) {
		pol_list_move_head(&x->pool, &x->q, 0, e);
		return 1;
	}
	return pol_queue_miss(x, r, tail_evict);
}

static int fifo_get(struct pol *p, const struct pol_req *r)
{
	struct pol_queue *x = (struct pol_queue *)p;

	if (pol_map_get(&x->where, r->id) != POL_NIL)
		return 1;
	return pol_queue_miss(x, r, tail_evict);
}

static struct pol *lru_new(uint64_t cap, uint32_t nids, int *err)
{
	(void)nids;
	return pgt_pol_queue_new(cap, &pgt_pol_lru, err);
}

static struct pol *fifo_new(uint64_t cap, uint32_t nids, int *err)
{
	(void)nids;
	return pgt_pol_queue_new(cap, &pgt_pol_fifo, err);
}

const struct pol_ops pgt_pol_lru = {
	.name = "lru", .desc = "least recently used", .new = lru_new, .get = lru_get,
	.bytes = pgt_pol_queue_bytes, .free = pgt_pol_queue_free,
};

const struct pol_ops pgt_pol_fifo = {
	.name = "fifo", .desc = "first in, first out", .new = fifo_new, .get = fifo_get,
	.bytes = pgt_pol_queue_bytes, .free = pgt_pol_queue_free,
};
