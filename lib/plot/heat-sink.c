// SPDX-License-Identifier: LGPL-2.1-or-later
/* The heat map's accumulator as a sink (sink.h): an object sink
 * (ops/sink-int.h) that borrows the heat; nothing to finish. */
#include "ops/sink-int.h"
#include "pgtrace/plot.h"
#include "pgtrace/sink.h"

static int heat_feed(void *h, const struct pgt_event *evs, size_t n) { return pgt_heat__feed(h, evs, n); }
static const struct pgt_obj_sink_kind heat_kind = PGT_OBJ_SINK_KIND("heat", heat_feed, NULL, 0);

struct pgt_sink *pgt_heat__sink(struct pgt_heat *h)
{
	return pgt_obj_sink__new(&heat_kind, h);
}
