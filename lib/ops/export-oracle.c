// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Writing libCacheSim's oracleGeneral: one 24-byte record per page
 * reference.  Its next_access_vtime field looks into the future, so the
 * records go out in two passes, as libCacheSim's own traceConv does it
 * but without holding the trace: a forward pass writes every record with
 * the page's dense number parked in that field, then a backward pass over
 * blocks of the written file replaces it by the number of the next
 * reference to the same page, keeping one "next use" slot per distinct
 * page.  The file is fixed in place when the output is a regular file; a
 * pipe gets a temporary file first.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops/sink-int.h"
#include "pgtrace/analysis.h"
#include "pgtrace/ops.h"
#include "util/util.h"
#include "util/opts.h"

#define REC PGT_ORACLE_RECORD_SIZE
#define BLOCK_RECS 43690u	/* about 1 MiB of records */

/* (object, page) -> dense number from 1, open addressing. */
struct pslot {
	uint64_t page;
	uint32_t obj;
	uint32_t pad;
	uint64_t id;		/* 0: empty */
};

struct pages {
	struct pslot *s;
	size_t cap, n;
};

static inline size_t phash(uint32_t obj, uint64_t page, size_t mask)
{
	uint64_t x = page * 0x9e3779b97f4a7c15ull ^ ((uint64_t)obj * 0xc2b2ae3d27d4eb4full);

	x ^= x >> 29;
	return (size_t)x & mask;
}

static int pages_grow(struct pages *p)
{
	size_t ncap = p->cap ? p->cap * 2 : 4096;
	struct pslot *n = calloc(ncap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < p->cap; i++) {
		struct pslot *o = &p->s[i];
		size_t h;

		if (!o->id)
			continue;
		for (h = phash(o->obj, o->page, ncap - 1); n[h].id; h = (h + 1) & (ncap - 1))
			;
		n[h] = *o;
	}
	free(p->s);
	p->s = n;
	p->cap = ncap;
	return 0;
}

/* The page's dense number, given on first sight. */
static inline int page_id(struct pages *p, uint32_t obj, uint64_t page, uint64_t *id)
{
	size_t mask, h;

	if ((p->n + 1) * 4 > p->cap * 3 && pages_grow(p))
		return -ENOMEM;
	mask = p->cap - 1;
	for (h = phash(obj, page, mask); p->s[h].id; h = (h + 1) & mask) {
		if (p->s[h].page == page && p->s[h].obj == obj) {
			*id = p->s[h].id;
			return 0;
		}
	}
	p->s[h].page = page;
	p->s[h].obj = obj;
	p->s[h].id = ++p->n;
	*id = p->n;
	return 0;
}

/* Replace the parked page numbers by next-use numbers, block by block
 * from the end. */
static int backward(int wfd, uint64_t base, uint64_t nrefs, uint64_t npages, uint8_t *buf)
{
	int64_t *next = malloc((npages + 1) * sizeof(*next));
	uint64_t left = nrefs;
	int err = 0;

	if (!next)
		return -ENOMEM;
	for (uint64_t i = 0; i <= npages; i++)
		next[i] = -1;
	while (left) {
		uint64_t k = left < BLOCK_RECS ? left : BLOCK_RECS, first = left - k;
		ssize_t r = pgt_pread_full(wfd, buf, (size_t)(k * REC), base + first * REC);

		if (r < 0) {
			err = (int)r;
			break;
		}
		if ((uint64_t)r != k * REC) {
			err = -EIO;	/* the file shrank under us */
			break;
		}
		for (uint64_t i = k; i-- > 0;) {
			uint8_t *p = buf + i * REC;
			uint64_t d = pgt_get_le64(p + 16);

			if (d > npages) {
				err = -EIO;
				break;
			}
			pgt_put_le64(p + 16, (uint64_t)next[d]);
			next[d] = (int64_t)(first + i + 1);	/* references count from 1 */
		}
		if (err)
			break;
		err = pgt_pwrite_all(wfd, buf, (size_t)(k * REC), base + first * REC);
		if (err)
			break;
		left = first;
	}
	free(next);
	return err;
}

