// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace dump: one line per event. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "builtin.h"

enum field {
	F_SEQ, F_TS, F_CPU, F_PID, F_TID, F_COMM, F_TYPE, F_OBJ, F_PATH, F_DEV, F_INO,
	F_INDEX, F_NPAGES, F_PFN, F_FLAGS, F_AUX, F_NFIELDS,
};

static const char *const field_names[F_NFIELDS] = {
	"seq", "ts", "cpu", "pid", "tid", "comm", "type", "obj", "path", "dev", "ino",
	"index", "npages", "pfn", "flags", "aux",
};

enum fmt { FMT_TEXT, FMT_CSV, FMT_JSONL };

static void dump_usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace dump [OPTIONS] TRACE|-\n"
		"\n"
		"Print the events of a trace, one per line, with the side tables resolved\n"
		"(file paths, process names).\n"
		"\n"
		"Options:\n"
		"  -F, --format FMT     text (default), csv or jsonl\n"
		"  -f, --fields LIST    comma-separated fields, in order, from:\n"
		"                       seq ts cpu pid tid comm type obj path dev ino index\n"
		"                       npages pfn flags aux  (or 'all')\n"
		"  -e, --events A..B    event numbers A (included) to B (excluded); -N counts\n"
		"                       from the end; either end may be left open\n"
		"  -t, --time A..B      times from the first event (2s..5s, 1.5s.., -100ms..);\n"
		"                       @T is an absolute clock value\n"
		"      --no-header      csv: no header line\n"
		"  -h, --help           show this help\n"
		"\n"
		"Examples:\n"
		"  pgtrace dump run.pgt | less\n"
		"  pgtrace dump --format csv --fields ts,pid,path,index run.pgt > run.csv\n"
		"  pgtrace dump --events -20.. --format jsonl run.pgt\n"
		"\n"
		"Exit status: 0 on success, 1 when the trace is damaged or truncated (the\n"
		"events before the damage are printed), 2 on usage errors.\n");
}

static int parse_fields(const char *s, int *fields)
{
	int n = 0;

	if (!strcmp(s, "all")) {
		for (int i = 0; i < F_NFIELDS; i++)
			fields[n++] = i;
		return n;
	}
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		int found = -1;

		for (int i = 0; i < F_NFIELDS; i++)
			if (strlen(field_names[i]) == len && !strncmp(field_names[i], s, len))
				found = i;
		if (found < 0 || n >= 64)
			cli_usage_error("unknown field '%.*s' in --fields: expected seq, ts, cpu, pid, tid, "
					"comm, type, obj, path, dev, ino, index, npages, pfn, flags, aux",
					(int)len, s);
		fields[n++] = found;
		s += len;
		if (*s == ',')
			s++;
	}
	if (!n)
		cli_usage_error("empty --fields");
	return n;
}

struct dumper {
	struct out o;
	enum fmt fmt;
	int fields[64], nfields;
	struct pgt_meta *meta;
	uint32_t last_pid;
	const char *last_comm;
	size_t last_nproc;
};

static const char *comm_of(struct dumper *d, uint32_t pid)
{
	const struct pgt_process *p;

	/* Cached: consecutive events mostly share a pid.  The cache is
	 * dropped whenever the process table changed. */
	if (pid == d->last_pid && d->last_comm && d->last_nproc == pgt_meta__nr_processes(d->meta))
		return d->last_comm;
	p = pgt_meta__process(d->meta, pid);
	d->last_pid = pid;
	d->last_comm = p ? p->comm : "";
	d->last_nproc = pgt_meta__nr_processes(d->meta);
	return d->last_comm;
}

static void flags_str(char *buf, uint16_t flags)
{
	static const char *const names[] = { "write", "major", "dirty", "anon" };
	char *p = buf;

	*p = 0;
	for (int i = 0; i < 4; i++) {
		if (flags & (1u << i))
			p += sprintf(p, "%s%s", p == buf ? "" : "|", names[i]);
	}
	if (flags & PGT_F_LEVEL_MASK)
		p += sprintf(p, "%slevel%u", p == buf ? "" : "|", (flags & PGT_F_LEVEL_MASK) >> PGT_F_LEVEL_SHIFT);
	if (flags & ~(0xfu | PGT_F_LEVEL_MASK))
		sprintf(p, "%s0x%x", p == buf ? "" : "|", flags & ~(0xfu | PGT_F_LEVEL_MASK));
}

