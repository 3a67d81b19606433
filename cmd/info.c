// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace info: what a trace holds. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "builtin.h"

static void info_usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace info [--json] TRACE|-\n"
		"\n"
		"Summarise a trace: format version, host, clock, time span, events per\n"
		"type, objects and how they were named, processes, lost events, and bytes\n"
		"per event.  Reads the whole trace (checking every packet).\n"
		"\n"
		"Options:\n"
		"  -j, --json     one JSON object on standard output\n"
		"  -h, --help     show this help\n"
		"\n"
		"Examples:\n"
		"  pgtrace info run.pgt\n"
		"  pgtrace gen --pattern zipf -o - | pgtrace info --json -\n"
		"\n"
		"Exit status: 0 when the whole trace was read, 1 when it is damaged or\n"
		"truncated (the summary then covers what could be read), 2 on usage errors.\n");
}

struct info {
	uint64_t events, per_type[256], first_ts, last_ts;
	uint64_t pages;
	uint32_t objects, files, named, unlinked, by_src[8];
};

static void scan_objects(struct pgt_meta *m, struct info *in)
{
	for (uint32_t i = 0; i < pgt_meta__nr_objects(m); i++) {
		const struct pgt_object *o = pgt_meta__object_at(m, i);

		if (!o)
			continue;
		in->objects++;
		if (o->kind == PGT_OBJ_FILE)
			in->files++;
		if (o->path && *o->path)
			in->named++;
		if (o->unlink_ts)
			in->unlinked++;
		in->by_src[o->name_src < 8 ? o->name_src : 0]++;
	}
}

static const char *const name_srcs[8] = { "none", "given", "proc", "fanotify", "walk", "synthetic", "6", "7" };

static const char *type_name(int t, char *buf, size_t len)
{
	if (t < PGT_EV_NTYPES)
		return pgt_event_type_name((unsigned)t);
	snprintf(buf, len, "type-%d", t);
	return buf;
}

static void print_text(struct out *o, const char *path, const struct pgt_header *h,
		       struct pgt_meta *m, const struct info *in, const struct pgt_reader_stats *st,
		       uint64_t size, int indexed, int complete)
{
	char b1[32], b2[32], tb[16];
	double span = in->events ? (double)(in->last_ts - in->first_ts) / 1e9 : 0;

	out_printf(o, "trace:        %s\n", strcmp(path, "-") ? path : "(standard input)");
	out_printf(o, "format:       %u.%u%s\n", h->major, h->minor,
		   complete ? "" : st->bad_offset ? " (damaged: see the message)"
		   : " (no end record: the writer stopped early)");
	out_str(o, "host:         ");
	out_text_str(o, h->host[0] ? h->host : "(unknown)");
	out_str(o, " (kernel ");
	out_text_str(o, h->kernel[0] ? h->kernel : "unknown");
	out_str(o, ")\n");
	out_printf(o, "clock:        %s, wall offset %lld ns\n", pgt_clock_name(h->clock),
		   (long long)h->wall_offset);
	out_printf(o, "page size:    %u\n", h->page_size);
	out_printf(o, "index:        %s\n", indexed ? "yes" : "no (read by scanning)");
	out_printf(o, "file sizes:   %s\n", h->features & PGT_FEAT_FILE_SIZES ?
		   "yes (lookups end at the end of their file)" : "no");
	out_printf(o, "packets:      %llu\n", (unsigned long long)st->packets);
	out_printf(o, "events:       %llu\n", (unsigned long long)in->events);
	if (in->events) {
		out_str(o, "time span:    ");
		out_ts(o, in->first_ts);
		out_str(o, " .. ");
		out_ts(o, in->last_ts);
		out_printf(o, " (%.6f s)\n", span);
	}
	out_printf(o, "pages:        %llu referenced (ranges expanded)\n", (unsigned long long)in->pages);
	out_printf(o, "size:         %s (%s of packets)\n", cli_human_size(size, b1, sizeof(b1)),
		   cli_human_size(st->packet_bytes, b2, sizeof(b2)));
	if (in->events)
		out_printf(o, "bytes/event:  %.3f\n", (double)size / (double)in->events);
	out_printf(o, "objects:      %u (%u files, %u named, %u deleted)\n",
		   in->objects, in->files, in->named, in->unlinked);
	out_str(o, "named by:    ");
	for (int i = 0; i < 8; i++)
		if (in->by_src[i])
			out_printf(o, " %s %u", name_srcs[i], in->by_src[i]);
	out_char(o, '\n');
	out_printf(o, "processes:    %u\n", pgt_meta__nr_processes(m));
	out_printf(o, "lost events:  %llu (in %u records)\n",
		   (unsigned long long)pgt_meta__lost_total(m), pgt_meta__nr_lost_records(m));
	out_printf(o, "level changes: %u\n", pgt_meta__nr_level_changes(m));
	if (st->unknown_records)
		out_printf(o, "skipped:      %llu records of unknown type\n",
			   (unsigned long long)st->unknown_records);
	out_str(o, "events by type:\n");
	for (int t = 0; t < 256; t++)
		if (in->per_type[t])
			out_printf(o, "  %-14s %12llu  %5.1f%%\n", type_name(t, tb, sizeof(tb)),
				   (unsigned long long)in->per_type[t],
				   100.0 * (double)in->per_type[t] / (double)in->events);
	if (pgt_meta__nr_info(m)) {
		out_str(o, "info:\n");
		for (uint32_t i = 0; i < pgt_meta__nr_info(m); i++) {
			const char *k, *v;

			pgt_meta__info_at(m, i, &k, &v);
			if (!strncmp(k, "format/", 7))
				continue;
			out_str(o, "  ");
			out_text_str(o, k);
			out_str(o, ": ");
			out_text_str(o, v);
			out_char(o, '\n');
		}
	}
}

