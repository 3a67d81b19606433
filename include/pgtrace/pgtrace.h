/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pgtrace.h - the public interface of libpgtrace.
 *
 * Everything in pgtrace is a stream of page events.  A *source* yields
 * events (the trace reader, the synthetic generator, and later the
 * snapshot walkers and the live recorder); an *operator* is a source that
 * wraps another source; a *sink* drains a source (the trace writer, dump,
 * the analyses).
 *
 * Conventions (libbpf style):
 *  - functions return 0 or a count on success, a negative error code on
 *    failure: either -errno or one of the -PGT_E* codes below, turned into
 *    text by pgt_strerror();
 *  - the library never prints and never exits: details of a failure go to
 *    the diagnostic callback set with pgt_set_diag();
 *  - objects are opaque; pgt_<obj>__free(NULL) is a no-op;
 *  - one constructor style: a function that creates an object or a result
 *    returns it and takes "int *err" last (NULL and *err < 0 on failure,
 *    *err = 0 on success); functions that run to completion and create
 *    nothing the caller keeps (pgt_cut(), pgt_record(), a drain) return int;
 *  - options structures start with "size_t sz" (sizeof the caller's
 *    structure; see libpgtrace(3));
 *  - parsers of text say where they failed in a struct pgt_parse_error
 *    (pgtrace/parse.h), NULL when the caller does not care;
 *  - a returned pointer marked "borrowed" is owned by the library and lives
 *    as long as the comment says; everything else is the caller's to free
 *    with the named destructor.
 */
#ifndef PGTRACE_PGTRACE_H
#define PGTRACE_PGTRACE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PGT_VERSION_STRING "0.1.0"

/* Trace format version written by this library (see pgtrace-format(5)). */
#define PGT_FORMAT_MAJOR 1
#define PGT_FORMAT_MINOR 3

/* ------------------------------------------------------------------ */
/* Errors                                                              */

enum pgt_error {
	PGT_EFIRST = 4096,	/* below this, codes are errno values */
	PGT_ENOTTRACE = PGT_EFIRST, /* not a pgtrace trace (bad magic) */
	PGT_EVERSION,		/* major version this library cannot read */
	PGT_ETRUNC,		/* trace ends inside a record */
	PGT_ECRC,		/* checksum mismatch: data corrupted */
	PGT_ECORRUPT,		/* malformed record or packet */
	PGT_ERANGE,		/* seek target outside the trace */
	PGT_EPARSE,		/* text that does not parse */
	PGT_ECODEC,		/* compression library failure */
	PGT_EPLOT,		/* the drawing library refused (cairo) */
	PGT_ELAST,
};

/**
 * pgt_strerror() - text for an error code.
 * @err: a negative or positive errno or PGT_E* code.
 * Return: a borrowed static string.
 */
const char *pgt_strerror(int err);

/* Severity of a diagnostic passed to the callback. */
enum pgt_diag_level { PGT_DIAG_ERROR, PGT_DIAG_WARN, PGT_DIAG_INFO, PGT_DIAG_DEBUG };

typedef void (*pgt_diag_fn)(enum pgt_diag_level level, const char *msg, void *ctx);

/**
 * pgt_set_diag() - route the library's detailed diagnostics.
 * The library formats one line (no trailing newline) per diagnostic and
 * calls @fn from the thread that found the problem.  With @fn NULL the
 * diagnostics are dropped.  Not thread-safe against concurrent callers of
 * itself; call it once at start-up.
 */
void pgt_set_diag(pgt_diag_fn fn, void *ctx);

/* ------------------------------------------------------------------ */
/* The event                                                           */

enum pgt_event_type {
	PGT_EV_NONE = 0,
	PGT_EV_LOOKUP,		/* page cache lookup (filemap get_pages) */
	PGT_EV_FAULT,		/* filemap fault */
	PGT_EV_MAP,		/* fault-around map_pages */
	PGT_EV_ADD,		/* page inserted into the page cache */
	PGT_EV_DELETE,		/* page removed from the page cache */
	PGT_EV_LRU_ADD,		/* folio added to an LRU list */
	PGT_EV_LRU_ACTIVATE,	/* folio moved to the active list */
	PGT_EV_ACCESS_SAMPLE,	/* sampled access (DAMON region) */
	PGT_EV_USER_FAULT,	/* user page fault (address) */
	PGT_EV_SNAPSHOT_PAGE,	/* page found resident by a snapshot */
	PGT_EV_REFERENCE,	/* plain page reference (generated, imported) */
	PGT_EV_NTYPES,
};

