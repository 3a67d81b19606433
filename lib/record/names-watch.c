// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * names-watch.c - the fanotify watcher: a thread that marks every
 * mounted filesystem that allows it (mounts from lib/kernel/mountinfo.c)
 * and turns opens, creates, renames and deletes into changes of the name
 * table (names.c), with bounded caches of directory and file handles.
 * Its syscalls run outside the table's mutex.  Over 700 lines: the
 * handle caches, the record parser and the event cases only make sense
 * together, and the marks need the same handle layout probe.
 */
#include <ctype.h>
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "kernel/kernel.h"
#include "record/names.h"
#include "record/names-int.h"
#include "util/hindex.h"
#include "util/u64map.h"
#include "util/util.h"

/* ------------------------------------------------------------------ */
/* fanotify */

static int eq_cache(const void *ctx, uint32_t pos, const void *key)
{
	const struct cache *c = ctx;
	const struct pgt_buf *k = key;

	return c->e[pos].klen == k->len && !memcmp(c->blob.data + c->e[pos].koff, k->data, k->len);
}

static long cache_find(struct cache *c, const struct pgt_buf *k, uint64_t h)
{
	return pgt_hindex__find(&c->map, h, eq_cache, c, k);
}

static void cache_clear(struct cache *c)
{
	pgt_hindex__clear(&c->map);
	c->blob.len = 0;
	c->n = 0;
}

static void cache_release(struct cache *c)
{
	pgt_hindex__release(&c->map);
	pgt_buf__release(&c->blob);
	free(c->e);
	memset(c, 0, sizeof(*c));
}

/* Add key @k; for the dir cache @val (length @vlen) is stored in the blob
 * and a, b become its offset and length. */
static int cache_put(struct cache *c, size_t max, const struct pgt_buf *k, uint64_t h,
		     uint64_t a, uint64_t b, const char *val, size_t vlen)
{
	struct cent *e;

	if (c->n >= max)
		cache_clear(c);
	if (grow(&c->e, &c->cap, c->n + 1, sizeof(*c->e)) ||
	    pgt_buf__reserve(&c->blob, k->len + vlen + 1))
		return -ENOMEM;
	e = &c->e[c->n];
	e->koff = (uint32_t)c->blob.len;
	e->klen = (uint32_t)k->len;
	pgt_buf__append(&c->blob, k->data, k->len);
	if (val) {
		a = c->blob.len;
		b = vlen;
		pgt_buf__append(&c->blob, val, vlen);
		pgt_buf__append(&c->blob, "", 1);
	}
	e->a = a;
	e->b = b;
	if (pgt_hindex__put(&c->map, h, (uint32_t)c->n))
		return -ENOMEM;
	c->n++;
	return 0;
}

int pgt_fid__parse(const uint8_t *rec, size_t len, int with_name, struct pgt_fid *out)
{
	const size_t hoff = sizeof(struct fanotify_event_info_fid);
	struct file_handle fh;

	if (len < hoff + sizeof(fh))
		return -1;
	memcpy(&out->fsid, rec + offsetof(struct fanotify_event_info_fid, fsid), 8);
	memcpy(&fh, rec + hoff, sizeof(fh));
	if (fh.handle_bytes > len - hoff - sizeof(fh))
		return -1;
	out->fh = (const struct file_handle *)(const void *)(rec + hoff);
	out->hbytes = fh.handle_bytes;
	out->htype = fh.handle_type;
	out->name = NULL;
	if (with_name) {
		const char *nm = (const char *)rec + hoff + sizeof(fh) + fh.handle_bytes;
		size_t room = len - hoff - sizeof(fh) - fh.handle_bytes;

		if (!room || !memchr(nm, 0, room))
			return -1;
		out->name = nm;
	}
	return 0;
}

static struct wmnt *mnt_of(struct watch *w, uint64_t fsid)
{
	for (size_t i = 0; i < w->nm; i++)
		if (w->m[i].fsid == fsid)
			return &w->m[i];
	return NULL;
}

