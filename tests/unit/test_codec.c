/*
 * test_codec.c - unit tests for proto/event.c, proto/record.c, proto/wire.c,
 * proto/hub.c and the committed test vectors (proto/vectors/events.txt).
 *
 * Hand-made non-canonical or invalid encodings are packed here directly with
 * msgpack-c (raw_event and friends), independently of the code under test.
 * Run from the repository root (the vectors file is opened by relative path).
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
#include "lfh/hub.h"
#include "lfh/identity.h"
#include "lfh/record.h"
#include "lfh/wire.h"

#include "vectors.h"

/* ---- helpers ---- */

static int buf_write(void *data, const char *p, size_t n)
{
	return lfh_buf_append(data, p, n) == 0 ? 0 : -1;
}

static void append(lfh_buf *b, const void *p, size_t n)
{
	assert_int_equal(lfh_buf_append(b, p, n), 0);
}

/* A REFERRAL from police to council and housing with a 100-byte body. */
static void base_event(lfh_event *ev)
{
	vec_event_base(ev, 7, (VEC_HLC_MS << 16) | 5, LFH_EV_REFERRAL);
	vec_add_rcpt(ev, "council", 4);
	vec_add_rcpt(ev, "housing", 9);
	strcpy(ev->key_creator, "police");
	ev->key_epoch = 3;
	ev->nonce_len = LFH_NONCE_LEN;
	vec_fill(ev->nonce, LFH_NONCE_LEN, 0xa0);
	ev->body_len = 100;
	ev->body = malloc(ev->body_len);
	assert_non_null(ev->body);
	vec_fill(ev->body, ev->body_len, 0x30);
}

/* A KEY event from police granting to council and housing. */
static void key_event(lfh_event *ev)
{
	lfh_key_body kb;
	lfh_buf b = {0};

	memset(&kb, 0, sizeof kb);
	vec_event_base(ev, 1, VEC_HLC_MS << 16, LFH_EV_KEY);
	vec_add_rcpt(ev, "council", 1);
	vec_add_rcpt(ev, "housing", 1);
	strcpy(kb.creator, "police");
	kb.epoch = 1;
	kb.ngrants = 2;
	strcpy(kb.grants[0].agency, "council");
	strcpy(kb.grants[1].agency, "housing");
	vec_fill(kb.grants[0].sealed, LFH_SEALED_LEN, 1);
	vec_fill(kb.grants[1].sealed, LFH_SEALED_LEN, 2);
	assert_int_equal(lfh_key_body_encode(&kb, &b, NULL), 0);
	ev->body = b.data; /* take the allocation */
	ev->body_len = b.len;
}

static void sign(lfh_event *ev, lfh_buf *env, uint8_t id[LFH_ID_LEN])
{
	uint8_t pk[32], sk[64];
	lfh_err err;

	vec_keypair(pk, sk);
	assert_int_equal(lfh_event_sign(ev, sk, env, id, &err), 0);
}

static void signed_base(lfh_buf *env)
{
	lfh_event ev;
	uint8_t id[LFH_ID_LEN];

	base_event(&ev);
	sign(&ev, env, id);
	lfh_event_clear(&ev);
}

/* 0 iff raw decodes and verifies under the vector key. */
static int decode_verify(const uint8_t *raw, size_t len)
{
	uint8_t pk[32], sk[64];
	lfh_event ev;
	int rc;

	vec_keypair(pk, sk);
	rc = lfh_event_decode(raw, len, &ev, NULL);
	if (rc == 0)
		rc = lfh_event_verify(&ev, pk, NULL);
	lfh_event_clear(&ev);
	return rc;
}

/* Options for hand-packing an envelope in non-canonical or invalid ways. */
typedef struct rawopt {
	uint64_t version;  /* 0 means 1 */
	int wide_seq;      /* seq as uint64 (0xcf) */
	int str8_author;   /* author as str8 (0xd9) */
	int wide_ctr;      /* recipients[0].ctr as uint16 */
	int neg_seq;       /* seq as negative fixint -1 */
	int extra_elem;    /* a 16th element */
	int wide_isa;      /* isa_version as uint32 (0xce) whatever its value */
	int big_isa;       /* isa_version 2^32 (does not fit a u32) */
	int str_isa;       /* isa_version as a str */
} rawopt;

/* Pack ev as a 15-array without any check, following rawopt. */
static void raw_event(const lfh_event *ev, const rawopt *o, lfh_buf *out)
{
	msgpack_packer pk;
	size_t n = strlen(ev->author);

	msgpack_packer_init(&pk, out, buf_write);
	msgpack_pack_array(&pk, o->extra_elem ? 16 : 15);
	msgpack_pack_uint64(&pk, o->version ? o->version : 1);
	msgpack_pack_bin_with_body(&pk, ev->hub, 32);
	if (o->str8_author) {
		uint8_t h[2] = {0xd9, (uint8_t)n};
		append(out, h, 2);
		append(out, ev->author, n);
	} else {
		msgpack_pack_str_with_body(&pk, ev->author, n);
	}
	msgpack_pack_bin_with_body(&pk, ev->key_id, LFH_KEYID_LEN);
	if (o->neg_seq)
		msgpack_pack_int64(&pk, -1);
	else if (o->wide_seq)
		msgpack_pack_fix_uint64(&pk, ev->seq);
	else
		msgpack_pack_uint64(&pk, ev->seq);
	msgpack_pack_uint64(&pk, ev->hlc);
	msgpack_pack_bin_with_body(&pk, ev->case_id, LFH_CASE_LEN);
	msgpack_pack_uint32(&pk, ev->type);
	msgpack_pack_str_with_body(&pk, ev->category, strlen(ev->category));
	if (o->wide_isa)
		msgpack_pack_fix_uint32(&pk, ev->isa_version);
	else if (o->big_isa)
		msgpack_pack_uint64(&pk, (uint64_t)UINT32_MAX + 1);
	else if (o->str_isa)
		msgpack_pack_str_with_body(&pk, "1", 1);
	else
		msgpack_pack_uint32(&pk, ev->isa_version);
	msgpack_pack_array(&pk, ev->nrcpt);
	for (uint32_t i = 0; i < ev->nrcpt; i++) {
		/* more than LFH_MAX_RECIPIENTS: repeat the last entry */
		const lfh_recipient *r = &ev->rcpt[i < LFH_MAX_RECIPIENTS ? i : LFH_MAX_RECIPIENTS - 1];
		msgpack_pack_array(&pk, 2);
		msgpack_pack_str_with_body(&pk, r->agency, strlen(r->agency));
		if (i == 0 && o->wide_ctr)
			msgpack_pack_fix_uint16(&pk, (uint16_t)r->ctr);
		else
			msgpack_pack_uint64(&pk, r->ctr);
	}
	msgpack_pack_array(&pk, 2);
	msgpack_pack_str_with_body(&pk, ev->key_creator, strlen(ev->key_creator));
	msgpack_pack_uint32(&pk, ev->key_epoch);
	msgpack_pack_bin_with_body(&pk, ev->nonce, ev->nonce_len);
	msgpack_pack_bin_with_body(&pk, ev->body, ev->body_len);
	msgpack_pack_bin_with_body(&pk, ev->sig, LFH_SIG_LEN);
	if (o->extra_elem)
		msgpack_pack_nil(&pk);
}

