// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Simulated caches (cache.h): the references spooled once as dense page
 * ids, then any number of (policy, size) caches run over the spool.
 *
 * Why a spool: a policy other than LRU has no one-pass curve (LRU's
 * stack distances give every size at once; FIFO's or ARC's do not), so
 * every size is its own simulation, and the sizes worth simulating
 * depend on the footprint, which is known only at the end.  Decoding
 * the trace again for each search step would cost more than the
 * simulations; reading 4 bytes a reference back from a file the page
 * cache mostly holds costs little.  And OPT needs the future: the spool
 * read backwards gives every reference's next use.
 *
 * Ids: (key, object, page) -> a dense u32 through an open-addressing
 * table; an id's key and size (the first one seen) sit in arrays indexed
 * by id.  A policy looks its entries up in arrays indexed by id too
 * (policy.h), so the one hash lookup per reference is paid once, here.
 *
 * A simulation pass reads the spool in blocks of BLOCK references and
 * runs each cache over the whole block before the next cache, so one
 * cache's state stays in the CPU caches for a block's worth of work.
 * The caches of a pass are split between two threads when there are two
 * or more and the machine has two CPUs.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/policy.h"
#include "ops/sink-int.h"
#include "pgtrace/analysis.h"
#include "pgtrace/cache.h"
#include "util/opts.h"
#include "util/u64map.h"
#include "util/util.h"

#define BLOCK 65536u		/* references a block */

static const struct pol_ops *const policies[] = {
	&pgt_pol_lru, &pgt_pol_fifo, &pgt_pol_clock, &pgt_pol_sieve, &pgt_pol_s3fifo,
	&pgt_pol_arc, &pgt_pol_lirs, &pgt_pol_2q, &pgt_pol_lfu, &pgt_pol_opt, &pgt_pol_linux,
};

unsigned pgt_cache_policy_count(void)
{
	return (unsigned)PGT_ARRAY_SIZE(policies);
}

const char *pgt_cache_policy_name(unsigned i)
{
	return i < PGT_ARRAY_SIZE(policies) ? policies[i]->name : NULL;
}

const char *pgt_cache_policy_desc(unsigned i)
{
	return i < PGT_ARRAY_SIZE(policies) ? policies[i]->desc : NULL;
}

int pgt_cache_policy_find(const char *name)
{
	for (unsigned i = 0; i < PGT_ARRAY_SIZE(policies); i++)
		if (!strcmp(policies[i]->name, name))
			return (int)i;
	return -1;
}

int pgt_cache_policy_parse(const char *list, unsigned *idx, size_t *n, struct pgt_parse_error *pe)
{
	const char *p = list;
	unsigned seen = 0;

	*n = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		char name[32];
		int k;

		if (len == 3 && !strncmp(p, "all", 3)) {
			for (unsigned i = 0; i < PGT_ARRAY_SIZE(policies); i++)
				if (!(seen & (1u << i))) {
					seen |= 1u << i;
					idx[(*n)++] = i;
				}
		} else {
			k = -1;
			if (len && len < sizeof(name)) {
				memcpy(name, p, len);
				name[len] = 0;
				k = pgt_cache_policy_find(name);
			}
			if (k < 0) {
				if (pe) {
					memset(pe, 0, sizeof(*pe));
					pe->offset = (size_t)(p - list);
					pe->len = len;
					snprintf(pe->msg, sizeof(pe->msg), "%s",
						 len ? "unknown policy" : "empty policy name");
				}
				return -PGT_EPARSE;
			}
			if (!(seen & (1u << k))) {
				seen |= 1u << k;
				idx[(*n)++] = (unsigned)k;
			}
		}
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

/* ---- the set of references ---- */

struct slot {
	uint64_t page;
	uint32_t obj, key;
	uint32_t id;		/* POL_NIL: empty */
	uint32_t pad;
};

struct pgt_cache {
	struct pgt_cache_opts o;
	uint32_t types;
	uint64_t threshold;	/* sampling: keep hashes below */
	/* ids */
	struct slot *tab;
	uint32_t tmask, nids;
	uint32_t *key_of, *size_of;
	size_t ids_cap;
	/* per key */
	struct key_stat {
		uint64_t refs, units;	/* seen, before sampling */
		uint64_t sampled, sampled_units;	/* spooled */
		uint64_t pages, page_units;	/* distinct pages spooled */
	} *ks;
	size_t keys_cap;
	uint32_t nkeys;
	/* the spool */
	int fd, next_fd;
	uint32_t *buf;		/* BLOCK ids (+ BLOCK sizes) being written */
	uint32_t inbuf;
	uint64_t nspool;	/* references spooled */
	int finished;
	uint64_t refs;		/* seen, before sampling */
	uint64_t units;		/* their sizes summed */
};

struct pgt_cache *pgt_cache__new(const struct pgt_cache_opts *o, int *err)
{
	struct pgt_cache_opts o_;
	struct pgt_cache *c;

	*err = -EINVAL;
	if (!o || !PGT_OPTS_VALID(o))
		return NULL;
	o = PGT_OPTS_FIT(o, &o_);	/* a shorter struct: defaults for the rest */
	*err = -ENOMEM;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fd = c->next_fd = -1;
	c->o = *o;
	if (c->o.sample_rate < 0 || c->o.sample_rate > 1 || isnan(c->o.sample_rate)) {
		*err = -EINVAL;
		goto fail;
	}
	if (c->o.sample_rate >= 1)
		c->o.sample_rate = 0;
	c->threshold = c->o.sample_rate > 0 ? (uint64_t)ldexp(c->o.sample_rate, 64) : UINT64_MAX;
	if (!c->o.page_size)
		c->o.page_size = 4096;
	c->types = c->o.refs ? c->o.refs : pgt_refs_default();
	c->buf = malloc(BLOCK * 2 * sizeof(*c->buf));
	if (!c->buf)
		goto fail;
	c->fd = pgt_tmpfile(c->o.tmpdir);
	if (c->fd < 0) {
		*err = c->fd;
		goto fail;
	}
	*err = 0;
	return c;
fail:
	pgt_cache__free(c);
	return NULL;
}

void pgt_cache__free(struct pgt_cache *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->next_fd >= 0)
		close(c->next_fd);
	free(c->tab);
	free(c->key_of);
	free(c->size_of);
	free(c->ks);
	free(c->buf);
	free(c);
}

