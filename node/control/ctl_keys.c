/*
 * ctl_keys.c - key management commands (admins; PROTOCOL.md 10 and 15):
 *
 *   keys_list                      every member's key generations, our
 *                                  sharing-key epoch and the sharing keys held
 *   keys_rotate  [valid_ms grace_ms]   new operational keys, certified with the
 *                                  root secret in key_dir, published as CERT
 *   keys_rotate  prepare=1         new keys wait in key_dir/pending; reply
 *                                  {request}: the certificate to have signed
 *   keys_rotate  cert=HEX          install the pending keys with their
 *                                  certificate (from `lfh admin keys certify`)
 *   keys_revoke  generation [effective_ms] reason   a REVOKE event
 *   keys_rotate_sharing            a new sharing-key epoch now
 *
 * Every one is audited by the control server; rotate and revoke are also
 * signed events every member stores.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/cert.h"
#include "lfh/ctl.h"
#include "lfh/generation.h"
#include "lfh/hlc.h"
#include "lfh/isa.h"
#include "lfh/keyring.h"
#include "lfh/membership.h"
#include "lfh/policy.h"

#define DAY_MS 86400000ULL
#define DEFAULT_VALID_MS (365ULL * DAY_MS)
#define DEFAULT_GRACE_MS DAY_MS

/* ---- keys_list ------------------------------------------------------------ */

static const char *gen_state(const lfh_node *n, const lfh_keygen *g, uint64_t now)
{
	const lfh_keygen *newest = lfh_keyring_newest(&n->rules, g->agency, now);
	if (g->revoked_ms <= now)
		return "revoked";
	if (g->not_after_ms <= now)
		return "expired";
	if (newest == g)
		return "current";
	return lfh_keyring_until(&n->rules, g) > now ? "grace" : "retired";
}

static int set_time(lfh_record *r, const char *key, uint64_t ms, lfh_err *err)
{
	char when[32];
	if (ms == LFH_NEVER || ms == 0)
		return lfh_record_set_str(r, key, ms ? "never" : "-", err);
	lfh_ctl_time(ms, when);
	return lfh_record_set_str(r, key, when, err);
}

static int list_gen(lfh_ctl_req *q, const lfh_keygen *g, uint64_t now)
{
	const lfh_keygen *tr = lfh_keyring_transport(&q->node->rules, g->agency, now);
	lfh_record *r = lfh_ctl_add(&q->rep);
	char kid[2 * LFH_KEYID_LEN + 1];
	lfh_err err = { 0 };
	uint64_t until = lfh_keyring_until(&q->node->rules, g);

	if (!r)
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	lfh_hex(kid, g->key_id, LFH_KEYID_LEN);
	if (lfh_record_set_str(r, "kind", "key", &err) ||
	    lfh_record_set_str(r, "agency", g->agency, &err) ||
	    lfh_record_set_uint(r, "generation", g->generation, &err) ||
	    lfh_record_set_str(r, "key_id", kid, &err) ||
	    lfh_record_set_str(r, "state", gen_state(q->node, g, now), &err) ||
	    lfh_record_set_str(r, "transport", tr == g ? "yes" : "no", &err) ||
	    set_time(r, "since", g->not_before_ms, &err) ||
	    set_time(r, "expires", g->not_after_ms, &err) ||
	    lfh_record_set_uint(r, "expires_ms", g->not_after_ms == LFH_NEVER ? 0 : g->not_after_ms,
				&err) ||
	    set_time(r, "valid_until", until, &err) ||
	    set_time(r, "revoked", g->revoked_ms, &err) ||
	    lfh_record_set_str(r, "reason", g->reason, &err))
		return lfh_ctl_fail(&q->rep, err.code ? err.code : LFH_ENOMEM, err.msg);
	return 0;
}

struct epoch_count {
	char creator[LFH_AGENCY_MAX + 1];
	uint32_t epoch;
	uint64_t keys;
};

struct key_names {
	size_t n;
	struct epoch_count c[256];
};

