/*
 * test_store_state.c - unit tests for node/store/store_state.c: peer
 * cursors, meta counters, sharing keys and grants, cases (lookup by
 * prefix), and the audit log.
 *
 * The fixture (store_fixture.h) gives each test a fresh store.
 */
#define _GNU_SOURCE /* memmem; includes _XOPEN_SOURCE 700 */
#include "store_fixture.h"

#include "file_search.h"

#include <lmdb.h>
#include <sodium.h>

#include "lfh/store.h"

/* ---- helpers ----------------------------------------------------------- */

static void case_id(uint8_t id[LFH_CASE_LEN], uint8_t b0, uint8_t b1, uint8_t last)
{
	memset(id, 0x11, LFH_CASE_LEN);
	id[0] = b0;
	id[1] = b1;
	id[LFH_CASE_LEN - 1] = last;
}

/* ---- tests ------------------------------------------------------------- */

static void test_cursor_persists(void **state)
{
	fixture *f = *state;
	lfh_txn *t;
	uint64_t cur = 99;

	t = begin(f, 0);
	assert_int_equal(lfh_store_cursor_get(t, "council", &cur, NULL), 0);
	assert_int_equal(cur, 0);
	lfh_txn_abort(t);

	t = begin(f, 1);
	assert_int_equal(lfh_store_cursor_put(t, "council", 42, NULL), 0);
	assert_int_equal(lfh_store_cursor_put(t, "health", 7, NULL), 0);
	assert_int_equal(lfh_store_cursor_put(t, "council", 43, NULL), 0);
	commit(t);

	reopen(f);
	t = begin(f, 0);
	assert_int_equal(lfh_store_cursor_get(t, "council", &cur, NULL), 0);
	assert_int_equal(cur, 43);
	assert_int_equal(lfh_store_cursor_get(t, "health", &cur, NULL), 0);
	assert_int_equal(cur, 7);
	assert_int_equal(lfh_store_cursor_get(t, "police", &cur, NULL), 0);
	assert_int_equal(cur, 0);
	lfh_txn_abort(t);
}

