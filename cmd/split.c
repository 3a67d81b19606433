// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace split: one trace per key, in a directory, with a map file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "pgtrace/fields.h"
#include "pgtrace/ops.h"
#include "util/util.h"

#define MAP_NAME "index.tsv"
#define DEFAULT_MAX_OPEN 1024u
#define FD_MARGIN 8u

static void split_usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace split --by KEY -o DIR [OPTIONS] TRACE|-\n"
		"\n"
		"Write one trace per key into DIR, each complete and carrying the side\n"
		"records its events need, and DIR/" MAP_NAME " mapping keys to files.\n"
		"\n"
		"Keys:\n");
	{
		char keys[2048];

		pgt_fields__help(PGT_FU_SPLIT, keys, sizeof(keys));
		fputs(keys, f);
	}
	fprintf(f,
		"  time:INTERVAL            slices of INTERVAL from the first event (time:10s)\n"
		"  events:N                 runs of N events (events:1M)\n"
		"\n"
		"Options:\n"
		"  -b, --by KEY           what to split by (required)\n"
		"  -o, --output DIR       directory for the traces (created if missing)\n"
		"  -t, --template T       file names: %%k the key, %%n the trace number,\n"
		"                         %%%% a percent sign (default %%k.pgt)\n"
		"      --max-open N       traces open at once (default 1024, kept under the\n"
		"                         open-file limit); others are closed and reopened\n"
		"      --buffer N         events held in memory over all traces (default 1M)\n"
		"  -f, --force            overwrite existing files in DIR\n"
		"  -v, --verbose          counts of traces, packets and reopenings on stderr\n"
		"  -h, --help             show this help\n"
		"\n"
		"Examples:\n"
		"  pgtrace split --by pid -o per-pid run.pgt\n"
		"  pgtrace split --by file --template 'file-%%n.pgt' -o per-file run.pgt\n"
		"  pgtrace split --by time:1m -o minutes run.pgt\n"
		"  pgtrace gen -p mix -o - | pgtrace split --by comm -o by-comm -\n");
}


static void parse_by(const char *arg, struct pgt_split_opts *so)
{
	const char *colon = strchr(arg, ':');
	size_t len = colon ? (size_t)(colon - arg) : strlen(arg);
	int by = pgt_split_by_parse(arg, len);
	char keys[512];

	pgt_fields__names(PGT_FU_SPLIT, ", ", keys, sizeof(keys));
	if (by < 0)
		cli_usage_error("unknown key '%s' in --by: expected %s, time:INTERVAL or events:N",
				arg, keys);
	so->by = by;
	if (by == PGT_SPLIT_TIME || by == PGT_SPLIT_EVENTS) {
		if (!colon || !colon[1])
			cli_usage_error("--by %s needs %s, e.g. '%s'", pgt_split_by_name((unsigned)by),
					by == PGT_SPLIT_TIME ? "an interval" : "a count",
					by == PGT_SPLIT_TIME ? "time:10s" : "events:1M");
		so->every = by == PGT_SPLIT_TIME ? cli_duration("--by time", colon + 1)
						 : cli_count("--by events", colon + 1);
		if (!so->every)
			cli_usage_error("invalid --by '%s': must be more than 0", arg);
	} else if (colon) {
		cli_usage_error("invalid --by '%s': only time and events take a ':' argument", arg);
	}
}

static void check_template(const char *t)
{
	int var = 0;

	if (!*t)
		cli_usage_error("empty --template");
	if (strchr(t, '/'))
		cli_usage_error("invalid --template '%s': file names only, no '/'", t);
	if (strlen(t) > 64)
		cli_usage_error("invalid --template '%s': longer than 64 characters", t);
	for (const char *p = t; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (*p == 'k' || *p == 'n')
			var = 1;
		else if (*p != '%')
			cli_usage_error("invalid --template '%s': expected %%k, %%n or %%%% after %%", t);
	}
	if (!var)
		cli_usage_error("invalid --template '%s': needs %%k or %%n, or every trace gets the same name", t);
}

