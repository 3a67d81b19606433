// SPDX-License-Identifier: LGPL-2.1-or-later
/* The heat map's accumulator as a sink (sink.h): it borrows the heat. */
#include "ops/sink-int.h"
#include "pgtrace/plot.h"
#include "pgtrace/sink.h"

struct heat_sink {
	struct pgt_sink base;
	struct pgt_heat *h;
};

static int heat_feed(struct pgt_sink *s, const struct pgt_event *evs, size_t n,
		     const struct pgt_meta *meta, const struct pgt_header *hd)
{
	(void)meta, (void)hd;
	return pgt_heat__feed(((struct heat_sink *)s)->h, evs, n);
}

static const struct pgt_sink_ops heat_sink_ops = {
	.name = "heat", .feed = heat_feed, .free = pgt_sink__free_self,
};

struct pgt_sink *pgt_heat__sink(struct pgt_heat *h)
{
	struct heat_sink *s = pgt_sink__alloc(sizeof(*s), &heat_sink_ops, 0);

	if (!s)
		return NULL;
	s->h = h;
	return &s->base;
}
