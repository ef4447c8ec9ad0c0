/*
 * store.h - the node's durable state in LMDB.
 *
 * One LMDB environment per node (data_dir/data.mdb, mode 0600), opened with
 * sync on: a committed write transaction survives a crash or power cut.
 * Named databases (all keys big-endian so byte order = numeric order;
 * agency ids and categories are zero-padded to 32 bytes in keys):
 *   events    id(32)                          -> envelope bytes
 *   log       lseq(8)                         -> id(32)   local arrival order
 *   by_author author(32) seq(8)               -> id(32)
 *   by_rcpt   rcpt(32) lseq(8)                -> id(32)   what to serve a peer
 *   by_slot   author(32) rcpt(32) ctr(8)      -> id(32)   gap detection
 *   by_case   case(16) hlc(8) id(32)          -> ""
 *   cases     case(16)                        -> record (non-secret metadata)
 *   keys      case(16) cat(32) creator(32) epoch(4) -> wrapped key (72: see lfh_store_set_kek)
 *   grants    case(16) cat(32) creator(32) epoch(4) agency(32) -> ""
 *   peers     agency(32)                      -> cursor(8)  peer's lseq we hold up to
 *   meta      name (str)                      -> u64(8)
 *   evidence  id(32)                          -> envelope  (equivocations)
 *   audit     aseq(8)                         -> record
 *   tables    table(1) key                    -> value    (governance tables below)
 * Every change goes through a write transaction (one per batch: group
 * commit); readers use read transactions and never block the writer.
 */
#ifndef LFH_STORE_H
#define LFH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/record.h"

typedef struct lfh_store lfh_store;
typedef struct lfh_txn lfh_txn;

#define LFH_STORE_DEFAULT_MAP ((size_t)16 << 30)

/*
 * The store's format, kept in meta "store_format": 1 (no such meta) kept
 * participants in case records and sharing keys unwrapped; 2 has the
 * PARTIES table, wrapped keys and an incarnation; 3 appends each new
 * envelope to `envelopes` under its lseq, `events` mapping its id to that
 * lseq (format 2's envelopes, inline in `events`, are read as they are: the
 * step from 2 rewrites nothing). A node migrates an older store at open and
 * refuses a newer one without touching it.
 */
#define LFH_STORE_FORMAT 3

/*
 * A consistent, compacted copy of the whole store into the existing empty
 * directory dir (dir/data.mdb), made from one read transaction while the
 * node runs (LMDB's mdb_env_copy2 with MDB_CP_COMPACT).
 */
int lfh_store_copy(lfh_store *s, const char *dir, lfh_err *err);

/* Open (creating if needed) the store in dir; map_size 0 = default 16 GiB. */
int lfh_store_open(lfh_store **out, const char *dir, size_t map_size, lfh_err *err);
/*
 * Open an existing store read-only (lfhd --check, beside a running lfhd):
 * nothing is created or written; write transactions fail. LFH_ENOTFOUND if
 * a table is missing (an earlier format, which lfhd migrates at start).
 */
int lfh_store_open_readonly(lfh_store **out, const char *dir, lfh_err *err);
void lfh_store_close(lfh_store *s);

/*
 * How much of the LMDB map is in use (pages up to the last one used, in
 * bytes) and the map's size, for monitoring. Needs no transaction.
 */
void lfh_store_usage(lfh_store *s, uint64_t *used, uint64_t *size);

/* Begin a read (write = 0) or write (write = 1) transaction. */
int lfh_txn_begin(lfh_store *s, int write, lfh_txn **out, lfh_err *err);
/* Commit (durably, for write txns) and free the txn, even on failure. */
int lfh_txn_commit(lfh_txn *t, lfh_err *err);
/* Abandon and free the txn. Safe on NULL. */
void lfh_txn_abort(lfh_txn *t);

typedef struct lfh_put_result {
	int was_new;        /* 0: the same event id was already stored (duplicate) */
	uint64_t lseq;      /* local arrival sequence (of the stored copy) */
} lfh_put_result;

/*
 * Store a decoded, already verified event (raw = its envelope, id = its id)
 * and index it. Idempotent by id. If another event already holds the same
 * (author, seq) or (author, recipient, ctr) slot, the new one is kept in
 * `evidence` only (the first such per (author, seq); later ones are not
 * kept) and LFH_EEQUIV is returned (the txn stays usable).
 */
int lfh_store_put_event(lfh_txn *t, const uint8_t *raw, size_t len, const lfh_event *ev,
			const uint8_t id[LFH_ID_LEN], lfh_put_result *res, lfh_err *err);

