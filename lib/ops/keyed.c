// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * keyed: one child analysis per key of the stream (sink.h), for
 * stats --by and phase --by.
 *
 * A key is read by pgt_field__key(), the one reader of keys, so a key
 * groups the events split and the filter group under it.  Numbers
 * (32-bit ids) are their own map key; a string is mapped by a hash with
 * the top bit set, a clash of hashes resolved by probing the next hash.
 *
 * A key read from a side table is a function of the event's process or
 * object (pgt_field__side()): a run of events of one subject has one
 * key, so it is looked up again only when the subject changes, and
 * afresh in each batch (side records, a rename, arrive between batches).
 * Consecutive events of one child go to it in one feed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgtrace/fields.h"
#include "pgtrace/sink.h"
#include "util/u64map.h"

struct pgt_keyed {
	const struct pgt_field *by;
	const struct pgt_keyed_ops *ops;
	void *ctx;
	struct u64map map;	/* map key -> index */
	void **child;
	uint64_t *key;
	char **name;		/* string keys; NULL for a number */
	size_t n, cap;
};

struct keyed_sink {
	struct pgt_sink base;	/* first */
	struct pgt_keyed *k;
};

struct pgt_keyed *pgt_keyed__new(const struct pgt_field *key, const struct pgt_keyed_ops *ops,
				 void *ctx, int *err)
{
	struct pgt_keyed *k;

	if (!key || !ops || !ops->make || !ops->feed || !ops->free) {
		*err = -EINVAL;
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		*err = -ENOMEM;
		return NULL;
	}
	k->by = key;
	k->ops = ops;
	k->ctx = ctx;
	return k;
}

void pgt_keyed__free(struct pgt_keyed *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->n; i++) {
		k->ops->free(k->ctx, k->child[i]);
		free(k->name[i]);
	}
	free(k->child);
	free(k->key);
	free(k->name);
	u64map_release(&k->map);
	free(k);
}

size_t pgt_keyed__count(const struct pgt_keyed *k)
{
	return k->n;
}

void *pgt_keyed__child(const struct pgt_keyed *k, size_t i)
{
	return i < k->n ? k->child[i] : NULL;
}

const char *pgt_keyed__name(const struct pgt_keyed *k, size_t i, char *buf, size_t len)
{
	if (k->name[i])
		return *k->name[i] ? k->name[i] : "?";
	snprintf(buf, len, "%llu", (unsigned long long)k->key[i]);
	return buf;
}

/* Room for one more key: doubling, a million keys are not a million copies. */
static int keyed_grow(struct pgt_keyed *k)
{
	size_t nc = k->cap ? k->cap * 2 : 64;
	void *p;

	p = realloc(k->child, nc * sizeof(*k->child));
	if (!p)
		return -ENOMEM;
	k->child = p;
	p = realloc(k->key, nc * sizeof(*k->key));
	if (!p)
		return -ENOMEM;
	k->key = p;
	p = realloc(k->name, nc * sizeof(*k->name));
	if (!p)
		return -ENOMEM;
	k->name = p;
	k->cap = nc;
	return 0;
}

/* The child of the key of @ev, made on first sight; NULL with *@err. */
static void *child_of(struct pgt_keyed *k, const struct pgt_event *ev, const struct pgt_meta *m, int *err)
{
	uint64_t key, h = 1469598103934665603ull;
	const char *name = NULL;
	char buf[64];
	uint32_t i;

	*err = 0;
	if (pgt_field__key(k->by->id, ev, m, &key, &name, buf, sizeof(buf)) == PGT_KEY_NUM) {
		name = NULL;
	} else {
		for (const char *c = name; *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ull;
		key = h | 1ull << 63;
	}
	i = u64map_get(&k->map, key);
	while (i != U64MAP_NONE && name && strcmp(k->name[i], name))	/* a clash of hashes */
		i = u64map_get(&k->map, key = (key + 1) | 1ull << 63);
	if (i != U64MAP_NONE)
		return k->child[i];
	if (k->n == k->cap && (*err = keyed_grow(k)))
		return NULL;
	k->name[k->n] = name ? strdup(name) : NULL;
	k->key[k->n] = key;
	k->child[k->n] = (name && !k->name[k->n]) ? NULL : k->ops->make(k->ctx, err);
	if (!k->child[k->n] || u64map_put(&k->map, key, (uint32_t)k->n)) {
		if (k->child[k->n])
			k->ops->free(k->ctx, k->child[k->n]);
		free(k->name[k->n]);
		*err = *err ? *err : -ENOMEM;
		return NULL;
	}
	return k->child[k->n++];
}

static int keyed_feed(struct pgt_sink *sk, const struct pgt_event *evs, size_t n,
		      const struct pgt_meta *meta, const struct pgt_header *h)
{
	struct pgt_keyed *k = ((struct keyed_sink *)sk)->k;
	unsigned side = pgt_field__side(k->by->id);
	void *cur = NULL;		/* the child of subject subj */
	uint64_t subj = UINT64_MAX;
	size_t run = 0;			/* events of cur from evs[run] */
	int err = 0;

	(void)h;
	for (size_t i = 0; i < n; i++) {
		uint64_t s_i = side == PGT_SIDE_PROCESS ? evs[i].pid :
			       side == PGT_SIDE_OBJECT ? evs[i].obj : UINT64_MAX;
		void *c = cur;

		if (k->ops->wants && !k->ops->wants(k->ctx, &evs[i])) {
			if (cur && i > run && (err = k->ops->feed(k->ctx, cur, evs + run, i - run)))
				return err;
			run = i + 1;
			continue;
		}
		if (s_i == UINT64_MAX || s_i != subj || !cur) {
			c = child_of(k, &evs[i], meta, &err);
			if (!c)
				return err;
			subj = s_i;
		}
		if (c != cur) {
			if (cur && i > run && (err = k->ops->feed(k->ctx, cur, evs + run, i - run)))
				return err;
			cur = c;
			run = i;
		}
	}
	if (cur && n > run)
		err = k->ops->feed(k->ctx, cur, evs + run, n - run);
	return err;
}

static int keyed_finish(struct pgt_sink *sk, const struct pgt_meta *meta, const struct pgt_header *h)
{
	struct pgt_keyed *k = ((struct keyed_sink *)sk)->k;
	int err = 0;

	(void)meta, (void)h;
	for (size_t i = 0; !err && k->ops->finish && i < k->n; i++)
		err = k->ops->finish(k->ctx, k->child[i]);
	return err;
}

static void keyed_sink_free(struct pgt_sink *sk)
{
	free(sk);
}

static const struct pgt_sink_ops keyed_sink_ops = {
	.name = "keyed", .feed = keyed_feed, .finish = keyed_finish, .free = keyed_sink_free,
};

struct pgt_sink *pgt_keyed__sink(struct pgt_keyed *k)
{
	struct keyed_sink *ks = calloc(1, sizeof(*ks));

	if (!ks)
		return NULL;
	ks->base.ops = &keyed_sink_ops;
	if (pgt_field__side(k->by->id) != PGT_SIDE_NONE)
		ks->base.flags = PGT_SINK_IN_STEP;
	ks->k = k;
	return &ks->base;
}
