// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the recorder's name module (lib/record/names.c) on the
 * real kernel, as root: the /proc state dump, fanotify while files are
 * opened, created, renamed and deleted, and the readdir walk.  Files live
 * in a scratch directory on a disk filesystem (/var/tmp, or the current
 * directory when /var/tmp is a tmpfs).  The watcher drops the events of
 * its own process, so the file operations to be seen run in a child.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/fanotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "record/names.h"

static char dir[PATH_MAX];	/* scratch directory, its real path */

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static const char *at(const char *name)
{
	static char buf[4][PATH_MAX + 64];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void touch(const char *name, size_t size)
{
	char block[4096];
	int fd = open(at(name), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	memset(block, 'x', sizeof(block));
	while (size) {
		size_t k = size < sizeof(block) ? size : sizeof(block);

		assert_int_equal(write(fd, block, k), (ssize_t)k);
		size -= k;
	}
	assert_int_equal(close(fd), 0);
}

static void key_of(const char *path, uint64_t *dev, uint64_t *ino)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	*dev = st.st_dev;
	*ino = st.st_ino;
}

static void rm_rf(const char *path)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd))
		fprintf(stderr, "# could not remove %s\n", path);
}

static int setup(void **state)
{
	const char *bases[] = { "/var/tmp", ".", NULL };
	char tmpl[PATH_MAX];

	(void)state;
	for (int i = 0; bases[i]; i++) {
		struct statfs sf;

		if (statfs(bases[i], &sf) || sf.f_type == TMPFS_MAGIC)
			continue;
		snprintf(tmpl, sizeof(tmpl), "%s/pgtrace-names-XXXXXX", bases[i]);
		if (mkdtemp(tmpl) && realpath(tmpl, dir))
			return 0;
	}
	fprintf(stderr, "# no scratch directory on a disk filesystem\n");
	return -1;
}

static int teardown(void **state)
{
	(void)state;
	if (dir[0])
		rm_rf(dir);
	return 0;
}

/* ---- the state dump ---- */

struct seen_proc {
	struct pgt_process p;
	char comm[64], cwd[PATH_MAX], exe[PATH_MAX];
	int found, total;
};

static int on_proc(const struct pgt_process *p, void *ctx)
{
	struct seen_proc *s = ctx;

	s->total++;
	if (p->pid != (uint32_t)getpid())
		return 0;
	s->found++;
	s->p = *p;
	snprintf(s->comm, sizeof(s->comm), "%s", p->comm);
	snprintf(s->cwd, sizeof(s->cwd), "%s", p->cwd);
	snprintf(s->exe, sizeof(s->exe), "%s", p->exe);
	return 0;
}