/* Whether an event of this id is stored: 1, 0, or a negative status. One
 * lookup, cheaper than lfh_store_get_event (catch-up asks it of every event). */
int lfh_store_has_event(lfh_txn *t, const uint8_t id[LFH_ID_LEN], lfh_err *err);

/* Borrow an event's envelope (valid until the txn ends). LFH_ENOTFOUND. */
int lfh_store_get_event(lfh_txn *t, const uint8_t id[LFH_ID_LEN], const uint8_t **raw,
			size_t *len, lfh_err *err);

/*
 * Scan callback: return 0 to go on, 1 to stop early (scan returns 0), or a
 * negative status to abort (scan returns it). raw/len borrow from the txn.
 */
typedef int (*lfh_scan_fn)(void *ctx, uint64_t key, const uint8_t id[LFH_ID_LEN],
			   const uint8_t *raw, size_t len);

/* Events addressed to rcpt in local order with lseq > after; key = lseq. */
int lfh_store_scan_rcpt(lfh_txn *t, const char *rcpt, uint64_t after, lfh_scan_fn fn,
			void *ctx, lfh_err *err);

/* Events held in slots (author, rcpt, ctr) with from <= ctr <= to; key = ctr. */
int lfh_store_scan_slots(lfh_txn *t, const char *author, const char *rcpt, uint64_t from,
			 uint64_t to, lfh_scan_fn fn, void *ctx, lfh_err *err);

/* Events of a case ordered by (hlc, id); key = hlc. */
int lfh_store_scan_case(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], lfh_scan_fn fn,
			void *ctx, lfh_err *err);
/* The same, from the events stamped from_hlc on (key = hlc). */
int lfh_store_scan_case_from(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], uint64_t from_hlc,
			     lfh_scan_fn fn, void *ctx, lfh_err *err);

/* Events by one author with seq >= from; key = seq. */
int lfh_store_scan_author(lfh_txn *t, const char *author, uint64_t from, lfh_scan_fn fn,
			  void *ctx, lfh_err *err);

/*
 * The HLCs of the events of `author` held here just below and just above
 * seq (an event at seq itself is neither): *below = 0 and *above =
 * UINT64_MAX where there is none (or it was shredded).
 */
int lfh_store_author_hlc_around(lfh_txn *t, const char *author, uint64_t seq, uint64_t *below,
				uint64_t *above, lfh_err *err);

/* Highest local sequence stored (0 if empty), and number of events. */
int lfh_store_log_head(lfh_txn *t, uint64_t *head, lfh_err *err);
int lfh_store_event_count(lfh_txn *t, uint64_t *count, lfh_err *err);
int lfh_store_evidence_count(lfh_txn *t, uint64_t *count, lfh_err *err);
/*
 * Keep ev (id, envelope raw) as evidence of its author's misbehaviour found
 * by a rule (its stamps against its seq order), as an equivocation is kept:
 * the first per (author, seq) only. 0 (kept, or one kept already) or a
 * store error.
 */
int lfh_store_keep_evidence(lfh_txn *t, const lfh_event *ev, const uint8_t id[LFH_ID_LEN],
			    const uint8_t *raw, size_t len, lfh_err *err);
/* Every piece of evidence kept (key 0, its id, its envelope), in id order. */
int lfh_store_scan_evidence(lfh_txn *t, lfh_scan_fn fn, void *ctx, lfh_err *err);
/* Drop a piece of evidence, and the record of its (author, seq) slot if it names it (shredding). */
int lfh_store_evidence_del(lfh_txn *t, const uint8_t id[LFH_ID_LEN], const char *author,
			   uint64_t seq, lfh_err *err);

/* Case metadata records. get: LFH_ENOTFOUND; r must be zeroed, caller clears it. */
int lfh_store_case_put(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const lfh_record *r,
		       lfh_err *err);
int lfh_store_case_get(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], lfh_record *r,
		       lfh_err *err);

typedef int (*lfh_case_fn)(void *ctx, const uint8_t case_id[LFH_CASE_LEN], const lfh_record *r);
/* Every case in id order. Callback return values as for lfh_scan_fn. */
int lfh_store_scan_cases(lfh_txn *t, lfh_case_fn fn, void *ctx, lfh_err *err);
/* The same, from the first case whose id is above `after` (every case if after is NULL). */
int lfh_store_scan_cases_after(lfh_txn *t, const uint8_t *after, lfh_case_fn fn, void *ctx,
			       lfh_err *err);

