// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * LRU and FIFO: one queue.  LRU moves a hit to the head, FIFO leaves it;
 * both evict from the tail until the new object fits.  libCacheSim's
 * "lru" and "fifo" (cache/eviction/LRU.c, FIFO.c) are the same policies:
 * insertion at the head on a miss, eviction of the tail.
 */
#include "analysis/policy.h"

struct queue {
	struct pol p;
	struct pol_map where;
	struct pol_pool pool;
	struct pol_list q;
	int move_on_hit;
};

static struct pol *queue_new(uint64_t cap, uint32_t nids, int move, const struct pol_ops *ops, int *err)
{
	struct queue *x = calloc(1, sizeof(*x));

	(void)nids;
	if (!x) {
		*err = -ENOMEM;
		return NULL;
	}
	x->p.ops = ops;
	x->p.cap = cap;
	x->move_on_hit = move;
	pol_pool_init(&x->pool);
	pol_list_init(&x->q);
	return &x->p;
}

static int queue_get(struct pol *p, const struct pol_req *r)
{
	struct queue *x = (struct queue *)p;
	uint32_t e = pol_map_get(&x->where, r->id);

	if (e != POL_NIL) {
		if (x->move_on_hit)
			pol_list_move_head(&x->pool, &x->q, 0, e);
		return 1;
	}
	while (x->q.units + r->size > p->cap && x->q.tail != POL_NIL) {
		uint32_t v = x->q.tail;

		pol_node_drop(&x->pool, &x->where, &x->q, 0, v);
	}
	e = pol_node_new(&x->pool, &x->where, r);
	if (e == POL_NIL)
		return -ENOMEM;
	pol_list_push_head(&x->pool, &x->q, 0, e);
	p->used = x->q.units;
	return 0;
}

static size_t queue_bytes(const struct pol *p)
{
	const struct queue *x = (const struct queue *)p;

	return sizeof(*x) + pol_arrays_bytes(&x->where, &x->pool);
}

static void queue_free(struct pol *p)
{
	struct queue *x = (struct queue *)p;

	if (!x)
		return;
	pol_arrays_release(&x->where, &x->pool);
	free(x);
}

static struct pol *lru_new(uint64_t cap, uint32_t nids, int *err)
{
	return queue_new(cap, nids, 1, &pgt_pol_lru, err);
}

static struct pol *fifo_new(uint64_t cap, uint32_t nids, int *err)
{
	return queue_new(cap, nids, 0, &pgt_pol_fifo, err);
}

const struct pol_ops pgt_pol_lru = {
	.name = "lru", .desc = "least recently used", .new = lru_new, .get = queue_get,
	.bytes = queue_bytes, .free = queue_free,
};

const struct pol_ops pgt_pol_fifo = {
	.name = "fifo", .desc = "first in, first out", .new = fifo_new, .get = queue_get,
	.bytes = queue_bytes, .free = queue_free,
};
