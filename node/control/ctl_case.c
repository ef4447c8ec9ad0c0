/*
 * ctl_case.c - control commands about cases: file a referral, add a note,
 * list cases, show one case's timeline (see include/lfh/ctl.h); searching
 * them is ctl_search.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/ctl.h"
#include "lfh/hlc.h"
#include "lfh/hub.h"
#include "lfh/osara.h"
#include "lfh/refs.h"
#include "lfh/parties.h"
#include "lfh/policy.h"
#include "lfh/project.h"

#include "ctl_case_int.h"

#define SUMMARY_MAX 200
#define LOCATION_MAX 200
#define DESCRIPTION_MAX 8000
#define NOTE_MAX 8000

/* Split "a,b,c" into agency ids (in place); fails on an empty or bad name. */
static int split_agencies(char *list, const char **to, size_t *nto, lfh_ctl_reply *r)
{
	char *save = NULL, msg[LFH_ERRMSG_MAX];
	*nto = 0;
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (!lfh_name_valid(tok)) {
			snprintf(msg, sizeof msg, "'%.40s' is not a valid agency id", tok);
			return lfh_ctl_fail(r, LFH_EINVAL, msg);
		}
		if (*nto == LFH_MAX_RECIPIENTS)
			return lfh_ctl_fail(r, LFH_EINVAL, "too many recipient agencies");
		to[(*nto)++] = tok;
	}
	return *nto ? 0 : lfh_ctl_fail(r, LFH_EINVAL, "missing to (recipient agencies)");
}

/* A date of birth after today (UTC): a typing error the rules cannot see (they keep no clock). */
static int dob_in_future(const char *dob)
{
	char now[32];

	lfh_ctl_time(lfh_wall_ms(), now); /* YYYY-MM-DDTHH:MM:SSZ */
	return strncmp(dob, now, 10) > 0; /* dob is YYYY-MM-DD */
}

int ctl_referral_new(lfh_ctl_req *q, lfh_txn *t)
{
	static const char *risks[] = { "standard", "medium", "high" };
	const char *summary, *location, *category, *risk, *by, *to_s, *desc, *subject, *dob;
	const char *to[LFH_MAX_RECIPIENTS];
	char tolist[LFH_MAX_RECIPIENTS * (LFH_AGENCY_MAX + 2)];
	char reref[2 * LFH_CASE_LEN + 1];
	size_t nto;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	int ok_risk = 0, rc;

	if (!(summary = lfh_ctl_need(&q->req, "summary", SUMMARY_MAX, &q->rep)) ||
	    !(location = lfh_ctl_need(&q->req, "location", LOCATION_MAX, &q->rep)) ||
	    !(category = lfh_ctl_need(&q->req, "asb_category", LFH_AGENCY_MAX, &q->rep)) ||
	    !(risk = lfh_ctl_need(&q->req, "risk", 16, &q->rep)) ||
	    !(by = lfh_ctl_need(&q->req, "by", LFH_CTL_BY_MAX, &q->rep)) ||
	    !(to_s = lfh_ctl_need(&q->req, "to", sizeof tolist - 1, &q->rep)))
		return q->rep.code;
	desc = lfh_record_str(&q->req, "description");
	subject = lfh_record_str(&q->req, "subject");
	dob = lfh_record_str(&q->req, "dob");
	if (dob && (!lfh_osara_birth_date_valid(dob) || dob_in_future(dob)))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "dob: the subject's date of birth, YYYY-MM-DD "
				    "(1900 or later, not in the future)");
	if (subject && strlen(subject) > SUMMARY_MAX)
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "subject is too long (max 200 bytes)");
	if (desc && strlen(desc) > DESCRIPTION_MAX)
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "description is too long (max 8000 bytes)");
	for (int i = 0; i < 3; i++)
		ok_risk |= strcmp(risk, risks[i]) == 0;
	if (!ok_risk)
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "risk must be standard, medium or high");
	snprintf(tolist, sizeof tolist, "%s", to_s);
	if ((rc = split_agencies(tolist, to, &nto, &q->rep)))
		return rc;
	/* a re-referral: an earlier case held here (within 365 days) about the
	 * same subject or location; the most recent is linked */
	if ((rc = lfh_ctl_find_rereferral(q->node, t, subject, location, lfh_wall_ms(), reref, &err)))
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	if ((reref[0] && lfh_record_set_str(&body, "rereferral_of", reref, &err)) ||
	    lfh_record_set_str(&body, "summary", summary, &err) ||
	    lfh_record_set_str(&body, "location", location, &err) ||
	    lfh_record_set_str(&body, "asb_category", category, &err) ||
	    lfh_record_set_str(&body, "description", desc ? desc : "", &err) ||
	    lfh_record_set_str(&body, "risk", risk, &err) ||
	    (subject && lfh_record_set_str(&body, "subject", subject, &err)) ||
	    (dob && lfh_record_set_str(&body, "dob", dob, &err)) ||
	    lfh_record_set_str(&body, "by", by, &err)) {
		lfh_record_clear(&body);
		return lfh_ctl_fail(&q->rep, err.code, err.msg);
	}
	if ((rc = lfh_ctl_stamp(q, &body))) {
		lfh_record_clear(&body);
		return rc;
	}
	lfh_case_id_new(q->node->rules.hub_id, q->node->cfg.agency, case_id);
	{
		/* a refused referral takes no reference number: its rules and recipients first */
		char ref[LFH_OSARA_REF_MAX + 1];
		lfh_osara_state *empty = calloc(1, sizeof *empty);
		if (!empty)
			rc = lfh_err_set(&err, LFH_ENOMEM, "out of memory");
		else
			rc = lfh_osara_check(empty, LFH_EV_REFERRAL, q->node->cfg.agency, &body, &err);
		free(empty);
		if (rc ||
		    (rc = lfh_ctl_referral_recipients_ok(q->node, t, case_id, to, nto, &err)) ||
		    (rc = lfh_refs_next(q->node, t, lfh_wall_ms(), ref, &err)) ||
		    (rc = lfh_record_set_str(&body, "ref", ref, &err))) {
			lfh_record_clear(&body);
			return lfh_ctl_fail(&q->rep, rc, err.msg);
		}
	}
	rc = lfh_ctl_write(q, t, case_id, LFH_EV_REFERRAL, "referral", to, nto, &body);
	if (!rc && reref[0] && q->rep.n &&
	    lfh_record_set_str(&q->rep.recs[0], "rereferral_of", reref, &err))
		rc = lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	if (!rc && q->rep.n &&
	    lfh_record_set_str(&q->rep.recs[0], "ref", lfh_record_str(&body, "ref"), &err))
		rc = lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	lfh_record_clear(&body);
	return rc;
}

