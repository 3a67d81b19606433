// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The analyses as sinks (sink.h): object sinks (ops/sink-int.h) over
 * their public feed and finish functions, so that a command drains a
 * trace into stats, phase, the LRU simulator and the reference tally in
 * one pass.  Each borrows its object; none reads the side tables while
 * fed.
 */
#include "ops/sink-int.h"
#include "pgtrace/analysis.h"
#include "pgtrace/ops.h"
#include "pgtrace/phase.h"
#include "pgtrace/sink.h"

static int stats_feed(void *st, const struct pgt_event *evs, size_t n) { return pgt_stats__feed(st, evs, n); }
static int stats_finish(void *st) { return pgt_stats__finish(st); }
static const struct pgt_obj_sink_kind stats_kind = PGT_OBJ_SINK_KIND("stats", stats_feed, stats_finish, 0);

struct pgt_sink *pgt_stats__sink(struct pgt_stats *st)
{
	return pgt_obj_sink__new(&stats_kind, st);
}

static int phase_feed(void *p, const struct pgt_event *evs, size_t n) { return pgt_phase__feed(p, evs, n); }
static int phase_finish(void *p) { return pgt_phase__finish(p); }
static const struct pgt_obj_sink_kind phase_kind = PGT_OBJ_SINK_KIND("phase", phase_feed, phase_finish,
									PGT_SINK_SERIAL);

struct pgt_sink *pgt_phase__sink(struct pgt_phase *p)
{
	return pgt_obj_sink__new(&phase_kind, p);
}

static int lru_sim_feed(void *sim, const struct pgt_event *evs, size_t n)
{
	pgt_lru_sim__feed(sim, evs, n);
	return 0;
}
static const struct pgt_obj_sink_kind lru_sim_kind = PGT_OBJ_SINK_KIND("lru-sim", lru_sim_feed, NULL, 0);

struct pgt_sink *pgt_lru_sim__sink(struct pgt_lru_sim *sim)
{
	return pgt_obj_sink__new(&lru_sim_kind, sim);
}

static int tally_feed(void *t, const struct pgt_event *evs, size_t n)
{
	pgt_refs_tally(t, evs, n);
	return 0;
}
/* a tally does next to nothing per event: the sinks beside it choose the
 * decoder */
static const struct pgt_obj_sink_kind tally_kind = PGT_OBJ_SINK_KIND("tally", tally_feed, NULL,
									PGT_SINK_SERIAL);

struct pgt_sink *pgt_refs_tally__sink(struct pgt_refs_tally *t)
{
	return pgt_obj_sink__new(&tally_kind, t);
}
