/*
 * test_cert_decode.c - unit tests for proto/cert.c, strict decoding of
 * certificates and revocations: truncations and trailing bytes, non-canonical
 * forms, wrong types, sizes and shapes, oversize input and hostile or random
 * bytes.
 *
 * Hand-made non-canonical or invalid encodings are packed directly with
 * msgpack-c, element by element (cert_elem, rev_elem, assemble in
 * cert_fixture.h), independently of the code under test.
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
#include "lfh/cert.h"
#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/identity.h"

#include "cert_fixture.h"

/* ---- helpers ---- */

/* base_cert (or base_revocation) packed with element rep replaced by hex. */
static void cert_with(int rep, const char *hex, lfh_buf *out)
{
	lfh_cert c;
	variant v = {0, rep, hex, NULL};

	base_cert(&c);
	assemble(cert_elem, &c, 11, &v, out);
}

static void rev_with(int rep, const char *hex, lfh_buf *out)
{
	lfh_revocation r;
	variant v = {0, rep, hex, NULL};

	base_revocation(&r);
	assemble(rev_elem, &r, 7, &v, out);
}

static void cert_bad(int rep, const char *hex, int code, const char *want)
{
	lfh_buf b = {0};

	cert_with(rep, hex, &b);
	expect_cert_decode(b.data, b.len, code, want);
	lfh_buf_free(&b);
}

static void rev_bad(int rep, const char *hex, int code, const char *want)
{
	lfh_buf b = {0};

	rev_with(rep, hex, &b);
	expect_rev_decode(b.data, b.len, code, want);
	lfh_buf_free(&b);
}

/* ---- strict decoding ---- */

/* Every proper prefix is refused, and so is one byte more. */
static void truncate_and_extend(const lfh_buf *b, int cert)
{
	lfh_buf x = {0};

	for (size_t n = 0; n < b->len; n++) {
		if (cert)
			expect_cert_decode(b->data, n, LFH_ECODEC, n ? "cert:" : NULL);
		else
			expect_rev_decode(b->data, n, LFH_ECODEC, n ? "revocation:" : NULL);
	}
	append(&x, b->data, b->len);
	append(&x, "\x00", 1);
	if (cert)
		expect_cert_decode(x.data, x.len, LFH_ECODEC, "trailing bytes");
	else
		expect_rev_decode(x.data, x.len, LFH_ECODEC, "trailing bytes");
	lfh_buf_free(&x);
}

static void test_decode_truncated_trailing(void **state)
{
	lfh_cert c;
	lfh_revocation r;
	lfh_buf b = {0};

	(void)state;
	base_cert(&c);
	assert_int_equal(lfh_cert_encode(&c, &b, NULL), 0);
	expect_cert_decode(b.data, b.len, 0, NULL);
	truncate_and_extend(&b, 1);
	lfh_buf_reset(&b);
	base_revocation(&r);
	assert_int_equal(lfh_revocation_encode(&r, &b, NULL), 0);
	expect_rev_decode(b.data, b.len, 0, NULL);
	truncate_and_extend(&b, 0);
	lfh_buf_free(&b);
}

/* Hex of prefix followed by n bytes 0x11 (a few rotating static buffers). */
static const char *run(const char *prefix, size_t n)
{
	static char bufs[4][600];
	static int k;
	char *b = bufs[k++ % 4];

	assert_true(strlen(prefix) + 2 * n < sizeof bufs[0]);
	strcpy(b, prefix);
	for (size_t i = 0; i < n; i++)
		strcat(b, "11");
	return b;
}

static void test_cert_noncanonical(void **state)
{
	lfh_cert c;
	lfh_buf b = {0};
	char hex[160];
	variant v = {0, -1, NULL, "dc000b"}; /* array16 of 11 */

	(void)state;
	/* the same values in wider forms */
	cert_bad(3, "cf0000000000000002", LFH_ECODEC, "cert: non-canonical encoding"); /* u32 as uint64 */
	cert_bad(3, "ce00000002", LFH_ECODEC, "non-canonical");
	cert_bad(3, "cc02", LFH_ECODEC, "non-canonical");
	cert_bad(9, "cf00000000240c8400", LFH_ECODEC, "non-canonical"); /* grace 604800000 as uint64 */
	cert_bad(2, "d906706f6c696365", LFH_ECODEC, "non-canonical");   /* agency as str8 */
	cert_bad(0, "d90b6c66682d636572742d7631", LFH_ECODEC, "non-canonical"); /* magic as str8 */
	base_cert(&c);
	snprintf(hex, sizeof hex, "c50020");
	for (int i = 0; i < 32; i++)
		snprintf(hex + 6 + 2 * i, 3, "%02x", c.hub[i]);
	cert_bad(1, hex, LFH_ECODEC, "non-canonical"); /* hub as bin16 */
	assemble(cert_elem, &c, 11, &v, &b);
	expect_cert_decode(b.data, b.len, LFH_ECODEC, "non-canonical");
	lfh_buf_free(&b);
}

