// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Trace writer.  Events are buffered into packets; side records wait in
 * a queue and go out just before the next packet, so every record reaches
 * the file before the first event that may refer to it.  Nothing is ever
 * rewritten: the index and the end record go at the end, which is what
 * lets the writer stream into a pipe.  After a failed write the file is
 * cut back to its last whole record, so whatever was written stays
 * readable.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "format.h"
#include "util/opts.h"

struct pgt_writer {
	int fd;
	int err;		/* sticky: first error met */
	uint64_t offset;	/* bytes in the file so far */
	struct pgt_header hdr;
	struct pgt_codec_ctx *codec;
	int compress, no_index;
	struct pgt_event *evs;
	uint32_t nev, cap_ev;
	uint64_t events, packets;
	struct pgt_buf pending;	/* framed side records not yet written */
	struct pgt_buf scratch;	/* one record body */
	struct pgt_buf out;	/* what goes into the next write() */
	struct pgt_buf index;	/* packet index entries */
	struct pgt_buf side;	/* u64 offsets of side records */
	uint64_t copy_src;	/* serial of the meta copied from */
	size_t copy_pos;
	int lean;		/* borrowed codec, no event buffer (split) */
};

static int writer_emit(struct pgt_writer *w)
{
	int err;

	if (!w->out.len)
		return 0;
	err = pgt_write_all(w->fd, w->out.data, w->out.len);
	if (err) {
		/* Keep the file whole up to its last complete record. */
		if (ftruncate(w->fd, (off_t)w->offset) < 0 && errno != EINVAL)
			pgt_diag(PGT_DIAG_WARN, "cannot cut the trace back to its last record: %s",
				 pgt_strerror(-errno));
		w->out.len = 0;
		return err;
	}
	w->offset += w->out.len;
	w->out.len = 0;
	/* a lean writer is one of thousands: keep no big buffer around */
	if (w->lean && w->out.cap > (64u << 10))
		pgt_buf__release(&w->out);
	return 0;
}

/* Move queued side records into out, noting their offsets. */
static int writer_take_pending(struct pgt_writer *w)
{
	size_t pos = 0;

	while (pos < w->pending.len) {
		uint64_t size = pgt_get_le64(w->pending.data + pos + 8);

		if (pgt_buf__put_u64(&w->side, w->offset + w->out.len + pos))
			return -ENOMEM;
		pos += PGT_REC_HDR_SIZE + size;
	}
	if (pgt_buf__append(&w->out, w->pending.data, w->pending.len))
		return -ENOMEM;
	w->pending.len = 0;
	return 0;
}

/* Queued side records, then @n events from @ev as one packet. */
static int writer_packet_of(struct pgt_writer *w, const struct pgt_event *ev, uint32_t n)
{
	size_t at;
	uint8_t *rec, ent[PGT_IDX_ENTRY_SIZE];
	uint64_t body_len, off;
	int err;

	err = writer_take_pending(w);
	if (err)
		return err;
	if (n) {
		at = w->out.len;
		if (pgt_buf__reserve(&w->out, PGT_REC_HDR_SIZE))
			return -ENOMEM;
		w->out.len += PGT_REC_HDR_SIZE;
		err = pgt_codec__encode(w->codec, ev, n, w->events, w->compress, &w->out);
		if (err)
			return err;
		rec = w->out.data + at;
		body_len = w->out.len - at - PGT_REC_HDR_SIZE;
		pgt_put_le32(rec, PGT_REC_PACKET);
		pgt_put_le32(rec + 4, pgt_record__crc(1, PGT_REC_PACKET, rec + PGT_REC_HDR_SIZE, body_len));
		pgt_put_le64(rec + 8, body_len);
		off = w->offset + at;
		pgt_put_le64(ent, off);
		memcpy(ent + 8, rec + PGT_REC_HDR_SIZE, 16);	/* first_ts, last_ts */
		pgt_put_le64(ent + 24, w->events);
		pgt_put_le32(ent + 32, n);
		pgt_put_le32(ent + 36, 0);
		if (pgt_buf__append(&w->index, ent, sizeof(ent)))
			return -ENOMEM;
		w->events += n;
		w->packets++;
	}
	return writer_emit(w);
}