static void test_dump_proc_finds_self_and_open_files(void **state)
{
	struct pgt_names *n = pgt_names__new();
	struct seen_proc s = { 0 };
	char cwd[PATH_MAX], exe[PATH_MAX], comm[32];
	uint64_t hdev, hino, mdev, mino;
	ssize_t el;
	void *map;
	int fd, src, r;

	(void)state;
	assert_non_null(n);
	/* a file we hold open, and one only mapped, then deleted */
	touch("held", 100);
	fd = open(at("held"), O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	key_of(at("held"), &hdev, &hino);
	touch("mapped", 8192);
	key_of(at("mapped"), &mdev, &mino);
	{
		int mfd = open(at("mapped"), O_RDONLY | O_CLOEXEC);

		assert_true(mfd >= 0);
		map = mmap(NULL, 8192, PROT_READ, MAP_SHARED, mfd, 0);
		assert_true(map != MAP_FAILED);
		close(mfd);
	}
	assert_int_equal(unlink(at("mapped")), 0);

	r = pgt_names__dump_proc(n, 12345, on_proc, &s);
	assert_true(r >= 2);
	assert_int_equal(r, s.total);
	assert_int_equal(s.found, 1);
	assert_int_equal(s.p.ts, 12345);
	assert_int_equal(s.p.op, PGT_PROC_STATE);
	assert_int_equal(s.p.tgid, getpid());
	assert_int_equal(s.p.ppid, getppid());
	assert_int_equal(s.p.uid, getuid());
	assert_int_equal(s.p.gid, getgid());
	{
		FILE *f = fopen("/proc/self/comm", "r");

		assert_non_null(f);
		assert_non_null(fgets(comm, sizeof(comm), f));
		fclose(f);
		comm[strcspn(comm, "\n")] = 0;
	}
	assert_string_equal(s.comm, comm);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_string_equal(s.cwd, cwd);
	el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(el > 0);
	exe[el] = 0;
	assert_string_equal(s.exe, exe);

	assert_string_equal(pgt_names__lookup(n, hdev, hino, &src), at("held"));
	assert_int_equal(src, PGT_NAME_PROC);
	/* maps says "... (deleted)": the name is kept without the suffix */
	assert_string_equal(pgt_names__lookup(n, mdev, mino, &src), at("mapped"));
	assert_int_equal(src, PGT_NAME_PROC);
	assert_null(pgt_names__lookup(n, 0, 0, &src));
	assert_int_equal(src, PGT_NAME_NONE);

	munmap(map, 8192);
	close(fd);
	pgt_names__free(n);
	pgt_names__free(NULL);
}

static void test_proc_reads_one_process(void **state)
{
	struct pgt_names *n = pgt_names__new();
	struct pgt_process p, q;
	pid_t child;

	(void)state;
	assert_non_null(n);
	assert_int_equal(pgt_names__proc(n, getpid(), 7, &p), 0);
	assert_int_equal(p.pid, getpid());
	assert_int_equal(p.tgid, getpid());
	assert_int_equal(p.ppid, getppid());
	assert_int_equal(p.ts, 7);
	assert_true(p.exe[0] == '/');
	/* strings stay valid over later calls */
	assert_int_equal(pgt_names__proc(n, getppid(), 8, &q), 0);
	assert_int_equal(q.pid, getppid());
	assert_true(p.comm[0] != 0);

	child = fork();
	assert_true(child >= 0);
	if (!child)
		_exit(0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	assert_int_equal(pgt_names__proc(n, child, 9, &q), -ESRCH);
	pgt_names__free(n);
}

/* ---- fanotify ---- */

struct got {
	struct pgt_name_event *ev;
	char **path;
	size_t n, cap;
};

static int on_event(const struct pgt_name_event *ev, void *ctx)
{
	struct got *g = ctx;

	if (strncmp(ev->path, dir, strlen(dir)))
		return 0;	/* the rest of the system */
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		g->ev = realloc(g->ev, g->cap * sizeof(*g->ev));
		g->path = realloc(g->path, g->cap * sizeof(*g->path));
		assert_non_null(g->ev);
		assert_non_null(g->path);
	}
	g->ev[g->n] = *ev;
	g->path[g->n] = strdup(ev->path);
	g->ev[g->n].path = g->path[g->n];
	g->n++;
	return 0;
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->path[i]);
	free(g->path);
	free(g->ev);
}

/* Position of the first event from @from on with @op and @path (NULL:
 * any), or -1. */
static long got_find(const struct got *g, size_t from, int op, const char *path)
{
	for (size_t i = from; i < g->n; i++)
		if (g->ev[i].op == op && (!path || !strcmp(g->ev[i].path, path)))
			return (long)i;
	return -1;
}

/* Drain until an event names @path or 20 s pass (valgrind, a busy machine). */
static void drain_until(struct pgt_names *n, struct got *g, const char *path)
{
	uint64_t end = now_ns() + 20000000000ull;

	for (;;) {
		assert_true(pgt_names__drain(n, on_event, g) >= 0);
		for (size_t i = 0; i < g->n; i++)
			if (!strcmp(g->path[i], path))
				return;
		if (now_ns() > end)
			fail_msg("no name event for %s within 20 s", path);
		usleep(10000);
	}
}

/* Start the watcher, or say why fanotify cannot watch the scratch
 * directory here and skip. */
static struct pgt_names *watch_or_skip(void)
{
	struct pgt_names *n;
	int fan, r;

