/*
 * test_wire.c - unit tests for proto/wire.c: the sync messages (PULL,
 * NOTIFY, FETCH, ERROR, BATCH, FETCHED) and their limits, the batch writer,
 * and the control replies.
 *
 * Hand-made frames are packed directly with msgpack-c, independently of the
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
#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/record.h"
#include "lfh/wire.h"

#include "codec_fixture.h"

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

	/* PULL saying what the puller holds: agencies sorted on the way out */
	{
		lfh_held held[3] = { { "police", 7 }, { "health", 0 }, { "fire", 99 } };
		lfh_buf_reset(&b);
		assert_int_equal(lfh_msg_encode_pull_held(&b, 5, 256, held, 3, &err), 0);
		msg_roundtrip(&b, m);
		assert_int_equal(m->type, LFH_MSG_PULL);
		assert_int_equal(m->max, 256);
		assert_int_equal(m->nheld, 3);
		assert_string_equal(m->held[0].agency, "fire");
		assert_true(m->held[0].upto == 99);
		assert_string_equal(m->held[2].agency, "police");
		assert_true(m->held[2].upto == 7);
		held[1] = held[0];
		lfh_buf_reset(&b);
		assert_int_equal(lfh_msg_encode_pull_held(&b, 5, 256, held, 3, NULL), LFH_EINVAL);
		lfh_buf_reset(&b); /* none held: the 3-element PULL of before */
		assert_int_equal(lfh_msg_encode_pull_held(&b, 5, 256, held, 0, &err), 0);
		msg_roundtrip(&b, m);
		assert_int_equal(m->nheld, 0);
	}

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
	/* PULL takes 3 elements, or 4 with what the puller holds (a non-empty array) */
	msgpack_pack_array(&pk, 4), msgpack_pack_uint8(&pk, 1), msgpack_pack_uint8(&pk, 0);
	msgpack_pack_uint8(&pk, 1), msgpack_pack_uint8(&pk, 1);
	msg_expect(&b, m, LFH_ECODEC, "held");
	msgpack_pack_array(&pk, 4), msgpack_pack_uint8(&pk, 1), msgpack_pack_uint8(&pk, 0);
	msgpack_pack_uint8(&pk, 1), msgpack_pack_array(&pk, 0);
	msg_expect(&b, m, LFH_ECODEC, "held");
	msgpack_pack_array(&pk, 4), msgpack_pack_uint8(&pk, 1), msgpack_pack_uint8(&pk, 0);
	msgpack_pack_uint8(&pk, 1), msgpack_pack_array(&pk, 2);
	msgpack_pack_array(&pk, 2), msgpack_pack_str(&pk, 6), msgpack_pack_str_body(&pk, "police", 6);
	msgpack_pack_uint8(&pk, 3);
	msgpack_pack_array(&pk, 2), msgpack_pack_str(&pk, 6), msgpack_pack_str_body(&pk, "health", 6);
	msgpack_pack_uint8(&pk, 3);
	msg_expect(&b, m, LFH_ECODEC, "ascending");
	msgpack_pack_array(&pk, 5), msgpack_pack_uint8(&pk, 1), msgpack_pack_uint8(&pk, 0);
	msgpack_pack_uint8(&pk, 1), msgpack_pack_uint8(&pk, 1), msgpack_pack_uint8(&pk, 1);
	msg_expect(&b, m, LFH_ECODEC, "elements");
	msgpack_pack_array(&pk, 2), msgpack_pack_uint8(&pk, 8), msgpack_pack_uint8(&pk, 0);
	msg_expect(&b, m, LFH_ECODEC, "unknown message type");
	msgpack_pack_array(&pk, 2), msgpack_pack_uint8(&pk, 7), msgpack_pack_uint8(&pk, 0);
	msg_expect(&b, m, LFH_ECODEC, "RECOVER: from");
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
	msgpack_pack_array(&pk, 5), msgpack_pack_uint8(&pk, 2), msgpack_pack_uint8(&pk, 0);
	msgpack_pack_uint8(&pk, 1), msgpack_pack_array(&pk, 0), msgpack_pack_uint8(&pk, 0);
	msg_expect(&b, m, LFH_ECODEC, "more");
	msgpack_pack_array(&pk, 5), msgpack_pack_uint8(&pk, 2), msgpack_pack_uint8(&pk, 0);
	msgpack_pack_true(&pk), msgpack_pack_array(&pk, 1), msgpack_pack_bin(&pk, 0);
	msgpack_pack_uint8(&pk, 0);
	msg_expect(&b, m, LFH_ECODEC, "events[0]");
	msgpack_pack_array(&pk, 5), msgpack_pack_uint8(&pk, 2), msgpack_pack_uint8(&pk, 0);
	msgpack_pack_true(&pk), msgpack_pack_array(&pk, 0), msgpack_pack_int8(&pk, -1);
	msg_expect(&b, m, LFH_ECODEC, "incarnation");
	msgpack_pack_array(&pk, 4), msgpack_pack_uint8(&pk, 2), msgpack_pack_uint8(&pk, 0);
	msgpack_pack_true(&pk), msgpack_pack_array(&pk, 0);
	msg_expect(&b, m, LFH_ECODEC, "expected 5 elements");
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_roundtrip),
		cmocka_unit_test(test_wire_limits),
		cmocka_unit_test(test_batch_writer_limit),
		cmocka_unit_test(test_reply_roundtrip),
		cmocka_unit_test(test_reply_strict),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