/* Decode raw with lfh_event_decode; return the code, check msg has want. */
static int decode_expect(const uint8_t *raw, size_t len, const char *want)
{
	lfh_event ev;
	lfh_err err = {0};
	int rc = lfh_event_decode(raw, len, &ev, &err);

	if (rc != 0 && want && !strstr(err.msg, want)) {
		print_error("error \"%s\" does not mention \"%s\"\n", err.msg, want);
		fail();
	}
	if (rc != 0)
		assert_int_equal(err.code, rc);
	lfh_event_clear(&ev);
	return rc;
}

/* ---- names and event rules ---- */

static void test_name_valid(void **state)
{
	(void)state;
	assert_true(lfh_name_valid("police"));
	assert_true(lfh_name_valid("a"));
	assert_true(lfh_name_valid("west_cumbria-fire2"));
	assert_true(lfh_name_valid("abcdefghijklmnopqrstuvwxyz01234")); /* 31 */
	assert_false(lfh_name_valid("abcdefghijklmnopqrstuvwxyz012345")); /* 32 */
	assert_false(lfh_name_valid(""));
	assert_false(lfh_name_valid("Police"));
	assert_false(lfh_name_valid("po lice"));
	assert_false(lfh_name_valid("po.lice"));
	assert_false(lfh_name_valid("\xc3\xa9"));
	assert_false(lfh_name_valid(NULL));
}

/* Each mutation of a valid event must fail lfh_event_check naming field. */
static void expect_check_fail(void (*mutate)(lfh_event *), const char *field)
{
	lfh_event ev;
	lfh_err err = {0};
	lfh_buf out = {0};
	uint8_t id[LFH_ID_LEN], pk[32], sk[64];

	base_event(&ev);
	mutate(&ev);
	assert_int_equal(lfh_event_check(&ev, &err), LFH_EINVAL);
	if (!strstr(err.msg, field)) {
		print_error("error \"%s\" does not mention \"%s\"\n", err.msg, field);
		fail();
	}
	vec_keypair(pk, sk);
	assert_int_equal(lfh_event_sign(&ev, sk, &out, id, NULL), LFH_EINVAL);
	assert_int_equal(out.len, 0);
	assert_int_equal(lfh_event_header_bytes(&ev, &out, NULL), LFH_EINVAL);
	assert_int_equal(out.len, 0);
	lfh_buf_free(&out);
	lfh_event_clear(&ev);
}

static void m_unsorted(lfh_event *ev) { strcpy(ev->rcpt[0].agency, "zzz"); }
static void m_dup(lfh_event *ev) { strcpy(ev->rcpt[1].agency, "council"); }
static void m_author_rcpt(lfh_event *ev) { strcpy(ev->rcpt[1].agency, "police"); }
static void m_ctr0(lfh_event *ev) { ev->rcpt[1].ctr = 0; }
static void m_no_rcpt(lfh_event *ev) { ev->nrcpt = 0; }
static void m_many_rcpt(lfh_event *ev) { ev->nrcpt = LFH_MAX_RECIPIENTS + 1; }
static void m_bad_rcpt(lfh_event *ev) { strcpy(ev->rcpt[1].agency, "Housing"); }
static void m_seq0(lfh_event *ev) { ev->seq = 0; }
static void m_type0(lfh_event *ev) { ev->type = 0; }
static void m_type256(lfh_event *ev) { ev->type = 256; }
static void m_author(lfh_event *ev) { strcpy(ev->author, ""); }
static void m_category(lfh_event *ev) { strcpy(ev->category, "a b"); }
static void m_creator(lfh_event *ev) { strcpy(ev->key_creator, ""); }
static void m_nonce(lfh_event *ev) { ev->nonce_len = 0; }
static void m_body(lfh_event *ev) { ev->body_len = LFH_BODY_MAX + 1; }
static void m_key_creator(lfh_event *ev) { ev->type = LFH_EV_KEY; ev->nonce_len = 0; }
static void m_key_epoch(lfh_event *ev)
{
	ev->type = LFH_EV_KEY;
	ev->nonce_len = 0;
	ev->key_creator[0] = '\0';
}
static void m_key_nonce(lfh_event *ev)
{
	ev->type = LFH_EV_KEY;
	ev->key_creator[0] = '\0';
	ev->key_epoch = 0;
}

static void test_event_check_rules(void **state)
{
	(void)state;
	expect_check_fail(m_unsorted, "recipients[1].agency");
	expect_check_fail(m_dup, "recipients[1].agency");
	expect_check_fail(m_author_rcpt, "recipients[1].agency");
	expect_check_fail(m_ctr0, "recipients[1].ctr");
	expect_check_fail(m_no_rcpt, "recipients");
	expect_check_fail(m_many_rcpt, "recipients");
	expect_check_fail(m_bad_rcpt, "recipients[1].agency: invalid agency id");
	expect_check_fail(m_seq0, "seq");
	expect_check_fail(m_type0, "type");
	expect_check_fail(m_type256, "type");
	expect_check_fail(m_author, "author");
	expect_check_fail(m_category, "category");
	expect_check_fail(m_creator, "key_ref.creator");
	expect_check_fail(m_nonce, "nonce");
	expect_check_fail(m_body, "body");
	expect_check_fail(m_key_creator, "key_ref.creator");
	expect_check_fail(m_key_epoch, "key_ref.epoch");
	expect_check_fail(m_key_nonce, "nonce");
}

static void test_event_sign_wrong_key(void **state)
{
	lfh_event ev;
	lfh_buf out = {0};
	uint8_t id[LFH_ID_LEN], pk[32], sk[64], seed[32] = {9};
	lfh_err err;

	(void)state;
	base_event(&ev);
	crypto_sign_seed_keypair(pk, sk, seed);
	assert_int_equal(lfh_event_sign(&ev, sk, &out, id, &err), LFH_EINVAL);
	assert_non_null(strstr(err.msg, "key_id"));
	assert_int_equal(out.len, 0);
	lfh_event_clear(&ev);
}

/* ---- event round trips ---- */

