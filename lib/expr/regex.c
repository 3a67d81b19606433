// SPDX-License-Identifier: LGPL-2.1-or-later
/* The cost guard of regular expressions in filters (=~ /regex/). */
#include <ctype.h>
#include <string.h>

#include "expr-int.h"

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
const char *pgt_expr_regex_cost(const char *s)
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

