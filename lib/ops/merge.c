// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * merge: the events of several traces in one stream, ordered by time.
 *
 * One file of about 1,000 lines on purpose: the translation of objects
 * and processes, the heap and the set-up all work on one private struct
 * merge and keep one invariant together (a merged id, pid or record is
 * decided once, in time order, before the events that use it); split
 * apart they would need that struct in a shared header and the order
 * argued across files, for a file barely over the size.
 *
 * A binary heap holds the inputs by the time of their next event (ties:
 * the earlier input first).  The input on top gives events for as long as
 * they come no later than the best of its two children, so traces that
 * take turns in long runs cost a comparison per event, not a heap update.
 *
 * Objects: the same file in two inputs is one object of the merge.
 * Within one host a file is the same when its kind, device and inode
 * agree, and so do its inode generations when both are known and its
 * paths (a path not known yet, "", agrees with any);
 * across hosts, where device and inode numbers mean nothing, a file is
 * the same when its path is, each host's file joining the first object of
 * that path no file of its host has joined yet.  Address spaces and
 * physical memory belong to their host: the same kind, device, inode and
 * path of the same host.  An object is identified when its first record
 * is read (a path learnt later by a rename makes it findable by other
 * hosts from then on); an object some event names before any record
 * stays its input's own.  The merged id is the input's own id while no
 * other object holds it (so a trace split and merged back keeps its ids),
 * else the next free one.  Records about an object that another input
 * already defined are kept when they bring news in time order (a path
 * for an unnamed object, a later rename or deletion) and dropped when
 * they repeat or go back in time.
 *
 * Processes: pids are moved into a pid space per host (or per input):
 * space N adds N << 22 to pid, tid, tgid and ppid (0 stays 0, "kernel or
 * unknown").  Linux never hands out a pid of 1 << 22 or more
 * (PID_MAX_LIMIT), so the original is pid & 0x3fffff.  Inputs of one host
 * share a space, and with --pids host the same process of one host is one
 * process: the first record of a pid in each input says which process it
 * is, by its start (a fork record's time) when both inputs saw it start,
 * else by its comm (an empty comm agrees with any).  A pid the host space
 * already gives to another process (the pid was reused between two
 * recordings) is moved to a space of its own, numbered after the hosts'.
 * Processes of different hosts that happen to share a pid stay apart.
 *
 * Side records of an input are translated (ids, pids, wall-clock shift;
 * host information keys prefixed "merge.input.N.") into the merge's own
 * tables when the batch they came with is pulled.  When that happens
 * while the output batch already holds events, the batch ends there, so
 * the records precede exactly the events read after them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pgtrace/ops.h"
#include "format/format.h"
#include "util/opts.h"
#include "util/u64map.h"

#define OUT_CAP PGT_PKT_DEFAULT_EVENTS
#define INFO_KEY_MAX 256

struct input {
	struct pgt_source *src;
	const struct pgt_event *evs;
	size_t n, i;
	int done;
	size_t log_pos;		/* of its meta log, translated so far */
	int64_t shift;		/* added to its times (wall clock) */
	uint32_t pid_base;
	uint32_t host;		/* host number, in order of first appearance */
	struct u64map objs;	/* its object id -> ours */
	uint32_t lobj_in, lobj_out;
	struct u64map pids;	/* its pids whose process is known -> ours */
	uint32_t nmoved;	/* of them, not at pid + pid_base */
	uint32_t lpid_in, lpid_out;
	uint64_t events;
};

#define NOIDENT (U64MAP_NONE - 1)	/* an id some event named before any record */

struct mobj {			/* an object of the merge */
	char *def_path, *cur_path;	/* at definition, now */
	uint64_t last_ts;	/* of the last record kept */
	uint32_t id;
	int unlinked;
};

struct ident {			/* a host's name for an object of the merge */
	uint64_t dev, ino, gen;	/* gen: inode generation, 0 unknown */
	uint32_t host, obj;	/* obj: index in objs */
	uint32_t next;		/* same key: index + 1, 0 ends */
	uint8_t kind;
};

struct mproc {			/* a process of the merge */
	uint64_t start;		/* fork time, 0 unknown */
	char *comm;
	uint32_t host, pid, out;
	uint32_t next;		/* same host and pid: index + 1 */
};

struct merge {
	struct pgt_source src;	/* first */
	struct input *in;
	uint32_t n;
	uint32_t *heap, nheap;
	struct pgt_event *out;
	int time_mode, pids_mode;
	int started, ended;
	int err, failed;
	uint32_t *pending, npending;	/* inputs with records to translate */
	struct pgt_buf scratch;
	uint32_t nhosts;
	/* objects: identities by (host, kind, dev, ino) and by path */
	struct mobj *objs;
	uint32_t nobjs, cap_objs;
	struct ident *idents;
	uint32_t nidents, cap_idents;
	struct u64map by_inode, by_path;	/* key -> first ident + 1 */
	struct u64map claimed;	/* (object, host) pairs joined by path */
	struct u64map ids;	/* our ids -> objs index, or NOIDENT */
	uint32_t max_id;
	/* processes (--pids host) */
	struct mproc *procs;
	uint32_t nprocs, cap_procs;
	struct u64map by_pid;	/* (host, pid) -> first process + 1 */
	struct u64map reused;	/* pid -> spaces of its own given to it */
	int warned_spaces;
};

static const char *const pids_names[] = { "host", "input", "keep" };

/* ---- translation of side records ---- */

static void shift_ts(const struct input *in, uint8_t *p)
{
	uint64_t ts = pgt_get_le64(p);

	if (ts && in->shift)
		pgt_put_le64(p, ts + (uint64_t)in->shift);
}

/* From 64 elements, and never more than 2^30 (merge's limit). */
static int grow_array(void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
	if (need > *cap && need > (1u << 30))
		return -ENOMEM;
	return pgt_grow32_from(arr, cap, need, elem, 64);
}

static uint64_t str_hash(const char *s, uint64_t h)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static uint64_t inode_key(uint32_t host, uint8_t kind, uint64_t dev, uint64_t ino)
{
	return u64map_hash(ino ^ u64map_hash(dev ^ u64map_hash((uint64_t)host << 8 | kind)));
}

static uint64_t path_key(const char *path)
{
	return u64map_hash(str_hash(path, 1469598103934665603ull));
}

/* An id of ours for input id @want: @want itself while free, else the
 * next free one after the largest given. */
static uint32_t alloc_id(struct merge *m, uint32_t want, uint32_t val, int *err)
{
	uint32_t id = want;

	if (!id || id >= NOIDENT || u64map_get(&m->ids, id) != U64MAP_NONE) {
		do {
			id = ++m->max_id;
		} while (id && id < NOIDENT && u64map_get(&m->ids, id) != U64MAP_NONE);
		if (!id || id >= NOIDENT) {
			*err = -EOVERFLOW;
			return 0;
		}
	}
	if (id > m->max_id)
		m->max_id = id;
	*err = u64map_put(&m->ids, id, val);
	return id;
}

static uint32_t map_obj(struct merge *m, struct input *in, uint32_t id, int *err)
{
	uint32_t v;

	if (!id)
		return 0;
	if (id == in->lobj_in)
		return in->lobj_out;
	v = u64map_get(&in->objs, id);
	if (v == U64MAP_NONE) {
		/* named by an event before any record: its input's own */
		v = alloc_id(m, id, NOIDENT, err);
		if (!*err)
			*err = u64map_put(&in->objs, id, v);
		if (*err)
			return 0;
	}
	in->lobj_in = id;
	in->lobj_out = v;
	return v;
}

static int path_agrees(const struct mobj *o, const char *path)
{
	return !*path || !*o->def_path || !*o->cur_path || !strcmp(path, o->def_path) ||
	       !strcmp(path, o->cur_path);
}

static int add_ident(struct merge *m, struct u64map *map, uint64_t key, const struct ident *id)
{
	uint32_t head = u64map_get(map, key);
	struct ident *n;

	if (grow_array((void **)&m->idents, &m->cap_idents, m->nidents + 1, sizeof(*m->idents)))
		return -ENOMEM;
	n = &m->idents[m->nidents];
	*n = *id;
	n->next = head == U64MAP_NONE ? 0 : head;
	return u64map_put(map, key, ++m->nidents);
}

static int add_path(struct merge *m, uint32_t obj, const char *path)
{
	struct ident id = { .obj = obj, .kind = PGT_OBJ_FILE };

	return *path ? add_ident(m, &m->by_path, path_key(path), &id) : 0;
}

/* The object of the merge an input's object is, or UINT32_MAX. */
static uint32_t find_obj(struct merge *m, const struct ident *want, const char *path, int *err)
{
	uint32_t i = u64map_get(&m->by_inode, inode_key(want->host, want->kind, want->dev, want->ino));

	for (; i != U64MAP_NONE && i; i = m->idents[i - 1].next) {
		const struct ident *id = &m->idents[i - 1];

		if (id->host == want->host && id->kind == want->kind && id->dev == want->dev &&
		    id->ino == want->ino && (!id->gen || !want->gen || id->gen == want->gen) &&
		    path_agrees(&m->objs[id->obj], path))
			return id->obj;
	}
	if (m->nhosts < 2 || want->kind != PGT_OBJ_FILE || !*path)
		return UINT32_MAX;
	/* another host's file of this path, if none of ours joined it yet */
	i = u64map_get(&m->by_path, path_key(path));
	for (; i != U64MAP_NONE && i; i = m->idents[i - 1].next) {
		uint32_t o = m->idents[i - 1].obj;
		uint64_t pair = (uint64_t)o << 16 | want->host;
		struct ident id = *want;

		if (strcmp(m->objs[o].def_path, path) && strcmp(m->objs[o].cur_path, path))
			continue;
		if (u64map_get(&m->claimed, pair) != U64MAP_NONE)
			continue;
		id.obj = o;
		*err = add_ident(m, &m->by_inode, inode_key(id.host, id.kind, id.dev, id.ino), &id);
		if (!*err)
			*err = u64map_put(&m->claimed, pair, 1);
		return *err ? UINT32_MAX : o;
	}
	return UINT32_MAX;
}

/* A new object of the merge with id @id (already ours). */
static uint32_t new_obj(struct merge *m, const struct ident *want, const char *path, uint32_t id,
			int *err)
{
	struct mobj *o;
	struct ident ident = *want;
	uint32_t idx = m->nobjs;

	*err = grow_array((void **)&m->objs, &m->cap_objs, m->nobjs + 1, sizeof(*m->objs));
	if (*err)
		return UINT32_MAX;
	o = &m->objs[idx];
	memset(o, 0, sizeof(*o));
	o->id = id;
	o->def_path = strdup(path);
	o->cur_path = strdup(path);
	if (!o->def_path || !o->cur_path) {
		free(o->def_path);
		free(o->cur_path);
		*err = -ENOMEM;
		return UINT32_MAX;
	}
	m->nobjs++;
	ident.obj = idx;
	*err = add_ident(m, &m->by_inode, inode_key(ident.host, ident.kind, ident.dev, ident.ino), &ident);
	if (!*err && want->kind == PGT_OBJ_FILE)
		*err = add_path(m, idx, path);
	if (!*err)
		*err = u64map_put(&m->claimed, (uint64_t)idx << 16 | want->host, 1);
	if (!*err)
		*err = u64map_put(&m->ids, id, idx);
	return idx;
}

static int set_path(struct merge *m, struct mobj *o, uint32_t idx, const char *path)
{
	char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	free(o->cur_path);
	o->cur_path = p;
	if (!*o->def_path) {
		free(o->def_path);
		o->def_path = strdup(path);
		if (!o->def_path)
			return -ENOMEM;
	}
	return add_path(m, idx, path);
}

/*
 * An object record of input @in, in @b (a copy, rewritten in place).
 * Return 1 to keep it, 0 to drop it, or an error.
 */
static int translate_object(struct merge *m, struct input *in, uint8_t *b, uint32_t len)
{
	struct pgt_cur c = { b, b + len, 0 };
	struct ident want = { 0 };
	uint32_t in_id, out, idx;
	uint8_t op;
	uint64_t ts;
	const char *p;
	uint32_t plen;
	char *path;
	int err = 0, keep = 1;

	in_id = pgt_cur__u32(&c);
	want.kind = pgt_cur__u8(&c);
	op = pgt_cur__u8(&c);
	pgt_cur__u16(&c);
	ts = pgt_cur__u64(&c);
	want.dev = pgt_cur__u64(&c);
	want.ino = pgt_cur__u64(&c);
	want.gen = pgt_cur__u64(&c);
	pgt_cur__u64(&c);	/* size */
	p = pgt_cur__str(&c, &plen);
	if (c.bad || !in_id) {
		/* kept as it is, its id ours */
		if (len >= 16) {
			pgt_put_le32(b, map_obj(m, in, pgt_get_le32(b), &err));
			shift_ts(in, b + 8);
		}
		return err ? err : 1;
	}
	if (ts && in->shift)
		ts += (uint64_t)in->shift;
	path = malloc((size_t)plen + 1);
	if (!path)
		return -ENOMEM;
	memcpy(path, p, plen);
	path[plen] = 0;
	want.host = in->host;

	out = u64map_get(&in->objs, in_id);
	idx = out == U64MAP_NONE ? UINT32_MAX : u64map_get(&m->ids, out);
	if (out == U64MAP_NONE) {
		/* first sight in this input: an object of another input? */
		idx = find_obj(m, &want, path, &err);
		if (err)
			goto out;
		if (idx != UINT32_MAX) {
			out = m->objs[idx].id;
		} else {
			out = alloc_id(m, in_id, NOIDENT, &err);
			if (!err)
				idx = new_obj(m, &want, path, out, &err);
			if (err)
				goto out;
			m->objs[idx].last_ts = ts;
			m->objs[idx].unlinked = op == PGT_OBJ_UNLINK;
			idx = UINT32_MAX;	/* new: kept as it is */
		}
		err = u64map_put(&in->objs, in_id, out);
		in->lobj_in = 0;
	} else if (idx == NOIDENT) {
		/* events named it first: its identity from now on */
		new_obj(m, &want, path, out, &err);
		if (!err)
			m->objs[m->nobjs - 1].last_ts = ts;
		idx = UINT32_MAX;
	}
	if (err)
		goto out;
	if (idx != UINT32_MAX) {
		/* known already: only news, in time order */
		struct mobj *o = &m->objs[idx];
		int other = *path && strcmp(path, o->cur_path);

		if (ts < o->last_ts && !(other && !*o->cur_path))
			keep = 0;
		else if (op == PGT_OBJ_UNLINK)
			keep = !o->unlinked;
		else if (op == PGT_OBJ_DEFINE && o->unlinked)
			keep = 1;
		else if (other)
			b[5] = PGT_OBJ_RENAME;	/* a define of a known object names it */
		else
			keep = 0;
		if (keep) {
			o->last_ts = ts;
			o->unlinked = op == PGT_OBJ_UNLINK;
			if (other)
				err = set_path(m, o, idx, path);
		}
	}
	pgt_put_le32(b, out);
	shift_ts(in, b + 8);
out:
	free(path);
	return err ? err : keep;
}

/* ---- processes ---- */

/* Our pid for a pid of input @in: the process its records made known,
 * else the pid in the input's space. */
static inline uint32_t map_pid(struct input *in, uint32_t pid)
{
	uint32_t v;

	if (!pid)
		return 0;
	if (in->nmoved) {
		if (pid == in->lpid_in)
			return in->lpid_out;
		v = u64map_get(&in->pids, pid);
		if (v != U64MAP_NONE) {
			in->lpid_in = pid;
			in->lpid_out = v;
			return v;
		}
	}
	return pid + in->pid_base;
}

static int same_process(const struct mproc *p, uint64_t start, const char *comm)
{
	if (p->start && start)
		return p->start == start;
	return !*comm || !*p->comm || !strcmp(comm, p->comm);
}

/* Which process of the merge the first record of @pid in @in names. */
static int decide_pid(struct merge *m, struct input *in, uint32_t pid, uint64_t start, const char *comm)
{
	uint64_t key = (uint64_t)in->host << 32 | pid;
	uint32_t head = u64map_get(&m->by_pid, key), out = pid + in->pid_base, taken = 0;
	struct mproc *p;
	int err;

	for (uint32_t i = head == U64MAP_NONE ? 0 : head; i; i = m->procs[i - 1].next) {
		p = &m->procs[i - 1];
		if (same_process(p, start, comm)) {
			out = p->out;
			goto found;
		}
		taken |= p->out == out;
	}
	if (taken) {
		/* the pid was reused: a space of its own */
		uint32_t k = u64map_get(&m->reused, pid), space;

		k = k == U64MAP_NONE ? 0 : k;
		space = m->nhosts + k;
		if (space >= PGT_MERGE_MAX_SPACES) {
			if (!m->warned_spaces++)
				pgt_diag(PGT_DIAG_WARN, "pid %u names more than %u processes: some share it",
					 pid, PGT_MERGE_MAX_SPACES - m->nhosts);
		} else {
			err = u64map_put(&m->reused, pid, k + 1);
			if (err)
				return err;
			out = pid + (space << PGT_MERGE_PID_SHIFT);
		}
	}
	if (grow_array((void **)&m->procs, &m->cap_procs, m->nprocs + 1, sizeof(*m->procs)))
		return -ENOMEM;
	p = &m->procs[m->nprocs];
	p->comm = strdup(comm);
	if (!p->comm)
		return -ENOMEM;
	p->start = start;
	p->host = in->host;
	p->pid = pid;
	p->out = out;
	p->next = head == U64MAP_NONE ? 0 : head;
	err = u64map_put(&m->by_pid, key, ++m->nprocs);
	if (err)
		return err;
found:
	if (out != pid + in->pid_base)
		in->nmoved++;
	in->lpid_in = 0;
	return u64map_put(&in->pids, pid, out);
}

/* A process record of @in, in @b (a copy, rewritten in place). */
static int translate_process(struct merge *m, struct input *in, uint8_t *b, uint32_t len)
{
	struct pgt_cur c = { b, b + len, 0 };
	uint64_t ts;
	uint32_t pid, op, clen;
	const char *cm;
	char comm[64];
	int err;

	ts = pgt_cur__u64(&c);
	pid = pgt_cur__u32(&c);
	for (int i = 0; i < 4; i++)
		pgt_cur__u32(&c);	/* tgid, ppid, uid, gid */
	op = pgt_cur__u32(&c);
	cm = pgt_cur__str(&c, &clen);
	if (ts && in->shift)
		ts += (uint64_t)in->shift;
	if (!c.bad && pid && m->pids_mode == PGT_MERGE_PIDS_HOST &&
	    u64map_get(&in->pids, pid) == U64MAP_NONE) {
		snprintf(comm, sizeof(comm), "%.*s", (int)clen, cm);
		err = decide_pid(m, in, pid, op == PGT_PROC_FORK ? ts : 0, comm);
		if (err)
			return err;
	}
	shift_ts(in, b);
	for (int i = 0; i < 3; i++)	/* pid, tgid, ppid */
		pgt_put_le32(b + 8 + 4 * i, map_pid(in, pgt_get_le32(b + 8 + 4 * i)));
	return 0;
}

static int translate_info(struct merge *m, uint32_t i, const uint8_t *body, uint32_t len)
{
	struct pgt_cur c = { body, body + len, 0 };
	const char *k, *v;
	uint32_t lk, lv;
	char key[INFO_KEY_MAX + 1], *val;
	int n, err;

	k = pgt_cur__str(&c, &lk);
	v = pgt_cur__str(&c, &lv);
	if (c.bad)
		return -PGT_ECORRUPT;
	n = snprintf(key, sizeof(key), "merge.input.%u.%.*s", i, (int)lk, k);
	if (n < 0)
		return -EINVAL;
	val = malloc((size_t)lv + 1);
	if (!val)
		return -ENOMEM;
	memcpy(val, v, lv);
	val[lv] = 0;
	err = pgt_meta__add_info(m->src.meta, key, val);	/* a long key is cut */
	free(val);
	return err;
}

/* Translate the records input @i read so far into our tables. */
static int import(struct merge *m, uint32_t i)
{
	struct input *in = &m->in[i];
	const struct pgt_buf *log = pgt_meta__log(in->src->meta);
	int err = 0;

	while (!err && in->log_pos + 8 <= log->len) {
		const uint8_t *p = log->data + in->log_pos;
		uint32_t type = pgt_get_le32(p), len = pgt_get_le32(p + 4);
		uint8_t *b;

		in->log_pos += 8 + (size_t)len;
		if (type == PGT_REC_INFO) {
			err = translate_info(m, i, p + 8, len);
			continue;
		}
		m->scratch.len = 0;
		if (pgt_buf__append(&m->scratch, p + 8, len))
			return -ENOMEM;
		b = m->scratch.data;
		switch (type) {
		case PGT_REC_OBJECT:
			err = translate_object(m, in, b, len);
			if (err == 0)
				continue;	/* nothing new */
			err = err < 0 ? err : 0;
			break;
		case PGT_REC_PROCESS:
			if (len >= 20)
				err = translate_process(m, in, b, len);
			break;
		case PGT_REC_LOST:
		case PGT_REC_LEVEL:
			if (len >= 8)
				shift_ts(in, b);
			break;
		default:
			break;	/* formats and unknown records as they are */
		}
		if (!err)
			err = pgt_meta__add_raw(m->src.meta, type, b, len);
	}
	return err;
}

static int log_grew(const struct input *in)
{
	return pgt_meta__log(in->src->meta)->len > in->log_pos;
}

/* ---- the heap of inputs by next event time ---- */

static inline uint64_t head_ts(const struct merge *m, uint32_t i)
{
	const struct input *in = &m->in[i];

	return in->evs[in->i].ts + (uint64_t)in->shift;
}

static inline int before(const struct merge *m, uint32_t a, uint32_t b)
{
	uint64_t ta = head_ts(m, a), tb = head_ts(m, b);

	return ta < tb || (ta == tb && a < b);
}

static void sift_down(struct merge *m, uint32_t pos)
{
	for (;;) {
		uint32_t l = 2 * pos + 1, r = l + 1, best = pos, tmp;

		if (l < m->nheap && before(m, m->heap[l], m->heap[best]))
			best = l;
		if (r < m->nheap && before(m, m->heap[r], m->heap[best]))
			best = r;
		if (best == pos)
			return;
		tmp = m->heap[pos];
		m->heap[pos] = m->heap[best];
		m->heap[best] = tmp;
		pos = best;
	}
}

static void sift_up(struct merge *m, uint32_t pos)
{
	while (pos) {
		uint32_t parent = (pos - 1) / 2, tmp;

		if (!before(m, m->heap[pos], m->heap[parent]))
			return;
		tmp = m->heap[pos];
		m->heap[pos] = m->heap[parent];
		m->heap[parent] = tmp;
		pos = parent;
	}
}

static void heap_pop(struct merge *m)
{
	m->heap[0] = m->heap[--m->nheap];
	sift_down(m, 0);
}

/* Next batch of input @i.  Return 1 with events, 0 at its end, or an
 * error (remembered with the input). */
static int refill(struct merge *m, uint32_t i)
{
	struct input *in = &m->in[i];
	ssize_t n = pgt_source__batch(in->src, &in->evs);

	in->i = 0;
	in->n = n > 0 ? (size_t)n : 0;
	if (n < 0) {
		m->err = (int)n;
		m->failed = (int)i;
		return (int)n;
	}
	if (!n)
		in->done = 1;
	return n > 0;
}

static int add_end_info(struct merge *m)
{
	char key[64], val[32];
	int err = 0;

	for (uint32_t i = 0; !err && i < m->n; i++) {
		snprintf(key, sizeof(key), "merge.input.%u.events", i);
		snprintf(val, sizeof(val), "%llu", (unsigned long long)m->in[i].events);
		err = pgt_meta__add_info(m->src.meta, key, val);
	}
	return err;
}

static int start(struct merge *m)
{
	int err;

	m->started = 1;
	for (uint32_t i = 0; i < m->n; i++) {
		if (refill(m, i) < 0)
			return m->err;
		err = import(m, i);
		if (err)
			return m->err = err;
		if (!m->in[i].done) {
			m->heap[m->nheap++] = i;
			sift_up(m, m->nheap - 1);
		}
	}
	return 0;
}

static ssize_t merge_batch(struct pgt_source *src, const struct pgt_event **evs)
{
	struct merge *m = (struct merge *)src;
	uint32_t k = 0;
	int err = 0;

	if (m->err)
		return m->err;
	if (!m->started && (err = start(m)))
		return err;
	for (uint32_t j = 0; j < m->npending; j++) {
		err = import(m, m->pending[j]);
		if (err)
			return m->err = err;
	}
	m->npending = 0;
	while (k < OUT_CAP && m->nheap) {
		uint32_t a = m->heap[0], lim = UINT32_MAX, before_k = k;
		struct input *in = &m->in[a];
		uint64_t lim_ts = UINT64_MAX, shift = (uint64_t)in->shift;
		size_t i = in->i;

		if (m->nheap > 1) {
			lim = m->heap[1];
			if (m->nheap > 2 && before(m, m->heap[2], lim))
				lim = m->heap[2];
			lim_ts = head_ts(m, lim);
		}
		/* the run: events no later than the next input's head */
		while (i < in->n && k < OUT_CAP) {
			const struct pgt_event *e = &in->evs[i];
			struct pgt_event *o = &m->out[k];
			uint64_t ts = e->ts + shift;

			if (ts > lim_ts || (ts == lim_ts && a > lim))
				break;
			*o = *e;
			o->ts = ts;
			if (o->obj) {
				o->obj = map_obj(m, in, e->obj, &err);
				if (PGT_UNLIKELY(err))
					return m->err = err;
			}
			if (PGT_UNLIKELY(in->nmoved)) {
				o->pid = map_pid(in, e->pid);
				o->tid = map_pid(in, e->tid);
			} else if (in->pid_base) {
				if (o->pid)
					o->pid += in->pid_base;
				if (o->tid)
					o->tid += in->pid_base;
			}
			k++;
			i++;
		}
		in->i = i;
		in->events += k - before_k;
		if (in->i < in->n) {
			sift_down(m, 0);
			continue;
		}
		if (refill(m, a) < 0)
			break;	/* the events so far first, the error next time */
		if (in->done)
			heap_pop(m);
		else
			sift_down(m, 0);
		if (log_grew(in)) {
			if (k) {
				/* its records must not go before the events held */
				m->pending[m->npending++] = a;
				break;
			}
			err = import(m, a);
			if (err)
				return m->err = err;
		}
	}
	if (!m->nheap && !m->ended && !m->err) {
		m->ended = 1;
		err = add_end_info(m);
		if (err)
			m->err = err;
	}
	if (!k && m->err)
		return m->err;
	*evs = m->out;
	return k;
}

static void merge_free(struct pgt_source *src)
{
	struct merge *m = (struct merge *)src;

	for (uint32_t i = 0; m->in && i < m->n; i++) {
		pgt_source__free(m->in[i].src);
		u64map_release(&m->in[i].objs);
		u64map_release(&m->in[i].pids);
	}
	for (uint32_t i = 0; i < m->nobjs; i++) {
		free(m->objs[i].def_path);
		free(m->objs[i].cur_path);
	}
	free(m->objs);
	free(m->idents);
	u64map_release(&m->by_inode);
	u64map_release(&m->by_path);
	u64map_release(&m->claimed);
	u64map_release(&m->ids);
	for (uint32_t i = 0; i < m->nprocs; i++)
		free(m->procs[i].comm);
	free(m->procs);
	u64map_release(&m->by_pid);
	u64map_release(&m->reused);
	free(m->in);
	free(m->heap);
	free(m->pending);
	free(m->out);
	pgt_buf__release(&m->scratch);
	pgt_meta__free(m->src.meta);
	free(m);
}

static const struct pgt_source_ops merge_ops = {
	.name = "merge",
	.batch = merge_batch,
	.free = merge_free,
};

/* ---- set-up ---- */

static int same_host(const struct pgt_header *a, const struct pgt_header *b)
{
	return !strcmp(a->host, b->host);
}

/* The merged header: the first input's, with what the inputs share. */
static void merged_header(struct merge *m, struct pgt_header *h, uint32_t nhosts)
{
	const struct pgt_header *h0 = &m->in[0].src->header;
	int same_kernel = 1, same_clock = 1, same_wall = 1;
	uint64_t start = UINT64_MAX;
	size_t len = 0;

	*h = *h0;
	for (uint32_t i = 1; i < m->n; i++) {
		const struct pgt_header *hi = &m->in[i].src->header;

		same_kernel &= !strcmp(hi->kernel, h0->kernel);
		same_clock &= hi->clock == h0->clock;
		same_wall &= hi->wall_offset == h0->wall_offset;
		/* sizes are known only if every input knew them */
		if (!(hi->features & PGT_FEAT_FILE_SIZES))
			h->features &= ~PGT_FEAT_FILE_SIZES;
	}
	for (uint32_t i = 0; i < m->n; i++) {
		const struct pgt_header *hi = &m->in[i].src->header;
		uint64_t s = hi->start_ts + (uint64_t)m->in[i].shift;

		if (s < start)
			start = s;
	}
	h->start_ts = start;
	if (nhosts > 1) {
		/* the hosts, in order, if they fit; their count if not */
		h->host[0] = 0;
		for (uint32_t i = 0; i < m->n && len < sizeof(h->host); i++) {
			const char *name = m->in[i].src->header.host;
			int seen = 0;

			for (uint32_t j = 0; j < i; j++)
				seen |= same_host(&m->in[j].src->header, &m->in[i].src->header);
			if (!seen)
				len += (size_t)snprintf(h->host + len, sizeof(h->host) - len, "%s%s",
							len ? "," : "", name);
		}
		if (len >= sizeof(h->host) - 1)
			snprintf(h->host, sizeof(h->host), "(%u hosts)", nhosts);
	}
	if (!same_kernel)
		snprintf(h->kernel, sizeof(h->kernel), "(several)");
	if (m->time_mode == PGT_MERGE_TIME_WALL) {
		h->clock = PGT_CLOCK_REALTIME;
		h->wall_offset = 0;
	} else {
		if (!same_clock)
			h->clock = PGT_CLOCK_TRACE_LOCAL;
		if (!same_wall)
			h->wall_offset = 0;
	}
}

static int add_start_info(struct merge *m, const char *const *names)
{
	char key[64], val[64];
	int err;

	snprintf(val, sizeof(val), "%u", m->n);
	err = pgt_meta__add_info(m->src.meta, "merge.inputs", val);
	if (!err)
		err = pgt_meta__add_info(m->src.meta, "merge.pids", pids_names[m->pids_mode]);
	if (!err)
		err = pgt_meta__add_info(m->src.meta, "merge.time",
					 m->time_mode == PGT_MERGE_TIME_WALL ? "wall" : "raw");
	for (uint32_t i = 0; !err && i < m->n; i++) {
		const struct pgt_header *h = &m->in[i].src->header;

		snprintf(key, sizeof(key), "merge.input.%u.name", i);
		snprintf(val, sizeof(val), "input %u", i);
		err = pgt_meta__add_info(m->src.meta, key, names && names[i] ? names[i] : val);
		snprintf(key, sizeof(key), "merge.input.%u.host", i);
		if (!err)
			err = pgt_meta__add_info(m->src.meta, key, h->host);
		snprintf(key, sizeof(key), "merge.input.%u.kernel", i);
		if (!err)
			err = pgt_meta__add_info(m->src.meta, key, h->kernel);
		snprintf(key, sizeof(key), "merge.input.%u.clock", i);
		if (!err)
			err = pgt_meta__add_info(m->src.meta, key, pgt_clock_name(h->clock));
		snprintf(key, sizeof(key), "merge.input.%u.pid_base", i);
		snprintf(val, sizeof(val), "%u", m->in[i].pid_base);
		if (!err)
			err = pgt_meta__add_info(m->src.meta, key, val);
	}
	return err;
}

struct pgt_source *pgt_merge__new(struct pgt_source **in, uint32_t n, const struct pgt_merge_opts *o,
				  int *err)
{
	struct pgt_merge_opts o_;
	struct merge *m = NULL;
	uint32_t nhosts = 0;
	int e = -ENOMEM, same = 1, all_wall = 1;

	if (!o || !PGT_OPTS_VALID(o)) {
		e = -EINVAL;
		goto fail;
	}
	o = PGT_OPTS_FIT(o, &o_);
	if (!n || o->pids < PGT_MERGE_PIDS_HOST || o->pids > PGT_MERGE_PIDS_KEEP ||
	    o->time < PGT_MERGE_TIME_AUTO || o->time > PGT_MERGE_TIME_WALL) {
		e = -EINVAL;
		goto fail;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		goto fail;
	m->src.ops = &merge_ops;
	m->n = n;
	m->failed = -1;
	m->pids_mode = o->pids;
	m->in = calloc(n, sizeof(*m->in));
	if (!m->in)
		goto fail;
	for (uint32_t i = 0; i < n; i++) {
		m->in[i].src = in[i];
		in[i] = NULL;
	}
	m->heap = calloc(n, sizeof(*m->heap));
	m->pending = calloc(n, sizeof(*m->pending));
	m->out = malloc(sizeof(*m->out) * OUT_CAP);
	m->src.meta = pgt_meta__new();
	if (!m->heap || !m->pending || !m->out || !m->src.meta)
		goto fail;
	for (uint32_t i = 0; i < n; i++) {
		const struct pgt_header *hi = &m->in[i].src->header, *h0 = &m->in[0].src->header;
		uint32_t space = UINT32_MAX;

		if (hi->page_size != h0->page_size) {
			pgt_diag(PGT_DIAG_ERROR, "input %u has pages of %u bytes, input 0 of %u: "
				 "cannot merge", i, hi->page_size, h0->page_size);
			e = -EINVAL;
			goto fail;
		}
		same &= same_host(hi, h0) && hi->clock == h0->clock;
		all_wall &= hi->wall_offset != 0;
		/* hosts are numbered in order of first appearance */
		for (uint32_t j = 0; j < i && space == UINT32_MAX; j++)
			if (same_host(&m->in[j].src->header, hi))
				space = m->in[j].pid_base;	/* its host number, for now */
		if (space == UINT32_MAX)
			space = nhosts++;
		m->in[i].pid_base = space;
		m->in[i].host = space;
	}
	m->nhosts = nhosts;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t space = m->in[i].pid_base;

		if (o->pids == PGT_MERGE_PIDS_INPUT)
			space = i;
		else if (o->pids == PGT_MERGE_PIDS_KEEP)
			space = 0;
		if (space >= PGT_MERGE_MAX_SPACES) {
			pgt_diag(PGT_DIAG_ERROR, "more than %u pid spaces: cannot keep the processes apart",
				 PGT_MERGE_MAX_SPACES);
			e = -EINVAL;
			goto fail;
		}
		m->in[i].pid_base = space << PGT_MERGE_PID_SHIFT;
	}
	m->time_mode = o->time;
	if (o->time == PGT_MERGE_TIME_AUTO)
		m->time_mode = same || !all_wall ? PGT_MERGE_TIME_RAW : PGT_MERGE_TIME_WALL;
	if (o->time == PGT_MERGE_TIME_AUTO && !same && !all_wall)
		pgt_diag(PGT_DIAG_WARN, "the inputs come from different hosts or clocks and not all "
			 "know their wall-clock offset: ordered by their own timestamps");
	if (m->time_mode == PGT_MERGE_TIME_WALL) {
		for (uint32_t i = 0; i < n; i++) {
			if (!m->in[i].src->header.wall_offset) {
				pgt_diag(PGT_DIAG_ERROR, "input %u does not know its wall-clock offset", i);
				e = -EINVAL;
				goto fail;
			}
			m->in[i].shift = m->in[i].src->header.wall_offset;
		}
	}
	merged_header(m, &m->src.header, nhosts);
	e = add_start_info(m, o->names);
	if (e)
		goto fail;
	return &m->src;
fail:
	*err = e;
	for (uint32_t i = 0; i < n; i++)
		pgt_source__free(in[i]);	/* those not taken yet */
	if (m)
		merge_free(&m->src);
	return NULL;
}

int pgt_merge__failed_input(struct pgt_source *src)
{
	return ((struct merge *)src)->failed;
}

int pgt_merge__time_mode(struct pgt_source *src)
{
	return ((struct merge *)src)->time_mode;
}
