// SPDX-License-Identifier: GPL-2.0-or-later
/* pgtrace filter: keep the events that match an expression. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "util/util.h"
#include "pgtrace/fields.h"
#include "pgtrace/ops.h"

/* The "fields" lines of the help: the filter fields of fields.h. */
static void help_fields(FILE *f)
{
	char names[512];
	int col = 0;

	pgt_fields__names(PGT_FU_FILTER, " ", names, sizeof(names));
	for (char *w = strtok(names, " "); w; w = strtok(NULL, " ")) {
		if (!col || col + 1 + (int)strlen(w) > 76)
			col = fprintf(f, "%s%s", col ? "\n           " : "  fields   ", w) - (col ? 1 : 0);
		else
			col += fprintf(f, " %s", w);
	}
	fputc('\n', f);
}

static void filter_usage(FILE *f)
{
	fprintf(f,
		"Usage: pgtrace filter [OPTIONS] [EXPR] [TRACE|-]\n"
		"\n"
		"Write the events of a trace that match an expression, with the side tables\n"
		"(file names, processes) kept.  TRACE defaults to standard input.  With a\n"
		"shortcut option and a single argument, the argument is the TRACE.\n"
		"\n"
		"Options:\n"
		"  -o, --output OUT     where to write (- for standard output, the default;\n"
		"                       never a terminal)\n"
		"  -f, --force          overwrite an existing output file\n"
		"  -c, --count          print the number of matching events instead\n"
		"      --pid LIST       pid in {LIST}: numbers and ranges A..B, comma-separated\n"
		"      --type LIST      type in {LIST}: event type names, comma-separated\n"
		"      --file GLOB      path =~ \"GLOB\"\n"
		"      --comm NAME      comm == \"NAME\"\n"
		"  -h, --help           show this help\n"
		"Shortcuts are ANDed with EXPR and with each other.\n"
		"\n"
		"Expressions (man pgtrace-filter has the whole language):\n");
	help_fields(f);
	fprintf(f,
		"  tests    == != < <= > >=   in {a, b, 10..20}   in A..B (half-open)\n"
		"           =~ \"glob\"   =~ /regex/   !~   flags has write|major|dirty|anon\n"
		"  logic    && || ! ( )   true false\n"
		"  values   1000 0x1f 1.5s 250ms 8:1 \"a string\" lookup lru-add\n"
		"\n"
		"Examples:\n"
		"  pgtrace filter 'pid == 1001' run.pgt -o p1001.pgt\n"
		"  pgtrace filter 'type in {add, delete} && file =~ \"*.so*\"' run.pgt | pgtrace dump -\n"
		"  pgtrace filter --count 'page in 0..512 && !(comm == \"cc1\")' run.pgt\n"
		"  pgtrace filter 'path =~ /^\\/usr\\/lib\\// && flags has major' -o io.pgt run.pgt\n"
		"  pgtrace filter --pid 1000,1002 --type lookup run.pgt -o small.pgt\n"
		"\n"
		"Exit status: 0 on success, 1 when the trace is damaged or cannot be\n"
		"written (the events before the damage are kept), 2 on usage errors.\n");
}

/*
 * A bad expression: the reason, the expression with a caret under the
 * offending token, and the usual hint.  Every character takes one column
 * so the caret lines up: control characters print as spaces, bytes that
 * are not UTF-8 as '?'.
 */
static void __attribute__((noreturn)) bad_expression(const char *text, const char *msg, size_t at)
{
	const unsigned char *u = (const unsigned char *)text;
	size_t len = strlen(text), col = 0, i = 0;

	if (at > len)
		at = len;
	fprintf(stderr, "%s: invalid expression: ", cli_cmd);
	for (const char *m = msg; *m; m++)	/* it may quote the text */
		fputc((unsigned char)*m < 0x20 || *m == 0x7f ? '?' : *m, stderr);
	fputs("\n  ", stderr);
	while (u[i]) {
		int n = pgt_utf8_len(u + i);

		if (i < at)
			col++;
		if (!n) {
			fputc('?', stderr);
			n = 1;
		} else if (n > 1) {
			fwrite(u + i, 1, (size_t)n, stderr);
		} else {
			fputc(u[i] < 0x20 || u[i] == 0x7f ? ' ' : u[i], stderr);
		}
		i += (size_t)n;
	}
	fprintf(stderr, "\n  %*s^\n", (int)col, "");
	fprintf(stderr, "Try '%s --help'.\n", cli_cmd);
	exit(EXIT_USAGE);
}