struct find_referral {
	const uint8_t *raw;
	size_t len;
	lfh_event hdr;
};

/* Scan callback: stop at the case's referral event. */
static int find_referral_fn(void *ctx, uint64_t key, const uint8_t id[LFH_ID_LEN],
			    const uint8_t *raw, size_t len)
{
	struct find_referral *f = ctx;
	(void)key;
	(void)id;
	if (lfh_event_decode(raw, len, &f->hdr, NULL))
		return 0;
	if (f->hdr.type == LFH_EV_REFERRAL) {
		f->raw = raw;
		f->len = len;
		return 1;
	}
	lfh_event_clear(&f->hdr);
	return 0;
}

/* A note follows the case model's rules too: e.g. none on a closed case (reply set if not). */
static int note_allowed(lfh_ctl_req *q, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			const lfh_record *body)
{
	/* a referral this node cannot read: its peers judge */
	return lfh_ctl_step_allowed(q, t, case_id, LFH_EV_NOTE, body, 1);
}

int ctl_note_add(lfh_ctl_req *q, lfh_txn *t)
{
	const char *text, *by, *category;
	const char *to[LFH_MAX_RECIPIENTS + 1];
	size_t nto = 0;
	uint8_t case_id[LFH_CASE_LEN];
	struct find_referral f = { 0 };
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	int rc;

	if (!(text = lfh_ctl_need(&q->req, "text", NOTE_MAX, &q->rep)) ||
	    !(by = lfh_ctl_need(&q->req, "by", LFH_CTL_BY_MAX, &q->rep)))
		return q->rep.code;
	if (!(category = lfh_ctl_category(q)))
		return q->rep.code;
	if ((rc = lfh_ctl_find_case(t, lfh_record_str(&q->req, "case"), case_id, &q->rep)))
		return rc;
	if ((rc = lfh_store_scan_case(t, case_id, find_referral_fn, &f, &err)))
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	if (!f.raw)
		return lfh_ctl_fail(&q->rep, LFH_ENOTFOUND, "this node holds no referral for that case");
	/* Without an ISA a note goes to everyone the referral went to, and its
	 * author; with one, the ISA's rule for the category decides. */
	if (!lfh_policy_active(&q->node->rules)) {
		to[nto++] = f.hdr.author;
		for (uint32_t i = 0; i < f.hdr.nrcpt; i++)
			to[nto++] = f.hdr.rcpt[i].agency;
	}
	if (lfh_record_set_str(&body, "text", text, &err) || lfh_record_set_str(&body, "by", by, &err))
		rc = lfh_ctl_fail(&q->rep, err.code, err.msg);
	else if (!(rc = lfh_ctl_stamp(q, &body)) && !(rc = note_allowed(q, t, case_id, &body)))
		rc = lfh_ctl_write(q, t, case_id, LFH_EV_NOTE, category, nto ? to : NULL, nto, &body);
	lfh_record_clear(&body);
	lfh_event_clear(&f.hdr);
	return rc;
}

