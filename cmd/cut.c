// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace cut: a time or event-number range of a trace. */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "pgtrace/ops.h"

static void cut_usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace cut (--time A..B | --events A..B) [-o OUT|-] TRACE|-\n"
		"\n"
		"Keep the events of a range, with the side tables they need.  With the\n"
		"trace's index the start is found by binary search and whole packets are\n"
		"copied without decoding; only the two edge packets are re-encoded.\n"
		"\n"
		"Options:\n"
		"  -t, --time A..B     times from the first event (2s..5s); -D counts back\n"
		"                      from the last event; @T is an absolute clock value\n"
		"  -e, --events A..B   event numbers A (included) to B (excluded); -N from\n"
		"                      the end; either end may be left open\n"
		"  -o, --output OUT    where to write (default: standard output, not a\n"
		"                      terminal)\n"
		"  -f, --force         overwrite OUT\n"
		"  -v, --verbose       say how many packets were copied and re-encoded\n"
		"  -h, --help          show this help\n"
		"\n"
		"Examples:\n"
		"  pgtrace cut --time 10s..11s -o second.pgt big.pgt\n"
		"  pgtrace cut --events -1000000.. big.pgt | pgtrace info -\n"
		"  pgtrace cut --time @5400.5s.. -o tail.pgt run.pgt\n");
}

int cmd_cut(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "time", required_argument, NULL, 't' },
		{ "events", required_argument, NULL, 'e' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pgt_cut_opts co = { .sz = sizeof(co) };
	struct pgt_cut_stats st;
	struct pgt_reader *r;
	struct pgt_writer *w;
	const char *output = "-", *path;
	int have = 0, force = 0, verbose = 0, c, err;

	while ((c = getopt_long(argc, argv, "t:e:o:fvh", longopts, NULL)) != -1) {
		switch (c) {
		case 't': cli_range("--time", optarg, 1, &co.range); co.by_time = 1; have++; break;
		case 'e': cli_range("--events", optarg, 0, &co.range); co.by_time = 0; have++; break;
		case 'o': output = optarg; break;
		case 'f': force = 1; break;
		case 'v': verbose = 1; break;
		case 'h': cut_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (have != 1)
		cli_usage_error(have ? "give --time or --events, not both" : "no range: give --time A..B or --events A..B");
	path = cli_trace_arg(argc, argv, optind);
	cli_refuse_same(path, output);
	r = cli_open_reader(path, NULL);
	if (!r)
		return EXIT_RUNTIME;
	w = cli_open_writer(output, force, pgt_reader__header(r));
	if (!w) {
		pgt_reader__free(r);
		return EXIT_RUNTIME;
	}
	err = pgt_cut(r, w, &co, &st);
	if (err == -ENXIO) {
		pgt_writer__abort(w);
		pgt_reader__free(r);
		if (strcmp(output, "-"))
			unlink(output);
		cli_error("'%s' has no index, so the range cannot count from the end",
			  strcmp(path, "-") ? path : "standard input");
		return EXIT_RUNTIME;
	}
	if (err == -ERANGE) {
		pgt_writer__abort(w);
		pgt_reader__free(r);
		if (strcmp(output, "-"))
			unlink(output);
		cli_usage_error("invalid range: end before start");
	}
	if (err) {
		/* keep what was cut so far: finish the output properly (a
		 * second error there adds nothing to the first) */
		int rc = st.write_failed ? cli_write_failed(output, err) : cli_read_failed(path, err);

		pgt_writer__close(w);
		pgt_reader__free(r);
		return rc ? rc : EXIT_RUNTIME;
	}
	err = pgt_writer__close(w);
	pgt_reader__free(r);
	if (err)
		return cli_write_failed(output, err);
	if (verbose)
		fprintf(stderr, "%s: %llu events; %llu packets copied whole, %llu re-encoded\n", cli_cmd,
			(unsigned long long)st.events, (unsigned long long)st.packets_copied,
			(unsigned long long)st.packets_decoded);
	return 0;
}
