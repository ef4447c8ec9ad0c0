/*
 * node.c - the node's core: writing, receiving and serving events.
 *
 * Invariants this file keeps:
 *  - An event is stored only after every check passed: strict decode, our
 *    hub id, a member author, a key generation of the author valid at the
 *    event's time (keyring.h) whose signature matches, and (unless we wrote
 *    it) that we are one of its recipients.
 *  - Our own events are written with per-author seq and per-(author,
 *    recipient) counters taken from `meta` in the same write transaction,
 *    so counters and events can never disagree after a crash.
 *  - Bodies are encrypted under the sharing key (case, category, us, our
 *    current epoch); any recipient not yet granted that key first gets a KEY event, in
 *    the same transaction and earlier in local order, so the key always
 *    travels ahead of the data it opens.
 *  - Case metadata in `cases` holds only non-secret fields (lead agency,
 *    first/last HLC, event count); everything readable comes from
 *    decrypting events, so shredding keys shreds the case.
 *
 * Meta counters: "seq" (our last author seq), "ctr:<agency>" (our last
 * counter to a recipient), "seen:<author>" (highest counter an author used
 * for us), "contig:<author>" (we hold every counter up to this), "hlc".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "lfh/hlc.h"
#include "lfh/log.h"
#include "lfh/node.h"
#include "lfh/generation.h"
#include "lfh/isa.h"
#include "lfh/keyring.h"
#include "lfh/policy.h"
#include "lfh/risk.h"
#include "lfh/sharing.h"

#define META_NAME_MAX 64

static void meta_name(char out[META_NAME_MAX], const char *prefix, const char *agency)
{
	snprintf(out, META_NAME_MAX, "%s:%s", prefix, agency);
}

/* Without an ISA: the members are we and the configured peers (provisional hub id). */
static int members_from_config(lfh_node *n, lfh_err *err)
{
	n->members[0] = n->id->pub;
	for (size_t i = 0; i < n->cfg.npeers; i++)
		n->members[i + 1] = n->cfg.peers[i].pub;
	n->nmembers = n->cfg.npeers + 1;
	return lfh_hub_id(n->cfg.hub, n->members, n->nmembers, n->hub_id, err);
}

int lfh_node_load_keys(lfh_node *n, lfh_err *err)
{
	lfh_txn *t = NULL;
	int rc = lfh_txn_begin(n->store, 0, &t, err);

	if (!rc)
		rc = lfh_keyring_load(n, t, err);
	lfh_txn_abort(t);
	return rc;
}

void lfh_node_reload_keys(lfh_node *n)
{
	lfh_err err = { 0 };
	if (lfh_node_load_keys(n, &err))
		log_error("reloading key generations: %s", err.msg);
}

/*
 * Our newest generation's certificate must be known to the hub: it is
 * published here if a rotation stopped between saving the keys and
 * storing the CERT event.
 */
static int publish_missing_cert(lfh_node *n, const lfh_buf *cert, lfh_err *err)
{
	lfh_write_result res;
	lfh_txn *t = NULL;
	int rc;

	if (n->gen == 1 || n->removed || lfh_keyring_gen(n, n->cfg.agency, n->gen))
		return 0;
	log_warn("publishing the certificate of our key generation %u", n->gen);
	rc = lfh_txn_begin(n->store, 1, &t, err);
	if (!rc)
		rc = lfh_node_publish_cert(n, t, cert->data, cert->len, &res, err);
	if (!rc)
		return lfh_txn_commit(t, err);
	lfh_txn_abort(t);
	return rc;
}

