// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace stats: stack distances, miss-ratio curves, reuse, IRF, working
 * sets and popularity of a page reference trace. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "util/util.h"
#include "pgtrace/analysis.h"
#include "pgtrace/fields.h"


static void stats_usage(FILE *f)
{
	char def[128], keys[2048];

	pgt_fields__help(PGT_FU_STATS, keys, sizeof(keys));
	fprintf(f,
		"Usage: pgtrace stats [OPTIONS] TRACE|-\n"
		"\n"
		"Analyse the page references of a trace in one pass: LRU stack distances and\n"
		"the miss-ratio curve (exact, or SHARDS-sampled), reuse times, avg.IRF per\n"
		"page and object, working-set size over time and its mean curve, and\n"
		"popularity with a Zipf fit.\n"
		"\n"
		"Options:\n"
		"      --refs LIST        event types that count as references (default:\n"
		"                         %s; names,\n"
		"                         \"default\" and \"all\" allowed)\n"
		"      --space file|pfn   a page is (file, index) (default) or a frame\n"
		"      --by KEY           also one line per key (below)\n"
		"      --sample RATE      SHARDS at a fixed rate (0 < RATE <= 1, e.g. 0.01)\n"
		"      --sample-size N    SHARDS keeping at most N pages\n"
		"      --salt N           seed of the sampling hash (default 0)\n"
		"      --sizes LIST       exact LRU misses at these sizes (pages; K, M, G\n"
		"                         allowed as multipliers: 64K = 65536 pages)\n"
		"      --window N|TIME    W(t, tau) windows of N references (default 100000)\n"
		"                         or of a duration (10ms, 1s)\n"
		"      --irf-clock refs|time  inter-reference gaps in references (default)\n"
		"                         or in event time (IRF in 1/s)\n"
		"      --irf-n            divide IRF sums by n as vmtrace did, not n - 1\n"
		"      --no-pages         skip per-page results (IRF, popularity): less memory\n"
		"      --top N            objects and keys shown in tables (default 10)\n"
		"      --json             one JSON document on standard output\n"
		"      --csv DIR          one CSV file per series in DIR (created)\n"
		"  -f, --force            overwrite files in DIR\n"
		"  -h, --help             show this help\n"
		"\n"
		"Keys of --by:\n"
		"%s"
		"\n"
		"Examples:\n"
		"  pgtrace stats run.pgt\n"
		"  pgtrace stats --sample 0.01 --json big.pgt | jq .summary\n"
		"  pgtrace stats --by file --top 20 run.pgt\n"
		"  pgtrace stats --sizes 1K,4K,16K,64K --csv out/ run.pgt\n"
		"  pgtrace gen -p zipf -n 10M -o - | pgtrace stats -\n"
		"\n"
		"Exit status: 0 on success, 1 when the trace is damaged or output cannot be\n"
		"written, 2 on usage errors.\n", pgt_refs_names(pgt_refs_default(), def, sizeof(def)), keys);
}

static const char *obj_path(struct pgt_meta *m, uint32_t obj)
{
	const struct pgt_object *o = m ? pgt_meta__object(m, obj) : NULL;

	return o && o->path && *o->path ? o->path : "?";
}

/* --by: one lean accumulator per key (a key costs what its pages need),
 * fed every reference of its key through the library's keyed sink. */
struct by_ctx {
	struct pgt_stats_opts o;
};

static void *by_make(void *ctx, int *err)
{
	return pgt_stats__new(&((struct by_ctx *)ctx)->o, err);
}

static int by_feed(void *ctx, void *child, const struct pgt_event *evs, size_t n)
{
	const struct pgt_stats_opts *o = &((struct by_ctx *)ctx)->o;
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		uint64_t cnt = pgt_refs_count(&evs[i], o->refs ? o->refs : pgt_refs_default(), o->space);

		for (uint64_t p = 0; p < cnt && !err; p++) {
			struct pgt_ref ref;

			pgt_refs_at(&evs[i], o->space, p, &ref);
			err = pgt_stats__ref(child, ref.obj, ref.key, ref.ts);
		}
	}
	return err;
}

static int by_finish(void *ctx, void *child)
{
	(void)ctx;
	return pgt_stats__finish(child);
}

static void by_free(void *ctx, void *child)
{
	(void)ctx;
	pgt_stats__free(child);
}

static int by_wants(void *ctx, const struct pgt_event *ev)
{
	const struct pgt_stats_opts *o = &((struct by_ctx *)ctx)->o;

	return pgt_refs_count(ev, o->refs ? o->refs : pgt_refs_default(), o->space) != 0;
}

static const struct pgt_keyed_ops by_ops = {
	.make = by_make, .feed = by_feed, .finish = by_finish, .free = by_free, .wants = by_wants,
};

/* ---- output ---- */

