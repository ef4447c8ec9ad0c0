/*
 * test_osara_rules.c - the OSARA step rules (node/rules/osara_rules.c):
 * every refused transition (lfh_osara_check refuses it, the projection
 * flags it), valid steps and checks, leaving a case, due dates, and the
 * names, powers and dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lfh/osara.h"

#include "osara_fixture.h"

/* ---- refused transitions ---------------------------------------------------- */

/*
 * The last event of q must be refused: lfh_osara_check on the state of the
 * others says so with a message containing want, and the projection of all
 * of them lists it as ignored with that reason and changes nothing else.
 */
static void expect_refused(const seq *q, const char *want)
{
	lfh_osara_state *s0 = state_new(), *s1 = state_new();
	const lfh_osara_event *last = &q->ev[q->n - 1];
	const lfh_osara_entry *e;
	lfh_err err = { 0 };

	project(q, q->n - 1, NULL, 0, s0);
	assert_int_equal(s0->nignored, 0);
	assert_int_equal(lfh_osara_check_at(s0, last->type, last->author, last->body, last->hlc,
					    &err), LFH_EINVAL);
	if (!strstr(err.msg, want))
		fail_msg("check said '%s', wanted '%s'", err.msg, want);
	project(q, q->n, NULL, 0, s1);
	assert_int_equal(s1->nignored, 1);
	assert_int_equal(s1->ntimeline, s0->ntimeline + 1);
	e = &s1->timeline[s1->ntimeline - 1];
	assert_true(e->ignored);
	assert_string_equal(e->reason, err.msg);
	/* nothing else moved: drop the flagged entry and the states are equal */
	s1->ntimeline--;
	s1->nignored--;
	assert_true(lfh_osara_state_equal(s0, s1));
	free(s0);
	free(s1);
}

#define REFUSED(stage, want, type, author, ...)                                   \
	do {                                                                      \
		seq *q_ = seq_new();                                              \
		if ((stage) > LFH_OSARA_NONE)                                     \
			case_to(q_, (stage));                                     \
		add(q_, (type), (author), T(20, 0), __VA_ARGS__, NULL);           \
		expect_refused(q_, (want));                                       \
		seq_free(q_);                                                     \
	} while (0)

/* Who may write a step: the receiver rules' author checks, in the projection too. */
static void test_refused_authors(void **st)
{
	(void)st;
	REFUSED(LFH_OSARA_REFERRED, "council does not take part in the case", LFH_EV_NOTE,
		"council", "text", "x", "by", "CO");
	REFUSED(LFH_OSARA_REFERRED, "council does not take part in the case", LFH_EV_RISK,
		"council", "#score", "1", "level", "standard", "answers", "a=b", "by", "CO");
	REFUSED(LFH_OSARA_REFERRED, "only the lead agency (housing) may invite an agency",
		LFH_EV_JOIN, "police", "agency", "council", "by", "PC");
	REFUSED(LFH_OSARA_REFERRED, "only the lead agency (housing) may close the case",
		LFH_EV_CLOSE, "police", "by", "PC");
}

/* A case closes only once every action is done or cancelled (issue #17, item 4). */
static void test_close_with_open_action_refused(void **st)
{
	seq *q = seq_new();

	(void)st;
	case_to(q, LFH_OSARA_CLOSURE_PROPOSED); /* action a0000001 still open */
	add(q, LFH_EV_REVIEW, "housing", T(12, 0), "kind", "closure", "outcome", "close", "text",
	    "agreed", "by", "HO", NULL);
	add(q, LFH_EV_CLOSE, "housing", T(13, 0), "reason", "done", "by", "HO", NULL);
	expect_refused(q, "cannot close: 1 action is still open or paused: a0000001 (housing, open)");
	seq_free(q);
	/* cancelled counts as accounted for */
	q = seq_new();
	case_to(q, LFH_OSARA_CLOSURE_PROPOSED);
	add(q, LFH_EV_ACTION_UPDATE, "housing", T(11, 5), "action", "a0000001", "status",
	    "cancelled", "text", "no longer needed", "by", "HO", NULL);
	add(q, LFH_EV_REVIEW, "housing", T(12, 0), "kind", "closure", "outcome", "close", "text",
	    "agreed", "by", "HO", NULL);
	add(q, LFH_EV_CLOSE, "housing", T(13, 0), "reason", "done", "by", "HO", NULL);
	{
		lfh_osara_state *s = state_new();
		project(q, q->n, NULL, 0, s);
		assert_int_equal(s->nignored, 0);
		assert_int_equal(s->stage, LFH_OSARA_CLOSED);
		free(s);
	}
	seq_free(q);
}


/* "on": when it happened, never after the event's own stamp (issue #17, item 1). */
static void test_on(void **st)
{
	lfh_osara_state *s = state_new();
	seq *q = seq_new();
	uint64_t ms;
	int dated;

	(void)st;
	assert_int_equal(lfh_osara_on_ms("2024-01-03", &ms, &dated), 0);
	assert_int_equal(ms, BASE_MS + 2 * DAY);
	assert_int_equal(dated, 1);
	assert_int_equal(lfh_osara_on_ms("2024-01-03T14:30Z", &ms, &dated), 0);
	assert_int_equal(ms, BASE_MS + 2 * DAY + (14 * 60 + 30) * 60000ULL);
	assert_int_equal(dated, 0);
	assert_int_equal(lfh_osara_on_ms("2024-01-03T24:00Z", &ms, &dated), -1);
	assert_int_equal(lfh_osara_on_ms("2024-01-03 14:30", &ms, &dated), -1);
	assert_int_equal(lfh_osara_on_ms("2024-02-30", &ms, &dated), -1);
	assert_int_equal(lfh_osara_on_ms(NULL, &ms, &dated), -1);

	REFUSED(LFH_OSARA_REFERRED, "on 2024-01-28 is in the future", LFH_EV_NOTE, "police",
		"text", "x", "on", "2024-01-28", "by", "PC");
	REFUSED(LFH_OSARA_REFERRED, "on 2024-01-21T00:06Z is in the future", LFH_EV_NOTE,
		"police", "text", "x", "on", "2024-01-21T00:06Z", "by", "PC");
	REFUSED(LFH_OSARA_REFERRED, "on must be a date YYYY-MM-DD", LFH_EV_NOTE, "police",
		"text", "x", "on", "last tuesday", "by", "PC");
	REFUSED(LFH_OSARA_REFERRED, "team 'Homeless Team' must be 1 to 31 lowercase", LFH_EV_NOTE,
		"police", "text", "x", "team", "Homeless Team", "by", "PC");

	/* written up on day 20, it happened on day 2: the entry carries both */
	case_to(q, LFH_OSARA_REFERRED);
	add(q, LFH_EV_NOTE, "police", T(20, 0), "text", "incident", "on", "2024-01-03T22:15Z",
	    "team", "response", "by", "PC", NULL);
	add(q, LFH_EV_NOTE, "police", T(20, 1), "text", "the day", "on", "2024-01-21", "by", "PC",
	    NULL); /* the stamp's date plus one: a zone ahead of UTC */
	add(q, LFH_EV_NOTE, "police", T(20, 2), "text", "now", "by", "PC", NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nignored, 0);
	assert_string_equal(s->timeline[2].on, "2024-01-03T22:15Z");
	assert_int_equal(s->timeline[2].on_ms, BASE_MS + 2 * DAY + (22 * 60 + 15) * 60000ULL);
	assert_string_equal(s->timeline[2].team, "response");
	assert_string_equal(s->timeline[4].on, "");
	assert_int_equal(s->timeline[4].on_ms, BASE_MS + 20 * DAY + 2);
	seq_free(q);
	free(s);
}

