/*
 * node.h - the node's core: what an agency node does with events,
 * independent of sockets. Used by the sync loop (peers) and the control
 * server (caseworkers).
 *
 * Writing: lfh_node_write builds one event (and, first, a KEY event granting
 * the case's sharing key to recipients that lack it), encrypts, signs and
 * stores it inside the caller's write transaction, so the caller can group
 * many writes into one durable commit before acknowledging any of them.
 * Receiving: lfh_node_ingest verifies an envelope from a peer (hub, author
 * membership, key generation valid at the event's time, signature, that we
 * are a recipient) and stores it; anything else is rejected with a reason
 * and never stored.
 * Serving (node/serve.c): lfh_node_serve_* answer a peer's PULL/FETCH with
 * only the events that peer is a recipient of (whoever wrote them:
 * relaying), key events first.
 * Implemented in node/node.c (open, write, ingest) and node/serve.c.
 */
#ifndef LFH_NODE_H
#define LFH_NODE_H

#include <stdint.h>

#include "lfh/buf.h"
#include "lfh/config.h"
#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/hub.h"
#include "lfh/identity.h"
#include "lfh/record.h"
#include "lfh/store.h"

struct lfh_isa;
struct lfh_keyring;
struct lfh_risk_form;

typedef struct lfh_node {
	lfh_config cfg;
	lfh_identity *id;          /* our newest operational key generation: signs */
	uint32_t gen;              /* its number (1 = the keys the ISA names) */
	lfh_identity *prev_id;     /* the generation before (transport in grace, late grants), or NULL */
	lfh_identity *older_id;    /* one older generation loaded on demand (lfh_node_identity) */
	struct lfh_keyring *keys;  /* every member's generations (include/lfh/keyring.h) */
	uint64_t keys_version;     /* bumped whenever member keys or membership change */
	int removed;               /* the ISA in force no longer names us: no replication */
	lfh_store *store;
	uint8_t hub_id[32];
	uint64_t hlc_last;
	struct lfh_isa *isa;       /* ISA in force; NULL: provisional hub without ISA */
	uint8_t isa_hash[32];      /* its hash */
	struct lfh_isa *isa_cache; /* an earlier version, decoded on demand */
	struct lfh_risk_form *risk; /* the risk questionnaire (defaults without cfg.risk_path) */
	size_t nmembers;           /* member agencies (self included) */
	lfh_pubkeys members[LFH_MAX_PEERS + 1];
} lfh_node;

/* Load identity, open the store, compute the hub id (lfh_hub_id, hub.h). */
int lfh_node_open(lfh_node **out, const lfh_config *cfg, lfh_err *err);
void lfh_node_close(lfh_node *n);

/*
 * Our own key generation gen (current, previous, or loaded from key_dir on
 * demand: a second rotation within a grace period needs the one before),
 * or the current one if gen cannot be loaded.
 */
const lfh_identity *lfh_node_identity(lfh_node *n, uint32_t gen);

/* Public keys of a member agency (self or a configured peer), or NULL. */
const lfh_pubkeys *lfh_node_member(const lfh_node *n, const char *agency);

typedef struct lfh_write_result {
	uint8_t case_id[LFH_CASE_LEN];
	uint8_t event_id[LFH_ID_LEN];
	uint64_t hlc;
	uint32_t nrcpt;
	char rcpt[LFH_MAX_RECIPIENTS][LFH_AGENCY_MAX + 1];
} lfh_write_result;

/*
 * Write one event of type/category about case_id with plaintext body,
 * encrypted under our sharing key for (case, category). Recipients: without
 * an ISA, the member agencies `to` (the author itself is dropped; at least
 * one other must remain); with an ISA, whoever its rules give for the case
 * (`to` then lists the agencies a REFERRAL is shared with, and must be NULL
 * for other types). Runs inside write txn t; durable once t commits.
 */
int lfh_node_write(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], uint32_t type,
		   const char *category, const char *const *to, size_t nto, const lfh_record *body,
		   lfh_write_result *res, lfh_err *err);

/*
 * Write a governance event (JOIN, CLOSE, ISA_PROPOSE, ISA_SIGN) whose body
 * is plaintext for its recipients: every participant of the case (and for
 * JOIN the joining agency, given in `to`), or for ISA events every party.
 * Needs an ISA.
 */
