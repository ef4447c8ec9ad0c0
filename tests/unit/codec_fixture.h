/*
 * codec_fixture.h - helpers shared by the codec unit tests (test_event.c,
 * test_event_decode.c, test_record.c, test_wire.c, test_hub.c): a msgpack-c
 * writer into lfh_buf, the vector REFERRAL and KEY events signed with the
 * vector key, an independent hand-packer of envelopes (raw_event) for
 * non-canonical or invalid encodings, decode checks, and reading "name = hex"
 * lines of the committed vectors file (proto/vectors/events.txt).
 *
 * Everything is static inline or static data, so each test file takes what
 * it uses.
 */
#ifndef LFH_TEST_CODEC_FIXTURE_H
#define LFH_TEST_CODEC_FIXTURE_H

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

#include "vectors.h"

/* ---- helpers ---- */

static inline int buf_write(void *data, const char *p, size_t n)
{
	return lfh_buf_append(data, p, n) == 0 ? 0 : -1;
}

static inline void append(lfh_buf *b, const void *p, size_t n)
{
	assert_int_equal(lfh_buf_append(b, p, n), 0);
}

/* A REFERRAL from police to council and housing with a 100-byte body. */
static inline void base_event(lfh_event *ev)
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
static inline void key_event(lfh_event *ev)
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

static inline void sign(lfh_event *ev, lfh_buf *env, uint8_t id[LFH_ID_LEN])
{
	uint8_t pk[32], sk[64];
	lfh_err err;

	vec_keypair(pk, sk);
	assert_int_equal(lfh_event_sign(ev, sk, env, id, &err), 0);
}

static inline void signed_base(lfh_buf *env)
{
	lfh_event ev;
	uint8_t id[LFH_ID_LEN];

	base_event(&ev);
	sign(&ev, env, id);
	lfh_event_clear(&ev);
}

/* 0 iff raw decodes and verifies under the vector key. */
static inline int decode_verify(const uint8_t *raw, size_t len)
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
static inline void raw_event(const lfh_event *ev, const rawopt *o, lfh_buf *out)
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
static inline int decode_expect(const uint8_t *raw, size_t len, const char *want)
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

/* An lfh_msg on the heap (it may be large: see lfh_msg_decode). */
static inline lfh_msg *msg_new(void)
{
	lfh_msg *m = malloc(sizeof *m);
	assert_non_null(m);
	return m;
}

static inline void pack_key(msgpack_packer *pk, const char *k)
{
	msgpack_pack_str_with_body(pk, k, strlen(k));
}

/* ---- the vectors file ---- */

static inline uint8_t *read_file(const char *path, size_t *len)
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
static inline uint8_t *vec_get(const char *text, const char *name, size_t *len)
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

#endif
