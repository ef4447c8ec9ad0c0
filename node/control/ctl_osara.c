/*
 * ctl_osara.c - control commands for the OSARA case work (see include/lfh/ctl.h
 * and include/lfh/osara.h):
 *
 *   case_step   case step=<risk|objective|scanning|meeting|action|action-update|
 *               assessment|review|close-propose|lead-propose|lead-agree|equality>
 *               and the step's fields: checked against the case's projected
 *               state (invalid transitions refused, nothing written), then
 *               written as an encrypted event to whoever may receive it
 *   case_state  case: the projected state (stage, lead, risk, objective, ...)
 *               and one record per action
 *   due         [mine=yes] [for_team] every open action (and paused one past
 *               its resume date), first meeting and monthly review across
 *               the cases held here, with on-target / warning / overdue;
 *               mine: only actions tasked to this agency; for_team: only
 *               actions tasked to that team
 *
 * The state is always recomputed from the events (lfh_osara_project), so it
 * is the same at every node that holds the same events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "lfh/ctl.h"
#include "lfh/hlc.h"
#include "lfh/isa.h"
#include "lfh/osara.h"
#include "lfh/policy.h"
#include "lfh/project.h"
#include "lfh/risk.h"

/* The ISA category a step's data belongs to (include/lfh/ctl.h). */
const char *lfh_ctl_step_category(lfh_node *n, uint32_t type)
{
	const char *want = "referral";
	if (type == LFH_EV_MEETING)
		want = "meeting-notes";
	else if (type == LFH_EV_ACTION || type == LFH_EV_ACTION_UPDATE)
		want = "actions";
	if (n->rules.isa && lfh_isa_category_find(n->rules.isa, want))
		return want;
	return "referral";
}

/* Copy the request's step fields (all but cmd/case/step) into body. */
static int step_body(const lfh_record *req, uint32_t type, lfh_record *body, lfh_err *err)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < req->n; i++) {
		const lfh_field *f = &req->f[i];
		if (!strcmp(f->key, "cmd") || !strcmp(f->key, "case") || !strcmp(f->key, "step"))
			continue;
		rc = f->kind == LFH_FIELD_STR ? lfh_record_set_str(body, f->key, f->str, err)
					      : lfh_record_set_uint(body, f->key, f->u, err);
	}
	if (!rc && type == LFH_EV_ACTION && !lfh_record_str(body, "action")) {
		uint8_t rnd[4];
		char hex[9];
		randombytes_buf(rnd, sizeof rnd);
		lfh_hex(hex, rnd, sizeof rnd);
		rc = lfh_record_set_str(body, "action", hex, err);
	}
	return rc;
}

/* A RISK body completed from the questionnaire (include/lfh/ctl.h). */
int lfh_ctl_risk_fill(const lfh_node *n, lfh_record *body, lfh_err *err)
{
	const lfh_risk_form *f = n->risk;
	const char *answers = lfh_record_str(body, "answers");
	const char *level = lfh_record_str(body, "level");
	const char *sscore = lfh_record_str(body, "score");
	const char *override = lfh_record_str(body, "override");
	char th[32], meet[48], rev[48];
	uint64_t given, score;
	const char *computed;
	int rc;

	/* no questionnaire here: the record says so, rather than answers made up to pass */
	if (!f->nquestions && !answers && (sscore || lfh_record_uint(body, "score", &given))) {
		if ((rc = lfh_record_set_str(body, "answers", "questionnaire=none", err)))
			return rc;
	}
	if (f->nquestions && answers) {
		if ((rc = lfh_risk_score(f, answers, &score, &computed, err)))
			return rc;
		if (lfh_record_uint(body, "score", &given) || sscore) {
			int ok = !sscore;
			if (sscore) {
				char *end;
				given = strtoull(sscore, &end, 10);
				ok = *sscore >= '0' && *sscore <= '9' && !*end;
			}
			if (!ok || given != score)
				return lfh_err_set(err, LFH_EINVAL, "score does not match the answers "
						   "(the questionnaire gives %llu)",
						   (unsigned long long)score);
		} else if ((rc = lfh_record_set_uint(body, "score", score, err))) {
			return rc;
		}
		if (!level) {
			if ((rc = lfh_record_set_str(body, "level", computed, err)))
				return rc;
		} else if (strcmp(level, computed) && (!override || !*override)) {
			return lfh_err_set(err, LFH_EINVAL, "risk level %.12s differs from the "
					   "questionnaire's level %s (score %llu): an override "
					   "reason is required", level, computed,
					   (unsigned long long)score);
		}
	} else if (!sscore && !lfh_record_uint(body, "score", &given)) {
		return lfh_err_set(err, LFH_EINVAL, f->nquestions ? "give the answers (or a score)"
				   : "no risk questionnaire is configured at this node: give the "
				     "score (and the level, if not the score's)");
	} else if (!level) { /* the score's level, as lfh case risk --help says */
		char *end = NULL;
		if (sscore && (given = strtoull(sscore, &end, 10), *sscore < '0' || *sscore > '9' || *end))
			return lfh_err_set(err, LFH_EINVAL, "score must be a whole number");
		if ((rc = lfh_record_set_str(body, "level", lfh_risk_level(f, given), err)))
			return rc;
	}
	lfh_risk_params(f, th, meet, rev);
	if ((rc = lfh_record_set_str(body, "thresholds", th, err)) ||
	    (rc = lfh_record_set_str(body, "meeting_days", meet, err)) ||
	    (rc = lfh_record_set_str(body, "review_days", rev, err)))
		return rc;
	return 0;
}

