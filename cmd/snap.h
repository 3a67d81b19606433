/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pieces shared by the pgtrace snap indices (cmd/snap-*.c). */
#ifndef PGT_CMD_SNAP_H
#define PGT_CMD_SNAP_H

#include <time.h>

#include "builtin.h"
#include "pgtrace/ops.h"
#include "pgtrace/snap.h"

int snap_pfn(int argc, char **argv);
int snap_file(int argc, char **argv);
int snap_fs(int argc, char **argv);
int snap_task(int argc, char **argv);
int snap_who(int argc, char **argv);

/* Right-aligned size of @pages pages: human units, or bytes. */
void snap_size(struct out *o, uint64_t pages, int bytes, int width);
/* "cannot read X: ... (needs root)" and EXIT_RUNTIME. */
int snap_root_hint(const char *what, int err);

/* Where the table goes: stdout, or nowhere when -o - takes stdout. */
int snap_table_fd(const char *output);

/* -o TRACE: the writer, NULL without @path; on failure the message is
 * printed and EXIT_RUNTIME returned.  @h may be NULL (this host, now). */
int snap_open_trace(struct pgt_writer **w, const char *path, int force, const struct pgt_header *h);
/* Drain the snapshot @src into @w and close it (both may be NULL: no-op). */
int snap_write_trace(struct pgt_source *src, struct pgt_writer *w, const char *path);

#endif