struct outctx {
	const struct pgt_stats_opts *o;
	struct pgt_meta *meta;
	unsigned top;
	const struct pgt_field *by;	/* --by, or NULL */
	struct pgt_keyed *k;
	uint64_t page_size;
	unsigned caveats;	/* enum pgt_refs_caveat */
};

static uint64_t footprint_pages(const struct pgt_stats *s)
{
	struct pgt_stats_summary sm;

	pgt_stats__summary(s, &sm);
	return sm.pages;
}

/* Sizes where the curve is exact: bin edges up to the footprint. */
static size_t mrc_points(const struct pgt_stats *s, uint64_t *pts, size_t max)
{
	uint64_t fp = footprint_pages(s);
	size_t n = 0;

	for (unsigned b = 1; b < PGT_HIST_BINS && n < max; b++) {
		uint64_t c = pgt_hist_lo(b);

		if (c >= fp) {
			pts[n++] = fp ? fp : 1;
			break;
		}
		pts[n++] = c;
	}
	return n;
}

static const char *by_key_text(const struct outctx *c, size_t i, char *buf, size_t len)
{
	return pgt_keyed__name(c->k, i, buf, len);
}

static const struct pgt_stats *by_stats(const struct outctx *c, size_t i)
{
	return pgt_keyed__child(c->k, i);
}

static int cmp_obj_refs(const void *a, const void *b)
{
	const struct pgt_stats_object *x = *(const struct pgt_stats_object *const *)a;
	const struct pgt_stats_object *y = *(const struct pgt_stats_object *const *)b;

	return x->refs > y->refs ? -1 : x->refs < y->refs;
}

/* Objects sorted by references, most first; free the array. */
static const struct pgt_stats_object **sorted_objects(const struct pgt_stats *s, size_t *n)
{
	const struct pgt_stats_object *o = pgt_stats__objects(s, n);

	return (const struct pgt_stats_object **)cli_sorted_ptrs(o, n, sizeof(*o), cmp_obj_refs);
}

static double share_of_top(const struct pgt_stats *s, double frac)
{
	struct pgt_stats_summary sm;
	uint64_t top, sum = 0;

	pgt_stats__summary(s, &sm);
	top = (uint64_t)ceil((double)sm.pages * frac);
	for (uint64_t r = 1; r <= top; r++)
		sum += pgt_stats__rank_freq(s, r);
	return sm.refs ? (double)sum / (double)sm.refs : 0;
}

