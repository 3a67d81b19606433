// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * merge: the events of several traces in one stream, ordered by time.
 *
 * A binary heap holds the inputs by the time of their next event (ties:
 * the earlier input first).  The input on top gives events for as long as
 * they come no later than the best of its two children, so traces that
 * take turns in long runs cost a comparison per event, not a heap update.
 *
 * Ids: each input's object ids are renumbered from 1 in order of first
 * sight (an object record or an event), so objects of different inputs
 * never share an id, whatever the inputs used.  Pids are moved into a pid
 * space per host (or per input): space N adds N << 22 to pid, tid, tgid
 * and ppid (0 stays 0, "kernel or unknown").  Linux never hands out a pid
 * of 1 << 22 or more (PID_MAX_LIMIT), so the original is pid & 0x3fffff.
 * Inputs of one host share a space: a pid there names the same process
 * (or the same pid reused later, as within one trace), and two recordings
 * of one machine should agree on it.  Processes of different hosts that
 * happen to share a pid stay apart.
 *
 * Side records of an input are translated (ids, pids, wall-clock shift;
 * host information keys prefixed "merge.input.N.") into the merge's own
 * tables when the batch they came with is pulled.  When that happens
 * while the output batch already holds events, the batch ends there, so
 * the records precede exactly the events read after them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pgtrace/ops.h"
#include "format/format.h"
#include "ops/u64map.h"

#define OUT_CAP PGT_PKT_DEFAULT_EVENTS
#define INFO_KEY_MAX 256

struct input {
	struct pgt_source *src;
	const struct pgt_event *evs;
	size_t n, i;
	int done;
	size_t log_pos;		/* of its meta log, translated so far */
	int64_t shift;		/* added to its times (wall clock) */
	uint32_t pid_base;
	struct u64map objs;	/* its object id -> ours */
	uint32_t lobj_in, lobj_out;
	uint64_t events;
};

struct merge {
	struct pgt_source src;	/* first */
	struct input *in;
	uint32_t n;
	uint32_t *heap, nheap;
	struct pgt_event *out;
	uint32_t next_obj;
	int time_mode, pids_mode;
	int started, ended;
	int err, failed;
	uint32_t *pending, npending;	/* inputs with records to translate */
	struct pgt_buf scratch;
};

static const char *const pids_names[] = { "host", "input", "keep" };

/* ---- translation of side records ---- */

static uint32_t map_obj(struct merge *m, struct input *in, uint32_t id, int *err)
{
	uint32_t v;

	if (!id)
		return 0;
	if (id == in->lobj_in)
		return in->lobj_out;
	v = u64map_get(&in->objs, id);
	if (v == U64MAP_NONE) {
		v = m->next_obj++;
		if (!v || v == U64MAP_NONE) {
			*err = -EOVERFLOW;
			return 0;
		}
		*err = u64map_put(&in->objs, id, v);
	}
	in->lobj_in = id;
	in->lobj_out = v;
	return v;
}

static void shift_ts(const struct input *in, uint8_t *p)
{
	uint64_t ts = pgt_get_le64(p);

	if (ts && in->shift)
		pgt_put_le64(p, ts + (uint64_t)in->shift);
}

static void move_pid(const struct input *in, uint8_t *p)
{
	uint32_t pid = pgt_get_le32(p);

	if (pid && in->pid_base)
		pgt_put_le32(p, pid + in->pid_base);
}

static int translate_info(struct merge *m, uint32_t i, const uint8_t *body, uint32_t len)
{
	struct pgt_cur c = { body, body + len, 0 };
	const char *k, *v;
	uint32_t lk, lv;
	char key[INFO_KEY_MAX + 1], *val;
	int n, err;

	k = pgt_cur__str(&c, &lk);
	v = pgt_cur__str(&c, &lv);
	if (c.bad)
		return -PGT_ECORRUPT;
	n = snprintf(key, sizeof(key), "merge.input.%u.%.*s", i, (int)lk, k);
	if (n < 0)
		return -EINVAL;
	val = malloc((size_t)lv + 1);
	if (!val)
		return -ENOMEM;
	memcpy(val, v, lv);
	val[lv] = 0;
	err = pgt_meta__add_info(m->src.meta, key, val);	/* a long key is cut */
	free(val);
	return err;
}

