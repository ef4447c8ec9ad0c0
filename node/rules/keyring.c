/*
 * keyring.c - operational key generations, their validity and revocations
 * (see include/lfh/keyring.h and PROTOCOL.md section 15).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/hlc.h"
#include "lfh/isa.h"
#include "lfh/keyring.h"
#include "lfh/log.h"
#include "lfh/pubkeys.h"
#include "lfh/quota.h"
#include "lfh/record.h"
#include "lfh/summary.h"

#define TBL_KEY_LEN (32 + 4)
#define TBL_VAL_HEAD (LFH_ID_LEN + 8)
#define LFH_CLOCK_SKEW_MS 300000ULL /* how far an event may be stamped before its certificate */

struct lfh_keyring {
	size_t n, cap;
	lfh_keygen *g; /* sorted by (agency, generation) */
};

static void be32(uint8_t k[4], uint32_t v)
{
	k[0] = (uint8_t)(v >> 24);
	k[1] = (uint8_t)(v >> 16);
	k[2] = (uint8_t)(v >> 8);
	k[3] = (uint8_t)v;
}

static void tbl_key(uint8_t k[TBL_KEY_LEN], const char *agency, uint32_t gen)
{
	memset(k, 0, TBL_KEY_LEN);
	memcpy(k, agency, strnlen(agency, LFH_AGENCY_MAX));
	be32(k + 32, gen);
}

static int cmp_gen(const void *a, const void *b)
{
	const lfh_keygen *x = a, *y = b;
	int c = strcmp(x->agency, y->agency);
	if (c)
		return c;
	return x->generation < y->generation ? -1 : x->generation > y->generation;
}

static int ring_add(struct lfh_keyring *r, const lfh_keygen *g)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		lfh_keygen *p = realloc(r->g, cap * sizeof *p);
		if (!p)
			return LFH_ENOMEM;
		r->g = p;
		r->cap = cap;
	}
	r->g[r->n++] = *g;
	qsort(r->g, r->n, sizeof *r->g, cmp_gen);
	return 0;
}

static void gen_from_pubkeys(lfh_keygen *g, const lfh_pubkeys *pk)
{
	memset(g, 0, sizeof *g);
	snprintf(g->agency, sizeof g->agency, "%s", pk->agency);
	g->generation = 1;
	memcpy(g->sign_pk, pk->sign_pk, 32);
	memcpy(g->box_pk, pk->box_pk, 32);
	memcpy(g->curve_pk, pk->curve_pk, 32);
	lfh_key_id(g->sign_pk, g->key_id);
	g->not_after_ms = LFH_NEVER;
	g->revoked_ms = LFH_NEVER;
}

static void gen_from_cert(lfh_keygen *g, const lfh_cert *c)
{
	memset(g, 0, sizeof *g);
	snprintf(g->agency, sizeof g->agency, "%s", c->agency);
	g->generation = c->generation;
	memcpy(g->sign_pk, c->sign_pk, 32);
	memcpy(g->box_pk, c->box_pk, 32);
	memcpy(g->curve_pk, c->curve_pk, 32);
	lfh_key_id(g->sign_pk, g->key_id);
	g->not_before_ms = c->not_before_ms;
	g->not_after_ms = c->not_after_ms;
	g->grace_ms = c->grace_ms;
	g->revoked_ms = LFH_NEVER;
}

static lfh_keygen *ring_gen(struct lfh_keyring *r, const char *agency, uint32_t gen)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (r->g[i].generation == gen && strcmp(r->g[i].agency, agency) == 0)
			return &r->g[i];
	return NULL;
}

const lfh_pubkeys *lfh_keyring_member(const lfh_rules *r, const char *agency)
{
	for (size_t i = 0; i < r->nmembers; i++)
		if (strcmp(r->members[i].agency, agency) == 0)
			return &r->members[i];
	return NULL;
}

/* Member keys (used to seal sharing keys and for transport) follow the newest generation. */
static void refresh_members(lfh_rules *r)
{
	uint64_t now = lfh_wall_ms();
	for (size_t i = 0; i < r->nmembers; i++) {
		const lfh_keygen *g = lfh_keyring_newest(r, r->members[i].agency, now);
		if (!g)
			continue;
		memcpy(r->members[i].sign_pk, g->sign_pk, 32);
		memcpy(r->members[i].box_pk, g->box_pk, 32);
		memcpy(r->members[i].curve_pk, g->curve_pk, 32);
		memcpy(r->members[i].key_id, g->key_id, LFH_KEYID_LEN);
	}
	r->keys_version++;
}

