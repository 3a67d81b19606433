// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Trace reader: a streaming parser of records that works on pipes, plus
 * index-driven seeking on regular files.  The reader never trusts a size
 * it has not checked against the file and never decodes a record whose
 * checksum fails; it stops at the first bad or partial record, after
 * handing out every event before it.
 *
 * What no checksum covers is checked against what else the file says:
 * each packet's first event number continues the one before it (a
 * packet dropped, repeated or swapped is an error naming it), a packet
 * matches its index entry (offset, numbers and times), its events lie
 * between its first_ts and last_ts (the codec), and the END record's
 * totals are the packets and events read.  From format 1.3 on the record
 * checksum covers the type and size too, so the checksum of a record of
 * unknown type is still checked before it is skipped: a damaged type is
 * an error, a well-formed unknown record is skipped.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "format.h"
#include "util/opts.h"

/* Largest side or unknown record we agree to buffer (a packet is bounded
 * by PGT_PKT_MAX_RAW, an index is skipped when streaming). */
#define MAX_SIDE_RECORD (64u << 20)

struct idx_entry {
	uint64_t off, first_ts, last_ts, first_seq;
	uint32_t count;
};

struct pgt_reader {
	struct pgt_source src;	/* first: the reader is its own source */
	int fd;
	int seekable;
	uint64_t file_size;
	uint32_t hdr_size;
	/* input buffer: bytes [start, end) are at file offset buf_off + start */
	uint8_t *buf;
	size_t start, end, cap;
	uint64_t buf_off;
	int eof;
	struct pgt_codec_ctx *codec;
	struct pgt_event *evs;
	uint32_t cap_ev;
	int err;		/* sticky error, returned after the events */
	int done;		/* end record seen or clean end of file */
	/* seeking */
	uint64_t skip_events;	/* drop this many leading events */
	uint64_t skip_before_ts;	/* drop leading events with ts below */
	int skip_ts_active;
	uint64_t side_upto;	/* side records at offsets <= this are applied */
	int side_any;
	/* index */
	struct idx_entry *idx;
	uint64_t nidx;
	uint64_t *side_offs;
	uint64_t nside;
	uint64_t idx_events;
	int idx_unordered;	/* packets' times are not in order: scan for times */
	int typed_crc;		/* PGT_INCOMPAT_TYPED_CRC: crcs cover type and size */
	/* position, for the continuity checks */
	uint64_t pkt_no;	/* 0-based number of the next packet in the file */
	uint64_t next_seq;	/* the first_seq that packet must have */
	struct pgt_reader_stats st;
};

static ssize_t reader_batch(struct pgt_source *src, const struct pgt_event **evs);
static void reader_source_free(struct pgt_source *src);

static const struct pgt_source_ops reader_ops = {
	.name = "read",
	.batch = reader_batch,
	.free = reader_source_free,
};

static uint64_t cur_off(const struct pgt_reader *r)
{
	return r->buf_off + r->start;
}

/* Make at least @n bytes available from start.  Return the bytes
 * available (less than @n only at end of file) or -errno. */
static ssize_t ensure(struct pgt_reader *r, size_t n)
{
	if (r->end - r->start >= n)
		return (ssize_t)(r->end - r->start);
	if (r->start) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->buf_off += r->start;
		r->end -= r->start;
		r->start = 0;
	}
	if (pgt_grow_from((void **)&r->buf, &r->cap, n, 1, 1u << 20))
		return -ENOMEM;
	while (r->end < n && !r->eof) {
		ssize_t got = read(r->fd, r->buf + r->end, r->cap - r->end);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (got == 0)
			r->eof = 1;
		r->end += (size_t)got;
	}
	return (ssize_t)(r->end - r->start);
}

