// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace snap fs: the page cache of a whole filesystem. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "kernel/kernel.h"
#include "snap.h"

static void fs_usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace snap fs [OPTIONS] PATH\n"
		"\n"
		"Report the page cache of the whole filesystem holding PATH: every file\n"
		"reachable from its mount point (one filesystem), files held open by\n"
		"processes (deleted ones too), and the block device's own cache; then set\n"
		"the total against Cached and Buffers of /proc/meminfo.\n"
		"\n"
		"Options:\n"
		"  -n, --top N         rows in the table (default 20; 0 for all)\n"
		"  -j, --threads N     files examined in parallel\n"
		"      --json          JSON output\n"
		"      --bytes         sizes in bytes\n"
		"  -h, --help          show this help\n"
		"\n"
		"Inodes that are cached but neither reachable by name nor held open\n"
		"cannot be seen from user space; they remain in the unexplained part.\n"
		"\n"
		"Examples:\n"
		"  pgtrace snap fs /\n"
		"  pgtrace snap fs --top 5 --json /var\n");
}

struct fsfile {
	char *path;
	uint64_t cached, dirty, pages;
	int kind;	/* 0 file, 1 open (deleted or not), 2 block device */
};

struct fsctx {
	struct fsfile *v;
	size_t n, cap;
	uint64_t files, errors;
	struct progress prog;
};

