// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ring.c - the recorder's output: one trace, or with --keep a ring of
 * chunk files in OUT.chunks/ assembled into OUT at the end; the objects
 * a kept window defines and forgets; the batch of events handed to the
 * writer.
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

/* ---- output: one trace, or a ring of chunk files ---- */

/*
 * --keep works in OUT.chunks/ and OUT.partial next to OUT.  A recorder
 * running as root must not be led elsewhere by names planted there: the
 * directory is made fresh (an existing one is refused), every file is
 * created with O_EXCL | O_NOFOLLOW, and everything is done relative to
 * descriptors of OUT's directory and of OUT.chunks, so that a path
 * swapped while recording cannot redirect a write or an unlink.
 */

/* Say which working file an error concerns: OUT.chunks/NAME, OUT.partial. */
void pgt_rec_set_path(struct rec *r, const char *suffix, const char *name, int exists)
{
	snprintf(r->st->path, sizeof(r->st->path), "%s%s%s%s", r->o->output, suffix, name ? "/" : "",
		 name ? name : "");
	r->st->path_exists = exists;
}

static int out_open_dir(struct rec *r)
{
	const char *out = r->o->output, *slash = strrchr(out, '/');
	char *dir = slash ? strndup(out, slash == out ? 1 : (size_t)(slash - out)) : strdup(".");

	r->out_base = strdup(slash ? slash + 1 : out);
	if (!dir || !r->out_base) {
		free(dir);
		return -ENOMEM;
	}
	r->out_dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	return r->out_dirfd < 0 ? -errno : 0;
}

