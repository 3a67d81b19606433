// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace dump: one line per event. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "pgtrace/fields.h"
#include "pgtrace/rows.h"
#include "pgtrace/sink.h"

static void dump_usage(FILE *f)
{
	char cols[256], but[128], text[512];

	fprintf(f,
		"Usage: pgtrace dump [OPTIONS] TRACE|-\n"
		"\n"
		"Print the events of a trace, one per line, with the side tables resolved\n"
		"(file paths, process names).\n"
		"\n"
		"Options:\n"
		"  -F, --format FMT     text (default), csv or jsonl\n"
		"  -f, --fields LIST    comma-separated fields, in order, from:\n");
	/* the columns of the field table, and what "all" leaves out */
	snprintf(text, sizeof(text), "%s  (all: every one but %s)",
		 cli_field_names(PGT_FU_COLUMN, 0, cols, sizeof(cols)),
		 cli_field_names(PGT_FU_COLUMN, PGT_FU_ALL, but, sizeof(but)));
	cli_help_wrap(f, 23, text);
	fprintf(f,
		"  -e, --events A..B    event numbers A (included) to B (excluded); -N counts\n"
		"                       from the end; either end may be left open\n"
		"  -t, --time A..B      times from the first event (2s..5s, 1.5s.., -100ms..);\n"
		"                       @T is an absolute clock value\n"
		"      --no-header      csv: no header line\n"
		"  -h, --help           show this help\n"
		"\n"
		"Examples:\n"
		"  pgtrace dump run.pgt | less\n"
		"  pgtrace dump --format csv --fields ts,pid,path,index run.pgt > run.csv\n"
		"  pgtrace dump --events -20.. --format jsonl run.pgt\n"
		"\n"
		"Exit status: 0 on success, 1 when the trace is damaged or truncated (the\n"
		"events before the damage are printed), 2 on usage errors.\n");
}