/* Skip @n bytes from the current position. */
static int skip_bytes(struct pgt_reader *r, uint64_t n)
{
	uint64_t have = r->end - r->start;

	if (n <= have) {
		r->start += n;
		return 0;
	}
	n -= have;
	r->buf_off += r->end;
	r->start = r->end = 0;
	if (r->seekable) {
		if (r->buf_off + n > r->file_size)
			return -PGT_ETRUNC;
		r->buf_off += n;
		if (lseek(r->fd, (off_t)r->buf_off, SEEK_SET) < 0)
			return -errno;
		return 0;
	}
	while (n) {
		ssize_t got = ensure(r, n < (1u << 20) ? n : (1u << 20));

		if (got < 0)
			return (int)got;
		if (got == 0)
			return -PGT_ETRUNC;
		if ((uint64_t)got > n)
			got = (ssize_t)n;
		r->start += (size_t)got;
		n -= (uint64_t)got;
	}
	return 0;
}

/* Skip a record body of @n bytes that is not otherwise read, checking
 * that its crc (begun as @crc) comes to @want.  Return 0, -PGT_ECRC, or
 * another negative error. */
static int skip_checked(struct pgt_reader *r, uint64_t n, uint32_t crc, uint32_t want)
{
	while (n) {
		size_t chunk = n < (1u << 20) ? (size_t)n : (1u << 20);
		ssize_t got = ensure(r, chunk);

		if (got < 0)
			return (int)got;
		if ((size_t)got < chunk)
			return -PGT_ETRUNC;
		crc = pgt_crc32c(crc, r->buf + r->start, chunk);
		r->start += chunk;
		n -= chunk;
	}
	return crc == want ? 0 : -PGT_ECRC;
}

/* Move to file offset @off (regular files only), where packet @pkt_no,
 * whose first event is @seq, is next. */
static int reposition(struct pgt_reader *r, uint64_t off, uint64_t pkt_no, uint64_t seq)
{
	if (lseek(r->fd, (off_t)off, SEEK_SET) < 0)
		return -errno;
	r->pkt_no = pkt_no;
	r->next_seq = seq;
	r->buf_off = off;
	r->start = r->end = 0;
	r->eof = 0;
	r->done = 0;
	r->err = 0;
	r->src.cur_n = r->src.cur_i = 0;
	return 0;
}