/* Append to a growing expression string. */
static void cat(char **buf, size_t *len, const char *s, size_t n)
{
	char *nb = realloc(*buf, *len + n + 1);

	if (!nb) {
		cli_error("out of memory");
		exit(EXIT_RUNTIME);
	}
	memcpy(nb + *len, s, n);
	*len += n;
	nb[*len] = 0;
	*buf = nb;
}

static void cats(char **buf, size_t *len, const char *s) { cat(buf, len, s, strlen(s)); }

/* A string literal of the expression language holding @s. */
static void cat_quoted(char **buf, size_t *len, const char *s, int glob)
{
	cats(buf, len, "\"");
	for (; *s; s++) {
		char esc[5];

		if (*s == '"' || (*s == '\\' && !glob)) {
			esc[0] = '\\';
			esc[1] = *s;
			cat(buf, len, esc, 2);
		} else if ((unsigned char)*s < 0x20) {
			snprintf(esc, sizeof(esc), "\\x%02x", (unsigned char)*s);
			cats(buf, len, esc);
		} else {
			cat(buf, len, s, 1);
		}
	}
	cats(buf, len, "\"");
}

/*
 * Check one shortcut on its own (so an error names the option), then
 * AND it to the combined expression.
 */
static void add_shortcut(char **all, size_t *alen, const char *opt, const char *arg,
			 const char *snippet)
{
	struct pgt_parse_error pe;
	int err;
	struct pgt_expr *e = pgt_expr__parse(snippet, &pe, &err);

	if (!e) {
		if (err == -ENOMEM) {
			cli_error("out of memory");
			exit(EXIT_RUNTIME);
		}
		cli_usage_error("invalid %s '%s': %s", opt, arg, pe.msg);
	}
	pgt_expr__free(e);
	if (*alen)
		cats(all, alen, " && ");
	cats(all, alen, "(");
	cats(all, alen, snippet);
	cats(all, alen, ")");
}

/* A LIST of a shortcut goes into "{...}" as written: only characters
 * that cannot end the set or start another test are let through. */
static void check_list(const char *opt, const char *arg, const char *allowed)
{
	size_t bad = strspn(arg, allowed);

	if (!*arg)
		cli_usage_error("invalid %s '': empty list", opt);
	if (arg[bad])
		cli_usage_error("invalid %s '%s': unexpected '%c'", opt, arg, arg[bad]);
}

