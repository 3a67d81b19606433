// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz target for the recorder's readers of kernel-made records: the
 * tracefs event format parser (events/SYS/NAME/format,
 * lib/kernel/tracefs-format.c, with the recorder's field table) on the
 * input up to its first NUL, and the fanotify file handle record
 * parser (lib/record/names-watch.c) on the whole input, with and without
 * a name.
 * What they accept must hold: an ID in range, each field's offset and
 * size numbers the text gives (not truncated to something else), a handle
 * and a NUL-terminated name inside the record.  Must never crash, hang,
 * leak or read out of bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>

#include "record/names.h"
#include "record/record-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz-tracefs-format: %s:%d: %s\n", __FILE__, __LINE__, #c); abort(); } } while (0)

/* Whether @what ("offset:") is followed somewhere in @text by the number @v. */
static int text_gives(const char *text, const char *what, long v)
{
	for (const char *p = strstr(text, what); p; p = strstr(p + 1, what)) {
		char *end;
		long got = strtol(p + strlen(what), &end, 10);

		if (end != p + strlen(what) && got == v)
			return 1;
	}
	return 0;
}

static void check_format(const char *text)
{
	int16_t off[PGT_RECORD_NFIELDS];
	uint8_t sz[PGT_RECORD_NFIELDS];
	int id = -2;
	int err = pgt_tracefs_format__parse(text, &id, off, sz);

	if (err) {
		CHECK(err == -PGT_EPARSE);
		return;
	}
	CHECK(id >= 0 && id < 65536);
	for (unsigned f = 0; f < PGT_RECORD_NFIELDS; f++) {
		if (off[f] < 0) {
			CHECK(off[f] == -1 && sz[f] == 0);
			continue;
		}
		CHECK(pgt_tracefs_field_name(f, 0));
		CHECK(strstr(text, pgt_tracefs_field_name(f, 0)) ||
		      (pgt_tracefs_field_name(f, 1) && strstr(text, pgt_tracefs_field_name(f, 1))));
		/* the numbers of the text, not what is left of them in 16 or 8 bits */
		CHECK(text_gives(text, "offset:", off[f]));
		CHECK(sz[f] && text_gives(text, "size:", sz[f]));
	}
}

static void check_fid(const uint8_t *rec, size_t len, int with_name)
{
	const size_t hoff = sizeof(struct fanotify_event_info_fid);
	struct pgt_fid r;
	const uint8_t *end = rec + len, *h;

	if (pgt_fid__parse(rec, len, with_name, &r))
		return;
	h = (const uint8_t *)r.fh;
	CHECK(h == rec + hoff);
	CHECK(hoff + 8 + (size_t)r.hbytes <= len);
	if (r.hbytes)
		CHECK(h[8 + r.hbytes - 1] == rec[hoff + 8 + r.hbytes - 1]);
	if (with_name) {
		CHECK(r.name && (const uint8_t *)r.name == h + 8 + r.hbytes);
		CHECK((const uint8_t *)r.name + strlen(r.name) < end);
	} else {
		CHECK(!r.name);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size > 1 << 16)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	check_format(text);
	free(text);
	check_fid(data, size, 0);
	check_fid(data, size, 1);
	return 0;
}