static int copy_out(int from, int to, uint64_t len, uint8_t *buf)
{
	uint64_t off = 0;

	while (off < len) {
		size_t k = len - off < (uint64_t)BLOCK_RECS * REC ? (size_t)(len - off) : (size_t)BLOCK_RECS * REC;
		ssize_t r = pgt_pread_full(from, buf, k, off);
		int err;

		if (r < 0)
			return (int)r;
		if ((size_t)r != k)
			return -EIO;
		err = pgt_write_all(to, buf, k);
		if (err)
			return err;
		off += k;
	}
	return 0;
}

/* ---- the export as a sink ---- */

struct oracle_sink {
	struct pgt_sink base;
	struct pgt_oracle_opts o;
	struct pages pages;
	struct pgt_oracle_stats s;
	uint8_t *buf;
	uint64_t base_off, nrefs, first_ts, inblk;
	uint32_t types, size;
	int fd, wfd, tmp;
};

/* forward: every reference, the dense page number parked */
static int oracle_feed(struct pgt_sink *sk, const struct pgt_event *evs, size_t n,
		       const struct pgt_meta *meta, const struct pgt_header *h)
{
	struct oracle_sink *x = (struct oracle_sink *)sk;
	int err;

	(void)meta, (void)h;
	x->s.events += n;
	for (size_t i = 0; i < n; i++) {
		const struct pgt_event *e = &evs[i];

		if (e->type >= 32 || !(x->types & (1u << e->type)))
			continue;
		for (uint32_t k = 0; k < e->npages; k++) {
			uint64_t page = e->index + k, id, clk;
			uint8_t *p = x->buf + x->inblk * REC;

			err = page_id(&x->pages, e->obj, page, &id);
			if (err)
				return err;
			if (!x->nrefs)
				x->first_ts = e->ts;
			clk = e->ts > x->first_ts ? (e->ts - x->first_ts) / 1000000000ull : 0;
			pgt_put_le32(p, clk > UINT32_MAX ? UINT32_MAX : (uint32_t)clk);
			if (x->o.packed_ids) {
				if (e->obj >= (1u << 24) || page >= (1ull << 40)) {
					pgt_diag(PGT_DIAG_ERROR, "object %u page %llu does not fit a packed id "
						 "(objects below 2^24, pages below 2^40)", e->obj,
						 (unsigned long long)page);
					return -ERANGE;
				}
				pgt_put_le64(p + 4, (uint64_t)e->obj << 40 | page);
			} else {
				pgt_put_le64(p + 4, id);
			}
			pgt_put_le32(p + 12, x->o.obj_size || e->type != PGT_EV_REFERENCE || !e->aux ? x->size
					     : e->aux > UINT32_MAX ? UINT32_MAX : (uint32_t)e->aux);
			pgt_put_le64(p + 16, id);
			x->nrefs++;
			if (++x->inblk == BLOCK_RECS) {
				err = pgt_pwrite_all(x->wfd, x->buf, (size_t)(x->inblk * REC),
						 x->base_off + (x->nrefs - x->inblk) * REC);
				if (err)
					return err;
				x->inblk = 0;
			}
		}
	}
	return 0;
}

/* the last block, then backward: next-use numbers; then to @fd */
static int oracle_finish(struct pgt_sink *sk, const struct pgt_meta *meta, const struct pgt_header *h)
{
	struct oracle_sink *x = (struct oracle_sink *)sk;
	int err = 0;

	(void)meta, (void)h;
	if (x->inblk) {
		err = pgt_pwrite_all(x->wfd, x->buf, (size_t)(x->inblk * REC),
				 x->base_off + (x->nrefs - x->inblk) * REC);
		if (err)
			return err;
		x->inblk = 0;
	}
	err = backward(x->wfd, x->base_off, x->nrefs, x->pages.n, x->buf);
	if (err)
		return err;
	if (x->tmp)
		return copy_out(x->wfd, x->fd, x->nrefs * REC, x->buf);
	if (lseek(x->fd, (off_t)(x->base_off + x->nrefs * REC), SEEK_SET) < 0)
		return -errno;
	return 0;
}

