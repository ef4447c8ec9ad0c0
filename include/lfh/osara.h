/*
 * osara.h - the OSARA case projection: a pure function (no I/O, no store, no
 * sockets) from a case's decrypted events to its deterministic case state,
 * and the validation of a new step before it is written.
 *
 * Event bodies are lfh_record maps (record.h). Every step carries "by" (the
 * caseworker). Field sets, by type (all strings unless marked):
 *
 *   2  REFERRAL       summary location asb_category risk(standard|medium|high)
 *                     by; optional subject description rereferral_of (32 hex)
 *                     dob (the subject's date of birth, YYYY-MM-DD)
 *                     ref (the case's reference, lfh_osara_ref_valid: its
 *                     author's id in capitals, the year, a counter:
 *                     "POLICE-26-0042")
 *   3  NOTE           text by
 *   4  JOIN           agency by
 *   5  CLOSE          by; optional reason
 *   22 LEAVE          agency reason by: written by the lead agency only; the
 *                     agency (a participant, not the lead) stops taking part
 *   8  RISK           score(uint, or a decimal string) level(standard|medium|
 *                     high) answers("q=a;q=a") by; override(reason) required
 *                     when level differs from the score's level
 *                     (0-9 standard, 10-19 medium, >= 20 high by default);
 *                     optional, written by the node from its questionnaire
 *                     (risk.h): thresholds("MEDIUM,HIGH", used instead of
 *                     10,20), meeting_days and review_days ("S,M,H": the
 *                     first meeting and review intervals lfh_osara_due uses
 *                     after this RISK; defaults 28,14,7 and 30,30,30)
 *   9  OBJECTIVE      text by
 *   10 SCANNING       text by
 *   11 MEETING        date(YYYY-MM-DD) attendees("a,b") victim offender
 *                     location responses by
 *   12 ACTION         action(8 lowercase hex, unique in the case) power (see
 *                     lfh_osara_powers) text due(YYYY-MM-DD) by, and either
 *                     agency (a participant of the case at the ACTION's place
 *                     in the order) or signpost (an organisation outside the
 *                     hub; the lead follows it up: agency, if given, must be
 *                     the lead); optional for_team (the tasked agency's team).
 *                     An agency that is not a valid agency id (events before
 *                     signpost existed) reads as signposted to that name
 *   13 ACTION_UPDATE  action status(open|paused|done|cancelled|refused|
 *                     carried) text(the reason for paused, refused and
 *                     carried) by; paused needs resume(YYYY-MM-DD); refused
 *                     may carry refusal(refused|not-engaged, default refused)
 *                     and who (who refused); carried = carried over beyond
 *                     the case's closure
 *   14 ASSESSMENT     plan_done(yes|partly|no) problem_stopped(yes|partly|no)
 *                     text by
 *   15 REVIEW         kind(monthly|closure) outcome(continue|close) text by
 *   16 CLOSE_PROPOSE  reason by
 *   17 LEAD_PROPOSE   lead(agency id, a participant) by
 *   18 LEAD_AGREE     proposal(64 hex: event id of the LEAD_PROPOSE) by
 *   19 EQUALITY       text consent(given|refused|not-sought) by
 *   24 AMEND          event(64 hex: an entry of the case) text by: a correction
 *                     views show in place of the entry's text (the entry
 *                     stays); only by the agency that wrote the entry
 *   25 REDACT         event(64 hex) reason by: the entry is left out of views
 *                     and exports; only by the lead agency
 *   26 REOPEN         reason by (plaintext): the lead reopens a closed case
 *
 * Every step may also carry:
 *   on    when it happened, "YYYY-MM-DD" (that day) or "YYYY-MM-DDTHH:MMZ"
 *         (UTC); absent = when it was recorded (the event's HLC time). Not
 *         after the event's own stamp by more than LFH_OSARA_ON_AHEAD_MS
 *         (a day, for a date), so an entry cannot be dated in the future;
 *   team  the writer's team within its agency ([a-z0-9_-], 1..31 bytes).
 *
 * Required strings are non-empty; every string is <= LFH_VALUE_MAX bytes,
 * "by" and action agencies <= LFH_OSARA_NAME_MAX.
 *
 * PROJECTION RULES (what makes every node converge; node/rules/osara.c repeats
 * them). Events are applied in (hlc, author, seq, id) order whatever order
 * the caller passes them in; an id seen twice is applied once. KEY and ISA
 * events (1, 6, 7) are not case steps and are skipped. Each event is
 * validated against the state at its place in that order with exactly the
 * rules of lfh_osara_check; an invalid one is NOT dropped but listed in the
 * timeline with ignored = 1 and a reason, and leaves the state unchanged.
 * An event whose body is NULL (not readable at this node) is listed as
 * unreadable and skipped. Stage machine:
 *
 *   none -REFERRAL-> referred -RISK-> assessed -SCANNING-> scanning
 *   -first MEETING-> analysis -first ACTION-> response -ASSESSMENT->
 *   assessment -CLOSE_PROPOSE-> closure_proposed -CLOSE-> closed
 *
 *   - nothing is valid before the REFERRAL, and only one REFERRAL;
 *   - JOIN, LEAVE and CLOSE only by the lead; every other step only by an
 *     agency that takes part in the case at its place in the order (the
 *     receiver rules, PROTOCOL.md 7.3);
 *   - after closed only AMEND, REDACT and REOPEN are valid: a closed case
 *     takes no new work until the lead reopens it (REOPEN returns it to the
 *     stage before its closure was proposed);
 *   - AMEND and REDACT name an entry listed before them in the timeline
 *     (not a KEY, JOIN, LEAVE, CLOSE, REOPEN, AMEND or REDACT; not already
 *     redacted); an AMEND's author is that entry's author, a REDACT's the lead;
 *   - RISK: any stage before closed; the latest wins;
 *   - OBJECTIVE: any time after the referral; SCANNING needs >= assessed;
 *     latest wins for both;
 *   - MEETING needs >= scanning; ACTION needs >= analysis (a meeting agreed
 *     the responses) and goes to a participant or is signposted (tasking a
 *     hub agency that does not take part is invalid: "invite it first");
 *     ACTION_UPDATE needs a known action, last update wins;
 *     ASSESSMENT needs >= 1 action (latest wins);
 *   - REVIEW monthly needs >= assessed; REVIEW closure needs an open
 *     closure proposal: outcome continue cancels it (back to the stage
 *     before the proposal), outcome close allows the CLOSE;
 *   - CLOSE_PROPOSE needs >= assessment and no open proposal; CLOSE needs
 *     an open proposal with a closure review (outcome close) after it, and
 *     every action accounted for: done, cancelled, refused or carried (none
 *     open or paused);
 *   - participants = initial participants + referral author + JOIN
 *     agencies - LEAVE agencies (in event order); the lead is the referral author until a LEAD_PROPOSE (by a
 *     participant, naming a participant) has a LEAD_AGREE from every
 *     participant at the time of the last agreement (the proposer's
 *     proposal counts as its agreement);
 *   - a full array (actions, meetings, reviews, participants, proposals)
 *     makes the event ignored ("too many ..."); a full timeline keeps its
 *     first LFH_OSARA_MAX_TIMELINE - 1 entries and ends with one ignored
 *     marker entry counting the rest (the state is still updated; the rest
 *     are judged all the same, and lfh_osara_project_late lists those not
 *     applied, for views). An AMEND or REDACT can only name a listed entry.
 *
 * The state holds bounded copies of texts (cut at a UTF-8 boundary to the
 * array size); the events keep the full text.
 */
