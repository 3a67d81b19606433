// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace reduce: smaller page reference traces, FIFO window or exact LRU. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "pgtrace/analysis.h"
#include "pgtrace/ops.h"

static void reduce_usage(FILE *f)
{
	char def[128];

	fprintf(f,
		"Usage: pgtrace reduce (--fifo N | --lru K) [--check SIZES] [-o OUT|-] TRACE|-\n"
		"\n"
		"Reduce a page reference trace (the default reference types,\n"
		"%s; others pass through).  Ranges are expanded to pages.\n"
		"\n"
		"Options:\n"
		"      --fifo N        keep only references to pages outside a FIFO of the\n"
		"                      N pages most recently admitted, as a kernel that\n"
		"                      unmapped all but N pages would have seen them\n"
		"      --lru K         exact for LRU: every LRU memory of at least K pages\n"
		"                      has the same misses with the reduced trace\n"
		"      --check SIZES   simulate LRU at these sizes (pages, comma-separated)\n"
		"                      on the input and the output and compare the misses;\n"
		"                      with --lru, a difference at a size >= K fails (exit 1)\n"
		"  -o, --output OUT    where to write (default: standard output, not a\n"
		"                      terminal)\n"
		"  -f, --force         overwrite OUT\n"
		"  -q, --quiet         no summary on standard error\n"
		"  -h, --help          show this help\n"
		"\n"
		"Examples:\n"
		"  pgtrace reduce --lru 1024 --check 1024,4096,65536 -o small.pgt big.pgt\n"
		"  pgtrace gen -p zipf -o - | pgtrace reduce --fifo 512 | pgtrace info -\n",
		pgt_refs_names(pgt_refs_default(), def, sizeof(def)));
}

int cmd_reduce(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "fifo", required_argument, NULL, 'F' },
		{ "lru", required_argument, NULL, 'L' },
		{ "check", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t fifo = 0, lru = 0, refs_in = 0, refs_out = 0;
	int oom = 0;
	struct pgt_lru_sim *sim_in = NULL, *sim_out = NULL;
	struct pgt_source *red = NULL;
	struct pgt_source *tap = NULL;
	struct pgt_sink *sinks[2] = { NULL, NULL }, *sim_in_sink = NULL;
	struct pgt_drain_result res = { .side = PGT_DRAIN_SOURCE };
	size_t ns = 0;
	const char *output = "-", *path;
	uint32_t *sizes = NULL;
	size_t nsizes = 0;
	int force = 0, quiet = 0, c, err = 0, rc = 0;
	struct pgt_reader *r;
	struct pgt_writer *w;

	while ((c = getopt_long(argc, argv, "o:fqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'F': fifo = cli_u64_max("--fifo", optarg, UINT32_MAX); break;
		case 'L': lru = cli_u64_max("--lru", optarg, UINT32_MAX); break;
		case 'c': free(sizes); nsizes = cli_pages_arg("--check", optarg, &sizes); break;
		case 'o': output = optarg; break;
		case 'f': force = 1; break;
		case 'q': quiet = 1; break;
		case 'h': reduce_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (!fifo == !lru)
		cli_usage_error(fifo ? "give --fifo or --lru, not both" : "give --fifo N or --lru K (at least 1)");
	path = cli_trace_arg(argc, argv, optind);
	cli_refuse_same(path, output);
	r = cli_open_reader(path, NULL);
	if (!r) {
		free(sizes);
		return EXIT_RUNTIME;
	}
	if (nsizes) {
		sim_in = pgt_lru_sim__new(sizes, nsizes, &err);
		if (sim_in)
			sim_out = pgt_lru_sim__new(sizes, nsizes, &err);
		if (err) {
			cli_error("cannot set up the LRU check: %s", pgt_strerror(err));
			rc = EXIT_RUNTIME;
			goto out;
		}
	}
	/* --check: the input's misses simulated as the reduction reads it */
	if (sim_in && !(sim_in_sink = pgt_lru_sim__sink(sim_in))) {
		err = -ENOMEM;
	} else {
		tap = pgt_tap__new(pgt_reader__source(r), sim_in_sink, &err);
	}
	if (!tap) {
		cli_error("cannot set up the reduction: %s", pgt_strerror(err));
		rc = EXIT_RUNTIME;
		goto out;
	}
	red = fifo ? pgt_reduce_fifo__new(tap, (uint32_t)fifo, &err)
		   : pgt_reduce_lru__new(tap, (uint32_t)lru, &err);
	if (red)
		tap = NULL;	/* the reduction owns it now */
	if (!red) {
		cli_error("cannot set up the reduction: %s", pgt_strerror(err));
		rc = EXIT_RUNTIME;
		goto out;
	}
	w = cli_open_writer(output, force, pgt_reader__header(r));
	if (!w) {
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (sim_out && !(sinks[ns++] = pgt_lru_sim__sink(sim_out)))
		err = -ENOMEM;
	if (!err && !(sinks[ns++] = pgt_writer__sink(w)))
		err = -ENOMEM;
	if (!err)
		err = pgt_drain(red, sinks, ns, NULL, &res);
	{
		int e2 = pgt_writer__close(w);

		/* only the writer's sink (the last) fails among the sinks */
		if (err && err != -ENOMEM && res.side != PGT_DRAIN_SOURCE) {
			rc = cli_write_failed(output, err);
			goto out;
		}
		if (err) {
			rc = cli_read_failed(path, err);
			goto out;
		}
		if (e2) {
			rc = cli_write_failed(output, e2);
			goto out;
		}
	}
	pgt_reduce__stats(red, &refs_in, &refs_out);
	if (!quiet)
		fprintf(stderr, "%s: %llu page references in, %llu out: reduced %.2fx\n", cli_cmd,
			(unsigned long long)refs_in, (unsigned long long)refs_out,
			refs_out ? (double)refs_in / (double)refs_out : 0.0);
	for (size_t i = 0; i < nsizes; i++) {
		uint64_t a = pgt_lru_sim__misses(sim_in, i), b = pgt_lru_sim__misses(sim_out, i);
		int must = lru && sizes[i] >= lru;

		if (a == UINT64_MAX || b == UINT64_MAX) {	/* a set could not grow */
			cli_error("out of memory in the LRU check of %u pages", sizes[i]);
			oom = 1;
			continue;
		}
		fprintf(stderr, "%s: LRU %u pages: %llu misses in, %llu out%s\n", cli_cmd, sizes[i],
			(unsigned long long)a, (unsigned long long)b,
			a == b ? " (equal)" : must ? " (DIFFERENT)" : "");
		if (must && a != b)
			rc = EXIT_RUNTIME;
	}
	if (rc)
		cli_error("the reduced trace does not keep LRU behaviour at every size >= %llu",
			  (unsigned long long)lru);
	if (oom)
		rc = EXIT_RUNTIME;
out:
	/* the reduce source owns the tap, which owns nothing */
	pgt_source__free(red);
	pgt_source__free(tap);
	pgt_sink__free(sinks[0]);
	pgt_sink__free(sinks[1]);
	pgt_sink__free(sim_in_sink);
	pgt_reader__free(r);
	pgt_lru_sim__free(sim_in);
	pgt_lru_sim__free(sim_out);
	free(sizes);
	return rc;
}
