/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * analysis.h - what pgtrace computes from a page reference trace: stack
 * distances, miss-ratio curves, reuse times, inter-reference frequency,
 * working sets, popularity (stats) and access patterns and phases
 * (phase).
 *
 * Both read events through the same reference stream: events of the
 * chosen types (a mask of enum pgt_event_type bits), each page of a range
 * one reference, a page being (object, page index), or the frame number
 * for --space pfn.
 */
#ifndef PGTRACE_ANALYSIS_H
#define PGTRACE_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "pgtrace/pgtrace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- which events count as references ---- */

#define PGT_REFS_BIT(type) (1u << (type))
/* The default set: lookup, fault, map, user-fault and reference.  Those
 * are what each source writes for a use of a page: the recorder's page
 * cache lookups (read/write), filemap faults, fault-around mappings and
 * user faults; gen's events (lookup unless --type); import's references
 * (lackey, oracleGeneral) or lookups/faults (perf, trace-cmd, CSV).
 * Insertions, deletions, LRU moves, DAMON samples and snapshot pages are
 * state changes, not uses, and count only when asked for. */
uint32_t pgt_refs_default(void);
/* A comma-separated list of type names, "default" and "all" allowed
 * (e.g. "default,add").  Return 0 or -PGT_EPARSE with *@bad pointing at
 * the offending name. */
int pgt_refs_parse(const char *list, uint32_t *mask, const char **bad);

/* How a reference names its page. */
enum pgt_space {
	PGT_SPACE_FILE = 0,	/* (object id, page index) */
	PGT_SPACE_PFN,		/* physical frame; events without one are skipped */
};

/* One page reference. */
struct pgt_ref {
	uint64_t key;		/* page index, or frame number */
	uint32_t obj;		/* object id (0 for --space pfn) */
	uint32_t pad;
	uint64_t ts;		/* event time, ns */
	const struct pgt_event *ev;	/* the event it came from */
};

/*
 * pgt_refs_count() - the references of one event: 0 when its type is
 * not in @mask (or it has no frame in PGT_SPACE_PFN), else its npages.
 * Call pgt_refs_at() for i in [0, n).
 */
static inline uint64_t pgt_refs_count(const struct pgt_event *ev, uint32_t mask, int space)
{
	if (ev->type >= 32 || !(mask & PGT_REFS_BIT(ev->type)))
		return 0;
	if (space == PGT_SPACE_PFN && ev->pfn == PGT_PFN_NONE)
		return 0;
	return ev->npages;
}

static inline void pgt_refs_at(const struct pgt_event *ev, int space, uint64_t i, struct pgt_ref *r)
{
	r->ev = ev;
	r->ts = ev->ts;
	r->pad = 0;
	if (space == PGT_SPACE_PFN) {
		r->obj = 0;
		r->key = ev->pfn + i;
	} else {
		r->obj = ev->obj;
		r->key = ev->index + i;
	}
}

#ifdef __cplusplus
}
#endif
#endif
