// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Insertions and evictions per object (plot.h): the add and delete events
 * of each object, counted in a table found by a map, and the detail
 * levels of all events.  Report draws its tables of the files most
 * inserted and evicted from it.  As a sink (sink.h) it is an object sink
 * like the heat's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ops/sink-int.h"
#include "pgtrace/plot.h"
#include "pgtrace/sink.h"
#include "util/u64map.h"
#include "util/util.h"

struct pgt_cache_count {
	struct u64map map;	/* object -> index in @v */
	struct pgt_cache_obj *v;
	size_t n, cap;
	unsigned levels;
};

struct pgt_cache_count *pgt_cache_count__new(void)
{
	return calloc(1, sizeof(struct pgt_cache_count));
}

void pgt_cache_count__free(struct pgt_cache_count *cc)
{
	if (!cc)
		return;
	u64map_release(&cc->map);
	free(cc->v);
	free(cc);
}

int pgt_cache_count__feed(struct pgt_cache_count *cc, const struct pgt_event *evs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct pgt_event *e = &evs[i];
		uint32_t k;

		cc->levels |= 1u << ((e->flags & PGT_F_LEVEL_MASK) >> PGT_F_LEVEL_SHIFT);
		if (e->type != PGT_EV_ADD && e->type != PGT_EV_DELETE)
			continue;
		k = u64map_get(&cc->map, e->obj);
		if (k == U64MAP_NONE) {
			if (pgt_grow_from((void **)&cc->v, &cc->cap, cc->n + 1, sizeof(*cc->v), 256))
				return -ENOMEM;
			k = (uint32_t)cc->n;
			if (u64map_put(&cc->map, e->obj, k))
				return -ENOMEM;
			memset(&cc->v[cc->n], 0, sizeof(cc->v[0]));
			cc->v[cc->n++].obj = e->obj;
		}
		if (e->type == PGT_EV_ADD) {
			cc->v[k].adds++;
			cc->v[k].add_pages += e->npages;
		} else {
			cc->v[k].dels++;
			cc->v[k].del_pages += e->npages;
		}
	}
	return 0;
}

const struct pgt_cache_obj *pgt_cache_count__objects(const struct pgt_cache_count *cc, size_t *n)
{
	*n = cc->n;
	return cc->v;
}

unsigned pgt_cache_count__levels(const struct pgt_cache_count *cc)
{
	return cc->levels;
}

static int cache_feed(void *cc, const struct pgt_event *evs, size_t n) { return pgt_cache_count__feed(cc, evs, n); }
static const struct pgt_obj_sink_kind cache_kind = PGT_OBJ_SINK_KIND("cache", cache_feed, NULL, 0);

struct pgt_sink *pgt_cache_count__sink(struct pgt_cache_count *cc)
{
	return pgt_obj_sink__new(&cache_kind, cc);
}