#ifndef LFH_OSARA_H
#define LFH_OSARA_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/record.h"

/* OSARA step types (1..7 are in event.h). All have encrypted bodies. */
enum lfh_osara_event_type {
	LFH_EV_RISK = 8,
	LFH_EV_OBJECTIVE = 9,
	LFH_EV_SCANNING = 10,
	LFH_EV_MEETING = 11,
	LFH_EV_ACTION = 12,
	LFH_EV_ACTION_UPDATE = 13,
	LFH_EV_ASSESSMENT = 14,
	LFH_EV_REVIEW = 15,
	LFH_EV_CLOSE_PROPOSE = 16,
	LFH_EV_LEAD_PROPOSE = 17,
	LFH_EV_LEAD_AGREE = 18,
	LFH_EV_EQUALITY = 19,
};
#define LFH_OSARA_TYPE_LAST 19
#define LFH_OSARA_MAX_LEADS 32 /* earlier leads a state keeps (parties.c keeps as many) */

enum lfh_osara_stage {
	LFH_OSARA_NONE = 0,
	LFH_OSARA_REFERRED,
	LFH_OSARA_ASSESSED,
	LFH_OSARA_SCANNING,
	LFH_OSARA_ANALYSIS,
	LFH_OSARA_RESPONSE,
	LFH_OSARA_ASSESSMENT,
	LFH_OSARA_CLOSURE_PROPOSED,
	LFH_OSARA_CLOSED,
};