static void print_json(struct out *o, const char *path, const struct pgt_header *h,
		       struct pgt_meta *m, const struct info *in, const struct pgt_reader_stats *st,
		       uint64_t size, int indexed, int complete)
{
	int first = 1;
	char tb[16];

	out_str(o, "{\"trace\":");
	out_json_str(o, path);
	out_printf(o, ",\"format\":\"%u.%u\",\"complete\":%s,\"host\":", h->major, h->minor,
		   complete ? "true" : "false");
	out_json_str(o, h->host);
	out_str(o, ",\"kernel\":");
	out_json_str(o, h->kernel);
	out_printf(o, ",\"clock\":\"%s\",\"wall_offset_ns\":%lld,\"page_size\":%u,\"indexed\":%s,"
		   "\"file_sizes\":%s",
		   pgt_clock_name(h->clock), (long long)h->wall_offset, h->page_size,
		   indexed ? "true" : "false", h->features & PGT_FEAT_FILE_SIZES ? "true" : "false");
	out_printf(o, ",\"packets\":%llu,\"events\":%llu,\"first_ts\":%llu,\"last_ts\":%llu",
		   (unsigned long long)st->packets, (unsigned long long)in->events,
		   (unsigned long long)in->first_ts, (unsigned long long)in->last_ts);
	out_printf(o, ",\"pages\":%llu,\"bytes\":%llu,\"packet_bytes\":%llu,\"bytes_per_event\":%.4f",
		   (unsigned long long)in->pages, (unsigned long long)size,
		   (unsigned long long)st->packet_bytes,
		   in->events ? (double)size / (double)in->events : 0.0);
	out_printf(o, ",\"objects\":{\"total\":%u,\"files\":%u,\"named\":%u,\"deleted\":%u,\"named_by\":{",
		   in->objects, in->files, in->named, in->unlinked);
	for (int i = 0; i < 8; i++) {
		if (!in->by_src[i])
			continue;
		out_printf(o, "%s\"%s\":%u", first ? "" : ",", name_srcs[i], in->by_src[i]);
		first = 0;
	}
	out_printf(o, "}},\"processes\":%u,\"lost\":%llu,\"lost_records\":%u,\"level_changes\":%u",
		   pgt_meta__nr_processes(m), (unsigned long long)pgt_meta__lost_total(m),
		   pgt_meta__nr_lost_records(m), pgt_meta__nr_level_changes(m));
	out_printf(o, ",\"unknown_records\":%llu,\"types\":{", (unsigned long long)st->unknown_records);
	first = 1;
	for (int t = 0; t < 256; t++) {
		if (!in->per_type[t])
			continue;
		out_printf(o, "%s\"%s\":%llu", first ? "" : ",", type_name(t, tb, sizeof(tb)),
			   (unsigned long long)in->per_type[t]);
		first = 0;
	}
	out_str(o, "},\"info\":{");
	first = 1;
	for (uint32_t i = 0; i < pgt_meta__nr_info(m); i++) {
		const char *k, *v;

		pgt_meta__info_at(m, i, &k, &v);
		if (!strncmp(k, "format/", 7))
			continue;
		if (!first)
			out_char(o, ',');
		out_json_str(o, k);
		out_char(o, ':');
		out_json_str(o, v);
		first = 0;
	}
	out_str(o, "}}\n");
}

