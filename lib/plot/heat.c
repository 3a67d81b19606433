// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * heat: references binned by time and page, in one pass.
 *
 * Time bins are fixed when the trace's range is known (an indexed file);
 * on a pipe they start at a millisecond and double, pairs merged, when
 * an event falls past the last.  Each object gets a grid whose rows
 * start as one page each, grow in number up to abins as higher pages
 * come, and then double in width, pairs merged: a file of a few pages
 * costs a few kilobytes.  Objects met after max_objects grids or after
 * the grids reach 256 MiB get none (their references are counted as
 * untracked), and so are objects not in opts.objects when the caller
 * chose them (pgtrace plot chooses the most referenced of a first pass).
 * Every object has references per time bin (file heat): as a list of
 * (bin, count) pairs in bin order while it is short, turned into an
 * array of tbins counts past tbins / SPARSE_DIV pairs, so that a file of
 * a few references costs a few pairs, not tbins counts (8 KiB each for
 * 100,000 files); pgt_heat__files() makes rows only for the objects its
 * caller draws.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/opts.h"
#include "util/u64map.h"
#include "pgtrace/plot.h"
#include "util/util.h"

#define FIRST_ROWS 1u
#define GRID_BUDGET (256ull << 20)	/* bytes of grids, all objects together */
#define FIRST_NS_PER_BIN 1000000ull
#define SPARSE_DIV 8	/* pairs, at most tbins / SPARSE_DIV of them */

struct tpair {
	uint64_t cnt;
	uint32_t bin;
};

struct obj {
	uint32_t obj;
	int grid;		/* index in grids, or -1 */
	uint64_t refs;
	uint64_t *times;	/* per time bin, or NULL: pairs */
	struct tpair *pairs;	/* in bin order */
	uint32_t npairs, cappairs;
};

struct pgt_heat {
	struct pgt_heat_opts o;
	uint64_t t0, ns_per_bin;
	double per_ns;		/* 1 / ns_per_bin: a multiply, not a division */
	uint32_t nbins;		/* used so far */
	int t0_set, fixed;
	struct pgt_heat_grid *grids;
	size_t ngrids;
	struct obj *objs;
	size_t nobjs, capobjs;
	struct u64map map;	/* object id -> index in objs */
	uint64_t untracked;
	uint64_t grid_bytes;
	int sorted;
	uint32_t *only;		/* opts.objects, sorted (NULL: any object) */
	uint32_t nonly;
	uint32_t *order_ids;
	const uint64_t **order_rows;
	uint64_t *order_refs;
	uint64_t *rows_mem;	/* rows made of pairs for pgt_heat__files() */
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

struct pgt_heat *pgt_heat__new(const struct pgt_heat_opts *o, int *err)
{
	struct pgt_heat_opts o_;
	struct pgt_heat *h;

	*err = -EINVAL;
	if (!o || !PGT_OPTS_VALID(o))
		return NULL;
	o = PGT_OPTS_FIT(o, &o_);	/* a shorter struct: defaults for the rest */
	*err = -ENOMEM;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->o = *o;
	if (!h->o.refs)
		h->o.refs = pgt_refs_default();
	if (!h->o.tbins)
		h->o.tbins = 1024;
	if (!h->o.abins)
		h->o.abins = 512;
	if (!h->o.max_objects)
		h->o.max_objects = 4096;
	if (o->objects) {
		/* the caller chose the objects: as many grids, and no more */
		h->o.max_objects = o->nobjects;
		h->nonly = o->nobjects;
		h->only = malloc((o->nobjects ? o->nobjects : 1) * sizeof(*h->only));
		if (!h->only) {
			free(h);
			return NULL;
		}
		memcpy(h->only, o->objects, o->nobjects * sizeof(*h->only));
		qsort(h->only, h->nonly, sizeof(*h->only), cmp_u32);
		h->o.objects = NULL;
	}
	h->grids = calloc(h->o.max_objects ? h->o.max_objects : 1, sizeof(*h->grids));
	if (!h->grids) {
		free(h->only);
		free(h);
		return NULL;
	}
	h->ns_per_bin = FIRST_NS_PER_BIN;
	if (o->t1 > o->t0) {
		h->t0 = o->t0;
		h->t0_set = 1;
		h->fixed = 1;
		h->ns_per_bin = (o->t1 - o->t0) / h->o.tbins + 1;
	}
	h->per_ns = 1.0 / (double)h->ns_per_bin;
	*err = 0;
	return h;
}

void pgt_heat__free(struct pgt_heat *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->ngrids; i++)
		free(h->grids[i].counts);
	for (size_t i = 0; i < h->nobjs; i++) {
		free(h->objs[i].times);
		free(h->objs[i].pairs);
	}
	free(h->grids);
	free(h->only);
	free(h->objs);
	u64map_release(&h->map);
	free(h->order_ids);
	free(h->order_rows);
	free(h->order_refs);
	free(h->rows_mem);
	free(h);
}

