/* test_reref.c - the re-referral index (include/lfh/reref.h). */
#define _XOPEN_SOURCE 700 /* nftw, for the store fixture */
#include "store_fixture.h"

#include <sodium.h>

#include "lfh/hlc.h"
#include "lfh/reref.h"

#define DAY 86400000ULL
#define NOW (1800000000000ULL)
#define HLC(ms) ((uint64_t)(ms) << 16)

static const uint8_t case_a[LFH_CASE_LEN] = { 0xa1 }, case_b[LFH_CASE_LEN] = { 0xb2 },
		     case_c[LFH_CASE_LEN] = { 0xc3 };

/* Does any key of the index hold these bytes? */
struct scan_for {
	const char *text;
	int found;
};

static int key_has(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct scan_for *s = ctx;
	size_t n = strlen(s->text);
	(void)val;
	(void)vlen;
	for (size_t i = 0; i + n <= klen; i++)
		if (!memcmp(key + i, s->text, n))
			s->found = 1;
	return 0;
}

static void test_find(void **state)
{
	fixture *f = *state;
	lfh_txn *t = begin(f, 1);
	lfh_err err = { 0 };
	char out[2 * LFH_CASE_LEN + 1], want[2 * LFH_CASE_LEN + 1];
	struct scan_for s = { "castle", 0 };
	int ready = 1;

	assert_int_equal(lfh_reref_ready(t, &ready, &err), 0);
	assert_false(ready);
	/* a, 400 days ago; b, 100 days ago; c, 10 days ago at another place */
	assert_int_equal(lfh_reref_add(t, case_a, HLC(NOW - 400 * DAY), "Jane Doe", "3 Castle St", &err), 0);
	assert_int_equal(lfh_reref_add(t, case_b, HLC(NOW - 100 * DAY), " jane DOE ", NULL, &err), 0);
	assert_int_equal(lfh_reref_add(t, case_c, HLC(NOW - 10 * DAY), "", "3 castle st", &err), 0);
	/* the most recent in the year wins, by subject or location */
	assert_int_equal(lfh_reref_find(t, "Jane Doe", NULL, NOW, out, &err), 0);
	lfh_hex(want, case_b, LFH_CASE_LEN);
	assert_string_equal(out, want);
	assert_int_equal(lfh_reref_find(t, "Jane Doe", "3 CASTLE ST", NOW, out, &err), 0);
	lfh_hex(want, case_c, LFH_CASE_LEN);
	assert_string_equal(out, want);
	/* older than a year: not linked; nothing given: nothing found */
	assert_int_equal(lfh_reref_find(t, NULL, "3 Castle St", NOW - 20 * DAY, out, &err), 0);
	assert_string_equal(out, ""); /* a is 380 days before, c is after that now */
	assert_int_equal(lfh_reref_find(t, "", "  ", NOW, out, &err), 0);
	assert_string_equal(out, "");
	assert_int_equal(lfh_reref_find(t, "John Roe", NULL, NOW, out, &err), 0);
	assert_string_equal(out, "");
	/* no plaintext in the index's keys */
	assert_int_equal(lfh_store_tbl_scan(t, LFH_TBL_REREF, NULL, 0, key_has, &s, &err), 0);
	assert_false(s.found);
	s.text = "jane";
	assert_int_equal(lfh_store_tbl_scan(t, LFH_TBL_REREF, NULL, 0, key_has, &s, &err), 0);
	assert_false(s.found);
	assert_int_equal(lfh_reref_set_ready(t, &err), 0);
	assert_int_equal(lfh_reref_ready(t, &ready, &err), 0);
	assert_true(ready);
	commit(t);
	/* the secret stays: the same text finds the same entries after a reopen */
	reopen(f);
	t = begin(f, 1);
	assert_int_equal(lfh_reref_find(t, "jane doe", NULL, NOW, out, &err), 0);
	lfh_hex(want, case_b, LFH_CASE_LEN);
	assert_string_equal(out, want);
	commit(t);
}

/* Count the index's entries (not the secret or the ready mark). */
static int count_entry(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	(void)key;
	(void)val;
	(void)vlen;
	*(size_t *)ctx += klen > 1;
	return 0;
}

/*
 * Retention: once a case's referral category is shredded, nothing derived
 * from its subject or place stays in the index, and entries past the year
 * (never linked again) go too.
 */