/* Event flags. */
#define PGT_F_WRITE	0x0001u	/* write access */
#define PGT_F_MAJOR	0x0002u	/* major fault / needed I/O */
#define PGT_F_DIRTY	0x0004u	/* page dirty */
#define PGT_F_ANON	0x0008u	/* anonymous memory */
#define PGT_F_LEVEL_SHIFT 12	/* bits 12..13: detail level of the event */
#define PGT_F_LEVEL_MASK 0x3000u

#define PGT_PFN_NONE UINT64_MAX	/* pfn not known */

/*
 * struct pgt_event - one normalised page event.  Same for every source.
 * @ts:     nanoseconds on the trace clock (see struct pgt_header.clock)
 * @seq:    event number, 0-based, assigned by the reader in file order
 * @index:  first page (file page offset, virtual page number, or pfn)
 * @pfn:    physical frame, or PGT_PFN_NONE
 * @aux:    type-specific value (page flags, DAMON nr_accesses, fault ip)
 * @obj:    object id, into the trace's object table (0: none)
 * @npages: number of pages from @index (ranges stay ranges)
 * @pid, @tid: process and thread (0: kernel/unknown)
 * @cpu:    CPU the event happened on
 * @flags:  PGT_F_* bits
 * @type:   enum pgt_event_type
 */
struct pgt_event {
	uint64_t ts;
	uint64_t seq;
	uint64_t index;
	uint64_t pfn;
	uint64_t aux;
	uint32_t obj;
	uint32_t npages;
	uint32_t pid;
	uint32_t tid;
	uint32_t cpu;
	uint16_t flags;
	uint8_t type;
	uint8_t pad;
};

/**
 * pgt_event_type_name() - short name of an event type ("lookup", ...).
 * Return: borrowed static string; "unknown" for values out of range.
 */
const char *pgt_event_type_name(unsigned type);
/** pgt_event_type_parse() - type from its name. Return: type or -PGT_EPARSE. */
int pgt_event_type_parse(const char *name, size_t len);

/* ------------------------------------------------------------------ */
/* Side tables                                                         */

enum pgt_obj_kind { PGT_OBJ_FILE = 1, PGT_OBJ_MM = 2, PGT_OBJ_PHYS = 3 };

/* What an object record says about the object. */
enum pgt_obj_op {
	PGT_OBJ_DEFINE = 0,	/* first sight: identity and path */
	PGT_OBJ_RENAME = 1,	/* new path from @ts on */
	PGT_OBJ_UNLINK = 2,	/* file deleted at @ts; keeps its last path */
	PGT_OBJ_SIZE = 3,	/* the file's size from @ts on (format 1.2); readers
				 * of 1.1 take it as a define of the same object */
};

/* An object's size that nobody could learn (traces with PGT_FEAT_FILE_SIZES). */
#define PGT_SIZE_UNKNOWN UINT64_MAX

/*
 * struct pgt_object - a file, an address space or physical memory.
 * @path: NUL-terminated; borrowed from the table that returned the object,
 *        valid until that table is freed.  May be "" when unknown.
 */
struct pgt_object {
	uint32_t id;
	uint8_t kind;
	uint8_t op;
	uint16_t name_src;	/* how the path was found (PGT_NAME_*) */
	uint64_t ts;
	uint64_t dev;		/* user-space dev_t (makedev(major, minor)) */
	uint64_t ino;
	uint64_t gen;		/* inode generation, 0 if unknown */
	uint64_t size;		/* size in bytes from @ts on; see pgt_object_size() */
	uint64_t unlink_ts;	/* when deleted; 0 while it exists */
	const char *path;
};

enum pgt_name_src {
	PGT_NAME_NONE = 0, PGT_NAME_GIVEN, PGT_NAME_PROC, PGT_NAME_FANOTIFY,
	PGT_NAME_WALK, PGT_NAME_SYNTH,
};

enum pgt_proc_op { PGT_PROC_STATE = 0, PGT_PROC_FORK, PGT_PROC_EXEC, PGT_PROC_EXIT };