static void print_text(struct out *w, const struct outctx *c, const struct pgt_stats *s)
{
	struct pgt_stats_summary sm;
	const double *dh = pgt_stats__distance_hist(s), *rh = pgt_stats__reuse_hist(s);
	uint64_t pts[PGT_HIST_BINS], fp;
	size_t npts, nw, nobj;
	const struct pgt_wss_window *win = pgt_stats__windows(s, &nw);
	char hb[32];
	double cum = 0, total = 0;

	pgt_stats__summary(s, &sm);
	fp = sm.pages;
	out_printf(w, "references        %llu\n", (unsigned long long)sm.refs);
	out_printf(w, "distinct pages    %llu%s (%s)\n", (unsigned long long)sm.pages,
		   sm.rate < 1 ? " (estimated)" : "", cli_human_size(sm.pages * c->page_size, hb, sizeof(hb)));
	out_printf(w, "re-references     %llu (%.2f%%)\n", (unsigned long long)(sm.refs - sm.cold),
		   sm.refs ? 100.0 * (double)(sm.refs - sm.cold) / (double)sm.refs : 0.0);
	if (sm.last_ts >= sm.first_ts && sm.refs) {
		out_str(w, "span              ");
		out_ts(w, sm.last_ts - sm.first_ts);
		out_str(w, " s\n");
	}
	out_printf(w, "mean distance     %.1f pages (LRU stack distance of re-references)\n", sm.mean_distance);
	out_printf(w, "mean reuse time   %.1f references\n", sm.mean_reuse);
	if (sm.rate < 1)
		out_printf(w, "sampling          SHARDS, rate %.6g, %llu references sampled\n", sm.rate,
			   (unsigned long long)sm.sampled_refs);
	else
		out_str(w, "sampling          none (exact)\n");
	out_caveats_text(w, c->caveats);

	out_str(w, "\nLRU miss ratio\n      pages  miss ratio\n");
	npts = mrc_points(s, pts, PGT_ARRAY_SIZE(pts));
	for (size_t i = 0; i < npts; i++) {
		uint64_t p = pts[i];

		/* powers of two and the footprint in text; every edge in JSON/CSV */
		if ((p & (p - 1)) && p != fp)
			continue;
		out_printf(w, "%11llu  %.6f\n", (unsigned long long)p, pgt_stats__miss_ratio(s, p));
	}
	for (size_t i = 0; i < c->o->nsizes; i++)
		out_printf(w, "%11llu  %.6f  exact: %llu misses\n", (unsigned long long)c->o->sizes[i],
			   sm.refs ? (double)pgt_stats__misses_at(s, i) / (double)sm.refs : 0.0,
			   (unsigned long long)pgt_stats__misses_at(s, i));

	out_str(w, "\nStack distance (pages)          refs       %    cum %\n");
	for (unsigned b = 0; b < PGT_HIST_BINS; b++)
		total += dh[b];
	total += (double)sm.cold;
	for (unsigned lg = 0; lg < 64 && total > 0; lg++) {	/* d in (2^(lg-1), 2^lg] */
		uint64_t lo = lg ? (1ull << (lg - 1)) + 1 : 1, hi = 1ull << lg;
		double v = 0;

		for (unsigned b = pgt_hist_bin(lo - 1); b <= pgt_hist_bin(hi - 1) && b < PGT_HIST_BINS; b++)
			v += dh[b];
		if (v <= 0)
			continue;
		cum += v;
		out_printf(w, "  %12llu..%-12llu %12.0f %7.3f %7.3f\n", (unsigned long long)lo,
			   (unsigned long long)hi, v, 100 * v / total, 100 * cum / total);
	}
	out_printf(w, "  %-26s %12llu %7.3f %7.3f\n", "cold (first reference)", (unsigned long long)sm.cold,
		   total > 0 ? 100 * (double)sm.cold / total : 0, 100.0);

	out_str(w, "\nReuse time (references)         refs\n");
	for (unsigned lg = 1; lg < 64; lg++) {
		uint64_t lo = 1ull << (lg - 1), hi = (1ull << lg) - 1;
		double v = 0;

		for (unsigned b = pgt_hist_bin(lo); b <= pgt_hist_bin(hi) && b < PGT_HIST_BINS; b++)
			v += rh[b];
		if (v > 0)
			out_printf(w, "  %12llu..%-12llu %12.0f\n", (unsigned long long)lo,
				   (unsigned long long)hi, v);
	}

	if (nw) {
		uint64_t mn = UINT64_MAX, mx = 0;
		double mean = 0;

		for (size_t i = 0; i < nw; i++) {
			mn = win[i].pages < mn ? win[i].pages : mn;
			mx = win[i].pages > mx ? win[i].pages : mx;
			mean += (double)win[i].pages;
		}
		mean /= (double)nw;
		if (c->o->window_ns) {
			out_str(w, "\nWorking set W(t, tau), tau = ");
			out_ts(w, c->o->window_ns);
			out_str(w, " s");
		} else {
			out_printf(w, "\nWorking set W(t, tau), tau = %llu references",
				   (unsigned long long)c->o->window);
		}
		out_printf(w, ": %zu windows, pages min %llu, mean %.1f, max %llu\n", nw,
			   (unsigned long long)mn, mean, (unsigned long long)mx);
	}
	out_str(w, "Mean working set s(tau)\n        tau  pages\n");
	for (uint64_t tau = 1; tau <= sm.refs && tau; tau *= 10)
		out_printf(w, "%11llu  %.1f\n", (unsigned long long)tau, pgt_stats__wss_mean(s, tau));

	if (c->o->no_pages) {
		out_str(w, "\navg.IRF and popularity: not computed (they need every page: no --no-pages, "
			   "no sampling)\n");
		return;
	}
	out_printf(w, "\navg.IRF (1/%s): mean %.6g over %llu pages referenced twice or more "
		   "(%llu once); per gap %.6g\n", c->o->irf_clock == PGT_IRF_NS ? "s" : "reference",
		   sm.irf_mean, (unsigned long long)sm.reaccessed,
		   (unsigned long long)(sm.pages - sm.reaccessed), sm.irf_weighted);
	{
		const struct pgt_stats_object **v = sorted_objects(s, &nobj);

		out_str(w, "        refs      pages  reaccessed   avg.IRF    per gap  object\n");
		for (size_t i = 0; v && i < nobj && i < c->top; i++) {
			out_printf(w, "%12llu %10llu %11llu %9.3g %10.3g  ", (unsigned long long)v[i]->refs,
				   (unsigned long long)v[i]->pages, (unsigned long long)v[i]->reaccessed,
				   v[i]->irf_mean, v[i]->irf_weighted);
			out_text_str(w, c->o->space == PGT_SPACE_PFN ? "(frames)" : obj_path(c->meta, v[i]->obj));
			out_char(w, '\n');
		}
		free(v);
	}
	out_str(w, "\nPopularity: ");
	if (sm.zipf_alpha > 0)
		out_printf(w, "Zipf alpha %.3f (R^2 %.3f, ranks %llu..%llu)", sm.zipf_alpha, sm.zipf_r2,
			   (unsigned long long)sm.zipf_lo, (unsigned long long)sm.zipf_hi);
	else
		out_str(w, "too few pages referenced often enough for a Zipf fit");
	out_printf(w, "; the top 1%% of pages take %.1f%% of references, the top 10%% %.1f%%\n",
		   100 * share_of_top(s, 0.01), 100 * share_of_top(s, 0.10));
}