/* Recipients without an ISA: the referral's author and recipients. */
static size_t legacy_recipients(const lfh_osara_state *st, const char **to)
{
	size_t n = 0;
	for (uint32_t i = 0; i < st->nparticipants && n < LFH_MAX_RECIPIENTS; i++)
		to[n++] = st->participants[i];
	return n;
}

/*
 * A lead-agree's proposal given as 8 or more of its first hex digits (as
 * lfh case show prints an entry): the full id of the one proposal of the
 * case that starts so. Left as given when it is whole or names none.
 */
static int whole_proposal(const lfh_osara_state *st, lfh_record *body, lfh_err *err)
{
	const char *given = lfh_record_str(body, "proposal");
	char hex[2 * LFH_ID_LEN + 1], found[2 * LFH_ID_LEN + 1] = "";
	size_t n = given ? strlen(given) : 0;
	int matches = 0;

	if (n < 8 || n >= 2 * LFH_ID_LEN)
		return 0;
	for (uint32_t i = 0; i < st->nproposals; i++) {
		lfh_hex(hex, st->proposals[i].id, LFH_ID_LEN);
		if (!strncasecmp(hex, given, n) && matches++ == 0)
			memcpy(found, hex, sizeof found);
	}
	if (matches > 1)
		return lfh_err_set(err, LFH_EAMBIG, "proposal: several lead proposals of the case "
				   "start with %.64s: give more digits", given);
	return matches ? lfh_record_set_str(body, "proposal", found, err) : 0;
}

int ctl_case_step(lfh_ctl_req *q, lfh_txn *t)
{
	uint8_t case_id[LFH_CASE_LEN];
	const char *step = lfh_record_str(&q->req, "step");
	const char *to[LFH_MAX_RECIPIENTS];
	lfh_osara_state *st = NULL;
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	char msg[LFH_ERRMSG_MAX];
	uint32_t type = step ? lfh_osara_type_parse(step) : 0;
	size_t nto = 0;
	int rc;

	if (type < LFH_EV_RISK || type > LFH_OSARA_TYPE_LAST) {
		snprintf(msg, sizeof msg, "unknown case step '%.40s'", step ? step : "");
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, msg);
	}
	if ((rc = lfh_ctl_find_case(t, lfh_record_str(&q->req, "case"), case_id, &q->rep)))
		return rc;
	if (!(st = malloc(sizeof *st)))
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	rc = lfh_node_project(q->node, t, case_id, st, &err);
	if (!rc)
		rc = step_body(&q->req, type, &body, &err);
	if (!rc && type == LFH_EV_RISK)
		rc = lfh_ctl_risk_fill(q->node, &body, &err);
	if (!rc && type == LFH_EV_LEAD_AGREE)
		rc = whole_proposal(st, &body, &err);
	if (!rc)
		rc = lfh_osara_check(st, type, q->node->cfg.agency, &body, &err);
	if (rc) {
		rc = lfh_ctl_fail(&q->rep, rc, err.msg);
	} else {
		if (!lfh_policy_active(&q->node->rules))
			nto = legacy_recipients(st, to);
		rc = lfh_ctl_write(q, t, case_id, type, lfh_ctl_step_category(q->node, type),
				   nto ? to : NULL, nto, &body);
		if (!rc && type == LFH_EV_ACTION && q->rep.n)
			lfh_record_set_str(&q->rep.recs[0], "action", lfh_record_str(&body, "action"),
					   &err);
	}
	lfh_record_clear(&body);
	free(st);
	return rc;
}

