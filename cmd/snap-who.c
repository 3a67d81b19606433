// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace snap who: frame to owner. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snap.h"

#define MAX_OWNERS 64

static void who_usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace snap who [OPTIONS] PFN...\n"
		"\n"
		"Name the owner of physical frames: the file and page, or the process and\n"
		"virtual address, by joining the forward walks (every process's pagemap,\n"
		"the cached pages of files open by processes and of the --scan trees).\n"
		"Needs root (frames are hidden from other users).\n"
		"\n"
		"Options:\n"
		"  -s, --scan DIR      also join the cached files under DIR (repeatable)\n"
		"  -x, --one-file-system  scan each DIR on its own filesystem only\n"
		"      --no-tasks      do not walk processes\n"
		"  -j, --threads N     files examined in parallel\n"
		"      --json          JSON output\n"
		"  -h, --help          show this help\n"
		"\n"
		"PFNs are decimal or 0x hexadecimal.\n"
		"\n"
		"Examples:\n"
		"  pgtrace snap who 0x1a2b3c 0x1a2b3d\n"
		"  pgtrace snap who --scan /var/lib/mysql -x 123456\n");
}

int snap_who(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "scan", required_argument, NULL, 's' },
		{ "one-file-system", no_argument, NULL, 'x' },
		{ "no-tasks", no_argument, NULL, 'T' },
		{ "threads", required_argument, NULL, 'j' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pgt_owner_opts oo = { .sz = sizeof(oo) };
	const char **scan = NULL;
	struct pgt_owner_map *m = NULL;
	struct pgt_owner owners[MAX_OWNERS];
	uint64_t *pfns, tasks, files, runs;
	size_t nscan = 0, npfns;
	int json = 0, c, err, rc = 0;
	struct out o;
	char names[1024];

	scan = calloc((size_t)argc, sizeof(*scan));
	if (!scan)
		return EXIT_RUNTIME;
	while ((c = getopt_long(argc, argv, "s:xj:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': scan[nscan++] = optarg; break;
		case 'x': oo.xdev = 1; break;
		case 'T': oo.no_tasks = 1; break;
		case 'j':
			oo.threads = (unsigned)cli_u64_max("--threads", optarg, 1024);
			break;
		case 'J': json = 1; break;
		case 'h': who_usage(stdout); free(scan); return 0;
		default: cli_bad_option();
		}
	}
	if (optind == argc)
		cli_usage_error("no PFN given");
	npfns = (size_t)(argc - optind);
	pfns = calloc(npfns, sizeof(*pfns));
	if (!pfns)
		return EXIT_RUNTIME;
	for (size_t i = 0; i < npfns; i++)
		pfns[i] = cli_u64("PFN", argv[optind + (int)i]);
	if (geteuid() != 0) {
		cli_error("needs root: frames in /proc/PID/pagemap and /proc/kpageflags are hidden "
			  "without CAP_SYS_ADMIN");
		free(pfns);
		free(scan);
		return EXIT_RUNTIME;
	}
	/* a frame past the end is shown as such; an unreadable file fails */
	{
		uint64_t kf0;

		err = pgt_kpageflags__read(0, &kf0);
		if (err && err != -ERANGE) {
			free(pfns);
			free(scan);
			return snap_root_hint("/proc/kpageflags", err);
		}
	}
	oo.scan = scan;
	oo.nscan = nscan;
	m = pgt_owner_map__new(&oo, &err);
	if (err) {
		cli_error("cannot join the forward walks: %s", pgt_strerror(err));
		free(pfns);
		free(scan);
		return EXIT_RUNTIME;
	}
	pgt_owner_map__stats(m, &tasks, &files, &runs);
	out_init(&o, 1);
	if (json)
		out_printf(&o, "{\"tasks\":%llu,\"files\":%llu,\"runs\":%llu,\"frames\":[",
			   (unsigned long long)tasks, (unsigned long long)files, (unsigned long long)runs);
	for (size_t i = 0; i < npfns; i++) {
		uint64_t kf = 0;
		size_t n = pgt_owner_map__lookup(m, pfns[i], owners, MAX_OWNERS);
		int kerr = pgt_kpageflags__read(pfns[i], &kf);

		if (json) {
			out_printf(&o, "%s{\"pfn\":%llu,\"flags\":", i ? "," : "", (unsigned long long)pfns[i]);
			out_json_str(&o, kerr ? "" : pgt_kpf_format(kf, names, sizeof(names)));
			out_str(&o, ",\"owners\":[");
		} else {
			out_printf(&o, "0x%010llx %s\n", (unsigned long long)pfns[i],
				   kerr ? "(beyond /proc/kpageflags)" : pgt_kpf_format(kf, names, sizeof(names)));
		}
		for (size_t k = 0; k < n && k < MAX_OWNERS; k++) {
			const struct pgt_owner *w = &owners[k];

			if (json) {
				out_printf(&o, "%s{\"kind\":\"%s\",\"path\":", k ? "," : "",
					   w->kind == PGT_OWNER_FILE ? "file" : "anon");
				out_json_str(&o, w->path);
				out_printf(&o, ",\"index\":%llu,\"pid\":%u,\"vaddr\":\"0x%llx\"}",
					   (unsigned long long)w->index, w->pid, (unsigned long long)w->vaddr);
				continue;
			}
			if (w->kind == PGT_OWNER_FILE) {
				out_str(&o, "    file ");
				out_text_str(&o, w->path);
				out_printf(&o, " page %llu", (unsigned long long)w->index);
			} else {
				out_str(&o, "    anon");
				if (*w->path) {
					out_char(&o, ' ');
					out_text_str(&o, w->path);
				}
			}
			if (w->pid)
				out_printf(&o, ", mapped by pid %u at 0x%llx", w->pid, (unsigned long long)w->vaddr);
			out_char(&o, '\n');
		}
		if (json) {
			out_str(&o, "]}");
		} else if (!n) {
			out_str(&o, (kf & (1ull << 10)) ? "    free (buddy allocator)\n"
				    : (kf & (1ull << 7)) ? "    kernel slab\n"
				    : (kf & (1ull << 20)) ? "    no page here (hole)\n"
				    : "    owner not found: not mapped by any process, not in an open or scanned "
				      "file (try --scan DIR)\n");
		}
	}
	if (json)
		out_str(&o, "]}\n");
	else
		out_printf(&o, "(joined %llu processes and %llu cached files: %llu frame runs%s)\n",
			   (unsigned long long)tasks, (unsigned long long)files, (unsigned long long)runs,
			   pgt_owner_map__denied(m) ? "; some processes could not be read" : "");
	if (pgt_owner_map__denied(m))
		cli_warn("%llu processes could not be read (permission denied): their frames stay unnamed",
			 (unsigned long long)pgt_owner_map__denied(m));
	if (out_finish(&o))
		rc = EXIT_RUNTIME;
	pgt_owner_map__free(m);
	free(pfns);
	free(scan);
	return rc;
}
