// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pgtrace report: one self-contained HTML page of a trace: summary,
 * every chart (as data: URLs, so the page opens offline and the charts'
 * SVG ids cannot clash), the top objects, patterns and phases.  No
 * script.  Every string from the trace goes through out_html_str().
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builtin.h"
#include "compare.h"
#include "pictures.h"
#include "plot/mrc-pair.h"
#include "util/util.h"

static void report_usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace report [OPTIONS] -o report.html TRACE|-\n"
		"   or: pgtrace report [OPTIONS] -o report.html A B\n"
		"\n"
		"Write one self-contained HTML page about a trace: a summary, every chart\n"
		"of pgtrace plot, the top objects with their access patterns, and the\n"
		"phases.  The page has no script and loads nothing: open it offline.\n"
		"\n"
		"Given two traces, the page compares the runs: both headers and summaries\n"
		"side by side, the comparison of pgtrace diff A B (its total, and the files\n"
		"and processes that changed most, with A, B and B - A), and every chart of\n"
		"both runs.  Each of two traces is read twice, so neither may be '-'.\n"
		"\n"
		"Options:\n"
		"  -o, --output FILE     the page (- for standard output)\n"
		"      --top N           objects in tables and charts, rows of the\n"
		"                        comparison's tables before the fold (default 10)\n"
		"      --refs LIST       event types that count (see pgtrace stats)\n"
		"      --space file|pfn  pages by file (default) or physical frame\n"
		"      --title TEXT      the page's title (default: the trace's name)\n"
		"      --window N|TIME   working-set windows of N references (50K) or of a\n"
		"                        duration (250ms), as pgtrace stats --window\n"
		"                        (default: the phase window)\n"
		"      --phase-window N  references per phase window (default: the trace's\n"
		"                        events / 50, 2000 to 100000; as pgtrace phase)\n"
		"  -f, --force           overwrite FILE\n"
		"  -h, --help            show this help\n"
		"\n"
		"Examples:\n"
		"  pgtrace report -o report.html run.pgt\n"
		"  pgtrace record -o - -- make | pgtrace report -o build.html -\n"
		"  pgtrace report -o cold-warm.html cold.pgt warm.pgt\n"
		"\n"
		"Exit status: 0 on success, 1 when the trace is damaged (the page shows\n"
		"what was read; of two traces, no page is left) or the page cannot be\n"
		"written, 2 on usage errors.\n");
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void out_base64(struct out *o, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
			      i + 2 < n ? b64[v & 63] : '=' };

		out_mem(o, q, 4);
	}
}

static const char *const style =
	"body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;"
	"color:#222}.warn{background:#fff3cd;border:1px solid #e0c36c;padding:6px 10px}"
	"h1{margin-bottom:4px}h2{border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}"
	".sub{color:#555;margin-top:0}table{border-collapse:collapse;margin:8px 0}"
	"td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}"
	"th{background:#f2f2f2}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"img{max-width:100%;height:auto;border:1px solid #eee}"
	".path{font-family:'DejaVu Sans Mono',monospace;word-break:break-all}"
	"details{margin:0 0 8px}summary{cursor:pointer;color:#1f4e99}"
	"footer{margin-top:40px;color:#777;font-size:small}";

struct ctx {
	struct out *w;
	struct pictures *p;
	struct pgt_plot_opts po;
	size_t top;
	int failed;
	const char *sfx;	/* ids of a run's parts: "" alone, "-a" or "-b" of two */
};

/* The <img> of a chart drawn (err 0) into @mem, which it frees, or why
 * the chart is missing. */
static void chart_out(struct ctx *c, int err, int kind, const char *id_sfx, const struct pgt_plot_opts *po,
		      const char *alt, char *mem, size_t len)
{
	if (err) {
		out_printf(c->w, "<p>This chart could not be drawn: %s.</p>\n", pgt_strerror(err));
		cli_error("cannot draw the %s chart: %s", pgt_plot_kind_name(kind), pgt_strerror(err));
		c->failed = 1;
		return;
	}
	out_printf(c->w, "<img id=\"img-%s%s\" alt=\"", pgt_plot_kind_name(kind), id_sfx);
	out_html_str(c->w, alt);
	out_printf(c->w, "\" width=\"%d\" height=\"%d\" src=\"data:image/%s;base64,", po->width, po->height,
		   po->format == PGT_PLOT_SVG ? "svg+xml" : "png");
	out_base64(c->w, (const unsigned char *)mem, len);
	out_str(c->w, "\">\n");
	free(mem);
}

/* The <img> of chart @kind of c's trace, or why it is missing. */
static void chart_img(struct ctx *c, int kind, int fmt, const char *alt)
{
	struct pgt_plot_opts po = c->po;
	char *mem = NULL;
	size_t len = 0;
	int err;

	po.format = fmt;
	err = pgt_plot__draw(kind, &c->p->d, &po, NULL, &mem, &len);
	chart_out(c, err, kind, c->sfx, &po, alt, mem, len);
}

static void chart(struct ctx *c, int kind, int fmt, const char *title, const char *alt)
{
	out_printf(c->w, "<h2 id=\"%s\">", pgt_plot_kind_name(kind));
	out_html_str(c->w, title);
	out_str(c->w, "</h2>\n");
	chart_img(c, kind, fmt, alt);
}

static const char *obj_path(struct pgt_meta *m, uint32_t obj)
{
	const struct pgt_object *o = m ? pgt_meta__object(m, obj) : NULL;

	return o && o->path && *o->path ? o->path : "?";
}

static void row_num(struct out *w, const char *k, const char *fmt, double v)
{
	out_str(w, "<tr><th>");
	out_str(w, k);
	out_str(w, "</th><td class=\"n\">");
	out_printf(w, fmt, v);
	out_str(w, "</td></tr>\n");
}

/*
 * Long tables are folded: the first c->top rows in the table, the rest
 * (up to FOLD_MAX) in a second table inside <details>, shown by a click
 * and without a script.  A table cannot hold <details>, so the fold
 * closes the first table and opens the second with the same head.
 */
#define FOLD_MAX 2000

static void fold_row(struct ctx *c, size_t i, size_t n, const char *head)
{
	if (i != c->top || n <= c->top)
		return;
	out_printf(c->w, "</table>\n<details><summary>%zu more rows</summary>\n<table>\n%s",
		   (n < FOLD_MAX ? n : FOLD_MAX) - c->top, head);
}

static void fold_end(struct ctx *c, size_t n)
{
	out_str(c->w, n > c->top ? "</table>\n</details>\n" : "</table>\n");
	if (n > FOLD_MAX)
		out_printf(c->w, "<p>%zu more rows not shown.</p>\n", n - FOLD_MAX);
}

static void row_text(struct out *w, const char *k, const char *v)
{
	out_str(w, "<tr><th>");
	out_str(w, k);
	out_str(w, "</th><td>");
	out_html_str(w, v);
	out_str(w, "</td></tr>\n");
}

/* "2026-12-07 11:22:33.123456 UTC" */
static void wall_time(char *b, size_t len, int64_t ns)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	char d[40];

	if (!gmtime_r(&t, &tm) || !strftime(d, sizeof(d), "%Y-%m-%d %H:%M:%S", &tm)) {
		snprintf(b, len, "?");
		return;
	}
	snprintf(b, len, "%s.%06lld UTC", d, (long long)(ns % 1000000000 / 1000));
}

