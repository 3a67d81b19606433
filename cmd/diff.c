// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pgtrace diff: two traces side by side, per file and per process.
 *
 * Each trace is read twice: once for its side tables as they are at the
 * end (a file the recorder names late has its path by then), once for the
 * counts, with the side tables as they were at each event (a process is
 * the program it ran then).  Rows are matched between the traces as merge
 * matches files across hosts: a file is its path; a process is its comm
 * and executable.  References, stack distances and miss ratios come from
 * the stats accumulator (one per row and trace), with the library's
 * reference types; insertions and evictions are the pages of add and
 * delete events.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "builtin.h"
#include "ops/u64map.h"
#include "util/util.h"
#include "pgtrace/analysis.h"

static void diff_usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace diff [OPTIONS] A B\n"
		"\n"
		"Compare two traces per file and per process: references, insertions (add\n"
		"events: misses), evictions (delete events), distinct pages, hit ratio and\n"
		"the LRU miss-ratio curve, side by side with B - A and B / A.  Files are\n"
		"matched by path, processes by command name and executable.  Rows are sorted\n"
		"by the largest absolute change of references, insertions, evictions or\n"
		"pages.\n"
		"\n"
		"Options:\n"
		"      --sizes LIST     cache sizes of the miss-ratio curve, in pages (K, M,\n"
		"                       G multiply by 1024; default: powers of two up to the\n"
		"                       larger footprint of each row)\n"
		"      --refs LIST      event types that count as references (default: the\n"
		"                       library's, as pgtrace stats)\n"
		"      --top N          rows per table (default 10 in text, all in JSON)\n"
		"      --json           one JSON document on standard output\n"
		"  -h, --help           show this help\n"
		"\n"
		"Examples:\n"
		"  pgtrace diff cold.pgt warm.pgt\n"
		"  pgtrace diff --top 3 --sizes 64,1K,16K before.pgt after.pgt\n"
		"  pgtrace diff --json monday.pgt tuesday.pgt | jq '.files.rows[0]'\n"
		"\n"
		"Exit status: 0 on success, 1 when a trace cannot be read, 2 on usage errors.\n");
}

enum { T_FILES, T_PROCS, T_TOTAL, T_N };
static const char *const table_names[T_N] = { "files", "processes", "total" };

struct side {
	uint64_t ins, evict;
	struct pgt_stats *st;
};

struct row {
	char *key;
	uint32_t next;		/* same hash: index + 1 */
	struct side s[2];
	/* results, after both traces */
	uint64_t refs[2], pages[2];
	double score;
};

struct table {
	struct row *rows;
	uint32_t n, cap;
	struct u64map by_hash;	/* key hash -> first row + 1 */
	uint32_t in[2];		/* rows present in A, in B */
};

struct diff {
	struct table t[T_N];
	struct pgt_stats_opts so;
	uint32_t refs;		/* mask */
	int has_ins;		/* some trace has add events */
	const char *path[2];
	uint64_t events[2];
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void oom(void)
{
	cli_error("out of memory");
	exit(EXIT_RUNTIME);
}

/* The row of @key in @t, created when new. */
static uint32_t row_of(struct table *t, const char *key)
{
	uint64_t h = str_hash(key);
	uint32_t head = u64map_get(&t->by_hash, h);
	struct row *r;

	for (uint32_t i = head == U64MAP_NONE ? 0 : head; i; i = t->rows[i - 1].next)
		if (!strcmp(t->rows[i - 1].key, key))
			return i - 1;
	if (t->n == t->cap) {
		uint32_t ncap = t->cap ? t->cap * 2 : 64;
		struct row *nr = realloc(t->rows, sizeof(*nr) * ncap);

		if (!nr)
			oom();
		t->rows = nr;
		t->cap = ncap;
	}
	r = &t->rows[t->n];
	memset(r, 0, sizeof(*r));
	r->key = strdup(key);
	if (!r->key)
		oom();
	r->next = head == U64MAP_NONE ? 0 : head;
	if (u64map_put(&t->by_hash, h, t->n + 1))
		oom();
	return t->n++;
}

static struct side *side_of(struct diff *d, struct table *t, uint32_t row, int which)
{
	struct side *s = &t->rows[row].s[which];
	int err;