	fan = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	if (fan < 0) {
		fprintf(stderr, "# fanotify_init: %s\n", strerror(errno));
		skip();
	}
	if (fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN, AT_FDCWD, dir)) {
		fprintf(stderr, "# fanotify_mark %s: %s\n", dir, strerror(errno));
		close(fan);
		skip();
	}
	close(fan);
	n = pgt_names__new();
	assert_non_null(n);
	r = pgt_names__watch_start(n);
	if (r < 0)
		fail_msg("pgt_names__watch_start: %s", strerror(-r));
	assert_int_equal(pgt_names__watch_start(n), -EBUSY);
	return n;
}

/* Event @i must be @op of (@dev, @ino) called @path; else show what came. */
static void check_ev(const struct got *g, long i, int op, uint64_t dev, uint64_t ino,
		     const char *path)
{
	if (i >= 0 && g->ev[i].op == op && g->ev[i].dev == dev && g->ev[i].ino == ino &&
	    g->ev[i].src == PGT_NAME_FANOTIFY && !strcmp(g->ev[i].path, path))
		return;
	for (size_t k = 0; k < g->n; k++)
		fprintf(stderr, "# event %zu: op %d src %d %llu:%llu %s\n", k, g->ev[k].op,
			g->ev[k].src, (unsigned long long)g->ev[k].dev,
			(unsigned long long)g->ev[k].ino, g->ev[k].path);
	fail_msg("event %ld is not op %d of %llu:%llu %s", i, op, (unsigned long long)dev,
		 (unsigned long long)ino, path);
}

