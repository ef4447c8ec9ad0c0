/*
 * osara.c - the OSARA case projection (see include/lfh/osara.h). Pure: no
 * I/O, no store, no sockets; the only allocation is the sort order.
 *
 * Projection rules - every node that holds the same readable events computes
 * the same state, because:
 *
 *  1. Order. Events are applied in (hlc, author, seq, id) order (hlc first,
 *     then author bytes, seq, id bytes), whatever order the caller passed;
 *     the caller's array is never reordered (we sort an array of pointers).
 *     An id seen twice is applied once. KEY, ISA_PROPOSE and ISA_SIGN are
 *     not case steps and are skipped without a timeline entry.
 *  2. Validation in place. Each event is validated against the state built
 *     from the events before it, with exactly the rules of lfh_osara_check
 *     (os_validate() in osara_rules.c is the single copy). A valid event
 *     updates the state; an invalid one is kept in the timeline with ignored = 1 and the
 *     reason and changes nothing else. So a step written out of order during
 *     a partition is flagged identically on every node rather than dropped
 *     by some and applied by others. An unreadable event (body NULL) is
 *     listed as unreadable and skipped.
 *  3. Stage machine: none -REFERRAL-> referred -RISK-> assessed -SCANNING->
 *     scanning -first MEETING-> analysis -first ACTION-> response
 *     -ASSESSMENT-> assessment -CLOSE_PROPOSE-> closure_proposed -CLOSE->
 *     closed. Later events of an already-passed step are recorded without
 *     moving the stage (e.g. another meeting, another action).
 *       - nothing before the REFERRAL; one REFERRAL per case;
 *       - after closed only NOTE and EQUALITY;
 *       - RISK any time before closed, latest wins; an override reason is
 *         required when the level differs from the score's level (0-9
 *         standard, 10-19 medium, >= 20 high);
 *       - OBJECTIVE any time after the referral, SCANNING from assessed on;
 *         latest wins for both;
 *       - MEETING needs >= scanning; ACTION needs >= analysis; ACTION_UPDATE
 *         needs a known action (last update in this order wins);
 *         ASSESSMENT needs >= 1 action;
 *       - REVIEW monthly needs >= assessed; REVIEW closure needs an open
 *         closure proposal: continue cancels it (stage returns to what it
 *         was before the proposal), close permits the CLOSE;
 *       - CLOSE_PROPOSE needs >= assessment and no open proposal; CLOSE
 *         needs an open proposal followed by a closure review with outcome
 *         close;
 *       - participants: initial list + referral author + JOIN agencies,
 *         minus LEAVE agencies.
 *         The lead is the referral author; a LEAD_PROPOSE (by a participant,
 *         naming another participant) takes effect at the LEAD_PROPOSE or
 *         LEAD_AGREE after which every current participant has agreed (the
 *         proposer counts as agreeing). Only participants may agree.
 *  4. Bounds. Full arrays make the event ignored ("too many actions ...").
 *     A full timeline keeps its first LFH_OSARA_MAX_TIMELINE - 1 entries and
 *     a final ignored marker counting the omitted ones; the state itself is
 *     still updated. Texts kept in the state are cut at a UTF-8 boundary.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/hlc.h"
#include "lfh/osara.h"
#include "osara_int.h"

/* ---- applying a valid step --------------------------------------------- */

static void add_participant(lfh_osara_state *s, const char *agency)
{
	if (os_find_participant(s, agency) < 0 && s->nparticipants < LFH_OSARA_MAX_PARTICIPANTS)
		CPY(s->participants[s->nparticipants++], agency);
}

static void remove_participant(lfh_osara_state *s, const char *agency)
{
	int i = os_find_participant(s, agency);
	if (i < 0)
		return;
	for (size_t j = (size_t)i; j + 1 < s->nparticipants; j++)
		memcpy(s->participants[j], s->participants[j + 1], sizeof s->participants[j]);
	s->nparticipants--;
}

/* Append to the timeline summary (if listed). */
static void note(lfh_osara_entry *e, const char *text)
{
	char buf[2 * (LFH_OSARA_LINE_MAX + 1)];
	if (!e)
		return;
	snprintf(buf, sizeof buf, "%s%s", e->summary, text);
	CPY(e->summary, buf);
}

