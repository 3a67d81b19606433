/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ops.h - operators on event streams, and the pieces every trace tool
 * (cut, filter, split, merge, reduce, import, export) shares.
 *
 * An operator is a source that wraps another source: it owns the inner
 * source (freeing the operator frees it) and, unless it says otherwise,
 * shares the inner source's side tables and header (src->meta points at
 * the inner meta; the operator does not free it).
 */
#ifndef PGTRACE_OPS_H
#define PGTRACE_OPS_H

#include <stdint.h>
#include <stdio.h>

#include "pgtrace/pgtrace.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * pgt_source__drain_to() - copy a source to a writer: every batch, with
 * the side records that arrived before it.  *@count (may be NULL) gets
 * the events written.  Return 0 or the first error (the source's or the
 * writer's).  The writer is not closed.
 */
int pgt_source__drain_to(struct pgt_source *src, struct pgt_writer *w, uint64_t *count);

/* ---- filter ---- */

struct pgt_expr;

/*
 * pgt_expr__parse() - compile a filter expression.
 * On error returns NULL, sets *@err, and writes into @msg (if not NULL)
 * a one-line reason and in *@at the byte offset of the bad token, so a
 * caller can show the expression with a caret under it.
 * Free with pgt_expr__free().
 */
struct pgt_expr *pgt_expr__parse(const char *text, char *msg, size_t msglen, size_t *at, int *err);
void pgt_expr__free(struct pgt_expr *e);
/* 1 when @ev matches, 0 when not; side tables of @m resolve names. */
int pgt_expr__match(struct pgt_expr *e, const struct pgt_event *ev, const struct pgt_meta *m);

/* A source of the events of @in that match @e (takes both). */
struct pgt_source *pgt_filter__new(struct pgt_source *in, struct pgt_expr *e, int *err);

/* ---- reduce ---- */

/* Keep the references to pages outside a FIFO of the @n pages most
 * recently admitted (kVMTrace's active PTE FIFO). */
struct pgt_source *pgt_reduce_fifo__new(struct pgt_source *in, uint64_t n, int *err);
/* Exact reduction keeping the LRU behaviour of every memory of at least
 * @k pages (Kaplan, Smaragdakis and Wilson's SAD). */
struct pgt_source *pgt_reduce_sad__new(struct pgt_source *in, uint64_t k, int *err);

#ifdef __cplusplus
}
#endif
#endif