static const char *type_name(uint32_t type)
{
	switch (type) {
	case LFH_EV_KEY: return "key";
	case LFH_EV_REFERRAL: return "referral";
	case LFH_EV_NOTE: return "note";
	case LFH_EV_JOIN: return "join";
	case LFH_EV_CLOSE: return "close";
	case LFH_EV_ISA_PROPOSE: return "isa-propose";
	case LFH_EV_ISA_SIGN: return "isa-sign";
	case LFH_EV_ISA_WITHDRAW: return "isa-withdraw";
	default: return lfh_osara_type_name(type);
	}
}

struct shred_note {
	char cats[256];
	uint64_t ms;
};

static int shred_note_fn(void *vctx, const uint8_t *key, size_t klen, const uint8_t *val,
			 size_t vlen)
{
	struct shred_note *s = vctx;
	lfh_record r = { 0 };
	uint64_t ms = 0;
	if (klen != LFH_CASE_LEN + 32)
		return 0;
	if (s->cats[0])
		strncat(s->cats, ",", sizeof s->cats - strlen(s->cats) - 1);
	strncat(s->cats, (const char *)key + LFH_CASE_LEN, sizeof s->cats - strlen(s->cats) - 1);
	if (lfh_record_decode(val, vlen, &r, NULL) == 0 && lfh_record_uint(&r, "ms", &ms) &&
	    ms > s->ms)
		s->ms = ms;
	lfh_record_clear(&r);
	return 0;
}

/* Why a case's referral is not readable here: shredded (when, what) or never held. */
static const char *shred_note(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], char *out,
			      size_t size)
{
	struct shred_note s = { "", 0 };
	char when[32];
	lfh_store_tbl_scan(t, LFH_TBL_SHRED, case_id, LFH_CASE_LEN, shred_note_fn, &s, NULL);
	if (!s.cats[0])
		return "no referral held";
	lfh_ctl_time(s.ms, when);
	snprintf(out, size, "shredded %s at the end of its retention period (%s)", when, s.cats);
	return out;
}

/* The case's participants as "a,b,c", if any are known here. */
static int describe_participants(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
				 lfh_record *out, lfh_err *err)
{
	char lead[LFH_AGENCY_MAX + 1], list[LFH_AGENCIES_MAX * (LFH_AGENCY_MAX + 1)];
	lfh_agencies parts;
	int rc = lfh_parties_get(t, case_id, lead, &parts, err);

	if (rc || parts.n == 0)
		return rc;
	lfh_agencies_join(&parts, list, sizeof list);
	return lfh_record_set_str(out, "participants", list, err);
}

/*
 * Fill the case summary record: non-secret index plus the decrypted
 * referral, unless the case as projected (st, if known) says the lead
 * redacted the referral: its text is then out of every view.
 */
int ctl_case_describe(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		      const lfh_record *meta, const lfh_osara_state *st, lfh_record *out,
		      lfh_err *err)
{
	static const char *fields[] = { "summary", "location", "asb_category", "risk",
					"description", "by", "ref", "subject", "dob", "ext_id" };
	struct find_referral f = { 0 };
	lfh_event ev = { 0 };
	lfh_record body = { 0 };
	char hex[2 * LFH_CASE_LEN + 1], when[32], note[384];
	uint64_t v;
	int rc;

	lfh_hex(hex, case_id, LFH_CASE_LEN);
	rc = lfh_record_set_str(out, "case", hex, err);
	if (!rc && lfh_record_str(meta, "lead"))
		rc = lfh_record_set_str(out, "lead", lfh_record_str(meta, "lead"), err);
	if (!rc && lfh_record_uint(meta, "events", &v))
		rc = lfh_record_set_uint(out, "events", v, err);
	if (!rc && lfh_record_uint(meta, "first_hlc", &v)) {
		lfh_ctl_time(lfh_hlc_ms(v), when);
		rc = lfh_record_set_str(out, "created", when, err);
	}
	if (!rc)
		rc = describe_participants(t, case_id, out, err);
	if (!rc && lfh_record_uint(meta, "closed_ms", &v)) {
		/* when the lead closed it (its CLOSE's stamp), the same at every node; the local
		 * time it closed here (its retention clock) only where the steps are not held */
		if (st && st->stage == LFH_OSARA_CLOSED && st->closed_hlc)
			v = lfh_hlc_ms(st->closed_hlc);
		lfh_ctl_time(v, when);
		rc = lfh_record_set_str(out, "closed", when, err);
		if (!rc)
			rc = lfh_record_set_uint(out, "closed_ms", v, err);
	}
	if (!rc && lfh_record_uint(meta, "last_hlc", &v)) {
		lfh_ctl_time(lfh_hlc_ms(v), when);
		rc = lfh_record_set_str(out, "updated", when, err);
	}
	if (!rc)
		rc = lfh_store_scan_case(t, case_id, find_referral_fn, &f, err);
	if (rc)
		return rc;
	lfh_event_clear(&f.hdr);
	if (!f.raw)
		return lfh_record_set_str(out, "readable", shred_note(t, case_id, note, sizeof note),
					  err);
	if (st && st->referral_redacted)
		return lfh_record_set_str(out, "readable", "redacted: the lead agency took the "
					  "referral's text out of every view (lfh case show)", err);
	rc = lfh_node_open_event(n, t, f.raw, f.len, &ev, &body, err);
	if (rc == LFH_ENOKEY || rc == LFH_ECRYPTO) {
		rc = lfh_record_set_str(out, "readable", err->msg, err);
	} else if (!rc) {
		rc = lfh_record_set_str(out, "readable", "yes", err);
		for (size_t i = 0; !rc && i < sizeof fields / sizeof fields[0]; i++) {
			const char *s = lfh_record_str(&body, fields[i]);
			if (s)
				rc = lfh_record_set_str(out, fields[i], s, err);
		}
	}
	lfh_event_clear(&ev);
	lfh_record_clear(&body);
	return rc;
}

