// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace cache: simulate replacement policies over a trace's references:
 * miss ratios by policy and cache size, and the smallest cache that
 * reaches a hit ratio. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builtin.h"
#include "pgtrace/analysis.h"
#include "pgtrace/cache.h"
#include "pgtrace/fields.h"
#include "pgtrace/sink.h"

#define DEFAULT_POLICIES "lru,linux,opt"
#define DEFAULT_POINTS 20

static void cache_usage(FILE *f)
{
	char def[128], keys[2048];

	pgt_fields__help(PGT_FU_STATS, keys, sizeof(keys));
	fprintf(f,
		"Usage: pgtrace cache [OPTIONS] TRACE|-\n"
		"\n"
		"Simulate cache replacement policies over the page references of a trace:\n"
		"the misses and miss ratio of each policy at each cache size, whole curves\n"
		"by miniature simulation, and the smallest cache that reaches a hit ratio.\n"
		"\n"
		"Options:\n"
		"  -p, --policy LIST      policies to simulate (default %s; \"all\" for\n"
		"                         every one, listed below)\n"
		"  -s, --sizes LIST       cache sizes, in pages (K, M, G multiply by 1024:\n"
		"                         64K = 65536 pages), or in bytes with --bytes\n"
		"  -n, --points N         without --sizes: N sizes from a thousandth of\n"
		"                         the footprint to all of it (default %d)\n"
		"      --sample RATE      miniature simulation: pages sampled at RATE\n"
		"                         (0 < RATE < 1), caches scaled by RATE\n"
		"      --salt N           seed of the sampling hash (default 0)\n"
		"      --bytes            sizes in bytes; references weigh their size (an\n"
		"                         imported oracleGeneral object's, else a page):\n"
		"                         byte miss ratios too\n"
		"      --for-hit RATIO    the smallest cache whose hit ratio reaches RATIO\n"
		"                         (0 < RATIO < 1), per policy\n"
		"      --by KEY           per key (below), with --for-hit or --sizes\n"
		"      --top N            keys shown with --by, most references first\n"
		"                         (default 10)\n"
		"      --refs LIST        event types that count as references (default:\n"
		"                         %s)\n"
		"      --space file|pfn   a page is (file, index) (default) or a frame\n"
		"      --json             one JSON document on standard output\n"
		"      --csv              CSV rows on standard output\n"
		"  -h, --help             show this help\n"
		"\n"
		"Policies:\n",
		DEFAULT_POLICIES, DEFAULT_POINTS, pgt_refs_names(pgt_refs_default(), def, sizeof(def)));
	for (unsigned i = 0; i < pgt_cache_policy_count(); i++)
		fprintf(f, "  %-8s %s\n", pgt_cache_policy_name(i), pgt_cache_policy_desc(i));
	fprintf(f,
		"\n"
		"Keys of --by:\n"
		"%s"
		"\n"
		"Examples:\n"
		"  pgtrace cache run.pgt\n"
		"  pgtrace cache --policy all --sizes 1K,4K,16K run.pgt\n"
		"  pgtrace cache --policy lru,linux,opt --for-hit 0.9 --by file run.pgt\n"
		"  pgtrace cache --policy s3fifo,arc --sample 0.01 --points 100 --json big.pgt\n"
		"  pgtrace import --format oracle-general t.bin -o - | pgtrace cache --bytes -\n"
		"\n"
		"Exit status: 0 on success, 1 when the trace is damaged or output cannot be\n"
		"written, 2 on usage errors.\n", keys);
}

/* --by: each key's events fed under the key's number */
struct by_child {
	uint32_t idx;
};

struct by_ctx {
	struct pgt_cache *c;
	uint32_t n;
};

static void *by_make(void *ctx, int *err)
{
	struct by_ctx *b = ctx;
	struct by_child *k = malloc(sizeof(*k));

	if (!k) {
		*err = -ENOMEM;
		return NULL;
	}
	k->idx = b->n++;
	return k;
}

static int by_feed(void *ctx, void *child, const struct pgt_event *evs, size_t n)
{
	return pgt_cache__feed(((struct by_ctx *)ctx)->c, ((struct by_child *)child)->idx, evs, n);
}

static void by_free(void *ctx, void *child)
{
	(void)ctx;
	free(child);
}

static const struct pgt_keyed_ops by_ops = { .make = by_make, .feed = by_feed, .free = by_free };

