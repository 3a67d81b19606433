// SPDX-License-Identifier: LGPL-2.1-or-later
/* Strict parsers for numbers, sizes, durations and ranges. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>

#include "pgtrace/parse.h"
#include "util.h"
#include "util/parse-error.h"

int pgt_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	int digits = 0;

	if (!s || !*s)
		return -PGT_EPARSE;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return -PGT_EPARSE;
	}
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = (unsigned)(tolower((unsigned char)*s) - 'a' + 10);
		else if (*s == '_')
			continue;	/* digit grouping: 1_000_000 */
		else
			return -PGT_EPARSE;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
		digits = 1;
	}
	if (!digits)
		return -PGT_EPARSE;	/* "_" or "0x_" */
	*out = v;
	return 0;
}

int pgt_parse_u64_max(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v;
	int err = pgt_parse_u64(s, &v);

	if (err)
		return err;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* A non-negative decimal prefix; *end set past it. */
static int parse_decimal(const char *s, const char **end, double *out)
{
	char *e;
	double v;

	if (!isdigit((unsigned char)*s) && !(*s == '.' && isdigit((unsigned char)s[1])))
		return -PGT_EPARSE;
	errno = 0;
	v = strtod(s, &e);
	/* strtod also reads hexadecimal floats ("0x1p4"): not decimal */
	if (strspn(s, "0123456789.eE+-") < (size_t)(e - s))
		return -PGT_EPARSE;
	if (errno == ERANGE || !isfinite(v))
		return -ERANGE;
	*end = e;
	*out = v;
	return 0;
}

int pgt_parse_double(const char *s, double *out)
{
	const char *end;
	double v;
	int err;

	if (!s)
		return -PGT_EPARSE;
	err = parse_decimal(s, &end, &v);
	if (err)
		return err;
	if (*end)
		return -PGT_EPARSE;
	*out = v;
	return 0;
}

int pgt_parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGTPE";
	const char *end, *u;
	double v, mult = 1;
	int err;

	if (!s)
		return -PGT_EPARSE;
	err = parse_decimal(s, &end, &v);
	if (err)
		return err;
	if (*end) {
		u = strchr(units, toupper((unsigned char)*end));
		if (u && *end != 'B') {
			mult = ldexp(1.0, 10 * (int)(u - units + 1));
			end++;
			if (end[0] == 'i' && end[1] == 'B')
				end += 2;
			else if (end[0] == 'B')
				end++;
		} else if (*end == 'B') {
			end++;
		}
		if (*end)
			return -PGT_EPARSE;
	}
	v *= mult;
	if (v >= 18446744073709551616.0)
		return -ERANGE;
	if (v != floor(v))
		return -PGT_EPARSE;	/* a fraction of a byte */
	*out = (uint64_t)v;
	return 0;
}

int pgt_parse_duration(const char *s, uint64_t *out)
{
	static const struct { const char *name; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
		{ "m", 60e9 }, { "min", 60e9 }, { "h", 3600e9 }, { "", 1e9 },
	};
	const char *end;
	double v;
	int err;

	if (!s)
		return -PGT_EPARSE;
	err = parse_decimal(s, &end, &v);
	if (err)
		return err;
	for (size_t i = 0; i < PGT_ARRAY_SIZE(units); i++) {
		if (!strcmp(end, units[i].name)) {
			v = v * units[i].ns;
			if (v >= 18446744073709551616.0)
				return -ERANGE;
			/* llround() overflows from 2^63 on, where doubles
			 * are whole numbers anyway */
			*out = v < 9223372036854775808.0 ? (uint64_t)llround(v) : (uint64_t)v;
			return 0;
		}
	}
	return -PGT_EPARSE;
}