/*
 * What the trace says of itself: the command it recorded (record's
 * record.command, or the generator or import), host and kernel, when it
 * started in wall-clock time (the trace's clock, its value at the start,
 * and the offset to wall time the header carries), the detail level
 * (record.level at the start, the level changes, and the levels the
 * events carry) and the lost events.
 */
static void header(struct ctx *c)
{
	struct out *w = c->w;
	struct pgt_meta *m = c->p->d.meta;
	const struct pgt_header *h = pgt_reader__header(c->p->r);
	const char *cmd = pgt_meta__info(m, "record.command"), *gen = pgt_meta__info(m, "generator");
	const char *imp = pgt_meta__info(m, "import"), *lvl = pgt_meta__info(m, "record.level");
	uint64_t start = h->start_ts;
	char b[256], t[64];

	out_printf(w, "<table id=\"trace%s\">\n", c->sfx);
	if (cmd) {
		row_text(w, "command", cmd);
	} else if (gen) {
		snprintf(b, sizeof(b), "pgtrace gen (%s)", gen);
		row_text(w, "command", b);
	} else if (imp) {
		snprintf(b, sizeof(b), "pgtrace import (%s)", imp);
		row_text(w, "command", b);
	} else {
		out_str(w, "<tr><th>command</th><td>not recorded in the trace (the whole system, or "
			   "another source)</td></tr>\n");
	}
	row_text(w, "host", h->host[0] ? h->host : "not known");
	row_text(w, "kernel", h->kernel[0] ? h->kernel : "not known");
	if (!start && c->p->exact) {
		struct pgt_stats_summary sm;

		pgt_stats__summary(c->p->exact, &sm);
		start = sm.first_ts;
	}
	out_printf(w, "<tr><th>started</th><td>");
	if (h->clock == PGT_CLOCK_REALTIME) {
		wall_time(t, sizeof(t), (int64_t)start);
		out_printf(w, "%s (the trace's clock is the wall clock)", t);
	} else if (h->wall_offset && h->clock != PGT_CLOCK_SYNTHETIC) {
		wall_time(t, sizeof(t), (int64_t)start + h->wall_offset);
		out_printf(w, "%s: %s clock %.6f s, wall clock = %s clock + %.6f s", t, pgt_clock_name(h->clock),
			   (double)start / 1e9, pgt_clock_name(h->clock), (double)h->wall_offset / 1e9);
	} else {
		out_printf(w, "no wall time: %s clock %.6f s%s", pgt_clock_name(h->clock), (double)start / 1e9,
			   h->clock == PGT_CLOCK_SYNTHETIC ? " (generated)" : ", offset to wall time not known");
	}
	out_str(w, "</td></tr>\n<tr><th>detail level</th><td>");
	if (lvl)
		out_printf(w, "%s at the start (record --level)", lvl);
	else
		out_str(w, "not recorded");
	if (pgt_meta__nr_level_changes(m) > 1)
		out_printf(w, ", %u level changes", pgt_meta__nr_level_changes(m) - 1);
	if (c->p->levels) {
		int first = 1;

		out_str(w, "; events of level ");
		for (unsigned l = 0; l < 4; l++)
			if (c->p->levels & (1u << l)) {
				out_printf(w, "%s%u", first ? "" : ", ", l);
				first = 0;
			}
	}
	out_printf(w, "</td></tr>\n<tr><th>lost events</th><td class=\"n\">%llu</td></tr>\n",
		   (unsigned long long)pgt_meta__lost_total(m));
	/* what the references cannot show, next to what they show */
	for (unsigned bit = 1; bit < PGT_CAVEAT_LAST; bit <<= 1)
		if (c->p->caveats & bit)
			row_text(w, "note", pgt_refs_caveat_text(bit));
	out_str(w, "</table>\n");
}

/* The trace's name, host, kernel and recorder, in one line. */
static void sub_line(struct ctx *c, const char *path)
{
	struct out *w = c->w;
	struct pgt_meta *m = c->p->d.meta;
	const char *host = pgt_meta__info(m, "hostname"), *kern = pgt_meta__info(m, "kernel");
	const char *rec = pgt_meta__info(m, "recorder"), *gen = pgt_meta__info(m, "generator");

	out_str(w, "<p class=\"sub\">");
	out_html_str(w, path);
	if (host) {
		out_str(w, " &middot; host ");
		out_html_str(w, host);
	}
	if (kern) {
		out_str(w, " &middot; kernel ");
		out_html_str(w, kern);
	}
	if (rec || gen) {
		out_str(w, " &middot; ");
		out_html_str(w, rec ? rec : gen);
	}
	out_str(w, "</p>\n");
}

