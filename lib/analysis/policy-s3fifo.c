// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * S3-FIFO (Yang et al., SOSP '23) as libCacheSim's "s3fifo"
 * (cache/eviction/S3FIFO.c) with its defaults fifo-size-ratio=0.10,
 * ghost-size-ratio=0.90, move-to-main-threshold=2.
 *
 * Three FIFO queues: small S, main M, and a ghost G that remembers the
 * ids (and sizes) of objects evicted from S.  Sizes are computed as
 * libCacheSim does, in double and truncated: |S| = (int64)(cap * 0.10),
 * |M| = cap - |S|, |G| = (int64)(cap * 0.90), and no ghost when |G| = 0.
 * So below a capacity of 10 units S holds nothing and every request
 * misses, and while |S| = 1 too (capacities 10 to 19): libCacheSim admits
 * a new object only if its size is at most |S| (can_insert) and then
 * puts it into S only if its size is strictly less than |S|; when it is
 * equal, room is made as for an insertion but nothing is inserted.  We
 * do the same so the miss counts match at every size.
 * (With --sample the caches are scaled down, so this shows at sizes
 * below 20 / rate: a miniature S3-FIFO that small misses everything.)
 *
 * A request: a hit in S or M increments the object's counter (not
 * capped here; only comparisons with 1 and 2 and a cap of 3 matter, so
 * ours saturates).  Otherwise a ghost entry is consumed; then, while S
 * and M together cannot hold the new object, evict one object: from M if
 * M holds more than |M| or S is empty, else from S.  The new object goes
 * to M's head if it was in the ghost, else to S's head, counter 0.
 * S and M are only bounded together: either may exceed its share.
 *
 * Evicting from S walks S's tail until one object leaves: an object
 * with counter >= 2 moves to M's head with counter 0, one below 2 leaves
 * the cache and is inserted into G (a FIFO of |G| units that drops its
 * oldest entries to make room; an entry larger than |G| is not kept).
 * If S empties without an eviction, the next round evicts from M.
 * Evicting from M is CLOCK with a 2-bit counter: a tail with counter
 * f >= 1 goes back to the head with min(f, 3) - 1, one with 0 leaves.
 *
 * An id is in at most one of S, M and G (G's entry is consumed on the
 * next request), so one id -> node map serves all three, and a node
 * evicted from S is relabelled as G's entry rather than freed.
 */
#include "analysis/policy.h"

enum { Q_SMALL, Q_MAIN, Q_GHOST };

#define S3_MOVE_TO_MAIN 2	/* move-to-main-threshold */
#define S3_FREQ_SAT 0xffff

struct s3fifo {
	struct pol p;
	struct pol_map where;
	struct pol_pool pool;
	struct pol_list q[3];
	uint64_t qcap[3];	/* |S|, |M|, |G| */
};

static struct pol *s3fifo_new(uint64_t cap, uint32_t nids, int *err)
{
	struct s3fifo *x = calloc(1, sizeof(*x));
	int64_t s, g;

	(void)nids;
	if (!x) {
		*err = -ENOMEM;
		return NULL;
	}
	x->p.ops = &pgt_pol_s3fifo;
	x->p.cap = cap;
	/* the same double arithmetic as libCacheSim, truncated */
	s = (int64_t)((double)cap * 0.10);
	g = (int64_t)((double)cap * 0.90);
	x->qcap[Q_SMALL] = (uint64_t)s;
	x->qcap[Q_MAIN] = cap - (uint64_t)s;
	x->qcap[Q_GHOST] = g > 0 ? (uint64_t)g : 0;
	pol_pool_init(&x->pool);
	for (int i = 0; i < 3; i++)
		pol_list_init(&x->q[i]);
	return &x->p;
}

static void drop(struct s3fifo *x, int l, uint32_t v)
{
	pol_node_drop(&x->pool, &x->where, &x->q[l], 0, v);
}

