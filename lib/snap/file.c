// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * File snapshots: which pages of which files are in the page cache.
 *
 * Residency comes from cachestat(2), which answers for a byte range
 * without mapping the file (0.1 ms for a 64 GiB sparse file, against
 * hundreds with mmap+mincore).  Exact cached extents come from bisecting
 * with cachestat; mincore is used only where cachestat does not exist,
 * and never for a file the caller may neither write nor own, because the
 * kernel then reports every page resident.  Holes (SEEK_HOLE) are
 * reported, but their cached zero pages are counted, not skipped.
 *
 * A walk first lists the files (one thread, readdir's d_type, no stat),
 * then examines them on a pool of threads: open, fstat and cachestat
 * are the cost, and they parallelise.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "kernel/kernel.h"
#include "util/opts.h"

#define PAGE 4096ull
#define MINCORE_WINDOW (128ull << 20)

/* Hard links: the first name counts, later ones point at it.  The key
 * includes the pages examined, so different ranges of one file (--stdin
 * lines) each count. */
struct link_set {
	struct { uint64_t dev, ino, first, end; const char *path; } *slots;
	size_t cap, used;
	int err;	/* -ENOMEM: a hard link could go uncounted as such */
};

struct entry {
	char *path;
	char *label;
	int tag;
	int have_range, top;	/* top: named by the caller (follow its link) */
	uint64_t first, end;
	struct pgt_file_info fi;
	atomic_int done;
};

struct fwalk {
	const struct pgt_file_opts *o;
	struct entry *ents;
	size_t n, cap;
	pgt_walk_warn_cb warn;
	void *ctx;
	/* directories seen when following links (loop guard) */
	uint64_t *seen;
	size_t nseen, capseen;
	atomic_size_t next;
	pthread_mutex_t lock;	/* unordered callbacks */
	pgt_file_cb cb;
	int cb_err;
	struct link_set *links;
};

static int add_entry(struct fwalk *w, const char *path, int top, const struct pgt_file_req *req)
{
	struct entry *e;

	if (w->n == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 256;
		struct entry *ne = realloc(w->ents, ncap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		w->ents = ne;
		w->cap = ncap;
	}
	e = &w->ents[w->n];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	if (!e->path)
		return -ENOMEM;
	e->top = top;
	e->tag = req ? req->tag : 0;
	e->label = NULL;
	if (top && req && req->label && !(e->label = strdup(req->label)))
		return -ENOMEM;
	if (req && req->have_range) {
		e->have_range = 1;
		e->first = req->first;
		e->end = req->end;
	}
	w->n++;
	return 0;
}

static int seen_dir(struct fwalk *w, dev_t dev, ino_t ino)
{
	uint64_t key = (uint64_t)dev * 0x9E3779B97F4A7C15ull ^ (uint64_t)ino;

	for (size_t i = 0; i < w->nseen; i++)
		if (w->seen[i] == key)
			return 1;
	if (w->nseen == w->capseen) {
		size_t ncap = w->capseen ? w->capseen * 2 : 64;
		uint64_t *ns = realloc(w->seen, ncap * sizeof(*ns));

		if (!ns)
			return 0;
		w->seen = ns;
		w->capseen = ncap;
	}
	w->seen[w->nseen++] = key;
	return 0;
}

/* Walk directory @path (open as @dfd, which this function closes). */
static int walk_dir(struct fwalk *w, int dfd, const char *path, dev_t root_dev,
		    const struct pgt_file_req *req)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	size_t plen = strlen(path);
	char *child;
	int err = 0;

	if (!d) {
		err = -errno;
		close(dfd);
		return err;
	}
	child = malloc(PATH_MAX);
	if (!child) {
		closedir(d);
		return -ENOMEM;
	}
	/* names are sorted afterwards per directory for stable output */
	for (;;) {
		unsigned char type;
		struct stat sb;
		int is_dir = 0, is_reg = 0;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno && w->warn)
				w->warn(path, -errno, w->ctx);
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (plen + 2 + strlen(de->d_name) > PATH_MAX) {
			if (w->warn)
				w->warn(de->d_name, -ENAMETOOLONG, w->ctx);
			continue;
		}
		snprintf(child, PATH_MAX, "%s%s%s", path, path[plen - 1] == '/' ? "" : "/", de->d_name);
		type = de->d_type;
		if (type == DT_UNKNOWN || (type == DT_LNK && w->o->follow)) {
			int fl = type == DT_LNK ? 0 : AT_SYMLINK_NOFOLLOW;

			if (fstatat(dirfd(d), de->d_name, &sb, fl) < 0)
				continue;	/* vanished, or a dangling link */
			is_dir = S_ISDIR(sb.st_mode);
			is_reg = S_ISREG(sb.st_mode);
		} else {
			is_dir = type == DT_DIR;
			is_reg = type == DT_REG;
		}
		if (is_reg) {
			err = add_entry(w, child, 0, req);
		} else if (is_dir) {
			int cfd = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_CLOEXEC | (w->o->follow ? 0 : O_NOFOLLOW));

			if (cfd < 0) {
				if (w->warn)
					w->warn(child, -errno, w->ctx);
				continue;
			}
			if (fstat(cfd, &sb) < 0 || (w->o->xdev && sb.st_dev != root_dev) ||
			    (w->o->follow && seen_dir(w, sb.st_dev, sb.st_ino))) {
				close(cfd);
				continue;
			}
			err = walk_dir(w, cfd, child, root_dev, req);
			if (err == -ENOMEM)
				break;
			err = 0;
		}
		if (err)
			break;
	}
	free(child);
	closedir(d);
	return err;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