/* Double the time bins' width: bin i gets old bins 2i and 2i+1. */
static void widen_time(struct pgt_heat *h)
{
	uint32_t T = h->o.tbins;

	for (size_t k = 0; k < h->nobjs; k++) {
		struct obj *o = &h->objs[k];
		uint64_t *t = o->times;
		uint32_t n = 0;

		if (!t) {	/* pairs stay in order, neighbours merge */
			for (uint32_t i = 0; i < o->npairs; i++) {
				uint32_t b = o->pairs[i].bin / 2;

				if (n && o->pairs[n - 1].bin == b) {
					o->pairs[n - 1].cnt += o->pairs[i].cnt;
				} else {
					o->pairs[n].bin = b;
					o->pairs[n++].cnt = o->pairs[i].cnt;
				}
			}
			o->npairs = n;
			continue;
		}
		for (uint32_t i = 0; i < T / 2; i++)
			t[i] = t[2 * i] + t[2 * i + 1];
		memset(t + T / 2, 0, (T - T / 2) * sizeof(*t));
	}
	for (size_t g = 0; g < h->ngrids; g++) {
		struct pgt_heat_grid *gr = &h->grids[g];
		uint32_t R = gr->rows;

		for (uint32_t i = 0; i < T / 2; i++)
			for (uint32_t r = 0; r < R; r++)
				gr->counts[(size_t)i * R + r] = gr->counts[(size_t)2 * i * R + r] +
								gr->counts[(size_t)(2 * i + 1) * R + r];
		memset(gr->counts + (size_t)(T / 2) * R, 0, (size_t)(T - T / 2) * R * sizeof(*gr->counts));
	}
	h->ns_per_bin *= 2;
	h->per_ns = 1.0 / (double)h->ns_per_bin;
	h->nbins = (h->nbins + 1) / 2;
}

/* Make @gr hold page @index: more rows, then wider rows. */
static int grow_grid(struct pgt_heat *h, struct pgt_heat_grid *gr, uint64_t index)
{
	uint32_t T = h->o.tbins;

	while (index / gr->pages_per_row >= gr->rows) {
		if (gr->rows < h->o.abins) {
			uint32_t nr = gr->rows * 2 > h->o.abins ? h->o.abins : gr->rows * 2;
			uint32_t *c = calloc((size_t)T * nr, sizeof(*c));

			if (!c)
				return -ENOMEM;
			for (uint32_t t = 0; t < T; t++)
				memcpy(c + (size_t)t * nr, gr->counts + (size_t)t * gr->rows, gr->rows * sizeof(*c));
			h->grid_bytes += (uint64_t)T * (nr - gr->rows) * sizeof(*c);
			free(gr->counts);
			gr->counts = c;
			gr->rows = nr;
			continue;
		}
		for (uint32_t t = 0; t < T; t++) {
			uint32_t *row = gr->counts + (size_t)t * gr->rows;

			for (uint32_t r = 0; r < gr->rows / 2; r++)
				row[r] = row[2 * r] + row[2 * r + 1];
			memset(row + gr->rows / 2, 0, (gr->rows - gr->rows / 2) * sizeof(*row));
		}
		gr->pages_per_row *= 2;
		gr->row_shift++;
	}
	return 0;
}

static struct obj *get_obj(struct pgt_heat *h, uint32_t id)
{
	uint32_t i = u64map_get(&h->map, id);
	struct obj *o;

	if (i != U64MAP_NONE)
		return &h->objs[i];
	if (pgt_grow_from((void **)&h->objs, &h->capobjs, h->nobjs + 1, sizeof(*h->objs), 64))
		return NULL;
	o = &h->objs[h->nobjs];
	memset(o, 0, sizeof(*o));
	o->obj = id;
	o->grid = -1;
	if (u64map_put(&h->map, id, (uint32_t)h->nobjs))
		return NULL;
	if (h->ngrids < h->o.max_objects && h->grid_bytes < GRID_BUDGET &&
	    (!h->only || bsearch(&id, h->only, h->nonly, sizeof(*h->only), cmp_u32))) {
		struct pgt_heat_grid *gr = &h->grids[h->ngrids];

		gr->obj = id;
		gr->rows = FIRST_ROWS < h->o.abins ? FIRST_ROWS : h->o.abins;
		gr->pages_per_row = 1;
		gr->counts = calloc((size_t)h->o.tbins * gr->rows, sizeof(*gr->counts));
		h->grid_bytes += (uint64_t)h->o.tbins * gr->rows * sizeof(*gr->counts);
		if (!gr->counts) {
			u64map_del(&h->map, id);
			return NULL;
		}
		o->grid = (int)h->ngrids++;
	}
	h->nobjs++;
	return o;
}

