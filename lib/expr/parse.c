// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Filter expressions: a recursive-descent parser into an array of nodes
 * (the lexer is lex.c, the evaluator eval.c, the operator
 * lib/ops/filter.c).  pgtrace-filter(1) is the user's description of the
 * language; in short:
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
 *
 * Why one file of about 1,100 lines: it is one recursive descent whose
 * value readers (numbers, types, ranges, sets, patterns) are called only
 * by the predicates below them and share the parser's error reporting
 * (message and byte offset); cut in two, a dozen static helpers would
 * become cross-file names for no reader's benefit.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

#include "pgtrace/parse.h"
#include "util/parse-error.h"
#include "format/format.h"
#include "expr-int.h"

static const struct { const char *name; uint16_t bit; } flag_names[] = {
	{ "write", PGT_F_WRITE }, { "major", PGT_F_MAJOR }, { "dirty", PGT_F_DIRTY },
	{ "anon", PGT_F_ANON },
};

/* ---- building nodes ---- */

static int new_node(struct parser *p, uint8_t kind)
{
	struct pgt_expr *e = p->e;

	if (e->nnodes == e->cap_nodes) {
		uint32_t ncap = e->cap_nodes ? e->cap_nodes * 2 : 16;
		struct node *nn = realloc(e->nodes, ncap * sizeof(*nn));

		if (!nn) {
			pgt_expr_fail_nomem(p);
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
			pgt_expr_fail_nomem(p);
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
			pgt_expr_fail_nomem(p);
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
		pgt_expr_fail(p, p->tok.at, "number %s out of range", pgt_expr_tok_text(p, q, sizeof(q)));
	else if (err)
		pgt_expr_fail(p, p->tok.at, "invalid number %s for '%s'", pgt_expr_tok_text(p, q, sizeof(q)), fname);
	return err ? -1 : 0;
}

static void expected_number(struct parser *p, const struct pgt_field *f, const char *what)
{
	char q[48];

	if (p->tok.kind == T_END)
		pgt_expr_fail(p, p->tok.at, "expected %s for '%s' at the end", what, f->name);
	else
		pgt_expr_fail(p, p->tok.at, "expected %s for '%s', found %s", what, f->name,
			      pgt_expr_tok_text(p, q, sizeof(q)));
}

/* One numeric value of field @f from the current token (consumed). */
static int parse_num_value(struct parser *p, const struct pgt_field *f, uint64_t *v)
{
	char buf[80], q[48];

	if (p->tok.kind == T_NUMBER && p->tok.len >= sizeof(buf)) {
		pgt_expr_fail(p, p->tok.at, "invalid number %s for '%s': too long",
			      pgt_expr_tok_text(p, q, sizeof(q)), f->name);
		return -1;
	}
	switch (f->type) {
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
			pgt_expr_fail(p, p->tok.at, "invalid time %s: expected nanoseconds or a duration such as 1.5s",
			     pgt_expr_tok_text(p, q, sizeof(q)));
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
				pgt_expr_fail(p, p->tok.at, "invalid device %s: expected major:minor such as 8:1",
				     pgt_expr_tok_text(p, q, sizeof(q)));
				return -1;
			}
			*v = makedev((unsigned)ma, (unsigned)mi);
		} else if (colon || pgt_parse_u64(s, v)) {
			pgt_expr_fail(p, p->tok.at, "invalid device %s: expected major:minor such as 8:1",
			     pgt_expr_tok_text(p, q, sizeof(q)));
			return -1;
		}
		break;
	}
	case K_FLAGS:
		if (p->tok.kind == T_WORD) {
			for (size_t i = 0; i < PGT_ARRAY_SIZE(flag_names); i++)
				if (pgt_expr_tok_is_word(p, flag_names[i].name)) {
					*v = flag_names[i].bit;
					goto done;
				}
			pgt_expr_fail(p, p->tok.at, "unknown flag %s: expected write, major, dirty, anon or a number",
			     pgt_expr_tok_text(p, q, sizeof(q)));
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
		uint64_t max = f->id == PGT_FIELD_LEVEL ? PGT_F_LEVEL_MASK >> PGT_F_LEVEL_SHIFT
			     : f->id == PGT_FIELD_CPU || f->id == PGT_FIELD_PID || f->id == PGT_FIELD_TID || f->id == PGT_FIELD_UID ||
			       f->id == PGT_FIELD_OBJ || f->id == PGT_FIELD_NPAGES ? UINT32_MAX : UINT64_MAX;

		if (p->tok.kind != T_NUMBER) {
			expected_number(p, f, "a number");
			return -1;
		}
		if (parse_u64_tok(p, f->name, v))
			return -1;
		if (*v > max) {
			pgt_expr_fail(p, p->tok.at, "%s is out of range for '%s' (0 to %llu): it can never match",
			     pgt_expr_tok_text(p, q, sizeof(q)), f->name, (unsigned long long)max);
			return -1;
		}
		break;
	}
	}
