// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the pattern classifier and phase detector
 * (lib/analysis/phase.c) on hand-made reference sequences whose features
 * are known exactly: steps and runs, strides, reuse periods, first
 * touches, page counts and the hot-set and Zipf fits, range events,
 * windows closed by a pause, and phases with their recurrences.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "pgtrace/phase.h"
#include "helpers.h"

#define W 256

static struct pgt_phase *new_phase(uint64_t window, uint64_t phase_window)
{
	struct pgt_phase_opts o = { .sz = sizeof(o), .window = window, .phase_window = phase_window,
				    .keep_windows = 1 };
	struct pgt_phase *p;
	int err = 1;

	p = pgt_phase__new(&o, &err);
	assert_non_null(p);
	assert_int_equal(err, 0);
	return p;
}

/* The object's windows after finish. */
static const struct pgt_phase_object *only_object(struct pgt_phase *p)
{
	const struct pgt_phase_object *o;
	size_t n;

	assert_int_equal(pgt_phase__finish(p), 0);
	o = pgt_phase__objects(p, &n);
	assert_int_equal(n, 1);
	return o;
}

static void feed(struct pgt_phase *p, uint32_t obj, const uint64_t *pages, size_t n, uint64_t *ts)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(pgt_phase__ref(p, obj, pages[i], (*ts)++), 0);
}

static void test_names(void **state)
{
	(void)state;
	for (unsigned l = 0; l < PGT_PAT_NR; l++)
		assert_int_equal(pgt_pattern_parse(pgt_pattern_name(l)), (int)l);
	assert_string_equal(pgt_pattern_name(PGT_PAT_NR), "unknown");
	assert_int_equal(pgt_pattern_parse("nope"), -PGT_EPARSE);
	assert_string_equal(pgt_pattern_sub_name(PGT_SUB_NONE), "");
	assert_string_equal(pgt_pattern_sub_name(PGT_SUB_STREAMING), "streaming");
}

static void test_new_checks(void **state)
{
	struct pgt_phase_opts o = { .sz = sizeof(o), .window = 63 };
	int err = 0;

	(void)state;
	assert_null(pgt_phase__new(&o, &err));
	assert_int_equal(err, -EINVAL);
	o.window = 64;
	o.min_phase = 65;
	assert_null(pgt_phase__new(&o, &err));
	assert_int_equal(err, -EINVAL);
	pgt_phase__free(NULL);
}

/* Two passes over 2W pages: forward steps only; the first pass is all
 * first touches, the second all pages seen before. */
static void test_sequential(void **state)
{
	struct pgt_phase *p = new_phase(W, 0);
	const struct pgt_phase_object *o;
	uint64_t ts = 0;

	(void)state;
	for (int pass = 0; pass < 2; pass++)
		for (uint64_t i = 0; i < 2 * W; i++)
			assert_int_equal(pgt_phase__ref(p, 7, 1000 + i, ts++), 0);
	o = only_object(p);
	assert_int_equal(o->obj, 7);
	assert_int_equal(o->nwins, 4);
	for (int k = 0; k < 4; k++) {
		const struct pgt_phase_window *w = &o->wins[k];

		assert_int_equal(w->label, PGT_PAT_SEQ_FORWARD);
		assert_int_equal(w->sub, k < 2 ? PGT_SUB_STREAMING : PGT_SUB_REUSE);
		assert_int_equal(w->f.n, W);
		assert_int_equal(w->f.pages, W);
		assert_int_equal(w->f.span, W);
		assert_true(w->f.f_new == (k < 2 ? 1.0 : 0.0));
		assert_true(w->f.runs_fwd == 1.0);
		assert_true(w->f.f_bwd == 0.0);
		/* reuse beyond the two-window horizon is not seen */
		assert_true(w->f.f_reref == 0.0);
	}
	/* the jump back to the start is one backward step in the third window */
	assert_true(fabs(o->wins[2].f.f_fwd - (double)(W - 1) / W) < 1e-12);
	assert_true(o->wins[1].f.f_fwd == 1.0);
	assert_int_equal(o->nsegs, 2);
	assert_int_equal(o->segs[0].windows, 2);
	assert_int_equal(o->segs[0].start_ref, 0);
	assert_int_equal(o->segs[0].end_ref, 2 * W - 1);
	assert_int_equal(o->segs[1].refs, 2 * W);
	pgt_phase__free(p);
}