static void json_summary(struct out *w, const struct pgt_stats *s)
{
	struct pgt_stats_summary sm;

	pgt_stats__summary(s, &sm);
	out_printf(w, "{\"refs\":%llu,\"pages\":%llu,\"cold\":%llu,\"first_ts\":%llu,\"last_ts\":%llu,"
		   "\"rate\":%.9g,\"sampled_refs\":%llu,\"shards_adj\":%.0f,\"mean_distance\":%.6g,\"mean_reuse\":%.6g,"
		   "\"reaccessed\":%llu,\"irf_mean\":%.9g,\"irf_weighted\":%.9g,\"windows\":%llu,"
		   "\"bytes\":%llu", (unsigned long long)sm.refs, (unsigned long long)sm.pages,
		   (unsigned long long)sm.cold, (unsigned long long)sm.first_ts,
		   (unsigned long long)sm.last_ts, sm.rate, (unsigned long long)sm.sampled_refs,
		   sm.shards_adj, sm.mean_distance, sm.mean_reuse, (unsigned long long)sm.reaccessed, sm.irf_mean,
		   sm.irf_weighted, (unsigned long long)sm.windows, (unsigned long long)sm.bytes);
	if (sm.zipf_alpha > 0)
		out_printf(w, ",\"zipf\":{\"alpha\":%.6g,\"r2\":%.6g,\"rank_lo\":%llu,\"rank_hi\":%llu}",
			   sm.zipf_alpha, sm.zipf_r2, (unsigned long long)sm.zipf_lo,
			   (unsigned long long)sm.zipf_hi);
	out_char(w, '}');
}

/* @shift: 1 for the distance histogram (bin b holds lo + 1 .. hi + 1) */
static void json_hist(struct out *w, const double *h, unsigned shift)
{
	int first = 1;

	out_char(w, '[');
	for (unsigned b = 0; b < PGT_HIST_BINS; b++) {
		if (h[b] == 0)
			continue;
		out_printf(w, "%s{\"lo\":%llu,\"hi\":%llu,\"refs\":%.0f}", first ? "" : ",",
			   (unsigned long long)(pgt_hist_lo(b) + shift), (unsigned long long)(pgt_hist_hi(b) + shift),
			   h[b]);
		first = 0;
	}
	out_char(w, ']');
}

static void json_mrc(struct out *w, const struct pgt_stats *s)
{
	uint64_t pts[PGT_HIST_BINS];
	size_t n = mrc_points(s, pts, PGT_ARRAY_SIZE(pts));

	out_char(w, '[');
	for (size_t i = 0; i < n; i++)
		out_printf(w, "%s{\"pages\":%llu,\"miss_ratio\":%.9g}", i ? "," : "", (unsigned long long)pts[i],
			   pgt_stats__miss_ratio(s, pts[i]));
	out_char(w, ']');
}

