/*
 * test_osara.c - the OSARA projection (node/rules/osara.c): the three case
 * studies of seeds/case-studies.txt replayed as event sequences, order
 * independence (random permutations, partitioned writers), lead changes,
 * bounds and unreadable events. The step rules and due dates
 * (node/rules/osara_rules.c) are tested in test_osara_rules.c.
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

static void id_hex(const uint8_t id[LFH_ID_LEN], char out[2 * LFH_ID_LEN + 1])
{
	for (size_t i = 0; i < LFH_ID_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", id[i]);
}

static const lfh_osara_action *action(const lfh_osara_state *s, const char *id)
{
	for (uint32_t i = 0; i < s->nactions; i++)
		if (strcmp(s->actions[i].id, id) == 0)
			return &s->actions[i];
	fail_msg("no action %s", id);
	return NULL;
}

static void print_ignored(const lfh_osara_state *s)
{
	for (uint32_t i = 0; i < s->ntimeline; i++)
		if (s->timeline[i].ignored)
			print_message("# ignored %s: %s (%s)\n", s->timeline[i].type_name,
				      s->timeline[i].summary, s->timeline[i].reason);
}

/* ---- the three case studies ----------------------------------------------- */

/* Example 1: ASB and drug activity at a new flat; housing refers. */
static void build_example1(seq *q)
{
	add(q, LFH_EV_REFERRAL, "housing", T(0, 1), "summary",
	    "ASB and drug activity at resident's new one-bed flat", "location",
	    "Flat 2, Example Court, Carlisle", "subject", "resident (adult)", "asb_category",
	    "drugs", "risk", "high", "description",
	    "Known substance misuser, lost previous 3-bed tenancy for ASB; CBO in force "
	    "against shoplifting; 11 offences this year.",
	    "by", "Housing Options officer", NULL);
	add(q, LFH_EV_JOIN, "housing", T(0, 2), "agency", "recovery", "by", "HO", NULL);
	add(q, LFH_EV_JOIN, "housing", T(0, 3), "agency", "probation", "by", "HO", NULL);
	add(q, LFH_EV_JOIN, "housing", T(0, 4), "agency", "police", "by", "HO", NULL);
	add(q, LFH_EV_OBJECTIVE, "housing", T(0, 5), "text",
	    "Stop the ASB and offending at the address and sustain the tenancy", "by", "HO",
	    NULL);
	add(q, LFH_EV_RISK, "police", T(1, 1), "#score", "24", "level", "high", "answers",
	    "repeat=yes;vulnerable=yes;children=in-care;offences=11", "by", "PC hub coordinator",
	    NULL);
	add(q, LFH_EV_SCANNING, "police", T(1, 2), "text",
	    "11 offences in 2024, shoplifting, ASB and drug activity at the flat; risk of "
	    "manipulating single agencies",
	    "by", "PC hub coordinator", NULL);
	add(q, LFH_EV_MEETING, "police", T(3, 1), "date", "2024-01-04", "attendees",
	    "housing,recovery,probation,police,Cumbria Gateway", "victim",
	    "neighbours and local businesses", "offender",
	    "resident: substance misuse, shoplifting", "location", "new one-bed flat",
	    "responses",
	    "Meet the resident together to set clear boundaries; share information to prevent "
	    "manipulation; explain the risk of losing the home; recovery and DA support",
	    "by", "PC hub coordinator", NULL);
	add(q, LFH_EV_ACTION, "police", T(3, 2), "action", "00000a01", "agency", "police",
	    "power", "cbo", "text", "Monitor the CBO conditions already imposed", "due",
	    "2024-03-31", "by", "PC", NULL);
	add(q, LFH_EV_ACTION, "police", T(3, 3), "action", "00000a02", "agency", "housing",
	    "power", "tenancy-warning", "text",
	    "Tenancy warning: non-compliance means losing the home and homelessness "
	    "ineligibility",
	    "due", "2024-01-15", "by", "PC", NULL);
	add(q, LFH_EV_ACTION, "police", T(3, 4), "action", "00000a03", "agency", "recovery",
	    "power", "support-referral", "text", "Recovery Steps programme", "due", "2024-03-31",
	    "by", "PC", NULL);
	add(q, LFH_EV_ACTION, "police", T(3, 5), "action", "00000a04", "agency",
	    "Cumbria Gateway", "power", "signposting", "text",
	    "Signpost to Cumbria Gateway: relationships and resilience", "due", "2024-02-28",
	    "by", "PC", NULL);
	add(q, LFH_EV_ACTION, "police", T(3, 6), "action", "00000a05", "agency", "probation",
	    "power", "support-referral", "text",
	    "Domestic-abuse and risk-taking behaviour support", "due", "2024-02-15", "by", "PC",
	    NULL);
	add(q, LFH_EV_EQUALITY, "housing", T(3, 9), "text",
	    "Mother of children in care; adjustments for recovery appointments", "consent",
	    "given", "by", "HO", NULL);
	add(q, LFH_EV_ACTION_UPDATE, "housing", T(14, 1), "action", "00000a02", "status", "done",
	    "text", "Warning given; enforcement paused due to good behaviour", "by", "HO", NULL);
	add(q, LFH_EV_ACTION_UPDATE, "police", T(30, 2), "action", "00000a01", "status", "open",
	    "text", "No breaches, no further calls to police", "by", "PC", NULL);
	add(q, LFH_EV_REVIEW, "housing", T(30, 1), "kind", "monthly", "outcome", "continue",
	    "text", "Engaging; keep going", "by", "HO", NULL);
	add(q, LFH_EV_ACTION_UPDATE, "probation", T(40, 1), "action", "00000a05", "status",
	    "done", "text", "DA support accepted", "by", "PO", NULL);
	add(q, LFH_EV_ACTION_UPDATE, "housing", T(50, 1), "action", "00000a04", "status", "done",
	    "text", "Attending Cumbria Gateway", "by", "HO", NULL);
	add(q, LFH_EV_ACTION_UPDATE, "recovery", T(60, 1), "action", "00000a03", "status",
	    "done", "text", "Recovery Steps programme completed; probation requirements met",
	    "by", "RS", NULL);
	add(q, LFH_EV_REVIEW, "housing", T(60, 2), "kind", "monthly", "outcome", "continue",
	    "text", "Programme complete", "by", "HO", NULL);
	add(q, LFH_EV_ACTION_UPDATE, "police", T(80, 1), "action", "00000a01", "status", "done",
	    "text", "CBO complied with", "by", "PC", NULL);
	add(q, LFH_EV_ASSESSMENT, "housing", T(85, 1), "plan_done", "yes", "problem_stopped",
	    "yes", "text",
	    "No further calls to police; hopeful to restart access with the children", "by", "HO",
	    NULL);
	add(q, LFH_EV_CLOSE_PROPOSE, "housing", T(86, 1), "reason", "Problem stopped", "by", "HO",
	    NULL);
	add(q, LFH_EV_REVIEW, "housing", T(87, 1), "kind", "closure", "outcome", "close", "text",
	    "Agreed at hub meeting", "by", "Hub manager", NULL);
	add(q, LFH_EV_CLOSE, "housing", T(88, 1), "reason", "Resolved", "by", "HO", NULL);
	/* a closed case takes no new work: the note is flagged until the lead reopens it */
	add(q, LFH_EV_NOTE, "probation", T(90, 1), "text", "Order completed", "by", "PO", NULL);
}

