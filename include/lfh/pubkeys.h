/*
 * pubkeys.h - an agency's public keys, and the public key file: what
 * `lfh keys export` writes, peers import and an ISA may name. INI, parsed
 * with libinih:
 *   [agency]
 *   id = police
 *   root = <64 hex>     Ed25519 public root key (a valid point, not the sign key)
 *   sign = <64 hex>     Ed25519 public key
 *   box = <64 hex>      X25519 public key
 *   curve = <40 Z85>    CURVE public key
 * The secrets that go with them are include/lfh/identity.h's.
 */
#ifndef LFH_PUBKEYS_H
#define LFH_PUBKEYS_H

#include <stdint.h>
#include <stdio.h>

#include "lfh/err.h"
#include "lfh/event.h"

typedef struct lfh_pubkeys {
	char agency[LFH_AGENCY_MAX + 1];
	uint8_t root_pk[32]; /* Ed25519: the agency's long-term root identity */
	uint8_t sign_pk[32];
	uint8_t box_pk[32];
	uint8_t curve_pk[32];
	uint8_t key_id[LFH_KEYID_LEN]; /* derived: lfh_key_id(sign_pk) */
} lfh_pubkeys;

/* Key id of an Ed25519 public key: first 8 bytes of BLAKE2b-256(pk). */
void lfh_key_id(const uint8_t sign_pk[32], uint8_t out[LFH_KEYID_LEN]);

/*
 * Read / write a public key file (format above). Both refuse a root key that
 * is not a valid Ed25519 point or equals the sign key.
 */
int lfh_pubkeys_load(const char *path, lfh_pubkeys *out, lfh_err *err);
int lfh_pubkeys_write(const lfh_pubkeys *pk, FILE *f, lfh_err *err);

/* The root-key checks of lfh_pubkeys_load, for writers: 0 or LFH_EINVAL. */
int lfh_pubkeys_check_root(const lfh_pubkeys *pk, lfh_err *err);

/* Z85 text (40 chars + NUL) of a CURVE public key, for zmq_setsockopt. */
void lfh_curve_z85(const uint8_t pk[32], char out[41]);

#endif
