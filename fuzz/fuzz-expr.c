// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz target for filter expressions: any bytes are parsed as an
 * expression; a rejected one must name an offset inside the text and a
 * reason, an accepted one is matched against a few events with side
 * tables (twice, so the cached path runs too) and must agree with itself.
 * Must never crash, hang, leak or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "pgtrace/ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pgt_meta *make_meta(void)
{
	static const char *const paths[] = { "/usr/lib/libc.so.6", "/home/a b/x.txt", "" };
	static const char *const comms[] = { "bash", "cc1", "" };
	struct pgt_meta *m = pgt_meta__new();

	if (!m)
		return NULL;
	for (uint32_t i = 0; i < 3; i++) {
		struct pgt_object o = { .id = i + 1, .kind = i == 2 ? PGT_OBJ_MM : PGT_OBJ_FILE,
					.dev = makedev(8, i), .ino = 40 + i, .path = paths[i] };
		struct pgt_process p = { .pid = 100 * (i + 1), .uid = i * 1000, .comm = comms[i],
					 .cwd = "/", .exe = "" };

		pgt_meta__add_object(m, &o);
		pgt_meta__add_process(m, &p);
	}
	return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pgt_event evs[] = {
		{ .ts = 1000, .cpu = 0, .pid = 100, .tid = 100, .obj = 1, .type = PGT_EV_LOOKUP,
		  .index = 10, .npages = 1, .pfn = PGT_PFN_NONE },
		{ .ts = 2000000000, .seq = 1, .cpu = 1, .pid = 200, .tid = 201, .obj = 2,
		  .type = PGT_EV_ADD, .index = 20, .npages = 10, .pfn = 5000, .aux = 7,
		  .flags = PGT_F_WRITE | PGT_F_DIRTY },
		{ .ts = 3000000000, .seq = 2, .cpu = 2, .pid = 999, .obj = 3, .type = PGT_EV_LRU_ADD,
		  .npages = 0, .flags = PGT_F_MAJOR | (2u << PGT_F_LEVEL_SHIFT) },
		{ .ts = UINT64_MAX, .seq = 3, .cpu = 3, .pid = 300, .obj = 77, .type = 200,
		  .index = UINT64_MAX - 1, .npages = UINT32_MAX, .pfn = 7, .aux = UINT64_MAX },
	};
	static struct pgt_meta *meta;
	struct pgt_parse_error pe;
	char *text;
	int err = 0, first[4];
	struct pgt_expr *e;

	if (size > 1 << 16)
		return 0;
	if (!meta && !(meta = make_meta()))
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	e = pgt_expr__parse(text, &pe, &err);
	if (!e) {
		/* the caret must land inside the text (or just past it), the
		 * bad token too */
		if (err == -PGT_EPARSE && (pe.offset + pe.len > strlen(text) || !pe.msg[0] || pe.line))
			abort();
		free(text);
		return 0;
	}
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
			int r = pgt_expr__match(e, &evs[i], meta);

			if (r != 0 && r != 1)
				abort();
			if (!round)
				first[i] = r;
			else if (first[i] != r)
				abort();	/* a cached answer differs */
		}
	/* no side tables: unknown values, still no crash */
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		pgt_expr__match(e, &evs[i], NULL);
	pgt_expr__free(e);
	free(text);
	return 0;
}