static void test_example1(void **st)
{
	(void)st;
	seq *q = seq_new();
	lfh_osara_state *s = state_new();
	static const char *const want_status[] = { "done", "done", "done", "done", "done" };

	build_example1(q);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nignored, 1);
	assert_non_null(strstr(s->timeline[s->ntimeline - 1].reason, "the case is closed"));
	assert_int_equal(s->stage, LFH_OSARA_CLOSED);
	assert_string_equal(lfh_osara_stage_name(s->stage), "closed");
	assert_string_equal(s->lead, "housing");
	assert_int_equal(s->nparticipants, 4);
	assert_string_equal(s->risk_level, "high");
	assert_int_equal(s->risk_score, 24);
	assert_true(s->risk_assessed);
	assert_int_equal(s->nmeetings, 1);
	assert_string_equal(s->meetings[0].date, "2024-01-04");
	assert_int_equal(s->nactions, 5);
	for (uint32_t i = 0; i < 5; i++)
		assert_string_equal(s->actions[i].status, want_status[i]);
	assert_string_equal(action(s, "00000a04")->agency, "Cumbria Gateway");
	assert_string_equal(action(s, "00000a02")->power, "tenancy-warning");
	assert_int_equal(action(s, "00000a01")->nupdates, 2);
	assert_string_equal(action(s, "00000a01")->last_update, "CBO complied with");
	assert_string_equal(s->problem_stopped, "yes");
	assert_int_equal(s->nreviews, 3);
	assert_int_equal(s->last_review_hlc, T(87, 1));
	assert_int_equal(s->closure_proposed_hlc, T(86, 1));
	assert_int_equal(s->closure_review_hlc, T(87, 1));
	assert_int_equal(s->closed_hlc, T(88, 1));
	assert_int_equal(s->nequality, 1);
	assert_string_equal(s->equality_consent, "given");
	assert_int_equal(s->nnotes, 0); /* a note after closure is not applied */
	/* reopened by the lead, the case takes the note: back where it was before closure */
	add(q, LFH_EV_REOPEN, "housing", T(89, 0), "reason", "Agreed at the hub: new reports",
	    "by", "Hub manager", NULL);
	project(q, q->n, NULL, 0, s);
	print_ignored(s);
	assert_int_equal(s->nignored, 0);
	assert_int_equal(s->nnotes, 1);
	assert_int_equal(s->nreopened, 1);
	assert_int_equal(s->stage, LFH_OSARA_ASSESSMENT);
	assert_int_equal(s->closed_hlc, 0);
	assert_int_equal(s->ntimeline, q->n);
	assert_string_equal(s->timeline[0].type_name, "referral");
	assert_string_equal(s->timeline[0].by, "Housing Options officer");
	seq_free(q);
	free(s);
}

/* Example 2: environmental health refers; warrant, arrest, possession,
 * injunction; the housing association takes over as lead. */
