// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cpu-reader.c - one thread per CPU: raw sub-buffers of the instance's
 * ring read with kbuffer and decoded by field offsets into struct rev,
 * queued for the merge (record.c).  Nothing here touches the objects or
 * processes: those are resolved by the main thread (resolve.c).  See
 * record.c's head comment for the watermark that lets the merge write in
 * time order.
 */
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <tracefs.h>
#include <kbuffer.h>

#include "format/format.h"
#include "kernel/kernel.h"
#include "pgtrace/snap.h"
#include "names.h"
#include "record-int.h"

/* ---- decoding (reader threads) ---- */

static inline uint64_t rd(const uint8_t *data, int off, int size)
{
	uint64_t v = 0;

	if (off < 0)
		return 0;
	switch (size) {
	case 1: v = data[off]; break;
	case 2: v = pgt_get_le16(data + off); break;
	case 4: v = pgt_get_le32(data + off); break;
	default: v = pgt_get_le64(data + off); break;
	}
	return v;
}

static char *rd_str(const uint8_t *data, int len, const struct desc *d, int f)
{
	if (d->off[f] < 0)
		return NULL;
	if (d->size[f] == 4) {	/* __data_loc: u16 offset, u16 length */
		uint32_t loc = pgt_get_le32(data + d->off[f]);
		uint32_t o = loc & 0xffff, l = loc >> 16;

		if (o + l > (uint32_t)len)
			return NULL;
		return strndup((const char *)data + o, l);
	}
	return strndup((const char *)data + d->off[f], d->size[f]);
}

int pgt_rec_vec_push(struct revvec *v, const struct rev *e)
{
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 4096;
		struct rev *nv = realloc(v->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = ncap;
	}
	v->v[v->n++] = *e;
	return 0;
}

/*
 * With -u or -G a process must be judged while it still exists, and
 * short-lived ones are gone by the time the merge sees their events: the
 * reader judges them at their fork or exec, as soon as it reads it.
 */
static uint8_t judge_now(struct rec *r, uint32_t pid, uint32_t *tgid)
{
	struct pgt_process p;

	if (!r->names || pgt_names__proc(r->names, (pid_t)pid, 0, &p))
		return 0;
	*tgid = p.tgid;
	return pgt_rec_passes_filters(r, &p) ? 1 : 2;
}

static int decode_subbuf(struct reader *k, struct revvec *out)
{
	struct rec *r = k->r;
	unsigned long long ts;
	void *data;

	if (kbuffer_load_subbuffer(k->kb, k->page) < 0)
		return -PGT_ECORRUPT;
	/* the sub-buffer header tells of events overwritten before it */
	if (kbuffer_missed_events(k->kb) > 0)
		atomic_fetch_add(&k->missed, (uint64_t)kbuffer_missed_events(k->kb));
	for (data = kbuffer_read_event(k->kb, &ts); data; data = kbuffer_next_event(k->kb, &ts)) {
		const uint8_t *p = data;
		int len = kbuffer_event_size(k->kb);
		unsigned id = pgt_get_le16(p);
		const struct desc *d;
		struct rev e;

		if (id >= MAX_ID || !r->by_id[id])
			continue;
		d = &pgt_rec_descs[r->by_id[id] - 1];
		memset(&e, 0, sizeof(e));
		e.kind = d->kind;
		e.ev.ts = ts;
		if (ts > k->read_ts)
			k->read_ts = ts;
		e.ev.cpu = (uint32_t)k->cpu;
		e.ev.tid = (uint32_t)pgt_get_le32(p + 4);
		e.ev.type = d->type;
		e.ev.pfn = PGT_PFN_NONE;
		e.ev.npages = 1;
		e.ev.flags = (uint16_t)(d->level << PGT_F_LEVEL_SHIFT);
		switch (d->kind) {
		case K_FILE:
			e.ino = rd(p, d->off[F_INO], d->size[F_INO]);
			e.kdev = (uint32_t)rd(p, d->off[F_DEV], d->size[F_DEV]);
			e.ev.index = rd(p, d->off[F_INDEX], d->size[F_INDEX]);
			if (d->off[F_LAST] >= 0) {
				uint64_t last = rd(p, d->off[F_LAST], d->size[F_LAST]);

				e.ev.npages = last >= e.ev.index ? (uint32_t)(last - e.ev.index + 1) : 1;
			}
			if (d->off[F_PFN] >= 0)
				e.ev.pfn = rd(p, d->off[F_PFN], d->size[F_PFN]);
			if (d->off[F_ORDER] >= 0)
				e.ev.npages = 1u << (rd(p, d->off[F_ORDER], d->size[F_ORDER]) & 31);
			break;
		case K_PHYS:
			e.ev.pfn = rd(p, d->off[F_PFN], d->size[F_PFN]);
			e.ev.index = e.ev.pfn;
			/* aux: lru list in the low byte, folio flags above */
			e.ev.aux = rd(p, d->off[F_LRU], d->size[F_LRU]) |
				   rd(p, d->off[F_FLAGS], d->size[F_FLAGS]) << 8;
			break;
		case K_UFAULT: {
			uint64_t err = rd(p, d->off[F_ERR], d->size[F_ERR]);

			e.ev.index = rd(p, d->off[F_ADDR], d->size[F_ADDR]) / 4096;
			e.ev.aux = rd(p, d->off[F_IP], d->size[F_IP]);
			if (err & 2)
				e.ev.flags |= PGT_F_WRITE;
			break;
		}
		case K_DAMON: {
			uint64_t s = rd(p, d->off[F_START], d->size[F_START]);
			uint64_t end = rd(p, d->off[F_END], d->size[F_END]);

			e.ev.index = s / 4096;
			e.ev.pfn = s / 4096;
			e.ev.npages = end > s ? (uint32_t)((end - s) / 4096) : 0;
			/* aux: nr_accesses, age in the upper half */
			e.ev.aux = rd(p, d->off[F_NR_ACC], d->size[F_NR_ACC]) |
				   rd(p, d->off[F_AGE], d->size[F_AGE]) << 32;
			break;
		}
		case K_FORK:
			e.a = (uint32_t)rd(p, d->off[F_PPID], d->size[F_PPID]);
			e.b = (uint32_t)rd(p, d->off[F_CPID], d->size[F_CPID]);
			e.str = rd_str(p, len, d, F_CCOMM);
			if (r->judge)
				e.verdict = judge_now(r, e.b, &e.tgid);
			break;
		case K_EXEC:
			e.a = (uint32_t)rd(p, d->off[F_PID], d->size[F_PID]);
			e.str = rd_str(p, len, d, F_FNAME);
			if (r->judge)
				e.verdict = judge_now(r, e.a, &e.tgid);
			break;
		case K_EXIT:
			e.a = (uint32_t)rd(p, d->off[F_PID], d->size[F_PID]);
			e.b = d->off[F_GROUP_DEAD] >= 0 ? (uint32_t)rd(p, d->off[F_GROUP_DEAD], 1) : 1;
			break;
		case K_NEWTASK:
			e.a = (uint32_t)rd(p, d->off[F_PID], d->size[F_PID]);
			e.ev.aux = rd(p, d->off[F_CLONE_FLAGS], d->size[F_CLONE_FLAGS]);
			break;
		}
		if (pgt_rec_vec_push(out, &e)) {
			free(e.str);
			return -ENOMEM;
		}
	}
	return 0;
}

