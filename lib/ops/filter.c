// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Filter expressions: a lexer, a recursive-descent parser into an array
 * of nodes, an evaluator, and the filter operator.  pgtrace-filter(1) is
 * the user's description of the language; in short:
 *
 *   expr   := and ('||' and)*
 *   and    := unary ('&&' unary)*
 *   unary  := '!' unary | '(' expr ')' | 'true' | 'false' | pred
 *   pred   := FIELD ('=='|'!='|'<'|'<='|'>'|'>=') VALUE
 *           | FIELD 'in' (RANGE | '{' ELEM (',' ELEM)* '}')
 *           | FIELD ('=~'|'!~') ("glob" | /regex/[i])
 *           | 'flags' 'has' FLAG
 *   ELEM   := VALUE | RANGE          RANGE := [VALUE] '..' [VALUE]  (half-open)
 *
 * Why it is shaped this way:
 *  - every numeric test compiles to "value within a sorted list of
 *    inclusive intervals, maybe negated", so ==, <, in {..}, in A..B share
 *    one evaluation path; one interval is tested inline;
 *  - event types become a 256-bit mask, whatever was written;
 *  - && and || are n-ary nodes, so a long chain does not make the
 *    evaluator recurse deeply; nesting by '(' and '!' is capped;
 *  - string tests (comm, cgroup, path) run fnmatch/regexec once per process or
 *    object, not per event: a direct-mapped cache per node keeps the
 *    result by pid or object id.  The caches are tagged with an epoch
 *    that changes whenever the side tables grew (a rename changes a path),
 *    which the meta's record log length tells exactly;
 *  - evaluation allocates nothing.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

#include "pgtrace/ops.h"
#include "pgtrace/parse.h"
#include "format/format.h"
#include "util/util.h"

/* ---- fields ---- */

enum fld {
	F_TS, F_SEQ, F_CPU, F_PID, F_TID, F_UID, F_COMM, F_TYPE, F_OBJ, F_PATH,
	F_DEV, F_INO, F_INDEX, F_NPAGES, F_PAGE, F_PFN, F_AUX, F_FLAGS, F_LEVEL, F_CGROUP,
};

/* What values a field takes, which decides the operators it allows. */
enum fkind {
	K_NUM,		/* plain unsigned number */
	K_TIME,		/* nanoseconds, or a duration with a unit */
	K_DEV,		/* major:minor, or the raw dev_t */
	K_FLAGS,	/* number or flag names; 'has' */
	K_PAGE,		/* tests any page of [index, index + npages) */
	K_TYPE,		/* event type names */
	K_STR,		/* strings from the side tables */
};

static const struct field_def {
	const char *name;
	uint8_t fld, kind;
} fields[] = {
	{ "ts", F_TS, K_TIME }, { "time", F_TS, K_TIME }, { "seq", F_SEQ, K_NUM },
	{ "cpu", F_CPU, K_NUM }, { "pid", F_PID, K_NUM }, { "tid", F_TID, K_NUM },
	{ "uid", F_UID, K_NUM }, { "comm", F_COMM, K_STR }, { "cgroup", F_CGROUP, K_STR },
	{ "type", F_TYPE, K_TYPE },
	{ "obj", F_OBJ, K_NUM }, { "path", F_PATH, K_STR }, { "file", F_PATH, K_STR },
	{ "dev", F_DEV, K_DEV }, { "ino", F_INO, K_NUM }, { "index", F_INDEX, K_NUM },
	{ "npages", F_NPAGES, K_NUM }, { "page", F_PAGE, K_PAGE }, { "pfn", F_PFN, K_NUM },
	{ "aux", F_AUX, K_NUM }, { "flags", F_FLAGS, K_FLAGS }, { "level", F_LEVEL, K_NUM },
};

static const struct { const char *name; uint16_t bit; } flag_names[] = {
	{ "write", PGT_F_WRITE }, { "major", PGT_F_MAJOR }, { "dirty", PGT_F_DIRTY },
	{ "anon", PGT_F_ANON },
};

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

static void PGT_PRINTF(3, 4) fail(struct parser *p, size_t at, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = 1;
	p->at = at;
	if (!p->err)
		p->err = -PGT_EPARSE;
	if (p->msg && p->msglen) {
		va_start(ap, fmt);
		vsnprintf(p->msg, p->msglen, fmt, ap);
		va_end(ap);
	}
}

static void fail_nomem(struct parser *p)
{
	p->err = -ENOMEM;
	fail(p, p->tok.at, "out of memory");
}

/* The text of the current token, quoted and shortened for messages. */
static const char *tok_text(struct parser *p, char *buf, size_t len)
{
	size_t n = p->tok.len;

	if (p->tok.kind == T_END)
		return "the end";
	if (n > 40)
		snprintf(buf, len, "'%.37s...'", p->text + p->tok.at);
	else
		snprintf(buf, len, "'%.*s'", (int)n, p->text + p->tok.at);
	return buf;
}

static int is_word_start(int c) { return isalpha(c) || c == '_'; }
static int is_word_char(int c) { return isalnum(c) || c == '_' || c == '-'; }


/* A double-quoted string from p->pos (at the quote). */
static void lex_string(struct parser *p)
{
	const char *s = p->text;
	size_t start = p->pos, i = p->pos + 1, o = 0;
	char *buf;

	/* the decoded string is never longer than the source */
	buf = malloc(strlen(s + start) + 1);
	if (!buf) {
		fail_nomem(p);
		return;
	}
	for (;;) {
		int c = (unsigned char)s[i];

		if (!c) {
			free(buf);
			fail(p, start, "unterminated string: a closing '\"' is missing");
			return;
		}
		if (c == '"')
			break;
		if (c == '\\') {
			int e = (unsigned char)s[i + 1];

			switch (e) {
			case '"': case '\\': buf[o++] = (char)e; i += 2; continue;
			case 'n': buf[o++] = '\n'; i += 2; continue;
			case 't': buf[o++] = '\t'; i += 2; continue;
			case 'r': buf[o++] = '\r'; i += 2; continue;
			case 'x': {
				int h = pgt_hexval((unsigned char)s[i + 2]);
				int l = h < 0 ? -1 : pgt_hexval((unsigned char)s[i + 3]);

				if (h < 0 || l < 0) {
					free(buf);
					fail(p, i, "invalid escape in string: \\x needs two hex digits");
					return;
				}
				if (!h && !l) {
					free(buf);
					fail(p, i, "a string cannot hold a NUL byte");
					return;
				}
				buf[o++] = (char)(h << 4 | l);
				i += 4;
				continue;
			}
			case 0:
				free(buf);
				fail(p, start, "unterminated string: a closing '\"' is missing");
				return;
			default:
				/* Kept for glob patterns: "\*" is a literal star */
				buf[o++] = '\\';
				buf[o++] = (char)e;
				i += 2;
				continue;
			}
		}
		buf[o++] = (char)c;
		i++;
	}
	buf[o] = 0;
	p->tok.kind = T_STRING;
	p->tok.at = start;
	p->tok.len = i + 1 - start;
	p->tok.str = buf;
	p->pos = i + 1;
}

