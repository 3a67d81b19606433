// SPDX-License-Identifier: GPL-2.0-or-later
/* Command-line helpers: messages, option parsing, buffered output. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "builtin.h"
#include "pgtrace/analysis.h"
#include "pgtrace/fields.h"
#include "pgtrace/rows.h"
#include "util/util.h"

const char *cli_cmd = "pgtrace";
static char last_diag[512];

/* A message quotes paths and what was typed: their control characters
 * (C0, C1, bidirectional) are shown as \xNN, as in text output, so the
 * line reads as it was written and stays one line. */
static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	static const char dig[] = "0123456789abcdef";
	char msg[1024], shown[4096];
	size_t k = 0;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (const unsigned char *p = (const unsigned char *)msg; *p && k + 5 < sizeof(shown); p++) {
		int n = pgt_out__shown_len(p);

		if (*p == '\\' && n) {
			shown[k++] = '\\';
		} else if (!n) {
			shown[k++] = '\\';
			shown[k++] = 'x';
			shown[k++] = dig[*p >> 4];
			shown[k++] = dig[*p & 15];
		} else {
			memcpy(shown + k, p, (size_t)n);
			k += (size_t)n;
			p += n - 1;
		}
	}
	shown[k] = 0;
	fprintf(stderr, "%s: %s%s\n", cli_cmd, prefix, shown);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help'.\n", cli_cmd);
	exit(EXIT_USAGE);
}

void cli_bad_option(void)
{
	/* getopt already named the option */
	fprintf(stderr, "Try '%s --help'.\n", cli_cmd);
	exit(EXIT_USAGE);
}

static void diag_cb(enum pgt_diag_level level, const char *msg, void *ctx)
{
	(void)ctx;
	if (level == PGT_DIAG_ERROR)
		snprintf(last_diag, sizeof(last_diag), "%s", msg);
	else if (level == PGT_DIAG_WARN)
		cli_warn("%s", msg);
}

void cli_init_diag(void) { pgt_set_diag(diag_cb, NULL); }
const char *cli_last_diag(void) { return last_diag; }
void cli_clear_diag(void) { last_diag[0] = 0; }

static const char *open_hint(int err)
{
	switch (-err) {
	case PGT_ENOTTRACE: return "; is it a .pgt trace?";
	case PGT_EVERSION: return "; it needs a newer pgtrace";
	case ENOENT: return "; check the path";
	case EACCES: return "; check its permissions";
	default: return "";
	}
}

struct pgt_reader *cli_open_reader(const char *path, const struct pgt_reader_opts *opts)
{
	struct pgt_reader *r;
	int err = 0;

	cli_clear_diag();
	r = pgt_reader__open(path, opts, &err);
	if (!r) {
		if (!strcmp(path, "-") && (err == -PGT_ETRUNC || err == -PGT_ENOTTRACE))
			cli_error("standard input: %s (expected a trace, e.g. from 'pgtrace gen -o -')",
				  err == -PGT_ETRUNC ? "too short to be a trace" : pgt_strerror(err));
		else if (err == -PGT_ETRUNC)
			cli_error("'%s': too short to be a trace: the header is cut off", path);
		else
			cli_error("cannot read '%s': %s%s", path, pgt_strerror(err), open_hint(err));
	}
	return r;
}

const char *cli_trace_arg(int argc, char **argv, int optind_)
{
	if (optind_ + 1 < argc)
		cli_usage_error("one trace at a time, got '%s' too", argv[optind_ + 1]);
	if (optind_ == argc && isatty(STDIN_FILENO))
		cli_usage_error("no trace given (a path, or - for standard input)");
	return optind_ < argc ? argv[optind_] : "-";	/* a pipe in: standard input */
}

struct pgt_writer *cli_open_writer(const char *path, int force, const struct pgt_header *h)
{
	struct pgt_writer_opts wo = { .sz = sizeof(wo), .force = force, .header = h };
	struct pgt_writer *w;
	int err = 0, fd;

	if (!strcmp(path, "-") && isatty(STDOUT_FILENO)) {
		cli_error("will not write a binary trace to a terminal: use -o FILE or a pipe");
		return NULL;
	}
	if (!strcmp(path, "-")) {
		w = pgt_writer__open(path, &wo, &err);
		if (!w)
			cli_write_failed(path, err);
		return w;
	}
	/* opened here, so that a failure to write the header (a full disk,
	 * /dev/full) is told as a write, not as a create */
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (force ? O_TRUNC : O_EXCL), 0600);
	if (fd < 0) {
		cli_create_failed(path, -errno);
		return NULL;
	}
	w = pgt_writer__fdopen(fd, &wo, &err);
	if (!w)
		cli_output_failed(path, err);	/* a header cut short is no trace: removed */
	return w;
}