static int load_index(struct pgt_reader *r)
{
	uint8_t end[PGT_END_REC_SIZE], rh[PGT_REC_HDR_SIZE];
	uint64_t idx_off, size, n, nside, end_packets, sum = 0;
	uint8_t *body = NULL;
	struct pgt_cur c;
	int err = -ENOENT;

	if (r->file_size < r->hdr_size + PGT_END_REC_SIZE)
		return -ENOENT;
	if (pgt_pread_full(r->fd, end, sizeof(end), r->file_size - sizeof(end)) != sizeof(end))
		return -ENOENT;
	if (pgt_get_le32(end) != PGT_REC_END || pgt_get_le64(end + 8) != PGT_END_BODY_SIZE ||
	    pgt_record__crc(r->typed_crc, PGT_REC_END, end + PGT_REC_HDR_SIZE, PGT_END_BODY_SIZE) !=
		    pgt_get_le32(end + 4))
		return -ENOENT;
	idx_off = pgt_get_le64(end + PGT_REC_HDR_SIZE);
	r->idx_events = pgt_get_le64(end + PGT_REC_HDR_SIZE + 8);
	end_packets = pgt_get_le64(end + PGT_REC_HDR_SIZE + 16);
	if (!idx_off || idx_off < r->hdr_size || idx_off + PGT_REC_HDR_SIZE > r->file_size - sizeof(end))
		return -ENOENT;
	if (pgt_pread_full(r->fd, rh, sizeof(rh), idx_off) != sizeof(rh) ||
	    pgt_get_le32(rh) != PGT_REC_INDEX)
		return -ENOENT;
	size = pgt_get_le64(rh + 8);
	if (size > r->file_size - idx_off - PGT_REC_HDR_SIZE || size < 16)
		return -ENOENT;
	body = malloc(size);
	if (!body)
		return -ENOMEM;
	if (pgt_pread_full(r->fd, body, size, idx_off + PGT_REC_HDR_SIZE) != (ssize_t)size ||
	    pgt_record__crc(r->typed_crc, PGT_REC_INDEX, body, size) != pgt_get_le32(rh + 4))
		goto out;
	c = (struct pgt_cur){ body, body + size, 0 };
	n = pgt_cur__u64(&c);
	if (n > (size - 16) / PGT_IDX_ENTRY_SIZE)
		goto out;
	r->idx = calloc(n ? n : 1, sizeof(*r->idx));
	if (!r->idx) {
		err = -ENOMEM;
		goto out;
	}
	for (uint64_t i = 0; i < n; i++) {
		struct idx_entry *e = &r->idx[i];

		e->off = pgt_cur__u64(&c);
		e->first_ts = pgt_cur__u64(&c);
		e->last_ts = pgt_cur__u64(&c);
		e->first_seq = pgt_cur__u64(&c);
		e->count = pgt_cur__u32(&c);
		pgt_cur__u32(&c);
		if (e->off < r->hdr_size || e->off >= idx_off ||
		    (i && (e->off <= r->idx[i - 1].off ||
			   e->first_seq != r->idx[i - 1].first_seq + r->idx[i - 1].count)) ||
		    (!i && e->first_seq) || !e->count || e->count > PGT_PKT_MAX_EVENTS ||
		    e->first_ts > e->last_ts)
			goto bad;
		if (i && (e->first_ts < r->idx[i - 1].first_ts || e->last_ts < r->idx[i - 1].last_ts))
			r->idx_unordered = 1;
		sum += e->count;
	}
	/* The END record's totals are the index's, or one of them lies. */
	if (sum != r->idx_events || n != end_packets)
		goto bad;
	nside = pgt_cur__u64(&c);
	if (c.bad || nside > (uint64_t)(c.end - c.p) / 8)
		goto bad;
	r->side_offs = calloc(nside ? nside : 1, sizeof(uint64_t));
	if (!r->side_offs) {
		err = -ENOMEM;	/* not a bad index: the reader fails, freeing r->idx */
		goto out;
	}
	for (uint64_t i = 0; i < nside; i++) {
		r->side_offs[i] = pgt_cur__u64(&c);
		if (r->side_offs[i] < r->hdr_size || r->side_offs[i] >= idx_off)
			goto bad;
	}
	r->nidx = n;
	r->nside = nside;
	if (r->idx_unordered)
		pgt_diag(PGT_DIAG_WARN, "the packets of this trace are not in time order (an import of "
			 "unsorted input?): time ranges are found by scanning, and a reader that stops "
			 "at the first event past a range misses the range's later events");
	err = 0;
	goto out;
bad:
	pgt_diag(PGT_DIAG_WARN, "index at offset %llu is inconsistent; scanning instead",
		 (unsigned long long)idx_off);
	free(r->idx);
	free(r->side_offs);
	r->idx = NULL;
	r->side_offs = NULL;
	r->idx_unordered = 0;
	err = -ENOENT;
out:
	free(body);
	return err;
}

static struct pgt_reader *reader_new(int fd, const struct pgt_reader_opts *opts, int *err)
{
	struct pgt_reader_opts o_;
	struct pgt_reader *r;
	struct stat sb;
	ssize_t got;
	int e = -ENOMEM;

	if (!PGT_OPTS_VALID(opts)) {
		close(fd);
		*err = -EINVAL;
		return NULL;
	}
	opts = PGT_OPTS_FIT(opts, &o_);
	r = calloc(1, sizeof(*r));
	if (!r) {
		close(fd);
		*err = -ENOMEM;
		return NULL;
	}
	r->fd = fd;
	r->src.ops = &reader_ops;
	r->src.meta = pgt_meta__new();
	r->codec = pgt_codec__new(0);
	if (!r->src.meta || !r->codec)
		goto fail;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		r->seekable = 1;
		r->file_size = (uint64_t)sb.st_size;
	} else if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		e = -EISDIR;
		goto fail;
	}
	got = ensure(r, PGT_HDR_SIZE);
	if (got < 0) {
		e = (int)got;
		goto fail;
	}
	e = pgt_header__decode(r->buf, (size_t)got, &r->src.header, &r->hdr_size);
	if (e == -PGT_ETRUNC && (size_t)got >= PGT_HDR_SIZE) {
		/* Larger header of a later minor version: fetch the rest. */
		got = ensure(r, pgt_get_le32(r->buf + PGT_HDR_OFF_SIZE));
		if (got < 0) {
			e = (int)got;
			goto fail;
		}
		e = pgt_header__decode(r->buf, (size_t)got, &r->src.header, &r->hdr_size);
	}
	if (e)
		goto fail;
	r->typed_crc = !!(pgt_get_le64(r->buf + PGT_HDR_OFF_INCOMPAT) & PGT_INCOMPAT_TYPED_CRC);
	r->start = r->hdr_size;
	r->st.bytes = r->hdr_size;
	if (r->seekable && !(opts && opts->no_index)) {
		e = load_index(r);
		if (e && e != -ENOENT)
			goto fail;
	}
	return r;
