// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace gen: synthetic traces. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"

static void gen_usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace gen [OPTIONS] -o TRACE|-\n"
		"\n"
		"Write a synthetic trace of page references with a known access pattern.\n"
		"Deterministic for a given --seed; streams in constant memory.\n"
		"\n"
		"Options:\n"
		"  -o, --output TRACE     where to write (- for standard output)\n"
		"  -p, --pattern NAME     sequential, reverse, strided, loop, uniform, zipf,\n"
		"                         hot-cold or mix (default: sequential)\n"
		"  -n, --events N         number of events (default 1000000; 10M, 1G work)\n"
		"      --pages N          pages per file (default 65536)\n"
		"      --seed N           random seed (default 1)\n"
		"      --stride N         strided: pages between references (default 8)\n"
		"      --period N         loop: pages in the loop (default pages/4)\n"
		"      --alpha A          zipf: exponent (default 0.99)\n"
		"      --hot-frac F       hot-cold: fraction of hot pages (default 0.1)\n"
		"      --hot-share F      hot-cold: share of references to them (default 0.9)\n"
		"      --npages N         pages per event (default 1)\n"
		"      --files N          mix: files (default 4)\n"
		"      --pids N           mix: processes (default 3)\n"
		"      --phase-events N   mix: events per phase (default events/8)\n"
		"      --interval DUR     mean time between events (default 1us)\n"
		"      --type TYPE        event type (default lookup)\n"
		"      --rename-every N   every N events, rename each file and exec each\n"
		"                         process under a new comm (default: never)\n"
		"      --packet-events N  events per packet (default 32768)\n"
		"      --zstd-level N     compression level (default 1)\n"
		"  -f, --force            overwrite an existing output file\n"
		"  -h, --help             show this help\n"
		"\n"
		"Examples:\n"
		"  pgtrace gen --pattern zipf --alpha 0.9 --pages 10M --events 100M -o zipf.pgt\n"
		"  pgtrace gen --pattern mix --events 1M -o - | pgtrace info -\n");
}

enum {
	OPT_PAGES = 256, OPT_SEED, OPT_STRIDE, OPT_PERIOD, OPT_ALPHA, OPT_HOTFRAC,
	OPT_HOTSHARE, OPT_NPAGES, OPT_FILES, OPT_PIDS, OPT_PHASE, OPT_INTERVAL, OPT_TYPE,
	OPT_PKT, OPT_ZLEVEL, OPT_RENAME,
};