static int key_name_fn(void *vctx, const uint8_t case_id[LFH_CASE_LEN], const char *category,
		       const char *creator, uint32_t epoch)
{
	struct key_names *k = vctx;
	(void)case_id;
	(void)category;
	for (size_t i = 0; i < k->n; i++)
		if (k->c[i].epoch == epoch && strcmp(k->c[i].creator, creator) == 0) {
			k->c[i].keys++;
			return 0;
		}
	if (k->n == sizeof k->c / sizeof k->c[0])
		return 0;
	snprintf(k->c[k->n].creator, sizeof k->c[k->n].creator, "%s", creator);
	k->c[k->n].epoch = epoch;
	k->c[k->n++].keys = 1;
	return 0;
}

/* The sharing keys held here, counted per (creator, epoch): names only. */
static int list_sharing(lfh_ctl_req *q, lfh_txn *t)
{
	struct key_names *k = calloc(1, sizeof *k);
	uint64_t epoch = 0, since = 0;
	lfh_err err = { 0 };
	lfh_record *r;
	int rc;

	if (!k)
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	rc = lfh_store_scan_key_names(t, key_name_fn, k, &err);
	if (!rc)
		rc = lfh_store_meta_get(t, LFH_META_SHARING_EPOCH, &epoch, &err);
	if (!rc)
		rc = lfh_store_meta_get(t, LFH_META_SHARING_EPOCH_MS, &since, &err);
	if (!rc && (!(r = lfh_ctl_add(&q->rep)) || lfh_record_set_str(r, "kind", "epoch", &err) ||
		    lfh_record_set_uint(r, "epoch", epoch, &err) || set_time(r, "since", since, &err) ||
		    lfh_record_set_uint(r, "rotate_days", q->node->cfg.sharing_rotate_days, &err)))
		rc = err.code ? err.code : LFH_ENOMEM;
	for (size_t i = 0; rc == 0 && i < k->n; i++)
		if (!(r = lfh_ctl_add(&q->rep)) || lfh_record_set_str(r, "kind", "sharing", &err) ||
		    lfh_record_set_str(r, "creator", k->c[i].creator, &err) ||
		    lfh_record_set_uint(r, "epoch", k->c[i].epoch, &err) ||
		    lfh_record_set_uint(r, "keys", k->c[i].keys, &err))
			rc = err.code ? err.code : LFH_ENOMEM;
	free(k);
	return rc ? lfh_ctl_fail(&q->rep, rc, err.msg[0] ? err.msg : "out of memory") : 0;
}

int ctl_keys_list(lfh_ctl_req *q, lfh_txn *t)
{
	const lfh_node *n = q->node;
	uint64_t now = lfh_wall_ms();
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n->rules.nmembers; i++) {
		const lfh_keygen *gens;
		size_t count = lfh_keyring_list(&n->rules, n->rules.members[i].agency, &gens);
		for (size_t j = 0; rc == 0 && j < count; j++)
			rc = list_gen(q, &gens[j], now);
	}
	return rc ? rc : list_sharing(q, t);
}

/* ---- keys_rotate ---------------------------------------------------------- */

static int need_isa(lfh_ctl_req *q)
{
	if (!q->node->rules.isa)
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "key generations need an ISA (config: isa =)");
	if (q->node->rules.removed)
		return lfh_ctl_fail(&q->rep, LFH_EPERM, "this agency was removed from the hub");
	return 0;
}

/* An optional number field (default dflt, at most max). */
static int opt_uint(lfh_ctl_req *q, const char *key, uint64_t dflt, uint64_t max, uint64_t *out)
{
	char msg[LFH_ERRMSG_MAX];

	if (lfh_record_uint(&q->req, key, out)) {
		if (*out <= max)
			return 0;
	} else if (!lfh_record_str(&q->req, key)) {
		*out = dflt;
		return 0;
	}
	snprintf(msg, sizeof msg, "%s must be a number up to %llu", key, (unsigned long long)max);
	return lfh_ctl_fail(&q->rep, LFH_EINVAL, msg);
}

