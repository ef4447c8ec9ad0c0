/*
 * ingest.c - receiving events from peers (include/lfh/ingest.h):
 * verification (PROTOCOL.md section 7: the keyring's and the rules'
 * judgement), holding what depends on events not held yet, storing, and gap
 * detection over per-(author, us) counters. The catch-up pipeline, which
 * decodes and checks the signatures of a batch on a worker pool while the
 * previous batch is stored, is node/sync/ingest_pipe.c. Writing our own
 * events is node/core/write.c.
 *
 * Invariant: an event is stored only after every check passed: strict
 * decode, our hub id, a member author, a key generation of the author valid
 * at the event's time (keyring.h) whose signature matches, the ISA's rules
 * (policy.h), and (unless we wrote it) that we are one of its recipients.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "lfh/hlc.h"
#include "lfh/ingest.h"
#include "lfh/isa.h"
#include "lfh/judge.h"
#include "lfh/keyring.h"
#include "lfh/log.h"
#include "lfh/membership.h"
#include "lfh/osara.h"
#include "lfh/parties.h"
#include "lfh/policy.h"
#include "lfh/project.h"
#include "lfh/sharing.h"
#include "lfh/write.h"

#include "ingest_int.h"

/*
 * The sharing key a KEY event we received grants us, opened before the
 * event is stored (PROTOCOL.md 7), with any generation of ours key_dir
 * holds (lfh_node_open_grant): a grant to us that none opens refuses the
 * event (LFH_ECRYPTO), so that it is never stored with its key lost, and
 * it stays a gap, visible as missing (lfh status). *have: 1 when key holds
 * the key to keep once the event is stored; 0 when there is nothing to keep
 * (no grant to us, or a passed-on key we hold already).
 */
static int open_key_grant(lfh_node *n, lfh_txn *t, const lfh_event *ev, uint8_t key[32], int *have,
			  lfh_err *err)
{
	lfh_key_body kb;
	int rc;

	*have = 0;
	if (ev->type != LFH_EV_KEY)
		return 0;
	if ((rc = lfh_key_body_decode(ev->body, ev->body_len, &kb, err)))
		return rc;
	/* Without an ISA only a key's creator grants it; with one, a participant
	 * may pass on a key it holds to a newcomer (backfill). */
	if (strcmp(kb.creator, ev->author) != 0 && !n->rules.isa)
		return lfh_err_set(err, LFH_EPERM, "key event by %s grants a key of %s", ev->author,
				   kb.creator);
	for (uint32_t i = 0; i < kb.ngrants; i++) {
		uint8_t held[32];
		if (strcmp(kb.grants[i].agency, n->id->pub.agency) != 0)
			continue;
		rc = lfh_store_key_get(t, ev->case_id, ev->category, kb.creator, kb.epoch, held, NULL);
		sodium_memzero(held, sizeof held);
		if (rc == 0 && strcmp(kb.creator, ev->author) != 0)
			return 0; /* already held: only the creator's own grant replaces it */
		if ((rc = lfh_node_open_grant(n, kb.grants[i].sealed, key, err))) {
			char what[LFH_AGENCY_MAX + 64];
			snprintf(what, sizeof what, "KEY event by %s seq %llu", ev->author,
				 (unsigned long long)ev->seq);
			return lfh_err_prefix(err, what);
		}
		*have = 1;
		return 0;
	}
	return 0; /* our own key event relayed back: nothing to open */
}

