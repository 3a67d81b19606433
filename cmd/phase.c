// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace phase: access patterns per object and program phases. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "pgtrace/fields.h"
#include "pgtrace/phase.h"

static void phase_usage(FILE *f)
{
	char def[128], keys[2048];

	pgt_fields__help(PGT_FU_PHASE, keys, sizeof(keys));
	fprintf(f,
		"Usage: pgtrace phase [OPTIONS] TRACE|-\n"
		"\n"
		"Label the access pattern of every object, window by window: sequential\n"
		"(forward or backward; streaming or with reuse), strided (stride), looping\n"
		"(period), hot set (share, Zipf alpha), uniform random, one-shot, sparse or\n"
		"mixed; and cut the trace into phases where the working set and the mix of\n"
		"objects change, recurring phases keeping their id.  One pass.\n"
		"\n"
		"Options:\n"
		"      --window N         references to an object per pattern window\n"
		"                         (default 4096, at least 64)\n"
		"      --phase-window N   references per phase window (default: the trace's\n"
		"                         events / 50, 2000 to 100000; 100000 on a pipe;\n"
		"                         the same rule and option as plot and report)\n"
		"      --min-phase N      shortest phase, in phase windows (default 3)\n"
		"      --gap N            largest step still sequential, in pages (default 1;\n"
		"                         the readahead window for fault-only traces)\n"
		"      --refs LIST        event types that count as references (default:\n"
		"                         %s; names,\n"
		"                         \"default\" and \"all\" allowed)\n"
		"      --space file|pfn   a page is (file, index) (default) or a frame\n"
		"      --objects N        objects shown, most referenced first (default 10\n"
		"                         in the table, all in JSON; 0: all)\n"
		"      --windows          also every window with its evidence\n"
		"      --by KEY           patterns and phases per key (below), each key on\n"
		"                         its own, most references first\n"
		"      --top N            keys shown with --by (default 10 in the text,\n"
		"                         all in JSON; 0: all)\n"
		"      --json             one JSON document on standard output\n"
		"  -h, --help             show this help\n"
		"\n"
		"Keys of --by:\n"
		"%s"
		"\n"
		"Examples:\n"
		"  pgtrace phase run.pgt\n"
		"  pgtrace phase --objects 3 --phase-window 1M big.pgt\n"
		"  pgtrace gen -p mix -n 2M -o - | pgtrace phase --json - | jq '.phases[].id'\n"
		"  pgtrace phase --space pfn --refs user-fault --gap 16 faults.pgt\n"
		"  pgtrace phase --windows --json --window 1024 small.pgt\n"
		"  pgtrace phase --by comm --top 3 --objects 2 run.pgt\n"
		"\n"
		"Exit status: 0 on success, 1 when the trace is damaged (what was read is\n"
		"analysed) or output cannot be written, 2 on usage errors.\n",
		pgt_refs_names(pgt_refs_default(), def, sizeof(def)), keys);
}

struct ctx {
	struct pgt_meta *meta;
	unsigned caveats;	/* enum pgt_refs_caveat */
	int space;
	int windows;
	size_t top;
	int keyed;		/* --by: the caveats once, not per key */
};

static const char *obj_path(const struct ctx *c, uint32_t obj, char *buf, size_t len)
{
	const struct pgt_object *o;

	if (c->space == PGT_SPACE_PFN)
		return "(physical memory)";
	o = c->meta ? pgt_meta__object(c->meta, obj) : NULL;
	if (o && o->path && *o->path)
		return o->path;
	snprintf(buf, len, "(object %u)", obj);
	return buf;
}

static int cmp_obj(const void *a, const void *b)
{
	const struct pgt_phase_object *x = *(const struct pgt_phase_object *const *)a;
	const struct pgt_phase_object *y = *(const struct pgt_phase_object *const *)b;

	if (x->refs != y->refs)
		return x->refs < y->refs ? 1 : -1;
	return (x->obj > y->obj) - (x->obj < y->obj);
}

