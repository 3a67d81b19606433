// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * prefetch: run a source in a thread of its own, one batch ahead.
 *
 * Decoding packets is a good part of what split and merge cost; with a
 * second core it can overlap the rest.  The producer thread owns the
 * inner source and its side tables outright.  With each batch it hands
 * over a copy of the events and of the side records that arrived before
 * them (the new bytes of the inner meta log); the consumer replays those
 * records into the prefetch source's own meta, so neither thread ever
 * reads what the other writes.  Two slots: the producer fills one while
 * the consumer works on the other.
 */
#include <pthread.h>
#include <stdlib.h>

#include "pgtrace/ops.h"
#include "format/format.h"

struct slot {
	struct pgt_event *evs;
	size_t n, cap;
	struct pgt_buf log;	/* meta log bytes that came before the events */
	ssize_t rc;		/* events, 0 at the end, or an error */
	int full;
};

struct prefetch {
	struct pgt_source src;	/* first */
	struct pgt_source *in;
	pthread_t th;
	int threaded;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot slots[2];
	unsigned head, tail;	/* consumer's next slot, producer's next slot */
	int held;		/* the consumer still uses slot head ^ 1 */
	int stop;
	int done;		/* consumer: the last slot was taken */
	ssize_t last_rc;
	size_t log_pos;		/* producer: inner meta log copied so far */
};

/* Fill @sl with the next batch of the inner source (producer side). */
static void produce(struct prefetch *p, struct slot *sl)
{
	const struct pgt_event *evs;
	const struct pgt_buf *log;
	ssize_t n = pgt_source__batch(p->in, &evs);

	if (n > 0 && (size_t)n > sl->cap) {
		struct pgt_event *e = realloc(sl->evs, sizeof(*e) * (size_t)n);

		if (!e)
			n = -ENOMEM;
		else {
			sl->evs = e;
			sl->cap = (size_t)n;
		}
	}
	if (n > 0)
		memcpy(sl->evs, evs, sizeof(*evs) * (size_t)n);
	sl->n = n > 0 ? (size_t)n : 0;
	log = pgt_meta__log(p->in->meta);
	sl->log.len = 0;
	if (log->len > p->log_pos) {
		if (pgt_buf__append(&sl->log, log->data + p->log_pos, log->len - p->log_pos))
			n = -ENOMEM;
		else
			p->log_pos = log->len;
	}
	sl->rc = n;
}

static void *producer(void *arg)
{
	struct prefetch *p = arg;

	for (;;) {
		struct slot *sl;

		pthread_mutex_lock(&p->mu);
		while (p->slots[p->tail].full && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		sl = &p->slots[p->tail];
		pthread_mutex_unlock(&p->mu);
		produce(p, sl);
		pthread_mutex_lock(&p->mu);
		sl->full = 1;
		p->tail ^= 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (sl->rc <= 0)
			break;
	}
	return NULL;
}

static void release_held(struct prefetch *p)
{
	if (!p->held)
		return;
	p->held = 0;
	if (!p->threaded) {
		p->slots[p->head ^ 1].full = 0;
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->slots[p->head ^ 1].full = 0;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static ssize_t prefetch_batch(struct pgt_source *src, const struct pgt_event **evs)
{
	struct prefetch *p = (struct prefetch *)src;
	struct slot *sl;
	size_t pos = 0;

	release_held(p);
	if (p->done)
		return p->last_rc;
	sl = &p->slots[p->head];
	if (p->threaded) {
		pthread_mutex_lock(&p->mu);
		while (!sl->full)
			pthread_cond_wait(&p->cv, &p->mu);
		pthread_mutex_unlock(&p->mu);
	} else {
		produce(p, sl);
		sl->full = 1;
	}
	p->head ^= 1;
	p->held = 1;
	/* the records first: they describe the events */
	while (pos + 8 <= sl->log.len) {
		uint32_t type = pgt_get_le32(sl->log.data + pos), len = pgt_get_le32(sl->log.data + pos + 4);
		int err = pgt_meta__add_raw(p->src.meta, type, sl->log.data + pos + 8, len);

		if (err && sl->rc >= 0)
			sl->rc = err;
		pos += 8 + (size_t)len;
	}
	if (sl->rc <= 0) {
		p->done = 1;
		p->last_rc = sl->rc;
		return sl->rc;
	}
	*evs = sl->evs;
	return (ssize_t)sl->n;
}

static void prefetch_free(struct pgt_source *src)
{
	struct prefetch *p = (struct prefetch *)src;

	if (p->threaded) {
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->th, NULL);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	for (int i = 0; i < 2; i++) {
		free(p->slots[i].evs);
		pgt_buf__release(&p->slots[i].log);
	}
	pgt_source__free(p->in);
	pgt_meta__free(p->src.meta);
	free(p);
}

static const struct pgt_source_ops prefetch_ops = {
	.name = "prefetch",
	.batch = prefetch_batch,
	.free = prefetch_free,
};

struct pgt_source *pgt_prefetch__new(struct pgt_source *in, int *err)
{
	struct prefetch *p = calloc(1, sizeof(*p));

	if (!p || !(p->src.meta = pgt_meta__new())) {
		free(p);
		pgt_source__free(in);
		*err = -ENOMEM;
		return NULL;
	}
	p->src.ops = &prefetch_ops;
	p->src.header = in->header;
	p->in = in;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	/* Without a thread it still works, one batch at a time. */
	p->threaded = pthread_create(&p->th, NULL, producer, p) == 0;
	return &p->src;
}
