// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The analyses as sinks (sink.h): thin adapters over their public feed
 * and finish functions, so that a command drains a trace into stats,
 * phase, the LRU simulator and the reference tally in one pass.  Each
 * borrows its object; none reads the side tables while fed.
 */
#include <errno.h>
#include <stdlib.h>

#include "ops/sink-int.h"
#include "pgtrace/analysis.h"
#include "pgtrace/ops.h"
#include "pgtrace/phase.h"
#include "pgtrace/sink.h"

/* One adapter shape: the base, and the borrowed object. */
struct obj_sink {
	struct pgt_sink base;
	void *obj;
};

static struct pgt_sink *obj_sink_new(const struct pgt_sink_ops *ops, void *obj)
{
	struct obj_sink *s = pgt_sink__alloc(sizeof(*s), ops, 0);

	if (!s)
		return NULL;
	s->obj = obj;
	return &s->base;
}

#define OBJ(s) (((struct obj_sink *)(s))->obj)

static int stats_feed(struct pgt_sink *s, const struct pgt_event *evs, size_t n,
		      const struct pgt_meta *meta, const struct pgt_header *h)
{
	(void)meta, (void)h;
	return pgt_stats__feed(OBJ(s), evs, n);
}

static int stats_finish(struct pgt_sink *s, const struct pgt_meta *meta, const struct pgt_header *h)
{
	(void)meta, (void)h;
	return pgt_stats__finish(OBJ(s));
}

static const struct pgt_sink_ops stats_sink_ops = {
	.name = "stats", .feed = stats_feed, .finish = stats_finish, .free = pgt_sink__free_self,
};

struct pgt_sink *pgt_stats__sink(struct pgt_stats *st)
{
	return obj_sink_new(&stats_sink_ops, st);
}

static int phase_feed(struct pgt_sink *s, const struct pgt_event *evs, size_t n,
		      const struct pgt_meta *meta, const struct pgt_header *h)
{
	(void)meta, (void)h;
	return pgt_phase__feed(OBJ(s), evs, n);
}

static int phase_finish(struct pgt_sink *s, const struct pgt_meta *meta, const struct pgt_header *h)
{
	(void)meta, (void)h;
	return pgt_phase__finish(OBJ(s));
}

static const struct pgt_sink_ops phase_sink_ops = {
	.name = "phase", .feed = phase_feed, .finish = phase_finish, .free = pgt_sink__free_self,
};

struct pgt_sink *pgt_phase__sink(struct pgt_phase *p)
{
	return obj_sink_new(&phase_sink_ops, p);
}

static int lru_sim_feed(struct pgt_sink *s, const struct pgt_event *evs, size_t n,
			const struct pgt_meta *meta, const struct pgt_header *h)
{
	(void)meta, (void)h;
	pgt_lru_sim__feed(OBJ(s), evs, n);
	return 0;
}

static const struct pgt_sink_ops lru_sim_sink_ops = {
	.name = "lru-sim", .feed = lru_sim_feed, .free = pgt_sink__free_self,
};

struct pgt_sink *pgt_lru_sim__sink(struct pgt_lru_sim *sim)
{
	return obj_sink_new(&lru_sim_sink_ops, sim);
}

static int tally_feed(struct pgt_sink *s, const struct pgt_event *evs, size_t n,
		      const struct pgt_meta *meta, const struct pgt_header *h)
{
	(void)meta, (void)h;
	pgt_refs_tally(OBJ(s), evs, n);
	return 0;
}

static const struct pgt_sink_ops tally_sink_ops = {
	.name = "tally", .feed = tally_feed, .free = pgt_sink__free_self,
};

struct pgt_sink *pgt_refs_tally__sink(struct pgt_refs_tally *t)
{
	return obj_sink_new(&tally_sink_ops, t);
}