/* If every participant has agreed to proposal p, the lead changes. */
static void lead_decide(lfh_osara_state *s, lfh_osara_proposal *p, uint64_t hlc,
			lfh_osara_entry *e)
{
	char buf[LFH_OSARA_LINE_MAX + 1];

	for (uint32_t i = 0; i < s->nparticipants; i++)
		if (!os_proposal_agreed(p, s->participants[i]))
			return;
	p->decided = 1;
	if (strcmp(s->lead, p->lead) != 0) { /* the lead it ends, for the rules (parties.c) */
		if (s->nleads_before == LFH_OSARA_MAX_LEADS) {
			memmove(&s->leads_before[0], &s->leads_before[1],
				(LFH_OSARA_MAX_LEADS - 1) * sizeof s->leads_before[0]);
			s->nleads_before--;
		}
		CPY(s->leads_before[s->nleads_before].agency, s->lead);
		s->leads_before[s->nleads_before++].until = hlc;
	}
	CPY(s->lead, p->lead);
	s->lead_hlc = hlc;
	snprintf(buf, sizeof buf, "; all agreed, lead is now %s", p->lead);
	note(e, buf);
}

/* The timeline entry an AMEND or REDACT names (64 hex, validated). */
static lfh_osara_entry *entry_of(lfh_osara_state *s, const char *hex)
{
	uint8_t id[LFH_ID_LEN];

	os_hex_to_id(hex, id);
	for (uint32_t i = 0; i < s->ntimeline; i++)
		if (!memcmp(s->timeline[i].id, id, LFH_ID_LEN) && !s->timeline[i].ignored)
			return &s->timeline[i];
	return NULL;
}

/*
 * A redacted entry is out of every view, so the state forgets the text it
 * contributed (names, places, what was said) and keeps its structure (a
 * meeting's date, an action's status), which later steps were judged on.
 * An entry is known by its HLC; text a later step has replaced stays.
 */
static void forget_redacted(lfh_osara_state *s, const lfh_osara_entry *t)
{
	switch (t->type) {
	case LFH_EV_REFERRAL:
		s->referral_redacted = 1;
		s->summary[0] = s->location[0] = s->subject[0] = '\0';
		break;
	case LFH_EV_OBJECTIVE:
		if (s->objective_hlc == t->hlc)
			s->objective[0] = '\0';
		break;
	case LFH_EV_SCANNING:
		if (s->scanning_hlc == t->hlc)
			s->scanning[0] = '\0';
		break;
	case LFH_EV_ASSESSMENT:
		if (s->assessment_hlc == t->hlc)
			s->assessment[0] = '\0';
		break;
	case LFH_EV_CLOSE_PROPOSE:
		if (s->closure_proposed_hlc == t->hlc)
			s->closure_reason[0] = '\0';
		break;
	}
	for (uint32_t i = 0; i < s->nmeetings; i++)
		if (t->type == LFH_EV_MEETING && s->meetings[i].hlc == t->hlc) {
			lfh_osara_meeting *m = &s->meetings[i];
			m->victim[0] = m->offender[0] = m->location[0] = m->responses[0] = '\0';
		}
	for (uint32_t i = 0; i < s->nactions; i++) {
		lfh_osara_action *a = &s->actions[i];
		if (t->type == LFH_EV_ACTION && a->created_hlc == t->hlc)
			a->text[0] = '\0';
		if (t->type == LFH_EV_ACTION_UPDATE && a->updated_hlc == t->hlc)
			a->last_update[0] = a->who[0] = '\0';
	}
	for (uint32_t i = 0; i < s->nreviews; i++)
		if (t->type == LFH_EV_REVIEW && s->reviews[i].hlc == t->hlc)
			s->reviews[i].text[0] = '\0';
}

