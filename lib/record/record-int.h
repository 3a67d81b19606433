/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internals shared by the recorder's files. */
#ifndef PGT_RECORD_INT_H
#define PGT_RECORD_INT_H

#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <sys/resource.h>

#include "format/format.h"
#include "kernel/kernel.h"
#include "pgtrace/record.h"
#include "record/names.h"
#include "util/util.h"

/* DAMON paddr monitor over System RAM (damon.c).  Return 0 when ours
 * started, 1 when a paddr monitor of someone else already runs (listen to
 * it, never stop it), -ENOENT without DAMON sysfs, -EBUSY when kdamonds
 * are in use for something else. */
int pgt_damon_start(uint64_t sample_us, uint64_t aggr_us);
void pgt_damon_stop(void);

/* ---- the tracefs event format parser, callable alone for the fuzz target ---- */

#define PGT_RECORD_NFIELDS 23	/* fields the decoder reads */

/* Name of decoder field @f (@alt 1: an older kernel's name), or NULL. */
const char *pgt_tracefs_field_name(unsigned f, unsigned alt);

/*
 * pgt_tracefs_format__parse() - read an event's format file
 * (events/SYS/NAME/format): its ID into *@id and, for each of the
 * PGT_RECORD_NFIELDS decoder fields it has, the field's offset and size
 * into @off[f] and @size[f] (-1 and 0 for a field it lacks).  Return 0,
 * or -PGT_EPARSE without an ID in [0, 65536).
 */
int pgt_tracefs_format__parse(const char *text, int *id, int16_t *off, uint8_t *size);

/* ---- shared by the recorder's files (record, instance, cpu-reader,
 * resolve, ring): not part of the library's interface ---- */

#define INSTANCE_PREFIX "pgtrace-"
#define ROUND_NS 100000000ull	/* main loop period */
/* Per-CPU ring: a reader that wakes every 50 ms needs far less than this
 * even at millions of events per second, and a larger ring costs tens of
 * milliseconds of page clearing at every start. */
#define PGT_RECORD_DEFAULT_KB 16384u
#define OBJ_PHYS 1u		/* object id of physical memory */

enum kind {
	K_NONE, K_FILE, K_PHYS, K_UFAULT, K_DAMON, K_FORK, K_EXEC, K_EXIT, K_NEWTASK,
};

/* Fields the decoder may want; F_* index the offset table. */
enum field {
	F_INO, F_DEV, F_INDEX, F_LAST, F_PFN, F_ORDER, F_LRU, F_FLAGS, F_ADDR, F_IP, F_ERR,
	F_START, F_END, F_NR_ACC, F_AGE, F_PPID, F_CPID, F_CCOMM, F_FNAME, F_PID, F_COMM,
	F_GROUP_DEAD, F_CLONE_FLAGS, F_NFIELDS,
};

struct desc {
	const char *sys, *name;
	int level;
	uint8_t kind, type;
	int present, enabled;
	int id;
	int16_t off[F_NFIELDS];
	uint8_t size[F_NFIELDS];
	char *format;
};

extern struct desc pgt_rec_descs[];
extern const size_t pgt_rec_ndesc;
#define NDESC pgt_rec_ndesc
#define MAX_ID PGT_TRACEFS_MAX_ID

/* A decoded event before objects and processes are resolved. */
struct rev {
	struct pgt_event ev;	/* ev.tid holds the kernel's common_pid */
	uint64_t ino;
	uint32_t kdev;
	uint8_t kind;
	uint8_t verdict;	/* fork/exec with -u/-G: 1 target, 2 not, 0 unknown */
	uint32_t a, b;
	uint32_t tgid;		/* with the verdict */
	char *str;		/* fork: child comm; exec: filename (malloc'd) */
};

struct revvec {
	struct rev *v;
	size_t n, cap, head;
};

