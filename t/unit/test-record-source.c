// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the recorder as a source (pgt_record__source()): what it
 * refuses, and, as root with tracefs (skipped otherwise), a live
 * recording of `cat FILE` pulled through a filter into a counter, a
 * tally and a trace writer, and a source freed mid-stream.
 *
 * With PGT_RECSRC_FILE and PGT_RECSRC_OUT set (t/t0230-record-source.sh),
 * the recording reads that file and writes its trace there, so that the
 * script can compare it with `pgtrace record -- cat FILE`; the test
 * then leaves both in place.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "pgtrace/analysis.h"
#include "pgtrace/ops.h"
#include "pgtrace/record.h"
#include "pgtrace/sink.h"
#include "helpers.h"

#define NPAGES 64	/* pages of the file read */

static int can_record(void)
{
	struct stat sb;

	return geteuid() == 0 && (stat("/sys/kernel/tracing/events", &sb) == 0 ||
				  stat("/sys/kernel/debug/tracing/events", &sb) == 0);
}

/* Instances of this process left in tracefs ("pgtrace-PID-TOKEN"). */
static int own_instances(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing/instances",
					     "/sys/kernel/debug/tracing/instances" };
	char prefix[64];
	int n = 0;

	snprintf(prefix, sizeof(prefix), "pgtrace-%d-", (int)getpid());
	for (size_t i = 0; i < 2; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *de;

		if (!d)
			continue;
		while ((de = readdir(d)))
			n += !strncmp(de->d_name, prefix, strlen(prefix));
		closedir(d);
		break;
	}
	return n;
}

/* A file of NPAGES pages (of 4 KiB, or fewer larger pages) on disk. */
static void make_file(const char *path)
{
	char buf[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < NPAGES * 4096 / (int)sizeof(buf); i++)
		assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	assert_int_equal(fsync(fd), 0);
	close(fd);
}

static void drop_cache(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fsync(fd), 0);
	assert_int_equal(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	close(fd);
}

static void test_refusals(void **state)
{
	struct pgt_record_opts o = { .sz = sizeof(o), .level = PGT_LEVEL_LOOKUP };
	struct pgt_record_stats st;
	struct pgt_gen_opts go = { .sz = sizeof(go), .events = 10 };
	struct pgt_source *src;
	int err = 0;

	(void)state;
	assert_null(pgt_record__source(NULL, &st, &err));
	assert_int_equal(err, -EINVAL);
	/* what only a written trace means */
	o.keep_bytes = 1 << 20;
	assert_null(pgt_record__source(&o, NULL, &err));
	assert_int_equal(err, -EINVAL);
	o.keep_bytes = 0;
	o.keep_ns = 1000000000ull;
	assert_null(pgt_record__source(&o, NULL, &err));
	assert_int_equal(err, -EINVAL);
	o.keep_ns = 0;
	o.max_size = 1 << 20;
	assert_null(pgt_record__source(&o, NULL, &err));
	assert_int_equal(err, -EINVAL);
	/* the stats of another kind of source */
	src = pgt_gen__new(&go, &err);
	assert_non_null(src);
	assert_int_equal(pgt_record__source_stats(src, &st), -EINVAL);
	assert_int_equal(st.events, 0);
	pgt_source__free(src);
}

