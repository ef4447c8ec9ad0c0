/*
 * reref.c - the re-referral index (include/lfh/reref.h).
 *
 * Entries: 'S' or 'L', a 16-byte keyed hash of the normalised subject or
 * location, the referral's HLC (8 bytes, big-endian), the case id -> "".
 * The hash's key is derived from the store key (lfh_store_subkey), never
 * kept in data.mdb (before 0.4.6: 32 random bytes under "k", in the clear,
 * dropped with the entries made with it on the first lfh_reref_ready). One hash's
 * entries are in HLC order, so the most recent up to a time is one seek
 * away, however many cases share a subject or a location.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/buf.h"
#include "lfh/fold.h"
#include "lfh/hlc.h"
#include "lfh/policy.h"
#include "lfh/reref.h"

#define MAC_LEN 16
#define TEXT_MAX 255 /* what the reports compared: cut there */
#define YEAR_MS (365ULL * 86400000ULL)
#define KEY_LEN (1 + MAC_LEN + 8 + LFH_CASE_LEN)

#define REREF_SUBKEY 1 /* lfh_store_subkey */

/* The keyed hash's key: derived from the store key, never kept in data.mdb. */
static int secret(lfh_txn *t, uint8_t out[32], lfh_err *err)
{
	return lfh_store_subkey(t, REREF_SUBKEY, out, err);
}

/* The keys of the index's entries, copied (to delete them). */
struct entry_keys {
	uint8_t (*k)[KEY_LEN];
	size_t n, cap;
};

/* Scan callback: every entry's key (not the ready mark or the old secret). */
static int key_of(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct entry_keys *all = ctx;
	(void)val;
	(void)vlen;
	if (klen != KEY_LEN)
		return 0;
	if (all->n == all->cap) {
		size_t cap = all->cap ? 2 * all->cap : 256;
		uint8_t(*p)[KEY_LEN] = realloc(all->k, cap * sizeof *p);
		if (!p)
			return LFH_ENOMEM;
		all->k = p;
		all->cap = cap;
	}
	memcpy(all->k[all->n++], key, KEY_LEN);
	return 0;
}

/*
 * A store from before 0.4.6 keeps a random secret under "k", in the clear:
 * anyone holding data.mdb alone could confirm a guessed name or address. The
 * secret and every entry made with it go; the index is built again (the
 * ready mark goes too) with the key derived from the store key.
 */
static int drop_clear_secret(lfh_txn *t, lfh_err *err)
{
	struct entry_keys all = { 0 };
	int rc = lfh_store_tbl_get(t, LFH_TBL_REREF, "k", 1, NULL, NULL, err);

	if (rc == LFH_ENOTFOUND)
		return 0;
	if (!rc)
		rc = lfh_store_tbl_scan(t, LFH_TBL_REREF, NULL, 0, key_of, &all, err);
	for (size_t i = 0; rc == 0 && i < all.n; i++)
		rc = lfh_store_tbl_del(t, LFH_TBL_REREF, all.k[i], KEY_LEN, err);
	if (!rc)
		rc = lfh_store_tbl_del(t, LFH_TBL_REREF, "k", 1, err);
	if (!rc)
		rc = lfh_store_tbl_del(t, LFH_TBL_REREF, "r", 1, err);
	free(all.k);
	return rc == LFH_ENOTFOUND ? 0 : rc;
}

/* The entry prefix for a subject ('S') or location ('L'); 0 if text is empty once normalised. */
static int prefix(lfh_txn *t, char kind, const char *text, uint8_t p[1 + MAC_LEN], lfh_err *err)
{
	char norm[TEXT_MAX + 1];
	uint8_t key[32];
	int rc;

	lfh_fold_norm(text, norm, sizeof norm);
	if (!norm[0])
		return 0;
	if ((rc = secret(t, key, err)))
		return rc;
	p[0] = (uint8_t)kind;
	crypto_generichash(p + 1, MAC_LEN, (const uint8_t *)norm, strlen(norm), key, sizeof key);
	sodium_memzero(key, sizeof key);
	return 1;
}

static int add_one(lfh_txn *t, char kind, const char *text, const uint8_t case_id[LFH_CASE_LEN],
		   uint64_t hlc, lfh_err *err)
{
	uint8_t k[KEY_LEN];
	int rc = prefix(t, kind, text, k, err);

	if (rc <= 0)
		return rc;
	lfh_be64_put(k + 1 + MAC_LEN, hlc);
	memcpy(k + 1 + MAC_LEN + 8, case_id, LFH_CASE_LEN);
	return lfh_store_tbl_put(t, LFH_TBL_REREF, k, sizeof k, "", 0, err);
}