/* case_list's filters (all optional; a case must pass every one given). */
struct list_filter {
	int open, closed, overdue, mine;
	const char *lead, *risk, *stage;
	lfh_osara_state *st; /* the projection, when a filter or the listing needs it */
	uint64_t now;
};

struct list_ctx {
	lfh_node *n;
	lfh_txn *t;
	lfh_ctl_reply *rep;
	lfh_err *err;
	lfh_ctl_page page;          /* case_list, case_show */
	uint64_t after_hlc;         /* case_show: the last event of the page before / this one */
	uint8_t after_id[LFH_ID_LEN];
	struct list_filter f;       /* case_list */
	const lfh_osara_state *st;  /* case_show: the case as projected, for corrections */
	lfh_ctl_req *q;
	late_set late;              /* case_show: past the timeline, not applied */
	int sections;               /* case_show: tag records with `section` (a chronology) */
	const struct case_joins *joins; /* case_show: who joined, for `backfilled` */
};

/* Fields of an entry's body a view shows: left out of a redacted entry. */
static int content_field(const char *key)
{
	static const char *const keep[] = { "event", "type", "author", "seq", "hlc", "time",
					    "category", "recipients", "readable", "on_ms", "on",
					    "by", "team" };
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
		if (!strcmp(key, keep[i]))
			return 0;
	return 1;
}

/*
 * What the projection says of the entry with this id: flagged (ignored,
 * with the rule it broke), corrected (amended: the correction replaces its
 * text; the original stays as original_text) or redacted (its content left
 * out, the reason given). An entry past a full timeline is flagged from
 * late (NULL: not known), as the timeline would have flagged it.
 */
int ctl_case_corrections(const lfh_osara_state *st, const late_set *late,
			 const uint8_t id[LFH_ID_LEN], lfh_record *out, lfh_err *err)
{
	const lfh_osara_entry *e = NULL, *target = NULL;
	const char *text, *thex = lfh_record_str(out, "target");
	uint8_t tid[LFH_ID_LEN];
	int rc = 0;

	for (uint32_t i = 0; st && i < st->ntimeline && !e; i++)
		if (!memcmp(st->timeline[i].id, id, LFH_ID_LEN))
			e = &st->timeline[i];
	if (thex && strlen(thex) == 2 * LFH_ID_LEN && !lfh_unhex(tid, LFH_ID_LEN, thex))
		for (uint32_t i = 0; st && i < st->ntimeline && !target; i++)
			if (!memcmp(st->timeline[i].id, tid, LFH_ID_LEN))
				target = &st->timeline[i];
	if (target && target->redacted && lfh_record_str(out, "text")) {
		lfh_record_del(out, "text"); /* a correction of a redacted entry goes with it */
		rc = lfh_record_set_str(out, "redacted", target->redact_reason, err);
	}
	for (size_t i = 0; !e && !rc && late && i < late->n; i++)
		if (!memcmp(late->v[i].id, id, LFH_ID_LEN))
			return lfh_record_set_str(out, "ignored", late->v[i].reason, err);
	if (!e || rc)
		return rc;
	if (e->ignored)
		return lfh_record_set_str(out, "ignored", e->reason, err);
	if (e->redacted) {
		for (size_t i = out->n; i-- > 0;)
			if (content_field(out->f[i].key))
				lfh_record_del(out, out->f[i].key);
		return lfh_record_set_str(out, "redacted", e->redact_reason, err);
	}
	if (e->amended[0]) {
		if ((text = lfh_record_str(out, "text")))
			rc = lfh_record_set_str(out, "original_text", text, err);
		if (!rc)
			rc = lfh_record_set_str(out, "text", e->amended, err);
		if (!rc)
			rc = lfh_record_set_str(out, "amended_by", e->amended_by, err);
		if (!rc) /* when it was corrected: a court asks */
			rc = lfh_record_set_uint(out, "amended_ms", lfh_hlc_ms(e->amended_hlc), err);
	}
	return rc;
}

