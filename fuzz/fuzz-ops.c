// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz target for the trace operators.  The input bytes become a small
 * valid trace, deterministically: a few bytes of settings, then items,
 * each an event (type, object, pid, pages, a time step that may go back
 * or jump to the top of the clock, a page index that is small, whole,
 * near 2^63 or near UINT64_MAX) or a side record between events (an
 * object define, rename, unlink or size with a path from the bytes; a
 * process state, fork, exec or exit with comm, cwd and cgroup from the
 * bytes).  The trace is written with pgt_writer into a memfd (packets of
 * a few events, compressed or not, with or without an index), then every
 * operator reads a fresh reader of a copy of it:
 *
 *  - pgt_filter__new: "true" passes every event unchanged; a test on
 *    type, pid and index ranges passes what an independent count says;
 *    an expression and its negation (one of three pairs: path; page and
 *    npages; comm, cgroup and uid) share the events between them;
 *  - pgt_reduce_fifo__new: keeps exactly the references a FIFO of N pages
 *    simulated here misses, passes the other events, and
 *    pgt_reduce__stats() counts what came in and out;
 *  - pgt_reduce_lru__new: never more references than came in, the stats
 *    agree, and every LRU memory of K pages or more (pgt_lru_sim) misses
 *    as often on the reduced trace as on the original; pgt_lru_sim's
 *    misses (for one of the sizes) equal those of an LRU list simulated
 *    here;
 *  - pgt_merge__new of two readers of the trace (pid and time modes from
 *    the bytes): twice the events, each pid back with & (2^22 - 1), in
 *    time order when the input and the mode are;
 *  - pgt_prefetch__new: the same events in the same order, the same
 *    side tables in the end;
 *  - pgt_cut by events: exactly the events of [lo, hi), fields and all;
 *    by time: exactly those with a time in [lo, hi);
 *  - pgt_split (into a directory made with mkdtemp under $TMPDIR, removed
 *    afterwards) by a key from the bytes: the traces' events add up to
 *    the input's, each file holds what pgt_split__trace_at() says, of one
 *    pid, tid, cpu or type when that is the key, at most @every events
 *    when split by events, and the directory holds nothing else;
 *  - pgt_oracle__export to a memfd: 24 bytes for each reference, with
 *    the ids, sizes, clocks and next uses computed here.
 *
 * Events are capped at 2048 and page references at 4096.  Each operator
 * opens readers of its own (a 1 MiB read buffer and zstd contexts, which
 * ASan maps and unmaps), the dearest part of a run, so byte 16 of the
 * input names the operators that run (0: all of them).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pgtrace/ops.h"
#include "pgtrace/pgtrace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EVENTS 2048
#define MAX_REFS 4096u
#define MAX_RECORDS 64
#define NSET 17		/* settings bytes */
#define PID_MASK ((1u << PGT_MERGE_PID_SHIFT) - 1)

#define CHECK(c)                                                                          \
	do {                                                                              \
		if (!(c)) {                                                               \
			fprintf(stderr, "fuzz-ops: %s:%d: %s does not hold\n", __FILE__, __LINE__, \
				#c);                                                      \
			abort();                                                          \
		}                                                                         \
	} while (0)

static const uint32_t pid_table[8] = { 0, 1, 2, 3, 1000, PID_MASK, 77, 4096 };
static const uint32_t npages_table[16] = { 0, 1, 1, 1, 2, 3, 4, 5, 8, 16, 31, 64, 100, 255, 1000, 4096 };

/* ---- input bytes ---- */

struct in {
	const uint8_t *p, *end;
};

static uint8_t byte(struct in *in)
{
	return in->p < in->end ? *in->p++ : 0;
}

static uint64_t get64(struct in *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)byte(in) << (8 * i);
	return v;
}

/* A string of up to @max bytes from the input (NUL bytes end it early). */
static void str(struct in *in, char *out, size_t max)
{
	size_t n = byte(in) % (max + 1), k = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = byte(in);

		if (!c)
			break;
		out[k++] = (char)c;
	}
	out[k] = 0;
}

/* ---- growable event arrays ---- */

struct evs {
	struct pgt_event *e;
	size_t n, cap;
};

static void evs_add(struct evs *v, const struct pgt_event *e, size_t n)
{
	if (v->n + n > v->cap) {
		size_t ncap = v->cap ? v->cap : 256;

		while (ncap < v->n + n)
			ncap *= 2;
		v->e = realloc(v->e, ncap * sizeof(*v->e));
		CHECK(v->e);
		v->cap = ncap;
	}
	memcpy(v->e + v->n, e, n * sizeof(*e));
	v->n += n;
}