/* Outcomes: paused until a date, refused (offered and refused), carried over (item 2). */
static void test_outcomes(void **st)
{
	lfh_osara_due_item items[LFH_OSARA_MAX_DUE];
	lfh_osara_state *s = state_new();
	seq *q = seq_new();
	size_t n, k;

	(void)st;
	REFUSED(LFH_OSARA_RESPONSE, "a paused action needs its resume date", LFH_EV_ACTION_UPDATE,
		"police", "action", "a0000001", "status", "paused", "text", "good behaviour",
		"by", "PC");
	REFUSED(LFH_OSARA_RESPONSE, "refusal is refused or not-engaged", LFH_EV_ACTION_UPDATE,
		"police", "action", "a0000001", "status", "done", "refusal", "refused", "text", "t",
		"by", "PC");
	REFUSED(LFH_OSARA_RESPONSE, "missing text", LFH_EV_ACTION_UPDATE, "police", "action",
		"a0000001", "status", "refused", "by", "PC");

	/* council, taking part but neither tasked nor tasking nor leading, records no outcome */
	case_to(q, LFH_OSARA_RESPONSE);
	add(q, LFH_EV_JOIN, "housing", T(4, 5), "agency", "council", "by", "HO", NULL);
	add(q, LFH_EV_ACTION_UPDATE, "council", T(5, 0), "action", "a0000001", "status",
	    "cancelled", "text", "not needed", "by", "CO", NULL);
	expect_refused(q, "only housing (tasked with action a0000001), police (which tasked it) or "
			  "the lead agency (housing) may record its outcome");
	seq_free(q);
	q = seq_new();
	/* police, which tasked it, may (told of the outcome) */
	case_to(q, LFH_OSARA_RESPONSE);
	add(q, LFH_EV_ACTION_UPDATE, "police", T(5, 0), "action", "a0000001", "status", "done",
	    "text", "housing told us it was served", "by", "PC", NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nignored, 0);
	assert_string_equal(s->actions[0].status, "done");
	seq_free(q);
	q = seq_new();

	case_to(q, LFH_OSARA_RESPONSE); /* a0000001 housing, due 2024-02-01 */
	add(q, LFH_EV_ACTION_UPDATE, "housing", T(5, 0), "action", "a0000001", "status", "paused",
	    "resume", "2024-03-01", "text", "enforcement paused for good behaviour", "by", "HO",
	    NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nignored, 0);
	assert_string_equal(s->actions[0].status, "paused");
	assert_string_equal(s->actions[0].resume, "2024-03-01");
	/* past its due date, before its resume date: not listed, so never overdue */
	assert_int_equal(lfh_osara_due(s, BASE_MS + 50 * DAY, items, LFH_OSARA_MAX_DUE, &n), 0);
	for (k = 0; k < n; k++)
		assert_int_not_equal(items[k].kind, LFH_OSARA_DUE_ACTION);
	/* after its resume date it is due again, and overdue */
	lfh_osara_due(s, BASE_MS + 62 * DAY, items, LFH_OSARA_MAX_DUE, &n);
	for (k = 0; k < n && items[k].kind != LFH_OSARA_DUE_ACTION; k++)
		;
	assert_true(k < n);
	assert_string_equal(items[k].ref, "a0000001");
	assert_int_equal(items[k].status, LFH_OSARA_OVERDUE);
	assert_non_null(strstr(items[k].what, "resumed 2024-03-01"));

	/* offered and refused, by whom, when */
	add(q, LFH_EV_ACTION_UPDATE, "housing", T(9, 0), "action", "a0000001", "status", "refused",
	    "refusal", "refused", "who", "the tenant", "on", "2024-01-08", "text",
	    "support offered at home visit, declined", "by", "HO", NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nignored, 0);
	assert_string_equal(s->actions[0].status, "refused");
	assert_string_equal(s->actions[0].who, "the tenant");
	assert_string_equal(s->actions[0].resume, "");
	assert_int_equal(s->actions[0].outcome_ms, BASE_MS + 7 * DAY);
	assert_true(lfh_osara_action_settled(&s->actions[0]));
	assert_non_null(strstr(s->timeline[s->ntimeline - 1].summary,
			       "offered and refused by the tenant"));
	seq_free(q);
	free(s);
}

