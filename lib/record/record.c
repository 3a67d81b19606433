// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The recorder.
 *
 *   kernel tracepoints -> per-CPU ring buffers of our own tracefs instance
 *   -> one reader thread per CPU: raw sub-buffers, decoded into events
 *   -> the main thread: merged by time, objects and processes resolved,
 *      side records added, written as a .pgt trace (or a ring of chunks)
 *
 * Nothing is decoded on the traced tasks' path: the kernel only copies
 * the tracepoint's fields into its ring.  Field offsets come from the
 * kernel's format files by name (they differ between events and
 * kernels), and the format text goes into the trace.
 *
 * Merging: each reader notes the CLOCK_MONOTONIC time at which it began
 * a drain that emptied its buffer; every event older than the smallest
 * such time over all CPUs has been read, so it can be written in time
 * order.  The instance's trace clock is "mono" so the two clocks agree.
 */
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <tracefs.h>
#include <kbuffer.h>

#include "format/format.h"
#include "kernel/kernel.h"
#include "pgtrace/snap.h"
#include "names.h"
#include "record-int.h"

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

static const char *const field_names[F_NFIELDS][2] = {
	[F_INO] = { "i_ino", NULL }, [F_DEV] = { "s_dev", NULL },
	[F_INDEX] = { "index", "start_index" }, [F_LAST] = { "last_index", "end_index" },
	[F_PFN] = { "pfn", NULL }, [F_ORDER] = { "order", NULL }, [F_LRU] = { "lru", NULL },
	[F_FLAGS] = { "flags", NULL }, [F_ADDR] = { "address", NULL }, [F_IP] = { "ip", NULL },
	[F_ERR] = { "error_code", NULL }, [F_START] = { "start", NULL }, [F_END] = { "end", NULL },
	[F_NR_ACC] = { "nr_accesses", NULL }, [F_AGE] = { "age", NULL },
	[F_PPID] = { "parent_pid", NULL }, [F_CPID] = { "child_pid", NULL },
	[F_CCOMM] = { "child_comm", NULL }, [F_FNAME] = { "filename", NULL },
	[F_PID] = { "pid", NULL }, [F_COMM] = { "comm", NULL }, [F_GROUP_DEAD] = { "group_dead", NULL },
	[F_CLONE_FLAGS] = { "clone_flags", NULL },
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

static struct desc descs[] = {
	{ .sys = "sched", .name = "sched_process_fork", .level = 0, .kind = K_FORK, .type = 0 },
	{ .sys = "sched", .name = "sched_process_exec", .level = 0, .kind = K_EXEC, .type = 0 },
	{ .sys = "sched", .name = "sched_process_exit", .level = 0, .kind = K_EXIT, .type = 0 },
	/* a new thread belongs to its creator's process, even one gone
	 * before /proc could be read: clone_flags say which it is */
	{ .sys = "task", .name = "task_newtask", .level = 0, .kind = K_NEWTASK, .type = 0 },
	{ .sys = "filemap", .name = "mm_filemap_add_to_page_cache", .level = 0, .kind = K_FILE, .type = PGT_EV_ADD },
	{ .sys = "filemap", .name = "mm_filemap_delete_from_page_cache", .level = 0, .kind = K_FILE, .type = PGT_EV_DELETE },
	{ .sys = "filemap", .name = "mm_filemap_get_pages", .level = 1, .kind = K_FILE, .type = PGT_EV_LOOKUP },
	{ .sys = "filemap", .name = "mm_filemap_fault", .level = 1, .kind = K_FILE, .type = PGT_EV_FAULT },
	{ .sys = "filemap", .name = "mm_filemap_map_pages", .level = 1, .kind = K_FILE, .type = PGT_EV_MAP },
	{ .sys = "pagemap", .name = "mm_lru_insertion", .level = 2, .kind = K_PHYS, .type = PGT_EV_LRU_ADD },
	{ .sys = "pagemap", .name = "mm_lru_activate", .level = 2, .kind = K_PHYS, .type = PGT_EV_LRU_ACTIVATE },
	{ .sys = "exceptions", .name = "page_fault_user", .level = 2, .kind = K_UFAULT, .type = PGT_EV_USER_FAULT },
	{ .sys = "damon", .name = "damon_aggregated", .level = 3, .kind = K_DAMON, .type = PGT_EV_ACCESS_SAMPLE },
};
#define NDESC (sizeof(descs) / sizeof(descs[0]))
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
};

static atomic_int g_stop, g_level = -1, g_dump;

void pgt_record_stop(void) { atomic_store(&g_stop, 1); }
void pgt_record_set_level(int level) { atomic_store(&g_level, level); }
void pgt_record_dump_keep(void) { atomic_store(&g_dump, 1); }

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Add a note (enum pgt_record_note_code) to the stats; past
 * PGT_RECORD_MAX_NOTES they are dropped. */
static void note(struct rec *r, int code, int err, const char *str)
{
	struct pgt_record_note *n;

	if (r->st->nnotes >= PGT_RECORD_MAX_NOTES)
		return;
	n = &r->st->notes[r->st->nnotes++];
	n->code = code;
	n->err = err;
	snprintf(n->str, sizeof(n->str), "%s", str ? str : "");
}

/* ---- tracefs ---- */

static int inst_write(struct rec *r, const char *file, const char *val)
{
	int n = tracefs_instance_file_write(r->inst, file, val);

	return n < 0 ? -EIO : 0;
}

_Static_assert(F_NFIELDS == PGT_RECORD_NFIELDS, "record-int.h names the field count");

const char *pgt_tracefs_field_name(unsigned f, unsigned alt)
{
	return f < F_NFIELDS && alt < 2 ? field_names[f][alt] : NULL;
}

/* The format parser of lib/kernel/tracefs-format.c with the decoder's
 * field table: what the fuzz target checks. */
int pgt_tracefs_format__parse(const char *text, int *id, int16_t *offs, uint8_t *sizes)
{
	return pgt_tracefs_format__fields(text, field_names, F_NFIELDS, id, offs, sizes);
}

static int probe_events(struct rec *r)
{
	for (size_t i = 0; i < NDESC; i++) {
		struct desc *d = &descs[i];
		char rel[256], *text = NULL;
		const char *dir = tracefs_tracing_dir();
		ssize_t n;

		d->present = 0;
		d->enabled = 0;
		free(d->format);
		d->format = NULL;
		snprintf(rel, sizeof(rel), "events/%s/%s/format", d->sys, d->name);
		n = pgt_tracefs_format__read(dir, d->sys, d->name, &text);
		if (n < 0) {
			size_t len = strlen(r->st->missing);

			snprintf(r->st->missing + len, sizeof(r->st->missing) - len, "%s%s:%s",
				 len ? " " : "", d->sys, d->name);
			continue;
		}
		if (n <= 0) {
			free(text);
			continue;
		}
		if (pgt_tracefs_format__parse(text, &d->id, d->off, d->size) == 0) {
			d->present = 1;
			d->format = text;
			r->by_id[d->id] = (int16_t)(i + 1);
			snprintf(rel, sizeof(rel), "%s/%s", d->sys, d->name);
			pgt_meta__add_format(r->meta, rel, text);
		} else {
			free(text);
		}
	}
	return 0;
}

static int set_event(struct rec *r, struct desc *d, int on)
{
	if (!d->present || d->enabled == on)
		return 0;
	if ((on ? tracefs_event_enable(r->inst, d->sys, d->name)
		: tracefs_event_disable(r->inst, d->sys, d->name)) < 0)
		return -EIO;
	d->enabled = on;
	return 0;
}

static int apply_level(struct rec *r, int level)
{
	int err = 0;

	for (size_t i = 0; i < NDESC && !err; i++) {
		int want = descs[i].level <= level;

		if (descs[i].kind == K_DAMON)
			want = (want || r->o->damon) && r->damon_on;
		err = set_event(r, &descs[i], want);
	}
	r->level = level;
	if (!err)
		err = pgt_meta__add_level(r->meta, now_ns(), (uint32_t)level);
	return err;
}

/* The directory of lock files: root's, written by nobody else (a
 * planted one is not trusted).  Return a directory fd or -errno. */
