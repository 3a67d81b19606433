// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Physical frame walk over /proc/kpageflags (and kpagecount,
 * kpagecgroup).  The kernel does per-frame work for every entry (no bulk
 * path: about 11 M frames/s per reader), so the only way to go faster
 * is several readers: the frame range is cut into chunks of 64 Ki frames
 * that threads take in turn, each with its own descriptors.  Holes
 * between System RAM ranges are never read.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "kernel/kernel.h"
#include "util/util.h"
#include "util/opts.h"

#define CHUNK (64u * 1024)

struct chunk {
	uint64_t start, end;
	struct pgt_pfn_run *runs;
	size_t nruns, cap;
	int err;
};

struct combo_map {
	struct pgt_pfn_combo *slots;	/* pages == 0: empty */
	size_t cap, used;
};

struct walk {
	const struct pgt_pfn_opts *o;
	struct chunk *chunks;
	size_t nchunks;
	atomic_size_t next;
	atomic_uint_fast64_t done;
	uint64_t total;
	int err;
	const char *what;	/* the kernel file of the first error */
	pthread_mutex_t lock;
};

static int combo_add(struct combo_map *m, uint64_t flags, uint64_t pages)
{
	size_t mask, h;

	if ((m->used + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 256;
		struct pgt_pfn_combo *ns = calloc(ncap, sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->slots[i].pages)
				continue;
			for (h = (m->slots[i].flags * 0x9E3779B97F4A7C15ull) >> 32 & (ncap - 1);
			     ns[h].pages; h = (h + 1) & (ncap - 1))
				;
			ns[h] = m->slots[i];
		}
		free(m->slots);
		m->slots = ns;
		m->cap = ncap;
	}
	mask = m->cap - 1;
	for (h = (flags * 0x9E3779B97F4A7C15ull) >> 32 & mask;; h = (h + 1) & mask) {
		if (!m->slots[h].pages) {
			m->slots[h].flags = flags;
			m->slots[h].pages = pages;
			m->used++;
			return 0;
		}
		if (m->slots[h].flags == flags) {
			m->slots[h].pages += pages;
			return 0;
		}
	}
}

