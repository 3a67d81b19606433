// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * split: one trace per key (pid, file, user, time slice, ...).
 *
 * One file of about 1,000 lines on purpose: the buffering, the budget and
 * the lean writers below are one policy over one private state (what is
 * held, where, and when it goes out), described once here; its halves
 * would share every field.
 *
 * Events are buffered per trace and written as packets when a trace's
 * buffer holds a packet, when a run of events of one key ends with at
 * least a quarter of a packet held (written while still in the cache:
 * a third faster on traces whose keys take long turns), or when all
 * buffers together pass a budget (then every buffer of at least half the
 * mean size goes out, so one scan frees at least half of what is held).
 * All traces share one codec and write through lean writers, so a trace
 * costs a few hundred bytes while its buffer is empty, whatever the
 * number of traces.
 *
 * Descriptors: at most max_open traces are open; the least recently
 * written is closed without its index (pgt_writer__detach_fd) and opened
 * again with O_APPEND when it has more to write; its writer kept the
 * index entries and counters in memory, so nothing is read back.  The
 * file must have the length the writer left it at, or the split stops.
 *
 * Side records: the input's meta log is cut into records, numbered in
 * order.  A record about an object or a process (pid) goes only to the
 * traces whose events refer to that id; every other record (host
 * information, formats, lost events, levels, unknown types) goes to
 * every trace.  When a trace first refers to an id, the records about it
 * so far are queued at once (they precede everything the trace will
 * write next); records about it that arrive later are queued per trace
 * and placed between the trace's events as they were in the input: each
 * buffer remembers, for each run of events, how many input records had
 * been read, and a packet is cut where a record for this trace falls.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "pgtrace/ops.h"
#include "format/format.h"
#include "pgtrace/fields.h"
#include "ops/sink-int.h"
#include "util/opts.h"
#include "util/u64map.h"

#define NONE UINT32_MAX
#define DEFAULT_BUFFER 1000000u
#define FIRST_CAP 256u
#define MAX_ESCAPED_KEY 160

/* The field (fields.h) of each key; time and events are no field. */
static const uint8_t by_field[PGT_SPLIT_NKEYS] = {
	[PGT_SPLIT_PID] = PGT_FIELD_PID, [PGT_SPLIT_TID] = PGT_FIELD_TID,
	[PGT_SPLIT_UID] = PGT_FIELD_UID, [PGT_SPLIT_COMM] = PGT_FIELD_COMM,
	[PGT_SPLIT_CWD] = PGT_FIELD_CWD, [PGT_SPLIT_FILE] = PGT_FIELD_PATH,
	[PGT_SPLIT_DEV] = PGT_FIELD_DEV, [PGT_SPLIT_INODE] = PGT_FIELD_INODE,
	[PGT_SPLIT_CPU] = PGT_FIELD_CPU, [PGT_SPLIT_CGROUP] = PGT_FIELD_CGROUP,
	[PGT_SPLIT_TYPE] = PGT_FIELD_TYPE,
	[PGT_SPLIT_TIME] = PGT_FIELD_NIDS, [PGT_SPLIT_EVENTS] = PGT_FIELD_NIDS,
};

const char *pgt_split_by_name(unsigned by)
{
	size_t n;
	const struct pgt_field *f = pgt_fields(&n);

	if (by == PGT_SPLIT_TIME)
		return "time";
	if (by == PGT_SPLIT_EVENTS)
		return "events";
	for (size_t i = 0; by < PGT_SPLIT_NKEYS && i < n; i++)
		if (f[i].id == by_field[by] && (f[i].uses & PGT_FU_SPLIT))
			return f[i].name;
	return "unknown";
}

int pgt_split_by_parse(const char *name, size_t len)
{
	const struct pgt_field *f = pgt_field__find(name, len, PGT_FU_SPLIT);

	if ((len == 4 && !memcmp(name, "time", 4)))
		return PGT_SPLIT_TIME;
	if ((len == 6 && !memcmp(name, "events", 6)))
		return PGT_SPLIT_EVENTS;
	for (int i = 0; f && i < PGT_SPLIT_NKEYS; i++)
		if (by_field[i] == f->id)
			return i;
	return -PGT_EPARSE;
}