/* Cache key of a handle: fsid, type, bytes. */
static int handle_key(struct watch *w, const struct pgt_fid *r, uint64_t *h)
{
	w->key.len = 0;
	if (pgt_buf__append(&w->key, &r->fsid, 8) || pgt_buf__append(&w->key, &r->htype, 4) ||
	    pgt_buf__append(&w->key, r->fh->f_handle, r->hbytes))
		return -ENOMEM;
	*h = pgt_hash_bytes(w->key.data, w->key.len);
	return 0;
}

/* (dev, ino) of the object @r names: decoded from the handle where the
 * filesystem's layout is known, else from the cache, else (@may_open)
 * open_by_handle_at + fstat.  Return 0 or -errno. */
static int fid_key(struct watch *w, const struct pgt_fid *r, int may_open, uint64_t *dev,
		   uint64_t *ino)
{
	struct wmnt *m = mnt_of(w, r->fsid);
	struct stat st;
	uint32_t v[3];
	uint64_t h;
	long i;
	int fd;

	if (!m)
		return -ENODEV;
	if (r->htype == 1 && r->hbytes >= 8 && r->hbytes <= 12)
		memcpy(v, r->fh->f_handle, r->hbytes);
	if (m->layout == LAYOUT_INO32 && r->htype == 1 && r->hbytes == 8) {
		*dev = m->dev;
		*ino = v[0];
		return 0;
	}
	if (m->layout == LAYOUT_SHMEM && r->htype == 1 && r->hbytes == 12) {
		*dev = m->dev;
		*ino = (uint64_t)v[2] << 32 | v[1];
		return 0;
	}
	if (handle_key(w, r, &h))
		return -ENOMEM;
	i = cache_find(&w->handles, &w->key, h);
	if (i >= 0) {
		*dev = w->handles.e[i].a;
		*ino = w->handles.e[i].b;
		return 0;
	}
	if (!may_open)
		return -ENOENT;
	fd = open_by_handle_at(m->fd, (struct file_handle *)r->fh, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	*dev = st.st_dev;
	*ino = st.st_ino;
	return cache_put(&w->handles, HANDLE_CACHE_MAX, &w->key, h, *dev, *ino, NULL, 0);
}

/* Path of an open fd through /proc/self/fd, " (deleted)" removed. */
static int fd_path(int fd, struct pgt_buf *out, int *gone)
{
	char link[64], buf[PATH_MAX + 1];
	ssize_t len;
	size_t l;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, buf, sizeof(buf) - 1);
	if (len <= 0 || (size_t)len >= sizeof(buf) - 1 || buf[0] != '/')
		return len < 0 ? -errno : -ENAMETOOLONG;
	buf[len] = 0;
	l = (size_t)len;
	pgt_names_strip_deleted(buf, &l, gone);
	out->len = 0;
	return pgt_buf__append(out, buf, l + 1);
}