/* Translate the records input @i read so far into our tables. */
static int import(struct merge *m, uint32_t i)
{
	struct input *in = &m->in[i];
	const struct pgt_buf *log = pgt_meta__log(in->src->meta);
	int err = 0;

	while (!err && in->log_pos + 8 <= log->len) {
		const uint8_t *p = log->data + in->log_pos;
		uint32_t type = pgt_get_le32(p), len = pgt_get_le32(p + 4);
		uint8_t *b;

		in->log_pos += 8 + (size_t)len;
		if (type == PGT_REC_INFO) {
			err = translate_info(m, i, p + 8, len);
			continue;
		}
		m->scratch.len = 0;
		if (pgt_buf__append(&m->scratch, p + 8, len))
			return -ENOMEM;
		b = m->scratch.data;
		switch (type) {
		case PGT_REC_OBJECT:
			if (len >= 16) {
				pgt_put_le32(b, map_obj(m, in, pgt_get_le32(b), &err));
				shift_ts(in, b + 8);
			}
			break;
		case PGT_REC_PROCESS:
			if (len >= 20) {
				shift_ts(in, b);
				move_pid(in, b + 8);
				move_pid(in, b + 12);
				move_pid(in, b + 16);
			}
			break;
		case PGT_REC_LOST:
		case PGT_REC_LEVEL:
			if (len >= 8)
				shift_ts(in, b);
			break;
		default:
			break;	/* formats and unknown records as they are */
		}
		if (!err)
			err = pgt_meta__add_raw(m->src.meta, type, b, len);
	}
	return err;
}

static int log_grew(const struct input *in)
{
	return pgt_meta__log(in->src->meta)->len > in->log_pos;
}

/* ---- the heap of inputs by next event time ---- */

static inline uint64_t head_ts(const struct merge *m, uint32_t i)
{
	const struct input *in = &m->in[i];

	return in->evs[in->i].ts + (uint64_t)in->shift;
}

static inline int before(const struct merge *m, uint32_t a, uint32_t b)
{
	uint64_t ta = head_ts(m, a), tb = head_ts(m, b);

	return ta < tb || (ta == tb && a < b);
}

static void sift_down(struct merge *m, uint32_t pos)
{
	for (;;) {
		uint32_t l = 2 * pos + 1, r = l + 1, best = pos, tmp;

		if (l < m->nheap && before(m, m->heap[l], m->heap[best]))
			best = l;
		if (r < m->nheap && before(m, m->heap[r], m->heap[best]))
			best = r;
		if (best == pos)
			return;
		tmp = m->heap[pos];
		m->heap[pos] = m->heap[best];
		m->heap[best] = tmp;
		pos = best;
	}
}

static void sift_up(struct merge *m, uint32_t pos)
{
	while (pos) {
		uint32_t parent = (pos - 1) / 2, tmp;

		if (!before(m, m->heap[pos], m->heap[parent]))
			return;
		tmp = m->heap[pos];
		m->heap[pos] = m->heap[parent];
		m->heap[parent] = tmp;
		pos = parent;
	}
}

static void heap_pop(struct merge *m)
{
	m->heap[0] = m->heap[--m->nheap];
	sift_down(m, 0);
}

/* Next batch of input @i.  Return 1 with events, 0 at its end, or an
 * error (remembered with the input). */
static int refill(struct merge *m, uint32_t i)
{
	struct input *in = &m->in[i];
	ssize_t n = pgt_source__batch(in->src, &in->evs);

	in->i = 0;
	in->n = n > 0 ? (size_t)n : 0;
	if (n < 0) {
		m->err = (int)n;
		m->failed = (int)i;
		return (int)n;
	}
	if (!n)
		in->done = 1;
	return n > 0;
}

