// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The recorder: pgt_record(), the run (start, step, stop) and the merge.
 * The other parts are source.c (the run as a source), instance.c
 * (tracefs), cpu-reader.c (per-CPU decoding), resolve.c (objects and
 * processes), ring.c (the output) and names-*.c.
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
#include "util/opts.h"

static atomic_int g_stop, g_level = -1, g_dump;

void pgt_record_stop(void) { atomic_store(&g_stop, 1); }
void pgt_record_set_level(int level) { atomic_store(&g_level, level); }
void pgt_record_dump_keep(void) { atomic_store(&g_dump, 1); }

/* Add a note (enum pgt_record_note_code) to the stats; past
 * PGT_RECORD_MAX_NOTES they are dropped. */
void pgt_rec_note(struct rec *r, int code, int err, const char *str)
{
	struct pgt_record_note *n;

	if (r->st->nnotes >= PGT_RECORD_MAX_NOTES)
		return;
	n = &r->st->notes[r->st->nnotes++];
	n->code = code;
	n->err = err;
	snprintf(n->str, sizeof(n->str), "%s", str ? str : "");
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
		return pgt_rec_handle_proc_event(r, e);
	if (e->kind == K_NEWTASK)
		return pgt_rec_handle_newtask(r, e);
	if (e->kind == K_DAMON) {	/* physical samples: no process to judge */
		e->ev.pid = e->ev.tid;
		e->ev.obj = OBJ_PHYS;
		return pgt_rec_out_push(r, &e->ev);
	}
	/* the launched command is our fork until its exec: those events
	 * are pgtrace's own binary and libraries */
	if (r->cmd_pid > 0 && !r->child_execed && e->ev.tid == (uint32_t)r->cmd_pid) {
		r->st->filtered++;
		return 0;
	}
	pass = pgt_rec_proc_of(r, e->ev.tid, e->ev.ts, &tgid);
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

		err = pgt_rec_obj_of(r, e->kdev, e->ino, &e->ev.obj, &o);
		if (err)
			return err;
		def = o;
		if (e->ev.ts > o->last_ts)
			o->last_ts = e->ev.ts;
		if (e->ev.type == PGT_EV_LOOKUP) {
			struct procent *pe;

			err = pgt_rec_clamp_lookup(r, o, &e->ev);
			if (err <= 0)
				return err;
			pe = pgt_rec_proc_slot(r, e->ev.tid);
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
		err = pgt_rec_mm_of(r, tgid, e->ev.ts, &e->ev.obj);
		if (err)
			return err;
		def = pgt_rec_obj_slot(r, MM_KDEV, tgid);
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
	return pgt_rec_out_push(r, &e->ev);
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
				err = pgt_rec_vec_push(&k->mine, &k->q.v[i]);
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
		if (r->o->output && !strcmp(r->o->output, "-") && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
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

/*
 * The run in three parts, so that pgt_record() and the record source
 * share them: pgt_rec_start() (up to tracing on and the command released),
 * pgt_rec_step() (one round of the main loop, without its wait: pgt_rec_wait())
 * and, once a step says to stop or fails, pgt_rec_stop() (tracing off, the
 * readers joined, the last merge, names and walk, the info records)
 * then pgt_rec_cleanup() (the instance, the command, the output).  A start
 * that fails goes straight to pgt_rec_cleanup().  pgt_rec_free() releases what a
 * source still hands out after the cleanup: the events and side tables.
 */

/* Only one recording at a time in a process: the event table
 * (pgt_rec_descs) and the controls (pgt_record_stop(), ...) are global. */
static atomic_int g_busy;

int pgt_rec_claim(void) { return atomic_exchange(&g_busy, 1) ? -EBUSY : 0; }
void pgt_rec_release(void) { atomic_store(&g_busy, 0); }

void pgt_rec_init(struct rec *r, const struct pgt_record_opts *o, struct pgt_record_stats *st)
{
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->st = st;
	r->next_obj = OBJ_PHYS + 1;
	r->keep = o->keep_bytes || o->keep_ns;
	r->child_pidfd = r->lock_fd = r->lock_dir = r->out_dirfd = r->ring_dirfd = -1;
	r->go_fd = r->err_fd = -1;
}

int pgt_rec_start(struct rec *r)
{
	const struct pgt_record_opts *o = r->o;
	struct pgt_record_stats *st = r->st;
	int err = 0;

	memset(st, 0, sizeof(*st));
	atomic_store(&g_stop, 0);
	atomic_store(&g_dump, 0);
	atomic_store(&g_level, -1);
	getrusage(RUSAGE_SELF, &r->ru0);
	r->start_ns = now_ns();
	r->meta = pgt_meta__new();
	if (!r->meta)
		return -ENOMEM;
	if (geteuid() != 0)
		return -EPERM;
	{
		/* /proc/self/ns/pid of the initial namespace: PROC_PID_INIT_INO */
		struct stat ns;

		if (stat("/proc/self/ns/pid", &ns) == 0 && ns.st_ino != 0xEFFFFFFCu) {
			st->pid_ns = (uint64_t)ns.st_ino;
			return -EOPNOTSUPP;
		}
	}
	pgt_record_clean_stale();
	err = pgt_rec_setup_instance(r);
	if (err)
		return err;
	err = pgt_rec_probe_events(r);
	if (err)
		return err;
	fill_host(r);
	{
		struct pgt_object phys = { .id = OBJ_PHYS, .kind = PGT_OBJ_PHYS, .name_src = PGT_NAME_GIVEN,
					   .ts = now_ns(), .path = "[physical memory]" };

		pgt_meta__add_object(r->meta, &phys);
	}
	/* names: the state dump first, then the watcher */
	r->names = pgt_names__new();
	if (r->names) {
		pgt_names__dump_proc(r->names, now_ns(), pgt_rec_proc_cb, r);
		if (!o->no_names) {
			int e = pgt_names__watch_start(r->names);

			if (e)
				pgt_rec_note(r, PGT_RECORD_NOTE_NO_FANOTIFY, e, NULL);
		}
	}
	if (o->damon || o->level >= PGT_LEVEL_ALL) {
		int e = pgt_damon_start(o->damon_sample_us, o->damon_aggr_us);

		if (e == 1) {
			pgt_rec_note(r, PGT_RECORD_NOTE_DAMON_SHARED, 0, NULL);
			r->damon_listen = 1;
			e = 0;
		} else if (e)
			pgt_rec_note(r, PGT_RECORD_NOTE_NO_DAMON, e, NULL);
		if (!e)
			r->damon_on = 1;
		if (!r->damon_on && o->damon)
			return e;
	}
	/* targets */
	if (o->argv) {
		err = launch(r, &r->go_fd, &r->err_fd);
		if (err)
			return err;
		/* without the exec event, its events count from the start */
		for (size_t i = 0; i < NDESC; i++)
			if (pgt_rec_descs[i].kind == K_EXEC && !pgt_rec_descs[i].present)
				r->child_execed = 1;
		r->cmd_pid = r->child;
		r->child_pidfd = (int)syscall(SYS_pidfd_open, r->child, 0);
		err = pgt_rec_set_pids(r, &r->child, 1);
	} else if (o->npids) {
		err = pgt_rec_set_pids(r, o->pids, o->npids);
	}
	if (err)
		return err;
	{
		char self[32];

		snprintf(self, sizeof(self), "%d", (int)getpid());
		tracefs_instance_file_write(r->inst, "set_event_notrace_pid", self);
	}
	err = pgt_rec_apply_level(r, o->level);
	if (err)
		return err;
	/* output (a source has none: its consumer writes) */
	if (r->as_source) {
		err = 0;
	} else if (r->keep) {
		err = pgt_rec_ring_open_dir(r);
		if (!err)
			err = pgt_rec_ring_new_chunk(r);
	} else {
		struct stat sb;

		/* whether the output is ours to remove if nothing is recorded */
		r->out_created = strcmp(o->output, "-") && lstat(o->output, &sb) < 0 && errno == ENOENT;
		err = pgt_rec_open_writer(r, -1, o->output, o->force);
		if (!err && r->out_created && lstat(o->output, &sb) == 0 && S_ISREG(sb.st_mode)) {
			r->out_dev = sb.st_dev;
			r->out_ino = sb.st_ino;
		} else {
			r->out_created = 0;
		}
	}
	if (err) {
		st->output_failed = 1;
		return err;
	}
	/* readers */
	r->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (r->ncpus < 1)
		r->ncpus = 1;
	r->rd = calloc((size_t)r->ncpus, sizeof(*r->rd));
	if (!r->rd)
		return -ENOMEM;
	for (int c = 0; c < r->ncpus; c++) {
		struct reader *k = &r->rd[c];
		char rel[64];
		char *path;

		k->r = r;
		k->cpu = c;
		k->fd = -1;
		pthread_mutex_init(&k->lock, NULL);
		snprintf(rel, sizeof(rel), "per_cpu/cpu%d/trace_pipe_raw", c);
		path = tracefs_instance_get_file(r->inst, rel);
		k->fd = path ? open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC) : -1;
		tracefs_put_tracing_file(path);
		k->kb = kbuffer_alloc(KBUFFER_LSIZE_8, KBUFFER_ENDIAN_LITTLE);
		k->page = malloc(r->subbuf);
		if (k->fd < 0 || !k->kb || !k->page)
			return k->fd < 0 ? -errno : -ENOMEM;
		if (pthread_create(&k->th, NULL, pgt_rec_reader_main, k))
			return -EAGAIN;
		r->started = c + 1;
	}
	if (pgt_rec_inst_write(r, "tracing_on", "1"))
		return -EIO;
	if (r->go_fd >= 0) {
		int e = 0;

		r->child_t0 = now_ns();
		/* a command killed before its release is seen to exit by
		 * the first step (the main loop always went on to it) */
		if (write(r->go_fd, "g", 1) != 1)
			r->child_t0 = now_ns();
		close(r->go_fd);
		r->go_fd = -1;
		if (read(r->err_fd, &e, sizeof(e)) == sizeof(e)) {
			waitpid(r->child, NULL, 0);
			r->child = 0;
			st->have_child = 0;
			pgt_rec_note(r, PGT_RECORD_NOTE_LAUNCH_FAILED, e ? -e : 0, o->argv[0]);
			r->launch_failed = 1;
			st->launch_failed = 1;
			return -e;
		}
		close(r->err_fd);
		r->err_fd = -1;
	}
	r->deadline = o->duration_ns ? now_ns() + o->duration_ns : UINT64_MAX;
	r->last_flush = r->last_check = now_ns();
	return err;
}

/* One round of the main loop, its wait aside: level changes, names,
 * merge, loss, the events emitted, then the stop checks.  Return 0 with
 * *@done set when a stop condition holds, or a negative error. */
int pgt_rec_step(struct rec *r, int *done)
{
	const struct pgt_record_opts *o = r->o;
	struct pgt_record_stats *st = r->st;
	int lv = atomic_exchange(&g_level, -1);
	int err = 0;

	*done = 0;
	if (lv >= 0 && lv <= 3 && lv != r->level && (err = pgt_rec_apply_level(r, lv)))
		return err;
	if (r->names && (err = pgt_names__drain(r->names, pgt_rec_name_cb, r)) > 0)
		err = 0;	/* the count of names drained */
	if (err)
		return err;
	if ((err = merge(r)) || (err = pgt_rec_poll_loss(r)) || (err = pgt_rec_emit(r)))
		return err;
	/* a packet at least every second: a killed recorder loses little */
	if (!r->as_source && now_ns() - r->last_flush >= 1000000000ull) {
		if ((err = pgt_writer__flush(r->w))) {
			if (r->keep && !st->path[0])
				pgt_rec_set_path(r, ".chunks", r->chunks[r->nchunks - 1].path, 0);
			return err;
		}
		r->last_flush = now_ns();
	}
	if (o->keep_ns && now_ns() - r->chunks[r->nchunks - 1].first_ts >= o->keep_ns / 4) {
		err = pgt_rec_ring_close_current(r);
		if (!err) {
			pgt_rec_ring_trim(r);
			err = pgt_rec_ring_new_chunk(r);
		}
		if (err)
			return err;
	}
	if (r->keep && atomic_exchange(&g_dump, 0)) {
		err = pgt_rec_ring_close_current(r);
		if (!err) {
			pgt_rec_ring_trim(r);
			err = pgt_rec_ring_assemble(r);
		}
		if (!err)
			err = pgt_rec_ring_new_chunk(r);
		if (err)
			return err;
	}
	*done = 1;
	if (r->child > 0) {
		int status;

		if (waitpid(r->child, &status, WNOHANG) == r->child) {
			st->child_elapsed = (double)(now_ns() - r->child_t0) / 1e9;
			st->have_child = 1;
			st->child_status = status;
			r->child = 0;
			return 0;
		}
	}
	if (atomic_load(&g_stop) || now_ns() >= r->deadline)
		return 0;
	/* -p: nothing left to record once the targets are all gone */
	if (o->npids && !o->argv && now_ns() - r->last_check >= 200000000ull) {
		r->last_check = now_ns();
		if (!pgt_rec_targets_alive(r)) {
			st->targets_gone = 1;
			return 0;
		}
	}
	if (o->max_size && !r->keep && !r->as_source && pgt_writer__bytes(r->w) >= o->max_size)
		return 0;
	*done = 0;
	return 0;
}

/* The main loop's wait between two steps. */
void pgt_rec_wait(struct rec *r)
{
	struct timespec ts = { 0, ROUND_NS };

	if (r->child > 0 && r->child_pidfd >= 0) {
		/* the same round, but woken at once when the command
		 * exits: its time is measured to the millisecond */
		struct pollfd pf = { .fd = r->child_pidfd, .events = POLLIN };

		if (poll(&pf, 1, (int)(ROUND_NS / 1000000)) < 0 && errno != EINTR)
			nanosleep(&ts, NULL);
	} else {
		nanosleep(&ts, NULL);
	}
}

/* Stop after the main loop (@err: how it ended): no new events, readers
 * drain what is left, merge it all, the info records.  Return @err or
 * the first error met. */
int pgt_rec_stop(struct rec *r, int err)
{
	struct pgt_record_stats *st = r->st;
	struct rusage ru1;

	pgt_rec_inst_write(r, "tracing_on", "0");
	r->stop_ns = now_ns();
	atomic_store(&r->readers_stop, 1);
	for (int c = 0; c < r->started; c++)
		pthread_join(r->rd[c].th, NULL);
	r->started = 0;
	if (!err)
		err = merge(r);
	if (!err)
		err = pgt_rec_poll_loss(r);
	if (r->names) {
		pgt_names__watch_stop(r->names);
		if (!err && (err = pgt_names__drain(r->names, pgt_rec_name_cb, r)) > 0)
			err = 0;
	}
	if (!err)
		pgt_rec_final_walk(r);
	getrusage(RUSAGE_SELF, &ru1);
	st->cpu_user = (double)(ru1.ru_utime.tv_sec - r->ru0.ru_utime.tv_sec) +
		       (double)(ru1.ru_utime.tv_usec - r->ru0.ru_utime.tv_usec) / 1e6;
	st->cpu_sys = (double)(ru1.ru_stime.tv_sec - r->ru0.ru_stime.tv_sec) +
		      (double)(ru1.ru_stime.tv_usec - r->ru0.ru_stime.tv_usec) / 1e6;
	{
		char buf[160];

		snprintf(buf, sizeof(buf), "user=%.3f sys=%.3f maxrss_kb=%ld", st->cpu_user, st->cpu_sys,
			 ru1.ru_maxrss);
		pgt_meta__add_info(r->meta, "recorder.rusage", buf);
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)st->lost);
		pgt_meta__add_info(r->meta, "recorder.lost", buf);
		snprintf(buf, sizeof(buf), "clamped=%llu dropped=%llu unsized=%llu",
			 (unsigned long long)st->lookups_clamped, (unsigned long long)st->lookups_dropped,
			 (unsigned long long)st->lookups_unsized);
		pgt_meta__add_info(r->meta, "recorder.lookups_past_eof", buf);
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)st->lookups_continued);
		pgt_meta__add_info(r->meta, "recorder.lookups_continued", buf);
		if (r->keep) {
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)st->objects_forgotten);
			pgt_meta__add_info(r->meta, "recorder.objects_forgotten", buf);
		}
	}
	if (!err)
		err = pgt_rec_emit(r);
	if (!err && r->w)
		err = pgt_writer__copy_meta(r->w, r->meta);
	for (int c = 0; c < r->ncpus && r->rd; c++)
		st->subbufs += r->rd[c].subbufs;
	pgt_rec_count_names(r);
	return err;
}

