/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * On-disk layout of a .pgt trace.  doc/pgtrace-format.5 is the
 * specification; this header mirrors it and the two change together.
 * All integers are little-endian.
 */
#ifndef PGT_FORMAT_H
#define PGT_FORMAT_H

#include "util/util.h"

#define PGT_MAGIC "PGTRACE\0"
#define PGT_MAGIC_LEN 8
#define PGT_ENDIAN_MARK 0x01020304u

/* File header: fixed part of version 1.0 (header_size may be larger in
 * later minors; readers skip what they do not know). */
#define PGT_HDR_SIZE 200
#define PGT_HDR_MAX_SIZE 65536	/* header_size above this is corrupt */
#define PGT_HDR_OFF_MAJOR 8
#define PGT_HDR_OFF_MINOR 10
#define PGT_HDR_OFF_SIZE 12
#define PGT_HDR_OFF_ENDIAN 16
#define PGT_HDR_OFF_PAGESIZE 20
#define PGT_HDR_OFF_COMPAT 24
#define PGT_HDR_OFF_INCOMPAT 32
#define PGT_HDR_OFF_CLOCK 40
#define PGT_HDR_OFF_WALL 48
#define PGT_HDR_OFF_START 56
#define PGT_HDR_OFF_HOST 64
#define PGT_HDR_OFF_KERNEL 128
#define PGT_HDR_OFF_CRC 192

/* Feature bits.  Compat bits may be ignored by a reader that does not
 * know them; an unknown incompat bit makes the trace unreadable. */
#define PGT_FEAT_COMPAT_INDEX	PGT_FEAT_INDEX	/* writer intended an index */
/* 1.3: record crcs cover type and size (see PGT_REC_HDR_SIZE). */
#define PGT_INCOMPAT_TYPED_CRC	0x1ull
#define PGT_INCOMPAT_KNOWN	PGT_INCOMPAT_TYPED_CRC

/* Record header: u32 type, u32 crc, u64 body size.  The crc is crc32c
 * over the type (4 bytes), the size (8 bytes) and the body, in that
 * order, in a trace with PGT_INCOMPAT_TYPED_CRC (1.3 on); before, it
 * covers the body only, so a flipped bit in a type went unseen. */
#define PGT_REC_HDR_SIZE 16

/* The crc a record's header must hold, started: feed the body to
 * pgt_crc32c() with this as the initial value.  @typed: the trace has
 * PGT_INCOMPAT_TYPED_CRC (every trace this library writes does). */
uint32_t pgt_record__crc_start(int typed, uint32_t type, uint64_t size);
static inline uint32_t pgt_record__crc(int typed, uint32_t type, const void *body, uint64_t size)
{
	return pgt_crc32c(pgt_record__crc_start(typed, type, size), body, size);
}

enum pgt_rec_type {
	PGT_REC_PACKET = 1,
	PGT_REC_OBJECT = 2,
	PGT_REC_PROCESS = 3,
	PGT_REC_LOST = 4,
	PGT_REC_LEVEL = 5,
	PGT_REC_INFO = 6,
	PGT_REC_FORMAT = 7,
	PGT_REC_INDEX = 8,
	PGT_REC_END = 9,
};

/* Side records are the ones that feed struct pgt_meta. */
static inline int pgt_rec_is_side(uint32_t type)
{
	return type >= PGT_REC_OBJECT && type <= PGT_REC_FORMAT;
}

/* Packet body: a fixed header, then the payload. */
#define PGT_PKT_HDR_SIZE 40
/* u64 first_ts, u64 last_ts, u64 first_seq, u32 count, u16 codec,
 * u16 ncols, u32 raw_size, u32 reserved */
enum pgt_codec { PGT_CODEC_NONE = 0, PGT_CODEC_ZSTD = 1 };

/* Columns of a version 1.0 packet, in payload order. */
enum pgt_col {
	PGT_COL_TYPE, PGT_COL_FLAGS, PGT_COL_CPU, PGT_COL_TS, PGT_COL_PID,
	PGT_COL_TID, PGT_COL_OBJ, PGT_COL_INDEX, PGT_COL_NPAGES, PGT_COL_PFN,
	PGT_COL_AUX, PGT_NCOLS,
};

/* Packet limits: a packet never holds more than this many events, so a
 * reader can size its buffers (and reject absurd counts). */
#define PGT_PKT_MAX_EVENTS (1u << 20)
#define PGT_PKT_DEFAULT_EVENTS 32768u
/* A decoded payload is at most this large (11 columns of 10-byte
 * varints per event, plus the column table). */
#define PGT_PKT_MAX_RAW ((size_t)PGT_PKT_MAX_EVENTS * PGT_NCOLS * 10 + 4096)

/* Index entry: u64 offset, u64 first_ts, u64 last_ts, u64 first_seq,
 * u32 count, u32 reserved. */
#define PGT_IDX_ENTRY_SIZE 40

/* End record body: u64 index_offset, u64 events, u64 packets. */
#define PGT_END_BODY_SIZE 24
#define PGT_END_REC_SIZE (PGT_REC_HDR_SIZE + PGT_END_BODY_SIZE)

