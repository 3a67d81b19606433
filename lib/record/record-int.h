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

#endif
