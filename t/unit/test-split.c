// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of split and merge (lib/ops/split.c, merge.c, prefetch.c)
 * on a scripted source whose side tables change between batches: objects
 * renamed, defined and deleted, processes exec'ing, lost events and host
 * information arriving mid-stream, and a rename after the last event.
 * Every event of every output must resolve to the path and command it
 * had in the input, with a cap of one open file, tiny packets and a tiny
 * buffer so that every path of the code (packets cut at records, traces
 * closed and reopened) runs.
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
#include "helpers.h"

#define NB 3		/* batches */
#define BN 100		/* events per batch */
#define NEV (NB * BN)

struct script {
	struct pgt_source src;
	char tag;		/* 'a' or 'b': paths /a/..., commands a-... */
	uint64_t ts0;
	int batch;
	struct pgt_event evs[BN];
	char path[NEV][32];	/* expected, per event */
	char comm[NEV][32];
};

static void obj(struct script *s, uint32_t id, uint8_t op, const char *name, uint64_t ts)
{
	char path[32];
	struct pgt_object o = { .id = id, .kind = PGT_OBJ_FILE, .op = op, .ts = ts, .ino = id,
				.path = path };

	snprintf(path, sizeof(path), "/%c/%s", s->tag, name);
	assert_int_equal(pgt_meta__add_object(s->src.meta, &o), 0);
}

static void proc(struct script *s, uint32_t pid, uint8_t op, const char *name)
{
	char comm[32];
	struct pgt_process p = { .pid = pid, .tgid = pid, .ppid = 1, .op = op, .comm = comm,
				 .cwd = "/", .exe = "" };

	snprintf(comm, sizeof(comm), "%c-%s", s->tag, name);
	assert_int_equal(pgt_meta__add_process(s->src.meta, &p), 0);
}

static uint32_t pid_of(uint64_t g) { return (g / 7) % 2 ? 11 : 10; }

static uint32_t obj_of(uint64_t g)
{
	int b = (int)(g / BN);

	if (pid_of(g) == 10)
		return b == 0 || g % 2 ? 1 : 3;
	return b == 0 ? 2 : b == 1 ? (g % 2 ? 2 : 3) : (g % 3 ? 3 : 2);
}

static ssize_t script_batch(struct pgt_source *src, const struct pgt_event **evs)
{
	struct script *s = (struct script *)src;
	int b = s->batch++;

	if (b == 1) {
		obj(s, 3, PGT_OBJ_DEFINE, "three", 0);
		obj(s, 1, PGT_OBJ_RENAME, "one-renamed", 0);
		proc(s, 11, PGT_PROC_EXEC, "eleven-b");
	} else if (b == 2) {
		obj(s, 2, PGT_OBJ_UNLINK, "two", s->ts0 + 12345);
		obj(s, 4, PGT_OBJ_DEFINE, "four", 0);
		assert_int_equal(pgt_meta__add_lost(s->src.meta, 0, 0, 5), 0);
		assert_int_equal(pgt_meta__add_info(s->src.meta, "k", "v"), 0);
		proc(s, 10, PGT_PROC_EXEC, "ten-b");
	} else if (b == NB) {
		obj(s, 3, PGT_OBJ_RENAME, "three-final", 0);	/* after the last event */
	}
	if (b >= NB)
		return 0;
	for (int i = 0; i < BN; i++) {
		uint64_t g = (uint64_t)b * BN + (uint64_t)i;
		struct pgt_event *e = &s->evs[i];
		const struct pgt_object *o;
		const struct pgt_process *p;

		memset(e, 0, sizeof(*e));
		e->ts = s->ts0 + g * 20;
		e->type = PGT_EV_LOOKUP;
		e->pid = e->tid = pid_of(g);
		e->obj = obj_of(g);
		e->index = g;
		e->npages = 1;
		e->pfn = PGT_PFN_NONE;
		o = pgt_meta__object(s->src.meta, e->obj);
		p = pgt_meta__process(s->src.meta, e->pid);
		assert_non_null(o);
		assert_non_null(p);
		snprintf(s->path[g], sizeof(s->path[g]), "%s", o->path);
		snprintf(s->comm[g], sizeof(s->comm[g]), "%s", p->comm);
	}
	*evs = s->evs;
	return BN;
}

static void script_free(struct pgt_source *src)
{
	pgt_meta__free(src->meta);
	free(src);
}

static const struct pgt_source_ops script_ops = {
	.name = "script", .batch = script_batch, .free = script_free,
};

