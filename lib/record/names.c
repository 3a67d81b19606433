// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * names.c - (device, inode) to path for the recorder: the name table.
 * Its sources are names-proc.c (a state dump of /proc at start),
 * names-watch.c (fanotify while recording) and names-walk.c (a readdir
 * walk at the end).  See names.h.
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
#include "record/names-int.h"
#include "util/hindex.h"
#include "util/u64map.h"
#include "util/util.h"

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

long pgt_names_ent_find(struct pgt_names *n, uint64_t dev, uint64_t ino)
{
	uint64_t k[2] = { dev, ino };

	return pgt_hindex__find(&n->by_key, pgt_hash_key(dev, ino), eq_key, n, k);
}

long pgt_names_path_find(struct pgt_names *n, const char *path)
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

	if (pgt_names_path_find(n, p) >= 0)
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
int pgt_names_name_live(struct pgt_names *n, uint64_t ts, uint64_t dev, uint64_t ino,
			const char *path)
{
	long i = pgt_names_ent_find(n, dev, ino), o = pgt_names_path_find(n, path);
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
int pgt_names_name_unlink(struct pgt_names *n, uint64_t ts, int exact, uint64_t dev, uint64_t ino,
			  const char *path)
{
	long o = pgt_names_path_find(n, path), i;
	struct nent *e;
	struct stat st;
	int err;

	if (!exact) {
		if (o < 0)
			return 0;
		return (err = ent_unlink(n, ts, (size_t)o)) ? err : 1;
	}
	i = pgt_names_ent_find(n, dev, ino);
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
int pgt_names_name_static(struct pgt_names *n, uint64_t dev, uint64_t ino, const char *path,
			  size_t len, int src, int gone, const char **out)
{
	long i = pgt_names_ent_find(n, dev, ino);
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
const char *pgt_names_intern(struct pgt_names *n, const char *s)
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
	i = pgt_names_ent_find(n, dev, ino);
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
