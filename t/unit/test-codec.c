// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the packet codec (lib/format/codec.c): round trips of
 * every event type at the limits of every field, random events, packets
 * of one event and of the largest size, and damaged packets, which must
 * decode to an error and never crash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <zstd.h>

#include "format/format.h"
#include "helpers.h"

struct codec_fixture {
	struct pgt_codec_ctx *enc, *dec;
	struct pgt_event *out;	/* room for PGT_PKT_MAX_EVENTS */
	struct pgt_buf pkt;
};

static int setup(void **state)
{
	struct codec_fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->enc = pgt_codec__new(0);
	f->dec = pgt_codec__new(0);
	f->out = calloc(PGT_PKT_MAX_EVENTS, sizeof(*f->out));
	if (!f->enc || !f->dec || !f->out)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct codec_fixture *f = *state;

	pgt_codec__free(f->enc);
	pgt_codec__free(f->dec);
	free(f->out);
	pgt_buf__release(&f->pkt);
	free(f);
	return 0;
}

/* Encode @n events, check the packet header, decode and compare. */
static void roundtrip(struct codec_fixture *f, const struct pgt_event *ev, uint32_t n,
		      uint64_t first_seq, int compress)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	const uint8_t *h;
	ssize_t got;
	uint32_t bad = UINT32_MAX;

	f->pkt.len = 0;
	assert_int_equal(pgt_codec__encode(f->enc, ev, n, first_seq, compress, &f->pkt), 0);
	assert_true(f->pkt.len > PGT_PKT_HDR_SIZE);
	h = f->pkt.data;
	for (uint32_t i = 0; i < n; i++) {
		lo = ev[i].ts < lo ? ev[i].ts : lo;
		hi = ev[i].ts > hi ? ev[i].ts : hi;
	}
	assert_int_equal(pgt_get_le64(h), lo);
	assert_int_equal(pgt_get_le64(h + 8), hi);
	assert_int_equal(pgt_get_le64(h + 16), first_seq);
	assert_int_equal(pgt_get_le32(h + 24), n);
	assert_int_equal(pgt_get_le16(h + 30), PGT_NCOLS);
	if (!compress)
		assert_int_equal(pgt_get_le16(h + 28), PGT_CODEC_NONE);
	if (pgt_get_le16(h + 28) == PGT_CODEC_NONE)
		assert_int_equal(f->pkt.len - PGT_PKT_HDR_SIZE, pgt_get_le32(h + 32));

	memset(f->out, 0xa5, sizeof(*f->out) * n);
	got = pgt_codec__decode(f->dec, f->pkt.data, f->pkt.len, f->out);
	assert_int_equal(got, n);
	for (uint32_t i = 0; i < n && bad == UINT32_MAX; i++)
		if (!t_event_same(&ev[i], &f->out[i]) || f->out[i].seq != first_seq + i)
			bad = i;
	if (bad != UINT32_MAX) {
		print_error("event %u of %u differs\n", bad, n);
		assert_event_fields_equal(&ev[bad], &f->out[bad]);
		assert_int_equal(f->out[bad].seq, first_seq + bad);
	}
}

static void roundtrip_both(struct codec_fixture *f, const struct pgt_event *ev, uint32_t n,
			   uint64_t first_seq)
{
	roundtrip(f, ev, n, first_seq, 1);
	roundtrip(f, ev, n, first_seq, 0);
}

/* Field values at their limits, combined so that every delta against a
 * predictor also reaches its extremes (0 after max, max after 0). */
static void limit_event(struct pgt_event *e, unsigned type, unsigned which)
{
	int hi = which & 1;

	memset(e, 0, sizeof(*e));
	e->type = (uint8_t)type;
	e->ts = hi ? UINT64_MAX : 0;
	e->index = (which & 2) ? UINT64_MAX : 0;
	switch (which % 5) {
	case 0: e->pfn = PGT_PFN_NONE; break;
	case 1: e->pfn = 0; break;
	case 2: e->pfn = UINT64_MAX - 1; break;
	case 3: e->pfn = 1; break;
	default: e->pfn = UINT64_MAX >> 1; break;
	}
	e->aux = (which & 4) ? UINT64_MAX : 0;
	e->pid = hi ? UINT32_MAX : 0;
	e->tid = (which & 2) ? 0 : UINT32_MAX;
	e->cpu = (which & 4) ? 0 : UINT32_MAX;
	e->obj = (which & 8) ? UINT32_MAX : 0;
	e->npages = (which & 8) ? 0 : UINT32_MAX;
	e->flags = hi ? 0xffff : 0;
}

