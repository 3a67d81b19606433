// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Importing foreign traces: the source every format shares.  It owns the
 * input buffer (read once, front to back, so pipes work), splits lines,
 * counts what was read and skipped, and turns a bad line into either a
 * skip (--skip-bad) or the end of the stream with the events before it
 * delivered first.  The formats live in import-*.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "import-int.h"
#include "util/opts.h"
#include "util/parse-error.h"

static const char *const fmt_names[PGT_IMPORT_NFORMATS] = {
	[PGT_IMPORT_AUTO] = "auto",
	[PGT_IMPORT_LACKEY] = "lackey",
	[PGT_IMPORT_CSV] = "csv",
	[PGT_IMPORT_ORACLE_GENERAL] = "oracle-general",
	[PGT_IMPORT_PERF_SCRIPT] = "perf-script",
	[PGT_IMPORT_TRACE_CMD] = "trace-cmd",
};

static const struct imp_fmt *const fmt_ops[PGT_IMPORT_NFORMATS] = {
	[PGT_IMPORT_LACKEY] = &pgt_imp_lackey,
	[PGT_IMPORT_CSV] = &pgt_imp_csv,
	[PGT_IMPORT_ORACLE_GENERAL] = &pgt_imp_oracle,
	[PGT_IMPORT_PERF_SCRIPT] = &pgt_imp_ftrace,
	[PGT_IMPORT_TRACE_CMD] = &pgt_imp_ftrace,
};

const char *pgt_import_format_name(unsigned fmt)
{
	return fmt < PGT_IMPORT_NFORMATS ? fmt_names[fmt] : "unknown";
}

int pgt_import_format_parse(const char *name)
{
	for (int i = 0; i < PGT_IMPORT_NFORMATS; i++)
		if (!strcmp(name, fmt_names[i]))
			return i;
	/* the names their own tools use */
	if (!strcmp(name, "oracleGeneral") || !strcmp(name, "oracle"))
		return PGT_IMPORT_ORACLE_GENERAL;
	if (!strcmp(name, "perf"))
		return PGT_IMPORT_PERF_SCRIPT;
	return -PGT_EPARSE;
}

/* ---- detection ---- */

int pgt_import_detect(const void *buf, size_t len)
{
	const char *p = buf, *end = p + len;
	size_t probe = len < 4096 ? len : 4096;
	int lines = 0;

	if (!len)
		return -PGT_EPARSE;
	/* Text never holds NUL or most control characters; oracleGeneral
	 * records always do (small clocks and sizes in 32-bit fields). */
	for (size_t i = 0; i < probe; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f'))
			return len >= PGT_ORACLE_RECORD_SIZE ? PGT_IMPORT_ORACLE_GENERAL : -PGT_EPARSE;
	}
	while (p < end && lines < 200) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int f;

		if (!nl && end - p >= 4096)
			break;	/* a cut line tells nothing */
		if (n && p[n - 1] == '\r')
			n--;
		lines++;
		if (!n || *p == '#') {
			p += n + 1;
			continue;
		}
		if (lines == 1 && pgt_imp_csv_detect(p, n))
			return PGT_IMPORT_CSV;
		if (pgt_imp_lackey_detect(p, n))
			return PGT_IMPORT_LACKEY;
		if ((n >= 5 && !memcmp(p, "cpus=", 5)) || (n >= 9 && !memcmp(p, "version =", 9)))
			return PGT_IMPORT_TRACE_CMD;
		f = pgt_imp_ftrace_detect(p, n);
		if (f)
			return f;
		p = nl ? nl + 1 : end;
	}
	return -PGT_EPARSE;
}

/* ---- the map ---- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static uint64_t key_hash(uint64_t a, uint64_t b, const char *s, size_t n)
{
	uint64_t h = mix64(a ^ 0x9e3779b97f4a7c15ull) ^ mix64(b + 0x632be59bd9b4e019ull);

	if (s) {
		uint64_t f = 1469598103934665603ull;	/* FNV-1a */

		for (size_t i = 0; i < n; i++)
			f = (f ^ (unsigned char)s[i]) * 1099511628211ull;
		h ^= mix64(f);
	}
	return h;
}

