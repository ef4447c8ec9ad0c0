/*
 * ctl_report.c - the hub's performance framework and monthly tactical
 * picture, computed over the cases held at this node (each node reports
 * over what it holds; see include/lfh/ctl.h), and the re-referral link made
 * when a referral is filed.
 *
 *   report_performance [from_ms] [to_ms]  (wall ms, inclusive; default: all)
 *   report_tactical    month ("YYYY-MM", UTC)
 *
 * Both reply with rows {section, key, value} (value always a string), in
 * display order. Every case is projected (lfh_ctl_project), so the figures
 * agree with `lfh case state` at every node holding the same events.
 *
 * Definitions:
 *   - a case's time is when it was referred: its referral's "on" (an
 *     imported history's date), else the referral's HLC time; a case is "in
 *     the window" (or in the month) if that time is;
 *   - risk is the case's current risk level (the latest RISK, else the
 *     referral's rating); the originating agency is the referral's author;
 *   - powers: the actions of the window's cases that were not cancelled;
 *   - offers: the same actions as offers of intervention, by agency (or
 *     signposted organisation) and power: made, accepted (done), refused
 *     (refused or not engaged with), not engaged; team_offers by the
 *     agency/team of the caseworker who tasked each, team_entries the valid
 *     entries written by each agency/team;
 *   - open / overdue: open actions of those cases (not closed), by
 *     lfh_osara_due at the time of the report;
 *   - a referral is "repeated" when a case held here whose referral names it
 *     as rereferral_of was referred after it and within 12 months (365 days),
 *     unless the lead redacted either referral (it named the wrong person);
 *     rate_pct = repeated / assessed, where assessed = every readable
 *     referral in the window (re-referrals included); positive_outcome_pct =
 *     the rest. first_* are the same over the window's referrals that are
 *     not themselves re-referrals (the problems first referred then);
 *   - a referral this node cannot read (no sharing key, or shredded) counts
 *     only where metadata allows: in the total and by agency, from its
 *     signed header; its risk and category are "unknown"; it is left out of
 *     every other figure. The reply says so in section "note".
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/ctl.h"
#include "lfh/hlc.h"
#include "lfh/osara.h"
#include "lfh/project.h"
#include "lfh/reref.h"
#include "lfh/summary.h"

#include "ctl_report_int.h"

#define YEAR_MS (365ULL * LFH_OSARA_DAY_MS)

/* ---- matching ----------------------------------------------------------- */

/* A case's referral event: its header, and its body when readable here. */
struct referral_of {
	lfh_node *n;
	lfh_txn *t;
	int found, readable;
	lfh_event ev;
	lfh_record body;
};

static int referral_of_fn(void *ctx, uint64_t key, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
			  size_t len)
{
	struct referral_of *r = ctx;
	int rc;

	(void)key;
	(void)id;
	rc = lfh_node_open_event(r->n, r->t, raw, len, &r->ev, &r->body, NULL);
	if (r->ev.type != LFH_EV_REFERRAL) { /* (a failed decode leaves ev cleared) */
		lfh_event_clear(&r->ev);
		lfh_record_clear(&r->body);
		return rc == LFH_ENOMEM ? rc : 0;
	}
	r->found = 1;
	r->readable = rc == 0;
	return rc == LFH_ENOMEM ? rc : 1;
}

static void referral_of_clear(struct referral_of *r)
{
	lfh_event_clear(&r->ev);
	lfh_record_clear(&r->body);
	r->found = r->readable = 0;
}

/* Scan callback: a case's readable referral into the re-referral index. */
static int reref_build_fn(void *vctx, const uint8_t case_id[LFH_CASE_LEN], const lfh_record *meta)
{
	struct referral_of *r = vctx;
	int rc;

	(void)meta;
	referral_of_clear(r);
	if ((rc = lfh_store_scan_case(r->t, case_id, referral_of_fn, r, NULL)) < 0)
		return rc == LFH_ENOMEM ? rc : 0;
	if (!r->readable)
		return 0;
	return lfh_reref_add(r->t, case_id, r->ev.hlc, lfh_record_str(&r->body, "subject"),
			     lfh_record_str(&r->body, "location"), NULL);
}

/*
 * The earlier case the index names is no link if its lead redacted its
 * referral: the subject and place it gave are out of every view (a wrong
 * person named, say). Its summary says so, else its projection.
 */
