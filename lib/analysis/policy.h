/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy.h - the cache replacement policies that `pgtrace cache`
 * simulates, behind one interface, and the pieces they share.
 *
 * A policy object is one cache of a fixed capacity.  It is asked for one
 * request at a time (pol_ops.get) and answers hit or miss; it holds the
 * request's object afterwards if the policy admits it.  Requests name
 * their page by a dense id (0, 1, 2, ... in order of first reference, per
 * key of --by), so a policy finds its entry through an array indexed by
 * id (struct pol_map) rather than a hash table: one memory access, no
 * probing.  Sizes are in units: pages, or bytes with --bytes; a request
 * larger than the capacity never reaches the policy (the caller counts it
 * a miss and nothing changes, as in libCacheSim, whose cache_get() will
 * not insert an object that cannot fit).
 *
 * Each policy lives in its own file, policy-NAME.c, and is one row of the
 * table in cache.c.  Where libCacheSim (1a1a11a/libCacheSim) defines the
 * policy, the file's head comment says which of its definitions and
 * parameters it follows.
 */
#ifndef PGT_ANALYSIS_POLICY_H
#define PGT_ANALYSIS_POLICY_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* One request. */
struct pol_req {
	uint32_t id;		/* dense page id */
	uint32_t size;		/* units, 1 <= size <= capacity */
	uint64_t vtime;		/* its number in the (key's) stream, from 0 */
	uint64_t next;		/* vtime of the next request to id, UINT64_MAX
				 * for none; only for POL_NEEDS_NEXT */
};

struct pol;			/* a policy's own state; starts with struct pol */
struct pol {
	const struct pol_ops *ops;
	uint64_t cap;		/* capacity, units */
	uint64_t used;		/* units held */
};

#define POL_NEEDS_NEXT 1u	/* get() reads req->next (Belady) */

struct pol_ops {
	const char *name;	/* as --policy takes it */
	const char *desc;	/* one line for --help and the man page */
	unsigned flags;		/* POL_NEEDS_NEXT */
	/* A cache of @cap units (cap >= 1); @nids: ids known so far (a
	 * sizing hint; larger ids may come).  NULL with *@err. */
	struct pol *(*new)(uint64_t cap, uint32_t nids, int *err);
	/* 1 hit, 0 miss, or -ENOMEM (the object is then in an undefined
	 * state: only free() may follow). */
	int (*get)(struct pol *p, const struct pol_req *r);
	/* heap memory the object holds */
	size_t (*bytes)(const struct pol *p);
	void (*free)(struct pol *p);
};

/* ---- id -> entry: an array grown on demand ---- */

#define POL_NIL UINT32_MAX

struct pol_map {
	uint32_t *v;		/* POL_NIL: not held */
	uint32_t n;
};

static inline uint32_t pol_map_get(const struct pol_map *m, uint32_t id)
{
	return id < m->n ? m->v[id] : POL_NIL;
}

