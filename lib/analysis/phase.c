// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * phase: access patterns per object and program phases in one pass
 * (include/pgtrace/phase.h has the rules; pgtrace-phase(1) the numbers).
 *
 * Per reference: one hash of (object, page), a probe of the object's page
 * table for the current window (and of the previous window's on a miss),
 * a bit of the first-touch bitmap on a miss of both, two signature bits,
 * a histogram bin and a probe of the phase window's distinct-page table.
 * Reuse times go to an array, and each event's two steps (sequential and
 * start to start) to two more; everything else is computed when the
 * window closes, in O(W): strides and periods by Misra-Gries (k = 4)
 * confirmed by an exact second count, page counts by a table of
 * frequencies of frequencies, so there is no sort.
 *
 * The phase detector keeps the windows of a candidate phase (at most
 * min_phase of them) until it lasts or is merged, the window before it,
 * and per phase its signatures, object shares and region histogram;
 * labels and recurrences are settled at finish, when every object window
 * is closed.
 *
 * Page tables are reset by epoch: each slot carries the epoch of the
 * window that wrote it, and a slot of another epoch is empty.  Inserts
 * only go to the first empty slot of a probe sequence and slots never
 * become empty during a window, so a lookup can stop at the first empty
 * slot.  The current and previous windows' tables swap at each close.
 */
#include <math.h>

#include "analysis/phase-int.h"
#include "util/opts.h"

/*
 * One rule, so that pgtrace phase, plot and report cut a trace alike:
 * about PGT_PHASE_WINDOWS windows, so a short trace still has phases to
 * find (100,000 references made a build of a million events one phase),
 * and never more than the old fixed size, which a long trace keeps (a
 * window must hold enough references for its signature and shares to
 * mean something, and a phase must last min_phase of them).  Events,
 * not references: the event count is what an indexed trace knows before
 * it is read, and every command can ask for it.
 */
uint64_t pgt_phase_window_for(uint64_t events)
{
	uint64_t g = events / PGT_PHASE_WINDOWS;

	if (!events)
		return PGT_PHASE_WINDOW_MAX;
	return g < PGT_PHASE_WINDOW_MIN ? PGT_PHASE_WINDOW_MIN : g > PGT_PHASE_WINDOW_MAX ? PGT_PHASE_WINDOW_MAX : g;
}

struct pgt_phase *pgt_phase__new(const struct pgt_phase_opts *o, int *err)
{
	struct pgt_phase_opts o_;
	struct pgt_phase *p;

	if (!o || !PGT_OPTS_VALID(o)) {
		*err = -EINVAL;
		return NULL;
	}
	o = PGT_OPTS_FIT(o, &o_);	/* a shorter struct: defaults for the rest */
	if ((o->window && o->window < T_SPARSE) || o->window > (1u << 30) ||
	    o->phase_window > (1ull << 40) || o->min_phase > 64 || o->gap > (1ull << 40)) {
		*err = -EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	p->o = *o;
	if (!p->o.window)
		p->o.window = 4096;
	if (!p->o.phase_window)
		p->o.phase_window = pgt_phase_window_for(o->events);
	if (!p->o.gap)
		p->o.gap = 1;
	if (!p->o.min_phase)
		p->o.min_phase = 3;
	if (!p->o.seen_bytes)
		p->o.seen_bytes = 256ull << 20;
	p->mask = o->refs ? o->refs : pgt_refs_default();
	p->samp = (uint32_t)((p->o.phase_window + SIG_SAMPLE - 1) / SIG_SAMPLE);
	if (!p->samp)
		p->samp = 1;
	p->samp_cut = (uint32_t)((1u << 20) / p->samp);
	p->ff = calloc(p->o.window + 1, sizeof(*p->ff));
	p->last = calloc(1, sizeof(*p->last));
	p->last2 = calloc(1, sizeof(*p->last2));
	p->pre = calloc(1, sizeof(*p->pre));
	p->cand = calloc(p->o.min_phase, sizeof(*p->cand));
	if (!p->ff || !p->last || !p->last2 || !p->pre || !p->cand) {
		pgt_phase__free(p);
		*err = -ENOMEM;
		return NULL;
	}
	p->gt.epoch = 1;
	*err = 0;
	return p;
}

static void obj_drop_tables(struct pobj *o)
{
	free(o->cur.e);
	free(o->prev.e);
	free(o->r);
	free(o->seq);
	free(o->ss);
	o->cur.e = o->prev.e = NULL;
	o->cur.mask = o->prev.mask = o->cur.live = o->prev.live = 0;
	o->r = NULL;
	o->seq = o->ss = NULL;
	o->cap = o->capev = 0;
}

static void obj_free(struct pobj *o)
{
	if (!o)
		return;
	obj_drop_tables(o);
	for (uint32_t i = 0; i < o->nchunk; i++)
		free(o->chunk[i]);
	free(o->chunk);
	free(o->cno);
	free(o->few);
	u64map_release(&o->chunks);
	free(o->segs);
	free(o->wins);
	free(o);
}

void pgt_phase__free(struct pgt_phase *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nobjs; i++)
		obj_free(p->objs[i]);
	free(p->objs);
	u64map_release(&p->objmap);
	free(p->active);
	free(p->ff);
	free(p->gt.e);
	free(p->touched);
	free(p->last);
	free(p->last2);
	free(p->pre);
	free(p->cand);
	free(p->ph);
	free(p->robjs);
	free(p->rph);
	free(p);
}

