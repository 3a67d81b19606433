// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * linux: a model of this kernel's page cache replacement for file pages
 * (Linux 6.18 with the classic two-list LRU, CONFIG_LRU_GEN off or
 * disabled, no swap), one lruvec: the cache simulated is one memory
 * cgroup's file LRU, or one node's.
 *
 * How a trace maps onto it: every reference of a page (a read(2) that
 * finds the page or inserts it, a mapping whose accessed bit munmap
 * passes on) is one request.  A miss is filemap_add_folio() followed by
 * folio_mark_accessed(); a hit is folio_mark_accessed() alone.  filemap_read()
 * does not mark a folio accessed again when the read starts in the folio
 * where the previous read of the file ended (pos_same_folio() against
 * ra->prev_pos): the model takes a request for the same page as the
 * request just before it as that case and does not mark it.
 *
 * The state: two lists, inactive and active (LRU_INACTIVE_FILE,
 * LRU_ACTIVE_FILE), each with its head the most recently added end; per
 * page the flags PG_referenced, PG_active (which list) and
 * PG_workingset; the lruvec's nonresident_age; one shadow entry per
 * evicted page (the eviction's age and PG_workingset).
 *
 * What each step follows, function by function (mm/ of 6.18):
 *
 *  - mm/filemap.c, filemap_add_folio(): charges the folio to the memory
 *    cgroup first (mem_cgroup_charge(); at the limit that reclaims, here
 *    linux_reclaim() until the page fits), then stores it in the mapping,
 *    where a shadow entry of an earlier eviction may be found and is
 *    replaced: with one, workingset_refault(); then folio_add_lru().
 *    So the evictions that make room advance the age before the refault
 *    test, and the test sees the active list after them.
 *  - mm/workingset.c, workingset_refault() / workingset_test_recent():
 *    refault distance = nonresident_age now - the age stored at eviction;
 *    the page is activated (PG_active before it reaches the LRU) when the
 *    distance <= the workingset size, which for a file page with no swap
 *    is NR_ACTIVE_FILE (the active list's pages) alone.  Activation
 *    advances the age (workingset_age_nonresident()), and a shadow that
 *    had PG_workingset gives the page PG_workingset again (the
 *    "restore" case, which matters to PSI, not to the lists).  Not
 *    recent: nothing happens, the page is inserted inactive.
 *  - mm/swap.c, folio_add_lru() / lru_add(): the folio goes to the head
 *    of the list its PG_active names.
 *  - mm/swap.c, folio_mark_accessed(): not PG_referenced -> set it; an
 *    inactive referenced page -> folio_activate() (to the head of the
 *    active list), clear PG_referenced, workingset_activation() (which
 *    advances nonresident_age by the folio's pages); an active
 *    referenced page: nothing.
 *  - mm/vmscan.c, shrink_inactive_list() / shrink_folio_list() /
 *    folio_check_references(): reclaim takes the inactive tail.  An
 *    unmapped clean file folio is reclaimed whether or not it has
 *    PG_referenced (FOLIOREF_RECLAIM_CLEAN: the flag is cleared, the
 *    folio freed): a page read once more while inactive is not saved
 *    unless that read activated it.
 *  - mm/workingset.c, workingset_eviction(): the shadow stores the age
 *    before the eviction, then the age advances by the folio's pages.
 *  - mm/vmscan.c, inactive_is_low() / shrink_active_list(): the active
 *    list is shrunk into the inactive one while inactive * ratio <
 *    active, ratio = int_sqrt(10 * GB of the two lists), 1 below 1 GB
 *    (262144 pages): a cache below 1 GB keeps at least half of it
 *    inactive once reclaim runs; a 4 GB cache (ratio 6) keeps a seventh.
 *    The active tail goes to the inactive head with PG_active cleared and
 *    PG_workingset set; PG_referenced is left as it was (an unmapped
 *    page's folio_referenced() finds no PTE), so a deactivated page
 *    that was read while active is activated again by its next read.
 *    When the inactive list is empty the active list is shrunk whatever
 *    the ratio (reclaim has nothing else).
 *
 * Balance: the model deactivates before each eviction while the inactive
 * list is low, one page at a time.  The kernel decides per reclaim cycle
 * (prepare_scan_control(): may_deactivate) and also deactivates when
 * file refault activations happened since the last cycle
 * (WORKINGSET_ACTIVATE_FILE against lruvec->refaults), scanning the
 * active list in proportion to its size (get_scan_count()) whatever the
 * ratio.  The model leaves that out, measured both ways: the counter is
 * a memory cgroup statistic, read as of its last flush (periodic, every
 * 2 s, or when memory.stat is read), and the snapshot taken at the end
 * of a cycle equals it until the next flush, so the kernel deactivates
 * that way about once a flush, not once a cycle.  A variant of this
 * model that did it every 32-page cycle with activations since the last
 * predicted 0.400 for a Zipf run where the kernel made 0.390 misses (this
 * model 0.389), and 0.904 / 0.835 on bench/validate.sh's scan-plus-hot-
 * set workload at 4475 / 8577 pages where the kernel made 0.880 / 0.794
 * (this model 0.865 / 0.779): the kernel sits between, nearer this model.
 * Reclaim in 32-page batches alone changed those figures by < 0.001.
 *
 * Shadow entries: the model keeps one per evicted page, unbounded (in
 * the 4-byte slot of the id map the page's node had; ages modulo 2^29,
 * see SHADOW below).  The kernel bounds them per node through
 * the shadow-node shrinker (count_shadow_nodes(): about lru pages / 8
 * xarray nodes of 64 slots, i.e. up to several times the cache's pages);
 * a shadow older than that has a distance above the active list's size
 * anyway (each eviction advances the age), so it would not activate its
 * page, and an absent shadow and a shadow too old for the test have the
 * same effect: for the miss counts, unbounded and the kernel's bound agree.
 *
 * Left out: the per-CPU LRU batches (cpu_fbatches: a new or activated
 * folio waits in a batch of up to 31 before reaching its list, and a
 * folio in a batch cannot be reclaimed); reclaim in batches of
 * SWAP_CLUSTER_MAX (32) pages and memcg charge batches (the cache
 * shrinks by a batch, then refills); mapped pages and their PTE young
 * bits (folio_referenced(): a young mapped page is activated or kept at
 * reclaim, VM_EXEC pages stay active); readahead (pages inserted that
 * nobody asked for: the model inserts only what is referenced); dirty
 * and writeback pages (deferred, rotated); large folios (the model's
 * unit is a page); the nonresident age's bucket_order granularity (exact
 * on 64-bit machines for any realistic memory); the rate limiting of the
 * memcg statistics the refault test reads.  Sizes: the nonresident age
 * and the workingset size it is compared with count objects, as the
 * kernel counts pages (with --bytes, a page trace's objects are its
 * pages; counting bytes would also wrap the 29-bit shadow ages 4096
 * times sooner); the lists' balance counts units.  The inactive ratio
 * counts GB as 262144 objects (pages, or with --bytes the objects of an
 * imported trace, whatever their size), and in a miniature simulation
 * (--sample) it sees the scaled-down cache: 1 below 1 GB / R.
 */
#include "analysis/policy.h"

enum { INACTIVE, ACTIVE };

#define F_REFERENCED 1u
#define F_WORKINGSET 2u

struct linux_lru {
	struct pol p;
	struct pol_map where;	/* by id: a pool node, a shadow (SHADOW set) or POL_NIL */
	struct pol_pool pool;
	struct pol_list lists[2];
	uint64_t age;		/* the lruvec's nonresident_age */
	uint32_t last;		/* id of the previous request, POL_NIL at start */
};

static struct pol *linux_new(uint64_t cap, uint32_t nids, int *err)
{
	struct linux_lru *x = calloc(1, sizeof(*x));

	(void)nids;
	if (!x) {
		*err = -ENOMEM;
		return NULL;
	}
	x->p.ops = &pgt_pol_linux;
	x->p.cap = cap;
	x->last = POL_NIL;
	pol_pool_init(&x->pool);
	pol_list_init(&x->lists[INACTIVE]);
	pol_list_init(&x->lists[ACTIVE]);
	return &x->p;
}

static uint64_t isqrt(uint64_t v)
{
	uint64_t r = 0, b = (uint64_t)1 << 62;

	while (b > v)
		b >>= 2;
	while (b) {
		if (v >= r + b) {
			v -= r + b;
			r = (r >> 1) + b;
		} else {
			r >>= 1;
		}
		b >>= 2;
	}
	return r;
}

/*
 * inactive_is_low(): the ratio is recomputed from the lists' pages, as
 * the kernel does, so it changes only when the total crosses a GB.  The
 * GB are counted in nodes (pages, or with --bytes objects, which are
 * pages in a page trace: the same answer either way), the balance in
 * units.
 */
static int inactive_is_low(const struct linux_lru *x)
{
	uint64_t in = x->lists[INACTIVE].units, act = x->lists[ACTIVE].units;
	uint64_t pages = x->lists[INACTIVE].n + x->lists[ACTIVE].n, gb, ratio;

	gb = pages >> 18;
	ratio = gb ? isqrt(10 * gb) : 1;
	return in * ratio < act;
}

/* shrink_active_list() for one page: the active tail to the inactive head. */
static void deactivate_tail(struct linux_lru *x)
{
	uint32_t v = x->lists[ACTIVE].tail;
	struct pol_node *n = &x->pool.v[v];

	pol_list_remove(&x->pool, &x->lists[ACTIVE], 0, v);
	n->list[0] = INACTIVE;
	n->aux |= F_WORKINGSET;
	pol_list_push_head(&x->pool, &x->lists[INACTIVE], 0, v);
}

/*
 * A shadow entry lives in the id's slot of the map, where the page's
 * node was: bit 31 set, bit 30 clear (so never POL_NIL), the age at
 * eviction modulo 2^29 above the PG_workingset bit.  The refault distance
 * is taken modulo 2^29 as the kernel takes it modulo EVICTION_MASK (the
 * bits of a long that pack_shadow() leaves after the memcg id, the node
 * and PG_workingset, more than 29 on 64-bit): only a page absent for more than
 * 2^29 evictions and activations can alias, and then only when the
 * remainder falls within the active list's size.  One array for both
 * keeps a miss to one random access of the map, as in lru.
 */
#define SHADOW 0x80000000u
#define SHADOW_AGE_MASK ((1u << 29) - 1)
#define POOL_MAX 0x7fffffffu	/* node indices stay below SHADOW */

/* shrink_inactive_list() + workingset_eviction() for the inactive tail. */
static void evict_tail(struct linux_lru *x)
{
	uint32_t v = x->lists[INACTIVE].tail;
	struct pol_node *n = &x->pool.v[v];

	pol_list_remove(&x->pool, &x->lists[INACTIVE], 0, v);
	x->where.v[n->id] = SHADOW | ((uint32_t)x->age & SHADOW_AGE_MASK) << 1 |
			    !!(n->aux & F_WORKINGSET);
	x->age++;
	pol_pool_put(&x->pool, v);
}

/* Reclaim until @need more units fit. */
static void linux_reclaim(struct linux_lru *x, uint64_t need)
{
	while (x->lists[INACTIVE].units + x->lists[ACTIVE].units + need > x->p.cap) {
		while (x->lists[ACTIVE].n &&
		       (!x->lists[INACTIVE].n || inactive_is_low(x)))
			deactivate_tail(x);
		if (!x->lists[INACTIVE].n)
			break;
		evict_tail(x);
	}
}

/* folio_mark_accessed() */
static void mark_accessed(struct linux_lru *x, uint32_t e)
{
	struct pol_node *n = &x->pool.v[e];

	if (!(n->aux & F_REFERENCED)) {
		n->aux |= F_REFERENCED;
	} else if (n->list[0] == INACTIVE) {
		pol_list_remove(&x->pool, &x->lists[INACTIVE], 0, e);
		n->list[0] = ACTIVE;
		n->aux &= ~F_REFERENCED;
		pol_list_push_head(&x->pool, &x->lists[ACTIVE], 0, e);
		x->age++;	/* workingset_activation() */
	}
}

static int linux_get(struct pol *p, const struct pol_req *r)
{
	struct linux_lru *x = (struct linux_lru *)p;
	uint32_t e = pol_map_get(&x->where, r->id);
	int repeat = r->id == x->last;
	uint32_t s;
	struct pol_node *n;

	x->last = r->id;
	if (e != POL_NIL && !(e & SHADOW)) {
		if (!repeat)
			mark_accessed(x, e);
		return 1;
	}
	/* filemap_add_folio(): the charge reclaims first; the evictions
	 * leave this id's slot alone (the page is not cached) */
	linux_reclaim(x, r->size);
	s = e;
	e = pol_pool_alloc(&x->pool);
	if (e == POL_NIL || e > POOL_MAX || pol_map_set(&x->where, r->id, e))
		return -ENOMEM;
	n = &x->pool.v[e];
	n->id = r->id;
	n->size = r->size;
	n->list[0] = INACTIVE;
	if (s != POL_NIL) {
		/* workingset_refault(): the node replaced the shadow either way */
		uint32_t distance = ((uint32_t)x->age - (s >> 1)) & SHADOW_AGE_MASK;

		if (distance <= x->lists[ACTIVE].n) {
			n->list[0] = ACTIVE;
			x->age++;
			if (s & 1)
				n->aux |= F_WORKINGSET;
		}
	}
	pol_list_push_head(&x->pool, &x->lists[n->list[0]], 0, e);
	mark_accessed(x, e);
	p->used = x->lists[INACTIVE].units + x->lists[ACTIVE].units;
	return 0;
}

static size_t linux_bytes(const struct pol *p)
{
	const struct linux_lru *x = (const struct linux_lru *)p;

	return sizeof(*x) + pol_arrays_bytes(&x->where, &x->pool);
}

static void linux_free(struct pol *p)
{
	struct linux_lru *x = (struct linux_lru *)p;

	if (!x)
		return;
	pol_arrays_release(&x->where, &x->pool);
	free(x);
}

const struct pol_ops pgt_pol_linux = {
	.name = "linux",
	.desc = "this kernel's file LRU: inactive/active lists, refault activation",
	.new = linux_new, .get = linux_get, .bytes = linux_bytes, .free = linux_free,
};
