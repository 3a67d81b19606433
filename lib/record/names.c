// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * names.c - (device, inode) to path for the recorder: a state dump of
 * /proc at start, fanotify while recording, a readdir walk at the end.
 * See names.h.
 *
 * One mutex guards the name table, the string arena, the interned
 * strings, the event queue and the counters.  The watcher thread does its
 * syscalls (open_by_handle_at, readlink, fstatat) outside the mutex and
 * takes it only to change the table.  Every path lives in an append-only
 * arena, so a pointer handed out by lookup() or drain() stays valid until
 * pgt_names__free(), whatever happens to the entry later.
 *
 * The table keeps one name per (dev, ino) and a second index from path to
 * entry for the entries still linked, so a delete or a rename that cannot
 * be tied to an inode by its handle can still be tied by its name.  An
 * entry is "gone" once unlinked: its last path stays for lookup(), and
 * the same inode number seen alive again is a new file (DEFINE).
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
#include "util/hindex.h"
#include "util/u64map.h"
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

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* Grow *@arr (elements of @size) to hold @need elements. */
static int grow(void *arr, size_t *cap, size_t need, size_t size)
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

/* A copy of @s in the arena; NULL when out of memory. */
static const char *arena_str(struct pgt_names *n, const char *s, size_t len)
{
	struct chunk *c = n->arena;
	char *p;

	if (!c || c->cap - c->used < len + 1) {
		size_t cap = len + 1 > 65536 ? len + 1 : 65536;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		/* a big string gets a chunk of its own behind the current one */
		if (len + 1 > 4096 && n->arena) {
			c->next = n->arena->next;
			n->arena->next = c;
		} else {
			c->next = n->arena;
			n->arena = c;
		}
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = 0;
	c->used += len + 1;
	return p;
}

static int eq_key(const void *ctx, uint32_t pos, const void *key)
{
	const struct nent *e = &((const struct pgt_names *)ctx)->ent[pos];
	const uint64_t *k = key;

	return e->dev == k[0] && e->ino == k[1];
}

static int eq_path(const void *ctx, uint32_t pos, const void *key)
{
	return !strcmp(((const struct pgt_names *)ctx)->ent[pos].path, key);
}

static int eq_str(const void *ctx, uint32_t pos, const void *key)
{
	return !strcmp(((const struct pgt_names *)ctx)->istr[pos], key);
}

static long ent_find(struct pgt_names *n, uint64_t dev, uint64_t ino)
{
	uint64_t k[2] = { dev, ino };

	return pgt_hindex__find(&n->by_key, pgt_hash_key(dev, ino), eq_key, n, k);
}

static long path_find(struct pgt_names *n, const char *path)
{
	return pgt_hindex__find(&n->by_path, pgt_hash_bytes(path, strlen(path)), eq_path, n, path);
}

static void path_unindex(struct pgt_names *n, size_t i)
{
	const char *p = n->ent[i].path;

	if (!n->ent[i].gone)
		pgt_hindex__del(&n->by_path, pgt_hash_bytes(p, strlen(p)), (uint32_t)i);
}

/* Index entry @i by its path unless another entry holds that path. */
static int path_index(struct pgt_names *n, size_t i)
{
	const char *p = n->ent[i].path;

	if (path_find(n, p) >= 0)
		return 0;
	return pgt_hindex__put(&n->by_path, pgt_hash_bytes(p, strlen(p)), (uint32_t)i);
}

/* Add an entry whose path is already in the arena.  Return its position
 * or -ENOMEM. */
static long ent_add(struct pgt_names *n, uint64_t dev, uint64_t ino, const char *path, int src,
		    int gone)
{
	struct nent *e;
	size_t i = n->nent;

	if (i >= UINT32_MAX - 1 || grow(&n->ent, &n->cap_ent, i + 1, sizeof(*n->ent)))
		return -ENOMEM;
	e = &n->ent[i];
	e->dev = dev;
	e->ino = ino;
	e->path = path;
	e->src = (uint8_t)src;
	e->gone = (uint8_t)gone;
	if (pgt_hindex__put(&n->by_key, pgt_hash_key(dev, ino), (uint32_t)i))
		return -ENOMEM;
	n->nent++;
	if (!gone && path_index(n, i))
		return -ENOMEM;
	return (long)i;
}

static int q_push(struct pgt_names *n, uint64_t ts, const struct nent *e, int op, int src)
{
	struct pgt_name_event *ev;

	if (grow(&n->q, &n->cap_q, n->nq + 1, sizeof(*n->q)))
		return -ENOMEM;
	ev = &n->q[n->nq++];
	ev->ts = ts;
	ev->dev = e->dev;
	ev->ino = e->ino;
	ev->op = op;
	ev->src = src;
	ev->path = e->path;
	return 0;
}

/* Entry @i lost its (only known) name at @ts. */
static int ent_unlink(struct pgt_names *n, uint64_t ts, size_t i)
{
	path_unindex(n, i);
	n->ent[i].gone = 1;
	return q_push(n, ts, &n->ent[i], PGT_OBJ_UNLINK, PGT_NAME_FANOTIFY);
}

/*
 * (@dev, @ino) is called @path from @ts on, as fanotify saw it.  A new
 * object, or a reused inode number, gives DEFINE; a known one under
 * another name gives RENAME.  An object that held @path before loses it
 * (rename over a file, or a delete we missed): UNLINK.  Lock held.
 */
static int name_live(struct pgt_names *n, uint64_t ts, uint64_t dev, uint64_t ino,
		     const char *path)
{
	long i = ent_find(n, dev, ino), o = path_find(n, path);
	const char *p;
	int op, err;

	if (o >= 0 && o != i && (err = ent_unlink(n, ts, (size_t)o)))
		return err;
	if (i >= 0 && !n->ent[i].gone && !strcmp(n->ent[i].path, path))
		return 0;
	p = arena_str(n, path, strlen(path));
	if (!p)
		return -ENOMEM;
	if (i < 0) {
		i = ent_add(n, dev, ino, p, PGT_NAME_FANOTIFY, 0);
		if (i < 0)
			return (int)i;
		op = PGT_OBJ_DEFINE;
	} else {
		struct nent *e = &n->ent[i];

		op = e->gone ? PGT_OBJ_DEFINE : PGT_OBJ_RENAME;
		path_unindex(n, (size_t)i);
		e->path = p;
		e->gone = 0;
		e->src = PGT_NAME_FANOTIFY;
		if (path_index(n, (size_t)i))
			return -ENOMEM;
	}
	return q_push(n, ts, &n->ent[i], op, PGT_NAME_FANOTIFY);
}

/*
 * @path was unlinked at @ts.  With @exact the inode is known from its
 * handle; otherwise the path index says which entry it was.  Return 1
 * when an object was found, 0 when not, -ENOMEM.  Lock held.
 */
static int name_unlink(struct pgt_names *n, uint64_t ts, int exact, uint64_t dev, uint64_t ino,
		       const char *path)
{
	long o = path_find(n, path), i;
	struct nent *e;
	struct stat st;
	int err;

	if (!exact) {
		if (o < 0)
			return 0;
		return (err = ent_unlink(n, ts, (size_t)o)) ? err : 1;
	}
	i = ent_find(n, dev, ino);
	if (o >= 0 && o != i && (err = ent_unlink(n, ts, (size_t)o)))
		return err;
	if (i < 0) {
		/* never seen alive: its last name is worth keeping */
		const char *p = arena_str(n, path, strlen(path));

		if (!p)
			return -ENOMEM;
		i = ent_add(n, dev, ino, p, PGT_NAME_FANOTIFY, 1);
		if (i < 0)
			return (int)i;
		if ((err = q_push(n, ts, &n->ent[i], PGT_OBJ_DEFINE, PGT_NAME_FANOTIFY)))
			return err;
		return (err = q_push(n, ts, &n->ent[i], PGT_OBJ_UNLINK, PGT_NAME_FANOTIFY)) ? err : 1;
	}
	e = &n->ent[i];
	if (e->gone)
		return 1;
	if (strcmp(e->path, path)) {
		/* another hard link went, or the name we hold is stale */
		if (!lstat(e->path, &st) && st.st_dev == dev && st.st_ino == ino)
			return 1;
		path_unindex(n, (size_t)i);
		e->path = arena_str(n, path, strlen(path));
		if (!e->path)
			return -ENOMEM;
		e->gone = 1;
		return (err = q_push(n, ts, e, PGT_OBJ_UNLINK, PGT_NAME_FANOTIFY)) ? err : 1;
	}
	return (err = ent_unlink(n, ts, (size_t)i)) ? err : 1;
}

/* A name from the state dump or the walk: only for objects not named
 * yet.  Lock held. */
static int name_static(struct pgt_names *n, uint64_t dev, uint64_t ino, const char *path,
		       size_t len, int src, int gone, const char **out)
{
	long i = ent_find(n, dev, ino);
	const char *p;

	if (i >= 0) {
		if (out)
			*out = n->ent[i].path;
		return 0;
	}
	p = arena_str(n, path, len);
	if (!p)
		return -ENOMEM;
	i = ent_add(n, dev, ino, p, src, gone);
	if (i < 0)
		return (int)i;
	if (out)
		*out = p;
	return 1;
}

/* An interned copy of @s, valid until pgt_names__free().  Lock held. */
static const char *intern(struct pgt_names *n, const char *s)
{
	uint64_t h = pgt_hash_bytes(s, strlen(s));
	long i = pgt_hindex__find(&n->by_str, h, eq_str, n, s);
	const char *p;

	if (i >= 0)
		return n->istr[i];
	if (grow(&n->istr, &n->cap_istr, n->nistr + 1, sizeof(*n->istr)))
		return NULL;
	p = arena_str(n, s, strlen(s));
	if (!p || pgt_hindex__put(&n->by_str, h, (uint32_t)n->nistr))
		return NULL;
	n->istr[n->nistr++] = p;
	return p;
}

struct pgt_names *pgt_names__new(void)
{
	struct pgt_names *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	pthread_mutex_init(&n->lock, NULL);
	pthread_mutex_init(&n->drain_lock, NULL);
	pthread_mutex_init(&n->ctl_lock, NULL);
	n->ignore_pid = (int)getpid();
	return n;
}

void pgt_names__free(struct pgt_names *n)
{
	if (!n)
		return;
	pgt_names__watch_stop(n);
	while (n->arena) {
		struct chunk *c = n->arena;

		n->arena = c->next;
		free(c);
	}
	free(n->ent);
	free(n->istr);
	free(n->q);
	free(n->dq);
	pgt_hindex__release(&n->by_key);
	pgt_hindex__release(&n->by_path);
	pgt_hindex__release(&n->by_str);
	pthread_mutex_destroy(&n->lock);
	pthread_mutex_destroy(&n->drain_lock);
	pthread_mutex_destroy(&n->ctl_lock);
	free(n);
}

void pgt_names__ignore_pid(struct pgt_names *n, pid_t pid)
{
	__atomic_store_n(&n->ignore_pid, (int)pid, __ATOMIC_RELAXED);
}

const char *pgt_names__lookup(struct pgt_names *n, uint64_t dev, uint64_t ino, int *src)
{
	const char *p = NULL;
	long i;

	pthread_mutex_lock(&n->lock);
	i = ent_find(n, dev, ino);
	if (i >= 0) {
		p = n->ent[i].path;
		if (src)
			*src = n->ent[i].src;
	} else if (src) {
		*src = PGT_NAME_NONE;
	}
	pthread_mutex_unlock(&n->lock);
	return p;
}

int pgt_names__drain(struct pgt_names *n, int (*cb)(const struct pgt_name_event *ev, void *ctx),
		     void *ctx)
{
	struct pgt_name_event *t;
	size_t tc, i;
	int err = 0;

	pthread_mutex_lock(&n->drain_lock);
	pthread_mutex_lock(&n->lock);
	t = n->q;
	n->q = n->dq;
	n->dq = t;
	tc = n->cap_q;
	n->cap_q = n->cap_dq;
	n->cap_dq = tc;
	n->ndq = n->nq;
	n->nq = 0;
	pthread_mutex_unlock(&n->lock);

	for (i = 0; i < n->ndq; i++) {
		err = cb(&n->dq[i], ctx);
		if (err < 0)
			break;
	}
	if (err < 0 && i + 1 < n->ndq) {
		/* the events after the failing one go back to the front */
		size_t rest = n->ndq - i - 1;

		pthread_mutex_lock(&n->lock);
		if (!grow(&n->q, &n->cap_q, n->nq + rest, sizeof(*n->q))) {
			memmove(n->q + rest, n->q, n->nq * sizeof(*n->q));
			memcpy(n->q, n->dq + i + 1, rest * sizeof(*n->q));
			n->nq += rest;
		}
		pthread_mutex_unlock(&n->lock);
	}
	n->ndq = 0;
	pthread_mutex_unlock(&n->drain_lock);
	return err < 0 ? err : (int)i;
}

void pgt_names__watch_stats(struct pgt_names *n, uint64_t *events, uint64_t *unresolved,
			    uint64_t *overflows)
{
	pthread_mutex_lock(&n->lock);
	if (events)
		*events = n->events;
	if (unresolved)
		*unresolved = n->unresolved;
	if (overflows)
		*overflows = n->overflows;
	pthread_mutex_unlock(&n->lock);
}

/* ------------------------------------------------------------------ */
/* /proc: the state dump */

static void strip_deleted(char *s, size_t *len, int *gone)
{
	size_t sl = sizeof(DELETED_SUFFIX) - 1;

	*gone = 0;
	if (*len > sl && !memcmp(s + *len - sl, DELETED_SUFFIX, sl)) {
		*len -= sl;
		s[*len] = 0;
		*gone = 1;
	}
}

/* readlink under the kernel root into @buf; "" on failure. */
static void proc_link(char *buf, size_t size, const char *fmt, int pid)
{
	char path[4200];
	ssize_t len;

	pgt_kpath(path, sizeof(path), fmt, pid);
	len = readlink(path, buf, size - 1);
	if (len < 0 || (size_t)len >= size - 1)
		len = 0;
	buf[len] = 0;
}

static uint32_t status_u32(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, kl) && p[kl] == ':') {
			char *end;
			unsigned long v = strtoul(p + kl + 1, &end, 10);

			return end == p + kl + 1 ? 0 : (uint32_t)v;
		}
	}
	return 0;
}