int lfh_reref_add(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], uint64_t hlc,
		  const char *subject, const char *location, lfh_err *err)
{
	int rc = add_one(t, 'S', subject, case_id, hlc, err);
	return rc ? rc : add_one(t, 'L', location, case_id, hlc, err);
}

struct best {
	uint64_t now_ms, hlc;
	uint8_t case_id[LFH_CASE_LEN];
};

static int best_fn(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct best *b = ctx;
	uint64_t hlc, ms;

	(void)val;
	(void)vlen;
	if (klen != KEY_LEN)
		return 0;
	hlc = lfh_be64_get(key + 1 + MAC_LEN);
	ms = lfh_hlc_ms(hlc);
	if (ms <= b->now_ms && b->now_ms - ms <= YEAR_MS && hlc > b->hlc) {
		b->hlc = hlc;
		memcpy(b->case_id, key + 1 + MAC_LEN + 8, LFH_CASE_LEN);
	}
	return 0;
}

/*
 * The most recent entry of the prefix up to now, in one seek: the last key
 * below prefix || (the first HLC after now_ms); best_fn keeps it if it is
 * within the year.
 */
static int latest(lfh_txn *t, const uint8_t p[1 + MAC_LEN], struct best *b, lfh_err *err)
{
	uint8_t below[1 + MAC_LEN + 8];

	memcpy(below, p, 1 + MAC_LEN);
	lfh_be64_put(below + 1 + MAC_LEN, (b->now_ms + 1) << 16);
	return lfh_store_tbl_last_below(t, LFH_TBL_REREF, p, 1 + MAC_LEN, below, sizeof below,
					best_fn, b, err);
}

int lfh_reref_find(lfh_txn *t, const char *subject, const char *location, uint64_t now_ms,
		   char out[2 * LFH_CASE_LEN + 1], lfh_err *err)
{
	struct best b = { .now_ms = now_ms };
	const char *texts[2] = { subject, location };
	const char kinds[2] = { 'S', 'L' };
	uint8_t p[1 + MAC_LEN];
	int rc;

	out[0] = '\0';
	for (int i = 0; i < 2; i++) {
		if ((rc = prefix(t, kinds[i], texts[i], p, err)) < 0)
			return rc;
		if (rc && (rc = latest(t, p, &b, err)))
			return rc;
	}
	if (b.hlc)
		lfh_hex(out, b.case_id, LFH_CASE_LEN);
	return 0;
}

int lfh_reref_ready(lfh_txn *t, int *yes, lfh_err *err)
{
	int rc = drop_clear_secret(t, err);

	if (!rc)
		rc = lfh_store_tbl_get(t, LFH_TBL_REREF, "r", 1, NULL, NULL, err);
	*yes = rc == 0;
	return rc == LFH_ENOTFOUND ? 0 : rc;
}

int lfh_reref_set_ready(lfh_txn *t, lfh_err *err)
{
	return lfh_store_tbl_put(t, LFH_TBL_REREF, "r", 1, "", 0, err);
}

/* The entries lfh_reref_prune removes, gathered before any is deleted. */
struct prune {
	lfh_txn *t;
	uint64_t now_ms;
	uint8_t (*keys)[KEY_LEN];
	size_t n, cap;
	lfh_err *err;
};

/* Scan callback: keep aside an entry past the year, or of a case whose referral was shredded. */
static int prune_fn(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct prune *p = ctx;
	uint64_t ms;
	int shredded = 0, rc;

	(void)val;
	(void)vlen;
	if (klen != KEY_LEN)
		return 0; /* the secret, the ready mark */
	ms = lfh_hlc_ms(lfh_be64_get(key + 1 + MAC_LEN));
	if (ms + YEAR_MS >= p->now_ms &&
	    (rc = lfh_policy_shredded(p->t, key + 1 + MAC_LEN + 8, "referral", &shredded, p->err)))
		return rc;
	if (ms + YEAR_MS >= p->now_ms && !shredded)
		return 0;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 256;
		void *k = realloc(p->keys, cap * sizeof *p->keys);
		if (!k)
			return lfh_err_set(p->err, LFH_ENOMEM, "out of memory");
		p->keys = k;
		p->cap = cap;
	}
	memcpy(p->keys[p->n++], key, KEY_LEN);
	return 0;
}

int lfh_reref_prune(lfh_txn *t, uint64_t now_ms, uint64_t *removed, lfh_err *err)
{
	struct prune p = { .t = t, .now_ms = now_ms, .err = err };
	int rc = lfh_store_tbl_scan(t, LFH_TBL_REREF, NULL, 0, prune_fn, &p, err);

	for (size_t i = 0; rc == 0 && i < p.n; i++)
		rc = lfh_store_tbl_del(t, LFH_TBL_REREF, p.keys[i], KEY_LEN, err);
	*removed = rc ? 0 : p.n;
	free(p.keys);
	return rc;
}