static int key_eq(const struct imp_ent *e, uint64_t a, uint64_t b, const char *s, size_t n)
{
	if (e->a != a || e->b != b)
		return 0;
	if (!s || !e->ks)
		return !s && !e->ks;
	return strlen(e->ks) == n && !memcmp(e->ks, s, n);
}

static struct imp_ent *slot_of(const struct imp_map *m, uint64_t a, uint64_t b, const char *s, size_t n)
{
	size_t mask = m->cap - 1, i = (size_t)key_hash(a, b, s, n) & mask;

	while (m->e[i].used && !key_eq(&m->e[i], a, b, s, n))
		i = (i + 1) & mask;
	return &m->e[i];
}

struct imp_ent *pgt_imp_map__find(const struct imp_map *m, uint64_t a, uint64_t b, const char *ks, size_t kslen)
{
	struct imp_ent *e;

	if (!m->cap)
		return NULL;
	e = slot_of(m, a, b, ks, kslen);
	return e->used ? e : NULL;
}

static int map_grow(struct imp_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct imp_ent *old = m->e;
	size_t ocap = m->cap;

	m->e = calloc(ncap, sizeof(*m->e));
	if (!m->e) {
		m->e = old;
		return -ENOMEM;
	}
	m->cap = ncap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].used)
			*slot_of(m, old[i].a, old[i].b, old[i].ks, old[i].ks ? strlen(old[i].ks) : 0) = old[i];
	free(old);
	return 0;
}

struct imp_ent *pgt_imp_map__get(struct imp_map *m, uint64_t a, uint64_t b, const char *ks, size_t kslen,
			     int *created)
{
	struct imp_ent *e;

	*created = 0;
	if ((m->n + 1) * 2 > m->cap && map_grow(m))
		return NULL;
	e = slot_of(m, a, b, ks, kslen);
	if (e->used)
		return e;
	memset(e, 0, sizeof(*e));
	if (ks) {
		e->ks = malloc(kslen + 1);
		if (!e->ks)
			return NULL;
		memcpy(e->ks, ks, kslen);
		e->ks[kslen] = 0;
	}
	e->a = a;
	e->b = b;
	e->used = 1;
	m->n++;
	*created = 1;
	return e;
}

int pgt_imp_ent__set_vs(struct imp_ent *e, const char *s, size_t len)
{
	char *v = malloc(len + 1);

	if (!v)
		return -ENOMEM;
	memcpy(v, s, len);
	v[len] = 0;
	free(e->vs);
	e->vs = v;
	return 0;
}

void pgt_imp_map__release(struct imp_map *m)
{
	for (size_t i = 0; i < m->cap; i++) {
		if (m->e[i].used) {
			free(m->e[i].ks);
			free(m->e[i].vs);
		}
	}
	free(m->e);
	memset(m, 0, sizeof(*m));
}

/* ---- numbers ---- */

int pgt_imp_dec(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (!n)
		return -PGT_EPARSE;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';

		if (d > 9)
			return -PGT_EPARSE;
		if (x > (UINT64_MAX - d) / 10)
			return -ERANGE;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}


