// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Frame to owner, by joining the forward walks (the kernel offers no
 * reverse lookup to user space): every process's pagemap gives frames of
 * anonymous and mapped file pages; the cached pages of files (open or
 * mapped by processes, or under the trees asked for) give frames of the
 * page cache that nobody maps.  The result is an interval map from frame
 * runs to owners.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kernel/kernel.h"
#include "util/opts.h"

struct orun {
	uint64_t pfn, npages;
	struct pgt_owner o;	/* o.index / o.vaddr are those of the run's first frame */
};

struct pgt_owner_map {
	struct orun *runs;
	size_t n, cap;
	uint64_t maxlen;
	char **strs;
	size_t nstrs, capstrs;
	uint64_t tasks, files, denied;
};

static const char *keep_str(struct pgt_owner_map *m, const char *s)
{
	char *d;

	/* consecutive runs mostly share a path: reuse the last copy */
	if (m->nstrs && !strcmp(m->strs[m->nstrs - 1], s))
		return m->strs[m->nstrs - 1];
	if (m->nstrs == m->capstrs) {
		size_t ncap = m->capstrs ? m->capstrs * 2 : 256;
		char **ns = realloc(m->strs, ncap * sizeof(*ns));

		if (!ns)
			return NULL;
		m->strs = ns;
		m->capstrs = ncap;
	}
	d = strdup(s);
	if (d)
		m->strs[m->nstrs++] = d;
	return d;
}

static int add_run(struct pgt_owner_map *m, uint64_t pfn, uint64_t n, const struct pgt_owner *o)
{
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 4096;
		struct orun *nr = realloc(m->runs, ncap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		m->runs = nr;
		m->cap = ncap;
	}
	m->runs[m->n++] = (struct orun){ pfn, n, *o };
	if (n > m->maxlen)
		m->maxlen = n;
	return 0;
}

static int add_task(struct pgt_owner_map *m, pid_t pid)
{
	struct pgt_task_opts to = { .sz = sizeof(to), .runs = 1 };
	int err;
	struct pgt_task_info *t = pgt_snap_task(pid, &to, &err);

	if (err == -EACCES || err == -EPERM)
		m->denied++;
	if (err)
		return err == -ENOMEM ? err : 0;	/* gone, or a kernel thread */
	m->tasks++;
	for (size_t i = 0; i < t->nruns && !err; i++) {
		const struct pgt_task_run *r = &t->runs[i];
		const struct pgt_task_vma *v = &t->vmas[r->vma];
		struct pgt_owner o = { 0 };
		int is_file = (r->pm & PGT_PM_FILE) && v->ino;

		if (r->pfn == PGT_PFN_NONE)
			continue;
		o.kind = is_file ? PGT_OWNER_FILE : PGT_OWNER_ANON;
		o.pid = (uint32_t)pid;
		o.vaddr = r->vpage * 4096;
		o.path = keep_str(m, *v->path ? v->path : "");
		o.index = is_file ? (v->offset + (r->vpage * 4096 - v->start)) / 4096 : 0;
		if (!o.path)
			err = -ENOMEM;
		else
			err = add_run(m, r->pfn, r->npages, &o);
	}
	pgt_task_info__free(t);
	return err;
}

static int file_cb(const struct pgt_file_info *fi, void *ctx)
{
	struct pgt_owner_map *m = ctx;
	struct pgt_owner o = { .kind = PGT_OWNER_FILE };

	if (fi->err || fi->dup_of)
		return 0;
	m->files++;
	o.path = keep_str(m, fi->path);
	if (!o.path)
		return -ENOMEM;
	for (size_t i = 0; i < fi->npfns; i++) {
		int err;

		o.index = fi->pfns[i].index;
		err = add_run(m, fi->pfns[i].pfn, fi->pfns[i].npages, &o);
		if (err)
			return err;
	}
	return 0;
}

static int run_cmp(const void *a, const void *b)
{
	const struct orun *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

struct pgt_owner_map *pgt_owner_map__new(const struct pgt_owner_opts *o, int *errp)
{
	struct pgt_owner_opts o_;
	struct pgt_owner_map *m;
	struct pgt_file_req *reqs = NULL;
	size_t nreqs = 0;
	int err = 0;

	*errp = -EINVAL;
	if (!o || !PGT_OPTS_VALID(o))
		return NULL;
	o = PGT_OPTS_FIT(o, &o_);
	*errp = -ENOMEM;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	if (!o->no_tasks) {
		char procdir[4096];
		DIR *proc = opendir(pgt_kpath(procdir, sizeof(procdir), "/proc"));
		struct dirent *de;

		if (!proc) {
			err = -errno;
			goto out;
		}
		while (!err && (de = readdir(proc)))
			if (isdigit((unsigned char)de->d_name[0]))
				err = add_task(m, (pid_t)atoi(de->d_name));
		closedir(proc);
		if (err)
			goto out;
		reqs = pgt_open_files(1, 0, &nreqs, &err);
		if (err)
			goto out;
	}
	{
		struct pgt_file_opts fo = { .sz = sizeof(fo), .pfns = 1, .threads = o->threads };

		if (nreqs) {
			err = pgt_snap_files(reqs, nreqs, &fo, file_cb, NULL, m);
			if (err)
				goto out;
		}
		for (size_t i = 0; i < o->nscan && !err; i++) {
			struct pgt_file_req rq = { .path = o->scan[i] };

			fo.recursive = 1;
			fo.xdev = o->xdev;
			err = pgt_snap_files(&rq, 1, &fo, file_cb, NULL, m);
		}
		if (err)
			goto out;
	}
	if (m->n)	/* runs is NULL when nothing was joined */
		qsort(m->runs, m->n, sizeof(*m->runs), run_cmp);
out:
	pgt_file_reqs__free(reqs, nreqs);
	*errp = err;
	if (err) {
		pgt_owner_map__free(m);
		return NULL;
	}
	return m;
}

size_t pgt_owner_map__lookup(const struct pgt_owner_map *m, uint64_t pfn, struct pgt_owner *out,
			     size_t max)
{
	size_t lo = 0, hi = m->n, found = 0;

	/* first run starting after pfn */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->runs[mid].pfn <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* walk back over every run that could still reach pfn */
	while (lo-- > 0) {
		const struct orun *r = &m->runs[lo];

		if (r->pfn + m->maxlen <= pfn)
			break;
		if (pfn < r->pfn + r->npages) {
			struct pgt_owner w = r->o;
			int dup = 0;

			w.index += pfn - r->pfn;
			if (w.pid)
				w.vaddr += (pfn - r->pfn) * 4096;
			/* a file both open and under a scanned tree: once */
			for (size_t k = 0; k < found && k < max && !dup; k++)
				dup = out[k].kind == w.kind && out[k].pid == w.pid && out[k].index == w.index &&
				      out[k].vaddr == w.vaddr && !strcmp(out[k].path, w.path);
			if (dup)
				continue;
			if (found < max)
				out[found] = w;
			found++;
		}
	}
	return found;
}

uint64_t pgt_owner_map__denied(const struct pgt_owner_map *m)
{
	return m->denied;
}

void pgt_owner_map__stats(const struct pgt_owner_map *m, uint64_t *tasks, uint64_t *files,
			  uint64_t *runs)
{
	*tasks = m->tasks;
	*files = m->files;
	*runs = m->n;
}

void pgt_owner_map__free(struct pgt_owner_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nstrs; i++)
		free(m->strs[i]);
	free(m->strs);
	free(m->runs);
	free(m);
}