static void assert_events_equal(const lfh_event *a, const lfh_event *b)
{
	assert_memory_equal(a->hub, b->hub, 32);
	assert_string_equal(a->author, b->author);
	assert_memory_equal(a->key_id, b->key_id, LFH_KEYID_LEN);
	assert_true(a->seq == b->seq);
	assert_true(a->hlc == b->hlc);
	assert_memory_equal(a->case_id, b->case_id, LFH_CASE_LEN);
	assert_int_equal(a->type, b->type);
	assert_string_equal(a->category, b->category);
	assert_int_equal(a->isa_version, b->isa_version);
	assert_int_equal(a->nrcpt, b->nrcpt);
	for (uint32_t i = 0; i < a->nrcpt; i++) {
		assert_string_equal(a->rcpt[i].agency, b->rcpt[i].agency);
		assert_true(a->rcpt[i].ctr == b->rcpt[i].ctr);
	}
	assert_string_equal(a->key_creator, b->key_creator);
	assert_int_equal(a->key_epoch, b->key_epoch);
	assert_int_equal(a->nonce_len, b->nonce_len);
	if (a->nonce_len)
		assert_memory_equal(a->nonce, b->nonce, a->nonce_len);
	assert_int_equal(a->body_len, b->body_len);
	if (a->body_len)
		assert_memory_equal(a->body, b->body, a->body_len);
	assert_memory_equal(a->sig, b->sig, LFH_SIG_LEN);
}

/* Sign ev, decode, compare, verify, and check the byte layouts nest. */
static void roundtrip(lfh_event *ev)
{
	lfh_event d;
	lfh_buf env = {0}, hdr = {0}, sb = {0}, raw = {0};
	uint8_t id[LFH_ID_LEN], id2[LFH_ID_LEN], pk[32], sk[64];
	rawopt o = {0};
	lfh_err err;

	vec_keypair(pk, sk);
	append(&env, "x", 1); /* sign appends: keep a prefix */
	assert_int_equal(lfh_event_sign(ev, sk, &env, id, &err), 0);
	lfh_event_id(env.data + 1, env.len - 1, id2);
	assert_memory_equal(id, id2, LFH_ID_LEN);
	assert_int_equal(lfh_event_decode(env.data + 1, env.len - 1, &d, &err), 0);
	assert_events_equal(ev, &d);
	assert_int_equal(lfh_event_verify(&d, pk, &err), 0);
	/* header (12-array) and signed bytes (14-array) are prefixes of the envelope */
	assert_int_equal(lfh_event_header_bytes(&d, &hdr, NULL), 0);
	assert_int_equal(lfh_event_signed_bytes(&d, &sb, NULL), 0);
	assert_int_equal(hdr.data[0], 0x9c);
	assert_int_equal(sb.data[0], 0x9e);
	assert_int_equal(env.data[1], 0x9f);
	assert_memory_equal(hdr.data + 1, env.data + 2, hdr.len - 1);
	assert_memory_equal(sb.data + 1, env.data + 2, sb.len - 1);
	assert_int_equal(env.len - 1, sb.len + 2 + LFH_SIG_LEN);
	/* an independent packer gives the same bytes */
	raw_event(ev, &o, &raw);
	assert_int_equal(raw.len, env.len - 1);
	assert_memory_equal(raw.data, env.data + 1, raw.len);
	assert_int_equal(lfh_event_find_recipient(&d, ev->rcpt[ev->nrcpt - 1].agency),
			 (int)ev->nrcpt - 1);
	assert_int_equal(lfh_event_find_recipient(&d, "police"), -1);
	lfh_event_clear(&d);
	lfh_buf_free(&env);
	lfh_buf_free(&hdr);
	lfh_buf_free(&sb);
	lfh_buf_free(&raw);
}

static void test_event_roundtrip(void **state)
{
	lfh_event ev;

	(void)state;
	base_event(&ev);
	roundtrip(&ev);
	ev.isa_version = 0; /* a hub without an ISA (provisional hub id) */
	roundtrip(&ev);
	/* large values, max recipients, max body */
	ev.isa_version = UINT32_MAX;
	ev.seq = UINT64_MAX;
	ev.hlc = UINT64_MAX;
	ev.type = LFH_EV_TYPE_MAX;
	ev.key_epoch = UINT32_MAX;
	ev.nrcpt = LFH_MAX_RECIPIENTS;
	for (uint32_t i = 0; i < ev.nrcpt; i++) {
		snprintf(ev.rcpt[i].agency, sizeof ev.rcpt[i].agency, "agency%02u", i);
		ev.rcpt[i].ctr = (uint64_t)1 << (i * 2);
	}
	free(ev.body);
	ev.body_len = LFH_BODY_MAX;
	ev.body = calloc(1, ev.body_len);
	assert_non_null(ev.body);
	roundtrip(&ev);
	lfh_event_clear(&ev);
	lfh_event_clear(&ev); /* safe twice */
}

static void test_key_event_roundtrip(void **state)
{
	lfh_event ev;
	lfh_key_body kb, kb2;
	lfh_buf b = {0};
	lfh_err err;

	(void)state;
	key_event(&ev);
	roundtrip(&ev);
	assert_int_equal(lfh_key_body_decode(ev.body, ev.body_len, &kb, &err), 0);
	assert_string_equal(kb.creator, "police");
	assert_int_equal(kb.epoch, 1);
	assert_int_equal(kb.ngrants, 2);
	assert_string_equal(kb.grants[1].agency, "housing");
	assert_int_equal(lfh_key_body_encode(&kb, &b, &err), 0);
	assert_int_equal(b.len, ev.body_len);
	assert_memory_equal(b.data, ev.body, b.len);
	/* key body rules */
	kb2 = kb;
	strcpy(kb2.grants[0].agency, "zzz");
	assert_int_equal(lfh_key_body_encode(&kb2, &b, &err), LFH_EINVAL);
	assert_non_null(strstr(err.msg, "grants[1]"));
	kb2 = kb;
	kb2.ngrants = 0;
	assert_int_equal(lfh_key_body_encode(&kb2, &b, NULL), LFH_EINVAL);
	kb2 = kb;
	strcpy(kb2.creator, "");
	assert_int_equal(lfh_key_body_encode(&kb2, &b, NULL), LFH_EINVAL);
	/* truncations and trailing bytes */
	for (size_t n = 0; n < ev.body_len; n++)
		assert_int_not_equal(lfh_key_body_decode(ev.body, n, &kb2, NULL), 0);
	lfh_buf_reset(&b);
	append(&b, ev.body, ev.body_len);
	append(&b, "\0", 1);
	assert_int_equal(lfh_key_body_decode(b.data, b.len, &kb2, NULL), LFH_ECODEC);
	/* a sealed grant of 79 bytes */
	lfh_buf_reset(&b);
	append(&b, ev.body, ev.body_len);
	b.data[b.len - 81] = 79;
	assert_int_equal(lfh_key_body_decode(b.data, b.len - 1, &kb2, &err), LFH_ECODEC);
	assert_non_null(strstr(err.msg, "grants[1].sealed"));
	lfh_buf_free(&b);
	lfh_event_clear(&ev);
}

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

