/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal helpers shared by the library: byte order, varints, buffers,
 * checksums and diagnostics.  Not installed. */
#ifndef PGT_UTIL_H
#define PGT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>

#include "pgtrace/pgtrace.h"

#define PGT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PGT_LIKELY(x) __builtin_expect(!!(x), 1)
#define PGT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define PGT_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Little-endian loads and stores: the format is little-endian. */
static inline void pgt_put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void pgt_put_le32(uint8_t *p, uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(p, &v, 4);
#else
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
#endif
}
static inline void pgt_put_le64(uint8_t *p, uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(p, &v, 8);
#else
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
#endif
}
static inline uint16_t pgt_get_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t pgt_get_le32(const uint8_t *p)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
#else
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
#endif
}
static inline uint64_t pgt_get_le64(const uint8_t *p)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
#else
	return (uint64_t)pgt_get_le32(p) | (uint64_t)pgt_get_le32(p + 4) << 32;
#endif
}

/* Value of a hexadecimal digit, or -1. */
static inline int pgt_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* LEB128 varints; zigzag for signed deltas. */
static inline uint8_t *pgt_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* Decode one varint from [*pp, end).  Return 0, or -1 when the varint
 * runs past @end or is longer than 10 bytes. */
static inline int pgt_get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	unsigned shift = 0;

	if (PGT_LIKELY(p < end && *p < 0x80)) {
		*out = *p;
		*pp = p + 1;
		return 0;
	}
	while (p < end && shift < 64) {
		uint8_t b = *p++;

		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			*pp = p;
			return 0;
		}
		shift += 7;
	}
	return -1;
}

static inline uint64_t pgt_zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t pgt_unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

/* Grow the array *@p of *@cap elements of @elem bytes to hold at least
 * @need of them: the capacity doubles from 8 (pgt_grow_from: from @first,
 * for per-object arrays that are mostly tiny), so appending one at a
 * time costs amortised O(1).  Overflow-checked: a size past SIZE_MAX is
 * -ENOMEM, never a short array.  On failure *@p and *@cap are unchanged
 * (the caller still owns and frees *@p).  Return: 0 or -ENOMEM. */
int pgt_grow_slow(void **p, size_t *cap, size_t need, size_t elem, size_t first);
static inline int pgt_grow_from(void **p, size_t *cap, size_t need, size_t elem, size_t first)
{
	if (PGT_LIKELY(need <= *cap))
		return 0;
	return pgt_grow_slow(p, cap, need, elem, first);
}
static inline int pgt_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	return pgt_grow_from(p, cap, need, elem, 8);
}

/* The same for an array whose capacity is a uint32_t (its elements are
 * named by 32-bit ids): more than 2^31 elements is -ENOMEM, so the doubled
 * capacity always fits in *@cap.  Return: 0 or -ENOMEM. */
int pgt_grow32_slow(void **p, uint32_t *cap, size_t need, size_t elem, size_t first);
static inline int pgt_grow32_from(void **p, uint32_t *cap, size_t need, size_t elem, size_t first)
{
	if (PGT_LIKELY(need <= *cap))
		return 0;
	return pgt_grow32_slow(p, cap, need, elem, first);
}

/* A growable byte buffer. */
struct pgt_buf {
	uint8_t *data;
	size_t len, cap;
};

int pgt_buf__reserve(struct pgt_buf *b, size_t more);
int pgt_buf__append(struct pgt_buf *b, const void *p, size_t n);
void pgt_buf__release(struct pgt_buf *b);
int pgt_buf__put_u8(struct pgt_buf *b, uint8_t v);
int pgt_buf__put_u16(struct pgt_buf *b, uint16_t v);
int pgt_buf__put_u32(struct pgt_buf *b, uint32_t v);
int pgt_buf__put_u64(struct pgt_buf *b, uint64_t v);
int pgt_buf__put_str(struct pgt_buf *b, const char *s);

/* A bounds-checked cursor over a serialised record body. */
struct pgt_cur {
	const uint8_t *p, *end;
	int bad;	/* set once a read ran past the end */
};

uint8_t pgt_cur__u8(struct pgt_cur *c);
uint16_t pgt_cur__u16(struct pgt_cur *c);
uint32_t pgt_cur__u32(struct pgt_cur *c);
uint64_t pgt_cur__u64(struct pgt_cur *c);
/* Returns a pointer into the body and its length (not NUL-terminated). */
const char *pgt_cur__str(struct pgt_cur *c, uint32_t *len);

/* CRC32C (Castagnoli), hardware-accelerated where the CPU has it. */
uint32_t pgt_crc32c(uint32_t crc, const void *data, size_t len);

/* Diagnostics through the callback of pgt_set_diag(). */
void pgt_diag(enum pgt_diag_level level, const char *fmt, ...) PGT_PRINTF(2, 3);

/* Full write / read loops that retry on EINTR and short counts.
 * pgt_write_all returns 0 or -errno; pgt_read_full returns bytes read
 * (short only at end of file) or -errno. */
int pgt_write_all(int fd, const void *buf, size_t len);
ssize_t pgt_read_full(int fd, void *buf, size_t len);
ssize_t pgt_pread_full(int fd, void *buf, size_t len, uint64_t off);
/* Write all of @buf at @off.  0 or a negative errno. */
int pgt_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
/* An anonymous temporary file, read-write, in @dir (NULL: $TMPDIR, else
 * /tmp): O_TMPFILE, or mkostemp() and unlink() where the filesystem has
 * no O_TMPFILE.  The descriptor, or a negative errno. */
int pgt_tmpfile(const char *dir);

/* Length of the valid UTF-8 character at @u (1 for ASCII), 0 if there is
 * none there: no overlong forms, surrogates or code points past U+10FFFF
 * (what strict decoders such as Python's refuse). */
static inline int pgt_utf8_len(const unsigned char *u)
{
	int n = u[0] < 0x80 ? 1 : u[0] >= 0xf0 && u[0] <= 0xf4 ? 4 : u[0] >= 0xe0 && u[0] < 0xf0 ? 3
	      : u[0] >= 0xc2 && u[0] < 0xe0 ? 2 : 0;

	if ((u[0] == 0xe0 && u[1] < 0xa0) || (u[0] == 0xed && u[1] >= 0xa0) ||
	    (u[0] == 0xf0 && u[1] < 0x90) || (u[0] == 0xf4 && u[1] >= 0x90))
		return 0;
	for (int i = 1; i < n; i++)
		if ((u[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

#endif
