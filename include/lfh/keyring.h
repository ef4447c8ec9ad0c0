/*
 * keyring.h - every member agency's operational key generations as this
 * node knows them, and what they may do when (PROTOCOL.md section 15).
 *
 * Generation 1 of a party is the keys the ISA in force names for it (for a
 * hub without an ISA, the configured peer keys). Later generations come
 * from CERT events, certified by the party's root key; revocations come
 * from REVOKE events. Both are kept in LMDB (tables KEYGEN and REVOKED,
 * below) in the transaction that stores their event, and mirrored in
 * memory so that signature checks (on several threads) need no store.
 *
 *   KEYGEN   agency(32, NUL padded) generation(4 BE) -> event id(32) lseq(8 BE) cert bytes
 *   REVOKED  agency(32) generation(4 BE)               -> event id(32) lseq(8 BE) revocation bytes
 *
 * Times are milliseconds since the epoch; UINT64_MAX means "never".
 */
#ifndef LFH_KEYRING_H
#define LFH_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/cert.h"
#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/pubkeys.h"
#include "lfh/rules.h"
#include "lfh/store.h"

#define LFH_NEVER UINT64_MAX

typedef struct lfh_keygen {
	char agency[LFH_AGENCY_MAX + 1];
	uint32_t generation;
	uint8_t sign_pk[32], box_pk[32], curve_pk[32];
	uint8_t key_id[LFH_KEYID_LEN];
	uint64_t not_before_ms; /* generation 1: 0 */
	uint64_t not_after_ms;  /* generation 1: LFH_NEVER */
	uint64_t grace_ms;
	uint64_t revoked_ms;    /* effective time of the earliest revocation, or LFH_NEVER */
	uint64_t lseq;          /* local sequence of its CERT event here (0: generation 1) */
	char reason[LFH_REASON_MAX + 1];
} lfh_keygen;

/*
 * Rebuild the keyring from r's members (generation 1 as the ISA in force
 * names them, or as configured without an ISA) and the tables, and add our
 * own generations from r->own_certs that the tables lack (a replaced or
 * restored store: their CERT events come back only through the peers,
 * which refuse our older transport keys): each must be for our hub and
 * agency, signed by our root key in the ISA in force, and reuse no key
 * known; it is kept with lseq 0 until its CERT event is stored here.
 * r->members then carry each member's newest keys.
 */
int lfh_keyring_load(lfh_rules *r, lfh_txn *t, lfh_err *err);
void lfh_keyring_free(lfh_rules *r);

/* A member agency's newest public keys (self included), or NULL if not a member. */
const lfh_pubkeys *lfh_keyring_member(const lfh_rules *r, const char *agency);

/* Generations of agency (oldest first) into *out; returns how many. Borrowed. */
size_t lfh_keyring_list(const lfh_rules *r, const char *agency, const lfh_keygen **out);
/* Every member's generations (sorted by agency, generation) into *out; how many. Borrowed. */
size_t lfh_keyring_all(const lfh_rules *r, const lfh_keygen **out);

/* The generation of agency with this key id / this number, or NULL. */
const lfh_keygen *lfh_keyring_find(const lfh_rules *r, const char *agency,
				   const uint8_t key_id[LFH_KEYID_LEN]);
const lfh_keygen *lfh_keyring_gen(const lfh_rules *r, const char *agency, uint32_t gen);

/* Newest generation of agency not revoked at now_ms (sharing keys are sealed to its box key). */
const lfh_keygen *lfh_keyring_newest(const lfh_rules *r, const char *agency, uint64_t now_ms);

/* End of g's validity for signing: min(expiry, successor's switch, revocation). */
uint64_t lfh_keyring_until(const lfh_rules *r, const lfh_keygen *g);

/*
 * Why g may no longer sign at t (t >= lfh_keyring_until(r, g)): "revoked",
 * "expired" or "superseded" (a later generation passed its switch time),
 * and since when, into *since_ms.
 */
const char *lfh_keyring_why_ended(const lfh_rules *r, const lfh_keygen *g, uint64_t t,
				  uint64_t *since_ms);

/* The generation whose CURVE key agency's node uses at now_ms (see PROTOCOL.md 15). */
const lfh_keygen *lfh_keyring_transport(const lfh_rules *r, const char *agency,
					uint64_t now_ms);

/* Is curve_pk a transport key of agency that a ZAP handler should admit at now_ms? */
int lfh_keyring_curve_allowed(const lfh_rules *r, const char *agency,
			      const uint8_t curve_pk[32], uint64_t now_ms);

/*
 * Verify a received event's signature with the generation its key id names,
 * and that the generation was valid at the event's time; a CERT event is
 * checked against its own certificate and the author's root key. Reads only
 * memory: safe on several threads while nothing applies key events.
 * 0, LFH_EKEYID (unknown, expired, superseded or revoked key), LFH_ECRYPTO,
 * LFH_ECODEC or LFH_EPERM, with a message naming the author and key.
 */
int lfh_keyring_verify(const lfh_rules *r, const lfh_event *ev, lfh_err *err);

/*
 * lfh_keyring_verify, for an event whose signature was already checked
 * (on a worker thread, include/lfh/pool.h) against checked_pk, with result
 * checked_ok (1: good, 0: bad): when that is the key the keyring names for
 * the event now, the verdict is taken instead of checking again; otherwise
 * (or with checked_pk NULL) the signature is checked here. Every other
 * check, and every message, is lfh_keyring_verify's.
 */
int lfh_keyring_verify_checked(const lfh_rules *r, const lfh_event *ev, const uint8_t *checked_pk,
			       int checked_ok, lfh_err *err);

/* The time part of lfh_keyring_verify (no signature): for re-checks before storing. */
int lfh_keyring_check_time(const lfh_rules *r, const lfh_event *ev, lfh_err *err);

/*
 * Before storing a CERT or REVOKE event: does it fit what we know (no
 * second certificate for a generation with other keys; a revocation names
 * a known generation with its key id, and is signed by that generation or a
 * later one)? 0 for other types.
 */
int lfh_keyring_accept(const lfh_rules *r, const lfh_event *ev, lfh_err *err);

/*
 * After storing a new CERT or REVOKE event (id, lseq): record it, update
 * memory and member keys; a revocation also deletes stored events signed by
 * the revoked generation from its effective time on (each one audited).
 */
int lfh_keyring_apply(lfh_rules *r, lfh_txn *t, const lfh_event *ev,
		      const uint8_t id[LFH_ID_LEN], uint64_t lseq, lfh_err *err);

/* Key events (CERT, REVOKE) stored with lseq > after, by lseq: fn(ctx, lseq, id). */
typedef int (*lfh_keyev_fn)(void *ctx, uint64_t lseq, const uint8_t id[LFH_ID_LEN]);
int lfh_keyring_events_after(lfh_txn *t, uint64_t after, lfh_keyev_fn fn, void *ctx,
			     lfh_err *err);

#endif
