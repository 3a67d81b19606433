// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the kernel access layer (lib/kernel) and the walks built
 * on it (lib/snap/pfn.c, lib/snap/task.c), on a fake /proc tree moved in
 * with pgt_kernel__set_root(): /proc/iomem, kpageflags, kpagecount,
 * meminfo, and a process 1234 with maps, comm and pagemap.  The files
 * are regular files, so PAGEMAP_SCAN is missing (ENOTTY) and the task
 * walk reads pagemap entry by entry.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kernel/kernel.h"
#include "pgtrace/snap.h"

#define B(n) (1ull << (n))
#define KPF_DIRTY B(4)
#define KPF_LRU B(5)
#define KPF_ACTIVE B(6)
#define KPF_SLAB B(7)
#define KPF_BUDDY B(10)
#define KPF_ANON B(12)
#define KPF_SWAPBACKED B(14)
#define KPF_NOPAGE B(20)
#define KPF_REFERENCED B(2)

#define NFRAMES 300000u	/* entries of the fake kpageflags */
#define PID 1234

static char *root;

/* Flags of frame @pfn in the fake kpageflags: long runs of five kinds,
 * every 13th frame dirty, so runs cross the walk's 64 Ki chunks. */
/* The walkers return their result or NULL with the error: both checked
 * here, so the tests below read as before. */
static int snap_pfn(const struct pgt_pfn_opts *o, struct pgt_pfn_result **r)
{
	int err = 1;

	*r = pgt_snap_pfn(o, &err);
	assert_true(err <= 0);
	assert_int_equal(!*r, !!err);
	return err;
}

static int snap_task(pid_t pid, const struct pgt_task_opts *o, struct pgt_task_info **t)
{
	int err = 1;

	*t = pgt_snap_task(pid, o, &err);
	assert_true(err <= 0);
	assert_int_equal(!*t, !!err);
	return err;
}

static uint64_t fake_flags(uint64_t pfn)
{
	static const uint64_t kinds[] = {
		KPF_LRU,
		KPF_LRU | KPF_ANON | KPF_SWAPBACKED,
		KPF_BUDDY,
		KPF_SLAB,
		KPF_LRU | KPF_ACTIVE | KPF_REFERENCED,
	};
	uint64_t f = kinds[(pfn / 777) % 5];

	return pfn % 13 == 0 ? f | KPF_DIRTY : f;
}

static uint64_t fake_count(uint64_t pfn)
{
	return pfn % 3;
}

static void write_file(const char *rel, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_text(const char *rel, const char *text)
{
	write_file(rel, text, strlen(text));
}

static void write_u64s(const char *rel, uint64_t (*fn)(uint64_t), uint64_t n)
{
	uint64_t *v = malloc(n * 8);

	assert_non_null(v);
	for (uint64_t i = 0; i < n; i++)
		v[i] = fn(i);
	write_file(rel, v, n * 8);
	free(v);
}

/* Entries of the fake pagemap at virtual page @vpage. */
static void write_pagemap(uint64_t vpage, const uint64_t *ent, size_t n)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/proc/%d/pagemap", root, PID);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, ent, n * 8, (off_t)(vpage * 8)), (ssize_t)(n * 8));
	close(fd);
}

/* The System RAM of the default iomem below, as frame spans. */
static const char iomem[] =
	"00000000-00000fff : Reserved\n"
	"00001000-0009fbff : System RAM\n"		/* frames 1..159 */
	"0009fc00-0009ffff : Reserved\n"
	"000a0000-000bffff : PCI Bus 0000:00\n"
	"00100000-3fffffff : System RAM\n"		/* 256..262144 */
	"  01000000-01ffffff : Kernel code\n"
	"  02000000-02000fff : System RAM\n"		/* nested: not a range */
	"45000000-4fffffff : System RAM\n"		/* 282624..327680, clipped */
	"fee00000-fee00fff : Local APIC\n";
