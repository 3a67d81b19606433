// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the one drain (lib/ops/drain.c): several sinks fed the
 * same events in one pass, the failing side named (the source, or sink
 * i, in a feed or a finish), the stop flag, the progress callback, the
 * parallel decoder giving the sinks what the serial one gives, and the
 * decoder chosen by the sinks' flags.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>

#include "pgtrace/ops.h"
#include "helpers.h"

#define BN 50		/* events per batch of the scripted source */

/* A source of @nbatches batches of BN events, then @fail_err (or the end). */
struct script {
	struct pgt_source src;
	int batch, nbatches, fail_err;
	struct pgt_event evs[BN];
};

static ssize_t script_batch(struct pgt_source *src, const struct pgt_event **evs)
{
	struct script *s = (struct script *)src;

	if (s->batch >= s->nbatches)
		return s->fail_err;
	for (int i = 0; i < BN; i++) {
		uint64_t g = (uint64_t)s->batch * BN + (uint64_t)i;

		s->evs[i] = (struct pgt_event){ .seq = g, .ts = 1000 + g, .type = PGT_EV_LOOKUP,
						.obj = 1, .index = g * 7 % 101, .npages = 1,
						.pid = 10 };
	}
	s->batch++;
	*evs = s->evs;
	return BN;
}

static void script_free(struct pgt_source *src)
{
	pgt_meta__free(src->meta);
}

static const struct pgt_source_ops script_ops = { .name = "script", .batch = script_batch,
						  .free = script_free };

static void script_init(struct script *s, int nbatches, int fail_err)
{
	memset(s, 0, sizeof(*s));
	s->src.ops = &script_ops;
	s->src.meta = pgt_meta__new();
	assert_non_null(s->src.meta);
	s->nbatches = nbatches;
	s->fail_err = fail_err;
}

/* A sink that sums what it is fed, and fails when told to. */
struct probe {
	struct pgt_sink base;
	uint64_t events, sum, feeds;
	int finished, fail_at_feed, fail_finish, saw_meta, sated_at;
	int tasks;		/* most threads of the process seen in a feed */
};

/* Threads of this process: more than one while the parallel decoder runs. */
static int count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static int probe_feed(struct pgt_sink *s, const struct pgt_event *evs, size_t n,
		      const struct pgt_meta *meta, const struct pgt_header *h)
{
	struct probe *p = (struct probe *)s;

	assert_non_null(h);
	p->saw_meta += meta != NULL;
	if (p->tasks < 2) {
		int t = count_tasks();

		p->tasks = t > p->tasks ? t : p->tasks;
	}
	if (p->fail_at_feed && ++p->feeds == (uint64_t)p->fail_at_feed)
		return -ENOSPC;
	for (size_t i = 0; i < n; i++)
		p->sum = p->sum * 31 + evs[i].ts * 7 + evs[i].index + evs[i].obj;
	p->events += n;
	return p->sated_at && p->events >= (uint64_t)p->sated_at ? PGT_SINK_SATED : 0;
}

static int probe_finish(struct pgt_sink *s, const struct pgt_meta *meta, const struct pgt_header *h)
{
	struct probe *p = (struct probe *)s;

	(void)meta, (void)h;
	p->finished++;
	return p->fail_finish ? -ENOMEM : 0;
}

/* probes live on the test's stack: nothing to free */
static void probe_free(struct pgt_sink *s)
{
	(void)s;
}

static const struct pgt_sink_ops probe_ops = { .name = "probe", .feed = probe_feed,
					       .finish = probe_finish, .free = probe_free };

static void probe_init(struct probe *p, unsigned flags)
{
	memset(p, 0, sizeof(*p));
	p->base.ops = &probe_ops;
	p->base.flags = flags;
}

static void test_all_sinks_same_events(void **state)
{
	struct script s;
	struct probe p[3];
	struct pgt_sink *sinks[3] = { &p[0].base, &p[1].base, &p[2].base };
	struct pgt_drain_result res;

	(void)state;
	script_init(&s, 7, 0);
	for (int i = 0; i < 3; i++)
		probe_init(&p[i], 0);
	assert_int_equal(pgt_drain(&s.src, sinks, 3, NULL, &res), 0);
	assert_int_equal(res.err, 0);
	assert_int_equal(res.events, 7 * BN);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(p[i].events, 7 * BN);
		assert_int_equal(p[i].sum, p[0].sum);
		assert_int_equal(p[i].finished, 1);
		assert_int_equal(p[i].saw_meta, 7);
	}
	pgt_sink__free(NULL);	/* a no-op */
	script_free(&s.src);
}

