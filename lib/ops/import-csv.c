// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * CSV with a header line naming its columns: those 'pgtrace dump
 * --format csv' writes (seq,ts,cpu,pid,tid,comm,type,obj,path,dev,ino,
 * index,npages,pfn,flags,aux), any subset, in any order.  Fields follow
 * RFC 4180 quoting on one line, and strings carry the \xNN escapes dump
 * writes for control characters.  An empty field, or a missing column,
 * takes the default: ts the line number (ns), type reference, npages 1,
 * pfn none, the rest 0.
 *
 * Objects: with an obj column, its numbers name the objects (and are kept
 * when free), a new path for a known number is a rename; without it,
 * objects are told apart by (dev, ino, path).  Processes: a comm for a pid
 * gives a process record, a new comm for a known pid another one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

#include "import-int.h"
#include "pgtrace/fields.h"

/* The columns a header may name: the PGT_FU_IMPORT entries of the field
 * table (fields.h), which gives their names; a column is known by its
 * field id (enum pgt_field_id). */
#define CSV_MAX_COLS PGT_FIELD_NIDS

/* The field id of the column named by the @len bytes at @name, or -1. */
static int column_named(const char *name, size_t len)
{
	const struct pgt_field *f = pgt_field__find(name, len, PGT_FU_IMPORT);

	return f ? f->id : -1;
}

/* The name of column @id. */
static const char *column_name(int id)
{
	return pgt_field__by_id((unsigned)id, PGT_FU_IMPORT)->name;
}

/* How many columns a header may have: each import column once. */
static size_t import_columns(void)
{
	size_t n, count = 0;
	const struct pgt_field *t = pgt_fields(&n);

	for (size_t i = 0; i < n; i++)
		count += (t[i].uses & PGT_FU_IMPORT) && pgt_field__by_id(t[i].id, PGT_FU_IMPORT) == &t[i];
	return count;
}

struct span {
	const char *s;
	size_t n;
	int quoted;
};

struct csv_obj {
	uint32_t id;
	int dev_set, ino_set;
	uint64_t dev, ino;
	char *path;
};

struct csv {
	int have_header;
	int ncols;
	int col[CSV_MAX_COLS];	/* column -> field */
	int at[PGT_FIELD_NIDS];	/* field -> column, or -1 */
	struct span f[CSV_MAX_COLS];
	char *path, *comm;	/* decoded strings of the current row */
	size_t path_cap, comm_cap;
	struct csv_obj *objs;
	size_t nobjs, objs_cap;
	struct imp_map by_in;	/* obj number of the input -> objs index */
	struct imp_map by_key;	/* (dev, ino, path) -> objs index */
	struct imp_map used;	/* ids given out */
	uint32_t next_id;
	struct imp_map procs;	/* pid -> comm */
};

/* Split a line into fields; -PGT_EPARSE on a quote out of place. */
static int split(struct imp *im, struct csv *c, const char *s, size_t n, int max, int *count)
{
	const char *p = s, *end = s + n;
	int k = 0;

	for (;;) {
		struct span sp = { p, 0, 0 };

		if (k == max)
			return pgt_imp_bad(im, "more fields than the %d columns of the header", max);
		if (p < end && *p == '"') {
			const char *q = p + 1;

			for (;;) {
				if (q >= end)
					return pgt_imp_bad(im, "field %d: quote not closed on this line", k + 1);
				if (*q == '"') {
					if (q + 1 < end && q[1] == '"') {
						q += 2;
						continue;
					}
					break;
				}
				q++;
			}
			sp.s = p + 1;
			sp.n = (size_t)(q - p - 1);
			sp.quoted = 1;
			p = q + 1;
			if (p < end && *p != ',')
				return pgt_imp_bad(im, "field %d: expected ',' after the closing quote", k + 1);
		} else {
			const char *q = p;

			/* fields are short: a plain loop beats two memchr() calls */
			while (q < end && *q != ',') {
				if (*q == '"')
					return pgt_imp_bad(im, "field %d: a quote inside an unquoted field", k + 1);
				q++;
			}
			sp.n = (size_t)(q - p);
			p = q;
		}
		c->f[k++] = sp;
		if (p >= end)
			break;
		p++;	/* the comma */
		if (p == end) {	/* a trailing comma: one more, empty field */
			if (k == max)
				return pgt_imp_bad(im, "more fields than the %d columns of the header", max);
			c->f[k++] = (struct span){ p, 0, 0 };
			break;
		}
	}
	*count = k;
	return 0;
}

