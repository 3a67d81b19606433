// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * hindex.c - the (hash, position) index of hindex.h, moved out of the
 * recorder's name table (lib/record/names.c) so every hash structure of
 * the library lives in lib/util.  Grows at 3/4 full by doubling; deletion
 * shifts later slots back, so a probe never meets a hole.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/hindex.h"
#include "util/u64map.h"

uint64_t pgt_hash_bytes(const void *p, size_t len)
{
	const uint8_t *s = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	return u64map_hash(h);
}

uint64_t pgt_hash_key(uint64_t dev, uint64_t ino)
{
	return u64map_hash(ino ^ u64map_hash(dev + 0x9e3779b97f4a7c15ull));
}

static int reserve(struct pgt_hindex *m)
{
	struct pgt_hindex_slot *ns;
	size_t cap;

	if (m->slot && (m->n + 1) * 4 <= (m->mask + 1) * 3)
		return 0;
	cap = m->slot ? (m->mask + 1) * 2 : 64;
	ns = calloc(cap, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; m->slot && i <= m->mask; i++) {
		size_t j;

		if (!m->slot[i].v)
			continue;
		for (j = m->slot[i].h & (cap - 1); ns[j].v; j = (j + 1) & (cap - 1))
			;
		ns[j] = m->slot[i];
	}
	free(m->slot);
	m->slot = ns;
	m->mask = cap - 1;
	return 0;
}

int pgt_hindex__put(struct pgt_hindex *m, uint64_t h, uint32_t pos)
{
	size_t j;

	if (reserve(m))
		return -ENOMEM;
	for (j = h & m->mask; m->slot[j].v; j = (j + 1) & m->mask)
		;
	m->slot[j].h = h;
	m->slot[j].v = pos + 1;
	m->n++;
	return 0;
}

/* Position of the entry equal to @key, or -1. */
long pgt_hindex__find(const struct pgt_hindex *m, uint64_t h, pgt_hindex_eq_fn eq,
		      const void *ctx, const void *key)
{
	if (!m->slot)
		return -1;
	for (size_t j = h & m->mask; m->slot[j].v; j = (j + 1) & m->mask)
		if (m->slot[j].h == h && eq(ctx, m->slot[j].v - 1, key))
			return (long)(m->slot[j].v - 1);
	return -1;
}

/* Remove the slot of (@h, @pos), shifting later slots back so probes
 * never meet a hole (no tombstones). */
void pgt_hindex__del(struct pgt_hindex *m, uint64_t h, uint32_t pos)
{
	size_t i, j;

	if (!m->slot)
		return;
	for (i = h & m->mask; m->slot[i].v; i = (i + 1) & m->mask)
		if (m->slot[i].v == pos + 1)
			break;
	if (!m->slot[i].v)
		return;
	m->n--;
	for (j = i;;) {
		size_t k;

		m->slot[i].v = 0;
		for (;;) {
			j = (j + 1) & m->mask;
			if (!m->slot[j].v)
				return;
			k = m->slot[j].h & m->mask;
			/* slot j may fill hole i unless its home lies in (i, j] */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		m->slot[i] = m->slot[j];
		i = j;
	}
}

void pgt_hindex__clear(struct pgt_hindex *m)
{
	if (m->slot)
		memset(m->slot, 0, (m->mask + 1) * sizeof(*m->slot));
	m->n = 0;
}

void pgt_hindex__release(struct pgt_hindex *m)
{
	free(m->slot);
	m->slot = NULL;
	m->mask = m->n = 0;
}