/* Objects most referenced first; free the array. */
static const struct pgt_phase_object **sorted_objects(const struct pgt_phase *p, size_t *n)
{
	const struct pgt_phase_object *objs = pgt_phase__objects(p, n);

	return (const struct pgt_phase_object **)cli_sorted_ptrs(objs, n, sizeof(*objs), cmp_obj);
}

static void seconds(struct out *w, uint64_t ns)
{
	out_printf(w, "%llu.%06llu", (unsigned long long)(ns / 1000000000ull),
		   (unsigned long long)(ns % 1000000000ull / 1000));
}

/* The parameters of a label, as text ("stride=16"). */
static void params_text(struct out *w, unsigned label, unsigned sub, int64_t stride, uint64_t period,
			double alpha, double r2, double share, double hot, double pages, double fnew)
{
	const char *s = pgt_pattern_sub_name(sub);

	switch (label) {
	case PGT_PAT_STRIDED:
		out_printf(w, "stride=%lld", (long long)stride);
		break;
	case PGT_PAT_LOOPING:
		out_printf(w, "period=%llu%s%s", (unsigned long long)period, *s ? " " : "", s);
		break;
	case PGT_PAT_HOT_SET:
		out_printf(w, "alpha=%.2f r2=%.2f share=%.2f hot=%.0f%s%s", alpha, r2, share, hot,
			   *s ? " " : "", s);
		break;
	case PGT_PAT_SEQ_FORWARD:
	case PGT_PAT_SEQ_BACKWARD:
		out_printf(w, "%s new=%.2f", s, fnew);
		break;
	case PGT_PAT_ONE_SHOT:
		out_printf(w, "new=%.2f", fnew);
		break;
	case PGT_PAT_UNIFORM:
	case PGT_PAT_MIXED:
		out_printf(w, "pages=%.0f", pages);
		break;
	default:
		break;
	}
}