static int lock_dir_open(int create)
{
	struct stat sb;
	int fd;

	if (create && mkdir(PGT_RECORD_LOCK_DIR, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = open(PGT_RECORD_LOCK_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0 || sb.st_uid != geteuid() || (sb.st_mode & 022)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

/*
 * An instance is stale only when its recorder is provably gone: its lock
 * file exists and nobody holds the lock on it.  A pid says nothing (the
 * recorder may run in another pid namespace, where kill() cannot see it,
 * or its pid may be reused), so instances without a lock file (older
 * versions, a recorder whose /run is private) are never touched.
 */
int pgt_record_clean_stale(void)
{
	const char *top = tracefs_tracing_dir();
	char dir[4096];
	struct dirent *de;
	int n = 0, ldir;
	DIR *d;

	if (!top)
		return 0;
	ldir = lock_dir_open(0);
	if (ldir < 0)
		return 0;
	snprintf(dir, sizeof(dir), "%s/instances", top);
	d = opendir(dir);
	if (!d) {
		close(ldir);
		return 0;
	}
	while ((de = readdir(d))) {
		char path[4400], lock[300];
		int fd, lk;

		if (strncmp(de->d_name, INSTANCE_PREFIX, strlen(INSTANCE_PREFIX)) ||
		    strlen(de->d_name) > 200)
			continue;
		snprintf(lock, sizeof(lock), "%s.lock", de->d_name);
		lk = openat(ldir, lock, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (lk < 0)
			continue;	/* no proof it is dead */
		if (flock(lk, LOCK_EX | LOCK_NB) < 0) {
			close(lk);
			continue;	/* its recorder runs */
		}
		/* events must be off before the directory can go */
		snprintf(path, sizeof(path), "%s/%s/events/enable", dir, de->d_name);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "0", 1) < 0) {
				/* removal below will say whether it mattered */
			}
			close(fd);
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (rmdir(path) == 0) {
			n++;
			unlinkat(ldir, lock, 0);
		}
		close(lk);
	}
	closedir(d);
	close(ldir);
	return n;
}

/* The most the kernel may give each CPU's ring here: it allocates every
 * CPU's ring from the memory available and refuses more (KiB). */
static uint64_t ring_max_kb(int ncpus)
{
	uint64_t kb = 0;

	if (pgt_meminfo__kb("MemAvailable", &kb))
		kb = 0;
	return ncpus > 0 ? kb / (uint64_t)ncpus : kb;
}

static int setup_instance(struct rec *r)
{
	char val[64], *bpath;
	uint64_t token = 0;
	int err, fd, ldir;

	if (!tracefs_tracing_dir())
		return -ENODEV;
	/* unique across pid namespaces (where two recorders may both be
	 * pid 1) and never reused: a random token */
	if (getrandom(&token, sizeof(token), 0) != sizeof(token))
		token = now_ns() ^ ((uint64_t)getpid() << 32);
	snprintf(r->inst_name, sizeof(r->inst_name), INSTANCE_PREFIX "%d-%016llx", (int)getpid(),
		 (unsigned long long)token);
	/* the lock first, so no cleaner ever sees the instance unlocked */
	ldir = lock_dir_open(1);
	if (ldir >= 0) {
		char lock[96];

		snprintf(lock, sizeof(lock), "%s.lock", r->inst_name);
		r->lock_fd = openat(ldir, lock, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (r->lock_fd >= 0 && flock(r->lock_fd, LOCK_EX) < 0) {
			close(r->lock_fd);
			r->lock_fd = -1;
			unlinkat(ldir, lock, 0);
		}
		if (r->lock_fd >= 0)
			r->lock_dir = ldir;
		else
			close(ldir);
	}
	if (r->lock_fd < 0)
		note(r, PGT_RECORD_NOTE_NO_LOCK, 0, r->inst_name);
	r->inst = tracefs_instance_create(r->inst_name);
	if (!r->inst)
		return errno ? -errno : -EIO;
	snprintf(val, sizeof(val), "%u", r->o->buffer_kb ? r->o->buffer_kb : PGT_RECORD_DEFAULT_KB);
	bpath = tracefs_instance_get_file(r->inst, "buffer_size_kb");
	fd = bpath ? open(bpath, O_WRONLY | O_TRUNC | O_CLOEXEC) : -1;
	err = fd < 0 ? -errno : write(fd, val, strlen(val)) < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	tracefs_put_tracing_file(bpath);
	if (err) {
		long n = sysconf(_SC_NPROCESSORS_CONF);

		r->st->buffer_failed = 1;
		r->st->buffer_max_kb = ring_max_kb(n > 0 ? (int)n : 1);
		return err;
	}
	inst_write(r, "trace_clock", "mono");
	r->judge = r->o->have_uid || r->o->cgroup;
	if (r->judge)	/* wake the readers at once: forks and execs are judged live */
		inst_write(r, "buffer_percent", "0");
	inst_write(r, "tracing_on", "0");
	{
		char *cur = tracefs_instance_file_read(r->inst, "buffer_subbuf_size_kb", NULL);

		r->subbuf = cur ? (size_t)atoi(cur) * 1024 : 4096;
		if (r->subbuf < 4096)
			r->subbuf = 4096;
		free(cur);
	}
	{
		char *clk = tracefs_instance_file_read(r->inst, "trace_clock", NULL);

		if (!clk || !strstr(clk, "[mono]")) {
			free(clk);
			return -ENOTSUP;	/* timestamps would not match CLOCK_MONOTONIC */
		}
		free(clk);
	}
	return 0;
}

static int add_event_pid(struct rec *r, long pid)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", pid);
	return tracefs_instance_file_append(r->inst, "set_event_pid", buf) < 0 ? -ESRCH : 0;
}

/* The kernel's pid filter takes threads: every thread of each target
 * (later ones come through event-fork). */
static int set_pids(struct rec *r, const pid_t *pids, size_t n)
{
	int err = 0;

	if (!n)
		return 0;
	inst_write(r, "options/event-fork", "1");
	for (size_t i = 0; i < n && !err; i++) {
		char dir[64];
		DIR *d;
		struct dirent *de;

		err = add_event_pid(r, pids[i]);
		snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pids[i]);
		d = opendir(dir);
		while (!err && d && (de = readdir(d))) {
			long tid = strtol(de->d_name, NULL, 10);

			if (tid > 0 && tid != pids[i])
				err = add_event_pid(r, tid);
		}
		if (d)
			closedir(d);
	}
	/* DAMON's samples come from its kernel thread, which is no target */
	if (!err && r->damon_on) {
		char *kpid = NULL;

		if (pgt_kread_file("/sys/kernel/mm/damon/admin/kdamonds/0/pid", &kpid) >= 0 && atol(kpid) > 0) {
			r->damon_kpid = atol(kpid);
			err = add_event_pid(r, r->damon_kpid);
		}
		free(kpid);
	}
	return err;
}

/* Whether a target of -p or a child of one still runs: the kernel drops
 * each task from set_event_pid as it exits.  When the file cannot be
 * read, they are taken to run. */
static int targets_alive(struct rec *r)
{
	char *path = tracefs_instance_get_file(r->inst, "set_event_pid"), buf[4096], *p, *end;
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	int alive = n < 0 || n == (ssize_t)sizeof(buf) - 1;	/* a long list: surely some */

	tracefs_put_tracing_file(path);
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	for (p = buf; !alive && *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p) {
			end = p + 1;
			continue;
		}
		alive = pid > 0 && pid != r->damon_kpid;
	}
	return alive;
}

/* ---- decoding (reader threads) ---- */

static inline uint64_t rd(const uint8_t *data, int off, int size)
{
	uint64_t v = 0;

	if (off < 0)
		return 0;
	switch (size) {
	case 1: v = data[off]; break;
	case 2: v = pgt_get_le16(data + off); break;
	case 4: v = pgt_get_le32(data + off); break;
	default: v = pgt_get_le64(data + off); break;
	}
	return v;
}

static char *rd_str(const uint8_t *data, int len, const struct desc *d, int f)
{
	if (d->off[f] < 0)
		return NULL;
	if (d->size[f] == 4) {	/* __data_loc: u16 offset, u16 length */
		uint32_t loc = pgt_get_le32(data + d->off[f]);
		uint32_t o = loc & 0xffff, l = loc >> 16;

		if (o + l > (uint32_t)len)
			return NULL;
		return strndup((const char *)data + o, l);
	}
	return strndup((const char *)data + d->off[f], d->size[f]);
}

static int vec_push(struct revvec *v, const struct rev *e)
{
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 4096;
		struct rev *nv = realloc(v->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = ncap;
	}
	v->v[v->n++] = *e;
	return 0;
}

static int passes_filters(struct rec *r, const struct pgt_process *p);

/*
 * With -u or -G a process must be judged while it still exists, and
 * short-lived ones are gone by the time the merge sees their events: the
 * reader judges them at their fork or exec, as soon as it reads it.
 */
static uint8_t judge_now(struct rec *r, uint32_t pid, uint32_t *tgid)
{
	struct pgt_process p;

	if (!r->names || pgt_names__proc(r->names, (pid_t)pid, 0, &p))
		return 0;
	*tgid = p.tgid;
	return passes_filters(r, &p) ? 1 : 2;
}

static int decode_subbuf(struct reader *k, struct revvec *out)
{
	struct rec *r = k->r;
	unsigned long long ts;
	void *data;

	if (kbuffer_load_subbuffer(k->kb, k->page) < 0)
		return -PGT_ECORRUPT;
	/* the sub-buffer header tells of events overwritten before it */
	if (kbuffer_missed_events(k->kb) > 0)
		atomic_fetch_add(&k->missed, (uint64_t)kbuffer_missed_events(k->kb));
	for (data = kbuffer_read_event(k->kb, &ts); data; data = kbuffer_next_event(k->kb, &ts)) {
		const uint8_t *p = data;
		int len = kbuffer_event_size(k->kb);
		unsigned id = pgt_get_le16(p);
		const struct desc *d;
		struct rev e;

		if (id >= MAX_ID || !r->by_id[id])
			continue;
		d = &descs[r->by_id[id] - 1];
		memset(&e, 0, sizeof(e));
		e.kind = d->kind;
		e.ev.ts = ts;
		if (ts > k->read_ts)
			k->read_ts = ts;
		e.ev.cpu = (uint32_t)k->cpu;
		e.ev.tid = (uint32_t)pgt_get_le32(p + 4);
		e.ev.type = d->type;
		e.ev.pfn = PGT_PFN_NONE;
		e.ev.npages = 1;
		e.ev.flags = (uint16_t)(d->level << PGT_F_LEVEL_SHIFT);
		switch (d->kind) {
		case K_FILE:
			e.ino = rd(p, d->off[F_INO], d->size[F_INO]);
			e.kdev = (uint32_t)rd(p, d->off[F_DEV], d->size[F_DEV]);
			e.ev.index = rd(p, d->off[F_INDEX], d->size[F_INDEX]);
			if (d->off[F_LAST] >= 0) {
				uint64_t last = rd(p, d->off[F_LAST], d->size[F_LAST]);

				e.ev.npages = last >= e.ev.index ? (uint32_t)(last - e.ev.index + 1) : 1;
			}
			if (d->off[F_PFN] >= 0)
				e.ev.pfn = rd(p, d->off[F_PFN], d->size[F_PFN]);
			if (d->off[F_ORDER] >= 0)
				e.ev.npages = 1u << (rd(p, d->off[F_ORDER], d->size[F_ORDER]) & 31);
			break;
		case K_PHYS:
			e.ev.pfn = rd(p, d->off[F_PFN], d->size[F_PFN]);
			e.ev.index = e.ev.pfn;
			/* aux: lru list in the low byte, folio flags above */
			e.ev.aux = rd(p, d->off[F_LRU], d->size[F_LRU]) |
				   rd(p, d->off[F_FLAGS], d->size[F_FLAGS]) << 8;
			break;
		case K_UFAULT: {
			uint64_t err = rd(p, d->off[F_ERR], d->size[F_ERR]);

			e.ev.index = rd(p, d->off[F_ADDR], d->size[F_ADDR]) / 4096;
			e.ev.aux = rd(p, d->off[F_IP], d->size[F_IP]);
			if (err & 2)
				e.ev.flags |= PGT_F_WRITE;
			break;
		}
		case K_DAMON: {
			uint64_t s = rd(p, d->off[F_START], d->size[F_START]);
			uint64_t end = rd(p, d->off[F_END], d->size[F_END]);

			e.ev.index = s / 4096;
			e.ev.pfn = s / 4096;
			e.ev.npages = end > s ? (uint32_t)((end - s) / 4096) : 0;
			/* aux: nr_accesses, age in the upper half */
			e.ev.aux = rd(p, d->off[F_NR_ACC], d->size[F_NR_ACC]) |
				   rd(p, d->off[F_AGE], d->size[F_AGE]) << 32;
			break;
		}
		case K_FORK:
			e.a = (uint32_t)rd(p, d->off[F_PPID], d->size[F_PPID]);
			e.b = (uint32_t)rd(p, d->off[F_CPID], d->size[F_CPID]);
			e.str = rd_str(p, len, d, F_CCOMM);
			if (r->judge)
				e.verdict = judge_now(r, e.b, &e.tgid);
			break;
		case K_EXEC:
			e.a = (uint32_t)rd(p, d->off[F_PID], d->size[F_PID]);
			e.str = rd_str(p, len, d, F_FNAME);
			if (r->judge)
				e.verdict = judge_now(r, e.a, &e.tgid);
			break;
		case K_EXIT:
			e.a = (uint32_t)rd(p, d->off[F_PID], d->size[F_PID]);
			e.b = d->off[F_GROUP_DEAD] >= 0 ? (uint32_t)rd(p, d->off[F_GROUP_DEAD], 1) : 1;
			break;
		case K_NEWTASK:
			e.a = (uint32_t)rd(p, d->off[F_PID], d->size[F_PID]);
			e.ev.aux = rd(p, d->off[F_CLONE_FLAGS], d->size[F_CLONE_FLAGS]);
			break;
		}
		if (vec_push(out, &e)) {
			free(e.str);
			return -ENOMEM;
		}
	}
	return 0;
}

static void *reader_main(void *arg)
{
	struct reader *k = arg;
	struct revvec local = { 0 };
	int finishing = 0;

	/* Not pinned: on a small machine the reader of a busy CPU is better
	 * off on an idle one than competing with the workload. */
	for (;;) {
		struct pollfd pfd = { .fd = k->fd, .events = POLLIN };
		uint64_t t0;
		int stop = atomic_load(&k->r->readers_stop), drained = 1;
		size_t waiting;

		pthread_mutex_lock(&k->lock);
		waiting = k->q.n + atomic_load(&k->mine_left);
		pthread_mutex_unlock(&k->lock);
		if (!stop && waiting >= READER_MAX_BACKLOG) {
			struct timespec ts = { 0, 10000000 };

			nanosleep(&ts, NULL);
			continue;
		}
		if (!finishing && !stop)
			poll(&pfd, 1, 50);
		if (stop)
			finishing = 1;
		t0 = now_ns();
		for (;;) {
			ssize_t n;

			if (!finishing && local.n + waiting >= READER_MAX_BACKLOG) {
				drained = 0;
				break;
			}
			n = read(k->fd, k->page, k->r->subbuf);

			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				break;	/* EAGAIN: drained */
			}
			k->subbufs++;
			if (decode_subbuf(k, &local)) {
				k->err = -ENOMEM;
				break;
			}
		}
		pthread_mutex_lock(&k->lock);
		if (!k->q.n) {
			struct revvec t = k->q;	/* hand the vector over, no copy */

			k->q = local;
			local = t;
		} else {
			for (size_t i = 0; i < local.n; i++)
				if (vec_push(&k->q, &local.v[i])) {
					k->err = -ENOMEM;
					break;
				}
		}
		local.n = 0;
		/* What this CPU can still deliver is newer than the watermark.
		 * Drained: than the round's start.  Stopped by the backlog:
		 * than the newest event read, since a CPU's ring is in time
		 * order; without this, the merge would wait for a reader that
		 * waits for the merge, until the recording ends. */
		if (finishing)
			atomic_store(&k->watermark, UINT64_MAX);
		else if (drained)
			atomic_store(&k->watermark, t0);
		else if (k->read_ts > atomic_load(&k->watermark))
			atomic_store(&k->watermark, k->read_ts);
		pthread_mutex_unlock(&k->lock);
		if (finishing)
			break;
	}
	free(local.v);
	atomic_store(&k->done, 1);
	return NULL;
}

