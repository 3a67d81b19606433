// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * stats: histogram bins, and the results of a pass (stats.c counts):
 * miss ratios at every size, popularity ranks and their Zipf fit, IRF,
 * per-object figures, working sets, and the getters.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/stats-int.h"
#include "analysis/zipf.h"

/* ---- histograms ---- */

unsigned pgt_hist_bin(uint64_t v)
{
	unsigned e;

	if (v < 32)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v);		/* >= 5 */
	return (e - 4) * 16 + (unsigned)(v >> (e - 4));
}

uint64_t pgt_hist_lo(unsigned bin)
{
	unsigned shift;

	if (bin < 32)
		return bin;
	shift = bin / 16 - 1;
	return (uint64_t)(16 + bin % 16) << shift;
}

uint64_t pgt_hist_hi(unsigned bin)
{
	if (bin < 32)
		return bin;
	return pgt_hist_lo(bin) + (((uint64_t)1 << (bin / 16 - 1)) - 1);
}

double pgt_irf_bin_lo(unsigned bin)
{
	return pow(10.0, PGT_IRF_DECADE_MIN + bin / 10.0);
}

static unsigned irf_bin(double irf)
{
	double b = floor((log10(irf) - PGT_IRF_DECADE_MIN) * 10.0 + 1e-9);

	if (!(b >= 0))
		return 0;
	return b >= PGT_IRF_BINS ? PGT_IRF_BINS - 1 : (unsigned)b;
}

/* ---- results ---- */

static int cmp_u32_desc(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x > y ? -1 : x < y;
}

/* Reference counts in descending order (LSD radix sort, 16 bits at a time). */
static int rank_pages(struct pgt_stats *s)
{
	uint64_t n = s->npages;
	uint32_t *a, *tmp;

	s->ranks = malloc((n ? n : 1) * sizeof(*a));
	tmp = malloc((n ? n : 1) * sizeof(*tmp));
	if (!s->ranks || !tmp) {
		free(tmp);
		return -ENOMEM;
	}
	a = s->ranks;
	for (uint64_t i = 0; i < n; i++)
		a[i] = s->px[i].cnt;
	if (n < 4096) {
		qsort(a, n, sizeof(*a), cmp_u32_desc);
	} else {
		uint64_t *c = malloc(65537 * sizeof(*c));

		if (!c) {
			free(tmp);
			return -ENOMEM;
		}
		for (int pass = 0; pass < 2; pass++) {
			int sh = pass * 16;

			memset(c, 0, 65537 * sizeof(*c));
			for (uint64_t i = 0; i < n; i++)
				c[(0xffffu - ((a[i] >> sh) & 0xffffu)) + 1]++;
			for (int k = 0; k < 65536; k++)
				c[k + 1] += c[k];
			for (uint64_t i = 0; i < n; i++)
				tmp[c[0xffffu - ((a[i] >> sh) & 0xffffu)]++] = a[i];
			memcpy(a, tmp, n * sizeof(*a));
		}
		free(c);
	}
	free(tmp);
	s->nranks = n;
	return 0;
}

/* Zipf on the head of the ranking (analysis/zipf.h: the fit phase uses too). */
static void zipf_fit(struct pgt_stats *s)
{
	struct pgt_zipf z;
	uint64_t r = 0, hi;

	pgt_zipf__init(&z);
	while (r < s->nranks && s->ranks[r] >= 2) {
		uint64_t e = r + 1;

		while (e < s->nranks && s->ranks[e] == s->ranks[r])
			e++;
		pgt_zipf__add(&z, s->ranks[r], e - r);
		r = e;
	}
	if (!pgt_zipf__result(&z, &s->sum.zipf_alpha, &s->sum.zipf_r2, &hi)) {
		s->sum.zipf_lo = 1;
		s->sum.zipf_hi = hi;
	}
}

/* The summary's IRF figures alone (lean: no per-object array). */
static void irf_summary(struct pgt_stats *s)
{
	double gaps_all = 0, irf_all = 0, mean_all = 0;

	for (uint32_t id = 0; id < s->npages; id++) {
		uint32_t c = s->px[id].cnt;

		if (c >= 2) {
			mean_all += s->px[id].irf / (s->o.irf_n ? c : c - 1);
			irf_all += s->px[id].irf;
			gaps_all += c - 1;
			s->sum.reaccessed++;
		}
	}
	s->sum.irf_mean = s->sum.reaccessed ? mean_all / (double)s->sum.reaccessed : 0;
	s->sum.irf_weighted = gaps_all > 0 ? irf_all / gaps_all : 0;
}