#define LFH_OSARA_MAX_ACTIONS 128
#define LFH_OSARA_MAX_MEETINGS 64
#define LFH_OSARA_MAX_REVIEWS 64
#define LFH_OSARA_MAX_TIMELINE 256

/*
 * Attachments (PROTOCOL.md 5.5): an ATTACH step names a file whose bytes
 * travel in CHUNK events of LFH_ATTACH_CHUNK bytes (the last shorter),
 * written by the same agency just before it, under the same case and
 * category; CHUNKs are never case steps or timeline entries.
 */
#define LFH_ATTACH_MAX (25u * 1024u * 1024u) /* bytes of one attached file */
#define LFH_ATTACH_CHUNK 12288u                /* file bytes in one CHUNK (base64: 16 KiB) */
#define LFH_ATTACH_NAME_MAX 255
#define LFH_ATTACH_ID_HEX 16 /* "att": the upload's id, hex digits */
#define LFH_OSARA_MAX_PARTICIPANTS LFH_MAX_RECIPIENTS
#define LFH_OSARA_MAX_PROPOSALS 16
#define LFH_OSARA_MAX_DUE (LFH_OSARA_MAX_ACTIONS + 2)

#define LFH_OSARA_NAME_MAX 63   /* "by", action agency (outside organisations too) */
#define LFH_OSARA_TEXT_MAX 1023 /* kept copy of long texts */
#define LFH_OSARA_SHORT_MAX 255 /* kept copy of per-item texts */
#define LFH_OSARA_LINE_MAX 159  /* timeline summary and reason */
#define LFH_OSARA_ACTION_ID_LEN 8
#define LFH_OSARA_DAY_MS 86400000ULL
/* How far after its own stamp an entry's "on" may be: the receivers' clock
 * allowance (judge.h LFH_CLOCK_AHEAD_MS); a date-only "on" may be a day on. */
#define LFH_OSARA_ON_AHEAD_MS (5ULL * 60 * 1000)
#define LFH_OSARA_ON_MAX 17 /* "YYYY-MM-DDTHH:MMZ" */
#define LFH_OSARA_REF_MAX (LFH_AGENCY_MAX + 13) /* "AGENCY-YY-NNNNNNNNN" */

/* One event of the case as the caller holds it. */
typedef struct lfh_osara_event {
	uint32_t type;
	char author[LFH_AGENCY_MAX + 1];
	uint64_t hlc;
	uint64_t seq;
	uint8_t id[LFH_ID_LEN];
	const lfh_record *body; /* decrypted record, NULL if not readable here */
} lfh_osara_event;