static void test_backward(void **state)
{
	struct pgt_phase *p = new_phase(W, 0);
	const struct pgt_phase_object *o;
	uint64_t ts = 0;

	(void)state;
	for (uint64_t i = 0; i < W; i++)
		assert_int_equal(pgt_phase__ref(p, 1, 5000 - i, ts++), 0);
	o = only_object(p);
	assert_int_equal(o->wins[0].label, PGT_PAT_SEQ_BACKWARD);
	assert_true(o->wins[0].f.f_bwd == 1.0);
	assert_true(o->wins[0].f.runs_bwd == 1.0);
	pgt_phase__free(p);
}

/* Stride 5, restarting one page further every 20 references. */
static void test_strided(void **state)
{
	struct pgt_phase *p = new_phase(W, 0);
	const struct pgt_phase_object *o;
	const struct pgt_phase_features *f;
	uint64_t ts = 0;

	(void)state;
	for (uint64_t i = 0; i < W; i++)
		assert_int_equal(pgt_phase__ref(p, 1, (i / 20) + 5 * (i % 20), ts++), 0);
	o = only_object(p);
	f = &o->wins[0].f;
	assert_int_equal(o->wins[0].label, PGT_PAT_STRIDED);
	assert_int_equal(f->stride, 5);
	/* W - 1 steps, one per 20 references is the restart */
	assert_true(fabs(f->f_stride - (double)(W - 1 - (W - 1) / 20) / (W - 1)) < 1e-12);
	assert_true(f->f_steady == f->f_stride);
	assert_int_equal(o->segs[0].stride, 5);
	pgt_phase__free(p);
}

/* A loop of 10 pages: reuse time 10 for every re-reference. */
static void test_loop(void **state)
{
	struct pgt_phase *p = new_phase(W, 0);
	const struct pgt_phase_object *o;
	const struct pgt_phase_features *f;
	uint64_t ts = 0;

	(void)state;
	for (uint64_t i = 0; i < 2 * W; i++)
		assert_int_equal(pgt_phase__ref(p, 1, i % 10, ts++), 0);
	o = only_object(p);
	f = &o->wins[0].f;
	assert_int_equal(o->wins[0].label, PGT_PAT_LOOPING);
	assert_int_equal(o->wins[0].sub, PGT_SUB_FORWARD);
	assert_int_equal(f->period, 10);
	assert_true(f->f_loop == 1.0);
	assert_true(f->cv_reuse == 0.0);
	assert_true(fabs(f->f_reref - (double)(W - 10) / W) < 1e-12);
	assert_true(fabs(f->f_new - 10.0 / W) < 1e-12);
	assert_int_equal(f->pages, 10);
	/* the second window sees the first as its horizon */
	assert_true(o->wins[1].f.f_reref == 1.0);
	assert_int_equal(o->nsegs, 1);
	assert_int_equal(o->segs[0].period, 10);
	pgt_phase__free(p);
}

/* The same permutation of 50 pages over and over: looping, no order. */
static void test_loop_shuffled(void **state)
{
	struct pgt_phase *p = new_phase(W, 0);
	const struct pgt_phase_object *o;
	uint64_t perm[50], rng = 1, ts = 0;

	(void)state;
	for (int i = 0; i < 50; i++)
		perm[i] = (uint64_t)i * 1000;
	for (int i = 49; i > 0; i--) {
		int j = (int)(t_rand(&rng) % (uint64_t)(i + 1));
		uint64_t t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (int k = 0; k < 12; k++)
		feed(p, 1, perm, 50, &ts);
	o = only_object(p);
	assert_int_equal(o->wins[1].label, PGT_PAT_LOOPING);
	assert_int_equal(o->wins[1].sub, PGT_SUB_NONE);
	assert_int_equal(o->wins[1].f.period, 50);
	pgt_phase__free(p);
}

/* 90% of the references on 10 pages, the rest on pages never seen
 * again: the two-level fit finds the 10 pages and their share. */
static void test_hot_set(void **state)
{
	struct pgt_phase *p = new_phase(1000, 0);
	const struct pgt_phase_object *o;
	const struct pgt_phase_features *f;
	uint64_t rng = 7, ts = 0, cold = 0;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		uint64_t page = i % 10 == 9 ? 100000 + 7 * cold++ : t_rand(&rng) % 10 * 1000;

		assert_int_equal(pgt_phase__ref(p, 1, page, ts++), 0);
	}
	o = only_object(p);
	f = &o->wins[0].f;
	assert_int_equal(o->wins[0].label, PGT_PAT_HOT_SET);
	assert_true(fabs(f->hot_share - 0.9) < 0.05);
	assert_true(f->hot_pages >= 9 && f->hot_pages <= 11);
	assert_int_equal(f->pages, 110);
	/* the 11 top pages (10%) are the 10 hot ones and one cold */
	assert_true(fabs(f->top10 - 0.901) < 1e-9);
	pgt_phase__free(p);
}

