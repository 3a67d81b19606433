// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the trace writer and reader (lib/format/writer.c,
 * reader.c, meta.c): round trips through a file and through a pipe, index
 * and scan seeking, and damaged traces (flipped bytes, cuts, unknown
 * records, bad headers).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include "format/format.h"
#include "helpers.h"

/* The standard trace: N_EV events in packets of PE, with side records at
 * the start and a second batch of them before event HALF. */
#define N_EV 10007u
#define PE 1000u
#define HALF 5003u
#define N_PKT ((N_EV + PE - 1) / PE)
#define UNLINK_TS 424242u

static void std_event(uint64_t i, struct pgt_event *e)
{
	memset(e, 0, sizeof(*e));
	e->ts = 1000 + (i / 3) * 10;	/* groups of 3 equal timestamps */
	e->type = (uint8_t)(PGT_EV_LOOKUP + i % (PGT_EV_NTYPES - 1));
	e->flags = (uint16_t)(i * 37);
	e->cpu = (uint32_t)(i % 8);
	e->pid = 100 + (uint32_t)(i % 5);
	e->tid = e->pid + (uint32_t)(i % 2);
	e->obj = i < HALF ? 1 + (uint32_t)(i % 3) : 1 + (uint32_t)(i % 4);
	e->index = (i * 7) % 1000;
	e->npages = 1 + (uint32_t)(i % 4);
	e->pfn = i % 10 == 0 ? PGT_PFN_NONE : 0x100000 + i;
	e->aux = i * 0x9e3779b97f4a7c15ull;
	e->seq = 0xdeadbeef;	/* the writer must ignore it */
}

/* First event of the standard trace with ts >= @t, or N_EV. */
static uint64_t std_first_at(uint64_t t)
{
	uint64_t g;

	if (t <= 1000)
		return 0;
	g = (t - 1000 + 9) / 10;
	return g * 3 < N_EV ? g * 3 : N_EV;
}

static void std_header(struct pgt_header *h)
{
	memset(h, 0, sizeof(*h));
	h->major = PGT_FORMAT_MAJOR;
	h->minor = PGT_FORMAT_MINOR;
	h->page_size = 16384;
	h->clock = PGT_CLOCK_SYNTHETIC;
	h->wall_offset = -123456789;
	h->start_ts = 999;
	strcpy(h->host, "unit-host");
	strcpy(h->kernel, "6.1.0-unit");
}

static struct pgt_object std_object(uint32_t id, uint8_t op, const char *path)
{
	struct pgt_object o = {
		.id = id, .kind = PGT_OBJ_FILE, .op = op, .name_src = PGT_NAME_GIVEN,
		.ts = 500 + id, .dev = 0x0803, .ino = 1000 + id, .gen = id * 3,
		.size = 4096ull * id, .path = path,
	};
	return o;
}

static struct pgt_process std_process(uint32_t pid, uint8_t op, const char *comm)
{
	struct pgt_process p = {
		.ts = 10 + pid, .pid = pid, .tgid = pid, .ppid = 1, .uid = 1000, .gid = 100,
		.op = op, .comm = comm, .cwd = comm[0] ? "/home/u" : "", .exe = comm[0] ? "/usr/bin/x" : "",
		.cgroup = comm[0] ? "/user.slice/u" : "",
	};
	return p;
}

/*
 * Write the standard trace to @w and close it.  Returns the first error
 * (not asserting: it also runs on a writer thread).
 */
static int write_std(struct pgt_writer *w, uint32_t nev)
{
	struct pgt_event ev[512];
	struct pgt_object o;
	struct pgt_process p;
	int err = 0;

	err = err ? err : pgt_writer__add_info(w, "hostname", "unit-host");
	err = err ? err : pgt_writer__add_info(w, "kernel", "6.1.0-unit");
	err = err ? err : pgt_writer__add_info(w, "cmdline", "pgtrace record -o x.pgt");
	o = std_object(1, PGT_OBJ_DEFINE, "/data/a");
	err = err ? err : pgt_writer__add_object(w, &o);
	o = std_object(2, PGT_OBJ_DEFINE, "/data/b");
	err = err ? err : pgt_writer__add_object(w, &o);
	o = std_object(3, PGT_OBJ_DEFINE, "/data/c");
	err = err ? err : pgt_writer__add_object(w, &o);
	for (uint32_t pid = 100; pid < 105; pid++) {
		p = std_process(pid, PGT_PROC_EXEC, "worker");
		err = err ? err : pgt_writer__add_process(w, &p);
	}
	err = err ? err : pgt_writer__add_lost(w, 900, 1, 5);
	err = err ? err : pgt_writer__add_level(w, 900, 1);

	for (uint32_t i = 0; i < nev && !err; ) {
		uint32_t k = 0;

		if (i == HALF) {
			o = std_object(4, PGT_OBJ_DEFINE, "/data/d");
			err = err ? err : pgt_writer__add_object(w, &o);
			o = std_object(2, PGT_OBJ_RENAME, "/data/b.renamed");
			err = err ? err : pgt_writer__add_object(w, &o);
			o = std_object(3, PGT_OBJ_UNLINK, "");
			o.ts = UNLINK_TS;
			err = err ? err : pgt_writer__add_object(w, &o);
			p = std_process(104, PGT_PROC_EXIT, "");
			err = err ? err : pgt_writer__add_process(w, &p);
			err = err ? err : pgt_writer__add_lost(w, 50000, 0, 7);
			err = err ? err : pgt_writer__add_level(w, 50000, 2);
			err = err ? err : pgt_writer__add_info(w, "phase", "2");
		}
		/* uneven batches, never across HALF */
		while (k < 512 && i + k < nev && (i >= HALF || i + k < HALF) && k < 1 + (i % 300)) {
			std_event(i + k, &ev[k]);
			k++;
		}
		err = err ? err : pgt_writer__write(w, ev, k);
		i += k;
	}
	if (err) {
		pgt_writer__abort(w);
		return err;
	}
	return pgt_writer__close(w);
}