static int forget_if_redacted(lfh_node *n, lfh_txn *t, char case_hex[2 * LFH_CASE_LEN + 1],
			      lfh_err *err)
{
	uint8_t case_id[LFH_CASE_LEN];
	lfh_osara_state *st = calloc(1, sizeof *st);
	int rc;

	if (!st)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	lfh_unhex(case_id, LFH_CASE_LEN, case_hex);
	rc = lfh_summary_get(t, case_id, st, err);
	if (rc == 0)
		rc = lfh_node_project(n, t, case_id, st, err);
	else if (rc == 1)
		rc = 0;
	if (!rc && st->referral_redacted)
		case_hex[0] = '\0';
	free(st);
	return rc;
}

int lfh_ctl_find_rereferral(lfh_node *n, lfh_txn *t, const char *subject, const char *location,
			    uint64_t now_ms, char out[2 * LFH_CASE_LEN + 1], lfh_err *err)
{
	struct referral_of r = { .n = n, .t = t };
	int ready = 0, rc = lfh_reref_ready(t, &ready, err);

	/* a store from before the index: built once, from every referral held */
	if (!rc && !ready) {
		rc = lfh_store_scan_cases(t, reref_build_fn, &r, err);
		referral_of_clear(&r);
		if (!rc)
			rc = lfh_reref_set_ready(t, err);
	}
	if (!rc)
		rc = lfh_reref_find(t, subject, location, now_ms, out, err);
	if (!rc && out[0])
		rc = forget_if_redacted(n, t, out, err);
	return rc;
}

/* ---- what the reports gather per case ----------------------------------- */

typedef struct rcase {
	uint8_t id[LFH_CASE_LEN];
	int readable;   /* the referral was read here (else: header only) */
	int redacted;   /* the lead redacted the referral: no re-referral link either way */
	uint64_t ms;    /* when it was referred */
	char author[LFH_AGENCY_MAX + 1];
	char risk[12];
	char category[LFH_OSARA_NAME_MAX + 1];
	char rereferral_of[2 * LFH_CASE_LEN + 1];
	char subject[TEXT_MAX + 1];
	char location[TEXT_MAX + 1];
	char summary[TEXT_MAX + 1];
	int repeated;
	uint32_t reopened; /* REOPENs of the case */
	int closed;
} rcase;

/* ---- gathering ---------------------------------------------------------- */

typedef struct report {
	lfh_ctl_req *q;
	lfh_txn *t;
	lfh_err *err;
	lfh_osara_state *st;
	lfh_osara_due_item *due;
	uint64_t now, from_ms, to_ms; /* period, inclusive */
	uint64_t upto_ms;             /* cases after this are not gathered */
	uint64_t summaries;           /* cases read from their summary */
	long upto_days;               /* meetings dated after this are not gathered */
	rcase *cs;
	size_t n, cap;
	uint64_t no_referral;         /* cases held with no referral event here */
	tally powers, victims;
	uint64_t open_actions, overdue_actions;
	offers by_power;  /* "AGENCY POWER" */
	offers by_team;   /* "AGENCY/TEAM" of the caseworker who tasked it */
	tally team_entries; /* "AGENCY/TEAM" of every valid entry with a team */
} report;

static int in_period(const report *r, uint64_t ms)
{
	return ms >= r->from_ms && ms <= r->to_ms;
}

/* An action of a case in the period: its power, and the offer it was, by agency and by team. */
static int count_action(report *r, const lfh_osara_action *a, uint64_t ms)
{
	char key[2 * (LFH_OSARA_NAME_MAX + 1)];
	int rc = 0;

	if (strcmp(a->status, "cancelled") && (rc = tally_add(&r->powers, a->power, r->n, ms, 1)))
		return rc;
	snprintf(key, sizeof key, "%s %s", a->signpost[0] ? a->signpost : a->agency, a->power);
	if ((rc = offers_add(&r->by_power, key, a)))
		return rc;
	if (!a->team[0])
		return 0;
	snprintf(key, sizeof key, "%s/%s", a->author, a->team);
	return offers_add(&r->by_team, key, a);
}

