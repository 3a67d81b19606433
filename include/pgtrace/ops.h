/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ops.h - operators on event streams, and the pieces every trace tool
 * (cut, filter, split, merge, reduce, import, export) shares.
 *
 * An operator is a source that wraps another source: it owns the inner
 * source (freeing the operator frees it) and, unless it says otherwise,
 * shares the inner source's side tables and header (src->meta points at
 * the inner meta; the operator does not free it).
 */
#ifndef PGTRACE_OPS_H
#define PGTRACE_OPS_H

#include <stdint.h>
#include <stdio.h>

#include "pgtrace/parse.h"
#include "pgtrace/pgtrace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- filter ---- */

struct pgt_expr;

/**
 * pgt_expr__parse() - compile a filter expression (pgtrace-filter(1)).
 * @text: the expression
 * @pe:   if not NULL, filled on failure: a one-line reason (its msg), the
 *        byte offset of the bad token (strlen(@text) when the text ends
 *        too early, the opening one of an unclosed bracket) and its
 *        length, so a caller can show the expression with a caret under it
 * @err:  if not NULL, set to 0, or to the error when NULL is returned
 *        (-PGT_EPARSE, -ENOMEM, -EINVAL for a NULL @text)
 * Return: the expression, the caller's, freed with pgt_expr__free(); NULL
 * on failure.
 */
struct pgt_expr *pgt_expr__parse(const char *text, struct pgt_parse_error *pe, int *err);
void pgt_expr__free(struct pgt_expr *e);
/*
 * 1 when @ev matches, 0 when not; side tables of @m (may be NULL: nothing
 * known) resolve names.  Allocates nothing.  An expression caches what it
 * learnt from @m (results of string tests per object and process) until
 * @m grows or another meta is passed, so one expression serves one thread.
 */
int pgt_expr__match(struct pgt_expr *e, const struct pgt_event *ev, const struct pgt_meta *m);

/* A source of the events of @in that match @e.  Takes both, also when
 * it fails (NULL with *@err set); shares @in's meta and header.  Free the
 * result with pgt_source__free() (which frees @in and @e). */
struct pgt_source *pgt_filter__new(struct pgt_source *in, struct pgt_expr *e, int *err);

/* ---- cut ---- */

struct pgt_cut_opts {
	size_t sz;
	int by_time;			/* range of times, else of event numbers */
	struct pgt_range range;
};

struct pgt_cut_stats {
	uint64_t events;		/* events written */
	uint64_t packets_copied;	/* whole packets copied as they were */
	uint64_t packets_decoded;	/* edge packets decoded and filtered */
	uint64_t lo, hi;		/* the range resolved: [lo, hi) */
	int write_failed;		/* the error returned came from @w */
};

/*
 * pgt_cut() - copy the events of @r inside a range to @w.  With an index
 * the start is found by binary search; packets wholly inside the range
 * are copied without decoding and only the edge packets are re-encoded.
 * Side tables known before the range are carried.  Time ranges take the
 * packets as time-ordered (the recorder and gen write them so).
 * Return 0, -ENXIO when an end anchor needs an index the input lacks,
 * -ERANGE for an empty range, or a read/write error.
 */
int pgt_cut(struct pgt_reader *r, struct pgt_writer *w, const struct pgt_cut_opts *o,
	    struct pgt_cut_stats *st);

/* ---- reduce ---- */

/* Event types that reference pages (reduce and the LRU check use them):
 * the default set of pgt_refs_default() (analysis.h).  Others pass
 * through. */
int pgt_is_reference(unsigned type);

/* Keep the references to pages outside a FIFO of the @n pages most
 * recently admitted (kVMTrace's active PTE FIFO): what a kernel that
 * unmapped all but @n pages would have seen.  Ranges are expanded. */
/* Both reduce sources take @in when they succeed (pgt_source__free() on
 * the result frees it); when they fail (NULL with *@err), unlike filter
 * and prefetch, @in is still the caller's. */
struct pgt_source *pgt_reduce_fifo__new(struct pgt_source *in, uint32_t n, int *err);
/*
 * Exact reduction for LRU memories of at least @k pages (Kaplan,
 * Smaragdakis and Wilson's safely allowed drop): a reference goes when
 * its page's previous kept reference and its next reference enclose at
 * most @k distinct pages.  Every LRU memory of k pages or more then sees
 * the same hits and misses, in the same order, as with the original.
 * Other events pass through in their order.
 */