/* Does the projected case pass the filters (and mine: is this agency its lead or tasked)? */
static int passes(const struct list_ctx *x, const lfh_osara_state *st)
{
	const struct list_filter *f = &x->f;
	const char *self = x->n->cfg.agency;
	int tasked = 0;

	if ((f->open && st->stage == LFH_OSARA_CLOSED) || (f->closed && st->stage != LFH_OSARA_CLOSED))
		return 0;
	if ((f->lead && strcmp(st->lead, f->lead)) || (f->risk && strcmp(st->risk_level, f->risk)) ||
	    (f->stage && strcmp(lfh_osara_stage_name(st->stage), f->stage)))
		return 0;
	if (f->overdue && !lfh_ctl_case_overdue(st, f->now, f->mine ? self : NULL))
		return 0;
	for (uint32_t i = 0; f->mine && i < st->nactions && !tasked; i++)
		tasked = !strcmp(st->actions[i].agency, self) &&
			 !lfh_osara_action_settled(&st->actions[i]);
	return !f->mine || tasked || !strcmp(st->lead, self);
}

/* The all-zero case: the hub's own events, which earlier builds indexed as a case. */
int ctl_is_hub_case(const uint8_t case_id[LFH_CASE_LEN])
{
	static const uint8_t hub_case[LFH_CASE_LEN];

	return !memcmp(case_id, hub_case, LFH_CASE_LEN);
}

static int list_case_fn(void *vctx, const uint8_t case_id[LFH_CASE_LEN], const lfh_record *meta)
{
	struct list_ctx *x = vctx;
	lfh_record *out;
	int rc;

	if (ctl_is_hub_case(case_id))
		return 0;

	if (lfh_ctl_page_stop(&x->page, x->rep, case_id))
		return 1; /* this page is full: the client asks for the next */
	lfh_ctl_yield(x->q);
	if ((rc = lfh_ctl_case_digest(x->q, x->t, case_id, x->f.st, x->err)) < 0)
		return rc;
	if (x->f.st->stage == LFH_OSARA_NONE && (x->f.open || x->f.closed || x->f.overdue ||
						  x->f.mine || x->f.lead || x->f.risk || x->f.stage))
		return 0; /* nothing readable to filter on */
	if (x->f.st->stage != LFH_OSARA_NONE && !passes(x, x->f.st))
		return 0;
	if (!(out = lfh_ctl_add(x->rep)))
		return lfh_err_set(x->err, LFH_ENOMEM, "out of memory");
	rc = ctl_case_describe(x->n, x->t, case_id, meta, x->f.st, out, x->err);
	if (!rc && x->f.st->stage != LFH_OSARA_NONE)
		rc = lfh_ctl_case_progress(x->f.st, x->f.now, out, x->err);
	return rc;
}

/* One page of cases in id order, after the case the request's `after` names (PROTOCOL.md 10). */
int ctl_case_list(lfh_ctl_req *q, lfh_txn *t)
{
	static const char *const flags[] = { "open", "closed", "overdue", "mine" };
	lfh_err err = { 0 };
	struct list_ctx x = { q->node, t, &q->rep, &err, { 0 }, 0, { 0 }, { 0 }, NULL, q, { 0 }, 0, NULL };
	int *set[] = { &x.f.open, &x.f.closed, &x.f.overdue, &x.f.mine };
	int rc = lfh_ctl_page_begin(q, &x.page);

	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		const char *v = lfh_record_str(&q->req, flags[i]);
		*set[i] = v && !strcmp(v, "yes");
	}
	x.f.lead = lfh_record_str(&q->req, "lead");
	x.f.risk = lfh_record_str(&q->req, "risk");
	x.f.stage = lfh_record_str(&q->req, "stage");
	x.f.now = lfh_wall_ms();
	if (x.f.open && x.f.closed)
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "open and closed: a case is one or the other");
	if (x.f.stage && strcmp(lfh_osara_stage_name(LFH_OSARA_NONE), x.f.stage) != 0) {
		int known = 0;
		for (int s = LFH_OSARA_NONE; s <= LFH_OSARA_CLOSED; s++)
			known |= !strcmp(lfh_osara_stage_name(s), x.f.stage);
		if (!known)
			return lfh_ctl_fail(&q->rep, LFH_EINVAL, "stage: one of referred, assessed, "
					    "scanning, analysis, response, assessment, "
					    "closure_proposed, closed");
	}
	if (x.f.risk && strcmp(x.f.risk, "standard") && strcmp(x.f.risk, "medium") &&
	    strcmp(x.f.risk, "high"))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "risk: one of standard, medium or high");
	if (!(x.f.st = malloc(sizeof *x.f.st)))
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	rc = lfh_store_scan_cases_after(t, x.page.has_after ? x.page.after : NULL, list_case_fn, &x,
					&err);
	free(x.f.st);
	return rc ? lfh_ctl_fail(&q->rep, rc, err.msg) : lfh_ctl_page_end(q, &x.page);
}