/* ---- examining one file ---- */

static int push_extent(struct pgt_file_info *fi, size_t *cap, uint64_t first, uint64_t n)
{
	if (fi->next && fi->ext[fi->next - 1].first + fi->ext[fi->next - 1].npages == first) {
		fi->ext[fi->next - 1].npages += n;
		return 0;
	}
	if (fi->next == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct pgt_extent *ne = realloc(fi->ext, ncap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		fi->ext = ne;
		*cap = ncap;
	}
	fi->ext[fi->next++] = (struct pgt_extent){ first, n };
	return 0;
}

/* Cached extents of pages [a, b) holding @count cached pages. */
static int bisect(int fd, struct pgt_file_info *fi, size_t *cap, uint64_t a, uint64_t b, uint64_t count)
{
	struct pgt_cachestat cs;
	uint64_t mid, left;
	int err;

	if (!count)
		return 0;
	if (count >= b - a)
		return push_extent(fi, cap, a, b - a);
	mid = a + (b - a) / 2;
	err = pgt_cachestat(fd, a * PAGE, (mid - a) * PAGE, &cs);
	if (err)
		return err;
	left = cs.nr_cache < count ? cs.nr_cache : count;
	err = bisect(fd, fi, cap, a, mid, left);
	return err ? err : bisect(fd, fi, cap, mid, b, count - left);
}

static int by_cachestat(int fd, struct pgt_file_info *fi, int want_ext)
{
	struct pgt_cachestat cs;
	size_t cap = 0;
	int err;

	fi->method = PGT_RES_CACHESTAT;
	if (fi->end <= fi->first)
		return 0;
	err = pgt_cachestat(fd, fi->first * PAGE, (fi->end - fi->first) * PAGE, &cs);
	if (err)
		return err;
	fi->cached = cs.nr_cache;
	fi->dirty = cs.nr_dirty;
	fi->writeback = cs.nr_writeback;
	fi->evicted = cs.nr_evicted;
	fi->recently_evicted = cs.nr_recently_evicted;
	return want_ext ? bisect(fd, fi, &cap, fi->first, fi->end, cs.nr_cache) : 0;
}

/* mincore reports every page resident for a file the caller may not
 * write and does not own (mm/mincore.c, since 5.2): its answer would be
 * a lie, so refuse. */
static int mincore_trustworthy(int fd, const struct stat *sb)
{
	char proc[64];

	if (geteuid() == 0 || sb->st_uid == geteuid())
		return 1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return access(proc, W_OK) == 0;
}

static int by_mincore(int fd, const struct stat *sb, struct pgt_file_info *fi, int want_ext)
{
	unsigned char *vec = malloc(MINCORE_WINDOW / PAGE);
	size_t cap = 0;
	int err = 0;

	fi->method = PGT_RES_MINCORE;
	if (!vec)
		return -ENOMEM;
	if (!mincore_trustworthy(fd, sb)) {
		free(vec);
		return -EPERM;
	}
	for (uint64_t p = fi->first; p < fi->end && !err;) {
		uint64_t n = fi->end - p < MINCORE_WINDOW / PAGE ? fi->end - p : MINCORE_WINDOW / PAGE;
		void *m = mmap(NULL, n * PAGE, PROT_READ, MAP_SHARED, fd, (off_t)(p * PAGE));

		if (m == MAP_FAILED) {
			err = -errno;
			break;
		}
		if (mincore(m, n * PAGE, vec) < 0)
			err = -errno;
		for (uint64_t i = 0; i < n && !err; i++) {
			if (!(vec[i] & 1))
				continue;
			fi->cached++;
			if (want_ext)
				err = push_extent(fi, &cap, p + i, 1);
		}
		munmap(m, n * PAGE);
		p += n;
	}
	free(vec);
	return err;
}

/* Cached pages of [first, end) by mincore (already found trustworthy). */
static uint64_t mincore_count(int fd, uint64_t first, uint64_t end)
{
	unsigned char *vec = malloc(MINCORE_WINDOW / PAGE);
	uint64_t count = 0;

	for (uint64_t p = first; vec && p < end;) {
		uint64_t n = end - p < MINCORE_WINDOW / PAGE ? end - p : MINCORE_WINDOW / PAGE;
		void *m = mmap(NULL, n * PAGE, PROT_READ, MAP_SHARED, fd, (off_t)(p * PAGE));

		if (m == MAP_FAILED)
			break;
		if (mincore(m, n * PAGE, vec) == 0)
			for (uint64_t i = 0; i < n; i++)
				count += vec[i] & 1;
		munmap(m, n * PAGE);
		p += n;
	}
	free(vec);
	return count;
}

/* Pages in holes of [first, end) and how many of them are cached. */
static int holes(int fd, struct pgt_file_info *fi)
{
	uint64_t off = fi->first * PAGE, stop = fi->end * PAGE;

	if (stop > fi->size)
		stop = fi->size;
	while (off < stop) {
		off_t data = lseek(fd, (off_t)off, SEEK_DATA), hole_end;
		uint64_t h0, h1;

		if (data < 0 && errno != ENXIO)
			return errno == EINVAL ? 0 : -errno;	/* no SEEK_DATA here */
		hole_end = data < 0 || (uint64_t)data > stop ? (off_t)stop : data;
		/* whole pages inside the hole */
		h0 = (off + PAGE - 1) / PAGE;
		h1 = (uint64_t)hole_end == fi->size ? (fi->size + PAGE - 1) / PAGE : (uint64_t)hole_end / PAGE;
		if (h1 > h0) {
			struct pgt_cachestat cs;

			fi->hole_pages += h1 - h0;
			if (fi->method == PGT_RES_CACHESTAT && pgt_cachestat(fd, h0 * PAGE, (h1 - h0) * PAGE, &cs) == 0)
				fi->cached_in_holes += cs.nr_cache;
			else if (fi->method == PGT_RES_MINCORE)
				fi->cached_in_holes += mincore_count(fd, h0, h1);
		}
		if (data < 0 || (uint64_t)data >= stop)
			break;
		hole_end = lseek(fd, data, SEEK_HOLE);
		if (hole_end < 0)
			return -errno;
		off = (uint64_t)hole_end;
	}
	return 0;
}

static int add_kflag(struct pgt_file_info *fi, size_t *cap, uint64_t flags, uint64_t n)
{
	for (size_t i = 0; i < fi->nkflags; i++)
		if (fi->kflags[i].flags == flags) {
			fi->kflags[i].pages += n;
			return 0;
		}
	if (fi->nkflags == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct pgt_pfn_combo *nk = realloc(fi->kflags, ncap * sizeof(*nk));

		if (!nk)
			return -ENOMEM;
		fi->kflags = nk;
		*cap = ncap;
	}
	fi->kflags[fi->nkflags++] = (struct pgt_pfn_combo){ flags, n };
	return 0;
}

static int add_pfnrun(struct pgt_file_info *fi, size_t *cap, uint64_t index, uint64_t pfn)
{
	struct pgt_file_pfns *l = fi->npfns ? &fi->pfns[fi->npfns - 1] : NULL;

	if (l && l->index + l->npages == index && l->pfn + l->npages == pfn) {
		l->npages++;
		return 0;
	}
	if (fi->npfns == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct pgt_file_pfns *np = realloc(fi->pfns, ncap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		fi->pfns = np;
		*cap = ncap;
	}
	fi->pfns[fi->npfns++] = (struct pgt_file_pfns){ index, pfn, 1 };
	return 0;
}

/*
 * Frames and kernel flags of the cached pages: map the cached extents,
 * populate their page tables (already resident, so no I/O), read our own
 * pagemap for the frames, then kpageflags in runs of contiguous frames
 * rather than one read per page.
 */
static int frames(int fd, struct pgt_file_info *fi, int want_flags, int want_pfns)
{
	int pm = -1, kf = -1, err = 0;
	size_t kcap = 0, pcap = 0;
	uint64_t *ent = NULL, *flags = NULL;

	pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pm < 0)
		return -errno;
	if (want_flags) {
		kf = pgt_kopen("/proc/kpageflags", O_RDONLY);
		if (kf < 0) {
			close(pm);
			return kf;
		}
	}
	ent = malloc(MINCORE_WINDOW / PAGE * 8);
	flags = malloc(MINCORE_WINDOW / PAGE * 8);
	if (!ent || !flags) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t x = 0; x < fi->next && !err; x++) {
		for (uint64_t p = fi->ext[x].first; p < fi->ext[x].first + fi->ext[x].npages && !err;) {
			uint64_t left = fi->ext[x].first + fi->ext[x].npages - p;
			uint64_t n = left < MINCORE_WINDOW / PAGE ? left : MINCORE_WINDOW / PAGE;
			volatile const char *m = mmap(NULL, n * PAGE, PROT_READ, MAP_SHARED, fd, (off_t)(p * PAGE));
			uint64_t run_start = 0, run_len = 0;

			if (m == MAP_FAILED) {
				err = -errno;
				break;
			}
			/* Populate the page tables instead of reading the pages:
			 * a file cut short meanwhile then gives EFAULT where a
			 * read would raise SIGBUS (its pages past the new end
			 * are no longer cached: they are just not reported).
			 * Kernels before 5.14 know no MADV_POPULATE_READ. */
			/* no readahead from our faults: only what is cached */
			madvise((void *)m, n * PAGE, MADV_RANDOM);
			if (madvise((void *)m, n * PAGE, MADV_POPULATE_READ) < 0 && errno == EINVAL)
				for (uint64_t i = 0; i < n; i++)
					(void)m[i * PAGE];
			if (pgt_pread_full(pm, ent, n * 8, (uint64_t)(uintptr_t)m / PAGE * 8) != (ssize_t)(n * 8))
				err = -EIO;
			for (uint64_t i = 0; i <= n && !err; i++) {
				uint64_t pfn = i < n && (ent[i] & PGT_PM_PRESENT) ? ent[i] & PGT_PM_PFN_MASK : 0;

				if (i < n && (ent[i] & PGT_PM_PRESENT) && !pfn) {
					err = -EPERM;	/* frames hidden: needs CAP_SYS_ADMIN */
					break;
				}
				if (want_pfns && pfn)
					err = add_pfnrun(fi, &pcap, p + i, pfn);
				if (!want_flags)
					continue;
				/* flush a run of contiguous frames through kpageflags */
				if (run_len && (pfn != run_start + run_len || i == n)) {
					if (pgt_pread_full(kf, flags, run_len * 8, run_start * 8) != (ssize_t)(run_len * 8)) {
						err = -EIO;
						break;
					}
					for (uint64_t k = 0; k < run_len && !err; k++) {
						uint64_t f = flags[k], c = 1;

						while (k + 1 < run_len && flags[k + 1] == f) {
							k++;
							c++;
						}
						err = add_kflag(fi, &kcap, f, c);
					}
					run_len = 0;
				}
				if (pfn) {
					if (!run_len)
						run_start = pfn;
					run_len++;
				}
			}
			munmap((void *)m, n * PAGE);
			p += n;
		}
	}
out:
	free(ent);
	free(flags);
	close(pm);
	if (kf >= 0)
		close(kf);
	return err;
}

