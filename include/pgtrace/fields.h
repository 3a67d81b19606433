/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fields.h - the one table of the fields of an event: what a filter
 * expression tests, what split, stats --by and phase --by key on, the
 * columns dump and export write and import reads.
 *
 * Every list of field names (help texts, man pages, error messages) is
 * generated from or checked against this table, so a field has one name
 * and one meaning wherever it is accepted.  A field resolved through the
 * side tables (comm, cgroup, cwd and uid by the event's pid; path, dev,
 * ino and inode by its object) reads the stream's struct pgt_meta.
 */
#ifndef PGTRACE_FIELDS_H
#define PGTRACE_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "pgtrace/pgtrace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The fields, one value each; a name in the table may be an alias. */
enum pgt_field_id {
	PGT_FIELD_SEQ, PGT_FIELD_TS, PGT_FIELD_CPU, PGT_FIELD_PID, PGT_FIELD_TID,
	PGT_FIELD_UID, PGT_FIELD_COMM, PGT_FIELD_CGROUP, PGT_FIELD_CWD, PGT_FIELD_TYPE,
	PGT_FIELD_OBJ, PGT_FIELD_PATH, PGT_FIELD_DEV, PGT_FIELD_INO, PGT_FIELD_INODE,
	PGT_FIELD_INDEX, PGT_FIELD_NPAGES, PGT_FIELD_PAGE, PGT_FIELD_PFN, PGT_FIELD_FLAGS,
	PGT_FIELD_LEVEL, PGT_FIELD_AUX,
	PGT_FIELD_NIDS,
};

/* What values a field takes (which decides a filter's operators). */
enum pgt_field_type {
	PGT_FT_NUM,		/* unsigned number */
	PGT_FT_TIME,		/* nanoseconds, or a duration with a unit */
	PGT_FT_DEV,		/* major:minor */
	PGT_FT_FLAGS,		/* flag names or a number */
	PGT_FT_PAGE,		/* the pages [index, index + npages) */
	PGT_FT_TYPE,		/* an event type name */
	PGT_FT_STR,		/* a string from the side tables */
};

/* Where a field makes sense: bits of struct pgt_field.uses. */
enum pgt_field_use {
	PGT_FU_FILTER = 1u << 0,	/* a field of a filter expression */
	PGT_FU_SPLIT = 1u << 1,		/* a key of split --by */
	PGT_FU_STATS = 1u << 2,		/* a key of stats --by */
	PGT_FU_COLUMN = 1u << 3,	/* a column of dump and export --fields */
	PGT_FU_ALL = 1u << 4,		/* one of the columns of --fields all */
	PGT_FU_IMPORT = 1u << 5,	/* a column of a CSV import header */
	PGT_FU_PHASE = 1u << 6,		/* a key of phase --by */
};

/**
 * struct pgt_field - one name of the table.
 * @name:  what the user writes
 * @id:    enum pgt_field_id: the value (two names with one id are aliases)
 * @type:  enum pgt_field_type
 * @uses:  enum pgt_field_use bits
 * @desc:  one line for help texts and man pages
 */
struct pgt_field {
	const char *name;
	uint8_t id;
	uint8_t type;
	uint16_t uses;
	const char *desc;
};

/**
 * pgt_fields() - the table, in the order lists show it; *@n gets its
 * length.  Static: never freed.
 */
const struct pgt_field *pgt_fields(size_t *n);

/**
 * pgt_field__find() - the entry named by the @len bytes at @name that has
 * every bit of @uses (0: any entry), or NULL.  Static: never freed.
 */
const struct pgt_field *pgt_field__find(const char *name, size_t len, unsigned uses);

/**
 * pgt_field__by_id() - the first entry (in table order) of value @id
 * that has every bit of @uses, or NULL.  Static: never freed.
 */
const struct pgt_field *pgt_field__by_id(unsigned id, unsigned uses);

/**
 * pgt_fields__names() - the names of the entries with every bit of @uses,
 * in table order, joined by @sep, into @buf (always terminated when @len
 * is not 0).  Return the length the whole list needs (as snprintf()).
 */
size_t pgt_fields__names(unsigned uses, const char *sep, char *buf, size_t len);

/**
 * pgt_fields__help() - the entries with every bit of @uses as lines of a
 * help text ("  NAME   description\n", the description at column 27) into
 * @buf, always terminated when @len is not 0.  Return the length the whole
 * text needs (as snprintf()).
 */
size_t pgt_fields__help(unsigned uses, char *buf, size_t len);

/* A key's kind, the return value of pgt_field__key(). */
enum pgt_key_kind { PGT_KEY_NUM, PGT_KEY_STR };

/**
 * pgt_field__key() - the value of field @id of @ev as a key, resolved
 * through @m (may be NULL: the side-table fields are then unknown).
 *
 * Returns PGT_KEY_NUM with *@num set, or PGT_KEY_STR with *@str set to a
 * string that is either @buf (at least 48 bytes) or borrowed from @m (valid
 * until @m grows) or static.  An unknown value is the empty string.  The
 * string keys: comm, cgroup, cwd of the event's process (by pid); path
 * (an object without one is "obj:N"); dev "major:minor"; inode
 * "major:minor:ino"; type its name ("type-N" for an unknown one); uid is a
 * number, or "" when the process is unknown.  Split, stats and the filter
 * all read keys through it, so a key means one thing everywhere.
 */
int pgt_field__key(unsigned id, const struct pgt_event *ev, const struct pgt_meta *m,
		   uint64_t *num, const char **str, char *buf, size_t len);

/**
 * pgt_field__text() - pgt_field__key() as text: a number is written in
 * decimal into @buf.  Returns @buf or the borrowed string.
 */
const char *pgt_field__text(unsigned id, const struct pgt_event *ev, const struct pgt_meta *m,
			    char *buf, size_t len);

/* What a field is read from: the return value of pgt_field__side(). */
enum pgt_field_side {
	PGT_SIDE_NONE,		/* the event itself */
	PGT_SIDE_PROCESS,	/* the process table, by the event's pid */
	PGT_SIDE_OBJECT,	/* the object table, by the event's object */
};

/**
 * pgt_field__side() - where field @id is read from (enum pgt_field_side).
 * A field read from a side table has the same value for every event of
 * one process (or object) while the table stands, and must be read with
 * the tables as they stood at the event: a sink keyed on it is
 * PGT_SINK_IN_STEP (sink.h).
 */
unsigned pgt_field__side(unsigned id);

#ifdef __cplusplus
}
#endif

#endif
