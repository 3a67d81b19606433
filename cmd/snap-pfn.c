// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace snap pfn: physical frames by their kernel flags. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "snap.h"

static void pfn_usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace snap pfn [OPTIONS] [FIRST..END]\n"
		"\n"
		"Walk the physical frames of /proc/kpageflags (root) over a frame range\n"
		"(default: every System RAM range of /proc/iomem; holes are skipped) and\n"
		"count pages per combination of kernel page flags.\n"
		"\n"
		"Options:\n"
		"  -b, --flags SPEC    only frames with these flags set (~flag: clear),\n"
		"                      e.g. lru,~anon or dirty,writeback\n"
		"  -l, --list          list runs of frames instead of the table\n"
		"  -m, --mapcount      also read /proc/kpagecount (map counts)\n"
		"  -c, --cgroup        also read /proc/kpagecgroup (memcg inode)\n"
		"  -j, --threads N     readers in parallel (default: one per CPU)\n"
		"      --resolve       with --list: name the owners of each run's frames\n"
		"                      (file and page, or process and address; root)\n"
		"      --json          JSON output\n"
		"      --bytes         sizes in bytes\n"
		"  -o, --output TRACE  also write snapshot events to TRACE\n"
		"  -f, --force         overwrite TRACE\n"
		"  -h, --help          show this help\n"
		"\n"
		"Flags: locked error referenced uptodate dirty lru active slab writeback\n"
		"reclaim buddy mmap anon swapcache swapbacked compound_head compound_tail\n"
		"huge unevictable hwpoison nopage ksm thp offline zero_page idle pgtable\n"
		"reserved mlocked owner_2 private private_2 owner_private arch uncached\n"
		"softdirty arch_2 arch_3 (or bit numbers).\n"
		"\n"
		"Examples:\n"
		"  pgtrace snap pfn\n"
		"  pgtrace snap pfn --flags lru,~anon --list 0x100000..0x140000\n"
		"  pgtrace snap pfn --json -o frames.pgt\n");
}

static void progress_cb(uint64_t done, uint64_t total, void *ctx)
{
	progress_update(ctx, done);
	(void)total;
}

/* Owners of a listed run, frame by frame, grouped into sub-runs whose
 * frames have the same owners at consecutive pages or addresses; each
 * group goes to @emit. */
typedef void (*group_fn)(struct out *o, uint64_t start, uint64_t len, const struct pgt_owner *w,
			 size_t n, int first);

static void owner_groups(struct out *o, const struct pgt_owner_map *m, const struct pgt_pfn_run *r,
			 group_fn emit)
{
	struct pgt_owner cur[4], nxt[4];
	uint64_t start = r->pfn, len = 0;
	size_t ncur = 0;
	int first = 1;

	for (uint64_t f = r->pfn; f <= r->pfn + r->npages; f++) {
		size_t n = f < r->pfn + r->npages ? pgt_owner_map__lookup(m, f, nxt, 4) : SIZE_MAX;
		int same = n == ncur && n != SIZE_MAX && len;

		for (size_t k = 0; same && k < n && k < 4; k++)
			same = nxt[k].kind == cur[k].kind && nxt[k].pid == cur[k].pid &&
			       nxt[k].path == cur[k].path && nxt[k].index == cur[k].index + len &&
			       (!nxt[k].pid || nxt[k].vaddr == cur[k].vaddr + len * 4096);
		if (same) {
			len++;
			continue;
		}
		if (len) {
			emit(o, start, len, cur, ncur, first);
			first = 0;
		}
		if (n == SIZE_MAX)
			break;
		memcpy(cur, nxt, sizeof(cur));
		ncur = n;
		start = f;
		len = 1;
	}
}

static void text_group(struct out *o, uint64_t start, uint64_t len, const struct pgt_owner *w, size_t n,
		       int first)
{
	(void)first;
	out_printf(o, "    0x%010llx +%-8llu ", (unsigned long long)start, (unsigned long long)len);
	if (!n)
		out_str(o, "owner not found");
	for (size_t k = 0; k < n && k < 4; k++) {
		if (k)
			out_str(o, "; ");
		if (w[k].kind == PGT_OWNER_FILE) {
			out_str(o, "file ");
			out_text_str(o, w[k].path);
			out_printf(o, " page %llu", (unsigned long long)w[k].index);
		} else {
			out_str(o, "anon");
		}
		if (w[k].pid)
			out_printf(o, " pid %u at 0x%llx", w[k].pid, (unsigned long long)w[k].vaddr);
	}
	if (n > 4)
		out_printf(o, "; and %zu more", n - 4);
	out_char(o, '\n');
}

