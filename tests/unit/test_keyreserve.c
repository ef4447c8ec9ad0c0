/*
 * test_keyreserve.c - the key reserve (node/core/keyreserve.c): a prepared
 * key's grants open with each recipient's box secret key to that key; no
 * key or grant is handed out twice; a recipient whose box_pk changed gets a
 * grant sealed on the spot; forgetting, dropping and idling wipe what is
 * left; preparing starts only once keys come fast.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#include "lfh/keyreserve.h"

#define BATCH 4

typedef struct agency {
	uint8_t pk[crypto_box_PUBLICKEYBYTES];
	uint8_t sk[crypto_box_SECRETKEYBYTES];
} agency;

static agency new_agency(void)
{
	agency a;
	crypto_box_keypair(a.pk, a.sk);
	return a;
}

static lfh_keyreserve *reserve(unsigned start_after, unsigned idle_ms)
{
	lfh_keyreserve_opts o = { .threads = 1, .batch = BATCH, .start_after = start_after,
				  .gap_ms = 60000, .idle_ms = idle_ms };
	lfh_keyreserve *r = NULL;
	lfh_err err = { 0 };

	assert_int_equal(lfh_keyreserve_new(&r, &o, &err), 0);
	return r;
}

/* Seal key to a through the reserve and check that it opens with a's secret key to key. */
static void seal_opens(lfh_keyreserve *r, const uint8_t key[32], const agency *a)
{
	uint8_t sealed[LFH_SEALED_LEN], back[32];
	lfh_err err = { 0 };

	assert_int_equal(lfh_keyreserve_seal(r, key, a->pk, sealed, &err), 0);
	assert_int_equal(crypto_box_seal_open(back, sealed, sizeof sealed, a->pk, a->sk), 0);
	assert_memory_equal(back, key, 32);
}

/* One write's worth: a new key sealed to each agency given, then forgotten; 1 if it was prepared. */
static int one_key(lfh_keyreserve *r, uint8_t key[32], const agency *to, size_t n)
{
	int prepared = lfh_keyreserve_key(r, key);

	for (size_t i = 0; i < n; i++)
		seal_opens(r, key, &to[i]);
	lfh_keyreserve_forget(r);
	return prepared;
}

static lfh_keyreserve_stats stats(lfh_keyreserve *r)
{
	lfh_keyreserve_stats s;
	lfh_keyreserve_stats_get(r, &s);
	return s;
}

/* Keys from a reserve prepared for {us, housing}: both grants open to the key. */
static void test_prepared_grants_open(void **state)
{
	agency set[2] = { new_agency(), new_agency() };
	lfh_keyreserve *r = reserve(0, 60000);
	uint8_t key[32];

	(void)state;
	assert_int_equal(one_key(r, key, set, 2), 0); /* nothing known yet: fresh, inline */
	assert_int_equal(one_key(r, key, set, 2), 0); /* the set is known: both batches start */
	lfh_keyreserve_wait(r);
	assert_int_equal(stats(r).ready, 2 * BATCH);
	for (int i = 0; i < 2 * BATCH; i++)
		assert_int_equal(one_key(r, key, set, 2), 1);
	lfh_keyreserve_stats s = stats(r);
	assert_int_equal(s.keys_prepared, 2 * BATCH);
	assert_int_equal(s.keys_fresh, 2);
	assert_int_equal(s.grants_prepared, 2 * 2 * BATCH);
	assert_int_equal(s.grants_inline, 2 * 2);
	lfh_keyreserve_free(r);
}

