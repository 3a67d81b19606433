/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * phase.h - access patterns per object and program phases, in one pass.
 *
 * References come through the shared reference stream of analysis.h (the
 * same event types, ranges expanded, pages named by (object, index) or
 * by frame for PGT_SPACE_PFN, where everything is one object).
 *
 * Patterns.  Each object's references are cut into tumbling windows of W
 * references to that object (default 4096).  A window also ends early
 * when its object has not been referenced for a whole phase window, so a
 * window never spans a long pause.  Every window gets features (struct
 * pgt_phase_features) and one label by ordered rules, first match wins
 * (pgt_phase_classify(); thresholds in pgtrace-phase(1)):
 *
 *   1. sparse               fewer than 64 references
 *   2. sequential-forward   >= 80% of the steps are +1..+gap and at
 *                           least half the runs are 3 long; sub-label
 *                           "streaming" when >= 90% of the references are
 *                           first touches in the trace, "reuse" else; a
 *                           forward scan that repeats within the horizon
 *                           (rule 6 holds) is looping, sub-label "forward"
 *   3. sequential-backward  the same with -1..-gap ("backward" loops)
 *   4. strided(s)           >= 60% of the steps are s (|s| >= 2), and
 *                           >= 60% are s next to another s
 *   5. one-shot             >= 90% first touches, in no order
 *   6. looping(P)           >= 50% re-references and >= 70% of them with a
 *                           reuse time within 5% of the mode P (P >= 8)
 *   7. hot-set              top 10% of the pages take >= 50% of the
 *                           references, or a Zipf head fit alpha >= 0.6
 *                           with R^2 >= 0.8, or a two-level fit puts
 *                           >= 50% of the references on at most a quarter
 *                           of the span (from the pairs and triples of
 *                           references to one page); sub-label
 *                           "clustered" when >= 80% of re-references come
 *                           back within 0.1 D
 *   8. uniform              top 10% < 25%, dispersion 1 +- 0.5 and, when
 *                           most references are re-references, a reuse
 *                           time cv in [0.5, 1.5]
 *   9. mixed                anything else
 *
 * Reuse times are object-local (references to the object in between)
 * and seen over a horizon of the current and the previous window: the
 * per-page table holds only those two windows and is reset by epoch, so
 * a loop longer than the window shows as a sequential scan with reuse.
 * First touches are exact: one bit per page of the trace, in 4 KiB
 * chunks, up to a budget (default 256 MiB, 8 TiB of pages); past it,
 * a page outside the horizon counts as new.
 *
 * Consecutive windows of an object with the same label (and the same
 * stride, period or sequential sub-label) merge into segments, unless
 * the object paused for a phase window in between.
 *
 * Phases.  The whole stream is cut into windows of G references (default
 * pgt_phase_window_for() of the trace's events: about 50 windows, 2,000
 * to 100,000 references).  Each has a 4096-bit working-set signature (every page, and a
 * second one of a 1-in-ceil(G/2048) sample of the pages so it does not
 * fill up), its exact distinct pages, and the share of its references
 * per object (top 16, the rest as "other").  A boundary is where both the
 * Jaccard distance of the working sets (|A xor B| / |A or B|, the sizes
 * by linear counting on the signatures so that chance collisions are not
 * shared pages) and the Manhattan distance of the object shares exceed
 * 0.5, against the window before or, when that one was not at a boundary,
 * the window two before (a change inside a window leaves it half-way).
 * Hysteresis: a phase shorter than min_phase windows (default 3) is an
 * excursion; if the window after it is like the phase before, it all
 * stays in that phase, else it joins the neighbour it is closer to.  A
 * phase is recurring when an earlier phase is within 0.3 of it: half the
 * Manhattan distance of the object shares and the total variation
 * distance of the reference histograms (4096 bins by a hash of object
 * and 64-page region) both below 0.3, and the objects with 10% or more
 * of both with the same labels; it then takes that phase's id.  So the
 * same pages in the same pattern recur; the same pattern over another
 * file does not, nor another pattern over the same file.
 */
#ifndef PGTRACE_PHASE_H
#define PGTRACE_PHASE_H

#include <stddef.h>
#include <stdint.h>

#include "pgtrace/analysis.h"

