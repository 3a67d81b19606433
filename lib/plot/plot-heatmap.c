// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Charts: the address-versus-time heatmap and the per-file heat.
 */
#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot-int.h"

/* ---- heatmap ---- */

struct band {			/* one object's part of the heatmap */
	const struct pgt_heat_grid *g;
	uint32_t rows;		/* grid rows in use */
	uint32_t disp;		/* display rows: at least a share of the height */
	uint32_t y;		/* first display row, from the bottom */
};

/*
 * Cells of the heatmap at the picture's resolution: a pixel shows the
 * largest count of the bins and rows it covers, so no bin is dropped
 * however many there are per pixel.
 */
struct heat_cells {
	struct band *b;
	size_t nb;
	uint32_t nbins, w, h;	/* bins; image columns and rows */
	uint32_t total;		/* display rows */
	double lmax;
};

static uint32_t band_max(const struct band *b, uint32_t dr, uint32_t b0, uint32_t b1)
{
	uint32_t row = (uint32_t)((uint64_t)(dr - b->y) * b->rows / b->disp), v = 0;

	for (uint32_t t = b0; t < b1; t++) {
		uint32_t x = b->g->counts[(size_t)t * b->g->rows + row];

		v = x > v ? x : v;
	}
	return v;
}

static double heat_cell(void *arg, int c, int r)
{
	struct heat_cells *h = arg;
	uint32_t b0 = (uint32_t)((uint64_t)c * h->nbins / h->w), b1 = (uint32_t)((uint64_t)(c + 1) * h->nbins / h->w);
	uint32_t top = (uint32_t)((uint64_t)r * h->total / h->h), bot = (uint32_t)((uint64_t)(r + 1) * h->total / h->h);
	uint32_t v = 0;

	if (b1 <= b0)
		b1 = b0 + 1;
	if (bot <= top)
		bot = top + 1;
	for (uint32_t x = top; x < bot; x++) {		/* display rows from the top */
		uint32_t dr = h->total - 1 - x;

		for (size_t i = 0; i < h->nb; i++) {
			if (dr >= h->b[i].y && dr < h->b[i].y + h->b[i].disp) {
				uint32_t m = band_max(&h->b[i], dr, b0, b1);

				v = m > v ? m : v;
				break;
			}
		}
	}
	return v ? log1p(v) / h->lmax : -1;
}

int plot_draw_heatmap(struct frame *f, const struct pgt_plot_data *d)
{
	const struct pgt_plot_opts *o = f->o;
	const struct pgt_heat_grid *g;
	struct band b[64];
	struct heat_cells hc = { .b = b };
	uint64_t t0, nsb, untracked, maxv = 1;
	uint32_t nbins;
	size_t ng, nb;
	char lab[128], num[48];
	int err;

	if (!d->heat) {
		plot_no_data(f, "no heat data");
		return 0;
	}
	g = pgt_heat__grids(d->heat, &ng, &untracked);
	pgt_heat__time(d->heat, &t0, &nsb, &nbins);
	nb = ng < o->top ? ng : o->top;
	if (nb > 64)
		nb = 64;
	if (!nb || !nbins) {
		plot_no_data(f, "no page references");
		return 0;
	}
	/* bands: a share of the height by rows in use, each at least a
	 * quarter of an even share */
	for (size_t i = 0; i < nb; i++) {
		uint32_t used = (uint32_t)(g[i].max_index / g[i].pages_per_row + 1);

		b[i].g = &g[i];
		b[i].rows = used < g[i].rows ? used : g[i].rows;
		hc.total += b[i].rows;
		for (size_t c = 0; c < (size_t)nbins * g[i].rows; c++)
			if (g[i].counts[c] > maxv)
				maxv = g[i].counts[c];
	}
	{
		uint32_t minrows = (uint32_t)((hc.total + 4 * nb - 1) / (4 * nb)), y = 0;

		for (size_t i = 0; i < nb; i++) {
			b[i].disp = b[i].rows > minrows ? b[i].rows : minrows;
			b[i].y = y;
			y += b[i].disp;
		}
		hc.total = y;
	}
	hc.nb = nb;
	hc.nbins = nbins;
	hc.lmax = log1p((double)maxv);
	/* the cells sit inside the frame's line, one pixel in */
	hc.w = nbins < (uint32_t)(f->x1 - f->x0 - 2) ? nbins : (uint32_t)(f->x1 - f->x0 - 2);
	hc.h = hc.total < (uint32_t)(f->y1 - f->y0 - 2) ? hc.total : (uint32_t)(f->y1 - f->y0 - 2);
	f->xlo = 0;
	f->xhi = (double)nbins * (double)nsb / 1e9;
	f->ylo = 0;
	f->yhi = hc.total;
	err = plot_draw_cells(f->cr, f->x0 + 1, f->y0 + 1, f->x1 - f->x0 - 2, f->y1 - f->y0 - 2, (int)hc.w, (int)hc.h,
			 heat_cell, &hc);
	if (err)
		return err;
	/* object boundaries and names; page range per band */
	cairo_set_source_rgb(f->cr, 0, 0, 0);
	for (size_t i = 0; i < nb; i++) {
		/* the cells fill y0 + 1 .. y1 - 1: band edges on the same scale */
		double span = f->y1 - f->y0 - 2;
		double ylo = f->y1 - 1 - span * b[i].y / hc.total;
		double yhi = f->y1 - 1 - span * (b[i].y + b[i].disp) / hc.total;

		if (i + 1 < nb) {	/* a line between bands; the top one is the frame */
			cairo_set_source_rgb(f->cr, 1, 0.2, 0.2);
			cairo_move_to(f->cr, f->x0, floor(yhi) + 0.5);
			cairo_line_to(f->cr, f->x1, floor(yhi) + 0.5);
			cairo_stroke(f->cr);
		}
		{	/* the name on a light box, readable over any colour */
			cairo_text_extents_t e;

			plot_obj_label(d, g[i].obj, lab, sizeof(lab));
			cairo_text_extents(f->cr, lab, &e);
			cairo_set_source_rgba(f->cr, 1, 1, 1, 0.8);
			cairo_rectangle(f->cr, f->x0 + 3, yhi + 2, e.x_advance + 8, 16);
			cairo_fill(f->cr);
			cairo_set_source_rgb(f->cr, 0, 0, 0);
			plot_text_at(f->cr, f->x0 + 7, yhi + 14, lab, 0, 0);
		}
		cairo_set_source_rgb(f->cr, 0, 0, 0);
		plot_fmt_num(num, sizeof(num), o->bytes ? (double)(g[i].max_index + 1) * (double)o->page_size
						    : (double)(g[i].max_index + 1), o->bytes);
		plot_text_at(f->cr, f->x0 - 8, yhi + 10, num, 1, 0);
		plot_text_at(f->cr, f->x0 - 8, ylo, "0", 1, 0);
	}
	plot_frame_box(f);		/* time axis only; the page axis is per band */
	plot_x_axis(f, "time (s)", 0);
	plot_text_up(f->cr, 16, (f->y0 + f->y1) / 2, o->bytes ? "offset in each object (bytes)" : "page in each object");
	plot_colorbar(f, (double)maxv, "references per cell");
	{
		const uint32_t *ids;
		const uint64_t *const *rows;
		const uint64_t *refs;
		ssize_t all = pgt_heat__files(d->heat, 0, &ids, &rows, &refs);
		size_t nall = all > 0 ? (size_t)all : ng;
		char a[32], b2[32], note[200];

		plot_group_digits(a, sizeof(a), nb);
		plot_group_digits(b2, sizeof(b2), nall > ng ? nall : ng);
		if (d->heat_first_met && untracked)
			snprintf(note, sizeof(note), "%s of %s objects: the most referenced of the first met "
				 "(a pipe is read once)", a, b2);
		else if (nall > nb)
			snprintf(note, sizeof(note), "the %s most referenced of %s objects", a, b2);
		else
			note[0] = 0;
		if (note[0]) {
			cairo_set_source_rgb(f->cr, 0.3, 0.3, 0.3);
			plot_text_at(f->cr, f->x1, f->y0 - 6, note, 1, 0);
		}
	}
	return 0;
}