/* One item of a size list: [s, s + len). */
static int parse_count(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	char tmp[32];
	uint64_t v, mult = 1;
	int err;

	if (!len || len >= sizeof(tmp))
		return -PGT_EPARSE;
	memcpy(tmp, s, len);
	tmp[len] = 0;
	switch (tmp[len - 1]) {
	case 'K': case 'k': mult = 1ull << 10; break;
	case 'M': case 'm': mult = 1ull << 20; break;
	case 'G': case 'g': mult = 1ull << 30; break;
	}
	if (mult > 1)
		tmp[--len] = 0;
	err = pgt_parse_u64(tmp, &v);
	if (err)
		return err;
	if (!v || v > max / mult)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

int pgt_parse_size_list(const char *s, uint64_t max, uint64_t **out, size_t *n,
			struct pgt_parse_error *pe)
{
	uint64_t *v = NULL;
	size_t nv = 0, cap = 0;
	const char *p = s;
	int err = -PGT_EPARSE;

	*out = NULL;
	*n = 0;
	if (!s) {
		pgt_parse_error__set(pe, 0, 0, 0, "no list");
		return -PGT_EPARSE;
	}
	for (;;) {
		size_t len = strcspn(p, ",");

		err = pgt_grow((void **)&v, &cap, nv + 1, sizeof(*v));
		if (err)
			goto fail;
		err = parse_count(p, len, max, &v[nv]);
		if (err) {
			if (!len)
				pgt_parse_error__set(pe, 0, (size_t)(p - s), 0, "empty item");
			else
				pgt_parse_error__set(pe, 0, (size_t)(p - s), len, "invalid count '%.*s'%s",
						     (int)len, p, err == -ERANGE ? ": out of range" : "");
			goto fail;
		}
		nv++;
		if (!p[len])
			break;
		p += len + 1;
	}
	*out = v;
	*n = nv;
	return 0;
fail:
	free(v);
	return err;
}

static int parse_bound(const char *s, size_t len, int time, struct pgt_bound *b)
{
	char tmp[64];
	int err;

	if (!len) {
		b->set = 0;
		return 0;
	}
	if (len >= sizeof(tmp))
		return -PGT_EPARSE;
	memcpy(tmp, s, len);
	tmp[len] = 0;
	s = tmp;
	b->set = 1;
	b->anchor = PGT_ANCHOR_START;
	if (*s == '-') {
		b->anchor = PGT_ANCHOR_END;
		s++;
	} else if (*s == '@') {
		b->anchor = PGT_ANCHOR_ABS;
		s++;
	} else if (*s == '+') {
		s++;
	}
	err = time ? pgt_parse_duration(s, &b->v) : pgt_parse_u64(s, &b->v);
	return err;
}

int pgt_parse_range(const char *s, int time, struct pgt_range *r, struct pgt_parse_error *pe)
{
	const char *dots, *what = time ? "duration" : "event number";
	size_t hlen;
	int err;

	memset(r, 0, sizeof(*r));
	if (!s) {
		pgt_parse_error__set(pe, 0, 0, 0, "no range");
		return -PGT_EPARSE;
	}
	dots = strstr(s, "..");
	if (!dots || strstr(dots + 2, "..")) {
		pgt_parse_error__set(pe, 0, 0, strlen(s), "expected one '..' between the bounds");
		return -PGT_EPARSE;
	}
	if (dots == s && !dots[2]) {	/* ".." alone says nothing */
		pgt_parse_error__set(pe, 0, 0, 2, "no bound given");
		return -PGT_EPARSE;
	}
	err = parse_bound(s, (size_t)(dots - s), time, &r->lo);
	if (err) {
		pgt_parse_error__set(pe, 0, 0, (size_t)(dots - s), "invalid start '%.*s': expected a %s%s",
				     (int)(dots - s), s, what, err == -ERANGE ? " in range" : "");
		return err;
	}
	hlen = strlen(dots + 2);
	err = parse_bound(dots + 2, hlen, time, &r->hi);
	if (err)
		pgt_parse_error__set(pe, 0, (size_t)(dots + 2 - s), hlen, "invalid end '%s': expected a %s%s",
				     dots + 2, what, err == -ERANGE ? " in range" : "");
	return err;
}

static int resolve_bound(const struct pgt_bound *b, uint64_t first, uint64_t end, uint64_t dflt,
			 uint64_t *out)
{
	if (!b->set) {
		*out = dflt;
		return 0;
	}
	switch (b->anchor) {
	case PGT_ANCHOR_ABS:
		*out = b->v;
		return 0;
	case PGT_ANCHOR_END:
		if (end == UINT64_MAX)
			return -ENXIO;
		*out = b->v > end - first ? first : end - b->v;
		return 0;
	default:
		*out = first + b->v < first ? UINT64_MAX : first + b->v;
		return 0;
	}
}

int pgt_range__resolve(const struct pgt_range *r, uint64_t first, uint64_t end,
		       uint64_t *lo, uint64_t *hi)
{
	int err = resolve_bound(&r->lo, first, end, first, lo);

	if (!err)
		err = resolve_bound(&r->hi, first, end, UINT64_MAX, hi);
	if (!err && *hi < *lo)
		err = -ERANGE;
	return err;
}
