// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Snapshots as sources: the frames, files or address space a snapshot
 * found, as SNAPSHOT_PAGE events with their side tables, so a program
 * wraps a snapshot with operators and sinks like any other stream.
 *
 * Guarantees, in the order a writer draining the source sees them:
 *  - every event carries the one timestamp taken when the source was
 *    made (a snapshot is one instant, as far as a trace can tell);
 *  - the side records are those pgtrace snap -o always wrote, in the
 *    same order: for frames the physical-memory object then the
 *    "snapshot" info; for a task its address-space object, its process,
 *    then the info; for files the info first, then one object per file
 *    (hard links once), added just before the batch holding that file's
 *    first event, and a batch never spans two files.  So a file's record
 *    lands before the first packet that may need it and no earlier: the
 *    traces are the bytes the CLI wrote event by event;
 *  - a run longer than an event can say (2^32 - 1 pages) is cut into
 *    events that follow each other.
 *
 * The walk itself runs in the constructor (the walkers return whole
 * results, and the file walk holds every file's extents until it ends
 * anyway); batches are cut from what it found into one buffer, reused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pgtrace/snap.h"
#include "util/opts.h"
#include "util/util.h"

#define SNAP_BATCH 4096

enum { SNAP_PFN = 1, SNAP_TASK, SNAP_FILES };

/* A run to emit: pages from @index, frames from @pfn (or none). */
struct snap_run {
	uint64_t index, npages, pfn, aux;
};

struct snap_file {
	char *path;
	uint64_t dev, ino, size;
	size_t first, nruns;	/* into runs */
};

struct snap_source {
	struct pgt_source src;
	int kind;
	uint64_t ts;
	uint32_t pid;			/* of the events (task) */
	struct pgt_event *evs;
	/* what is left to emit */
	struct snap_run *runs;
	size_t nruns, capruns;
	size_t run;			/* next run */
	uint64_t done;			/* pages of runs[run] already emitted */
	/* files: objects are added as their batches come */
	struct snap_file *files;
	size_t nfiles, capfiles;
	size_t file;			/* next file whose object is not added */
	size_t file_end;		/* runs of the current file end here */
	int err;			/* sticky, returned after the events */
	/* results the caller may read */
	struct pgt_pfn_result *pfn;
	struct pgt_task_info *task;
	/* the caller's observers of the file walk */
	pgt_file_cb cb;
	pgt_walk_warn_cb warn;
	void *ctx;
};

static uint64_t snap_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int push_run(struct snap_source *s, uint64_t index, uint64_t npages, uint64_t pfn, uint64_t aux)
{
	if (s->nruns == s->capruns) {
		size_t ncap = s->capruns ? s->capruns * 2 : 256;
		struct snap_run *nr = realloc(s->runs, ncap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		s->runs = nr;
		s->capruns = ncap;
	}
	s->runs[s->nruns++] = (struct snap_run){ index, npages, pfn, aux };
	return 0;
}

/* Events from runs[s->run] up to runs[@end], at most one buffer. */
static size_t fill(struct snap_source *s, size_t end, uint32_t obj)
{
	size_t n = 0;

	while (n < SNAP_BATCH && s->run < end) {
		const struct snap_run *r = &s->runs[s->run];
		uint64_t left = r->npages - s->done;
		uint32_t k = left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
		struct pgt_event *ev = &s->evs[n++];

		memset(ev, 0, sizeof(*ev));
		ev->ts = s->ts;
		ev->type = PGT_EV_SNAPSHOT_PAGE;
		ev->obj = obj;
		ev->index = r->index + s->done;
		ev->npages = k;
		ev->pfn = r->pfn == PGT_PFN_NONE ? PGT_PFN_NONE : r->pfn + s->done;
		ev->aux = r->aux;
		ev->pid = ev->tid = s->pid;
		s->done += k;
		if (s->done == r->npages) {
			s->run++;
			s->done = 0;
		}
	}
	return n;
}

/* Add the object of file @i (ids count files from 1). */
static int add_file_object(struct snap_source *s, size_t i)
{
	const struct snap_file *f = &s->files[i];
	struct pgt_object o = { .id = (uint32_t)(i + 1), .kind = PGT_OBJ_FILE,
				.name_src = PGT_NAME_GIVEN, .ts = s->ts, .dev = f->dev,
				.ino = f->ino, .size = f->size, .path = f->path };

	return pgt_meta__add_object(s->src.meta, &o);
}

static ssize_t snap_batch(struct pgt_source *src, const struct pgt_event **evs)
{
	struct snap_source *s = (struct snap_source *)src;
	size_t n;

	if (s->err)
		return s->err;
	if (s->kind != SNAP_FILES) {
		n = fill(s, s->nruns, 1);
		*evs = s->evs;
		return (ssize_t)n;
	}
	/* the rest of the current file, or the objects up to the next
	 * file with events, then that file's first events */
	while (s->run >= s->file_end && s->file < s->nfiles) {
		const struct snap_file *f = &s->files[s->file];
		int err = add_file_object(s, s->file);

		if (err) {
			s->err = err;
			return err;
		}
		s->file++;
		s->file_end = f->first + f->nruns;
	}
	n = fill(s, s->file_end, (uint32_t)s->file);
	*evs = s->evs;
	return (ssize_t)n;
}

static void snap_free(struct pgt_source *src)
{
	struct snap_source *s = (struct snap_source *)src;

	if (!s)
		return;
	pgt_meta__free(s->src.meta);
	free(s->evs);
	free(s->runs);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i].path);
	free(s->files);
	pgt_pfn_result__free(s->pfn);
	pgt_task_info__free(s->task);
	free(s);
}