/* A valid timeline entry written by a caseworker of a team. */
static int count_team_entry(report *r, const lfh_osara_entry *e, uint64_t ms)
{
	char key[2 * (LFH_OSARA_NAME_MAX + 1)];

	if (!e->team[0] || e->ignored || e->unreadable)
		return 0;
	snprintf(key, sizeof key, "%s/%s", e->author, e->team);
	return tally_add(&r->team_entries, key, r->n, ms, 1);
}

/* The case's state as the report reads it (lfh_ctl_case_digest: `recompute` projects it). */
static int case_state(report *r, const uint8_t case_id[LFH_CASE_LEN])
{
	int rc;

	if ((rc = lfh_ctl_case_digest(r->q, r->t, case_id, r->st, r->err)) > 0)
		r->summaries++;
	return rc < 0 ? rc : 0;
}

static int gather_fn(void *vctx, const uint8_t case_id[LFH_CASE_LEN], const lfh_record *meta)
{
	report *r = vctx;
	lfh_osara_state *st = r->st;
	rcase *c;
	int rc;

	/* every case: one recorded after the report's end may be dated (its "on") within it */
	(void)meta;
	lfh_ctl_yield(r->q);
	if ((rc = case_state(r, case_id)) < 0)
		return rc;
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		rcase *v = realloc(r->cs, cap * sizeof *v);
		if (!v)
			return lfh_err_set(r->err, LFH_ENOMEM, "out of memory");
		r->cs = v;
		r->cap = cap;
	}
	c = &r->cs[r->n];
	memset(c, 0, sizeof *c);
	memcpy(c->id, case_id, LFH_CASE_LEN);
	if (st->stage == LFH_OSARA_NONE) {
		/* no readable (valid) referral: what the signed header tells */
		struct referral_of ro = { .n = r->q->node, .t = r->t };
		rc = lfh_store_scan_case(r->t, case_id, referral_of_fn, &ro, r->err);
		if (rc == 0 && ro.found) {
			c->ms = lfh_hlc_ms(ro.ev.hlc);
			snprintf(c->author, sizeof c->author, "%s", ro.ev.author);
		}
		if (!ro.found)
			r->no_referral++;
		rc = rc ? rc : ro.found ? 0 : 1;
		referral_of_clear(&ro);
		if (rc)
			return rc < 0 ? rc : 0;
		if (c->ms > r->upto_ms)
			return 0;
		snprintf(c->risk, sizeof c->risk, "unknown");
		snprintf(c->category, sizeof c->category, "unknown");
		r->n++;
		return 0;
	}
	c->readable = 1;
	c->redacted = st->referral_redacted;
	c->ms = st->referral_on_ms ? st->referral_on_ms : lfh_hlc_ms(st->referral_hlc);
	if (c->ms > r->upto_ms)
		return 0;
	snprintf(c->author, sizeof c->author, "%s", st->referral_author);
	snprintf(c->risk, sizeof c->risk, "%s", st->risk_level[0] ? st->risk_level : "standard");
	snprintf(c->category, sizeof c->category, "%s", st->asb_category);
	snprintf(c->rereferral_of, sizeof c->rereferral_of, "%s", st->rereferral_of);
	snprintf(c->subject, sizeof c->subject, "%s", st->subject);
	snprintf(c->location, sizeof c->location, "%s", st->location);
	snprintf(c->summary, sizeof c->summary, "%s", st->summary);
	c->reopened = st->nreopened;
	c->closed = st->stage == LFH_OSARA_CLOSED;
	for (uint32_t i = 0; i < st->nmeetings; i++) {
		long d = lfh_osara_date_days(st->meetings[i].date);
		if (d >= 0 && d <= r->upto_days &&
		    (rc = tally_add(&r->victims, st->meetings[i].victim, r->n,
				    lfh_hlc_ms(st->meetings[i].hlc), in_period(r, (uint64_t)d * LFH_OSARA_DAY_MS))))
			return lfh_err_set(r->err, rc, "out of memory");
	}
	if (in_period(r, c->ms)) {
		size_t n = 0;
		for (uint32_t i = 0; i < st->nactions; i++)
			if ((rc = count_action(r, &st->actions[i], c->ms)))
				return lfh_err_set(r->err, rc, "out of memory");
		for (uint32_t i = 0; i < st->ntimeline; i++)
			if ((rc = count_team_entry(r, &st->timeline[i], c->ms)))
				return lfh_err_set(r->err, rc, "out of memory");
		if ((rc = lfh_osara_due(st, r->now, r->due, LFH_OSARA_MAX_DUE, &n)))
			return lfh_err_set(r->err, rc, "cannot compute what is due");
		for (size_t i = 0; i < n && i < LFH_OSARA_MAX_DUE; i++) {
			if (r->due[i].kind != LFH_OSARA_DUE_ACTION)
				continue;
			r->open_actions++;
			r->overdue_actions += r->due[i].status == LFH_OSARA_OVERDUE;
		}
	}
	r->n++;
	return 0;
}

