/*
 * membership.c - who this node shares with, and under which keys
 * (include/lfh/membership.h): member agencies, the peers that follow the
 * ISA in force, and our sharing-key epochs. The rules decide when these
 * change (an adopted ISA version, a LEAVE); the node core carries it out
 * here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/hlc.h"
#include "lfh/isa.h"
#include "lfh/keyring.h"
#include "lfh/log.h"
#include "lfh/membership.h"
#include "lfh/policy.h"

#define DAY_MS 86400000ULL

const lfh_pubkeys *lfh_node_member(const lfh_node *n, const char *agency)
{
	return lfh_keyring_member(&n->rules, agency);
}

/* Was agency a party of an earlier ISA version adopted here? 1, 0, or a negative status. */
static int removed_party(const lfh_node *n, const char *agency, lfh_err *err)
{
	lfh_txn *t = NULL;
	int rc = lfh_txn_begin(n->store, 0, &t, err);

	if (!rc)
		rc = lfh_policy_was_party(&n->rules, t, agency, err);
	lfh_txn_abort(t);
	return rc;
}

int lfh_node_peers_for(const lfh_node *n, const lfh_peer_conf *ov, size_t nov, int check,
		       lfh_peer_conf *out, size_t *nout, lfh_err *err)
{
	size_t k = 0;

	*nout = 0;
	/* a removed agency keeps the parties as peers: they may still need what it
	 * wrote (its own signature of the version that removed it) */
	for (uint32_t i = 0; i < n->rules.isa->nparties && k < LFH_MAX_PEERS; i++) {
		const lfh_isa_party *p = &n->rules.isa->parties[i];
		lfh_peer_conf *pc = &out[k];
		if (strcmp(p->id, n->cfg.agency) == 0)
			continue;
		memset(pc, 0, sizeof *pc);
		snprintf(pc->agency, sizeof pc->agency, "%s", p->id);
		snprintf(pc->endpoint, sizeof pc->endpoint, "%s", p->endpoint);
		lfh_isa_party_pubkeys(p, &pc->pub);
		for (size_t j = 0; j < nov; j++) {
			if (strcmp(ov[j].agency, p->id) != 0)
				continue;
			if (ov[j].endpoint[0])
				snprintf(pc->endpoint, sizeof pc->endpoint, "%s", ov[j].endpoint);
			if (check && ov[j].pubkey_path[0] &&
			    sodium_memcmp(ov[j].pub.sign_pk, pc->pub.sign_pk, 32) != 0)
				return lfh_err_set(err, LFH_ECONFIG,
						   "[peer %s] pubkey differs from the key the ISA names",
						   pc->agency);
		}
		k++;
	}
	for (size_t j = 0; j < nov; j++) {
		int rc;
		if (lfh_isa_party_find(n->rules.isa, ov[j].agency))
			continue;
		if ((rc = removed_party(n, ov[j].agency, err)) < 0)
			return rc;
		if (rc) /* an agency the hub removed: never fatal, or lfhd would not start again */
			log_warn("[peer %s]: %s is no longer a party of the hub (ISA version %u): its "
				 "section is ignored; remove it from %s", ov[j].agency, ov[j].agency,
				 n->rules.isa->version, n->cfg.path);
		else if (check) /* a misspelt name, or an agency not in the hub yet */
			return lfh_err_set(err, LFH_ECONFIG, "[peer %s] is not a party of the ISA",
					   ov[j].agency);
	}
	*nout = k;
	return 0;
}

int lfh_node_derive_peers(lfh_node *n, int at_open, lfh_err *err)
{
	lfh_config *c = &n->cfg;
	lfh_peer_conf *next = malloc(sizeof c->peers);
	size_t nnext = 0;
	int rc;

	if (!next)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	rc = lfh_node_peers_for(n, n->overrides, n->noverrides, at_open, next, &nnext, err);
	if (!rc) {
		memcpy(c->peers, next, nnext * sizeof *next);
		c->npeers = nnext;
		n->peers_version++;
	}
	free(next);
	return rc;
}

int lfh_node_rotate_sharing(lfh_node *n, lfh_txn *t, const char *why, uint32_t *epoch,
			    lfh_err *err)
{
	uint64_t e = 0;
	int rc = lfh_store_meta_get(t, LFH_META_SHARING_EPOCH, &e, err);

	(void)n; /* the epoch is the store's; n names whose it is */
	if (!rc && e >= UINT32_MAX)
		rc = lfh_err_set(err, LFH_ETOOBIG, "sharing-key epochs exhausted");
	if (!rc)
		rc = lfh_store_meta_put(t, LFH_META_SHARING_EPOCH, e + 1, err);
	if (!rc)
		rc = lfh_store_meta_put(t, LFH_META_SHARING_EPOCH_MS, lfh_wall_ms(), err);
	if (!rc) {
		log_info("sharing keys: epoch %llu begins (%s)", (unsigned long long)e + 1, why);
		if (epoch)
			*epoch = (uint32_t)(e + 1);
	}
	return rc;
}
int lfh_node_sharing_schedule(lfh_node *n, lfh_txn *t, uint64_t now_ms, lfh_err *err)
{
	uint64_t since = 0, period = (uint64_t)n->cfg.sharing_rotate_days * DAY_MS;
	int rc;

	if (!period || n->rules.removed)
		return 0;
	if ((rc = lfh_store_meta_get(t, LFH_META_SHARING_EPOCH_MS, &since, err)))
		return rc;
	if (since == 0) /* epoch 0 starts with the node */
		return lfh_store_meta_put(t, LFH_META_SHARING_EPOCH_MS, now_ms, err);
	if (now_ms < since || now_ms - since < period)
		return 0;
	return lfh_node_rotate_sharing(n, t, "scheduled (sharing_rotate_days)", NULL, err);
}