/* Page r referenced round(400 / r) times, in a scattered order: a Zipf
 * head of alpha 1 fits with R^2 close to 1. */
static void test_zipf_fit(void **state)
{
	struct pgt_phase *p = new_phase(1u << 20, 0);
	const struct pgt_phase_object *o;
	const struct pgt_phase_features *f;
	uint64_t ts = 0, total = 0, rng = 3;
	uint64_t *seq;
	size_t n = 0;

	(void)state;
	for (uint64_t r = 1; r <= 400; r++)
		total += (uint64_t)floor(400.0 / r + 0.5);
	seq = malloc(total * sizeof(*seq));
	assert_non_null(seq);
	for (uint64_t r = 1; r <= 400; r++)
		for (uint64_t k = 0; k < (uint64_t)floor(400.0 / r + 0.5); k++)
			seq[n++] = r * 37;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)(t_rand(&rng) % (i + 1));
		uint64_t t = seq[i];

		seq[i] = seq[j];
		seq[j] = t;
	}
	feed(p, 1, seq, n, &ts);
	o = only_object(p);
	f = &o->wins[0].f;
	assert_int_equal(f->n, total);
	assert_int_equal(f->pages, 400);
	/* the head of stats' fit (analysis/zipf.h): counts of 32 or more,
	 * 400 / r >= 31.5, r <= 12 */
	assert_int_equal(f->zipf_hi, 12);
	assert_true(fabs(f->alpha - 1.0) < 0.02);
	assert_true(f->r2 > 0.99);
	assert_int_equal(o->wins[0].label, PGT_PAT_HOT_SET);
	free(seq);
	pgt_phase__free(p);
}

/* Uniform over 64 pages: every page about W / 64 times. */
static void test_uniform(void **state)
{
	struct pgt_phase *p = new_phase(4096, 0);
	const struct pgt_phase_object *o;
	const struct pgt_phase_features *f;
	uint64_t rng = 11, ts = 0;

	(void)state;
	for (int i = 0; i < 4 * 4096; i++)
		assert_int_equal(pgt_phase__ref(p, 1, t_rand(&rng) % 64, ts++), 0);
	o = only_object(p);
	f = &o->wins[2].f;
	assert_int_equal(o->wins[2].label, PGT_PAT_UNIFORM);
	assert_int_equal(f->pages, 64);
	assert_true(fabs(f->dispersion - 1) < 0.3);
	assert_true(fabs(f->cv_reuse - 1) < 0.15);
	assert_true(f->top10 < 0.15);
	pgt_phase__free(p);
}

static void test_sparse_and_one_shot(void **state)
{
	struct pgt_phase *p = new_phase(W, 0);
	const struct pgt_phase_object *objs;
	uint64_t rng = 5, ts = 0;
	size_t n;

	(void)state;
	for (int i = 0; i < 63; i++)
		assert_int_equal(pgt_phase__ref(p, 1, (uint64_t)i, ts++), 0);
	for (int i = 0; i < W; i++)
		assert_int_equal(pgt_phase__ref(p, 2, t_rand(&rng) >> 8, ts++), 0);
	assert_int_equal(pgt_phase__finish(p), 0);
	objs = pgt_phase__objects(p, &n);
	assert_int_equal(n, 2);
	assert_int_equal(objs[0].wins[0].label, PGT_PAT_SPARSE);
	assert_int_equal(objs[0].label, PGT_PAT_SPARSE);
	assert_int_equal(objs[1].wins[0].label, PGT_PAT_ONE_SHOT);
	assert_true(objs[1].wins[0].f.f_new == 1.0);
	pgt_phase__free(p);
}