static void apply(lfh_osara_state *s, const lfh_osara_event *ev, const char *author,
		  const lfh_record *b, lfh_osara_entry *e)
{
	const char *by = lfh_record_str(b, "by");

	switch (ev->type) {
	case LFH_EV_REFERRAL:
		s->stage = LFH_OSARA_REFERRED;
		s->referral_hlc = ev->hlc;
		s->referral_on_ms = os_on_ms(b, ev->hlc);
		CPY(s->referral_author, author);
		CPY(s->referral_by, by);
		CPY(s->summary, lfh_record_str(b, "summary"));
		CPY(s->location, lfh_record_str(b, "location"));
		CPY(s->subject, lfh_record_str(b, "subject"));
		CPY(s->asb_category, lfh_record_str(b, "asb_category"));
		CPY(s->referral_risk, lfh_record_str(b, "risk"));
		CPY(s->risk_level, lfh_record_str(b, "risk"));
		CPY(s->rereferral_of, lfh_record_str(b, "rereferral_of"));
		CPY(s->ref, lfh_record_str(b, "ref"));
		CPY(s->lead, author);
		add_participant(s, author);
		break;
	case LFH_EV_NOTE:
		s->nnotes++;
		break;
	case LFH_EV_JOIN: {
		const char *agency = lfh_record_str(b, "agency");
		if (os_find_participant(s, agency) >= 0)
			note(e, " (already a participant)");
		add_participant(s, agency);
		break;
	}
	case LFH_EV_LEAVE:
		remove_participant(s, lfh_record_str(b, "agency"));
		break;
	case LFH_EV_CLOSE:
		s->stage = LFH_OSARA_CLOSED;
		s->closed_hlc = ev->hlc;
		CPY(s->close_reason, lfh_record_str(b, "reason"));
		break;
	case LFH_EV_RISK: {
		uint64_t score = 0;
		char why[WHY_MAX];
		os_get_score(b, &score, why);
		s->risk_assessed = 1;
		s->risk_score = score;
		CPY(s->risk_level, lfh_record_str(b, "level"));
		CPY(s->risk_answers, lfh_record_str(b, "answers"));
		CPY(s->risk_override, lfh_record_str(b, "override"));
		s->risk_hlc = ev->hlc;
		{
			uint32_t th[2];
			os_risk_params(b, th, s->risk_meeting_days, s->risk_review_days, why);
		}
		if (s->stage == LFH_OSARA_REFERRED)
			s->stage = LFH_OSARA_ASSESSED;
		break;
	}
	case LFH_EV_OBJECTIVE:
		CPY(s->objective, lfh_record_str(b, "text"));
		s->objective_hlc = ev->hlc;
		break;
	case LFH_EV_SCANNING:
		CPY(s->scanning, lfh_record_str(b, "text"));
		s->scanning_hlc = ev->hlc;
		if (s->stage == LFH_OSARA_ASSESSED)
			s->stage = LFH_OSARA_SCANNING;
		break;
	case LFH_EV_MEETING: {
		lfh_osara_meeting *m = &s->meetings[s->nmeetings++];
		memset(m, 0, sizeof *m);
		m->hlc = ev->hlc;
		CPY(m->author, author);
		CPY(m->by, by);
		CPY(m->date, lfh_record_str(b, "date"));
		CPY(m->attendees, lfh_record_str(b, "attendees"));
		CPY(m->victim, lfh_record_str(b, "victim"));
		CPY(m->offender, lfh_record_str(b, "offender"));
		CPY(m->location, lfh_record_str(b, "location"));
		CPY(m->responses, lfh_record_str(b, "responses"));
		if (s->stage == LFH_OSARA_SCANNING)
			s->stage = LFH_OSARA_ANALYSIS;
		break;
	}
	case LFH_EV_ACTION: {
		lfh_osara_action *a = &s->actions[s->nactions++];
		const char *agency = lfh_record_str(b, "agency"), *signpost = lfh_record_str(b, "signpost");
		memset(a, 0, sizeof *a);
		CPY(a->id, lfh_record_str(b, "action"));
		if (signpost && *signpost) { /* followed up by the lead */
			CPY(a->signpost, signpost);
			CPY(a->agency, s->lead);
		} else {
			CPY(a->agency, agency);
			if (!lfh_name_valid(agency)) /* written before signpost existed */
				CPY(a->signpost, agency);
		}
		CPY(a->for_team, lfh_record_str(b, "for_team"));
		CPY(a->team, lfh_record_str(b, "team"));
		a->on_ms = os_on_ms(b, ev->hlc);
		CPY(a->power, lfh_record_str(b, "power"));
		CPY(a->text, lfh_record_str(b, "text"));
		CPY(a->due, lfh_record_str(b, "due"));
		CPY(a->status, "open");
		CPY(a->author, author);
		CPY(a->by, by);
		a->created_hlc = ev->hlc;
		if (s->stage == LFH_OSARA_ANALYSIS)
			s->stage = LFH_OSARA_RESPONSE;
		break;
	}
	case LFH_EV_ACTION_UPDATE: {
		lfh_osara_action *a = &s->actions[os_find_action(s, lfh_record_str(b, "action"))];
		const char *status = lfh_record_str(b, "status");
		CPY(a->status, status);
		CPY(a->last_update, lfh_record_str(b, "text"));
		CPY(a->resume, strcmp(status, "paused") ? "" : lfh_record_str(b, "resume"));
		CPY(a->refusal, strcmp(status, "refused") ? "" : lfh_record_str(b, "refusal") ?
			lfh_record_str(b, "refusal") : "refused");
		CPY(a->who, strcmp(status, "refused") ? "" : lfh_record_str(b, "who"));
		a->outcome_ms = os_on_ms(b, ev->hlc);
		a->updated_hlc = ev->hlc;
		a->nupdates++;
		break;
	}
	case LFH_EV_ASSESSMENT:
		s->assessed = 1;
		CPY(s->plan_done, lfh_record_str(b, "plan_done"));
		CPY(s->problem_stopped, lfh_record_str(b, "problem_stopped"));
		CPY(s->assessment, lfh_record_str(b, "text"));
		s->assessment_hlc = ev->hlc;
		if (s->stage == LFH_OSARA_RESPONSE)
			s->stage = LFH_OSARA_ASSESSMENT;
		break;
	case LFH_EV_REVIEW: {
		lfh_osara_review *r = &s->reviews[s->nreviews++];
		memset(r, 0, sizeof *r);
		r->hlc = ev->hlc;
		CPY(r->author, author);
		CPY(r->by, by);
		CPY(r->kind, lfh_record_str(b, "kind"));
		CPY(r->outcome, lfh_record_str(b, "outcome"));
		CPY(r->text, lfh_record_str(b, "text"));
		s->last_review_hlc = ev->hlc;
		{ /* the latest it happened, whatever order they were recorded in */
			uint64_t on = os_on_ms(b, ev->hlc);
			if (on > s->last_review_on_ms)
				s->last_review_on_ms = on;
		}
		if (strcmp(r->kind, "closure") == 0) {
			if (strcmp(r->outcome, "continue") == 0) {
				s->stage = s->prev_stage;
				s->prev_stage = LFH_OSARA_NONE;
				s->closure_proposed_hlc = 0;
				s->closure_review_hlc = 0;
				memset(s->closure_reason, 0, sizeof s->closure_reason);
				note(e, "; closure proposal withdrawn");
			} else {
				s->closure_review_hlc = ev->hlc;
			}
		}
		break;
	}
	case LFH_EV_CLOSE_PROPOSE:
		s->prev_stage = s->stage;
		s->stage = LFH_OSARA_CLOSURE_PROPOSED;
		s->closure_proposed_hlc = ev->hlc;
		s->closure_review_hlc = 0;
		CPY(s->closure_reason, lfh_record_str(b, "reason"));
		break;
	case LFH_EV_LEAD_PROPOSE: {
		lfh_osara_proposal *p = &s->proposals[s->nproposals++];
		memset(p, 0, sizeof *p);
		memcpy(p->id, ev->id, LFH_ID_LEN);
		p->hlc = ev->hlc;
		CPY(p->lead, lfh_record_str(b, "lead"));
		CPY(p->proposer, author);
		CPY(p->agreed[p->nagreed++], author);
		lead_decide(s, p, ev->hlc, e);
		break;
	}
	case LFH_EV_LEAD_AGREE: {
		uint8_t id[LFH_ID_LEN];
		lfh_osara_proposal *p;
		os_hex_to_id(lfh_record_str(b, "proposal"), id);
		p = &s->proposals[os_find_proposal(s, id)];
		if (p->nagreed < LFH_OSARA_MAX_PARTICIPANTS)
			CPY(p->agreed[p->nagreed++], author);
		lead_decide(s, p, ev->hlc, e);
		break;
	}
	case LFH_EV_EQUALITY:
		s->nequality++;
		CPY(s->equality_consent, lfh_record_str(b, "consent"));
		break;
	case LFH_EV_AMEND:
	case LFH_EV_REDACT: {
		lfh_osara_entry *t = entry_of(s, lfh_record_str(b, "event"));
		if (!t) /* validated: only the timeline's own marker slot could hide it */
			break;
		if (ev->type == LFH_EV_AMEND) {
			CPY(t->amended, lfh_record_str(b, "text"));
			CPY(t->amended_by, by);
			t->amended_hlc = ev->hlc;
			s->namended++;
		} else {
			t->redacted = 1;
			CPY(t->redact_reason, lfh_record_str(b, "reason"));
			t->summary[0] = t->amended[0] = '\0'; /* its line and its correction */
			s->nredacted++;
			forget_redacted(s, t);
		}
		break;
	}
	case LFH_EV_ATTACH:
		s->nattached++;
		break;
	case LFH_EV_REOPEN:
		s->stage = s->prev_stage > LFH_OSARA_REFERRED ? s->prev_stage : LFH_OSARA_ASSESSMENT;
		s->prev_stage = LFH_OSARA_NONE;
		s->closed_hlc = 0;
		s->closure_proposed_hlc = 0;
		s->closure_review_hlc = 0;
		memset(s->close_reason, 0, sizeof s->close_reason);
		memset(s->closure_reason, 0, sizeof s->closure_reason);
		s->nreopened++;
		break;
	}
}

