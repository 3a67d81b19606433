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

static int open_tmp(const char *dir)
{
	char path[4096];
	int fd;

	if (!dir) {
		dir = getenv("TMPDIR");
		if (!dir || !*dir)
			dir = "/tmp";
	}
	fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	/* filesystems without O_TMPFILE */
	if (snprintf(path, sizeof(path), "%s/pgtrace-oracle-XXXXXX", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}

static int pwrite_all(int fd, const uint8_t *b, size_t n, uint64_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, b, n, (off_t)off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
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
		err = pwrite_all(wfd, buf, (size_t)(k * REC), base + first * REC);
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

int pgt_oracle__export(struct pgt_source *src, int fd, const struct pgt_oracle_opts *opts,
		       struct pgt_oracle_stats *st)
{
	struct pgt_oracle_opts o = { .sz = sizeof(o) };
	struct pages pages = { 0 };
	struct pgt_oracle_stats s = { 0 };
	uint8_t *buf = NULL;
	uint64_t base = 0, nrefs = 0, first_ts = 0, inblk = 0;
	uint32_t types, size;
	int wfd = -1, tmp = 0, err = 0, src_err = 0, flags;
	struct stat sb;

	if (!PGT_OPTS_VALID(opts))
		return -EINVAL;
	if (opts)
		o = *PGT_OPTS_FIT(opts, &o);
	types = o.types ? o.types : pgt_refs_default();
	size = o.obj_size ? o.obj_size : src->header.page_size ? src->header.page_size : 4096;
	buf = malloc((size_t)BLOCK_RECS * REC);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	/* In place on a regular file open for reading too (pwrite ignores
	 * the offset under O_APPEND, so not then); through a temporary file
	 * otherwise. */
	flags = fcntl(fd, F_GETFL);
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && flags >= 0 && !(flags & O_APPEND) &&
	    (flags & O_ACCMODE) == O_RDWR) {
		off_t cur = lseek(fd, 0, SEEK_CUR);

		if (cur >= 0) {
			wfd = fd;
			base = (uint64_t)cur;
		}
	}
	if (wfd < 0) {
		wfd = open_tmp(o.tmpdir);
		if (wfd < 0) {
			err = wfd;
			pgt_diag(PGT_DIAG_ERROR, "cannot create a temporary file in %s: %s",
				 o.tmpdir ? o.tmpdir : "$TMPDIR or /tmp", pgt_strerror(err));
			wfd = -1;
			goto out;
		}
		tmp = 1;
	}

	/* forward: every reference, the dense page number parked */
	for (;;) {
		const struct pgt_event *evs;
		ssize_t n = pgt_source__batch(src, &evs);

		if (n <= 0) {
			src_err = (int)n;
			break;
		}
		s.events += (uint64_t)n;
		for (ssize_t i = 0; i < n; i++) {
			const struct pgt_event *e = &evs[i];

			if (e->type >= 32 || !(types & (1u << e->type)))
				continue;
			for (uint32_t k = 0; k < e->npages; k++) {
				uint64_t page = e->index + k, id, clk;
				uint8_t *p = buf + inblk * REC;

				err = page_id(&pages, e->obj, page, &id);
				if (err)
					goto out;
				if (!nrefs)
					first_ts = e->ts;
				clk = e->ts > first_ts ? (e->ts - first_ts) / 1000000000ull : 0;
				pgt_put_le32(p, clk > UINT32_MAX ? UINT32_MAX : (uint32_t)clk);
				if (o.packed_ids) {
					if (e->obj >= (1u << 24) || page >= (1ull << 40)) {
						pgt_diag(PGT_DIAG_ERROR, "object %u page %llu does not fit a packed id "
							 "(objects below 2^24, pages below 2^40)", e->obj,
							 (unsigned long long)page);
						err = -ERANGE;
						goto out;
					}
					pgt_put_le64(p + 4, (uint64_t)e->obj << 40 | page);
				} else {
					pgt_put_le64(p + 4, id);
				}
				pgt_put_le32(p + 12, size);
				pgt_put_le64(p + 16, id);
				nrefs++;
				if (++inblk == BLOCK_RECS) {
					err = pwrite_all(wfd, buf, (size_t)(inblk * REC), base + (nrefs - inblk) * REC);
					if (err)
						goto out;
					inblk = 0;
				}
			}
		}
	}
	if (inblk) {
		err = pwrite_all(wfd, buf, (size_t)(inblk * REC), base + (nrefs - inblk) * REC);
		if (err)
			goto out;
	}
	/* backward: next-use numbers */
	err = backward(wfd, base, nrefs, pages.n, buf);
	if (err)
		goto out;
	if (tmp)
		err = copy_out(wfd, fd, nrefs * REC, buf);
	else if (lseek(fd, (off_t)(base + nrefs * REC), SEEK_SET) < 0)
		err = -errno;
out:
	s.refs = nrefs;
	s.pages = pages.n;
	if (st)
		*st = s;
	if (tmp && wfd >= 0)
		close(wfd);
	free(pages.s);
	free(buf);
	return err ? err : src_err;
}