static void build_example2(seq *q, lfh_osara_event **agree_last)
{
	char pid[2 * LFH_ID_LEN + 1];
	lfh_osara_event *p;

	add(q, LFH_EV_REFERRAL, "envhealth", T(0, 1), "summary",
	    "Noise nuisance, disorder and ASB at a housing association property", "location",
	    "12 Example Street", "asb_category", "noise", "risk", "medium", "by", "EHO", NULL);
	add(q, LFH_EV_JOIN, "envhealth", T(0, 2), "agency", "police", "by", "EHO", NULL);
	add(q, LFH_EV_JOIN, "envhealth", T(0, 3), "agency", "housing", "by", "EHO", NULL);
	add(q, LFH_EV_RISK, "police", T(1, 1), "#score", "15", "level", "medium", "answers",
	    "repeat=yes;community-impact=high", "by", "PC", NULL);
	add(q, LFH_EV_SCANNING, "police", T(2, 1), "text",
	    "Intelligence gathering links the address to drug dealing at another property",
	    "by", "PC", NULL);
	add(q, LFH_EV_MEETING, "envhealth", T(5, 1), "date", "2024-01-06", "attendees",
	    "envhealth,police,housing", "victim", "neighbours", "offender",
	    "occupant and visitors", "location", "12 Example Street and linked address",
	    "responses", "Warrant and search; possession; injunction", "by", "EHO", NULL);
	add(q, LFH_EV_ACTION, "police", T(6, 1), "action", "0000b001", "agency", "police",
	    "power", "warrant", "text", "Apply for a drugs warrant", "due", "2024-01-20", "by",
	    "PC", NULL);
	add(q, LFH_EV_ACTION, "police", T(6, 2), "action", "0000b002", "agency", "police",
	    "power", "arrest", "text", "Search and arrest", "due", "2024-01-31", "by", "PC", NULL);
	add(q, LFH_EV_ACTION, "housing", T(6, 3), "action", "0000b003", "agency", "housing",
	    "power", "possession", "text", "Seek mandatory possession", "due", "2024-04-30", "by",
	    "HA", NULL);
	add(q, LFH_EV_ACTION, "housing", T(6, 4), "action", "0000b004", "agency", "housing",
	    "power", "injunction", "text", "Injunction against problematic visitors", "due",
	    "2024-04-30", "by", "HA", NULL);
	p = add(q, LFH_EV_LEAD_PROPOSE, "housing", T(7, 1), "lead", "housing", "by", "HA", NULL);
	id_hex(p->id, pid);
	add(q, LFH_EV_LEAD_AGREE, "envhealth", T(7, 2), "proposal", pid, "by", "EHO", NULL);
	*agree_last = add(q, LFH_EV_LEAD_AGREE, "police", T(8, 1), "proposal", pid, "by", "PC",
			  NULL);
	add(q, LFH_EV_ACTION_UPDATE, "police", T(20, 1), "action", "0000b001", "status", "done",
	    "text", "Warrant obtained", "by", "PC", NULL);
	add(q, LFH_EV_ACTION_UPDATE, "police", T(21, 1), "action", "0000b002", "status", "done",
	    "text", "Arrested; later imprisoned for possession with intent to supply", "by", "PC",
	    NULL);
	add(q, LFH_EV_REVIEW, "housing", T(30, 1), "kind", "monthly", "outcome", "continue",
	    "text", "Possession and injunction under way", "by", "HA", NULL);
	add(q, LFH_EV_ACTION_UPDATE, "housing", T(70, 1), "action", "0000b003", "status", "done",
	    "text", "Mandatory possession granted", "by", "HA", NULL);
	add(q, LFH_EV_ACTION_UPDATE, "housing", T(70, 2), "action", "0000b004", "status", "done",
	    "text", "Injunction granted", "by", "HA", NULL);
	add(q, LFH_EV_ASSESSMENT, "housing", T(75, 1), "plan_done", "yes", "problem_stopped",
	    "yes", "text", "Sustainable solution to the drug dealing", "by", "HA", NULL);
	add(q, LFH_EV_CLOSE_PROPOSE, "housing", T(76, 1), "reason", "Resolved", "by", "HA", NULL);
	add(q, LFH_EV_REVIEW, "envhealth", T(77, 1), "kind", "closure", "outcome", "close",
	    "text", "Agreed", "by", "Hub manager", NULL);
	add(q, LFH_EV_CLOSE, "housing", T(78, 1), "reason", "Resolved", "by", "HA", NULL);
}

static void test_example2(void **st)
{
	(void)st;
	seq *q = seq_new();
	lfh_osara_state *s = state_new();
	lfh_osara_event *agree_last = NULL;

	build_example2(q, &agree_last);
	project(q, q->n, NULL, 0, s);
	print_ignored(s);
	assert_int_equal(s->nignored, 0);
	assert_int_equal(s->stage, LFH_OSARA_CLOSED);
	assert_string_equal(s->lead, "housing");
	assert_int_equal(s->lead_hlc, agree_last->hlc);
	assert_int_equal(s->nproposals, 1);
	assert_true(s->proposals[0].decided);
	assert_int_equal(s->nactions, 4);
	assert_string_equal(action(s, "0000b001")->power, "warrant");
	assert_string_equal(action(s, "0000b002")->power, "arrest");
	assert_string_equal(action(s, "0000b003")->power, "possession");
	assert_string_equal(action(s, "0000b004")->power, "injunction");
	for (uint32_t i = 0; i < s->nactions; i++)
		assert_string_equal(s->actions[i].status, "done");
	assert_string_equal(s->referral_author, "envhealth");
	assert_string_equal(s->risk_level, "medium");

	/* before the last agreement the lead was still the referrer */
	project(q, (size_t)(agree_last - q->ev), NULL, 0, s);
	assert_string_equal(s->lead, "envhealth");
	assert_false(s->proposals[0].decided);
	seq_free(q);
	free(s);
}

/* Example 3: police refer; support refused; CBO, a withdrawn closure
 * proposal, then closure notice and order. */