struct run {
	struct pgt_cache *c;
	struct pgt_cache_opts o;
	unsigned pol[32];
	size_t np;
	uint64_t *sizes;
	size_t ns;
	double hit;		/* --for-hit, 0: none */
	struct pgt_keyed *k;
	unsigned top;
	int json, csv;
	uint64_t page_size;
	double spool_cpu, sim_cpu;	/* CPU seconds of the process */
};

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *unit_name(const struct run *r)
{
	return r->o.bytes ? "bytes" : "pages";
}

static void print_size(struct out *w, const struct run *r, uint64_t units)
{
	char hb[32];

	cli_human_size(r->o.bytes ? units : units * r->page_size, hb, sizeof(hb));
	out_printf(w, "%12llu %10s", (unsigned long long)units, hb);
}

static void summary_json(struct out *w, const struct pgt_cache_summary *sm)
{
	out_printf(w, "{\"refs\":%llu,\"sampled_refs\":%llu,\"pages\":%llu,\"units\":%llu,\"rate\":%.9g}",
		   (unsigned long long)sm->refs, (unsigned long long)sm->sampled, (unsigned long long)sm->pages,
		   (unsigned long long)sm->units, sm->rate);
}

static void result_json(struct out *w, const struct pgt_cache_result *x)
{
	out_str(w, "{\"policy\":");
	out_json_str(w, pgt_cache_policy_name(x->policy));
	out_printf(w, ",\"size\":%llu,\"sim_size\":%llu,\"refs\":%llu,\"misses\":%llu,\"miss_ratio\":%.9g,"
		   "\"ref_units\":%llu,\"miss_units\":%llu,\"unit_miss_ratio\":%.9g,\"mem\":%llu}",
		   (unsigned long long)x->size, (unsigned long long)x->sim_size, (unsigned long long)x->refs,
		   (unsigned long long)x->misses, x->miss_ratio, (unsigned long long)x->ref_units,
		   (unsigned long long)x->miss_units, x->unit_miss_ratio, (unsigned long long)x->mem);
}

static const char *key_name(const struct run *r, int64_t key, char *buf, size_t len)
{
	if (key < 0)
		return "";
	return pgt_keyed__name(r->k, (size_t)key, buf, len);
}

/* The start of a JSON row of the curves or the answers: its key's name
 * with --by. */
static void json_row(struct out *w, const struct run *r, int64_t key, int first)
{
	char kb[32];

	out_str(w, first ? "{" : ",{");
	if (key >= 0) {
		out_str(w, "\"key\":");
		out_json_str(w, key_name(r, key, kb, sizeof(kb)));
		out_str(w, ",");
	}
}

/* A miniature cache this small gives a rough estimate: a few hot pages
 * in the sample or out of it swing it (measured on Zipf 0.9 at rate 0.1:
 * errors up to 0.05 below 200 pages, under 0.02 from 500). */
#define ROUGH_PAGES 256u

static int rough(const struct run *r, uint64_t sim_size)
{
	uint64_t pages = r->o.bytes ? sim_size / (r->page_size ? r->page_size : 4096) : sim_size;

	return r->o.sample_rate > 0 && pages < ROUGH_PAGES;
}