/* The simulated policies at every other size of their grid: what the
 * miss-ratio chart draws, in numbers (pgtrace cache gives the same). */
static void policy_table(struct ctx *c)
{
	const struct pgt_plot_data *d = &c->p->d;
	struct out *w = c->w;
	char hb[32];

	if (!d->policy_res || !d->policy_points)
		return;
	out_str(w, "<h2 id=\"policies\">Miss ratio by policy</h2>\n");
	if (c->p->policy_rate < 1)
		out_printf(w, "<p>Miniature simulation: pages sampled at rate %.3g, caches scaled by it "
			      "(pgtrace cache --sample).</p>\n", c->p->policy_rate);
	out_str(w, "<table id=\"policy-table\">\n<tr><th>pages</th><th>memory</th>");
	for (size_t k = 0; k < d->policy_n; k++)
		out_printf(w, "<th>%s</th>", pgt_cache_policy_name(d->policy_res[k * d->policy_points].policy));
	out_str(w, "</tr>\n");
	for (size_t i = 0; i < d->policy_points; i++) {
		if (i % 4 && i + 1 != d->policy_points)
			continue;
		out_printf(w, "<tr><td class=\"n\">%llu</td><td class=\"n\">%s</td>",
			   (unsigned long long)d->policy_res[i].size,
			   cli_human_size(d->policy_res[i].size * c->p->page_size, hb, sizeof(hb)));
		for (size_t k = 0; k < d->policy_n; k++)
			out_printf(w, "<td class=\"n\">%.4f</td>", d->policy_res[k * d->policy_points + i].miss_ratio);
		out_str(w, "</tr>\n");
	}
	out_str(w, "</table>\n");
}

/* The summary numbers: a section of the page alone, of a run's column
 * when there are two. */
static void summary_table(struct ctx *c)
{
	struct out *w = c->w;
	struct pgt_stats_summary sm;
	char hb[32];

	pgt_stats__summary(c->p->exact, &sm);
	if (*c->sfx)
		out_printf(w, "<h3 id=\"summary%s\">Summary</h3>\n<table>\n", c->sfx);
	else
		out_str(w, "<h2 id=\"summary\">Summary</h2>\n<table>\n");
	row_num(w, "events", "%.0f", (double)c->p->events);
	row_num(w, "page references", "%.0f", (double)sm.refs);
	row_num(w, "distinct pages", "%.0f", (double)sm.pages);
	out_printf(w, "<tr><th>footprint</th><td class=\"n\">%s</td></tr>\n",
		   cli_human_size(sm.pages * c->p->page_size, hb, sizeof(hb)));
	if (sm.last_ts >= sm.first_ts && sm.refs)
		row_num(w, "span (s)", "%.3f", (double)(sm.last_ts - sm.first_ts) / 1e9);
	row_num(w, "re-references (%)", "%.2f", sm.refs ? 100.0 * (double)(sm.refs - sm.cold) / (double)sm.refs : 0);
	row_num(w, "mean LRU stack distance (pages)", "%.1f", sm.mean_distance);
	row_num(w, "mean reuse time (references)", "%.1f", sm.mean_reuse);
	for (int q = 1; q <= 3; q++) {
		char k[64];

		snprintf(k, sizeof(k), "LRU miss ratio, memory of %d%% of the footprint", q * 25);
		row_num(w, k, "%.4f", pgt_stats__miss_ratio(c->p->exact, sm.pages * (uint64_t)q / 4));
	}
	row_num(w, "avg.IRF (1/references), mean over pages used twice", "%.3g", sm.irf_mean);
	if (c->p->window_ns)
		row_num(w, "working-set window (ms)", "%g", (double)c->p->window_ns / 1e6);
	else
		row_num(w, "working-set window (references)", "%.0f", (double)c->p->window);
	{	/* the windows of the chart: pgtrace stats --window gives the same */
		size_t nw;
		const struct pgt_wss_window *ww = pgt_stats__windows(c->p->exact, &nw);
		uint64_t lo = UINT64_MAX, hi = 0;
		double sum = 0;

		for (size_t i = 0; i < nw; i++) {
			lo = ww[i].pages < lo ? ww[i].pages : lo;
			hi = ww[i].pages > hi ? ww[i].pages : hi;
			sum += (double)ww[i].pages;
		}
		if (nw) {
			row_num(w, "working-set windows", "%.0f", (double)nw);
			row_num(w, "working set per window, least (pages)", "%.0f", (double)lo);
			row_num(w, "working set per window, mean (pages)", "%.1f", sum / (double)nw);
			row_num(w, "working set per window, most (pages)", "%.0f", (double)hi);
		}
	}
	if (sm.zipf_alpha > 0)
		row_num(w, "Zipf alpha of the head", "%.3f", sm.zipf_alpha);
	if (c->p->phase) {
		struct pgt_phase_summary ps;

		pgt_phase__summary(c->p->phase, &ps);
		row_num(w, "phases (distinct)", "%.0f", (double)ps.phases);
		row_num(w, "kinds of phase", "%.0f", (double)ps.ids);
		row_num(w, "phase window (references)", "%.0f", (double)ps.phase_window);
	}
	out_str(w, "</table>\n");
}

static void summary(struct ctx *c, const char *path, const char *title)
{
	out_str(c->w, "<h1>");
	out_html_str(c->w, title);
	out_str(c->w, "</h1>\n");
	sub_line(c, path);
	header(c);
	summary_table(c);
}

static const struct pgt_phase_object *phase_obj(struct ctx *c, uint32_t obj)
{
	size_t n;
	const struct pgt_phase_object *o = c->p->phase ? pgt_phase__objects(c->p->phase, &n) : NULL;

	for (size_t i = 0; o && i < n; i++)
		if (o[i].obj == obj)
			return &o[i];
	return NULL;
}

