/*
 * judge.c - the receiver rules (include/lfh/judge.h, PROTOCOL.md 7.3).
 *
 * Every rule here decides from what any node holding the same events can
 * see: the event itself, the ISA in force, the case's lead and participants
 * as held, and (lfh_judge_clock) the author's own events just before and
 * after it. Rules that do not depend on what else is held come first
 * (hub-wide events' case and category, a referral's case id), so that they
 * are refused the same everywhere whatever the arrival order.
 */
#include <stdio.h>
#include <string.h>

#include "lfh/hlc.h"
#include "lfh/hub.h"
#include "lfh/isa.h"
#include "lfh/judge.h"
#include "lfh/osara.h"
#include "lfh/parties.h"

static const uint8_t no_case[LFH_CASE_LEN];

static int is_hub_wide(uint32_t type)
{
	return lfh_event_type_hub_wide(type);
}

/* Case steps only the lead may write (whatever the OSARA stage). */
static int lead_only(uint32_t type)
{
	return type == LFH_EV_JOIN || type == LFH_EV_LEAVE || type == LFH_EV_CLOSE ||
	       type == LFH_EV_REOPEN;
}

/*
 * Data a participant writes into a case: the referral's followers, and any
 * type this node does not know (PROTOCOL.md 7.1: a data event; else an
 * outsider could write into any case, or open one, with type 99).
 */
static int participant_step(uint32_t type)
{
	return type == LFH_EV_NOTE || (type >= LFH_EV_RISK && type <= LFH_OSARA_TYPE_LAST) ||
	       type == LFH_EV_AMEND || type == LFH_EV_REDACT || type == LFH_EV_ATTACH ||
	       type == LFH_EV_CHUNK || type > LFH_EV_CHUNK;
}

static void case_hex(char out[2 * LFH_CASE_LEN + 1], const uint8_t case_id[LFH_CASE_LEN])
{
	lfh_hex(out, case_id, LFH_CASE_LEN);
}

/* ISA and key events are about the hub: case id zero and their own category. */
static int judge_hub_wide(const lfh_event *ev, lfh_err *err)
{
	const char *want = ev->type == LFH_EV_CERT || ev->type == LFH_EV_REVOKE ? LFH_KEYS_CATEGORY
										 : LFH_ISA_CATEGORY;
	if (memcmp(ev->case_id, no_case, LFH_CASE_LEN) != 0)
		return lfh_err_set(err, LFH_EPERM, "%s event by %s seq %llu names a case; it must not",
				   ev->type == LFH_EV_CERT ? "CERT" : ev->type == LFH_EV_REVOKE ? "REVOKE"
									     : "ISA",
				   ev->author, (unsigned long long)ev->seq);
	if (strcmp(ev->category, want) != 0)
		return lfh_err_set(err, LFH_EPERM, "event by %s seq %llu: category must be '%s', not "
				   "'%s'", ev->author, (unsigned long long)ev->seq, want, ev->category);
	return 0;
}

int lfh_judge_clock(const lfh_event *ev, uint64_t now_ms, uint64_t below, uint64_t above,
		    lfh_err *err)
{
	uint64_t ms = lfh_hlc_ms(ev->hlc);

	if (ms > now_ms + LFH_CLOCK_AHEAD_MS)
		return lfh_err_set(err, LFH_ECLOCK, "event by %s seq %llu is stamped %llu s ahead of "
				   "our clock (at most %llu s): not accepted now", ev->author,
				   (unsigned long long)ev->seq,
				   (unsigned long long)((ms - now_ms) / 1000),
				   (unsigned long long)(LFH_CLOCK_AHEAD_MS / 1000));
	if (below >= ev->hlc || (above != UINT64_MAX && above <= ev->hlc))
		return lfh_err_set(err, LFH_ECLOCK, "event by %s seq %llu is stamped out of order "
				   "with that agency's own events", ev->author,
				   (unsigned long long)ev->seq);
	return 0;
}