/* The miss ratios at every size: a table of sizes by policies. */
static int print_curves(struct out *w, struct run *r, int64_t key, int *first)
{
	struct pgt_cache_result *res = calloc(r->np * r->ns + 1, sizeof(*res));
	struct pgt_cache_summary sm;
	char kb[32];
	int err, nrough = 0;
	double t0;

	if (!res)
		return -ENOMEM;
	pgt_cache__summary(r->c, key, &sm);
	t0 = cpu_seconds();
	err = pgt_cache__simulate(r->c, key, r->pol, r->np, r->sizes, r->ns, res);
	r->sim_cpu += cpu_seconds() - t0;
	if (err)
		goto out;
	if (r->json) {
		json_row(w, r, key, *first);
		out_str(w, "\"trace\":");
		summary_json(w, &sm);
		out_str(w, ",\"results\":[");
		for (size_t i = 0; i < r->np * r->ns; i++) {
			out_str(w, i ? "," : "");
			result_json(w, &res[i]);
		}
		out_str(w, "]}");
	} else if (r->csv) {
		for (size_t i = 0; i < r->np * r->ns; i++) {
			const struct pgt_cache_result *x = &res[i];

			if (r->k) {
				out_csv_str(w, key_name(r, key, kb, sizeof(kb)));
				out_char(w, ',');
			}
			out_printf(w, "%s,%llu,%llu,%llu,%llu,%.9g,%llu,%llu,%.9g\n", pgt_cache_policy_name(x->policy),
				   (unsigned long long)x->size, (unsigned long long)x->sim_size,
				   (unsigned long long)x->refs, (unsigned long long)x->misses, x->miss_ratio,
				   (unsigned long long)x->ref_units, (unsigned long long)x->miss_units,
				   x->unit_miss_ratio);
		}
	} else {
		for (int pass = 0; pass < (r->o.bytes ? 2 : 1); pass++) {
			if (key >= 0) {
				out_str(w, *first && !pass ? "" : "\n");
				out_text_str(w, key_name(r, key, kb, sizeof(kb)));
				out_printf(w, ": %llu references, %llu pages\n", (unsigned long long)sm.refs,
					   (unsigned long long)sm.pages);
			} else if (pass) {
				out_char(w, '\n');
			}
			out_str(w, pass ? "Byte miss ratio" : "Miss ratio");
			out_printf(w, "\n%12s %10s", unit_name(r), "size");
			for (size_t p = 0; p < r->np; p++)
				out_printf(w, " %10s", pgt_cache_policy_name(r->pol[p]));
			out_char(w, '\n');
			for (size_t s = 0; s < r->ns; s++) {
				print_size(w, r, r->sizes[s]);
				for (size_t p = 0; p < r->np; p++) {
					const struct pgt_cache_result *x = &res[p * r->ns + s];

					out_printf(w, " %10.6f", pass ? x->unit_miss_ratio : x->miss_ratio);
				}
				if (rough(r, res[s].sim_size)) {
					out_str(w, "  ~");
					nrough++;
				}
				out_char(w, '\n');
			}
		}
		if (nrough)
			out_printf(w, "~ simulated in fewer than %u pages: miniature simulation is rough there "
				   "(a larger --sample rate helps)\n", ROUGH_PAGES);
	}
	*first = 0;
out:
	free(res);
	return err;
}

static int print_smallest(struct out *w, struct run *r, int64_t key, int *first)
{
	char kb[32];

	for (size_t p = 0; p < r->np; p++) {
		struct pgt_cache_result at;
		int found, err;
		double hit;

		double t0 = cpu_seconds();

		err = pgt_cache__smallest(r->c, key, r->pol[p], r->hit, r->o.bytes, &found, &at);
		r->sim_cpu += cpu_seconds() - t0;
		if (err)
			return err;
		hit = 1 - (r->o.bytes ? at.unit_miss_ratio : at.miss_ratio);
		if (r->json) {
			json_row(w, r, key, *first);
			out_printf(w, "\"hit_ratio\":%.9g,\"reached\":%s,\"result\":", r->hit,
				   found ? "true" : "false");
			result_json(w, &at);
			out_str(w, "}");
		} else if (r->csv) {
			if (r->k) {
				out_csv_str(w, key_name(r, key, kb, sizeof(kb)));
				out_char(w, ',');
			}
			out_printf(w, "%s,%.9g,%d,%llu,%.9g\n", pgt_cache_policy_name(r->pol[p]), r->hit, found,
				   (unsigned long long)at.size, hit);
		} else {
			if (*first) {
				out_printf(w, "Smallest cache for a hit ratio of %g%s\n", r->hit,
					   r->o.bytes ? " (by bytes)" : "");
				if (r->k)
					out_str(w, "key\n");
				out_printf(w, "  %-8s %12s %10s  %s\n", "policy", unit_name(r), "size", "hit ratio");
			}
			if (key >= 0 && !p) {
				out_text_str(w, key_name(r, key, kb, sizeof(kb)));
				out_char(w, '\n');
			}
			out_printf(w, "  %-8s ", pgt_cache_policy_name(r->pol[p]));
			if (found) {
				print_size(w, r, at.size);
				out_printf(w, "  %.6f\n", hit);
			} else {
				out_printf(w, "not reached: %.6f with the whole footprint (%llu %s; the rest are "
					   "first references)\n", hit, (unsigned long long)at.size, unit_name(r));
			}
		}
		*first = 0;
	}
	return 0;
}

static int cmp_keys(const void *a, const void *b, void *ctx)
{
	const struct run *r = ctx;
	struct pgt_cache_summary x, y;

	pgt_cache__summary(r->c, *(const int64_t *)a, &x);
	pgt_cache__summary(r->c, *(const int64_t *)b, &y);
	if (x.refs != y.refs)
		return x.refs > y.refs ? -1 : 1;
	return *(const int64_t *)a < *(const int64_t *)b ? -1 : 1;
}