static void segment_params(struct out *w, const struct pgt_phase_segment *s)
{
	if (s->label == PGT_PAT_STRIDED)
		out_printf(w, "stride %lld", (long long)s->stride);
	else if (s->label == PGT_PAT_LOOPING)
		out_printf(w, "period %llu pages", (unsigned long long)s->period);
	else if (s->label == PGT_PAT_HOT_SET)
		out_printf(w, "share %.2f, alpha %.2f", s->hot_share, s->alpha);
	if (s->sub)
		out_printf(w, "%s%s", s->label == PGT_PAT_STRIDED || s->label == PGT_PAT_LOOPING ||
				      s->label == PGT_PAT_HOT_SET ? ", " : "", pgt_pattern_sub_name(s->sub));
}

static int cmp_refs(const void *a, const void *b)
{
	const struct pgt_stats_object *x = *(const struct pgt_stats_object *const *)a;
	const struct pgt_stats_object *y = *(const struct pgt_stats_object *const *)b;

	return x->refs > y->refs ? -1 : x->refs < y->refs;
}

static void objects(struct ctx *c)
{
	struct out *w = c->w;
	size_t n;
	const struct pgt_stats_object *o = pgt_stats__objects(c->p->exact, &n);
	const struct pgt_stats_object **v = (const struct pgt_stats_object **)cli_sorted_ptrs(o, &n, sizeof(*o), cmp_refs);
	char hb[32];

	static const char head[] = "<tr><th>object</th><th>references</th><th>pages</th><th>footprint</th>"
				   "<th>used twice or more</th><th>avg.IRF</th><th>main pattern</th></tr>\n";

	out_printf(w, "<h2 id=\"objects\">Top objects</h2>\n<table>\n%s", head);
	for (size_t i = 0; v && i < n && i < FOLD_MAX; i++) {
		const struct pgt_phase_object *po = phase_obj(c, v[i]->obj);

		fold_row(c, i, n, head);
		out_str(w, "<tr><td class=\"path\">");
		out_html_str(w, obj_path(c->p->d.meta, v[i]->obj));
		out_printf(w, "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">%s</td>"
			   "<td class=\"n\">%llu</td><td class=\"n\">%.3g</td><td>%s</td></tr>\n",
			   (unsigned long long)v[i]->refs, (unsigned long long)v[i]->pages,
			   cli_human_size(v[i]->pages * c->p->page_size, hb, sizeof(hb)),
			   (unsigned long long)v[i]->reaccessed, v[i]->irf_mean,
			   po ? pgt_pattern_name(po->label) : "");
	}
	fold_end(c, v ? n : 0);
	free(v);
}

static int cmp_adds(const void *a, const void *b)
{
	const struct pict_cache *x = *(const struct pict_cache *const *)a, *y = *(const struct pict_cache *const *)b;

	return x->add_pages != y->add_pages ? (x->add_pages > y->add_pages ? -1 : 1) : (x->obj > y->obj) - (x->obj < y->obj);
}

static int cmp_dels(const void *a, const void *b)
{
	const struct pict_cache *x = *(const struct pict_cache *const *)a, *y = *(const struct pict_cache *const *)b;

	return x->del_pages != y->del_pages ? (x->del_pages > y->del_pages ? -1 : 1) : (x->obj > y->obj) - (x->obj < y->obj);
}

/* Files by pages inserted into the page cache (add events: misses) or
 * removed from it (delete events: evictions), whatever --refs says. */
static void cache_table(struct ctx *c, int dels)
{
	struct out *w = c->w;
	size_t n = c->p->ncache, k = 0;
	const struct pict_cache **v = n ? (const struct pict_cache **)cli_sorted_ptrs(c->p->cache, &n,
						sizeof(*c->p->cache), dels ? cmp_dels : cmp_adds) : NULL;
	const char *head = dels ? "<tr><th>file</th><th>pages evicted</th><th>delete events</th>"
				  "<th>bytes</th></tr>\n"
				: "<tr><th>file</th><th>pages inserted</th><th>add events</th><th>bytes</th></tr>\n";
	char hb[32];

	out_printf(w, "<h2 id=\"%s\">%s</h2>\n", dels ? "evictions" : "insertions",
		   dels ? "Files by evictions (delete events)" : "Files by insertions (add events)");
	for (size_t i = 0; i < n; i++)
		k += (dels ? v[i]->del_pages : v[i]->add_pages) != 0;
	if (!k) {
		out_printf(w, "<p>No %s events in the trace%s.</p>\n", dels ? "delete" : "add",
			   pgt_meta__info(c->p->d.meta, "record.level") ? "" : " (a recording has them at every level)");
		free(v);
		return;
	}
	out_printf(w, "<table>\n%s", head);
	for (size_t i = 0; i < k && i < FOLD_MAX; i++) {
		uint64_t pages = dels ? v[i]->del_pages : v[i]->add_pages;

		fold_row(c, i, k, head);
		out_str(w, "<tr><td class=\"path\">");
		out_html_str(w, obj_path(c->p->d.meta, v[i]->obj));
		out_printf(w, "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">%s</td></tr>\n",
			   (unsigned long long)pages, (unsigned long long)(dels ? v[i]->dels : v[i]->adds),
			   cli_human_size(pages * c->p->page_size, hb, sizeof(hb)));
	}
	fold_end(c, k);
	free(v);
}