static int writer_packet(struct pgt_writer *w)
{
	uint32_t n = w->nev;

	w->nev = 0;
	return writer_packet_of(w, w->evs, n);
}

static struct pgt_writer *writer_new(int fd, const struct pgt_writer_opts *opts,
				     struct pgt_codec_ctx *codec, int *err)
{
	struct pgt_writer *w = calloc(1, sizeof(*w));
	uint8_t hdr[PGT_HDR_SIZE];
	uint32_t pe = opts && opts->packet_events ? opts->packet_events : PGT_PKT_DEFAULT_EVENTS;
	int e = -ENOMEM;

	if (!w)
		goto fail;
	w->fd = fd;
	if (pe > PGT_PKT_MAX_EVENTS) {
		e = -EINVAL;
		goto fail;
	}
	w->cap_ev = pe;
	w->lean = codec != NULL;
	/* a lean writer gets its event buffer only if pgt_writer__write() needs it */
	w->evs = w->lean ? NULL : malloc(sizeof(*w->evs) * pe);
	w->codec = codec ? codec : pgt_codec__new(opts ? opts->zlevel : 0);
	if ((!w->evs && !w->lean) || !w->codec)
		goto fail;
	w->compress = !(opts && opts->no_compress);
	w->no_index = opts && opts->no_index;
	if (opts && opts->header)
		w->hdr = *opts->header;
	else
		pgt_header__init_host(&w->hdr);
	if (!w->no_index)
		w->hdr.features |= PGT_FEAT_COMPAT_INDEX;
	pgt_header__encode(&w->hdr, hdr);
	e = pgt_buf__append(&w->out, hdr, sizeof(hdr));
	if (e)
		goto fail;
	e = writer_emit(w);
	if (e)
		goto fail;
	return w;
fail:
	*err = e;
	if (w) {
		w->fd = -1;
		pgt_writer__abort(w);
	}
	return NULL;
}

struct pgt_writer *pgt_writer__fdopen(int fd, const struct pgt_writer_opts *opts, int *err)
{
	struct pgt_writer_opts o_;
	struct pgt_writer *w;

	if (!PGT_OPTS_VALID(opts)) {
		close(fd);
		*err = -EINVAL;
		return NULL;
	}
	w = writer_new(fd, PGT_OPTS_FIT(opts, &o_), NULL, err);

	if (!w)
		close(fd);
	return w;
}

struct pgt_writer *pgt_writer__open(const char *path, const struct pgt_writer_opts *opts, int *err)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW;
	int fd;

	/* refused before the file is created */
	if (!PGT_OPTS_VALID(opts)) {
		*err = -EINVAL;
		return NULL;
	}
	if (!strcmp(path, "-"))
		return pgt_writer__fdopen(dup(STDOUT_FILENO), opts, err);
	flags |= PGT_OPTS_GET(opts, force, 0) ? O_TRUNC : O_EXCL;
	fd = open(path, flags, 0600);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	return pgt_writer__fdopen(fd, opts, err);
}

int pgt_writer__write(struct pgt_writer *w, const struct pgt_event *ev, size_t n)
{
	if (!w->evs && n && !w->err && !(w->evs = malloc(sizeof(*w->evs) * w->cap_ev)))
		w->err = -ENOMEM;
	while (n && !w->err) {
		size_t room = w->cap_ev - w->nev, k = n < room ? n : room;

		if (!w->nev && n >= w->cap_ev) {
			/* a whole packet: encode it from the caller's array */
			w->err = writer_packet_of(w, ev, w->cap_ev);
			ev += w->cap_ev;
			n -= w->cap_ev;
			continue;
		}

		memcpy(w->evs + w->nev, ev, k * sizeof(*ev));
		w->nev += (uint32_t)k;
		ev += k;
		n -= k;
		if (w->nev == w->cap_ev)
			w->err = writer_packet(w);
	}
	return w->err;
}

