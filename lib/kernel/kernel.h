/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel access layer: one small module per interface, each reading
 * under a settable root (pgt_kernel__set_root()) so unit tests can run on
 * fake /proc and /sys trees.  Interfaces newer than Debian's headers
 * (cachestat(2), PAGEMAP_SCAN) are defined here.
 */
#ifndef PGT_KERNEL_H
#define PGT_KERNEL_H

#include <stdint.h>
#include <sys/types.h>

#include "pgtrace/snap.h"
#include "util/util.h"

/* ---- root ---- */

/* Open @path ("/proc/kpageflags") under the root.  Return fd or -errno. */
int pgt_kopen(const char *path, int flags);
/* Full path under the root into @buf. */
const char *pgt_kpath(char *buf, size_t len, const char *fmt, ...) PGT_PRINTF(3, 4);
/* Read a whole small file under the root into a NUL-terminated malloc'd
 * buffer (caller frees).  Return length or -errno. */
ssize_t pgt_kread_file(const char *path, char **out);

/* ---- /proc/iomem, kpageflags, kpagecount, kpagecgroup ---- */

struct pgt_pfn_span { uint64_t start, end; };	/* [start, end) */

/* System RAM ranges from /proc/iomem as PFN spans, sorted and disjoint.  Zero
 * addresses (unprivileged readers) give -EPERM.  *out freed by caller. */
int pgt_iomem__ram(struct pgt_pfn_span **out, size_t *n);
/* PFNs covered by /proc/kpageflags: its size / 8, or where its reads end
 * when it has no size (procfs). */
int pgt_kpageflags__max_pfn(uint64_t *out);

/* ---- cachestat(2) ---- */

#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif

