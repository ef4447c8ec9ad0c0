/*
 * write.c - writing our own events (include/lfh/write.h), and applying any
 * newly stored event, ours or received, to the case index and the rules.
 *
 * Invariants this file keeps:
 *  - Our own events are written with per-author seq and per-(author,
 *    recipient) counters taken from `meta` in the same write transaction,
 *    so counters and events can never disagree after a crash.
 *  - Bodies are encrypted under the sharing key (case, category, us, our
 *    current epoch); any recipient not yet granted that key first gets a
 *    KEY event, in the same transaction and earlier in local order, so the
 *    key always travels ahead of the data it opens.
 *  - Case metadata in `cases` holds only non-secret fields (lead agency,
 *    first/last HLC, event count); everything readable comes from
 *    decrypting events, so shredding keys shreds the case.
 *  - What the rules cause when an event is applied (lfh_effects) is carried
 *    out here, in the same transaction: the rules never write events.
 *
 * Meta counters: "seq" (our last author seq), "ctr:<agency>" (our last
 * counter to a recipient), "seen:<author>" (highest counter an author used
 * for us), "contig:<author>" (we hold every counter up to this), "hlc".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "lfh/hlc.h"
#include "lfh/isa.h"
#include "lfh/keyreserve.h"
#include "lfh/keyring.h"
#include "lfh/log.h"
#include "lfh/membership.h"
#include "lfh/osara.h"
#include "lfh/parties.h"
#include "lfh/policy.h"
#include "lfh/project.h"
#include "lfh/refs.h"
#include "lfh/summarize.h"
#include "lfh/summary.h"
#include "lfh/sharing.h"
#include "lfh/write.h"

int lfh_node_publish_cert(lfh_node *n, lfh_txn *t, const uint8_t *cert, size_t len,
			  lfh_write_result *res, lfh_err *err)
{
	static const uint8_t no_case[LFH_CASE_LEN];
	return lfh_node_write_plain(n, t, no_case, LFH_EV_CERT, LFH_KEYS_CATEGORY, NULL, 0, cert,
				    len, res, err);
}

static int cmp_rcpt(const void *a, const void *b)
{
	return strcmp(((const lfh_recipient *)a)->agency, ((const lfh_recipient *)b)->agency);
}

/* Recipients of a new event under the ISA: its rules and the case's parties. */
static int policy_recipients(lfh_node *n, lfh_txn *t, const char *const *to, size_t nto,
			     lfh_event *ev, lfh_err *err)
{
	char out[LFH_ISA_MAX_PARTIES][LFH_AGENCY_MAX + 1];
	size_t k = 0;
	int rc;

	if (to && ev->type != LFH_EV_REFERRAL && ev->type != LFH_EV_JOIN)
		return lfh_err_set(err, LFH_EINVAL, "under an ISA only a referral names its recipients");
	rc = lfh_policy_recipients(&n->rules, t, ev->case_id, ev->type, ev->category, to, nto, out, &k, err);
	if (rc)
		return rc;
	if (k == 0)
		return lfh_err_set(err, LFH_EINVAL,
				   "the ISA lets no other agency receive %s data of this case",
				   ev->category);
	ev->nrcpt = (uint32_t)k;
	for (size_t i = 0; i < k; i++)
		memcpy(ev->rcpt[i].agency, out[i], LFH_AGENCY_MAX + 1);
	return 0;
}

