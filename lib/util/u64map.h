/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * u64map.h - a small open-addressing hash map from 64-bit keys to 32-bit
 * values, for the operators and analyses that track ids and keys (split,
 * merge, stats, phase, heat).
 * Linear probing with backward-shift deletion, so lookups stay short
 * after many deletions.  U64MAP_NONE is not a storable value: it marks
 * an empty slot and is what a lookup of an absent key returns.
 */
#ifndef PGT_UTIL_U64MAP_H
#define PGT_UTIL_U64MAP_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#define U64MAP_NONE UINT32_MAX

struct u64map {
	uint64_t *keys;
	uint32_t *vals;		/* U64MAP_NONE: empty slot */
	uint32_t mask, n;	/* capacity - 1 (0 before the first put) */
};

static inline uint64_t u64map_hash(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static inline uint32_t u64map_get(const struct u64map *m, uint64_t key)
{
	if (!m->vals)
		return U64MAP_NONE;
	for (uint32_t i = (uint32_t)u64map_hash(key) & m->mask;; i = (i + 1) & m->mask) {
		if (m->vals[i] == U64MAP_NONE || m->keys[i] == key)
			return m->vals[i];
	}
}

static inline int u64map_grow(struct u64map *m)
{
	uint32_t ncap = m->vals ? (m->mask + 1) * 2 : 64, omask = m->mask;
	uint64_t *keys = malloc(sizeof(*keys) * ncap), *okeys = m->keys;
	uint32_t *vals = malloc(sizeof(*vals) * ncap), *ovals = m->vals;

	if (!keys || !vals || ncap < 64) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < ncap; i++)
		vals[i] = U64MAP_NONE;
	m->keys = keys;
	m->vals = vals;
	m->mask = ncap - 1;
	if (ovals) {
		for (uint32_t i = 0; i <= omask; i++) {
			uint32_t j;

			if (ovals[i] == U64MAP_NONE)
				continue;
			for (j = (uint32_t)u64map_hash(okeys[i]) & m->mask; vals[j] != U64MAP_NONE;
			     j = (j + 1) & m->mask)
				;
			keys[j] = okeys[i];
			vals[j] = ovals[i];
		}
	}
	free(okeys);
	free(ovals);
	return 0;
}

/* Insert or replace.  Return 0 or -ENOMEM. */
static inline int u64map_put(struct u64map *m, uint64_t key, uint32_t val)
{
	uint32_t i;

	if ((!m->vals || (uint64_t)(m->n + 1) * 4 > (uint64_t)(m->mask + 1) * 3) && u64map_grow(m))
		return -ENOMEM;
	for (i = (uint32_t)u64map_hash(key) & m->mask;; i = (i + 1) & m->mask) {
		if (m->vals[i] == U64MAP_NONE) {
			m->n++;
			break;
		}
		if (m->keys[i] == key)
			break;
	}
	m->keys[i] = key;
	m->vals[i] = val;
	return 0;
}

static inline void u64map_del(struct u64map *m, uint64_t key)
{
	uint32_t i, j;

	if (!m->vals)
		return;
	for (i = (uint32_t)u64map_hash(key) & m->mask;; i = (i + 1) & m->mask) {
		if (m->vals[i] == U64MAP_NONE)
			return;
		if (m->keys[i] == key)
			break;
	}
	/* backward shift: move up the entries that probed past slot i */
	for (j = (i + 1) & m->mask; m->vals[j] != U64MAP_NONE; j = (j + 1) & m->mask) {
		uint32_t home = (uint32_t)u64map_hash(m->keys[j]) & m->mask;

		if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->vals[i] = U64MAP_NONE;
	m->n--;
}

static inline void u64map_release(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->mask = m->n = 0;
}

#endif
