/*
 * test_quota.c - unit tests for node/rules/quota.c: a member's storage
 * count (meta "bytes:<author>") given back as its events leave the store,
 * and counted again from what the store holds (for a store an lfhd before
 * 0.4.5 never gave back to). Events are store_events.h blobs; the shredding
 * path that decodes real envelopes is covered by tests/integration/test_quota.sh.
 */
#define _XOPEN_SOURCE 700
#include "store_fixture.h"
#include "store_events.h"

#include <sodium.h>

#include "lfh/quota.h"
#include "lfh/store.h"

static uint64_t counter(lfh_txn *t, const char *author)
{
	char name[LFH_META_NAME_BUF];
	uint64_t v = 0;

	lfh_store_meta_name(name, "bytes", author);
	assert_int_equal(lfh_store_meta_get(t, name, &v, NULL), 0); /* 0 if none */
	return v;
}

static void set_counter(lfh_txn *t, const char *author, uint64_t v)
{
	char name[LFH_META_NAME_BUF];

	lfh_store_meta_name(name, "bytes", author);
	assert_int_equal(lfh_store_meta_put(t, name, v, NULL), 0);
}

static void test_give_back(void **state)
{
	fixture *f = *state;
	lfh_txn *t = begin(f, 1);

	set_counter(t, "police", 1000);
	assert_int_equal(lfh_quota_give_back(t, "police", 300, NULL), 0);
	assert_int_equal(counter(t, "police"), 700);
	assert_int_equal(lfh_quota_give_back(t, "police", 5000, NULL), 0); /* never below 0 */
	assert_int_equal(counter(t, "police"), 0);
	/* an author never counted (ours, or stored by a build that did not count) stays so */
	assert_int_equal(lfh_quota_give_back(t, "housing", 10, NULL), 0);
	assert_int_equal(counter(t, "housing"), 0);
	commit(t);
}

static void test_recount(void **state)
{
	fixture *f = *state;
	tev e[3];
	size_t held = 0;
	lfh_txn *t;

	mkev(&e[0], "police", 1, 10, 1, "council:1", NULL);
	mkev(&e[1], "police", 2, 11, 1, "council:2", NULL);
	mkev(&e[2], "housing", 1, 12, 1, "council:1", NULL);
	t = begin(f, 1);
	for (int i = 0; i < 3; i++)
		put_ok(t, &e[i]);
	held = e[0].len + e[1].len;
	set_counter(t, "police", 5u << 20); /* what an earlier lfhd left after shredding */
	assert_int_equal(lfh_quota_recount(t, "police", NULL), 0);
	assert_int_equal(counter(t, "police"), held);
	/* a shredded event no longer counts */
	assert_int_equal(lfh_store_shred_event(t, e[1].id, e[1].ev.case_id, e[1].ev.hlc, NULL), 0);
	assert_int_equal(lfh_quota_recount(t, "police", NULL), 0);
	assert_int_equal(counter(t, "police"), e[0].len);
	/* no counter (ours, or a build that did not count): none is made */
	assert_int_equal(lfh_quota_recount(t, "housing", NULL), 0);
	assert_int_equal(counter(t, "housing"), 0);
	/* a count below what is held (events stored before counting began) is kept */
	set_counter(t, "police", 1);
	assert_int_equal(lfh_quota_recount(t, "police", NULL), 0);
	assert_int_equal(counter(t, "police"), 1);
	commit(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_give_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recount, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