/* One line describing the step, from its body alone. */
static void summarise(uint32_t type, const lfh_record *b, char *out, size_t size)
{
	char buf[640];
#define F(k) (lfh_record_str(b, (k)) ? lfh_record_str(b, (k)) : "")
	switch (type) {
	case LFH_EV_REFERRAL:
		snprintf(buf, sizeof buf, "referral (%.40s, risk %.12s): %.200s", F("asb_category"),
			 F("risk"), F("summary"));
		break;
	case LFH_EV_NOTE:
		snprintf(buf, sizeof buf, "note: %.200s", F("text"));
		break;
	case LFH_EV_JOIN:
		snprintf(buf, sizeof buf, "%.40s joins the case", F("agency"));
		break;
	case LFH_EV_LEAVE:
		snprintf(buf, sizeof buf, "%.40s no longer takes part: %.200s", F("agency"), F("reason"));
		break;
	case LFH_EV_CLOSE:
		snprintf(buf, sizeof buf, "case closed: %.200s", F("reason"));
		break;
	case LFH_EV_RISK: {
		uint64_t score = 0;
		char why[WHY_MAX];
		os_get_score(b, &score, why);
		snprintf(buf, sizeof buf, "risk %.12s (score %" PRIu64 ")%s%.200s", F("level"), score,
			 *F("override") ? ", override: " : "", F("override"));
		break;
	}
	case LFH_EV_OBJECTIVE:
		snprintf(buf, sizeof buf, "objective: %.200s", F("text"));
		break;
	case LFH_EV_SCANNING:
		snprintf(buf, sizeof buf, "scanning: %.200s", F("text"));
		break;
	case LFH_EV_MEETING:
		snprintf(buf, sizeof buf, "case meeting %.10s (%.200s)", F("date"), F("attendees"));
		break;
	case LFH_EV_ACTION:
		if (*F("signpost"))
			snprintf(buf, sizeof buf, "action %.8s: signposted to %.40s [%.24s] due %.10s: "
				 "%.200s", F("action"), F("signpost"), F("power"), F("due"), F("text"));
		else
			snprintf(buf, sizeof buf, "action %.8s: %.40s%s%.40s [%.24s] due %.10s: %.200s",
				 F("action"), F("agency"), *F("for_team") ? "/" : "", F("for_team"),
				 F("power"), F("due"), F("text"));
		break;
	case LFH_EV_ACTION_UPDATE:
		if (!strcmp(F("status"), "paused"))
			snprintf(buf, sizeof buf, "action %.8s paused until %.10s: %.200s", F("action"),
				 F("resume"), F("text"));
		else if (!strcmp(F("status"), "refused"))
			snprintf(buf, sizeof buf, "action %.8s %s%s%.60s: %.200s", F("action"),
				 !strcmp(F("refusal"), "not-engaged") ? "offered, not engaged with"
								       : "offered and refused",
				 *F("who") ? " by " : "", F("who"), F("text"));
		else if (!strcmp(F("status"), "carried"))
			snprintf(buf, sizeof buf, "action %.8s carried over: %.200s", F("action"),
				 F("text"));
		else
			snprintf(buf, sizeof buf, "action %.8s %.12s: %.200s", F("action"), F("status"),
				 F("text"));
		break;
	case LFH_EV_ASSESSMENT:
		snprintf(buf, sizeof buf, "assessment: plan done %.8s, problem stopped %.8s",
			 F("plan_done"), F("problem_stopped"));
		break;
	case LFH_EV_REVIEW:
		snprintf(buf, sizeof buf, "%.8s review: %.10s", F("kind"), F("outcome"));
		break;
	case LFH_EV_CLOSE_PROPOSE:
		snprintf(buf, sizeof buf, "closure proposed: %.200s", F("reason"));
		break;
	case LFH_EV_LEAD_PROPOSE:
		snprintf(buf, sizeof buf, "proposes %.40s as lead agency", F("lead"));
		break;
	case LFH_EV_LEAD_AGREE:
		snprintf(buf, sizeof buf, "agrees to lead proposal %.8s", F("proposal"));
		break;
	case LFH_EV_EQUALITY:
		snprintf(buf, sizeof buf, "equality note (consent %.12s)", F("consent"));
		break;
	case LFH_EV_AMEND:
		snprintf(buf, sizeof buf, "amends %.12s: %.200s", F("event"), F("text"));
		break;
	case LFH_EV_REDACT:
		snprintf(buf, sizeof buf, "redacts %.12s: %.200s", F("event"), F("reason"));
		break;
	case LFH_EV_REOPEN:
		snprintf(buf, sizeof buf, "case reopened: %.200s", F("reason"));
		break;
	case LFH_EV_ATTACH: {
		uint64_t size = 0;
		char sz[32];
		lfh_record_uint(b, "size", &size);
		lfh_osara_size_text(size, sz);
		snprintf(buf, sizeof buf, "attached %.255s (%s)%s%.200s", F("name"), sz,
			 *F("text") ? ": " : "", F("text"));
		break;
	}
	default:
		snprintf(buf, sizeof buf, "%s event", lfh_osara_type_name(type));
		break;
	}
#undef F
	os_cpy(out, size, buf);
}