int cmd_filter(int argc, char **argv)
{
	enum { OPT_PID = 256, OPT_TYPE, OPT_FILE, OPT_COMM };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "count", no_argument, NULL, 'c' },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "file", required_argument, NULL, OPT_FILE },
		{ "comm", required_argument, NULL, OPT_COMM },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out_path = NULL, *in_path = "-", *expr_text = NULL;
	char *shortcuts = NULL, *all = NULL, *snip = NULL;
	struct pgt_parse_error pe;
	size_t slen = 0, alen = 0, snlen = 0;
	int force = 0, count = 0, c, rc = 0, err = 0, werr, nargs;
	struct pgt_expr *e;
	struct pgt_reader *r;
	struct pgt_source *src;
	struct pgt_writer *w;
	struct pgt_sink *ws;
	struct pgt_drain_result res;
	uint64_t n_out = 0;

	while ((c = getopt_long(argc, argv, "o:fch", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out_path = optarg; break;
		case 'f': force = 1; break;
		case 'c': count = 1; break;
		case OPT_PID:
		case OPT_TYPE:
			check_list(c == OPT_PID ? "--pid" : "--type", optarg,
				   c == OPT_PID ? "0123456789abcdefABCDEFxX_., " :
				   "abcdefghijklmnopqrstuvwxyz0123456789-, ");
			snlen = 0;
			cats(&snip, &snlen, c == OPT_PID ? "pid in {" : "type in {");
			cats(&snip, &snlen, optarg);
			cats(&snip, &snlen, "}");
			add_shortcut(&shortcuts, &slen, c == OPT_PID ? "--pid" : "--type", optarg, snip);
			break;
		case OPT_FILE:
		case OPT_COMM:
			snlen = 0;
			cats(&snip, &snlen, c == OPT_FILE ? "path =~ " : "comm == ");
			cat_quoted(&snip, &snlen, optarg, c == OPT_FILE);
			add_shortcut(&shortcuts, &slen, c == OPT_FILE ? "--file" : "--comm", optarg, snip);
			break;
		case 'h': filter_usage(stdout); return 0;
		default: cli_bad_option();
		}
	}
	free(snip);
	nargs = argc - optind;
	if (nargs > 2)
		cli_usage_error("too many arguments: expected [EXPR] [TRACE|-], got '%s' too", argv[optind + 2]);
	if (nargs == 2) {
		expr_text = argv[optind];
		in_path = argv[optind + 1];
	} else if (nargs == 1 && shortcuts) {
		in_path = argv[optind];
	} else if (nargs == 1) {
		expr_text = argv[optind];
	} else if (!shortcuts) {
		cli_usage_error("no expression given (such as 'pid == 1000'), and no --pid, --type, --file or --comm");
	}
	if (count && out_path)
		cli_usage_error("--count prints a number and writes no trace: drop -o '%s'", out_path);

	if (expr_text) {
		/* Parsed alone first, so the caret points into what was typed. */
		e = pgt_expr__parse(expr_text, &pe, &err);
		if (!e) {
			if (err == -ENOMEM) {
				cli_error("out of memory");
				return EXIT_RUNTIME;
			}
			bad_expression(expr_text, pe.msg, pe.offset);
		}
		if (shortcuts) {
			pgt_expr__free(e);
			cats(&all, &alen, "(");
			cats(&all, &alen, expr_text);
			cats(&all, &alen, ") && ");
			cats(&all, &alen, shortcuts);
			e = pgt_expr__parse(all, &pe, &err);
		}
	} else {
		e = pgt_expr__parse(shortcuts, &pe, &err);
	}
	free(all);
	free(shortcuts);
	if (!e) {
		/* each part parsed alone, so only memory can fail here */
		cli_error("cannot compile the expression: %s", err == -ENOMEM ? "out of memory" : pe.msg);
		return EXIT_RUNTIME;
	}

	if (!strcmp(in_path, "-") && isatty(STDIN_FILENO)) {
		pgt_expr__free(e);
		cli_usage_error("no trace given (a path, or - for standard input from a pipe)");
	}
	if (!count && cli_same_file(in_path, out_path ? out_path : "-")) {
		pgt_expr__free(e);
		cli_refuse_same(in_path, out_path ? out_path : "-");
	}
	r = cli_open_reader(in_path, NULL);
	if (!r) {
		pgt_expr__free(e);
		return EXIT_RUNTIME;
	}
	src = pgt_filter__new(pgt_reader__source(r), e, &err);
	if (!src) {
		cli_error("cannot filter: %s", pgt_strerror(err));
		return EXIT_RUNTIME;
	}
	if (count) {
		struct pgt_sink *cs = pgt_count__sink(&n_out);
		struct out o;

		if (!cs) {
			pgt_source__free(src);
			return cli_read_failed(in_path, -ENOMEM);
		}
		if (pgt_drain(src, &cs, 1, NULL, &res))
			rc = cli_read_failed(in_path, res.err);
		pgt_sink__free(cs);
		out_init(&o, STDOUT_FILENO);
		out_u64(&o, n_out);
		out_char(&o, '\n');
		pgt_source__free(src);
		return out_finish(&o) ? EXIT_RUNTIME : rc;
	}

	if (!out_path)
		out_path = "-";
	w = cli_open_writer(out_path, force, &src->header);
	if (!w) {
		pgt_source__free(src);
		return EXIT_RUNTIME;
	}
	ws = pgt_writer__sink(w);
	err = ws ? pgt_drain(src, &ws, 1, NULL, &res) : -ENOMEM;
	pgt_sink__free(ws);
	/* The writer's error is sticky: if closing fails, writing failed;
	 * otherwise the read failed and the output is a good trace of the
	 * events before the damage. */
	werr = pgt_writer__close(w);
	if (werr)
		rc = cli_write_failed(out_path, werr);
	else if (err)
		rc = ws && res.side == PGT_DRAIN_SOURCE ? cli_read_failed(in_path, err)
						       : cli_write_failed(out_path, err);
	pgt_source__free(src);
	return rc;
}
