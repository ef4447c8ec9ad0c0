/*
 * cert_fixture.h - helpers shared by the certificate unit tests
 * (test_cert.c, test_cert_decode.c): fixed keys from byte-run seeds, police's
 * certified generation 2 and its revocation, and an independent packer of
 * both encodings, element by element with msgpack-c (cert_elem, rev_elem,
 * assemble), with decode checks.
 *
 * Everything is static inline or static data.
 */
#ifndef LFH_TEST_CERT_FIXTURE_H
#define LFH_TEST_CERT_FIXTURE_H

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

/* Fixed inputs: each is the byte run first, first+1, ... */
#define ROOT_SEED_FIRST 0x01  /* root Ed25519 seed 01..20 */
#define SIGN_SEED_FIRST 0x21  /* generation's Ed25519 seed 21..40 */
#define BOX_SEED_FIRST 0x41   /* generation's X25519 seed 41..60 (crypto_box_seed_keypair) */
#define CURVE_SEED_FIRST 0x61 /* generation's CURVE seed 61..80 (crypto_box_seed_keypair) */
#define HUB_FIRST 0x80        /* hub id 80..9f */
#define OTHER_SEED_FIRST 0xa1 /* another Ed25519 seed a1..c0 */
#define T0 1700000000000ull   /* 2023-11-14T22:13:20Z */
#define DAY_MS 86400000ull

/* ---- helpers ---- */

static inline void fill(uint8_t *p, size_t n, unsigned first)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

static inline void sign_keypair(unsigned first, uint8_t pk[32], uint8_t sk[64])
{
	uint8_t seed[32];

	fill(seed, sizeof seed, first);
	assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
}

static inline void box_pk(unsigned first, uint8_t pk[32])
{
	uint8_t seed[32], sk[32];

	fill(seed, sizeof seed, first);
	assert_int_equal(crypto_box_seed_keypair(pk, sk, seed), 0);
}

static inline int buf_write(void *data, const char *p, size_t n)
{
	return lfh_buf_append(data, p, n) == 0 ? 0 : -1;
}

static inline void append(lfh_buf *b, const void *p, size_t n)
{
	assert_int_equal(lfh_buf_append(b, p, n), 0);
}

static inline void append_hex(lfh_buf *b, const char *hex)
{
	uint8_t tmp[600];
	size_t n = strlen(hex) / 2;

	assert_true(n <= sizeof tmp);
	assert_int_equal(lfh_unhex(tmp, n, hex), 0);
	append(b, tmp, n);
}

/* Police's generation 2, certified by the root of seed 01..20. */
static inline void base_cert(lfh_cert *c)
{
	uint8_t sk[64], root_pk[32], root_sk[64];

	memset(c, 0, sizeof *c);
	fill(c->hub, sizeof c->hub, HUB_FIRST);
	strcpy(c->agency, "police");
	c->generation = 2;
	sign_keypair(SIGN_SEED_FIRST, c->sign_pk, sk);
	box_pk(BOX_SEED_FIRST, c->box_pk);
	box_pk(CURVE_SEED_FIRST, c->curve_pk);
	c->not_before_ms = T0;
	c->not_after_ms = T0 + 365 * DAY_MS;
	c->grace_ms = 7 * DAY_MS;
	sign_keypair(ROOT_SEED_FIRST, root_pk, root_sk);
	assert_int_equal(lfh_cert_sign(c, root_sk, NULL), 0);
}

/* Police revokes its generation 2 (the key of base_cert) from T0 + 30 days. */
static inline void base_revocation(lfh_revocation *r)
{
	uint8_t pk[32], sk[64];

	memset(r, 0, sizeof *r);
	fill(r->hub, sizeof r->hub, HUB_FIRST);
	strcpy(r->agency, "police");
	r->generation = 2;
	sign_keypair(SIGN_SEED_FIRST, pk, sk);
	lfh_key_id(pk, r->key_id);
	r->effective_ms = T0 + 30 * DAY_MS;
	strcpy(r->reason, "laptop stolen");
}

static inline void assert_mentions(const lfh_err *err, const char *want)
{
	if (want && !strstr(err->msg, want)) {
		print_error("error \"%s\" does not mention \"%s\"\n", err->msg, want);
		fail();
	}
}

/* ---- independent packing, element by element ---- */

