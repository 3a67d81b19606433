/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plot.h - pictures of a page trace: the address-versus-time heat grid
 * and per-file heat (collected in one pass over the events), and the
 * charts drawn with cairo as PNG or SVG.
 */
#ifndef PGTRACE_PLOT_H
#define PGTRACE_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "pgtrace/analysis.h"
#include "pgtrace/cache.h"
#include "pgtrace/pgtrace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- heat: references binned by time and page ---- */

struct pgt_heat_opts {
	size_t sz;		/* sizeof(struct pgt_heat_opts) */
	uint32_t refs;		/* reference types (0: pgt_refs_default()) */
	int space;		/* enum pgt_space */
	uint32_t tbins;		/* time bins (0: 1024) */
	uint32_t abins;		/* most page bins per object (0: 512) */
	uint32_t max_objects;	/* objects given an address grid (0: 4096;
				 * grids stop at 256 MiB in all) */
	const uint32_t *objects;	/* when not NULL: only these @nobjects
					 * objects get a grid (copied; none when
					 * @nobjects is 0), e.g. the most
					 * referenced of a first pass */
	uint32_t nobjects;
	uint64_t t0, t1;	/* the trace's time range when known (t1 > t0) */
};

/* One object's grid: @rows page bins of @pages_per_row pages each, by the
 * time bins of the heat; counts[t * rows + r]. */
struct pgt_heat_grid {
	uint32_t obj;
	uint32_t rows;
	uint64_t pages_per_row;	/* a power of two, 1 << row_shift */
	uint32_t row_shift;
	uint64_t max_index;	/* highest page seen */
	uint64_t refs;
	uint32_t *counts;
};

struct pgt_heat;
/* Return a heat accumulator (free with pgt_heat__free()) or NULL with
 * *@err.  Arrays it returns are borrowed from it, as each says. */
struct pgt_heat *pgt_heat__new(const struct pgt_heat_opts *o, int *err);
void pgt_heat__free(struct pgt_heat *h);
int pgt_heat__feed(struct pgt_heat *h, const struct pgt_event *ev, size_t n);
/* Time axis: bins of @ns_per_bin from @t0; @nbins used. */
void pgt_heat__time(const struct pgt_heat *h, uint64_t *t0, uint64_t *ns_per_bin, uint32_t *nbins);
/* Objects with a grid, most referenced first; @untracked: references to
 * objects past max_objects (drawn in no grid).  Borrowed: valid until the
 * next feed, or the free. */
const struct pgt_heat_grid *pgt_heat__grids(struct pgt_heat *h, size_t *n, uint64_t *untracked);
/* Per-object references by time bin (file heat), most referenced first:
 * @objs[i] and @refs[i] for every object, @rows[i] (nbins counts) for the
 * first @nrows and NULL past them (a row is made for each: ask for the
 * rows drawn).  All three are the heat's, valid until the next call, feed
 * or free.  Returns the number of objects, or -ENOMEM. */
ssize_t pgt_heat__files(struct pgt_heat *h, size_t nrows, const uint32_t **objs, const uint64_t *const **rows,
			const uint64_t **refs);

/* ---- insertions and evictions per object ---- */

/* The add events (insertions into the page cache) and delete events
 * (evictions) of one object: how many, and their pages. */
struct pgt_cache_obj {
	uint32_t obj;
	uint64_t adds, add_pages;
	uint64_t dels, del_pages;
};

struct pgt_cache_count;
/* Return an empty count (free with pgt_cache_count__free(); NULL is a
 * no-op), or NULL when out of memory. */
struct pgt_cache_count *pgt_cache_count__new(void);
void pgt_cache_count__free(struct pgt_cache_count *cc);
/* Count the add and delete events of @ev per object, and the detail
 * level of every event.  Return 0 or -ENOMEM (the count is then short). */
int pgt_cache_count__feed(struct pgt_cache_count *cc, const struct pgt_event *ev, size_t n);
/* The objects with an add or delete event, in the order first met; *@n
 * of them.  Borrowed: valid until the next feed, or the free. */
const struct pgt_cache_obj *pgt_cache_count__objects(const struct pgt_cache_count *cc, size_t *n);
/* Bit l set: events of detail level l were fed (PGT_F_LEVEL_*). */
unsigned pgt_cache_count__levels(const struct pgt_cache_count *cc);

/* ---- charts ---- */

enum pgt_plot_kind {
	PGT_PLOT_HEATMAP,	/* address versus time */
	PGT_PLOT_IRF,		/* avg.IRF histogram per object */
	PGT_PLOT_REUSE,		/* reuse (stack) distance histogram and CDF */
	PGT_PLOT_MRC,		/* miss-ratio curve, exact and sampled */
	PGT_PLOT_WSS,		/* working-set size over time */
	PGT_PLOT_FILEHEAT,	/* per-file heat over time */
	PGT_PLOT_POPULARITY,	/* rank and frequency, Zipf fit */
	PGT_PLOT_PHASE,		/* the phase strip */
	PGT_PLOT_NKINDS,
};
/* Borrowed static string; "unknown" out of range. */
const char *pgt_plot_kind_name(int kind);
int pgt_plot_kind_parse(const char *name);

enum pgt_plot_format { PGT_PLOT_PNG, PGT_PLOT_SVG };

struct pgt_plot_opts {
	size_t sz;		/* sizeof(struct pgt_plot_opts) */
	int width, height;	/* pixels (0: 1000 x 600) */
	const char *title;	/* NULL: the kind's title */
	int format;		/* enum pgt_plot_format */
	int bytes;		/* page axes in bytes, not pages */
	uint64_t page_size;
	uint32_t top;		/* objects or files drawn (0: 8) */
	int force;		/* overwrite the output file */
};

/* What a chart is drawn from; each kind uses its part. */
struct pgt_phase;
struct pgt_plot_data {
	struct pgt_meta *meta;		/* object names */
	struct pgt_heat *heat;		/* heatmap, fileheat */
	struct pgt_stats *exact;	/* irf, reuse, mrc, wss, popularity */
	struct pgt_stats *sampled;	/* mrc (may be NULL) */
	const struct pgt_phase *phase;	/* phase (finished) */
	int pfn_space;			/* pages are frames: one object */
	uint64_t wss_window;		/* wss: the W(t, tau) window of @exact in
					 * references, or ... */
	uint64_t wss_window_ns;		/* ... in time; named on the chart */
	int heat_first_met;		/* heatmap: grids went to the first
					 * objects met (a pipe read once), not
					 * the most referenced: said on the chart */
	/* mrc: simulated policies' curves (cache.h), policy-major:
	 * @policy_n curves of @policy_points results, sizes ascending, as
	 * pgt_cache__simulate() fills them; NULL: none.  OPT is drawn
	 * dashed, as the floor. */
	const struct pgt_cache_result *policy_res;
	size_t policy_n, policy_points;
};

/* Draw @kind into @path (PNG or SVG by o->format), or when @path is NULL
 * into *@mem (malloc'd, *@len bytes: the caller frees it with free()).
 * Return 0 or a negative errno. */
int pgt_plot__draw(int kind, const struct pgt_plot_data *d, const struct pgt_plot_opts *o, const char *path,
		   char **mem, size_t *len);
/* Release cairo's and fontconfig's caches; call once when no more is
 * drawn (before exit, so leak checkers see nothing left). */
void pgt_plot__cleanup(void);

#ifdef __cplusplus
}
#endif
#endif
