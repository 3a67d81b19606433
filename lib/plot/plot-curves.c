// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Charts: curves from stats (MRC single and paired, reuse, WSS,
 * popularity, IRF).
 */
#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot-int.h"
#include "mrc-pair.h"

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

int plot_draw_mrc(struct frame *f, const struct pgt_plot_data *d)
{
	const struct pgt_stats *sets[2] = { d->exact, d->sampled };
	static const char *const names[2] = { "exact LRU", "SHARDS" };
	struct pgt_stats_summary sm;
	double xs[PGT_HIST_BINS + 1], ys[PGT_HIST_BINS + 1];
	char lab[64];

	if (!d->exact) {
		plot_no_data(f, "no statistics");
		return 0;
	}
	pgt_stats__summary(d->exact, &sm);
	if (!sm.refs || !sm.pages) {
		plot_no_data(f, "no page references");
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
		plot_polyline(f, xs, ys, n, (unsigned)k, k == 1);
		if (k == 1) {
			struct pgt_stats_summary ss;

			pgt_stats__summary(sets[k], &ss);
			snprintf(lab, sizeof(lab), "SHARDS, rate %.3g", ss.rate);
			plot_legend(f, 1, 1, lab);
		} else {
			plot_legend(f, 0, 0, names[k]);
		}
	}
	for (size_t k = 0; k < d->policy_n && d->policy_res; k++) {
		const struct pgt_cache_result *r = d->policy_res + k * d->policy_points;
		const char *name = pgt_cache_policy_name(r->policy);
		int opt = name && !strcmp(name, "opt");
		size_t n = 0;

		if (name && !strcmp(name, "lru"))
			continue;	/* the exact LRU curve above */
		for (size_t i = 0; i < d->policy_points && n < PGT_HIST_BINS; i++) {
			xs[n] = (double)r[i].size;
			ys[n++] = r[i].miss_ratio;
		}
		plot_polyline(f, xs, ys, n, (unsigned)(2 + k), opt);
		snprintf(lab, sizeof(lab), "%s%s", name ? name : "?", opt ? " (optimum)" : "");
		plot_legend(f, (unsigned)(2 + k), opt, lab);
	}
	f->xunit = f->o->bytes ? (double)f->o->page_size : 1;
	plot_axes(f, f->o->bytes ? "memory (bytes)" : "memory (pages)", "miss ratio", f->o->bytes, 0);
	return 0;
}

/* The exact curves of two runs: up to the larger footprint, each in its
 * colour (B dashed, so the two read apart in grey too). */
int plot_draw_mrc_pair(struct frame *f, const struct pgt_stats *const st[2], const char *const label[2])
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
		plot_no_data(f, "no page references in either trace");
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
		plot_legend(f, (unsigned)k, k == 1, lab);
		if (!refs[k] || !pages[k])
			continue;
		n = mrc_points(st[k], fp, xs, ys);
		plot_polyline(f, xs, ys, n, (unsigned)k, k == 1);
	}
	f->xunit = f->o->bytes ? (double)f->o->page_size : 1;
	plot_axes(f, f->o->bytes ? "memory (bytes)" : "memory (pages)", "miss ratio (exact LRU)", f->o->bytes, 0);
	return 0;
}

int plot_draw_reuse(struct frame *f, const struct pgt_plot_data *d)
{
	const double *h;
	struct pgt_stats_summary sm;
	double groups[64] = { 0 }, total = 0, cum = 0, xs[65] = { 0 }, ys[65] = { 0 };
	int ng = 0;

	if (!d->exact) {
		plot_no_data(f, "no statistics");
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
		plot_no_data(f, "no re-references");
		return 0;
	}
	f->xlo = 0;
	f->xhi = ng;
	f->ylo = 0;
	f->yhi = 100;
	for (int i = 0; i < ng; i++) {
		double x0 = plot_map_x(f, i + 0.1), x1 = plot_map_x(f, i + 0.9), y = plot_map_y(f, 100 * groups[i] / total);

		plot_set_color(f->cr, 0);
		cairo_rectangle(f->cr, x0, y, x1 - x0, f->y1 - y);
		cairo_fill(f->cr);
		cum += groups[i];
		xs[i] = i + 0.9;
		ys[i] = 100 * cum / (total + (double)sm.cold);
	}
	plot_polyline(f, xs, ys, (size_t)ng, 1, 0);
	plot_frame_box(f);
	for (int i = 0; i < ng; i += ng > 24 ? 4 : ng > 12 ? 2 : 1) {
		char b[32];

		plot_fmt_num(b, sizeof(b), (double)(1ull << i), 0);
		plot_text_at(f->cr, plot_map_x(f, i + 0.5), f->y1 + 19, b, 0.5, 0);
	}
	{
		double t[16];
		int n = plot_ticks(0, 100, 0, t, 16);
		char b[32];

		for (int i = 0; i < n; i++) {
			snprintf(b, sizeof(b), "%g%%", t[i]);
			plot_text_at(f->cr, f->x0 - 8, plot_map_y(f, t[i]), b, 1, 0.5);
		}
	}
	plot_text_at(f->cr, (f->x0 + f->x1) / 2, f->H - 12, "stack distance up to (pages)", 0.5, 0);
	plot_text_up(f->cr, 16, (f->y0 + f->y1) / 2, "share of re-references; line: hit ratio (CDF)");
	plot_legend(f, 0, 0, "re-references per bin");
	plot_legend(f, 1, 0, "cumulative (hit ratio)");
	return 0;
}

