/*
 * test_risk.c - the risk questionnaire (proto/risk.c): the shipped example,
 * errors with line numbers, scoring, thresholds; and the RISK parameters in
 * osara (thresholds used by validation, timescales by the due dates).
 * Run from the repository root (the example is read from deploy/examples).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lfh/osara.h"
#include "lfh/risk.h"

#define EXAMPLE "deploy/examples/risk.conf"

static char tmpdir[] = "/tmp/lfh-risk-XXXXXX";

static const char *write_tmp(const char *text)
{
	static char path[256];
	FILE *f;
	snprintf(path, sizeof path, "%s/r.conf", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_example(void **st)
{
	lfh_risk_form *f = malloc(sizeof *f);
	lfh_err err = { 0 };
	(void)st;
	assert_int_equal(lfh_risk_load(EXAMPLE, f, &err), 0);
	assert_true(f->nquestions >= 8 && f->nquestions <= 10);
	assert_string_equal(f->q[0].id, "repeat");
	assert_int_equal(f->medium, 10);
	assert_int_equal(f->high, 20);
	assert_int_equal(f->meeting_days[0], 28);
	assert_int_equal(f->meeting_days[2], 7);
	assert_int_equal(f->review_days[2], 14);
	free(f);
}

static void test_defaults(void **st)
{
	lfh_risk_form f;
	char th[32], m[48], r[48];
	uint64_t score;
	lfh_err err = { 0 };
	(void)st;
	lfh_risk_default(&f);
	lfh_risk_params(&f, th, m, r);
	assert_string_equal(th, "10,20");
	assert_string_equal(m, "28,14,7");
	assert_string_equal(r, "30,30,30");
	assert_string_equal(lfh_risk_level(&f, 9), "standard");
	assert_string_equal(lfh_risk_level(&f, 10), "medium");
	assert_string_equal(lfh_risk_level(&f, 20), "high");
	assert_int_equal(lfh_risk_score(&f, "a=yes", &score, NULL, &err), LFH_EINVAL);
}

#define GOOD_Q "questions = ( { id = \"a\"; text = \"A?\"; weight = 5; },\n" \
	       "  { id = \"b\"; text = \"B?\"; weight = 7; },\n" \
	       "  { id = \"c_2\"; text = \"C?\"; weight = 0; } );\n"

static void test_scoring(void **st)
{
	lfh_risk_form f;
	lfh_err err = { 0 };
	uint64_t score = 99;
	const char *lvl = NULL;
	(void)st;
	assert_int_equal(lfh_risk_load(write_tmp(GOOD_Q "levels = { medium = 5; high = 12; };\n"), &f, &err), 0);
	assert_int_equal(f.nquestions, 3);
	assert_int_equal(f.meeting_days[1], 14); /* defaults */
	assert_int_equal(lfh_risk_score(&f, "a=no;b=no;c_2=yes", &score, &lvl, &err), 0);
	assert_int_equal(score, 0);
	assert_string_equal(lvl, "standard");
	assert_int_equal(lfh_risk_score(&f, "b=no;a=yes;c_2=no", &score, &lvl, &err), 0);
	assert_int_equal(score, 5);
	assert_string_equal(lvl, "medium");
	assert_int_equal(lfh_risk_score(&f, "a=yes;b=yes;c_2=yes", &score, &lvl, &err), 0);
	assert_int_equal(score, 12);
	assert_string_equal(lvl, "high");
	assert_int_equal(lfh_risk_score(&f, "a=yes;b=yes", &score, &lvl, &err), LFH_EINVAL);
	assert_non_null(strstr(err.msg, "'c_2' is not answered"));
	assert_int_equal(lfh_risk_score(&f, "a=yes;b=yes;c_2=no;d=yes", &score, &lvl, &err), LFH_EINVAL);
	assert_non_null(strstr(err.msg, "unknown question 'd'"));
	assert_int_equal(lfh_risk_score(&f, "a=maybe;b=yes;c_2=no", &score, &lvl, &err), LFH_EINVAL);
	assert_non_null(strstr(err.msg, "yes or no"));
	assert_int_equal(lfh_risk_score(&f, "a=yes;a=no;b=yes;c_2=no", &score, &lvl, &err), LFH_EINVAL);
	assert_int_equal(lfh_risk_score(&f, "a;b=yes;c_2=no", &score, &lvl, &err), LFH_EINVAL);
}

static void expect_err(const char *text, const char *where)
{
	lfh_risk_form f;
	lfh_err err = { 0 };
	char want[300];
	int rc = lfh_risk_load(write_tmp(text), &f, &err);
	snprintf(want, sizeof want, "%s/r.conf:%s", tmpdir, where);
	if (rc != LFH_EINVAL || !strstr(err.msg, want))
		fail_msg("want '%s', got %d '%s'", want, rc, err.msg);
}