static const struct pgt_pfn_span iomem_spans[] = {
	{ 1, 159 }, { 256, 262144 }, { 282624, NFRAMES },
};

static const char maps[] =
	"00010000-00020000 rw-p 00000000 00:00 0 \n"
	"00400000-00452000 r-xp 00000000 08:02 173521                     /usr/bin/daemon\n"
	"00651000-00652000 rw-p 00051000 fd:01 173522                     /usr/bin/my prog (1)\n"
	"not a mapping line\n"
	"00030000-00020000 rw-p 00000000 00:00 0 \n"	/* end before start (fuzz-proc) */
	"7f0000100000-7f0000200000 rw-s 00000000 00:05 99                 /dev/shm/x (deleted)\n"
	"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                  [stack]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0          [vsyscall]\n";

static int rm_one(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(p);
}

static int setup_root(void **state)
{
	char dir[4096];
	const char *base = getenv("TMPDIR");

	(void)state;
	if (!base || !*base)
		base = "/tmp";
	if (asprintf(&root, "%s/pgtrace-unit-kernel-XXXXXX", base) < 0 || !mkdtemp(root))
		return -1;
	snprintf(dir, sizeof(dir), "%s/proc", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/proc/%d", root, PID);
	mkdir(dir, 0755);
	write_text("/proc/iomem", iomem);
	write_u64s("/proc/kpageflags", fake_flags, NFRAMES);
	write_u64s("/proc/kpagecount", fake_count, NFRAMES);
	write_text("/proc/meminfo",
		   "MemTotal:       24683656 kB\n"
		   "SwapCached:          17 kB\n"
		   "Cached:          5156876 kB\n"
		   "Active(file):    1454444 kB\n"
		   "HugePages_Total:       0\n");
	write_text("/proc/1234/maps", maps);
	write_text("/proc/1234/comm", "fake-task\n");
	return pgt_kernel__set_root(root) ? -1 : 0;
}

static int teardown_root(void **state)
{
	(void)state;
	pgt_kernel__set_root(NULL);
	if (root)
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
	return 0;
}

static void test_root(void **state)
{
	char buf[4096];

	(void)state;
	assert_string_equal(pgt_kernel__root(), root);
	assert_string_equal(pgt_kpath(buf, sizeof(buf), "/proc/%d/maps", 7),
			    strcat(strcpy((char[4096]){ 0 }, root), "/proc/7/maps"));
	/* "/" and NULL both mean the real root */
	assert_int_equal(pgt_kernel__set_root("/"), 0);
	assert_string_equal(pgt_kernel__root(), "");
	assert_int_equal(pgt_kernel__set_root(NULL), 0);
	assert_string_equal(pgt_kernel__root(), "");
	assert_string_equal(pgt_kpath(buf, sizeof(buf), "/proc/meminfo"), "/proc/meminfo");
	assert_int_equal(pgt_kernel__set_root(root), 0);
	assert_int_equal(pgt_kopen("/proc/nonexistent", O_RDONLY), -ENOENT);
}

/* ---- page-flag names ---- */

static void test_kpf_parse(void **state)
{
	static const struct {
		const char *spec;
		uint64_t set, clear;
	} ok[] = {
		{ "lru", KPF_LRU, 0 },
		{ "lru,~anon", KPF_LRU, KPF_ANON },
		{ "LRU,!Anon", KPF_LRU, KPF_ANON },
		{ "dirty,writeback", KPF_DIRTY | B(8), 0 },
		{ "5,~12", KPF_LRU, KPF_ANON },
		{ "0,63", B(0) | B(63), 0 },
		{ "~nopage,~buddy", 0, KPF_NOPAGE | KPF_BUDDY },
		{ "compound_head,compound_tail", B(15) | B(16), 0 },
		{ "reserved,softdirty,arch_3", B(32) | B(40) | B(42), 0 },
		{ "lru,lru", KPF_LRU, 0 },
		/* as pgt_kpf_format() prints bits without a name */
		{ "bit27,~bit63,BIT5", B(27) | KPF_LRU, B(63) },
	};
	static const struct {
		const char *spec;
		size_t bad;
	} bad[] = {
		{ "", 0 },
		{ "bogus", 0 },
		{ "lru,bogus", 4 },
		{ "lru,~bogus", 4 },
		{ "lru,", 4 },
		{ ",lru", 0 },
		{ "lru,,dirty", 4 },
		{ "~", 0 },
		{ "64", 0 },
		{ "123", 0 },
		{ "1a", 0 },
		{ "lru ", 0 },
		{ "dirty,lruu", 6 },
		{ "bit64", 0 }, { "bit", 0 }, { "lru,bitx", 4 }, { "bit123", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t set = 1, clear = 1;

		if (pgt_kpf_parse(ok[i].spec, &set, &clear, NULL))
			print_error("'%s' did not parse\n", ok[i].spec);
		assert_int_equal(pgt_kpf_parse(ok[i].spec, &set, &clear, NULL), 0);
		assert_int_equal(set, ok[i].set);
		assert_int_equal(clear, ok[i].clear);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t set, clear;
		struct pgt_parse_error pe = { .offset = 99 };
		int err = pgt_kpf_parse(bad[i].spec, &set, &clear, &pe);

		if (err != -PGT_EPARSE || pe.offset != bad[i].bad)
			print_error("'%s': %d at %zu, wanted bad offset %zu\n", bad[i].spec, err, pe.offset,
				    bad[i].bad);
		assert_int_equal(err, -PGT_EPARSE);
		assert_int_equal(pe.offset, bad[i].bad);
		assert_true(pe.offset + pe.len <= strlen(bad[i].spec));
		assert_int_equal(pe.line, 0);
		assert_true(pe.msg[0]);
	}
}

static void test_kpf_format(void **state)
{
	char buf[1024], small[8];
	uint64_t set, clear;

	(void)state;
	assert_string_equal(pgt_kpf_format(0, buf, sizeof(buf)), "");
	assert_string_equal(pgt_kpf_format(KPF_LRU | KPF_ANON, buf, sizeof(buf)), "lru,anon");
	assert_string_equal(pgt_kpf_format(B(0) | B(26) | B(27) | B(63), buf, sizeof(buf)),
			    "locked,pgtable,bit27,bit63");
	assert_string_equal(pgt_kpf_name(20), "nopage");
	assert_null(pgt_kpf_name(30));
	assert_null(pgt_kpf_name(64));
	/* every bit, named or not, survives format then parse */
	for (unsigned b = 0; b < 64; b++) {
		assert_int_equal(pgt_kpf_parse(pgt_kpf_format(B(b), buf, sizeof(buf)), &set, &clear, NULL), 0);
		assert_int_equal(set, B(b));
		assert_int_equal(clear, 0);
	}
	/* a short buffer: a terminated prefix, never an overflow */
	memset(small, 'x', sizeof(small));
	pgt_kpf_format(KPF_LRU | KPF_ANON | KPF_SWAPBACKED, small, sizeof(small));
	assert_true(memchr(small, 0, sizeof(small)) != NULL);
	assert_memory_equal(small, "lru", 3);
	assert_string_equal(pgt_kpf_format(KPF_LRU, buf, 0), buf);
}

/* ---- /proc/iomem ---- */

static void test_iomem(void **state)
{
	struct pgt_pfn_span *s = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(pgt_iomem__ram(&s, &n), 0);
	/* nested entries ignored; the last span is not clipped here */
	assert_int_equal(n, 3);
	assert_int_equal(s[0].start, 1);
	assert_int_equal(s[0].end, 159);
	assert_int_equal(s[1].start, 256);
	assert_int_equal(s[1].end, 262144);
	assert_int_equal(s[2].start, 282624);
	assert_int_equal(s[2].end, 327680);
	free(s);

	/* out of order, and a range smaller than a page */
	write_text("/proc/iomem",
		   "00100000-001fffff : System RAM\n"
		   "00002800-00002fff : System RAM\n"
		   "00001000-00001fff : System RAM\n");
	assert_int_equal(pgt_iomem__ram(&s, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(s[0].start, 1);
	assert_int_equal(s[0].end, 2);
	assert_int_equal(s[1].start, 256);
	assert_int_equal(s[1].end, 512);
	free(s);

	/* repeated and overlapping lines are one span (found by fuzz-proc) */
	write_text("/proc/iomem",
		   "00001000-0009ffff : System RAM\n"
		   "00001000-0009ffff : System RAM\n"
		   "00050000-000fffff : System RAM\n"
		   "00100000-001fffff : System RAM\n"
		   "00300000-003fffff : System RAM\n");
	assert_int_equal(pgt_iomem__ram(&s, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(s[0].start, 1);
	assert_int_equal(s[0].end, 512);
	assert_int_equal(s[1].start, 768);
	assert_int_equal(s[1].end, 1024);
	free(s);

	/* near 2^64 the rounding must not wrap to frame 0 */
	write_text("/proc/iomem",
		   "fffffffffffff001-fffffffffffffffe : System RAM\n"
		   "ffffffffffffe000-ffffffffffffffff : System RAM\n");
	assert_int_equal(pgt_iomem__ram(&s, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].start, 0xffffffffffffeull);
	assert_int_equal(s[0].end, 0x10000000000000ull);
	free(s);

	/* what unprivileged readers see: addresses zeroed */
	write_text("/proc/iomem",
		   "00000000-00000000 : Reserved\n"
		   "00000000-00000000 : System RAM\n"
		   "  00000000-00000000 : Kernel code\n"
		   "00000000-00000000 : System RAM\n");
	assert_int_equal(pgt_iomem__ram(&s, &n), -EPERM);

	write_text("/proc/iomem", "00000000-00000fff : Reserved\n");
	assert_int_equal(pgt_iomem__ram(&s, &n), -ENOENT);
	write_text("/proc/iomem", "");
	assert_int_equal(pgt_iomem__ram(&s, &n), -ENOENT);
	write_text("/proc/iomem", iomem);
}

/* ---- PFN walk ---- */

struct expect {
	uint64_t flags[64], pages[64];
	size_t n;
	uint64_t walked, matched;
};

static void expect_add(struct expect *e, uint64_t f)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->flags[i] == f) {
			e->pages[i]++;
			return;
		}
	assert_true(e->n < 64);
	e->flags[e->n] = f;
	e->pages[e->n++] = 1;
}

static void expect_spans(struct expect *e, const struct pgt_pfn_span *s, size_t ns, uint64_t set,
			 uint64_t clear)
{
	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < ns; i++)
		for (uint64_t p = s[i].start; p < s[i].end; p++) {
			uint64_t f = p < NFRAMES ? fake_flags(p) : KPF_NOPAGE;

			e->walked++;
			if ((f & set) != set || (f & clear))
				continue;
			e->matched++;
			expect_add(e, f);
		}
}

/* Combos as expected, sorted by pages (most first); runs cover exactly
 * the matching frames, each run maximal. */
static void check_result(const struct pgt_pfn_result *r, const struct expect *e,
			 const struct pgt_pfn_span *s, size_t ns, uint64_t set, uint64_t clear,
			 int runs, int counts)
{
	uint64_t sum = 0;
	size_t k = 0;

	assert_int_equal(r->walked, e->walked);
	assert_int_equal(r->matched, e->matched);
	assert_int_equal(r->ncombos, e->n);
	for (size_t i = 0; i < r->ncombos; i++) {
		size_t j;

		for (j = 0; j < e->n && e->flags[j] != r->combos[i].flags; j++)
			;
		assert_true(j < e->n);
		assert_int_equal(r->combos[i].pages, e->pages[j]);
		if (i)
			assert_true(r->combos[i - 1].pages >= r->combos[i].pages);
		sum += r->combos[i].pages;
	}
	assert_int_equal(sum, r->matched);
	if (!runs) {
		assert_int_equal(r->nruns, 0);
		return;
	}
	sum = 0;
	for (size_t i = 0; i < r->nruns; i++) {
		const struct pgt_pfn_run *x = &r->runs[i];

		sum += x->npages;
		if (i) {
			const struct pgt_pfn_run *p = &r->runs[i - 1];

			assert_true(p->pfn + p->npages <= x->pfn);
			assert_false(p->pfn + p->npages == x->pfn && p->flags == x->flags &&
				     p->mapcount == x->mapcount);
		}
	}
	assert_int_equal(sum, r->matched);
	/* every matching frame, in order, inside the runs with its values */
	for (size_t i = 0; i < ns; i++)
		for (uint64_t p = s[i].start; p < s[i].end; p++) {
			uint64_t f = p < NFRAMES ? fake_flags(p) : KPF_NOPAGE;

			if ((f & set) != set || (f & clear))
				continue;
			while (k < r->nruns && r->runs[k].pfn + r->runs[k].npages <= p)
				k++;
			assert_true(k < r->nruns);
			assert_true(r->runs[k].pfn <= p);
			assert_int_equal(r->runs[k].flags, f);
			assert_int_equal(r->runs[k].mapcount, counts ? fake_count(p) : 0);
		}
}

static atomic_uint_fast64_t progress_max;

static void on_progress(uint64_t done, uint64_t total, void *ctx)
{
	uint64_t cur = atomic_load(&progress_max);

	(void)ctx;
	assert_true(done <= total);
	while (done > cur && !atomic_compare_exchange_weak(&progress_max, &cur, done))
		;
}

static void test_pfn_all_ram(void **state)
{
	struct pgt_pfn_opts o = { .sz = sizeof(o), .threads = 1, .progress = on_progress };
	struct pgt_pfn_result *r = NULL;
	struct expect e;

	(void)state;
	expect_spans(&e, iomem_spans, 3, 0, 0);
	assert_int_equal(e.walked, 158 + 261888 + (NFRAMES - 282624));
	atomic_store(&progress_max, 0);
	assert_int_equal(snap_pfn(&o, &r), 0);
	assert_int_equal(r->spans, 3);
	check_result(r, &e, iomem_spans, 3, 0, 0, 0, 0);
	assert_int_equal(atomic_load(&progress_max), e.walked);
	pgt_pfn_result__free(r);
}

static void test_pfn_filter_runs_threads(void **state)
{
	struct pgt_pfn_result *r[3] = { NULL };
	struct expect e;
	uint64_t set, clear;

	(void)state;
	assert_int_equal(pgt_kpf_parse("lru,~anon", &set, &clear, NULL), 0);
	expect_spans(&e, iomem_spans, 3, set, clear);
	assert_true(e.matched > 0 && e.matched < e.walked);
	for (unsigned t = 0; t < 3; t++) {
		struct pgt_pfn_opts o = { .sz = sizeof(o), .threads = t == 0 ? 1 : t == 1 ? 3 : 0,
					  .must_set = set, .must_clear = clear, .runs = 1,
					  .mapcount = 1 };

		assert_int_equal(snap_pfn(&o, &r[t]), 0);
		check_result(r[t], &e, iomem_spans, 3, set, clear, 1, 1);
	}
	/* one reader or several: the same answer, run for run */
	for (unsigned t = 1; t < 3; t++) {
		assert_int_equal(r[t]->ncombos, r[0]->ncombos);
		assert_memory_equal(r[t]->combos, r[0]->combos, r[0]->ncombos * sizeof(*r[0]->combos));
		assert_int_equal(r[t]->nruns, r[0]->nruns);
		assert_memory_equal(r[t]->runs, r[0]->runs, r[0]->nruns * sizeof(*r[0]->runs));
	}
	for (unsigned t = 0; t < 3; t++)
		pgt_pfn_result__free(r[t]);
}

static void test_pfn_range(void **state)
{
	/* crosses a chunk edge and the end of the array */
	static const struct pgt_pfn_span s1[] = { { 0x1000, 0x2000 } };
	static const struct pgt_pfn_span s2[] = { { 299990, NFRAMES } };
	struct pgt_pfn_opts o = { .sz = sizeof(o), .threads = 2, .runs = 1, .first = 0x1000, .end = 0x2000 };
	struct pgt_pfn_result *r = NULL;
	struct expect e;

	(void)state;
	expect_spans(&e, s1, 1, 0, 0);
	assert_int_equal(snap_pfn(&o, &r), 0);
	assert_int_equal(r->walked, 4096);
	check_result(r, &e, s1, 1, 0, 0, 1, 0);
	pgt_pfn_result__free(r);

	/* a range past the end of kpageflags stops at its end */
	o.first = 299990;
	o.end = 400000;
	expect_spans(&e, s2, 1, 0, 0);
	assert_int_equal(snap_pfn(&o, &r), 0);
	assert_int_equal(r->walked, 10);
	check_result(r, &e, s2, 1, 0, 0, 1, 0);
	pgt_pfn_result__free(r);

	/* a range entirely past it: nothing walked */
	o.first = 500000;
	o.end = 600000;
	assert_int_equal(snap_pfn(&o, &r), 0);
	assert_int_equal(r->walked, 0);
	assert_int_equal(r->matched, 0);
	assert_int_equal(r->ncombos, 0);
	pgt_pfn_result__free(r);
}

static void test_pfn_hidden_iomem(void **state)
{
	/* zeroed /proc/iomem: the whole array is walked instead */
	static const struct pgt_pfn_span all[] = { { 0, NFRAMES } };
	struct pgt_pfn_opts o = { .sz = sizeof(o), .threads = 2 };
	struct pgt_pfn_result *r = NULL;
	struct expect e;

	(void)state;
	write_text("/proc/iomem", "00000000-00000000 : System RAM\n");
	expect_spans(&e, all, 1, 0, 0);
	assert_int_equal(snap_pfn(&o, &r), 0);
	assert_int_equal(r->spans, 1);
	check_result(r, &e, all, 1, 0, 0, 0, 0);
	pgt_pfn_result__free(r);
	write_text("/proc/iomem", iomem);
}

static void test_pfn_missing(void **state)
{
	struct pgt_pfn_opts o = { .sz = sizeof(o), .threads = 1, .cgroup = 1, .first = 0, .end = 10 };
	struct pgt_pfn_result *r = NULL;

	(void)state;
	/* no kpagecgroup in the fake tree */
	assert_int_equal(snap_pfn(&o, &r), -ENOENT);
	assert_null(r);
	assert_int_equal(pgt_kernel__set_root("/nonexistent-root"), 0);
	o.cgroup = 0;
	assert_int_equal(snap_pfn(&o, &r), -ENOENT);
	assert_int_equal(pgt_kernel__set_root(root), 0);
}

static void test_kpageflags_read(void **state)
{
	uint64_t f = 0, max = 0;

	(void)state;
	assert_int_equal(pgt_kpageflags__max_pfn(&max), 0);
	assert_int_equal(max, NFRAMES);
	assert_int_equal(pgt_kpageflags__read(777, &f), 0);
	assert_int_equal(f, fake_flags(777));
	assert_int_equal(pgt_kpageflags__read(NFRAMES - 1, &f), 0);
	assert_int_equal(f, fake_flags(NFRAMES - 1));
	assert_int_equal(pgt_kpageflags__read(NFRAMES, &f), -ERANGE);

	/* the real one has no size: its end is where reads stop (without it
	 * a walk with no usable /proc/iomem failed with ENOMEM) */
	assert_int_equal(pgt_kernel__set_root("/"), 0);
	if (access("/proc/kpageflags", R_OK) == 0) {
		assert_int_equal(pgt_kpageflags__max_pfn(&max), 0);
		assert_true(max > 0);
		assert_int_equal(pgt_kpageflags__read(max - 1, &f), 0);
		assert_int_equal(pgt_kpageflags__read(max, &f), -ERANGE);
	}
	assert_int_equal(pgt_kernel__set_root(root), 0);
}

/* ---- /proc parsers ---- */

static void test_maps(void **state)
{
	struct pgt_vma *v = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(pgt_proc__maps(PID, &v, &n), 0);
	assert_int_equal(n, 6);
	assert_int_equal(v[0].start, 0x10000);
	assert_int_equal(v[0].end, 0x20000);
	assert_string_equal(v[0].path, "");
	assert_string_equal(v[0].perms, "rw-p");
	assert_string_equal(v[1].path, "/usr/bin/daemon");
	assert_int_equal(v[1].dev_major, 8);
	assert_int_equal(v[1].dev_minor, 2);
	assert_int_equal(v[1].ino, 173521);
	assert_string_equal(v[1].perms, "r-xp");
	/* spaces inside the name are kept */
	assert_string_equal(v[2].path, "/usr/bin/my prog (1)");
	assert_int_equal(v[2].offset, 0x51000);
	assert_int_equal(v[2].dev_major, 0xfd);
	assert_int_equal(v[2].dev_minor, 1);
	assert_string_equal(v[3].path, "/dev/shm/x (deleted)");
	assert_string_equal(v[3].perms, "rw-s");
	assert_int_equal(v[3].start, 0x7f0000100000ull);
	assert_string_equal(v[4].path, "[stack]");
	assert_string_equal(v[5].path, "[vsyscall]");
	assert_int_equal(v[5].start, 0xffffffffff600000ull);
	assert_int_equal(v[5].end, 0xffffffffff601000ull);
	pgt_vmas__free(v, n);
	pgt_vmas__free(NULL, 0);

	assert_int_equal(pgt_proc__maps(4321, &v, &n), -ENOENT);
}

static void test_meminfo(void **state)
{
	uint64_t kb = 0;

	(void)state;
	assert_int_equal(pgt_meminfo__kb("Cached", &kb), 0);
	assert_int_equal(kb, 5156876);	/* not SwapCached, the line before */
	assert_int_equal(pgt_meminfo__kb("SwapCached", &kb), 0);
	assert_int_equal(kb, 17);
	assert_int_equal(pgt_meminfo__kb("Active(file)", &kb), 0);
	assert_int_equal(kb, 1454444);
	assert_int_equal(pgt_meminfo__kb("HugePages_Total", &kb), 0);
	assert_int_equal(kb, 0);
	kb = 42;
	assert_int_equal(pgt_meminfo__kb("Cache", &kb), -ENOENT);
	assert_int_equal(pgt_meminfo__kb("Buffers", &kb), -ENOENT);
	assert_int_equal(kb, 42);
	assert_int_equal(pgt_proc__kb("/proc/1234/status", "VmRSS", &kb), -ENOENT);
}

/* ---- task walk over a fake pagemap ---- */

#define PM_PRESENT B(63)
#define PM_SWAP B(62)
#define PM_FILE B(61)
#define PM_EXCL B(56)
#define PM_SOFT_DIRTY B(55)

static void test_task(void **state)
{
	/* the anonymous mapping 0x10000-0x20000: virtual pages 16..31 */
	const uint64_t ent[] = {
		PM_PRESENT | PM_EXCL | 1000,		/* 16 */
		PM_PRESENT | PM_EXCL | 1001,		/* 17: frames contiguous */
		PM_PRESENT | PM_FILE | 5000,		/* 18 */
		PM_SWAP | (7ull << 5) | 1,		/* 19: swapped */
		0,					/* 20: nothing */
		PM_PRESENT | PM_SOFT_DIRTY | 1002,	/* 21 */
		PM_PRESENT | PM_EXCL,			/* 22: frame hidden */
	};
	struct pgt_task_opts o = { .sz = sizeof(o), .runs = 1, .kflags = 1 };
	struct pgt_task_info *t = NULL;
	const struct pgt_task_vma *v;
	uint64_t pages = 0;

	(void)state;
	write_pagemap(16, ent, sizeof(ent) / sizeof(ent[0]));
	assert_int_equal(snap_task(PID, &o, &t), 0);
	assert_string_equal(t->comm, "fake-task");
	assert_int_equal(t->used_scan, 0);	/* no PAGEMAP_SCAN on a plain file */
	assert_int_equal(t->kflags_read, 1);
	assert_int_equal(t->pfns_visible, 1);
	assert_true(t->nvmas >= 1);
	v = &t->vmas[0];
	assert_int_equal(v->start, 0x10000);
	assert_int_equal(v->present, 5);
	assert_int_equal(v->swapped, 1);
	assert_int_equal(v->file, 1);
	assert_int_equal(v->anon, 4);
	assert_int_equal(v->exclusive, 3);
	assert_int_equal(v->soft_dirty, 1);
	assert_int_equal(t->present, 5);
	assert_int_equal(t->swapped, 1);
	/* kernel flags of the four visible frames */
	for (size_t i = 0; i < v->nkflags; i++)
		pages += v->kflags[i].pages;
	assert_int_equal(pages, 4);
	/* runs: every present or swapped page once, in order */
	pages = 0;
	for (size_t i = 0; i < t->nruns; i++) {
		pages += t->runs[i].npages;
		assert_int_equal(t->runs[i].vma, 0);
	}
	assert_int_equal(pages, 6);
	assert_int_equal(t->runs[0].vpage, 16);
	assert_int_equal(t->runs[0].pfn, 1000);
	assert_int_equal(t->runs[0].kflags, fake_flags(1000));
	assert_int_equal(t->runs[0].mapcount, fake_count(1000));
	assert_int_equal(t->runs[t->nruns - 1].vpage, 22);
	assert_int_equal(t->runs[t->nruns - 1].pfn, PGT_PFN_NONE);
	pgt_task_info__free(t);

	/* a range of virtual pages [17, 19) */
	o.have_range = 1;
	o.vfirst = 17;
	o.vend = 19;
	o.kflags = 0;
	assert_int_equal(snap_task(PID, &o, &t), 0);
	assert_int_equal(t->nvmas, 1);
	assert_int_equal(t->vmas[0].start, 17 * 4096);
	assert_int_equal(t->vmas[0].end, 19 * 4096);
	assert_int_equal(t->present, 2);
	assert_int_equal(t->file, 1);
	assert_int_equal(t->vmas[0].nkflags, 0);
	pgt_task_info__free(t);

	assert_int_equal(snap_task(4321, &o, &t), -ENOENT);
	pgt_task_info__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_kpf_parse),
		cmocka_unit_test(test_kpf_format),
		cmocka_unit_test(test_iomem),
		cmocka_unit_test(test_pfn_all_ram),
		cmocka_unit_test(test_pfn_filter_runs_threads),
		cmocka_unit_test(test_pfn_range),
		cmocka_unit_test(test_pfn_hidden_iomem),
		cmocka_unit_test(test_pfn_missing),
		cmocka_unit_test(test_kpageflags_read),
		cmocka_unit_test(test_maps),
		cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_task),
	};

	return cmocka_run_group_tests(tests, setup_root, teardown_root);
}
