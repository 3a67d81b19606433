// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Two traces compared per file and per process, for pgtrace diff and
 * pgtrace report (compare.h).
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
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "builtin.h"
#include "compare.h"
#include "util/util.h"

const char *const compare_table_names[CMP_N] = { "files", "processes", "total" };

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
static uint32_t row_of(struct cmp_table *t, const char *key)
{
	uint64_t h = str_hash(key);
	uint32_t head = u64map_get(&t->by_hash, h);
	struct cmp_row *r;

	for (uint32_t i = head == U64MAP_NONE ? 0 : head; i; i = t->rows[i - 1].next)
		if (!strcmp(t->rows[i - 1].key, key))
			return i - 1;
	if (t->n == t->cap) {
		uint32_t ncap = t->cap ? t->cap * 2 : 64;
		struct cmp_row *nr = realloc(t->rows, sizeof(*nr) * ncap);

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

static struct cmp_side *side_of(struct compare *d, struct cmp_table *t, uint32_t row, int which)
{
	struct cmp_side *s = &t->rows[row].s[which];
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
	struct pgt_drain_opts o = { .sz = sizeof(o) };
	int err;

	if (!r) {
		*rc = EXIT_RUNTIME;
		return NULL;
	}
	/* no sink: the side tables fill as the trace is decoded */
	o.threads = cli_decode_threads();
	err = pgt_reader__drain(r, NULL, 0, &o, NULL);
	if (err) {
		*rc = cli_read_failed(path, err);
		pgt_reader__free(r);
		return NULL;
	}
	return r;
}

/* One trace's events into its side of the tables: a sink fed in step
 * with the side tables (a process is named as it was at its events). */
struct cmp_sink {
	struct pgt_sink base;
	struct compare *d;
	int which;
	const struct pgt_meta *final;	/* the trace's tables at its end */
	struct u64map objrow;
	uint32_t lobj, lrow, total;
};

static int cmp_feed(struct pgt_sink *sk, const struct pgt_event *evs, size_t n,
		    const struct pgt_meta *meta, const struct pgt_header *h)
{
	struct cmp_sink *cs = (struct cmp_sink *)sk;
	struct compare *d = cs->d;
	int which = cs->which;
	struct cmp_side *ts = &d->t[CMP_TOTAL].rows[cs->total].s[which];
	/* records come between batches: a process may have changed */
	uint32_t lpid = UINT32_MAX, lprow = 0;
	char key[4200];

	(void)h;
	d->events[which] += n;
	if (pgt_stats__feed(ts->st, evs, n))
		oom();
	for (size_t i = 0; i < n; i++) {
		const struct pgt_event *ev = &evs[i];
		uint64_t cnt = pgt_refs_count(ev, d->refs, PGT_SPACE_FILE);
		int ins = ev->type == PGT_EV_ADD, ev_del = ev->type == PGT_EV_DELETE;
		const struct pgt_process *p;
		struct cmp_side *fs = NULL, *ps;
		uint32_t frow, prow;

		if (!cnt && !ins && !ev_del)
			continue;
		if (ev->obj) {
			if (ev->obj == cs->lobj) {
				frow = cs->lrow;
			} else {
				frow = u64map_get(&cs->objrow, ev->obj);
				if (frow == U64MAP_NONE) {
					object_key(pgt_meta__object(cs->final, ev->obj), ev->obj, key, sizeof(key));
					frow = row_of(&d->t[CMP_FILES], key);
					if (u64map_put(&cs->objrow, ev->obj, frow))
						oom();
				}
				cs->lobj = ev->obj;
				cs->lrow = frow;
			}
			fs = side_of(d, &d->t[CMP_FILES], frow, which);
		}
		if (ev->pid == lpid) {
			prow = lprow;
		} else {
			p = ev->pid ? pgt_meta__process(meta, ev->pid) : NULL;
			process_key(p, key, sizeof(key));
			prow = row_of(&d->t[CMP_PROCS], key);
			lpid = ev->pid;
			lprow = prow;
		}
		ps = side_of(d, &d->t[CMP_PROCS], prow, which);
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
	return 0;
}

static void cmp_sink_free(struct pgt_sink *sk)
{
	(void)sk;	/* on the caller's stack */
}

static const struct pgt_sink_ops cmp_sink_ops = {
	.name = "compare", .feed = cmp_feed, .free = cmp_sink_free,
};

static int read_trace(struct compare *d, int which)
{
	const char *path = d->path[which];
	struct cmp_sink cs = { .base = { .ops = &cmp_sink_ops, .flags = PGT_SINK_IN_STEP },
			       .d = d, .which = which };
	struct pgt_sink *sink = &cs.base;
	struct pgt_reader *names, *r;
	int rc = 0, err;

	names = read_names(path, &rc);
	if (!names)
		return rc;
	cs.final = pgt_reader__meta(names);
	r = cli_open_reader(path, NULL);
	if (!r) {
		pgt_reader__free(names);
		return EXIT_RUNTIME;
	}
	cs.total = row_of(&d->t[CMP_TOTAL], "total");
	side_of(d, &d->t[CMP_TOTAL], cs.total, which);
	err = pgt_reader__drain(r, &sink, 1, NULL, NULL);
	if (err)
		rc = cli_read_failed(path, err);
	u64map_release(&cs.objrow);
	pgt_reader__free(r);
	pgt_reader__free(names);
	return rc;
}

/* ---- results ---- */

static void finish(struct compare *d)
{
	for (int t = 0; t < CMP_N; t++) {
		for (uint32_t i = 0; i < d->t[t].n; i++) {
			struct cmp_row *r = &d->t[t].rows[i];
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
	const struct cmp_row *x = *(const struct cmp_row *const *)a, *y = *(const struct cmp_row *const *)b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* The sizes of a row's curve: --sizes, or powers of two up to the first
 * at or past the larger footprint (where only first references miss). */
size_t compare_sizes(const struct compare *d, const struct cmp_row *r, uint64_t *out, size_t max)
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
double compare_miss_at(const struct compare *d, const struct cmp_row *r, int w, const uint64_t *sizes, size_t i)
{
	const struct pgt_stats *s = r->s[w].st;

	if (!s || !r->refs[w])
		return -1;
	if (d->so.nsizes)
		return (double)pgt_stats__misses_at(s, i) / (double)r->refs[w];
	return pgt_stats__miss_ratio(s, sizes[i]);
}

double compare_hit_ratio(const struct compare *d, const struct cmp_row *r, int w)
{
	uint64_t ins = r->s[w].ins;

	if (!d->has_ins || !r->refs[w])
		return -1;
	return 1.0 - (double)(ins < r->refs[w] ? ins : r->refs[w]) / (double)r->refs[w];
}

const char *compare_presence(const struct cmp_row *r)
{
	return r->s[0].st && r->s[1].st ? "both" : r->s[0].st ? "a" : "b";
}

void compare_init(struct compare *d, const char *a, const char *b, uint32_t refs, const uint64_t *sizes,
		  size_t nsizes)
{
	memset(d, 0, sizeof(*d));
	d->path[0] = a;
	d->path[1] = b;
	d->so.sz = sizeof(d->so);
	d->so.refs = refs;
	d->so.sizes = sizes;
	d->so.nsizes = nsizes;
	d->refs = refs ? refs : pgt_refs_default();
	d->so.no_pages = 1;	/* IRF and popularity are not compared */
	d->so.window = UINT64_MAX / 2;	/* nor working sets over time */
}

int compare_read(struct compare *d)
{
	int rc = 0;

	for (int i = 0; i < 2 && !rc; i++)
		rc = read_trace(d, i);
	if (!rc)
		finish(d);
	return rc;
}

void compare_release(struct compare *d)
{
	for (int t = 0; t < CMP_N; t++) {
		for (uint32_t i = 0; i < d->t[t].n; i++) {
			free(d->t[t].rows[i].key);
			pgt_stats__free(d->t[t].rows[i].s[0].st);
			pgt_stats__free(d->t[t].rows[i].s[1].st);
		}
		free(d->t[t].rows);
		u64map_release(&d->t[t].by_hash);
	}
	memset(d->t, 0, sizeof(d->t));
}

const struct cmp_row **compare_sorted(const struct compare *d, int t, size_t *n)
{
	*n = d->t[t].n;
	return (const struct cmp_row **)cli_sorted_ptrs(d->t[t].rows, n, sizeof(*d->t[t].rows), cmp_rows);
}

size_t compare_in_both(const struct compare *d, int t)
{
	size_t both = 0;

	for (uint32_t i = 0; i < d->t[t].n; i++)
		both += d->t[t].rows[i].s[0].st && d->t[t].rows[i].s[1].st;
	return both;
}

const struct cmp_row *compare_total(const struct compare *d)
{
	return &d->t[CMP_TOTAL].rows[0];
}