static struct pobj *get_obj(struct pgt_phase *p, uint32_t id)
{
	uint32_t i = u64map_get(&p->objmap, id);
	struct pobj *o;

	if (i != U64MAP_NONE)
		return p->objs[i];
	if (pgt_grow((void **)&p->objs, &p->capobjs, p->nobjs + 1, sizeof(*p->objs)))
		return NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->id = id;
	o->index = (uint32_t)p->nobjs;
	o->cur.epoch = 2;
	o->prev.epoch = 1;
	o->gw_no = UINT64_MAX;
	if (u64map_put(&p->objmap, id, (uint32_t)p->nobjs)) {
		free(o);
		return NULL;
	}
	p->objs[p->nobjs++] = o;
	return o;
}

/* ---- phase windows and phases ---- */

/* Linear counting on a signature of SIG_BITS bits. */
static double lin_count(uint32_t ones)
{
	if (ones >= SIG_BITS)
		ones = SIG_BITS - 1;
	return -(double)SIG_BITS * log(1 - (double)ones / SIG_BITS);
}

/*
 * Jaccard distance of two working sets from their signatures: the sizes
 * of A, B and A or B by linear counting, so that pages sharing a bit by
 * chance do not count as shared.  The full signature while both are
 * sparse enough, else the sampled one.
 */
static uint32_t sig_ones(const uint64_t *s)
{
	uint32_t n = 0;

	for (int i = 0; i < SIG_WORDS; i++)
		n += (uint32_t)__builtin_popcountll(s[i]);
	return n;
}

static double sig_jaccard(const uint64_t *x, const uint64_t *y)
{
	uint32_t u = 0, na = 0, nb = 0;
	double su, inter;

	for (int i = 0; i < SIG_WORDS; i++) {
		u += (uint32_t)__builtin_popcountll(x[i] | y[i]);
		na += (uint32_t)__builtin_popcountll(x[i]);
		nb += (uint32_t)__builtin_popcountll(y[i]);
	}
	if (!u)
		return 0;
	su = lin_count(u);
	inter = lin_count(na) + lin_count(nb) - su;
	if (inter < 0)
		inter = 0;
	return inter >= su ? 0 : 1 - inter / su;
}

/* Of two working sets: the full signatures while both are sparse enough,
 * else the sampled ones. */
static double jaccard(const struct gwin *a, const struct gwin *b)
{
	if (a->ones_full <= SIG_FULL_MAX && b->ones_full <= SIG_FULL_MAX)
		return sig_jaccard(a->sig_full, b->sig_full);
	return sig_jaccard(a->sig_samp, b->sig_samp);
}

/* Manhattan distance of two share vectors, each (obj, refs) plus other. */
static double vdist(const struct vent *a, uint32_t na, uint64_t oa, uint64_t ta,
		    const struct vent *b, uint32_t nb, uint64_t ob, uint64_t tb)
{
	double s = 0, fa = ta ? 1.0 / (double)ta : 0, fb = tb ? 1.0 / (double)tb : 0;

	for (uint32_t i = 0; i < na; i++) {
		double sb = 0;

		for (uint32_t j = 0; j < nb; j++)
			if (b[j].obj == a[i].obj)
				sb = (double)b[j].refs * fb;
		s += fabs((double)a[i].refs * fa - sb);
	}
	for (uint32_t j = 0; j < nb; j++) {
		int found = 0;

		for (uint32_t i = 0; i < na && !found; i++)
			found = a[i].obj == b[j].obj;
		if (!found)
			s += (double)b[j].refs * fb;
	}
	return s + fabs((double)oa * fa - (double)ob * fb);
}

