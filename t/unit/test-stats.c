// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the stats accumulator (lib/analysis/stats.c): histogram
 * bins, stack distances against a brute-force LRU stack through slot
 * renumbering, and the reference-type lists.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "pgtrace/analysis.h"

static void test_bins(void **state)
{
	(void)state;
	for (uint64_t v = 0; v < 200000; v++) {
		unsigned b = pgt_hist_bin(v);

		assert_true(pgt_hist_lo(b) <= v && v <= pgt_hist_hi(b));
	}
	for (unsigned b = 0; b + 1 < PGT_HIST_BINS && pgt_hist_hi(b) < UINT64_MAX / 2; b++) {
		assert_int_equal(pgt_hist_hi(b) + 1, pgt_hist_lo(b + 1));
		/* a bin is at most 1/16 of its values wide */
		assert_true((pgt_hist_hi(b) - pgt_hist_lo(b)) * 16 <= pgt_hist_lo(b) || b < 32);
	}
	assert_int_equal(pgt_hist_bin(UINT64_MAX) < PGT_HIST_BINS, 1);
	assert_int_equal(pgt_hist_lo(pgt_hist_bin(1ull << 40)), 1ull << 40);
}

/* Exact misses at every size 1..64 against a move-to-front list, on a
 * stream long enough to renumber the slots many times. */
static void test_against_lru_stack(void **state)
{
	enum { PAGES = 300, N = 200000, SIZES = 64 };
	uint64_t sizes[SIZES], misses[SIZES] = { 0 }, stack[PAGES];
	struct pgt_stats_opts o = { .sz = sizeof(o) };
	struct pgt_stats *s;
	unsigned depth = 0, seed = 7;
	int err;

	(void)state;
	for (int i = 0; i < SIZES; i++)
		sizes[i] = (uint64_t)i + 1;
	o.sizes = sizes;
	o.nsizes = SIZES;
	s = pgt_stats__new(&o, &err);
	assert_non_null(s);
	for (int i = 0; i < N; i++) {
		uint64_t page;
		unsigned d;

		seed = seed * 1103515245u + 12345u;
		/* a hot set of 40 pages and a cold rest */
		page = (seed >> 16) % 10 < 8 ? (seed >> 8) % 40 : (seed >> 8) % PAGES;
		assert_int_equal(pgt_stats__ref(s, 1, page, (uint64_t)i), 0);
		for (d = 0; d < depth && stack[d] != page; d++)
			;
		for (int k = 0; k < SIZES; k++)
			misses[k] += d == depth || d >= sizes[k];
		if (d == depth)
			depth++;
		memmove(stack + 1, stack, d * sizeof(*stack));
		stack[0] = page;
	}
	assert_int_equal(pgt_stats__finish(s), 0);
	for (int k = 0; k < SIZES; k++)
		assert_int_equal(pgt_stats__misses_at(s, (size_t)k), misses[k]);
	pgt_stats__free(s);
}

static void test_refs_parse(void **state)
{
	struct pgt_parse_error pe;
	uint32_t m;

	(void)state;
	assert_int_equal(pgt_refs_parse("default", &m, &pe), 0);
	assert_int_equal(m, pgt_refs_default());
	assert_int_equal(pgt_refs_parse("add,lookup", &m, NULL), 0);
	assert_int_equal(m, PGT_REFS_BIT(PGT_EV_ADD) | PGT_REFS_BIT(PGT_EV_LOOKUP));
	assert_int_equal(pgt_refs_parse("lookup,nope,add", &m, &pe), -PGT_EPARSE);
	assert_int_equal(pe.offset, 7);
	assert_int_equal(pe.len, 4);
	assert_int_equal(pe.line, 0);
	assert_string_equal(pe.msg, "unknown event type 'nope'");
	assert_int_not_equal(pgt_refs_parse("", &m, &pe), 0);
	assert_int_equal(pe.offset + pe.len, 0);
	assert_int_not_equal(pgt_refs_parse("lookup,", &m, &pe), 0);
	assert_int_equal(pe.offset, 7);
	assert_int_equal(pe.len, 0);
	assert_int_not_equal(pgt_refs_parse("lookup,", &m, NULL), 0);
}

/* What a trace cannot show: the caveats from the types it holds, its
 * header and who wrote it. */
static void test_refs_caveats(void **state)
{
	struct pgt_refs_tally t;
	struct pgt_header h;
	struct pgt_meta *m = pgt_meta__new();
	struct pgt_event ev[3];
	char names[128];

	(void)state;
	assert_non_null(m);
	memset(&t, 0, sizeof(t));
	memset(&h, 0, sizeof(h));
	memset(ev, 0, sizeof(ev));
	ev[0].type = PGT_EV_LOOKUP;
	ev[0].npages = 4;
	ev[1].type = PGT_EV_MAP;
	ev[1].npages = 16;
	ev[2].type = PGT_EV_FAULT;
	ev[2].npages = 1;
	pgt_refs_tally(&t, ev, 3);
	assert_int_equal(t.events[PGT_EV_MAP], 1);
	assert_int_equal(t.pages[PGT_EV_MAP], 16);
	/* not a recording: no word on sizes */
	assert_int_equal(pgt_refs_caveats(&t, &h, m, 0), PGT_CAVEAT_MAPPED | PGT_CAVEAT_MAP_SKIPPED);
	/* maps asked for: not skipped */
	assert_int_equal(pgt_refs_caveats(&t, &h, m, pgt_refs_default() | PGT_REFS_BIT(PGT_EV_MAP)),
			 PGT_CAVEAT_MAPPED);
	/* a recording of format 1.1 has lookups past the ends of files */
	assert_int_equal(pgt_meta__add_info(m, "recorder", "pgtrace record 0.1.0"), 0);
	assert_int_equal(pgt_refs_caveats(&t, &h, m, 0),
			 PGT_CAVEAT_MAPPED | PGT_CAVEAT_MAP_SKIPPED | PGT_CAVEAT_NO_SIZES);
	h.features = PGT_FEAT_FILE_SIZES;
	assert_int_equal(pgt_refs_caveats(&t, &h, m, 0), PGT_CAVEAT_MAPPED | PGT_CAVEAT_MAP_SKIPPED);
	/* DAMON samples show what stays mapped */
	ev[0].type = PGT_EV_ACCESS_SAMPLE;
	pgt_refs_tally(&t, ev, 1);
	assert_int_equal(pgt_refs_caveats(&t, &h, m, 0), PGT_CAVEAT_MAP_SKIPPED);
	for (unsigned b = 1; b < PGT_CAVEAT_LAST; b <<= 1)
		assert_true(strlen(pgt_refs_caveat_text(b)) > 20);
	/* the default set by name: maps are not in it */
	assert_string_equal(pgt_refs_names(pgt_refs_default(), names, sizeof(names)),
			    "lookup,fault,user-fault,reference");
	pgt_meta__free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bins),
		cmocka_unit_test(test_against_lru_stack),
		cmocka_unit_test(test_refs_parse),
		cmocka_unit_test(test_refs_caveats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
