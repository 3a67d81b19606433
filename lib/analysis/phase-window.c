// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * phase: per-object windows.  An object's first touches (a list, then
 * bitmap chunks), the features of a window when it closes (steps, runs,
 * Misra-Gries strides and periods, the frequencies of frequencies and
 * their Zipf fit), its label, and the segments of equal labels.
 */
#include <math.h>

#include "analysis/phase-int.h"
#include "analysis/zipf.h"

/* ---- first touches ---- */

/*
 * An object's first touches start as a list of up to FEW_MAX pages, so
 * that the many objects of a few references each cost a few words (a
 * trace of 100,000 files read a few pages each had 4 KiB of bitmap per
 * file); the list turns into bitmap chunks of 2^CHUNK_SHIFT pages when
 * it is full, found by a scan while there are few and by a map past
 * CHUNK_LIST.  Both count against the budget, seen_bytes.
 */
static uint64_t *chunk_find(const struct pobj *o, uint64_t cno)
{
	uint32_t i;

	if (o->nchunk <= CHUNK_LIST) {
		for (i = 0; i < o->nchunk; i++)
			if (o->cno[i] == cno)
				return o->chunk[i];
		return NULL;
	}
	i = u64map_get(&o->chunks, cno);
	return i == U64MAP_NONE ? NULL : o->chunk[i];
}

/* A new chunk @cno (absent; the budget checked by the caller). */
static uint64_t *chunk_add(struct pgt_phase *p, struct pobj *o, uint64_t cno)
{
	size_t cap = o->capchunk, cap2 = o->capchunk;
	uint64_t *c;

	if (pgt_grow_from((void **)&o->chunk, &cap, o->nchunk + 1, sizeof(*o->chunk), 2) ||
	    pgt_grow_from((void **)&o->cno, &cap2, o->nchunk + 1, sizeof(*o->cno), 2))
		return NULL;
	o->capchunk = (uint32_t)(cap < cap2 ? cap : cap2);
	c = calloc(CHUNK_WORDS, sizeof(*c));
	if (!c)
		return NULL;
	if (o->nchunk + 1 > CHUNK_LIST) {
		/* past the scan: every chunk into the map, once */
		for (uint32_t i = o->nchunk == CHUNK_LIST ? 0 : o->nchunk; i <= o->nchunk; i++)
			if (u64map_put(&o->chunks, i < o->nchunk ? o->cno[i] : cno, i)) {
				free(c);
				return NULL;
			}
	}
	o->cno[o->nchunk] = cno;
	o->chunk[o->nchunk++] = c;
	p->seen_used += CHUNK_BYTES;
	return c;
}

static inline int bit_test_set(uint64_t *c, uint64_t key)
{
	uint64_t bit = key & ((1u << CHUNK_SHIFT) - 1), m = 1ull << (bit & 63);

	if (c[bit >> 6] & m)
		return 1;
	c[bit >> 6] |= m;
	return 0;
}

/* The full list and @key into chunks: 0, -1 (no room in the budget, the
 * list stays), -ENOMEM. */
static int few_to_chunks(struct pgt_phase *p, struct pobj *o, uint64_t key)
{
	uint64_t need[FEW_MAX + 1];
	uint32_t n = 0, k;

	for (uint32_t i = 0; i <= o->nfew; i++) {
		uint64_t cno = (i < o->nfew ? o->few[i] : key) >> CHUNK_SHIFT;

		for (k = 0; k < n && need[k] != cno; k++)
			;
		if (k == n)
			need[n++] = cno;
	}
	if (p->seen_used - o->capfew * sizeof(*o->few) + (uint64_t)n * CHUNK_BYTES > p->o.seen_bytes) {
		p->seen_full = 1;
		return -1;
	}
	for (k = 0; k < n; k++)
		if (!chunk_add(p, o, need[k]))
			return -ENOMEM;
	for (uint32_t i = 0; i <= o->nfew; i++) {
		uint64_t x = i < o->nfew ? o->few[i] : key;

		bit_test_set(chunk_find(o, x >> CHUNK_SHIFT), x);
	}
	p->seen_used -= o->capfew * sizeof(*o->few);
	free(o->few);
	o->few = NULL;
	o->nfew = o->capfew = 0;
	o->hot_chunk = NULL;
	return 0;
}

