// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the keyed sink (lib/ops/keyed.c): one child per key in
 * order of first appearance, each fed exactly the events of its key and
 * only those its wants() takes, names read as the tables stand at the
 * batch, in step when the key comes from a side table, and a child that
 * cannot be made failing the feed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pgtrace/fields.h"
#include "pgtrace/sink.h"

struct child {
	uint64_t events, seq_sum;
	size_t feeds;
	int finished;
};

struct tctx {
	int made, freed, fail_make;
	uint8_t skip_type;	/* events of this type are not wanted */
};

static void *t_make(void *ctx, int *err)
{
	struct tctx *t = ctx;
	struct child *c;

	if (t->fail_make) {
		*err = -ENOMEM;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		*err = -ENOMEM;
	else
		t->made++;
	return c;
}

static int t_feed(void *ctx, void *child, const struct pgt_event *evs, size_t n)
{
	struct child *c = child;

	(void)ctx;
	assert_true(n > 0);
	c->feeds++;
	for (size_t i = 0; i < n; i++) {
		c->events++;
		c->seq_sum += evs[i].seq;
	}
	return 0;
}

static int t_finish(void *ctx, void *child)
{
	(void)ctx;
	((struct child *)child)->finished = 1;
	return 0;
}

static void t_free(void *ctx, void *child)
{
	((struct tctx *)ctx)->freed++;
	free(child);
}

static int t_wants(void *ctx, const struct pgt_event *ev)
{
	return ev->type != ((struct tctx *)ctx)->skip_type;
}

static const struct pgt_keyed_ops t_ops = {
	.make = t_make, .feed = t_feed, .finish = t_finish, .free = t_free, .wants = t_wants,
};

static const struct pgt_field *key(const char *name)
{
	const struct pgt_field *f = pgt_field__find(name, strlen(name), PGT_FU_STATS);

	assert_non_null(f);
	return f;
}

static void test_by_pid(void **state)
{
	struct tctx t = { .skip_type = PGT_EV_MAP };
	struct pgt_event ev[8] = { 0 };
	static const uint32_t pids[8] = { 7, 7, 3, 7, 3, 3, 9, 7 };
	struct pgt_keyed *k;
	struct pgt_sink *s;
	struct child *c;
	char buf[24];
	int err = 0;

	(void)state;
	for (int i = 0; i < 8; i++) {
		ev[i].seq = (uint64_t)i;
		ev[i].pid = ev[i].tid = pids[i];
		ev[i].type = i == 5 ? PGT_EV_MAP : PGT_EV_LOOKUP;	/* not wanted */
		ev[i].npages = 1;
	}
	k = pgt_keyed__new(key("pid"), &t_ops, &t, &err);
	assert_non_null(k);
	s = pgt_keyed__sink(k);
	assert_non_null(s);
	assert_int_equal(s->flags & PGT_SINK_IN_STEP, 0);	/* an id: no side table */
	assert_int_equal(pgt_sink__feed(s, ev, 8, NULL, NULL), 0);
	assert_int_equal(pgt_sink__finish(s, NULL, NULL), 0);
	assert_int_equal(pgt_keyed__count(k), 3);
	assert_string_equal(pgt_keyed__name(k, 0, buf, sizeof(buf)), "7");
	assert_string_equal(pgt_keyed__name(k, 1, buf, sizeof(buf)), "3");
	assert_string_equal(pgt_keyed__name(k, 2, buf, sizeof(buf)), "9");
	c = pgt_keyed__child(k, 0);
	assert_int_equal(c->events, 4);
	assert_int_equal(c->seq_sum, 0 + 1 + 3 + 7);
	assert_int_equal(c->feeds, 3);		/* runs: 0-1, 3, 7 */
	assert_true(c->finished);
	c = pgt_keyed__child(k, 1);
	assert_int_equal(c->events, 2);		/* 2 and 4; 5 is not wanted */
	assert_int_equal(c->seq_sum, 2 + 4);
	assert_null(pgt_keyed__child(k, 3));
	pgt_sink__free(s);
	pgt_keyed__free(k);
	assert_int_equal(t.made, 3);
	assert_int_equal(t.freed, 3);
	pgt_keyed__free(NULL);
}

static void test_by_comm(void **state)
{
	struct tctx t = { 0 };
	struct pgt_meta *m = pgt_meta__new();
	struct pgt_process p = { .pid = 5, .tgid = 5, .comm = "one", .cwd = "", .exe = "", .cgroup = "" };
	struct pgt_event ev[2] = { { .pid = 5, .type = PGT_EV_LOOKUP }, { .pid = 6, .type = PGT_EV_LOOKUP } };
	struct pgt_keyed *k;
	struct pgt_sink *s;
	char buf[24];
	int err = 0;

	(void)state;
	assert_non_null(m);
	assert_int_equal(pgt_meta__add_process(m, &p), 0);
	k = pgt_keyed__new(key("comm"), &t_ops, &t, &err);
	assert_non_null(k);
	s = pgt_keyed__sink(k);
	assert_non_null(s);
	assert_true(s->flags & PGT_SINK_IN_STEP);	/* names: read in step */
	assert_int_equal(pgt_sink__feed(s, ev, 2, m, NULL), 0);
	p.op = PGT_PROC_EXEC;
	p.comm = "two";		/* pid 5 execs between the batches */
	assert_int_equal(pgt_meta__add_process(m, &p), 0);
	assert_int_equal(pgt_sink__feed(s, ev, 1, m, NULL), 0);
	assert_int_equal(pgt_keyed__count(k), 3);
	assert_string_equal(pgt_keyed__name(k, 0, buf, sizeof(buf)), "one");
	assert_string_equal(pgt_keyed__name(k, 1, buf, sizeof(buf)), "?");	/* unknown pid 6 */
	assert_string_equal(pgt_keyed__name(k, 2, buf, sizeof(buf)), "two");
	pgt_sink__free(s);
	pgt_keyed__free(k);
	pgt_meta__free(m);
}

static void test_make_fails(void **state)
{
	struct tctx t = { .fail_make = 1 };
	struct pgt_event ev = { .pid = 1, .type = PGT_EV_LOOKUP };
	struct pgt_keyed *k;
	struct pgt_sink *s;
	int err = 0;

	(void)state;
	assert_null(pgt_keyed__new(key("pid"), NULL, &t, &err));
	assert_int_equal(err, -EINVAL);
	k = pgt_keyed__new(key("pid"), &t_ops, &t, &err);
	assert_non_null(k);
	s = pgt_keyed__sink(k);
	assert_int_equal(pgt_sink__feed(s, &ev, 1, NULL, NULL), -ENOMEM);
	assert_int_equal(pgt_keyed__count(k), 0);
	pgt_sink__free(s);
	pgt_keyed__free(k);
	assert_int_equal(t.freed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_pid),
		cmocka_unit_test(test_by_comm),
		cmocka_unit_test(test_make_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
