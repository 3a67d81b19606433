// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace plot: one chart of a trace as PNG or SVG. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "pictures.h"

static void plot_usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace plot KIND [OPTIONS] -o FILE.png|FILE.svg TRACE|-\n"
		"\n"
		"Draw one chart of a trace's page references with cairo.\n"
		"\n"
		"Kinds:\n"
		"  heatmap     address versus time, one band per object (log colour scale)\n"
		"  fileheat    references per file over time\n"
		"  irf         avg.IRF histogram per object\n"
		"  reuse       LRU stack distance histogram and its CDF (hit ratio)\n"
		"  mrc         LRU miss-ratio curve, exact and SHARDS-sampled together, and\n"
		"              the curves of the policies of --policy (pgtrace cache)\n"
		"  wss         working-set size over time\n"
		"  popularity  references per page by rank, with the Zipf fit\n"
		"  phase       the phase strip and each object's access patterns\n"
		"\n"
		"Options:\n"
		"  -o, --output FILE     the picture; PNG or SVG by its extension (- for\n"
		"                        standard output, with --format)\n"
		"      --format png|svg  when the extension says neither\n"
		"      --width N         pixels (default 1000)\n"
		"      --height N        pixels (default 600)\n"
		"      --title TEXT      instead of the kind's title\n"
		"      --top N           objects or files drawn (default 8)\n"
		"      --bytes           page axes in bytes\n"
		"      --refs LIST       event types that count (see pgtrace stats)\n"
		"      --space file|pfn  pages by file (default) or physical frame\n"
		"      --sample RATE     SHARDS rate of the sampled MRC (default 0.01)\n"
		"      --policy LIST     mrc: also these policies' curves, simulated at 40\n"
		"                        sizes (see pgtrace cache; opt is drawn dashed)\n"
		"      --window N|TIME   wss: W(t, tau) windows of N references (50K) or of\n"
		"                        a duration (250ms), as pgtrace stats --window\n"
		"                        (default: the phase window)\n"
		"      --phase-window N  references per phase window (default: the trace's\n"
		"                        events / 50, 2000 to 100000; as pgtrace phase)\n"
		"  -f, --force           overwrite FILE\n"
		"  -h, --help            show this help\n"
		"\n"
		"Examples:\n"
		"  pgtrace plot heatmap -o heat.png run.pgt\n"
		"  pgtrace plot mrc --width 800 --height 500 -o mrc.svg run.pgt\n"
		"  pgtrace plot mrc --policy fifo,s3fifo,linux,opt -o policies.png run.pgt\n"
		"  pgtrace plot heatmap --space pfn --bytes -o phys.png run.pgt\n"
		"  pgtrace plot wss --window 250ms -o wss.svg run.pgt\n"
		"  pgtrace gen -p mix -o - | pgtrace plot phase -o phases.png -\n"
		"\n"
		"Exit status: 0 on success, 1 when the trace is damaged (what was read is\n"
		"drawn) or the picture cannot be written, 2 on usage errors.\n");
}

static int format_of(const char *path)
{
	size_t n = strlen(path);

	if (n > 4 && !strcasecmp(path + n - 4, ".png"))
		return PGT_PLOT_PNG;
	if (n > 4 && !strcasecmp(path + n - 4, ".svg"))
		return PGT_PLOT_SVG;
	return -1;
}

