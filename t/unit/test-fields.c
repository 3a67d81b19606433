// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the field table (lib/format/fields.c): names unique, every
 * use and type consistent, lists and help texts made from it, and the key
 * of every field of events whose process and object are known, unknown or
 * half-known, as split, stats and the filter read them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/sysmacros.h>

#include "pgtrace/fields.h"
#include "pgtrace/ops.h"
#include "helpers.h"

static void test_table(void **state)
{
	size_t n;
	const struct pgt_field *f = pgt_fields(&n);
	int seen[PGT_FIELD_NIDS] = { 0 };

	(void)state;
	assert_true(n >= PGT_FIELD_NIDS);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(f[i].name);
		assert_non_null(f[i].desc);
		assert_true(f[i].id < PGT_FIELD_NIDS);
		assert_true(f[i].type <= PGT_FT_STR);
		assert_true(f[i].uses != 0);
		/* "all" columns are columns; import reads what export writes */
		if (f[i].uses & PGT_FU_ALL)
			assert_true(f[i].uses & PGT_FU_COLUMN);
		if (f[i].uses & PGT_FU_ALL)
			assert_true(f[i].uses & PGT_FU_IMPORT);
		/* a key of split is a key of stats, and the reverse */
		assert_int_equal(!!(f[i].uses & PGT_FU_SPLIT), !!(f[i].uses & PGT_FU_STATS));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(f[i].name, f[j].name);
		assert_ptr_equal(pgt_field__find(f[i].name, strlen(f[i].name), 0), &f[i]);
		assert_ptr_equal(pgt_field__find(f[i].name, strlen(f[i].name), f[i].uses), &f[i]);
		seen[f[i].id] = 1;
	}
	for (int id = 0; id < PGT_FIELD_NIDS; id++)
		assert_true(seen[id]);
	/* by length, not a prefix */
	assert_null(pgt_field__find("pi", 2, 0));
	assert_non_null(pgt_field__find("pidx", 3, 0));
	assert_null(pgt_field__find("ino", 3, PGT_FU_SPLIT));
	assert_null(pgt_field__find("time", 4, PGT_FU_SPLIT));	/* split's time:N is no field */
	assert_non_null(pgt_field__find("inode", 5, PGT_FU_STATS));
	assert_non_null(pgt_field__find("cgroup", 6, PGT_FU_STATS | PGT_FU_FILTER | PGT_FU_COLUMN));
	assert_null(pgt_field__find("cgroup", 6, PGT_FU_ALL));	/* only when named */
}

static void test_names(void **state)
{
	char buf[2048], small[8];
	size_t need;

	(void)state;
	need = pgt_fields__names(PGT_FU_ALL, ",", buf, sizeof(buf));
	/* the columns of dump --fields all and export, in their order */
	assert_string_equal(buf, "seq,ts,cpu,pid,tid,comm,type,obj,path,dev,ino,index,npages,pfn,flags,aux");
	assert_int_equal(need, strlen(buf));
	assert_int_equal(pgt_fields__names(PGT_FU_IMPORT, ",", buf, sizeof(buf)), need);
	pgt_fields__names(PGT_FU_SPLIT, " ", buf, sizeof(buf));
	assert_string_equal(buf, "cpu pid tid uid comm cwd type file dev inode cgroup");
	assert_int_equal(pgt_fields__names(PGT_FU_SPLIT, " ", small, sizeof(small)), strlen(buf));
	assert_string_equal(small, "cpu pid");	/* cut at a whole part, terminated */
	pgt_fields__names(PGT_FU_STATS, " ", buf, sizeof(buf));
	assert_string_equal(buf, "cpu pid tid uid comm cwd type file dev inode cgroup");
	need = pgt_fields__help(PGT_FU_SPLIT, buf, sizeof(buf));
	assert_int_equal(need, strlen(buf));
	assert_non_null(strstr(buf, "\n  inode                    identity of the event's object"));
	assert_int_equal(pgt_fields__help(PGT_FU_SPLIT, small, sizeof(small)), need);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(pgt_fields__names(PGT_FU_SPLIT, ",", NULL, 0), strlen("cpu,pid,tid,uid,comm,cwd,type,file,dev,inode,cgroup"));
}

static void add_obj(struct pgt_meta *m, uint32_t id, uint64_t dev, uint64_t ino, const char *path)
{
	struct pgt_object o = { .id = id, .kind = PGT_OBJ_FILE, .op = PGT_OBJ_DEFINE, .dev = dev,
				.ino = ino, .path = path, .name_src = PGT_NAME_GIVEN };

	assert_int_equal(pgt_meta__add_object(m, &o), 0);
}

static void add_proc(struct pgt_meta *m, uint32_t pid, uint32_t uid, const char *comm, const char *cg)
{
	struct pgt_process p = { .pid = pid, .tgid = pid, .ppid = 1, .uid = uid, .comm = comm,
				 .cwd = "/home/u", .exe = "/bin/x", .cgroup = cg, .op = PGT_PROC_STATE };

	assert_int_equal(pgt_meta__add_process(m, &p), 0);
}

static const char *text(unsigned id, const struct pgt_event *ev, const struct pgt_meta *m)
{
	static char buf[64];

	return pgt_field__text(id, ev, m, buf, sizeof(buf));
}

