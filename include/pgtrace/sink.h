/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sink.h - the consuming end of an event stream, and the one drain that
 * runs a source into sinks.
 *
 * A sink is an object like a source (struct pgt_source): a table of
 * operations and a base struct embedded first in the sink's own state.
 * It is fed batches of events together with the side tables and header
 * of the source they came from, is finished once at the end of the
 * stream, and is freed.  A command wires a source, operators and sinks,
 * runs them with pgt_drain() (or pgt_reader__drain()), then reports.
 *
 * Sinks over an analysis object (stats, phase, heat, ...) borrow it: the
 * caller reads the results from the object after the drain, and frees
 * the sink and the object separately, in any order.
 */
#ifndef PGTRACE_SINK_H
#define PGTRACE_SINK_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "pgtrace/pgtrace.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pgt_sink;

/*
 * struct pgt_sink_ops - what a sink implements.
 * @name:   short name for diagnostics ("writer", "stats", ...).
 * @feed:   consume @n events (@n > 0).  @meta and @h are the source's
 *          side tables and header, as they stand when the batch is
 *          handed over: records read before the batch may describe its
 *          events.  The events are borrowed for the call only.  Return 0,
 *          PGT_SINK_SATED when the sink wants no more events (it is
 *          still finished at the end), or a negative error; after an
 *          error the sink is fed no more.
 * @finish: the stream ended; the side tables are complete.  Return 0 or
 *          a negative error.  May be NULL (nothing to do).
 * @free:   release the sink's own state and the struct itself.
 */
struct pgt_sink_ops {
	const char *name;
	int (*feed)(struct pgt_sink *s, const struct pgt_event *evs, size_t n,
		    const struct pgt_meta *meta, const struct pgt_header *h);
	int (*finish)(struct pgt_sink *s, const struct pgt_meta *meta, const struct pgt_header *h);
	void (*free)(struct pgt_sink *s);
};

/* Returned by a feed: this batch was taken, the sink wants no more (a
 * range that has ended).  A drain ends early once every sink is sated. */
#define PGT_SINK_SATED		1

/* The sink copies side records between events (the writer does): the
 * side tables it is fed must be exactly those read before the batch, so
 * a drain must not decode ahead of the events (no parallel decoder). */
#define PGT_SINK_IN_STEP	(1u << 0)

/* The sink gains nothing from events decoded ahead on other cores: its
 * work per event outweighs the decoding (the phase sink), or is next to
 * nothing (the reference tally), so the decoder's threads would only
 * take a core and their buffers cost memory.  pgt_reader__drain()
 * decodes serially when every sink it feeds has this flag; one sink
 * without it (heat, stats) keeps the parallel decoder for all.
 * Measured on gen -p mix -n 5M, 2 loaded cores, min of 3: phase (its
 * sink and a tally) 1.66 s serial against 1.58 s parallel, 15 MB against
 * 49 MB.  Report (heat, stats twice, phase, tally) was 3.92 s serial
 * against 4.88 s parallel there, but its cost per file (bench/bounds.sh)
 * grew from about 3,600 to 3,800 bytes: it stays parallel, unchanged. */
#define PGT_SINK_SERIAL		(1u << 1)

/*
 * struct pgt_sink - base of every sink; embed it first.
 * @ops:   its operations.
 * @flags: PGT_SINK_* bits, set by the sink's constructor.
 */
struct pgt_sink {
	const struct pgt_sink_ops *ops;
	unsigned flags;
};

static inline int pgt_sink__feed(struct pgt_sink *s, const struct pgt_event *evs, size_t n,
				 const struct pgt_meta *meta, const struct pgt_header *h)
{
	return s->ops->feed(s, evs, n, meta, h);
}

/* Finish @s (see struct pgt_sink_ops.finish): 0 when it has nothing to do. */
int pgt_sink__finish(struct pgt_sink *s, const struct pgt_meta *meta, const struct pgt_header *h);
/* Free a sink of any kind (NULL is a no-op).  Objects it borrows stay. */
void pgt_sink__free(struct pgt_sink *s);

/* ---- the drain ---- */

/* struct pgt_drain_result.side when the source failed or was stopped. */
#define PGT_DRAIN_SOURCE	(-1)

/*
 * struct pgt_drain_opts - how to drain.  All members may be zero.
 * @sz:       sizeof(struct pgt_drain_opts).
 * @progress: called after every batch with the events handed over so
 *            far (the library never prints: the caller shows it).
 * @ctx:      passed to @progress.
 * @stop:     when set and *@stop becomes non-zero (a SIGINT handler),
 *            the drain stops before the next batch with -EINTR, on the
 *            source's side; the sinks are not finished.
 * @threads:  pgt_reader__drain() only: threads that decode ahead of the
 *            caller (0: serial).  Ignored when a sink is PGT_SINK_IN_STEP,
 *            or when every sink is PGT_SINK_SERIAL.
 */
