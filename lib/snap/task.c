// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Task snapshots: the pages of one process's address space, from
 * /proc/PID/maps and /proc/PID/pagemap, joined with kpageflags and
 * kpagecount for the frames (root).  Where PAGEMAP_SCAN exists it finds
 * the present and swapped ranges first, so absent parts of large sparse
 * mappings are never read entry by entry.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kernel/kernel.h"
#include "util/opts.h"

#define PAGE 4096ull
#define BATCH 65536u

struct tctx {
	struct pgt_task_info *t;
	const struct pgt_task_opts *o;
	int pm, kf, kc;
	uint64_t *ent, *flags, *counts;
	size_t cap_runs, *cap_k;
	int scan_ok;	/* -1 unknown, 0 missing, 1 works */
	struct pgt_page_region *regs;
	size_t cap_regs;
};

void pgt_task_info__free(struct pgt_task_info *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nvmas; i++) {
		free((char *)t->vmas[i].path);
		free(t->vmas[i].kflags);
	}
	free(t->vmas);
	free(t->runs);
	free(t);
}

static int add_kflag(struct pgt_task_vma *v, size_t *cap, uint64_t flags, uint64_t n)
{
	for (size_t i = 0; i < v->nkflags; i++)
		if (v->kflags[i].flags == flags) {
			v->kflags[i].pages += n;
			return 0;
		}
	if (v->nkflags == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct pgt_pfn_combo *nk = realloc(v->kflags, ncap * sizeof(*nk));

		if (!nk)
			return -ENOMEM;
		v->kflags = nk;
		*cap = ncap;
	}
	v->kflags[v->nkflags++] = (struct pgt_pfn_combo){ flags, n };
	return 0;
}