static void test_keys(void **state)
{
	struct pgt_meta *m = pgt_meta__new();
	struct pgt_event known = { .seq = 7, .ts = 1500, .cpu = 3, .pid = 100, .tid = 101,
				   .type = PGT_EV_FAULT, .obj = 1, .index = 42, .npages = 2,
				   .pfn = PGT_PFN_NONE, .flags = PGT_F_WRITE | (2u << PGT_F_LEVEL_SHIFT),
				   .aux = 9 };
	struct pgt_event unknown = { .pid = 555, .tid = 555, .type = 200, .obj = 77, .pfn = 12 };
	struct pgt_event none = { .type = PGT_EV_LOOKUP, .pfn = PGT_PFN_NONE };
	uint64_t num;
	const char *s;
	char buf[64];

	(void)state;
	assert_non_null(m);
	add_obj(m, 1, makedev(8, 1), 1234, "/usr/lib/libc.so.6");
	add_obj(m, 2, makedev(0, 5), 99, "");
	add_proc(m, 100, 1000, "bash", "/user.slice/a");
	add_proc(m, 101, 1000, "worker", "/user.slice/a");	/* the thread's own name */

	assert_string_equal(text(PGT_FIELD_SEQ, &known, m), "7");
	assert_string_equal(text(PGT_FIELD_TS, &known, m), "1500");
	assert_string_equal(text(PGT_FIELD_CPU, &known, m), "3");
	assert_string_equal(text(PGT_FIELD_PID, &known, m), "100");
	assert_string_equal(text(PGT_FIELD_TID, &known, m), "101");
	assert_string_equal(text(PGT_FIELD_UID, &known, m), "1000");
	assert_string_equal(text(PGT_FIELD_COMM, &known, m), "bash");	/* by pid, not tid */
	assert_string_equal(text(PGT_FIELD_CWD, &known, m), "/home/u");
	assert_string_equal(text(PGT_FIELD_CGROUP, &known, m), "/user.slice/a");
	assert_string_equal(text(PGT_FIELD_TYPE, &known, m), "fault");
	assert_string_equal(text(PGT_FIELD_OBJ, &known, m), "1");
	assert_string_equal(text(PGT_FIELD_PATH, &known, m), "/usr/lib/libc.so.6");
	assert_string_equal(text(PGT_FIELD_DEV, &known, m), "8:1");
	assert_string_equal(text(PGT_FIELD_INO, &known, m), "1234");
	assert_string_equal(text(PGT_FIELD_INODE, &known, m), "8:1:1234");
	assert_string_equal(text(PGT_FIELD_INDEX, &known, m), "42");
	assert_string_equal(text(PGT_FIELD_NPAGES, &known, m), "2");
	assert_string_equal(text(PGT_FIELD_PFN, &known, m), "");
	assert_string_equal(text(PGT_FIELD_LEVEL, &known, m), "2");
	assert_string_equal(text(PGT_FIELD_AUX, &known, m), "9");
	assert_int_equal(pgt_field__key(PGT_FIELD_PID, &known, m, &num, &s, buf, sizeof(buf)), PGT_KEY_NUM);
	assert_int_equal(num, 100);
	assert_int_equal(pgt_field__key(PGT_FIELD_PATH, &known, m, &num, &s, buf, sizeof(buf)), PGT_KEY_STR);
	assert_ptr_equal(s, pgt_meta__object(m, 1)->path);	/* borrowed, not copied */

	/* a process and an object the tables do not know, a type without a name */
	assert_string_equal(text(PGT_FIELD_UID, &unknown, m), "");
	assert_int_equal(pgt_field__key(PGT_FIELD_UID, &unknown, m, &num, &s, buf, sizeof(buf)), PGT_KEY_STR);
	assert_string_equal(text(PGT_FIELD_COMM, &unknown, m), "");
	assert_string_equal(text(PGT_FIELD_CGROUP, &unknown, m), "");
	assert_string_equal(text(PGT_FIELD_PATH, &unknown, m), "obj:77");
	assert_string_equal(text(PGT_FIELD_DEV, &unknown, m), "");
	assert_string_equal(text(PGT_FIELD_INODE, &unknown, m), "");
	assert_string_equal(text(PGT_FIELD_INO, &unknown, m), "");
	assert_string_equal(text(PGT_FIELD_TYPE, &unknown, m), "type-200");
	assert_string_equal(text(PGT_FIELD_PFN, &unknown, m), "12");

	/* no process, no object; an object without a path */
	assert_string_equal(text(PGT_FIELD_COMM, &none, m), "");
	assert_string_equal(text(PGT_FIELD_PATH, &none, m), "");
	none.obj = 2;
	assert_string_equal(text(PGT_FIELD_PATH, &none, m), "obj:2");
	assert_string_equal(text(PGT_FIELD_DEV, &none, m), "0:5");

	/* no side tables at all */
	assert_string_equal(text(PGT_FIELD_COMM, &known, NULL), "");
	assert_string_equal(text(PGT_FIELD_PATH, &known, NULL), "obj:1");
	assert_string_equal(text(PGT_FIELD_PID, &known, NULL), "100");
	pgt_meta__free(m);
}

/* Every filter field parses in a predicate of its type. */
static void test_filter_fields(void **state)
{
	size_t n;
	const struct pgt_field *f = pgt_fields(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		char text[64];
		struct pgt_parse_error pe;
		int err;
		struct pgt_expr *e;

		if (!(f[i].uses & PGT_FU_FILTER))
			continue;
		snprintf(text, sizeof(text), "%s %s", f[i].name,
			 f[i].type == PGT_FT_STR ? "=~ \"*\"" : f[i].type == PGT_FT_TYPE ? "== lookup" :
			 f[i].type == PGT_FT_DEV ? "== 8:1" : "== 1");
		e = pgt_expr__parse(text, &pe, &err);
		if (!e)
			fail_msg("'%s': %s", text, pe.msg);
		pgt_expr__free(e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_filter_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