/* Turn a caller's `to` list into sorted, unique member recipients, minus us. */
static int resolve_recipients(lfh_node *n, lfh_txn *t, const char *const *to, size_t nto,
			      lfh_event *ev, lfh_err *err)
{
	if (n->rules.isa)
		return policy_recipients(n, t, to, nto, ev, err);
	ev->nrcpt = 0;
	for (size_t i = 0; i < nto; i++) {
		if (strcmp(to[i], n->id->pub.agency) == 0)
			continue;
		if (!lfh_node_member(n, to[i]))
			return lfh_err_set(err, LFH_EINVAL, "'%s' is not an agency of this hub", to[i]);
		int dup = 0;
		for (uint32_t j = 0; j < ev->nrcpt; j++)
			dup |= strcmp(ev->rcpt[j].agency, to[i]) == 0;
		if (dup)
			continue;
		if (ev->nrcpt == LFH_MAX_RECIPIENTS)
			return lfh_err_set(err, LFH_EINVAL, "too many recipients (max %d)",
					   LFH_MAX_RECIPIENTS);
		snprintf(ev->rcpt[ev->nrcpt++].agency, LFH_AGENCY_MAX + 1, "%s", to[i]);
	}
	if (ev->nrcpt == 0)
		return lfh_err_set(err, LFH_EINVAL, "no recipient agency other than %s",
				   n->id->pub.agency);
	qsort(ev->rcpt, ev->nrcpt, sizeof ev->rcpt[0], cmp_rcpt);
	return 0;
}

/* Update the non-secret case index after storing a new event of the case. */
static int index_case(lfh_txn *t, const lfh_event *ev, lfh_err *err)
{
	lfh_record r = { 0 };
	uint64_t count = 0, first = 0, last = 0;
	int rc;

	if (lfh_event_type_hub_wide(ev->type))
		return 0; /* not about a case (CERT and REVOKE were once indexed as case 000..0) */
	rc = lfh_store_case_get(t, ev->case_id, &r, err);

	if (rc && rc != LFH_ENOTFOUND)
		return rc;
	lfh_record_uint(&r, "events", &count);
	if (!lfh_record_uint(&r, "first_hlc", &first) || ev->hlc < first)
		first = ev->hlc;
	lfh_record_uint(&r, "last_hlc", &last);
	if (ev->hlc > last)
		last = ev->hlc;
	rc = lfh_record_set_uint(&r, "events", count + 1, err);
	if (!rc)
		rc = lfh_record_set_uint(&r, "first_hlc", first, err);
	if (!rc)
		rc = lfh_record_set_uint(&r, "last_hlc", last, err);
	if (!rc && ev->type == LFH_EV_REFERRAL)
		rc = lfh_record_set_str(&r, "lead", ev->author, err);
	if (!rc)
		rc = lfh_store_case_put(t, ev->case_id, &r, err);
	lfh_record_clear(&r);
	return rc;
}

/* Why nothing of ours is written while the node recovers its own events (recovery.h). */
static const char recovering_msg[] =
	"this node is recovering the events it wrote from its peers (its store was restored or "
	"replaced): it writes again once every peer has answered (lfh status)";

/* Fill the author-side header fields of ev: seq, hlc, counters, key id. */
static int stamp_event(lfh_node *n, lfh_txn *t, lfh_event *ev, lfh_err *err)
{
	char name[LFH_META_NAME_BUF];
	uint64_t seq, last_hlc;
	int rc;

	if (n->recovering)
		return lfh_err_set(err, LFH_EBUSY, "%s", recovering_msg);
	memcpy(ev->hub, n->rules.hub_id, 32);
	snprintf(ev->author, sizeof ev->author, "%s", n->id->pub.agency);
	memcpy(ev->key_id, n->id->pub.key_id, LFH_KEYID_LEN);
	ev->isa_version = n->rules.isa ? n->rules.isa->version : 0;
	if ((rc = lfh_store_meta_get(t, "seq", &seq, err)))
		return rc;
	ev->seq = seq + 1;
	if ((rc = lfh_store_meta_get(t, "hlc", &last_hlc, err)))
		return rc;
	if (last_hlc < n->hlc_last)
		last_hlc = n->hlc_last;
	ev->hlc = lfh_hlc_next(last_hlc);
	for (uint32_t i = 0; i < ev->nrcpt; i++) {
		uint64_t c;
		lfh_store_meta_name(name, "ctr", ev->rcpt[i].agency);
		if ((rc = lfh_store_meta_get(t, name, &c, err)))
			return rc;
		ev->rcpt[i].ctr = c + 1;
	}
	return 0;
}