static int xdigit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode a string field ("" and \xNN) into *@buf; return its length. */
static int decode(const struct span *sp, char **buf, size_t *cap)
{
	size_t o = 0;

	if (sp->n + 1 > *cap) {
		char *b = realloc(*buf, sp->n + 1);

		if (!b)
			return -ENOMEM;
		*buf = b;
		*cap = sp->n + 1;
	}
	for (size_t i = 0; i < sp->n; i++) {
		char ch = sp->s[i];

		if (ch == '"' && sp->quoted) {
			i++;	/* "" stands for one quote */
		} else if (ch == '\\' && i + 3 < sp->n && sp->s[i + 1] == 'x' &&
			   xdigit(sp->s[i + 2]) >= 0 && xdigit(sp->s[i + 3]) >= 0) {
			ch = (char)(xdigit(sp->s[i + 2]) << 4 | xdigit(sp->s[i + 3]));
			i += 3;
		}
		(*buf)[o++] = ch;
	}
	(*buf)[o] = 0;
	return (int)o;
}

static int header(struct imp *im, struct csv *c, const char *s, size_t n)
{
	int count, err;

	if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {	/* a UTF-8 byte order mark */
		s += 3;
		n -= 3;
	}
	char names[256];

	err = split(im, c, s, n, (int)import_columns(), &count);
	if (err) {
		pgt_fields__names(PGT_FU_IMPORT, ",", names, sizeof(names));
		return pgt_imp_bad(im, "expected a header line naming the columns (%s)", names);
	}
	for (int i = 0; i < count; i++) {
		int found = column_named(c->f[i].s, c->f[i].n);
		char show[40];

		if (found < 0) {
			pgt_fields__names(PGT_FU_IMPORT, ", ", names, sizeof(names));
			return pgt_imp_bad(im, "unknown column '%s' in the header: expected %s",
				       pgt_imp_show(show, sizeof(show), c->f[i].s, c->f[i].n), names);
		}
		if (c->at[found] >= 0)
			return pgt_imp_bad(im, "column '%s' twice in the header", column_name(found));
		c->at[found] = i;
		c->col[i] = found;
	}
	c->ncols = count;
	c->have_header = 1;
	return 0;
}

int pgt_imp_csv_detect(const char *s, size_t n)
{
	int seen = 0;

	if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
		s += 3;
		n -= 3;
	}
	while (n) {
		const char *comma = memchr(s, ',', n);
		size_t len = comma ? (size_t)(comma - s) : n;
		int found = column_named(s, len);

		if (found < 0 || seen & (1 << found))
			return 0;
		seen |= 1 << found;
		if (!comma)
			break;
		s = comma + 1;
		n -= len + 1;
		if (!n)
			return 0;
	}
	return seen != 0;
}

static const struct span *field(const struct csv *c, int f)
{
	return c->at[f] >= 0 && c->f[c->at[f]].n ? &c->f[c->at[f]] : NULL;
}

static int num_field(struct imp *im, const struct csv *c, int f, uint64_t max, uint64_t *v)
{
	const struct span *sp = field(c, f);
	char show[40];
	int err;

	if (!sp)
		return 0;	/* keep the default */
	err = pgt_imp_num(sp->s, sp->n, v);
	if (err || *v > max)
		return pgt_imp_bad(im, "%s '%s': expected %s", column_name(f), pgt_imp_show(show, sizeof(show), sp->s, sp->n),
			       err == -PGT_EPARSE ? "a non-negative integer" : "a smaller number");
	return 0;
}