static void print_text(struct out *w, const struct ctx *c, const struct pgt_phase *p)
{
	const struct pgt_phase_object **v;
	const struct pgt_phase_info *ph;
	struct pgt_phase_summary sm;
	size_t n, nph, shown;
	char buf[64];

	pgt_phase__summary(p, &sm);
	v = sorted_objects(p, &n);
	shown = c->top && c->top < n ? c->top : n;
	out_printf(w, "%llu references to %llu object%s; windows of %llu references per object, phase windows of %llu\n",
		   (unsigned long long)sm.refs, (unsigned long long)sm.objects, sm.objects == 1 ? "" : "s",
		   (unsigned long long)sm.window, (unsigned long long)sm.phase_window);
	if (sm.seen_full)
		out_str(w, "(first-touch memory ran out: pages past it count as new)\n");
	if (!c->keyed)
		out_caveats_text(w, c->caveats);
	for (size_t i = 0; i < shown; i++) {
		const struct pgt_phase_object *o = v[i];

		out_str(w, "\n");
		out_text_str(w, obj_path(c, o->obj, buf, sizeof(buf)));
		out_printf(w, ": %llu references, %u window%s, mostly %s\n", (unsigned long long)o->refs,
			   o->windows, o->windows == 1 ? "" : "s", pgt_pattern_name(o->label));
		out_printf(w, "  %-23s %-27s %7s  %-19s %s\n", "REFS", "TIME (s)", "WINDOWS", "LABEL",
			   "PARAMETERS");
		for (size_t k = 0; k < o->nsegs; k++) {
			const struct pgt_phase_segment *s = &o->segs[k];
			size_t at = w->len;

			out_printf(w, "  %llu-%llu", (unsigned long long)s->start_ref,
				   (unsigned long long)s->end_ref);
			out_printf(w, "%*s", (int)(26 - (w->len - at) > 0 ? 26 - (w->len - at) : 1), "");
			at = w->len;
			seconds(w, s->start_ts);
			out_char(w, '-');
			seconds(w, s->end_ts);
			out_printf(w, "%*s", (int)(28 - (w->len - at) > 0 ? 28 - (w->len - at) : 1), "");
			out_printf(w, "%7u  %-19s ", s->windows, pgt_pattern_name(s->label));
			params_text(w, s->label, s->sub, s->stride, s->period, s->alpha, s->r2, s->hot_share,
				    s->hot_pages, s->pages, s->f_new);
			out_char(w, '\n');
		}
		for (size_t k = 0; c->windows && k < o->nwins; k++) {
			const struct pgt_phase_window *pw = &o->wins[k];
			const struct pgt_phase_features *f = &pw->f;

			out_printf(w, "    window %llu-%llu %s%s%s: n=%llu pages=%llu span=%llu fwd=%.2f bwd=%.2f "
				   "stride=%lld/%.2f new=%.2f reref=%.2f period=%llu/%.2f cv=%.2f top10=%.2f "
				   "alpha=%.2f r2=%.2f hot=%llu/%.2f disp=%.2f\n",
				   (unsigned long long)pw->start_ref, (unsigned long long)pw->end_ref,
				   pgt_pattern_name(pw->label), pw->sub ? " " : "", pgt_pattern_sub_name(pw->sub),
				   (unsigned long long)f->n, (unsigned long long)f->pages,
				   (unsigned long long)f->span, f->f_fwd, f->f_bwd, (long long)f->stride,
				   f->f_stride, f->f_new, f->f_reref, (unsigned long long)f->period, f->f_loop,
				   f->cv_reuse, f->top10, f->alpha, f->r2, (unsigned long long)f->hot_pages,
				   f->hot_share, f->dispersion);
		}
	}
	if (shown < n) {
		uint64_t rest = 0;

		for (size_t i = shown; i < n; i++)
			rest += v[i]->refs;
		out_printf(w, "\n(%zu more objects, %llu references; --objects 0 shows all)\n", n - shown,
			   (unsigned long long)rest);
	}
	free(v);
	ph = pgt_phase__phases(p, &nph);
	out_printf(w, "\n%zu phase%s, %llu distinct (a boundary where the working set and the\n"
		   "objects both change by more than half; phases of fewer windows merged)\n", nph,
		   nph == 1 ? "" : "s", (unsigned long long)sm.ids);
	if (!nph)
		return;
	out_printf(w, "  %-5s %-9s %-23s %-27s %7s %9s  %s\n", "PHASE", "ID", "REFS", "TIME (s)", "WINDOWS",
		   "WSS", "OBJECTS");
	for (size_t i = 0; i < nph; i++) {
		const struct pgt_phase_info *x = &ph[i];
		size_t at;

		out_printf(w, "  %-5zu ", i);
		at = w->len;
		out_printf(w, "%u%s", x->id, x->recurring ? " again" : "");
		out_printf(w, "%*s", (int)(10 - (w->len - at) > 0 ? 10 - (w->len - at) : 1), "");
		at = w->len;
		out_printf(w, "%llu-%llu", (unsigned long long)x->start_ref, (unsigned long long)x->end_ref);
		out_printf(w, "%*s", (int)(24 - (w->len - at) > 0 ? 24 - (w->len - at) : 1), "");
		at = w->len;
		seconds(w, x->start_ts);
		out_char(w, '-');
		seconds(w, x->end_ts);
		out_printf(w, "%*s", (int)(28 - (w->len - at) > 0 ? 28 - (w->len - at) : 1), "");
		out_printf(w, "%7u %9.0f ", x->windows, x->wss);
		for (uint32_t k = 0; k < x->nparts; k++) {
			const struct pgt_phase_part *pp = &x->parts[k];

			if (k && pp->share < 0.01)
				break;
			out_str(w, k ? ", " : " ");
			out_text_str(w, obj_path(c, pp->obj, buf, sizeof(buf)));
			out_printf(w, " %.0f%% %s", 100 * pp->share, pgt_pattern_name(pp->label));
			if (pp->label == PGT_PAT_STRIDED)
				out_printf(w, "(%lld)", (long long)pp->stride);
			else if (pp->label == PGT_PAT_LOOPING)
				out_printf(w, "(%llu)", (unsigned long long)pp->period);
		}
		out_char(w, '\n');
	}
}