struct rec {			/* one side record of the input */
	uint64_t off;		/* of its body in the meta log */
	uint32_t len, type;
};

struct idinfo {			/* an object or process id of the input */
	uint32_t *recs, nrecs, caprecs;	/* records about it */
	uint32_t *outs, nouts, capouts;	/* traces that refer to it */
};

struct seg {			/* from buffer position @pos on, events were */
	uint32_t pos, nrec;	/* read after @nrec input records */
};

struct trace {
	char *key, *name;
	struct pgt_writer *w;	/* NULL once finished */
	int open, done;
	uint32_t prev, next;	/* list of open traces, most recent first */
	struct pgt_event *buf;
	uint32_t n, cap;
	struct seg *segs;
	uint32_t nsegs, capsegs;
	uint32_t *q, qh, qn, qcap;	/* records about its ids, to copy */
	uint32_t gcur;		/* next of the global records to copy */
	struct u64map ids;	/* ids it refers to */
	uint32_t lobj, lpid, ltid;	/* last ids seen: known to be declared */
	uint64_t events, first_ts, last_ts;
};

struct pgt_split {
	struct pgt_split_opts o;
	char *tmpl, *reserved;
	struct pgt_header hdr;
	struct pgt_writer_opts wo;
	struct pgt_codec_ctx *codec;
	struct trace *t;
	uint32_t nt, capt;
	struct u64map subj;	/* subject (pid, obj, ...) -> trace */
	struct u64map keys;	/* key hash -> trace */
	struct u64map names;	/* name hash -> trace */
	uint64_t last_subj;
	uint32_t last_t;
	/* side records of the input */
	const struct pgt_meta *meta;
	size_t log_pos;
	struct rec *recs;
	uint32_t nrecs, caprecs;
	uint32_t *glob, nglob, capglob;
	struct idinfo *ids;
	uint32_t nids, capids;
	struct u64map idmap;
	/* open traces */
	uint32_t head, tail, nopen;
	uint64_t buffered, held;	/* events buffered, buffer capacity */
	uint64_t budget;
	uint64_t t0, count;
	int have_t0;
	uint32_t cur_bucket;	/* PGT_SPLIT_EVENTS: trace of the current run */
	struct pgt_split_stats st;
	const char *failed;	/* NULL, or failed_name */
	char failed_name[256];
};

/* ---- growable arrays ---- */

/* From 16 elements; past 2^31 the ids (NONE is UINT32_MAX) would not fit:
 * -EOVERFLOW. */
static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
	if (need > *cap && need > (1u << 31))
		return -EOVERFLOW;
	return pgt_grow32_from(p, cap, need, elem, 16);
}

static int push_u32(uint32_t **a, uint32_t *n, uint32_t *cap, uint32_t v)
{
	int err = grow((void **)a, cap, *n + 1, sizeof(**a));

	if (err)
		return err;
	(*a)[(*n)++] = v;
	return 0;
}

/* ---- options, names ---- */

static int check_template(const char *t)
{
	int var = 0;

	if (strchr(t, '/') || !*t)
		return -EINVAL;
	for (const char *p = t; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (*p == 'k' || *p == 'n')
			var = 1;
		else if (*p != '%')
			return -EINVAL;
	}
	return var ? 0 : -EINVAL;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* A key as a file name part: letters, digits and . - , + = @ : as they
 * are, every other byte (including %, _ and ~) as %XX, a leading dot
 * escaped, the empty key (unknown) as "_".  Different keys give
 * different names; a very long key is cut and ends in a hash. */
static void escape_key(const char *k, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (!*k) {
		strcpy(out, "_");
		return;
	}
	for (const unsigned char *p = (const unsigned char *)k; *p; p++) {
		int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || strchr(".-,+=@:", *p);

		if (plain && !(*p == '.' && p == (const unsigned char *)k)) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
		if (o > MAX_ESCAPED_KEY) {
			o = MAX_ESCAPED_KEY - 17;
			o += (size_t)sprintf(out + o, "~%016llx", (unsigned long long)hash_str(k));
			break;
		}
	}
	out[o] = 0;
}

static int make_name(struct pgt_split *s, const char *key, uint32_t num, int uniq, char **name)
{
	char esc[MAX_ESCAPED_KEY + 8], buf[1024];
	size_t o = 0;

	escape_key(key, esc);
	for (const char *p = s->tmpl; *p && o < sizeof(buf) - 200; p++) {
		if (*p != '%') {
			buf[o++] = *p;
			continue;
		}
		p++;
		if (*p == 'k')
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, uniq ? "%s~%u" : "%s", esc, num);
		else if (*p == 'n')
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%u", num);
		else
			buf[o++] = '%';
	}
	buf[o] = 0;
	if (o > 255)
		return -ENAMETOOLONG;
	*name = strdup(buf);
	return *name ? 0 : -ENOMEM;
}

