/*
 * identity.h - an agency's long-term keys, on disk and in memory.
 *
 * A key directory holds:
 *   sign.key   64 bytes, Ed25519 secret key (libsodium layout)   mode 0600
 *   box.key    32 bytes, X25519 secret key (sealed sharing keys) mode 0600
 *   curve.key  32 bytes, CURVE transport secret key              mode 0600
 *   public.ini the public part (below), mode 0644
 * The public file, also what `lfh keys export` writes and peers import, is
 * INI (parsed with libinih):
 *   [agency]
 *   id = police
 *   sign = <64 hex>     Ed25519 public key
 *   box = <64 hex>      X25519 public key
 *   curve = <40 Z85>    CURVE public key
 * Secrets are held in sodium_malloc'd memory and wiped on free.
 */
#ifndef LFH_IDENTITY_H
#define LFH_IDENTITY_H

#include <stdint.h>
#include <stdio.h>

#include "lfh/err.h"
#include "lfh/event.h"

typedef struct lfh_pubkeys {
	char agency[LFH_AGENCY_MAX + 1];
	uint8_t sign_pk[32];
	uint8_t box_pk[32];
	uint8_t curve_pk[32];
	uint8_t key_id[LFH_KEYID_LEN]; /* derived: lfh_key_id(sign_pk) */
} lfh_pubkeys;

typedef struct lfh_identity {
	lfh_pubkeys pub;
	uint8_t sign_sk[64];
	uint8_t box_sk[32];
	uint8_t curve_sk[32];
} lfh_identity;

/* Key id of an Ed25519 public key: first 8 bytes of BLAKE2b-256(pk). */
void lfh_key_id(const uint8_t sign_pk[32], uint8_t out[LFH_KEYID_LEN]);

/*
 * Create a new identity for agency in dir (created 0700 if missing). Refuses
 * (LFH_EEXIST) if any key file already exists; writes secrets with mode 0600
 * through a temporary file and rename, so a crash leaves no partial key.
 */
int lfh_identity_generate(const char *agency, const char *dir, lfh_err *err);

/*
 * Load an identity from dir: checks sizes, that secret files are not
 * readable by group/other (LFH_EPERM otherwise), and that public.ini matches
 * the secrets. *out is sodium_malloc'd; free with lfh_identity_free.
 */
int lfh_identity_load(const char *dir, lfh_identity **out, lfh_err *err);
void lfh_identity_free(lfh_identity *id);

/* Deterministic identity from a 32-byte seed (test vectors, benchmarks). */
int lfh_identity_from_seed(const char *agency, const uint8_t seed[32], lfh_identity **out, lfh_err *err);

/* Read / write a public key file (format above). Write refuses to overwrite. */
int lfh_pubkeys_load(const char *path, lfh_pubkeys *out, lfh_err *err);
int lfh_pubkeys_write(const lfh_pubkeys *pk, FILE *f, lfh_err *err);

/* Z85 text (40 chars + NUL) of a CURVE public key, for zmq_setsockopt. */
void lfh_curve_z85(const uint8_t pk[32], char out[41]);

#endif
