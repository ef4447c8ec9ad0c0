/*
 * ctl.h - what control commands share: the request being served, its reply
 * under construction, and helpers. The server (node/control/control.c) decodes
 * requests, runs each write inside the round's write transaction and each
 * read-only command in a read transaction of its own, audits it and sends
 * the reply; commands live in node/ctl_*.c, one file per group:
 *   ctl_status.c status, hello
 *   ctl_case.c  referral_new, note_add, case_list, case_show
 *   ctl_gov.c   case_invite, case_remove, case_close, isa_show, isa_propose, isa_sign, isa_withdraw,
 *               isa_explain, retention_run
 *   ctl_osara.c case_step, case_state, due (OSARA case work)
 *   ctl_import.c import_batch (lfh import: a hub's history from its earlier system)
 *   ctl_audit.c audit_list
 *   ctl_report.c report_performance, report_tactical (and re-referral links)
 *   ctl_keys.c  keys_list, keys_rotate, keys_revoke, keys_rotate_sharing
 *   ctl_backup.c backup (a hot copy of the store and the key directory), recovery_skip
 *   ctl_correct.c case_amend, case_redact, case_reopen (correcting the record)
 *   ctl_export.c case_chronology, sar (a court chronology, a subject access export)
 *   ctl_attach.c attach_put, attach_commit, attachment_get (files attached to a case)
 *   ctl_users.c user_add, user_revoke, user_list; caseworker authentication
 *               and role permissions (lfh_ctl_authorize, PROTOCOL.md 10.1)
 * A command returns 0, or a status after lfh_ctl_fail; only store failures
 * (LFH_ESTORE, LFH_ENOMEM, LFH_EIO) abort the round: validation failures
 * must be detected before the command writes anything. A read-only command
 * (control.c's table) gets a read transaction, in which the store refuses
 * every write; one that scans many cases calls lfh_ctl_yield between them.
 */
#ifndef LFH_CTL_H
#define LFH_CTL_H

#include <stdint.h>

#include <zmq.h>

#include "lfh/node.h"
#include "lfh/osara.h"
#include "lfh/record.h"
#include "lfh/store.h"
#include "lfh/sync.h"
#include "lfh/write.h"

/* Longest caseworker name ("by") a request may carry: what the OSARA record keeps. */
#define LFH_CTL_BY_MAX 63

typedef struct lfh_ctl_reply {
	int code;
	char message[LFH_ERRMSG_MAX];
	size_t n, cap;
	lfh_record *recs;
	size_t sized, bytes; /* lfh_ctl_reply_bytes: records counted, their bytes */
} lfh_ctl_reply;

typedef struct lfh_ctl_req {
	zmq_msg_t rid;       /* the client's routing id (server only) */
	lfh_record req;      /* the request's fields ("cmd", "by", ...) */
	lfh_ctl_reply rep;
	lfh_node *node;
	lfh_sync *sync;
	int wrote;           /* an event was written: notify wr's recipients */
	lfh_write_result wr;
	char case_hex[2 * LFH_CASE_LEN + 1]; /* the case touched, for the audit log */
	uint64_t received_us; /* when the server took it off the socket (monotonic; server only) */
	void (*yield)(void *ctx); /* for a read: lfh_ctl_yield's hook (server only), or NULL */
	void *yield_ctx;
	int let_pass;        /* a bulk write that let the other writes' round go first (server only) */
	int refused_early;   /* refused on arrival (undecoded, not UTF-8): never authenticated */
	uint8_t (*read_whole)[LFH_CASE_LEN]; /* cases whose entries it answered (a SAR), each */
	size_t nread_whole;                  /* audited as well (malloc'd; the server frees it) */
} lfh_ctl_req;

/*
 * A read-only command scanning many cases (or entries) calls this between
 * two of them: the server may then run writes that are waiting, in their
 * own write transaction, while the read's transaction keeps its snapshot.
 * The read must hold nothing across the call but its own data and the store
 * (no pointer into the node's ISA, keys, users or configuration). Cheap
 * when nothing waits; no-op for a write.
 */
void lfh_ctl_yield(lfh_ctl_req *q);

/*
 * Listings answer in pages of at most LFH_CTL_PAGE_MAX records; a page that
 * stops early ends with one more record holding only `next`: what the
 * client sends as `after` to get the following page (PROTOCOL.md 10).
 */
#define LFH_CTL_PAGE_MAX 500
/* A page also stops once its records pass this many bytes (an entry may hold
 * 16 KiB texts): well under the frame limit, whatever the records hold. */