static int add_action(lfh_ctl_reply *rep, const lfh_osara_action *a, const char *case_hex,
		      lfh_err *err)
{
	lfh_record *r = lfh_ctl_add(rep);
	if (!r || lfh_record_set_str(r, "case", case_hex, err) ||
	    lfh_record_set_str(r, "action", a->id, err) || lfh_record_set_str(r, "agency", a->agency, err) ||
	    lfh_record_set_str(r, "power", a->power, err) || lfh_record_set_str(r, "text", a->text, err) ||
	    lfh_record_set_str(r, "due", a->due, err) || lfh_record_set_str(r, "status", a->status, err) ||
	    lfh_record_set_str(r, "tasked_by", a->author, err) ||
	    lfh_record_set_str(r, "last_update", a->last_update, err) ||
	    lfh_record_set_str(r, "signpost", a->signpost, err) ||
	    lfh_record_set_str(r, "for_team", a->for_team, err) ||
	    lfh_record_set_str(r, "team", a->team, err) ||
	    lfh_record_set_str(r, "resume", a->resume, err) ||
	    lfh_record_set_str(r, "refusal", a->refusal, err) ||
	    lfh_record_set_str(r, "who", a->who, err))
		return LFH_ENOMEM;
	if (a->outcome_ms) {
		char when[32];
		lfh_ctl_time(a->outcome_ms, when);
		if (lfh_record_set_str(r, "outcome_on", when, err))
			return LFH_ENOMEM;
	}
	return 0;
}

/* "a,b,c": the case's participants as the projection knows them. */
static const char *join_participants(const lfh_osara_state *st, char *out, size_t size)
{
	out[0] = '\0';
	for (uint32_t i = 0; i < st->nparticipants; i++) {
		strncat(out, i ? "," : "", size - strlen(out) - 1);
		strncat(out, st->participants[i], size - strlen(out) - 1);
	}
	return out;
}

int ctl_case_state(lfh_ctl_req *q, lfh_txn *t)
{
	char parts[LFH_OSARA_MAX_PARTICIPANTS * (LFH_AGENCY_MAX + 1) + 1];
	uint8_t case_id[LFH_CASE_LEN];
	lfh_osara_state *st;
	lfh_record *r;
	lfh_err err = { 0 };
	int rc;

	if ((rc = lfh_ctl_project_case(q, t, case_id, &st)))
		return rc;
	r = lfh_ctl_add(&q->rep);
	if (!rc && (!r || lfh_record_set_str(r, "case", q->case_hex, &err) ||
		    lfh_record_set_str(r, "stage", lfh_osara_stage_name(st->stage), &err) ||
		    lfh_record_set_str(r, "lead", st->lead, &err) ||
		    lfh_record_set_str(r, "participants", join_participants(st, parts, sizeof parts),
				       &err) ||
		    lfh_record_set_str(r, "risk", st->risk_level, &err) ||
		    lfh_record_set_uint(r, "risk_score", st->risk_score, &err) ||
		    lfh_record_set_str(r, "objective", st->objective, &err) ||
		    lfh_record_set_str(r, "scanning", st->scanning, &err) ||
		    lfh_record_set_uint(r, "meetings", st->nmeetings, &err) ||
		    lfh_record_set_uint(r, "actions", st->nactions, &err) ||
		    lfh_record_set_str(r, "problem_stopped", st->problem_stopped, &err) ||
		    lfh_record_set_uint(r, "reviews", st->nreviews, &err) ||
		    lfh_record_set_uint(r, "ignored", st->nignored, &err) ||
		    lfh_record_set_uint(r, "unreadable", st->nunreadable, &err)))
		rc = LFH_ENOMEM;
	for (uint32_t i = 0; rc == 0 && i < st->nactions; i++)
		rc = add_action(&q->rep, &st->actions[i], q->case_hex, &err);
	free(st);
	return rc ? lfh_ctl_fail(&q->rep, rc, err.msg[0] ? err.msg : "out of memory") : 0;
}