/*
 * Resolve a case id prefix of n bytes (1..16): LFH_ENOTFOUND if no case
 * starts with it, LFH_EAMBIG if several do.
 */
/* The same by hex digits: prefix holds (digits + 1) / 2 bytes, the last one's
 * high nibble alone counting when digits is odd (ids are typed as hex). */
int lfh_store_case_lookup_digits(lfh_txn *t, const uint8_t *prefix, size_t digits,
				 uint8_t case_id[LFH_CASE_LEN], lfh_err *err);
int lfh_store_case_lookup(lfh_txn *t, const uint8_t *prefix, size_t n,
			  uint8_t case_id[LFH_CASE_LEN], lfh_err *err);
/* The same over stored events (ids of LFH_ID_LEN bytes): an event named by its first digits. */
int lfh_store_event_lookup_digits(lfh_txn *t, const uint8_t *prefix, size_t digits,
				  uint8_t id[LFH_ID_LEN], lfh_err *err);

/* Sharing keys by name. get: LFH_ENOTFOUND (a missing key is a gap, not a blank). */
int lfh_store_key_put(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *category,
		      const char *creator, uint32_t epoch, const uint8_t key[32], lfh_err *err);
int lfh_store_key_get(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *category,
		      const char *creator, uint32_t epoch, uint8_t key[32], lfh_err *err);

/* Which agencies a sharing key has been granted (sealed) to. has: 1 or 0. */
int lfh_store_grant_put(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *category,
			const char *creator, uint32_t epoch, const char *agency, lfh_err *err);
int lfh_store_grant_has(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *category,
			const char *creator, uint32_t epoch, const char *agency, int *has,
			lfh_err *err);

/*
 * The key-encryption key sharing keys are kept under in `keys` (32 bytes,
 * copied; from key_dir/store.key: lfh_kek_load). Needed before any
 * lfh_store_key_put / _get. Keys an earlier build kept in the clear are
 * wrapped now, in one transaction.
 */
int lfh_store_set_kek(lfh_store *s, const uint8_t kek[32], lfh_err *err);

/*
 * Subkey id of the key-encryption key (libsodium crypto_kdf, context
 * "lfhstore"): a secret the store would otherwise keep in the clear, so
 * that data.mdb alone gives nothing away. Id 1: the re-referral index's
 * keyed hash (node/core/reref.c). LFH_ECONFIG without a kek.
 */
int lfh_store_subkey(lfh_txn *t, uint64_t id, uint8_t out[32], lfh_err *err);

/* Replication cursor for a peer (0 if never pulled). */
int lfh_store_cursor_get(lfh_txn *t, const char *peer, uint64_t *cursor, lfh_err *err);
int lfh_store_cursor_put(lfh_txn *t, const char *peer, uint64_t cursor, lfh_err *err);

/* Named u64 counters (own seq, HLC, per-recipient counters). get: 0 if absent. */
int lfh_store_meta_get(lfh_txn *t, const char *name, uint64_t *val, lfh_err *err);
int lfh_store_meta_put(lfh_txn *t, const char *name, uint64_t val, lfh_err *err);

/* A per-agency meta counter's name, "<prefix>:<agency>" ("ctr:housing", "seen:police"). */
#define LFH_META_NAME_BUF 64
void lfh_store_meta_name(char out[LFH_META_NAME_BUF], const char *prefix, const char *agency);

/* Append to the local audit log (append-only: no update or delete API). */
int lfh_store_audit_append(lfh_txn *t, const lfh_record *r, lfh_err *err);

typedef int (*lfh_audit_fn)(void *ctx, uint64_t aseq, const lfh_record *r);
int lfh_store_scan_audit(lfh_txn *t, uint64_t after, lfh_audit_fn fn, void *ctx, lfh_err *err);

/*
 * Governance tables: small keyed tables in one LMDB db, for state the ISA
 * and retention logic keep (node/rules/policy.c documents each table's keys).
 */
