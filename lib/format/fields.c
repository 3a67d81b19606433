// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The field table (fields.h): every name a filter, split, stats, dump,
 * export or CSV import accepts for a field of an event, with what it
 * means there.  Lists for help texts, man pages and messages are made
 * from it (pgt_fields__names()), and t/unit/test-fields.c and
 * t/t0305-fields.sh check the man pages against it.
 *
 * Keys are read by one function, pgt_field__key(), so split --by comm
 * and stats --by comm group the same events: by the event's process
 * (pid), as the comm column of dump does.
 */
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "pgtrace/fields.h"

#define ROW (PGT_FU_FILTER | PGT_FU_COLUMN | PGT_FU_ALL | PGT_FU_IMPORT)
#define KEY (PGT_FU_SPLIT | PGT_FU_STATS | PGT_FU_PHASE)

/* In the order of the columns of --fields all; the others where they read best. */
static const struct pgt_field table[] = {
	{ "seq", PGT_FIELD_SEQ, PGT_FT_NUM, ROW, "event number in the stream, from 0" },
	{ "ts", PGT_FIELD_TS, PGT_FT_TIME, ROW, "time in nanoseconds (a filter also takes units: 2s)" },
	{ "time", PGT_FIELD_TS, PGT_FT_TIME, PGT_FU_FILTER, "the same as ts" },
	{ "cpu", PGT_FIELD_CPU, PGT_FT_NUM, ROW | KEY, "CPU the event happened on" },
	{ "pid", PGT_FIELD_PID, PGT_FT_NUM, ROW | KEY, "process id" },
	{ "tid", PGT_FIELD_TID, PGT_FT_NUM, ROW | KEY, "thread id" },
	{ "uid", PGT_FIELD_UID, PGT_FT_NUM, PGT_FU_FILTER | KEY, "user id of the event's process" },
	{ "comm", PGT_FIELD_COMM, PGT_FT_STR, ROW | KEY,
	  "command name of the event's process (by pid)" },
	{ "cwd", PGT_FIELD_CWD, PGT_FT_STR, PGT_FU_FILTER | KEY,
	  "working directory of the event's process" },
	{ "type", PGT_FIELD_TYPE, PGT_FT_TYPE, ROW | KEY, "event type name (lookup, fault, ...)" },
	{ "obj", PGT_FIELD_OBJ, PGT_FT_NUM, ROW, "object id in the stream's object table" },
	{ "path", PGT_FIELD_PATH, PGT_FT_STR, ROW, "path of the event's object" },
	{ "file", PGT_FIELD_PATH, PGT_FT_STR, PGT_FU_FILTER | KEY,
	  "path of the event's object (obj:N when it has none)" },
	{ "dev", PGT_FIELD_DEV, PGT_FT_DEV, ROW | KEY, "device of the event's object, major:minor" },
	{ "ino", PGT_FIELD_INO, PGT_FT_NUM, ROW, "inode number of the event's object" },
	{ "inode", PGT_FIELD_INODE, PGT_FT_STR, KEY,
	  "identity of the event's object, major:minor:ino" },
	{ "index", PGT_FIELD_INDEX, PGT_FT_NUM, ROW, "first page of the event in its object" },
	{ "npages", PGT_FIELD_NPAGES, PGT_FT_NUM, ROW, "pages the event covers" },
	{ "page", PGT_FIELD_PAGE, PGT_FT_PAGE, PGT_FU_FILTER,
	  "any page of [index, index + npages)" },
	{ "pfn", PGT_FIELD_PFN, PGT_FT_NUM, ROW, "physical frame number, when known" },
	{ "flags", PGT_FIELD_FLAGS, PGT_FT_FLAGS, ROW, "write, major, dirty, anon, levelN" },
	{ "level", PGT_FIELD_LEVEL, PGT_FT_NUM, PGT_FU_FILTER, "recording level of the event" },
	{ "aux", PGT_FIELD_AUX, PGT_FT_NUM, ROW, "type-specific value" },
	{ "cgroup", PGT_FIELD_CGROUP, PGT_FT_STR, PGT_FU_FILTER | PGT_FU_COLUMN | KEY,
	  "cgroup v2 path of the event's process" },
};

const struct pgt_field *pgt_fields(size_t *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}

const struct pgt_field *pgt_field__find(const char *name, size_t len, unsigned uses)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if ((table[i].uses & uses) == uses && strlen(table[i].name) == len &&
		    !memcmp(table[i].name, name, len))
			return &table[i];
	return NULL;
}

const struct pgt_field *pgt_field__by_id(unsigned id, unsigned uses)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].id == id && (table[i].uses & uses) == uses)
			return &table[i];
	return NULL;
}

size_t pgt_fields__names(unsigned uses, const char *sep, char *buf, size_t len)
{
	size_t at = 0;

	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const char *parts[2] = { at ? sep : "", table[i].name };

		if ((table[i].uses & uses) != uses)
			continue;
		for (int k = 0; k < 2; k++) {
			size_t n = strlen(parts[k]);

			if (at + n < len)
				memcpy(buf + at, parts[k], n + 1);
			else if (len)
				buf[len - 1] = 0;
			at += n;
		}
	}
	return at;
}

