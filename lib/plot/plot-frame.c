// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Charts: the frame every kind is drawn into (title, plot area, axes
 * with ticks, legend or colour bar) and its drawing primitives.
 */
#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot-int.h"

/* ---- the frame ---- */

static const char *const kind_titles[PGT_PLOT_NKINDS] = {
	"Page references: address versus time", "avg.IRF per page, by object",
	"LRU stack distance of re-references", "LRU miss-ratio curve", "Working-set size over time",
	"References per file over time", "Popularity: references per page by rank",
	"Phases and access patterns",
};


static const double palette[][3] = {
	{ 0.122, 0.467, 0.706 }, { 1.000, 0.498, 0.055 }, { 0.173, 0.627, 0.173 },
	{ 0.839, 0.153, 0.157 }, { 0.580, 0.404, 0.741 }, { 0.549, 0.337, 0.294 },
	{ 0.890, 0.467, 0.761 }, { 0.498, 0.498, 0.498 }, { 0.737, 0.741, 0.133 },
	{ 0.090, 0.745, 0.812 },
};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

void plot_set_color(cairo_t *cr, unsigned i)
{
	const double *c = palette[i % NPALETTE];

	cairo_set_source_rgb(cr, c[0], c[1], c[2]);
}

/* Access patterns take the palette's colours but its grey, which is the
 * phases' (a phase is no pattern: colouring a phase like "sequential"
 * would say it is one). */
void plot_set_pattern_color(cairo_t *cr, unsigned label)
{
	plot_set_color(cr, label < 7 ? label : label + 1);
}

/* Phases are shades of grey, the id's; neighbouring ids differ. */
double plot_phase_grey(unsigned id)
{
	static const double g[] = { 0.30, 0.52, 0.38, 0.60, 0.45 };

	return g[id % (sizeof(g) / sizeof(g[0]))];
}

/* viridis, by five anchors */
static void heat_color(double v, double rgb[3])
{
	static const double a[5][3] = {
		{ 0.267, 0.005, 0.329 }, { 0.231, 0.322, 0.545 }, { 0.129, 0.569, 0.549 },
		{ 0.369, 0.788, 0.384 }, { 0.993, 0.906, 0.144 },
	};
	double x = v < 0 ? 0 : v > 1 ? 4 : v * 4;
	int i = x >= 4 ? 3 : (int)x;
	double f = x - i;

	for (int k = 0; k < 3; k++)
		rgb[k] = a[i][k] + (a[i + 1][k] - a[i][k]) * f;
}

double plot_map_x(const struct frame *f, double v)
{
	double a = f->xlog ? log10(v > 0 ? v : 1e-300) : v, lo = f->xlog ? log10(f->xlo) : f->xlo;
	double hi = f->xlog ? log10(f->xhi) : f->xhi;

	return f->x0 + (hi > lo ? (a - lo) / (hi - lo) : 0) * (f->x1 - f->x0);
}

double plot_map_y(const struct frame *f, double v)
{
	double a = f->ylog ? log10(v > 0 ? v : 1e-300) : v, lo = f->ylog ? log10(f->ylo) : f->ylo;
	double hi = f->ylog ? log10(f->yhi) : f->yhi;

	return f->y1 - (hi > lo ? (a - lo) / (hi - lo) : 0) * (f->y1 - f->y0);
}

void plot_text_at(cairo_t *cr, double x, double y, const char *s, double align, double valign)
{
	cairo_text_extents_t e;

	cairo_text_extents(cr, s, &e);
	cairo_move_to(cr, x - e.x_advance * align, y + e.height * valign);
	cairo_show_text(cr, s);
}

/* Text turned a quarter left, centred on (x, y). */
void plot_text_up(cairo_t *cr, double x, double y, const char *s)
{
	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_rotate(cr, -M_PI / 2);
	plot_text_at(cr, 0, 0, s, 0.5, 0);
	cairo_restore(cr);
}

/* A short label for a number: 1.5K, 20M, 0.001, 1e-06. */
void plot_fmt_num(char *b, size_t len, double v, int bytes)
{
	static const char *const si[] = { "", "K", "M", "G", "T", "P" };
	static const char *const bi[] = { " B", " KiB", " MiB", " GiB", " TiB", " PiB" };
	double a = fabs(v);
	int i = 0;

	if (bytes) {
		while (a >= 1024 && i < 5) {
			a /= 1024;
			v /= 1024;
			i++;
		}
		snprintf(b, len, "%g%s", round(v * 10) / 10, bi[i]);
		return;
	}
	if (a != 0 && (a < 0.01 || a >= 1e15)) {
		snprintf(b, len, "%.0e", v);
		return;
	}
	while (a >= 1000 && i < 5) {
		a /= 1000;
		v /= 1000;
		i++;
	}
	snprintf(b, len, "%g%s", round(v * 100) / 100, si[i]);
}

