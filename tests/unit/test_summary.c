/*
 * test_summary.c - a case's summary (include/lfh/summary.h): what `due`,
 * `case list` and the reports read of a case comes back from it as the
 * projection gave it, at every stage; dropping it leaves no row (shredding);
 * summaries of an earlier build are not read.
 */
#define _XOPEN_SOURCE 700 /* nftw, for the store fixture */
#include "store_fixture.h"
#include "osara_fixture.h"

#include <sodium.h>

#include "lfh/record.h"
#include "lfh/summary.h"

static const uint8_t case_a[LFH_CASE_LEN] = { 0xa1 }, case_b[LFH_CASE_LEN] = { 0xb2 };

/* Rows of the summary table under a case; and whether any value holds text. */
struct rows_seen {
	const char *text;
	size_t n;
	int found;
};

static int row_seen(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct rows_seen *s = ctx;
	size_t n = s->text ? strlen(s->text) : 0;
	(void)key;
	(void)klen;
	s->n++;
	for (size_t i = 0; n && i + n <= vlen; i++)
		if (!memcmp(val + i, s->text, n))
			s->found = 1;
	return 0;
}

static struct rows_seen rows_of(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *text)
{
	struct rows_seen s = { text, 0, 0 };
	lfh_err err = { 0 };
	assert_int_equal(lfh_store_tbl_scan(t, LFH_TBL_SUMMARY, case_id, LFH_CASE_LEN, row_seen, &s,
					    &err), 0);
	return s;
}

/* What is due in the two states at now is the same, item for item. */
static void assert_same_due(const lfh_osara_state *a, const lfh_osara_state *b, uint64_t now)
{
	static lfh_osara_due_item ia[LFH_OSARA_MAX_DUE], ib[LFH_OSARA_MAX_DUE];
	size_t na = 0, nb = 0;

	assert_int_equal(lfh_osara_due(a, now, ia, LFH_OSARA_MAX_DUE, &na), 0);
	assert_int_equal(lfh_osara_due(b, now, ib, LFH_OSARA_MAX_DUE, &nb), 0);
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_int_equal(ia[i].kind, ib[i].kind);
		assert_int_equal(ia[i].status, ib[i].status);
		assert_int_equal(ia[i].due_ms, ib[i].due_ms);
		assert_int_equal(ia[i].days_left, ib[i].days_left);
		assert_string_equal(ia[i].ref, ib[i].ref);
		assert_string_equal(ia[i].owner, ib[i].owner);
		assert_string_equal(ia[i].what, ib[i].what);
	}
}

/* The fields the listings and reports read are the same. */
static void assert_same_read(const lfh_osara_state *a, const lfh_osara_state *b)
{
	assert_int_equal(a->stage, b->stage);
	assert_string_equal(a->lead, b->lead);
	assert_string_equal(a->ref, b->ref);
	assert_string_equal(a->risk_level, b->risk_level);
	assert_string_equal(a->summary, b->summary);
	assert_string_equal(a->referral_author, b->referral_author);
	assert_int_equal(a->referral_hlc, b->referral_hlc);
	assert_int_equal(a->nparticipants, b->nparticipants);
	for (uint32_t i = 0; i < a->nparticipants; i++)
		assert_string_equal(a->participants[i], b->participants[i]);
	assert_int_equal(a->nmeetings, b->nmeetings);
	for (uint32_t i = 0; i < a->nmeetings; i++) {
		assert_string_equal(a->meetings[i].date, b->meetings[i].date);
		assert_string_equal(a->meetings[i].victim, b->meetings[i].victim);
	}
	assert_int_equal(a->nactions, b->nactions);
	for (uint32_t i = 0; i < a->nactions; i++) {
		const lfh_osara_action *x = &a->actions[i], *y = &b->actions[i];
		assert_string_equal(x->id, y->id);
		assert_string_equal(x->agency, y->agency);
		assert_string_equal(x->status, y->status);
		assert_string_equal(x->due, y->due);
		assert_string_equal(x->resume, y->resume);
		assert_string_equal(x->for_team, y->for_team);
		assert_string_equal(x->text, y->text);
	}
}

/* Put st, read it back into a state full of garbage, and compare. */
static void round_trip(fixture *f, const lfh_osara_state *st)
{
	lfh_osara_state *got = state_new();
	lfh_txn *t = begin(f, 1);
	lfh_err err = { 0 };

	memset(got, 0x5a, sizeof *got);
	assert_int_equal(lfh_summary_put(t, case_a, st, &err), 0);
	assert_int_equal(lfh_summary_has(t, case_a, &err), 1);
	assert_int_equal(lfh_summary_get(t, case_a, got, &err), 1);
	assert_same_read(st, got);
	for (int d = -1; d < 120; d += 3)
		assert_same_due(st, got, BASE_MS + (uint64_t)(d < 0 ? 0 : d) * DAY + 5);
	commit(t);
	free(got);
}

static void test_every_stage(void **state)
{
	for (int stage = LFH_OSARA_REFERRED; stage <= LFH_OSARA_CLOSED; stage++) {
		seq *q = seq_new();
		lfh_osara_state *st = state_new();
		case_to(q, stage);
		project(q, q->n, NULL, 0, st);
		assert_int_equal(st->stage, stage);
		round_trip(*state, st);
		free(st);
		seq_free(q);
	}
}

