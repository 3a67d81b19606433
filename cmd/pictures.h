/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What plot and report read from a trace: one pass, and a second one for
 * the heatmap's grids when the input can be read again. */
#ifndef PGTRACE_CMD_PICTURES_H
#define PGTRACE_CMD_PICTURES_H

#include "pgtrace/phase.h"
#include "pgtrace/plot.h"

#define PICT_HEAT 1u		/* references per object and time bin (fileheat) */
#define PICT_STATS 2u
#define PICT_SAMPLED 4u
#define PICT_PHASE 8u
#define PICT_GRIDS 16u		/* + address grids of the top objects (heatmap) */
#define PICT_CACHE 32u		/* insertions and evictions per object, and the
				 * detail levels of the events (report) */

#define PICT_POLICY 64u		/* simulated policies' curves (pgtrace cache) */

/* Insertions (add events) and evictions (delete events) of one object. */
struct pict_cache {
	uint32_t obj;
	uint64_t adds, add_pages;
	uint64_t dels, del_pages;
};

struct pictures {
	struct pgt_reader *r;
	struct pgt_plot_data d;
	struct pgt_heat *heat;
	struct pgt_stats *exact, *sampled;
	struct pgt_phase *phase;
	uint64_t events, page_size;
	uint64_t phase_window;		/* G in effect (PICT_PHASE, or the rule) */
	uint64_t window, window_ns;	/* the WSS window in effect */
	struct pgt_cache *csim;		/* PICT_POLICY: the references spooled */
	struct pgt_cache_result *pres;	/* and the curves (d.policy_res) */
	double policy_rate;		/* the miniature simulation's rate (1: exact) */
	struct pict_cache *cache;	/* PICT_CACHE: objects with adds or deletes */
	size_t ncache;
	unsigned levels;		/* PICT_CACHE: bit n: events of detail level n */
	unsigned caveats;		/* what the trace cannot show (enum pgt_refs_caveat) */
};

struct pict_opts {
	unsigned want;		/* PICT_* */
	uint32_t refs;		/* 0: default reference types */
	int space;
	double sample;		/* rate of the sampled MRC (0: 0.01) */
	uint32_t tbins;		/* heat time bins (0: default) */
	uint32_t top;		/* PICT_GRIDS: objects given a grid (0: 8) */
	uint64_t phase_window;	/* G (0: pgt_phase_window_for() of the events) */
	uint64_t window;	/* WSS W(t, tau) in references (0: the phase window) */
	uint64_t window_ns;	/* or in time */
	const unsigned *policies;	/* PICT_POLICY: which (cache.h indices) */
	size_t npolicies;
	uint64_t policy_refs;	/* simulate about this many references at
				 * most (0: every one): a larger trace's
				 * curves are miniature simulations */
};

/* Read @path and compute what @o wants.  Return 0; -1 when the trace is
 * damaged (reported; what was read is there: draw it, then exit 1); or
 * an exit code after a one-line message (the pictures freed). */
int pictures_read(struct pictures *p, const char *path, const struct pict_opts *o);
void pictures_free(struct pictures *p);
/* Which of PICT_* a plot kind needs. */
unsigned pictures_need(int kind);
/* --window N|DURATION of plot and report into @o (a usage error else). */
void pictures_window_arg(struct pict_opts *o, const char *arg);
/* --phase-window N into @o (a usage error else). */
void pictures_phase_window_arg(struct pict_opts *o, const char *arg);

#endif