static void due_day(uint64_t due_ms, char out[11]);

struct due_ctx {
	lfh_ctl_req *q;
	lfh_txn *t;
	lfh_osara_state *st;
	lfh_osara_due_item *items;
	uint64_t now;
	const char *agency; /* only actions tasked to this agency, or NULL */
	const char *team;   /* only actions tasked to this team (for_team), or NULL */
	lfh_err *err;
	lfh_ctl_page page;
};

static int due_case_fn(void *vctx, const uint8_t case_id[LFH_CASE_LEN], const lfh_record *meta)
{
	struct due_ctx *d = vctx;
	char hex[2 * LFH_CASE_LEN + 1];
	uint64_t closed;
	size_t n = 0;
	int rc;

	if (lfh_ctl_page_stop(&d->page, &d->q->rep, case_id))
		return 1; /* this page is full: the client asks for the next */
	if (lfh_record_uint(meta, "closed_ms", &closed))
		return 0; /* closed here (its retention runs): nothing is due, no need to project it */
	lfh_ctl_yield(d->q);
	if ((rc = lfh_ctl_case_digest(d->q, d->t, case_id, d->st, d->err)) < 0)
		return rc;
	if (d->st->stage == LFH_OSARA_NONE || d->st->stage == LFH_OSARA_CLOSED)
		return 0;
	lfh_hex(hex, case_id, LFH_CASE_LEN);
	if ((rc = lfh_osara_due(d->st, d->now, d->items, LFH_OSARA_MAX_DUE, &n)))
		return rc;
	for (size_t i = 0; i < n && i < LFH_OSARA_MAX_DUE; i++) {
		const lfh_osara_due_item *it = &d->items[i];
		const lfh_osara_action *a = NULL;
		char due[32];
		if (it->kind == LFH_OSARA_DUE_ACTION)
			for (uint32_t k = 0; k < d->st->nactions && !a; k++)
				if (!strcmp(d->st->actions[k].id, it->ref))
					a = &d->st->actions[k];
		if (d->agency && (it->kind != LFH_OSARA_DUE_ACTION || strcmp(it->owner, d->agency)))
			continue;
		if (d->team && (!a || strcmp(a->for_team, d->team)))
			continue;
		char day[11];
		lfh_ctl_time(it->due_ms, due);
		if (a && !strcmp(a->status, "open"))
			snprintf(day, sizeof day, "%s", a->due);
		else
			due_day(it->due_ms, day);
		lfh_record *r = lfh_ctl_add(&d->q->rep);
		if (!r || lfh_record_set_str(r, "case", hex, d->err) ||
		    lfh_record_set_str(r, "kind", lfh_osara_due_kind_name(it->kind), d->err) ||
		    lfh_record_set_str(r, "status", lfh_osara_due_status_name(it->status), d->err) ||
		    lfh_record_set_str(r, "due", due, d->err) ||
		    lfh_record_set_str(r, "due_date", day, d->err) ||
		    lfh_record_set_str(r, "ref_case", d->st->ref[0] ? d->st->ref : hex, d->err) ||
		    lfh_record_set_str(r, "ref", it->ref, d->err) ||
		    lfh_record_set_str(r, "what", it->what, d->err) ||
		    lfh_record_set_str(r, "agency", it->owner, d->err) ||
		    lfh_record_set_str(r, "team", a ? a->for_team : "", d->err) ||
		    lfh_record_set_str(r, "summary", d->st->summary, d->err))
			return LFH_ENOMEM;
	}
	return 0;
}