/* Every key handed out differs from every other; a grant is handed out once. */
static void test_never_twice(void **state)
{
	enum { ROUNDS = 6, PER = 2 * BATCH + 1 };
	agency a = new_agency();
	lfh_keyreserve *r = reserve(0, 60000);
	uint8_t keys[ROUNDS * PER][32], s1[LFH_SEALED_LEN], s2[LFH_SEALED_LEN];
	lfh_err err = { 0 };
	size_t n = 0;

	(void)state;
	for (int round = 0; round < ROUNDS; round++) {
		lfh_keyreserve_wait(r);
		for (int i = 0; i < PER; i++)
			one_key(r, keys[n++], &a, 1);
	}
	assert_true(stats(r).keys_prepared >= (ROUNDS - 1) * BATCH);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			assert_memory_not_equal(keys[i], keys[j], 32);

	lfh_keyreserve_wait(r);
	uint8_t key[32];
	assert_int_equal(lfh_keyreserve_key(r, key), 1);
	uint64_t inline0 = stats(r).grants_inline;
	assert_int_equal(lfh_keyreserve_seal(r, key, a.pk, s1, &err), 0);
	assert_int_equal(lfh_keyreserve_seal(r, key, a.pk, s2, &err), 0);
	assert_int_equal(stats(r).grants_inline, inline0 + 1); /* the second one sealed here */
	assert_memory_not_equal(s1, s2, sizeof s1);
	seal_opens(r, key, &a);
	lfh_keyreserve_free(r);
}

/* A recipient whose box_pk changed (rotation) is sealed to on the spot; the set follows it. */
static void test_changed_pk_falls_back(void **state)
{
	agency set[2] = { new_agency(), new_agency() };
	agency rotated = new_agency();
	lfh_keyreserve *r = reserve(0, 60000);
	uint8_t key[32];

	(void)state;
	one_key(r, key, set, 2);
	one_key(r, key, set, 2);
	lfh_keyreserve_wait(r);
	set[1] = rotated;
	assert_int_equal(lfh_keyreserve_key(r, key), 1);
	lfh_keyreserve_stats s0 = stats(r);
	seal_opens(r, key, &set[0]);
	seal_opens(r, key, &set[1]); /* prepared for the old key: not used */
	lfh_keyreserve_forget(r);
	lfh_keyreserve_stats s1 = stats(r);
	assert_int_equal(s1.grants_prepared, s0.grants_prepared + 1);
	assert_int_equal(s1.grants_inline, s0.grants_inline + 1);

	/* what is left was prepared for the old key; refills are for the new one */
	for (int i = 0; i < 2 * BATCH; i++)
		one_key(r, key, set, 2);
	lfh_keyreserve_wait(r);
	s0 = stats(r);
	assert_int_equal(one_key(r, key, set, 2), 1);
	s1 = stats(r);
	assert_int_equal(s1.grants_prepared, s0.grants_prepared + 2);
	assert_int_equal(s1.grants_inline, s0.grants_inline);
	lfh_keyreserve_free(r);
}

/*
 * After a rotation, a batch prepared for the new set is used before what is
 * left of one prepared for the old set. The gap (longer than gap_ms) stops
 * the emptied batch refilling, so the old batch is the one in use when the
 * new set's batch becomes ready.
 */
static void test_prefers_batch_for_new_set(void **state)
{
	agency set[2] = { new_agency(), new_agency() };
	lfh_keyreserve_opts o = { .threads = 1, .batch = BATCH, .start_after = 2,
				  .gap_ms = 20, .idle_ms = 60000 };
	struct timespec gap = { 0, 60 * 1000000L };
	lfh_keyreserve *r = NULL;
	lfh_err err = { 0 };
	uint8_t key[32];

	(void)state;
	assert_int_equal(lfh_keyreserve_new(&r, &o, &err), 0);
	one_key(r, key, set, 2);
	one_key(r, key, set, 2); /* both batches for the old set */
	lfh_keyreserve_wait(r);
	set[1] = new_agency();
	for (int i = 0; i < BATCH - 1; i++)
		assert_int_equal(one_key(r, key, set, 2), 1);
	nanosleep(&gap, NULL);
	assert_int_equal(one_key(r, key, set, 2), 1); /* the first batch empties, no refill */
	assert_int_equal(one_key(r, key, set, 2), 1); /* from the second (old); the first refills */
	lfh_keyreserve_wait(r);
	lfh_keyreserve_stats s0 = stats(r);
	assert_int_equal(s0.ready, BATCH + BATCH - 1);
	assert_int_equal(one_key(r, key, set, 2), 1);
	lfh_keyreserve_stats s1 = stats(r);
	assert_int_equal(s1.grants_prepared, s0.grants_prepared + 2);
	assert_int_equal(s1.grants_inline, s0.grants_inline);
	lfh_keyreserve_free(r);
}