typedef struct lfh_osara_meeting {
	uint64_t hlc;
	char author[LFH_AGENCY_MAX + 1];
	char by[LFH_OSARA_NAME_MAX + 1];
	char date[11];
	char attendees[LFH_OSARA_SHORT_MAX + 1];
	char victim[LFH_OSARA_SHORT_MAX + 1]; /* problem analysis triangle */
	char offender[LFH_OSARA_SHORT_MAX + 1];
	char location[LFH_OSARA_SHORT_MAX + 1];
	char responses[LFH_OSARA_TEXT_MAX + 1];
} lfh_osara_meeting;

typedef struct lfh_osara_action {
	char id[LFH_OSARA_ACTION_ID_LEN + 1];
	char agency[LFH_OSARA_NAME_MAX + 1];
	char power[24];
	char text[LFH_OSARA_SHORT_MAX + 1];
	char due[11];
	char status[12]; /* open | paused | done | cancelled | refused | carried */
	char signpost[LFH_OSARA_NAME_MAX + 1]; /* outside organisation ("" if tasked in the hub) */
	char for_team[LFH_OSARA_NAME_MAX + 1]; /* the tasked agency's team, if named */
	char author[LFH_AGENCY_MAX + 1]; /* agency that tasked it */
	char by[LFH_OSARA_NAME_MAX + 1];
	char team[LFH_OSARA_NAME_MAX + 1]; /* the tasking caseworker's team */
	uint64_t on_ms;                    /* when it was tasked (its "on") */
	char resume[11];                   /* paused: the date it resumes */
	char refusal[12];                  /* refused: refused | not-engaged */
	char who[LFH_OSARA_SHORT_MAX + 1]; /* refused: who refused */
	uint64_t outcome_ms;               /* "on" of the latest update (0: none) */
	uint64_t created_hlc;
	uint64_t updated_hlc; /* 0 = never updated */
	uint32_t nupdates;
	char last_update[LFH_OSARA_SHORT_MAX + 1];
} lfh_osara_action;

typedef struct lfh_osara_review {
	uint64_t hlc;
	char author[LFH_AGENCY_MAX + 1];
	char by[LFH_OSARA_NAME_MAX + 1];
	char kind[8];     /* monthly | closure */
	char outcome[12]; /* continue | close */
	char text[LFH_OSARA_SHORT_MAX + 1];
} lfh_osara_review;

typedef struct lfh_osara_proposal {
	uint8_t id[LFH_ID_LEN]; /* LEAD_PROPOSE event id */
	uint64_t hlc;
	char lead[LFH_AGENCY_MAX + 1];
	char proposer[LFH_AGENCY_MAX + 1];
	int decided; /* 1 once every participant agreed (the lead changed) */
	uint32_t nagreed;
	char agreed[LFH_OSARA_MAX_PARTICIPANTS][LFH_AGENCY_MAX + 1];
} lfh_osara_proposal;

typedef struct lfh_osara_entry {
	uint64_t hlc;
	uint64_t seq;
	uint8_t id[LFH_ID_LEN];
	uint32_t type;
	char type_name[16];
	char author[LFH_AGENCY_MAX + 1];
	char by[LFH_OSARA_NAME_MAX + 1];
	char team[LFH_OSARA_NAME_MAX + 1];
	uint64_t on_ms; /* when it happened: its "on", else its HLC time */
	char on[LFH_OSARA_ON_MAX + 1]; /* the "on" as written ("" if none) */
	char summary[LFH_OSARA_LINE_MAX + 1];
	char amended[LFH_OSARA_LINE_MAX + 1]; /* the latest correction's text ("" if none) */
	char amended_by[LFH_OSARA_NAME_MAX + 1];
	uint64_t amended_hlc;
	int redacted;                         /* left out of views and exports */
	char redact_reason[LFH_OSARA_LINE_MAX + 1];
	int ignored;    /* invalid at its place in the order; state unchanged */
	int unreadable; /* body not readable at this node; skipped */
	char reason[LFH_OSARA_LINE_MAX + 1];
} lfh_osara_entry;