/* A name no other trace has (and not the reserved one). */
static int unique_name(struct pgt_split *s, const char *key, uint32_t num, char **name)
{
	for (int uniq = 0; uniq < 2; uniq++) {
		uint64_t h;
		uint32_t v;
		int err = make_name(s, key, num, uniq, name);

		if (err)
			return err;
		h = hash_str(*name);
		for (;; h++) {
			v = u64map_get(&s->names, h);
			if (v == NONE || !strcmp(s->t[v].name, *name))
				break;
		}
		if (v == NONE && !(s->reserved && !strcmp(*name, s->reserved)))
			return u64map_put(&s->names, h, num);
		free(*name);
		*name = NULL;
	}
	return -EEXIST;
}

struct pgt_split *pgt_split__new(const struct pgt_split_opts *o, const struct pgt_header *h, int *err)
{
	struct pgt_split_opts o_;
	struct pgt_split *s;
	int e = -ENOMEM;

	if (!o || !PGT_OPTS_VALID(o)) {
		*err = -EINVAL;
		return NULL;
	}
	o = PGT_OPTS_FIT(o, &o_);
	if (o->by < 0 || o->by >= PGT_SPLIT_NKEYS ||
	    ((o->by == PGT_SPLIT_TIME || o->by == PGT_SPLIT_EVENTS) && !o->every) ||
	    (o->tmpl && check_template(o->tmpl)) || o->packet_events > PGT_PKT_MAX_EVENTS) {
		*err = -EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	s->o = *o;
	s->tmpl = strdup(o->tmpl ? o->tmpl : "%k.pgt");
	s->reserved = o->reserved ? strdup(o->reserved) : NULL;
	if (!s->tmpl || (o->reserved && !s->reserved))
		goto fail;
	if (!s->o.max_open)
		s->o.max_open = 1024;
	if (!s->o.packet_events)
		s->o.packet_events = PGT_PKT_DEFAULT_EVENTS;
	s->budget = o->buffer_events ? o->buffer_events : DEFAULT_BUFFER;
	s->hdr = *h;
	s->wo = (struct pgt_writer_opts){ .sz = sizeof(s->wo), .zlevel = o->zlevel,
					  .packet_events = s->o.packet_events, .header = &s->hdr };
	s->codec = pgt_codec__new(o->zlevel);
	if (!s->codec)
		goto fail;
	s->head = s->tail = NONE;
	s->last_t = NONE;
	s->cur_bucket = NONE;
	s->st.max_open = s->o.max_open;
	return s;
fail:
	pgt_split__free(s);
	*err = e;
	return NULL;
}

/* The first trace a write failed on is the one reported. */
static void set_failed(struct pgt_split *s, const char *name)
{
	if (s->failed)
		return;
	snprintf(s->failed_name, sizeof(s->failed_name), "%s", name);
	s->failed = s->failed_name;
}

/* ---- open traces, most recently written first ---- */

static void lru_unlink(struct pgt_split *s, struct trace *t)
{
	if (t->prev != NONE)
		s->t[t->prev].next = t->next;
	else
		s->head = t->next;
	if (t->next != NONE)
		s->t[t->next].prev = t->prev;
	else
		s->tail = t->prev;
	t->prev = t->next = NONE;
}

static void lru_front(struct pgt_split *s, uint32_t i)
{
	struct trace *t = &s->t[i];

	t->prev = NONE;
	t->next = s->head;
	if (s->head != NONE)
		s->t[s->head].prev = i;
	s->head = i;
	if (s->tail == NONE)
		s->tail = i;
}

static int close_lru(struct pgt_split *s)
{
	struct trace *t = &s->t[s->tail];
	int fd;

	lru_unlink(s, t);
	t->open = 0;
	s->nopen--;
	s->st.closes++;
	fd = pgt_writer__detach_fd(t->w);
	if (close(fd) < 0 && errno != EINTR) {
		set_failed(s, t->name);
		return -errno;
	}
	return 0;
}

static int open_trace(struct pgt_split *s, uint32_t i)
{
	struct trace *t = &s->t[i];
	int flags = O_WRONLY | O_CLOEXEC | O_NOFOLLOW, fd, err;
	struct stat sb;

	if (t->open) {
		if (s->head != i) {
			lru_unlink(s, t);
			lru_front(s, i);
		}
		return 0;
	}
	while (s->nopen >= s->o.max_open) {
		err = close_lru(s);
		if (err)
			return err;
	}
	flags |= t->w ? O_APPEND : O_CREAT | (s->o.force ? O_TRUNC : O_EXCL);
	for (;;) {
		fd = openat(s->o.dir_fd, t->name, flags, 0600);
		if (fd >= 0 || (errno != EMFILE && errno != ENFILE) || !s->nopen)
			break;
		/* Out of descriptors before the cap: the cap comes down. */
		s->o.max_open = s->nopen;
		s->st.max_open = s->nopen;
		err = close_lru(s);
		if (err)
			return err;
	}
	if (fd < 0) {
		set_failed(s, t->name);
		return -errno;
	}
	if (!t->w) {
		t->w = pgt_writer__fdopen_lean(fd, &s->wo, s->codec, &err);
		if (!t->w) {
			set_failed(s, t->name);
			return err;
		}
		s->st.traces++;
	} else {
		/* Someone else writing the file would make the index lie. */
		if (fstat(fd, &sb) < 0 || (uint64_t)sb.st_size != pgt_writer__bytes(t->w)) {
			close(fd);
			pgt_diag(PGT_DIAG_ERROR, "'%s' changed while it was closed", t->name);
			set_failed(s, t->name);
			return -ESTALE;
		}
		pgt_writer__attach_fd(t->w, fd);
		s->st.reopens++;
	}
	t->open = 1;
	lru_front(s, i);
	if (++s->nopen > s->st.peak_open)
		s->st.peak_open = s->nopen;
	return 0;
}

/* ---- side records ---- */

static inline const uint8_t *rec_body(const struct pgt_split *s, uint32_t r)
{
	return pgt_meta__log(s->meta)->data + s->recs[r].off;
}

static int copy_rec(struct pgt_split *s, struct trace *t, uint32_t r)
{
	return pgt_writer__add_raw(t->w, s->recs[r].type, rec_body(s, r), s->recs[r].len);
}

/* Copy the records for @t numbered below @lim, in order. */
static int copy_recs(struct pgt_split *s, struct trace *t, uint32_t lim)
{
	int err = 0;

	for (;;) {
		uint32_t a = t->qh < t->qn ? t->q[t->qh] : NONE;
		uint32_t b = t->gcur < s->nglob ? s->glob[t->gcur] : NONE;
		uint32_t r = a < b ? a : b;

		if (r >= lim)
			break;
		err = copy_rec(s, t, r);
		if (err)
			break;
		if (r == a)
			t->qh++;
		else
			t->gcur++;
	}
	if (t->qh == t->qn)
		t->qh = t->qn = 0;
	return err;
}

static uint64_t id_obj(uint32_t obj) { return (1ull << 32) | obj; }
static uint64_t id_pid(uint32_t pid) { return (2ull << 32) | pid; }

static int idinfo_of(struct pgt_split *s, uint64_t id, uint32_t *out)
{
	uint32_t v = u64map_get(&s->idmap, id);
	int err;

	if (v == NONE) {
		err = grow((void **)&s->ids, &s->capids, s->nids + 1, sizeof(*s->ids));
		if (!err)
			err = u64map_put(&s->idmap, id, s->nids);
		if (err)
			return err;
		memset(&s->ids[s->nids], 0, sizeof(*s->ids));
		v = s->nids++;
	}
	*out = v;
	return 0;
}

/* Cut the new part of the input's meta log into records. */
static int scan_log(struct pgt_split *s)
{
	const struct pgt_buf *log = pgt_meta__log(s->meta);
	int by = s->o.by, err;

	while (s->log_pos + 8 <= log->len) {
		const uint8_t *p = log->data + s->log_pos;
		uint32_t type = pgt_get_le32(p), len = pgt_get_le32(p + 4), r = s->nrecs, ii;
		uint64_t id = 0;

		if (s->nrecs == NONE - 1)
			return -EOVERFLOW;
		err = grow((void **)&s->recs, &s->caprecs, s->nrecs + 1, sizeof(*s->recs));
		if (err)
			return err;
		s->recs[r] = (struct rec){ s->log_pos + 8, len, type };
		s->nrecs++;
		s->log_pos += 8 + (size_t)len;
		if (type == PGT_REC_OBJECT && len >= 4) {
			id = id_obj(pgt_get_le32(p + 8));
			if (by == PGT_SPLIT_FILE || by == PGT_SPLIT_DEV || by == PGT_SPLIT_INODE) {
				u64map_del(&s->subj, (uint32_t)id);
				s->last_t = NONE;
			}
		} else if (type == PGT_REC_PROCESS && len >= 12) {
			id = id_pid(pgt_get_le32(p + 8 + 8));
			if (by == PGT_SPLIT_UID || by == PGT_SPLIT_COMM || by == PGT_SPLIT_CWD ||
			    by == PGT_SPLIT_CGROUP) {
				u64map_del(&s->subj, (uint32_t)id);
				s->last_t = NONE;
			}
		}
		if (!id) {
			err = push_u32(&s->glob, &s->nglob, &s->capglob, r);
			if (err)
				return err;
			continue;
		}
		err = idinfo_of(s, id, &ii);
		if (!err)
			err = push_u32(&s->ids[ii].recs, &s->ids[ii].nrecs, &s->ids[ii].caprecs, r);
		for (uint32_t j = 0; !err && j < s->ids[ii].nouts; j++) {
			struct trace *t = &s->t[s->ids[ii].outs[j]];

			if (!t->done)
				err = push_u32(&t->q, &t->qn, &t->qcap, r);
		}
		if (err)
			return err;
	}
	return 0;
}

/* @t refers to @id: from now on it gets the records about it, and the
 * ones so far go before its next packet. */
static int declare(struct pgt_split *s, uint32_t ti, uint64_t id)
{
	struct trace *t = &s->t[ti];
	struct idinfo *d;
	uint32_t ii;
	int err;

	if (u64map_get(&t->ids, id) != NONE)
		return 0;
	err = u64map_put(&t->ids, id, 1);
	if (!err)
		err = idinfo_of(s, id, &ii);
	if (err)
		return err;
	d = &s->ids[ii];
	err = push_u32(&d->outs, &d->nouts, &d->capouts, ti);
	for (uint32_t j = 0; !err && j < d->nrecs; j++)
		err = copy_rec(s, t, d->recs[j]);
	return err;
}

/* ---- writing ---- */

static int put_events(struct pgt_split *s, struct trace *t, uint32_t from, uint32_t to)
{
	int err;

	if (to <= from)
		return 0;
	err = pgt_writer__put_packet(t->w, t->buf + from, to - from);
	if (err) {
		set_failed(s, t->name);
		return err;
	}
	s->st.packets++;
	return 0;
}

/* Write the buffer of trace @ti, with its records in place; @final: and
 * every record still due (the trace is about to be finished). */
static int flush(struct pgt_split *s, uint32_t ti, int final)
{
	struct trace *t = &s->t[ti];
	uint32_t start = 0;
	int err = open_trace(s, ti);

	for (uint32_t i = 0; !err && i < t->nsegs; i++) {
		uint32_t lim = t->segs[i].nrec, pos = t->segs[i].pos;

		/* a record about one of its ids arrived among these events:
		 * the events before it go out first */
		if (t->qh < t->qn && t->q[t->qh] < lim) {
			err = put_events(s, t, start, pos);
			start = pos;
		}
		if (!err)
			err = copy_recs(s, t, lim);
	}
	if (!err)
		err = put_events(s, t, start, t->n);
	if (!err && final)
		err = copy_recs(s, t, s->nrecs);
	if (err)
		set_failed(s, t->name);
	s->buffered -= t->n;
	t->n = 0;
	t->nsegs = 0;
	/* Buffers of traces that went quiet go back when memory is short. */
	if (s->held > 2 * s->budget || final) {
		s->held -= t->cap;
		free(t->buf);
		t->buf = NULL;
		t->cap = 0;
		free(t->segs);
		t->segs = NULL;
		t->capsegs = 0;
	}
	return err;
}

/* Over the budget: write every buffer of at least half the mean size. */
static int flush_big(struct pgt_split *s)
{
	uint64_t nonempty = 0, half;
	int err = 0;

	for (uint32_t i = 0; i < s->nt; i++)
		nonempty += s->t[i].n > 0;
	if (!nonempty)
		return 0;
	half = s->buffered / nonempty / 2;
	for (uint32_t i = 0; !err && i < s->nt; i++)
		if (s->t[i].n && s->t[i].n >= half)
			err = flush(s, i, 0);
	return err;
}

static int finish(struct pgt_split *s, uint32_t ti)
{
	struct trace *t = &s->t[ti];
	int err, e2;

	if (t->done)
		return 0;
	err = flush(s, ti, 1);
	if (t->open) {
		lru_unlink(s, t);
		t->open = 0;
		s->nopen--;
	}
	e2 = pgt_writer__close(t->w);
	t->w = NULL;
	t->done = 1;
	u64map_release(&t->ids);
	free(t->q);
	t->q = NULL;
	t->qh = t->qn = t->qcap = 0;
	if (!err && e2) {
		err = e2;
		set_failed(s, t->name);
	}
	return err;
}

/* ---- keys ---- */

static int key_text(struct pgt_split *s, const struct pgt_event *e, uint64_t subj, char *buf,
		    size_t len, const char **key)
{
	if (by_field[s->o.by] == PGT_FIELD_NIDS) {
		snprintf(buf, len, "%llu", (unsigned long long)subj);
		*key = buf;
	} else {
		*key = pgt_field__text(by_field[s->o.by], e, s->meta, buf, len);
	}
	return 0;
}

/* The trace of key @key, created if new. */
static int trace_of_key(struct pgt_split *s, const char *key, uint32_t *out)
{
	uint64_t h = hash_str(key);
	uint32_t v;
	struct trace *t;
	int err;

	for (;; h++) {
		v = u64map_get(&s->keys, h);
		if (v == NONE || !strcmp(s->t[v].key, key))
			break;
	}
	if (v != NONE) {
		*out = v;
		return 0;
	}
	err = grow((void **)&s->t, &s->capt, s->nt + 1, sizeof(*s->t));
	if (err)
		return err;
	t = &s->t[s->nt];
	memset(t, 0, sizeof(*t));
	t->prev = t->next = NONE;
	t->key = strdup(key);
	if (!t->key)
		return -ENOMEM;
	v = s->nt++;
	err = unique_name(s, key, v, &t->name);
	if (!err)
		err = u64map_put(&s->keys, h, v);
	if (!err)
		err = open_trace(s, v);
	if (err && !t->w) {
		/* not created: forget it (its name stays taken, harmlessly) */
		u64map_del(&s->keys, h);
		free(t->key);
		free(t->name);
		s->nt--;
		return err;
	}
	if (err)
		return err;
	*out = v;
	return 0;
}

static inline uint64_t subject_of(struct pgt_split *s, const struct pgt_event *e)
{
	switch (s->o.by) {
	case PGT_SPLIT_PID: case PGT_SPLIT_UID: case PGT_SPLIT_COMM: case PGT_SPLIT_CWD:
	case PGT_SPLIT_CGROUP:
		return e->pid;
	case PGT_SPLIT_TID: return e->tid;
	case PGT_SPLIT_FILE: case PGT_SPLIT_DEV: case PGT_SPLIT_INODE: return e->obj;
	case PGT_SPLIT_CPU: return e->cpu;
	case PGT_SPLIT_TYPE: return e->type;
	case PGT_SPLIT_TIME:
		if (!s->have_t0) {
			s->t0 = e->ts;
			s->have_t0 = 1;
		}
		return e->ts > s->t0 ? (e->ts - s->t0) / s->o.every : 0;
	default:
		return s->count / s->o.every;
	}
}

static int trace_of(struct pgt_split *s, const struct pgt_event *e, uint64_t subj, uint32_t *out)
{
	uint32_t v = u64map_get(&s->subj, subj);
	char buf[64];
	const char *key;
	int err;

	if (v != NONE) {
		*out = v;
		return 0;
	}
	/* a run of events is over for good when the next starts */
	if (s->o.by == PGT_SPLIT_EVENTS && s->cur_bucket != NONE) {
		err = finish(s, s->cur_bucket);
		if (err)
			return err;
	}
	err = key_text(s, e, subj, buf, sizeof(buf), &key);
	if (!err)
		err = trace_of_key(s, key, &v);
	if (!err && s->o.by == PGT_SPLIT_EVENTS)
		s->cur_bucket = v;
	if (!err)
		err = u64map_put(&s->subj, subj, v);
	if (!err)
		*out = v;
	return err;
}

/* The ids of @e that @t has not referred to yet. */
static int declare_ids(struct pgt_split *s, uint32_t ti, const struct pgt_event *e)
{
	struct trace *t = &s->t[ti];
	int err = 0;

	if (e->obj != t->lobj) {
		err = declare(s, ti, id_obj(e->obj));
		t->lobj = e->obj;
	}
	if (!err && e->pid != t->lpid) {
		err = declare(s, ti, id_pid(e->pid));
		t->lpid = e->pid;
	}
	if (!err && e->tid != t->ltid) {
		if (e->tid != e->pid && e->tid)
			err = declare(s, ti, id_pid(e->tid));
		t->ltid = e->tid;
	}
	return err;
}

/* Append a run of @n events of one key to trace @ti. */
static int add_run(struct pgt_split *s, uint32_t ti, const struct pgt_event *e, size_t n)
{
	struct trace *t = &s->t[ti];
	int err;

	while (n) {
		uint32_t room, k;

		if (PGT_UNLIKELY(t->n == t->cap)) {
			uint32_t ncap = t->cap ? t->cap * 2 : FIRST_CAP;
			struct pgt_event *nb;

			if (ncap > s->o.packet_events)
				ncap = s->o.packet_events;
			nb = realloc(t->buf, sizeof(*nb) * ncap);
			if (!nb)
				return -ENOMEM;
			s->held += ncap - t->cap;
			t->buf = nb;
			t->cap = ncap;
		}
		if (PGT_UNLIKELY(!t->nsegs || t->segs[t->nsegs - 1].nrec != s->nrecs)) {
			err = grow((void **)&t->segs, &t->capsegs, t->nsegs + 1, sizeof(*t->segs));
			if (err)
				return err;
			t->segs[t->nsegs++] = (struct seg){ t->n, s->nrecs };
		}
		room = t->cap - t->n;
		k = n < room ? (uint32_t)n : room;
		if (!t->events)
			t->first_ts = t->last_ts = e->ts;
		for (uint32_t i = 0; i < k; i++) {
			if (PGT_UNLIKELY(e[i].obj != t->lobj || e[i].pid != t->lpid || e[i].tid != t->ltid)) {
				err = declare_ids(s, ti, &e[i]);
				if (err)
					return err;
			}
			if (e[i].ts < t->first_ts)
				t->first_ts = e[i].ts;
			if (e[i].ts > t->last_ts)
				t->last_ts = e[i].ts;
		}
		memcpy(t->buf + t->n, e, sizeof(*e) * k);
		t->n += k;
		t->events += k;
		s->buffered += k;
		s->st.events += k;
		e += k;
		n -= k;
		if (t->n == s->o.packet_events) {
			err = flush(s, ti, 0);
			if (err)
				return err;
		}
	}
	if (PGT_UNLIKELY(s->buffered > s->budget))
		return flush_big(s);
	return 0;
}

/* Route one batch: each run of events with one key to its trace. */
static int split_batch(struct pgt_split *s, const struct pgt_event *evs, size_t n)
{
	int err = scan_log(s);

	for (size_t i = 0, j; !err && i < n; i = j) {
		uint64_t subj = subject_of(s, &evs[i]);
		uint32_t ti;

		/* the run of events with this key */
		for (j = i + 1, s->count++; j < n && subject_of(s, &evs[j]) == subj; j++)
			s->count++;
		if (PGT_LIKELY(subj == s->last_subj && s->last_t != NONE)) {
			ti = s->last_t;
		} else {
			err = trace_of(s, &evs[i], subj, &ti);
			if (err)
				break;
			s->last_subj = subj;
			s->last_t = ti;
		}
		err = add_run(s, ti, &evs[i], j - i);
		/* A long run that ended leaves its events in the cache:
		 * write them now rather than after they went cold. */
		if (!err && j < n && s->t[ti].n >= s->o.packet_events / 4)
			err = flush(s, ti, 0);
	}
	return err;
}

/* ---- the split as a sink ---- */

struct split_sink {
	struct pgt_sink base;
	struct pgt_split *s;
};

static int split_sink_feed(struct pgt_sink *sk, const struct pgt_event *evs, size_t n,
			   const struct pgt_meta *meta, const struct pgt_header *h)
{
	struct pgt_split *s = ((struct split_sink *)sk)->s;

	(void)h;
	s->meta = meta;
	return split_batch(s, evs, n);
}

static int split_sink_finish(struct pgt_sink *sk, const struct pgt_meta *meta, const struct pgt_header *h)
{
	struct pgt_split *s = ((struct split_sink *)sk)->s;

	(void)h;
	s->meta = meta;
	/* records after the last event go to the traces at the end */
	return scan_log(s);
}

static const struct pgt_sink_ops split_sink_ops = {
	.name = "split",
	.feed = split_sink_feed,
	.finish = split_sink_finish,
	.free = pgt_sink__free_self,
};

struct pgt_sink *pgt_split__sink(struct pgt_split *s)
{
	/* it copies side records between events */
	struct split_sink *sk = pgt_sink__alloc(sizeof(*sk), &split_sink_ops, PGT_SINK_IN_STEP);