/* The counts of info as a sink: events by type, pages, first and last time. */
struct info_sink {
	struct pgt_sink base;
	struct info *in;
};

static int info_feed(struct pgt_sink *s, const struct pgt_event *evs, size_t n,
		     const struct pgt_meta *meta, const struct pgt_header *h)
{
	struct info *in = ((struct info_sink *)s)->in;

	(void)meta, (void)h;
	for (size_t i = 0; i < n; i++) {
		in->per_type[evs[i].type]++;
		in->pages += evs[i].npages;
		if (evs[i].ts < in->first_ts)
			in->first_ts = evs[i].ts;
		if (evs[i].ts > in->last_ts)
			in->last_ts = evs[i].ts;
	}
	in->events += (uint64_t)n;
	return 0;
}

static void info_sink_free(struct pgt_sink *s)
{
	(void)s;		/* on the caller's stack */
}

static const struct pgt_sink_ops info_sink_ops = {
	.name = "info", .feed = info_feed, .free = info_sink_free,
};

int cmd_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct info in = { .first_ts = UINT64_MAX };
	struct pgt_reader_stats st;
	struct pgt_reader *r;
	struct info_sink is = { .base.ops = &info_sink_ops, .in = &in };
	struct pgt_sink *sink = &is.base;
	struct pgt_drain_opts dopts;
	struct pgt_drain_result res;
	struct progress prog;
	struct stat sb;
	uint64_t size, total = 0, dummy;
	int json = 0, c, rc = 0;
	struct out o;

	while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h': info_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (optind + 1 != argc)
		cli_usage_error(optind == argc ? "no trace given (a path, or - for standard input)"
					       : "one trace at a time, got '%s' too", argv[optind + 1]);
	r = cli_open_reader(argv[optind], NULL);
	if (!r)
		return EXIT_RUNTIME;
	pgt_reader__index_summary(r, &total, &dummy, &dummy, &dummy);
	progress_init(&prog, "events read", total);
	progress_drain_opts(&prog, &dopts);
	/* serial: the reader's statistics below count what it decoded */
	if (pgt_drain(pgt_reader__source(r), &sink, 1, &dopts, &res))
		rc = cli_read_failed(argv[optind], res.err);
	progress_done(&prog);
	if (!in.events)
		in.first_ts = 0;
	pgt_reader__stats(r, &st);
	scan_objects(pgt_reader__meta(r), &in);
	size = st.bytes;
	if (strcmp(argv[optind], "-") && stat(argv[optind], &sb) == 0 && rc == 0)
		size = (uint64_t)sb.st_size;
	out_init(&o, 1);
	(json ? print_json : print_text)(&o, argv[optind], pgt_reader__header(r), pgt_reader__meta(r),
					 &in, &st, size, pgt_reader__has_index(r), st.complete);
	pgt_reader__free(r);
	return out_finish(&o) ? EXIT_RUNTIME : rc;
}