int lfh_node_open(lfh_node **out, const lfh_config *cfg, lfh_err *err)
{
	lfh_node *n = calloc(1, sizeof *n);
	lfh_buf cert = { 0 };
	int rc;

	if (!n)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	n->cfg = *cfg;
	rc = lfh_gen_open(cfg->key_dir, &n->id, &n->gen, &n->prev_id, &cert, err);
	if (rc)
		goto fail;
	if (strcmp(n->id->pub.agency, cfg->agency) != 0) {
		rc = lfh_err_set(err, LFH_ECONFIG, "key_dir %s holds keys of agency '%s', not '%s'",
				 cfg->key_dir, n->id->pub.agency, cfg->agency);
		goto fail;
	}
	if (!cfg->isa_path[0] && n->gen > 1) {
		rc = lfh_err_set(err, LFH_ECONFIG, "key_dir %s holds key generation %u, but key "
				 "generations need an ISA (config: isa =)", cfg->key_dir, n->gen);
		goto fail;
	}
	if (!cfg->isa_path[0] && (rc = members_from_config(n, err)))
		goto fail;
	if (!(n->risk = malloc(sizeof *n->risk))) {
		rc = lfh_err_set(err, LFH_ENOMEM, "out of memory");
		goto fail;
	}
	lfh_risk_default(n->risk);
	if (cfg->risk_path[0] && (rc = lfh_risk_load(cfg->risk_path, n->risk, err)))
		goto fail;
	rc = lfh_store_open(&n->store, cfg->data_dir, cfg->map_size, err);
	if (!rc)
		rc = cfg->isa_path[0] ? lfh_policy_open(n, err) : lfh_node_load_keys(n, err);
	if (!rc)
		rc = publish_missing_cert(n, &cert, err);
	if (rc)
		goto fail;
	lfh_buf_free(&cert);
	*out = n;
	return 0;
fail:
	lfh_buf_free(&cert);
	lfh_node_close(n);
	return rc;
}

void lfh_node_close(lfh_node *n)
{
	if (!n)
		return;
	if (n->store)
		lfh_store_close(n->store);
	lfh_identity_free(n->id);
	lfh_identity_free(n->prev_id);
	lfh_identity_free(n->older_id);
	lfh_policy_close(n);
	lfh_keyring_free(n);
	free(n->risk);
	free(n);
}

int lfh_node_publish_cert(lfh_node *n, lfh_txn *t, const uint8_t *cert, size_t len,
			  lfh_write_result *res, lfh_err *err)
{
	static const uint8_t no_case[LFH_CASE_LEN];
	return lfh_node_write_plain(n, t, no_case, LFH_EV_CERT, LFH_KEYS_CATEGORY, NULL, 0, cert,
				    len, res, err);
}

const lfh_identity *lfh_node_identity(lfh_node *n, uint32_t gen)
{
	lfh_identity *id = NULL;
	lfh_err err = { 0 };
	const lfh_keygen *g = lfh_keyring_gen(n, n->cfg.agency, gen);

	if (gen == n->gen || !g)
		return n->id;
	if (n->prev_id && sodium_memcmp(n->prev_id->pub.sign_pk, g->sign_pk, 32) == 0)
		return n->prev_id;
	if (n->older_id && sodium_memcmp(n->older_id->pub.sign_pk, g->sign_pk, 32) == 0)
		return n->older_id;
	if (lfh_gen_load(n->cfg.key_dir, gen, &id, &err)) {
		log_warn("our key generation %u: %s", gen, err.msg);
		return n->id;
	}
	lfh_identity_free(n->older_id);
	n->older_id = id;
	return id;
}

const lfh_pubkeys *lfh_node_member(const lfh_node *n, const char *agency)
{
	for (size_t i = 0; i < n->nmembers; i++)
		if (strcmp(n->members[i].agency, agency) == 0)
			return &n->members[i];
	return NULL;
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
	rc = lfh_policy_recipients(n, t, ev->case_id, ev->type, ev->category, to, nto, out, &k, err);
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
	if (n->isa)
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

	if (ev->type == LFH_EV_ISA_PROPOSE || ev->type == LFH_EV_ISA_SIGN)
		return 0; /* hub-wide, not about a case */
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

/* Fill the author-side header fields of ev: seq, hlc, counters, key id. */
static int stamp_event(lfh_node *n, lfh_txn *t, lfh_event *ev, lfh_err *err)
{
	char name[META_NAME_MAX];
	uint64_t seq, last_hlc;
	int rc;

	memcpy(ev->hub, n->hub_id, 32);
	snprintf(ev->author, sizeof ev->author, "%s", n->id->pub.agency);
	memcpy(ev->key_id, n->id->pub.key_id, LFH_KEYID_LEN);
	ev->isa_version = n->isa ? n->isa->version : 0;
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
		meta_name(name, "ctr", ev->rcpt[i].agency);
		if ((rc = lfh_store_meta_get(t, name, &c, err)))
			return rc;
		ev->rcpt[i].ctr = c + 1;
	}
	return 0;
}

