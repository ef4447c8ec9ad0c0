/*
 * cert.h - operational key certificates and key revocations
 * (proto/PROTOCOL.md, "Key management").
 *
 * Every agency has a long-term root identity: an Ed25519 key pair whose
 * public half the ISA names (party field `root`). The root certifies the
 * agency's operational keys (signing, encryption, transport), one
 * generation at a time. Generation 1 is the set of operational keys the ISA
 * itself names for the party; generations 2, 3, ... are certificates signed
 * by the root, which travel as CERT events. The root secret is only needed
 * to certify, so it may live offline.
 *
 * Certificate encoding: a canonical msgpack 11-array
 *   ["lfh-cert-v1", hub bin32, agency str, generation u32,
 *    sign_pk bin32, box_pk bin32, curve_pk bin32,
 *    not_before u64 (ms), not_after u64 (ms), grace u64 (ms), root_sig bin64]
 * root_sig is the Ed25519 signature by the root key over the canonical
 * 10-array of the first ten elements (the "certified bytes").
 *
 * Revocation encoding: a canonical msgpack 7-array
 *   ["lfh-revoke-v1", hub bin32, agency str, generation u32,
 *    key_id bin8, effective u64 (ms), reason str (0..255 bytes UTF-8)]
 * It is the body of a REVOKE event, whose envelope signature (by an
 * operational key of the same agency, of the revoked generation or a
 * later one) is what authorises it.
 */
#ifndef LFH_CERT_H
#define LFH_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/event.h"

#define LFH_CERT_MAGIC "lfh-cert-v1"
#define LFH_REVOKE_MAGIC "lfh-revoke-v1"
#define LFH_CERT_MAX 512        /* encoded certificate bytes, at most */
#define LFH_REVOKE_MAX 512      /* encoded revocation bytes, at most */
#define LFH_REASON_MAX 255      /* revocation reason bytes */
#define LFH_GENERATION_MAX 65535
#define LFH_GRACE_MAX_MS (90ULL * 86400000ULL) /* at most 90 days of grace */
#define LFH_CERT_VALID_MAX_MS (5ULL * 365ULL * 86400000ULL) /* a rotation's certificate: 1825 days at most */

typedef struct lfh_cert {
	uint8_t hub[32];
	char agency[LFH_AGENCY_MAX + 1];
	uint32_t generation;    /* 2..LFH_GENERATION_MAX */
	uint8_t sign_pk[32];    /* Ed25519: signs events */
	uint8_t box_pk[32];     /* X25519: sharing keys are sealed to it */
	uint8_t curve_pk[32];   /* CURVE transport key */
	uint64_t not_before_ms; /* issued */
	uint64_t not_after_ms;  /* expires; > not_before_ms */
	uint64_t grace_ms;      /* earlier generations stay valid until not_before + grace */
	uint8_t root_sig[64];
} lfh_cert;

typedef struct lfh_revocation {
	uint8_t hub[32];
	char agency[LFH_AGENCY_MAX + 1];
	uint32_t generation;    /* 1..LFH_GENERATION_MAX */
	uint8_t key_id[LFH_KEYID_LEN]; /* key id of that generation's signing key */
	uint64_t effective_ms;  /* events it signed from this time on are invalid */
	char reason[LFH_REASON_MAX + 1];
} lfh_revocation;

/*
 * Field checks shared by encode and decode: agency a valid name, generation
 * in 2..LFH_GENERATION_MAX, sign_pk a valid Ed25519 point, box and curve
 * keys non-zero, the three keys distinct, not_after > not_before, grace at
 * most LFH_GRACE_MAX_MS. 0 or LFH_EINVAL naming the field.
 */
int lfh_cert_check(const lfh_cert *c, lfh_err *err);

/* The certified bytes (canonical 10-array) appended to out. */
int lfh_cert_signed_bytes(const lfh_cert *c, lfh_buf *out, lfh_err *err);

/*
 * Fill c->root_sig with root_sk (Ed25519, 64 bytes) over the certified bytes.
 * LFH_EINVAL (root_sig untouched) if c fails lfh_cert_check.
 */
int lfh_cert_sign(lfh_cert *c, const uint8_t root_sk[64], lfh_err *err);

/*
 * Verify c->root_sig against root_pk: 0, LFH_ECRYPTO ("certificate for A
 * generation G is not signed by A's root key"), or LFH_EINVAL if c fails
 * lfh_cert_check (nothing to verify).
 */
int lfh_cert_verify(const lfh_cert *c, const uint8_t root_pk[32], lfh_err *err);

/*
 * Canonical encoding (appended to out; refuses a c failing lfh_cert_check)
 * and strict decoding: at most LFH_CERT_MAX bytes (LFH_ETOOBIG), exact types
 * and lengths, no trailing bytes, canonical bytes only, first element
 * "lfh-cert-v1" (another "lfh-cert-" value is LFH_EVERSION), then
 * lfh_cert_check (LFH_ECODEC otherwise). On failure *c is zeroed.
 */
int lfh_cert_encode(const lfh_cert *c, lfh_buf *out, lfh_err *err);
int lfh_cert_decode(const uint8_t *raw, size_t len, lfh_cert *c, lfh_err *err);

/* Checks for a revocation: agency name, generation 1..max, reason UTF-8 without control characters. */
int lfh_revocation_check(const lfh_revocation *r, lfh_err *err);

/* As lfh_cert_encode/decode, for revocations (magic "lfh-revoke-v1"). */
int lfh_revocation_encode(const lfh_revocation *r, lfh_buf *out, lfh_err *err);
int lfh_revocation_decode(const uint8_t *raw, size_t len, lfh_revocation *r, lfh_err *err);

#endif