int cli_is_symlink(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode);
}

int cli_same_file(const char *in, const char *out)
{
	struct stat a, b;

	if (stat(strcmp(in, "-") ? in : "/dev/stdin", &a) ||
	    stat(strcmp(out, "-") ? out : "/dev/stdout", &b))
		return 0;
	return S_ISREG(a.st_mode) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

void cli_refuse_same(const char *in, const char *out)
{
	if (!cli_same_file(in, out))
		return;
	/* --force would truncate the input while it is read */
	if (!strcmp(in, out))
		cli_usage_error("'%s' is both the input and the output: write to another file", out);
	cli_usage_error("'%s' is the same file as the input '%s': write to another file",
			strcmp(out, "-") ? out : "standard output", strcmp(in, "-") ? in : "standard input");
}

/*
 * Temporary outputs.  A file is written as ".NAME.pgtrace-XXXXXX" beside
 * NAME and renamed over it at the end, so that an interrupted command
 * leaves NAME whole or absent.  SIGINT, SIGTERM and SIGHUP remove the
 * temporaries before the process dies of the signal; SIGKILL cannot be
 * caught and leaves them, under that recognisable name.
 */
#define TMP_SLOTS 4
static struct {
	volatile sig_atomic_t on;
	char tmp[PATH_MAX];
	const char *path;
} tmps[TMP_SLOTS];

static void tmp_signal(int sig)
{
	for (int i = 0; i < TMP_SLOTS; i++)
		if (tmps[i].on)
			unlink(tmps[i].tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void tmp_handlers(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	static int done;
	struct sigaction sa = { .sa_handler = tmp_signal };

	if (done)
		return;
	done = 1;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		/* an ignored signal stays ignored (nohup, background jobs) */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

static int tmp_slot(const char *path)
{
	for (int i = 0; i < TMP_SLOTS; i++)
		if (tmps[i].on && tmps[i].path && !strcmp(tmps[i].path, path))
			return i;
	return -1;
}

static void tmp_drop(int i, int remove)
{
	if (remove)
		unlink(tmps[i].tmp);
	tmps[i].on = 0;
}

int cli_out_open(const char *path, int force, int flags)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path) + 1 : 0, fd, i;
	struct stat sb;

	if (!strcmp(path, "-")) {
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			cli_error("cannot write to standard output: %s", strerror(errno));
		return fd;
	}
	if (lstat(path, &sb) == 0) {
		if (S_ISLNK(sb.st_mode) || !force) {
			cli_create_failed(path, -EEXIST);
			return -1;
		}
		if (!S_ISREG(sb.st_mode)) {
			/* a device or a FIFO: streamed, as nothing can be renamed over it */
			fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				cli_create_failed(path, -errno);
			return fd;
		}
	}
	for (i = 0; i < TMP_SLOTS && tmps[i].on; i++)
		;
	if (i == TMP_SLOTS || snprintf(tmps[i].tmp, sizeof(tmps[i].tmp), "%.*s.%s.pgtrace-XXXXXX", dirlen, path,
				       base) >= (int)sizeof(tmps[i].tmp)) {
		cli_create_failed(path, -ENAMETOOLONG);
		return -1;
	}
	tmp_handlers();
	/* armed before the name exists, so that a signal right after
	 * mkostemp() still removes it (before, it unlinks a name with XXXXXX) */
	tmps[i].path = path;
	tmps[i].on = 1;
	fd = mkostemp(tmps[i].tmp, O_CLOEXEC);
	if (fd < 0) {
		int e = -errno;

		tmps[i].on = 0;
		cli_create_failed(path, e);
	}
	return fd;
}

int cli_out_commit(const char *path, int force)
{
	int i = tmp_slot(path), err = 0;

	if (i < 0)
		return 0;	/* streamed */
	if (!force) {
		/* no rename over a file made meanwhile: link fails on EEXIST */
		if (link(tmps[i].tmp, path) < 0)
			err = -errno;
		/* filesystems without hard links: rename, checked just before */
		if ((err == -EPERM || err == -EOPNOTSUPP) && !(err = 0) && rename(tmps[i].tmp, path) < 0)
			err = -errno;
	} else if (rename(tmps[i].tmp, path) < 0) {
		err = -errno;
	}
	tmp_drop(i, 1);
	if (err)
		cli_create_failed(path, err);
	return err;
}

void cli_out_abort(const char *path)
{
	int i = tmp_slot(path);

	if (i >= 0)
		tmp_drop(i, 1);
}

void cli_create_failed(const char *path, int err)
{
	/* O_NOFOLLOW: EEXIST without --force, ELOOP with it */
	if ((err == -EEXIST || err == -ELOOP) && cli_is_symlink(path))
		cli_error("cannot create '%s': it is a symbolic link (outputs are never written through one, "
			  "even with --force)", path);
	else
		cli_error("cannot create '%s': %s%s", path, pgt_strerror(err),
			  err == -EEXIST ? " (use --force to overwrite)" : "");
}

/* What to do about a full disk, or "". */
static const char *space_hint(int err)
{
	return err == -ENOSPC || err == -EDQUOT ? "; free some space or write elsewhere"
	     : err == -EFBIG ? "; write to another filesystem" : "";
}

int cli_write_failed(const char *path, int err)
{
	const char *h = space_hint(err);

	if (err == -EPIPE)
		return 0;	/* the reader went away: quietly done */
	cli_error("cannot write '%s': %s%s%s%s", strcmp(path, "-") ? path : "standard output", pgt_strerror(err),
		  *h ? " (the output is readable up to its last packet" : "", h, *h ? ")" : "");
	return EXIT_RUNTIME;
}

int cli_output_failed(const char *path, int err)
{
	const char *h = space_hint(err);
	char tail[128] = "";
	struct stat sb;
	int i = tmp_slot(path);

	if (err == -EPIPE && i < 0)
		return 0;
	if (i >= 0) {
		/* written under a temporary name: NAME itself was never touched */
		tmp_drop(i, 1);
		if (err == -EPIPE)
			return 0;
		snprintf(tail, sizeof(tail), " (the partial file was removed%s)", h);
	} else if (strcmp(path, "-") && lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && unlink(path) == 0)
		snprintf(tail, sizeof(tail), " (the partial file was removed%s)", h);
	else if (*h)
		snprintf(tail, sizeof(tail), " (%s)", h + 2);
	cli_error("cannot write '%s': %s%s", strcmp(path, "-") ? path : "standard output", pgt_strerror(err), tail);
	return EXIT_RUNTIME;
}

int cli_read_failed(const char *path, int err)
{
	const char *d = cli_last_diag();
	const char *what = err == -PGT_ETRUNC ? "; the events before it were read"
			 : err == -PGT_ECRC || err == -PGT_ECORRUPT ? "; the events before it were read (the trace is damaged)"
			 : "";

	if (!strcmp(path, "-"))
		path = "standard input";
	if (*d)
		cli_error("'%s': %s%s", path, d, what);
	else
		cli_error("'%s': %s%s", path, pgt_strerror(err), what);
	return EXIT_RUNTIME;
}

static void bad_value(const char *opt, const char *s, int err, const char *what)
{
	cli_usage_error("invalid %s '%s': %s", opt, s,
			err == -ERANGE ? "out of range" : what);
}

uint64_t cli_u64(const char *opt, const char *s)
{
	uint64_t v;
	int err = pgt_parse_u64(s, &v);

	if (err)
		bad_value(opt, s, err, "expected a non-negative integer");
	return v;
}

uint64_t cli_u64_max(const char *opt, const char *s, uint64_t max)
{
	uint64_t v;
	int err = pgt_parse_u64_max(s, max, &v);

	if (err)
		bad_value(opt, s, err, "expected a non-negative integer");
	return v;
}

/* Counts take K, M, G, T suffixes in powers of 1000, as people say them. */
uint64_t cli_count(const char *opt, const char *s)
{
	const char *typed = s;	/* messages quote what was typed, suffix and all */
	size_t n = strlen(s);
	uint64_t mult = 1, v;
	char buf[64];
	int err;

	if (n && n < sizeof(buf)) {
		char c = s[n - 1];

		mult = c == 'K' || c == 'k' ? 1000ull : c == 'M' ? 1000000ull : c == 'G' ? 1000000000ull
		       : c == 'T' ? 1000000000000ull : 1;
		if (mult > 1) {
			memcpy(buf, s, n - 1);
			buf[n - 1] = 0;
			s = buf;
		}
	}
	err = pgt_parse_u64(s, &v);
	if (err)
		bad_value(opt, typed, err, "expected a count such as 500, 64K or 20M");
	if (v > UINT64_MAX / mult)
		cli_usage_error("invalid %s '%s': out of range", opt, typed);
	return v * mult;
}

double cli_double(const char *opt, const char *s)
{
	double v;
	int err = pgt_parse_double(s, &v);

	if (err)
		bad_value(opt, s, err, "expected a non-negative number");
	return v;
}

uint64_t cli_duration(const char *opt, const char *s)
{
	uint64_t v;
	int err = pgt_parse_duration(s, &v);

	if (err)
		bad_value(opt, s, err, "expected a duration such as 250ms or 2s");
	return v;
}

void cli_range(const char *opt, const char *s, int time, struct pgt_range *r)
{
	int err = pgt_parse_range(s, time, r, NULL);

	if (err)
		bad_value(opt, s, err, time ? "expected A..B with durations, e.g. 2s..5s, 1s.., -500ms.."
					    : "expected A..B with event numbers, e.g. 100..200, 1000.., -50..");
	if (r->lo.set && r->hi.set && r->lo.anchor == r->hi.anchor && r->hi.v < r->lo.v &&
	    r->lo.anchor != PGT_ANCHOR_END)
		cli_usage_error("invalid %s '%s': end before start", opt, s);
	if (r->lo.set && r->hi.set && r->lo.anchor == PGT_ANCHOR_END &&
	    r->hi.anchor == PGT_ANCHOR_END && r->hi.v > r->lo.v)
		cli_usage_error("invalid %s '%s': end before start", opt, s);
}

size_t cli_columns_arg(const char *arg, unsigned *ids)
{
	size_t bad = 0;
	int n = pgt_rows__parse_columns(arg, ids, PGT_ROWS_MAX_COLUMNS, &bad);

	if (n < 0) {
		const char *s = arg + bad;
		size_t len = strcspn(s, ",");
		char names[256];

		pgt_fields__names(PGT_FU_COLUMN, ", ", names, sizeof(names));
		cli_usage_error("unknown field '%.*s' in --fields: expected %s", (int)len, s, names);
	}
	if (!n)
		cli_usage_error("empty --fields");
	return (size_t)n;
}

void cli_help_wrap(FILE *f, int indent, const char *text)
{
	while (*text) {
		const char *end = text, *p = text;

		/* the longest run of words that fits, at least one word */
		while (*p) {
			const char *w = p + strspn(p, " ");

			w += strcspn(w, " ");
			if (end != text && indent + (w - text) > 79)
				break;
			end = p = w;
		}
		fprintf(f, "%*s%.*s\n", indent, "", (int)(end - text), text);
		text = end + strspn(end, " ");
	}
}

const char *cli_field_names(unsigned have, unsigned lack, char *buf, size_t len)
{
	size_t n, at = 0;
	const struct pgt_field *t = pgt_fields(&n);

	buf[0] = 0;
	for (size_t i = 0; i < n; i++)
		if ((t[i].uses & have) == have && !(t[i].uses & lack) && at < len)
			at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? " " : "", t[i].name);
	return buf;
}

/* ---- output: the library's buffered writer, out of memory fatal ---- */

void out_init(struct out *o, int fd)
{
	o->name = NULL;
	if (pgt_out__init(&o->p, fd)) {
		cli_error("out of memory");
		exit(EXIT_RUNTIME);
	}
}

void out_grow(struct out *o, size_t n)
{
	if (pgt_out__grow(&o->p, n)) {
		cli_error("out of memory");
		exit(EXIT_RUNTIME);
	}
}

int cli_out_error(const char *name, int err)
{
	if (!err || err == -EPIPE)
		return 0;
	if (name)
		return cli_output_failed(name, err);
	cli_error("cannot write output: %s", strerror(-err));
	return EXIT_RUNTIME;
}

int out_finish(struct out *o)
{
	return cli_out_error(o->name, pgt_out__finish(&o->p));
}

void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	out_reserve(o, (size_t)n + 1);
	va_start(ap, fmt);
	pgt_out__vprintf(&o->p, fmt, ap);
	va_end(ap);
}

