// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace merge: several traces in one, ordered by time. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "pgtrace/ops.h"

static void merge_usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace merge [OPTIONS] TRACE...\n"
		"\n"
		"Merge traces into one, ordered by time.  The same file in two inputs is one\n"
		"object: on one host, the same device, inode and path (an unknown path agrees\n"
		"with any); across hosts, the same path.  Other objects get ids of their own.\n"
		"The same process of one host (pid, and its start or comm) is one process;\n"
		"the processes of different hosts, and a pid reused by another process, are\n"
		"kept apart by moving their pids (host N: pid + N * 4194304).  Each input's\n"
		"host information is kept under merge.input.N.\n"
		"\n"
		"Options:\n"
		"  -o, --output OUT     where to write (default: standard output, not a\n"
		"                       terminal)\n"
		"      --pids MODE      host (default): one pid space per host name;\n"
		"                       input: one per input; keep: pids as they are\n"
		"      --time MODE      auto (default): raw when the inputs share host and\n"
		"                       clock, else wall; raw: each trace's own clock;\n"
		"                       wall: clock plus wall-clock offset (realtime)\n"
		"  -f, --force          overwrite OUT\n"
		"  -v, --verbose        events, inputs and the choices made, on stderr\n"
		"  -h, --help           show this help\n"
		"\n"
		"Examples:\n"
		"  pgtrace merge -o all.pgt web1.pgt web2.pgt db.pgt\n"
		"  pgtrace merge --pids input -o both.pgt monday.pgt tuesday.pgt\n"
		"  pgtrace gen -p zipf -o - | pgtrace merge -o mixed.pgt - loop.pgt\n");
}

#define MAX_PREFETCH 8

enum { OPT_PIDS = 256, OPT_TIME };

int cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "pids", required_argument, NULL, OPT_PIDS },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "force", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pgt_merge_opts mo = { .sz = sizeof(mo), .pids = PGT_MERGE_PIDS_HOST,
				     .time = PGT_MERGE_TIME_AUTO };
	struct pgt_source **in = NULL, *src = NULL;
	struct pgt_writer *w = NULL;
	struct pgt_sink *ws;
	struct pgt_drain_result res;
	const char *output = "-";
	int force = 0, verbose = 0, stdin_used = 0, c, err, rc = 0;
	uint32_t n = 0;
	uint64_t count = 0;

	while ((c = getopt_long(argc, argv, "o:fvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case OPT_PIDS:
			if (!strcmp(optarg, "host"))
				mo.pids = PGT_MERGE_PIDS_HOST;
			else if (!strcmp(optarg, "input"))
				mo.pids = PGT_MERGE_PIDS_INPUT;
			else if (!strcmp(optarg, "keep"))
				mo.pids = PGT_MERGE_PIDS_KEEP;
			else
				cli_usage_error("unknown --pids '%s': expected host, input or keep", optarg);
			break;
		case OPT_TIME:
			if (!strcmp(optarg, "auto"))
				mo.time = PGT_MERGE_TIME_AUTO;
			else if (!strcmp(optarg, "raw"))
				mo.time = PGT_MERGE_TIME_RAW;
			else if (!strcmp(optarg, "wall"))
				mo.time = PGT_MERGE_TIME_WALL;
			else
				cli_usage_error("unknown --time '%s': expected auto, raw or wall", optarg);
			break;
		case 'f': force = 1; break;
		case 'v': verbose = 1; break;
		case 'h': merge_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (optind == argc)
		cli_usage_error("no traces given");
	if ((uint64_t)(argc - optind) > 65536)
		cli_usage_error("too many traces: %d (at most 65536)", argc - optind);
	for (int i = optind; i < argc; i++) {
		if (!strcmp(argv[i], "-") && stdin_used++)
			cli_usage_error("standard input given twice");
		cli_refuse_same(argv[i], output);
	}
	n = (uint32_t)(argc - optind);
	in = calloc(n, sizeof(*in));
	if (!in) {
		cli_error("out of memory");
		return EXIT_RUNTIME;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct pgt_reader *r = cli_open_reader(argv[optind + i], NULL);

		if (!r) {
			rc = EXIT_RUNTIME;
			goto out;
		}
		in[i] = pgt_reader__source(r);
	}
	/* A few inputs each decode in a thread of their own; hundreds of
	 * threads would only cost memory. */
	if (n <= MAX_PREFETCH) {
		for (uint32_t i = 0; i < n; i++) {
			in[i] = pgt_prefetch__new(in[i], &err);
			if (!in[i]) {
				cli_error("cannot merge: %s", pgt_strerror(err));
				rc = EXIT_RUNTIME;
				goto out;
			}
		}
	}
	mo.names = (const char *const *)(argv + optind);
	cli_clear_diag();
	src = pgt_merge__new(in, n, &mo, &err);	/* takes the inputs */
	memset(in, 0, sizeof(*in) * n);
	if (!src) {
		const char *d = cli_last_diag();

		cli_error("cannot merge: %s", *d ? d : pgt_strerror(err));
		rc = EXIT_RUNTIME;
		goto out;
	}
	w = cli_open_writer(output, force, &src->header);
	if (!w) {
		rc = EXIT_RUNTIME;
		goto out;
	}
	ws = pgt_writer__sink(w);
	err = ws ? pgt_drain(src, &ws, 1, NULL, &res) : -ENOMEM;
	count = ws ? res.events : 0;
	pgt_sink__free(ws);
	if (err) {
		int failed = ws && res.side == PGT_DRAIN_SOURCE ? pgt_merge__failed_input(src) : -1;

		/* what was merged stays readable: finish the output */
		pgt_writer__close(w);
		w = NULL;
		rc = failed >= 0 ? cli_read_failed(argv[optind + failed], err) : cli_write_failed(output, err);
		if (!rc)
			rc = EXIT_RUNTIME;	/* EPIPE on the output: quiet, but not a success */
		goto out;
	}
	err = pgt_writer__close(w);
	w = NULL;
	if (err) {
		rc = cli_write_failed(output, err);
		goto out;
	}
	if (verbose)
		fprintf(stderr, "%s: %llu events from %u traces, ordered by %s time\n", cli_cmd,
			(unsigned long long)count, n,
			pgt_merge__time_mode(src) == PGT_MERGE_TIME_WALL ? "wall-clock" : "their own");
out:
	pgt_writer__abort(w);
	for (uint32_t i = 0; i < n; i++)
		pgt_source__free(in[i]);
	free(in);
	pgt_source__free(src);
	return rc;
}
