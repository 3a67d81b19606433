// SPDX-License-Identifier: LGPL-2.1-or-later
/* Draining a source into a writer, side records first. */
#include "pgtrace/ops.h"
#include "util/util.h"

int pgt_source__drain_to(struct pgt_source *src, struct pgt_writer *w, uint64_t *count)
{
	const struct pgt_event *evs;
	uint64_t n_out = 0;
	ssize_t n;
	int err = 0;

	while ((n = pgt_source__batch(src, &evs)) > 0) {
		/* records read before this batch may describe its events */
		err = pgt_writer__copy_meta(w, src->meta);
		if (!err)
			err = pgt_writer__write(w, evs, (size_t)n);
		if (err)
			break;
		n_out += (uint64_t)n;
	}
	if (!err && n < 0)
		err = (int)n;
	/* records after the last event (names found at the end) */
	if (!err)
		err = pgt_writer__copy_meta(w, src->meta);
	if (count)
		*count = n_out;
	return err;
}
