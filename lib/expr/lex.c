// SPDX-License-Identifier: LGPL-2.1-or-later
/* The lexer of filter expressions: words, numbers, strings, operators. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "expr-int.h"

void pgt_expr_fail(struct parser *p, size_t at, const char *fmt, ...)
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

void pgt_expr_fail_nomem(struct parser *p)
{
	p->err = -ENOMEM;
	pgt_expr_fail(p, p->tok.at, "out of memory");
}

/* The text of the current token, quoted and shortened for messages. */
const char *pgt_expr_tok_text(struct parser *p, char *buf, size_t len)
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
		pgt_expr_fail_nomem(p);
		return;
	}
	for (;;) {
		int c = (unsigned char)s[i];

		if (!c) {
			free(buf);
			pgt_expr_fail(p, start, "unterminated string: a closing '\"' is missing");
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
					pgt_expr_fail(p, i, "invalid escape in string: \\x needs two hex digits");
					return;
				}
				if (!h && !l) {
					free(buf);
					pgt_expr_fail(p, i, "a string cannot hold a NUL byte");
					return;
				}
				buf[o++] = (char)(h << 4 | l);
				i += 4;
				continue;
			}
			case 0:
				free(buf);
				pgt_expr_fail(p, start, "unterminated string: a closing '\"' is missing");
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

void pgt_expr_next(struct parser *p)
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
	case '=': pgt_expr_fail(p, i, "'=' is not an operator: use '==' to compare"); break;
	case '&': pgt_expr_fail(p, i, "'&' is not an operator: use '&&' (for flags: 'flags has write')"); break;
	case '|': pgt_expr_fail(p, i, "'|' is not an operator: use '||'"); break;
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
			pgt_expr_fail(p, i, "a /regex/ only follows '=~' or '!~'");
		else if (c == '-')
			pgt_expr_fail(p, i, "unexpected '-': numbers are never negative");
		else if (isprint(c))
			pgt_expr_fail(p, i, "unexpected character '%c'", c);
		else if (utf8_len(s + i))
			pgt_expr_fail(p, i, "unexpected character '%.*s'", utf8_len(s + i), s + i);
		else
			pgt_expr_fail(p, i, "unexpected byte 0x%02x", c);
		break;
	}
	p->tok.kind = T_END;
}

int pgt_expr_tok_is_word(struct parser *p, const char *w)
{
	return p->tok.kind == T_WORD && p->tok.len == strlen(w) &&
	       !memcmp(p->text + p->tok.at, w, p->tok.len);
}

