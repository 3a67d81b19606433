// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the options size field (lib/util/opts.h) and of its check
 * at the entry of the public functions: a caller's structure shorter than
 * the library's is taken with defaults for what it lacks, a longer one
 * only when the bytes the library does not know are zero.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pgtrace/pgtrace.h"
#include "pgtrace/analysis.h"
#include "pgtrace/ops.h"
#include "pgtrace/phase.h"
#include "pgtrace/plot.h"
#include "pgtrace/snap.h"
#include "util/opts.h"

/* A caller compiled against a newer header: our structure plus one
 * member we do not know. */
struct gen_opts_newer {
	struct pgt_gen_opts known;
	uint64_t future;
};

static uint64_t count_events(struct pgt_source *src)
{
	const struct pgt_event *evs;
	uint64_t n = 0;
	ssize_t got;

	while ((got = pgt_source__batch(src, &evs)) > 0)
		n += (uint64_t)got;
	assert_int_equal(got, 0);
	return n;
}

static void test_macros(void **state)
{
	struct pgt_gen_opts o = { .sz = sizeof(o), .events = 7 };
	struct pgt_gen_opts local;
	const struct pgt_gen_opts *p = &o, *none = NULL;

	(void)state;
	assert_true(PGT_OPTS_VALID(p));
	assert_true(PGT_OPTS_VALID(none));
	assert_int_equal(PGT_OPTS_GET(p, events, 99), 7);
	assert_int_equal(PGT_OPTS_GET(none, events, 99), 99);
	assert_ptr_equal(PGT_OPTS_FIT(p, &local), p);
	assert_null(PGT_OPTS_FIT(none, &local));

	/* sz 0: the library's own size */
	o.sz = 0;
	assert_true(PGT_OPTS_VALID(p));
	assert_int_equal(PGT_OPTS_GET(p, events, 99), 7);
	assert_ptr_equal(PGT_OPTS_FIT(p, &local), p);

	/* a structure that ends before .events: the default, and a copy
	 * with the member zero */
	o.sz = offsetof(struct pgt_gen_opts, events);
	assert_true(PGT_OPTS_VALID(p));
	assert_int_equal(PGT_OPTS_GET(p, events, 99), 99);
	assert_int_equal(PGT_OPTS_GET(p, pattern, 99), 0);
	assert_ptr_equal(PGT_OPTS_FIT(p, &local), &local);
	assert_int_equal(local.events, 0);
	assert_int_equal(local.sz, offsetof(struct pgt_gen_opts, events));

	/* shorter than the size field itself */
	o.sz = sizeof(size_t) - 1;
	assert_false(PGT_OPTS_VALID(p));
}

static void test_newer_caller(void **state)
{
	struct gen_opts_newer n = { .known = { .sz = sizeof(n) } };
	const struct pgt_gen_opts *p = &n.known;

	(void)state;
	assert_true(PGT_OPTS_VALID(p));	/* the unknown tail is zero */
	n.future = 1;
	assert_false(PGT_OPTS_VALID(p));
}

static void test_gen_shorter(void **state)
{
	/* an older caller that knew the members up to .seed: the others
	 * (pages, stride, ...) take their defaults whatever follows */
	struct gen_opts_newer n;
	struct pgt_source *src;
	int err = 0;

	(void)state;
	memset(&n, 0xff, sizeof(n));
	n.known.sz = offsetof(struct pgt_gen_opts, stride);
	n.known.pattern = PGT_GEN_SEQUENTIAL;
	n.known.events = 1000;
	n.known.pages = 64;
	n.known.seed = 1;
	src = pgt_gen__new(&n.known, &err);
	assert_non_null(src);
	assert_int_equal(count_events(src), 1000);
	pgt_source__free(src);
}

static void test_gen_unknown_tail(void **state)
{
	struct gen_opts_newer n = { .known = { .sz = sizeof(n), .events = 10 } };
	struct pgt_source *src;
	int err = 0;

	(void)state;
	src = pgt_gen__new(&n.known, &err);
	assert_non_null(src);
	assert_int_equal(count_events(src), 10);
	pgt_source__free(src);

	n.future = 42;
	err = 0;
	assert_null(pgt_gen__new(&n.known, &err));
	assert_int_equal(err, -EINVAL);
}