static void patterns(struct ctx *c)
{
	struct out *w = c->w;
	size_t n, shown = 0;
	const struct pgt_phase_object *o = c->p->phase ? pgt_phase__objects(c->p->phase, &n) : NULL;
	static const char head[] = "<tr><th>object</th><th>references</th><th>pattern</th><th>details</th>"
				   "<th>references (first..last)</th></tr>\n";

	out_str(w, "<h2 id=\"patterns\">Access patterns</h2>\n");
	if (!o || !n) {
		out_str(w, "<p>No object had references enough to classify.</p>\n");
		return;
	}
	out_printf(w, "<table>\n%s", head);
	for (size_t i = 0; i < n && shown < FOLD_MAX; i++, shown++) {
		fold_row(c, i, n, head);
		for (size_t s = 0; s < o[i].nsegs && s < 12; s++) {
			const struct pgt_phase_segment *sg = &o[i].segs[s];

			out_str(w, "<tr><td class=\"path\">");
			if (!s)
				out_html_str(w, obj_path(c->p->d.meta, o[i].obj));
			out_printf(w, "</td><td class=\"n\">%llu</td><td>%s</td><td>", (unsigned long long)sg->refs,
				   pgt_pattern_name(sg->label));
			segment_params(w, sg);
			out_printf(w, "</td><td class=\"n\">%llu..%llu</td></tr>\n",
				   (unsigned long long)sg->start_ref, (unsigned long long)sg->end_ref);
		}
		if (o[i].nsegs > 12)
			out_printf(w, "<tr><td></td><td colspan=\"4\">and %zu more segments</td></tr>\n",
				   o[i].nsegs - 12);
	}
	fold_end(c, n);
}

static void phases(struct ctx *c)
{
	struct out *w = c->w;
	size_t n;
	const struct pgt_phase_info *ph = c->p->phase ? pgt_phase__phases(c->p->phase, &n) : NULL;
	static const char head[] = "<tr><th>phase</th><th>from (s)</th><th>to (s)</th>"
				   "<th>references (first..last)</th><th>references</th>"
				   "<th>working set (pages)</th><th>main objects</th></tr>\n";

	out_str(w, "<h2 id=\"phases\">Phases</h2>\n");
	if (!ph || !n) {
		out_str(w, "<p>No phases.</p>\n");
		return;
	}
	{
		struct pgt_phase_summary ps;

		pgt_phase__summary(c->p->phase, &ps);
		out_printf(w, "<p id=\"phase-count\">%zu phase%s, %llu distinct, in phase windows of %llu references "
			   "(as pgtrace phase cuts this trace; --phase-window changes it in both).</p>\n", n,
			   n == 1 ? "" : "s", (unsigned long long)ps.ids, (unsigned long long)ps.phase_window);
	}
	out_printf(w, "<table id=\"phase-table\">\n%s", head);
	for (size_t i = 0; i < n && i < FOLD_MAX; i++) {
		uint64_t t0 = ph[0].start_ts;

		fold_row(c, i, n, head);
		out_printf(w, "<tr><td>%u%s</td><td class=\"n\">%.3f</td><td class=\"n\">%.3f</td>"
			   "<td class=\"n\">%llu..%llu</td><td class=\"n\">%llu</td><td class=\"n\">%.0f</td><td>",
			   ph[i].id, ph[i].recurring ? " (again)" : "", (double)(ph[i].start_ts - t0) / 1e9,
			   (double)(ph[i].end_ts - t0) / 1e9, (unsigned long long)ph[i].start_ref,
			   (unsigned long long)ph[i].end_ref, (unsigned long long)ph[i].refs, ph[i].wss);
		for (uint32_t k = 0; k < ph[i].nparts; k++) {
			out_str(w, k ? "<br><span class=\"path\">" : "<span class=\"path\">");
			out_html_str(w, obj_path(c->p->d.meta, ph[i].parts[k].obj));
			out_printf(w, "</span> %.0f%% %s", 100 * ph[i].parts[k].share,
				   pgt_pattern_name(ph[i].parts[k].label));
		}
		out_str(w, "</td></tr>\n");
	}
	fold_end(c, n);
}

static const char *const style_two =
	".runs{display:flex;gap:16px;align-items:flex-start}.run{flex:1 1 0;min-width:0;margin:0}"
	"h3{margin-bottom:4px}figcaption{color:#555;font-size:small}";

static void page_head(struct out *w, const char *title, const char *more_style)
{
	out_str(w, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		   "img-src data:; style-src 'unsafe-inline'\">\n<title>pgtrace report: ");
	out_html_str(w, title);
	out_printf(w, "</title>\n<style>%s%s</style></head><body>\n", style, more_style);
}

static void page_foot(struct out *w)
{
	out_printf(w, "<footer>pgtrace %s &middot; charts are images in the page; nothing is loaded "
		   "from elsewhere</footer>\n</body></html>\n", PGT_VERSION_STRING);
}

/* The charts in page order; the working set's title (NULL) names its window. */
static const struct chart_kind {
	int kind, fmt;
	const char *title, *alt;
} chart_kinds[] = {
	{ PGT_PLOT_HEATMAP, PGT_PLOT_PNG, "Address versus time",
	  "heatmap of page references by time and page, per object" },
	{ PGT_PLOT_FILEHEAT, PGT_PLOT_PNG, "Per-file heat", "references per file over time" },
	{ PGT_PLOT_MRC, PGT_PLOT_SVG, "Miss-ratio curves",
	  "miss ratio by memory size: exact LRU, SHARDS, and the simulated Linux page cache model and OPT" },
	{ PGT_PLOT_REUSE, PGT_PLOT_SVG, "Reuse distance", "stack distance histogram and CDF" },
	{ PGT_PLOT_WSS, PGT_PLOT_SVG, NULL, "distinct pages per window" },
	{ PGT_PLOT_IRF, PGT_PLOT_SVG, "avg.IRF", "avg.IRF histogram per object" },
	{ PGT_PLOT_POPULARITY, PGT_PLOT_SVG, "Popularity", "references by rank" },
	{ PGT_PLOT_PHASE, PGT_PLOT_SVG, "Phases", "phase strip and patterns per object" },
};

static void wss_title(const struct pictures *p, const char *pre, const char *post, char *b, size_t len)
{
	if (p->window_ns)
		snprintf(b, len, "%swindows of %g ms%s", pre, (double)p->window_ns / 1e6, post);
	else
		snprintf(b, len, "%swindows of %llu references%s", pre, (unsigned long long)p->window, post);
}

