/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * out.h - a buffered writer to a file descriptor, with the escaping of
 * text, CSV, JSON and HTML strings and fast number formatting.  Internal
 * (not installed): the rows sink writes through it, and the command line
 * wraps it for every command's output.
 *
 * A write error is kept in @err (an errno value) and later writes are
 * dropped: the owner checks @err once, at the end (pgt_out__finish()).
 * Nothing here prints or exits.
 */
#ifndef PGT_UTIL_OUT_H
#define PGT_UTIL_OUT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * struct pgt_out - the buffer and where it goes.
 * @buf, @len, @cap: pending bytes.
 * @fd:  the output, borrowed (never closed here).
 * @err: 0, or the errno of the first failed write (ENOMEM when the
 *       buffer could not grow).
 */
struct pgt_out {
	char *buf;
	size_t len, cap;
	int fd;
	int err;
};

/* Set up @o writing to @fd with a 64 KiB buffer: 0 or -ENOMEM. */
int pgt_out__init(struct pgt_out *o, int fd);
/* Write what is pending; a failure sets @err (EINTR is retried). */
void pgt_out__flush(struct pgt_out *o);
/* Flush and make room for @n bytes at once: 0, or -ENOMEM (@err set). */
int pgt_out__grow(struct pgt_out *o, size_t n);
/* Flush and free the buffer; return 0 or -@err.  The fd stays open. */
int pgt_out__finish(struct pgt_out *o);

static inline int pgt_out__reserve(struct pgt_out *o, size_t n)
{
	return o->len + n > o->cap ? pgt_out__grow(o, n) : 0;
}

static inline void pgt_out__char(struct pgt_out *o, char c)
{
	if (!pgt_out__reserve(o, 1))
		o->buf[o->len++] = c;
}

void pgt_out__mem(struct pgt_out *o, const char *s, size_t n);
void pgt_out__str(struct pgt_out *o, const char *s);
void pgt_out__u64(struct pgt_out *o, uint64_t v);
void pgt_out__i64(struct pgt_out *o, int64_t v);
/* 0x and lowercase hex digits. */
void pgt_out__hex(struct pgt_out *o, uint64_t v);
/* Seconds with nine decimals: 12.000001000 */
void pgt_out__ts(struct pgt_out *o, uint64_t ns);
void pgt_out__printf(struct pgt_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pgt_out__vprintf(struct pgt_out *o, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Decimal digits straight into the buffer: the rows' hottest path. */
static inline void pgt_out__dec(struct pgt_out *o, uint64_t v)
{
	char *p;
	int n = 1;

	for (uint64_t t = v; t >= 10; t /= 10)
		n++;
	if (pgt_out__reserve(o, 20))
		return;
	p = o->buf + o->len + n;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	o->len += (size_t)n;
}

/* The length of the bidirectional control character at @p (U+061C,
 * U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) in UTF-8, else 0: shown
 * as \xNN bytes (\uXXXX in JSON) like the C1 controls, never obeyed. */
int pgt_out__bidi_len(const unsigned char *p);
/* 0 for a byte at @p to show as \xNN (a control character, DEL, a byte
 * that is not UTF-8, a bidirectional control, a backslash before 'x'),
 * else the length of the character to copy as it is. */
int pgt_out__shown_len(const unsigned char *p);

/* A JSON string literal, quotes included. */
void pgt_out__json_str(struct pgt_out *o, const char *s);
/* A CSV field, quoted when needed (RFC 4180); controls as \xNN. */
void pgt_out__csv_str(struct pgt_out *o, const char *s);
/* Text with control characters shown as \xNN (for terminals). */
void pgt_out__text_str(struct pgt_out *o, const char *s);
/* Text for HTML: markup characters as entities, control characters and
 * bytes that are not UTF-8 shown as \xNN. */
void pgt_out__html_str(struct pgt_out *o, const char *s);

#endif
