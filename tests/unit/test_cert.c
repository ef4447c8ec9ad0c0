/*
 * test_cert.c - unit tests for proto/cert.c: key certificates and
 * revocations (include/lfh/cert.h, proto/PROTOCOL.md section 15): round
 * trips, the root signature, the field checks, and the golden vectors at
 * the end, which fix the encoding byte for byte. Strict decoding of
 * hostile, truncated and non-canonical input is in test_cert_decode.c.
 *
 * Hand-made encodings are packed directly with msgpack-c, element by element
 * (cert_elem, rev_elem, assemble in cert_fixture.h), independently of the
 * code under test.
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

static void root_pk(uint8_t pk[32])
{
	uint8_t sk[64];

	sign_keypair(ROOT_SEED_FIRST, pk, sk);
}

static void assert_certs_equal(const lfh_cert *a, const lfh_cert *b)
{
	assert_memory_equal(a->hub, b->hub, 32);
	assert_string_equal(a->agency, b->agency);
	assert_int_equal(a->generation, b->generation);
	assert_memory_equal(a->sign_pk, b->sign_pk, 32);
	assert_memory_equal(a->box_pk, b->box_pk, 32);
	assert_memory_equal(a->curve_pk, b->curve_pk, 32);
	assert_true(a->not_before_ms == b->not_before_ms);
	assert_true(a->not_after_ms == b->not_after_ms);
	assert_true(a->grace_ms == b->grace_ms);
	assert_memory_equal(a->root_sig, b->root_sig, 64);
}

static void assert_revocations_equal(const lfh_revocation *a, const lfh_revocation *b)
{
	assert_memory_equal(a->hub, b->hub, 32);
	assert_string_equal(a->agency, b->agency);
	assert_int_equal(a->generation, b->generation);
	assert_memory_equal(a->key_id, b->key_id, LFH_KEYID_LEN);
	assert_true(a->effective_ms == b->effective_ms);
	assert_string_equal(a->reason, b->reason);
}

/* ---- round trips ---- */

/* Encode c, decode, compare, and check the certified bytes against the encoding. */
static void cert_roundtrip(const lfh_cert *c)
{
	lfh_cert d;
	lfh_buf enc = {0}, sb = {0}, raw = {0};
	variant v = {0, -1, NULL, NULL};
	lfh_err err;

	append(&enc, "x", 1); /* encode appends: keep a prefix */
	assert_int_equal(lfh_cert_encode(c, &enc, &err), 0);
	assert_true(enc.len - 1 <= LFH_CERT_MAX);
	assert_int_equal(lfh_cert_decode(enc.data + 1, enc.len - 1, &d, &err), 0);
	assert_certs_equal(c, &d);
	/* the certified bytes are the first ten elements as a 10-array */
	assert_int_equal(lfh_cert_signed_bytes(&d, &sb, &err), 0);
	assert_int_equal(enc.data[1], 0x9b);
	assert_int_equal(sb.data[0], 0x9a);
	assert_int_equal(enc.len - 1, sb.len + 2 + 64);
	assert_memory_equal(sb.data + 1, enc.data + 2, sb.len - 1);
	assert_int_equal(enc.data[1 + sb.len], 0xc4);
	assert_int_equal(enc.data[2 + sb.len], 0x40);
	assert_memory_equal(enc.data + 3 + sb.len, c->root_sig, 64);
	/* an independent packer gives the same bytes */
	assemble(cert_elem, c, 11, &v, &raw);
	assert_int_equal(raw.len, enc.len - 1);
	assert_memory_equal(raw.data, enc.data + 1, raw.len);
	lfh_buf_free(&enc);
	lfh_buf_free(&sb);
	lfh_buf_free(&raw);
}

static void test_cert_roundtrip(void **state)
{
	lfh_cert c;
	uint8_t rpk[32], rsk[64];

	(void)state;
	base_cert(&c);
	cert_roundtrip(&c);
	/* extremes: longest agency, largest generation and times, most grace */
	sign_keypair(ROOT_SEED_FIRST, rpk, rsk);
	strcpy(c.agency, "abcdefghijklmnopqrstuvwxyz01234");
	c.generation = LFH_GENERATION_MAX;
	c.not_before_ms = UINT64_MAX - 1;
	c.not_after_ms = UINT64_MAX;
	c.grace_ms = LFH_GRACE_MAX_MS;
	assert_int_equal(lfh_cert_sign(&c, rsk, NULL), 0);
	cert_roundtrip(&c);
	assert_int_equal(lfh_cert_verify(&c, rpk, NULL), 0);
	/* smallest: generation 2, times 0 and 1, no grace */
	c.agency[1] = '\0';
	c.generation = 2;
	c.not_before_ms = 0;
	c.not_after_ms = 1;
	c.grace_ms = 0;
	assert_int_equal(lfh_cert_sign(&c, rsk, NULL), 0);
	cert_roundtrip(&c);
}