/* ---- two traces ---- */

/* One run's column: its name, header and summary. */
static void run_column(struct ctx *c, const char *which, const char *path)
{
	out_printf(c->w, "<div class=\"run\">\n<h3 id=\"run%s\">%s: <span class=\"path\">", c->sfx, which);
	out_html_str(c->w, path);
	out_str(c->w, "</span></h3>\n");
	sub_line(c, path);
	header(c);
	summary_table(c);
	out_str(c->w, "</div>\n");
}

static void cmp_cell_count(struct out *w, uint64_t v, int present)
{
	if (present)
		out_printf(w, "<td class=\"n\">%llu</td>", (unsigned long long)v);
	else
		out_str(w, "<td class=\"n\">-</td>");
}

static void cmp_cell_ratio(struct out *w, double v, const char *fmt)
{
	if (v < 0) {
		out_str(w, "<td class=\"n\">-</td>");
		return;
	}
	out_str(w, "<td class=\"n\">");
	out_printf(w, fmt, v);
	out_str(w, "</td>");
}

static void total_count(struct out *w, const char *name, uint64_t a, uint64_t b)
{
	out_printf(w, "<tr><th>%s</th>", name);
	cmp_cell_count(w, a, 1);
	cmp_cell_count(w, b, 1);
	out_printf(w, "<td class=\"n\">%+lld</td>", (long long)(b - a));
	cmp_cell_ratio(w, a ? (double)b / (double)a : -1, "%.3f");
	out_str(w, "</tr>\n");
}

static void total_ratio(struct out *w, const char *name, double a, double b)
{
	out_printf(w, "<tr><th>%s</th>", name);
	cmp_cell_ratio(w, a, "%.4f");
	cmp_cell_ratio(w, b, "%.4f");
	if (a < 0 || b < 0)
		out_str(w, "<td class=\"n\">-</td>");
	else
		out_printf(w, "<td class=\"n\">%+.4f</td>", b - a);
	out_str(w, "<td></td></tr>\n");
}

/* pgtrace diff's total, as a table: the counts, the hit ratio, the curve. */
static void cmp_total(struct ctx *c, const struct compare *d)
{
	struct out *w = c->w;
	const struct cmp_row *r = compare_total(d);
	uint64_t sizes[80];
	size_t ns = compare_sizes(d, r, sizes, PGT_ARRAY_SIZE(sizes));

	out_str(w, "<h2 id=\"comparison\">Comparison</h2>\n<p>As <code>pgtrace diff A B</code> computes it: "
		   "references, insertions (add events: misses), evictions (delete events) and distinct "
		   "pages of the two runs, ");
	out_str(w, d->has_ins ? "the hit ratio (1 &minus; insertions / references) " :
				"no hit ratio (neither trace has add events) ");
	out_str(w, "and LRU miss ratios at memory sizes in pages.  Files are matched by path, processes "
		   "by command name and executable.</p>\n");
	out_printf(w, "<table id=\"cmp-total\">\n<tr><th>all</th><th>A</th><th>B</th><th>B &minus; A</th>"
		   "<th>B / A</th></tr>\n<tr><th>events</th><td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
		   "<td class=\"n\">%+lld</td><td></td></tr>\n", (unsigned long long)d->events[0],
		   (unsigned long long)d->events[1], (long long)(d->events[1] - d->events[0]));
	total_count(w, "references", r->refs[0], r->refs[1]);
	total_count(w, "insertions", r->s[0].ins, r->s[1].ins);
	total_count(w, "evictions", r->s[0].evict, r->s[1].evict);
	total_count(w, "distinct pages", r->pages[0], r->pages[1]);
	if (d->has_ins)
		total_ratio(w, "hit ratio", compare_hit_ratio(d, r, 0), compare_hit_ratio(d, r, 1));
	for (size_t i = 0; i < ns; i++) {
		char name[48];

		snprintf(name, sizeof(name), "miss ratio @%llu page%s", (unsigned long long)sizes[i],
			 sizes[i] == 1 ? "" : "s");
		total_ratio(w, name, compare_miss_at(d, r, 0, sizes, i), compare_miss_at(d, r, 1, sizes, i));
	}
	out_str(w, "</table>\n");
}

/* pgtrace diff's files or processes, most changed first, folded past --top. */
static void cmp_table(struct ctx *c, const struct compare *d, int t)
{
	static const char *const what[] = { "file", "process" };
	struct out *w = c->w;
	size_t n, both = compare_in_both(d, t);
	const struct cmp_row **v = compare_sorted(d, t, &n);
	char head[640];

	snprintf(head, sizeof(head), "<tr><th rowspan=\"2\">%s</th><th rowspan=\"2\">in</th>"
		 "<th colspan=\"3\">references</th><th colspan=\"3\">insertions</th>"
		 "<th colspan=\"3\">evictions</th><th colspan=\"3\">distinct pages</th></tr>\n<tr>"
		 "%s%s%s%s</tr>\n", what[t],
		 "<th>A</th><th>B</th><th>B &minus; A</th>", "<th>A</th><th>B</th><th>B &minus; A</th>",
		 "<th>A</th><th>B</th><th>B &minus; A</th>", "<th>A</th><th>B</th><th>B &minus; A</th>");
	out_printf(w, "<h2 id=\"cmp-%s\">%s compared</h2>\n<p>%u in A, %u in B, %zu in both; most changed "
		   "first (the largest absolute change of references, insertions, evictions or pages).</p>\n",
		   compare_table_names[t], t == CMP_FILES ? "Files" : "Processes", d->t[t].in[0], d->t[t].in[1],
		   both);
	if (!n) {
		out_str(w, "<p>None.</p>\n");
		free(v);
		return;
	}
	out_printf(w, "<table id=\"cmp-%s-table\">\n%s", compare_table_names[t], head);
	for (size_t i = 0; i < n && i < FOLD_MAX; i++) {
		const struct cmp_row *r = v[i];
		int sa = r->s[0].st != NULL, sb = r->s[1].st != NULL;
		const uint64_t va[4][2] = { { r->refs[0], r->refs[1] }, { r->s[0].ins, r->s[1].ins },
					    { r->s[0].evict, r->s[1].evict }, { r->pages[0], r->pages[1] } };

		fold_row(c, i, n, head);
		out_str(w, "<tr><td class=\"path\">");
		out_html_str(w, r->key);
		out_printf(w, "</td><td>%s</td>", sa && sb ? "both" : sa ? "A only" : "B only");
		for (int k = 0; k < 4; k++) {
			cmp_cell_count(w, va[k][0], sa);
			cmp_cell_count(w, va[k][1], sb);
			out_printf(w, "<td class=\"n\">%+lld</td>", (long long)(va[k][1] - va[k][0]));
		}
		out_str(w, "</tr>\n");
	}
	fold_end(c, n);
	free(v);
}

