/*
 * node.c - the node's core: opening it, and writing our own events
 * (receiving: node/ingest.c; serving peers: node/serve.c).
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
 *
 * Meta counters: "seq" (our last author seq), "ctr:<agency>" (our last
 * counter to a recipient), "seen:<author>" (highest counter an author used
 * for us), "contig:<author>" (we hold every counter up to this), "hlc".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#include "node_int.h"

void lfh_node_meta_name(char out[META_NAME_MAX], const char *prefix, const char *agency)
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
int lfh_node_index_case(lfh_txn *t, const lfh_event *ev, lfh_err *err)
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
		lfh_node_meta_name(name, "ctr", ev->rcpt[i].agency);
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
		lfh_node_meta_name(name, "ctr", ev->rcpt[i].agency);
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
		rc = lfh_node_index_case(t, ev, err);
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