static void rev_roundtrip(const lfh_revocation *r)
{
	lfh_revocation d;
	lfh_buf enc = {0}, raw = {0};
	variant v = {0, -1, NULL, NULL};
	lfh_err err;

	append(&enc, "x", 1);
	assert_int_equal(lfh_revocation_encode(r, &enc, &err), 0);
	assert_true(enc.len - 1 <= LFH_REVOKE_MAX);
	assert_int_equal(enc.data[1], 0x97);
	assert_int_equal(lfh_revocation_decode(enc.data + 1, enc.len - 1, &d, &err), 0);
	assert_revocations_equal(r, &d);
	assemble(rev_elem, r, 7, &v, &raw);
	assert_int_equal(raw.len, enc.len - 1);
	assert_memory_equal(raw.data, enc.data + 1, raw.len);
	lfh_buf_free(&enc);
	lfh_buf_free(&raw);
}

static void test_revocation_roundtrip(void **state)
{
	lfh_revocation r;

	(void)state;
	base_revocation(&r);
	rev_roundtrip(&r);
	r.generation = 1; /* the keys the ISA names may be revoked */
	r.effective_ms = 0;
	r.reason[0] = '\0'; /* a reason is optional */
	rev_roundtrip(&r);
	r.generation = LFH_GENERATION_MAX;
	r.effective_ms = UINT64_MAX;
	memset(r.reason, 'x', LFH_REASON_MAX); /* longest */
	r.reason[LFH_REASON_MAX] = '\0';
	rev_roundtrip(&r);
	strcpy(r.reason, "cl\xc3\xa9 perdue \xe2\x80\x94 \xf0\x9f\x94\x91"); /* UTF-8 of 2, 3, 4 bytes */
	rev_roundtrip(&r);
}

/* ---- root signature ---- */

static void test_cert_verify(void **state)
{
	lfh_cert c, t;
	uint8_t rpk[32], opk[32], osk[64];
	lfh_err err = {0};

	(void)state;
	base_cert(&c);
	root_pk(rpk);
	assert_int_equal(lfh_cert_verify(&c, rpk, &err), 0);
	/* another root */
	sign_keypair(OTHER_SEED_FIRST, opk, osk);
	assert_int_equal(lfh_cert_verify(&c, opk, &err), LFH_ECRYPTO);
	assert_int_equal(err.code, LFH_ECRYPTO);
	assert_string_equal(err.msg, "certificate for police generation 2 is not signed by "
			    "police's root key");
	/* the generation's own key is not the root */
	assert_int_equal(lfh_cert_verify(&c, c.sign_pk, NULL), LFH_ECRYPTO);
	/* every field is covered by the signature */
	for (int f = 0; f < 10; f++) {
		t = c;
		switch (f) {
		case 0: t.hub[31] ^= 1; break;
		case 1: strcpy(t.agency, "polica"); break;
		case 2: t.generation = 3; break;
		case 3: memcpy(t.sign_pk, opk, 32); break;
		case 4: t.box_pk[0] ^= 1; break;
		case 5: t.curve_pk[31] ^= 0x80; break;
		case 6: t.not_before_ms--; break;
		case 7: t.not_after_ms++; break;
		case 8: t.grace_ms = 0; break;
		case 9: t.root_sig[10] ^= 4; break;
		}
		assert_int_equal(lfh_cert_check(&t, NULL), 0);
		if (lfh_cert_verify(&t, rpk, &err) != LFH_ECRYPTO) {
			print_error("tampered field %d verified\n", f);
			fail();
		}
	}
	/* a certificate signed by another root verifies under that root only */
	assert_int_equal(lfh_cert_sign(&c, osk, NULL), 0);
	assert_int_equal(lfh_cert_verify(&c, opk, NULL), 0);
	assert_int_equal(lfh_cert_verify(&c, rpk, NULL), LFH_ECRYPTO);
}

/* Tampering with the encoded bytes (one byte of not_after) is caught by verify. */
static void test_cert_verify_tampered_bytes(void **state)
{
	lfh_cert c, d;
	lfh_buf enc = {0};
	uint8_t rpk[32];

	(void)state;
	base_cert(&c);
	root_pk(rpk);
	assert_int_equal(lfh_cert_encode(&c, &enc, NULL), 0);
	/* not_after is element 8: cf + 8 bytes, right before grace (ce + 4) and root_sig (c4 40 + 64) */
	enc.data[enc.len - 66 - 5 - 1] ^= 1;
	assert_int_equal(lfh_cert_decode(enc.data, enc.len, &d, NULL), 0);
	assert_true(d.not_after_ms == (c.not_after_ms ^ 1));
	assert_int_equal(lfh_cert_verify(&d, rpk, NULL), LFH_ECRYPTO);
	lfh_buf_free(&enc);
}

