// SPDX-License-Identifier: LGPL-2.1-or-later
/* Filter expressions run on events: allocation-free, string tests cached
 * per process or object (see parse.c's head comment). */
#include <fnmatch.h>
#include <regex.h>
#include <string.h>

#include "format/format.h"
#include "expr-int.h"

/* ---- evaluation ---- */

/* Start a new cache epoch when @m is another meta or has grown. */
void pgt_expr_sync(struct pgt_expr *e, const struct pgt_meta *m)
{
	size_t gen;

	if (!e->uses_meta)
		return;
	gen = m ? pgt_meta__log(m)->len : 0;
	/* by serial: a freed meta's address comes back with the next */
	if ((m ? pgt_meta__serial(m) : 0) == e->meta && gen == e->gen)
		return;
	e->meta = m ? pgt_meta__serial(m) : 0;
	e->gen = gen;
	e->have_proc = e->have_obj = 0;
	if (++e->epoch >= (1u << 31)) {
		for (uint32_t i = 0; i < e->nnodes; i++)
			if (e->nodes[i].cache)
				memset(e->nodes[i].cache, 0, SCACHE_SIZE * sizeof(struct scache_ent));
		e->epoch = 1;
	}
}

static const struct pgt_process *proc_of(struct pgt_expr *e, const struct pgt_meta *m, uint32_t pid)
{
	if (e->have_proc && e->last_pid == pid)
		return e->proc;
	e->proc = m ? pgt_meta__process(m, pid) : NULL;
	e->last_pid = pid;
	e->have_proc = 1;
	return e->proc;
}

static const struct pgt_object *obj_of(struct pgt_expr *e, const struct pgt_meta *m, uint32_t id)
{
	if (e->have_obj && e->last_obj == id)
		return e->obj;
	e->obj = m ? pgt_meta__object(m, id) : NULL;
	e->last_obj = id;
	e->have_obj = 1;
	return e->obj;
}

/* The value of a numeric field; 0 when it is unknown for this event. */
static inline int fetch(struct pgt_expr *e, unsigned f, const struct pgt_event *ev,
			const struct pgt_meta *m, uint64_t *v)
{
	const struct pgt_object *o;
	const struct pgt_process *pr;

	switch (f) {
	case PGT_FIELD_TS: *v = ev->ts; return 1;
	case PGT_FIELD_SEQ: *v = ev->seq; return 1;
	case PGT_FIELD_CPU: *v = ev->cpu; return 1;
	case PGT_FIELD_PID: *v = ev->pid; return 1;
	case PGT_FIELD_TID: *v = ev->tid; return 1;
	case PGT_FIELD_OBJ: *v = ev->obj; return 1;
	case PGT_FIELD_INDEX: *v = ev->index; return 1;
	case PGT_FIELD_NPAGES: *v = ev->npages; return 1;
	case PGT_FIELD_AUX: *v = ev->aux; return 1;
	case PGT_FIELD_FLAGS: *v = ev->flags; return 1;
	case PGT_FIELD_LEVEL: *v = (ev->flags & PGT_F_LEVEL_MASK) >> PGT_F_LEVEL_SHIFT; return 1;
	case PGT_FIELD_PFN:
		*v = ev->pfn;
		return ev->pfn != PGT_PFN_NONE;
	case PGT_FIELD_UID:
		pr = proc_of(e, m, ev->pid);
		if (!pr)
			return 0;
		*v = pr->uid;
		return 1;
	case PGT_FIELD_DEV:
	case PGT_FIELD_INO:
		o = obj_of(e, m, ev->obj);
		if (!o)
			return 0;
		*v = f == PGT_FIELD_DEV ? o->dev : o->ino;
		return 1;
	default:
		return 0;
	}
}