static void build_example3(seq *q)
{
	static const char *joins[] = { "recovery", "thewell", "homelessness", "socialservices",
				       "envhealth" };
	static const char *support[][3] = {
		{ "0000c001", "Mental health provider", "Mental health assessment offer" },
		{ "0000c002", "recovery", "Recovery Steps alcohol support" },
		{ "0000c003", "homelessness", "Housing support offer" },
		{ "0000c004", "socialservices", "Adult social care assessment" },
	};

	add(q, LFH_EV_REFERRAL, "police", T(0, 1), "summary",
	    "Repeated crimes and ASB towards neighbours in semi-supported accommodation",
	    "location", "Example House, Workington", "asb_category", "harassment", "risk", "high",
	    "by", "PC", NULL);
	for (int i = 0; i < 5; i++)
		add(q, LFH_EV_JOIN, "police", T(0, 2 + i), "agency", joins[i], "by", "PC", NULL);
	add(q, LFH_EV_RISK, "police", T(0, 10), "#score", "30", "level", "high", "answers",
	    "repeat=yes;fear=neighbours-stay-in;alcohol=dependent;mental-health=suspected", "by",
	    "PC", NULL);
	add(q, LFH_EV_OBJECTIVE, "police", T(0, 11), "text",
	    "Neighbours safe in their homes; resident engaged with support", "by", "PC", NULL);
	add(q, LFH_EV_SCANNING, "police", T(1, 1), "text",
	    "Multiple crimes; alcohol dependent; possible undiagnosed mental health problems",
	    "by", "PC", NULL);
	add(q, LFH_EV_MEETING, "police", T(4, 1), "date", "2024-01-05", "attendees",
	    "police,recovery,thewell,homelessness,socialservices,envhealth", "victim",
	    "neighbours", "offender", "resident", "location", "Example House", "responses",
	    "Offer support; brief officers to record every safeguarding incident", "by", "PC",
	    NULL);
	for (int i = 0; i < 4; i++)
		add(q, LFH_EV_ACTION, "police", T(4, 2 + i), "action", support[i][0], "agency",
		    support[i][1], "power", "support-referral", "text", support[i][2], "due",
		    "2024-02-01", "by", "PC", NULL);
	add(q, LFH_EV_ACTION, "police", T(4, 10), "action", "0000c005", "agency", "police",
	    "power", "other", "text",
	    "Brief all neighbourhood officers so every safeguarding incident is recorded", "due",
	    "2024-01-12", "by", "PC", NULL);
	add(q, LFH_EV_ACTION_UPDATE, "police", T(8, 1), "action", "0000c005", "status", "done",
	    "text", "Briefed", "by", "PC", NULL);
	for (int i = 0; i < 4; i++)
		add(q, LFH_EV_ACTION_UPDATE, "police", T(30, 1 + i), "action", support[i][0],
		    "status", "cancelled", "text", "Resident refused to engage", "by", "PC", NULL);
	add(q, LFH_EV_MEETING, "police", T(31, 1), "date", "2024-02-01", "attendees",
	    "police,envhealth,homelessness", "victim", "neighbours", "offender", "resident",
	    "location", "Example House", "responses", "Apply for a CBO after conviction", "by",
	    "PC", NULL);
	add(q, LFH_EV_ACTION, "police", T(31, 2), "action", "0000c006", "agency", "police",
	    "power", "cbo", "text", "CBO on conviction for harassment", "due", "2024-03-15", "by",
	    "PC", NULL);
	add(q, LFH_EV_REVIEW, "police", T(32, 1), "kind", "monthly", "outcome", "continue",
	    "text", "No engagement", "by", "PC", NULL);
	add(q, LFH_EV_ACTION_UPDATE, "police", T(60, 1), "action", "0000c006", "status", "done",
	    "text", "CBO granted", "by", "PC", NULL);
	add(q, LFH_EV_ASSESSMENT, "police", T(61, 1), "plan_done", "partly", "problem_stopped",
	    "no", "text", "Behaviour continues despite the CBO", "by", "PC", NULL);
	add(q, LFH_EV_CLOSE_PROPOSE, "police", T(62, 1), "reason", "CBO in place", "by", "PC",
	    NULL);
	add(q, LFH_EV_REVIEW, "envhealth", T(63, 1), "kind", "closure", "outcome", "continue",
	    "text", "Tenancy untenable: pursue a closure notice", "by", "Hub manager", NULL);
	add(q, LFH_EV_ACTION, "police", T(64, 1), "action", "0000c007", "agency", "police",
	    "power", "closure-notice", "text", "Closure notice on the property", "due",
	    "2024-03-15", "by", "PC", NULL);
	add(q, LFH_EV_ACTION, "police", T(64, 2), "action", "0000c008", "agency", "police",
	    "power", "closure-order", "text", "Closure order application, hub-assembled evidence",
	    "due", "2024-04-15", "by", "PC", NULL);
	add(q, LFH_EV_ACTION_UPDATE, "police", T(70, 1), "action", "0000c007", "status", "done",
	    "text", "Served", "by", "PC", NULL);
	add(q, LFH_EV_ACTION_UPDATE, "police", T(90, 1), "action", "0000c008", "status", "done",
	    "text", "Closure order granted", "by", "PC", NULL);
	add(q, LFH_EV_ASSESSMENT, "police", T(91, 1), "plan_done", "yes", "problem_stopped",
	    "yes", "text", "Community given immediate relief", "by", "PC", NULL);
	add(q, LFH_EV_EQUALITY, "police", T(91, 2), "text",
	    "Possible undiagnosed mental health condition considered", "consent", "not-sought",
	    "by", "PC", NULL);
	add(q, LFH_EV_CLOSE_PROPOSE, "police", T(92, 1), "reason", "Closure order granted", "by",
	    "PC", NULL);
	add(q, LFH_EV_REVIEW, "envhealth", T(93, 1), "kind", "closure", "outcome", "close",
	    "text", "Agreed", "by", "Hub manager", NULL);
	add(q, LFH_EV_CLOSE, "police", T(94, 1), "reason", "Closure order", "by", "PC", NULL);
}