/* ---- objects and processes (main thread) ---- */

static uint64_t user_dev(uint32_t kdev)
{
	return makedev(kdev >> 20, kdev & 0xfffff);
}

static struct objent *obj_slot(struct rec *r, uint32_t kdev, uint64_t ino)
{
	size_t mask, h;

	if ((r->obj_used + 1) * 2 > r->obj_cap) {
		size_t ncap = r->obj_cap ? r->obj_cap * 2 : 1024;
		struct objent *n = calloc(ncap, sizeof(*n));

		if (!n)
			return NULL;
		for (size_t i = 0; i < r->obj_cap; i++) {
			struct objent *o = &r->objs[i];

			if (!o->id)
				continue;
			for (h = (o->ino * 0x9E3779B97F4A7C15ull ^ o->kdev) & (ncap - 1); n[h].id;
			     h = (h + 1) & (ncap - 1))
				;
			n[h] = *o;
		}
		free(r->objs);
		r->objs = n;
		r->obj_cap = ncap;
	}
	mask = r->obj_cap - 1;
	for (h = (ino * 0x9E3779B97F4A7C15ull ^ kdev) & mask;; h = (h + 1) & mask)
		if (!r->objs[h].id || (r->objs[h].ino == ino && r->objs[h].kdev == kdev))
			return &r->objs[h];
}

/*
 * A block device's own page cache (filesystem metadata read through the
 * buffer cache) belongs to an inode of the kernel's internal bdev
 * filesystem, an anonymous device (major 0), whose inode number is the
 * block device's number in the kernel's encoding (major << 20 | minor).
 * Return 1 and its name, "[blockdev 254:0 /dev/vda: ext4 on /]", when
 * (@kdev, @ino) is one: sysfs knows the device, mountinfo its filesystem.
 */
static int bdev_name(uint32_t kdev, uint64_t ino, char *buf, size_t size, uint64_t *bytes)
{
	unsigned maj = (unsigned)(ino >> 20), min = (unsigned)(ino & 0xfffff);
	char path[96], line[1024], devname[64] = "", fs[64] = "", mnt[512] = "", *text = NULL;
	struct pgt_mountinfo *mi = NULL;
	const struct pgt_mountinfo *m;
	size_t nmi = 0;
	FILE *f;

	if (kdev >> 20 || ino >> 32)
		return 0;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", maj, min);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "DEVNAME=", 8))
			snprintf(devname, sizeof(devname), "/dev/%.*s", (int)strcspn(line + 8, "\n"), line + 8);
	fclose(f);
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/size", maj, min);
	*bytes = PGT_SIZE_UNKNOWN;
	f = fopen(path, "re");
	if (f) {
		unsigned long long sectors;

		if (fscanf(f, "%llu", &sectors) == 1)
			*bytes = sectors * 512;
		fclose(f);
	}
	if (!pgt_mountinfo__read(&text, &mi, &nmi) &&
	    (m = pgt_mountinfo__find_dev(mi, nmi, maj, min))) {
		snprintf(fs, sizeof(fs), "%s", m->fstype);
		snprintf(mnt, sizeof(mnt), "%s", m->mnt);
	}
	free(mi);
	free(text);
	snprintf(buf, size, "[blockdev %u:%u %s%s%s%s%s]", maj, min, devname, *fs ? ": " : "", fs,
		 *mnt ? " on " : "", mnt);
	return 1;
}

/* The size of file @o now, by its path: 1 with *@bytes, or 0. */
static int obj_stat(struct rec *r, struct objent *o, uint64_t *bytes)
{
	const struct pgt_object *cur = pgt_meta__object(r->meta, o->id);
	const char *path = NULL;
	struct stat st;
	int src;

	o->stat_ts = now_ns();
	if (r->names)
		path = pgt_names__lookup(r->names, user_dev(o->kdev), o->ino, &src);
	if (!path && cur && cur->path && cur->path[0] == '/')
		path = cur->path;
	if (!path || stat(path, &st) || st.st_ino != o->ino || st.st_dev != user_dev(o->kdev) ||
	    !S_ISREG(st.st_mode))
		return 0;
	*bytes = (uint64_t)st.st_size;
	return 1;
}

/* Stat @o again; a size that changed goes into the trace (op size). */
static int obj_restat(struct rec *r, struct objent *o, uint64_t ts)
{
	const struct pgt_object *cur;
	struct pgt_object ob;
	uint64_t bytes;

	if (o->stat_ts > ts || !obj_stat(r, o, &bytes) || (o->sized && bytes == o->size))
		return 0;
	o->size = bytes;
	o->sized = 1;
	cur = pgt_meta__object(r->meta, o->id);
	if (!cur)
		return 0;
	ob = *cur;
	ob.op = PGT_OBJ_SIZE;
	ob.ts = ts;
	ob.size = bytes;
	return pgt_meta__add_object(r->meta, &ob);
}

static int obj_of(struct rec *r, uint32_t kdev, uint64_t ino, uint32_t *id, struct objent **out)
{
	struct objent *o = obj_slot(r, kdev, ino);
	struct pgt_object ob = { 0 };
	const char *path;
	char bdev[1024];
	int src = 0;

	if (!o)
		return -ENOMEM;
	*out = o;
	if (o->id) {
		*id = o->id;
		return 0;
	}
	o->kdev = kdev;
	o->ino = ino;
	o->id = r->next_obj++;
	o->chunk = r->ring_seq;
	r->obj_used++;
	ob.id = o->id;
	ob.kind = PGT_OBJ_FILE;
	ob.op = PGT_OBJ_DEFINE;
	ob.ts = now_ns();
	ob.dev = user_dev(kdev);
	ob.ino = ino;
	ob.size = PGT_SIZE_UNKNOWN;
	path = r->names ? pgt_names__lookup(r->names, ob.dev, ino, &src) : NULL;
	if (!path && bdev_name(kdev, ino, bdev, sizeof(bdev), &ob.size)) {
		path = bdev;
		src = PGT_NAME_SYNTH;
		o->sized = ob.size != PGT_SIZE_UNKNOWN;
		o->size = ob.size;
		o->stat_ts = UINT64_MAX;	/* sysfs said; no path to stat */
	}
	ob.path = path ? path : "";
	ob.name_src = path ? (uint16_t)src : PGT_NAME_NONE;
	o->named = path != NULL;
	*id = o->id;
	if (path && src != PGT_NAME_SYNTH) {
		/* the object must be in the table for obj_stat's fallback */
		o->stat_ts = now_ns();
		if (obj_stat(r, o, &o->size)) {
			o->sized = 1;
			ob.size = o->size;
		}
	}
	return pgt_meta__add_object(r->meta, &ob);
}

/*
 * A lookup covers the pages the read asked for (the kernel's range comes
 * from the request: 32 pages for a read of 128 KiB of a 1-byte file); cut
 * it to the pages that exist.  Return 1 to keep it (perhaps shortened),
 * 0 to drop it (no page of it exists), or a negative error.
 */
static int clamp_lookup(struct rec *r, struct objent *o, struct pgt_event *ev)
{
	uint64_t end = ev->index + ev->npages, ps = r->hdr.page_size, have;
	const struct pgt_object *cur;
	int err;

	if (end <= o->seen_pages)
		return 1;
	if ((!o->sized || end > (o->size + ps - 1) / ps) && (err = obj_restat(r, o, ev->ts)))
		return err;
	if (o->sized) {
		have = (o->size + ps - 1) / ps;
	} else if (o->seen_pages && (cur = pgt_meta__object(r->meta, o->id)) && cur->unlink_ts) {
		have = 0;	/* deleted, never stat'ed: its inserted pages bound it */
	} else {
		r->st->lookups_unsized++;
		return 1;
	}
	if (have < o->seen_pages)
		have = o->seen_pages;
	if (ev->index >= have) {
		r->st->lookups_dropped++;
		return 0;
	}
	if (end > have) {
		r->st->lookups_clamped++;
		ev->npages = (uint32_t)(have - ev->index);
	}
	return 1;
}

