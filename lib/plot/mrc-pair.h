/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Two runs' miss-ratio curves on one chart: what pgtrace report draws for
 * two traces.  Private to pgtrace (not in include/): the public
 * pgt_plot__draw() draws one trace's data.
 */
#ifndef PGTRACE_LIB_PLOT_MRC_PAIR_H
#define PGTRACE_LIB_PLOT_MRC_PAIR_H

#include <stddef.h>

#include "pgtrace/analysis.h"
#include "pgtrace/plot.h"

/*
 * The exact LRU miss-ratio curves of @st[0] (solid, the palette's first
 * colour) and @st[1] (dashed, its second) on one chart whose memory axis
 * reaches the larger footprint, with a legend of @label[0] and @label[1]
 * (long labels are cut, with an ellipsis).  An @st without references
 * draws no curve and says so in its legend.  Drawn as pgt_plot__draw()
 * draws PGT_PLOT_MRC into *@mem (malloc'd, *@len bytes; the caller frees
 * it).  Return 0 or a negative errno.
 */
int pgt_plot__mrc_pair(const struct pgt_stats *const st[2], const char *const label[2],
		       const struct pgt_plot_opts *o, char **mem, size_t *len);

#endif
