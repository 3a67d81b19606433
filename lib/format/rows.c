// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The rows sink (rows.h): events as lines of text, CSV or JSON, with the
 * side tables resolved as each event comes (so they must be in step with
 * the events).  pgtrace dump and export both write through it, so both
 * write exactly the same rows.
 *
 * The column names and which columns "all" means are the field table's
 * (fields.h); how a value is written is decided here, per format: text
 * shows "-" for what is unknown, CSV an empty field, JSON null (or an
 * empty string for strings).  Strings are escaped by lib/util/out.c.
 *
 * Nothing is allocated per event: the buffer is set up once, and the
 * process and object of the last event are kept (consecutive events
 * mostly share them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#include "pgtrace/fields.h"
#include "pgtrace/rows.h"
#include "util/opts.h"
#include "util/out.h"

int pgt_rows__parse_columns(const char *list, unsigned *ids, size_t max, size_t *bad)
{
	const char *s = list;
	size_t n = 0;

	if (!strcmp(list, "all")) {
		size_t nt;
		const struct pgt_field *t = pgt_fields(&nt);

		for (size_t i = 0; i < nt && n < max; i++)
			if ((t[i].uses & (PGT_FU_ALL | PGT_FU_COLUMN)) == (PGT_FU_ALL | PGT_FU_COLUMN))
				ids[n++] = t[i].id;
		return (int)n;
	}
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		const struct pgt_field *f = pgt_field__find(s, len, PGT_FU_COLUMN);

		if (!f || n >= max) {
			if (bad)
				*bad = (size_t)(s - list);
			return -EINVAL;
		}
		ids[n++] = f->id;
		s += len;
		if (*s == ',')
			s++;
	}
	return (int)n;
}

struct rows {
	struct pgt_sink base;
	struct pgt_out o;
	int fmt;
	unsigned cols[PGT_ROWS_MAX_COLUMNS];
	int ncols;
	/* JSON: the member names, quoted, with their colon */
	char keys[PGT_ROWS_MAX_COLUMNS][24];
	uint8_t key_len[PGT_ROWS_MAX_COLUMNS];
	uint64_t seq_lo, seq_hi, t_lo, t_hi;
	int ordered;
	/* the last event's process and object, while the tables hold still */
	const struct pgt_meta *meta;
	uint32_t last_pid;
	const struct pgt_process *last_proc;
	uint32_t last_nproc;
	uint32_t last_obj_id;
	const struct pgt_object *last_obj;
	uint32_t last_nobj;
};

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

/* Cached like proc_of(): object pointers move only when the table grows. */
static const struct pgt_object *obj_of(struct rows *d, uint32_t id)
{
	if (id != d->last_obj_id || !d->last_obj || d->last_nobj != pgt_meta__nr_objects(d->meta)) {
		d->last_obj = pgt_meta__object(d->meta, id);
		d->last_obj_id = id;
		d->last_nobj = pgt_meta__nr_objects(d->meta);
	}
	return d->last_obj;
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

/* Length of @s when no byte of it needs escaping in @fmt, else -1. */
static inline ssize_t plain_len(const char *s, int fmt)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '\\')	/* not ASCII: UTF-8 checked */
			return -1;
		if (fmt == PGT_ROWS_CSV && (*p == ',' || *p == '"'))
			return -1;
		if (fmt == PGT_ROWS_JSONL && (*p == '"' || *p == '<' || *p == '>' || *p == '&'))
			return -1;
	}
	return (ssize_t)((const char *)p - s);
}

static void put_string(struct rows *d, const char *s)
{
	ssize_t n = plain_len(s, d->fmt);

	if (n > 0 || (n == 0 && d->fmt == PGT_ROWS_CSV)) {
		if (d->fmt == PGT_ROWS_JSONL)
			pgt_out__char(&d->o, '"');
		pgt_out__mem(&d->o, s, (size_t)n);
		if (d->fmt == PGT_ROWS_JSONL)
			pgt_out__char(&d->o, '"');
		return;
	}
	switch (d->fmt) {
	case PGT_ROWS_JSONL: pgt_out__json_str(&d->o, s); break;
	case PGT_ROWS_CSV: pgt_out__csv_str(&d->o, s); break;
	default: pgt_out__text_str(&d->o, *s ? s : "-"); break;
	}
}