struct load_ctx {
	lfh_rules *r;
	int revocations;
};

static int load_fn(void *vctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct load_ctx *c = vctx;
	struct lfh_keyring *ring = c->r->keys;
	(void)key;
	if (klen != TBL_KEY_LEN || vlen <= TBL_VAL_HEAD)
		return 0;
	val += TBL_VAL_HEAD;
	vlen -= TBL_VAL_HEAD;
	if (!c->revocations) {
		lfh_cert cert;
		lfh_keygen g;
		if (lfh_cert_decode(val, vlen, &cert, NULL) || !lfh_keyring_member(c->r, cert.agency) ||
		    ring_gen(ring, cert.agency, cert.generation))
			return 0;
		gen_from_cert(&g, &cert);
		g.lseq = lfh_be64_get(val - TBL_VAL_HEAD + LFH_ID_LEN);
		return ring_add(ring, &g);
	}
	lfh_revocation rv;
	lfh_keygen *g;
	if (lfh_revocation_decode(val, vlen, &rv, NULL) ||
	    !(g = ring_gen(ring, rv.agency, rv.generation)))
		return 0;
	if (rv.effective_ms < g->revoked_ms) {
		g->revoked_ms = rv.effective_ms;
		snprintf(g->reason, sizeof g->reason, "%s", rv.reason);
	}
	return 0;
}

static int seed_own(lfh_rules *r, lfh_err *err);