	if (!s->st) {
		s->st = pgt_stats__new(&d->so, &err);
		if (!s->st)
			oom();
		t->in[which]++;
	}
	return s;
}

/* Row name of an object: its path as the trace ends. */
static void object_key(const struct pgt_object *o, uint32_t id, char *buf, size_t len)
{
	if (o && o->path && *o->path)
		snprintf(buf, len, "%s", o->path);
	else if (o && (o->dev || o->ino))
		snprintf(buf, len, "[unnamed %u:%u inode %llu]", major(o->dev), minor(o->dev),
			 (unsigned long long)o->ino);
	else
		snprintf(buf, len, "[object %u]", id);
}

/* Row name of a process: its comm and executable at the event. */
static void process_key(const struct pgt_process *p, char *buf, size_t len)
{
	if (!p || !p->comm || !*p->comm)
		snprintf(buf, len, "[kernel or unknown]");
	else if (p->exe && *p->exe)
		snprintf(buf, len, "%s (%s)", p->comm, p->exe);
	else
		snprintf(buf, len, "%s", p->comm);
}

/* The side tables of @path as they are at its end. */
static struct pgt_reader *read_names(const char *path, int *rc)
{
	struct pgt_reader *r = cli_open_reader(path, NULL);
	struct pgt_source *src;
	const struct pgt_event *evs;
	ssize_t n;
	int err = 0;