/* Plain data: no pointers; compare with lfh_osara_state_equal. ~0.5 MB, so
 * allocate it on the heap. */
typedef struct lfh_osara_state {
	int stage;      /* enum lfh_osara_stage */
	int prev_stage; /* stage before the open closure proposal */
	char lead[LFH_AGENCY_MAX + 1];
	uint64_t lead_hlc; /* when the lead last changed (0: referral author) */
	uint32_t nleads_before; /* earlier leads, oldest first (the last LFH_OSARA_MAX_LEADS) */
	struct lfh_osara_lead_was {
		char agency[LFH_AGENCY_MAX + 1];
		uint64_t until; /* the stamp of the change that ended its lead */
	} leads_before[LFH_OSARA_MAX_LEADS];
	uint32_t nparticipants;
	char participants[LFH_OSARA_MAX_PARTICIPANTS][LFH_AGENCY_MAX + 1];

	/* the referral */
	uint64_t referral_hlc;
	uint64_t referral_on_ms; /* when it was referred: its "on", else its HLC time */
	char referral_author[LFH_AGENCY_MAX + 1];
	char referral_by[LFH_OSARA_NAME_MAX + 1];
	char summary[LFH_OSARA_SHORT_MAX + 1];
	char location[LFH_OSARA_SHORT_MAX + 1];
	char subject[LFH_OSARA_SHORT_MAX + 1];
	char asb_category[LFH_OSARA_NAME_MAX + 1];
	char referral_risk[12];
	char rereferral_of[2 * LFH_CASE_LEN + 1]; /* "" if not a re-referral */
	char ref[LFH_OSARA_REF_MAX + 1];          /* the case's reference ("" if none) */
	int referral_redacted; /* the lead redacted the referral: summary, location, subject
				* and the referral's other text are out of every view */

	/* risk: level starts as the referral's rating, RISK events replace it */
	int risk_assessed;
	char risk_level[12];
	uint64_t risk_score;
	char risk_answers[LFH_OSARA_TEXT_MAX + 1];
	char risk_override[LFH_OSARA_TEXT_MAX + 1];
	uint64_t risk_hlc;
	uint32_t risk_meeting_days[3]; /* latest RISK's meeting_days (standard, medium, high); 0: none yet */
	uint32_t risk_review_days[3];  /* latest RISK's review_days; 0: none yet (30) */

	char objective[LFH_OSARA_TEXT_MAX + 1];
	uint64_t objective_hlc;
	char scanning[LFH_OSARA_TEXT_MAX + 1];
	uint64_t scanning_hlc;

	uint32_t nmeetings;
	lfh_osara_meeting meetings[LFH_OSARA_MAX_MEETINGS];
	uint32_t nactions;
	lfh_osara_action actions[LFH_OSARA_MAX_ACTIONS];

	int assessed; /* an ASSESSMENT was recorded (the latest is kept) */
	char plan_done[8];       /* yes | partly | no */
	char problem_stopped[8]; /* yes | partly | no */
	char assessment[LFH_OSARA_TEXT_MAX + 1];
	uint64_t assessment_hlc;

	uint32_t nreviews;
	lfh_osara_review reviews[LFH_OSARA_MAX_REVIEWS];
	uint64_t last_review_hlc;
	uint64_t last_review_on_ms; /* when the last review happened: its "on", else its HLC time */

	uint64_t closure_proposed_hlc; /* open proposal (0 = none) */
	char closure_reason[LFH_OSARA_SHORT_MAX + 1];
	uint64_t closure_review_hlc; /* closure review (outcome close) since the proposal */
	uint64_t closed_hlc;
	char close_reason[LFH_OSARA_SHORT_MAX + 1];

	uint32_t nproposals;
	lfh_osara_proposal proposals[LFH_OSARA_MAX_PROPOSALS];

	uint32_t nnotes;
	uint32_t nreopened;  /* REOPENs applied */
	uint32_t namended;   /* AMENDs applied */
	uint32_t nredacted;  /* REDACTs applied */
	uint32_t nattached;  /* ATTACHes applied */
	uint32_t nequality;
	char equality_consent[12]; /* last consent given | refused | not-sought */

	uint32_t nignored;
	uint32_t nunreadable;
	uint32_t ntimeline;
	uint32_t timeline_omitted; /* events not listed because the timeline was full */
	lfh_osara_entry timeline[LFH_OSARA_MAX_TIMELINE];
} lfh_osara_state;