static int report(struct out *w, struct run *r)
{
	struct pgt_cache_summary sm;
	int64_t *keys = NULL;
	size_t nk = 1;
	int first = 1, err = 0;
	char hb[32];

	pgt_cache__summary(r->c, -1, &sm);
	if (r->k) {
		nk = pgt_keyed__count(r->k);
		keys = malloc((nk ? nk : 1) * sizeof(*keys));
		if (!keys)
			return -ENOMEM;
		for (size_t i = 0; i < nk; i++)
			keys[i] = (int64_t)i;
		qsort_r(keys, nk, sizeof(*keys), cmp_keys, r);
		if (nk > r->top)
			nk = r->top;
	}
	if (r->json) {
		out_str(w, "{\"trace\":");
		summary_json(w, &sm);
		out_printf(w, ",\"units\":\"%s\",\"exact\":%s,\"policies\":[", unit_name(r),
			   sm.rate < 1 ? "false" : "true");
		for (size_t p = 0; p < r->np; p++) {
			out_str(w, p ? "," : "");
			out_json_str(w, pgt_cache_policy_name(r->pol[p]));
		}
		out_str(w, r->hit > 0 ? "],\"smallest\":[" : "],\"curves\":[");
	} else if (r->csv) {
		out_str(w, r->k ? "key," : "");
		out_str(w, r->hit > 0 ? "policy,hit_ratio,reached,size,achieved\n"
				      : "policy,size,sim_size,refs,misses,miss_ratio,ref_units,miss_units,"
					"unit_miss_ratio\n");
	} else {
		out_printf(w, "references      %llu", (unsigned long long)sm.refs);
		if (sm.rate < 1)
			out_printf(w, " (miniature simulation: %llu sampled at rate %g)\n",
				   (unsigned long long)sm.sampled, sm.rate);
		else
			out_str(w, " (exact simulation)\n");
		cli_human_size(r->o.bytes ? sm.units : sm.pages * r->page_size, hb, sizeof(hb));
		out_printf(w, "distinct pages  %llu%s (%s)\n\n", (unsigned long long)sm.pages,
			   sm.rate < 1 ? " sampled" : "", hb);
	}
	for (size_t i = 0; i < nk && !err; i++) {
		int64_t key = r->k ? keys[i] : -1;

		if (r->hit > 0)
			err = print_smallest(w, r, key, &first);
		else
			err = print_curves(w, r, key, &first);
	}
	if (r->json)	/* what the simulations cost, for benchmarks */
		out_printf(w, "],\"cpu_seconds\":{\"spool\":%.3f,\"simulate\":%.3f}}\n", r->spool_cpu, r->sim_cpu);
	free(keys);
	return err;
}

/* Each simulation pass reads the spool once: shown on a terminal. */
static void sim_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;

	p->total = total;
	progress_update(p, done);
}