/* What an unknown number is written as. */
static const char *none(const struct rows *d)
{
	return d->fmt == PGT_ROWS_JSONL ? "null" : d->fmt == PGT_ROWS_TEXT ? "-" : "";
}

static void row(struct rows *d, const struct pgt_event *e)
{
	struct pgt_out *o = &d->o;
	const struct pgt_object *obj = NULL;
	const struct pgt_process *proc = NULL;
	int json = d->fmt == PGT_ROWS_JSONL;
	char sep = d->fmt == PGT_ROWS_CSV ? ',' : ' ';

	if (json)
		pgt_out__char(o, '{');
	for (int i = 0; i < d->ncols; i++) {
		unsigned f = d->cols[i];

		if (i)
			pgt_out__char(o, json ? ',' : sep);
		if (json)
			pgt_out__mem(o, d->keys[i], d->key_len[i]);
		if ((f == PGT_FIELD_PATH || f == PGT_FIELD_DEV || f == PGT_FIELD_INO) && !obj)
			obj = obj_of(d, e->obj);
		switch (f) {
		case PGT_FIELD_SEQ: pgt_out__dec(o, e->seq); break;
		case PGT_FIELD_TS:
			if (d->fmt == PGT_ROWS_TEXT)
				pgt_out__ts(o, e->ts);
			else
				pgt_out__dec(o, e->ts);
			break;
		case PGT_FIELD_CPU: pgt_out__dec(o, e->cpu); break;
		case PGT_FIELD_PID: pgt_out__dec(o, e->pid); break;
		case PGT_FIELD_TID: pgt_out__dec(o, e->tid); break;
		case PGT_FIELD_COMM:
		case PGT_FIELD_CGROUP:
			if (!proc)
				proc = proc_of(d, e->pid);
			put_string(d, !proc ? "" : f == PGT_FIELD_COMM ? proc->comm : proc->cgroup);
			break;
		case PGT_FIELD_TYPE:
			if (json)
				pgt_out__char(o, '"');
			pgt_out__str(o, pgt_event_type_name(e->type));
			if (json)
				pgt_out__char(o, '"');
			break;
		case PGT_FIELD_OBJ: pgt_out__dec(o, e->obj); break;
		case PGT_FIELD_PATH: put_string(d, obj && obj->path ? obj->path : ""); break;
		case PGT_FIELD_DEV:
			if (json)
				pgt_out__char(o, '"');
			if (obj) {
				pgt_out__dec(o, major(obj->dev));
				pgt_out__char(o, ':');
				pgt_out__dec(o, minor(obj->dev));
			} else if (d->fmt == PGT_ROWS_TEXT) {
				pgt_out__char(o, '-');
			}
			if (json)
				pgt_out__char(o, '"');
			break;
		case PGT_FIELD_INO:
			if (obj)
				pgt_out__dec(o, obj->ino);
			else
				pgt_out__str(o, none(d));
			break;
		case PGT_FIELD_INDEX: pgt_out__dec(o, e->index); break;
		case PGT_FIELD_NPAGES: pgt_out__dec(o, e->npages); break;
		case PGT_FIELD_PFN:
			if (e->pfn != PGT_PFN_NONE)
				pgt_out__dec(o, e->pfn);
			else
				pgt_out__str(o, none(d));
			break;
		case PGT_FIELD_FLAGS: {
			char buf[96];

			flags_str(buf, e->flags);
			if (json)
				pgt_out__json_str(o, buf);
			else
				pgt_out__str(o, *buf || d->fmt == PGT_ROWS_CSV ? buf : "-");
			break;
		}
		case PGT_FIELD_AUX: pgt_out__dec(o, e->aux); break;
		}
	}
	pgt_out__str(o, json ? "}\n" : "\n");
}

static int rows_feed(struct pgt_sink *s, const struct pgt_event *evs, size_t n,
		     const struct pgt_meta *meta, const struct pgt_header *h)
{
	struct rows *d = (struct rows *)s;
	int all_late = 1;

	(void)h;
	if (d->o.err)	/* the output failed: the finish says so */
		return PGT_SINK_SATED;
	if (meta != d->meta) {
		d->meta = meta;
		d->last_proc = NULL;
		d->last_nproc = 0;
		d->last_obj = NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct pgt_event *e = &evs[i];

		if (e->ts < d->t_hi)
			all_late = 0;
		if (e->seq < d->seq_lo || e->seq >= d->seq_hi || e->ts < d->t_lo || e->ts >= d->t_hi)
			continue;
		row(d, e);
	}
	if (evs[n - 1].seq + 1 >= d->seq_hi || (all_late && d->ordered && d->t_hi != UINT64_MAX))
		return PGT_SINK_SATED;
	return d->o.err ? PGT_SINK_SATED : 0;
}

