// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * phase: the names of the patterns and the rules that label an object
 * window from its features (phase.h has the rules in prose,
 * pgtrace-phase(1) the numbers; the thresholds are in phase-int.h).
 */
#include <math.h>

#include "analysis/phase-int.h"

static const char *const pattern_names[PGT_PAT_NR] = {
	"sparse", "sequential-forward", "sequential-backward", "strided", "looping",
	"one-shot", "hot-set", "uniform", "mixed",
};
static const char *const sub_names[PGT_SUB_NR] = {
	"", "streaming", "reuse", "forward", "backward", "clustered",
};

const char *pgt_pattern_name(unsigned label)
{
	return label < PGT_PAT_NR ? pattern_names[label] : "unknown";
}

const char *pgt_pattern_sub_name(unsigned sub)
{
	return sub < PGT_SUB_NR ? sub_names[sub] : "";
}

int pgt_pattern_parse(const char *name)
{
	for (int i = 0; i < PGT_PAT_NR; i++)
		if (!strcmp(name, pattern_names[i]))
			return i;
	return -PGT_EPARSE;
}

/* ---- the rules ---- */

static int loopy(const struct pgt_phase_features *f)
{
	return f->f_reref >= T_REREF && f->f_loop >= T_LOOP && f->period >= T_PERIOD;
}

unsigned pgt_phase_classify(const struct pgt_phase_features *f, unsigned *sub)
{
	*sub = PGT_SUB_NONE;
	if (f->n < T_SPARSE)
		return PGT_PAT_SPARSE;
	if (f->f_fwd >= T_SEQ && f->runs_fwd >= T_RUNS) {
		if (loopy(f)) {
			*sub = PGT_SUB_FORWARD;
			return PGT_PAT_LOOPING;
		}
		*sub = f->f_new >= T_NEW ? PGT_SUB_STREAMING : PGT_SUB_REUSE;
		return PGT_PAT_SEQ_FORWARD;
	}
	if (f->f_bwd >= T_SEQ && f->runs_bwd >= T_RUNS) {
		if (loopy(f)) {
			*sub = PGT_SUB_BACKWARD;
			return PGT_PAT_LOOPING;
		}
		*sub = f->f_new >= T_NEW ? PGT_SUB_STREAMING : PGT_SUB_REUSE;
		return PGT_PAT_SEQ_BACKWARD;
	}
	if (f->f_stride >= T_STRIDE && f->f_steady >= T_STRIDE && (f->stride >= 2 || f->stride <= -2))
		return PGT_PAT_STRIDED;
	if (f->f_new >= T_NEW)
		return PGT_PAT_ONE_SHOT;
	if (loopy(f))
		return PGT_PAT_LOOPING;
	if (f->top10 >= T_TOP10_HOT || (f->alpha >= T_ALPHA && f->r2 >= T_R2) ||
	    (f->hot_share >= T_HOT_SHARE && (double)f->hot_pages <= T_HOT_SPAN * (double)f->span)) {
		if (f->f_close >= T_CLOSE)
			*sub = PGT_SUB_CLUSTERED;
		return PGT_PAT_HOT_SET;
	}
	/* Reuse times are cut at the horizon, which lowers the cv of a
	 * geometric distribution to 0.58 when the footprint exceeds the
	 * window: judge it only when most references are re-references. */
	if (f->top10 < T_TOP10_UNI && fabs(f->dispersion - 1) <= T_DISP_UNI &&
	    (f->f_reref < T_REREF || (f->cv_reuse >= T_CV_LO && f->cv_reuse <= T_CV_HI)))
		return PGT_PAT_UNIFORM;
	return PGT_PAT_MIXED;
}