static void examine(struct fwalk *w, struct entry *e)
{
	struct pgt_file_info *fi = &e->fi;
	const struct pgt_file_opts *o = w->o;
	int flags = O_RDONLY | O_NOATIME | O_NONBLOCK | O_CLOEXEC | (e->top || o->follow ? 0 : O_NOFOLLOW);
	int want_ext = o->extents || o->kflags || o->pfns;
	struct stat sb;
	int fd, err;

	fi->path = e->label ? e->label : e->path;
	fi->tag = e->tag;
	fd = open(e->path, flags);
	if (fd < 0 && errno == EPERM) {	/* O_NOATIME needs ownership */
		flags &= ~O_NOATIME;
		fd = open(e->path, flags);
	}
	if (fd < 0) {
		fi->err = -errno;
		fi->err_what = "open";
		return;
	}
	if (fstat(fd, &sb) < 0) {
		fi->err = -errno;
		fi->err_what = "stat";
		goto out;
	}
	fi->dev = sb.st_dev;
	fi->ino = sb.st_ino;
	if (S_ISBLK(sb.st_mode)) {
		uint64_t bytes = 0;

		fi->is_blockdev = 1;
		if (ioctl(fd, BLKGETSIZE64, &bytes) == 0)
			fi->size = bytes;
		fi->dev = sb.st_rdev;
	} else if (S_ISREG(sb.st_mode)) {
		fi->size = (uint64_t)sb.st_size;
	} else {
		fi->err = S_ISDIR(sb.st_mode) ? -EISDIR : -EINVAL;
		fi->err_what = "type";
		goto out;
	}
	/* the last partial page counts: a 100-byte file has one page */
	fi->pages = (fi->size + PAGE - 1) / PAGE;
	fi->first = e->have_range ? e->first : 0;
	fi->end = e->have_range && e->end < fi->pages ? e->end : fi->pages;
	if (fi->first > fi->end)
		fi->first = fi->end;
	if (o->method == PGT_RES_MINCORE ||
	    (o->method != PGT_RES_CACHESTAT && !pgt_cachestat__available())) {
		err = fi->is_blockdev ? -EOPNOTSUPP : by_mincore(fd, &sb, fi, want_ext);
		fi->err_what = "mincore";
	} else {
		err = by_cachestat(fd, fi, want_ext);
		fi->err_what = "cachestat";
	}
	if (!err && !fi->is_blockdev) {
		err = holes(fd, fi);
		if (err)
			fi->err_what = "seek";
	}
	if (!err && (o->kflags || o->pfns) && !fi->is_blockdev) {
		err = frames(fd, fi, o->kflags, o->pfns);
		if (err)
			fi->err_what = "pagemap";
	}
	fi->err = err;
	if (!err)
		fi->err_what = NULL;
out:
	close(fd);
}

