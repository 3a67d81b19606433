// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the checked parsers (lib/util/parse.c): numbers, sizes,
 * durations, ranges and their resolution against a trace's extent.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pgtrace/parse.h"
#include "pgtrace/pgtrace.h"

#define SENTINEL 0x5a5a5a5a5a5a5a5aull

struct ok_case {
	const char *s;
	uint64_t want;
};

struct bad_case {
	const char *s;
	int err;
};

typedef int (*parse_fn)(const char *s, uint64_t *out);

static void check_ok(parse_fn fn, const char *what, const struct ok_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = SENTINEL;
		int err = fn(c[i].s, &v);

		if (err || v != c[i].want)
			print_error("%s(\"%s\"): %d, %llu\n", what, c[i].s, err,
				    (unsigned long long)v);
		assert_int_equal(err, 0);
		assert_int_equal(v, c[i].want);
	}
}

/* A failed parse returns the error and leaves the output alone. */
static void check_bad(parse_fn fn, const char *what, const struct bad_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = SENTINEL;
		int err = fn(c[i].s, &v);

		if (err != c[i].err)
			print_error("%s(\"%s\"): %d, wanted %d\n", what, c[i].s ? c[i].s : "(null)",
				    err, c[i].err);
		assert_int_equal(err, c[i].err);
		assert_int_equal(v, SENTINEL);
	}
}

#define CHECK_OK(fn, cases) check_ok(fn, #fn, cases, sizeof(cases) / sizeof(cases[0]))
#define CHECK_BAD(fn, cases) check_bad(fn, #fn, cases, sizeof(cases) / sizeof(cases[0]))

static void test_u64(void **state)
{
	static const struct ok_case ok[] = {
		{ "0", 0 }, { "7", 7 }, { "42", 42 }, { "007", 7 },
		{ "18446744073709551615", UINT64_MAX },
		{ "0x0", 0 }, { "0xff", 255 }, { "0XFF", 255 }, { "0xDeadBeef", 0xdeadbeef },
		{ "0xffffffffffffffff", UINT64_MAX }, { "0x0000000000000000001", 1 },
		{ "1_000_000", 1000000 }, { "0xffff_ffff", 0xffffffff }, { "1_2", 12 },
	};
	static const struct bad_case bad[] = {
		{ "18446744073709551616", -ERANGE }, { "99999999999999999999", -ERANGE },
		{ "0x10000000000000000", -ERANGE }, { "0x1_0000_0000_0000_0000", -ERANGE },
		{ NULL, -PGT_EPARSE }, { "", -PGT_EPARSE }, { "-1", -PGT_EPARSE },
		{ "+1", -PGT_EPARSE }, { " 1", -PGT_EPARSE }, { "1 ", -PGT_EPARSE },
		{ "12abc", -PGT_EPARSE }, { "abc", -PGT_EPARSE }, { "ff", -PGT_EPARSE },
		{ "0x", -PGT_EPARSE }, { "0xg", -PGT_EPARSE }, { "0x-1", -PGT_EPARSE },
		{ "1.5", -PGT_EPARSE }, { "1e3", -PGT_EPARSE }, { "1,000", -PGT_EPARSE },
		{ "_", -PGT_EPARSE }, { "__", -PGT_EPARSE }, { "0x_", -PGT_EPARSE },
		{ "1\n", -PGT_EPARSE }, { "0b101", -PGT_EPARSE }, { "1K", -PGT_EPARSE },
	};

	(void)state;
	CHECK_OK(pgt_parse_u64, ok);
	CHECK_BAD(pgt_parse_u64, bad);
}