static double score(double j, double m) { return (j + m / 2) / 2; }

static struct phacc *new_phase(struct pgt_phase *p, double j, double m)
{
	struct phacc *a;

	if (pgt_grow((void **)&p->ph, &p->capph, p->nph + 1, sizeof(*p->ph)))
		return NULL;
	a = &p->ph[p->nph++];
	memset(a, 0, sizeof(*a));
	a->jaccard = j;
	a->manhattan = m;
	return a;
}

static void phase_add(struct phacc *a, const struct gwin *w)
{
	if (!a->windows) {
		a->start_ref = w->start_ref;
		a->start_ts = w->start_ts;
	}
	a->end_ref = w->end_ref;
	a->end_ts = w->end_ts;
	a->refs += w->refs;
	a->windows++;
	a->distinct_sum += w->distinct;
	if (w->distinct > a->distinct_max)
		a->distinct_max = w->distinct;
	for (int i = 0; i < SIG_WORDS; i++) {
		a->sig_full[i] |= w->sig_full[i];
		a->sig_samp[i] |= w->sig_samp[i];
	}
	for (int i = 0; i < HIST_BINS; i++)
		a->hist[i] += (float)w->hist[i];
	a->other += w->vother;
	for (uint32_t i = 0; i < w->nv; i++) {
		uint32_t k;

		for (k = 0; k < a->nparts && a->parts[k].obj != w->v[i].obj; k++)
			;
		if (k == a->nparts) {
			if (a->nparts == PART_MAX) {
				a->other += w->v[i].refs;
				continue;
			}
			memset(&a->parts[k], 0, sizeof(a->parts[k]));
			a->parts[k].obj = w->v[i].obj;
			a->nparts++;
		}
		a->parts[k].refs += w->v[i].refs;
	}
}

static int fires(const struct gwin *a, const struct gwin *b, double *j, double *m)
{
	*j = jaccard(a, b);
	*m = vdist(a->v, a->nv, a->vother, a->refs, b->v, b->nv, b->vother, b->refs);
	return *j > T_BOUNDARY && *m > T_BOUNDARY;
}

/*
 * One phase window through the boundary test and the hysteresis.  A
 * change in the middle of a window leaves that window half-way between
 * its neighbours, under the threshold from both; so when the window
 * before did not open a phase, this one is also compared with the one
 * two back, and a boundary there is put here.
 */
static int phase_step(struct pgt_phase *p, const struct gwin *w)
{
	double j, m;
	int b, glitch = 0;

	if (!p->nph) {
		struct phacc *a = new_phase(p, 0, 0);

		if (!a)
			return -ENOMEM;
		phase_add(a, w);
		*p->last = *w;
		p->last_fired = 0;
		return 0;
	}
	b = fires(w, p->last, &j, &m);
	if (!b && !p->last_fired && p->gw_no >= 2) {
		double j2, m2;

		if (fires(w, p->last2, &j2, &m2)) {
			b = 1;
			j = j2;
			m = m2;
		}
	}
	if (!p->ncand) {
		if (!b) {
			phase_add(&p->ph[p->nph - 1], w);
		} else {
			*p->pre = *p->last;
			p->cand[p->ncand++] = *w;
			p->cand_j = j;
			p->cand_m = m;
		}
	} else if (!b) {
		p->cand[p->ncand++] = *w;
	} else {
		/* a boundary again before the candidate lasted: it was short */
		double jp, mp;
		struct phacc *open = &p->ph[p->nph - 1];

		if (!fires(w, p->pre, &jp, &mp)) {
			/* back to the phase before: the excursion was part of it */
			for (uint32_t i = 0; i < p->ncand; i++)
				phase_add(open, &p->cand[i]);
			phase_add(open, w);
			p->ncand = 0;
			b = 0;
			glitch = 1;
		} else if (score(p->cand_j, p->cand_m) <= score(j, m)) {
			/* closer to the phase before: it goes back there */
			for (uint32_t i = 0; i < p->ncand; i++)
				phase_add(open, &p->cand[i]);
			p->cand[0] = *w;
			p->ncand = 1;
			p->cand_j = jp;
			p->cand_m = mp;
		} else {
			/* closer to the one after: it starts that one */
			p->cand[p->ncand++] = *w;
		}
	}
	if (p->ncand >= p->o.min_phase) {
		struct phacc *a = new_phase(p, p->cand_j, p->cand_m);

		if (!a)
			return -ENOMEM;
		for (uint32_t i = 0; i < p->ncand; i++)
			phase_add(a, &p->cand[i]);
		p->ncand = 0;
	}
	*p->last2 = *p->last;
	*p->last = *w;
	/* no look two back across a boundary or an excursion */
	p->last_fired = b || glitch;
	return 0;
}