static inline uint64_t slot_hash(uint32_t key, uint32_t obj, uint64_t page)
{
	return u64map_hash(page * 0x9E3779B97F4A7C15ull + obj * 0xC2B2AE3D27D4EB4Full + key);
}

static int tab_grow(struct pgt_cache *c)
{
	uint32_t ncap = c->tab ? (c->tmask + 1) * 2 : 1024;
	struct slot *t;

	if (ncap < 1024)
		return -ENOMEM;	/* 2^32 slots */
	t = malloc(sizeof(*t) * ncap);
	if (!t)
		return -ENOMEM;
	for (uint32_t i = 0; i < ncap; i++)
		t[i].id = POL_NIL;
	if (c->tab)
		for (uint32_t i = 0; i <= c->tmask; i++) {
			const struct slot *s = &c->tab[i];
			uint32_t j;

			if (s->id == POL_NIL)
				continue;
			for (j = (uint32_t)slot_hash(s->key, s->obj, s->page) & (ncap - 1); t[j].id != POL_NIL;
			     j = (j + 1) & (ncap - 1))
				;
			t[j] = *s;
		}
	free(c->tab);
	c->tab = t;
	c->tmask = ncap - 1;
	return 0;
}

/* The id of (key, obj, page): found, or made with @size. */
static int page_id(struct pgt_cache *c, uint32_t key, uint32_t obj, uint64_t page, uint32_t size, uint64_t h,
		   uint32_t *id)
{
	uint32_t i;
	int err;

	if ((uint64_t)c->nids * 2 >= (uint64_t)(c->tab ? c->tmask + 1 : 0)) {
		if (c->nids == POL_NIL - 1)
			return -ERANGE;	/* ids are 32-bit */
		err = tab_grow(c);
		if (err)
			return err;
	}
	for (i = (uint32_t)h & c->tmask;; i = (i + 1) & c->tmask) {
		struct slot *s = &c->tab[i];

		if (s->id == POL_NIL)
			break;
		if (s->page == page && s->obj == obj && s->key == key) {
			*id = s->id;
			return 0;
		}
	}
	err = pgt_grow((void **)&c->key_of, &c->ids_cap, (size_t)c->nids + 1, sizeof(*c->key_of));
	if (!err) {
		size_t cap2 = c->ids_cap;

		/* size_of follows key_of's capacity */
		uint32_t *v = realloc(c->size_of, cap2 * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->size_of = v;
	}
	if (err)
		return err;
	c->tab[i] = (struct slot){ .page = page, .obj = obj, .key = key, .id = c->nids };
	c->key_of[c->nids] = key;
	c->size_of[c->nids] = size;
	c->ks[key].pages++;
	c->ks[key].page_units += size;
	*id = c->nids++;
	return 0;
}

static int spool_flush(struct pgt_cache *c)
{
	size_t per = c->o.bytes ? 2 : 1;
	int err;

	if (!c->inbuf)
		return 0;
	if (c->o.bytes)	/* ids, then sizes, a block at a time */
		memmove(c->buf + c->inbuf, c->buf + BLOCK, c->inbuf * sizeof(*c->buf));
	err = pgt_pwrite_all(c->fd, c->buf, c->inbuf * per * sizeof(*c->buf),
			     (c->nspool - c->inbuf) * per * sizeof(*c->buf));
	c->inbuf = 0;
	return err;
}

static uint32_t ref_size(const struct pgt_cache *c, const struct pgt_event *e)
{
	if (!c->o.bytes)
		return 1;
	if (e->type == PGT_EV_REFERENCE && e->aux)
		return e->aux > UINT32_MAX ? UINT32_MAX : (uint32_t)e->aux;
	return c->o.page_size;
}

/* References waiting for their ids: hashed first, so that the table
 * slots of those a few places ahead can be fetched while one is looked
 * up (the table is far larger than the CPU caches on big traces). */
#define QN 256
#define AHEAD 8

struct pending {
	uint64_t page, h;
	uint32_t obj, size;
};

static int take_pending(struct pgt_cache *c, uint32_t key, const struct pending *q, size_t nq)
{
	for (size_t j = 0; j < nq; j++) {
		uint32_t id;
		int err;

		if (j + AHEAD < nq)
			__builtin_prefetch(&c->tab[q[j + AHEAD].h & c->tmask]);
		err = page_id(c, key, q[j].obj, q[j].page, q[j].size, q[j].h, &id);
		if (err)
			return err;
		c->buf[c->inbuf] = id;
		if (c->o.bytes)
			c->buf[BLOCK + c->inbuf] = q[j].size;
		c->ks[key].sampled++;
		c->ks[key].sampled_units += q[j].size;
		c->inbuf++;
		c->nspool++;
		if (c->inbuf == BLOCK) {
			err = spool_flush(c);
			if (err)
				return err;
		}
	}
	return 0;
}

int pgt_cache__feed(struct pgt_cache *c, uint32_t key, const struct pgt_event *ev, size_t n)
{
	struct pending q[QN];
	size_t nq = 0;
	int err;

	if (key >= c->nkeys) {
		err = pgt_grow((void **)&c->ks, &c->keys_cap, (size_t)key + 1, sizeof(*c->ks));
		if (err)
			return err;
		memset(c->ks + c->nkeys, 0, (key + 1 - c->nkeys) * sizeof(*c->ks));
		c->nkeys = key + 1;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t cnt = pgt_refs_count(&ev[i], c->types, c->o.space);
		uint32_t size = cnt ? ref_size(c, &ev[i]) : 0;

		c->refs += cnt;
		c->ks[key].refs += cnt;
		c->ks[key].units += cnt * size;
		c->units += cnt * size;
		for (uint64_t k = 0; k < cnt; k++) {
			struct pgt_ref r;

			pgt_refs_at(&ev[i], c->o.space, k, &r);
			if (c->threshold != UINT64_MAX &&
			    u64map_hash(r.key * 0x9E3779B97F4A7C15ull + r.obj * 0xC2B2AE3D27D4EB4Full +
					c->o.salt) >= c->threshold)
				continue;
			q[nq++] = (struct pending){ .page = r.key, .obj = r.obj, .size = size,
						    .h = slot_hash(key, r.obj, r.key) };
			if (nq == QN) {
				err = take_pending(c, key, q, nq);
				if (err)
					return err;
				nq = 0;
			}
		}
	}
	return take_pending(c, key, q, nq);
}

int pgt_cache__finish(struct pgt_cache *c)
{
	int err = spool_flush(c);

	if (!err)
		c->finished = 1;
	return err;
}

static int cache_feed(void *c, const struct pgt_event *evs, size_t n) { return pgt_cache__feed(c, 0, evs, n); }
static int cache_finish(void *c) { return pgt_cache__finish(c); }
static const struct pgt_obj_sink_kind cache_kind = PGT_OBJ_SINK_KIND("cache", cache_feed, cache_finish, 0);

struct pgt_sink *pgt_cache__sink(struct pgt_cache *c)
{
	return pgt_obj_sink__new(&cache_kind, c);
}

void pgt_cache__summary(const struct pgt_cache *c, int64_t key, struct pgt_cache_summary *out)
{
	memset(out, 0, sizeof(*out));
	out->rate = c->o.sample_rate > 0 ? c->o.sample_rate : 1;
	out->keys = c->nkeys;
	out->refs = key < 0 ? c->refs : (uint64_t)key < c->nkeys ? c->ks[key].refs : 0;
	out->all_units = key < 0 ? c->units : (uint64_t)key < c->nkeys ? c->ks[key].units : 0;
	out->bytes = sizeof(*c) + (c->tab ? (size_t)(c->tmask + 1) * sizeof(*c->tab) : 0) +
		     c->ids_cap * 2 * sizeof(uint32_t) + c->keys_cap * sizeof(*c->ks) + BLOCK * 8;
	/* counted as the references were spooled: no pass over the spool,
	 * however often this is asked (--by sorts its keys with it) */
	for (uint32_t k = 0; k < c->nkeys; k++)
		if (key < 0 || k == (uint64_t)key) {
			out->pages += c->ks[k].pages;
			out->units += c->ks[k].page_units;
			out->sampled += c->ks[k].sampled;
			out->ref_units += c->ks[k].sampled_units;
		}
}

/* ---- next uses, for OPT ---- */

/* A second spool: for each reference, the position of the next
 * reference to its id (UINT64_MAX: none), from a backward pass. */
static int make_next(struct pgt_cache *c)
{
	uint64_t *last = NULL, *nx = NULL;
	uint32_t *ids = NULL;
	size_t per = c->o.bytes ? 2 : 1;
	int err = -ENOMEM, fd;

	if (c->next_fd >= 0)
		return 0;
	fd = pgt_tmpfile(c->o.tmpdir);
	if (fd < 0)
		return fd;
	last = malloc(((size_t)c->nids + 1) * sizeof(*last));
	nx = malloc(BLOCK * sizeof(*nx));
	ids = malloc(BLOCK * per * sizeof(*ids));
	if (!last || !nx || !ids)
		goto out;
	memset(last, 0xff, ((size_t)c->nids + 1) * sizeof(*last));
	for (uint64_t end = c->nspool; end > 0;) {
		uint64_t first = end > BLOCK ? end - BLOCK : 0;
		uint32_t k = (uint32_t)(end - first);
		ssize_t r = pgt_pread_full(c->fd, ids, k * per * sizeof(*ids), first * per * sizeof(*ids));

		if (r != (ssize_t)(k * per * sizeof(*ids))) {
			err = r < 0 ? (int)r : -EIO;
			goto out;
		}
		for (uint32_t j = k; j-- > 0;) {
			nx[j] = last[ids[j]];
			last[ids[j]] = first + j;
		}
		err = pgt_pwrite_all(fd, nx, k * sizeof(*nx), first * sizeof(*nx));
		if (err)
			goto out;
		end = first;
	}
	c->next_fd = fd;
	fd = -1;
	err = 0;
out:
	if (fd >= 0)
		close(fd);
	free(last);
	free(nx);
	free(ids);
	return err;
}

/* ---- simulation ---- */

struct sim {
	struct pol *p;
	struct pgt_cache_result *res;
	uint64_t peak;
};

struct pass {
	struct sim *sims;
	size_t nsims;
	const struct pol_req *reqs;
	uint32_t nreqs;
	int err;
};

static void run_sims(struct pass *ps, size_t from, size_t to)
{
	for (size_t s = from; s < to; s++) {
		struct sim *m = &ps->sims[s];
		struct pol *p = m->p;
		struct pgt_cache_result *res = m->res;
		uint64_t misses = 0, miss_units = 0;

		for (uint32_t i = 0; i < ps->nreqs; i++) {
			const struct pol_req *r = &ps->reqs[i];
			int h;

			if (r->size > p->cap) {
				misses++;
				miss_units += r->size;
				continue;
			}
			h = p->ops->get(p, r);
			if (h < 0) {
				ps->err = h;
				return;
			}
			if (!h) {
				misses++;
				miss_units += r->size;
			}
		}
		res->misses += misses;
		res->miss_units += miss_units;
	}
}

struct half {
	struct pass *ps;
	size_t from, to;
};

static void *half_main(void *arg)
{
	struct half *h = arg;

	run_sims(h->ps, h->from, h->to);
	return NULL;
}

static uint64_t scaled(const struct pgt_cache *c, uint64_t size)
{
	double v;

	if (c->o.sample_rate <= 0)
		return size;
	v = floor((double)size * c->o.sample_rate + 0.5);
	return v < 1 ? 1 : (uint64_t)v;
}

int pgt_cache__simulate(struct pgt_cache *c, int64_t key, const unsigned *pol, size_t np,
			const uint64_t *sizes, size_t ns, struct pgt_cache_result *res)
{
	size_t nsims = np * ns, per = c->o.bytes ? 2 : 1;
	struct sim *sims = calloc(nsims ? nsims : 1, sizeof(*sims));
	struct pol_req *reqs = malloc(BLOCK * sizeof(*reqs));
	uint32_t *ids = malloc(BLOCK * per * sizeof(*ids));
	uint64_t *nx = NULL;
	int need_next = 0, err = -ENOMEM, threads;
	uint64_t refs = 0, ref_units = 0;

	if (!sims || !reqs || !ids)
		goto out;
	if (!c->finished) {
		err = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < np; i++) {
		if (pol[i] >= PGT_ARRAY_SIZE(policies)) {
			err = -EINVAL;
			goto out;
		}
		need_next |= !!(policies[pol[i]]->flags & POL_NEEDS_NEXT);
	}
	if (need_next) {
		err = make_next(c);
		if (err)
			goto out;
		nx = malloc(BLOCK * sizeof(*nx));
		if (!nx) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < np; i++)
		for (size_t j = 0; j < ns; j++) {
			struct sim *m = &sims[i * ns + j];
			struct pgt_cache_result *r = &res[i * ns + j];

			memset(r, 0, sizeof(*r));
			r->policy = pol[i];
			r->size = sizes[j] ? sizes[j] : 1;
			r->sim_size = scaled(c, r->size);
			m->res = r;
			m->p = policies[pol[i]]->new(r->sim_size, c->nids, &err);
			if (!m->p)
				goto out;
		}
	threads = nsims >= 2 && sysconf(_SC_NPROCESSORS_ONLN) >= 2;
	for (uint64_t off = 0; off < c->nspool; off += BLOCK) {
		uint32_t k = c->nspool - off < BLOCK ? (uint32_t)(c->nspool - off) : BLOCK, nr = 0;
		ssize_t rd = pgt_pread_full(c->fd, ids, k * per * sizeof(*ids), off * per * sizeof(*ids));
		struct pass ps = { .sims = sims, .nsims = nsims, .reqs = reqs };

		if (rd != (ssize_t)(k * per * sizeof(*ids))) {
			err = rd < 0 ? (int)rd : -EIO;
			goto out;
		}
		if (nx) {
			rd = pgt_pread_full(c->next_fd, nx, k * sizeof(*nx), off * sizeof(*nx));
			if (rd != (ssize_t)(k * sizeof(*nx))) {
				err = rd < 0 ? (int)rd : -EIO;
				goto out;
			}
		}
		for (uint32_t j = 0; j < k; j++) {
			if (key >= 0 && c->key_of[ids[j]] != (uint32_t)key)
				continue;
			reqs[nr].id = ids[j];
			reqs[nr].size = c->o.bytes ? ids[k + j] : 1;
			reqs[nr].vtime = off + j;
			reqs[nr].next = nx ? nx[j] : UINT64_MAX;
			ref_units += reqs[nr].size;
			nr++;
		}
		refs += nr;
		ps.nreqs = nr;
		if (threads) {
			struct half h = { .ps = &ps, .from = 0, .to = nsims / 2 };
			pthread_t t;

			if (pthread_create(&t, NULL, half_main, &h)) {
				run_sims(&ps, 0, nsims);
			} else {
				run_sims(&ps, nsims / 2, nsims);
				pthread_join(t, NULL);
			}
		} else {
			run_sims(&ps, 0, nsims);
		}
		if (ps.err) {
			err = ps.err;
			goto out;
		}
		for (size_t s = 0; s < nsims; s++) {
			uint64_t b = sims[s].p->ops->bytes(sims[s].p);

			if (b > sims[s].peak)
				sims[s].peak = b;
		}
		if (c->o.progress)
			c->o.progress(c->o.progress_ctx, off + k, c->nspool);
	}
	{
		struct pgt_cache_summary sm;
		double rate = c->o.sample_rate > 0 ? c->o.sample_rate : 1, all, all_units;

		pgt_cache__summary(c, key, &sm);
		/* exact: over the references simulated; sampled: the misses
		 * scaled up (each page stands for 1/R pages) over all the
		 * references seen, not over the sampled ones: a hot page in
		 * the sample or out of it changes the sampled references far
		 * more than the misses (the hot page mostly hits), the SHARDS
		 * adjustment's reasoning applied to a simulation */
		all = c->o.sample_rate > 0 ? (double)sm.refs * rate : (double)refs;
		all_units = c->o.sample_rate > 0 ? (double)sm.all_units * rate : (double)ref_units;
		for (size_t s = 0; s < nsims; s++) {
			struct pgt_cache_result *r = sims[s].res;

			r->refs = refs;
			r->ref_units = ref_units;
			r->miss_ratio = all > 0 ? (double)r->misses / all : 0;
			r->unit_miss_ratio = all_units > 0 ? (double)r->miss_units / all_units : 0;
			if (r->miss_ratio > 1)
				r->miss_ratio = 1;
			if (r->unit_miss_ratio > 1)
				r->unit_miss_ratio = 1;
			r->mem = sims[s].peak;
		}
	}
	err = 0;
out:
	if (sims)
		for (size_t s = 0; s < nsims; s++)
			if (sims[s].p)
				sims[s].p->ops->free(sims[s].p);
	free(sims);
	free(reqs);
	free(ids);
	free(nx);
	return err;
}

size_t pgt_cache__grid(const struct pgt_cache *c, int64_t key, size_t n, uint64_t *sizes)
{
	struct pgt_cache_summary sm;
	double lo, hi;
	size_t k = 0;

	pgt_cache__summary(c, key, &sm);
	/* with sampling the footprint spooled is a sample's: scale it up */
	hi = (double)sm.units / sm.rate;
	if (hi < 1)
		hi = 1;
	lo = hi / 1000 < 1 ? 1 : hi / 1000;
	for (size_t i = 0; i < n; i++) {
		double v = n > 1 ? lo * pow(hi / lo, (double)i / (double)(n - 1)) : hi;
		uint64_t s = (uint64_t)floor(v + 0.5);

		if (s < 1)
			s = 1;
		if (k && sizes[k - 1] >= s)
			continue;
		sizes[k++] = s;
	}
	return k;
}

#define SEARCH_POINTS 16

static int reaches(const struct pgt_cache_result *r, double hit, int by_units)
{
	double m = by_units ? r->unit_miss_ratio : r->miss_ratio;

	return 1 - m >= hit - 1e-12;
}

int pgt_cache__smallest(struct pgt_cache *c, int64_t key, unsigned policy, double hit, int by_units,
			int *found, struct pgt_cache_result *at)
{
	struct pgt_cache_summary sm;
	struct pgt_cache_result res[SEARCH_POINTS];
	uint64_t sizes[SEARCH_POINTS], lo, hi, stop;
	int err;

	*found = 0;
	pgt_cache__summary(c, key, &sm);
	hi = (uint64_t)ceil((double)sm.units / sm.rate);
	if (hi < 1)
		hi = 1;
	/* the footprint first: if it does not reach, nothing does */
	err = pgt_cache__simulate(c, key, &policy, 1, &hi, 1, at);
	if (err || !reaches(at, hit, by_units))
		return err;
	*found = 1;
	lo = 0;	/* a size known not to reach (0: none tried) */
	for (;;) {
		size_t n = 0;
		uint64_t width = hi - lo;

		stop = by_units && c->o.bytes ? (lo / 4096 > 1 ? lo / 4096 : 1) : 1;
		if (width <= stop)
			break;
		/* SEARCH_POINTS sizes in (lo, hi): evenly on a log scale the
		 * first time (the range spans decades), evenly after */
		for (size_t i = 1; i <= SEARCH_POINTS; i++) {
			uint64_t s;

			if (lo == 0)
				s = (uint64_t)floor(pow((double)hi, (double)i / (SEARCH_POINTS + 1)) + 0.5);
			else
				s = lo + (uint64_t)((double)width * (double)i / (SEARCH_POINTS + 1));
			if (s <= lo)
				s = lo + 1;
			if (s >= hi)
				break;
			if (n && sizes[n - 1] >= s)
				continue;
			sizes[n++] = s;
		}
		if (!n)
			break;
		err = pgt_cache__simulate(c, key, &policy, 1, sizes, n, res);
		if (err)
			return err;
		{
			size_t i;

			for (i = 0; i < n && !reaches(&res[i], hit, by_units); i++)
				;
			if (i < n) {
				hi = sizes[i];
				*at = res[i];
			}
			if (i > 0)
				lo = sizes[i - 1];
		}
	}
	return 0;
}