#define LFH_CTL_PAGE_BYTES (1024 * 1024)
/* At most how many bytes the records of r encode to (counting those added since the last call). */
size_t lfh_ctl_reply_bytes(lfh_ctl_reply *r);
/* Cases looked at for one page at most: a page of a rare filter's matches ends there, so
 * that no listing request holds the node for long (the client asks for the next). */
#define LFH_CTL_SCAN_MAX 2000
int lfh_ctl_next_page(lfh_ctl_reply *r, const uint8_t *last, size_t len);

/* A listing of cases paged by case id: what the request asks, and where the page stops. */
typedef struct lfh_ctl_page {
	uint64_t limit;              /* records in a page */
	int has_after;
	uint8_t after[LFH_CASE_LEN]; /* the request's `after`: start above this case */
	uint8_t last[LFH_CASE_LEN];  /* the last case looked at for this page */
	uint64_t scanned;            /* cases looked at */
	uint64_t scan_max;           /* at most (request field `scan`; default LFH_CTL_SCAN_MAX) */
	int full;
} lfh_ctl_page;

/* Read `after` and `limit` of the request (LFH_EINVAL after lfh_ctl_fail if malformed). */
int lfh_ctl_page_begin(lfh_ctl_req *q, lfh_ctl_page *pg);
/* Before looking at a case: 1 (stop the scan) if the page is full (limit records, or
 * LFH_CTL_PAGE_BYTES), or LFH_CTL_SCAN_MAX cases were looked at, else 0. */
int lfh_ctl_page_stop(lfh_ctl_page *pg, lfh_ctl_reply *r,
		      const uint8_t case_id[LFH_CASE_LEN]);
/* After the scan: close the page with a `next` record if it stopped early. */
int lfh_ctl_page_end(lfh_ctl_req *q, const lfh_ctl_page *pg);

/*
 * Would this agency's step (type, body) be valid on the case as projected
 * here? 0, or the status after lfh_ctl_fail with the rule it breaks. With
 * unreadable_ok, a case whose referral this node cannot read passes (its
 * readers judge the step).
 */
int lfh_ctl_step_allowed(lfh_ctl_req *q, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			 uint32_t type, const lfh_record *body, int unreadable_ok);

/*
 * Whether a new referral of ours (case_id) may go to the agencies to[]: the
 * ISA's recipients rules, or (no ISA) membership. Checked before the
 * referral takes a reference number, so a refused one takes none (the
 * numbers of a lead's cases show no gap). 0 or why not.
 */
int lfh_ctl_referral_recipients_ok(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
				   const char *const *to, size_t nto, lfh_err *err);

/*
 * Copy the request's "on" (when it happened) and "team" (the writer's team,
 * set by lfh_ctl_authorize) into body, checked as the OSARA rules check them
 * (LFH_EINVAL after lfh_ctl_fail if not).
 */
int lfh_ctl_stamp(lfh_ctl_req *q, lfh_record *body);

/*
 * Where a case stands, from its projected state st (lfh_node_project): stage,
 * current risk, lead, participants and the next item due (kind, date as the
 * last day on time, what), added to out. now_ms decides what is due.
 */
int lfh_ctl_case_progress(const lfh_osara_state *st, uint64_t now_ms, lfh_record *out,
			  lfh_err *err);

/*
 * The case (one record, section "case": as case_show's first, with where it
 * stands) and, with entries, every entry held (section "entry": as
 * case_show's, with corrections and redactions applied) appended to q's
 * reply. st is the case's projection.
 */
int lfh_ctl_case_records(lfh_ctl_req *q, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			 const lfh_osara_state *st, int entries, lfh_err *err);

/*
 * One page of the timeline of the request's `case` (case_show,
 * case_chronology): the case record (first page only), then its entries
 * from the request's `after`, as many as `limit` and LFH_CTL_PAGE_BYTES
 * allow, then `next` if more follow. With sections, records carry
 * `section` ("case", "entry") as lfh_ctl_case_records' do. 0, or the status
 * after lfh_ctl_fail.
 */
int lfh_ctl_case_timeline(lfh_ctl_req *q, lfh_txn *t, int sections);

/* Has the projected case an overdue item (as lfh due says), or one for agency (NULL: any)? */
int lfh_ctl_case_overdue(const lfh_osara_state *st, uint64_t now_ms, const char *agency);

/*
 * Is q a case_chronology read for a subject access export (`for` = `sar`)?
 * It needs the manager role, as sar does, and is audited as `sar`.
 */
int lfh_ctl_audited_as_sar(const lfh_ctl_req *q);