	if (!r) {
		*rc = EXIT_RUNTIME;
		return NULL;
	}
	src = pgt_reader__parallel_source(r, cli_decode_threads(), &err);
	if (!src) {
		*rc = cli_read_failed(path, err);
		pgt_reader__free(r);
		return NULL;
	}
	while ((n = pgt_source__batch(src, &evs)) > 0)
		;
	pgt_source__free(src);
	if (n < 0) {
		*rc = cli_read_failed(path, (int)n);
		pgt_reader__free(r);
		return NULL;
	}
	return r;
}

static int read_trace(struct diff *d, int which)
{
	const char *path = d->path[which];
	struct pgt_reader *names, *r;
	struct pgt_meta *final, *meta;
	struct pgt_source *src;
	struct u64map objrow = { 0 };
	uint32_t lobj = 0, lrow = 0, lpid = UINT32_MAX, lprow = 0, total;
	char key[4200];
	int rc = 0;

	names = read_names(path, &rc);
	if (!names)
		return rc;
	final = pgt_reader__meta(names);
	r = cli_open_reader(path, NULL);
	if (!r) {
		pgt_reader__free(names);
		return EXIT_RUNTIME;
	}
	src = pgt_reader__source(r);
	meta = src->meta;
	total = row_of(&d->t[T_TOTAL], "total");
	side_of(d, &d->t[T_TOTAL], total, which);
	for (;;) {
		const struct pgt_event *evs;
		ssize_t n = pgt_source__batch(src, &evs);
		struct side *ts = &d->t[T_TOTAL].rows[total].s[which];

		if (n <= 0) {
			if (n < 0)
				rc = cli_read_failed(path, (int)n);
			break;
		}
		d->events[which] += (uint64_t)n;
		if (pgt_stats__feed(ts->st, evs, (size_t)n))
			oom();
		for (ssize_t i = 0; i < n; i++) {
			const struct pgt_event *ev = &evs[i];
			uint64_t cnt = pgt_refs_count(ev, d->refs, PGT_SPACE_FILE);
			int ins = ev->type == PGT_EV_ADD, ev_del = ev->type == PGT_EV_DELETE;
			const struct pgt_process *p;
			struct side *fs = NULL, *ps;
			uint32_t frow, prow;

			if (!cnt && !ins && !ev_del)
				continue;
			if (ev->obj) {
				if (ev->obj == lobj) {
					frow = lrow;
				} else {
					frow = u64map_get(&objrow, ev->obj);
					if (frow == U64MAP_NONE) {
						object_key(pgt_meta__object(final, ev->obj), ev->obj, key, sizeof(key));
						frow = row_of(&d->t[T_FILES], key);
						if (u64map_put(&objrow, ev->obj, frow))
							oom();
					}
					lobj = ev->obj;
					lrow = frow;
				}
				fs = side_of(d, &d->t[T_FILES], frow, which);
			}
			if (ev->pid == lpid) {
				prow = lprow;
			} else {
				p = ev->pid ? pgt_meta__process(meta, ev->pid) : NULL;
				process_key(p, key, sizeof(key));
				prow = row_of(&d->t[T_PROCS], key);
				lpid = ev->pid;
				lprow = prow;
			}
			ps = side_of(d, &d->t[T_PROCS], prow, which);
			if (ins || ev_del) {
				uint64_t *c;

				d->has_ins |= ins;
				c = ins ? &ts->ins : &ts->evict;
				*c += ev->npages;
				if (fs)
					*(ins ? &fs->ins : &fs->evict) += ev->npages;
				*(ins ? &ps->ins : &ps->evict) += ev->npages;
			}
			for (uint64_t k = 0; k < cnt; k++) {
				struct pgt_ref ref;

				pgt_refs_at(ev, PGT_SPACE_FILE, k, &ref);
				if ((fs && pgt_stats__ref(fs->st, ref.obj, ref.key, ref.ts)) ||
				    pgt_stats__ref(ps->st, ref.obj, ref.key, ref.ts))
					oom();
			}
		}
		/* records come between batches: a process may have changed */
		lpid = UINT32_MAX;
	}
	u64map_release(&objrow);
	pgt_reader__free(r);
	pgt_reader__free(names);
	return rc;
}

/* ---- results ---- */

static void finish(struct diff *d)
{
	for (int t = 0; t < T_N; t++) {
		for (uint32_t i = 0; i < d->t[t].n; i++) {
			struct row *r = &d->t[t].rows[i];
			double score = 0;

			for (int w = 0; w < 2; w++) {
				struct pgt_stats_summary sm;

				if (!r->s[w].st)
					continue;
				if (pgt_stats__finish(r->s[w].st))
					oom();
				pgt_stats__summary(r->s[w].st, &sm);
				r->refs[w] = sm.refs;
				r->pages[w] = sm.pages;
			}
			{
				double v[4] = {
					fabs((double)r->refs[1] - (double)r->refs[0]),
					fabs((double)r->s[1].ins - (double)r->s[0].ins),
					fabs((double)r->s[1].evict - (double)r->s[0].evict),
					fabs((double)r->pages[1] - (double)r->pages[0]),
				};

				for (int k = 0; k < 4; k++)
					score = v[k] > score ? v[k] : score;
			}
			r->score = score;
		}
	}
}

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = *(const struct row *const *)a, *y = *(const struct row *const *)b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* The sizes of a row's curve: --sizes, or powers of two up to the first
 * at or past the larger footprint (where only first references miss). */
static size_t row_sizes(const struct diff *d, const struct row *r, uint64_t *out, size_t max)
{
	uint64_t fp = r->pages[0] > r->pages[1] ? r->pages[0] : r->pages[1];
	size_t n = 0;

	if (d->so.nsizes) {
		for (size_t i = 0; i < d->so.nsizes && n < max; i++)
			out[n++] = d->so.sizes[i];
		return n;
	}
	for (uint64_t s = 1; n < max; s *= 2) {
		out[n++] = s;
		if (s >= fp)
			break;
	}
	return n;
}

/* Miss ratio of one side at sizes[i]; -1 without references. */
static double miss_at(const struct diff *d, const struct row *r, int w, const uint64_t *sizes, size_t i)
{
	const struct pgt_stats *s = r->s[w].st;

	if (!s || !r->refs[w])
		return -1;
	if (d->so.nsizes)
		return (double)pgt_stats__misses_at(s, i) / (double)r->refs[w];
	return pgt_stats__miss_ratio(s, sizes[i]);
}

static double hit_ratio(const struct diff *d, const struct row *r, int w)
{
	uint64_t ins = r->s[w].ins;

	if (!d->has_ins || !r->refs[w])
		return -1;
	return 1.0 - (double)(ins < r->refs[w] ? ins : r->refs[w]) / (double)r->refs[w];
}

static const char *presence(const struct row *r)
{
	return r->s[0].st && r->s[1].st ? "both" : r->s[0].st ? "a" : "b";
}

/* ---- JSON ---- */

static void json_num(struct out *w, double v)
{
	if (v < 0)
		out_str(w, "null");
	else
		out_printf(w, "%.9g", v);
}

static void json_count(struct out *w, const char *name, uint64_t a, uint64_t b)
{
	out_printf(w, ",\"%s\":{\"a\":%llu,\"b\":%llu,\"delta\":%lld,\"ratio\":", name, (unsigned long long)a,
		   (unsigned long long)b, (long long)(b - a));
	json_num(w, a ? (double)b / (double)a : -1);
	out_char(w, '}');
}

static void json_pair(struct out *w, double a, double b)
{
	out_str(w, "\"a\":");
	json_num(w, a);
	out_str(w, ",\"b\":");
	json_num(w, b);
	out_str(w, ",\"delta\":");
	if (a < 0 || b < 0)
		out_str(w, "null");
	else
		out_printf(w, "%.9g", b - a);
}

static void json_row(struct out *w, const struct diff *d, const struct row *r)
{
	uint64_t sizes[80];
	size_t ns = row_sizes(d, r, sizes, PGT_ARRAY_SIZE(sizes));

	out_str(w, "{\"key\":");
	out_json_str(w, r->key);
	out_printf(w, ",\"in\":\"%s\"", presence(r));
	json_count(w, "references", r->refs[0], r->refs[1]);
	json_count(w, "insertions", r->s[0].ins, r->s[1].ins);
	json_count(w, "evictions", r->s[0].evict, r->s[1].evict);
	json_count(w, "pages", r->pages[0], r->pages[1]);
	out_str(w, ",\"hit_ratio\":{");
	json_pair(w, hit_ratio(d, r, 0), hit_ratio(d, r, 1));
	out_str(w, "},\"mrc\":[");
	for (size_t i = 0; i < ns; i++) {
		out_printf(w, "%s{\"pages\":%llu,", i ? "," : "", (unsigned long long)sizes[i]);
		json_pair(w, miss_at(d, r, 0, sizes, i), miss_at(d, r, 1, sizes, i));
		out_char(w, '}');
	}
	out_str(w, "]}");
}

static const struct row **sorted(const struct table *t, size_t *n)
{
	*n = t->n;
	return (const struct row **)cli_sorted_ptrs(t->rows, n, sizeof(*t->rows), cmp_rows);
}

static void print_json(struct out *w, const struct diff *d, size_t top)
{
	out_str(w, "{\"a\":{\"trace\":");
	out_json_str(w, d->path[0]);
	out_printf(w, ",\"events\":%llu},\"b\":{\"trace\":", (unsigned long long)d->events[0]);
	out_json_str(w, d->path[1]);
	out_printf(w, ",\"events\":%llu},\"insertions_seen\":%s,\"sizes\":\"%s\",\"total\":",
		   (unsigned long long)d->events[1], d->has_ins ? "true" : "false",
		   d->so.nsizes ? "given" : "powers of two");
	json_row(w, d, &d->t[T_TOTAL].rows[0]);
	for (int t = 0; t < T_TOTAL; t++) {
		size_t n, both = 0;
		const struct row **v = sorted(&d->t[t], &n);

		for (size_t i = 0; i < n; i++)
			both += v[i]->s[0].st && v[i]->s[1].st;
		out_printf(w, ",\"%s\":{\"in_a\":%u,\"in_b\":%u,\"in_both\":%zu,\"rows\":[", table_names[t],
			   d->t[t].in[0], d->t[t].in[1], both);
		for (size_t i = 0; i < n && i < top; i++) {
			if (i)
				out_char(w, ',');
			json_row(w, d, v[i]);
		}
		out_str(w, "]}");
		free(v);
	}
	out_str(w, "}\n");
}

/* ---- text ---- */

static void text_count(struct out *w, const char *name, uint64_t a, uint64_t b, int sa, int sb)
{
	char ra[32];

	if (a)
		snprintf(ra, sizeof(ra), "%.3f", (double)b / (double)a);
	else
		snprintf(ra, sizeof(ra), "-");
	out_printf(w, "  %-22s", name);
	if (sa)
		out_printf(w, " %12llu", (unsigned long long)a);
	else
		out_printf(w, " %12s", "-");
	if (sb)
		out_printf(w, " %12llu", (unsigned long long)b);
	else
		out_printf(w, " %12s", "-");
	out_printf(w, " %+13lld %9s\n", (long long)(b - a), ra);
}

static void text_ratio(struct out *w, const char *name, double a, double b)
{
	out_printf(w, "  %-22s", name);
	for (int i = 0; i < 2; i++) {
		double v = i ? b : a;

		if (v < 0)
			out_printf(w, " %12s", "-");
		else
			out_printf(w, " %12.4f", v);
	}
	if (a < 0 || b < 0)
		out_printf(w, " %13s\n", "-");
	else
		out_printf(w, " %+13.4f\n", b - a);
}

static void text_row(struct out *w, const struct diff *d, const struct row *r)
{
	uint64_t sizes[80];
	size_t ns = row_sizes(d, r, sizes, PGT_ARRAY_SIZE(sizes));
	int sa = r->s[0].st != NULL, sb = r->s[1].st != NULL;

	out_char(w, '\n');
	out_text_str(w, r->key);
	if (!sa || !sb)
		out_str(w, sa ? "  (only in A)" : "  (only in B)");
	out_printf(w, "\n  %-22s %12s %12s %13s %9s\n", "", "A", "B", "B - A", "B / A");
	text_count(w, "references", r->refs[0], r->refs[1], sa, sb);
	text_count(w, "insertions", r->s[0].ins, r->s[1].ins, sa, sb);
	text_count(w, "evictions", r->s[0].evict, r->s[1].evict, sa, sb);
	text_count(w, "distinct pages", r->pages[0], r->pages[1], sa, sb);
	if (d->has_ins)
		text_ratio(w, "hit ratio", hit_ratio(d, r, 0), hit_ratio(d, r, 1));
	for (size_t i = 0; i < ns; i++) {
		char name[48];

		snprintf(name, sizeof(name), "miss ratio @%llu page%s", (unsigned long long)sizes[i],
			 sizes[i] == 1 ? "" : "s");
		text_ratio(w, name, miss_at(d, r, 0, sizes, i), miss_at(d, r, 1, sizes, i));
	}
}

static void print_text(struct out *w, const struct diff *d, size_t top)
{
	out_printf(w, "A: %s (%llu events)\nB: %s (%llu events)\n", d->path[0],
		   (unsigned long long)d->events[0], d->path[1], (unsigned long long)d->events[1]);
	if (!d->has_ins)
		out_str(w, "no insertions (add events) in either trace: hit ratios unknown; "
			   "miss ratios are LRU's at each size (pages)\n");
	else
		out_str(w, "hit ratio: 1 - insertions / references; miss ratios are LRU's at each size (pages)\n");
	text_row(w, d, &d->t[T_TOTAL].rows[0]);
	for (int t = 0; t < T_TOTAL; t++) {
		size_t n, both = 0;
		const struct row **v = sorted(&d->t[t], &n);

		for (size_t i = 0; i < n; i++)
			both += v[i]->s[0].st && v[i]->s[1].st;
		out_printf(w, "\n== %s: %u in A, %u in B, %zu in both; the %zu that changed most\n",
			   table_names[t], d->t[t].in[0], d->t[t].in[1], both, n < top ? n : top);
		for (size_t i = 0; i < n && i < top; i++)
			text_row(w, d, v[i]);
		free(v);
	}
}

int cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sizes", required_argument, NULL, 'Z' },
		{ "refs", required_argument, NULL, 'R' },
		{ "top", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct diff d = { 0 };
	uint64_t *sizes = NULL;
	size_t top = 10;
	int json = 0, top_given = 0, c, rc = 0;
	struct out w;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'Z':
			free(sizes);
			d.so.nsizes = cli_sizes_arg("--sizes", optarg, &sizes);
			d.so.sizes = sizes;
			break;
		case 'R': d.so.refs = cli_refs_arg(optarg); break;
		case 't':
			top = (size_t)cli_u64_max("--top", optarg, 1000000000);
			top_given = 1;
			break;
		case 'j': json = 1; break;
		case 'h': diff_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (argc - optind != 2)
		cli_usage_error(argc - optind < 2 ? "two traces needed, A and B" :
				"two traces at a time, got '%s' too", argv[argc - 1]);
	d.path[0] = argv[optind];
	d.path[1] = argv[optind + 1];
	for (int i = 0; i < 2; i++)
		if (!strcmp(d.path[i], "-"))
			cli_usage_error("'-': each trace is read twice, so it must be a file");
	d.refs = d.so.refs ? d.so.refs : pgt_refs_default();
	d.so.no_pages = 1;	/* IRF and popularity are not compared */
	d.so.window = UINT64_MAX / 2;	/* nor working sets over time */
	if (!json || !top_given)
		top = json ? SIZE_MAX : top;
	for (int i = 0; i < 2 && !rc; i++)
		rc = read_trace(&d, i);
	if (!rc) {
		finish(&d);
		out_init(&w, STDOUT_FILENO);
		if (json)
			print_json(&w, &d, top);
		else
			print_text(&w, &d, top);
		if (out_finish(&w))
			rc = EXIT_RUNTIME;
	}
	for (int t = 0; t < T_N; t++) {
		for (uint32_t i = 0; i < d.t[t].n; i++) {
			free(d.t[t].rows[i].key);
			pgt_stats__free(d.t[t].rows[i].s[0].st);
			pgt_stats__free(d.t[t].rows[i].s[1].st);
		}
		free(d.t[t].rows);
		u64map_release(&d.t[t].by_hash);
	}
	free(sizes);
	return rc;
}
