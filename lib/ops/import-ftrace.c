// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Text of the filemap tracepoints as 'perf script' and 'trace-cmd report'
 * print them:
 *
 *   cat 13284 [001]  5026.963874:  filemap:mm_filemap_fault: dev=254:0 ino=3c55e ofs=40960
 *   cat 13284/13284 [001]  5026.963874909:  filemap:mm_filemap_get_pages: dev=254:0 ino=51423 ofs=0-4095
 *   cat-13185 [000]  5019.722283: mm_filemap_map_pages: dev=254:0 ino=51423 ofs=843776-909311
 *   inst: cat-13185 [000]  5019.722417: mm_filemap_add_to_page_cache: dev 254:0 ino 3c55e pfn=0x119844 ofs=0 order=0
 *
 * One parser reads both: before the "SECONDS.FRACTION:" column come the
 * command and thread id ("comm-tid" for trace-cmd, "comm tid" or
 * "comm pid/tid" for perf), the CPU in brackets when printed, and for
 * trace-cmd -l the latency flags; after it the event name ("filemap:"
 * before it for perf) and the event's own print format, whose
 * "key=value" or "key value" fields are read by name, so older kernels'
 * formats (page=, pfn in decimal, no order) read as well.  File offsets
 * (ofs) are bytes: they are divided by the page size.
 *
 * Lines of other events, "#" comments, "cpus=N" and "CPU N is empty" are
 * counted and skipped; "CPU:N [N EVENTS DROPPED]" becomes a lost record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

#include "import-int.h"

enum { K_RANGE, K_OFS, K_PFN };

static const struct fev {
	const char *name;
	uint8_t type, level, kind;
} fevs[] = {
	{ "mm_filemap_get_pages", PGT_EV_LOOKUP, 1, K_RANGE },
	{ "mm_filemap_map_pages", PGT_EV_MAP, 1, K_RANGE },
	{ "mm_filemap_fault", PGT_EV_FAULT, 1, K_OFS },
	{ "mm_filemap_add_to_page_cache", PGT_EV_ADD, 0, K_PFN },
	{ "mm_filemap_delete_from_page_cache", PGT_EV_DELETE, 0, K_PFN },
};

struct ftrace {
	struct imp_map objs;	/* (dev, ino) -> object id */
	uint32_t next_obj;
	struct imp_map procs;	/* pid -> comm */
	uint64_t last_ts;
};

/* The parts of an event line. */
struct fline {
	const char *pre, *ts, *sys, *ev, *args;
	size_t npre, nts, nsys, nev, nargs;
};

static int is_space(char c) { return c == ' ' || c == '\t'; }