static void test_cert_decode_types(void **state)
{
	lfh_cert c;
	lfh_buf b = {0};
	variant v10 = {10, -1, NULL, NULL}, v12 = {12, -1, NULL, NULL};
	variant v2_12 = {12, 0, "ab6c66682d636572742d7632", NULL};

	(void)state;
	/* format */
	cert_bad(0, "ab6c66682d636572742d7632", LFH_EVERSION, "\"lfh-cert-v2\" not supported");
	cert_bad(0, "a96c66682d636572742d", LFH_EVERSION, "lfh-cert-");
	cert_bad(0, "ad6c66682d7265766f6b652d7631", LFH_ECODEC, "\"lfh-revoke-v1\" not supported");
	cert_bad(0, "aa6c66682d6973612d7631", LFH_ECODEC, "not supported");
	cert_bad(0, "c40b6c66682d636572742d7631", LFH_ECODEC, "cert: format"); /* bin, not str */
	cert_bad(0, "01", LFH_ECODEC, "cert: format");
	/* each field with a wrong type or size */
	cert_bad(1, "a0", LFH_ECODEC, "cert.hub");
	cert_bad(1, run("c41f", 31), LFH_ECODEC, "cert.hub");
	cert_bad(2, "c406706f6c696365", LFH_ECODEC, "cert.agency");
	cert_bad(2, "c0", LFH_ECODEC, "cert.agency");
	cert_bad(2, "a3610062", LFH_ECODEC, "cert.agency");
	cert_bad(3, "a132", LFH_ECODEC, "cert.generation");
	cert_bad(3, "ff", LFH_ECODEC, "cert.generation");   /* -1 */
	cert_bad(3, "d0fe", LFH_ECODEC, "cert.generation"); /* int8 -2 */
	cert_bad(3, "cf0000000100000002", LFH_ECODEC, "cert.generation: expected a u32");
	cert_bad(3, "ca40000000", LFH_ECODEC, "cert.generation"); /* float 2.0 */
	cert_bad(3, "c3", LFH_ECODEC, "cert.generation");
	cert_bad(4, run("c421", 33), LFH_ECODEC, "cert.sign_pk");
	cert_bad(4, "a0", LFH_ECODEC, "cert.sign_pk");
	cert_bad(5, "c0", LFH_ECODEC, "cert.box_pk");
	cert_bad(6, run("d920", 32), LFH_ECODEC, "cert.curve_pk");
	cert_bad(7, "d3fffffffffffffff0", LFH_ECODEC, "cert.not_before");
	cert_bad(8, "c2", LFH_ECODEC, "cert.not_after");
	cert_bad(9, "90", LFH_ECODEC, "cert.grace");
	cert_bad(10, run("c43f", 63), LFH_ECODEC, "cert.root_sig");
	cert_bad(10, "c0", LFH_ECODEC, "cert.root_sig");
	/* shape */
	base_cert(&c);
	assemble(cert_elem, &c, 11, &v10, &b);
	expect_cert_decode(b.data, b.len, LFH_ECODEC, "expected 11 elements, got 10");
	lfh_buf_reset(&b);
	assemble(cert_elem, &c, 11, &v12, &b);
	expect_cert_decode(b.data, b.len, LFH_ECODEC, "expected 11 elements, got 12");
	lfh_buf_reset(&b);
	assemble(cert_elem, &c, 11, &v2_12, &b); /* a later version may change the layout */
	expect_cert_decode(b.data, b.len, LFH_EVERSION, "lfh-cert-v2");
	lfh_buf_free(&b);
	expect_cert_decode((const uint8_t *)"\x90", 1, LFH_ECODEC, "expected a non-empty array");
	expect_cert_decode((const uint8_t *)"\x80", 1, LFH_ECODEC, "expected a non-empty array");
	expect_cert_decode((const uint8_t *)"\xablfh-cert-v1", 12, LFH_ECODEC, "non-empty array");
	expect_cert_decode((const uint8_t *)"", 0, LFH_ECODEC, "cert:");
}