/* Fill one timeline record for a stored event of a case. */
/* The JOINs of a case (who joined, and the JOIN's stamp): who was sent what came before. */
#define JOINS_MAX 64
typedef struct case_joins {
	size_t n;
	struct {
		uint64_t hlc;
		char agency[LFH_AGENCY_MAX + 1];
	} v[JOINS_MAX];
} case_joins;

struct joins_ctx {
	lfh_node *n;
	lfh_txn *t;
	case_joins *j;
};

static int join_fn(void *vctx, uint64_t key, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		   size_t len)
{
	struct joins_ctx *c = vctx;
	lfh_event ev = { 0 };
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	const char *agency;

	(void)id;
	if (lfh_event_peek_type(raw, len) != LFH_EV_JOIN || c->j->n == JOINS_MAX)
		return 0;
	if (lfh_node_open_event(c->n, c->t, raw, len, &ev, &body, &err) == 0 &&
	    (agency = lfh_record_str(&body, "agency"))) {
		c->j->v[c->j->n].hlc = key;
		snprintf(c->j->v[c->j->n++].agency, sizeof c->j->v[0].agency, "%s", agency);
	}
	lfh_event_clear(&ev);
	lfh_record_clear(&body);
	return 0;
}

static int collect_joins(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			 case_joins *j, lfh_err *err)
{
	struct joins_ctx c = { n, t, j };

	j->n = 0;
	return lfh_store_scan_case(t, case_id, join_fn, &c, err);
}

/*
 * The agencies event ev was sent to on joining the case after it (PROTOCOL.md
 * 5.3: an earlier event a newcomer may receive under the ISA in force), as
 * "a,b" in out ("" if none): who else it was shared with, for subject access.
 * Membership, closure and ISA events are not counted (the rules' own test).
 */
static void backfilled_to(const lfh_node *n, const case_joins *j, const lfh_event *ev,
			  const char *lead, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; j && i < j->n; i++) {
		const char *a = j->v[i].agency;
		char listed[LFH_AGENCY_MAX + 3];
		snprintf(listed, sizeof listed, ",%s,", a);
		if (j->v[i].hlc <= ev->hlc || lfh_event_find_recipient(ev, a) >= 0 ||
		    !strcmp(ev->author, a) ||
		    !lfh_policy_backfills_data(&n->rules, ev->type, ev->category, lead, a))
			continue;
		if (len && strstr(out, listed)) /* joined twice */
			continue;
		len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s,", len ? "" : ",",
					a);
	}
	if (len >= size) /* cannot happen: at most LFH_MAX_RECIPIENTS parties */
		len = size - 1;
	if (len) { /* ",a,b," -> "a,b" */
		out[len - 1] = '\0';
		memmove(out, out + 1, len - 1);
	}
}

static int describe_event(lfh_node *n, lfh_txn *t, const uint8_t id[LFH_ID_LEN],
			  const uint8_t *raw, size_t len, const case_joins *joins, const char *lead,
			  lfh_record *out, lfh_err *err)
{
	lfh_event ev = { 0 };
	lfh_record body = { 0 };
	char hex[2 * LFH_ID_LEN + 1], when[32];
	char rcpts[LFH_MAX_RECIPIENTS * (LFH_AGENCY_MAX + 1) + 1] = "";
	char later[JOINS_MAX * (LFH_AGENCY_MAX + 1) + 2];
	int orc = lfh_node_open_event(n, t, raw, len, &ev, &body, err);
	int rc = 0;

	if (orc && orc != LFH_ENOKEY && orc != LFH_ECRYPTO)
		return orc;
	lfh_hex(hex, id, LFH_ID_LEN);
	lfh_ctl_time(lfh_hlc_ms(ev.hlc), when);
	for (uint32_t i = 0; i < ev.nrcpt; i++) {
		strcat(rcpts, i ? "," : "");
		strcat(rcpts, ev.rcpt[i].agency);
	}
	if (lfh_record_set_str(out, "event", hex, err) ||
	    lfh_record_set_str(out, "type", type_name(ev.type), err) ||
	    lfh_record_set_str(out, "author", ev.author, err) ||
	    lfh_record_set_uint(out, "seq", ev.seq, err) ||
	    lfh_record_set_uint(out, "hlc", ev.hlc, err) ||
	    lfh_record_set_str(out, "time", when, err) ||
	    lfh_record_set_str(out, "category", ev.category, err) ||
	    lfh_record_set_str(out, "recipients", rcpts, err))
		rc = err->code;
	if (!rc && orc)
		rc = lfh_record_set_str(out, "readable", err->msg, err);
	backfilled_to(n, joins, &ev, lead, later, sizeof later);
	if (!rc && later[0])
		rc = lfh_record_set_str(out, "backfilled", later, err);
	for (size_t i = 0; !rc && !orc && i < body.n; i++) {
		const lfh_field *f = &body.f[i];
		const char *key = !strcmp(f->key, "event") ? "target" : f->key; /* AMEND, REDACT */
		if (strcmp(f->key, "type") && strcmp(f->key, "author") && strcmp(f->key, "on_ms") &&
		    strcmp(f->key, "target"))
			rc = f->kind == LFH_FIELD_STR ? lfh_record_set_str(out, key, f->str, err)
						      : lfh_record_set_uint(out, key, f->u, err);
	}
	if (!rc) { /* when it happened: its valid "on", a meeting's date, else when recorded */
		uint64_t on_ms;
		int dated;
		if (orc || (lfh_osara_on_ms(lfh_record_str(&body, "on"), &on_ms, &dated) &&
			    (ev.type != LFH_EV_MEETING ||
			     lfh_osara_on_ms(lfh_record_str(&body, "date"), &on_ms, &dated))))
			on_ms = lfh_hlc_ms(ev.hlc);
		rc = lfh_record_set_uint(out, "on_ms", on_ms, err);
	}
	lfh_event_clear(&ev);
	lfh_record_clear(&body);
	return rc;
}