int pgt_rec_ring_open_dir(struct rec *r)
{
	char name[4200];
	struct stat sb;
	int err;

	if ((err = out_open_dir(r)))
		return err;
	snprintf(name, sizeof(name), "%s.partial", r->out_base);
	if (fstatat(r->out_dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		pgt_rec_set_path(r, ".partial", NULL, 1);
		return -EEXIST;
	}
	snprintf(name, sizeof(name), "%s.chunks", r->out_base);
	if (mkdirat(r->out_dirfd, name, 0700) < 0) {
		err = -errno;
		pgt_rec_set_path(r, ".chunks", NULL, err == -EEXIST);
		return err;
	}
	r->ring_dirfd = openat(r->out_dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r->ring_dirfd < 0 || fstat(r->ring_dirfd, &sb) < 0 || sb.st_uid != geteuid()) {
		/* replaced between mkdir and open: not ours */
		err = r->ring_dirfd < 0 ? -errno : -EEXIST;
		pgt_rec_set_path(r, ".chunks", NULL, 1);
		return err;
	}
	r->ring_made = 1;
	return 0;
}

int pgt_rec_open_writer(struct rec *r, int fd, const char *path, int force)
{
	struct pgt_writer_opts wo = { .sz = sizeof(wo), .force = force, .zlevel = r->o->zlevel,
				      .header = &r->hdr };
	int err = 0;

	if (fd >= 0)
		r->w = pgt_writer__fdopen(fd, &wo, &err);
	else if (r->o->open_output)
		r->w = r->o->open_output(&wo, r->o->open_output_ctx, &err);
	else
		r->w = pgt_writer__open(path, &wo, &err);
	if (!r->w)
		return err ? err : -EIO;
	/* a new chunk starts with the processes alive and the rest known so
	 * far, except loss and level records, which belong to the chunk they
	 * happened in, and objects: each is defined again in a chunk at its
	 * first event there (keep_define), so that a chunk holds the files
	 * it uses, not every file still known */
	err = pgt_writer__copy_meta_types(r->w, r->meta, r->keep ? PGT_META_PROCESSES | PGT_META_INFO |
					  PGT_META_FORMATS : PGT_META_ALL);
	if (!err && r->keep) {
		const struct pgt_object *phys = pgt_meta__object(r->meta, OBJ_PHYS);

		if (phys)
			err = pgt_writer__add_object(r->w, phys);
	}
	return err;
}

static int keep_forget(struct rec *r);

int pgt_rec_ring_new_chunk(struct rec *r)
{
	char name[64];
	struct chunk *c;
	int err, fd;

	/* each chunk starts with the processes and objects still alive:
	 * those gone are in the chunks that saw them */
	if (r->nchunks && (err = keep_forget(r)))
		return err;
	snprintf(name, sizeof(name), "chunk-%06llu.pgt", (unsigned long long)r->ring_seq++);
	c = realloc(r->chunks, (r->nchunks + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	r->chunks = c;
	c = &r->chunks[r->nchunks];
	memset(c, 0, sizeof(*c));
	c->path = strdup(name);
	if (!c->path)
		return -ENOMEM;
	r->nchunks++;
	fd = openat(r->ring_dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		pgt_rec_set_path(r, ".chunks", name, err == -EEXIST);
		return err;
	}
	err = pgt_rec_open_writer(r, fd, NULL, 0);
	c->first_ts = now_ns();	/* when the chunk began, events or not */
	if (!err)	/* each chunk says its level (level records stay in theirs) */
		err = pgt_writer__add_level(r->w, c->first_ts, (uint32_t)r->level);
	if (err)
		pgt_rec_set_path(r, ".chunks", name, 0);
	return err;
}

void pgt_rec_ring_drop(struct rec *r, struct chunk *c)
{
	unlinkat(r->ring_dirfd, c->path, 0);
}

void pgt_rec_ring_trim(struct rec *r)
{
	uint64_t total = 0;

	for (size_t i = 0; i + 1 < r->nchunks; i++)
		total += r->chunks[i].bytes;
	/* keep at least the asked amount in closed chunks plus the open one */
	while (r->nchunks > 1) {
		struct chunk *c = &r->chunks[0];
		int drop;

		if (r->o->keep_bytes)
			drop = total - c->bytes >= r->o->keep_bytes;
		else
			/* after the stop, the window ends at the stop: the
			 * final drain and the naming walk take their time */
			drop = r->chunks[1].first_ts + r->o->keep_ns <= (r->stop_ns ? r->stop_ns : now_ns());
		if (!drop)
			break;
		pgt_rec_ring_drop(r, c);
		free(c->path);
		total -= c->bytes;
		memmove(r->chunks, r->chunks + 1, (r->nchunks - 1) * sizeof(*c));
		r->nchunks--;
	}
}

int pgt_rec_ring_close_current(struct rec *r)
{
	struct chunk *c = &r->chunks[r->nchunks - 1];
	struct stat sb;
	int err;

	/* what happened since the last events (exits, loss) stays with them */
	err = pgt_writer__copy_meta(r->w, r->meta);
	c->bytes = pgt_writer__bytes(r->w);
	if (!err)
		err = pgt_writer__close(r->w);
	else
		pgt_writer__abort(r->w);
	r->w = NULL;
	if (err)
		pgt_rec_set_path(r, ".chunks", c->path, 0);
	c->bytes = c->bytes ? c->bytes : 1;
	if (fstatat(r->ring_dirfd, c->path, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		c->bytes = (uint64_t)sb.st_size;
	return err;
}

/* Join the kept chunks into the output (through OUT.partial, made new). */
int pgt_rec_ring_assemble(struct rec *r)
{
	struct pgt_writer_opts wo = { .sz = sizeof(wo), .zlevel = r->o->zlevel, .header = &r->hdr };
	struct pgt_writer *w;
	char tmp[4200];
	int err = 0, fd;

	/* the window ends where recording stopped (or now, while it runs) */
	uint64_t since = r->stop_ns ? r->stop_ns : now_ns();

	snprintf(tmp, sizeof(tmp), "%s.partial", r->out_base);
	fd = openat(r->out_dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		pgt_rec_set_path(r, ".partial", NULL, err == -EEXIST);
		return err;
	}
	w = pgt_writer__fdopen(fd, &wo, &err);
	if (!w) {
		unlinkat(r->out_dirfd, tmp, 0);
		pgt_rec_set_path(r, ".partial", NULL, 0);
		r->st->path_removed = 1;
		return err;
	}
	r->st->kept_events = 0;
	for (size_t i = 0; i < r->nchunks && !err; i++) {
		int cfd = openat(r->ring_dirfd, r->chunks[i].path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		struct pgt_reader *rd = cfd >= 0 ? pgt_reader__fdopen(cfd, NULL, &err) : NULL;
		struct pgt_source *src;
		const struct pgt_event *evs;
		ssize_t n;

		if (cfd < 0)
			err = -errno;
		if (!rd) {
			pgt_rec_set_path(r, ".chunks", r->chunks[i].path, 0);
			break;
		}
		src = pgt_reader__source(rd);
		while ((n = pgt_source__batch(src, &evs)) > 0 && !err) {
			ssize_t skip = 0;

			/* duration mode: exactly the last keep_ns of events */
			while (r->o->keep_ns && skip < n && evs[skip].ts + r->o->keep_ns < since)
				skip++;
			err = pgt_writer__copy_meta(w, pgt_reader__meta(rd));
			if (!err && n > skip)
				err = pgt_writer__write(w, evs + skip, (size_t)(n - skip));
			r->st->kept_events += (uint64_t)(n - skip);
		}
		if (!err && n < 0)
			err = (int)n;
		if (!err)
			err = pgt_writer__copy_meta(w, pgt_reader__meta(rd));
		pgt_reader__free(rd);
	}
	if (err) {
		pgt_writer__abort(w);
		unlinkat(r->out_dirfd, tmp, 0);
		if (!r->st->path[0]) {
			pgt_rec_set_path(r, ".partial", NULL, 0);
			r->st->path_removed = 1;
		}
		return err;
	}
	err = pgt_writer__close(w);
	if (!err && renameat(r->out_dirfd, tmp, r->out_dirfd, r->out_base) < 0)
		err = -errno;
	if (err) {
		unlinkat(r->out_dirfd, tmp, 0);
		pgt_rec_set_path(r, ".partial", NULL, 0);
		r->st->path_removed = 1;
	}
	return err;
}

/*
 * --keep must be bounded in time as well as in bytes: at each new chunk
 * the recorder forgets the processes that exited and the address spaces
 * that ended (what it knew of them is in the chunks that saw them), and
 * the new chunk starts from the side tables of what is still alive.
 * Without this, every chunk repeated every process ever seen and the
 * recorder grew by each one.
 */
static int keep_compact(struct rec *r)
{
	size_t live = 0, cap = 1024, h;
	struct procent *np;
	struct objent *no;

	for (size_t i = 0; i < r->proc_cap; i++)
		live += r->procs[i].tid && !r->procs[i].dead;
	while ((live + 1) * 2 > cap)
		cap *= 2;
	np = calloc(cap, sizeof(*np));
	if (!np)
		return -ENOMEM;
	for (size_t i = 0; i < r->proc_cap; i++) {
		if (!r->procs[i].tid || r->procs[i].dead)
			continue;
		for (h = (r->procs[i].tid * 2654435761u) & (cap - 1); np[h].tid; h = (h + 1) & (cap - 1))
			;
		np[h] = r->procs[i];
	}
	free(r->procs);
	r->procs = np;
	r->proc_cap = cap;
	r->proc_used = live;

	live = 0;
	cap = 1024;
	for (size_t i = 0; i < r->obj_cap; i++)
		live += r->objs[i].id && !(r->objs[i].kdev == MM_KDEV && r->objs[i].stale) && !r->objs[i].forget;
	while ((live + 1) * 2 > cap)
		cap *= 2;
	no = calloc(cap, sizeof(*no));
	if (!no)
		return -ENOMEM;
	for (size_t i = 0; i < r->obj_cap; i++) {
		struct objent *o = &r->objs[i];

		if (!o->id || (o->kdev == MM_KDEV && o->stale) || o->forget)
			continue;
		for (h = (o->ino * 0x9E3779B97F4A7C15ull ^ o->kdev) & (cap - 1); no[h].id; h = (h + 1) & (cap - 1))
			;
		no[h] = *o;
	}
	free(r->objs);
	r->objs = no;
	r->obj_cap = cap;
	r->obj_used = live;
	return 0;
}

static int keep_forget(struct rec *r)
{
	struct pgt_meta *m = pgt_meta__new(), *old = r->meta;
	/* the chunk just closed began then: a deleted file with no event
	 * since is done with (one with an event later is defined anew, its
	 * last path still known to the name table) */
	uint64_t since = r->chunks[r->nchunks - 1].first_ts;
	int err = 0;

	if (!m)
		return -ENOMEM;
	for (uint32_t i = 0; i < pgt_meta__nr_info(old) && !err; i++) {
		const char *k, *v;

		if (!pgt_meta__info_at(old, i, &k, &v))
			err = pgt_meta__add_info(m, k, v);
	}
	for (size_t i = 0; i < NDESC && !err; i++)
		if (pgt_rec_descs[i].present && pgt_rec_descs[i].format) {
			char rel[256];

			snprintf(rel, sizeof(rel), "%s/%s", pgt_rec_descs[i].sys, pgt_rec_descs[i].name);
			err = pgt_meta__add_format(m, rel, pgt_rec_descs[i].format);
		}
	for (uint32_t i = 0; i < pgt_meta__nr_objects(old) && !err; i++) {
		const struct pgt_object *ob = pgt_meta__object_at(old, i);
		struct pgt_object c;

		if (!ob)
			continue;
		if (ob->kind == PGT_OBJ_MM) {
			struct objent *o = pgt_rec_obj_slot(r, MM_KDEV, ob->ino);

			if (!o)
				err = -ENOMEM;
			if (!o || o->id != ob->id || o->stale)
				continue;	/* that address space ended */
		} else if (ob->kind == PGT_OBJ_FILE && ob->unlink_ts && ob->unlink_ts < since) {
			uint32_t kdev = (uint32_t)(major(ob->dev) << 20 | minor(ob->dev));
			struct objent *o = pgt_rec_obj_slot(r, kdev, ob->ino);

			if (!o) {
				err = -ENOMEM;
				continue;
			}
			if (o->id != ob->id) {	/* its inode is another file's now */
				r->st->objects_forgotten++;
				continue;
			}
			if (o->last_ts < since) {
				o->forget = 1;
				r->st->objects_forgotten++;
				continue;
			}
		}
		c = *ob;
		c.op = PGT_OBJ_DEFINE;
		c.unlink_ts = 0;
		err = pgt_meta__add_object(m, &c);
		if (!err && ob->unlink_ts) {
			c.op = PGT_OBJ_UNLINK;
			c.ts = ob->unlink_ts;
			err = pgt_meta__add_object(m, &c);
		}
	}
	for (uint32_t i = 0; i < pgt_meta__nr_processes(old) && !err; i++) {
		const struct pgt_process *p = pgt_meta__process_at(old, i);

		if (p && p->op != PGT_PROC_EXIT)
			err = pgt_meta__add_process(m, p);
	}
	if (!err)
		err = keep_compact(r);
	if (err) {
		pgt_meta__free(m);
		return err;
	}
	r->meta = m;
	pgt_meta__free(old);
	return 0;
}

int pgt_rec_emit(struct rec *r)
{
	int err;

	/* a source hands the events over itself, the side tables in step */
	if (!r->nout || r->as_source)
		return 0;
	err = pgt_writer__copy_meta(r->w, r->meta);
	if (!err)
		err = pgt_writer__write(r->w, r->out, r->nout);
	if (err && r->keep && !r->st->path[0])
		pgt_rec_set_path(r, ".chunks", r->chunks[r->nchunks - 1].path, 0);
	if (!err && r->keep) {
		uint64_t bytes = pgt_writer__bytes(r->w);

		r->chunks[r->nchunks - 1].last_ts = r->last_ts;
		if ((r->o->keep_bytes && bytes >= r->o->keep_bytes / 4) ||
		    (r->o->keep_ns && now_ns() - r->chunks[r->nchunks - 1].first_ts >= r->o->keep_ns / 4)) {
			err = pgt_rec_ring_close_current(r);
			if (!err) {
				pgt_rec_ring_trim(r);
				err = pgt_rec_ring_new_chunk(r);
			}
		}
	}
	r->st->events += r->nout;
	r->nout = 0;
	return err;
}

int pgt_rec_out_push(struct rec *r, const struct pgt_event *ev)
{
	if (r->nout == r->cap_out) {
		size_t ncap = r->cap_out ? r->cap_out * 2 : 65536;
		struct pgt_event *n = realloc(r->out, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->out = n;
		r->cap_out = ncap;
	}
	r->out[r->nout++] = *ev;
	if (ev->ts > r->last_ts)
		r->last_ts = ev->ts;
	return 0;
}
