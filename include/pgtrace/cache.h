/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cache.h - simulated caches: the miss ratio of replacement policies (LRU,
 * FIFO, CLOCK, SIEVE, S3-FIFO, ARC, LIRS, 2Q, LFU, Belady's OPT and a
 * model of the Linux page cache's own active/inactive LRU) at chosen
 * cache sizes, exact or by miniature simulation, and the smallest cache
 * that reaches a hit ratio.
 *
 * How it runs: the references of a trace (the event types of a mask, each
 * page of a range one reference, as stats counts them) are fed once; each
 * page gets a dense id and the ids are spooled to an unlinked temporary
 * file (4 bytes a reference, 8 with sizes).  Every simulation then reads
 * the spool: all the (policy, size) caches of a call in one pass over it,
 * without decoding the trace again, and as many passes as a search for
 * the smallest size needs.  OPT needs each reference's next use: a
 * backward pass over the spool writes it to a second temporary file (8
 * bytes a reference) the first time OPT runs.  Memory is proportional to
 * distinct pages (about 40 bytes each, plus each simulated cache's own
 * state), never to the trace's length; the temporary files are.
 *
 * Miniature simulation (Waldspurger et al., ATC 2017): with a sample
 * rate R only the pages whose hash falls under R * 2^64 are spooled, and
 * a cache of C units is simulated as one of max(1, round(C * R)) units;
 * its miss ratio over the sampled references estimates the miss ratio of
 * C over the whole trace, for any policy.
 */
#ifndef PGTRACE_CACHE_H
#define PGTRACE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "pgtrace/parse.h"
#include "pgtrace/pgtrace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the policies ---- */

/* Number of policies; policy i has a name (as --policy takes it) and a
 * one-line description, both static strings. */
unsigned pgt_cache_policy_count(void);
const char *pgt_cache_policy_name(unsigned i);
const char *pgt_cache_policy_desc(unsigned i);
/* The index of policy @name, or -1. */
int pgt_cache_policy_find(const char *name);
/*
 * A comma-separated list of policy names ("all" allowed) into @idx (in
 * the list's order, duplicates dropped; room for pgt_cache_policy_count()
 * entries) and *@n.  Return 0 or -PGT_EPARSE with @pe (if not NULL)
 * naming the unknown policy.
 */
int pgt_cache_policy_parse(const char *list, unsigned *idx, size_t *n, struct pgt_parse_error *pe);

/* ---- a set of references to simulate ---- */

struct pgt_cache_opts {
	size_t sz;		/* sizeof(struct pgt_cache_opts) */
	uint32_t refs;		/* reference types (0: pgt_refs_default()) */
	int space;		/* enum pgt_space (analysis.h) */
	double sample_rate;	/* miniature simulation at this rate, (0, 1);
				 * 0 or 1: exact */
	uint64_t salt;		/* of the sampling hash */
	int bytes;		/* units are bytes: a reference's size is its
				 * event's aux for `reference` events that
				 * carry one (imported oracleGeneral), else
				 * page_size */
	uint32_t page_size;	/* bytes of a page (0: 4096) */
	const char *tmpdir;	/* for the spool (NULL: $TMPDIR, else /tmp) */
	/* called after each block of a simulation pass with the spooled
	 * references read so far in the pass and the spool's length; NULL:
	 * none.  Runs in the caller's thread. */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
};

struct pgt_cache;

/* Return an empty set (free with pgt_cache__free()) or NULL with *@err;
 * -EINVAL for a bad option, else the error of making the spool. */
struct pgt_cache *pgt_cache__new(const struct pgt_cache_opts *o, int *err);
void pgt_cache__free(struct pgt_cache *c);
/*
 * Account the references of @n events to key @key (0 without keys; keys
 * are the caller's numbers, dense from 0, e.g. the keys of --by in
 * order of first appearance).  A page referenced under two keys is two
 * pages, one each.  Return 0, -ENOMEM, or the spool's write error.
 */
int pgt_cache__feed(struct pgt_cache *c, uint32_t key, const struct pgt_event *ev, size_t n);
/* A sink (sink.h) feeding key 0; it borrows @c.  NULL: -ENOMEM. */
struct pgt_sink *pgt_cache__sink(struct pgt_cache *c);
/* The last reference was fed: flush the spool.  Call once, before any
 * simulation.  Return 0 or a negative errno. */
int pgt_cache__finish(struct pgt_cache *c);

/* What was fed to key @key (-1: every key). */
struct pgt_cache_summary {
	uint64_t refs;		/* references seen (before sampling) */
	uint64_t all_units;	/* their sizes summed */
	uint64_t sampled;	/* references spooled (= refs when exact) */
	uint64_t pages;		/* distinct pages spooled */
	uint64_t units;		/* their sizes summed (pages, or bytes) */
	uint64_t ref_units;	/* sizes of the spooled references summed */
	double rate;		/* sample rate (1: exact) */
	uint32_t keys;		/* keys fed */
	uint64_t bytes;		/* memory held */
};
void pgt_cache__summary(const struct pgt_cache *c, int64_t key, struct pgt_cache_summary *out);

/* One (policy, size) result. */
struct pgt_cache_result {
	unsigned policy;	/* index */
	uint64_t size;		/* cache size asked for, units */
	uint64_t sim_size;	/* size simulated (scaled when sampled) */
	uint64_t refs;		/* references simulated */
	uint64_t misses;
	uint64_t ref_units;	/* their sizes summed */
	uint64_t miss_units;	/* the missed ones' sizes summed */
	double miss_ratio;	/* misses / refs; sampled: misses / (R * the
				 * references seen), at most 1 */
	double unit_miss_ratio;	/* miss_units / ref_units (byte miss ratio);
				 * sampled: over R * the units seen */
	uint64_t mem;		/* peak bytes of the simulated cache's state */
};

/*
 * pgt_cache__simulate() - the caches of @np policies (@policies, indices)
 * times @ns sizes (@sizes, units, each >= 1), fed the references of key
 * @key (-1: every key), in one pass over the spool.
 * @res: @np * @ns results, policy-major (res[p * ns + s]).
 * Return 0 or a negative errno (-ENOMEM, the spool's read error).
 */
int pgt_cache__simulate(struct pgt_cache *c, int64_t key, const unsigned *policies, size_t np,
			const uint64_t *sizes, size_t ns, struct pgt_cache_result *res);

/*
 * pgt_cache__grid() - @n cache sizes (units) spaced evenly on a log scale
 * from a thousandth of key @key's footprint (at least 1) to the footprint,
 * into @sizes; duplicates dropped.  Return how many were written.
 */
size_t pgt_cache__grid(const struct pgt_cache *c, int64_t key, size_t n, uint64_t *sizes);

/*
 * pgt_cache__smallest() - the smallest cache size (units) at which
 * @policy's hit ratio (1 - miss ratio, by references; by units with
 * @by_units) over key @key reaches @hit.  Searches by simulation:
 * a pass over 16 sizes spread across the candidate range, then passes
 * inside the bracket found, until it is one unit wide (one page; with
 * bytes, the bracket stops at 1/4096 of its lower end).  For a stack
 * policy (LRU, OPT: a larger cache holds what a smaller one holds) the
 * answer is exact; for one with Belady's anomaly (FIFO, CLOCK, ...) it
 * is the smallest size in the first bracket that reaches the ratio.
 * *@found: 0 when even the footprint does not reach @hit (compulsory
 * misses), and @at then holds the result at the footprint.
 * Return 0 or a negative errno.
 */
int pgt_cache__smallest(struct pgt_cache *c, int64_t key, unsigned policy, double hit, int by_units,
			int *found, struct pgt_cache_result *at);

#ifdef __cplusplus
}
#endif
#endif