done:
	pgt_expr_next(p);
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
			pgt_expr_fail(p, p->tok.at, "invalid event type %s: a type number is 0 to 255",
			     pgt_expr_tok_text(p, q, sizeof(q)));
			return -1;
		}
		*t = (unsigned)v;
		pgt_expr_next(p);
		return p->failed ? -1 : 0;
	}
	if (p->tok.kind == T_WORD)
		r = pgt_event_type_parse(p->text + p->tok.at, p->tok.len);
	else if (p->tok.kind == T_STRING)
		r = pgt_event_type_parse(p->tok.str, strlen(p->tok.str));
	else {
		if (p->tok.kind == T_END)
			pgt_expr_fail(p, p->tok.at, "expected an event type such as lookup at the end");
		else
			pgt_expr_fail(p, p->tok.at, "expected an event type such as lookup, found %s",
			     pgt_expr_tok_text(p, q, sizeof(q)));
		return -1;
	}
	if (r < 0) {
		char names[256];
		size_t o = 0;

		names[0] = 0;
		for (unsigned i = 1; i < PGT_EV_NTYPES && o < sizeof(names); i++)
			o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", i > 1 ? ", " : "",
					      pgt_event_type_name(i));
		pgt_expr_fail(p, p->tok.at, "unknown event type %s: expected one of %s",
			      pgt_expr_tok_text(p, q, sizeof(q)), names);
		return -1;
	}
	*t = (unsigned)r;
	pgt_expr_next(p);
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
			pgt_expr_fail_nomem(p);
			return -1;
		}
		for (uint32_t i = 0; i < m; i++) {
			nd->iv[2 * i] = iv[i].lo;
			nd->iv[2 * i + 1] = iv[i].hi;
		}
	}
	return 0;
}

static int is_range_field(const struct pgt_field *f)
{
	return f->type == K_NUM || f->type == K_TIME || f->type == K_PAGE;
}

/* A range "[A]..[B]" when the current token starts one (A already read
 * when @have_lo).  Half-open [A, B) as inclusive [lo, hi]. */
static int parse_range_rest(struct parser *p, const struct pgt_field *f, int have_lo, uint64_t lo,
			    size_t at, struct interval *out)
{
	uint64_t hi = UINT64_MAX;
	int open_hi = 1;

	if (!is_range_field(f)) {
		pgt_expr_fail(p, at, "a range A..B needs a number field; '%s' is not one", f->name);
		return -1;
	}
	pgt_expr_next(p);	/* '..' */
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
		pgt_expr_fail(p, at, "invalid range: end before start");
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
static int parse_elem(struct parser *p, const struct pgt_field *f, struct interval *out)
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
			pgt_expr_fail_nomem(p);
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
			pgt_expr_fail_nomem(p);
			return -1;
		}
		nd->strs = ns;
		*cap = ncap;
	}
	nd->strs[nd->n++] = p->tok.str;
	p->tok.str = NULL;	/* the node owns it now */
	return 0;
}

static void expect_string(struct parser *p, const struct pgt_field *f, const char *after)
{
	char q[48];

	if (p->tok.kind == T_END)
		pgt_expr_fail(p, p->tok.at, "expected a string in double quotes after '%s'", after);
	else
		pgt_expr_fail(p, p->tok.at, "expected a string in double quotes for '%s', found %s", f->name,
		     pgt_expr_tok_text(p, q, sizeof(q)));
}

static int alloc_cache(struct parser *p, int id)
{
	p->e->nodes[id].cache = calloc(SCACHE_SIZE, sizeof(struct scache_ent));
	if (!p->e->nodes[id].cache) {
		pgt_expr_fail_nomem(p);
		return -1;
	}
	return 0;
}