static void entry_release(struct entry *e)
{
	free(e->path);
	free(e->label);
	free(e->fi.ext);
	free(e->fi.kflags);
	free(e->fi.pfns);
}

static const char *link_check(struct link_set *s, const struct pgt_file_info *fi);

static void *examiner(void *arg)
{
	struct fwalk *w = arg;
	size_t i;

	while ((i = atomic_fetch_add(&w->next, 1)) < w->n) {
		examine(w, &w->ents[i]);
		if (w->o->unordered) {
			pthread_mutex_lock(&w->lock);
			if (!w->ents[i].fi.err)
				w->ents[i].fi.dup_of = link_check(w->links, &w->ents[i].fi);
			if (!w->cb_err)
				w->cb_err = w->cb(&w->ents[i].fi, w->ctx);
			pthread_mutex_unlock(&w->lock);
		}
		atomic_store(&w->ents[i].done, 1);
	}
	return NULL;
}

static const char *link_check(struct link_set *s, const struct pgt_file_info *fi)
{
	size_t h;

	if ((s->used + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 1024;
		__typeof__(s->slots) ns = calloc(ncap, sizeof(*ns));

		if (!ns) {
			s->err = -ENOMEM;
			return NULL;
		}
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->slots[i].path)
				continue;
			for (h = (s->slots[i].ino * 0x9E3779B97F4A7C15ull ^ s->slots[i].dev) & (ncap - 1);
			     ns[h].path; h = (h + 1) & (ncap - 1))
				;
			ns[h] = s->slots[i];
		}
		free(s->slots);
		s->slots = ns;
		s->cap = ncap;
	}
	for (h = (fi->ino * 0x9E3779B97F4A7C15ull ^ fi->dev) & (s->cap - 1); s->slots[h].path;
	     h = (h + 1) & (s->cap - 1))
		if (s->slots[h].dev == fi->dev && s->slots[h].ino == fi->ino &&
		    s->slots[h].first == fi->first && s->slots[h].end == fi->end)
			return s->slots[h].path;
	s->slots[h].dev = fi->dev;
	s->slots[h].ino = fi->ino;
	s->slots[h].first = fi->first;
	s->slots[h].end = fi->end;
	s->slots[h].path = fi->path;
	s->used++;
	return NULL;
}