int pgt_imp_hex(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (!n)
		return -PGT_EPARSE;
	while (n > 1 && *s == '0') {	/* leading zeros do not count */
		s++;
		n--;
	}
	if (n > 16) {
		for (size_t i = 0; i < n; i++)
			if (pgt_hexval(s[i]) < 0)
				return -PGT_EPARSE;
		return -ERANGE;
	}
	for (size_t i = 0; i < n; i++) {
		int d = pgt_hexval(s[i]);

		if (d < 0)
			return -PGT_EPARSE;
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return 0;
}

int pgt_imp_num(const char *s, size_t n, uint64_t *v)
{
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return pgt_imp_hex(s, n, v);
	return pgt_imp_dec(s, n, v);
}

int pgt_imp_secs(const char *s, size_t n, uint64_t *ns)
{
	const char *dot = memchr(s, '.', n);
	uint64_t sec, frac = 0;
	size_t ni = dot ? (size_t)(dot - s) : n;
	int err = pgt_imp_dec(s, ni, &sec);

	if (err)
		return err;
	if (dot) {
		size_t nf = n - ni - 1;

		if (!nf)
			return -PGT_EPARSE;
		for (size_t i = 0; i < nf; i++) {
			unsigned d = (unsigned)(unsigned char)dot[1 + i] - '0';

			if (d > 9)
				return -PGT_EPARSE;
			if (i < 9)
				frac = frac * 10 + d;
		}
		for (size_t i = nf; i < 9; i++)
			frac *= 10;
	}
	if (sec > (UINT64_MAX - frac) / 1000000000ull)
		return -ERANGE;
	*ns = sec * 1000000000ull + frac;
	return 0;
}

const char *pgt_imp_show(char *buf, size_t len, const char *s, size_t n)
{
	size_t max = len > 4 ? len - 4 : 0, k = n < max ? n : max;

	for (size_t i = 0; i < k; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (k < n && len >= 4) {
		memcpy(buf + k, "...", 3);
		k += 3;
	}
	buf[k] = 0;
	return buf;
}

/* ---- input ---- */

ssize_t pgt_imp_fill_bytes(struct imp *im, size_t need)
{
	if (need > IMP_BUF)
		need = IMP_BUF;
	if (im->len - im->pos >= need || im->eof)
		return (ssize_t)(im->len - im->pos);
	if (im->pos) {
		memmove(im->buf, im->buf + im->pos, im->len - im->pos);
		im->consumed += im->pos;
		im->len -= im->pos;
		im->pos = 0;
	}
	while (im->len < need && !im->eof) {
		ssize_t r = read(im->fd, im->buf + im->len, IMP_BUF - im->len);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			im->eof = 1;
		im->len += (size_t)r;
	}
	return (ssize_t)(im->len - im->pos);
}

int pgt_imp_next_line(struct imp *im, const char **s, size_t *n)
{
	size_t scanned = 0;

	for (;;) {
		const char *p = im->buf + im->pos;
		size_t avail = im->len - im->pos;
		const char *nl = memchr(p + scanned, '\n', avail - scanned);
		size_t len;
		ssize_t r;

		if (nl || (im->eof && avail)) {
			len = nl ? (size_t)(nl - p) : avail;
			im->line_end = im->pos + len + (nl != NULL);
			if (len && p[len - 1] == '\r')
				len--;
			*s = p;
			*n = len;
			return 1;
		}
		if (im->eof)
			return 0;
		if (avail >= IMP_BUF) {
			snprintf(im->msg, sizeof(im->msg), "line %llu: longer than %u bytes",
				 (unsigned long long)im->lineno + 1, IMP_BUF);
			return -PGT_EPARSE;
		}
		scanned = avail;
		r = pgt_imp_fill_bytes(im, avail + 1);
		if (r < 0)
			return (int)r;
	}
}

void pgt_imp_line_done(struct imp *im)
{
	im->pos = im->line_end;
	im->lineno++;
	im->st.lines++;
}

int pgt_imp_check_pages(struct imp *im, uint64_t npages)
{
	if (npages <= PGT_IMPORT_MAX_PAGES)
		return 0;
	return pgt_imp_bad(im, "an event of %llu pages: more than the %u (64 GiB of 4 KiB pages) "
		       "import accepts", (unsigned long long)npages, PGT_IMPORT_MAX_PAGES);
}

int pgt_imp_bad(struct imp *im, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (im->fmt == PGT_IMPORT_ORACLE_GENERAL)
		k = snprintf(im->msg, sizeof(im->msg), "record %llu (byte %llu): ",
			     (unsigned long long)im->lineno + 1,
			     (unsigned long long)im->lineno * PGT_ORACLE_RECORD_SIZE);
	else
		k = snprintf(im->msg, sizeof(im->msg), "line %llu: ", (unsigned long long)im->lineno + 1);
	if (k < 0 || (size_t)k >= sizeof(im->msg))
		k = 0;
	va_start(ap, fmt);
	vsnprintf(im->msg + k, sizeof(im->msg) - (size_t)k, fmt, ap);
	va_end(ap);
	return -PGT_EPARSE;
}

int pgt_imp_handle_bad(struct imp *im, int err)
{
	if (err != -PGT_EPARSE || !im->o.skip_bad)
		return err;
	if (!im->st.skipped_bad++) {
		/* the line is consumed by now */
		pgt_parse_error__set(&im->st.first_bad, im->lineno, 0, 0, "%s", im->msg);
	}
	return 0;
}

int pgt_imp_fill_lines(struct imp *im, int (*line)(struct imp *im, const char *s, size_t n))
{
	while (im->nev < IMP_BATCH) {
		const char *s;
		size_t n;
		int r = pgt_imp_next_line(im, &s, &n);

		if (r == 0) {
			im->eof_seen = 1;
			return 0;
		}
		if (r < 0)
			return r;	/* a line too long to find its end: fatal */
		r = line(im, s, n);
		if (r == IMP_DEFER) {
			im->st.breaks++;
			return 0;	/* the line is read again next batch */
		}
		pgt_imp_line_done(im);
		if (r < 0) {
			r = pgt_imp_handle_bad(im, r);
			if (r)
				return r;
		}
	}
	return 0;
}

/* ---- the source ---- */

static int report(struct imp *im)
{
	if (im->err == -PGT_EPARSE)
		pgt_diag(PGT_DIAG_ERROR, "%s", im->msg);
	return im->err;
}

static int finish(struct imp *im)
{
	char buf[256];
	int err = im->ops->finish ? im->ops->finish(im) : 0;

	if (err)
		return err;
	if (im->reordered) {
		snprintf(buf, sizeof(buf), "%llu events came after a later one and were put in time "
			 "order (within a window of %u events)", (unsigned long long)im->reordered,
			 IMP_SORT_WINDOW);
		err = pgt_meta__add_info(im->src.meta, "import.sorted", buf);
		if (err)
			return err;
	}
	snprintf(buf, sizeof(buf), "lines=%llu events=%llu skipped_bad=%llu skipped_other=%llu lost=%llu",
		 (unsigned long long)im->st.lines, (unsigned long long)im->st.events,
		 (unsigned long long)im->st.skipped_bad, (unsigned long long)im->st.skipped_other,
		 (unsigned long long)im->st.lost);
	return pgt_meta__add_info(im->src.meta, "import.result", buf);
}

/* ---- the sort window ---- */

static int ev_before(const struct pgt_event *a, const struct pgt_event *b)
{
	return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq);
}

static void heap_push(struct imp *im, const struct pgt_event *e)
{
	size_t i = im->nheap++;

	while (i) {
		size_t up = (i - 1) / 2;

		if (!ev_before(e, &im->heap[up]))
			break;
		im->heap[i] = im->heap[up];
		i = up;
	}
	im->heap[i] = *e;
}

static void heap_pop(struct imp *im, struct pgt_event *e)
{
	struct pgt_event last = im->heap[--im->nheap];
	size_t i = 0;

	*e = im->heap[0];
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= im->nheap)
			break;
		if (c + 1 < im->nheap && ev_before(&im->heap[c + 1], &im->heap[c]))
			c++;
		if (!ev_before(&im->heap[c], &last))
			break;
		im->heap[i] = im->heap[c];
		i = c;
	}
	if (im->nheap)
		im->heap[i] = last;
}

