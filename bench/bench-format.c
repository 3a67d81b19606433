// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-format - time the trace format: write, read and decode.
 *
 * One run covers one access pattern:
 *
 *  1. generate N events with pgt_gen__new() into one array in memory
 *     (N x 64 bytes: 6.4 GB for 100 M events), timed on its own;
 *  2. write the array with pgt_writer (open to close, the index and the
 *     end record included; the file lands in the page cache, no fsync),
 *     so the write figure is the writer alone, not the generator;
 *  3. write the same events as fixed 32-byte records (layout below) for
 *     bench/run.sh to compress with `zstd -3`, the peer baseline;
 *  4. read the trace back with pgt_reader through pgt_source__batch(),
 *     touching every event (sums of index and ts, checked against the
 *     generated events), best of --read-runs passes, warm page cache;
 *     then once more through pgt_source__next(), one event at a time.
 *
 * When the array does not fit in memory (or with --stream) the writer
 * is timed by subtraction instead: one pass of generation alone, one of
 * generation plus writing; write time = difference.  The output says
 * which method ran ("write_method array" or "write_method subtract").
 *
 * Single-core figures need the caller to pin the process (run.sh uses
 * `taskset -c 0`); everything here runs on one thread.
 *
 * Fixed 32-byte record, little-endian, no padding:
 *   off  0  u64 ts
 *   off  8  u64 index
 *   off 16  u32 pfn, or aux when pfn is PGT_PFN_NONE (low 32 bits)
 *   off 20  u32 obj
 *   off 24  u32 pid
 *   off 28  u16 cpu
 *   off 30  u8  type
 *   off 31  u8  flags (low 8 bits)
 * It drops tid, npages, the high bits of pfn/aux and flags, and the seq
 * number: a lossy, generous baseline, as a naive recorder would write it.
 *
 * Output: one "key value" line per result on stdout, for run.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "pgtrace/pgtrace.h"
#include "pgtrace/parse.h"

#define FIXED_REC 32
#define FIXED_CHUNK (1u << 15)	/* records per write(): 1 MiB */

struct opts {
	int pattern;
	uint64_t events, pages, seed;
	double alpha;
	int zlevel;
	unsigned read_runs;
	int stream;
	const char *trace, *fixed;
};

struct sums {
	uint64_t n, index, ts;
};

static const char *prog = "bench-format";

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS] -o TRACE\n"
		"\n"
		"Time pgtrace's writer and reader on a synthetic trace, and write the same\n"
		"events as fixed 32-byte records for comparison with zstd.\n"
		"\n"
		"Options:\n"
		"  -o, --output TRACE    trace to write (overwritten)\n"
		"  -x, --fixed FILE      also write fixed 32-byte records to FILE\n"
		"  -p, --pattern NAME    generator pattern (default sequential)\n"
		"  -n, --events N        events (default 100M; K, M, G are powers of 1000;\n"
		"                        the BENCH_EVENTS environment variable also sets it)\n"
		"      --pages N         pages per file (default 10M)\n"
		"      --alpha A         zipf exponent (default 0.9)\n"
		"      --seed N          generator seed (default 1)\n"
		"  -z, --zstd-level N    writer zstd level (default: the library's)\n"
		"  -r, --read-runs N     read passes, best reported (default 3)\n"
		"      --stream          time the writer by subtraction, without the array\n"
		"  -h, --help            show this help\n"
		"\n"
		"Example:\n"
		"  taskset -c 0 %s -p zipf -n 10M -o /tmp/z.pgt -x /tmp/z.fixed\n",
		prog, prog);
}

static void __attribute__((noreturn)) usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	exit(2);
}