/* Persist the counters stamp_event used, once the event is stored. */
static int commit_stamp(lfh_node *n, lfh_txn *t, const lfh_event *ev, lfh_err *err)
{
	char name[LFH_META_NAME_BUF];
	int rc = lfh_store_meta_put(t, "seq", ev->seq, err);

	if (!rc)
		rc = lfh_store_meta_put(t, "hlc", ev->hlc, err);
	for (uint32_t i = 0; rc == 0 && i < ev->nrcpt; i++) {
		lfh_store_meta_name(name, "ctr", ev->rcpt[i].agency);
		rc = lfh_store_meta_put(t, name, ev->rcpt[i].ctr, err);
	}
	if (!rc)
		n->hlc_last = ev->hlc;
	return rc;
}

/* Sign, store and index a fully built event of ours. */
static int store_own_event(lfh_node *n, lfh_txn *t, lfh_event *ev, uint8_t id[LFH_ID_LEN],
			   lfh_err *err)
{
	lfh_buf env = { 0 };
	lfh_put_result pr;
	int rc = lfh_event_sign(ev, n->id->sign_sk, &env, id, err);

	if (!rc)
		rc = lfh_store_put_event(t, env.data, env.len, ev, id, &pr, err);
	if (!rc)
		rc = commit_stamp(n, t, ev, err);
	if (!rc)
		rc = lfh_keyring_apply(&n->rules, t, ev, id, pr.lseq, err);
	if (!rc)
		rc = lfh_node_apply(n, t, ev, id, 1, err);
	lfh_buf_free(&env);
	return rc;
}

/*
 * A key of ours is also sealed to ourselves (PROTOCOL.md 6.4), in its sorted
 * place among the grants, though we are no recipient: the peers that hold
 * the KEY event give it back when a restored or replaced store recovers its
 * events (13.1), and the key opens again. Left out if the grants are full.
 */
static int grant_to_self(lfh_node *n, lfh_key_body *kb, const uint8_t key[32], lfh_err *err)
{
	const char *me = n->id->pub.agency;
	uint32_t at = 0;

	if (kb->ngrants >= LFH_MAX_RECIPIENTS)
		return 0;
	while (at < kb->ngrants && strcmp(kb->grants[at].agency, me) < 0)
		at++;
	if (at < kb->ngrants && strcmp(kb->grants[at].agency, me) == 0)
		return 0;
	memmove(&kb->grants[at + 1], &kb->grants[at], (kb->ngrants - at) * sizeof kb->grants[0]);
	memset(&kb->grants[at], 0, sizeof kb->grants[at]);
	snprintf(kb->grants[at].agency, sizeof kb->grants[at].agency, "%s", me);
	kb->ngrants++;
	return lfh_keyreserve_seal(n->reserve, key, n->id->pub.box_pk, kb->grants[at].sealed, err);
}

/*
 * Emit one KEY event granting the sharing key (case, category, creator,
 * epoch) to the agencies listed, and remember that they have it. A key just
 * taken from the key reserve comes with its grants sealed ahead
 * (keyreserve.h): the same bytes crypto_box_seal gives here otherwise.
 */
static int write_key_event(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			   const char *category, const char *creator, uint32_t epoch,
			   const uint8_t key[32], const char (*agencies)[LFH_AGENCY_MAX + 1],
			   size_t count, lfh_err *err)
{
	lfh_event kev = { 0 };
	lfh_key_body kb = { 0 };
	lfh_buf body = { 0 };
	uint8_t id[LFH_ID_LEN];
	int rc = 0;

	snprintf(kb.creator, sizeof kb.creator, "%s", creator);
	kb.epoch = epoch;
	for (size_t i = 0; rc == 0 && i < count; i++) {
		const lfh_pubkeys *pk = lfh_node_member(n, agencies[i]);
		if (!pk)
			return lfh_err_set(err, LFH_EINVAL, "'%s' is not a member", agencies[i]);
		rc = lfh_keyreserve_seal(n->reserve, key, pk->box_pk, kb.grants[i].sealed, err);
		memcpy(kb.grants[i].agency, agencies[i], LFH_AGENCY_MAX + 1);
		memcpy(kev.rcpt[i].agency, agencies[i], LFH_AGENCY_MAX + 1);
	}
	kb.ngrants = kev.nrcpt = (uint32_t)count;
	if (!rc && strcmp(creator, n->id->pub.agency) == 0)
		rc = grant_to_self(n, &kb, key, err);
	kev.type = LFH_EV_KEY;
	memcpy(kev.case_id, case_id, LFH_CASE_LEN);
	snprintf(kev.category, sizeof kev.category, "%s", category);
	if (!rc)
		rc = lfh_key_body_encode(&kb, &body, err);
	if (!rc)
		rc = stamp_event(n, t, &kev, err);
	if (!rc) {
		kev.body = body.data;
		kev.body_len = body.len;
		rc = store_own_event(n, t, &kev, id, err);
		kev.body = NULL;
	}
	for (size_t i = 0; rc == 0 && i < count; i++)
		rc = lfh_store_grant_put(t, case_id, category, creator, epoch, agencies[i], err);
	lfh_buf_free(&body);
	return rc;
}

