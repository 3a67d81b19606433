// SPDX-License-Identifier: LGPL-2.1-or-later
/* Which events count as page references (stats, phase). */
#include <stdio.h>
#include <string.h>

#include "pgtrace/analysis.h"
#include "util/parse-error.h"

uint32_t pgt_refs_default(void)
{
	return PGT_REFS_BIT(PGT_EV_LOOKUP) | PGT_REFS_BIT(PGT_EV_FAULT) |
	       PGT_REFS_BIT(PGT_EV_USER_FAULT) | PGT_REFS_BIT(PGT_EV_REFERENCE);
}

char *pgt_refs_names(uint32_t mask, char *buf, size_t len)
{
	size_t at = 0;

	if (len)
		buf[0] = 0;
	for (unsigned t = PGT_EV_NONE + 1; t < PGT_EV_NTYPES && t < 32; t++)
		if (mask & PGT_REFS_BIT(t)) {
			int n = snprintf(buf + at, len > at ? len - at : 0, "%s%s", at ? "," : "",
					 pgt_event_type_name(t));

			if (n < 0 || (size_t)n >= len - at)
				break;
			at += (size_t)n;
		}
	return buf;
}

unsigned pgt_refs_caveats(const struct pgt_refs_tally *t, const struct pgt_header *h,
			  const struct pgt_meta *m, uint32_t mask)
{
	const char *rec = m ? pgt_meta__info(m, "recorder") : NULL;
	unsigned c = 0;

	if (!mask)
		mask = pgt_refs_default();
	if ((t->events[PGT_EV_FAULT] || t->events[PGT_EV_MAP] || t->events[PGT_EV_USER_FAULT]) &&
	    !t->events[PGT_EV_ACCESS_SAMPLE])
		c |= PGT_CAVEAT_MAPPED;
	if (t->events[PGT_EV_MAP] && !(mask & PGT_REFS_BIT(PGT_EV_MAP)))
		c |= PGT_CAVEAT_MAP_SKIPPED;
	if (rec && !strncmp(rec, "pgtrace record", 14) && h && !(h->features & PGT_FEAT_FILE_SIZES) &&
	    t->events[PGT_EV_LOOKUP] && (mask & PGT_REFS_BIT(PGT_EV_LOOKUP)))
		c |= PGT_CAVEAT_NO_SIZES;
	return c;
}

const char *pgt_refs_caveat_text(unsigned caveat)
{
	switch (caveat) {
	case PGT_CAVEAT_MAPPED:
		return "a mapped page faults only when it is not mapped, so touches of pages already mapped "
		       "(by an earlier fault or by fault-around) are not in this trace (record with -l 3 or "
		       "--damon to sample them)";
	case PGT_CAVEAT_MAP_SKIPPED:
		return "fault-around maps are not references: a map event covers the pages the kernel "
		       "mapped around a fault because they were cached, the touched page among them when "
		       "it was cached (then no fault event names it), and which one was touched is not "
		       "known ('--refs default,map' counts them all)";
	case PGT_CAVEAT_NO_SIZES:
		return "recorded without file sizes (format before 1.2): a lookup covers the pages its read "
		       "asked for, past the end of the file too, so distinct pages and the footprint are "
		       "too high (record again)";
	}
	return "";
}

int pgt_refs_parse(const char *list, uint32_t *mask, struct pgt_parse_error *pe)
{
	const char *p = list;

	*mask = 0;
	if (!*p) {
		pgt_parse_error__set(pe, 0, 0, 0, "no event type given");
		return -PGT_EPARSE;
	}
	for (;;) {
		size_t len = strcspn(p, ",");
		int t;

		if (len == 7 && !memcmp(p, "default", 7)) {
			*mask |= pgt_refs_default();
		} else if (len == 3 && !memcmp(p, "all", 3)) {
			for (t = PGT_EV_NONE + 1; t < PGT_EV_NTYPES; t++)
				*mask |= PGT_REFS_BIT(t);
		} else {
			t = pgt_event_type_parse(p, len);
			if (t <= PGT_EV_NONE || t >= PGT_EV_NTYPES) {
				pgt_parse_error__set(pe, 0, (size_t)(p - list), len, "unknown event type '%.*s'",
						     (int)len, p);
				return -PGT_EPARSE;
			}
			*mask |= PGT_REFS_BIT(t);
		}
		if (!p[len])
			return 0;
		p += len + 1;
	}
}