/* Ranges: steps from the end of one event to the start of the next. */
static void test_ranges(void **state)
{
	struct pgt_phase *p = new_phase(W, 0);
	const struct pgt_phase_object *objs;
	uint64_t ts = 0;
	size_t n;

	(void)state;
	for (uint64_t i = 0; i < W / 4; i++)
		assert_int_equal(pgt_phase__range(p, 1, 4 * i, 4, ts++), 0);
	for (uint64_t i = 0; i < W / 4; i++)
		assert_int_equal(pgt_phase__range(p, 2, 100000 - 4 * i, 4, ts++), 0);
	for (uint64_t i = 0; i < W / 4; i++)
		assert_int_equal(pgt_phase__range(p, 3, 16 * i, 4, ts++), 0);
	assert_int_equal(pgt_phase__range(p, 3, 0, 0, ts), 0);
	assert_int_equal(pgt_phase__finish(p), 0);
	objs = pgt_phase__objects(p, &n);
	assert_int_equal(n, 3);
	assert_int_equal(objs[0].wins[0].label, PGT_PAT_SEQ_FORWARD);
	assert_true(objs[0].wins[0].f.f_fwd == 1.0);
	assert_int_equal(objs[0].wins[0].f.n, W);
	assert_int_equal(objs[1].wins[0].label, PGT_PAT_SEQ_BACKWARD);
	assert_true(objs[1].wins[0].f.f_bwd == 1.0);
	assert_int_equal(objs[2].wins[0].label, PGT_PAT_STRIDED);
	assert_int_equal(objs[2].wins[0].f.stride, 16);
	pgt_phase__free(p);
}

/*
 * A sequential reader whose reads share a page: tar reads 10 KiB at a
 * time, so with 4 KiB pages its lookups are pages 0..2, 2..4, 5..7,
 * 7..9, 10..12, ... (overlapping by one page, then adjacent).  That is
 * sequential, not strided by 2 (start to start alternates 2 and 3); the
 * same read backwards is sequential-backward.  A range read again
 * inside the last one is a repeat (a step of 0).
 */
static void test_overlapping_ranges(void **state)
{
	struct pgt_phase *p = new_phase(W, 0);
	const struct pgt_phase_object *objs;
	uint64_t ts = 0, b = 0;
	size_t n;

	(void)state;
	while (b < 10240ull * 600) {	/* 10 KiB reads of object 1 */
		uint64_t first = b / 4096, last = (b + 10240 - 1) / 4096;

		assert_int_equal(pgt_phase__range(p, 1, first, last - first + 1, ts++), 0);
		b += 10240;
	}
	b = 10240ull * 600;
	while (b >= 10240) {		/* the same, backwards, object 2 */
		uint64_t first = (b - 10240) / 4096, last = (b - 1) / 4096;

		assert_int_equal(pgt_phase__range(p, 2, first, last - first + 1, ts++), 0);
		b -= 10240;
	}
	for (uint64_t i = 0; i < W; i++) {	/* 0..3, then 2..3 inside it: repeats */
		assert_int_equal(pgt_phase__range(p, 3, 4 * i, 4, ts++), 0);
		assert_int_equal(pgt_phase__range(p, 3, 4 * i + 2, 2, ts++), 0);
	}
	assert_int_equal(pgt_phase__finish(p), 0);
	objs = pgt_phase__objects(p, &n);
	assert_int_equal(n, 3);
	assert_true(objs[0].nwins > 2);
	for (size_t i = 0; i < objs[0].nwins; i++) {
		const struct pgt_phase_window *w = &objs[0].wins[i];

		if (w->f.n < 64)	/* the tail: sparse */
			continue;
		assert_int_equal(w->label, PGT_PAT_SEQ_FORWARD);
		assert_true(w->f.f_fwd == 1.0);
		assert_true(w->f.f_repeat == 0.0);
	}
	for (size_t i = 0; i < objs[1].nwins; i++) {
		if (objs[1].wins[i].f.n < 64)
			continue;
		assert_int_equal(objs[1].wins[i].label, PGT_PAT_SEQ_BACKWARD);
		assert_true(objs[1].wins[i].f.f_bwd == 1.0);
	}
	/* every other step is inside the last event: half repeats */
	assert_true(fabs(objs[2].wins[0].f.f_repeat - 0.5) < 0.01);
	assert_int_equal(objs[2].wins[0].label, PGT_PAT_SEQ_FORWARD);
	pgt_phase__free(p);
}