static void oracle_free(struct pgt_sink *sk)
{
	struct oracle_sink *x = (struct oracle_sink *)sk;

	if (x->tmp && x->wfd >= 0)
		close(x->wfd);
	free(x->pages.s);
	free(x->buf);
	free(x);
}

static const struct pgt_sink_ops oracle_sink_ops = {
	.name = "oracleGeneral",
	.feed = oracle_feed,
	.finish = oracle_finish,
	.free = oracle_free,
};

struct pgt_sink *pgt_oracle__sink(int fd, uint32_t page_size, const struct pgt_oracle_opts *opts, int *err)
{
	struct oracle_sink *x;
	struct stat sb;
	int flags;

	if (!PGT_OPTS_VALID(opts)) {
		*err = -EINVAL;
		return NULL;
	}
	x = pgt_sink__alloc(sizeof(*x), &oracle_sink_ops, 0);
	if (!x) {
		*err = -ENOMEM;
		return NULL;
	}
	x->o.sz = sizeof(x->o);
	if (opts)
		x->o = *PGT_OPTS_FIT(opts, &x->o);
	x->types = x->o.types ? x->o.types : pgt_refs_default();
	x->size = x->o.obj_size ? x->o.obj_size : page_size ? page_size : 4096;
	x->fd = fd;
	x->wfd = -1;
	x->buf = malloc((size_t)BLOCK_RECS * REC);
	if (!x->buf) {
		*err = -ENOMEM;
		goto fail;
	}
	/* In place on a regular file open for reading too (pwrite ignores
	 * the offset under O_APPEND, so not then); through a temporary file
	 * otherwise. */
	flags = fcntl(fd, F_GETFL);
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && flags >= 0 && !(flags & O_APPEND) &&
	    (flags & O_ACCMODE) == O_RDWR) {
		off_t cur = lseek(fd, 0, SEEK_CUR);

		if (cur >= 0) {
			x->wfd = fd;
			x->base_off = (uint64_t)cur;
		}
	}
	if (x->wfd < 0) {
		int t = pgt_tmpfile(x->o.tmpdir);

		if (t < 0) {
			*err = t;
			pgt_diag(PGT_DIAG_ERROR, "cannot create a temporary file in %s: %s",
				 x->o.tmpdir ? x->o.tmpdir : "$TMPDIR or /tmp", pgt_strerror(t));
			goto fail;
		}
		x->wfd = t;
		x->tmp = 1;
	}
	*err = 0;
	return &x->base;
fail:
	oracle_free(&x->base);
	return NULL;
}

void pgt_oracle__sink_stats(const struct pgt_sink *sk, struct pgt_oracle_stats *st)
{
	const struct oracle_sink *x = (const struct oracle_sink *)sk;

	*st = x->s;
	st->refs = x->nrefs;
	st->pages = x->pages.n;
}

int pgt_oracle__export(struct pgt_source *src, int fd, const struct pgt_oracle_opts *opts,
		       struct pgt_oracle_stats *st)
{
	struct pgt_drain_result res;
	struct pgt_sink *sk;
	int err;

	sk = pgt_oracle__sink(fd, src->header.page_size, opts, &err);
	if (!sk)
		return err;
	err = pgt_drain(src, &sk, 1, NULL, &res);
	if (err && res.side == PGT_DRAIN_SOURCE) {
		/* the references before the failure, written completely */
		int e2 = pgt_sink__finish(sk, src->meta, &src->header);

		err = e2 ? e2 : err;
	}
	if (st)
		pgt_oracle__sink_stats(sk, st);
	pgt_sink__free(sk);
	return err;
}
