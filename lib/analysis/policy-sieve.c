// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * SIEVE (Zhang et al., NSDI '24) as libCacheSim's "sieve"
 * (cache/eviction/Sieve.c); it has no parameters.  Objects sit in a FIFO
 * queue, a miss inserts at the head with the visited bit clear, a hit
 * sets the bit and moves nothing.  A hand remembers where the last
 * eviction stopped: starting there (at the tail the first time, or when
 * the hand has fallen off the head), it walks towards the head clearing
 * visited bits and wrapping from the head to the tail, and evicts the
 * first unvisited object; the hand stays at that object's head-side
 * neighbour.  Unlike CLOCK, survivors keep their place in the queue, so
 * new objects stay near the head and are the first to be examined
 * once the hand has swept past the old ones.  Eviction runs until the
 * new object fits (struct pol_list units), as cache_get_base() does in
 * libCacheSim, so byte sizes work.
 *
 * libCacheSim adds one unit of metadata per object only when asked
 * (consider_obj_metadata, off by default in cachesim); this does not.
 */
#include "analysis/policy.h"

static struct pol *sieve_new(uint64_t cap, uint32_t nids, int *err)
{
	(void)nids;
	return pgt_pol_queue_new(cap, &pgt_pol_sieve, err);
}

static void sieve_evict(struct pol_queue *x)
{
	struct pol_node *v = x->pool.v;
	uint32_t o = x->hand != POL_NIL ? x->hand : x->q.tail;

	while (v[o].freq) {
		v[o].freq = 0;
		/* prev[0] points towards the head */
		o = v[o].prev[0] != POL_NIL ? v[o].prev[0] : x->q.tail;
	}
	x->hand = v[o].prev[0];
	pol_node_drop(&x->pool, &x->where, &x->q, 0, o);
}

static int sieve_get(struct pol *p, const struct pol_req *r)
{
	struct pol_queue *x = (struct pol_queue *)p;
	uint32_t e = pol_map_get(&x->where, r->id);

	if (e != POL_NIL) {
		x->pool.v[e].freq = 1;
		return 1;
	}
	return pol_queue_miss(x, r, sieve_evict);
}

const struct pol_ops pgt_pol_sieve = {
	.name = "sieve", .desc = "FIFO with a visited bit and a hand that keeps its place (SIEVE)",
	.new = sieve_new, .get = sieve_get, .bytes = pgt_pol_queue_bytes, .free = pgt_pol_queue_free,
};