static void json_features(struct out *w, const struct pgt_phase_features *f)
{
	out_printf(w, "\"n\":%llu,\"pages\":%llu,\"span\":%llu,\"f_fwd\":%.6g,\"f_bwd\":%.6g,\"f_repeat\":%.6g,"
		   "\"runs_fwd\":%.6g,\"runs_bwd\":%.6g,\"stride\":%lld,\"f_stride\":%.6g,\"f_steady\":%.6g,"
		   "\"f_new\":%.6g,\"f_reref\":%.6g,\"period\":%llu,\"f_loop\":%.6g,\"cv_reuse\":%.6g,"
		   "\"f_close\":%.6g,\"top10\":%.6g,\"alpha\":%.6g,\"r2\":%.6g,\"zipf_ranks\":%u,"
		   "\"hot80\":%llu,\"hot_pages\":%llu,\"hot_share\":%.6g,\"dispersion\":%.6g",
		   (unsigned long long)f->n, (unsigned long long)f->pages, (unsigned long long)f->span,
		   f->f_fwd, f->f_bwd, f->f_repeat, f->runs_fwd, f->runs_bwd, (long long)f->stride,
		   f->f_stride, f->f_steady, f->f_new, f->f_reref, (unsigned long long)f->period, f->f_loop,
		   f->cv_reuse, f->f_close, f->top10, f->alpha, f->r2, f->zipf_hi,
		   (unsigned long long)f->hot80, (unsigned long long)f->hot_pages, f->hot_share,
		   f->dispersion);
}

/* The phase object of --json, without a newline: {key, ...} per key with --by. */
static void json_phase(struct out *w, const struct ctx *c, const struct pgt_phase *p, const char *key)
{
	const struct pgt_phase_object **v;
	const struct pgt_phase_info *ph;
	struct pgt_phase_summary sm;
	size_t n, nph, shown;
	char buf[64];

	pgt_phase__summary(p, &sm);
	v = sorted_objects(p, &n);
	shown = c->top && c->top < n ? c->top : n;
	out_char(w, '{');
	if (key) {
		out_str(w, "\"key\":");
		out_json_str(w, key);
		out_char(w, ',');
	}
	out_printf(w, "\"refs\":%llu,\"objects_total\":%llu,\"window\":%llu,\"phase_window\":%llu,"
		   "\"first_ts\":%llu,\"last_ts\":%llu,\"seen_full\":%s,\"windows\":%llu,",
		   (unsigned long long)sm.refs, (unsigned long long)sm.objects, (unsigned long long)sm.window,
		   (unsigned long long)sm.phase_window, (unsigned long long)sm.first_ts,
		   (unsigned long long)sm.last_ts, sm.seen_full ? "true" : "false",
		   (unsigned long long)sm.windows);
	out_caveats_json(w, c->caveats);
	out_str(w, ",\"objects\":[");
	for (size_t i = 0; i < shown; i++) {
		const struct pgt_phase_object *o = v[i];

		out_printf(w, "%s{\"obj\":%u,\"path\":", i ? "," : "", o->obj);
		out_json_str(w, obj_path(c, o->obj, buf, sizeof(buf)));
		out_printf(w, ",\"refs\":%llu,\"windows\":%u,\"label\":\"%s\",\"segments\":[",
			   (unsigned long long)o->refs, o->windows, pgt_pattern_name(o->label));
		for (size_t k = 0; k < o->nsegs; k++) {
			const struct pgt_phase_segment *s = &o->segs[k];

			out_printf(w, "%s{\"label\":\"%s\",\"sub\":\"%s\",\"start_ref\":%llu,\"end_ref\":%llu,"
				   "\"start_ts\":%llu,\"end_ts\":%llu,\"refs\":%llu,\"windows\":%u,\"stride\":%lld,"
				   "\"period\":%llu,\"alpha\":%.6g,\"r2\":%.6g,\"share\":%.6g,\"hot_pages\":%.6g,"
				   "\"hot80\":%.6g,\"pages\":%.6g,\"f_new\":%.6g}",
				   k ? "," : "", pgt_pattern_name(s->label), pgt_pattern_sub_name(s->sub),
				   (unsigned long long)s->start_ref, (unsigned long long)s->end_ref,
				   (unsigned long long)s->start_ts, (unsigned long long)s->end_ts,
				   (unsigned long long)s->refs, s->windows, (long long)s->stride,
				   (unsigned long long)s->period, s->alpha, s->r2, s->hot_share, s->hot_pages,
				   s->hot80, s->pages, s->f_new);
		}
		out_str(w, "]");
		if (c->windows) {
			out_str(w, ",\"window_list\":[");
			for (size_t k = 0; k < o->nwins; k++) {
				const struct pgt_phase_window *pw = &o->wins[k];

				out_printf(w, "%s{\"label\":\"%s\",\"sub\":\"%s\",\"start_ref\":%llu,\"end_ref\":%llu,"
					   "\"start_ts\":%llu,\"end_ts\":%llu,", k ? "," : "",
					   pgt_pattern_name(pw->label), pgt_pattern_sub_name(pw->sub),
					   (unsigned long long)pw->start_ref, (unsigned long long)pw->end_ref,
					   (unsigned long long)pw->start_ts, (unsigned long long)pw->end_ts);
				json_features(w, &pw->f);
				out_char(w, '}');
			}
			out_char(w, ']');
		}
		out_char(w, '}');
	}
	free(v);
	ph = pgt_phase__phases(p, &nph);
	out_printf(w, "],\"phase_ids\":%llu,\"phases\":[", (unsigned long long)sm.ids);
	for (size_t i = 0; i < nph; i++) {
		const struct pgt_phase_info *x = &ph[i];

		out_printf(w, "%s{\"phase\":%zu,\"id\":%u,\"recurring\":%s,\"start_ref\":%llu,\"end_ref\":%llu,"
			   "\"start_ts\":%llu,\"end_ts\":%llu,\"refs\":%llu,\"windows\":%u,\"wss\":%.6g,"
			   "\"wss_max\":%llu,\"wss_est\":%.6g,\"jaccard\":%.6g,\"manhattan\":%.6g,"
			   "\"recur_dist\":%.6g,\"objects\":[",
			   i ? "," : "", i, x->id, x->recurring ? "true" : "false",
			   (unsigned long long)x->start_ref, (unsigned long long)x->end_ref,
			   (unsigned long long)x->start_ts, (unsigned long long)x->end_ts,
			   (unsigned long long)x->refs, x->windows, x->wss, (unsigned long long)x->wss_max,
			   x->wss_est, x->jaccard, x->manhattan, x->recur_dist);
		for (uint32_t k = 0; k < x->nparts; k++) {
			const struct pgt_phase_part *pp = &x->parts[k];

			out_printf(w, "%s{\"obj\":%u,\"path\":", k ? "," : "", pp->obj);
			out_json_str(w, obj_path(c, pp->obj, buf, sizeof(buf)));
			out_printf(w, ",\"share\":%.6g,\"label\":\"%s\",\"stride\":%lld,\"period\":%llu}",
				   pp->share, pgt_pattern_name(pp->label), (long long)pp->stride,
				   (unsigned long long)pp->period);
		}
		out_str(w, "]}");
	}
	out_str(w, "]}");
}