const char *cli_human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int i = 0;

	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, u[i]);
	return buf;
}

const void **cli_sorted_ptrs(const void *base, size_t *n, size_t size, int (*cmp)(const void *, const void *))
{
	const void **v = malloc((*n ? *n : 1) * sizeof(*v));

	/* an empty table would pass for a trace without objects: fail instead */
	if (!v) {
		cli_error("out of memory");
		exit(EXIT_RUNTIME);
	}
	for (size_t i = 0; i < *n; i++)
		v[i] = (const char *)base + i * size;
	qsort(v, *n, sizeof(*v), cmp);
	return v;
}

void out_caveats_text(struct out *o, unsigned caveats)
{
	for (unsigned b = 1; b < PGT_CAVEAT_LAST; b <<= 1)
		if (caveats & b)
			out_printf(o, "note: %s\n", pgt_refs_caveat_text(b));
}

void out_caveats_json(struct out *o, unsigned caveats)
{
	unsigned n = 0;

	out_str(o, "\"notes\":[");
	for (unsigned b = 1; b < PGT_CAVEAT_LAST; b <<= 1)
		if (caveats & b) {
			out_str(o, n++ ? "," : "");
			out_json_str(o, pgt_refs_caveat_text(b));
		}
	out_str(o, "]");
}