/* Path of the directory of @r into @out (NUL-terminated). */
static int dir_path(struct watch *w, const struct pgt_fid *r, struct pgt_buf *out)
{
	struct wmnt *m = mnt_of(w, r->fsid);
	uint64_t h;
	long i;
	int fd, err, gone;

	if (!m)
		return -ENODEV;
	if (handle_key(w, r, &h))
		return -ENOMEM;
	i = cache_find(&w->dirs, &w->key, h);
	if (i >= 0) {
		out->len = 0;
		return pgt_buf__append(out, w->dirs.blob.data + w->dirs.e[i].a, w->dirs.e[i].b + 1);
	}
	fd = open_by_handle_at(m->fd, (struct file_handle *)r->fh, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = fd_path(fd, out, &gone);
	close(fd);
	if (err)
		return err;
	/* a removed directory's path is not worth remembering */
	if (!gone)
		return cache_put(&w->dirs, DIR_CACHE_MAX, &w->key, h, 0, 0, (const char *)out->data,
				 out->len - 1);
	return 0;
}

/* Directory path + "/" + name of a DFID_NAME record into @out. */
static int full_path(struct watch *w, const struct pgt_fid *r, struct pgt_buf *out)
{
	int err = dir_path(w, r, out);

	if (err)
		return err;
	out->len--;	/* the NUL */
	if (!(out->len == 1 && out->data[0] == '/') && pgt_buf__append(out, "/", 1))
		return -ENOMEM;
	return pgt_buf__append(out, r->name, strlen(r->name) + 1);
}

/* (dev, ino) of @path without following a last symlink. */
static int path_key(const char *path, uint64_t *dev, uint64_t *ino)
{
	struct stat st;

	if (lstat(path, &st))
		return -errno;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

/* A file was opened or created: name it. Return 1 when resolved. */
static int on_define(struct pgt_names *n, struct watch *w, uint64_t ts, const struct pgt_fid *obj,
		     const struct pgt_fid *dir)
{
	uint64_t dev = 0, ino = 0;
	int have_path = 0, have_key = 0, gone = 0, r;

	if (dir && !full_path(w, dir, &w->path))
		have_path = 1;
	if (obj && !fid_key(w, obj, 1, &dev, &ino))
		have_key = 1;
	if (!have_path && obj) {
		/* no parent: an unlinked file opened through /proc/PID/fd, or
		 * an O_TMPFILE; the handle still names it */
		struct wmnt *m = mnt_of(w, obj->fsid);
		int fd = m ? open_by_handle_at(m->fd, (struct file_handle *)obj->fh,
					       O_PATH | O_CLOEXEC) : -1;

		if (fd >= 0) {
			have_path = !fd_path(fd, &w->path, &gone);
			close(fd);
		}
	}
	if (!have_path)
		return 0;
	if (!have_key && !gone && !path_key((const char *)w->path.data, &dev, &ino))
		have_key = 1;
	if (!have_key)
		return 0;
	pthread_mutex_lock(&n->lock);
	if (gone)
		r = pgt_names_name_unlink(n, ts, 1, dev, ino, (const char *)w->path.data);
	else
		r = pgt_names_name_live(n, ts, dev, ino, (const char *)w->path.data) ? -1 : 1;
	pthread_mutex_unlock(&n->lock);
	return r > 0;
}

static int on_delete(struct pgt_names *n, struct watch *w, uint64_t ts, const struct pgt_fid *obj,
		     const struct pgt_fid *dir)
{
	uint64_t dev = 0, ino = 0;
	int exact, r;

	if (!dir || full_path(w, dir, &w->path))
		return 0;
	exact = obj && !fid_key(w, obj, 0, &dev, &ino);
	pthread_mutex_lock(&n->lock);
	r = pgt_names_name_unlink(n, ts, exact, dev, ino, (const char *)w->path.data);
	pthread_mutex_unlock(&n->lock);
	return r > 0;
}

/* A file moved from @from (may be NULL) to @to. */
static int on_move(struct pgt_names *n, struct watch *w, uint64_t ts, const struct pgt_fid *obj,
		   const struct pgt_fid *from, const struct pgt_fid *to)
{
	uint64_t dev = 0, ino = 0;
	int have_key = 0, err = 0;
	long i = -1;

	if (!to || full_path(w, to, &w->path))
		return 0;
	if (obj && !fid_key(w, obj, 1, &dev, &ino))
		have_key = 1;
	if (!have_key && !path_key((const char *)w->path.data, &dev, &ino))
		have_key = 1;
	if (!have_key && from && !full_path(w, from, &w->path2))
		have_key = 2;
	else if (!have_key && w->moved_from && !w->moved_from_dir)
		have_key = 3;
	if (!have_key)
		return 0;
	pthread_mutex_lock(&n->lock);
	if (have_key > 1) {
		/* gone again already: the old name tells which entry it was */
		i = pgt_names_path_find(n, have_key == 2 ? (const char *)w->path2.data : w->moved_from);
		if (i >= 0) {
			dev = n->ent[i].dev;
			ino = n->ent[i].ino;
		}
	}
	if (have_key == 1 || i >= 0)
		err = pgt_names_name_live(n, ts, dev, ino, (const char *)w->path.data);
	pthread_mutex_unlock(&n->lock);
	return !err && (have_key == 1 || i >= 0);
}

/* A directory moved from @from to @to: every known name under it moves. */
static int dir_moved(struct pgt_names *n, struct watch *w, uint64_t ts, const char *from,
		     const char *to)
{
	size_t fl = strlen(from);
	int err = 0;

	/* cached directory paths under the old name are stale now */
	cache_clear(&w->dirs);
	pthread_mutex_lock(&n->lock);
	for (size_t i = 0; i < n->nent && !err; i++) {
		const struct nent *e = &n->ent[i];

		if (e->gone || strncmp(e->path, from, fl) || e->path[fl] != '/')
			continue;
		w->scratch.len = 0;
		if (pgt_buf__append(&w->scratch, to, strlen(to)) ||
		    pgt_buf__append(&w->scratch, e->path + fl, strlen(e->path + fl) + 1)) {
			err = -ENOMEM;
			break;
		}
		err = pgt_names_name_live(n, ts, e->dev, e->ino, (const char *)w->scratch.data);
	}
	pthread_mutex_unlock(&n->lock);
	return err;
}

static void count(struct pgt_names *n, uint64_t *field)
{
	pthread_mutex_lock(&n->lock);
	(*field)++;
	pthread_mutex_unlock(&n->lock);
}

/* One event: @md a copy of its metadata, @base where it starts. */
static void watch_event(struct pgt_names *n, struct watch *w,
			const struct fanotify_event_metadata *md, const uint8_t *base)
{
	struct pgt_fid obj, dir, odir, ndir;
	int hobj = 0, hdir = 0, hold = 0, hnew = 0, ok = 0;
	uint64_t mask = md->mask, ts;
	size_t off;
	int ign;

	if (md->fd >= 0)
		close(md->fd);
	if (mask & FAN_Q_OVERFLOW) {
		/* events were lost; directory renames among them, maybe */
		cache_clear(&w->dirs);
		count(n, &n->overflows);
		return;
	}
	ign = __atomic_load_n(&n->ignore_pid, __ATOMIC_RELAXED);
	if (ign && md->pid == ign)
		return;
	/* opens of directories come with FAN_ONDIR, which we need for
	 * directory renames; they name nothing */
	if ((mask & FAN_ONDIR) && !(mask & (FAN_RENAME | FAN_MOVED_FROM | FAN_MOVED_TO)))
		return;
	for (off = md->metadata_len; off + sizeof(struct fanotify_event_info_header) <= md->event_len;) {
		struct fanotify_event_info_header hdr;

		memcpy(&hdr, base + off, sizeof(hdr));
		if (hdr.len < sizeof(hdr) || off + hdr.len > md->event_len)
			break;
		switch (hdr.info_type) {
		case FAN_EVENT_INFO_TYPE_FID:
			hobj = !pgt_fid__parse(base + off, hdr.len, 0, &obj);
			break;
		case FAN_EVENT_INFO_TYPE_DFID_NAME:
			hdir = !pgt_fid__parse(base + off, hdr.len, 1, &dir);
			break;
		case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME:
			hold = !pgt_fid__parse(base + off, hdr.len, 1, &odir);
			break;
		case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME:
			hnew = !pgt_fid__parse(base + off, hdr.len, 1, &ndir);
			break;
		default:
			break;
		}
		off += hdr.len;
	}
	/* without FAN_REPORT_TARGET_FID a dirent event's FID is not the child */
	if (!w->target_fid &&
	    (mask & (FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_RENAME)))
		hobj = 0;
	ts = now_ns();

	if (mask & FAN_ONDIR) {
		if ((mask & FAN_RENAME) && hold && hnew && !full_path(w, &odir, &w->path2)) {
			cache_clear(&w->dirs);
			if (!full_path(w, &ndir, &w->path))
				dir_moved(n, w, ts, (const char *)w->path2.data,
					  (const char *)w->path.data);
		} else if ((mask & FAN_MOVED_FROM) && hdir && !full_path(w, &dir, &w->path2)) {
			free(w->moved_from);
			w->moved_from = strdup((const char *)w->path2.data);
			w->moved_from_dir = 1;
		} else if ((mask & FAN_MOVED_TO) && hdir && w->moved_from && w->moved_from_dir) {
			cache_clear(&w->dirs);
			if (!full_path(w, &dir, &w->path))
				dir_moved(n, w, ts, w->moved_from, (const char *)w->path.data);
			free(w->moved_from);
			w->moved_from = NULL;
		}
		return;
	}
	count(n, &n->events);
	if (mask & FAN_RENAME) {
		ok = on_move(n, w, ts, hobj ? &obj : NULL, hold ? &odir : NULL, hnew ? &ndir : NULL);
	} else if (mask & FAN_MOVED_FROM) {
		ok = hdir && !full_path(w, &dir, &w->path2);
		free(w->moved_from);
		w->moved_from = ok ? strdup((const char *)w->path2.data) : NULL;
		w->moved_from_dir = 0;
	} else if (mask & FAN_MOVED_TO) {
		ok = on_move(n, w, ts, hobj ? &obj : NULL, NULL, hdir ? &dir : NULL);
		free(w->moved_from);
		w->moved_from = NULL;
	} else {
		if (mask & (FAN_OPEN | FAN_CREATE))
			ok = on_define(n, w, ts, hobj ? &obj : NULL, hdir ? &dir : NULL);
		if (mask & FAN_DELETE)
			ok = on_delete(n, w, ts, hobj ? &obj : NULL, hdir ? &dir : NULL);
	}
	if (!ok)
		count(n, &n->unresolved);
}

/* Read what is queued; return 0, or -1 when the stream is unusable.
 * Events are only 4-byte aligned (the metadata has a u64), so each
 * header is copied out rather than cast (FAN_EVENT_NEXT would). */
static int watch_read(struct pgt_names *n, struct watch *w)
{
	for (;;) {
		ssize_t len = read(w->fan, w->buf, sizeof(w->buf));
		const uint8_t *p = (const uint8_t *)w->buf;
		struct fanotify_event_metadata md;
		size_t off;

		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0)
			return errno == EAGAIN ? 0 : -1;
		if (len == 0)
			return 0;
		for (off = 0; off + sizeof(md) <= (size_t)len; off += md.event_len) {
			memcpy(&md, p + off, sizeof(md));
			if (md.vers != FANOTIFY_METADATA_VERSION || md.event_len < sizeof(md) ||
			    md.metadata_len < sizeof(md) || off + md.event_len > (size_t)len)
				return -1;
			watch_event(n, w, &md, p + off);
		}
	}
}

static void *watch_main(void *arg)
{
	struct pgt_names *n = arg;
	struct watch *w = n->w;

	for (;;) {
		struct pollfd p[2] = { { .fd = w->fan, .events = POLLIN },
				       { .fd = w->wake, .events = POLLIN } };

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents) {
			/* stop: take what the kernel has queued until now */
			watch_read(n, w);
			break;
		}
		if (p[0].revents && watch_read(n, w))
			break;
	}
	return NULL;
}