/* Packet codec (lib/format/codec.c). */
struct pgt_codec_ctx;

struct pgt_codec_ctx *pgt_codec__new(int zlevel);
void pgt_codec__free(struct pgt_codec_ctx *c);
/* Encode @n events into @out as a whole packet body (header included).
 * Return 0 or a negative error. */
int pgt_codec__encode(struct pgt_codec_ctx *c, const struct pgt_event *ev, uint32_t n,
		      uint64_t first_seq, int compress, struct pgt_buf *out);
/* Decode a packet body into @ev (room for PGT_PKT_MAX_EVENTS).
 * Return the event count or a negative error. */
ssize_t pgt_codec__decode(struct pgt_codec_ctx *c, const uint8_t *body, size_t len,
			  struct pgt_event *ev);

/* Serialise header and side records (lib/format/records.c). */
void pgt_header__encode(const struct pgt_header *h, uint8_t out[PGT_HDR_SIZE]);
int pgt_header__decode(const uint8_t *buf, size_t len, struct pgt_header *h, uint32_t *hdr_size);
int pgt_record__object(struct pgt_buf *b, const struct pgt_object *o);
int pgt_record__process(struct pgt_buf *b, const struct pgt_process *p);
int pgt_record__lost(struct pgt_buf *b, uint64_t ts, uint32_t cpu, uint64_t count);
int pgt_record__level(struct pgt_buf *b, uint64_t ts, uint32_t level);
int pgt_record__info(struct pgt_buf *b, const char *key, const char *value);
/* Frame @body as a record (header with CRC) appended to @out. */
int pgt_record__frame(struct pgt_buf *out, uint32_t type, const void *body, size_t len);

/* Raw packets, for tools that copy packets without decoding them. */
struct pgt_rawpkt {
	const uint8_t *body;	/* the packet body (header + payload) */
	uint64_t len;
	uint64_t first_ts, last_ts, first_seq;
	uint32_t count;
};

/* Next packet of @r undecoded (side records applied on the way); body
 * valid until the next read.  Return 1, 0 at the end, or an error. */
int pgt_reader__next_packet_raw(struct pgt_reader *r, struct pgt_rawpkt *p);
/* Decode a raw packet with the reader's codec; events valid until the
 * next read.  Return the count or an error. */
int pgt_reader__decode_raw(struct pgt_reader *r, const struct pgt_rawpkt *p, const struct pgt_event **evs);
/* Position at packet @i of the index (side tables before it loaded). */
int pgt_reader__seek_packet(struct pgt_reader *r, uint64_t i);
int pgt_reader__index_entry(const struct pgt_reader *r, uint64_t i, uint64_t *first_seq, uint32_t *count,
			    uint64_t *first_ts, uint64_t *last_ts);
/* Append a packet as it is (first_seq renumbered, checksum redone);
 * events buffered before are written first. */
int pgt_writer__write_packet_raw(struct pgt_writer *w, const struct pgt_rawpkt *p);

/*
 * Lean writers, for an operator that keeps thousands of traces going at
 * once (split).  A lean writer borrows @codec (shared by all of them; it
 * must outlive them), allocates an event buffer only if
 * pgt_writer__write() is used, and keeps no output buffer between
 * writes.  It is finished with pgt_writer__close() like any writer.
 */
struct pgt_writer *pgt_writer__fdopen_lean(int fd, const struct pgt_writer_opts *opts,
					   struct pgt_codec_ctx *codec, int *err);
/* Events buffered first, then the queued side records, then @n events
 * from @ev as one packet, encoded straight from the caller's array. */
int pgt_writer__put_packet(struct pgt_writer *w, const struct pgt_event *ev, uint32_t n);
/* Queue one serialised side record (as in a meta log) for the file. */
int pgt_writer__add_raw(struct pgt_writer *w, uint32_t type, const void *body, size_t len);
/*
 * Take the descriptor away from a writer without finishing the file: the
 * writer keeps its index, counters and queued records, and writes
 * nothing until pgt_writer__attach_fd() gives it a descriptor open on
 * the end of the same file (O_APPEND).  Return the descriptor, which the
 * caller now closes.  pgt_writer__bytes() tells how long the file must
 * be when it is taken back.
 */
int pgt_writer__detach_fd(struct pgt_writer *w);
void pgt_writer__attach_fd(struct pgt_writer *w, int fd);

/* Hash slots the meta's lookups have looked at so far (tests: every
 * lookup costs O(1) slots whatever keys the trace holds). */
uint64_t pgt_meta__probes(const struct pgt_meta *m);

/* The serialised log of a meta (records in arrival order, each as
 * u32 type, u32 len, body).  Borrowed. */
const struct pgt_buf *pgt_meta__log(const struct pgt_meta *m);

/* A number no other meta of this process has had or will have: what a
 * cache of "the meta I saw" keys on, since a freed meta's address comes
 * back with the next one allocated.  Never 0. */
uint64_t pgt_meta__serial(const struct pgt_meta *m);

#endif
