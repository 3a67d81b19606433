// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * LFU, least frequently used, as libCacheSim's "lfu" (cache/eviction/LFU.c):
 * an object's count starts at 1 when it enters and grows by one a hit;
 * it is forgotten on eviction (no history of evicted objects).  The
 * victim is an object of the lowest count, and among those the one that
 * reached that count first: libCacheSim appends an object to its count's
 * list on entry and on every hit and evicts the list's first.  Reaching
 * the count is the last request, so ties go to the least recently used.
 * Evictions repeat until the new object fits.
 *
 * O(1) a request: one bucket per count in use, kept in increasing order
 * of count in a doubly linked list, each holding its objects from the
 * most to the least recent; a hit moves the object to the bucket of
 * count + 1, which is the next bucket or a new one inserted after.
 */
#include "analysis/policy.h"

struct bucket {
	uint64_t freq;
	struct pol_list l;	/* objects, head = most recent */
	uint32_t prev, next;	/* buckets by increasing freq; next: free list */
};

struct lfu {
	struct pol p;
	struct pol_map where;
	struct pol_pool pool;	/* objects; node.aux = bucket */
	struct bucket *b;
	size_t nb, capb;
	uint32_t bfree, first;	/* free buckets, the lowest-count bucket */
};

static struct pol *lfu_new(uint64_t cap, uint32_t nids, int *err)
{
	struct lfu *x = calloc(1, sizeof(*x));

	(void)nids;
	if (!x) {
		*err = -ENOMEM;
		return NULL;
	}
	x->p.ops = &pgt_pol_lfu;
	x->p.cap = cap;
	pol_pool_init(&x->pool);
	x->bfree = x->first = POL_NIL;
	return &x->p;
}

/* A new empty bucket of @freq after @prev (POL_NIL: first). */
static uint32_t bucket_new(struct lfu *x, uint64_t freq, uint32_t prev)
{
	uint32_t i, next;

	if (x->bfree != POL_NIL) {
		i = x->bfree;
		x->bfree = x->b[i].next;
	} else {
		if (pgt_grow((void **)&x->b, &x->capb, x->nb + 1, sizeof(*x->b)))
			return POL_NIL;
		i = (uint32_t)x->nb++;
	}
	next = prev == POL_NIL ? x->first : x->b[prev].next;
	x->b[i].freq = freq;
	pol_list_init(&x->b[i].l);
	x->b[i].prev = prev;
	x->b[i].next = next;
	if (prev == POL_NIL)
		x->first = i;
	else
		x->b[prev].next = i;
	if (next != POL_NIL)
		x->b[next].prev = i;
	return i;
}

static void bucket_drop_if_empty(struct lfu *x, uint32_t i)
{
	struct bucket *b = &x->b[i];

	if (b->l.n)
		return;
	if (b->prev == POL_NIL)
		x->first = b->next;
	else
		x->b[b->prev].next = b->next;
	if (b->next != POL_NIL)
		x->b[b->next].prev = b->prev;
	b->next = x->bfree;
	x->bfree = i;
}

static int lfu_get(struct pol *p, const struct pol_req *r)
{
	struct lfu *x = (struct lfu *)p;
	uint32_t e = pol_map_get(&x->where, r->id), bi, nb;

	if (e != POL_NIL) {
		bi = x->pool.v[e].aux;
		nb = x->b[bi].next;
		if (nb == POL_NIL || x->b[nb].freq != x->b[bi].freq + 1) {
			nb = bucket_new(x, x->b[bi].freq + 1, bi);
			if (nb == POL_NIL)
				return -ENOMEM;
		}
		pol_list_remove(&x->pool, &x->b[bi].l, 0, e);
		pol_list_push_head(&x->pool, &x->b[nb].l, 0, e);
		x->pool.v[e].aux = nb;
		bucket_drop_if_empty(x, bi);
		return 1;
	}
	while (p->used + r->size > p->cap && x->first != POL_NIL) {
		uint32_t f = x->first, v = x->b[f].l.tail;

		pol_list_remove(&x->pool, &x->b[f].l, 0, v);
		p->used -= x->pool.v[v].size;
		x->where.v[x->pool.v[v].id] = POL_NIL;
		pol_pool_put(&x->pool, v);
		bucket_drop_if_empty(x, f);
	}
	bi = x->first;
	if (bi == POL_NIL || x->b[bi].freq != 1) {
		bi = bucket_new(x, 1, POL_NIL);
		if (bi == POL_NIL)
			return -ENOMEM;
	}
	e = pol_node_new(&x->pool, &x->where, r);
	if (e == POL_NIL)
		return -ENOMEM;
	x->pool.v[e].aux = bi;
	pol_list_push_head(&x->pool, &x->b[bi].l, 0, e);
	p->used += r->size;
	return 0;
}

static size_t lfu_bytes(const struct pol *p)
{
	const struct lfu *x = (const struct lfu *)p;

	return sizeof(*x) + pol_arrays_bytes(&x->where, &x->pool) +
	       x->capb * sizeof(*x->b);
}

static void lfu_free(struct pol *p)
{
	struct lfu *x = (struct lfu *)p;

	if (!x)
		return;
	pol_arrays_release(&x->where, &x->pool);
	free(x->b);
	free(x);
}

const struct pol_ops pgt_pol_lfu = {
	.name = "lfu", .desc = "least frequently used, in-cache counts, ties to the least recent",
	.new = lfu_new, .get = lfu_get, .bytes = lfu_bytes, .free = lfu_free,
};
