// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the rows sink (lib/format/rows.c): a few events with their
 * side tables as exact text, CSV and JSON lines; the range of events;
 * column lists read through the field table, a bad name found by its
 * offset; bad options refused; a write error given by the finish.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/sysmacros.h>

#include "pgtrace/fields.h"
#include "pgtrace/rows.h"
#include "helpers.h"

static struct pgt_meta *meta(void)
{
	struct pgt_meta *m = pgt_meta__new();
	struct pgt_object a = { .id = 1, .kind = PGT_OBJ_FILE, .op = PGT_OBJ_DEFINE,
				.dev = makedev(8, 1), .ino = 1234, .path = "/lib/a.so",
				.name_src = PGT_NAME_GIVEN };
	struct pgt_object b = { .id = 2, .kind = PGT_OBJ_FILE, .op = PGT_OBJ_DEFINE,
				.dev = makedev(0, 5), .ino = 99, .path = "/tmp/a,\"b\"",
				.name_src = PGT_NAME_GIVEN };
	struct pgt_process p = { .pid = 100, .tgid = 100, .ppid = 1, .comm = "bash",
				 .cwd = "/", .exe = "/bin/bash", .cgroup = "/user.slice",
				 .op = PGT_PROC_STATE };

	assert_non_null(m);
	assert_int_equal(pgt_meta__add_object(m, &a), 0);
	assert_int_equal(pgt_meta__add_object(m, &b), 0);
	assert_int_equal(pgt_meta__add_process(m, &p), 0);
	return m;
}

/* A known process and object; an unknown process, an object whose path
 * needs quoting; an unknown object. */
static const struct pgt_event evs[3] = {
	{ .seq = 0, .ts = 1500, .cpu = 1, .pid = 100, .tid = 100, .type = PGT_EV_FAULT, .obj = 1,
	  .index = 42, .npages = 2, .pfn = PGT_PFN_NONE, .flags = PGT_F_WRITE },
	{ .seq = 1, .ts = 2000000000, .cpu = 0, .pid = 555, .tid = 556, .type = PGT_EV_LOOKUP,
	  .obj = 2, .index = 0, .npages = 1, .pfn = 12, .aux = 7 },
	{ .seq = 2, .ts = 3, .cpu = 2, .pid = 100, .tid = 101, .type = PGT_EV_FAULT, .obj = 77,
	  .index = 5, .npages = 1, .pfn = PGT_PFN_NONE, .flags = PGT_F_MAJOR },
};

static const unsigned some[] = {
	PGT_FIELD_SEQ, PGT_FIELD_TS, PGT_FIELD_COMM, PGT_FIELD_TYPE, PGT_FIELD_PATH,
	PGT_FIELD_DEV, PGT_FIELD_INO, PGT_FIELD_PFN, PGT_FIELD_FLAGS, PGT_FIELD_AUX,
};

/* The rows of @evs[0..n) written with @o, fed in one batch, as a string
 * (the caller frees it). */
static char *rows_of(const struct pgt_rows_opts *o, size_t n, int *fed)
{
	struct pgt_meta *m = meta();
	FILE *f = tmpfile();
	struct pgt_sink *s;
	char *text;
	long len;
	int err = 0;

	assert_non_null(f);
	s = pgt_rows__sink(fileno(f), o, &err);
	assert_non_null(s);
	*fed = pgt_sink__feed(s, evs, n, m, NULL);
	assert_int_equal(pgt_sink__finish(s, m, NULL), 0);
	assert_int_equal(pgt_sink__finish(s, m, NULL), 0);	/* again: nothing more */
	pgt_sink__free(s);
	len = lseek(fileno(f), 0, SEEK_END);
	assert_true(len >= 0);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(pread(fileno(f), text, (size_t)len, 0), len);
	fclose(f);
	pgt_meta__free(m);
	return text;
}

static void test_csv(void **state)
{
	struct pgt_rows_opts o = { .sz = sizeof(o), .format = PGT_ROWS_CSV, .columns = some,
				   .ncolumns = sizeof(some) / sizeof(some[0]) };
	char *t;
	int fed;

	(void)state;
	t = rows_of(&o, 3, &fed);
	assert_int_equal(fed, 0);
	assert_string_equal(t, "seq,ts,comm,type,path,dev,ino,pfn,flags,aux\n"
			       "0,1500,bash,fault,/lib/a.so,8:1,1234,,write,0\n"
			       "1,2000000000,,lookup,\"/tmp/a,\"\"b\"\"\",0:5,99,12,,7\n"
			       "2,3,bash,fault,,,,,major,0\n");
	free(t);
	o.no_header = 1;
	o.ncolumns = 2;
	t = rows_of(&o, 3, &fed);
	assert_string_equal(t, "0,1500\n1,2000000000\n2,3\n");
	free(t);
}

static void test_jsonl(void **state)
{
	struct pgt_rows_opts o = { .sz = sizeof(o), .format = PGT_ROWS_JSONL, .columns = some,
				   .ncolumns = sizeof(some) / sizeof(some[0]) };
	char *t;
	int fed;

	(void)state;
	t = rows_of(&o, 3, &fed);
	assert_string_equal(t,
		"{\"seq\":0,\"ts\":1500,\"comm\":\"bash\",\"type\":\"fault\",\"path\":\"/lib/a.so\","
		"\"dev\":\"8:1\",\"ino\":1234,\"pfn\":null,\"flags\":\"write\",\"aux\":0}\n"
		"{\"seq\":1,\"ts\":2000000000,\"comm\":\"\",\"type\":\"lookup\",\"path\":\"/tmp/a,\\\"b\\\"\","
		"\"dev\":\"0:5\",\"ino\":99,\"pfn\":12,\"flags\":\"\",\"aux\":7}\n"
		"{\"seq\":2,\"ts\":3,\"comm\":\"bash\",\"type\":\"fault\",\"path\":\"\","
		"\"dev\":\"\",\"ino\":null,\"pfn\":null,\"flags\":\"major\",\"aux\":0}\n");
	free(t);
}