static int case_cmp(const void *a, const void *b)
{
	return memcmp(((const rcase *)a)->id, ((const rcase *)b)->id, LFH_CASE_LEN);
}

/* Pointers to cases, by referral time then id. */
static int case_time_cmp(const void *a, const void *b)
{
	const rcase *x = *(const rcase *const *)a, *y = *(const rcase *const *)b;
	if (x->ms != y->ms)
		return x->ms < y->ms ? -1 : 1;
	return case_cmp(x, y);
}

/* Mark every gathered case that a later case names as rereferral_of within 12 months. */
static void link_rereferrals(report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const rcase *c = &r->cs[i];
		rcase key, *target;
		if (!c->readable || strlen(c->rereferral_of) != 2 * LFH_CASE_LEN ||
		    lfh_unhex(key.id, LFH_CASE_LEN, c->rereferral_of))
			continue;
		target = bsearch(&key, r->cs, r->n, sizeof r->cs[0], case_cmp);
		if (target && target->readable && !c->redacted && !target->redacted &&
		    c->ms > target->ms && c->ms - target->ms <= YEAR_MS)
			target->repeated = 1;
	}
}

static void report_free(report *r)
{
	free(r->st);
	free(r->due);
	free(r->cs);
	tally_free(&r->powers);
	tally_free(&r->victims);
	tally_free(&r->team_entries);
	free(r->by_power.v);
	free(r->by_team.v);
}

static int gather(report *r)
{
	int rc;

	r->st = malloc(sizeof *r->st);
	r->due = calloc(LFH_OSARA_MAX_DUE, sizeof *r->due);
	if (!r->st || !r->due)
		return lfh_err_set(r->err, LFH_ENOMEM, "out of memory");
	rc = lfh_store_scan_cases(r->t, gather_fn, r, r->err);
	if (!rc && r->n) /* scan order is id order already; keep bsearch safe regardless */
		qsort(r->cs, r->n, sizeof r->cs[0], case_cmp);
	if (!rc)
		link_rereferrals(r);
	return rc;
}

/* ---- rows --------------------------------------------------------------- */

static int row(report *r, const char *section, const char *key, const char *value)
{
	lfh_record *out = lfh_ctl_add(&r->q->rep);
	if (!out || lfh_record_set_str(out, "section", section, r->err) ||
	    lfh_record_set_str(out, "key", key, r->err) ||
	    lfh_record_set_str(out, "value", value, r->err))
		return lfh_err_set(r->err, LFH_ENOMEM, "out of memory");
	return 0;
}

static int row_u(report *r, const char *section, const char *key, uint64_t v)
{
	char b[24];
	snprintf(b, sizeof b, "%llu", (unsigned long long)v);
	return row(r, section, key, b);
}

static int row_pct(report *r, const char *section, const char *key, uint64_t num, uint64_t den)
{
	char b[24];
	if (den)
		snprintf(b, sizeof b, "%.1f", 100.0 * (double)num / (double)den);
	else
		snprintf(b, sizeof b, "n/a");
	return row(r, section, key, b);
}

/* Rows for the groups of t with count >= min (and in the period, if asked). */
static int group_rows(report *r, const char *section, tally *t, int distinct, uint64_t min,
		      int need_period, int shown)
{
	group *g = NULL;
	size_t n = 0;
	int rc = tally_groups(t, distinct, &g, &n);

	if (rc)
		return lfh_err_set(r->err, rc, "out of memory");
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (g[i].count >= min && (!need_period || g[i].in_period))
			rc = row_u(r, section, shown ? g[i].shown : g[i].key, g[i].count);
	free(g);
	return rc;
}

static void day_of(uint64_t ms, char out[32])
{
	lfh_ctl_time(ms, out);
	out[10] = '\0';
}

