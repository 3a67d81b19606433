// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace snap file: which pages of which files are cached. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "snap.h"

static void file_usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace snap file [OPTIONS] PATH...\n"
		"       pgtrace snap file [OPTIONS] --stdin < LIST\n"
		"\n"
		"Report the page cache of files: pages, cached, dirty, under writeback,\n"
		"evicted and recently evicted (cachestat), and cached pages inside holes.\n"
		"\n"
		"Options:\n"
		"  -r, --range A..B    only pages A (included) to B (excluded)\n"
		"      --stdin         read 'PATH [FIRST [END]]' lines from standard input\n"
		"  -R, --recursive     descend into directories (symlinks not followed)\n"
		"  -L, --follow        follow symlinks while descending\n"
		"  -x, --one-file-system  stay on the filesystem of each PATH\n"
		"  -e, --extents       list the exact cached page ranges of each file\n"
		"  -F, --flags         kernel flags of the cached pages (root)\n"
		"      --pfns          frames of the cached pages (root)\n"
		"      --method M      cachestat or mincore (default: cachestat when the\n"
		"                      kernel has it; mincore is never used on files the\n"
		"                      caller may neither write nor own: it would lie)\n"
		"  -j, --threads N     examine N files at a time (default: one per CPU)\n"
		"      --unordered     print files as they finish, not sorted\n"
		"  -s, --summary       only the total line\n"
		"      --json          JSON output\n"
		"      --bytes         sizes in bytes instead of pages\n"
		"  -o, --output TRACE  also write snapshot events to TRACE\n"
		"  -f, --force         overwrite TRACE\n"
		"  -h, --help          show this help\n"
		"\n"
		"Hard links are counted once (by device and inode).\n"
		"\n"
		"Examples:\n"
		"  pgtrace snap file /var/log/syslog\n"
		"  pgtrace snap file -R -x --summary /usr\n"
		"  pgtrace snap file --extents --range 0..1024 big.db\n"
		"  find /data -name '*.sst' | pgtrace snap file --stdin --json\n"
		"\n"
		"Exit status: 0, or 1 when some file could not be examined (the others\n"
		"are still reported), 2 on usage errors.\n");
}

struct fctx {
	struct out o;
	int json, bytes, extents, kflags, summary, any_out;
	int failures;
	uint64_t files, pages, cached, dirty, writeback, evicted, recent, holes, hcached, links;
	struct progress prog;
	uint64_t seen;
};

static const char *method_name(int m)
{
	return m == PGT_RES_CACHESTAT ? "cachestat" : m == PGT_RES_MINCORE ? "mincore" : "none";
}

static void file_error(const struct pgt_file_info *fi)
{
	if (fi->err == -EPERM && fi->err_what && !strcmp(fi->err_what, "cachestat"))
		cli_error("'%s': cachestat: permission denied (you may neither write nor own it; "
			  "run as root or its owner)", fi->path);
	else if (fi->err == -EPERM && fi->err_what && !strcmp(fi->err_what, "mincore"))
		cli_error("'%s': not examined: mincore would report every page cached for a file "
			  "you may neither write nor own; run as root or its owner", fi->path);
	else if ((fi->err == -EPERM || fi->err == -EACCES) && fi->err_what && !strcmp(fi->err_what, "pagemap"))
		cli_error("'%s': frames are hidden without CAP_SYS_ADMIN (/proc/self/pagemap, "
			  "/proc/kpageflags): run --flags/--pfns as root", fi->path);
	else if (fi->err == -EISDIR)
		cli_error("'%s': is a directory (use -R to descend)", fi->path);
	else if (fi->err == -EINVAL && fi->err_what && !strcmp(fi->err_what, "type"))
		cli_error("'%s': not a regular file or block device", fi->path);
	else
		cli_error("'%s': %s: %s", fi->path, fi->err_what ? fi->err_what : "examine",
			  pgt_strerror(fi->err));
}

static void put_count(struct fctx *x, uint64_t pages, int width)
{
	if (x->bytes)
		out_printf(&x->o, " %*llu", width, (unsigned long long)(pages * 4096));
	else
		out_printf(&x->o, " %*llu", width, (unsigned long long)pages);
}