struct reader {
	struct rec *r;
	int cpu, fd;
	pthread_t th;
	struct kbuffer *kb;
	uint8_t *page;
	pthread_mutex_t lock;
	struct revvec q;	/* decoded, waiting for the merge */
	struct revvec mine;	/* merge side: taken from q */
	atomic_uint_fast64_t watermark;
	atomic_int done;
	uint64_t subbufs;
	uint64_t read_ts;	/* reader side: the newest event read so far */
	atomic_uint_fast64_t missed;	/* from sub-buffer headers */
	uint64_t lost_seen;
	int err;
	atomic_size_t mine_left;	/* merge side: events of @mine not handled yet */
};
/* Decoded events waiting for the merge, per CPU, past which a reader
 * leaves the rest in the kernel's ring (which overwrites and counts what
 * it cannot hold): when the merge falls behind (a storm of forks, each
 * read from /proc), memory stays bounded instead of growing with it. */
#define READER_MAX_BACKLOG 16384u

/*
 * What the recorder knows of an object: a file by (kernel dev, inode), or
 * an address space by (MM_KDEV, tgid).  Sizes (files): the tracepoints
 * give a read's requested range, not the file's size, so the size comes
 * from stat() of the file's path when the object is first seen and again
 * when a lookup reaches past it (at most once per merge round: not when
 * the last stat is younger than the event); @seen_pages, the end of the
 * furthest page inserted, faulted or mapped, is a lower bound, since the
 * page cache never holds a page past the end of its file.
 */
struct objent {
	uint64_t ino;
	uint32_t kdev;
	uint32_t id;
	uint8_t named;
	uint8_t sized;		/* 1: @size is from a stat */
	uint8_t stale;		/* address space: ended (exec, exit) */
	uint8_t forget;		/* --keep: a deleted file, idle: dropped at the next chunk */
	uint64_t chunk;		/* --keep: the chunk (ring_seq) its definition is in */
	uint64_t last_ts;	/* the event time of its last event */
	uint64_t size;		/* bytes */
	uint64_t seen_pages;
	uint64_t stat_ts;	/* CLOCK_MONOTONIC ns of the last stat */
};
#define MM_KDEV UINT32_MAX	/* objent.kdev of an address space */
struct procent {
	uint32_t tid, tgid;
	int state;		/* 0 new, 1 pass, 2 filtered */
	int dead;		/* exited: forgotten at the next chunk (--keep) */
	/* the thread's last lookup: one read() whose batch of pages ends
	 * early asks the page cache again for the rest, and the kernel
	 * reports the same request's end once more */
	uint32_t lk_obj;
	uint64_t lk_index, lk_end;
};

struct chunk { char *path; uint64_t bytes, first_ts, last_ts; };

struct rec {
	const struct pgt_record_opts *o;
	struct pgt_record_stats *st;
	struct tracefs_instance *inst;
	char inst_name[64];
	int ncpus;
	struct reader *rd;
	size_t subbuf;
	int16_t by_id[MAX_ID];	/* kernel event id -> desc index + 1 */
	struct pgt_meta *meta;
	struct pgt_names *names;
	/* objects */
	struct objent *objs;
	size_t obj_cap, obj_used;
	uint32_t next_obj;
	/* processes */
	struct procent *procs;
	size_t proc_cap, proc_used;
	/* output */
	struct pgt_writer *w;
	struct pgt_header hdr;
	int keep;
	struct chunk *chunks;
	size_t nchunks;
	uint64_t last_ts;
	uint64_t ring_seq;
	struct pgt_event *out;
	size_t nout, cap_out;
	int level;
	pid_t child;
	pid_t cmd_pid;		/* the launched command, even once reaped */
	int child_execed;	/* its events count from its exec on */
	int child_pidfd;	/* to wake when it exits, or -1 */
	long damon_kpid;	/* DAMON's thread in the pid filter, or 0 */
	int damon_on, damon_listen;
	uint64_t start_ns;
	atomic_int readers_stop;	/* set once tracing is off */
	uint64_t stop_ns;
	int judge;		/* -u or -G: judge processes at fork and exec */
	int lock_fd, lock_dir;	/* the instance's lock (held while we run), or -1 */
	/* the output: its directory and base name, so that --keep's working
	 * names next to it are made and used relative to one directory */
	int out_dirfd, ring_dirfd;
	char *out_base;
	int ring_made;		/* OUT.chunks is ours, made in this run */
	int out_created;	/* we made the output in this run: */
	dev_t out_dev;		/* ... this inode */
	ino_t out_ino;
	/* the run between its start, its steps and its stop (record.c) */
	int as_source;		/* pgt_record__source(): no writer, the merged
				 * events wait in @out to be handed over */
	int go_fd, err_fd;	/* the command's go and exec-error pipes */
	int started;		/* reader threads running */
	int launch_failed;	/* the command could not be run */
	uint64_t deadline, last_flush, last_check, child_t0;
	struct rusage ru0;
};

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
/* record.c */
void pgt_rec_note(struct rec *r, int code, int err, const char *str);
/* The run, shared by pgt_record() and the source (source.c): init, then
 * start; steps (a wait between two) until one fails or says it is done;
 * then stop and cleanup (only cleanup after a failed start); free last.
 * One run at a time: claim (-EBUSY) before the start, release after the
 * cleanup. */