/* open_key_grant into sodium memory: *key is the key to keep (free with sodium_free), or NULL. */
static int open_grant(lfh_node *n, lfh_txn *t, const lfh_event *ev, uint8_t **key, lfh_err *err)
{
	int have = 0, rc;

	if (!(*key = sodium_malloc(32)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	rc = open_key_grant(n, t, ev, *key, &have, err);
	if (rc || !have) {
		sodium_free(*key);
		*key = NULL;
	}
	return rc;
}

/* Keep the key open_key_grant opened, now that its KEY event is stored. */
static int keep_granted_key(lfh_txn *t, const lfh_event *ev, const uint8_t key[32], lfh_err *err)
{
	lfh_key_body kb;
	int rc = lfh_key_body_decode(ev->body, ev->body_len, &kb, err);

	return rc ? rc : lfh_store_key_put(t, ev->case_id, ev->category, kb.creator, kb.epoch, key, err);
}

static int count_one(void *vctx, uint64_t key, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		     size_t len)
{
	(void)key;
	(void)id;
	(void)raw;
	(void)len;
	(*(uint64_t *)vctx)++;
	return 0;
}

/* Track which counters `author` has used for us, for gap detection. */
static int note_slot(lfh_node *n, lfh_txn *t, const lfh_event *ev, lfh_err *err)
{
	char seen_name[LFH_META_NAME_BUF], contig_name[LFH_META_NAME_BUF];
	uint64_t seen, contig, ctr;
	int idx = lfh_event_find_recipient(ev, n->id->pub.agency);
	int rc;

	if (idx < 0)
		return 0;
	ctr = ev->rcpt[idx].ctr;
	lfh_store_meta_name(seen_name, "seen", ev->author);
	lfh_store_meta_name(contig_name, "contig", ev->author);
	if ((rc = lfh_store_meta_get(t, seen_name, &seen, err)) ||
	    (rc = lfh_store_meta_get(t, contig_name, &contig, err)))
		return rc;
	if (ctr > seen && (rc = lfh_store_meta_put(t, seen_name, ctr, err)))
		return rc;
	if (ctr != contig + 1)
		return 0;
	/* Advance over any later counters that arrived out of order (looked up, not bounded by
	 * "seen": a store written by an earlier build may hold one it never counted). */
	contig = ctr;
	for (;;) {
		uint64_t present = 0;
		rc = lfh_store_scan_slots(t, ev->author, n->id->pub.agency, contig + 1, contig + 1,
					  count_one, &present, err);
		if (rc < 0)
			return rc;
		if (!present)
			break;
		contig++;
	}
	return lfh_store_meta_put(t, contig_name, contig, err);
}

/*
 * A plaintext body must be well formed before its event is stored, so that
 * applying it later cannot fail half-way and leave a rejected event behind.
 */
static int check_plain_body(lfh_node *n, const lfh_event *ev, lfh_err *err)
{
	lfh_key_body kb;
	lfh_record r = { 0 };
	lfh_isa *isa;
	const char *v;
	uint8_t hash[32];
	int rc = 0;

	switch (ev->type) {
	case LFH_EV_KEY:
		rc = lfh_key_body_decode(ev->body, ev->body_len, &kb, err);
		if (!rc && strcmp(kb.creator, ev->author) != 0 && !n->rules.isa)
			rc = lfh_err_set(err, LFH_EPERM, "key event by %s grants a key of %s",
					 ev->author, kb.creator);
		return rc;
	case LFH_EV_ISA_PROPOSE:
		if (!(isa = malloc(sizeof *isa)))
			return lfh_err_set(err, LFH_ENOMEM, "out of memory");
		rc = lfh_isa_decode(ev->body, ev->body_len, isa, err);
		free(isa);
		return rc;
	case LFH_EV_JOIN:
	case LFH_EV_LEAVE:
	case LFH_EV_CLOSE:
	case LFH_EV_REOPEN:
	case LFH_EV_ISA_SIGN:
		break;
	default:
		return 0;
	}
	if ((rc = lfh_record_decode(ev->body, ev->body_len, &r, err)))
		return rc;
	if ((ev->type == LFH_EV_JOIN || ev->type == LFH_EV_LEAVE) &&
	    (!(v = lfh_record_str(&r, "agency")) || !lfh_node_member(n, v)))
		rc = lfh_err_set(err, LFH_EPERM, "%s event by %s names no member agency",
				 ev->type == LFH_EV_JOIN ? "join" : "leave", ev->author);
	if (ev->type == LFH_EV_ISA_SIGN && (!(v = lfh_record_str(&r, "isa")) || lfh_unhex(hash, 32, v)))
		rc = lfh_err_set(err, LFH_ECODEC, "ISA signature by %s without an isa hash", ev->author);
	lfh_record_clear(&r);
	return rc;
}

int lfh_ingest_verify(lfh_node *n, const lfh_event *ev, const char *from, const uint8_t *checked_pk,
		      int checked_ok, lfh_err *err)
{
	int rc;

	if (sodium_memcmp(ev->hub, n->rules.hub_id, 32) != 0)
		return lfh_err_set(err, LFH_EHUB, "event from %s is for another hub", from);
	if (!lfh_node_member(n, ev->author))
		return lfh_err_set(err, LFH_EPERM, "event author '%s' is not a member", ev->author);
	if ((rc = lfh_keyring_verify_checked(&n->rules, ev, checked_pk, checked_ok, err)))
		return rc;
	if (!n->rules.isa && strcmp(ev->author, n->id->pub.agency) != 0 &&
	    lfh_event_find_recipient(ev, n->id->pub.agency) < 0)
		return lfh_err_set(err, LFH_EPERM, "event by %s seq %llu is not addressed to us",
				   ev->author, (unsigned long long)ev->seq);
	return 0;
}

/* Decode and verify one received envelope. Touches no store: safe on any thread. */
int lfh_ingest_check(lfh_node *n, const uint8_t *raw, size_t len, const char *from, lfh_event *ev,
		     lfh_err *err)
{
	int rc = lfh_event_decode(raw, len, ev, err);
	return rc ? rc : lfh_ingest_verify(n, ev, from, NULL, 0, err);
}

/* ---- held events --------------------------------------------------------- */

#define HELD_PER_AUTHOR_MAX 4096 /* events of one author kept aside at most */
#define HELD_KEY_LEN (LFH_CASE_LEN + LFH_ID_LEN)

static int held_count(lfh_txn *t, const char *author, uint64_t *count, char name[LFH_META_NAME_BUF],
		      lfh_err *err)
{
	lfh_store_meta_name(name, "held", author);
	return lfh_store_meta_get(t, name, count, err);
}

/*
 * Keep ev aside (table HELD) until its case changes here: the referral or
 * the JOIN it depends on may still be on its way (PROTOCOL.md 7.3).
 */
static int hold(lfh_txn *t, const lfh_event *ev, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		size_t len, lfh_err *err)
{
	char name[LFH_META_NAME_BUF];
	uint8_t k[HELD_KEY_LEN];
	uint64_t count;
	int rc = held_count(t, ev->author, &count, name, err);

	if (rc)
		return rc;
	if (count >= HELD_PER_AUTHOR_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "%u events of %s are held already: event seq %llu "
				   "refused", HELD_PER_AUTHOR_MAX, ev->author,
				   (unsigned long long)ev->seq);
	memcpy(k, ev->case_id, LFH_CASE_LEN);
	memcpy(k + LFH_CASE_LEN, id, LFH_ID_LEN);
	if (lfh_store_tbl_get(t, LFH_TBL_HELD, k, sizeof k, NULL, NULL, NULL) == 0)
		return 0; /* held already */
	rc = lfh_store_tbl_put(t, LFH_TBL_HELD, k, sizeof k, raw, len, err);
	return rc ? rc : lfh_store_meta_put(t, name, count + 1, err);
}

/* A KEY of ours came back: its recipients hold the key (no need to grant it again). */
static int remember_own_grants(lfh_txn *t, const lfh_event *ev, lfh_err *err)
{
	lfh_key_body kb;
	int rc = lfh_key_body_decode(ev->body, ev->body_len, &kb, err);

	for (uint32_t i = 0; rc == 0 && i < ev->nrcpt; i++)
		rc = lfh_store_grant_put(t, ev->case_id, ev->category, kb.creator, kb.epoch,
					 ev->rcpt[i].agency, err);
	return rc;
}

/*
 * One of our own events came back from a peer that held it (after a restore
 * or a wiped store, PROTOCOL.md 13.1): our seq and per-recipient counters
 * resume above it, so that no number of ours is ever used twice.
 */
static int resume_own_counters(lfh_node *n, lfh_txn *t, const lfh_event *ev, lfh_err *err)
{
	char name[LFH_META_NAME_BUF];
	uint64_t v;
	int rc;

	if (strcmp(ev->author, n->cfg.agency) != 0)
		return 0;
	if ((rc = lfh_store_meta_get(t, "seq", &v, err)) ||
	    (v < ev->seq && (rc = lfh_store_meta_put(t, "seq", ev->seq, err))))
		return rc;
	for (uint32_t i = 0; i < ev->nrcpt; i++) {
		lfh_store_meta_name(name, "ctr", ev->rcpt[i].agency);
		if ((rc = lfh_store_meta_get(t, name, &v, err)) ||
		    (v < ev->rcpt[i].ctr && (rc = lfh_store_meta_put(t, name, ev->rcpt[i].ctr, err))))
			return rc;
	}
	return ev->type == LFH_EV_KEY ? remember_own_grants(t, ev, err) : 0;
}

/*
 * An event of ours, signed by us, refused here (after a restore, one naming
 * an ISA version this store has not adopted yet): the peers that took it
 * used its numbers, so ours resume above them; and it is asked for again
 * once a new version is adopted (node/sync/pull.c), so this store holds
 * what it wrote.
 */
static int refused_own(lfh_node *n, lfh_txn *t, const lfh_event *ev, lfh_err *err)
{
	int rc = resume_own_counters(n, t, ev, err);

	if (rc || (n->refused_own_from && n->refused_own_from <= ev->seq))
		return rc;
	if (!(rc = lfh_store_meta_put(t, "own_refused", ev->seq, err)))
		n->refused_own_from = ev->seq;
	return rc;
}

/* ---- storage quota per author ------------------------------------------- */

/*
 * One other agency may fill at most lfh_config_author_quota bytes of this
 * node's store with its events (counted from the first event stored by a
 * build that counts), so a member writing without end cannot crowd out
 * the others (PROTOCOL.md 7.3). Our own events are not limited.
 */
static int quota_check(lfh_node *n, lfh_txn *t, const lfh_event *ev, size_t len, uint64_t *used,
		       lfh_err *err)
{
	char name[LFH_META_NAME_BUF];
	uint64_t quota = lfh_config_author_quota(&n->cfg);
	int rc;

	*used = 0;
	if (strcmp(ev->author, n->cfg.agency) == 0)
		return 0;
	lfh_store_meta_name(name, "bytes", ev->author);
	if ((rc = lfh_store_meta_get(t, name, used, err)))
		return rc;
	if (*used + len > quota)
		return lfh_err_set(err, LFH_ETOOBIG, "%s's events fill %llu MiB here, its quota "
				   "(author_quota_mb) is %llu MiB: event seq %llu refused", ev->author,
				   (unsigned long long)(*used >> 20), (unsigned long long)(quota >> 20),
				   (unsigned long long)ev->seq);
	return 0;
}

static int quota_add(lfh_node *n, lfh_txn *t, const lfh_event *ev, size_t len, uint64_t used,
		     lfh_err *err)
{
	char name[LFH_META_NAME_BUF];

	if (strcmp(ev->author, n->cfg.agency) == 0)
		return 0;
	lfh_store_meta_name(name, "bytes", ev->author);
	return lfh_store_meta_put(t, name, used + len, err);
}

typedef struct held_event {
	uint8_t key[HELD_KEY_LEN];
	uint8_t *raw;
	size_t len;
} held_event;

/* The keys of a case's held events (their envelopes are read one at a time). */
struct held_keys {
	uint8_t (*k)[HELD_KEY_LEN];
	size_t n, cap;
	int closes_only; /* take only the CLOSEs held */
};

static int held_key_fn(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct held_keys *l = ctx;

	if (klen != HELD_KEY_LEN || vlen == 0)
		return 0;
	if (l->closes_only && lfh_event_peek_type(val, vlen) != LFH_EV_CLOSE)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		uint8_t(*p)[HELD_KEY_LEN] = realloc(l->k, cap * sizeof *p);
		if (!p)
			return LFH_ENOMEM;
		l->k = p;
		l->cap = cap;
	}
	memcpy(l->k[l->n++], key, HELD_KEY_LEN);
	return 0;
}

/* Take ev's entry out of HELD and judge it again, as if just received. */
static int release_one(lfh_node *n, lfh_txn *t, const held_event *h, lfh_err *err)
{
	char name[LFH_META_NAME_BUF];
	lfh_ingest_result res;
	lfh_event ev = { 0 };
	lfh_err why = { 0 };
	uint64_t count = 0;
	int rc = lfh_store_tbl_del(t, LFH_TBL_HELD, h->key, HELD_KEY_LEN, err);

	if (rc || lfh_event_decode(h->raw, h->len, &ev, NULL))
		return rc;
	n->held_rejudged++;
	if (!(rc = held_count(t, ev.author, &count, name, err)) && count)
		rc = lfh_store_meta_put(t, name, count - 1, err);
	if (!rc) {
		uint8_t id[LFH_ID_LEN];
		lfh_event_id(h->raw, h->len, id);
		rc = lfh_ingest_store_checked(n, t, h->raw, h->len, id, &ev, &res, &why);
		if (rc == LFH_ESTORE || rc == LFH_ENOMEM)
			lfh_err_set(err, rc, "%s", why.msg);
		else if (rc && rc != LFH_EHELD)
			log_warn("held event by %s seq %llu refused: %s", ev.author,
				 (unsigned long long)ev.seq, why.msg);
		if (rc != LFH_ESTORE && rc != LFH_ENOMEM)
			rc = 0;
	}
	lfh_event_clear(&ev);
	return rc;
}

/*
 * What an event just accepted may make acceptable of what its case holds
 * aside: who takes part and who leads change only by a REFERRAL, JOIN,
 * LEAVE or lead change (and the case's closure by CLOSE and REOPEN); any
 * other step can only make a held CLOSE valid (its OSARA checks), and so
 * can a KEY (a closure review becomes readable); a NOTE, ATTACH or CHUNK
 * changes no verdict. Judging again only what may change keeps a member's
 * held events from costing every accepted event of the case their whole
 * re-judging.
 */
enum release { RELEASE_NONE, RELEASE_CLOSES, RELEASE_ALL };

static enum release releases(uint32_t type)
{
	switch (type) {
	case LFH_EV_NOTE:
	case LFH_EV_ATTACH:
	case LFH_EV_CHUNK:
		return RELEASE_NONE;
	case LFH_EV_REFERRAL:
	case LFH_EV_JOIN:
	case LFH_EV_LEAVE:
	case LFH_EV_LEAD_PROPOSE:
	case LFH_EV_LEAD_AGREE:
	case LFH_EV_CLOSE:
	case LFH_EV_REOPEN:
	case LFH_EV_ISA_PROPOSE: /* a withdrawal waits for its proposal */
		return RELEASE_ALL;
	default:
		return lfh_event_type_hub_wide(type) ? RELEASE_NONE : RELEASE_CLOSES;
	}
}

/*
 * One pass over what a case holds aside (only its CLOSEs, for closes_only):
 * each event judged again. Only the keys are copied, each envelope read
 * when its turn comes (one judged before may have released it already).
 */
static int release_pass(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			int closes_only, lfh_err *err)
{
	struct held_keys l = { .closes_only = closes_only };
	int rc = lfh_store_tbl_scan(t, LFH_TBL_HELD, case_id, LFH_CASE_LEN, held_key_fn, &l, err);

	if (rc == LFH_ENOMEM)
		lfh_err_set(err, rc, "out of memory");
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		held_event h;
		const uint8_t *v;
		rc = lfh_store_tbl_get(t, LFH_TBL_HELD, l.k[i], HELD_KEY_LEN, &v, &h.len, err);
		if (rc == LFH_ENOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc)
			break;
		memcpy(h.key, l.k[i], HELD_KEY_LEN);
		if (!(h.raw = malloc(h.len))) {
			rc = lfh_err_set(err, LFH_ENOMEM, "out of memory");
			break;
		}
		memcpy(h.raw, v, h.len); /* v is LMDB's: valid only until the next write */
		rc = release_one(n, t, &h, err);
		free(h.raw);
	}
	free(l.k);
	return rc;
}

