/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stats-int.h - internal to stats (lib/analysis/stats*.c): the
 * accumulator's state.  Not installed.
 *
 *   stats.c          the accumulator: page table, live slots and their
 *                    Fenwick tree, SHARDS sampling, WSS windows, one
 *                    reference (the stack distance core)
 *   stats-results.c  histogram bins, and what finish makes of the
 *                    counts: miss ratios, ranks and the Zipf fit, IRF,
 *                    per-object figures, and the getters
 */
#ifndef PGT_STATS_INT_H
#define PGT_STATS_INT_H

#include <stdint.h>

#include "pgtrace/analysis.h"
#include "util/u64map.h"
#include "util/util.h"

#define NONE UINT32_MAX
#define BLOCK_BITS 512u
#define SAMPLE_BITS 24
#define SAMPLE_ONE (1u << SAMPLE_BITS)
#define BATCH 256
#define AHEAD 16
#define DEFAULT_WINDOW 100000u
/* First sizes of what grows: small, so that the thousands of accumulators
 * of stats --by cost what their pages need (the page array and the table
 * double, so a large trace pays a few more doublings, once) */
#define TABLE_MIN 8u		/* table slots */
#define PAGES_MIN 4u		/* page records */
#define HIST_MIN 8u		/* histogram bins */
#define WIN_MIN 1u		/* windows */
#define HEAP_MIN 16u		/* fixed-size sample heap entries */

/* ---- live slots: bits and a Fenwick tree of block counts ---- */

struct live {
	uint64_t *bits;
	uint32_t *fen;		/* 1-based */
	uint32_t cap, nblocks;	/* cap: slots, a multiple of BLOCK_BITS */
	uint32_t next, n;	/* next slot to hand out; live slots */
};

/* ---- the accumulator ---- */

struct page {
	uint64_t key;
	uint32_t obj;
	uint32_t slot;		/* live slot; next free id when on the free list */
	uint64_t last;		/* reference number of its last reference */
};

struct pagex {
	double irf;		/* sum of 1/gap */
	uint32_t cnt;		/* references, saturating */
	uint32_t pad;
};

struct heapent {
	uint32_t h, id;
};

struct pgt_stats {
	struct pgt_stats_opts o;
	/* pages */
	struct page *pages;
	struct pagex *px;	/* per-page results (no_pages: NULL) */
	uint64_t *last_ns;	/* PGT_IRF_NS only */
	uint32_t npages, cap_pages, free_id;
	uint32_t *table;	/* tag << idbits | page id + 1; 0 empty */
	uint32_t tmask, tused, idbits, idmask;
	struct live live;
	/* sampling */
	uint32_t threshold;	/* sample when hash < threshold */
	double weight;		/* 1 / rate */
	struct heapent *heap;	/* fixed size: max heap of sampled hashes */
	uint32_t nheap;
	/* counters */
	uint64_t refs, sampled;
	double sampled_w;	/* sum of the weights of the sampled references */
	uint64_t first_ts, last_ts;
	double cold, dist_sum, dist_n, reuse_sum, reuse_n;
	/* histograms, grown to the highest bin used (hcap bins each; all
	 * PGT_HIST_BINS after finish unless lean): a key of --by with a few
	 * pages needs a few dozen bins, not 5 x 1024 */
	double *dist, *reuse, *reuse_tot;
	double *tail, *tail_tot;	/* n - last reference; tcap bins, at finish */
	unsigned hcap, tcap;
	uint32_t capheap;	/* fixed size: heap entries allocated */
	uint64_t *above;	/* nsizes + 1: references missing exactly sizes[..k) */
	uint64_t *sizes;	/* sorted copy */
	/* windows */
	struct pgt_wss_window *win;
	size_t nwin, capwin;
	uint64_t win_ref, win_ts;	/* start of the open window */
	double win_pages;
	int win_open;
	/* results */
	struct pgt_stats_object *objs;
	size_t nobjs;
	uint32_t *ranks;	/* reference counts, descending */
	uint64_t nranks;
	struct pgt_stats_summary sum;
	int finished;
};

/* stats.c: room in the histograms for bin @b, and the growth of @na
 * arrays of bins from @n to @ncap (zeroed).  0 or -ENOMEM. */
int pgt_stats_hist_room(struct pgt_stats *s, unsigned b);
int pgt_stats_grow_bins(double **a, size_t na, unsigned n, unsigned ncap);
/* stats.c: close the open WSS window.  0 or -ENOMEM. */
int pgt_stats_close_window(struct pgt_stats *s);

#endif
