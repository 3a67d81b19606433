// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace import: foreign traces (lackey, CSV, oracleGeneral, perf/trace-cmd text). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "pgtrace/ops.h"

static void import_usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace import [OPTIONS] [INPUT|-]\n"
		"\n"
		"Turn a trace written by another tool into a pgtrace trace:\n"
		"  lackey          Valgrind --tool=lackey --trace-mem=yes output\n"
		"  csv             CSV with a header naming the columns of 'pgtrace dump\n"
		"                  --format csv' (any subset, any order)\n"
		"  oracle-general  libCacheSim's oracleGeneral binary records\n"
		"  perf-script     'perf script' text of the filemap tracepoints\n"
		"  trace-cmd       'trace-cmd report' text of the filemap tracepoints\n"
		"The input is read once, so it may be a pipe.\n"
		"\n"
		"Options:\n"
		"  -F, --format FMT     one of the above (default: told from the first bytes)\n"
		"  -o, --output TRACE   where to write (default: standard output, not a\n"
		"                       terminal)\n"
		"      --skip-bad       count and skip malformed lines instead of stopping\n"
		"                       at the first one\n"
		"      --instructions   lackey: instruction fetches (I lines) become\n"
		"                       references too (default: skipped)\n"
		"      --page-size N    bytes per page for addresses and file offsets\n"
		"                       (default 4096)\n"
		"  -f, --force          overwrite an existing output file\n"
		"  -h, --help           show this help\n"
		"\n"
		"Examples:\n"
		"  valgrind --tool=lackey --trace-mem=yes --log-file=ls.lackey ls\n"
		"  pgtrace import -o ls.pgt ls.lackey\n"
		"  perf record -e 'filemap:*' -- cat big.dat && perf script | pgtrace import -o cat.pgt\n"
		"  pgtrace import --format csv -o edited.pgt edited.csv\n"
		"  pgtrace import --format oracle-general w01.oracleGeneral | pgtrace stats -\n"
		"\n"
		"Exit status: 0 on success, 1 when the input cannot be read or is malformed\n"
		"(the output then holds, complete, the events before the bad line), 2 on\n"
		"usage errors.\n");
}

enum { OPT_SKIP_BAD = 256, OPT_INSTR, OPT_PAGE_SIZE };

/* The writer, ending the packet where the import says a name changes
 * (names are resolved per packet). */
struct import_sink {
	struct pgt_sink base;
	struct pgt_sink *ws;
	struct pgt_writer *w;
	struct pgt_source *src;
	uint64_t breaks;
};

static int import_feed(struct pgt_sink *s, const struct pgt_event *evs, size_t n,
		       const struct pgt_meta *meta, const struct pgt_header *h)
{
	struct import_sink *is = (struct import_sink *)s;
	struct pgt_import_stats st;
	int err = pgt_sink__feed(is->ws, evs, n, meta, h);

	if (err)
		return err;
	pgt_import__stats(is->src, &st);
	if (st.breaks != is->breaks) {
		/* a name changes after these events: end the packet */
		is->breaks = st.breaks;
		err = pgt_writer__flush(is->w);
	}
	return err;
}

static int import_finish(struct pgt_sink *s, const struct pgt_meta *meta, const struct pgt_header *h)
{
	return pgt_sink__finish(((struct import_sink *)s)->ws, meta, h);
}

static void import_sink_free(struct pgt_sink *s)
{
	(void)s;		/* on the caller's stack */
}

static const struct pgt_sink_ops import_sink_ops = {
	.name = "writer", .feed = import_feed, .finish = import_finish, .free = import_sink_free,
};

int cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ "skip-bad", no_argument, NULL, OPT_SKIP_BAD },
		{ "instructions", no_argument, NULL, OPT_INSTR },
		{ "page-size", required_argument, NULL, OPT_PAGE_SIZE },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pgt_import_opts io = { .sz = sizeof(io) };
	struct pgt_import_stats st;
	const char *output = "-", *input, *shown;
	enum pgt_import_format fmt = PGT_IMPORT_AUTO;
	struct pgt_source *src;
	struct pgt_writer *w;
	struct import_sink is = { .base.ops = &import_sink_ops };
	struct pgt_sink *sink = &is.base;
	struct pgt_drain_result res;
	int force = 0, c, fd, err = 0, werr = 0;
	uint64_t v;

	while ((c = getopt_long(argc, argv, "F:o:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'F': {
			int f = pgt_import_format_parse(optarg);

			if (f < 0)
				cli_usage_error("unknown format '%s': expected lackey, csv, oracle-general, "
						"perf-script or trace-cmd", optarg);
			fmt = (enum pgt_import_format)f;
			break;
		}
		case 'o': output = optarg; break;
		case OPT_SKIP_BAD: io.skip_bad = 1; break;
		case OPT_INSTR: io.instructions = 1; break;
		case OPT_PAGE_SIZE:
			if (pgt_parse_size(optarg, &v) || v < 512 || v > (1u << 30) || (v & (v - 1)))
				cli_usage_error("invalid --page-size '%s': expected a power of two from 512 to 1G",
						optarg);
			io.page_size = (uint32_t)v;
			break;
		case 'f': force = 1; break;
		case 'h': import_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (optind + 1 < argc)
		cli_usage_error("one input at a time, got '%s' too", argv[optind + 1]);
	if (optind == argc && isatty(STDIN_FILENO))
		cli_usage_error("no input given (a path, or - for standard input)");
	input = optind < argc ? argv[optind] : "-";
	shown = strcmp(input, "-") ? input : "standard input";
	cli_refuse_same(input, output);
	if (!strcmp(output, "-") && isatty(STDOUT_FILENO))
		cli_usage_error("will not write a binary trace to a terminal: use -o FILE or a pipe");

	fd = strcmp(input, "-") ? open(input, O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
	if (fd < 0) {
		cli_error("cannot read '%s': %s", shown, strerror(errno));
		return EXIT_RUNTIME;
	}
	io.name = input;
	cli_clear_diag();
	src = pgt_import__new(fd, fmt, &io, &err);
	if (!src) {
		if (err == -PGT_EPARSE)
			cli_error("'%s': %s: use --format lackey, csv, oracle-general, perf-script or trace-cmd",
				  shown, *cli_last_diag() ? cli_last_diag() : "unknown format");
		else
			cli_error("cannot read '%s': %s", shown, pgt_strerror(err));
		return EXIT_RUNTIME;
	}
	w = cli_open_writer(output, force, &src->header);
	if (!w) {
		pgt_source__free(src);
		return EXIT_RUNTIME;
	}
	is.ws = pgt_writer__sink(w);
	is.w = w;
	is.src = src;
	if (!is.ws) {
		werr = -ENOMEM;
	} else if (pgt_drain(src, &sink, 1, NULL, &res)) {
		if (res.side == PGT_DRAIN_SOURCE) {
			err = res.err;
			/* the records read before the bad line go with its events */
			werr = pgt_sink__finish(sink, src->meta, &src->header);
		} else {
			werr = res.err;
		}
	}
	pgt_sink__free(is.ws);
	pgt_import__stats(src, &st);
	if (werr) {
		pgt_writer__abort(w);
		pgt_source__free(src);
		return cli_write_failed(output, werr);
	}
	/* the events before a bad line make a complete trace */
	werr = pgt_writer__close(w);
	if (err) {
		const char *d = cli_last_diag();

		if (err == -PGT_EPARSE && *d)
			cli_error("'%s': %s", shown, d);
		else
			cli_error("cannot read '%s': %s", shown, pgt_strerror(err));
		pgt_source__free(src);
		return EXIT_RUNTIME;
	}
	pgt_source__free(src);
	if (werr)
		return cli_write_failed(output, werr);
	if (st.skipped_bad)
		cli_warn("'%s': skipped %llu malformed line%s; the first, %s", shown,
			 (unsigned long long)st.skipped_bad, st.skipped_bad == 1 ? "" : "s", st.first_bad.msg);
	if (!st.events && st.lines)
		cli_warn("'%s': no page events in %llu %s of %s", shown, (unsigned long long)st.lines,
			 st.format == PGT_IMPORT_ORACLE_GENERAL ? "records" : "lines",
			 pgt_import_format_name((unsigned)st.format));
	return 0;
}
