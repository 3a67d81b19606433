/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal to the importers (lib/ops/import*.c): the input buffer, line
 * splitting, checked number parsers over spans of a line, a small hash
 * map for the side tables, and the hooks each format fills in.
 */
#ifndef PGT_IMPORT_INT_H
#define PGT_IMPORT_INT_H

#include "pgtrace/ops.h"
#include "util/util.h"

#define IMP_BATCH 4096
#define IMP_BUF (1u << 20)	/* read buffer; also the longest line */
#define IMP_DEFER 1		/* handler: end the batch, give me this line again */
/*
 * The most pages one imported event may cover: 2^24, 64 GiB of 4 KiB
 * pages.  Analyses visit an event page by page (stats, phase, reduce,
 * plot, report, export to oracleGeneral), so one event of 2^32 - 1 pages
 * cost them hundreds of GB and hours; 2^24 pages is past any one kernel
 * operation (a readahead or fault-around range is at most megabytes, a
 * huge page 2^18 pages of 4 KiB) and costs a visit under a tenth of a
 * second.  Documented in pgtrace-import(1).
 */
#define PGT_IMPORT_MAX_PAGES (1u << 24)
/*
 * Events are sorted by time within a window of this many (64 bytes
 * each; a ring and a heap of that size: 32 MiB at most, their pages
 * touched as used).  An event older than one already handed out (out of
 * order by more than the window) stops the import, or is skipped with
 * --skip-bad.
 */
#define IMP_SORT_WINDOW (1u << 18)

/* A map from (a, b, string) to a value and an owned string. */
struct imp_ent {
	uint64_t a, b;
	char *ks;		/* key string (owned), or NULL */
	uint64_t val;
	char *vs;		/* value string (owned), or NULL */
	int used;
};

struct imp_map {
	struct imp_ent *e;
	size_t cap, n;
};

/* Find or create the entry of a key; *@created tells which.  The key
 * string is copied.  NULL when out of memory.  Pointers live until the
 * next call that creates an entry. */
struct imp_ent *pgt_imp_map__get(struct imp_map *m, uint64_t a, uint64_t b, const char *ks, size_t kslen,
			     int *created);
/* The entry of a key, or NULL. */
struct imp_ent *pgt_imp_map__find(const struct imp_map *m, uint64_t a, uint64_t b, const char *ks,
			      size_t kslen);
/* Replace an entry's value string with a copy of @s; -ENOMEM. */
int pgt_imp_ent__set_vs(struct imp_ent *e, const char *s, size_t len);
void pgt_imp_map__release(struct imp_map *m);

struct imp;

/* What a format implements: @fill produces events into im->evs until
 * the batch is full or the input ends (setting im->eof_seen), returning
 * 0 or a negative error that stops the stream; @finish runs once at the
 * end of the input; @free releases im->priv. */
struct imp_fmt {
	int (*init)(struct imp *im);
	int (*fill)(struct imp *im);
	int (*finish)(struct imp *im);
	void (*free)(struct imp *im);
};

struct imp {
	struct pgt_source src;
	int fd;
	int fmt;
	const struct imp_fmt *ops;
	struct pgt_import_opts o;
	char *name;		/* the input's name for paths ("" for stdin) */
	uint32_t page_size;
	unsigned page_shift;	/* log2(page_size) */

	/* input buffer: unconsumed bytes are [pos, len) */
	char *buf;
	size_t pos, len;
	size_t line_end;	/* end of the line handed out, '\n' included */
	int eof;		/* read() returned 0 */
	uint64_t consumed;	/* bytes before buf[0] */
	int eof_seen;		/* the format reached the end of the input */

	uint64_t lineno;	/* number of the current line / record */
	struct pgt_event evs[IMP_BATCH];
	size_t nev;

	int err;		/* error to return once the events are out */
	int finished;		/* finish() ran */
	char msg[200];		/* text of the last bad line */
	struct pgt_import_stats st;