/* Index of the interval holding @v or the first after it. */
static inline uint32_t iv_search(const struct node *n, uint64_t v)
{
	uint32_t lo = 0, hi = n->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (n->iv[2 * mid + 1] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static inline int num_in(const struct node *n, uint64_t v)
{
	uint32_t i;

	if (PGT_LIKELY(!n->iv))
		return v >= n->lo && v <= n->hi;
	i = iv_search(n, v);
	return i < n->n && n->iv[2 * i] <= v;
}

/* Does [lo, hi] overlap an interval of @n? */
static inline int range_in(const struct node *n, uint64_t lo, uint64_t hi)
{
	uint32_t i;

	if (PGT_LIKELY(!n->iv))
		return lo <= n->hi && hi >= n->lo;
	i = iv_search(n, lo);
	return i < n->n && n->iv[2 * i] <= hi;
}

static int str_test(const struct node *n, const char *s)
{
	switch (n->mode) {
	case S_EQ:
	case S_SET:
		for (uint32_t i = 0; i < n->n; i++)
			if (!strcmp(n->strs[i], s))
				return 1;
		return 0;
	case S_GLOB:
		return fnmatch(n->strs[0], s, 0) == 0;
	default:
		return regexec(n->re, s, 0, NULL, 0) == 0;
	}
}

static int str_match(struct pgt_expr *e, const struct node *n, const struct pgt_event *ev,
		     const struct pgt_meta *m)
{
	int by_pid = n->field == PGT_FIELD_COMM || n->field == PGT_FIELD_CGROUP ||
		     n->field == PGT_FIELD_CWD;
	uint32_t key = by_pid ? ev->pid : ev->obj;
	struct scache_ent *c = &n->cache[key & (SCACHE_SIZE - 1)];
	const char *s = NULL;
	int r;

	if (c->key == key && c->tag >> 1 == e->epoch)
		return (int)(c->tag & 1);
	if (by_pid) {
		const struct pgt_process *pr = proc_of(e, m, ev->pid);

		s = !pr ? NULL : n->field == PGT_FIELD_COMM ? pr->comm :
		    n->field == PGT_FIELD_CWD ? pr->cwd : pr->cgroup;
	} else {
		const struct pgt_object *o = obj_of(e, m, ev->obj);

		s = o ? o->path : NULL;
	}
	r = str_test(n, s ? s : "");
	c->key = key;
	c->tag = e->epoch << 1 | (uint32_t)r;
	return r;
}

int pgt_expr_eval(struct pgt_expr *e, const struct node *n, const struct pgt_event *ev,
		const struct pgt_meta *m)
{
	uint64_t v;

	switch (n->kind) {
	case N_NUM:
		if (!fetch(e, n->field, ev, m, &v))
			return 0;	/* unknown: no comparison holds */
		return num_in(n, v) ^ n->neg;
	case N_TYPE:
		return (int)((n->tmask[ev->type >> 6] >> (ev->type & 63)) & 1);
	case N_AND:
		for (uint32_t i = 0; i < n->n; i++)
			if (!pgt_expr_eval(e, &e->nodes[e->kids[n->kid0 + i]], ev, m))
				return 0;
		return 1;
	case N_OR:
		for (uint32_t i = 0; i < n->n; i++)
			if (pgt_expr_eval(e, &e->nodes[e->kids[n->kid0 + i]], ev, m))
				return 1;
		return 0;
	case N_NOT:
		return !pgt_expr_eval(e, &e->nodes[e->kids[n->kid0]], ev, m);
	case N_PAGE: {
		uint64_t last;

		if (!ev->npages)
			return n->neg;	/* no page: == finds none */
		last = ev->index + (ev->npages - 1);
		if (last < ev->index)
			last = UINT64_MAX;
		return range_in(n, ev->index, last) ^ n->neg;
	}
	case N_HAS:
		return (ev->flags & n->lo) == n->lo;
	case N_STR:
		return str_match(e, n, ev, m) ^ n->neg;
	case N_CONST:
		return (int)n->lo;
	default:
		return 0;
	}
}

int pgt_expr__match(struct pgt_expr *e, const struct pgt_event *ev, const struct pgt_meta *m)
{
	pgt_expr_sync(e, m);
	return pgt_expr_eval(e, &e->nodes[e->root], ev, m);
}