int ctl_due(lfh_ctl_req *q, lfh_txn *t)
{
	lfh_err err = { 0 };
	const char *mine = lfh_record_str(&q->req, "mine"), *team = lfh_record_str(&q->req, "for_team");
	struct due_ctx d = { q, t, malloc(sizeof(lfh_osara_state)),
			     calloc(LFH_OSARA_MAX_DUE, sizeof(lfh_osara_due_item)), lfh_wall_ms(),
			     mine && !strcmp(mine, "yes") ? q->node->cfg.agency : NULL,
			     team && *team ? team : NULL, &err, { 0 } };
	int rc = lfh_ctl_page_begin(q, &d.page);

	if (!rc && (!d.st || !d.items))
		rc = lfh_err_set(&err, LFH_ENOMEM, "out of memory");
	else if (!rc)
		rc = lfh_store_scan_cases_after(t, d.page.has_after ? d.page.after : NULL, due_case_fn,
						&d, &err);
	free(d.st);
	free(d.items);
	if (rc == LFH_EINVAL && q->rep.code)
		return rc; /* a bad page request, said already */
	return rc ? lfh_ctl_fail(&q->rep, rc, err.msg[0] ? err.msg : "out of memory")
		  : lfh_ctl_page_end(q, &d.page);
}

/* The last day an item is on time, in UTC ("YYYY-MM-DD"): the day before the moment it is overdue. */
static void due_day(uint64_t due_ms, char out[11])
{
	char when[32];
	lfh_ctl_time(due_ms ? due_ms - 1 : 0, when);
	memcpy(out, when, 10);
	out[10] = '\0';
}

int lfh_ctl_case_progress(const lfh_osara_state *st, uint64_t now_ms, lfh_record *out,
			  lfh_err *err)
{
	char parts[LFH_OSARA_MAX_PARTICIPANTS * (LFH_AGENCY_MAX + 1) + 1], day[11], next[256];
	lfh_osara_due_item *items = calloc(LFH_OSARA_MAX_DUE, sizeof *items);
	size_t n = 0;
	int rc;

	if (!items)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	rc = lfh_osara_due(st, now_ms, items, LFH_OSARA_MAX_DUE, &n);
	if (!rc)
		rc = lfh_record_set_str(out, "stage", lfh_osara_stage_name(st->stage), err);
	if (!rc && st->risk_level[0])
		rc = lfh_record_set_str(out, "risk", st->risk_level, err);
	if (!rc && st->lead[0])
		rc = lfh_record_set_str(out, "lead", st->lead, err);
	if (!rc)
		rc = lfh_record_set_str(out, "participants", join_participants(st, parts, sizeof parts),
					err);
	if (!rc && st->ref[0])
		rc = lfh_record_set_str(out, "ref", st->ref, err);
	if (!rc && n) {
		const lfh_osara_due_item *it = &items[0];
		day[0] = '\0';
		if (it->kind == LFH_OSARA_DUE_ACTION) /* an open action: its own due date */
			for (uint32_t k = 0; k < st->nactions; k++)
				if (!strcmp(st->actions[k].id, it->ref) &&
				    !strcmp(st->actions[k].status, "open"))
					snprintf(day, sizeof day, "%s", st->actions[k].due);
		if (!day[0])
			due_day(it->due_ms, day);
		snprintf(next, sizeof next, "%s %s (%s, %s): %.160s", day,
			 lfh_osara_due_kind_name(it->kind), it->owner,
			 lfh_osara_due_status_name(it->status), it->what);
		rc = lfh_record_set_str(out, "next_due", next, err);
	}
	free(items);
	return rc;
}

int lfh_ctl_case_overdue(const lfh_osara_state *st, uint64_t now_ms, const char *agency)
{
	lfh_osara_due_item *items = calloc(LFH_OSARA_MAX_DUE, sizeof *items);
	size_t n = 0;
	int found = 0;

	if (!items || lfh_osara_due(st, now_ms, items, LFH_OSARA_MAX_DUE, &n)) {
		free(items);
		return 0;
	}
	for (size_t i = 0; i < n && i < LFH_OSARA_MAX_DUE && !found; i++)
		found = items[i].status == LFH_OSARA_OVERDUE &&
			(!agency || !strcmp(items[i].owner, agency));
	free(items);
	return found;
}