fail:
	*err = e;
	reader_source_free(&r->src);
	return NULL;
}

struct pgt_reader *pgt_reader__fdopen(int fd, const struct pgt_reader_opts *opts, int *err)
{
	return reader_new(fd, opts, err);
}

struct pgt_reader *pgt_reader__open(const char *path, const struct pgt_reader_opts *opts, int *err)
{
	int fd;

	if (!strcmp(path, "-"))
		fd = dup(STDIN_FILENO);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	return reader_new(fd, opts, err);
}

static void reader_source_free(struct pgt_source *src)
{
	struct pgt_reader *r = (struct pgt_reader *)src;

	if (r->fd >= 0)
		close(r->fd);
	pgt_meta__free(r->src.meta);
	pgt_codec__free(r->codec);
	free(r->buf);
	free(r->evs);
	free(r->idx);
	free(r->side_offs);
	free(r);
}

void pgt_reader__free(struct pgt_reader *r)
{
	if (r)
		reader_source_free(&r->src);
}

struct pgt_source *pgt_reader__source(struct pgt_reader *r) { return &r->src; }
const struct pgt_header *pgt_reader__header(const struct pgt_reader *r) { return &r->src.header; }
struct pgt_meta *pgt_reader__meta(struct pgt_reader *r) { return r->src.meta; }
int pgt_reader__has_index(const struct pgt_reader *r) { return r->idx != NULL; }
int pgt_reader__time_ordered(const struct pgt_reader *r) { return !r->idx || !r->idx_unordered; }

int pgt_reader__index_summary(const struct pgt_reader *r, uint64_t *events, uint64_t *packets,
			      uint64_t *first_ts, uint64_t *last_ts)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	if (!r->idx)
		return -ENOENT;
	for (uint64_t i = 0; i < r->nidx; i++) {
		if (r->idx[i].first_ts < lo)
			lo = r->idx[i].first_ts;
		if (r->idx[i].last_ts > hi)
			hi = r->idx[i].last_ts;
	}
	*events = r->idx_events;
	*packets = r->nidx;
	*first_ts = r->nidx ? lo : 0;
	*last_ts = hi;
	return 0;
}

void pgt_reader__stats(const struct pgt_reader *r, struct pgt_reader_stats *st)
{
	*st = r->st;
}

static int fail(struct pgt_reader *r, int err, uint64_t off, const char *what)
{
	r->st.bad_offset = off;
	r->st.bad_packet = r->st.packets;	/* 0-based number of the failing packet */
	if (err == -PGT_ETRUNC)
		pgt_diag(PGT_DIAG_ERROR, "trace ends inside a %s at offset %llu, after %llu whole packets",
			 what, (unsigned long long)off, (unsigned long long)r->st.packets);
	else if (!strcmp(what, "packet"))
		pgt_diag(PGT_DIAG_ERROR, "packet %llu (counting from 1) at offset %llu: %s",
			 (unsigned long long)r->st.packets + 1, (unsigned long long)off, pgt_strerror(err));
	else
		pgt_diag(PGT_DIAG_ERROR, "%s at offset %llu, after %llu whole packets: %s", what,
			 (unsigned long long)off, (unsigned long long)r->st.packets, pgt_strerror(err));
	r->err = err;
	return err;
}

/* Stop with @err after a message of one's own. */
static int fail_quiet(struct pgt_reader *r, int err, uint64_t off)
{
	r->st.bad_offset = off;
	r->st.bad_packet = r->pkt_no;
	r->err = err;
	return err;
}

