/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hindex.h - an open-addressing index of (hash, position) pairs over
 * entries that live in the caller's arrays: the caller hashes its keys
 * and says when two are equal (a path, a (dev, ino) pair, a file handle).
 *
 * Why not u64map.h: u64map owns unique 64-bit keys, and these keys are
 * strings and byte runs whose hashes may collide, so the index keeps
 * only the hash and lets the caller compare the entries it points at.
 * The two share the hash mixer (u64map_hash()) and the deletion scheme
 * (linear probing, backward shift, no tombstones).  A position is below
 * UINT32_MAX.  Not thread-safe: the caller serialises.
 */
#ifndef PGT_UTIL_HINDEX_H
#define PGT_UTIL_HINDEX_H

#include <stddef.h>
#include <stdint.h>

struct pgt_hindex_slot {
	uint64_t h;
	uint32_t v;	/* position + 1; 0 when empty */
};

/* Zero-initialised before use; released with pgt_hindex__release(). */
struct pgt_hindex {
	struct pgt_hindex_slot *slot;
	size_t mask, n;
};

/* Whether the entry at @pos equals @key. */
typedef int (*pgt_hindex_eq_fn)(const void *ctx, uint32_t pos, const void *key);

/* FNV-1a of @len bytes, then mixed: the hash of strings and byte runs. */
uint64_t pgt_hash_bytes(const void *p, size_t len);
/* The hash of a (device, inode) pair. */
uint64_t pgt_hash_key(uint64_t dev, uint64_t ino);

/* Index @pos under @h (duplicates allowed).  Return 0 or -ENOMEM. */
int pgt_hindex__put(struct pgt_hindex *m, uint64_t h, uint32_t pos);
/* Position of the entry of hash @h that @eq says equals @key, or -1. */
long pgt_hindex__find(const struct pgt_hindex *m, uint64_t h, pgt_hindex_eq_fn eq,
		      const void *ctx, const void *key);
/* Drop the slot of (@h, @pos); absent: nothing. */
void pgt_hindex__del(struct pgt_hindex *m, uint64_t h, uint32_t pos);
/* Empty the index, keeping its memory. */
void pgt_hindex__clear(struct pgt_hindex *m);
/* Free its memory; the index is empty and usable again. */
void pgt_hindex__release(struct pgt_hindex *m);

#endif