static void test_limits_every_type(void **state)
{
	struct codec_fixture *f = *state;
	struct pgt_event ev[64];

	for (unsigned type = PGT_EV_LOOKUP; type <= PGT_EV_REFERENCE; type++) {
		/* all-zero and all-max on their own */
		limit_event(&ev[0], type, 0);
		roundtrip_both(f, ev, 1, 0);
		memset(&ev[0], 0xff, sizeof(ev[0]));
		ev[0].type = (uint8_t)type;
		roundtrip_both(f, ev, 1, UINT64_MAX - 1);
		/* then every combination in one packet */
		for (unsigned w = 0; w < 64; w++)
			limit_event(&ev[w], type, w);
		roundtrip_both(f, ev, 64, 12345);
		/* and in reverse, so the first event is not the extreme */
		for (unsigned w = 0; w < 64; w++)
			limit_event(&ev[w], type, 63 - w);
		roundtrip_both(f, ev, 64, 0);
	}
}

static void test_every_type_mixed(void **state)
{
	struct codec_fixture *f = *state;
	struct pgt_event ev[PGT_EV_NTYPES * 3];
	uint32_t n = 0;

	/* One packet holding every type, with unknown type bytes too: the
	 * codec stores the byte; judging it is the reader's business. */
	for (unsigned t = 0; t < PGT_EV_NTYPES; t++)
		for (unsigned k = 0; k < 3; k++) {
			limit_event(&ev[n], t, t * 3 + k);
			n++;
		}
	ev[0].type = 255;
	roundtrip_both(f, ev, n, 7);
}

static void random_events(uint64_t *seed, struct pgt_event *ev, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct pgt_event *e = &ev[i];

		memset(e, 0, sizeof(*e));
		e->type = (uint8_t)(PGT_EV_LOOKUP + t_rand(seed) % (PGT_EV_NTYPES - 1));
		e->ts = t_rand_wide(seed);
		e->index = t_rand_wide(seed);
		e->pfn = t_rand(seed) % 7 == 0 ? PGT_PFN_NONE : t_rand_wide(seed);
		e->aux = t_rand_wide(seed);
		e->obj = (uint32_t)t_rand_wide(seed);
		e->npages = (uint32_t)t_rand_wide(seed);
		e->pid = (uint32_t)t_rand_wide(seed);
		e->tid = t_rand(seed) & 1 ? e->pid : (uint32_t)t_rand_wide(seed);
		e->cpu = (uint32_t)t_rand_wide(seed);
		e->flags = (uint16_t)t_rand(seed);
	}
}

static void test_random(void **state)
{
	struct codec_fixture *f = *state;
	uint64_t seed = 0x5eed0001;
	struct pgt_event *ev = calloc(5000, sizeof(*ev));

	assert_non_null(ev);
	for (int round = 0; round < 40; round++) {
		uint32_t n = 1 + (uint32_t)(t_rand(&seed) % 5000);

		random_events(&seed, ev, n);
		roundtrip_both(f, ev, n, t_rand(&seed));
	}
	free(ev);
}

/* Events that look like a real trace (steady clock, sequential pages of a
 * few files, mostly one process) with the clock running backwards now and
 * then, as it does across CPUs. */