static const char *const pseudo_fs[] = {
	"proc", "sysfs", "cgroup", "cgroup2", "tracefs", "debugfs", "devpts", "mqueue", "bpf",
	"securityfs", "pstore", "configfs", "fusectl", "hugetlbfs", "autofs", "binfmt_misc",
	"devtmpfs", "nsfs", "rpc_pipefs", "nfsd", "efivarfs", "selinuxfs", "pipefs", "sockfs",
};

static int is_pseudo(const char *fstype)
{
	for (size_t i = 0; i < PGT_ARRAY_SIZE(pseudo_fs); i++)
		if (!strcmp(fstype, pseudo_fs[i]))
			return 1;
	return 0;
}

/* Which handles of this filesystem decode to an inode number without a
 * syscall (so deleted files still resolve): probed on the mount root. */
static int probe_layout(int fd, const char *fstype, const struct stat *st)
{
	union {
		struct file_handle fh;
		uint8_t b[sizeof(struct file_handle) + 128];
	} u;
	uint32_t v[3];
	int mid;

	u.fh.handle_bytes = 128;
	if (name_to_handle_at(fd, "", &u.fh, &mid, AT_EMPTY_PATH) || u.fh.handle_type != 1)
		return LAYOUT_NONE;
	if (u.fh.handle_bytes == 8 && !strncmp(fstype, "ext", 3)) {
		memcpy(v, u.fh.f_handle, 8);
		if (v[0] == st->st_ino)
			return LAYOUT_INO32;
	}
	if (u.fh.handle_bytes == 12 && !strcmp(fstype, "tmpfs")) {
		memcpy(v, u.fh.f_handle, 12);
		if (((uint64_t)v[2] << 32 | v[1]) == st->st_ino)
			return LAYOUT_SHMEM;
	}
	return LAYOUT_NONE;
}