int lfh_node_grant_key(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		       const char *category, const char *creator, uint32_t epoch,
		       const uint8_t key[32], const char *agency, lfh_err *err)
{
	char one[1][LFH_AGENCY_MAX + 1];
	snprintf(one[0], sizeof one[0], "%s", agency);
	return write_key_event(n, t, case_id, category, creator, epoch, key,
			       (const char (*)[LFH_AGENCY_MAX + 1])one, 1, err);
}

/* Grant our sharing key for data's (case, category, epoch) to its recipients that lack it. */
static int grant_missing(lfh_node *n, lfh_txn *t, const lfh_event *data, const uint8_t key[32],
			 lfh_err *err)
{
	char need[LFH_MAX_RECIPIENTS][LFH_AGENCY_MAX + 1];
	size_t k = 0;
	int rc;

	for (uint32_t i = 0; i < data->nrcpt; i++) {
		int has = 0;
		rc = lfh_store_grant_has(t, data->case_id, data->category, n->id->pub.agency,
					 data->key_epoch, data->rcpt[i].agency, &has, err);
		if (rc)
			return rc;
		if (!has)
			memcpy(need[k++], data->rcpt[i].agency, LFH_AGENCY_MAX + 1);
	}
	if (k == 0)
		return 0;
	return write_key_event(n, t, data->case_id, data->category, n->id->pub.agency,
			       data->key_epoch, key, (const char (*)[LFH_AGENCY_MAX + 1])need, k, err);
}

/*
 * Our sharing key for (case, category) in the current epoch, created on
 * first use: taken from the key reserve, which may have its grants sealed.
 */
static int own_sharing_key(lfh_node *n, lfh_txn *t, lfh_event *ev, uint8_t key[32], lfh_err *err)
{
	uint64_t epoch = 0;
	int rc = lfh_store_meta_get(t, LFH_META_SHARING_EPOCH, &epoch, err);

	if (rc)
		return rc;
	ev->key_epoch = (uint32_t)epoch;
	rc = lfh_store_key_get(t, ev->case_id, ev->category, n->id->pub.agency, ev->key_epoch, key,
			       err);
	if (rc != LFH_ENOTFOUND)
		return rc;
	lfh_keyreserve_key(n->reserve, key);
	return lfh_store_key_put(t, ev->case_id, ev->category, n->id->pub.agency, ev->key_epoch,
				 key, err);
}

/* What a peer would judge of this event of ours (judge.h): refused here before anything is written. */
static int judge_own(lfh_node *n, lfh_txn *t, lfh_event *ev, lfh_err *err)
{
	int rc;

	snprintf(ev->author, sizeof ev->author, "%s", n->id->pub.agency);
	/* not stamped yet: its stamp will be above every one held here */
	ev->hlc = UINT64_MAX;
	rc = lfh_judge(&n->rules, t, ev, err);
	ev->hlc = 0;
	if (rc == LFH_EHELD) /* what a peer would keep aside, we do not write */
		rc = err ? (err->code = LFH_EPERM) : LFH_EPERM;
	return rc;
}

