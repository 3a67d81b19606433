// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * resolve.c - the main thread's view of objects and processes: (dev,
 * inode) and address spaces to object ids with their sizes and names
 * (block devices named from sysfs and mountinfo), threads to processes
 * with the target filters (-p, -u, -G), fork/exec/exit, and the hooks
 * into the name table (names.h): its state dump, its events and the
 * final walk.
 */
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <tracefs.h>
#include <kbuffer.h>

#include "format/format.h"
#include "kernel/kernel.h"
#include "pgtrace/snap.h"
#include "names.h"
#include "record-int.h"

/* ---- objects and processes (main thread) ---- */

static uint64_t user_dev(uint32_t kdev)
{
	return makedev(kdev >> 20, kdev & 0xfffff);
}

struct objent *pgt_rec_obj_slot(struct rec *r, uint32_t kdev, uint64_t ino)
{
	size_t mask, h;

	if ((r->obj_used + 1) * 2 > r->obj_cap) {
		size_t ncap = r->obj_cap ? r->obj_cap * 2 : 1024;
		struct objent *n = calloc(ncap, sizeof(*n));

		if (!n)
			return NULL;
		for (size_t i = 0; i < r->obj_cap; i++) {
			struct objent *o = &r->objs[i];

			if (!o->id)
				continue;
			for (h = (o->ino * 0x9E3779B97F4A7C15ull ^ o->kdev) & (ncap - 1); n[h].id;
			     h = (h + 1) & (ncap - 1))
				;
			n[h] = *o;
		}
		free(r->objs);
		r->objs = n;
		r->obj_cap = ncap;
	}
	mask = r->obj_cap - 1;
	for (h = (ino * 0x9E3779B97F4A7C15ull ^ kdev) & mask;; h = (h + 1) & mask)
		if (!r->objs[h].id || (r->objs[h].ino == ino && r->objs[h].kdev == kdev))
			return &r->objs[h];
}

/*
 * A block device's own page cache (filesystem metadata read through the
 * buffer cache) belongs to an inode of the kernel's internal bdev
 * filesystem, an anonymous device (major 0), whose inode number is the
 * block device's number in the kernel's encoding (major << 20 | minor).
 * Return 1 and its name, "[blockdev 254:0 /dev/vda: ext4 on /]", when
 * (@kdev, @ino) is one: sysfs knows the device, mountinfo its filesystem.
 */
static int bdev_name(uint32_t kdev, uint64_t ino, char *buf, size_t size, uint64_t *bytes)
{
	unsigned maj = (unsigned)(ino >> 20), min = (unsigned)(ino & 0xfffff);
	char devname[64] = "", fs[64] = "", mnt[512] = "", *text = NULL;
	struct pgt_mountinfo *mi = NULL;
	const struct pgt_mountinfo *m;
	size_t nmi = 0;

	if (kdev >> 20 || ino >> 32)
		return 0;
	if (pgt_blockdev__info(maj, min, devname, sizeof(devname), bytes))
		return 0;
	if (!pgt_mountinfo__read(&text, &mi, &nmi) &&
	    (m = pgt_mountinfo__find_dev(mi, nmi, maj, min))) {
		snprintf(fs, sizeof(fs), "%s", m->fstype);
		snprintf(mnt, sizeof(mnt), "%s", m->mnt);
	}
	free(mi);
	free(text);
	snprintf(buf, size, "[blockdev %u:%u %s%s%s%s%s]", maj, min, devname, *fs ? ": " : "", fs,
		 *mnt ? " on " : "", mnt);
	return 1;
}

/* The size of file @o now, by its path: 1 with *@bytes, or 0. */
static int obj_stat(struct rec *r, struct objent *o, uint64_t *bytes)
{
	const struct pgt_object *cur = pgt_meta__object(r->meta, o->id);
	const char *path = NULL;
	struct stat st;
	int src;

	o->stat_ts = now_ns();
	if (r->names)
		path = pgt_names__lookup(r->names, user_dev(o->kdev), o->ino, &src);
	if (!path && cur && cur->path && cur->path[0] == '/')
		path = cur->path;
	if (!path || stat(path, &st) || st.st_ino != o->ino || st.st_dev != user_dev(o->kdev) ||
	    !S_ISREG(st.st_mode))
		return 0;
	*bytes = (uint64_t)st.st_size;
	return 1;
}

