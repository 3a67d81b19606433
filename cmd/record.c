// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace record: live page events from the kernel's tracepoints. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "builtin.h"
#include "kernel/kernel.h"
#include "pgtrace/record.h"

static void record_usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace record [OPTIONS] [-o TRACE|-] [-- COMMAND [ARGS...]]\n"
		"\n"
		"Record page events (page-cache lookups, faults, insertions, evictions,\n"
		"LRU moves, user faults, DAMON access samples) with processes and file\n"
		"names, from the kernel's tracepoints.  Needs root.\n"
		"\n"
		"Targets (default: the whole system, or COMMAND and its children):\n"
		"  -a, --all              the whole system\n"
		"  -p, --pid PID,...      these processes and their children\n"
		"  -u, --user USER        processes of this user (name or uid)\n"
		"  -G, --cgroup PATH      processes of this cgroup (v2)\n"
		"\n"
		"Options:\n"
		"  -o, --output TRACE     where to write (default pgtrace.pgt; - for a pipe)\n"
		"  -l, --level N          detail: 0 processes, insertions, deletions;\n"
		"                         1 (default) + lookups and faults; 2 + LRU and user\n"
		"                         faults; 3 + DAMON samples\n"
		"  -d, --duration DUR     stop after DUR (e.g. 10s)\n"
		"      --max-size SIZE    stop when the trace reaches SIZE (e.g. 1G)\n"
		"  -k, --keep SIZE|DUR    flight recorder: keep only the last SIZE bytes or\n"
		"                         DUR of events (ring of chunk files in TRACE.chunks/)\n"
		"  -b, --buffer-size SIZE ring buffer per CPU (default 16M)\n"
		"      --max-loss PCT     fail (exit 1) when more than PCT%% of events are lost\n"
		"      --damon            sample accesses with DAMON (physical memory)\n"
		"      --sample DUR       DAMON sampling interval (default 5ms)\n"
		"      --aggr DUR         DAMON aggregation interval (default 100ms)\n"
		"      --no-names         no fanotify name watcher\n"
		"      --measure[=N]      run COMMAND N times (default 3) untraced and traced\n"
		"                         in turns and report the cost of tracing (the\n"
		"                         command alone, without the recorder's start-up)\n"
		"  -f, --force            overwrite TRACE\n"
		"  -q, --quiet            no summary on standard error\n"
		"  -h, --help             show this help\n"
		"\n"
		"While recording: SIGINT or SIGTERM stops; SIGUSR1 writes the flight\n"
		"recorder's kept part to TRACE; SIGUSR2 moves to the next level;\n"
		"SIGRTMIN+N (N = 0..3) sets level N (kill -s RTMIN+2 PID).\n"
		"\n"
		"Examples:\n"
		"  pgtrace record -o build.pgt -- make -j2\n"
		"  pgtrace record -a -d 10s -l 2 -o sys.pgt\n"
		"  pgtrace record -p 1234 --keep 256M -o tail.pgt\n"
		"  pgtrace record -o - -- cat big.file | pgtrace info -\n"
		"  pgtrace record --measure=5 -- dd if=big of=/dev/null bs=4k\n"
		"\n"
		"Exit status: with a command, the command's (128+N when signal N killed it);\n"
		"125 when the recording failed, 126 when the command cannot be run, 127\n"
		"when it is not found.  Otherwise 0, or 1 on failure.  2: usage error.\n");
}

static void on_stop(int sig) { (void)sig; pgt_record_stop(); }
static void on_dump(int sig) { (void)sig; pgt_record_dump_keep(); }
static volatile sig_atomic_t cur_level = 1;
static void on_next_level(int sig) { (void)sig; cur_level = (cur_level + 1) % 4; pgt_record_set_level(cur_level); }
static void on_rt(int sig) { cur_level = sig - SIGRTMIN; pgt_record_set_level(cur_level); }