static unsigned open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	unsigned n = 0;

	if (!d)
		return 16;	/* a guess on the safe side */
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n > 0 ? n - 1 : 0;	/* the directory stream's own */
}

/* The cap on open traces: what was asked, kept under RLIMIT_NOFILE minus
 * the descriptors already in use and a margin. */
static uint32_t choose_max_open(uint64_t asked)
{
	struct rlimit rl;
	uint64_t used = open_fds() + FD_MARGIN, avail;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return asked ? (uint32_t)(asked < UINT32_MAX ? asked : UINT32_MAX - 1) : DEFAULT_MAX_OPEN;
	if (asked && asked + used > rl.rlim_cur && rl.rlim_max > rl.rlim_cur) {
		/* Raising the soft limit up to the hard one is ours to do. */
		struct rlimit want = rl;

		want.rlim_cur = asked + used < rl.rlim_max ? asked + used : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl = want;
	}
	avail = rl.rlim_cur > used ? rl.rlim_cur - used : 1;
	if (avail < 1)
		avail = 1;
	if (!asked)
		return (uint32_t)(avail < DEFAULT_MAX_OPEN ? avail : DEFAULT_MAX_OPEN);
	if (asked > avail) {
		cli_warn("--max-open %llu is above what the open-file limit (%llu) leaves: using %llu",
			 (unsigned long long)asked, (unsigned long long)rl.rlim_cur,
			 (unsigned long long)avail);
		return (uint32_t)avail;
	}
	return (uint32_t)asked;
}

/* A key in the map file: tabs, newlines, backslashes, control
 * characters and bytes that are not UTF-8 escaped, so a row is always
 * one line of three+ fields, and valid UTF-8. */
static void tsv_key(struct out *o, const char *k)
{
	static const char hex[] = "0123456789abcdef";

	for (const unsigned char *p = (const unsigned char *)k; *p; p++) {
		int n = pgt_utf8_len(p);

		if (*p == '\t')
			out_str(o, "\\t");
		else if (*p == '\n')
			out_str(o, "\\n");
		else if (*p == '\\')
			out_str(o, "\\\\");
		else if (*p < 0x20 || *p == 0x7f || !n || (*p == 0xc2 && p[1] < 0xa0) ||
			 (n > 1 && cli_bidi_len(p))) {
			char e[4] = { '\\', 'x', hex[*p >> 4], hex[*p & 15] };

			out_mem(o, e, 4);
		} else {
			out_mem(o, (const char *)p, (size_t)n);
			p += n - 1;
		}
	}
}

/* The map goes under a temporary name and is renamed when whole. */
static int write_map(struct pgt_split *s, const char *dir, int force)
{
	char path[4200];
	struct out o;
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s", dir, MAP_NAME);
	fd = cli_out_open(path, force, O_WRONLY);
	if (fd < 0)
		return EXIT_RUNTIME;
	out_init(&o, fd);
	out_str(&o, "key\tfile\tevents\tfirst_ts\tlast_ts\n");
	for (uint32_t i = 0; i < pgt_split__nr_traces(s); i++) {
		const char *key, *name;
		uint64_t ev, t0, t1;

		pgt_split__trace_at(s, i, &key, &name, &ev, &t0, &t1);
		tsv_key(&o, key);
		out_char(&o, '\t');
		tsv_key(&o, name);
		out_char(&o, '\t');
		out_u64(&o, ev);
		out_char(&o, '\t');
		out_u64(&o, t0);
		out_char(&o, '\t');
		out_u64(&o, t1);
		out_char(&o, '\n');
	}
	out_flush(&o);
	rc = o.err;
	free(o.buf);
	if (close(fd) < 0 && !rc)
		rc = errno;
	if (rc) {
		cli_output_failed(path, -rc);
		return EXIT_RUNTIME;
	}
	return cli_out_commit(path, force) ? EXIT_RUNTIME : 0;
}

/*
 * SIGINT, SIGTERM, SIGHUP: the input ends there.  Every trace is then
 * closed whole and the map written for them, and the process dies of
 * the signal; without this the traces would be left without their map.
 */