void lfh_judge_case_creator(const lfh_rules *r, const uint8_t case_id[LFH_CASE_LEN],
			    char creator[LFH_AGENCY_MAX + 1])
{
	creator[0] = '\0';
	for (uint32_t i = 0; r->isa && i < r->isa->nparties; i++)
		if (lfh_case_id_of(r->hub_id, r->isa->parties[i].id, case_id)) {
			snprintf(creator, LFH_AGENCY_MAX + 1, "%s", r->isa->parties[i].id);
			return;
		}
}

/* A KEY event passes on another creator's key only as the lead's backfill to a newcomer. */
static int judge_key(const lfh_event *ev, const char *lead, lfh_err *err)
{
	lfh_key_body kb;
	int rc = lfh_key_body_decode(ev->body, ev->body_len, &kb, err);

	if (rc || strcmp(kb.creator, ev->author) == 0)
		return rc;
	if (strcmp(ev->author, lead) != 0)
		return lfh_err_set(err, LFH_EPERM, "key event by %s grants a sharing key of %s; only "
				   "the case's lead (%s) may pass on another agency's key",
				   ev->author, kb.creator, lead[0] ? lead : "unknown");
	return 0;
}

/*
 * Does the ISA send this category to us whether or not we take part in the
 * case (rule "all", or we are one of its named agencies)? Then we may never
 * hold the case's referral, and take the event on its envelope alone.
 */
static int entitled_outside(const lfh_rules *r, const char *category)
{
	const lfh_isa_category *c = lfh_isa_category_find(r->isa, category);

	if (!c)
		return 0;
	if (c->rule == LFH_RULE_ALL)
		return 1;
	for (uint32_t i = 0; i < c->nagencies; i++)
		if (strcmp(c->agencies[i], r->self) == 0)
			return 1;
	return 0;
}

/*
 * A LEAVE names a participant other than its author (the lead cannot leave
 * its own case). One naming an agency that never took part here (no
 * REFERRAL or JOIN naming it held, no LEAVE of it applied) is held: the
 * JOIN may still be on its way. Once an agency took part it stays known, so
 * the verdict does not depend on the order the events came in.
 */
static int judge_leave(lfh_txn *t, const lfh_event *ev, const lfh_agencies *parts, lfh_err *err)
{
	lfh_record body = { 0 };
	lfh_agencies ever;
	char agency[LFH_AGENCY_MAX + 1];
	const char *v;
	int rc = lfh_record_decode(ev->body, ev->body_len, &body, err);

	if (rc)
		return rc;
	v = lfh_record_str(&body, "agency");
	snprintf(agency, sizeof agency, "%s", v ? v : "");
	lfh_record_clear(&body);
	if (!lfh_name_valid(agency))
		return lfh_err_set(err, LFH_EPERM, "leave by %s seq %llu names no agency", ev->author,
				   (unsigned long long)ev->seq);
	if (strcmp(agency, ev->author) == 0)
		return lfh_err_set(err, LFH_EPERM, "leave by %s seq %llu names its author: the lead "
				   "agency cannot leave its case", ev->author,
				   (unsigned long long)ev->seq);
	if (lfh_agencies_has(parts, agency))
		return 0;
	if ((rc = lfh_parties_ever(t, ev->case_id, &ever, err)))
		return rc;
	if (!lfh_agencies_has(&ever, agency))
		return lfh_err_set(err, LFH_EHELD, "leave by %s seq %llu names %s, which takes no part "
				   "in the case (or its JOIN has not arrived yet): held", ev->author,
				   (unsigned long long)ev->seq, agency);
	return 0;
}