struct pgt_cachestat_range { uint64_t off, len; };
struct pgt_cachestat {
	uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

/* cachestat over [off, off+len) bytes (len 0: to end of file).
 * Return 0 or -errno (-ENOSYS when the kernel lacks it). */
int pgt_cachestat(int fd, uint64_t off, uint64_t len, struct pgt_cachestat *cs);

/* ---- pagemap ---- */

#define PGT_PM_PFN_MASK ((1ull << 55) - 1)
#define PGT_PM_SOFT_DIRTY (1ull << 55)
#define PGT_PM_EXCLUSIVE (1ull << 56)
#define PGT_PM_UFFD_WP (1ull << 57)
#define PGT_PM_GUARD (1ull << 58)
#define PGT_PM_FILE (1ull << 61)
#define PGT_PM_SWAP (1ull << 62)
#define PGT_PM_PRESENT (1ull << 63)

/* PAGEMAP_SCAN (6.7), defined here: Debian 12's headers predate it. */
struct pgt_page_region { uint64_t start, end, categories; };
struct pgt_pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages,
		 category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define PGT_PAGEMAP_SCAN 0xC0606610u	/* _IOWR('f', 16, struct pm_scan_arg) */
#define PGT_PAGE_IS_FILE (1ull << 2)
#define PGT_PAGE_IS_PRESENT (1ull << 3)
#define PGT_PAGE_IS_SWAPPED (1ull << 4)

/* Present-or-swapped regions of [start, end) (virtual addresses) through
 * PAGEMAP_SCAN on an open pagemap fd.  Appends to *regs (realloc'd).
 * Return region count, -ENOTTY / -EINVAL when the ioctl is missing. */
ssize_t pgt_pagemap__scan(int fd, uint64_t start, uint64_t end,
			  struct pgt_page_region **regs, size_t *cap);

/* ---- /proc parsers ---- */

struct pgt_vma {
	uint64_t start, end, offset, ino;
	uint32_t dev_major, dev_minor;
	char perms[5];
	char *path;	/* "" for anonymous; owned */
};
/* Parse /proc/PID/maps.  *out freed with pgt_vmas__free(). */
int pgt_proc__maps(pid_t pid, struct pgt_vma **out, size_t *n);
void pgt_vmas__free(struct pgt_vma *v, size_t n);
/* One "Key: N kB" value of a /proc file in kB, or -ENOENT. */
int pgt_proc__kb(const char *path, const char *key, uint64_t *kb);

/* ---- /proc/self/mountinfo (mountinfo.c) ---- */

/* One mount, its strings pointing into the text it was parsed from. */
struct pgt_mountinfo {
	unsigned maj, min;
	char *root, *mnt, *fstype;	/* unescaped (\040 is a space) */
};

/*
 * pgt_mountinfo__parse() - the mounts of mountinfo text, which is cut
 * and unescaped in place and must outlive *@out.  Lines not of the form
 * are skipped.  *@out freed by the caller.  Return 0 or -ENOMEM.
 */
int pgt_mountinfo__parse(char *text, struct pgt_mountinfo **out, size_t *n);
/*
 * pgt_mountinfo__read() - read and parse /proc/self/mountinfo under the
 * root.  *@text (the strings of *@out) and *@out are freed by the
 * caller, both NULL on error.  Return 0 or -errno.
 */
int pgt_mountinfo__read(char **text, struct pgt_mountinfo **out, size_t *n);
/* The first mount of filesystem type @fstype, or of device @maj:@min, in
 * @m; NULL when none.  Borrowed from @m. */
const struct pgt_mountinfo *pgt_mountinfo__find_fstype(const struct pgt_mountinfo *m, size_t n,
							 const char *fstype);
const struct pgt_mountinfo *pgt_mountinfo__find_dev(const struct pgt_mountinfo *m, size_t n,
						      unsigned maj, unsigned min);
/* The mount of device @maj:@min that holds the absolute, resolved @path:
 * the longest mount point that is @path or a directory above it (the
 * last one listed among equals: the one on top).  NULL when none.
 * Borrowed from @m. */
const struct pgt_mountinfo *pgt_mountinfo__find_path(const struct pgt_mountinfo *m, size_t n,
						       unsigned maj, unsigned min, const char *path);

/* ---- tracefs event format files (tracefs-format.c) ---- */

#define PGT_TRACEFS_MAX_ID 65536	/* event IDs accepted: [0, this) */

/*
 * pgt_tracefs_format__read() - read @tracing_dir/events/@sys/@name/format
 * (under the root; at most 64 KiB) into *@out, NUL-terminated, freed by
 * the caller.  Return its length; 0 with *@out NULL when it opened but
 * gave nothing (an error or an empty file); -errno when it would not
 * open (the event does not exist on this kernel, or may not be read).
 */
ssize_t pgt_tracefs_format__read(const char *tracing_dir, const char *sys, const char *name,
				 char **out);
/*
 * pgt_tracefs_format__fields() - parse a format file's text: its ID into
 * *@id and, for each of the @nfields fields of @names (a name and an
 * older kernel's name, either may be NULL), the field's offset and size
 * into @off[f] and @size[f]; -1 and 0 for a field the text lacks or
 * whose numbers do not fit int16_t and uint8_t.  The first matching
 * field wins.  Return 0, or -PGT_EPARSE without an ID in
 * [0, PGT_TRACEFS_MAX_ID).
 */
int pgt_tracefs_format__fields(const char *text, const char *const (*names)[2], unsigned nfields,
			       int *id, int16_t *off, uint8_t *size);

/* ---- /sys/dev/block (blockdev.c) ---- */

/*
 * pgt_blockdev__info() - the device node of block device @maj:@min
 * ("/dev/vda", from DEVNAME of its uevent; "" without one) into @devname
 * of @size bytes, and its size in bytes into *@bytes (PGT_SIZE_UNKNOWN
 * when sysfs does not say).  Return 0, or -errno when the device is not
 * in sysfs (*@bytes untouched then).
 */
int pgt_blockdev__info(unsigned maj, unsigned min, char *devname, size_t size, uint64_t *bytes);

#endif