/* Nothing of ours is written by a removed agency, or while we recover our own events. */
static int refuse_if_removed(const lfh_node *n, lfh_err *err)
{
	if (n->recovering)
		return lfh_err_set(err, LFH_EBUSY, "%s", recovering_msg);
	if (n->rules.joining)
		return lfh_err_set(err, LFH_EBUSY, "agency %s is not yet a party of the agreement in "
				   "force here: it writes once its node has adopted the version that "
				   "adds it (lfh isa show)", n->cfg.agency);
	if (!n->rules.removed)
		return 0;
	return lfh_err_set(err, LFH_EPERM, "agency %s was removed from the hub by ISA version %u: "
			   "it writes nothing more", n->cfg.agency, n->rules.isa ? n->rules.isa->version : 0);
}

/*
 * Peers refuse for ever what a key generation signs after its end (PROTOCOL.md
 * 15.5: expired, superseded beyond its grace, revoked): nothing of ours is
 * written then, so that nothing is acknowledged that no peer will take. The
 * stamp to come is at least now and above our last one. A CERT event is
 * checked against the certificate it carries (rotating is how to go on).
 */
static int refuse_if_key_ended(const lfh_node *n, uint32_t type, lfh_err *err)
{
	const lfh_keygen *g = lfh_keyring_gen(&n->rules, n->cfg.agency, n->gen);
	uint64_t now = lfh_wall_ms(), since = 0;
	const char *why;
	char when[32];
	time_t sec;
	struct tm tm;

	if (type == LFH_EV_CERT || !g)
		return 0; /* a generation not in the keyring yet publishes its CERT first */
	if (lfh_hlc_ms(n->hlc_last) > now)
		now = lfh_hlc_ms(n->hlc_last);
	if (now < lfh_keyring_until(&n->rules, g))
		return 0;
	why = lfh_keyring_why_ended(&n->rules, g, now, &since);
	sec = (time_t)(since / 1000);
	if (!gmtime_r(&sec, &tm) || !strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(when, sizeof when, "%llu ms", (unsigned long long)since);
	if (strcmp(why, "superseded") == 0)
		return lfh_err_set(err, LFH_EKEYID, "this node's key generation %u was superseded at "
				   "%s by a later generation of %s that key_dir %s lacks: peers would "
				   "refuse what it signs, so nothing is written; put back the key "
				   "directory that holds the newest generation", n->gen, when,
				   n->cfg.agency, n->cfg.key_dir);
	return lfh_err_set(err, LFH_EKEYID, "this node's key generation %u %s at %s: peers would "
			   "refuse what it signs, so nothing is written; an admin must run `lfh admin "
			   "keys rotate` (root key kept offline: `lfh admin keys rotate --prepare`, "
			   "certify, then `--cert`)", n->gen, why, when);
}

int lfh_node_write(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], uint32_t type,
		   const char *category, const char *const *to, size_t nto, const lfh_record *body,
		   lfh_write_result *res, lfh_err *err)
{
	lfh_event ev = { 0 };
	lfh_buf pt = { 0 }, ad = { 0 }, ct = { 0 };
	uint8_t key[32];
	int rc;

	if (type == LFH_EV_KEY || type == 0 || type > LFH_EV_TYPE_MAX)
		return lfh_err_set(err, LFH_EINVAL, "event type %u cannot be written directly", type);
	if ((rc = refuse_if_removed(n, err)) || (rc = refuse_if_key_ended(n, type, err)))
		return rc;
	if (!lfh_name_valid(category))
		return lfh_err_set(err, LFH_EINVAL, "invalid category '%s'", category);
	memcpy(ev.case_id, case_id, LFH_CASE_LEN);
	ev.type = type;
	snprintf(ev.category, sizeof ev.category, "%s", category);
	snprintf(ev.key_creator, sizeof ev.key_creator, "%s", n->id->pub.agency);
	ev.nonce_len = LFH_NONCE_LEN;
	rc = judge_own(n, t, &ev, err);
	if (!rc)
		rc = resolve_recipients(n, t, to, nto, &ev, err);
	if (!rc)
		rc = lfh_record_encode(body, &pt, err);
	if (!rc && pt.len + LFH_AEAD_ABYTES > LFH_BODY_MAX)
		rc = lfh_err_set(err, LFH_ETOOBIG, "event body is %zu bytes (max %d)", pt.len,
				 LFH_BODY_MAX - LFH_AEAD_ABYTES);
	if (!rc)
		rc = own_sharing_key(n, t, &ev, key, err);
	if (!rc)
		rc = grant_missing(n, t, &ev, key, err);
	if (!rc)
		rc = stamp_event(n, t, &ev, err);
	if (!rc) {
		lfh_nonce_new(ev.nonce);
		rc = lfh_event_header_bytes(&ev, &ad, err);
	}
	if (!rc)
		rc = lfh_body_encrypt(key, ev.nonce, ad.data, ad.len, pt.data, pt.len, &ct, err);
	if (!rc) {
		ev.body = ct.data;
		ev.body_len = ct.len;
		rc = store_own_event(n, t, &ev, res->event_id, err);
		ev.body = NULL;
	}
	if (!rc) {
		memcpy(res->case_id, case_id, LFH_CASE_LEN);
		res->hlc = ev.hlc;
		res->nrcpt = ev.nrcpt;
		for (uint32_t i = 0; i < ev.nrcpt; i++)
			memcpy(res->rcpt[i], ev.rcpt[i].agency, LFH_AGENCY_MAX + 1);
	}
	sodium_memzero(key, sizeof key);
	lfh_keyreserve_forget(n->reserve);
	lfh_buf_free(&pt);
	lfh_buf_free(&ad);
	lfh_buf_free(&ct);
	return rc;
}