static int close_gwin(struct pgt_phase *p)
{
	struct gwin *w = &p->gw;
	size_t keep = 0;
	int err;

	/* the share vector: the VTOP largest objects, the rest as other */
	w->nv = 0;
	w->vother = 0;
	for (size_t i = 0; i < p->ntouched; i++) {
		struct pobj *o = p->objs[p->touched[i]];
		struct vent e = { o->id, o->gw_refs };
		uint32_t k;

		if (w->nv < VTOP) {
			w->v[w->nv++] = e;
			continue;
		}
		for (k = 0; k < VTOP && w->v[k].refs >= e.refs; k++)
			;
		if (k == VTOP) {
			w->vother += e.refs;
			continue;
		}
		/* replace the smallest */
		k = 0;
		for (uint32_t q = 1; q < VTOP; q++)
			if (w->v[q].refs < w->v[k].refs)
				k = q;
		w->vother += w->v[k].refs;
		w->v[k] = e;
	}
	w->distinct = p->gt.live;
	err = phase_step(p, w);
	if (err)
		return err;
	/* objects idle for a whole phase window: close their window and free
	 * their tables, so memory follows the objects in use */
	for (size_t i = 0; i < p->nactive; i++) {
		struct pobj *o = p->objs[p->active[i]];

		if (o->gw_no == p->gw_no) {
			p->active[keep++] = p->active[i];
			continue;
		}
		err = pgt_phase_close_owin(p, o);
		if (err)
			return err;
		obj_drop_tables(o);
		o->active = 0;
		o->paused = 1;	/* a segment does not span the pause */
	}
	p->nactive = keep;
	/* the next window */
	memset(w, 0, sizeof(*w));
	p->gw_no++;
	p->gw_count = 0;
	p->ntouched = 0;
	p->gt.epoch++;
	p->gt.live = 0;
	return 0;
}

/* ---- references ---- */

/* One page of object @o; @step is the event's steps (two), NULL for the
 * pages of an event after its first. */