static void test_watch_open_create_rename_delete(void **state)
{
	uint64_t odev, oino, ddev, dino, rdev, rino, idev, iino, vdev, vino, sdev, sino;
	uint64_t events, unres, ovf;
	struct got g = { 0 };
	struct pgt_names *n;
	long i, j;
	int fd, status, src, go[2];
	pid_t child;

	(void)state;
	touch("old", 10);	/* exists before, never opened before */
	touch("doomed", 10);
	touch("parent-only", 10);
	touch("victim", 10);
	key_of(at("victim"), &vdev, &vino);
	key_of(at("old"), &odev, &oino);
	key_of(at("doomed"), &ddev, &dino);
	n = watch_or_skip();

	/* our own process: dropped */
	fd = open(at("parent-only"), O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);

	/* the child holds "doomed" open until told to go, so that no file
	 * of the machine reuses its inode number before we look it up */
	assert_int_equal(pipe(go), 0);
	child = fork();
	assert_true(child >= 0);
	if (!child) {
		int ok = 1, dfd;
		char c;

		close(go[1]);
		fd = open(at("old"), O_RDONLY);
		ok &= fd >= 0 && !close(fd);
		fd = open(at("new"), O_WRONLY | O_CREAT | O_EXCL, 0644);
		ok &= fd >= 0 && write(fd, "x", 1) == 1 && !close(fd);
		ok &= !rename(at("new"), at("renamed"));
		dfd = open(at("doomed"), O_RDONLY);
		ok &= dfd >= 0 && !unlink(at("doomed"));
		ok &= !mkdir(at("sub"), 0755);
		fd = open(at("sub/inner"), O_WRONLY | O_CREAT | O_EXCL, 0644);
		ok &= fd >= 0 && !close(fd);
		ok &= !rename(at("sub"), at("sub2"));
		/* an atomic save: the old file loses its name */
		fd = open(at("victim"), O_RDONLY);
		ok &= fd >= 0 && !close(fd);
		fd = open(at("victim.tmp"), O_WRONLY | O_CREAT | O_EXCL, 0644);
		ok &= fd >= 0 && !close(fd);
		ok &= !rename(at("victim.tmp"), at("victim"));
		fd = open(at("marker"), O_WRONLY | O_CREAT | O_EXCL, 0644);
		ok &= fd >= 0 && !close(fd);
		ok &= read(go[0], &c, 1) >= 0;
		ok &= !close(dfd);
		_exit(ok ? 0 : 1);
	}
	close(go[0]);
	drain_until(n, &g, at("marker"));
	key_of(at("renamed"), &rdev, &rino);
	key_of(at("sub2/inner"), &idev, &iino);
	key_of(at("victim"), &sdev, &sino);

	/* a file that existed: named at its open */
	i = got_find(&g, 0, PGT_OBJ_DEFINE, at("old"));
	check_ev(&g, i, PGT_OBJ_DEFINE, odev, oino, at("old"));
	/* created, then renamed */
	i = got_find(&g, 0, PGT_OBJ_DEFINE, at("new"));
	check_ev(&g, i, PGT_OBJ_DEFINE, rdev, rino, at("new"));
	j = got_find(&g, (size_t)i, PGT_OBJ_RENAME, at("renamed"));
	check_ev(&g, j, PGT_OBJ_RENAME, rdev, rino, at("renamed"));
	/* opened, deleted while held open: keeps its last name */
	i = got_find(&g, 0, PGT_OBJ_DEFINE, at("doomed"));
	check_ev(&g, i, PGT_OBJ_DEFINE, ddev, dino, at("doomed"));
	j = got_find(&g, (size_t)i, PGT_OBJ_UNLINK, at("doomed"));
	check_ev(&g, j, PGT_OBJ_UNLINK, ddev, dino, at("doomed"));
	assert_string_equal(pgt_names__lookup(n, ddev, dino, &src), at("doomed"));
	assert_int_equal(src, PGT_NAME_FANOTIFY);
	/* a file in a renamed directory ends under the new name, whether the
	 * watcher saw the create before the rename or after */
	i = got_find(&g, 0, PGT_OBJ_DEFINE, at("sub/inner"));
	if (i >= 0) {
		check_ev(&g, i, PGT_OBJ_DEFINE, idev, iino, at("sub/inner"));
		j = got_find(&g, (size_t)i, PGT_OBJ_RENAME, at("sub2/inner"));
		check_ev(&g, j, PGT_OBJ_RENAME, idev, iino, at("sub2/inner"));
	} else {
		i = got_find(&g, 0, PGT_OBJ_DEFINE, at("sub2/inner"));
		check_ev(&g, i, PGT_OBJ_DEFINE, idev, iino, at("sub2/inner"));
	}
	assert_string_equal(pgt_names__lookup(n, idev, iino, NULL), at("sub2/inner"));
	/* renamed over a file: that one is unlinked under its last name */
	i = got_find(&g, 0, PGT_OBJ_DEFINE, at("victim"));
	check_ev(&g, i, PGT_OBJ_DEFINE, vdev, vino, at("victim"));
	j = got_find(&g, (size_t)i, PGT_OBJ_UNLINK, at("victim"));
	check_ev(&g, j, PGT_OBJ_UNLINK, vdev, vino, at("victim"));
	i = got_find(&g, (size_t)j, PGT_OBJ_RENAME, at("victim"));
	check_ev(&g, i, PGT_OBJ_RENAME, sdev, sino, at("victim"));
	/* our own open, before the child's first, named nothing (another
	 * process of the machine may open the file later) */
	i = got_find(&g, 0, PGT_OBJ_DEFINE, at("parent-only"));
	assert_true(i < 0 || i > got_find(&g, 0, PGT_OBJ_DEFINE, at("old")));

	close(go[1]);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	pgt_names__watch_stop(n);
	pgt_names__watch_stop(n);	/* twice is fine */

	pgt_names__watch_stats(n, &events, &unres, &ovf);
	assert_true(events >= 6);
	assert_int_equal(ovf, 0);
	fprintf(stderr, "# watcher: %llu events, %llu unresolved\n", (unsigned long long)events,
		(unsigned long long)unres);
	got_free(&g);
	pgt_names__free(n);
}

/* Fails at the event naming "b": the events after it stay queued. */
static int fail_at_b(const struct pgt_name_event *ev, void *ctx)
{
	struct got *g = ctx;

	if (!strcmp(ev->path, at("b")))
		return -EIO;
	return on_event(ev, g);
}

