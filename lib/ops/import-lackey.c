// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Valgrind lackey --trace-mem=yes: one memory access per line,
 *
 *   I  04013d23,3      instruction fetch (skipped unless asked for)
 *    L 04222cac,8      load
 *    S 7ff000ff8,8     store
 *    M 0421ee2c,4      modify: a load and a store of the same bytes
 *
 * with Valgrind's own "==PID== ..." lines around them.  Each access is one
 * reference event to the pages its bytes touch (two when it crosses a page
 * boundary); the clock is synthetic: the line number in nanoseconds.  The
 * most recent "==PID==" line tells whose access it is (a Valgrind run with
 * --trace-children=yes writes several pids into one stream); each pid is
 * an address-space object "[lackey pid N]".
 */
#include <stdio.h>
#include <stdlib.h>

#include "import-int.h"

/* aux of a lackey event: the access size in the low 32 bits, and */
#define LK_AUX_INSTR (1ull << 32)	/* an instruction fetch */
#define LK_AUX_MODIFY (1ull << 33)	/* a modify (read and write) */

struct lk_proc {
	uint32_t pid, ppid, obj;
	int recorded;
	char comm[16];
	char *exe;
};

struct lackey {
	struct lk_proc *procs;
	size_t nprocs, cap;
	size_t cur;		/* index of the current pid's entry */
	uint32_t next_obj;
};

static struct lk_proc *proc_of(struct lackey *lk, uint32_t pid)
{
	struct lk_proc *p;

	if (lk->cur < lk->nprocs && lk->procs[lk->cur].pid == pid)
		return &lk->procs[lk->cur];
	for (size_t i = 0; i < lk->nprocs; i++) {
		if (lk->procs[i].pid == pid) {
			lk->cur = i;
			return &lk->procs[i];
		}
	}
	if (pgt_grow((void **)&lk->procs, &lk->cap, lk->nprocs + 1, sizeof(*lk->procs)))
		return NULL;
	p = &lk->procs[lk->nprocs];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	lk->cur = lk->nprocs++;
	return p;
}

/* The object (and process record) of the current pid, made on first use. */
static int obj_of(struct imp *im, struct lackey *lk, uint64_t ts, uint32_t *obj)
{
	struct lk_proc *p = &lk->procs[lk->cur];
	char path[300];
	int err;

	if (p->obj) {
		*obj = p->obj;
		return 0;
	}
	if (p->pid)
		snprintf(path, sizeof(path), "[lackey pid %u]", p->pid);
	else if (*im->name)
		snprintf(path, sizeof(path), "[lackey %s]", im->name);
	else
		snprintf(path, sizeof(path), "[lackey]");
	{
		struct pgt_object o = {
			.id = lk->next_obj, .kind = PGT_OBJ_MM, .op = PGT_OBJ_DEFINE,
			.name_src = PGT_NAME_SYNTH, .ts = ts, .ino = p->pid, .path = path,
		};

		err = pgt_meta__add_object(im->src.meta, &o);
		if (err)
			return err;
	}
	p->obj = lk->next_obj++;
	if (p->pid && !p->recorded) {
		struct pgt_process pr = {
			.ts = ts, .pid = p->pid, .tgid = p->pid, .ppid = p->ppid,
			.op = PGT_PROC_STATE, .comm = p->comm, .cwd = "", .exe = p->exe ? p->exe : "",
		};

		p->recorded = 1;
		err = pgt_meta__add_process(im->src.meta, &pr);
		if (err)
			return err;
	}
	*obj = p->obj;
	return 0;
}

/* "==PID== text": switch to that pid and learn its command and parent. */
static int header_line(struct imp *im, struct lackey *lk, const char *s, size_t n)
{
	const char *q = s + 2, *end = s + n, *close;
	uint64_t pid;
	struct lk_proc *p;

	close = q;
	while (close < end && *close >= '0' && *close <= '9')
		close++;
	if (close + 2 > end || close == q || close[0] != '=' || close[1] != '=' ||
	    pgt_imp_dec(q, (size_t)(close - q), &pid) || pid > UINT32_MAX)
		return pgt_imp_bad(im, "expected '==PID==' at the start of a Valgrind line");
	p = proc_of(lk, (uint32_t)pid);
	if (!p)
		return -ENOMEM;
	q = close + 2;
	while (q < end && *q == ' ')
		q++;
	if (end - q > 9 && !memcmp(q, "Command: ", 9) && !p->exe) {
		const char *cmd = q + 9, *w = cmd, *base = cmd;
		size_t len;

		while (w < end && *w != ' ') {
			if (*w == '/')
				base = w + 1;
			w++;
		}
		len = (size_t)(w - base) < sizeof(p->comm) - 1 ? (size_t)(w - base) : sizeof(p->comm) - 1;
		memcpy(p->comm, base, len);
		p->comm[len] = 0;
		p->exe = strndup(cmd, (size_t)(w - cmd));
		if (!p->exe)
			return -ENOMEM;
	} else if (end - q > 12 && !memcmp(q, "Parent PID: ", 12)) {
		uint64_t ppid;

		if (!pgt_imp_dec(q + 12, (size_t)(end - q - 12), &ppid) && ppid <= UINT32_MAX)
			p->ppid = (uint32_t)ppid;
	}
	im->st.skipped_other++;
	return 0;
}