int lfh_node_write_plain(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			 uint32_t type, const char *category, const char *const *to, size_t nto,
			 const uint8_t *body, size_t len, lfh_write_result *res, lfh_err *err)
{
	lfh_event ev = { 0 };
	int rc;

	if (!n->rules.isa)
		return lfh_err_set(err, LFH_EINVAL, "governance events need an ISA (config: isa =)");
	if ((rc = refuse_if_removed(n, err)) || (rc = refuse_if_key_ended(n, type, err)))
		return rc;
	if (!lfh_event_type_plain(type) || type == LFH_EV_KEY)
		return lfh_err_set(err, LFH_EINVAL, "event type %u has an encrypted body", type);
	if (len > LFH_BODY_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "event body is %zu bytes (max %d)", len,
				   LFH_BODY_MAX);
	memcpy(ev.case_id, case_id, LFH_CASE_LEN);
	ev.type = type;
	snprintf(ev.category, sizeof ev.category, "%s", category);
	ev.body = (uint8_t *)body; /* borrowed: a LEAVE is judged on the agency it names */
	ev.body_len = len;
	rc = judge_own(n, t, &ev, err);
	if (!rc)
		rc = policy_recipients(n, t, to, nto, &ev, err);
	if (!rc)
		rc = stamp_event(n, t, &ev, err);
	if (!rc)
		rc = store_own_event(n, t, &ev, res->event_id, err);
	ev.body = NULL;
	if (!rc) {
		memcpy(res->case_id, case_id, LFH_CASE_LEN);
		res->hlc = ev.hlc;
		res->nrcpt = ev.nrcpt;
		for (uint32_t i = 0; i < ev.nrcpt; i++)
			memcpy(res->rcpt[i], ev.rcpt[i].agency, LFH_AGENCY_MAX + 1);
	}
	return rc;
}

/* Grant agency our copy of a sharing key it was backfilled data under, once. */
static int grant_held_key(lfh_node *n, lfh_txn *t, const lfh_grant_todo *g, lfh_err *err)
{
	uint8_t key[32];
	int has = 0, rc;

	rc = lfh_store_grant_has(t, g->case_id, g->category, g->creator, g->epoch, g->agency, &has,
				 err);
	if (rc || has)
		return rc;
	rc = lfh_store_key_get(t, g->case_id, g->category, g->creator, g->epoch, key, err);
	if (rc == LFH_ENOTFOUND)
		return 0; /* we cannot read it either: the newcomer gets it from another */
	if (!rc)
		rc = lfh_node_grant_key(n, t, g->case_id, g->category, g->creator, g->epoch, key,
					g->agency, err);
	sodium_memzero(key, sizeof key);
	return rc;
}

