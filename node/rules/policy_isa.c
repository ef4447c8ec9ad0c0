/*
 * policy_isa.c - the ISA versions in force at a node (include/lfh/policy.h):
 * the genesis and every adopted version (tables ISA, PROPOSAL, ISA_SIG),
 * adoption once signed enough, the membership and peers that follow from
 * the version in force, and this node's sharing-key epochs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/hlc.h"
#include "lfh/keyring.h"
#include "lfh/log.h"
#include "lfh/policy.h"

#include "policy_int.h"

#define DAY_MS 86400000ULL

/* ---- ISA versions ------------------------------------------------------ */

static void be32(uint8_t k[4], uint32_t v)
{
	k[0] = (uint8_t)(v >> 24);
	k[1] = (uint8_t)(v >> 16);
	k[2] = (uint8_t)(v >> 8);
	k[3] = (uint8_t)v;
}

/* Make isa (with its encoding) the version in force: members follow it. */
static int set_current(lfh_node *n, const lfh_isa *isa, const uint8_t *raw, size_t len)
{
	if (!n->isa && !(n->isa = malloc(sizeof *n->isa)))
		return LFH_ENOMEM;
	*n->isa = *isa;
	lfh_isa_hash(raw, len, n->isa_hash);
	n->nmembers = 0;
	for (uint32_t i = 0; i < isa->nparties; i++)
		lfh_isa_party_pubkeys(&isa->parties[i], &n->members[n->nmembers++]);
	return 0;
}

struct latest {
	uint32_t version;
	const uint8_t *raw;
	size_t len;
};

