/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plot-int.h - internal to the charts (lib/plot/plot*.c).  Not installed.
 *
 *   plot-frame.c    the frame: title, plot area, axes and ticks, legend,
 *                   colour bar, colours, text, number formats, cells
 *   plot-heatmap.c  the heatmap and the per-file heat
 *   plot-curves.c   curves from stats: MRC (single and paired), reuse,
 *                   WSS, popularity, IRF
 *   plot.c          kinds, the phase chart, rendering to PNG or SVG
 */
#ifndef PGT_PLOT_INT_H
#define PGT_PLOT_INT_H

#include <cairo.h>
#include <stddef.h>
#include <stdint.h>

#include "pgtrace/phase.h"
#include "pgtrace/plot.h"
#include "util/util.h"

struct frame {
	cairo_t *cr;
	const struct pgt_plot_opts *o;
	double W, H;
	double x0, y0, x1, y1;		/* plot area: left, top, right, bottom */
	double xlo, xhi, ylo, yhi;	/* data ranges */
	int xlog, ylog;
	int nlegend;
	double xunit;		/* x tick labels are values times this (0: 1) */
};

/*
 * The helpers below are shared by the plot-*.c files, so they cannot be
 * static; in libpgtrace.a every global must carry the library's prefix
 * (a program linking the archive may have its own plot_axes()).  The
 * sources keep the short names and the linker sees pgt_plot_*, as zlib's
 * Z_PREFIX does.
 */
#define plot_axes              pgt_plot_axes
#define plot_colorbar          pgt_plot_colorbar
#define plot_draw_cells        pgt_plot_draw_cells
#define plot_draw_fileheat     pgt_plot_draw_fileheat
#define plot_draw_heatmap      pgt_plot_draw_heatmap
#define plot_draw_irf          pgt_plot_draw_irf
#define plot_draw_mrc          pgt_plot_draw_mrc
#define plot_draw_mrc_pair     pgt_plot_draw_mrc_pair
#define plot_draw_popularity   pgt_plot_draw_popularity
#define plot_draw_reuse        pgt_plot_draw_reuse
#define plot_draw_wss          pgt_plot_draw_wss
#define plot_fmt_num           pgt_plot_fmt_num
#define plot_frame_begin       pgt_plot_frame_begin
#define plot_frame_box         pgt_plot_frame_box
#define plot_group_digits      pgt_plot_group_digits
#define plot_legend            pgt_plot_legend
#define plot_map_x             pgt_plot_map_x
#define plot_map_y             pgt_plot_map_y
#define plot_no_data           pgt_plot_no_data
#define plot_obj_label         pgt_plot_obj_label
#define plot_phase_grey        pgt_plot_phase_grey
#define plot_polyline          pgt_plot_polyline
#define plot_set_color         pgt_plot_set_color
#define plot_set_pattern_color pgt_plot_set_pattern_color
#define plot_text_at           pgt_plot_text_at
#define plot_text_up           pgt_plot_text_up
#define plot_ticks             pgt_plot_ticks
#define plot_x_axis            pgt_plot_x_axis

/* plot-frame.c: the frame and its primitives */
void plot_set_color(cairo_t *cr, unsigned i);
void plot_set_pattern_color(cairo_t *cr, unsigned label);
double plot_phase_grey(unsigned id);
double plot_map_x(const struct frame *f, double v);
double plot_map_y(const struct frame *f, double v);
void plot_text_at(cairo_t *cr, double x, double y, const char *s, double align, double valign);
void plot_text_up(cairo_t *cr, double x, double y, const char *s);
void plot_fmt_num(char *b, size_t len, double v, int bytes);
void plot_group_digits(char *b, size_t len, uint64_t v);
void plot_frame_begin(struct frame *f, cairo_t *cr, const struct pgt_plot_opts *o, int kind, double right);
int plot_ticks(double lo, double hi, int log_, double *t, int max);
void plot_x_axis(struct frame *f, const char *xlabel, int xbytes);
void plot_frame_box(struct frame *f);
void plot_axes(struct frame *f, const char *xlabel, const char *ylabel, int xbytes, int ybytes);
void plot_legend(struct frame *f, unsigned color, int dashed, const char *label);
void plot_polyline(struct frame *f, const double *xs, const double *ys, size_t n, unsigned color, int dashed);
void plot_no_data(struct frame *f, const char *why);
const char *plot_obj_label(const struct pgt_plot_data *d, uint32_t obj, char *b, size_t len);
void plot_colorbar(struct frame *f, double max, const char *label);
int plot_draw_cells(cairo_t *cr, double x, double y, double rw, double rh, int w, int h,
		      double (*cell)(void *, int, int), void *arg);

/* plot-heatmap.c: the heatmap and the per-file heat */
int plot_draw_heatmap(struct frame *f, const struct pgt_plot_data *d);
int plot_draw_fileheat(struct frame *f, const struct pgt_plot_data *d);

/* plot-curves.c: curves from stats */
int plot_draw_mrc(struct frame *f, const struct pgt_plot_data *d);
int plot_draw_mrc_pair(struct frame *f, const struct pgt_stats *const st[2], const char *const label[2]);
int plot_draw_reuse(struct frame *f, const struct pgt_plot_data *d);
int plot_draw_wss(struct frame *f, const struct pgt_plot_data *d);
int plot_draw_popularity(struct frame *f, const struct pgt_plot_data *d);
int plot_draw_irf(struct frame *f, const struct pgt_plot_data *d);

#endif
