/*
 * store_state.c - the store's smaller keyed state (see include/lfh/store.h):
 * cases, sharing keys and grants, peer cursors, meta counters, the audit
 * log and the governance tables. The store's design notes are at the top
 * of store.c; the internals shared with it are in store_int.h.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "store_int.h"

#define LFH_META_NAME_MAX 255

/* ---- small helpers ---------------------------------------------------- */

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- records (cases, audit) ------------------------------------------- */

static int put_record(lfh_txn *t, int db, const uint8_t *k, size_t kn, const lfh_record *r,
		      unsigned flags, lfh_err *err)
{
	lfh_buf b = { 0 };
	int rc = lfh_record_encode(r, &b, err);
	if (rc == 0)
		rc = st_db_put(t, db, k, kn, b.data ? b.data : (const uint8_t *)"", b.len, flags,
			       err, st_db_names[db]);
	lfh_buf_free(&b);
	return rc;
}

static int decode_record(const MDB_val *v, lfh_record *r, lfh_err *err)
{
	return lfh_record_decode(v->mv_data, v->mv_size, r, err);
}

int lfh_store_case_put(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const lfh_record *r,
		       lfh_err *err)
{
	int rc;
	if ((rc = st_need_write(t, err)))
		return rc;
	if (!case_id || !r)
		return lfh_err_set(err, LFH_EINVAL, "store: missing argument");
	return put_record(t, DB_CASES, case_id, LFH_CASE_LEN, r, 0, err);
}

int lfh_store_case_get(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], lfh_record *r,
		       lfh_err *err)
{
	MDB_val v;
	int rc;
	if ((rc = st_need_txn(t, err)))
		return rc;
	if (!case_id || !r)
		return lfh_err_set(err, LFH_EINVAL, "store: missing argument");
	rc = st_db_get(t, DB_CASES, case_id, LFH_CASE_LEN, &v, err, "cases");
	if (rc == LFH_ENOTFOUND)
		return lfh_err_set(err, LFH_ENOTFOUND, "no such case");
	if (rc)
		return rc;
	return decode_record(&v, r, err);
}

int lfh_store_scan_cases(lfh_txn *t, lfh_case_fn fn, void *ctx, lfh_err *err)
{
	return lfh_store_scan_cases_after(t, NULL, fn, ctx, err);
}

/* Position c on the first case after `after` (or the first case). */
static int cases_first(MDB_cursor *c, const uint8_t *after, MDB_val *k, MDB_val *v)
{
	int rc;

	if (!after)
		return mdb_cursor_get(c, k, v, MDB_FIRST);
	*k = st_val(after, LFH_CASE_LEN);
	rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	if (rc == 0 && k->mv_size == LFH_CASE_LEN && memcmp(k->mv_data, after, LFH_CASE_LEN) == 0)
		rc = mdb_cursor_get(c, k, v, MDB_NEXT);
	return rc;
}

int lfh_store_scan_cases_after(lfh_txn *t, const uint8_t *after, lfh_case_fn fn, void *ctx,
			       lfh_err *err)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	lfh_record r;
	int stop = 0, rc;

	if ((rc = st_need_txn(t, err)))
		return rc;
	if (!fn)
		return lfh_err_set(err, LFH_EINVAL, "store: no scan callback");
	if ((rc = mdb_cursor_open(t->txn, t->s->dbi[DB_CASES], &c)))
		return st_mdb_fail(t, err, rc, "cases");
	for (rc = cases_first(c, after, &k, &v); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != LFH_CASE_LEN) {
			rc = lfh_err_set(err, LFH_ESTORE, "cases: corrupt key");
			goto fail;
		}
		memset(&r, 0, sizeof r);
		if ((rc = decode_record(&v, &r, err)))
			goto fail;
		rc = st_cb_result(fn(ctx, k.mv_data, &r), &stop);
		lfh_record_clear(&r);
		if (rc)
			goto fail;
		if (stop)
			break;
	}
	if (rc != 0 && rc != MDB_NOTFOUND) {
		rc = st_mdb_fail(t, err, rc, "cases");
		goto fail;
	}
	mdb_cursor_close(c);
	return 0;
fail:
	mdb_cursor_close(c);
	return rc;
}