/* 'FIELD in ...' with the current token after 'in'. */
static int parse_in(struct parser *p, const struct pgt_field *f)
{
	struct interval *iv = NULL;
	uint32_t n = 0, cap = 0, scap = 0;
	size_t brace = p->tok.at;
	int id = -1;
	uint8_t kind = f->type == K_TYPE ? N_TYPE : f->type == K_STR ? N_STR
		     : f->type == K_PAGE ? N_PAGE : N_NUM;

	id = new_node(p, kind);
	if (id < 0)
		return -1;
	p->e->nodes[id].field = f->id;
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
				pgt_expr_fail(p, p->tok.at, "expected '{' or a range A..B after 'in'");
			else
				pgt_expr_fail(p, p->tok.at, "expected '{' or a range A..B after 'in', found %s",
				     pgt_expr_tok_text(p, q, sizeof(q)));
			goto fail;
		}
		if (!is_range_field(f)) {
			pgt_expr_fail(p, p->tok.at, "a range A..B needs a number field; '%s' is not one", f->name);
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

					pgt_expr_fail(p, p->tok.at, "expected '..' of a range A..B, found %s",
					     pgt_expr_tok_text(p, q, sizeof(q)));
					goto fail;
				}
			}
			if (parse_range_rest(p, f, have, v, at, &iv[0]))
				goto fail;
			n = 1;
		}
		goto build;
	}
	pgt_expr_next(p);	/* '{' */
	if (p->failed)
		goto fail;
	if (p->tok.kind == T_RBRACE) {
		pgt_expr_fail(p, brace, "empty set: list at least one value in '{...}'");
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
			pgt_expr_next(p);
		} else {
			if (grow_intervals(p, &iv, &cap, n) || parse_elem(p, f, &iv[n]))
				goto fail;
			n++;
		}
		if (p->failed)
			goto fail;
		if (p->tok.kind == T_DOTDOT) {
			pgt_expr_fail(p, elem_at, "a range A..B needs a number field; '%s' is not one", f->name);
			goto fail;
		}
		if (p->tok.kind == T_RBRACE)
			break;
		if (p->tok.kind != T_COMMA) {
			char q[48];

			if (p->tok.kind == T_END)
				pgt_expr_fail(p, brace, "unclosed '{': a '}' is missing");
			else
				pgt_expr_fail(p, p->tok.at, "expected ',' or '}' in the set, found %s",
				     pgt_expr_tok_text(p, q, sizeof(q)));
			goto fail;
		}
		pgt_expr_next(p);
		if (p->failed)
			goto fail;
	}
	pgt_expr_next(p);	/* '}' */
	if (p->failed)
		goto fail;
build:
	if ((kind == N_NUM || kind == N_PAGE) && set_intervals(p, id, iv, n))
		goto fail;
	free(iv);
	return id;
nomem:
	pgt_expr_fail_nomem(p);
fail:
	free(iv);
	return -1;
}

