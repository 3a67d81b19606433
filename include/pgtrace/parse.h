/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * parse.h - the one checked parser for numbers, sizes, durations and
 * ranges that every command uses.  All return 0 or -PGT_EPARSE (text not
 * of the form) or -ERANGE (a number out of range); none accepts trailing
 * garbage, signs where none belong, or empty text.
 */
#ifndef PGTRACE_PARSE_H
#define PGTRACE_PARSE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct pgt_parse_error - where a text did not parse, and why.
 * @offset: byte offset of the refused item: in the text given, or for an
 *          input read line by line (an import) in that line
 * @len:    the item's length in bytes; 0 when it has none (the text ended
 *          too early) or the parser cannot say
 * @line:   the line of an input read line by line, from 1 (oracleGeneral
 *          imports: the record); 0 for a text parsed in one piece
 * @msg:    a one-line reason without the subject's name and without a
 *          trailing period ("unknown field 'pdi': expected ..."), always
 *          NUL-terminated; "" when the parser has nothing to add to its
 *          error code
 *
 * The one way every public parser of text says where it failed: the
 * filter expression (pgt_expr__parse()), reference lists
 * (pgt_refs_parse()), page-flag specs (pgt_kpf_parse()), size lists
 * (pgt_parse_size_list()), ranges (pgt_parse_range()) and the
 * importers' first malformed line
 * (struct pgt_import_stats).  The caller owns the structure; a parser
 * fills it only on failure, and a NULL pointer means the caller wants the
 * error code alone.  A caller can show the text with a caret at @offset.
 */
struct pgt_parse_error {
	size_t offset;
	size_t len;
	uint64_t line;
	char msg[256];
};

/* Decimal, or hexadecimal with 0x. */
int pgt_parse_u64(const char *s, uint64_t *out);
/* u64 with an upper bound (inclusive). */
int pgt_parse_u64_max(const char *s, uint64_t max, uint64_t *out);
/* Non-negative decimal fraction such as "0.99" or "1e-3". */
int pgt_parse_double(const char *s, double *out);
/* Bytes: a number with an optional K, M, G, T suffix (powers of 1024,
 * optionally followed by "iB" or "B"). */
int pgt_parse_size(const char *s, uint64_t *out);
/* Nanoseconds: a decimal number and a unit ns, us, ms, s, m, h; a bare
 * number means seconds. */
int pgt_parse_duration(const char *s, uint64_t *out);

/**
 * pgt_parse_size_list() - a comma-separated list of counts such as cache
 * sizes in pages ("64,1K,16K").
 * @s:       the list; every item a whole number (decimal, or hexadecimal
 *           with 0x) with an optional suffix K, M or G in either case
 *           (powers of 1024, no "B": these are counts, not bytes)
 * @max:     largest value allowed after the suffix
 * @out:     set to a new array of the values in the order given; the
 *           caller frees it with free(); NULL on failure
 * @n:       set to the number of values (at least 1 on success)
 * @pe:      if not NULL, filled on a parse error: the item refused (its
 *           offset in @s and its length; an empty item has length 0)
 *
 * The one suffix rule for every option that takes a list of sizes.
 * An item below 1, an empty item or an empty list is refused.
 *
 * Return: 0, -PGT_EPARSE (an item not of the form, or empty), -ERANGE (an
 * item of 0 or above @max), or -ENOMEM.
 */
int pgt_parse_size_list(const char *s, uint64_t max, uint64_t **out, size_t *n,
			struct pgt_parse_error *pe);

/* Where a range bound counts from. */
enum pgt_anchor {
	PGT_ANCHOR_START = 0,	/* "5s" / "100": from the first event */
	PGT_ANCHOR_END,		/* "-5s" / "-100": back from the end */
	PGT_ANCHOR_ABS,		/* "@12.5s" / "@100": an absolute value */
};

struct pgt_bound {
	int set;		/* 0: open end */
	int anchor;		/* enum pgt_anchor */
	uint64_t v;		/* ns for time ranges, count for event ranges */
};

/* struct pgt_range - "A..B", half-open [A, B); either end may be open. */
struct pgt_range {
	struct pgt_bound lo, hi;
};

/* Parse a range of durations (@time nonzero) or of event numbers.  On
 * error fills @pe (if not NULL) with the bound refused (its offset and
 * length in @s), or all of @s when there is not one "..". */
int pgt_parse_range(const char *s, int time, struct pgt_range *r, struct pgt_parse_error *pe);

/**
 * pgt_range__resolve() - turn a range into absolute [*lo, *hi).
 * @first: value of the start (first ts, or 0 for events)
 * @end:   value one past the end (last ts + 1, or event count), or
 *         UINT64_MAX when unknown (a pipe): then end anchors fail.
 * Return: 0, -ENXIO when an end anchor is used and @end is unknown, or
 * -ERANGE when the end comes before the start.
 */
int pgt_range__resolve(const struct pgt_range *r, uint64_t first, uint64_t end,
		       uint64_t *lo, uint64_t *hi);

#ifdef __cplusplus
}
#endif
#endif