/* Persist the counters stamp_event used, once the event is stored. */
static int commit_stamp(lfh_node *n, lfh_txn *t, const lfh_event *ev, lfh_err *err)
{
	char name[META_NAME_MAX];
	int rc = lfh_store_meta_put(t, "seq", ev->seq, err);

	if (!rc)
		rc = lfh_store_meta_put(t, "hlc", ev->hlc, err);
	for (uint32_t i = 0; rc == 0 && i < ev->nrcpt; i++) {
		meta_name(name, "ctr", ev->rcpt[i].agency);
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
		rc = lfh_keyring_apply(n, t, ev, id, pr.lseq, err);
	if (!rc)
		rc = index_case(t, ev, err);
	if (!rc)
		rc = lfh_policy_apply(n, t, ev, id, 1, err);
	lfh_buf_free(&env);
	return rc;
}

/*
 * Emit one KEY event granting the sharing key (case, category, creator,
 * epoch) to the agencies listed, and remember that they have it.
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
		rc = lfh_key_seal(key, pk->box_pk, kb.grants[i].sealed, err);
		memcpy(kb.grants[i].agency, agencies[i], LFH_AGENCY_MAX + 1);
		memcpy(kev.rcpt[i].agency, agencies[i], LFH_AGENCY_MAX + 1);
	}
	kb.ngrants = kev.nrcpt = (uint32_t)count;
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

/* Our sharing key for (case, category) in the current epoch, created on first use. */
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
	lfh_sharing_key_new(key);
	return lfh_store_key_put(t, ev->case_id, ev->category, n->id->pub.agency, ev->key_epoch,
				 key, err);
}