/* Hand-packed envelopes that break one rule each are refused by decode. */
static void expect_raw_reject(void (*mutate)(lfh_event *), int code, const char *field)
{
	lfh_event ev;
	lfh_buf raw = {0};
	rawopt o = {0};

	base_event(&ev);
	mutate(&ev);
	raw_event(&ev, &o, &raw);
	assert_int_equal(decode_expect(raw.data, raw.len, field), code);
	lfh_buf_free(&raw);
	lfh_event_clear(&ev);
}

static void m_nonce12(lfh_event *ev) { ev->nonce_len = 12; }
static void m_body_big(lfh_event *ev)
{
	free(ev->body);
	ev->body_len = LFH_BODY_MAX + 1;
	ev->body = calloc(1, ev->body_len);
}

static void test_event_decode_rules(void **state)
{
	(void)state;
	expect_raw_reject(m_unsorted, LFH_ECODEC, "recipients[1].agency: not sorted");
	expect_raw_reject(m_dup, LFH_ECODEC, "recipients[1].agency: not sorted");
	expect_raw_reject(m_author_rcpt, LFH_ECODEC, "recipients[1].agency: the author");
	expect_raw_reject(m_bad_rcpt, LFH_ECODEC, "recipients[1].agency: invalid agency id");
	expect_raw_reject(m_ctr0, LFH_ECODEC, "recipients[1].ctr");
	expect_raw_reject(m_no_rcpt, LFH_ECODEC, "recipients");
	expect_raw_reject(m_many_rcpt, LFH_ETOOBIG, "recipients");
	expect_raw_reject(m_seq0, LFH_ECODEC, "seq");
	expect_raw_reject(m_type0, LFH_ECODEC, "type");
	expect_raw_reject(m_author, LFH_ECODEC, "author");
	expect_raw_reject(m_category, LFH_ECODEC, "category");
	expect_raw_reject(m_creator, LFH_ECODEC, "key_ref.creator");
	expect_raw_reject(m_nonce, LFH_ECODEC, "nonce");
	expect_raw_reject(m_nonce12, LFH_ECODEC, "nonce");
	expect_raw_reject(m_key_creator, LFH_ECODEC, "key_ref.creator");
	expect_raw_reject(m_key_nonce, LFH_ECODEC, "nonce");
	expect_raw_reject(m_body_big, LFH_ETOOBIG, "body");
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

static lfh_msg *msg_new(void)
{
	lfh_msg *m = malloc(sizeof *m);
	assert_non_null(m);
	return m;
}

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

static void pack_key(msgpack_packer *pk, const char *k)
{
	msgpack_pack_str_with_body(pk, k, strlen(k));
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

/* ---- wire messages ---- */

/* Decode b into m expecting success; also every truncation and a trailing byte fail. */
static void msg_roundtrip(lfh_buf *b, lfh_msg *m)
{
	lfh_err err;

	for (size_t n = 0; n < b->len; n++) {
		uint8_t *c = malloc(n ? n : 1);
		assert_non_null(c);
		memcpy(c, b->data, n);
		assert_int_not_equal(lfh_msg_decode(c, n, m, NULL), 0);
		free(c);
	}
	append(b, "\x00", 1);
	assert_int_equal(lfh_msg_decode(b->data, b->len, m, NULL), LFH_ECODEC);
	b->len--;
	assert_int_equal(lfh_msg_decode(b->data, b->len, m, &err), 0);
}

static void test_wire_roundtrip(void **state)
{
	lfh_msg *m = msg_new();
	lfh_buf b = {0}, env = {0};
	lfh_batch_writer w;
	lfh_err err;

	(void)state;
	assert_int_equal(lfh_msg_encode_pull(&b, 12345678901ull, LFH_BATCH_MAX, &err), 0);
	msg_roundtrip(&b, m);
	assert_int_equal(m->type, LFH_MSG_PULL);
	assert_true(m->cursor == 12345678901ull);
	assert_int_equal(m->max, LFH_BATCH_MAX);

	lfh_buf_reset(&b);
	assert_int_equal(lfh_msg_encode_notify(&b, 0, &err), 0);
	msg_roundtrip(&b, m);
	assert_int_equal(m->type, LFH_MSG_NOTIFY);
	assert_true(m->cursor == 0);

	lfh_buf_reset(&b);
	assert_int_equal(lfh_msg_encode_fetch(&b, "housing", 5, 5 + LFH_BATCH_MAX - 1, &err), 0);
	msg_roundtrip(&b, m);
	assert_int_equal(m->type, LFH_MSG_FETCH);
	assert_string_equal(m->author, "housing");
	assert_true(m->from == 5 && m->to == 5 + LFH_BATCH_MAX - 1);

	lfh_buf_reset(&b);
	assert_int_equal(lfh_msg_encode_error(&b, LFH_EPERM, "not a member", &err), 0);
	msg_roundtrip(&b, m);
	assert_int_equal(m->type, LFH_MSG_ERROR);
	assert_true(m->code == LFH_EPERM);
	assert_string_equal(m->text, "not a member");

	lfh_buf_reset(&b);
	assert_int_equal(lfh_msg_encode_error(&b, INT64_MIN, "", &err), 0);
	msg_roundtrip(&b, m);
	assert_true(m->code == INT64_MIN);
	lfh_buf_reset(&b);
	assert_int_equal(lfh_msg_encode_error(&b, INT64_MAX, NULL, &err), 0);
	msg_roundtrip(&b, m);
	assert_true(m->code == INT64_MAX);

	/* BATCH with three envelopes */
	signed_base(&env);
	lfh_batch_begin(&w, LFH_MSG_BATCH);
	for (int i = 0; i < 3; i++)
		assert_int_equal(lfh_batch_add(&w, env.data, env.len), 0);
	lfh_buf_reset(&b);
	assert_int_equal(lfh_batch_finish(&w, 77, 1, &b, &err), 0);
	lfh_batch_free(&w);
	msg_roundtrip(&b, m);
	assert_int_equal(m->type, LFH_MSG_BATCH);
	assert_true(m->cursor == 77);
	assert_int_equal(m->more, 1);
	assert_int_equal(m->nevents, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(m->evlen[i], env.len);
		assert_memory_equal(m->ev[i], env.data, env.len);
		assert_true(m->ev[i] > b.data && m->ev[i] + m->evlen[i] <= b.data + b.len);
		assert_int_equal(decode_verify(m->ev[i], m->evlen[i]), 0);
	}

	/* empty BATCH, more = false */
	lfh_batch_begin(&w, LFH_MSG_BATCH);
	lfh_buf_reset(&b);
	assert_int_equal(lfh_batch_finish(&w, 0, 0, &b, &err), 0);
	lfh_batch_free(&w);
	msg_roundtrip(&b, m);
	assert_int_equal(m->nevents, 0);
	assert_int_equal(m->more, 0);

	/* FETCHED with one envelope */
	lfh_batch_begin(&w, LFH_MSG_FETCHED);
	assert_int_equal(lfh_batch_add(&w, env.data, env.len), 0);
	lfh_buf_reset(&b);
	assert_int_equal(lfh_batch_finish(&w, 0, 0, &b, &err), 0);
	lfh_batch_free(&w);
	msg_roundtrip(&b, m);
	assert_int_equal(m->type, LFH_MSG_FETCHED);
	assert_int_equal(m->nevents, 1);
	assert_memory_equal(m->ev[0], env.data, env.len);

	lfh_batch_begin(&w, LFH_MSG_PULL);
	assert_int_equal(lfh_batch_finish(&w, 0, 0, &b, &err), LFH_EINVAL);
	lfh_batch_free(&w);
	lfh_buf_free(&b);
	lfh_buf_free(&env);
	free(m);
}

/* Expect lfh_msg_decode of the packed bytes to fail with code, naming want. */
static void msg_expect(lfh_buf *b, lfh_msg *m, int code, const char *want)
{
	lfh_err err = {0};

	assert_int_equal(lfh_msg_decode(b->data, b->len, m, &err), code);
	if (want && !strstr(err.msg, want)) {
		print_error("error \"%s\" does not mention \"%s\"\n", err.msg, want);
		fail();
	}
	lfh_buf_reset(b);
}

static void test_wire_limits(void **state)
{
	lfh_msg *m = msg_new();
	lfh_buf b = {0};
	msgpack_packer pk;
	char text[LFH_ERRMSG_MAX + 1];
	uint8_t *big;

	(void)state;
	/* encoders refuse what decoders would */
	assert_int_equal(lfh_msg_encode_pull(&b, 0, 0, NULL), LFH_EINVAL);
	assert_int_equal(lfh_msg_encode_pull(&b, 0, LFH_BATCH_MAX + 1, NULL), LFH_EINVAL);
	assert_int_equal(lfh_msg_encode_fetch(&b, "housing", 0, 1, NULL), LFH_EINVAL);
	assert_int_equal(lfh_msg_encode_fetch(&b, "housing", 5, 4, NULL), LFH_EINVAL);
	assert_int_equal(lfh_msg_encode_fetch(&b, "housing", 1, 1 + LFH_BATCH_MAX, NULL),
			 LFH_EINVAL);
	assert_int_equal(lfh_msg_encode_fetch(&b, "Housing", 1, 1, NULL), LFH_EINVAL);
	memset(text, 'e', LFH_ERRMSG_MAX);
	text[LFH_ERRMSG_MAX] = '\0';
	assert_int_equal(lfh_msg_encode_error(&b, 1, text, NULL), LFH_ETOOBIG);
	text[LFH_ERRMSG_MAX - 1] = '\0';
	assert_int_equal(lfh_msg_encode_error(&b, 1, text, NULL), 0);
	msg_roundtrip(&b, m);
	assert_string_equal(m->text, text);
	lfh_buf_reset(&b);

	/* decoders: hand-packed frames */
	msgpack_packer_init(&pk, &b, buf_write);
	msgpack_pack_array(&pk, 3), msgpack_pack_uint8(&pk, 1), msgpack_pack_uint8(&pk, 0);
	msgpack_pack_uint8(&pk, 0);
	msg_expect(&b, m, LFH_ECODEC, "max");
	msgpack_pack_array(&pk, 3), msgpack_pack_uint8(&pk, 1), msgpack_pack_uint8(&pk, 0);
	msgpack_pack_uint16(&pk, LFH_BATCH_MAX + 1);
	msg_expect(&b, m, LFH_ECODEC, "max");
	msgpack_pack_array(&pk, 3), msgpack_pack_uint8(&pk, 1), msgpack_pack_fix_uint64(&pk, 0);
	msgpack_pack_uint8(&pk, 1);
	msg_expect(&b, m, LFH_ECODEC, "non-canonical");
	msgpack_pack_array(&pk, 3), msgpack_pack_uint8(&pk, 1), msgpack_pack_int8(&pk, -1);
	msgpack_pack_uint8(&pk, 1);
	msg_expect(&b, m, LFH_ECODEC, "cursor");
	msgpack_pack_array(&pk, 4), msgpack_pack_uint8(&pk, 1), msgpack_pack_uint8(&pk, 0);
	msgpack_pack_uint8(&pk, 1), msgpack_pack_uint8(&pk, 1);
	msg_expect(&b, m, LFH_ECODEC, "elements");
	msgpack_pack_array(&pk, 2), msgpack_pack_uint8(&pk, 7), msgpack_pack_uint8(&pk, 0);
	msg_expect(&b, m, LFH_ECODEC, "unknown message type");
	msgpack_pack_array(&pk, 2), msgpack_pack_uint8(&pk, 0), msgpack_pack_uint8(&pk, 0);
	msg_expect(&b, m, LFH_ECODEC, "unknown message type");
	msgpack_pack_array(&pk, 0);
	msg_expect(&b, m, LFH_ECODEC, "non-empty array");
	msgpack_pack_array(&pk, 4), msgpack_pack_uint8(&pk, 4);
	msgpack_pack_str_with_body(&pk, "housing", 7);
	msgpack_pack_uint8(&pk, 3), msgpack_pack_uint8(&pk, 2);
	msg_expect(&b, m, LFH_ECODEC, "FETCH: range");
	msgpack_pack_array(&pk, 4), msgpack_pack_uint8(&pk, 4);
	msgpack_pack_str_with_body(&pk, "hou\0ing", 7);
	msgpack_pack_uint8(&pk, 1), msgpack_pack_uint8(&pk, 2);
	msg_expect(&b, m, LFH_ECODEC, "FETCH: author");
	msgpack_pack_array(&pk, 4), msgpack_pack_uint8(&pk, 2), msgpack_pack_uint8(&pk, 0);
	msgpack_pack_uint8(&pk, 1), msgpack_pack_array(&pk, 0);
	msg_expect(&b, m, LFH_ECODEC, "more");
	msgpack_pack_array(&pk, 4), msgpack_pack_uint8(&pk, 2), msgpack_pack_uint8(&pk, 0);
	msgpack_pack_true(&pk), msgpack_pack_array(&pk, 1), msgpack_pack_bin(&pk, 0);
	msg_expect(&b, m, LFH_ECODEC, "events[0]");
	msgpack_pack_array(&pk, 2), msgpack_pack_uint8(&pk, 5), msgpack_pack_array(&pk, 1);
	msgpack_pack_str_with_body(&pk, "x", 1);
	msg_expect(&b, m, LFH_ECODEC, "events[0]");
	msgpack_pack_array(&pk, 2), msgpack_pack_uint8(&pk, 5), msgpack_pack_array(&pk, 1);
	msgpack_pack_bin(&pk, LFH_EVENT_MAX + 1);
	big = calloc(1, LFH_EVENT_MAX + 1);
	assert_non_null(big);
	append(&b, big, LFH_EVENT_MAX + 1);
	free(big);
	msg_expect(&b, m, LFH_ECODEC, "events[0]");
	msgpack_pack_array(&pk, 2), msgpack_pack_uint8(&pk, 5);
	msgpack_pack_array(&pk, LFH_BATCH_MAX + 1);
	for (int i = 0; i <= LFH_BATCH_MAX; i++)
		msgpack_pack_bin_with_body(&pk, "e", 1);
	msg_expect(&b, m, LFH_ETOOBIG, "more than");
	msgpack_pack_array(&pk, 3), msgpack_pack_uint8(&pk, 6), msgpack_pack_uint8(&pk, 1);
	msgpack_pack_str_with_body(&pk, "a\0b", 3);
	msg_expect(&b, m, LFH_ECODEC, "text");
	msgpack_pack_array(&pk, 3), msgpack_pack_uint8(&pk, 6), msgpack_pack_uint64(&pk, UINT64_MAX);
	msgpack_pack_str_with_body(&pk, "x", 1);
	msg_expect(&b, m, LFH_ECODEC, "code");

	/* whole frame over the limit */
	big = calloc(1, LFH_FRAME_MAX + 1);
	assert_non_null(big);
	assert_int_equal(lfh_msg_decode(big, LFH_FRAME_MAX + 1, m, NULL), LFH_ETOOBIG);
	free(big);
	lfh_buf_free(&b);
	free(m);
}

static void test_batch_writer_limit(void **state)
{
	lfh_msg *m = msg_new();
	lfh_batch_writer w;
	lfh_buf b = {0};
	uint8_t *env = calloc(1, LFH_EVENT_MAX);
	size_t n = 0;

	(void)state;
	assert_non_null(env);
	/* size limit: add maximal envelopes until the writer refuses */
	lfh_batch_begin(&w, LFH_MSG_BATCH);
	assert_int_equal(lfh_batch_add(&w, env, 0), LFH_EINVAL);
	assert_int_equal(lfh_batch_add(&w, env, LFH_EVENT_MAX + 1), LFH_EINVAL);
	while (lfh_batch_add(&w, env, LFH_EVENT_MAX) == 0)
		n++;
	assert_int_equal(w.n, n);
	assert_true(n >= LFH_FRAME_MAX / (LFH_EVENT_MAX + 5) - 1);
	assert_int_equal(lfh_batch_add(&w, env, LFH_EVENT_MAX), LFH_ETOOBIG);
	assert_int_equal(w.n, n); /* nothing added */
	assert_int_equal(lfh_batch_add(&w, env, 1), 0); /* a small one still fits */
	assert_int_equal(lfh_batch_finish(&w, UINT64_MAX, 1, &b, NULL), 0);
	assert_true(b.len <= LFH_FRAME_MAX);
	assert_true(b.len + LFH_EVENT_MAX + 5 > LFH_FRAME_MAX);
	assert_int_equal(lfh_msg_decode(b.data, b.len, m, NULL), 0);
	assert_int_equal(m->nevents, n + 1);
	lfh_batch_free(&w);

	/* count limit */
	lfh_batch_begin(&w, LFH_MSG_FETCHED);
	for (int i = 0; i < LFH_BATCH_MAX; i++)
		assert_int_equal(lfh_batch_add(&w, env, 10), 0);
	assert_int_equal(lfh_batch_add(&w, env, 10), LFH_ETOOBIG);
	lfh_buf_reset(&b);
	assert_int_equal(lfh_batch_finish(&w, 0, 0, &b, NULL), 0);
	assert_int_equal(lfh_msg_decode(b.data, b.len, m, NULL), 0);
	assert_int_equal(m->nevents, LFH_BATCH_MAX);
	lfh_batch_free(&w);
	lfh_buf_free(&b);
	free(env);
	free(m);
}

/* ---- control replies ---- */

static void test_reply_roundtrip(void **state)
{
	lfh_record recs[3];
	lfh_reply r;
	lfh_buf b = {0};
	lfh_err err;

	(void)state;
	memset(recs, 0, sizeof recs);
	assert_int_equal(lfh_record_set_str(&recs[0], "case", "0a1b2c3d", &err), 0);
	assert_int_equal(lfh_record_set_uint(&recs[0], "hlc", 99, &err), 0);
	assert_int_equal(vec_referral_record(&recs[2]), 0);
	assert_int_equal(lfh_reply_encode(&b, 0, "ok", recs, 3, &err), 0);
	for (size_t n = 0; n < b.len; n++) {
		uint8_t *c = malloc(n ? n : 1);
		assert_non_null(c);
		memcpy(c, b.data, n);
		assert_int_not_equal(lfh_reply_decode(c, n, &r, NULL), 0);
		assert_null(r.records);
		free(c);
	}
	assert_int_equal(lfh_reply_decode(b.data, b.len, &r, &err), 0);
	assert_true(r.code == 0);
	assert_string_equal(r.message, "ok");
	assert_int_equal(r.nrecords, 3);
	assert_string_equal(lfh_record_str(&r.records[0], "case"), "0a1b2c3d");
	assert_int_equal(r.records[1].n, 0);
	assert_string_equal(lfh_record_str(&r.records[2], "risk"), "medium");
	lfh_reply_clear(&r);
	lfh_reply_clear(&r);

	lfh_buf_reset(&b);
	assert_int_equal(lfh_reply_encode(&b, LFH_ENOTFOUND, "no such case", NULL, 0, &err), 0);
	assert_int_equal(lfh_reply_decode(b.data, b.len, &r, &err), 0);
	assert_true(r.code == LFH_ENOTFOUND);
	assert_string_equal(r.message, "no such case");
	assert_int_equal(r.nrecords, 0);
	assert_null(r.records);
	lfh_reply_clear(&r);

	/* a record that cannot be encoded names its index */
	strcpy(recs[2].f[0].key, "Bad");
	lfh_buf_reset(&b);
	assert_int_equal(lfh_reply_encode(&b, 0, "", recs, 3, &err), LFH_EINVAL);
	assert_non_null(strstr(err.msg, "records[2]"));
	assert_int_equal(b.len, 0);
	assert_int_equal(lfh_reply_encode(&b, 0, NULL, NULL, 1, &err), LFH_EINVAL);
	for (int i = 0; i < 3; i++)
		lfh_record_clear(&recs[i]);
	lfh_buf_free(&b);
}

static void test_reply_strict(void **state)
{
	lfh_buf b = {0};
	msgpack_packer pk;
	lfh_reply r;
	lfh_err err;

	(void)state;
	msgpack_packer_init(&pk, &b, buf_write);
	/* record keys out of order inside a reply */
	msgpack_pack_array(&pk, 3), msgpack_pack_int8(&pk, 0), msgpack_pack_str_with_body(&pk, "", 0);
	msgpack_pack_array(&pk, 2), msgpack_pack_map(&pk, 0), msgpack_pack_map(&pk, 2);
	pack_key(&pk, "z"), msgpack_pack_uint8(&pk, 1);
	pack_key(&pk, "a"), msgpack_pack_uint8(&pk, 1);
	assert_int_equal(lfh_reply_decode(b.data, b.len, &r, &err), LFH_ECODEC);
	assert_non_null(strstr(err.msg, "records[1]"));
	assert_null(r.records);
	/* a record uint packed wide inside a reply: caught by the whole-reply check */
	lfh_buf_reset(&b);
	msgpack_pack_array(&pk, 3), msgpack_pack_int8(&pk, 0), msgpack_pack_str_with_body(&pk, "", 0);
	msgpack_pack_array(&pk, 1), msgpack_pack_map(&pk, 1);
	pack_key(&pk, "a"), msgpack_pack_fix_uint32(&pk, 1);
	assert_int_equal(lfh_reply_decode(b.data, b.len, &r, &err), LFH_ECODEC);
	assert_non_null(strstr(err.msg, "non-canonical"));
	/* code packed as int8 although it is positive */
	lfh_buf_reset(&b);
	append(&b, "\x93\xd0\x05\xa0\x90", 5);
	assert_int_equal(lfh_reply_decode(b.data, b.len, &r, &err), LFH_ECODEC);
	/* negative code in the smallest form is fine */
	lfh_buf_reset(&b);
	append(&b, "\x93\xf9\xa0\x90", 4);
	assert_int_equal(lfh_reply_decode(b.data, b.len, &r, &err), 0);
	assert_true(r.code == -7);
	lfh_reply_clear(&r);
	/* not a record */
	lfh_buf_reset(&b);
	append(&b, "\x93\x00\xa0\x91\x90", 5);
	assert_int_equal(lfh_reply_decode(b.data, b.len, &r, &err), LFH_ECODEC);
	assert_non_null(strstr(err.msg, "records[0]"));
	/* trailing byte */
	lfh_buf_reset(&b);
	append(&b, "\x93\x00\xa0\x90\x00", 5);
	assert_int_equal(lfh_reply_decode(b.data, b.len, &r, &err), LFH_ECODEC);
	lfh_buf_free(&b);
}

/* ---- test vectors ---- */

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		p = malloc((size_t)n + 1);
		if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		}
		if (p) {
			p[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return p;
}

/* The bytes of line "name = hex" in the vectors text (malloc'd). */
static uint8_t *vec_get(const char *text, const char *name, size_t *len)
{
	char pat[80];
	const char *s, *e;
	uint8_t *out;
	char *hex;

	snprintf(pat, sizeof pat, "\n%s = ", name);
	s = strstr(text, pat);
	assert_non_null(s);
	s += strlen(pat);
	e = strchr(s, '\n');
	assert_non_null(e);
	*len = (size_t)(e - s) / 2;
	hex = strndup(s, (size_t)(e - s));
	out = malloc(*len + 1);
	assert_non_null(hex);
	assert_non_null(out);
	assert_int_equal(lfh_unhex(out, *len, hex), 0);
	free(hex);
	return out;
}

static void test_vectors_file(void **state)
{
	lfh_buf t = {0};
	size_t flen = 0;
	uint8_t *file = read_file(VEC_PATH, &flen);

	(void)state;
	if (!file) {
		print_error("cannot read %s (run the tests from the repository root)\n", VEC_PATH);
		fail();
	}
	assert_int_equal(vec_build(&t), 0);
	if (t.len != flen || memcmp(t.data, file, flen) != 0) {
		size_t i = 0, line = 1;
		while (i < t.len && i < flen && t.data[i] == file[i])
			line += file[i++] == '\n';
		print_error("%s differs from the computed vectors at line %zu; regenerate with "
			    "build/tools/mkvectors > %s if the format change is intended\n",
			    VEC_PATH, line, VEC_PATH);
		fail();
	}
	lfh_buf_free(&t);
	free(file);
}

/* Decode the vector events from the file and check what a receiver checks. */
static void test_vectors_decode(void **state)
{
	static const char *names[] = {"key", "referral", "note"};
	size_t flen = 0;
	char *text = (char *)read_file(VEC_PATH, &flen);
	uint8_t pk[32], sk[64], key[32];

	(void)state;
	assert_non_null(text);
	vec_keypair(pk, sk);
	vec_fill(key, sizeof key, VEC_KEY_FIRST);
	for (int i = 0; i < 3; i++) {
		char nm[64];
		size_t elen, idlen, hlen, blen;
		uint8_t *env, *id, *hdr, *body, got[LFH_ID_LEN];
		lfh_event ev;
		lfh_buf h = {0};

		snprintf(nm, sizeof nm, "%s.envelope", names[i]);
		env = vec_get(text, nm, &elen);
		snprintf(nm, sizeof nm, "%s.id", names[i]);
		id = vec_get(text, nm, &idlen);
		snprintf(nm, sizeof nm, "%s.header", names[i]);
		hdr = vec_get(text, nm, &hlen);
		snprintf(nm, sizeof nm, "%s.body", names[i]);
		body = vec_get(text, nm, &blen);
		assert_int_equal(lfh_event_decode(env, elen, &ev, NULL), 0);
		assert_int_equal(lfh_event_verify(&ev, pk, NULL), 0);
		lfh_event_id(env, elen, got);
		assert_memory_equal(got, id, LFH_ID_LEN);
		assert_int_equal(lfh_event_header_bytes(&ev, &h, NULL), 0);
		assert_int_equal(h.len, hlen);
		assert_memory_equal(h.data, hdr, hlen);
		assert_int_equal(ev.body_len, blen);
		assert_memory_equal(ev.body, body, blen);
		if (ev.type == LFH_EV_KEY) {
			lfh_key_body kb;
			assert_int_equal(lfh_key_body_decode(ev.body, ev.body_len, &kb, NULL), 0);
			assert_int_equal(kb.ngrants, ev.nrcpt);
		} else {
			uint8_t *pt = malloc(ev.body_len);
			unsigned long long ptlen = 0;
			lfh_record r;
			assert_non_null(pt);
			assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(
				pt, &ptlen, NULL, ev.body, ev.body_len, h.data, h.len, ev.nonce, key), 0);
			assert_int_equal(lfh_record_decode(pt, (size_t)ptlen, &r, NULL), 0);
			assert_non_null(lfh_record_str(&r, "by"));
			lfh_record_clear(&r);
			free(pt);
		}
		lfh_buf_free(&h);
		lfh_event_clear(&ev);
		free(env);
		free(id);
		free(hdr);
		free(body);
	}
	free(text);
}

/* A member's public keys from its "hub.<agency>.*" lines. */
static void vec_member(const char *text, const char *agency, lfh_pubkeys *pk)
{
	static const char *const what[3] = {"sign_pk", "box_pk", "curve_pk"};
	uint8_t *dst[3] = {pk->sign_pk, pk->box_pk, pk->curve_pk};

	memset(pk, 0, sizeof *pk);
	snprintf(pk->agency, sizeof pk->agency, "%s", agency);
	for (int i = 0; i < 3; i++) {
		char nm[64];
		size_t n;
		uint8_t *p;
		snprintf(nm, sizeof nm, "hub.%s.%s", agency, what[i]);
		p = vec_get(text, nm, &n);
		assert_int_equal(n, 32);
		memcpy(dst[i], p, 32);
		free(p);
	}
}

/*
 * The hub id vector from the file: keys reproduce from the seeds, the input
 * hashes to the id, and lfh_hub_id gives the id whatever the member order.
 */
static void test_vectors_hub(void **state)
{
	static const char *const agencies[2] = {"police", "housing"};
	size_t flen = 0, n;
	char *text = (char *)read_file(VEC_PATH, &flen);
	uint8_t *want, *input, got[32];
	lfh_pubkeys m[2], swapped[2];

	(void)state;
	assert_non_null(text);
	for (int i = 0; i < 2; i++) {
		char nm[64];
		uint8_t *seed;
		lfh_identity *id = NULL;
		vec_member(text, agencies[i], &m[i]);
		snprintf(nm, sizeof nm, "hub.%s.seed", agencies[i]);
		seed = vec_get(text, nm, &n);
		assert_int_equal(n, 32);
		assert_int_equal(lfh_identity_from_seed(agencies[i], seed, &id, NULL), 0);
		assert_memory_equal(id->pub.sign_pk, m[i].sign_pk, 32);
		assert_memory_equal(id->pub.box_pk, m[i].box_pk, 32);
		assert_memory_equal(id->pub.curve_pk, m[i].curve_pk, 32);
		lfh_identity_free(id);
		free(seed);
	}
	want = vec_get(text, "hub.id", &n);
	assert_int_equal(n, 32);
	input = vec_get(text, "hub.input", &n);
	crypto_generichash(got, sizeof got, input, n, NULL, 0);
	assert_memory_equal(got, want, 32);
	assert_int_equal(lfh_hub_id(VEC_HUB_NAME, m, 2, got, NULL), 0);
	assert_memory_equal(got, want, 32);
	swapped[0] = m[1];
	swapped[1] = m[0];
	memset(got, 0, sizeof got);
	assert_int_equal(lfh_hub_id(VEC_HUB_NAME, swapped, 2, got, NULL), 0);
	assert_memory_equal(got, want, 32);
	free(want);
	free(input);
	free(text);
}

/* lfh_hub_id's refusals. */
static void test_hub_id_rules(void **state)
{
	lfh_pubkeys m[3];
	lfh_err err;
	uint8_t a[32], b[32], keep[32];
	char name[65];

	(void)state;
	memset(m, 0, sizeof m);
	strcpy(m[0].agency, "police");
	strcpy(m[1].agency, "housing");
	strcpy(m[2].agency, "council");
	m[1].box_pk[0] = 1;
	assert_int_equal(lfh_hub_id("h", m, 3, a, &err), 0);
	/* every key counts */
	m[2].curve_pk[31] = 1;
	assert_int_equal(lfh_hub_id("h", m, 3, b, &err), 0);
	assert_memory_not_equal(a, b, 32);
	/* duplicate agency, even with different keys */
	memcpy(keep, b, 32);
	strcpy(m[2].agency, "police");
	assert_int_equal(lfh_hub_id("h", m, 3, b, &err), LFH_ECONFIG);
	assert_string_equal(err.msg, "agency police listed twice");
	assert_memory_equal(b, keep, 32); /* untouched on failure */
	/* invalid agency ids */
	strcpy(m[2].agency, "Council");
	assert_int_equal(lfh_hub_id("h", m, 3, b, &err), LFH_EINVAL);
	m[2].agency[0] = '\0';
	assert_int_equal(lfh_hub_id("h", m, 3, b, &err), LFH_EINVAL);
	memset(m[2].agency, 'a', sizeof m[2].agency); /* not NUL-terminated */
	assert_int_equal(lfh_hub_id("h", m, 3, b, &err), LFH_EINVAL);
	/* no members */
	assert_int_equal(lfh_hub_id("h", m, 0, b, &err), LFH_EINVAL);
	/* hub name 1..63 bytes */
	memset(name, 'h', sizeof name - 1);
	name[64] = '\0';
	assert_int_equal(lfh_hub_id(name, m, 2, b, &err), LFH_EINVAL);
	name[63] = '\0';
	assert_int_equal(lfh_hub_id(name, m, 2, b, &err), 0);
	assert_int_equal(lfh_hub_id("", m, 2, b, &err), LFH_EINVAL);
	assert_int_equal(lfh_hub_id(NULL, m, 2, b, &err), LFH_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_event_check_rules),
		cmocka_unit_test(test_event_sign_wrong_key),
		cmocka_unit_test(test_event_roundtrip),
		cmocka_unit_test(test_key_event_roundtrip),
		cmocka_unit_test(test_event_bitflips),
		cmocka_unit_test(test_event_key_bitflips),
		cmocka_unit_test(test_event_truncated_and_trailing),
		cmocka_unit_test(test_event_noncanonical),
		cmocka_unit_test(test_event_version),
		cmocka_unit_test(test_event_decode_rules),
		cmocka_unit_test(test_event_oversize),
		cmocka_unit_test(test_hostile_structures),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_record_roundtrip),
		cmocka_unit_test(test_record_limits),
		cmocka_unit_test(test_record_decode_strict),
		cmocka_unit_test(test_record_truncated),
		cmocka_unit_test(test_wire_roundtrip),
		cmocka_unit_test(test_wire_limits),
		cmocka_unit_test(test_batch_writer_limit),
		cmocka_unit_test(test_reply_roundtrip),
		cmocka_unit_test(test_reply_strict),
		cmocka_unit_test(test_vectors_file),
		cmocka_unit_test(test_vectors_decode),
		cmocka_unit_test(test_vectors_hub),
		cmocka_unit_test(test_hub_id_rules),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