/* The cgroup v2 path of @pid, the "0::PATH" line of /proc/PID/cgroup,
 * into @buf; "" when there is none (no cgroup2 hierarchy) or it cannot
 * be read.  The path is relative to the hierarchy's root as our cgroup
 * namespace sees it, which is what -G compares with. */
static void proc_cgroup(char *buf, size_t size, int pid)
{
	char path[64], *text = NULL;
	const char *p;
	size_t len;

	buf[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	if (pgt_kread_file(path, &text) < 0)
		return;
	p = !strncmp(text, "0::", 3) ? text : strstr(text, "\n0::");
	if (p) {
		p += *p == '\n' ? 4 : 3;
		len = strcspn(p, "\n");
		if (len < size) {
			memcpy(buf, p, len);
			buf[len] = 0;
		}
	}
	free(text);
}

/* Status, cwd, exe and cgroup of @pid into @p, the strings interned. */
static int read_proc(struct pgt_names *n, int pid, uint64_t ts, struct pgt_process *p)
{
	char path[64], comm[64] = "", cwd[PATH_MAX], exe[PATH_MAX], cgroup[PATH_MAX], *text, *s;
	struct stat st;
	int have_exe;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	len = pgt_kread_file(path, &text);
	if (len < 0)
		return len == -ENOENT ? -ESRCH : (int)len;
	s = strstr(text, "Name:");
	if (s == text || (s && s[-1] == '\n')) {
		size_t cl;

		s += 5;
		while (*s == '\t' || *s == ' ')
			s++;
		cl = strcspn(s, "\n");
		snprintf(comm, sizeof(comm), "%.*s", (int)(cl < 63 ? cl : 63), s);
	}
	memset(p, 0, sizeof(*p));
	p->ts = ts;
	p->op = PGT_PROC_STATE;
	p->pid = (uint32_t)pid;
	p->tgid = status_u32(text, "Tgid");
	p->ppid = status_u32(text, "PPid");
	p->uid = status_u32(text, "Uid");
	p->gid = status_u32(text, "Gid");
	free(text);
	if (!p->tgid)
		p->tgid = (uint32_t)pid;
	proc_link(cwd, sizeof(cwd), "/proc/%d/cwd", pid);
	proc_link(exe, sizeof(exe), "/proc/%d/exe", pid);
	proc_cgroup(cgroup, sizeof(cgroup), pid);
	pgt_kpath(path, sizeof(path), "/proc/%d/exe", pid);
	have_exe = exe[0] == '/' && !stat(path, &st) && S_ISREG(st.st_mode);

	pthread_mutex_lock(&n->lock);
	p->comm = intern(n, comm);
	p->cwd = intern(n, cwd);
	p->exe = intern(n, exe);
	p->cgroup = intern(n, cgroup);
	if (have_exe) {
		size_t el = strlen(exe);
		int gone;

		strip_deleted(exe, &el, &gone);
		name_static(n, st.st_dev, st.st_ino, exe, el, PGT_NAME_PROC, gone, NULL);
	}
	pthread_mutex_unlock(&n->lock);
	return p->comm && p->cwd && p->exe && p->cgroup ? 0 : -ENOMEM;
}

int pgt_names__proc(struct pgt_names *n, pid_t pid, uint64_t ts, struct pgt_process *p)
{
	return read_proc(n, (int)pid, ts, p);
}

/* The files of /proc/PID/maps into the table, read by lib/kernel/proc.c's
 * parser (the one the task snapshot uses). */
static int scan_maps(struct pgt_names *n, int pid)
{
	struct pgt_vma *v = NULL;
	size_t nv = 0;
	int err = 0;

	/* a process gone or unreadable names nothing */
	if (pgt_proc__maps(pid, &v, &nv) < 0)
		return 0;
	pthread_mutex_lock(&n->lock);
	for (size_t i = 0; i < nv && err >= 0; i++) {
		char *name = v[i].path;
		size_t len;
		int gone;

		if (!v[i].ino || *name != '/')
			continue;
		len = strlen(name);
		strip_deleted(name, &len, &gone);
		err = name_static(n, makedev(v[i].dev_major, v[i].dev_minor), v[i].ino, name, len,
				  PGT_NAME_PROC, gone, NULL);
	}
	pthread_mutex_unlock(&n->lock);
	pgt_vmas__free(v, nv);
	return err < 0 ? err : 0;
}

/* The regular files open in /proc/PID/fd into the table. */
static int scan_fds(struct pgt_names *n, int pid)
{
	char dir[4200], link[4200 + 260], target[PATH_MAX];
	struct dirent *de;
	int err = 0;
	DIR *d;

	pgt_kpath(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (!d)
		return 0;
	while (err >= 0 && (de = readdir(d))) {
		struct stat st;
		ssize_t len;
		size_t tl;
		int gone;

		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0 || (size_t)len >= sizeof(target) - 1 || target[0] != '/')
			continue;
		target[len] = 0;
		if (stat(link, &st) || !S_ISREG(st.st_mode))
			continue;
		tl = (size_t)len;
		strip_deleted(target, &tl, &gone);
		pthread_mutex_lock(&n->lock);
		err = name_static(n, st.st_dev, st.st_ino, target, tl, PGT_NAME_PROC, gone, NULL);
		pthread_mutex_unlock(&n->lock);
	}
	closedir(d);
	return err < 0 ? err : 0;
}

int pgt_names__dump_proc(struct pgt_names *n, uint64_t ts,
			 int (*proc_cb)(const struct pgt_process *p, void *ctx), void *ctx)
{
	char dir[4200];
	struct dirent *de;
	int seen = 0, err = 0;
	DIR *d;

	d = opendir(pgt_kpath(dir, sizeof(dir), "/proc"));
	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		struct pgt_process p;
		char *end;
		long pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid > INT_MAX)
			continue;
		err = read_proc(n, (int)pid, ts, &p);
		if (err == -ENOMEM)
			break;
		if (err) {
			/* vanished or not ours to read */
			err = 0;
			continue;
		}
		if ((err = scan_maps(n, (int)pid)) || (err = scan_fds(n, (int)pid)))
			break;
		seen++;
		if (proc_cb && (err = proc_cb(&p, ctx)) > 0)
			err = 0;
	}
	closedir(d);
	return err < 0 ? err : seen;
}

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
	strip_deleted(buf, &l, gone);
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
		r = name_unlink(n, ts, 1, dev, ino, (const char *)w->path.data);
	else
		r = name_live(n, ts, dev, ino, (const char *)w->path.data) ? -1 : 1;
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
	r = name_unlink(n, ts, exact, dev, ino, (const char *)w->path.data);
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
		i = path_find(n, have_key == 2 ? (const char *)w->path2.data : w->moved_from);
		if (i >= 0) {
			dev = n->ent[i].dev;
			ino = n->ent[i].ino;
		}
	}
	if (have_key == 1 || i >= 0)
		err = name_live(n, ts, dev, ino, (const char *)w->path.data);
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
		err = name_live(n, ts, e->dev, e->ino, (const char *)w->scratch.data);
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

