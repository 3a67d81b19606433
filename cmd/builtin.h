/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared pieces of the pgtrace command line. */
#ifndef PGT_BUILTIN_H
#define PGT_BUILTIN_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pgtrace/pgtrace.h"
#include "pgtrace/parse.h"
#include "util/out.h"

/* Exit codes: 0 success, 1 runtime failure, 2 usage error. */
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
/* record -- CMD: its own failures, apart from the command's statuses (as env(1)
 * and timeout(1) have them) */
#define EXIT_RECORD_FAILED 125
#define EXIT_CMD_CANNOT_RUN 126
#define EXIT_CMD_NOT_FOUND 127

int cmd_info(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_snap(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_cut(int argc, char **argv);
int cmd_reduce(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_phase(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_filter(int argc, char **argv);
int cmd_split(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);

/* Name of the running subcommand, for messages ("pgtrace dump"). */
extern const char *cli_cmd;

/* Print "pgtrace CMD: MSG" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error: message, "Try 'pgtrace CMD --help'.", exit 2. */
void cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Standard handling of an unknown option from getopt (exit 2). */
void cli_bad_option(void) __attribute__((noreturn));

/* The last detailed diagnostic from the library, "" if none. */
const char *cli_last_diag(void);
void cli_clear_diag(void);
void cli_init_diag(void);

/* Open a trace for reading, or print why not and return NULL. */
struct pgt_reader *cli_open_reader(const char *path, const struct pgt_reader_opts *opts);
/* The one input trace of a tool: the argument at @optind_, or standard
 * input when there is none and it is not a terminal; usage errors else. */
const char *cli_trace_arg(int argc, char **argv, int optind_);

/* Create a trace for writing, or print why not and return NULL. */
struct pgt_writer *cli_open_writer(const char *path, int force, const struct pgt_header *h);
/* Why output @path could not be created (-errno @err from an open with
 * O_NOFOLLOW and O_EXCL or O_TRUNC), one line: a symbolic link is named
 * as such, an existing file suggests --force. */
void cli_create_failed(const char *path, int err);
/* Whether @in and @out ("-": the standard streams) are one regular file,
 * through any path or hard link. */
int cli_same_file(const char *in, const char *out);
/* A usage error (exit 2) when they are: the output would destroy the
 * input.  Call before creating anything. */
void cli_refuse_same(const char *in, const char *out);
/*
 * Open output @path ("-": a duplicate of standard output) with open(2)
 * @flags (O_WRONLY or O_RDWR).  A regular file is written under a
 * temporary name beside it (".NAME.pgtrace-XXXXXX", removed on SIGINT,
 * SIGTERM and SIGHUP) that cli_out_commit() renames to @path; a device or
 * FIFO given with --force is written directly.  An existing @path without
 * @force, or a symbolic link, is refused.  Returns the fd, or -1 after one
 * line.  cli_output_failed(@path) removes the temporary.
 */
int cli_out_open(const char *path, int force, int flags);
/* Give the temporary its name (not over a file made meanwhile without
 * @force); 0, or -errno after one line.  Nothing to do when streamed. */
int cli_out_commit(const char *path, int force);
/* Remove the temporary of @path, if any, quietly. */
void cli_out_abort(const char *path);
/* Whether @path itself is a symbolic link. */
int cli_is_symlink(const char *path);
/* Report a write error on @path (one line) and return EXIT_RUNTIME. */
int cli_write_failed(const char *path, int err);
/* The same for a text or picture file (CSV, HTML, PNG...): what was
 * written of it is removed, if it is a regular file, so that no partial
 * file passes for a whole one.  Quiet on EPIPE (returns 0). */
int cli_output_failed(const char *path, int err);

/* Report a read error on @path (one line) and return EXIT_RUNTIME. */
int cli_read_failed(const char *path, int err);

/* Checked option parsers: on bad text, a usage error naming @opt. */
uint64_t cli_u64(const char *opt, const char *s);
uint64_t cli_u64_max(const char *opt, const char *s, uint64_t max);
/* A count with an optional K, M, G or T suffix (powers of 1000). */
uint64_t cli_count(const char *opt, const char *s);
double cli_double(const char *opt, const char *s);
uint64_t cli_duration(const char *opt, const char *s);
void cli_range(const char *opt, const char *s, int time, struct pgt_range *r);

/* Buffered output (lib/util/out.h) to stdout or a file; running out of
 * memory says so and exits 1.  The library's members are also reachable
 * by name (o->len), as commands read them. */
struct out {
	union {
		struct pgt_out p;
		struct { char *buf; size_t len, cap; int fd; int err; };	/* p's, in its order */
	};
	const char *name;	/* a file: named by out_finish(), removed if partial */
};

void out_init(struct out *o, int fd);
void out_grow(struct out *o, size_t n);
/* Flush and report a write error (through cli_output_failed() when
 * o->name is set); return 0 or EXIT_RUNTIME.  The fd stays open. */
int out_finish(struct out *o);
/* The report of out_finish() for -errno @err (0: none) of output @name
 * (NULL: standard output): EPIPE is quiet; 0 or EXIT_RUNTIME. */
int cli_out_error(const char *name, int err);

static inline void out_flush(struct out *o) { pgt_out__flush(&o->p); }

static inline void out_reserve(struct out *o, size_t n)
{
	if (o->p.len + n > o->p.cap)
		out_grow(o, n);
}

static inline void out_char(struct out *o, char c)
{
	out_reserve(o, 1);
	o->p.buf[o->p.len++] = c;
}

static inline void out_mem(struct out *o, const char *s, size_t n)
{
	out_reserve(o, n);
	pgt_out__mem(&o->p, s, n);
}

static inline void out_str(struct out *o, const char *s) { out_mem(o, s, strlen(s)); }
static inline void out_u64(struct out *o, uint64_t v) { pgt_out__u64(&o->p, v); }
static inline void out_i64(struct out *o, int64_t v) { pgt_out__i64(&o->p, v); }
static inline void out_hex(struct out *o, uint64_t v) { pgt_out__hex(&o->p, v); }
/* Seconds with nine decimals: 12.000001000 */
static inline void out_ts(struct out *o, uint64_t ns) { pgt_out__ts(&o->p, ns); }
void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal, quotes included. */
static inline void out_json_str(struct out *o, const char *s) { pgt_out__json_str(&o->p, s); }
/* A CSV field, quoted when needed (RFC 4180). */
static inline void out_csv_str(struct out *o, const char *s) { pgt_out__csv_str(&o->p, s); }
/* Text with control characters shown as \xNN (for terminals). */
static inline void out_text_str(struct out *o, const char *s) { pgt_out__text_str(&o->p, s); }
/* Text for HTML: markup characters as entities, control characters and
 * bytes that are not UTF-8 shown as \xNN. */
static inline void out_html_str(struct out *o, const char *s) { pgt_out__html_str(&o->p, s); }
/* A bidirectional control character's length at @p (lib/util/out.h). */
static inline int cli_bidi_len(const unsigned char *p) { return pgt_out__bidi_len(p); }
/* What a trace cannot show (enum pgt_refs_caveat bits): one line
 * "note: ..." each, or a JSON member "notes":[...] (always written). */
void out_caveats_text(struct out *o, unsigned caveats);
void out_caveats_json(struct out *o, unsigned caveats);


/* Pointers to the @n elements of @base (each @size bytes) sorted by
 * @cmp, which compares two pointers to elements; free the array.  Out of
 * memory, it says so and exits 1. */
const void **cli_sorted_ptrs(const void *base, size_t *n, size_t size, int (*cmp)(const void *, const void *));

/* The analyses' --refs LIST and --space file|pfn; usage errors else. */
uint32_t cli_refs_arg(const char *arg);
int cli_space_arg(const char *arg);
/* A list of cache sizes in pages ("16,1K,64K": K, M, G multiply by 1024),
 * each at least 1, sorted; *@out is the caller's to free.  Usage errors
 * name @opt; out of memory exits 1. */
size_t cli_sizes_arg(const char *opt, const char *arg, uint64_t **out);
/* As cli_sizes_arg, as 32-bit counts in the order given (not sorted). */
size_t cli_pages_arg(const char *opt, const char *arg, uint32_t **out);

/* dump's and export's --fields LIST: field ids (at most
 * PGT_ROWS_MAX_COLUMNS) into @ids, their count returned; usage errors
 * name the columns of the field table. */
size_t cli_columns_arg(const char *arg, unsigned *ids);

/* Help text: @text wrapped at its spaces into lines of at most 79
 * columns, each indented by @indent spaces. */
void cli_help_wrap(FILE *f, int indent, const char *text);
/* The names of the field table's entries with every bit of @have and
 * none of @lack (enum pgt_field_use), in table order, separated by
 * spaces, into @buf (truncated to @len); returns @buf. */
const char *cli_field_names(unsigned have, unsigned lack, char *buf, size_t len);

/* Threads that decode packets besides the caller's: $PGTRACE_THREADS, or
 * one less than the CPUs online, at most 3. */
int cli_decode_threads(void);

/* Human-readable size ("2.9 MiB"). */
const char *cli_human_size(uint64_t bytes, char *buf, size_t len);

/* Progress on stderr when it is a terminal. */
struct progress {
	int on, shown;
	uint64_t total, last_ns;
	const char *what;
};
void progress_init(struct progress *p, const char *what, uint64_t total);
void progress_update(struct progress *p, uint64_t done);
void progress_done(struct progress *p);
/* Drain options whose progress callback is @p (set up with
 * progress_init()) and whose decoding threads are cli_decode_threads(). */
void progress_drain_opts(struct progress *p, struct pgt_drain_opts *o);

#endif