int lfh_node_write_plain(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			 uint32_t type, const char *category, const char *const *to, size_t nto,
			 const uint8_t *body, size_t len, lfh_write_result *res, lfh_err *err);

/* Grant a sharing key we hold (any creator's) to one agency with a KEY event. */
int lfh_node_grant_key(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		       const char *category, const char *creator, uint32_t epoch,
		       const uint8_t key[32], const char *agency, lfh_err *err);

typedef struct lfh_ingest_result {
	int stored;    /* 1 if new and stored, 0 if a duplicate */
	uint64_t hlc;
	uint32_t type;
	uint32_t nrcpt;
	char rcpt[LFH_MAX_RECIPIENTS][LFH_AGENCY_MAX + 1];
} lfh_ingest_result;

/*
 * Verify and store one envelope received from peer `from`. Returns 0
 * (stored or duplicate), LFH_EEQUIV (kept as evidence only), or the reason
 * it was rejected (LFH_ECODEC, LFH_EHUB, LFH_EPERM, LFH_ECRYPTO, ...).
 */
int lfh_node_ingest(lfh_node *n, lfh_txn *t, const uint8_t *raw, size_t len, const char *from,
		    lfh_ingest_result *res, lfh_err *err);

/* One received envelope, borrowed from a message frame. */
typedef struct lfh_envelope_ref {
	const uint8_t *raw;
	size_t len;
} lfh_envelope_ref;

/*
 * Ingest a whole received batch: signatures are checked in parallel on all
 * cores (the dominant cost of catching up), then the events are stored in
 * order within t. status[i]/errs[i]/res[i] tell each event's fate as
 * lfh_node_ingest would. Returns 0, or the store failure that stopped it
 * (then abort t).
 */
int lfh_node_ingest_batch(lfh_node *n, lfh_txn *t, const lfh_envelope_ref *in, size_t count,
			  const char *from, lfh_ingest_result *res, int *status, lfh_err *errs,
			  lfh_err *err);

/*
 * Answer PULL(after, max) from peer: appends a BATCH message to out with
 * the events peer is a recipient of, in local order after `after`.
 */
int lfh_node_serve_pull(lfh_node *n, lfh_txn *t, const char *peer, uint64_t after, uint32_t max,
			lfh_buf *out, lfh_err *err);

/* Answer FETCH(author, from, to) from peer: appends a FETCHED message. */
int lfh_node_serve_fetch(lfh_node *n, lfh_txn *t, const char *peer, const char *author,
			 uint64_t from, uint64_t to, lfh_buf *out, lfh_err *err);

/*
 * Gaps in what `author` addressed to us: first missing counter and the
 * highest counter seen; *missing = number of absent slots below that.
 */
int lfh_node_gaps(lfh_node *n, lfh_txn *t, const char *author, uint64_t *first_missing,
		  uint64_t *highest, uint64_t *missing, lfh_err *err);

/*
 * Decode and decrypt a stored envelope. body is filled when the sharing key
 * is held; otherwise returns LFH_ENOKEY with ev filled (a gap, not a blank).
 * KEY, ISA_PROPOSE, CERT and REVOKE bodies are not records: body is left empty; other
 * plaintext (governance) bodies are decoded into body.
 */
int lfh_node_open_event(lfh_node *n, lfh_txn *t, const uint8_t *raw, size_t len, lfh_event *ev,
			lfh_record *body, lfh_err *err);

/* Category and case id (16 zero bytes) of key-management events (CERT, REVOKE). */
#define LFH_KEYS_CATEGORY "keys"

/*
 * Store and send a CERT event carrying cert (our newest generation's
 * certificate, already verified): n->id must be that generation, whose key
 * signs the event.
 */
int lfh_node_publish_cert(lfh_node *n, lfh_txn *t, const uint8_t *cert, size_t len,
			  lfh_write_result *res, lfh_err *err);

/* (Re)build the in-memory key generations from the members and the store. */
int lfh_node_load_keys(lfh_node *n, lfh_err *err);

/*
 * After a write transaction was aborted or failed to commit: rebuild the
 * in-memory key generations from the store, dropping any that a key event
 * of that transaction had added.
 */
void lfh_node_reload_keys(lfh_node *n);

/* Retention in its own durable transaction (lfh_policy_retention); no-op without an ISA. */
int lfh_node_retention(lfh_node *n, uint64_t now_ms, uint64_t *count, lfh_err *err);

#endif
