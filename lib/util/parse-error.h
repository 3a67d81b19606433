/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * parse-error.h - how the library's parsers fill a caller's struct
 * pgt_parse_error (include/pgtrace/parse.h): one helper, so that every
 * parser sets every member and a NULL structure is never written.
 */
#ifndef PGT_UTIL_PARSE_ERROR_H
#define PGT_UTIL_PARSE_ERROR_H

#include <stdarg.h>
#include <stdio.h>

#include "pgtrace/parse.h"
#include "util/util.h"

/* Fill @pe (NULL: nothing) with the item at @offset of @len bytes on line
 * @line (0: a text of one piece) and the reason @fmt. */
static inline void pgt_parse_error__set(struct pgt_parse_error *pe, uint64_t line, size_t offset,
					size_t len, const char *fmt, ...) PGT_PRINTF(5, 6);
static inline void pgt_parse_error__set(struct pgt_parse_error *pe, uint64_t line, size_t offset,
					size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!pe)
		return;
	pe->line = line;
	pe->offset = offset;
	pe->len = len;
	va_start(ap, fmt);
	vsnprintf(pe->msg, sizeof(pe->msg), fmt, ap);
	va_end(ap);
}

#endif