/* ---- --by: one classifier per key (pgt_keyed) ---- */

static void *by_make(void *ctx, int *err)
{
	return pgt_phase__new(ctx, err);
}

static int by_feed(void *ctx, void *child, const struct pgt_event *evs, size_t n)
{
	(void)ctx;
	return pgt_phase__feed(child, evs, n);
}

static int by_finish(void *ctx, void *child)
{
	(void)ctx;
	return pgt_phase__finish(child);
}

static void by_free(void *ctx, void *child)
{
	(void)ctx;
	pgt_phase__free(child);
}

/* An event that is no reference makes no key (as for stats --by). */
static int by_wants(void *ctx, const struct pgt_event *ev)
{
	const struct pgt_phase_opts *o = ctx;

	return pgt_refs_count(ev, o->refs ? o->refs : pgt_refs_default(), o->space) != 0;
}

static const struct pgt_keyed_ops by_ops = {
	.make = by_make, .feed = by_feed, .finish = by_finish, .free = by_free, .wants = by_wants,
};

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

/* Every key's phases, most references first, at most @top keys (0: all). */
static int print_keyed(struct out *w, const struct ctx *c, const struct pgt_keyed *k,
		       const struct pgt_field *by, size_t top, int json)
{
	size_t nk = pgt_keyed__count(k), shown;
	struct keyref *ord = malloc((nk ? nk : 1) * sizeof(*ord));
	uint64_t rest = 0;
	char buf[32];

	if (!ord)
		return -ENOMEM;
	for (size_t i = 0; i < nk; i++) {
		struct pgt_phase_summary sm;

		pgt_phase__summary(pgt_keyed__child(k, i), &sm);
		ord[i].refs = sm.refs;
		ord[i].i = i;
	}
	qsort(ord, nk, sizeof(*ord), cmp_keyref);
	shown = top && top < nk ? top : nk;
	if (json) {
		out_char(w, '[');
		for (size_t i = 0; i < shown; i++) {
			if (i)
				out_char(w, ',');
			json_phase(w, c, pgt_keyed__child(k, ord[i].i),
				   pgt_keyed__name(k, ord[i].i, buf, sizeof(buf)));
		}
		out_str(w, "]\n");
		free(ord);
		return 0;
	}
	out_printf(w, "By %s: %zu key%s, most references first\n", by->name, nk, nk == 1 ? "" : "s");
	out_caveats_text(w, c->caveats);
	for (size_t i = 0; i < shown; i++) {
		out_printf(w, "\n== %s ", by->name);
		out_text_str(w, pgt_keyed__name(k, ord[i].i, buf, sizeof(buf)));
		out_str(w, " ==\n");
		print_text(w, c, pgt_keyed__child(k, ord[i].i));
	}
	for (size_t i = shown; i < nk; i++)
		rest += ord[i].refs;
	if (shown < nk)
		out_printf(w, "\n(%zu more key%s, %llu references; --top 0 shows all)\n", nk - shown,
			   nk - shown == 1 ? "" : "s",
			   (unsigned long long)rest);
	free(ord);
	return 0;
}