/* @cnt more references in bin @tb of @o's pairs, which turn into an array
 * when there are too many.  Out of order is rare: the bin is searched
 * from the end. */
static int pairs_add(const struct pgt_heat *h, struct obj *o, uint32_t tb, uint64_t cnt)
{
	uint32_t i = o->npairs;

	while (i && o->pairs[i - 1].bin > tb)
		i--;
	if (i && o->pairs[i - 1].bin == tb) {
		o->pairs[i - 1].cnt += cnt;
		return 0;
	}
	if (o->npairs == o->cappairs) {
		/* the capacity doubling from 2 would be this */
		uint32_t nc = o->cappairs ? o->cappairs * 2 : 2;

		if (nc > h->o.tbins / SPARSE_DIV) {	/* dense pays now */
			uint64_t *t = calloc(h->o.tbins, sizeof(*t));

			if (!t)
				return -ENOMEM;
			for (uint32_t k = 0; k < o->npairs; k++)
				t[o->pairs[k].bin] = o->pairs[k].cnt;
			t[tb] += cnt;
			free(o->pairs);
			o->pairs = NULL;
			o->npairs = o->cappairs = 0;
			o->times = t;
			return 0;
		}
		if (pgt_grow32_from((void **)&o->pairs, &o->cappairs, o->npairs + 1, sizeof(*o->pairs), 2))
			return -ENOMEM;
	}
	memmove(&o->pairs[i + 1], &o->pairs[i], (o->npairs - i) * sizeof(*o->pairs));
	o->pairs[i].bin = tb;
	o->pairs[i].cnt = cnt;
	o->npairs++;
	return 0;
}

/* The bin of @ts >= t0; the multiply may round across an edge by one
 * nanosecond's worth, which the division would not: corrected. */
static inline uint64_t time_bin(const struct pgt_heat *h, uint64_t ts)
{
	uint64_t d = ts - h->t0, tb = (uint64_t)((double)d * h->per_ns);

	if (tb * h->ns_per_bin > d)
		tb--;
	else if ((tb + 1) * h->ns_per_bin <= d)
		tb++;
	return tb;
}

int pgt_heat__feed(struct pgt_heat *h, const struct pgt_event *ev, size_t n)
{
	uint32_t last_id = UINT32_MAX;
	struct obj *o = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct pgt_event *e = &ev[i];
		uint64_t cnt, first, tb;
		uint32_t id;

		if (i + 16 < n)		/* the decoder's output left the near caches */
			__builtin_prefetch(&ev[i + 16]);
		cnt = pgt_refs_count(e, h->o.refs, h->o.space);

		if (!cnt)
			continue;
		if (!h->t0_set) {
			h->t0 = e->ts;
			h->t0_set = 1;
		}
		if (e->ts < h->t0)	/* out of order before the start: first bin */
			tb = 0;
		else
			tb = time_bin(h, e->ts);
		while (tb >= h->o.tbins) {
			if (h->fixed) {		/* past the known end: last bin */
				tb = h->o.tbins - 1;
				break;
			}
			widen_time(h);
			tb = time_bin(h, e->ts);
		}
		if (tb + 1 > h->nbins)
			h->nbins = (uint32_t)tb + 1;
		id = h->o.space == PGT_SPACE_PFN ? 0 : e->obj;
		if (id != last_id || !o) {
			o = get_obj(h, id);
			if (!o)
				return -ENOMEM;
			last_id = id;
		}
		o->refs += cnt;
		if (o->times)
			o->times[tb] += cnt;
		else if (pairs_add(h, o, (uint32_t)tb, cnt))
			return -ENOMEM;
		first = h->o.space == PGT_SPACE_PFN ? e->pfn : e->index;
		if (o->grid >= 0) {
			struct pgt_heat_grid *gr = &h->grids[o->grid];
			uint64_t last = first + cnt - 1;
			uint32_t *row;

			if ((last >> gr->row_shift) >= gr->rows && grow_grid(h, gr, last))
				return -ENOMEM;
			if (last > gr->max_index || !gr->refs)
				gr->max_index = last > gr->max_index ? last : gr->max_index;
			gr->refs += cnt;
			row = gr->counts + (size_t)tb * gr->rows;
			if (cnt == 1) {
				row[first >> gr->row_shift]++;
			} else {
				for (uint64_t r = first >> gr->row_shift; r <= last >> gr->row_shift; r++) {
					uint64_t lo = r * gr->pages_per_row, hi = lo + gr->pages_per_row - 1;

					lo = lo < first ? first : lo;
					hi = hi > last ? last : hi;
					row[r] += (uint32_t)(hi - lo + 1);
				}
			}
		} else {
			h->untracked += cnt;
		}
	}
	h->sorted = 0;
	return 0;
}

