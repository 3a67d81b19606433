// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Packet codec.  A packet stores its events column by column, each value
 * as a delta against a predictor and then a varint, and the whole payload
 * is compressed with zstd.  Deltas turn sequential page numbers and
 * steady clocks into runs of identical small bytes, which zstd then
 * squeezes to almost nothing; a fixed-size struct would hide that
 * regularity behind the other fields.
 *
 * Predictors (the same in encoder and decoder, reset for each packet so
 * that packets decode independently):
 *   ts     previous event's ts (the first: the packet's first_ts)
 *   pid    previous event's pid;   tid   this event's pid
 *   obj    previous event's obj
 *   index  end (index + npages) of the last event of the same object,
 *          remembered in a small direct-mapped table; 0 when unknown
 *   pfn    previous event's pfn + 1 (0 meaning "no pfn")
 * type is one byte; flags, cpu, npages and aux are plain varints.
 */
#include <stdlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "format.h"

#define IDX_SLOTS 4096u

struct idx_pred {
	uint32_t tag;	/* obj + 1, 0 empty */
	uint64_t next;
};

struct pgt_codec_ctx {
	int zlevel;
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
	uint8_t *cols[PGT_NCOLS];
	size_t col_cap;		/* bytes per column buffer */
	struct pgt_buf raw;	/* assembled payload, or decompressed one */
	struct idx_pred pred[IDX_SLOTS];
};

struct pgt_codec_ctx *pgt_codec__new(int zlevel)
{
	struct pgt_codec_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->zlevel = zlevel ? zlevel : 1;
	return c;
}

void pgt_codec__free(struct pgt_codec_ctx *c)
{
	if (!c)
		return;
	ZSTD_freeCCtx(c->cctx);
	ZSTD_freeDCtx(c->dctx);
	for (int i = 0; i < PGT_NCOLS; i++)
		free(c->cols[i]);
	pgt_buf__release(&c->raw);
	free(c);
}

static int ensure_cols(struct pgt_codec_ctx *c, uint32_t n)
{
	size_t need = (size_t)n * 10 + 16;

	if (need <= c->col_cap)
		return 0;
	for (int i = 0; i < PGT_NCOLS; i++) {
		uint8_t *p = realloc(c->cols[i], need);

		if (!p)
			return -ENOMEM;
		c->cols[i] = p;
	}
	c->col_cap = need;
	return 0;
}