/* Is cert a valid certificate of our next generation, for the keys in id? */
static int check_own_cert(lfh_ctl_req *q, const lfh_cert *c, const lfh_identity *id)
{
	const lfh_node *n = q->node;
	const lfh_isa_party *self = lfh_isa_party_find(n->rules.isa, n->cfg.agency);
	char msg[LFH_ERRMSG_MAX], when[32];
	lfh_err err = { 0 };

	if (sodium_memcmp(c->hub, n->rules.hub_id, 32) != 0)
		return lfh_ctl_fail(&q->rep, LFH_EHUB, "the certificate is for another hub");
	if (strcmp(c->agency, n->cfg.agency) != 0) {
		snprintf(msg, sizeof msg, "the certificate is for agency %s, not %s", c->agency,
			 n->cfg.agency);
		return lfh_ctl_fail(&q->rep, LFH_EPERM, msg);
	}
	if (c->generation != n->gen + 1) {
		snprintf(msg, sizeof msg, "the certificate is for generation %u; the next one is %u",
			 c->generation, n->gen + 1);
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, msg);
	}
	if (!self || lfh_cert_verify(c, self->root_pk, &err)) {
		snprintf(msg, sizeof msg, "the certificate is not signed by %s's root key named in "
			 "ISA version %u", n->cfg.agency, n->rules.isa->version);
		return lfh_ctl_fail(&q->rep, LFH_ECRYPTO, msg);
	}
	if (c->not_after_ms <= lfh_wall_ms()) {
		lfh_ctl_time(c->not_after_ms, when);
		snprintf(msg, sizeof msg, "the certificate expired at %s", when);
		return lfh_ctl_fail(&q->rep, LFH_EKEYID, msg);
	}
	if (sodium_memcmp(c->sign_pk, id->pub.sign_pk, 32) || sodium_memcmp(c->box_pk, id->pub.box_pk, 32) ||
	    sodium_memcmp(c->curve_pk, id->pub.curve_pk, 32))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "the certificate is for other keys than "
				    "the ones waiting in key_dir/pending (prepare again?)");
	return 0;
}

/* The certificate of id as our next generation (root signature left to the caller). */
static void fill_cert(const lfh_node *n, const lfh_identity *id, uint64_t valid_ms,
		      uint64_t grace_ms, lfh_cert *c)
{
	uint64_t now = lfh_wall_ms();
	memset(c, 0, sizeof *c);
	memcpy(c->hub, n->rules.hub_id, 32);
	snprintf(c->agency, sizeof c->agency, "%s", n->cfg.agency);
	c->generation = n->gen + 1;
	memcpy(c->sign_pk, id->pub.sign_pk, 32);
	memcpy(c->box_pk, id->pub.box_pk, 32);
	memcpy(c->curve_pk, id->pub.curve_pk, 32);
	c->not_before_ms = now;
	c->not_after_ms = now + valid_ms;
	c->grace_ms = grace_ms;
}

/* Make id our signing generation and publish its certificate. */
static int switch_to(lfh_ctl_req *q, lfh_txn *t, lfh_identity *id, const lfh_buf *cert)
{
	lfh_node *n = q->node;
	lfh_identity *old_prev = n->prev_id;
	lfh_err err = { 0 };
	lfh_record *r;
	char kid[2 * LFH_KEYID_LEN + 1];
	int rc;

	n->prev_id = n->id;
	n->id = id;
	n->gen++;
	rc = lfh_node_publish_cert(n, t, cert->data, cert->len, &q->wr, &err);
	if (rc) { /* the keys are saved: the next start publishes them */
		n->id = n->prev_id;
		n->prev_id = old_prev;
		n->gen--;
		lfh_identity_free(id);
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	}
	lfh_identity_free(old_prev);
	q->wrote = 1;
	lfh_hex(kid, id->pub.key_id, LFH_KEYID_LEN);
	if (!(r = lfh_ctl_add(&q->rep)) || lfh_record_set_uint(r, "generation", n->gen, &err) ||
	    lfh_record_set_str(r, "key_id", kid, &err))
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	return 0;
}

