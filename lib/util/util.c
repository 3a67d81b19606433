// SPDX-License-Identifier: LGPL-2.1-or-later
/* Buffers, cursors, I/O loops, diagnostics and error strings. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

int pgt_grow_slow(void **p, size_t *cap, size_t need, size_t elem, size_t first)
{
	size_t n = *cap ? *cap : first ? first : 1;
	void *np;

	if (need <= *cap)
		return 0;
	while (n < need)
		n = n > SIZE_MAX / 2 ? need : n * 2;
	if (!elem || n > SIZE_MAX / elem)
		return -ENOMEM;
	np = realloc(*p, n * elem);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = n;
	return 0;
}

int pgt_grow32_slow(void **p, uint32_t *cap, size_t need, size_t elem, size_t first)
{
	size_t c = *cap;
	int err;

	if (need <= c)
		return 0;
	if (need > (size_t)1 << 31 || first > (size_t)1 << 31)
		return -ENOMEM;
	err = pgt_grow_slow(p, &c, need, elem, first);
	if (!err)
		*cap = (uint32_t)c;
	return err;
}

int pgt_buf__reserve(struct pgt_buf *b, size_t more)
{
	size_t cap;
	uint8_t *d;

	if (b->len + more <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	d = realloc(b->data, cap);
	if (!d)
		return -ENOMEM;
	b->data = d;
	b->cap = cap;
	return 0;
}

int pgt_buf__append(struct pgt_buf *b, const void *p, size_t n)
{
	int err = pgt_buf__reserve(b, n);

	if (err)
		return err;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

void pgt_buf__release(struct pgt_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int pgt_buf__put_u8(struct pgt_buf *b, uint8_t v) { return pgt_buf__append(b, &v, 1); }

int pgt_buf__put_u16(struct pgt_buf *b, uint16_t v)
{
	uint8_t t[2];

	pgt_put_le16(t, v);
	return pgt_buf__append(b, t, 2);
}

int pgt_buf__put_u32(struct pgt_buf *b, uint32_t v)
{
	uint8_t t[4];

	pgt_put_le32(t, v);
	return pgt_buf__append(b, t, 4);
}

int pgt_buf__put_u64(struct pgt_buf *b, uint64_t v)
{
	uint8_t t[8];

	pgt_put_le64(t, v);
	return pgt_buf__append(b, t, 8);
}

int pgt_buf__put_str(struct pgt_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	int err;

	if (n > UINT32_MAX)
		return -EOVERFLOW;
	err = pgt_buf__put_u32(b, (uint32_t)n);
	return err ? err : pgt_buf__append(b, s, n);
}

static const uint8_t *cur_take(struct pgt_cur *c, size_t n)
{
	const uint8_t *p = c->p;

	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = 1;
		return NULL;
	}
	c->p += n;
	return p;
}

uint8_t pgt_cur__u8(struct pgt_cur *c)
{
	const uint8_t *p = cur_take(c, 1);

	return p ? *p : 0;
}

uint16_t pgt_cur__u16(struct pgt_cur *c)
{
	const uint8_t *p = cur_take(c, 2);

	return p ? pgt_get_le16(p) : 0;
}

uint32_t pgt_cur__u32(struct pgt_cur *c)
{
	const uint8_t *p = cur_take(c, 4);

	return p ? pgt_get_le32(p) : 0;
}

uint64_t pgt_cur__u64(struct pgt_cur *c)
{
	const uint8_t *p = cur_take(c, 8);

	return p ? pgt_get_le64(p) : 0;
}

const char *pgt_cur__str(struct pgt_cur *c, uint32_t *len)
{
	uint32_t n = pgt_cur__u32(c);
	const uint8_t *p = cur_take(c, n);

	*len = p ? n : 0;
	return p ? (const char *)p : "";
}

static pgt_diag_fn diag_fn;
static void *diag_ctx;

void pgt_set_diag(pgt_diag_fn fn, void *ctx)
{
	diag_fn = fn;
	diag_ctx = ctx;
}

void pgt_diag(enum pgt_diag_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!diag_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_fn(level, msg, diag_ctx);
}

static const char *const pgt_errs[] = {
	[PGT_ENOTTRACE - PGT_EFIRST] = "not a pgtrace trace",
	[PGT_EVERSION - PGT_EFIRST] = "trace format version not supported",
	[PGT_ETRUNC - PGT_EFIRST] = "trace is truncated",
	[PGT_ECRC - PGT_EFIRST] = "checksum mismatch (corrupt data)",
	[PGT_ECORRUPT - PGT_EFIRST] = "malformed trace data",
	[PGT_ERANGE - PGT_EFIRST] = "position outside the trace",
	[PGT_EPARSE - PGT_EFIRST] = "cannot parse",
	[PGT_ECODEC - PGT_EFIRST] = "compression failure",
	[PGT_EPLOT - PGT_EFIRST] = "the drawing library refused the chart",
};

const char *pgt_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= PGT_EFIRST && err < PGT_ELAST)
		return pgt_errs[err - PGT_EFIRST];
	return strerror(err);
}

int pgt_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t pgt_read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

ssize_t pgt_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, p + got, len - got, (off_t)(off + got));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int pgt_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *b = buf;

	while (len) {
		ssize_t w = pwrite(fd, b, len, (off_t)off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += w;
		len -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

int pgt_tmpfile(const char *dir)
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
	if (snprintf(path, sizeof(path), "%s/pgtrace-XXXXXX", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}
