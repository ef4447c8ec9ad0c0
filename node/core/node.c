/*
 * node.c - the node's core (include/lfh/node.h): opening it (keys, store,
 * the rules' state, peers), our key generations, sharing-key epochs,
 * retention, and opening stored events. Writing our own events and applying
 * any event's effects is node/core/write.c; receiving and serving peers is
 * node/sync/.
 *
 * The core sits between the front ends (node/control/, node/sync/), which
 * call it, and the rules (node/rules/) and store (node/store/), which it
 * calls; the rules never call back: what they cause comes back as data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/cert.h"
#include "lfh/generation.h"
#include "lfh/hlc.h"
#include "lfh/identity.h"
#include "lfh/isa.h"
#include "lfh/keyreserve.h"
#include "lfh/reref.h"
#include "lfh/keyring.h"
#include "lfh/log.h"
#include "lfh/membership.h"
#include "lfh/node.h"
#include "lfh/quota.h"
#include "lfh/recovery.h"
#include "lfh/policy.h"
#include "lfh/project.h"
#include "lfh/risk.h"
#include "lfh/sharing.h"
#include "lfh/summarize.h"
#include "lfh/summary.h"
#include "lfh/write.h"

#define DAY_MS 86400000ULL

static int members_from_config(lfh_node *n, lfh_err *err)
{
	lfh_rules *r = &n->rules;

	r->members[0] = n->id->pub;
	for (size_t i = 0; i < n->cfg.npeers; i++)
		r->members[i + 1] = n->cfg.peers[i].pub;
	r->nmembers = n->cfg.npeers + 1;
	return lfh_hub_id(n->cfg.hub, r->members, r->nmembers, r->hub_id, err);
}

int lfh_node_load_keys(lfh_node *n, lfh_err *err)
{
	lfh_txn *t = NULL;
	int rc = lfh_txn_begin(n->store, 0, &t, err);

	if (!rc)
		rc = lfh_keyring_load(&n->rules, t, err);
	lfh_txn_abort(t);
	return rc;
}

void lfh_node_reload_keys(lfh_node *n)
{
	lfh_err err = { 0 };

	n->ntops = 0;
	if (lfh_node_load_keys(n, &err))
		log_error("reloading key generations: %s", err.msg);
}

/*
 * Our newest generation's certificate must be known to the hub: it is
 * published here if a rotation stopped between saving the keys and
 * storing the CERT event. (The keyring may know the generation from our
 * key directory, own_certs: lseq 0 then says its CERT is not stored.)
 */
