/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rows.h - events as rows of text, CSV or JSON lines, with the side tables
 * resolved (paths, devices, command names): the sink behind pgtrace dump
 * and pgtrace export, for programs that want the same rows.
 *
 * The columns are fields of the field table (fields.h) that are columns
 * (PGT_FU_COLUMN); a list of names is read with pgt_rows__parse_columns().
 * The sink writes to a file descriptor the caller gives and owns; the
 * library never writes anywhere else.
 */
#ifndef PGTRACE_ROWS_H
#define PGTRACE_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "pgtrace/pgtrace.h"
#include "pgtrace/sink.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a row is written. */
enum pgt_rows_format {
	PGT_ROWS_TEXT,		/* columns separated by spaces, ts in seconds, "-" for unknown */
	PGT_ROWS_CSV,		/* RFC 4180, ts in nanoseconds, a header line */
	PGT_ROWS_JSONL,		/* one JSON object per line, null for unknown numbers */
};

/* The most columns a row has. */
#define PGT_ROWS_MAX_COLUMNS	64

/**
 * pgt_rows__parse_columns() - the field ids (enum pgt_field_id) named by
 * @list, in order: names of the field table's PGT_FU_COLUMN entries joined
 * by commas, or "all" (the PGT_FU_ALL entries, in table order).
 * @list:  the text.
 * @ids:   gets the ids, at most @max of them.
 * @max:   room in @ids.
 * @bad:   on -EINVAL, the offset in @list of the name that is not a
 *         column (it ends at the next comma or the end of @list), or of
 *         the first name past @max.
 *
 * Return: the count of ids (0 for an empty @list), or -EINVAL.
 */
int pgt_rows__parse_columns(const char *list, unsigned *ids, size_t max, size_t *bad);

/**
 * struct pgt_rows_opts - what the rows sink writes.  All members may be zero.
 * @sz:        sizeof(struct pgt_rows_opts).
 * @format:    enum pgt_rows_format.
 * @columns:   field ids (as pgt_rows__parse_columns() gives), each one of
 *             a PGT_FU_COLUMN entry; NULL: the format's default (text:
 *             seq ts cpu pid comm type path index npages; csv and jsonl:
 *             "all").  Copied: the array may go once the sink is made.
 * @ncolumns:  the count of @columns, at most PGT_ROWS_MAX_COLUMNS.
 * @no_header: csv: no header line of column names.
 * @seq_lo, @seq_hi: only events numbered [seq_lo, seq_hi) (@seq_hi 0:
 *             no end); the sink is sated past @seq_hi.
 * @t_lo, @t_hi: only events of times [t_lo, t_hi) (@t_hi 0: no end).
 * @time_ordered: the events come in time order, so a batch wholly at or
 *             past @t_hi ends the rows (the sink is sated).
 */
struct pgt_rows_opts {
	size_t sz;
	int format;
	const unsigned *columns;
	size_t ncolumns;
	int no_header;
	uint64_t seq_lo, seq_hi;
	uint64_t t_lo, t_hi;
	int time_ordered;
};

/**
 * pgt_rows__sink() - a sink that writes every event (of the opts' range)
 * as a row to @fd, which stays the caller's (never closed).  The csv
 * header is written first, even when no event comes.  Output is buffered;
 * the finish writes what is left.  When a write fails the sink is sated
 * and its finish returns the -errno (-EPIPE for a closed pipe, which a
 * caller may take quietly); the finish may be called again (a caller
 * keeping the rows read before a source's failure finishes the sink
 * itself).  The side tables must be fed in step with the events
 * (PGT_SINK_IN_STEP).
 * @fd:   where to write.
 * @opts: may be NULL (text, default columns, every event).
 * @err:  on failure, -EINVAL (bad options or a column that is not one)
 *        or -ENOMEM.
 *
 * Return: a sink (free with pgt_sink__free()) or NULL with *@err.
 */
struct pgt_sink *pgt_rows__sink(int fd, const struct pgt_rows_opts *opts, int *err);

#ifdef __cplusplus
}
#endif
#endif