static void print_json(struct out *w, const struct outctx *c, const struct pgt_stats *s)
{
	struct pgt_stats_summary sm;
	size_t nw, nobj;
	const struct pgt_wss_window *win = pgt_stats__windows(s, &nw);

	pgt_stats__summary(s, &sm);
	out_str(w, "{\"summary\":");
	json_summary(w, s);
	out_char(w, ',');
	out_caveats_json(w, c->caveats);
	out_printf(w, ",\"page_size\":%llu,\"distance_histogram\":", (unsigned long long)c->page_size);
	json_hist(w, pgt_stats__distance_hist(s), 1);
	out_str(w, ",\"mrc\":");
	json_mrc(w, s);
	if (c->o->nsizes) {
		out_str(w, ",\"sizes\":[");
		for (size_t i = 0; i < c->o->nsizes; i++)
			out_printf(w, "%s{\"pages\":%llu,\"misses\":%llu}", i ? "," : "",
				   (unsigned long long)c->o->sizes[i], (unsigned long long)pgt_stats__misses_at(s, i));
		out_char(w, ']');
	}
	out_str(w, ",\"reuse_histogram\":");
	json_hist(w, pgt_stats__reuse_hist(s), 0);
	out_printf(w, ",\"window\":{\"refs\":%llu,\"ns\":%llu},\"wss\":[", (unsigned long long)c->o->window,
		   (unsigned long long)c->o->window_ns);
	for (size_t i = 0; i < nw; i++)
		out_printf(w, "%s{\"start_ref\":%llu,\"start_ts\":%llu,\"refs\":%llu,\"pages\":%llu}", i ? "," : "",
			   (unsigned long long)win[i].start_ref, (unsigned long long)win[i].start_ts,
			   (unsigned long long)win[i].refs, (unsigned long long)win[i].pages);
	out_str(w, "],\"wss_curve\":[");
	for (uint64_t tau = 1, i = 0; tau <= sm.refs && tau; tau *= 2, i++)
		out_printf(w, "%s{\"tau\":%llu,\"pages\":%.6g}", i ? "," : "", (unsigned long long)tau,
			   pgt_stats__wss_mean(s, tau));
	out_char(w, ']');
	if (!c->o->no_pages) {
		const struct pgt_stats_object **v = sorted_objects(s, &nobj);

		out_printf(w, ",\"irf\":{\"clock\":\"%s\",\"divide_by\":\"%s\",\"objects\":[",
			   c->o->irf_clock == PGT_IRF_NS ? "time" : "refs", c->o->irf_n ? "n" : "n-1");
		for (size_t i = 0; v && i < nobj; i++) {
			int first = 1;

			out_printf(w, "%s{\"obj\":%u,\"path\":", i ? "," : "", v[i]->obj);
			out_json_str(w, obj_path(c->meta, v[i]->obj));
			out_printf(w, ",\"refs\":%llu,\"pages\":%llu,\"reaccessed\":%llu,\"irf_mean\":%.9g,"
				   "\"irf_weighted\":%.9g,\"histogram\":[", (unsigned long long)v[i]->refs,
				   (unsigned long long)v[i]->pages, (unsigned long long)v[i]->reaccessed,
				   v[i]->irf_mean, v[i]->irf_weighted);
			for (unsigned b = 0; b < PGT_IRF_BINS; b++) {
				if (!v[i]->irf_hist[b])
					continue;
				out_printf(w, "%s{\"lo\":%.6g,\"hi\":%.6g,\"pages\":%llu}", first ? "" : ",",
					   pgt_irf_bin_lo(b), pgt_irf_bin_lo(b + 1),
					   (unsigned long long)v[i]->irf_hist[b]);
				first = 0;
			}
			out_str(w, "]}");
		}
		free(v);
		out_str(w, "]},\"popularity\":[");
		for (uint64_t r = 1, i = 0; r <= sm.pages && pgt_stats__rank_freq(s, r);
		     r = r < 16 ? r + 1 : r + r / 8, i++)
			out_printf(w, "%s{\"rank\":%llu,\"freq\":%llu}", i ? "," : "", (unsigned long long)r,
				   (unsigned long long)pgt_stats__rank_freq(s, r));
		out_char(w, ']');
	}
	if (c->by) {
		char buf[32];

		out_printf(w, ",\"by\":\"%s\",\"keys\":[", c->by->name);
		for (size_t i = 0; i < pgt_keyed__count(c->k); i++) {
			out_str(w, i ? ",{\"key\":" : "{\"key\":");
			out_json_str(w, by_key_text(c, i, buf, sizeof(buf)));
			out_str(w, ",\"summary\":");
			json_summary(w, by_stats(c, i));
			out_str(w, ",\"mrc\":");
			json_mrc(w, by_stats(c, i));
			out_char(w, '}');
		}
		out_char(w, ']');
	}
	out_str(w, "}\n");
}

struct keyref {
	uint64_t refs;
	size_t i;
};

