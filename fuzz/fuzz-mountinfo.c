// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz target for the mountinfo parser (lib/kernel/mountinfo.c), which
 * the recorder's fanotify marks and walk, its block-device names and
 * record -G read.  The input is mountinfo text: parsed from a copy, then
 * read back through pgt_mountinfo__read() from a fake kernel root (a
 * directory made once per process under $TMPDIR or /tmp) holding it as
 * proc/self/mountinfo; both must give the same mounts.  What is accepted
 * must hold: strings inside the text, a filesystem type of one word, a
 * device number the text gives, the lookups returning the first match
 * (by path: the longest mount point above a path).
 * Must never crash, hang, leak or read out of bounds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kernel/kernel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz-mountinfo: %s:%d: %s\n", __FILE__, __LINE__, #c); abort(); } } while (0)

static char root[4096];

static void cleanup(void)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s/proc/self/mountinfo", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/proc/self", root);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/proc", root);
	rmdir(p);
	rmdir(root);
}

static int setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char p[4200];

	if (root[0])
		return 0;
	snprintf(root, sizeof(root), "%s/pgt-fuzz-mountinfo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root))
		return -1;
	snprintf(p, sizeof(p), "%s/proc", root);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/proc/self", root);
	mkdir(p, 0700);
	atexit(cleanup);
	return pgt_kernel__set_root(root);
}

static int write_file(const uint8_t *data, size_t size)
{
	char p[4200];
	FILE *f;
	int ok;

	snprintf(p, sizeof(p), "%s/proc/self/mountinfo", root);
	f = fopen(p, "we");
	if (!f)
		return -1;
	ok = fwrite(data, 1, size, f) == size;
	return fclose(f) || !ok ? -1 : 0;
}

/* Whether "@maj:@min" stands in @text after a space, as mountinfo's
 * third field does. */
static int text_has_dev(const char *text, unsigned maj, unsigned min)
{
	char want[32];

	snprintf(want, sizeof(want), " %u:%u ", maj, min);
	if (strstr(text, want))
		return 1;
	/* leading zeros or a '+' are numbers sscanf accepts too */
	return strchr(text, ':') != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgt_mountinfo *m = NULL, *m2 = NULL;
	size_t n = 0, n2 = 0;
	char *buf, *orig, *text2 = NULL;

	if (size > 1 << 16 || setup())
		return 0;
	buf = malloc(size + 1);
	orig = malloc(size + 1);
	if (!buf || !orig)
		goto out;
	memcpy(buf, data, size);
	buf[size] = 0;
	memcpy(orig, buf, size + 1);
	if (pgt_mountinfo__parse(buf, &m, &n))
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct pgt_mountinfo *f;

		CHECK(m[i].root >= buf && m[i].root < buf + size);
		CHECK(m[i].mnt >= buf && m[i].mnt < buf + size);
		CHECK(m[i].fstype >= buf && m[i].fstype < buf + size);
		CHECK(m[i].fstype[0] && !strchr(m[i].fstype, ' ') && !strchr(m[i].fstype, '\n'));
		CHECK(!strchr(m[i].mnt, '\n') && !strchr(m[i].root, '\n'));
		CHECK(text_has_dev(orig, m[i].maj, m[i].min));
		f = pgt_mountinfo__find_fstype(m, n, m[i].fstype);
		CHECK(f && f <= &m[i] && !strcmp(f->fstype, m[i].fstype));
		f = pgt_mountinfo__find_dev(m, n, m[i].maj, m[i].min);
		CHECK(f && f <= &m[i] && f->maj == m[i].maj && f->min == m[i].min);
		/* a mount point is held by a mount of the device at that very
		 * point (itself, or one mounted over it) */
		f = pgt_mountinfo__find_path(m, n, m[i].maj, m[i].min, m[i].mnt);
		CHECK(f && f->maj == m[i].maj && f->min == m[i].min && !strcmp(f->mnt, m[i].mnt));
	}
	/* the same text read from the root: the same mounts (a NUL ends the
	 * text the parser sees, so compare only inputs without one) */
	if (!memchr(data, 0, size) && !write_file(data, size) &&
	    !pgt_mountinfo__read(&text2, &m2, &n2)) {
		CHECK(n2 == n);
		for (size_t i = 0; i < n; i++) {
			CHECK(m2[i].maj == m[i].maj && m2[i].min == m[i].min);
			CHECK(!strcmp(m2[i].root, m[i].root) && !strcmp(m2[i].mnt, m[i].mnt));
			CHECK(!strcmp(m2[i].fstype, m[i].fstype));
		}
	}
out:
	free(m);
	free(m2);
	free(text2);
	free(buf);
	free(orig);
	return 0;
}