/* New keys wait in key_dir/pending; the reply carries the certificate to have signed. */
static int rotate_prepare(lfh_ctl_req *q)
{
	lfh_node *n = q->node;
	lfh_identity *id = NULL;
	lfh_buf req = { 0 };
	lfh_err err = { 0 };
	lfh_cert c;
	lfh_record *r;
	char *hex;
	int rc = lfh_gen_new(n->id, &id, &err);

	if (!rc)
		rc = lfh_gen_pending_save(n->cfg.key_dir, id, &err);
	if (!rc) {
		fill_cert(n, id, DEFAULT_VALID_MS, DEFAULT_GRACE_MS, &c);
		rc = lfh_cert_encode(&c, &req, &err);
	}
	lfh_identity_free(id);
	if (rc)
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	hex = malloc(2 * req.len + 1);
	if (!hex || !(r = lfh_ctl_add(&q->rep)) || (lfh_hex(hex, req.data, req.len), 0) ||
	    lfh_record_set_str(r, "request", hex, &err) ||
	    lfh_record_set_uint(r, "generation", n->gen + 1, &err))
		rc = lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	free(hex);
	lfh_buf_free(&req);
	return rc;
}

/* Install the pending keys with the certificate an offline root signed. */
static int rotate_install(lfh_ctl_req *q, lfh_txn *t, const char *cert_hex)
{
	lfh_node *n = q->node;
	size_t len = strlen(cert_hex) / 2;
	lfh_identity *id = NULL;
	lfh_buf raw = { 0 };
	lfh_err err = { 0 };
	lfh_cert c;
	int rc;

	if (len == 0 || len > LFH_CERT_MAX || strlen(cert_hex) != 2 * len || lfh_buf_append(&raw, cert_hex, len))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "cert must be the hex of a certificate");
	if (lfh_unhex(raw.data, len, cert_hex)) {
		lfh_buf_free(&raw);
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "cert must be the hex of a certificate");
	}
	if ((rc = lfh_cert_decode(raw.data, len, &c, &err))) {
		char msg[LFH_ERRMSG_MAX + 32];
		snprintf(msg, sizeof msg, "not a certificate (%s)", err.msg);
		lfh_buf_free(&raw);
		return lfh_ctl_fail(&q->rep, rc, msg);
	}
	rc = lfh_gen_pending_load(n->cfg.key_dir, &id, &err);
	if (rc) {
		lfh_buf_free(&raw);
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	}
	rc = check_own_cert(q, &c, id);
	if (!rc && (rc = lfh_gen_pending_install(n->cfg.key_dir, c.generation, raw.data, len, &err)))
		rc = lfh_ctl_fail(&q->rep, rc, err.msg);
	if (!rc)
		rc = switch_to(q, t, id, &raw);
	else
		lfh_identity_free(id);
	lfh_buf_free(&raw);
	return rc;
}

/* Rotate with the root secret held in key_dir. */
static int rotate_local(lfh_ctl_req *q, lfh_txn *t, uint64_t valid_ms, uint64_t grace_ms)
{
	lfh_node *n = q->node;
	uint8_t *root = sodium_malloc(64);
	lfh_identity *id = NULL;
	lfh_buf raw = { 0 };
	lfh_err err = { 0 };
	lfh_cert c;
	int rc;

	if (!root)
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	rc = lfh_root_load(n->cfg.key_dir, root, &err);
	if (rc == LFH_ENOTFOUND)
		snprintf(err.msg, sizeof err.msg, "the root secret is not in key_dir (kept offline): "
			 "run lfh admin keys rotate --prepare FILE, certify FILE on the root's "
			 "machine, then lfh admin keys rotate --cert CERT");
	if (!rc)
		rc = lfh_gen_new(n->id, &id, &err);
	if (!rc) {
		fill_cert(n, id, valid_ms, grace_ms, &c);
		rc = lfh_cert_sign(&c, root, &err);
	}
	sodium_free(root);
	if (!rc)
		rc = lfh_cert_encode(&c, &raw, &err);
	if (!rc)
		rc = lfh_gen_save(n->cfg.key_dir, c.generation, id, raw.data, raw.len, &err);
	if (rc) {
		lfh_identity_free(id);
		lfh_buf_free(&raw);
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	}
	rc = switch_to(q, t, id, &raw);
	lfh_buf_free(&raw);
	return rc;
}

