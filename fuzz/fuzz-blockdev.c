// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz target for the block-device reader (lib/kernel/blockdev.c), which
 * names the page cache of a block device's own inode in a recording.  The
 * input is the sysfs text of one device, written under a fake kernel root
 * (a directory made once per process under $TMPDIR or /tmp) as
 * sys/dev/block/8:1/uevent up to the first NUL byte and, after it, as
 * sys/dev/block/8:1/size (no size file without a NUL).  The first byte
 * of the input also sizes the caller's name buffer (1 to 64 bytes).
 * What is accepted must hold: the name is "" or "/dev/" and the last
 * DEVNAME= of the text, cut to the buffer and terminated; the size is
 * the number of 512-byte sectors the size file gives (one number and a
 * newline, read by the one checked parser), unknown when it gives none
 * or more sectors than 64 bits of bytes hold: never a product that
 * wrapped, never a number sscanf() made of " -1".
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
#include "pgtrace/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz-blockdev: %s:%d: %s\n", __FILE__, __LINE__, #c); abort(); } } while (0)

static const char *const dirs[] = { "sys", "sys/dev", "sys/dev/block", "sys/dev/block/8:1" };
static char root[4096];

static void cleanup(void)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s/sys/dev/block/8:1/uevent", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/sys/dev/block/8:1/size", root);
	unlink(p);
	for (size_t i = sizeof(dirs) / sizeof(dirs[0]); i-- > 0;) {
		snprintf(p, sizeof(p), "%s/%s", root, dirs[i]);
		rmdir(p);
	}
	rmdir(root);
}

static int setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char p[4200];

	if (root[0])
		return 0;
	snprintf(root, sizeof(root), "%s/pgt-fuzz-blockdev-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root))
		return -1;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, dirs[i]);
		mkdir(p, 0700);
	}
	atexit(cleanup);
	return pgt_kernel__set_root(root);
}

/* Write @len bytes of @data as the device's @name, or remove it when
 * @data is NULL. */
static int put(const char *name, const char *data, size_t len)
{
	char p[4200];
	FILE *f;
	int ok;

	snprintf(p, sizeof(p), "%s/sys/dev/block/8:1/%s", root, name);
	if (!data)
		return unlink(p) && errno != ENOENT ? -1 : 0;
	f = fopen(p, "we");
	if (!f)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	return fclose(f) || !ok ? -1 : 0;
}

/* The value of the last line of @text that starts with "DEVNAME=", or
 * NULL; its length in *@len.  Written apart from the library's loop. */
static const char *last_devname(const char *text, size_t *len)
{
	const char *found = NULL;

	for (const char *l = text; *l; ) {
		size_t n = strcspn(l, "\n");

		if (n >= 8 && !memcmp(l, "DEVNAME=", 8)) {
			found = l + 8;
			*len = n - 8;
		}
		l += n;
		if (*l)
			l++;
	}
	return found;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, name[64 + 8];
	const char *nul, *sz = NULL, *want;
	size_t cap, wlen = 0;
	uint64_t bytes = 1;
	int err;

	if (size < 1 || size > 1 << 16 || setup())
		return 0;
	cap = (size_t)(data[0] % 64) + 1;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	nul = memchr(text, 0, size - 1);
	if (nul && nul < text + size - 1)
		sz = nul + 1;	/* the rest, up to the next NUL */
	if (put("uevent", text, strlen(text)) || put("size", sz, sz ? strlen(sz) : 0))
		goto out;
	memset(name, 'x', sizeof(name));
	err = pgt_blockdev__info(8, 1, name, cap, &bytes);
	CHECK(!err);
	/* the buffer is terminated and never written past @cap */
	CHECK(memchr(name, 0, cap));
	for (size_t i = cap; i < sizeof(name); i++)
		CHECK(name[i] == 'x');
	want = last_devname(text, &wlen);
	if (!want) {
		CHECK(!name[0]);
	} else {
		char full[1 << 17];

		snprintf(full, sizeof(full), "/dev/%.*s", (int)wlen, want);
		CHECK(!strncmp(name, full, cap - 1));
		CHECK(strlen(name) == (strlen(full) < cap ? strlen(full) : cap - 1));
	}
	/* the size: sectors times 512 without a wrap, or unknown */
	{
		uint64_t sectors = 0;
		int known = 0;

		if (sz) {
			char *num = strdup(sz);
			size_t n;

			if (!num)
				goto out;
			n = strlen(num);
			if (n && num[n - 1] == '\n')
				num[n - 1] = 0;
			known = !pgt_parse_u64(num, &sectors) && sectors <= UINT64_MAX / 512;
			free(num);
		}
		if (known)
			CHECK(bytes == sectors * 512);
		else
			CHECK(bytes == PGT_SIZE_UNKNOWN);
	}
	/* no device in sysfs: an error, the size untouched */
	bytes = 1;
	CHECK(pgt_blockdev__info(8, 2, name, cap, &bytes) < 0 && bytes == 1);
out:
	free(text);
	return 0;
}
