/*
 * sharing.c - body encryption under sharing keys and sealing of sharing
 * keys to agencies (see include/lfh/sharing.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/sharing.h"

_Static_assert(LFH_NONCE_LEN == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "nonce size");
_Static_assert(LFH_KEY_LEN == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "key size");
_Static_assert(LFH_AEAD_ABYTES == crypto_aead_xchacha20poly1305_ietf_ABYTES, "tag size");
_Static_assert(LFH_SEALED_LEN == crypto_box_SEALBYTES + LFH_KEY_LEN, "sealed size");

static void sodium_ready(void)
{
	/* Idempotent and cheap after the first call; cannot fail on Linux. */
	if (sodium_init() < 0)
		return;
}

void lfh_sharing_key_new(uint8_t key[LFH_KEY_LEN])
{
	sodium_ready();
	randombytes_buf(key, LFH_KEY_LEN);
}

void lfh_nonce_new(uint8_t nonce[LFH_NONCE_LEN])
{
	sodium_ready();
	randombytes_buf(nonce, LFH_NONCE_LEN);
}

/*
 * Make room for n more bytes at the end of b and return a pointer to them.
 * Grows into a fresh allocation and wipes the old one, so no stale copy of
 * earlier plaintext is left behind by realloc.
 */
static uint8_t *buf_extend(lfh_buf *b, size_t n)
{
	if (b->len + n < b->len)
		return NULL;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n) {
			if (cap > SIZE_MAX / 2)
				return NULL;
			cap *= 2;
		}
		uint8_t *nd = malloc(cap);
		if (!nd)
			return NULL;
		if (b->data) {
			memcpy(nd, b->data, b->len);
			sodium_memzero(b->data, b->cap);
			free(b->data);
		}
		b->data = nd;
		b->cap = cap;
	}
	uint8_t *p = b->data + b->len;
	b->len += n;
	return p;
}

int lfh_body_encrypt(const uint8_t key[LFH_KEY_LEN], const uint8_t nonce[LFH_NONCE_LEN],
		     const uint8_t *ad, size_t adlen, const uint8_t *pt, size_t ptlen,
		     lfh_buf *out, lfh_err *err)
{
	unsigned long long clen = 0;

	if (!key || !nonce || !out || (!ad && adlen) || (!pt && ptlen))
		return lfh_err_set(err, LFH_EINVAL, "lfh_body_encrypt: NULL argument");
	if (ptlen > LFH_BODY_MAX - LFH_AEAD_ABYTES)
		return lfh_err_set(err, LFH_ETOOBIG, "body too large (%zu bytes, max %d)", ptlen,
				   LFH_BODY_MAX - LFH_AEAD_ABYTES);
	sodium_ready();
	size_t old = out->len;
	uint8_t *dst = buf_extend(out, ptlen + LFH_AEAD_ABYTES);
	if (!dst)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(dst, &clen, pt, ptlen, ad, adlen, NULL, nonce,
						       key) != 0 ||
	    clen != ptlen + LFH_AEAD_ABYTES) {
		sodium_memzero(dst, ptlen + LFH_AEAD_ABYTES);
		out->len = old;
		return lfh_err_set(err, LFH_ECRYPTO, "body encryption failed");
	}
	return 0;
}

int lfh_body_decrypt(const uint8_t key[LFH_KEY_LEN], const uint8_t nonce[LFH_NONCE_LEN],
		     const uint8_t *ad, size_t adlen, const uint8_t *ct, size_t ctlen,
		     lfh_buf *out, lfh_err *err)
{
	unsigned long long mlen = 0;

	if (!key || !nonce || !out || (!ad && adlen) || (!ct && ctlen))
		return lfh_err_set(err, LFH_EINVAL, "lfh_body_decrypt: NULL argument");
	if (ctlen < LFH_AEAD_ABYTES)
		return lfh_err_set(err, LFH_ECRYPTO, "body decryption failed: ciphertext too short (%zu bytes)",
				   ctlen);
	sodium_ready();
	size_t old = out->len;
	size_t n = ctlen - LFH_AEAD_ABYTES;
	/* n may be 0; keep a valid pointer for libsodium either way. */
	uint8_t *dst = buf_extend(out, n ? n : 1);
	if (!dst)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	out->len = old + n;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(dst, &mlen, NULL, ct, ctlen, ad, adlen, nonce,
						       key) != 0 ||
	    mlen != n) {
		sodium_memzero(dst, n);
		out->len = old;
		return lfh_err_set(err, LFH_ECRYPTO,
				   "body decryption failed (wrong key, wrong associated data or altered ciphertext)");
	}
	return 0;
}

int lfh_key_seal(const uint8_t key[LFH_KEY_LEN], const uint8_t box_pk[32],
		 uint8_t sealed[LFH_SEALED_LEN], lfh_err *err)
{
	if (!key || !box_pk || !sealed)
		return lfh_err_set(err, LFH_EINVAL, "lfh_key_seal: NULL argument");
	sodium_ready();
	if (crypto_box_seal(sealed, key, LFH_KEY_LEN, box_pk) != 0)
		return lfh_err_set(err, LFH_ECRYPTO, "cannot seal a key to this public key");
	return 0;
}

int lfh_key_open(const uint8_t sealed[LFH_SEALED_LEN], const uint8_t box_pk[32],
		 const uint8_t box_sk[32], uint8_t key[LFH_KEY_LEN], lfh_err *err)
{
	uint8_t tmp[LFH_KEY_LEN];

	if (!sealed || !box_pk || !box_sk || !key)
		return lfh_err_set(err, LFH_EINVAL, "lfh_key_open: NULL argument");
	sodium_ready();
	if (crypto_box_seal_open(tmp, sealed, LFH_SEALED_LEN, box_pk, box_sk) != 0) {
		sodium_memzero(tmp, sizeof tmp);
		return lfh_err_set(err, LFH_ECRYPTO, "sealed key does not open with this agency's key");
	}
	memcpy(key, tmp, LFH_KEY_LEN);
	sodium_memzero(tmp, sizeof tmp);
	return 0;
}