static int file_cb(const struct pgt_file_info *fi, void *ctx)
{
	struct fctx *x = ctx;
	struct out *o = &x->o;
	char names[1024];

	progress_update(&x->prog, ++x->seen);
	if (fi->err) {
		x->failures++;
		out_flush(o);
		file_error(fi);
		return 0;
	}
	if (fi->dup_of) {
		x->links++;
	} else {
		x->files++;
		x->pages += fi->end - fi->first;
		x->cached += fi->cached;
		x->dirty += fi->dirty;
		x->writeback += fi->writeback;
		x->evicted += fi->evicted;
		x->recent += fi->recently_evicted;
		x->holes += fi->hole_pages;
		x->hcached += fi->cached_in_holes;
	}
	if (x->summary)
		return 0;
	if (x->json) {
		out_str(o, x->any_out ? ",\n" : "\n");
		x->any_out = 1;
		out_str(o, "{\"path\":");
		out_json_str(o, fi->path);
		out_printf(o, ",\"dev\":\"%u:%u\",\"ino\":%llu,\"size\":%llu,\"pages\":%llu,\"first\":%llu,"
			   "\"end\":%llu,\"cached\":%llu,\"dirty\":%llu,\"writeback\":%llu,\"evicted\":%llu,"
			   "\"recently_evicted\":%llu,\"hole_pages\":%llu,\"cached_in_holes\":%llu,"
			   "\"method\":\"%s\"",
			   major(fi->dev), minor(fi->dev), (unsigned long long)fi->ino,
			   (unsigned long long)fi->size, (unsigned long long)fi->pages,
			   (unsigned long long)fi->first, (unsigned long long)fi->end,
			   (unsigned long long)fi->cached, (unsigned long long)fi->dirty,
			   (unsigned long long)fi->writeback, (unsigned long long)fi->evicted,
			   (unsigned long long)fi->recently_evicted, (unsigned long long)fi->hole_pages,
			   (unsigned long long)fi->cached_in_holes, method_name(fi->method));
		if (fi->dup_of) {
			out_str(o, ",\"hard_link_of\":");
			out_json_str(o, fi->dup_of);
		}
		if (x->extents) {
			out_str(o, ",\"extents\":[");
			for (size_t i = 0; i < fi->next; i++)
				out_printf(o, "%s[%llu,%llu]", i ? "," : "", (unsigned long long)fi->ext[i].first,
					   (unsigned long long)fi->ext[i].npages);
			out_char(o, ']');
		}
		if (x->kflags) {
			out_str(o, ",\"kflags\":[");
			for (size_t i = 0; i < fi->nkflags; i++) {
				out_printf(o, "%s{\"flags\":\"0x%llx\",\"names\":", i ? "," : "",
					   (unsigned long long)fi->kflags[i].flags);
				out_json_str(o, pgt_kpf_format(fi->kflags[i].flags, names, sizeof(names)));
				out_printf(o, ",\"pages\":%llu}", (unsigned long long)fi->kflags[i].pages);
			}
			out_char(o, ']');
		}
		if (fi->npfns) {
			out_str(o, ",\"pfns\":[");
			for (size_t i = 0; i < fi->npfns; i++)
				out_printf(o, "%s[%llu,%llu,%llu]", i ? "," : "", (unsigned long long)fi->pfns[i].index,
					   (unsigned long long)fi->pfns[i].pfn, (unsigned long long)fi->pfns[i].npages);
			out_char(o, ']');
		}
		out_char(o, '}');
		return 0;
	}
	put_count(x, fi->end - fi->first, 11);
	put_count(x, fi->cached, 11);
	out_printf(o, " %5.1f%%", fi->end > fi->first ? 100.0 * (double)fi->cached / (double)(fi->end - fi->first) : 0.0);
	put_count(x, fi->dirty, 8);
	put_count(x, fi->writeback, 8);
	put_count(x, fi->evicted, 9);
	put_count(x, fi->recently_evicted, 9);
	put_count(x, fi->cached_in_holes, 9);
	out_char(o, ' ');
	out_text_str(o, fi->path);
	if (fi->dup_of) {
		out_str(o, " (hard link of ");
		out_text_str(o, fi->dup_of);
		out_char(o, ')');
	}
	if (fi->method == PGT_RES_MINCORE)
		out_str(o, " [mincore: dirty, writeback and evictions unknown]");
	out_char(o, '\n');
	for (size_t i = 0; x->extents && i < fi->next; i++)
		out_printf(o, "    cached %llu..%llu (%llu pages)\n", (unsigned long long)fi->ext[i].first,
			   (unsigned long long)(fi->ext[i].first + fi->ext[i].npages),
			   (unsigned long long)fi->ext[i].npages);
	for (size_t i = 0; i < fi->npfns; i++)
		out_printf(o, "    frames 0x%llx..0x%llx = pages %llu..%llu\n", (unsigned long long)fi->pfns[i].pfn,
			   (unsigned long long)(fi->pfns[i].pfn + fi->pfns[i].npages),
			   (unsigned long long)fi->pfns[i].index,
			   (unsigned long long)(fi->pfns[i].index + fi->pfns[i].npages));
	for (size_t i = 0; x->kflags && i < fi->nkflags; i++)
		out_printf(o, "    flags %-40s %llu pages\n",
			   pgt_kpf_format(fi->kflags[i].flags, names, sizeof(names)),
			   (unsigned long long)fi->kflags[i].pages);
	return 0;
}

