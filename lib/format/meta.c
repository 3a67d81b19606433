// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Side tables: objects by id, processes by pid, lost events, level
 * changes and host information.  Every record added is also appended to a
 * serialised log, so that a writer can copy what a reader has seen byte
 * for byte, and in the same order.
 *
 * Keys come from the trace, so every lookup is a hash lookup whose cost
 * a crafted trace cannot drive up: object ids and pids go through a hash
 * keyed with a random seed per table (an unkeyed, invertible mix let
 * 32,767 chosen ids share one chain), INFO keys through a seeded string
 * hash (a linear search made 200,000 keys take 40 s).  Iteration follows
 * the arrays, in order of first sight, so the seed changes no output.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/random.h>

#include "format.h"

struct obj_slot {
	struct pgt_object o;
	char *path;
	int used;
};

struct proc_slot {
	struct pgt_process p;
	char *comm, *cwd, *exe, *cgroup;
};

struct kv {
	char *key, *value;
};

struct pgt_meta {
	struct obj_slot *objs;	/* in order of first sight */
	uint32_t nobjs, cap_objs;
	uint32_t *obj_hash;	/* open addressing: index+1, 0 empty */
	uint32_t obj_hash_cap;
	struct proc_slot *procs;
	uint32_t nprocs, cap_procs;
	uint32_t *proc_hash;	/* open addressing: index+1, 0 empty */
	uint32_t hash_cap;
	struct kv *info;
	uint32_t ninfo, cap_info;
	uint32_t *info_hash;	/* open addressing: index+1, 0 empty */
	uint32_t info_hash_cap;
	uint64_t seed;		/* key of the hashes */
	uint64_t serial;	/* this meta among all of the process's, never reused */
	uint64_t probes;	/* slots looked at, for the tests */
	uint64_t lost_total;
	uint32_t nlost, nlevel;
	struct pgt_buf log;
	struct pgt_buf scratch;
};

static atomic_uint_fast64_t meta_serials;

struct pgt_meta *pgt_meta__new(void)
{
	struct pgt_meta *m = calloc(1, sizeof(struct pgt_meta));
	struct timespec ts;

	if (!m)
		return NULL;
	m->serial = atomic_fetch_add(&meta_serials, 1) + 1;
	if (getrandom(&m->seed, sizeof(m->seed), GRND_NONBLOCK) != sizeof(m->seed)) {
		/* no entropy yet (early boot): still not a constant */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		m->seed = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)m;
	}
	m->seed |= 1;
	return m;
}

uint64_t pgt_meta__probes(const struct pgt_meta *m)
{
	return m->probes;
}

void pgt_meta__free(struct pgt_meta *m)
{
	if (!m)
		return;
	for (uint32_t i = 0; i < m->nobjs; i++)
		free(m->objs[i].path);
	free(m->objs);
	free(m->obj_hash);
	for (uint32_t i = 0; i < m->nprocs; i++) {
		free(m->procs[i].comm);
		free(m->procs[i].cwd);
		free(m->procs[i].exe);
		free(m->procs[i].cgroup);
	}
	free(m->procs);
	free(m->proc_hash);
	for (uint32_t i = 0; i < m->ninfo; i++) {
		free(m->info[i].key);
		free(m->info[i].value);
	}
	free(m->info);
	free(m->info_hash);
	pgt_buf__release(&m->log);
	pgt_buf__release(&m->scratch);
	free(m);
}

const struct pgt_buf *pgt_meta__log(const struct pgt_meta *m)
{
	return &m->log;
}

uint64_t pgt_meta__serial(const struct pgt_meta *m)
{
	return m->serial;
}

/* From 16 elements, the new ones zeroed. */
static int grow(void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t old = *cap;
	int err = pgt_grow32_from(arr, cap, need, elem, 16);

	if (!err && *cap > old)
		memset((char *)*arr + (size_t)old * elem, 0, (size_t)(*cap - old) * elem);
	return err;
}

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