static inline int ref(struct pgt_phase *p, struct pobj *o, uint64_t key, uint64_t ts,
		      const int64_t *step)
{
	uint32_t obj = o->id;
	uint64_t h = page_hash(obj, key), bit;
	struct gwin *w = &p->gw;
	struct pent *e;
	uint32_t r = 0;
	int nw;

	if (!p->gref)
		p->first_ts = ts;
	p->last_ts = ts;
	if (!o->active) {
		if (pgt_grow((void **)&p->active, &p->capactive, p->nactive + 1, sizeof(*p->active)))
			return -ENOMEM;
		p->active[p->nactive++] = o->index;
		o->active = 1;
	}
	if (!o->n) {
		o->wstart_ref = p->gref;
		o->wstart_ts = ts;
		o->wlo = o->whi = key;
	}
	if (key < o->wlo)
		o->wlo = key;
	if (key > o->whi)
		o->whi = key;
	if (o->n == o->cap) {
		size_t cap = o->cap;

		if (pgt_grow_from((void **)&o->r, &cap, o->n + 1, sizeof(*o->r), ARR_FIRST))
			return -ENOMEM;
		o->cap = (uint32_t)cap;
	}
	if (step) {
		if (o->nev == o->capev) {
			size_t cap = o->capev, cap2 = o->capev;

			if (pgt_grow_from((void **)&o->seq, &cap, o->nev + 1, sizeof(*o->seq), ARR_FIRST) ||
			    pgt_grow_from((void **)&o->ss, &cap2, o->nev + 1, sizeof(*o->ss), ARR_FIRST))
				return -ENOMEM;
			o->capev = (uint32_t)(cap < cap2 ? cap : cap2);
		}
		o->seq[o->nev] = step[0];
		o->ss[o->nev] = step[1];
		o->nev++;
	}
	e = ptab_find(&o->cur, key, h);
	if (e) {
		r = (uint32_t)(o->t - e->last);
	} else {
		const struct pent *pe = ptab_find(&o->prev, key, h);
		int s = pe ? 1 : pgt_phase_seen(p, o, key);

		if (s == -ENOMEM)	/* not "unknown": that would change the labels */
			return -ENOMEM;
		if (pe)
			r = (uint32_t)(o->t - pe->last);
		else if (s != 1)
			o->nnew++;
		e = ptab_insert(&o->cur, obj, key, h);
		if (!e)
			return -ENOMEM;
	}
	e->cnt++;
	e->last = o->t;
	o->r[o->n] = r;
	o->n++;
	o->t++;
	o->refs++;
	o->last_ref = p->gref;
	o->last_ts = ts;

	/* the phase window */
	if (!p->gw_count) {
		w->start_ref = p->gref;
		w->start_ts = ts;
	}
	w->end_ref = p->gref;
	w->end_ts = ts;
	bit = h & (SIG_BITS - 1);
	if (!(w->sig_full[bit >> 6] & (1ull << (bit & 63)))) {
		w->sig_full[bit >> 6] |= 1ull << (bit & 63);
		w->ones_full++;
	}
	if (((h >> 12) & 0xfffff) < p->samp_cut) {
		bit = (h >> 32) & (SIG_BITS - 1);
		if (!(w->sig_samp[bit >> 6] & (1ull << (bit & 63)))) {
			w->sig_samp[bit >> 6] |= 1ull << (bit & 63);
			w->ones_samp++;
		}
	}
	w->hist[page_hash(obj, key >> REGION_SHIFT) >> 52]++;
	nw = gtab_add(&p->gt, obj, key, h);
	if (nw < 0)
		return nw;
	if (o->gw_no != p->gw_no) {
		o->gw_no = p->gw_no;
		o->gw_refs = 0;
		if (pgt_grow((void **)&p->touched, &p->captouched, p->ntouched + 1, sizeof(*p->touched)))
			return -ENOMEM;
		p->touched[p->ntouched++] = o->index;
	}
	o->gw_refs++;
	w->refs++;
	p->gref++;
	if (o->n == p->o.window) {
		int err = pgt_phase_close_owin(p, o);

		if (err)
			return err;
	}
	if (++p->gw_count == p->o.phase_window)
		return close_gwin(p);
	return 0;
}

/*
 * The pages of one event.  Steps are measured between events, so that a
 * range read counts once: ahead, from the end of the last event to the
 * start of this one (1: adjacent); behind, from the start of the last to
 * the end of this one (-1: adjacent).  Overlapping events that move on
 * are adjacent: one that starts inside the last and ends past its end is
 * +1, one that ends inside it and starts before its start is -1.  A
 * sequential reader whose reads are not page multiples shares a page
 * between successive reads (tar reads 10 KiB at a time: pages 0..2, 2..4,
 * 5..7, 7..9, ...); those steps are the reader moving forward, not a
 * repeat, and calling them 0 left only the start-to-start strides of 2
 * and 3 to classify.  An event inside the last one (or the same range)
 * is 0.  The stride is start to start.  With one page per event both are
 * the page delta.
 */
/* @a - @b as a signed step, clamped to +-INT64_MAX: page indexes are
 * 64-bit, so the difference of two (2^63 and 0) need not fit, and a
 * negated INT64_MIN is undefined.  A step that large is a jump whatever
 * its exact size. */
static inline int64_t step_of(uint64_t a, uint64_t b)
{
	if (a >= b)
		return a - b > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)(a - b);
	return b - a > (uint64_t)INT64_MAX ? -INT64_MAX : -(int64_t)(b - a);
}

static int event(struct pgt_phase *p, uint32_t obj, uint64_t first, uint64_t cnt, uint64_t ts)
{
	struct pobj *o = p->lastobj && p->lastobj->id == obj ? p->lastobj : get_obj(p, obj);
	uint64_t last = first + cnt - 1;
	int64_t step[2];
	int err;

	if (!o)
		return -ENOMEM;
	p->lastobj = o;
	if (o->have_ev) {
		if (first > o->ev_hi)
			step[0] = step_of(first, o->ev_hi);
		else if (last < o->ev_lo)
			step[0] = step_of(last, o->ev_lo);
		else if (first >= o->ev_lo && last > o->ev_hi)
			step[0] = 1;	/* overlaps and moves forward */
		else if (last <= o->ev_hi && first < o->ev_lo)
			step[0] = -1;	/* overlaps and moves backward */
		else
			step[0] = 0;	/* inside the last one */
		step[1] = step_of(first, o->ev_lo);
	}
	o->ev_lo = first;
	o->ev_hi = last;
	err = ref(p, o, first, ts, o->have_ev ? step : NULL);
	o->have_ev = 1;
	for (uint64_t k = 1; k < cnt && !err; k++)
		err = ref(p, o, first + k, ts, NULL);
	return err;
}