/* ---- field checks ---- */

/*
 * A mutation of a valid certificate must fail lfh_cert_check naming field,
 * and so must every function that checks; its independent encoding must
 * fail decoding with dec_code naming the same field.
 */
static void expect_cert_fail(void (*mutate)(lfh_cert *), const char *field, int dec_code)
{
	lfh_cert c;
	lfh_buf out = {0};
	uint8_t sig[64], rpk[32], rsk[64];
	variant v = {0, -1, NULL, NULL};
	lfh_err err = {0};

	base_cert(&c);
	mutate(&c);
	memcpy(sig, c.root_sig, 64);
	assert_int_equal(lfh_cert_check(&c, &err), LFH_EINVAL);
	assert_int_equal(err.code, LFH_EINVAL);
	assert_mentions(&err, field);
	assert_int_equal(lfh_cert_encode(&c, &out, NULL), LFH_EINVAL);
	assert_int_equal(out.len, 0);
	assert_int_equal(lfh_cert_signed_bytes(&c, &out, NULL), LFH_EINVAL);
	assert_int_equal(out.len, 0);
	sign_keypair(ROOT_SEED_FIRST, rpk, rsk);
	assert_int_equal(lfh_cert_sign(&c, rsk, NULL), LFH_EINVAL);
	assert_memory_equal(c.root_sig, sig, 64);
	assert_int_equal(lfh_cert_verify(&c, rpk, NULL), LFH_EINVAL);
	assemble(cert_elem, &c, 11, &v, &out);
	expect_cert_decode(out.data, out.len, dec_code, field);
	lfh_buf_free(&out);
}

static void m_agency_empty(lfh_cert *c) { c->agency[0] = '\0'; }
static void m_agency_upper(lfh_cert *c) { strcpy(c->agency, "Police"); }
static void m_agency_long(lfh_cert *c) { memset(c->agency, 'a', sizeof c->agency); }
static void m_gen0(lfh_cert *c) { c->generation = 0; }
static void m_gen1(lfh_cert *c) { c->generation = 1; }
static void m_gen_big(lfh_cert *c) { c->generation = LFH_GENERATION_MAX + 1; }
static void m_gen_u32(lfh_cert *c) { c->generation = UINT32_MAX; }
static void m_sign_zero(lfh_cert *c) { memset(c->sign_pk, 0, 32); }
static void m_sign_identity(lfh_cert *c) { memset(c->sign_pk, 0, 32); c->sign_pk[0] = 1; }
static void m_sign_noncanonical(lfh_cert *c) /* y = p = 2^255 - 19 */
{
	memset(c->sign_pk, 0xff, 32);
	c->sign_pk[0] = 0xed;
	c->sign_pk[31] = 0x7f;
}
static void m_box_zero(lfh_cert *c) { memset(c->box_pk, 0, 32); }
static void m_curve_zero(lfh_cert *c) { memset(c->curve_pk, 0, 32); }
static void m_box_is_sign(lfh_cert *c) { memcpy(c->box_pk, c->sign_pk, 32); }
static void m_curve_is_sign(lfh_cert *c) { memcpy(c->curve_pk, c->sign_pk, 32); }
static void m_curve_is_box(lfh_cert *c) { memcpy(c->curve_pk, c->box_pk, 32); }
static void m_after_eq(lfh_cert *c) { c->not_after_ms = c->not_before_ms; }
static void m_after_lt(lfh_cert *c) { c->not_after_ms = c->not_before_ms - 1; }
static void m_grace_big(lfh_cert *c) { c->grace_ms = LFH_GRACE_MAX_MS + 1; }