int pgt_writer__write_packet_raw(struct pgt_writer *w, const struct pgt_rawpkt *p)
{
	size_t at;
	uint8_t *rec, ent[PGT_IDX_ENTRY_SIZE];

	if (w->err)
		return w->err;
	/* what was buffered comes first, then the queued side records */
	w->err = writer_packet(w);
	if (w->err)
		return w->err;
	w->err = writer_take_pending(w);
	if (w->err)
		return w->err;
	at = w->out.len;
	if (pgt_buf__reserve(&w->out, PGT_REC_HDR_SIZE + p->len))
		return w->err = -ENOMEM;
	rec = w->out.data + at;
	memcpy(rec + PGT_REC_HDR_SIZE, p->body, p->len);
	pgt_put_le64(rec + PGT_REC_HDR_SIZE + 16, w->events);	/* numbers follow this file */
	pgt_put_le32(rec, PGT_REC_PACKET);
	pgt_put_le32(rec + 4, pgt_record__crc(1, PGT_REC_PACKET, rec + PGT_REC_HDR_SIZE, p->len));
	pgt_put_le64(rec + 8, p->len);
	w->out.len += PGT_REC_HDR_SIZE + p->len;
	pgt_put_le64(ent, w->offset + at);
	pgt_put_le64(ent + 8, p->first_ts);
	pgt_put_le64(ent + 16, p->last_ts);
	pgt_put_le64(ent + 24, w->events);
	pgt_put_le32(ent + 32, p->count);
	pgt_put_le32(ent + 36, 0);
	if (pgt_buf__append(&w->index, ent, sizeof(ent)))
		return w->err = -ENOMEM;
	w->events += p->count;
	w->packets++;
	return w->err = writer_emit(w);
}

int pgt_writer__flush(struct pgt_writer *w)
{
	if (!w->err)
		w->err = writer_packet(w);
	return w->err;
}

static int queue_record(struct pgt_writer *w, uint32_t type)
{
	if (w->err)
		return w->err;
	if (pgt_record__frame(&w->pending, type, w->scratch.data, w->scratch.len))
		return -ENOMEM;
	return 0;
}

#define WRITER_ADD(type, call)                  \
	do {                                    \
		int err_;                       \
		w->scratch.len = 0;             \
		err_ = (call);                  \
		return err_ ? err_ : queue_record(w, (type)); \
	} while (0)

int pgt_writer__add_object(struct pgt_writer *w, const struct pgt_object *o)
{
	WRITER_ADD(PGT_REC_OBJECT, pgt_record__object(&w->scratch, o));
}

int pgt_writer__add_process(struct pgt_writer *w, const struct pgt_process *p)
{
	WRITER_ADD(PGT_REC_PROCESS, pgt_record__process(&w->scratch, p));
}

int pgt_writer__add_lost(struct pgt_writer *w, uint64_t ts, uint32_t cpu, uint64_t count)
{
	WRITER_ADD(PGT_REC_LOST, pgt_record__lost(&w->scratch, ts, cpu, count));
}

int pgt_writer__add_level(struct pgt_writer *w, uint64_t ts, uint32_t level)
{
	WRITER_ADD(PGT_REC_LEVEL, pgt_record__level(&w->scratch, ts, level));
}

int pgt_writer__add_info(struct pgt_writer *w, const char *key, const char *value)
{
	WRITER_ADD(PGT_REC_INFO, pgt_record__info(&w->scratch, key, value));
}

int pgt_writer__copy_meta_types(struct pgt_writer *w, const struct pgt_meta *m, uint32_t types)
{
	const struct pgt_buf *log = pgt_meta__log(m);

	if (w->err)
		return w->err;
	if (w->copy_src != pgt_meta__serial(m)) {
		w->copy_src = pgt_meta__serial(m);
		w->copy_pos = 0;
	}
	while (w->copy_pos + 8 <= log->len) {
		uint32_t type = pgt_get_le32(log->data + w->copy_pos);
		uint32_t len = pgt_get_le32(log->data + w->copy_pos + 4);

		if (type < 32 && (types & (1u << type)) &&
		    pgt_record__frame(&w->pending, type, log->data + w->copy_pos + 8, len))
			return -ENOMEM;
		w->copy_pos += 8 + (size_t)len;
	}
	return 0;
}

