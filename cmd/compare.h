/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Two traces compared per file and per process: what pgtrace diff prints
 * and pgtrace report shows for two traces, computed once, here.
 *
 * compare_read() reads each trace twice (the side tables as they end,
 * then the counts), so neither may be a pipe.  Rows live until
 * compare_release(); the pointers compare_sorted() returns borrow them
 * (free the array, not the rows).
 */
#ifndef PGTRACE_CMD_COMPARE_H
#define PGTRACE_CMD_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "util/u64map.h"
#include "pgtrace/analysis.h"

enum { CMP_FILES, CMP_PROCS, CMP_TOTAL, CMP_N };
/* "files", "processes", "total" */
extern const char *const compare_table_names[CMP_N];

struct cmp_side {
	uint64_t ins, evict;	/* pages of add and delete events */
	struct pgt_stats *st;	/* NULL: the row is not in this trace */
};

struct cmp_row {
	char *key;		/* a file's path, a process's "comm (exe)" */
	uint32_t next;		/* same hash: index + 1 */
	struct cmp_side s[2];
	/* results, after both traces */
	uint64_t refs[2], pages[2];
	double score;		/* largest absolute change: the sort key */
};

struct cmp_table {
	struct cmp_row *rows;
	uint32_t n, cap;
	struct u64map by_hash;	/* key hash -> first row + 1 */
	uint32_t in[2];		/* rows present in A, in B */
};

struct compare {
	struct cmp_table t[CMP_N];
	struct pgt_stats_opts so;	/* sizes of the curve (nsizes 0: powers of two) */
	uint32_t refs;		/* mask */
	int has_ins;		/* some trace has add events */
	const char *path[2];
	uint64_t events[2];
};

/* Set up @d for traces @a and @b (borrowed for @d's life): --refs @refs
 * (0: the library's), --sizes @sizes (borrowed; @nsizes 0: powers of two
 * up to each row's footprint). */
void compare_init(struct compare *d, const char *a, const char *b, uint32_t refs, const uint64_t *sizes,
		  size_t nsizes);
/* Read both traces and finish the rows.  Return 0, or an exit code after
 * a one-line message naming the trace that failed. */
int compare_read(struct compare *d);
void compare_release(struct compare *d);

/* The rows of table @t (CMP_FILES, CMP_PROCS) most changed first, as an
 * array the caller frees; *@n their number.  NULL when there are none. */
const struct cmp_row **compare_sorted(const struct compare *d, int t, size_t *n);
/* Rows of table @t in both traces. */
size_t compare_in_both(const struct compare *d, int t);
/* The total row. */
const struct cmp_row *compare_total(const struct compare *d);
/* The sizes of @r's curve, at most @max of them, into @out. */
size_t compare_sizes(const struct compare *d, const struct cmp_row *r, uint64_t *out, size_t max);
/* Miss ratio of side @w at sizes[i]; -1 without references. */
double compare_miss_at(const struct compare *d, const struct cmp_row *r, int w, const uint64_t *sizes, size_t i);
/* 1 - insertions / references of side @w; -1 when unknown. */
double compare_hit_ratio(const struct compare *d, const struct cmp_row *r, int w);
/* "both", "a" or "b" */
const char *compare_presence(const struct cmp_row *r);

#endif