static void test_errors(void **st)
{
	(void)st;
	expect_err("levels = { medium = 10; high = 20; };\n", "1: missing 'questions'");
	expect_err(GOOD_Q "levels = { medium = 20;\n high = 10; };\n", "4: levels: medium (20) must be below high");
	expect_err(GOOD_Q "levels = { medium = 0; high = 10; };\n", "4: levels.medium: 0 is out of range");
	expect_err("questions = ( { id = \"a\"; text = \"A?\"; weight = 5; },\n"
		   "  { id = \"a\"; text = \"B?\"; weight = 7; } );\n", "2: questions[1]: duplicate id 'a'");
	expect_err("questions = (\n { id = \"Bad-Id\"; text = \"A?\"; weight = 5; } );\n", "2: questions[0]: id must be");
	expect_err("questions = (\n { id = \"a\"; text = \"A?\";\n weight = 101; } );\n", "3: questions[0] (a): weight: 101 is out of range");
	expect_err("questions = (\n { id = \"a\"; text = \"A?\"; } );\n", "2: questions[0] (a): missing 'weight'");
	expect_err("questions = (\n { id = \"a\"; text = \"A?\"; weight = \"5\"; } );\n", "2: questions[0] (a): weight: expected a whole number");
	expect_err("questions = ( { id = \"a\"; text = \"A?\"; weight = 5; } );\n\nfoo = 1;\n", "3: unknown setting 'foo'");
	expect_err(GOOD_Q "review_days = { standard = 30; medium = 30; };\n", "4: review_days: missing 'high'");
	expect_err(GOOD_Q "first_meeting_days = { standard = 30; medium = 30; high = 0; };\n", "4: first_meeting_days.high: 0 is out of range");
	expect_err("questions = ( { id = \"a\"; text = \"A?\"; weight = 5; } )\nlevels = {", "2: syntax error");
	expect_err("\n@include \"x\"\n", "2: @include");
	expect_err("questions = (\n { id = \"a\"; text = \"A?\"; weight = 4294967301; } );\n", "2: number 4294967301 is too large");
	expect_err("questions = ();\n", "1: questions: 0 entries");
	expect_err("questions = (\n { id = \"a\"; text = \"A?\"; weight = 5 \"x\"; } );\n", "2: syntax error (a string");
	{
		lfh_risk_form f;
		lfh_err err = { 0 };
		assert_int_not_equal(lfh_risk_load("/nonexistent/risk.conf", &f, &err), 0);
		assert_non_null(strstr(err.msg, "/nonexistent/risk.conf"));
	}
}

/* osara: a RISK body's own thresholds and timescales. */
static void test_osara_params(void **st)
{
	lfh_osara_state *s = calloc(1, sizeof *s);
	lfh_record ref = { 0 }, risk = { 0 };
	lfh_osara_event ev[2];
	lfh_osara_due_item items[4];
	const char *parts[] = { "police", "housing" };
	uint64_t t0 = 1704067200000ULL << 16;
	lfh_err err = { 0 };
	size_t n;
	(void)st;
	lfh_record_set_str(&ref, "summary", "s", &err);
	lfh_record_set_str(&ref, "location", "l", &err);
	lfh_record_set_str(&ref, "asb_category", "noise", &err);
	lfh_record_set_str(&ref, "risk", "standard", &err);
	lfh_record_set_str(&ref, "by", "pc", &err);
	memset(ev, 0, sizeof ev);
	ev[0].type = LFH_EV_REFERRAL;
	strcpy(ev[0].author, "police");
	ev[0].hlc = t0;
	ev[0].seq = 1;
	ev[0].id[0] = 1;
	ev[0].body = &ref;
	assert_int_equal(lfh_osara_project(ev, 1, parts, 2, s, &err), 0);

	lfh_record_set_uint(&risk, "score", 6, &err);
	lfh_record_set_str(&risk, "level", "medium", &err);
	lfh_record_set_str(&risk, "answers", "a=yes", &err);
	lfh_record_set_str(&risk, "by", "pc", &err);
	assert_int_equal(lfh_osara_check(s, LFH_EV_RISK, "police", &risk, &err), LFH_EINVAL);
	lfh_record_set_str(&risk, "thresholds", "5,12", &err);
	assert_int_equal(lfh_osara_check(s, LFH_EV_RISK, "police", &risk, &err), 0);
	lfh_record_set_str(&risk, "thresholds", "12,5", &err);
	assert_int_equal(lfh_osara_check(s, LFH_EV_RISK, "police", &risk, &err), LFH_EINVAL);
	lfh_record_set_str(&risk, "thresholds", "5,12", &err);
	lfh_record_set_str(&risk, "meeting_days", "20,10,3", &err);
	lfh_record_set_str(&risk, "review_days", "40,21,14", &err);
	assert_int_equal(lfh_osara_check(s, LFH_EV_RISK, "police", &risk, &err), 0);

	ev[1] = ev[0];
	ev[1].type = LFH_EV_RISK;
	ev[1].hlc = t0 + (1 << 16);
	ev[1].seq = 2;
	ev[1].id[0] = 2;
	ev[1].body = &risk;
	assert_int_equal(lfh_osara_project(ev, 2, parts, 2, s, &err), 0);
	assert_int_equal(s->nignored, 0);
	assert_string_equal(s->risk_level, "medium");
	assert_int_equal(lfh_osara_due(s, 1704067200000ULL, items, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(items[0].kind, LFH_OSARA_DUE_MEETING);
	assert_int_equal(items[0].due_ms, 1704067200000ULL + 10 * LFH_OSARA_DAY_MS);
	assert_int_equal(items[1].kind, LFH_OSARA_DUE_REVIEW);
	assert_int_equal(items[1].due_ms, 1704067200000ULL + 21 * LFH_OSARA_DAY_MS);
	lfh_record_clear(&ref);
	lfh_record_clear(&risk);
	free(s);
}

static int setup(void **st)
{
	(void)st;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **st)
{
	char path[256];
	(void)st;
	snprintf(path, sizeof path, "%s/r.conf", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_scoring),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_osara_params),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