static size_t window_len(const struct imp *im)
{
	return im->nfifo + im->nheap;
}

/* Take the event of the window that comes first in time. */
static void window_pop(struct imp *im, struct pgt_event *e)
{
	struct pgt_event *f = im->nfifo ? &im->fifo[im->fifo_head] : NULL;

	if (f && (!im->nheap || !ev_before(&im->heap[0], f))) {
		*e = *f;
		im->fifo_head = (im->fifo_head + 1) % IMP_SORT_WINDOW;
		im->nfifo--;
	} else {
		heap_pop(im, e);
	}
	im->out_ts = e->ts;
	im->any_out = 1;
}

/*
 * Put the events of the batch just filled into the window.  One older
 * than an event already handed out cannot be put in order: it is a bad
 * line (skipped with skip_bad; otherwise the import stops before it).
 * Return 0 or the error to stop with.
 */
static int window_add(struct imp *im)
{
	if (!im->fifo) {
		im->fifo = malloc(sizeof(*im->fifo) * IMP_SORT_WINDOW);
		im->heap = malloc(sizeof(*im->heap) * IMP_SORT_WINDOW);
		if (!im->fifo || !im->heap)
			return -ENOMEM;
	}
	for (size_t i = 0; i < im->nev; i++) {
		const struct pgt_event *e = &im->evs[i];
		const struct pgt_event *tail = im->nfifo ?
			&im->fifo[(im->fifo_head + im->nfifo - 1) % IMP_SORT_WINDOW] : NULL;

		if (im->any_out && e->ts < im->out_ts) {
			uint64_t line = im->lineno;
			int err;

			im->lineno = e->seq;	/* pgt_imp_bad() names this line */
			pgt_imp_bad(im, "time %llu is before events already written: the input is out of "
				"time order by more than the %u events import sorts; sort it by time first",
				(unsigned long long)e->ts, IMP_SORT_WINDOW);
			im->lineno = line;
			err = pgt_imp_handle_bad(im, -PGT_EPARSE);
			if (err)
				return err;	/* the events after it are dropped too */
			im->st.events--;
			continue;
		}
		if (!tail || !ev_before(e, tail)) {
			im->fifo[(im->fifo_head + im->nfifo) % IMP_SORT_WINDOW] = *e;
			im->nfifo++;
		} else {
			im->reordered++;
			heap_push(im, e);
		}
	}
	im->nev = 0;
	return 0;
}