static int fs_cb(const struct pgt_file_info *fi, void *ctx)
{
	struct fsctx *x = ctx;

	progress_update(&x->prog, ++x->files);
	if (fi->err) {
		x->errors++;
		return 0;
	}
	if (fi->dup_of || !fi->cached)
		return 0;
	if (x->n == x->cap) {
		size_t ncap = x->cap ? x->cap * 2 : 1024;
		struct fsfile *nv = realloc(x->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		x->v = nv;
		x->cap = ncap;
	}
	x->v[x->n].path = strdup(fi->path);
	if (!x->v[x->n].path)
		return -ENOMEM;
	x->v[x->n].cached = fi->cached;
	x->v[x->n].dirty = fi->dirty;
	x->v[x->n].pages = fi->pages;
	x->v[x->n].kind = fi->tag;
	x->n++;
	return 0;
}

static int cmp_cached(const void *a, const void *b)
{
	const struct fsfile *x = a, *y = b;

	if (x->cached != y->cached)
		return x->cached > y->cached ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Mount point of the filesystem holding @path (longest matching entry of
 * mountinfo with the same device). */
static int mount_point(const char *path, dev_t dev, char *out, size_t len)
{
	struct pgt_mountinfo *mi = NULL;
	const struct pgt_mountinfo *m;
	char real[PATH_MAX], *text = NULL;
	size_t n;
	int err;

	if (!realpath(path, real))
		return -errno;
	err = pgt_mountinfo__read(&text, &mi, &n);
	if (err)
		return err;
	m = pgt_mountinfo__find_path(mi, n, major(dev), minor(dev), real);
	if (m)
		snprintf(out, len, "%s", m->mnt);
	free(mi);
	free(text);
	return m ? 0 : -ENOENT;
}

int snap_fs(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "top", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 'j' },
		{ "json", no_argument, NULL, 'J' },
		{ "bytes", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pgt_file_opts fo = { .sz = sizeof(fo), .recursive = 1, .xdev = 1 };
	struct fsctx x = { 0 };
	struct pgt_file_req *open_reqs = NULL;
	uint64_t top = 20, total = 0, dirty = 0, by_kind[3] = { 0 }, cached_kb = 0, buffers_kb = 0;
	int json = 0, bytes = 0, c, err, rc = 0;
	char mnt[PATH_MAX], devnode[64], devlabel[PATH_MAX + 32];
	size_t nopen = 0;
	struct stat sb;
	struct out o;

	while ((c = getopt_long(argc, argv, "n:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': top = cli_u64("--top", optarg); break;
		case 'j':
			fo.threads = (unsigned)cli_u64_max("--threads", optarg, 1024);
			break;
		case 'J': json = 1; break;
		case 'B': bytes = 1; break;
		case 'h': fs_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (optind + 1 != argc)
		cli_usage_error(optind == argc ? "no PATH given" : "one PATH at a time, got '%s' too",
				argv[optind + 1]);
	if (stat(argv[optind], &sb) < 0) {
		cli_error("cannot stat '%s': %s", argv[optind], pgt_strerror(-errno));
		return EXIT_RUNTIME;
	}
	err = mount_point(argv[optind], sb.st_dev, mnt, sizeof(mnt));
	if (err) {
		cli_error("cannot find the mount point of '%s' in /proc/self/mountinfo: %s",
			  argv[optind], pgt_strerror(err));
		return EXIT_RUNTIME;
	}
	progress_init(&x.prog, "files", 0);
	/* One walk, so a file reached by name and held open counts once
	 * (the name, walked first, wins). */
	open_reqs = pgt_open_files(0, sb.st_dev, &nopen, &err);
	if (!err) {
		struct pgt_file_req *all = calloc(nopen + 2, sizeof(*all));
		size_t n = 0;

		if (!all) {
			err = -ENOMEM;
		} else {
			all[n++] = (struct pgt_file_req){ .path = mnt, .tag = 0 };
			for (size_t i = 0; i < nopen; i++) {
				all[n] = open_reqs[i];
				all[n++].tag = 1;
			}
			snprintf(devnode, sizeof(devnode), "/dev/block/%u:%u", major(sb.st_dev),
				 minor(sb.st_dev));
			if (access(devnode, F_OK) == 0) {
				char real[PATH_MAX];

				snprintf(devlabel, sizeof(devlabel), "%s (block device)",
					 realpath(devnode, real) ? real : devnode);
				all[n++] = (struct pgt_file_req){ .path = devnode, .label = devlabel, .tag = 2 };
			}
			err = pgt_snap_files(all, n, &fo, fs_cb, NULL, &x);
			free(all);
		}
	}
	pgt_file_reqs__free(open_reqs, nopen);
	progress_done(&x.prog);
	if (err) {
		cli_error("snapshot of '%s' failed: %s", mnt, pgt_strerror(err));
		rc = EXIT_RUNTIME;
		goto out;
	}
	qsort(x.v, x.n, sizeof(*x.v), cmp_cached);
	for (size_t i = 0; i < x.n; i++) {
		total += x.v[i].cached;
		dirty += x.v[i].dirty;
		by_kind[x.v[i].kind] += x.v[i].cached;
	}
	pgt_meminfo__kb("Cached", &cached_kb);
	pgt_meminfo__kb("Buffers", &buffers_kb);
	out_init(&o, 1);
	if (json) {
		out_str(&o, "{\"mount\":");
		out_json_str(&o, mnt);
		out_printf(&o, ",\"dev\":\"%u:%u\",\"files_examined\":%llu,\"errors\":%llu,\"cached_files\":%zu,"
			   "\"cached\":%llu,\"dirty\":%llu,\"by_name\":%llu,\"open_only\":%llu,\"block_device\":%llu,"
			   "\"meminfo_cached_kb\":%llu,\"meminfo_buffers_kb\":%llu,\"top\":[",
			   major(sb.st_dev), minor(sb.st_dev), (unsigned long long)x.files,
			   (unsigned long long)x.errors, x.n, (unsigned long long)total, (unsigned long long)dirty,
			   (unsigned long long)by_kind[0], (unsigned long long)by_kind[1],
			   (unsigned long long)by_kind[2], (unsigned long long)cached_kb,
			   (unsigned long long)buffers_kb);
		for (size_t i = 0; i < x.n && (!top || i < top); i++) {
			out_str(&o, i ? ",{\"path\":" : "{\"path\":");
			out_json_str(&o, x.v[i].path);
			out_printf(&o, ",\"cached\":%llu,\"dirty\":%llu,\"pages\":%llu,\"kind\":\"%s\"}",
				   (unsigned long long)x.v[i].cached, (unsigned long long)x.v[i].dirty,
				   (unsigned long long)x.v[i].pages,
				   x.v[i].kind == 2 ? "block" : x.v[i].kind == 1 ? "open" : "file");
		}
		out_str(&o, "]}\n");
	} else {
		uint64_t mem = (cached_kb + buffers_kb) / 4;

		out_printf(&o, "%10s %10s %6s  %s\n", "cached", "dirty", "%file", "file");
		for (size_t i = 0; i < x.n && (!top || i < top); i++) {
			snap_size(&o, x.v[i].cached, bytes, 10);
			out_char(&o, ' ');
			snap_size(&o, x.v[i].dirty, bytes, 10);
			out_printf(&o, " %5.1f%%  ", x.v[i].pages ? 100.0 * (double)x.v[i].cached / (double)x.v[i].pages : 0);
			out_text_str(&o, x.v[i].path);
			out_str(&o, x.v[i].kind == 1 && !strstr(x.v[i].path, "(deleted)") ? " (open)\n" : "\n");
		}
		out_str(&o, "\nfilesystem ");
		out_text_str(&o, mnt);
		out_printf(&o, " (%u:%u): %llu files examined, %zu with cached pages",
			   major(sb.st_dev), minor(sb.st_dev), (unsigned long long)x.files, x.n);
		if (x.errors)
			out_printf(&o, ", %llu could not be examined", (unsigned long long)x.errors);
		out_str(&o, "\n  cached: ");
		snap_size(&o, total, bytes, 0);
		out_str(&o, " (by name ");
		snap_size(&o, by_kind[0], bytes, 0);
		out_str(&o, ", open only ");
		snap_size(&o, by_kind[1], bytes, 0);
		out_str(&o, ", block device ");
		snap_size(&o, by_kind[2], bytes, 0);
		out_str(&o, ")\n  /proc/meminfo Cached + Buffers: ");
		snap_size(&o, mem, bytes, 0);
		out_str(&o, "; unexplained by this filesystem: ");
		snap_size(&o, mem > total ? mem - total : 0, bytes, 0);
		out_str(&o, " (other filesystems, shmem/tmpfs, unreachable inodes)\n");
	}
	if (out_finish(&o))
		rc = EXIT_RUNTIME;
out:
	for (size_t i = 0; i < x.n; i++)
		free(x.v[i].path);
	free(x.v);
	return rc;
}