static void test_watch_ignore_pid_and_drain_stop(void **state)
{
	uint64_t dev, ino, end;
	struct got g = { 0 }, h = { 0 };
	struct pgt_names *n;
	const char *names[] = { "a", "b", "c" };
	long i;
	int fd;

	(void)state;
	n = watch_or_skip();
	pgt_names__ignore_pid(n, 0);	/* see our own operations */
	for (int k = 0; k < 3; k++) {
		fd = open(at(names[k]), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
	/* the table and the queue change together: once "c" is named its
	 * event is queued */
	key_of(at("c"), &dev, &ino);
	for (end = now_ns() + 20000000000ull; !pgt_names__lookup(n, dev, ino, NULL);) {
		assert_true(now_ns() < end);
		usleep(10000);
	}
	assert_int_equal(pgt_names__drain(n, fail_at_b, &g), -EIO);
	assert_true(got_find(&g, 0, PGT_OBJ_DEFINE, at("a")) >= 0);
	assert_int_equal(got_find(&g, 0, PGT_OBJ_DEFINE, at("b")), -1);
	assert_true(pgt_names__drain(n, on_event, &h) >= 1);
	assert_int_equal(got_find(&h, 0, PGT_OBJ_DEFINE, at("b")), -1);
	i = got_find(&h, 0, PGT_OBJ_DEFINE, at("c"));
	check_ev(&h, i, PGT_OBJ_DEFINE, dev, ino, at("c"));
	/* free() stops the watcher */
	got_free(&g);
	got_free(&h);
	pgt_names__free(n);
}

/* ---- the walk ---- */

struct walk_got {
	int calls;
	struct pgt_name_event ev;
	char path[PATH_MAX];
};

static int on_walk(const struct pgt_name_event *ev, void *ctx)
{
	struct walk_got *w = ctx;

	w->calls++;
	w->ev = *ev;
	snprintf(w->path, sizeof(w->path), "%s", ev->path);
	return 0;
}

static void test_walk_names_unopened_file(void **state)
{
	struct pgt_names *n = pgt_names__new();
	struct walk_got w = { 0 };
	uint64_t keys[1][2];
	int src;

	(void)state;
	assert_non_null(n);
	assert_int_equal(mkdir(at("deep"), 0755), 0);
	touch("deep/walked", 10);
	key_of(at("deep/walked"), &keys[0][0], &keys[0][1]);
	assert_null(pgt_names__lookup(n, keys[0][0], keys[0][1], NULL));

	assert_int_equal(pgt_names__walk(n, (const uint64_t (*)[2])keys, 1, 5000000000ull, on_walk,
					 &w), 1);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.ev.op, PGT_OBJ_DEFINE);
	assert_int_equal(w.ev.src, PGT_NAME_WALK);
	assert_int_equal(w.ev.dev, keys[0][0]);
	assert_int_equal(w.ev.ino, keys[0][1]);
	assert_string_equal(w.path, at("deep/walked"));
	assert_string_equal(pgt_names__lookup(n, keys[0][0], keys[0][1], &src), at("deep/walked"));
	assert_int_equal(src, PGT_NAME_WALK);
	/* named now: a second walk skips it */
	assert_int_equal(pgt_names__walk(n, (const uint64_t (*)[2])keys, 1, 5000000000ull, on_walk,
					 &w), 0);
	assert_int_equal(w.calls, 1);
	pgt_names__free(n);
}

static void test_walk_stops_at_budget(void **state)
{
	struct pgt_names *n = pgt_names__new();
	uint64_t keys[2][2], t0, dt;
	struct stat st;

	(void)state;
	assert_non_null(n);
	assert_int_equal(stat(dir, &st), 0);
	keys[0][0] = st.st_dev;		/* an inode that does not exist */
	keys[0][1] = 0xfffffff0u;
	keys[1][0] = makedev(4000, 12345);	/* a device with no mount */
	keys[1][1] = 12;
	t0 = now_ns();
	assert_int_equal(pgt_names__walk(n, (const uint64_t (*)[2])keys, 2, 100000000ull, NULL, NULL),
			 0);
	dt = now_ns() - t0;
	assert_true(dt < 2000000000ull);
	assert_null(pgt_names__lookup(n, keys[0][0], keys[0][1], NULL));
	assert_int_equal(pgt_names__walk(n, NULL, 0, 1, NULL, NULL), 0);
	pgt_names__free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump_proc_finds_self_and_open_files),
		cmocka_unit_test(test_proc_reads_one_process),
		cmocka_unit_test(test_watch_open_create_rename_delete),
		cmocka_unit_test(test_watch_ignore_pid_and_drain_stop),
		cmocka_unit_test(test_walk_names_unopened_file),
		cmocka_unit_test(test_walk_stops_at_budget),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