/* ------------------------------------------------------------------ */
/* The walk */

struct walk {
	struct pgt_names *n;
	const uint64_t (*keys)[2];
	uint8_t *found;
	struct pgt_hindex want;	/* ino -> key position, one device at a time */
	uint64_t dev, deadline, nfound;
	size_t left;		/* wanted inodes of this device not found yet */
	unsigned tick;
	int timeout;
	int (*cb)(const struct pgt_name_event *ev, void *ctx);
	void *ctx;
};

static int eq_ino(const void *ctx, uint32_t pos, const void *key)
{
	const struct walk *wk = ctx;

	return wk->keys[pos][1] == *(const uint64_t *)key;
}

static int walk_expired(struct walk *wk)
{
	if (!wk->timeout && wk->deadline && now_ns() >= wk->deadline)
		wk->timeout = 1;
	return wk->timeout;
}

/* Entry @name of directory @dir (fd @dfd) has a wanted inode number:
 * check it really is that (dev, ino) and name it. */
static int walk_hit(struct walk *wk, int dfd, const char *dir, const char *name, long k)
{
	struct pgt_name_event ev;
	struct stat st;
	char *path;
	int r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) || st.st_dev != wk->dev ||
	    st.st_ino != wk->keys[k][1])
		return 0;
	if (asprintf(&path, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name) < 0)
		return -ENOMEM;
	memset(&ev, 0, sizeof(ev));
	pthread_mutex_lock(&wk->n->lock);
	r = name_static(wk->n, wk->dev, st.st_ino, path, strlen(path), PGT_NAME_WALK, 0, &ev.path);
	pthread_mutex_unlock(&wk->n->lock);
	free(path);
	if (r < 0)
		return r;
	wk->found[k] = 1;
	wk->left--;
	wk->nfound++;
	ev.ts = now_ns();
	ev.dev = wk->dev;
	ev.ino = st.st_ino;
	ev.op = PGT_OBJ_DEFINE;
	ev.src = PGT_NAME_WALK;
	r = wk->cb ? wk->cb(&ev, wk->ctx) : 0;
	return r < 0 ? r : 0;
}