static void realistic_events(uint64_t *seed, struct pgt_event *ev, uint32_t n)
{
	uint64_t ts = 1000000, next[4] = { 0, 100, 5000, 1u << 30 };

	for (uint32_t i = 0; i < n; i++) {
		struct pgt_event *e = &ev[i];
		uint32_t obj = (uint32_t)(t_rand(seed) % 4);

		memset(e, 0, sizeof(*e));
		e->type = (uint8_t)(PGT_EV_LOOKUP + i % (PGT_EV_NTYPES - 1));
		ts += 100 + t_rand(seed) % 50;
		e->ts = t_rand(seed) % 10 == 0 ? ts - t_rand(seed) % 5000 : ts;
		e->obj = obj + 1;
		e->index = next[obj];
		e->npages = 1 + (uint32_t)(t_rand(seed) % 4);
		next[obj] += e->npages;
		e->pfn = i % 3 ? 0x100000 + i : PGT_PFN_NONE;
		e->pid = 1000 + (uint32_t)(t_rand(seed) % 2);
		e->tid = e->pid + (uint32_t)(t_rand(seed) % 3);
		e->cpu = (uint32_t)(t_rand(seed) % 8);
		e->flags = (uint16_t)(t_rand(seed) % 16);
	}
}

static void test_non_monotonic_ts(void **state)
{
	struct codec_fixture *f = *state;
	struct pgt_event ev[1000];
	uint64_t seed = 42;

	/* strictly decreasing */
	for (uint32_t i = 0; i < 1000; i++) {
		memset(&ev[i], 0, sizeof(ev[i]));
		ev[i].type = PGT_EV_REFERENCE;
		ev[i].ts = 1000000 - i * 997;
		ev[i].index = i;
		ev[i].npages = 1;
		ev[i].pfn = PGT_PFN_NONE;
	}
	roundtrip_both(f, ev, 1000, 0);
	/* zig-zag between the extremes */
	for (uint32_t i = 0; i < 1000; i++)
		ev[i].ts = i & 1 ? UINT64_MAX - i : i;
	roundtrip_both(f, ev, 1000, 0);
	/* a plausible trace with back steps */
	realistic_events(&seed, ev, 1000);
	roundtrip_both(f, ev, 1000, 99);
}

static void test_one_event(void **state)
{
	struct codec_fixture *f = *state;
	struct pgt_event ev;
	uint64_t seed = 7;

	for (int i = 0; i < 200; i++) {
		random_events(&seed, &ev, 1);
		roundtrip_both(f, &ev, 1, t_rand(&seed));
	}
}

static void test_max_events(void **state)
{
	struct codec_fixture *f = *state;
	struct pgt_event *ev = malloc(sizeof(*ev) * PGT_PKT_MAX_EVENTS);
	uint64_t seed = 0x5eed0002;

	assert_non_null(ev);
	/* compressible: shrinks a lot under zstd */
	realistic_events(&seed, ev, PGT_PKT_MAX_EVENTS);
	roundtrip(f, ev, PGT_PKT_MAX_EVENTS, 0, 1);
	assert_int_equal(pgt_get_le16(f->pkt.data + 28), PGT_CODEC_ZSTD);
	assert_true(f->pkt.len < (size_t)PGT_PKT_MAX_EVENTS * 16);
	roundtrip(f, ev, PGT_PKT_MAX_EVENTS, 0, 0);
	/* as wide as varints get: every delta is 2^63 (or 2^31 for the
	 * 32-bit predicted columns), every plain value at its maximum, so
	 * the payload is the largest a packet can have; it must decode */
	for (uint32_t i = 0; i < PGT_PKT_MAX_EVENTS; i++) {
		struct pgt_event *e = &ev[i];
		int odd = i & 1;

		memset(e, 0, sizeof(*e));
		e->type = (uint8_t)(PGT_EV_LOOKUP + i % (PGT_EV_NTYPES - 1));
		e->flags = 0xffff;
		e->cpu = UINT32_MAX;
		e->ts = odd ? 1ull << 63 : 0;
		e->pid = odd ? 1u << 31 : 0;
		e->tid = e->pid + (1u << 31);
		e->obj = odd ? 1u << 31 : 0;
		e->index = 1ull << 63;	/* the object changes: predictor 0 */
		e->npages = UINT32_MAX;
		e->pfn = odd ? (1ull << 63) - 1 : PGT_PFN_NONE;
		e->aux = UINT64_MAX;
	}
	roundtrip(f, ev, PGT_PKT_MAX_EVENTS, 1, 1);
	roundtrip(f, ev, PGT_PKT_MAX_EVENTS, 1, 0);
	free(ev);
}