/* Does key k start with prefix[0..n), the last byte's high nibble alone when half? */
static int has_prefix_nib(const MDB_val *k, const uint8_t *prefix, size_t n, int half)
{
	const uint8_t *d = k->mv_data;
	if (k->mv_size < n || memcmp(d, prefix, half ? n - 1 : n) != 0)
		return 0;
	return !half || (d[n - 1] & 0xf0) == (prefix[n - 1] & 0xf0);
}

int lfh_store_case_lookup(lfh_txn *t, const uint8_t *prefix, size_t n,
			  uint8_t case_id[LFH_CASE_LEN], lfh_err *err)
{
	return lfh_store_case_lookup_digits(t, prefix, 2 * n, case_id, err);
}

/*
 * The one key of db (keylen bytes) starting with `digits` hex digits held
 * in prefix ((digits + 1) / 2 bytes, the last one's low nibble ignored when
 * digits is odd): LFH_ENOTFOUND, or LFH_EAMBIG when several do.
 */
static int lookup_digits(lfh_txn *t, int db, size_t keylen, const char *what,
			 const uint8_t *prefix, size_t digits, uint8_t *out, lfh_err *err)
{
	MDB_cursor *c = NULL;
	size_t n = (digits + 1) / 2;
	int half = digits % 2;
	uint8_t start[LFH_ID_LEN];
	MDB_val k, v;
	int rc;

	if ((rc = st_need_txn(t, err)))
		return rc;
	if (!prefix || !out || n < 1 || n > keylen)
		return lfh_err_set(err, LFH_EINVAL, "%s id prefix must be 1..%zu bytes", what,
				   keylen);
	memcpy(start, prefix, n);
	if (half)
		start[n - 1] &= 0xf0; /* the smallest key with that nibble */
	k = st_val(start, n);
	if ((rc = mdb_cursor_open(t->txn, t->s->dbi[db], &c)))
		return st_mdb_fail(t, err, rc, st_db_names[db]);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND || (rc == 0 && !has_prefix_nib(&k, start, n, half))) {
		rc = lfh_err_set(err, LFH_ENOTFOUND, "no %s matches that prefix", what);
		goto fail;
	}
	if (rc)
		goto fail_mdb;
	if (k.mv_size != keylen) {
		rc = lfh_err_set(err, LFH_ESTORE, "%s: corrupt key", st_db_names[db]);
		goto fail;
	}
	memcpy(out, k.mv_data, keylen);
	rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	if (rc == 0 && has_prefix_nib(&k, start, n, half)) {
		rc = lfh_err_set(err, LFH_EAMBIG, "several %ss match that prefix", what);
		goto fail;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto fail_mdb;
	mdb_cursor_close(c);
	return 0;
fail_mdb:
	rc = st_mdb_fail(t, err, rc, st_db_names[db]);
fail:
	mdb_cursor_close(c);
	return rc;
}

int lfh_store_case_lookup_digits(lfh_txn *t, const uint8_t *prefix, size_t digits,
				 uint8_t case_id[LFH_CASE_LEN], lfh_err *err)
{
	return lookup_digits(t, DB_CASES, LFH_CASE_LEN, "case", prefix, digits, case_id, err);
}

int lfh_store_event_lookup_digits(lfh_txn *t, const uint8_t *prefix, size_t digits,
				  uint8_t id[LFH_ID_LEN], lfh_err *err)
{
	return lookup_digits(t, DB_EVENTS, LFH_ID_LEN, "event", prefix, digits, id, err);
}

int lfh_store_audit_append(lfh_txn *t, const lfh_record *r, lfh_err *err)
{
	uint8_t k[8];
	uint64_t last;
	int rc;
	if ((rc = st_need_write(t, err)))
		return rc;
	if (!r)
		return lfh_err_set(err, LFH_EINVAL, "store: no audit record");
	if ((rc = st_db_last_u64(t, DB_AUDIT, &last, err, "audit")))
		return rc;
	st_put_be64(k, last + 1);
	return put_record(t, DB_AUDIT, k, sizeof k, r, MDB_APPEND, err);
}