	/* The sort window: events that came in time order wait in a ring
	 * (fifo), the others in a min-heap; the least of the two heads goes
	 * out first.  Ordered by (ts, line). */
	struct pgt_event *fifo, *heap;
	size_t fifo_head, nfifo, nheap;
	struct pgt_event out[IMP_BATCH];
	uint64_t out_ts;	/* ts of the last event handed out */
	int any_out;
	uint64_t emitted;	/* events handed out (their seq) */
	uint64_t reordered;	/* events that came before an older one */
	uint64_t breaks_seen, breaks_shown;
	int draining;		/* a name changes next: empty the window first */
	void *priv;		/* the format's state */
};

/* The next line, without its '\n' (and '\r'): 1 with *@s, *@n set,
 * 0 at the end of the input, or a negative error (a line longer than
 * IMP_BUF: -PGT_EPARSE with the message set).  The line stays valid and
 * unchanged until pgt_imp_line_done() or the next pgt_imp_next_line(). */
int pgt_imp_next_line(struct imp *im, const char **s, size_t *n);
/* Consume the line returned by pgt_imp_next_line(). */
void pgt_imp_line_done(struct imp *im);
/* Make @need bytes available at im->buf + im->pos; return the number
 * available (less only at the end of the input) or -errno. */
ssize_t pgt_imp_fill_bytes(struct imp *im, size_t need);

/* Run @line over every line until the batch is full or the input ends.
 * @line returns 0, IMP_DEFER (only honoured with events in the batch),
 * -PGT_EPARSE after pgt_imp_bad(), or another negative error. */
int pgt_imp_fill_lines(struct imp *im, int (*line)(struct imp *im, const char *s, size_t n));

/* An event's page count against PGT_IMPORT_MAX_PAGES: 0, or
 * -PGT_EPARSE after pgt_imp_bad(). */
int pgt_imp_check_pages(struct imp *im, uint64_t npages);
/* Record why the current line is bad; returns -PGT_EPARSE. */
int pgt_imp_bad(struct imp *im, const char *fmt, ...) PGT_PRINTF(2, 3);
/* A bad line (or record) was found: skip it (0) when skip_bad, else the
 * error to stop with. */
int pgt_imp_handle_bad(struct imp *im, int err);

/* A fresh event slot with the defaults: npages 1, no pfn. */
static inline struct pgt_event *imp_ev(struct imp *im)
{
	struct pgt_event *e = &im->evs[im->nev];

	memset(e, 0, sizeof(*e));
	e->pfn = PGT_PFN_NONE;
	e->npages = 1;
	return e;
}

static inline void imp_ev_commit(struct imp *im)
{
	im->evs[im->nev].seq = im->lineno;	/* for the sort: ties, messages */
	im->nev++;
	im->st.events++;
}

/* Checked number parsers over a span: 0, -PGT_EPARSE (not a number of
 * that form, empty, trailing characters) or -ERANGE (too big). */
int pgt_imp_dec(const char *s, size_t n, uint64_t *v);
int pgt_imp_hex(const char *s, size_t n, uint64_t *v);	/* hex digits, optional 0x */
int pgt_imp_num(const char *s, size_t n, uint64_t *v);	/* decimal, or hex with 0x */
/* "SECONDS.FRACTION" (up to 9 decimals, more are cut) or plain seconds,
 * to nanoseconds. */
int pgt_imp_secs(const char *s, size_t n, uint64_t *ns);

/* Printable form of a span for messages: at most @max bytes, control
 * characters as '?', "..." when cut. */
const char *pgt_imp_show(char *buf, size_t len, const char *s, size_t n);

/* The formats. */
extern const struct imp_fmt pgt_imp_lackey;
extern const struct imp_fmt pgt_imp_csv;
extern const struct imp_fmt pgt_imp_oracle;
extern const struct imp_fmt pgt_imp_ftrace;

/* CSV: the columns of 'pgtrace dump --format csv', shared with export. */
int pgt_imp_csv_detect(const char *line, size_t n);
/* lackey and ftrace: does this line look like theirs (for detection)? */
int pgt_imp_lackey_detect(const char *line, size_t n);
int pgt_imp_ftrace_detect(const char *line, size_t n);

#endif