static int log_append(struct pgt_meta *m, uint32_t type, const void *body, size_t len)
{
	uint8_t hdr[8];

	if (len > UINT32_MAX)
		return -EOVERFLOW;
	pgt_put_le32(hdr, type);
	pgt_put_le32(hdr + 4, (uint32_t)len);
	/* room for both first: a header without its body would corrupt the log */
	if (pgt_buf__reserve(&m->log, 8 + len))
		return -ENOMEM;
	pgt_buf__append(&m->log, hdr, 8);
	pgt_buf__append(&m->log, body, len);
	return 0;
}

/*
 * Keyed hash of a 32-bit key: the key and the 64-bit seed are mixed by
 * two rounds of a 64-bit finaliser, and the slot is taken from the high
 * half.  Without the seed, which ids share a slot cannot be worked out.
 */
static uint32_t hash32(const struct pgt_meta *m, uint32_t x)
{
	uint64_t h = ((uint64_t)x ^ m->seed) * 0x9e3779b97f4a7c15ull;

	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ull;
	h ^= h >> 32;
	h += m->seed >> 17;
	h *= 0xd6e8feb86659fd93ull;
	h ^= h >> 29;
	return (uint32_t)(h >> 32);
}

/* Ids come from the trace: a hash keeps a huge id from costing memory. */
static uint32_t *obj_find(const struct pgt_meta *m, uint32_t id)
{
	uint32_t mask = m->obj_hash_cap - 1;

	for (uint32_t h = hash32(m, id) & mask;; h = (h + 1) & mask) {
		uint32_t v = m->obj_hash[h];

		((struct pgt_meta *)m)->probes++;
		if (!v || m->objs[v - 1].o.id == id)
			return &m->obj_hash[h];
	}
}

const struct pgt_object *pgt_meta__object(const struct pgt_meta *m, uint32_t id)
{
	uint32_t *slot;

	if (!m->obj_hash_cap)
		return NULL;
	slot = obj_find(m, id);
	return *slot ? &m->objs[*slot - 1].o : NULL;
}

const struct pgt_object *pgt_meta__object_at(const struct pgt_meta *m, uint32_t i)
{
	return i < m->nobjs ? &m->objs[i].o : NULL;
}

static int obj_rehash(struct pgt_meta *m)
{
	uint32_t ncap = m->obj_hash_cap ? m->obj_hash_cap * 2 : 64;
	uint32_t *h = calloc(ncap, sizeof(*h));

	if (!h)
		return -ENOMEM;
	free(m->obj_hash);
	m->obj_hash = h;
	m->obj_hash_cap = ncap;
	for (uint32_t i = 0; i < m->nobjs; i++)
		*obj_find(m, m->objs[i].o.id) = i + 1;
	return 0;
}

uint32_t pgt_meta__nr_objects(const struct pgt_meta *m) { return m->nobjs; }
uint32_t pgt_meta__nr_processes(const struct pgt_meta *m) { return m->nprocs; }
uint64_t pgt_meta__lost_total(const struct pgt_meta *m) { return m->lost_total; }
uint32_t pgt_meta__nr_lost_records(const struct pgt_meta *m) { return m->nlost; }
uint32_t pgt_meta__nr_level_changes(const struct pgt_meta *m) { return m->nlevel; }
uint32_t pgt_meta__nr_info(const struct pgt_meta *m) { return m->ninfo; }

const struct pgt_process *pgt_meta__process_at(const struct pgt_meta *m, uint32_t i)
{
	return i < m->nprocs ? &m->procs[i].p : NULL;
}

static uint32_t *proc_find(const struct pgt_meta *m, uint32_t pid)
{
	uint32_t mask = m->hash_cap - 1;

	for (uint32_t h = hash32(m, pid) & mask;; h = (h + 1) & mask) {
		uint32_t v = m->proc_hash[h];

		((struct pgt_meta *)m)->probes++;
		if (!v || m->procs[v - 1].p.pid == pid)
			return &m->proc_hash[h];
	}
}

