// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz target for the checked parsers of options: numbers, sizes,
 * durations and ranges (lib/util/parse.c) and a range's resolution
 * against a few extents, the page-flag spec (pgt_kpf_parse), the
 * reference list (pgt_refs_parse), the policy list
 * (pgt_cache_policy_parse) and the name tables (event types,
 * split keys, plot kinds, phase patterns, import formats, generator
 * patterns).  The input up to its first NUL is the text.  Beyond "no
 * crash", what is accepted must mean one thing: a parsed value printed
 * back parses to itself, a resolved range has lo <= hi and its bounds
 * where their anchors put them, a name parses to the entry of that name.
 * A broken invariant aborts.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pgtrace/analysis.h"
#include "pgtrace/cache.h"
#include "pgtrace/ops.h"
#include "pgtrace/parse.h"
#include "pgtrace/phase.h"
#include "pgtrace/plot.h"
#include "pgtrace/snap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz-parse: %s:%d: %s\n", __FILE__, __LINE__, #c); abort(); } } while (0)

/* Errors the number parsers may return. */
static int known_err(int err)
{
	return err == -PGT_EPARSE || err == -ERANGE;
}

static void check_u64(const char *s)
{
	static const uint64_t maxes[] = { 0, 1, 255, 65535, UINT32_MAX, UINT64_MAX - 1, UINT64_MAX };
	char buf[64];
	uint64_t v = 7, w;
	int err = pgt_parse_u64(s, &v);

	CHECK(!err || known_err(err));
	for (size_t i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		int e2 = pgt_parse_u64_max(s, maxes[i], &w);

		if (err)
			CHECK(e2 == err);
		else if (v > maxes[i])
			CHECK(e2 == -ERANGE);
		else
			CHECK(!e2 && w == v);
	}
	if (err)
		return;
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	CHECK(!pgt_parse_u64(buf, &w) && w == v);
	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	CHECK(!pgt_parse_u64(buf, &w) && w == v);
}

/* Only what a decimal fraction is made of: no hexadecimal floats,
 * no "inf" or "nan", no locale's decimal comma. */
static int decimal_chars(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789.eE+-", s[i]))
			return 0;
	return 1;
}

/* The text is a decimal number and one of @units (NULL-terminated). */
static int number_then(const char *s, const char *const *units)
{
	size_t n = strspn(s, "0123456789.eE+-");

	/* "5EiB": the E may be a unit */
	for (size_t k = 0; k <= n; k++)
		for (const char *const *u = units; *u; u++)
			if (!strcasecmp(s + k, *u))
				return 1;
	return 0;
}

static void check_double(const char *s)
{
	char buf[64];
	double v = 0, w;
	int err = pgt_parse_double(s, &v);

	CHECK(!err || known_err(err));
	if (err)
		return;
	CHECK(isfinite(v) && v >= 0);
	CHECK(decimal_chars(s, strlen(s)));
	snprintf(buf, sizeof(buf), "%.17g", v);
	CHECK(!pgt_parse_double(buf, &w) && w == v);
}

static void check_size(const char *s)
{
	static const char *const size_units[] = {
		"", "B", "K", "KB", "KiB", "M", "MB", "MiB", "G", "GB", "GiB", "T", "TB", "TiB",
		"P", "PB", "PiB", "E", "EB", "EiB", NULL,
	};
	char buf[80];
	uint64_t v = 0, w;
	double d;
	int err = pgt_parse_size(s, &v);

	CHECK(!err || known_err(err));
	if (err)
		return;
	CHECK(number_then(s, size_units));
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	CHECK(!pgt_parse_size(buf, &w) && w == v);
	snprintf(buf, sizeof(buf), "%" PRIu64 "B", v);
	CHECK(!pgt_parse_size(buf, &w) && w == v);
	if (v && !(v & 1023)) {
		snprintf(buf, sizeof(buf), "%" PRIu64 "KiB", v >> 10);
		CHECK(!pgt_parse_size(buf, &w) && w == v);
	}
	/* without a unit a size is the plain number */
	if (!pgt_parse_double(s, &d))
		CHECK(d == (double)v);
}

static void check_duration(const char *s)
{
	static const char *const duration_units[] = { "", "ns", "us", "ms", "s", "m", "min", "h", NULL };
	char buf[80];
	uint64_t v = 0, w;
	double d;
	int err = pgt_parse_duration(s, &v);

	CHECK(!err || known_err(err));
	if (err) {
		/* a plain number that is no duration was too large */
		if (!pgt_parse_double(s, &d))
			CHECK(err == -ERANGE && d * 1e9 >= 18446744073709551616.0);
		return;
	}
	CHECK(number_then(s, duration_units));
	/* printed in nanoseconds, it reads back the same */
	snprintf(buf, sizeof(buf), "%" PRIu64 "ns", v);
	CHECK(!pgt_parse_duration(buf, &w) && w == v);
	if (!(v % 1000000000u)) {
		snprintf(buf, sizeof(buf), "%" PRIu64 "s", v / 1000000000u);
		CHECK(!pgt_parse_duration(buf, &w) && w == v);
	}
	/* a bare number is seconds */
	if (!pgt_parse_double(s, &d))
		CHECK(fabs(d * 1e9 - (double)v) <= 0.5 + d * 1e9 * 1e-15);
}

