/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snap.h - page-state snapshots by natural index: physical frames, files,
 * a filesystem, a task's address space, and frame to owner.
 *
 * Every walker reads the kernel through the kernel layer, whose root can
 * be moved (pgt_kernel__set_root()) so tests run on fake /proc trees.
 * Results are plain structs owned by the caller and freed with the
 * matching __free().  Errors follow pgtrace.h: 0 or a negative code.
 */
#ifndef PGTRACE_SNAP_H
#define PGTRACE_SNAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pgtrace/parse.h"
#include "pgtrace/pgtrace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Prefix every kernel path (/proc, /sys) with @root; NULL restores "/".
 * The string is copied.  Not thread-safe against running walks. */
int pgt_kernel__set_root(const char *root);
/* Borrowed; "" when the real root is used. */
const char *pgt_kernel__root(void);

/* ------------------------------------------------------------------ */
/* Kernel page flags (/proc/kpageflags bits)                          */

/* Name of flag bit @bit ("lru"; a borrowed static string), or NULL for
 * bits without a name. */
const char *pgt_kpf_name(unsigned bit);
/* Parse "lru,dirty,~active" (names or bit numbers, "55" or "bit55"; ~ or ! negates)
 * into the bits that must be set and those that must be clear.
 * On error returns -PGT_EPARSE and fills @pe (if not NULL) with the
 * offending word: its offset in @spec (a "~" included), its length. */
int pgt_kpf_parse(const char *spec, uint64_t *set, uint64_t *clear, struct pgt_parse_error *pe);
/* Flag names joined by ',' into @buf ("" for 0); returns @buf (the
 * caller's). */
char *pgt_kpf_format(uint64_t flags, char *buf, size_t len);

/* 1 when cachestat(2) exists on this kernel (probed once). */
int pgt_cachestat__available(void);

/* One value of /proc/meminfo ("Cached") in kB. Return 0 or -errno. */
int pgt_meminfo__kb(const char *key, uint64_t *kb);

/* Flags of one frame from /proc/kpageflags. Return 0 or -errno. */
int pgt_kpageflags__read(uint64_t pfn, uint64_t *flags);

/* A count of pages per distinct flag value. */
struct pgt_pfn_combo {
	uint64_t flags;
	uint64_t pages;
};

/* ------------------------------------------------------------------ */
/* PFN walk                                                            */

struct pgt_pfn_opts {
	size_t sz;
	uint64_t first, end;	/* [first, end); end == 0: every System RAM range */
	unsigned threads;	/* 0: one per online CPU */
	int mapcount;		/* also read /proc/kpagecount */
	int cgroup;		/* also read /proc/kpagecgroup */
	uint64_t must_set, must_clear;	/* page filter */
	int runs;		/* collect runs of pages with equal attributes */
	/* called from the walking threads, at most every 64 Ki pages */
	void (*progress)(uint64_t done, uint64_t total, void *ctx);
	void *ctx;
};

/* A run of physically contiguous frames with the same flags (and the
 * same map count and cgroup, when those were read). */
struct pgt_pfn_run {
	uint64_t pfn, npages, flags, mapcount, cgroup;
};

struct pgt_pfn_result {
	struct pgt_pfn_combo *combos;	/* sorted by pages, most first */
	size_t ncombos;
	struct pgt_pfn_run *runs;	/* by pfn; only with opts.runs */
	size_t nruns;
	uint64_t walked;		/* frames read */
	uint64_t matched;		/* frames passing the filter */
	uint64_t spans;			/* RAM ranges walked */
};

/**
 * pgt_snap_pfn() - walk the frames and count them by flags.
 * @opts: the walk (not NULL; sz checked)
 * @err:  set to 0, or to the negative error when NULL is returned
 * On failure, the kernel file that failed ("/proc/kpagecount") is also
 * passed to the diagnostic callback as a PGT_DIAG_ERROR message.  An
 * unreadable /proc/iomem is no failure: the whole frame array is walked.
 * Return: the result, the caller's, freed with pgt_pfn_result__free()
 * (its arrays with it); NULL on failure.
 */
struct pgt_pfn_result *pgt_snap_pfn(const struct pgt_pfn_opts *opts, int *err);
void pgt_pfn_result__free(struct pgt_pfn_result *r);

/* ------------------------------------------------------------------ */
/* Files                                                               */

/* One file to examine, with an optional page range [first, end). */
struct pgt_file_req {
	const char *path;
	const char *label;	/* reported instead of @path (NULL: @path) */
	int tag;		/* copied to pgt_file_info.tag */
	int have_range;
	uint64_t first, end;
};

enum pgt_res_method { PGT_RES_NONE = 0, PGT_RES_CACHESTAT, PGT_RES_MINCORE };

struct pgt_extent {
	uint64_t first, npages;
};

/* Physical frames of a file's cached pages (with opts.pfns). */
struct pgt_file_pfns {
	uint64_t index, pfn, npages;
};

/*
 * struct pgt_file_info - what a snapshot found for one file.
 * Counts are pages of 4 KiB (the page size).  @err is 0, or the error
 * that stopped the examination, with @err_what naming the step.
 * @dup_of is non-NULL for a hard link already counted (same device and
 * inode): such a file is reported but excluded from totals.
 */
