// SPDX-License-Identifier: LGPL-2.1-or-later
/* The Zipf fit of stats and phase (zipf.h says why this head). */
#include <math.h>
#include <string.h>

#include "analysis/zipf.h"

static const uint64_t head_min[3] = { 32, 8, 2 };

void pgt_zipf__init(struct pgt_zipf *z)
{
	memset(z, 0, sizeof(*z));
	z->last = UINT64_MAX;
}

/* Freeze the heads whose threshold the next count falls below. */
static void close_heads(struct pgt_zipf *z, uint64_t next)
{
	for (int i = 0; i < 3; i++)
		if (z->last >= head_min[i] && next < head_min[i])
			z->head[i] = z->run;
}

void pgt_zipf__add(struct pgt_zipf *z, uint64_t count, uint64_t mult)
{
	double y;

	if (!mult || count < head_min[2])
		return;
	close_heads(z, count);
	z->last = count;
	y = log((double)count);
	for (uint64_t j = 0; j < mult; j++) {
		double x = log((double)++z->run.k);

		z->run.sx += x;
		z->run.sy += y;
		z->run.sxx += x * x;
		z->run.sxy += x * y;
		z->run.syy += y * y;
	}
}

int pgt_zipf__result(struct pgt_zipf *z, double *alpha, double *r2, uint64_t *hi)
{
	*alpha = *r2 = 0;
	*hi = 0;
	if (z->last != UINT64_MAX)
		close_heads(z, 0);
	for (int i = 0; i < 3; i++) {
		const struct pgt_zipf_sums *h = &z->head[i];
		double k = (double)h->k, den, vy, cov;

		if (h->k < 8)
			continue;
		den = k * h->sxx - h->sx * h->sx;
		vy = k * h->syy - h->sy * h->sy;
		if (den <= 0 || vy <= 0)
			continue;	/* all counts equal: nothing to fit */
		cov = k * h->sxy - h->sx * h->sy;
		*alpha = -cov / den;
		*r2 = cov * cov / (den * vy);
		*hi = h->k;
		return 0;
	}
	return -1;
}