int lfh_store_scan_audit(lfh_txn *t, uint64_t after, lfh_audit_fn fn, void *ctx, lfh_err *err)
{
	MDB_cursor *c = NULL;
	uint8_t start[8] = { 0 };
	MDB_val k, v;
	lfh_record r;
	int stop = 0, rc;

	if ((rc = st_need_txn(t, err)))
		return rc;
	if (!fn)
		return lfh_err_set(err, LFH_EINVAL, "store: no scan callback");
	if (after == UINT64_MAX)
		return 0;
	st_put_be64(start, after + 1);
	k = st_val(start, sizeof start);
	if ((rc = mdb_cursor_open(t->txn, t->s->dbi[DB_AUDIT], &c)))
		return st_mdb_fail(t, err, rc, "audit");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 8) {
			rc = lfh_err_set(err, LFH_ESTORE, "audit: corrupt key");
			goto fail;
		}
		memset(&r, 0, sizeof r);
		if ((rc = decode_record(&v, &r, err)))
			goto fail;
		rc = st_cb_result(fn(ctx, st_get_be64(k.mv_data), &r), &stop);
		lfh_record_clear(&r);
		if (rc)
			goto fail;
		if (stop)
			break;
	}
	if (rc != 0 && rc != MDB_NOTFOUND) {
		rc = st_mdb_fail(t, err, rc, "audit");
		goto fail;
	}
	mdb_cursor_close(c);
	return 0;
fail:
	mdb_cursor_close(c);
	return rc;
}

/* ---- sharing keys and grants ------------------------------------------ */

static int key_key(uint8_t k[K_KEY], const uint8_t *case_id, const char *category,
		   const char *creator, uint32_t epoch, lfh_err *err)
{
	int rc;
	if (!case_id)
		return lfh_err_set(err, LFH_EINVAL, "store: no case id");
	memcpy(k, case_id, LFH_CASE_LEN);
	if ((rc = st_pad_name(k + LFH_CASE_LEN, category, "category", err)) ||
	    (rc = st_pad_name(k + LFH_CASE_LEN + NAME_LEN, creator, "key creator", err)))
		return rc;
	put_be32(k + LFH_CASE_LEN + 2 * NAME_LEN, epoch);
	return 0;
}

/*
 * Sharing keys are kept wrapped: nonce(24) || XChaCha20-Poly1305(kek, the
 * 32-byte key, ad = its name in `keys`), so that data.mdb alone opens
 * nothing and a shredded key's bytes are never in the file.
 */
#define WRAPPED_LEN (crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + 32 + \
		     crypto_aead_xchacha20poly1305_ietf_ABYTES)

static int need_kek(lfh_txn *t, lfh_err *err)
{
	if (!t->s->kek)
		return lfh_err_set(err, LFH_ECONFIG, "store: no key-encryption key to keep sharing keys "
				   "under (lfh_store_set_kek)");
	return 0;
}

static void wrap(const uint8_t *kek, const uint8_t name[K_KEY], const uint8_t key[32],
		 uint8_t out[WRAPPED_LEN])
{
	randombytes_buf(out, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
						   NULL, key, 32, name, K_KEY, NULL, out, kek);
}

int lfh_store_key_put(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *category,
		      const char *creator, uint32_t epoch, const uint8_t key[32], lfh_err *err)
{
	uint8_t k[K_KEY], v[WRAPPED_LEN];
	int rc;
	if ((rc = st_need_write(t, err)) || (rc = need_kek(t, err)) ||
	    (rc = key_key(k, case_id, category, creator, epoch, err)))
		return rc;
	if (!key)
		return lfh_err_set(err, LFH_EINVAL, "store: no key");
	wrap(t->s->kek, k, key, v);
	return st_db_put(t, DB_KEYS, k, sizeof k, v, sizeof v, 0, err, "keys");
}