/* Stat @o again; a size that changed goes into the trace (op size). */
static int obj_restat(struct rec *r, struct objent *o, uint64_t ts)
{
	const struct pgt_object *cur;
	struct pgt_object ob;
	uint64_t bytes;

	if (o->stat_ts > ts || !obj_stat(r, o, &bytes) || (o->sized && bytes == o->size))
		return 0;
	o->size = bytes;
	o->sized = 1;
	cur = pgt_meta__object(r->meta, o->id);
	if (!cur)
		return 0;
	ob = *cur;
	ob.op = PGT_OBJ_SIZE;
	ob.ts = ts;
	ob.size = bytes;
	return pgt_meta__add_object(r->meta, &ob);
}

int pgt_rec_obj_of(struct rec *r, uint32_t kdev, uint64_t ino, uint32_t *id, struct objent **out)
{
	struct objent *o = pgt_rec_obj_slot(r, kdev, ino);
	struct pgt_object ob = { 0 };
	const char *path;
	char bdev[1024];
	int src = 0;

	if (!o)
		return -ENOMEM;
	*out = o;
	if (o->id) {
		*id = o->id;
		return 0;
	}
	o->kdev = kdev;
	o->ino = ino;
	o->id = r->next_obj++;
	o->chunk = r->ring_seq;
	r->obj_used++;
	ob.id = o->id;
	ob.kind = PGT_OBJ_FILE;
	ob.op = PGT_OBJ_DEFINE;
	ob.ts = now_ns();
	ob.dev = user_dev(kdev);
	ob.ino = ino;
	ob.size = PGT_SIZE_UNKNOWN;
	path = r->names ? pgt_names__lookup(r->names, ob.dev, ino, &src) : NULL;
	if (!path && bdev_name(kdev, ino, bdev, sizeof(bdev), &ob.size)) {
		path = bdev;
		src = PGT_NAME_SYNTH;
		o->sized = ob.size != PGT_SIZE_UNKNOWN;
		o->size = ob.size;
		o->stat_ts = UINT64_MAX;	/* sysfs said; no path to stat */
	}
	ob.path = path ? path : "";
	ob.name_src = path ? (uint16_t)src : PGT_NAME_NONE;
	o->named = path != NULL;
	*id = o->id;
	if (path && src != PGT_NAME_SYNTH) {
		/* the object must be in the table for obj_stat's fallback */
		o->stat_ts = now_ns();
		if (obj_stat(r, o, &o->size)) {
			o->sized = 1;
			ob.size = o->size;
		}
	}
	return pgt_meta__add_object(r->meta, &ob);
}

/*
 * A lookup covers the pages the read asked for (the kernel's range comes
 * from the request: 32 pages for a read of 128 KiB of a 1-byte file); cut
 * it to the pages that exist.  Return 1 to keep it (perhaps shortened),
 * 0 to drop it (no page of it exists), or a negative error.
 */
int pgt_rec_clamp_lookup(struct rec *r, struct objent *o, struct pgt_event *ev)
{
	uint64_t end = ev->index + ev->npages, ps = r->hdr.page_size, have;
	const struct pgt_object *cur;
	int err;

	if (end <= o->seen_pages)
		return 1;
	if ((!o->sized || end > (o->size + ps - 1) / ps) && (err = obj_restat(r, o, ev->ts)))
		return err;
	if (o->sized) {
		have = (o->size + ps - 1) / ps;
	} else if (o->seen_pages && (cur = pgt_meta__object(r->meta, o->id)) && cur->unlink_ts) {
		have = 0;	/* deleted, never stat'ed: its inserted pages bound it */
	} else {
		r->st->lookups_unsized++;
		return 1;
	}
	if (have < o->seen_pages)
		have = o->seen_pages;
	if (ev->index >= have) {
		r->st->lookups_dropped++;
		return 0;
	}
	if (end > have) {
		r->st->lookups_clamped++;
		ev->npages = (uint32_t)(have - ev->index);
	}
	return 1;
}

/* The address space of process @tgid: one object from its exec (or first
 * fault) to its next exec or its exit; threads share it. */