static int lackey_line(struct imp *im, const char *s, size_t n)
{
	struct lackey *lk = im->priv;
	const char *comma, *a, *z;
	uint64_t addr, size, last, first_page, last_page;
	struct pgt_event *e;
	int instr, err;
	char kind;

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n > 3 && ((s[0] == ' ' && s[2] == ' ' && (s[1] == 'L' || s[1] == 'S' || s[1] == 'M')) ||
		      (s[0] == 'I' && s[1] == ' ' && s[2] == ' '))) {
		instr = s[0] == 'I';
		kind = instr ? 'I' : s[1];
	} else if (n >= 2 && s[0] == '=' && s[1] == '=') {
		return header_line(im, lk, s, n);
	} else if (!n || (n >= 2 && ((s[0] == '-' && s[1] == '-') || (s[0] == '*' && s[1] == '*')))) {
		im->st.skipped_other++;	/* blank, or Valgrind's --PID-- and **PID** lines */
		return 0;
	} else {
		char show[48];

		return pgt_imp_bad(im, "expected a lackey access such as ' L 04222cac,8' or 'I  04013d23,3', got '%s'",
			       pgt_imp_show(show, sizeof(show), s, n));
	}
	a = s + 3;
	z = s + n;
	comma = memchr(a, ',', (size_t)(z - a));
	if (!comma)
		return pgt_imp_bad(im, "expected ADDRESS,SIZE after '%c'", kind);
	if (pgt_imp_hex(a, (size_t)(comma - a), &addr) || (comma - a > 2 && a[1] == 'x'))
		return pgt_imp_bad(im, "expected a hexadecimal address before ','");
	err = pgt_imp_dec(comma + 1, (size_t)(z - comma - 1), &size);
	if (err || !size)
		return pgt_imp_bad(im, "expected a positive decimal size after ','");
	if (instr && !im->o.instructions) {
		im->st.skipped_other++;
		return 0;
	}
	if (addr + (size - 1) < addr)
		return pgt_imp_bad(im, "access 0x%llx,%llu runs past the end of the address space",
			       (unsigned long long)addr, (unsigned long long)size);
	last = addr + (size - 1);
	first_page = addr >> im->page_shift;
	last_page = last >> im->page_shift;
	if (pgt_imp_check_pages(im, last_page - first_page + 1))
		return -PGT_EPARSE;
	e = imp_ev(im);
	e->ts = im->lineno + 1;
	e->type = PGT_EV_REFERENCE;
	e->index = first_page;
	e->npages = (uint32_t)(last_page - first_page + 1);
	e->flags = kind == 'S' || kind == 'M' ? PGT_F_WRITE : 0;
	e->aux = (size & 0xffffffffu) | (instr ? LK_AUX_INSTR : 0) | (kind == 'M' ? LK_AUX_MODIFY : 0);
	if (lk->cur >= lk->nprocs && !proc_of(lk, 0))
		return -ENOMEM;
	e->pid = e->tid = lk->procs[lk->cur].pid;
	err = obj_of(im, lk, e->ts, &e->obj);
	if (err)
		return err;
	imp_ev_commit(im);
	return 0;
}

int pgt_imp_lackey_detect(const char *s, size_t n)
{
	const char *comma;
	uint64_t v;

	if (n > 4 && s[0] == '=' && s[1] == '=' && s[2] >= '0' && s[2] <= '9') {
		const char *q = s + 2;

		while (q < s + n && *q >= '0' && *q <= '9')
			q++;
		return q + 1 < s + n && q[0] == '=' && q[1] == '=';
	}
	if (n < 6 || !((s[0] == ' ' && s[2] == ' ' && (s[1] == 'L' || s[1] == 'S' || s[1] == 'M')) ||
		       (s[0] == 'I' && s[1] == ' ' && s[2] == ' ')))
		return 0;
	comma = memchr(s, ',', n);
	return comma && !pgt_imp_hex(s + 3, (size_t)(comma - s - 3), &v) &&
	       !pgt_imp_dec(comma + 1, (size_t)(s + n - comma - 1), &v);
}

static int lackey_init(struct imp *im)
{
	struct lackey *lk = calloc(1, sizeof(*lk));

	if (!lk)
		return -ENOMEM;
	lk->next_obj = 1;
	lk->cur = SIZE_MAX;
	im->priv = lk;
	return 0;
}

static int lackey_fill(struct imp *im)
{
	return pgt_imp_fill_lines(im, lackey_line);
}

static void lackey_free(struct imp *im)
{
	struct lackey *lk = im->priv;

	if (!lk)
		return;
	for (size_t i = 0; i < lk->nprocs; i++)
		free(lk->procs[i].exe);
	free(lk->procs);
	free(lk);
}

const struct imp_fmt pgt_imp_lackey = {
	.init = lackey_init,
	.fill = lackey_fill,
	.free = lackey_free,
};