static void test_encode_rejects_bad_counts(void **state)
{
	struct codec_fixture *f = *state;
	struct pgt_event ev = { .type = PGT_EV_LOOKUP };

	f->pkt.len = 0;
	assert_int_equal(pgt_codec__encode(f->enc, &ev, 0, 0, 1, &f->pkt), -EINVAL);
	assert_int_equal(pgt_codec__encode(f->enc, &ev, PGT_PKT_MAX_EVENTS + 1, 0, 1, &f->pkt),
			 -EINVAL);
	assert_int_equal(f->pkt.len, 0);
}

/* ---- damaged packets ---------------------------------------------- */

/* An uncompressed packet of @n random-ish events in f->pkt. */
static void plain_packet(struct codec_fixture *f, struct pgt_event *ev, uint32_t n)
{
	uint64_t seed = 99;

	realistic_events(&seed, ev, n);
	f->pkt.len = 0;
	assert_int_equal(pgt_codec__encode(f->enc, ev, n, 0, 0, &f->pkt), 0);
	assert_int_equal(pgt_get_le16(f->pkt.data + 28), PGT_CODEC_NONE);
}

static ssize_t decode_copy(struct codec_fixture *f, const uint8_t *body, size_t len)
{
	/* a private copy, so reads past @len are caught by ASan */
	uint8_t *copy = malloc(len ? len : 1);
	ssize_t got;

	assert_non_null(copy);
	memcpy(copy, body, len);
	got = pgt_codec__decode(f->dec, copy, len, f->out);
	free(copy);
	return got;
}

static void test_decode_bad_header(void **state)
{
	struct codec_fixture *f = *state;
	struct pgt_event ev[50];
	uint8_t *p;

	plain_packet(f, ev, 50);
	p = f->pkt.data;
	assert_int_equal(decode_copy(f, p, f->pkt.len), 50);
	/* shorter than the header */
	for (size_t len = 0; len < PGT_PKT_HDR_SIZE; len++)
		assert_int_equal(decode_copy(f, p, len), -PGT_ECORRUPT);
	/* absurd count */
	pgt_put_le32(p + 24, PGT_PKT_MAX_EVENTS + 1);
	assert_int_equal(decode_copy(f, p, f->pkt.len), -PGT_ECORRUPT);
	pgt_put_le32(p + 24, UINT32_MAX);
	assert_int_equal(decode_copy(f, p, f->pkt.len), -PGT_ECORRUPT);
	/* a count that does not match the type column */
	pgt_put_le32(p + 24, 49);
	assert_int_equal(decode_copy(f, p, f->pkt.len), -PGT_ECORRUPT);
	pgt_put_le32(p + 24, 51);
	assert_int_equal(decode_copy(f, p, f->pkt.len), -PGT_ECORRUPT);
	pgt_put_le32(p + 24, 50);
	/* unknown codec */
	pgt_put_le16(p + 28, 2);
	assert_int_equal(decode_copy(f, p, f->pkt.len), -PGT_ECORRUPT);
	pgt_put_le16(p + 28, 0xffff);
	assert_int_equal(decode_copy(f, p, f->pkt.len), -PGT_ECORRUPT);
	pgt_put_le16(p + 28, PGT_CODEC_NONE);
	/* fewer columns than version 1.0 has */
	pgt_put_le16(p + 30, PGT_NCOLS - 1);
	assert_int_equal(decode_copy(f, p, f->pkt.len), -PGT_ECORRUPT);
	pgt_put_le16(p + 30, 0);
	assert_int_equal(decode_copy(f, p, f->pkt.len), -PGT_ECORRUPT);
	pgt_put_le16(p + 30, PGT_NCOLS);
	/* raw size out of bounds, or not what is there */
	pgt_put_le32(p + 32, (uint32_t)PGT_PKT_MAX_RAW + 1);
	assert_int_equal(decode_copy(f, p, f->pkt.len), -PGT_ECORRUPT);
	pgt_put_le32(p + 32, 4 * PGT_NCOLS - 1);
	assert_int_equal(decode_copy(f, p, f->pkt.len), -PGT_ECORRUPT);
	pgt_put_le32(p + 32, (uint32_t)(f->pkt.len - PGT_PKT_HDR_SIZE + 1));
	assert_int_equal(decode_copy(f, p, f->pkt.len), -PGT_ECORRUPT);
	pgt_put_le32(p + 32, (uint32_t)(f->pkt.len - PGT_PKT_HDR_SIZE));
	assert_int_equal(decode_copy(f, p, f->pkt.len), 50);
}