int cmd_cache(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "sizes", required_argument, NULL, 's' },
		{ "points", required_argument, NULL, 'n' },
		{ "sample", required_argument, NULL, 'S' },
		{ "salt", required_argument, NULL, 'a' },
		{ "bytes", no_argument, NULL, 'B' },
		{ "for-hit", required_argument, NULL, 'H' },
		{ "by", required_argument, NULL, 'b' },
		{ "top", required_argument, NULL, 't' },
		{ "refs", required_argument, NULL, 'R' },
		{ "space", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct run r = { .o = { .sz = sizeof(r.o) }, .top = 10 };
	const char *path, *plist = DEFAULT_POLICIES;
	const struct pgt_field *by = NULL;
	struct by_ctx byc = { 0 };
	uint64_t points = DEFAULT_POINTS, total = 0, npk, t0, t1;
	struct pgt_sink *sink = NULL;
	struct pgt_drain_opts dopts;
	struct pgt_drain_result res;
	struct pgt_parse_error pe;
	struct pgt_reader *rd = NULL;
	struct progress prog;
	struct progress sprog;
	struct out w;
	int c, err = 0, rc = 0, sizes_given = 0;

	while ((c = getopt_long(argc, argv, "p:s:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': plist = optarg; break;
		case 's':
			free(r.sizes);
			r.ns = cli_sizes_arg("--sizes", optarg, &r.sizes);
			sizes_given = 1;
			break;
		case 'n': points = cli_u64_max("--points", optarg, 1000); break;
		case 'S':
			if (pgt_parse_double(optarg, &r.o.sample_rate) || !(r.o.sample_rate > 0 && r.o.sample_rate < 1))
				cli_usage_error("invalid --sample '%s': a rate in (0, 1), e.g. 0.01", optarg);
			break;
		case 'a': r.o.salt = cli_u64_max("--salt", optarg, UINT64_MAX); break;
		case 'B': r.o.bytes = 1; break;
		case 'H':
			if (pgt_parse_double(optarg, &r.hit) || !(r.hit > 0 && r.hit < 1))
				cli_usage_error("invalid --for-hit '%s': a hit ratio in (0, 1), e.g. 0.9", optarg);
			break;
		case 'b':
			by = pgt_field__find(optarg, strlen(optarg), PGT_FU_STATS);
			if (!by) {
				char keys[512];

				pgt_fields__names(PGT_FU_STATS, ", ", keys, sizeof(keys));
				cli_usage_error("invalid --by '%s': %s", optarg, keys);
			}
			break;
		case 't': r.top = (unsigned)cli_u64_max("--top", optarg, 1000000); break;
		case 'R': r.o.refs = cli_refs_arg(optarg); break;
		case 'P': r.o.space = cli_space_arg(optarg); break;
		case 'j': r.json = 1; break;
		case 'C': r.csv = 1; break;
		case 'h': cache_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (pgt_cache_policy_parse(plist, r.pol, &r.np, &pe))
		cli_usage_error("invalid --policy '%s': %s '%.*s' (%s)", plist, pe.msg, (int)pe.len,
				plist + pe.offset, "see --help for the list");
	if (r.json && r.csv)
		cli_usage_error("give --json or --csv, not both");
	if (!points)
		cli_usage_error("invalid --points '0': at least 1");
	if (by && !r.hit && !sizes_given)
		cli_usage_error("--by needs --for-hit or --sizes (each key has its own footprint)");
	if (r.hit && sizes_given)
		cli_usage_error("give --for-hit or --sizes, not both");
	for (size_t i = 0; i < r.ns; i++)
		if (!r.sizes[i])
			cli_usage_error("invalid --sizes: a cache holds at least 1 %s", r.o.bytes ? "byte" : "page");
	path = cli_trace_arg(argc, argv, optind);
	rd = cli_open_reader(path, NULL);
	if (!rd) {
		free(r.sizes);
		return EXIT_RUNTIME;
	}
	r.page_size = pgt_reader__header(rd)->page_size ? pgt_reader__header(rd)->page_size : 4096;
	r.o.page_size = (uint32_t)r.page_size;
	progress_init(&sprog, "simulating: references", 0);
	r.o.progress = sim_progress;
	r.o.progress_ctx = &sprog;
	r.c = pgt_cache__new(&r.o, &err);
	if (!r.c) {
		cli_error("cannot make the spool in %s: %s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
			  strerror(-err));
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (by) {
		byc.c = r.c;
		r.k = pgt_keyed__new(by, &by_ops, &byc, &err);
		sink = r.k ? pgt_keyed__sink(r.k) : NULL;
	} else {
		sink = pgt_cache__sink(r.c);
	}
	if (!sink) {
		rc = cli_read_failed(path, -ENOMEM);
		goto out;
	}
	pgt_reader__index_summary(rd, &total, &npk, &t0, &t1);
	r.spool_cpu = cpu_seconds();
	progress_init(&prog, "events", total);
	progress_drain_opts(&prog, &dopts);
	err = pgt_reader__drain(rd, &sink, 1, &dopts, &res);
	progress_done(&prog);
	if (err && res.side == PGT_DRAIN_SOURCE) {
		rc = cli_read_failed(path, err);	/* what was read is simulated */
		err = 0;
	}
	if (!err)	/* the sink finished it, unless keyed or cut short */
		err = pgt_cache__finish(r.c);
	r.spool_cpu = cpu_seconds() - r.spool_cpu;
	if (err) {
		cli_error("%s while spooling references", err == -ENOMEM ? "out of memory" : strerror(-err));
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (!sizes_given && !r.hit) {
		r.sizes = malloc(points * sizeof(*r.sizes));
		if (!r.sizes) {
			rc = cli_read_failed(path, -ENOMEM);
			goto out;
		}
		r.ns = pgt_cache__grid(r.c, -1, points, r.sizes);
	}
	out_init(&w, STDOUT_FILENO);
	err = report(&w, &r);
	progress_done(&sprog);
	if (err) {
		out_finish(&w);
		cli_error("%s while simulating", err == -ENOMEM ? "out of memory" : strerror(-err));
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (out_finish(&w))
		rc = EXIT_RUNTIME;
out:
	pgt_sink__free(sink);
	pgt_keyed__free(r.k);
	pgt_cache__free(r.c);
	pgt_reader__free(rd);
	free(r.sizes);
	return rc;
}