/* The other entry points refuse an unknown non-zero tail too. */
static void test_entries_refuse(void **state)
{
	struct {
		struct pgt_writer_opts known;
		uint64_t future;
	} wo = { .known = { .sz = sizeof(wo) }, .future = 1 };
	struct {
		struct pgt_reader_opts known;
		uint64_t future;
	} ro = { .known = { .sz = sizeof(ro) }, .future = 1 };
	struct {
		struct pgt_task_opts known;
		uint64_t future;
	} to = { .known = { .sz = sizeof(to) }, .future = 1 };
	struct {
		struct pgt_oracle_opts known;
		uint64_t future;
	} oo = { .known = { .sz = sizeof(oo) }, .future = 1 };
	struct {
		struct pgt_file_opts known;
		uint64_t future;
	} fo = { .known = { .sz = sizeof(fo) }, .future = 1 };
	struct pgt_gen_opts go = { .sz = sizeof(go), .events = 1 };
	struct pgt_task_info *ti = NULL;
	struct pgt_source *src;
	char path[] = "/tmp/pgt-test-opts-XXXXXX";
	int fd, err = 0;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_null(pgt_writer__fdopen(fd, &wo.known, &err));
	assert_int_equal(err, -EINVAL);
	/* refused before the file is created */
	err = 0;
	assert_null(pgt_writer__open(path, &wo.known, &err));
	assert_int_equal(err, -EINVAL);
	assert_int_equal(access(path, F_OK), -1);

	err = 0;
	assert_null(pgt_reader__open("/dev/null", &ro.known, &err));
	assert_int_equal(err, -EINVAL);

	err = 0;
	ti = pgt_snap_task(getpid(), &to.known, &err);
	assert_null(ti);
	assert_int_equal(err, -EINVAL);
	/* the snapshot sources check before they copy the caller's struct */
	err = 0;
	assert_null(pgt_snap_task__source(getpid(), &to.known, NULL, &err));
	assert_int_equal(err, -EINVAL);
	err = 0;
	assert_null(pgt_snap_files__source(NULL, 0, &fo.known, NULL, NULL, NULL, &err));
	assert_int_equal(err, -EINVAL);

	src = pgt_gen__new(&go, &err);
	assert_non_null(src);
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pgt_oracle__export(src, fd, &oo.known, NULL), -EINVAL);
	close(fd);
	pgt_source__free(src);
}

/* The analyses' constructors: an unknown non-zero tail is refused, a
 * shorter struct takes the defaults for what it lacks, whatever follows
 * it in the caller's memory. */
static void test_analyses(void **state)
{
	struct {
		struct pgt_stats_opts known;
		uint64_t future;
	} so;
	struct {
		struct pgt_phase_opts known;
		uint64_t future;
	} po = { .known = { .sz = sizeof(po) }, .future = 1 };
	struct {
		struct pgt_heat_opts known;
		uint64_t future;
	} ho = { .known = { .sz = sizeof(ho) }, .future = 1 };
	struct pgt_event ev = { .type = PGT_EV_LOOKUP, .obj = 1, .index = 3, .npages = 1 };
	struct pgt_stats_summary sum;
	struct pgt_stats *st;
	struct pgt_phase *ph;
	struct pgt_heat *h;
	int err = 0;

	(void)state;
	memset(&so, 0, sizeof(so));
	so.known.sz = sizeof(so);
	so.future = 1;
	assert_null(pgt_stats__new(&so.known, &err));
	assert_int_equal(err, -EINVAL);
	err = 0;
	assert_null(pgt_phase__new(&po.known, &err));
	assert_int_equal(err, -EINVAL);
	err = 0;
	assert_null(pgt_heat__new(&ho.known, &err));
	assert_int_equal(err, -EINVAL);

	/* an older caller that knew only .refs and .space: sample_rate and
	 * the rest past them are garbage here, and must read as 0 */
	memset(&so, 0xff, sizeof(so));
	so.known.sz = offsetof(struct pgt_stats_opts, sample_rate);
	so.known.refs = 0;
	so.known.space = 0;
	st = pgt_stats__new(&so.known, &err);
	assert_non_null(st);
	assert_int_equal(pgt_stats__feed(st, &ev, 1), 0);
	assert_int_equal(pgt_stats__feed(st, &ev, 1), 0);
	assert_int_equal(pgt_stats__finish(st), 0);
	pgt_stats__summary(st, &sum);
	assert_int_equal(sum.refs, 2);
	pgt_stats__free(st);

	memset(&po, 0xff, sizeof(po));
	po.known.sz = offsetof(struct pgt_phase_opts, window);
	po.known.refs = 0;
	po.known.space = 0;
	ph = pgt_phase__new(&po.known, &err);
	assert_non_null(ph);	/* window, gap, min_phase past the size: defaults, not 0xff.. */
	pgt_phase__free(ph);

	memset(&ho, 0xff, sizeof(ho));
	ho.known.sz = offsetof(struct pgt_heat_opts, tbins);
	ho.known.refs = 0;
	ho.known.space = 0;
	h = pgt_heat__new(&ho.known, &err);
	assert_non_null(h);	/* no objects list read from the garbage */
	assert_int_equal(pgt_heat__feed(h, &ev, 1), 0);
	pgt_heat__free(h);

	{
		struct {
			struct pgt_plot_opts known;
			uint64_t future;
		} plo = { .known = { .sz = sizeof(plo) }, .future = 1 };
		struct pgt_plot_data d = { 0 };
		char *mem = NULL;
		size_t len = 0;

		assert_int_equal(pgt_plot__draw(PGT_PLOT_MRC, &d, &plo.known, NULL, &mem, &len), -EINVAL);
		assert_null(mem);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_macros),
		cmocka_unit_test(test_newer_caller),
		cmocka_unit_test(test_gen_shorter),
		cmocka_unit_test(test_gen_unknown_tail),
		cmocka_unit_test(test_entries_refuse),
		cmocka_unit_test(test_analyses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
