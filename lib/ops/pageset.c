// SPDX-License-Identifier: LGPL-2.1-or-later
/* A bounded LRU list of pages. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pageset.h"

static inline uint64_t key_hash(uint32_t obj, uint64_t index)
{
	uint64_t h = index * 0x9E3779B97F4A7C15ull ^ ((uint64_t)obj * 0xC2B2AE3D27D4EB4Full);

	return h ^ (h >> 29);
}

int pgt_pageset__init(struct pageset *s, uint32_t cap)
{
	uint64_t hs = 16;

	memset(s, 0, sizeof(*s));
	if (!cap)
		return -EINVAL;
	while (hs < (uint64_t)cap * 2)
		hs *= 2;
	s->nodes = calloc(cap, sizeof(*s->nodes));
	s->hash = calloc(hs, sizeof(*s->hash));
	if (!s->nodes || !s->hash) {
		pgt_pageset__release(s);
		return -ENOMEM;
	}
	s->hmask = hs - 1;
	s->cap = cap;
	s->head = s->tail = PS_NONE;
	/* free list through .next */
	for (uint32_t i = 0; i < cap; i++)
		s->nodes[i].next = i + 1 < cap ? i + 1 : PS_NONE;
	s->free_head = 0;
	return 0;
}

void pgt_pageset__release(struct pageset *s)
{
	free(s->nodes);
	free(s->hash);
	memset(s, 0, sizeof(*s));
}

static uint64_t slot_of(const struct pageset *s, uint32_t obj, uint64_t index)
{
	uint64_t h = key_hash(obj, index) & s->hmask;

	for (;; h = (h + 1) & s->hmask) {
		uint32_t v = s->hash[h];

		if (!v || (s->nodes[v - 1].obj == obj && s->nodes[v - 1].index == index))
			return h;
	}
}

uint32_t pgt_pageset__find(const struct pageset *s, uint32_t obj, uint64_t index)
{
	uint32_t v = s->hash[slot_of(s, obj, index)];

	return v ? v - 1 : PS_NONE;
}

/* Remove the hash entry of node @n (backward-shift deletion). */
static void hash_del(struct pageset *s, uint32_t n)
{
	uint64_t i = slot_of(s, s->nodes[n].obj, s->nodes[n].index), j = i;

	s->hash[i] = 0;
	for (;;) {
		uint64_t k;

		j = (j + 1) & s->hmask;
		if (!s->hash[j])
			break;
		k = key_hash(s->nodes[s->hash[j] - 1].obj, s->nodes[s->hash[j] - 1].index) & s->hmask;
		/* move j back to i when its home is not in (i, j] */
		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			s->hash[i] = s->hash[j];
			s->hash[j] = 0;
			i = j;
		}
	}
}

static void unlink_r(struct pageset *s, uint32_t n)
{
	struct ps_node *x = &s->nodes[n];

	if (x->prev != PS_NONE)
		s->nodes[x->prev].next = x->next;
	else
		s->head = x->next;
	if (x->next != PS_NONE)
		s->nodes[x->next].prev = x->prev;
	else
		s->tail = x->prev;
}

static void push_front(struct pageset *s, uint32_t n)
{
	struct ps_node *x = &s->nodes[n];

	x->prev = PS_NONE;
	x->next = s->head;
	if (s->head != PS_NONE)
		s->nodes[s->head].prev = n;
	s->head = n;
	if (s->tail == PS_NONE)
		s->tail = n;
}

static uint32_t insert_new(struct pageset *s, uint32_t obj, uint64_t index)
{
	uint32_t n;

	if (s->n == s->cap) {
		n = s->tail;	/* the least recent goes */
		unlink_r(s, n);
		hash_del(s, n);
		s->n--;
	} else {
		n = s->free_head;
		s->free_head = s->nodes[n].next;
	}
	memset(&s->nodes[n], 0, sizeof(s->nodes[n]));
	s->nodes[n].obj = obj;
	s->nodes[n].index = index;
	s->hash[slot_of(s, obj, index)] = n + 1;
	push_front(s, n);
	s->n++;
	return n;
}

uint32_t pgt_pageset__access(struct pageset *s, uint32_t obj, uint64_t index, int *hit)
{
	uint32_t n = pgt_pageset__find(s, obj, index);

	*hit = n != PS_NONE;
	if (n != PS_NONE) {
		unlink_r(s, n);
		push_front(s, n);
		return n;
	}
	return insert_new(s, obj, index);
}

uint32_t pgt_pageset__admit(struct pageset *s, uint32_t obj, uint64_t index)
{
	return insert_new(s, obj, index);
}