int ctl_keys_rotate(lfh_ctl_req *q, lfh_txn *t)
{
	const char *cert = lfh_record_str(&q->req, "cert");
	uint64_t valid_ms, grace_ms;
	int rc;

	if ((rc = need_isa(q)) ||
	    (rc = opt_uint(q, "valid_ms", DEFAULT_VALID_MS, LFH_CERT_VALID_MAX_MS, &valid_ms)) ||
	    (rc = opt_uint(q, "grace_ms", DEFAULT_GRACE_MS, LFH_GRACE_MAX_MS, &grace_ms)))
		return rc;
	if (valid_ms == 0)
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "valid_ms must be more than 0");
	if (q->node->gen >= LFH_GENERATION_MAX)
		return lfh_ctl_fail(&q->rep, LFH_ETOOBIG, "no key generation numbers left");
	if (lfh_record_str(&q->req, "prepare"))
		return rotate_prepare(q);
	if (cert)
		return rotate_install(q, t, cert);
	return rotate_local(q, t, valid_ms, grace_ms);
}

/* ---- keys_revoke ---------------------------------------------------------- */

int ctl_keys_revoke(lfh_ctl_req *q, lfh_txn *t)
{
	static const uint8_t no_case[LFH_CASE_LEN];
	lfh_node *n = q->node;
	const lfh_keygen *g;
	lfh_revocation rv = { 0 };
	lfh_buf body = { 0 };
	lfh_err err = { 0 };
	char msg[LFH_ERRMSG_MAX];
	const char *reason;
	uint64_t gen = 0;
	int rc;

	if ((rc = need_isa(q)))
		return rc;
	if (!lfh_record_uint(&q->req, "generation", &gen) || gen == 0 || gen > LFH_GENERATION_MAX)
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "generation must be a key generation number");
	if (!(reason = lfh_ctl_need(&q->req, "reason", LFH_REASON_MAX, &q->rep)))
		return q->rep.code;
	if (!(g = lfh_keyring_gen(&n->rules, n->cfg.agency, (uint32_t)gen))) {
		snprintf(msg, sizeof msg, "%s has no key generation %llu (see lfh admin keys list)",
			 n->cfg.agency, (unsigned long long)gen);
		return lfh_ctl_fail(&q->rep, LFH_EKEYID, msg);
	}
	if (gen == n->gen) {
		snprintf(msg, sizeof msg, "generation %llu is the one this node signs with: rotate "
			 "first (lfh admin keys rotate), then revoke it", (unsigned long long)gen);
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, msg);
	}
	if (g->revoked_ms != LFH_NEVER) {
		snprintf(msg, sizeof msg, "generation %llu is already revoked", (unsigned long long)gen);
		return lfh_ctl_fail(&q->rep, LFH_EEXIST, msg);
	}
	if ((rc = opt_uint(q, "effective_ms", lfh_wall_ms(), LFH_NEVER - 1, &rv.effective_ms)))
		return rc;
	memcpy(rv.hub, n->rules.hub_id, 32);
	snprintf(rv.agency, sizeof rv.agency, "%s", n->cfg.agency);
	rv.generation = (uint32_t)gen;
	memcpy(rv.key_id, g->key_id, LFH_KEYID_LEN);
	snprintf(rv.reason, sizeof rv.reason, "%s", reason);
	rc = lfh_revocation_encode(&rv, &body, &err);
	if (!rc)
		rc = lfh_node_write_plain(n, t, no_case, LFH_EV_REVOKE, LFH_KEYS_CATEGORY, NULL, 0,
					  body.data, body.len, &q->wr, &err);
	lfh_buf_free(&body);
	if (rc)
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	q->wrote = 1;
	return lfh_ctl_written(q, no_case);
}

/* ---- keys_rotate_sharing ---------------------------------------------------- */

int ctl_keys_rotate_sharing(lfh_ctl_req *q, lfh_txn *t)
{
	const char *by = lfh_record_str(&q->req, "by");
	char why[LFH_CTL_BY_MAX + 32];
	lfh_err err = { 0 };
	lfh_record *r;
	uint32_t epoch;
	int rc;

	if ((rc = need_isa(q)))
		return rc;
	snprintf(why, sizeof why, "on demand by %s", by && *by ? by : "?");
	if ((rc = lfh_node_rotate_sharing(q->node, t, why, &epoch, &err)))
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	if (!(r = lfh_ctl_add(&q->rep)) || lfh_record_set_uint(r, "epoch", epoch, &err))
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	return 0;
}
