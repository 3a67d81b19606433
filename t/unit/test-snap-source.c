// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the snapshot sources (lib/snap/source.c), on the real
 * kernel: a file the test has just put into the page cache page by page
 * is snapshot through pgt_snap_files__source(), and its events must be
 * exactly the pages mmap+mincore(2) finds resident (an independent
 * measurement: the source finds extents with cachestat(2)).  The same
 * source wrapped with a filter yields only the matching pages, as any
 * source would; the task and frame sources must give as many pages as
 * the results they borrow say.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "pgtrace/ops.h"
#include "pgtrace/snap.h"
#include "helpers.h"

#define NPAGES 64

struct fixture {
	char *dir;
	char a[256], b[256];
};

static int write_file(const char *path, size_t pages)
{
	char buf[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return -1;
	for (size_t i = 0; i < pages; i++) {
		memset(buf, (int)(i + 1), sizeof(buf));
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return close(fd), -1;
	}
	fsync(fd);	/* clean pages: DONTNEED drops them */
	close(fd);
	return 0;
}

/* Drop @path from the cache, then read pages [lo, hi) of it one by one. */
static void cache_pages(const char *path, size_t lo, size_t hi)
{
	char c;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);	/* no readahead */
	for (size_t i = lo; i < hi; i++)
		assert_int_equal(pread(fd, &c, 1, (off_t)(i * 4096)), 1);
	close(fd);
}

/* Residency of every page of @path by mincore: the oracle. */
static void resident(const char *path, size_t pages, unsigned char *vec)
{
	int fd = open(path, O_RDONLY);
	void *p;

	assert_true(fd >= 0);
	p = mmap(NULL, pages * 4096, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(mincore(p, pages * 4096, vec), 0);
	for (size_t i = 0; i < pages; i++)
		vec[i] &= 1;
	munmap(p, pages * 4096);
	close(fd);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || !(f->dir = t_mkdtemp()))
		return -1;
	snprintf(f->a, sizeof(f->a), "%s/a", f->dir);
	snprintf(f->b, sizeof(f->b), "%s/b", f->dir);
	if (write_file(f->a, NPAGES) || write_file(f->b, 16))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	t_rmtree(f->dir);
	free(f);
	return 0;
}

/*
 * Snapshot a and b through the source; fill @got[obj-1][page] with the
 * pages the events say are cached.  Return the events' page total.
 */
static uint64_t snap_pages(struct pgt_source *src, unsigned char got[2][NPAGES], const char *const *paths)
{
	struct pgt_event ev = { 0 };
	uint64_t total = 0;
	int r;

	memset(got, 0, 2 * NPAGES);
	while ((r = pgt_source__next(src, &ev)) == 1) {
		const struct pgt_object *o = pgt_meta__object(src->meta, ev.obj);

		assert_int_equal(ev.type, PGT_EV_SNAPSHOT_PAGE);
		assert_non_null(o);
		assert_true(ev.obj == 1 || ev.obj == 2);
		assert_string_equal(o->path, paths[ev.obj - 1]);
		assert_int_equal(o->kind, PGT_OBJ_FILE);
		assert_int_equal(ev.pfn, PGT_PFN_NONE);
		assert_true(ev.npages > 0 && ev.index + ev.npages <= NPAGES);
		for (uint64_t i = ev.index; i < ev.index + ev.npages; i++) {
			assert_int_equal(got[ev.obj - 1][i], 0);	/* no page twice */
			got[ev.obj - 1][i] = 1;
		}
		total += ev.npages;
	}
	assert_int_equal(r, 0);
	return total;
}

static void test_files_match_mincore(void **state)
{
	struct fixture *f = *state;
	const char *paths[2] = { f->a, f->b };
	struct pgt_file_req reqs[2] = { { .path = f->a }, { .path = f->b } };
	struct pgt_file_opts fo = { .sz = sizeof(fo), .threads = 2 };
	unsigned char got[2][NPAGES], before[2][NPAGES], after[2][NPAGES];
	int tries = 0, err = -1;

	/* a: pages 0..7 and 32..39 and 63; b: all 16 */
	do {
		struct pgt_source *src;
		uint64_t n;

		cache_pages(f->a, 0, 8);
		{
			char c;
			int fd = open(f->a, O_RDONLY);

			posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
			for (size_t i = 32; i < 40; i++)
				assert_int_equal(pread(fd, &c, 1, (off_t)(i * 4096)), 1);
			assert_int_equal(pread(fd, &c, 1, 63 * 4096), 1);
			close(fd);
		}
		cache_pages(f->b, 0, 16);
		memset(before, 0, sizeof(before));
		resident(f->a, NPAGES, before[0]);
		resident(f->b, 16, before[1]);
		src = pgt_snap_files__source(reqs, 2, &fo, NULL, NULL, NULL, &err);
		assert_non_null(src);
		assert_int_equal(err, 0);
		assert_string_equal(pgt_meta__info(src->meta, "snapshot"), "file");
		n = snap_pages(src, got, paths);
		assert_int_equal(pgt_meta__nr_objects(src->meta), 2);
		pgt_source__free(src);
		memset(after, 0, sizeof(after));
		resident(f->a, NPAGES, after[0]);
		resident(f->b, 16, after[1]);
		/* a page evicted meanwhile by someone else's memory pressure:
		 * measure again */
		if (memcmp(before, after, sizeof(before)))
			continue;
		assert_memory_equal(got, after, sizeof(got));
		assert_true(n >= 17);	/* at least a's 17 or b's 16 stayed */
		return;
	} while (++tries < 5);
	skip();	/* the cache never held still long enough */
}