int pgt_codec__encode(struct pgt_codec_ctx *c, const struct pgt_event *ev, uint32_t n,
		      uint64_t first_seq, int compress, struct pgt_buf *out)
{
	uint8_t *p[PGT_NCOLS];
	uint64_t first_ts = UINT64_MAX, last_ts = 0, prev_ts, prev_pfn = 0;
	uint32_t prev_pid = 0, prev_obj = 0;
	size_t raw_size, hdr_at, bound;
	uint16_t codec = PGT_CODEC_NONE;
	uint8_t *hdr;
	int err;

	if (!n || n > PGT_PKT_MAX_EVENTS)
		return -EINVAL;
	err = ensure_cols(c, n);
	if (err)
		return err;
	for (uint32_t i = 0; i < n; i++) {
		if (ev[i].ts < first_ts)
			first_ts = ev[i].ts;
		if (ev[i].ts > last_ts)
			last_ts = ev[i].ts;
	}
	memset(c->pred, 0, sizeof(c->pred));
	for (int i = 0; i < PGT_NCOLS; i++)
		p[i] = c->cols[i];
	prev_ts = first_ts;
	for (uint32_t i = 0; i < n; i++) {
		const struct pgt_event *e = &ev[i];
		struct idx_pred *pr = &c->pred[e->obj & (IDX_SLOTS - 1)];
		uint64_t base = pr->tag == e->obj + 1 ? pr->next : 0;
		uint64_t pfn1 = e->pfn + 1;	/* PGT_PFN_NONE wraps to 0 */

		*p[PGT_COL_TYPE]++ = e->type;
		p[PGT_COL_FLAGS] = pgt_put_varint(p[PGT_COL_FLAGS], e->flags);
		p[PGT_COL_CPU] = pgt_put_varint(p[PGT_COL_CPU], e->cpu);
		p[PGT_COL_TS] = pgt_put_varint(p[PGT_COL_TS], pgt_zigzag((int64_t)(e->ts - prev_ts)));
		p[PGT_COL_PID] = pgt_put_varint(p[PGT_COL_PID],
						pgt_zigzag((int64_t)(int32_t)(e->pid - prev_pid)));
		p[PGT_COL_TID] = pgt_put_varint(p[PGT_COL_TID],
						pgt_zigzag((int64_t)(int32_t)(e->tid - e->pid)));
		p[PGT_COL_OBJ] = pgt_put_varint(p[PGT_COL_OBJ],
						pgt_zigzag((int64_t)(int32_t)(e->obj - prev_obj)));
		p[PGT_COL_INDEX] = pgt_put_varint(p[PGT_COL_INDEX], pgt_zigzag((int64_t)(e->index - base)));
		p[PGT_COL_NPAGES] = pgt_put_varint(p[PGT_COL_NPAGES], e->npages);
		p[PGT_COL_PFN] = pgt_put_varint(p[PGT_COL_PFN], pgt_zigzag((int64_t)(pfn1 - prev_pfn)));
		p[PGT_COL_AUX] = pgt_put_varint(p[PGT_COL_AUX], e->aux);
		pr->tag = e->obj + 1;
		pr->next = e->index + e->npages;
		prev_ts = e->ts;
		prev_pid = e->pid;
		prev_obj = e->obj;
		prev_pfn = pfn1;
	}

	/* Payload: the column sizes, then the columns. */
	raw_size = 4 * PGT_NCOLS;
	for (int i = 0; i < PGT_NCOLS; i++)
		raw_size += (size_t)(p[i] - c->cols[i]);
	c->raw.len = 0;
	if (pgt_buf__reserve(&c->raw, raw_size))
		return -ENOMEM;
	for (int i = 0; i < PGT_NCOLS; i++)
		pgt_put_le32(c->raw.data + 4 * i, (uint32_t)(p[i] - c->cols[i]));
	c->raw.len = 4 * PGT_NCOLS;
	for (int i = 0; i < PGT_NCOLS; i++) {
		memcpy(c->raw.data + c->raw.len, c->cols[i], (size_t)(p[i] - c->cols[i]));
		c->raw.len += (size_t)(p[i] - c->cols[i]);
	}

	bound = ZSTD_compressBound(raw_size);
	hdr_at = out->len;
	if (pgt_buf__reserve(out, PGT_PKT_HDR_SIZE + (bound > raw_size ? bound : raw_size)))
		return -ENOMEM;
	out->len += PGT_PKT_HDR_SIZE;
	if (compress) {
		size_t z;

		if (!c->cctx && !(c->cctx = ZSTD_createCCtx()))
			return -ENOMEM;
		z = ZSTD_compressCCtx(c->cctx, out->data + out->len, bound, c->raw.data, raw_size,
				      c->zlevel);
		/* zstd allocates its workspace on first use */
		if (ZSTD_isError(z) && ZSTD_getErrorCode(z) == ZSTD_error_memory_allocation)
			return -ENOMEM;
		if (ZSTD_isError(z))
			return -PGT_ECODEC;
		if (z < raw_size) {
			out->len += z;
			codec = PGT_CODEC_ZSTD;
		}
	}
	if (codec == PGT_CODEC_NONE) {
		memcpy(out->data + out->len, c->raw.data, raw_size);
		out->len += raw_size;
	}
	hdr = out->data + hdr_at;
	pgt_put_le64(hdr, first_ts);
	pgt_put_le64(hdr + 8, last_ts);
	pgt_put_le64(hdr + 16, first_seq);
	pgt_put_le32(hdr + 24, n);
	pgt_put_le16(hdr + 28, codec);
	pgt_put_le16(hdr + 30, PGT_NCOLS);
	pgt_put_le32(hdr + 32, (uint32_t)raw_size);
	pgt_put_le32(hdr + 36, 0);
	return 0;
}

#define GETV(col, dst)                                               \
	do {                                                         \
		if (PGT_UNLIKELY(pgt_get_varint(&q[col], qe[col], &(dst)))) \
			return -PGT_ECORRUPT;                        \
	} while (0)

ssize_t pgt_codec__decode(struct pgt_codec_ctx *c, const uint8_t *body, size_t len,
			  struct pgt_event *ev)
{
	const uint8_t *payload, *q[PGT_NCOLS], *qe[PGT_NCOLS], *pos;
	uint64_t first_ts, first_seq, prev_ts, prev_pfn = 0, min_ts, max_ts, last_ts;
	uint32_t n, raw_size, ncols, prev_pid = 0, prev_obj = 0;
	uint16_t codec;
	size_t table;