/* Read @src to the end into @v (emptied first); return 0 or the error. */
static int collect(struct pgt_source *src, struct evs *v)
{
	const struct pgt_event *e;
	ssize_t n;

	v->n = 0;
	while ((n = pgt_source__batch(src, &e)) > 0)
		evs_add(v, e, (size_t)n);
	return (int)n;
}

static int same_event(const struct pgt_event *a, const struct pgt_event *b)
{
	return a->type == b->type && a->flags == b->flags && a->cpu == b->cpu && a->ts == b->ts &&
	       a->pid == b->pid && a->tid == b->tid && a->obj == b->obj && a->index == b->index &&
	       a->npages == b->npages && a->pfn == b->pfn && a->aux == b->aux;
}

/* ---- (object, page) -> dense number from 1, in order of first sight ---- */

struct pslot {
	uint64_t page;
	uint32_t obj, id;
};

struct pmap {
	struct pslot s[4 * MAX_REFS];	/* a power of two, at most a quarter full */
	uint32_t n;
};

static uint32_t pmap_id(struct pmap *m, uint32_t obj, uint64_t page)
{
	uint64_t h = (page * 0x9e3779b97f4a7c15ull ^ obj * 0xc2b2ae3d27d4eb4full) >> 20;
	size_t mask = sizeof(m->s) / sizeof(m->s[0]) - 1;

	for (h &= mask; m->s[h].id; h = (h + 1) & mask)
		if (m->s[h].page == page && m->s[h].obj == obj)
			return m->s[h].id;
	m->s[h].page = page;
	m->s[h].obj = obj;
	m->s[h].id = ++m->n;
	return m->n;
}

/* ---- the trace ---- */

struct trace {
	uint8_t set[NSET];
	struct pgt_header h;
	struct evs ev;		/* as generated */
	uint8_t *bytes;		/* the trace file */
	size_t len;
	uint64_t refs;		/* page references of the default types */
	int sorted;		/* events in time order */
	int indexed;
	uint32_t nobjects, nprocesses;	/* in a reader's tables at the end */
};

static int memfd_of(const uint8_t *b, size_t len)
{
	int fd = memfd_create("fuzz-ops", MFD_CLOEXEC);

	CHECK(fd >= 0);
	while (len) {
		ssize_t w = write(fd, b, len);

		CHECK(w > 0);
		b += w;
		len -= (size_t)w;
	}
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	return fd;
}

/* The whole content of @fd. */
static uint8_t *slurp(int fd, size_t *len)
{
	struct stat sb;
	uint8_t *b;

	CHECK(fstat(fd, &sb) == 0);
	b = malloc((size_t)sb.st_size + 1);
	CHECK(b);
	CHECK(pread(fd, b, (size_t)sb.st_size, 0) == sb.st_size);
	*len = (size_t)sb.st_size;
	return b;
}

static struct pgt_reader *reader_of(const uint8_t *b, size_t len)
{
	int err;
	struct pgt_reader *r = pgt_reader__fdopen(memfd_of(b, len), NULL, &err);

	CHECK(r);
	return r;
}

static struct pgt_reader *reader(const struct trace *t)
{
	return reader_of(t->bytes, t->len);
}

/*
 * Build the trace.  Settings: set[0] bits: 0 no compression, 1 no index,
 * 2 events in time order, 3 packed oracle ids, 4 split through prefetch;
 * set[1] events per packet; set[2] page size and clock; set[3..15] the
 * operators' parameters; set[16] which operators run (bit 0 filter,
 * reduce, merge, prefetch, cut by events, by time, split, 7 oracle; 0:
 * all).
 */