void pgt_heat__time(const struct pgt_heat *h, uint64_t *t0, uint64_t *ns_per_bin, uint32_t *nbins)
{
	*t0 = h->t0;
	*ns_per_bin = h->ns_per_bin;
	*nbins = h->nbins;
	if (h->fixed) {		/* the known range, whatever was referenced in it */
		uint64_t n = (h->o.t1 - h->o.t0) / h->ns_per_bin + 1;

		*nbins = n < h->o.tbins ? (uint32_t)n : h->o.tbins;
	}
}

static int cmp_grid(const void *a, const void *b)
{
	const struct pgt_heat_grid *x = a, *y = b;

	return x->refs > y->refs ? -1 : x->refs < y->refs;
}

static int cmp_obj(const void *a, const void *b)
{
	const struct obj *x = *(const struct obj *const *)a, *y = *(const struct obj *const *)b;

	return x->refs > y->refs ? -1 : x->refs < y->refs;
}

const struct pgt_heat_grid *pgt_heat__grids(struct pgt_heat *h, size_t *n, uint64_t *untracked)
{
	/* sorting moves grids: objects find theirs by id from here on */
	qsort(h->grids, h->ngrids, sizeof(*h->grids), cmp_grid);
	for (size_t g = 0; g < h->ngrids; g++)
		h->objs[u64map_get(&h->map, h->grids[g].obj)].grid = (int)g;
	*n = h->ngrids;
	*untracked = h->untracked;
	return h->grids;
}

ssize_t pgt_heat__files(struct pgt_heat *h, size_t nrows, const uint32_t **objs, const uint64_t *const **rows,
			const uint64_t **refs)
{
	size_t T = h->o.tbins, nmem = 0;

	if (!h->sorted) {
		struct obj **v = malloc((h->nobjs ? h->nobjs : 1) * sizeof(*v));

		free(h->order_ids);
		free(h->order_rows);
		free(h->order_refs);
		h->order_ids = malloc((h->nobjs ? h->nobjs : 1) * sizeof(*h->order_ids));
		h->order_rows = calloc(h->nobjs ? h->nobjs : 1, sizeof(*h->order_rows));
		h->order_refs = malloc((h->nobjs ? h->nobjs : 1) * sizeof(*h->order_refs));
		if (!v || !h->order_ids || !h->order_rows || !h->order_refs) {
			free(v);
			return -ENOMEM;	/* not 0: that would draw as no references */
		}
		for (size_t i = 0; i < h->nobjs; i++)
			v[i] = &h->objs[i];
		qsort(v, h->nobjs, sizeof(*v), cmp_obj);
		for (size_t i = 0; i < h->nobjs; i++) {
			h->order_ids[i] = v[i]->obj;
			h->order_refs[i] = v[i]->refs;
		}
		free(v);
		h->sorted = 1;
	}
	/* rows of the first @nrows: arrays as they are, pairs spread out */
	if (nrows > h->nobjs)
		nrows = h->nobjs;
	for (size_t i = 0; i < nrows; i++)
		nmem += !h->objs[u64map_get(&h->map, h->order_ids[i])].times;
	free(h->rows_mem);
	h->rows_mem = calloc(nmem ? nmem * T : 1, sizeof(*h->rows_mem));
	if (!h->rows_mem)
		return -ENOMEM;
	nmem = 0;
	for (size_t i = 0; i < h->nobjs; i++) {
		const struct obj *o;
		uint64_t *t;

		if (i >= nrows) {
			h->order_rows[i] = NULL;
			continue;
		}
		o = &h->objs[u64map_get(&h->map, h->order_ids[i])];
		if (o->times) {
			h->order_rows[i] = o->times;
			continue;
		}
		t = h->rows_mem + nmem++ * T;
		for (uint32_t k = 0; k < o->npairs; k++)
			t[o->pairs[k].bin] = o->pairs[k].cnt;
		h->order_rows[i] = t;
	}
	*objs = h->order_ids;
	*rows = h->order_rows;
	*refs = h->order_refs;
	return (ssize_t)h->nobjs;
}