/* 1 if the page was seen before, 0 if not (now it is), -1 if unknown (the
 * budget ran out), -ENOMEM. */
int pgt_phase_seen(struct pgt_phase *p, struct pobj *o, uint64_t key)
{
	uint64_t cno = key >> CHUNK_SHIFT, *c;

	if (!o->nchunk) {
		for (uint32_t i = 0; i < o->nfew; i++)
			if (o->few[i] == key)
				return 1;
		if (o->nfew == FEW_MAX)
			return few_to_chunks(p, o, key);
		if (o->nfew == o->capfew) {
			uint32_t old = o->capfew;

			/* doubling from 2 adds as many as there are, or 2 */
			if (p->seen_used + (old ? old : 2) * sizeof(*o->few) > p->o.seen_bytes) {
				p->seen_full = 1;
				return -1;
			}
			if (pgt_grow32_from((void **)&o->few, &o->capfew, o->nfew + 1, sizeof(*o->few), 2))
				return -ENOMEM;
			p->seen_used += (o->capfew - old) * sizeof(*o->few);
		}
		o->few[o->nfew++] = key;
		return 0;
	}
	if (o->hot_chunk && o->hot_cno == cno) {
		c = o->hot_chunk;
	} else {
		c = chunk_find(o, cno);
		if (!c) {
			if (p->seen_used + CHUNK_BYTES > p->o.seen_bytes) {
				p->seen_full = 1;
				return -1;
			}
			c = chunk_add(p, o, cno);
			if (!c)
				return -ENOMEM;
		}
		o->hot_cno = cno;
		o->hot_chunk = c;
	}
	return bit_test_set(c, key);
}

/* ---- window features ---- */

struct mg {
	int64_t v[MG_K];
	uint32_t c[MG_K];
};

static inline void mg_add(struct mg *g, int64_t v)
{
	int free_slot = -1;

	for (int i = 0; i < MG_K; i++) {
		if (g->c[i] && g->v[i] == v) {
			g->c[i]++;
			return;
		}
		if (!g->c[i] && free_slot < 0)
			free_slot = i;
	}
	if (free_slot >= 0) {
		g->v[free_slot] = v;
		g->c[free_slot] = 1;
		return;
	}
	for (int i = 0; i < MG_K; i++)
		g->c[i]--;
}

/* Zipf on the head of the window's ranking (analysis/zipf.h, as stats). */
static void zipf_fit(const uint32_t *ff, uint32_t maxc, uint64_t d, struct pgt_phase_features *f)
{
	struct pgt_zipf z;
	uint64_t hi;

	f->alpha = f->r2 = 0;
	f->zipf_lo = f->zipf_hi = 0;
	if (d < T_SPARSE)
		return;
	pgt_zipf__init(&z);
	for (uint32_t c = maxc; c >= 2; c--)
		pgt_zipf__add(&z, c, ff[c]);
	if (!pgt_zipf__result(&z, &f->alpha, &f->r2, &hi)) {
		f->zipf_lo = 1;
		f->zipf_hi = (uint32_t)hi;
	}
}

