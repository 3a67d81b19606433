/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pieces shared by the pgtrace snap indices (cmd/snap-*.c). */
#ifndef PGT_CMD_SNAP_H
#define PGT_CMD_SNAP_H

#include <time.h>

#include "builtin.h"
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

/* Snapshot events written with -o TRACE. */
struct snap_trace {
	struct pgt_writer *w;
	const char *path;
	uint64_t ts;		/* one timestamp: the snapshot's */
	uint32_t next_obj;
	int err;
};

/* With @path NULL nothing is written and every call is a no-op. */
int snap_open_trace(struct snap_trace *t, const char *path, int force);
int snap_trace_event(struct snap_trace *t, uint32_t obj, uint64_t index, uint64_t npages,
		     uint64_t pfn, uint64_t aux, uint32_t pid);
int snap_close_trace(struct snap_trace *t);

#endif