/* A bound as text that parses back to it. */
static void put_bound(char *buf, size_t len, const struct pgt_bound *b, int time)
{
	static const char *const pre[] = { "", "-", "@" };

	if (!b->set)
		buf[0] = 0;
	else
		snprintf(buf, len, "%s%" PRIu64 "%s", pre[b->anchor], b->v, time ? "ns" : "");
}

static void check_resolve(const struct pgt_range *r, uint64_t first, uint64_t end)
{
	uint64_t lo = 1, hi = 2;
	int err = pgt_range__resolve(r, first, end, &lo, &hi);
	int end_anchor = (r->lo.set && r->lo.anchor == PGT_ANCHOR_END) ||
			 (r->hi.set && r->hi.anchor == PGT_ANCHOR_END);

	if (end == UINT64_MAX && end_anchor) {
		CHECK(err == -ENXIO);
		return;
	}
	CHECK(!err || err == -ERANGE);
	if (err) {
		/* refused only when the end comes before the start */
		CHECK(lo > hi);
		return;
	}
	CHECK(lo <= hi);
	for (int i = 0; i < 2; i++) {
		const struct pgt_bound *b = i ? &r->hi : &r->lo;
		uint64_t got = i ? hi : lo;

		if (!b->set) {
			CHECK(got == (i ? UINT64_MAX : first));
			continue;
		}
		switch (b->anchor) {
		case PGT_ANCHOR_ABS:
			CHECK(got == b->v);
			break;
		case PGT_ANCHOR_END:
			CHECK(got >= first && got <= end);
			CHECK(got == first || end - got == b->v);
			break;
		default:
			CHECK(got >= first);
			CHECK(got == UINT64_MAX || got - first == b->v);
			break;
		}
	}
}

static void check_range(const char *s, int time)
{
	static const uint64_t ext[][2] = {
		{ 0, 0 }, { 0, 1 }, { 0, 100 }, { 5, 5 }, { 1000, 2000000000 },
		{ 1000, UINT64_MAX }, { 0, UINT64_MAX - 1 }, { UINT64_MAX - 10, UINT64_MAX - 1 },
	};
	struct pgt_range r, r2;
	char lo[64], hi[64], buf[160];
	struct pgt_parse_error pe = { .offset = SIZE_MAX };
	int err = pgt_parse_range(s, time, &r, &pe);

	CHECK(!err || known_err(err));
	if (err) {	/* the bound refused lies inside the text */
		CHECK(pe.offset + pe.len <= strlen(s) && pe.msg[0] && !pe.line);
		return;
	}
	CHECK(r.lo.set || r.hi.set);
	CHECK(strstr(s, ".."));
	for (int i = 0; i < 2; i++) {
		const struct pgt_bound *b = i ? &r.hi : &r.lo;

		CHECK(b->set == 0 || b->set == 1);
		CHECK(!b->set || (b->anchor >= PGT_ANCHOR_START && b->anchor <= PGT_ANCHOR_ABS));
	}
	/* printed back, it parses to the same range */
	put_bound(lo, sizeof(lo), &r.lo, time);
	put_bound(hi, sizeof(hi), &r.hi, time);
	snprintf(buf, sizeof(buf), "%s..%s", lo, hi);
	CHECK(!pgt_parse_range(buf, time, &r2, NULL));
	CHECK(r2.lo.set == r.lo.set && r2.hi.set == r.hi.set);
	CHECK(!r.lo.set || (r2.lo.anchor == r.lo.anchor && r2.lo.v == r.lo.v));
	CHECK(!r.hi.set || (r2.hi.anchor == r.hi.anchor && r2.hi.v == r.hi.v));
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		check_resolve(&r, ext[i][0], ext[i][1]);
}

static void check_kpf(const char *s)
{
	char buf[1024];
	uint64_t set = 1, clear = 2, set2, clear2;
	struct pgt_parse_error pe = { .offset = SIZE_MAX };
	int err = pgt_kpf_parse(s, &set, &clear, &pe);

	if (err) {
		CHECK(err == -PGT_EPARSE && pe.offset + pe.len <= strlen(s) && !pe.line);
		CHECK(memchr(pe.msg, 0, sizeof(pe.msg)));
		return;
	}
	CHECK(set | clear);
	/* the names of the bits set parse back to them */
	pgt_kpf_format(set, buf, sizeof(buf));
	if (set) {
		CHECK(!pgt_kpf_parse(buf, &set2, &clear2, NULL));
		CHECK(set2 == set && !clear2);
	}
	for (unsigned b = 0; b < 64; b++) {
		const char *name = pgt_kpf_name(b);

		if ((set >> b & 1) && name)
			CHECK(strstr(buf, name));
	}
}