const struct pgt_process *pgt_meta__process(const struct pgt_meta *m, uint32_t pid)
{
	uint32_t *slot;

	if (!m->hash_cap)
		return NULL;
	slot = proc_find(m, pid);
	return *slot ? &m->procs[*slot - 1].p : NULL;
}

static int proc_rehash(struct pgt_meta *m)
{
	uint32_t ncap = m->hash_cap ? m->hash_cap * 2 : 64;
	uint32_t *h = calloc(ncap, sizeof(*h));

	if (!h)
		return -ENOMEM;
	free(m->proc_hash);
	m->proc_hash = h;
	m->hash_cap = ncap;
	for (uint32_t i = 0; i < m->nprocs; i++)
		*proc_find(m, m->procs[i].p.pid) = i + 1;
	return 0;
}

/* Apply a parsed object record. */
static int apply_object(struct pgt_meta *m, const struct pgt_object *o, const char *path, size_t plen)
{
	struct obj_slot *s;
	uint32_t *slot;
	char *np;

	if ((m->nobjs + 1) * 2 > m->obj_hash_cap && obj_rehash(m))
		return -ENOMEM;
	slot = obj_find(m, o->id);
	if (*slot) {
		s = &m->objs[*slot - 1];
		if (o->op == PGT_OBJ_UNLINK) {
			/* A deletion keeps the name: only the time changes. */
			s->o.unlink_ts = o->ts ? o->ts : 1;
			return 0;
		}
		if (o->op == PGT_OBJ_SIZE) {
			/* A new size: the name and the deletion stay. */
			s->o.size = o->size;
			return 0;
		}
		np = dupn(path, plen);
		if (!np)
			return -ENOMEM;
		free(s->path);
		if (o->op != PGT_OBJ_RENAME) {
			s->o = *o;
			s->o.unlink_ts = 0;
		} else if (o->name_src) {
			s->o.name_src = o->name_src;	/* who found the new name */
		}
		s->path = np;
		s->o.path = np;
		return 0;
	}
	if (grow((void **)&m->objs, &m->cap_objs, m->nobjs + 1, sizeof(*m->objs)))
		return -ENOMEM;
	np = dupn(path, plen);
	if (!np)
		return -ENOMEM;
	s = &m->objs[m->nobjs];
	s->o = *o;
	s->o.unlink_ts = o->op == PGT_OBJ_UNLINK ? (o->ts ? o->ts : 1) : 0;
	s->path = np;
	s->o.path = np;
	s->used = 1;
	*slot = ++m->nobjs;
	return 0;
}

/* One string of a process record: a new value replaces the slot's,
 * none keeps what was known (exit, fork), and a slot is never NULL. */
static int set_string(char **slot, char *v)
{
	if (v || !*slot) {
		free(*slot);
		*slot = v ? v : dupn("", 0);
	}
	return *slot ? 0 : -ENOMEM;
}

/* @s: comm, cwd, exe and cgroup, as pointers into the record body, and
 * their lengths (0: not in the record, or empty). */
static int apply_process(struct pgt_meta *m, const struct pgt_process *p,
			 const char *const s[4], const uint32_t len[4])
{
	struct proc_slot *ps;
	char **slots[4];
	char *v[4];
	uint32_t *slot;
	int err = 0;

	if ((m->nprocs + 1) * 2 > m->hash_cap && proc_rehash(m))
		return -ENOMEM;
	slot = proc_find(m, p->pid);
	if (!*slot) {
		if (grow((void **)&m->procs, &m->cap_procs, m->nprocs + 1, sizeof(*m->procs)))
			return -ENOMEM;
		*slot = ++m->nprocs;
	}
	ps = &m->procs[*slot - 1];
	slots[0] = &ps->comm;
	slots[1] = &ps->cwd;
	slots[2] = &ps->exe;
	slots[3] = &ps->cgroup;
	/* All copies first, so a failure changes nothing. */
	for (int i = 0; i < 4; i++) {
		v[i] = len[i] ? dupn(s[i], len[i]) : NULL;
		if (len[i] && !v[i])
			err = -ENOMEM;
	}
	if (err) {
		for (int i = 0; i < 4; i++)
			free(v[i]);
		return err;
	}
	for (int i = 0; i < 4; i++)
		if (set_string(slots[i], v[i]))
			err = -ENOMEM;
	if (err)
		return err;
	ps->p = *p;
	ps->p.comm = ps->comm;
	ps->p.cwd = ps->cwd;
	ps->p.exe = ps->exe;
	ps->p.cgroup = ps->cgroup;
	return 0;
}