static void watch_free(struct watch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->nm; i++)
		close(w->m[i].fd);
	if (w->fan >= 0)
		close(w->fan);
	if (w->wake >= 0)
		close(w->wake);
	free(w->m);
	cache_release(&w->dirs);
	cache_release(&w->handles);
	pgt_buf__release(&w->key);
	pgt_buf__release(&w->path);
	pgt_buf__release(&w->path2);
	pgt_buf__release(&w->scratch);
	free(w->moved_from);
	free(w);
}

/* Mark the filesystem mounted at @mnt (by path: O_PATH fds are refused).  FAN_RENAME (5.17) is probed on the first
 * one; without it renames come as FAN_MOVED_FROM/TO pairs.  Return 0 or
 * -1 with errno set. */
static int mark_fs(struct watch *w, const char *mnt)
{
	const uint64_t base = FAN_OPEN | FAN_CREATE | FAN_DELETE | FAN_ONDIR;
	const unsigned flags = FAN_MARK_ADD | FAN_MARK_FILESYSTEM;

	if (!fanotify_mark(w->fan, flags, base | (w->have_rename ? FAN_RENAME :
				FAN_MOVED_FROM | FAN_MOVED_TO), AT_FDCWD, mnt))
		return 0;
	if (errno != EINVAL || !w->have_rename || w->nm)
		return -1;
	if (!fanotify_mark(w->fan, flags, base | FAN_MOVED_FROM | FAN_MOVED_TO, AT_FDCWD, mnt)) {
		w->have_rename = 0;
		return 0;
	}
	/* EINVAL for another reason: FAN_RENAME stays for the others */
	return -1;
}

