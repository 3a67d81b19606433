/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * opts.h - the size field of the public options structures.
 *
 * Every struct pgt_*_opts that may grow starts with "size_t sz", which the
 * caller sets to sizeof the structure it was compiled with.  So that a
 * program and a library of different versions still agree:
 *  - a caller's structure shorter than ours (an older program) is taken
 *    with the members it lacks at zero, which is every member's default;
 *  - a caller's structure longer than ours (a newer program) is accepted
 *    only when every byte past what this library knows is zero: a member
 *    it set that we would ignore is refused with -EINVAL, not dropped;
 *  - sz 0 means this library's size (callers that zero the structure and
 *    never set sz, as the library's own callers did before the check);
 *  - a NULL pointer means every default.
 * A public function checks its options once, at its entry, with
 * PGT_OPTS_VALID(), then reads them through PGT_OPTS_FIT() (a full-size
 * view) or PGT_OPTS_GET() (one member), never past the caller's size.
 */
#ifndef PGT_UTIL_OPTS_H
#define PGT_UTIL_OPTS_H

#include <stddef.h>
#include <string.h>

/* The caller's size of *@o (non-NULL). */
#define PGT_OPTS_SZ(o) ((o)->sz ? (o)->sz : sizeof(*(o)))

/* 1 when the bytes of @p from @known to @sz are zero and @sz holds at
 * least the size field itself. */
static inline int pgt_opts__valid(const void *p, size_t sz, size_t known)
{
	const unsigned char *b = p;

	if (sz < sizeof(size_t))
		return 0;
	for (size_t i = known; i < sz; i++)
		if (b[i])
			return 0;
	return 1;
}

/* 1 when the options @o (NULL allowed) may be used, 0 for -EINVAL. */
#define PGT_OPTS_VALID(o) (!(o) || pgt_opts__valid((o), PGT_OPTS_SZ(o), sizeof(*(o))))

/* 1 when the caller's structure holds member @f. */
#define PGT_OPTS_HAS(o, f) \
	((o) && PGT_OPTS_SZ(o) >= offsetof(__typeof__(*(o)), f) + sizeof((o)->f))

/* Member @f of the caller's options, or @def when it lies past their size
 * (or @o is NULL). */
#define PGT_OPTS_GET(o, f, def) (PGT_OPTS_HAS(o, f) ? (o)->f : (def))

static inline const void *pgt_opts__fit(const void *o, size_t sz, void *local, size_t known)
{
	if (!o || sz >= known)
		return o;
	memset(local, 0, known);
	memcpy(local, o, sz);
	return local;
}

/*
 * The caller's options (checked with PGT_OPTS_VALID()) as a pointer to a
 * whole structure of this library's: @o itself when it is long enough,
 * else @local (a structure of the same type, living as long as the
 * pointer is used) holding the caller's members and zero (the default)
 * for the others.  NULL stays NULL.
 */
#define PGT_OPTS_FIT(o, local) \
	((__typeof__(o))pgt_opts__fit((o), (o) ? PGT_OPTS_SZ(o) : 0, (local), sizeof(*(local))))

#endif
