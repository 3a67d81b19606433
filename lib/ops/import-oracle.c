// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libCacheSim oracleGeneral: 24-byte little-endian packed records
 *
 *   u32 clock_time, u64 obj_id, u32 obj_size, i64 next_access_vtime
 *
 * Each record becomes one reference event to page obj_id of a single
 * object "[oracleGeneral]", at clock_time seconds, with aux = obj_size.
 * npages is always 1: obj_ids are names, often hashes, so a range would
 * run into unrelated ids.  next_access_vtime is derived data and is not
 * kept ('pgtrace export --format oracle-general' computes it again).
 */
#include <stdio.h>

#include "import-int.h"

static int oracle_init(struct imp *im)
{
	struct pgt_object o = {
		.id = 1, .kind = PGT_OBJ_FILE, .op = PGT_OBJ_DEFINE,
		.name_src = PGT_NAME_SYNTH, .path = "[oracleGeneral]",
	};

	return pgt_meta__add_object(im->src.meta, &o);
}

static int oracle_fill(struct imp *im)
{
	while (im->nev < IMP_BATCH) {
		ssize_t avail = pgt_imp_fill_bytes(im, PGT_ORACLE_RECORD_SIZE);
		const uint8_t *p;
		struct pgt_event *e;
		int err;

		if (avail < 0)
			return (int)avail;
		if (avail == 0) {
			im->eof_seen = 1;
			return 0;
		}
		if (avail < PGT_ORACLE_RECORD_SIZE) {
			err = pgt_imp_bad(im, "the input ends inside a record: %zd bytes of %d", avail,
				      PGT_ORACLE_RECORD_SIZE);
			im->pos = im->len;	/* nothing more to read */
			im->lineno++;
			im->st.lines++;
			err = pgt_imp_handle_bad(im, err);
			if (err)
				return err;
			continue;
		}
		/* take as many whole records as the buffer holds */
		while (im->nev < IMP_BATCH && im->len - im->pos >= PGT_ORACLE_RECORD_SIZE) {
			p = (const uint8_t *)im->buf + im->pos;
			e = imp_ev(im);
			e->ts = (uint64_t)pgt_get_le32(p) * 1000000000ull;
			e->index = pgt_get_le64(p + 4);
			e->aux = pgt_get_le32(p + 12);
			e->type = PGT_EV_REFERENCE;
			e->obj = 1;
			imp_ev_commit(im);
			im->pos += PGT_ORACLE_RECORD_SIZE;
			im->lineno++;
			im->st.lines++;
		}
	}
	return 0;
}

const struct imp_fmt pgt_imp_oracle = {
	.init = oracle_init,
	.fill = oracle_fill,
};
