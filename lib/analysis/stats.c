// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * stats: one pass over page references gives the LRU stack distance of
 * every reference (and so the miss ratio of every LRU size), reuse times,
 * inter-reference frequency, working sets over time and popularity.
 *
 * Stack distance (Bennett and Kruskal's method with a compacted time
 * axis): every reference takes the next "slot"; a page's live slot is
 * that of its last reference.  The distance of a re-reference is the
 * number of live slots after the page's old slot, plus one: the pages
 * referenced since, itself included, i.e. the LRU size it needs to hit.
 * Live slots are one bit each; blocks of 512 bits (one cache line) have
 * their counts in a Fenwick tree, so a count is a few hundred kilobytes
 * of tree walk plus one line of popcounts.  When the slots run out they
 * are renumbered in order (each page's new slot is its rank), in a space
 * of at least eight slots per live page: the bits cost a byte per page.
 *
 * Pages are found through an open-addressing table of 32-bit page ids;
 * a batch of references is hashed first and the table slots and page
 * records of references a few places ahead are prefetched, so the cache
 * misses of consecutive references overlap.
 *
 * SHARDS (Waldspurger et al., FAST 2015): with a rate R only pages whose
 * hash falls under R * 2^24 go through the stack; their distances are
 * scaled by 1/R and each counts 1/R references; miss ratios are over all
 * references seen, which puts the difference between those and the
 * sampled weight among the hits at distance 1 (SHARDS-adj).  The fixed-size variant keeps at most N sampled pages:
 * when one more arrives, the page with the largest hash leaves (a max
 * heap) and R drops to that hash.
 */#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/stats-int.h"
#include "util/opts.h"

static int live_alloc(struct live *l, uint32_t cap)
{
	l->bits = calloc(cap / 64, sizeof(*l->bits));
	l->fen = calloc(cap / BLOCK_BITS + 1, sizeof(*l->fen));
	if (!l->bits || !l->fen) {
		free(l->bits);
		free(l->fen);
		l->bits = NULL;
		l->fen = NULL;
		return -ENOMEM;
	}
	l->cap = cap;
	l->nblocks = cap / BLOCK_BITS;
	return 0;
}

static inline void fen_add(struct live *l, uint32_t block, int32_t d)
{
	for (uint32_t i = block + 1; i <= l->nblocks; i += i & -i)
		l->fen[i] += (uint32_t)d;
}

static inline void live_set(struct live *l, uint32_t slot)
{
	l->bits[slot / 64] |= 1ull << (slot % 64);
	fen_add(l, slot / BLOCK_BITS, 1);
	l->n++;
}

static inline void live_clear(struct live *l, uint32_t slot)
{
	l->bits[slot / 64] &= ~(1ull << (slot % 64));
	fen_add(l, slot / BLOCK_BITS, -1);
	l->n--;
}

/* Bits set in @x (the x86-64 baseline has no popcnt instruction; the
 * compiler's fallback is a call). */
static inline uint32_t popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (uint32_t)((x * 0x0101010101010101ull) >> 56);
}

/* Live slots at or before @slot. */
static inline uint32_t live_upto(const struct live *l, uint32_t slot)
{
	uint32_t block = slot / BLOCK_BITS, s = 0;
	const uint64_t *w = l->bits + (size_t)block * (BLOCK_BITS / 64);
	uint32_t last = (slot % BLOCK_BITS) / 64;

	for (uint32_t i = block; i > 0; i -= i & -i)
		s += l->fen[i];
	for (uint32_t i = 0; i < last; i++)
		s += popcount64(w[i]);
	s += popcount64(w[last] & (~0ull >> (63 - slot % 64)));
	return s;
}

static inline uint64_t page_hash(uint64_t salt, uint32_t obj, uint64_t key)
{
	return u64map_hash(key * 0x9E3779B97F4A7C15ull + obj * 0xC2B2AE3D27D4EB4Full + salt);
}