/* The address space of process @tgid: one object from its exec (or first
 * fault) to its next exec or its exit; threads share it. */
static int mm_of(struct rec *r, uint32_t tgid, uint64_t ts, uint32_t *id)
{
	struct objent *o = obj_slot(r, MM_KDEV, tgid);
	const struct pgt_process *p;
	struct pgt_object ob = { 0 };
	char path[64];

	if (!o)
		return -ENOMEM;
	if (o->id && !o->stale) {
		*id = o->id;
		return 0;
	}
	if (!o->id)
		r->obj_used++;
	o->kdev = MM_KDEV;
	o->ino = tgid;
	o->stale = 0;
	o->named = 1;
	o->id = r->next_obj++;
	o->chunk = r->ring_seq;
	p = pgt_meta__process(r->meta, tgid);
	snprintf(path, sizeof(path), "[mm %u %s]", tgid, p && p->comm ? p->comm : "");
	ob.id = o->id;
	ob.kind = PGT_OBJ_MM;
	ob.op = PGT_OBJ_DEFINE;
	ob.ts = ts;
	ob.ino = tgid;
	ob.size = PGT_SIZE_UNKNOWN;
	ob.path = path;
	ob.name_src = PGT_NAME_SYNTH;
	*id = o->id;
	return pgt_meta__add_object(r->meta, &ob);
}

/* Process @tgid's address space ended: its next fault starts a new one. */
static int mm_end(struct rec *r, uint32_t tgid)
{
	struct objent *o = obj_slot(r, MM_KDEV, tgid);

	if (!o)
		return -ENOMEM;
	if (o->id && o->kdev == MM_KDEV && o->ino == tgid)
		o->stale = 1;
	return 0;
}

static struct procent *proc_slot(struct rec *r, uint32_t tid)
{
	size_t mask, h;

	if ((r->proc_used + 1) * 2 > r->proc_cap) {
		size_t ncap = r->proc_cap ? r->proc_cap * 2 : 1024;
		struct procent *n = calloc(ncap, sizeof(*n));

		if (!n)
			return NULL;
		for (size_t i = 0; i < r->proc_cap; i++) {
			if (!r->procs[i].tid)
				continue;
			for (h = (r->procs[i].tid * 2654435761u) & (ncap - 1); n[h].tid; h = (h + 1) & (ncap - 1))
				;
			n[h] = r->procs[i];
		}
		free(r->procs);
		r->procs = n;
		r->proc_cap = ncap;
	}
	mask = r->proc_cap - 1;
	for (h = (tid * 2654435761u) & mask;; h = (h + 1) & mask)
		if (!r->procs[h].tid || r->procs[h].tid == tid)
			return &r->procs[h];
}

/* Does process @p, as names read it from /proc, belong to the -u / -G
 * targets?  Its cgroup is relative to the cgroup2 root, like o->cgroup,
 * and is in the target when it is that cgroup or one below it. */
static int passes_filters(struct rec *r, const struct pgt_process *p)
{
	if (r->o->have_uid && p->uid != r->o->uid)
		return 0;
	if (r->o->cgroup) {
		const char *want = r->o->cgroup;
		size_t wl = strcmp(want, "/") ? strlen(want) : 0;

		return p->cgroup[0] == '/' && !strncmp(p->cgroup, want, wl) &&
		       (p->cgroup[wl] == 0 || p->cgroup[wl] == '/');
	}
	return 1;
}

/* Resolve a tid: its process, recorded once; 0 when filtered out. */
static int proc_of(struct rec *r, uint32_t tid, uint64_t ts, uint32_t *tgid)
{
	struct procent *pe;
	struct pgt_process p;
	int err;

	if (!tid) {
		*tgid = 0;
		return 1;	/* the kernel itself: idle or kernel threads */
	}
	pe = proc_slot(r, tid);
	if (!pe)
		return -ENOMEM;
	if (pe->tid) {
		*tgid = pe->tgid;
		return pe->state == 1;
	}
	pe->tid = tid;
	r->proc_used++;
	pe->tgid = tid;
	pe->state = 1;
	err = r->names ? pgt_names__proc(r->names, (pid_t)tid, ts, &p) : -ESRCH;
	if (!err) {
		pe->tgid = p.tgid ? p.tgid : tid;
		if (!passes_filters(r, &p))
			pe->state = 2;
		if (pe->tgid == tid && pe->state == 1 && !pgt_meta__process(r->meta, tid)) {
			if (pgt_meta__add_process(r->meta, &p))
				return -ENOMEM;
		}
	} else if (r->o->have_uid || r->o->cgroup) {
		pe->state = 2;	/* gone before we could tell: not ours */
	}
	if (pe->tgid == (uint32_t)getpid())
		pe->state = 2;	/* our own reads and writes */
	*tgid = pe->tgid;
	return pe->state == 1;
}

/* The cgroup of the process of thread @tid as the trace knows it, or "":
 * a child gone before its /proc was read was forked into it. */
static const char *parent_cgroup(struct rec *r, uint32_t tid)
{
	struct procent *pe = proc_slot(r, tid);
	const struct pgt_process *p = pgt_meta__process(r->meta, pe && pe->tid ? pe->tgid : tid);

	return p ? p->cgroup : "";
}

static int handle_proc_event(struct rec *r, struct rev *e)
{
	struct pgt_process p = { .ts = e->ev.ts };
	struct pgt_process q;
	int err = 0;

	if (!e->verdict && r->judge && e->kind == K_FORK) {
		/* gone before it could be judged: a child keeps its
		 * parent's user and cgroup until it changes them */
		struct procent *parent = proc_slot(r, e->a);

		if (!parent)
			return -ENOMEM;
		if (parent->tid && parent->state) {
			e->verdict = (uint8_t)parent->state;
			e->tgid = e->b;
		}
	}
	if (e->verdict) {
		/* the verdict of the moment: an exec may change the user */
		uint32_t pid = e->kind == K_FORK ? e->b : e->a;
		struct procent *pe = proc_slot(r, pid);

		if (!pe)
			return -ENOMEM;
		if (!pe->tid)
			r->proc_used++;
		pe->tid = pid;
		pe->tgid = e->tgid;
		pe->state = e->verdict;
	}

	switch (e->kind) {
	case K_FORK:
		/* the child: tid known from the event; tgid unknown yet */
		p.pid = p.tgid = e->b;
		p.ppid = e->a;
		p.op = PGT_PROC_FORK;
		p.comm = e->str ? e->str : "";
		p.cgroup = parent_cgroup(r, e->a);
		if (r->names && pgt_names__proc(r->names, (pid_t)e->b, e->ev.ts, &q) == 0) {
			if (q.tgid != e->b)
				break;	/* a new thread, not a process */
			q.op = PGT_PROC_FORK;
			q.ts = e->ev.ts;
			err = pgt_meta__add_process(r->meta, &q);
		} else {
			err = pgt_meta__add_process(r->meta, &p);
		}
		break;
	case K_EXEC:
		if (r->cmd_pid > 0 && e->a == (uint32_t)r->cmd_pid)
			r->child_execed = 1;
		if ((err = mm_end(r, e->a)))
			break;
		p.pid = p.tgid = e->a;
		p.op = PGT_PROC_EXEC;
		p.exe = e->str ? e->str : "";
		if (r->names && pgt_names__proc(r->names, (pid_t)e->a, e->ev.ts, &q) == 0) {
			q.op = PGT_PROC_EXEC;
			q.ts = e->ev.ts;
			if (e->str)
				q.exe = e->str;
			err = pgt_meta__add_process(r->meta, &q);
		} else {
			/* gone already: the kernel's comm is the file's base name */
			const char *base = e->str ? strrchr(e->str, '/') : NULL;
			char comm[16];

			snprintf(comm, sizeof(comm), "%s", base ? base + 1 : e->str ? e->str : "");
			p.comm = comm;
			err = pgt_meta__add_process(r->meta, &p);
		}
		break;
	case K_EXIT: {
		struct procent *pe = r->keep ? proc_slot(r, e->a) : NULL;

		if (pe && pe->tid == e->a)
			pe->dead = 1;
		if (!e->b)
			break;	/* a thread ended, not the process */
		if ((err = mm_end(r, e->a)))
			break;
		p.pid = p.tgid = e->a;
		p.op = PGT_PROC_EXIT;
		if (pgt_meta__process(r->meta, e->a))
			err = pgt_meta__add_process(r->meta, &p);
		break;
	}
	}
	free(e->str);
	e->str = NULL;
	return err;
}

/* A task was created by thread ev.tid: a thread (CLONE_THREAD) is of its
 * creator's process from now on, whatever /proc says later. */
static int handle_newtask(struct rec *r, struct rev *e)
{
	struct procent *pe;
	uint32_t tgid;
	int pass;

	if (!(e->ev.aux & 0x00010000ull) || !e->ev.tid)	/* CLONE_THREAD */
		return 0;
	pass = proc_of(r, e->ev.tid, e->ev.ts, &tgid);
	if (pass < 0)
		return pass;
	pe = proc_slot(r, e->a);
	if (!pe)
		return -ENOMEM;
	if (!pe->tid)
		r->proc_used++;
	pe->tid = e->a;
	pe->tgid = tgid;
	pe->state = pass ? 1 : 2;
	return 0;
}

/* ---- output: one trace, or a ring of chunk files ---- */

/*
 * --keep works in OUT.chunks/ and OUT.partial next to OUT.  A recorder
 * running as root must not be led elsewhere by names planted there: the
 * directory is made fresh (an existing one is refused), every file is
 * created with O_EXCL | O_NOFOLLOW, and everything is done relative to
 * descriptors of OUT's directory and of OUT.chunks, so that a path
 * swapped while recording cannot redirect a write or an unlink.
 */

/* Say which working file an error concerns: OUT.chunks/NAME, OUT.partial. */
static void set_path(struct rec *r, const char *suffix, const char *name, int exists)
{
	snprintf(r->st->path, sizeof(r->st->path), "%s%s%s%s", r->o->output, suffix, name ? "/" : "",
		 name ? name : "");
	r->st->path_exists = exists;
}