static void test_cert_check_rules(void **state)
{
	lfh_cert c;
	lfh_err err = {0};

	(void)state;
	base_cert(&c);
	assert_int_equal(lfh_cert_check(&c, NULL), 0);
	expect_cert_fail(m_agency_empty, "cert.agency: '' is not a valid agency id", LFH_ECODEC);
	expect_cert_fail(m_agency_upper, "cert.agency: 'Police'", LFH_ECODEC);
	expect_cert_fail(m_agency_long, "cert.agency", LFH_ECODEC);
	expect_cert_fail(m_gen0, "cert.generation: 0 is not", LFH_ECODEC);
	expect_cert_fail(m_gen1, "cert.generation: 1 is not a certificate generation (2..65535)",
			 LFH_ECODEC);
	expect_cert_fail(m_gen_big, "cert.generation: 65536", LFH_ECODEC);
	expect_cert_fail(m_gen_u32, "cert.generation", LFH_ECODEC);
	expect_cert_fail(m_sign_zero, "cert.sign_pk: not a valid Ed25519 public key", LFH_ECODEC);
	expect_cert_fail(m_sign_identity, "cert.sign_pk", LFH_ECODEC);
	expect_cert_fail(m_sign_noncanonical, "cert.sign_pk", LFH_ECODEC);
	expect_cert_fail(m_box_zero, "cert.box_pk: missing", LFH_ECODEC);
	expect_cert_fail(m_curve_zero, "cert.curve_pk: missing", LFH_ECODEC);
	expect_cert_fail(m_box_is_sign, "cert.box_pk: the same key as sign_pk", LFH_ECODEC);
	expect_cert_fail(m_curve_is_sign, "cert.curve_pk: the same key as sign_pk", LFH_ECODEC);
	expect_cert_fail(m_curve_is_box, "cert.curve_pk: the same key as box_pk", LFH_ECODEC);
	expect_cert_fail(m_after_eq, "cert.not_after", LFH_ECODEC);
	expect_cert_fail(m_after_lt, "cert.not_after", LFH_ECODEC);
	expect_cert_fail(m_grace_big, "cert.grace", LFH_ECODEC);
	/* the boundaries themselves are fine */
	c.grace_ms = LFH_GRACE_MAX_MS;
	c.generation = LFH_GENERATION_MAX;
	c.not_after_ms = c.not_before_ms + 1;
	assert_int_equal(lfh_cert_check(&c, &err), 0);
}

/* As expect_cert_fail, for revocations. */
static void expect_rev_fail(void (*mutate)(lfh_revocation *), const char *field, int dec_code)
{
	lfh_revocation r;
	lfh_buf out = {0};
	variant v = {0, -1, NULL, NULL};
	lfh_err err = {0};

	base_revocation(&r);
	mutate(&r);
	assert_int_equal(lfh_revocation_check(&r, &err), LFH_EINVAL);
	assert_int_equal(err.code, LFH_EINVAL);
	assert_mentions(&err, field);
	assert_int_equal(lfh_revocation_encode(&r, &out, NULL), LFH_EINVAL);
	assert_int_equal(out.len, 0);
	assemble(rev_elem, &r, 7, &v, &out);
	expect_rev_decode(out.data, out.len, dec_code, field);
	lfh_buf_free(&out);
}

static void r_agency_empty(lfh_revocation *r) { r->agency[0] = '\0'; }
static void r_agency_dot(lfh_revocation *r) { strcpy(r->agency, "po.lice"); }
static void r_gen0(lfh_revocation *r) { r->generation = 0; }
static void r_gen_big(lfh_revocation *r) { r->generation = LFH_GENERATION_MAX + 1; }
static void r_newline(lfh_revocation *r) { strcpy(r->reason, "stolen\nreally"); }
static void r_tab(lfh_revocation *r) { strcpy(r->reason, "stolen\t"); }
static void r_del(lfh_revocation *r) { strcpy(r->reason, "\x7f"); }
static void r_esc(lfh_revocation *r) { strcpy(r->reason, "\x1b[2J"); }
static void r_lone_lead(lfh_revocation *r) { strcpy(r->reason, "cl\xc3"); }
static void r_overlong(lfh_revocation *r) { strcpy(r->reason, "\xc0\xaf"); }
static void r_surrogate(lfh_revocation *r) { strcpy(r->reason, "\xed\xa0\x80"); }
static void r_beyond(lfh_revocation *r) { strcpy(r->reason, "\xf4\x90\x80\x80"); }
static void r_lone_cont(lfh_revocation *r) { strcpy(r->reason, "a\x80"); }
static void r_unterminated(lfh_revocation *r) { memset(r->reason, 'x', sizeof r->reason); }