static inline uint32_t sample_of(uint64_t h)
{
	return (uint32_t)(h >> (64 - SAMPLE_BITS));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct pgt_stats *pgt_stats__new(const struct pgt_stats_opts *o, int *err)
{
	struct pgt_stats_opts o_;
	struct pgt_stats *s;

	*err = -EINVAL;
	if (!o || !PGT_OPTS_VALID(o))
		return NULL;
	o = PGT_OPTS_FIT(o, &o_);	/* a shorter struct: defaults for the rest */
	*err = -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->o = *o;
	if (!s->o.refs)
		s->o.refs = pgt_refs_default();
	if (!s->o.window && !s->o.window_ns)
		s->o.window = DEFAULT_WINDOW;
	if (s->o.sample_rate < 0 || s->o.sample_rate > 1) {
		*err = -EINVAL;
		goto fail;
	}
	s->threshold = SAMPLE_ONE;
	if (s->o.sample_rate > 0 && s->o.sample_rate < 1)
		s->threshold = (uint32_t)(s->o.sample_rate * SAMPLE_ONE);
	if (!s->threshold)
		s->threshold = 1;
	s->weight = (double)SAMPLE_ONE / s->threshold;
	if (s->threshold < SAMPLE_ONE || s->o.sample_size)
		s->o.no_pages = 1;	/* per-page results of a sample: not the trace's */
	if (s->o.sample_size) {
		if (s->o.sample_size > UINT32_MAX / 2) {
			*err = -EINVAL;
			goto fail;
		}
		/* the heap grows with the sampled pages (heap_room()) */
	}
	if (o->nsizes && s->threshold == SAMPLE_ONE && !s->o.sample_size) {
		s->sizes = malloc(o->nsizes * sizeof(*s->sizes));
		s->above = calloc(o->nsizes + 1, sizeof(*s->above));
		if (!s->sizes || !s->above)
			goto fail;
		memcpy(s->sizes, o->sizes, o->nsizes * sizeof(*s->sizes));
		qsort(s->sizes, o->nsizes, sizeof(*s->sizes), cmp_u64);
		s->o.sizes = s->sizes;
	}
	if (live_alloc(&s->live, BLOCK_BITS))
		goto fail;
	s->idbits = 1;		/* no pages yet */
	s->idmask = 1;
	s->free_id = NONE;
	*err = 0;
	return s;
fail:
	pgt_stats__free(s);
	return NULL;
}

void pgt_stats__free(struct pgt_stats *s)
{
	if (!s)
		return;
	free(s->pages);
	free(s->px);
	free(s->last_ns);
	free(s->table);
	free(s->live.bits);
	free(s->live.fen);
	free(s->heap);
	free(s->dist);
	free(s->reuse);
	free(s->reuse_tot);
	free(s->tail);
	free(s->tail_tot);
	free(s->above);
	free(s->sizes);
	free(s->win);
	free(s->objs);
	free(s->ranks);
	free(s);
}

/* ---- page table ---- */

/*
 * Table entries hold the page id + 1 in the low idbits bits (enough for
 * every id the page array can hold) and the top bits of the page's hash
 * above, so a probe only reads the page record of an entry whose tag
 * matches: one cache miss per lookup instead of one per probe.
 */
static inline uint32_t tag_of(const struct pgt_stats *s, uint64_t h)
{
	return (uint32_t)(h >> 32) >> s->idbits;
}

static inline uint32_t entry_id(const struct pgt_stats *s, uint32_t v)
{
	return (v & s->idmask) - 1;
}

/* Rebuild the table with @ncap slots and the current idbits. */
static int table_rebuild(struct pgt_stats *s, uint32_t ncap)
{
	uint32_t *t = calloc(ncap, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (uint32_t i = 0; s->table && i <= s->tmask; i++) {
		uint32_t v = s->table[i], id, j;
		uint64_t h;

		if (!v)
			continue;
		id = (v & s->idmask) - 1;	/* the old mask: set by the caller after */
		h = page_hash(s->o.salt, s->pages[id].obj, s->pages[id].key);
		for (j = (uint32_t)h & (ncap - 1); t[j]; j = (j + 1) & (ncap - 1))
			;
		t[j] = id + 1;		/* tagged below, once idbits is final */
	}
	free(s->table);
	s->table = t;
	s->tmask = ncap - 1;
	return 0;
}

/* Tag the untagged entries of a rebuilt table. */
static void table_tag(struct pgt_stats *s)
{
	for (uint32_t i = 0; i <= s->tmask; i++) {
		uint32_t v = s->table[i];

		if (v) {
			const struct page *pg = &s->pages[v - 1];

			s->table[i] = tag_of(s, page_hash(s->o.salt, pg->obj, pg->key)) << s->idbits | v;
		}
	}
}

static void set_idbits(struct pgt_stats *s)
{
	s->idbits = 1;
	while (s->idbits < 31 && ((uint64_t)1 << s->idbits) <= s->cap_pages)
		s->idbits++;
	s->idmask = (uint32_t)((1ull << s->idbits) - 1);
}

static int table_grow(struct pgt_stats *s)
{
	uint32_t ncap = s->table ? (s->tmask + 1) * 2 : TABLE_MIN;

	if (ncap < TABLE_MIN || table_rebuild(s, ncap))
		return -ENOMEM;
	table_tag(s);
	return 0;
}

static int pages_grow(struct pgt_stats *s)
{
	uint32_t ncap = s->cap_pages ? s->cap_pages * 2 : PAGES_MIN;
	void *p;

	if (ncap <= s->cap_pages || ncap > (1u << 30))
		return -ENOMEM;
	p = realloc(s->pages, (size_t)ncap * sizeof(*s->pages));
	if (!p)
		return -ENOMEM;
	s->pages = p;
	if (!s->o.no_pages) {
		p = realloc(s->px, (size_t)ncap * sizeof(*s->px));
		if (!p)
			return -ENOMEM;
		s->px = p;
		if (s->o.irf_clock == PGT_IRF_NS) {
			p = realloc(s->last_ns, (size_t)ncap * sizeof(*s->last_ns));
			if (!p)
				return -ENOMEM;
			s->last_ns = p;
		}
	}
	s->cap_pages = ncap;
	if (((uint64_t)1 << s->idbits) <= ncap && s->table) {
		/* ids need one more bit: the tags lose one, in place */
		uint32_t omask = s->idmask;

		set_idbits(s);
		for (uint32_t i = 0; i <= s->tmask; i++)
			if (s->table[i])
				s->table[i] &= omask;
		table_tag(s);
	} else {
		set_idbits(s);
	}
	return 0;
}

/* Remove page @id's table entry (backward-shift deletion). */
static void table_del(struct pgt_stats *s, uint32_t id)
{
	const struct page *pg = &s->pages[id];
	uint32_t i = (uint32_t)page_hash(s->o.salt, pg->obj, pg->key) & s->tmask, j;

	while ((s->table[i] & s->idmask) != id + 1)
		i = (i + 1) & s->tmask;
	s->table[i] = 0;
	for (j = i;;) {
		uint32_t k, v;

		j = (j + 1) & s->tmask;
		v = s->table[j];
		if (!v)
			break;
		k = (uint32_t)page_hash(s->o.salt, s->pages[entry_id(s, v)].obj, s->pages[entry_id(s, v)].key) &
		    s->tmask;
		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			s->table[i] = v;
			s->table[j] = 0;
			i = j;
		}
	}
	s->tused--;
}

/* ---- slots ---- */

static int live_compact(struct pgt_stats *s)
{
	struct live *l = &s->live, nl = { 0 };
	uint64_t want = (uint64_t)l->n * 8 + BLOCK_BITS;
	uint32_t ncap = l->cap;

	if (want > ncap) {
		want = (want + BLOCK_BITS - 1) / BLOCK_BITS * BLOCK_BITS;
		if (want > UINT32_MAX - BLOCK_BITS)
			return -ENOMEM;
		ncap = (uint32_t)want;
	}
	if (live_alloc(&nl, ncap))
		return -ENOMEM;
	/* every live slot belongs to a page; its rank is its new slot */
	for (uint32_t id = 0; id < s->npages; id++) {
		struct page *pg = &s->pages[id];

		if (pg->slot != NONE && pg->last != UINT64_MAX)	/* live, not free */
			pg->slot = live_upto(l, pg->slot) - 1;
	}
	for (uint32_t i = 0; i < l->n; i++)
		nl.bits[i / 64] |= 1ull << (i % 64);
	for (uint32_t b = 0; b < nl.nblocks; b++) {
		uint32_t lo = b * BLOCK_BITS;
		uint32_t c = l->n > lo ? (l->n - lo < BLOCK_BITS ? l->n - lo : BLOCK_BITS) : 0;

		nl.fen[b + 1] += c;
		if (b + 1 + ((b + 1) & -(b + 1)) <= nl.nblocks)
			nl.fen[b + 1 + ((b + 1) & -(b + 1))] += nl.fen[b + 1];
	}
	nl.n = l->n;
	nl.next = l->n;
	free(l->bits);
	free(l->fen);
	*l = nl;
	return 0;
}

static inline int take_slot(struct pgt_stats *s, uint32_t *slot)
{
	if (s->live.next == s->live.cap && live_compact(s))
		return -ENOMEM;
	*slot = s->live.next++;
	live_set(&s->live, *slot);
	return 0;
}

/* ---- fixed-size sampling ---- */

/* Room for one more heap entry (at most sample_size + 1 are held). */
static int heap_room(struct pgt_stats *s)
{
	uint64_t nc;
	void *p;

	if (s->nheap < s->capheap)
		return 0;
	nc = s->capheap ? (uint64_t)s->capheap * 2 : HEAP_MIN;
	if (nc > s->o.sample_size + 1)
		nc = s->o.sample_size + 1;
	p = realloc(s->heap, nc * sizeof(*s->heap));
	if (!p)
		return -ENOMEM;
	s->heap = p;
	s->capheap = (uint32_t)nc;
	return 0;
}

static void heap_push(struct pgt_stats *s, uint32_t h, uint32_t id)
{
	uint32_t i = s->nheap++;

	while (i) {
		uint32_t p = (i - 1) / 2;

		if (s->heap[p].h >= h)
			break;
		s->heap[i] = s->heap[p];
		i = p;
	}
	s->heap[i] = (struct heapent){ h, id };
}

static struct heapent heap_pop(struct pgt_stats *s)
{
	struct heapent top = s->heap[0], x = s->heap[--s->nheap];
	uint32_t i = 0;

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= s->nheap)
			break;
		if (c + 1 < s->nheap && s->heap[c + 1].h > s->heap[c].h)
			c++;
		if (s->heap[c].h <= x.h)
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->nheap)
		s->heap[i] = x;
	return top;
}