static void test_meta(void **state)
{
	fixture *f = *state;
	lfh_txn *t;
	uint64_t v = 99;

	t = begin(f, 1);
	assert_int_equal(lfh_store_meta_get(t, "own_seq", &v, NULL), 0);
	assert_int_equal(v, 0);
	assert_int_equal(lfh_store_meta_put(t, "own_seq", 5, NULL), 0);
	assert_int_equal(lfh_store_meta_put(t, "own_seq_x", UINT64_MAX, NULL), 0);
	assert_int_equal(lfh_store_meta_get(t, "own_seq", &v, NULL), 0);
	assert_int_equal(v, 5);
	assert_int_equal(lfh_store_meta_put(t, "", 1, NULL), LFH_EINVAL);
	commit(t);

	reopen(f);
	t = begin(f, 0);
	assert_int_equal(lfh_store_meta_get(t, "own_seq", &v, NULL), 0);
	assert_int_equal(v, 5);
	assert_int_equal(lfh_store_meta_get(t, "own_seq_x", &v, NULL), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(lfh_store_meta_get(t, "own", &v, NULL), 0);
	assert_int_equal(v, 0);
	lfh_txn_abort(t);
}

static void test_keys(void **state)
{
	fixture *f = *state;
	lfh_txn *t;
	uint8_t cid[LFH_CASE_LEN], k1[32], k2[32], out[32];
	lfh_err err = { 0 };

	case_id(cid, 1, 2, 3);
	memset(k1, 0xa1, sizeof k1);
	memset(k2, 0xb2, sizeof k2);
	t = begin(f, 1);
	assert_int_equal(lfh_store_key_put(t, cid, "referral", "police", 1, k1, &err), 0);
	assert_int_equal(lfh_store_key_put(t, cid, "referral", "police", 2, k2, &err), 0);
	commit(t);

	t = begin(f, 0);
	assert_int_equal(lfh_store_key_get(t, cid, "referral", "police", 1, out, &err), 0);
	assert_memory_equal(out, k1, 32);
	assert_int_equal(lfh_store_key_get(t, cid, "referral", "police", 2, out, &err), 0);
	assert_memory_equal(out, k2, 32);
	assert_int_equal(lfh_store_key_get(t, cid, "referral", "police", 3, out, &err),
			 LFH_ENOTFOUND);
	assert_int_equal(lfh_store_key_get(t, cid, "health", "police", 1, out, &err),
			 LFH_ENOTFOUND);
	assert_int_equal(lfh_store_key_get(t, cid, "referral", "council", 1, out, &err),
			 LFH_ENOTFOUND);
	cid[5] ^= 1;
	assert_int_equal(lfh_store_key_get(t, cid, "referral", "police", 1, out, &err),
			 LFH_ENOTFOUND);
	lfh_txn_abort(t);
}

/*
 * Sharing keys are kept wrapped under the key-encryption key: their bytes are
 * nowhere in data.mdb, and another KEK opens nothing. A key an earlier build
 * kept in the clear is wrapped when the KEK is set.
 */
static void test_keys_wrapped(void **state)
{
	fixture *f = *state;
	static const uint8_t other_kek[32] = { 1 };
	uint8_t cid[LFH_CASE_LEN], k1[32], legacy[32], out[32];
	char mdb[128];
	lfh_err err = { 0 };
	lfh_txn *t;

	case_id(cid, 7, 8, 9);
	randombytes_buf(k1, sizeof k1);
	t = begin(f, 1);
	assert_int_equal(lfh_store_key_put(t, cid, "referral", "police", 0, k1, &err), 0);
	commit(t);
	snprintf(mdb, sizeof mdb, "%s/data.mdb", f->dir);
	assert_false(file_has(mdb, k1, sizeof k1));
	/* with another KEK: refused, with the reason */
	assert_int_equal(lfh_store_set_kek(f->s, other_kek, &err), 0);
	t = begin(f, 0);
	assert_int_equal(lfh_store_key_get(t, cid, "referral", "police", 0, out, &err), LFH_ECRYPTO);
	assert_non_null(strstr(err.msg, "store.key"));
	lfh_txn_abort(t);
	assert_int_equal(lfh_store_set_kek(f->s, test_kek, &err), 0);

	/* a key in the clear, as an earlier build wrote it, straight into LMDB */
	randombytes_buf(legacy, sizeof legacy);
	lfh_store_close(f->s);
	f->s = NULL;
	{
		MDB_env *env;
		MDB_txn *txn;
		MDB_dbi dbi;
		uint8_t k[16 + 32 + 32 + 4] = { 0 };
		MDB_val mk = { sizeof k, k }, mv = { 32, legacy };
		memcpy(k, cid, 16);
		memcpy(k + 16, "housing", 7);
		memcpy(k + 48, "police", 6);
		assert_int_equal(mdb_env_create(&env), 0);
		assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
		assert_int_equal(mdb_env_open(env, f->dir, 0, 0600), 0);
		assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
		assert_int_equal(mdb_dbi_open(txn, "keys", 0, &dbi), 0);
		assert_int_equal(mdb_put(txn, dbi, &mk, &mv, 0), 0);
		assert_int_equal(mdb_txn_commit(txn), 0);
		mdb_env_close(env);
	}
	reopen(f); /* sets the KEK: the clear key is wrapped */
	t = begin(f, 0);
	assert_int_equal(lfh_store_key_get(t, cid, "housing", "police", 0, out, &err), 0);
	assert_memory_equal(out, legacy, 32);
	assert_int_equal(lfh_store_key_get(t, cid, "referral", "police", 0, out, &err), 0);
	assert_memory_equal(out, k1, 32);
	lfh_txn_abort(t);
}

static void test_grants(void **state)
{
	fixture *f = *state;
	lfh_txn *t;
	uint8_t cid[LFH_CASE_LEN];
	int has = -1;

	case_id(cid, 1, 2, 3);
	t = begin(f, 1);
	assert_int_equal(lfh_store_grant_put(t, cid, "referral", "police", 1, "council", NULL), 0);
	assert_int_equal(lfh_store_grant_put(t, cid, "referral", "police", 1, "council", NULL), 0);
	commit(t);

	t = begin(f, 0);
	assert_int_equal(lfh_store_grant_has(t, cid, "referral", "police", 1, "council", &has,
					     NULL),
			 0);
	assert_int_equal(has, 1);
	assert_int_equal(lfh_store_grant_has(t, cid, "referral", "police", 1, "health", &has,
					     NULL),
			 0);
	assert_int_equal(has, 0);
	has = -1;
	assert_int_equal(lfh_store_grant_has(t, cid, "referral", "police", 2, "council", &has,
					     NULL),
			 0);
	assert_int_equal(has, 0);
	lfh_txn_abort(t);
}

typedef struct case_seen {
	size_t n;
	uint8_t ids[8][LFH_CASE_LEN];
	char titles[8][32];
	size_t limit;
} case_seen;

static int case_fn(void *ctx, const uint8_t cid[LFH_CASE_LEN], const lfh_record *r)
{
	case_seen *cs = ctx;
	const char *title = lfh_record_str(r, "title");
	assert_non_null(title);
	assert_true(cs->n < 8);
	memcpy(cs->ids[cs->n], cid, LFH_CASE_LEN);
	snprintf(cs->titles[cs->n], sizeof cs->titles[0], "%s", title);
	cs->n++;
	return cs->limit && cs->n >= cs->limit ? 1 : 0;
}

static void put_case(lfh_txn *t, const uint8_t *cid, const char *title, uint64_t opened)
{
	lfh_record r;
	lfh_err err = { 0 };
	memset(&r, 0, sizeof r);
	assert_int_equal(lfh_record_set_str(&r, "title", title, &err), 0);
	assert_int_equal(lfh_record_set_uint(&r, "opened", opened, &err), 0);
	assert_int_equal(lfh_store_case_put(t, cid, &r, &err), 0);
	lfh_record_clear(&r);
}

static void test_cases(void **state)
{
	fixture *f = *state;
	lfh_txn *t;
	uint8_t a[LFH_CASE_LEN], b[LFH_CASE_LEN], c[LFH_CASE_LEN], out[LFH_CASE_LEN];
	lfh_record r;
	lfh_err err = { 0 };
	uint64_t u = 0;
	case_seen cs = { 0 };

	case_id(a, 0xab, 0xcd, 1);
	case_id(b, 0xab, 0xce, 2);
	case_id(c, 0x12, 0x34, 3);
	t = begin(f, 1);
	put_case(t, b, "bravo", 2);
	put_case(t, a, "alpha-old", 0);
	put_case(t, a, "alpha", 1); /* replaces */
	put_case(t, c, "charlie", 3);
	commit(t);

	t = begin(f, 0);
	memset(&r, 0, sizeof r);
	assert_int_equal(lfh_store_case_get(t, a, &r, &err), 0);
	assert_string_equal(lfh_record_str(&r, "title"), "alpha");
	assert_true(lfh_record_uint(&r, "opened", &u));
	assert_int_equal(u, 1);
	lfh_record_clear(&r);
	uint8_t none[LFH_CASE_LEN] = { 0 };
	assert_int_equal(lfh_store_case_get(t, none, &r, &err), LFH_ENOTFOUND);

	assert_int_equal(lfh_store_scan_cases(t, case_fn, &cs, &err), 0);
	assert_int_equal(cs.n, 3);
	assert_string_equal(cs.titles[0], "charlie"); /* 0x12... < 0xab 0xcd < 0xab 0xce */
	assert_string_equal(cs.titles[1], "alpha");
	assert_string_equal(cs.titles[2], "bravo");
	memset(&cs, 0, sizeof cs);
	cs.limit = 1;
	assert_int_equal(lfh_store_scan_cases(t, case_fn, &cs, &err), 0);
	assert_int_equal(cs.n, 1);

	/* lookup by prefix */
	const uint8_t pab[] = { 0xab }, pabcd[] = { 0xab, 0xcd }, p12[] = { 0x12 },
		      pff[] = { 0xff }, pabcf[] = { 0xab, 0xcf }, p00[] = { 0x00 };
	assert_int_equal(lfh_store_case_lookup(t, pabcd, 2, out, &err), 0);
	assert_memory_equal(out, a, LFH_CASE_LEN);
	assert_int_equal(lfh_store_case_lookup(t, p12, 1, out, &err), 0);
	assert_memory_equal(out, c, LFH_CASE_LEN);
	assert_int_equal(lfh_store_case_lookup(t, b, LFH_CASE_LEN, out, &err), 0);
	assert_memory_equal(out, b, LFH_CASE_LEN);
	assert_int_equal(lfh_store_case_lookup(t, pab, 1, out, &err), LFH_EAMBIG);
	assert_int_equal(err.code, LFH_EAMBIG);
	assert_int_equal(lfh_store_case_lookup(t, pff, 1, out, &err), LFH_ENOTFOUND);
	assert_int_equal(lfh_store_case_lookup(t, pabcf, 2, out, &err), LFH_ENOTFOUND);
	assert_int_equal(lfh_store_case_lookup(t, p00, 1, out, &err), LFH_ENOTFOUND);
	/* an odd number of hex digits: the last one is a nibble */
	const uint8_t pabc[] = { 0xab, 0xc0 }, p123[] = { 0x12, 0x30 }, pabd[] = { 0xab, 0xd0 },
		      pabcdx[] = { 0xab, 0xcd, 0x10 };
	assert_int_equal(lfh_store_case_lookup_digits(t, pabc, 3, out, &err), LFH_EAMBIG);
	assert_int_equal(lfh_store_case_lookup_digits(t, p123, 3, out, &err), 0);
	assert_memory_equal(out, c, LFH_CASE_LEN);
	assert_int_equal(lfh_store_case_lookup_digits(t, pabd, 3, out, &err), LFH_ENOTFOUND);
	assert_int_equal(lfh_store_case_lookup_digits(t, pabcdx, 5, out, &err), 0);
	assert_memory_equal(out, a, LFH_CASE_LEN);
	assert_int_equal(lfh_store_case_lookup(t, pab, 0, out, &err), LFH_EINVAL);
	assert_int_equal(lfh_store_case_lookup(t, a, 17, out, &err), LFH_EINVAL);
	lfh_txn_abort(t);
}

typedef struct audit_seen {
	size_t n;
	uint64_t seq[8];
	uint64_t val[8];
	size_t limit;
} audit_seen;

static int audit_fn(void *ctx, uint64_t aseq, const lfh_record *r)
{
	audit_seen *as = ctx;
	assert_true(as->n < 8);
	as->seq[as->n] = aseq;
	assert_true(lfh_record_uint(r, "n", &as->val[as->n]));
	as->n++;
	return as->limit && as->n >= as->limit ? 1 : 0;
}

static void audit_add(lfh_txn *t, uint64_t n)
{
	lfh_record r;
	memset(&r, 0, sizeof r);
	assert_int_equal(lfh_record_set_str(&r, "cmd", "show", NULL), 0);
	assert_int_equal(lfh_record_set_uint(&r, "n", n, NULL), 0);
	assert_int_equal(lfh_store_audit_append(t, &r, NULL), 0);
	lfh_record_clear(&r);
}

static void test_audit(void **state)
{
	fixture *f = *state;
	lfh_txn *t;
	audit_seen as = { 0 };

	t = begin(f, 1);
	audit_add(t, 10);
	audit_add(t, 20);
	commit(t);
	reopen(f);
	t = begin(f, 1);
	audit_add(t, 30);
	commit(t);

	t = begin(f, 0);
	assert_int_equal(lfh_store_scan_audit(t, 0, audit_fn, &as, NULL), 0);
	assert_int_equal(as.n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(as.seq[i], i + 1);
		assert_int_equal(as.val[i], (i + 1) * 10);
	}
	memset(&as, 0, sizeof as);
	assert_int_equal(lfh_store_scan_audit(t, 2, audit_fn, &as, NULL), 0);
	assert_int_equal(as.n, 1);
	assert_int_equal(as.seq[0], 3);
	memset(&as, 0, sizeof as);
	as.limit = 2;
	assert_int_equal(lfh_store_scan_audit(t, 0, audit_fn, &as, NULL), 0);
	assert_int_equal(as.n, 2);
	memset(&as, 0, sizeof as);
	assert_int_equal(lfh_store_scan_audit(t, 3, audit_fn, &as, NULL), 0);
	assert_int_equal(as.n, 0);
	lfh_txn_abort(t);
}

/* The key fn saw (its first two bytes), or "" if it was not called. */
static int seen_fn(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	char *seen = ctx;
	(void)val;
	(void)vlen;
	assert_true(klen >= 2);
	seen[0] = (char)key[0];
	seen[1] = (char)key[1];
	return 0;
}

static const char *last_below(lfh_txn *t, const char *prefix, const char *below)
{
	static char seen[3];
	lfh_err err = { 0 };

	memset(seen, 0, sizeof seen);
	assert_int_equal(lfh_store_tbl_last_below(t, LFH_TBL_REREF, prefix, strlen(prefix), below,
						  strlen(below), seen_fn, seen, &err), 0);
	return seen;
}

/* One seek to the last entry of a prefix before a key, wherever it is in the table. */
static void test_tbl_last_below(void **state)
{
	fixture *f = *state;
	static const char *const keys[] = { "A1", "A3", "A5", "B2", "C7" };
	lfh_txn *t = begin(f, 1);
	lfh_err err = { 0 };

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		assert_int_equal(lfh_store_tbl_put(t, LFH_TBL_REREF, keys[i], 2, "", 0, &err), 0);
	assert_string_equal(last_below(t, "C", "C9"), "C7"); /* nothing follows: the last */
	/* rows of tables before and after this one */
	assert_int_equal(lfh_store_tbl_put(t, LFH_TBL_REFS, "Z", 1, "", 0, &err), 0);
	assert_int_equal(lfh_store_tbl_put(t, LFH_TBL_SUMMARY, "Z", 1, "", 0, &err), 0);
	assert_string_equal(last_below(t, "A", "A4"), "A3");
	assert_string_equal(last_below(t, "A", "A3"), "A1"); /* before, not at */
	assert_string_equal(last_below(t, "A", "A1"), "");   /* nothing of A before it */
	assert_string_equal(last_below(t, "A", "A9"), "A5"); /* B2 is next: one back */
	assert_string_equal(last_below(t, "B", "B1"), "");
	assert_string_equal(last_below(t, "C", "C9"), "C7"); /* the next table's row: one back */
	assert_string_equal(last_below(t, "D", "D5"), "");
	assert_int_equal(lfh_store_tbl_last_below(t, LFH_TBL_REREF, "A", 1, "B1", 2, seen_fn, NULL,
						  &err), LFH_EINVAL); /* below must start with prefix */
	commit(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cursor_persists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_wrapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tbl_last_below, setup, teardown),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("store_state", tests, NULL, NULL);
}