int pgt_rec_claim(void);
void pgt_rec_release(void);
void pgt_rec_init(struct rec *r, const struct pgt_record_opts *o, struct pgt_record_stats *st);
int pgt_rec_start(struct rec *r);
int pgt_rec_step(struct rec *r, int *done);
void pgt_rec_wait(struct rec *r);
int pgt_rec_stop(struct rec *r, int err);
int pgt_rec_cleanup(struct rec *r, int err);
void pgt_rec_free(struct rec *r);

/* instance.c */
int pgt_rec_apply_level(struct rec *r, int level);
int pgt_rec_inst_write(struct rec *r, const char *file, const char *val);
int pgt_rec_poll_loss(struct rec *r);
int pgt_rec_probe_events(struct rec *r);
int pgt_rec_set_pids(struct rec *r, const pid_t *pids, size_t n);
int pgt_rec_setup_instance(struct rec *r);
int pgt_rec_targets_alive(struct rec *r);

/* cpu-reader.c */
void *pgt_rec_reader_main(void *arg);
int pgt_rec_vec_push(struct revvec *v, const struct rev *e);

/* resolve.c */
int pgt_rec_clamp_lookup(struct rec *r, struct objent *o, struct pgt_event *ev);
void pgt_rec_count_names(struct rec *r);
void pgt_rec_final_walk(struct rec *r);
int pgt_rec_handle_newtask(struct rec *r, struct rev *e);
int pgt_rec_handle_proc_event(struct rec *r, struct rev *e);
int pgt_rec_mm_of(struct rec *r, uint32_t tgid, uint64_t ts, uint32_t *id);
int pgt_rec_name_cb(const struct pgt_name_event *ne, void *ctx);
int pgt_rec_obj_of(struct rec *r, uint32_t kdev, uint64_t ino, uint32_t *id, struct objent **out);
struct objent *pgt_rec_obj_slot(struct rec *r, uint32_t kdev, uint64_t ino);
int pgt_rec_passes_filters(struct rec *r, const struct pgt_process *p);
int pgt_rec_proc_cb(const struct pgt_process *p, void *ctx);
int pgt_rec_proc_of(struct rec *r, uint32_t tid, uint64_t ts, uint32_t *tgid);
struct procent *pgt_rec_proc_slot(struct rec *r, uint32_t tid);

/* ring.c */
int pgt_rec_emit(struct rec *r);
int pgt_rec_open_writer(struct rec *r, int fd, const char *path, int force);
int pgt_rec_out_push(struct rec *r, const struct pgt_event *ev);
int pgt_rec_ring_assemble(struct rec *r);
int pgt_rec_ring_close_current(struct rec *r);
void pgt_rec_ring_drop(struct rec *r, struct chunk *c);
int pgt_rec_ring_new_chunk(struct rec *r);
int pgt_rec_ring_open_dir(struct rec *r);
void pgt_rec_ring_trim(struct rec *r);
void pgt_rec_set_path(struct rec *r, const char *suffix, const char *name, int exists);

#endif