/* Seeded FNV-1a, finished like hash32. */
static uint32_t hash_str(const struct pgt_meta *m, const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull ^ m->seed;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return hash32(m, (uint32_t)(h ^ (h >> 32)));
}

static uint32_t *info_find(const struct pgt_meta *m, const char *key)
{
	uint32_t mask = m->info_hash_cap - 1;

	for (uint32_t h = hash_str(m, key) & mask;; h = (h + 1) & mask) {
		uint32_t v = m->info_hash[h];

		((struct pgt_meta *)m)->probes++;
		if (!v || !strcmp(m->info[v - 1].key, key))
			return &m->info_hash[h];
	}
}

static int info_rehash(struct pgt_meta *m)
{
	uint32_t ncap = m->info_hash_cap ? m->info_hash_cap * 2 : 64;
	uint32_t *h = calloc(ncap, sizeof(*h));

	if (!h)
		return -ENOMEM;
	free(m->info_hash);
	m->info_hash = h;
	m->info_hash_cap = ncap;
	for (uint32_t i = 0; i < m->ninfo; i++)
		*info_find(m, m->info[i].key) = i + 1;
	return 0;
}

static int apply_info(struct pgt_meta *m, const char *k, uint32_t lk, const char *v, uint32_t lv)
{
	char *key = dupn(k, lk), *val = dupn(v, lv);
	uint32_t *slot;

	if (!key || !val)
		goto nomem;
	if ((m->ninfo + 1) * 2 > m->info_hash_cap && info_rehash(m))
		goto nomem;
	slot = info_find(m, key);
	if (*slot) {
		struct kv *e = &m->info[*slot - 1];

		free(key);
		free(e->value);
		e->value = val;
		return 0;
	}
	if (grow((void **)&m->info, &m->cap_info, m->ninfo + 1, sizeof(*m->info)))
		goto nomem;
	m->info[m->ninfo].key = key;
	m->info[m->ninfo].value = val;
	*slot = ++m->ninfo;
	return 0;
nomem:
	free(key);
	free(val);
	return -ENOMEM;
}