static int note_rows(report *r, uint64_t unreadable)
{
	char b[320];
	int rc;

	snprintf(b, sizeof b, "cases held at this node (%s); other nodes may hold other cases",
		 r->q->node->cfg.agency);
	rc = row(r, "note", "scope", b);
	if (!rc && unreadable) {
		snprintf(b, sizeof b,
			 "%llu referrals cannot be read here (no sharing key, or shredded): counted "
			 "in the total and by agency from their signed headers, risk and category "
			 "'unknown', left out of every other figure",
			 (unsigned long long)unreadable);
		rc = row(r, "note", "unreadable", b);
	}
	if (!rc && r->no_referral) {
		snprintf(b, sizeof b, "%llu cases are held here without their referral: not counted",
			 (unsigned long long)r->no_referral);
		rc = row(r, "note", "no_referral", b);
	}
	if (!rc && r->summaries) {
		snprintf(b, sizeof b, "%llu cases read from the summary the node keeps of them "
			 "(--recompute: from their events)", (unsigned long long)r->summaries);
		rc = row(r, "note", "summaries", b);
	}
	return rc;
}

/* ---- report_performance ------------------------------------------------- */

/* Section rows "KEY" -> "made N, accepted N, refused N (not engaged N)", by key; totals first. */
static int offer_rows(report *r, const char *section, offers *o, int totals)
{
	uint64_t sum[OFFER_N] = { 0 };
	char b[160];
	int rc = 0;

	if (o->n)
		qsort(o->v, o->n, sizeof o->v[0], offer_cmp);
	for (size_t i = 0; i < o->n; i++)
		for (int k = 0; k < OFFER_N; k++)
			sum[k] += o->v[i].n[k];
	if (totals) {
		rc = row_u(r, "offers", "made", sum[OFFER_MADE]);
		if (!rc)
			rc = row_u(r, "offers", "accepted", sum[OFFER_ACCEPTED]);
		if (!rc)
			rc = row_u(r, "offers", "refused", sum[OFFER_REFUSED]);
		if (!rc)
			rc = row_u(r, "offers", "not_engaged", sum[OFFER_NOT_ENGAGED]);
	}
	for (size_t i = 0; rc == 0 && i < o->n; i++) {
		const uint64_t *n = o->v[i].n;
		snprintf(b, sizeof b, "made %llu, accepted %llu, refused %llu (not engaged %llu)",
			 (unsigned long long)n[OFFER_MADE], (unsigned long long)n[OFFER_ACCEPTED],
			 (unsigned long long)n[OFFER_REFUSED], (unsigned long long)n[OFFER_NOT_ENGAGED]);
		rc = row(r, section, o->v[i].key, b);
	}
	return rc;
}