struct pgt_source *pgt_reduce_lru__new(struct pgt_source *in, uint32_t k, int *err);
/* Page references read and written by a reduce source so far. */
void pgt_reduce__stats(struct pgt_source *src, uint64_t *refs_in, uint64_t *refs_out);

/* Count LRU misses of the page references of a stream for several
 * memory sizes (pages), one simulation each. */
struct pgt_lru_sim;
/* Free with pgt_lru_sim__free(); @sizes is copied.  NULL with *@err. */
struct pgt_lru_sim *pgt_lru_sim__new(const uint32_t *sizes, size_t n, int *err);
void pgt_lru_sim__feed(struct pgt_lru_sim *s, const struct pgt_event *ev, size_t n);
/* Misses for size number @i; references seen. */
uint64_t pgt_lru_sim__misses(const struct pgt_lru_sim *s, size_t i);
uint64_t pgt_lru_sim__refs(const struct pgt_lru_sim *s);
void pgt_lru_sim__free(struct pgt_lru_sim *s);

/* ---- split ---- */

/* What a split takes as the key of an event. */
enum pgt_split_by {
	PGT_SPLIT_PID,		/* process id */
	PGT_SPLIT_TID,		/* thread id */
	PGT_SPLIT_UID,		/* user of the event's process (process table) */
	PGT_SPLIT_COMM,		/* command name of the event's process */
	PGT_SPLIT_CWD,		/* working directory of the event's process */
	PGT_SPLIT_FILE,		/* path of the event's object */
	PGT_SPLIT_DEV,		/* device of the event's object, "major:minor" */
	PGT_SPLIT_INODE,	/* identity of the object, "major:minor:inode" */
	PGT_SPLIT_CPU,
	PGT_SPLIT_CGROUP,	/* cgroup v2 path of the event's process */
	PGT_SPLIT_TYPE,		/* event type name */
	PGT_SPLIT_TIME,		/* time slices of @every ns from the first event */
	PGT_SPLIT_EVENTS,	/* runs of @every events */
	PGT_SPLIT_NKEYS,
};

/* Name of a key kind ("pid", ...; a borrowed static string, "unknown" out
 * of range) and back (-PGT_EPARSE if unknown). */
const char *pgt_split_by_name(unsigned by);
int pgt_split_by_parse(const char *name, size_t len);

/*
 * struct pgt_split_opts - how to split.
 * @every:     PGT_SPLIT_TIME: nanoseconds per trace; PGT_SPLIT_EVENTS:
 *             events per trace
 * @dir_fd:    directory the traces are created in (not taken)
 * @tmpl:      file name template: %k the key escaped for a file name,
 *             %n the trace number (from 0), %% a percent sign; no '/'
 *             (NULL: "%k.pgt")
 * @reserved:  a name no trace may take (the caller's map file), or NULL
 * @max_open:  traces open at once (0: 1024); the least recently written
 *             is closed and later reopened for append.  Lowered on its own
 *             if the process runs out of descriptors first.
 * @force:     overwrite existing files (else -EEXIST)
 * @buffer_events: events held in memory over all traces before the
 *             biggest buffers are written (0: 1M); few keys give whole
 *             packets, many keys smaller ones
 * @packet_events, @zlevel: as in struct pgt_writer_opts
 */
struct pgt_split_opts {
	size_t sz;
	int by;
	uint64_t every;
	int dir_fd;
	const char *tmpl;
	const char *reserved;
	uint32_t max_open;
	int force;
	uint64_t buffer_events;
	uint32_t packet_events;
	int zlevel;
};

struct pgt_split_stats {
	uint64_t events;	/* events written */
	uint64_t traces;	/* traces created */
	uint64_t reopens;	/* times a trace closed for the cap was reopened */
	uint64_t closes;	/* times a trace was closed for the cap */
	uint64_t packets;	/* packets written */
	uint32_t max_open;	/* the cap in the end (lowered on EMFILE) */
	uint32_t peak_open;	/* most traces open at once */
};

struct pgt_split;

/*
 * pgt_split__new() - prepare a split; every trace gets header @h.
 * Return a split (free with pgt_split__free()) or NULL with *@err:
 * -EINVAL for bad options (template without %k or %n, with '/' or an
 * unknown % sequence).
 */
struct pgt_split *pgt_split__new(const struct pgt_split_opts *o, const struct pgt_header *h, int *err);
/*
 * pgt_split__run() - send every event of @src to the trace of its key.
 * Each trace gets the side records its events need: the records of the
 * objects and processes (pid and tid) its events refer to, in their
 * order and before the first event that refers to them, and every other
 * side record (host information, formats, lost events, levels).  A
 * record about an object or process met between two events of a trace
 * stays between them.  Return 0 or the first error: the source's, or a
 * trace's (then pgt_split__failed() names the file).
 */