static void build(struct trace *t, const uint8_t *data, size_t size)
{
	static const uint32_t page_sizes[4] = { 4096, 65536, 512, 16384 };
	struct in in = { data, data + size };
	struct pgt_writer_opts wo = { .sz = sizeof(wo) };
	struct pgt_writer *w;
	uint64_t ts = 1000;
	size_t nrec = 0;
	int fd, err;

	for (int i = 0; i < NSET; i++)
		t->set[i] = byte(&in);
	memset(&t->h, 0, sizeof(t->h));
	t->h.major = PGT_FORMAT_MAJOR;
	t->h.minor = PGT_FORMAT_MINOR;
	t->h.page_size = page_sizes[t->set[2] & 3];
	t->h.clock = 1 + (t->set[2] >> 2) % 5;
	t->h.wall_offset = t->set[2] & 0x80 ? (int64_t)1 << 62 : 0;
	t->h.start_ts = 1000;
	strcpy(t->h.host, "fuzz");
	strcpy(t->h.kernel, "6.0.0-fuzz");
	t->sorted = t->set[0] & 4;
	t->indexed = !(t->set[0] & 2);
	wo.no_compress = t->set[0] & 1;
	wo.no_index = !t->indexed;
	wo.packet_events = t->set[1] & 0x80 ? 0 : 1 + t->set[1] % 64;
	wo.header = &t->h;

	fd = memfd_create("fuzz-ops", MFD_CLOEXEC);
	CHECK(fd >= 0);
	w = pgt_writer__fdopen(dup(fd), &wo, &err);
	CHECK(w);
	/* the items, each side record queued before the events after it */
	while (in.p < in.end && t->ev.n < MAX_EVENTS) {
		uint8_t b0 = byte(&in);

		if (b0 >= 0xf0 && nrec < MAX_RECORDS) {
			nrec++;
			if (b0 < 0xf8) {
				struct pgt_object o = { 0 };
				char path[33];

				o.id = 1 + byte(&in) % 8;
				o.kind = 1 + b0 % 3;
				o.op = (b0 >> 1) % 4;
				o.ts = ts;
				o.dev = byte(&in) % 3;
				o.ino = byte(&in) % 5;
				o.size = o.op == PGT_OBJ_SIZE ? get64(&in) : 0;
				str(&in, path, 32);
				o.path = path;
				CHECK(pgt_writer__add_object(w, &o) == 0);
			} else {
				struct pgt_process p = { 0 };
				char comm[17], cwd[17], cgroup[17];
				uint8_t b = byte(&in);

				p.ts = ts;
				p.pid = pid_table[b % 8];
				p.tgid = p.pid;
				p.ppid = pid_table[(b >> 3) % 8];
				p.uid = b >> 6;
				p.op = b0 % 4;
				str(&in, comm, 16);
				str(&in, cwd, 16);
				str(&in, cgroup, 16);
				p.comm = comm;
				p.cwd = cwd;
				p.exe = "";
				p.cgroup = cgroup;
				CHECK(pgt_writer__add_process(w, &p) == 0);
			}
			continue;
		}
		{
			struct pgt_event e = { 0 };
			uint8_t b1 = byte(&in), b2 = byte(&in), b3 = byte(&in);
			uint64_t v = get64(&in), prev = ts;

			e.type = b0 % (PGT_EV_NTYPES + 1);	/* one past: unknown */
			e.obj = (b0 / 13) % 10;			/* 9: never defined */
			e.pid = pid_table[b1 % 8];
			e.tid = e.pid + ((b1 >> 3) & 1);
			e.npages = npages_table[b1 >> 4];
			if (b2 < 200)
				ts += b2;
			else if (b2 < 230)
				ts -= (uint64_t)(b2 - 199) * 1000;	/* back in time, maybe below 0 */
			else if (b2 < 250)
				ts += (uint64_t)b2 << 32;
			else if (b2 < 253)
				ts = UINT64_MAX - (255 - b2);
			else
				ts = 255 - b2;
			if (t->sorted && ts < prev)
				ts = prev;		/* in time order: never back */
			e.ts = ts;
			switch (b3 & 3) {
			case 0: e.index = v; break;
			case 1: e.index = v % 64; break;
			case 2: e.index = (1ull << 63) - 2 + v % 4; break;
			default: e.index = UINT64_MAX - v % 4; break;
			}
			e.pfn = b3 & 4 ? e.index : PGT_PFN_NONE;
			e.aux = v >> 7;
			e.flags = (uint16_t)((b3 >> 3) & 0xf) | (uint16_t)((b3 >> 7) << PGT_F_LEVEL_SHIFT);
			e.cpu = (b3 >> 5) & 3;
			if (pgt_is_reference(e.type)) {
				uint64_t left = MAX_REFS - t->refs;

				if (e.npages > left)
					e.npages = (uint32_t)left;
				t->refs += e.npages;
			}
			/* one at a time: the records queued so far come before it */
			CHECK(pgt_writer__write(w, &e, 1) == 0);
			evs_add(&t->ev, &e, 1);
		}
	}
	CHECK(pgt_writer__close(w) == 0);
	t->bytes = slurp(fd, &t->len);
	close(fd);
}