/* The next timeline slot, or NULL (and the marker updated) when full. */
static lfh_osara_entry *timeline_add(lfh_osara_state *s, const lfh_osara_event *ev)
{
	lfh_osara_entry *e;
	uint64_t on;
	int dated;

	if (s->ntimeline < LFH_OSARA_MAX_TIMELINE - 1) {
		e = &s->timeline[s->ntimeline++];
		memset(e, 0, sizeof *e);
		e->hlc = ev->hlc;
		e->on_ms = os_on_ms(ev->body, ev->hlc);
		if (ev->body && lfh_osara_on_ms(lfh_record_str(ev->body, "on"), &on, &dated) == 0)
			CPY(e->on, lfh_record_str(ev->body, "on"));
		e->seq = ev->seq;
		memcpy(e->id, ev->id, LFH_ID_LEN);
		e->type = ev->type;
		CPY(e->type_name, lfh_osara_type_name(ev->type));
		os_cpy(e->author, sizeof e->author, "");
		memcpy(e->author, ev->author, strnlen(ev->author, LFH_AGENCY_MAX));
		return e;
	}
	e = &s->timeline[LFH_OSARA_MAX_TIMELINE - 1];
	s->ntimeline = LFH_OSARA_MAX_TIMELINE;
	s->timeline_omitted++;
	memset(e, 0, sizeof *e);
	e->hlc = ev->hlc;
	e->ignored = 1;
	CPY(e->type_name, "overflow");
	snprintf(e->summary, sizeof e->summary, "timeline full (max %d entries)",
		 LFH_OSARA_MAX_TIMELINE);
	snprintf(e->reason, sizeof e->reason, "%" PRIu32 " later events not listed",
		 s->timeline_omitted);
	return NULL;
}

