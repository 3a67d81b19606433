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

#endif
