/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What plot and report read from a trace in one pass. */
#ifndef PGTRACE_CMD_PICTURES_H
#define PGTRACE_CMD_PICTURES_H

#include "pgtrace/phase.h"
#include "pgtrace/plot.h"

#define PICT_HEAT 1u
#define PICT_STATS 2u
#define PICT_SAMPLED 4u
#define PICT_PHASE 8u

struct pictures {
	struct pgt_reader *r;
	struct pgt_source *src;
	struct pgt_plot_data d;
	struct pgt_heat *heat;
	struct pgt_stats *exact, *sampled;
	struct pgt_phase *phase;
	uint64_t events, page_size;
};

struct pict_opts {
	unsigned want;		/* PICT_* */
	uint32_t refs;		/* 0: default reference types */
	int space;
	double sample;		/* rate of the sampled MRC (0: 0.01) */
	uint32_t tbins;		/* heat time bins (0: default) */
};

/* Read @path once and compute what @o wants.  Return 0; -1 when the
 * trace is damaged (reported; what was read is there: draw it, then exit
 * 1); or an exit code after a one-line message (the pictures freed). */
int pictures_read(struct pictures *p, const char *path, const struct pict_opts *o);
void pictures_free(struct pictures *p);
/* Which of PICT_* a plot kind needs. */
unsigned pictures_need(int kind);

#endif
