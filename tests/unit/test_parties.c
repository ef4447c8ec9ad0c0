/*
 * test_parties.c - unit tests for node/rules/parties.c: a case's lead and
 * participants as the store keeps them, and the move of an older store's
 * "participants" field into the PARTIES table.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "lfh/osara.h"
#include "lfh/parties.h"
#include "lfh/record.h"
#include "lfh/store.h"

typedef struct fixture {
	char root[64];
	char dir[96];
	lfh_store *s;
} fixture;

static const uint8_t case_a[LFH_CASE_LEN] = { 0xaa, 1 };
static const uint8_t case_b[LFH_CASE_LEN] = { 0xbb, 2 };

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	lfh_err err = { 0 };

	assert_non_null(f);
	strcpy(f->root, "/tmp/lfh_test_parties_XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->dir, sizeof f->dir, "%s/data", f->root);
	assert_int_equal(lfh_store_open(&f->s, f->dir, 0, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	lfh_store_close(f->s);
	nftw(f->root, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static lfh_txn *begin(fixture *f, int write)
{
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	assert_int_equal(lfh_txn_begin(f->s, write, &t, &err), 0);
	return t;
}

static void commit(lfh_txn *t)
{
	lfh_err err = { 0 };
	assert_int_equal(lfh_txn_commit(t, &err), 0);
}

/* The participants of case_id as "a,b,c", and its lead. */
static void get(fixture *f, const uint8_t *case_id, char *lead, char *list, size_t size)
{
	lfh_agencies p;
	lfh_err err = { 0 };
	lfh_txn *t = begin(f, 0);

	assert_int_equal(lfh_parties_get(t, case_id, lead, &p, &err), 0);
	assert_int_equal(lfh_agencies_join(&p, list, size), 0);
	lfh_txn_abort(t);
}

static void test_add_remove(void **state)
{
	fixture *f = *state;
	const char *ids[] = { "police", "health-visitors", "housing" };
	const char *other[] = { "health" };
	char lead[LFH_AGENCY_MAX + 1], list[256];
	lfh_err err = { 0 };
	lfh_txn *t = begin(f, 1);

	assert_int_equal(lfh_parties_add(t, case_a, "police", ids, 3, 100, &err), 0);
	assert_int_equal(lfh_parties_add(t, case_b, NULL, other, 1, 100, &err), 0);
	commit(t);
	get(f, case_a, lead, list, sizeof list);
	assert_string_equal(lead, "police");
	assert_string_equal(list, "health-visitors,housing,police");
	get(f, case_b, lead, list, sizeof list);
	assert_string_equal(lead, "");
	assert_string_equal(list, "health");

	t = begin(f, 1);
	assert_int_equal(lfh_parties_remove(t, case_a, "health", 200, &err), 0); /* not a participant */
	assert_int_equal(lfh_parties_remove(t, case_a, "housing", 200, &err), 0);
	commit(t);
	get(f, case_a, lead, list, sizeof list);
	assert_string_equal(list, "health-visitors,police");
	assert_string_equal(lead, "police");
}

/* JOIN and LEAVE of one agency: the later stamp decides, whichever arrives first. */
static void test_join_leave_any_order(void **state)
{
	fixture *f = *state;
	const char *ids[] = { "police" }, *housing[] = { "housing" };
	char lead[LFH_AGENCY_MAX + 1], list[256];
	lfh_err err = { 0 };
	uint64_t left;
	lfh_txn *t = begin(f, 1);

	/* case a: JOIN(300) arrives before the LEAVE(200) it overrides; case b: after it */
	assert_int_equal(lfh_parties_add(t, case_a, "police", ids, 1, 100, &err), 0);
	assert_int_equal(lfh_parties_add(t, case_a, NULL, housing, 1, 300, &err), 0);
	assert_int_equal(lfh_parties_remove(t, case_a, "housing", 200, &err), 0);
	assert_int_equal(lfh_parties_add(t, case_b, "police", ids, 1, 100, &err), 0);
	assert_int_equal(lfh_parties_remove(t, case_b, "housing", 200, &err), 0);
	assert_int_equal(lfh_parties_add(t, case_b, NULL, housing, 1, 300, &err), 0);
	commit(t);
	get(f, case_a, lead, list, sizeof list);
	assert_string_equal(list, "housing,police");
	get(f, case_b, lead, list, sizeof list);
	assert_string_equal(list, "housing,police");

	/* a JOIN(150) stamped before a LEAVE(200) already held does not bring it back */
	t = begin(f, 1);
	assert_int_equal(lfh_parties_remove(t, case_a, "housing", 400, &err), 0);
	assert_int_equal(lfh_parties_add(t, case_a, NULL, housing, 1, 350, &err), 0);
	assert_int_equal(lfh_parties_left_at(t, case_a, "housing", &left, &err), 0);
	assert_int_equal(left, 400);
	assert_int_equal(lfh_parties_left_at(t, case_a, "police", &left, &err), 0);
	assert_int_equal(left, 0);
	commit(t);
	get(f, case_a, lead, list, sizeof list);
	assert_string_equal(list, "police");
}