static int all_digits(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* "SECONDS.FRACTION:" */
static int is_ts_token(const char *s, size_t n)
{
	const char *dot;

	if (n < 4 || s[n - 1] != ':')
		return 0;
	dot = memchr(s, '.', n - 1);
	return dot && dot > s && all_digits(s, (size_t)(dot - s)) &&
	       all_digits(dot + 1, (size_t)(s + n - 2 - dot));
}

/* Find the timestamp column and the event name after it. */
static int split_line(const char *s, size_t n, struct fline *fl)
{
	const char *p = s, *end = s + n;

	while (p < end) {
		const char *t, *te, *q, *qe;

		while (p < end && is_space(*p))
			p++;
		t = p;
		while (p < end && !is_space(*p))
			p++;
		te = p;
		if (!is_ts_token(t, (size_t)(te - t)))
			continue;
		/* the event: "name:" or "sys:name:", perhaps after a period */
		q = te;
		for (int skip = 0; skip < 2; skip++) {
			while (q < end && is_space(*q))
				q++;
			qe = q;
			while (qe < end && !is_space(*qe))
				qe++;
			if (qe > q + 1 && qe[-1] == ':')
				break;
			if (skip || !all_digits(q, (size_t)(qe - q)))
				return 0;
			q = qe;
		}
		if (!(qe > q + 1 && qe[-1] == ':'))
			return 0;
		fl->pre = s;
		fl->npre = (size_t)(t - s);
		fl->ts = t;
		fl->nts = (size_t)(te - t - 1);
		{
			const char *colon = memchr(q, ':', (size_t)(qe - q - 1));

			if (colon) {
				fl->sys = q;
				fl->nsys = (size_t)(colon - q);
				fl->ev = colon + 1;
				fl->nev = (size_t)(qe - 1 - colon - 1);
			} else {
				fl->sys = NULL;
				fl->nsys = 0;
				fl->ev = q;
				fl->nev = (size_t)(qe - 1 - q);
			}
		}
		while (qe < end && is_space(*qe))
			qe++;
		fl->args = qe;
		fl->nargs = (size_t)(end - qe);
		return 1;
	}
	return 0;
}

/* "CPU:N [COUNT EVENTS DROPPED]" or "CPU:N [LOST COUNT EVENTS]". */
static int lost_line(const char *s, size_t n, uint64_t *cpu, uint64_t *count)
{
	const char *end = s + n, *p = s, *q;

	for (; p + 4 <= end; p++)
		if (!memcmp(p, "CPU:", 4))
			break;
	if (p + 4 > end)
		return 0;
	p += 4;
	for (q = p; q < end && *q >= '0' && *q <= '9'; q++)
		;
	if (pgt_imp_dec(p, (size_t)(q - p), cpu))
		return 0;
	while (q < end && is_space(*q))
		q++;
	if (q >= end || *q++ != '[')
		return 0;
	if (end - q > 5 && !memcmp(q, "LOST ", 5))
		q += 5;
	for (p = q; q < end && *q >= '0' && *q <= '9'; q++)
		;
	if (pgt_imp_dec(p, (size_t)(q - p), count))
		return 0;
	return (end - q >= 16 && !memcmp(q, " EVENTS DROPPED]", 16)) ||
	       (end - q >= 8 && !memcmp(q, " EVENTS]", 8));
}

int pgt_imp_ftrace_detect(const char *s, size_t n)
{
	struct fline fl;
	uint64_t a, b;

	if (lost_line(s, n, &a, &b))
		return PGT_IMPORT_TRACE_CMD;
	if (!split_line(s, n, &fl))
		return 0;
	return fl.sys ? PGT_IMPORT_PERF_SCRIPT : PGT_IMPORT_TRACE_CMD;
}

struct who {
	const char *comm;
	size_t ncomm;
	uint64_t pid, tid, cpu;
};

/* What comes before the timestamp: comm, pid (and tid), [cpu], flags. */
static int parse_prefix(const char *p, size_t n, struct who *w)
{
	const char *end = p + n, *t, *dash;
	int tokens = 0;

	memset(w, 0, sizeof(*w));
	while (end > p && is_space(end[-1]))
		end--;
	for (int pass = 0; pass < 2 && end > p; pass++) {
		const char *te = end;

		for (t = end; t > p && !is_space(t[-1]); t--)
			;
		if (*t == '[' && te[-1] == ']') {
			if (pgt_imp_dec(t + 1, (size_t)(te - t - 2), &w->cpu) || w->cpu > UINT32_MAX)
				return -1;
			end = t;
			while (end > p && is_space(end[-1]))
				end--;
			break;
		}
		if (pass == 0 && !all_digits(t, (size_t)(te - t)) && !memchr(t, '/', (size_t)(te - t)) &&
		    !memchr(t, '-', (size_t)(te - t))) {
			/* latency flags such as "d..2." before which the CPU must come */
			const char *u = t;

			while (u > p && is_space(u[-1]))
				u--;
			if (u > p && u[-1] == ']') {
				end = u;
				continue;
			}
		}
		break;
	}
	while (p < end && is_space(*p))
		p++;
	if (p == end)
		return 0;	/* no task columns: perf -F without them */
	for (t = end; t > p && !is_space(t[-1]); t--)
		;
	tokens = t > p;
	{
		const char *slash = memchr(t, '/', (size_t)(end - t));

		if (all_digits(t, (size_t)(end - t)) ||
		    (slash && all_digits(t, (size_t)(slash - t)) && all_digits(slash + 1, (size_t)(end - slash - 1)))) {
			/* perf: "comm tid" or "comm pid/tid" */
			if (slash) {
				if (pgt_imp_dec(t, (size_t)(slash - t), &w->pid) ||
				    pgt_imp_dec(slash + 1, (size_t)(end - slash - 1), &w->tid))
					return -1;
			} else if (pgt_imp_dec(t, (size_t)(end - t), &w->tid)) {
				return -1;
			} else {
				w->pid = w->tid;
			}
			while (t > p && is_space(t[-1]))
				t--;
			w->comm = p;
			w->ncomm = (size_t)(t - p);
			return w->pid > UINT32_MAX || w->tid > UINT32_MAX ? -1 : 0;
		}
	}
	/* trace-cmd: "comm-tid", perhaps after "instance: " */
	for (dash = end; dash > p && dash[-1] != '-'; dash--)
		;
	if (dash == p || !all_digits(dash, (size_t)(end - dash)) || pgt_imp_dec(dash, (size_t)(end - dash), &w->tid) ||
	    w->tid > UINT32_MAX)
		return -1;
	w->pid = w->tid;
	w->comm = p;
	w->ncomm = (size_t)(dash - 1 - p);
	if (tokens) {
		const char *q = p;

		while (q < dash - 1 && !is_space(*q))
			q++;
		if (q > p && q[-1] == ':' && q < dash - 1) {
			while (q < dash - 1 && is_space(*q))
				q++;
			w->comm = q;
			w->ncomm = (size_t)(dash - 1 - q);
		}
	}
	return 0;
}

/* The value of field @key in the arguments ("key=value" or "key value"). */
static int arg(const char *s, size_t n, const char *key, const char **v, size_t *vn)
{
	const char *p = s, *end = s + n;
	size_t kl = strlen(key);

	while (p < end) {
		const char *t, *te;

		while (p < end && is_space(*p))
			p++;
		t = p;
		while (p < end && !is_space(*p))
			p++;
		te = p;
		if ((size_t)(te - t) > kl && t[kl] == '=' && !memcmp(t, key, kl)) {
			*v = t + kl + 1;
			*vn = (size_t)(te - t - kl - 1);
			return 1;
		}
		if ((size_t)(te - t) == kl && !memcmp(t, key, kl)) {
			while (p < end && is_space(*p))
				p++;
			t = p;
			while (p < end && !is_space(*p))
				p++;
			if (p == t)
				return 0;
			*v = t;
			*vn = (size_t)(p - t);
			return 1;
		}
	}
	return 0;
}

static int obj_of(struct imp *im, struct ftrace *ft, uint64_t dev, uint64_t ino, uint64_t ts, uint32_t *id)
{
	int created;
	struct imp_ent *e = pgt_imp_map__get(&ft->objs, dev, ino, NULL, 0, &created);

	if (!e)
		return -ENOMEM;
	if (created) {
		struct pgt_object o = {
			.id = ft->next_obj, .kind = PGT_OBJ_FILE, .op = PGT_OBJ_DEFINE,
			.name_src = PGT_NAME_NONE, .ts = ts, .dev = dev, .ino = ino, .path = "",
		};

		e->val = ft->next_obj++;
		if (pgt_meta__add_object(im->src.meta, &o))
			return -ENOMEM;
	}
	*id = (uint32_t)e->val;
	return 0;
}

/* A process record on first sight of a pid, and again when the main
 * thread shows a new command (an exec). */
static int proc_of(struct imp *im, struct ftrace *ft, const struct who *w, uint64_t ts)
{
	struct imp_ent *e;
	int created;

	if (!w->pid || !w->ncomm)
		return 0;
	e = pgt_imp_map__find(&ft->procs, w->pid, 0, NULL, 0);
	if (e && (w->tid != w->pid || (strlen(e->vs) == w->ncomm && !memcmp(e->vs, w->comm, w->ncomm))))
		return 0;
	if (e && im->nev)
		return IMP_DEFER;	/* events before keep the old name */
	if (!e) {
		e = pgt_imp_map__get(&ft->procs, w->pid, 0, NULL, 0, &created);
		if (!e)
			return -ENOMEM;
	}
	if (pgt_imp_ent__set_vs(e, w->comm, w->ncomm))
		return -ENOMEM;
	{
		struct pgt_process p = {
			.ts = ts, .pid = (uint32_t)w->pid, .tgid = (uint32_t)w->pid, .op = PGT_PROC_STATE,
			.comm = e->vs, .cwd = "", .exe = "",
		};

		return pgt_meta__add_process(im->src.meta, &p);
	}
}

static int page_of(struct imp *im, const char *what, uint64_t ofs, uint64_t *page)
{
	if (ofs & (im->page_size - 1))
		return pgt_imp_bad(im, "%s %llu is not a multiple of the page size %u (see --page-size)", what,
			       (unsigned long long)ofs, im->page_size);
	*page = ofs >> im->page_shift;
	return 0;
}

static int event_line(struct imp *im, struct ftrace *ft, const struct fline *fl, const struct fev *d)
{
	const char *v, *name = d->name;
	size_t vn;
	uint64_t ma, mi, ino, ofs, last, x;
	struct pgt_event ev;
	struct who w;
	char show[48];
	int err;

	memset(&ev, 0, sizeof(ev));
	ev.pfn = PGT_PFN_NONE;
	ev.npages = 1;
	ev.type = d->type;
	ev.flags = (uint16_t)(d->level << PGT_F_LEVEL_SHIFT);
	if (parse_prefix(fl->pre, fl->npre, &w))
		return pgt_imp_bad(im, "expected 'COMM-TID [CPU]' or 'COMM TID [CPU]' before the time, got '%s'",
			       pgt_imp_show(show, sizeof(show), fl->pre, fl->npre));
	ev.pid = (uint32_t)w.pid;
	ev.tid = (uint32_t)w.tid;
	ev.cpu = (uint32_t)w.cpu;
	if (pgt_imp_secs(fl->ts, fl->nts, &ev.ts))
		return pgt_imp_bad(im, "time '%s' out of range", pgt_imp_show(show, sizeof(show), fl->ts, fl->nts));
	{
		const char *colon;

		if (!arg(fl->args, fl->nargs, "dev", &v, &vn) || !(colon = memchr(v, ':', vn)) ||
		    pgt_imp_dec(v, (size_t)(colon - v), &ma) || pgt_imp_dec(colon + 1, (size_t)(v + vn - colon - 1), &mi) ||
		    ma > 0xfff || mi > 0xfffff)
			return pgt_imp_bad(im, "%s: expected 'dev=MAJOR:MINOR'", name);
	}
	if (!arg(fl->args, fl->nargs, "ino", &v, &vn) || pgt_imp_hex(v, vn, &ino))
		return pgt_imp_bad(im, "%s: expected 'ino=HEX'", name);
	if (!arg(fl->args, fl->nargs, "ofs", &v, &vn))
		return pgt_imp_bad(im, "%s: expected 'ofs=...'", name);
	switch (d->kind) {
	case K_RANGE: {
		const char *dash = memchr(v, '-', vn);

		if (!dash || pgt_imp_dec(v, (size_t)(dash - v), &ofs) || pgt_imp_dec(dash + 1, (size_t)(v + vn - dash - 1), &last) ||
		    last < ofs || last == UINT64_MAX)
			return pgt_imp_bad(im, "%s: expected 'ofs=FIRST-LAST' (bytes), got '%s'", name,
				       pgt_imp_show(show, sizeof(show), v, vn));
		if ((err = page_of(im, "offset", ofs, &ev.index)) || (err = page_of(im, "end offset", last + 1, &x)))
			return err;
		if ((err = pgt_imp_check_pages(im, x - ev.index)))
			return err;
		ev.npages = (uint32_t)(x - ev.index);
		break;
	}
	case K_OFS:
		if (pgt_imp_dec(v, vn, &ofs))
			return pgt_imp_bad(im, "%s: expected 'ofs=BYTES', got '%s'", name, pgt_imp_show(show, sizeof(show), v, vn));
		if ((err = page_of(im, "offset", ofs, &ev.index)))
			return err;
		break;
	default: /* K_PFN */
		if (pgt_imp_dec(v, vn, &ofs))
			return pgt_imp_bad(im, "%s: expected 'ofs=BYTES', got '%s'", name, pgt_imp_show(show, sizeof(show), v, vn));
		if ((err = page_of(im, "offset", ofs, &ev.index)))
			return err;
		if (!arg(fl->args, fl->nargs, "pfn", &v, &vn) || pgt_imp_num(v, vn, &ev.pfn) || ev.pfn == PGT_PFN_NONE)
			return pgt_imp_bad(im, "%s: expected 'pfn=0xHEX'", name);
		if (arg(fl->args, fl->nargs, "order", &v, &vn)) {
			if (pgt_imp_dec(v, vn, &x) || x > 31)
				return pgt_imp_bad(im, "%s: expected 'order=N' with N below 32", name);
			if ((err = pgt_imp_check_pages(im, 1ull << x)))
				return err;
			ev.npages = 1u << x;
		}
		break;
	}
	err = proc_of(im, ft, &w, ev.ts);
	if (err)
		return err;
	err = obj_of(im, ft, makedev((unsigned)ma, (unsigned)mi), ino, ev.ts, &ev.obj);
	if (err)
		return err;
	ft->last_ts = ev.ts;
	*imp_ev(im) = ev;
	imp_ev_commit(im);
	return 0;
}

static int ftrace_line(struct imp *im, const char *s, size_t n)
{
	struct ftrace *ft = im->priv;
	struct fline fl;
	uint64_t cpu, count;
	char show[64];

	while (n && is_space(*s)) {
		s++;
		n--;
	}
	if (!n || *s == '#' || (n >= 5 && !memcmp(s, "cpus=", 5)) || (n >= 9 && !memcmp(s, "version =", 9)) ||
	    (n > 13 && !memcmp(s, "CPU ", 4) && !memcmp(s + n - 9, " is empty", 9))) {
		im->st.skipped_other++;
		return 0;
	}
	if (split_line(s, n, &fl)) {
		if (!fl.sys || (fl.nsys == 7 && !memcmp(fl.sys, "filemap", 7))) {
			for (size_t i = 0; i < PGT_ARRAY_SIZE(fevs); i++)
				if (strlen(fevs[i].name) == fl.nev && !memcmp(fevs[i].name, fl.ev, fl.nev))
					return event_line(im, ft, &fl, &fevs[i]);
		}
		im->st.skipped_other++;	/* another event */
		return 0;
	}
	if (lost_line(s, n, &cpu, &count) && cpu <= UINT32_MAX) {
		im->st.lost += count;
		return pgt_meta__add_lost(im->src.meta, ft->last_ts, (uint32_t)cpu, count);
	}
	return pgt_imp_bad(im, "expected an event line 'COMM-TID [CPU] SECONDS: EVENT: ARGS', got '%s'",
		       pgt_imp_show(show, sizeof(show), s, n));
}

static int ftrace_init(struct imp *im)
{
	struct ftrace *ft = calloc(1, sizeof(*ft));

	if (!ft)
		return -ENOMEM;
	ft->next_obj = 1;
	im->priv = ft;
	return 0;
}

static int ftrace_fill(struct imp *im)
{
	return pgt_imp_fill_lines(im, ftrace_line);
}

static void ftrace_free(struct imp *im)
{
	struct ftrace *ft = im->priv;

	if (!ft)
		return;
	pgt_imp_map__release(&ft->objs);
	pgt_imp_map__release(&ft->procs);
	free(ft);
}

const struct imp_fmt pgt_imp_ftrace = {
	.init = ftrace_init,
	.fill = ftrace_fill,
	.free = ftrace_free,
};