/* An object left alone for a whole phase window closes its window. */
static void test_pause_closes_window(void **state)
{
	struct pgt_phase *p = new_phase(W, 1000);
	const struct pgt_phase_object *objs;
	uint64_t ts = 0;
	size_t n;

	(void)state;
	for (uint64_t i = 0; i < 100; i++)
		assert_int_equal(pgt_phase__ref(p, 1, i, ts++), 0);
	for (uint64_t i = 0; i < 3000; i++)
		assert_int_equal(pgt_phase__ref(p, 2, i % 50, ts++), 0);
	for (uint64_t i = 100; i < 200; i++)
		assert_int_equal(pgt_phase__ref(p, 1, i, ts++), 0);
	assert_int_equal(pgt_phase__finish(p), 0);
	objs = pgt_phase__objects(p, &n);
	assert_int_equal(objs[0].nwins, 2);
	assert_int_equal(objs[0].wins[0].f.n, 100);
	assert_int_equal(objs[0].wins[0].end_ref, 99);
	assert_int_equal(objs[0].wins[1].start_ref, 3100);
	/* tables were dropped: the second window starts with no horizon */
	assert_true(objs[0].wins[1].f.f_reref == 0.0);
	pgt_phase__free(p);
}

static void run_phases(struct pgt_phase *p, const uint32_t *objs, int nobj, int per, uint64_t *ts)
{
	uint64_t rng = 9;

	for (int k = 0; k < nobj; k++)
		for (int i = 0; i < per; i++)
			assert_int_equal(pgt_phase__ref(p, objs[k], t_rand(&rng) % 500, (*ts)++), 0);
}

/* A, B, A, C: four phases, the third recurring as the first. */
static void test_phases(void **state)
{
	struct pgt_phase *p = new_phase(W, 1000);
	const uint32_t seq[] = { 1, 2, 1, 3 };
	const struct pgt_phase_info *ph;
	struct pgt_phase_summary sm;
	uint64_t ts = 0;
	size_t n;

	(void)state;
	run_phases(p, seq, 4, 5000, &ts);
	assert_int_equal(pgt_phase__finish(p), 0);
	assert_int_equal(pgt_phase__finish(p), 0);	/* once only */
	ph = pgt_phase__phases(p, &n);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ph[i].start_ref, 5000 * i);
		assert_int_equal(ph[i].end_ref, 5000 * i + 4999);
		assert_int_equal(ph[i].windows, 5);
		assert_int_equal(ph[i].parts[0].obj, seq[i]);
		assert_true(ph[i].parts[0].share == 1.0);
		assert_int_equal(ph[i].parts[0].label, PGT_PAT_UNIFORM);
		assert_true(ph[i].wss > 400 && ph[i].wss <= 500);
	}
	assert_true(ph[1].jaccard > 0.9 && ph[1].manhattan > 1.9);
	assert_int_equal(ph[0].id, 0);
	assert_int_equal(ph[1].id, 1);
	assert_int_equal(ph[2].id, 0);
	assert_true(ph[2].recurring);
	assert_true(ph[2].recur_dist < 0.3);
	assert_int_equal(ph[3].id, 2);
	assert_false(ph[3].recurring);
	pgt_phase__summary(p, &sm);
	assert_int_equal(sm.refs, 20000);
	assert_int_equal(sm.phases, 4);
	assert_int_equal(sm.ids, 3);
	assert_int_equal(sm.phase_windows, 20);
	assert_int_equal(sm.objects, 3);
	pgt_phase__free(p);
}

/* Two windows of B between A's: shorter than the three-window minimum,
 * merged; with a minimum of 2 it stands. */
static void test_hysteresis(void **state)
{
	const uint32_t seq[] = { 1, 2, 1 };
	const struct pgt_phase_info *ph;
	uint64_t ts = 0;
	size_t n;

	(void)state;
	for (uint32_t minp = 3; minp >= 2; minp--) {
		struct pgt_phase_opts o = { .sz = sizeof(o), .window = W, .phase_window = 1000, .min_phase = minp };
		int err;
		struct pgt_phase *p = pgt_phase__new(&o, &err);
		const uint32_t per[] = { 5000, 2000, 5000 };

		assert_non_null(p);
		for (int k = 0; k < 3; k++)
			run_phases(p, &seq[k], 1, (int)per[k], &ts);
		assert_int_equal(pgt_phase__finish(p), 0);
		ph = pgt_phase__phases(p, &n);
		assert_int_equal(n, minp == 3 ? 1 : 3);
		if (minp == 2) {
			assert_int_equal(ph[1].windows, 2);
			assert_int_equal(ph[2].id, 0);
		}
		pgt_phase__free(p);
	}
}