static void test_prune(void **state)
{
	fixture *f = *state;
	lfh_txn *t = begin(f, 1);
	lfh_err err = { 0 };
	char out[2 * LFH_CASE_LEN + 1], want[2 * LFH_CASE_LEN + 1];
	uint8_t shred_key[LFH_CASE_LEN + 32] = { 0 };
	uint64_t removed = 0;
	size_t n = 0;

	assert_int_equal(lfh_reref_add(t, case_a, HLC(NOW - 400 * DAY), "Jane Doe", "3 Castle St", &err), 0);
	assert_int_equal(lfh_reref_add(t, case_b, HLC(NOW - 100 * DAY), "Jane Doe", NULL, &err), 0);
	assert_int_equal(lfh_reref_add(t, case_c, HLC(NOW - 10 * DAY), "", "3 castle st", &err), 0);
	memcpy(shred_key, case_b, LFH_CASE_LEN); /* as retention records a shredded (case, category) */
	memcpy(shred_key + LFH_CASE_LEN, "referral", 8);
	assert_int_equal(lfh_store_tbl_put(t, LFH_TBL_SHRED, shred_key, sizeof shred_key, "", 0, &err), 0);
	assert_int_equal(lfh_reref_find(t, "Jane Doe", NULL, NOW, out, &err), 0);
	lfh_hex(want, case_b, LFH_CASE_LEN);
	assert_string_equal(out, want); /* before: the shredded case is still linked */

	assert_int_equal(lfh_reref_prune(t, NOW, &removed, &err), 0);
	assert_int_equal(removed, 3); /* a's two entries (past the year), b's one (shredded) */
	assert_int_equal(lfh_store_tbl_scan(t, LFH_TBL_REREF, NULL, 0, count_entry, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(lfh_reref_find(t, "Jane Doe", NULL, NOW, out, &err), 0);
	assert_string_equal(out, "");
	assert_int_equal(lfh_reref_find(t, NULL, "3 Castle St", NOW, out, &err), 0);
	lfh_hex(want, case_c, LFH_CASE_LEN);
	assert_string_equal(out, want);
	assert_int_equal(lfh_reref_prune(t, NOW, &removed, &err), 0);
	assert_int_equal(removed, 0);
	commit(t);
}

/*
 * The hash's key is derived from the store key, never kept in data.mdb: a
 * copy of the file alone cannot confirm a guessed name (before 0.4.6 a
 * random secret sat in the clear under "k"). A store of that time drops the
 * old secret and the entries made with it, to be built again.
 */
static void test_no_secret_in_the_store(void **state)
{
	fixture *f = *state;
	lfh_txn *t = begin(f, 1);
	lfh_err err = { 0 };
	char out[2 * LFH_CASE_LEN + 1];
	uint8_t old[32], other_kek[32];
	size_t n = 0;
	int ready = 1;

	assert_int_equal(lfh_reref_add(t, case_b, HLC(NOW - 10 * DAY), "Jane Doe", NULL, &err), 0);
	assert_int_equal(lfh_store_tbl_get(t, LFH_TBL_REREF, "k", 1, NULL, NULL, &err), LFH_ENOTFOUND);
	commit(t);
	/* opened with another store key, the same name finds nothing */
	randombytes_buf(other_kek, sizeof other_kek);
	assert_int_equal(lfh_store_set_kek(f->s, other_kek, &err), 0);
	t = begin(f, 1);
	assert_int_equal(lfh_reref_find(t, "Jane Doe", NULL, NOW, out, &err), 0);
	assert_string_equal(out, "");
	lfh_txn_abort(t);
	assert_int_equal(lfh_store_set_kek(f->s, test_kek, &err), 0);
	/* an older store: its secret in the clear, its entries made with it */
	t = begin(f, 1);
	randombytes_buf(old, sizeof old);
	assert_int_equal(lfh_store_tbl_put(t, LFH_TBL_REREF, "k", 1, old, sizeof old, &err), 0);
	assert_int_equal(lfh_reref_set_ready(t, &err), 0);
	assert_int_equal(lfh_reref_ready(t, &ready, &err), 0);
	assert_false(ready); /* to be built again */
	assert_int_equal(lfh_store_tbl_get(t, LFH_TBL_REREF, "k", 1, NULL, NULL, &err), LFH_ENOTFOUND);
	assert_int_equal(lfh_store_tbl_scan(t, LFH_TBL_REREF, NULL, 0, count_entry, &n, &err), 0);
	assert_int_equal(n, 0);
	commit(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_secret_in_the_store, setup, teardown),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