struct pgt_file_info {
	const char *path;
	uint64_t dev, ino, size, pages;
	uint64_t first, end;		/* pages examined */
	uint64_t cached, dirty, writeback, evicted, recently_evicted;
	uint64_t hole_pages;		/* pages in holes (SEEK_HOLE) */
	uint64_t cached_in_holes;	/* cached pages inside holes */
	int method;			/* enum pgt_res_method */
	int err;
	const char *err_what;
	const char *dup_of;
	int is_blockdev;
	int tag;			/* of the request the file came from */
	struct pgt_extent *ext;		/* cached extents, with opts.extents */
	size_t next;
	struct pgt_pfn_combo *kflags;	/* kernel flags of cached pages, opts.kflags */
	size_t nkflags;
	struct pgt_file_pfns *pfns;	/* with opts.pfns */
	size_t npfns;
};

/**
 * pgt_open_files() - regular files held open by any process, as requests
 * for /proc/PID/fd/N labelled with the file's name (a deleted file's name
 * ends in " (deleted)").  With @any_dev 0, only files on device @dev.
 * @n:   set to the number of requests (0 on failure)
 * @err: set to 0, or to the negative errno when NULL is returned
 * Return: an array of *@n requests, the caller's, freed with
 * pgt_file_reqs__free(); NULL on failure, and also when no file is open
 * (*@err is 0 then).
 */
struct pgt_file_req *pgt_open_files(int any_dev, uint64_t dev, size_t *n, int *err);
void pgt_file_reqs__free(struct pgt_file_req *reqs, size_t n);

struct pgt_file_opts {
	size_t sz;
	int recursive;		/* descend into directories */
	int follow;		/* follow symlinks */
	int xdev;		/* stay on the filesystem of each starting path */
	int extents;		/* find exact cached extents */
	int kflags;		/* kernel flags of cached pages (root) */
	int pfns;		/* frames of cached pages (root) */
	int method;		/* 0 auto (cachestat, else mincore), or forced */
	unsigned threads;	/* 0: one per online CPU */
	int unordered;		/* report files as they finish */
	uint64_t only_dev;	/* with xdev_dev: skip files of other devices */
	int xdev_dev;
};

/* Called once per file, from one thread at a time, in request/walk
 * order unless opts.unordered.  @fi is borrowed for the call.  A
 * non-zero return stops the walk and is returned. */
typedef int (*pgt_file_cb)(const struct pgt_file_info *fi, void *ctx);

/* Problems met during the walk that are not about one file (a directory
 * that cannot be read): passed to @warn with the path and error. */
typedef void (*pgt_walk_warn_cb)(const char *path, int err, void *ctx);

int pgt_snap_files(const struct pgt_file_req *reqs, size_t nreqs, const struct pgt_file_opts *opts,
		   pgt_file_cb cb, pgt_walk_warn_cb warn, void *ctx);

/* ------------------------------------------------------------------ */
/* Tasks                                                               */

struct pgt_task_vma {
	uint64_t start, end, offset, ino;
	uint32_t dev_major, dev_minor;
	char perms[5];
	const char *path;		/* "" for anonymous mappings */
	uint64_t present, swapped, file, anon, exclusive, soft_dirty;
	struct pgt_pfn_combo *kflags;	/* flags of present pages (root) */
	size_t nkflags;
};

/* A run of virtual pages with the same state; frames contiguous. */
struct pgt_task_run {
	uint64_t vpage, npages;
	uint64_t pfn;			/* first frame, or PGT_PFN_NONE */
	uint64_t pm;			/* pagemap bits 55..63 of the run */
	uint64_t kflags, mapcount;	/* when read (root) */
	uint32_t vma;			/* index into vmas */
};

struct pgt_task_info {
	pid_t pid;
	char comm[32];
	struct pgt_task_vma *vmas;
	size_t nvmas;
	struct pgt_task_run *runs;	/* with opts.runs */
	size_t nruns;
	uint64_t present, swapped, file, anon, exclusive;
	int pfns_visible;		/* frames readable (CAP_SYS_ADMIN) */
	int used_scan;			/* PAGEMAP_SCAN found the ranges */
	int kflags_read;		/* kpageflags/kpagecount joined */
};

struct pgt_task_opts {
	size_t sz;
	int have_range;
	uint64_t vfirst, vend;		/* virtual page numbers [vfirst, vend) */
	int runs;			/* per-page runs */
	int kflags;			/* join kpageflags and kpagecount (root) */
	int no_scan;			/* do not use PAGEMAP_SCAN */
};

/**
 * pgt_snap_task() - the address space of process @pid, page by page.
 * @opts: what to read (not NULL; sz checked)
 * @err:  set to 0, or to the negative error when NULL is returned
 *        (-ENOENT or -ESRCH: no such process; -EACCES: its pagemap)
 * Return: the snapshot, the caller's, freed with pgt_task_info__free()
 * (its arrays with it); NULL on failure.
 */
