// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz target for the analyses: any bytes become events (12 bytes each:
 * type, object, pages, a time step and a page index taken whole, so
 * indexes like 2^63 and 0 meet), fed to pgt_stats (exact, lean, and
 * SHARDS with a small fixed size) and to pgt_phase (small windows, so
 * windows and phases close).  A target of this kind found the negated
 * INT64_MIN of phase.c's steps in minutes.
 *
 * Besides "no crash, hang, leak, bad access or undefined behaviour":
 * every accumulator counts the references of the events' reference
 * types; the lean accumulator, fed one reference at a time, gives the
 * exact one's summary (but for the memory it holds) and its miss ratios;
 * miss ratios lie in [0, 1] and never grow with the size; the fixed-size
 * sample holds its pages to the limit.  The simulated caches (cache.h),
 * every policy at a few sizes and at the footprint: no policy misses
 * less than OPT or than the compulsory misses, every one misses exactly
 * those when the cache holds the footprint, LRU misses what the stack
 * distances count.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgtrace/analysis.h"
#include "pgtrace/cache.h"
#include "pgtrace/phase.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REC 12
#define MAX_EVENTS 2048

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int same_double(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

/* Every policy against the invariants above; 0, or an error that is
 * not the target's (out of memory, no temporary file). */
static int check_cache(const struct pgt_event *ev, size_t n, const struct pgt_stats *s, uint64_t pages,
		       uint64_t refs)
{
	struct pgt_cache_opts co = { .sz = sizeof(co) };
	struct pgt_cache *c;
	unsigned pol[64];
	size_t np = 0, ns = 0;
	uint64_t sizes[5];
	struct pgt_cache_result *res = NULL;
	int err, lru = pgt_cache_policy_find("lru"), opt = pgt_cache_policy_find("opt");

	c = pgt_cache__new(&co, &err);
	if (!c)
		return err;
	err = pgt_cache__feed(c, 0, ev, n);
	if (!err)
		err = pgt_cache__finish(c);
	if (err || pgt_cache_policy_parse("all", pol, &np, NULL))
		goto out;
	for (uint64_t v = 1; v < pages && ns < 4; v = v * 3 + 1)
		sizes[ns++] = v;
	sizes[ns++] = pages ? pages : 1;
	res = calloc(np * ns, sizeof(*res));
	if (!res) {
		err = -ENOMEM;
		goto out;
	}
	err = pgt_cache__simulate(c, -1, pol, np, sizes, ns, res);
	if (err)
		goto out;
	for (size_t i = 0; i < np; i++)
		for (size_t j = 0; j < ns; j++) {
			const struct pgt_cache_result *r = &res[i * ns + j];
			const struct pgt_cache_result *o = &res[(size_t)opt * ns + j];

			if (r->refs != refs || r->misses > refs || r->misses < pages || r->misses < o->misses)
				abort();
			/* a cache of the footprint evicts nothing, unless it is
			 * too small for the policy's parts (S3-FIFO below 20
			 * pages, 2Q below 4 and LIRS at 1 admit nothing, as in
			 * libCacheSim) */
			if (j == ns - 1 && pages >= 20 && r->misses != pages)
				abort();
			/* the histogram is exact up to 32 pages */
			if ((int)pol[i] == lru && sizes[j] <= 32 && r->misses != (uint64_t)llround(
				    pgt_stats__miss_ratio(s, sizes[j]) * (double)refs))
				abort();
		}
out:
	free(res);
	pgt_cache__free(c);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgt_stats_opts so = { .sz = sizeof(so), .window = 64 },
			      lo = { .sz = sizeof(lo), .window = 64, .lean = 1 },
			      zo = { .sz = sizeof(zo), .window = 64, .sample_size = 16 };
	struct pgt_phase_opts po = { .sz = sizeof(po), .window = 64, .phase_window = 32,
				     .seen_bytes = 1 << 16 };
	struct pgt_stats *s = NULL, *l = NULL, *z = NULL;
	struct pgt_phase *p = NULL;
	struct pgt_event *ev;
	size_t n = size / REC;
	uint64_t ts = 0, refs = 0;
	uint32_t mask = pgt_refs_default();
	int err = 0;

	if (n > MAX_EVENTS)
		n = MAX_EVENTS;
	ev = calloc(n ? n : 1, sizeof(*ev));
	if (!ev)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *r = data + i * REC;

		ev[i].type = r[0] % (PGT_EV_NTYPES + 1);	/* one past: unknown */
		ev[i].obj = r[1] % 4;
		ev[i].npages = r[2] % 5;			/* 0: none */
		ts += r[3] < 250 ? r[3] : (uint64_t)r[3] << 32;	/* pauses close windows */
		ev[i].ts = ts;
		ev[i].index = get64(r + 4);
		ev[i].seq = i;
		ev[i].pfn = ev[i].index;
		if (ev[i].type < 32 && (mask & PGT_REFS_BIT(ev[i].type)))
			refs += ev[i].npages;
	}
	s = pgt_stats__new(&so, &err);
	l = pgt_stats__new(&lo, &err);
	z = pgt_stats__new(&zo, &err);
	p = pgt_phase__new(&po, &err);
	if (!s || !l || !z || !p)
		goto out;
	if (pgt_stats__feed(s, ev, n) || pgt_stats__feed(z, ev, n) || pgt_phase__feed(p, ev, n))
		goto out;
	for (size_t i = 0; i < n; i++) {
		uint64_t c = pgt_refs_count(&ev[i], mask, PGT_SPACE_FILE);

		for (uint64_t k = 0; k < c; k++) {
			struct pgt_ref r;

			pgt_refs_at(&ev[i], PGT_SPACE_FILE, k, &r);
			if (pgt_stats__ref(l, r.obj, r.key, r.ts))
				goto out;
		}
	}
	if (pgt_stats__finish(s) || pgt_stats__finish(l) || pgt_stats__finish(z) || pgt_phase__finish(p))
		goto out;
	{
		struct pgt_stats_summary a, b, c;
		double last = 1;

		pgt_stats__summary(s, &a);
		pgt_stats__summary(l, &b);
		pgt_stats__summary(z, &c);
		if (a.refs != refs || b.refs != refs || c.refs != refs)
			abort();
		a.bytes = b.bytes = 0;
		if (a.pages != b.pages || a.cold != b.cold || a.reaccessed != b.reaccessed ||
		    a.windows != b.windows || !same_double(a.mean_distance, b.mean_distance) ||
		    !same_double(a.mean_reuse, b.mean_reuse) || !same_double(a.irf_mean, b.irf_mean) ||
		    !same_double(a.irf_weighted, b.irf_weighted) || a.first_ts != b.first_ts ||
		    a.last_ts != b.last_ts)
			abort();
		if (pgt_stats__hist_bins(s) != PGT_HIST_BINS || pgt_stats__hist_bins(l) > PGT_HIST_BINS)
			abort();
		for (uint64_t sz = 0; sz <= a.pages + 1; sz += 1 + sz / 4) {
			double m = pgt_stats__miss_ratio(s, sz);

			if (!(m >= 0 && m <= 1) || m > last + 1e-12 || m != pgt_stats__miss_ratio(l, sz))
				abort();
			if (!same_double(pgt_stats__wss_mean(s, sz + 1), pgt_stats__wss_mean(l, sz + 1)))
				abort();
			last = m;
			m = pgt_stats__miss_ratio(z, sz);
			if (!(m >= 0 && m <= 1))
				abort();
		}
		if (c.rate < 1 && c.sampled_refs > refs)
			abort();
		if (check_cache(ev, n, s, a.pages, refs))
			goto out;
	}
out:
	pgt_phase__free(p);
	pgt_stats__free(s);
	pgt_stats__free(l);
	pgt_stats__free(z);
	free(ev);
	return 0;
}
