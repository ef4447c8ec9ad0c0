/*
 * test_record.c - unit tests for proto/record.c: record round trips and the
 * canonical byte layout, field limits, strict decoding of hand-packed maps
 * and truncations.
 *
 * Hand-made encodings are packed directly with msgpack-c, independently of
 * the code under test.
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
#include "lfh/record.h"

#include "codec_fixture.h"

/* ---- records ---- */

static void test_record_roundtrip(void **state)
{
	lfh_record r, d;
	lfh_buf b = {0};
	lfh_err err;
	uint64_t u = 0;

	(void)state;
	memset(&r, 0, sizeof r);
	assert_int_equal(lfh_record_set_str(&r, "summary", "noise", &err), 0);
	assert_int_equal(lfh_record_set_uint(&r, "count", 3, &err), 0);
	assert_int_equal(lfh_record_set_str(&r, "by", "pc_1", &err), 0);
	assert_int_equal(lfh_record_set_str(&r, "b", "", &err), 0);
	assert_int_equal(lfh_record_set_uint(&r, "big", UINT64_MAX, &err), 0);
	/* replace: str -> uint, uint -> str, str -> str */
	assert_int_equal(lfh_record_set_uint(&r, "summary", 0, &err), 0);
	assert_int_equal(lfh_record_set_str(&r, "count", "three", &err), 0);
	assert_int_equal(lfh_record_set_str(&r, "by", "pc_2", &err), 0);
	assert_int_equal(r.n, 5);
	assert_int_equal(lfh_record_encode(&r, &b, &err), 0);
	/* keys sorted by bytes: b, big, by, count, summary */
	static const uint8_t want[] = {
		0x85, 0xa1, 'b', 0xa0,
		0xa3, 'b', 'i', 'g', 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xa2, 'b', 'y', 0xa4, 'p', 'c', '_', '2',
		0xa5, 'c', 'o', 'u', 'n', 't', 0xa5, 't', 'h', 'r', 'e', 'e',
		0xa7, 's', 'u', 'm', 'm', 'a', 'r', 'y', 0x00,
	};
	assert_int_equal(b.len, sizeof want);
	assert_memory_equal(b.data, want, sizeof want);
	memset(&d, 0, sizeof d);
	assert_int_equal(lfh_record_decode(b.data, b.len, &d, &err), 0);
	assert_string_equal(lfh_record_str(&d, "by"), "pc_2");
	assert_string_equal(lfh_record_str(&d, "b"), "");
	assert_string_equal(lfh_record_str(&d, "count"), "three");
	assert_null(lfh_record_str(&d, "summary"));
	assert_null(lfh_record_str(&d, "absent"));
	assert_int_equal(lfh_record_uint(&d, "summary", &u), 1);
	assert_true(u == 0);
	assert_int_equal(lfh_record_uint(&d, "big", &u), 1);
	assert_true(u == UINT64_MAX);
	assert_int_equal(lfh_record_uint(&d, "by", &u), 0);
	lfh_record_clear(&d);
	/* the empty record */
	lfh_record_clear(&r);
	lfh_buf_reset(&b);
	assert_int_equal(lfh_record_encode(&r, &b, &err), 0);
	assert_int_equal(b.len, 1);
	assert_int_equal(b.data[0], 0x80);
	assert_int_equal(lfh_record_decode(b.data, b.len, &d, &err), 0);
	assert_int_equal(d.n, 0);
	lfh_buf_free(&b);
}

static void test_record_limits(void **state)
{
	lfh_record r;
	lfh_buf b = {0};
	lfh_err err;
	char *big = malloc(LFH_VALUE_MAX + 2);
	char key[32];

	(void)state;
	assert_non_null(big);
	memset(&r, 0, sizeof r);
	assert_int_equal(lfh_record_set_str(&r, "", "x", &err), LFH_EINVAL);
	assert_int_equal(lfh_record_set_str(&r, "Key", "x", &err), LFH_EINVAL);
	assert_int_equal(lfh_record_set_str(&r, "a-b", "x", &err), LFH_EINVAL);
	assert_int_equal(lfh_record_set_str(&r, "abcdefghijklmnopqrstuvwxyz012345", "x", &err),
			 LFH_EINVAL);
	assert_int_equal(lfh_record_set_uint(&r, NULL, 1, &err), LFH_EINVAL);
	assert_int_equal(lfh_record_set_str(&r, "k", NULL, &err), LFH_EINVAL);
	memset(big, 'a', LFH_VALUE_MAX + 1);
	big[LFH_VALUE_MAX + 1] = '\0';
	assert_int_equal(lfh_record_set_str(&r, "k", big, &err), LFH_ETOOBIG);
	big[LFH_VALUE_MAX] = '\0';
	assert_int_equal(lfh_record_set_str(&r, "k", big, &err), 0);
	for (int i = 1; i < LFH_RECORD_MAX_FIELDS; i++) {
		snprintf(key, sizeof key, "f%02d", i);
		assert_int_equal(lfh_record_set_uint(&r, key, (uint64_t)i, &err), 0);
	}
	assert_int_equal(lfh_record_set_uint(&r, "one_more", 1, &err), LFH_ETOOBIG);
	assert_int_equal(lfh_record_set_uint(&r, "f10", 99, &err), 0); /* replacing is fine */
	assert_int_equal(lfh_record_encode(&r, &b, &err), 0);
	lfh_record r2;
	assert_int_equal(lfh_record_decode(b.data, b.len, &r2, &err), 0);
	assert_int_equal(r2.n, LFH_RECORD_MAX_FIELDS);
	lfh_record_clear(&r2);
	/* a hand-filled field with a NUL inside its value is refused */
	memcpy(r.f[0].str, "a\0b", 3);
	lfh_buf_reset(&b);
	assert_int_equal(lfh_record_encode(&r, &b, &err), LFH_EINVAL);
	assert_int_equal(b.len, 0);
	/* and a duplicate key */
	memcpy(r.f[0].str, "abc", 3);
	strcpy(r.f[1].key, "f02");
	assert_int_equal(lfh_record_encode(&r, &b, &err), LFH_EINVAL);
	assert_non_null(strstr(err.msg, "duplicate"));
	lfh_record_clear(&r);
	lfh_buf_free(&b);
	free(big);
}