static void test_decode_bad_column_table(void **state)
{
	struct codec_fixture *f = *state;
	struct pgt_event ev[50];
	uint8_t *tab;
	uint32_t sz[PGT_NCOLS];

	plain_packet(f, ev, 50);
	tab = f->pkt.data + PGT_PKT_HDR_SIZE;
	for (int i = 0; i < PGT_NCOLS; i++)
		sz[i] = pgt_get_le32(tab + 4 * i);
	assert_int_equal(sz[PGT_COL_TYPE], 50);

	/* each column claiming more than the payload holds */
	for (int i = 0; i < PGT_NCOLS; i++) {
		uint32_t bogus[] = { sz[i] + 1, UINT32_MAX, UINT32_MAX - 3, 0x80000000u,
				     (uint32_t)f->pkt.len };

		for (size_t k = 0; k < PGT_ARRAY_SIZE(bogus); k++) {
			pgt_put_le32(tab + 4 * i, bogus[k]);
			assert_int_equal(decode_copy(f, f->pkt.data, f->pkt.len), -PGT_ECORRUPT);
		}
		pgt_put_le32(tab + 4 * i, sz[i]);
	}
	/* bytes moved from one column to its neighbour: the total is right
	 * but a column runs dry (or the type column has the wrong length) */
	for (int i = 0; i + 1 < PGT_NCOLS; i++) {
		pgt_put_le32(tab + 4 * i, 0);
		pgt_put_le32(tab + 4 * (i + 1), sz[i] + sz[i + 1]);
		assert_int_equal(decode_copy(f, f->pkt.data, f->pkt.len), -PGT_ECORRUPT);
		pgt_put_le32(tab + 4 * i, sz[i] + sz[i + 1]);
		pgt_put_le32(tab + 4 * (i + 1), 0);
		assert_int_equal(decode_copy(f, f->pkt.data, f->pkt.len), -PGT_ECORRUPT);
		pgt_put_le32(tab + 4 * i, sz[i]);
		pgt_put_le32(tab + 4 * (i + 1), sz[i + 1]);
	}
	assert_int_equal(decode_copy(f, f->pkt.data, f->pkt.len), 50);
}

/* The same damage inside a compressed payload: the table is only seen
 * after decompression. */