int lfh_store_key_get(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *category,
		      const char *creator, uint32_t epoch, uint8_t key[32], lfh_err *err)
{
	uint8_t k[K_KEY];
	const uint8_t *w;
	MDB_val v;
	int rc;
	if ((rc = st_need_txn(t, err)) || (rc = need_kek(t, err)) ||
	    (rc = key_key(k, case_id, category, creator, epoch, err)))
		return rc;
	if (!key)
		return lfh_err_set(err, LFH_EINVAL, "store: no key output");
	rc = st_db_get(t, DB_KEYS, k, sizeof k, &v, err, "keys");
	if (rc == LFH_ENOTFOUND)
		return lfh_err_set(err, LFH_ENOTFOUND, "sharing key %s/%s epoch %u not held",
				   category, creator, (unsigned)epoch);
	if (rc)
		return rc;
	if (v.mv_size == 32) { /* a store from before keys were wrapped (lfh_store_set_kek wraps them) */
		memcpy(key, v.mv_data, 32);
		return 0;
	}
	w = v.mv_data;
	if (v.mv_size != WRAPPED_LEN ||
	    crypto_aead_xchacha20poly1305_ietf_decrypt(
		    key, NULL, NULL, w + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
		    WRAPPED_LEN - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, k, K_KEY, w,
		    t->s->kek) != 0)
		return lfh_err_set(err, LFH_ECRYPTO, "keys: sharing key %s/%s epoch %u does not open "
				   "with this node's store key (key_dir/store.key)", category, creator,
				   (unsigned)epoch);
	return 0;
}

static int grant_key(uint8_t k[K_GRANT], const uint8_t *case_id, const char *category,
		     const char *creator, uint32_t epoch, const char *agency, lfh_err *err)
{
	int rc = key_key(k, case_id, category, creator, epoch, err);
	return rc ? rc : st_pad_name(k + K_KEY, agency, "agency", err);
}

struct unwrapped {
	uint8_t name[K_KEY];
	uint8_t key[32];
};

/* Wrap every key an earlier build kept in the clear, in one transaction. */
static int wrap_legacy(lfh_store *s, lfh_err *err)
{
	lfh_txn *t = NULL;
	MDB_cursor *c = NULL;
	MDB_val k, v;
	struct unwrapped *u = NULL;
	size_t n = 0, cap = 0;
	int rc = lfh_txn_begin(s, 1, &t, err), mrc;

	if (rc)
		return rc;
	if ((mrc = mdb_cursor_open(t->txn, s->dbi[DB_KEYS], &c))) {
		lfh_txn_abort(t);
		return st_mdb_fail(NULL, err, mrc, "keys");
	}
	for (mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); mrc == 0;
	     mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != K_KEY || v.mv_size != 32)
			continue;
		if (n == cap) {
			struct unwrapped *p = sodium_allocarray(cap ? 2 * cap : 64, sizeof *p);
			if (!p) {
				rc = lfh_err_set(err, LFH_ENOMEM, "out of memory");
				break;
			}
			if (u)
				memcpy(p, u, n * sizeof *u);
			sodium_free(u);
			u = p;
			cap = cap ? 2 * cap : 64;
		}
		memcpy(u[n].name, k.mv_data, K_KEY);
		memcpy(u[n++].key, v.mv_data, 32);
	}
	mdb_cursor_close(c);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		uint8_t w[WRAPPED_LEN];
		wrap(s->kek, u[i].name, u[i].key, w);
		rc = st_db_put(t, DB_KEYS, u[i].name, K_KEY, w, sizeof w, 0, err, "keys");
	}
	sodium_free(u);
	if (rc) {
		lfh_txn_abort(t);
		return rc;
	}
	return lfh_txn_commit(t, err);
}