static void features(struct pgt_phase *p, struct pobj *o, struct pgt_phase_features *f)
{
	const int64_t *seq = o->seq, *ss = o->ss;
	const uint32_t *r = o->r;
	uint32_t n = o->n, nev = o->nev, maxc = 0;
	uint64_t g = p->o.gap;
	uint64_t fwd = 0, bwd = 0, rep = 0, nz;
	uint64_t runs_f = 0, runs3_f = 0, runs_b = 0, runs3_b = 0, len_f = 1, len_b = 1;
	uint64_t nre = 0, top_n, cum = 0;
	double rsum = 0, rsq = 0, lambda, s2 = 0, s3 = 0, sumsq;
	struct mg ms = { { 0 }, { 0 } }, mr = { { 0 }, { 0 } };
	uint64_t best_c = 0, rank = 0;

	memset(f, 0, sizeof(*f));
	f->n = n;
	f->pages = o->cur.live;
	f->span = o->whi - o->wlo + 1;
	f->f_new = n ? (double)o->nnew / n : 0;
	/* steps and runs, counted in events */
	for (uint32_t i = 0; i < nev; i++) {
		int64_t d = seq[i];

		if (!d) {
			rep++;
			continue;
		}
		if (d >= 1 && (uint64_t)d <= g) {
			fwd++;
			len_f++;
		} else {
			/* a run of one ending at the first step is the tail of
			 * the window before, counted there */
			if (len_f > 1 || i) {
				runs_f++;
				runs3_f += len_f >= 3;
			}
			len_f = 1;
		}
		if (d <= -1 && 0 - (uint64_t)d <= g) {
			bwd++;
			len_b++;
		} else {
			if (len_b > 1 || i) {
				runs_b++;
				runs3_b += len_b >= 3;
			}
			len_b = 1;
		}
		if (ss[i] >= 2 || ss[i] <= -2)
			mg_add(&ms, ss[i]);
	}
	runs_f++;
	runs3_f += len_f >= 3;
	runs_b++;
	runs3_b += len_b >= 3;
	nz = nev - rep;
	f->f_repeat = nev ? (double)rep / nev : 0;
	if (nz) {
		f->f_fwd = (double)fwd / nz;
		f->f_bwd = (double)bwd / nz;
	}
	f->runs_fwd = (double)runs3_f / runs_f;
	f->runs_bwd = (double)runs3_b / runs_b;

	/* the stride: exact counts of the candidates */
	for (int k = 0; k < MG_K && nz; k++) {
		uint64_t cnt = 0, steady = 0;
		int64_t s = ms.v[k];

		if (!ms.c[k])
			continue;
		for (uint32_t i = 0; i < nev; i++) {
			if (ss[i] != s)
				continue;
			cnt++;
			steady += (i && ss[i - 1] == s) || (i + 1 < nev && ss[i + 1] == s);
		}
		if (cnt > best_c) {
			best_c = cnt;
			f->stride = s;
			f->f_stride = (double)cnt / nz;
			f->f_steady = (double)steady / nz;
		}
	}

	/* reuse times */
	for (uint32_t i = 0; i < n; i++) {
		if (!r[i])
			continue;
		nre++;
		rsum += r[i];
		rsq += (double)r[i] * r[i];
		mg_add(&mr, r[i]);
	}
	f->f_reref = n ? (double)nre / n : 0;
	if (nre) {
		double mean = rsum / nre, var = rsq / nre - mean * mean;
		uint64_t close = 0, cut = f->pages / 10;

		f->cv_reuse = mean > 0 && var > 0 ? sqrt(var) / mean : 0;
		best_c = 0;
		for (int k = 0; k < MG_K; k++) {
			uint64_t cnt = 0, P = (uint64_t)mr.v[k], tol;

			if (!mr.c[k])
				continue;
			tol = P / 20 > 1 ? P / 20 : 1;
			for (uint32_t i = 0; i < n; i++)
				if (r[i] && r[i] + tol >= P && r[i] <= P + tol)
					cnt++;
			if (cnt > best_c || (cnt == best_c && P < f->period)) {
				best_c = cnt;
				f->period = P;
				f->f_loop = (double)cnt / nre;
			}
		}
		for (uint32_t i = 0; i < n; i++)
			close += r[i] && r[i] < cut;
		f->f_close = (double)close / nre;
	}

	/* page counts: frequency of frequencies, ranks from the top */
	for (uint32_t i = 0; o->cur.e && i <= o->cur.mask; i++) {
		const struct pent *e = &o->cur.e[i];

		if (e->epoch != o->cur.epoch)
			continue;
		p->ff[e->cnt]++;
		if (e->cnt > maxc)
			maxc = e->cnt;
	}
	for (uint32_t c = 2; c <= maxc; c++) {
		double m = p->ff[c];

		s2 += m * c * (c - 1);
		s3 += m * c * (c - 1) * (c - 2);
	}
	sumsq = s2 + n;
	lambda = (double)n / (double)f->span;
	/* The hot set of a two-level model (a share s of the references
	 * uniform over H pages, the rest spread thin): sum p^2 = s^2 / H and
	 * sum p^3 = s^3 / H^2, estimated without bias from the pairs and
	 * triples of references to one page, give s and H.  It needs some
	 * triples to be worth anything. */
	if (s3 >= HOT_TRIPLES && n >= 3) {
		double p2 = s2 / ((double)n * (n - 1)), p3 = s3 / ((double)n * (n - 1) * (n - 2));
		double sh = p2 * p2 / p3;

		f->hot_share = sh > 1 ? 1 : sh;
		f->hot_pages = (uint64_t)(f->hot_share * f->hot_share / p2 + 0.5);
	}
	top_n = (f->pages + 9) / 10;
	for (uint32_t c = maxc; c >= 1; c--) {
		uint64_t m = p->ff[c];

		if (!m)
			continue;
		if (rank < top_n) {
			uint64_t take = top_n - rank < m ? top_n - rank : m;

			f->top10 += (double)(take * c);
		}
		if (cum * 10 < (uint64_t)n * 8) {
			uint64_t need = ((uint64_t)n * 8 - cum * 10 + 10 * c - 1) / (10 * c);

			f->hot80 += need < m ? need : m;
		}
		cum += m * c;
		rank += m;
	}
	f->top10 = n ? f->top10 / n : 0;
	f->dispersion = n ? sumsq / n - lambda : 0;
	zipf_fit(p->ff, maxc, f->pages, f);
	for (uint32_t c = 1; c <= maxc; c++)
		p->ff[c] = 0;
}