static int performance_rows(report *r)
{
	static const char *levels[] = { "standard", "medium", "high" };
	uint64_t total = 0, unreadable = 0, rerefs = 0, assessed = 0, repeated = 0, first = 0,
		 first_repeated = 0, young = 0, risk[4] = { 0 }, closed = 0, reopened = 0,
		 reopenings = 0;
	tally agencies = { 0 }, categories = { 0 };
	char b[32];
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < r->n; i++) {
		const rcase *c = &r->cs[i];
		int lvl = 3;
		if (!in_period(r, c->ms))
			continue;
		total++;
		rc = tally_add(&agencies, c->author, i, c->ms, 1);
		if (!rc)
			rc = tally_add(&categories, c->category, i, c->ms, 1);
		for (int k = 0; k < 3; k++)
			if (!strcmp(c->risk, levels[k]))
				lvl = k;
		risk[lvl]++;
		if (!c->readable) {
			unreadable++;
			continue;
		}
		assessed++;
		closed += (uint64_t)c->closed;
		reopened += c->reopened > 0;
		reopenings += c->reopened;
		repeated += (uint64_t)c->repeated;
		young += !c->repeated && c->ms + YEAR_MS > r->now;
		if (c->rereferral_of[0]) {
			rerefs++;
		} else {
			first++;
			first_repeated += (uint64_t)c->repeated;
		}
	}
	if (rc) {
		rc = lfh_err_set(r->err, rc, "out of memory");
		goto out;
	}
	if (r->from_ms)
		day_of(r->from_ms, b);
	rc = row(r, "window", "from", r->from_ms ? b : "any");
	if (r->to_ms != UINT64_MAX)
		day_of(r->to_ms, b);
	if (!rc)
		rc = row(r, "window", "to", r->to_ms != UINT64_MAX ? b : "any");
	if (!rc)
		rc = row_u(r, "referrals", "total", total);
	if (!rc)
		rc = row_u(r, "referrals", "rereferrals", rerefs);
	if (!rc)
		rc = row_u(r, "cases", "closed", closed);
	if (!rc)
		rc = row_u(r, "cases", "reopened", reopened);
	if (!rc)
		rc = row_u(r, "cases", "reopenings", reopenings);
	for (int k = 0; rc == 0 && k < 3; k++)
		rc = row_u(r, "risk", levels[k], risk[k]);
	if (!rc && risk[3])
		rc = row_u(r, "risk", "unknown", risk[3]);
	if (!rc)
		rc = group_rows(r, "agency", &agencies, 0, 1, 0, 0);
	if (!rc)
		rc = group_rows(r, "category", &categories, 0, 1, 0, 0);
	if (!rc)
		rc = group_rows(r, "power", &r->powers, 0, 1, 0, 0);
	if (!rc)
		rc = row_u(r, "rereferral", "assessed", assessed);
	if (!rc)
		rc = row_u(r, "rereferral", "repeated_within_12_months", repeated);
	if (!rc)
		rc = row_pct(r, "rereferral", "rate_pct", repeated, assessed);
	if (!rc)
		rc = row_pct(r, "rereferral", "positive_outcome_pct", assessed - repeated, assessed);
	if (!rc)
		rc = row_u(r, "rereferral", "first_referrals", first);
	if (!rc)
		rc = row_u(r, "rereferral", "first_repeated", first_repeated);
	if (!rc)
		rc = row_pct(r, "rereferral", "first_rate_pct", first_repeated, first);
	if (!rc)
		rc = row_pct(r, "rereferral", "first_positive_outcome_pct", first - first_repeated,
			     first);
	if (!rc)
		rc = row_u(r, "rereferral", "not_yet_12_months", young);
	if (!rc)
		rc = row_u(r, "actions", "open", r->open_actions);
	if (!rc)
		rc = row_u(r, "actions", "overdue", r->overdue_actions);
	if (!rc)
		rc = offer_rows(r, "offers_by_agency_power", &r->by_power, 1);
	if (!rc)
		rc = group_rows(r, "team_entries", &r->team_entries, 0, 1, 0, 0);
	if (!rc)
		rc = offer_rows(r, "team_offers", &r->by_team, 0);
	if (!rc)
		rc = row(r, "note", "offers",
			 "an action is an offer of intervention (cancelled ones are left out): "
			 "accepted = done, refused = offered and refused or not engaged with; "
			 "team_* = by the team of the caseworker who wrote (tasked) it");
	if (!rc)
		rc = row(r, "note", "rereferral",
			 "a referral is repeated when a case referred within 12 months after it names "
			 "it as rereferral_of; rate_pct = repeated / assessed (every readable referral "
			 "in the window, re-referrals included); first_* = the same over referrals "
			 "that are not themselves re-referrals");
	if (!rc)
		rc = note_rows(r, unreadable);
out:
	tally_free(&agencies);
	tally_free(&categories);
	return rc;
}

int ctl_report_performance(lfh_ctl_req *q, lfh_txn *t)
{
	lfh_err err = { 0 };
	report r = { .q = q, .t = t, .err = &err, .now = lfh_wall_ms(), .to_ms = UINT64_MAX,
		     .upto_ms = UINT64_MAX, .upto_days = 0x7fffffffL };
	int rc;

	lfh_record_uint(&q->req, "from_ms", &r.from_ms);
	lfh_record_uint(&q->req, "to_ms", &r.to_ms);
	if (r.from_ms > r.to_ms)
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "from_ms is after to_ms");
	rc = gather(&r);
	if (!rc)
		rc = performance_rows(&r);
	report_free(&r);
	return rc ? lfh_ctl_fail(&q->rep, rc, err.msg[0] ? err.msg : "out of memory") : 0;
}

/* ---- report_tactical ---------------------------------------------------- */