int pgt_phase__ref(struct pgt_phase *p, uint32_t obj, uint64_t key, uint64_t ts)
{
	return event(p, obj, key, 1, ts);
}

int pgt_phase__range(struct pgt_phase *p, uint32_t obj, uint64_t first, uint64_t npages, uint64_t ts)
{
	return npages ? event(p, obj, first, npages, ts) : 0;
}

int pgt_phase__feed(struct pgt_phase *p, const struct pgt_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t cnt = pgt_refs_count(&ev[i], p->mask, p->o.space);
		int pfn = p->o.space == PGT_SPACE_PFN;
		int err;

		if (!cnt)
			continue;
		err = event(p, pfn ? 0 : ev[i].obj, pfn ? ev[i].pfn : ev[i].index, cnt, ev[i].ts);
		if (err)
			return err;
	}
	return 0;
}

/* ---- results ---- */

/* An object's main label over [lo, hi]: the label (with its stride or
 * period) of the segments covering most of it.  Segments are in order
 * and do not overlap. */
static void part_label(const struct pgt_phase *p, struct part *pt, uint64_t lo, uint64_t hi)
{
	uint32_t i = u64map_get(&p->objmap, pt->obj);
	const struct pgt_phase_object *o = i == U64MAP_NONE ? NULL : &p->robjs[i];
	struct { uint8_t label; int64_t stride; uint64_t period, cover; } keys[16];
	size_t nkeys = 0, a = 0, b, best = SIZE_MAX;

	pt->label = PGT_PAT_SPARSE;
	if (!o)
		return;
	b = o->nsegs;
	while (a < b) {		/* the first segment ending at or after lo */
		size_t mid = a + (b - a) / 2;

		if (o->segs[mid].end_ref < lo)
			a = mid + 1;
		else
			b = mid;
	}
	for (size_t k = a; k < o->nsegs && o->segs[k].start_ref <= hi; k++) {
		const struct pgt_phase_segment *s = &o->segs[k];
		uint64_t from = s->start_ref > lo ? s->start_ref : lo;
		uint64_t to = s->end_ref < hi ? s->end_ref : hi;
		size_t q;

		for (q = 0; q < nkeys; q++)
			if (keys[q].label == s->label && keys[q].stride == s->stride &&
			    keys[q].period == s->period)
				break;
		if (q == nkeys) {
			if (nkeys == PGT_ARRAY_SIZE(keys))
				continue;
			keys[q].label = s->label;
			keys[q].stride = s->stride;
			keys[q].period = s->period;
			keys[q].cover = 0;
			nkeys++;
		}
		keys[q].cover += to - from + 1;
		if (best == SIZE_MAX || keys[q].cover > keys[best].cover)
			best = q;
	}
	if (best == SIZE_MAX)
		return;
	pt->label = keys[best].label;
	pt->stride = keys[best].stride;
	pt->period = keys[best].period;
}

static int cmp_part(const void *a, const void *b)
{
	const struct part *x = a, *y = b;

	return x->refs < y->refs ? 1 : x->refs > y->refs ? -1 : (x->obj > y->obj) - (x->obj < y->obj);
}