static struct script *script_new(char tag, uint64_t ts0)
{
	struct script *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->src.ops = &script_ops;
	s->src.meta = pgt_meta__new();
	assert_non_null(s->src.meta);
	pgt_header__init_host(&s->src.header);
	s->tag = tag;
	s->ts0 = ts0;
	obj(s, 1, PGT_OBJ_DEFINE, "one", 0);
	obj(s, 2, PGT_OBJ_DEFINE, "two", 0);
	proc(s, 10, PGT_PROC_STATE, "ten");
	proc(s, 11, PGT_PROC_STATE, "eleven");
	assert_int_equal(pgt_meta__add_info(s->src.meta, "generator", "script"), 0);
	return s;
}

/* Read trace @path back; every event must resolve as in @s. */
static void check_trace(const char *path, const struct script *s, uint32_t pid)
{
	struct pgt_reader *r;
	struct pgt_source *src;
	struct pgt_event e = { 0 };
	struct pgt_reader_stats st;
	const struct pgt_meta *m;
	uint64_t n = 0, want = 0;
	int err = 0, rc;

	r = pgt_reader__open(path, NULL, &err);
	assert_non_null(r);
	src = pgt_reader__source(r);
	m = pgt_reader__meta(r);
	while ((rc = pgt_source__next(src, &e)) == 1) {
		uint64_t g = (e.ts - s->ts0) / 20;
		const struct pgt_object *o = pgt_meta__object(m, e.obj);
		const struct pgt_process *p = pgt_meta__process(m, e.pid);

		assert_true(g < NEV);
		assert_int_equal(e.pid, pid);
		assert_int_equal(e.index, g);
		assert_non_null(o);
		assert_non_null(p);
		assert_string_equal(o->path, s->path[g]);
		assert_string_equal(p->comm, s->comm[g]);
		n++;
	}
	assert_int_equal(rc, 0);
	for (uint64_t g = 0; g < NEV; g++)
		want += pid_of(g) == pid;
	assert_int_equal(n, want);
	pgt_reader__stats(r, &st);
	assert_true(st.complete);
	/* only the ids its events use; every other record */
	assert_int_equal(pgt_meta__nr_processes(m), 1);
	assert_null(pgt_meta__object(m, 4));
	assert_null(pgt_meta__object(m, pid == 10 ? 2 : 1));
	assert_string_equal(pgt_meta__object(m, 3)->path, s->tag == 'a' ? "/a/three-final" : "/b/three-final");
	if (pid == 11)
		assert_true(pgt_meta__object(m, 2)->unlink_ts != 0);
	assert_int_equal(pgt_meta__lost_total(m), 5);
	assert_string_equal(pgt_meta__info(m, "k"), "v");
	assert_string_equal(pgt_meta__info(m, "generator"), "script");
	pgt_reader__free(r);
}