/* After '=~' / '!~': "glob" or /regex/ with optional 'i'. */
static int parse_match(struct parser *p, const struct pgt_field *f, int neg, size_t op_at)
{
	const char *s = p->text;
	size_t i = p->pos, start;
	int id, cflags = REG_EXTENDED | REG_NOSUB;
	char *pat;
	size_t o = 0;

	if (f->type != K_STR) {
		char names[128] = "";
		size_t nf, at = 0;
		const struct pgt_field *t = pgt_fields(&nf);

		for (size_t k = 0; k < nf; k++)	/* the string fields of the table */
			if (t[k].type == K_STR && (t[k].uses & PGT_FU_FILTER) && at < sizeof(names))
				at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s",
						       at ? ", " : "", t[k].name);
		pgt_expr_fail(p, op_at, "'%s' needs a string field (%s); '%s' is not one",
			      neg ? "!~" : "=~", names, f->name);
		return -1;
	}
	id = new_node(p, N_STR);
	if (id < 0)
		return -1;
	p->e->uses_meta = 1;
	p->e->nodes[id].field = f->id;
	p->e->nodes[id].neg = (uint8_t)neg;
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	if (s[i] != '/') {
		pgt_expr_next(p);
		if (p->failed)
			return -1;
		if (p->tok.kind != T_STRING) {
			char q[48];

			if (p->tok.kind == T_END)
				pgt_expr_fail(p, p->tok.at, "expected a \"glob\" or a /regex/ after '%s'", neg ? "!~" : "=~");
			else
				pgt_expr_fail(p, p->tok.at, "expected a \"glob\" or a /regex/ after '%s', found %s",
				     neg ? "!~" : "=~", pgt_expr_tok_text(p, q, sizeof(q)));
			return -1;
		}
		p->e->nodes[id].mode = S_GLOB;
		p->e->nodes[id].strs = malloc(sizeof(char *));
		if (!p->e->nodes[id].strs) {
			pgt_expr_fail_nomem(p);
			return -1;
		}
		p->e->nodes[id].strs[0] = p->tok.str;
		p->e->nodes[id].n = 1;
		p->tok.str = NULL;
		if (alloc_cache(p, id))
			return -1;
		pgt_expr_next(p);
		return p->failed ? -1 : id;
	}
	/* a regex: up to the next unescaped '/'; '\/' is a slash, every
	 * other escape goes to regcomp as written */
	start = i;
	pat = malloc(strlen(s + i) + 1);
	if (!pat) {
		pgt_expr_fail_nomem(p);
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
		pgt_expr_fail(p, start, "unterminated regex: a closing '/' is missing");
		return -1;
	}
	i++;
	while (isalpha((unsigned char)s[i])) {
		if (s[i] != 'i') {
			free(pat);
			pgt_expr_fail(p, i, "unknown regex flag '%c': only 'i' (ignore case) is known", s[i]);
			return -1;
		}
		cflags |= REG_ICASE;
		i++;
	}
	{
		const char *why = pgt_expr_regex_cost(pat);

		if (why) {
			free(pat);
			pgt_expr_fail(p, start, "invalid regex: %s", why);
			return -1;
		}
	}
	p->e->nodes[id].mode = S_REGEX;
	p->e->nodes[id].re = malloc(sizeof(regex_t));
	if (!p->e->nodes[id].re) {
		free(pat);
		pgt_expr_fail_nomem(p);
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
				pgt_expr_fail_nomem(p);
			else
				pgt_expr_fail(p, start, "invalid regex: %s", why);
			return -1;
		}
	}
	if (alloc_cache(p, id))
		return -1;
	p->pos = i;
	pgt_expr_next(p);
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
static int parse_cmp(struct parser *p, const struct pgt_field *f, int op, size_t op_at)
{
	struct interval iv;
	uint64_t v;
	int id;

	if (f->type == K_TYPE) {
		unsigned t;

		if (op != T_EQ && op != T_NE) {
			pgt_expr_fail(p, op_at, "'%s' does not apply to 'type': use ==, != or in {...}", op_name(op));
			return -1;
		}
		id = new_node(p, N_TYPE);
		if (id < 0)
			return -1;
		p->e->nodes[id].field = f->id;
		p->e->nodes[id].tmask = calloc(4, sizeof(uint64_t));
		if (!p->e->nodes[id].tmask) {
			pgt_expr_fail_nomem(p);
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
	if (f->type == K_STR) {
		uint32_t scap = 0;

		if (op != T_EQ && op != T_NE) {
			pgt_expr_fail(p, op_at, "'%s' does not apply to the string field '%s': use ==, !=, =~ or in {...}",
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
		p->e->nodes[id].field = f->id;
		p->e->nodes[id].mode = S_EQ;
		p->e->nodes[id].neg = op == T_NE;
		if (push_str(p, &p->e->nodes[id], &scap) || alloc_cache(p, id))
			return -1;
		pgt_expr_next(p);
		return p->failed ? -1 : id;
	}
	id = new_node(p, f->type == K_PAGE ? N_PAGE : N_NUM);
	if (id < 0)
		return -1;
	p->e->nodes[id].field = f->id;
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
	const struct pgt_field *f = NULL;
	char q[48], names[256];
	size_t op_at;
	int op;

	if (p->tok.kind == T_WORD)
		f = pgt_field__find(p->text + p->tok.at, p->tok.len, PGT_FU_FILTER);
	if (!f) {
		for (size_t i = 0; i < PGT_ARRAY_SIZE(flag_names); i++)
			if (pgt_expr_tok_is_word(p, flag_names[i].name)) {
				pgt_expr_fail(p, p->tok.at, "unknown field '%s' (to test a flag: 'flags has %s')",
				     flag_names[i].name, flag_names[i].name);
				return -1;
			}
		if (pgt_event_type_parse(p->text + p->tok.at, p->tok.len) > 0) {
			pgt_expr_fail(p, p->tok.at, "unknown field %s (to test the event type: 'type == %.*s')",
			     pgt_expr_tok_text(p, q, sizeof(q)), (int)p->tok.len, p->text + p->tok.at);
			return -1;
		}
		pgt_fields__names(PGT_FU_FILTER, ", ", names, sizeof(names));
		pgt_expr_fail(p, p->tok.at, "unknown field %s: expected %s",
			      pgt_expr_tok_text(p, q, sizeof(q)), names);
		return -1;
	}
	if (f->id == PGT_FIELD_UID || f->id == PGT_FIELD_DEV || f->id == PGT_FIELD_INO || f->type == K_STR)
		p->e->uses_meta = 1;
	pgt_expr_next(p);
	if (p->failed)
		return -1;
	op = p->tok.kind;
	op_at = p->tok.at;
	switch (op) {
	case T_EQ: case T_NE: case T_LT: case T_LE: case T_GT: case T_GE:
		pgt_expr_next(p);
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
	if (pgt_expr_tok_is_word(p, "in")) {
		pgt_expr_next(p);
		if (p->failed)
			return -1;
		return parse_in(p, f);
	}
	if (pgt_expr_tok_is_word(p, "has")) {
		uint64_t v;
		int id;

		if (f->type != K_FLAGS) {
			pgt_expr_fail(p, p->tok.at, "'has' applies to 'flags' only");
			return -1;
		}
		pgt_expr_next(p);
		if (p->failed || parse_num_value(p, f, &v))
			return -1;
		id = new_node(p, N_HAS);
		if (id < 0)
			return -1;
		p->e->nodes[id].lo = v;
		return id;
	}
	if (op == T_END)
		pgt_expr_fail(p, p->tok.at, "expected an operator after '%s' (==, !=, <, <=, >, >=, in, =~)", f->name);
	else
		pgt_expr_fail(p, p->tok.at, "expected an operator after '%s' (==, !=, <, <=, >, >=, in, =~), found %s",
		     f->name, pgt_expr_tok_text(p, q, sizeof(q)));
	return -1;
}

static int parse_unary(struct parser *p)
{
	char q[48];
	int id;

	if (++p->depth > MAX_DEPTH) {
		pgt_expr_fail(p, p->tok.at, "expression nested too deeply (more than %d levels)", MAX_DEPTH);
		return -1;
	}
	switch (p->tok.kind) {
	case T_NOT: {
		struct ivec one = { 0 };
		int kid;

		pgt_expr_next(p);
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

		pgt_expr_next(p);
		if (p->failed)
			return -1;
		id = parse_or(p);
		if (id < 0)
			return -1;
		if (p->tok.kind != T_RPAREN) {
			if (p->tok.kind == T_END)
				pgt_expr_fail(p, open, "unclosed '(': a ')' is missing");
			else
				pgt_expr_fail(p, p->tok.at, "expected ')' or an operator, found %s",
				     pgt_expr_tok_text(p, q, sizeof(q)));
			return -1;
		}
		pgt_expr_next(p);
		break;
	}
	case T_WORD:
		if (pgt_expr_tok_is_word(p, "true") || pgt_expr_tok_is_word(p, "false")) {
			id = new_node(p, N_CONST);
			if (id >= 0)
				p->e->nodes[id].lo = pgt_expr_tok_is_word(p, "true");
			pgt_expr_next(p);
			break;
		}
		id = parse_predicate(p);
		break;
	case T_END:
		if (p->tok.at == 0 || !p->text[strspn(p->text, " \t\r\n")])
			pgt_expr_fail(p, p->tok.at, "empty expression");
		else
			pgt_expr_fail(p, p->tok.at, "expected a condition at the end, such as 'pid == 1000'");
		return -1;
	case T_RPAREN:
		pgt_expr_fail(p, p->tok.at, "unexpected ')': expected a condition");
		return -1;
	default:
		pgt_expr_fail(p, p->tok.at, "expected a field, '!' or '(', found %s",
			      pgt_expr_tok_text(p, q, sizeof(q)));
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
		pgt_expr_next(p);
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

struct pgt_expr *pgt_expr__parse(const char *text, struct pgt_parse_error *pe, int *err)
{
	struct parser p = { .text = text, .msg = pe ? pe->msg : NULL, .msglen = pe ? sizeof(pe->msg) : 0 };
	int root;

	if (!text) {
		pgt_parse_error__set(pe, 0, 0, 0, "no expression");
		if (err)
			*err = -EINVAL;
		return NULL;
	}
	p.e = calloc(1, sizeof(*p.e));
	if (!p.e) {
		pgt_parse_error__set(pe, 0, 0, 0, "out of memory");
		if (err)
			*err = -ENOMEM;
		return NULL;
	}
	p.e->epoch = 1;
	pgt_expr_next(&p);
	root = p.failed ? -1 : parse_or(&p);
	if (root >= 0 && p.tok.kind != T_END) {
		char q[48];

		if (p.tok.kind == T_RPAREN)
			pgt_expr_fail(&p, p.tok.at, "unmatched ')'");
		else
			pgt_expr_fail(&p, p.tok.at, "expected '&&' or '||' before %s", pgt_expr_tok_text(&p, q, sizeof(q)));
	}
	free(p.tok.str);
	if (p.failed || root < 0) {
		if (!p.failed)
			pgt_expr_fail(&p, p.tok.at, "invalid expression");
		if (pe) {	/* pgt_expr_fail() wrote the reason */
			pe->offset = p.at;
			pe->len = p.at == p.tok.at ? p.tok.len : 0;
			pe->line = 0;
		}
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

