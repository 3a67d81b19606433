/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * expr-int.h - what the pieces of the filter expression language share:
 * the compiled form (nodes), the lexer's tokens and the parser's state.
 * lex.c reads tokens, parse.c builds the nodes (regex.c guards the cost
 * of a regular expression), eval.c runs them on events; the filter
 * operator (lib/ops/filter.c) syncs an expression once a batch and runs
 * it on each event (pgt_expr_sync(), pgt_expr_eval()).
 */
#ifndef PGT_EXPR_INT_H
#define PGT_EXPR_INT_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "pgtrace/fields.h"
#include "pgtrace/ops.h"
#include "util/util.h"

/* ---- fields ---- */

/* The fields and their names are the table of fields.h (PGT_FU_FILTER);
 * what values a field takes decides the operators it allows. */
#define K_NUM PGT_FT_NUM	/* plain unsigned number */
#define K_TIME PGT_FT_TIME	/* nanoseconds, or a duration with a unit */
#define K_DEV PGT_FT_DEV	/* major:minor, or the raw dev_t */
#define K_FLAGS PGT_FT_FLAGS	/* number or flag names; 'has' */
#define K_PAGE PGT_FT_PAGE	/* tests any page of [index, index + npages) */
#define K_TYPE PGT_FT_TYPE	/* event type names */
#define K_STR PGT_FT_STR	/* strings from the side tables */

/* ---- nodes ---- */

enum nkind { N_CONST, N_AND, N_OR, N_NOT, N_NUM, N_PAGE, N_TYPE, N_HAS, N_STR };
enum smode { S_EQ, S_SET, S_GLOB, S_REGEX };

/* Result cache of a string test: by pid (comm, cgroup) or object id (path). */
#define SCACHE_SIZE 1024u
struct scache_ent {
	uint32_t key;
	uint32_t tag;		/* epoch << 1 | result; epoch 0 is never current */
};

struct node {
	uint8_t kind;
	uint8_t field;
	uint8_t neg;		/* N_NUM, N_PAGE, N_STR: negate the test */
	uint8_t mode;		/* N_STR: enum smode */
	uint32_t n;		/* kids, intervals or strings */
	uint64_t lo, hi;	/* N_NUM/N_PAGE with one interval [lo, hi]; N_HAS mask; N_CONST value */
	uint32_t kid0;		/* N_AND/N_OR/N_NOT: first kid in expr->kids */
	uint64_t *iv;		/* n > 1: sorted disjoint intervals, lo/hi pairs */
	uint64_t *tmask;	/* N_TYPE: 256 bits */
	char **strs;		/* N_STR S_EQ/S_SET/S_GLOB */
	regex_t *re;		/* N_STR S_REGEX */
	struct scache_ent *cache; /* N_STR */
};

struct pgt_expr {
	struct node *nodes;
	uint32_t nnodes, cap_nodes;
	uint32_t *kids;
	uint32_t nkids, cap_kids;
	uint32_t root;
	int uses_meta;
	/* side-table state the caches are valid for */
	uint64_t meta;		/* serial of the meta the caches are of */
	size_t gen;
	uint32_t epoch;
	uint32_t last_pid, last_obj;
	int have_proc, have_obj;
	const struct pgt_process *proc;
	const struct pgt_object *obj;
};

/* ---- lexer ---- */

enum tok {
	T_END, T_LPAREN, T_RPAREN, T_LBRACE, T_RBRACE, T_COMMA, T_DOTDOT,
	T_AND, T_OR, T_NOT, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_MATCH, T_NMATCH,
	T_WORD, T_NUMBER, T_STRING,
};

struct token {
	int kind;
	size_t at, len;		/* where in the text */
	char *str;		/* T_STRING: the decoded value (parser-owned) */
};

#define MAX_DEPTH 200

struct parser {
	const char *text;
	size_t pos;		/* lexer position */
	struct token tok;	/* current token */
	struct pgt_expr *e;
	int depth;
	int failed;
	int err;
	char *msg;
	size_t msglen;
	size_t at;
};

/* lex.c */

/* Note the first error: its message, its offset, -PGT_EPARSE unless an
 * error is already set; later calls do nothing. */
void pgt_expr_fail(struct parser *p, size_t at, const char *fmt, ...) PGT_PRINTF(3, 4);
void pgt_expr_fail_nomem(struct parser *p);
/* The text of the current token, quoted and shortened for messages. */
const char *pgt_expr_tok_text(struct parser *p, char *buf, size_t len);
/* Read the next token into p->tok. */
void pgt_expr_next(struct parser *p);
/* Whether the current token is the word @w. */
int pgt_expr_tok_is_word(struct parser *p, const char *w);

/* regex.c */

/* NULL when the regular expression @s is cheap enough, else the reason. */
const char *pgt_expr_regex_cost(const char *s);

/* eval.c (the filter operator calls them directly: one sync a batch) */

/* Start a new cache epoch when @m is another meta or has grown: before
 * the events of each batch. */
void pgt_expr_sync(struct pgt_expr *e, const struct pgt_meta *m);
/* Whether node @n of @e holds for @ev, with @e synced to @m. */
int pgt_expr_eval(struct pgt_expr *e, const struct node *n, const struct pgt_event *ev,
		  const struct pgt_meta *m);

#endif