static const struct pgt_source_ops snap_ops = {
	.name = "snap",
	.batch = snap_batch,
	.free = snap_free,
};

static struct snap_source *snap_new(int kind, const char *what)
{
	struct snap_source *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->src.ops = &snap_ops;
	s->kind = kind;
	s->src.meta = pgt_meta__new();
	s->evs = malloc(SNAP_BATCH * sizeof(*s->evs));
	if (!s->src.meta || !s->evs) {
		snap_free(&s->src);
		return NULL;
	}
	pgt_header__init_host(&s->src.header);
	s->ts = snap_now();
	/* files: the info comes before any object, as the CLI wrote it */
	if (kind == SNAP_FILES && pgt_meta__add_info(s->src.meta, "snapshot", what)) {
		snap_free(&s->src);
		return NULL;
	}
	return s;
}

struct pgt_source *pgt_snap_pfn__source(const struct pgt_pfn_opts *opts,
					const struct pgt_pfn_result **res, int *err)
{
	struct pgt_pfn_opts o_, o;
	struct pgt_object obj = { .id = 1, .kind = PGT_OBJ_PHYS, .name_src = PGT_NAME_GIVEN,
				  .path = "[physical memory]" };
	struct snap_source *s = NULL;
	int e = -EINVAL;

	/* copied at the caller's size: a shorter struct's missing members are 0 */
	if (!opts || !PGT_OPTS_VALID(opts))
		goto fail;
	o = *PGT_OPTS_FIT(opts, &o_);
	e = -ENOMEM;
	s = snap_new(SNAP_PFN, "pfn");
	if (!s)
		goto fail;
	o.sz = sizeof(o);
	o.runs = 1;
	s->pfn = pgt_snap_pfn(&o, &e);
	if (e)
		goto fail;
	obj.ts = s->ts;
	e = pgt_meta__add_object(s->src.meta, &obj);
	if (!e)
		e = pgt_meta__add_info(s->src.meta, "snapshot", "pfn");
	for (size_t i = 0; !e && i < s->pfn->nruns; i++)
		e = push_run(s, s->pfn->runs[i].pfn, s->pfn->runs[i].npages, s->pfn->runs[i].pfn,
			     s->pfn->runs[i].flags);
	if (e)
		goto fail;
	if (res)
		*res = s->pfn;
	*err = 0;
	return &s->src;
fail:
	*err = e;
	snap_free(s ? &s->src : NULL);
	return NULL;
}