int pgt_split__run(struct pgt_split *s, struct pgt_source *src);
/*
 * pgt_split__sink() - the split as a sink (what pgt_split__run() drains
 * into), for a drain with other sinks, progress or a stop flag.  It
 * borrows @s, which must outlive it; PGT_SINK_IN_STEP.
 * Return: a sink (free with pgt_sink__free()) or NULL (out of memory).
 */
struct pgt_sink *pgt_split__sink(struct pgt_split *s);
/* Write what is buffered, finish every trace (index and end record) and
 * close them.  The source given to pgt_split__run() must still be there:
 * the records still to copy are read from its side tables.  Return 0 or
 * the first error. */
int pgt_split__close(struct pgt_split *s);
/* The file name a write failed on (borrowed, lives with @s), or NULL
 * when the error was the source's. */
const char *pgt_split__failed(const struct pgt_split *s);
uint32_t pgt_split__nr_traces(const struct pgt_split *s);
/* Trace @i, in order of creation: key (borrowed; "" when the trace does
 * not know it, e.g. a pid without a process record), file name
 * (borrowed), events and time span.  Return 0 or -ERANGE. */
int pgt_split__trace_at(const struct pgt_split *s, uint32_t i, const char **key, const char **name,
			uint64_t *events, uint64_t *first_ts, uint64_t *last_ts);
void pgt_split__stats(const struct pgt_split *s, struct pgt_split_stats *st);
/* Free everything; traces not closed are dropped unfinished. NULL: no-op. */
void pgt_split__free(struct pgt_split *s);

/* ---- merge ---- */

/* How a merge keeps the processes of its inputs apart. */
enum pgt_merge_pids {
	PGT_MERGE_PIDS_HOST,	/* one pid space per host name, the same process one
				 * (default) */
	PGT_MERGE_PIDS_INPUT,	/* one pid space per input */
	PGT_MERGE_PIDS_KEEP,	/* pids as they are (collisions merge) */
};

/* The timestamps a merge orders by. */
enum pgt_merge_time {
	PGT_MERGE_TIME_AUTO,	/* raw if all inputs share host and clock, else wall */
	PGT_MERGE_TIME_RAW,	/* each input's clock as it is */
	PGT_MERGE_TIME_WALL,	/* clock + wall offset: realtime nanoseconds */
};

/* Pid space number N adds N << PGT_MERGE_PID_SHIFT to every pid (and
 * tid, tgid, ppid) but 0: Linux pids stay below 1 << 22 (PID_MAX_LIMIT),
 * so pid & ((1 << 22) - 1) gives the original back.  At most 1024
 * spaces. */
#define PGT_MERGE_PID_SHIFT 22
#define PGT_MERGE_MAX_SPACES 1024

struct pgt_merge_opts {
	size_t sz;
	int pids;			/* enum pgt_merge_pids */
	int time;			/* enum pgt_merge_time */
	const char *const *names;	/* input names for the INFO records, or NULL */
};

/*
 * pgt_merge__new() - a source of the events of @n inputs, ordered by time
 * (each input taken as ordered; equal times keep input order).
 *
 * Objects: the same file in two inputs is one object.  Within one host
 * (header host name) that is the same kind, device and inode (and
 * generation when both know it) with agreeing paths (an empty path, not known yet, agrees with any); across
 * hosts, a file is its path (each host's file joins the first object of
 * that path no file of its host joined yet); address spaces and physical
 * memory never cross hosts.  Decided at an object's first record in each
 * input; an object named by an event before any record stays its own.
 * An object keeps its input's id while no other object holds it, else
 * takes the next free id, so the ids of different objects never collide.
 * Records about an object already defined are kept only when they bring
 * news in time order.
 *
 * Processes: with PGT_MERGE_PIDS_HOST the same process of one host is
 * one: the first record of a pid in each input names it, by its start
 * (fork record time) when both saw it, else by comm ("" agrees with any);
 * a pid reused by another process moves to a pid space of its own,
 * numbered after the hosts'.  Pids are moved apart as @o->pids says; host information
 * records of input N are kept under "merge.input.N.<key>", and the merge
 * adds merge.inputs, merge.pids, merge.time and, per input,
 * merge.input.N.{name,host,kernel,clock,pid_base} (and .events at the
 * end).  Takes the inputs (also on failure).  Return NULL with *@err:
 * -EINVAL if the inputs have different page sizes, there are too many
 * pid spaces, or @o->time is PGT_MERGE_TIME_WALL and an input does not
 * know its wall-clock offset (header wall_offset 0).
 * Each taken input's slot in @in is set to NULL; the array itself stays
 * the caller's.  Free the result with pgt_source__free().
 */