/* Where a projection puts the events past a full timeline that were not applied. */
typedef struct late_list {
	lfh_osara_late *v;
	size_t n, cap;
	int nomem;
} late_list;

static void late_add(late_list *l, const uint8_t id[LFH_ID_LEN], const char *why)
{
	if (!l || l->nomem)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		lfh_osara_late *v = realloc(l->v, cap * sizeof *v);
		if (!v) {
			l->nomem = 1;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	memcpy(l->v[l->n].id, id, LFH_ID_LEN);
	os_cpy(l->v[l->n].reason, sizeof l->v[l->n].reason, why);
	l->n++;
}

/* Judge and apply one event; one past a full timeline that is not applied goes to late. */
static void step(lfh_osara_state *s, const lfh_osara_event *ev, late_list *late)
{
	char author[LFH_AGENCY_MAX + 1] = { 0 }, why[WHY_MAX];
	lfh_osara_entry *e;

	if (ev->type == LFH_EV_KEY || ev->type == LFH_EV_CHUNK || lfh_event_type_hub_wide(ev->type))
		return; /* not case steps: a CHUNK is part of an ATTACH's file */
	memcpy(author, ev->author, strnlen(ev->author, LFH_AGENCY_MAX));
	e = timeline_add(s, ev);
	if (!ev->body) {
		s->nunreadable++;
		if (e) {
			e->unreadable = 1;
			CPY(e->summary, "not readable at this node");
		}
		return;
	}
	if (e) {
		CPY(e->by, lfh_record_str(ev->body, "by"));
		CPY(e->team, lfh_record_str(ev->body, "team"));
		summarise(ev->type, ev->body, e->summary, sizeof e->summary);
	}
	if (os_validate(s, ev->type, author, ev->body, ev->hlc, why)) {
		s->nignored++;
		if (e) {
			e->ignored = 1;
			CPY(e->reason, why);
		} else {
			late_add(late, ev->id, why);
		}
		return;
	}
	apply(s, ev, author, ev->body, e);
}

/* ---- projection -------------------------------------------------------- */

static int ev_cmp(const void *pa, const void *pb)
{
	const lfh_osara_event *a = *(const lfh_osara_event *const *)pa;
	const lfh_osara_event *b = *(const lfh_osara_event *const *)pb;
	int c;

	if (a->hlc != b->hlc)
		return a->hlc < b->hlc ? -1 : 1;
	if ((c = strncmp(a->author, b->author, sizeof a->author)))
		return c;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	if ((c = memcmp(a->id, b->id, LFH_ID_LEN)))
		return c;
	/* the same event twice: a readable copy first */
	return (a->body == NULL) - (b->body == NULL);
}

/*
 * The five large arrays (nine tenths of the state's 600 KB), in the order
 * of their offsets: a slot of those is only read below its count, and is
 * cleared when an event takes it, so a projection costs what its events
 * cost, not a clearing of the whole state (the listings project one case
 * after another), and a copy costs the slots in use.
 */
#define SLOTS(f, n) { offsetof(lfh_osara_state, f), sizeof(((lfh_osara_state *)0)->f), \
		      sizeof(((lfh_osara_state *)0)->f[0]), offsetof(lfh_osara_state, n) }
