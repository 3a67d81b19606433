/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * zipf.h - the one Zipf fit of the library, used by stats (the whole
 * trace) and phase (one object's window).  Not installed.
 *
 * Least squares of log count on log rank over the head of the ranking:
 * the ranks whose count is at least 32, else 8, else 2, with at least 8
 * ranks.  Counts of 1 are never fitted: among pages seen once or twice the
 * rank order is arbitrary and the counts are floored at 1, which flattens
 * the tail and pulls alpha down.
 *
 * Counts arrive in decreasing order, in runs (a count and how many ranks
 * hold it); the three candidate heads are prefixes of the ranking, so one
 * pass keeps the sums of each.
 */
#ifndef PGT_ANALYSIS_ZIPF_H
#define PGT_ANALYSIS_ZIPF_H

#include <stdint.h>

struct pgt_zipf_sums {
	double sx, sy, sxx, sxy, syy;
	uint64_t k;
};

struct pgt_zipf {
	struct pgt_zipf_sums run, head[3];	/* head[i]: counts >= 32, 8, 2 */
	uint64_t last;				/* count of the last run added */
};

/* Start a fit (caller storage; nothing to release). */
void pgt_zipf__init(struct pgt_zipf *z);
/* @mult more ranks hold @count, no greater than any count added before. */
void pgt_zipf__add(struct pgt_zipf *z, uint64_t count, uint64_t mult);
/* The fit: 0 with *alpha, *r2 and ranks 1..*hi, or -1 (alpha, r2 and hi
 * set to 0) when no head has 8 ranks and two distinct counts. */
int pgt_zipf__result(struct pgt_zipf *z, double *alpha, double *r2, uint64_t *hi);

#endif