static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
	stop_sig = sig;
}

static void catch_stops(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

/* Does @in (a regular file) live in directory @dfd?  Its name there, or NULL. */
static char *input_in_dir(const char *in, int dfd)
{
	struct stat a, b;
	struct dirent *de;
	char *name = NULL;
	DIR *d;
	int fd;

	if (stat(strcmp(in, "-") ? in : "/dev/stdin", &a) || !S_ISREG(a.st_mode) ||
	    fstat(dfd, &b) || a.st_dev != b.st_dev)
		return NULL;
	fd = dup(dfd);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while (!name && (de = readdir(d)))
		if (de->d_ino == a.st_ino)
			name = strdup(de->d_name);
	closedir(d);
	return name;
}

static int open_dir(const char *dir, int force)
{
	struct stat sb;
	int dfd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		cli_error("cannot create directory '%s': %s", dir, strerror(errno));
		return -1;
	}
	/* not through a symbolic link, as for every output */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		int e = errno;

		cli_error("cannot open directory '%s': %s%s", dir, strerror(e),
			  cli_is_symlink(dir) ? " (a symbolic link: not written through)"
			  : e == ENOTDIR ? " (it is not a directory)" : "");
		return -1;
	}
	if (!force && fstatat(dfd, MAP_NAME, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		cli_error("'%s/%s' exists: '%s' holds an earlier split (use --force to overwrite)",
			  dir, MAP_NAME, dir);
		close(dfd);
		return -1;
	}
	/* an earlier map would describe traces about to be overwritten: it
	 * goes now, and the new one comes when the traces are whole */
	if (force && fstatat(dfd, MAP_NAME, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode)) {
		/* refused, as every output that is a link, even with --force */
		cli_error("cannot create '%s/%s': it is a symbolic link (outputs are never written through one, "
			  "even with --force)", dir, MAP_NAME);
		close(dfd);
		return -1;
	}
	if (force && unlinkat(dfd, MAP_NAME, 0) < 0 && errno != ENOENT) {
		cli_error("cannot remove '%s/%s': %s", dir, MAP_NAME, strerror(errno));
		close(dfd);
		return -1;
	}
	return dfd;
}

static int report_failure(struct pgt_split *s, const char *dir, const char *path, int err)
{
	const char *name = pgt_split__failed(s);
	const char *d = cli_last_diag();

	if (!name)
		return cli_read_failed(path, err);
	if (*d && err == -ESTALE)
		cli_error("'%s/%s' changed while it was closed: the split stopped", dir, name);
	else if (err == -EEXIST)
		cli_error("cannot create '%s/%s': %s (use --force to overwrite)", dir, name, pgt_strerror(err));
	else {
		char p[4200];

		snprintf(p, sizeof(p), "%s/%s", dir, name);
		return cli_write_failed(p, err);
	}
	return EXIT_RUNTIME;
}

enum { OPT_MAX_OPEN = 256, OPT_BUFFER };

