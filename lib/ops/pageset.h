/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An LRU list of pages of bounded size: the building block of reduce
 * --fifo and of the LRU simulation that checks reductions.  Pages are (object, page index).
 * O(1) per access; memory proportional to the capacity.
 */
#ifndef PGT_OPS_PAGESET_H
#define PGT_OPS_PAGESET_H

#include <stdint.h>

#include "pgtrace/pgtrace.h"

#define PS_NONE UINT32_MAX

struct ps_node {
	uint64_t index;
	uint32_t obj;
	uint32_t prev, next;	/* recency list (head = most recent) */
};

struct pageset {
	struct ps_node *nodes;
	uint32_t *hash;		/* node + 1, 0 empty; linear probing */
	uint64_t hmask;
	uint32_t cap, n, free_head;
	uint32_t head, tail;	/* recency list */
};

int pgt_pageset__init(struct pageset *s, uint32_t cap);
void pgt_pageset__release(struct pageset *s);
/* Node of (obj, index), or PS_NONE. */
uint32_t pgt_pageset__find(const struct pageset *s, uint32_t obj, uint64_t index);
/* Make (obj, index) the most recent; insert it if absent, evicting the
 * least recent when full.  *@hit tells whether it was there. Returns the
 * node. */
uint32_t pgt_pageset__access(struct pageset *s, uint32_t obj, uint64_t index, int *hit);
/* Insert at the most recent end without touching recency of others,
 * evicting the oldest when full (FIFO admission). */
uint32_t pgt_pageset__admit(struct pageset *s, uint32_t obj, uint64_t index);

#endif