/*
 * What the packet checksum cannot tell: that this packet is the one that
 * belongs here.  Its first event number must continue the previous
 * packet's, and it must be the packet the index lists at this place.
 * Return 0, or the (sticky) error after a message naming the packet.
 */
static int check_packet(struct pgt_reader *r, const uint8_t *body, uint64_t off)
{
	uint64_t first_ts = pgt_get_le64(body), last_ts = pgt_get_le64(body + 8);
	uint64_t seq = pgt_get_le64(body + 16);
	uint32_t count = pgt_get_le32(body + 24);
	unsigned long long no = (unsigned long long)r->pkt_no + 1;

	if (seq != r->next_seq) {
		pgt_diag(PGT_DIAG_ERROR,
			 "packet %llu (counting from 1) at offset %llu: its first event is number %llu, "
			 "but the packets before it end at %llu (a packet missing, repeated or out of place)",
			 no, (unsigned long long)off, (unsigned long long)seq,
			 (unsigned long long)r->next_seq);
		return fail_quiet(r, -PGT_ECORRUPT, off);
	}
	if (!count || first_ts > last_ts) {
		pgt_diag(PGT_DIAG_ERROR, "packet %llu (counting from 1) at offset %llu: %s", no,
			 (unsigned long long)off, count ? "first_ts after last_ts" : "no events");
		return fail_quiet(r, -PGT_ECORRUPT, off);
	}
	if (r->idx) {
		const struct idx_entry *e = r->pkt_no < r->nidx ? &r->idx[r->pkt_no] : NULL;

		if (!e || e->off != off || e->first_seq != seq || e->count != count ||
		    e->first_ts != first_ts || e->last_ts != last_ts) {
			pgt_diag(PGT_DIAG_ERROR,
				 e ? "packet %llu (counting from 1) at offset %llu does not match its index "
				     "entry (offset, event numbers or times differ)"
				   : "packet %llu (counting from 1) at offset %llu is not in the index",
				 no, (unsigned long long)off);
			return fail_quiet(r, -PGT_ECORRUPT, off);
		}
	}
	r->next_seq += count;
	r->pkt_no++;
	return 0;
}

/* Read, check and apply one side record at file offset @off via pread
 * (used when seeking). */
static int load_side_at(struct pgt_reader *r, uint64_t off)
{
	uint8_t rh[PGT_REC_HDR_SIZE];
	uint64_t size;
	uint8_t *body;
	int err;

	if (pgt_pread_full(r->fd, rh, sizeof(rh), off) != sizeof(rh))
		return -PGT_ETRUNC;
	size = pgt_get_le64(rh + 8);
	if (size > MAX_SIDE_RECORD || off + PGT_REC_HDR_SIZE + size > r->file_size)
		return -PGT_ECORRUPT;
	body = malloc(size ? size : 1);
	if (!body)
		return -ENOMEM;
	err = pgt_pread_full(r->fd, body, size, off + PGT_REC_HDR_SIZE) == (ssize_t)size ? 0 : -PGT_ETRUNC;
	if (!err && pgt_record__crc(r->typed_crc, pgt_get_le32(rh), body, size) != pgt_get_le32(rh + 4))
		err = -PGT_ECRC;
	if (!err && pgt_rec_is_side(pgt_get_le32(rh)))
		err = pgt_meta__add_raw(r->src.meta, pgt_get_le32(rh), body, size);
	free(body);
	return err;
}

static int load_sides_before(struct pgt_reader *r, uint64_t off)
{
	for (uint64_t i = 0; i < r->nside && r->side_offs[i] < off; i++) {
		int err;

		if (r->side_any && r->side_offs[i] <= r->side_upto)
			continue;
		err = load_side_at(r, r->side_offs[i]);
		if (err)
			return fail(r, err, r->side_offs[i], "side record");
		r->side_upto = r->side_offs[i];
		r->side_any = 1;
	}
	return 0;
}

/* Apply leading-event skips left by a seek. */
static size_t apply_skips(struct pgt_reader *r, uint32_t n)
{
	size_t first = 0;

	if (r->skip_events) {
		first = r->skip_events < n ? (size_t)r->skip_events : n;
		r->skip_events -= first;
	}
	if (r->skip_ts_active) {
		while (first < n && r->evs[first].ts < r->skip_before_ts)
			first++;
		if (first < n)
			r->skip_ts_active = 0;
	}
	return first;
}

