/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * record.h - live page-event recording from the kernel's tracepoints.
 *
 * The recorder works in its own tracefs instance: per-CPU ring buffers
 * read by per-CPU threads (raw sub-buffers, decoded off the traced
 * tasks' path), merged by time, normalised into struct pgt_event and
 * written as a .pgt trace with its side tables: objects named through
 * names.h (state dump, fanotify, final walk), processes (state dump,
 * fork, exec, exit), lost events per CPU, level changes, host and
 * settings, and the kernel's event formats.
 */
#ifndef PGTRACE_RECORD_H
#define PGTRACE_RECORD_H

#include <stdint.h>
#include <sys/types.h>

#include "pgtrace/pgtrace.h"

#define PGT_RECORD_LOCK_DIR "/run/pgtrace"

#ifdef __cplusplus
extern "C" {
#endif

/* Detail levels: what each adds to the one below. */
enum pgt_level {
	PGT_LEVEL_BASE = 0,	/* processes, page-cache insertions and deletions */
	PGT_LEVEL_LOOKUP = 1,	/* + lookups (get_pages), faults, map_pages */
	PGT_LEVEL_LRU = 2,	/* + LRU insertion and activation, user faults */
	PGT_LEVEL_ALL = 3,	/* + DAMON access samples */
};

struct pgt_record_opts {
	size_t sz;
	const char *output;	/* path or "-" */
	int force;
	/* targets: none set means the whole system */
	const pid_t *pids;	/* with their children */
	size_t npids;
	char *const *argv;	/* command to launch and follow; NULL: none */
	int have_uid;
	uid_t uid;
	const char *cgroup;	/* cgroup v2 path relative to the mount, or absolute */
	int level;		/* enum pgt_level */
	uint64_t duration_ns;	/* 0: until stopped */
	uint64_t max_size;	/* stop when the trace reaches this many bytes */
	uint64_t keep_bytes;	/* flight recorder: keep the last N bytes */
	uint64_t keep_ns;	/* ... or the last N ns */
	uint32_t buffer_kb;	/* per-CPU ring (0: 16384) */
	double max_loss;	/* fraction of events lost that fails the run (<0: none) */
	int damon;		/* DAMON physical-address sampling */
	uint64_t damon_sample_us, damon_aggr_us;
	int no_names;		/* no fanotify watcher */
	int zlevel;
	/*
	 * open_output - make the writer the recorder writes its one trace
	 * to (not with keep_bytes or keep_ns: the flight recorder makes,
	 * rotates and joins its chunk files itself, next to @output).
	 * Called once, once tracing is set up and before any event, with
	 * the writer options the trace needs (its header, @force, @zlevel).
	 * Return a writer, which the recorder owns from then on (it closes
	 * it, or aborts it on failure), or NULL with *@err set.  NULL: the
	 * recorder opens @output with pgt_writer__open().  Either way
	 * @output names the trace (the stats, the child's standard output
	 * for "-"), and a regular file at @output that did not exist before
	 * the call is removed when the command could not be run.
	 */
	struct pgt_writer *(*open_output)(const struct pgt_writer_opts *wo, void *ctx, int *err);
	void *open_output_ctx;
};

/* What was degraded during a run, as data: the caller words it (the CLI's
 * "note: ..." line).  @err and @str are set as each code says. */
enum pgt_record_note_code {
	/* no lock file in PGT_RECORD_LOCK_DIR: should the recorder die, its
	 * tracefs instance (@str) stays until removed by hand */
	PGT_RECORD_NOTE_NO_LOCK = 1,
	/* fanotify could not start (@err): files opened and deleted during
	 * the trace may stay unnamed */
	PGT_RECORD_NOTE_NO_FANOTIFY,
	/* DAMON: a paddr monitor of someone else already runs, and the
	 * recorder listens to it (its intervals apply) */
	PGT_RECORD_NOTE_DAMON_SHARED,
	/* no DAMON sampling (@err: -EBUSY in use by someone else, -ENOENT
	 * no DAMON sysfs, or another error) */
	PGT_RECORD_NOTE_NO_DAMON,
	/* the command (@str, its argv[0]) could not be run */
	PGT_RECORD_NOTE_LAUNCH_FAILED,
};

#define PGT_RECORD_MAX_NOTES 8

struct pgt_record_note {
	int code;		/* enum pgt_record_note_code */
	int err;		/* a negative errno, or 0 */
	char str[1024];		/* a name, or "" */
};

struct pgt_record_stats {
	uint64_t events;	/* written */
	uint64_t filtered;	/* dropped by user-space target filters */
	uint64_t lost;		/* dropped by the kernel (overrun + dropped) */
	uint64_t bytes;		/* trace size */
	uint64_t objects, named_proc, named_fanotify, named_walk, unnamed;
	uint64_t processes;
	uint64_t subbufs;	/* sub-buffers read */
	double cpu_user, cpu_sys;	/* recorder's own rusage, seconds */
	double elapsed;
	int child_status;	/* wait status of the launched command */
	int have_child;
	int launch_failed;	/* the command could not be run */
	int output_failed;	/* 1: the output could not be created, 2: a write failed */
	int targets_gone;	/* -p: every target and child exited, so it stopped */
	uint64_t kept_events;	/* flight recorder: events in the kept part */
	/* lookups (the kernel gives the range a read asked for) cut to the
	 * file's end, dropped whole (past it), or left as they came because
	 * the file's size could not be learnt (no path, another st_dev) */
	uint64_t lookups_clamped, lookups_dropped, lookups_unsized;
	/* lookups left out as the rest of the previous one: a read whose
	 * batch ended early looks up the rest of its range again, and the
	 * kernel reports it as a new request with the same end */
	uint64_t lookups_continued;
	/* --keep: deleted files forgotten once idle for a chunk (their
	 * events are in the chunks that saw them) */
	uint64_t objects_forgotten;
	/* the launched command alone: from its release (tracing on) to its
	 * exit, CLOCK_MONOTONIC seconds; 0 when it was not seen to exit */
	double child_elapsed;
	/* -b: the kernel refused the ring's size; its limit here, about
	 * the available memory shared by the CPUs (KiB per CPU, 0: unknown) */
	int buffer_failed;
	uint64_t buffer_max_kb;
	/* refused: the recorder runs in a PID namespace below the initial
	 * one (this is its inode), where the pids tracefs gives are not its
	 * own (a command's, its own, /proc's), so it could record nothing of
	 * a command and mistake other processes for its own */
	uint64_t pid_ns;
	/* the file an output error concerns when it is not the output
	 * itself (--keep: a chunk, OUT.chunks, OUT.partial), or "" */
	char path[1024];
	int path_exists;	/* 1: refused because @path existed already */
	int path_removed;	/* 1: @path was ours and is removed (the partial output) */
	char missing[512];	/* events the kernel lacks, space separated */
	/* what was degraded (no fanotify, no DAMON, ...), in order */
	struct pgt_record_note notes[PGT_RECORD_MAX_NOTES];
	unsigned nnotes;
};

/*
 * pgt_record() - record until a stop condition: the launched command
 * exits, pgt_record_stop() is called (from a signal handler is fine),
 * the duration passes, or the trace reaches max_size.
 * Return 0 or a negative error; *@st is filled either way as far as it
 * got.  Needs root (tracefs).
 */
int pgt_record(const struct pgt_record_opts *opts, struct pgt_record_stats *st);

/**
 * pgt_record__source() - the recorder as a source: start recording and
 * hand the events over as they are merged, instead of writing them.
 * @opts: as for pgt_record(), with these differences.  @output is not
 *        opened: only "-" counts, and sends the launched command's
 *        standard output to standard error (for a caller that writes the
 *        stream to standard output); @force and @zlevel are ignored; and
 *        @keep_bytes, @keep_ns, @max_size and @open_output, which only a
 *        written trace means, are refused (-EINVAL).  @max_loss is not
 *        checked: the caller compares the stats' lost and events.  The
 *        arrays and strings @opts points to (@argv, @pids, @cgroup) are
 *        borrowed and must live as long as the source.
 * @st:   NULL, or filled as far as it got when this fails (the refusals
 *        of pgt_record(): @st->pid_ns, @st->missing, a note of a command
 *        that could not be run, ...).
 * @err:  set to a negative error when this fails: those of pgt_record()'s
 *        start (-EPERM without root, -EOPNOTSUPP in a PID namespace, an
 *        event the kernel lacks, the command that could not be run), or
 *        -EBUSY while another recording runs in this process.
 *
 * Everything pgt_record() does before its first event is done here: the
 * tracefs instance set up, the readers started, tracing on, the command
 * released.  Each batch then runs the recorder's rounds (sleeping 100 ms
 * between two, as pgt_record() does) until one has events, and hands
 * them over in time order.  The source's meta is the recorder's side
 * tables *in step* with the events: the records read before a batch
 * describe its events, so pgt_writer__sink() on this source writes the
 * trace pgt_record() would have written (open the writer with
 * @src->header, the header the recorder writes: host, start time, clock,
 * features).  Once a stop condition holds (the command exits, the
 * duration passes, pgt_record_stop(), the -p targets are all gone), the
 * events of that round are handed over, then the stop's last events and
 * records (names of the final walk, the "recorder.*" info records), and
 * the batch after that returns 0.  After a failure the error is returned
 * instead, and the recording is over.
 *
 * pgt_record_stop() and pgt_record_set_level() act on a running source.
 * One recording runs at a time in a process (pgt_record() or a source).
 *
 * Return: a source (free with pgt_source__free(), or with the operator
 * that takes it) or NULL.  Freeing it before the end stops the recording
 * at once: the readers are joined, the tracefs instance removed, the
 * command released already runs on (as after the duration, unwaited).
 */
struct pgt_source *pgt_record__source(const struct pgt_record_opts *opts, struct pgt_record_stats *st,
				      int *err);

/**
 * pgt_record__source_stats() - the stats of a record source so far, as
 * pgt_record() gives them: @st->events counts the events handed over,
 * and @st->bytes, @st->output_failed, @st->kept_events, @st->path stay 0.
 * The rest (lost, objects, notes, the command's status, ...) is complete
 * once a batch has returned 0 or an error.
 * Return: 0, or -EINVAL when @src is not a record source (@st zeroed).
 */
int pgt_record__source_stats(const struct pgt_source *src, struct pgt_record_stats *st);

/* Async-signal-safe controls for a running pgt_record() or record source. */
void pgt_record_stop(void);
void pgt_record_set_level(int level);
/* Flight recorder: write the kept part to the output now. */
void pgt_record_dump_keep(void);

/*
 * Remove tracefs instances left by recorders that died.  An instance is
 * "pgtrace-PID-TOKEN" (TOKEN random, so recorders in different pid
 * namespaces never share one) and its recorder holds an flock on
 * PGT_RECORD_LOCK_DIR/NAME.lock for as long as it runs: only an instance
 * whose lock file exists and can be locked is removed.  Return count.
 */
int pgt_record_clean_stale(void);

#ifdef __cplusplus
}
#endif
#endif