/* Page references of the default types in @v: count, and non-references. */
static void count_refs(const struct evs *v, uint64_t *refs, uint64_t *others)
{
	*refs = *others = 0;
	for (size_t i = 0; i < v->n; i++) {
		if (pgt_is_reference(v->e[i].type))
			*refs += v->e[i].npages;
		else
			(*others)++;
	}
}

/* ---- filter ---- */

static uint64_t filter_count(const struct trace *t, const char *text, struct evs *out)
{
	struct pgt_expr *e = pgt_expr__parse(text, NULL, NULL);
	struct pgt_source *src;
	int err;

	CHECK(e);
	src = pgt_filter__new(pgt_reader__source(reader(t)), e, &err);
	CHECK(src);
	CHECK(collect(src, out) == 0);
	pgt_source__free(src);
	return out->n;
}

static void check_filter(const struct trace *t, const struct evs *rd, struct evs *out)
{
	static const char *const pairs[][2] = {
		{ "path =~ \"*a*\"", "!(path =~ \"*a*\")" },
		{ "page in 0..16 || npages == 0 || page >= 18446744073709551612",
		  "!(page in 0..16 || npages == 0 || page >= 18446744073709551612)" },
		{ "comm =~ /^[a-m]/i || cgroup == \"/\" || uid < 2",
		  "!(comm =~ /^[a-m]/i || cgroup == \"/\" || uid < 2)" },
	};
	uint64_t want = 0;

	/* always true: every event, unchanged */
	CHECK(filter_count(t, "true", out) == rd->n);
	for (size_t i = 0; i < rd->n; i++)
		CHECK(same_event(&out->e[i], &rd->e[i]) && out->e[i].seq == i);
	/* numbers against a count of our own */
	for (size_t i = 0; i < rd->n; i++) {
		const struct pgt_event *e = &rd->e[i];

		want += (e->type == PGT_EV_LOOKUP || e->type == PGT_EV_FAULT ||
			 e->type == PGT_EV_REFERENCE) && e->pid >= 1 && e->pid < 1001 &&
			e->index >= (1ull << 63);
	}
	CHECK(filter_count(t, "type in {lookup, fault, reference} && pid in 1..1001 && "
			   "index >= 9223372036854775808", out) == want);
	for (size_t i = 0; i < out->n; i++)
		CHECK(out->e[i].index >= (1ull << 63) && out->e[i].pid >= 1 && out->e[i].pid < 1001);
	/* an expression and its negation share the events (one pair an
	 * input: each filter reads the trace again) */
	{
		size_t k = t->set[15] % (sizeof(pairs) / sizeof(pairs[0]));
		uint64_t a = filter_count(t, pairs[k][0], out);

		CHECK(a + filter_count(t, pairs[k][1], out) == rd->n);
	}
}

/* ---- reduce and the LRU simulation ---- */

/* Misses of an LRU memory of @size pages (at most 40) over the references
 * of @v, simulated with a plain list. */
static uint64_t lru_misses(const struct evs *v, uint32_t size)
{
	struct { uint32_t obj; uint64_t page; } st[40];
	uint32_t n = 0;
	uint64_t misses = 0;

	for (size_t i = 0; i < v->n; i++) {
		if (!pgt_is_reference(v->e[i].type))
			continue;
		for (uint32_t p = 0; p < v->e[i].npages; p++) {
			uint64_t page = v->e[i].index + p;
			uint32_t j;

			for (j = 0; j < n; j++)
				if (st[j].page == page && st[j].obj == v->e[i].obj)
					break;
			if (j == n) {
				misses++;
				if (n < size)
					n++;
				j = n - 1;
			}
			memmove(&st[1], &st[0], j * sizeof(st[0]));
			st[0].obj = v->e[i].obj;
			st[0].page = page;
		}
	}
	return misses;
}

/* References of @v that miss in a FIFO of @size pages (at most 16), and
 * so stay in reduce --fifo's output. */
static uint64_t fifo_misses(const struct evs *v, uint32_t size)
{
	struct { uint32_t obj; uint64_t page; } q[16];
	uint32_t n = 0, head = 0;
	uint64_t misses = 0;

	for (size_t i = 0; i < v->n; i++) {
		if (!pgt_is_reference(v->e[i].type))
			continue;
		for (uint32_t p = 0; p < v->e[i].npages; p++) {
			uint64_t page = v->e[i].index + p;
			uint32_t j;

			for (j = 0; j < n; j++)
				if (q[j].page == page && q[j].obj == v->e[i].obj)
					break;
			if (j < n)
				continue;
			misses++;
			if (n < size) {
				q[n].obj = v->e[i].obj;
				q[n++].page = page;
			} else {
				q[head].obj = v->e[i].obj;
				q[head].page = page;
				head = (head + 1) % size;
			}
		}
	}
	return misses;
}

