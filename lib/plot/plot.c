// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Charts with cairo: one frame (title, plot area, axes with ticks, a
 * legend or a colour bar) and eight kinds drawn into it.  PNG goes
 * through an image surface, SVG through cairo's SVG surface; both are
 * written to memory first and then to the file, so a failed chart leaves
 * no file behind.  Text from a trace (file names) is drawn as glyphs: an
 * SVG carries no markup of a trace's.
 */
#include <cairo.h>
#include <cairo-svg.h>
#include <fontconfig/fontconfig.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pgtrace/phase.h"
#include "pgtrace/plot.h"
#include "util/util.h"
#include "mrc-pair.h"

static const char *const kind_names[PGT_PLOT_NKINDS] = {
	"heatmap", "irf", "reuse", "mrc", "wss", "fileheat", "popularity", "phase",
};
static const char *const kind_titles[PGT_PLOT_NKINDS] = {
	"Page references: address versus time", "avg.IRF per page, by object",
	"LRU stack distance of re-references", "LRU miss-ratio curve", "Working-set size over time",
	"References per file over time", "Popularity: references per page by rank",
	"Phases and access patterns",
};

const char *pgt_plot_kind_name(int kind)
{
	return kind >= 0 && kind < PGT_PLOT_NKINDS ? kind_names[kind] : "unknown";
}

int pgt_plot_kind_parse(const char *name)
{
	for (int i = 0; i < PGT_PLOT_NKINDS; i++)
		if (!strcmp(name, kind_names[i]))
			return i;
	return -PGT_EPARSE;
}

/* ---- memory sink ---- */

struct sink {
	char *buf;
	size_t len, cap;
	int err;
};

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct sink *s = closure;

	if (s->len + len > s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 65536;
		char *b;

		while (nc < s->len + len)
			nc *= 2;
		b = realloc(s->buf, nc);
		if (!b) {
			s->err = -ENOMEM;
			return CAIRO_STATUS_WRITE_ERROR;
		}
		s->buf = b;
		s->cap = nc;
	}
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	return CAIRO_STATUS_SUCCESS;
}

/* ---- the frame ---- */

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

static const double palette[][3] = {
	{ 0.122, 0.467, 0.706 }, { 1.000, 0.498, 0.055 }, { 0.173, 0.627, 0.173 },
	{ 0.839, 0.153, 0.157 }, { 0.580, 0.404, 0.741 }, { 0.549, 0.337, 0.294 },
	{ 0.890, 0.467, 0.761 }, { 0.498, 0.498, 0.498 }, { 0.737, 0.741, 0.133 },
	{ 0.090, 0.745, 0.812 },
};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

static void set_color(cairo_t *cr, unsigned i)
{
	const double *c = palette[i % NPALETTE];

	cairo_set_source_rgb(cr, c[0], c[1], c[2]);
}

/* Access patterns take the palette's colours but its grey, which is the
 * phases' (a phase is no pattern: colouring a phase like "sequential"
 * would say it is one). */
static void set_pattern_color(cairo_t *cr, unsigned label)
{
	set_color(cr, label < 7 ? label : label + 1);
}

/* Phases are shades of grey, the id's; neighbouring ids differ. */
static double phase_grey(unsigned id)
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

static double map_x(const struct frame *f, double v)
{
	double a = f->xlog ? log10(v > 0 ? v : 1e-300) : v, lo = f->xlog ? log10(f->xlo) : f->xlo;
	double hi = f->xlog ? log10(f->xhi) : f->xhi;

	return f->x0 + (hi > lo ? (a - lo) / (hi - lo) : 0) * (f->x1 - f->x0);
}

static double map_y(const struct frame *f, double v)
{
	double a = f->ylog ? log10(v > 0 ? v : 1e-300) : v, lo = f->ylog ? log10(f->ylo) : f->ylo;
	double hi = f->ylog ? log10(f->yhi) : f->yhi;

	return f->y1 - (hi > lo ? (a - lo) / (hi - lo) : 0) * (f->y1 - f->y0);
}

static void text_at(cairo_t *cr, double x, double y, const char *s, double align, double valign)
{
	cairo_text_extents_t e;

	cairo_text_extents(cr, s, &e);
	cairo_move_to(cr, x - e.x_advance * align, y + e.height * valign);
	cairo_show_text(cr, s);
}

/* Text turned a quarter left, centred on (x, y). */
static void text_up(cairo_t *cr, double x, double y, const char *s)
{
	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_rotate(cr, -M_PI / 2);
	text_at(cr, 0, 0, s, 0.5, 0);
	cairo_restore(cr);
}