static int refuse_if_removed(const lfh_node *n, lfh_err *err)
{
	if (!n->removed)
		return 0;
	return lfh_err_set(err, LFH_EPERM, "agency %s was removed from the hub by ISA version %u: "
			   "it writes nothing more", n->cfg.agency, n->isa ? n->isa->version : 0);
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
	if ((rc = refuse_if_removed(n, err)))
		return rc;
	if (!lfh_name_valid(category))
		return lfh_err_set(err, LFH_EINVAL, "invalid category '%s'", category);
	memcpy(ev.case_id, case_id, LFH_CASE_LEN);
	ev.type = type;
	snprintf(ev.category, sizeof ev.category, "%s", category);
	snprintf(ev.key_creator, sizeof ev.key_creator, "%s", n->id->pub.agency);
	ev.nonce_len = LFH_NONCE_LEN;
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

	if (!n->isa)
		return lfh_err_set(err, LFH_EINVAL, "governance events need an ISA (config: isa =)");
	if ((rc = refuse_if_removed(n, err)))
		return rc;
	if (!lfh_event_type_plain(type) || type == LFH_EV_KEY)
		return lfh_err_set(err, LFH_EINVAL, "event type %u has an encrypted body", type);
	if (len > LFH_BODY_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "event body is %zu bytes (max %d)", len,
				   LFH_BODY_MAX);
	memcpy(ev.case_id, case_id, LFH_CASE_LEN);
	ev.type = type;
	snprintf(ev.category, sizeof ev.category, "%s", category);
	rc = policy_recipients(n, t, to, nto, &ev, err);
	if (!rc)
		rc = stamp_event(n, t, &ev, err);
	if (!rc) {
		ev.body = (uint8_t *)body;
		ev.body_len = len;
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
	return rc;
}

/* Open the grant sealed to us in a KEY event we received, and keep the key. */
static int accept_key_event(lfh_node *n, lfh_txn *t, const lfh_event *ev, lfh_err *err)
{
	lfh_key_body kb;
	uint8_t key[32];
	int rc = lfh_key_body_decode(ev->body, ev->body_len, &kb, err);

	if (rc)
		return rc;
	/* Without an ISA only a key's creator grants it; with one, a participant
	 * may pass on a key it holds to a newcomer (backfill). */
	if (strcmp(kb.creator, ev->author) != 0 && !n->isa)
		return lfh_err_set(err, LFH_EPERM, "key event by %s grants a key of %s", ev->author,
				   kb.creator);
	for (uint32_t i = 0; i < kb.ngrants; i++) {
		uint8_t held[32];
		if (strcmp(kb.grants[i].agency, n->id->pub.agency) != 0)
			continue;
		rc = lfh_store_key_get(t, ev->case_id, ev->category, kb.creator, kb.epoch, held, NULL);
		sodium_memzero(held, sizeof held);
		if (rc == 0)
			return 0; /* already held: a later grant never replaces it */
		rc = lfh_key_open(kb.grants[i].sealed, n->id->pub.box_pk, n->id->box_sk, key, err);
		if (rc == LFH_ECRYPTO && n->prev_id) /* sealed before the sender knew our new keys */
			rc = lfh_key_open(kb.grants[i].sealed, n->prev_id->pub.box_pk,
					  n->prev_id->box_sk, key, err);
		if (!rc)
			rc = lfh_store_key_put(t, ev->case_id, ev->category, kb.creator, kb.epoch, key,
					       err);
		sodium_memzero(key, sizeof key);
		return rc;
	}
	return 0; /* our own key event relayed back: nothing to open */
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
	char seen_name[META_NAME_MAX], contig_name[META_NAME_MAX];
	uint64_t seen, contig, ctr;
	int idx = lfh_event_find_recipient(ev, n->id->pub.agency);
	int rc;

	if (idx < 0)
		return 0;
	ctr = ev->rcpt[idx].ctr;
	meta_name(seen_name, "seen", ev->author);
	meta_name(contig_name, "contig", ev->author);
	if ((rc = lfh_store_meta_get(t, seen_name, &seen, err)) ||
	    (rc = lfh_store_meta_get(t, contig_name, &contig, err)))
		return rc;
	if (ctr > seen && (rc = lfh_store_meta_put(t, seen_name, ctr, err)))
		return rc;
	if (ctr != contig + 1)
		return 0;
	/* Advance over any later counters that arrived out of order. */
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
		if (!rc && strcmp(kb.creator, ev->author) != 0 && !n->isa)
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

/* The checks of PROTOCOL.md "Verification by a receiver", in order. */
static int verify_received(lfh_node *n, const lfh_event *ev, const char *from, lfh_err *err)
{
	int rc;

	if (sodium_memcmp(ev->hub, n->hub_id, 32) != 0)
		return lfh_err_set(err, LFH_EHUB, "event from %s is for another hub", from);
	if (!lfh_node_member(n, ev->author))
		return lfh_err_set(err, LFH_EPERM, "event author '%s' is not a member", ev->author);
	if ((rc = lfh_keyring_verify(n, ev, err)))
		return rc;
	if (!n->isa && strcmp(ev->author, n->id->pub.agency) != 0 &&
	    lfh_event_find_recipient(ev, n->id->pub.agency) < 0)
		return lfh_err_set(err, LFH_EPERM, "event by %s seq %llu is not addressed to us",
				   ev->author, (unsigned long long)ev->seq);
	return 0;
}

/* Decode and verify one received envelope. Touches no store: safe on any thread. */
static int check_received(lfh_node *n, const uint8_t *raw, size_t len, const char *from,
			  lfh_event *ev, lfh_err *err)
{
	int rc = lfh_event_decode(raw, len, ev, err);
	return rc ? rc : verify_received(n, ev, from, err);
}

/* Store one verified event and update the state that depends on it. */
static int store_received(lfh_node *n, lfh_txn *t, const uint8_t *raw, size_t len,
			  const lfh_event *ev, lfh_ingest_result *res, lfh_err *err)
{
	lfh_put_result pr = { 0 };
	uint8_t id[LFH_ID_LEN];
	int rc;

	lfh_event_id(raw, len, id);
	rc = lfh_keyring_check_time(n, ev, err); /* key events earlier in the batch may revoke */
	if (!rc)
		rc = check_plain_body(n, ev, err);
	if (!rc)
		rc = lfh_keyring_accept(n, ev, err);
	if (!rc)
		rc = lfh_policy_accept(n, t, ev, err); /* the ISA's say: before anything is stored */
	if (!rc)
		rc = lfh_store_put_event(t, raw, len, ev, id, &pr, err);
	if (!rc && pr.was_new) {
		if (ev->type == LFH_EV_KEY)
			rc = accept_key_event(n, t, ev, err);
		if (!rc)
			rc = lfh_keyring_apply(n, t, ev, id, pr.lseq, err);
		if (!rc)
			rc = note_slot(n, t, ev, err);
		if (!rc)
			rc = index_case(t, ev, err);
		if (!rc)
			rc = lfh_policy_apply(n, t, ev, id, 0, err);
		if (!rc && ev->hlc > n->hlc_last) {
			n->hlc_last = ev->hlc;
			rc = lfh_store_meta_put(t, "hlc", n->hlc_last, err);
		}
	}
	if (!rc) {
		res->stored = pr.was_new;
		res->hlc = ev->hlc;
		res->type = ev->type;
		res->nrcpt = ev->nrcpt;
		for (uint32_t i = 0; i < ev->nrcpt; i++)
			memcpy(res->rcpt[i], ev->rcpt[i].agency, LFH_AGENCY_MAX + 1);
	}
	return rc;
}

int lfh_node_ingest(lfh_node *n, lfh_txn *t, const uint8_t *raw, size_t len, const char *from,
		    lfh_ingest_result *res, lfh_err *err)
{
	lfh_event ev = { 0 };
	int rc;

	memset(res, 0, sizeof *res);
	rc = check_received(n, raw, len, from, &ev, err);
	if (!rc)
		rc = store_received(n, t, raw, len, &ev, res, err);
	lfh_event_clear(&ev);
	return rc;
}

#define VERIFY_THREADS_MAX 8
#define VERIFY_MIN_PER_THREAD 16

typedef struct verify_job {
	lfh_node *n;
	const char *from;
	const lfh_envelope_ref *in;
	lfh_event *ev;
	int *status;
	lfh_err *errs;
	size_t begin, end;
} verify_job;

static void *verify_range(void *arg)
{
	verify_job *j = arg;
	for (size_t i = j->begin; i < j->end; i++)
		j->status[i] = check_received(j->n, j->in[i].raw, j->in[i].len, j->from, &j->ev[i],
					      &j->errs[i]);
	return NULL;
}

/* How many threads share the signature checks of a batch of count events. */
static size_t verify_threads(size_t count)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t k = cpus > 0 ? (size_t)cpus : 1;
	if (k > VERIFY_THREADS_MAX)
		k = VERIFY_THREADS_MAX;
	if (k > count / VERIFY_MIN_PER_THREAD)
		k = count / VERIFY_MIN_PER_THREAD;
	return k ? k : 1;
}

/* Run check_received over in[0..count) on up to verify_threads(count) threads. */
static void verify_parallel(lfh_node *n, const char *from, const lfh_envelope_ref *in,
			    size_t count, lfh_event *ev, int *status, lfh_err *errs)
{
	verify_job jobs[VERIFY_THREADS_MAX];
	pthread_t th[VERIFY_THREADS_MAX];
	int started[VERIFY_THREADS_MAX] = { 0 };
	size_t k = verify_threads(count);

	for (size_t i = 0; i < k; i++)
		jobs[i] = (verify_job){ n, from, in, ev, status, errs, count * i / k,
					count * (i + 1) / k };
	for (size_t i = 1; i < k; i++)
		started[i] = pthread_create(&th[i], NULL, verify_range, &jobs[i]) == 0;
	verify_range(&jobs[0]);
	for (size_t i = 1; i < k; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else
			verify_range(&jobs[i]); /* no thread to be had: do it here */
	}
}

static int is_key_event(const lfh_event *ev)
{
	return ev->type == LFH_EV_CERT || ev->type == LFH_EV_REVOKE;
}

/*
 * Store in[i] (already verified in parallel). A signature check that failed
 * only for want of a key generation is repeated: a CERT stored just before
 * may have introduced it.
 */
static int store_one(lfh_node *n, lfh_txn *t, const lfh_envelope_ref *in, const char *from,
		     lfh_event *ev, lfh_ingest_result *res, int *status, lfh_err *errs,
		     lfh_err *err)
{
	memset(res, 0, sizeof *res);
	if (*status == LFH_EKEYID) {
		lfh_event_clear(ev);
		*status = check_received(n, in->raw, in->len, from, ev, errs);
	}
	if (*status == 0) {
		*status = store_received(n, t, in->raw, in->len, ev, res, errs);
		if (*status == LFH_ESTORE || *status == LFH_ENOMEM)
			return lfh_err_set(err, *status, "%s", errs->msg);
	}
	return 0;
}

int lfh_node_ingest_batch(lfh_node *n, lfh_txn *t, const lfh_envelope_ref *in, size_t count,
			  const char *from, lfh_ingest_result *res, int *status, lfh_err *errs,
			  lfh_err *err)
{
	lfh_event *ev = calloc(count ? count : 1, sizeof *ev);
	int rc = 0;

	if (!ev)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	verify_parallel(n, from, in, count, ev, status, errs);
	/* Key events first: a revocation or certificate governs the rest of the batch. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; rc == 0 && i < count; i++)
			if (is_key_event(&ev[i]) == (pass == 0))
				rc = store_one(n, t, &in[i], from, &ev[i], &res[i], &status[i],
					       &errs[i], err);
	for (size_t i = 0; i < count; i++)
		lfh_event_clear(&ev[i]);
	free(ev);
	return rc;
}

int lfh_node_gaps(lfh_node *n, lfh_txn *t, const char *author, uint64_t *first_missing,
		  uint64_t *highest, uint64_t *missing, lfh_err *err)
{
	char name[META_NAME_MAX];
	uint64_t contig, seen, present = 0;
	int rc;

	meta_name(name, "seen", author);
	if ((rc = lfh_store_meta_get(t, name, &seen, err)))
		return rc;
	meta_name(name, "contig", author);
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

int lfh_node_open_event(lfh_node *n, lfh_txn *t, const uint8_t *raw, size_t len, lfh_event *ev,
			lfh_record *body, lfh_err *err)
{
	lfh_buf ad = { 0 }, pt = { 0 };
	uint8_t key[32];
	int rc = lfh_event_decode(raw, len, ev, err);

	(void)n;
	if (rc || ev->type == LFH_EV_KEY || ev->type == LFH_EV_ISA_PROPOSE ||
	    ev->type == LFH_EV_CERT || ev->type == LFH_EV_REVOKE)
		return rc; /* bodies that are not records */
	if (lfh_event_type_plain(ev->type))
		return lfh_record_decode(ev->body, ev->body_len, body, err);
	rc = lfh_store_key_get(t, ev->case_id, ev->category, ev->key_creator, ev->key_epoch, key,
			       err);
	if (rc == LFH_ENOTFOUND)
		return lfh_err_set(err, LFH_ENOKEY, "sharing key %s/%u for this case is missing",
				   ev->key_creator, ev->key_epoch);
	if (!rc)
		rc = lfh_event_header_bytes(ev, &ad, err);
	if (!rc)
		rc = lfh_body_decrypt(key, ev->nonce, ad.data, ad.len, ev->body, ev->body_len, &pt,
				      err);
	if (!rc)
		rc = lfh_record_decode(pt.data, pt.len, body, err);
	sodium_memzero(key, sizeof key);
	lfh_buf_free(&ad);
	lfh_buf_free(&pt);
	return rc;
}

int lfh_node_retention(lfh_node *n, uint64_t now_ms, uint64_t *count, lfh_err *err)
{
	lfh_txn *t = NULL;
	int rc;

	*count = 0;
	if (!n->isa)
		return 0;
	rc = lfh_txn_begin(n->store, 1, &t, err);
	if (!rc)
		rc = lfh_policy_retention(n, t, now_ms, count, err);
	if (!rc)
		rc = lfh_policy_sharing_schedule(n, t, now_ms, err);
	if (!rc)
		return lfh_txn_commit(t, err);
	lfh_txn_abort(t);
	return rc;
}