/*
 * The next packet record, checked but not decoded; side records on the
 * way are applied, unknown ones skipped.  Return 1 with *@body, *@size
 * and *@off set (the body lives until the next read), 0 at the end, or
 * a negative error (sticky).
 */
static int next_packet(struct pgt_reader *r, const uint8_t **pbody, uint64_t *psize, uint64_t *poff)
{
	for (;;) {
		uint64_t off, size;
		uint32_t type, crc;
		ssize_t got;
		const uint8_t *body;

		if (r->err)
			return r->err;
		if (r->done)
			return 0;
		off = cur_off(r);
		got = ensure(r, PGT_REC_HDR_SIZE);
		if (got < 0)
			return fail(r, (int)got, off, "record");
		if (got == 0) {
			/* A clean end without an end record: a crashed or
			 * killed writer.  Everything was read. */
			r->done = 1;
			return 0;
		}
		if (got < PGT_REC_HDR_SIZE)
			return fail(r, -PGT_ETRUNC, off, "record header");
		type = pgt_get_le32(r->buf + r->start);
		crc = pgt_get_le32(r->buf + r->start + 4);
		size = pgt_get_le64(r->buf + r->start + 8);
		if (r->seekable && size > r->file_size - off - PGT_REC_HDR_SIZE)
			return fail(r, off + PGT_REC_HDR_SIZE + size > r->file_size && size < (1ull << 40)
					       ? -PGT_ETRUNC : -PGT_ECORRUPT, off,
				    type == PGT_REC_PACKET ? "packet" : "record");
		if (type == PGT_REC_INDEX || (type != PGT_REC_PACKET && !pgt_rec_is_side(type) &&
					      type != PGT_REC_END)) {
			/* Not needed when streaming, or unknown: skip, after
			 * checking the crc when it covers the type. */
			r->start += PGT_REC_HDR_SIZE;
			if (r->typed_crc)
				got = skip_checked(r, size, pgt_record__crc_start(1, type, size), crc);
			else
				got = skip_bytes(r, size);
			if (got == -PGT_ECRC && type != PGT_REC_INDEX) {
				pgt_diag(PGT_DIAG_ERROR,
					 "record at offset %llu, after %llu whole packets: type %u is unknown "
					 "and its checksum fails, so it is a damaged record",
					 (unsigned long long)off, (unsigned long long)r->pkt_no, type);
				return fail_quiet(r, -PGT_ECRC, off);
			}
			if (got)
				return fail(r, (int)got, off, type == PGT_REC_INDEX ? "index" : "record");
			if (type != PGT_REC_INDEX)
				r->st.unknown_records++;
			r->st.bytes = cur_off(r);
			continue;
		}
		if (size > (type == PGT_REC_PACKET ? PGT_PKT_MAX_RAW + PGT_PKT_HDR_SIZE : MAX_SIDE_RECORD))
			return fail(r, -PGT_ECORRUPT, off, type == PGT_REC_PACKET ? "packet" : "record");
		got = ensure(r, PGT_REC_HDR_SIZE + size);
		if (got < 0)
			return fail(r, (int)got, off, "record");
		if ((uint64_t)got < PGT_REC_HDR_SIZE + size)
			return fail(r, -PGT_ETRUNC, off, type == PGT_REC_PACKET ? "packet" : "record");
		body = r->buf + r->start + PGT_REC_HDR_SIZE;
		if (pgt_record__crc(r->typed_crc, type, body, size) != crc)
			return fail(r, -PGT_ECRC, off, type == PGT_REC_PACKET ? "packet" :
				    type == PGT_REC_END ? "end record" : "record");

		if (type == PGT_REC_END) {
			uint64_t ev, pk;

			if (size < PGT_END_BODY_SIZE)
				return fail(r, -PGT_ECORRUPT, off, "end record");
			ev = pgt_get_le64(body + 8);
			pk = pgt_get_le64(body + 16);
			if (ev != r->next_seq || pk != r->pkt_no) {
				pgt_diag(PGT_DIAG_ERROR,
					 "end record at offset %llu says %llu packets and %llu events, "
					 "but the trace holds %llu packets and %llu events",
					 (unsigned long long)off, (unsigned long long)pk,
					 (unsigned long long)ev, (unsigned long long)r->pkt_no,
					 (unsigned long long)r->next_seq);
				return fail_quiet(r, -PGT_ECORRUPT, off);
			}
			r->start += PGT_REC_HDR_SIZE + size;
			r->st.bytes = cur_off(r);
			r->st.complete = 1;
			r->done = 1;
			return 0;
		}
		r->start += PGT_REC_HDR_SIZE + size;
		r->st.bytes = cur_off(r);
		if (type != PGT_REC_PACKET) {
			int err = 0;

			if (!r->side_any || off > r->side_upto) {
				err = pgt_meta__add_raw(r->src.meta, type, body, size);
				r->side_upto = off;
				r->side_any = 1;
			}
			if (err)
				return fail(r, err, off, "side record");
			continue;
		}
		if (size < PGT_PKT_HDR_SIZE || pgt_get_le32(body + 24) > PGT_PKT_MAX_EVENTS)
			return fail(r, -PGT_ECORRUPT, off, "packet");
		if (check_packet(r, body, off))
			return r->err;
		*pbody = body;
		*psize = size;
		*poff = off;
		return 1;
	}
}