/*
 * The case changed here (by an event of type): judge again what that may
 * release. An event released may release others in turn: that is a further
 * pass, never a call within this one (a chain of held events, each
 * releasing the next, overflowed the stack and copied every envelope held at
 * every level). Passes stop at RELEASE_PASSES_MAX; what is left waits for
 * the case's next change.
 */
#define RELEASE_PASSES_MAX 16

static int release_held(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			uint32_t type, lfh_err *err)
{
	enum release kind = releases(type);
	int rc = 0, pass;

	if (kind == RELEASE_NONE)
		return 0;
	if (n->releasing) { /* within a pass: the next pass takes it */
		if ((int)kind > n->release_again)
			n->release_again = (int)kind;
		return 0;
	}
	n->releasing = 1;
	for (pass = 0; rc == 0 && kind != RELEASE_NONE && pass < RELEASE_PASSES_MAX; pass++) {
		n->release_again = RELEASE_NONE;
		rc = release_pass(n, t, case_id, kind == RELEASE_CLOSES, err);
		kind = (enum release)n->release_again;
	}
	n->releasing = 0;
	if (rc == 0 && kind != RELEASE_NONE)
		log_warn("held events of a case still released others after %d passes: the rest "
			 "waits for the case's next change", RELEASE_PASSES_MAX);
	return rc;
}