/*
 * The source: events in time order.  The format fills im->evs a batch
 * at a time; those go into the sort window, and the window hands out its
 * oldest events whenever it is full, when a name changes after the
 * events in it (a break: the writer must end its packet before the new
 * name), and at the end.
 */
static ssize_t imp_batch(struct pgt_source *src, const struct pgt_event **evs)
{
	struct imp *im = (struct imp *)src;
	size_t nout = 0;
	int err;

	*evs = im->out;
	while (nout < IMP_BATCH) {
		int over = im->err || (im->eof_seen && im->finished);

		if (window_len(im) && (window_len(im) + IMP_BATCH > IMP_SORT_WINDOW || over ||
				       im->draining)) {
			window_pop(im, &im->out[nout++]);
			continue;
		}
		if (im->draining) {
			/* the window is empty: now the name may change */
			im->draining = 0;
			im->breaks_shown = im->breaks_seen;
			break;
		}
		if (over)
			break;
		im->nev = 0;
		if (!im->eof_seen) {
			err = im->ops->fill(im);
			if (err)
				im->err = err;
		}
		err = window_add(im);
		if (err && !im->err)
			im->err = err;
		if (im->st.breaks != im->breaks_seen) {
			im->breaks_seen = im->st.breaks;
			im->draining = 1;
		}
		if (im->eof_seen && !im->err && !im->finished) {
			im->finished = 1;
			err = finish(im);
			if (err)
				im->err = err;
		}
	}
	for (size_t i = 0; i < nout; i++)
		im->out[i].seq = im->emitted + i;
	im->emitted += nout;
	if (nout)
		return (ssize_t)nout;
	if (im->err)
		return report(im);
	return 0;
}