/* Side tables as they are once the whole standard trace was read. */
static void check_std_meta(struct pgt_meta *m, int second_half)
{
	const struct pgt_object *o;
	const struct pgt_process *p;
	const char *k, *v;

	assert_int_equal(pgt_meta__nr_objects(m), second_half ? 4 : 3);
	assert_null(pgt_meta__object(m, 0));
	o = pgt_meta__object(m, 1);
	assert_non_null(o);
	assert_string_equal(o->path, "/data/a");
	assert_int_equal(o->id, 1);
	assert_int_equal(o->kind, PGT_OBJ_FILE);
	assert_int_equal(o->name_src, PGT_NAME_GIVEN);
	assert_int_equal(o->ts, 501);
	assert_int_equal(o->dev, 0x0803);
	assert_int_equal(o->ino, 1001);
	assert_int_equal(o->gen, 3);
	assert_int_equal(o->size, 4096);
	assert_int_equal(o->unlink_ts, 0);
	o = pgt_meta__object(m, 2);
	assert_non_null(o);
	assert_string_equal(o->path, second_half ? "/data/b.renamed" : "/data/b");
	assert_int_equal(o->ino, 1002);
	o = pgt_meta__object(m, 3);
	assert_non_null(o);
	assert_string_equal(o->path, "/data/c");	/* a deletion keeps the name */
	assert_int_equal(o->unlink_ts, second_half ? UNLINK_TS : 0);
	o = pgt_meta__object(m, 4);
	if (second_half) {
		assert_non_null(o);
		assert_string_equal(o->path, "/data/d");
	} else {
		assert_null(o);
	}
	assert_null(pgt_meta__object(m, 5));
	assert_null(pgt_meta__object(m, UINT32_MAX));

	assert_int_equal(pgt_meta__nr_processes(m), 5);
	for (uint32_t i = 0; i < 5; i++) {
		p = pgt_meta__process_at(m, i);
		assert_non_null(p);
		assert_int_equal(p->pid, 100 + i);
	}
	assert_null(pgt_meta__process_at(m, 5));
	p = pgt_meta__process(m, 102);
	assert_non_null(p);
	assert_int_equal(p->op, PGT_PROC_EXEC);
	assert_int_equal(p->uid, 1000);
	assert_string_equal(p->comm, "worker");
	assert_string_equal(p->cwd, "/home/u");
	assert_string_equal(p->exe, "/usr/bin/x");
	assert_string_equal(p->cgroup, "/user.slice/u");
	p = pgt_meta__process(m, 104);
	assert_non_null(p);
	assert_int_equal(p->op, second_half ? PGT_PROC_EXIT : PGT_PROC_EXEC);
	assert_string_equal(p->comm, "worker");	/* the exit record keeps it */
	assert_string_equal(p->cgroup, "/user.slice/u");
	assert_null(pgt_meta__process(m, 99));

	assert_int_equal(pgt_meta__lost_total(m), second_half ? 12 : 5);
	assert_int_equal(pgt_meta__nr_lost_records(m), second_half ? 2 : 1);
	assert_int_equal(pgt_meta__nr_level_changes(m), second_half ? 2 : 1);
	assert_int_equal(pgt_meta__nr_info(m), second_half ? 4 : 3);
	assert_string_equal(pgt_meta__info(m, "hostname"), "unit-host");
	assert_string_equal(pgt_meta__info(m, "kernel"), "6.1.0-unit");
	assert_string_equal(pgt_meta__info(m, "cmdline"), "pgtrace record -o x.pgt");
	if (second_half)
		assert_string_equal(pgt_meta__info(m, "phase"), "2");
	else
		assert_null(pgt_meta__info(m, "phase"));
	assert_int_equal(pgt_meta__info_at(m, 0, &k, &v), 0);
	assert_string_equal(k, "hostname");
	assert_string_equal(v, "unit-host");
	assert_int_equal(pgt_meta__info_at(m, 10, &k, &v), -ERANGE);
}

/*
 * Read @r to its end; every event must be the standard one with the next
 * number from @first_seq.  Return the number of events; *@rc gets the
 * final return of pgt_source__next().
 */
static uint64_t read_std(struct pgt_reader *r, uint64_t first_seq, int *rc)
{
	struct pgt_source *src = pgt_reader__source(r);
	struct pgt_event ev = { 0 }, want;
	uint64_t n = 0;
	int ret;

	while ((ret = pgt_source__next(src, &ev)) == 1) {
		std_event(first_seq + n, &want);
		if (ev.seq != first_seq + n || !t_event_same(&ev, &want)) {
			print_error("event %llu\n", (unsigned long long)(first_seq + n));
			assert_int_equal(ev.seq, first_seq + n);
			assert_event_fields_equal(&ev, &want);
		}
		n++;
	}
	*rc = ret;
	return n;
}

/* Expect the next event of @r to be standard event @seq. */
static void expect_next(struct pgt_reader *r, uint64_t seq)
{
	struct pgt_event ev = { 0 }, want;

	assert_int_equal(pgt_source__next(pgt_reader__source(r), &ev), 1);
	std_event(seq, &want);
	assert_int_equal(ev.seq, seq);
	assert_event_fields_equal(&ev, &want);
}

/* ---- fixtures: one standard trace file for the whole group ---------- */

struct rec {
	uint64_t off, size;
	uint32_t type;
	uint32_t count;		/* packets: events */
};

struct fixture {
	char *dir;
	char *std_path;		/* standard trace, compressed, indexed */
	uint8_t *std;		/* its bytes */
	size_t std_len;
	struct rec recs[256];
	size_t nrecs;
	uint64_t pkt_off[N_PKT];
};

static size_t list_records(const uint8_t *b, size_t len, struct rec *out, size_t max)
{
	size_t n = 0;
	uint64_t off = PGT_HDR_SIZE;

	while (off + PGT_REC_HDR_SIZE <= len && n < max) {
		out[n].off = off;
		out[n].type = pgt_get_le32(b + off);
		out[n].size = pgt_get_le64(b + off + 8);
		out[n].count = out[n].type == PGT_REC_PACKET ?
			pgt_get_le32(b + off + PGT_REC_HDR_SIZE + 24) : 0;
		off += PGT_REC_HDR_SIZE + out[n].size;
		n++;
	}
	return n;
}

static char *path_in(const struct fixture *f, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", f->dir, name) < 0)
		return NULL;
	return p;
}

static int write_std_file(const char *path, const struct pgt_writer_opts *extra, uint32_t nev)
{
	struct pgt_header h;
	struct pgt_writer_opts o = { .sz = sizeof(o), .packet_events = PE };
	struct pgt_writer *w;
	int err = 0;

	std_header(&h);
	if (extra)
		o = *extra;
	o.header = &h;
	w = pgt_writer__open(path, &o, &err);
	if (!w)
		return err ? err : -EIO;
	return write_std(w, nev);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	size_t np = 0;

	if (!f || !(f->dir = t_mkdtemp()) || !(f->std_path = path_in(f, "std.pgt")))
		return -1;
	if (write_std_file(f->std_path, NULL, N_EV))
		return -1;
	f->std = t_slurp(f->std_path, &f->std_len);
	if (!f->std)
		return -1;
	f->nrecs = list_records(f->std, f->std_len, f->recs, PGT_ARRAY_SIZE(f->recs));
	for (size_t i = 0; i < f->nrecs; i++)
		if (f->recs[i].type == PGT_REC_PACKET && np < N_PKT)
			f->pkt_off[np++] = f->recs[i].off;
	if (np != N_PKT)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	t_rmtree(f->dir);
	free(f->std_path);
	free(f->std);
	free(f);
	return 0;
}

static struct pgt_reader *open_mem(const void *data, size_t len, int no_index, int *err)
{
	struct pgt_reader_opts o = { .sz = sizeof(o), .no_index = no_index };
	int fd = t_memfd(data, len);

	assert_true(fd >= 0);
	return pgt_reader__fdopen(fd, &o, err);
}

/* ---- round trips ---------------------------------------------------- */

