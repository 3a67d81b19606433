// SPDX-License-Identifier: GPL-2.0-or-later
/* Events as rows of text, CSV or JSON lines (pgtrace dump and export). */
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "pgtrace/fields.h"
#include "rows.h"

/* The writer's names of its columns, in enum order: the PGT_FU_COLUMN
 * entries of the field table (fields.h), which decides which are accepted
 * and which "all" means (t/unit/test-fields.c checks the two agree). */
const char *const row_field_names[F_NFIELDS] = {
	"seq", "ts", "cpu", "pid", "tid", "comm", "type", "obj", "path", "dev", "ino",
	"index", "npages", "pfn", "flags", "aux", "cgroup",
};

/* The column of the table's entry @f, or -1. */
static int column_of(const struct pgt_field *f)
{
	for (int i = 0; f && i < F_NFIELDS; i++)
		if (!strcmp(row_field_names[i], f->name))
			return i;
	return -1;
}

int rows_parse_fields(const char *s, int *fields)
{
	int n = 0;

	if (!strcmp(s, "all")) {
		size_t nt;
		const struct pgt_field *t = pgt_fields(&nt);

		for (size_t i = 0; i < nt && n < ROWS_MAX_FIELDS; i++)
			if ((t[i].uses & PGT_FU_ALL) && column_of(&t[i]) >= 0)
				fields[n++] = column_of(&t[i]);
		return n;
	}
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		int found = column_of(pgt_field__find(s, len, PGT_FU_COLUMN));

		if (found < 0 || n >= ROWS_MAX_FIELDS) {
			char names[256];

			pgt_fields__names(PGT_FU_COLUMN, ", ", names, sizeof(names));
			cli_usage_error("unknown field '%.*s' in --fields: expected %s", (int)len, s, names);
		}
		fields[n++] = found;
		s += len;
		if (*s == ',')
			s++;
	}
	if (!n)
		cli_usage_error("empty --fields");
	return n;
}

/* The process of @pid, or NULL.  Cached: consecutive events mostly share
 * a pid.  The entry stays where it is until the table grows; a record for
 * a known pid (an exec) replaces its strings, so they are read afresh
 * from it every time and never kept. */
static const struct pgt_process *proc_of(struct rows *d, uint32_t pid)
{
	uint32_t n = pgt_meta__nr_processes(d->meta);

	if (pid != d->last_pid || n != d->last_nproc) {
		d->last_proc = pgt_meta__process(d->meta, pid);
		d->last_pid = pid;
		d->last_nproc = n;
	}
	return d->last_proc;
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

/* Decimal digits straight into the buffer: the hottest thing here. */
static inline void put_u64(struct out *o, uint64_t v)
{
	char *p;
	int n = 1;

	for (uint64_t t = v; t >= 10; t /= 10)
		n++;
	out_reserve(o, 20);
	p = o->buf + o->len + n;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	o->len += (size_t)n;
}

/* Length of @s when no byte of it needs escaping in @fmt, else -1. */
static inline ssize_t plain_len(const char *s, enum row_fmt fmt)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '\\')	/* not ASCII: UTF-8 checked */
			return -1;
		if (fmt == FMT_CSV && (*p == ',' || *p == '"'))
			return -1;
		if (fmt == FMT_JSONL && (*p == '"' || *p == '<' || *p == '>' || *p == '&'))
			return -1;
	}
	return (ssize_t)((const char *)p - s);
}

static void put_string(struct rows *d, const char *s)
{
	ssize_t n = plain_len(s, d->fmt);

	if (n > 0 || (n == 0 && d->fmt == FMT_CSV)) {
		if (d->fmt == FMT_JSONL)
			out_char(&d->o, '"');
		out_mem(&d->o, s, (size_t)n);
		if (d->fmt == FMT_JSONL)
			out_char(&d->o, '"');
		return;
	}
	switch (d->fmt) {
	case FMT_JSONL: out_json_str(&d->o, s); break;
	case FMT_CSV: out_csv_str(&d->o, s); break;
	default: out_text_str(&d->o, *s ? s : "-"); break;
	}
}

static const struct pgt_object *obj_of(struct rows *d, uint32_t id)
{
	/* Cached like comm_of(): object pointers move only when the table
	 * grows. */
	if (id != d->last_obj_id || !d->last_obj || d->last_nobj != pgt_meta__nr_objects(d->meta)) {
		d->last_obj = pgt_meta__object(d->meta, id);
		d->last_obj_id = id;
		d->last_nobj = pgt_meta__nr_objects(d->meta);
	}
	return d->last_obj;
}