/* ---- per-file heat ---- */

struct file_cells {
	const uint64_t *const *rows;
	uint32_t nbins, w;	/* bins; image columns (a column: the most of its bins) */
	double lmax;
};

static double file_cell(void *arg, int c, int r)
{
	struct file_cells *fc = arg;
	uint32_t b0 = (uint32_t)((uint64_t)c * fc->nbins / fc->w), b1 = (uint32_t)((uint64_t)(c + 1) * fc->nbins / fc->w);
	uint64_t v = 0;

	for (uint32_t b = b0; b < (b1 > b0 ? b1 : b0 + 1); b++)
		v = fc->rows[r][b] > v ? fc->rows[r][b] : v;
	return v ? log1p((double)v) / fc->lmax : -1;
}

int plot_draw_fileheat(struct frame *f, const struct pgt_plot_data *d)
{
	const uint32_t *ids;
	const uint64_t *const *rows;
	const uint64_t *refs;
	struct file_cells fc;
	uint64_t t0, nsb, maxv = 1;
	uint32_t nbins;
	ssize_t got = d->heat ? pgt_heat__files(d->heat, f->o->top, &ids, &rows, &refs) : 0;
	size_t n = got > 0 ? (size_t)got : 0;
	char lab[128];
	int err;

	if (got < 0)
		return (int)got;
	if (!n) {
		plot_no_data(f, "no page references");
		return 0;
	}
	(void)refs;
	pgt_heat__time(d->heat, &t0, &nsb, &nbins);
	if (n > f->o->top)
		n = f->o->top;
	for (size_t i = 0; i < n; i++)
		for (uint32_t c = 0; c < nbins; c++)
			maxv = rows[i][c] > maxv ? rows[i][c] : maxv;
	f->x0 = 170;
	fc.rows = rows;
	fc.nbins = nbins;
	fc.w = nbins < (uint32_t)(f->x1 - f->x0 - 2) ? nbins : (uint32_t)(f->x1 - f->x0 - 2);
	fc.lmax = log1p((double)maxv);
	f->xlo = 0;
	f->xhi = (double)nbins * (double)nsb / 1e9;
	err = plot_draw_cells(f->cr, f->x0 + 1, f->y0 + 1, f->x1 - f->x0 - 2, f->y1 - f->y0 - 2, (int)fc.w, (int)n,
			 file_cell, &fc);
	if (err)
		return err;
	f->ylo = 0;
	f->yhi = 1;
	cairo_set_source_rgb(f->cr, 0, 0, 0);
	for (size_t i = 0; i < n; i++) {
		double y = f->y0 + (f->y1 - f->y0) * (i + 0.5) / n;

		plot_text_at(f->cr, f->x0 - 6, y, plot_obj_label(d, ids[i], lab, sizeof(lab)), 1, 0.5);
	}
	plot_frame_box(f);
	plot_x_axis(f, "time (s)", 0);
	plot_colorbar(f, (double)maxv, "references per time bin");
	return 0;
}