static void test_file_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct pgt_reader_opts o = { .sz = sizeof(o) };
	struct pgt_reader *r;
	const struct pgt_header *h;
	struct pgt_reader_stats st;
	uint64_t events, packets, first, last;
	int err = 0, rc;

	/* the file layout the writer promises */
	assert_memory_equal(f->std, PGT_MAGIC, PGT_MAGIC_LEN);
	assert_int_equal(f->recs[f->nrecs - 1].type, PGT_REC_END);
	assert_int_equal(f->recs[f->nrecs - 2].type, PGT_REC_INDEX);
	assert_int_equal(f->recs[f->nrecs - 1].off + PGT_END_REC_SIZE, f->std_len);

	r = pgt_reader__open(f->std_path, &o, &err);
	assert_non_null(r);
	h = pgt_reader__header(r);
	assert_int_equal(h->major, PGT_FORMAT_MAJOR);
	assert_int_equal(h->minor, PGT_FORMAT_MINOR);
	assert_int_equal(h->page_size, 16384);
	assert_int_equal(h->clock, PGT_CLOCK_SYNTHETIC);
	assert_int_equal(h->wall_offset, -123456789);
	assert_int_equal(h->start_ts, 999);
	assert_true(h->features & PGT_FEAT_COMPAT_INDEX);
	assert_string_equal(h->host, "unit-host");
	assert_string_equal(h->kernel, "6.1.0-unit");
	assert_int_equal(pgt_reader__has_index(r), 1);
	assert_int_equal(pgt_reader__index_summary(r, &events, &packets, &first, &last), 0);
	assert_int_equal(events, N_EV);
	assert_int_equal(packets, N_PKT);
	assert_int_equal(first, 1000);
	assert_int_equal(last, 1000 + ((N_EV - 1) / 3) * 10);

	assert_int_equal(read_std(r, 0, &rc), N_EV);
	assert_int_equal(rc, 0);
	/* the end is sticky */
	assert_int_equal(pgt_source__next(pgt_reader__source(r), &(struct pgt_event){ 0 }), 0);
	check_std_meta(pgt_reader__meta(r), 1);
	pgt_reader__stats(r, &st);
	assert_int_equal(st.complete, 1);
	assert_int_equal(st.events, N_EV);
	assert_int_equal(st.packets, N_PKT);
	assert_int_equal(st.bytes, f->std_len);
	assert_int_equal(st.unknown_records, 0);
	assert_true(st.packet_bytes > 0 && st.packet_bytes < f->std_len);
	pgt_reader__free(r);
	pgt_reader__free(NULL);
}

/* Uncompressed, without an index, through the batch interface. */
static void test_file_roundtrip_plain_noindex(void **state)
{
	struct fixture *f = *state;
	struct pgt_writer_opts wo = { .sz = sizeof(wo), .packet_events = 777, .no_compress = 1,
				      .no_index = 1 };
	char *path = path_in(f, "plain.pgt");
	struct pgt_reader *r;
	struct pgt_reader_stats st;
	const struct pgt_event *evs;
	struct pgt_event want;
	uint64_t e, p, a, b, seen = 0;
	ssize_t n;
	int err = 0;

	assert_int_equal(write_std_file(path, &wo, N_EV), 0);
	r = pgt_reader__open(path, NULL, &err);
	assert_non_null(r);
	assert_int_equal(pgt_reader__has_index(r), 0);
	assert_int_equal(pgt_reader__index_summary(r, &e, &p, &a, &b), -ENOENT);
	assert_false(pgt_reader__header(r)->features & PGT_FEAT_COMPAT_INDEX);
	while ((n = pgt_source__batch(pgt_reader__source(r), &evs)) > 0) {
		assert_true(n <= 777);
		for (ssize_t i = 0; i < n; i++, seen++) {
			std_event(seen, &want);
			assert_int_equal(evs[i].seq, seen);
			if (!t_event_same(&evs[i], &want))
				assert_event_fields_equal(&evs[i], &want);
		}
	}
	assert_int_equal(n, 0);
	assert_int_equal(seen, N_EV);
	check_std_meta(pgt_reader__meta(r), 1);
	pgt_reader__stats(r, &st);
	assert_int_equal(st.complete, 1);
	assert_int_equal(st.packets, (N_EV + 776) / 777);
	pgt_reader__free(r);
	free(path);
}

struct pipe_job {
	int fd;
	const void *data;	/* raw bytes to send, or NULL: the standard trace */
	size_t len;
	int err;
};

static void *pipe_writer(void *arg)
{
	struct pipe_job *j = arg;
	struct pgt_header h;
	struct pgt_writer_opts o = { .sz = sizeof(o), .packet_events = PE, .header = &h };
	struct pgt_writer *w;

	if (j->data) {
		j->err = pgt_write_all(j->fd, j->data, j->len);
		close(j->fd);
		return NULL;
	}
	std_header(&h);
	w = pgt_writer__fdopen(j->fd, &o, &j->err);
	if (w)
		j->err = write_std(w, N_EV);
	return NULL;
}

/* A reader on the read end of a pipe fed by a writer thread. */
static struct pgt_reader *open_pipe(struct pipe_job *job, pthread_t *th, int *err)
{
	int fds[2];
	struct pgt_reader *r;

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	job->fd = fds[1];
	assert_int_equal(pthread_create(th, NULL, pipe_writer, job), 0);
	r = pgt_reader__fdopen(fds[0], NULL, err);
	return r;
}

static void test_pipe_roundtrip(void **state)
{
	struct pipe_job job = { 0 };
	struct pgt_reader *r;
	struct pgt_reader_stats st;
	pthread_t th;
	uint64_t e, p, a, b;
	int err = 0, rc;

	(void)state;
	r = open_pipe(&job, &th, &err);
	assert_non_null(r);
	assert_int_equal(pgt_reader__has_index(r), 0);
	assert_int_equal(pgt_reader__index_summary(r, &e, &p, &a, &b), -ENOENT);
	assert_string_equal(pgt_reader__header(r)->host, "unit-host");
	assert_int_equal(read_std(r, 0, &rc), N_EV);
	assert_int_equal(rc, 0);
	check_std_meta(pgt_reader__meta(r), 1);
	pgt_reader__stats(r, &st);
	assert_int_equal(st.complete, 1);
	assert_int_equal(st.events, N_EV);
	assert_int_equal(st.packets, N_PKT);
	assert_int_equal(st.unknown_records, 0);	/* the index is not unknown */
	pgt_reader__free(r);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(job.err, 0);
}

/* On a pipe, seeking scans forward; backwards is impossible. */
static void test_pipe_seek_forward(void **state)
{
	struct pipe_job job = { 0 };
	struct pgt_reader *r;
	pthread_t th;
	int err = 0, rc;

	(void)state;
	r = open_pipe(&job, &th, &err);
	assert_non_null(r);
	assert_int_equal(pgt_reader__seek_seq(r, 1234), 0);
	expect_next(r, 1234);
	expect_next(r, 1235);
	assert_int_equal(pgt_reader__seek_seq(r, 4000), 0);	/* a packet boundary */
	expect_next(r, 4000);
	assert_int_equal(pgt_reader__seek_seq(r, 100), -ESPIPE);
	/* forward, but still inside the batch being consumed */
	assert_int_equal(pgt_reader__seek_seq(r, 4500), 0);
	expect_next(r, 4500);
	assert_int_equal(pgt_reader__seek_seq(r, 4501), 0);	/* the very next one */
	expect_next(r, 4501);
	assert_int_equal(pgt_reader__seek_time(r, 1000 + 1550 * 10), 0);
	expect_next(r, 4650);
	assert_int_equal(pgt_reader__seek_seq(r, 4600), -ESPIPE);
	/* the first event at or after 21000 us is event 6000 */
	assert_int_equal(pgt_reader__seek_time(r, 1000 + 2000 * 10), 0);
	expect_next(r, 6000);
	assert_int_equal(read_std(r, 6001, &rc), N_EV - 6001);
	assert_int_equal(rc, 0);
	check_std_meta(pgt_reader__meta(r), 1);
	assert_int_equal(pgt_reader__seek_seq(r, N_EV), -PGT_ERANGE);
	pgt_reader__free(r);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(job.err, 0);
}

/* ---- seeking -------------------------------------------------------- */