void rows_event(struct rows *d, const struct pgt_event *e)
{
	struct out *o = &d->o;
	const struct pgt_object *obj = NULL;
	const struct pgt_process *proc = NULL;
	char sep = d->fmt == FMT_CSV ? ',' : ' ';

	if (d->fmt == FMT_JSONL)
		out_char(o, '{');
	for (int i = 0; i < d->nfields; i++) {
		int f = d->fields[i];

		if (i)
			out_char(o, d->fmt == FMT_JSONL ? ',' : sep);
		if (d->fmt == FMT_JSONL) {
			static const char *const keys[F_NFIELDS] = {
				"\"seq\":", "\"ts\":", "\"cpu\":", "\"pid\":", "\"tid\":", "\"comm\":",
				"\"type\":", "\"obj\":", "\"path\":", "\"dev\":", "\"ino\":", "\"index\":",
				"\"npages\":", "\"pfn\":", "\"flags\":", "\"aux\":", "\"cgroup\":",
			};

			out_mem(o, keys[f], strlen(row_field_names[f]) + 3);
		}
		if ((f == F_PATH || f == F_DEV || f == F_INO) && !obj)
			obj = obj_of(d, e->obj);
		switch (f) {
		case F_SEQ: put_u64(o, e->seq); break;
		case F_TS:
			if (d->fmt == FMT_TEXT)
				out_ts(o, e->ts);
			else
				put_u64(o, e->ts);
			break;
		case F_CPU: put_u64(o, e->cpu); break;
		case F_PID: put_u64(o, e->pid); break;
		case F_TID: put_u64(o, e->tid); break;
		case F_COMM:
		case F_CGROUP:
			if (!proc)
				proc = proc_of(d, e->pid);
			put_string(d, !proc ? "" : f == F_COMM ? proc->comm : proc->cgroup);
			break;
		case F_TYPE:
			if (d->fmt == FMT_JSONL)
				out_char(o, '"');
			out_str(o, pgt_event_type_name(e->type));
			if (d->fmt == FMT_JSONL)
				out_char(o, '"');
			break;
		case F_OBJ: put_u64(o, e->obj); break;
		case F_PATH: put_string(d, obj && obj->path ? obj->path : ""); break;
		case F_DEV:
			if (d->fmt == FMT_JSONL)
				out_char(o, '"');
			if (obj) {
				put_u64(o, major(obj->dev));
				out_char(o, ':');
				put_u64(o, minor(obj->dev));
			}
			else if (d->fmt == FMT_TEXT)
				out_char(o, '-');
			if (d->fmt == FMT_JSONL)
				out_char(o, '"');
			break;
		case F_INO:
			if (obj)
				put_u64(o, obj->ino);
			else
				out_str(o, d->fmt == FMT_JSONL ? "null" : d->fmt == FMT_TEXT ? "-" : "");
			break;
		case F_INDEX: put_u64(o, e->index); break;
		case F_NPAGES: put_u64(o, e->npages); break;
		case F_PFN:
			if (e->pfn != PGT_PFN_NONE)
				put_u64(o, e->pfn);
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
		case F_AUX: put_u64(o, e->aux); break;
		}
	}
	out_str(o, d->fmt == FMT_JSONL ? "}\n" : "\n");
}

void rows_csv_header(struct rows *d)
{
	for (int i = 0; i < d->nfields; i++) {
		if (i)
			out_char(&d->o, ',');
		out_str(&d->o, row_field_names[d->fields[i]]);
	}
	out_char(&d->o, '\n');
}

/* ---- rows as a sink ---- */

struct rows_sink {
	struct pgt_sink base;
	struct rows *r;
	struct rows_range rg;
};

static int rows_feed(struct pgt_sink *s, const struct pgt_event *evs, size_t n,
		     const struct pgt_meta *meta, const struct pgt_header *h)
{
	struct rows_sink *rs = (struct rows_sink *)s;
	const struct rows_range *rg = &rs->rg;
	int all_late = 1;

	(void)meta, (void)h;
	if (rs->r->o.err)	/* the output failed: out_finish() says so */
		return PGT_SINK_SATED;
	for (size_t i = 0; i < n; i++) {
		const struct pgt_event *e = &evs[i];

		if (e->ts < rg->t_hi)
			all_late = 0;
		if (e->seq < rg->seq_lo || e->seq >= rg->seq_hi || e->ts < rg->t_lo || e->ts >= rg->t_hi)
			continue;
		rows_event(rs->r, e);
	}
	if (evs[n - 1].seq + 1 >= rg->seq_hi || (all_late && rg->ordered && rg->t_hi != UINT64_MAX))
		return PGT_SINK_SATED;
	return rs->r->o.err ? PGT_SINK_SATED : 0;
}

static void rows_sink_free(struct pgt_sink *s)
{
	free(s);
}

static const struct pgt_sink_ops rows_sink_ops = {
	.name = "rows", .feed = rows_feed, .free = rows_sink_free,
};

struct pgt_sink *rows_sink_new(struct rows *r, const struct rows_range *rg)
{
	struct rows_sink *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return NULL;
	rs->base.ops = &rows_sink_ops;
	/* rows resolve names as each event comes: side tables in step */
	rs->base.flags = PGT_SINK_IN_STEP;
	rs->r = r;
	rs->rg = rg ? *rg : (struct rows_range){ .seq_hi = UINT64_MAX, .t_hi = UINT64_MAX };
	return &rs->base;
}