static int add_run(struct tctx *c, uint32_t vma, uint64_t vpage, uint64_t pm, uint64_t kfl, uint64_t cnt)
{
	struct pgt_task_info *t = c->t;
	struct pgt_task_run *r = t->nruns ? &t->runs[t->nruns - 1] : NULL;
	uint64_t bits = pm & ~PGT_PM_PFN_MASK;
	uint64_t pfn = (pm & PGT_PM_PRESENT) && (pm & PGT_PM_PFN_MASK) ? pm & PGT_PM_PFN_MASK : PGT_PFN_NONE;

	if (r && r->vma == vma && r->vpage + r->npages == vpage && r->pm == bits && r->kflags == kfl &&
	    r->mapcount == cnt &&
	    (pfn == PGT_PFN_NONE ? r->pfn == PGT_PFN_NONE : r->pfn != PGT_PFN_NONE && r->pfn + r->npages == pfn)) {
		r->npages++;
		return 0;
	}
	if (t->nruns == c->cap_runs) {
		size_t ncap = c->cap_runs ? c->cap_runs * 2 : 256;
		struct pgt_task_run *nr = realloc(t->runs, ncap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		t->runs = nr;
		c->cap_runs = ncap;
	}
	t->runs[t->nruns++] = (struct pgt_task_run){ vpage, 1, pfn, bits, kfl, cnt, vma };
	return 0;
}

/* Pages [vp, vp+n) of vma @vi: read pagemap, count, join frames. */
static int do_range(struct tctx *c, uint32_t vi, uint64_t vp, uint64_t n)
{
	struct pgt_task_vma *v = &c->t->vmas[vi];

	while (n) {
		uint64_t k = n < BATCH ? n : BATCH;
		ssize_t got = pgt_pread_full(c->pm, c->ent, k * 8, vp * 8);

		if (got < 0)
			return (int)got;
		k = (uint64_t)got / 8;
		if (!k)
			return 0;	/* beyond what the kernel reports */
		if (c->kf >= 0) {
			/* kpageflags/kpagecount per run of contiguous frames */
			for (uint64_t i = 0; i < k;) {
				uint64_t pfn = c->ent[i] & PGT_PM_PFN_MASK, j = i + 1;

				if (!(c->ent[i] & PGT_PM_PRESENT) || !pfn) {
					c->flags[i] = c->counts[i] = 0;
					i++;
					continue;
				}
				while (j < k && (c->ent[j] & PGT_PM_PRESENT) &&
				       (c->ent[j] & PGT_PM_PFN_MASK) == pfn + (j - i))
					j++;
				if (pgt_pread_full(c->kf, c->flags + i, (j - i) * 8, pfn * 8) != (ssize_t)((j - i) * 8) ||
				    (c->kc >= 0 &&
				     pgt_pread_full(c->kc, c->counts + i, (j - i) * 8, pfn * 8) != (ssize_t)((j - i) * 8)))
					return -EIO;
				if (c->kc < 0)
					memset(c->counts + i, 0, (j - i) * 8);
				i = j;
			}
		}
		for (uint64_t i = 0; i < k; i++) {
			uint64_t e = c->ent[i];
			int err;

			if (e & PGT_PM_PRESENT) {
				v->present++;
				if (e & PGT_PM_FILE)
					v->file++;
				else
					v->anon++;
				if (e & PGT_PM_EXCLUSIVE)
					v->exclusive++;
				if (e & PGT_PM_SOFT_DIRTY)
					v->soft_dirty++;
				if (e & PGT_PM_PFN_MASK)
					c->t->pfns_visible = 1;
				if (c->kf >= 0 && (e & PGT_PM_PFN_MASK)) {
					err = add_kflag(v, &c->cap_k[vi], c->flags[i], 1);
					if (err)
						return err;
				}
			} else if (e & PGT_PM_SWAP) {
				v->swapped++;
			} else {
				continue;
			}
			if (c->o->runs) {
				err = add_run(c, vi, vp + i, e, c->kf >= 0 ? c->flags[i] : 0,
					      c->kf >= 0 ? c->counts[i] : 0);
				if (err)
					return err;
			}
		}
		vp += k;
		n -= k;
	}
	return 0;
}

static int do_vma(struct tctx *c, uint32_t vi, uint64_t first, uint64_t end)
{
	ssize_t nr;

	if (c->scan_ok != 0 && !c->o->no_scan) {
		nr = pgt_pagemap__scan(c->pm, first * PAGE, end * PAGE, &c->regs, &c->cap_regs);
		if (nr >= 0) {
			c->scan_ok = 1;
			c->t->used_scan = 1;
			for (ssize_t r = 0; r < nr; r++) {
				uint64_t a = c->regs[r].start / PAGE, b = c->regs[r].end / PAGE;
				int err;

				if (a < first)
					a = first;
				if (b > end)
					b = end;
				if (b > a && (err = do_range(c, vi, a, b - a)))
					return err;
			}
			return 0;
		}
		if (nr == -EFAULT)	/* [vsyscall]: not a normal mapping */
			return do_range(c, vi, first, end - first);
		if (nr != -ENOTTY && nr != -EINVAL && nr != -EOPNOTSUPP)
			return (int)nr;
		c->scan_ok = 0;	/* not on this kernel: read everything */
	}
	return do_range(c, vi, first, end - first);
}

static int snap_task(pid_t pid, const struct pgt_task_opts *o, struct pgt_task_info **out);

struct pgt_task_info *pgt_snap_task(pid_t pid, const struct pgt_task_opts *o, int *err)
{
	struct pgt_task_opts o_;
	struct pgt_task_info *t = NULL;

	*err = -EINVAL;
	if (o && PGT_OPTS_VALID(o))
		*err = snap_task(pid, PGT_OPTS_FIT(o, &o_), &t);
	return *err ? NULL : t;
}

static int snap_task(pid_t pid, const struct pgt_task_opts *o, struct pgt_task_info **out)
{
	struct tctx c = { .o = o, .pm = -1, .kf = -1, .kc = -1, .scan_ok = -1 };
	struct pgt_task_info *t = calloc(1, sizeof(*t));
	struct pgt_vma *vmas = NULL;
	size_t nv = 0;
	char path[64], *comm = NULL;
	int err;

	if (!t)
		return -ENOMEM;
	c.t = t;
	t->pid = pid;
	err = pgt_proc__maps(pid, &vmas, &nv);
	if (err)
		goto out;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (pgt_kread_file(path, &comm) >= 0) {
		comm[strcspn(comm, "\n")] = 0;
		snprintf(t->comm, sizeof(t->comm), "%s", comm);
		free(comm);
	}
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	c.pm = pgt_kopen(path, O_RDONLY);
	if (c.pm < 0) {
		err = c.pm;
		goto out;
	}
	if (o->kflags) {
		c.kf = pgt_kopen("/proc/kpageflags", O_RDONLY);
		if (c.kf < 0) {
			err = c.kf;
			goto out;
		}
		c.kc = pgt_kopen("/proc/kpagecount", O_RDONLY);
		t->kflags_read = 1;
	}
	c.ent = malloc(BATCH * 8);
	c.flags = malloc(BATCH * 8);
	c.counts = malloc(BATCH * 8);
	t->vmas = calloc(nv ? nv : 1, sizeof(*t->vmas));
	c.cap_k = calloc(nv ? nv : 1, sizeof(*c.cap_k));
	if (!c.ent || !c.flags || !c.counts || !t->vmas || !c.cap_k) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nv; i++) {
		struct pgt_task_vma *v = &t->vmas[t->nvmas];
		uint64_t first = vmas[i].start / PAGE, end = vmas[i].end / PAGE;

		if (o->have_range) {
			if (first < o->vfirst)
				first = o->vfirst;
			if (end > o->vend)
				end = o->vend;
			if (first >= end)
				continue;
		}
		v->start = first * PAGE;
		v->end = end * PAGE;
		v->offset = vmas[i].offset + (first * PAGE - vmas[i].start);
		v->ino = vmas[i].ino;
		v->dev_major = vmas[i].dev_major;
		v->dev_minor = vmas[i].dev_minor;
		memcpy(v->perms, vmas[i].perms, sizeof(v->perms));
		v->path = vmas[i].path;
		vmas[i].path = NULL;
		t->nvmas++;
		err = do_vma(&c, (uint32_t)(t->nvmas - 1), first, end);
		if (err == -EINVAL || err == -EIO || err == -EFAULT) {
			err = 0;	/* a special mapping the kernel will not report */
			continue;
		}
		if (err)
			goto out;
	}
	for (size_t i = 0; i < t->nvmas; i++) {
		t->present += t->vmas[i].present;
		t->swapped += t->vmas[i].swapped;
		t->file += t->vmas[i].file;
		t->anon += t->vmas[i].anon;
		t->exclusive += t->vmas[i].exclusive;
	}
out:
	pgt_vmas__free(vmas, nv);
	free(c.ent);
	free(c.flags);
	free(c.counts);
	free(c.cap_k);
	free(c.regs);
	if (c.pm >= 0)
		close(c.pm);
	if (c.kf >= 0)
		close(c.kf);
	if (c.kc >= 0)
		close(c.kc);
	if (err) {
		pgt_task_info__free(t);
		return err;
	}
	*out = t;
	return 0;
}