/* A lead change keeps who led before and since when. */
static void test_lead_change(void **state)
{
	fixture *f = *state;
	const char *ids[] = { "police", "housing" };
	lfh_err err = { 0 };
	int yes;
	lfh_txn *t = begin(f, 1);

	struct lfh_osara_lead_was was = { "police", 500 };

	assert_int_equal(lfh_parties_add(t, case_a, "police", ids, 2, 100, &err), 0);
	assert_int_equal(lfh_parties_set_leads(t, case_a, "housing", &was, 1, &err), 0);
	assert_int_equal(lfh_parties_led_before(t, case_a, "police", 499, &yes, &err), 0);
	assert_true(yes);
	assert_int_equal(lfh_parties_led_before(t, case_a, "police", 500, &yes, &err), 0);
	assert_false(yes);
	assert_int_equal(lfh_parties_led_before(t, case_a, "council", 10, &yes, &err), 0);
	assert_false(yes);
	assert_int_equal(lfh_parties_led_before(t, case_b, "police", 10, &yes, &err), 0);
	assert_false(yes);
	commit(t);
}

static void test_unknown_case(void **state)
{
	fixture *f = *state;
	char lead[LFH_AGENCY_MAX + 1] = "x", list[64] = "x";

	get(f, case_a, lead, list, sizeof list);
	assert_string_equal(lead, "");
	assert_string_equal(list, "");
}

/* A case record written by an earlier version, with "participants" = "a,b,c". */
static void put_old_case(fixture *f, const uint8_t *case_id, const char *csv)
{
	lfh_record r = { 0 };
	lfh_err err = { 0 };
	lfh_txn *t = begin(f, 1);

	assert_int_equal(lfh_record_set_str(&r, "lead", "police", &err), 0);
	assert_int_equal(lfh_record_set_str(&r, "participants", csv, &err), 0);
	assert_int_equal(lfh_record_set_uint(&r, "events", 3, &err), 0);
	assert_int_equal(lfh_store_case_put(t, case_id, &r, &err), 0);
	lfh_record_clear(&r);
	commit(t);
}

static void test_migrate_old_store(void **state)
{
	fixture *f = *state;
	char lead[LFH_AGENCY_MAX + 1], list[256];
	lfh_record r = { 0 };
	lfh_err err = { 0 };
	uint64_t events = 0;
	lfh_txn *t;

	put_old_case(f, case_a, "health-visitors,housing,police");
	put_old_case(f, case_b, "council,police");
	t = begin(f, 1);
	assert_int_equal(lfh_parties_migrate(t, &err), 0);
	commit(t);
	get(f, case_a, lead, list, sizeof list);
	assert_string_equal(list, "health-visitors,housing,police");
	assert_string_equal(lead, "police");
	get(f, case_b, lead, list, sizeof list);
	assert_string_equal(list, "council,police");
	/* the old field is gone, the rest of the record stays */
	t = begin(f, 0);
	assert_int_equal(lfh_store_case_get(t, case_a, &r, &err), 0);
	assert_null(lfh_record_str(&r, "participants"));
	assert_true(lfh_record_uint(&r, "events", &events));
	assert_int_equal(events, 3);
	lfh_record_clear(&r);
	lfh_txn_abort(t);
	/* once only: a later field of that name is not read again */
	put_old_case(f, case_b, "fire");
	t = begin(f, 1);
	assert_int_equal(lfh_parties_migrate(t, &err), 0);
	commit(t);
	get(f, case_b, lead, list, sizeof list);
	assert_string_equal(list, "council,police");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_join_leave_any_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lead_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_old_store, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