/* Length of the valid UTF-8 character at @s, 0 if there is none. */
static int utf8_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	int n = u[0] >= 0xf0 && u[0] <= 0xf4 ? 4 : u[0] >= 0xe0 ? 3 : u[0] >= 0xc2 && u[0] < 0xe0 ? 2 : 0;

	if (u[0] > 0xf4)
		return 0;
	for (int i = 1; i < n; i++)
		if ((u[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static void next(struct parser *p)
{
	const char *s = p->text;
	size_t i = p->pos;
	int c;

	free(p->tok.str);
	p->tok.str = NULL;
	if (p->failed) {
		p->tok.kind = T_END;
		return;
	}
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	p->tok.at = i;
	p->tok.len = 1;
	c = (unsigned char)s[i];
	p->pos = i + 1;
	switch (c) {
	case 0: p->tok.kind = T_END; p->tok.len = 0; p->pos = i; return;
	case '(': p->tok.kind = T_LPAREN; return;
	case ')': p->tok.kind = T_RPAREN; return;
	case '{': p->tok.kind = T_LBRACE; return;
	case '}': p->tok.kind = T_RBRACE; return;
	case ',': p->tok.kind = T_COMMA; return;
	case '"': p->pos = i; lex_string(p); return;
	default: break;
	}
	p->tok.len = 2;
	p->pos = i + 2;
#define TWO(a, b, k) if (c == (a) && s[i + 1] == (b)) { p->tok.kind = (k); return; }
	TWO('.', '.', T_DOTDOT);
	TWO('&', '&', T_AND);
	TWO('|', '|', T_OR);
	TWO('=', '=', T_EQ);
	TWO('!', '=', T_NE);
	TWO('<', '=', T_LE);
	TWO('>', '=', T_GE);
	TWO('=', '~', T_MATCH);
	TWO('!', '~', T_NMATCH);
#undef TWO
	p->tok.len = 1;
	p->pos = i + 1;
	switch (c) {
	case '!': p->tok.kind = T_NOT; return;
	case '<': p->tok.kind = T_LT; return;
	case '>': p->tok.kind = T_GT; return;
	case '=': fail(p, i, "'=' is not an operator: use '==' to compare"); break;
	case '&': fail(p, i, "'&' is not an operator: use '&&' (for flags: 'flags has write')"); break;
	case '|': fail(p, i, "'|' is not an operator: use '||'"); break;
	default:
		if (is_word_start(c)) {
			size_t j = i + 1;

			while (is_word_char((unsigned char)s[j]))
				j++;
			p->tok.kind = T_WORD;
			p->tok.len = j - i;
			p->pos = j;
			return;
		}
		if (isdigit(c)) {
			/* numbers, durations (1.5s), devices (8:1): up to a
			 * delimiter, but never across '..' */
			size_t j = i + 1;

			while (isalnum((unsigned char)s[j]) || s[j] == '_' || s[j] == ':' ||
			       (s[j] == '.' && s[j + 1] != '.'))
				j++;
			p->tok.kind = T_NUMBER;
			p->tok.len = j - i;
			p->pos = j;
			return;
		}
		if (c == '/')
			fail(p, i, "a /regex/ only follows '=~' or '!~'");
		else if (c == '-')
			fail(p, i, "unexpected '-': numbers are never negative");
		else if (isprint(c))
			fail(p, i, "unexpected character '%c'", c);
		else if (utf8_len(s + i))
			fail(p, i, "unexpected character '%.*s'", utf8_len(s + i), s + i);
		else
			fail(p, i, "unexpected byte 0x%02x", c);
		break;
	}
	p->tok.kind = T_END;
}

static int tok_is_word(struct parser *p, const char *w)
{
	return p->tok.kind == T_WORD && p->tok.len == strlen(w) &&
	       !memcmp(p->text + p->tok.at, w, p->tok.len);
}

/* ---- building nodes ---- */

static int new_node(struct parser *p, uint8_t kind)
{
	struct pgt_expr *e = p->e;

	if (e->nnodes == e->cap_nodes) {
		uint32_t ncap = e->cap_nodes ? e->cap_nodes * 2 : 16;
		struct node *nn = realloc(e->nodes, ncap * sizeof(*nn));

		if (!nn) {
			fail_nomem(p);
			return -1;
		}
		e->nodes = nn;
		e->cap_nodes = ncap;
	}
	memset(&e->nodes[e->nnodes], 0, sizeof(struct node));
	e->nodes[e->nnodes].kind = kind;
	return (int)e->nnodes++;
}

struct ivec {
	uint32_t *v;
	uint32_t n, cap;
};

static int ivec_push(struct parser *p, struct ivec *v, uint32_t x)
{
	if (v->n == v->cap) {
		uint32_t ncap = v->cap ? v->cap * 2 : 8;
		uint32_t *nv = realloc(v->v, ncap * sizeof(*nv));

		if (!nv) {
			fail_nomem(p);
			return -1;
		}
		v->v = nv;
		v->cap = ncap;
	}
	v->v[v->n++] = x;
	return 0;
}

/* An AND/OR/NOT node over @kids (a single kid of AND/OR is returned as is). */
static int make_group(struct parser *p, uint8_t kind, const struct ivec *kids)
{
	struct pgt_expr *e = p->e;
	int id;

	if (kind != N_NOT && kids->n == 1)
		return (int)kids->v[0];
	id = new_node(p, kind);
	if (id < 0)
		return -1;
	if (e->nkids + kids->n > e->cap_kids) {
		uint32_t ncap = e->cap_kids ? e->cap_kids : 16;
		uint32_t *nk;

		while (ncap < e->nkids + kids->n)
			ncap *= 2;
		nk = realloc(e->kids, ncap * sizeof(*nk));
		if (!nk) {
			fail_nomem(p);
			return -1;
		}
		e->kids = nk;
		e->cap_kids = ncap;
	}
	e->nodes[id].kid0 = e->nkids;
	e->nodes[id].n = kids->n;
	memcpy(e->kids + e->nkids, kids->v, kids->n * sizeof(uint32_t));
	e->nkids += kids->n;
	return id;
}

/* ---- values ---- */

struct interval {
	uint64_t lo, hi;	/* inclusive */
};

static int cmp_interval(const void *a, const void *b)
{
	const struct interval *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Text of the current token as a NUL-terminated copy in @buf. */
static const char *tok_copy(struct parser *p, char *buf, size_t len)
{
	size_t n = p->tok.len < len - 1 ? p->tok.len : len - 1;

	memcpy(buf, p->text + p->tok.at, n);
	buf[n] = 0;
	return buf;
}

static int parse_u64_tok(struct parser *p, const char *fname, uint64_t *v)
{
	char buf[80], q[48];
	int err;

	if (p->tok.len >= sizeof(buf))
		err = -PGT_EPARSE;
	else
		err = pgt_parse_u64(tok_copy(p, buf, sizeof(buf)), v);
	if (err == -ERANGE)
		fail(p, p->tok.at, "number %s out of range", tok_text(p, q, sizeof(q)));
	else if (err)
		fail(p, p->tok.at, "invalid number %s for '%s'", tok_text(p, q, sizeof(q)), fname);
	return err ? -1 : 0;
}

static void expected_number(struct parser *p, const struct field_def *f, const char *what)
{
	char q[48];

	if (p->tok.kind == T_END)
		fail(p, p->tok.at, "expected %s for '%s' at the end", what, f->name);
	else
		fail(p, p->tok.at, "expected %s for '%s', found %s", what, f->name, tok_text(p, q, sizeof(q)));
}

/* One numeric value of field @f from the current token (consumed). */
static int parse_num_value(struct parser *p, const struct field_def *f, uint64_t *v)
{
	char buf[80], q[48];

	if (p->tok.kind == T_NUMBER && p->tok.len >= sizeof(buf)) {
		fail(p, p->tok.at, "invalid number %s for '%s': too long", tok_text(p, q, sizeof(q)), f->name);
		return -1;
	}
	switch (f->kind) {
	case K_TIME:
		if (p->tok.kind != T_NUMBER) {
			expected_number(p, f, "a time (nanoseconds, or a duration such as 1.5s)");
			return -1;
		}
		if (p->tok.len < sizeof(buf) && !pgt_parse_u64(tok_copy(p, buf, sizeof(buf)), v))
			break;
		/* a duration needs its unit: a bare "1.5" would be ambiguous */
		if (p->tok.len >= sizeof(buf) || !isalpha((unsigned char)buf[strlen(buf) - 1]) ||
		    pgt_parse_duration(buf, v)) {
			fail(p, p->tok.at, "invalid time %s: expected nanoseconds or a duration such as 1.5s",
			     tok_text(p, q, sizeof(q)));
			return -1;
		}
		break;
	case K_DEV: {
		const char *colon;
		const char *s;

		if (p->tok.kind != T_NUMBER && p->tok.kind != T_STRING) {
			expected_number(p, f, "a device as major:minor");
			return -1;
		}
		s = p->tok.kind == T_STRING ? p->tok.str : tok_copy(p, buf, sizeof(buf));
		colon = strchr(s, ':');
		if (colon && strlen(s) < sizeof(buf)) {
			uint64_t ma, mi;
			char tmp[80];

			memcpy(tmp, s, (size_t)(colon - s));
			tmp[colon - s] = 0;
			if (pgt_parse_u64_max(tmp, UINT32_MAX, &ma) ||
			    pgt_parse_u64_max(colon + 1, UINT32_MAX, &mi)) {
				fail(p, p->tok.at, "invalid device %s: expected major:minor such as 8:1",
				     tok_text(p, q, sizeof(q)));
				return -1;
			}
			*v = makedev((unsigned)ma, (unsigned)mi);
		} else if (colon || pgt_parse_u64(s, v)) {
			fail(p, p->tok.at, "invalid device %s: expected major:minor such as 8:1",
			     tok_text(p, q, sizeof(q)));
			return -1;
		}
		break;
	}
	case K_FLAGS:
		if (p->tok.kind == T_WORD) {
			for (size_t i = 0; i < PGT_ARRAY_SIZE(flag_names); i++)
				if (tok_is_word(p, flag_names[i].name)) {
					*v = flag_names[i].bit;
					goto done;
				}
			fail(p, p->tok.at, "unknown flag %s: expected write, major, dirty, anon or a number",
			     tok_text(p, q, sizeof(q)));
			return -1;
		}
		if (p->tok.kind != T_NUMBER) {
			expected_number(p, f, "a flag name or a number");
			return -1;
		}
		if (parse_u64_tok(p, f->name, v))
			return -1;
		break;
	default: {
		/* a value the field cannot hold would match never (==, in) or
		 * always (!=, <): most likely a mistake, so it is refused */
		uint64_t max = f->fld == F_LEVEL ? PGT_F_LEVEL_MASK >> PGT_F_LEVEL_SHIFT
			     : f->fld == F_CPU || f->fld == F_PID || f->fld == F_TID || f->fld == F_UID ||
			       f->fld == F_OBJ || f->fld == F_NPAGES ? UINT32_MAX : UINT64_MAX;

		if (p->tok.kind != T_NUMBER) {
			expected_number(p, f, "a number");
			return -1;
		}
		if (parse_u64_tok(p, f->name, v))
			return -1;
		if (*v > max) {
			fail(p, p->tok.at, "%s is out of range for '%s' (0 to %llu): it can never match",
			     tok_text(p, q, sizeof(q)), f->name, (unsigned long long)max);
			return -1;
		}
		break;
	}
	}
done:
	next(p);
	return p->failed ? -1 : 0;
}

static int parse_type_value(struct parser *p, unsigned *t)
{
	char q[48];
	int r;

	if (p->tok.kind == T_NUMBER) {
		uint64_t v;
		char buf[80];

		if (p->tok.len >= sizeof(buf) || pgt_parse_u64_max(tok_copy(p, buf, sizeof(buf)), 255, &v)) {
			fail(p, p->tok.at, "invalid event type %s: a type number is 0 to 255",
			     tok_text(p, q, sizeof(q)));
			return -1;
		}
		*t = (unsigned)v;
		next(p);
		return p->failed ? -1 : 0;
	}
	if (p->tok.kind == T_WORD)
		r = pgt_event_type_parse(p->text + p->tok.at, p->tok.len);
	else if (p->tok.kind == T_STRING)
		r = pgt_event_type_parse(p->tok.str, strlen(p->tok.str));
	else {
		if (p->tok.kind == T_END)
			fail(p, p->tok.at, "expected an event type such as lookup at the end");
		else
			fail(p, p->tok.at, "expected an event type such as lookup, found %s",
			     tok_text(p, q, sizeof(q)));
		return -1;
	}
	if (r < 0) {
		char names[256];
		size_t o = 0;

		names[0] = 0;
		for (unsigned i = 1; i < PGT_EV_NTYPES && o < sizeof(names); i++)
			o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", i > 1 ? ", " : "",
					      pgt_event_type_name(i));
		fail(p, p->tok.at, "unknown event type %s: expected one of %s", tok_text(p, q, sizeof(q)),
		     names);
		return -1;
	}
	*t = (unsigned)r;
	next(p);
	return p->failed ? -1 : 0;
}

/* Intervals of a numeric set; sorted and merged into the node. */
static int set_intervals(struct parser *p, int id, struct interval *iv, uint32_t n)
{
	struct node *nd;
	uint32_t m = 0;

	qsort(iv, n, sizeof(*iv), cmp_interval);
	for (uint32_t i = 0; i < n; i++) {
		if (iv[i].lo > iv[i].hi)
			continue;	/* empty */
		if (m && (iv[i].lo <= iv[m - 1].hi || iv[i].lo - 1 == iv[m - 1].hi)) {
			if (iv[i].hi > iv[m - 1].hi)
				iv[m - 1].hi = iv[i].hi;
			continue;
		}
		iv[m++] = iv[i];
	}
	nd = &p->e->nodes[id];
	nd->n = m;
	if (m == 0) {
		/* matches nothing: an interval that holds no value */
		nd->lo = 1;
		nd->hi = 0;
		nd->n = 1;
	} else if (m == 1) {
		nd->lo = iv[0].lo;
		nd->hi = iv[0].hi;
	} else {
		nd->iv = malloc((size_t)m * 2 * sizeof(uint64_t));
		if (!nd->iv) {
			fail_nomem(p);
			return -1;
		}
		for (uint32_t i = 0; i < m; i++) {
			nd->iv[2 * i] = iv[i].lo;
			nd->iv[2 * i + 1] = iv[i].hi;
		}
	}
	return 0;
}

static int is_range_field(const struct field_def *f)
{
	return f->kind == K_NUM || f->kind == K_TIME || f->kind == K_PAGE;
}

/* A range "[A]..[B]" when the current token starts one (A already read
 * when @have_lo).  Half-open [A, B) as inclusive [lo, hi]. */
static int parse_range_rest(struct parser *p, const struct field_def *f, int have_lo, uint64_t lo,
			    size_t at, struct interval *out)
{
	uint64_t hi = UINT64_MAX;
	int open_hi = 1;

	if (!is_range_field(f)) {
		fail(p, at, "a range A..B needs a number field; '%s' is not one", f->name);
		return -1;
	}
	next(p);	/* '..' */
	if (p->failed)
		return -1;
	if (p->tok.kind == T_NUMBER) {
		if (parse_num_value(p, f, &hi))
			return -1;
		open_hi = 0;
	} else if (!have_lo) {
		expected_number(p, f, "the end of the range");
		return -1;
	}
	if (!have_lo)
		lo = 0;
	if (!open_hi && hi < lo) {
		fail(p, at, "invalid range: end before start");
		return -1;
	}
	out->lo = lo;
	if (open_hi)
		out->hi = UINT64_MAX;
	else if (hi == lo) {
		out->lo = 1;	/* empty: A..A */
		out->hi = 0;
	} else
		out->hi = hi - 1;
	return 0;
}

/* One element of a set or a range after 'in': value or range. */
static int parse_elem(struct parser *p, const struct field_def *f, struct interval *out)
{
	size_t at = p->tok.at;
	uint64_t v;

	if (p->tok.kind == T_DOTDOT)
		return parse_range_rest(p, f, 0, 0, at, out);
	if (parse_num_value(p, f, &v))
		return -1;
	if (p->tok.kind == T_DOTDOT)
		return parse_range_rest(p, f, 1, v, at, out);
	out->lo = out->hi = v;
	return 0;
}

static int grow_intervals(struct parser *p, struct interval **iv, uint32_t *cap, uint32_t n)
{
	if (n < *cap)
		return 0;
	{
		uint32_t ncap = *cap ? *cap * 2 : 8;
		struct interval *ni = realloc(*iv, ncap * sizeof(*ni));

		if (!ni) {
			fail_nomem(p);
			return -1;
		}
		*iv = ni;
		*cap = ncap;
	}
	return 0;
}

static int push_str(struct parser *p, struct node *nd, uint32_t *cap)
{
	if (nd->n == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 4;
		char **ns = realloc(nd->strs, ncap * sizeof(*ns));

		if (!ns) {
			fail_nomem(p);
			return -1;
		}
		nd->strs = ns;
		*cap = ncap;
	}
	nd->strs[nd->n++] = p->tok.str;
	p->tok.str = NULL;	/* the node owns it now */
	return 0;
}

static void expect_string(struct parser *p, const struct field_def *f, const char *after)
{
	char q[48];

	if (p->tok.kind == T_END)
		fail(p, p->tok.at, "expected a string in double quotes after '%s'", after);
	else
		fail(p, p->tok.at, "expected a string in double quotes for '%s', found %s", f->name,
		     tok_text(p, q, sizeof(q)));
}

static int alloc_cache(struct parser *p, int id)
{
	p->e->nodes[id].cache = calloc(SCACHE_SIZE, sizeof(struct scache_ent));
	if (!p->e->nodes[id].cache) {
		fail_nomem(p);
		return -1;
	}
	return 0;
}

/* 'FIELD in ...' with the current token after 'in'. */
static int parse_in(struct parser *p, const struct field_def *f)
{
	struct interval *iv = NULL;
	uint32_t n = 0, cap = 0, scap = 0;
	size_t brace = p->tok.at;
	int id = -1;
	uint8_t kind = f->kind == K_TYPE ? N_TYPE : f->kind == K_STR ? N_STR
		     : f->kind == K_PAGE ? N_PAGE : N_NUM;

	id = new_node(p, kind);
	if (id < 0)
		return -1;
	p->e->nodes[id].field = f->fld;
	if (kind == N_TYPE) {
		p->e->nodes[id].tmask = calloc(4, sizeof(uint64_t));
		if (!p->e->nodes[id].tmask)
			goto nomem;
	}
	if (kind == N_STR) {
		p->e->nodes[id].mode = S_SET;
		p->e->uses_meta = 1;
		if (alloc_cache(p, id))
			goto fail;
	}
	if (p->tok.kind != T_LBRACE) {
		/* a bare range */
		if (p->tok.kind != T_NUMBER && p->tok.kind != T_DOTDOT) {
			char q[48];

			if (p->tok.kind == T_END)
				fail(p, p->tok.at, "expected '{' or a range A..B after 'in'");
			else
				fail(p, p->tok.at, "expected '{' or a range A..B after 'in', found %s",
				     tok_text(p, q, sizeof(q)));
			goto fail;
		}
		if (!is_range_field(f)) {
			fail(p, p->tok.at, "a range A..B needs a number field; '%s' is not one", f->name);
			goto fail;
		}
		if (grow_intervals(p, &iv, &cap, 0))
			goto fail;
		{
			size_t at = p->tok.at;
			uint64_t v = 0;
			int have = 0;

			if (p->tok.kind == T_NUMBER) {
				if (parse_num_value(p, f, &v))
					goto fail;
				have = 1;
				if (p->tok.kind != T_DOTDOT) {
					char q[48];

					fail(p, p->tok.at, "expected '..' of a range A..B, found %s",
					     tok_text(p, q, sizeof(q)));
					goto fail;
				}
			}
			if (parse_range_rest(p, f, have, v, at, &iv[0]))
				goto fail;
			n = 1;
		}
		goto build;
	}
	next(p);	/* '{' */
	if (p->failed)
		goto fail;
	if (p->tok.kind == T_RBRACE) {
		fail(p, brace, "empty set: list at least one value in '{...}'");
		goto fail;
	}
	for (;;) {
		size_t elem_at = p->tok.at;

		if (kind == N_TYPE) {
			unsigned t;

			if (parse_type_value(p, &t))
				goto fail;
			p->e->nodes[id].tmask[t >> 6] |= 1ull << (t & 63);
		} else if (kind == N_STR) {
			if (p->tok.kind != T_STRING) {
				expect_string(p, f, "{");
				goto fail;
			}
			if (push_str(p, &p->e->nodes[id], &scap))
				goto fail;
			next(p);
		} else {
			if (grow_intervals(p, &iv, &cap, n) || parse_elem(p, f, &iv[n]))
				goto fail;
			n++;
		}
		if (p->failed)
			goto fail;
		if (p->tok.kind == T_DOTDOT) {
			fail(p, elem_at, "a range A..B needs a number field; '%s' is not one", f->name);
			goto fail;
		}
		if (p->tok.kind == T_RBRACE)
			break;
		if (p->tok.kind != T_COMMA) {
			char q[48];

			if (p->tok.kind == T_END)
				fail(p, brace, "unclosed '{': a '}' is missing");
			else
				fail(p, p->tok.at, "expected ',' or '}' in the set, found %s",
				     tok_text(p, q, sizeof(q)));
			goto fail;
		}
		next(p);
		if (p->failed)
			goto fail;
	}
	next(p);	/* '}' */
	if (p->failed)
		goto fail;
build:
	if ((kind == N_NUM || kind == N_PAGE) && set_intervals(p, id, iv, n))
		goto fail;
	free(iv);
	return id;
nomem:
	fail_nomem(p);
fail:
	free(iv);
	return -1;
}

/*
 * glibc compiles a regex by copying repeated parts, so "a++++++++" or
 * "(a{1,255}){1,255}" takes seconds and gigabytes, and back-references
 * make matching exponential.  Estimate the size of the compiled pattern
 * (a repeated element counts as many times as it may repeat) and refuse
 * what would be huge; a repetition of a repetition ("a**", POSIX leaves
 * it undefined) and back-references are refused outright.  Anchors
 * (^ $ \b \B \< \> \` \') split glibc's states by the context they
 * test: a repeated part that may match nothing ("(\b|^)*", "^(){1,255}",
 * found by fuzz-expr) costs time and memory exponential in the pattern,
 * and so do many anchors, so such a repetition is refused and anchors
 * are counted like the size.
 * Return NULL when the pattern is fine, else the reason.
 */
#define REGEX_MAX_COST 10000.0
#define REGEX_MAX_ANCHORS 32.0
static const char *regex_cost(const char *s)
{
	double sum[32], last[32], asum[32], alast[32];
	/* nul[d]: the alternative being read may match nothing so far;
	 * gnul[d]: an earlier alternative of the group may; before: nul[d]
	 * before the last element, which last_nul tells about */
	int nul[32], gnul[32], before = 1, last_nul = 0;
	int d = 0, prev_rep = 0;

	sum[0] = last[0] = asum[0] = alast[0] = 0;
	nul[0] = 1;
	gnul[0] = 0;
#define ELEM(w, a, n) do { before = nul[d]; sum[d] += (w); last[d] = (w); asum[d] += (a); \
			   alast[d] = (a); nul[d] = nul[d] && (n); last_nul = (n); prev_rep = 0; } while (0)
#define ATOM(w) ELEM(w, 0, 0)
#define MULT(k, may_skip) do { sum[d] += last[d] * ((k) - 1); last[d] *= (k); \
			       asum[d] += alast[d] * ((k) - 1); alast[d] *= (k); \
			       if (may_skip) nul[d] = before; } while (0)
	for (size_t i = 0; s[i]; i++) {
		switch (s[i]) {
		case '\\':
			if (s[i + 1] >= '1' && s[i + 1] <= '9')
				return "back-references are not supported";
			if (s[i + 1] && strchr("bB<>`'", s[i + 1])) {
				i++;
				ELEM(1, 1, 1);
				break;
			}
			if (s[i + 1])
				i++;
			ATOM(1);
			break;
		case '^': case '$':
			ELEM(1, 1, 1);
			break;
		case '[':
			/* a bracket expression is one element: skip to its ']' */
			i++;
			if (s[i] == '^')
				i++;
			if (s[i] == ']')
				i++;
			while (s[i] && s[i] != ']') {
				if (s[i] == '[' && (s[i + 1] == ':' || s[i + 1] == '.' || s[i + 1] == '=')) {
					const char *end = strchr(s + i + 2, s[i + 1]);

					if (end && end[1] == ']')
						i = (size_t)(end - s) + 1;
				}
				i++;
			}
			if (!s[i])
				return NULL;	/* regcomp says what is wrong */
			ATOM(1);
			break;
		case '(':
			if (d == 31)
				return "too many nested groups";
			d++;
			sum[d] = last[d] = asum[d] = alast[d] = 0;
			nul[d] = 1;
			gnul[d] = 0;
			prev_rep = last_nul = 0;
			break;
		case ')':
			if (d) {
				double w = sum[d] > 1 ? sum[d] : 1, a = asum[d];
				int n = nul[d] || gnul[d];

				d--;
				ELEM(w, a, n);
			} else {
				ATOM(1);
			}
			break;
		case '|':
			gnul[d] |= nul[d];
			nul[d] = 1;
			last[d] = alast[d] = 0;
			prev_rep = last_nul = 0;
			break;
		case '*': case '+': case '?':
			if (prev_rep)
				return "a repetition of a repetition";
			if (last_nul)
				return "a repetition of what may match nothing";
			MULT(2, s[i] != '+');
			prev_rep = 1;
			break;
		case '{': {
			size_t j = i + 1;
			double m = 0, n = -1;

			/* glibc reads "{,N}" as "{0,N}" */
			if (!isdigit((unsigned char)s[j]) && !(s[j] == ',' && isdigit((unsigned char)s[j + 1]))) {
				ATOM(1);
				break;
			}
			while (isdigit((unsigned char)s[j]) && m < 1e6)
				m = m * 10 + (s[j++] - '0');
			if (s[j] == ',') {
				j++;
				if (isdigit((unsigned char)s[j])) {
					n = 0;
					while (isdigit((unsigned char)s[j]) && n < 1e6)
						n = n * 10 + (s[j++] - '0');
				}
			} else {
				n = m;
			}
			if (s[j] != '}') {
				ATOM(1);
				break;
			}
			if (prev_rep)
				return "a repetition of a repetition";
			if (last_nul)
				return "a repetition of what may match nothing";
			MULT((n < 0 ? m + 1 : n) + 1, m == 0);
			prev_rep = 1;
			i = j;
			break;
		}
		default:
			ATOM(1);
			break;
		}
		if (sum[d] > REGEX_MAX_COST)
			return "too complex (too many repetitions)";
		if (asum[d] > REGEX_MAX_ANCHORS)
			return "too complex (too many anchors such as ^, $ or \\b)";
	}
#undef ELEM
#undef ATOM
#undef MULT
	return NULL;
}

/* After '=~' / '!~': "glob" or /regex/ with optional 'i'. */
static int parse_match(struct parser *p, const struct field_def *f, int neg, size_t op_at)
{
	const char *s = p->text;
	size_t i = p->pos, start;
	int id, cflags = REG_EXTENDED | REG_NOSUB;
	char *pat;
	size_t o = 0;

	if (f->kind != K_STR) {
		fail(p, op_at, "'%s' needs a string field (comm, cgroup, path); '%s' is not one",
		     neg ? "!~" : "=~", f->name);
		return -1;
	}
	id = new_node(p, N_STR);
	if (id < 0)
		return -1;
	p->e->uses_meta = 1;
	p->e->nodes[id].field = f->fld;
	p->e->nodes[id].neg = (uint8_t)neg;
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	if (s[i] != '/') {
		next(p);
		if (p->failed)
			return -1;
		if (p->tok.kind != T_STRING) {
			char q[48];

			if (p->tok.kind == T_END)
				fail(p, p->tok.at, "expected a \"glob\" or a /regex/ after '%s'", neg ? "!~" : "=~");
			else
				fail(p, p->tok.at, "expected a \"glob\" or a /regex/ after '%s', found %s",
				     neg ? "!~" : "=~", tok_text(p, q, sizeof(q)));
			return -1;
		}
		p->e->nodes[id].mode = S_GLOB;
		p->e->nodes[id].strs = malloc(sizeof(char *));
		if (!p->e->nodes[id].strs) {
			fail_nomem(p);
			return -1;
		}
		p->e->nodes[id].strs[0] = p->tok.str;
		p->e->nodes[id].n = 1;
		p->tok.str = NULL;
		if (alloc_cache(p, id))
			return -1;
		next(p);
		return p->failed ? -1 : id;
	}
	/* a regex: up to the next unescaped '/'; '\/' is a slash, every
	 * other escape goes to regcomp as written */
	start = i;
	pat = malloc(strlen(s + i) + 1);
	if (!pat) {
		fail_nomem(p);
		return -1;
	}
	for (i++; s[i] && s[i] != '/'; i++) {
		if (s[i] == '\\' && s[i + 1] == '/') {
			pat[o++] = '/';
			i++;
		} else if (s[i] == '\\' && s[i + 1]) {
			pat[o++] = s[i++];
			pat[o++] = s[i];
		} else {
			pat[o++] = s[i];
		}
	}
	pat[o] = 0;
	if (!s[i]) {
		free(pat);
		fail(p, start, "unterminated regex: a closing '/' is missing");
		return -1;
	}
	i++;
	while (isalpha((unsigned char)s[i])) {
		if (s[i] != 'i') {
			free(pat);
			fail(p, i, "unknown regex flag '%c': only 'i' (ignore case) is known", s[i]);
			return -1;
		}
		cflags |= REG_ICASE;
		i++;
	}
	{
		const char *why = regex_cost(pat);

		if (why) {
			free(pat);
			fail(p, start, "invalid regex: %s", why);
			return -1;
		}
	}
	p->e->nodes[id].mode = S_REGEX;
	p->e->nodes[id].re = malloc(sizeof(regex_t));
	if (!p->e->nodes[id].re) {
		free(pat);
		fail_nomem(p);
		return -1;
	}
	{
		int rc = regcomp(p->e->nodes[id].re, pat, cflags);

		free(pat);
		if (rc) {
			char why[128];

			regerror(rc, p->e->nodes[id].re, why, sizeof(why));
			free(p->e->nodes[id].re);
			p->e->nodes[id].re = NULL;
			if (rc == REG_ESPACE)	/* the regex is fine: memory ran out */
				fail_nomem(p);
			else
				fail(p, start, "invalid regex: %s", why);
			return -1;
		}
	}
	if (alloc_cache(p, id))
		return -1;
	p->pos = i;
	next(p);
	return p->failed ? -1 : id;
}

static const char *op_name(int t)
{
	switch (t) {
	case T_EQ: return "==";
	case T_NE: return "!=";
	case T_LT: return "<";
	case T_LE: return "<=";
	case T_GT: return ">";
	case T_GE: return ">=";
	default: return "?";
	}
}

/* FIELD OP VALUE with the current token at VALUE and @op the operator. */
static int parse_cmp(struct parser *p, const struct field_def *f, int op, size_t op_at)
{
	struct interval iv;
	uint64_t v;
	int id;

	if (f->kind == K_TYPE) {
		unsigned t;

		if (op != T_EQ && op != T_NE) {
			fail(p, op_at, "'%s' does not apply to 'type': use ==, != or in {...}", op_name(op));
			return -1;
		}
		id = new_node(p, N_TYPE);
		if (id < 0)
			return -1;
		p->e->nodes[id].field = f->fld;
		p->e->nodes[id].tmask = calloc(4, sizeof(uint64_t));
		if (!p->e->nodes[id].tmask) {
			fail_nomem(p);
			return -1;
		}
		if (parse_type_value(p, &t))
			return -1;
		p->e->nodes[id].tmask[t >> 6] |= 1ull << (t & 63);
		if (op == T_NE)
			for (int w = 0; w < 4; w++)
				p->e->nodes[id].tmask[w] = ~p->e->nodes[id].tmask[w];
		return id;
	}
	if (f->kind == K_STR) {
		uint32_t scap = 0;

		if (op != T_EQ && op != T_NE) {
			fail(p, op_at, "'%s' does not apply to the string field '%s': use ==, !=, =~ or in {...}",
			     op_name(op), f->name);
			return -1;
		}
		if (p->tok.kind != T_STRING) {
			expect_string(p, f, op_name(op));
			return -1;
		}
		id = new_node(p, N_STR);
		if (id < 0)
			return -1;
		p->e->uses_meta = 1;
		p->e->nodes[id].field = f->fld;
		p->e->nodes[id].mode = S_EQ;
		p->e->nodes[id].neg = op == T_NE;
		if (push_str(p, &p->e->nodes[id], &scap) || alloc_cache(p, id))
			return -1;
		next(p);
		return p->failed ? -1 : id;
	}
	id = new_node(p, f->kind == K_PAGE ? N_PAGE : N_NUM);
	if (id < 0)
		return -1;
	p->e->nodes[id].field = f->fld;
	if (parse_num_value(p, f, &v))
		return -1;
	switch (op) {
	case T_EQ: case T_NE: iv.lo = iv.hi = v; break;
	case T_LT: iv.lo = v ? 0 : 1; iv.hi = v ? v - 1 : 0; break;
	case T_LE: iv.lo = 0; iv.hi = v; break;
	case T_GT: iv.lo = v == UINT64_MAX ? 1 : v + 1; iv.hi = v == UINT64_MAX ? 0 : UINT64_MAX; break;
	default: iv.lo = v; iv.hi = UINT64_MAX; break;
	}
	p->e->nodes[id].neg = op == T_NE;
	p->e->nodes[id].lo = iv.lo;
	p->e->nodes[id].hi = iv.hi;
	p->e->nodes[id].n = 1;
	return id;
}

static int parse_or(struct parser *p);

static int parse_predicate(struct parser *p)
{
	const struct field_def *f = NULL;
	char q[48];
	size_t op_at;
	int op;

	for (size_t i = 0; i < PGT_ARRAY_SIZE(fields); i++)
		if (tok_is_word(p, fields[i].name))
			f = &fields[i];
	if (!f) {
		for (size_t i = 0; i < PGT_ARRAY_SIZE(flag_names); i++)
			if (tok_is_word(p, flag_names[i].name)) {
				fail(p, p->tok.at, "unknown field '%s' (to test a flag: 'flags has %s')",
				     flag_names[i].name, flag_names[i].name);
				return -1;
			}
		if (pgt_event_type_parse(p->text + p->tok.at, p->tok.len) > 0) {
			fail(p, p->tok.at, "unknown field %s (to test the event type: 'type == %.*s')",
			     tok_text(p, q, sizeof(q)), (int)p->tok.len, p->text + p->tok.at);
			return -1;
		}
		fail(p, p->tok.at, "unknown field %s: expected ts, seq, cpu, pid, tid, uid, comm, cgroup, type, obj, "
		     "path, file, dev, ino, index, npages, page, pfn, aux, flags or level",
		     tok_text(p, q, sizeof(q)));
		return -1;
	}
	if (f->fld == F_UID || f->fld == F_DEV || f->fld == F_INO || f->kind == K_STR)
		p->e->uses_meta = 1;
	next(p);
	if (p->failed)
		return -1;
	op = p->tok.kind;
	op_at = p->tok.at;
	switch (op) {
	case T_EQ: case T_NE: case T_LT: case T_LE: case T_GT: case T_GE:
		next(p);
		if (p->failed)
			return -1;
		return parse_cmp(p, f, op, op_at);
	case T_MATCH:
	case T_NMATCH:
		/* the pattern is lexed by parse_match: a '/' starts a regex */
		return parse_match(p, f, op == T_NMATCH, op_at);
	default:
		break;
	}
	if (tok_is_word(p, "in")) {
		next(p);
		if (p->failed)
			return -1;
		return parse_in(p, f);
	}
	if (tok_is_word(p, "has")) {
		uint64_t v;
		int id;

		if (f->kind != K_FLAGS) {
			fail(p, p->tok.at, "'has' applies to 'flags' only");
			return -1;
		}
		next(p);
		if (p->failed || parse_num_value(p, f, &v))
			return -1;
		id = new_node(p, N_HAS);
		if (id < 0)
			return -1;
		p->e->nodes[id].lo = v;
		return id;
	}
	if (op == T_END)
		fail(p, p->tok.at, "expected an operator after '%s' (==, !=, <, <=, >, >=, in, =~)", f->name);
	else
		fail(p, p->tok.at, "expected an operator after '%s' (==, !=, <, <=, >, >=, in, =~), found %s",
		     f->name, tok_text(p, q, sizeof(q)));
	return -1;
}

static int parse_unary(struct parser *p)
{
	char q[48];
	int id;

	if (++p->depth > MAX_DEPTH) {
		fail(p, p->tok.at, "expression nested too deeply (more than %d levels)", MAX_DEPTH);
		return -1;
	}
	switch (p->tok.kind) {
	case T_NOT: {
		struct ivec one = { 0 };
		int kid;

		next(p);
		if (p->failed)
			return -1;
		kid = parse_unary(p);
		if (kid < 0 || ivec_push(p, &one, (uint32_t)kid)) {
			free(one.v);
			return -1;
		}
		id = make_group(p, N_NOT, &one);
		free(one.v);
		break;
	}
	case T_LPAREN: {
		size_t open = p->tok.at;

		next(p);
		if (p->failed)
			return -1;
		id = parse_or(p);
		if (id < 0)
			return -1;
		if (p->tok.kind != T_RPAREN) {
			if (p->tok.kind == T_END)
				fail(p, open, "unclosed '(': a ')' is missing");
			else
				fail(p, p->tok.at, "expected ')' or an operator, found %s",
				     tok_text(p, q, sizeof(q)));
			return -1;
		}
		next(p);
		break;
	}
	case T_WORD:
		if (tok_is_word(p, "true") || tok_is_word(p, "false")) {
			id = new_node(p, N_CONST);
			if (id >= 0)
				p->e->nodes[id].lo = tok_is_word(p, "true");
			next(p);
			break;
		}
		id = parse_predicate(p);
		break;
	case T_END:
		if (p->tok.at == 0 || !p->text[strspn(p->text, " \t\r\n")])
			fail(p, p->tok.at, "empty expression");
		else
			fail(p, p->tok.at, "expected a condition at the end, such as 'pid == 1000'");
		return -1;
	case T_RPAREN:
		fail(p, p->tok.at, "unexpected ')': expected a condition");
		return -1;
	default:
		fail(p, p->tok.at, "expected a field, '!' or '(', found %s", tok_text(p, q, sizeof(q)));
		return -1;
	}
	p->depth--;
	return p->failed ? -1 : id;
}

static int parse_chain(struct parser *p, int tok, uint8_t kind, int (*sub)(struct parser *))
{
	struct ivec kids = { 0 };
	int id;

	for (;;) {
		id = sub(p);
		if (id < 0 || ivec_push(p, &kids, (uint32_t)id))
			goto fail;
		if (p->tok.kind != tok)
			break;
		next(p);
		if (p->failed)
			goto fail;
	}
	id = make_group(p, kind, &kids);
	free(kids.v);
	return id;
fail:
	free(kids.v);
	return -1;
}

static int parse_and(struct parser *p) { return parse_chain(p, T_AND, N_AND, parse_unary); }
static int parse_or(struct parser *p) { return parse_chain(p, T_OR, N_OR, parse_and); }

void pgt_expr__free(struct pgt_expr *e)
{
	if (!e)
		return;
	for (uint32_t i = 0; i < e->nnodes; i++) {
		struct node *n = &e->nodes[i];

		free(n->iv);
		free(n->tmask);
		if (n->strs)
			for (uint32_t j = 0; j < n->n; j++)
				free(n->strs[j]);
		free(n->strs);
		if (n->re) {
			regfree(n->re);
			free(n->re);
		}
		free(n->cache);
	}
	free(e->nodes);
	free(e->kids);
	free(e);
}

struct pgt_expr *pgt_expr__parse(const char *text, char *msg, size_t msglen, size_t *at, int *err)
{
	struct parser p = { .text = text, .msg = msg, .msglen = msglen };
	int root;

	if (msg && msglen)
		msg[0] = 0;
	if (!text) {
		if (err)
			*err = -EINVAL;
		return NULL;
	}
	p.e = calloc(1, sizeof(*p.e));
	if (!p.e) {
		if (err)
			*err = -ENOMEM;
		return NULL;
	}
	p.e->epoch = 1;
	next(&p);
	root = p.failed ? -1 : parse_or(&p);
	if (root >= 0 && p.tok.kind != T_END) {
		char q[48];

		if (p.tok.kind == T_RPAREN)
			fail(&p, p.tok.at, "unmatched ')'");
		else
			fail(&p, p.tok.at, "expected '&&' or '||' before %s", tok_text(&p, q, sizeof(q)));
	}
	free(p.tok.str);
	if (p.failed || root < 0) {
		if (!p.failed)
			fail(&p, p.tok.at, "invalid expression");
		if (at)
			*at = p.at;
		if (err)
			*err = p.err;
		pgt_expr__free(p.e);
		return NULL;
	}
	p.e->root = (uint32_t)root;
	if (err)
		*err = 0;
	return p.e;
}

/* ---- evaluation ---- */

/* Start a new cache epoch when @m is another meta or has grown. */
static inline void expr_sync(struct pgt_expr *e, const struct pgt_meta *m)
{
	size_t gen;

	if (!e->uses_meta)
		return;
	gen = m ? pgt_meta__log(m)->len : 0;
	/* by serial: a freed meta's address comes back with the next */
	if ((m ? pgt_meta__serial(m) : 0) == e->meta && gen == e->gen)
		return;
	e->meta = m ? pgt_meta__serial(m) : 0;
	e->gen = gen;
	e->have_proc = e->have_obj = 0;
	if (++e->epoch >= (1u << 31)) {
		for (uint32_t i = 0; i < e->nnodes; i++)
			if (e->nodes[i].cache)
				memset(e->nodes[i].cache, 0, SCACHE_SIZE * sizeof(struct scache_ent));
		e->epoch = 1;
	}
}

static const struct pgt_process *proc_of(struct pgt_expr *e, const struct pgt_meta *m, uint32_t pid)
{
	if (e->have_proc && e->last_pid == pid)
		return e->proc;
	e->proc = m ? pgt_meta__process(m, pid) : NULL;
	e->last_pid = pid;
	e->have_proc = 1;
	return e->proc;
}

static const struct pgt_object *obj_of(struct pgt_expr *e, const struct pgt_meta *m, uint32_t id)
{
	if (e->have_obj && e->last_obj == id)
		return e->obj;
	e->obj = m ? pgt_meta__object(m, id) : NULL;
	e->last_obj = id;
	e->have_obj = 1;
	return e->obj;
}

/* The value of a numeric field; 0 when it is unknown for this event. */
static inline int fetch(struct pgt_expr *e, unsigned f, const struct pgt_event *ev,
			const struct pgt_meta *m, uint64_t *v)
{
	const struct pgt_object *o;
	const struct pgt_process *pr;

	switch (f) {
	case F_TS: *v = ev->ts; return 1;
	case F_SEQ: *v = ev->seq; return 1;
	case F_CPU: *v = ev->cpu; return 1;
	case F_PID: *v = ev->pid; return 1;
	case F_TID: *v = ev->tid; return 1;
	case F_OBJ: *v = ev->obj; return 1;
	case F_INDEX: *v = ev->index; return 1;
	case F_NPAGES: *v = ev->npages; return 1;
	case F_AUX: *v = ev->aux; return 1;
	case F_FLAGS: *v = ev->flags; return 1;
	case F_LEVEL: *v = (ev->flags & PGT_F_LEVEL_MASK) >> PGT_F_LEVEL_SHIFT; return 1;
	case F_PFN:
		*v = ev->pfn;
		return ev->pfn != PGT_PFN_NONE;
	case F_UID:
		pr = proc_of(e, m, ev->pid);
		if (!pr)
			return 0;
		*v = pr->uid;
		return 1;
	case F_DEV:
	case F_INO:
		o = obj_of(e, m, ev->obj);
		if (!o)
			return 0;
		*v = f == F_DEV ? o->dev : o->ino;
		return 1;
	default:
		return 0;
	}
}

/* Index of the interval holding @v or the first after it. */
static inline uint32_t iv_search(const struct node *n, uint64_t v)
{
	uint32_t lo = 0, hi = n->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (n->iv[2 * mid + 1] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static inline int num_in(const struct node *n, uint64_t v)
{
	uint32_t i;

	if (PGT_LIKELY(!n->iv))
		return v >= n->lo && v <= n->hi;
	i = iv_search(n, v);
	return i < n->n && n->iv[2 * i] <= v;
}

/* Does [lo, hi] overlap an interval of @n? */
static inline int range_in(const struct node *n, uint64_t lo, uint64_t hi)
{
	uint32_t i;

	if (PGT_LIKELY(!n->iv))
		return lo <= n->hi && hi >= n->lo;
	i = iv_search(n, lo);
	return i < n->n && n->iv[2 * i] <= hi;
}

static int str_test(const struct node *n, const char *s)
{
	switch (n->mode) {
	case S_EQ:
	case S_SET:
		for (uint32_t i = 0; i < n->n; i++)
			if (!strcmp(n->strs[i], s))
				return 1;
		return 0;
	case S_GLOB:
		return fnmatch(n->strs[0], s, 0) == 0;
	default:
		return regexec(n->re, s, 0, NULL, 0) == 0;
	}
}

static int str_match(struct pgt_expr *e, const struct node *n, const struct pgt_event *ev,
		     const struct pgt_meta *m)
{
	int by_pid = n->field == F_COMM || n->field == F_CGROUP;
	uint32_t key = by_pid ? ev->pid : ev->obj;
	struct scache_ent *c = &n->cache[key & (SCACHE_SIZE - 1)];
	const char *s = NULL;
	int r;

	if (c->key == key && c->tag >> 1 == e->epoch)
		return (int)(c->tag & 1);
	if (by_pid) {
		const struct pgt_process *pr = proc_of(e, m, ev->pid);

		s = !pr ? NULL : n->field == F_COMM ? pr->comm : pr->cgroup;
	} else {
		const struct pgt_object *o = obj_of(e, m, ev->obj);

		s = o ? o->path : NULL;
	}
	r = str_test(n, s ? s : "");
	c->key = key;
	c->tag = e->epoch << 1 | (uint32_t)r;
	return r;
}

static int eval(struct pgt_expr *e, const struct node *n, const struct pgt_event *ev,
		const struct pgt_meta *m)
{
	uint64_t v;

	switch (n->kind) {
	case N_NUM:
		if (!fetch(e, n->field, ev, m, &v))
			return 0;	/* unknown: no comparison holds */
		return num_in(n, v) ^ n->neg;
	case N_TYPE:
		return (int)((n->tmask[ev->type >> 6] >> (ev->type & 63)) & 1);
	case N_AND:
		for (uint32_t i = 0; i < n->n; i++)
			if (!eval(e, &e->nodes[e->kids[n->kid0 + i]], ev, m))
				return 0;
		return 1;
	case N_OR:
		for (uint32_t i = 0; i < n->n; i++)
			if (eval(e, &e->nodes[e->kids[n->kid0 + i]], ev, m))
				return 1;
		return 0;
	case N_NOT:
		return !eval(e, &e->nodes[e->kids[n->kid0]], ev, m);
	case N_PAGE: {
		uint64_t last;

		if (!ev->npages)
			return n->neg;	/* no page: == finds none */
		last = ev->index + (ev->npages - 1);
		if (last < ev->index)
			last = UINT64_MAX;
		return range_in(n, ev->index, last) ^ n->neg;
	}
	case N_HAS:
		return (ev->flags & n->lo) == n->lo;
	case N_STR:
		return str_match(e, n, ev, m) ^ n->neg;
	case N_CONST:
		return (int)n->lo;
	default:
		return 0;
	}
}

int pgt_expr__match(struct pgt_expr *e, const struct pgt_event *ev, const struct pgt_meta *m)
{
	expr_sync(e, m);
	return eval(e, &e->nodes[e->root], ev, m);
}

/* ---- the filter operator ---- */

struct filter_src {
	struct pgt_source src;
	struct pgt_source *in;
	struct pgt_expr *e;
	struct pgt_event *buf;
	size_t cap;
};

static ssize_t filter_batch(struct pgt_source *src, const struct pgt_event **evs)
{
	struct filter_src *f = (struct filter_src *)src;
	struct pgt_expr *e = f->e;
	const struct node *root = &e->nodes[e->root];

	for (;;) {
		const struct pgt_event *in;
		ssize_t n = pgt_source__batch(f->in, &in);
		const struct pgt_meta *m = f->in->meta;
		size_t k;
		ssize_t i;

		/* the inner source may have replaced its header or meta */
		src->meta = f->in->meta;
		src->header = f->in->header;
		if (n <= 0)
			return n;
		if ((size_t)n > f->cap) {
			struct pgt_event *nb = realloc(f->buf, (size_t)n * sizeof(*nb));

			if (!nb)
				return -ENOMEM;
			f->buf = nb;
			f->cap = (size_t)n;
		}
		/* the side tables only change between batches */
		expr_sync(e, m);
		/* a leading run of matches needs no copy, and a batch that
		 * matches whole is handed on as it is */
		for (i = 0; i < n && eval(e, root, &in[i], m); i++)
			;
		if (i == n) {
			*evs = in;
			return n;
		}
		memcpy(f->buf, in, (size_t)i * sizeof(*in));
		k = (size_t)i;
		for (i++; i < n; i++) {
			f->buf[k] = in[i];
			k += (size_t)eval(e, root, &in[i], m);
		}
		if (k) {
			*evs = f->buf;
			return (ssize_t)k;
		}
	}
}

static void filter_free(struct pgt_source *src)
{
	struct filter_src *f = (struct filter_src *)src;

	pgt_source__free(f->in);
	pgt_expr__free(f->e);
	free(f->buf);
	free(f);
}

static const struct pgt_source_ops filter_ops = {
	.name = "filter",
	.batch = filter_batch,
	.free = filter_free,
};

struct pgt_source *pgt_filter__new(struct pgt_source *in, struct pgt_expr *e, int *err)
{
	struct filter_src *f;

	if (!in || !e) {
		pgt_source__free(in);
		pgt_expr__free(e);
		if (err)
			*err = -EINVAL;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		pgt_source__free(in);
		pgt_expr__free(e);
		if (err)
			*err = -ENOMEM;
		return NULL;
	}
	f->src.ops = &filter_ops;
	f->src.meta = in->meta;
	f->src.header = in->header;
	f->in = in;
	f->e = e;
	return &f->src;
}