int pgt_reader__next_packet_raw(struct pgt_reader *r, struct pgt_rawpkt *p)
{
	uint64_t off;
	int got = next_packet(r, &p->body, &p->len, &off);

	if (got <= 0)
		return got;
	p->first_ts = pgt_get_le64(p->body);
	p->last_ts = pgt_get_le64(p->body + 8);
	p->first_seq = pgt_get_le64(p->body + 16);
	p->count = pgt_get_le32(p->body + 24);
	r->st.packets++;
	r->st.packet_bytes += PGT_REC_HDR_SIZE + p->len;
	return 1;
}

int pgt_reader__decode_raw(struct pgt_reader *r, const struct pgt_rawpkt *p, const struct pgt_event **evs)
{
	ssize_t dec;

	if (p->count > r->cap_ev) {
		struct pgt_event *e = realloc(r->evs, sizeof(*e) * p->count);

		if (!e)
			return -ENOMEM;
		r->evs = e;
		r->cap_ev = p->count;
	}
	dec = pgt_codec__decode(r->codec, p->body, p->len, r->evs);
	if (dec < 0)
		return (int)dec;
	*evs = r->evs;
	return (int)dec;
}

static ssize_t reader_batch(struct pgt_source *src, const struct pgt_event **evs)
{
	struct pgt_reader *r = (struct pgt_reader *)src;

	for (;;) {
		const uint8_t *body;
		uint64_t size, off;
		ssize_t dec;
		size_t first;
		uint32_t n;
		int got = next_packet(r, &body, &size, &off);

		if (got <= 0)
			return got;
		n = pgt_get_le32(body + 24);
		if (n > r->cap_ev) {
			struct pgt_event *e = realloc(r->evs, sizeof(*e) * n);

			if (!e)
				return fail(r, -ENOMEM, off, "packet");
			r->evs = e;
			r->cap_ev = n;
		}
		dec = pgt_codec__decode(r->codec, body, size, r->evs);
		if (dec < 0)
			return fail(r, (int)dec, off, "packet");
		r->st.packets++;
		r->st.packet_bytes += PGT_REC_HDR_SIZE + size;
		first = apply_skips(r, (uint32_t)dec);
		if (first == (size_t)dec)
			continue;
		r->st.events += (uint64_t)dec - first;
		*evs = r->evs + first;
		return dec - (ssize_t)first;
	}
}

int pgt_reader__seek_packet(struct pgt_reader *r, uint64_t i)
{
	int err;

	if (!r->idx)
		return -ENOENT;
	if (i >= r->nidx)
		return -PGT_ERANGE;
	err = load_sides_before(r, r->idx[i].off);
	if (!err)
		err = reposition(r, r->idx[i].off, i, r->idx[i].first_seq);
	r->skip_events = 0;
	r->skip_ts_active = 0;
	return err;
}