/* Most references first, ties in order of first reference. */
static int cmp_keyref(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;

	if (x->refs != y->refs)
		return x->refs > y->refs ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static void print_keys(struct out *w, const struct outctx *c)
{
	char buf[32];
	size_t nk = pgt_keyed__count(c->k);
	struct keyref *ord = malloc((nk ? nk : 1) * sizeof(*ord));

	if (!ord)
		return;
	for (size_t i = 0; i < nk; i++) {	/* a sort: --top of a million keys */
		struct pgt_stats_summary a;

		pgt_stats__summary(by_stats(c, i), &a);
		ord[i].refs = a.refs;
		ord[i].i = i;
	}
	qsort(ord, nk, sizeof(*ord), cmp_keyref);
	out_printf(w, "\nBy %s (%zu keys)\n        refs      pages  mean dist  mean reuse   avg.IRF  miss@1/2  key\n",
		   c->by->name, nk);
	for (size_t i = 0; i < nk && i < c->top; i++) {
		struct pgt_stats_summary sm;
		const struct pgt_stats *s = by_stats(c, ord[i].i);

		pgt_stats__summary(s, &sm);
		out_printf(w, "%12llu %10llu %10.1f %11.1f %9.3g %9.4f  ", (unsigned long long)sm.refs,
			   (unsigned long long)sm.pages, sm.mean_distance, sm.mean_reuse, sm.irf_mean,
			   pgt_stats__miss_ratio(s, sm.pages / 2));
		out_text_str(w, by_key_text(c, ord[i].i, buf, sizeof(buf)));
		out_char(w, '\n');
	}
	free(ord);
}

/* ---- CSV files ---- */

/* Each file under a temporary name, renamed when whole: an interrupted
 * run leaves every file complete or absent. */
static int csv_open(const char *path, int force, struct out *w)
{
	int fd = cli_out_open(path, force, O_WRONLY);

	if (fd < 0)
		return -1;
	out_init(w, fd);
	w->name = path;
	return 0;
}

static int csv_close(struct out *w, const char *path, int force)
{
	int fd = w->fd, err;

	err = out_finish(w);	/* reports a failure, removes the temporary */
	if (close(fd) && !err)
		err = cli_output_failed(path, -errno);
	if (!err && cli_out_commit(path, force))
		err = -EIO;
	return err ? -EIO : 0;
}

static int write_csv(const char *dir, int force, const struct outctx *c, const struct pgt_stats *s)
{
	static const char *const names[] = {
		"summary.csv", "distance.csv", "mrc.csv", "sizes.csv", "reuse.csv", "wss.csv",
		"wss-curve.csv", "irf-objects.csv", "irf-histogram.csv", "popularity.csv", "keys.csv",
	};
	struct pgt_stats_summary sm;
	int dfd, err = 0;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		cli_error("cannot create %s: %s", dir, strerror(errno));
		return -errno;
	}
	/* not through a symbolic link, as for every output */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		err = -errno;
		cli_error("cannot open %s: %s%s", dir, strerror(-err),
			  cli_is_symlink(dir) ? " (a symbolic link: not written through)" : "");
		return err;
	}
	close(dfd);
	pgt_stats__summary(s, &sm);
	for (size_t f = 0; f < PGT_ARRAY_SIZE(names) && !err; f++) {
		char path[4200];
		struct out w;
		size_t n;

		if ((f == 3 && !c->o->nsizes) || ((f == 7 || f == 8 || f == 9) && c->o->no_pages) ||
		    (f == 10 && !c->by))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, names[f]);
		err = csv_open(path, force, &w);	/* says why not */
		if (err)
			break;
		switch (f) {
		case 0:
			out_printf(&w, "key,value\nrefs,%llu\npages,%llu\ncold,%llu\nrate,%.9g\nmean_distance,%.6g\n"
				   "mean_reuse,%.6g\nreaccessed,%llu\nirf_mean,%.9g\nirf_weighted,%.9g\n"
				   "zipf_alpha,%.6g\nzipf_r2,%.6g\n", (unsigned long long)sm.refs,
				   (unsigned long long)sm.pages, (unsigned long long)sm.cold, sm.rate,
				   sm.mean_distance, sm.mean_reuse, (unsigned long long)sm.reaccessed, sm.irf_mean,
				   sm.irf_weighted, sm.zipf_alpha, sm.zipf_r2);
			break;
		case 1:
		case 4: {
			const double *h = f == 1 ? pgt_stats__distance_hist(s) : pgt_stats__reuse_hist(s);

			out_str(&w, "lo,hi,refs\n");
			for (unsigned b = 0; b < PGT_HIST_BINS; b++)
				if (h[b] != 0)
					out_printf(&w, "%llu,%llu,%.0f\n", (unsigned long long)(pgt_hist_lo(b) + (f == 1)),
						   (unsigned long long)(pgt_hist_hi(b) + (f == 1)), h[b]);
			break;
		}
		case 2: {
			uint64_t pts[PGT_HIST_BINS];
			size_t np = mrc_points(s, pts, PGT_ARRAY_SIZE(pts));

			out_str(&w, "pages,miss_ratio\n");
			for (size_t i = 0; i < np; i++)
				out_printf(&w, "%llu,%.9g\n", (unsigned long long)pts[i], pgt_stats__miss_ratio(s, pts[i]));
			break;
		}
		case 3:
			out_str(&w, "pages,misses,miss_ratio\n");
			for (size_t i = 0; i < c->o->nsizes; i++)
				out_printf(&w, "%llu,%llu,%.9g\n", (unsigned long long)c->o->sizes[i],
					   (unsigned long long)pgt_stats__misses_at(s, i),
					   sm.refs ? (double)pgt_stats__misses_at(s, i) / (double)sm.refs : 0.0);
			break;
		case 5: {
			const struct pgt_wss_window *win = pgt_stats__windows(s, &n);

			out_str(&w, "start_ref,start_ts,refs,pages\n");
			for (size_t i = 0; i < n; i++)
				out_printf(&w, "%llu,%llu,%llu,%llu\n", (unsigned long long)win[i].start_ref,
					   (unsigned long long)win[i].start_ts, (unsigned long long)win[i].refs,
					   (unsigned long long)win[i].pages);
			break;
		}
		case 6:
			out_str(&w, "tau,pages\n");
			for (uint64_t tau = 1; tau <= sm.refs && tau; tau *= 2)
				out_printf(&w, "%llu,%.6g\n", (unsigned long long)tau, pgt_stats__wss_mean(s, tau));
			break;
		case 7:
		case 8: {
			const struct pgt_stats_object **v = sorted_objects(s, &n);

			out_str(&w, f == 7 ? "obj,path,refs,pages,reaccessed,irf_mean,irf_weighted\n"
					   : "obj,path,lo,hi,pages\n");
			for (size_t i = 0; v && i < n; i++) {
				if (f == 7) {
					out_printf(&w, "%u,", v[i]->obj);
					out_csv_str(&w, obj_path(c->meta, v[i]->obj));
					out_printf(&w, ",%llu,%llu,%llu,%.9g,%.9g\n", (unsigned long long)v[i]->refs,
						   (unsigned long long)v[i]->pages,
						   (unsigned long long)v[i]->reaccessed, v[i]->irf_mean,
						   v[i]->irf_weighted);
					continue;
				}
				for (unsigned b = 0; b < PGT_IRF_BINS; b++) {
					if (!v[i]->irf_hist[b])
						continue;
					out_printf(&w, "%u,", v[i]->obj);
					out_csv_str(&w, obj_path(c->meta, v[i]->obj));
					out_printf(&w, ",%.6g,%.6g,%llu\n", pgt_irf_bin_lo(b), pgt_irf_bin_lo(b + 1),
						   (unsigned long long)v[i]->irf_hist[b]);
				}
			}
			free(v);
			break;
		}
		case 9:
			out_str(&w, "rank,freq\n");
			for (uint64_t r = 1; pgt_stats__rank_freq(s, r); r++)
				out_printf(&w, "%llu,%llu\n", (unsigned long long)r,
					   (unsigned long long)pgt_stats__rank_freq(s, r));
			break;
		case 10: {
			char buf[32];

			out_str(&w, "key,refs,pages,cold,mean_distance,mean_reuse,irf_mean\n");
			for (size_t i = 0; i < pgt_keyed__count(c->k); i++) {
				struct pgt_stats_summary k;

				pgt_stats__summary(by_stats(c, i), &k);
				out_csv_str(&w, by_key_text(c, i, buf, sizeof(buf)));
				out_printf(&w, ",%llu,%llu,%llu,%.6g,%.6g,%.9g\n", (unsigned long long)k.refs,
					   (unsigned long long)k.pages, (unsigned long long)k.cold, k.mean_distance,
					   k.mean_reuse, k.irf_mean);
			}
			break;
		}
		}
		err = csv_close(&w, path, force);
	}
	return err;
}

int cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "refs", required_argument, NULL, 'R' },
		{ "space", required_argument, NULL, 'S' },
		{ "by", required_argument, NULL, 'b' },
		{ "sample", required_argument, NULL, 's' },
		{ "sample-size", required_argument, NULL, 'z' },
		{ "salt", required_argument, NULL, 'a' },
		{ "sizes", required_argument, NULL, 'Z' },
		{ "window", required_argument, NULL, 'w' },
		{ "irf-clock", required_argument, NULL, 'c' },
		{ "irf-n", no_argument, NULL, 'n' },
		{ "no-pages", no_argument, NULL, 'P' },
		{ "top", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", required_argument, NULL, 'C' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pgt_stats_opts o = { .sz = sizeof(o) };
	struct by_ctx byc;
	struct outctx oc = { .o = &o, .top = 10 };
	const char *path, *csv = NULL;
	uint64_t *sizes = NULL, total = 0, done = 0, v, npk, t0, t1;
	int json = 0, force = 0, c, err = 0, rc = 0;
	struct pgt_stats *st = NULL;
	struct pgt_sink *sinks[3] = { NULL, NULL, NULL };
	struct pgt_drain_opts dopts;
	struct pgt_drain_result res;
	struct pgt_reader *r;
	struct progress prog;
	struct pgt_refs_tally tally = { { 0 }, { 0 } };
	struct out w;

	while ((c = getopt_long(argc, argv, "fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'R': o.refs = cli_refs_arg(optarg); break;
		case 'S': o.space = cli_space_arg(optarg); break;
		case 'b':
			oc.by = pgt_field__find(optarg, strlen(optarg), PGT_FU_STATS);
			if (!oc.by) {
				char keys[512];

				pgt_fields__names(PGT_FU_STATS, ", ", keys, sizeof(keys));
				cli_usage_error("invalid --by '%s': %s", optarg, keys);
			}
			break;
		case 's':
			if (pgt_parse_double(optarg, &o.sample_rate) || !(o.sample_rate > 0 && o.sample_rate <= 1))
				cli_usage_error("invalid --sample '%s': a rate in (0, 1], e.g. 0.01", optarg);
			break;
		case 'z': o.sample_size = cli_u64_max("--sample-size", optarg, UINT32_MAX / 2); break;
		case 'a': o.salt = cli_u64_max("--salt", optarg, UINT64_MAX); break;
		case 'Z': free(sizes); o.nsizes = cli_sizes_arg("--sizes", optarg, &sizes); o.sizes = sizes; break;
		case 'w':
			if (!pgt_parse_u64(optarg, &v) && v) {
				o.window = v;
				o.window_ns = 0;
			} else if (strpbrk(optarg, "smhun") && !pgt_parse_duration(optarg, &v) && v) {
				o.window_ns = v;
				o.window = 0;
			} else {
				cli_usage_error("invalid --window '%s': references (100000) or a duration (10ms)", optarg);
			}
			break;
		case 'c':
			if (!strcmp(optarg, "refs"))
				o.irf_clock = PGT_IRF_VTIME;
			else if (!strcmp(optarg, "time"))
				o.irf_clock = PGT_IRF_NS;
			else
				cli_usage_error("invalid --irf-clock '%s': refs or time", optarg);
			break;
		case 'n': o.irf_n = 1; break;
		case 'P': o.no_pages = 1; break;
		case 't': oc.top = (unsigned)cli_u64_max("--top", optarg, 1000000); break;
		case 'j': json = 1; break;
		case 'C': csv = optarg; break;
		case 'f': force = 1; break;
		case 'h': stats_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (o.sample_rate > 0 && o.sample_size)
		cli_usage_error("give --sample or --sample-size, not both");
	if ((o.sample_rate > 0 && o.sample_rate < 1) || o.sample_size) {
		if (o.nsizes)
			cli_usage_error("--sizes counts misses exactly: not with --sample or --sample-size");
		o.no_pages = 1;		/* IRF and popularity need every page */
	}
	if (!o.window && !o.window_ns)
		o.window = 100000;
	path = cli_trace_arg(argc, argv, optind);
	r = cli_open_reader(path, NULL);
	if (!r) {
		free(sizes);
		return EXIT_RUNTIME;
	}
	oc.page_size = pgt_reader__header(r)->page_size ? pgt_reader__header(r)->page_size : 4096;
	oc.meta = pgt_reader__meta(r);
	st = pgt_stats__new(&o, &err);
	if (!st) {
		rc = cli_read_failed(path, err);
		goto out;
	}
	/* the side tables are read at the end; a --by key read from them
	 * is read in step with the events (pgt_keyed__sink(): no parallel
	 * decoder then) */
	sinks[0] = pgt_stats__sink(st);
	sinks[1] = pgt_refs_tally__sink(&tally);
	if (oc.by) {
		byc.o = o;
		byc.o.lean = 1;
		oc.k = pgt_keyed__new(oc.by, &by_ops, &byc, &err);
		sinks[2] = oc.k ? pgt_keyed__sink(oc.k) : NULL;
	}
	if (!sinks[0] || !sinks[1] || (oc.by && !sinks[2])) {
		rc = cli_read_failed(path, -ENOMEM);
		goto out;
	}
	pgt_reader__index_summary(r, &total, &npk, &t0, &t1);
	progress_init(&prog, "events", total);
	progress_drain_opts(&prog, &dopts);
	err = pgt_reader__drain(r, sinks, oc.by ? 3 : 2, &dopts, &res);
	done = res.events;
	progress_done(&prog);
	oc.caveats = pgt_refs_caveats(&tally, pgt_reader__header(r), oc.meta, o.refs);
	if (err == -ENOMEM && !res.finishing) {
		cli_error("out of memory after %llu events (try --sample 0.01 or --no-pages)",
			  (unsigned long long)done);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (err && res.side == PGT_DRAIN_SOURCE) {
		/* what was read is analysed; the damage is reported and fails the run */
		rc = cli_read_failed(path, err);
		err = pgt_sink__finish(sinks[0], oc.meta, pgt_reader__header(r));
		if (!err && sinks[2])
			err = pgt_sink__finish(sinks[2], oc.meta, pgt_reader__header(r));
	}
	if (err) {
		cli_error("out of memory while computing results");
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (csv && write_csv(csv, force, &oc, st))
		rc = EXIT_RUNTIME;
	if (!csv || json) {
		out_init(&w, STDOUT_FILENO);
		if (json) {
			print_json(&w, &oc, st);
		} else {
			print_text(&w, &oc, st);
			if (oc.by)
				print_keys(&w, &oc);
		}
		if (out_finish(&w))
			rc = cli_write_failed("standard output", -EIO);
	}
out:
	for (int i = 0; i < 3; i++)
		pgt_sink__free(sinks[i]);
	pgt_keyed__free(oc.k);
	pgt_stats__free(st);
	pgt_reader__free(r);
	free(sizes);
	return rc;
}