int pgt_meta__add_raw(struct pgt_meta *m, uint32_t type, const void *body, size_t len)
{
	struct pgt_cur c = { body, (const uint8_t *)body + len, 0 };
	int err = 0;

	switch (type) {
	case PGT_REC_OBJECT: {
		struct pgt_object o = { 0 };
		const char *path;
		uint32_t plen;

		o.id = pgt_cur__u32(&c);
		o.kind = pgt_cur__u8(&c);
		o.op = pgt_cur__u8(&c);
		o.name_src = pgt_cur__u16(&c);
		o.ts = pgt_cur__u64(&c);
		o.dev = pgt_cur__u64(&c);
		o.ino = pgt_cur__u64(&c);
		o.gen = pgt_cur__u64(&c);
		o.size = pgt_cur__u64(&c);
		path = pgt_cur__str(&c, &plen);
		if (c.bad)
			return -PGT_ECORRUPT;
		err = apply_object(m, &o, path, plen);
		break;
	}
	case PGT_REC_PROCESS: {
		struct pgt_process p = { 0 };
		const char *str[4] = { "", "", "", "" };
		uint32_t sl[4] = { 0 };

		p.ts = pgt_cur__u64(&c);
		p.pid = pgt_cur__u32(&c);
		p.tgid = pgt_cur__u32(&c);
		p.ppid = pgt_cur__u32(&c);
		p.uid = pgt_cur__u32(&c);
		p.gid = pgt_cur__u32(&c);
		p.op = (uint8_t)pgt_cur__u32(&c);
		for (int i = 0; i < 3; i++)	/* comm, cwd, exe */
			str[i] = pgt_cur__str(&c, &sl[i]);
		/* cgroup came in 1.1: a 1.0 body ends after exe */
		if (c.p < c.end)
			str[3] = pgt_cur__str(&c, &sl[3]);
		if (c.bad)
			return -PGT_ECORRUPT;
		err = apply_process(m, &p, str, sl);
		break;
	}
	case PGT_REC_LOST: {
		uint64_t count;

		pgt_cur__u64(&c);
		pgt_cur__u32(&c);
		pgt_cur__u32(&c);
		count = pgt_cur__u64(&c);
		if (c.bad)
			return -PGT_ECORRUPT;
		m->lost_total += count;
		m->nlost++;
		break;
	}
	case PGT_REC_LEVEL:
		pgt_cur__u64(&c);
		pgt_cur__u32(&c);
		if (c.bad)
			return -PGT_ECORRUPT;
		m->nlevel++;
		break;
	case PGT_REC_INFO:
	case PGT_REC_FORMAT: {
		const char *k, *v;
		uint32_t lk, lv;
		char key[300];

		k = pgt_cur__str(&c, &lk);
		v = pgt_cur__str(&c, &lv);
		if (c.bad || lk > 256)
			return -PGT_ECORRUPT;
		if (type == PGT_REC_FORMAT) {
			/* kernel event formats live under "format/<event>" */
			lk = (uint32_t)snprintf(key, sizeof(key), "format/%.*s", (int)lk, k);
			k = key;
		}
		err = apply_info(m, k, lk, v, lv);
		break;
	}
	default:
		break;	/* unknown: kept in the log, otherwise skipped */
	}
	if (err)
		return err;
	return log_append(m, type, body, len);
}

/* The typed adders serialise and go through add_raw, so the log and the
 * tables can never disagree. */
#define META_ADD(type, call)                                      \
	do {                                                      \
		int err_;                                         \
		m->scratch.len = 0;                               \
		err_ = (call);                                    \
		if (err_)                                         \
			return err_;                              \
		return pgt_meta__add_raw(m, (type), m->scratch.data, m->scratch.len); \
	} while (0)

int pgt_meta__add_object(struct pgt_meta *m, const struct pgt_object *o)
{
	META_ADD(PGT_REC_OBJECT, pgt_record__object(&m->scratch, o));
}

int pgt_meta__add_process(struct pgt_meta *m, const struct pgt_process *p)
{
	META_ADD(PGT_REC_PROCESS, pgt_record__process(&m->scratch, p));
}

int pgt_meta__add_lost(struct pgt_meta *m, uint64_t ts, uint32_t cpu, uint64_t count)
{
	META_ADD(PGT_REC_LOST, pgt_record__lost(&m->scratch, ts, cpu, count));
}

int pgt_meta__add_level(struct pgt_meta *m, uint64_t ts, uint32_t level)
{
	META_ADD(PGT_REC_LEVEL, pgt_record__level(&m->scratch, ts, level));
}

int pgt_meta__add_info(struct pgt_meta *m, const char *key, const char *value)
{
	META_ADD(PGT_REC_INFO, pgt_record__info(&m->scratch, key, value));
}

int pgt_meta__add_format(struct pgt_meta *m, const char *name, const char *text)
{
	META_ADD(PGT_REC_FORMAT, pgt_record__info(&m->scratch, name, text));
}

int pgt_meta__info_at(const struct pgt_meta *m, uint32_t i, const char **key, const char **value)
{
	if (i >= m->ninfo)
		return -ERANGE;
	*key = m->info[i].key;
	*value = m->info[i].value;
	return 0;
}

const char *pgt_meta__info(const struct pgt_meta *m, const char *key)
{
	uint32_t *slot;

	if (!m->info_hash_cap)
		return NULL;
	slot = info_find(m, key);
	return *slot ? m->info[*slot - 1].value : NULL;
}