static void sim(const struct evs *v, const uint32_t *sizes, size_t n, uint64_t *misses)
{
	int err;
	struct pgt_lru_sim *s = pgt_lru_sim__new(sizes, n, &err);

	CHECK(s);
	pgt_lru_sim__feed(s, v->e, v->n);
	for (size_t i = 0; i < n; i++)
		misses[i] = pgt_lru_sim__misses(s, i);
	pgt_lru_sim__free(s);
}

static void check_reduce(const struct trace *t, const struct evs *rd, struct evs *out)
{
	uint32_t fifo = 1 + t->set[3] % 16, k = 1 + t->set[4] % 16;
	uint32_t sizes[3] = { k, k + 1, 2 * k + 3 };
	uint64_t refs, others, orefs, oothers, in_refs, out_refs, m0[3], m1[3];
	struct pgt_source *src;
	int err;

	count_refs(rd, &refs, &others);
	CHECK(refs == t->refs);

	src = pgt_reduce_fifo__new(pgt_reader__source(reader(t)), fifo, &err);
	CHECK(src);
	CHECK(collect(src, out) == 0);
	pgt_reduce__stats(src, &in_refs, &out_refs);
	pgt_source__free(src);
	count_refs(out, &orefs, &oothers);
	CHECK(in_refs == refs && out_refs == orefs && oothers == others && orefs <= refs);
	CHECK(orefs == fifo_misses(rd, fifo));

	src = pgt_reduce_lru__new(pgt_reader__source(reader(t)), k, &err);
	CHECK(src);
	CHECK(collect(src, out) == 0);
	pgt_reduce__stats(src, &in_refs, &out_refs);
	pgt_source__free(src);
	count_refs(out, &orefs, &oothers);
	CHECK(in_refs == refs && out_refs == orefs && oothers == others && orefs <= refs);
	/* the same misses for every LRU memory of k pages or more */
	sim(rd, sizes, 3, m0);
	sim(out, sizes, 3, m1);
	for (int i = 0; i < 3; i++)
		CHECK(m0[i] == m1[i]);
	CHECK(m0[(t->set[15] >> 4) % 3] == lru_misses(rd, sizes[(t->set[15] >> 4) % 3]));
}

/* ---- merge, prefetch ---- */

static void check_merge(const struct trace *t, const struct evs *rd, struct evs *out)
{
	struct pgt_merge_opts mo = { .sz = sizeof(mo) };
	struct pgt_source *in[2], *src;
	uint64_t want[8] = { 0 }, got[8] = { 0 };
	int err;

	mo.pids = t->set[5] % 3;
	mo.time = (t->set[5] >> 2) % 3;
	in[0] = pgt_reader__source(reader(t));
	in[1] = pgt_reader__source(reader(t));
	src = pgt_merge__new(in, 2, &mo, &err);
	if (!src) {
		/* wall-clock order needs the inputs' wall-clock offsets */
		CHECK(err == -EINVAL && mo.time == PGT_MERGE_TIME_WALL && !t->h.wall_offset);
		return;
	}
	CHECK(collect(src, out) == 0);
	CHECK(out->n == 2 * rd->n);
	for (size_t i = 0; i < rd->n; i++)
		for (int j = 0; j < 8; j++)
			want[j] += 2 * (rd->e[i].pid == pid_table[j]);
	for (size_t i = 0; i < out->n; i++) {
		int j;

		for (j = 0; j < 8 && (out->e[i].pid & PID_MASK) != pid_table[j]; j++)
			;
		CHECK(j < 8);
		got[j]++;
		if (t->sorted && i && pgt_merge__time_mode(src) == PGT_MERGE_TIME_RAW)
			CHECK(out->e[i].ts >= out->e[i - 1].ts);
	}
	CHECK(!memcmp(want, got, sizeof(want)));
	pgt_source__free(src);
}