/* Tasking follows participation; outside organisations are signposted (item 3). */
static void test_tasking(void **st)
{
	lfh_osara_state *s = state_new();
	seq *q = seq_new();

	(void)st;
	REFUSED(LFH_OSARA_ANALYSIS, "health does not take part in the case: invite health first",
		LFH_EV_ACTION, "police", "action", "a0000005", "agency", "health", "power",
		"support-referral", "text", "t", "due", "2024-02-01", "by", "PC");
	REFUSED(LFH_OSARA_ANALYSIS, "followed up by the lead (housing), not police",
		LFH_EV_ACTION, "police", "action", "a0000005", "signpost", "Recovery Steps",
		"agency", "police", "power", "signposting", "text", "t", "due", "2024-02-01",
		"by", "PC");
	REFUSED(LFH_OSARA_ANALYSIS, "missing agency (or signpost", LFH_EV_ACTION, "police",
		"action", "a0000005", "power", "signposting", "text", "t", "due", "2024-02-01",
		"by", "PC");

	case_to(q, LFH_OSARA_ANALYSIS);
	add(q, LFH_EV_ACTION, "police", T(4, 0), "action", "a0000005", "signpost",
	    "Recovery Steps Cumbria", "power", "signposting", "text", "t", "due", "2024-02-01",
	    "by", "PC", NULL);
	add(q, LFH_EV_JOIN, "housing", T(4, 1), "agency", "health", "by", "HO", NULL);
	add(q, LFH_EV_ACTION, "police", T(4, 2), "action", "a0000006", "agency", "health",
	    "for_team", "mental-health", "power", "support-referral", "text", "t", "due",
	    "2024-02-01", "team", "response", "by", "PC", NULL);
	/* before signpost existed: an outside name as the agency */
	add(q, LFH_EV_ACTION, "police", T(4, 3), "action", "a0000007", "agency", "Mind Cumbria",
	    "power", "signposting", "text", "t", "due", "2024-02-01", "by", "PC", NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nignored, 0);
	assert_string_equal(s->actions[0].signpost, "Recovery Steps Cumbria");
	assert_string_equal(s->actions[0].agency, "housing"); /* the lead follows it up */
	assert_string_equal(s->actions[1].agency, "health");
	assert_string_equal(s->actions[1].for_team, "mental-health");
	assert_string_equal(s->actions[1].team, "response");
	assert_string_equal(s->actions[2].signpost, "Mind Cumbria");
	seq_free(q);
	free(s);
}

/* Closure: a paused action blocks it; refused and carried over account for one (item 4). */
static void test_close_outcomes(void **st)
{
	lfh_osara_state *s = state_new();
	seq *q = seq_new();

	(void)st;
	case_to(q, LFH_OSARA_CLOSURE_PROPOSED);
	add(q, LFH_EV_ACTION_UPDATE, "housing", T(11, 5), "action", "a0000001", "status", "paused",
	    "resume", "2024-06-01", "text", "paused", "by", "HO", NULL);
	add(q, LFH_EV_REVIEW, "housing", T(12, 0), "kind", "closure", "outcome", "close", "text",
	    "agreed", "by", "HO", NULL);
	add(q, LFH_EV_CLOSE, "housing", T(13, 0), "reason", "done", "by", "HO", NULL);
	expect_refused(q, "a0000001 (housing, paused)");
	seq_free(q);

	for (int i = 0; i < 2; i++) {
		q = seq_new();
		case_to(q, LFH_OSARA_CLOSURE_PROPOSED);
		add(q, LFH_EV_ACTION_UPDATE, "housing", T(11, 5), "action", "a0000001", "status",
		    i ? "carried" : "refused", "text", i ? "probation takes it on" : "declined",
		    "by", "HO", NULL);
		add(q, LFH_EV_REVIEW, "housing", T(12, 0), "kind", "closure", "outcome", "close",
		    "text", "agreed", "by", "HO", NULL);
		add(q, LFH_EV_CLOSE, "housing", T(13, 0), "reason", "done", "by", "HO", NULL);
		project(q, q->n, NULL, 0, s);
		assert_int_equal(s->nignored, 0);
		assert_int_equal(s->stage, LFH_OSARA_CLOSED);
		seq_free(q);
	}
	free(s);
}


/*
 * A redacted entry is out of every view: the state forgets the text it gave
 * (the referral's summary, location and subject; a meeting's victim,
 * offender, place and responses; an action's text; ...) and keeps its
 * structure (the stage, the meeting, the action and its status).
 */
static void test_redaction_forgets_text(void **st)
{
	lfh_osara_state *s = state_new(), *before = state_new();
	seq *q = seq_new();
	char hex[2 * LFH_ID_LEN + 1];
	uint64_t at = 20;

	(void)st;
	add(q, LFH_EV_REFERRAL, "housing", T(0, 1), "summary", "ASB by J Bloggs", "location",
	    "3 Castle St", "subject", "J Bloggs", "asb_category", "asb", "risk", "standard", "by",
	    "HO", NULL);
	add(q, LFH_EV_JOIN, "housing", T(0, 2), "agency", "police", "by", "HO", NULL);
	add(q, LFH_EV_RISK, "police", T(0, 5), "#score", "5", "level", "standard", "answers",
	    "repeat=no", "by", "PC", NULL);
	add(q, LFH_EV_OBJECTIVE, "housing", T(1, 0), "text", "Stop J Bloggs", "by", "HO", NULL);
	add(q, LFH_EV_SCANNING, "police", T(2, 0), "text", "3 calls about J", "by", "PC", NULL);
	add(q, LFH_EV_MEETING, "police", T(3, 0), "date", "2024-01-04", "attendees",
	    "housing,police", "victim", "A Neighbour", "offender", "J Bloggs", "location",
	    "Stairwell", "responses", "Warning", "by", "PC", NULL);
	add(q, LFH_EV_ACTION, "police", T(4, 0), "action", "a0000001", "agency", "housing", "power",
	    "tenancy-warning", "text", "Warn J Bloggs", "due", "2024-02-01", "by", "PC", NULL);
	project(q, q->n, NULL, 0, before);
	assert_string_equal(before->subject, "J Bloggs");
	assert_false(before->referral_redacted);
	for (size_t i = 0; i < 5; i++) { /* the referral and the four steps after the RISK */
		static const size_t entry[] = { 0, 3, 4, 5, 6 };
		lfh_hex(hex, q->ev[entry[i]].id, LFH_ID_LEN);
		add(q, LFH_EV_REDACT, "housing", T(at++, 0), "event", hex, "reason", "Wrong person",
		    "by", "HO", NULL);
	}
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nignored, 0);
	assert_int_equal(s->nredacted, 5);
	assert_true(s->referral_redacted);
	assert_string_equal(s->summary, "");
	assert_string_equal(s->location, "");
	assert_string_equal(s->subject, "");
	assert_string_equal(s->asb_category, "asb"); /* the nature of the referral stays */
	assert_true(s->timeline[0].redacted);
	assert_string_equal(s->timeline[0].summary, ""); /* nor its line in the timeline */
	assert_string_equal(s->objective, "");
	assert_string_equal(s->scanning, "");
	assert_int_equal(s->nmeetings, 1);
	assert_string_equal(s->meetings[0].date, "2024-01-04");
	assert_string_equal(s->meetings[0].victim, "");
	assert_string_equal(s->meetings[0].offender, "");
	assert_string_equal(s->meetings[0].location, "");
	assert_int_equal(s->nactions, 1);
	assert_string_equal(s->actions[0].text, "");
	assert_string_equal(s->actions[0].status, "open");
	assert_int_equal(s->stage, before->stage);
	assert_false(lfh_osara_state_equal(s, before));
	seq_free(q);
	free(before);
	free(s);
}