/* 1234567 as "1,234,567". */
void plot_group_digits(char *b, size_t len, uint64_t v)
{
	char t[32];
	int n = snprintf(t, sizeof(t), "%llu", (unsigned long long)v), o = 0;

	for (int i = 0; i < n && (size_t)o + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			b[o++] = ',';
		b[o++] = t[i];
	}
	b[o] = 0;
}

void plot_frame_begin(struct frame *f, cairo_t *cr, const struct pgt_plot_opts *o, int kind, double right)
{
	const char *title = o->title ? o->title : kind_titles[kind];

	memset(f, 0, sizeof(*f));
	f->cr = cr;
	f->o = o;
	f->W = o->width;
	f->H = o->height;
	f->x0 = 78;
	f->y0 = 44;
	f->x1 = f->W - right;
	f->y1 = f->H - 52;
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, 15);
	cairo_set_source_rgb(cr, 0, 0, 0);
	plot_text_at(cr, f->W / 2, 26, title, 0.5, 0);
	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 12);
	cairo_set_line_width(cr, 1);
}

/* Ticks of an axis: powers of ten when logarithmic, else 1-2-5 steps. */
int plot_ticks(double lo, double hi, int log_, double *t, int max)
{
	int n = 0;

	if (log_) {
		for (double p = pow(10, floor(log10(lo))); p <= hi * 1.0001 && n < max; p *= 10)
			if (p >= lo * 0.9999)
				t[n++] = p;
		return n;
	}
	{
		double span = hi - lo, step = pow(10, floor(log10(span > 0 ? span : 1)));

		if (span / step < 2.5)
			step /= 5;
		else if (span / step < 5)
			step /= 2;
		for (double v = ceil(lo / step) * step; v <= hi + step * 1e-9 && n < max; v += step)
			t[n++] = fabs(v) < step * 1e-9 ? 0 : v;
	}
	return n;
}

/* The x axis: ticks, their labels and the axis label. */
void plot_x_axis(struct frame *f, const char *xlabel, int xbytes)
{
	cairo_t *cr = f->cr;
	double t[64];
	char b[64];
	int n = plot_ticks(f->xlo, f->xhi, f->xlog, t, 64);

	cairo_set_source_rgb(cr, 0, 0, 0);
	for (int i = 0; i < n; i++) {
		double x = plot_map_x(f, t[i]);

		cairo_move_to(cr, x, f->y1);
		cairo_line_to(cr, x, f->y1 + 5);
		cairo_stroke(cr);
		plot_fmt_num(b, sizeof(b), t[i] * (f->xunit > 0 ? f->xunit : 1), xbytes);
		plot_text_at(cr, x, f->y1 + 19, b, 0.5, 0);
	}
	if (xlabel)
		plot_text_at(cr, (f->x0 + f->x1) / 2, f->H - 12, xlabel, 0.5, 0);
}

void plot_frame_box(struct frame *f)
{
	cairo_set_source_rgb(f->cr, 0, 0, 0);
	cairo_rectangle(f->cr, f->x0, f->y0, f->x1 - f->x0, f->y1 - f->y0);
	cairo_stroke(f->cr);
}

void plot_axes(struct frame *f, const char *xlabel, const char *ylabel, int xbytes, int ybytes)
{
	cairo_t *cr = f->cr;
	double t[64];
	char b[64];
	int n;

	plot_frame_box(f);
	plot_x_axis(f, xlabel, xbytes);
	n = plot_ticks(f->ylo, f->yhi, f->ylog, t, 64);
	for (int i = 0; i < n; i++) {
		double y = plot_map_y(f, t[i]);

		cairo_move_to(cr, f->x0 - 5, y);
		cairo_line_to(cr, f->x0, y);
		cairo_stroke(cr);
		plot_fmt_num(b, sizeof(b), t[i], ybytes);
		plot_text_at(cr, f->x0 - 8, y, b, 1, 0.5);
	}
	if (ylabel) {
		plot_text_up(cr, 16, (f->y0 + f->y1) / 2, ylabel);
	}
}

void plot_legend(struct frame *f, unsigned color, int dashed, const char *label)
{
	cairo_t *cr = f->cr;
	double y = f->y0 + 16 + 17 * f->nlegend++, x = f->x1 - 220;

	plot_set_color(cr, color);
	cairo_set_line_width(cr, 2.5);
	if (dashed) {
		double d[] = { 6, 4 };

		cairo_set_dash(cr, d, 2, 0);
	}
	cairo_move_to(cr, x, y - 4);
	cairo_line_to(cr, x + 24, y - 4);
	cairo_stroke(cr);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_set_line_width(cr, 1);
	cairo_set_source_rgb(cr, 0, 0, 0);
	plot_text_at(cr, x + 30, y, label, 0, 0);
}

