/*
 * event.h - the signed event envelope and its canonical msgpack codec.
 *
 * An event is one immutable state change. Its envelope is a msgpack array of
 * 15 elements (proto/PROTOCOL.md, "Event envelope"):
 *
 *   [0] version u8 = 1         [8]  category str
 *   [1] hub bin32              [9]  isa_version u32
 *   [2] author str             [10] recipients [[agency str, ctr u64], ...]
 *   [3] key_id bin8            [11] key_ref [creator str, epoch u32]
 *   [4] seq u64                [12] nonce bin (24 bytes, or 0 for KEY events)
 *   [5] hlc u64                [13] body bin
 *   [6] case_id bin16          [14] sig bin64
 *   [7] type u32
 *
 * The "header" is elements 0..11 (a 12-array), used as AEAD associated
 * data. The "signed bytes" are elements 0..13 (a 14-array). The envelope is
 * the 15-array. Event id = BLAKE2b-256(envelope bytes). Every encoding is
 * canonical: msgpack-c's smallest-form packing; the decoder re-encodes and
 * refuses input whose bytes differ, so one event has exactly one encoding.
 */
#ifndef LFH_EVENT_H
#define LFH_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/buf.h"
#include "lfh/err.h"

#define LFH_EVENT_VERSION 1
#define LFH_AGENCY_MAX 31    /* agency id: 1..31 chars of [a-z0-9_-] */
#define LFH_CATEGORY_MAX 31  /* category: 1..31 chars of [a-z0-9_-] */
#define LFH_MAX_RECIPIENTS 32
#define LFH_MAX_PEERS 64        /* member agencies of a hub besides the node itself */
#define LFH_BODY_MAX 65536   /* ciphertext or key-event body bytes */
#define LFH_EVENT_MAX (LFH_BODY_MAX + 4096) /* whole envelope */
#define LFH_ID_LEN 32
#define LFH_CASE_LEN 16
#define LFH_KEYID_LEN 8
#define LFH_NONCE_LEN 24
#define LFH_SIG_LEN 64
#define LFH_SEALED_LEN 80    /* crypto_box_SEALBYTES + 32-byte key */

enum lfh_event_type {
	LFH_EV_KEY = 1,      /* distributes a sharing key (body = key body) */
	LFH_EV_REFERRAL = 2, /* opens a case (body = encrypted referral) */
	LFH_EV_NOTE = 3,     /* free-text case update (body = encrypted) */
	LFH_EV_JOIN = 4,        /* an agency joins a case (body = plaintext record) */
	LFH_EV_CLOSE = 5,       /* the case is closed (body = plaintext record) */
	LFH_EV_ISA_PROPOSE = 6, /* proposes the next ISA version (body = canonical ISA) */
	LFH_EV_ISA_SIGN = 7,    /* signs an ISA version (body = plaintext record) */
	/* 8..19: OSARA case steps, include/lfh/osara.h */
	LFH_EV_CERT = 20,       /* new operational key generation (body = lfh_cert, cert.h) */
	LFH_EV_REVOKE = 21,     /* revokes a key generation (body = lfh_revocation, cert.h) */
	LFH_EV_LEAVE = 22,      /* an agency stops taking part in a case (body = plaintext record) */
	LFH_EV_ISA_WITHDRAW = 23, /* its proposer withdraws an ISA proposal (body = plaintext record) */
	LFH_EV_AMEND = 24,      /* corrects an entry of a case (body = encrypted, osara.h) */
	LFH_EV_REDACT = 25,     /* takes an entry out of views and exports (body = encrypted) */
	LFH_EV_REOPEN = 26,     /* the lead reopens a closed case (body = plaintext record) */
	LFH_EV_ATTACH = 27,     /* a file added to a case (body = encrypted, attach.h) */
	LFH_EV_CHUNK = 28,      /* one piece of an attached file's bytes (body = encrypted) */
};
#define LFH_EV_TYPE_MAX 255

/*
 * Types whose body is plaintext to its recipients (KEY and governance
 * events): key_ref ["", 0] and no nonce. All others are encrypted.
 */
int lfh_event_type_plain(uint32_t type);
/* About the hub, not a case (all-zero case id, PROTOCOL.md 7.1): ISA_PROPOSE,
 * ISA_SIGN, ISA_WITHDRAW, CERT, REVOKE. */
int lfh_event_type_hub_wide(uint32_t type);

typedef struct lfh_recipient {
	char agency[LFH_AGENCY_MAX + 1];
	uint64_t ctr; /* n-th event from this author addressed to agency, from 1 */
} lfh_recipient;