/* Counts take K/M/G/T suffixes in powers of 1000, like pgtrace gen. */
static uint64_t count_arg(const char *opt, const char *s)
{
	size_t n = strlen(s);
	uint64_t mult = 1, v;
	char buf[64];

	if (n && n < sizeof(buf)) {
		char c = s[n - 1];

		mult = c == 'K' || c == 'k' ? 1000ull : c == 'M' ? 1000000ull
		       : c == 'G' ? 1000000000ull : c == 'T' ? 1000000000000ull : 1;
		memcpy(buf, s, n + 1);
		if (mult > 1)
			buf[n - 1] = 0;
		s = buf;
	}
	if (pgt_parse_u64(s, &v) || v > UINT64_MAX / mult || !v) {
		fprintf(stderr, "%s: invalid %s '%s'\nTry '%s --help'.\n", prog, opt, s, prog);
		exit(2);
	}
	return v * mult;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void diag(enum pgt_diag_level level, const char *msg, void *ctx)
{
	(void)ctx;
	if (level <= PGT_DIAG_WARN)
		fprintf(stderr, "%s: libpgtrace: %s\n", prog, msg);
}

static void __attribute__((noreturn)) die(const char *what, const char *subject, int err)
{
	fprintf(stderr, "%s: %s '%s': %s\n", prog, what, subject, pgt_strerror(err));
	exit(1);
}

static struct pgt_source *new_gen(const struct opts *o)
{
	struct pgt_gen_opts go = {
		.sz = sizeof(go), .pattern = o->pattern, .events = o->events,
		.pages = o->pages, .seed = o->seed, .alpha = o->alpha,
	};
	struct pgt_source *g;
	int err = 0;

	g = pgt_gen__new(&go, &err);
	if (!g)
		die("cannot create generator for", pgt_gen_pattern_name((unsigned)o->pattern), err);
	return g;
}

static void sums_add(struct sums *s, const struct pgt_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		s->index += ev[i].index;
		s->ts += ev[i].ts;
	}
	s->n += n;
}

static struct pgt_writer *open_writer(const struct opts *o, const struct pgt_header *h)
{
	struct pgt_writer_opts wo = {
		.sz = sizeof(wo), .zlevel = o->zlevel, .force = 1, .header = h,
	};
	struct pgt_writer *w;
	int err = 0;

	w = pgt_writer__open(o->trace, &wo, &err);
	if (!w)
		die("cannot create", o->trace, err);
	return w;
}

/* The side tables of the generator (objects, processes, info), so the
 * trace is a complete one that pgtrace dump can resolve. */
static void copy_meta(struct pgt_writer *w, struct pgt_source *g, const char *path)
{
	int err = pgt_writer__copy_meta(w, g->meta);

	if (err)
		die("cannot write side records to", path, err);
}

static void close_writer(struct pgt_writer *w, const char *path)
{
	int err = pgt_writer__close(w);

	if (err)
		die("cannot write", path, err);
}

static inline void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void pack_fixed(uint8_t *p, const struct pgt_event *e)
{
	uint32_t pa = e->pfn != PGT_PFN_NONE ? (uint32_t)e->pfn : (uint32_t)e->aux;
	uint16_t cpu = (uint16_t)e->cpu;

	put64(p, e->ts);
	put64(p + 8, e->index);
	put32(p + 16, pa);
	put32(p + 20, e->obj);
	put32(p + 24, e->pid);
	memcpy(p + 28, &cpu, 2);
	p[30] = e->type;
	p[31] = (uint8_t)e->flags;
}

struct fixed_out {
	int fd;
	const char *path;
	uint8_t *buf;
	size_t n;
	uint64_t bytes;
};

static void fixed_flush(struct fixed_out *f)
{
	size_t len = f->n * FIXED_REC, off = 0;

	while (off < len) {
		ssize_t w = write(f->fd, f->buf + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("cannot write", f->path, -errno);
		}
		off += (size_t)w;
	}
	f->bytes += len;
	f->n = 0;
}

static void fixed_write(struct fixed_out *f, const struct pgt_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		pack_fixed(f->buf + f->n * FIXED_REC, &ev[i]);
		if (++f->n == FIXED_CHUNK)
			fixed_flush(f);
	}
}

static void fixed_open(struct fixed_out *f, const char *path)
{
	f->path = path;
	f->n = 0;
	f->bytes = 0;
	f->buf = malloc((size_t)FIXED_CHUNK * FIXED_REC);
	f->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (!f->buf)
		die("cannot allocate a buffer for", path, -ENOMEM);
	if (f->fd < 0)
		die("cannot create", path, -errno);
}

static void fixed_close(struct fixed_out *f)
{
	fixed_flush(f);
	if (close(f->fd) < 0)
		die("cannot write", f->path, -errno);
	free(f->buf);
}

static uint64_t file_size(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) < 0)
		die("cannot stat", path, -errno);
	return (uint64_t)sb.st_size;
}

/* Read the whole trace through batches; touch every event. */
static struct sums read_batches(const char *path, uint64_t *packets)
{
	struct pgt_reader *r;
	struct pgt_source *src;
	const struct pgt_event *ev;
	struct pgt_reader_stats st;
	struct sums s = { 0, 0, 0 };
	ssize_t n;
	int err = 0;

	r = pgt_reader__open(path, NULL, &err);
	if (!r)
		die("cannot open", path, err);
	src = pgt_reader__source(r);
	while ((n = pgt_source__batch(src, &ev)) > 0)
		sums_add(&s, ev, (size_t)n);
	if (n < 0)
		die("cannot read", path, (int)n);
	pgt_reader__stats(r, &st);
	*packets = st.packets;
	pgt_reader__free(r);
	return s;
}