static void push(struct s3fifo *x, int l, uint32_t v)
{
	x->pool.v[v].list[0] = (uint8_t)l;
	pol_list_push_head(&x->pool, &x->q[l], 0, v);
}

/* @v has just left S (unlinked): keep its id in G, or free it. */
static void to_ghost(struct s3fifo *x, uint32_t v)
{
	struct pol_list *g = &x->q[Q_GHOST];

	if (x->pool.v[v].size > x->qcap[Q_GHOST]) {
		x->where.v[x->pool.v[v].id] = POL_NIL;
		pol_pool_put(&x->pool, v);
		return;
	}
	while (g->units + x->pool.v[v].size > x->qcap[Q_GHOST])
		drop(x, Q_GHOST, g->tail);
	push(x, Q_GHOST, v);
}

static void evict_small(struct s3fifo *x)
{
	struct pol_list *s = &x->q[Q_SMALL];

	while (s->tail != POL_NIL) {
		uint32_t v = s->tail;
		struct pol_node *n = &x->pool.v[v];

		pol_list_remove(&x->pool, s, 0, v);
		if (n->freq >= S3_MOVE_TO_MAIN) {
			n->freq = 0;
			push(x, Q_MAIN, v);
		} else {
			to_ghost(x, v);
			return;
		}
	}
}

static void evict_main(struct s3fifo *x)
{
	struct pol_list *m = &x->q[Q_MAIN];

	while (m->tail != POL_NIL) {
		uint32_t v = m->tail;
		struct pol_node *n = &x->pool.v[v];

		if (!n->freq) {
			drop(x, Q_MAIN, v);
			return;
		}
		n->freq = (uint16_t)((n->freq < 3 ? n->freq : 3) - 1);
		pol_list_move_head(&x->pool, m, 0, v);
	}
}

static int s3fifo_get(struct pol *p, const struct pol_req *r)
{
	struct s3fifo *x = (struct s3fifo *)p;
	uint32_t e = pol_map_get(&x->where, r->id);
	int ghost_hit = 0;

	if (e != POL_NIL) {
		struct pol_node *n = &x->pool.v[e];

		if (n->list[0] != Q_GHOST) {
			if (n->freq < S3_FREQ_SAT)
				n->freq++;
			return 1;
		}
		drop(x, Q_GHOST, e);
		ghost_hit = 1;
	}
	if (r->size > x->qcap[Q_SMALL])
		return 0;	/* libCacheSim's can_insert says no */
	while (x->q[Q_SMALL].units + x->q[Q_MAIN].units + r->size > p->cap) {
		if (x->q[Q_MAIN].units > x->qcap[Q_MAIN] || !x->q[Q_SMALL].n)
			evict_main(x);
		else
			evict_small(x);
	}
	p->used = x->q[Q_SMALL].units + x->q[Q_MAIN].units;
	if (!ghost_hit && r->size >= x->qcap[Q_SMALL])
		return 0;	/* room made, nothing inserted: as libCacheSim */
	e = pol_node_new(&x->pool, &x->where, r);
	if (e == POL_NIL)
		return -ENOMEM;
	push(x, ghost_hit ? Q_MAIN : Q_SMALL, e);
	p->used += r->size;
	return 0;
}

static size_t s3fifo_bytes(const struct pol *p)
{
	const struct s3fifo *x = (const struct s3fifo *)p;

	return sizeof(*x) + pol_arrays_bytes(&x->where, &x->pool);
}

static void s3fifo_free(struct pol *p)
{
	struct s3fifo *x = (struct s3fifo *)p;

	if (!x)
		return;
	pol_arrays_release(&x->where, &x->pool);
	free(x);
}

const struct pol_ops pgt_pol_s3fifo = {
	.name = "s3fifo", .desc = "small, main and ghost FIFO queues (S3-FIFO, libCacheSim defaults)",
	.new = s3fifo_new, .get = s3fifo_get, .bytes = s3fifo_bytes, .free = s3fifo_free,
};