int plot_draw_wss(struct frame *f, const struct pgt_plot_data *d)
{
	const struct pgt_wss_window *w;
	struct pgt_stats_summary sm;
	double *xs, *ys, ymax = 1;
	size_t n;

	if (!d->exact || !(w = pgt_stats__windows(d->exact, &n)) || !n) {
		plot_no_data(f, "no windows");
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
	plot_polyline(f, xs, ys, n, 0, 0);
	plot_axes(f, "time (s)", "distinct pages per window", 0, 0);
	free(xs);
	{	/* what a point is: the window, as pgtrace stats --window takes it */
		char lab[160], num[48];

		if (d->wss_window_ns)
			snprintf(num, sizeof(num), "%g ms", (double)d->wss_window_ns / 1e6);
		else
			plot_group_digits(num, sizeof(num), d->wss_window);
		snprintf(lab, sizeof(lab), "working set per window of %s%s (%zu windows)", num,
			 d->wss_window_ns ? "" : d->wss_window == 1 ? " reference" : " references", n);
		cairo_set_source_rgb(f->cr, 0.2, 0.2, 0.2);
		plot_text_at(f->cr, f->x0, f->y0 - 6, lab, 0, 0);
	}
	return 0;
}

int plot_draw_popularity(struct frame *f, const struct pgt_plot_data *d)
{
	struct pgt_stats_summary sm;
	double xs[512], ys[512];
	size_t n = 0;
	char lab[96];

	if (!d->exact) {
		plot_no_data(f, "no statistics");
		return 0;
	}
	pgt_stats__summary(d->exact, &sm);
	if (!pgt_stats__rank_freq(d->exact, 1)) {
		plot_no_data(f, "no per-page counts");
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
	plot_polyline(f, xs, ys, n, 0, 0);
	plot_legend(f, 0, 0, "references of the page of each rank");
	if (sm.zipf_alpha > 0) {
		double fx[2] = { (double)sm.zipf_lo, (double)sm.zipf_hi };
		double c = (double)pgt_stats__rank_freq(d->exact, sm.zipf_lo) * pow((double)sm.zipf_lo, sm.zipf_alpha);
		double fy[2] = { c / pow(fx[0], sm.zipf_alpha), c / pow(fx[1], sm.zipf_alpha) };

		plot_polyline(f, fx, fy, 2, 3, 1);
		snprintf(lab, sizeof(lab), "Zipf fit: alpha %.3f, R^2 %.3f", sm.zipf_alpha, sm.zipf_r2);
		plot_legend(f, 3, 1, lab);
	}
	plot_axes(f, "rank", "references", 0, 0);
	return 0;
}

int plot_draw_irf(struct frame *f, const struct pgt_plot_data *d)
{
	const struct pgt_stats_object *objs;
	size_t n, shown = 0;
	int lo = PGT_IRF_BINS, hi = 0;
	double ymax = 1;
	char lab[160], name[128];
	size_t *ord;

	if (!d->exact || !(objs = pgt_stats__objects(d->exact, &n)) || !n) {
		plot_no_data(f, "no pages referenced twice (per-page results off?)");
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
		plot_no_data(f, "no page referenced twice");
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
		plot_polyline(f, xs, ys, m, (unsigned)shown, 0);
		snprintf(lab, sizeof(lab), "%s (mean %.3g)", plot_obj_label(d, o->obj, name, sizeof(name)), o->irf_mean);
		plot_legend(f, (unsigned)shown, 0, lab);
		shown++;
	}
	free(ord);
	plot_axes(f, "avg.IRF of a page (1 / references between uses)", "pages", 0, 0);
	return 0;
}