/* Mark every filesystem of the mount table that allows it; bind mounts
 * of the same filesystem are marked once, through a whole-filesystem
 * mount where there is one (its fd decodes handles into paths
 * relative to the filesystem root). */
static int watch_mark(struct watch *w, int *nskipped, int *last_err)
{
	struct pgt_mountinfo *mi;
	size_t nmi, mcap = 0;
	char *text;
	int err = pgt_mountinfo__read(&text, &mi, &nmi);

	if (err)
		return err;
	*nskipped = 0;
	*last_err = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < nmi; i++) {
			struct statfs sf;
			struct stat st;
			uint64_t fsid;
			size_t j;
			int fd;

			if ((pass == 0) != !strcmp(mi[i].root, "/") || is_pseudo(mi[i].fstype))
				continue;
			fd = open(mi[i].mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				continue;
			if (fstat(fd, &st) || fstatfs(fd, &sf)) {
				close(fd);
				continue;
			}
			memcpy(&fsid, &sf.f_fsid, 8);
			for (j = 0; j < w->nm; j++)
				if (w->m[j].dev == st.st_dev || w->m[j].fsid == fsid)
					break;
			if (j < w->nm) {
				close(fd);
				continue;
			}
			if (mark_fs(w, mi[i].mnt)) {
				/* EXDEV, ENODEV, EOPNOTSUPP: no usable file handles here */
				*last_err = errno;
				(*nskipped)++;
				close(fd);
				continue;
			}
			if (grow(&w->m, &mcap, w->nm + 1, sizeof(*w->m))) {
				close(fd);
				err = -ENOMEM;
				goto out;
			}
			w->m[w->nm].fsid = fsid;
			w->m[w->nm].dev = st.st_dev;
			w->m[w->nm].fd = fd;
			w->m[w->nm].layout = probe_layout(fd, mi[i].fstype, &st);
			w->nm++;
		}
	}