static int latest_fn(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct latest *l = ctx;
	if (klen == 4) {
		l->version = (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 | (uint32_t)key[2] << 8 | key[3];
		l->raw = val;
		l->len = vlen;
	}
	return 0;
}

/* Install the genesis (first run) or check it is this store's, then load the latest. */
static int load_versions(lfh_node *n, lfh_txn *t, const lfh_isa *genesis, const lfh_buf *graw,
			 lfh_err *err)
{
	uint8_t k[4], hash[32];
	const uint8_t *v;
	size_t vlen;
	struct latest l = { 0 };
	lfh_isa *isa;
	int rc;

	be32(k, 1);
	rc = lfh_store_tbl_get(t, LFH_TBL_ISA, k, 4, &v, &vlen, err);
	if (rc == LFH_ENOTFOUND)
		rc = lfh_store_tbl_put(t, LFH_TBL_ISA, k, 4, graw->data, graw->len, err);
	else if (rc == 0) {
		lfh_isa_hash(v, vlen, hash);
		if (sodium_memcmp(hash, n->hub_id, 32) != 0)
			return lfh_err_set(err, LFH_ECONFIG,
					   "data_dir %s belongs to another hub than ISA %s",
					   n->cfg.data_dir, n->cfg.isa_path);
	}
	if (rc || (rc = lfh_store_tbl_scan(t, LFH_TBL_ISA, NULL, 0, latest_fn, &l, err)))
		return rc;
	if (l.version <= 1)
		return set_current(n, genesis, graw->data, graw->len) ? lfh_err_set(err, LFH_ENOMEM, "out of memory") : 0;
	if (!(isa = malloc(sizeof *isa)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	rc = lfh_isa_decode(l.raw, l.len, isa, err);
	if (!rc && set_current(n, isa, l.raw, l.len))
		rc = lfh_err_set(err, LFH_ENOMEM, "out of memory");
	free(isa);
	return rc;
}

/* Peers come from the ISA's parties; a [peer] section may override the endpoint. */
static int derive_peers(lfh_node *n, int at_open, lfh_err *err)
{
	lfh_config *c = &n->cfg;
	lfh_peer_conf *old = malloc(sizeof c->peers);
	size_t nold = c->npeers;

	if (!old)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	memcpy(old, c->peers, sizeof c->peers);
	c->npeers = 0;
	for (uint32_t i = 0; !n->removed && i < n->isa->nparties; i++) {
		const lfh_isa_party *p = &n->isa->parties[i];
		lfh_peer_conf *pc = &c->peers[c->npeers];
		if (strcmp(p->id, c->agency) == 0)
			continue;
		memset(pc, 0, sizeof *pc);
		snprintf(pc->agency, sizeof pc->agency, "%s", p->id);
		snprintf(pc->endpoint, sizeof pc->endpoint, "%s", p->endpoint);
		lfh_isa_party_pubkeys(p, &pc->pub);
		for (size_t j = 0; j < nold; j++) {
			if (strcmp(old[j].agency, p->id) != 0)
				continue;
			snprintf(pc->endpoint, sizeof pc->endpoint, "%s", old[j].endpoint);
			if (old[j].pubkey_path[0] &&
			    sodium_memcmp(old[j].pub.sign_pk, pc->pub.sign_pk, 32) != 0) {
				free(old);
				return lfh_err_set(err, LFH_ECONFIG,
						   "[peer %s] pubkey differs from the key the ISA names",
						   pc->agency);
			}
		}
		c->npeers++;
	}
	for (size_t j = 0; at_open && j < nold; j++)
		if (!lfh_isa_party_find(n->isa, old[j].agency)) {
			int rc = lfh_err_set(err, LFH_ECONFIG, "[peer %s] is not a party of the ISA",
					     old[j].agency);
			free(old);
			return rc;
		}
	free(old);
	return 0;
}

/*
 * Are we a party, with the keys key_dir holds? A party that a later version
 * removed still opens (its data stays until retention) but does not sync.
 */
static int check_self(lfh_node *n, const lfh_isa *genesis, lfh_err *err)
{
	const lfh_isa_party *self = lfh_isa_party_find(n->isa, n->cfg.agency);

	n->removed = 0;
	if (!self && n->isa->version > 1 && (self = lfh_isa_party_find(genesis, n->cfg.agency))) {
		n->removed = 1;
		log_warn("agency %s is not a party of ISA version %u in force: it was removed from "
			 "hub %s; nothing is replicated, held data stays until retention",
			 n->cfg.agency, n->isa->version, n->isa->hub);
	}
	if (!self)
		return lfh_err_set(err, LFH_ECONFIG, "agency %s is not a party of the ISA in force",
				   n->cfg.agency);
	if (sodium_memcmp(self->root_pk, n->id->pub.root_pk, 32) != 0)
		return lfh_err_set(err, LFH_ECONFIG, "the ISA names another root key for %s than "
				   "key_dir holds", n->cfg.agency);
	if (n->gen == 1 && sodium_memcmp(self->sign_pk, n->id->pub.sign_pk, 32) != 0)
		return lfh_err_set(err, LFH_ECONFIG, "the ISA names other keys for %s than key_dir "
				   "holds", n->cfg.agency);
	return 0;
}

int lfh_policy_open(lfh_node *n, lfh_err *err)
{
	lfh_isa *genesis = malloc(sizeof *genesis);
	lfh_buf raw = { 0 };
	lfh_txn *t = NULL;
	int rc;

	if (!genesis)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	rc = lfh_isa_parse_file(n->cfg.isa_path, genesis, NULL, err);
	if (!rc && genesis->version != 1)
		rc = lfh_err_set(err, LFH_ECONFIG, "%s: isa must name the genesis version (1), not %u",
				 n->cfg.isa_path, genesis->version);
	if (!rc)
		rc = lfh_isa_encode(genesis, &raw, err);
	if (!rc) {
		lfh_isa_hash(raw.data, raw.len, n->hub_id);
		snprintf(n->cfg.hub, sizeof n->cfg.hub, "%.*s", LFH_HUBNAME_MAX, genesis->hub);
		rc = lfh_txn_begin(n->store, 1, &t, err);
	}
	if (!rc)
		rc = load_versions(n, t, genesis, &raw, err);
	if (!rc)
		rc = lfh_txn_commit(t, err);
	else
		lfh_txn_abort(t);
	if (!rc)
		rc = check_self(n, genesis, err);
	if (!rc)
		rc = derive_peers(n, 1, err);
	if (!rc)
		rc = lfh_node_load_keys(n, err);
	lfh_buf_free(&raw);
	free(genesis);
	return rc;
}

void lfh_policy_close(lfh_node *n)
{
	free(n->isa);
	free(n->isa_cache);
	n->isa = n->isa_cache = NULL;
}

int lfh_policy_isa(lfh_node *n, lfh_txn *t, uint32_t version, const lfh_isa **out, lfh_err *err)
{
	uint8_t k[4];
	const uint8_t *v;
	size_t vlen;
	int rc;

	if (n->isa && version == n->isa->version) {
		*out = n->isa;
		return 0;
	}
	if (n->isa_cache && n->isa_cache->version == version) {
		*out = n->isa_cache;
		return 0;
	}
	be32(k, version);
	rc = lfh_store_tbl_get(t, LFH_TBL_ISA, k, 4, &v, &vlen, err);
	if (rc == LFH_ENOTFOUND)
		return lfh_err_set(err, LFH_EPERM, "ISA version %u is not in force here", version);
	if (!rc && !n->isa_cache && !(n->isa_cache = malloc(sizeof *n->isa_cache)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	if (!rc)
		rc = lfh_isa_decode(v, vlen, n->isa_cache, err);
	if (rc) {
		free(n->isa_cache);
		n->isa_cache = NULL;
		return rc;
	}
	*out = n->isa_cache;
	return 0;
}

int lfh_policy_parse_next(lfh_node *n, const char *path, lfh_isa *out, lfh_buf *bytes,
			  uint8_t hash[32], lfh_err *err)
{
	int rc = lfh_isa_parse_file(path, out, NULL, err);
	if (rc)
		return rc;
	if (out->version != n->isa->version + 1)
		return lfh_err_set(err, LFH_EINVAL, "%s is version %u; the next version is %u", path,
				   out->version, n->isa->version + 1);
	if (sodium_memcmp(out->prev, n->isa_hash, 32) != 0) {
		char hex[65];
		lfh_hex(hex, n->isa_hash, 32);
		return lfh_err_set(err, LFH_EINVAL, "%s: prev must be %s (version %u in force)", path,
				   hex, n->isa->version);
	}
	if (strcmp(out->hub, n->isa->hub) != 0)
		return lfh_err_set(err, LFH_EINVAL, "%s is for hub '%s', not '%s'", path, out->hub,
				   n->isa->hub);
	rc = lfh_isa_encode(out, bytes, err);
	if (!rc)
		lfh_isa_hash(bytes->data, bytes->len, hash);
	return rc;
}

struct sig_collect {
	const uint8_t *hash;
	size_t n;
	char agencies[LFH_ISA_MAX_PARTIES][LFH_AGENCY_MAX + 1];
};

static int sig_fn(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct sig_collect *c = ctx;
	(void)val;
	(void)vlen;
	if (klen == 64 && c->n < LFH_ISA_MAX_PARTIES) {
		memcpy(c->agencies[c->n], key + 32, LFH_AGENCY_MAX);
		c->agencies[c->n][LFH_AGENCY_MAX] = '\0';
		c->n++;
	}
	return 0;
}

/* How many parties of `old` the version `next` no longer names. */
static size_t parties_removed(const lfh_isa *old, const lfh_isa *next)
{
	size_t k = 0;
	for (uint32_t i = 0; i < old->nparties; i++)
		if (!lfh_isa_party_find(next, old->parties[i].id)) {
			log_warn("ISA version %u removes agency %s from the hub", next->version,
				 old->parties[i].id);
			k++;
		}
	return k;
}

int lfh_policy_rotate_sharing(lfh_node *n, lfh_txn *t, const char *why, uint32_t *epoch,
			      lfh_err *err)
{
	uint64_t e = 0;
	int rc = lfh_store_meta_get(t, LFH_META_SHARING_EPOCH, &e, err);

	(void)n;
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

int lfh_policy_sharing_schedule(lfh_node *n, lfh_txn *t, uint64_t now_ms, lfh_err *err)
{
	uint64_t since = 0, period = (uint64_t)n->cfg.sharing_rotate_days * DAY_MS;
	int rc;

	if (!period || n->removed)
		return 0;
	if ((rc = lfh_store_meta_get(t, LFH_META_SHARING_EPOCH_MS, &since, err)))
		return rc;
	if (since == 0) /* epoch 0 starts with the node */
		return lfh_store_meta_put(t, LFH_META_SHARING_EPOCH_MS, now_ms, err);
	if (now_ms < since || now_ms - since < period)
		return 0;
	return lfh_policy_rotate_sharing(n, t, "scheduled (sharing_rotate_days)", NULL, err);
}

/*
 * After adopting a version: key generations and peers follow its parties;
 * if it removed anyone, our sharing keys move to a new epoch they never
 * get; if it removed us, we stop replicating.
 */
static int membership_changed(lfh_node *n, lfh_txn *t, size_t removed, lfh_err *err)
{
	int rc;

	if (!lfh_isa_party_find(n->isa, n->cfg.agency)) {
		n->removed = 1;
		log_warn("ISA version %u removes this agency (%s) from hub %s: replication stops; "
			 "held data stays until retention", n->isa->version, n->cfg.agency,
			 n->isa->hub);
	}
	if ((rc = lfh_keyring_load(n, t, err)) || (rc = derive_peers(n, 0, err)))
		return rc;
	if (removed && !n->removed)
		rc = lfh_policy_rotate_sharing(n, t, "an agency left the hub", NULL, err);
	return rc;
}

/* Adopt the proposal `hash` if it is the next version and signed enough. */
int lfh_policy_try_adopt(lfh_node *n, lfh_txn *t, const uint8_t hash[32], lfh_err *err)
{
	struct sig_collect sc = { .hash = hash };
	const char *who[LFH_ISA_MAX_PARTIES];
	const uint8_t *raw;
	size_t len;
	lfh_isa *isa;
	uint8_t k[4];
	size_t removed;
	int rc = lfh_store_tbl_get(t, LFH_TBL_PROPOSAL, hash, 32, &raw, &len, err);

	if (rc == LFH_ENOTFOUND)
		return 0; /* signatures may arrive before the proposal */
	if (rc || (rc = lfh_store_tbl_scan(t, LFH_TBL_ISA_SIG, hash, 32, sig_fn, &sc, err)))
		return rc;
	for (size_t i = 0; i < sc.n; i++)
		who[i] = sc.agencies[i];
	if (!lfh_isa_signed_enough(n->isa, who, sc.n))
		return 0;
	if (!(isa = malloc(sizeof *isa)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	rc = lfh_isa_decode(raw, len, isa, err);
	if (!rc && (isa->version != n->isa->version + 1 ||
		    sodium_memcmp(isa->prev, n->isa_hash, 32) != 0)) {
		free(isa);
		return 0; /* not the successor of the version in force (stale or future) */
	}
	be32(k, isa->version);
	removed = !rc ? parties_removed(n->isa, isa) : 0;
	if (!rc)
		rc = lfh_store_tbl_put(t, LFH_TBL_ISA, k, 4, raw, len, err);
	if (!rc && set_current(n, isa, raw, len))
		rc = lfh_err_set(err, LFH_ENOMEM, "out of memory");
	if (!rc)
		log_info("adopted ISA version %u of hub %s (%zu signatures)", isa->version, isa->hub,
			 sc.n);
	if (!rc)
		rc = membership_changed(n, t, removed, err);
	free(isa);
	return rc;
}