/* Breadth first from @top, so shallow files are found first and a
 * deep tree cannot hold the budget; stays on device wk->dev. */
static int walk_tree(struct walk *wk, const char *top)
{
	struct pgt_buf q = { 0 }, cur = { 0 };
	size_t head = 0;
	int err = pgt_buf__append(&q, top, strlen(top) + 1);

	while (!err && head < q.len && wk->left && !walk_expired(wk)) {
		struct dirent *de;
		struct stat st;
		size_t l = strlen((const char *)q.data + head) + 1;
		const char *dir;
		int dfd;
		DIR *d;

		cur.len = 0;
		if ((err = pgt_buf__append(&cur, q.data + head, l)))
			break;
		head += l;
		if (head > (1u << 20) && head * 2 > q.len) {
			memmove(q.data, q.data + head, q.len - head);
			q.len -= head;
			head = 0;
		}
		dir = (const char *)cur.data;
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0)
			continue;
		if (fstat(dfd, &st) || st.st_dev != wk->dev) {
			close(dfd);
			continue;
		}
		d = fdopendir(dfd);
		if (!d) {
			close(dfd);
			continue;
		}
		while (!err && wk->left && (de = readdir(d))) {
			const char *nm = de->d_name;
			uint64_t ino = de->d_ino;
			int isdir = de->d_type == DT_DIR;
			long k;

			if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2])))
				continue;
			if (++wk->tick % WALK_CHECK_EVERY == 0 && walk_expired(wk))
				break;
			k = pgt_hindex__find(&wk->want, u64map_hash(ino), eq_ino, wk, &ino);
			if (k >= 0 && !wk->found[k])
				err = walk_hit(wk, dirfd(d), dir, nm, k);
			if (de->d_type == DT_UNKNOWN) {
				struct stat es;

				isdir = !fstatat(dirfd(d), nm, &es, AT_SYMLINK_NOFOLLOW) &&
					S_ISDIR(es.st_mode);
			}
			if (isdir && !err) {
				size_t dl = strlen(dir);

				if (!(err = pgt_buf__append(&q, dir, dl)) &&
				    !(err = (dl == 1 && dir[0] == '/') ? 0 : pgt_buf__append(&q, "/", 1)))
					err = pgt_buf__append(&q, nm, strlen(nm) + 1);
			}
		}
		closedir(d);
	}
	pgt_buf__release(&q);
	pgt_buf__release(&cur);
	return err;
}