static void test_revocation_decode(void **state)
{
	lfh_revocation r;
	lfh_buf b = {0};
	char hex[600];
	variant v6 = {6, -1, NULL, NULL}, v8 = {8, -1, NULL, NULL};

	(void)state;
	/* format */
	rev_bad(0, "ad6c66682d7265766f6b652d7632", LFH_EVERSION, "\"lfh-revoke-v2\" not supported");
	rev_bad(0, "ab6c66682d636572742d7631", LFH_ECODEC, "\"lfh-cert-v1\" not supported");
	/* non-canonical */
	rev_bad(3, "ce00000002", LFH_ECODEC, "revocation: non-canonical encoding");
	rev_bad(3, "cf0000000000000002", LFH_ECODEC, "non-canonical");
	rev_bad(5, "cf00000000000000ff", LFH_ECODEC, "non-canonical"); /* 255 as uint64, not uint8 */
	rev_bad(6, "d90d6c6170746f702073746f6c656e", LFH_ECODEC, "non-canonical"); /* str8 reason */
	/* types and sizes */
	rev_bad(1, "c0", LFH_ECODEC, "revocation.hub");
	rev_bad(2, "92a0a0", LFH_ECODEC, "revocation.agency");
	rev_bad(3, "e0", LFH_ECODEC, "revocation.generation");
	rev_bad(3, "a131", LFH_ECODEC, "revocation.generation");
	rev_bad(4, run("c407", 7), LFH_ECODEC, "revocation.key_id"); /* bin7 */
	rev_bad(4, run("c409", 9), LFH_ECODEC, "revocation.key_id");
	rev_bad(4, run("c420", 32), LFH_ECODEC, "revocation.key_id: expected bin of 8 bytes");
	rev_bad(5, "d3ffffffffffffffff", LFH_ECODEC, "revocation.effective");
	rev_bad(5, "c0", LFH_ECODEC, "revocation.effective");
	rev_bad(6, "c40d6c6170746f702073746f6c656e", LFH_ECODEC, "revocation.reason: expected a str");
	rev_bad(6, "c0", LFH_ECODEC, "revocation.reason");
	rev_bad(6, "a3610062", LFH_ECODEC, "revocation.reason: contains a control character");
	rev_bad(6, "a3610162", LFH_ECODEC, "revocation.reason: contains a control character");
	rev_bad(6, "a261c3", LFH_ECODEC, "revocation.reason: is not valid UTF-8");
	/* a reason of 256 bytes is too big, though the whole stays under the limit */
	strcpy(hex, "d9ff");
	for (int i = 0; i < 255; i++)
		strcat(hex, "78");
	rev_bad(6, hex, 0, NULL);
	strcpy(hex, "da0100");
	for (int i = 0; i < 256; i++)
		strcat(hex, "78");
	rev_bad(6, hex, LFH_ETOOBIG, "revocation.reason: 256 bytes exceeds 255");
	/* shape */
	base_revocation(&r);
	assemble(rev_elem, &r, 7, &v6, &b);
	expect_rev_decode(b.data, b.len, LFH_ECODEC, "expected 7 elements, got 6");
	lfh_buf_reset(&b);
	assemble(rev_elem, &r, 7, &v8, &b);
	expect_rev_decode(b.data, b.len, LFH_ECODEC, "expected 7 elements, got 8");
	lfh_buf_free(&b);
	expect_rev_decode((const uint8_t *)"\xc0", 1, LFH_ECODEC, "expected a non-empty array");
}

/* Inputs over the size limits are refused before anything is parsed. */
static void test_decode_oversize(void **state)
{
	uint8_t big[LFH_CERT_MAX + LFH_REVOKE_MAX + 2];
	lfh_cert c;
	lfh_buf b = {0};

	(void)state;
	memset(big, 0, sizeof big);
	expect_cert_decode(big, LFH_CERT_MAX + 1, LFH_ETOOBIG, "cert: 513 bytes exceeds 512");
	expect_rev_decode(big, LFH_REVOKE_MAX + 1, LFH_ETOOBIG, "revocation: 513 bytes exceeds 512");
	expect_cert_decode(big, sizeof big, LFH_ETOOBIG, "exceeds");
	/* a valid certificate followed by padding up to the limit is merely trailing bytes */
	base_cert(&c);
	assert_int_equal(lfh_cert_encode(&c, &b, NULL), 0);
	while (b.len < LFH_CERT_MAX)
		append(&b, "\xc0", 1);
	expect_cert_decode(b.data, b.len, LFH_ECODEC, "trailing bytes");
	append(&b, "\xc0", 1);
	expect_cert_decode(b.data, b.len, LFH_ETOOBIG, "exceeds");
	lfh_buf_free(&b);
}

/* Hostile declared sizes and random bytes: refused, never a crash. */
static void test_hostile(void **state)
{
	static const char *hostile[] = {
		"ddffffffff", "dcffff", "dfffffffff", "9bdbffffffff", "9bc6ffffffff",
		"9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b",
		"c1", "9bc1", "97ad6c66682d7265766f6b652d7631c6ffffffff",
	};
	uint8_t seed[randombytes_SEEDBYTES] = {7}, buf[300];
	lfh_cert c;
	lfh_revocation r;

	(void)state;
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		lfh_buf b = {0};
		append_hex(&b, hostile[i]);
		expect_cert_decode(b.data, b.len, LFH_ECODEC, NULL);
		expect_rev_decode(b.data, b.len, LFH_ECODEC, NULL);
		lfh_buf_free(&b);
	}
	for (int i = 0; i < 2000; i++) {
		seed[1] = (uint8_t)i, seed[2] = (uint8_t)(i >> 8);
		randombytes_buf_deterministic(buf, sizeof buf, seed);
		buf[0] = i & 1 ? 0x9b : 0x97; /* look like the right array */
		assert_int_not_equal(lfh_cert_decode(buf, (size_t)(i % 300), &c, NULL), 0);
		assert_int_not_equal(lfh_revocation_decode(buf, (size_t)(i % 300), &r, NULL), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_truncated_trailing),
		cmocka_unit_test(test_cert_noncanonical),
		cmocka_unit_test(test_cert_decode_types),
		cmocka_unit_test(test_revocation_decode),
		cmocka_unit_test(test_decode_oversize),
		cmocka_unit_test(test_hostile),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
