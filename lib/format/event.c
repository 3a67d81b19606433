// SPDX-License-Identifier: LGPL-2.1-or-later
/* Names of event types. */
#include "format.h"

static const char *const type_names[PGT_EV_NTYPES] = {
	[PGT_EV_NONE] = "none",
	[PGT_EV_LOOKUP] = "lookup",
	[PGT_EV_FAULT] = "fault",
	[PGT_EV_MAP] = "map",
	[PGT_EV_ADD] = "add",
	[PGT_EV_DELETE] = "delete",
	[PGT_EV_LRU_ADD] = "lru-add",
	[PGT_EV_LRU_ACTIVATE] = "lru-activate",
	[PGT_EV_ACCESS_SAMPLE] = "access-sample",
	[PGT_EV_USER_FAULT] = "user-fault",
	[PGT_EV_SNAPSHOT_PAGE] = "snapshot-page",
	[PGT_EV_REFERENCE] = "reference",
};

const char *pgt_event_type_name(unsigned type)
{
	return type < PGT_EV_NTYPES ? type_names[type] : "unknown";
}

int pgt_event_type_parse(const char *name, size_t len)
{
	for (unsigned i = 1; i < PGT_EV_NTYPES; i++)
		if (strlen(type_names[i]) == len && !memcmp(type_names[i], name, len))
			return (int)i;
	return -PGT_EPARSE;
}
