// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the importers (lib/ops/import*.c) and the oracleGeneral
 * writer (lib/ops/export-oracle.c): the span number parsers, format
 * detection, page arithmetic at the edges, line handling (CRLF, a last
 * line without newline, overlong lines), errors after events, skipping,
 * batches broken for name changes, and next_access_vtime.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ops/import-int.h"
#include "pgtrace/analysis.h"
#include "helpers.h"

static struct pgt_source *open_text(const char *text, int fmt, const struct pgt_import_opts *o)
{
	int fd = t_memfd(text, strlen(text)), err = 0;
	struct pgt_source *src;

	assert_true(fd >= 0);
	src = pgt_import__new(fd, (enum pgt_import_format)fmt, o, &err);
	assert_non_null(src);
	return src;
}

/* Read every event into @evs (at most @max); return the count, and the
 * final status in *@status. */
static size_t drain(struct pgt_source *src, struct pgt_event *evs, size_t max, int *status)
{
	size_t n = 0;
	struct pgt_event ev;
	int r;

	while ((r = pgt_source__next(src, &ev)) == 1)
		if (n < max)
			evs[n++] = ev;
	*status = r;
	return n;
}

static void test_numbers(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(pgt_imp_dec("18446744073709551615", 20, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(pgt_imp_dec("18446744073709551616", 20, &v), -ERANGE);
	assert_int_equal(pgt_imp_dec("", 0, &v), -PGT_EPARSE);
	assert_int_equal(pgt_imp_dec("12a", 3, &v), -PGT_EPARSE);
	assert_int_equal(pgt_imp_dec("-1", 2, &v), -PGT_EPARSE);
	assert_int_equal(pgt_imp_hex("0x00000000000000000000ff", 24, &v), 0);
	assert_int_equal(v, 255);
	assert_int_equal(pgt_imp_hex("ffffffffffffffff", 16, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(pgt_imp_hex("1ffffffffffffffff", 17, &v), -ERANGE);
	assert_int_equal(pgt_imp_hex("0x", 2, &v), -PGT_EPARSE);
	assert_int_equal(pgt_imp_hex("g", 1, &v), -PGT_EPARSE);
	assert_int_equal(pgt_imp_num("0x10", 4, &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(pgt_imp_num("010", 3, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(pgt_imp_secs("5026.963874", 11, &v), 0);
	assert_true(v == 5026963874000ull);
	assert_int_equal(pgt_imp_secs("1.0000000019", 12, &v), 0);	/* cut at ns */
	assert_true(v == 1000000001ull);
	assert_int_equal(pgt_imp_secs("7", 1, &v), 0);
	assert_true(v == 7000000000ull);
	assert_int_equal(pgt_imp_secs("1.", 2, &v), -PGT_EPARSE);
	assert_int_equal(pgt_imp_secs("18446744074.0", 13, &v), -ERANGE);
}

static void test_detect(void **state)
{
	static const uint8_t bin[24] = { 1, 0, 0, 0, 7 };
	const char *csv = "seq,ts,type\n0,1,lookup\n";
	const char *lk = "==12== Lackey\n";
	const char *lk2 = " L 04222cac,8\n";
	const char *perf = "cat 1 [000] 1.000001: filemap:mm_filemap_fault: dev=8:1 ino=1 ofs=0\n";
	const char *tc = "cat-1 [000] 1.000001: mm_filemap_fault: dev=8:1 ino=1 ofs=0\n";
	const char *tc2 = "cpus=4\n";
	const char *perfh = "# ========\n# captured on: x\n#\n" "cat 1 [000] 1.0: filemap:mm_filemap_fault: x\n";

	(void)state;
	assert_int_equal(pgt_import_detect(bin, sizeof(bin)), PGT_IMPORT_ORACLE_GENERAL);
	assert_int_equal(pgt_import_detect(bin, 10), -PGT_EPARSE);
	assert_int_equal(pgt_import_detect(csv, strlen(csv)), PGT_IMPORT_CSV);
	assert_int_equal(pgt_import_detect(lk, strlen(lk)), PGT_IMPORT_LACKEY);
	assert_int_equal(pgt_import_detect(lk2, strlen(lk2)), PGT_IMPORT_LACKEY);
	assert_int_equal(pgt_import_detect(perf, strlen(perf)), PGT_IMPORT_PERF_SCRIPT);
	assert_int_equal(pgt_import_detect(perfh, strlen(perfh)), PGT_IMPORT_PERF_SCRIPT);
	assert_int_equal(pgt_import_detect(tc, strlen(tc)), PGT_IMPORT_TRACE_CMD);
	assert_int_equal(pgt_import_detect(tc2, strlen(tc2)), PGT_IMPORT_TRACE_CMD);
	assert_int_equal(pgt_import_detect("seq,bogus\n", 10), -PGT_EPARSE);
	assert_int_equal(pgt_import_detect("", 0), -PGT_EPARSE);
	assert_int_equal(pgt_import_format_parse("oracleGeneral"), PGT_IMPORT_ORACLE_GENERAL);
	assert_int_equal(pgt_import_format_parse("perf"), PGT_IMPORT_PERF_SCRIPT);
	assert_int_equal(pgt_import_format_parse("xml"), -PGT_EPARSE);
	assert_string_equal(pgt_import_format_name(PGT_IMPORT_TRACE_CMD), "trace-cmd");
}

static void test_lackey_pages(void **state)
{
	/* one byte at the end of a page, two across, the top of memory */
	const char *text = " L 0fff,1\n S 0fff,2\r\n M 1000,4096\n L ffffffffffffffff,1\n"
			   " L ffffffffffffffff,2\n L 5,0";
	struct pgt_import_opts o = { .sz = sizeof(o), .skip_bad = 1 };
	struct pgt_import_stats st;
	struct pgt_event evs[8];
	struct pgt_source *src = open_text(text, PGT_IMPORT_LACKEY, &o);
	int status;
	size_t n = drain(src, evs, 8, &status);

	(void)state;
	assert_int_equal(status, 0);
	assert_int_equal(n, 4);
	assert_int_equal(evs[0].index, 0);
	assert_int_equal(evs[0].npages, 1);
	assert_int_equal(evs[0].flags, 0);
	assert_int_equal(evs[1].npages, 2);
	assert_int_equal(evs[1].flags, PGT_F_WRITE);
	assert_int_equal(evs[2].index, 1);
	assert_int_equal(evs[2].npages, 1);
	assert_true(evs[2].aux == (4096 | (1ull << 33)));
	assert_true(evs[3].index == UINT64_MAX >> 12);
	assert_int_equal(evs[3].ts, 4);
	assert_int_equal(pgt_import__stats(src, &st), 0);
	assert_int_equal(st.skipped_bad, 2);
	assert_int_equal(st.first_bad.line, 5);
	assert_non_null(strstr(st.first_bad.msg, "line 5: access"));
	assert_int_equal(st.lines, 6);
	pgt_source__free(src);
}

static void test_error_after_events(void **state)
{
	const char *text = "ts,index\n1,1\n2,2\n3,x\n4,4\n";
	struct pgt_source *src = open_text(text, PGT_IMPORT_AUTO, NULL);
	const struct pgt_event *evs;
	ssize_t n;

	(void)state;
	n = pgt_source__batch(src, &evs);
	assert_int_equal(n, 2);
	assert_int_equal(evs[1].index, 2);
	assert_int_equal(evs[1].seq, 1);
	assert_int_equal(pgt_source__batch(src, &evs), -PGT_EPARSE);
	assert_int_equal(pgt_source__batch(src, &evs), -PGT_EPARSE);	/* it stays */
	pgt_source__free(src);
}

static void test_long_line(void **state)
{
	size_t len = IMP_BUF + 100;
	char *text = malloc(len + 1);
	struct pgt_import_opts o = { .sz = sizeof(o), .skip_bad = 1 };
	struct pgt_event evs[2];
	struct pgt_source *src;
	int status;

	(void)state;
	assert_non_null(text);
	memcpy(text, "ts,index\n1,1\n", 13);
	memset(text + 13, '7', len - 13);
	text[len] = 0;
	src = open_text(text, PGT_IMPORT_CSV, &o);
	/* even with skip_bad: the end of the line cannot be found */
	assert_int_equal(drain(src, evs, 2, &status), 1);
	assert_int_equal(status, -PGT_EPARSE);
	pgt_source__free(src);
	free(text);
}

static void test_comm_change_breaks_batch(void **state)
{
	const char *text = "pid,comm,index\n5,a,1\n5,a,2\n6,z,3\n5,b,4\n5,b,5\n";
	struct pgt_source *src = open_text(text, PGT_IMPORT_CSV, NULL);
	struct pgt_import_stats st;
	const struct pgt_event *evs;

	(void)state;
	assert_int_equal(pgt_source__batch(src, &evs), 3);
	assert_string_equal(pgt_meta__process(src->meta, 5)->comm, "a");
	assert_string_equal(pgt_meta__process(src->meta, 6)->comm, "z");
	pgt_import__stats(src, &st);
	assert_int_equal(st.breaks, 1);
	assert_int_equal(pgt_source__batch(src, &evs), 2);
	assert_int_equal(evs[0].index, 4);
	assert_int_equal(evs[0].seq, 3);
	assert_string_equal(pgt_meta__process(src->meta, 5)->comm, "b");
	assert_int_equal(pgt_source__batch(src, &evs), 0);
	pgt_import__stats(src, &st);
	assert_int_equal(st.events, 5);
	assert_string_equal(pgt_meta__info(src->meta, "import.result"),
			    "lines=6 events=5 skipped_bad=0 skipped_other=0 lost=0");
	pgt_source__free(src);
}

/* Events come out in time order, ties in the input's order, numbered
 * from 0 as they come out; import.sorted says how many moved. */
static void test_sort_window(void **state)
{
	const char *text = "ts,index\n5,50\n3,30\n4,40\n1,10\n3,31\n2,20\n";
	static const uint64_t want[] = { 10, 20, 30, 31, 40, 50 };
	struct pgt_event evs[8];
	struct pgt_source *src = open_text(text, PGT_IMPORT_CSV, NULL);
	int status;

	(void)state;
	assert_int_equal(drain(src, evs, 8, &status), 6);
	assert_int_equal(status, 0);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(evs[i].index, want[i]);
		assert_int_equal(evs[i].seq, i);
	}
	assert_non_null(pgt_meta__info(src->meta, "import.sorted"));
	assert_int_equal(strncmp(pgt_meta__info(src->meta, "import.sorted"), "5 events", 8), 0);
	pgt_source__free(src);
}

/* An event older than the whole window: an error naming its line, the
 * events before it out first; skipped with skip_bad. */
static void test_sort_window_late(void **state)
{
	size_t n = IMP_SORT_WINDOW + 10, len = 0, cap = n * 24 + 64;
	char *text = malloc(cap);
	struct pgt_import_opts o = { .sz = sizeof(o), .skip_bad = 1 };
	struct pgt_import_stats st;
	struct pgt_event ev;
	struct pgt_source *src;
	uint64_t got = 0, last = 0;
	int r;

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len, "ts,index\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%zu,%zu\n", i + 10, i);
	snprintf(text + len, cap - len, "5,1\n");
	for (int skip = 0; skip < 2; skip++) {
		src = open_text(text, PGT_IMPORT_CSV, skip ? &o : NULL);
		got = 0;
		last = 0;
		while ((r = pgt_source__next(src, &ev)) == 1) {
			assert_true(ev.ts >= last);
			last = ev.ts;
			got++;
		}
		assert_int_equal(got, n);
		assert_int_equal(r, skip ? 0 : -PGT_EPARSE);
		pgt_import__stats(src, &st);
		assert_int_equal(st.skipped_bad, skip);
		pgt_source__free(src);
	}
	free(text);
}

/* More than 2^24 pages in one event is a bad line. */
static void test_pages_cap(void **state)
{
	const char *ok = "ts,index,npages\n1,0,16777216\n";
	const char *big = "ts,index,npages\n1,0,1\n2,0,16777217\n";
	struct pgt_event evs[4];
	struct pgt_source *src;
	int status;

	(void)state;
	src = open_text(ok, PGT_IMPORT_CSV, NULL);
	assert_int_equal(drain(src, evs, 4, &status), 1);
	assert_int_equal(status, 0);
	assert_int_equal(evs[0].npages, PGT_IMPORT_MAX_PAGES);
	pgt_source__free(src);
	src = open_text(big, PGT_IMPORT_CSV, NULL);
	assert_int_equal(drain(src, evs, 4, &status), 1);
	assert_int_equal(status, -PGT_EPARSE);
	pgt_source__free(src);
}

static void test_ftrace_prefixes(void **state)
{
	const char *text =
		"inst:     kworker/u8:2-12076 [001]  1.000001: mm_filemap_fault: dev=8:1 ino=a ofs=4096\n"
		"  my-prog-2-77 [002] d..2.  1.000002: mm_filemap_fault: dev=8:1 ino=a ofs=8192\n"
		"  <idle>-0 [003] 1.000003: mm_filemap_delete_from_page_cache: dev 8:1 ino b pfn=0x10 ofs=0 order=2\n"
		"CPU:3 [LOST 7 EVENTS]\n"
		"CPU 1 is empty\n";
	struct pgt_event evs[4];
	struct pgt_source *src = open_text(text, PGT_IMPORT_AUTO, NULL);
	struct pgt_import_stats st;
	int status;

	(void)state;
	assert_int_equal(drain(src, evs, 4, &status), 3);
	assert_int_equal(status, 0);
	assert_int_equal(evs[0].pid, 12076);
	assert_int_equal(evs[0].cpu, 1);
	assert_int_equal(evs[0].index, 1);
	assert_string_equal(pgt_meta__process(src->meta, 12076)->comm, "kworker/u8:2");
	assert_int_equal(evs[1].pid, 77);
	assert_int_equal(evs[1].cpu, 2);
	assert_string_equal(pgt_meta__process(src->meta, 77)->comm, "my-prog-2");
	assert_int_equal(evs[2].pid, 0);
	assert_int_equal(evs[2].npages, 4);
	assert_int_equal(evs[2].pfn, 16);
	assert_int_equal(evs[2].type, PGT_EV_DELETE);
	assert_int_equal(evs[0].obj, 1);
	assert_int_equal(evs[2].obj, 2);
	assert_int_equal(pgt_meta__lost_total(src->meta), 7);
	pgt_import__stats(src, &st);
	assert_int_equal(st.format, PGT_IMPORT_TRACE_CMD);
	assert_int_equal(st.skipped_other, 1);
	pgt_source__free(src);
}

/* oracleGeneral of @text (a CSV trace), from a regular file and from a
 * pipe; both must agree. */
static size_t oracle_of(const char *text, uint32_t types, uint8_t *out, size_t max)
{
	struct pgt_oracle_opts o = { .sz = sizeof(o), .types = types };
	struct pgt_oracle_stats st;
	struct pgt_source *src = open_text(text, PGT_IMPORT_CSV, NULL);
	int fd = memfd_create("og", MFD_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	assert_int_equal(pgt_oracle__export(src, fd, &o, &st), 0);
	pgt_source__free(src);
	assert_int_equal(st.refs * PGT_ORACLE_RECORD_SIZE, lseek(fd, 0, SEEK_CUR));
	n = pread(fd, out, max, 0);
	assert_true(n >= 0);
	close(fd);
	return (size_t)n;
}

static void test_oracle_next_access(void **state)
{
	/* pages: A B A C B A, then D at 3 s; one add that is no reference */
	const char *text = "ts,type,obj,index,npages\n0,lookup,1,0,2\n500000000,add,1,9,1\n"
			   "1000000000,fault,1,0,1\n1000000000,map,2,0,1\n2000000000,lookup,1,1,1\n"
			   "2500000000,reference,1,0,1\n3000000000,lookup,3,7,1\n";
	static const int64_t next[] = { 3, 5, 6, -1, -1, -1, -1 };
	static const uint64_t ids[] = { 1, 2, 1, 3, 2, 1, 4 };
	static const uint32_t clk[] = { 0, 0, 1, 1, 2, 2, 3 };
	uint8_t buf[512];
	/* the map is a reference only when asked for */
	size_t n = oracle_of(text, pgt_refs_default() | PGT_REFS_BIT(PGT_EV_MAP), buf, sizeof(buf));

	(void)state;
	assert_int_equal(n, 7 * PGT_ORACLE_RECORD_SIZE);
	for (size_t i = 0; i < 7; i++) {
		const uint8_t *p = buf + i * PGT_ORACLE_RECORD_SIZE;

		assert_int_equal(pgt_get_le32(p), clk[i]);
		assert_int_equal(pgt_get_le64(p + 4), ids[i]);
		assert_int_equal(pgt_get_le32(p + 12), 4096);
		assert_int_equal((int64_t)pgt_get_le64(p + 16), next[i]);
	}
	/* by default the fault-around map is no reference: A B A B A D */
	n = oracle_of(text, 0, buf, sizeof(buf));
	assert_int_equal(n, 6 * PGT_ORACLE_RECORD_SIZE);
	assert_int_equal(pgt_get_le64(buf + 3 * PGT_ORACLE_RECORD_SIZE + 4), 2);
	assert_int_equal(pgt_get_le64(buf + 5 * PGT_ORACLE_RECORD_SIZE + 4), 3);
	/* only the add counted */
	n = oracle_of(text, 1u << PGT_EV_ADD, buf, sizeof(buf));
	assert_int_equal(n, PGT_ORACLE_RECORD_SIZE);
	assert_int_equal((int64_t)pgt_get_le64(buf + 16), -1);
}

static void test_oracle_many_blocks(void **state)
{
	/* more references than one block of the backward pass: a loop over
	 * 1000 pages, so every next use is 1000 references later */
	struct pgt_gen_opts go = { .sz = sizeof(go), .pattern = PGT_GEN_LOOP, .events = 100000,
				   .pages = 4000, .period = 1000 };
	struct pgt_source *src;
	int err = 0, fd = memfd_create("og", MFD_CLOEXEC);
	size_t len = 100000 * PGT_ORACLE_RECORD_SIZE;
	uint8_t *buf = malloc(len);

	(void)state;
	assert_non_null(buf);
	src = pgt_gen__new(&go, &err);
	assert_non_null(src);
	assert_int_equal(pgt_oracle__export(src, fd, NULL, NULL), 0);
	assert_int_equal(pread(fd, buf, len, 0), (ssize_t)len);
	for (size_t i = 0; i < 100000; i++) {
		int64_t nx = (int64_t)pgt_get_le64(buf + i * PGT_ORACLE_RECORD_SIZE + 16);

		assert_int_equal(pgt_get_le64(buf + i * PGT_ORACLE_RECORD_SIZE + 4), 1 + i % 1000);
		assert_int_equal(nx, i + 1000 < 100000 ? (int64_t)(i + 1 + 1000) : -1);
	}
	pgt_source__free(src);
	close(fd);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_lackey_pages),
		cmocka_unit_test(test_error_after_events),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_comm_change_breaks_batch),
		cmocka_unit_test(test_sort_window),
		cmocka_unit_test(test_sort_window_late),
		cmocka_unit_test(test_pages_cap),
		cmocka_unit_test(test_ftrace_prefixes),
		cmocka_unit_test(test_oracle_next_access),
		cmocka_unit_test(test_oracle_many_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