static void test_u64_max(void **state)
{
	uint64_t v = SENTINEL;

	(void)state;
	assert_int_equal(pgt_parse_u64_max("10", 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(pgt_parse_u64_max("0", 0, &v), 0);
	assert_int_equal(v, 0);
	v = SENTINEL;
	assert_int_equal(pgt_parse_u64_max("11", 10, &v), -ERANGE);
	assert_int_equal(pgt_parse_u64_max("0x100", 255, &v), -ERANGE);
	assert_int_equal(pgt_parse_u64_max("x", 10, &v), -PGT_EPARSE);
	assert_int_equal(pgt_parse_u64_max("18446744073709551616", UINT64_MAX, &v), -ERANGE);
	assert_int_equal(v, SENTINEL);
	assert_int_equal(pgt_parse_u64_max("18446744073709551615", UINT64_MAX, &v), 0);
	assert_int_equal(v, UINT64_MAX);
}

static void test_double(void **state)
{
	static const char *const bad[] = {
		"", "-1", "+1", "1.5x", "inf", "nan", "x", " 1", "1 ", "e5", ".", "-0.5",
		/* strtod reads hexadecimal floats: not decimal (found by fuzz-parse) */
		"0x10", "0x1p4", "0X.8",
	};
	double d = -1;

	(void)state;
	assert_int_equal(pgt_parse_double("0.99", &d), 0);
	assert_true(d == 0.99);
	assert_int_equal(pgt_parse_double("1e-3", &d), 0);
	assert_true(d == 1e-3);
	assert_int_equal(pgt_parse_double("5", &d), 0);
	assert_true(d == 5.0);
	assert_int_equal(pgt_parse_double(".5", &d), 0);
	assert_true(d == 0.5);
	assert_int_equal(pgt_parse_double("0", &d), 0);
	assert_true(d == 0.0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = -1;
		assert_int_equal(pgt_parse_double(bad[i], &d), -PGT_EPARSE);
		assert_true(d == -1);
	}
	assert_int_equal(pgt_parse_double(NULL, &d), -PGT_EPARSE);
	assert_int_equal(pgt_parse_double("1e999", &d), -ERANGE);
	assert_true(d == -1);
}

static void test_size(void **state)
{
	static const struct ok_case ok[] = {
		{ "0", 0 }, { "5", 5 }, { "5B", 5 }, { "64M", 64ull << 20 }, { "64MB", 64ull << 20 },
		{ "64MiB", 64ull << 20 }, { "1GiB", 1ull << 30 }, { "1G", 1ull << 30 },
		{ "10KB", 10240 }, { "10K", 10240 }, { "4k", 4096 }, { "2T", 2ull << 40 },
		{ "3TiB", 3ull << 40 }, { "1P", 1ull << 50 }, { "15E", 15ull << 60 },
		{ "1.5K", 1536 }, { "0.5K", 512 }, { ".5K", 512 }, { "1.5M", 3ull << 19 },
		{ "0.25KiB", 256 }, { "1.0", 1 }, { "2.0B", 2 },
		{ "4294967296", 1ull << 32 },
	};
	static const struct bad_case bad[] = {
		/* fractions of a byte */
		{ "1.3K", -PGT_EPARSE }, { "1.5", -PGT_EPARSE }, { "0.5B", -PGT_EPARSE },
		{ "0.1K", -PGT_EPARSE },
		/* too big */
		{ "16E", -ERANGE }, { "16384P", -ERANGE }, { "17179869184G", -ERANGE },
		{ "1e30", -ERANGE },
		/* not sizes */
		{ NULL, -PGT_EPARSE }, { "", -PGT_EPARSE }, { "M", -PGT_EPARSE },
		{ "B", -PGT_EPARSE }, { "-1M", -PGT_EPARSE }, { "+1M", -PGT_EPARSE },
		{ "64X", -PGT_EPARSE }, { "64MB ", -PGT_EPARSE }, { " 64M", -PGT_EPARSE },
		{ "64Mi", -PGT_EPARSE }, { "64iB", -PGT_EPARSE }, { "64BB", -PGT_EPARSE },
		{ "64MBB", -PGT_EPARSE }, { "1KK", -PGT_EPARSE }, { "1 K", -PGT_EPARSE },
		{ "1KiBs", -PGT_EPARSE }, { "inf", -PGT_EPARSE }, { "nan", -PGT_EPARSE },
		{ "0x10", -PGT_EPARSE }, { "0x1p10K", -PGT_EPARSE },
	};

	(void)state;
	CHECK_OK(pgt_parse_size, ok);
	CHECK_BAD(pgt_parse_size, bad);
}

static void test_duration(void **state)
{
	static const struct ok_case ok[] = {
		{ "250ms", 250000000 }, { "2s", 2000000000 }, { "1.5s", 1500000000 },
		{ "3", 3000000000 }, { "0", 0 }, { "0s", 0 }, { "10us", 10000 }, { "5ns", 5 },
		{ "2m", 120000000000 }, { "2min", 120000000000 }, { "1h", 3600000000000 },
		{ "0.5ms", 500000 }, { ".25s", 250000000 }, { "1.5us", 1500 },
		{ "1.5ns", 2 },	/* rounded to whole nanoseconds */
		{ "90m", 5400000000000 }, { "1e3ms", 1000000000 },
		/* past 2^63 ns (292 years) still exact */
		{ "9300000000s", 9300000000000000000ull },
		{ "18000000000s", 18000000000000000000ull },
		{ "5000000h", 18000000000000000000ull },
	};
	static const struct bad_case bad[] = {
		{ "18446744074s", -ERANGE }, { "1e30s", -ERANGE }, { "6000000h", -ERANGE },
		{ NULL, -PGT_EPARSE }, { "", -PGT_EPARSE }, { "s", -PGT_EPARSE },
		{ "ms", -PGT_EPARSE }, { "5x", -PGT_EPARSE }, { "5S", -PGT_EPARSE },
		{ "5MS", -PGT_EPARSE }, { "5 s", -PGT_EPARSE }, { " 5s", -PGT_EPARSE },
		{ "5s ", -PGT_EPARSE }, { "-1s", -PGT_EPARSE }, { "+1s", -PGT_EPARSE },
		{ "1ss", -PGT_EPARSE }, { "1sec", -PGT_EPARSE }, { "1d", -PGT_EPARSE },
		{ "1.5.5s", -PGT_EPARSE }, { "1hm", -PGT_EPARSE }, { "inf", -PGT_EPARSE },
		{ "1_000s", -PGT_EPARSE }, { "2mins", -PGT_EPARSE },
		{ "0x10s", -PGT_EPARSE }, { "0x1p4ms", -PGT_EPARSE },
	};

	(void)state;
	CHECK_OK(pgt_parse_duration, ok);
	CHECK_BAD(pgt_parse_duration, bad);
}

/* ---- ranges ----------------------------------------------------------- */

#define OPEN (-1)

struct range_case {
	const char *s;
	int lo_anchor;		/* OPEN: lo not set */
	uint64_t lo;
	int hi_anchor;
	uint64_t hi;
};

static void check_bound(const struct pgt_bound *b, int anchor, uint64_t v)
{
	if (anchor == OPEN) {
		assert_int_equal(b->set, 0);
		return;
	}
	assert_int_equal(b->set, 1);
	assert_int_equal(b->anchor, anchor);
	assert_int_equal(b->v, v);
}

static void check_ranges(int time, const struct range_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct pgt_range r;
		int err;

		memset(&r, 0xa5, sizeof(r));
		err = pgt_parse_range(c[i].s, time, &r, NULL);
		if (err)
			print_error("range \"%s\" (time %d): %d\n", c[i].s, time, err);
		assert_int_equal(err, 0);
		check_bound(&r.lo, c[i].lo_anchor, c[i].lo);
		check_bound(&r.hi, c[i].hi_anchor, c[i].hi);
	}
}

static void check_bad_ranges(int time, const char *const *bad, size_t n, int want)
{
	for (size_t i = 0; i < n; i++) {
		struct pgt_range r;
		struct pgt_parse_error pe = { .offset = 999, .len = 999 };
		int err = pgt_parse_range(bad[i], time, &r, &pe);

		if (err != want)
			print_error("range \"%s\" (time %d): %d, wanted %d\n",
				    bad[i] ? bad[i] : "(null)", time, err, want);
		assert_int_equal(err, want);
		/* the bound refused, inside the text, and a reason */
		assert_true(pe.offset + pe.len <= (bad[i] ? strlen(bad[i]) : 0));
		assert_int_equal(pe.line, 0);
		assert_true(pe.msg[0]);
	}
	{
		struct pgt_range r;
		struct pgt_parse_error pe;

		assert_int_equal(pgt_parse_range("2s..5x", 1, &r, &pe), -PGT_EPARSE);
		assert_int_equal(pe.offset, 4);
		assert_int_equal(pe.len, 2);
		assert_string_equal(pe.msg, "invalid end '5x': expected a duration");
	}
}

static void test_range_time(void **state)
{
	static const struct range_case ok[] = {
		{ "2s..5s", PGT_ANCHOR_START, 2000000000, PGT_ANCHOR_START, 5000000000 },
		{ "..5s", OPEN, 0, PGT_ANCHOR_START, 5000000000 },
		{ "1s..", PGT_ANCHOR_START, 1000000000, OPEN, 0 },
		{ "-5s..", PGT_ANCHOR_END, 5000000000, OPEN, 0 },
		{ "..-1s", OPEN, 0, PGT_ANCHOR_END, 1000000000 },
		{ "-10s..-250ms", PGT_ANCHOR_END, 10000000000, PGT_ANCHOR_END, 250000000 },
		{ "@12.5s..@13s", PGT_ANCHOR_ABS, 12500000000, PGT_ANCHOR_ABS, 13000000000 },
		{ "+2s..+3s", PGT_ANCHOR_START, 2000000000, PGT_ANCHOR_START, 3000000000 },
		{ "1.5s..2", PGT_ANCHOR_START, 1500000000, PGT_ANCHOR_START, 2000000000 },
		{ "100ms..1m", PGT_ANCHOR_START, 100000000, PGT_ANCHOR_START, 60000000000 },
		{ "0..0", PGT_ANCHOR_START, 0, PGT_ANCHOR_START, 0 },
		/* order is resolve's business */
		{ "5s..2s", PGT_ANCHOR_START, 5000000000, PGT_ANCHOR_START, 2000000000 },
	};
	static const char *const bad[] = {
		NULL, "", "..", "5", "5s", "1..2..3", "1s..2s..3s", "....", "2x..5s", "2s..5x",
		"a..b", "--5s..", "-..", "@..", "..@", "@-5s..", " 2s..5s", "2s..5s ", "2s ..5s",
		"2s.. 5s", "2s..5s\n", "-inf..", "...", ". .",
		"1000000000000000000000000000000000000000000000000000000000000000000s..",
	};

	(void)state;
	check_ranges(1, ok, sizeof(ok) / sizeof(ok[0]));
	check_bad_ranges(1, bad, sizeof(bad) / sizeof(bad[0]), -PGT_EPARSE);
}

static void test_range_events(void **state)
{
	static const struct range_case ok[] = {
		{ "@100..@200", PGT_ANCHOR_ABS, 100, PGT_ANCHOR_ABS, 200 },
		{ "100..200", PGT_ANCHOR_START, 100, PGT_ANCHOR_START, 200 },
		{ "-50..", PGT_ANCHOR_END, 50, OPEN, 0 },
		{ "..50", OPEN, 0, PGT_ANCHOR_START, 50 },
		{ "0x10..1_000", PGT_ANCHOR_START, 16, PGT_ANCHOR_START, 1000 },
		{ "..-1", OPEN, 0, PGT_ANCHOR_END, 1 },
		{ "@0..", PGT_ANCHOR_ABS, 0, OPEN, 0 },
		{ "18446744073709551615..", PGT_ANCHOR_START, UINT64_MAX, OPEN, 0 },
	};
	static const char *const bad[] = {
		"..", "5", "1..2..3", "1.5..2", "1..2.5", "-5s..", "..5s", "@1s..", "a..",
		"--5..", "@@5..", "100 ..200", "..-", "1...2",
	};
	static const char *const too_big[] = { "18446744073709551616..", "..99999999999999999999" };

	(void)state;
	check_ranges(0, ok, sizeof(ok) / sizeof(ok[0]));
	check_bad_ranges(0, bad, sizeof(bad) / sizeof(bad[0]), -PGT_EPARSE);
	check_bad_ranges(0, too_big, sizeof(too_big) / sizeof(too_big[0]), -ERANGE);
}

/* ---- resolution --------------------------------------------------------- */

struct resolve_case {
	const char *s;
	int time;
	uint64_t first, end;
	int err;
	uint64_t lo, hi;
};

static void test_range_resolve(void **state)
{
	const uint64_t S = 1000000000ull;	/* one second in ns */
	const uint64_t F = 100 * S, E = 110 * S;	/* a 10 s trace starting at 100 s */
	const uint64_t U = UINT64_MAX;
	const struct resolve_case c[] = {
		/* anchored at the start */
		{ "2s..5s", 1, F, E, 0, F + 2 * S, F + 5 * S },
		{ "..5s", 1, F, E, 0, F, F + 5 * S },
		{ "1s..", 1, F, E, 0, F + S, U },
		{ "0..0", 1, F, E, 0, F, F },	/* empty, not an error */
		{ "100..200", 0, 0, 1000, 0, 100, 200 },
		{ "..", 0, 0, 1000, -PGT_EPARSE, 0, 0 },	/* (does not parse) */
		/* anchored at the end */
		{ "-5s..", 1, F, E, 0, E - 5 * S, U },
		{ "..-1s", 1, F, E, 0, F, E - S },
		{ "-3s..-1s", 1, F, E, 0, E - 3 * S, E - S },
		{ "-20s..", 1, F, E, 0, F, U },		/* clamped to the start */
		{ "-50..", 0, 0, 1000, 0, 950, U },
		{ "-0..", 0, 0, 1000, 0, 1000, U },
		{ "-1000..", 0, 0, 1000, 0, 0, U },
		{ "-1001..", 0, 0, 1000, 0, 0, U },
		/* absolute */
		{ "@100..@200", 0, 0, 1000, 0, 100, 200 },
		{ "@100..@200", 0, 500, 1000, 0, 100, 200 },
		{ "@101s..@102.5s", 1, F, E, 0, 101 * S, 102 * S + S / 2 },
		{ "@101s..2s", 1, F, E, 0, 101 * S, F + 2 * S },
		/* an unknown end (a pipe): only end anchors fail */
		{ "-5s..", 1, F, U, -ENXIO, 0, 0 },
		{ "..-5s", 1, F, U, -ENXIO, 0, 0 },
		{ "-50..", 0, 0, U, -ENXIO, 0, 0 },
		{ "2s..5s", 1, F, U, 0, F + 2 * S, F + 5 * S },
		{ "@100..@200", 0, 0, U, 0, 100, 200 },
		{ "100..", 0, 0, U, 0, 100, U },
		/* end before start */
		{ "5s..2s", 1, F, E, -ERANGE, 0, 0 },
		{ "-1s..-3s", 1, F, E, -ERANGE, 0, 0 },
		{ "@5s..@2s", 1, F, E, -ERANGE, 0, 0 },
		{ "@200..@100", 0, 0, 1000, -ERANGE, 0, 0 },
		{ "200..100", 0, 0, 1000, -ERANGE, 0, 0 },
		{ "5s..-9s", 1, F, E, -ERANGE, 0, 0 },
		{ "@50..", 0, 100, 1000, 0, 50, U },
		{ "..@50", 0, 100, 1000, -ERANGE, 0, 0 },
		/* no overflow past the top */
		{ "18446744073709551615..", 0, 10, U, 0, U, U },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct pgt_range r;
		uint64_t lo = SENTINEL, hi = SENTINEL;
		int err = pgt_parse_range(c[i].s, c[i].time, &r, NULL);

		if (!err)
			err = pgt_range__resolve(&r, c[i].first, c[i].end, &lo, &hi);
		if (err != c[i].err || (!err && (lo != c[i].lo || hi != c[i].hi)))
			print_error("resolve \"%s\" in [%llu, %llu): %d [%llu, %llu)\n", c[i].s,
				    (unsigned long long)c[i].first, (unsigned long long)c[i].end,
				    err, (unsigned long long)lo, (unsigned long long)hi);
		assert_int_equal(err, c[i].err);
		if (!err) {
			assert_int_equal(lo, c[i].lo);
			assert_int_equal(hi, c[i].hi);
		}
	}
}

/* Size lists: one suffix rule (K, M, G in either case, powers of 1024,
 * whole counts), values kept in the order given, every item checked. */
static void test_size_list(void **state)
{
	static const struct {
		const char *s;
		size_t n;
		uint64_t v[4];
	} ok[] = {
		{ "1", 1, { 1 } },
		{ "64,1K,16K", 3, { 64, 1024, 16384 } },
		{ "1k,2m,1g", 3, { 1024, 2ull << 20, 1ull << 30 } },
		{ "4M,1,0x10", 3, { 4ull << 20, 1, 16 } },
		{ "3G,3G", 2, { 3ull << 30, 3ull << 30 } },
		{ "4294967295", 1, { 4294967295ull } },
		{ "1_000,4G", 2, { 1000, 4ull << 30 } },
	};
	static const struct {
		const char *s;
		int err;
		size_t at, len;
	} bad[] = {
		{ "", -PGT_EPARSE, 0, 0 }, { ",", -PGT_EPARSE, 0, 0 },
		{ "1,,2", -PGT_EPARSE, 2, 0 }, { "1,", -PGT_EPARSE, 2, 0 },
		{ "0", -ERANGE, 0, 1 }, { "1,0K", -ERANGE, 2, 2 },
		{ "64,1KB", -PGT_EPARSE, 3, 3 }, { "1KiB", -PGT_EPARSE, 0, 4 },
		{ "1.5K", -PGT_EPARSE, 0, 4 }, { "K", -PGT_EPARSE, 0, 1 },
		{ "1T", -PGT_EPARSE, 0, 2 }, { "-1", -PGT_EPARSE, 0, 2 },
		{ " 1", -PGT_EPARSE, 0, 2 }, { "1 ,2", -PGT_EPARSE, 0, 2 },
		{ "1KK", -PGT_EPARSE, 0, 3 }, { "8,4294967296", -ERANGE, 2, 10 },
		{ "4194304K", -ERANGE, 0, 8 }, { "4G", -ERANGE, 0, 2 },
		{ "99999999999999999999", -ERANGE, 0, 20 },
	};
	struct pgt_parse_error pe;
	uint64_t *v;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t max = i == 6 ? 4ull << 30 : i == 4 ? 3ull << 30 : UINT32_MAX;

		assert_int_equal(pgt_parse_size_list(ok[i].s, max, &v, &n, &pe), 0);
		assert_int_equal(n, ok[i].n);
		for (size_t j = 0; j < n; j++)
			assert_int_equal(v[j], ok[i].v[j]);
		free(v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = (uint64_t *)&n;	/* must come back NULL */
		memset(&pe, 0x55, sizeof(pe));
		if (pgt_parse_size_list(bad[i].s, UINT32_MAX, &v, &n, &pe) != bad[i].err)
			fail_msg("size list '%s': not %d", bad[i].s, bad[i].err);
		assert_null(v);
		assert_int_equal(n, 0);
		if (pe.offset != bad[i].at || pe.len != bad[i].len || pe.line)
			fail_msg("size list '%s': item at %zu+%zu, not %zu+%zu", bad[i].s, pe.offset, pe.len,
				 bad[i].at, bad[i].len);
		assert_non_null(memchr(pe.msg, 0, sizeof(pe.msg)));
		assert_true(pe.msg[0]);
	}
	assert_int_equal(pgt_parse_size_list(NULL, 1, &v, &n, NULL), -PGT_EPARSE);
	assert_null(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_u64_max),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_size_list),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_range_time),
		cmocka_unit_test(test_range_events),
		cmocka_unit_test(test_range_resolve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