size_t pgt_fields__help(unsigned uses, char *buf, size_t len)
{
	size_t at = 0;

	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		int n;

		if ((table[i].uses & uses) != uses)
			continue;
		n = snprintf(buf + (at < len ? at : len), at < len ? len - at : 0, "  %-24s %s\n",
			     table[i].name, table[i].desc);
		if (n > 0)
			at += (size_t)n;
	}
	return at;
}

int pgt_field__key(unsigned id, const struct pgt_event *ev, const struct pgt_meta *m,
		   uint64_t *num, const char **str, char *buf, size_t len)
{
	const struct pgt_process *p = NULL;
	const struct pgt_object *o = NULL;

	*num = 0;
	*str = "";
	switch (id) {
	case PGT_FIELD_SEQ: *num = ev->seq; return PGT_KEY_NUM;
	case PGT_FIELD_TS: *num = ev->ts; return PGT_KEY_NUM;
	case PGT_FIELD_CPU: *num = ev->cpu; return PGT_KEY_NUM;
	case PGT_FIELD_PID: *num = ev->pid; return PGT_KEY_NUM;
	case PGT_FIELD_TID: *num = ev->tid; return PGT_KEY_NUM;
	case PGT_FIELD_OBJ: *num = ev->obj; return PGT_KEY_NUM;
	case PGT_FIELD_INDEX: *num = ev->index; return PGT_KEY_NUM;
	case PGT_FIELD_NPAGES: *num = ev->npages; return PGT_KEY_NUM;
	case PGT_FIELD_FLAGS: *num = ev->flags; return PGT_KEY_NUM;
	case PGT_FIELD_AUX: *num = ev->aux; return PGT_KEY_NUM;
	case PGT_FIELD_LEVEL:
		*num = (ev->flags & PGT_F_LEVEL_MASK) >> PGT_F_LEVEL_SHIFT;
		return PGT_KEY_NUM;
	case PGT_FIELD_PFN:
		if (ev->pfn == PGT_PFN_NONE)
			return PGT_KEY_STR;
		*num = ev->pfn;
		return PGT_KEY_NUM;
	case PGT_FIELD_UID: case PGT_FIELD_COMM: case PGT_FIELD_CWD: case PGT_FIELD_CGROUP:
		p = ev->pid && m ? pgt_meta__process(m, ev->pid) : NULL;
		if (!p)
			return PGT_KEY_STR;
		if (id == PGT_FIELD_UID) {
			*num = p->uid;
			return PGT_KEY_NUM;
		}
		*str = id == PGT_FIELD_COMM ? p->comm : id == PGT_FIELD_CWD ? p->cwd : p->cgroup;
		if (!*str)
			*str = "";
		return PGT_KEY_STR;
	case PGT_FIELD_PATH: case PGT_FIELD_DEV: case PGT_FIELD_INO: case PGT_FIELD_INODE:
		o = ev->obj && m ? pgt_meta__object(m, ev->obj) : NULL;
		if (!ev->obj || (!o && id != PGT_FIELD_PATH))
			return PGT_KEY_STR;
		if (id == PGT_FIELD_PATH && o && o->path && o->path[0]) {
			*str = o->path;
			return PGT_KEY_STR;
		}
		if (id == PGT_FIELD_PATH)
			snprintf(buf, len, "obj:%u", ev->obj);	/* an object without a name */
		else if (id == PGT_FIELD_INO) {
			*num = o->ino;
			return PGT_KEY_NUM;
		} else if (id == PGT_FIELD_DEV)
			snprintf(buf, len, "%u:%u", major(o->dev), minor(o->dev));
		else
			snprintf(buf, len, "%u:%u:%llu", major(o->dev), minor(o->dev),
				 (unsigned long long)o->ino);
		*str = buf;
		return PGT_KEY_STR;
	case PGT_FIELD_TYPE:
		if (ev->type > PGT_EV_NONE && ev->type < PGT_EV_NTYPES) {
			*str = pgt_event_type_name(ev->type);
		} else {
			snprintf(buf, len, "type-%u", ev->type);
			*str = buf;
		}
		return PGT_KEY_STR;
	default:		/* page: a range, no one value */
		*num = ev->index;
		return PGT_KEY_NUM;
	}
}

const char *pgt_field__text(unsigned id, const struct pgt_event *ev, const struct pgt_meta *m,
			    char *buf, size_t len)
{
	uint64_t num;
	const char *s;

	if (pgt_field__key(id, ev, m, &num, &s, buf, len) == PGT_KEY_STR)
		return s;
	snprintf(buf, len, "%llu", (unsigned long long)num);
	return buf;
}

unsigned pgt_field__side(unsigned id)
{
	switch (id) {
	case PGT_FIELD_UID: case PGT_FIELD_COMM: case PGT_FIELD_CWD: case PGT_FIELD_CGROUP:
		return PGT_SIDE_PROCESS;
	case PGT_FIELD_PATH: case PGT_FIELD_DEV: case PGT_FIELD_INO: case PGT_FIELD_INODE:
		return PGT_SIDE_OBJECT;
	default:
		return PGT_SIDE_NONE;
	}
}
