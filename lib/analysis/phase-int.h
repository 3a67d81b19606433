/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * phase-int.h - internal to phase (lib/analysis/phase*.c): the rules'
 * thresholds, the page tables reset by epoch, and the state of the
 * analysis and of each object.  Not installed.
 *
 *   phase-classify.c  pattern names and the rules that label a window
 *   phase-window.c    per-object windows: first touches, the features
 *                     of a closed window, and its segments
 *   phase.c           the public object, references, phase windows and
 *                     phase detection, results
 */
#ifndef PGT_PHASE_INT_H
#define PGT_PHASE_INT_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pgtrace/phase.h"
#include "util/u64map.h"
#include "util/util.h"

/* Rules (phase.h, pgtrace-phase(1)). */
#define T_SPARSE	64
#define T_SEQ		0.80
#define T_RUNS		0.50
#define T_STRIDE	0.60
#define T_NEW		0.90
#define T_REREF		0.50
#define T_LOOP		0.70
#define T_PERIOD	8
#define T_TOP10_HOT	0.50
#define T_ALPHA		0.6
#define T_R2		0.8
#define T_HOT_SHARE	0.50
#define T_HOT_SPAN	0.25	/* hot set at most this part of the span */
#define HOT_TRIPLES	60	/* sum of c(c-1)(c-2) needed for a hot set */
#define T_CLOSE		0.80
#define T_TOP10_UNI	0.25
#define T_DISP_UNI	0.5
#define T_CV_LO		0.5
#define T_CV_HI		1.5
#define T_BOUNDARY	0.5
#define T_RECUR		0.3
#define T_PART_LABEL	0.1	/* objects whose labels must agree for a recurrence */

#define SIG_BITS	4096
#define SIG_WORDS	(SIG_BITS / 64)
#define SIG_FULL_MAX	(SIG_BITS * 3 / 10)	/* fill up to which the full signature is used */
#define SIG_SAMPLE	2048	/* sampled pages per window the sample aims at */
#define HIST_BINS	4096	/* reference histogram of a phase, by region */
#define REGION_SHIFT	6	/* regions of 64 pages */
#define VTOP		16
#define PART_MAX	64
#define FEW_MAX		16	/* first touches kept as a list before any chunk */
#define CHUNK_SHIFT	15	/* first-touch bitmap chunks: 2^15 pages in 4 KiB */
#define CHUNK_WORDS	((1u << CHUNK_SHIFT) / 64)
#define CHUNK_BYTES	(CHUNK_WORDS * 8)
#define CHUNK_LIST	8	/* chunks found by a scan; the map past them */
#define PTAB_FIRST	8	/* first size of a page table, slots */
#define ARR_FIRST	8	/* first size of the per-window arrays */
#define MG_K		4
#define CENT_MAX	256	/* phase centroids a phase is compared with */

/* ---- page tables reset by epoch ---- */

struct pent {
	uint64_t key;
	uint64_t last;		/* object-local time of the last reference */
	uint32_t cnt;		/* references in the window */
	uint32_t epoch;
};

struct ptab {
	struct pent *e;
	uint32_t mask, live, epoch;
};

static inline uint64_t page_hash(uint32_t obj, uint64_t key)
{
	return u64map_hash(key ^ ((uint64_t)obj * 0x9E3779B97F4A7C15ull));
}

static inline struct pent *ptab_find(const struct ptab *t, uint64_t key, uint64_t h)
{
	if (!t->e)
		return NULL;
	for (uint32_t i = (uint32_t)h & t->mask;; i = (i + 1) & t->mask) {
		struct pent *e = &t->e[i];

		if (e->epoch != t->epoch)
			return NULL;
		if (e->key == key)
			return e;
	}
}

static inline int ptab_grow(struct ptab *t, uint32_t obj)
{
	uint32_t ncap = t->e ? (t->mask + 1) * 2 : PTAB_FIRST;
	struct pent *ne = calloc(ncap, sizeof(*ne));

	if (!ne)
		return -ENOMEM;
	for (uint32_t i = 0; t->e && i <= t->mask; i++) {
		const struct pent *e = &t->e[i];
		uint32_t j;

		if (e->epoch != t->epoch)
			continue;
		for (j = (uint32_t)page_hash(obj, e->key) & (ncap - 1); ne[j].epoch == t->epoch;
		     j = (j + 1) & (ncap - 1))
			;
		ne[j] = *e;
	}
	free(t->e);
	t->e = ne;
	t->mask = ncap - 1;
	return 0;
}

/* Insert @key, known to be absent. */
static inline struct pent *ptab_insert(struct ptab *t, uint32_t obj, uint64_t key, uint64_t h)
{
	struct pent *e;
	uint32_t i;

	if ((!t->e || (t->live + 1) * 2 > t->mask + 1) && ptab_grow(t, obj))
		return NULL;
	for (i = (uint32_t)h & t->mask; t->e[i].epoch == t->epoch; i = (i + 1) & t->mask)
		;
	e = &t->e[i];
	e->key = key;
	e->epoch = t->epoch;
	e->cnt = 0;
	t->live++;
	return e;
}

/* The phase window's distinct pages. */
struct gent {
	uint64_t key;
	uint32_t obj, epoch;
};

struct gtab {
	struct gent *e;
	uint32_t mask, live, epoch;
};