static int run_add(struct chunk *c, uint64_t pfn, uint64_t flags, uint64_t count, uint64_t cg)
{
	struct pgt_pfn_run *r = c->nruns ? &c->runs[c->nruns - 1] : NULL;

	if (r && r->pfn + r->npages == pfn && r->flags == flags && r->mapcount == count &&
	    r->cgroup == cg) {
		r->npages++;
		return 0;
	}
	if (c->nruns == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		struct pgt_pfn_run *nr = realloc(c->runs, ncap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		c->runs = nr;
		c->cap = ncap;
	}
	c->runs[c->nruns++] = (struct pgt_pfn_run){ pfn, 1, flags, count, cg };
	return 0;
}

/* Entries past the end of the array read as "no page" (nopage). */
static int pread_u64s(int fd, uint64_t *buf, uint64_t first, size_t n)
{
	ssize_t got = pgt_pread_full(fd, buf, n * 8, first * 8);

	if (got < 0)
		return (int)got;
	for (size_t i = (size_t)got / 8; i < n; i++)
		buf[i] = 1ull << 20;
	return 0;
}

struct worker {
	struct walk *w;
	struct combo_map combos;
	uint64_t matched;
	int err;
	const char *what;
};

static void *worker_main(void *arg)
{
	struct worker *k = arg;
	struct walk *w = k->w;
	const struct pgt_pfn_opts *o = w->o;
	uint64_t *flags = malloc(CHUNK * 8), *count = NULL, *cg = NULL;
	int ffd = -1, cfd = -1, gfd = -1;
	size_t i;

	if (!flags)
		goto nomem;
	k->what = "/proc/kpageflags";
	ffd = pgt_kopen(k->what, O_RDONLY);
	if (ffd < 0) {
		k->err = ffd;
		goto out;
	}
	if (o->mapcount) {
		count = malloc(CHUNK * 8);
		cfd = pgt_kopen("/proc/kpagecount", O_RDONLY);
		if (!count)
			goto nomem;
		if (cfd < 0) {
			k->err = cfd;
			k->what = "/proc/kpagecount";
			goto out;
		}
	}
	if (o->cgroup) {
		cg = malloc(CHUNK * 8);
		gfd = pgt_kopen("/proc/kpagecgroup", O_RDONLY);
		if (!cg)
			goto nomem;
		if (gfd < 0) {
			k->err = gfd;
			k->what = "/proc/kpagecgroup";
			goto out;
		}
	}
	while (!w->err && (i = atomic_fetch_add(&w->next, 1)) < w->nchunks) {
		struct chunk *c = &w->chunks[i];
		size_t n = (size_t)(c->end - c->start);
		uint64_t done;
		int err;

		err = pread_u64s(ffd, flags, c->start, n);
		if (!err && count && (err = pread_u64s(cfd, count, c->start, n)))
			k->what = "/proc/kpagecount";
		if (!err && cg && (err = pread_u64s(gfd, cg, c->start, n)))
			k->what = "/proc/kpagecgroup";
		if (err) {
			k->err = err;
			break;
		}
		for (size_t j = 0; j < n; j++) {
			uint64_t f = flags[j];

			if ((f & o->must_set) != o->must_set || (f & o->must_clear))
				continue;
			k->matched++;
			/* Count runs of equal flags in one go: cheap and common. */
			if (combo_add(&k->combos, f, 1) ||
			    (o->runs && run_add(c, c->start + j, f, count ? count[j] : 0, cg ? cg[j] : 0)))
				goto nomem;
		}
		done = atomic_fetch_add(&w->done, n) + n;
		if (o->progress)
			o->progress(done, w->total, o->ctx);
	}
	goto out;
nomem:
	k->err = -ENOMEM;
out:
	if (k->err) {
		pthread_mutex_lock(&w->lock);
		if (!w->err) {
			w->err = k->err;
			w->what = k->err == -ENOMEM ? NULL : k->what;
		}
		pthread_mutex_unlock(&w->lock);
	}
	free(flags);
	free(count);
	free(cg);
	if (ffd >= 0)
		close(ffd);
	if (cfd >= 0)
		close(cfd);
	if (gfd >= 0)
		close(gfd);
	return NULL;
}

static int combo_cmp(const void *a, const void *b)
{
	const struct pgt_pfn_combo *x = a, *y = b;

	if (x->pages != y->pages)
		return x->pages > y->pages ? -1 : 1;
	return x->flags < y->flags ? -1 : x->flags > y->flags;
}

void pgt_pfn_result__free(struct pgt_pfn_result *r)
{
	if (!r)
		return;
	free(r->combos);
	free(r->runs);
	free(r);
}

/* Spans to walk: the asked range, or System RAM, clipped to the array. */
static int walk_spans(const struct pgt_pfn_opts *o, struct pgt_pfn_span **spans, size_t *n)
{
	uint64_t max = 0;
	int err = pgt_kpageflags__max_pfn(&max);

	if (err) {
		pgt_diag(PGT_DIAG_ERROR, "/proc/kpageflags");
		return err;
	}
	if (o->end) {
		*spans = malloc(sizeof(**spans));
		if (!*spans)
			return -ENOMEM;
		(*spans)[0].start = o->first;
		(*spans)[0].end = o->end < max ? o->end : max;
		*n = (*spans)[0].end > o->first;
		return 0;
	}
	err = pgt_iomem__ram(spans, n);
	if (err == -EPERM || err == -EACCES || err == -ENOENT) {
		/* no usable /proc/iomem: the whole array, holes read as nopage */
		*spans = malloc(sizeof(**spans));
		if (!*spans)
			return -ENOMEM;
		(*spans)[0].start = 0;
		(*spans)[0].end = max;
		*n = 1;
		return 0;
	}
	if (err) {
		pgt_diag(PGT_DIAG_ERROR, "/proc/iomem");
		return err;
	}
	for (size_t i = 0; i < *n; i++) {
		if ((*spans)[i].end > max)
			(*spans)[i].end = max;
		if ((*spans)[i].start > (*spans)[i].end)
			(*spans)[i].start = (*spans)[i].end;
	}
	return 0;
}

static int snap_pfn(const struct pgt_pfn_opts *o, struct pgt_pfn_result **out);

struct pgt_pfn_result *pgt_snap_pfn(const struct pgt_pfn_opts *o, int *err)
{
	struct pgt_pfn_opts o_;
	struct pgt_pfn_result *r = NULL;

	*err = -EINVAL;
	if (o && PGT_OPTS_VALID(o))
		*err = snap_pfn(PGT_OPTS_FIT(o, &o_), &r);
	return *err ? NULL : r;
}

static int snap_pfn(const struct pgt_pfn_opts *o, struct pgt_pfn_result **out)
{
	struct walk w = { .o = o, .lock = PTHREAD_MUTEX_INITIALIZER };
	struct pgt_pfn_span *spans = NULL;
	struct pgt_pfn_result *res = NULL;
	struct worker *wk = NULL;
	pthread_t *tids = NULL;
	size_t nspans = 0, nc = 0;
	unsigned nthreads = o->threads;
	long ncpu;
	int err;

	err = walk_spans(o, &spans, &nspans);
	if (err)
		return err;
	for (size_t i = 0; i < nspans; i++)
		nc += (size_t)((spans[i].end - spans[i].start + CHUNK - 1) / CHUNK);
	w.chunks = calloc(nc ? nc : 1, sizeof(*w.chunks));
	res = calloc(1, sizeof(*res));
	if (!w.chunks || !res) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nspans; i++)
		for (uint64_t s = spans[i].start; s < spans[i].end; s += CHUNK) {
			w.chunks[w.nchunks].start = s;
			w.chunks[w.nchunks].end = s + CHUNK < spans[i].end ? s + CHUNK : spans[i].end;
			w.total += w.chunks[w.nchunks].end - s;
			w.nchunks++;
		}
	res->spans = nspans;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (!nthreads)
		nthreads = ncpu > 0 ? (unsigned)ncpu : 1;
	if (nthreads > w.nchunks)
		nthreads = w.nchunks ? (unsigned)w.nchunks : 1;
	wk = calloc(nthreads, sizeof(*wk));
	tids = calloc(nthreads, sizeof(*tids));
	if (!wk || !tids) {
		err = -ENOMEM;
		goto out;
	}
	for (unsigned t = 0; t < nthreads; t++) {
		wk[t].w = &w;
		if (t && pthread_create(&tids[t], NULL, worker_main, &wk[t])) {
			nthreads = t;	/* run with the threads we got */
			break;
		}
	}
	worker_main(&wk[0]);
	for (unsigned t = 1; t < nthreads; t++)
		pthread_join(tids[t], NULL);
	err = w.err;
	if (err) {
		if (w.what)
			pgt_diag(PGT_DIAG_ERROR, "%s", w.what);
		goto out;
	}

	/* Merge: combos from every worker, runs in frame order. */
	{
		struct combo_map all = { 0 };
		size_t nruns = 0, k = 0;

		for (unsigned t = 0; t < nthreads && !err; t++) {
			res->matched += wk[t].matched;
			for (size_t i = 0; i < wk[t].combos.cap && !err; i++)
				if (wk[t].combos.slots[i].pages)
					err = combo_add(&all, wk[t].combos.slots[i].flags,
							wk[t].combos.slots[i].pages);
		}
		if (err) {
			free(all.slots);
			goto out;
		}
		res->combos = malloc((all.used ? all.used : 1) * sizeof(*res->combos));
		if (!res->combos) {
			free(all.slots);
			err = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < all.cap; i++)
			if (all.slots[i].pages)
				res->combos[res->ncombos++] = all.slots[i];
		free(all.slots);
		qsort(res->combos, res->ncombos, sizeof(*res->combos), combo_cmp);
		res->walked = w.total;
		if (o->runs) {
			for (size_t i = 0; i < w.nchunks; i++)
				nruns += w.chunks[i].nruns;
			res->runs = malloc((nruns ? nruns : 1) * sizeof(*res->runs));
			if (!res->runs) {
				err = -ENOMEM;
				goto out;
			}
			for (size_t i = 0; i < w.nchunks; i++)
				for (size_t j = 0; j < w.chunks[i].nruns; j++) {
					struct pgt_pfn_run *r = &w.chunks[i].runs[j];
					struct pgt_pfn_run *p = k ? &res->runs[k - 1] : NULL;

					/* join runs cut by chunk edges */
					if (p && p->pfn + p->npages == r->pfn && p->flags == r->flags &&
					    p->mapcount == r->mapcount && p->cgroup == r->cgroup)
						p->npages += r->npages;
					else
						res->runs[k++] = *r;
				}
			res->nruns = k;
		}
	}
out:
	for (size_t i = 0; w.chunks && i < w.nchunks; i++)
		free(w.chunks[i].runs);
	free(w.chunks);
	for (unsigned t = 0; wk && t < nthreads; t++)
		free(wk[t].combos.slots);
	free(wk);
	free(tids);
	free(spans);
	if (err) {
		pgt_pfn_result__free(res);
		return err;
	}
	*out = res;
	return 0;
}