static void seek_seq_checks(struct pgt_reader *r)
{
	static const uint64_t fixed[] = {
		0, 1, 2, PE - 1, PE, PE + 1, 2 * PE - 1, 2 * PE, HALF - 1, HALF, HALF + 1,
		5 * PE, 5 * PE + 500, (N_PKT - 1) * PE - 1, (N_PKT - 1) * PE, N_EV - 2, N_EV - 1,
		0, N_EV - 1, 3 * PE + 333, 0,
	};
	uint64_t seed = 0x5eed;

	for (size_t i = 0; i < PGT_ARRAY_SIZE(fixed); i++) {
		uint64_t s = fixed[i];

		assert_int_equal(pgt_reader__seek_seq(r, s), 0);
		expect_next(r, s);
		/* and on, across the next packet boundary */
		for (uint64_t k = s + 1; k < N_EV && k < s + 3; k++)
			expect_next(r, k);
	}
	for (int i = 0; i < 100; i++) {
		uint64_t s = t_rand(&seed) % N_EV;

		assert_int_equal(pgt_reader__seek_seq(r, s), 0);
		expect_next(r, s);
	}
	assert_int_equal(pgt_reader__seek_seq(r, N_EV), -PGT_ERANGE);
	assert_int_equal(pgt_reader__seek_seq(r, N_EV + 1), -PGT_ERANGE);
	assert_int_equal(pgt_reader__seek_seq(r, UINT64_MAX), -PGT_ERANGE);
	/* a failed seek leaves the reader usable */
	assert_int_equal(pgt_reader__seek_seq(r, N_EV - 3), 0);
	expect_next(r, N_EV - 3);
	expect_next(r, N_EV - 2);
	expect_next(r, N_EV - 1);
	assert_int_equal(pgt_source__next(pgt_reader__source(r), &(struct pgt_event){ 0 }), 0);
	/* after the end, back to the start, then read everything */
	assert_int_equal(pgt_reader__seek_seq(r, 0), 0);
	{
		int rc;

		assert_int_equal(read_std(r, 0, &rc), N_EV);
		assert_int_equal(rc, 0);
	}
}

static void test_seek_seq_index(void **state)
{
	struct fixture *f = *state;
	struct pgt_reader *r;
	int err = 0;

	r = pgt_reader__open(f->std_path, NULL, &err);
	assert_non_null(r);
	assert_int_equal(pgt_reader__has_index(r), 1);
	seek_seq_checks(r);
	/* seeks never apply a side record twice */
	check_std_meta(pgt_reader__meta(r), 1);
	pgt_reader__free(r);
}

static void test_seek_seq_scan(void **state)
{
	struct fixture *f = *state;
	struct pgt_reader_opts o = { .sz = sizeof(o), .no_index = 1 };
	struct pgt_reader *r;
	int err = 0;

	r = pgt_reader__open(f->std_path, &o, &err);
	assert_non_null(r);
	assert_int_equal(pgt_reader__has_index(r), 0);
	seek_seq_checks(r);
	check_std_meta(pgt_reader__meta(r), 1);
	pgt_reader__free(r);
}

/* A seek on a fresh reader loads the side records before the target. */
static void seek_side_checks(const char *path, int no_index)
{
	struct pgt_reader_opts o = { .sz = sizeof(o), .no_index = no_index };
	struct pgt_reader *r;
	const struct pgt_object *ob;
	struct pgt_meta *m;
	int err = 0, rc;

	/* just before the second batch of side records (packet 4) */
	r = pgt_reader__open(path, &o, &err);
	assert_non_null(r);
	assert_int_equal(pgt_reader__seek_seq(r, 5 * PE - 1), 0);
	m = pgt_reader__meta(r);
	check_std_meta(m, 0);
	expect_next(r, 5 * PE - 1);	/* obj 2 */
	ob = pgt_meta__object(m, 2);
	assert_non_null(ob);
	assert_string_equal(ob->path, "/data/b");
	pgt_reader__free(r);

	/* in packet 5, which the second batch precedes */
	r = pgt_reader__open(path, &o, &err);
	assert_non_null(r);
	assert_int_equal(pgt_reader__seek_seq(r, 5 * PE), 0);
	m = pgt_reader__meta(r);
	check_std_meta(m, 1);
	expect_next(r, 5 * PE);	/* obj 3, unlinked */
	ob = pgt_meta__object(m, 3);
	assert_non_null(ob);
	assert_string_equal(ob->path, "/data/c");
	assert_int_equal(ob->unlink_ts, UNLINK_TS);
	assert_int_equal(pgt_reader__seek_seq(r, HALF), 0);
	expect_next(r, HALF);		/* obj 4, defined mid-stream */
	ob = pgt_meta__object(m, 4);
	assert_non_null(ob);
	assert_string_equal(ob->path, "/data/d");
	/* back to the start and through everything: nothing counted twice */
	assert_int_equal(pgt_reader__seek_seq(r, 0), 0);
	assert_int_equal(read_std(r, 0, &rc), N_EV);
	assert_int_equal(rc, 0);
	check_std_meta(m, 1);
	pgt_reader__free(r);

	/* the last event, by time */
	r = pgt_reader__open(path, &o, &err);
	assert_non_null(r);
	assert_int_equal(pgt_reader__seek_time(r, 1000 + ((N_EV - 1) / 3) * 10), 0);
	check_std_meta(pgt_reader__meta(r), 1);
	expect_next(r, ((N_EV - 1) / 3) * 3);
	pgt_reader__free(r);
}

static void test_seek_loads_side_tables(void **state)
{
	struct fixture *f = *state;

	seek_side_checks(f->std_path, 0);
	seek_side_checks(f->std_path, 1);
}

static void seek_time_checks(struct pgt_reader *r)
{
	const uint64_t last = 1000 + ((N_EV - 1) / 3) * 10;
	const uint64_t fixed[] = {
		0, 999, 1000, 1001, 1009, 1010, 1011,
		1000 + (PE / 3) * 10,		/* group 333 straddles packets 0 and 1 */
		1000 + (PE / 3) * 10 + 1, 1000 + (2 * PE / 3) * 10, 1000 + (HALF / 3) * 10,
		last - 10, last - 1, last, 1000, last,
	};
	uint64_t seed = 77;

	for (size_t i = 0; i < PGT_ARRAY_SIZE(fixed); i++) {
		uint64_t want = std_first_at(fixed[i]);

		assert_int_equal(pgt_reader__seek_time(r, fixed[i]), 0);
		expect_next(r, want);
		if (want + 1 < N_EV)
			expect_next(r, want + 1);
	}
	for (int i = 0; i < 100; i++) {
		uint64_t t = t_rand(&seed) % (last + 20);
		uint64_t want = std_first_at(t);

		if (want >= N_EV) {
			assert_int_equal(pgt_reader__seek_time(r, t), -PGT_ERANGE);
			continue;
		}
		assert_int_equal(pgt_reader__seek_time(r, t), 0);
		expect_next(r, want);
	}
	assert_int_equal(pgt_reader__seek_time(r, last + 1), -PGT_ERANGE);
	assert_int_equal(pgt_reader__seek_time(r, UINT64_MAX), -PGT_ERANGE);
	assert_int_equal(pgt_reader__seek_time(r, 1000 + 30), 0);
	expect_next(r, 9);
}

static void test_seek_time_index(void **state)
{
	struct fixture *f = *state;
	struct pgt_reader *r;
	int err = 0;

	r = pgt_reader__open(f->std_path, NULL, &err);
	assert_non_null(r);
	assert_int_equal(pgt_reader__has_index(r), 1);
	seek_time_checks(r);
	pgt_reader__free(r);
}

static void test_seek_time_scan(void **state)
{
	struct fixture *f = *state;
	struct pgt_reader_opts o = { .sz = sizeof(o), .no_index = 1 };
	struct pgt_reader *r;
	int err = 0;

	r = pgt_reader__open(f->std_path, &o, &err);
	assert_non_null(r);
	assert_int_equal(pgt_reader__has_index(r), 0);
	seek_time_checks(r);
	pgt_reader__free(r);
}

/* ---- damage ---------------------------------------------------------- */