static void test_example3(void **st)
{
	(void)st;
	seq *q = seq_new();
	lfh_osara_state *s = state_new();
	size_t i, cancelled = 0, done = 0;

	build_example3(q);
	project(q, q->n, NULL, 0, s);
	print_ignored(s);
	assert_int_equal(s->nignored, 0);
	assert_int_equal(s->stage, LFH_OSARA_CLOSED);
	assert_string_equal(s->lead, "police");
	assert_int_equal(s->nparticipants, 6);
	assert_int_equal(s->nmeetings, 2);
	assert_int_equal(s->nactions, 8);
	for (i = 0; i < s->nactions; i++) {
		cancelled += strcmp(s->actions[i].status, "cancelled") == 0;
		done += strcmp(s->actions[i].status, "done") == 0;
	}
	assert_int_equal(cancelled, 4);
	assert_int_equal(done, 4);
	assert_string_equal(action(s, "0000c001")->agency, "Mental health provider");
	assert_int_equal(s->nreviews, 3);
	assert_string_equal(s->reviews[1].outcome, "continue");
	assert_string_equal(s->plan_done, "yes"); /* the latest assessment */
	assert_int_equal(s->closure_proposed_hlc, T(92, 1));
	assert_string_equal(s->equality_consent, "not-sought");

	/* after the withdrawn proposal the stage was back at assessment */
	for (i = 0; i < q->n && q->ev[i].hlc != T(63, 1); i++)
		;
	project(q, i + 1, NULL, 0, s);
	assert_int_equal(s->stage, LFH_OSARA_ASSESSMENT);
	assert_int_equal(s->closure_proposed_hlc, 0);
	project(q, i, NULL, 0, s);
	assert_int_equal(s->stage, LFH_OSARA_CLOSURE_PROPOSED);
	seq_free(q);
	free(s);
}

/* ---- order independence ------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void shuffle(lfh_osara_event *ev, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(rng() % i);
		lfh_osara_event t = ev[i - 1];
		ev[i - 1] = ev[j];
		ev[j] = t;
	}
}

static void test_permutations(void **st)
{
	(void)st;
	seq *q = seq_new();
	lfh_osara_state *ref = state_new(), *s = state_new();
	lfh_osara_event *perm, *before;
	lfh_osara_event *dummy = NULL;
	lfh_err err = { 0 };
	size_t n;

	build_example1(q);
	build_example2(q, &dummy); /* a second referral and more: many ignored events */
	/* an out-of-order step, an unreadable one, and a duplicate delivery */
	add(q, LFH_EV_ACTION, "police", T(2, 5), "action", "00000a09", "agency", "police",
	    "power", "arrest", "text", "too early", "due", "2024-01-10", "by", "PC", NULL);
	add_unreadable(q, LFH_EV_NOTE, "recovery", T(5, 5), NULL);
	q->ev[q->n] = q->ev[3];
	q->n++;
	n = q->n;
	project(q, n, NULL, 0, ref);
	assert_true(ref->nignored > 5);
	assert_int_equal(ref->nunreadable, 1);
	assert_int_equal(ref->ntimeline, n - 1); /* the duplicate is applied once */

	perm = malloc(n * sizeof *perm);
	before = malloc(n * sizeof *before);
	assert_non_null(perm);
	assert_non_null(before);
	memcpy(perm, q->ev, n * sizeof *perm);
	for (int round = 0; round < 20; round++) {
		shuffle(perm, n);
		memcpy(before, perm, n * sizeof *perm);
		assert_int_equal(lfh_osara_project(perm, n, NULL, 0, s, &err), 0);
		assert_true(lfh_osara_state_equal(ref, s));
		/* the caller's array is not reordered */
		assert_memory_equal(before, perm, n * sizeof *perm);
	}
	/* and a different state is told apart */
	project(q, n - 3, NULL, 0, s);
	assert_false(lfh_osara_state_equal(ref, s));
	free(perm);
	free(before);
	seq_free(q);
	free(ref);
	free(s);
}