/* "YYYY-MM" -> first and last day (days since the epoch); -1 if invalid. */
static int parse_month(const char *m, long *first, long *last)
{
	char d[32];
	int y, mo;

	if (!m || strlen(m) != 7 || m[4] != '-' || strspn(m, "0123456789-") != 7)
		return -1;
	snprintf(d, sizeof d, "%s-01", m);
	if ((*first = lfh_osara_date_days(d)) < 0)
		return -1;
	y = atoi(m);
	mo = atoi(m + 5);
	if (mo == 12) {
		y++;
		mo = 1;
	} else {
		mo++;
	}
	if (y > 9999) {
		*last = *first + 30;
		return 0;
	}
	snprintf(d, sizeof d, "%04d-%02d-01", y, mo);
	*last = lfh_osara_date_days(d) - 1;
	return *last >= *first ? 0 : -1;
}

static int tactical_rows(report *r, const char *month)
{
	uint64_t total = 0, unreadable = 0, high = 0;
	tally locations = { 0 }, subjects = { 0 };
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < r->n; i++) {
		const rcase *c = &r->cs[i];
		int now = in_period(r, c->ms);
		total += (uint64_t)now;
		if (!c->readable) {
			unreadable += (uint64_t)now;
			continue;
		}
		if (now)
			rc = tally_add(&locations, c->location, i, c->ms, 1);
		if (!rc)
			rc = tally_add(&subjects, c->subject, i, c->ms, now);
		high += now && !strcmp(c->risk, "high");
	}
	if (rc) {
		rc = lfh_err_set(r->err, rc, "out of memory");
		goto out;
	}
	rc = row(r, "month", "month", month);
	if (!rc)
		rc = row_u(r, "referrals", "total", total);
	if (!rc)
		rc = row_u(r, "referrals", "high_risk", high);
	if (!rc)
		rc = group_rows(r, "hotspot", &locations, 0, 2, 0, 1);
	if (!rc)
		rc = group_rows(r, "subject", &subjects, 1, 2, 1, 1);
	if (!rc)
		rc = group_rows(r, "victim", &r->victims, 1, 2, 1, 1);
	if (!rc && high) { /* the new high-risk cases, oldest first */
		const rcase **hr = malloc(high * sizeof *hr);
		size_t k = 0;
		if (!hr)
			rc = lfh_err_set(r->err, LFH_ENOMEM, "out of memory");
		for (size_t i = 0; hr && i < r->n && k < high; i++) {
			const rcase *c = &r->cs[i];
			if (c->readable && in_period(r, c->ms) && !strcmp(c->risk, "high"))
				hr[k++] = c;
		}
		if (hr)
			qsort(hr, k, sizeof hr[0], case_time_cmp);
		for (size_t i = 0; rc == 0 && i < k; i++) {
			char hex[2 * LFH_CASE_LEN + 1];
			lfh_hex(hex, hr[i]->id, LFH_CASE_LEN);
			rc = row(r, "high_risk", hex, hr[i]->summary);
		}
		free(hr);
	}
	if (!rc)
		rc = row(r, "note", "definitions",
			 "hotspot: locations of two or more of the month's referrals; subject: people "
			 "referred in the month with two or more cases held here up to its end; victim: "
			 "victims named at case meetings of two or more cases up to the month's end, "
			 "one of them dated in the month; high_risk: cases referred in the month whose "
			 "current risk level is high");
	if (!rc)
		rc = note_rows(r, unreadable);
out:
	tally_free(&locations);
	tally_free(&subjects);
	return rc;
}

int ctl_report_tactical(lfh_ctl_req *q, lfh_txn *t)
{
	lfh_err err = { 0 };
	const char *month = lfh_record_str(&q->req, "month");
	report r = { .q = q, .t = t, .err = &err, .now = lfh_wall_ms() };
	long first, last;
	int rc;

	if (parse_month(month, &first, &last))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "month must be YYYY-MM (e.g. 2026-03)");
	r.from_ms = (uint64_t)first * LFH_OSARA_DAY_MS;
	r.to_ms = (uint64_t)(last + 1) * LFH_OSARA_DAY_MS - 1;
	r.upto_ms = r.to_ms;
	r.upto_days = last;
	rc = gather(&r);
	if (!rc)
		rc = tactical_rows(&r, month);
	report_free(&r);
	return rc ? lfh_ctl_fail(&q->rep, rc, err.msg[0] ? err.msg : "out of memory") : 0;
}