/* After forget, the key is no longer the reserve's: its grants are sealed on the spot. */
static void test_forget_wipes_current(void **state)
{
	agency a = new_agency();
	lfh_keyreserve *r = reserve(0, 60000);
	uint8_t key[32];

	(void)state;
	one_key(r, key, &a, 1);
	one_key(r, key, &a, 1);
	lfh_keyreserve_wait(r);
	assert_int_equal(lfh_keyreserve_key(r, key), 1);
	lfh_keyreserve_forget(r);
	uint64_t prepared = stats(r).grants_prepared;
	seal_opens(r, key, &a);
	assert_int_equal(stats(r).grants_prepared, prepared);
	lfh_keyreserve_free(r);
}

/* Dropping (and idling) wipes every prepared entry: the next key is made fresh. */
static void test_drop_and_idle(void **state)
{
	agency a = new_agency();
	lfh_keyreserve *r = reserve(0, 500);
	uint8_t key[32];

	(void)state;
	one_key(r, key, &a, 1);
	one_key(r, key, &a, 1);
	lfh_keyreserve_drop(r);
	assert_int_equal(stats(r).ready, 0);
	assert_int_equal(one_key(r, key, &a, 1), 0);

	lfh_keyreserve_wait(r); /* that key refilled both batches */
	assert_int_equal(stats(r).ready, 2 * BATCH);
	lfh_keyreserve_idle(r); /* not idle yet */
	assert_int_equal(stats(r).ready, 2 * BATCH);
	struct timespec nap = { 0, 600 * 1000000L };
	nanosleep(&nap, NULL);
	lfh_keyreserve_idle(r);
	assert_int_equal(stats(r).ready, 0);
	lfh_keyreserve_free(r);
}

/* Nothing is prepared until start_after keys came each within gap_ms of the last. */
static void test_starts_when_keys_come_fast(void **state)
{
	agency a = new_agency();
	lfh_keyreserve *r = reserve(3, 60000);
	uint8_t key[32];

	(void)state;
	one_key(r, key, &a, 1);
	one_key(r, key, &a, 1);
	lfh_keyreserve_wait(r);
	assert_int_equal(stats(r).ready, 0);
	one_key(r, key, &a, 1);
	lfh_keyreserve_wait(r);
	assert_int_equal(stats(r).ready, 2 * BATCH);
	lfh_keyreserve_free(r);
}

/* Freed with a batch being prepared and a current key: no leak, no wait needed. */
static void test_free_while_preparing(void **state)
{
	agency a = new_agency();
	lfh_keyreserve *r = reserve(0, 60000);
	uint8_t key[32];

	(void)state;
	one_key(r, key, &a, 1);
	one_key(r, key, &a, 1);
	lfh_keyreserve_key(r, key);
	lfh_keyreserve_free(r);
	lfh_keyreserve_free(NULL);
}

/* Without a reserve (NULL): fresh keys, grants sealed on the spot. */
static void test_no_reserve(void **state)
{
	agency a = new_agency();
	uint8_t k1[32], k2[32];

	(void)state;
	assert_int_equal(lfh_keyreserve_key(NULL, k1), 0);
	assert_int_equal(lfh_keyreserve_key(NULL, k2), 0);
	assert_memory_not_equal(k1, k2, 32);
	seal_opens(NULL, k1, &a);
	lfh_keyreserve_forget(NULL);
	lfh_keyreserve_idle(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prepared_grants_open),
		cmocka_unit_test(test_never_twice),
		cmocka_unit_test(test_changed_pk_falls_back),
		cmocka_unit_test(test_prefers_batch_for_new_set),
		cmocka_unit_test(test_forget_wipes_current),
		cmocka_unit_test(test_drop_and_idle),
		cmocka_unit_test(test_starts_when_keys_come_fast),
		cmocka_unit_test(test_free_while_preparing),
		cmocka_unit_test(test_no_reserve),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