/* Make room for @id; the new part reads POL_NIL.  0 or -ENOMEM. */
static inline int pol_map_reserve(struct pol_map *m, uint32_t id)
{
	uint32_t n;
	uint32_t *v;

	if (id < m->n)
		return 0;
	n = m->n ? m->n : 1024;
	while (n <= id)
		n = n > UINT32_MAX / 2 ? UINT32_MAX : n * 2;
	v = realloc(m->v, (size_t)n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memset(v + m->n, 0xff, (size_t)(n - m->n) * sizeof(*v));
	m->v = v;
	m->n = n;
	return 0;
}

static inline int pol_map_set(struct pol_map *m, uint32_t id, uint32_t e)
{
	int err = pol_map_reserve(m, id);

	if (!err)
		m->v[id] = e;
	return err;
}

static inline void pol_map_release(struct pol_map *m)
{
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* ---- a pool of list nodes, linked by index ---- */

/*
 * A node can sit on two lists at once (LIRS keeps a block on its stack
 * and on its queue): links 0 and 1.  @list and @list2 say which list of
 * the policy's a node is on (the policy's own numbering), @freq and @val
 * are the policy's too.
 */
struct pol_node {
	uint32_t id, size;
	uint32_t prev[2], next[2];
	uint8_t list[2];
	uint16_t freq;
	uint32_t aux;
	uint64_t val;
};

struct pol_pool {
	struct pol_node *v;
	uint32_t n, cap;	/* used (incl. free ones), allocated */
	uint32_t free_head;	/* a free list through next[0] */
};

/* A new node (zeroed, links POL_NIL), or POL_NIL when out of memory. */
static inline uint32_t pol_pool_alloc(struct pol_pool *p)
{
	uint32_t i;

	if (p->free_head != POL_NIL && p->v) {
		i = p->free_head;
		p->free_head = p->v[i].next[0];
	} else {
		if (p->n == p->cap) {
			uint32_t ncap = p->cap ? p->cap * 2 : 1024;
			struct pol_node *v;

			if (p->cap >= UINT32_MAX / 2)
				return POL_NIL;
			v = realloc(p->v, (size_t)ncap * sizeof(*v));
			if (!v)
				return POL_NIL;
			p->v = v;
			p->cap = ncap;
		}
		i = p->n++;
	}
	memset(&p->v[i], 0, sizeof(p->v[i]));
	p->v[i].prev[0] = p->v[i].next[0] = p->v[i].prev[1] = p->v[i].next[1] = POL_NIL;
	return i;
}

static inline void pol_pool_put(struct pol_pool *p, uint32_t i)
{
	p->v[i].next[0] = p->free_head;
	p->free_head = i;
}

static inline void pol_pool_init(struct pol_pool *p)
{
	p->v = NULL;
	p->n = p->cap = 0;
	p->free_head = POL_NIL;
}

static inline void pol_pool_release(struct pol_pool *p)
{
	free(p->v);
	pol_pool_init(p);
}

/* A doubly linked list of pool nodes through link @l: head is the most
 * recently inserted end, tail the oldest. */
struct pol_list {
	uint32_t head, tail;
	uint64_t n;		/* nodes */
	uint64_t units;		/* their sizes summed */
};

static inline void pol_list_init(struct pol_list *q)
{
	q->head = q->tail = POL_NIL;
	q->n = q->units = 0;
}

static inline void pol_list_push_head(struct pol_pool *p, struct pol_list *q, int l, uint32_t i)
{
	struct pol_node *x = &p->v[i];

	x->prev[l] = POL_NIL;
	x->next[l] = q->head;
	if (q->head != POL_NIL)
		p->v[q->head].prev[l] = i;
	else
		q->tail = i;
	q->head = i;
	q->n++;
	q->units += x->size;
}

static inline void pol_list_remove(struct pol_pool *p, struct pol_list *q, int l, uint32_t i)
{
	struct pol_node *x = &p->v[i];

	if (x->prev[l] != POL_NIL)
		p->v[x->prev[l]].next[l] = x->next[l];
	else
		q->head = x->next[l];
	if (x->next[l] != POL_NIL)
		p->v[x->next[l]].prev[l] = x->prev[l];
	else
		q->tail = x->prev[l];
	x->prev[l] = x->next[l] = POL_NIL;
	q->n--;
	q->units -= x->size;
}

static inline void pol_list_move_head(struct pol_pool *p, struct pol_list *q, int l, uint32_t i)
{
	if (q->head == i)
		return;
	pol_list_remove(p, q, l, i);
	pol_list_push_head(p, q, l, i);
}

static inline size_t pol_pool_bytes(const struct pol_pool *p)
{
	return (size_t)p->cap * sizeof(*p->v);
}

static inline size_t pol_map_bytes(const struct pol_map *m)
{
	return (size_t)m->n * sizeof(*m->v);
}

/* A node for request @r's object (its id and size set), found through
 * @m from now on; not on any list yet.  The node, or POL_NIL when out of
 * memory. */
static inline uint32_t pol_node_new(struct pol_pool *p, struct pol_map *m, const struct pol_req *r)
{
	uint32_t e = pol_pool_alloc(p);

	if (e == POL_NIL || pol_map_set(m, r->id, e))
		return POL_NIL;
	p->v[e].id = r->id;
	p->v[e].size = r->size;
	return e;
}

/* Node @v leaves: off list @q (link @l), out of @m, back to the pool. */
static inline void pol_node_drop(struct pol_pool *p, struct pol_map *m, struct pol_list *q, int l, uint32_t v)
{
	pol_list_remove(p, q, l, v);
	m->v[p->v[v].id] = POL_NIL;
	pol_pool_put(p, v);
}

/* The usual pair of a policy's arrays: their bytes, their release. */
static inline size_t pol_arrays_bytes(const struct pol_map *m, const struct pol_pool *p)
{
	return pol_map_bytes(m) + pol_pool_bytes(p);
}

static inline void pol_arrays_release(struct pol_map *m, struct pol_pool *p)
{
	pol_map_release(m);
	pol_pool_release(p);
}

/*
 * One queue of nodes: LRU, FIFO, CLOCK and SIEVE differ only in what a
 * hit does and which node an eviction takes.  Made, measured and freed by
 * policy-lru.c; each policy's get() handles a hit, then calls
 * pol_queue_miss() with its eviction.
 */
struct pol_queue {
	struct pol p;
	struct pol_map where;
	struct pol_pool pool;
	struct pol_list q;
	uint32_t hand;		/* SIEVE's hand (POL_NIL: at the tail) */
};

struct pol *pgt_pol_queue_new(uint64_t cap, const struct pol_ops *ops, int *err);
size_t pgt_pol_queue_bytes(const struct pol *p);
void pgt_pol_queue_free(struct pol *p);

/* A miss: @evict until @r's object fits, then the object at the head.
 * 0 or -ENOMEM. */
static inline int pol_queue_miss(struct pol_queue *x, const struct pol_req *r, void (*evict)(struct pol_queue *))
{
	uint32_t e;

	while (x->q.units + r->size > x->p.cap && x->q.tail != POL_NIL)
		evict(x);
	e = pol_node_new(&x->pool, &x->where, r);
	if (e == POL_NIL)
		return -ENOMEM;
	pol_list_push_head(&x->pool, &x->q, 0, e);
	x->p.used = x->q.units;
	return 0;
}

/* The policies (policy-*.c), in the order --help lists them. */
extern const struct pol_ops pgt_pol_lru, pgt_pol_fifo, pgt_pol_clock, pgt_pol_sieve, pgt_pol_s3fifo,
	pgt_pol_arc, pgt_pol_lirs, pgt_pol_2q, pgt_pol_lfu, pgt_pol_opt, pgt_pol_linux;

#endif