/* Corrections: AMEND by the entry's author, REDACT by the lead, REOPEN a closed case (#15). */
static void test_corrections(void **st)
{
	lfh_osara_state *s = state_new();
	seq *q = seq_new();
	lfh_osara_event *note;
	char hex[2 * LFH_ID_LEN + 1];
	size_t n;

	(void)st;
	case_to(q, LFH_OSARA_REFERRED); /* housing leads; police takes part */
	note = add(q, LFH_EV_NOTE, "police", T(2, 0), "text", "Wrong flat number: 4", "by", "PC",
		   NULL);
	lfh_hex(hex, note->id, LFH_ID_LEN);
	REFUSED(LFH_OSARA_REFERRED, "no entry 001122334455 in this case", LFH_EV_AMEND, "police", "event",
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", "text", "x",
		"by", "PC");
	n = q->n;
	add(q, LFH_EV_AMEND, "housing", T(3, 0), "event", hex, "text", "x", "by", "HO", NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nignored, 1);
	assert_non_null(strstr(s->timeline[s->ntimeline - 1].reason,
			       "only police, which wrote entry"));
	q->n = n;
	add(q, LFH_EV_REDACT, "police", T(3, 0), "event", hex, "reason", "x", "by", "PC", NULL);
	project(q, q->n, NULL, 0, s);
	assert_non_null(strstr(s->timeline[s->ntimeline - 1].reason,
			       "only the lead agency (housing) may redact"));
	q->n = n;
	add(q, LFH_EV_AMEND, "police", T(3, 0), "event", hex, "text", "Flat number: 3", "by",
	    "PC", NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nignored, 0);
	assert_int_equal(s->namended, 1);
	assert_string_equal(s->timeline[n - 1].amended, "Flat number: 3");
	assert_string_equal(s->timeline[n - 1].amended_by, "PC");
	add(q, LFH_EV_REDACT, "housing", T(4, 0), "event", hex, "reason", "Third party data",
	    "by", "HO", NULL);
	add(q, LFH_EV_AMEND, "police", T(5, 0), "event", hex, "text", "again", "by", "PC", NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nredacted, 1);
	assert_true(s->timeline[n - 1].redacted);
	assert_string_equal(s->timeline[n - 1].redact_reason, "Third party data");
	assert_int_equal(s->nignored, 1); /* a redacted entry is not amended */
	seq_free(q);

	REFUSED(LFH_OSARA_REFERRED, "the case is not closed", LFH_EV_REOPEN, "housing", "reason",
		"x", "by", "HO");
	REFUSED(LFH_OSARA_CLOSED, "only the lead agency (housing) may reopen the case",
		LFH_EV_REOPEN, "police", "reason", "x", "by", "PC");
	REFUSED(LFH_OSARA_CLOSED, "the case is closed: it takes no new work", LFH_EV_NOTE,
		"police", "text", "x", "by", "PC");
	q = seq_new();
	case_to(q, LFH_OSARA_CLOSED);
	add(q, LFH_EV_REOPEN, "housing", T(20, 0), "reason", "New reports", "by", "HO", NULL);
	add(q, LFH_EV_NOTE, "police", T(20, 1), "text", "New incident", "by", "PC", NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nignored, 0);
	assert_int_equal(s->stage, LFH_OSARA_ASSESSMENT);
	assert_int_equal(s->nreopened, 1);
	assert_int_equal(s->nnotes, 1);
	seq_free(q);
	free(s);
}

