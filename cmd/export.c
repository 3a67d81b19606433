// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace export: a trace as CSV, JSON lines or libCacheSim oracleGeneral. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "pgtrace/fields.h"
#include "pgtrace/rows.h"
#include "pgtrace/sink.h"
#include "pgtrace/analysis.h"
#include "pgtrace/ops.h"

enum { EXP_CSV, EXP_JSONL, EXP_ORACLE };

static void export_usage(FILE *f)
{
	char def[128], cols[256], text[512];

	fprintf(f,
		"Usage: pgtrace export --format FMT [OPTIONS] TRACE|-\n"
		"\n"
		"Write a trace for other tools: CSV or JSON lines (the rows of 'pgtrace dump')\n"
		"for DuckDB, pandas or Spark, or libCacheSim's oracleGeneral binary records\n"
		"(one per page referenced, with the next use of the page) for cache\n"
		"simulators.\n"
		"\n"
		"Options:\n"
		"  -F, --format FMT     csv, jsonl or oracle-general\n"
		"  -o, --output FILE    where to write (default: standard output)\n"
		"  -f, --fields LIST    csv, jsonl: the columns, as for pgtrace dump (default\n");
	/* the columns of --fields all in the field table */
	snprintf(text, sizeof(text), "all: %s)",
		 cli_field_names(PGT_FU_COLUMN | PGT_FU_ALL, 0, cols, sizeof(cols)));
	cli_help_wrap(f, 23, text);
	fprintf(f,
		"      --no-header      csv: no header line\n"
		"      --refs TYPES     oracle-general: event types that are references,\n"
		"                       comma-separated, 'default' and 'all' allowed\n"
		"                       (default %s)\n"
		"      --ids KIND       oracle-general: obj_id of a page: dense (default;\n"
		"                       1, 2, ... in order of first reference) or packed\n"
		"                       (object << 40 | page)\n"
		"      --force          overwrite an existing output file\n"
		"  -h, --help           show this help\n"
		"\n"
		"Examples:\n"
		"  pgtrace export --format csv -o run.csv run.pgt\n"
		"  duckdb -c \"SELECT path, count(*) FROM 'run.csv' GROUP BY path ORDER BY 2 DESC\"\n"
		"  pgtrace export --format jsonl --fields ts,pid,path,index run.pgt | head\n"
		"  pgtrace export --format oracle-general -o run.oracleGeneral run.pgt\n"
		"  cachesim run.oracleGeneral oracleGeneral lru,s3fifo 0.01,0.1\n"
		"\n"
		"Exit status: 0 on success, 1 when the trace is damaged or truncated (what\n"
		"was read before the damage is written) or the output fails, 2 on usage\n"
		"errors.\n", pgt_refs_names(pgt_refs_default(), def, sizeof(def)));
}

static int export_rows(struct pgt_reader *r, const char *path, int fd, const char *output,
		       const struct pgt_rows_opts *ro)
{
	struct pgt_drain_result res;
	struct pgt_sink *rs;
	int read_failed, rc, err;

	rs = pgt_rows__sink(fd, ro, &err);
	if (!rs) {
		cli_error("out of memory");
		return EXIT_RUNTIME;
	}
	read_failed = pgt_drain(pgt_reader__source(r), &rs, 1, NULL, &res) &&
		      res.side == PGT_DRAIN_SOURCE;
	/* the write error, if any; after the source's failure, the rows
	 * read before it are written before it is named */
	err = pgt_sink__finish(rs, pgt_reader__meta(r), NULL);
	pgt_sink__free(rs);
	rc = read_failed ? cli_read_failed(path, res.err) : 0;
	return cli_out_error(strcmp(output, "-") ? output : NULL, err) ? EXIT_RUNTIME : rc;
}

static int export_oracle(struct pgt_reader *r, const char *path, int fd, const char *output,
			 const struct pgt_oracle_opts *oo)
{
	struct pgt_oracle_stats st;
	int err;

	cli_clear_diag();
	err = pgt_oracle__export(pgt_reader__source(r), fd, oo, &st);
	if (!err)
		return 0;
	if (err == -ERANGE) {
		cli_error("%s: use --ids dense", cli_last_diag());
		return EXIT_RUNTIME;
	}
	if (err <= -PGT_EFIRST || err == -EIO)
		return cli_read_failed(path, err);
	if (err == -ENOMEM) {
		cli_error("out of memory after %llu distinct pages", (unsigned long long)st.pages);
		return EXIT_RUNTIME;
	}
	if (*cli_last_diag()) {
		cli_error("%s", cli_last_diag());
		return EXIT_RUNTIME;
	}
	return cli_output_failed(output, err);
}

int cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ "fields", required_argument, NULL, 'f' },
		{ "no-header", no_argument, NULL, 'H' },
		{ "refs", required_argument, NULL, 'r' },
		{ "ids", required_argument, NULL, 'i' },
		{ "force", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pgt_oracle_opts oo = { .sz = sizeof(oo) };
	struct pgt_rows_opts ro = { .sz = sizeof(ro) };
	unsigned cols[PGT_ROWS_MAX_COLUMNS];
	const char *output = "-", *fields = NULL, *path;
	int fmt = -1, force = 0, c, fd, rc;
	int oracle_only = 0, rows_only = 0;
	struct pgt_reader *r;

	while ((c = getopt_long(argc, argv, "F:o:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if (!strcmp(optarg, "csv"))
				fmt = EXP_CSV;
			else if (!strcmp(optarg, "jsonl") || !strcmp(optarg, "json"))
				fmt = EXP_JSONL;
			else if (!strcmp(optarg, "oracle-general") || !strcmp(optarg, "oracleGeneral"))
				fmt = EXP_ORACLE;
			else
				cli_usage_error("unknown format '%s': expected csv, jsonl or oracle-general", optarg);
			break;
		case 'o': output = optarg; break;
		case 'f': fields = optarg; rows_only = 1; break;
		case 'H': ro.no_header = 1; rows_only = 1; break;
		case 'r': oo.types = cli_refs_arg(optarg); oracle_only = 1; break;
		case 'i':
			if (!strcmp(optarg, "dense"))
				oo.packed_ids = 0;
			else if (!strcmp(optarg, "packed"))
				oo.packed_ids = 1;
			else
				cli_usage_error("unknown --ids '%s': expected dense or packed", optarg);
			oracle_only = 1;
			break;
		case 'x': force = 1; break;
		case 'h': export_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (fmt < 0)
		cli_usage_error("no format given: use --format csv, jsonl or oracle-general");
	if (fmt == EXP_ORACLE && rows_only)
		cli_usage_error("--fields and --no-header are for csv and jsonl");
	if (fmt != EXP_ORACLE && oracle_only)
		cli_usage_error("--refs and --ids are for oracle-general");
	if (optind + 1 < argc)
		cli_usage_error("one trace at a time, got '%s' too", argv[optind + 1]);
	if (optind == argc && isatty(STDIN_FILENO))
		cli_usage_error("no trace given (a path, or - for standard input)");
	path = optind < argc ? argv[optind] : "-";
	if (fmt == EXP_ORACLE && !strcmp(output, "-") && isatty(STDOUT_FILENO))
		cli_usage_error("will not write binary records to a terminal: use -o FILE or a pipe");
	if (fields) {	/* usage errors first; else every column */
		ro.ncolumns = cli_columns_arg(fields, cols);
		ro.columns = cols;
	}
	ro.format = fmt == EXP_CSV ? PGT_ROWS_CSV : PGT_ROWS_JSONL;

	cli_refuse_same(path, output);

	r = cli_open_reader(path, NULL);
	if (!r)
		return EXIT_RUNTIME;
	/* oracle-general fixes its records in place: it reads them back.
	 * A file is written under a temporary name and renamed when whole. */
	fd = cli_out_open(output, force, fmt == EXP_ORACLE ? O_RDWR : O_WRONLY);
	if (fd < 0) {
		pgt_reader__free(r);
		return EXIT_RUNTIME;
	}
	if (fmt == EXP_ORACLE)
		rc = export_oracle(r, path, fd, output, &oo);
	else
		rc = export_rows(r, path, fd, output, &ro);
	pgt_reader__free(r);
	if (close(fd) && !rc)
		rc = cli_output_failed(output, -errno);
	/* after a write error the temporary is gone already; a damaged
	 * input gives a whole file of the events before the damage */
	if (cli_out_commit(output, force))
		rc = EXIT_RUNTIME;
	return rc;
}
