// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz target for the trace reader: any bytes are opened as a trace, read
 * to the end, and (when an index is found) seeked by number and by time.
 * Must never crash, hang, leak or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pgtrace/pgtrace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drain(struct pgt_reader *r, uint64_t limit)
{
	struct pgt_source *src = pgt_reader__source(r);
	const struct pgt_event *evs;
	uint64_t seen = 0;
	ssize_t n;

	while (seen < limit && (n = pgt_source__batch(src, &evs)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			const struct pgt_object *o = pgt_meta__object(pgt_reader__meta(r), evs[i].obj);

			if (o && o->path)
				seen += o->path[0] != 0;
			pgt_event_type_name(evs[i].type);
		}
		seen += (uint64_t)n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgt_reader *r;
	uint64_t events, packets, first, last;
	int fd, err;

	fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return 0;
	}
	r = pgt_reader__fdopen(fd, NULL, &err);
	if (!r)
		return 0;
	drain(r, 1u << 22);
	if (pgt_reader__index_summary(r, &events, &packets, &first, &last) == 0) {
		if (events && pgt_reader__seek_seq(r, events / 2) == 0)
			drain(r, 1u << 20);
		if (pgt_reader__seek_time(r, first + (last - first) / 2) == 0)
			drain(r, 1u << 20);
	}
	pgt_reader__free(r);
	return 0;
}