static void test_revocation_check_rules(void **state)
{
	(void)state;
	expect_rev_fail(r_agency_empty, "revocation.agency", LFH_ECODEC);
	expect_rev_fail(r_agency_dot, "revocation.agency: 'po.lice'", LFH_ECODEC);
	expect_rev_fail(r_gen0, "revocation.generation: 0 is not a key generation (1..65535)",
			LFH_ECODEC);
	expect_rev_fail(r_gen_big, "revocation.generation: 65536", LFH_ECODEC);
	expect_rev_fail(r_newline, "revocation.reason: contains a control character", LFH_ECODEC);
	expect_rev_fail(r_tab, "revocation.reason: contains a control character", LFH_ECODEC);
	expect_rev_fail(r_del, "revocation.reason: contains a control character", LFH_ECODEC);
	expect_rev_fail(r_esc, "revocation.reason: contains a control character", LFH_ECODEC);
	expect_rev_fail(r_lone_lead, "revocation.reason: is not valid UTF-8", LFH_ECODEC);
	expect_rev_fail(r_overlong, "revocation.reason: is not valid UTF-8", LFH_ECODEC);
	expect_rev_fail(r_surrogate, "revocation.reason: is not valid UTF-8", LFH_ECODEC);
	expect_rev_fail(r_beyond, "revocation.reason: is not valid UTF-8", LFH_ECODEC);
	expect_rev_fail(r_lone_cont, "revocation.reason: is not valid UTF-8", LFH_ECODEC);
	expect_rev_fail(r_unterminated, "revocation.reason", LFH_ETOOBIG);
}

/* ---- golden vectors ---- */

/*
 * Certificate: police generation 2 of hub 80..9f, keys from the seeds
 * 21..40 (sign), 41..60 (box), 61..80 (curve), valid 2023-11-14T22:13:20Z
 * for 365 days with 7 days of grace, certified by the root of seed 01..20.
 */
static const char golden_cert[] =
	"9bab6c66682d636572742d7631c420808182838485868788898a8b8c8d8e8f90"
	"9192939495969798999a9b9c9d9e9fa6706f6c69636502c420e7f162a10bec55"
	"9afea195e4dce84b69568d5d2cb0963eb446c0685e2b17f2f0c420759f49a098"
	"c9a6baa8465a42333c11cc4cd2c10beeda7b60f73e38205f81900cc420923759"
	"674d1af43c522e88c8ca111be8bd0298cc1707428a8cde3d5d5b4e0c5acf0000"
	"018bcfe56800cf0000019327969400ce240c8400c44016760c6c8aaad9f05ab7"
	"eba6eea3a1a7ae07d7ead591e965a00b80dbca00b7acddd3c5bf98c213c6de60"
	"335d386ae81d7647ca87c0ccb470251f0a817fb8d902";

/* Revocation of that generation from T0 + 30 days, reason "laptop stolen". */
static const char golden_rev[] =
	"97ad6c66682d7265766f6b652d7631c420808182838485868788898a8b8c8d8e"
	"8f909192939495969798999a9b9c9d9e9fa6706f6c69636502c408eb42f93b19"
	"6f7db1cf0000018c6a643000ad6c6170746f702073746f6c656e";

static void hex_of(const lfh_buf *b, char **out)
{
	*out = malloc(2 * b->len + 1);
	assert_non_null(*out);
	lfh_hex(*out, b->data, b->len);
}

static void test_golden(void **state)
{
	lfh_cert c, d;
	lfh_revocation r, e;
	lfh_buf b = {0};
	uint8_t rpk[32], kid[LFH_KEYID_LEN];
	char *hex;

	(void)state;
	base_cert(&c);
	assert_int_equal(lfh_cert_encode(&c, &b, NULL), 0);
	hex_of(&b, &hex);
	if (strcmp(hex, golden_cert) != 0) {
		print_error("cert encoding changed:\n%s\n", hex);
		fail();
	}
	free(hex);
	assert_int_equal(lfh_cert_decode(b.data, b.len, &d, NULL), 0);
	root_pk(rpk);
	assert_int_equal(lfh_cert_verify(&d, rpk, NULL), 0);
	lfh_buf_reset(&b);
	base_revocation(&r);
	lfh_key_id(c.sign_pk, kid);
	assert_memory_equal(r.key_id, kid, LFH_KEYID_LEN);
	assert_int_equal(lfh_revocation_encode(&r, &b, NULL), 0);
	hex_of(&b, &hex);
	if (strcmp(hex, golden_rev) != 0) {
		print_error("revocation encoding changed:\n%s\n", hex);
		fail();
	}
	free(hex);
	assert_int_equal(lfh_revocation_decode(b.data, b.len, &e, NULL), 0);
	assert_revocations_equal(&r, &e);
	lfh_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cert_roundtrip),
		cmocka_unit_test(test_revocation_roundtrip),
		cmocka_unit_test(test_cert_verify),
		cmocka_unit_test(test_cert_verify_tampered_bytes),
		cmocka_unit_test(test_cert_check_rules),
		cmocka_unit_test(test_revocation_check_rules),
		cmocka_unit_test(test_golden),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
