/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internals shared by the recorder's files. */
#ifndef PGT_RECORD_INT_H
#define PGT_RECORD_INT_H

#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include "pgtrace/record.h"
#include "util/util.h"

/* DAMON paddr monitor over System RAM (damon.c).  Return 0 when ours
 * started, 1 when a paddr monitor of someone else already runs (listen to
 * it, never stop it), -ENOENT without DAMON sysfs, -EBUSY when kdamonds
 * are in use for something else. */
int pgt_damon_start(uint64_t sample_us, uint64_t aggr_us);
void pgt_damon_stop(void);

/* ---- the tracefs event format parser, callable alone for the fuzz target ---- */

#define PGT_RECORD_NFIELDS 23	/* fields the decoder reads */

/* Name of decoder field @f (@alt 1: an older kernel's name), or NULL. */
const char *pgt_tracefs_field_name(unsigned f, unsigned alt);

/*
 * pgt_tracefs_format__parse() - read an event's format file
 * (events/SYS/NAME/format): its ID into *@id and, for each of the
 * PGT_RECORD_NFIELDS decoder fields it has, the field's offset and size
 * into @off[f] and @size[f] (-1 and 0 for a field it lacks).  Return 0,
 * or -PGT_EPARSE without an ID in [0, 65536).
 */
int pgt_tracefs_format__parse(const char *text, int *id, int16_t *off, uint8_t *size);

#endif