int cmd_dump(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "fields", required_argument, NULL, 'f' },
		{ "events", required_argument, NULL, 'e' },
		{ "time", required_argument, NULL, 't' },
		{ "no-header", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pgt_rows_opts ro = { .sz = sizeof(ro), .format = PGT_ROWS_TEXT };
	unsigned cols[PGT_ROWS_MAX_COLUMNS];
	struct pgt_range ev_range, t_range;
	int have_ev = 0, have_t = 0, c, rc = 0, ordered = 0;
	uint64_t seq_lo = 0, seq_hi = UINT64_MAX, t_lo = 0, t_hi = UINT64_MAX;
	const char *fields = NULL, *path;
	struct pgt_drain_result res;
	struct pgt_reader *r;
	struct pgt_source *src;
	struct pgt_sink *rs;
	int err, werr, failed = 0;

	while ((c = getopt_long(argc, argv, "F:f:e:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if (!strcmp(optarg, "text"))
				ro.format = PGT_ROWS_TEXT;
			else if (!strcmp(optarg, "csv"))
				ro.format = PGT_ROWS_CSV;
			else if (!strcmp(optarg, "jsonl") || !strcmp(optarg, "json"))
				ro.format = PGT_ROWS_JSONL;
			else
				cli_usage_error("unknown format '%s': expected text, csv or jsonl", optarg);
			break;
		case 'f': fields = optarg; break;
		case 'e': cli_range("--events", optarg, 0, &ev_range); have_ev = 1; break;
		case 't': cli_range("--time", optarg, 1, &t_range); have_t = 1; break;
		case 'H': ro.no_header = 1; break;
		case 'h': dump_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (optind + 1 != argc)
		cli_usage_error(optind == argc ? "no trace given (a path, or - for standard input)"
					       : "one trace at a time, got '%s' too", argv[optind + 1]);
	path = argv[optind];
	if (fields) {	/* else the format's default columns */
		ro.ncolumns = cli_columns_arg(fields, cols);
		ro.columns = cols;
	}

	r = cli_open_reader(path, NULL);
	if (!r)
		return EXIT_RUNTIME;
	src = pgt_reader__source(r);

	if (have_ev || have_t) {
		uint64_t events = UINT64_MAX, packets, first_ts = UINT64_MAX, last_ts = 0;

		pgt_reader__index_summary(r, &events, &packets, &first_ts, &last_ts);
		if (have_ev) {
			err = pgt_range__resolve(&ev_range, 0, events, &seq_lo, &seq_hi);
			if (err == -ENXIO) {
				cli_error("'%s' has no index, so --events cannot count from the end",
					  strcmp(path, "-") ? path : "standard input");
				rc = EXIT_RUNTIME;
				goto out;
			}
			if (err) {
				pgt_reader__free(r);	/* cli_usage_error() exits */
				cli_usage_error("invalid --events: end before start");
			}
			if (seq_lo && pgt_reader__has_index(r)) {
				err = pgt_reader__seek_seq(r, seq_lo);
				if (err == -PGT_ERANGE)
					seq_lo = seq_hi = 0;	/* nothing to print */
				else if (err) {
					rc = cli_read_failed(path, err);
					goto out;
				}
			}
		}
		if (have_t) {
			if (first_ts == UINT64_MAX) {
				/* No index: the first event gives the start. */
				struct pgt_event ev = { 0 };
				int got = pgt_source__next(src, &ev);

				if (got < 0) {
					rc = cli_read_failed(path, got);
					goto out;
				}
				first_ts = got ? ev.ts : 0;
				if (got)
					src->cur_i--;	/* hand it back */
			}
			/* UINT64_MAX is "no end known": a trace whose clock
			 * reaches it ends one short (as pgt_cut does) */
			err = pgt_range__resolve(&t_range, first_ts,
						 !last_ts ? UINT64_MAX : last_ts < UINT64_MAX - 1 ? last_ts + 1 :
						 UINT64_MAX - 1, &t_lo, &t_hi);
			if (err == -ENXIO) {
				cli_error("'%s' has no index, so --time cannot count from the end",
					  strcmp(path, "-") ? path : "standard input");
				rc = EXIT_RUNTIME;
				goto out;
			}
			if (err) {
				pgt_reader__free(r);	/* cli_usage_error() exits */
				cli_usage_error("invalid --time: end before start");
			}
			/* packets out of time order (an old import): no seek, no early stop */
			ordered = pgt_reader__has_index(r) && pgt_reader__time_ordered(r);
			if (!have_ev && ordered && t_lo > first_ts) {
				err = pgt_reader__seek_time(r, t_lo);
				if (err == -PGT_ERANGE)
					t_lo = t_hi = 0;
				else if (err) {
					rc = cli_read_failed(path, err);
					goto out;
				}
			}
		}
	}

	ro.seq_lo = seq_lo;
	ro.seq_hi = seq_hi == UINT64_MAX ? 0 : seq_hi;
	ro.t_lo = t_lo;
	ro.t_hi = t_hi == UINT64_MAX ? 0 : t_hi;
	ro.time_ordered = ordered;
	rs = pgt_rows__sink(STDOUT_FILENO, &ro, &err);
	if (!rs) {
		cli_error("out of memory");
		rc = EXIT_RUNTIME;
		goto out;
	}
	/* an empty range: only the csv header */
	if (seq_lo < seq_hi && t_lo < t_hi)
		failed = pgt_drain(src, &rs, 1, NULL, &res) && res.side == PGT_DRAIN_SOURCE;
	/* the write error, if any; after the source's failure, the rows
	 * read before it are written before it is named */
	werr = pgt_sink__finish(rs, pgt_reader__meta(r), NULL);
	if (failed)
		rc = cli_read_failed(path, res.err);
	pgt_sink__free(rs);
	if (cli_out_error(NULL, werr))
		rc = EXIT_RUNTIME;
out:
	pgt_reader__free(r);
	return rc;
}
