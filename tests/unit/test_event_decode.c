/*
 * test_event_decode.c - unit tests for proto/event.c, decoding hostile
 * input: bit flips, truncations and trailing bytes, non-canonical forms,
 * versions and oversize envelopes, and hostile or random bytes fed to every
 * decoder (events, records, wire messages, replies, KEY bodies).
 *
 * Hand-made non-canonical or invalid encodings are packed directly with
 * msgpack-c (raw_event in codec_fixture.h), independently of the code under
 * test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>
#include <sodium.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/record.h"
#include "lfh/wire.h"

#include "codec_fixture.h"

/* ---- hostile envelopes ---- */

static void test_event_bitflips(void **state)
{
	lfh_buf env = {0};
	size_t bad_decode = 0, bad_verify = 0;

	(void)state;
	signed_base(&env);
	assert_int_equal(decode_verify(env.data, env.len), 0);
	for (size_t i = 0; i < env.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			uint8_t *c = malloc(env.len);
			lfh_event ev;
			assert_non_null(c);
			memcpy(c, env.data, env.len);
			c[i] ^= (uint8_t)(1u << bit);
			if (lfh_event_decode(c, env.len, &ev, NULL) != 0) {
				bad_decode++;
			} else {
				uint8_t pk[32], sk[64];
				vec_keypair(pk, sk);
				assert_int_equal(lfh_event_verify(&ev, pk, NULL), LFH_ECRYPTO);
				bad_verify++;
			}
			lfh_event_clear(&ev);
			free(c);
		}
	}
	assert_int_equal(bad_decode + bad_verify, env.len * 8);
	assert_true(bad_verify > 0 && bad_decode > 0);
	lfh_buf_free(&env);
}

static void test_event_key_bitflips(void **state)
{
	lfh_event ev;
	lfh_buf env = {0};
	uint8_t id[LFH_ID_LEN];

	(void)state;
	key_event(&ev);
	sign(&ev, &env, id);
	for (size_t i = 0; i < env.len; i++) {
		env.data[i] ^= 0x01;
		assert_int_not_equal(decode_verify(env.data, env.len), 0);
		env.data[i] ^= 0x81;
		assert_int_not_equal(decode_verify(env.data, env.len), 0);
		env.data[i] ^= 0x80;
	}
	assert_int_equal(decode_verify(env.data, env.len), 0);
	lfh_buf_free(&env);
	lfh_event_clear(&ev);
}

static void test_event_truncated_and_trailing(void **state)
{
	lfh_buf env = {0};

	(void)state;
	signed_base(&env);
	for (size_t n = 0; n < env.len; n++) {
		uint8_t *c = malloc(n ? n : 1); /* exact-size copy so ASan sees overreads */
		assert_non_null(c);
		memcpy(c, env.data, n);
		assert_int_equal(decode_expect(c, n, NULL), LFH_ECODEC);
		free(c);
	}
	append(&env, "\x00", 1);
	assert_int_equal(decode_expect(env.data, env.len, "malformed"), LFH_ECODEC);
	lfh_buf_free(&env);
}