/* struct pgt_process - what is known of a process from @ts on.
 * String members are borrowed like pgt_object.path; "" when unknown.
 * @cgroup: the cgroup v2 path ("/user.slice/foo"), relative to the
 *          hierarchy's root as /proc/PID/cgroup shows it; "" in traces
 *          of format 1.0 and from sources that do not know it. */
struct pgt_process {
	uint64_t ts;
	uint32_t pid, tgid, ppid, uid, gid;
	uint8_t op;
	const char *comm;
	const char *cwd;
	const char *exe;
	const char *cgroup;
};

/*
 * struct pgt_meta - the side tables of a stream: objects, processes, lost
 * events, level changes and host information.  Tables grow as a stream is
 * read; records keep arriving in the order they were written.  Every
 * record is also kept in serialised form in a log so a writer can copy
 * exactly the records a reader has seen (pgt_writer__copy_meta()).
 */
struct pgt_meta;

/* Empty side tables (free with pgt_meta__free()), or NULL without memory.
 * A meta a source or reader hands out is theirs: never free that one. */
struct pgt_meta *pgt_meta__new(void);
void pgt_meta__free(struct pgt_meta *m);
/* Borrowed, as every pointer the pgt_meta__ accessors below return
 * (objects, processes, their strings, info keys and values): valid until
 * the next call that adds records to @m, or its free.  NULL when absent. */
const struct pgt_object *pgt_meta__object(const struct pgt_meta *m, uint32_t id);
const struct pgt_process *pgt_meta__process(const struct pgt_meta *m, uint32_t pid);
uint32_t pgt_meta__nr_objects(const struct pgt_meta *m);	/* objects known */
/* Iterate objects: @i from 0 to nr_objects-1, in order of first sight. */
const struct pgt_object *pgt_meta__object_at(const struct pgt_meta *m, uint32_t i);
uint32_t pgt_meta__nr_processes(const struct pgt_meta *m);
/* Iterate processes: @i from 0 to nr_processes-1, in order of first sight. */
const struct pgt_process *pgt_meta__process_at(const struct pgt_meta *m, uint32_t i);
uint64_t pgt_meta__lost_total(const struct pgt_meta *m);
uint32_t pgt_meta__nr_lost_records(const struct pgt_meta *m);
uint32_t pgt_meta__nr_level_changes(const struct pgt_meta *m);
/* Host information key/value pairs ("hostname", "kernel", settings...). */
uint32_t pgt_meta__nr_info(const struct pgt_meta *m);
int pgt_meta__info_at(const struct pgt_meta *m, uint32_t i, const char **key, const char **value);
const char *pgt_meta__info(const struct pgt_meta *m, const char *key);

int pgt_meta__add_object(struct pgt_meta *m, const struct pgt_object *o);
int pgt_meta__add_process(struct pgt_meta *m, const struct pgt_process *p);
int pgt_meta__add_lost(struct pgt_meta *m, uint64_t ts, uint32_t cpu, uint64_t count);
int pgt_meta__add_level(struct pgt_meta *m, uint64_t ts, uint32_t level);
int pgt_meta__add_info(struct pgt_meta *m, const char *key, const char *value);
/* The kernel's format text of an event ("filemap/mm_filemap_get_pages");
 * readable afterwards as info key "format/<name>". */
int pgt_meta__add_format(struct pgt_meta *m, const char *name, const char *text);
/* Add one serialised record (as found in a trace). Unknown types are kept
 * in the log but otherwise ignored.  Return 0 or -PGT_ECORRUPT. */
int pgt_meta__add_raw(struct pgt_meta *m, uint32_t type, const void *body, size_t len);

/* ------------------------------------------------------------------ */
/* Trace header                                                        */

enum pgt_clock { PGT_CLOCK_MONOTONIC = 1, PGT_CLOCK_BOOTTIME = 2,
		 PGT_CLOCK_REALTIME = 3, PGT_CLOCK_SYNTHETIC = 4,
		 PGT_CLOCK_TRACE_LOCAL = 5 };

/* struct pgt_header - what a trace says about itself. */
struct pgt_header {
	uint16_t major, minor;
	uint64_t features;	/* PGT_FEAT_* bits */
	uint32_t page_size;
	uint32_t clock;		/* enum pgt_clock */
	int64_t wall_offset;	/* add to ts for CLOCK_REALTIME ns; 0 unknown */
	uint64_t start_ts;	/* clock value at capture start */
	char host[65];
	char kernel[65];
};

