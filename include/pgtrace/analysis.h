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

#include "pgtrace/parse.h"
#include "pgtrace/pgtrace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- which events count as references ---- */

#define PGT_REFS_BIT(type) (1u << (type))
/*
 * The default set: lookup, fault, user-fault and reference: what a
 * program touched.  A lookup is a read's pages that exist (the recorder
 * cuts the kernel's requested range at the end of the file, format 1.2);
 * a filemap fault and a user fault are touches of a mapped page; gen's
 * events (lookup unless --type) and import's references (lackey,
 * oracleGeneral) or lookups/faults (perf, trace-cmd, CSV) are uses too.
 * Not in it: a fault-around `map` (the kernel mapped pages around a fault
 * because they were cached; the program may never touch them),
 * insertions (misses), deletions (evictions), LRU moves, DAMON samples
 * and snapshot pages: state changes, counted only when asked for.
 */
uint32_t pgt_refs_default(void);
/* The names of the types of @mask, comma-separated ("lookup,fault"), in
 * @buf of @len bytes.  Return @buf. */
char *pgt_refs_names(uint32_t mask, char *buf, size_t len);
/* A comma-separated list of type names, "default" and "all" allowed
 * (e.g. "default,add").  Return 0 or -PGT_EPARSE with @pe (if not NULL)
 * filled with the offending name: its offset in @list and its length (0
 * for an empty name). */
int pgt_refs_parse(const char *list, uint32_t *mask, struct pgt_parse_error *pe);

/*
 * What a reference stream cannot show, said next to the results.  Count
 * the events of a trace by type while it is read (pgt_refs_tally()), then
 * ask which caveats hold (pgt_refs_caveats()) and print each one's text.
 */
struct pgt_refs_tally {
	uint64_t events[PGT_EV_NTYPES];	/* events of each type */
	uint64_t pages[PGT_EV_NTYPES];	/* their pages */
};
static inline void pgt_refs_tally(struct pgt_refs_tally *t, const struct pgt_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ev[i].type < PGT_EV_NTYPES) {
			t->events[ev[i].type]++;
			t->pages[ev[i].type] += ev[i].npages;
		}
}
enum pgt_refs_caveat {
	/* mapped pages fault once: their re-references are not in a trace
	 * without access samples (level 3, --damon) */
	PGT_CAVEAT_MAPPED = 1u << 0,
	/* the trace has fault-around maps, and they are not counted */
	PGT_CAVEAT_MAP_SKIPPED = 1u << 1,
	/* a recording without file sizes (before format 1.2): lookups
	 * cover pages past the ends of files */
	PGT_CAVEAT_NO_SIZES = 1u << 2,
	PGT_CAVEAT_LAST = 1u << 3,
};
/* The caveats that hold for a trace (@h, @m) tallied in @t, analysed
 * with the reference types @mask: a mask of enum pgt_refs_caveat. */
unsigned pgt_refs_caveats(const struct pgt_refs_tally *t, const struct pgt_header *h,
			  const struct pgt_meta *m, uint32_t mask);
/* One caveat's sentence (no trailing period).  Borrowed static string. */
const char *pgt_refs_caveat_text(unsigned caveat);

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

/* ---- stats ---- */

/*
 * Histograms are log-linear: values 0..31 have a bin each, then every
 * doubling has 16 bins (bin b >= 32 holds [lo, lo + 2^(b/16 - 1)) with
 * lo = (16 + b % 16) << (b/16 - 1)), so counts are exact at every bin
 * edge and the relative width of a bin is at most 1/16.
 */
#define PGT_HIST_BINS 1024
unsigned pgt_hist_bin(uint64_t v);
uint64_t pgt_hist_lo(unsigned bin);	/* smallest value of a bin */
uint64_t pgt_hist_hi(unsigned bin);	/* largest value of a bin */

/* avg.IRF histogram: 10 bins per decade over [1e-12, 1e3) in IRF units
 * (1/references, or 1/seconds with PGT_IRF_NS). */
#define PGT_IRF_BINS 150
#define PGT_IRF_DECADE_MIN (-12)
double pgt_irf_bin_lo(unsigned bin);

enum pgt_irf_clock {
	PGT_IRF_VTIME = 0,	/* gaps in references (the default) */
	PGT_IRF_NS,		/* gaps in event time; IRF in 1/s */
};

struct pgt_stats_opts {
	size_t sz;		/* sizeof(struct pgt_stats_opts) */
	uint32_t refs;		/* reference types (0: pgt_refs_default()) */
	int space;		/* enum pgt_space */
	double sample_rate;	/* SHARDS fixed rate in (0, 1]; 0: exact */
	uint64_t sample_size;	/* SHARDS fixed size (pages); 0: none */
	uint64_t salt;		/* of the sampling hash */
	const uint64_t *sizes;	/* exact miss counts at these sizes (pages;
				 * exact mode only) */
	size_t nsizes;
	uint64_t window;	/* W(t, tau): tau in references (0: 100000) */
	uint64_t window_ns;	/* or tau in time (ns), when set */
	int irf_clock;		/* enum pgt_irf_clock */
	int irf_n;		/* divide IRF sums by n (vmtrace), not n - 1 */
	int no_pages;		/* skip per-page work: IRF, popularity (always
				 * when sampling: a sample's pages are not the
				 * trace's) */
	int lean;		/* one of many (stats --by): histograms keep the
				 * bins used (pgt_stats__hist_bins()), no
				 * per-object results (the summary's IRF
				 * figures are kept) */
};