int pgt_rec_mm_of(struct rec *r, uint32_t tgid, uint64_t ts, uint32_t *id)
{
	struct objent *o = pgt_rec_obj_slot(r, MM_KDEV, tgid);
	const struct pgt_process *p;
	struct pgt_object ob = { 0 };
	char path[64];

	if (!o)
		return -ENOMEM;
	if (o->id && !o->stale) {
		*id = o->id;
		return 0;
	}
	if (!o->id)
		r->obj_used++;
	o->kdev = MM_KDEV;
	o->ino = tgid;
	o->stale = 0;
	o->named = 1;
	o->id = r->next_obj++;
	o->chunk = r->ring_seq;
	p = pgt_meta__process(r->meta, tgid);
	snprintf(path, sizeof(path), "[mm %u %s]", tgid, p && p->comm ? p->comm : "");
	ob.id = o->id;
	ob.kind = PGT_OBJ_MM;
	ob.op = PGT_OBJ_DEFINE;
	ob.ts = ts;
	ob.ino = tgid;
	ob.size = PGT_SIZE_UNKNOWN;
	ob.path = path;
	ob.name_src = PGT_NAME_SYNTH;
	*id = o->id;
	return pgt_meta__add_object(r->meta, &ob);
}

/* Process @tgid's address space ended: its next fault starts a new one. */
static int mm_end(struct rec *r, uint32_t tgid)
{
	struct objent *o = pgt_rec_obj_slot(r, MM_KDEV, tgid);

	if (!o)
		return -ENOMEM;
	if (o->id && o->kdev == MM_KDEV && o->ino == tgid)
		o->stale = 1;
	return 0;
}

struct procent *pgt_rec_proc_slot(struct rec *r, uint32_t tid)
{
	size_t mask, h;

	if ((r->proc_used + 1) * 2 > r->proc_cap) {
		size_t ncap = r->proc_cap ? r->proc_cap * 2 : 1024;
		struct procent *n = calloc(ncap, sizeof(*n));

		if (!n)
			return NULL;
		for (size_t i = 0; i < r->proc_cap; i++) {
			if (!r->procs[i].tid)
				continue;
			for (h = (r->procs[i].tid * 2654435761u) & (ncap - 1); n[h].tid; h = (h + 1) & (ncap - 1))
				;
			n[h] = r->procs[i];
		}
		free(r->procs);
		r->procs = n;
		r->proc_cap = ncap;
	}
	mask = r->proc_cap - 1;
	for (h = (tid * 2654435761u) & mask;; h = (h + 1) & mask)
		if (!r->procs[h].tid || r->procs[h].tid == tid)
			return &r->procs[h];
}

/* Does process @p, as names read it from /proc, belong to the -u / -G
 * targets?  Its cgroup is relative to the cgroup2 root, like o->cgroup,
 * and is in the target when it is that cgroup or one below it. */
int pgt_rec_passes_filters(struct rec *r, const struct pgt_process *p)
{
	if (r->o->have_uid && p->uid != r->o->uid)
		return 0;
	if (r->o->cgroup) {
		const char *want = r->o->cgroup;
		size_t wl = strcmp(want, "/") ? strlen(want) : 0;

		return p->cgroup[0] == '/' && !strncmp(p->cgroup, want, wl) &&
		       (p->cgroup[wl] == 0 || p->cgroup[wl] == '/');
	}
	return 1;
}

/* Resolve a tid: its process, recorded once; 0 when filtered out. */
int pgt_rec_proc_of(struct rec *r, uint32_t tid, uint64_t ts, uint32_t *tgid)
{
	struct procent *pe;
	struct pgt_process p;
	int err;

	if (!tid) {
		*tgid = 0;
		return 1;	/* the kernel itself: idle or kernel threads */
	}
	pe = pgt_rec_proc_slot(r, tid);
	if (!pe)
		return -ENOMEM;
	if (pe->tid) {
		*tgid = pe->tgid;
		return pe->state == 1;
	}
	pe->tid = tid;
	r->proc_used++;
	pe->tgid = tid;
	pe->state = 1;
	err = r->names ? pgt_names__proc(r->names, (pid_t)tid, ts, &p) : -ESRCH;
	if (!err) {
		pe->tgid = p.tgid ? p.tgid : tid;
		if (!pgt_rec_passes_filters(r, &p))
			pe->state = 2;
		if (pe->tgid == tid && pe->state == 1 && !pgt_meta__process(r->meta, tid)) {
			if (pgt_meta__add_process(r->meta, &p))
				return -ENOMEM;
		}
	} else if (r->o->have_uid || r->o->cgroup) {
		pe->state = 2;	/* gone before we could tell: not ours */
	}
	if (pe->tgid == (uint32_t)getpid())
		pe->state = 2;	/* our own reads and writes */
	*tgid = pe->tgid;
	return pe->state == 1;
}