/* A new, zeroed record at the end of the reply (NULL when out of memory). */
lfh_record *lfh_ctl_add(lfh_ctl_reply *r);
/* Free the reply's records and zero it. */
void lfh_ctl_reply_clear(lfh_ctl_reply *r);
/* Set the reply's error; returns code. */
int lfh_ctl_fail(lfh_ctl_reply *r, int code, const char *msg);
/* A required string field of at most max bytes, or NULL after lfh_ctl_fail. */
const char *lfh_ctl_need(const lfh_record *req, const char *key, size_t max, lfh_ctl_reply *r);
/*
 * The case the request's `case` names (set as q->case_hex, for the audit),
 * projected here into *st (malloc'd: the caller frees it). 0, or the status
 * after lfh_ctl_fail (*st NULL).
 */
int lfh_ctl_project_case(lfh_ctl_req *q, lfh_txn *t, uint8_t case_id[LFH_CASE_LEN],
			 lfh_osara_state **st);
/*
 * The case as a listing reads it (due, case list, reports): its summary when
 * the node keeps one (include/lfh/summary.h: only the fields those read are
 * set), else (or if the request says `recompute`) its projection. 1 from a
 * summary, 0 projected, or an error.
 */
int lfh_ctl_case_digest(lfh_ctl_req *q, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			lfh_osara_state *st, lfh_err *err);
/* The request's `category` (default "referral"), a valid name; NULL after lfh_ctl_fail. */
const char *lfh_ctl_category(lfh_ctl_req *q);
/* Resolve a case id or unique prefix (>= 8 hex digits) held here. */
int lfh_ctl_find_case(lfh_txn *t, const char *hex, uint8_t case_id[LFH_CASE_LEN], lfh_ctl_reply *r);
/* The ISA category an OSARA step's data belongs to ("meeting-notes", "actions",
 * falling back to "referral"). */
const char *lfh_ctl_step_category(lfh_node *n, uint32_t type);
/*
 * A RISK step's body completed as case_step does: with the node's
 * questionnaire and answers, the score and level are computed (a score
 * given must match; a different level needs an override reason); without
 * one the body gives the score (and the level, if not the score's). The
 * parameters used go into the body so every node validates and projects it
 * the same way. 0 or LFH_EINVAL (err says why).
 */
int lfh_ctl_risk_fill(const lfh_node *n, lfh_record *body, lfh_err *err);
/* "YYYY-MM-DDTHH:MM:SSZ" of wall-clock milliseconds. */
void lfh_ctl_time(uint64_t ms, char out[32]);
/* lfh_node_write, then reply {case, event, hlc}. */
int lfh_ctl_write(lfh_ctl_req *q, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], uint32_t type,
		  const char *category, const char *const *to, size_t nto, const lfh_record *body);
/* Reply {case, event, hlc} for the write recorded in q->wr. */
int lfh_ctl_written(lfh_ctl_req *q, const uint8_t case_id[LFH_CASE_LEN]);

int ctl_status(lfh_ctl_req *q, lfh_txn *t);
/* Who this node is (agency, hub id): needs no signature, is not audited, so
 * a client can name the node in the requests it signs (PROTOCOL.md 10.1). */
