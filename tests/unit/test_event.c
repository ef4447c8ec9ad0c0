/*
 * test_event.c - unit tests for proto/event.c: agency names, the event
 * rules (lfh_event_check, and the same rules on decoding), signing, round
 * trips of events and KEY bodies, and the committed test vectors
 * (proto/vectors/events.txt, rebuilt by vectors.h and compared byte for byte).
 * Hostile and non-canonical envelopes are in test_event_decode.c.
 *
 * Hand-made encodings are packed with msgpack-c (raw_event in
 * codec_fixture.h), independently of the code under test.
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
#include "lfh/record.h"

#include "codec_fixture.h"

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
	/* the type alone, without a full decode; 0 for what is no envelope */
	assert_int_equal(lfh_event_peek_type(env.data + 1, env.len - 1), ev->type);
	assert_int_equal(lfh_event_peek_type(env.data + 1, env.len - 2), 0);
	assert_int_equal(lfh_event_peek_type((const uint8_t *)"\x93\x01\x02\x03", 4), 0);
	/* the author and a recipient's counter, without a full decode */
	for (uint32_t i = 0; i < ev->nrcpt; i++) {
		char author[LFH_AGENCY_MAX + 1] = "";
		uint64_t ctr = 0;
		assert_int_equal(lfh_event_peek_slot(env.data + 1, env.len - 1, ev->rcpt[i].agency,
						     author, &ctr), 0);
		assert_string_equal(author, ev->author);
		assert_int_equal(ctr, ev->rcpt[i].ctr);
	}
	{
		char author[LFH_AGENCY_MAX + 1];
		uint64_t ctr = 99;
		assert_int_equal(lfh_event_peek_slot(env.data + 1, env.len - 1, "nobody", author,
						     &ctr), 0);
		assert_int_equal(ctr, 0); /* not a recipient */
		assert_int_equal(lfh_event_peek_slot(env.data + 1, env.len - 2, "nobody", author,
						     &ctr), -1);
		assert_int_equal(lfh_event_peek_slot((const uint8_t *)"\x93\x01\x02\x03", 4,
						     "nobody", author, &ctr), -1);
	}
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

/* ---- the rules, on decoding ---- */

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

/* ---- test vectors ---- */

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_event_check_rules),
		cmocka_unit_test(test_event_sign_wrong_key),
		cmocka_unit_test(test_event_roundtrip),
		cmocka_unit_test(test_key_event_roundtrip),
		cmocka_unit_test(test_event_decode_rules),
		cmocka_unit_test(test_vectors_file),
		cmocka_unit_test(test_vectors_decode),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