struct pgt_source *pgt_snap_task__source(pid_t pid, const struct pgt_task_opts *opts,
					 const struct pgt_task_info **info, int *err)
{
	struct pgt_task_opts o_, o;
	struct snap_source *s = NULL;
	char label[96];
	int e = -EINVAL;

	if (!opts || !PGT_OPTS_VALID(opts))
		goto fail;
	o = *PGT_OPTS_FIT(opts, &o_);
	e = -ENOMEM;
	s = snap_new(SNAP_TASK, "task");
	if (!s)
		goto fail;
	o.sz = sizeof(o);
	o.runs = 1;
	s->task = pgt_snap_task(pid, &o, &e);
	if (e)
		goto fail;
	s->pid = (uint32_t)pid;
	{
		struct pgt_process p = { .ts = s->ts, .pid = s->pid, .tgid = s->pid,
					 .op = PGT_PROC_STATE, .comm = s->task->comm, .cwd = "", .exe = "" };
		struct pgt_object obj = { .id = 1, .kind = PGT_OBJ_MM, .name_src = PGT_NAME_PROC,
					  .ts = s->ts, .ino = s->pid, .path = label };

		snprintf(label, sizeof(label), "[mm of %llu %s]", (unsigned long long)pid, s->task->comm);
		e = pgt_meta__add_object(s->src.meta, &obj);
		if (!e)
			e = pgt_meta__add_process(s->src.meta, &p);
		if (!e)
			e = pgt_meta__add_info(s->src.meta, "snapshot", "task");
	}
	for (size_t i = 0; !e && i < s->task->nruns; i++) {
		const struct pgt_task_run *r = &s->task->runs[i];

		if (r->pm & (1ull << 63))	/* present pages only */
			e = push_run(s, r->vpage, r->npages, r->pfn, r->kflags);
	}
	if (e)
		goto fail;
	if (info)
		*info = s->task;
	*err = 0;
	return &s->src;
fail:
	*err = e;
	snap_free(s ? &s->src : NULL);
	return NULL;
}

/* Called in walk order: keep what the events and the object need. */
static int file_seen(const struct pgt_file_info *fi, void *ctx)
{
	struct snap_source *s = ctx;
	struct snap_file *f;
	int err;

	if (s->cb) {
		err = s->cb(fi, s->ctx);
		if (err)
			return err;
	}
	if (fi->err || fi->dup_of)
		return 0;
	if (s->nfiles == s->capfiles) {
		size_t ncap = s->capfiles ? s->capfiles * 2 : 64;
		struct snap_file *nf = realloc(s->files, ncap * sizeof(*nf));

		if (!nf)
			return -ENOMEM;
		s->files = nf;
		s->capfiles = ncap;
	}
	f = &s->files[s->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = strdup(fi->path);
	if (!f->path)
		return -ENOMEM;
	s->nfiles++;
	f->dev = fi->dev;
	f->ino = fi->ino;
	f->size = fi->size;
	f->first = s->nruns;
	if (fi->npfns) {
		for (size_t i = 0; i < fi->npfns; i++) {
			err = push_run(s, fi->pfns[i].index, fi->pfns[i].npages, fi->pfns[i].pfn, 0);
			if (err)
				return err;
		}
	} else {
		for (size_t i = 0; i < fi->next; i++) {
			err = push_run(s, fi->ext[i].first, fi->ext[i].npages, PGT_PFN_NONE, 0);
			if (err)
				return err;
		}
	}
	f->nruns = s->nruns - f->first;
	return 0;
}

static void walk_warn(const char *path, int err, void *ctx)
{
	struct snap_source *s = ctx;

	if (s->warn)
		s->warn(path, err, s->ctx);
}

struct pgt_source *pgt_snap_files__source(const struct pgt_file_req *reqs, size_t nreqs,
					  const struct pgt_file_opts *opts, pgt_file_cb cb,
					  pgt_walk_warn_cb warn, void *ctx, int *err)
{
	struct pgt_file_opts o_, o;
	struct snap_source *s = NULL;
	int e = -EINVAL;

	if (!opts || !PGT_OPTS_VALID(opts))
		goto fail;
	o = *PGT_OPTS_FIT(opts, &o_);
	e = -ENOMEM;
	s = snap_new(SNAP_FILES, "file");
	if (!s)
		goto fail;
	o.sz = sizeof(o);
	o.extents = 1;		/* events are the exact cached extents */
	s->cb = cb;
	s->warn = warn;
	s->ctx = ctx;
	e = pgt_snap_files(reqs, nreqs, &o, file_seen, walk_warn, s);
	if (e)
		goto fail;
	*err = 0;
	return &s->src;
fail:
	*err = e;
	snap_free(s ? &s->src : NULL);
	return NULL;
}
