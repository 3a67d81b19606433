// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace snap task: the pages of a process's address space. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snap.h"

static void task_usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace snap task [OPTIONS] PID\n"
		"\n"
		"Walk every mapping of a process (/proc/PID/maps, /proc/PID/pagemap) and\n"
		"count its pages: present, swapped, file or anonymous, mapped exclusively.\n"
		"As root, frames are joined with /proc/kpageflags and /proc/kpagecount.\n"
		"Present ranges are found with PAGEMAP_SCAN where the kernel has it.\n"
		"\n"
		"Options:\n"
		"  -r, --range A..B    virtual addresses A (included) to B (excluded),\n"
		"                      hexadecimal with 0x, page-aligned down/up\n"
		"  -l, --list          list runs of pages (frame, flags, map count)\n"
		"  -F, --flags         join kernel page flags and map counts (root;\n"
		"                      default when run as root)\n"
		"      --no-flags      do not read kpageflags\n"
		"      --no-scan       read pagemap entry by entry (no PAGEMAP_SCAN)\n"
		"      --json          JSON output\n"
		"      --bytes         sizes in bytes instead of pages\n"
		"  -o, --output TRACE  also write snapshot events to TRACE\n"
		"  -f, --force         overwrite TRACE\n"
		"  -h, --help          show this help\n"
		"\n"
		"Examples:\n"
		"  pgtrace snap task $$\n"
		"  pgtrace snap task --list --range 0x7f0000000000..0x7f0000100000 1234\n"
		"\n"
		"Exit status: 0, 1 when the process is gone or may not be read, 2 on\n"
		"usage errors.\n");
}

static void count(struct out *o, uint64_t pages, int bytes, int width)
{
	out_printf(o, " %*llu", width, (unsigned long long)(bytes ? pages * 4096 : pages));
}