/* Borrowed static string; "unknown" for values out of range. */
const char *pgt_clock_name(unsigned clock);

/* Header feature bits (struct pgt_header.features). */
#define PGT_FEAT_INDEX		(1ull << 0)	/* the writer meant to end with an index */
/* The writer knew file sizes: a file object's size is exact from its
 * record's ts on (PGT_SIZE_UNKNOWN where it could not be learnt), size
 * changes come as PGT_OBJ_SIZE records, and no lookup covers a page past
 * the end of its file.  pgtrace record sets it from format 1.2 on. */
#define PGT_FEAT_FILE_SIZES	(1ull << 1)

/**
 * pgt_object_size() - the size of a file object, as far as the trace knows.
 * @h: the trace's header (its features say what a size of 0 means)
 * @o: the object, as its table holds it now
 * Return: 1 and *@bytes set when the size is known; 0 when it is not (a
 * trace without PGT_FEAT_FILE_SIZES that says 0, or PGT_SIZE_UNKNOWN).
 */
int pgt_object_size(const struct pgt_header *h, const struct pgt_object *o, uint64_t *bytes);

/* ------------------------------------------------------------------ */
/* Sources                                                             */

struct pgt_source;

/*
 * struct pgt_source_ops - what a source implements.
 * @batch:  produce the next events.  Set *@evs to a borrowed array valid
 *          until the next call on the source; return the count, 0 at the
 *          end of the stream, or a negative error.  A source that hits an
 *          error after some events returns those events first and the
 *          error on the next call.
 * @free:   release the source's own state (not the struct itself).
 */
struct pgt_source_ops {
	const char *name;
	ssize_t (*batch)(struct pgt_source *src, const struct pgt_event **evs);
	void (*free)(struct pgt_source *src);
};

/*
 * struct pgt_source - base of every source; embed it first.
 * @meta:   side tables of the stream; owned by the source.
 * @header: what the stream says of itself; owned by the source.
 */
struct pgt_source {
	const struct pgt_source_ops *ops;
	struct pgt_meta *meta;
	struct pgt_header header;
	/* one-at-a-time cursor for pgt_source__next() */
	const struct pgt_event *cur;
	size_t cur_n, cur_i;
};

/* Pull the next batch; see struct pgt_source_ops.batch. */
static inline ssize_t pgt_source__batch(struct pgt_source *src, const struct pgt_event **evs)
{
	if (src->cur_i < src->cur_n) {
		ssize_t n = (ssize_t)(src->cur_n - src->cur_i);

		*evs = src->cur + src->cur_i;
		src->cur_i = src->cur_n;
		return n;
	}
	return src->ops->batch(src, evs);
}

/**
 * pgt_source__next() - pull one event.
 * Return: 1 with *@ev set, 0 at the end, negative error.
 */
static inline int pgt_source__next(struct pgt_source *src, struct pgt_event *ev)
{
	if (src->cur_i >= src->cur_n) {
		ssize_t n = src->ops->batch(src, &src->cur);

		if (n <= 0) {
			src->cur_n = src->cur_i = 0;
			return (int)n;
		}
		src->cur_n = (size_t)n;
		src->cur_i = 0;
	}
	*ev = src->cur[src->cur_i++];
	return 1;
}

/* Free a source of any kind (NULL is a no-op). */
void pgt_source__free(struct pgt_source *src);

/* ------------------------------------------------------------------ */
/* Reader                                                              */

struct pgt_reader;

struct pgt_reader_opts {
	size_t sz;		/* sizeof(struct pgt_reader_opts) */
	int no_index;		/* ignore the index: scan (for tests) */
};

/**
 * pgt_reader__open() - open a trace file, or standard input for "-".
 * @err: set to the negative error code on failure.
 * Return: a reader (free with pgt_reader__free()) or NULL.
 * A regular file with an intact index can seek; a pipe, or a file whose
 * index is missing (a crashed recorder), is scanned.
 */
struct pgt_reader *pgt_reader__open(const char *path, const struct pgt_reader_opts *opts, int *err);
/* As pgt_reader__open() on an open descriptor; the reader takes @fd. */
struct pgt_reader *pgt_reader__fdopen(int fd, const struct pgt_reader_opts *opts, int *err);
void pgt_reader__free(struct pgt_reader *r);