/* Chart @k of both runs, side by side, each captioned with its trace. */
static void chart_pair(struct ctx c[2], const struct chart_kind *k, const char *const path[2])
{
	struct out *w = c[0].w;

	out_printf(w, "<h2 id=\"%s\">", pgt_plot_kind_name(k->kind));
	out_html_str(w, k->title ? k->title : "Working set over time");
	out_str(w, "</h2>\n<div class=\"runs\">\n");
	for (int i = 0; i < 2; i++) {
		char wt[96];

		out_str(w, "<figure class=\"run\">\n");
		chart_img(&c[i], k->kind, k->fmt, k->alt);
		out_printf(w, "<figcaption>%c: <span class=\"path\">", 'A' + i);
		out_html_str(w, path[i]);
		out_str(w, "</span>");
		if (!k->title) {
			wss_title(c[i].p, " (", ")", wt, sizeof(wt));
			out_html_str(w, wt);
		}
		out_str(w, "</figcaption>\n</figure>\n");
	}
	out_str(w, "</div>\n");
}

/* The two exact miss-ratio curves on one chart, with a legend; the
 * legend's names are the traces' with anything but printable ASCII as
 * '?' (cairo draws UTF-8 only). */
static void mrc_overlay(struct ctx c[2], const char *const path[2])
{
	const struct pgt_stats *st[2] = { c[0].p->exact, c[1].p->exact };
	struct pgt_plot_opts po = c[0].po;
	char names[2][128], *mem = NULL;
	const char *label[2] = { names[0], names[1] };
	size_t len = 0;
	int err;

	for (int i = 0; i < 2; i++) {
		size_t k = 0, n = strlen(path[i]), from = n > sizeof(names[i]) - 1 ? n - (sizeof(names[i]) - 1) : 0;

		for (size_t j = from; j < n; j++)
			names[i][k++] = path[i][j] >= 0x20 && path[i][j] < 0x7f ? path[i][j] : '?';
		names[i][k] = 0;
	}
	po.format = PGT_PLOT_SVG;
	po.title = "Miss-ratio curves of A and B (exact LRU)";
	err = pgt_plot__mrc_pair(st, label, &po, &mem, &len);
	out_str(c[0].w, "<h2 id=\"mrc\">Miss-ratio curves</h2>\n");
	chart_out(&c[0], err, PGT_PLOT_MRC, "-ab", &po, "LRU miss ratio by memory size of A and B", mem, len);
	out_str(c[0].w, "<p>A: <span class=\"path\">");
	out_html_str(c[0].w, path[0]);
	out_str(c[0].w, "</span> (solid) &middot; B: <span class=\"path\">");
	out_html_str(c[0].w, path[1]);
	out_str(c[0].w, "</span> (dashed); each run's SHARDS estimate is not drawn here "
			"(pgtrace plot mrc draws it).</p>\n");
}

/*
 * The page of two runs: both headers side by side, pgtrace diff's
 * comparison (the same code: compare.c), then each chart of both.  Both
 * traces are read in full before a byte is written: a trace that cannot
 * be read leaves no page.
 */
static int report_two(struct ctx *base, const struct pict_opts *pi, const char *const path[2], const char *output,
		      int fd, const char *title, int force)
{
	struct pictures p[2];
	struct ctx c[2];
	struct compare d;
	struct out w;
	char tb[1024];
	int rc;

	memset(p, 0, sizeof(p));
	compare_init(&d, path[0], path[1], pi->refs, NULL, 0);
	rc = compare_read(&d);
	for (int i = 0; i < 2 && !rc; i++)
		if (pictures_read(&p[i], path[i], pi))
			rc = EXIT_RUNTIME;	/* said; a damaged trace fails compare_read first */
	if (rc) {
		close(fd);
		cli_out_abort(output);
		goto out;
	}
	out_init(&w, fd);
	if (strcmp(output, "-"))
		w.name = output;
	for (int i = 0; i < 2; i++) {
		c[i] = *base;
		c[i].w = &w;
		c[i].p = &p[i];
		c[i].sfx = i ? "-b" : "-a";
		p[i].d.pfn_space = pi->space == PGT_SPACE_PFN;
		c[i].po.sz = sizeof(c[i].po);
		c[i].po.width = 1000;
		c[i].po.height = 520;
		c[i].po.top = c[i].top < 12 ? c[i].top : 12;
		c[i].po.page_size = p[i].page_size;
	}
	snprintf(tb, sizeof(tb), "%s versus %s", path[0], path[1]);
	page_head(&w, title ? title : tb, style_two);
	out_str(&w, "<h1>");
	out_html_str(&w, title ? title : "pgtrace report: two runs");
	out_str(&w, "</h1>\n<p class=\"sub\">A: ");
	out_html_str(&w, path[0]);
	out_str(&w, " &middot; B: ");
	out_html_str(&w, path[1]);
	out_str(&w, "</p>\n<h2 id=\"runs\">The two runs</h2>\n<div class=\"runs\">\n");
	run_column(&c[0], "A", path[0]);
	run_column(&c[1], "B", path[1]);
	out_str(&w, "</div>\n");
	cmp_total(&c[0], &d);
	cmp_table(&c[0], &d, CMP_FILES);
	cmp_table(&c[0], &d, CMP_PROCS);
	for (size_t i = 0; i < PGT_ARRAY_SIZE(chart_kinds); i++) {
		if (chart_kinds[i].kind == PGT_PLOT_MRC)
			mrc_overlay(c, path);
		else
			chart_pair(c, &chart_kinds[i], path);
	}
	pgt_plot__cleanup();
	page_foot(&w);
	if (out_finish(&w) || (close(fd) && cli_output_failed(output, -errno)) ||
	    cli_out_commit(output, force))
		rc = EXIT_RUNTIME;
	else
		rc = c[0].failed || c[1].failed ? EXIT_RUNTIME : 0;
out:
	pictures_free(&p[0]);
	pictures_free(&p[1]);
	compare_release(&d);
	return rc;
}