struct pgt_task_info *pgt_snap_task(pid_t pid, const struct pgt_task_opts *opts, int *err);
void pgt_task_info__free(struct pgt_task_info *t);

/* ------------------------------------------------------------------ */
/* Frame to owner                                                      */

enum pgt_owner_kind { PGT_OWNER_FILE = 1, PGT_OWNER_ANON = 2 };

/*
 * struct pgt_owner - who holds a frame: a file page (@path, @index) and/or
 * a process mapping (@pid, @vaddr).  Strings are borrowed from the map.
 */
struct pgt_owner {
	int kind;
	uint32_t pid;		/* 0 when found by a file scan only */
	uint64_t vaddr;
	const char *path;	/* file, or "" for anonymous memory */
	uint64_t index;		/* page of the file */
};

struct pgt_owner_opts {
	size_t sz;
	int no_tasks;			/* skip the walk of every process */
	const char *const *scan;	/* trees whose cached files are joined */
	size_t nscan;
	int xdev;			/* scan trees on one filesystem each */
	unsigned threads;
};

/*
 * struct pgt_owner_map - frames joined from the forward walks: every
 * process's pagemap, and the cached pages of files (those open or
 * mapped by processes and those under opts.scan).  Needs root.
 */
struct pgt_owner_map;

/**
 * pgt_owner_map__new() - join the forward walks into a frame to owner map.
 * @opts: what to walk (not NULL; sz checked)
 * @err:  set to 0, or to the negative error when NULL is returned
 * Return: the map, the caller's, freed with pgt_owner_map__free(); NULL
 * on failure.
 */
struct pgt_owner_map *pgt_owner_map__new(const struct pgt_owner_opts *opts, int *err);
/* Owners of @pfn into @out (room for @max); return how many exist.  The
 * paths in @out are borrowed from the map: valid until its free. */
size_t pgt_owner_map__lookup(const struct pgt_owner_map *m, uint64_t pfn,
			     struct pgt_owner *out, size_t max);
/* Counts: processes walked, files scanned, frame runs known. */
void pgt_owner_map__stats(const struct pgt_owner_map *m, uint64_t *tasks, uint64_t *files,
			  uint64_t *runs);
/* Processes whose pages could not be read (permission denied). */
uint64_t pgt_owner_map__denied(const struct pgt_owner_map *m);
void pgt_owner_map__free(struct pgt_owner_map *m);

/* ------------------------------------------------------------------ */
/* Snapshots as sources                                                */

/*
 * A snapshot is a source like a trace reader: SNAPSHOT_PAGE events (one
 * per run of pages, every one at the instant the source was made), with
 * the side tables pgtrace snap -o writes (an object per file or one for
 * physical memory or the address space, the task's process, the info
 * "snapshot" = "pfn", "task" or "file").  Wrap it with operators
 * (pgtrace/ops.h) and drain it into sinks like any other source.
 *
 * One constructor per index, because each takes its own inputs (a frame
 * range, a pid, a list of paths) and its own options struct.  The walk
 * runs in the constructor; batches are then cut from what it found.
 * Each returns a source to free with pgt_source__free() and sets *@err to
 * 0, or returns NULL with *@err set (the walker's error: see pgt_snap_pfn()
 * and friends).
 */

/**
 * pgt_snap_pfn__source() - the frames of a PFN walk as a source.
 * @opts: as pgt_snap_pfn(); runs are always collected (opts.runs)
 * @res:  if not NULL, set to the walk's result, borrowed: it lives as
 *        long as the source (the tables, the counts of frames walked)
 * Events: index and pfn are the first frame of a run, aux its flags.
 */
struct pgt_source *pgt_snap_pfn__source(const struct pgt_pfn_opts *opts,
					const struct pgt_pfn_result **res, int *err);

/**
 * pgt_snap_task__source() - the present pages of a process as a source.
 * @opts: as pgt_snap_task(); runs are always collected (opts.runs)
 * @info: if not NULL, set to the snapshot, borrowed: it lives as long as
 *        the source
 * Events: index is the virtual page, pfn the frame (PGT_PFN_NONE when
 * hidden), aux the kernel flags when read, pid and tid the process.
 */
struct pgt_source *pgt_snap_task__source(pid_t pid, const struct pgt_task_opts *opts,
					 const struct pgt_task_info **info, int *err);

/**
 * pgt_snap_files__source() - the cached pages of files as a source.
 * @reqs, @nreqs, @opts: as pgt_snap_files(); exact extents are always
 *        found (opts.extents); with opts.pfns the events carry frames
 * @cb:   if not NULL, called for every file as pgt_snap_files() would,
 *        before the source keeps it; a non-zero return stops the walk
 *        and the constructor fails with it
 * @warn, @ctx: as pgt_snap_files()
 * Files that failed and later names of a hard link give no object and no
 * events.  Objects are numbered from 1 in walk order.
 */
struct pgt_source *pgt_snap_files__source(const struct pgt_file_req *reqs, size_t nreqs,
					  const struct pgt_file_opts *opts, pgt_file_cb cb,
					  pgt_walk_warn_cb warn, void *ctx, int *err);

#ifdef __cplusplus
}
#endif
#endif
