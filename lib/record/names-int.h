/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * names-int.h - what the name table's files share (names.c, names-proc.c,
 * names-watch.c, names-walk.c): the table, the watcher's state and the
 * table's locked helpers.  Not part of the library's interface.
 */
#ifndef PGT_RECORD_NAMES_INT_H
#define PGT_RECORD_NAMES_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <sys/fanotify.h>

#include "record/names.h"
#include "util/hindex.h"
#include "util/util.h"

#ifndef FAN_REPORT_TARGET_FID
#define FAN_REPORT_TARGET_FID 0x00001000
#endif
#ifndef FAN_RENAME
#define FAN_RENAME 0x10000000
#endif
#ifndef FAN_EVENT_INFO_TYPE_OLD_DFID_NAME
#define FAN_EVENT_INFO_TYPE_OLD_DFID_NAME 10
#define FAN_EVENT_INFO_TYPE_NEW_DFID_NAME 12
#endif

#define DELETED_SUFFIX " (deleted)"
#define DIR_CACHE_MAX (1u << 16)	/* directory handles -> path */
#define HANDLE_CACHE_MAX (1u << 16)	/* file handles -> (dev, ino): about 4.5 MB at most */
#define WALK_CHECK_EVERY 256		/* readdir entries between clock reads */

static inline uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* Grow *@arr (elements of @size) to hold @need elements. */
static inline int grow(void *arr, size_t *cap, size_t need, size_t size)
{
	void **pa = arr;
	size_t nc = *cap ? *cap : 16;
	void *na;

	if (need <= *cap)
		return 0;
	while (nc < need)
		nc *= 2;
	na = realloc(*pa, nc * size);
	if (!na)
		return -ENOMEM;
	*pa = na;
	*cap = nc;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The name table */

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct nent {
	uint64_t dev, ino;
	const char *path;	/* in the arena */
	uint8_t src;
	uint8_t gone;		/* unlinked: path kept, not in by_path */
};

/* Watcher state: only the watcher thread touches it while it runs. */
struct cent {
	uint32_t koff, klen;	/* key bytes in blob */
	uint64_t a, b;		/* dir cache: path offset, length; handles: dev, ino */
};

struct cache {
	struct pgt_hindex map;
	struct pgt_buf blob;
	struct cent *e;
	size_t n, cap;
};

enum { LAYOUT_NONE, LAYOUT_INO32, LAYOUT_SHMEM };

struct wmnt {
	uint64_t fsid;
	uint64_t dev;
	int fd;		/* the mount point, for open_by_handle_at (which refuses O_PATH) */
	int layout;	/* handles decodable without a syscall */
};

struct watch {
	int fan, wake;
	int target_fid;		/* dirent events carry the child's handle */
	int have_rename;	/* FAN_RENAME, else FAN_MOVED_FROM/TO */
	pthread_t thr;
	struct wmnt *m;
	size_t nm;
	struct cache dirs, handles;
	struct pgt_buf key, path, path2, scratch;
	char *moved_from;	/* FAN_MOVED_FROM fallback: the pending old path */
	int moved_from_dir;
	uint64_t buf[8192];	/* fanotify read buffer, 64 KiB, aligned */
};

struct pgt_names {
	pthread_mutex_t lock;
	pthread_mutex_t drain_lock;
	pthread_mutex_t ctl_lock;	/* watch_start / watch_stop */
	struct nent *ent;
	size_t nent, cap_ent;
	struct pgt_hindex by_key, by_path;
	struct chunk *arena;
	const char **istr;
	size_t nistr, cap_istr;
	struct pgt_hindex by_str;
	struct pgt_name_event *q, *dq;	/* queue; being drained */
	size_t nq, cap_q, ndq, cap_dq;
	int ignore_pid;
	struct watch *w;
	uint64_t events, unresolved, overflows;
};

/* names.c */
long pgt_names_ent_find(struct pgt_names *n, uint64_t dev, uint64_t ino);
const char *pgt_names_intern(struct pgt_names *n, const char *s);
int pgt_names_name_live(struct pgt_names *n, uint64_t ts, uint64_t dev, uint64_t ino,
			const char *path);
int pgt_names_name_static(struct pgt_names *n, uint64_t dev, uint64_t ino, const char *path,
			  size_t len, int src, int gone, const char **out);
int pgt_names_name_unlink(struct pgt_names *n, uint64_t ts, int exact, uint64_t dev, uint64_t ino,
			  const char *path);
long pgt_names_path_find(struct pgt_names *n, const char *path);

/* names-proc.c */
void pgt_names_strip_deleted(char *s, size_t *len, int *gone);

#endif