static void test_event_noncanonical(void **state)
{
	lfh_event ev;
	lfh_buf env = {0}, raw = {0};
	uint8_t id[LFH_ID_LEN];
	rawopt o;

	(void)state;
	base_event(&ev);
	sign(&ev, &env, id);
	memset(&o, 0, sizeof o);
	raw_event(&ev, &o, &raw); /* sanity: the plain raw packing is accepted */
	assert_int_equal(decode_verify(raw.data, raw.len), 0);

	memset(&o, 0, sizeof o);
	o.wide_seq = 1;
	lfh_buf_reset(&raw);
	raw_event(&ev, &o, &raw);
	assert_int_equal(decode_expect(raw.data, raw.len, "non-canonical"), LFH_ECODEC);

	memset(&o, 0, sizeof o);
	o.str8_author = 1;
	lfh_buf_reset(&raw);
	raw_event(&ev, &o, &raw);
	assert_int_equal(decode_expect(raw.data, raw.len, "non-canonical"), LFH_ECODEC);

	memset(&o, 0, sizeof o);
	o.wide_ctr = 1;
	lfh_buf_reset(&raw);
	raw_event(&ev, &o, &raw);
	assert_int_equal(decode_expect(raw.data, raw.len, "non-canonical"), LFH_ECODEC);

	memset(&o, 0, sizeof o);
	o.neg_seq = 1;
	lfh_buf_reset(&raw);
	raw_event(&ev, &o, &raw);
	assert_int_equal(decode_expect(raw.data, raw.len, "seq"), LFH_ECODEC);

	memset(&o, 0, sizeof o);
	o.extra_elem = 1;
	lfh_buf_reset(&raw);
	raw_event(&ev, &o, &raw);
	assert_int_equal(decode_expect(raw.data, raw.len, "15 elements"), LFH_ECODEC);

	/* isa_version: smallest form, a u32, an integer */
	ev.isa_version = 7;
	lfh_buf_reset(&env);
	sign(&ev, &env, id);
	memset(&o, 0, sizeof o);
	lfh_buf_reset(&raw);
	raw_event(&ev, &o, &raw);
	assert_int_equal(decode_verify(raw.data, raw.len), 0);
	o.wide_isa = 1;
	lfh_buf_reset(&raw);
	raw_event(&ev, &o, &raw);
	assert_int_equal(decode_expect(raw.data, raw.len, "non-canonical"), LFH_ECODEC);
	memset(&o, 0, sizeof o);
	o.big_isa = 1;
	lfh_buf_reset(&raw);
	raw_event(&ev, &o, &raw);
	assert_int_equal(decode_expect(raw.data, raw.len, "isa_version"), LFH_ECODEC);
	memset(&o, 0, sizeof o);
	o.str_isa = 1;
	lfh_buf_reset(&raw);
	raw_event(&ev, &o, &raw);
	assert_int_equal(decode_expect(raw.data, raw.len, "isa_version"), LFH_ECODEC);

	lfh_buf_free(&raw);
	lfh_buf_free(&env);
	lfh_event_clear(&ev);
}

static void test_event_version(void **state)
{
	lfh_event ev;
	lfh_buf env = {0}, raw = {0};
	uint8_t id[LFH_ID_LEN];
	rawopt o = {0};
	static const uint8_t v2_short[] = {0x91, 0x02};
	static const uint8_t v0[] = {0x92, 0x00, 0x00};

	(void)state;
	base_event(&ev);
	sign(&ev, &env, id);
	env.data[1] = 0x02; /* version byte */
	assert_int_equal(decode_expect(env.data, env.len, "version 2"), LFH_EVERSION);
	o.version = 300;
	raw_event(&ev, &o, &raw);
	assert_int_equal(decode_expect(raw.data, raw.len, "version"), LFH_EVERSION);
	assert_int_equal(decode_expect(v2_short, sizeof v2_short, "version"), LFH_EVERSION);
	assert_int_equal(decode_expect(v0, sizeof v0, "version"), LFH_EVERSION);
	lfh_buf_free(&raw);
	lfh_buf_free(&env);
	lfh_event_clear(&ev);
}

static void test_event_oversize(void **state)
{
	uint8_t *big = calloc(1, LFH_EVENT_MAX + 1);

	(void)state;
	assert_non_null(big);
	big[0] = 0x9f;
	assert_int_equal(decode_expect(big, LFH_EVENT_MAX + 1, "exceeds"), LFH_ETOOBIG);
	free(big);
}

/* ---- hostile bytes for every decoder ---- */

/* Feed raw to every decoder; returns how many accepted it. */
static int decode_all(const uint8_t *raw, size_t len, lfh_msg *m)
{
	lfh_event ev;
	lfh_record r;
	lfh_reply rep;
	lfh_key_body kb;
	int ok = 0;

	ok += lfh_event_decode(raw, len, &ev, NULL) == 0;
	lfh_event_clear(&ev);
	memset(&r, 0, sizeof r);
	ok += lfh_record_decode(raw, len, &r, NULL) == 0;
	lfh_record_clear(&r);
	ok += lfh_msg_decode(raw, len, m, NULL) == 0;
	ok += lfh_reply_decode(raw, len, &rep, NULL) == 0;
	lfh_reply_clear(&rep);
	ok += lfh_key_body_decode(raw, len, &kb, NULL) == 0;
	return ok;
}