/*
 * The reader as a source: not a copy but the reader itself, seen through
 * the source interface.  The two pointers name one object, freed once:
 * by pgt_reader__free(@r), or by pgt_source__free() on the source, or by
 * the operator that took the source (pgt_filter__new(), ...).  Neither
 * pointer may be used after that.
 */
struct pgt_source *pgt_reader__source(struct pgt_reader *r);
/* A source over @r that decodes packets on @threads more threads (the
 * caller's decodes too).  Side tables run ahead of the events by up to 16
 * packets: for consumers that read them at the end, not for those that
 * copy side records between events.  Free it (pgt_source__free()) before
 * the reader, which it does not own.  NULL with *@err on failure. */
struct pgt_source *pgt_reader__parallel_source(struct pgt_reader *r, int threads, int *err);
/* Borrowed, both: they live as long as the reader.  The meta grows as
 * records are read (see the pgt_meta__ accessors for its pointers). */
const struct pgt_header *pgt_reader__header(const struct pgt_reader *r);
struct pgt_meta *pgt_reader__meta(struct pgt_reader *r);

/* 1 if the trailing index was found and is used. */
int pgt_reader__has_index(const struct pgt_reader *r);
/* 0 when the index shows packets out of time order (their first or last
 * times go back, as in traces imported before imports were sorted): a
 * time range must then be found by reading every packet.  1 otherwise,
 * and without an index (nothing is known). */
int pgt_reader__time_ordered(const struct pgt_reader *r);
/* With an index: number of events and packets, first and last timestamp.
 * Return 0, or -ENOENT without an index. */
int pgt_reader__index_summary(const struct pgt_reader *r, uint64_t *events,
			      uint64_t *packets, uint64_t *first_ts, uint64_t *last_ts);

/**
 * pgt_reader__seek_seq() - position so the next event is number @seq.
 * Uses the index (binary search) when present, else scans forward
 * (only forward on a pipe).  Return 0, or -PGT_ERANGE past the end.
 */
int pgt_reader__seek_seq(struct pgt_reader *r, uint64_t seq);
/* Position at the first event with ts >= @ts (packets are taken as
 * time-ordered for the search).  Return 0 or -PGT_ERANGE. */
int pgt_reader__seek_time(struct pgt_reader *r, uint64_t ts);

/* Statistics of what was read so far. */
struct pgt_reader_stats {
	uint64_t packets;	/* packets decoded */
	uint64_t events;	/* events returned */
	uint64_t bytes;		/* bytes of the file consumed */
	uint64_t packet_bytes;	/* bytes of packet records (compressed) */
	uint64_t unknown_records; /* records of unknown type skipped */
	int complete;		/* end record seen */
	uint64_t bad_packet;	/* number of the packet that failed, if any */
	uint64_t bad_offset;	/* its offset in the file */
};
void pgt_reader__stats(const struct pgt_reader *r, struct pgt_reader_stats *st);

/* ------------------------------------------------------------------ */
/* Writer                                                              */

struct pgt_writer;

struct pgt_writer_opts {
	size_t sz;		/* sizeof(struct pgt_writer_opts) */
	int zlevel;		/* zstd level; 0 means the default (1) */
	uint32_t packet_events;	/* events per packet; 0: default 32768 */
	int no_compress;	/* store packets uncompressed */
	int no_index;		/* do not write the trailing index (tests) */
	int force;		/* allow overwriting an existing file */
	const struct pgt_header *header; /* clock, page size, host; NULL: this host */
};

/**
 * pgt_writer__open() - create a trace file, or write to stdout for "-".
 * The file is created 0600 and never through a symlink; an existing
 * file is an error (-EEXIST) unless opts->force.
 * Return: a writer (finish with pgt_writer__close()) or NULL with *@err.
 */
struct pgt_writer *pgt_writer__open(const char *path, const struct pgt_writer_opts *opts, int *err);
/* As pgt_writer__open() on an open descriptor, which the writer takes
 * (closed also when this fails). */
struct pgt_writer *pgt_writer__fdopen(int fd, const struct pgt_writer_opts *opts, int *err);