void plot_polyline(struct frame *f, const double *xs, const double *ys, size_t n, unsigned color, int dashed)
{
	cairo_t *cr = f->cr;

	if (!n)
		return;
	cairo_save(cr);
	cairo_rectangle(cr, f->x0, f->y0, f->x1 - f->x0, f->y1 - f->y0);
	cairo_clip(cr);
	plot_set_color(cr, color);
	cairo_set_line_width(cr, 2);
	if (dashed) {
		double d[] = { 6, 4 };

		cairo_set_dash(cr, d, 2, 0);
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			cairo_line_to(cr, plot_map_x(f, xs[i]), plot_map_y(f, ys[i]));
		else
			cairo_move_to(cr, plot_map_x(f, xs[i]), plot_map_y(f, ys[i]));
	}
	cairo_stroke(cr);
	cairo_restore(cr);
}

void plot_no_data(struct frame *f, const char *why)
{
	f->xlo = 0;
	f->xhi = 1;
	f->ylo = 0;
	f->yhi = 1;
	cairo_set_source_rgb(f->cr, 0.3, 0.3, 0.3);
	plot_text_at(f->cr, (f->x0 + f->x1) / 2, (f->y0 + f->y1) / 2, why, 0.5, 0.5);
	cairo_set_source_rgb(f->cr, 0, 0, 0);
	cairo_rectangle(f->cr, f->x0, f->y0, f->x1 - f->x0, f->y1 - f->y0);
	cairo_stroke(f->cr);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s && s[1] ? s + 1 : p;
}

const char *plot_obj_label(const struct pgt_plot_data *d, uint32_t obj, char *b, size_t len)
{
	const struct pgt_object *o = d->meta ? pgt_meta__object(d->meta, obj) : NULL;
	size_t i;

	if (d->pfn_space) {
		snprintf(b, len, "physical memory (frames)");
		return b;
	}
	if (!o || !o->path || !*o->path) {
		snprintf(b, len, "object %u", obj);
		return b;
	}
	snprintf(b, len, "%s", base_name(o->path));
	/* cairo's text wants valid UTF-8: control bytes and bytes that are
	 * not UTF-8 become '?' (a character cut short by the length too) */
	for (i = 0; b[i];) {
		int n = pgt_utf8_len((const unsigned char *)b + i);

		if (n == 1 && ((unsigned char)b[i] < 0x20 || b[i] == 0x7f))
			n = 0;
		if (!n)
			b[i++] = '?';
		else
			i += (size_t)n;
	}
	return b;
}

/* A colour bar for a log scale of counts up to @max. */
void plot_colorbar(struct frame *f, double max, const char *label)
{
	cairo_t *cr = f->cr;
	double x = f->x1 + 18, w = 14, h = f->y1 - f->y0;
	char b[32];

	for (int i = 0; i < 100; i++) {
		double rgb[3];

		heat_color(i / 99.0, rgb);
		cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
		cairo_rectangle(cr, x, f->y1 - h * (i + 1) / 100.0, w, h / 100.0 + 0.5);
		cairo_fill(cr);
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_rectangle(cr, x, f->y0, w, h);
	cairo_stroke(cr);
	for (double v = 1; v <= max; v *= 10) {
		double y = f->y1 - h * log1p(v) / log1p(max);

		plot_fmt_num(b, sizeof(b), v, 0);
		plot_text_at(cr, x + w + 4, y, b, 0, 0.5);
	}
	plot_text_up(cr, f->W - 8, (f->y0 + f->y1) / 2, label);
}

/* An image of w x h cells, drawn into the rectangle with nearest
 * neighbours: @cell gives a value in [0, 1], or < 0 for white. */
int plot_draw_cells(cairo_t *cr, double x, double y, double rw, double rh, int w, int h,
		      double (*cell)(void *, int, int), void *arg)
{
	cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	int stride;
	unsigned char *px;

	if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(img);
		return -ENOMEM;
	}
	cairo_surface_flush(img);
	stride = cairo_image_surface_get_stride(img);
	px = cairo_image_surface_get_data(img);
	for (int r = 0; r < h; r++) {
		uint32_t *row = (uint32_t *)(px + (size_t)r * stride);

		for (int c = 0; c < w; c++) {
			double v = cell(arg, c, r), rgb[3] = { 1, 1, 1 };

			if (v >= 0)
				heat_color(v, rgb);
			row[c] = (uint32_t)(rgb[0] * 255) << 16 | (uint32_t)(rgb[1] * 255) << 8 |
				 (uint32_t)(rgb[2] * 255);
		}
	}
	cairo_surface_mark_dirty(img);
	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_scale(cr, rw / w, rh / h);
	cairo_set_source_surface(cr, img, 0, 0);
	cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
	cairo_rectangle(cr, 0, 0, w, h);
	cairo_fill(cr);
	cairo_restore(cr);
	cairo_surface_destroy(img);
	return 0;
}