/*
 * Memory: an accumulator costs about 1 KB when empty and grows with what
 * it holds: 24 bytes per distinct page (40 with per-page work, 48 with
 * PGT_IRF_NS), 4 to 8 bytes per page of hash table, at least one byte per
 * page of live-slot bits, 24 bytes per histogram bin up to the highest
 * distance or reuse time seen (at most PGT_HIST_BINS bins, 24 KB), 32
 * bytes per W(t, tau) window; with sample_size, 8 bytes per sampled page
 * (at most sample_size + 1) instead of the trace's pages.  Every array
 * starts small and doubles, so a --by key with a few pages costs about
 * 1 KB, not a fixed 70 KB.  The summary's bytes member says what one
 * holds.  After finish, a non-lean accumulator holds PGT_HIST_BINS bins
 * (40 KB) and its per-object results (1.2 KB an object).
 */
struct pgt_stats;

/* Return an accumulator (free with pgt_stats__free()) or NULL with *@err.
 * @o (not NULL) is copied, @o->sizes too: neither need outlive
 * the call.  Every array the accessors below return is borrowed from the
 * accumulator: valid until the next feed, or its free. */
struct pgt_stats *pgt_stats__new(const struct pgt_stats_opts *o, int *err);
void pgt_stats__free(struct pgt_stats *s);
/* Account the references of @n events (types outside the mask skipped).
 * Return 0 or -ENOMEM. */
int pgt_stats__feed(struct pgt_stats *s, const struct pgt_event *ev, size_t n);
/* One reference (the --by path, where events are routed per key). */
int pgt_stats__ref(struct pgt_stats *s, uint32_t obj, uint64_t key, uint64_t ts);
/* Close the last window and compute the per-page results.  Call once,
 * after the last feed; results are read with the accessors below. */
int pgt_stats__finish(struct pgt_stats *s);

struct pgt_stats_summary {
	uint64_t refs;		/* references seen */
	uint64_t pages;		/* distinct pages (estimated when sampled) */
	uint64_t cold;		/* first references (estimated when sampled) */
	uint64_t first_ts, last_ts;
	double rate;		/* sampling rate at the end (1: exact) */
	uint64_t sampled_refs;	/* references that went through the stack */
	double shards_adj;	/* references seen - sampled weight (SHARDS-adj;
				 * hits at distance 1, not in the histogram) */
	double mean_distance;	/* of re-references (1-based) */
	double mean_reuse;	/* reuse time of re-references, references */
	uint64_t reaccessed;	/* pages referenced at least twice */
	double irf_mean;	/* mean over reaccessed pages of avg.IRF */
	double irf_weighted;	/* sum of 1/gap over all gaps / gaps */
	double zipf_alpha, zipf_r2;	/* head fit; alpha 0 when too few points */
	uint64_t zipf_lo, zipf_hi;	/* ranks fitted */
	uint64_t windows;	/* W(t, tau) windows */
	uint64_t bytes;		/* memory held by the accumulator */
};
void pgt_stats__summary(const struct pgt_stats *s, struct pgt_stats_summary *out);

/* Stack distance histogram: distance d (1-based: the LRU size needed to
 * hit) is counted in bin pgt_hist_bin(d - 1), so bin b holds distances
 * pgt_hist_lo(b) + 1 .. pgt_hist_hi(b) + 1 and a size of 2^k pages is a
 * bin edge.  Weights are estimates when sampled.  Cold misses apart. */
const double *pgt_stats__distance_hist(const struct pgt_stats *s);
/* Reuse time histogram (references between a reference and the previous
 * one to the same page). */
const double *pgt_stats__reuse_hist(const struct pgt_stats *s);
/* Bins of the two arrays above: PGT_HIST_BINS after finish, unless
 * opts.lean (then the bins up to the highest used; 0 with no re-reference,
 * and the arrays NULL). */
unsigned pgt_stats__hist_bins(const struct pgt_stats *s);
/* LRU miss ratio with @pages of memory, from the distance histogram:
 * exact at every bin edge (sizes 0..32, then 16 per doubling) when not
 * sampled, linear within a bin otherwise. */
double pgt_stats__miss_ratio(const struct pgt_stats *s, uint64_t pages);
/* Misses counted exactly at opts.sizes[i] (exact mode). */
uint64_t pgt_stats__misses_at(const struct pgt_stats *s, size_t i);
/* Mean working set size s(tau): the distinct pages of a window of @tau
 * references ending at each reference, averaged over all references
 * (Denning and Schwartz): (sum over references of min(forward reuse, tau,
 * references left)) / refs, from the reuse times and each page's last
 * reference; exact when @tau is a histogram bin edge. */
double pgt_stats__wss_mean(const struct pgt_stats *s, uint64_t tau);

struct pgt_wss_window {
	uint64_t start_ref, start_ts;	/* first reference of the window */
	uint64_t refs, pages;		/* references, distinct pages */
};
const struct pgt_wss_window *pgt_stats__windows(const struct pgt_stats *s, size_t *n);

/* Per object (after finish), objects in order of first reference; none
 * with opts.lean. */
struct pgt_stats_object {
	uint32_t obj;
	uint64_t refs, pages, reaccessed;
	double irf_mean, irf_weighted;
	uint64_t irf_hist[PGT_IRF_BINS];	/* pages by avg.IRF */
};
const struct pgt_stats_object *pgt_stats__objects(const struct pgt_stats *s, size_t *n);

/* Popularity: pages by rank (1 = most referenced); frequency of @rank,
 * 0 past the last.  Valid after finish unless no_pages. */
uint64_t pgt_stats__rank_freq(const struct pgt_stats *s, uint64_t rank);

#ifdef __cplusplus
}
#endif
#endif