	if (!sk)
		return NULL;
	sk->s = s;
	return &sk->base;
}

int pgt_split__run(struct pgt_split *s, struct pgt_source *src)
{
	struct pgt_sink *sk = pgt_split__sink(s);
	int err;

	if (!sk)
		return -ENOMEM;
	err = pgt_drain(src, &sk, 1, NULL, NULL);
	pgt_sink__free(sk);
	return err;
}

int pgt_split__close(struct pgt_split *s)
{
	int err = 0, e;

	/* the open ones first, so that no trace is reopened just to finish */
	while (s->head != NONE) {
		e = finish(s, s->head);
		if (e && !err)
			err = e;
	}
	for (uint32_t i = 0; i < s->nt; i++) {
		e = finish(s, i);
		if (e && !err)
			err = e;
	}
	return err;
}

const char *pgt_split__failed(const struct pgt_split *s) { return s->failed; }
uint32_t pgt_split__nr_traces(const struct pgt_split *s) { return s->nt; }

int pgt_split__trace_at(const struct pgt_split *s, uint32_t i, const char **key, const char **name,
			uint64_t *events, uint64_t *first_ts, uint64_t *last_ts)
{
	if (i >= s->nt)
		return -ERANGE;
	*key = s->t[i].key;
	*name = s->t[i].name;
	*events = s->t[i].events;
	*first_ts = s->t[i].first_ts;
	*last_ts = s->t[i].last_ts;
	return 0;
}

void pgt_split__stats(const struct pgt_split *s, struct pgt_split_stats *st)
{
	*st = s->st;
}

void pgt_split__free(struct pgt_split *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->nt; i++) {
		struct trace *t = &s->t[i];

		pgt_writer__abort(t->w);
		free(t->key);
		free(t->name);
		free(t->buf);
		free(t->segs);
		free(t->q);
		u64map_release(&t->ids);
	}
	free(s->t);
	for (uint32_t i = 0; i < s->nids; i++) {
		free(s->ids[i].recs);
		free(s->ids[i].outs);
	}
	free(s->ids);
	free(s->recs);
	free(s->glob);
	u64map_release(&s->subj);
	u64map_release(&s->keys);
	u64map_release(&s->names);
	u64map_release(&s->idmap);
	pgt_codec__free(s->codec);
	free(s->tmpl);
	free(s->reserved);
	free(s);
}
