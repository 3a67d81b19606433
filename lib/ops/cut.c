// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cut: a range of a trace by time or event number.  The index finds the
 * first packet by binary search; packets wholly inside the range are
 * copied as compressed bytes (only their event numbers change); the two
 * edge packets are decoded and their events filtered.  So cutting one
 * second out of a 20 GB trace reads a few packets, not the trace.
 *
 * That holds for times only when the packets are in time order.  When
 * the index shows they are not (an import of unsorted input, before
 * import sorted), the first packet is found by walking the index and the
 * cut reads on to the end instead of stopping at the first packet past
 * the range; without an index, a cut by time always reads to the end,
 * since nothing says the packets are in order.
 */
#include "format/format.h"
#include "pgtrace/ops.h"
#include "util/opts.h"

/* First packet that can hold the start of the range. */
static uint64_t start_packet(struct pgt_reader *r, uint64_t npk, int by_time, uint64_t lo, int ordered)
{
	uint64_t a = 0, b = npk;

	if (!ordered) {
		/* the first in file order that ends at or after lo */
		for (; a < npk; a++) {
			uint64_t seq, fts, lts;
			uint32_t cnt;

			pgt_reader__index_entry(r, a, &seq, &cnt, &fts, &lts);
			if (lts >= lo)
				break;
		}
		return a;
	}

	while (a < b) {
		uint64_t mid = a + (b - a) / 2, seq, fts, lts;
		uint32_t cnt;

		pgt_reader__index_entry(r, mid, &seq, &cnt, &fts, &lts);
		/* by number: the packet ending after lo; by time: the first
		 * packet whose newest event is at or after lo */
		if (by_time ? lts < lo : seq + cnt <= lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a;
}

int pgt_cut(struct pgt_reader *r, struct pgt_writer *w, const struct pgt_cut_opts *o,
	    struct pgt_cut_stats *st)
{
	uint64_t events = UINT64_MAX, npk = 0, first_ts = UINT64_MAX, last_ts = 0, lo, hi, end;
	int indexed = pgt_reader__index_summary(r, &events, &npk, &first_ts, &last_ts) == 0;
	struct pgt_meta *m = pgt_reader__meta(r);
	struct pgt_rawpkt p;
	struct pgt_cut_opts o_;
	int got = 0, err, ordered;

	memset(st, 0, sizeof(*st));
	if (!o || !PGT_OPTS_VALID(o))
		return -EINVAL;
	o = PGT_OPTS_FIT(o, &o_);
	if (o->by_time && !indexed) {
		/* the start of a stream is its first packet */
		got = pgt_reader__next_packet_raw(r, &p);
		if (got < 0)
			return got;
		first_ts = got ? p.first_ts : 0;
	}
	/* one past the last time, where end anchors count from: UINT64_MAX
	 * says "unknown" (-ENXIO), so an index whose last time is at the top
	 * of the clock ends there, one short (last_ts + 1 was UINT64_MAX, or
	 * wrapped to 0); no half-open range holds UINT64_MAX anyway */
	end = events;
	if (o->by_time)
		end = !indexed ? UINT64_MAX : last_ts < UINT64_MAX - 1 ? last_ts + 1 : UINT64_MAX - 1;
	err = pgt_range__resolve(&o->range, o->by_time ? first_ts : 0, end, &lo, &hi);
	if (err)
		return err;
	st->lo = lo;
	st->hi = hi;
	/* may the loop stop at the first packet past the range? */
	ordered = !o->by_time || (indexed && pgt_reader__time_ordered(r));
	if (indexed) {
		uint64_t i = start_packet(r, npk, o->by_time, lo, ordered || !o->by_time);

		if (i >= npk)
			goto done;
		err = pgt_reader__seek_packet(r, i);
		if (err)
			return err;
		got = pgt_reader__next_packet_raw(r, &p);
	} else if (!o->by_time) {
		got = pgt_reader__next_packet_raw(r, &p);
	}
	for (; got > 0; got = pgt_reader__next_packet_raw(r, &p)) {
		uint64_t a = o->by_time ? p.first_ts : p.first_seq;
		/* whether the packet ends before lo, before hi: by time its
		 * last ts counts, not one past it, which wraps to 0 at the top
		 * of the clock (the packet was skipped, events of the range
		 * and all) */
		int before_lo = o->by_time ? p.last_ts < lo : p.first_seq + p.count <= lo;
		int before_hi = o->by_time ? p.last_ts < hi : p.first_seq + p.count <= hi;
		const struct pgt_event *evs;
		int n;

		if (a >= hi && ordered)
			break;		/* past the range (packets are in order) */
		if (before_lo || a >= hi)
			continue;
		err = pgt_writer__copy_meta(w, m);
		if (err)
			goto write_failed;
		if (a >= lo && before_hi) {
			err = pgt_writer__write_packet_raw(w, &p);
			if (err)
				goto write_failed;
			st->packets_copied++;
			st->events += p.count;
			continue;
		}
		n = pgt_reader__decode_raw(r, &p, &evs);
		if (n < 0)
			return n;
		st->packets_decoded++;
		for (int i = 0; i < n; i++) {
			uint64_t key = o->by_time ? evs[i].ts : evs[i].seq;

			if (key < lo || key >= hi)
				continue;
			err = pgt_writer__write(w, &evs[i], 1);
			if (err)
				goto write_failed;
			st->events++;
		}
	}
	if (got < 0)
		return got;
done:
	err = pgt_writer__copy_meta(w, m);
	if (!err)
		return 0;
write_failed:
	st->write_failed = 1;
	return err;
}