/* Element i of c's canonical encoding, packed here with msgpack-c. */
static inline void cert_elem(const void *obj, int i, lfh_buf *out)
{
	const lfh_cert *c = obj;
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, buf_write);
	switch (i) {
	case 0: msgpack_pack_str_with_body(&pk, "lfh-cert-v1", 11); break;
	case 1: msgpack_pack_bin_with_body(&pk, c->hub, 32); break;
	case 2: msgpack_pack_str_with_body(&pk, c->agency, strnlen(c->agency, sizeof c->agency)); break;
	case 3: msgpack_pack_uint64(&pk, c->generation); break;
	case 4: msgpack_pack_bin_with_body(&pk, c->sign_pk, 32); break;
	case 5: msgpack_pack_bin_with_body(&pk, c->box_pk, 32); break;
	case 6: msgpack_pack_bin_with_body(&pk, c->curve_pk, 32); break;
	case 7: msgpack_pack_uint64(&pk, c->not_before_ms); break;
	case 8: msgpack_pack_uint64(&pk, c->not_after_ms); break;
	case 9: msgpack_pack_uint64(&pk, c->grace_ms); break;
	case 10: msgpack_pack_bin_with_body(&pk, c->root_sig, 64); break;
	default: msgpack_pack_nil(&pk); break; /* extra elements */
	}
}

/* Element i of r's canonical encoding. */
static inline void rev_elem(const void *obj, int i, lfh_buf *out)
{
	const lfh_revocation *r = obj;
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, buf_write);
	switch (i) {
	case 0: msgpack_pack_str_with_body(&pk, "lfh-revoke-v1", 13); break;
	case 1: msgpack_pack_bin_with_body(&pk, r->hub, 32); break;
	case 2: msgpack_pack_str_with_body(&pk, r->agency, strnlen(r->agency, sizeof r->agency)); break;
	case 3: msgpack_pack_uint64(&pk, r->generation); break;
	case 4: msgpack_pack_bin_with_body(&pk, r->key_id, LFH_KEYID_LEN); break;
	case 5: msgpack_pack_uint64(&pk, r->effective_ms); break;
	case 6: msgpack_pack_str_with_body(&pk, r->reason, strnlen(r->reason, sizeof r->reason)); break;
	default: msgpack_pack_nil(&pk); break;
	}
}

typedef void elem_fn(const void *obj, int i, lfh_buf *out);

/* How to deviate from the canonical encoding. */
typedef struct variant {
	uint32_t nel;     /* elements packed (0: the canonical count) */
	int rep;          /* element replaced by the hex rep_hex (-1: none) */
	const char *rep_hex;
	const char *hdr_hex; /* the array header as this hex (NULL: canonical fixarray) */
} variant;

/* Pack obj's elements as an array following v. */
static inline void assemble(elem_fn *elem, const void *obj, uint32_t canon, const variant *v, lfh_buf *out)
{
	uint32_t nel = v->nel ? v->nel : canon;
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, buf_write);
	if (v->hdr_hex)
		append_hex(out, v->hdr_hex);
	else
		msgpack_pack_array(&pk, nel);
	for (uint32_t i = 0; i < nel; i++) {
		if ((int)i == v->rep)
			append_hex(out, v->rep_hex);
		else
			elem(obj, (int)i, out);
	}
}

/* Decode b as a cert; expect code (and a message naming want); on failure *c zeroed. */
static inline void expect_cert_decode(const uint8_t *raw, size_t len, int code, const char *want)
{
	lfh_cert c, zero;
	lfh_err err = {0};

	memset(&c, 0xa5, sizeof c);
	memset(&zero, 0, sizeof zero);
	assert_int_equal(lfh_cert_decode(raw, len, &c, &err), code);
	if (code == 0)
		return;
	assert_int_equal(err.code, code);
	assert_mentions(&err, want);
	assert_memory_equal(&c, &zero, sizeof c);
}

static inline void expect_rev_decode(const uint8_t *raw, size_t len, int code, const char *want)
{
	lfh_revocation r, zero;
	lfh_err err = {0};

	memset(&r, 0xa5, sizeof r);
	memset(&zero, 0, sizeof zero);
	assert_int_equal(lfh_revocation_decode(raw, len, &r, &err), code);
	if (code == 0)
		return;
	assert_int_equal(err.code, code);
	assert_mentions(&err, want);
	assert_memory_equal(&r, &zero, sizeof r);
}

#endif
