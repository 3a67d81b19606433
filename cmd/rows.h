/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rows.h - events as rows of text, CSV or JSON lines, with the side
 * tables resolved (paths, devices, command names).  Shared by dump and
 * export so both write exactly the same rows.
 */
#ifndef PGT_ROWS_H
#define PGT_ROWS_H

#include "builtin.h"

enum row_field {
	F_SEQ, F_TS, F_CPU, F_PID, F_TID, F_COMM, F_TYPE, F_OBJ, F_PATH, F_DEV, F_INO,
	F_INDEX, F_NPAGES, F_PFN, F_FLAGS, F_AUX,
	F_NALL,			/* "all" is the fields above: the csv and jsonl default */
	F_CGROUP = F_NALL,	/* only when named (pgtrace import does not read it) */
	F_NFIELDS,
};

/* Column names, in enum order. */
extern const char *const row_field_names[F_NFIELDS];

enum row_fmt { FMT_TEXT, FMT_CSV, FMT_JSONL };

#define ROWS_MAX_FIELDS 64

struct rows {
	struct out o;
	enum row_fmt fmt;
	int fields[ROWS_MAX_FIELDS], nfields;
	struct pgt_meta *meta;	/* borrowed: resolves objects and processes */
	uint32_t last_pid;
	const struct pgt_process *last_proc;
	size_t last_nproc;
	uint32_t last_obj_id;
	const struct pgt_object *last_obj;
	uint32_t last_nobj;
};

/* Parse a --fields list ("all", or names joined by commas) into
 * @fields; a usage error (exit 2) on unknown names.  Return the count. */
int rows_parse_fields(const char *s, int *fields);
/* The CSV header line of the chosen fields. */
void rows_csv_header(struct rows *r);
/* One event as one line. */
void rows_event(struct rows *r, const struct pgt_event *e);

/* Events [seq_lo, seq_hi) of times [t_lo, t_hi); @ordered: packets are in
 * time order, so a batch wholly past t_hi ends the range. */
struct rows_range {
	uint64_t seq_lo, seq_hi, t_lo, t_hi;
	int ordered;
};
/* A sink writing every event (of @rg, when not NULL: sated past its end)
 * as a row of @r, which it borrows; sated when the output fails.  Free
 * with pgt_sink__free(). */
struct pgt_sink *rows_sink_new(struct rows *r, const struct rows_range *rg);

#endif