static void test_text_and_range(void **state)
{
	struct pgt_rows_opts o = { .sz = sizeof(o) };
	char *t;
	int fed;

	(void)state;
	/* text, the default columns */
	t = rows_of(NULL, 3, &fed);
	assert_string_equal(t, "0 0.000001500 1 100 bash fault /lib/a.so 42 2\n"
			       "1 2.000000000 0 555 - lookup /tmp/a,\"b\" 0 1\n"
			       "2 0.000000003 2 100 bash fault - 5 1\n");
	free(t);
	/* events [1, 2): the batch reaches the end, so the sink is sated */
	o.seq_lo = 1;
	o.seq_hi = 2;
	t = rows_of(&o, 3, &fed);
	assert_int_equal(fed, PGT_SINK_SATED);
	assert_string_equal(t, "1 2.000000000 0 555 - lookup /tmp/a,\"b\" 0 1\n");
	free(t);
	/* times [1000, 2000) */
	o = (struct pgt_rows_opts){ .sz = sizeof(o), .t_lo = 1000, .t_hi = 2000 };
	t = rows_of(&o, 3, &fed);
	assert_int_equal(fed, 0);
	assert_string_equal(t, "0 0.000001500 1 100 bash fault /lib/a.so 42 2\n");
	free(t);
}

static void test_parse_columns(void **state)
{
	unsigned ids[PGT_ROWS_MAX_COLUMNS];
	char many[PGT_ROWS_MAX_COLUMNS * 4 + 8] = "";
	size_t bad = 0, nall;
	const struct pgt_field *t = pgt_fields(&nall);
	int n;

	(void)state;
	assert_int_equal(pgt_rows__parse_columns("ts,path,cgroup", ids, 64, &bad), 3);
	assert_int_equal(ids[0], PGT_FIELD_TS);
	assert_int_equal(ids[1], PGT_FIELD_PATH);
	assert_int_equal(ids[2], PGT_FIELD_CGROUP);
	assert_int_equal(pgt_rows__parse_columns("", ids, 64, &bad), 0);
	/* an unknown name, a field that is no column, an empty name: where */
	assert_int_equal(pgt_rows__parse_columns("seq,nosuch,ts", ids, 64, &bad), -EINVAL);
	assert_int_equal(bad, 4);
	assert_int_equal(pgt_rows__parse_columns("seq,ts,uid", ids, 64, &bad), -EINVAL);
	assert_int_equal(bad, 7);
	assert_int_equal(pgt_rows__parse_columns("seq,,ts", ids, 64, &bad), -EINVAL);
	assert_int_equal(bad, 4);
	/* "all": the table's PGT_FU_ALL entries, in its order */
	n = pgt_rows__parse_columns("all", ids, 64, &bad);
	for (size_t i = 0, k = 0; i < nall; i++)
		if (t[i].uses & PGT_FU_ALL) {
			assert_true((int)k < n);
			assert_int_equal(ids[k++], t[i].id);
		}
	assert_int_equal(n, 16);
	/* one name past the room */
	for (int i = 0; i <= PGT_ROWS_MAX_COLUMNS; i++)
		strcat(many, i ? ",ts" : "ts");
	assert_int_equal(pgt_rows__parse_columns(many, ids, PGT_ROWS_MAX_COLUMNS, &bad), -EINVAL);
	assert_int_equal(bad, (size_t)PGT_ROWS_MAX_COLUMNS * 3);
}

static void test_bad_opts(void **state)
{
	static const unsigned uid[] = { PGT_FIELD_UID };
	struct {
		struct pgt_rows_opts o;
		int newer;
	} big = { .o = { .sz = sizeof(big) }, .newer = 1 };
	struct pgt_rows_opts o = { .sz = sizeof(o), .columns = uid, .ncolumns = 1 };
	int err = 0;

	(void)state;
	assert_null(pgt_rows__sink(1, &o, &err));	/* uid is no column */
	assert_int_equal(err, -EINVAL);
	o = (struct pgt_rows_opts){ .sz = sizeof(o), .format = 3 };
	err = 0;
	assert_null(pgt_rows__sink(1, &o, &err));
	assert_int_equal(err, -EINVAL);
	o = (struct pgt_rows_opts){ .sz = sizeof(o), .columns = uid, .ncolumns = PGT_ROWS_MAX_COLUMNS + 1 };
	err = 0;
	assert_null(pgt_rows__sink(1, &o, &err));
	assert_int_equal(err, -EINVAL);
	err = 0;	/* a newer caller's member we do not know, set */
	assert_null(pgt_rows__sink(1, &big.o, &err));
	assert_int_equal(err, -EINVAL);
	big.newer = 0;
	pgt_sink__free(pgt_rows__sink(1, &big.o, &err));
}

static void test_write_error(void **state)
{
	struct pgt_meta *m = meta();
	struct pgt_sink *s;
	int fds[2], err = 0;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	s = pgt_rows__sink(fds[1], NULL, &err);
	assert_non_null(s);
	assert_int_equal(pgt_sink__feed(s, evs, 3, m, NULL), 0);	/* buffered */
	assert_int_equal(pgt_sink__finish(s, m, NULL), -EPIPE);
	assert_int_equal(pgt_sink__finish(s, m, NULL), -EPIPE);
	pgt_sink__free(s);
	close(fds[1]);
	pgt_meta__free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_jsonl),
		cmocka_unit_test(test_text_and_range),
		cmocka_unit_test(test_parse_columns),
		cmocka_unit_test(test_bad_opts),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