/* Release the run (@err: how it ended): the readers, the command, the
 * instance, the output.  What a source still hands out (the last events,
 * the side tables) stays for pgt_rec_free().  Return @err or the first error
 * met. */
int pgt_rec_cleanup(struct rec *r, int err)
{
	const struct pgt_record_opts *o = r->o;
	struct pgt_record_stats *st = r->st;

	if (r->started) {
		atomic_store(&r->readers_stop, 1);
		for (int c = 0; c < r->started; c++)
			pthread_join(r->rd[c].th, NULL);
		r->started = 0;
	}
	if (r->child > 0 && (err || r->go_fd >= 0)) {
		int status;

		/* an error stopped us: the command must not be left waiting
		 * (after --duration or --max-size it simply runs on) */
		if (r->go_fd >= 0)
			close(r->go_fd), r->go_fd = -1;
		if (waitpid(r->child, &status, 0) == r->child) {
			st->have_child = 1;
			st->child_status = status;
		}
	}
	if (r->go_fd >= 0)
		close(r->go_fd);
	if (r->err_fd >= 0)
		close(r->err_fd);
	r->go_fd = r->err_fd = -1;
	if (r->child_pidfd >= 0)
		close(r->child_pidfd);
	r->child_pidfd = -1;
	if (r->damon_on && !r->damon_listen)
		pgt_damon_stop();
	r->damon_on = 0;
	/* an instance with open buffers cannot be removed */
	for (int c = 0; r->rd && c < r->ncpus; c++)
		if (r->rd[c].fd >= 0) {
			close(r->rd[c].fd);
			r->rd[c].fd = -1;
		}
	if (r->inst) {
		tracefs_instance_file_write(r->inst, "tracing_on", "0");
		tracefs_instance_file_write(r->inst, "events/enable", "0");
		tracefs_instance_destroy(r->inst);
		tracefs_instance_free(r->inst);
		r->inst = NULL;
	}
	if (r->lock_fd >= 0) {
		char lock[96];

		snprintf(lock, sizeof(lock), "%s.lock", r->inst_name);
		unlinkat(r->lock_dir, lock, 0);	/* the lock still held: no cleaner races */
		close(r->lock_fd);
		close(r->lock_dir);
		r->lock_fd = r->lock_dir = -1;
	}
	if (r->w && r->keep) {
		int e = pgt_rec_ring_close_current(r);

		if (!err)
			err = e;
		pgt_rec_ring_trim(r);
		/* nothing was recorded when the command could not run */
		if (!err && !r->launch_failed)
			err = pgt_rec_ring_assemble(r);
		r->w = NULL;
	} else if (r->w) {
		int e = pgt_writer__close(r->w);

		if (!err)
			err = e;
		if (e && e == err)	/* the writer's own sticky error */
			st->output_failed = 2;
		r->w = NULL;
	}
	/* the chunks go once assembled (or when nothing was recorded); after
	 * an error they stay for what they hold, and the message names them */
	if (r->ring_made && (!err || r->launch_failed)) {
		char name[4200];

		for (size_t i = 0; i < r->nchunks; i++)
			pgt_rec_ring_drop(r, &r->chunks[i]);
		snprintf(name, sizeof(name), "%s.chunks", r->out_base);
		unlinkat(r->out_dirfd, name, AT_REMOVEDIR);
	}
	if (r->launch_failed && r->out_created) {
		struct stat sb;

		/* nothing was recorded: leave nothing behind, but remove only
		 * the regular file made in this run, never what was there */
		if (lstat(o->output, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_dev == r->out_dev &&
		    sb.st_ino == r->out_ino)
			unlink(o->output);
	}
	if (!r->as_source && (!err || r->nout == 0)) {
		struct stat sb;

		if (strcmp(o->output, "-") && stat(o->output, &sb) == 0)
			st->bytes = (uint64_t)sb.st_size;
	}
	for (int c = 0; r->rd && c < r->ncpus; c++) {
		struct reader *k = &r->rd[c];

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
	free(r->rd);
	r->rd = NULL;
	for (size_t i = 0; i < r->nchunks; i++)
		free(r->chunks[i].path);
	free(r->chunks);
	r->chunks = NULL;
	r->nchunks = 0;
	if (r->ring_dirfd >= 0)
		close(r->ring_dirfd);
	if (r->out_dirfd >= 0)
		close(r->out_dirfd);
	r->ring_dirfd = r->out_dirfd = -1;
	free(r->out_base);
	r->out_base = NULL;
	free(r->objs);
	free(r->procs);
	r->objs = NULL;
	r->procs = NULL;
	pgt_names__free(r->names);
	r->names = NULL;
	for (size_t i = 0; i < NDESC; i++) {
		free(pgt_rec_descs[i].format);
		pgt_rec_descs[i].format = NULL;
	}
	st->elapsed = (double)(now_ns() - r->start_ns) / 1e9;
	return err;
}

/* What a source hands out until it is freed. */
void pgt_rec_free(struct rec *r)
{
	free(r->out);
	r->out = NULL;
	r->nout = r->cap_out = 0;
	pgt_meta__free(r->meta);
	r->meta = NULL;
}

static int record_run(const struct pgt_record_opts *o, struct pgt_record_stats *st)
{
	struct rec r;
	int err, done = 0;

	pgt_rec_init(&r, o, st);
	err = pgt_rec_start(&r);
	if (!err) {
		/* the main loop */
		for (;;) {
			if ((err = pgt_rec_step(&r, &done)) || done)
				break;
			pgt_rec_wait(&r);
		}
		err = pgt_rec_stop(&r, err);
	}
	err = pgt_rec_cleanup(&r, err);
	pgt_rec_free(&r);
	if (!err && o->max_loss >= 0 && st->events + st->lost &&
	    (double)st->lost / (double)(st->events + st->lost) > o->max_loss)
		err = -ENOBUFS;
	return err;
}

int pgt_record(const struct pgt_record_opts *o, struct pgt_record_stats *st)
{
	struct pgt_record_opts o_;
	int err;

	if (!o || !PGT_OPTS_VALID(o)) {
		memset(st, 0, sizeof(*st));
		return -EINVAL;
	}
	if (pgt_rec_claim()) {
		memset(st, 0, sizeof(*st));
		return -EBUSY;
	}
	err = record_run(PGT_OPTS_FIT(o, &o_), st);
	pgt_rec_release();
	return err;
}
