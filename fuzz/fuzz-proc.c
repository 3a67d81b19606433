// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz target for the /proc parsers, run on a fake kernel root (a
 * directory made once per process under $TMPDIR or /tmp, moved in with
 * pgt_kernel__set_root()).  The input is cut at NUL bytes into the files,
 * in this order; a file whose part is missing does not exist:
 *
 *   0 /proc/iomem            pgt_iomem__ram(), pgt_snap_pfn()'s spans
 *   1 /proc/meminfo          pgt_meminfo__kb()
 *   2 /proc/PID/maps         pgt_proc__maps(), pgt_snap_task(), the names dump
 *   3 /proc/PID/status       pgt_proc__kb(), pgt_names__proc()
 *   4 /proc/PID/cgroup       pgt_names__proc()
 *   5 /proc/PID/comm         pgt_snap_task()
 *   6 mountinfo text         pgt_mountinfo__parse() (fuzz-mountinfo.c has
 *                            the stricter checks)
 *   7 the rest, binary: its first byte chooses options, then a half is
 *     /proc/PID/pagemap, a quarter /proc/kpageflags, the rest
 *     /proc/kpagecount and /proc/kpagecgroup
 *
 * What the parsers return must be what the text says: RAM spans inside
 * "System RAM" lines, sorted; runs inside their mappings; files of the
 * maps named by the dump; a comm of one line.  Must never crash, hang,
 * leak or read out of bounds.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "kernel/kernel.h"
#include "pgtrace/snap.h"
#include "record/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz-proc: %s:%d: %s\n", __FILE__, __LINE__, #c); abort(); } } while (0)

#define PID 1234
#define NTEXT 7

static char root[4096];

static int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void rm_root(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int make_root(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4200];

	snprintf(root, sizeof(root), "%s/pgt-fuzz-proc.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root))
		return -1;
	atexit(rm_root);
	snprintf(dir, sizeof(dir), "%s/proc", root);
	if (mkdir(dir, 0700))
		return -1;
	snprintf(dir, sizeof(dir), "%s/proc/%d", root, PID);
	if (mkdir(dir, 0700))
		return -1;
	return pgt_kernel__set_root(root);
}

/* Write @len bytes to @rel under the root, or remove it when @data is NULL. */
static void put(const char *rel, const void *data, size_t len)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	if (!data) {
		unlink(path);
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, data, len) == (ssize_t)len);
	close(fd);
}

/* Whether frame @pfn is inside a top-level "System RAM" line of @text. */
static int ram_line_has(const char *text, uint64_t pfn)
{
	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		unsigned long long a, b;
		int pos = 0;

		if (sscanf(line, "%llx-%llx : %n", &a, &b, &pos) == 2 && pos &&
		    !strncmp(line + pos, "System RAM", 10) &&
		    (line[pos + 10] == '\n' || !line[pos + 10]) &&
		    pfn <= UINT64_MAX / 4096 && pfn * 4096 >= a && pfn * 4096 + 4095 <= b)
			return 1;
	}
	return 0;
}

/* Spans sorted, disjoint, their first and last frames RAM of @text. */
static void check_iomem(const char *text)
{
	struct pgt_pfn_span *v = NULL;
	size_t n = 0;
	int err = pgt_iomem__ram(&v, &n);

	if (err) {
		CHECK(err == -ENOENT || err == -EPERM || err == -ENOMEM);
		return;
	}
	CHECK(text && n);
	for (size_t i = 0; i < n; i++) {
		CHECK(v[i].start < v[i].end);
		CHECK(!i || v[i - 1].end < v[i].start);
		CHECK(ram_line_has(text, v[i].start) && ram_line_has(text, v[i].end - 1));
	}
	free(v);
}

static void check_kb(const char *path, const char *text, const char *key)
{
	uint64_t kb = 0;
	int err = pgt_proc__kb(path, key, &kb);
	char want[64];

	if (err) {
		CHECK(err == -ENOENT || err == -ENOMEM);
		return;
	}
	snprintf(want, sizeof(want), "%s:", key);
	CHECK(text && strstr(text, want));
}

/* The maps; the names dump must name every file mapping of them. */
static void check_maps(const char *text)
{
	struct pgt_vma *v = NULL;
	struct pgt_names *names;
	struct pgt_process p;
	size_t n = 0, lines = 0;
	int err = pgt_proc__maps(PID, &v, &n);

	if (err) {
		CHECK(err == -ENOENT || err == -ENOMEM);
		v = NULL;
		n = 0;
	}
	for (const char *s = text; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL)
		lines++;
	CHECK(n <= lines);
	for (size_t i = 0; i < n; i++)
		CHECK(strlen(v[i].perms) <= 4 && v[i].path && !strchr(v[i].path, '\n'));

	names = pgt_names__new();
	CHECK(names);
	err = pgt_names__proc(names, PID, 1, &p);
	if (!err) {
		CHECK(p.pid == PID && p.tgid);
		CHECK(p.comm && strlen(p.comm) < 64 && !strchr(p.comm, '\n'));
		CHECK(p.cgroup && !strchr(p.cgroup, '\n'));
		CHECK(p.cwd && p.exe);
	} else {
		CHECK(err == -ESRCH || err == -ENOMEM);
	}
	err = pgt_names__dump_proc(names, 1, NULL, NULL);
	CHECK(err == 0 || err == 1 || err == -ENOMEM);
	for (size_t i = 0; err == 1 && i < n; i++) {
		const char *name;

		if (v[i].path[0] != '/' || !v[i].ino)
			continue;
		name = pgt_names__lookup(names, makedev(v[i].dev_major, v[i].dev_minor), v[i].ino, NULL);
		CHECK(name && name[0] == '/');
	}
	pgt_names__free(names);
	pgt_vmas__free(v, n);
}