/* Past this many events, the policies' curves are miniature simulations
 * (each of 3 policies x 40 sizes reads the spool once per pass: exact
 * simulation of 100M references would take minutes). */
#define REPORT_POLICY_REFS 20000000ull

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "top", required_argument, NULL, 't' },
		{ "refs", required_argument, NULL, 'R' },
		{ "space", required_argument, NULL, 'S' },
		{ "title", required_argument, NULL, 'T' },
		{ "window", required_argument, NULL, 'w' },
		{ "phase-window", required_argument, NULL, 'P' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pict_opts pi = { .want = PICT_HEAT | PICT_GRIDS | PICT_STATS | PICT_SAMPLED | PICT_PHASE | PICT_CACHE };
	const char *output = NULL, *path, *title = NULL;
	struct ctx c = { .top = 10, .sfx = "" };
	struct pictures p;
	int force = 0, ch, rc, fd;
	struct out w;

	while ((ch = getopt_long(argc, argv, "o:fh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o': output = optarg; break;
		case 't': c.top = (size_t)cli_u64_max("--top", optarg, 64); break;
		case 'R': pi.refs = cli_refs_arg(optarg); break;
		case 'S': pi.space = cli_space_arg(optarg); break;
		case 'T': title = optarg; break;
		case 'w': pictures_window_arg(&pi, optarg); break;
		case 'P': pictures_phase_window_arg(&pi, optarg); break;
		case 'f': force = 1; break;
		case 'h': report_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (!output)
		cli_usage_error("give the page's file with -o report.html (or -o - for standard output)");
	if (argc - optind > 2)
		cli_usage_error("one or two traces, got '%s' too", argv[optind + 2]);
	if (argc - optind == 2)
		for (int i = 0; i < 2; i++)
			if (!strcmp(argv[optind + i], "-"))
				cli_usage_error("'-' as one of two traces: each is read twice (as pgtrace diff "
						"does), so it must be a file");
	path = argc - optind == 2 ? argv[optind] : cli_trace_arg(argc, argv, optind);
	pi.top = c.top < 12 ? c.top : 12;	/* the heatmap's bands, as c.po.top */
	cli_refuse_same(path, output);
	if (argc - optind == 2)
		cli_refuse_same(argv[optind + 1], output);
	/* under a temporary name until the page is whole */
	fd = cli_out_open(output, force, O_WRONLY);
	if (fd < 0)
		return EXIT_RUNTIME;
	if (argc - optind == 2) {
		const char *paths[2] = { argv[optind], argv[optind + 1] };

		return report_two(&c, &pi, paths, output, fd, title, force);
	}
	{
		static const char *const want[] = { "lru", "linux", "opt" };
		static unsigned pol[3];
		size_t np = 0;

		for (size_t i = 0; i < PGT_ARRAY_SIZE(want); i++) {
			int k = pgt_cache_policy_find(want[i]);

			if (k >= 0)
				pol[np++] = (unsigned)k;
		}
		pi.want |= PICT_POLICY;
		pi.policies = pol;
		pi.npolicies = np;
		pi.policy_refs = REPORT_POLICY_REFS;
	}
	rc = pictures_read(&p, path, &pi);
	if (rc > 0) {
		close(fd);
		cli_out_abort(output);
		return rc;
	}
	c.p = &p;
	p.d.pfn_space = pi.space == PGT_SPACE_PFN;
	c.po.sz = sizeof(c.po);
	c.po.width = 1000;
	c.po.height = 520;
	c.po.top = c.top < 12 ? c.top : 12;
	c.po.page_size = p.page_size;
	out_init(&w, fd);
	if (strcmp(output, "-"))
		w.name = output;
	c.w = &w;
	page_head(&w, title ? title : path, "");
	summary(&c, path, title ? title : "pgtrace report");
	if (rc < 0)
		out_str(&w, "<p class=\"warn\">The trace is damaged: this page shows the events read before "
			    "the damage.</p>\n");
	for (size_t i = 0; i < PGT_ARRAY_SIZE(chart_kinds); i++) {
		const struct chart_kind *k = &chart_kinds[i];
		char wt[96];

		if (!k->title)
			wss_title(&p, "Working set over time (", ")", wt, sizeof(wt));
		chart(&c, k->kind, k->fmt, k->title ? k->title : wt, k->alt);
	}
	pgt_plot__cleanup();	/* now: the tables below may exit out of memory */
	policy_table(&c);
	objects(&c);
	cache_table(&c, 0);
	cache_table(&c, 1);
	patterns(&c);
	phases(&c);
	page_foot(&w);
	if (out_finish(&w) || (close(fd) && cli_output_failed(output, -errno)) ||
	    cli_out_commit(output, force)) {
		pictures_free(&p);
		return EXIT_RUNTIME;
	}
	pictures_free(&p);
	return rc < 0 || c.failed ? EXIT_RUNTIME : 0;
}
