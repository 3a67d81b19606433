/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * helpers.h - shared by the cmocka unit tests: a deterministic random
 * generator, event comparison, scratch directories and in-memory files.
 * Include after <cmocka.h>.
 */
#ifndef PGT_TEST_HELPERS_H
#define PGT_TEST_HELPERS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "pgtrace/pgtrace.h"

/* splitmix64: small, fast, and the same sequence everywhere. */
static inline uint64_t t_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A value of a random bit width, so small and huge values both occur. */
static inline uint64_t t_rand_wide(uint64_t *state)
{
	unsigned bits = (unsigned)(t_rand(state) % 65);

	return bits == 64 ? t_rand(state) : t_rand(state) & ((1ull << bits) - 1);
}

/* Compare every field but seq; a failure names the field and the event. */
#define assert_event_fields_equal(a, b)                          \
	do {                                                     \
		const struct pgt_event *a_ = (a), *b_ = (b);     \
		assert_int_equal(a_->type, b_->type);            \
		assert_int_equal(a_->flags, b_->flags);          \
		assert_int_equal(a_->cpu, b_->cpu);              \
		assert_int_equal(a_->ts, b_->ts);                \
		assert_int_equal(a_->pid, b_->pid);              \
		assert_int_equal(a_->tid, b_->tid);              \
		assert_int_equal(a_->obj, b_->obj);              \
		assert_int_equal(a_->index, b_->index);          \
		assert_int_equal(a_->npages, b_->npages);        \
		assert_int_equal(a_->pfn, b_->pfn);              \
		assert_int_equal(a_->aux, b_->aux);              \
	} while (0)

/* Fast path for big arrays: 1 when every field but seq matches. */
static inline int t_event_same(const struct pgt_event *a, const struct pgt_event *b)
{
	return a->type == b->type && a->flags == b->flags && a->cpu == b->cpu &&
	       a->ts == b->ts && a->pid == b->pid && a->tid == b->tid && a->obj == b->obj &&
	       a->index == b->index && a->npages == b->npages && a->pfn == b->pfn &&
	       a->aux == b->aux;
}

/* A scratch directory under $TMPDIR (or /tmp); removed with t_rmtree(). */
static inline char *t_mkdtemp(void)
{
	const char *base = getenv("TMPDIR");
	char *dir;

	if (!base || !*base)
		base = "/tmp";
	if (asprintf(&dir, "%s/pgtrace-unit-XXXXXX", base) < 0)
		return NULL;
	if (!mkdtemp(dir)) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* Remove a flat scratch directory (the tests create no subdirectories)
 * and free its name. */
static inline void t_rmtree(char *dir)
{
	DIR *d;
	struct dirent *de;

	if (!dir)
		return;
	d = opendir(dir);
	if (d) {
		while ((de = readdir(d))) {
			char *p;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (asprintf(&p, "%s/%s", dir, de->d_name) >= 0) {
				unlink(p);
				free(p);
			}
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

/* An in-memory file holding @len bytes of @data, positioned at 0. */
static inline int t_memfd(const void *data, size_t len)
{
	int fd = memfd_create("pgtrace-unit", MFD_CLOEXEC);
	const char *p = data;

	if (fd < 0)
		return -1;
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w <= 0) {
			close(fd);
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read a whole file into memory; *len gets its size.  Free the result. */
static inline uint8_t *t_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long sz;

	*len = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)sz ? (size_t)sz : 1);
		if (buf && fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)sz;
	}
	fclose(f);
	return buf;
}

#endif
