/*
 * test_agencies.c - unit tests for proto/agencies.c (sets of agency ids).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lfh/agencies.h"

static void test_sorted_and_unique(void **state)
{
	lfh_agencies s = { 0 };
	char out[128];

	(void)state;
	assert_int_equal(lfh_agencies_add(&s, "police"), 0);
	assert_int_equal(lfh_agencies_add(&s, "housing"), 0);
	assert_int_equal(lfh_agencies_add(&s, "council"), 0);
	assert_int_equal(lfh_agencies_add(&s, "housing"), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(lfh_agencies_join(&s, out, sizeof out), 0);
	assert_string_equal(out, "council,housing,police");
	lfh_agencies_remove(&s, "housing");
	lfh_agencies_remove(&s, "fire"); /* absent: nothing happens */
	assert_int_equal(lfh_agencies_join(&s, out, sizeof out), 0);
	assert_string_equal(out, "council,police");
}

/* Membership is an exact match: "health" is not in a set holding "health-visitors". */
static void test_exact_membership(void **state)
{
	lfh_agencies s = { 0 };

	(void)state;
	assert_int_equal(lfh_agencies_add(&s, "health-visitors"), 0);
	assert_int_equal(lfh_agencies_add(&s, "ahealth"), 0);
	assert_false(lfh_agencies_has(&s, "health"));
	assert_false(lfh_agencies_has(&s, "visitors"));
	assert_true(lfh_agencies_has(&s, "health-visitors"));
	assert_int_equal(lfh_agencies_add(&s, "health"), 0);
	assert_true(lfh_agencies_has(&s, "health"));
	lfh_agencies_remove(&s, "health");
	assert_true(lfh_agencies_has(&s, "health-visitors"));
	assert_false(lfh_agencies_has(&s, NULL));
}

static void test_invalid_and_full(void **state)
{
	lfh_agencies s = { 0 };
	char name[16], small[8];

	(void)state;
	assert_int_equal(lfh_agencies_add(&s, ""), LFH_EINVAL);
	assert_int_equal(lfh_agencies_add(&s, "Police"), LFH_EINVAL);
	assert_int_equal(lfh_agencies_add(&s, "a,b"), LFH_EINVAL);
	assert_int_equal(lfh_agencies_add(&s, NULL), LFH_EINVAL);
	assert_int_equal(s.n, 0);
	for (int i = 0; i < LFH_AGENCIES_MAX; i++) {
		snprintf(name, sizeof name, "a%03d", i);
		assert_int_equal(lfh_agencies_add(&s, name), 0);
	}
	assert_int_equal(lfh_agencies_add(&s, "zzz"), LFH_ETOOBIG);
	assert_int_equal(lfh_agencies_add(&s, "a000"), 0); /* present already */
	assert_int_equal(lfh_agencies_join(&s, small, sizeof small), LFH_ETOOBIG);
	assert_string_equal(small, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sorted_and_unique),
		cmocka_unit_test(test_exact_membership),
		cmocka_unit_test(test_invalid_and_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