static void test_source_fails(void **state)
{
	struct script s;
	struct probe p[2];
	struct pgt_sink *sinks[2] = { &p[0].base, &p[1].base };
	struct pgt_drain_result res;

	(void)state;
	script_init(&s, 3, -PGT_ECORRUPT);
	probe_init(&p[0], 0);
	probe_init(&p[1], 0);
	assert_int_equal(pgt_drain(&s.src, sinks, 2, NULL, &res), -PGT_ECORRUPT);
	assert_int_equal(res.side, PGT_DRAIN_SOURCE);
	assert_int_equal(res.events, 3 * BN);
	/* the events before the damage reached both; nobody was finished */
	assert_int_equal(p[0].events, 3 * BN);
	assert_int_equal(p[1].events, 3 * BN);
	assert_int_equal(p[0].finished + p[1].finished, 0);
	script_free(&s.src);
}

static void test_sink_fails(void **state)
{
	struct script s;
	struct probe p[3];
	struct pgt_sink *sinks[3] = { &p[0].base, &p[1].base, &p[2].base };
	struct pgt_drain_result res;

	(void)state;
	script_init(&s, 5, 0);
	for (int i = 0; i < 3; i++)
		probe_init(&p[i], 0);
	p[1].fail_at_feed = 2;	/* sink 1 fails on its second batch */
	assert_int_equal(pgt_drain(&s.src, sinks, 3, NULL, &res), -ENOSPC);
	assert_int_equal(res.side, 1);
	assert_int_equal(res.finishing, 0);
	assert_int_equal(res.events, BN);
	assert_int_equal(p[0].events, 2 * BN);	/* fed before sink 1 */
	assert_int_equal(p[2].events, BN);	/* not fed after it failed */
	assert_int_equal(p[0].finished + p[1].finished + p[2].finished, 0);
	script_free(&s.src);

	/* in the finish: sink 2, after 0 and 1 were finished */
	script_init(&s, 2, 0);
	for (int i = 0; i < 3; i++)
		probe_init(&p[i], 0);
	p[2].fail_finish = 1;
	assert_int_equal(pgt_drain(&s.src, sinks, 3, NULL, &res), -ENOMEM);
	assert_int_equal(res.side, 2);
	assert_int_equal(res.finishing, 1);
	assert_int_equal(res.events, 2 * BN);
	assert_int_equal(p[0].finished + p[1].finished, 2);
	script_free(&s.src);
}

struct prog {
	uint64_t calls, last;
	uint64_t stop_after;	/* events; 0: never */
	volatile sig_atomic_t stop;
};

static void on_progress(void *ctx, uint64_t events)
{
	struct prog *pr = ctx;

	assert_true(events > pr->last);
	pr->last = events;
	pr->calls++;
	if (pr->stop_after && events >= pr->stop_after)
		pr->stop = 1;
}

static void test_progress_and_stop(void **state)
{
	struct script s;
	struct probe p;
	struct pgt_sink *sink = &p.base;
	struct prog pr = { 0 };
	struct pgt_drain_opts o = { .sz = sizeof(o), .progress = on_progress, .ctx = &pr,
				    .stop = &pr.stop };
	struct pgt_drain_result res;

	(void)state;
	script_init(&s, 6, 0);
	probe_init(&p, 0);
	assert_int_equal(pgt_drain(&s.src, &sink, 1, &o, &res), 0);
	assert_int_equal(pr.calls, 6);
	assert_int_equal(pr.last, 6 * BN);
	script_free(&s.src);

	/* stopped after the second batch: -EINTR on the source's side */
	script_init(&s, 6, 0);
	probe_init(&p, 0);
	memset(&pr, 0, sizeof(pr));
	pr.stop_after = 2 * BN;
	assert_int_equal(pgt_drain(&s.src, &sink, 1, &o, &res), -EINTR);
	assert_int_equal(res.side, PGT_DRAIN_SOURCE);
	assert_int_equal(res.events, 2 * BN);
	assert_int_equal(p.events, 2 * BN);
	assert_int_equal(p.finished, 0);
	script_free(&s.src);
}

/* A trace of a few packets written through the writer sink, then read
 * back serially and in parallel: the sinks see the same events. */
