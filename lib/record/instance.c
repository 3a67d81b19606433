// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * instance.c - the recorder's tracefs instance: the events it knows (the
 * descs table and the decoder's field names), their formats read through
 * lib/kernel/tracefs-format.c, enabling them by level, the instance with
 * its lock file (and the cleaning of those left by dead recorders), the
 * ring size, the pid filter, and the per-CPU loss counters.
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

struct desc pgt_rec_descs[] = {
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
/* ---- tracefs ---- */

int pgt_rec_inst_write(struct rec *r, const char *file, const char *val)
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

int pgt_rec_probe_events(struct rec *r)
{
	for (size_t i = 0; i < NDESC; i++) {
		struct desc *d = &pgt_rec_descs[i];
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

int pgt_rec_apply_level(struct rec *r, int level)
{
	int err = 0;

	for (size_t i = 0; i < NDESC && !err; i++) {
		int want = pgt_rec_descs[i].level <= level;

		if (pgt_rec_descs[i].kind == K_DAMON)
			want = (want || r->o->damon) && r->damon_on;
		err = set_event(r, &pgt_rec_descs[i], want);
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

int pgt_rec_setup_instance(struct rec *r)
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
		pgt_rec_note(r, PGT_RECORD_NOTE_NO_LOCK, 0, r->inst_name);
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
	pgt_rec_inst_write(r, "trace_clock", "mono");
	r->judge = r->o->have_uid || r->o->cgroup;
	if (r->judge)	/* wake the readers at once: forks and execs are judged live */
		pgt_rec_inst_write(r, "buffer_percent", "0");
	pgt_rec_inst_write(r, "tracing_on", "0");
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
int pgt_rec_set_pids(struct rec *r, const pid_t *pids, size_t n)
{
	int err = 0;

	if (!n)
		return 0;
	pgt_rec_inst_write(r, "options/event-fork", "1");
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
int pgt_rec_targets_alive(struct rec *r)
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

/* ---- loss ---- */

static uint64_t stat_field(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

int pgt_rec_poll_loss(struct rec *r)
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

const size_t pgt_rec_ndesc = sizeof(pgt_rec_descs) / sizeof(pgt_rec_descs[0]);