/* Distance of a phase to a centroid, or 2 when their labels differ. */
static double recur_dist(const struct phacc *a, const struct phacc *c)
{
	struct vent va[PART_MAX], vc[PART_MAX];
	double tv = 0, fa = a->refs ? 1.0 / (double)a->refs : 0, fc = c->refs ? 1.0 / (double)c->refs : 0;
	double man;

	for (uint32_t i = 0; i < a->nparts; i++) {
		va[i].obj = a->parts[i].obj;
		va[i].refs = a->parts[i].refs;
	}
	for (uint32_t i = 0; i < c->nparts; i++) {
		vc[i].obj = c->parts[i].obj;
		vc[i].refs = c->parts[i].refs;
	}
	for (uint32_t i = 0; i < a->nparts; i++) {
		const struct part *x = &a->parts[i];

		if ((double)x->refs * fa < T_PART_LABEL)
			continue;
		for (uint32_t k = 0; k < c->nparts; k++) {
			const struct part *y = &c->parts[k];

			if (y->obj == x->obj && (double)y->refs * fc >= T_PART_LABEL &&
			    (y->label != x->label || y->stride != x->stride || y->period != x->period))
				return 2;
		}
	}
	man = vdist(va, a->nparts, a->other, a->refs, vc, c->nparts, c->other, c->refs) / 2;
	for (int i = 0; i < HIST_BINS; i++)
		tv += fabs((double)a->hist[i] * fa - (double)c->hist[i] * fc);
	tv /= 2;
	return man > tv ? man : tv;
}

static void centroid_merge(struct phacc *c, const struct phacc *a)
{
	for (int i = 0; i < HIST_BINS; i++)
		c->hist[i] += a->hist[i];
	c->refs += a->refs;
	c->other += a->other;
	for (uint32_t i = 0; i < a->nparts; i++) {
		uint32_t k;

		for (k = 0; k < c->nparts && c->parts[k].obj != a->parts[i].obj; k++)
			;
		if (k == c->nparts) {
			if (k == PART_MAX) {
				c->other += a->parts[i].refs;
				continue;
			}
			c->parts[k] = a->parts[i];
			c->nparts++;
			continue;
		}
		c->parts[k].refs += a->parts[i].refs;
	}
}

/* Recurrences: each phase against the centroids of the ids seen so far
 * (at most CENT_MAX, the least recently matched making room). */
static int build_phases(struct pgt_phase *p)
{
	struct phacc *cent = NULL;
	uint32_t *cid = NULL;
	size_t *used = NULL, ncent = 0;
	int err = 0;

	p->rph = calloc(p->nph ? p->nph : 1, sizeof(*p->rph));
	cent = calloc(CENT_MAX, sizeof(*cent));
	cid = calloc(CENT_MAX, sizeof(*cid));
	used = calloc(CENT_MAX, sizeof(*used));
	if (!p->rph || !cent || !cid || !used) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < p->nph; i++) {
		struct phacc *a = &p->ph[i];
		struct pgt_phase_info *r = &p->rph[i];
		uint32_t of = sig_ones(a->sig_full), os = sig_ones(a->sig_samp);
		double best = 2;
		size_t match = SIZE_MAX;

		qsort(a->parts, a->nparts, sizeof(*a->parts), cmp_part);
		for (uint32_t k = 0; k < a->nparts; k++)
			part_label(p, &a->parts[k], a->start_ref, a->end_ref);
		r->start_ref = a->start_ref;
		r->end_ref = a->end_ref;
		r->start_ts = a->start_ts;
		r->end_ts = a->end_ts;
		r->refs = a->refs;
		r->windows = a->windows;
		r->wss = a->windows ? (double)a->distinct_sum / a->windows : 0;
		r->wss_max = a->distinct_max;
		r->wss_est = of <= SIG_BITS * 9 / 10 ? lin_count(of) : lin_count(os) * p->samp;
		r->jaccard = a->jaccard;
		r->manhattan = a->manhattan;
		for (uint32_t k = 0; k < a->nparts && r->nparts < PGT_PHASE_TOP; k++) {
			struct pgt_phase_part *pp = &r->parts[r->nparts++];

			pp->obj = a->parts[k].obj;
			pp->label = a->parts[k].label;
			pp->stride = a->parts[k].stride;
			pp->period = a->parts[k].period;
			pp->share = a->refs ? (double)a->parts[k].refs / (double)a->refs : 0;
		}
		for (size_t c = 0; c < ncent; c++) {
			double d = recur_dist(a, &cent[c]);

			if (d < best) {
				best = d;
				match = c;
			}
		}
		r->recur_dist = best > 1 ? 1 : best;
		if (match != SIZE_MAX && best < T_RECUR) {
			r->id = cid[match];
			r->recurring = 1;
			centroid_merge(&cent[match], a);
		} else {
			size_t c = ncent;

			if (ncent == CENT_MAX) {	/* the least recently matched goes */
				c = 0;
				for (size_t q = 1; q < ncent; q++)
					if (used[q] < used[c])
						c = q;
			} else {
				ncent++;
			}
			cent[c] = *a;
			cid[c] = (uint32_t)p->nids++;
			match = c;
			r->id = cid[c];
		}
		used[match] = i;
	}