enum lfh_table {
	LFH_TBL_ISA = 0,       /* version(4 BE) -> canonical ISA bytes (adopted versions) */
	LFH_TBL_PROPOSAL = 1,  /* isa hash(32) -> canonical ISA bytes (proposed) */
	LFH_TBL_ISA_SIG = 2,   /* isa hash(32) agency(32) -> signing event id(32) */
	LFH_TBL_BACKFILL = 3,  /* event id(32) -> "" : earlier event shared with us on joining */
	LFH_TBL_SHRED = 4,     /* case(16) category(32) -> shred record */
	LFH_TBL_USERS = 5,     /* user name (1..63 bytes) -> user record (node/control/ctl_users.c) */
	LFH_TBL_KEYGEN = 6,    /* certified key generations (include/lfh/keyring.h) */
	LFH_TBL_REVOKED = 7,   /* key revocations (include/lfh/keyring.h) */
	LFH_TBL_PARTIES = 8,   /* case(16) agency(32) -> "" : the case's participants */
	LFH_TBL_HELD = 9,      /* case(16) id(32) -> envelope: received, kept aside (judge.h) */
	LFH_TBL_EVIDENCE_SLOT = 10, /* author(32) seq(8) -> id(32): the one evidence kept per slot */
	LFH_TBL_REFS = 11,     /* case reference (capitals) -> case(16) (node/core/write.c) */
	LFH_TBL_IMPORT = 12,   /* bulk import (node/control/ctl_import.c): 'c' ext case id ->
				* case(16); 'r' row digest(16) occurrence(4) -> event id(32) */
	LFH_TBL_REMINDED = 13, /* case(16) kind(1) ref -> status(1) due_ms(8 BE) 0(7): the last
				* reminder of an item; case(16) 0 -> last_hlc(8) next_ms(8):
				* when to look at the case again (node/core/remind.c) */
	LFH_TBL_REREF = 14,    /* re-referral index (node/core/reref.c): 'S'|'L' mac(16) hlc(8)
				* case(16) -> ""; "k" -> the node's secret; "r" -> built */
	LFH_TBL_SUMMARY = 15,  /* what listings and reports read of a case (include/lfh/summary.h):
				* case(16) 'h' -> header; case(16) kind(1) index(2) -> part.
				* Derived data: whoever shreds an event of the case drops it */
	LFH_TBL_COUNT
};

typedef int (*lfh_tbl_fn)(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val,
			  size_t vlen);

/* Put / get (borrowed until the txn ends; LFH_ENOTFOUND) one entry (key <= 255 bytes). */
int lfh_store_tbl_put(lfh_txn *t, enum lfh_table tbl, const void *key, size_t klen,
		      const void *val, size_t vlen, lfh_err *err);
int lfh_store_tbl_get(lfh_txn *t, enum lfh_table tbl, const void *key, size_t klen,
		      const uint8_t **val, size_t *vlen, lfh_err *err);
/* Delete one entry (0 also if absent). */
int lfh_store_tbl_del(lfh_txn *t, enum lfh_table tbl, const void *key, size_t klen, lfh_err *err);
/* Entries whose key starts with prefix (plen may be 0), in key order. */
int lfh_store_tbl_scan(lfh_txn *t, enum lfh_table tbl, const void *prefix, size_t plen,
		       lfh_tbl_fn fn, void *ctx, lfh_err *err);
/*
 * The last entry whose key starts with prefix and sorts before `below` (a
 * key that starts with prefix too): fn is called once with it, or not at
 * all. One seek, however many entries share the prefix.
 */
int lfh_store_tbl_last_below(lfh_txn *t, enum lfh_table tbl, const void *prefix, size_t plen,
			     const void *below, size_t blen, lfh_tbl_fn fn, void *ctx,
			     lfh_err *err);

/*
 * Crypto-shredding: drop an event's bytes (and its place in by_case); its
 * slot and recipient index entries stay, so counters show no gap, and every
 * scan skips it. Deleting a (case, category)'s sharing keys makes every
 * other copy of its ciphertext unreadable too.
 */
int lfh_store_shred_event(lfh_txn *t, const uint8_t id[LFH_ID_LEN],
			  const uint8_t case_id[LFH_CASE_LEN], uint64_t hlc, lfh_err *err);
int lfh_store_keys_delete(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *category,
			  uint64_t *deleted, lfh_err *err);

/* Names of every sharing key held (never the keys): fn returns 0 to go on, 1 to stop. */
typedef int (*lfh_keyname_fn)(void *ctx, const uint8_t case_id[LFH_CASE_LEN], const char *category,
			      const char *creator, uint32_t epoch);
int lfh_store_scan_key_names(lfh_txn *t, lfh_keyname_fn fn, void *ctx, lfh_err *err);
/* The same, for one case's keys only. */
int lfh_store_scan_case_key_names(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
				  lfh_keyname_fn fn, void *ctx, lfh_err *err);

/* Serve an event we hold to one more agency (backfill): a new local sequence for it. */
int lfh_store_rcpt_add(lfh_txn *t, const char *rcpt, const uint8_t id[LFH_ID_LEN], lfh_err *err);

#endif