int ctl_hello(lfh_ctl_req *q, lfh_txn *t);
int lfh_ctl_is_hello(const lfh_ctl_req *q);
int ctl_referral_new(lfh_ctl_req *q, lfh_txn *t);
int ctl_note_add(lfh_ctl_req *q, lfh_txn *t);
int ctl_case_list(lfh_ctl_req *q, lfh_txn *t);
int ctl_case_show(lfh_ctl_req *q, lfh_txn *t);
int ctl_case_search(lfh_ctl_req *q, lfh_txn *t);
int ctl_case_invite(lfh_ctl_req *q, lfh_txn *t);
int ctl_case_remove(lfh_ctl_req *q, lfh_txn *t);
int ctl_case_close(lfh_ctl_req *q, lfh_txn *t);
int ctl_isa_show(lfh_ctl_req *q, lfh_txn *t);
int ctl_isa_propose(lfh_ctl_req *q, lfh_txn *t);
int ctl_isa_sign(lfh_ctl_req *q, lfh_txn *t);
int ctl_isa_withdraw(lfh_ctl_req *q, lfh_txn *t);
int ctl_isa_explain(lfh_ctl_req *q, lfh_txn *t);
int ctl_retention_run(lfh_ctl_req *q, lfh_txn *t);
int ctl_case_step(lfh_ctl_req *q, lfh_txn *t);
int ctl_case_state(lfh_ctl_req *q, lfh_txn *t);
int ctl_due(lfh_ctl_req *q, lfh_txn *t);
int ctl_audit_list(lfh_ctl_req *q, lfh_txn *t);
int ctl_report_performance(lfh_ctl_req *q, lfh_txn *t);
int ctl_report_tactical(lfh_ctl_req *q, lfh_txn *t);
int ctl_user_add(lfh_ctl_req *q, lfh_txn *t);
int ctl_user_revoke(lfh_ctl_req *q, lfh_txn *t);
int ctl_user_list(lfh_ctl_req *q, lfh_txn *t);
int ctl_keys_list(lfh_ctl_req *q, lfh_txn *t);
int ctl_keys_rotate(lfh_ctl_req *q, lfh_txn *t);
int ctl_keys_revoke(lfh_ctl_req *q, lfh_txn *t);
int ctl_keys_rotate_sharing(lfh_ctl_req *q, lfh_txn *t);
int ctl_backup(lfh_ctl_req *q, lfh_txn *t);
int ctl_recovery_skip(lfh_ctl_req *q, lfh_txn *t);
int ctl_case_amend(lfh_ctl_req *q, lfh_txn *t);
int ctl_case_redact(lfh_ctl_req *q, lfh_txn *t);
int ctl_case_reopen(lfh_ctl_req *q, lfh_txn *t);
int ctl_case_chronology(lfh_ctl_req *q, lfh_txn *t);
int ctl_sar(lfh_ctl_req *q, lfh_txn *t);
int ctl_import_batch(lfh_ctl_req *q, lfh_txn *t);
int ctl_attach_put(lfh_ctl_req *q, lfh_txn *t);
int ctl_attach_commit(lfh_ctl_req *q, lfh_txn *t);
int ctl_attachment_get(lfh_ctl_req *q, lfh_txn *t);
/* Forget every upload in progress (node/control/ctl_attach.c), zeroing its bytes. */
void lfh_ctl_attach_free(void);

/*
 * Signed requests seen recently: (user, nonce) of every request that passed
 * authentication in the last LFH_CTL_REPLAY_MS, oldest first in a ring that
 * grows as needed (up to LFH_CTL_SEEN_MAX entries). In memory only: a
 * request's ts must be within LFH_CTL_SKEW_MS of the node's clock, so once
 * an entry expires its request is refused as too old anyway.
 */
#define LFH_CTL_SKEW_MS 300000u
#define LFH_CTL_REPLAY_MS (2u * LFH_CTL_SKEW_MS)
#define LFH_CTL_SEEN_MAX (1u << 18)
typedef struct lfh_ctl_seen_entry {
	uint64_t ms;                 /* when it was seen (wall clock) */
	uint8_t nonce[16];
	char user[LFH_CTL_BY_MAX + 1];
} lfh_ctl_seen_entry;
typedef struct lfh_ctl_seen {
	lfh_ctl_seen_entry *e;
	size_t cap, head, n;         /* ring: n entries from head */
	uint64_t since_ms;           /* when the ring began (the node started): earlier
				      * requests may have been seen by a node that forgot them */
} lfh_ctl_seen;
void lfh_ctl_seen_free(lfh_ctl_seen *s);

/*
 * Before a request runs: authenticate it and check the user's role may run
 * its command (PROTOCOL.md 10.1). While no active admin is registered every
 * request is accepted as it comes (bootstrap). Otherwise the request must be
 * signed by an active registered user, at or after seen->since_ms (a request
 * signed before the node started may have been served by the node before
 * it forgot its nonces); its "by" becomes that user's name and
 * the authentication fields (user, ts, nonce, sig) are removed. Returns 0,
 * or a status after lfh_ctl_fail (LFH_EPERM for a refusal; the request's
 * "by" is then the claimed user, for the audit log).
 */
int lfh_ctl_authorize(lfh_ctl_req *q, lfh_txn *t, lfh_ctl_seen *seen);

/* s trimmed (ASCII white space) and lower-cased into out: the form in which
 * subjects, locations and victims are matched. */
void lfh_ctl_norm(const char *s, char *out, size_t size);
/*
 * The case held here, referred within 365 days before now_ms, with the same
 * subject (non-empty) or location (non-empty) as given, compared after
 * lfh_ctl_norm; the most recent such referral wins. out = its hex id, or ""
 * if none. Referrals not readable here are not considered.
 */
int lfh_ctl_find_rereferral(lfh_node *n, lfh_txn *t, const char *subject, const char *location,
			    uint64_t now_ms, char out[2 * LFH_CASE_LEN + 1], lfh_err *err);

#endif
