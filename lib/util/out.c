// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The buffered writer (out.h): rows of dump and export, and every report
 * of the command line, go out through it.  Escaping is decided here, once:
 * text, CSV and HTML show what a terminal must not obey as \xNN; JSON is
 * exact for valid UTF-8 and safe to embed in an HTML <script>.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/out.h"
#include "util/util.h"

void pgt_out__flush(struct pgt_out *o)
{
	size_t off = 0;

	while (off < o->len && !o->err) {
		ssize_t n = write(o->fd, o->buf + off, o->len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			o->err = errno;
			break;
		}
		off += (size_t)n;
	}
	o->len = 0;
}

int pgt_out__init(struct pgt_out *o, int fd)
{
	o->cap = 1 << 16;
	o->buf = malloc(o->cap);
	o->len = 0;
	o->fd = fd;
	o->err = 0;
	if (!o->buf) {
		o->cap = 0;
		o->err = ENOMEM;
		return -ENOMEM;
	}
	return 0;
}

int pgt_out__grow(struct pgt_out *o, size_t n)
{
	pgt_out__flush(o);
	if (n > o->cap) {
		char *b = realloc(o->buf, n);

		if (!b) {
			if (!o->err)
				o->err = ENOMEM;
			return -ENOMEM;
		}
		o->buf = b;
		o->cap = n;
	}
	return 0;
}

int pgt_out__finish(struct pgt_out *o)
{
	pgt_out__flush(o);
	free(o->buf);
	o->buf = NULL;
	o->cap = 0;
	return -o->err;
}

void pgt_out__mem(struct pgt_out *o, const char *s, size_t n)
{
	if (pgt_out__reserve(o, n))
		return;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

void pgt_out__str(struct pgt_out *o, const char *s) { pgt_out__mem(o, s, strlen(s)); }

void pgt_out__u64(struct pgt_out *o, uint64_t v)
{
	char tmp[24];
	int i = 24;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	pgt_out__mem(o, tmp + i, (size_t)(24 - i));
}

void pgt_out__i64(struct pgt_out *o, int64_t v)
{
	if (v < 0) {
		pgt_out__char(o, '-');
		pgt_out__u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		pgt_out__u64(o, (uint64_t)v);
	}
}

void pgt_out__hex(struct pgt_out *o, uint64_t v)
{
	static const char dig[] = "0123456789abcdef";
	char tmp[18];
	int i = 18;

	do {
		tmp[--i] = dig[v & 15];
		v >>= 4;
	} while (v);
	tmp[--i] = 'x';
	tmp[--i] = '0';
	pgt_out__mem(o, tmp + i, (size_t)(18 - i));
}

void pgt_out__ts(struct pgt_out *o, uint64_t ns)
{
	char frac[9];
	uint64_t f = ns % 1000000000ull;

	pgt_out__u64(o, ns / 1000000000ull);
	for (int i = 8; i >= 0; i--) {
		frac[i] = (char)('0' + f % 10);
		f /= 10;
	}
	pgt_out__char(o, '.');
	pgt_out__mem(o, frac, 9);
}

void pgt_out__vprintf(struct pgt_out *o, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || pgt_out__reserve(o, (size_t)n + 1))
		return;
	vsnprintf(o->buf + o->len, (size_t)n + 1, fmt, ap);
	o->len += (size_t)n;
}

void pgt_out__printf(struct pgt_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pgt_out__vprintf(o, fmt, ap);
	va_end(ap);
}

int pgt_out__bidi_len(const unsigned char *p)
{
	if (p[0] == 0xd8 && p[1] == 0x9c)	/* U+061C arabic letter mark */
		return 2;
	if (p[0] != 0xe2)
		return 0;
	if (p[1] == 0x80 && ((p[2] >= 0xaa && p[2] <= 0xae) || p[2] == 0x8e || p[2] == 0x8f))
		return 3;	/* U+202A..U+202E embeddings and overrides, U+200E, U+200F marks */
	if (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
		return 3;	/* U+2066..U+2069 isolates */
	return 0;
}

/*
 * What a terminal must not obey and a reader must not choke on: C0 and C1
 * controls, bidirectional controls (a right-to-left override reorders
 * what follows it on the screen), DEL, bytes that are not part of valid UTF-8, and a backslash
 * before 'x' (so that \xNN always stands for one byte).  Returns 0 for a
 * byte to show as \xNN, else the length of the character at @p to copy.
 */
int pgt_out__shown_len(const unsigned char *p)
{
	int n;

	if (*p < 0x20 || *p == 0x7f || (*p == '\\' && p[1] == 'x'))
		return 0;
	n = pgt_utf8_len(p);
	if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)	/* U+0080..U+009F */
		return 0;
	if (n > 1 && pgt_out__bidi_len(p))
		return 0;
	return n;
}