static void test_files_through_filter(void **state)
{
	struct fixture *f = *state;
	struct pgt_file_req req = { .path = f->a };
	struct pgt_file_opts fo = { .sz = sizeof(fo) };
	unsigned char vec[NPAGES];
	int tries = 0, err = -1;

	do {
		struct pgt_source *src;
		struct pgt_expr *e;
		struct pgt_event ev = { 0 };
		uint64_t want = 0, pages = 0;
		int r;

		/* two extents, 20..29 and 40..49: the filter tests an event's
		 * first page, and only the second starts past 32 */
		cache_pages(f->a, 40, 50);
		{
			char c;
			int fd = open(f->a, O_RDONLY);

			posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
			for (size_t i = 20; i < 30; i++)
				assert_int_equal(pread(fd, &c, 1, (off_t)(i * 4096)), 1);
			close(fd);
		}
		src = pgt_snap_files__source(&req, 1, &fo, NULL, NULL, NULL, &err);
		assert_non_null(src);
		e = pgt_expr__parse("index >= 32", NULL, &err);
		assert_non_null(e);
		src = pgt_filter__new(src, e, &err);
		assert_non_null(src);
		while ((r = pgt_source__next(src, &ev)) == 1) {
			assert_true(ev.index >= 32);
			pages += ev.npages;
		}
		assert_int_equal(r, 0);
		pgt_source__free(src);
		resident(f->a, NPAGES, vec);
		for (size_t i = 32; i < NPAGES; i++)
			want += vec[i];
		if (want != 10 || vec[20] + vec[29] != 2)
			continue;	/* evicted meanwhile: again */
		assert_int_equal(pages, want);
		return;
	} while (++tries < 5);
	skip();
}

/* A callback sees every file, a failed one too, and the source keeps
 * only those that were examined. */
static int count_cb(const struct pgt_file_info *fi, void *ctx)
{
	(void)fi;
	++*(int *)ctx;
	return 0;
}

static void test_files_callback_and_errors(void **state)
{
	struct fixture *f = *state;
	char missing[300];
	struct pgt_file_req reqs[2] = { { .path = missing }, { .path = f->b } };
	struct pgt_file_opts fo = { .sz = sizeof(fo) };
	struct pgt_source *src;
	struct pgt_event ev = { 0 };
	int seen = 0, err = -1, r;

	snprintf(missing, sizeof(missing), "%s/missing", f->dir);
	src = pgt_snap_files__source(reqs, 2, &fo, count_cb, NULL, &seen, &err);
	assert_non_null(src);
	assert_int_equal(seen, 2);
	while ((r = pgt_source__next(src, &ev)) == 1)
		assert_int_equal(ev.obj, 1);	/* b is the first object */
	assert_int_equal(r, 0);
	assert_int_equal(pgt_meta__nr_objects(src->meta), 1);
	assert_string_equal(pgt_meta__object(src->meta, 1)->path, f->b);
	pgt_source__free(src);
}

static void test_task_self(void **state)
{
	const struct pgt_task_info *info = NULL;
	struct pgt_task_opts to = { .sz = sizeof(to) };
	struct pgt_source *src;
	struct pgt_event ev = { 0 };
	uint64_t pages = 0;
	int err = -1, r;

	(void)state;
	src = pgt_snap_task__source(getpid(), &to, &info, &err);
	assert_non_null(src);
	assert_non_null(info);
	assert_string_equal(pgt_meta__info(src->meta, "snapshot"), "task");
	assert_non_null(pgt_meta__process(src->meta, (uint32_t)getpid()));
	while ((r = pgt_source__next(src, &ev)) == 1) {
		assert_int_equal(ev.pid, (uint32_t)getpid());
		assert_int_equal(ev.obj, 1);
		pages += ev.npages;
	}
	assert_int_equal(r, 0);
	assert_int_equal(pages, info->present);
	assert_true(pages > 0);
	pgt_source__free(src);
}

static void test_pfn_range(void **state)
{
	const struct pgt_pfn_result *res = NULL;
	struct pgt_pfn_opts po = { .sz = sizeof(po), .first = 0x1000, .end = 0x1400, .threads = 1 };
	struct pgt_source *src;
	struct pgt_event ev = { 0 };
	uint64_t pages = 0, next = 0x1000;
	int err = 0, r;

	(void)state;
	if (access("/proc/kpageflags", R_OK))
		skip();
	src = pgt_snap_pfn__source(&po, &res, &err);
	assert_non_null(src);
	while ((r = pgt_source__next(src, &ev)) == 1) {
		assert_int_equal(ev.index, ev.pfn);
		assert_int_equal(ev.index, next);	/* runs follow each other */
		next += ev.npages;
		pages += ev.npages;
	}
	assert_int_equal(r, 0);
	assert_int_equal(pages, res->matched);
	assert_int_equal(pages, 0x400);
	pgt_source__free(src);
}

static void test_free_null(void **state)
{
	(void)state;
	pgt_source__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files_match_mincore),
		cmocka_unit_test(test_files_through_filter),
		cmocka_unit_test(test_files_callback_and_errors),
		cmocka_unit_test(test_task_self),
		cmocka_unit_test(test_pfn_range),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