void *pgt_rec_reader_main(void *arg)
{
	struct reader *k = arg;
	struct revvec local = { 0 };
	int finishing = 0;

	/* Not pinned: on a small machine the reader of a busy CPU is better
	 * off on an idle one than competing with the workload. */
	for (;;) {
		struct pollfd pfd = { .fd = k->fd, .events = POLLIN };
		uint64_t t0;
		int stop = atomic_load(&k->r->readers_stop), drained = 1;
		size_t waiting;

		pthread_mutex_lock(&k->lock);
		waiting = k->q.n + atomic_load(&k->mine_left);
		pthread_mutex_unlock(&k->lock);
		if (!stop && waiting >= READER_MAX_BACKLOG) {
			struct timespec ts = { 0, 10000000 };

			nanosleep(&ts, NULL);
			continue;
		}
		if (!finishing && !stop)
			poll(&pfd, 1, 50);
		if (stop)
			finishing = 1;
		t0 = now_ns();
		for (;;) {
			ssize_t n;

			if (!finishing && local.n + waiting >= READER_MAX_BACKLOG) {
				drained = 0;
				break;
			}
			n = read(k->fd, k->page, k->r->subbuf);

			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				break;	/* EAGAIN: drained */
			}
			k->subbufs++;
			if (decode_subbuf(k, &local)) {
				k->err = -ENOMEM;
				break;
			}
		}
		pthread_mutex_lock(&k->lock);
		if (!k->q.n) {
			struct revvec t = k->q;	/* hand the vector over, no copy */

			k->q = local;
			local = t;
		} else {
			for (size_t i = 0; i < local.n; i++)
				if (pgt_rec_vec_push(&k->q, &local.v[i])) {
					k->err = -ENOMEM;
					break;
				}
		}
		local.n = 0;
		/* What this CPU can still deliver is newer than the watermark.
		 * Drained: than the round's start.  Stopped by the backlog:
		 * than the newest event read, since a CPU's ring is in time
		 * order; without this, the merge would wait for a reader that
		 * waits for the merge, until the recording ends. */
		if (finishing)
			atomic_store(&k->watermark, UINT64_MAX);
		else if (drained)
			atomic_store(&k->watermark, t0);
		else if (k->read_ts > atomic_load(&k->watermark))
			atomic_store(&k->watermark, k->read_ts);
		pthread_mutex_unlock(&k->lock);
		if (finishing)
			break;
	}
	free(local.v);
	atomic_store(&k->done, 1);
	return NULL;
}