static int out_open_dir(struct rec *r)
{
	const char *out = r->o->output, *slash = strrchr(out, '/');
	char *dir = slash ? strndup(out, slash == out ? 1 : (size_t)(slash - out)) : strdup(".");

	r->out_base = strdup(slash ? slash + 1 : out);
	if (!dir || !r->out_base) {
		free(dir);
		return -ENOMEM;
	}
	r->out_dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	return r->out_dirfd < 0 ? -errno : 0;
}

static int ring_open_dir(struct rec *r)
{
	char name[4200];
	struct stat sb;
	int err;

	if ((err = out_open_dir(r)))
		return err;
	snprintf(name, sizeof(name), "%s.partial", r->out_base);
	if (fstatat(r->out_dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		set_path(r, ".partial", NULL, 1);
		return -EEXIST;
	}
	snprintf(name, sizeof(name), "%s.chunks", r->out_base);
	if (mkdirat(r->out_dirfd, name, 0700) < 0) {
		err = -errno;
		set_path(r, ".chunks", NULL, err == -EEXIST);
		return err;
	}
	r->ring_dirfd = openat(r->out_dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r->ring_dirfd < 0 || fstat(r->ring_dirfd, &sb) < 0 || sb.st_uid != geteuid()) {
		/* replaced between mkdir and open: not ours */
		err = r->ring_dirfd < 0 ? -errno : -EEXIST;
		set_path(r, ".chunks", NULL, 1);
		return err;
	}
	r->ring_made = 1;
	return 0;
}

static int open_writer(struct rec *r, int fd, const char *path, int force)
{
	struct pgt_writer_opts wo = { .sz = sizeof(wo), .force = force, .zlevel = r->o->zlevel,
				      .header = &r->hdr };
	int err = 0;

	r->w = fd >= 0 ? pgt_writer__fdopen(fd, &wo, &err) : pgt_writer__open(path, &wo, &err);
	if (!r->w)
		return err;
	/* a new chunk starts with the processes alive and the rest known so
	 * far, except loss and level records, which belong to the chunk they
	 * happened in, and objects: each is defined again in a chunk at its
	 * first event there (keep_define), so that a chunk holds the files
	 * it uses, not every file still known */
	err = pgt_writer__copy_meta_types(r->w, r->meta, r->keep ? PGT_META_PROCESSES | PGT_META_INFO |
					  PGT_META_FORMATS : PGT_META_ALL);
	if (!err && r->keep) {
		const struct pgt_object *phys = pgt_meta__object(r->meta, OBJ_PHYS);

		if (phys)
			err = pgt_writer__add_object(r->w, phys);
	}
	return err;
}

static int keep_forget(struct rec *r);

static int ring_new_chunk(struct rec *r)
{
	char name[64];
	struct chunk *c;
	int err, fd;

	/* each chunk starts with the processes and objects still alive:
	 * those gone are in the chunks that saw them */
	if (r->nchunks && (err = keep_forget(r)))
		return err;
	snprintf(name, sizeof(name), "chunk-%06llu.pgt", (unsigned long long)r->ring_seq++);
	c = realloc(r->chunks, (r->nchunks + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	r->chunks = c;
	c = &r->chunks[r->nchunks];
	memset(c, 0, sizeof(*c));
	c->path = strdup(name);
	if (!c->path)
		return -ENOMEM;
	r->nchunks++;
	fd = openat(r->ring_dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		set_path(r, ".chunks", name, err == -EEXIST);
		return err;
	}
	err = open_writer(r, fd, NULL, 0);
	c->first_ts = now_ns();	/* when the chunk began, events or not */
	if (!err)	/* each chunk says its level (level records stay in theirs) */
		err = pgt_writer__add_level(r->w, c->first_ts, (uint32_t)r->level);
	if (err)
		set_path(r, ".chunks", name, 0);
	return err;
}

static void ring_drop(struct rec *r, struct chunk *c)
{
	unlinkat(r->ring_dirfd, c->path, 0);
}

static void ring_trim(struct rec *r)
{
	uint64_t total = 0;

	for (size_t i = 0; i + 1 < r->nchunks; i++)
		total += r->chunks[i].bytes;
	/* keep at least the asked amount in closed chunks plus the open one */
	while (r->nchunks > 1) {
		struct chunk *c = &r->chunks[0];
		int drop;

		if (r->o->keep_bytes)
			drop = total - c->bytes >= r->o->keep_bytes;
		else
			/* after the stop, the window ends at the stop: the
			 * final drain and the naming walk take their time */
			drop = r->chunks[1].first_ts + r->o->keep_ns <= (r->stop_ns ? r->stop_ns : now_ns());
		if (!drop)
			break;
		ring_drop(r, c);
		free(c->path);
		total -= c->bytes;
		memmove(r->chunks, r->chunks + 1, (r->nchunks - 1) * sizeof(*c));
		r->nchunks--;
	}
}

static int ring_close_current(struct rec *r)
{
	struct chunk *c = &r->chunks[r->nchunks - 1];
	struct stat sb;
	int err;

	/* what happened since the last events (exits, loss) stays with them */
	err = pgt_writer__copy_meta(r->w, r->meta);
	c->bytes = pgt_writer__bytes(r->w);
	if (!err)
		err = pgt_writer__close(r->w);
	else
		pgt_writer__abort(r->w);
	r->w = NULL;
	if (err)
		set_path(r, ".chunks", c->path, 0);
	c->bytes = c->bytes ? c->bytes : 1;
	if (fstatat(r->ring_dirfd, c->path, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		c->bytes = (uint64_t)sb.st_size;
	return err;
}

/* Join the kept chunks into the output (through OUT.partial, made new). */
static int ring_assemble(struct rec *r)
{
	struct pgt_writer_opts wo = { .sz = sizeof(wo), .zlevel = r->o->zlevel, .header = &r->hdr };
	struct pgt_writer *w;
	char tmp[4200];
	int err = 0, fd;

	/* the window ends where recording stopped (or now, while it runs) */
	uint64_t since = r->stop_ns ? r->stop_ns : now_ns();

	snprintf(tmp, sizeof(tmp), "%s.partial", r->out_base);
	fd = openat(r->out_dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		set_path(r, ".partial", NULL, err == -EEXIST);
		return err;
	}
	w = pgt_writer__fdopen(fd, &wo, &err);
	if (!w) {
		unlinkat(r->out_dirfd, tmp, 0);
		set_path(r, ".partial", NULL, 0);
		r->st->path_removed = 1;
		return err;
	}
	r->st->kept_events = 0;
	for (size_t i = 0; i < r->nchunks && !err; i++) {
		int cfd = openat(r->ring_dirfd, r->chunks[i].path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		struct pgt_reader *rd = cfd >= 0 ? pgt_reader__fdopen(cfd, NULL, &err) : NULL;
		struct pgt_source *src;
		const struct pgt_event *evs;
		ssize_t n;

		if (cfd < 0)
			err = -errno;
		if (!rd) {
			set_path(r, ".chunks", r->chunks[i].path, 0);
			break;
		}
		src = pgt_reader__source(rd);
		while ((n = pgt_source__batch(src, &evs)) > 0 && !err) {
			ssize_t skip = 0;

			/* duration mode: exactly the last keep_ns of events */
			while (r->o->keep_ns && skip < n && evs[skip].ts + r->o->keep_ns < since)
				skip++;
			err = pgt_writer__copy_meta(w, pgt_reader__meta(rd));
			if (!err && n > skip)
				err = pgt_writer__write(w, evs + skip, (size_t)(n - skip));
			r->st->kept_events += (uint64_t)(n - skip);
		}
		if (!err && n < 0)
			err = (int)n;
		if (!err)
			err = pgt_writer__copy_meta(w, pgt_reader__meta(rd));
		pgt_reader__free(rd);
	}
	if (err) {
		pgt_writer__abort(w);
		unlinkat(r->out_dirfd, tmp, 0);
		if (!r->st->path[0]) {
			set_path(r, ".partial", NULL, 0);
			r->st->path_removed = 1;
		}
		return err;
	}
	err = pgt_writer__close(w);
	if (!err && renameat(r->out_dirfd, tmp, r->out_dirfd, r->out_base) < 0)
		err = -errno;
	if (err) {
		unlinkat(r->out_dirfd, tmp, 0);
		set_path(r, ".partial", NULL, 0);
		r->st->path_removed = 1;
	}
	return err;
}

/*
 * --keep must be bounded in time as well as in bytes: at each new chunk
 * the recorder forgets the processes that exited and the address spaces
 * that ended (what it knew of them is in the chunks that saw them), and
 * the new chunk starts from the side tables of what is still alive.
 * Without this, every chunk repeated every process ever seen and the
 * recorder grew by each one.
 */
static int keep_compact(struct rec *r)
{
	size_t live = 0, cap = 1024, h;
	struct procent *np;
	struct objent *no;

	for (size_t i = 0; i < r->proc_cap; i++)
		live += r->procs[i].tid && !r->procs[i].dead;
	while ((live + 1) * 2 > cap)
		cap *= 2;
	np = calloc(cap, sizeof(*np));
	if (!np)
		return -ENOMEM;
	for (size_t i = 0; i < r->proc_cap; i++) {
		if (!r->procs[i].tid || r->procs[i].dead)
			continue;
		for (h = (r->procs[i].tid * 2654435761u) & (cap - 1); np[h].tid; h = (h + 1) & (cap - 1))
			;
		np[h] = r->procs[i];
	}
	free(r->procs);
	r->procs = np;
	r->proc_cap = cap;
	r->proc_used = live;

	live = 0;
	cap = 1024;
	for (size_t i = 0; i < r->obj_cap; i++)
		live += r->objs[i].id && !(r->objs[i].kdev == MM_KDEV && r->objs[i].stale) && !r->objs[i].forget;
	while ((live + 1) * 2 > cap)
		cap *= 2;
	no = calloc(cap, sizeof(*no));
	if (!no)
		return -ENOMEM;
	for (size_t i = 0; i < r->obj_cap; i++) {
		struct objent *o = &r->objs[i];

		if (!o->id || (o->kdev == MM_KDEV && o->stale) || o->forget)
			continue;
		for (h = (o->ino * 0x9E3779B97F4A7C15ull ^ o->kdev) & (cap - 1); no[h].id; h = (h + 1) & (cap - 1))
			;
		no[h] = *o;
	}
	free(r->objs);
	r->objs = no;
	r->obj_cap = cap;
	r->obj_used = live;
	return 0;
}

static int keep_forget(struct rec *r)
{
	struct pgt_meta *m = pgt_meta__new(), *old = r->meta;
	/* the chunk just closed began then: a deleted file with no event
	 * since is done with (one with an event later is defined anew, its
	 * last path still known to the name table) */
	uint64_t since = r->chunks[r->nchunks - 1].first_ts;
	int err = 0;

	if (!m)
		return -ENOMEM;
	for (uint32_t i = 0; i < pgt_meta__nr_info(old) && !err; i++) {
		const char *k, *v;

		if (!pgt_meta__info_at(old, i, &k, &v))
			err = pgt_meta__add_info(m, k, v);
	}
	for (size_t i = 0; i < NDESC && !err; i++)
		if (descs[i].present && descs[i].format) {
			char rel[256];

			snprintf(rel, sizeof(rel), "%s/%s", descs[i].sys, descs[i].name);
			err = pgt_meta__add_format(m, rel, descs[i].format);
		}
	for (uint32_t i = 0; i < pgt_meta__nr_objects(old) && !err; i++) {
		const struct pgt_object *ob = pgt_meta__object_at(old, i);
		struct pgt_object c;

		if (!ob)
			continue;
		if (ob->kind == PGT_OBJ_MM) {
			struct objent *o = obj_slot(r, MM_KDEV, ob->ino);

			if (!o)
				err = -ENOMEM;
			if (!o || o->id != ob->id || o->stale)
				continue;	/* that address space ended */
		} else if (ob->kind == PGT_OBJ_FILE && ob->unlink_ts && ob->unlink_ts < since) {
			uint32_t kdev = (uint32_t)(major(ob->dev) << 20 | minor(ob->dev));
			struct objent *o = obj_slot(r, kdev, ob->ino);

			if (!o) {
				err = -ENOMEM;
				continue;
			}
			if (o->id != ob->id) {	/* its inode is another file's now */
				r->st->objects_forgotten++;
				continue;
			}
			if (o->last_ts < since) {
				o->forget = 1;
				r->st->objects_forgotten++;
				continue;
			}
		}
		c = *ob;
		c.op = PGT_OBJ_DEFINE;
		c.unlink_ts = 0;
		err = pgt_meta__add_object(m, &c);
		if (!err && ob->unlink_ts) {
			c.op = PGT_OBJ_UNLINK;
			c.ts = ob->unlink_ts;
			err = pgt_meta__add_object(m, &c);
		}
	}
	for (uint32_t i = 0; i < pgt_meta__nr_processes(old) && !err; i++) {
		const struct pgt_process *p = pgt_meta__process_at(old, i);

		if (p && p->op != PGT_PROC_EXIT)
			err = pgt_meta__add_process(m, p);
	}
	if (!err)
		err = keep_compact(r);
	if (err) {
		pgt_meta__free(m);
		return err;
	}
	r->meta = m;
	pgt_meta__free(old);
	return 0;
}

static int emit(struct rec *r)
{
	int err;

	if (!r->nout)
		return 0;
	err = pgt_writer__copy_meta(r->w, r->meta);
	if (!err)
		err = pgt_writer__write(r->w, r->out, r->nout);
	if (err && r->keep && !r->st->path[0])
		set_path(r, ".chunks", r->chunks[r->nchunks - 1].path, 0);
	if (!err && r->keep) {
		uint64_t bytes = pgt_writer__bytes(r->w);

		r->chunks[r->nchunks - 1].last_ts = r->last_ts;
		if ((r->o->keep_bytes && bytes >= r->o->keep_bytes / 4) ||
		    (r->o->keep_ns && now_ns() - r->chunks[r->nchunks - 1].first_ts >= r->o->keep_ns / 4)) {
			err = ring_close_current(r);
			if (!err) {
				ring_trim(r);
				err = ring_new_chunk(r);
			}
		}
	}
	r->st->events += r->nout;
	r->nout = 0;
	return err;
}

static int out_push(struct rec *r, const struct pgt_event *ev)
{
	if (r->nout == r->cap_out) {
		size_t ncap = r->cap_out ? r->cap_out * 2 : 65536;
		struct pgt_event *n = realloc(r->out, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->out = n;
		r->cap_out = ncap;
	}
	r->out[r->nout++] = *ev;
	if (ev->ts > r->last_ts)
		r->last_ts = ev->ts;
	return 0;
}

/* ---- the merge ---- */

/* --keep: object @o's first event in this chunk: its definition (and
 * deletion) go in before the event, as the chunks that had them may be
 * dropped. */
static int keep_define(struct rec *r, struct objent *o)
{
	const struct pgt_object *cur = pgt_meta__object(r->meta, o->id);
	struct pgt_object c;
	int err;

	o->chunk = r->ring_seq;
	if (!cur)
		return 0;
	c = *cur;
	c.op = PGT_OBJ_DEFINE;
	c.unlink_ts = 0;
	err = pgt_writer__add_object(r->w, &c);
	if (!err && cur->unlink_ts) {
		c.op = PGT_OBJ_UNLINK;
		c.ts = cur->unlink_ts;
		err = pgt_writer__add_object(r->w, &c);
	}
	return err;
}

static int handle(struct rec *r, struct rev *e)
{
	struct objent *def = NULL;	/* the event's object */
	uint32_t tgid = 0;
	int pass, err;

	if (e->kind == K_FORK || e->kind == K_EXEC || e->kind == K_EXIT)
		return handle_proc_event(r, e);
	if (e->kind == K_NEWTASK)
		return handle_newtask(r, e);
	if (e->kind == K_DAMON) {	/* physical samples: no process to judge */
		e->ev.pid = e->ev.tid;
		e->ev.obj = OBJ_PHYS;
		return out_push(r, &e->ev);
	}
	/* the launched command is our fork until its exec: those events
	 * are pgtrace's own binary and libraries */
	if (r->cmd_pid > 0 && !r->child_execed && e->ev.tid == (uint32_t)r->cmd_pid) {
		r->st->filtered++;
		return 0;
	}
	pass = proc_of(r, e->ev.tid, e->ev.ts, &tgid);
	if (pass < 0)
		return pass;
	if (!pass) {
		r->st->filtered++;
		return 0;
	}
	e->ev.pid = tgid;
	switch (e->kind) {
	case K_FILE: {
		struct objent *o;
		uint64_t end = e->ev.index + e->ev.npages;

		err = obj_of(r, e->kdev, e->ino, &e->ev.obj, &o);
		if (err)
			return err;
		def = o;
		if (e->ev.ts > o->last_ts)
			o->last_ts = e->ev.ts;
		if (e->ev.type == PGT_EV_LOOKUP) {
			struct procent *pe;

			err = clamp_lookup(r, o, &e->ev);
			if (err <= 0)
				return err;
			pe = proc_slot(r, e->ev.tid);
			if (!pe)
				return -ENOMEM;
			end = e->ev.index + e->ev.npages;
			if (pe->lk_obj == e->ev.obj && end == pe->lk_end && e->ev.index > pe->lk_index &&
			    e->ev.index < end) {
				/* the rest of the same read: its pages are counted */
				r->st->lookups_continued++;
				return 0;
			}
			pe->lk_obj = e->ev.obj;
			pe->lk_index = e->ev.index;
			pe->lk_end = end;
		} else if (e->ev.type != PGT_EV_DELETE && end > o->seen_pages) {
			o->seen_pages = end;	/* inserted, faulted or mapped: it exists */
		}
		break;
	}
	case K_UFAULT:
		err = mm_of(r, tgid, e->ev.ts, &e->ev.obj);
		if (err)
			return err;
		def = obj_slot(r, MM_KDEV, tgid);
		break;
	case K_PHYS:
	case K_DAMON:
		e->ev.obj = OBJ_PHYS;
		break;
	default:
		e->ev.obj = 0;
		break;
	}
	if (r->keep && def && def->id == e->ev.obj && def->chunk != r->ring_seq && (err = keep_define(r, def)))
		return err;
	return out_push(r, &e->ev);
}

/* Take what the readers decoded and handle every event older than the
 * smallest watermark, in time order. */
static int merge(struct rec *r)
{
	uint64_t wm = UINT64_MAX;
	int err = 0;

	for (int c = 0; c < r->ncpus; c++) {
		struct reader *k = &r->rd[c];
		uint64_t w;

		pthread_mutex_lock(&k->lock);
		w = atomic_load(&k->watermark);
		/* move q into mine (compacting what the merge used) */
		if (k->mine.head) {
			memmove(k->mine.v, k->mine.v + k->mine.head, (k->mine.n - k->mine.head) * sizeof(struct rev));
			k->mine.n -= k->mine.head;
			k->mine.head = 0;
		}
		if (k->mine.n == 0) {
			struct revvec t = k->mine;	/* the usual case: swap */

			k->mine = k->q;
			k->q = t;
		} else {
			for (size_t i = 0; i < k->q.n && !err; i++)
				err = vec_push(&k->mine, &k->q.v[i]);
		}
		k->q.n = 0;
		if (k->err)
			err = k->err;
		pthread_mutex_unlock(&k->lock);
		if (w < wm)
			wm = w;
	}
	while (!err) {
		struct reader *best = NULL;

		for (int c = 0; c < r->ncpus; c++) {
			struct reader *k = &r->rd[c];

			if (k->mine.head < k->mine.n &&
			    (!best || k->mine.v[k->mine.head].ev.ts < best->mine.v[best->mine.head].ev.ts))
				best = k;
		}
		if (!best || best->mine.v[best->mine.head].ev.ts >= wm)
			break;
		err = handle(r, &best->mine.v[best->mine.head++]);
	}
	for (int c = 0; c < r->ncpus; c++)
		atomic_store(&r->rd[c].mine_left, r->rd[c].mine.n - r->rd[c].mine.head);
	return err;
}

/* ---- loss ---- */

static uint64_t stat_field(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

static int poll_loss(struct rec *r)
{
	for (int c = 0; c < r->ncpus; c++) {
		char rel[64], *text;
		uint64_t lost;

		snprintf(rel, sizeof(rel), "per_cpu/cpu%d/stats", c);
		text = tracefs_instance_file_read(r->inst, rel, NULL);
		if (!text)
			continue;
		lost = stat_field(text, "overrun: ") + stat_field(text, "dropped events: ");
		free(text);
		/* both count overwritten events; the larger is the truth so far */
		if (atomic_load(&r->rd[c].missed) > lost)
			lost = atomic_load(&r->rd[c].missed);
		if (lost > r->rd[c].lost_seen) {
			int err = pgt_meta__add_lost(r->meta, now_ns(), (uint32_t)c, lost - r->rd[c].lost_seen);

			if (err)
				return err;
			r->st->lost += lost - r->rd[c].lost_seen;
			r->rd[c].lost_seen = lost;
		}
	}
	return 0;
}

/* ---- names ---- */

static int name_cb(const struct pgt_name_event *ne, void *ctx)
{
	struct rec *r = ctx;
	uint32_t kdev = (uint32_t)(major(ne->dev) << 20 | minor(ne->dev));
	struct objent *o = obj_slot(r, kdev, ne->ino);
	struct pgt_object ob = { 0 };

	if (!o)
		return -ENOMEM;
	if (!o->id)
		return 0;	/* not seen in the trace (yet): the table keeps the name */
	if (o->named && ne->op == PGT_OBJ_DEFINE) {
		/* the same name again, or a name for a reused inode number:
		 * only a different path is news */
		const struct pgt_object *cur = pgt_meta__object(r->meta, o->id);

		if (cur && cur->path && !strcmp(cur->path, ne->path))
			return 0;
	}
	ob.id = o->id;
	ob.kind = PGT_OBJ_FILE;
	ob.op = ne->op == PGT_OBJ_UNLINK ? PGT_OBJ_UNLINK : PGT_OBJ_RENAME;
	ob.name_src = (uint16_t)ne->src;
	ob.ts = ne->ts;
	ob.dev = ne->dev;
	ob.ino = ne->ino;
	ob.path = ne->path;
	o->named = 1;
	return pgt_meta__add_object(r->meta, &ob);
}

static int proc_cb(const struct pgt_process *p, void *ctx)
{
	struct rec *r = ctx;

	return pgt_meta__add_process(r->meta, p);
}

/* Name what is still unnamed by walking its filesystems. */
static void final_walk(struct rec *r)
{
	uint64_t (*keys)[2] = NULL;
	size_t n = 0;

	if (!r->names)
		return;
	keys = calloc(r->obj_used ? r->obj_used : 1, sizeof(*keys));
	if (!keys)
		return;
	for (size_t i = 0; i < r->obj_cap; i++) {
		struct objent *o = &r->objs[i];

		if (o->id && !o->named) {
			/* a late lookup first: fanotify may have named it */
			int src;
			const char *path = pgt_names__lookup(r->names, user_dev(o->kdev), o->ino, &src);

			if (path) {
				struct pgt_name_event ne = { now_ns(), user_dev(o->kdev), o->ino, PGT_OBJ_DEFINE,
							     src, path };

				o->named = 0;
				ne.op = PGT_OBJ_RENAME;
				name_cb(&ne, r);
				continue;
			}
			keys[n][0] = user_dev(o->kdev);
			keys[n][1] = o->ino;
			n++;
		}
	}
	if (n)
		pgt_names__walk(r->names, (const uint64_t (*)[2])keys, n, 5000000000ull, name_cb, r);
	free(keys);
}

static void count_names(struct rec *r)
{
	for (uint32_t i = 0; i < pgt_meta__nr_objects(r->meta); i++) {
		const struct pgt_object *o = pgt_meta__object_at(r->meta, i);

		if (!o || o->kind != PGT_OBJ_FILE)
			continue;
		r->st->objects++;
		switch (o->name_src) {
		case PGT_NAME_PROC: r->st->named_proc++; break;
		case PGT_NAME_FANOTIFY: r->st->named_fanotify++; break;
		case PGT_NAME_WALK: r->st->named_walk++; break;
		default:
			if (!o->path || !*o->path)
				r->st->unnamed++;
		}
	}
	r->st->processes = pgt_meta__nr_processes(r->meta);
}

/* ---- launching the command ---- */

static int launch(struct rec *r, int *go_fd, int *err_fd)
{
	int go[2], er[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(er, O_CLOEXEC) < 0) {
		close(go[0]);
		close(go[1]);
		return -errno;
	}
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char c;
		int e;

		close(go[1]);
		close(er[0]);
		/* wait until tracing is on */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		/* the command gets the signal dispositions of a shell */
		for (int sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				signal(sig, SIG_DFL);
		{
			sigset_t none;

			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
		}
		/* with -o -, our standard output is the trace */
		if (!strcmp(r->o->output, "-") && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(127);
		execvp(r->o->argv[0], r->o->argv);
		e = errno;
		if (write(er[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(er[1]);
	r->child = pid;
	*go_fd = go[1];
	*err_fd = er[0];
	return 0;
}

/* ---- the whole run ---- */

static void fill_host(struct rec *r)
{
	char buf[256];
	size_t at = 0;

	pgt_header__init_host(&r->hdr);
	r->hdr.clock = PGT_CLOCK_MONOTONIC;
	r->hdr.start_ts = now_ns();
	r->hdr.features |= PGT_FEAT_FILE_SIZES;	/* lookups cut to their file's end */
	pgt_meta__add_info(r->meta, "recorder", "pgtrace record " PGT_VERSION_STRING);
	snprintf(buf, sizeof(buf), "%d", r->o->level);
	pgt_meta__add_info(r->meta, "record.level", buf);
	snprintf(buf, sizeof(buf), "%u", r->o->buffer_kb ? r->o->buffer_kb : PGT_RECORD_DEFAULT_KB);
	pgt_meta__add_info(r->meta, "record.buffer_kb", buf);
	if (r->o->argv) {
		for (int i = 0; r->o->argv[i] && at < sizeof(buf) - 1; i++)
			at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%s", i ? " " : "", r->o->argv[i]);
		pgt_meta__add_info(r->meta, "record.command", buf);
	}
	if (r->o->npids) {
		at = 0;
		for (size_t i = 0; i < r->o->npids && at < sizeof(buf) - 1; i++)
			at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%d", i ? "," : "", (int)r->o->pids[i]);
		pgt_meta__add_info(r->meta, "record.pids", buf);
	}
	if (r->o->have_uid) {
		snprintf(buf, sizeof(buf), "%u", (unsigned)r->o->uid);
		pgt_meta__add_info(r->meta, "record.uid", buf);
	}
	if (r->o->cgroup)
		pgt_meta__add_info(r->meta, "record.cgroup", r->o->cgroup);
	if (r->o->keep_bytes || r->o->keep_ns) {
		snprintf(buf, sizeof(buf), "%llu%s", (unsigned long long)(r->o->keep_bytes ? r->o->keep_bytes : r->o->keep_ns),
			 r->o->keep_bytes ? " bytes" : " ns");
		pgt_meta__add_info(r->meta, "record.keep", buf);
	}
}

int pgt_record(const struct pgt_record_opts *o, struct pgt_record_stats *st)
{
	struct rec r = { .o = o, .st = st, .next_obj = OBJ_PHYS + 1, .keep = o->keep_bytes || o->keep_ns,
			 .child_pidfd = -1, .lock_fd = -1, .lock_dir = -1, .out_dirfd = -1, .ring_dirfd = -1 };
	int go_fd = -1, err_fd = -1, err = 0, started = 0, launch_failed = 0;
	uint64_t deadline, last_flush, last_check, child_t0 = 0;
	struct rusage ru0, ru1;

	memset(st, 0, sizeof(*st));
	atomic_store(&g_stop, 0);
	atomic_store(&g_dump, 0);
	atomic_store(&g_level, -1);
	getrusage(RUSAGE_SELF, &ru0);
	r.start_ns = now_ns();
	r.meta = pgt_meta__new();
	if (!r.meta)
		return -ENOMEM;
	if (geteuid() != 0) {
		err = -EPERM;
		goto out;
	}
	{
		/* /proc/self/ns/pid of the initial namespace: PROC_PID_INIT_INO */
		struct stat ns;

		if (stat("/proc/self/ns/pid", &ns) == 0 && ns.st_ino != 0xEFFFFFFCu) {
			st->pid_ns = (uint64_t)ns.st_ino;
			err = -EOPNOTSUPP;
			goto out;
		}
	}
	pgt_record_clean_stale();
	err = setup_instance(&r);
	if (err)
		goto out;
	err = probe_events(&r);
	if (err)
		goto out;
	fill_host(&r);
	{
		struct pgt_object phys = { .id = OBJ_PHYS, .kind = PGT_OBJ_PHYS, .name_src = PGT_NAME_GIVEN,
					   .ts = now_ns(), .path = "[physical memory]" };

		pgt_meta__add_object(r.meta, &phys);
	}
	/* names: the state dump first, then the watcher */
	r.names = pgt_names__new();
	if (r.names) {
		pgt_names__dump_proc(r.names, now_ns(), proc_cb, &r);
		if (!o->no_names) {
			int e = pgt_names__watch_start(r.names);

			if (e)
				note(&r, PGT_RECORD_NOTE_NO_FANOTIFY, e, NULL);
		}
	}
	if (o->damon || o->level >= PGT_LEVEL_ALL) {
		int e = pgt_damon_start(o->damon_sample_us, o->damon_aggr_us);

		if (e == 1) {
			note(&r, PGT_RECORD_NOTE_DAMON_SHARED, 0, NULL);
			r.damon_listen = 1;
			e = 0;
		} else if (e)
			note(&r, PGT_RECORD_NOTE_NO_DAMON, e, NULL);
		if (!e)
			r.damon_on = 1;
		if (!r.damon_on && o->damon) {
			err = e;
			goto out;
		}
	}
	/* targets */
	if (o->argv) {
		err = launch(&r, &go_fd, &err_fd);
		if (err)
			goto out;
		/* without the exec event, its events count from the start */
		for (size_t i = 0; i < sizeof(descs) / sizeof(descs[0]); i++)
			if (descs[i].kind == K_EXEC && !descs[i].present)
				r.child_execed = 1;
		r.cmd_pid = r.child;
		r.child_pidfd = (int)syscall(SYS_pidfd_open, r.child, 0);
		err = set_pids(&r, &r.child, 1);
	} else if (o->npids) {
		err = set_pids(&r, o->pids, o->npids);
	}
	if (err)
		goto out;
	{
		char self[32];

		snprintf(self, sizeof(self), "%d", (int)getpid());
		tracefs_instance_file_write(r.inst, "set_event_notrace_pid", self);
	}
	err = apply_level(&r, o->level);
	if (err)
		goto out;
	/* output */
	if (r.keep) {
		err = ring_open_dir(&r);
		if (!err)
			err = ring_new_chunk(&r);
	} else {
		struct stat sb;

		/* whether the output is ours to remove if nothing is recorded */
		r.out_created = strcmp(o->output, "-") && lstat(o->output, &sb) < 0 && errno == ENOENT;
		err = open_writer(&r, -1, o->output, o->force);
		if (!err && r.out_created && lstat(o->output, &sb) == 0 && S_ISREG(sb.st_mode)) {
			r.out_dev = sb.st_dev;
			r.out_ino = sb.st_ino;
		} else {
			r.out_created = 0;
		}
	}
	if (err) {
		st->output_failed = 1;
		goto out;
	}
	/* readers */
	r.ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (r.ncpus < 1)
		r.ncpus = 1;
	r.rd = calloc((size_t)r.ncpus, sizeof(*r.rd));
	if (!r.rd) {
		err = -ENOMEM;
		goto out;
	}
	for (int c = 0; c < r.ncpus; c++) {
		struct reader *k = &r.rd[c];
		char rel[64];
		char *path;

		k->r = &r;
		k->cpu = c;
		k->fd = -1;
		pthread_mutex_init(&k->lock, NULL);
		snprintf(rel, sizeof(rel), "per_cpu/cpu%d/trace_pipe_raw", c);
		path = tracefs_instance_get_file(r.inst, rel);
		k->fd = path ? open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC) : -1;
		tracefs_put_tracing_file(path);
		k->kb = kbuffer_alloc(KBUFFER_LSIZE_8, KBUFFER_ENDIAN_LITTLE);
		k->page = malloc(r.subbuf);
		if (k->fd < 0 || !k->kb || !k->page) {
			err = k->fd < 0 ? -errno : -ENOMEM;
			goto out;
		}
		if (pthread_create(&k->th, NULL, reader_main, k)) {
			err = -EAGAIN;
			goto out;
		}
		started = c + 1;
	}
	if (inst_write(&r, "tracing_on", "1")) {
		err = -EIO;
		goto out;
	}
	if (go_fd >= 0) {
		int e = 0;

		child_t0 = now_ns();
		if (write(go_fd, "g", 1) != 1)
			err = -EPIPE;
		close(go_fd);
		go_fd = -1;
		if (read(err_fd, &e, sizeof(e)) == sizeof(e)) {
			waitpid(r.child, NULL, 0);
			r.child = 0;
			err = -e;
			st->have_child = 0;
			note(&r, PGT_RECORD_NOTE_LAUNCH_FAILED, e ? -e : 0, o->argv[0]);
			launch_failed = 1;
			st->launch_failed = 1;
			goto out;
		}
		close(err_fd);
		err_fd = -1;
	}
	deadline = o->duration_ns ? now_ns() + o->duration_ns : UINT64_MAX;
	last_flush = last_check = now_ns();

	/* the main loop */
	for (;;) {
		struct timespec ts = { 0, ROUND_NS };
		int lv = atomic_exchange(&g_level, -1);

		if (lv >= 0 && lv <= 3 && lv != r.level && (err = apply_level(&r, lv)))
			break;
		if (r.names && (err = pgt_names__drain(r.names, name_cb, &r)) > 0)
			err = 0;	/* the count of names drained */
		if (err)
			break;
		if ((err = merge(&r)) || (err = poll_loss(&r)) || (err = emit(&r)))
			break;
		/* a packet at least every second: a killed recorder loses little */
		if (now_ns() - last_flush >= 1000000000ull) {
			if ((err = pgt_writer__flush(r.w))) {
				if (r.keep && !st->path[0])
					set_path(&r, ".chunks", r.chunks[r.nchunks - 1].path, 0);
				break;
			}
			last_flush = now_ns();
		}
		if (o->keep_ns && now_ns() - r.chunks[r.nchunks - 1].first_ts >= o->keep_ns / 4) {
			err = ring_close_current(&r);
			if (!err) {
				ring_trim(&r);
				err = ring_new_chunk(&r);
			}
			if (err)
				break;
		}
		if (r.keep && atomic_exchange(&g_dump, 0)) {
			err = ring_close_current(&r);
			if (!err) {
				ring_trim(&r);
				err = ring_assemble(&r);
			}
			if (!err)
				err = ring_new_chunk(&r);
			if (err)
				break;
		}
		if (r.child > 0) {
			int status;

			if (waitpid(r.child, &status, WNOHANG) == r.child) {
				st->child_elapsed = (double)(now_ns() - child_t0) / 1e9;
				st->have_child = 1;
				st->child_status = status;
				r.child = 0;
				break;
			}
		}
		if (atomic_load(&g_stop) || now_ns() >= deadline)
			break;
		/* -p: nothing left to record once the targets are all gone */
		if (o->npids && !o->argv && now_ns() - last_check >= 200000000ull) {
			last_check = now_ns();
			if (!targets_alive(&r)) {
				st->targets_gone = 1;
				break;
			}
		}
		if (o->max_size && !r.keep && pgt_writer__bytes(r.w) >= o->max_size)
			break;
		if (r.child > 0 && r.child_pidfd >= 0) {
			/* the same round, but woken at once when the command
			 * exits: its time is measured to the millisecond */
			struct pollfd pf = { .fd = r.child_pidfd, .events = POLLIN };

			if (poll(&pf, 1, (int)(ROUND_NS / 1000000)) < 0 && errno != EINTR)
				nanosleep(&ts, NULL);
		} else {
			nanosleep(&ts, NULL);
		}
	}

	/* stop: no new events, readers drain what is left, merge it all */
	inst_write(&r, "tracing_on", "0");
	r.stop_ns = now_ns();
	atomic_store(&r.readers_stop, 1);
	for (int c = 0; c < started; c++)
		pthread_join(r.rd[c].th, NULL);
	started = 0;
	if (!err)
		err = merge(&r);
	if (!err)
		err = poll_loss(&r);
	if (r.names) {
		pgt_names__watch_stop(r.names);
		if (!err && (err = pgt_names__drain(r.names, name_cb, &r)) > 0)
			err = 0;
	}
	if (!err)
		final_walk(&r);
	getrusage(RUSAGE_SELF, &ru1);
	st->cpu_user = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
		       (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6;
	st->cpu_sys = (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
		      (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
	{
		char buf[160];

		snprintf(buf, sizeof(buf), "user=%.3f sys=%.3f maxrss_kb=%ld", st->cpu_user, st->cpu_sys,
			 ru1.ru_maxrss);
		pgt_meta__add_info(r.meta, "recorder.rusage", buf);
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)st->lost);
		pgt_meta__add_info(r.meta, "recorder.lost", buf);
		snprintf(buf, sizeof(buf), "clamped=%llu dropped=%llu unsized=%llu",
			 (unsigned long long)st->lookups_clamped, (unsigned long long)st->lookups_dropped,
			 (unsigned long long)st->lookups_unsized);
		pgt_meta__add_info(r.meta, "recorder.lookups_past_eof", buf);
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)st->lookups_continued);
		pgt_meta__add_info(r.meta, "recorder.lookups_continued", buf);
		if (r.keep) {
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)st->objects_forgotten);
			pgt_meta__add_info(r.meta, "recorder.objects_forgotten", buf);
		}
	}
	if (!err)
		err = emit(&r);
	if (!err && r.w)
		err = pgt_writer__copy_meta(r.w, r.meta);
	for (int c = 0; c < r.ncpus && r.rd; c++)
		st->subbufs += r.rd[c].subbufs;
	count_names(&r);
out:
	if (started) {
		atomic_store(&r.readers_stop, 1);
		for (int c = 0; c < started; c++)
			pthread_join(r.rd[c].th, NULL);
	}
	if (r.child > 0 && (err || go_fd >= 0)) {
		int status;

		/* an error stopped us: the command must not be left waiting
		 * (after --duration or --max-size it simply runs on) */
		if (go_fd >= 0)
			close(go_fd), go_fd = -1;
		if (waitpid(r.child, &status, 0) == r.child) {
			st->have_child = 1;
			st->child_status = status;
		}
	}
	if (go_fd >= 0)
		close(go_fd);
	if (err_fd >= 0)
		close(err_fd);
	if (r.child_pidfd >= 0)
		close(r.child_pidfd);
	if (r.damon_on && !r.damon_listen)
		pgt_damon_stop();
	/* an instance with open buffers cannot be removed */
	for (int c = 0; r.rd && c < r.ncpus; c++)
		if (r.rd[c].fd >= 0) {
			close(r.rd[c].fd);
			r.rd[c].fd = -1;
		}
	if (r.inst) {
		tracefs_instance_file_write(r.inst, "tracing_on", "0");
		tracefs_instance_file_write(r.inst, "events/enable", "0");
		tracefs_instance_destroy(r.inst);
		tracefs_instance_free(r.inst);
	}
	if (r.lock_fd >= 0) {
		char lock[96];

		snprintf(lock, sizeof(lock), "%s.lock", r.inst_name);
		unlinkat(r.lock_dir, lock, 0);	/* the lock still held: no cleaner races */
		close(r.lock_fd);
		close(r.lock_dir);
	}
	if (r.w && r.keep) {
		int e = ring_close_current(&r);

		if (!err)
			err = e;
		ring_trim(&r);
		/* nothing was recorded when the command could not run */
		if (!err && !launch_failed)
			err = ring_assemble(&r);
		r.w = NULL;
	} else if (r.w) {
		int e = pgt_writer__close(r.w);

		if (!err)
			err = e;
		if (e && e == err)	/* the writer's own sticky error */
			st->output_failed = 2;
		r.w = NULL;
	}
	/* the chunks go once assembled (or when nothing was recorded); after
	 * an error they stay for what they hold, and the message names them */
	if (r.ring_made && (!err || launch_failed)) {
		char name[4200];

		for (size_t i = 0; i < r.nchunks; i++)
			ring_drop(&r, &r.chunks[i]);
		snprintf(name, sizeof(name), "%s.chunks", r.out_base);
		unlinkat(r.out_dirfd, name, AT_REMOVEDIR);
	}
	if (launch_failed && r.out_created) {
		struct stat sb;

		/* nothing was recorded: leave nothing behind, but remove only
		 * the regular file made in this run, never what was there */
		if (lstat(o->output, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_dev == r.out_dev &&
		    sb.st_ino == r.out_ino)
			unlink(o->output);
	}
	if (!err || r.nout == 0) {
		struct stat sb;

		if (strcmp(o->output, "-") && stat(o->output, &sb) == 0)
			st->bytes = (uint64_t)sb.st_size;
	}
	for (int c = 0; r.rd && c < r.ncpus; c++) {
		struct reader *k = &r.rd[c];

		for (size_t i = k->mine.head; i < k->mine.n; i++)
			free(k->mine.v[i].str);
		for (size_t i = 0; i < k->q.n; i++)
			free(k->q.v[i].str);
		free(k->mine.v);
		free(k->q.v);
		if (k->fd >= 0)
			close(k->fd);
		kbuffer_free(k->kb);
		free(k->page);
	}
	free(r.rd);
	for (size_t i = 0; i < r.nchunks; i++)
		free(r.chunks[i].path);
	free(r.chunks);
	if (r.ring_dirfd >= 0)
		close(r.ring_dirfd);
	if (r.out_dirfd >= 0)
		close(r.out_dirfd);
	free(r.out_base);
	free(r.out);
	free(r.objs);
	free(r.procs);
	pgt_names__free(r.names);
	pgt_meta__free(r.meta);
	for (size_t i = 0; i < NDESC; i++) {
		free(descs[i].format);
		descs[i].format = NULL;
	}
	st->elapsed = (double)(now_ns() - r.start_ns) / 1e9;
	if (!err && o->max_loss >= 0 && st->events + st->lost &&
	    (double)st->lost / (double)(st->events + st->lost) > o->max_loss)
		err = -ENOBUFS;
	return err;
}