/* Append events; @ev->seq is ignored (numbers follow file order). */
int pgt_writer__write(struct pgt_writer *w, const struct pgt_event *ev, size_t n);
/* Side records; they reach the file before any later event. */
int pgt_writer__add_object(struct pgt_writer *w, const struct pgt_object *o);
int pgt_writer__add_process(struct pgt_writer *w, const struct pgt_process *p);
int pgt_writer__add_lost(struct pgt_writer *w, uint64_t ts, uint32_t cpu, uint64_t count);
int pgt_writer__add_level(struct pgt_writer *w, uint64_t ts, uint32_t level);
int pgt_writer__add_info(struct pgt_writer *w, const char *key, const char *value);
/* Copy the records of @m not yet copied by this writer (call before
 * writing the events read after them). */
int pgt_writer__copy_meta(struct pgt_writer *w, const struct pgt_meta *m);
/* As pgt_writer__copy_meta(), but only records whose type bit (1 << type,
 * PGT_REC_* of pgtrace-format(5)) is in @types; the others are passed
 * over for good. */
int pgt_writer__copy_meta_types(struct pgt_writer *w, const struct pgt_meta *m, uint32_t types);
/* Record types for pgt_writer__copy_meta_types(). */
#define PGT_META_OBJECTS (1u << 2)
#define PGT_META_PROCESSES (1u << 3)
#define PGT_META_LOST (1u << 4)
#define PGT_META_LEVELS (1u << 5)
#define PGT_META_INFO (1u << 6)
#define PGT_META_FORMATS (1u << 7)
#define PGT_META_ALL 0xffffffffu
/* End the current packet and push it to the file. */
int pgt_writer__flush(struct pgt_writer *w);
/* Events written so far and bytes in the file. */
uint64_t pgt_writer__events(const struct pgt_writer *w);
uint64_t pgt_writer__bytes(const struct pgt_writer *w);
/**
 * pgt_writer__close() - flush, write the index and end record, close.
 * Frees @w whatever happens. Return: 0 or the first error met.
 */
int pgt_writer__close(struct pgt_writer *w);
/* Drop a writer without finishing the file (after an error). */
void pgt_writer__abort(struct pgt_writer *w);

/* Fill @h with this host's values (page size, uname, CLOCK_MONOTONIC). */
void pgt_header__init_host(struct pgt_header *h);

/* ------------------------------------------------------------------ */
/* Synthetic generator                                                 */

enum pgt_gen_pattern {
	PGT_GEN_SEQUENTIAL, PGT_GEN_REVERSE, PGT_GEN_STRIDED, PGT_GEN_LOOP,
	PGT_GEN_UNIFORM, PGT_GEN_ZIPF, PGT_GEN_HOTCOLD, PGT_GEN_MIX,
	PGT_GEN_NPATTERNS,
};

/* Borrowed static string; "unknown" out of range. */
const char *pgt_gen_pattern_name(unsigned p);
int pgt_gen_pattern_parse(const char *name);

struct pgt_gen_opts {
	size_t sz;		/* sizeof(struct pgt_gen_opts) */
	int pattern;		/* enum pgt_gen_pattern */
	uint64_t events;	/* number of events (0: 1,000,000) */
	uint64_t pages;		/* pages per file (0: 65536) */
	uint64_t seed;
	uint64_t stride;	/* strided: pages between references (0: 8) */
	uint64_t period;	/* loop: pages in the loop (0: pages/4) */
	double alpha;		/* zipf exponent (0: 0.99) */
	double hot_frac;	/* hot-cold: fraction of pages hot (0: 0.1) */
	double hot_share;	/* hot-cold: share of refs to them (0: 0.9) */
	uint32_t npages;	/* pages per event (0: 1) */
	uint32_t files;		/* mix: files (0: 4) */
	uint32_t pids;		/* mix: processes (0: 3) */
	uint64_t phase_events;	/* mix: events per phase (0: events/8) */
	uint64_t interval_ns;	/* mean time between events (0: 1000) */
	int type;		/* event type (0: PGT_EV_LOOKUP) */
	uint64_t rename_every;	/* every N events, each object renamed and each
				 * process exec'd under a new name (0: never;
				 * the side tables then grow with each rename) */
};

/* Create a generator source; free with pgt_source__free(). Deterministic
 * for a given seed and options; memory does not grow with events. */
struct pgt_source *pgt_gen__new(const struct pgt_gen_opts *opts, int *err);

#ifdef __cplusplus
}
#endif
#endif
#include "pgtrace/sink.h"