static void put_string(struct dumper *d, const char *s)
{
	switch (d->fmt) {
	case FMT_JSONL: out_json_str(&d->o, s); break;
	case FMT_CSV: out_csv_str(&d->o, s); break;
	default: out_text_str(&d->o, *s ? s : "-"); break;
	}
}

static void dump_event(struct dumper *d, const struct pgt_event *e)
{
	struct out *o = &d->o;
	const struct pgt_object *obj = NULL;
	char sep = d->fmt == FMT_CSV ? ',' : ' ';

	if (d->fmt == FMT_JSONL)
		out_char(o, '{');
	for (int i = 0; i < d->nfields; i++) {
		int f = d->fields[i];

		if (i)
			out_char(o, d->fmt == FMT_JSONL ? ',' : sep);
		if (d->fmt == FMT_JSONL) {
			out_char(o, '"');
			out_str(o, field_names[f]);
			out_str(o, "\":");
		}
		if ((f == F_PATH || f == F_DEV || f == F_INO) && !obj)
			obj = pgt_meta__object(d->meta, e->obj);
		switch (f) {
		case F_SEQ: out_u64(o, e->seq); break;
		case F_TS:
			if (d->fmt == FMT_TEXT)
				out_ts(o, e->ts);
			else
				out_u64(o, e->ts);
			break;
		case F_CPU: out_u64(o, e->cpu); break;
		case F_PID: out_u64(o, e->pid); break;
		case F_TID: out_u64(o, e->tid); break;
		case F_COMM: put_string(d, comm_of(d, e->pid)); break;
		case F_TYPE:
			if (d->fmt == FMT_JSONL)
				out_char(o, '"');
			out_str(o, pgt_event_type_name(e->type));
			if (d->fmt == FMT_JSONL)
				out_char(o, '"');
			break;
		case F_OBJ: out_u64(o, e->obj); break;
		case F_PATH: put_string(d, obj && obj->path ? obj->path : ""); break;
		case F_DEV:
			if (d->fmt == FMT_JSONL)
				out_char(o, '"');
			if (obj) {
				out_u64(o, major(obj->dev));
				out_char(o, ':');
				out_u64(o, minor(obj->dev));
			}
			else if (d->fmt == FMT_TEXT)
				out_char(o, '-');
			if (d->fmt == FMT_JSONL)
				out_char(o, '"');
			break;
		case F_INO:
			if (obj)
				out_u64(o, obj->ino);
			else
				out_str(o, d->fmt == FMT_JSONL ? "null" : d->fmt == FMT_TEXT ? "-" : "");
			break;
		case F_INDEX: out_u64(o, e->index); break;
		case F_NPAGES: out_u64(o, e->npages); break;
		case F_PFN:
			if (e->pfn != PGT_PFN_NONE)
				out_u64(o, e->pfn);
			else
				out_str(o, d->fmt == FMT_JSONL ? "null" : d->fmt == FMT_TEXT ? "-" : "");
			break;
		case F_FLAGS: {
			char buf[96];

			flags_str(buf, e->flags);
			if (d->fmt == FMT_JSONL)
				out_json_str(o, buf);
			else
				out_str(o, *buf || d->fmt == FMT_CSV ? buf : "-");
			break;
		}
		case F_AUX: out_u64(o, e->aux); break;
		}
	}
	out_str(o, d->fmt == FMT_JSONL ? "}\n" : "\n");
}