/* Carry out what the rules asked for when they applied an event. */
static int carry_out(lfh_node *n, lfh_txn *t, const lfh_effects *fx, lfh_err *err)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < fx->ngrants; i++)
		rc = grant_held_key(n, t, &fx->grants[i], err);
	if (!rc && fx->adopted)
		rc = lfh_node_derive_peers(n, 0, err);
	if (!rc && fx->new_epoch)
		rc = lfh_node_rotate_sharing(n, t, fx->new_epoch, NULL, err);
	return rc;
}

/*
 * A LEAD_AGREE may complete a change of lead (OSARA steps 17, 18): the rules
 * then take the lead the projection shows, so that the new lead may invite,
 * remove and close at every node that holds the agreement.
 */
static int follow_lead(lfh_node *n, lfh_txn *t, const lfh_event *ev, lfh_err *err)
{
	lfh_osara_state *st;
	char lead[LFH_AGENCY_MAX + 1];
	lfh_agencies parts;
	int rc;

	if (ev->type != LFH_EV_LEAD_AGREE || !n->rules.isa)
		return 0;
	if (!(st = malloc(sizeof *st)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	rc = lfh_node_project(n, t, ev->case_id, st, err);
	if (!rc)
		rc = lfh_parties_get(t, ev->case_id, lead, &parts, err);
	if (!rc && st->lead[0] && strcmp(st->lead, lead) != 0)
		log_info("case %02x%02x%02x%02x...: %s is its lead agency now", ev->case_id[0],
			 ev->case_id[1], ev->case_id[2], ev->case_id[3], st->lead);
	/* the whole history as the projection has it: an agreement that came late may
	 * complete an earlier change, which the lead alone would not show */
	if (!rc && st->lead[0])
		rc = lfh_parties_set_leads(t, ev->case_id, st->lead, st->leads_before,
					   st->nleads_before, err);
	free(st);
	return rc;
}

/* Scan callback: the type of the case's latest CLOSE or REOPEN so far (stamp order). */
static int last_closure_fn(void *ctx, uint64_t key, const uint8_t id[LFH_ID_LEN],
			   const uint8_t *raw, size_t len)
{
	uint32_t type = lfh_event_peek_type(raw, len);

	(void)key;
	(void)id;
	if (type == LFH_EV_CLOSE || type == LFH_EV_REOPEN)
		*(uint32_t *)ctx = type;
	return 0;
}

/*
 * A CLOSE or REOPEN: the case's retention clock runs while it is closed as
 * projected here, whatever order the two arrived in (a REOPEN stops it).
 * A node holding the case's data while taking no part in it (a category
 * that reaches it outside the case, or it left) does not hold the steps
 * that make a CLOSE valid: there the latest of the CLOSEs and REOPENs it
 * holds, in stamp order, decides.
 */
static int is_closed_here(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			  int *closed, lfh_err *err)
{
	char lead[LFH_AGENCY_MAX + 1];
	lfh_agencies parts;
	lfh_osara_state *st;
	uint32_t last = 0;
	int rc = lfh_parties_get(t, case_id, lead, &parts, err);

	*closed = 0;
	if (!rc && (!n->rules.isa || lfh_agencies_has(&parts, n->cfg.agency))) {
		if (!(st = malloc(sizeof *st)))
			return lfh_err_set(err, LFH_ENOMEM, "out of memory");
		rc = lfh_node_project(n, t, case_id, st, err);
		*closed = !rc && st->stage == LFH_OSARA_CLOSED;
		free(st);
		return rc;
	}
	if (!rc)
		rc = lfh_store_scan_case(t, case_id, last_closure_fn, &last, err);
	*closed = last == LFH_EV_CLOSE;
	return rc;
}

/*
 * Events that can make a CLOSE held here invalid, or valid again, when one
 * stamped before it arrives after it: a closure review saying "continue",
 * an action still open or its last update, an amendment of the review, a
 * participant's JOIN or LEAVE, a KEY that makes such a step readable.
 */
static int may_undo_closure(uint32_t type)
{
	return type != LFH_EV_NOTE && type != LFH_EV_CHUNK && type != LFH_EV_ATTACH &&
	       type != LFH_EV_REFERRAL && !lfh_event_type_hub_wide(type);
}

/*
 * Keep the retention clock in step with the case as projected here: a CLOSE
 * or REOPEN, or a step of a case that has been closed here. A step stamped
 * before the CLOSE can make it invalid (a closure review "continue"): the
 * case is open again, and its clock stops, whichever of the two came first.
 * Another (a LEAVE setting such a review aside, an action's last update)
 * can make it valid again: the clock starts again, from now. "closed_ever"
 * marks a case whose clock ran here once.
 */
static int follow_closure(lfh_node *n, lfh_txn *t, const lfh_event *ev, lfh_err *err)
{
	int closure = ev->type == LFH_EV_CLOSE || ev->type == LFH_EV_REOPEN;
	lfh_record c = { 0 };
	uint64_t closed_ms = 0, ever = 0;
	int rc, closed, has_ms;

	if (!closure && !may_undo_closure(ev->type))
		return 0;
	if ((rc = lfh_store_case_get(t, ev->case_id, &c, err))) {
		lfh_record_clear(&c);
		return rc == LFH_ENOTFOUND ? 0 : rc;
	}
	has_ms = lfh_record_uint(&c, "closed_ms", &closed_ms);
	lfh_record_uint(&c, "closed_ever", &ever);
	lfh_record_clear(&c);
	if (!closure && !has_ms && !ever)
		return 0;
	rc = is_closed_here(n, t, ev->case_id, &closed, err);
	if (rc || closed == has_ms)
		return rc;
	if ((rc = lfh_store_case_get(t, ev->case_id, &c, err)))
		return rc == LFH_ENOTFOUND ? 0 : rc;
	if (closed) {
		log_info("case %02x%02x%02x%02x...: closed again (a step came that makes its CLOSE "
			 "valid), its retention clock runs from now", ev->case_id[0], ev->case_id[1],
			 ev->case_id[2], ev->case_id[3]);
		rc = lfh_record_set_uint(&c, "closed_ms", lfh_retention_now(), err);
	} else {
		log_info("case %02x%02x%02x%02x...: %s, its retention clock stopped",
			 ev->case_id[0], ev->case_id[1], ev->case_id[2], ev->case_id[3],
			 ev->type == LFH_EV_REOPEN ? "reopened"
						   : "open again (a step stamped before its CLOSE "
						     "came after it)");
		lfh_record_del(&c, "closed_ms");
	}
	if (!rc)
		rc = lfh_record_set_uint(&c, "closed_ever", 1, err);
	if (!rc)
		rc = lfh_store_case_put(t, ev->case_id, &c, err);
	lfh_record_clear(&c);
	return rc;
}

int lfh_node_apply(lfh_node *n, lfh_txn *t, const lfh_event *ev, const uint8_t id[LFH_ID_LEN],
		   int own, lfh_err *err)
{
	lfh_effects fx = { 0 };
	int rc = index_case(t, ev, err);

	/* any new event of a case may change what its summary says: a later pass keeps a new one */
	if (!rc && !lfh_event_type_hub_wide(ev->type)) {
		rc = lfh_summary_drop(t, ev->case_id, err);
		lfh_summarize_mark(n, ev->case_id);
	}
	if (!rc)
		rc = lfh_policy_apply(&n->rules, t, ev, id, own, &fx, err);
	if (!rc)
		rc = carry_out(n, t, &fx, err);
	if (!rc)
		rc = follow_lead(n, t, ev, err);
	if (!rc)
		rc = follow_closure(n, t, ev, err);
	if (!rc)
		rc = lfh_refs_index(n, t, ev, id, err);
	lfh_effects_clear(&fx);
	return rc;
}
