/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every sink constructor of the library shares (sink.h): the struct
 * allocated zeroed with its base set, and the free of a sink that owns
 * nothing but that struct.  Internal: a sink outside the library sets
 * its base itself.
 */
#ifndef PGTRACE_OPS_SINK_INT_H
#define PGTRACE_OPS_SINK_INT_H

#include <stddef.h>

#include "pgtrace/sink.h"

/* A zeroed struct of @size bytes whose first member is a struct pgt_sink,
 * given @ops and @flags (PGT_SINK_*).  Return: it (the sink's @ops->free
 * releases it), or NULL when out of memory. */
void *pgt_sink__alloc(size_t size, const struct pgt_sink_ops *ops, unsigned flags);

/* A struct pgt_sink_ops.free for a sink that borrows everything it
 * refers to: it frees the struct pgt_sink__alloc() made. */
void pgt_sink__free_self(struct pgt_sink *s);

/*
 * A sink over an object it borrows, fed and finished through the
 * object's own functions (stats, phase, heat, ...): a kind says which,
 * and each public constructor is pgt_obj_sink__new(&its_kind, obj).
 * @ops:    made by PGT_OBJ_SINK_KIND; @ops.name names the sink.
 * @feed:   the object's feed (0 or a negative error).
 * @finish: the object's finish, or NULL when there is nothing to do.
 * @flags:  PGT_SINK_* of every sink of the kind.
 */
struct pgt_obj_sink_kind {
	struct pgt_sink_ops ops;
	int (*feed)(void *obj, const struct pgt_event *evs, size_t n);
	int (*finish)(void *obj);
	unsigned flags;
};

int pgt_obj_sink__feed(struct pgt_sink *s, const struct pgt_event *evs, size_t n,
		       const struct pgt_meta *meta, const struct pgt_header *h);
int pgt_obj_sink__finish(struct pgt_sink *s, const struct pgt_meta *meta, const struct pgt_header *h);

#define PGT_OBJ_SINK_KIND(nm, fd, fn, fl) {						\
	.ops = { .name = (nm), .feed = pgt_obj_sink__feed, .finish = pgt_obj_sink__finish,	\
		 .free = pgt_sink__free_self },						\
	.feed = (fd), .finish = (fn), .flags = (fl) }

/* A sink of kind @k over @obj (borrowed).  Return: the sink (free it with
 * pgt_sink__free()), or NULL when out of memory. */
struct pgt_sink *pgt_obj_sink__new(const struct pgt_obj_sink_kind *k, void *obj);

#endif