static void corrupt_checks(struct fixture *f, uint64_t bad, uint64_t at, int no_index)
{
	uint8_t *copy = malloc(f->std_len);
	struct pgt_reader *r;
	struct pgt_reader_stats st;
	struct pgt_event ev;
	int err = 0, rc;

	assert_non_null(copy);
	memcpy(copy, f->std, f->std_len);
	copy[at] ^= 0x40;
	r = open_mem(copy, f->std_len, no_index, &err);
	assert_non_null(r);
	assert_int_equal(pgt_reader__has_index(r), !no_index);
	assert_int_equal(read_std(r, 0, &rc), bad * PE);
	assert_int_equal(rc, -PGT_ECRC);
	/* the error stays */
	assert_int_equal(pgt_source__next(pgt_reader__source(r), &ev), -PGT_ECRC);
	pgt_reader__stats(r, &st);
	assert_int_equal(st.packets, bad);
	assert_int_equal(st.bad_packet, bad);
	assert_int_equal(st.bad_offset, f->pkt_off[bad]);
	assert_int_equal(st.events, bad * PE);
	assert_int_equal(st.complete, 0);
	/* with an index, the packets after the bad one are still reachable */
	if (!no_index && bad + 1 < N_PKT) {
		assert_int_equal(pgt_reader__seek_seq(r, (bad + 1) * PE + 1), 0);
		expect_next(r, (bad + 1) * PE + 1);
		assert_int_equal(pgt_reader__seek_seq(r, bad * PE), 0);
		assert_int_equal(pgt_source__next(pgt_reader__source(r), &ev), -PGT_ECRC);
	}
	pgt_reader__free(r);
	free(copy);
}

static void test_corrupt_packet(void **state)
{
	struct fixture *f = *state;
	static const uint64_t which[] = { 0, 1, 5, N_PKT - 1 };

	for (size_t i = 0; i < PGT_ARRAY_SIZE(which); i++) {
		uint64_t off = f->pkt_off[which[i]];
		uint64_t size = pgt_get_le64(f->std + off + 8);
		uint64_t spots[] = {
			off + 4,				/* the CRC itself */
			off + PGT_REC_HDR_SIZE,			/* first_ts */
			off + PGT_REC_HDR_SIZE + 24,		/* count */
			off + PGT_REC_HDR_SIZE + size / 2,	/* payload */
			off + PGT_REC_HDR_SIZE + size - 1,	/* last byte */
		};

		for (size_t k = 0; k < PGT_ARRAY_SIZE(spots); k++) {
			corrupt_checks(f, which[i], spots[k], 0);
			corrupt_checks(f, which[i], spots[k], 1);
		}
	}
}

/* Cut a small trace at every offset: everything before the cut that is a
 * whole packet is read, then -PGT_ETRUNC, or 0 at a record boundary. */
static void test_truncated(void **state)
{
	struct fixture *f = *state;
	struct pgt_writer_opts wo = { .sz = sizeof(wo), .packet_events = 250 };
	char *path = path_in(f, "small.pgt");
	struct rec recs[64];
	size_t len = 0, nrec, tail, at_boundary = 0;
	uint8_t *data;
	uint32_t total = 0;

	/* 2000 events: the mid-stream side records are not reached */
	assert_int_equal(write_std_file(path, &wo, 2000), 0);
	data = t_slurp(path, &len);
	assert_non_null(data);
	nrec = list_records(data, len, recs, PGT_ARRAY_SIZE(recs));
	assert_int_equal(recs[nrec - 1].type, PGT_REC_END);
	for (size_t i = 0; i < nrec; i++)
		total += recs[i].count;
	assert_int_equal(total, 2000);

	/* inside the header: not even opened */
	for (size_t cut = 0; cut < PGT_HDR_SIZE; cut++) {
		int err = 0;
		struct pgt_reader *r = open_mem(data, cut, 0, &err);

		assert_null(r);
		assert_int_equal(err, cut < PGT_MAGIC_LEN ? -PGT_ENOTTRACE : -PGT_ETRUNC);
	}
	/* every offset from the last two packets on, every few bytes
	 * before, and both sides of every record boundary */
	tail = recs[nrec - 4].off;
	assert_int_equal(recs[nrec - 4].type, PGT_REC_PACKET);
	for (size_t cut = PGT_HDR_SIZE; cut < len; cut++) {
		struct pgt_reader *r;
		struct pgt_reader_stats st;
		uint64_t whole = 0, rec_at = 0;
		int boundary = 0, near = 0, err = 0, rc;

		for (size_t i = 0; i < nrec; i++)
			if (cut + 1 >= recs[i].off && cut <= recs[i].off + PGT_REC_HDR_SIZE)
				near = 1;	/* around a boundary or in a record header */
		if (cut < tail && !near && cut % 11)
			continue;
		for (size_t i = 0; i < nrec; i++) {
			if (recs[i].off == cut)
				boundary = 1;
			if (recs[i].off + PGT_REC_HDR_SIZE + recs[i].size <= cut)
				whole += recs[i].count;
			else if (recs[i].off < cut)
				rec_at = recs[i].off;
		}
		r = open_mem(data, cut, cut % 2, &err);
		assert_non_null(r);
		assert_int_equal(pgt_reader__has_index(r), 0);
		if (read_std(r, 0, &rc) != whole || rc != (boundary ? 0 : -PGT_ETRUNC))
			print_error("cut at %zu of %zu\n", cut, len);
		pgt_reader__stats(r, &st);
		assert_int_equal(st.events, whole);
		assert_int_equal(rc, boundary ? 0 : -PGT_ETRUNC);
		assert_int_equal(st.complete, 0);
		if (!boundary)
			assert_int_equal(st.bad_offset, rec_at);
		if (boundary && whole)	/* all side records precede packet 0 */
			check_std_meta(pgt_reader__meta(r), 0);
		at_boundary += (size_t)boundary;
		pgt_reader__free(r);
	}
	assert_int_equal(at_boundary, nrec);
	free(data);
	unlink(path);
	free(path);
}

/* A file cut right after its last packet, or right before its end
 * record, is what a killed recorder leaves: all events, no error. */
static void test_cut_at_boundary(void **state)
{
	struct fixture *f = *state;
	static const uint32_t cut_before[] = { PGT_REC_INDEX, PGT_REC_END };

	for (size_t c = 0; c < PGT_ARRAY_SIZE(cut_before); c++)
		for (int no_index = 0; no_index <= 1; no_index++) {
			struct pgt_reader *r;
			struct pgt_reader_stats st;
			uint64_t cut = 0;
			int err = 0, rc;

			for (size_t i = 0; i < f->nrecs; i++)
				if (f->recs[i].type == cut_before[c])
					cut = f->recs[i].off;
			assert_true(cut > 0);
			r = open_mem(f->std, cut, no_index, &err);
			assert_non_null(r);
			assert_int_equal(pgt_reader__has_index(r), 0);
			assert_int_equal(read_std(r, 0, &rc), N_EV);
			assert_int_equal(rc, 0);
			check_std_meta(pgt_reader__meta(r), 1);
			pgt_reader__stats(r, &st);
			assert_int_equal(st.complete, 0);
			assert_int_equal(st.events, N_EV);
			assert_int_equal(st.packets, N_PKT);
			assert_int_equal(st.bytes, cut);
			/* seeking works by scanning */
			assert_int_equal(pgt_reader__seek_seq(r, HALF), 0);
			expect_next(r, HALF);
			pgt_reader__free(r);
		}
}

/* ---- hand-made traces ---------------------------------------------- */

