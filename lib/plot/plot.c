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
#include "util/opts.h"
#include "util/util.h"
#include "mrc-pair.h"
#include "plot-int.h"

static const char *const kind_names[PGT_PLOT_NKINDS] = {
	"heatmap", "irf", "reuse", "mrc", "wss", "fileheat", "popularity", "phase",
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

	if (pgt_grow_from((void **)&s->buf, &s->cap, s->len + len, 1, 65536)) {
		s->err = -ENOMEM;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	return CAIRO_STATUS_SUCCESS;
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
		double x0 = plot_map_x(f, (double)ph[i].start_ref), x1 = plot_map_x(f, (double)ph[i].end_ref + 1);
		double g = plot_phase_grey(ph[i].id);

		cairo_set_source_rgb(f->cr, g, g, g);
		cairo_rectangle(f->cr, x0, f->y0, x1 - x0 > 1 ? x1 - x0 : 1, strip);
		cairo_fill(f->cr);
		if (x1 - x0 > 28) {
			snprintf(lab, sizeof(lab), "%s%u", ph[i].recurring ? "=" : "", ph[i].id);
			cairo_set_source_rgb(f->cr, 1, 1, 1);
			plot_text_at(f->cr, (x0 + x1) / 2, f->y0 + strip / 2, lab, 0.5, 0.5);
		}
	}
	cairo_set_source_rgb(f->cr, 1, 1, 1);
	for (size_t i = 1; i < np; i++) {
		double x = floor(plot_map_x(f, (double)ph[i].start_ref));

		cairo_rectangle(f->cr, x - 1, f->y0, 2, strip);
		cairo_fill(f->cr);
	}
	{	/* what a phase window is */
		char num[48];

		plot_group_digits(num, sizeof(num), sm.phase_window);
		snprintf(lab, sizeof(lab), "%zu phase%s, %llu distinct; phase windows of %s references", np,
			 np == 1 ? "" : "s", (unsigned long long)sm.ids, num);
		cairo_set_source_rgb(f->cr, 0.2, 0.2, 0.2);
		plot_text_at(f->cr, f->x0, f->y0 - 6, lab, 0, 0);
	}
	cairo_set_source_rgb(f->cr, 0, 0, 0);
	plot_text_at(f->cr, f->x0 - 6, f->y0 + strip / 2, "phase", 1, 0.5);
	/* one row per object: its segments coloured by pattern */
	for (size_t k = 0; k < rows; k++) {
		double y = f->y0 + strip + gap + rowh * (double)k;

		const struct pgt_phase_object *ob = &all[pick[k]];

		for (size_t s = 0; s < ob->nsegs; s++) {
			const struct pgt_phase_segment *sg = &ob->segs[s];
			double x0 = plot_map_x(f, (double)sg->start_ref), x1 = plot_map_x(f, (double)sg->end_ref + 1);

			plot_set_pattern_color(f->cr, sg->label);
			cairo_rectangle(f->cr, x0, y + 2, x1 - x0 > 1 ? x1 - x0 : 1, rowh - 4);
			cairo_fill(f->cr);
		}
		cairo_set_source_rgb(f->cr, 0, 0, 0);
		plot_text_at(f->cr, f->x0 - 6, y + rowh / 2, plot_obj_label(d, ob->obj, name, sizeof(name)), 1, 0.5);
	}
	/* the pattern legend, in a line under the rows */
	{
		double x = f->x0, y = f->y1 - 6;

		for (unsigned l = 0; l < PGT_PAT_NR; l++) {
			cairo_text_extents_t e;
			const char *nm = pgt_pattern_name(l);

			plot_set_pattern_color(f->cr, l);
			cairo_rectangle(f->cr, x, y - 10, 12, 12);
			cairo_fill(f->cr);
			cairo_set_source_rgb(f->cr, 0, 0, 0);
			cairo_text_extents(f->cr, nm, &e);
			plot_text_at(f->cr, x + 16, y, nm, 0, 0);
			x += 16 + e.x_advance + 14;
		}
	}
	plot_x_axis(f, "references", 0);
	return 0;
}

static int draw_phase(struct frame *f, const struct pgt_plot_data *d)
{
	const struct pgt_phase_info *ph;
	const struct pgt_phase_object *ob;
	size_t np, no, rows, *pick;
	int err;

	if (!d->phase || !(ph = pgt_phase__phases(d->phase, &np)) || !np) {
		plot_no_data(f, "no phases");
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

/* Two runs' curves, for pgt_plot__mrc_pair() (d is NULL then). */
struct pair {
	const struct pgt_stats *const *st;
	const char *const *label;
};

static int render(int kind, const struct pgt_plot_data *d, const struct pair *pair,
		  const struct pgt_plot_opts *oin, const char *path, char **mem, size_t *len)
{
	struct pgt_plot_opts o_, o;
	struct sink sk = { 0 };
	cairo_surface_t *surf;
	struct frame f;
	cairo_t *cr;
	int err = 0;
	double right = 30;

	if (kind < 0 || kind >= PGT_PLOT_NKINDS || !oin || !PGT_OPTS_VALID(oin))
		return -EINVAL;
	o = *PGT_OPTS_FIT(oin, &o_);	/* a shorter struct: defaults for the rest */
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
	plot_frame_begin(&f, cr, &o, kind, right);
	switch (kind) {
	case PGT_PLOT_HEATMAP: err = plot_draw_heatmap(&f, d); break;
	case PGT_PLOT_IRF: err = plot_draw_irf(&f, d); break;
	case PGT_PLOT_REUSE: err = plot_draw_reuse(&f, d); break;
	case PGT_PLOT_MRC: err = pair ? plot_draw_mrc_pair(&f, pair->st, pair->label) : plot_draw_mrc(&f, d); break;
	case PGT_PLOT_WSS: err = plot_draw_wss(&f, d); break;
	case PGT_PLOT_FILEHEAT: err = plot_draw_fileheat(&f, d); break;
	case PGT_PLOT_POPULARITY: err = plot_draw_popularity(&f, d); break;
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

int pgt_plot__mrc_pair(const struct pgt_stats *const st[2], const char *const label[2],
		       const struct pgt_plot_opts *o, char **mem, size_t *len)
{
	const struct pair pair = { st, label };

	return render(PGT_PLOT_MRC, NULL, &pair, o, NULL, mem, len);
}