static void warn_cb(const char *path, int err, void *ctx)
{
	struct fctx *x = ctx;

	x->failures++;
	out_flush(&x->o);
	cli_error("'%s': %s", path, pgt_strerror(err));
}

/* "PATH [FIRST [END]]": trailing numbers are the range, the rest the path.
 * 0, -1 for a line with no path, or -ENOMEM. */
static int parse_line(char *line, struct pgt_file_req *rq)
{
	char *tok[2] = { NULL, NULL };
	int ntok = 0;
	size_t len = strlen(line);

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = 0;
	while (ntok < 2) {
		char *sp = strrchr(line, ' ');
		uint64_t v;

		if (!sp || pgt_parse_u64(sp + 1, &v))
			break;
		tok[ntok++] = sp + 1;
		*sp = 0;
	}
	if (!*line)
		return -1;
	memset(rq, 0, sizeof(*rq));
	rq->path = strdup(line);
	if (!rq->path)
		return -ENOMEM;
	if (ntok) {
		rq->have_range = 1;
		pgt_parse_u64(tok[ntok - 1], &rq->first);
		rq->end = UINT64_MAX;
		if (ntok == 2)
			pgt_parse_u64(tok[0], &rq->end);
	}
	return 0;
}

int snap_file(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "range", required_argument, NULL, 'r' },
		{ "stdin", no_argument, NULL, 'S' },
		{ "recursive", no_argument, NULL, 'R' },
		{ "follow", no_argument, NULL, 'L' },
		{ "one-file-system", no_argument, NULL, 'x' },
		{ "extents", no_argument, NULL, 'e' },
		{ "flags", no_argument, NULL, 'F' },
		{ "pfns", no_argument, NULL, 'P' },
		{ "method", required_argument, NULL, 'M' },
		{ "threads", required_argument, NULL, 'j' },
		{ "unordered", no_argument, NULL, 'U' },
		{ "summary", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'J' },
		{ "bytes", no_argument, NULL, 'B' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pgt_file_opts fo = { .sz = sizeof(fo) };
	struct fctx x = { 0 };
	struct pgt_file_req *reqs = NULL;
	size_t nreqs = 0, cap = 0;
	int use_stdin = 0, force = 0, have_range = 0, c, err, rc;
	uint64_t rfirst = 0, rend = UINT64_MAX;
	const char *output = NULL;
	struct pgt_source *src = NULL;
	struct pgt_writer *w = NULL;

	while ((c = getopt_long(argc, argv, "r:RLxeFj:so:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': {
			struct pgt_range r;

			cli_range("--range", optarg, 0, &r);
			if (r.lo.anchor != PGT_ANCHOR_START || r.hi.anchor != PGT_ANCHOR_START)
				cli_usage_error("invalid --range '%s': use FIRST..END page numbers", optarg);
			have_range = 1;
			rfirst = r.lo.set ? r.lo.v : 0;
			rend = r.hi.set ? r.hi.v : UINT64_MAX;
			break;
		}
		case 'S': use_stdin = 1; break;
		case 'R': fo.recursive = 1; break;
		case 'L': fo.follow = 1; break;
		case 'x': fo.xdev = 1; break;
		case 'e': fo.extents = 1; x.extents = 1; break;
		case 'F': fo.kflags = 1; x.kflags = 1; break;
		case 'P': fo.pfns = 1; break;
		case 'M':
			if (!strcmp(optarg, "cachestat"))
				fo.method = PGT_RES_CACHESTAT;
			else if (!strcmp(optarg, "mincore"))
				fo.method = PGT_RES_MINCORE;
			else
				cli_usage_error("unknown --method '%s': expected cachestat or mincore", optarg);
			break;
		case 'j':
			fo.threads = (unsigned)cli_u64_max("--threads", optarg, 1024);
			if (!fo.threads)
				cli_usage_error("invalid --threads '%s': must be at least 1", optarg);
			break;
		case 'U': fo.unordered = 1; break;
		case 's': x.summary = 1; break;
		case 'J': x.json = 1; break;
		case 'B': x.bytes = 1; break;
		case 'o': output = optarg; break;
		case 'f': force = 1; break;
		case 'h': file_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (fo.method == PGT_RES_CACHESTAT && !pgt_cachestat__available()) {
		cli_error("cachestat(2) is not available on this kernel (needs Linux 6.5); "
			  "use --method mincore");
		return EXIT_RUNTIME;
	}
	if (use_stdin) {
		char *line = NULL;
		size_t lcap = 0;

		if (optind < argc)
			cli_usage_error("--stdin takes no PATH arguments");
		for (;;) {
			struct pgt_file_req *nr;
			ssize_t got;

			errno = 0;
			got = getline(&line, &lcap, stdin);
			if (got <= 0) {
				/* end of input, or not: a list cut short is an error */
				err = feof(stdin) ? 0 : errno ? -errno : -EIO;
				break;
			}
			if (nreqs == cap) {
				cap = cap ? cap * 2 : 64;
				nr = realloc(reqs, cap * sizeof(*reqs));
				if (!nr) {
					err = -ENOMEM;
					break;
				}
				reqs = nr;
			}
			err = parse_line(line, &reqs[nreqs]);
			if (err == -ENOMEM)
				break;
			if (err == 0) {
				if (!reqs[nreqs].have_range && have_range) {
					reqs[nreqs].have_range = 1;
					reqs[nreqs].first = rfirst;
					reqs[nreqs].end = rend;
				}
				nreqs++;
			}
		}
		free(line);
		if (err) {
			cli_error("cannot read the list on standard input: %s", pgt_strerror(err));
			rc = EXIT_RUNTIME;
			goto out;
		}
	} else {
		if (optind == argc)
			cli_usage_error("no PATH given (or use --stdin)");
		nreqs = (size_t)(argc - optind);
		reqs = calloc(nreqs, sizeof(*reqs));
		if (!reqs) {
			cli_error("out of memory");
			return EXIT_RUNTIME;
		}
		for (size_t i = 0; i < nreqs; i++) {
			reqs[i].path = argv[optind + (int)i];
			reqs[i].have_range = have_range;
			reqs[i].first = rfirst;
			reqs[i].end = rend;
		}
	}
	/* the trace is created first: an existing one stops us before the walk */
	rc = snap_open_trace(&w, output, force, NULL);
	if (rc)
		goto out;
	out_init(&x.o, snap_table_fd(output));
	progress_init(&x.prog, "files", 0);
	if (x.json)
		out_str(&x.o, "{\"files\":[");
	else if (!x.summary)
		out_printf(&x.o, " %11s %11s %6s %8s %8s %9s %9s %9s %s\n", x.bytes ? "bytes" : "pages",
			   "cached", "%", "dirty", "wback", "evicted", "recent", "in-holes", "file");
	/* with -o the snapshot is a source, drained into the trace below */
	if (w)
		src = pgt_snap_files__source(reqs, nreqs, &fo, file_cb, warn_cb, &x, &err);
	else
		err = pgt_snap_files(reqs, nreqs, &fo, file_cb, warn_cb, &x);
	progress_done(&x.prog);
	if (err) {
		out_flush(&x.o);
		cli_error("snapshot failed: %s", pgt_strerror(err));
		x.failures++;
	}
	if (x.json) {
		out_printf(&x.o, "\n],\"total\":{\"files\":%llu,\"hard_links\":%llu,\"pages\":%llu,\"cached\":%llu,"
			   "\"dirty\":%llu,\"writeback\":%llu,\"evicted\":%llu,\"recently_evicted\":%llu,"
			   "\"hole_pages\":%llu,\"cached_in_holes\":%llu,\"errors\":%d}}\n",
			   (unsigned long long)x.files, (unsigned long long)x.links, (unsigned long long)x.pages,
			   (unsigned long long)x.cached, (unsigned long long)x.dirty,
			   (unsigned long long)x.writeback, (unsigned long long)x.evicted,
			   (unsigned long long)x.recent, (unsigned long long)x.holes,
			   (unsigned long long)x.hcached, x.failures);
	} else if (x.summary || x.files + x.links > 1) {
		put_count(&x, x.pages, 11);
		put_count(&x, x.cached, 11);
		out_printf(&x.o, " %5.1f%%", x.pages ? 100.0 * (double)x.cached / (double)x.pages : 0.0);
		put_count(&x, x.dirty, 8);
		put_count(&x, x.writeback, 8);
		put_count(&x, x.evicted, 9);
		put_count(&x, x.recent, 9);
		put_count(&x, x.hcached, 9);
		out_printf(&x.o, " total: %llu files", (unsigned long long)x.files);
		if (x.links)
			out_printf(&x.o, ", %llu hard links counted once", (unsigned long long)x.links);
		out_char(&x.o, '\n');
	}
	rc = snap_write_trace(src, w, output);
	if (out_finish(&x.o))
		rc = EXIT_RUNTIME;
out:
	pgt_source__free(src);
	if (use_stdin)
		for (size_t i = 0; i < nreqs; i++)
			free((char *)reqs[i].path);
	free(reqs);
	return rc ? rc : x.failures ? EXIT_RUNTIME : 0;
}