static void test_decode_bad_column_table_compressed(void **state)
{
	struct codec_fixture *f = *state;
	struct pgt_event ev[200];
	size_t raw_len, bound, z;
	uint8_t *raw, *pkt;
	uint32_t sz0;

	plain_packet(f, ev, 200);
	raw_len = f->pkt.len - PGT_PKT_HDR_SIZE;
	raw = malloc(raw_len);
	bound = ZSTD_compressBound(raw_len);
	pkt = malloc(PGT_PKT_HDR_SIZE + bound);
	assert_non_null(raw);
	assert_non_null(pkt);
	memcpy(raw, f->pkt.data + PGT_PKT_HDR_SIZE, raw_len);
	memcpy(pkt, f->pkt.data, PGT_PKT_HDR_SIZE);
	pgt_put_le16(pkt + 28, PGT_CODEC_ZSTD);
	sz0 = pgt_get_le32(raw);

	for (int round = 0; round < 4; round++) {
		ssize_t want = round == 0 ? 200 : -PGT_ECORRUPT;

		if (round == 1)
			pgt_put_le32(raw, sz0 + 1);		/* type column too long */
		else if (round == 2)
			pgt_put_le32(raw + 4 * PGT_COL_AUX, UINT32_MAX);
		else if (round == 3)
			pgt_put_le32(raw, 0);			/* no types */
		z = ZSTD_compress(pkt + PGT_PKT_HDR_SIZE, bound, raw, raw_len, 1);
		assert_false(ZSTD_isError(z));
		assert_int_equal(decode_copy(f, pkt, PGT_PKT_HDR_SIZE + z), want);
		/* raw size in the header disagreeing with the frame */
		pgt_put_le32(pkt + 32, (uint32_t)raw_len - 1);
		assert_int_equal(decode_copy(f, pkt, PGT_PKT_HDR_SIZE + z), -PGT_ECORRUPT);
		pgt_put_le32(pkt + 32, (uint32_t)raw_len + 1);
		assert_int_equal(decode_copy(f, pkt, PGT_PKT_HDR_SIZE + z), -PGT_ECORRUPT);
		pgt_put_le32(pkt + 32, (uint32_t)raw_len);
		memcpy(raw, f->pkt.data + PGT_PKT_HDR_SIZE, raw_len);
	}
	free(raw);
	free(pkt);
}

static void test_decode_truncated(void **state)
{
	struct codec_fixture *f = *state;
	struct pgt_event ev[300];
	uint64_t seed = 3;

	for (int compress = 0; compress <= 1; compress++) {
		realistic_events(&seed, ev, 300);
		f->pkt.len = 0;
		assert_int_equal(pgt_codec__encode(f->enc, ev, 300, 0, compress, &f->pkt), 0);
		assert_int_equal(pgt_get_le16(f->pkt.data + 28),
				 compress ? PGT_CODEC_ZSTD : PGT_CODEC_NONE);
		assert_int_equal(decode_copy(f, f->pkt.data, f->pkt.len), 300);
		for (size_t len = 0; len < f->pkt.len; len++) {
			ssize_t got = decode_copy(f, f->pkt.data, len);

			if (got >= 0)
				print_error("compress %d, cut at %zu of %zu: decoded %zd\n",
					    compress, len, f->pkt.len, got);
			assert_true(got < 0);
		}
		/* trailing garbage is not a packet either */
		assert_int_equal(pgt_buf__put_u8(&f->pkt, 0), 0);
		assert_true(decode_copy(f, f->pkt.data, f->pkt.len) < 0);
	}
}

/* Flip every bit of small packets: decoding must end with the right
 * count or an error, never read out of bounds (run under ASan). */
static void test_decode_bit_flips(void **state)
{
	struct codec_fixture *f = *state;
	struct pgt_event ev[20];
	uint64_t seed = 11;

	for (int compress = 0; compress <= 1; compress++) {
		realistic_events(&seed, ev, 20);
		f->pkt.len = 0;
		assert_int_equal(pgt_codec__encode(f->enc, ev, 20, 0, compress, &f->pkt), 0);
		for (size_t i = 0; i < f->pkt.len; i++)
			for (int b = 0; b < 8; b++) {
				ssize_t got;

				f->pkt.data[i] ^= (uint8_t)(1u << b);
				got = decode_copy(f, f->pkt.data, f->pkt.len);
				f->pkt.data[i] ^= (uint8_t)(1u << b);
				if (i == 30 || i == 31)	/* ncols: later minors may add columns */
					assert_true(got <= 20);
				else
					assert_true(got < 0 || got == 20);
			}
		assert_int_equal(decode_copy(f, f->pkt.data, f->pkt.len), 20);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits_every_type),
		cmocka_unit_test(test_every_type_mixed),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_non_monotonic_ts),
		cmocka_unit_test(test_one_event),
		cmocka_unit_test(test_max_events),
		cmocka_unit_test(test_encode_rejects_bad_counts),
		cmocka_unit_test(test_decode_bad_header),
		cmocka_unit_test(test_decode_bad_column_table),
		cmocka_unit_test(test_decode_bad_column_table_compressed),
		cmocka_unit_test(test_decode_truncated),
		cmocka_unit_test(test_decode_bit_flips),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