int snap_task(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "range", required_argument, NULL, 'r' },
		{ "list", no_argument, NULL, 'l' },
		{ "flags", no_argument, NULL, 'F' },
		{ "no-flags", no_argument, NULL, 'N' },
		{ "no-scan", no_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'J' },
		{ "bytes", no_argument, NULL, 'B' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pgt_task_opts to = { .sz = sizeof(to) };
	struct pgt_task_info *own = NULL;
	const struct pgt_task_info *t = NULL;
	struct pgt_source *src = NULL;
	struct pgt_writer *w = NULL;
	int json = 0, bytes = 0, force = 0, flags = -1, list = 0, c, err, rc;
	const char *output = NULL;
	uint64_t pid;
	struct out o;
	char names[1024];

	while ((c = getopt_long(argc, argv, "r:lFo:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': {
			struct pgt_range r;

			cli_range("--range", optarg, 0, &r);
			if (r.lo.anchor != PGT_ANCHOR_START || r.hi.anchor != PGT_ANCHOR_START)
				cli_usage_error("invalid --range '%s': use START..END addresses", optarg);
			to.have_range = 1;
			to.vfirst = r.lo.set ? r.lo.v / 4096 : 0;
			to.vend = r.hi.set ? (r.hi.v + 4095) / 4096 : UINT64_MAX;
			break;
		}
		case 'l': to.runs = 1; list = 1; break;
		case 'F': flags = 1; break;
		case 'N': flags = 0; break;
		case 'S': to.no_scan = 1; break;
		case 'J': json = 1; break;
		case 'B': bytes = 1; break;
		case 'o': output = optarg; break;
		case 'f': force = 1; break;
		case 'h': task_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (optind + 1 != argc)
		cli_usage_error(optind == argc ? "no PID given" : "one PID at a time, got '%s' too",
				argv[optind + 1]);
	if (pgt_parse_u64_max(argv[optind], 0x7fffffff, &pid) || !pid)
		cli_usage_error("invalid PID '%s'", argv[optind]);
	to.kflags = flags < 0 ? geteuid() == 0 : flags;
	/* with -o the snapshot is a source, drained into the trace below */
	if (output) {
		src = pgt_snap_task__source((pid_t)pid, &to, &t, &err);
	} else {
		own = pgt_snap_task((pid_t)pid, &to, &err);
		t = own;
	}
	if (err == -ENOENT || err == -ESRCH) {
		cli_error("no process %llu (it may have exited)", (unsigned long long)pid);
		return EXIT_RUNTIME;
	}
	if (err == -EACCES || err == -EPERM) {
		char pm[64];

		/* mode 0400 and owned by the process's user: readable means
		 * it was /proc/kpageflags that failed */
		snprintf(pm, sizeof(pm), "/proc/%llu/pagemap", (unsigned long long)pid);
		if (to.kflags && access(pm, R_OK) == 0)
			cli_error("cannot read /proc/kpageflags: %s (--flags needs root: CAP_SYS_ADMIN)",
				  pgt_strerror(err));
		else
			cli_error("cannot read %s: %s (needs ptrace access to process %llu: its owner, "
				  "or root with CAP_SYS_PTRACE)", pm, pgt_strerror(err), (unsigned long long)pid);
		return EXIT_RUNTIME;
	}
	if (err) {
		cli_error("cannot snapshot process %llu: %s", (unsigned long long)pid, pgt_strerror(err));
		return EXIT_RUNTIME;
	}
	if (to.kflags && !t->pfns_visible && t->present)
		cli_warn("frames are hidden without CAP_SYS_ADMIN: no kernel flags");
	rc = snap_open_trace(&w, output, force, src ? &src->header : NULL);
	if (rc)
		goto out;
	rc = snap_write_trace(src, w, output);

	out_init(&o, snap_table_fd(output));
	if (json) {
		out_printf(&o, "{\"pid\":%llu,\"comm\":", (unsigned long long)pid);
		out_json_str(&o, t->comm);
		out_printf(&o, ",\"pfns_visible\":%s,\"pagemap_scan\":%s,\"present\":%llu,\"swapped\":%llu,"
			   "\"file\":%llu,\"anon\":%llu,\"exclusive\":%llu,\"mappings\":[",
			   t->pfns_visible ? "true" : "false", t->used_scan ? "true" : "false",
			   (unsigned long long)t->present, (unsigned long long)t->swapped,
			   (unsigned long long)t->file, (unsigned long long)t->anon,
			   (unsigned long long)t->exclusive);
		for (size_t i = 0; i < t->nvmas; i++) {
			const struct pgt_task_vma *v = &t->vmas[i];

			out_printf(&o, "%s{\"start\":\"0x%llx\",\"end\":\"0x%llx\",\"perms\":\"%s\",\"offset\":%llu,"
				   "\"dev\":\"%u:%u\",\"ino\":%llu,\"path\":",
				   i ? "," : "", (unsigned long long)v->start, (unsigned long long)v->end, v->perms,
				   (unsigned long long)v->offset, v->dev_major, v->dev_minor,
				   (unsigned long long)v->ino);
			out_json_str(&o, v->path);
			out_printf(&o, ",\"pages\":%llu,\"present\":%llu,\"swapped\":%llu,\"file\":%llu,\"anon\":%llu,"
				   "\"exclusive\":%llu,\"soft_dirty\":%llu",
				   (unsigned long long)((v->end - v->start) / 4096), (unsigned long long)v->present,
				   (unsigned long long)v->swapped, (unsigned long long)v->file,
				   (unsigned long long)v->anon, (unsigned long long)v->exclusive,
				   (unsigned long long)v->soft_dirty);
			if (t->kflags_read) {
				out_str(&o, ",\"kflags\":[");
				for (size_t k = 0; k < v->nkflags; k++) {
					out_printf(&o, "%s{\"flags\":\"0x%llx\",\"names\":", k ? "," : "",
						   (unsigned long long)v->kflags[k].flags);
					out_json_str(&o, pgt_kpf_format(v->kflags[k].flags, names, sizeof(names)));
					out_printf(&o, ",\"pages\":%llu}", (unsigned long long)v->kflags[k].pages);
				}
				out_char(&o, ']');
			}
			out_char(&o, '}');
		}
		out_str(&o, "]");
		if (list) {
			out_str(&o, ",\"runs\":[");
			for (size_t i = 0; i < t->nruns; i++) {
				const struct pgt_task_run *r = &t->runs[i];

				out_printf(&o, "%s{\"vaddr\":\"0x%llx\",\"pages\":%llu,\"pfn\":", i ? "," : "",
					   (unsigned long long)(r->vpage * 4096), (unsigned long long)r->npages);
				if (r->pfn == PGT_PFN_NONE)
					out_str(&o, "null");
				else
					out_u64(&o, r->pfn);
				out_printf(&o, ",\"present\":%s,\"swapped\":%s,\"file\":%s,\"exclusive\":%s,"
					   "\"kflags\":\"0x%llx\",\"mapcount\":%llu}",
					   r->pm & (1ull << 63) ? "true" : "false", r->pm & (1ull << 62) ? "true" : "false",
					   r->pm & (1ull << 61) ? "true" : "false", r->pm & (1ull << 56) ? "true" : "false",
					   (unsigned long long)r->kflags, (unsigned long long)r->mapcount);
			}
			out_char(&o, ']');
		}
		out_str(&o, "}\n");
	} else if (list) {
		out_printf(&o, "%-18s %8s %-12s %-6s %8s %s\n", "vaddr", "pages", "pfn", "state", "mapcount",
			   "flags / mapping");
		for (size_t i = 0; i < t->nruns; i++) {
			const struct pgt_task_run *r = &t->runs[i];
			const struct pgt_task_vma *v = &t->vmas[r->vma];
			char state[8];

			snprintf(state, sizeof(state), "%c%c%c", r->pm & (1ull << 63) ? 'P' : 'S',
				 r->pm & (1ull << 61) ? 'f' : 'a', r->pm & (1ull << 56) ? 'x' : '-');
			out_printf(&o, "0x%016llx %8llu ", (unsigned long long)(r->vpage * 4096),
				   (unsigned long long)r->npages);
			if (r->pfn == PGT_PFN_NONE)
				out_printf(&o, "%-12s", "-");
			else
				out_printf(&o, "0x%010llx", (unsigned long long)r->pfn);
			out_printf(&o, " %-6s %8llu %s ", state, (unsigned long long)r->mapcount,
				   pgt_kpf_format(r->kflags, names, sizeof(names)));
			out_text_str(&o, *v->path ? v->path : "[anon]");
			out_char(&o, '\n');
		}
	} else {
		out_printf(&o, "%-33s %-4s %9s %9s %9s %9s %9s %9s  %s\n", "mapping", "perm",
			   bytes ? "bytes" : "pages", "present", "swapped", "file", "anon", "excl", "path");
		for (size_t i = 0; i < t->nvmas; i++) {
			const struct pgt_task_vma *v = &t->vmas[i];

			out_printf(&o, "%016llx-%016llx %-4s", (unsigned long long)v->start,
				   (unsigned long long)v->end, v->perms);
			count(&o, (v->end - v->start) / 4096, bytes, 9);
			count(&o, v->present, bytes, 9);
			count(&o, v->swapped, bytes, 9);
			count(&o, v->file, bytes, 9);
			count(&o, v->anon, bytes, 9);
			count(&o, v->exclusive, bytes, 9);
			out_str(&o, "  ");
			out_text_str(&o, *v->path ? v->path : "[anon]");
			out_char(&o, '\n');
			for (size_t k = 0; k < v->nkflags; k++)
				out_printf(&o, "    flags %-48s %llu pages\n",
					   pgt_kpf_format(v->kflags[k].flags, names, sizeof(names)),
					   (unsigned long long)v->kflags[k].pages);
		}
		out_printf(&o, "%-38s", "total");
		{
			uint64_t pages = 0;

			for (size_t i = 0; i < t->nvmas; i++)
				pages += (t->vmas[i].end - t->vmas[i].start) / 4096;
			count(&o, pages, bytes, 9);
		}
		count(&o, t->present, bytes, 9);
		count(&o, t->swapped, bytes, 9);
		count(&o, t->file, bytes, 9);
		count(&o, t->anon, bytes, 9);
		count(&o, t->exclusive, bytes, 9);
		out_printf(&o, "  pid %llu (", (unsigned long long)pid);
		out_text_str(&o, t->comm);
		out_printf(&o, ")%s\n", t->used_scan ? ", ranges by PAGEMAP_SCAN" : "");
	}
	if (out_finish(&o))
		rc = EXIT_RUNTIME;
out:
	pgt_source__free(src);
	pgt_task_info__free(own);
	return rc;
}