typedef struct lfh_event {
	uint8_t hub[32];
	char author[LFH_AGENCY_MAX + 1];
	uint8_t key_id[LFH_KEYID_LEN];
	uint64_t seq; /* per-author, from 1 */
	uint64_t hlc;
	uint8_t case_id[LFH_CASE_LEN];
	uint32_t type;
	char category[LFH_CATEGORY_MAX + 1];
	uint32_t isa_version; /* ISA version the author wrote under; 0 = hub without an ISA */
	uint32_t nrcpt; /* 1..LFH_MAX_RECIPIENTS, sorted by agency, unique */
	lfh_recipient rcpt[LFH_MAX_RECIPIENTS];
	char key_creator[LFH_AGENCY_MAX + 1]; /* "" for KEY events */
	uint32_t key_epoch;
	size_t nonce_len; /* 24, or 0 for KEY events */
	uint8_t nonce[LFH_NONCE_LEN];
	uint8_t *body; /* owned, malloc'd; freed by lfh_event_clear */
	size_t body_len;
	uint8_t sig[LFH_SIG_LEN];
} lfh_event;

/* Nonzero if s is a valid agency id or category name (1..31 of [a-z0-9_-]). */
int lfh_name_valid(const char *s);

/*
 * Check the fields of ev that the codec constrains (names valid, recipients
 * sorted, unique, not the author, counters >= 1, sizes in bounds, KEY events
 * with empty key_ref and no nonce, other events with both). 0 or LFH_EINVAL.
 */
int lfh_event_check(const lfh_event *ev, lfh_err *err);

/* Canonical encoding of the header (12-array) into out (appended). */
int lfh_event_header_bytes(const lfh_event *ev, lfh_buf *out, lfh_err *err);

/* Canonical encoding of the signed bytes (14-array) into out (appended). */
int lfh_event_signed_bytes(const lfh_event *ev, lfh_buf *out, lfh_err *err);

/*
 * Sign ev with the author's Ed25519 secret key: fills ev->sig, appends the
 * envelope to out and writes the event id. ev->body must be set already.
 */
int lfh_event_sign(lfh_event *ev, const uint8_t sign_sk[64], lfh_buf *out,
		   uint8_t id[LFH_ID_LEN], lfh_err *err);

/*
 * Strictly decode an envelope: exact types, bounded sizes, no trailing bytes,
 * version 1 only, canonical bytes only. On success ev owns a copy of the
 * body; call lfh_event_clear. On failure ev is left cleared.
 */
int lfh_event_decode(const uint8_t *raw, size_t len, lfh_event *ev, lfh_err *err);
/* The type of a stored (already checked) envelope without decoding it all; 0 if malformed. */
uint32_t lfh_event_peek_type(const uint8_t *raw, size_t len);
/*
 * Of a stored (already checked) envelope, without decoding it all: its
 * author, and in *ctr the counter it carries for recipient rcpt (0 if rcpt
 * is none of its recipients). 0, or -1 if raw is malformed.
 */
int lfh_event_peek_slot(const uint8_t *raw, size_t len, const char *rcpt,
			char author[LFH_AGENCY_MAX + 1], uint64_t *ctr);

/* Verify ev->sig over the signed bytes with the author's Ed25519 key. */
int lfh_event_verify(const lfh_event *ev, const uint8_t sign_pk[32], lfh_err *err);

/* Event id of an envelope: BLAKE2b-256 of its bytes. */
void lfh_event_id(const uint8_t *raw, size_t len, uint8_t id[LFH_ID_LEN]);

/* Free the body and zero ev. Safe on a zeroed or cleared event. */
void lfh_event_clear(lfh_event *ev);

/* Index of agency in ev's recipients, or -1. */
int lfh_event_find_recipient(const lfh_event *ev, const char *agency);

/*
 * Key-event body: [creator str, epoch u32, [[agency str, sealed bin80], ...]]
 * Names which sharing key (case and category come from the envelope) and
 * holds that key sealed to each listed agency's X25519 key.
 */
typedef struct lfh_key_grant {
	char agency[LFH_AGENCY_MAX + 1];
	uint8_t sealed[LFH_SEALED_LEN];
} lfh_key_grant;

typedef struct lfh_key_body {
	char creator[LFH_AGENCY_MAX + 1];
	uint32_t epoch;
	uint32_t ngrants; /* 1..LFH_MAX_RECIPIENTS, sorted by agency, unique */
	lfh_key_grant grants[LFH_MAX_RECIPIENTS];
} lfh_key_body;

int lfh_key_body_encode(const lfh_key_body *kb, lfh_buf *out, lfh_err *err);
int lfh_key_body_decode(const uint8_t *raw, size_t len, lfh_key_body *kb, lfh_err *err);

#endif