int pgt_reader__index_entry(const struct pgt_reader *r, uint64_t i, uint64_t *first_seq, uint32_t *count,
			    uint64_t *first_ts, uint64_t *last_ts)
{
	if (!r->idx || i >= r->nidx)
		return -PGT_ERANGE;
	*first_seq = r->idx[i].first_seq;
	*count = r->idx[i].count;
	*first_ts = r->idx[i].first_ts;
	*last_ts = r->idx[i].last_ts;
	return 0;
}

/* Rewind to the first record (regular files). */
static int rewind_start(struct pgt_reader *r)
{
	int err = reposition(r, r->hdr_size, 0, 0);

	if (!err)
		r->st.events = 0;
	return err;
}

/* Seek without an index: scan forward, from the start if needed. */
static int scan_to(struct pgt_reader *r, uint64_t seq, int by_time)
{
	const struct pgt_event *evs = NULL;
	ssize_t n = 0;
	uint64_t pos = r->st.events;	/* events handed out so far, scanning */

	if (r->seekable) {
		int err = rewind_start(r);

		if (err)
			return err;
		pos = 0;
	} else {
		/* On a pipe, the events of the current batch not yet taken
		 * by pgt_source__next() come first. */
		n = (ssize_t)(r->src.cur_n - r->src.cur_i);
		if (n)
			evs = r->src.cur + r->src.cur_i;
		pos -= (uint64_t)n;
		if (!by_time && seq < pos)
			return -ESPIPE;
	}
	for (;;) {
		for (ssize_t i = 0; i < n; i++) {
			if (by_time ? evs[i].ts >= seq : pos + (uint64_t)i == seq) {
				/* Hand the rest of this batch back first. */
				r->src.cur = evs;
				r->src.cur_n = (size_t)n;
				r->src.cur_i = (size_t)i;
				return 0;
			}
		}
		pos += (uint64_t)n;
		n = reader_batch(&r->src, &evs);
		if (n <= 0)
			return n < 0 ? (int)n : -PGT_ERANGE;
	}
}

int pgt_reader__seek_seq(struct pgt_reader *r, uint64_t seq)
{
	uint64_t lo = 0, hi;
	int err;

	if (!r->idx)
		return scan_to(r, seq, 0);
	if (seq >= r->idx_events)
		return -PGT_ERANGE;
	/* Last packet whose first_seq <= seq. */
	hi = r->nidx;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (r->idx[mid].first_seq <= seq)
			lo = mid;
		else
			hi = mid;
	}
	err = load_sides_before(r, r->idx[lo].off);
	if (err)
		return err;
	err = reposition(r, r->idx[lo].off, lo, r->idx[lo].first_seq);
	if (err)
		return err;
	r->skip_events = seq - r->idx[lo].first_seq;
	r->skip_ts_active = 0;
	return 0;
}

int pgt_reader__seek_time(struct pgt_reader *r, uint64_t ts)
{
	uint64_t lo = 0, hi;
	int err;

	if (!r->idx)
		return scan_to(r, ts, 1);
	if (r->idx_unordered) {
		/* Packets out of time order (an import of unsorted input):
		 * a binary search could miss the packet, so walk the index.
		 * The first packet in file order that ends at or after @ts
		 * is still right, but a reader that stops at the first event
		 * past a range's end would miss later ones (load_index()
		 * said so). */
		while (lo < r->nidx && r->idx[lo].last_ts < ts)
			lo++;
		goto found;
	}
	/* First packet whose last_ts >= ts. */
	hi = r->nidx;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (r->idx[mid].last_ts < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
found:
	if (lo == r->nidx)
		return -PGT_ERANGE;
	err = load_sides_before(r, r->idx[lo].off);
	if (err)
		return err;
	err = reposition(r, r->idx[lo].off, lo, r->idx[lo].first_seq);
	if (err)
		return err;
	r->skip_events = 0;
	r->skip_before_ts = ts;
	r->skip_ts_active = 1;
	return 0;
}

void pgt_source__free(struct pgt_source *src)
{
	if (src)
		src->ops->free(src);
}
