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

/* ---- cut ---- */

#include "pgtrace/parse.h"

struct pgt_cut_opts {
	size_t sz;
	int by_time;			/* range of times, else of event numbers */
	struct pgt_range range;
};

struct pgt_cut_stats {
	uint64_t events;		/* events written */
	uint64_t packets_copied;	/* whole packets copied as they were */
	uint64_t packets_decoded;	/* edge packets decoded and filtered */
	uint64_t lo, hi;		/* the range resolved: [lo, hi) */
};

/*
 * pgt_cut() - copy the events of @r inside a range to @w.  With an index
 * the start is found by binary search; packets wholly inside the range
 * are copied without decoding and only the edge packets are re-encoded.
 * Side tables known before the range are carried.  Time ranges take the
 * packets as time-ordered (the recorder and gen write them so).
 * Return 0, -ENXIO when an end anchor needs an index the input lacks,
 * -ERANGE for an empty range, or a read/write error.
 */
int pgt_cut(struct pgt_reader *r, struct pgt_writer *w, const struct pgt_cut_opts *o,
	    struct pgt_cut_stats *st);

/* ---- reduce ---- */

/* Event types that reference pages (reduce and the LRU check use them):
 * lookup, fault, map, user-fault, reference.  Others pass through. */
int pgt_is_reference(unsigned type);

/* Keep the references to pages outside a FIFO of the @n pages most
 * recently admitted (kVMTrace's active PTE FIFO): what a kernel that
 * unmapped all but @n pages would have seen.  Ranges are expanded. */
struct pgt_source *pgt_reduce_fifo__new(struct pgt_source *in, uint32_t n, int *err);
/*
 * Exact reduction for LRU memories of at least @k pages: a reference that
 * hits in the k most recent pages is held back, and the held-back pages
 * are replayed (once each, in the order of their last reference) just
 * before the next reference that misses them.  Every LRU memory of k
 * pages or more then sees the same misses, in the same order, as with
 * the original trace.  (Same goal as Kaplan, Smaragdakis and Wilson's
 * SAD and OLR; not their algorithm.)
 */
struct pgt_source *pgt_reduce_lru__new(struct pgt_source *in, uint32_t k, int *err);
/* Page references read and written by a reduce source so far. */
void pgt_reduce__stats(struct pgt_source *src, uint64_t *refs_in, uint64_t *refs_out);

/* Count LRU misses of the page references of a stream for several
 * memory sizes (pages), one simulation each. */
struct pgt_lru_sim;
struct pgt_lru_sim *pgt_lru_sim__new(const uint32_t *sizes, size_t n, int *err);
void pgt_lru_sim__feed(struct pgt_lru_sim *s, const struct pgt_event *ev, size_t n);
/* Misses for size number @i; references seen. */
uint64_t pgt_lru_sim__misses(const struct pgt_lru_sim *s, size_t i);
uint64_t pgt_lru_sim__refs(const struct pgt_lru_sim *s);
void pgt_lru_sim__free(struct pgt_lru_sim *s);

#ifdef __cplusplus
}
#endif
#endif