static void imp_free(struct pgt_source *src)
{
	struct imp *im = (struct imp *)src;

	if (im->ops && im->ops->free)
		im->ops->free(im);
	if (im->fd >= 0)
		close(im->fd);
	pgt_meta__free(im->src.meta);
	free(im->buf);
	free(im->name);
	free(im->fifo);
	free(im->heap);
	free(im);
}

static const struct pgt_source_ops imp_src_ops = {
	.name = "import",
	.batch = imp_batch,
	.free = imp_free,
};

int pgt_import__stats(const struct pgt_source *src, struct pgt_import_stats *st)
{
	const struct imp *im = (const struct imp *)src;

	if (!src || src->ops != &imp_src_ops)
		return -EINVAL;
	*st = im->st;
	st->breaks = im->breaks_shown;	/* once the events before it are out */
	return 0;
}

struct pgt_source *pgt_import__new(int fd, enum pgt_import_format fmt,
				   const struct pgt_import_opts *opts, int *err)
{
	struct imp *im = calloc(1, sizeof(*im));
	const char *name;
	char info[512];
	int e = -ENOMEM;

	if (!im) {
		close(fd);
		*err = -ENOMEM;
		return NULL;
	}
	if (!PGT_OPTS_VALID(opts)) {
		free(im);
		close(fd);
		*err = -EINVAL;
		return NULL;
	}
	im->src.ops = &imp_src_ops;
	im->fd = fd;
	if (opts)
		im->o = *PGT_OPTS_FIT(opts, &im->o);
	im->o.sz = sizeof(im->o);
	name = im->o.name && strcmp(im->o.name, "-") ? im->o.name : "";
	im->name = strdup(name);
	im->buf = malloc(IMP_BUF + 1);
	im->src.meta = pgt_meta__new();
	if (!im->name || !im->buf || !im->src.meta)
		goto fail;
	im->o.name = im->name;
	im->page_size = im->o.page_size ? im->o.page_size : 4096;
	e = -EINVAL;
	if (im->page_size & (im->page_size - 1) || (unsigned)fmt >= PGT_IMPORT_NFORMATS)
		goto fail;
	while ((1u << im->page_shift) < im->page_size)
		im->page_shift++;
	if (fmt == PGT_IMPORT_AUTO) {
		ssize_t r = pgt_imp_fill_bytes(im, 65536);

		if (r < 0) {
			e = (int)r;
			goto fail;
		}
		e = pgt_import_detect(im->buf, (size_t)r);
		if (e < 0) {
			pgt_diag(PGT_DIAG_ERROR, r ? "cannot tell the format from the first bytes"
					      : "the input is empty, so its format cannot be told");
			goto fail;
		}
		fmt = (enum pgt_import_format)e;
	}
	im->fmt = (int)fmt;
	im->st.format = (int)fmt;
	im->ops = fmt_ops[fmt];

	pgt_header__init_host(&im->src.header);
	/* not this host's capture: what it was is not known */
	im->src.header.host[0] = 0;
	im->src.header.kernel[0] = 0;
	im->src.header.page_size = im->page_size;
	im->src.header.clock = fmt == PGT_IMPORT_LACKEY ? PGT_CLOCK_SYNTHETIC : PGT_CLOCK_TRACE_LOCAL;
	im->src.header.start_ts = 0;
	im->src.header.wall_offset = 0;
	snprintf(info, sizeof(info), "format=%s input=%s", fmt_names[fmt], *name ? name : "-");
	e = pgt_meta__add_info(im->src.meta, "import", info);
	if (!e && im->ops->init)
		e = im->ops->init(im);
	if (e)
		goto fail;
	return &im->src;
fail:
	*err = e;
	imp_free(&im->src);
	return NULL;
}