static int add_end_info(struct merge *m)
{
	char key[64], val[32];
	int err = 0;

	for (uint32_t i = 0; !err && i < m->n; i++) {
		snprintf(key, sizeof(key), "merge.input.%u.events", i);
		snprintf(val, sizeof(val), "%llu", (unsigned long long)m->in[i].events);
		err = pgt_meta__add_info(m->src.meta, key, val);
	}
	return err;
}

static int start(struct merge *m)
{
	int err;

	m->started = 1;
	for (uint32_t i = 0; i < m->n; i++) {
		if (refill(m, i) < 0)
			return m->err;
		err = import(m, i);
		if (err)
			return m->err = err;
		if (!m->in[i].done) {
			m->heap[m->nheap++] = i;
			sift_up(m, m->nheap - 1);
		}
	}
	return 0;
}

static ssize_t merge_batch(struct pgt_source *src, const struct pgt_event **evs)
{
	struct merge *m = (struct merge *)src;
	uint32_t k = 0;
	int err = 0;

	if (m->err)
		return m->err;
	if (!m->started && (err = start(m)))
		return err;
	for (uint32_t j = 0; j < m->npending; j++) {
		err = import(m, m->pending[j]);
		if (err)
			return m->err = err;
	}
	m->npending = 0;
	while (k < OUT_CAP && m->nheap) {
		uint32_t a = m->heap[0], lim = UINT32_MAX, before_k = k;
		struct input *in = &m->in[a];
		uint64_t lim_ts = UINT64_MAX, shift = (uint64_t)in->shift;
		size_t i = in->i;

		if (m->nheap > 1) {
			lim = m->heap[1];
			if (m->nheap > 2 && before(m, m->heap[2], lim))
				lim = m->heap[2];
			lim_ts = head_ts(m, lim);
		}
		/* the run: events no later than the next input's head */
		while (i < in->n && k < OUT_CAP) {
			const struct pgt_event *e = &in->evs[i];
			struct pgt_event *o = &m->out[k];
			uint64_t ts = e->ts + shift;

			if (ts > lim_ts || (ts == lim_ts && a > lim))
				break;
			*o = *e;
			o->ts = ts;
			if (o->obj) {
				o->obj = map_obj(m, in, e->obj, &err);
				if (PGT_UNLIKELY(err))
					return m->err = err;
			}
			if (in->pid_base) {
				if (o->pid)
					o->pid += in->pid_base;
				if (o->tid)
					o->tid += in->pid_base;
			}
			k++;
			i++;
		}
		in->i = i;
		in->events += k - before_k;
		if (in->i < in->n) {
			sift_down(m, 0);
			continue;
		}
		if (refill(m, a) < 0)
			break;	/* the events so far first, the error next time */
		if (in->done)
			heap_pop(m);
		else
			sift_down(m, 0);
		if (log_grew(in)) {
			if (k) {
				/* its records must not go before the events held */
				m->pending[m->npending++] = a;
				break;
			}
			err = import(m, a);
			if (err)
				return m->err = err;
		}
	}
	if (!m->nheap && !m->ended && !m->err) {
		m->ended = 1;
		err = add_end_info(m);
		if (err)
			m->err = err;
	}
	if (!k && m->err)
		return m->err;
	*evs = m->out;
	return k;
}

static void merge_free(struct pgt_source *src)
{
	struct merge *m = (struct merge *)src;

	for (uint32_t i = 0; m->in && i < m->n; i++) {
		pgt_source__free(m->in[i].src);
		u64map_release(&m->in[i].objs);
	}
	free(m->in);
	free(m->heap);
	free(m->pending);
	free(m->out);
	pgt_buf__release(&m->scratch);
	pgt_meta__free(m->src.meta);
	free(m);
}

static const struct pgt_source_ops merge_ops = {
	.name = "merge",
	.batch = merge_batch,
	.free = merge_free,
};

/* ---- set-up ---- */

static int same_host(const struct pgt_header *a, const struct pgt_header *b)
{
	return !strcmp(a->host, b->host);
}