static int cmp_key_dev(const void *a, const void *b, void *arg)
{
	const uint64_t (*keys)[2] = arg;
	uint64_t da = keys[*(const size_t *)a][0], db = keys[*(const size_t *)b][0];

	return da < db ? -1 : da > db;
}

ssize_t pgt_names__walk(struct pgt_names *n, const uint64_t (*keys)[2], size_t nkeys,
			uint64_t budget_ns, int (*cb)(const struct pgt_name_event *ev, void *ctx),
			void *ctx)
{
	struct walk wk = { .n = n, .keys = keys, .cb = cb, .ctx = ctx };
	struct pgt_mountinfo *mi = NULL;
	size_t *order = NULL, nord = 0, nmi = 0, i, j;
	char *text = NULL;
	int err = 0;

	if (!nkeys)
		return 0;
	wk.deadline = budget_ns ? now_ns() + budget_ns : 0;
	wk.found = calloc(nkeys, 1);
	order = malloc(nkeys * sizeof(*order));
	if (!wk.found || !order) {
		err = -ENOMEM;
		goto out;
	}
	/* only the keys still unnamed */
	pthread_mutex_lock(&n->lock);
	for (i = 0; i < nkeys; i++)
		if (ent_find(n, keys[i][0], keys[i][1]) < 0)
			order[nord++] = i;
	pthread_mutex_unlock(&n->lock);
	if (!nord)
		goto out;
	qsort_r(order, nord, sizeof(*order), cmp_key_dev, (void *)keys);
	if ((err = pgt_mountinfo__read(&text, &mi, &nmi)))
		goto out;

	for (i = 0; i < nord && !err && !walk_expired(&wk); i = j) {
		unsigned maj = major(keys[order[i]][0]), min = minor(keys[order[i]][0]);
		int whole = 0;

		wk.dev = keys[order[i]][0];
		pgt_hindex__clear(&wk.want);
		wk.left = 0;
		for (j = i; j < nord && keys[order[j]][0] == wk.dev; j++) {
			uint64_t ino = keys[order[j]][1];

			if (pgt_hindex__find(&wk.want, u64map_hash(ino), eq_ino, &wk, &ino) >= 0)
				continue;
			if ((err = pgt_hindex__put(&wk.want, u64map_hash(ino), (uint32_t)order[j])))
				goto out;
			wk.left++;
		}
		/* a mount of the whole filesystem if there is one, else every
		 * mount of a part of it */
		for (size_t m = 0; m < nmi; m++)
			if (mi[m].maj == maj && mi[m].min == min && !strcmp(mi[m].root, "/"))
				whole = 1;
		for (size_t m = 0; m < nmi && !err && wk.left && !walk_expired(&wk); m++) {
			if (mi[m].maj != maj || mi[m].min != min || (whole && strcmp(mi[m].root, "/")))
				continue;
			err = walk_tree(&wk, mi[m].mnt);
			if (whole)
				break;
		}
	}
out:
	pgt_hindex__release(&wk.want);
	free(wk.found);
	free(order);
	free(mi);
	free(text);
	return err ? err : (ssize_t)wk.nfound;
}
