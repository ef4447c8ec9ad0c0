/*
 * sharing.h - body encryption under sharing keys, and sealing sharing keys
 * to recipient agencies (proto/PROTOCOL.md, "Encryption").
 *
 * A sharing key is 32 random bytes named by (case, category, creator, epoch).
 * Bodies: XChaCha20-Poly1305-IETF, random 24-byte nonce, associated data =
 * the event's canonical header bytes. Grants: crypto_box_seal of the 32-byte
 * key to the recipient's X25519 public key (80 bytes).
 */
#ifndef LFH_SHARING_H
#define LFH_SHARING_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/event.h"

#define LFH_KEY_LEN 32
#define LFH_AEAD_ABYTES 16

/* Fill key with a new random sharing key. */
void lfh_sharing_key_new(uint8_t key[LFH_KEY_LEN]);

/* Fill nonce with random bytes. */
void lfh_nonce_new(uint8_t nonce[LFH_NONCE_LEN]);

/* Encrypt pt into out (appended: ptlen + 16 bytes). */
int lfh_body_encrypt(const uint8_t key[LFH_KEY_LEN], const uint8_t nonce[LFH_NONCE_LEN],
		     const uint8_t *ad, size_t adlen, const uint8_t *pt, size_t ptlen,
		     lfh_buf *out, lfh_err *err);

/* Decrypt and authenticate ct into out (appended). LFH_ECRYPTO on forgery. */
int lfh_body_decrypt(const uint8_t key[LFH_KEY_LEN], const uint8_t nonce[LFH_NONCE_LEN],
		     const uint8_t *ad, size_t adlen, const uint8_t *ct, size_t ctlen,
		     lfh_buf *out, lfh_err *err);

/* Seal key to an agency's X25519 public key. */
int lfh_key_seal(const uint8_t key[LFH_KEY_LEN], const uint8_t box_pk[32],
		 uint8_t sealed[LFH_SEALED_LEN], lfh_err *err);

/* Open a grant sealed to us. LFH_ECRYPTO if it was not sealed to this key pair. */
int lfh_key_open(const uint8_t sealed[LFH_SEALED_LEN], const uint8_t box_pk[32],
		 const uint8_t box_sk[32], uint8_t key[LFH_KEY_LEN], lfh_err *err);

#endif