static void drop_page(struct pgt_stats *s, uint32_t id)
{
	struct page *pg = &s->pages[id];

	live_clear(&s->live, pg->slot);
	table_del(s, id);
	pg->last = UINT64_MAX;		/* on the free list */
	pg->slot = s->free_id;
	s->free_id = id;
}

/* Sampled pages over the limit: those with the largest hash go, and the
 * threshold drops to that hash, so pages with an equal hash go too. */
static void shrink_sample(struct pgt_stats *s)
{
	while (s->nheap > s->o.sample_size) {
		struct heapent e = heap_pop(s);

		s->threshold = e.h;
		drop_page(s, e.id);
		while (s->nheap && s->heap[0].h >= s->threshold)
			drop_page(s, heap_pop(s).id);
	}
	s->weight = (double)SAMPLE_ONE / s->threshold;
}

/* ---- windows ---- */

int pgt_stats_close_window(struct pgt_stats *s)
{
	struct pgt_wss_window *w;

	if (!s->win_open)
		return 0;
	if (pgt_grow_from((void **)&s->win, &s->capwin, s->nwin + 1, sizeof(*s->win), WIN_MIN))
		return -ENOMEM;
	w = &s->win[s->nwin++];
	w->start_ref = s->win_ref;
	w->start_ts = s->win_ts;
	w->refs = s->refs - s->win_ref;
	w->pages = (uint64_t)llround(s->win_pages);
	s->win_open = 0;
	return 0;
}