static int per_object(struct pgt_stats *s)
{
	struct pgt_stats_object *o = NULL;
	struct u64map idx = { 0 };
	double gaps_all = 0, irf_all = 0, mean_all = 0;
	size_t n = 0, capo = 0;

	if (s->o.lean) {
		irf_summary(s);
		return 0;
	}
	for (uint32_t id = 0; id < s->npages; id++) {
		const struct page *pg = &s->pages[id];
		struct pgt_stats_object *x;
		uint32_t c = s->px[id].cnt, k = u64map_get(&idx, pg->obj);

		if (k == U64MAP_NONE) {
			/* doubled, not one more each time: 100,000 objects
			 * were 100,000 reallocs */
			if (pgt_grow((void **)&o, &capo, n + 1, sizeof(*o)) ||
			    u64map_put(&idx, pg->obj, (uint32_t)n)) {
				free(o);
				u64map_release(&idx);
				return -ENOMEM;
			}
			memset(&o[n], 0, sizeof(o[n]));
			o[n].obj = pg->obj;
			k = (uint32_t)n++;
		}
		x = &o[k];
		x->refs += c;
		x->pages++;
		if (c >= 2) {
			double avg = s->px[id].irf / (s->o.irf_n ? c : c - 1);

			x->reaccessed++;
			x->irf_mean += avg;
			x->irf_weighted += s->px[id].irf;
			x->irf_hist[irf_bin(avg)]++;
			mean_all += avg;
			irf_all += s->px[id].irf;
			gaps_all += c - 1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		double gaps = (double)(o[i].refs - o[i].pages);

		s->sum.reaccessed += o[i].reaccessed;
		o[i].irf_weighted = gaps > 0 ? o[i].irf_weighted / gaps : 0;
		o[i].irf_mean = o[i].reaccessed ? o[i].irf_mean / (double)o[i].reaccessed : 0;
	}
	s->sum.irf_mean = s->sum.reaccessed ? mean_all / (double)s->sum.reaccessed : 0;
	s->sum.irf_weighted = gaps_all > 0 ? irf_all / gaps_all : 0;
	u64map_release(&idx);
	s->objs = o;
	s->nobjs = n;
	return 0;
}

int pgt_stats__finish(struct pgt_stats *s)
{
	double adj;
	int err;

	if (s->finished)
		return 0;
	s->finished = 1;
	err = pgt_stats_close_window(s);
	if (err)
		return err;
	/* SHARDS-adj: the sample's weight falls short of (or over) the
	 * references seen, by chance; the difference would go to the first
	 * bin, which is a hit for every size, so the miss ratios (over all
	 * references) already account for it: it is reported, not added */
	adj = (double)s->refs - s->sampled_w;
	s->sum.shards_adj = s->threshold < SAMPLE_ONE && s->sampled ? adj : 0;
	s->sum.refs = s->refs;
	s->sum.first_ts = s->first_ts;
	s->sum.last_ts = s->last_ts;
	s->sum.rate = 1.0 / s->weight;
	s->sum.sampled_refs = s->sampled;
	s->sum.cold = (uint64_t)llround(s->cold);
	s->sum.pages = s->sum.cold;
	s->sum.mean_distance = s->dist_n > 0 ? s->dist_sum / s->dist_n : 0;
	s->sum.mean_reuse = s->reuse_n > 0 ? s->reuse_sum / s->reuse_n : 0;
	s->sum.windows = s->nwin;
	if (!s->o.lean) {
		/* the accessors' arrays hold PGT_HIST_BINS bins */
		err = pgt_stats_hist_room(s, PGT_HIST_BINS - 1);
		if (err)
			return err;
	}
	{
		/* the oldest last reference is at least the first one's age */
		double *t[2] = { NULL, NULL };
		unsigned nc = s->o.lean ? pgt_hist_bin(s->refs) + 1 : PGT_HIST_BINS;

		err = pgt_stats_grow_bins(t, 2, 0, nc);
		s->tail = t[0];
		s->tail_tot = t[1];
		if (err)
			return err;
		s->tcap = nc;
	}
	for (uint32_t id = 0; id < s->npages; id++) {
		uint64_t last = s->pages[id].last, age;
		unsigned b;

		if (last == UINT64_MAX)
			continue;
		age = s->refs - last;
		b = pgt_hist_bin(age);
		s->tail[b] += s->weight;
		s->tail_tot[b] += (double)age * s->weight;
	}
	if (!s->o.no_pages && s->npages) {
		err = per_object(s);
		if (!err)
			err = rank_pages(s);
		if (err)
			return err;
		zipf_fit(s);
	}
	s->sum.bytes = (uint64_t)s->cap_pages * (sizeof(*s->pages) + (s->px ? sizeof(*s->px) : 0) +
						 (s->last_ns ? sizeof(*s->last_ns) : 0)) +
		       (uint64_t)(s->table ? s->tmask + 1 : 0) * sizeof(*s->table) + s->live.cap / 8 +
		       (uint64_t)(s->live.nblocks + 1) * sizeof(*s->live.fen) +
		       (uint64_t)s->capheap * sizeof(*s->heap) + s->capwin * sizeof(*s->win) +
		       ((uint64_t)s->hcap * 3 + (uint64_t)s->tcap * 2) * sizeof(double) +
		       s->nobjs * sizeof(*s->objs) + s->nranks * sizeof(*s->ranks) + sizeof(*s);
	return 0;
}

void pgt_stats__summary(const struct pgt_stats *s, struct pgt_stats_summary *out)
{
	*out = s->sum;
}

const double *pgt_stats__distance_hist(const struct pgt_stats *s)
{
	return s->dist;
}

const double *pgt_stats__reuse_hist(const struct pgt_stats *s)
{
	return s->reuse;
}

unsigned pgt_stats__hist_bins(const struct pgt_stats *s)
{
	return s->hcap;
}

double pgt_stats__miss_ratio(const struct pgt_stats *s, uint64_t pages)
{
	double miss = s->cold;

	if (!s->refs)
		return 0;
	/* a reference misses when its distance d > pages, d - 1 >= pages;
	 * no distance passes the pages seen */
	uint64_t top = s->cold >= 1 ? (uint64_t)llround(s->cold) - 1 : 0;

	for (unsigned b = 0; b < s->hcap; b++) {
		uint64_t lo = pgt_hist_lo(b), hi = pgt_hist_hi(b);

		if (hi > top && lo <= top)
			hi = top;

		if (lo >= pages)
			miss += s->dist[b];
		else if (hi >= pages)	/* part of the bin, values taken as even */
			miss += s->dist[b] * (double)(hi - pages + 1) / (double)(hi - lo + 1);
	}
	miss /= (double)s->refs;
	return miss < 0 ? 0 : miss > 1 ? 1 : miss;
}

uint64_t pgt_stats__misses_at(const struct pgt_stats *s, size_t i)
{
	uint64_t m = (uint64_t)llround(s->cold);

	if (i >= s->o.nsizes || !s->above)
		return 0;
	for (size_t k = i + 1; k <= s->o.nsizes; k++)
		m += s->above[k];
	return m;
}

/* Sum over a histogram's values v of min(v, tau). */
static double sum_min(const double *cnt, const double *tot, unsigned nbins, uint64_t tau)
{
	double t = 0;

	for (unsigned b = 0; b < nbins; b++) {
		uint64_t lo = pgt_hist_lo(b), hi = pgt_hist_hi(b);

		if (!cnt[b])
			continue;
		if (hi < tau) {
			t += tot[b];
		} else if (lo >= tau) {
			t += cnt[b] * (double)tau;
		} else {	/* part of the bin, values taken as even */
			double below = cnt[b] * (double)(tau - lo) / (double)(hi - lo + 1);

			t += below * (double)(lo + tau - 1) / 2 + (cnt[b] - below) * (double)tau;
		}
	}
	return t;
}

double pgt_stats__wss_mean(const struct pgt_stats *s, uint64_t tau)
{
	if (!s->refs)
		return 0;
	return (sum_min(s->reuse, s->reuse_tot, s->hcap, tau) + sum_min(s->tail, s->tail_tot, s->tcap, tau)) /
	       (double)s->refs;
}

const struct pgt_wss_window *pgt_stats__windows(const struct pgt_stats *s, size_t *n)
{
	*n = s->nwin;
	return s->win;
}

const struct pgt_stats_object *pgt_stats__objects(const struct pgt_stats *s, size_t *n)
{
	*n = s->nobjs;
	return s->objs;
}

uint64_t pgt_stats__rank_freq(const struct pgt_stats *s, uint64_t rank)
{
	return rank >= 1 && rank <= s->nranks ? s->ranks[rank - 1] : 0;
}