static void install_signals(void)
{
	struct sigaction sa = { 0 };

	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_dump;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_next_level;
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = on_rt;
	for (int i = 0; i < 4; i++)
		sigaction(SIGRTMIN + i, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_pids(const char *s, pid_t **out, size_t *n)
{
	char *copy = strdup(s), *tok, *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		pid_t *np;

		if (pgt_parse_u64_max(tok, 0x7fffffff, &v) || !v)
			cli_usage_error("invalid PID '%s' in --pid", tok);	/* exits */
		if (kill((pid_t)v, 0) < 0 && errno == ESRCH) {
			free(copy);
			cli_error("no process %llu (it may have exited)", (unsigned long long)v);
			exit(EXIT_RUNTIME);
		}
		np = realloc(*out, (*n + 1) * sizeof(*np));
		if (!np) {
			free(copy);
			return -ENOMEM;
		}
		*out = np;
		(*out)[(*n)++] = (pid_t)v;
	}
	free(copy);
	return 0;
}

/* The trace the recorder writes: the file of -o (or stdout for "-"),
 * made new unless --force; opened when the recorder asks, once tracing
 * is set up, so a run that cannot trace never touches it. */
static struct pgt_writer *open_output(const struct pgt_writer_opts *wo, void *ctx, int *err)
{
	const struct pgt_record_opts *o = ctx;

	return pgt_writer__open(o->output, wo, err);
}

/* The recorder's notes in words, "; " between them, cut at @size as
 * they always were (the notes were a 512-byte string). */
static const char *notes_text(const struct pgt_record_stats *st, char *buf, size_t size)
{
	buf[0] = 0;
	for (unsigned i = 0; i < st->nnotes && i < PGT_RECORD_MAX_NOTES; i++) {
		const struct pgt_record_note *n = &st->notes[i];
		size_t len = strlen(buf);
		int e = n->err;

		if (len + 2 >= size)
			break;
		if (len)
			buf[len++] = ';', buf[len++] = ' ';
		switch (n->code) {
		case PGT_RECORD_NOTE_NO_LOCK:
			snprintf(buf + len, size - len, "no lock file in %s: should the recorder die, its "
				 "tracefs instance %s stays until removed by hand", PGT_RECORD_LOCK_DIR, n->str);
			break;
		case PGT_RECORD_NOTE_NO_FANOTIFY:
			snprintf(buf + len, size - len, "no fanotify (%s): files opened and deleted during "
				 "the trace may stay unnamed", pgt_strerror(e));
			break;
		case PGT_RECORD_NOTE_DAMON_SHARED:
			snprintf(buf + len, size - len, "DAMON: listening to the paddr monitor already "
				 "running (its intervals apply)");
			break;
		case PGT_RECORD_NOTE_NO_DAMON:
			snprintf(buf + len, size - len, "no DAMON sampling (%s)",
				 e == -EBUSY ? "DAMON is in use by someone else"
				 : e == -ENOENT ? "no DAMON sysfs in this kernel" : pgt_strerror(e));
			break;
		case PGT_RECORD_NOTE_LAUNCH_FAILED:
			snprintf(buf + len, size - len, "cannot run '%s'", n->str);
			break;
		default:
			snprintf(buf + len, size - len, "note %d", n->code);
			break;
		}
	}
	return buf;
}

static void summary(const struct pgt_record_opts *o, const struct pgt_record_stats *st)
{
	char b[32];

	fprintf(stderr, "%s: %llu events, %llu lost", cli_cmd, (unsigned long long)st->events,
		(unsigned long long)st->lost);
	if (st->filtered)
		fprintf(stderr, ", %llu outside the targets", (unsigned long long)st->filtered);
	fprintf(stderr, ", %.2f s", st->elapsed);
	if (strcmp(o->output, "-") && st->bytes && (o->keep_bytes || o->keep_ns))
		fprintf(stderr, "; kept the last %llu events: %s (%.2f bytes/event) in '%s'",
			(unsigned long long)st->kept_events, cli_human_size(st->bytes, b, sizeof(b)),
			st->kept_events ? (double)st->bytes / (double)st->kept_events : 0.0, o->output);
	else if (strcmp(o->output, "-") && st->bytes)
		fprintf(stderr, ", %s (%.2f bytes/event) in '%s'", cli_human_size(st->bytes, b, sizeof(b)),
			st->events ? (double)st->bytes / (double)st->events : 0.0, o->output);
	fprintf(stderr, "\n%s: %llu files: %llu named from /proc, %llu by fanotify, %llu by the final walk, "
		"%llu unnamed; %llu processes; recorder CPU %.3f s\n", cli_cmd,
		(unsigned long long)st->objects, (unsigned long long)st->named_proc,
		(unsigned long long)st->named_fanotify, (unsigned long long)st->named_walk,
		(unsigned long long)st->unnamed, (unsigned long long)st->processes,
		st->cpu_user + st->cpu_sys);
	if (*st->missing)
		fprintf(stderr, "%s: events this kernel lacks (not recorded): %s\n", cli_cmd, st->missing);
	if (st->nnotes) {
		char notes[512];

		fprintf(stderr, "%s: note: %s\n", cli_cmd, notes_text(st, notes, sizeof(notes)));
	}
	if (st->targets_gone)
		fprintf(stderr, "%s: the processes of -p and their children have all exited\n", cli_cmd);
	if (st->have_child && (!WIFEXITED(st->child_status) || WEXITSTATUS(st->child_status)))
		fprintf(stderr, "%s: the command %s %d\n", cli_cmd,
			WIFEXITED(st->child_status) ? "exited with status" : "was killed by signal",
			WIFEXITED(st->child_status) ? WEXITSTATUS(st->child_status) : WTERMSIG(st->child_status));
}

/* Where tracefs is mounted, for messages (no mounting, no libtracefs). */
static const char *tracefs_dir(void)
{
	static char dir[256];
	struct pgt_mountinfo *mi = NULL;
	const struct pgt_mountinfo *m;
	char *text = NULL;
	size_t nmi = 0;

	snprintf(dir, sizeof(dir), "/sys/kernel/tracing");
	if (!pgt_mountinfo__read(&text, &mi, &nmi) && (m = pgt_mountinfo__find_fstype(mi, nmi, "tracefs")))
		snprintf(dir, sizeof(dir), "%s", m->mnt);
	free(mi);
	free(text);
	return dir;
}

static int report_error(const struct pgt_record_opts *o, int err, const struct pgt_record_stats *st)
{
	char b1[32], b2[32];

	if (st->path_exists) {
		cli_error("'%s' exists: --keep works in new files next to the output and never uses one "
			  "it did not make (remove it, if no recorder is using it)", st->path);
		return EXIT_RUNTIME;
	}
	if (st->pid_ns) {
		cli_error("cannot record from a PID namespace of its own (pid:[%llu]): trace events carry the "
			  "host's process IDs; run pgtrace record on the host (a container's processes: "
			  "-G CGROUP or -p HOST-PID)", (unsigned long long)st->pid_ns);
		return EXIT_RUNTIME;
	}
	if (st->buffer_failed) {
		long ncpus = sysconf(_SC_NPROCESSORS_CONF);

		cli_human_size((uint64_t)(o->buffer_kb ? o->buffer_kb : 16384) * 1024, b1, sizeof(b1));
		if (st->buffer_max_kb)
			cli_error("cannot set the ring buffer to %s per CPU: %s (the kernel takes it for each "
				  "of %ld CPUs from available memory: at most about %s per CPU here)", b1,
				  pgt_strerror(err), ncpus, cli_human_size(st->buffer_max_kb * 1024, b2, sizeof(b2)));
		else
			cli_error("cannot set the ring buffer to %s per CPU: %s", b1, pgt_strerror(err));
		return EXIT_RUNTIME;
	}
	if (st->path[0]) {
		/* --keep: a chunk or the partial output, not the output */
		if (st->output_failed == 1)
			cli_error("cannot create '%s': %s", st->path, pgt_strerror(err));
		else
			cli_error("cannot write '%s'%s: %s (the kept chunks are left in '%s.chunks')", st->path,
				  st->path_removed ? " (removed)" : "", pgt_strerror(err), o->output);
		return EXIT_RUNTIME;
	}
	if (st->output_failed == 1 && err != -EEXIST) {
		cli_error("cannot create '%s': %s", o->output, pgt_strerror(err));
		return EXIT_RUNTIME;
	}
	if (st->output_failed == 2)
		return cli_write_failed(o->output, err);	/* quiet on EPIPE */
	if (st->launch_failed)
		cli_error("cannot run '%s': %s", o->argv[0], pgt_strerror(err));
	else if (err == -EPERM || err == -EACCES)
		cli_error("needs root: recording creates a tracefs instance in %s/instances, which needs "
			  "CAP_SYS_ADMIN", tracefs_dir());
	else if (err == -ENODEV)
		cli_error("tracefs is not available (mount -t tracefs nodev /sys/kernel/tracing)");
	else if (err == -EEXIST)
		cli_error("'%s' exists (use --force to overwrite)", o->output);
	else if (err == -ENOBUFS)
		cli_error("%llu of %llu events were lost, more than --max-loss allows; "
			  "raise --buffer-size or lower --level",
			  (unsigned long long)st->lost, (unsigned long long)(st->events + st->lost));
	else if (err == -EPIPE)
		return 0;	/* the reader of our output is gone: quietly done */
	else if (err == -ENOSPC)
		cli_error("cannot write '%s': %s (the trace is readable up to its last packet)",
			  o->output, pgt_strerror(err));
	else
		cli_error("recording failed: %s", pgt_strerror(err));
	return EXIT_RUNTIME;
}

/*
 * The exit status: with a command, the command's (as time(1) and
 * strace(1) do; 128 + N when signal N killed it), 126 or 127 when it
 * could not be run (found but not runnable, not found), 125 when the
 * recording failed; without one, 0 or 1.  Usage errors are 2 either
 * way, found before anything runs.
 */
static int exit_code(const struct pgt_record_opts *o, int err, const struct pgt_record_stats *st)
{
	int rc = err ? report_error(o, err, st) : 0;

	if (!o->argv)
		return rc;
	if (st->launch_failed)
		return err == -ENOENT ? EXIT_CMD_NOT_FOUND : EXIT_CMD_CANNOT_RUN;
	if (rc)
		return EXIT_RECORD_FAILED;
	if (!st->have_child)
		return 0;	/* still running (--duration, --max-size, a closed pipe) */
	if (WIFEXITED(st->child_status))
		return WEXITSTATUS(st->child_status);
	return WIFSIGNALED(st->child_status) ? 128 + WTERMSIG(st->child_status) : EXIT_RECORD_FAILED;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* --measure: the command untraced and traced, in turns. */
static int measure(struct pgt_record_opts *o, int runs)
{
	double *plain = calloc((size_t)runs, sizeof(double)), *traced = calloc((size_t)runs, sizeof(double));
	double *cpu = calloc((size_t)runs, sizeof(double)), *total = calloc((size_t)runs, sizeof(double));
	struct pgt_record_stats st = { 0 };
	uint64_t events = 0, lost = 0, bytes = 0;
	int rc = 0;

	if (!plain || !traced || !cpu || !total) {
		free(plain);
		free(traced);
		free(cpu);
		free(total);
		cli_error("out of memory");
		return EXIT_RUNTIME;
	}
	for (int i = 0; i < runs && !rc; i++) {
		double t0;
		pid_t pid;
		int status, err, go[2];
		char g = 'g';

		/* the untraced run is timed as the recorder times the traced
		 * one: the command is forked first, waits for a go, and the
		 * clock runs from the go to its exit */
		if (pipe2(go, O_CLOEXEC) < 0) {
			cli_error("cannot run '%s': %s", o->argv[0], strerror(errno));
			rc = EXIT_RUNTIME;
			break;
		}
		pid = fork();
		if (pid == 0) {
			close(go[1]);
			if (read(go[0], &g, 1) != 1)
				_exit(127);
			execvp(o->argv[0], o->argv);
			_exit(127);
		}
		close(go[0]);
		t0 = now_s();
		if (pid > 0 && write(go[1], &g, 1) != 1)
			pid = -1;
		close(go[1]);
		if (pid < 0 || waitpid(pid, &status, 0) != pid) {
			cli_error("cannot run '%s': %s", o->argv[0], strerror(errno));
			rc = EXIT_RUNTIME;
			break;
		}
		plain[i] = now_s() - t0;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
			cli_error("cannot run '%s'", o->argv[0]);
			rc = EXIT_RUNTIME;
			break;
		}
		o->force = 1;
		t0 = now_s();
		err = pgt_record(o, &st);
		total[i] = now_s() - t0;
		traced[i] = st.child_elapsed;
		if (err) {
			rc = report_error(o, err, &st);
			break;
		}
		cpu[i] = st.cpu_user + st.cpu_sys;
		events += st.events;
		lost += st.lost;
		bytes += st.bytes;
		fprintf(stderr, "%s: run %d: untraced %.4f s, traced %.4f s (%.3f s with the recorder's start and "
			"stop), %llu events, %llu lost\n", cli_cmd, i + 1, plain[i], traced[i], total[i],
			(unsigned long long)st.events, (unsigned long long)st.lost);
	}
	if (!rc) {
		double p, t, c;

		qsort(plain, (size_t)runs, sizeof(double), cmp_double);
		qsort(traced, (size_t)runs, sizeof(double), cmp_double);
		qsort(total, (size_t)runs, sizeof(double), cmp_double);
		qsort(cpu, (size_t)runs, sizeof(double), cmp_double);
		p = plain[runs / 2];
		t = traced[runs / 2];
		c = cpu[runs / 2];
		printf("runs: %d\n"
		       "timed: the command alone, from its release (the go after fork; tracing on) to its exit\n"
		       "untraced median: %.4f s\ntraced median: %.4f s\nslowdown: %+.1f%%\n"
		       "recorder start and stop median: %.4f s (not in the slowdown)\n"
		       "recorder CPU median: %.4f s\nevents per run: %llu\nlost per run: %llu\n"
		       "bytes per event: %.3f\n",
		       runs, p, t, (t / p - 1) * 100, total[runs / 2] - t, c,
		       (unsigned long long)(events / (uint64_t)runs),
		       (unsigned long long)(lost / (uint64_t)runs), events ? (double)bytes / (double)events : 0.0);
	}
	free(plain);
	free(traced);
	free(cpu);
	free(total);
	return rc;
}

int cmd_record(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "cgroup", required_argument, NULL, 'G' },
		{ "output", required_argument, NULL, 'o' },
		{ "level", required_argument, NULL, 'l' },
		{ "duration", required_argument, NULL, 'd' },
		{ "max-size", required_argument, NULL, 'S' },
		{ "keep", required_argument, NULL, 'k' },
		{ "buffer-size", required_argument, NULL, 'b' },
		{ "max-loss", required_argument, NULL, 'L' },
		{ "damon", no_argument, NULL, 'D' },
		{ "sample", required_argument, NULL, 's' },
		{ "aggr", required_argument, NULL, 'A' },
		{ "no-names", no_argument, NULL, 'N' },
		{ "measure", optional_argument, NULL, 'M' },
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pgt_record_opts o = { .sz = sizeof(o), .output = "pgtrace.pgt", .level = 1, .max_loss = -1,
				     .open_output = open_output };
	struct pgt_record_stats st;
	pid_t *pids = NULL;
	size_t npids = 0;
	int all = 0, quiet = 0, c, err, measure_runs = 0;

	o.open_output_ctx = &o;
	/* "+": options end at the command */
	while ((c = getopt_long(argc, argv, "+ap:u:G:o:l:d:k:b:fqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': all = 1; break;
		case 'p':
			if (parse_pids(optarg, &pids, &npids))
				return EXIT_RUNTIME;
			break;
		case 'u': {
			struct passwd *pw = getpwnam(optarg);
			uint64_t v;

			if (pw) {
				o.uid = pw->pw_uid;
			} else if (pgt_parse_u64_max(optarg, 0xfffffffe, &v) == 0) {
				o.uid = (uid_t)v;
			} else {
				cli_usage_error("unknown user '%s'", optarg);
			}
			o.have_uid = 1;
			break;
		}
		case 'G': {
			static char rel[4096];
			char mnt[4096] = "", path[8300], *text = NULL;
			struct pgt_mountinfo *mi = NULL;
			const struct pgt_mountinfo *cg;
			struct stat sb;
			size_t nmi = 0;

			/* the cgroup2 hierarchy's mount (/sys/fs/cgroup, or
			 * .../unified on hybrid systems) */
			if (!pgt_mountinfo__read(&text, &mi, &nmi) &&
			    (cg = pgt_mountinfo__find_fstype(mi, nmi, "cgroup2")))
				snprintf(mnt, sizeof(mnt), "%s", cg->mnt);
			free(mi);
			free(text);
			if (!*mnt)
				cli_usage_error("no cgroup v2 hierarchy is mounted: -G needs one");
			if (!strncmp(optarg, mnt, strlen(mnt)))
				snprintf(rel, sizeof(rel), "%s", optarg + strlen(mnt));
			else
				snprintf(rel, sizeof(rel), "%s%s", optarg[0] == '/' ? "" : "/", optarg);
			snprintf(path, sizeof(path), "%s%s", mnt, rel);
			if (stat(path, &sb) < 0 || !S_ISDIR(sb.st_mode))
				cli_usage_error("no cgroup '%s' (looked for %s)", optarg, path);
			o.cgroup = *rel ? rel : "/";
			break;
		}
		case 'o': o.output = optarg; break;
		case 'l':
			o.level = (int)cli_u64_max("--level", optarg, 3);
			break;
		case 'd':
			o.duration_ns = cli_duration("--duration", optarg);
			if (!o.duration_ns)
				cli_usage_error("invalid --duration '%s': must be more than 0", optarg);
			break;
		case 'S':
			if (pgt_parse_size(optarg, &o.max_size) || !o.max_size)
				cli_usage_error("invalid --max-size '%s': expected a size such as 512M", optarg);
			break;
		case 'k':
			if (pgt_parse_duration(optarg, &o.keep_ns) == 0 && strpbrk(optarg, "smh")
			    && !strpbrk(optarg, "KMGTB")) {
				o.keep_bytes = 0;
			} else if (pgt_parse_size(optarg, &o.keep_bytes) == 0) {
				o.keep_ns = 0;
			} else {
				cli_usage_error("invalid --keep '%s': a size (256M) or a duration (30s)", optarg);
			}
			if (!o.keep_bytes && !o.keep_ns)
				cli_usage_error("invalid --keep '%s': must be more than 0", optarg);
			if (o.keep_bytes && o.keep_bytes < (64u << 10))
				cli_usage_error("invalid --keep '%s': at least 64K", optarg);
			break;
		case 'b': {
			uint64_t v;

			if (pgt_parse_size(optarg, &v) || v < 4096 || v > (64ull << 30))
				cli_usage_error("invalid --buffer-size '%s': 4K to 64G", optarg);
			o.buffer_kb = (uint32_t)(v / 1024);
			break;
		}
		case 'L': {
			double pct = cli_double("--max-loss", optarg);

			if (pct > 100)
				cli_usage_error("invalid --max-loss '%s': a percentage", optarg);
			o.max_loss = pct / 100;
			break;
		}
		case 'D': o.damon = 1; break;
		case 's': o.damon_sample_us = cli_duration("--sample", optarg) / 1000; break;
		case 'A': o.damon_aggr_us = cli_duration("--aggr", optarg) / 1000; break;
		case 'N': o.no_names = 1; break;
		case 'M':
			measure_runs = optarg ? (int)cli_u64_max("--measure", optarg, 1000) : 3;
			if (measure_runs < 1)
				cli_usage_error("invalid --measure '%s': at least 1", optarg);
			break;
		case 'f': o.force = 1; break;
		case 'q': quiet = 1; break;
		case 'h': record_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (optind < argc)
		o.argv = argv + optind;
	if (all && (npids || o.argv))
		cli_usage_error("-a records the whole system: it does not go with -p or a command");
	if (npids && o.argv)
		cli_usage_error("-p and a command: choose one");
	if (measure_runs && !o.argv)
		cli_usage_error("--measure needs a command (after --)");
	if ((o.keep_bytes || o.keep_ns) && !strcmp(o.output, "-"))
		cli_usage_error("--keep needs an output file, not a pipe");
	if (!strcmp(o.output, "-") && isatty(STDOUT_FILENO))
		cli_usage_error("will not write a binary trace to a terminal: use -o FILE or a pipe");
	o.pids = pids;
	o.npids = npids;
	if (strcmp(o.output, "-") && cli_is_symlink(o.output)) {
		cli_error("cannot create '%s': it is a symbolic link (outputs are never written through one, "
			  "even with --force)", o.output);
		return o.argv && !measure_runs ? EXIT_RECORD_FAILED : EXIT_RUNTIME;
	}
	if (!o.force && strcmp(o.output, "-") && access(o.output, F_OK) == 0)
		cli_usage_error("'%s' exists (use --force to overwrite)", o.output);
	cur_level = o.level;
	install_signals();
	if (measure_runs)
		return measure(&o, measure_runs);
	err = pgt_record(&o, &st);
	/* a summary of what was recorded, if anything was */
	if (st.output_failed == 2)
		st.bytes = 0;	/* the events went only partly into the file */
	if ((!quiet && (!err || st.events)) || (err && st.events && !st.output_failed))
		summary(&o, &st);
	free(pids);
	return exit_code(&o, err, &st);
}