static void json_group(struct out *o, uint64_t start, uint64_t len, const struct pgt_owner *w, size_t n,
		       int first)
{
	out_printf(o, "%s{\"pfn\":%llu,\"pages\":%llu,\"owners\":[", first ? "" : ",",
		   (unsigned long long)start, (unsigned long long)len);
	for (size_t k = 0; k < n && k < 4; k++) {
		out_printf(o, "%s{\"kind\":\"%s\",\"path\":", k ? "," : "",
			   w[k].kind == PGT_OWNER_FILE ? "file" : "anon");
		out_json_str(o, w[k].path);
		out_printf(o, ",\"index\":%llu,\"pid\":%u,\"vaddr\":%llu}", (unsigned long long)w[k].index,
			   w[k].pid, (unsigned long long)w[k].vaddr);
	}
	out_str(o, "]}");
}

int snap_pfn(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "flags", required_argument, NULL, 'b' },
		{ "list", no_argument, NULL, 'l' },
		{ "mapcount", no_argument, NULL, 'm' },
		{ "cgroup", no_argument, NULL, 'c' },
		{ "threads", required_argument, NULL, 'j' },
		{ "resolve", no_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'J' },
		{ "bytes", no_argument, NULL, 'B' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pgt_pfn_opts po = { .sz = sizeof(po) };
	struct pgt_pfn_result *own = NULL;
	const struct pgt_pfn_result *res = NULL;
	struct pgt_source *src = NULL;
	struct pgt_writer *w = NULL;
	struct pgt_owner_map *owners = NULL;
	int list = 0, json = 0, bytes = 0, force = 0, resolve = 0, c, err, rc = 0;
	const char *output = NULL;
	struct progress prog;
	struct out o;
	char names[1024];

	while ((c = getopt_long(argc, argv, "b:lmcj:o:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': {
			struct pgt_parse_error pe;

			if (pgt_kpf_parse(optarg, &po.must_set, &po.must_clear, &pe))
				cli_usage_error("unknown page flag in --flags '%s' at '%s'", optarg, optarg + pe.offset);
			break;
		}
		case 'l': list = 1; break;
		case 'm': po.mapcount = 1; break;
		case 'c': po.cgroup = 1; break;
		case 'j':
			po.threads = (unsigned)cli_u64_max("--threads", optarg, 1024);
			if (!po.threads)
				cli_usage_error("invalid --threads '%s': must be at least 1", optarg);
			break;
		case 'R': resolve = 1; break;
		case 'J': json = 1; break;
		case 'B': bytes = 1; break;
		case 'o': output = optarg; break;
		case 'f': force = 1; break;
		case 'h': pfn_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (optind < argc) {
		struct pgt_range r;

		cli_range("frame range", argv[optind], 0, &r);
		if (r.lo.anchor != PGT_ANCHOR_START || r.hi.anchor != PGT_ANCHOR_START)
			cli_usage_error("invalid frame range '%s': use FIRST..END frame numbers", argv[optind]);
		po.first = r.lo.set ? r.lo.v : 0;
		po.end = r.hi.set ? r.hi.v : UINT64_MAX;
		if (po.end <= po.first)
			cli_usage_error("invalid frame range '%s': empty", argv[optind]);
		optind++;
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (resolve && !list)
		cli_usage_error("--resolve needs --list");
	po.runs = list || output;
	progress_init(&prog, "frames", 0);
	po.progress = progress_cb;
	po.ctx = &prog;
	cli_clear_diag();
	/* with -o the snapshot is a source, drained into the trace below */
	if (output) {
		src = pgt_snap_pfn__source(&po, &res, &err);
	} else {
		own = pgt_snap_pfn(&po, &err);
		res = own;
	}
	progress_done(&prog);
	if (err)	/* the diagnostic names the kernel file that failed */
		return snap_root_hint(*cli_last_diag() ? cli_last_diag() : "/proc/kpageflags", err);
	if (resolve) {
		struct pgt_owner_opts oo = { .sz = sizeof(oo), .threads = po.threads };

		owners = pgt_owner_map__new(&oo, &err);
		if (err) {
			rc = snap_root_hint("the frames of processes and files", err);
			goto out;
		}
	}
	rc = snap_open_trace(&w, output, force, src ? &src->header : NULL);
	if (rc)
		goto out;
	rc = snap_write_trace(src, w, output);

	out_init(&o, snap_table_fd(output));
	if (json) {
		out_printf(&o, "{\"walked\":%llu,\"matched\":%llu,\"ranges\":%llu,\"page_size\":4096,\"combos\":[",
			   (unsigned long long)res->walked, (unsigned long long)res->matched,
			   (unsigned long long)res->spans);
		for (size_t i = 0; i < res->ncombos; i++) {
			out_printf(&o, "%s{\"flags\":\"0x%016llx\",\"names\":", i ? "," : "",
				   (unsigned long long)res->combos[i].flags);
			out_json_str(&o, pgt_kpf_format(res->combos[i].flags, names, sizeof(names)));
			out_printf(&o, ",\"pages\":%llu,\"bytes\":%llu}", (unsigned long long)res->combos[i].pages,
				   (unsigned long long)res->combos[i].pages * 4096);
		}
		out_str(&o, "]");
		if (list) {
			out_str(&o, ",\"runs\":[");
			for (size_t i = 0; i < res->nruns; i++) {
				const struct pgt_pfn_run *r = &res->runs[i];

				out_printf(&o, "%s{\"pfn\":%llu,\"pages\":%llu,\"flags\":\"0x%llx\"", i ? "," : "",
					   (unsigned long long)r->pfn, (unsigned long long)r->npages,
					   (unsigned long long)r->flags);
				if (po.mapcount)
					out_printf(&o, ",\"mapcount\":%llu", (unsigned long long)r->mapcount);
				if (po.cgroup)
					out_printf(&o, ",\"cgroup\":%llu", (unsigned long long)r->cgroup);
				if (owners) {
					out_str(&o, ",\"owners\":[");
					owner_groups(&o, owners, r, json_group);
					out_char(&o, ']');
				}
				out_char(&o, '}');
			}
			out_str(&o, "]");
		}
		out_str(&o, "}\n");
	} else if (list) {
		out_printf(&o, "%-12s %10s %-18s%s%s %s\n", "pfn", "pages", "flags",
			   po.mapcount ? " mapcount" : "", po.cgroup ? "     cgroup" : "", "names");
		for (size_t i = 0; i < res->nruns; i++) {
			const struct pgt_pfn_run *r = &res->runs[i];

			out_printf(&o, "0x%010llx %10llu 0x%016llx", (unsigned long long)r->pfn,
				   (unsigned long long)r->npages, (unsigned long long)r->flags);
			if (po.mapcount)
				out_printf(&o, " %8llu", (unsigned long long)r->mapcount);
			if (po.cgroup)
				out_printf(&o, " %10llu", (unsigned long long)r->cgroup);
			out_char(&o, ' ');
			out_str(&o, pgt_kpf_format(r->flags, names, sizeof(names)));
			out_char(&o, '\n');
			if (owners)
				owner_groups(&o, owners, r, text_group);
		}
	} else {
		out_printf(&o, "%-18s %12s %10s  %s\n", "flags", "pages", "size", "names");
		for (size_t i = 0; i < res->ncombos; i++) {
			out_printf(&o, "0x%016llx %12llu ", (unsigned long long)res->combos[i].flags,
				   (unsigned long long)res->combos[i].pages);
			snap_size(&o, res->combos[i].pages, bytes, 10);
			out_str(&o, "  ");
			out_str(&o, pgt_kpf_format(res->combos[i].flags, names, sizeof(names)));
			out_char(&o, '\n');
		}
		out_printf(&o, "%-18s %12llu ", "total", (unsigned long long)res->matched);
		snap_size(&o, res->matched, bytes, 10);
		out_printf(&o, "  (%llu frames walked in %llu ranges)\n", (unsigned long long)res->walked,
			   (unsigned long long)res->spans);
	}
	if (out_finish(&o))
		rc = EXIT_RUNTIME;
out:
	pgt_owner_map__free(owners);
	pgt_source__free(src);
	pgt_pfn_result__free(own);
	return rc;
}