static void check_mountinfo(const char *text, size_t len)
{
	struct pgt_mountinfo *m = NULL;
	size_t n = 0;
	char *buf = malloc(len + 1);

	if (!buf)
		return;
	memcpy(buf, text, len + 1);
	if (!pgt_mountinfo__parse(buf, &m, &n)) {
		for (size_t i = 0; i < n; i++) {
			CHECK(m[i].root >= buf && m[i].root < buf + len);
			CHECK(m[i].mnt >= buf && m[i].mnt < buf + len);
			CHECK(m[i].fstype >= buf && m[i].fstype < buf + len);
			CHECK(!strchr(m[i].fstype, ' ') && !strchr(m[i].fstype, '\n'));
		}
		free(m);
	}
	free(buf);
}

static void check_task(uint8_t optbits)
{
	struct pgt_task_opts o = { .sz = sizeof(o), .runs = optbits & 1, .kflags = !!(optbits & 2),
				   .no_scan = !!(optbits & 4), .have_range = !!(optbits & 8),
				   .vfirst = 16, .vend = 1u << 20 };
	uint64_t present = 0;
	int err;
	struct pgt_task_info *t = pgt_snap_task(PID, &o, &err);

	CHECK(!t == !!err);
	if (!t)
		return;
	CHECK(!memchr(t->comm, '\n', strnlen(t->comm, sizeof(t->comm))));
	for (size_t i = 0; i < t->nvmas; i++) {
		const struct pgt_task_vma *v = &t->vmas[i];
		uint64_t k = 0;

		CHECK(v->path);
		present += v->present;
		CHECK(v->file + v->anon == v->present);
		for (size_t j = 0; j < v->nkflags; j++)
			k += v->kflags[j].pages;
		CHECK(k <= v->present);
	}
	CHECK(present == t->present);
	for (size_t i = 0; i < t->nruns; i++) {
		const struct pgt_task_run *r = &t->runs[i];

		CHECK(r->vma < t->nvmas && r->npages);
		CHECK(r->vpage >= t->vmas[r->vma].start / 4096);
		CHECK(r->vpage + r->npages <= t->vmas[r->vma].end / 4096);
	}
	pgt_task_info__free(t);
}

static void check_pfn(uint8_t optbits, uint64_t frames)
{
	struct pgt_pfn_opts o = { .sz = sizeof(o), .threads = 1, .mapcount = !!(optbits & 16),
				  .cgroup = !!(optbits & 32), .runs = !!(optbits & 64),
				  .must_set = optbits & 128 ? 1u << 5 : 0 };
	uint64_t pages = 0;
	int err;
	struct pgt_pfn_result *r = pgt_snap_pfn(&o, &err);

	CHECK(!r == !!err);
	if (!r)
		return;
	for (size_t i = 0; i < r->ncombos; i++) {
		CHECK(!i || r->combos[i - 1].pages >= r->combos[i].pages);
		pages += r->combos[i].pages;
	}
	CHECK(pages == r->matched && r->matched <= r->walked);
	/* never past the end of kpageflags */
	CHECK(r->walked <= frames);
	for (size_t i = 0; i < r->nruns; i++)
		CHECK(r->runs[i].npages && r->runs[i].pfn + r->runs[i].npages <= frames);
	pgt_pfn_result__free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const files[NTEXT] = {
		"/proc/iomem", "/proc/meminfo", "/proc/1234/maps", "/proc/1234/status",
		"/proc/1234/cgroup", "/proc/1234/comm", NULL,
	};
	static int ready;
	char *text[NTEXT] = { 0 };
	size_t tlen[NTEXT] = { 0 };
	const uint8_t *p = data, *end = data + size, *bin = NULL;
	size_t nbin = 0, half, quarter;
	uint8_t optbits = 0;

	if (size > 1 << 16)
		return 0;
	if (!ready) {
		if (make_root())
			abort();
		ready = 1;
	}
	for (int i = 0; i < NTEXT && p <= end; i++) {
		const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
		size_t len = nul ? (size_t)(nul - p) : (size_t)(end - p);

		text[i] = strndup((const char *)p, len);
		if (!text[i])
			goto out;
		tlen[i] = len;
		p += len + 1;
	}
	if (p < end) {
		optbits = *p++;
		bin = p;
		nbin = (size_t)(end - p);
	}
	for (int i = 0; i < NTEXT; i++)
		if (files[i])
			put(files[i], text[i], tlen[i]);
	half = nbin / 2 & ~(size_t)7;
	quarter = nbin / 4 & ~(size_t)7;
	put("/proc/1234/pagemap", bin, half);
	put("/proc/kpageflags", bin ? bin + half : NULL, quarter);
	put("/proc/kpagecount", bin ? bin + half + quarter : NULL, nbin - half - quarter);
	put("/proc/kpagecgroup", bin ? bin + half + quarter : NULL, nbin - half - quarter);

	check_iomem(text[0]);
	check_kb("/proc/meminfo", text[1], "MemTotal");
	check_kb("/proc/1234/status", text[3], "VmRSS");
	check_maps(text[2]);
	if (text[6])
		check_mountinfo(text[6], tlen[6]);
	check_task(optbits);
	if (bin)	/* an empty kpageflags too: nothing to walk */
		check_pfn(optbits, quarter / 8);
out:
	for (int i = 0; i < NTEXT; i++)
		free(text[i]);
	return 0;
}