static void check_prefetch(const struct trace *t, const struct evs *rd, struct evs *out)
{
	struct pgt_reader *r = reader(t);
	struct pgt_source *src;
	int err;

	src = pgt_prefetch__new(pgt_reader__source(r), &err);
	CHECK(src);
	CHECK(collect(src, out) == 0);
	CHECK(out->n == rd->n);
	for (size_t i = 0; i < rd->n; i++)
		CHECK(same_event(&out->e[i], &rd->e[i]));
	/* the side tables the reader had at the end */
	CHECK(pgt_meta__nr_objects(src->meta) == t->nobjects);
	CHECK(pgt_meta__nr_processes(src->meta) == t->nprocesses);
	pgt_source__free(src);
}

/* ---- cut ---- */

static void bound(struct pgt_bound *b, uint8_t x, uint64_t v)
{
	b->set = x % 5 != 0;
	b->anchor = x % 3;
	b->v = v;
}

static void check_cut(const struct trace *t, const struct evs *rd, struct evs *out, int by_time)
{
	struct pgt_cut_opts co = { .sz = sizeof(co), .by_time = by_time };
	struct pgt_cut_stats st;
	struct pgt_reader *r = reader(t);
	struct pgt_writer_opts wo = { .sz = sizeof(wo), .header = pgt_reader__header(r) };
	struct pgt_writer *w;
	uint8_t a = t->set[6 + 2 * by_time], b = t->set[7 + 2 * by_time];
	uint64_t n = rd->n, want = 0;
	uint8_t *bytes;
	size_t len;
	int fd, err;

	if (by_time) {
		/* times of events, give or take one, from the start, the
		 * end or absolute */
		uint64_t ta = n ? rd->e[a % n].ts : a, tb = n ? rd->e[b % n].ts : b;

		ta += (a >> 6) % 3 - 1;
		tb += (b >> 6) % 3 - 1;
		bound(&co.range.lo, a >> 3, a % 5 == 1 ? ta : (a >> 3) * 1000ull);
		bound(&co.range.hi, b >> 3, b % 5 == 1 ? tb : (b >> 3) * 1000ull);
		if (co.range.lo.anchor == PGT_ANCHOR_ABS)
			co.range.lo.v = ta;
		if (co.range.hi.anchor == PGT_ANCHOR_ABS)
			co.range.hi.v = tb;
	} else {
		bound(&co.range.lo, a >> 4, a % (n + 3));
		bound(&co.range.hi, b >> 4, b % (n + 3));
	}
	wo.packet_events = 1 + t->set[10] % 32;
	fd = memfd_create("fuzz-ops-cut", MFD_CLOEXEC);
	CHECK(fd >= 0);
	w = pgt_writer__fdopen(dup(fd), &wo, &err);
	CHECK(w);
	err = pgt_cut(r, w, &co, &st);
	pgt_reader__free(r);
	if (err) {
		/* an end anchor without an index, or an end before the start */
		CHECK(err == -ENXIO || err == -ERANGE);
		CHECK(err != -ENXIO || !t->indexed);
		pgt_writer__abort(w);
		close(fd);
		return;
	}
	CHECK(pgt_writer__close(w) == 0);
	CHECK(st.lo <= st.hi);
	if (!by_time) {
		uint64_t lo, hi;

		if (t->indexed) {
			CHECK(pgt_range__resolve(&co.range, 0, n, &lo, &hi) == 0);
			CHECK(lo == st.lo && hi == st.hi);
		}
		lo = st.lo < n ? st.lo : n;
		hi = st.hi < n ? st.hi : n;
		want = hi - lo;
	} else {
		for (size_t i = 0; i < n; i++)
			want += rd->e[i].ts >= st.lo && rd->e[i].ts < st.hi;
	}
	CHECK(st.events == want);
	bytes = slurp(fd, &len);
	close(fd);
	r = reader_of(bytes, len);
	CHECK(collect(pgt_reader__source(r), out) == 0);
	CHECK(out->n == want);
	for (size_t i = 0, j = 0; i < n && j < out->n; i++) {
		uint64_t key = by_time ? rd->e[i].ts : i;

		if (key < st.lo || key >= st.hi)
			continue;
		CHECK(same_event(&out->e[j], &rd->e[i]) && out->e[j].seq == j);
		j++;
	}
	pgt_reader__free(r);
	free(bytes);
}

/* ---- split ---- */

static void rmdir_all(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	CHECK(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		CHECK(unlinkat(dirfd(d), de->d_name, 0) == 0);
	}
	closedir(d);
	CHECK(rmdir(dir) == 0);
}