static inline int gtab_grow(struct gtab *t)
{
	uint32_t ncap = t->e ? (t->mask + 1) * 2 : 1024;
	struct gent *ne = calloc(ncap, sizeof(*ne));

	if (!ne)
		return -ENOMEM;
	for (uint32_t i = 0; t->e && i <= t->mask; i++) {
		const struct gent *e = &t->e[i];
		uint32_t j;

		if (e->epoch != t->epoch)
			continue;
		for (j = (uint32_t)page_hash(e->obj, e->key) & (ncap - 1); ne[j].epoch == t->epoch;
		     j = (j + 1) & (ncap - 1))
			;
		ne[j] = *e;
	}
	free(t->e);
	t->e = ne;
	t->mask = ncap - 1;
	return 0;
}

/* 1 if the page is new to the window, 0 if not, -ENOMEM. */
static inline int gtab_add(struct gtab *t, uint32_t obj, uint64_t key, uint64_t h)
{
	uint32_t i;

	if ((!t->e || (t->live + 1) * 2 > t->mask + 1) && gtab_grow(t))
		return -ENOMEM;
	for (i = (uint32_t)h & t->mask; t->e[i].epoch == t->epoch; i = (i + 1) & t->mask)
		if (t->e[i].key == key && t->e[i].obj == obj)
			return 0;
	t->e[i].key = key;
	t->e[i].obj = obj;
	t->e[i].epoch = t->epoch;
	t->live++;
	return 1;
}

/* ---- state ---- */

struct seg_acc {
	struct pgt_phase_segment s;	/* means kept as sums until finish */
	uint32_t subs[PGT_SUB_NR];
};

struct pobj {
	uint32_t id;
	uint32_t index;		/* in objs[] */
	int active;		/* in the active list */
	int paused;		/* idle for a phase window since the last window */
	uint32_t n, cap;	/* references in the open window */
	uint32_t nev, capev;	/* steps between events in the open window */
	uint64_t t;		/* object-local clock */
	uint64_t refs;
	uint32_t *r;		/* reuse time, 0 for none within the horizon */
	int64_t *seq;		/* step from the last event: end to start ahead, start to end behind */
	int64_t *ss;		/* step from the last event's start to this one's */
	uint64_t ev_lo, ev_hi;	/* pages of the last event */
	int have_ev;
	uint64_t nnew;
	uint64_t wlo, whi;	/* lowest and highest page of the window */
	uint64_t wstart_ref, wstart_ts, last_ref, last_ts;
	struct ptab cur, prev;
	/* first touches: a list of pages until it holds FEW_MAX, then
	 * bitmap chunks (none before: a list means no chunk) */
	uint64_t *few;
	uint32_t nfew, capfew;
	struct u64map chunks;	/* chunk number -> index in chunk[], past CHUNK_LIST */
	uint64_t *cno;		/* chunk numbers, as chunk[] */
	uint64_t **chunk;
	uint32_t nchunk, capchunk;
	uint64_t hot_cno;
	uint64_t *hot_chunk;
	/* phase window */
	uint64_t gw_no, gw_refs;
	/* results */
	struct seg_acc *segs;
	size_t nsegs, capsegs;
	struct pgt_phase_window *wins;
	size_t nwins, capwins;
	uint64_t label_refs[PGT_PAT_NR];
	uint32_t windows;
};

struct vent {
	uint32_t obj;
	uint64_t refs;
};

struct gwin {
	uint64_t start_ref, end_ref, start_ts, end_ts, refs, distinct;
	uint32_t ones_full, ones_samp, nv;
	uint64_t vother;
	struct vent v[VTOP];
	uint64_t sig_full[SIG_WORDS], sig_samp[SIG_WORDS];
	uint32_t hist[HIST_BINS];
};

struct part {
	uint32_t obj;
	uint8_t label;
	int64_t stride;
	uint64_t period;
	uint64_t refs;
};

struct phacc {
	uint64_t start_ref, end_ref, start_ts, end_ts, refs;
	uint32_t windows, nparts;
	uint64_t distinct_sum, distinct_max, other;
	double jaccard, manhattan;
	uint64_t sig_full[SIG_WORDS], sig_samp[SIG_WORDS];
	struct part parts[PART_MAX];
	float hist[HIST_BINS];		/* 24 bits of precision are plenty */
};

struct pgt_phase {
	struct pgt_phase_opts o;
	uint32_t mask;
	uint64_t gref;		/* references so far */
	uint64_t first_ts, last_ts;
	struct u64map objmap;
	struct pobj **objs;
	size_t nobjs, capobjs;
	struct pobj *lastobj;
	uint32_t *active;
	size_t nactive, capactive;
	uint32_t *ff;		/* frequency of frequencies, W + 1 */
	uint64_t seen_used;
	int seen_full;
	uint64_t windows;	/* object windows closed */
	/* the open phase window */
	struct gwin gw;
	uint64_t gw_no, gw_count;
	uint32_t samp_cut;	/* sampled when (h >> 12) & 0xfffff < samp_cut */
	uint32_t samp;
	struct gtab gt;
	uint32_t *touched;
	size_t ntouched, captouched;
	/* phases */
	struct gwin *last, *last2;	/* the two windows before */
	struct gwin *pre;		/* the last window before the candidate */
	int last_fired;			/* the last window was at a boundary */
	struct gwin *cand;
	uint32_t ncand;
	double cand_j, cand_m;
	struct phacc *ph;
	size_t nph, capph;
	int finished;
	/* results */
	struct pgt_phase_object *robjs;
	struct pgt_phase_info *rph;
	uint64_t nids;
};

/* phase-window.c */
/* 1 if @key of @o was touched before (before this window and the last),
 * 0 if not (now it is), -1 when unknown (the first-touch budget ran out),
 * -ENOMEM. */
int pgt_phase_seen(struct pgt_phase *p, struct pobj *o, uint64_t key);
/* Close @o's open window: its features, label and segment. */
int pgt_phase_close_owin(struct pgt_phase *p, struct pobj *o);

#endif