int lfh_keyring_load(lfh_rules *r, lfh_txn *t, lfh_err *err)
{
	struct load_ctx c = { .r = r };
	int rc = 0;

	if (!r->keys && !(r->keys = calloc(1, sizeof *r->keys)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	r->keys->n = 0;
	for (size_t i = 0; rc == 0 && i < r->nmembers; i++) {
		lfh_keygen g;
		lfh_pubkeys pk = r->members[i];
		if (r->isa) {
			const lfh_isa_party *p = lfh_isa_party_find(r->isa, pk.agency);
			if (p)
				lfh_isa_party_pubkeys(p, &pk); /* generation 1 as the ISA names it */
		}
		gen_from_pubkeys(&g, &pk);
		rc = ring_add(r->keys, &g);
	}
	if (rc)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	if ((rc = lfh_store_tbl_scan(t, LFH_TBL_KEYGEN, NULL, 0, load_fn, &c, err)) ||
	    (rc = seed_own(r, err))) /* before revocations: they may name one */
		return rc;
	c.revocations = 1;
	if ((rc = lfh_store_tbl_scan(t, LFH_TBL_REVOKED, NULL, 0, load_fn, &c, err)))
		return rc;
	refresh_members(r);
	return 0;
}

void lfh_keyring_free(lfh_rules *r)
{
	if (!r->keys)
		return;
	free(r->keys->g);
	free(r->keys);
	r->keys = NULL;
}

size_t lfh_keyring_all(const lfh_rules *r, const lfh_keygen **out)
{
	*out = r->keys ? r->keys->g : NULL;
	return r->keys ? r->keys->n : 0;
}

size_t lfh_keyring_list(const lfh_rules *r, const char *agency, const lfh_keygen **out)
{
	size_t first = 0, count = 0;
	for (size_t i = 0; r->keys && i < r->keys->n; i++)
		if (strcmp(r->keys->g[i].agency, agency) == 0) {
			if (!count)
				first = i;
			count++;
		}
	*out = count ? &r->keys->g[first] : NULL;
	return count;
}

const lfh_keygen *lfh_keyring_find(const lfh_rules *r, const char *agency,
				   const uint8_t key_id[LFH_KEYID_LEN])
{
	for (size_t i = 0; r->keys && i < r->keys->n; i++)
		if (strcmp(r->keys->g[i].agency, agency) == 0 &&
		    sodium_memcmp(r->keys->g[i].key_id, key_id, LFH_KEYID_LEN) == 0)
			return &r->keys->g[i];
	return NULL;
}

const lfh_keygen *lfh_keyring_gen(const lfh_rules *r, const char *agency, uint32_t gen)
{
	return ring_gen(r->keys, agency, gen);
}

const lfh_keygen *lfh_keyring_newest(const lfh_rules *r, const char *agency, uint64_t now_ms)
{
	const lfh_keygen *gens, *best = NULL;
	size_t count = lfh_keyring_list(r, agency, &gens);
	for (size_t i = 0; i < count; i++)
		if (gens[i].revoked_ms > now_ms)
			best = &gens[i];
	return best ? best : (count ? &gens[count - 1] : NULL);
}

/* When generation g takes over transport from the ones before it. */
static uint64_t switch_ms(const lfh_keygen *g)
{
	if (g->generation == 1)
		return 0;
	return g->not_before_ms > LFH_NEVER - g->grace_ms ? LFH_NEVER
							  : g->not_before_ms + g->grace_ms;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t lfh_keyring_until(const lfh_rules *r, const lfh_keygen *g)
{
	const lfh_keygen *gens;
	size_t count = lfh_keyring_list(r, g->agency, &gens);
	uint64_t until = min64(g->not_after_ms, g->revoked_ms);

	for (size_t i = 0; i < count; i++)
		if (gens[i].generation > g->generation) {
			until = min64(until, switch_ms(&gens[i]));
			break; /* the lowest later generation */
		}
	return until;
}

const lfh_keygen *lfh_keyring_transport(const lfh_rules *r, const char *agency, uint64_t now_ms)
{
	const lfh_keygen *gens, *best = NULL;
	size_t count = lfh_keyring_list(r, agency, &gens);
	for (size_t i = 0; i < count; i++)
		if (switch_ms(&gens[i]) <= now_ms && gens[i].revoked_ms > now_ms)
			best = &gens[i];
	return best ? best : lfh_keyring_newest(r, agency, now_ms);
}

int lfh_keyring_curve_allowed(const lfh_rules *r, const char *agency, const uint8_t curve_pk[32],
			      uint64_t now_ms)
{
	const lfh_keygen *gens, *cur = lfh_keyring_transport(r, agency, now_ms);
	size_t count = lfh_keyring_list(r, agency, &gens);
	for (size_t i = 0; cur && i < count; i++)
		if (gens[i].generation >= cur->generation && gens[i].revoked_ms > now_ms &&
		    sodium_memcmp(gens[i].curve_pk, curve_pk, 32) == 0)
			return 1;
	return 0;
}

/* Why g may not sign at t (t >= until(g)), and since when. */
static const char *why_invalid(const lfh_keygen *g, uint64_t t, uint64_t until, uint64_t *since)
{
	if (g->revoked_ms <= t) {
		*since = g->revoked_ms;
		return "revoked";
	}
	if (g->not_after_ms <= t) {
		*since = g->not_after_ms;
		return "expired";
	}
	*since = until;
	return "superseded";
}

const char *lfh_keyring_why_ended(const lfh_rules *r, const lfh_keygen *g, uint64_t t,
				  uint64_t *since_ms)
{
	return why_invalid(g, t, lfh_keyring_until(r, g), since_ms);
}

int lfh_keyring_check_time(const lfh_rules *r, const lfh_event *ev, lfh_err *err)
{
	char hex[2 * LFH_KEYID_LEN + 1];
	const lfh_keygen *g;
	uint64_t t = lfh_hlc_ms(ev->hlc), until;

	if (ev->type == LFH_EV_CERT)
		return 0; /* checked against its own certificate */
	lfh_hex(hex, ev->key_id, LFH_KEYID_LEN);
	if (!(g = lfh_keyring_find(r, ev->author, ev->key_id)))
		return lfh_err_set(err, LFH_EKEYID, "event by %s seq %llu uses unknown key %s",
				   ev->author, (unsigned long long)ev->seq, hex);
	if (g->generation > 1 && t + LFH_CLOCK_SKEW_MS < g->not_before_ms)
		return lfh_err_set(err, LFH_EKEYID, "event by %s seq %llu is stamped before its key %s "
				   "(generation %u) was certified", ev->author,
				   (unsigned long long)ev->seq, hex, g->generation);
	until = lfh_keyring_until(r, g);
	if (t >= until) {
		uint64_t since;
		const char *why = why_invalid(g, t, until, &since);
		return lfh_err_set(err, LFH_EKEYID,
				   "event by %s seq %llu is signed with key %s (generation %u), "
				   "%s at %llu ms, %llu ms before the event", ev->author,
				   (unsigned long long)ev->seq, hex, g->generation, why,
				   (unsigned long long)since, (unsigned long long)(t - since));
	}
	return 0;
}

/* Author's root key: the ISA party's `root`. */
static const uint8_t *root_of(const lfh_rules *r, const char *agency)
{
	const lfh_isa_party *p = r->isa ? lfh_isa_party_find(r->isa, agency) : NULL;
	return p ? p->root_pk : NULL;
}

/* A CERT event: its certificate, then its envelope with the certified key. */
static int verify_cert_event(const lfh_rules *r, const lfh_event *ev, lfh_cert *c, lfh_err *err)
{
	uint8_t kid[LFH_KEYID_LEN];
	const uint8_t *root;
	int rc = lfh_cert_decode(ev->body, ev->body_len, c, err);

	if (rc)
		return rc;
	if (sodium_memcmp(c->hub, r->hub_id, 32) != 0)
		return lfh_err_set(err, LFH_EHUB, "certificate of %s is for another hub", c->agency);
	if (strcmp(c->agency, ev->author) != 0)
		return lfh_err_set(err, LFH_EPERM, "CERT event by %s carries a certificate of %s",
				   ev->author, c->agency);
	if (!(root = root_of(r, c->agency)))
		return lfh_err_set(err, LFH_EPERM, "certificate of %s: not a party of the ISA in force",
				   c->agency);
	if ((rc = lfh_cert_verify(c, root, err)))
		return rc;
	if (c->not_after_ms <= lfh_hlc_ms(ev->hlc))
		return lfh_err_set(err, LFH_EKEYID, "certificate of %s generation %u expired before "
				   "the event carrying it", c->agency, c->generation);
	lfh_key_id(c->sign_pk, kid);
	if (sodium_memcmp(kid, ev->key_id, LFH_KEYID_LEN) != 0)
		return lfh_err_set(err, LFH_EKEYID, "CERT event by %s is not signed with the key it "
				   "certifies", ev->author);
	if (lfh_event_verify(ev, c->sign_pk, err))
		return lfh_err_set(err, LFH_ECRYPTO, "CERT event by %s: bad signature", ev->author);
	return 0;
}

int lfh_keyring_verify(const lfh_rules *r, const lfh_event *ev, lfh_err *err)
{
	return lfh_keyring_verify_checked(r, ev, NULL, 0, err);
}

int lfh_keyring_verify_checked(const lfh_rules *r, const lfh_event *ev, const uint8_t *checked_pk,
			       int checked_ok, lfh_err *err)
{
	const lfh_keygen *g;
	lfh_cert c;
	int rc;

	if (ev->type == LFH_EV_CERT)
		return verify_cert_event(r, ev, &c, err);
	if ((rc = lfh_keyring_check_time(r, ev, err)))
		return rc;
	g = lfh_keyring_find(r, ev->author, ev->key_id);
	if (checked_pk && sodium_memcmp(checked_pk, g->sign_pk, 32) == 0) {
		if (!checked_ok)
			return lfh_err_set(err, LFH_ECRYPTO, "event by %s seq %llu: bad signature",
					   ev->author, (unsigned long long)ev->seq);
		return 0;
	}
	if (lfh_event_verify(ev, g->sign_pk, err))
		return lfh_err_set(err, LFH_ECRYPTO, "event by %s seq %llu: bad signature",
				   ev->author, (unsigned long long)ev->seq);
	return 0;
}

/* Does the new certificate c reuse a key of any generation known (15.5 rule 6)? */
static int reuses_key(const lfh_rules *r, const lfh_cert *c, lfh_err *err)
{
	for (size_t i = 0; i < r->keys->n; i++) {
		const lfh_keygen *g = &r->keys->g[i];
		const uint8_t *known[3] = { g->sign_pk, g->box_pk, g->curve_pk };
		const uint8_t *fresh[3] = { c->sign_pk, c->box_pk, c->curve_pk };
		for (int a = 0; a < 3; a++)
			for (int b = 0; b < 3; b++)
				if (!sodium_memcmp(known[a], fresh[b], 32))
					return lfh_err_set(err, LFH_EPERM, "certificate of %s generation %u "
							   "reuses a key of %s generation %u", c->agency,
							   c->generation, g->agency, g->generation);
	}
	return 0;
}

/* Is c certified as old already is (same keys and times)? */
static int same_cert(const lfh_keygen *old, const lfh_cert *c)
{
	return !sodium_memcmp(old->sign_pk, c->sign_pk, 32) && !sodium_memcmp(old->box_pk, c->box_pk, 32) &&
	       !sodium_memcmp(old->curve_pk, c->curve_pk, 32) && old->not_before_ms == c->not_before_ms &&
	       old->not_after_ms == c->not_after_ms && old->grace_ms == c->grace_ms;
}

/* A certificate must not contradict a generation we know, nor reuse any known key. */
static int accept_cert(const lfh_rules *r, const lfh_event *ev, lfh_err *err)
{
	lfh_cert c;
	const lfh_keygen *old;
	int rc = lfh_cert_decode(ev->body, ev->body_len, &c, err);

	if (rc)
		return rc;
	old = lfh_keyring_gen(r, c.agency, c.generation);
	if (old) {
		if (!same_cert(old, &c))
			return lfh_err_set(err, LFH_EEQUIV, "%s generation %u was already certified "
					   "differently", c.agency, c.generation);
		return 0;
	}
	return reuses_key(r, &c, err);
}

/*
 * May the keyring take c, one of our own generations from the key
 * directory, without its CERT event: as a CERT event would be taken (15.5
 * rules 1 to 3 and 6), our hub, our agency, our root key in the ISA in
 * force, no known key reused.
 */
static int own_cert_ok(const lfh_rules *r, const lfh_cert *c, const uint8_t *root, lfh_err *err)
{
	if (sodium_memcmp(c->hub, r->hub_id, 32) != 0)
		return lfh_err_set(err, LFH_EHUB, "it is for another hub");
	if (strcmp(c->agency, r->self) != 0)
		return lfh_err_set(err, LFH_EPERM, "it certifies keys of %s", c->agency);
	int rc = lfh_cert_verify(c, root, err);

	return rc ? rc : reuses_key(r, c, err);
}

/*
 * Our generations from the key directory that the tables lack (keyring.h):
 * a replaced or restored store knows only those whose CERT it holds, and
 * would present an older transport key, which the peers refuse, so that
 * its CERT events could never come back. Kept with lseq 0 (not stored).
 */
static int seed_own(lfh_rules *r, lfh_err *err)
{
	const uint8_t *root = root_of(r, r->self);

	for (size_t i = 0; root && i < r->nown_certs; i++) {
		const lfh_cert *c = &r->own_certs[i];
		const lfh_keygen *old = ring_gen(r->keys, c->agency, c->generation);
		lfh_err why = { 0 };
		lfh_keygen g;

		if (old && !same_cert(old, c))
			log_warn("keys: our generation %u in key_dir is not the one this store knows "
				 "certified: the store's is kept", c->generation);
		if (old)
			continue;
		if (own_cert_ok(r, c, root, &why)) {
			log_warn("keys: our generation %u in key_dir is not taken: %s", c->generation,
				 why.msg);
			continue;
		}
		gen_from_cert(&g, c);
		if (ring_add(r->keys, &g))
			return lfh_err_set(err, LFH_ENOMEM, "out of memory");
		log_info("keys: our generation %u taken from key_dir (its CERT event is not in this "
			 "store yet)", c->generation);
	}
	return 0;
}

static int accept_revocation(const lfh_rules *r, const lfh_event *ev, lfh_err *err)
{
	lfh_revocation rv;
	const lfh_keygen *g, *signer;
	int rc = lfh_revocation_decode(ev->body, ev->body_len, &rv, err);

	if (rc)
		return rc;
	if (sodium_memcmp(rv.hub, r->hub_id, 32) != 0)
		return lfh_err_set(err, LFH_EHUB, "revocation by %s is for another hub", ev->author);
	if (strcmp(rv.agency, ev->author) != 0)
		return lfh_err_set(err, LFH_EPERM, "%s may not revoke keys of %s", ev->author, rv.agency);
	if (!(g = lfh_keyring_gen(r, rv.agency, rv.generation)))
		return lfh_err_set(err, LFH_EKEYID, "revocation of unknown generation %u of %s",
				   rv.generation, rv.agency);
	if (sodium_memcmp(g->key_id, rv.key_id, LFH_KEYID_LEN) != 0)
		return lfh_err_set(err, LFH_EKEYID, "revocation of %s generation %u names another key "
				   "id than that generation's", rv.agency, rv.generation);
	signer = lfh_keyring_find(r, ev->author, ev->key_id);
	if (!signer || signer->generation < rv.generation)
		return lfh_err_set(err, LFH_EPERM, "generation %u of %s may not be revoked by an older "
				   "key", rv.generation, rv.agency);
	/* A key revoking itself may not reach back: a thief could erase its history. */
	if (signer->generation == rv.generation && rv.effective_ms < lfh_hlc_ms(ev->hlc))
		return lfh_err_set(err, LFH_EPERM, "generation %u of %s revokes itself from before "
				   "the revocation; only a later generation may", rv.generation,
				   rv.agency);
	return 0;
}

int lfh_keyring_accept(const lfh_rules *r, const lfh_event *ev, lfh_err *err)
{
	if (ev->type == LFH_EV_CERT)
		return accept_cert(r, ev, err);
	if (ev->type == LFH_EV_REVOKE)
		return accept_revocation(r, ev, err);
	return 0;
}

static int put_entry(lfh_txn *t, enum lfh_table tbl, const char *agency, uint32_t gen,
		     const uint8_t id[LFH_ID_LEN], uint64_t lseq, const uint8_t *body, size_t len,
		     lfh_err *err)
{
	uint8_t k[TBL_KEY_LEN];
	uint8_t *v = malloc(TBL_VAL_HEAD + len);
	int rc;

	if (!v)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	tbl_key(k, agency, gen);
	memcpy(v, id, LFH_ID_LEN);
	lfh_be64_put(v + LFH_ID_LEN, lseq);
	memcpy(v + TBL_VAL_HEAD, body, len);
	rc = lfh_store_tbl_put(t, tbl, k, sizeof k, v, TBL_VAL_HEAD + len, err);
	free(v);
	return rc;
}

static int drop_invalid(lfh_txn *t, const lfh_keygen *g, uint64_t from_ms, lfh_err *err);

static int apply_cert(lfh_rules *r, lfh_txn *t, const lfh_event *ev, const uint8_t id[LFH_ID_LEN],
		      uint64_t lseq, lfh_err *err)
{
	uint8_t k[TBL_KEY_LEN];
	lfh_cert c;
	lfh_keygen g, *seeded;
	int rc = lfh_cert_decode(ev->body, ev->body_len, &c, err);

	if (rc)
		return rc;
	tbl_key(k, c.agency, c.generation);
	rc = lfh_store_tbl_get(t, LFH_TBL_KEYGEN, k, sizeof k, NULL, NULL, err);
	if (rc != LFH_ENOTFOUND)
		return rc; /* recorded already (0), or a store failure */
	if ((rc = put_entry(t, LFH_TBL_KEYGEN, c.agency, c.generation, id, lseq, ev->body,
			    ev->body_len, err)))
		return rc;
	if ((seeded = ring_gen(r->keys, c.agency, c.generation))) {
		if (!seeded->lseq) /* taken from our key directory: its CERT is stored now */
			seeded->lseq = lseq;
		return 0; /* or in memory from a transaction that was aborted */
	}
	gen_from_cert(&g, &c);
	g.lseq = lseq;
	if (ring_add(r->keys, &g))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	refresh_members(r);
	/* Earlier generations now end at this one's switch: what they signed later goes. */
	for (uint32_t k = 1; rc == 0 && k < c.generation; k++) {
		const lfh_keygen *old = lfh_keyring_gen(r, c.agency, k);
		if (old && lfh_keyring_until(r, old) != LFH_NEVER)
			rc = drop_invalid(t, old, lfh_keyring_until(r, old), err);
	}
	if (rc)
		return rc;
	log_info("keys: %s generation %u certified (key %02x%02x%02x%02x...)", c.agency,
		 c.generation, g.key_id[0], g.key_id[1], g.key_id[2], g.key_id[3]);
	return 0;
}

/* Events by the revoked generation from its effective time, collected before deleting. */
struct revoked_ctx {
	const uint8_t *key_id;
	uint64_t from_ms;
	size_t n, cap;
	struct doomed {
		uint8_t id[LFH_ID_LEN], case_id[LFH_CASE_LEN];
		uint64_t hlc, seq;
	} *d;
};

static int revoked_fn(void *vctx, uint64_t key, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		      size_t len)
{
	struct revoked_ctx *c = vctx;
	lfh_event ev = { 0 };
	(void)key;
	if (lfh_event_decode(raw, len, &ev, NULL))
		return 0;
	if (ev.type != LFH_EV_REVOKE && lfh_hlc_ms(ev.hlc) >= c->from_ms &&
	    sodium_memcmp(ev.key_id, c->key_id, LFH_KEYID_LEN) == 0) {
		if (c->n == c->cap) {
			size_t cap = c->cap ? 2 * c->cap : 16;
			struct doomed *p = realloc(c->d, cap * sizeof *p);
			if (!p) {
				lfh_event_clear(&ev);
				return LFH_ENOMEM;
			}
			c->d = p;
			c->cap = cap;
		}
		memcpy(c->d[c->n].id, id, LFH_ID_LEN);
		memcpy(c->d[c->n].case_id, ev.case_id, LFH_CASE_LEN);
		c->d[c->n].hlc = ev.hlc;
		c->d[c->n].seq = ev.seq;
		c->n++;
	}
	lfh_event_clear(&ev);
	return 0;
}

static int audit_deleted(lfh_txn *t, const char *agency, const struct doomed *d, lfh_err *err)
{
	lfh_record r = { 0 };
	char hex[2 * LFH_ID_LEN + 1];
	int rc;

	lfh_hex(hex, d->id, LFH_ID_LEN);
	rc = lfh_record_set_uint(&r, "ms", lfh_wall_ms(), err);
	if (!rc)
		rc = lfh_record_set_str(&r, "cmd", "drop-revoked-event", err);
	if (!rc)
		rc = lfh_record_set_str(&r, "by", "keys", err);
	if (!rc)
		rc = lfh_record_set_str(&r, "event", hex, err);
	if (!rc)
		rc = lfh_record_set_str(&r, "author", agency, err);
	if (!rc)
		rc = lfh_record_set_uint(&r, "seq", d->seq, err);
	if (!rc)
		rc = lfh_store_audit_append(t, &r, err);
	lfh_record_clear(&r);
	return rc;
}

/* Delete what we already stored that g signed stamped at or after from_ms. */
static int drop_invalid(lfh_txn *t, const lfh_keygen *g, uint64_t from_ms, lfh_err *err)
{
	struct revoked_ctx c = { .key_id = g->key_id, .from_ms = from_ms };
	int rc = lfh_store_scan_author(t, g->agency, 1, revoked_fn, &c, err);

	for (size_t i = 0; rc == 0 && i < c.n; i++) {
		rc = lfh_quota_shred_event(t, c.d[i].id, c.d[i].case_id, c.d[i].hlc, err);
		if (!rc) /* what the reports kept of its case no longer holds */
			rc = lfh_summary_drop(t, c.d[i].case_id, err);
		if (!rc)
			rc = audit_deleted(t, g->agency, &c.d[i], err);
		log_warn("keys: dropped event %s seq %llu, signed with generation %u after its end",
			 g->agency, (unsigned long long)c.d[i].seq, g->generation);
	}
	free(c.d);
	return rc;
}

/* Effective time of the revocation of rv's generation recorded in t, or LFH_NEVER. */
static int stored_revocation(lfh_txn *t, const lfh_revocation *rv, uint64_t *ms, lfh_err *err)
{
	uint8_t k[TBL_KEY_LEN];
	const uint8_t *v;
	size_t vlen;
	lfh_revocation old;
	int rc;

	*ms = LFH_NEVER;
	tbl_key(k, rv->agency, rv->generation);
	rc = lfh_store_tbl_get(t, LFH_TBL_REVOKED, k, sizeof k, &v, &vlen, err);
	if (rc == LFH_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (vlen > TBL_VAL_HEAD &&
	    lfh_revocation_decode(v + TBL_VAL_HEAD, vlen - TBL_VAL_HEAD, &old, NULL) == 0)
		*ms = old.effective_ms;
	return 0;
}

static int apply_revocation(lfh_rules *r, lfh_txn *t, const lfh_event *ev,
			    const uint8_t id[LFH_ID_LEN], uint64_t lseq, lfh_err *err)
{
	lfh_revocation rv;
	uint64_t stored_ms;
	lfh_keygen *g;
	int rc = lfh_revocation_decode(ev->body, ev->body_len, &rv, err);

	if (rc)
		return rc;
	if (!(g = ring_gen(r->keys, rv.agency, rv.generation)))
		return lfh_err_set(err, LFH_EKEYID, "revocation of unknown generation %u of %s",
				   rv.generation, rv.agency);
	if ((rc = stored_revocation(t, &rv, &stored_ms, err)))
		return rc;
	if (rv.effective_ms >= stored_ms)
		return 0; /* an earlier revocation already covers it */
	if ((rc = put_entry(t, LFH_TBL_REVOKED, rv.agency, rv.generation, id, lseq, ev->body,
			    ev->body_len, err)))
		return rc;
	if (rv.effective_ms < g->revoked_ms) {
		g->revoked_ms = rv.effective_ms;
		snprintf(g->reason, sizeof g->reason, "%s", rv.reason);
	}
	log_warn("keys: %s generation %u revoked from %llu ms (%s)", rv.agency, rv.generation,
		 (unsigned long long)rv.effective_ms, rv.reason);
	rc = drop_invalid(t, g, rv.effective_ms, err);
	refresh_members(r);
	return rc;
}

int lfh_keyring_apply(lfh_rules *r, lfh_txn *t, const lfh_event *ev, const uint8_t id[LFH_ID_LEN],
		      uint64_t lseq, lfh_err *err)
{
	if (ev->type == LFH_EV_CERT)
		return apply_cert(r, t, ev, id, lseq, err);
	if (ev->type == LFH_EV_REVOKE)
		return apply_revocation(r, t, ev, id, lseq, err);
	return 0;
}

struct after_ctx {
	uint64_t after;
	size_t n, cap;
	struct keyev {
		uint64_t lseq;
		uint8_t id[LFH_ID_LEN];
	} *e;
};

static int after_fn(void *vctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct after_ctx *c = vctx;
	uint64_t lseq;
	(void)key;
	if (klen != TBL_KEY_LEN || vlen < TBL_VAL_HEAD)
		return 0;
	lseq = lfh_be64_get(val + LFH_ID_LEN);
	if (lseq <= c->after)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct keyev *p = realloc(c->e, cap * sizeof *p);
		if (!p)
			return LFH_ENOMEM;
		c->e = p;
		c->cap = cap;
	}
	c->e[c->n].lseq = lseq;
	memcpy(c->e[c->n].id, val, LFH_ID_LEN);
	c->n++;
	return 0;
}

static int cmp_keyev(const void *a, const void *b)
{
	const struct keyev *x = a, *y = b;
	return x->lseq < y->lseq ? -1 : x->lseq > y->lseq;
}

int lfh_keyring_events_after(lfh_txn *t, uint64_t after, lfh_keyev_fn fn, void *ctx,
			     lfh_err *err)
{
	struct after_ctx c = { .after = after };
	int rc = lfh_store_tbl_scan(t, LFH_TBL_REVOKED, NULL, 0, after_fn, &c, err);

	if (!rc)
		rc = lfh_store_tbl_scan(t, LFH_TBL_KEYGEN, NULL, 0, after_fn, &c, err);
	if (!rc && c.n)
		qsort(c.e, c.n, sizeof *c.e, cmp_keyev);
	for (size_t i = 0; rc == 0 && i < c.n; i++) {
		rc = fn(ctx, c.e[i].lseq, c.e[i].id);
		if (rc == 1)
			rc = 0;
		if (rc)
			break;
	}
	free(c.e);
	return rc < 0 ? rc : 0;
}