/*
 * A CLOSE must follow a closure proposal and a closure review that said
 * "close" (the OSARA rules, osara.h): judged on the case as projected here,
 * once the case is known. Until the steps it needs are here it is held.
 * A node that takes no part in the case (it left, or a category reaches it
 * outside the case) never gets those steps: it takes the lead's CLOSE as
 * it comes, so that its retention clock starts.
 */
static int judge_close(lfh_node *n, lfh_txn *t, const lfh_event *ev, lfh_err *err)
{
	char lead[LFH_AGENCY_MAX + 1];
	lfh_agencies parts;
	lfh_osara_state *st;
	lfh_record body = { 0 };
	lfh_err why = { 0 };
	int rc;

	if (ev->type != LFH_EV_CLOSE || !n->rules.isa)
		return 0;
	if ((rc = lfh_parties_get(t, ev->case_id, lead, &parts, err)) || parts.n == 0 ||
	    !lfh_agencies_has(&parts, n->cfg.agency))
		return rc; /* a case not known here, or not ours: its other rules had their say */
	if (!(st = malloc(sizeof *st)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	rc = lfh_node_project(n, t, ev->case_id, st, err);
	if (!rc && lfh_record_decode(ev->body, ev->body_len, &body, &why) == 0 &&
	    lfh_osara_check(st, LFH_EV_CLOSE, ev->author, &body, &why) != 0)
		rc = lfh_err_set(err, LFH_EHELD, "close by %s seq %llu held: %s", ev->author,
				 (unsigned long long)ev->seq, why.msg);
	lfh_record_clear(&body);
	free(st);
	return rc;
}

/* ---- the clock ----------------------------------------------------------- */

static struct lfh_author_top *top_of(lfh_node *n, const char *author)
{
	for (size_t i = 0; i < n->ntops; i++)
		if (strcmp(n->tops[i].agency, author) == 0)
			return &n->tops[i];
	return NULL;
}

/*
 * An event refused for stamps against its author's seq order (not for one
 * ahead of our clock, which it will not be later) proves, as two events in
 * one slot do, that its author does not follow the protocol: which of the
 * two a node takes depends on which came first. The first such event of
 * each author is kept as evidence (lfh status counts it); one proves it,
 * and more would let the author fill the disk with them.
 */
static int keep_disorder(lfh_txn *t, const lfh_event *ev, const uint8_t id[LFH_ID_LEN],
			 const uint8_t *raw, size_t len, lfh_err *err)
{
	char name[LFH_META_NAME_BUF];
	uint64_t kept = 0;
	lfh_err e2 = { 0 };
	int rc;

	lfh_store_meta_name(name, "disorder", ev->author);
	rc = lfh_store_meta_get(t, name, &kept, &e2);
	if (rc == 0 && kept)
		return LFH_ECLOCK; /* refused again, as it is each time it is fetched: logged as such */
	log_error("CLOCK DISORDER by %s: %s (kept as evidence)", ev->author, err->msg);
	if ((rc && rc != LFH_ENOTFOUND) ||
	    (rc = lfh_store_keep_evidence(t, ev, id, raw, len, &e2)) ||
	    (rc = lfh_store_meta_put(t, name, 1, &e2)))
		return lfh_err_set(err, rc, "%s", e2.msg);
	return LFH_ECLOCK;
}

/*
 * The clock rules (judge.h). An author's events mostly arrive in seq order:
 * one above the highest we hold has only that one below it (cached, no
 * store lookup); any other asks the store for its neighbours.
 */
static int judge_clock(lfh_node *n, lfh_txn *t, const lfh_event *ev, const uint8_t id[LFH_ID_LEN],
		       const uint8_t *raw, size_t len, lfh_err *err)
{
	const struct lfh_author_top *top = top_of(n, ev->author);
	uint64_t below, above, now = lfh_wall_ms();
	int rc;

	if (top && ev->seq > top->seq) {
		below = top->hlc;
		above = UINT64_MAX;
	} else if ((rc = lfh_store_author_hlc_around(t, ev->author, ev->seq, &below, &above, err))) {
		return rc;
	}
	rc = lfh_judge_clock(ev, now, below, above, err);
	if (rc == LFH_ECLOCK && lfh_hlc_ms(ev->hlc) <= now + LFH_CLOCK_AHEAD_MS)
		rc = keep_disorder(t, ev, id, raw, len, err);
	return rc;
}

/* ev was stored: remember it if it is now its author's highest. */
static void note_top(lfh_node *n, const lfh_event *ev)
{
	struct lfh_author_top *top = top_of(n, ev->author);

	if (!top && n->ntops < sizeof n->tops / sizeof n->tops[0]) {
		top = &n->tops[n->ntops++];
		snprintf(top->agency, sizeof top->agency, "%s", ev->author);
		top->seq = 0;
	}
	if (top && ev->seq > top->seq) {
		top->seq = ev->seq;
		top->hlc = ev->hlc;
	}
}

/* ---- storing ------------------------------------------------------------- */

/* Store one verified event and update the state that depends on it. */
int lfh_ingest_store_checked(lfh_node *n, lfh_txn *t, const uint8_t *raw, size_t len,
			     const uint8_t id[LFH_ID_LEN], const lfh_event *ev,
			     lfh_ingest_result *res, lfh_err *err)
{
	lfh_put_result pr = { 0 };
	uint64_t used = 0;
	uint8_t *key = NULL; /* the sharing key a KEY event grants us (sodium memory), or NULL */
	int rc = lfh_store_has_event(t, id, err);

	if (rc < 0)
		return rc;
	if (rc == 1) {
		memset(res, 0, sizeof *res); /* a duplicate: judged when it first came */
		res->hlc = ev->hlc;
		res->type = ev->type;
		return 0;
	}
	rc = lfh_keyring_check_time(&n->rules, ev, err); /* key events earlier in the batch may revoke */
	if (!rc)
		rc = check_plain_body(n, ev, err);
	if (!rc)
		rc = lfh_keyring_accept(&n->rules, ev, err);
	if (!rc)
		rc = lfh_policy_accept(&n->rules, t, ev, err); /* the ISA's say: before anything is stored */
	if (!rc)
		rc = judge_clock(n, t, ev, id, raw, len, err);
	if (!rc)
		rc = lfh_judge(&n->rules, t, ev, err); /* the case rules */
	if (!rc)
		rc = judge_close(n, t, ev, err);
	if (!rc && ev->type == LFH_EV_KEY)
		rc = open_grant(n, t, ev, &key, err); /* before storing: never kept without its key */
	if (rc == LFH_EHELD) {
		/* ours, though held: its numbers are used, whatever it waits for */
		int hrc = hold(t, ev, id, raw, len, err);
		if (!hrc)
			hrc = resume_own_counters(n, t, ev, err);
		return hrc ? hrc : rc;
	}
	if (rc && rc != LFH_ESTORE && rc != LFH_ENOMEM && !strcmp(ev->author, n->cfg.agency)) {
		lfh_err cerr = { 0 };
		int crc = refused_own(n, t, ev, &cerr);
		return crc ? lfh_err_set(err, crc, "%s", cerr.msg) : rc;
	}
	if (!rc)
		rc = quota_check(n, t, ev, len, &used, err);
	if (!rc)
		rc = lfh_store_put_event(t, raw, len, ev, id, &pr, err);
	if (!rc && pr.was_new) /* first: "seen" must count every stored event (note_slot) */
		rc = note_slot(n, t, ev, err);
	if (!rc && pr.was_new)
		rc = quota_add(n, t, ev, len, used, err);
	if (!rc && pr.was_new)
		rc = resume_own_counters(n, t, ev, err);
	if (!rc && pr.was_new) {
		if (key)
			rc = keep_granted_key(t, ev, key, err);
		if (!rc)
			rc = lfh_keyring_apply(&n->rules, t, ev, id, pr.lseq, err);
		if (!rc)
			rc = lfh_node_apply(n, t, ev, id, 0, err);
		if (!rc && ev->hlc > n->hlc_last) {
			n->hlc_last = ev->hlc;
			rc = lfh_store_meta_put(t, "hlc", n->hlc_last, err);
		}
		if (!rc)
			note_top(n, ev);
		if (!rc)
			rc = release_held(n, t, ev->case_id, ev->type, err);
	}
	if (!rc) {
		res->stored = pr.was_new;
		res->hlc = ev->hlc;
		res->type = ev->type;
		res->nrcpt = ev->nrcpt;
		for (uint32_t i = 0; i < ev->nrcpt; i++)
			memcpy(res->rcpt[i], ev->rcpt[i].agency, LFH_AGENCY_MAX + 1);
	}
	sodium_free(key);
	return rc;
}

int lfh_ingest(lfh_node *n, lfh_txn *t, const uint8_t *raw, size_t len, const char *from,
		    lfh_ingest_result *res, lfh_err *err)
{
	lfh_event ev = { 0 };
	int rc;

	memset(res, 0, sizeof *res);
	rc = lfh_ingest_check(n, raw, len, from, &ev, err);
	if (!rc) {
		uint8_t id[LFH_ID_LEN];
		lfh_event_id(raw, len, id);
		rc = lfh_ingest_store_checked(n, t, raw, len, id, &ev, res, err);
	}
	lfh_event_clear(&ev);
	return rc;
}

int lfh_ingest_gaps(lfh_node *n, lfh_txn *t, const char *author, uint64_t *first_missing,
		  uint64_t *highest, uint64_t *missing, lfh_err *err)
{
	char name[LFH_META_NAME_BUF];
	uint64_t contig, seen, present = 0;
	int rc;

	lfh_store_meta_name(name, "seen", author);
	if ((rc = lfh_store_meta_get(t, name, &seen, err)))
		return rc;
	lfh_store_meta_name(name, "contig", author);
	if ((rc = lfh_store_meta_get(t, name, &contig, err)))
		return rc;
	*first_missing = contig + 1;
	*highest = seen;
	*missing = 0;
	if (seen <= contig)
		return 0;
	rc = lfh_store_scan_slots(t, author, n->id->pub.agency, contig + 1, seen, count_one,
				  &present, err);
	if (!rc)
		*missing = (seen - contig) - present;
	return rc;
}