static int publish_missing_cert(lfh_node *n, const lfh_buf *cert, lfh_err *err)
{
	const lfh_keygen *g = lfh_keyring_gen(&n->rules, n->cfg.agency, n->gen);
	lfh_write_result res;
	lfh_txn *t = NULL;
	int rc;

	if (n->gen == 1 || n->rules.removed || n->recovering || (g && g->lseq))
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

/*
 * The certificates of our generations 2..gen in key_dir, for the keyring
 * (rules.h own_certs): with a replaced or restored store it learns our
 * newer generations from them, before any socket opens, so the node uses
 * its current transport key, which the peers admit (PROTOCOL.md 13.1).
 * The newest must certify the keys we sign with; one that does not read
 * or decode is left out, with a warning.
 */
static int load_own_certs(lfh_node *n, lfh_err *err)
{
	lfh_cert *certs;

	if (n->gen < 2)
		return 0;
	if (!(certs = calloc(n->gen - 1, sizeof *certs)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	n->rules.own_certs = certs;
	for (uint32_t gen = 2; gen <= n->gen; gen++) {
		lfh_buf raw = { 0 };
		lfh_err why = { 0 };
		lfh_cert *c = &certs[n->rules.nown_certs];
		int rc = lfh_gen_cert_read(n->cfg.key_dir, gen, &raw, &why);
		if (!rc)
			rc = lfh_cert_decode(raw.data, raw.len, c, &why);
		lfh_buf_free(&raw);
		if (!rc && c->generation != gen)
			rc = lfh_err_set(&why, LFH_EINVAL, "it certifies generation %u", c->generation);
		if (!rc && gen == n->gen &&
		    (sodium_memcmp(c->sign_pk, n->id->pub.sign_pk, 32) ||
		     sodium_memcmp(c->box_pk, n->id->pub.box_pk, 32) ||
		     sodium_memcmp(c->curve_pk, n->id->pub.curve_pk, 32)))
			return lfh_err_set(err, LFH_ECONFIG, "key_dir %s: the certificate of generation "
					   "%u is not of its keys", n->cfg.key_dir, gen);
		if (rc == LFH_ENOTFOUND)
			continue; /* generations need not be consecutive */
		if (rc) {
			log_warn("key_dir %s: the certificate of our generation %u is left out: %s",
				 n->cfg.key_dir, gen, why.msg);
			continue;
		}
		n->rules.nown_certs++;
	}
	return 0;
}

/* A store of a newer format than ours is refused before anything is written to it. */
static int check_store_format(lfh_node *n, uint64_t *format, lfh_err *err)
{
	lfh_txn *t = NULL;
	int rc = lfh_txn_begin(n->store, 0, &t, err);

	*format = 0;
	if (!rc)
		rc = lfh_store_meta_get(t, "store_format", format, err);
	lfh_txn_abort(t);
	if (!rc && *format > LFH_STORE_FORMAT)
		rc = lfh_err_set(err, LFH_EVERSION, "store %s has format %llu, newer than this lfhd "
				 "reads (%d): run the lfhd that wrote it (nothing was changed)",
				 n->cfg.data_dir, (unsigned long long)*format, LFH_STORE_FORMAT);
	return rc;
}

/* Once every migration at open is done: the store is of our format. */
static int record_store_format(lfh_node *n, uint64_t was, lfh_err *err)
{
	lfh_txn *t = NULL;
	int rc;

	if (was == LFH_STORE_FORMAT)
		return 0;
	if ((rc = lfh_txn_begin(n->store, 1, &t, err)))
		return rc;
	if ((rc = lfh_store_meta_put(t, "store_format", LFH_STORE_FORMAT, err))) {
		lfh_txn_abort(t);
		return rc;
	}
	return lfh_txn_commit(t, err);
}

/* An earlier build's summaries go (summary.h); this build keeps new ones. */
static int upgrade_summaries(lfh_node *n, lfh_err *err)
{
	lfh_txn *t = NULL;
	uint64_t removed = 0;
	int rc = lfh_txn_begin(n->store, 1, &t, err);

	if (!rc)
		rc = lfh_summary_upgrade(t, &removed, err);
	if (rc) {
		lfh_txn_abort(t);
		return rc;
	}
	if (removed)
		log_info("removed %llu rows of summaries an earlier lfhd kept: new ones follow",
			 (unsigned long long)removed);
	return lfh_txn_commit(t, err);
}

/*
 * Once: each party's storage quota counted again from what the store holds.
 * An lfhd before 0.4.5 never lowered the count as retention shredded, so a
 * long-running hub came to refuse its busiest partner for ever.
 */
static int recount_quotas(lfh_node *n, lfh_err *err)
{
	lfh_txn *t = NULL;
	uint64_t done = 0;
	int rc = lfh_txn_begin(n->store, 1, &t, err);

	if (!rc && lfh_store_meta_get(t, "quota_recounted", &done, NULL) == 0 && done) {
		lfh_txn_abort(t);
		return 0;
	}
	for (uint32_t i = 0; !rc && n->rules.isa && i < n->rules.isa->nparties; i++)
		if (strcmp(n->rules.isa->parties[i].id, n->cfg.agency))
			rc = lfh_quota_recount(t, n->rules.isa->parties[i].id, err);
	for (size_t i = 0; !rc && !n->rules.isa && i < n->cfg.npeers; i++) /* a hub without ISA */
		rc = lfh_quota_recount(t, n->cfg.peers[i].agency, err);
	if (!rc)
		rc = lfh_store_meta_put(t, "quota_recounted", 1, err);
	if (rc) {
		lfh_txn_abort(t);
		return rc;
	}
	return lfh_txn_commit(t, err);
}

/* Our events refused here, to ask for again once a new ISA version is adopted (ingest.c). */
static int load_refused_own(lfh_node *n, lfh_err *err)
{
	lfh_txn *t = NULL;
	int rc = lfh_txn_begin(n->store, 0, &t, err);

	if (!rc)
		rc = lfh_store_meta_get(t, "own_refused", &n->refused_own_from, err);
	lfh_txn_abort(t);
	return rc;
}

/* The name of one sharing key the store holds (the first), if any. */
struct some_key {
	int found;
	uint8_t case_id[LFH_CASE_LEN];
	char category[LFH_CATEGORY_MAX + 1], creator[LFH_AGENCY_MAX + 1];
	uint32_t epoch;
};

static int some_key_fn(void *ctx, const uint8_t case_id[LFH_CASE_LEN], const char *category,
		       const char *creator, uint32_t epoch)
{
	struct some_key *k = ctx;

	k->found = 1;
	memcpy(k->case_id, case_id, LFH_CASE_LEN);
	snprintf(k->category, sizeof k->category, "%s", category);
	snprintf(k->creator, sizeof k->creator, "%s", creator);
	k->epoch = epoch;
	return 1;
}

/* Does the store key open the key found (0), or is it another store's (LFH_ECRYPTO)? */
static int kek_opens(lfh_node *n, const struct some_key *k, lfh_err *err)
{
	uint8_t *key = sodium_malloc(32);
	lfh_txn *t = NULL;
	int rc;

	if (!key)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	rc = lfh_txn_begin(n->store, 0, &t, err);
	if (!rc)
		rc = lfh_store_key_get(t, k->case_id, k->category, k->creator, k->epoch, key, err);
	lfh_txn_abort(t);
	sodium_free(key);
	if (rc == LFH_ECRYPTO)
		return lfh_err_set(err, LFH_ECONFIG, "%s/store.key does not open the sharing keys in "
				   "the store: it is another store's. Put back the store.key kept with "
				   "this store (a backup holds both)", n->cfg.key_dir);
	return rc;
}

/*
 * The store keeps sharing keys under the key directory's store key, made on
 * first use. A store that holds keys is never given a new one (every case
 * would become unreadable): a missing or wrong store.key stops the node.
 * A store of format 1 kept its keys in the clear: it gets its first one.
 */
static int open_kek(lfh_node *n, uint64_t format, lfh_err *err)
{
	struct some_key k = { 0 };
	lfh_txn *t = NULL;
	uint8_t *kek;
	int rc = lfh_txn_begin(n->store, 0, &t, err);

	if (!rc)
		rc = lfh_store_scan_key_names(t, some_key_fn, &k, err);
	lfh_txn_abort(t);
	if (rc)
		return rc;
	if (k.found && format >= 2 && !lfh_kek_exists(n->cfg.key_dir))
		return lfh_err_set(err, LFH_ECONFIG, "%s/store.key is missing, and the store holds "
				   "sharing keys kept under it: put back the store.key kept with this "
				   "store (a backup holds both); a new one would open none of them",
				   n->cfg.key_dir);
	if (!(kek = sodium_malloc(32)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	rc = lfh_kek_load(n->cfg.key_dir, kek, err);
	if (!rc)
		rc = lfh_store_set_kek(n->store, kek, err);
	sodium_free(kek);
	return rc || !k.found || format < 2 ? rc : kek_opens(n, &k, err);
}

/* With an ISA: the rules open on it, and the peers follow its parties. */
static int open_policy(lfh_node *n, lfh_err *err)
{
	int rc = lfh_policy_open(&n->rules, n->store, n->cfg.isa_path, n->cfg.data_dir,
				 &n->id->pub, n->gen, err);

	if (!rc)
		snprintf(n->cfg.hub, sizeof n->cfg.hub, "%.*s", LFH_HUBNAME_MAX, n->rules.isa->hub);
	return rc ? rc : lfh_node_derive_peers(n, 1, err);
}

int lfh_node_open(lfh_node **out, const lfh_config *cfg, lfh_err *err)
{
	lfh_node *n = calloc(1, sizeof *n);
	lfh_buf cert = { 0 };
	uint64_t format = 0;
	int rc;

	if (!n)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	n->cfg = *cfg;
	rc = lfh_gen_open(cfg->key_dir, &n->id, &n->gen, &n->prev_id, &cert, err);
	if (rc) {
		lfh_err_prefix(err, "key_dir");
		goto fail;
	}
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
	snprintf(n->rules.self, sizeof n->rules.self, "%s", cfg->agency);
	if ((rc = load_own_certs(n, err)))
		goto fail;
	if (cfg->isa_path[0]) { /* the [peer] sections only override what the ISA gives */
		memcpy(n->overrides, cfg->peers, cfg->npeers * sizeof *cfg->peers);
		n->noverrides = cfg->npeers;
	}
	if (!cfg->isa_path[0] && (rc = members_from_config(n, err)))
		goto fail;
	if (!(n->risk = calloc(1, sizeof *n->risk))) {
		rc = lfh_err_set(err, LFH_ENOMEM, "out of memory");
		goto fail;
	}
	lfh_risk_default(n->risk);
	if (cfg->risk_path[0] && (rc = lfh_risk_load(cfg->risk_path, n->risk, err))) {
		lfh_err_prefix(err, "risk");
		goto fail;
	}
	rc = lfh_store_open(&n->store, cfg->data_dir, cfg->map_size, err);
	if (!rc)
		rc = check_store_format(n, &format, err);
	if (!rc)
		rc = open_kek(n, format, err);
	if (!rc)
		rc = cfg->isa_path[0] ? open_policy(n, err) : lfh_node_load_keys(n, err);
	if (!rc)
		rc = lfh_keyreserve_new(&n->reserve, NULL, err);
	if (!rc)
		rc = lfh_recovery_open(n, err);
	if (!rc)
		rc = upgrade_summaries(n, err);
	if (!rc)
		rc = recount_quotas(n, err);
	if (!rc)
		rc = load_refused_own(n, err);
	if (!rc)
		rc = record_store_format(n, format, err);
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
	if (n->store && n->incarnation) { /* the key directory learns how far the store got */
		lfh_err err = { 0 };
		if (lfh_recovery_save(n, &err))
			log_error("recording the node's state: %s", err.msg);
	}
	if (n->store)
		lfh_store_close(n->store);
	lfh_keyreserve_free(n->reserve);
	lfh_identity_free(n->id);
	lfh_identity_free(n->prev_id);
	for (size_t i = 0; i < n->nolder; i++)
		lfh_identity_free(n->older[i].id);
	free(n->older);
	lfh_policy_close(&n->rules);
	lfh_keyring_free(&n->rules);
	free((void *)n->rules.own_certs);
	free(n->risk);
	free(n);
}

/*
 * Our generation gen (older than the previous one) from key_dir, loaded
 * on first use and kept until close (its secrets in sodium memory,
 * lfh_identity_load); NULL if key_dir does not hold it, which is looked
 * for once only.
 */
static const lfh_identity *older_gen(lfh_node *n, uint32_t gen)
{
	struct lfh_older_gen *more;
	lfh_identity *id = NULL;
	lfh_err err = { 0 };

	for (size_t i = 0; i < n->nolder; i++)
		if (n->older[i].gen == gen)
			return n->older[i].id;
	if (lfh_gen_load(n->cfg.key_dir, gen, &id, &err))
		log_warn("our key generation %u: %s", gen, err.msg);
	if (!(more = realloc(n->older, (n->nolder + 1) * sizeof *more))) {
		lfh_identity_free(id);
		return NULL; /* looked for again next time */
	}
	n->older = more;
	n->older[n->nolder].gen = gen;
	n->older[n->nolder++].id = id;
	return id;
}

/* Our generation gen: current, previous or older (NULL if key_dir lacks it). */
static const lfh_identity *own_gen(lfh_node *n, uint32_t gen)
{
	if (gen == n->gen)
		return n->id;
	if (gen + 1 == n->gen && n->prev_id)
		return n->prev_id;
	return older_gen(n, gen);
}

const lfh_identity *lfh_node_identity(lfh_node *n, uint32_t gen)
{
	const lfh_keygen *g = lfh_keyring_gen(&n->rules, n->cfg.agency, gen);
	const lfh_identity *id;

	if (gen == n->gen || !g)
		return n->id;
	if (n->prev_id && sodium_memcmp(n->prev_id->pub.sign_pk, g->sign_pk, 32) == 0)
		return n->prev_id;
	id = own_gen(n, gen);
	return id ? id : n->id;
}

int lfh_node_open_grant(lfh_node *n, const uint8_t sealed[LFH_SEALED_LEN], uint8_t key[32],
			lfh_err *err)
{
	for (uint32_t gen = n->gen; gen >= 1; gen--) {
		const lfh_identity *id = own_gen(n, gen);
		if (id && lfh_key_open(sealed, id->pub.box_pk, id->box_sk, key, NULL) == 0)
			return 0;
	}
	return lfh_err_set(err, LFH_ECRYPTO, "the sharing key sealed to %s opens with none of its "
			   "key generations 1..%u that key_dir %s holds", n->cfg.agency, n->gen,
			   n->cfg.key_dir);
}

/* How long each retention tick may spend keeping summaries (summarize.h). */
#define SUMMARIZE_MS 20

int lfh_node_retention(lfh_node *n, uint64_t now_ms, uint64_t *count, lfh_err *err)
{
	lfh_txn *t = NULL;
	int rc;

	*count = 0;
	lfh_keyreserve_idle(n->reserve);
	if (!n->rules.isa)
		return 0;
	rc = lfh_txn_begin(n->store, 1, &t, err);
	if (!rc)
		rc = lfh_policy_retention(&n->rules, t, now_ms, count, err);
	if (!rc && *count) {
		uint64_t removed = 0; /* what the re-referral index derived from them goes too */
		rc = lfh_reref_prune(t, now_ms, &removed, err);
	}
	if (!rc)
		rc = lfh_node_sharing_schedule(n, t, now_ms, err);
	if (!rc)
		rc = lfh_summarize(n, t, SUMMARIZE_MS, 1, err);
	if (!rc)
		return lfh_txn_commit(t, err);
	lfh_txn_abort(t);
	return rc;
}