static void test_refused_transitions(void **st)
{
	(void)st;
	REFUSED(LFH_OSARA_NONE, "no referral", LFH_EV_NOTE, "police", "text", "x", "by", "PC");
	REFUSED(LFH_OSARA_NONE, "no referral", LFH_EV_RISK, "police", "#score", "1", "level",
		"standard", "answers", "a=b", "by", "PC");
	REFUSED(LFH_OSARA_REFERRED, "already has a referral", LFH_EV_REFERRAL, "police",
		"summary", "s", "location", "l", "asb_category", "c", "risk", "high", "by", "PC");
	REFUSED(LFH_OSARA_REFERRED, "risk-assessed before scanning", LFH_EV_SCANNING, "police",
		"text", "x", "by", "PC");
	REFUSED(LFH_OSARA_ASSESSED, "before the initial scanning", LFH_EV_MEETING, "police",
		"date", "2024-01-05", "attendees", "a", "victim", "v", "offender", "o", "location",
		"l", "responses", "r", "by", "PC");
	REFUSED(LFH_OSARA_SCANNING,
		"cannot task an action before a case meeting has agreed the responses",
		LFH_EV_ACTION, "police", "action", "a0000009", "agency", "police", "power", "arrest",
		"text", "t", "due", "2024-02-01", "by", "PC");
	REFUSED(LFH_OSARA_RESPONSE, "no action b0000001", LFH_EV_ACTION_UPDATE, "police",
		"action", "b0000001", "status", "done", "text", "t", "by", "PC");
	REFUSED(LFH_OSARA_RESPONSE, "action a0000001 already exists", LFH_EV_ACTION, "police",
		"action", "a0000001", "agency", "police", "power", "arrest", "text", "t", "due",
		"2024-02-01", "by", "PC");
	REFUSED(LFH_OSARA_ANALYSIS, "before any action", LFH_EV_ASSESSMENT, "housing",
		"plan_done", "yes", "problem_stopped", "no", "text", "t", "by", "HO");
	REFUSED(LFH_OSARA_REFERRED, "risk-assessed first", LFH_EV_REVIEW, "housing", "kind",
		"monthly", "outcome", "continue", "text", "t", "by", "HO");
	REFUSED(LFH_OSARA_ASSESSMENT, "needs a closure proposal", LFH_EV_REVIEW, "housing",
		"kind", "closure", "outcome", "close", "text", "t", "by", "HO");
	REFUSED(LFH_OSARA_RESPONSE, "before the response has been assessed",
		LFH_EV_CLOSE_PROPOSE, "housing", "reason", "r", "by", "HO");
	REFUSED(LFH_OSARA_CLOSURE_PROPOSED, "already proposed", LFH_EV_CLOSE_PROPOSE, "housing",
		"reason", "r", "by", "HO");
	REFUSED(LFH_OSARA_ASSESSMENT, "closure has not been proposed", LFH_EV_CLOSE, "housing",
		"reason", "r", "by", "HO");
	REFUSED(LFH_OSARA_CLOSURE_PROPOSED, "no closure review with outcome close",
		LFH_EV_CLOSE, "housing", "reason", "r", "by", "HO");
	REFUSED(LFH_OSARA_CLOSED, "the case is closed", LFH_EV_ACTION, "police", "action",
		"a0000002", "agency", "police", "power", "arrest", "text", "t", "due", "2024-02-01",
		"by", "PC");
	REFUSED(LFH_OSARA_CLOSED, "the case is closed", LFH_EV_RISK, "police", "#score", "25",
		"level", "high", "answers", "a=b", "by", "PC");
	REFUSED(LFH_OSARA_CLOSED, "the case is closed", LFH_EV_REVIEW, "housing", "kind",
		"monthly", "outcome", "continue", "text", "t", "by", "HO");
	REFUSED(LFH_OSARA_CLOSED, "the case is closed", LFH_EV_JOIN, "housing", "agency",
		"council", "by", "HO");
	REFUSED(LFH_OSARA_REFERRED, "override reason is required", LFH_EV_RISK, "police",
		"#score", "12", "level", "high", "answers", "a=b", "by", "PC");
	REFUSED(LFH_OSARA_REFERRED, "only a participating agency may propose", LFH_EV_LEAD_PROPOSE,
		"council", "lead", "police", "by", "CO");
	REFUSED(LFH_OSARA_REFERRED, "council is not a participant", LFH_EV_LEAD_PROPOSE, "police",
		"lead", "council", "by", "PC");
	REFUSED(LFH_OSARA_REFERRED, "already the lead agency", LFH_EV_LEAD_PROPOSE, "police",
		"lead", "housing", "by", "PC");
	REFUSED(LFH_OSARA_REFERRED, "no lead proposal", LFH_EV_LEAD_AGREE, "police", "proposal",
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", "by", "PC");
	/* field validation, through the projection too */
	REFUSED(LFH_OSARA_ANALYSIS, "due must be a valid date", LFH_EV_ACTION, "police", "action",
		"a0000003", "agency", "police", "power", "arrest", "text", "t", "due", "2024-02-30",
		"by", "PC");
	REFUSED(LFH_OSARA_ANALYSIS, "controlled list", LFH_EV_ACTION, "police", "action",
		"a0000003", "agency", "police", "power", "fine", "text", "t", "due", "2024-02-01",
		"by", "PC");
	REFUSED(LFH_OSARA_ANALYSIS, "lowercase hex", LFH_EV_ACTION, "police", "action", "A000003",
		"agency", "police", "power", "arrest", "text", "t", "due", "2024-02-01", "by", "PC");
	REFUSED(LFH_OSARA_RESPONSE, "status must be open, paused, done, cancelled, refused or carried",
		LFH_EV_ACTION_UPDATE, "police", "action", "a0000001", "status", "finished", "text",
		"t", "by", "PC");
	REFUSED(LFH_OSARA_SCANNING, "missing responses", LFH_EV_MEETING, "police", "date",
		"2024-01-05", "attendees", "a", "victim", "v", "offender", "o", "location", "l",
		"by", "PC");
	REFUSED(LFH_OSARA_REFERRED, "missing by", LFH_EV_NOTE, "police", "text", "x");
	REFUSED(LFH_OSARA_REFERRED, "by is too long", LFH_EV_NOTE, "police", "text", "x", "by",
		"A caseworker name that is far too long to be a name: more than sixty-three bytes");
	REFUSED(LFH_OSARA_REFERRED, "answers must be", LFH_EV_RISK, "police", "#score", "1",
		"level", "standard", "answers", "=x", "by", "PC");
	REFUSED(LFH_OSARA_REFERRED, "consent must be given, refused or not-sought",
		LFH_EV_EQUALITY, "police", "text", "t", "consent", "maybe", "by", "PC");
	REFUSED(LFH_OSARA_REFERRED, "not a valid agency id", LFH_EV_JOIN, "housing", "agency",
		"Not Valid", "by", "HO");
	REFUSED(LFH_OSARA_ASSESSMENT, "kind must be monthly or closure", LFH_EV_REVIEW, "housing",
		"kind", "weekly", "outcome", "close", "text", "t", "by", "HO");
	REFUSED(LFH_OSARA_REFERRED, "score must be a whole number", LFH_EV_RISK, "police",
		"score", "high", "level", "high", "answers", "a=b", "by", "PC");
	REFUSED(LFH_OSARA_REFERRED, "unknown event type 42", 42, "police", "text", "x", "by",
		"PC");
}

/* A closure-review "continue" withdraws the proposal: CLOSE is then refused. */
static void test_refused_after_withdrawal(void **st)
{
	(void)st;
	seq *q = seq_new();
	case_to(q, LFH_OSARA_CLOSURE_PROPOSED);
	add(q, LFH_EV_REVIEW, "police", T(12, 0), "kind", "closure", "outcome", "continue",
	    "text", "not yet", "by", "PC", NULL);
	add(q, LFH_EV_CLOSE, "housing", T(13, 0), "reason", "r", "by", "HO", NULL);
	expect_refused(q, "closure has not been proposed");
	seq_free(q);
}

/* Steps valid after closure, and valid checks. */
static void test_check_valid(void **st)
{
	(void)st;
	seq *q = seq_new();
	lfh_osara_state *s = state_new();
	lfh_record r = { 0 };
	lfh_err err = { 0 };

	lfh_osara_init(s);
	lfh_record_set_str(&r, "summary", "s", &err);
	lfh_record_set_str(&r, "location", "l", &err);
	lfh_record_set_str(&r, "asb_category", "c", &err);
	lfh_record_set_str(&r, "risk", "high", &err);
	lfh_record_set_str(&r, "by", "PC", &err);
	assert_int_equal(lfh_osara_check(s, LFH_EV_REFERRAL, "police", &r, &err), 0);
	lfh_record_set_str(&r, "rereferral_of", "0123", &err);
	assert_int_equal(lfh_osara_check(s, LFH_EV_REFERRAL, "police", &r, &err), LFH_EINVAL);
	assert_non_null(strstr(err.msg, "rereferral_of"));
	lfh_record_set_str(&r, "rereferral_of", "00112233445566778899aabbccddeeff", &err);
	assert_int_equal(lfh_osara_check(s, LFH_EV_REFERRAL, "police", &r, &err), 0);
	/* a date of birth: any calendar date from 1900 (subjects born before 1970 too) */
	static const char *const dobs_ok[] = { "1958-03-07", "1900-01-01", "1969-12-31", "2000-02-29" };
	static const char *const dobs_bad[] = { "1899-12-31", "1958-02-29", "1958-13-01", "58-03-07" };
	for (size_t i = 0; i < sizeof dobs_ok / sizeof dobs_ok[0]; i++) {
		lfh_record_set_str(&r, "dob", dobs_ok[i], &err);
		assert_int_equal(lfh_osara_check(s, LFH_EV_REFERRAL, "police", &r, &err), 0);
	}
	for (size_t i = 0; i < sizeof dobs_bad / sizeof dobs_bad[0]; i++) {
		lfh_record_set_str(&r, "dob", dobs_bad[i], &err);
		assert_int_equal(lfh_osara_check(s, LFH_EV_REFERRAL, "police", &r, &err), LFH_EINVAL);
		assert_non_null(strstr(err.msg, "dob"));
	}
	lfh_record_set_str(&r, "dob", "", &err); /* empty: absent */
	assert_int_equal(lfh_osara_check(s, LFH_EV_REFERRAL, "police", &r, &err), 0);
	assert_int_equal(lfh_osara_check(s, LFH_EV_REFERRAL, "Bad Agency", &r, &err), LFH_EINVAL);
	assert_int_equal(lfh_osara_check(s, LFH_EV_KEY, "police", &r, &err), LFH_EINVAL);
	assert_non_null(strstr(err.msg, "not a case step"));
	lfh_record_clear(&r);

	case_to(q, LFH_OSARA_CLOSED);
	add(q, LFH_EV_NOTE, "police", T(20, 0), "text", "after", "by", "PC", NULL);
	add(q, LFH_EV_EQUALITY, "police", T(20, 1), "text", "eq", "consent", "refused", "by",
	    "PC", NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nignored, 2); /* a closed case takes no new work */
	assert_int_equal(s->nnotes, 0);
	assert_int_equal(s->nequality, 0);
	/* a RISK override with a reason is fine, and the level is kept */
	seq_free(q);
	q = seq_new();
	case_to(q, LFH_OSARA_REFERRED);
	add(q, LFH_EV_RISK, "police", T(1, 0), "score", "3", "level", "high", "answers",
	    "weapons=yes", "override", "Weapons reported", "by", "PC", NULL);
	add(q, LFH_EV_OBJECTIVE, "housing", T(1, 1), "text", "first", "by", "HO", NULL);
	add(q, LFH_EV_OBJECTIVE, "housing", T(1, 2), "text", "second", "by", "HO", NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nignored, 0);
	assert_int_equal(s->stage, LFH_OSARA_ASSESSED);
	assert_string_equal(s->risk_level, "high");
	assert_int_equal(s->risk_score, 3);
	assert_string_equal(s->risk_override, "Weapons reported");
	assert_string_equal(s->objective, "second");
	seq_free(q);
	free(s);
}

/* LEAVE: only the lead, only a participant other than the lead; it drops the agency. */
static void test_leave(void **st)
{
	(void)st;
	seq *q = seq_new();
	lfh_osara_state *s = state_new();

	add(q, LFH_EV_REFERRAL, "housing", T(0, 1), "summary", "s", "location", "l",
	    "asb_category", "c", "risk", "high", "by", "HO", NULL);
	add(q, LFH_EV_JOIN, "housing", T(0, 2), "agency", "police", "by", "HO", NULL);
	add(q, LFH_EV_JOIN, "housing", T(0, 3), "agency", "fire", "by", "HO", NULL);
	add(q, LFH_EV_LEAVE, "police", T(0, 4), "agency", "fire", "reason", "x", "by", "PC", NULL);
	add(q, LFH_EV_LEAVE, "housing", T(0, 5), "agency", "housing", "reason", "x", "by", "HO", NULL);
	add(q, LFH_EV_LEAVE, "housing", T(0, 6), "agency", "probation", "reason", "x", "by", "HO",
	    NULL);
	add(q, LFH_EV_LEAVE, "housing", T(0, 7), "agency", "fire", "reason", "", "by", "HO", NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nignored, 4); /* not the lead; the lead; not a participant; no reason */
	assert_int_equal(s->nparticipants, 3);
	add(q, LFH_EV_LEAVE, "housing", T(0, 8), "agency", "fire", "reason", "No longer involved",
	    "by", "HO", NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nignored, 4);
	assert_int_equal(s->nparticipants, 2);
	assert_string_equal(s->participants[0], "housing");
	assert_string_equal(s->participants[1], "police");
	assert_string_equal(lfh_osara_type_name(LFH_EV_LEAVE), "leave");
	assert_int_equal(lfh_osara_type_parse("leave"), 0); /* not a case step of lfh case STEP */
	seq_free(q);
	free(s);
}

/* ---- due dates ---------------------------------------------------------- */

static void test_due(void **st)
{
	(void)st;
	seq *q = seq_new();
	lfh_osara_state *s = state_new();
	lfh_osara_due_item items[LFH_OSARA_MAX_DUE], two[3];
	size_t n;

	/* referral high on 2024-01-01: first meeting within 7 days */
	add(q, LFH_EV_REFERRAL, "police", T(0, 0), "summary", "s", "location", "l",
	    "asb_category", "asb", "risk", "high", "by", "PC", NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(lfh_osara_due(s, BASE_MS + 3 * DAY + DAY / 2, items,
				       LFH_OSARA_MAX_DUE, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(items[0].kind, LFH_OSARA_DUE_MEETING);
	assert_int_equal(items[0].due_ms, BASE_MS + 7 * DAY);
	assert_int_equal(items[0].status, LFH_OSARA_WARNING);
	assert_int_equal(items[0].days_left, 3);
	assert_string_equal(items[0].owner, "police");
	assert_int_equal(items[1].kind, LFH_OSARA_DUE_REVIEW);
	assert_int_equal(items[1].due_ms, BASE_MS + 30 * DAY);
	assert_int_equal(items[1].status, LFH_OSARA_ON_TARGET);
	assert_string_equal(lfh_osara_due_status_name(items[1].status), "on-target");
	/* at day 9 the meeting is overdue */
	lfh_osara_due(s, BASE_MS + 9 * DAY, items, LFH_OSARA_MAX_DUE, &n);
	assert_int_equal(items[0].status, LFH_OSARA_OVERDUE);
	assert_int_equal(items[0].days_left, -2);
	assert_string_equal(lfh_osara_due_status_name(items[0].status), "overdue");

	/* risk assessed medium: 14 days */
	add(q, LFH_EV_RISK, "police", T(1, 0), "#score", "12", "level", "medium", "answers",
	    "repeat=yes", "by", "PC", NULL);
	project(q, q->n, NULL, 0, s);
	lfh_osara_due(s, BASE_MS + 3 * DAY, items, LFH_OSARA_MAX_DUE, &n);
	assert_int_equal(items[0].due_ms, BASE_MS + 14 * DAY);
	assert_int_equal(items[0].status, LFH_OSARA_ON_TARGET);

	/* meeting held, actions tasked, a monthly review on day 8 */
	add(q, LFH_EV_SCANNING, "police", T(2, 0), "text", "s", "by", "PC", NULL);
	add(q, LFH_EV_JOIN, "police", T(3, 0), "agency", "council", "by", "PC", NULL);
	add(q, LFH_EV_JOIN, "police", T(3, 1), "agency", "housing", "by", "PC", NULL);
	add(q, LFH_EV_MEETING, "police", T(5, 0), "date", "2024-01-06", "attendees", "police",
	    "victim", "v", "offender", "o", "location", "l", "responses", "r", "by", "PC", NULL);
	add(q, LFH_EV_ACTION, "police", T(5, 1), "action", "0000d001", "agency", "police",
	    "power", "cpw", "text", "overdue one", "due", "2024-01-10", "by", "PC", NULL);
	add(q, LFH_EV_ACTION, "police", T(5, 2), "action", "0000d002", "agency", "council",
	    "power", "env-health", "text", "soon", "due", "2024-01-16", "by", "PC", NULL);
	add(q, LFH_EV_ACTION, "police", T(5, 3), "action", "0000d003", "agency", "housing",
	    "power", "mediation", "text", "later", "due", "2024-02-20", "by", "PC", NULL);
	add(q, LFH_EV_ACTION, "police", T(5, 4), "action", "0000d004", "agency", "police",
	    "power", "arrest", "text", "done already", "due", "2024-01-08", "by", "PC", NULL);
	add(q, LFH_EV_ACTION_UPDATE, "police", T(6, 0), "action", "0000d004", "status", "done",
	    "text", "arrested", "by", "PC", NULL);
	add(q, LFH_EV_REVIEW, "police", T(8, 0), "kind", "monthly", "outcome", "continue",
	    "text", "t", "by", "PC", NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nignored, 0);
	assert_int_equal(lfh_osara_due(s, BASE_MS + 12 * DAY, items, LFH_OSARA_MAX_DUE, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(items[0].ref, "0000d001");
	assert_int_equal(items[0].due_ms, BASE_MS + 10 * DAY); /* end of 2024-01-10 */
	assert_int_equal(items[0].status, LFH_OSARA_OVERDUE);
	assert_string_equal(items[1].ref, "0000d002");
	assert_int_equal(items[1].status, LFH_OSARA_WARNING);
	assert_string_equal(items[1].owner, "council");
	assert_int_equal(items[2].kind, LFH_OSARA_DUE_REVIEW);
	assert_int_equal(items[2].due_ms, BASE_MS + 38 * DAY);
	assert_int_equal(items[2].status, LFH_OSARA_ON_TARGET);
	assert_string_equal(items[3].ref, "0000d003");
	assert_int_equal(items[3].status, LFH_OSARA_ON_TARGET);
	assert_string_equal(lfh_osara_due_kind_name(items[3].kind), "action");

	/* fewer slots than items: the first max are written, *n counts all */
	memset(two, 0x5a, sizeof two);
	assert_int_equal(lfh_osara_due(s, BASE_MS + 12 * DAY, two, 2, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(two[1].ref, "0000d002");
	assert_int_equal(two[2].kind, 0x5a5a5a5a);

	/* a review recorded on day 20 that happened on day 15 (its "on"): the next is due 30
	 * days after day 15, as the reports date it, not after day 20 */
	add(q, LFH_EV_REVIEW, "police", T(20, 0), "kind", "monthly", "outcome", "continue",
	    "text", "t", "on", "2024-01-16", "by", "PC", NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nignored, 0);
	lfh_osara_due(s, BASE_MS + 21 * DAY, items, LFH_OSARA_MAX_DUE, &n);
	for (n = 0; items[n].kind != LFH_OSARA_DUE_REVIEW; n++)
		;
	assert_int_equal(items[n].due_ms, BASE_MS + 45 * DAY);

	/* a referral recorded long after it was made (an imported one): its first meeting is
	 * due from when it was referred, and overdue now */
	seq_free(q);
	q = seq_new();
	add(q, LFH_EV_REFERRAL, "police", T(200, 0), "summary", "s", "location", "l",
	    "asb_category", "asb", "risk", "standard", "on", "2024-01-01", "by", "PC", NULL);
	project(q, q->n, NULL, 0, s);
	lfh_osara_due(s, BASE_MS + 200 * DAY, items, LFH_OSARA_MAX_DUE, &n);
	assert_int_equal(items[0].kind, LFH_OSARA_DUE_MEETING);
	assert_int_equal(items[0].due_ms, BASE_MS + 28 * DAY);
	assert_int_equal(items[0].status, LFH_OSARA_OVERDUE);

	/* a closed case has nothing due */
	seq_free(q);
	q = seq_new();
	case_to(q, LFH_OSARA_CLOSED);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(lfh_osara_due(s, BASE_MS + 100 * DAY, items, LFH_OSARA_MAX_DUE, &n), 0);
	assert_int_equal(n, 0);
	seq_free(q);
	free(s);
}

/* ---- names ------------------------------------------------------------- */

static void test_names(void **st)
{
	(void)st;
	size_t n;
	const char *const *p = lfh_osara_powers(&n);

	assert_int_equal(n, 19);
	for (size_t i = 0; i < n; i++)
		assert_non_null(lfh_osara_power_desc(p[i]));
	assert_string_equal(lfh_osara_power_desc("cbo"), "criminal behaviour order");
	assert_null(lfh_osara_power_desc("fine"));
	for (uint32_t t = 1; t <= LFH_OSARA_TYPE_LAST; t++)
		assert_int_equal(lfh_osara_type_parse(lfh_osara_type_name(t)), t);
	assert_string_equal(lfh_osara_type_name(LFH_EV_ACTION_UPDATE), "action-update");
	assert_string_equal(lfh_osara_type_name(99), "unknown");
	assert_int_equal(lfh_osara_type_parse("nope"), 0);
	assert_string_equal(lfh_osara_stage_name(LFH_OSARA_CLOSURE_PROPOSED), "closure_proposed");
	assert_string_equal(lfh_osara_stage_name(42), "unknown");
	assert_int_equal(lfh_osara_date_days("1970-01-01"), 0);
	assert_int_equal(lfh_osara_date_days("2000-03-01"), 11017);
	assert_int_equal(lfh_osara_date_days("2024-01-01"), (long)(BASE_MS / DAY));
	assert_true(lfh_osara_date_days("2024-02-29") > 0);
	assert_int_equal(lfh_osara_date_days("2023-02-29"), -1);
	assert_int_equal(lfh_osara_date_days("2024-13-01"), -1);
	assert_int_equal(lfh_osara_date_days("2024-1-01"), -1);
	assert_int_equal(lfh_osara_date_days(NULL), -1);
}

/* ATTACH (issue #15, item 6): a participant's file entry; CHUNKs are no steps. */
#define SHA "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define FIRST "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define ATTACH_OK(name) "name", (name), "#size", "12289", "#chunks", "2", "sha256", SHA, \
	"att", "0123456789abcdef", "first", FIRST, "by", "PC"
static void test_attachments(void **st)
{
	lfh_osara_state *s = state_new();
	seq *q = seq_new();
	lfh_osara_event *a;
	char hex[2 * LFH_ID_LEN + 1];
	size_t n;

	(void)st;
	case_to(q, LFH_OSARA_REFERRED);
	n = q->n;
	add(q, LFH_EV_CHUNK, "police", T(2, 0), "att", "0123456789abcdef", "#idx", "0", "data",
	    "AAAA", NULL);
	a = add(q, LFH_EV_ATTACH, "police", T(2, 1), ATTACH_OK("letter.pdf"), "text",
		"Warning letter", NULL);
	lfh_hex(hex, a->id, LFH_ID_LEN);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nignored, 0);
	assert_int_equal(s->nattached, 1);
	assert_int_equal(s->ntimeline, n + 1); /* the CHUNK is no entry */
	assert_string_equal(s->timeline[n].summary,
			    "attached letter.pdf (12.0 KiB): Warning letter");
	/* an attachment is redacted by the lead, never amended */
	add(q, LFH_EV_AMEND, "police", T(3, 0), "event", hex, "text", "x", "by", "PC", NULL);
	project(q, q->n, NULL, 0, s);
	assert_non_null(strstr(s->timeline[s->ntimeline - 1].reason,
			       "an attachment cannot be amended"));
	q->n--;
	add(q, LFH_EV_REDACT, "housing", T(3, 0), "event", hex, "reason", "Wrong case", "by", "HO",
	    NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nignored, 0);
	assert_true(s->timeline[n].redacted);
	seq_free(q);

	REFUSED(LFH_OSARA_REFERRED, "council does not take part in the case", LFH_EV_ATTACH,
		"council", ATTACH_OK("a.pdf"));
	REFUSED(LFH_OSARA_CLOSED, "the case is closed: it takes no new work", LFH_EV_ATTACH,
		"police", ATTACH_OK("a.pdf"));
	REFUSED(LFH_OSARA_REFERRED, "name must be a file name", LFH_EV_ATTACH, "police",
		ATTACH_OK("../etc/passwd"));
	REFUSED(LFH_OSARA_REFERRED, "chunks must be the size in pieces", LFH_EV_ATTACH, "police",
		"name", "a", "#size", "12289", "#chunks", "1", "sha256", SHA, "att",
		"0123456789abcdef", "first", FIRST, "by", "PC");
	REFUSED(LFH_OSARA_REFERRED, "size must be 1 to 26214400 bytes", LFH_EV_ATTACH, "police",
		"name", "a", "#size", "26214401", "#chunks", "2134", "sha256", SHA, "att",
		"0123456789abcdef", "first", FIRST, "by", "PC");
	REFUSED(LFH_OSARA_REFERRED, "sha256 must be 64 lowercase hex digits", LFH_EV_ATTACH,
		"police", "name", "a", "#size", "1", "#chunks", "1", "sha256", "x", "att",
		"0123456789abcdef", "first", FIRST, "by", "PC");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_transitions),
		cmocka_unit_test(test_close_with_open_action_refused),
		cmocka_unit_test(test_refused_authors),
		cmocka_unit_test(test_refused_after_withdrawal),
		cmocka_unit_test(test_check_valid),
		cmocka_unit_test(test_leave),
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_on),
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_tasking),
		cmocka_unit_test(test_close_outcomes),
		cmocka_unit_test(test_corrections),
		cmocka_unit_test(test_redaction_forgets_text),
		cmocka_unit_test(test_attachments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