#ifdef __cplusplus
extern "C" {
#endif

enum pgt_pattern {
	PGT_PAT_SPARSE = 0,
	PGT_PAT_SEQ_FORWARD,
	PGT_PAT_SEQ_BACKWARD,
	PGT_PAT_STRIDED,
	PGT_PAT_LOOPING,
	PGT_PAT_ONE_SHOT,
	PGT_PAT_HOT_SET,
	PGT_PAT_UNIFORM,
	PGT_PAT_MIXED,
	PGT_PAT_NR,
};

enum pgt_pattern_sub {
	PGT_SUB_NONE = 0,
	PGT_SUB_STREAMING,	/* sequential: first touches */
	PGT_SUB_REUSE,		/* sequential: pages seen before */
	PGT_SUB_FORWARD,	/* looping over a forward scan */
	PGT_SUB_BACKWARD,	/* looping over a backward scan */
	PGT_SUB_CLUSTERED,	/* hot set: re-references come back soon */
	PGT_SUB_NR,
};

/* "sequential-forward", ...; "unknown" out of range.  Borrowed, static. */
const char *pgt_pattern_name(unsigned label);
/* "streaming", ...; "" for PGT_SUB_NONE.  Borrowed, static. */
const char *pgt_pattern_sub_name(unsigned sub);
/* A label from its name; -PGT_EPARSE if none. */
int pgt_pattern_parse(const char *name);

/*
 * struct pgt_phase_features - the evidence of one window of one object.
 * Steps are taken between consecutive events (one per event, however
 * many pages it covers): ahead, from the end of the previous event to the
 * start of this one; behind, from the start of the previous event to the
 * end of this one, so that adjacent ranges are +1 or -1; the stride is
 * start to start.  With one page per event, both are the page delta.
 * Overlapping events that move on are adjacent: starting inside the
 * previous one and ending past its end is +1, ending inside it and
 * starting before it is -1 (a sequential reader of reads that are not
 * page multiples, such as tar's 10 KiB, shares a page between reads).
 * An event inside the previous one is a step of 0; steps of 0 count in
 * @f_repeat only, so the other shares are of the nonzero steps.
 */
struct pgt_phase_features {
	uint64_t n;		/* references */
	uint64_t pages;		/* D: distinct pages */
	uint64_t span;		/* highest - lowest page index + 1 */
	double f_fwd;		/* steps in +1..+gap */
	double f_bwd;		/* steps in -gap..-1 */
	double f_repeat;	/* steps of 0, of all steps */
	double runs_fwd;	/* forward runs at least 3 events long, of all */
	double runs_bwd;
	int64_t stride;		/* most frequent step with |s| >= 2 (0: none) */
	double f_stride;	/* its share */
	double f_steady;	/* steps equal to it next to another such step */
	double f_new;		/* first touches in the trace */
	double f_reref;		/* references to a page seen within the horizon */
	uint64_t period;	/* mode of the reuse times (0: none) */
	double f_loop;		/* re-references within max(1, 5%) of it */
	double cv_reuse;	/* coefficient of variation of reuse times */
	double f_close;		/* re-references with reuse time < 0.1 D */
	double top10;		/* share of references to the top 10% pages */
	double alpha, r2;	/* Zipf fit of the head (0, 0 if none) */
	uint32_t zipf_lo, zipf_hi;	/* ranks fitted */
	uint64_t hot80;		/* fewest pages taking 80% of references */
	uint64_t hot_pages;	/* H: hot set of a two-level fit (0: none) */
	double hot_share;	/* s: its share of the references */
	double dispersion;	/* var/mean of per-page counts over the span */
};

/*
 * pgt_phase_classify() - the label of a window from its features, by the
 * rules above.  Sets *@sub to the sub-label.
 */
unsigned pgt_phase_classify(const struct pgt_phase_features *f, unsigned *sub);

struct pgt_phase_opts {
	size_t sz;		/* sizeof(struct pgt_phase_opts) */
	uint32_t refs;		/* reference types (0: pgt_refs_default()) */
	int space;		/* enum pgt_space */
	uint64_t window;	/* W: references per object window (0: 4096) */
	uint64_t phase_window;	/* G: references per phase window (0: by
				 * pgt_phase_window_for(events)) */
	uint64_t events;	/* events in the trace when known (0: not
				 * known, a pipe); sizes G when it is 0 */
	uint64_t gap;		/* largest step still sequential (0: 1) */
	uint32_t min_phase;	/* hysteresis, in phase windows (0: 3) */
	uint64_t seen_bytes;	/* first-touch bitmap budget (0: 256 MiB) */
	int keep_windows;	/* keep every window's features (memory!) */
};

#define PGT_PHASE_WINDOWS	50	/* phase windows a trace is cut into */
#define PGT_PHASE_WINDOW_MIN	2000	/* references */
#define PGT_PHASE_WINDOW_MAX	100000

/**
 * pgt_phase_window_for() - the phase window G for a trace of @events.
 * @events: events in the trace (pgt_reader__index_summary()); 0 when not
 *          known, as on a pipe.
 *
 * The one windowing rule of every command that cuts a trace into phases
 * or plots its working set over time (pgtrace phase, plot, report): so
 * that they give the same phases on the same trace, each asks here
 * unless the user gave a window.  G = @events / PGT_PHASE_WINDOWS,
 * clamped to PGT_PHASE_WINDOW_MIN..PGT_PHASE_WINDOW_MAX references;
 * PGT_PHASE_WINDOW_MAX when @events is 0.  An event of n pages is n
 * references, so a trace of range events has more windows than 50.
 *
 * Return: references per phase window.
 */
uint64_t pgt_phase_window_for(uint64_t events);

struct pgt_phase;

/* Return a classifier (free with pgt_phase__free()) or NULL with *@err
 * (-EINVAL for a window under 64 or a phase window of 0, -ENOMEM). */
struct pgt_phase *pgt_phase__new(const struct pgt_phase_opts *o, int *err);
void pgt_phase__free(struct pgt_phase *p);
/* Account the references of @n events.  Return 0 or -ENOMEM. */
int pgt_phase__feed(struct pgt_phase *p, const struct pgt_event *ev, size_t n);
/* One reference to page @key of object @obj at time @ts. */
int pgt_phase__ref(struct pgt_phase *p, uint32_t obj, uint64_t key, uint64_t ts);
/* An event of @npages pages from @first: one reference per page, and one
 * step for the order features (steps are taken between events). */
int pgt_phase__range(struct pgt_phase *p, uint32_t obj, uint64_t first, uint64_t npages, uint64_t ts);
/* Close the open windows and phases and compute the results; call once
 * after the last feed.  Return 0 or -ENOMEM. */
int pgt_phase__finish(struct pgt_phase *p);

/* One object window (opts.keep_windows). */
struct pgt_phase_window {
	uint64_t start_ref, end_ref;	/* stream numbers of the first and last reference */
	uint64_t start_ts, end_ts;
	uint8_t label, sub;
	struct pgt_phase_features f;
};

/* Consecutive windows of an object with one label, with no pause of a
 * phase window between them.  Means over windows. */
struct pgt_phase_segment {
	uint64_t start_ref, end_ref;	/* stream numbers, first and last reference */
	uint64_t start_ts, end_ts;
	uint64_t refs;
	uint32_t windows;
	uint8_t label, sub;		/* sub: of the most windows */
	int64_t stride;			/* strided */
	uint64_t period;		/* looping */
	double alpha, r2;		/* hot-set and others: mean Zipf fit */
	double hot_share, hot_pages, hot80, pages, f_new;
};

struct pgt_phase_object {
	uint32_t obj;
	uint64_t refs;
	uint32_t windows;
	uint8_t label;			/* the label of the most references */
	const struct pgt_phase_segment *segs;
	size_t nsegs;
	const struct pgt_phase_window *wins;	/* NULL unless keep_windows */
	size_t nwins;
};

#define PGT_PHASE_TOP 4

/* An object's part in a phase. */
struct pgt_phase_part {
	uint32_t obj;
	uint8_t label;			/* its main label over the phase */
	int64_t stride;
	uint64_t period;
	double share;			/* of the phase's references */
};

struct pgt_phase_info {
	uint32_t id;			/* recurring phases share an id */
	int recurring;			/* an earlier phase had this id */
	uint64_t start_ref, end_ref;	/* stream numbers, first and last reference */
	uint64_t start_ts, end_ts;
	uint64_t refs;
	uint32_t windows;
	double wss;			/* mean exact distinct pages per window */
	uint64_t wss_max;
	double wss_est;			/* whole phase, from its signatures */
	double jaccard, manhattan;	/* at the boundary that opened it */
	double recur_dist;		/* to the phase it recurs, or the nearest */
	uint32_t nparts;
	struct pgt_phase_part parts[PGT_PHASE_TOP];	/* largest first */
};

struct pgt_phase_summary {
	uint64_t refs, objects, windows;	/* windows: object windows */
	uint64_t phase_windows, phases, ids;
	uint64_t window, phase_window;		/* the sizes in effect */
	uint64_t first_ts, last_ts;
	int seen_full;			/* the first-touch budget ran out */
	uint64_t bytes;			/* memory held at the end */
};

/* Results, valid after pgt_phase__finish() until pgt_phase__free()
 * (borrowed).  Objects in order of first reference. */
void pgt_phase__summary(const struct pgt_phase *p, struct pgt_phase_summary *s);
const struct pgt_phase_object *pgt_phase__objects(const struct pgt_phase *p, size_t *n);
const struct pgt_phase_info *pgt_phase__phases(const struct pgt_phase *p, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