	if (len < PGT_PKT_HDR_SIZE)
		return -PGT_ECORRUPT;
	first_ts = pgt_get_le64(body);
	last_ts = pgt_get_le64(body + 8);
	first_seq = pgt_get_le64(body + 16);
	n = pgt_get_le32(body + 24);
	codec = pgt_get_le16(body + 28);
	ncols = pgt_get_le16(body + 30);
	raw_size = pgt_get_le32(body + 32);
	if (n > PGT_PKT_MAX_EVENTS || ncols < PGT_NCOLS || raw_size > PGT_PKT_MAX_RAW)
		return -PGT_ECORRUPT;
	table = (size_t)4 * ncols;
	if (raw_size < table)
		return -PGT_ECORRUPT;
	body += PGT_PKT_HDR_SIZE;
	len -= PGT_PKT_HDR_SIZE;
	if (codec == PGT_CODEC_NONE) {
		if (len != raw_size)
			return -PGT_ECORRUPT;
		payload = body;
	} else if (codec == PGT_CODEC_ZSTD) {
		size_t z;

		if (!c->dctx && !(c->dctx = ZSTD_createDCtx()))
			return -ENOMEM;
		c->raw.len = 0;
		if (pgt_buf__reserve(&c->raw, raw_size))
			return -ENOMEM;
		z = ZSTD_decompressDCtx(c->dctx, c->raw.data, raw_size, body, len);
		if (ZSTD_isError(z) && ZSTD_getErrorCode(z) == ZSTD_error_memory_allocation)
			return -ENOMEM;
		if (ZSTD_isError(z) || z != raw_size)
			return -PGT_ECORRUPT;
		payload = c->raw.data;
	} else {
		return -PGT_ECORRUPT;
	}

	pos = payload + table;
	for (uint32_t i = 0; i < PGT_NCOLS; i++) {
		uint32_t sz = pgt_get_le32(payload + 4 * i);

		if (sz > (size_t)(payload + raw_size - pos))
			return -PGT_ECORRUPT;
		q[i] = pos;
		qe[i] = pos + sz;
		pos += sz;
	}
	/* Columns of later minor versions (i >= PGT_NCOLS) are ignored. */
	if ((size_t)(qe[PGT_COL_TYPE] - q[PGT_COL_TYPE]) != n)
		return -PGT_ECORRUPT;

	memset(c->pred, 0, sizeof(c->pred));
	prev_ts = first_ts;
	min_ts = UINT64_MAX;
	max_ts = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct pgt_event *e = &ev[i];
		uint64_t v, base;
		struct idx_pred *pr;

		e->type = *q[PGT_COL_TYPE]++;
		e->pad = 0;
		GETV(PGT_COL_FLAGS, v);
		e->flags = (uint16_t)v;
		GETV(PGT_COL_CPU, v);
		e->cpu = (uint32_t)v;
		GETV(PGT_COL_TS, v);
		prev_ts += (uint64_t)pgt_unzigzag(v);
		e->ts = prev_ts;
		GETV(PGT_COL_PID, v);
		prev_pid += (uint32_t)pgt_unzigzag(v);
		e->pid = prev_pid;
		GETV(PGT_COL_TID, v);
		e->tid = prev_pid + (uint32_t)pgt_unzigzag(v);
		GETV(PGT_COL_OBJ, v);
		prev_obj += (uint32_t)pgt_unzigzag(v);
		e->obj = prev_obj;
		pr = &c->pred[prev_obj & (IDX_SLOTS - 1)];
		base = pr->tag == prev_obj + 1 ? pr->next : 0;
		GETV(PGT_COL_INDEX, v);
		e->index = base + (uint64_t)pgt_unzigzag(v);
		GETV(PGT_COL_NPAGES, v);
		e->npages = (uint32_t)v;
		GETV(PGT_COL_PFN, v);
		prev_pfn += (uint64_t)pgt_unzigzag(v);
		e->pfn = prev_pfn - 1;
		GETV(PGT_COL_AUX, v);
		e->aux = v;
		e->seq = first_seq + i;
		pr->tag = prev_obj + 1;
		pr->next = e->index + e->npages;
		if (e->ts < min_ts)
			min_ts = e->ts;
		if (e->ts > max_ts)
			max_ts = e->ts;
	}
	/* The header's times are the events' least and greatest: a header
	 * that says otherwise (the index and time seeks trust it) is damage
	 * the checksum cannot see if it was written that way. */
	if (n && (min_ts != first_ts || max_ts != last_ts))
		return -PGT_ECORRUPT;
	return (ssize_t)n;
}