int cmd_split(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "output", required_argument, NULL, 'o' },
		{ "template", required_argument, NULL, 't' },
		{ "max-open", required_argument, NULL, OPT_MAX_OPEN },
		{ "buffer", required_argument, NULL, OPT_BUFFER },
		{ "force", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pgt_split_opts so = { .sz = sizeof(so), .by = -1, .tmpl = "%k.pgt", .reserved = MAP_NAME };
	struct pgt_split_stats st;
	struct pgt_split *s = NULL;
	struct pgt_drain_opts dopts = { .stop = &stop_sig };
	struct pgt_sink *sink = NULL;
	char *inside;
	struct pgt_reader *r;
	struct pgt_source *src = NULL;
	const char *dir = NULL, *path;
	uint64_t max_open = 0;
	int force = 0, verbose = 0, c, err, e2, dfd, rc = 0;

	while ((c = getopt_long(argc, argv, "b:o:t:fvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': parse_by(optarg, &so); break;
		case 'o': dir = optarg; break;
		case 't': check_template(optarg); so.tmpl = optarg; break;
		case OPT_MAX_OPEN:
			max_open = cli_count("--max-open", optarg);
			if (!max_open || max_open > (1u << 30))
				cli_usage_error("invalid --max-open '%s': expected 1 to 1G", optarg);
			break;
		case OPT_BUFFER:
			so.buffer_events = cli_count("--buffer", optarg);
			if (!so.buffer_events)
				cli_usage_error("invalid --buffer '%s': must be at least 1", optarg);
			break;
		case 'f': force = 1; break;
		case 'v': verbose = 1; break;
		case 'h': split_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	if (so.by < 0)
		cli_usage_error("no key: give --by pid, file, comm, time:10s, ...");
	if (!dir)
		cli_usage_error("no output directory: give -o DIR");
	if (optind + 1 < argc)
		cli_usage_error("one trace at a time, got '%s' too", argv[optind + 1]);
	if (optind == argc && isatty(STDIN_FILENO))
		cli_usage_error("no trace given (a path, or - for standard input)");
	path = optind < argc ? argv[optind] : "-";
	so.force = force;

	r = cli_open_reader(path, NULL);
	if (!r)
		return EXIT_RUNTIME;
	if (force && (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		/* with --force a trace of the split could take the input's name:
		 * which one is known only at run time, so not at all */
		inside = input_in_dir(path, dfd);
		close(dfd);
		if (inside) {
			pgt_reader__free(r);
			cli_usage_error("the input '%s' is in the output directory '%s' (as '%s'), where --force "
					"could overwrite it: split into another directory", path, dir, inside);
		}
	}
	dfd = open_dir(dir, force);
	if (dfd < 0) {
		pgt_reader__free(r);
		return EXIT_RUNTIME;
	}
	so.dir_fd = dfd;
	so.max_open = choose_max_open(max_open);
	s = pgt_split__new(&so, pgt_reader__header(r), &err);
	if (!s) {
		cli_error("cannot split: %s", pgt_strerror(err));
		rc = EXIT_RUNTIME;
		goto out;
	}
	/* decoding in a thread of its own: the prefetch source takes the reader */
	src = pgt_prefetch__new(pgt_reader__source(r), &err);
	r = NULL;
	if (!src) {
		cli_error("cannot split: %s", pgt_strerror(err));
		rc = EXIT_RUNTIME;
		goto out;
	}
	sink = pgt_split__sink(s);
	if (!sink) {
		cli_error("cannot split: %s", pgt_strerror(-ENOMEM));
		rc = EXIT_RUNTIME;
		goto out;
	}
	catch_stops();
	err = pgt_drain(src, &sink, 1, &dopts, NULL);
	if (err && !(stop_sig && err == -EINTR))
		rc = report_failure(s, dir, path, err);
	/* Finish every trace even after a read error: what was read is kept,
	 * each trace complete, and the map tells what is where. */
	cli_clear_diag();
	e2 = pgt_split__close(s);
	if (e2 && !rc)
		rc = report_failure(s, dir, path, e2);
	if (!pgt_split__failed(s)) {
		int m = write_map(s, dir, force);

		if (m && !rc)
			rc = m;
	}
	pgt_split__stats(s, &st);
	if (verbose)
		fprintf(stderr, "%s: %llu events into %llu trace%s in %llu packets; at most %u files open "
			"(cap %u), %llu closed and reopened later\n", cli_cmd,
			(unsigned long long)st.events, (unsigned long long)st.traces, st.traces == 1 ? "" : "s",
			(unsigned long long)st.packets, st.peak_open, st.max_open,
			(unsigned long long)st.reopens);
out:
	pgt_sink__free(sink);
	pgt_split__free(s);
	pgt_source__free(src);
	pgt_reader__free(r);
	close(dfd);
	if (stop_sig) {
		/* the traces and the map are whole: now die of the signal */
		signal(stop_sig, SIG_DFL);
		raise(stop_sig);
	}
	return rc;
}