/*
 * Stage none, no participants, every count 0: every field is zeroed but the
 * slots of the meetings, actions, reviews, proposals and timeline, which
 * are read only below their counts and cleared as they are taken.
 */
void lfh_osara_init(lfh_osara_state *s);
/* dst becomes src, field for field, copying only the slots in use (not 600 KB). */
void lfh_osara_copy(lfh_osara_state *dst, const lfh_osara_state *src);

/*
 * Project n events (any order; ev and its bodies are not modified) into
 * *out (initialised here). initial_participants (np names, may be NULL when
 * np is 0) are participants from the start, e.g. the case's recipients.
 * 0, LFH_EINVAL (bad arguments or participant name), LFH_ENOMEM. Invalid
 * events do not fail the call: they are flagged in the timeline.
 */
int lfh_osara_project(const lfh_osara_event *ev, size_t n,
		      const char *const *initial_participants, size_t np,
		      lfh_osara_state *out, lfh_err *err);

/*
 * An event past a full timeline (one of timeline_omitted) that was not
 * applied, and why: the views mark it as the timeline marks the others.
 */
typedef struct lfh_osara_late {
	uint8_t id[LFH_ID_LEN];
	char reason[LFH_OSARA_LINE_MAX + 1];
} lfh_osara_late;

/*
 * As lfh_osara_project, and the events past a full timeline that were not
 * applied into *late (malloc'd, *nlate of them in the order judged, NULL
 * when none; the caller frees it).
 */
int lfh_osara_project_late(const lfh_osara_event *ev, size_t n,
			   const char *const *initial_participants, size_t np,
			   lfh_osara_state *out, lfh_osara_late **late, size_t *nlate,
			   lfh_err *err);

/*
 * Apply one more event to a state s projected from a case's events, when ev
 * sorts after every one of them (stamped later: an event this node has just
 * written), exactly as lfh_osara_project over all the events would place it
 * last. Lets a writer keep a case's state without projecting it again
 * after each of its own writes. ev->body may be NULL (unreadable). 0 or
 * LFH_EINVAL.
 */
int lfh_osara_append(lfh_osara_state *s, const lfh_osara_event *ev, lfh_err *err);

/*
 * Would the step (type, written by agency author, body) be valid now, on
 * top of s? Same rules as the projection plus field validation. 0 or
 * LFH_EINVAL with a message for the caseworker.
 */
int lfh_osara_check(const lfh_osara_state *s, uint32_t type, const char *author,
		    const lfh_record *body, lfh_err *err);
/* The same, for a step stamped hlc (lfh_osara_check uses the clock's now). */
int lfh_osara_check_at(const lfh_osara_state *s, uint32_t type, const char *author,
		       const lfh_record *body, uint64_t hlc, lfh_err *err);

/* Only the fields any step may carry ("on", "team"), for a step stamped hlc. */
int lfh_osara_check_common(const lfh_record *body, uint64_t hlc, lfh_err *err);

/*
 * An "on" value: 0 and *ms (the moment; a date's midnight UTC) and *dated
 * (1 for a date without a time) if on is "YYYY-MM-DD" or
 * "YYYY-MM-DDTHH:MMZ"; else -1.
 */
int lfh_osara_on_ms(const char *on, uint64_t *ms, int *dated);

/*
 * Is ref a case reference its author may give: the author's agency id in
 * capitals, '-', two digits of the year, '-', 4 to 9 digits
 * ("POLICE-26-0042")? Unique across the hub without coordination: each
 * agency numbers its own cases. 1 or 0.
 */