static int parse_flags(struct imp *im, const struct span *sp, uint16_t *flags)
{
	static const char *const names[] = { "write", "major", "dirty", "anon" };
	const char *p = sp->s, *end = sp->s + sp->n;
	unsigned v = 0;

	while (p < end) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		size_t len = bar ? (size_t)(bar - p) : (size_t)(end - p);
		int ok = 0;
		uint64_t x;
		char show[40];

		for (unsigned i = 0; i < 4; i++)
			if (strlen(names[i]) == len && !memcmp(names[i], p, len)) {
				v |= 1u << i;
				ok = 1;
			}
		if (!ok && len == 6 && !memcmp(p, "level", 5) && p[5] >= '0' && p[5] <= '3') {
			v |= (unsigned)(p[5] - '0') << PGT_F_LEVEL_SHIFT;
			ok = 1;
		}
		if (!ok && len > 2 && p[0] == '0' && p[1] == 'x' && !pgt_imp_hex(p, len, &x) && x <= 0xffff) {
			v |= (unsigned)x;
			ok = 1;
		}
		if (!ok)
			return pgt_imp_bad(im, "unknown flag '%s': expected write, major, dirty, anon, level0..3 "
				       "or 0xHEX, joined by '|'", pgt_imp_show(show, sizeof(show), p, len));
		p += len + (bar != NULL);
		if (bar && p == end)
			return pgt_imp_bad(im, "flags end with '|'");
	}
	*flags = (uint16_t)v;
	return 0;
}

static int take_id(struct csv *c, uint32_t want, uint32_t *id)
{
	struct imp_ent *e;
	int created;

	if (want) {
		e = pgt_imp_map__get(&c->used, want, 0, NULL, 0, &created);
		if (!e)
			return -ENOMEM;
		if (created) {
			*id = want;
			return 0;
		}
	}
	for (;;) {
		if (c->next_id == 0)
			return -ENOSPC;	/* all 2^32 - 1 ids given out */
		e = pgt_imp_map__get(&c->used, c->next_id, 0, NULL, 0, &created);
		if (!e)
			return -ENOMEM;
		if (created) {
			*id = c->next_id++;
			return 0;
		}
		c->next_id++;
	}
}

static int obj_kind(const char *path)
{
	if (!strcmp(path, "[physical memory]"))
		return PGT_OBJ_PHYS;
	if (!strncmp(path, "[mm ", 4) || !strncmp(path, "[lackey", 7))
		return PGT_OBJ_MM;
	return PGT_OBJ_FILE;
}