/* A short label for a number: 1.5K, 20M, 0.001, 1e-06. */
static void fmt_num(char *b, size_t len, double v, int bytes)
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
static void group_digits(char *b, size_t len, uint64_t v)
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

static void frame_begin(struct frame *f, cairo_t *cr, const struct pgt_plot_opts *o, int kind, double right)
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
	text_at(cr, f->W / 2, 26, title, 0.5, 0);
	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 12);
	cairo_set_line_width(cr, 1);
}

/* Ticks of an axis: powers of ten when logarithmic, else 1-2-5 steps. */
static int ticks(double lo, double hi, int log_, double *t, int max)
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
static void x_axis(struct frame *f, const char *xlabel, int xbytes)
{
	cairo_t *cr = f->cr;
	double t[64];
	char b[64];
	int n = ticks(f->xlo, f->xhi, f->xlog, t, 64);

	cairo_set_source_rgb(cr, 0, 0, 0);
	for (int i = 0; i < n; i++) {
		double x = map_x(f, t[i]);

		cairo_move_to(cr, x, f->y1);
		cairo_line_to(cr, x, f->y1 + 5);
		cairo_stroke(cr);
		fmt_num(b, sizeof(b), t[i] * (f->xunit > 0 ? f->xunit : 1), xbytes);
		text_at(cr, x, f->y1 + 19, b, 0.5, 0);
	}
	if (xlabel)
		text_at(cr, (f->x0 + f->x1) / 2, f->H - 12, xlabel, 0.5, 0);
}

static void frame_box(struct frame *f)
{
	cairo_set_source_rgb(f->cr, 0, 0, 0);
	cairo_rectangle(f->cr, f->x0, f->y0, f->x1 - f->x0, f->y1 - f->y0);
	cairo_stroke(f->cr);
}

static void axes(struct frame *f, const char *xlabel, const char *ylabel, int xbytes, int ybytes)
{
	cairo_t *cr = f->cr;
	double t[64];
	char b[64];
	int n;

	frame_box(f);
	x_axis(f, xlabel, xbytes);
	n = ticks(f->ylo, f->yhi, f->ylog, t, 64);
	for (int i = 0; i < n; i++) {
		double y = map_y(f, t[i]);

		cairo_move_to(cr, f->x0 - 5, y);
		cairo_line_to(cr, f->x0, y);
		cairo_stroke(cr);
		fmt_num(b, sizeof(b), t[i], ybytes);
		text_at(cr, f->x0 - 8, y, b, 1, 0.5);
	}
	if (ylabel) {
		text_up(cr, 16, (f->y0 + f->y1) / 2, ylabel);
	}
}

static void legend(struct frame *f, unsigned color, int dashed, const char *label)
{
	cairo_t *cr = f->cr;
	double y = f->y0 + 16 + 17 * f->nlegend++, x = f->x1 - 220;

	set_color(cr, color);
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
	text_at(cr, x + 30, y, label, 0, 0);
}

static void polyline(struct frame *f, const double *xs, const double *ys, size_t n, unsigned color, int dashed)
{
	cairo_t *cr = f->cr;

	if (!n)
		return;
	cairo_save(cr);
	cairo_rectangle(cr, f->x0, f->y0, f->x1 - f->x0, f->y1 - f->y0);
	cairo_clip(cr);
	set_color(cr, color);
	cairo_set_line_width(cr, 2);
	if (dashed) {
		double d[] = { 6, 4 };

		cairo_set_dash(cr, d, 2, 0);
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			cairo_line_to(cr, map_x(f, xs[i]), map_y(f, ys[i]));
		else
			cairo_move_to(cr, map_x(f, xs[i]), map_y(f, ys[i]));
	}
	cairo_stroke(cr);
	cairo_restore(cr);
}

static void no_data(struct frame *f, const char *why)
{
	f->xlo = 0;
	f->xhi = 1;
	f->ylo = 0;
	f->yhi = 1;
	cairo_set_source_rgb(f->cr, 0.3, 0.3, 0.3);
	text_at(f->cr, (f->x0 + f->x1) / 2, (f->y0 + f->y1) / 2, why, 0.5, 0.5);
	cairo_set_source_rgb(f->cr, 0, 0, 0);
	cairo_rectangle(f->cr, f->x0, f->y0, f->x1 - f->x0, f->y1 - f->y0);
	cairo_stroke(f->cr);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s && s[1] ? s + 1 : p;
}

static const char *obj_label(const struct pgt_plot_data *d, uint32_t obj, char *b, size_t len)
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
static void colorbar(struct frame *f, double max, const char *label)
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

		fmt_num(b, sizeof(b), v, 0);
		text_at(cr, x + w + 4, y, b, 0, 0.5);
	}
	text_up(cr, f->W - 8, (f->y0 + f->y1) / 2, label);
}