int cmd_gen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "pattern", required_argument, NULL, 'p' },
		{ "events", required_argument, NULL, 'n' },
		{ "pages", required_argument, NULL, OPT_PAGES },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "stride", required_argument, NULL, OPT_STRIDE },
		{ "period", required_argument, NULL, OPT_PERIOD },
		{ "alpha", required_argument, NULL, OPT_ALPHA },
		{ "hot-frac", required_argument, NULL, OPT_HOTFRAC },
		{ "hot-share", required_argument, NULL, OPT_HOTSHARE },
		{ "npages", required_argument, NULL, OPT_NPAGES },
		{ "files", required_argument, NULL, OPT_FILES },
		{ "pids", required_argument, NULL, OPT_PIDS },
		{ "phase-events", required_argument, NULL, OPT_PHASE },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "packet-events", required_argument, NULL, OPT_PKT },
		{ "zstd-level", required_argument, NULL, OPT_ZLEVEL },
		{ "rename-every", required_argument, NULL, OPT_RENAME },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pgt_gen_opts go = { .sz = sizeof(go), .pattern = PGT_GEN_SEQUENTIAL, .seed = 1 };
	struct pgt_writer_opts wo = { .sz = sizeof(wo) };
	const char *output = NULL;
	struct pgt_source *src;
	struct pgt_writer *w;
	struct pgt_drain_opts dopts;
	struct pgt_drain_result res;
	struct pgt_sink *ws;
	struct progress prog;
	int c, err = 0;

	while ((c = getopt_long(argc, argv, "o:p:n:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'p':
			go.pattern = pgt_gen_pattern_parse(optarg);
			if (go.pattern < 0)
				cli_usage_error("unknown pattern '%s': expected sequential, reverse, strided, "
						"loop, uniform, zipf, hot-cold or mix", optarg);
			break;
		case 'n':
			go.events = cli_count("--events", optarg);
			if (!go.events)
				cli_usage_error("invalid --events '%s': must be at least 1", optarg);
			break;
		case OPT_PAGES:
			go.pages = cli_count("--pages", optarg);
			if (!go.pages || go.pages > (1ull << 52))
				cli_usage_error("invalid --pages '%s': must be 1 to 2^52", optarg);
			break;
		case OPT_SEED: go.seed = cli_u64("--seed", optarg); break;
		case OPT_STRIDE:
			go.stride = cli_count("--stride", optarg);
			if (!go.stride)
				cli_usage_error("invalid --stride '%s': must be at least 1", optarg);
			break;
		case OPT_PERIOD:
			go.period = cli_count("--period", optarg);
			if (!go.period)
				cli_usage_error("invalid --period '%s': must be at least 1", optarg);
			break;
		case OPT_ALPHA:
			go.alpha = cli_double("--alpha", optarg);
			if (go.alpha <= 0 || go.alpha > 10)
				cli_usage_error("invalid --alpha '%s': must be in (0, 10]", optarg);
			break;
		case OPT_HOTFRAC:
			go.hot_frac = cli_double("--hot-frac", optarg);
			if (go.hot_frac <= 0 || go.hot_frac > 1)
				cli_usage_error("invalid --hot-frac '%s': must be in (0, 1]", optarg);
			break;
		case OPT_HOTSHARE:
			go.hot_share = cli_double("--hot-share", optarg);
			if (go.hot_share <= 0 || go.hot_share > 1)
				cli_usage_error("invalid --hot-share '%s': must be in (0, 1]", optarg);
			break;
		case OPT_NPAGES:
			go.npages = (uint32_t)cli_u64_max("--npages", optarg, 1u << 20);
			if (!go.npages)
				cli_usage_error("invalid --npages '%s': must be at least 1", optarg);
			break;
		case OPT_FILES:
			go.files = (uint32_t)cli_u64_max("--files", optarg, 1u << 20);
			if (!go.files)
				cli_usage_error("invalid --files '%s': must be at least 1", optarg);
			break;
		case OPT_PIDS:
			go.pids = (uint32_t)cli_u64_max("--pids", optarg, 1u << 20);
			if (!go.pids)
				cli_usage_error("invalid --pids '%s': must be at least 1", optarg);
			break;
		case OPT_PHASE:
			go.phase_events = cli_count("--phase-events", optarg);
			if (!go.phase_events)
				cli_usage_error("invalid --phase-events '%s': must be at least 1", optarg);
			break;
		case OPT_INTERVAL:
			go.interval_ns = cli_duration("--interval", optarg);
			if (!go.interval_ns)
				cli_usage_error("invalid --interval '%s': must be at least 1ns", optarg);
			break;
		case OPT_TYPE:
			go.type = pgt_event_type_parse(optarg, strlen(optarg));
			if (go.type < 0)
				cli_usage_error("unknown event type '%s' (see pgtrace-format(5))", optarg);
			break;
		case OPT_PKT:
			wo.packet_events = (uint32_t)cli_u64_max("--packet-events", optarg, 1u << 20);
			if (!wo.packet_events)
				cli_usage_error("invalid --packet-events '%s': must be 1 to 1048576", optarg);
			break;
		case OPT_ZLEVEL:
			wo.zlevel = (int)cli_u64_max("--zstd-level", optarg, 19);
			break;
		case OPT_RENAME:
			go.rename_every = cli_count("--rename-every", optarg);
			if (!go.rename_every)
				cli_usage_error("invalid --rename-every '%s': must be at least 1", optarg);
			break;
		case 'f': wo.force = 1; break;
		case 'h': gen_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!output)
		cli_usage_error("no output given: use -o TRACE, or -o - for standard output");
	if (!strcmp(output, "-") && isatty(STDOUT_FILENO))
		cli_usage_error("will not write a binary trace to a terminal: use -o FILE or a pipe");
	if (go.period > (go.pages ? go.pages : 65536))
		cli_usage_error("invalid --period: %llu is more than the %llu pages of a file (--pages)",
				(unsigned long long)go.period, (unsigned long long)(go.pages ? go.pages : 65536));
	if (go.npages > (go.pages ? go.pages : 65536))
		cli_usage_error("invalid --npages: more than the pages of a file (--pages)");

	src = pgt_gen__new(&go, &err);
	if (!src) {
		cli_error("cannot set up the generator: %s", pgt_strerror(err));
		return EXIT_RUNTIME;
	}
	wo.header = &src->header;
	w = pgt_writer__open(output, &wo, &err);
	if (!w) {
		cli_create_failed(output, err);
		pgt_source__free(src);
		return EXIT_RUNTIME;
	}
	progress_init(&prog, "events", go.events ? go.events : 1000000);
	progress_drain_opts(&prog, &dopts);
	ws = pgt_writer__sink(w);
	/* the generator fails only for memory (the names of --rename-every) */
	err = ws ? pgt_drain(src, &ws, 1, &dopts, &res) : -ENOMEM;
	pgt_sink__free(ws);
	progress_done(&prog);
	if (err && ws && res.side == PGT_DRAIN_SOURCE) {
		cli_error("cannot generate the trace: %s", pgt_strerror(err));
		pgt_writer__abort(w);
		pgt_source__free(src);
		return EXIT_RUNTIME;
	}
	if (err) {
		pgt_writer__abort(w);
		pgt_source__free(src);
		return cli_write_failed(output, err);
	}
	err = pgt_writer__close(w);
	pgt_source__free(src);
	return err ? cli_write_failed(output, err) : 0;
}