static int new_obj(struct imp *im, struct csv *c, uint32_t want, int dev_set, uint64_t dev, int ino_set,
		   uint64_t ino, const char *path, uint64_t ts, size_t *idx)
{
	struct csv_obj *o;
	struct pgt_object po;
	int err;

	if (c->nobjs == c->objs_cap) {
		size_t ncap = c->objs_cap ? c->objs_cap * 2 : 64;
		struct csv_obj *n = realloc(c->objs, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		c->objs = n;
		c->objs_cap = ncap;
	}
	o = &c->objs[c->nobjs];
	memset(o, 0, sizeof(*o));
	o->path = strdup(path);
	if (!o->path)
		return -ENOMEM;
	err = take_id(c, want, &o->id);
	if (err) {
		free(o->path);
		return err;
	}
	o->dev_set = dev_set;
	o->dev = dev;
	o->ino_set = ino_set;
	o->ino = ino;
	*idx = c->nobjs++;
	po = (struct pgt_object){
		.id = o->id, .kind = (uint8_t)obj_kind(path), .op = PGT_OBJ_DEFINE,
		.name_src = *path ? PGT_NAME_GIVEN : PGT_NAME_NONE, .ts = ts,
		.dev = dev, .ino = ino, .path = path,
	};
	return pgt_meta__add_object(im->src.meta, &po);
}

/* The object of the current row (0: none), or IMP_DEFER for a rename
 * that must not reach events already in the batch. */
static int row_obj(struct imp *im, struct csv *c, uint64_t ts, uint32_t *id)
{
	const struct span *sp;
	uint64_t obj_in = 0, dev = 0, ino = 0;
	int dev_set = 0, ino_set = 0, err, created;
	const char *path = "";
	struct imp_ent *e;
	size_t idx;

	err = num_field(im, c, PGT_FIELD_OBJ, UINT32_MAX, &obj_in);
	if (err)
		return err;
	if ((sp = field(c, PGT_FIELD_DEV))) {
		const char *colon = memchr(sp->s, ':', sp->n);
		uint64_t ma, mi;
		char show[40];

		if (!colon || pgt_imp_dec(sp->s, (size_t)(colon - sp->s), &ma) ||
		    pgt_imp_dec(colon + 1, (size_t)(sp->s + sp->n - colon - 1), &mi) || ma > UINT32_MAX || mi > UINT32_MAX)
			return pgt_imp_bad(im, "dev '%s': expected MAJOR:MINOR", pgt_imp_show(show, sizeof(show), sp->s, sp->n));
		dev = makedev((unsigned)ma, (unsigned)mi);
		dev_set = 1;
	}
	if (field(c, PGT_FIELD_INO)) {
		err = num_field(im, c, PGT_FIELD_INO, UINT64_MAX, &ino);
		if (err)
			return err;
		ino_set = 1;
	}
	if ((sp = field(c, PGT_FIELD_PATH))) {
		int n = decode(sp, &c->path, &c->path_cap);

		if (n < 0)
			return n;
		if (memchr(c->path, 0, (size_t)n))
			return pgt_imp_bad(im, "path holds a NUL byte");
		path = c->path;
	}
	if (obj_in) {
		/* the input's numbers name the objects */
		struct csv_obj *o;

		e = pgt_imp_map__find(&c->by_in, obj_in, 0, NULL, 0);
		if (!e) {
			err = new_obj(im, c, (uint32_t)obj_in, dev_set, dev, ino_set, ino, path, ts, &idx);
			if (err)
				return err;
			e = pgt_imp_map__get(&c->by_in, obj_in, 0, NULL, 0, &created);
			if (!e)
				return -ENOMEM;
			e->val = idx;
		}
		o = &c->objs[e->val];
		if (o->dev_set != dev_set || o->dev != dev || o->ino_set != ino_set || o->ino != ino)
			return pgt_imp_bad(im, "object %llu has another dev or ino than on an earlier line",
				       (unsigned long long)obj_in);
		if (strcmp(o->path, path)) {
			struct pgt_object po = {
				.id = o->id, .kind = (uint8_t)obj_kind(path), .op = PGT_OBJ_RENAME,
				.name_src = PGT_NAME_GIVEN, .ts = ts, .dev = dev, .ino = ino, .path = path,
			};
			char *np;

			if (im->nev)
				return IMP_DEFER;
			np = strdup(path);
			if (!np)
				return -ENOMEM;
			free(o->path);
			o->path = np;
			err = pgt_meta__add_object(im->src.meta, &po);
			if (err)
				return err;
		}
		*id = o->id;
		return 0;
	}
	if (!dev_set && !ino_set && !*path) {
		*id = 0;
		return 0;
	}
	e = pgt_imp_map__find(&c->by_key, dev_set ? dev : UINT64_MAX, ino_set ? ino : UINT64_MAX, path, strlen(path));
	if (!e) {
		err = new_obj(im, c, 0, dev_set, dev, ino_set, ino, path, ts, &idx);
		if (err)
			return err;
		e = pgt_imp_map__get(&c->by_key, dev_set ? dev : UINT64_MAX, ino_set ? ino : UINT64_MAX, path,
				 strlen(path), &created);
		if (!e)
			return -ENOMEM;
		e->val = idx;
	}
	*id = c->objs[e->val].id;
	return 0;
}

static int row_proc(struct imp *im, struct csv *c, uint32_t pid, uint64_t ts)
{
	const struct span *sp = field(c, PGT_FIELD_COMM);
	struct imp_ent *e;
	int n, created, err;

	if (!sp)
		return 0;
	n = decode(sp, &c->comm, &c->comm_cap);
	if (n < 0)
		return n;
	e = pgt_imp_map__find(&c->procs, pid, 0, NULL, 0);
	if (e && !strcmp(e->vs, c->comm))
		return 0;
	if (e && im->nev)
		return IMP_DEFER;	/* earlier events keep the old name */
	if (!e) {
		e = pgt_imp_map__get(&c->procs, pid, 0, NULL, 0, &created);
		if (!e)
			return -ENOMEM;
	}
	err = pgt_imp_ent__set_vs(e, c->comm, (size_t)n);
	if (!err) {
		struct pgt_process p = {
			.ts = ts, .pid = pid, .tgid = pid, .op = PGT_PROC_STATE,
			.comm = c->comm, .cwd = "", .exe = "",
		};

		err = pgt_meta__add_process(im->src.meta, &p);
	}
	return err;
}

static int csv_line(struct imp *im, const char *s, size_t n)
{
	struct csv *c = im->priv;
	const struct span *sp;
	struct pgt_event ev, *e;
	uint64_t v;
	int count, err;

	if (!n)
		return 0;	/* blank lines carry nothing */
	if (!c->have_header)
		return header(im, c, s, n);
	err = split(im, c, s, n, c->ncols, &count);
	if (err)
		return err;
	if (count != c->ncols)
		return pgt_imp_bad(im, "expected %d fields as in the header, got %d", c->ncols, count);
	memset(&ev, 0, sizeof(ev));
	ev.pfn = PGT_PFN_NONE;
	ev.npages = 1;
	ev.type = PGT_EV_REFERENCE;
	ev.ts = im->lineno + 1;
	if ((sp = field(c, PGT_FIELD_TS))) {
		char show[40];

		err = memchr(sp->s, '.', sp->n) ? pgt_imp_secs(sp->s, sp->n, &ev.ts) : pgt_imp_dec(sp->s, sp->n, &ev.ts);
		if (err)
			return pgt_imp_bad(im, "ts '%s': expected nanoseconds, or seconds with a fraction",
				       pgt_imp_show(show, sizeof(show), sp->s, sp->n));
	}
	if ((err = num_field(im, c, PGT_FIELD_SEQ, UINT64_MAX, &v)))
		return err;
	v = 0;
	if ((err = num_field(im, c, PGT_FIELD_CPU, UINT32_MAX, &v)))
		return err;
	ev.cpu = (uint32_t)v;
	v = 0;
	if ((err = num_field(im, c, PGT_FIELD_PID, UINT32_MAX, &v)))
		return err;
	ev.pid = (uint32_t)v;
	v = 0;
	if ((err = num_field(im, c, PGT_FIELD_TID, UINT32_MAX, &v)))
		return err;
	ev.tid = (uint32_t)v;
	if ((sp = field(c, PGT_FIELD_TYPE))) {
		int t = pgt_event_type_parse(sp->s, sp->n);
		char show[40];

		if (t < 0)
			return pgt_imp_bad(im, "unknown event type '%s': expected lookup, fault, map, add, delete, "
				       "lru-add, lru-activate, access-sample, user-fault, snapshot-page or reference",
				       pgt_imp_show(show, sizeof(show), sp->s, sp->n));
		ev.type = (uint8_t)t;
	}
	if ((err = num_field(im, c, PGT_FIELD_INDEX, UINT64_MAX, &ev.index)))
		return err;
	v = 1;
	if ((err = num_field(im, c, PGT_FIELD_NPAGES, UINT32_MAX, &v)) || (err = pgt_imp_check_pages(im, v)))
		return err;
	ev.npages = (uint32_t)v;
	if ((err = num_field(im, c, PGT_FIELD_PFN, UINT64_MAX, &ev.pfn)))
		return err;
	if ((err = num_field(im, c, PGT_FIELD_AUX, UINT64_MAX, &ev.aux)))
		return err;
	if ((sp = field(c, PGT_FIELD_FLAGS)) && (err = parse_flags(im, sp, &ev.flags)))
		return err;
	/* last: these may add side records or ask to end the batch first */
	err = row_obj(im, c, ev.ts, &ev.obj);
	if (err)
		return err;
	err = row_proc(im, c, ev.pid, ev.ts);
	if (err)
		return err;
	e = imp_ev(im);
	*e = ev;
	imp_ev_commit(im);
	return 0;
}

static int csv_init(struct imp *im)
{
	struct csv *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	for (int i = 0; i < PGT_FIELD_NIDS; i++)
		c->at[i] = -1;
	c->next_id = 1;
	im->priv = c;
	return 0;
}

static int csv_fill(struct imp *im)
{
	return pgt_imp_fill_lines(im, csv_line);
}

static int csv_finish(struct imp *im)
{
	struct csv *c = im->priv;

	if (!c->have_header && !im->o.skip_bad) {
		im->lineno = 0;
		return pgt_imp_bad(im, "the input is empty: expected a header line naming the columns");
	}
	return 0;
}

static void csv_free(struct imp *im)
{
	struct csv *c = im->priv;

	if (!c)
		return;
	for (size_t i = 0; i < c->nobjs; i++)
		free(c->objs[i].path);
	free(c->objs);
	free(c->path);
	free(c->comm);
	pgt_imp_map__release(&c->by_in);
	pgt_imp_map__release(&c->by_key);
	pgt_imp_map__release(&c->used);
	pgt_imp_map__release(&c->procs);
	free(c);
}

const struct imp_fmt pgt_imp_csv = {
	.init = csv_init,
	.fill = csv_fill,
	.finish = csv_finish,
	.free = csv_free,
};