/* The rules that depend on the case as held here: lead, participants. */
static int judge_case(const lfh_rules *r, lfh_txn *t, const lfh_event *ev, lfh_err *err)
{
	char lead[LFH_AGENCY_MAX + 1], hex[2 * LFH_CASE_LEN + 1];
	lfh_agencies parts;
	uint64_t left;
	int was = 0, rc = lfh_parties_get(t, ev->case_id, lead, &parts, err);

	if (rc)
		return rc;
	if (!lead[0])
		lfh_judge_case_creator(r, ev->case_id, lead);
	case_hex(hex, ev->case_id);
	if (ev->type == LFH_EV_KEY && (rc = judge_key(ev, lead, err)))
		return rc;
	if (lead_only(ev->type) && strcmp(ev->author, lead) != 0 &&
	    (rc = lfh_parties_led_before(t, ev->case_id, ev->author, ev->hlc, &was, err)))
		return rc;
	/* a participant may be the lead by a change not known here yet: held, not refused */
	if (lead_only(ev->type) && strcmp(ev->author, lead) != 0 && !was)
		return lfh_err_set(err, lfh_agencies_has(&parts, ev->author) ? LFH_EHELD : LFH_EPERM,
				   "only the case's lead agency (%s) may %s; %s may not "
				   "(case %.12s)", lead[0] ? lead : "unknown",
				   ev->type == LFH_EV_JOIN ? "invite an agency" :
				   ev->type == LFH_EV_LEAVE ? "remove an agency" :
				   ev->type == LFH_EV_REOPEN ? "reopen the case" : "close the case",
				   ev->author, hex);
	if (ev->type == LFH_EV_LEAVE)
		return judge_leave(t, ev, &parts, err);
	/* a KEY too: only who takes part hands out keys of the case (else a removed
	 * agency could replace its key, or a KEY open a case nobody opened) */
	if ((!participant_step(ev->type) && ev->type != LFH_EV_KEY) ||
	    lfh_agencies_has(&parts, ev->author) || strcmp(ev->author, lead) == 0)
		return 0; /* the lead always takes part, even before its referral is held */
	/* written while it took part: a LEAVE stamped later removed it */
	if ((rc = lfh_parties_left_at(t, ev->case_id, ev->author, &left, err)))
		return rc;
	if (left > ev->hlc)
		return 0;
	if (parts.n == 0 && (strcmp(ev->author, lead) == 0 || entitled_outside(r, ev->category)))
		return 0; /* the lead's own events may overtake its referral */
	if (parts.n == 0)
		return lfh_err_set(err, LFH_EHELD, "event by %s seq %llu: case %.12s is not known here "
				   "yet", ev->author, (unsigned long long)ev->seq, hex);
	/* not (yet) a participant here: the JOIN that makes it one may still be on its way */
	return lfh_err_set(err, LFH_EHELD, "%s does not take part in case %.12s (or its JOIN has "
			   "not arrived yet): its %s is held", ev->author, hex,
			   lfh_osara_type_name(ev->type));
}

/*
 * A case has one REFERRAL (5.1): one for a case whose REFERRAL is held here
 * (its record names a lead, set by the REFERRAL applied) is refused. Its
 * creator could otherwise take the lead back after handing it over, and
 * put back agencies removed since, at the nodes it sent it to.
 */
static int judge_second_referral(lfh_txn *t, const lfh_event *ev, lfh_err *err)
{
	char hex[2 * LFH_CASE_LEN + 1];
	lfh_record c = { 0 };
	int rc = lfh_store_case_get(t, ev->case_id, &c, err), held;

	if (rc == LFH_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	held = lfh_record_str(&c, "lead") != NULL;
	lfh_record_clear(&c);
	if (!held)
		return 0;
	case_hex(hex, ev->case_id);
	return lfh_err_set(err, LFH_EPERM, "referral by %s seq %llu: case %.12s has its referral "
			   "already (a case has one)", ev->author, (unsigned long long)ev->seq, hex);
}

int lfh_judge(const lfh_rules *r, lfh_txn *t, const lfh_event *ev, lfh_err *err)
{
	char hex[2 * LFH_CASE_LEN + 1];
	int rc;

	if (is_hub_wide(ev->type) && r->isa && (rc = judge_hub_wide(ev, err)))
		return rc;
	if (ev->type == LFH_EV_REFERRAL && !lfh_case_id_of(r->hub_id, ev->author, ev->case_id)) {
		case_hex(hex, ev->case_id);
		return lfh_err_set(err, LFH_EPERM, "referral by %s of case %.12s: the case id is not "
				   "%s's (only the agency that opens a case writes its referral)",
				   ev->author, hex, ev->author);
	}
	if (ev->type == LFH_EV_REFERRAL && (rc = judge_second_referral(t, ev, err)))
		return rc;
	if (!r->isa || is_hub_wide(ev->type))
		return 0;
	return judge_case(r, t, ev, err);
}