struct pgt_drain_opts {
	size_t sz;
	void (*progress)(void *ctx, uint64_t events);
	void *ctx;
	const volatile sig_atomic_t *stop;
	int threads;
};

/*
 * struct pgt_drain_result - how a drain ended.
 * @events:    events handed to the sinks (each sink got all of them,
 *             unless it failed).
 * @err:       0, or the first error.
 * @side:      who failed: PGT_DRAIN_SOURCE, or the index of the sink.
 *             Meaningless when @err is 0.
 * @finishing: 1 when the sink failed in its finish, 0 in a feed.
 */
struct pgt_drain_result {
	uint64_t events;
	int err;
	int side;
	int finishing;
};

/**
 * pgt_drain() - run @src into the @n sinks of @sinks in one pass.
 * @src:   the source; it stays the caller's.
 * @sinks: the sinks, fed in array order, each batch to every one.
 * @opts:  may be NULL.
 * @res:   how it ended (may be NULL).
 *
 * At most 64 sinks (-EINVAL).  At the end of the stream, or once every
 * sink is sated, every sink is finished, in array order.  When
 * the source fails (or is stopped), the sinks fed so far are not
 * finished: the caller may finish them with pgt_sink__finish() to keep
 * what was read (a writer then makes a good trace of the events before
 * the damage).  When a sink fails, the drain stops at once; the other
 * sinks are neither fed nor finished.
 *
 * Return: 0 or the error of @res->err.
 */
int pgt_drain(struct pgt_source *src, struct pgt_sink *const *sinks, size_t n,
	      const struct pgt_drain_opts *opts, struct pgt_drain_result *res);

/**
 * pgt_reader__drain() - pgt_drain() from a reader, choosing the decoder:
 * the parallel one (pgt_reader__parallel_source() with @opts->threads)
 * unless @opts->threads is 0, a sink is PGT_SINK_IN_STEP or every sink
 * is PGT_SINK_SERIAL; the reader's own source otherwise.  Both give the sinks the same events; the side
 * tables fed along are the reader's (pgt_reader__meta()), complete by
 * the finish.  Return as pgt_drain(), or a negative error with
 * @res->side PGT_DRAIN_SOURCE when the parallel decoder cannot start.
 */
int pgt_reader__drain(struct pgt_reader *r, struct pgt_sink *const *sinks, size_t n,
		      const struct pgt_drain_opts *opts, struct pgt_drain_result *res);

/**
 * pgt_tap__new() - a source of the events of @in that also feeds each
 * batch to @sink on the way (a sink fed alongside an operator's input,
 * as reduce --check simulates the input's misses).  A sink's error
 * becomes the source's.  Unlike other operators it borrows both @in and
 * @sink (NULL: none), which must outlive it; the tap does not finish the
 * sink.
 * Shares @in's meta and header.
 * Return: a source (free with pgt_source__free()) or NULL with *@err.
 */
struct pgt_source *pgt_tap__new(struct pgt_source *in, struct pgt_sink *sink, int *err);

/* ---- sinks of the library ---- */

/**
 * pgt_writer__sink() - a sink that writes every event to @w, each batch
 * after the side records read before it, and at the finish the records
 * read after the last event.  It borrows @w: the caller closes (or
 * aborts) the writer after the drain.  PGT_SINK_IN_STEP.
 * Return: a sink (free with pgt_sink__free()) or NULL (-ENOMEM).
 */
struct pgt_sink *pgt_writer__sink(struct pgt_writer *w);

/**
 * pgt_count__sink() - a sink that only counts the events into *@count
 * (set to 0 here).  Return a sink (free with pgt_sink__free()) or NULL.
 */
struct pgt_sink *pgt_count__sink(uint64_t *count);

/*
 * Sinks over the analyses.  Each borrows its object (which must outlive
 * the sink), feeds it every batch and, at the finish, finishes it: the
 * results are then read from the object as documented in its header.
 * Return a sink (free with pgt_sink__free(); the object stays) or NULL
 * (-ENOMEM).  None needs side tables in step with the events.
 */
struct pgt_stats;
struct pgt_phase;
struct pgt_heat;
struct pgt_cache_count;
struct pgt_lru_sim;
struct pgt_refs_tally;