out:
	free(cent);
	free(cid);
	free(used);
	return err;
}

int pgt_phase__finish(struct pgt_phase *p)
{
	int err;

	if (p->finished)
		return 0;
	p->finished = 1;
	for (size_t i = 0; i < p->nobjs; i++) {
		err = pgt_phase_close_owin(p, p->objs[i]);
		if (err)
			return err;
		obj_drop_tables(p->objs[i]);
	}
	if (p->gw_count) {
		p->gw.distinct = p->gt.live;
		err = close_gwin(p);
		if (err)
			return err;
	}
	if (p->ncand) {		/* a short last phase joins the one before */
		for (uint32_t i = 0; i < p->ncand; i++)
			phase_add(&p->ph[p->nph - 1], &p->cand[i]);
		p->ncand = 0;
	}
	p->robjs = calloc(p->nobjs ? p->nobjs : 1, sizeof(*p->robjs));
	if (!p->robjs)
		return -ENOMEM;
	for (size_t i = 0; i < p->nobjs; i++) {
		struct pobj *o = p->objs[i];
		struct pgt_phase_object *r = &p->robjs[i];
		struct pgt_phase_segment *rs;
		uint64_t best = 0;

		r->obj = o->id;
		r->refs = o->refs;
		r->windows = o->windows;
		for (unsigned l = 0; l < PGT_PAT_NR; l++)
			if (o->label_refs[l] > best) {
				best = o->label_refs[l];
				r->label = (uint8_t)l;
			}
		/* the results in place of the accumulators (smaller, and each
		 * written at or before the one read): no second copy */
		rs = (struct pgt_phase_segment *)o->segs;
		r->segs = rs;
		r->nsegs = o->nsegs;
		for (size_t k = 0; k < o->nsegs; k++) {
			struct seg_acc *sa = &o->segs[k];
			struct pgt_phase_segment *s = &sa->s;
			double w = s->windows ? 1.0 / s->windows : 0;
			uint32_t bs = 0;

			s->alpha *= w;
			s->r2 *= w;
			s->hot_share *= w;
			s->hot_pages *= w;
			s->hot80 *= w;
			s->pages *= w;
			s->f_new *= w;
			for (unsigned q = 0; q < PGT_SUB_NR; q++)
				if (sa->subs[q] > bs) {
					bs = sa->subs[q];
					s->sub = (uint8_t)q;
				}
			memmove(&rs[k], s, sizeof(*s));
		}
		r->wins = o->wins;
		r->nwins = o->nwins;
	}
	return build_phases(p);
}

void pgt_phase__summary(const struct pgt_phase *p, struct pgt_phase_summary *s)
{
	uint64_t bytes = sizeof(*p) + p->seen_used + p->nph * sizeof(*p->ph);

	memset(s, 0, sizeof(*s));
	s->refs = p->gref;
	s->objects = p->nobjs;
	s->windows = p->windows;
	s->phase_windows = p->gw_no;
	s->phases = p->nph;
	s->ids = p->nids;
	s->window = p->o.window;
	s->phase_window = p->o.phase_window;
	s->first_ts = p->first_ts;
	s->last_ts = p->last_ts;
	s->seen_full = p->seen_full;
	for (size_t i = 0; i < p->nobjs; i++) {
		const struct pobj *o = p->objs[i];

		bytes += sizeof(*o) + o->capsegs * sizeof(*o->segs) + o->capwins * sizeof(*o->wins) +
			 (o->cur.e ? (o->cur.mask + 1) * sizeof(struct pent) : 0) +
			 (o->prev.e ? (o->prev.mask + 1) * sizeof(struct pent) : 0) +
			 (uint64_t)o->cap * sizeof(*o->r) + (uint64_t)o->capev * 2 * sizeof(*o->seq);
	}
	if (p->gt.e)
		bytes += (p->gt.mask + 1) * sizeof(*p->gt.e);
	s->bytes = bytes;
}

const struct pgt_phase_object *pgt_phase__objects(const struct pgt_phase *p, size_t *n)
{
	*n = p->robjs ? p->nobjs : 0;
	return p->robjs;
}

const struct pgt_phase_info *pgt_phase__phases(const struct pgt_phase *p, size_t *n)
{
	*n = p->rph ? p->nph : 0;
	return p->rph;
}