static void test_parallel_as_serial(void **state)
{
	char *dir = t_mkdtemp(), path[512];
	struct pgt_gen_opts go = { .sz = sizeof(go), .pattern = PGT_GEN_MIX, .events = 200000 };
	struct pgt_writer_opts wo = { .sz = sizeof(wo), .packet_events = 4096 };
	struct pgt_source *gen;
	struct pgt_writer *w;
	struct pgt_sink *ws;
	struct pgt_drain_result res;
	/* threads asked for, the sinks' flags, and whether it decodes in parallel */
	static const struct {
		int threads;
		unsigned pf, qf;
		int parallel;
	} runs[] = {
		{ 0, 0, 0, 0 },
		{ 2, 0, 0, 1 },
		{ 2, 0, PGT_SINK_IN_STEP, 0 },			/* one in step: serial */
		{ 2, PGT_SINK_SERIAL, PGT_SINK_SERIAL, 0 },	/* none gains from it */
		{ 2, PGT_SINK_SERIAL, 0, 1 },			/* one does */
		{ 0, PGT_SINK_SERIAL, 0, 0 },
	};
	uint64_t sums[5] = { 0 }, counts[5] = { 0 };
	int err;

	(void)state;
	snprintf(path, sizeof(path), "%s/t.pgt", dir);
	gen = pgt_gen__new(&go, &err);
	assert_non_null(gen);
	wo.header = &gen->header;
	w = pgt_writer__open(path, &wo, &err);
	assert_non_null(w);
	ws = pgt_writer__sink(w);
	assert_non_null(ws);
	assert_true(ws->flags & PGT_SINK_IN_STEP);
	assert_int_equal(pgt_drain(gen, &ws, 1, NULL, &res), 0);
	assert_int_equal(res.events, 200000);
	assert_int_equal(pgt_writer__close(w), 0);
	pgt_sink__free(ws);
	pgt_source__free(gen);

	/* the same events whichever decoder the flags choose; the parallel
	 * one shows as the decoding threads beside the caller's */
	for (int k = 0; k < 5; k++) {
		struct pgt_reader *r = pgt_reader__open(path, NULL, &err);
		struct probe p, q;
		struct pgt_sink *sinks[2] = { &p.base, &q.base };
		struct pgt_drain_opts o = { .sz = sizeof(o), .threads = runs[k].threads };

		assert_non_null(r);
		probe_init(&p, runs[k].pf);
		probe_init(&q, runs[k].qf);
		assert_int_equal(pgt_reader__drain(r, sinks, 2, &o, &res), 0);
		assert_int_equal(res.events, 200000);
		assert_int_equal(p.sum, q.sum);
		assert_int_equal(p.finished, 1);
		if (runs[k].parallel)
			assert_true(p.tasks > 1);
		else
			assert_int_equal(p.tasks, 1);
		sums[k] = p.sum;
		counts[k] = p.events;
		pgt_reader__free(r);
	}
	assert_int_equal(counts[0], 200000);
	for (int k = 1; k < 5; k++) {
		assert_int_equal(counts[k], counts[0]);
		assert_int_equal(sums[k], sums[0]);
	}
	t_rmtree(dir);
}

/* A sated sink is fed no more; the pass ends when every one is. */
static void test_sated(void **state)
{
	struct script s;
	struct probe p[2];
	struct pgt_sink *sinks[2] = { &p[0].base, &p[1].base };
	struct pgt_drain_result res;

	(void)state;
	script_init(&s, 10, -PGT_ECORRUPT);	/* never reached */
	probe_init(&p[0], 0);
	probe_init(&p[1], 0);
	p[0].sated_at = 2 * BN;
	p[1].sated_at = 4 * BN;
	assert_int_equal(pgt_drain(&s.src, sinks, 2, NULL, &res), 0);
	assert_int_equal(res.events, 4 * BN);
	assert_int_equal(p[0].events, 2 * BN);
	assert_int_equal(p[1].events, 4 * BN);
	assert_int_equal(p[0].finished + p[1].finished, 2);
	assert_int_equal(s.batch, 4);
	script_free(&s.src);
}

static void test_counter(void **state)
{
	struct script s;
	uint64_t n = 99;
	struct pgt_sink *c = pgt_count__sink(&n);

	(void)state;
	assert_non_null(c);
	assert_int_equal(n, 0);
	script_init(&s, 4, 0);
	assert_int_equal(pgt_drain(&s.src, &c, 1, NULL, NULL), 0);
	assert_int_equal(n, 4 * BN);
	pgt_sink__free(c);
	script_free(&s.src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_sinks_same_events),
		cmocka_unit_test(test_source_fails),
		cmocka_unit_test(test_sink_fails),
		cmocka_unit_test(test_progress_and_stop),
		cmocka_unit_test(test_parallel_as_serial),
		cmocka_unit_test(test_sated),
		cmocka_unit_test(test_counter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