/* The merged header: the first input's, with what the inputs share. */
static void merged_header(struct merge *m, struct pgt_header *h, uint32_t nhosts)
{
	const struct pgt_header *h0 = &m->in[0].src->header;
	int same_kernel = 1, same_clock = 1, same_wall = 1;
	uint64_t start = UINT64_MAX;
	size_t len = 0;

	*h = *h0;
	for (uint32_t i = 1; i < m->n; i++) {
		const struct pgt_header *hi = &m->in[i].src->header;

		same_kernel &= !strcmp(hi->kernel, h0->kernel);
		same_clock &= hi->clock == h0->clock;
		same_wall &= hi->wall_offset == h0->wall_offset;
	}
	for (uint32_t i = 0; i < m->n; i++) {
		const struct pgt_header *hi = &m->in[i].src->header;
		uint64_t s = hi->start_ts + (uint64_t)m->in[i].shift;

		if (s < start)
			start = s;
	}
	h->start_ts = start;
	if (nhosts > 1) {
		/* the hosts, in order, if they fit; their count if not */
		h->host[0] = 0;
		for (uint32_t i = 0; i < m->n && len < sizeof(h->host); i++) {
			const char *name = m->in[i].src->header.host;
			int seen = 0;

			for (uint32_t j = 0; j < i; j++)
				seen |= same_host(&m->in[j].src->header, &m->in[i].src->header);
			if (!seen)
				len += (size_t)snprintf(h->host + len, sizeof(h->host) - len, "%s%s",
							len ? "," : "", name);
		}
		if (len >= sizeof(h->host) - 1)
			snprintf(h->host, sizeof(h->host), "(%u hosts)", nhosts);
	}
	if (!same_kernel)
		snprintf(h->kernel, sizeof(h->kernel), "(several)");
	if (m->time_mode == PGT_MERGE_TIME_WALL) {
		h->clock = PGT_CLOCK_REALTIME;
		h->wall_offset = 0;
	} else {
		if (!same_clock)
			h->clock = PGT_CLOCK_TRACE_LOCAL;
		if (!same_wall)
			h->wall_offset = 0;
	}
}

static int add_start_info(struct merge *m, const char *const *names)
{
	char key[64], val[64];
	int err;

	snprintf(val, sizeof(val), "%u", m->n);
	err = pgt_meta__add_info(m->src.meta, "merge.inputs", val);
	if (!err)
		err = pgt_meta__add_info(m->src.meta, "merge.pids", pids_names[m->pids_mode]);
	if (!err)
		err = pgt_meta__add_info(m->src.meta, "merge.time",
					 m->time_mode == PGT_MERGE_TIME_WALL ? "wall" : "raw");
	for (uint32_t i = 0; !err && i < m->n; i++) {
		const struct pgt_header *h = &m->in[i].src->header;

		snprintf(key, sizeof(key), "merge.input.%u.name", i);
		snprintf(val, sizeof(val), "input %u", i);
		err = pgt_meta__add_info(m->src.meta, key, names && names[i] ? names[i] : val);
		snprintf(key, sizeof(key), "merge.input.%u.host", i);
		if (!err)
			err = pgt_meta__add_info(m->src.meta, key, h->host);
		snprintf(key, sizeof(key), "merge.input.%u.kernel", i);
		if (!err)
			err = pgt_meta__add_info(m->src.meta, key, h->kernel);
		snprintf(key, sizeof(key), "merge.input.%u.clock", i);
		if (!err)
			err = pgt_meta__add_info(m->src.meta, key, pgt_clock_name(h->clock));
		snprintf(key, sizeof(key), "merge.input.%u.pid_base", i);
		snprintf(val, sizeof(val), "%u", m->in[i].pid_base);
		if (!err)
			err = pgt_meta__add_info(m->src.meta, key, val);
	}
	return err;
}

