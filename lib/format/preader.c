// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A reader source that decodes packets on several threads.
 *
 * The consumer's thread reads packets undecoded (side records applied on
 * the way) into a ring of slots; worker threads and the consumer itself,
 * while it waits, claim the oldest read slot and decode it with their own
 * codec.  Slots are handed out in order, so events come out in order.
 * Side tables run ahead of the events by at most the ring's packets:
 * for consumers that read the tables at the end (stats, plots), not for
 * those that copy side records between events (split, cut).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "format/format.h"

#define RING 16

enum { S_FREE, S_READ, S_CLAIMED, S_DONE };

struct slot {
	int state;
	uint8_t *body;
	size_t len, cap;
	uint32_t count;
	struct pgt_event *ev;
	size_t cap_ev;
	ssize_t nev;		/* decoded events or an error */
};

struct preader {
	struct pgt_source src;
	struct pgt_reader *r;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct slot slots[RING];
	uint64_t head, tail;	/* slots head..tail-1 are in use, in order */
	int end, err, stop;	/* input ended; read error after tail */
	int nthreads;
	pthread_t *threads;
	struct pgt_codec_ctx *codec;	/* the consumer's */
	int last_taken;		/* the consumer holds slot head - 1 */
};

static void decode_slot(struct slot *s, struct pgt_codec_ctx *c)
{
	if (s->count > s->cap_ev) {
		struct pgt_event *e = realloc(s->ev, sizeof(*e) * s->count);

		if (!e) {
			s->nev = -ENOMEM;
			return;
		}
		s->ev = e;
		s->cap_ev = s->count;
	}
	s->nev = pgt_codec__decode(c, s->body, s->len, s->ev);
}

/* Claim the oldest read slot; lock held.  NULL when none. */
static struct slot *claim(struct preader *p)
{
	for (uint64_t i = p->head; i < p->tail; i++) {
		struct slot *s = &p->slots[i % RING];

		if (s->state == S_READ) {
			s->state = S_CLAIMED;
			return s;
		}
	}
	return NULL;
}

static void *worker(void *arg)
{
	struct preader *p = arg;
	struct pgt_codec_ctx *c = pgt_codec__new(0);

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		struct slot *s = c ? claim(p) : NULL;

		if (!s) {
			pthread_cond_wait(&p->cond, &p->lock);
			continue;
		}
		pthread_mutex_unlock(&p->lock);
		decode_slot(s, c);
		pthread_mutex_lock(&p->lock);
		s->state = S_DONE;
		pthread_cond_broadcast(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
	pgt_codec__free(c);
	return NULL;
}

/* Read packets into free slots (consumer thread only; the lock is not
 * held while reading, only to publish). */
static void fill(struct preader *p)
{
	while (!p->end && p->tail - p->head < RING) {
		struct slot *s = &p->slots[p->tail % RING];
		struct pgt_rawpkt pk;
		int got = pgt_reader__next_packet_raw(p->r, &pk);

		if (got <= 0) {
			p->end = 1;
			p->err = got;
			break;
		}
		if (pk.len > s->cap) {
			uint8_t *b = realloc(s->body, pk.len);

			if (!b) {
				p->end = 1;
				p->err = -ENOMEM;
				break;
			}
			s->body = b;
			s->cap = pk.len;
		}
		memcpy(s->body, pk.body, pk.len);
		s->len = pk.len;
		s->count = pk.count;
		pthread_mutex_lock(&p->lock);
		s->state = S_READ;
		p->tail++;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
}

static ssize_t preader_batch(struct pgt_source *src, const struct pgt_event **evs)
{
	struct preader *p = (struct preader *)src;
	struct slot *h;
	ssize_t n;

	for (;;) {
		if (p->last_taken) {	/* the slot given out last time is free again */
			pthread_mutex_lock(&p->lock);
			p->slots[(p->head - 1) % RING].state = S_FREE;
			pthread_mutex_unlock(&p->lock);
			p->last_taken = 0;
		}
		fill(p);
		pthread_mutex_lock(&p->lock);
		if (p->head == p->tail) {
			pthread_mutex_unlock(&p->lock);
			return p->err;
		}
		h = &p->slots[p->head % RING];
		while (h->state != S_DONE) {
			struct slot *s = claim(p);

			if (s) {	/* help rather than wait */
				pthread_mutex_unlock(&p->lock);
				decode_slot(s, p->codec);
				pthread_mutex_lock(&p->lock);
				s->state = S_DONE;
				pthread_cond_broadcast(&p->cond);
			} else {
				pthread_cond_wait(&p->cond, &p->lock);
			}
		}
		p->head++;
		pthread_mutex_unlock(&p->lock);
		p->last_taken = 1;
		n = h->nev;
		if (n < 0)
			return n;
		if (n == 0)
			continue;
		*evs = h->ev;
		return n;
	}
}

static void preader_free(struct pgt_source *src)
{
	struct preader *p = (struct preader *)src;

	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	for (int i = 0; i < RING; i++) {
		free(p->slots[i].body);
		free(p->slots[i].ev);
	}
	free(p->threads);
	pgt_codec__free(p->codec);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);	/* the reader is the caller's */
}

static const struct pgt_source_ops preader_ops = {
	.name = "parallel reader",
	.batch = preader_batch,
	.free = preader_free,
};

struct pgt_source *pgt_reader__parallel_source(struct pgt_reader *r, int threads, int *err)
{
	struct preader *p = calloc(1, sizeof(*p));
	struct pgt_source *base = pgt_reader__source(r);

	*err = -ENOMEM;
	if (!p)
		return NULL;
	p->codec = pgt_codec__new(0);
	p->threads = calloc(threads > 0 ? (size_t)threads : 1, sizeof(*p->threads));
	if (!p->codec || !p->threads) {
		pgt_codec__free(p->codec);
		free(p->threads);
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->src.ops = &preader_ops;
	p->src.meta = base->meta;
	p->src.header = base->header;
	p->r = r;
	for (int i = 0; i < threads; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p))
			break;
		p->nthreads++;
	}
	*err = 0;
	return &p->src;
}
