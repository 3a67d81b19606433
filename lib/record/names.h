/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * names.h - turning (device, inode) into paths that survive deletion,
 * and knowing processes, for the recorder.
 *
 * Three sources, in the order they are used:
 *  1. a state dump at start: /proc/PID/{status,cwd,exe,maps,fd} of every
 *     process (PGT_NAME_PROC);
 *  2. fanotify while recording: every open, create, rename and delete on
 *     the watched filesystems, with directory handles and names, so a file
 *     opened during the trace is named at its open even if it is deleted
 *     before the trace ends (PGT_NAME_FANOTIFY);
 *  3. a walk at the end for inodes still unnamed (PGT_NAME_WALK).
 *
 * Devices are user-space dev_t values (makedev(major, minor)); the
 * recorder converts the kernel's encoding (major << 20 | minor) first.
 * All functions are safe to call from several threads.
 */
#ifndef PGT_RECORD_NAMES_H
#define PGT_RECORD_NAMES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pgtrace/pgtrace.h"

struct pgt_names;

/* One change of name learnt while recording. */
struct pgt_name_event {
	uint64_t ts;		/* CLOCK_MONOTONIC ns */
	uint64_t dev, ino;
	int op;			/* PGT_OBJ_DEFINE, PGT_OBJ_RENAME or PGT_OBJ_UNLINK */
	int src;		/* PGT_NAME_* */
	const char *path;	/* borrowed for the callback */
};

struct pgt_names *pgt_names__new(void);
void pgt_names__free(struct pgt_names *n);

/* The watcher drops the events of process @pid (a tgid): by default our
 * own, so the recorder's own opens (its trace file) name nothing.  0
 * drops none.  Tests set it to see their own file operations. */
void pgt_names__ignore_pid(struct pgt_names *n, pid_t pid);

/*
 * pgt_names__dump_proc() - the state dump: every process of /proc, its
 * status (pid, tgid, ppid, uid, gid, comm), cwd, exe and cgroup v2 path
 * ("0::" line of /proc/PID/cgroup, "" without one), and the files of
 * its maps and fds, which enter the name table.  @proc_cb gets each
 * process (strings borrowed for the call); a process that vanishes or
 * may not be read is skipped.  Return processes seen, or -errno.
 */
int pgt_names__dump_proc(struct pgt_names *n, uint64_t ts,
			 int (*proc_cb)(const struct pgt_process *p, void *ctx), void *ctx);

/* Read one process's status, cwd, exe and cgroup now (after an exec or fork).
 * Return 0 or -errno (-ESRCH when it is gone). Strings in @p are valid
 * until the next call on the same @n from the same thread. */
int pgt_names__proc(struct pgt_names *n, pid_t pid, uint64_t ts, struct pgt_process *p);

/* Path of (@dev, @ino), or NULL.  Borrowed until pgt_names__free().
 * *@src (may be NULL) gets the PGT_NAME_* source. */
const char *pgt_names__lookup(struct pgt_names *n, uint64_t dev, uint64_t ino, int *src);

/*
 * pgt_names__watch_start() - start fanotify (FAN_REPORT_DFID_NAME and
 * FAN_REPORT_FID; FAN_MARK_FILESYSTEM on every mounted filesystem that
 * allows it) in a thread of its own.  Return 0, or -errno when fanotify
 * is unavailable (the caller reports it and goes on without).
 */
int pgt_names__watch_start(struct pgt_names *n);
void pgt_names__watch_stop(struct pgt_names *n);
/* Counts of what the watcher saw and could not resolve. */
void pgt_names__watch_stats(struct pgt_names *n, uint64_t *events, uint64_t *unresolved,
			    uint64_t *overflows);

/* Hand the name events learnt since the last call to @cb, in order.
 * Return how many were handed, or the negative error of @cb. */
int pgt_names__drain(struct pgt_names *n, int (*cb)(const struct pgt_name_event *ev, void *ctx),
		     void *ctx);

/*
 * pgt_names__walk() - name inodes still unnamed by walking the mounted
 * filesystems of their devices (readdir's d_ino, no stat per entry),
 * stopping after @budget_ns (0: no limit).  @keys holds (dev, ino)
 * pairs; those already named are skipped.  Each name found enters the
 * table and is passed to @cb (may be NULL) as a PGT_NAME_WALK event; a
 * negative return from @cb stops the walk and is returned.  Return names
 * found, or -errno.
 */
ssize_t pgt_names__walk(struct pgt_names *n, const uint64_t (*keys)[2], size_t nkeys,
			uint64_t budget_ns, int (*cb)(const struct pgt_name_event *ev, void *ctx),
			void *ctx);

/* ---- the fanotify record parser, callable alone for the fuzz target ---- */

/* A file handle information record of a fanotify event (FID or
 * DFID_NAME), pointing into the event. */
struct pgt_fid {
	uint64_t fsid;
	const struct file_handle *fh;	/* 4-byte aligned inside the event */
	uint32_t hbytes;
	int htype;
	const char *name;	/* DFID_NAME records only */
};

/*
 * pgt_fid__parse() - read the record of @len bytes at @rec (its header
 * included); @with_name: a DFID_NAME record, whose NUL-terminated name
 * follows the handle.  Return 0, or -1 when the handle or the name does
 * not fit in @len.
 */
int pgt_fid__parse(const uint8_t *rec, size_t len, int with_name, struct pgt_fid *out);

#endif
