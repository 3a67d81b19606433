// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one drain: a source into one or more sinks, in one pass.
 *
 * Guarantees first: every sink sees every event, batch by batch, in the
 * order of the sinks array, with the source's side tables as they stand
 * when the batch is handed over; the result names the side that failed
 * (the source, or sink i) so a command never guesses from an error code.
 * Nothing here prints: progress goes to the caller's callback, and a
 * stop flag (set by the caller's SIGINT handler) ends the pass between
 * batches.  A sink that has had enough says so (PGT_SINK_SATED) and is
 * fed no more; when every sink has, the pass ends early and cleanly.
 * The loop allocates nothing.
 */
#include <errno.h>
#include <stdlib.h>

#include "ops/sink-int.h"
#include "pgtrace/sink.h"
#include "util/util.h"

void *pgt_sink__alloc(size_t size, const struct pgt_sink_ops *ops, unsigned flags)
{
	struct pgt_sink *s = size >= sizeof(*s) ? calloc(1, size) : NULL;

	if (!s)
		return NULL;
	s->ops = ops;
	s->flags = flags;
	return s;
}

void pgt_sink__free_self(struct pgt_sink *s)
{
	free(s);
}

/* The object sink: its kind is its ops (the kind's first member). */
struct obj_sink {
	struct pgt_sink base;
	void *obj;
};

#define OBJ_KIND(s) ((const struct pgt_obj_sink_kind *)(const void *)(s)->ops)

int pgt_obj_sink__feed(struct pgt_sink *s, const struct pgt_event *evs, size_t n,
		       const struct pgt_meta *meta, const struct pgt_header *h)
{
	(void)meta, (void)h;
	return OBJ_KIND(s)->feed(((struct obj_sink *)s)->obj, evs, n);
}

int pgt_obj_sink__finish(struct pgt_sink *s, const struct pgt_meta *meta, const struct pgt_header *h)
{
	(void)meta, (void)h;
	return OBJ_KIND(s)->finish ? OBJ_KIND(s)->finish(((struct obj_sink *)s)->obj) : 0;
}

struct pgt_sink *pgt_obj_sink__new(const struct pgt_obj_sink_kind *k, void *obj)
{
	struct obj_sink *s = pgt_sink__alloc(sizeof(*s), &k->ops, k->flags);

	if (!s)
		return NULL;
	s->obj = obj;
	return &s->base;
}

int pgt_sink__finish(struct pgt_sink *s, const struct pgt_meta *meta, const struct pgt_header *h)
{
	return s->ops->finish ? s->ops->finish(s, meta, h) : 0;
}

void pgt_sink__free(struct pgt_sink *s)
{
	if (s)
		s->ops->free(s);
}

/* @opts read member by member, so an older caller's smaller struct works. */
#define DRAIN_OPT(o, m) ((o) && (o)->sz >= offsetof(struct pgt_drain_opts, m) + sizeof((o)->m) ? (o)->m : 0)

int pgt_drain(struct pgt_source *src, struct pgt_sink *const *sinks, size_t n,
	      const struct pgt_drain_opts *opts, struct pgt_drain_result *res)
{
	void (*progress)(void *, uint64_t) = DRAIN_OPT(opts, progress);
	void *ctx = DRAIN_OPT(opts, ctx);
	const volatile sig_atomic_t *stop = DRAIN_OPT(opts, stop);
	struct pgt_drain_result r = { .side = PGT_DRAIN_SOURCE };
	uint64_t sated = 0, all = n >= 64 ? ~0ull : (1ull << n) - 1;

	if (n > 64) {
		r.err = -EINVAL;
		goto out;
	}
	while (!n || sated != all) {
		const struct pgt_event *evs;
		ssize_t got;

		if (stop && *stop) {
			r.err = -EINTR;
			goto out;
		}
		got = pgt_source__batch(src, &evs);
		if (got < 0) {
			r.err = (int)got;
			goto out;
		}
		if (!got)
			break;
		for (size_t i = 0; i < n; i++) {
			int err;

			if (sated & (1ull << i))
				continue;
			err = pgt_sink__feed(sinks[i], evs, (size_t)got, src->meta, &src->header);
			if (err > 0) {
				sated |= 1ull << i;
				continue;
			}
			if (err) {
				r.err = err;
				r.side = (int)i;
				goto out;
			}
		}
		r.events += (uint64_t)got;
		if (progress)
			progress(ctx, r.events);
	}
	for (size_t i = 0; i < n; i++) {
		int err = pgt_sink__finish(sinks[i], src->meta, &src->header);

		if (err) {
			r.err = err;
			r.side = (int)i;
			r.finishing = 1;
			goto out;
		}
	}
out:
	if (res)
		*res = r;
	return r.err;
}

int pgt_reader__drain(struct pgt_reader *rd, struct pgt_sink *const *sinks, size_t n,
		      const struct pgt_drain_opts *opts, struct pgt_drain_result *res)
{
	int threads = DRAIN_OPT(opts, threads);
	struct pgt_source *src = pgt_reader__source(rd), *par = NULL;
	size_t serial = 0;
	int err;

	for (size_t i = 0; threads > 0 && i < n; i++) {
		if (sinks[i]->flags & PGT_SINK_IN_STEP)
			threads = 0;
		serial += !!(sinks[i]->flags & PGT_SINK_SERIAL);
	}
	if (n && serial == n)	/* none gains from decoding ahead */
		threads = 0;
	if (threads > 0) {
		/* decoding on other cores: side tables run ahead of events */
		par = pgt_reader__parallel_source(rd, threads, &err);
		if (!par) {
			if (res)
				*res = (struct pgt_drain_result){ .err = err, .side = PGT_DRAIN_SOURCE };
			return err;
		}
		src = par;
	}
	err = pgt_drain(src, sinks, n, opts, res);
	pgt_source__free(par);
	return err;
}

/* ---- the writer ---- */

struct writer_sink {
	struct pgt_sink base;
	struct pgt_writer *w;
};

static int writer_feed(struct pgt_sink *s, const struct pgt_event *evs, size_t n,
		       const struct pgt_meta *meta, const struct pgt_header *h)
{
	struct writer_sink *ws = (struct writer_sink *)s;
	/* records read before this batch may describe its events */
	int err = pgt_writer__copy_meta(ws->w, meta);

	(void)h;
	return err ? err : pgt_writer__write(ws->w, evs, n);
}

static int writer_finish(struct pgt_sink *s, const struct pgt_meta *meta, const struct pgt_header *h)
{
	(void)h;
	/* records after the last event (names found at the end) */
	return pgt_writer__copy_meta(((struct writer_sink *)s)->w, meta);
}

static const struct pgt_sink_ops writer_sink_ops = {
	.name = "writer",
	.feed = writer_feed,
	.finish = writer_finish,
	.free = pgt_sink__free_self,
};

struct pgt_sink *pgt_writer__sink(struct pgt_writer *w)
{
	struct writer_sink *ws = pgt_sink__alloc(sizeof(*ws), &writer_sink_ops, PGT_SINK_IN_STEP);

	if (!ws)
		return NULL;
	ws->w = w;
	return &ws->base;
}

/* ---- a counter ---- */

struct count_sink {
	struct pgt_sink base;
	uint64_t *count;
};

static int count_feed(struct pgt_sink *s, const struct pgt_event *evs, size_t n,
		      const struct pgt_meta *meta, const struct pgt_header *h)
{
	(void)evs, (void)meta, (void)h;
	*((struct count_sink *)s)->count += n;
	return 0;
}

static const struct pgt_sink_ops count_sink_ops = {
	.name = "count",
	.feed = count_feed,
	.free = pgt_sink__free_self,
};

struct pgt_sink *pgt_count__sink(uint64_t *count)
{
	struct count_sink *cs = pgt_sink__alloc(sizeof(*cs), &count_sink_ops, 0);

	if (!cs)
		return NULL;
	cs->count = count;
	*count = 0;
	return &cs->base;
}

/* ---- the tap ---- */

struct tap {
	struct pgt_source src;
	struct pgt_source *in;
	struct pgt_sink *sink;
};

static ssize_t tap_batch(struct pgt_source *src, const struct pgt_event **evs)
{
	struct tap *t = (struct tap *)src;
	ssize_t n = pgt_source__batch(t->in, evs);
	int err;

	if (n <= 0 || !t->sink)
		return n;
	err = pgt_sink__feed(t->sink, *evs, (size_t)n, t->in->meta, &t->in->header);
	return err < 0 ? err : n;
}

static void tap_free(struct pgt_source *src)
{
	free(src);	/* the inner source and the sink are the caller's */
}

static const struct pgt_source_ops tap_ops = { .name = "tap", .batch = tap_batch, .free = tap_free };

struct pgt_source *pgt_tap__new(struct pgt_source *in, struct pgt_sink *sink, int *err)
{
	struct tap *t = calloc(1, sizeof(*t));

	if (!t) {
		*err = -ENOMEM;
		return NULL;
	}
	t->src.ops = &tap_ops;
	t->src.meta = in->meta;
	t->src.header = in->header;
	t->in = in;
	t->sink = sink;
	return &t->src;
}