static void check_refs(const char *s)
{
	uint32_t mask = 0;
	struct pgt_parse_error pe = { .offset = SIZE_MAX };
	int err = pgt_refs_parse(s, &mask, &pe);

	if (err) {
		CHECK(err == -PGT_EPARSE && pe.offset + pe.len <= strlen(s) && !pe.line);
		CHECK(pe.len == strcspn(s + pe.offset, ","));
		return;
	}
	CHECK(mask && !(mask & PGT_REFS_BIT(PGT_EV_NONE)) && mask < PGT_REFS_BIT(PGT_EV_NTYPES));
	/* every name of the list is one of the mask */
	for (const char *p = s;; p += strcspn(p, ",") + 1) {
		size_t len = strcspn(p, ",");
		int t = pgt_event_type_parse(p, len);

		if (t > 0)
			CHECK(mask & PGT_REFS_BIT(t));
		if (!p[len])
			break;
	}
}

/* A policy list: accepted, every index is a policy's, once, and every
 * name of the list is among them; refused, the error names a part. */
static void check_policies(const char *s)
{
	unsigned idx[64];
	size_t n = 0;
	struct pgt_parse_error pe = { .offset = SIZE_MAX };
	int err;

	CHECK(pgt_cache_policy_count() <= 64);
	err = pgt_cache_policy_parse(s, idx, &n, &pe);
	if (err) {
		CHECK(err == -PGT_EPARSE && pe.offset + pe.len <= strlen(s));
		CHECK(pe.len == strcspn(s + pe.offset, ","));
		return;
	}
	CHECK(n >= 1 && n <= pgt_cache_policy_count());
	for (size_t i = 0; i < n; i++) {
		CHECK(idx[i] < pgt_cache_policy_count());
		for (size_t j = 0; j < i; j++)
			CHECK(idx[i] != idx[j]);
	}
	for (const char *p = s;; p += strcspn(p, ",") + 1) {
		size_t len = strcspn(p, ",");
		int found = len == 3 && !strncmp(p, "all", 3);

		for (size_t i = 0; i < n && !found; i++)
			found = strlen(pgt_cache_policy_name(idx[i])) == len &&
				!strncmp(pgt_cache_policy_name(idx[i]), p, len);
		CHECK(found);
		if (!p[len])
			break;
	}
}

/* The name tables: a name parses to the entry of that name (or an alias). */
static void check_names(const char *s, size_t len)
{
	int t = pgt_event_type_parse(s, len);

	CHECK(t == -PGT_EPARSE || (t > PGT_EV_NONE && t < PGT_EV_NTYPES));
	if (t > 0)
		CHECK(strlen(pgt_event_type_name((unsigned)t)) == len &&
		      !memcmp(pgt_event_type_name((unsigned)t), s, len));
	t = pgt_split_by_parse(s, len);
	CHECK(t == -PGT_EPARSE || (t >= 0 && t < PGT_SPLIT_NKEYS));
	if (t >= 0)
		CHECK(strlen(pgt_split_by_name((unsigned)t)) == len &&
		      !memcmp(pgt_split_by_name((unsigned)t), s, len));
	t = pgt_plot_kind_parse(s);
	CHECK(t == -PGT_EPARSE || (t >= 0 && t < PGT_PLOT_NKINDS));
	if (t >= 0)
		CHECK(!strcmp(pgt_plot_kind_name(t), s));
	t = pgt_pattern_parse(s);
	CHECK(t == -PGT_EPARSE || (t >= 0 && t < PGT_PAT_NR));
	if (t >= 0)
		CHECK(!strcmp(pgt_pattern_name((unsigned)t), s));
	t = pgt_import_format_parse(s);
	CHECK(t == -PGT_EPARSE || (t >= 0 && t < PGT_IMPORT_NFORMATS));
	/* aliases ("oracle", "perf") too: the name of what they parse to is its own */
	if (t >= 0)
		CHECK(pgt_import_format_parse(pgt_import_format_name((unsigned)t)) == t);
	t = pgt_gen_pattern_parse(s);
	CHECK(t == -PGT_EPARSE || (t >= 0 && t < PGT_GEN_NPATTERNS));
	if (t >= 0)	/* "hotcold" too */
		CHECK(pgt_gen_pattern_parse(pgt_gen_pattern_name((unsigned)t)) == t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	size_t len;

	if (size > 4096)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	len = strlen(s);
	check_u64(s);
	check_double(s);
	check_size(s);
	check_duration(s);
	check_range(s, 0);
	check_range(s, 1);
	check_kpf(s);
	check_refs(s);
	check_policies(s);
	check_names(s, len);
	free(s);
	return 0;
}