static void test_cat_through_filter(void **state)
{
	const char *ext_file = getenv("PGT_RECSRC_FILE"), *ext_out = getenv("PGT_RECSRC_OUT");
	char *dir = NULL, *file = NULL, *out = NULL, *script = NULL, expr_text[4200];
	struct pgt_parse_error pe;
	char *argv[] = { "sh", "-c", NULL, "sh", NULL, NULL };
	struct pgt_record_opts o = { .sz = sizeof(o), .level = PGT_LEVEL_LOOKUP, .max_loss = -1, .argv = argv };
	struct pgt_record_stats st, st0;
	struct pgt_writer_opts wo = { .sz = sizeof(wo) };
	struct pgt_refs_tally tally = { { 0 }, { 0 } };
	struct pgt_drain_result res;
	struct pgt_reader_stats rs;
	struct pgt_source *src, *f;
	struct pgt_sink *sinks[3];
	struct pgt_writer *w;
	struct pgt_reader *rd;
	struct pgt_expr *e;
	uint64_t count = 0, start_ts, npages = NPAGES;
	long ps = sysconf(_SC_PAGESIZE);
	struct stat sb;
	int err = 0;

	(void)state;
	if (!can_record())
		skip();
	if (ext_file && ext_out) {
		file = realpath(ext_file, NULL);
		out = strdup(ext_out);
	} else {
		dir = t_mkdtemp();
		assert_non_null(dir);
		assert_true(asprintf(&file, "%s/data", dir) > 0);
		assert_true(asprintf(&out, "%s/rs.pgt", dir) > 0);
		make_file(file);
	}
	assert_non_null(file);
	assert_non_null(out);
	assert_int_equal(stat(file, &sb), 0);
	npages = ((uint64_t)sb.st_size + (uint64_t)ps - 1) / (uint64_t)ps;
	drop_cache(file);
	/* cat FILE, its output dropped (not the test's) */
	assert_true(asprintf(&script, "exec cat \"$1\" >/dev/null") > 0);
	argv[2] = script;
	argv[4] = file;

	src = pgt_record__source(&o, &st0, &err);
	if (!src)
		fail_msg("pgt_record__source: %d (missing: '%s')", err, st0.missing);
	/* the header is the recorder's */
	assert_int_equal(src->header.clock, PGT_CLOCK_MONOTONIC);
	assert_true(src->header.features & PGT_FEAT_FILE_SIZES);
	assert_int_equal(src->header.major, PGT_FORMAT_MAJOR);
	assert_true(src->header.host[0] != 0);
	assert_true(src->header.start_ts != 0);
	start_ts = src->header.start_ts;
	assert_int_equal(own_instances(), 1);
	assert_int_equal(pgt_record__source_stats(src, &st), 0);

	snprintf(expr_text, sizeof(expr_text), "type == lookup && path == \"%s\"", file);
	e = pgt_expr__parse(expr_text, &pe, &err);
	if (!e)
		fail_msg("%s: %s", expr_text, pe.msg);
	/* the operator owns the recorder from here; the recorder's stats
	 * are read through it before it goes */
	f = pgt_filter__new(src, e, &err);
	assert_non_null(f);
	wo.header = &f->header;
	w = pgt_writer__open(out, &wo, &err);
	assert_non_null(w);
	sinks[0] = pgt_count__sink(&count);
	sinks[1] = pgt_refs_tally__sink(&tally);
	sinks[2] = pgt_writer__sink(w);
	assert_non_null(sinks[0]);
	assert_non_null(sinks[1]);
	assert_non_null(sinks[2]);
	err = pgt_drain(f, sinks, 3, NULL, &res);
	assert_int_equal(err, 0);
	assert_int_equal(pgt_record__source_stats(src, &st), 0);
	assert_int_equal(pgt_writer__close(w), 0);
	for (size_t i = 0; i < 3; i++)
		pgt_sink__free(sinks[i]);

	/* cat ran and was seen to exit; the recording ended there */
	assert_true(st.have_child);
	assert_true(WIFEXITED(st.child_status) && WEXITSTATUS(st.child_status) == 0);
	assert_int_equal(own_instances(), 0);
	/* exactly the file's pages were looked up, each once */
	assert_int_equal(count, res.events);
	assert_true(count > 0);
	assert_int_equal(tally.pages[PGT_EV_LOOKUP], npages);
	assert_true(st.events >= count);
	pgt_source__free(f);

	/* the written trace is whole, with the recorder's last records */
	rd = pgt_reader__open(out, NULL, &err);
	assert_non_null(rd);
	{
		struct pgt_source *rsrc = pgt_reader__source(rd);
		const struct pgt_meta *m;
		struct pgt_event ev = { 0 };
		uint64_t n = 0, pages = 0;
		int r;

		while ((r = pgt_source__next(rsrc, &ev)) > 0) {
			n++;
			pages += ev.npages;
		}
		assert_int_equal(r, 0);
		assert_int_equal(n, count);
		assert_int_equal(pages, npages);
		m = pgt_reader__meta(rd);
		assert_non_null(pgt_meta__info(m, "recorder"));
		assert_string_equal(pgt_meta__info(m, "record.level"), "1");
		assert_non_null(pgt_meta__info(m, "recorder.lost"));
		pgt_reader__stats(rd, &rs);
		assert_true(rs.complete);
		assert_int_equal(pgt_reader__header(rd)->start_ts, start_ts);
	}
	pgt_reader__free(rd);
	free(script);
	free(file);
	free(out);
	if (dir)
		t_rmtree(dir);
}

static void test_free_mid_stream(void **state)
{
	char *argv[] = { "sh", "-c", "cat /proc/self/status >/dev/null; sleep 1", NULL };
	struct pgt_record_opts o = { .sz = sizeof(o), .level = PGT_LEVEL_LOOKUP, .argv = argv };
	const struct pgt_event *evs;
	struct pgt_source *src;
	int err = 0;

	(void)state;
	if (!can_record())
		skip();
	/* freed before any batch */
	src = pgt_record__source(&o, NULL, &err);
	assert_non_null(src);
	assert_int_equal(own_instances(), 1);
	pgt_source__free(src);
	assert_int_equal(own_instances(), 0);
	/* freed after a batch, before the command's end */
	src = pgt_record__source(&o, NULL, &err);
	assert_non_null(src);
	{
		/* a second recording at the same time is refused */
		int e2 = 0;

		assert_null(pgt_record__source(&o, NULL, &e2));
		assert_int_equal(e2, -EBUSY);
	}
	assert_true(pgt_source__batch(src, &evs) > 0);
	pgt_source__free(src);
	assert_int_equal(own_instances(), 0);
	/* and the recorder can start again */
	src = pgt_record__source(&o, NULL, &err);
	assert_non_null(src);
	pgt_source__free(src);
	assert_int_equal(own_instances(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_cat_through_filter),
		cmocka_unit_test(test_free_mid_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
