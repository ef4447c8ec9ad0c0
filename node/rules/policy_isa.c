/*
 * policy_isa.c - the ISA versions in force at a node (include/lfh/policy.h):
 * the genesis and every adopted version (tables ISA, PROPOSAL, ISA_SIG),
 * adoption once signed enough, and the membership that follows from the
 * version in force (the node core derives its peers from it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/hlc.h"
#include "lfh/keyring.h"
#include "lfh/log.h"
#include "lfh/parties.h"
#include "lfh/policy.h"

#include "policy_int.h"

/* ---- ISA versions ------------------------------------------------------ */

static void be32(uint8_t k[4], uint32_t v)
{
	k[0] = (uint8_t)(v >> 24);
	k[1] = (uint8_t)(v >> 16);
	k[2] = (uint8_t)(v >> 8);
	k[3] = (uint8_t)v;
}

/* Make isa (with its encoding) the version in force: members follow it. */
static int set_current(lfh_rules *r, const lfh_isa *isa, const uint8_t *raw, size_t len)
{
	if (!r->isa && !(r->isa = malloc(sizeof *r->isa)))
		return LFH_ENOMEM;
	*r->isa = *isa;
	lfh_isa_hash(raw, len, r->isa_hash);
	r->nmembers = 0;
	for (uint32_t i = 0; i < isa->nparties; i++)
		lfh_isa_party_pubkeys(&isa->parties[i], &r->members[r->nmembers++]);
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
static int load_versions(lfh_rules *r, lfh_txn *t, const lfh_isa *genesis, const lfh_buf *graw,
			 const char *isa_path, const char *data_dir, lfh_err *err)
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
		if (sodium_memcmp(hash, r->hub_id, 32) != 0)
			return lfh_err_set(err, LFH_ECONFIG,
					   "data_dir %s belongs to another hub than ISA %s",
					   data_dir, isa_path);
	}
	if (rc || (rc = lfh_store_tbl_scan(t, LFH_TBL_ISA, NULL, 0, latest_fn, &l, err)))
		return rc;
	if (l.version <= 1)
		return set_current(r, genesis, graw->data, graw->len) ? lfh_err_set(err, LFH_ENOMEM, "out of memory") : 0;
	if (!(isa = malloc(sizeof *isa)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	rc = lfh_isa_decode(l.raw, l.len, isa, err);
	if (!rc && set_current(r, isa, l.raw, l.len))
		rc = lfh_err_set(err, LFH_ENOMEM, "out of memory");
	free(isa);
	return rc;
}

/*
 * Are we a party, with the keys key_dir holds? A party that a later version
 * removed still opens (its data stays until retention) but does not sync.
 */
static int check_self(lfh_rules *r, const lfh_isa *genesis, const lfh_pubkeys *me,
		      uint32_t gen, lfh_err *err)
{
	const lfh_isa_party *self = lfh_isa_party_find(r->isa, r->self);

	r->removed = 0;
	r->joining = 0;
	if (!self && r->isa->version == 1) {
		r->joining = 1; /* a new agency: the version that adds it comes from the parties */
		log_warn("agency %s is not a party of hub %s's agreement in force here (version 1): "
			 "waiting to learn from the parties the version that adds it; it writes "
			 "nothing until then", r->self, r->isa->hub);
		return 0;
	}
	if (!self && r->isa->version > 1 && (self = lfh_isa_party_find(genesis, r->self))) {
		r->removed = 1;
		log_warn("agency %s is not a party of ISA version %u in force: it was removed from "
			 "hub %s; nothing is replicated, held data stays until retention",
			 r->self, r->isa->version, r->isa->hub);
	}
	if (!self)
		return lfh_err_set(err, LFH_ECONFIG, "agency %s is not a party of the ISA in force",
				   r->self);
	if (sodium_memcmp(self->root_pk, me->root_pk, 32) != 0)
		return lfh_err_set(err, LFH_ECONFIG, "the ISA names another root key for %s than "
				   "key_dir holds", r->self);
	if (gen == 1 && sodium_memcmp(self->sign_pk, me->sign_pk, 32) != 0)
		return lfh_err_set(err, LFH_ECONFIG, "the ISA names other keys for %s than key_dir "
				   "holds", r->self);
	return 0;
}

/* Rebuild the keyring from the members and key tables, in a read transaction of its own. */
static int load_keyring(lfh_rules *r, lfh_store *st, lfh_err *err)
{
	lfh_txn *t = NULL;
	int rc = lfh_txn_begin(st, 0, &t, err);

	if (!rc)
		rc = lfh_keyring_load(r, t, err);
	lfh_txn_abort(t);
	return rc;
}

int lfh_policy_open(lfh_rules *r, lfh_store *st, const char *isa_path, const char *data_dir,
		    const lfh_pubkeys *self, uint32_t self_gen, lfh_err *err)
{
	lfh_isa *genesis = malloc(sizeof *genesis);
	lfh_buf raw = { 0 };
	lfh_txn *t = NULL;
	int rc;

	if (!genesis)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	if ((rc = lfh_isa_parse_file(isa_path, genesis, NULL, err)))
		lfh_err_prefix(err, "isa");
	if (!rc && genesis->version != 1)
		rc = lfh_err_set(err, LFH_ECONFIG, "%s: isa must name the genesis version (1), not %u",
				 isa_path, genesis->version);
	if (!rc)
		rc = lfh_isa_encode(genesis, &raw, err);
	if (!rc) {
		lfh_isa_hash(raw.data, raw.len, r->hub_id);
		rc = lfh_txn_begin(st, 1, &t, err);
	}
	if (!rc)
		rc = load_versions(r, t, genesis, &raw, isa_path, data_dir, err);
	if (!rc)
		rc = lfh_parties_migrate(t, err);
	if (!rc)
		rc = lfh_txn_commit(t, err);
	else
		lfh_txn_abort(t);
	if (!rc)
		rc = check_self(r, genesis, self, self_gen, err);
	if (!rc)
		rc = load_keyring(r, st, err);
	lfh_buf_free(&raw);
	free(genesis);
	return rc;
}

void lfh_policy_close(lfh_rules *r)
{
	free(r->isa);
	free(r->isa_cache);
	r->isa = r->isa_cache = NULL;
}

int lfh_policy_isa(lfh_rules *r, lfh_txn *t, uint32_t version, const lfh_isa **out, lfh_err *err)
{
	uint8_t k[4];
	const uint8_t *v;
	size_t vlen;
	int rc;

	if (r->isa && version == r->isa->version) {
		*out = r->isa;
		return 0;
	}
	if (r->isa_cache && r->isa_cache->version == version) {
		*out = r->isa_cache;
		return 0;
	}
	be32(k, version);
	rc = lfh_store_tbl_get(t, LFH_TBL_ISA, k, 4, &v, &vlen, err);
	if (rc == LFH_ENOTFOUND)
		return lfh_err_set(err, LFH_EPERM, "ISA version %u is not in force here", version);
	if (!rc && !r->isa_cache && !(r->isa_cache = malloc(sizeof *r->isa_cache)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	if (!rc)
		rc = lfh_isa_decode(v, vlen, r->isa_cache, err);
	if (rc) {
		free(r->isa_cache);
		r->isa_cache = NULL;
		return rc;
	}
	*out = r->isa_cache;
	return 0;
}

int lfh_policy_was_party(const lfh_rules *r, lfh_txn *t, const char *agency, lfh_err *err)
{
	lfh_isa *old = malloc(sizeof *old);
	int found = 0, rc = old ? 0 : lfh_err_set(err, LFH_ENOMEM, "out of memory");

	for (uint32_t v = r->isa ? r->isa->version : 0; !rc && !found && v > 1; v--) {
		uint8_t k[4];
		const uint8_t *raw;
		size_t len;
		be32(k, v - 1);
		rc = lfh_store_tbl_get(t, LFH_TBL_ISA, k, 4, &raw, &len, err);
		if (rc == LFH_ENOTFOUND) { /* versions before this store's first: not known here */
			rc = 0;
			break;
		}
		if (!rc && !(rc = lfh_isa_decode(raw, len, old, err)))
			found = lfh_isa_party_find(old, agency) != NULL;
	}
	free(old);
	return rc ? rc : found;
}

int lfh_policy_parse_next(const lfh_rules *r, const char *path, lfh_isa *out, lfh_buf *bytes,
			  uint8_t hash[32], lfh_err *err)
{
	int rc = lfh_isa_parse_file(path, out, NULL, err);
	if (rc)
		return rc;
	if (out->version != r->isa->version + 1)
		return lfh_err_set(err, LFH_EINVAL, "%s is version %u; the next version is %u", path,
				   out->version, r->isa->version + 1);
	if (sodium_memcmp(out->prev, r->isa_hash, 32) != 0) {
		char hex[65];
		lfh_hex(hex, r->isa_hash, 32);
		return lfh_err_set(err, LFH_EINVAL, "%s: prev must be %s (version %u in force)", path,
				   hex, r->isa->version);
	}
	if (strcmp(out->hub, r->isa->hub) != 0)
		return lfh_err_set(err, LFH_EINVAL, "%s is for hub '%s', not '%s'", path, out->hub,
				   r->isa->hub);
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

/* Hub-wide events held, by id (collected first: the scan must not race the writes after it). */
struct hub_ids {
	uint8_t (*id)[LFH_ID_LEN];
	size_t n, cap;
};

static int hub_id_fn(void *vctx, uint64_t key, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		     size_t len)
{
	struct hub_ids *h = vctx;
	(void)key;
	(void)raw;
	(void)len;
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		uint8_t (*p)[LFH_ID_LEN] = realloc(h->id, cap * sizeof *p);
		if (!p)
			return LFH_ENOMEM;
		h->id = p;
		h->cap = cap;
	}
	memcpy(h->id[h->n++], id, LFH_ID_LEN);
	return 0;
}

/*
 * A party added by a version is served every hub-wide event held (the chain
 * of versions, their signatures, certificates and revocations), so that its
 * node can adopt the version that added it (PROTOCOL.md 14.8).
 */
static int backfill_hub(lfh_txn *t, const char *agency, size_t *shared, lfh_err *err)
{
	static const uint8_t hub_case[LFH_CASE_LEN];
	struct hub_ids h = { 0 };
	int rc = lfh_store_scan_case(t, hub_case, hub_id_fn, &h, err);

	if (rc == LFH_ENOMEM)
		lfh_err_set(err, rc, "out of memory");
	*shared = 0;
	for (size_t i = 0; rc == 0 && i < h.n; i++) {
		const uint8_t *raw;
		size_t len;
		lfh_event ev = { 0 };
		if (lfh_store_get_event(t, h.id[i], &raw, &len, NULL) ||
		    lfh_event_decode(raw, len, &ev, NULL))
			continue;
		if (lfh_event_find_recipient(&ev, agency) < 0 && strcmp(ev.author, agency) != 0) {
			rc = lfh_store_rcpt_add(t, agency, h.id[i], err);
			(*shared)++;
		}
		lfh_event_clear(&ev);
	}
	free(h.id);
	return rc;
}

/* Parties `next` adds to `old`: each is served the hub's history to adopt `next` too. */
static int parties_added(lfh_txn *t, const lfh_isa *old, const lfh_isa *next, lfh_err *err)
{
	int rc = 0;

	for (uint32_t i = 0; rc == 0 && i < next->nparties; i++) {
		size_t shared = 0;
		if (lfh_isa_party_find(old, next->parties[i].id))
			continue;
		rc = backfill_hub(t, next->parties[i].id, &shared, err);
		if (!rc)
			log_info("ISA version %u adds agency %s to the hub: %zu hub events shared with it",
				 next->version, next->parties[i].id, shared);
	}
	return rc;
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

/*
 * After adopting a version: key generations follow its parties, and so must
 * the node's peers (fx); if it removed anyone, our sharing keys move to a
 * new epoch they never get; if it removed us, we stop replicating.
 */
static int membership_changed(lfh_rules *r, lfh_txn *t, size_t removed, lfh_effects *fx,
			      lfh_err *err)
{
	int rc;

	if (r->joining && lfh_isa_party_find(r->isa, r->self)) {
		r->joining = 0;
		log_info("ISA version %u makes this agency (%s) a party of hub %s: it takes part from "
			 "now on", r->isa->version, r->self, r->isa->hub);
	} else if (!r->joining && !lfh_isa_party_find(r->isa, r->self)) {
		r->removed = 1;
		log_warn("ISA version %u removes this agency (%s) from hub %s: we write nothing more, "
			 "serve our peers what they still lack, then stop; held data stays until "
			 "retention", r->isa->version, r->self, r->isa->hub);
	}
	if ((rc = lfh_keyring_load(r, t, err)))
		return rc;
	fx->adopted = 1;
	if (removed && !r->removed)
		fx->new_epoch = "an agency left the hub";
	return 0;
}

/* Adopt the proposal `hash` if it is the next version and signed enough. */
int lfh_policy_try_adopt(lfh_rules *r, lfh_txn *t, const uint8_t hash[32], lfh_effects *fx,
			 lfh_err *err)
{
	struct sig_collect sc = { .hash = hash };
	const char *who[LFH_ISA_MAX_PARTIES];
	const uint8_t *stored;
	uint8_t *raw;
	size_t len;
	lfh_isa *isa;
	uint8_t k[4];
	size_t removed;
	int rc = lfh_store_tbl_get(t, LFH_TBL_PROPOSAL, hash, 32, &stored, &len, err);

	if (rc == LFH_ENOTFOUND)
		return 0; /* signatures may arrive before the proposal */
	if (rc || (rc = lfh_store_tbl_scan(t, LFH_TBL_ISA_SIG, hash, 32, sig_fn, &sc, err)))
		return rc;
	for (size_t i = 0; i < sc.n; i++)
		who[i] = sc.agencies[i];
	if (!lfh_isa_signed_enough(r->isa, who, sc.n))
		return 0;
	/* a copy: LMDB's pointer is valid only until the next write (the ISA table's, below) */
	if (!(isa = malloc(sizeof *isa)) || !(raw = malloc(len ? len : 1))) {
		free(isa);
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	}
	memcpy(raw, stored, len);
	rc = lfh_isa_decode(raw, len, isa, err);
	if (!rc && (isa->version != r->isa->version + 1 ||
		    sodium_memcmp(isa->prev, r->isa_hash, 32) != 0)) {
		free(raw);
		free(isa);
		return 0; /* not the successor of the version in force (stale or future) */
	}
	be32(k, isa->version);
	removed = !rc ? parties_removed(r->isa, isa) : 0;
	if (!rc)
		rc = parties_added(t, r->isa, isa, err);
	if (!rc)
		rc = lfh_store_tbl_put(t, LFH_TBL_ISA, k, 4, raw, len, err);
	if (!rc && set_current(r, isa, raw, len))
		rc = lfh_err_set(err, LFH_ENOMEM, "out of memory");
	if (!rc) {
		char name[LFH_META_NAME_BUF];
		snprintf(name, sizeof name, "%s%u", LFH_META_ISA_ADOPTED, isa->version);
		rc = lfh_store_meta_put(t, name, lfh_wall_ms(), err);
	}
	if (!rc)
		log_info("adopted ISA version %u of hub %s (%zu signatures)", isa->version, isa->hub,
			 sc.n);
	if (!rc)
		rc = membership_changed(r, t, removed, fx, err);
	free(raw);
	free(isa);
	return rc;
}

/* Who proposed hash ("" if not held) and whether it withdrew it (policy.c writes both). */
int lfh_policy_proposal(lfh_txn *t, const uint8_t hash[32], char proposer[LFH_AGENCY_MAX + 1],
			int *withdrawn, lfh_err *err)
{
	const uint8_t *v;
	size_t vlen;
	uint8_t k[33];
	int rc;

	memcpy(k, hash, 32);
	k[32] = 'P';
	proposer[0] = '\0';
	rc = lfh_store_tbl_get(t, LFH_TBL_PROPOSAL, k, sizeof k, &v, &vlen, err);
	if (rc == 0)
		snprintf(proposer, LFH_AGENCY_MAX + 1, "%.*s", (int)(vlen < LFH_AGENCY_MAX ? vlen : LFH_AGENCY_MAX), (const char *)v);
	else if (rc != LFH_ENOTFOUND)
		return rc;
	k[32] = 'W';
	rc = lfh_store_tbl_get(t, LFH_TBL_PROPOSAL, k, sizeof k, NULL, NULL, err);
	*withdrawn = rc == 0;
	return rc == LFH_ENOTFOUND || rc == 0 ? 0 : rc;
}

/* Proposals held of one version and predecessor, other than one, that an agency signed. */
struct rival_ctx {
	lfh_txn *t;
	const uint8_t *hash;
	uint32_t version;
	const uint8_t *prev;
	const char *agency;
	uint8_t found[32];
	int n;
	lfh_isa *isa;
};

static int rival_fn(void *vctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct rival_ctx *c = vctx;
	uint8_t k[64];
	char proposer[LFH_AGENCY_MAX + 1];
	int withdrawn = 0;

	if (klen != 32 || !memcmp(key, c->hash, 32) || lfh_isa_decode(val, vlen, c->isa, NULL) ||
	    c->isa->version != c->version || sodium_memcmp(c->isa->prev, c->prev, 32) != 0)
		return 0;
	memcpy(k, key, 32);
	memset(k + 32, 0, 32);
	snprintf((char *)k + 32, 32, "%s", c->agency);
	if (lfh_store_tbl_get(c->t, LFH_TBL_ISA_SIG, k, sizeof k, NULL, NULL, NULL) != 0 ||
	    lfh_policy_proposal(c->t, key, proposer, &withdrawn, NULL) || withdrawn)
		return 0;
	memcpy(c->found, key, 32);
	c->n++;
	return 1;
}

int lfh_policy_signed_rival(lfh_txn *t, const uint8_t hash[32], uint32_t version,
			    const uint8_t prev[32], const char *agency, uint8_t rival[32], int *found,
			    lfh_err *err)
{
	struct rival_ctx c = { .t = t, .hash = hash, .version = version, .prev = prev,
			       .agency = agency };
	int rc;

	*found = 0;
	if (!(c.isa = malloc(sizeof *c.isa)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	rc = lfh_store_tbl_scan(t, LFH_TBL_PROPOSAL, NULL, 0, rival_fn, &c, err);
	free(c.isa);
	if (!rc && c.n) {
		memcpy(rival, c.found, 32);
		*found = 1;
	}
	return rc;
}