/* JSON: exact for valid UTF-8; a byte that is not UTF-8 becomes the text
 * \xNN (and a backslash before x \x5c), as in text and CSV. */
void pgt_out__json_str(struct pgt_out *o, const char *s)
{
	static const char dig[] = "0123456789abcdef";

	pgt_out__char(o, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int n = pgt_out__shown_len(p);

		if (*p == '"' || (*p == '\\' && n)) {
			pgt_out__char(o, '\\');
			pgt_out__char(o, (char)*p);
		} else if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>' || *p == '&') {
			/* <, >, &: safe to embed in HTML <script> as well */
			char e[6] = { '\\', 'u', '0', '0', dig[*p >> 4], dig[*p & 15] };

			pgt_out__mem(o, e, 6);
		} else if (*p == 0xc2 && !n && p[1] >= 0x80 && p[1] < 0xa0) {
			char e[6] = { '\\', 'u', '0', '0', dig[p[1] >> 4], dig[p[1] & 15] };

			pgt_out__mem(o, e, 6);
			p++;
		} else if (!n && pgt_out__bidi_len(p) && pgt_utf8_len(p)) {
			/* the code point, escaped: JSON stays exact */
			unsigned cp = p[0] == 0xd8 ? 0x61c : (unsigned)((p[0] & 15) << 12 | (p[1] & 63) << 6 | (p[2] & 63));
			char e[6] = { '\\', 'u', dig[cp >> 12], dig[(cp >> 8) & 15], dig[(cp >> 4) & 15], dig[cp & 15] };

			pgt_out__mem(o, e, 6);
			p += pgt_out__bidi_len(p) - 1;
		} else if (!n) {
			char e[5] = { '\\', '\\', 'x', dig[*p >> 4], dig[*p & 15] };

			pgt_out__mem(o, e, 5);
		} else {
			pgt_out__mem(o, (const char *)p, (size_t)n);
			p += n - 1;
		}
	}
	pgt_out__char(o, '"');
}

/* Text from @p up to @end (the string goes on to its NUL past it). */
static void text_mem(struct pgt_out *o, const unsigned char *p, const unsigned char *end)
{
	static const char dig[] = "0123456789abcdef";

	for (; p < end; p++) {
		int n = pgt_out__shown_len(p);

		if (!n) {
			char e[4] = { '\\', 'x', dig[*p >> 4], dig[*p & 15] };

			pgt_out__mem(o, e, 4);
		} else {
			pgt_out__mem(o, (const char *)p, (size_t)n);
			p += n - 1;
		}
	}
}

/* CSV: control characters are shown as \xNN like in text, so a row is
 * always one line; fields with commas or quotes are quoted. */
void pgt_out__csv_str(struct pgt_out *o, const char *s)
{
	const char *q;

	if (!strpbrk(s, ",\"")) {
		pgt_out__text_str(o, s);
		return;
	}
	pgt_out__char(o, '"');
	for (; (q = strchr(s, '"')); s = q + 1) {
		text_mem(o, (const unsigned char *)s, (const unsigned char *)q);
		pgt_out__mem(o, "\"\"", 2);
	}
	pgt_out__text_str(o, s);
	pgt_out__char(o, '"');
}

void pgt_out__text_str(struct pgt_out *o, const char *s)
{
	text_mem(o, (const unsigned char *)s, (const unsigned char *)s + strlen(s));
}

void pgt_out__html_str(struct pgt_out *o, const char *s)
{
	static const char dig[] = "0123456789abcdef";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int n = pgt_utf8_len(p);

		switch (*p) {
		case '&': pgt_out__str(o, "&amp;"); continue;
		case '<': pgt_out__str(o, "&lt;"); continue;
		case '>': pgt_out__str(o, "&gt;"); continue;
		case '"': pgt_out__str(o, "&quot;"); continue;
		case '\'': pgt_out__str(o, "&#39;"); continue;
		default: break;
		}
		if (*p < 0x20 || *p == 0x7f || !n || (n > 1 && pgt_out__bidi_len(p))) {	/* shown, not obeyed */
			char e[4] = { '\\', 'x', dig[*p >> 4], dig[*p & 15] };

			pgt_out__mem(o, e, 4);
		} else {
			pgt_out__mem(o, (const char *)p, (size_t)n);
			p += n - 1;
		}
	}
}