out:
	free(mi);
	free(text);
	return err;
}

static int watch_start(struct pgt_names *n)
{
	const unsigned base = FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME |
			      FAN_REPORT_FID;
	static const unsigned tries[] = {
		FAN_REPORT_TARGET_FID | FAN_UNLIMITED_QUEUE,
		FAN_REPORT_TARGET_FID,
		FAN_UNLIMITED_QUEUE,
		0,
	};
	struct watch *w;
	sigset_t all, old;
	int err, nskipped, last_err, ndecode = 0;

	if (n->w)
		return -EBUSY;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->wake = -1;
	w->have_rename = 1;
	/* The thread keeps up, and a name lost to an overflow is lost for
	 * good: an unbounded queue first; the child's handle in dirent
	 * events (5.17) when the kernel has it. */
	for (size_t i = 0; i < PGT_ARRAY_SIZE(tries); i++) {
		w->fan = fanotify_init(base | tries[i], O_RDONLY | O_LARGEFILE);
		if (w->fan >= 0) {
			w->target_fid = !!(tries[i] & FAN_REPORT_TARGET_FID);
			break;
		}
		if (errno != EINVAL && errno != EPERM)
			break;
	}
	if (w->fan < 0) {
		err = -errno;
		goto fail;
	}
	w->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->wake < 0) {
		err = -errno;
		goto fail;
	}
	err = watch_mark(w, &nskipped, &last_err);
	if (err)
		goto fail;
	if (!w->nm) {
		err = last_err ? -last_err : -ENODEV;
		goto fail;
	}
	for (size_t i = 0; i < w->nm; i++)
		ndecode += w->m[i].layout != LAYOUT_NONE;
	pgt_diag(PGT_DIAG_INFO,
		 "names: fanotify on %zu filesystem(s) (%d with handles decoded in place), "
		 "%d skipped%s%s; %s, %s", w->nm, ndecode, nskipped, nskipped ? ": " : "",
		 nskipped ? strerror(last_err) : "",
		 w->have_rename ? "FAN_RENAME" : "FAN_MOVED_FROM/TO",
		 w->target_fid ? "target fid" : "no target fid");
	n->w = w;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&w->thr, NULL, watch_main, n);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		n->w = NULL;
		goto fail;
	}
#ifdef __GLIBC__
	pthread_setname_np(w->thr, "pgt-names");
#endif
	return 0;
fail:
	watch_free(w);
	return err;
}

int pgt_names__watch_start(struct pgt_names *n)
{
	int err;

	pthread_mutex_lock(&n->ctl_lock);
	err = watch_start(n);
	pthread_mutex_unlock(&n->ctl_lock);
	return err;
}

void pgt_names__watch_stop(struct pgt_names *n)
{
	struct watch *w;
	uint64_t one = 1;

	pthread_mutex_lock(&n->ctl_lock);
	w = n->w;
	if (w) {
		if (write(w->wake, &one, sizeof(one)) != sizeof(one))
			pgt_diag(PGT_DIAG_WARN, "names: cannot wake the fanotify thread: %s",
				 strerror(errno));
		pthread_join(w->thr, NULL);
		n->w = NULL;
		watch_free(w);
	}
	pthread_mutex_unlock(&n->ctl_lock);
}
