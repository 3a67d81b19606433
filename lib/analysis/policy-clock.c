// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * CLOCK as libCacheSim's "clock" (cache/eviction/Clock.c) with its
 * default parameter n-bit-counter=1: each object has a one-bit reference
 * mark, clear when it is inserted at the head of a FIFO queue and set by
 * a hit (a counter saturating at 2^n - 1 = 1).  To evict, look at the
 * tail: a marked object loses its mark and is moved to the head (the
 * second chance), an unmarked one is evicted; repeat until one object
 * has gone.  Eviction runs, one object at a time, until the new object
 * fits (units summed by struct pol_list), so byte sizes work as
 * libCacheSim's cache_get_base() does them: evict while occupied + size
 * > capacity, then insert.
 *
 * The queue is the ring a clock hand sweeps: moving the tail to the head
 * is the hand stepping past it, so the list form gives the same victim
 * order as a hand over a circular array would.
 */
#include "analysis/policy.h"

#define CLOCK_MAX_FREQ 1	/* (1 << n-bit-counter) - 1 */

static struct pol *clock_new(uint64_t cap, uint32_t nids, int *err)
{
	(void)nids;
	return pgt_pol_queue_new(cap, &pgt_pol_clock, err);
}

/* Evict one object: marked tails go round again, unmarked. */
static void clock_evict(struct pol_queue *x)
{
	uint32_t v = x->q.tail;

	while (x->pool.v[v].freq) {
		x->pool.v[v].freq--;
		pol_list_move_head(&x->pool, &x->q, 0, v);
		v = x->q.tail;
	}
	pol_node_drop(&x->pool, &x->where, &x->q, 0, v);
}

static int clock_get(struct pol *p, const struct pol_req *r)
{
	struct pol_queue *x = (struct pol_queue *)p;
	uint32_t e = pol_map_get(&x->where, r->id);

	if (e != POL_NIL) {
		if (x->pool.v[e].freq < CLOCK_MAX_FREQ)
			x->pool.v[e].freq++;
		return 1;
	}
	return pol_queue_miss(x, r, clock_evict);
}

const struct pol_ops pgt_pol_clock = {
	.name = "clock", .desc = "FIFO with a one-bit second chance (libCacheSim clock)",
	.new = clock_new, .get = clock_get, .bytes = pgt_pol_queue_bytes, .free = pgt_pol_queue_free,
};