/* Decode a hand-packed record, expecting code and a message containing want. */
static void record_expect(const lfh_buf *b, int code, const char *want)
{
	lfh_record r;
	lfh_err err = {0};

	assert_int_equal(lfh_record_decode(b->data, b->len, &r, &err), code);
	if (want && !strstr(err.msg, want)) {
		print_error("error \"%s\" does not mention \"%s\"\n", err.msg, want);
		fail();
	}
	if (code != 0)
		assert_int_equal(r.n, 0); /* cleared on failure */
	lfh_record_clear(&r);
}

static void test_record_decode_strict(void **state)
{
	lfh_buf b = {0};
	msgpack_packer pk;

	(void)state;
	msgpack_packer_init(&pk, &b, buf_write);
	/* swapped key order */
	msgpack_pack_map(&pk, 2);
	pack_key(&pk, "b"), msgpack_pack_uint8(&pk, 1);
	pack_key(&pk, "a"), msgpack_pack_uint8(&pk, 1);
	record_expect(&b, LFH_ECODEC, "not sorted");
	/* duplicate key */
	lfh_buf_reset(&b);
	msgpack_pack_map(&pk, 2);
	pack_key(&pk, "a"), msgpack_pack_uint8(&pk, 1);
	pack_key(&pk, "a"), msgpack_pack_uint8(&pk, 2);
	record_expect(&b, LFH_ECODEC, "duplicate");
	/* "ab" < "b": prefix order */
	lfh_buf_reset(&b);
	msgpack_pack_map(&pk, 2);
	pack_key(&pk, "ab"), msgpack_pack_uint8(&pk, 1);
	pack_key(&pk, "b"), msgpack_pack_uint8(&pk, 1);
	record_expect(&b, 0, NULL);
	lfh_buf_reset(&b);
	msgpack_pack_map(&pk, 2);
	pack_key(&pk, "a"), msgpack_pack_uint8(&pk, 1);
	pack_key(&pk, "ab"), msgpack_pack_uint8(&pk, 1);
	record_expect(&b, 0, NULL);
	/* uint packed wide */
	lfh_buf_reset(&b);
	msgpack_pack_map(&pk, 1);
	pack_key(&pk, "a"), msgpack_pack_fix_uint64(&pk, 5);
	record_expect(&b, LFH_ECODEC, "non-canonical");
	/* string value as str8 when fixstr fits */
	lfh_buf_reset(&b);
	msgpack_pack_map(&pk, 1);
	pack_key(&pk, "a");
	append(&b, "\xd9\x01x", 3);
	record_expect(&b, LFH_ECODEC, "non-canonical");
	/* map16 for a small map */
	lfh_buf_reset(&b);
	append(&b, "\xde\x00\x01\xa1" "a\x01", 6);
	record_expect(&b, LFH_ECODEC, "non-canonical");
	/* negative, nil, bool, bin, float, array values */
	lfh_buf_reset(&b);
	msgpack_pack_map(&pk, 1);
	pack_key(&pk, "a"), msgpack_pack_int8(&pk, -1);
	record_expect(&b, LFH_ECODEC, "a: expected str or unsigned");
	lfh_buf_reset(&b);
	msgpack_pack_map(&pk, 1);
	pack_key(&pk, "a"), msgpack_pack_nil(&pk);
	record_expect(&b, LFH_ECODEC, "a: expected");
	lfh_buf_reset(&b);
	msgpack_pack_map(&pk, 1);
	pack_key(&pk, "a"), msgpack_pack_double(&pk, 1.5);
	record_expect(&b, LFH_ECODEC, "a: expected");
	lfh_buf_reset(&b);
	msgpack_pack_map(&pk, 1);
	pack_key(&pk, "a"), msgpack_pack_bin_with_body(&pk, "x", 1);
	record_expect(&b, LFH_ECODEC, "a: expected");
	/* NUL inside a value */
	lfh_buf_reset(&b);
	msgpack_pack_map(&pk, 1);
	pack_key(&pk, "a"), msgpack_pack_str_with_body(&pk, "x\0y", 3);
	record_expect(&b, LFH_ECODEC, "NUL");
	/* bad keys */
	lfh_buf_reset(&b);
	msgpack_pack_map(&pk, 1);
	pack_key(&pk, "A"), msgpack_pack_uint8(&pk, 1);
	record_expect(&b, LFH_ECODEC, "field 0");
	lfh_buf_reset(&b);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_uint8(&pk, 1), msgpack_pack_uint8(&pk, 1);
	record_expect(&b, LFH_ECODEC, "field 0");
	lfh_buf_reset(&b);
	msgpack_pack_map(&pk, 1);
	pack_key(&pk, ""), msgpack_pack_uint8(&pk, 1);
	record_expect(&b, LFH_ECODEC, "field 0");
	/* not a map; trailing byte; too many fields; value too long */
	lfh_buf_reset(&b);
	msgpack_pack_array(&pk, 0);
	record_expect(&b, LFH_ECODEC, "expected a map");
	lfh_buf_reset(&b);
	append(&b, "\x80\x80", 2);
	record_expect(&b, LFH_ECODEC, "malformed");
	lfh_buf_reset(&b);
	msgpack_pack_map(&pk, LFH_RECORD_MAX_FIELDS + 1);
	for (int i = 0; i <= LFH_RECORD_MAX_FIELDS; i++) {
		char k[16];
		snprintf(k, sizeof k, "k%03d", i);
		pack_key(&pk, k), msgpack_pack_uint8(&pk, 1);
	}
	record_expect(&b, LFH_ETOOBIG, "fields");
	lfh_buf_reset(&b);
	msgpack_pack_map(&pk, 1);
	pack_key(&pk, "a");
	msgpack_pack_str(&pk, LFH_VALUE_MAX + 1);
	for (int i = 0; i <= LFH_VALUE_MAX; i++)
		append(&b, "v", 1);
	record_expect(&b, LFH_ETOOBIG, "a: value");
	lfh_buf_free(&b);
}