static const struct slots {
	size_t at, len, one, count_at;
} big[] = { SLOTS(meetings, nmeetings), SLOTS(actions, nactions), SLOTS(reviews, nreviews),
	    SLOTS(proposals, nproposals), SLOTS(timeline, ntimeline) };
#undef SLOTS
_Static_assert(sizeof(((lfh_osara_state *)0)->nmeetings) == 4 &&
		       sizeof(((lfh_osara_state *)0)->nactions) == 4 &&
		       sizeof(((lfh_osara_state *)0)->nreviews) == 4 &&
		       sizeof(((lfh_osara_state *)0)->nproposals) == 4 &&
		       sizeof(((lfh_osara_state *)0)->ntimeline) == 4,
	       "the slot counts are uint32_t");

void lfh_osara_init(lfh_osara_state *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t from = 0;

	for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
		memset(p + from, 0, big[i].at - from);
		from = big[i].at + big[i].len;
	}
	memset(p + from, 0, sizeof *s - from);
}

void lfh_osara_copy(lfh_osara_state *dst, const lfh_osara_state *src)
{
	unsigned char *d = (unsigned char *)dst;
	const unsigned char *p = (const unsigned char *)src;
	size_t from = 0;

	for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
		size_t max = big[i].len / big[i].one;
		uint32_t n;
		memcpy(d + from, p + from, big[i].at - from);
		memcpy(&n, p + big[i].count_at, sizeof n);
		memcpy(d + big[i].at, p + big[i].at, (n < max ? n : max) * big[i].one);
		from = big[i].at + big[i].len;
	}
	memcpy(d + from, p + from, sizeof *src - from);
}

