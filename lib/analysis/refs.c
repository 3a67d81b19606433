// SPDX-License-Identifier: LGPL-2.1-or-later
/* Which events count as page references (stats, phase). */
#include <string.h>

#include "pgtrace/analysis.h"

uint32_t pgt_refs_default(void)
{
	return PGT_REFS_BIT(PGT_EV_LOOKUP) | PGT_REFS_BIT(PGT_EV_FAULT) | PGT_REFS_BIT(PGT_EV_MAP) |
	       PGT_REFS_BIT(PGT_EV_USER_FAULT) | PGT_REFS_BIT(PGT_EV_REFERENCE);
}

int pgt_refs_parse(const char *list, uint32_t *mask, const char **bad)
{
	const char *p = list;

	*mask = 0;
	*bad = list;
	if (!*p)
		return -PGT_EPARSE;
	for (;;) {
		size_t len = strcspn(p, ",");
		int t;

		*bad = p;
		if (len == 7 && !memcmp(p, "default", 7)) {
			*mask |= pgt_refs_default();
		} else if (len == 3 && !memcmp(p, "all", 3)) {
			for (t = PGT_EV_NONE + 1; t < PGT_EV_NTYPES; t++)
				*mask |= PGT_REFS_BIT(t);
		} else {
			t = pgt_event_type_parse(p, len);
			if (t <= PGT_EV_NONE || t >= PGT_EV_NTYPES)
				return -PGT_EPARSE;
			*mask |= PGT_REFS_BIT(t);
		}
		if (!p[len])
			return 0;
		p += len + 1;
	}
}
