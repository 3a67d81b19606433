// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace snap: page-state snapshots by frame, file, filesystem and task. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "snap.h"

static void snap_usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace snap INDEX [OPTIONS] [ARGS]\n"
		"\n"
		"Take a snapshot of page state along one natural index:\n"
		"  pfn [RANGE]         physical frames (/proc/kpageflags; root)\n"
		"  file PATH...        page cache of files (cachestat; -R for trees)\n"
		"  fs PATH             page cache of the whole filesystem holding PATH\n"
		"  task PID            pages of a process's address space (pagemap)\n"
		"  who PFN...          which file or process owns these frames (root)\n"
		"\n"
		"Common options: --json, --bytes, -j N (threads), --unordered,\n"
		"-o TRACE (write snapshot events for the trace tools).\n"
		"\n"
		"Examples:\n"
		"  pgtrace snap pfn --flags lru,~anon\n"
		"  pgtrace snap file -R /var/lib/postgresql\n"
		"  pgtrace snap task $$ --json\n"
		"\n"
		"'pgtrace snap INDEX --help' describes each index.\n");
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} indices[] = {
	{ "pfn", snap_pfn },
	{ "file", snap_file },
	{ "fs", snap_fs },
	{ "task", snap_task },
	{ "who", snap_who },
};

int cmd_snap(int argc, char **argv)
{
	static char name[64];

	if (argc < 2)
		cli_usage_error("no index given: pfn, file, fs, task or who");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		snap_usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(indices) / sizeof(indices[0]); i++) {
		if (strcmp(indices[i].name, argv[1]))
			continue;
		snprintf(name, sizeof(name), "pgtrace snap %s", argv[1]);
		cli_cmd = name;
		argv[1] = name;
		return indices[i].fn(argc - 1, argv + 1);
	}
	cli_usage_error("unknown index '%s': expected pfn, file, fs, task or who", argv[1]);
}

/* ---- shared output helpers ---- */

void snap_size(struct out *o, uint64_t pages, int bytes, int width)
{
	char buf[32];

	if (bytes) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(pages * 4096));
	} else {
		double v = (double)pages * 4096;
		const char *u = "B";

		if (v >= 1024) { v /= 1024; u = "K"; }
		if (v >= 1024) { v /= 1024; u = "M"; }
		if (v >= 1024) { v /= 1024; u = "G"; }
		if (v >= 1024) { v /= 1024; u = "T"; }
		snprintf(buf, sizeof(buf), *u == 'B' ? "%.0f%s" : "%.1f%s", v, u);
	}
	out_printf(o, "%*s", width, buf);
}

int snap_root_hint(const char *what, int err)
{
	if (err == -EACCES || err == -EPERM)
		cli_error("cannot read %s: %s (needs root: CAP_SYS_ADMIN)", what, pgt_strerror(err));
	else
		cli_error("cannot read %s: %s", what, pgt_strerror(err));
	return EXIT_RUNTIME;
}

int snap_table_fd(const char *output)
{
	/* with -o -, standard output carries the trace and nothing else */
	if (output && !strcmp(output, "-")) {
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

		return fd >= 0 ? fd : 2;
	}
	return 1;
}

int snap_open_trace(struct pgt_writer **w, const char *path, int force, const struct pgt_header *h)
{
	struct pgt_writer_opts wo = { .sz = sizeof(wo), .force = force, .header = h };
	int err = 0;

	*w = NULL;
	if (!path)
		return 0;
	*w = pgt_writer__open(path, &wo, &err);
	if (!*w) {
		cli_create_failed(path, err);
		return EXIT_RUNTIME;
	}
	return 0;
}

int snap_write_trace(struct pgt_source *src, struct pgt_writer *w, const char *path)
{
	struct pgt_drain_result res;
	struct pgt_sink *ws;
	int err = 0;

	if (!w)
		return 0;
	if (src) {
		ws = pgt_writer__sink(w);
		err = ws ? pgt_drain(src, &ws, 1, NULL, &res) : -ENOMEM;
		pgt_sink__free(ws);
	}
	if (err)
		pgt_writer__abort(w);
	else
		err = pgt_writer__close(w);
	if (err) {
		cli_error("cannot write '%s': %s", path, pgt_strerror(err));
		return EXIT_RUNTIME;
	}
	return 0;
}
