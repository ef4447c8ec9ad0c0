/*
 * test_sharing.c - sharing-key cryptography (keys/sharing.c): encrypting
 * and decrypting event bodies, every way decryption fails, and sealing a
 * sharing key to an agency's box key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/identity.h"
#include "lfh/sharing.h"

/* ------------------------------------------------------------- sharing */

static void test_encrypt_decrypt_roundtrip(void **state)
{
	(void)state;
	uint8_t key[LFH_KEY_LEN], nonce[LFH_NONCE_LEN];
	const uint8_t ad[] = "header bytes";
	const uint8_t pt[] = "ASB referral: repeated noise and threats at 12 Example Road";
	lfh_buf ct = { 0 }, out = { 0 };
	lfh_err e;

	lfh_sharing_key_new(key);
	lfh_nonce_new(nonce);
	assert_int_equal(lfh_body_encrypt(key, nonce, ad, sizeof ad, pt, sizeof pt, &ct, &e), 0);
	assert_int_equal(ct.len, sizeof pt + LFH_AEAD_ABYTES);
	assert_memory_not_equal(ct.data, pt, sizeof pt);

	/* Appends to what is already in out. */
	assert_int_equal(lfh_buf_append(&out, "XY", 2), 0);
	assert_int_equal(lfh_body_decrypt(key, nonce, ad, sizeof ad, ct.data, ct.len, &out, &e), 0);
	assert_int_equal(out.len, 2 + sizeof pt);
	assert_memory_equal(out.data, "XY", 2);
	assert_memory_equal(out.data + 2, pt, sizeof pt);

	/* Empty plaintext and no associated data. */
	lfh_buf_reset(&ct);
	lfh_buf_reset(&out);
	assert_int_equal(lfh_body_encrypt(key, nonce, NULL, 0, NULL, 0, &ct, &e), 0);
	assert_int_equal(ct.len, LFH_AEAD_ABYTES);
	assert_int_equal(lfh_body_decrypt(key, nonce, NULL, 0, ct.data, ct.len, &out, &e), 0);
	assert_int_equal(out.len, 0);

	/* A large body, growing the buffer many times. */
	size_t big = LFH_BODY_MAX - LFH_AEAD_ABYTES;
	uint8_t *p = malloc(big);
	assert_non_null(p);
	randombytes_buf(p, big);
	lfh_buf_reset(&ct);
	lfh_buf_reset(&out);
	assert_int_equal(lfh_body_encrypt(key, nonce, ad, sizeof ad, p, big, &ct, &e), 0);
	assert_int_equal(lfh_body_decrypt(key, nonce, ad, sizeof ad, ct.data, ct.len, &out, &e), 0);
	assert_int_equal(out.len, big);
	assert_memory_equal(out.data, p, big);
	/* One byte more than fits in an event body. */
	lfh_buf_reset(&ct);
	assert_int_equal(lfh_body_encrypt(key, nonce, ad, sizeof ad, p, big + 1, &ct, &e),
			 LFH_ETOOBIG);
	assert_int_equal(ct.len, 0);
	free(p);

	/* Fresh nonces and keys differ. */
	uint8_t n2[LFH_NONCE_LEN], k2[LFH_KEY_LEN];
	lfh_nonce_new(n2);
	lfh_sharing_key_new(k2);
	assert_memory_not_equal(n2, nonce, LFH_NONCE_LEN);
	assert_memory_not_equal(k2, key, LFH_KEY_LEN);

	lfh_buf_free(&ct);
	lfh_buf_free(&out);
}