static int rows_finish(struct pgt_sink *s, const struct pgt_meta *meta, const struct pgt_header *h)
{
	struct rows *d = (struct rows *)s;

	(void)meta, (void)h;
	return pgt_out__finish(&d->o);
}

static void rows_free(struct pgt_sink *s)
{
	struct rows *d = (struct rows *)s;

	free(d->o.buf);
	free(d);
}

static const struct pgt_sink_ops rows_ops = {
	.name = "rows", .feed = rows_feed, .finish = rows_finish, .free = rows_free,
};

struct pgt_sink *pgt_rows__sink(int fd, const struct pgt_rows_opts *opts, int *err)
{
	static const unsigned text_cols[] = {
		PGT_FIELD_SEQ, PGT_FIELD_TS, PGT_FIELD_CPU, PGT_FIELD_PID, PGT_FIELD_COMM,
		PGT_FIELD_TYPE, PGT_FIELD_PATH, PGT_FIELD_INDEX, PGT_FIELD_NPAGES,
	};
	struct pgt_rows_opts local;
	const struct pgt_rows_opts *op;
	struct rows *d = NULL;
	int e = -EINVAL;

	if (!PGT_OPTS_VALID(opts))
		goto fail;
	op = PGT_OPTS_FIT(opts, &local);
	if (!op) {
		memset(&local, 0, sizeof(local));
		op = &local;
	}
	if (op->format < PGT_ROWS_TEXT || op->format > PGT_ROWS_JSONL ||
	    (op->columns && op->ncolumns > PGT_ROWS_MAX_COLUMNS))
		goto fail;
	e = -ENOMEM;
	d = calloc(1, sizeof(*d));
	if (!d)
		goto fail;
	d->fmt = op->format;
	if (op->columns) {
		d->ncols = (int)op->ncolumns;
		memcpy(d->cols, op->columns, op->ncolumns * sizeof(*d->cols));
	} else if (d->fmt == PGT_ROWS_TEXT) {
		d->ncols = (int)(sizeof(text_cols) / sizeof(text_cols[0]));
		memcpy(d->cols, text_cols, sizeof(text_cols));
	} else {
		d->ncols = pgt_rows__parse_columns("all", d->cols, PGT_ROWS_MAX_COLUMNS, NULL);
	}
	e = -EINVAL;
	for (int i = 0; i < d->ncols; i++) {
		const struct pgt_field *f = pgt_field__by_id(d->cols[i], PGT_FU_COLUMN);

		if (!f || strlen(f->name) + 4 > sizeof(d->keys[i]))
			goto fail;
		d->key_len[i] = (uint8_t)snprintf(d->keys[i], sizeof(d->keys[i]), "\"%s\":", f->name);
	}
	d->seq_lo = op->seq_lo;
	d->seq_hi = op->seq_hi ? op->seq_hi : UINT64_MAX;
	d->t_lo = op->t_lo;
	d->t_hi = op->t_hi ? op->t_hi : UINT64_MAX;
	d->ordered = !!op->time_ordered;
	e = pgt_out__init(&d->o, fd);
	if (e)
		goto fail;
	if (d->fmt == PGT_ROWS_CSV && !op->no_header) {
		for (int i = 0; i < d->ncols; i++) {
			if (i)
				pgt_out__char(&d->o, ',');
			/* "name": between the quotes */
			pgt_out__mem(&d->o, d->keys[i] + 1, d->key_len[i] - 3u);
		}
		pgt_out__char(&d->o, '\n');
	}
	d->base.ops = &rows_ops;
	/* names are resolved as each event comes: side tables in step */
	d->base.flags = PGT_SINK_IN_STEP;
	return &d->base;
fail:
	if (d)
		free(d->o.buf);
	free(d);
	if (err)
		*err = e;
	return NULL;
}