static uint32_t nr_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	uint32_t n = 0;

	CHECK(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

/* Whether the split failed for want of resources, not for a fault. */
static int environment(int err)
{
	return err == -ENOSPC || err == -EDQUOT || err == -ENOMEM || err == -EMFILE ||
	       err == -ENFILE || err == -EIO;
}

static void check_split(const struct trace *t, const struct evs *rd, struct evs *out)
{
	const char *base = getenv("TMPDIR");
	struct pgt_split_opts so = { .sz = sizeof(so) };
	struct pgt_split_stats st;
	struct pgt_split *s;
	struct pgt_source *src;
	struct pgt_reader *r = reader(t);
	uint64_t sum = 0;
	char dir[4096];
	int dfd, err;

	if (!base || !*base)
		base = "/tmp";
	snprintf(dir, sizeof(dir), "%s/fuzz-ops-XXXXXX", base);
	CHECK(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0);
	so.by = t->set[11] % PGT_SPLIT_NKEYS;
	so.dir_fd = dfd;
	so.tmpl = t->set[11] & 0x80 ? "t%n-%k.pgt" : NULL;
	so.max_open = 1 + t->set[12] % 4;
	so.buffer_events = t->set[12] & 0x10 ? 1 + t->set[13] % 64 : 0;
	so.packet_events = t->set[13] & 0x80 ? 0 : 1 + t->set[13] % 16;
	so.every = 1 + t->set[14];
	if (so.by == PGT_SPLIT_EVENTS && so.every < rd->n / 8)
		so.every = rd->n / 8;		/* at most 9 traces */
	if (so.by == PGT_SPLIT_TIME && rd->n) {
		uint64_t span = 0;

		for (size_t i = 0; i < rd->n; i++)
			if (rd->e[i].ts > rd->e[0].ts && rd->e[i].ts - rd->e[0].ts > span)
				span = rd->e[i].ts - rd->e[0].ts;
		if (so.every <= span / 8)
			so.every = span / 8 + 1;	/* at most 9 traces */
	}
	s = pgt_split__new(&so, pgt_reader__header(r), &err);
	CHECK(s);
	if (t->set[0] & 16) {
		src = pgt_prefetch__new(pgt_reader__source(r), &err);
		CHECK(src);
	} else {
		src = pgt_reader__source(r);
	}
	err = pgt_split__run(s, src);
	CHECK(!err || environment(err));
	if (!err)
		err = pgt_split__close(s);	/* reads @src's side tables */
	CHECK(!err || environment(err));
	pgt_source__free(src);
	if (err) {
		pgt_split__free(s);
		goto out;
	}
	pgt_split__stats(s, &st);
	CHECK(st.events == rd->n && st.traces == pgt_split__nr_traces(s));
	CHECK(nr_files(dir) == st.traces);
	for (uint32_t i = 0; i < st.traces; i++) {
		const char *key, *name;
		uint64_t events, first, last;
		struct pgt_reader *tr;
		int fd;

		CHECK(pgt_split__trace_at(s, i, &key, &name, &events, &first, &last) == 0);
		CHECK(!strchr(name, '/'));
		fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
		CHECK(fd >= 0);
		tr = pgt_reader__fdopen(fd, NULL, &err);
		CHECK(tr);
		CHECK(collect(pgt_reader__source(tr), out) == 0);
		CHECK(out->n == events);
		sum += events;
		for (size_t j = 1; j < out->n; j++) {
			const struct pgt_event *a = &out->e[0], *b = &out->e[j];

			CHECK(so.by != PGT_SPLIT_PID || a->pid == b->pid);
			CHECK(so.by != PGT_SPLIT_TID || a->tid == b->tid);
			CHECK(so.by != PGT_SPLIT_CPU || a->cpu == b->cpu);
			CHECK(so.by != PGT_SPLIT_TYPE || a->type == b->type);
		}
		CHECK(so.by != PGT_SPLIT_EVENTS || out->n <= so.every);
		pgt_reader__free(tr);
	}
	CHECK(sum == rd->n);
	CHECK(pgt_split__trace_at(s, st.traces, NULL, NULL, NULL, NULL, NULL) == -ERANGE);
	pgt_split__free(s);
out:
	close(dfd);
	rmdir_all(dir);
}

/* ---- oracleGeneral ---- */

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static struct pmap pm;

static void check_oracle(const struct trace *t, const struct evs *rd)
{
	struct pgt_oracle_opts oo = { .sz = sizeof(oo), .packed_ids = !!(t->set[0] & 8) };
	struct pgt_oracle_stats st;
	struct pgt_reader *r = reader(t);
	int fd = memfd_create("fuzz-ops-oracle", MFD_CLOEXEC), err, fits = 1;
	uint64_t refs = 0, first_ts = 0, *last, i = 0;
	uint32_t *ids;
	uint8_t *b;
	size_t len;

	CHECK(fd >= 0);
	for (size_t j = 0; j < rd->n; j++)
		if (pgt_is_reference(rd->e[j].type))
			for (uint32_t p = 0; p < rd->e[j].npages; p++)
				fits &= rd->e[j].obj < (1u << 24) && rd->e[j].index + p < (1ull << 40);
	err = pgt_oracle__export(pgt_reader__source(r), fd, &oo, &st);
	pgt_reader__free(r);
	if (oo.packed_ids && !fits) {
		CHECK(err == -ERANGE);
		close(fd);
		return;
	}
	CHECK(err == 0);
	CHECK(st.events == rd->n && st.refs == t->refs);
	b = slurp(fd, &len);
	close(fd);
	CHECK(len == st.refs * PGT_ORACLE_RECORD_SIZE);
	/* expected ids, then next uses from the end */
	memset(&pm, 0, sizeof(pm));
	ids = malloc((st.refs + 1) * sizeof(*ids));
	last = malloc((st.refs + 1) * sizeof(*last));
	CHECK(ids && last);
	for (size_t j = 0; j < rd->n; j++) {
		const struct pgt_event *e = &rd->e[j];

		if (!pgt_is_reference(e->type))
			continue;
		for (uint32_t p = 0; p < e->npages; p++, i++) {
			const uint8_t *rec = b + i * PGT_ORACLE_RECORD_SIZE;
			uint64_t page = e->index + p, clk;

			if (!refs++)
				first_ts = e->ts;
			clk = e->ts > first_ts ? (e->ts - first_ts) / 1000000000ull : 0;
			ids[i] = pmap_id(&pm, e->obj, page);
			CHECK(le(rec, 4) == (clk > UINT32_MAX ? UINT32_MAX : clk));
			CHECK(le(rec + 4, 8) == (oo.packed_ids ? (uint64_t)e->obj << 40 | page : ids[i]));
			/* a reference's own size (an imported object's), else a page */
			CHECK(le(rec + 12, 4) == (e->type == PGT_EV_REFERENCE && e->aux
						  ? (e->aux > UINT32_MAX ? UINT32_MAX : e->aux) : t->h.page_size));
		}
	}
	CHECK(st.pages == pm.n);
	for (uint64_t j = 0; j <= pm.n; j++)
		last[j] = UINT64_MAX;	/* -1 */
	for (uint64_t j = st.refs; j-- > 0;) {
		CHECK(le(b + j * PGT_ORACLE_RECORD_SIZE + 16, 8) == last[ids[j]]);
		last[ids[j]] = j + 1;
	}
	free(ids);
	free(last);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace t = { 0 };
	struct evs rd = { 0 }, out = { 0 };
	struct pgt_reader *r;
	unsigned ops;

	build(&t, data, size);
	/* the trace reads back as written */
	r = reader(&t);
	CHECK(collect(pgt_reader__source(r), &rd) == 0);
	t.nobjects = pgt_meta__nr_objects(pgt_reader__meta(r));
	t.nprocesses = pgt_meta__nr_processes(pgt_reader__meta(r));
	pgt_reader__free(r);
	CHECK(rd.n == t.ev.n);
	for (size_t i = 0; i < rd.n; i++)
		CHECK(same_event(&rd.e[i], &t.ev.e[i]) && rd.e[i].seq == i);

	/* each operator opens readers of its own, which costs more than the
	 * events: a fuzzed input may run only some (the replay of a corpus
	 * file with set[16] == 0 runs them all) */
	ops = t.set[16] ? t.set[16] : 0xff;
	if (ops & 1)
		check_filter(&t, &rd, &out);
	if (ops & 2)
		check_reduce(&t, &rd, &out);
	if (ops & 4)
		check_merge(&t, &rd, &out);
	if (ops & 8)
		check_prefetch(&t, &rd, &out);
	if (ops & 16)
		check_cut(&t, &rd, &out, 0);
	if (ops & 32)
		check_cut(&t, &rd, &out, 1);
	if (ops & 64)
		check_split(&t, &rd, &out);
	if (ops & 128)
		check_oracle(&t, &rd);

	free(t.ev.e);
	free(t.bytes);
	free(rd.e);
	free(out.e);
	return 0;
}