/* Pages 2^63 and 0 alternate: their steps are +-2^63, which an int64_t
 * does not hold (the negation of INT64_MIN was undefined: UBSan stopped
 * phase, plot phase and report on such a CSV).  Steps clamp to
 * +-INT64_MAX: jumps, neither forward nor backward runs; the stride is
 * the +-INT64_MAX start-to-start step, never INT64_MIN. */
static void test_extreme_steps(void **state)
{
	static const uint64_t pages[] = { 1ull << 63, 0, 1ull << 63, 0, 1ull << 63, 0, UINT64_MAX, 0, 5 };
	struct pgt_phase *p = new_phase(64, 64);
	const struct pgt_phase_object *o;
	uint64_t ts = 0;

	(void)state;
	feed(p, 1, pages, (sizeof(pages) / sizeof(pages[0])), &ts);
	assert_int_equal(pgt_phase__range(p, 1, UINT64_MAX - 1, 2, ts++), 0);
	assert_int_equal(pgt_phase__range(p, 1, 0, 3, ts++), 0);
	o = only_object(p);
	assert_int_equal(o->nwins, 1);
	assert_int_equal(o->wins[0].f.n, (sizeof(pages) / sizeof(pages[0])) + 5);
	assert_true(o->wins[0].f.f_fwd < 0.5);
	assert_true(o->wins[0].f.f_bwd < 0.5);
	assert_true(o->wins[0].f.stride == INT64_MAX || o->wins[0].f.stride == -INT64_MAX);
	assert_int_equal(o->wins[0].f.span, 0);	/* 2^64 pages: wraps, as before */
	pgt_phase__free(p);
}

static void test_classify_rules(void **state)
{
	struct pgt_phase_features f = { .n = 1000, .f_fwd = 0.9, .runs_fwd = 1, .f_new = 1 };
	unsigned sub;

	(void)state;
	assert_int_equal(pgt_phase_classify(&f, &sub), PGT_PAT_SEQ_FORWARD);
	assert_int_equal(sub, PGT_SUB_STREAMING);
	f.runs_fwd = 0.4;	/* short runs: not sequential */
	assert_int_equal(pgt_phase_classify(&f, &sub), PGT_PAT_ONE_SHOT);
	f.n = 63;
	assert_int_equal(pgt_phase_classify(&f, &sub), PGT_PAT_SPARSE);
	memset(&f, 0, sizeof(f));
	f.n = 1000;
	f.stride = -3;
	f.f_stride = f.f_steady = 0.7;
	assert_int_equal(pgt_phase_classify(&f, &sub), PGT_PAT_STRIDED);
	f.f_steady = 0.5;	/* no two in a row */
	f.f_reref = 0.6;
	f.f_loop = 0.8;
	f.period = 8;
	assert_int_equal(pgt_phase_classify(&f, &sub), PGT_PAT_LOOPING);
	f.period = 7;
	f.alpha = 0.7;
	f.r2 = 0.9;
	f.f_close = 0.9;
	assert_int_equal(pgt_phase_classify(&f, &sub), PGT_PAT_HOT_SET);
	assert_int_equal(sub, PGT_SUB_CLUSTERED);
	f.alpha = 0.1;
	f.top10 = 0.2;
	f.dispersion = 1.2;
	f.cv_reuse = 1.6;	/* most are re-references, cv too high */
	assert_int_equal(pgt_phase_classify(&f, &sub), PGT_PAT_MIXED);
	f.cv_reuse = 0.9;
	assert_int_equal(pgt_phase_classify(&f, &sub), PGT_PAT_UNIFORM);
	f.hot_share = 0.6;
	f.hot_pages = 10;
	f.span = 40;		/* a quarter of the span: hot */
	assert_int_equal(pgt_phase_classify(&f, &sub), PGT_PAT_HOT_SET);
	f.span = 39;
	assert_int_equal(pgt_phase_classify(&f, &sub), PGT_PAT_UNIFORM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_new_checks),
		cmocka_unit_test(test_sequential),
		cmocka_unit_test(test_backward),
		cmocka_unit_test(test_strided),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_loop_shuffled),
		cmocka_unit_test(test_hot_set),
		cmocka_unit_test(test_zipf_fit),
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_sparse_and_one_shot),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_overlapping_ranges),
		cmocka_unit_test(test_pause_closes_window),
		cmocka_unit_test(test_phases),
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_classify_rules),
		cmocka_unit_test(test_extreme_steps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