static void test_decrypt_failures(void **state)
{
	(void)state;
	uint8_t key[LFH_KEY_LEN], other[LFH_KEY_LEN], nonce[LFH_NONCE_LEN];
	const uint8_t ad[] = "header bytes";
	const uint8_t ad2[] = "header bytez";
	const uint8_t pt[] = "case notes";
	lfh_buf ct = { 0 }, out = { 0 };
	lfh_err e;

	lfh_sharing_key_new(key);
	lfh_sharing_key_new(other);
	lfh_nonce_new(nonce);
	assert_int_equal(lfh_body_encrypt(key, nonce, ad, sizeof ad, pt, sizeof pt, &ct, &e), 0);
	assert_int_equal(lfh_buf_append(&out, "keep", 4), 0);

	/* Wrong key. */
	lfh_err_clear(&e);
	assert_int_equal(lfh_body_decrypt(other, nonce, ad, sizeof ad, ct.data, ct.len, &out, &e),
			 LFH_ECRYPTO);
	assert_int_equal(e.code, LFH_ECRYPTO);
	assert_int_equal(out.len, 4);

	/* Wrong associated data, missing associated data. */
	assert_int_equal(lfh_body_decrypt(key, nonce, ad2, sizeof ad2, ct.data, ct.len, &out, &e),
			 LFH_ECRYPTO);
	assert_int_equal(lfh_body_decrypt(key, nonce, NULL, 0, ct.data, ct.len, &out, &e), LFH_ECRYPTO);
	assert_int_equal(out.len, 4);

	/* Wrong nonce. */
	uint8_t n2[LFH_NONCE_LEN];
	memcpy(n2, nonce, sizeof n2);
	n2[0] ^= 1;
	assert_int_equal(lfh_body_decrypt(key, n2, ad, sizeof ad, ct.data, ct.len, &out, &e), LFH_ECRYPTO);

	/* Every flipped byte, in the ciphertext and in the tag. */
	for (size_t i = 0; i < ct.len; i++) {
		ct.data[i] ^= 0x40;
		assert_int_equal(lfh_body_decrypt(key, nonce, ad, sizeof ad, ct.data, ct.len, &out, &e),
				 LFH_ECRYPTO);
		ct.data[i] ^= 0x40;
	}
	assert_int_equal(out.len, 4);

	/* Truncated. */
	assert_int_equal(lfh_body_decrypt(key, nonce, ad, sizeof ad, ct.data, ct.len - 1, &out, &e),
			 LFH_ECRYPTO);
	assert_int_equal(lfh_body_decrypt(key, nonce, ad, sizeof ad, ct.data, 15, &out, &e), LFH_ECRYPTO);
	assert_int_equal(lfh_body_decrypt(key, nonce, ad, sizeof ad, ct.data, 0, &out, &e), LFH_ECRYPTO);
	assert_int_equal(out.len, 4);

	/* Still fine with the right inputs. */
	assert_int_equal(lfh_body_decrypt(key, nonce, ad, sizeof ad, ct.data, ct.len, &out, &e), 0);
	assert_memory_equal(out.data + 4, pt, sizeof pt);

	lfh_buf_free(&ct);
	lfh_buf_free(&out);
}

static void test_seal_open(void **state)
{
	(void)state;
	uint8_t seed[32], key[LFH_KEY_LEN], got[LFH_KEY_LEN], sealed[LFH_SEALED_LEN], sealed2[LFH_SEALED_LEN];
	lfh_identity *housing = NULL, *fire = NULL;
	lfh_err e;

	memset(seed, 1, sizeof seed);
	assert_int_equal(lfh_identity_from_seed("housing", seed, &housing, &e), 0);
	memset(seed, 2, sizeof seed);
	assert_int_equal(lfh_identity_from_seed("fire", seed, &fire, &e), 0);

	lfh_sharing_key_new(key);
	assert_int_equal(lfh_key_seal(key, housing->pub.box_pk, sealed, &e), 0);
	assert_int_equal(lfh_key_open(sealed, housing->pub.box_pk, housing->box_sk, got, &e), 0);
	assert_memory_equal(got, key, LFH_KEY_LEN);

	/* Sealing is randomised. */
	assert_int_equal(lfh_key_seal(key, housing->pub.box_pk, sealed2, &e), 0);
	assert_memory_not_equal(sealed, sealed2, LFH_SEALED_LEN);

	/* Another agency cannot open it; got is untouched. */
	memset(got, 0xAA, sizeof got);
	lfh_err_clear(&e);
	assert_int_equal(lfh_key_open(sealed, fire->pub.box_pk, fire->box_sk, got, &e), LFH_ECRYPTO);
	assert_int_equal(e.code, LFH_ECRYPTO);
	for (size_t i = 0; i < sizeof got; i++)
		assert_int_equal(got[i], 0xAA);

	/* Nor can the right agency with the wrong public key (it is hashed into the nonce). */
	assert_int_equal(lfh_key_open(sealed, fire->pub.box_pk, housing->box_sk, got, &e), LFH_ECRYPTO);
	/* The CURVE transport key is not the sharing key. */
	assert_int_equal(lfh_key_open(sealed, housing->pub.curve_pk, housing->curve_sk, got, &e),
			 LFH_ECRYPTO);

	/* Tampered grant. */
	for (size_t i = 0; i < LFH_SEALED_LEN; i += 7) {
		sealed[i] ^= 1;
		assert_int_equal(lfh_key_open(sealed, housing->pub.box_pk, housing->box_sk, got, &e),
				 LFH_ECRYPTO);
		sealed[i] ^= 1;
	}

	/* Sealing to an all-zero (invalid) key fails cleanly. */
	uint8_t zero[32] = { 0 };
	assert_int_equal(lfh_key_seal(key, zero, sealed2, &e), LFH_ECRYPTO);

	lfh_identity_free(housing);
	lfh_identity_free(fire);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encrypt_decrypt_roundtrip),
		cmocka_unit_test(test_decrypt_failures),
		cmocka_unit_test(test_seal_open),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