int cmd_dump(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "fields", required_argument, NULL, 'f' },
		{ "events", required_argument, NULL, 'e' },
		{ "time", required_argument, NULL, 't' },
		{ "no-header", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const int text_fields[] = { F_SEQ, F_TS, F_CPU, F_PID, F_COMM, F_TYPE, F_PATH,
					   F_INDEX, F_NPAGES };
	struct dumper d = { .fmt = FMT_TEXT };
	struct pgt_range ev_range, t_range;
	int have_ev = 0, have_t = 0, header = 1, c, rc = 0;
	uint64_t seq_lo = 0, seq_hi = UINT64_MAX, t_lo = 0, t_hi = UINT64_MAX;
	const char *fields = NULL, *path;
	struct pgt_reader *r;
	struct pgt_source *src;
	ssize_t n = 0;

	while ((c = getopt_long(argc, argv, "F:f:e:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if (!strcmp(optarg, "text"))
				d.fmt = FMT_TEXT;
			else if (!strcmp(optarg, "csv"))
				d.fmt = FMT_CSV;
			else if (!strcmp(optarg, "jsonl") || !strcmp(optarg, "json"))
				d.fmt = FMT_JSONL;
			else
				cli_usage_error("unknown format '%s': expected text, csv or jsonl", optarg);
			break;
		case 'f': fields = optarg; break;
		case 'e': cli_range("--events", optarg, 0, &ev_range); have_ev = 1; break;
		case 't': cli_range("--time", optarg, 1, &t_range); have_t = 1; break;
		case 'H': header = 0; break;
		case 'h': dump_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (optind + 1 != argc)
		cli_usage_error(optind == argc ? "no trace given (a path, or - for standard input)"
					       : "one trace at a time, got '%s' too", argv[optind + 1]);
	path = argv[optind];
	if (fields) {
		d.nfields = parse_fields(fields, d.fields);
	} else if (d.fmt == FMT_TEXT) {
		d.nfields = (int)(sizeof(text_fields) / sizeof(text_fields[0]));
		memcpy(d.fields, text_fields, sizeof(text_fields));
	} else {
		d.nfields = parse_fields("all", d.fields);
	}

	r = cli_open_reader(path, NULL);
	if (!r)
		return EXIT_RUNTIME;
	src = pgt_reader__source(r);
	d.meta = pgt_reader__meta(r);

	if (have_ev || have_t) {
		uint64_t events = UINT64_MAX, packets, first_ts = UINT64_MAX, last_ts = 0;
		int err;

		pgt_reader__index_summary(r, &events, &packets, &first_ts, &last_ts);
		if (have_ev) {
			err = pgt_range__resolve(&ev_range, 0, events, &seq_lo, &seq_hi);
			if (err == -ENXIO) {
				cli_error("'%s' has no index, so --events cannot count from the end",
					  strcmp(path, "-") ? path : "standard input");
				pgt_reader__free(r);
				return EXIT_RUNTIME;
			}
			if (err)
				cli_usage_error("invalid --events: end before start");
			if (seq_lo && pgt_reader__has_index(r)) {
				err = pgt_reader__seek_seq(r, seq_lo);
				if (err == -PGT_ERANGE)
					seq_lo = seq_hi = 0;	/* nothing to print */
				else if (err)
					return cli_read_failed(path, err);
			}
		}
		if (have_t) {
			if (first_ts == UINT64_MAX) {
				/* No index: the first event gives the start. */
				struct pgt_event ev = { 0 };
				int got = pgt_source__next(src, &ev);

				if (got < 0)
					return cli_read_failed(path, got);
				first_ts = got ? ev.ts : 0;
				if (got)
					src->cur_i--;	/* hand it back */
			}
			err = pgt_range__resolve(&t_range, first_ts,
						 last_ts ? last_ts + 1 : UINT64_MAX, &t_lo, &t_hi);
			if (err == -ENXIO) {
				cli_error("'%s' has no index, so --time cannot count from the end",
					  strcmp(path, "-") ? path : "standard input");
				pgt_reader__free(r);
				return EXIT_RUNTIME;
			}
			if (err)
				cli_usage_error("invalid --time: end before start");
			if (!have_ev && pgt_reader__has_index(r) && t_lo > first_ts) {
				err = pgt_reader__seek_time(r, t_lo);
				if (err == -PGT_ERANGE)
					t_lo = t_hi = 0;
				else if (err)
					return cli_read_failed(path, err);
			}
		}
	}

	out_init(&d.o, 1);
	if (d.fmt == FMT_CSV && header) {
		for (int i = 0; i < d.nfields; i++) {
			if (i)
				out_char(&d.o, ',');
			out_str(&d.o, field_names[d.fields[i]]);
		}
		out_char(&d.o, '\n');
	}
	if (seq_lo < seq_hi && t_lo < t_hi) {
		for (;;) {
			const struct pgt_event *evs;
			int all_late = 1;

			n = pgt_source__batch(src, &evs);
			if (n <= 0)
				break;
			for (ssize_t i = 0; i < n; i++) {
				const struct pgt_event *e = &evs[i];

				if (e->ts < t_hi)
					all_late = 0;
				if (e->seq < seq_lo || e->seq >= seq_hi || e->ts < t_lo || e->ts >= t_hi)
					continue;
				dump_event(&d, e);
			}
			if (evs[n - 1].seq + 1 >= seq_hi || (all_late && t_hi != UINT64_MAX))
				break;
			if (d.o.err)
				break;
		}
	}
	if (n < 0) {
		out_flush(&d.o);
		rc = cli_read_failed(path, (int)n);
	}
	pgt_reader__free(r);
	return out_finish(&d.o) ? EXIT_RUNTIME : rc;
}