/* The cgroup of the process of thread @tid as the trace knows it, or "":
 * a child gone before its /proc was read was forked into it. */
static const char *parent_cgroup(struct rec *r, uint32_t tid)
{
	struct procent *pe = pgt_rec_proc_slot(r, tid);
	const struct pgt_process *p = pgt_meta__process(r->meta, pe && pe->tid ? pe->tgid : tid);

	return p ? p->cgroup : "";
}

int pgt_rec_handle_proc_event(struct rec *r, struct rev *e)
{
	struct pgt_process p = { .ts = e->ev.ts };
	struct pgt_process q;
	int err = 0;

	if (!e->verdict && r->judge && e->kind == K_FORK) {
		/* gone before it could be judged: a child keeps its
		 * parent's user and cgroup until it changes them */
		struct procent *parent = pgt_rec_proc_slot(r, e->a);

		if (!parent)
			return -ENOMEM;
		if (parent->tid && parent->state) {
			e->verdict = (uint8_t)parent->state;
			e->tgid = e->b;
		}
	}
	if (e->verdict) {
		/* the verdict of the moment: an exec may change the user */
		uint32_t pid = e->kind == K_FORK ? e->b : e->a;
		struct procent *pe = pgt_rec_proc_slot(r, pid);

		if (!pe)
			return -ENOMEM;
		if (!pe->tid)
			r->proc_used++;
		pe->tid = pid;
		pe->tgid = e->tgid;
		pe->state = e->verdict;
	}

	switch (e->kind) {
	case K_FORK:
		/* the child: tid known from the event; tgid unknown yet */
		p.pid = p.tgid = e->b;
		p.ppid = e->a;
		p.op = PGT_PROC_FORK;
		p.comm = e->str ? e->str : "";
		p.cgroup = parent_cgroup(r, e->a);
		if (r->names && pgt_names__proc(r->names, (pid_t)e->b, e->ev.ts, &q) == 0) {
			if (q.tgid != e->b)
				break;	/* a new thread, not a process */
			q.op = PGT_PROC_FORK;
			q.ts = e->ev.ts;
			err = pgt_meta__add_process(r->meta, &q);
		} else {
			err = pgt_meta__add_process(r->meta, &p);
		}
		break;
	case K_EXEC:
		if (r->cmd_pid > 0 && e->a == (uint32_t)r->cmd_pid)
			r->child_execed = 1;
		if ((err = mm_end(r, e->a)))
			break;
		p.pid = p.tgid = e->a;
		p.op = PGT_PROC_EXEC;
		p.exe = e->str ? e->str : "";
		if (r->names && pgt_names__proc(r->names, (pid_t)e->a, e->ev.ts, &q) == 0) {
			q.op = PGT_PROC_EXEC;
			q.ts = e->ev.ts;
			if (e->str)
				q.exe = e->str;
			err = pgt_meta__add_process(r->meta, &q);
		} else {
			/* gone already: the kernel's comm is the file's base name */
			const char *base = e->str ? strrchr(e->str, '/') : NULL;
			char comm[16];

			snprintf(comm, sizeof(comm), "%s", base ? base + 1 : e->str ? e->str : "");
			p.comm = comm;
			err = pgt_meta__add_process(r->meta, &p);
		}
		break;
	case K_EXIT: {
		struct procent *pe = r->keep ? pgt_rec_proc_slot(r, e->a) : NULL;

		if (pe && pe->tid == e->a)
			pe->dead = 1;
		if (!e->b)
			break;	/* a thread ended, not the process */
		if ((err = mm_end(r, e->a)))
			break;
		p.pid = p.tgid = e->a;
		p.op = PGT_PROC_EXIT;
		if (pgt_meta__process(r->meta, e->a))
			err = pgt_meta__add_process(r->meta, &p);
		break;
	}
	}
	free(e->str);
	e->str = NULL;
	return err;
}