/* Where a page of a case's timeline stops: the (hlc, id) of its last event. */
#define TIMELINE_CURSOR_LEN (8 + LFH_ID_LEN)

static int show_event_fn(void *vctx, uint64_t key, const uint8_t id[LFH_ID_LEN],
			 const uint8_t *raw, size_t len)
{
	struct list_ctx *x = vctx;
	lfh_record *out;
	int rc;

	if (lfh_event_peek_type(raw, len) == LFH_EV_CHUNK)
		return 0; /* a piece of an attachment, not an entry */
	/* the page before ended at (hlc, id) x->after: skip up to it */
	if (x->page.has_after && (key < x->after_hlc ||
				  (key == x->after_hlc && memcmp(id, x->after_id, LFH_ID_LEN) <= 0)))
		return 0;
	if (x->rep->n >= x->page.limit || lfh_ctl_reply_bytes(x->rep) >= LFH_CTL_PAGE_BYTES) {
		x->page.full = 1;
		return 1;
	}
	lfh_ctl_yield(x->q);
	x->after_hlc = key;
	memcpy(x->after_id, id, LFH_ID_LEN);
	if (!(out = lfh_ctl_add(x->rep)))
		return lfh_err_set(x->err, LFH_ENOMEM, "out of memory");
	if ((rc = describe_event(x->n, x->t, id, raw, len, x->joins, x->st->lead, out, x->err)) ||
	    (rc = ctl_case_corrections(x->st, &x->late, id, out, x->err)))
		return rc;
	return x->sections ? lfh_record_set_str(out, "section", "entry", x->err) : 0;
}

/* `after` of a timeline page: 80 hex digits, hlc (BE) then event id. */
static int timeline_after(lfh_ctl_req *q, struct list_ctx *x)
{
	const char *after = lfh_record_str(&q->req, "after");
	uint8_t cur[TIMELINE_CURSOR_LEN];

	x->page.limit = LFH_CTL_PAGE_MAX;
	if (lfh_record_uint(&q->req, "limit", &x->page.limit) &&
	    (x->page.limit < 1 || x->page.limit > LFH_CTL_PAGE_MAX))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "limit: expected 1 to 500 records a page");
	if (!after)
		return 0;
	if (strlen(after) != 2 * TIMELINE_CURSOR_LEN || lfh_unhex(cur, sizeof cur, after))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "after: expected 80 hex digits (a page "
				    "of this case's timeline)");
	x->page.has_after = 1;
	x->after_hlc = lfh_be64_get(cur);
	memcpy(x->after_id, cur + 8, LFH_ID_LEN);
	return 0;
}

/* The page ended early: a `next` record with the (hlc, id) of its last event. */
static int timeline_next(lfh_ctl_req *q, const struct list_ctx *x)
{
	uint8_t cur[TIMELINE_CURSOR_LEN];

	if (!x->page.full)
		return 0;
	lfh_be64_put(cur, x->after_hlc);
	memcpy(cur + 8, x->after_id, LFH_ID_LEN);
	return lfh_ctl_next_page(&q->rep, cur, sizeof cur);
}