/* An image of w x h cells, drawn into the rectangle with nearest
 * neighbours: @cell gives a value in [0, 1], or < 0 for white. */
static int draw_cells(cairo_t *cr, double x, double y, double rw, double rh, int w, int h,
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

static int draw_heatmap(struct frame *f, const struct pgt_plot_data *d)
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
		no_data(f, "no heat data");
		return 0;
	}
	g = pgt_heat__grids(d->heat, &ng, &untracked);
	pgt_heat__time(d->heat, &t0, &nsb, &nbins);
	nb = ng < o->top ? ng : o->top;
	if (nb > 64)
		nb = 64;
	if (!nb || !nbins) {
		no_data(f, "no page references");
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
	err = draw_cells(f->cr, f->x0 + 1, f->y0 + 1, f->x1 - f->x0 - 2, f->y1 - f->y0 - 2, (int)hc.w, (int)hc.h,
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

			obj_label(d, g[i].obj, lab, sizeof(lab));
			cairo_text_extents(f->cr, lab, &e);
			cairo_set_source_rgba(f->cr, 1, 1, 1, 0.8);
			cairo_rectangle(f->cr, f->x0 + 3, yhi + 2, e.x_advance + 8, 16);
			cairo_fill(f->cr);
			cairo_set_source_rgb(f->cr, 0, 0, 0);
			text_at(f->cr, f->x0 + 7, yhi + 14, lab, 0, 0);
		}
		cairo_set_source_rgb(f->cr, 0, 0, 0);
		fmt_num(num, sizeof(num), o->bytes ? (double)(g[i].max_index + 1) * (double)o->page_size
						    : (double)(g[i].max_index + 1), o->bytes);
		text_at(f->cr, f->x0 - 8, yhi + 10, num, 1, 0);
		text_at(f->cr, f->x0 - 8, ylo, "0", 1, 0);
	}
	frame_box(f);		/* time axis only; the page axis is per band */
	x_axis(f, "time (s)", 0);
	text_up(f->cr, 16, (f->y0 + f->y1) / 2, o->bytes ? "offset in each object (bytes)" : "page in each object");
	colorbar(f, (double)maxv, "references per cell");
	{
		const uint32_t *ids;
		const uint64_t *const *rows;
		const uint64_t *refs;
		ssize_t all = pgt_heat__files(d->heat, 0, &ids, &rows, &refs);
		size_t nall = all > 0 ? (size_t)all : ng;
		char a[32], b2[32], note[200];

		group_digits(a, sizeof(a), nb);
		group_digits(b2, sizeof(b2), nall > ng ? nall : ng);
		if (d->heat_first_met && untracked)
			snprintf(note, sizeof(note), "%s of %s objects: the most referenced of the first met "
				 "(a pipe is read once)", a, b2);
		else if (nall > nb)
			snprintf(note, sizeof(note), "the %s most referenced of %s objects", a, b2);
		else
			note[0] = 0;
		if (note[0]) {
			cairo_set_source_rgb(f->cr, 0.3, 0.3, 0.3);
			text_at(f->cr, f->x1, f->y0 - 6, note, 1, 0);
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

static int draw_fileheat(struct frame *f, const struct pgt_plot_data *d)
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
		no_data(f, "no page references");
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
	err = draw_cells(f->cr, f->x0 + 1, f->y0 + 1, f->x1 - f->x0 - 2, f->y1 - f->y0 - 2, (int)fc.w, (int)n,
			 file_cell, &fc);
	if (err)
		return err;
	f->ylo = 0;
	f->yhi = 1;
	cairo_set_source_rgb(f->cr, 0, 0, 0);
	for (size_t i = 0; i < n; i++) {
		double y = f->y0 + (f->y1 - f->y0) * (i + 0.5) / n;

		text_at(f->cr, f->x0 - 6, y, obj_label(d, ids[i], lab, sizeof(lab)), 1, 0.5);
	}
	frame_box(f);
	x_axis(f, "time (s)", 0);
	colorbar(f, (double)maxv, "references per time bin");
	return 0;
}

/* ---- curves from stats ---- */

/* The points of @s's miss-ratio curve at the histogram's bin edges, up
 * to the first size past @until: at most PGT_HIST_BINS; returns how many. */
static size_t mrc_points(const struct pgt_stats *s, uint64_t until, double *xs, double *ys)
{
	size_t n = 0;

	for (unsigned b = 0; b < PGT_HIST_BINS && n < PGT_HIST_BINS; b++) {
		uint64_t c = pgt_hist_lo(b) ? pgt_hist_lo(b) : 1;

		if (n && xs[n - 1] >= (double)c)
			continue;
		xs[n] = (double)c;
		ys[n++] = pgt_stats__miss_ratio(s, c);
		if (c > until)
			break;
	}
	return n;
}

static int draw_mrc(struct frame *f, const struct pgt_plot_data *d)
{
	const struct pgt_stats *sets[2] = { d->exact, d->sampled };
	static const char *const names[2] = { "exact LRU", "SHARDS" };
	struct pgt_stats_summary sm;
	double xs[PGT_HIST_BINS + 1], ys[PGT_HIST_BINS + 1];
	char lab[64];

	if (!d->exact) {
		no_data(f, "no statistics");
		return 0;
	}
	pgt_stats__summary(d->exact, &sm);
	if (!sm.refs || !sm.pages) {
		no_data(f, "no page references");
		return 0;
	}
	f->xlog = 1;
	f->xlo = 1;
	f->xhi = (double)sm.pages * 1.05 + 1;
	f->ylo = 0;
	f->yhi = 1;
	for (int k = 0; k < 2; k++) {
		size_t n = 0;

		if (!sets[k])
			continue;
		n = mrc_points(sets[k], sm.pages, xs, ys);
		polyline(f, xs, ys, n, (unsigned)k, k == 1);
		if (k == 1) {
			struct pgt_stats_summary ss;

			pgt_stats__summary(sets[k], &ss);
			snprintf(lab, sizeof(lab), "SHARDS, rate %.3g", ss.rate);
			legend(f, 1, 1, lab);
		} else {
			legend(f, 0, 0, names[k]);
		}
	}
	f->xunit = f->o->bytes ? (double)f->o->page_size : 1;
	axes(f, f->o->bytes ? "memory (bytes)" : "memory (pages)", "miss ratio", f->o->bytes, 0);
	return 0;
}

/* The exact curves of two runs: up to the larger footprint, each in its
 * colour (B dashed, so the two read apart in grey too). */
static int draw_mrc_pair(struct frame *f, const struct pgt_stats *const st[2], const char *const label[2])
{
	double xs[PGT_HIST_BINS + 1], ys[PGT_HIST_BINS + 1];
	uint64_t pages[2] = { 0, 0 }, refs[2] = { 0, 0 }, fp;
	char lab[64];

	for (int k = 0; k < 2; k++) {
		struct pgt_stats_summary sm;

		if (!st[k])
			continue;
		pgt_stats__summary(st[k], &sm);
		pages[k] = sm.pages;
		refs[k] = sm.refs;
	}
	fp = pages[0] > pages[1] ? pages[0] : pages[1];
	if (!fp) {
		no_data(f, "no page references in either trace");
		return 0;
	}
	f->xlog = 1;
	f->xlo = 1;
	f->xhi = (double)fp * 1.05 + 1;
	f->ylo = 0;
	f->yhi = 1;
	for (int k = 0; k < 2; k++) {
		size_t n = 0, ll = strlen(label[k]);

		/* the legend is 190 pixels wide: a long name keeps its end */
		if (ll > 26) {
			const char *tail = label[k] + ll - 20;

			while ((*tail & 0xc0) == 0x80)	/* not inside a UTF-8 character */
				tail++;
			snprintf(lab, sizeof(lab), "%c: ...%s%s", 'A' + k, tail, refs[k] && pages[k] ? "" : " (none)");
		} else {
			snprintf(lab, sizeof(lab), "%c: %s%s", 'A' + k, label[k], refs[k] && pages[k] ? "" : " (none)");
		}
		legend(f, (unsigned)k, k == 1, lab);
		if (!refs[k] || !pages[k])
			continue;
		n = mrc_points(st[k], fp, xs, ys);
		polyline(f, xs, ys, n, (unsigned)k, k == 1);
	}
	f->xunit = f->o->bytes ? (double)f->o->page_size : 1;
	axes(f, f->o->bytes ? "memory (bytes)" : "memory (pages)", "miss ratio (exact LRU)", f->o->bytes, 0);
	return 0;
}

static int draw_reuse(struct frame *f, const struct pgt_plot_data *d)
{
	const double *h;
	struct pgt_stats_summary sm;
	double groups[64] = { 0 }, total = 0, cum = 0, xs[65] = { 0 }, ys[65] = { 0 };
	int ng = 0;

	if (!d->exact) {
		no_data(f, "no statistics");
		return 0;
	}
	pgt_stats__summary(d->exact, &sm);
	h = pgt_stats__distance_hist(d->exact);
	for (unsigned b = 0; b < PGT_HIST_BINS; b++) {	/* bin b: distances lo+1..hi+1 */
		uint64_t dmax = pgt_hist_hi(b) + 1;
		int lg = 0;

		if (h[b] == 0)
			continue;
		while ((1ull << lg) < dmax && lg < 63)
			lg++;
		groups[lg] += h[b];
		total += h[b];
		ng = lg + 1 > ng ? lg + 1 : ng;
	}
	if (total <= 0) {
		no_data(f, "no re-references");
		return 0;
	}
	f->xlo = 0;
	f->xhi = ng;
	f->ylo = 0;
	f->yhi = 100;
	for (int i = 0; i < ng; i++) {
		double x0 = map_x(f, i + 0.1), x1 = map_x(f, i + 0.9), y = map_y(f, 100 * groups[i] / total);

		set_color(f->cr, 0);
		cairo_rectangle(f->cr, x0, y, x1 - x0, f->y1 - y);
		cairo_fill(f->cr);
		cum += groups[i];
		xs[i] = i + 0.9;
		ys[i] = 100 * cum / (total + (double)sm.cold);
	}
	polyline(f, xs, ys, (size_t)ng, 1, 0);
	frame_box(f);
	for (int i = 0; i < ng; i += ng > 24 ? 4 : ng > 12 ? 2 : 1) {
		char b[32];

		fmt_num(b, sizeof(b), (double)(1ull << i), 0);
		text_at(f->cr, map_x(f, i + 0.5), f->y1 + 19, b, 0.5, 0);
	}
	{
		double t[16];
		int n = ticks(0, 100, 0, t, 16);
		char b[32];

		for (int i = 0; i < n; i++) {
			snprintf(b, sizeof(b), "%g%%", t[i]);
			text_at(f->cr, f->x0 - 8, map_y(f, t[i]), b, 1, 0.5);
		}
	}
	text_at(f->cr, (f->x0 + f->x1) / 2, f->H - 12, "stack distance up to (pages)", 0.5, 0);
	text_up(f->cr, 16, (f->y0 + f->y1) / 2, "share of re-references; line: hit ratio (CDF)");
	legend(f, 0, 0, "re-references per bin");
	legend(f, 1, 0, "cumulative (hit ratio)");
	return 0;
}

static int draw_wss(struct frame *f, const struct pgt_plot_data *d)
{
	const struct pgt_wss_window *w;
	struct pgt_stats_summary sm;
	double *xs, *ys, ymax = 1;
	size_t n;

	if (!d->exact || !(w = pgt_stats__windows(d->exact, &n)) || !n) {
		no_data(f, "no windows");
		return 0;
	}
	pgt_stats__summary(d->exact, &sm);
	xs = malloc(n * sizeof(*xs) * 2);
	if (!xs)
		return -ENOMEM;
	ys = xs + n;
	for (size_t i = 0; i < n; i++) {
		xs[i] = (double)(w[i].start_ts - w[0].start_ts) / 1e9;
		ys[i] = (double)w[i].pages;
		ymax = ys[i] > ymax ? ys[i] : ymax;
	}
	f->xlo = 0;
	f->xhi = n > 1 && xs[n - 1] > 0 ? xs[n - 1] : 1;
	f->ylo = 0;
	f->yhi = ymax * 1.1;
	polyline(f, xs, ys, n, 0, 0);
	axes(f, "time (s)", "distinct pages per window", 0, 0);
	free(xs);
	{	/* what a point is: the window, as pgtrace stats --window takes it */
		char lab[160], num[48];

		if (d->wss_window_ns)
			snprintf(num, sizeof(num), "%g ms", (double)d->wss_window_ns / 1e6);
		else
			group_digits(num, sizeof(num), d->wss_window);
		snprintf(lab, sizeof(lab), "working set per window of %s%s (%zu windows)", num,
			 d->wss_window_ns ? "" : d->wss_window == 1 ? " reference" : " references", n);
		cairo_set_source_rgb(f->cr, 0.2, 0.2, 0.2);
		text_at(f->cr, f->x0, f->y0 - 6, lab, 0, 0);
	}
	return 0;
}

static int draw_popularity(struct frame *f, const struct pgt_plot_data *d)
{
	struct pgt_stats_summary sm;
	double xs[512], ys[512];
	size_t n = 0;
	char lab[96];

	if (!d->exact) {
		no_data(f, "no statistics");
		return 0;
	}
	pgt_stats__summary(d->exact, &sm);
	if (!pgt_stats__rank_freq(d->exact, 1)) {
		no_data(f, "no per-page counts");
		return 0;
	}
	for (uint64_t r = 1; n < 512 && pgt_stats__rank_freq(d->exact, r); r = r < 16 ? r + 1 : r + r / 16) {
		xs[n] = (double)r;
		ys[n++] = (double)pgt_stats__rank_freq(d->exact, r);
	}
	f->xlog = f->ylog = 1;
	f->xlo = 1;
	f->xhi = xs[n - 1] * 1.5 + 1;
	f->ylo = 0.8;
	f->yhi = ys[0] * 1.5;
	polyline(f, xs, ys, n, 0, 0);
	legend(f, 0, 0, "references of the page of each rank");
	if (sm.zipf_alpha > 0) {
		double fx[2] = { (double)sm.zipf_lo, (double)sm.zipf_hi };
		double c = (double)pgt_stats__rank_freq(d->exact, sm.zipf_lo) * pow((double)sm.zipf_lo, sm.zipf_alpha);
		double fy[2] = { c / pow(fx[0], sm.zipf_alpha), c / pow(fx[1], sm.zipf_alpha) };

		polyline(f, fx, fy, 2, 3, 1);
		snprintf(lab, sizeof(lab), "Zipf fit: alpha %.3f, R^2 %.3f", sm.zipf_alpha, sm.zipf_r2);
		legend(f, 3, 1, lab);
	}
	axes(f, "rank", "references", 0, 0);
	return 0;
}

static int draw_irf(struct frame *f, const struct pgt_plot_data *d)
{
	const struct pgt_stats_object *objs;
	size_t n, shown = 0;
	int lo = PGT_IRF_BINS, hi = 0;
	double ymax = 1;
	char lab[160], name[128];
	size_t *ord;

	if (!d->exact || !(objs = pgt_stats__objects(d->exact, &n)) || !n) {
		no_data(f, "no pages referenced twice (per-page results off?)");
		return 0;
	}
	ord = malloc(n * sizeof(*ord));
	if (!ord)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		ord[i] = i;
	for (size_t i = 1; i < n; i++) {	/* by references, most first */
		size_t x = ord[i], j = i;

		while (j > 0 && objs[ord[j - 1]].refs < objs[x].refs) {
			ord[j] = ord[j - 1];
			j--;
		}
		ord[j] = x;
	}
	for (size_t k = 0; k < n && k < f->o->top; k++)
		for (int b = 0; b < PGT_IRF_BINS; b++)
			if (objs[ord[k]].irf_hist[b]) {
				lo = b < lo ? b : lo;
				hi = b > hi ? b : hi;
				ymax = (double)objs[ord[k]].irf_hist[b] > ymax ? (double)objs[ord[k]].irf_hist[b] : ymax;
			}
	if (lo > hi) {
		free(ord);
		no_data(f, "no page referenced twice");
		return 0;
	}
	f->xlog = 1;
	f->xlo = pgt_irf_bin_lo((unsigned)lo);
	f->xhi = pgt_irf_bin_lo((unsigned)hi + 1);
	f->ylog = 1;
	f->ylo = 0.8;
	f->yhi = ymax * 1.5;
	for (size_t k = 0; k < n && shown < f->o->top; k++) {
		const struct pgt_stats_object *o = &objs[ord[k]];
		double xs[2 * PGT_IRF_BINS], ys[2 * PGT_IRF_BINS];
		size_t m = 0;

		if (!o->reaccessed)
			continue;
		for (int b = lo; b <= hi; b++) {	/* steps: flat over each bin */
			double v = o->irf_hist[b] ? (double)o->irf_hist[b] : 0.8;

			xs[m] = pgt_irf_bin_lo((unsigned)b);
			ys[m++] = v;
			xs[m] = pgt_irf_bin_lo((unsigned)b + 1);
			ys[m++] = v;
		}
		polyline(f, xs, ys, m, (unsigned)shown, 0);
		snprintf(lab, sizeof(lab), "%s (mean %.3g)", obj_label(d, o->obj, name, sizeof(name)), o->irf_mean);
		legend(f, (unsigned)shown, 0, lab);
		shown++;
	}
	free(ord);
	axes(f, "avg.IRF of a page (1 / references between uses)", "pages", 0, 0);
	return 0;
}

/* ---- phases ---- */

static int draw_phase_rows(struct frame *f, const struct pgt_plot_data *d, const struct pgt_phase_object *all,
			   const size_t *pick, size_t rows, const struct pgt_phase_info *ph, size_t np)
{
	struct pgt_phase_summary sm;
	double strip = 34, gap = 10, rowh;
	char lab[160], name[128];

	pgt_phase__summary(d->phase, &sm);
	f->x0 = 170;
	f->xlo = 0;
	f->xhi = (double)(sm.refs ? sm.refs : 1);
	rowh = rows ? (f->y1 - f->y0 - strip - gap - 16 * 2) / (double)rows : 0;
	if (rowh > 40)
		rowh = 40;
	/* the phase strip: a grey per phase id, never a pattern's colour,
	 * and a white line at each boundary (two phases of one grey stay
	 * two) */
	for (size_t i = 0; i < np; i++) {
		double x0 = map_x(f, (double)ph[i].start_ref), x1 = map_x(f, (double)ph[i].end_ref + 1);
		double g = phase_grey(ph[i].id);

		cairo_set_source_rgb(f->cr, g, g, g);
		cairo_rectangle(f->cr, x0, f->y0, x1 - x0 > 1 ? x1 - x0 : 1, strip);
		cairo_fill(f->cr);
		if (x1 - x0 > 28) {
			snprintf(lab, sizeof(lab), "%s%u", ph[i].recurring ? "=" : "", ph[i].id);
			cairo_set_source_rgb(f->cr, 1, 1, 1);
			text_at(f->cr, (x0 + x1) / 2, f->y0 + strip / 2, lab, 0.5, 0.5);
		}
	}
	cairo_set_source_rgb(f->cr, 1, 1, 1);
	for (size_t i = 1; i < np; i++) {
		double x = floor(map_x(f, (double)ph[i].start_ref));

		cairo_rectangle(f->cr, x - 1, f->y0, 2, strip);
		cairo_fill(f->cr);
	}
	{	/* what a phase window is */
		char num[48];

		group_digits(num, sizeof(num), sm.phase_window);
		snprintf(lab, sizeof(lab), "%zu phase%s, %llu distinct; phase windows of %s references", np,
			 np == 1 ? "" : "s", (unsigned long long)sm.ids, num);
		cairo_set_source_rgb(f->cr, 0.2, 0.2, 0.2);
		text_at(f->cr, f->x0, f->y0 - 6, lab, 0, 0);
	}
	cairo_set_source_rgb(f->cr, 0, 0, 0);
	text_at(f->cr, f->x0 - 6, f->y0 + strip / 2, "phase", 1, 0.5);
	/* one row per object: its segments coloured by pattern */
	for (size_t k = 0; k < rows; k++) {
		double y = f->y0 + strip + gap + rowh * (double)k;

		const struct pgt_phase_object *ob = &all[pick[k]];

		for (size_t s = 0; s < ob->nsegs; s++) {
			const struct pgt_phase_segment *sg = &ob->segs[s];
			double x0 = map_x(f, (double)sg->start_ref), x1 = map_x(f, (double)sg->end_ref + 1);

			set_pattern_color(f->cr, sg->label);
			cairo_rectangle(f->cr, x0, y + 2, x1 - x0 > 1 ? x1 - x0 : 1, rowh - 4);
			cairo_fill(f->cr);
		}
		cairo_set_source_rgb(f->cr, 0, 0, 0);
		text_at(f->cr, f->x0 - 6, y + rowh / 2, obj_label(d, ob->obj, name, sizeof(name)), 1, 0.5);
	}
	/* the pattern legend, in a line under the rows */
	{
		double x = f->x0, y = f->y1 - 6;

		for (unsigned l = 0; l < PGT_PAT_NR; l++) {
			cairo_text_extents_t e;
			const char *nm = pgt_pattern_name(l);

			set_pattern_color(f->cr, l);
			cairo_rectangle(f->cr, x, y - 10, 12, 12);
			cairo_fill(f->cr);
			cairo_set_source_rgb(f->cr, 0, 0, 0);
			cairo_text_extents(f->cr, nm, &e);
			text_at(f->cr, x + 16, y, nm, 0, 0);
			x += 16 + e.x_advance + 14;
		}
	}
	x_axis(f, "references", 0);
	return 0;
}

static int draw_phase(struct frame *f, const struct pgt_plot_data *d)
{
	const struct pgt_phase_info *ph;
	const struct pgt_phase_object *ob;
	size_t np, no, rows, *pick;
	int err;

	if (!d->phase || !(ph = pgt_phase__phases(d->phase, &np)) || !np) {
		no_data(f, "no phases");
		return 0;
	}
	ob = pgt_phase__objects(d->phase, &no);
	rows = no < f->o->top ? no : f->o->top;
	pick = malloc((rows ? rows : 1) * sizeof(*pick));
	if (!pick)
		return -ENOMEM;
	for (size_t k = 0; k < rows; k++) {	/* the most referenced, by selection: rows are few */
		size_t best = SIZE_MAX;

		for (size_t i = 0; i < no; i++) {
			int taken = 0;

			for (size_t j = 0; j < k; j++)
				taken |= pick[j] == i;
			if (!taken && (best == SIZE_MAX || ob[i].refs > ob[best].refs))
				best = i;
		}
		pick[k] = best;
	}
	err = draw_phase_rows(f, d, ob, pick, rows, ph, np);
	free(pick);
	return err;
}

void pgt_plot__cleanup(void)
{
	cairo_debug_reset_static_data();
	FcFini();
}

/* ---- output ---- */

static int write_all(const char *path, const char *buf, size_t len, int force)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0600);
	size_t off = 0;
	struct stat sb;
	int reg;

	if (fd < 0)
		return -errno;
	/* a partial picture is removed, but never a device given with --force */
	reg = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);

		if (w < 0) {
			int e = -errno;

			close(fd);
			if (reg)
				unlink(path);
			return e;
		}
		off += (size_t)w;
	}
	if (close(fd)) {
		int e = -errno;

		if (reg)
			unlink(path);
		return e;
	}
	return 0;
}