/* What only `due` reads: a paused action's resume date, the risk's days, the last review. */
static void test_due_fields(void **state)
{
	seq *q = seq_new();
	lfh_osara_state *st = state_new();

	case_to(q, LFH_OSARA_RESPONSE);
	project(q, q->n, NULL, 0, st);
	st->actions[1] = st->actions[0];
	snprintf(st->actions[1].id, sizeof st->actions[1].id, "a0000002");
	snprintf(st->actions[1].status, sizeof st->actions[1].status, "paused");
	snprintf(st->actions[1].resume, sizeof st->actions[1].resume, "2024-02-20");
	snprintf(st->actions[1].for_team, sizeof st->actions[1].for_team, "east");
	st->nactions = 2;
	st->nmeetings = 0;
	for (int i = 0; i < 3; i++) {
		st->risk_meeting_days[i] = 3u + (uint32_t)i;
		st->risk_review_days[i] = 10u + (uint32_t)i;
	}
	st->last_review_hlc = T(20, 0);
	snprintf(st->ref, sizeof st->ref, "LFH-2024-0007");
	round_trip(*state, st);
	free(st);
	seq_free(q);
}

/* Dropping leaves no row: the meetings' victims go with the header (shredding). */
static void test_drop_leaves_nothing(void **state)
{
	fixture *f = *state;
	seq *q = seq_new();
	lfh_osara_state *st = state_new();
	lfh_txn *t;
	lfh_err err = { 0 };

	case_to(q, LFH_OSARA_CLOSED);
	project(q, q->n, NULL, 0, st);
	snprintf(st->meetings[0].victim, sizeof st->meetings[0].victim, "Mrs Victim");
	t = begin(f, 1);
	assert_int_equal(lfh_summary_put(t, case_a, st, &err), 0);
	assert_int_equal(lfh_summary_put(t, case_b, st, &err), 0);
	assert_true(rows_of(t, case_a, "Mrs Victim").found);
	assert_int_equal(lfh_summary_drop(t, case_a, &err), 0);
	assert_int_equal(rows_of(t, case_a, NULL).n, 0);
	assert_int_equal(lfh_summary_has(t, case_a, &err), 0);
	assert_true(rows_of(t, case_b, "Mrs Victim").found); /* another case's stays */
	/* a smaller summary put over a larger one leaves no part of it */
	st->nmeetings = 0;
	assert_int_equal(lfh_summary_put(t, case_b, st, &err), 0);
	assert_false(rows_of(t, case_b, "Mrs Victim").found);
	commit(t);
	free(st);
	seq_free(q);
}

/* Nothing readable: no summary; an earlier build's header (no version) is not read. */
static void test_none_and_old(void **state)
{
	fixture *f = *state;
	lfh_osara_state *st = state_new();
	lfh_record old = { 0 };
	lfh_buf b = { 0 };
	uint8_t key[LFH_CASE_LEN + 1];
	lfh_txn *t = begin(f, 1);
	lfh_err err = { 0 };

	assert_int_equal(lfh_summary_put(t, case_a, st, &err), 0); /* stage none */
	assert_int_equal(rows_of(t, case_a, NULL).n, 0);
	memcpy(key, case_b, LFH_CASE_LEN);
	key[LFH_CASE_LEN] = 'h';
	assert_int_equal(lfh_record_set_uint(&old, "referral_hlc", 1, &err), 0);
	assert_int_equal(lfh_record_set_uint(&old, "meetings", 0, &err), 0);
	assert_int_equal(lfh_record_encode(&old, &b, &err), 0);
	assert_int_equal(lfh_store_tbl_put(t, LFH_TBL_SUMMARY, key, sizeof key, b.data, b.len, &err),
			 0);
	assert_int_equal(lfh_summary_has(t, case_b, &err), 0);
	assert_int_equal(lfh_summary_get(t, case_b, st, &err), 0);
	commit(t);
	lfh_record_clear(&old);
	lfh_buf_free(&b);
	free(st);
}

/* An earlier build's rows go once, at open: its parts (victims) outlived shredding. */
static void test_upgrade(void **state)
{
	fixture *f = *state;
	lfh_osara_state *st = state_new();
	lfh_record part = { 0 };
	lfh_buf b = { 0 };
	uint8_t key[LFH_CASE_LEN + 3] = { 0 };
	uint64_t removed = 0;
	lfh_txn *t = begin(f, 1);
	lfh_err err = { 0 };
	seq *q = seq_new();

	/* a part left behind by the earlier build's drop: no header */
	memcpy(key, case_b, LFH_CASE_LEN);
	key[LFH_CASE_LEN] = 'm';
	assert_int_equal(lfh_record_set_str(&part, "victim", "Mrs Victim", &err), 0);
	assert_int_equal(lfh_record_encode(&part, &b, &err), 0);
	assert_int_equal(lfh_store_tbl_put(t, LFH_TBL_SUMMARY, key, sizeof key, b.data, b.len, &err),
			 0);
	assert_int_equal(lfh_summary_upgrade(t, &removed, &err), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(rows_of(t, case_b, NULL).n, 0);
	/* once done, this build's summaries stay */
	case_to(q, LFH_OSARA_RESPONSE);
	project(q, q->n, NULL, 0, st);
	assert_int_equal(lfh_summary_put(t, case_a, st, &err), 0);
	assert_int_equal(lfh_summary_upgrade(t, &removed, &err), 0);
	assert_int_equal(removed, 0);
	assert_int_equal(lfh_summary_has(t, case_a, &err), 1);
	commit(t);
	lfh_record_clear(&part);
	lfh_buf_free(&b);
	free(st);
	seq_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_stage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_due_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_none_and_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade, setup, teardown),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