int lfh_osara_ref_valid(const char *ref, const char *author);

/* ref in the canonical form (capitals) into out; 0, or -1 if it cannot be a reference. */
int lfh_osara_ref_norm(const char *ref, char out[LFH_OSARA_REF_MAX + 1]);

/* Is the action accounted for, so that the case may close (done, cancelled, refused, carried)? */
int lfh_osara_action_settled(const lfh_osara_action *a);

/* Field-by-field equality of two projected states: 1 equal, 0 not. */
int lfh_osara_state_equal(const lfh_osara_state *a, const lfh_osara_state *b);

const char *lfh_osara_stage_name(int stage); /* "none", "referred", ... */
const char *lfh_osara_type_name(uint32_t type); /* "risk", "action-update", ... "unknown" */
/* A file size as people read it: "900 bytes", "12.0 KiB", "2.5 MiB". */
void lfh_osara_size_text(uint64_t bytes, char out[32]);
uint32_t lfh_osara_type_parse(const char *name); /* inverse; 0 if unknown */

/* The controlled list of intervention powers ("arrest", "cbo", ...). */
const char *const *lfh_osara_powers(size_t *n);
/* Description of a power ("criminal behaviour order"), NULL if not listed. */
const char *lfh_osara_power_desc(const char *power);

/* Days since 1970-01-01 of a valid "YYYY-MM-DD" (years 1970..9999); -1 if invalid. */
long lfh_osara_date_days(const char *date);
/* Whether date is a calendar date "YYYY-MM-DD" of 1900..9999: a date of birth (dob). */
int lfh_osara_birth_date_valid(const char *date);

/* Due dates. */
enum lfh_osara_due_kind {
	LFH_OSARA_DUE_ACTION = 1,  /* an open action, due at the end of its due date; a paused
				    * one from its resume date on, due at the end of that day */
	LFH_OSARA_DUE_MEETING = 2, /* first case meeting: referral + 7/14/28 days (high/medium/standard;
				    * the latest RISK's meeting_days when it has them) */
	LFH_OSARA_DUE_REVIEW = 3,  /* monthly review: last review (or referral) + 30 days (the latest
				    * RISK's review_days for its level when it has them) */
};
enum lfh_osara_due_status {
	LFH_OSARA_ON_TARGET = 0,
	LFH_OSARA_WARNING = 1, /* due within 7 days */
	LFH_OSARA_OVERDUE = 2,
};
#define LFH_OSARA_WARN_DAYS 7
#define LFH_OSARA_REVIEW_DAYS 30

typedef struct lfh_osara_due_item {
	int kind;   /* enum lfh_osara_due_kind */
	int status; /* enum lfh_osara_due_status */
	char ref[LFH_OSARA_ACTION_ID_LEN + 1]; /* action id, "" for meeting/review */
	char owner[LFH_OSARA_NAME_MAX + 1];   /* action agency, or the lead agency */
	char what[LFH_OSARA_LINE_MAX + 1];
	uint64_t due_ms; /* the moment it becomes overdue (ms since the epoch, UTC) */
	int64_t days_left; /* whole days from now to due_ms, rounded down; < 0 overdue */
} lfh_osara_due_item;

/*
 * Open actions, the first case meeting (while none has been held) and the
 * monthly review of a case that is not closed, sorted by due_ms then ref.
 * Writes at most max items and sets *n to how many there are in all (so a
 * caller with *n > max lost some; LFH_OSARA_MAX_DUE always suffices). 0 or
 * LFH_EINVAL.
 */
int lfh_osara_due(const lfh_osara_state *s, uint64_t now_ms, lfh_osara_due_item *items,
		  size_t max, size_t *n);

const char *lfh_osara_due_status_name(int status); /* on-target | warning | overdue */
const char *lfh_osara_due_kind_name(int kind);     /* action | meeting | review */

#endif
