// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gen-filter-stats - libpgtrace in one page: a source (a synthetic
 * trace), an operator (a filter expression) and a consumer (the reuse
 * statistics), the same pipeline as
 *
 *   pgtrace gen -p PATTERN -n EVENTS --seed SEED -o - |
 *   pgtrace filter EXPR | pgtrace stats --json
 *
 * Build against an installed libpgtrace:
 *   cc gen-filter-stats.c $(pkg-config --cflags --libs libpgtrace)
 * Usage: gen-filter-stats PATTERN EVENTS SEED EXPR
 * Prints one line: refs=N pages=N cold=N reaccessed=N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pgtrace/pgtrace.h>
#include <pgtrace/ops.h>
#include <pgtrace/parse.h>
#include <pgtrace/analysis.h>

static int fail(const char *what, int err)
{
	fprintf(stderr, "gen-filter-stats: %s: %s\n", what, pgt_strerror(err));
	return 1;
}

int main(int argc, char **argv)
{
	struct pgt_gen_opts go = { .sz = sizeof(go) };
	struct pgt_stats_opts so = { .sz = sizeof(so) };
	struct pgt_stats_summary sum;
	struct pgt_source *src, *filtered;
	struct pgt_stats *st;
	struct pgt_expr *e;
	const struct pgt_event *evs;
	struct pgt_parse_error pe;	/* where the expression did not parse */
	ssize_t n;
	int err = 0, pattern;

	if (argc != 5) {
		fprintf(stderr, "usage: gen-filter-stats PATTERN EVENTS SEED EXPR\n");
		return 2;
	}
	pattern = pgt_gen_pattern_parse(argv[1]);
	if (pattern < 0)
		return fail(argv[1], pattern);
	go.pattern = pattern;
	/* numbers through the library's checked parser, as the CLI does */
	err = pgt_parse_u64(argv[2], &go.events);
	if (!err)
		err = pgt_parse_u64(argv[3], &go.seed);
	if (err)
		return fail("EVENTS or SEED", err);

	/* the source: owned by us until handed to the filter */
	src = pgt_gen__new(&go, &err);
	if (!src)
		return fail("gen", err);
	e = pgt_expr__parse(argv[4], &pe, &err);
	if (!e) {
		pgt_source__free(src);
		fprintf(stderr, "gen-filter-stats: %s: %s\n", argv[4], pe.msg);
		return 1;
	}
	/* the filter takes the source and the expression, even on failure */
	filtered = pgt_filter__new(src, e, &err);
	if (!filtered)
		return fail("filter", err);

	st = pgt_stats__new(&so, &err);
	if (!st) {
		pgt_source__free(filtered);
		return fail("stats", err);
	}
	/* batches are borrowed: valid until the next call on the source */
	while ((n = pgt_source__batch(filtered, &evs)) > 0) {
		err = pgt_stats__feed(st, evs, (size_t)n);
		if (err)
			break;
	}
	if (n < 0)
		err = (int)n;
	if (!err)
		err = pgt_stats__finish(st);
	if (!err) {
		pgt_stats__summary(st, &sum);
		printf("refs=%llu pages=%llu cold=%llu reaccessed=%llu\n",
		       (unsigned long long)sum.refs, (unsigned long long)sum.pages,
		       (unsigned long long)sum.cold, (unsigned long long)sum.reaccessed);
	}
	pgt_stats__free(st);
	pgt_source__free(filtered);
	return err ? fail("stats", err) : 0;
}