uint32_t cli_refs_arg(const char *arg)
{
	struct pgt_parse_error pe;
	uint32_t mask;

	if (pgt_refs_parse(arg, &mask, &pe))
		cli_usage_error("invalid event type '%.*s' in --refs", (int)pe.len, arg + pe.offset);
	return mask;
}

static int cmp_size(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A list of page counts through the library's one size-list parser;
 * usage errors name the item refused. */
static size_t sizes_parse(const char *opt, const char *arg, uint64_t **out)
{
	struct pgt_parse_error pe;
	size_t n;
	int err = pgt_parse_size_list(arg, UINT32_MAX, out, &n, &pe);

	if (err == -ENOMEM) {	/* a runtime failure, not a usage error */
		cli_error("out of memory");
		exit(EXIT_RUNTIME);
	}
	if (err && !pe.len && strspn(arg, ",") == strlen(arg))
		cli_usage_error("%s needs at least one size", opt);
	if (err)
		cli_usage_error("invalid size '%.*s' in %s: pages, at least 1", (int)pe.len, arg + pe.offset, opt);
	return n;
}

size_t cli_sizes_arg(const char *opt, const char *arg, uint64_t **out)
{
	size_t n = sizes_parse(opt, arg, out);

	qsort(*out, n, sizeof(**out), cmp_size);	/* printed in order, as counted */
	return n;
}

size_t cli_pages_arg(const char *opt, const char *arg, uint32_t **out)
{
	uint64_t *v;
	size_t n = sizes_parse(opt, arg, &v);

	*out = malloc(n * sizeof(**out));
	if (!*out) {
		free(v);
		cli_error("out of memory");
		exit(EXIT_RUNTIME);
	}
	for (size_t i = 0; i < n; i++)
		(*out)[i] = (uint32_t)v[i];	/* parsed up to UINT32_MAX */
	free(v);
	return n;
}

int cli_space_arg(const char *arg)
{
	if (!strcmp(arg, "file"))
		return PGT_SPACE_FILE;
	if (!strcmp(arg, "pfn"))
		return PGT_SPACE_PFN;
	cli_usage_error("invalid --space '%s': file or pfn", arg);
}

int cli_decode_threads(void)
{
	const char *e = getenv("PGTRACE_THREADS");
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t v;

	if (e && *e && !pgt_parse_u64_max(e, 64, &v))
		return (int)v;
	return ncpu > 1 ? (int)(ncpu > 4 ? 3 : ncpu - 1) : 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void progress_init(struct progress *p, const char *what, uint64_t total)
{
	p->on = isatty(STDERR_FILENO);
	p->shown = 0;
	p->total = total;
	p->what = what;
	p->last_ns = now_ns();
}

void progress_update(struct progress *p, uint64_t done)
{
	uint64_t t;

	if (!p->on)
		return;
	t = now_ns();
	if (t - p->last_ns < 200000000ull)
		return;
	p->last_ns = t;
	p->shown = 1;
	if (p->total)
		fprintf(stderr, "\r%s: %s %llu/%llu (%.0f%%)", cli_cmd, p->what,
			(unsigned long long)done, (unsigned long long)p->total,
			100.0 * (double)done / (double)p->total);
	else
		fprintf(stderr, "\r%s: %s %llu", cli_cmd, p->what, (unsigned long long)done);
}

static void progress_cb(void *ctx, uint64_t done)
{
	progress_update(ctx, done);
}

void progress_drain_opts(struct progress *p, struct pgt_drain_opts *o)
{
	*o = (struct pgt_drain_opts){ .sz = sizeof(*o), .progress = progress_cb, .ctx = p,
				      .threads = cli_decode_threads() };
}

void progress_done(struct progress *p)
{
	if (p->on && p->shown)
		fprintf(stderr, "\r\033[K");
}
