// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace: main and the table of subcommands. */
#include <stdlib.h>
#include <string.h>

#include "builtin.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "info", cmd_info, "summarise a trace: host, clock, span, events per type, sizes" },
	{ "dump", cmd_dump, "print events one per line as text, CSV or JSON lines" },
	{ "gen", cmd_gen, "generate a synthetic trace of a chosen access pattern" },
	{ "record", cmd_record, "record live page events with processes and file names" },
	{ "snap", cmd_snap, "snapshot page state by frame, file, filesystem or task" },
	{ "cut", cmd_cut, "keep a time or event-number range of a trace" },
	{ "filter", cmd_filter, "keep the events that match an expression" },
	{ "split", cmd_split, "split a trace into one trace per process, file, user, ..." },
	{ "merge", cmd_merge, "merge traces into one, ordered by time" },
	{ "diff", cmd_diff, "compare two traces per file and process: references, misses, MRC" },
	{ "reduce", cmd_reduce, "reduce a page reference trace (FIFO window, exact LRU)" },
	{ "import", cmd_import, "convert lackey, CSV, oracleGeneral or perf/trace-cmd text into a trace" },
	{ "export", cmd_export, "write a trace as CSV, JSON lines or libCacheSim oracleGeneral" },
	{ "stats", cmd_stats, "stack distances, miss-ratio curves, reuse, IRF, working sets, popularity" },
	{ "cache", cmd_cache, "simulate cache policies: miss ratios by size, smallest cache for a hit ratio" },
	{ "phase", cmd_phase, "classify access patterns per object and window, and find phases" },
	{ "plot", cmd_plot, "draw a chart of a trace as PNG or SVG (heatmap, MRC, IRF, ...)" },
	{ "report", cmd_report, "write a self-contained HTML report of a trace" },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace [--version] [--help] COMMAND [ARGS]\n"
		"\n"
		"Show what happens to memory one page at a time.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\n"
		"Examples:\n"
		"  pgtrace gen --pattern zipf --events 10M -o zipf.pgt\n"
		"  pgtrace info zipf.pgt\n"
		"  pgtrace gen --pattern mix -o - | pgtrace dump --format csv - | head\n"
		"\n"
		"'pgtrace COMMAND --help' describes a command; man pgtrace-COMMAND has more.\n");
}

int main(int argc, char **argv)
{
	char name[64];

	cli_init_diag();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			char *args[] = { argv[2], (char *)"--help", NULL };

			for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
				if (!strcmp(commands[i].name, argv[2])) {
					snprintf(name, sizeof(name), "pgtrace %s", argv[2]);
					cli_cmd = name;
					return commands[i].fn(2, args);
				}
		}
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("pgtrace %s (trace format %d.%d)\n", PGT_VERSION_STRING, PGT_FORMAT_MAJOR,
		       PGT_FORMAT_MINOR);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(commands[i].name, argv[1])) {
			snprintf(name, sizeof(name), "pgtrace %s", argv[1]);
			cli_cmd = name;
			argv[1] = name;	/* getopt names the command in its messages */
			return commands[i].fn(argc - 1, argv + 1);
		}
	}
	if (argv[1][0] == '-')
		fprintf(stderr, "pgtrace: unknown option '%s'\n", argv[1]);
	else
		fprintf(stderr, "pgtrace: '%s' is not a pgtrace command\n", argv[1]);
	fprintf(stderr, "Try 'pgtrace --help'.\n");
	return EXIT_USAGE;
}