static int snap_files(const struct pgt_file_req *reqs, size_t nreqs, const struct pgt_file_opts *o,
		      pgt_file_cb cb, pgt_walk_warn_cb warn, void *ctx);

int pgt_snap_files(const struct pgt_file_req *reqs, size_t nreqs, const struct pgt_file_opts *o,
		   pgt_file_cb cb, pgt_walk_warn_cb warn, void *ctx)
{
	struct pgt_file_opts o_;

	if (!o || !PGT_OPTS_VALID(o))
		return -EINVAL;
	return snap_files(reqs, nreqs, PGT_OPTS_FIT(o, &o_), cb, warn, ctx);
}

static int snap_files(const struct pgt_file_req *reqs, size_t nreqs, const struct pgt_file_opts *o,
		      pgt_file_cb cb, pgt_walk_warn_cb warn, void *ctx)
{
	struct fwalk w = { .o = o, .warn = warn, .ctx = ctx, .cb = cb,
			   .lock = PTHREAD_MUTEX_INITIALIZER };
	struct link_set links = { 0 };
	unsigned nthreads = o->threads;
	pthread_t *tids = NULL;
	long ncpu;
	int err = 0;

	w.links = &links;
	for (size_t r = 0; r < nreqs && !err; r++) {
		struct stat sb;
		size_t before = w.n;

		if (stat(reqs[r].path, &sb) < 0 || !S_ISDIR(sb.st_mode) || !o->recursive) {
			/* examine() reports what is wrong with it */
			err = add_entry(&w, reqs[r].path, 1, &reqs[r]);
			continue;
		}
		{
			int dfd = open(reqs[r].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			if (dfd < 0) {
				if (warn)
					warn(reqs[r].path, -errno, ctx);
				continue;
			}
			if (o->follow)
				seen_dir(&w, sb.st_dev, sb.st_ino);
			err = walk_dir(&w, dfd, reqs[r].path, sb.st_dev, &reqs[r]);
		}
		if (!err)
			qsort(w.ents + before, w.n - before, sizeof(*w.ents), entry_cmp);
	}
	if (err)
		goto out;

	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (!nthreads)
		nthreads = ncpu > 0 ? (unsigned)ncpu : 1;
	if (nthreads > w.n)
		nthreads = w.n ? (unsigned)w.n : 1;
	tids = calloc(nthreads, sizeof(*tids));
	if (!tids) {
		err = -ENOMEM;
		goto out;
	}
	for (unsigned t = 1; t < nthreads; t++)
		if (pthread_create(&tids[t], NULL, examiner, &w)) {
			nthreads = t;
			break;
		}
	if (o->unordered) {
		examiner(&w);
	} else {
		/* The calling thread examines too, and reports in order as
		 * the front of the list completes. */
		size_t front = 0;

		for (;;) {
			size_t i = atomic_fetch_add(&w.next, 1);

			if (i < w.n) {
				examine(&w, &w.ents[i]);
				atomic_store(&w.ents[i].done, 1);
			}
			while (front < w.n && atomic_load(&w.ents[front].done) && !w.cb_err) {
				struct pgt_file_info *fi = &w.ents[front].fi;

				if (!fi->err)
					fi->dup_of = link_check(&links, fi);
				w.cb_err = links.err ? links.err : cb(fi, ctx);
				front++;
			}
			if (front == w.n || w.cb_err)
				break;
			if (i >= w.n)
				sched_yield();	/* others still working on the front */
		}
	}
	for (unsigned t = 1; t < nthreads; t++)
		pthread_join(tids[t], NULL);
	err = w.cb_err;
out:
	free(tids);
	free(links.slots);
	for (size_t i = 0; i < w.n; i++)
		entry_release(&w.ents[i]);
	free(w.ents);
	free(w.seen);
	return err;
}