static void test_record_truncated(void **state)
{
	lfh_record r;
	lfh_buf b = {0};

	(void)state;
	memset(&r, 0, sizeof r);
	vec_referral_record(&r);
	assert_int_equal(lfh_record_encode(&r, &b, NULL), 0);
	lfh_record_clear(&r);
	for (size_t n = 0; n < b.len; n++) {
		uint8_t *c = malloc(n ? n : 1);
		assert_non_null(c);
		memcpy(c, b.data, n);
		assert_int_equal(lfh_record_decode(c, n, &r, NULL), LFH_ECODEC);
		free(c);
	}
	lfh_buf_free(&b);
}

/* The size bound a control page counts its bytes by is never below the encoding. */
static void test_record_encoded_max(void **state)
{
	static const size_t lens[] = { 0, 1, 31, 32, 255, 256, 65535, 65536 };
	lfh_record r;
	lfh_buf b = {0};
	lfh_err err;
	char *v = malloc(LFH_VALUE_MAX + 1);

	(void)state;
	assert_non_null(v);
	memset(&r, 0, sizeof r);
	assert_true(lfh_record_encoded_max(&r) >= 1); /* an empty map */
	for (size_t i = 0; i < LFH_RECORD_MAX_FIELDS; i++) {
		char key[LFH_FIELD_KEY_MAX + 1];
		size_t len = i % 3 ? (i * 997) % (LFH_VALUE_MAX + 1) : 0;
		snprintf(key, sizeof key, "%s%zu", i % 2 ? "k" : "a_much_longer_key_name_", i);
		memset(v, 'x', len);
		v[len] = '\0';
		if (i % 3)
			assert_int_equal(lfh_record_set_str(&r, key, v, &err), 0);
		else
			assert_int_equal(lfh_record_set_uint(&r, key, lens[i % 8] * 65537u, &err), 0);
		lfh_buf_reset(&b);
		assert_int_equal(lfh_record_encode(&r, &b, &err), 0);
		assert_true(lfh_record_encoded_max(&r) >= b.len);
		assert_true(lfh_record_encoded_max(&r) <= b.len + 16 * r.n + 8); /* and close to it */
	}
	lfh_record_clear(&r);
	lfh_buf_free(&b);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_roundtrip),
		cmocka_unit_test(test_record_limits),
		cmocka_unit_test(test_record_decode_strict),
		cmocka_unit_test(test_record_truncated),
		cmocka_unit_test(test_record_encoded_max),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