int pgt_writer__copy_meta(struct pgt_writer *w, const struct pgt_meta *m)
{
	return pgt_writer__copy_meta_types(w, m, PGT_META_ALL);
}

uint64_t pgt_writer__events(const struct pgt_writer *w) { return w->events + w->nev; }
uint64_t pgt_writer__bytes(const struct pgt_writer *w) { return w->offset; }

static int writer_finish(struct pgt_writer *w)
{
	uint64_t index_off = 0, nside;
	uint8_t end[PGT_END_BODY_SIZE];
	int err;

	err = writer_packet(w);
	if (err)
		return err;
	if (!w->no_index) {
		index_off = w->offset;
		nside = w->side.len / 8;
		w->scratch.len = 0;
		if (pgt_buf__put_u64(&w->scratch, w->packets) ||
		    pgt_buf__append(&w->scratch, w->index.data, w->index.len) ||
		    pgt_buf__put_u64(&w->scratch, nside) ||
		    pgt_buf__append(&w->scratch, w->side.data, w->side.len) ||
		    pgt_record__frame(&w->out, PGT_REC_INDEX, w->scratch.data, w->scratch.len))
			return -ENOMEM;
	}
	pgt_put_le64(end, index_off);
	pgt_put_le64(end + 8, w->events);
	pgt_put_le64(end + 16, w->packets);
	if (pgt_record__frame(&w->out, PGT_REC_END, end, sizeof(end)))
		return -ENOMEM;
	return writer_emit(w);
}

int pgt_writer__close(struct pgt_writer *w)
{
	int err;

	if (!w)
		return 0;
	err = w->err ? w->err : writer_finish(w);
	if (close(w->fd) < 0 && !err)
		err = -errno;
	w->fd = -1;
	pgt_writer__abort(w);
	return err;
}

void pgt_writer__abort(struct pgt_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (!w->lean)
		pgt_codec__free(w->codec);
	free(w->evs);
	pgt_buf__release(&w->pending);
	pgt_buf__release(&w->scratch);
	pgt_buf__release(&w->out);
	pgt_buf__release(&w->index);
	pgt_buf__release(&w->side);
	free(w);
}

/* ---- lean writers (lib/format/format.h) ---- */

struct pgt_writer *pgt_writer__fdopen_lean(int fd, const struct pgt_writer_opts *opts,
					   struct pgt_codec_ctx *codec, int *err)
{
	struct pgt_writer *w;

	if (!codec) {
		close(fd);
		*err = -EINVAL;
		return NULL;
	}
	w = writer_new(fd, opts, codec, err);
	if (!w)
		close(fd);
	return w;
}

int pgt_writer__put_packet(struct pgt_writer *w, const struct pgt_event *ev, uint32_t n)
{
	if (n > PGT_PKT_MAX_EVENTS)
		return -EINVAL;
	if (!w->err && w->nev)
		w->err = writer_packet(w);
	if (!w->err && n)
		w->err = writer_packet_of(w, ev, n);
	return w->err;
}

int pgt_writer__add_raw(struct pgt_writer *w, uint32_t type, const void *body, size_t len)
{
	if (w->err)
		return w->err;
	if (pgt_record__frame(&w->pending, type, body, len))
		return -ENOMEM;
	return 0;
}

int pgt_writer__detach_fd(struct pgt_writer *w)
{
	int fd = w->fd;

	w->fd = -1;
	pgt_buf__release(&w->out);
	pgt_buf__release(&w->scratch);
	return fd;
}

void pgt_writer__attach_fd(struct pgt_writer *w, int fd)
{
	w->fd = fd;
}