int lfh_store_set_kek(lfh_store *s, const uint8_t kek[32], lfh_err *err)
{
	if (!s->kek && !(s->kek = sodium_malloc(32)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	memcpy(s->kek, kek, 32);
	return wrap_legacy(s, err);
}

int lfh_store_subkey(lfh_txn *t, uint64_t id, uint8_t out[32], lfh_err *err)
{
	int rc = st_need_txn(t, err);

	if (rc || (rc = need_kek(t, err)))
		return rc;
	crypto_kdf_derive_from_key(out, 32, id, "lfhstore", t->s->kek);
	return 0;
}

int lfh_store_grant_put(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *category,
			const char *creator, uint32_t epoch, const char *agency, lfh_err *err)
{
	uint8_t k[K_GRANT];
	int rc;
	if ((rc = st_need_write(t, err)) ||
	    (rc = grant_key(k, case_id, category, creator, epoch, agency, err)))
		return rc;
	return st_db_put(t, DB_GRANTS, k, sizeof k, "", 0, 0, err, "grants");
}

int lfh_store_grant_has(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *category,
			const char *creator, uint32_t epoch, const char *agency, int *has,
			lfh_err *err)
{
	uint8_t k[K_GRANT];
	MDB_val v;
	int rc;
	if ((rc = st_need_txn(t, err)) ||
	    (rc = grant_key(k, case_id, category, creator, epoch, agency, err)))
		return rc;
	if (!has)
		return lfh_err_set(err, LFH_EINVAL, "store: no output");
	rc = st_db_get(t, DB_GRANTS, k, sizeof k, &v, err, "grants");
	if (rc && rc != LFH_ENOTFOUND)
		return rc;
	*has = rc == 0;
	return 0;
}

int lfh_store_keys_delete(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *category,
			  uint64_t *deleted, lfh_err *err)
{
	uint8_t prefix[LFH_CASE_LEN + NAME_LEN];
	MDB_cursor *c = NULL;
	MDB_val mk, mv;
	int rc;

	*deleted = 0;
	if ((rc = st_need_write(t, err)))
		return rc;
	memcpy(prefix, case_id, LFH_CASE_LEN);
	if ((rc = st_pad_name(prefix + LFH_CASE_LEN, category, "category", err)))
		return rc;
	rc = mdb_cursor_open(t->txn, t->s->dbi[DB_KEYS], &c);
	if (rc)
		return st_mdb_fail(t, err, rc, "keys");
	mk = st_val(prefix, sizeof prefix);
	for (rc = mdb_cursor_get(c, &mk, &mv, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &mk, &mv, MDB_NEXT)) {
		if (mk.mv_size < sizeof prefix || memcmp(mk.mv_data, prefix, sizeof prefix))
			break;
		if ((rc = mdb_cursor_del(c, 0)))
			break;
		(*deleted)++;
	}
	mdb_cursor_close(c);
	if (rc && rc != MDB_NOTFOUND)
		return st_mdb_fail(t, err, rc, "keys");
	return 0;
}

/* Every key name, or with case_id only that case's (its names sort together). */
static int scan_key_names(lfh_txn *t, const uint8_t *case_id, lfh_keyname_fn fn, void *ctx,
			  lfh_err *err)
{
	MDB_cursor *c = NULL;
	MDB_val mk = { LFH_CASE_LEN, (void *)case_id }, mv;
	int rc;

	if ((rc = st_need_txn(t, err)))
		return rc;
	if ((rc = mdb_cursor_open(t->txn, t->s->dbi[DB_KEYS], &c)))
		return st_mdb_fail(t, err, rc, "keys");
	for (rc = mdb_cursor_get(c, &mk, &mv, case_id ? MDB_SET_RANGE : MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &mk, &mv, MDB_NEXT)) {
		const uint8_t *k = mk.mv_data;
		char category[NAME_LEN + 1], creator[NAME_LEN + 1];
		int stop;
		if (case_id && (mk.mv_size < LFH_CASE_LEN || memcmp(k, case_id, LFH_CASE_LEN)))
			break;
		if (mk.mv_size != K_KEY)
			continue;
		memcpy(category, k + LFH_CASE_LEN, NAME_LEN);
		memcpy(creator, k + LFH_CASE_LEN + NAME_LEN, NAME_LEN);
		category[NAME_LEN] = creator[NAME_LEN] = '\0';
		stop = fn(ctx, k, category, creator, get_be32(k + LFH_CASE_LEN + 2 * NAME_LEN));
		if (stop) {
			mdb_cursor_close(c);
			return stop < 0 ? stop : 0;
		}
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return st_mdb_fail(t, err, rc, "keys");
	return 0;
}

int lfh_store_scan_key_names(lfh_txn *t, lfh_keyname_fn fn, void *ctx, lfh_err *err)
{
	return scan_key_names(t, NULL, fn, ctx, err);
}

int lfh_store_scan_case_key_names(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
				  lfh_keyname_fn fn, void *ctx, lfh_err *err)
{
	return scan_key_names(t, case_id, fn, ctx, err);
}

/* ---- peers cursors and meta counters ---------------------------------- */

static int get_u64(lfh_txn *t, int db, const void *k, size_t kn, uint64_t *out, lfh_err *err)
{
	MDB_val v;
	int rc = st_db_get(t, db, k, kn, &v, err, st_db_names[db]);
	if (rc == LFH_ENOTFOUND) {
		*out = 0;
		return 0;
	}
	if (rc)
		return rc;
	if (v.mv_size != 8)
		return lfh_err_set(err, LFH_ESTORE, "%s: corrupt value", st_db_names[db]);
	*out = st_get_be64(v.mv_data);
	return 0;
}

static int put_u64(lfh_txn *t, int db, const void *k, size_t kn, uint64_t x, lfh_err *err)
{
	uint8_t v[8];
	st_put_be64(v, x);
	return st_db_put(t, db, k, kn, v, sizeof v, 0, err, st_db_names[db]);
}

int lfh_store_cursor_get(lfh_txn *t, const char *peer, uint64_t *cursor, lfh_err *err)
{
	uint8_t k[NAME_LEN];
	int rc;
	if ((rc = st_need_txn(t, err)) || (rc = st_pad_name(k, peer, "peer", err)))
		return rc;
	if (!cursor)
		return lfh_err_set(err, LFH_EINVAL, "store: no output");
	return get_u64(t, DB_PEERS, k, sizeof k, cursor, err);
}

int lfh_store_cursor_put(lfh_txn *t, const char *peer, uint64_t cursor, lfh_err *err)
{
	uint8_t k[NAME_LEN];
	int rc;
	if ((rc = st_need_write(t, err)) || (rc = st_pad_name(k, peer, "peer", err)))
		return rc;
	return put_u64(t, DB_PEERS, k, sizeof k, cursor, err);
}

static int meta_name(const char *name, size_t *n, lfh_err *err)
{
	*n = name ? strnlen(name, LFH_META_NAME_MAX + 1) : 0;
	if (*n == 0 || *n > LFH_META_NAME_MAX)
		return lfh_err_set(err, LFH_EINVAL, "meta name must be 1..%d characters",
				   LFH_META_NAME_MAX);
	return 0;
}

void lfh_store_meta_name(char out[LFH_META_NAME_BUF], const char *prefix, const char *agency)
{
	snprintf(out, LFH_META_NAME_BUF, "%s:%s", prefix, agency);
}

int lfh_store_meta_get(lfh_txn *t, const char *name, uint64_t *val_out, lfh_err *err)
{
	size_t n;
	int rc;
	if ((rc = st_need_txn(t, err)) || (rc = meta_name(name, &n, err)))
		return rc;
	if (!val_out)
		return lfh_err_set(err, LFH_EINVAL, "store: no output");
	return get_u64(t, DB_META, name, n, val_out, err);
}

int lfh_store_meta_put(lfh_txn *t, const char *name, uint64_t x, lfh_err *err)
{
	size_t n;
	int rc;
	if ((rc = st_need_write(t, err)) || (rc = meta_name(name, &n, err)))
		return rc;
	return put_u64(t, DB_META, name, n, x, err);
}

/* ---- governance tables ------------------------------------------------- */

/* Key in the `tables` db: one table byte, then the caller's key. */
#define TBL_KEY_MAX 256

static int tbl_key(uint8_t *k, enum lfh_table tbl, const void *key, size_t klen, lfh_err *err)
{
	if ((unsigned)tbl >= LFH_TBL_COUNT || klen == 0 || klen > TBL_KEY_MAX - 1 || !key)
		return lfh_err_set(err, LFH_EINVAL, "store: bad table key");
	k[0] = (uint8_t)tbl;
	memcpy(k + 1, key, klen);
	return 0;
}

int lfh_store_tbl_put(lfh_txn *t, enum lfh_table tbl, const void *key, size_t klen,
		      const void *v, size_t vlen, lfh_err *err)
{
	uint8_t k[TBL_KEY_MAX];
	int rc;
	if ((rc = st_need_write(t, err)) || (rc = tbl_key(k, tbl, key, klen, err)))
		return rc;
	return st_db_put(t, DB_TABLES, k, klen + 1, v ? v : "", v ? vlen : 0, 0, err, "tables");
}

int lfh_store_tbl_get(lfh_txn *t, enum lfh_table tbl, const void *key, size_t klen,
		      const uint8_t **v, size_t *vlen, lfh_err *err)
{
	uint8_t k[TBL_KEY_MAX];
	MDB_val mv;
	int rc;
	if ((rc = st_need_txn(t, err)) || (rc = tbl_key(k, tbl, key, klen, err)))
		return rc;
	rc = st_db_get(t, DB_TABLES, k, klen + 1, &mv, err, "tables");
	if (rc)
		return rc;
	if (v)
		*v = mv.mv_data;
	if (vlen)
		*vlen = mv.mv_size;
	return 0;
}

int lfh_store_tbl_del(lfh_txn *t, enum lfh_table tbl, const void *key, size_t klen, lfh_err *err)
{
	uint8_t k[TBL_KEY_MAX];
	MDB_val mk;
	int rc;
	if ((rc = st_need_write(t, err)) || (rc = tbl_key(k, tbl, key, klen, err)))
		return rc;
	mk = st_val(k, klen + 1);
	rc = mdb_del(t->txn, t->s->dbi[DB_TABLES], &mk, NULL);
	if (rc && rc != MDB_NOTFOUND)
		return st_mdb_fail(t, err, rc, "tables");
	return 0;
}

/* Close a cursor of the tables db; rc: its last MDB code, or a callback's negative status. */
static int tables_cursor_done(lfh_txn *t, MDB_cursor *c, int rc, lfh_err *err)
{
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc > 0)
		return st_mdb_fail(t, err, rc, "tables");
	return rc;
}

int lfh_store_tbl_scan(lfh_txn *t, enum lfh_table tbl, const void *prefix, size_t plen,
		       lfh_tbl_fn fn, void *ctx, lfh_err *err)
{
	uint8_t k[TBL_KEY_MAX];
	MDB_cursor *c = NULL;
	MDB_val mk, mv;
	int rc, stop = 0;

	if ((rc = st_need_txn(t, err)))
		return rc;
	if ((unsigned)tbl >= LFH_TBL_COUNT || plen > TBL_KEY_MAX - 1 || (plen && !prefix) || !fn)
		return lfh_err_set(err, LFH_EINVAL, "store: bad table scan");
	k[0] = (uint8_t)tbl;
	if (plen)
		memcpy(k + 1, prefix, plen);
	rc = mdb_cursor_open(t->txn, t->s->dbi[DB_TABLES], &c);
	if (rc)
		return st_mdb_fail(t, err, rc, "tables");
	mk = st_val(k, plen + 1);
	for (rc = mdb_cursor_get(c, &mk, &mv, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &mk, &mv, MDB_NEXT)) {
		if (mk.mv_size < plen + 1 || memcmp(mk.mv_data, k, plen + 1))
			break;
		rc = st_cb_result(fn(ctx, (const uint8_t *)mk.mv_data + 1, mk.mv_size - 1,
				     mv.mv_data, mv.mv_size), &stop);
		if (rc || stop)
			break;
	}
	return tables_cursor_done(t, c, rc, err);
}

int lfh_store_tbl_last_below(lfh_txn *t, enum lfh_table tbl, const void *prefix, size_t plen,
			     const void *below, size_t blen, lfh_tbl_fn fn, void *ctx,
			     lfh_err *err)
{
	uint8_t k[TBL_KEY_MAX];
	MDB_cursor *c = NULL;
	MDB_val mk, mv;
	int rc, stop = 0;

	if ((rc = st_need_txn(t, err)))
		return rc;
	if ((unsigned)tbl >= LFH_TBL_COUNT || blen > TBL_KEY_MAX - 1 || plen > blen || !below ||
	    (plen && memcmp(prefix, below, plen)) || !fn)
		return lfh_err_set(err, LFH_EINVAL, "store: bad table seek");
	k[0] = (uint8_t)tbl;
	memcpy(k + 1, below, blen);
	if ((rc = mdb_cursor_open(t->txn, t->s->dbi[DB_TABLES], &c)))
		return st_mdb_fail(t, err, rc, "tables");
	mk = st_val(k, blen + 1);
	rc = mdb_cursor_get(c, &mk, &mv, MDB_SET_RANGE);
	rc = mdb_cursor_get(c, &mk, &mv, rc == MDB_NOTFOUND ? MDB_LAST : MDB_PREV);
	if (rc == 0 && mk.mv_size >= plen + 1 && !memcmp(mk.mv_data, k, plen + 1))
		rc = st_cb_result(fn(ctx, (const uint8_t *)mk.mv_data + 1, mk.mv_size - 1, mv.mv_data,
				     mv.mv_size), &stop);
	return tables_cursor_done(t, c, rc, err);
}