static int project(const lfh_osara_event *ev, size_t n, const char *const *initial_participants,
		   size_t np, lfh_osara_state *out, late_list *late, lfh_err *err)
{
	const lfh_osara_event **ord = NULL;

	if (!out || (n && !ev) || (np && !initial_participants))
		return lfh_err_set(err, LFH_EINVAL, "osara: bad arguments");
	lfh_osara_init(out);
	for (size_t i = 0; i < np; i++) {
		if (!lfh_name_valid(initial_participants[i]))
			return lfh_err_set(err, LFH_EINVAL, "osara: invalid participant agency id");
		if (os_find_participant(out, initial_participants[i]) < 0 &&
		    out->nparticipants == LFH_OSARA_MAX_PARTICIPANTS)
			return lfh_err_set(err, LFH_EINVAL, "osara: too many participants (max %d)",
					   LFH_OSARA_MAX_PARTICIPANTS);
		add_participant(out, initial_participants[i]);
	}
	if (n == 0)
		return 0;
	if (n > SIZE_MAX / sizeof *ord)
		return lfh_err_set(err, LFH_EINVAL, "osara: too many events");
	if (!(ord = malloc(n * sizeof *ord)))
		return lfh_err_set(err, LFH_ENOMEM, "osara: out of memory");
	for (size_t i = 0; i < n; i++)
		ord[i] = &ev[i];
	qsort(ord, n, sizeof *ord, ev_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && memcmp(ord[i]->id, ord[i - 1]->id, LFH_ID_LEN) == 0 &&
		    ord[i]->hlc == ord[i - 1]->hlc)
			continue; /* duplicate */
		step(out, ord[i], late);
	}
	free(ord);
	return 0;
}

int lfh_osara_project(const lfh_osara_event *ev, size_t n,
		      const char *const *initial_participants, size_t np,
		      lfh_osara_state *out, lfh_err *err)
{
	return project(ev, n, initial_participants, np, out, NULL, err);
}

int lfh_osara_project_late(const lfh_osara_event *ev, size_t n,
			   const char *const *initial_participants, size_t np,
			   lfh_osara_state *out, lfh_osara_late **late, size_t *nlate,
			   lfh_err *err)
{
	late_list l = { 0 };
	int rc = project(ev, n, initial_participants, np, out, &l, err);

	if (!rc && l.nomem)
		rc = lfh_err_set(err, LFH_ENOMEM, "osara: out of memory");
	if (rc) {
		free(l.v);
		l.v = NULL;
		l.n = 0;
	}
	*late = l.v;
	*nlate = l.n;
	return rc;
}

int lfh_osara_append(lfh_osara_state *s, const lfh_osara_event *ev, lfh_err *err)
{
	if (!s || !ev)
		return lfh_err_set(err, LFH_EINVAL, "osara: bad arguments");
	step(s, ev, NULL);
	return 0;
}