/* The same, one event at a time (the convenient API). */
static struct sums read_next(const char *path)
{
	struct pgt_reader *r;
	struct pgt_source *src;
	struct pgt_event ev = { 0 };
	struct sums s = { 0, 0, 0 };
	int n, err = 0;

	r = pgt_reader__open(path, NULL, &err);
	if (!r)
		die("cannot open", path, err);
	src = pgt_reader__source(r);
	while ((n = pgt_source__next(src, &ev)) > 0) {
		s.index += ev.index;
		s.ts += ev.ts;
		s.n++;
	}
	if (n < 0)
		die("cannot read", path, n);
	pgt_reader__free(r);
	return s;
}

static void check_sums(const char *what, const struct sums *got, const struct sums *want)
{
	if (got->n != want->n || got->index != want->index || got->ts != want->ts) {
		fprintf(stderr, "%s: %s: read back %llu events that differ from the %llu written\n",
			prog, what, (unsigned long long)got->n, (unsigned long long)want->n);
		exit(1);
	}
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	enum { OPT_PAGES = 256, OPT_ALPHA, OPT_SEED, OPT_STREAM };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "fixed", required_argument, NULL, 'x' },
		{ "pattern", required_argument, NULL, 'p' },
		{ "events", required_argument, NULL, 'n' },
		{ "pages", required_argument, NULL, OPT_PAGES },
		{ "alpha", required_argument, NULL, OPT_ALPHA },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "zstd-level", required_argument, NULL, 'z' },
		{ "read-runs", required_argument, NULL, 'r' },
		{ "stream", no_argument, NULL, OPT_STREAM },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env = getenv("BENCH_EVENTS");
	uint64_t v;
	int c;

	*o = (struct opts){
		.pattern = PGT_GEN_SEQUENTIAL, .events = 100000000, .pages = 10000000,
		.seed = 1, .alpha = 0.9, .read_runs = 3,
	};
	if (env && *env)
		o->events = count_arg("BENCH_EVENTS", env);
	while ((c = getopt_long(argc, argv, "o:x:p:n:z:r:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o->trace = optarg; break;
		case 'x': o->fixed = optarg; break;
		case 'p':
			o->pattern = pgt_gen_pattern_parse(optarg);
			if (o->pattern < 0)
				usage_error("unknown pattern '%s'", optarg);
			break;
		case 'n': o->events = count_arg("--events", optarg); break;
		case OPT_PAGES: o->pages = count_arg("--pages", optarg); break;
		case OPT_ALPHA:
			if (pgt_parse_double(optarg, &o->alpha) || o->alpha <= 0)
				usage_error("invalid --alpha '%s'", optarg);
			break;
		case OPT_SEED:
			if (pgt_parse_u64(optarg, &o->seed))
				usage_error("invalid --seed '%s'", optarg);
			break;
		case 'z':
			if (pgt_parse_u64_max(optarg, 22, &v) || !v)
				usage_error("invalid --zstd-level '%s': expected 1 to 22", optarg);
			o->zlevel = (int)v;
			break;
		case 'r':
			if (pgt_parse_u64_max(optarg, 100, &v) || !v)
				usage_error("invalid --read-runs '%s': expected 1 to 100", optarg);
			o->read_runs = (unsigned)v;
			break;
		case OPT_STREAM: o->stream = 1; break;
		case 'h': usage(stdout); exit(0);
		default:
			fprintf(stderr, "Try '%s --help'.\n", prog);
			exit(2);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->trace)
		usage_error("%s", "no output trace: give -o TRACE");
}

int main(int argc, char **argv)
{
	struct opts o;
	struct pgt_source *g;
	struct pgt_header hdr;
	struct pgt_writer *w;
	struct pgt_event *all = NULL;
	const struct pgt_event *ev;
	struct sums want = { 0, 0, 0 };
	struct fixed_out fx;
	double t0, t1, c0, gen_s, gen_cpu, write_s, write_cpu, fixed_s = 0;
	double best = 0, worst = 0, best_cpu = 0;
	uint64_t packets = 0, tbytes;
	ssize_t n;

	parse_opts(argc, argv, &o);
	pgt_set_diag(diag, NULL);
	printf("pattern %s\nevents %llu\npages %llu\n", pgt_gen_pattern_name((unsigned)o.pattern),
	       (unsigned long long)o.events, (unsigned long long)o.pages);
	if (o.pattern == PGT_GEN_ZIPF)
		printf("alpha %g\n", o.alpha);

	if (!o.stream && o.events <= SIZE_MAX / sizeof(*all))
		all = malloc((size_t)o.events * sizeof(*all));
	if (!o.stream && !all)
		fprintf(stderr, "%s: no memory for %llu events in one array; timing the writer "
			"by subtraction\n", prog, (unsigned long long)o.events);

	/* 1. Generation, alone. */
	g = new_gen(&o);
	hdr = g->header;
	t0 = now();
	c0 = cpu_now();
	while ((n = pgt_source__batch(g, &ev)) > 0) {
		if (all)
			memcpy(all + want.n, ev, (size_t)n * sizeof(*ev));
		sums_add(&want, ev, (size_t)n);
	}
	gen_s = now() - t0;
	gen_cpu = cpu_now() - c0;
	if (n < 0)
		die("cannot generate", "events", (int)n);
	printf("gen_s %.3f\ngen_cpu_s %.3f\ngen_mevs %.2f\n", gen_s, gen_cpu, o.events / gen_s / 1e6);

	/* 2. The writer. */
	if (all) {
		w = open_writer(&o, &hdr);
		copy_meta(w, g, o.trace);
		t0 = now();
		c0 = cpu_now();
		/* Hand the writer gen-sized batches, as a real source would. */
		for (uint64_t i = 0; i < o.events; i += 4096) {
			size_t k = o.events - i < 4096 ? (size_t)(o.events - i) : 4096;
			int err = pgt_writer__write(w, all + i, k);

			if (err)
				die("cannot write", o.trace, err);
		}
		close_writer(w, o.trace);
		write_s = now() - t0;
		write_cpu = cpu_now() - c0;
		printf("write_method array\n");
	} else {
		struct pgt_source *g2 = new_gen(&o);

		w = open_writer(&o, &hdr);
		copy_meta(w, g2, o.trace);
		t0 = now();
		c0 = cpu_now();
		while ((n = pgt_source__batch(g2, &ev)) > 0) {
			int err = pgt_writer__write(w, ev, (size_t)n);

			if (err)
				die("cannot write", o.trace, err);
		}
		close_writer(w, o.trace);
		t1 = now();
		write_s = t1 - t0 - gen_s;
		write_cpu = cpu_now() - c0 - gen_cpu;
		pgt_source__free(g2);
		printf("write_method subtract\ngen_write_s %.3f\n", t1 - t0);
	}
	tbytes = file_size(o.trace);
	printf("write_s %.3f\nwrite_cpu_s %.3f\nwrite_mevs %.2f\n", write_s, write_cpu,
	       o.events / write_s / 1e6);
	printf("trace_bytes %llu\ntrace_bpe %.3f\n", (unsigned long long)tbytes,
	       (double)tbytes / (double)o.events);

	/* 3. Fixed 32-byte records (timed for information only). */
	if (o.fixed) {
		fixed_open(&fx, o.fixed);
		t0 = now();
		if (all) {
			fixed_write(&fx, all, (size_t)o.events);
		} else {
			struct pgt_source *g3 = new_gen(&o);

			while ((n = pgt_source__batch(g3, &ev)) > 0)
				fixed_write(&fx, ev, (size_t)n);
			pgt_source__free(g3);
		}
		fixed_close(&fx);
		fixed_s = now() - t0;
		printf("fixed_bytes %llu\nfixed_write_s %.3f\nfixed_includes_gen %d\n",
		       (unsigned long long)fx.bytes, fixed_s, !all);
	}
	free(all);
	pgt_source__free(g);

	/* 4. Read and decode, warm cache. */
	for (unsigned i = 0; i < o.read_runs; i++) {
		struct sums got;
		double s, cs;

		t0 = now();
		c0 = cpu_now();
		got = read_batches(o.trace, &packets);
		s = now() - t0;
		cs = cpu_now() - c0;
		check_sums("batch read", &got, &want);
		printf("read_run%u_s %.3f\n", i + 1, s);
		if (!i || s < best) {
			best = s;
			best_cpu = cs;
		}
		if (s > worst)
			worst = s;
	}
	printf("packets %llu\nread_s %.3f\nread_cpu_s %.3f\nread_mevs %.2f\nread_worst_mevs %.2f\n",
	       (unsigned long long)packets, best, best_cpu, o.events / best / 1e6,
	       o.events / worst / 1e6);
	t0 = now();
	{
		struct sums got = read_next(o.trace);

		check_sums("event-at-a-time read", &got, &want);
	}
	t1 = now() - t0;
	printf("read_next_s %.3f\nread_next_mevs %.2f\nverify ok\n", t1, o.events / t1 / 1e6);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write results to standard output\n", prog);
		return 1;
	}
	return 0;
}