int lfh_ctl_case_timeline(lfh_ctl_req *q, lfh_txn *t, int sections)
{
	uint8_t case_id[LFH_CASE_LEN];
	lfh_record meta = { 0 }, *out = NULL;
	lfh_err err = { 0 };
	struct list_ctx x = { q->node, t, &q->rep, &err, { 0 }, 0, { 0 }, { 0 }, NULL, q, { 0 },
			      sections, NULL };
	lfh_osara_state *st = NULL;
	case_joins *joins = NULL;
	int rc = lfh_ctl_find_case(t, lfh_record_str(&q->req, "case"), case_id, &q->rep);

	if (rc || (rc = timeline_after(q, &x)))
		return rc;
	st = malloc(sizeof *st);
	lfh_hex(q->case_hex, case_id, LFH_CASE_LEN);
	rc = lfh_store_case_get(t, case_id, &meta, &err);
	/* the case itself heads the first page only */
	if (!rc) {
		rc = st ? lfh_node_project_late(q->node, t, case_id, st, &x.late.v, &x.late.n, &err)
			: lfh_err_set(&err, LFH_ENOMEM, "out of memory");
		x.st = st;
	}
	if (!rc && sections && !(joins = malloc(sizeof *joins))) /* a chronology says who was sent */
		rc = lfh_err_set(&err, LFH_ENOMEM, "out of memory");
	if (!rc && joins && !(rc = collect_joins(q->node, t, case_id, joins, &err)))
		x.joins = joins;
	if (!rc && !x.page.has_after && !(out = lfh_ctl_add(&q->rep)))
		rc = lfh_err_set(&err, LFH_ENOMEM, "out of memory");
	if (!rc && !x.page.has_after)
		rc = ctl_case_describe(q->node, t, case_id, &meta, st, out, &err);
	if (!rc && !x.page.has_after && st->stage != LFH_OSARA_NONE)
		rc = lfh_ctl_case_progress(st, lfh_wall_ms(), out, &err);
	if (!rc && out && sections)
		rc = lfh_record_set_str(out, "section", "case", &err);
	if (!rc)
		rc = lfh_store_scan_case_from(t, case_id, x.after_hlc, show_event_fn, &x, &err);
	free(joins);
	free(st);
	free(x.late.v);
	lfh_record_clear(&meta);
	return rc ? lfh_ctl_fail(&q->rep, rc, err.msg) : timeline_next(q, &x);
}

int ctl_case_show(lfh_ctl_req *q, lfh_txn *t)
{
	return lfh_ctl_case_timeline(q, t, 0);
}

/* Scan callback: every entry of the case, described and corrected, tagged with a section. */
struct entries_ctx {
	lfh_node *n;
	lfh_txn *t;
	lfh_ctl_reply *rep;
	const lfh_osara_state *st;
	const char *section;
	lfh_err *err;
	lfh_ctl_req *q;
	late_set late;
	struct case_joins joins;
};

static int entry_fn(void *vctx, uint64_t key, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		    size_t len)
{
	struct entries_ctx *x = vctx;
	lfh_record *out;
	int rc;

	(void)key;
	if (lfh_event_peek_type(raw, len) == LFH_EV_CHUNK)
		return 0; /* a piece of an attachment, not an entry */
	lfh_ctl_yield(x->q);
	if (!(out = lfh_ctl_add(x->rep)))
		return lfh_err_set(x->err, LFH_ENOMEM, "out of memory");
	if ((rc = describe_event(x->n, x->t, id, raw, len, &x->joins, x->st->lead, out, x->err)) ||
	    (rc = ctl_case_corrections(x->st, &x->late, id, out, x->err)))
		return rc;
	return lfh_record_set_str(out, "section", x->section, x->err);
}

/* For a case whose timeline is full: the entries past it not applied (projected again). */
static int late_of(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		   const lfh_osara_state *st, late_set *late, lfh_err *err)
{
	lfh_osara_state *again;
	int rc;

	if (!st->timeline_omitted)
		return 0;
	if (!(again = malloc(sizeof *again)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	rc = lfh_node_project_late(n, t, case_id, again, &late->v, &late->n, err);
	free(again);
	return rc;
}

int lfh_ctl_case_records(lfh_ctl_req *q, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			 const lfh_osara_state *st, int entries, lfh_err *err)
{
	struct entries_ctx x = { q->node, t, &q->rep, st, "entry", err, q, { 0 }, { 0 } };
	lfh_record meta = { 0 }, *out;
	int rc = lfh_store_case_get(t, case_id, &meta, err);

	if (!rc && !(out = lfh_ctl_add(&q->rep)))
		rc = lfh_err_set(err, LFH_ENOMEM, "out of memory");
	if (!rc)
		rc = ctl_case_describe(q->node, t, case_id, &meta, st, out, err);
	if (!rc && st->stage != LFH_OSARA_NONE)
		rc = lfh_ctl_case_progress(st, lfh_wall_ms(), out, err);
	if (!rc)
		rc = lfh_record_set_str(out, "section", "case", err);
	if (!rc && entries)
		rc = late_of(q->node, t, case_id, st, &x.late, err);
	if (!rc && entries)
		rc = collect_joins(q->node, t, case_id, &x.joins, err);
	if (!rc && entries)
		rc = lfh_store_scan_case(t, case_id, entry_fn, &x, err);
	free(x.late.v);
	lfh_record_clear(&meta);
	return rc;
}