static void run_split(int prefetch)
{
	struct script *s = script_new('a', 1000);
	struct pgt_source *src = &s->src;
	char *dir = t_mkdtemp(), path[512];
	int dfd, err = 0;
	struct pgt_split_opts o = { .sz = sizeof(o), .by = PGT_SPLIT_PID, .max_open = 1,
				    .buffer_events = 30, .packet_events = 16 };
	struct pgt_split *sp;
	struct pgt_split_stats st;

	assert_non_null(dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	o.dir_fd = dfd;
	sp = pgt_split__new(&o, &s->src.header, &err);
	assert_non_null(sp);
	if (prefetch) {
		src = pgt_prefetch__new(src, &err);
		assert_non_null(src);
	}
	assert_int_equal(pgt_split__run(sp, src), 0);
	assert_int_equal(pgt_split__close(sp), 0);
	pgt_split__stats(sp, &st);
	assert_int_equal(st.events, NEV);
	assert_int_equal(st.traces, 2);
	assert_int_equal(st.peak_open, 1);
	assert_true(st.reopens > 4);
	assert_int_equal(pgt_split__nr_traces(sp), 2);
	snprintf(path, sizeof(path), "%s/10.pgt", dir);
	check_trace(path, s, 10);
	snprintf(path, sizeof(path), "%s/11.pgt", dir);
	check_trace(path, s, 11);
	pgt_split__free(sp);
	pgt_source__free(src);
	close(dfd);
	t_rmtree(dir);
}

static void test_split_records_in_place(void **state)
{
	(void)state;
	run_split(0);
}

static void test_split_prefetched(void **state)
{
	(void)state;
	run_split(1);
}

static void test_split_options(void **state)
{
	struct pgt_header h;
	struct pgt_split_opts o = { .sz = sizeof(o), .by = PGT_SPLIT_PID, .tmpl = "x.pgt" };
	struct pgt_split *s;
	int err = 0;

	(void)state;
	pgt_header__init_host(&h);
	assert_null(pgt_split__new(&o, &h, &err));
	assert_int_equal(err, -EINVAL);
	o.tmpl = "%k/x";
	assert_null(pgt_split__new(&o, &h, &err));
	o.tmpl = NULL;
	o.by = PGT_SPLIT_TIME;
	assert_null(pgt_split__new(&o, &h, &err));
	assert_int_equal(err, -EINVAL);
	o.by = PGT_SPLIT_CGROUP;	/* in the process table since format 1.1 */
	s = pgt_split__new(&o, &h, &err);
	assert_non_null(s);
	pgt_split__free(s);
	assert_int_equal(pgt_split_by_parse("inode", 5), PGT_SPLIT_INODE);
	assert_true(pgt_split_by_parse("node", 4) < 0);
	assert_string_equal(pgt_split_by_name(PGT_SPLIT_EVENTS), "events");
}

/* Two scripts with the same ids and pids, merged with a pid space each:
 * every event resolves to its own input's names, as they were. */
static void test_merge_records_in_place(void **state)
{
	struct script *a = script_new('a', 1000), *b = script_new('b', 1010);
	struct pgt_source *in[2], *m;
	struct pgt_merge_opts o = { .sz = sizeof(o), .pids = PGT_MERGE_PIDS_INPUT };
	struct pgt_event e = { 0 };
	uint64_t n = 0, last = 0;
	int err = 0, rc;

	(void)state;
	in[0] = &a->src;
	in[1] = pgt_prefetch__new(&b->src, &err);
	assert_non_null(in[1]);
	m = pgt_merge__new(in, 2, &o, &err);
	assert_non_null(m);
	while ((rc = pgt_source__next(m, &e)) == 1) {
		uint32_t space = e.pid >> PGT_MERGE_PID_SHIFT;
		const struct script *s = space ? b : a;
		uint64_t g = (e.ts - s->ts0) / 20;
		const struct pgt_object *ob = pgt_meta__object(m->meta, e.obj);
		const struct pgt_process *p = pgt_meta__process(m->meta, e.pid);

		assert_true(space < 2);
		assert_true(e.ts >= last);
		last = e.ts;
		assert_int_equal(e.ts, s->ts0 + g * 20);
		assert_int_equal(e.tid, e.pid);
		assert_int_equal(e.pid & ((1u << PGT_MERGE_PID_SHIFT) - 1), pid_of(g));
		assert_non_null(ob);
		assert_non_null(p);
		assert_string_equal(ob->path, s->path[g]);
		assert_string_equal(p->comm, s->comm[g]);
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 2 * NEV);
	assert_int_equal(pgt_meta__nr_objects(m->meta), 8);
	assert_int_equal(pgt_meta__nr_processes(m->meta), 4);
	assert_int_equal(pgt_meta__lost_total(m->meta), 10);
	assert_string_equal(pgt_meta__info(m->meta, "merge.input.1.k"), "v");
	assert_string_equal(pgt_meta__info(m->meta, "merge.input.0.events"), "300");
	assert_string_equal(pgt_meta__info(m->meta, "merge.input.1.pid_base"), "4194304");
	pgt_source__free(m);
}

/* Same host, default pids: kept; page sizes must agree. */
static void test_merge_hosts_and_pages(void **state)
{
	struct script *a = script_new('a', 1000), *b = script_new('b', 1010);
	struct pgt_source *in[2] = { &a->src, &b->src }, *m;
	struct pgt_merge_opts o = { .sz = sizeof(o) };
	int err = 0;

	(void)state;
	m = pgt_merge__new(in, 2, &o, &err);
	assert_non_null(m);
	assert_string_equal(pgt_meta__info(m->meta, "merge.input.1.pid_base"), "0");
	assert_int_equal(pgt_merge__time_mode(m), PGT_MERGE_TIME_RAW);
	pgt_source__free(m);

	a = script_new('a', 1000);
	b = script_new('b', 1010);
	b->src.header.page_size = 16384;
	in[0] = &a->src;
	in[1] = &b->src;
	assert_null(pgt_merge__new(in, 2, &o, &err));
	assert_int_equal(err, -EINVAL);

	a = script_new('a', 1000);
	b = script_new('b', 1010);
	snprintf(b->src.header.host, sizeof(b->src.header.host), "elsewhere");
	in[0] = &a->src;
	in[1] = &b->src;
	m = pgt_merge__new(in, 2, &o, &err);
	assert_non_null(m);
	assert_string_equal(pgt_meta__info(m->meta, "merge.input.1.pid_base"), "4194304");
	/* different hosts with wall-clock offsets: ordered by wall time */
	assert_int_equal(pgt_merge__time_mode(m), PGT_MERGE_TIME_WALL);
	assert_int_equal(m->header.clock, PGT_CLOCK_REALTIME);
	pgt_source__free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_records_in_place),
		cmocka_unit_test(test_split_prefetched),
		cmocka_unit_test(test_split_options),
		cmocka_unit_test(test_merge_records_in_place),
		cmocka_unit_test(test_merge_hosts_and_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