static int by_order(const void *pa, const void *pb)
{
	const lfh_osara_event *a = pa, *b = pb;
	int c;
	if (a->hlc != b->hlc)
		return a->hlc < b->hlc ? -1 : 1;
	if ((c = strcmp(a->author, b->author)))
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Appending each event in order to the state of those before it gives the projection of all. */
static void test_append(void **st)
{
	(void)st;
	seq *q = seq_new();
	lfh_osara_state *ref = state_new(), *s = state_new();
	lfh_osara_event *sorted;
	lfh_err err = { 0 };

	build_example1(q);
	sorted = malloc(q->n * sizeof *sorted);
	assert_non_null(sorted);
	memcpy(sorted, q->ev, q->n * sizeof *sorted);
	qsort(sorted, q->n, sizeof *sorted, by_order);
	assert_int_equal(lfh_osara_project(sorted, 0, NULL, 0, s, &err), 0);
	for (size_t k = 0; k < q->n; k++) {
		assert_int_equal(lfh_osara_append(s, &sorted[k], &err), 0);
		assert_int_equal(lfh_osara_project(sorted, k + 1, NULL, 0, ref, &err), 0);
		assert_true(lfh_osara_state_equal(ref, s));
	}
	assert_int_equal(s->stage, LFH_OSARA_CLOSED);
	assert_int_equal(lfh_osara_append(NULL, &sorted[0], &err), LFH_EINVAL);
	free(sorted);
	seq_free(q);
	free(ref);
	free(s);
}

/*
 * Two partitions from a common case at stage assessment: housing proposes
 * closure, reviews and closes; police meanwhile tasks actions and updates
 * them, with interleaved HLCs. Merging in either order gives one state.
 */
static void test_partition(void **st)
{
	(void)st;
	seq *a = seq_new(), *b = seq_new(), *ab = seq_new(), *ba = seq_new();
	lfh_osara_state *s1 = state_new(), *s2 = state_new(), *sa = state_new();
	const lfh_osara_entry *e;
	size_t pre;

	case_to(a, LFH_OSARA_ASSESSMENT);
	/* partition A (housing) */
	add(a, LFH_EV_ACTION_UPDATE, "housing", T(30, 5), "action", "a0000001", "status", "done",
	    "text", "served", "by", "HO", NULL);
	add(a, LFH_EV_CLOSE_PROPOSE, "housing", T(30, 10), "reason", "done", "by", "HO", NULL);
	add(a, LFH_EV_REVIEW, "housing", T(30, 30), "kind", "closure", "outcome", "close", "text",
	    "agreed", "by", "HO", NULL);
	add(a, LFH_EV_CLOSE, "housing", T(30, 50), "reason", "done", "by", "HO", NULL);
	/* partition B (police), same prefix */
	case_to(b, LFH_OSARA_ASSESSMENT);
	pre = b->n;
	add(b, LFH_EV_ACTION, "police", T(30, 20), "action", "b0000001", "agency", "police",
	    "power", "cpw", "text", "warning", "due", "2024-03-01", "by", "PC", NULL);
	add(b, LFH_EV_ACTION, "police", T(30, 40), "action", "b0000002", "agency", "police",
	    "power", "cpn", "text", "notice", "due", "2024-03-01", "by", "PC", NULL);
	add(b, LFH_EV_ACTION, "police", T(30, 60), "action", "b0000003", "agency", "police",
	    "power", "summons", "text", "summons", "due", "2024-03-01", "by", "PC", NULL);
	add(b, LFH_EV_ACTION_UPDATE, "police", T(30, 70), "action", "b0000001", "status", "done",
	    "text", "given", "by", "PC", NULL);

	/* A's node alone: closed */
	project(a, a->n, NULL, 0, sa);
	assert_int_equal(sa->stage, LFH_OSARA_CLOSED);

	/* merged: the common prefix once, then both partitions' events */
	for (size_t i = 0; i < a->n; i++)
		ab->ev[ab->n++] = a->ev[i];
	for (size_t i = pre; i < b->n; i++)
		ab->ev[ab->n++] = b->ev[i];
	for (size_t i = b->n; i-- > pre;)
		ba->ev[ba->n++] = b->ev[i];
	for (size_t i = a->n; i-- > 0;)
		ba->ev[ba->n++] = a->ev[i];
	assert_int_equal(ab->n, ba->n);
	assert_int_equal(lfh_osara_project(ab->ev, ab->n, NULL, 0, s1, NULL), 0);
	assert_int_equal(lfh_osara_project(ba->ev, ba->n, NULL, 0, s2, NULL), 0);
	assert_true(lfh_osara_state_equal(s1, s2));
	/* B tasked two actions before A's close, still open at it: the close is flagged (a
	 * case closes only once every action is accounted for), and B's work goes on */
	assert_int_equal(s1->stage, LFH_OSARA_CLOSURE_PROPOSED);
	assert_int_equal(s1->nactions, 4);
	assert_string_equal(action(s1, "b0000001")->status, "done");
	assert_string_equal(action(s1, "b0000002")->power, "cpn");
	assert_int_equal(s1->nignored, 1);
	e = NULL;
	for (size_t i = 0; i < s1->ntimeline; i++)
		if (s1->timeline[i].ignored)
			e = &s1->timeline[i];
	assert_non_null(e);
	assert_string_equal(e->type_name, "close");
	assert_non_null(strstr(e->reason, "cannot close: 2 actions are still open or paused: b0000001"));

	/* second scenario: B's closure review says continue between A's review and close */
	seq_free(b);
	b = seq_new();
	case_to(b, LFH_OSARA_ASSESSMENT);
	add(b, LFH_EV_REVIEW, "police", T(30, 40), "kind", "closure", "outcome", "continue",
	    "text", "not yet", "by", "PC", NULL);
	ab->n = ba->n = 0;
	for (size_t i = 0; i < a->n; i++)
		ab->ev[ab->n++] = a->ev[i];
	ab->ev[ab->n++] = b->ev[b->n - 1];
	ba->ev[ba->n++] = b->ev[b->n - 1];
	for (size_t i = a->n; i-- > 0;)
		ba->ev[ba->n++] = a->ev[i];
	assert_int_equal(lfh_osara_project(ab->ev, ab->n, NULL, 0, s1, NULL), 0);
	assert_int_equal(lfh_osara_project(ba->ev, ba->n, NULL, 0, s2, NULL), 0);
	assert_true(lfh_osara_state_equal(s1, s2));
	assert_int_equal(s1->stage, LFH_OSARA_ASSESSMENT);
	assert_int_equal(s1->closed_hlc, 0);
	assert_int_equal(s1->nignored, 1);
	e = &s1->timeline[s1->ntimeline - 1];
	assert_string_equal(e->type_name, "close");
	assert_true(e->ignored);

	seq_free(a);
	seq_free(b);
	seq_free(ab);
	seq_free(ba);
	free(s1);
	free(s2);
	free(sa);
}

/* ---- lead agency -------------------------------------------------------- */

static void test_lead_change(void **st)
{
	(void)st;
	static const char *const initial[] = { "council" };
	seq *q = seq_new();
	lfh_osara_state *s = state_new();
	lfh_osara_event *p1, *p2;
	char h1[2 * LFH_ID_LEN + 1], h2[2 * LFH_ID_LEN + 1];

	/* participants: council (initial), housing (referrer), police (JOIN) */
	case_to(q, LFH_OSARA_REFERRED);
	p1 = add(q, LFH_EV_LEAD_PROPOSE, "police", T(5, 0), "lead", "police", "by", "PC", NULL);
	id_hex(p1->id, h1);
	add(q, LFH_EV_LEAD_AGREE, "housing", T(5, 1), "proposal", h1, "by", "HO", NULL);
	add(q, LFH_EV_LEAD_AGREE, "housing", T(5, 2), "proposal", h1, "by", "HO", NULL);
	add(q, LFH_EV_LEAD_AGREE, "fire", T(5, 3), "proposal", h1, "by", "FO", NULL);
	project(q, q->n, initial, 1, s);
	assert_int_equal(s->nparticipants, 3);
	assert_string_equal(s->lead, "housing");
	assert_false(s->proposals[0].decided);
	assert_int_equal(s->proposals[0].nagreed, 2);
	assert_int_equal(s->nignored, 2); /* the second housing agreement, fire's */
	assert_non_null(strstr(s->timeline[s->ntimeline - 2].reason, "already agreed"));
	assert_non_null(strstr(s->timeline[s->ntimeline - 1].reason, "participating agency"));
	/* without the initial participant council, police + housing suffice */
	project(q, q->n, NULL, 0, s);
	assert_string_equal(s->lead, "police");
	assert_int_equal(s->lead_hlc, T(5, 1));

	/* a new participant joins before council agrees: it must agree too */
	add(q, LFH_EV_JOIN, "housing", T(6, 0), "agency", "fire", "by", "HO", NULL);
	add(q, LFH_EV_LEAD_AGREE, "council", T(6, 1), "proposal", h1, "by", "CO", NULL);
	project(q, q->n, initial, 1, s);
	assert_string_equal(s->lead, "housing");
	add(q, LFH_EV_LEAD_AGREE, "fire", T(6, 2), "proposal", h1, "by", "FO", NULL);
	project(q, q->n, initial, 1, s);
	assert_string_equal(s->lead, "police");
	assert_int_equal(s->lead_hlc, T(6, 2));
	assert_true(s->proposals[0].decided);
	assert_int_equal(s->nparticipants, 4);

	/* a decided proposal takes no more agreements; a new one can move it back */
	add(q, LFH_EV_LEAD_AGREE, "council", T(7, 0), "proposal", h1, "by", "CO", NULL);
	p2 = add(q, LFH_EV_LEAD_PROPOSE, "council", T(7, 1), "lead", "housing", "by", "CO",
		 NULL);
	id_hex(p2->id, h2);
	add(q, LFH_EV_LEAD_AGREE, "housing", T(7, 2), "proposal", h2, "by", "HO", NULL);
	add(q, LFH_EV_LEAD_AGREE, "police", T(7, 3), "proposal", h2, "by", "PC", NULL);
	project(q, q->n, initial, 1, s);
	assert_string_equal(s->lead, "police"); /* fire has not agreed yet */
	add(q, LFH_EV_LEAD_AGREE, "fire", T(7, 4), "proposal", h2, "by", "FO", NULL);
	project(q, q->n, initial, 1, s);
	assert_string_equal(s->lead, "housing");
	assert_non_null(strstr(s->timeline[s->ntimeline - 1].summary, "lead is now housing"));
	assert_int_equal(s->nignored, 3);
	seq_free(q);
	free(s);
}

/* ---- bounds ------------------------------------------------------------- */

static void test_bounds(void **st)
{
	(void)st;
	seq *q = seq_new();
	lfh_osara_state *s = state_new(), *s2 = state_new();
	const lfh_osara_entry *last;
	char id[16];
	char big[LFH_OSARA_TEXT_MAX + 100];
	size_t i;

	case_to(q, LFH_OSARA_ANALYSIS);
	for (i = 0; i < LFH_OSARA_MAX_ACTIONS + 2; i++) {
		snprintf(id, sizeof id, "%08zx", i + 0x100);
		add(q, LFH_EV_ACTION, "police", T(5, i), "action", id, "agency", "police", "power",
		    "other", "text", "t", "due", "2024-02-01", "by", "PC", NULL);
	}
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nactions, LFH_OSARA_MAX_ACTIONS);
	assert_int_equal(s->nignored, 2);
	assert_non_null(strstr(s->timeline[s->ntimeline - 1].reason, "too many actions"));

	/* a long text is kept cut at a UTF-8 boundary (2-byte characters) */
	for (i = 0; i + 2 < sizeof big; i += 2) {
		big[i] = (char)0xc3;
		big[i + 1] = (char)0xa9;
	}
	big[i] = '\0';
	big[LFH_OSARA_TEXT_MAX + 1] = '\0'; /* 1024 bytes: a cut at 1023 falls mid-character */
	add(q, LFH_EV_OBJECTIVE, "police", T(6, 0), "text", big, "by", "PC", NULL);
	/* more events than the timeline holds */
	for (i = 0; i < 300; i++)
		add(q, LFH_EV_NOTE, "housing", T(7, i), "text", "n", "by", "HO", NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(strlen(s->objective), LFH_OSARA_TEXT_MAX - 1);
	assert_int_equal(s->nnotes, 300);
	assert_int_equal(s->ntimeline, LFH_OSARA_MAX_TIMELINE);
	assert_int_equal(s->timeline_omitted, q->n - (LFH_OSARA_MAX_TIMELINE - 1));
	last = &s->timeline[LFH_OSARA_MAX_TIMELINE - 1];
	assert_true(last->ignored);
	assert_non_null(strstr(last->reason, "later events not listed"));
	assert_string_equal(last->type_name, "overflow");
	/* still deterministic */
	shuffle(q->ev, q->n);
	project(q, q->n, NULL, 0, s2);
	assert_true(lfh_osara_state_equal(s, s2));

	/* bad arguments */
	assert_int_equal(lfh_osara_project(NULL, 3, NULL, 0, s, NULL), LFH_EINVAL);
	{
		static const char *const badp[] = { "Not Valid" };
		assert_int_equal(lfh_osara_project(q->ev, 0, badp, 1, s, NULL), LFH_EINVAL);
	}
	assert_int_equal(lfh_osara_project(NULL, 0, NULL, 0, s, NULL), 0);
	assert_int_equal(s->stage, LFH_OSARA_NONE);
	seq_free(q);
	free(s);
	free(s2);
}

/*
 * Past a full timeline: the events not applied are listed with why (the
 * views flag them as the timeline flags the others); applied ones are not;
 * the state is the one lfh_osara_project gives.
 */
static void test_late_verdicts(void **state)
{
	seq *q = seq_new();
	lfh_osara_state *s = state_new(), *s2 = state_new();
	lfh_osara_late *late = NULL;
	size_t nlate = 9;
	lfh_err err = { 0 };
	uint8_t close_id[LFH_ID_LEN], amend_id[LFH_ID_LEN], note_id[LFH_ID_LEN];
	char hex[2 * LFH_ID_LEN + 1];

	(void)state;
	case_to(q, LFH_OSARA_ASSESSED);
	assert_int_equal(lfh_osara_project_late(q->ev, q->n, NULL, 0, s, &late, &nlate, &err), 0);
	assert_null(late);
	assert_int_equal(nlate, 0);
	for (int i = 0; i < 300; i++)
		add(q, LFH_EV_NOTE, "housing", T(7, i), "text", "n", "by", "HO", NULL);
	memcpy(note_id, q->ev[q->n - 1].id, LFH_ID_LEN);
	/* closing with no proposal: not applied, past the timeline */
	memcpy(close_id, add(q, LFH_EV_CLOSE, "housing", T(8, 0), "reason", "x", "by", "HO",
			     NULL)->id, LFH_ID_LEN);
	/* amending an entry past the timeline: no such entry to amend */
	for (size_t i = 0; i < LFH_ID_LEN; i++)
		sprintf(hex + 2 * i, "%02x", note_id[i]);
	memcpy(amend_id, add(q, LFH_EV_AMEND, "housing", T(8, 1), "event", hex, "text", "m",
			     "by", "HO", NULL)->id, LFH_ID_LEN);
	add(q, LFH_EV_NOTE, "housing", T(8, 2), "text", "fine", "by", "HO", NULL);

	assert_int_equal(lfh_osara_project_late(q->ev, q->n, NULL, 0, s, &late, &nlate, &err), 0);
	assert_true(s->timeline_omitted > 3);
	assert_int_equal(nlate, 2);
	assert_memory_equal(late[0].id, close_id, LFH_ID_LEN);
	assert_non_null(strstr(late[0].reason, "clos"));
	assert_memory_equal(late[1].id, amend_id, LFH_ID_LEN);
	assert_non_null(strstr(late[1].reason, "among the first 255 entries"));
	project(q, q->n, NULL, 0, s2);
	assert_true(lfh_osara_state_equal(s, s2));
	free(late);
	seq_free(q);
	free(s);
	free(s2);
}

/* Unreadable events are listed and skipped; KEY events are not listed. */
static void test_unreadable(void **st)
{
	(void)st;
	seq *q = seq_new();
	lfh_osara_state *s = state_new();

	case_to(q, LFH_OSARA_SCANNING);
	add_unreadable(q, LFH_EV_MEETING, "police", T(3, 0), NULL);
	add(q, LFH_EV_KEY, "police", T(3, 1), NULL);
	add(q, LFH_EV_ACTION, "police", T(4, 0), "action", "a0000001", "agency", "housing",
	    "power", "tenancy-warning", "text", "warn", "due", "2024-02-01", "by", "PC", NULL);
	project(q, q->n, NULL, 0, s);
	assert_int_equal(s->nunreadable, 1);
	assert_int_equal(s->ntimeline, q->n - 1);
	assert_true(s->timeline[4].unreadable);
	assert_false(s->timeline[4].ignored);
	assert_string_equal(s->timeline[4].type_name, "meeting");
	/* this node could not read the meeting, so the action is out of order here */
	assert_true(s->timeline[5].ignored);
	assert_int_equal(s->stage, LFH_OSARA_SCANNING);
	seq_free(q);
	free(s);
}

/*
 * A projection into a state that held anything else (the listings reuse one
 * state for every case; lfh_osara_init clears only counts and scalars) is
 * the projection into a zeroed one: every slot an event takes is cleared.
 * So is a copy (lfh_osara_copy: only the slots in use) over anything else.
 */
static void project_into_garbage(const seq *q)
{
	lfh_osara_state *fresh = state_new(), *used = state_new(), *copy = state_new();

	project(q, q->n, NULL, 0, fresh);
	memset(used, 0xa5, sizeof *used);
	project(q, q->n, NULL, 0, used);
	assert_true(lfh_osara_state_equal(fresh, used));
	memset(copy, 0x5a, sizeof *copy);
	lfh_osara_copy(copy, used);
	assert_true(lfh_osara_state_equal(fresh, copy));
	free(fresh);
	free(used);
	free(copy);
}

static void test_reused_state(void **st)
{
	lfh_osara_event *agree_last = NULL;
	seq *q[5];
	char id[16];

	(void)st;
	for (int i = 0; i < 5; i++)
		q[i] = seq_new();
	build_example1(q[0]);
	build_example2(q[1], &agree_last);
	build_example3(q[2]);
	case_to(q[3], LFH_OSARA_CLOSED);
	case_to(q[4], LFH_OSARA_ANALYSIS); /* full arrays: the overflow slot too */
	for (size_t i = 0; i < LFH_OSARA_MAX_ACTIONS + 2; i++) {
		snprintf(id, sizeof id, "%08zx", i + 0x100);
		add(q[4], LFH_EV_ACTION, "police", T(5, i), "action", id, "agency", "police", "power",
		    "other", "text", "t", "due", "2024-02-01", "by", "PC", NULL);
	}
	for (size_t i = 0; i < 300; i++)
		add(q[4], LFH_EV_NOTE, "housing", T(7, i), "text", "n", "by", "HO", NULL);
	for (int i = 0; i < 5; i++) {
		project_into_garbage(q[i]);
		seq_free(q[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example1),
		cmocka_unit_test(test_example2),
		cmocka_unit_test(test_example3),
		cmocka_unit_test(test_permutations),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_partition),
		cmocka_unit_test(test_lead_change),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_late_verdicts),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_reused_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