static void test_hostile_structures(void **state)
{
	lfh_msg *m = msg_new();
	uint8_t *deep = malloc(100001);
	static const uint8_t huge[][6] = {
		{0xdd, 0xff, 0xff, 0xff, 0xff, 0x01}, /* array32 of 4G elements */
		{0xdf, 0xff, 0xff, 0xff, 0xff, 0x01}, /* map32 */
		{0xc6, 0xff, 0xff, 0xff, 0xff, 0x01}, /* bin32 */
		{0xdb, 0xff, 0xff, 0xff, 0xff, 0x01}, /* str32 */
		{0xc9, 0xff, 0xff, 0xff, 0xff, 0x01}, /* ext32 */
		{0x93, 0x02, 0xdd, 0x7f, 0xff, 0xff}, /* nested array32 */
		{0xc1, 0, 0, 0, 0, 0},                /* never-used tag */
	};

	(void)state;
	assert_non_null(deep);
	for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++)
		for (size_t n = 0; n <= 6; n++)
			assert_int_equal(decode_all(huge[i], n, m), 0);
	memset(deep, 0x91, 100000); /* [[[[...1...]]]] 100000 deep */
	deep[100000] = 0x01;
	assert_int_equal(decode_all(deep, 100001, m), 0);
	memset(deep, 0x81, 100000); /* {1: {1: ...}} with missing values */
	assert_int_equal(decode_all(deep, 100001, m), 0);
	free(deep);
	/* a million one-byte objects: refused before msgpack-c allocates for them */
	deep = calloc(1, 5 + 1000000);
	assert_non_null(deep);
	memcpy(deep, "\xdd\x00\x0f\x42\x40", 5);
	assert_int_equal(decode_all(deep, 5 + 1000000, m), 0);
	memcpy(deep, "\x94\x02\x00\xc3\xdd\x00\x0f\x42\x3c", 9); /* as a BATCH */
	assert_int_equal(lfh_msg_decode(deep, 5 + 1000000, m, NULL), LFH_ECODEC);
	free(deep);
	free(m);
}

static void test_random_bytes(void **state)
{
	static const uint8_t seed[randombytes_SEEDBYTES] = {42};
	uint8_t *pool = malloc(20000 * 64 + 4096);
	lfh_msg *m = msg_new();
	lfh_buf env = {0};
	size_t off = 0;

	(void)state;
	assert_non_null(pool);
	/* deterministic so that a failure reproduces */
	randombytes_buf_deterministic(pool, 20000 * 64 + 4096, seed);
	for (int i = 0; i < 20000; i++) {
		size_t n = pool[off] % 200;
		uint8_t *c = malloc(n ? n : 1);
		assert_non_null(c);
		memcpy(c, pool + off + 1, n);
		if (i % 4 == 0 && n > 0)
			c[0] = (uint8_t)(0x90 | (c[0] & 0x0f)); /* mostly arrays */
		decode_all(c, n, m);
		free(c);
		off = (off + 64) % (20000 * 64);
	}
	/* random overwrites of a valid envelope: never accepted with a good signature */
	signed_base(&env);
	for (int i = 0; i < 20000; i++) {
		const uint8_t *rnd = pool + 100000 + 16 * (size_t)i;
		uint8_t *c = malloc(env.len);
		assert_non_null(c);
		memcpy(c, env.data, env.len);
		for (int k = 0; k < 1 + pool[i] % 4; k++) {
			size_t pos = (rnd[2 * k] | (size_t)rnd[2 * k + 1] << 8) % env.len;
			c[pos] = rnd[8 + k];
		}
		if (memcmp(c, env.data, env.len) != 0)
			assert_int_not_equal(decode_verify(c, env.len), 0);
		decode_all(c, env.len, m);
		free(c);
	}
	lfh_buf_free(&env);
	free(m);
	free(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_bitflips),
		cmocka_unit_test(test_event_key_bitflips),
		cmocka_unit_test(test_event_truncated_and_trailing),
		cmocka_unit_test(test_event_noncanonical),
		cmocka_unit_test(test_event_version),
		cmocka_unit_test(test_event_oversize),
		cmocka_unit_test(test_hostile_structures),
		cmocka_unit_test(test_random_bytes),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