int cmd_plot(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "width", required_argument, NULL, 'W' },
		{ "height", required_argument, NULL, 'H' },
		{ "title", required_argument, NULL, 'T' },
		{ "top", required_argument, NULL, 't' },
		{ "bytes", no_argument, NULL, 'b' },
		{ "refs", required_argument, NULL, 'R' },
		{ "space", required_argument, NULL, 'S' },
		{ "sample", required_argument, NULL, 's' },
		{ "window", required_argument, NULL, 'w' },
		{ "phase-window", required_argument, NULL, 'P' },
		{ "policy", required_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pgt_plot_opts po = { .sz = sizeof(po), .format = -1 };
	unsigned pol[32];
	size_t npol = 0;
	struct pict_opts pi = { 0 };
	struct pictures p;
	const char *output = NULL, *path;
	int kind, c, rc, err, fd;
	struct out w;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		plot_usage(stdout);
		return 0;
	}
	if (argc < 2 || argv[1][0] == '-')
		cli_usage_error("give a kind first: heatmap, fileheat, irf, reuse, mrc, wss, popularity or phase");
	kind = pgt_plot_kind_parse(argv[1]);
	if (kind < 0)
		cli_usage_error("unknown kind '%s': heatmap, fileheat, irf, reuse, mrc, wss, popularity or phase",
				argv[1]);
	argc--;		/* the kind stands where the command was */
	argv++;
	while ((c = getopt_long(argc, argv, "o:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'F':
			if (!strcmp(optarg, "png"))
				po.format = PGT_PLOT_PNG;
			else if (!strcmp(optarg, "svg"))
				po.format = PGT_PLOT_SVG;
			else
				cli_usage_error("invalid --format '%s': png or svg", optarg);
			break;
		case 'W': po.width = (int)cli_u64_max("--width", optarg, 20000); if (po.width < 200) cli_usage_error("--width must be at least 200 pixels"); break;
		case 'H': po.height = (int)cli_u64_max("--height", optarg, 20000); if (po.height < 150) cli_usage_error("--height must be at least 150 pixels"); break;
		case 'T': po.title = optarg; break;
		case 't': po.top = (uint32_t)cli_u64_max("--top", optarg, 64); if (!po.top) cli_usage_error("--top must be at least 1"); break;
		case 'b': po.bytes = 1; break;
		case 'R': pi.refs = cli_refs_arg(optarg); break;
		case 'S': pi.space = cli_space_arg(optarg); break;
		case 's':
			if (pgt_parse_double(optarg, &pi.sample) || !(pi.sample > 0 && pi.sample < 1))
				cli_usage_error("invalid --sample '%s': a rate in (0, 1), e.g. 0.01", optarg);
			break;
		case 'w': pictures_window_arg(&pi, optarg); break;
		case 'P': pictures_phase_window_arg(&pi, optarg); break;
		case 'p': {
			struct pgt_parse_error pe;

			if (pgt_cache_policy_parse(optarg, pol, &npol, &pe))
				cli_usage_error("invalid --policy '%s': %s '%.*s' (see pgtrace cache --help)", optarg,
						pe.msg, (int)pe.len, optarg + pe.offset);
			break;
		}
		case 'f': po.force = 1; break;
		case 'h': plot_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (!output)
		cli_usage_error("give the picture's file with -o FILE.png or -o FILE.svg");
	if (npol && kind != PGT_PLOT_MRC)
		cli_usage_error("--policy draws miss-ratio curves: plot mrc only");
	if (po.format < 0)
		po.format = format_of(output);
	if (po.format < 0)
		cli_usage_error("cannot tell the format of '%s': name it .png or .svg, or give --format", output);
	if (!strcmp(output, "-") && isatty(STDOUT_FILENO))
		cli_usage_error("not writing a picture to a terminal: give -o FILE or a pipe");
	path = cli_trace_arg(argc, argv, optind);
	cli_refuse_same(path, output);
	/* before reading: the output must be writable.  A file is drawn
	 * under a temporary name, renamed when whole. */
	fd = cli_out_open(output, po.force, O_WRONLY);
	if (fd < 0)
		return EXIT_RUNTIME;
	pi.want = pictures_need(kind);
	if (npol) {
		if (!po.title)
			po.title = "Miss-ratio curves by policy";
		pi.want |= PICT_POLICY;
		pi.policies = pol;
		pi.npolicies = npol;
	}
	pi.top = po.top ? po.top : 8;
	rc = pictures_read(&p, path, &pi);
	if (rc > 0) {
		close(fd);
		cli_out_abort(output);
		return rc;
	}
	for (unsigned b = 1; b < PGT_CAVEAT_LAST; b <<= 1)
		if (p.caveats & b)
			fprintf(stderr, "%s: note: %s\n", cli_cmd, pgt_refs_caveat_text(b));
	po.page_size = p.page_size;
	p.d.pfn_space = pi.space == PGT_SPACE_PFN;
	{
		char *mem = NULL;
		size_t len = 0;

		err = pgt_plot__draw(kind, &p.d, &po, NULL, &mem, &len);
		pgt_plot__cleanup();
		if (err) {
			close(fd);
			cli_out_abort(output);
			cli_error("cannot draw %s into '%s': %s", pgt_plot_kind_name(kind), output, pgt_strerror(err));
			free(mem);
			pictures_free(&p);
			return EXIT_RUNTIME;
		}
		out_init(&w, fd);
		w.name = strcmp(output, "-") ? output : NULL;
		out_mem(&w, mem, len);
		free(mem);
	}
	pictures_free(&p);
	if (out_finish(&w) || (close(fd) && cli_output_failed(output, -errno)) || cli_out_commit(output, po.force))
		return EXIT_RUNTIME;
	return rc < 0 ? EXIT_RUNTIME : 0;
}