/* ---- segments ---- */

static int same_seg(const struct pgt_phase_segment *s, unsigned label, unsigned sub,
		    const struct pgt_phase_features *f)
{
	if (s->label != label)
		return 0;
	switch (label) {
	case PGT_PAT_STRIDED: return s->stride == f->stride;
	case PGT_PAT_LOOPING: return s->period == f->period && s->sub == sub;
	case PGT_PAT_SEQ_FORWARD:
	case PGT_PAT_SEQ_BACKWARD: return s->sub == sub;
	default: return 1;
	}
}

int pgt_phase_close_owin(struct pgt_phase *p, struct pobj *o)
{
	struct pgt_phase_features f;
	struct seg_acc *sa;
	unsigned label, sub;
	struct ptab tmp;

	if (!o->n)
		return 0;
	features(p, o, &f);
	label = pgt_phase_classify(&f, &sub);
	if (p->o.keep_windows) {
		struct pgt_phase_window *w;

		if (pgt_grow_from((void **)&o->wins, &o->capwins, o->nwins + 1, sizeof(*o->wins), 2))
			return -ENOMEM;
		w = &o->wins[o->nwins++];
		w->start_ref = o->wstart_ref;
		w->end_ref = o->last_ref;
		w->start_ts = o->wstart_ts;
		w->end_ts = o->last_ts;
		w->label = (uint8_t)label;
		w->sub = (uint8_t)sub;
		w->f = f;
	}
	sa = o->nsegs ? &o->segs[o->nsegs - 1] : NULL;
	if (!sa || o->paused || !same_seg(&sa->s, label, sub, &f)) {
		/* from one: most objects have one segment */
		if (pgt_grow_from((void **)&o->segs, &o->capsegs, o->nsegs + 1, sizeof(*o->segs), 1))
			return -ENOMEM;
		sa = &o->segs[o->nsegs++];
		memset(sa, 0, sizeof(*sa));
		sa->s.start_ref = o->wstart_ref;
		sa->s.start_ts = o->wstart_ts;
		sa->s.label = (uint8_t)label;
		sa->s.sub = (uint8_t)sub;
		sa->s.stride = label == PGT_PAT_STRIDED ? f.stride : 0;
		sa->s.period = label == PGT_PAT_LOOPING ? f.period : 0;
	}
	sa->s.end_ref = o->last_ref;
	sa->s.end_ts = o->last_ts;
	sa->s.refs += f.n;
	sa->s.windows++;
	sa->s.alpha += f.alpha;
	sa->s.r2 += f.r2;
	sa->s.hot_share += f.hot_share;
	sa->s.hot_pages += (double)f.hot_pages;
	sa->s.hot80 += (double)f.hot80;
	sa->s.pages += (double)f.pages;
	sa->s.f_new += f.f_new;
	sa->subs[sub]++;
	o->paused = 0;
	o->label_refs[label] += f.n;
	o->windows++;
	p->windows++;
	/* the next window: the current table becomes the horizon */
	tmp = o->prev;
	o->prev = o->cur;
	o->cur = tmp;
	o->cur.epoch = o->prev.epoch + 1;
	o->cur.live = 0;
	o->n = 0;
	o->nev = 0;
	o->nnew = 0;
	return 0;
}