static void put_header(struct pgt_buf *b)
{
	struct pgt_header h;
	uint8_t hdr[PGT_HDR_SIZE];

	std_header(&h);
	pgt_header__encode(&h, hdr);
	assert_int_equal(pgt_buf__append(b, hdr, sizeof(hdr)), 0);
}

static void put_packet(struct pgt_buf *b, struct pgt_codec_ctx *c, uint64_t first, uint32_t n)
{
	struct pgt_event ev[100];
	struct pgt_buf body = { 0 };

	assert_true(n <= 100);
	for (uint32_t i = 0; i < n; i++)
		std_event(first + i, &ev[i]);
	assert_int_equal(pgt_codec__encode(c, ev, n, first, 1, &body), 0);
	assert_int_equal(pgt_record__frame(b, PGT_REC_PACKET, body.data, body.len), 0);
	pgt_buf__release(&body);
}

static void put_end(struct pgt_buf *b, uint64_t events, uint64_t packets)
{
	uint8_t end[PGT_END_BODY_SIZE];

	pgt_put_le64(end, 0);	/* no index */
	pgt_put_le64(end + 8, events);
	pgt_put_le64(end + 16, packets);
	assert_int_equal(pgt_record__frame(b, PGT_REC_END, end, sizeof(end)), 0);
}

static void check_unknown(struct pgt_reader *r)
{
	struct pgt_reader_stats st;
	int rc;

	assert_non_null(r);
	assert_int_equal(read_std(r, 0, &rc), 200);
	assert_int_equal(rc, 0);
	pgt_reader__stats(r, &st);
	assert_int_equal(st.unknown_records, 3);
	assert_int_equal(st.complete, 1);
	assert_int_equal(st.packets, 2);
	assert_string_equal(pgt_meta__info(pgt_reader__meta(r), "after"), "unknown");
	assert_int_equal(pgt_meta__nr_info(pgt_reader__meta(r)), 1);
	pgt_reader__free(r);
}