/* pgt_stats__feed(), then pgt_stats__finish() (analysis.h). */
struct pgt_sink *pgt_stats__sink(struct pgt_stats *s);
/* pgt_phase__feed(), then pgt_phase__finish() (phase.h); PGT_SINK_SERIAL. */
struct pgt_sink *pgt_phase__sink(struct pgt_phase *p);
/* pgt_heat__feed() (plot.h); nothing to finish. */
struct pgt_sink *pgt_heat__sink(struct pgt_heat *h);
/* pgt_cache_count__feed() (plot.h); nothing to finish. */
struct pgt_sink *pgt_cache_count__sink(struct pgt_cache_count *cc);
/* pgt_lru_sim__feed() (ops.h); nothing to finish. */
struct pgt_sink *pgt_lru_sim__sink(struct pgt_lru_sim *s);
/* pgt_refs_tally() into *@t (analysis.h): events and pages by type;
 * PGT_SINK_SERIAL (it leaves the decoder's choice to the sinks beside it). */
struct pgt_sink *pgt_refs_tally__sink(struct pgt_refs_tally *t);

/* ---- one child per key ---- */

/*
 * A keyed sink runs one analysis per key of the stream (stats --by,
 * phase --by): each event goes to the child of its key, a key read with
 * pgt_field__key() (fields.h) so it means what it means to split and
 * the filter.  The children are the caller's objects, made, fed,
 * finished and freed through struct pgt_keyed_ops; the keyed object
 * (struct pgt_keyed) holds them with their keys, in order of first
 * appearance, for the caller to read after the drain.
 */
struct pgt_field;
struct pgt_keyed;

/*
 * struct pgt_keyed_ops - the children of a keyed object.  @ctx is the
 * pointer given to pgt_keyed__new().
 * @make:   a new child for a key seen for the first time; NULL with
 *          *@err (a negative errno) when it cannot be made.
 * @feed:   @n events (@n > 0) of the child's key, consecutive in the
 *          stream, borrowed for the call.  Return 0 or a negative error.
 * @finish: the stream ended.  Return 0 or a negative error.  May be NULL.
 * @free:   free a child.
 * @wants:  whether @ev counts at all (a reference of the analysis); an
 *          event it refuses makes no key and is fed to no child.  NULL:
 *          every event counts.
 */
struct pgt_keyed_ops {
	void *(*make)(void *ctx, int *err);
	int (*feed)(void *ctx, void *child, const struct pgt_event *evs, size_t n);
	int (*finish)(void *ctx, void *child);
	void (*free)(void *ctx, void *child);
	int (*wants)(void *ctx, const struct pgt_event *ev);
};

/**
 * pgt_keyed__new() - an empty keyed object: one child per value of
 * field @key.
 * @key: a key of the field table (fields.h; static, never freed).
 * @ops: the children's operations; borrowed, must outlive the object.
 * @ctx: passed to every operation of @ops.
 *
 * Return: the object (free with pgt_keyed__free()) or NULL with *@err.
 */
struct pgt_keyed *pgt_keyed__new(const struct pgt_field *key, const struct pgt_keyed_ops *ops,
				 void *ctx, int *err);
/* Free the object and every child through ops->free (NULL: a no-op). */
void pgt_keyed__free(struct pgt_keyed *k);

/**
 * pgt_keyed__sink() - the sink that feeds @k: each event to the child of
 * its key (made on first sight), and at the finish every child finished,
 * in order of first appearance.  It borrows @k, which must outlive it.
 * PGT_SINK_IN_STEP when the key is read from the side tables
 * (pgt_field__side()): a name must be read as the tables stood at the
 * event, or an object renamed later would fall in another key from run
 * to run; ids and the event's own fields decode in parallel.
 * Return: a sink (free with pgt_sink__free(); @k stays) or NULL (-ENOMEM).
 */
struct pgt_sink *pgt_keyed__sink(struct pgt_keyed *k);

/* The keys seen so far, in order of first appearance. */
size_t pgt_keyed__count(const struct pgt_keyed *k);
/* The child of key @i (< pgt_keyed__count()); the caller's object, freed
 * by pgt_keyed__free(). */
void *pgt_keyed__child(const struct pgt_keyed *k, size_t i);
/* Key @i as text: the string key (borrowed from @k, valid until it is
 * freed; "?" for the empty string, an unknown value), or a number
 * written in decimal into @buf (of @len bytes, 24 suffice). */
const char *pgt_keyed__name(const struct pgt_keyed *k, size_t i, char *buf, size_t len);
/* Events as rows of text, CSV or JSON lines to a file descriptor:
 * pgt_rows__sink() in rows.h. */

#ifdef __cplusplus
}
#endif
#endif