int cmd_phase(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "window", required_argument, NULL, 'w' },
		{ "phase-window", required_argument, NULL, 'W' },
		{ "min-phase", required_argument, NULL, 'm' },
		{ "gap", required_argument, NULL, 'g' },
		{ "refs", required_argument, NULL, 'R' },
		{ "space", required_argument, NULL, 'S' },
		{ "objects", required_argument, NULL, 'O' },
		{ "by-object", required_argument, NULL, 'O' },
		{ "windows", no_argument, NULL, 'v' },
		{ "by", required_argument, NULL, 'b' },
		{ "top", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pgt_phase_opts o = { .sz = sizeof(o) };
	struct ctx cx = { .top = 10 };
	uint64_t total = 0, done = 0, packets, t0, t1;
	const char *path;
	int json = 0, top_set = 0, keys_set = 0, c, err = 0, rc = 0;
	const struct pgt_field *by = NULL;
	size_t top_keys = 10;
	struct pgt_phase *ph = NULL;
	struct pgt_keyed *keyed = NULL;
	struct pgt_sink *sinks[2] = { NULL, NULL };
	struct pgt_drain_opts dopts;
	struct pgt_drain_result res;
	struct pgt_reader *r;
	struct progress prog;
	struct pgt_refs_tally tally = { { 0 }, { 0 } };
	struct out w;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			o.window = cli_count("--window", optarg);
			if (o.window < 64 || o.window > (1u << 30))
				cli_usage_error("invalid --window '%s': 64 to 2^30 references", optarg);
			break;
		case 'W':
			o.phase_window = cli_count("--phase-window", optarg);
			if (!o.phase_window || o.phase_window > (1ull << 40))
				cli_usage_error("invalid --phase-window '%s': at least 1 reference", optarg);
			break;
		case 'm':
			o.min_phase = (uint32_t)cli_u64_max("--min-phase", optarg, 64);
			if (!o.min_phase)
				cli_usage_error("invalid --min-phase '%s': 1 to 64 windows", optarg);
			break;
		case 'g':
			o.gap = cli_u64_max("--gap", optarg, 1ull << 40);
			if (!o.gap)
				cli_usage_error("invalid --gap '%s': at least 1 page", optarg);
			break;
		case 'R': o.refs = cli_refs_arg(optarg); break;
		case 'S': o.space = cli_space_arg(optarg); break;
		case 'O':
			cx.top = (size_t)cli_u64_max("--objects", optarg, UINT32_MAX);
			top_set = 1;
			break;
		case 'v': cx.windows = 1; break;
		case 'b':
			by = pgt_field__find(optarg, strlen(optarg), PGT_FU_PHASE);
			if (!by) {
				char keys[512];

				pgt_fields__names(PGT_FU_PHASE, ", ", keys, sizeof(keys));
				cli_usage_error("invalid --by '%s': %s", optarg, keys);
			}
			break;
		case 't':
			top_keys = (size_t)cli_u64_max("--top", optarg, UINT32_MAX);
			keys_set = 1;
			break;
		case 'j': json = 1; break;
		case 'h': phase_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (json && !top_set)
		cx.top = 0;
	if (json && !keys_set)
		top_keys = 0;
	if (keys_set && !by)
		cli_usage_error("--top bounds the keys of --by: give --by");
	cx.keyed = !!by;
	o.keep_windows = cx.windows;
	cx.space = o.space;
	path = cli_trace_arg(argc, argv, optind);
	r = cli_open_reader(path, NULL);
	if (!r)
		return EXIT_RUNTIME;
	cx.meta = pgt_reader__meta(r);
	pgt_reader__index_summary(r, &total, &packets, &t0, &t1);
	o.events = total;	/* sizes the phase window, as plot and report do */
	if (by) {
		/* one classifier per key, each with the trace's phase window;
		 * made here once so that a bad option fails before the drain */
		ph = pgt_phase__new(&o, &err);
		pgt_phase__free(ph);
		ph = NULL;
		keyed = err ? NULL : pgt_keyed__new(by, &by_ops, &o, &err);
		if (!keyed) {
			cli_error("cannot set up the classifier: %s", pgt_strerror(err));
			rc = EXIT_RUNTIME;
			goto out;
		}
		sinks[0] = pgt_keyed__sink(keyed);
	} else {
		ph = pgt_phase__new(&o, &err);
		if (!ph) {
			cli_error("cannot set up the classifier: %s", pgt_strerror(err));
			rc = EXIT_RUNTIME;
			goto out;
		}
		sinks[0] = pgt_phase__sink(ph);
	}
	sinks[1] = pgt_refs_tally__sink(&tally);
	if (!sinks[0] || !sinks[1]) {
		cli_error("cannot set up the classifier: %s", pgt_strerror(-ENOMEM));
		rc = EXIT_RUNTIME;
		goto out;
	}
	progress_init(&prog, "events", total);
	progress_drain_opts(&prog, &dopts);
	err = pgt_reader__drain(r, sinks, 2, &dopts, &res);
	done = res.events;
	progress_done(&prog);
	cx.caveats = pgt_refs_caveats(&tally, pgt_reader__header(r), cx.meta, o.refs);
	if (err == -ENOMEM && !res.finishing) {
		cli_error("out of memory after %llu events (try a smaller --window or --phase-window)",
			  (unsigned long long)done);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (err && res.side == PGT_DRAIN_SOURCE) {
		/* what was read is analysed; the damage fails the run */
		rc = cli_read_failed(path, err);
		err = pgt_sink__finish(sinks[0], cx.meta, pgt_reader__header(r));
	}
	if (err) {
		cli_error("out of memory while computing results");
		rc = EXIT_RUNTIME;
		goto out;
	}
	out_init(&w, STDOUT_FILENO);
	if (keyed) {
		if (print_keyed(&w, &cx, keyed, by, top_keys, json)) {
			cli_error("out of memory while computing results");
			rc = EXIT_RUNTIME;
		}
	} else if (json) {
		json_phase(&w, &cx, ph, NULL);
		out_char(&w, '\n');
	} else {
		print_text(&w, &cx, ph);
	}
	if (out_finish(&w))
		rc = cli_write_failed("standard output", -EIO);
out:
	pgt_sink__free(sinks[0]);
	pgt_sink__free(sinks[1]);
	pgt_phase__free(ph);
	pgt_keyed__free(keyed);
	pgt_reader__free(r);
	return rc;
}