static inline int window_check(struct pgt_stats *s, uint64_t ts)
{
	if (s->win_open) {
		if (s->o.window_ns ? ts - s->win_ts < s->o.window_ns || ts < s->win_ts
				   : s->refs - s->win_ref < s->o.window)
			return 0;
		if (pgt_stats_close_window(s))
			return -ENOMEM;
	}
	s->win_open = 1;
	s->win_pages = 0;
	if (s->o.window_ns && s->nwin)		/* on the grid of the first window */
		s->win_ts = s->win_ts + (ts - s->win_ts) / s->o.window_ns * s->o.window_ns;
	else
		s->win_ts = ts;
	s->win_ref = s->refs;
	return 0;
}

/* ---- histograms ---- */

/* Grow the arrays of @n bins at *@a.. to @ncap bins, the new ones zero. */
int pgt_stats_grow_bins(double **a, size_t na, unsigned n, unsigned ncap)
{
	for (size_t i = 0; i < na; i++) {
		double *p = realloc(a[i], ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		memset(p + n, 0, (ncap - n) * sizeof(*p));
		a[i] = p;
	}
	return 0;
}

/* Room in the reference histograms for bin @b. */
int pgt_stats_hist_room(struct pgt_stats *s, unsigned b)
{
	double *h[3] = { s->dist, s->reuse, s->reuse_tot };
	unsigned nc = s->hcap ? s->hcap : HIST_MIN;
	int err;

	while (nc <= b)
		nc *= 2;
	if (nc > PGT_HIST_BINS)
		nc = PGT_HIST_BINS;
	err = pgt_stats_grow_bins(h, 3, s->hcap, nc);
	/* each array that moved is kept, so none is lost on failure */
	s->dist = h[0];
	s->reuse = h[1];
	s->reuse_tot = h[2];
	if (err)
		return err;
	s->hcap = nc;
	return 0;
}

/* ---- one reference ---- */

static inline void count_sizes(struct pgt_stats *s, uint64_t d)
{
	size_t lo = 0, hi = s->o.nsizes;

	while (lo < hi) {		/* sizes below d miss */
		size_t mid = (lo + hi) / 2;

		if (s->sizes[mid] < d)
			lo = mid + 1;
		else
			hi = mid;
	}
	s->above[lo]++;
}

static int new_page(struct pgt_stats *s, uint32_t obj, uint64_t key, uint64_t h, uint32_t pos,
		    uint64_t ts)
{
	struct page *pg;
	uint32_t id;
	int err;

	if (s->free_id != NONE) {
		id = s->free_id;
		s->free_id = s->pages[id].slot;
	} else {
		id = s->npages++;	/* the caller made room */
	}
	pg = &s->pages[id];
	pg->key = key;
	pg->obj = obj;
	pg->last = s->refs;
	pg->slot = NONE;	/* not live while the slots may be renumbered */
	err = take_slot(s, &pg->slot);
	if (err)
		return err;
	s->table[pos] = tag_of(s, h) << s->idbits | (id + 1);
	s->tused++;
	if (s->px) {
		s->px[id].irf = 0;
		s->px[id].cnt = 1;
		if (s->last_ns)
			s->last_ns[id] = ts;
	}
	s->cold += s->weight;
	s->win_pages += s->weight;
	if (s->o.sample_size) {
		if (heap_room(s))
			return -ENOMEM;
		heap_push(s, sample_of(h), id);
		if (s->nheap > s->o.sample_size)
			shrink_sample(s);
	}
	return 0;
}

static inline int old_page(struct pgt_stats *s, uint32_t id, uint64_t ts)
{
	struct page *pg = &s->pages[id];
	uint64_t d = s->live.n - live_upto(&s->live, pg->slot) + 1;
	uint64_t rt = s->refs - pg->last, sd = d;
	double w = s->weight;
	unsigned b, db;

	if (w != 1.0)
		sd = (uint64_t)((double)d * w + 0.5);
	db = pgt_hist_bin(sd - 1);
	b = pgt_hist_bin(rt);
	if ((db >= s->hcap || b >= s->hcap) && pgt_stats_hist_room(s, db > b ? db : b))
		return -ENOMEM;
	s->dist[db] += w;
	s->dist_sum += (double)sd * w;
	s->dist_n += w;
	if (s->above)
		count_sizes(s, d);
	s->reuse[b] += w;
	s->reuse_tot[b] += (double)rt * w;
	s->reuse_sum += (double)rt * w;
	s->reuse_n += w;
	if (pg->last < s->win_ref)
		s->win_pages += w;
	if (s->px) {
		uint64_t gap = rt;

		if (s->last_ns) {
			gap = ts > s->last_ns[id] ? ts - s->last_ns[id] : 1;
			s->last_ns[id] = ts;
		}
		s->px[id].irf += s->last_ns ? 1e9 / (double)gap : 1.0 / (double)gap;
		if (s->px[id].cnt != UINT32_MAX)
			s->px[id].cnt++;
	}
	/* the page moves to the newest slot */
	live_clear(&s->live, pg->slot);
	pg->last = s->refs;
	pg->slot = NONE;
	return take_slot(s, &pg->slot);
}

static inline int one_ref(struct pgt_stats *s, uint32_t obj, uint64_t key, uint64_t h, uint64_t ts)
{
	uint32_t i, v;
	int err = 0;

	if (!s->refs)
		s->first_ts = ts;
	s->last_ts = ts;
	err = window_check(s, ts);
	if (err)
		return err;
	if (sample_of(h) < s->threshold) {
		uint32_t tag;

		s->sampled++;
		s->sampled_w += s->weight;
		/* room first: growing moves the table, and i is a slot of it */
		if (s->npages == s->cap_pages && s->free_id == NONE && pages_grow(s))
			return -ENOMEM;
		if ((s->tused + 1) * 10 > (s->tmask + 1) * 7 && table_grow(s))
			return -ENOMEM;
		tag = tag_of(s, h);
		for (i = (uint32_t)h & s->tmask; (v = s->table[i]); i = (i + 1) & s->tmask) {
			const struct page *pg;

			if (v >> s->idbits != tag)
				continue;
			pg = &s->pages[entry_id(s, v)];
			if (pg->key == key && pg->obj == obj)
				break;
		}
		if (v)
			err = old_page(s, entry_id(s, v), ts);
		else
			err = new_page(s, obj, key, h, i, ts);
	}
	s->refs++;
	return err;
}

int pgt_stats__ref(struct pgt_stats *s, uint32_t obj, uint64_t key, uint64_t ts)
{
	return one_ref(s, obj, key, page_hash(s->o.salt, obj, key), ts);
}

struct pending {
	uint64_t key, h, ts;
	uint32_t obj, id;	/* id: table entry seen ahead (a hint) */
};

int pgt_stats__feed(struct pgt_stats *s, const struct pgt_event *ev, size_t n)
{
	struct pending q[BATCH];
	size_t nq = 0, i = 0;
	uint64_t p = 0;
	int err = 0;

	if (!s->table && table_grow(s))
		return -ENOMEM;
	if (s->threshold < SAMPLE_ONE / 2) {
		/* sampled: few references reach the table; no batching, and
		 * the others only count and move the window */
		for (; i < n; i++) {
			uint64_t cnt;

			if (i + 16 < n)
				__builtin_prefetch(&ev[i + 16]);
			cnt = pgt_refs_count(&ev[i], s->o.refs, s->o.space);
			for (p = 0; p < cnt; p++) {
				struct pgt_ref r;
				uint64_t h;

				pgt_refs_at(&ev[i], s->o.space, p, &r);
				h = page_hash(s->o.salt, r.obj, r.key);
				if (sample_of(h) >= s->threshold && s->refs && s->win_open && !s->o.window_ns &&
				    s->refs - s->win_ref < s->o.window) {
					s->refs++;
					s->last_ts = r.ts;
					continue;
				}
				err = one_ref(s, r.obj, r.key, h, r.ts);
				if (err)
					return err;
			}
		}
		return 0;
	}
	while (i < n || nq) {
		/* fill a batch of references */
		while (i < n && nq < BATCH) {
			uint64_t cnt;

			if (i + 16 < n)
				__builtin_prefetch(&ev[i + 16]);
			cnt = pgt_refs_count(&ev[i], s->o.refs, s->o.space);

			if (p >= cnt) {
				i++;
				p = 0;
				continue;
			}
			{
				struct pgt_ref r;

				pgt_refs_at(&ev[i], s->o.space, p++, &r);
				q[nq].key = r.key;
				q[nq].obj = r.obj;
				q[nq].ts = r.ts;
				q[nq].h = page_hash(s->o.salt, r.obj, r.key);
				q[nq].id = 0;
				nq++;
			}
		}
		/* three stages ahead: the table slot, the page, its slot's bits */
		for (size_t j = 0; j < nq && j < AHEAD; j++)
			__builtin_prefetch(&s->table[q[j].h & s->tmask]);
		for (size_t j = 0; j < nq; j++) {
			if (j + AHEAD < nq)
				__builtin_prefetch(&s->table[q[j + AHEAD].h & s->tmask]);
			if (j + AHEAD / 2 < nq) {
				uint64_t hh = q[j + AHEAD / 2].h;
				uint32_t ii = (uint32_t)hh & s->tmask, tg = tag_of(s, hh), v;

				while ((v = s->table[ii]) && v >> s->idbits != tg)
					ii = (ii + 1) & s->tmask;
				v = v ? (v & s->idmask) : 0;
				q[j + AHEAD / 2].id = v;
				if (v) {
					__builtin_prefetch(&s->pages[v - 1]);
					if (s->px)
						__builtin_prefetch(&s->px[v - 1]);
				}
			}
			if (j + AHEAD / 4 < nq && q[j + AHEAD / 4].id && q[j + AHEAD / 4].id <= s->npages)
				__builtin_prefetch(&s->live.bits[s->pages[q[j + AHEAD / 4].id - 1].slot / 64 % (s->live.cap / 64)]);
			err = one_ref(s, q[j].obj, q[j].key, q[j].h, q[j].ts);
			if (err)
				return err;
		}
		nq = 0;
	}
	return 0;
}
