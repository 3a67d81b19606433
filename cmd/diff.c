// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pgtrace diff: two traces side by side, per file and per process.
 *
 * The comparison itself is compare.c's, which pgtrace report shows for
 * two traces too; this file prints it, as text or JSON.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "compare.h"
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

static void json_row(struct out *w, const struct compare *d, const struct cmp_row *r)
{
	uint64_t sizes[80];
	size_t ns = compare_sizes(d, r, sizes, PGT_ARRAY_SIZE(sizes));

	out_str(w, "{\"key\":");
	out_json_str(w, r->key);
	out_printf(w, ",\"in\":\"%s\"", compare_presence(r));
	json_count(w, "references", r->refs[0], r->refs[1]);
	json_count(w, "insertions", r->s[0].ins, r->s[1].ins);
	json_count(w, "evictions", r->s[0].evict, r->s[1].evict);
	json_count(w, "pages", r->pages[0], r->pages[1]);
	out_str(w, ",\"hit_ratio\":{");
	json_pair(w, compare_hit_ratio(d, r, 0), compare_hit_ratio(d, r, 1));
	out_str(w, "},\"mrc\":[");
	for (size_t i = 0; i < ns; i++) {
		out_printf(w, "%s{\"pages\":%llu,", i ? "," : "", (unsigned long long)sizes[i]);
		json_pair(w, compare_miss_at(d, r, 0, sizes, i), compare_miss_at(d, r, 1, sizes, i));
		out_char(w, '}');
	}
	out_str(w, "]}");
}

static void print_json(struct out *w, const struct compare *d, size_t top)
{
	out_str(w, "{\"a\":{\"trace\":");
	out_json_str(w, d->path[0]);
	out_printf(w, ",\"events\":%llu},\"b\":{\"trace\":", (unsigned long long)d->events[0]);
	out_json_str(w, d->path[1]);
	out_printf(w, ",\"events\":%llu},\"insertions_seen\":%s,\"sizes\":\"%s\",\"total\":",
		   (unsigned long long)d->events[1], d->has_ins ? "true" : "false",
		   d->so.nsizes ? "given" : "powers of two");
	json_row(w, d, compare_total(d));
	for (int t = 0; t < CMP_TOTAL; t++) {
		size_t n, both = compare_in_both(d, t);
		const struct cmp_row **v = compare_sorted(d, t, &n);

		out_printf(w, ",\"%s\":{\"in_a\":%u,\"in_b\":%u,\"in_both\":%zu,\"rows\":[", compare_table_names[t],
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

static void text_row(struct out *w, const struct compare *d, const struct cmp_row *r)
{
	uint64_t sizes[80];
	size_t ns = compare_sizes(d, r, sizes, PGT_ARRAY_SIZE(sizes));
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
		text_ratio(w, "hit ratio", compare_hit_ratio(d, r, 0), compare_hit_ratio(d, r, 1));
	for (size_t i = 0; i < ns; i++) {
		char name[48];

		snprintf(name, sizeof(name), "miss ratio @%llu page%s", (unsigned long long)sizes[i],
			 sizes[i] == 1 ? "" : "s");
		text_ratio(w, name, compare_miss_at(d, r, 0, sizes, i), compare_miss_at(d, r, 1, sizes, i));
	}
}

static void print_text(struct out *w, const struct compare *d, size_t top)
{
	out_printf(w, "A: %s (%llu events)\nB: %s (%llu events)\n", d->path[0],
		   (unsigned long long)d->events[0], d->path[1], (unsigned long long)d->events[1]);
	if (!d->has_ins)
		out_str(w, "no insertions (add events) in either trace: hit ratios unknown; "
			   "miss ratios are LRU's at each size (pages)\n");
	else
		out_str(w, "hit ratio: 1 - insertions / references; miss ratios are LRU's at each size (pages)\n");
	text_row(w, d, compare_total(d));
	for (int t = 0; t < CMP_TOTAL; t++) {
		size_t n, both = compare_in_both(d, t);
		const struct cmp_row **v = compare_sorted(d, t, &n);

		out_printf(w, "\n== %s: %u in A, %u in B, %zu in both; the %zu that changed most\n",
			   compare_table_names[t], d->t[t].in[0], d->t[t].in[1], both, n < top ? n : top);
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
	struct compare d;
	uint64_t *sizes = NULL;
	size_t top = 10, nsizes = 0;
	uint32_t refs = 0;
	int json = 0, top_given = 0, c, rc;
	struct out w;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'Z':
			free(sizes);
			nsizes = cli_sizes_arg("--sizes", optarg, &sizes);
			break;
		case 'R': refs = cli_refs_arg(optarg); break;
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
	for (int i = 0; i < 2; i++)
		if (!strcmp(argv[optind + i], "-"))
			cli_usage_error("'-': each trace is read twice, so it must be a file");
	compare_init(&d, argv[optind], argv[optind + 1], refs, sizes, nsizes);
	if (!json || !top_given)
		top = json ? SIZE_MAX : top;
	rc = compare_read(&d);
	if (!rc) {
		out_init(&w, STDOUT_FILENO);
		if (json)
			print_json(&w, &d, top);
		else
			print_text(&w, &d, top);
		if (out_finish(&w))
			rc = EXIT_RUNTIME;
	}
	compare_release(&d);
	free(sizes);
	return rc;
}