struct pgt_source *pgt_merge__new(struct pgt_source **in, uint32_t n, const struct pgt_merge_opts *o,
				  int *err)
{
	struct merge *m = NULL;
	uint32_t nhosts = 0;
	int e = -ENOMEM, same = 1, all_wall = 1;

	if (!n || !o || o->pids < PGT_MERGE_PIDS_HOST || o->pids > PGT_MERGE_PIDS_KEEP ||
	    o->time < PGT_MERGE_TIME_AUTO || o->time > PGT_MERGE_TIME_WALL) {
		e = -EINVAL;
		goto fail;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		goto fail;
	m->src.ops = &merge_ops;
	m->n = n;
	m->failed = -1;
	m->next_obj = 1;
	m->pids_mode = o->pids;
	m->in = calloc(n, sizeof(*m->in));
	if (!m->in)
		goto fail;
	for (uint32_t i = 0; i < n; i++) {
		m->in[i].src = in[i];
		in[i] = NULL;
	}
	m->heap = calloc(n, sizeof(*m->heap));
	m->pending = calloc(n, sizeof(*m->pending));
	m->out = malloc(sizeof(*m->out) * OUT_CAP);
	m->src.meta = pgt_meta__new();
	if (!m->heap || !m->pending || !m->out || !m->src.meta)
		goto fail;
	for (uint32_t i = 0; i < n; i++) {
		const struct pgt_header *hi = &m->in[i].src->header, *h0 = &m->in[0].src->header;
		uint32_t space = UINT32_MAX;

		if (hi->page_size != h0->page_size) {
			pgt_diag(PGT_DIAG_ERROR, "input %u has pages of %u bytes, input 0 of %u: "
				 "cannot merge", i, hi->page_size, h0->page_size);
			e = -EINVAL;
			goto fail;
		}
		same &= same_host(hi, h0) && hi->clock == h0->clock;
		all_wall &= hi->wall_offset != 0;
		/* hosts are numbered in order of first appearance */
		for (uint32_t j = 0; j < i && space == UINT32_MAX; j++)
			if (same_host(&m->in[j].src->header, hi))
				space = m->in[j].pid_base;	/* its host number, for now */
		if (space == UINT32_MAX)
			space = nhosts++;
		m->in[i].pid_base = space;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t space = m->in[i].pid_base;

		if (o->pids == PGT_MERGE_PIDS_INPUT)
			space = i;
		else if (o->pids == PGT_MERGE_PIDS_KEEP)
			space = 0;
		if (space >= PGT_MERGE_MAX_SPACES) {
			pgt_diag(PGT_DIAG_ERROR, "more than %u pid spaces: cannot keep the processes apart",
				 PGT_MERGE_MAX_SPACES);
			e = -EINVAL;
			goto fail;
		}
		m->in[i].pid_base = space << PGT_MERGE_PID_SHIFT;
	}
	m->time_mode = o->time;
	if (o->time == PGT_MERGE_TIME_AUTO)
		m->time_mode = same || !all_wall ? PGT_MERGE_TIME_RAW : PGT_MERGE_TIME_WALL;
	if (o->time == PGT_MERGE_TIME_AUTO && !same && !all_wall)
		pgt_diag(PGT_DIAG_WARN, "the inputs come from different hosts or clocks and not all "
			 "know their wall-clock offset: ordered by their own timestamps");
	if (m->time_mode == PGT_MERGE_TIME_WALL) {
		for (uint32_t i = 0; i < n; i++) {
			if (!m->in[i].src->header.wall_offset) {
				pgt_diag(PGT_DIAG_ERROR, "input %u does not know its wall-clock offset", i);
				e = -EINVAL;
				goto fail;
			}
			m->in[i].shift = m->in[i].src->header.wall_offset;
		}
	}
	merged_header(m, &m->src.header, nhosts);
	e = add_start_info(m, o->names);
	if (e)
		goto fail;
	return &m->src;
fail:
	*err = e;
	for (uint32_t i = 0; i < n; i++)
		pgt_source__free(in[i]);	/* those not taken yet */
	if (m)
		merge_free(&m->src);
	return NULL;
}

int pgt_merge__failed_input(struct pgt_source *src)
{
	return ((struct merge *)src)->failed;
}

int pgt_merge__time_mode(struct pgt_source *src)
{
	return ((struct merge *)src)->time_mode;
}