/* Two runs' curves, for plot_mrc_pair() (d is NULL then). */
struct pair {
	const struct pgt_stats *const *st;
	const char *const *label;
};

static int render(int kind, const struct pgt_plot_data *d, const struct pair *pair,
		  const struct pgt_plot_opts *oin, const char *path, char **mem, size_t *len)
{
	struct pgt_plot_opts o = *oin;
	struct sink sk = { 0 };
	cairo_surface_t *surf;
	struct frame f;
	cairo_t *cr;
	int err = 0;
	double right = 30;

	if (kind < 0 || kind >= PGT_PLOT_NKINDS)
		return -EINVAL;
	if (!o.width)
		o.width = 1000;
	if (!o.height)
		o.height = 600;
	if (o.width < 200 || o.height < 150 || o.width > 20000 || o.height > 20000)
		return -EINVAL;
	if (!o.top)
		o.top = 8;
	if (!o.page_size)
		o.page_size = 4096;
	if (kind == PGT_PLOT_HEATMAP || kind == PGT_PLOT_FILEHEAT)
		right = 110;
	surf = o.format == PGT_PLOT_SVG
		       ? cairo_svg_surface_create_for_stream(sink_write, &sk, o.width, o.height)
		       : cairo_image_surface_create(CAIRO_FORMAT_ARGB32, o.width, o.height);
	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(surf);
		return -ENOMEM;
	}
	cr = cairo_create(surf);
	frame_begin(&f, cr, &o, kind, right);
	switch (kind) {
	case PGT_PLOT_HEATMAP: err = draw_heatmap(&f, d); break;
	case PGT_PLOT_IRF: err = draw_irf(&f, d); break;
	case PGT_PLOT_REUSE: err = draw_reuse(&f, d); break;
	case PGT_PLOT_MRC: err = pair ? draw_mrc_pair(&f, pair->st, pair->label) : draw_mrc(&f, d); break;
	case PGT_PLOT_WSS: err = draw_wss(&f, d); break;
	case PGT_PLOT_FILEHEAT: err = draw_fileheat(&f, d); break;
	case PGT_PLOT_POPULARITY: err = draw_popularity(&f, d); break;
	case PGT_PLOT_PHASE: err = draw_phase(&f, d); break;
	}
	if (!err && cairo_status(cr) != CAIRO_STATUS_SUCCESS)
		err = cairo_status(cr) == CAIRO_STATUS_NO_MEMORY ? -ENOMEM : -PGT_EPLOT;
	cairo_destroy(cr);
	if (!err && o.format == PGT_PLOT_PNG &&
	    cairo_surface_write_to_png_stream(surf, sink_write, &sk) != CAIRO_STATUS_SUCCESS)
		err = sk.err ? sk.err : -EIO;
	cairo_surface_finish(surf);
	if (!err && cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS)
		err = sk.err ? sk.err : -EIO;
	cairo_surface_destroy(surf);
	if (!err && path)
		err = write_all(path, sk.buf, sk.len, o.force);
	if (!err && !path) {
		*mem = sk.buf;
		*len = sk.len;
		return 0;
	}
	free(sk.buf);
	return err;
}

int pgt_plot__draw(int kind, const struct pgt_plot_data *d, const struct pgt_plot_opts *o, const char *path,
		   char **mem, size_t *len)
{
	return render(kind, d, NULL, o, path, mem, len);
}

int plot_mrc_pair(const struct pgt_stats *const st[2], const char *const label[2], const struct pgt_plot_opts *o,
		  char **mem, size_t *len)
{
	const struct pair pair = { st, label };

	return render(PGT_PLOT_MRC, NULL, &pair, o, NULL, mem, len);
}