struct pgt_source *pgt_merge__new(struct pgt_source **in, uint32_t n, const struct pgt_merge_opts *o,
				  int *err);
/* After an error from the merge source: the input that failed, or -1. */
int pgt_merge__failed_input(struct pgt_source *src);
/* Ordering actually used (PGT_MERGE_TIME_RAW or _WALL). */
int pgt_merge__time_mode(struct pgt_source *src);

/* ---- prefetch ---- */

/*
 * pgt_prefetch__new() - a source that pulls @in in a thread of its own,
 * one batch ahead, so that decoding overlaps whatever the consumer does.
 * The prefetch source has its own side tables, fed with @in's records in
 * order, just before the events they came with; @in's meta belongs to
 * the thread and must not be touched.  Takes @in (also on failure).
 * Without threads it falls back to pulling in the caller's thread.
 * Free the result with pgt_source__free() (which frees @in).
 */
struct pgt_source *pgt_prefetch__new(struct pgt_source *in, int *err);

/* ================================================================== */
/* ---- import: foreign traces as a source ---- */

/*
 * Formats pgt_import__new() reads (pgtrace-import(1) describes each):
 * @PGT_IMPORT_LACKEY:   Valgrind lackey --trace-mem=yes output
 * @PGT_IMPORT_CSV:      CSV with a header line naming the columns of
 *                       'pgtrace dump --format csv' (any subset, any order)
 * @PGT_IMPORT_ORACLE_GENERAL: libCacheSim oracleGeneral binary records
 * @PGT_IMPORT_PERF_SCRIPT, @PGT_IMPORT_TRACE_CMD: 'perf script' or
 *                       'trace-cmd report' text of the filemap tracepoints
 *                       (one parser reads both; the name is kept in the
 *                       trace's information records)
 */
enum pgt_import_format {
	PGT_IMPORT_AUTO = 0,
	PGT_IMPORT_LACKEY,
	PGT_IMPORT_CSV,
	PGT_IMPORT_ORACLE_GENERAL,
	PGT_IMPORT_PERF_SCRIPT,
	PGT_IMPORT_TRACE_CMD,
	PGT_IMPORT_NFORMATS,
};

/* Name of a format ("lackey", "csv", "oracle-general", "perf-script",
 * "trace-cmd"; "auto"; a borrowed static string, "unknown" out of range)
 * and back (-PGT_EPARSE if unknown). */
const char *pgt_import_format_name(unsigned fmt);
int pgt_import_format_parse(const char *name);

/*
 * pgt_import_detect() - tell the format of an input from its first bytes
 * (a few KiB are plenty; the whole input if shorter).  Binary data is
 * oracleGeneral; text is recognised by its first meaningful line.
 * Return the format, or -PGT_EPARSE when none fits.
 */
int pgt_import_detect(const void *buf, size_t len);

/*
 * struct pgt_import_opts - how to import.
 * @name:         the input's name, for object paths ("[lackey NAME]")
 *                and the information records; NULL or "-": standard input
 * @skip_bad:     count and skip malformed lines (records) instead of
 *                stopping at the first one
 * @instructions: lackey: instruction fetches ("I" lines) become events
 *                too (default: counted and skipped)
 * @page_size:    bytes per page (0: 4096); addresses and file offsets are
 *                divided by it
 */
struct pgt_import_opts {
	size_t sz;
	const char *name;
	int skip_bad;
	int instructions;
	uint32_t page_size;
};

/*
 * pgt_import__new() - a source of the events of a foreign trace on @fd.
 * Takes @fd (closed when the source is freed, or on failure).  The input
 * is read once, front to back, so a pipe works.  With PGT_IMPORT_AUTO the
 * format is detected from the first bytes (-PGT_EPARSE when it cannot be).
 * The source builds its own side tables (objects, processes, lost events,
 * information records "import" and, at the end, "import.result").
 *
 * A malformed line stops the stream: the events before it come first,
 * then -PGT_EPARSE, with a diagnostic "line N: expected ..." (for
 * oracleGeneral "record N (byte B): ...") through pgt_set_diag().  With
 * opts->skip_bad such lines are counted and skipped instead.
 * Return the source (free with pgt_source__free()) or NULL with *@err.
 */