static void test_unknown_record(void **state)
{
	struct pgt_codec_ctx *c = pgt_codec__new(0);
	struct pgt_buf b = { 0 }, side = { 0 };
	size_t big = 3u << 20;	/* larger than the reader's first buffer */
	uint8_t *junk = malloc(big);
	struct pipe_job job = { 0 };
	struct pgt_reader *r;
	pthread_t th;
	int err = 0;

	(void)state;
	assert_non_null(c);
	assert_non_null(junk);
	for (size_t i = 0; i < big; i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	put_header(&b);
	assert_int_equal(pgt_record__frame(&b, 77, "hello", 5), 0);
	put_packet(&b, c, 0, 100);
	assert_int_equal(pgt_record__frame(&b, 77, junk, big), 0);
	assert_int_equal(pgt_record__info(&side, "after", "unknown"), 0);
	assert_int_equal(pgt_record__frame(&b, PGT_REC_INFO, side.data, side.len), 0);
	put_packet(&b, c, 100, 100);
	assert_int_equal(pgt_record__frame(&b, 0xfffffff0u, NULL, 0), 0);
	put_end(&b, 200, 2);

	/* from a file, with and without (a missing) index */
	check_unknown(open_mem(b.data, b.len, 0, &err));
	check_unknown(open_mem(b.data, b.len, 1, &err));
	/* from a pipe: the big record is skipped by reading through it */
	job.data = b.data;
	job.len = b.len;
	r = open_pipe(&job, &th, &err);
	check_unknown(r);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(job.err, 0);

	pgt_buf__release(&b);
	pgt_buf__release(&side);
	pgt_codec__free(c);
	free(junk);
}

/* Count the events a reader hands out; its error (0 when none) in *@err. */
static uint64_t drain(struct pgt_reader *r, int *err)
{
	const struct pgt_event *evs;
	uint64_t n = 0;
	ssize_t got;

	while ((got = pgt_source__batch(pgt_reader__source(r), &evs)) > 0)
		n += (uint64_t)got;
	*err = (int)got;
	return n;
}

/* Packets dropped, repeated, swapped; an END that lies; a damaged type:
 * each an error after the good events, never a short read with exit 0. */
static void test_continuity(void **state)
{
	struct pgt_codec_ctx *c = pgt_codec__new(1);
	uint64_t firsts[4][4] = {
		{ 0, 100, 200, 300 },	/* good */
		{ 0, 200, 300, 0 },	/* the second dropped */
		{ 0, 100, 100, 200 },	/* the second repeated */
		{ 0, 200, 100, 300 },	/* two swapped */
	};
	uint32_t npk[4] = { 4, 3, 4, 4 };
	uint64_t want[4] = { 400, 100, 200, 100 };
	int werr[4] = { 0, -PGT_ECORRUPT, -PGT_ECORRUPT, -PGT_ECORRUPT };

	(void)state;
	for (int k = 0; k < 4; k++) {
		struct pgt_buf b = { 0 };
		struct pgt_reader *r;
		int err = 0;

		put_header(&b);
		for (uint32_t i = 0; i < npk[k]; i++)
			put_packet(&b, c, firsts[k][i], 100);
		put_end(&b, 400, 4);	/* what the writer of the good one said */
		r = open_mem(b.data, b.len, 0, &err);
		assert_non_null(r);
		assert_int_equal(drain(r, &err), want[k]);
		assert_int_equal(err, werr[k]);
		pgt_reader__free(r);
		pgt_buf__release(&b);
	}
	/* an END whose totals lie: the events, then an error */
	for (int k = 0; k < 2; k++) {
		struct pgt_buf b = { 0 };
		struct pgt_reader *r;
		int err = 0;

		put_header(&b);
		put_packet(&b, c, 0, 100);
		put_packet(&b, c, 100, 100);
		put_end(&b, k ? 200 : 0, k ? 3 : 2);
		r = open_mem(b.data, b.len, 0, &err);
		assert_non_null(r);
		assert_int_equal(drain(r, &err), 200);
		assert_int_equal(err, -PGT_ECORRUPT);
		pgt_reader__free(r);
		pgt_buf__release(&b);
	}
	/* a flipped bit in a packet's type: 1.3 crcs cover it */
	{
		struct pgt_buf b = { 0 };
		struct pgt_reader *r;
		size_t at;
		int err = 0;

		put_header(&b);
		put_packet(&b, c, 0, 100);
		at = b.len;
		put_packet(&b, c, 100, 100);
		put_end(&b, 200, 2);
		b.data[at + 3] ^= 0x10;	/* type 1 -> 0x10000001, unknown */
		r = open_mem(b.data, b.len, 0, &err);
		assert_non_null(r);
		assert_int_equal(drain(r, &err), 100);
		assert_int_equal(err, -PGT_ECRC);
		pgt_reader__free(r);
		pgt_buf__release(&b);
	}
	pgt_codec__free(c);
}

/* Lookups cost O(1) slots whatever the keys: 200,000 INFO keys (a linear
 * search made that 2e10 string compares) and 32,767 object ids chosen to
 * share one slot of the old unkeyed hash (5e8 probes). */
static uint32_t inv_mul(uint32_t a)
{
	uint32_t x = a;

	for (int i = 0; i < 5; i++)
		x *= 2 - a * x;
	return x;
}

static uint32_t old_hash_inverse(uint32_t x)
{
	x ^= x >> 16;
	x *= inv_mul(0x846ca68bU);
	x ^= (x >> 15) ^ (x >> 30);
	x *= inv_mul(0x7feb352dU);
	x ^= x >> 16;
	return x;
}

static void test_meta_hash_cost(void **state)
{
	struct pgt_meta *m = pgt_meta__new();
	enum { NKEYS = 200000, NIDS = 32767 };
	char key[32], val[32];
	uint64_t before;

	(void)state;
	assert_non_null(m);
	for (int i = 0; i < NKEYS; i++) {
		snprintf(key, sizeof(key), "key.%d", i);
		snprintf(val, sizeof(val), "v%d", i);
		assert_int_equal(pgt_meta__add_info(m, key, val), 0);
	}
	assert_int_equal(pgt_meta__add_info(m, "key.77", "again"), 0);	/* a replacement */
	assert_int_equal(pgt_meta__nr_info(m), NKEYS);
	assert_string_equal(pgt_meta__info(m, "key.77"), "again");
	assert_string_equal(pgt_meta__info(m, "key.199999"), "v199999");
	assert_null(pgt_meta__info(m, "key.200000"));
	assert_true(pgt_meta__probes(m) < 8ull * NKEYS);

	before = pgt_meta__probes(m);
	for (uint32_t i = 1; i <= NIDS; i++) {
		struct pgt_object o = { .kind = PGT_OBJ_FILE, .path = "/f" };

		o.id = old_hash_inverse(i << 17);	/* old hash: low 17 bits 0 */
		assert_int_equal(pgt_meta__add_object(m, &o), 0);
	}
	assert_int_equal(pgt_meta__nr_objects(m), NIDS);
	for (uint32_t i = 1; i <= NIDS; i++)
		assert_non_null(pgt_meta__object(m, old_hash_inverse(i << 17)));
	/* 2 lookups per id and the rehashes: a few slots each */
	assert_true(pgt_meta__probes(m) - before < 16ull * NIDS);
	pgt_meta__free(m);
}

/* Rewrite the header CRC after an edit. */
static void fix_header_crc(uint8_t *hdr)
{
	pgt_put_le32(hdr + PGT_HDR_OFF_CRC, 0);
	pgt_put_le32(hdr + PGT_HDR_OFF_CRC, pgt_crc32c(0, hdr, PGT_HDR_SIZE));
}

static int open_err(const uint8_t *data, size_t len)
{
	int err = 0;
	struct pgt_reader *r = open_mem(data, len, 0, &err);

	if (r) {
		pgt_reader__free(r);
		return 0;
	}
	assert_true(err < 0);
	return err;
}

static void test_bad_header(void **state)
{
	struct fixture *f = *state;
	size_t len = f->std_len;
	uint8_t *copy = malloc(len);
	char *dirpath = path_in(f, "adir");
	int err = 0;

	assert_non_null(copy);
	memcpy(copy, f->std, len);
	assert_int_equal(open_err(copy, len), 0);
	/* magic */
	copy[0] = 'X';
	assert_int_equal(open_err(copy, len), -PGT_ENOTTRACE);
	copy[0] = 'P';
	copy[7] = '!';
	assert_int_equal(open_err(copy, len), -PGT_ENOTTRACE);
	copy[7] = 0;
	assert_int_equal(open_err(copy, 0), -PGT_ENOTTRACE);
	assert_int_equal(open_err((const uint8_t *)"#!/bin/sh\n", 10), -PGT_ENOTTRACE);
	/* a major version from the future, with a valid CRC */
	pgt_put_le16(copy + PGT_HDR_OFF_MAJOR, 2);
	fix_header_crc(copy);
	assert_int_equal(open_err(copy, len), -PGT_EVERSION);
	pgt_put_le16(copy + PGT_HDR_OFF_MAJOR, 0);
	fix_header_crc(copy);
	assert_int_equal(open_err(copy, len), -PGT_EVERSION);
	pgt_put_le16(copy + PGT_HDR_OFF_MAJOR, PGT_FORMAT_MAJOR);
	/* a later minor of the same major is readable */
	pgt_put_le16(copy + PGT_HDR_OFF_MINOR, 9);
	fix_header_crc(copy);
	assert_int_equal(open_err(copy, len), 0);
	/* an incompat feature this library does not know */
	pgt_put_le64(copy + PGT_HDR_OFF_INCOMPAT, 1ull << 40);
	fix_header_crc(copy);
	assert_int_equal(open_err(copy, len), -PGT_EVERSION);
	pgt_put_le64(copy + PGT_HDR_OFF_INCOMPAT, 0);
	fix_header_crc(copy);
	assert_int_equal(open_err(copy, len), 0);
	/* the CRC catches damage to the rest of the header */
	copy[PGT_HDR_OFF_HOST] ^= 1;
	assert_int_equal(open_err(copy, len), -PGT_ECRC);
	copy[PGT_HDR_OFF_HOST] ^= 1;
	/* files that are not files */
	assert_null(pgt_reader__open("/nonexistent/pgtrace/x.pgt", NULL, &err));
	assert_int_equal(err, -ENOENT);
	assert_int_equal(mkdir(dirpath, 0700), 0);
	assert_null(pgt_reader__open(dirpath, NULL, &err));
	assert_int_equal(err, -EISDIR);
	rmdir(dirpath);
	free(dirpath);
	free(copy);
}

static void test_zero_events(void **state)
{
	struct fixture *f = *state;
	char *path = path_in(f, "empty.pgt");
	struct pgt_writer_opts o = { .sz = sizeof(o) };
	struct pgt_writer *w;
	struct pgt_reader *r;
	struct pgt_reader_stats st;
	struct pgt_event ev;
	uint64_t e = 1, p = 1, a = 1, b = 1;
	int err = 0;

	w = pgt_writer__open(path, &o, &err);
	assert_non_null(w);
	assert_int_equal(pgt_writer__add_info(w, "note", "nothing happened"), 0);
	assert_int_equal(pgt_writer__events(w), 0);
	assert_int_equal(pgt_writer__close(w), 0);
	/* the file exists now: no overwrite without force */
	assert_null(pgt_writer__open(path, &o, &err));
	assert_int_equal(err, -EEXIST);

	r = pgt_reader__open(path, NULL, &err);
	assert_non_null(r);
	assert_int_equal(pgt_reader__has_index(r), 1);
	assert_int_equal(pgt_reader__index_summary(r, &e, &p, &a, &b), 0);
	assert_int_equal(e, 0);
	assert_int_equal(p, 0);
	assert_int_equal(pgt_source__next(pgt_reader__source(r), &ev), 0);
	assert_string_equal(pgt_meta__info(pgt_reader__meta(r), "note"), "nothing happened");
	pgt_reader__stats(r, &st);
	assert_int_equal(st.complete, 1);
	assert_int_equal(st.events, 0);
	assert_int_equal(st.packets, 0);
	assert_int_equal(pgt_reader__seek_seq(r, 0), -PGT_ERANGE);
	assert_int_equal(pgt_reader__seek_time(r, 0), -PGT_ERANGE);
	pgt_reader__free(r);

	/* and when scanning */
	{
		struct pgt_reader_opts ro = { .sz = sizeof(ro), .no_index = 1 };

		r = pgt_reader__open(path, &ro, &err);
		assert_non_null(r);
		assert_int_equal(pgt_source__next(pgt_reader__source(r), &ev), 0);
		assert_int_equal(pgt_reader__seek_seq(r, 0), -PGT_ERANGE);
		assert_int_equal(pgt_reader__seek_time(r, 0), -PGT_ERANGE);
		pgt_reader__free(r);
	}
	unlink(path);
	free(path);
}

/* A process record's body, and its length without the cgroup string:
 * the body a 1.0 writer wrote. */
static size_t process_body(struct pgt_buf *b, const struct pgt_process *p)
{
	size_t cl = p->cgroup ? strlen(p->cgroup) : 0;

	b->len = 0;
	assert_int_equal(pgt_record__process(b, p), 0);
	/* the cgroup is the last field: its length, then its bytes */
	assert_true(b->len >= 4 + cl);
	assert_int_equal(pgt_get_le32(b->data + b->len - 4 - cl), cl);
	assert_memory_equal(b->data + b->len - cl, p->cgroup ? p->cgroup : "", cl);
	return b->len - 4 - cl;
}

/*
 * The cgroup of 1.1 process records: written and read back through a
 * file; a record with none (exit, fork) keeps it; a 1.0 body, which ends
 * after exe, gives "" to a new process and keeps what was known of an
 * old one; bytes after it are skipped, a cut-short string is corrupt.
 */
static void test_process_cgroup(void **state)
{
	struct fixture *f = *state;
	char *path = path_in(f, "cgroup.pgt");
	struct pgt_writer_opts o = { .sz = sizeof(o) };
	struct pgt_process p = std_process(200, PGT_PROC_EXEC, "svc"), q;
	const struct pgt_process *got;
	struct pgt_buf b = { 0 };
	struct pgt_writer *w;
	struct pgt_reader *r;
	struct pgt_meta *m;
	struct pgt_event ev;
	size_t len10;
	int err = 0;

	/* through a file */
	p.cgroup = "/system.slice/svc.service";
	w = pgt_writer__open(path, &o, &err);
	assert_non_null(w);
	assert_int_equal(pgt_writer__add_process(w, &p), 0);
	q = std_process(201, PGT_PROC_STATE, "plain");
	q.cgroup = NULL;	/* unknown */
	assert_int_equal(pgt_writer__add_process(w, &q), 0);
	q = std_process(200, PGT_PROC_EXIT, "");
	assert_int_equal(pgt_writer__add_process(w, &q), 0);
	assert_int_equal(pgt_writer__close(w), 0);
	r = pgt_reader__open(path, NULL, &err);
	assert_non_null(r);
	assert_int_equal(pgt_source__next(pgt_reader__source(r), &ev), 0);
	assert_int_equal(pgt_reader__header(r)->minor, PGT_FORMAT_MINOR);
	got = pgt_meta__process(pgt_reader__meta(r), 200);
	assert_non_null(got);
	assert_int_equal(got->op, PGT_PROC_EXIT);
	assert_string_equal(got->comm, "svc");
	assert_string_equal(got->cgroup, "/system.slice/svc.service");
	got = pgt_meta__process(pgt_reader__meta(r), 201);
	assert_non_null(got);
	assert_string_equal(got->comm, "plain");
	assert_string_equal(got->cgroup, "");
	pgt_reader__free(r);
	unlink(path);
	free(path);

	/* 1.0 bodies, straight into the tables */
	m = pgt_meta__new();
	assert_non_null(m);
	len10 = process_body(&b, &p);
	assert_int_equal(pgt_meta__add_raw(m, PGT_REC_PROCESS, b.data, len10), 0);
	got = pgt_meta__process(m, 200);
	assert_non_null(got);
	assert_string_equal(got->exe, "/usr/bin/x");
	assert_string_equal(got->cgroup, "");
	assert_int_equal(pgt_meta__add_raw(m, PGT_REC_PROCESS, b.data, b.len), 0);
	assert_string_equal(pgt_meta__process(m, 200)->cgroup, "/system.slice/svc.service");
	p.comm = "svc2";	/* an exec, written by 1.0 */
	len10 = process_body(&b, &p);
	assert_int_equal(pgt_meta__add_raw(m, PGT_REC_PROCESS, b.data, len10), 0);
	got = pgt_meta__process(m, 200);
	assert_string_equal(got->comm, "svc2");
	assert_string_equal(got->cgroup, "/system.slice/svc.service");
	/* a later minor's field after the cgroup is skipped */
	p.cgroup = "/other";
	process_body(&b, &p);
	assert_int_equal(pgt_buf__put_u64(&b, 0x1122334455667788ull), 0);
	assert_int_equal(pgt_meta__add_raw(m, PGT_REC_PROCESS, b.data, b.len), 0);
	assert_string_equal(pgt_meta__process(m, 200)->cgroup, "/other");
	/* after exe, bytes that are no whole string: corrupt, nothing changes */
	len10 = process_body(&b, &p);
	assert_int_equal(pgt_meta__add_raw(m, PGT_REC_PROCESS, b.data, len10 + 3), -PGT_ECORRUPT);
	assert_int_equal(pgt_meta__add_raw(m, PGT_REC_PROCESS, b.data, b.len - 1), -PGT_ECORRUPT);
	assert_string_equal(pgt_meta__process(m, 200)->cgroup, "/other");
	assert_int_equal(pgt_meta__nr_processes(m), 1);
	pgt_meta__free(m);
	pgt_buf__release(&b);
}

/* The writer copies a meta's log from where it stopped: a meta freed and
 * another made (glibc gives the new one the freed address) must be copied
 * from its start, not from the old one's position (the flight recorder's
 * assembly read a record length out of the middle of one and crashed). */
static void test_copy_meta_reused_address(void **state)
{
	struct fixture *f = *state;
	char *path = path_in(f, "reuse.pgt");
	struct pgt_writer_opts o = { .sz = sizeof(o) };
	struct pgt_process p;
	struct pgt_writer *w;
	struct pgt_reader *r;
	struct pgt_meta *m;
	struct pgt_event ev;
	int err = 0;

	w = pgt_writer__open(path, &o, &err);
	assert_non_null(w);
	m = pgt_meta__new();
	assert_non_null(m);
	for (uint32_t i = 0; i < 50; i++) {
		p = std_process(1000 + i, PGT_PROC_EXEC, "a-rather-long-command-name");
		assert_int_equal(pgt_meta__add_process(m, &p), 0);
	}
	assert_int_equal(pgt_writer__copy_meta(w, m), 0);
	pgt_meta__free(m);
	m = pgt_meta__new();	/* very likely at the same address */
	assert_non_null(m);
	p = std_process(7, PGT_PROC_EXEC, "x");
	assert_int_equal(pgt_meta__add_process(m, &p), 0);
	assert_int_equal(pgt_writer__copy_meta(w, m), 0);
	pgt_meta__free(m);
	assert_int_equal(pgt_writer__close(w), 0);
	r = pgt_reader__open(path, NULL, &err);
	assert_non_null(r);
	assert_int_equal(pgt_source__next(pgt_reader__source(r), &ev), 0);
	assert_int_equal(pgt_meta__nr_processes(pgt_reader__meta(r)), 51);
	assert_non_null(pgt_meta__process(pgt_reader__meta(r), 7));
	assert_string_equal(pgt_meta__process(pgt_reader__meta(r), 7)->comm, "x");
	pgt_reader__free(r);
	unlink(path);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_roundtrip),
		cmocka_unit_test(test_file_roundtrip_plain_noindex),
		cmocka_unit_test(test_pipe_roundtrip),
		cmocka_unit_test(test_pipe_seek_forward),
		cmocka_unit_test(test_seek_seq_index),
		cmocka_unit_test(test_seek_seq_scan),
		cmocka_unit_test(test_seek_loads_side_tables),
		cmocka_unit_test(test_seek_time_index),
		cmocka_unit_test(test_seek_time_scan),
		cmocka_unit_test(test_corrupt_packet),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_cut_at_boundary),
		cmocka_unit_test(test_unknown_record),
		cmocka_unit_test(test_continuity),
		cmocka_unit_test(test_meta_hash_cost),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_zero_events),
		cmocka_unit_test(test_process_cgroup),
		cmocka_unit_test(test_copy_meta_reused_address),
	};

	/* a reader that stops early must not kill a pipe writer's process */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
