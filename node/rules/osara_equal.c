/*
 * osara_equal.c - lfh_osara_state_equal (include/lfh/osara.h): two
 * projected states field for field, the slots of each array only below its
 * count. Part of the osara module, with osara.c (the projection),
 * osara_rules.c (the rules) and osara_due.c (what is due).
 */
#include <stdint.h>
#include <string.h>

#include "lfh/osara.h"

#define EQ_U(f)                 \
	do {                    \
		if (a->f != b->f) \
			return 0; \
	} while (0)
#define EQ_S(f)                          \
	do {                             \
		if (strcmp(a->f, b->f)) \
			return 0;        \
	} while (0)
#define EQ_M(f)                                       \
	do {                                          \
		if (memcmp(a->f, b->f, sizeof a->f)) \
			return 0;                     \
	} while (0)

static int meeting_equal(const lfh_osara_meeting *a, const lfh_osara_meeting *b)
{
	EQ_U(hlc);
	EQ_S(author);
	EQ_S(by);
	EQ_S(date);
	EQ_S(attendees);
	EQ_S(victim);
	EQ_S(offender);
	EQ_S(location);
	EQ_S(responses);
	return 1;
}

static int action_equal(const lfh_osara_action *a, const lfh_osara_action *b)
{
	EQ_S(id);
	EQ_S(agency);
	EQ_S(power);
	EQ_S(text);
	EQ_S(due);
	EQ_S(status);
	EQ_S(signpost);
	EQ_S(for_team);
	EQ_S(author);
	EQ_S(by);
	EQ_S(team);
	EQ_U(on_ms);
	EQ_S(resume);
	EQ_S(refusal);
	EQ_S(who);
	EQ_U(outcome_ms);
	EQ_U(created_hlc);
	EQ_U(updated_hlc);
	EQ_U(nupdates);
	EQ_S(last_update);
	return 1;
}

static int review_equal(const lfh_osara_review *a, const lfh_osara_review *b)
{
	EQ_U(hlc);
	EQ_S(author);
	EQ_S(by);
	EQ_S(kind);
	EQ_S(outcome);
	EQ_S(text);
	return 1;
}

static int proposal_equal(const lfh_osara_proposal *a, const lfh_osara_proposal *b)
{
	EQ_M(id);
	EQ_U(hlc);
	EQ_S(lead);
	EQ_S(proposer);
	EQ_U(decided);
	EQ_U(nagreed);
	for (uint32_t i = 0; i < a->nagreed; i++)
		EQ_S(agreed[i]);
	return 1;
}

static int entry_equal(const lfh_osara_entry *a, const lfh_osara_entry *b)
{
	EQ_U(hlc);
	EQ_U(seq);
	EQ_M(id);
	EQ_U(type);
	EQ_S(type_name);
	EQ_S(author);
	EQ_S(by);
	EQ_S(team);
	EQ_U(on_ms);
	EQ_S(on);
	EQ_S(summary);
	EQ_S(amended);
	EQ_S(amended_by);
	EQ_U(amended_hlc);
	EQ_U(redacted);
	EQ_S(redact_reason);
	EQ_U(ignored);
	EQ_U(unreadable);
	EQ_S(reason);
	return 1;
}

int lfh_osara_state_equal(const lfh_osara_state *a, const lfh_osara_state *b)
{
	if (a == b)
		return 1;
	if (!a || !b)
		return 0;
	EQ_U(stage);
	EQ_U(prev_stage);
	EQ_S(lead);
	EQ_U(lead_hlc);
	EQ_U(nleads_before);
	for (uint32_t i = 0; i < a->nleads_before; i++) {
		EQ_S(leads_before[i].agency);
		EQ_U(leads_before[i].until);
	}
	EQ_U(nparticipants);
	for (uint32_t i = 0; i < a->nparticipants; i++)
		EQ_S(participants[i]);
	EQ_U(referral_hlc);
	EQ_U(referral_on_ms);
	EQ_S(referral_author);
	EQ_S(referral_by);
	EQ_S(summary);
	EQ_S(location);
	EQ_S(subject);
	EQ_S(asb_category);
	EQ_S(referral_risk);
	EQ_S(rereferral_of);
	EQ_S(ref);
	EQ_U(referral_redacted);
	EQ_U(risk_assessed);
	EQ_S(risk_level);
	EQ_U(risk_score);
	EQ_S(risk_answers);
	EQ_S(risk_override);
	EQ_U(risk_hlc);
	for (int i = 0; i < 3; i++)
		if (a->risk_meeting_days[i] != b->risk_meeting_days[i] ||
		    a->risk_review_days[i] != b->risk_review_days[i])
			return 0;
	EQ_S(objective);
	EQ_U(objective_hlc);
	EQ_S(scanning);
	EQ_U(scanning_hlc);
	EQ_U(nmeetings);
	for (uint32_t i = 0; i < a->nmeetings; i++)
		if (!meeting_equal(&a->meetings[i], &b->meetings[i]))
			return 0;
	EQ_U(nactions);
	for (uint32_t i = 0; i < a->nactions; i++)
		if (!action_equal(&a->actions[i], &b->actions[i]))
			return 0;
	EQ_U(assessed);
	EQ_S(plan_done);
	EQ_S(problem_stopped);
	EQ_S(assessment);
	EQ_U(assessment_hlc);
	EQ_U(nreviews);
	for (uint32_t i = 0; i < a->nreviews; i++)
		if (!review_equal(&a->reviews[i], &b->reviews[i]))
			return 0;
	EQ_U(last_review_hlc);
	EQ_U(last_review_on_ms);
	EQ_U(closure_proposed_hlc);
	EQ_S(closure_reason);
	EQ_U(closure_review_hlc);
	EQ_U(closed_hlc);
	EQ_S(close_reason);
	EQ_U(nproposals);
	for (uint32_t i = 0; i < a->nproposals; i++)
		if (!proposal_equal(&a->proposals[i], &b->proposals[i]))
			return 0;
	EQ_U(nnotes);
	EQ_U(nreopened);
	EQ_U(namended);
	EQ_U(nredacted);
	EQ_U(nequality);
	EQ_S(equality_consent);
	EQ_U(nignored);
	EQ_U(nunreadable);
	EQ_U(ntimeline);
	EQ_U(timeline_omitted);
	for (uint32_t i = 0; i < a->ntimeline; i++)
		if (!entry_equal(&a->timeline[i], &b->timeline[i]))
			return 0;
	return 1;
}