struct pgt_source *pgt_import__new(int fd, enum pgt_import_format fmt,
				   const struct pgt_import_opts *opts, int *err);

/* struct pgt_import_stats - what an import read so far. */
struct pgt_import_stats {
	int format;		/* enum pgt_import_format actually read */
	uint64_t lines;		/* lines (oracleGeneral: records) read */
	uint64_t events;	/* events produced */
	uint64_t skipped_bad;	/* malformed lines skipped (skip_bad) */
	uint64_t skipped_other;	/* well-formed lines without a page event:
				 * other tracepoints, comments, instruction
				 * fetches when not asked for */
	uint64_t lost;		/* events the input says were dropped */
	uint64_t breaks;	/* batches ended early because a name changed
				 * (a rename, a new command name) after them:
				 * a writer should end its packet after such a
				 * batch (pgt_writer__flush()) so the change
				 * reaches the file after those events */
	/* the first of them: its line (0 if none; oracleGeneral: its record)
	 * and why it was bad ("line 5: ..."); offset and len are 0 */
	struct pgt_parse_error first_bad;
};

/* Statistics of an import source; -EINVAL if @src is not one. */
int pgt_import__stats(const struct pgt_source *src, struct pgt_import_stats *st);

/* ---- export to libCacheSim oracleGeneral ---- */

/*
 * One oracleGeneral record: 24 bytes, little-endian, packed:
 *   u32 clock_time        seconds since the first reference
 *   u64 obj_id            the page (see struct pgt_oracle_opts.packed_ids)
 *   u32 obj_size          bytes: a `reference` event's aux when it has one
 *                         (the size an imported oracleGeneral record
 *                         carried), else the page size
 *   i64 next_access_vtime number (from 1) of the next reference to the
 *                         same page, -1 if none (libCacheSim's traceConv)
 */
#define PGT_ORACLE_RECORD_SIZE 24


/*
 * struct pgt_oracle_opts - how to write oracleGeneral.
 * @types:      bit 1 << type for each event type that counts as a
 *              reference (0: pgt_refs_default()); every page of an
 *              event's range is one reference, in order
 * @packed_ids: obj_id = object << 40 | page (needs object < 2^24 and
 *              page < 2^40, else -ERANGE); default: pages numbered from 1
 *              in order of first reference
 * @obj_size:   obj_size of every record (0: each reference's own: its
 *              event's aux for a `reference` event with a nonzero aux,
 *              as import keeps an oracleGeneral record's size, else the
 *              trace's page size)
 * @tmpdir:     directory for the temporary file needed when @fd is not a
 *              regular file (NULL: $TMPDIR, else /tmp)
 */
struct pgt_oracle_opts {
	size_t sz;
	uint32_t types;
	int packed_ids;
	uint32_t obj_size;
	const char *tmpdir;
};

struct pgt_oracle_stats {
	uint64_t events;	/* events read */
	uint64_t refs;		/* records written */
	uint64_t pages;		/* distinct pages */
};

/*
 * pgt_oracle__export() - write the references of @src to @fd as
 * oracleGeneral records.  next_access_vtime needs the future, so records
 * are first written with the page's number in that field, then fixed in a
 * backward pass over blocks of the output (in place when @fd is a regular
 * file not opened for append, else through a temporary file then copied
 * to @fd).  Memory grows with distinct pages, not with references.
 * When @src fails part way, the references before the failure are still
 * written completely (their next_access_vtime looks no further) and the
 * source's error is returned.  @st may be NULL.  Return 0 or an error.
 */
int pgt_oracle__export(struct pgt_source *src, int fd, const struct pgt_oracle_opts *opts,
		       struct pgt_oracle_stats *st);
/*
 * pgt_oracle__sink() - the export as a sink (what pgt_oracle__export()
 * drains into): the forward pass as it is fed, the backward pass and the
 * copy to @fd at its finish.  @page_size: the stream's (obj_size when
 * @opts says none; 0: 4096).  Finish it after a source's failure to keep
 * the references before it.  Return: a sink (free with pgt_sink__free())
 * or NULL with *@err (-EINVAL for bad options, -ENOMEM, or the error of
 * creating the temporary file, reported through the diagnostic callback).
 */
struct pgt_sink *pgt_oracle__sink(int fd, uint32_t page_size, const struct pgt_oracle_opts *opts, int *err);
/* What the sink @sk of pgt_oracle__sink() has written so far. */
void pgt_oracle__sink_stats(const struct pgt_sink *sk, struct pgt_oracle_stats *st);

#ifdef __cplusplus
}
#endif
#endif