/* A task was created by thread ev.tid: a thread (CLONE_THREAD) is of its
 * creator's process from now on, whatever /proc says later. */
int pgt_rec_handle_newtask(struct rec *r, struct rev *e)
{
	struct procent *pe;
	uint32_t tgid;
	int pass;

	if (!(e->ev.aux & 0x00010000ull) || !e->ev.tid)	/* CLONE_THREAD */
		return 0;
	pass = pgt_rec_proc_of(r, e->ev.tid, e->ev.ts, &tgid);
	if (pass < 0)
		return pass;
	pe = pgt_rec_proc_slot(r, e->a);
	if (!pe)
		return -ENOMEM;
	if (!pe->tid)
		r->proc_used++;
	pe->tid = e->a;
	pe->tgid = tgid;
	pe->state = pass ? 1 : 2;
	return 0;
}

/* ---- names ---- */

int pgt_rec_name_cb(const struct pgt_name_event *ne, void *ctx)
{
	struct rec *r = ctx;
	uint32_t kdev = (uint32_t)(major(ne->dev) << 20 | minor(ne->dev));
	struct objent *o = pgt_rec_obj_slot(r, kdev, ne->ino);
	struct pgt_object ob = { 0 };

	if (!o)
		return -ENOMEM;
	if (!o->id)
		return 0;	/* not seen in the trace (yet): the table keeps the name */
	if (o->named && ne->op == PGT_OBJ_DEFINE) {
		/* the same name again, or a name for a reused inode number:
		 * only a different path is news */
		const struct pgt_object *cur = pgt_meta__object(r->meta, o->id);

		if (cur && cur->path && !strcmp(cur->path, ne->path))
			return 0;
	}
	ob.id = o->id;
	ob.kind = PGT_OBJ_FILE;
	ob.op = ne->op == PGT_OBJ_UNLINK ? PGT_OBJ_UNLINK : PGT_OBJ_RENAME;
	ob.name_src = (uint16_t)ne->src;
	ob.ts = ne->ts;
	ob.dev = ne->dev;
	ob.ino = ne->ino;
	ob.path = ne->path;
	o->named = 1;
	return pgt_meta__add_object(r->meta, &ob);
}

int pgt_rec_proc_cb(const struct pgt_process *p, void *ctx)
{
	struct rec *r = ctx;

	return pgt_meta__add_process(r->meta, p);
}

/* Name what is still unnamed by walking its filesystems. */
void pgt_rec_final_walk(struct rec *r)
{
	uint64_t (*keys)[2] = NULL;
	size_t n = 0;

	if (!r->names)
		return;
	keys = calloc(r->obj_used ? r->obj_used : 1, sizeof(*keys));
	if (!keys)
		return;
	for (size_t i = 0; i < r->obj_cap; i++) {
		struct objent *o = &r->objs[i];

		if (o->id && !o->named) {
			/* a late lookup first: fanotify may have named it */
			int src;
			const char *path = pgt_names__lookup(r->names, user_dev(o->kdev), o->ino, &src);

			if (path) {
				struct pgt_name_event ne = { now_ns(), user_dev(o->kdev), o->ino, PGT_OBJ_DEFINE,
							     src, path };

				o->named = 0;
				ne.op = PGT_OBJ_RENAME;
				pgt_rec_name_cb(&ne, r);
				continue;
			}
			keys[n][0] = user_dev(o->kdev);
			keys[n][1] = o->ino;
			n++;
		}
	}
	if (n)
		pgt_names__walk(r->names, (const uint64_t (*)[2])keys, n, 5000000000ull, pgt_rec_name_cb, r);
	free(keys);
}

void pgt_rec_count_names(struct rec *r)
{
	for (uint32_t i = 0; i < pgt_meta__nr_objects(r->meta); i++) {
		const struct pgt_object *o = pgt_meta__object_at(r->meta, i);

		if (!o || o->kind != PGT_OBJ_FILE)
			continue;
		r->st->objects++;
		switch (o->name_src) {
		case PGT_NAME_PROC: r->st->named_proc++; break;
		case PGT_NAME_FANOTIFY: r->st->named_fanotify++; break;
		case PGT_NAME_WALK: r->st->named_walk++; break;
		default:
			if (!o->path || !*o->path)
				r->st->unnamed++;
		}
	}
	r->st->processes = pgt_meta__nr_processes(r->meta);
}
