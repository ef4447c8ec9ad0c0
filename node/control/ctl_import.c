/*
 * ctl_import.c - import_batch (include/lfh/ctl.h, PROTOCOL.md 10.3): rows of
 * a hub's history, exported by the system it used before, written as this
 * node's own signed, encrypted events inside the round's one transaction
 * (`lfh import` sends up to IMPORT_ROWS_MAX rows a request).
 *
 * Each row is one record: kind (case, note, or an OSARA step: risk,
 * objective, scanning, meeting, action, assessment, review, equality),
 * line (its line in the file, for the report), occ (how many identical
 * rows came before it in the file) and the fields of the equivalent lfh
 * command. A row is checked exactly as that command checks it (the OSARA
 * rules against the case's state, the receiver rules, the ISA) before
 * anything of it is written; a refused row changes nothing and is
 * answered with its line and why, and the other rows go in.
 *
 * Exactly once (ctl_import_table.c): a row's identity is the BLAKE2b digest of its record
 * (without line, with occ), kept in LFH_TBL_IMPORT ('r' digest -> its first
 * event id) in the transaction that writes its events, so sending a row
 * again (a resumed import) skips it. A refused row's digest is kept too
 * ('f' digest -> why), so a later run refuses it again (unless asked to
 * check such rows again) whatever the state has become since. A case row's ext_id (the earlier
 * system's case id) maps to the new case ('c' ext_id -> case id): the rows
 * that follow name their case by it, in this import or a later one.
 *
 * A case row becomes a REFERRAL led by this agency, numbered in the year of
 * its `on` (POLICE-24-0012), carrying ext_id; imported cases are not linked
 * as re-referrals. An action row with a status other than open becomes the
 * ACTION and an ACTION_UPDATE (both checked before either is written).
 *
 * The OSARA state of the cases a batch works on is kept in a small cache
 * (CACHE_N states, ~0.5 MB each): a new case's from its REFERRAL, any other
 * projected once, each moved on with lfh_osara_append after every write of
 * the case, instead of projecting the case again for every row. A state
 * leaving the cache, and every state at the end of the batch, is the case's
 * projection: it becomes the case's summary (summary.h), so the batch need
 * not project its cases again to summarize them. A write that fails takes
 * its case out of the cache: its summary is then kept from a projection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include "lfh/ctl.h"
#include "lfh/hlc.h"
#include "lfh/hub.h"
#include "lfh/membership.h"
#include "lfh/osara.h"
#include "lfh/policy.h"
#include "lfh/project.h"
#include "lfh/refs.h"
#include "lfh/summarize.h"
#include "lfh/summary.h"

#include "ctl_import_int.h"

#define SUMMARY_MAX 200
#define DESCRIPTION_MAX 8000
#define TEXT_MAX 8000
#define CACHE_N 8
#define IMPORT_SUMMARIZE_MS 1000 /* at most, per batch (summarize.h) */

struct cached {
	uint8_t case_id[LFH_CASE_LEN];
	lfh_osara_state *st;
	uint64_t used; /* 0: empty slot */
};

struct imp {
	lfh_ctl_req *q;
	lfh_txn *t;
	lfh_node *n;
	lfh_osara_state *empty;   /* no events: what a referral is checked on */
	lfh_osara_state *scratch; /* a state with a row's ACTION appended, to check its update */
	struct cached cache[CACHE_N];
	uint64_t tick;
	uint64_t imported, skipped, refused;
	int retry_refused; /* check rows refused by an earlier run again */
};

static int is_internal(int code)
{
	return code == LFH_ESTORE || code == LFH_ENOMEM || code == LFH_EIO;
}

/* ---- the case a row names, and its state --------------------------------- */

/* The case of a row's "case": an ext_id imported before, or a case reference. */
static int row_case(struct imp *x, const lfh_record *row, uint8_t case_id[LFH_CASE_LEN],
		    lfh_err *err)
{
	const char *c = lfh_record_str(row, "case");
	uint8_t key[1 + IMPORT_EXT_ID_MAX];
	const uint8_t *v;
	size_t vlen;
	int rc;

	if (!c || !*c)
		return lfh_err_set(err, LFH_EINVAL, "missing case (the ext_id of a case row)");
	if (strlen(c) > IMPORT_EXT_ID_MAX)
		return lfh_err_set(err, LFH_EINVAL, "case is too long (max %d characters)",
				   IMPORT_EXT_ID_MAX);
	rc = lfh_store_tbl_get(x->t, LFH_TBL_IMPORT, key, (size_t)ctl_import_ext_key(c, key), &v, &vlen, err);
	if (rc == 0 && vlen == LFH_CASE_LEN) {
		memcpy(case_id, v, LFH_CASE_LEN);
		return 0;
	}
	if (rc == 0) /* never a case that happens to have that reference */
		return lfh_err_set(err, LFH_EINVAL, "case '%.63s': its case row was refused, so this "
				   "row is refused too, never filed into another case", c);
	if (rc && rc != LFH_ENOTFOUND)
		return rc;
	rc = lfh_refs_lookup(x->t, c, case_id, err);
	if (rc == LFH_ENOTFOUND || rc == LFH_EINVAL)
		return lfh_err_set(err, LFH_EINVAL, "unknown case '%.63s': no case row with that "
				   "ext_id was imported before this row", c);
	return rc;
}

/*
 * A cached state is its case's projection (every write of the case in this
 * transaction was appended to it): kept as the case's summary unless the
 * case has one (then nothing was written since it was kept). Failing that,
 * only a store error stops the batch; the case is then summarized later.
 */
static int keep_summary(struct imp *x, struct cached *c, lfh_err *err)
{
	lfh_err e = { 0 };
	int rc = lfh_summary_has(x->t, c->case_id, &e);

	if (rc == 0)
		rc = lfh_summary_put(x->t, c->case_id, c->st, &e);
	if (rc == LFH_ESTORE || rc == LFH_ENOMEM)
		return lfh_err_set(err, rc, "%s", e.msg);
	return 0;
}

/* A slot for case_id: the least recently used one, its state first kept as its case's summary. */
static int take_slot(struct imp *x, const uint8_t case_id[LFH_CASE_LEN], struct cached **out,
		     lfh_err *err)
{
	struct cached *slot = &x->cache[0];
	int rc;

	for (int i = 1; i < CACHE_N; i++)
		if (x->cache[i].used < slot->used)
			slot = &x->cache[i];
	if (slot->used && (rc = keep_summary(x, slot, err)))
		return rc;
	slot->used = 0;
	if (!slot->st && !(slot->st = malloc(sizeof *slot->st)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	memcpy(slot->case_id, case_id, LFH_CASE_LEN);
	*out = slot;
	return 0;
}

static struct cached *cached_case(struct imp *x, const uint8_t case_id[LFH_CASE_LEN])
{
	for (int i = 0; i < CACHE_N; i++)
		if (x->cache[i].used && !memcmp(x->cache[i].case_id, case_id, LFH_CASE_LEN))
			return &x->cache[i];
	return NULL;
}

/* The case's state: from the cache, else projected (and cached). */
static int case_state(struct imp *x, const uint8_t case_id[LFH_CASE_LEN], lfh_osara_state **out,
		      lfh_err *err)
{
	struct cached *slot = cached_case(x, case_id);
	int rc;

	if (!slot) {
		if ((rc = take_slot(x, case_id, &slot, err)) ||
		    (rc = lfh_node_project(x->n, x->t, case_id, slot->st, err)))
			return rc;
	}
	slot->used = ++x->tick;
	*out = slot->st;
	return 0;
}

/* The event just written, as the projection sees it. */
static void as_osara(struct imp *x, uint32_t type, const lfh_write_result *wr, uint64_t seq,
		     const lfh_record *body, lfh_osara_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->type = type;
	snprintf(ev->author, sizeof ev->author, "%s", x->n->cfg.agency);
	ev->hlc = wr->hlc;
	ev->seq = seq;
	memcpy(ev->id, wr->event_id, LFH_ID_LEN);
	ev->body = body;
}

/* Add a write's recipients to those the round notifies. */
static void note_recipients(lfh_ctl_req *q, const lfh_write_result *wr)
{
	if (!q->wrote) {
		q->wr = *wr;
		q->wrote = 1;
		return;
	}
	for (uint32_t i = 0; i < wr->nrcpt; i++) {
		int seen = 0;
		for (uint32_t j = 0; j < q->wr.nrcpt && !seen; j++)
			seen = !strcmp(q->wr.rcpt[j], wr->rcpt[i]);
		if (!seen && q->wr.nrcpt < LFH_MAX_RECIPIENTS)
			memcpy(q->wr.rcpt[q->wr.nrcpt++], wr->rcpt[i], LFH_AGENCY_MAX + 1);
	}
}

/*
 * Write one event of a row; the case's cached state (if any) follows it. A
 * failed write may have left part of itself (its KEY events) in the round:
 * the case leaves the cache, to be summarized from its projection.
 */
static int write_one(struct imp *x, const uint8_t case_id[LFH_CASE_LEN], uint32_t type,
		     const char *category, const char *const *to, size_t nto,
		     const lfh_record *body, lfh_osara_state *st, lfh_write_result *wr,
		     lfh_err *err)
{
	lfh_osara_event ev;
	struct cached *c;
	uint64_t seq = 0;
	int rc = lfh_node_write(x->n, x->t, case_id, type, category, to, nto, body, wr, err);

	if (rc) {
		if ((c = cached_case(x, case_id)))
			c->used = 0;
		return rc;
	}
	note_recipients(x->q, wr);
	if (st) {
		if ((rc = lfh_store_meta_get(x->t, "seq", &seq, err)))
			return rc;
		as_osara(x, type, wr, seq, body, &ev);
		rc = lfh_osara_append(st, &ev, err);
	}
	return rc;
}

/*
 * A new case's state, from its REFERRAL just written, as lfh_node_project
 * gives it: the referral's author and recipients take part from the start.
 */
static int seed_case(struct imp *x, const uint8_t case_id[LFH_CASE_LEN],
		     const lfh_write_result *wr, const lfh_record *body, lfh_err *err)
{
	const char *parts[LFH_MAX_RECIPIENTS + 1];
	struct cached *slot;
	lfh_osara_event ev;
	uint64_t seq = 0;
	size_t np = 0;
	int rc;

	if ((rc = lfh_store_meta_get(x->t, "seq", &seq, err)) ||
	    (rc = take_slot(x, case_id, &slot, err)))
		return rc;
	parts[np++] = x->n->cfg.agency;
	for (uint32_t i = 0; i < wr->nrcpt && np <= LFH_MAX_RECIPIENTS; i++)
		parts[np++] = wr->rcpt[i];
	as_osara(x, LFH_EV_REFERRAL, wr, seq, body, &ev);
	if ((rc = lfh_osara_project(&ev, 1, parts, np, slot->st, err)))
		return rc == LFH_ENOMEM ? rc : 0; /* not cached: projected when a row needs it */
	slot->used = ++x->tick;
	return 0;
}

static unsigned long long line_of(const lfh_record *row)
{
	uint64_t line = 0;
	lfh_record_uint(row, "line", &line);
	return (unsigned long long)line;
}

/* ---- rows ------------------------------------------------------------------ */

/* A string field of at most max bytes; required: non-empty. NULL if absent and optional. */
static int field(const lfh_record *row, const char *key, size_t max, int required,
		 const char **out, lfh_err *err)
{
	const char *v = lfh_record_str(row, key);

	*out = v && *v ? v : NULL;
	if (lfh_record_uint(row, key, &(uint64_t){ 0 }))
		return lfh_err_set(err, LFH_EINVAL, "%s: expected text", key);
	if (required && !*out)
		return lfh_err_set(err, LFH_EINVAL, "missing %s", key);
	if (*out && strlen(*out) > max)
		return lfh_err_set(err, LFH_EINVAL, "%s is too long (max %zu characters)", key, max);
	return 0;
}

/* "a,b,c" of agency ids into to[] (in place in buf). */
static int split_to(char *buf, const char **to, size_t *nto, lfh_err *err)
{
	char *save = NULL;

	*nto = 0;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (!lfh_name_valid(tok))
			return lfh_err_set(err, LFH_EINVAL, "to: '%.40s' is not a valid agency id", tok);
		if (*nto == LFH_MAX_RECIPIENTS)
			return lfh_err_set(err, LFH_EINVAL, "to: too many agencies (max %d)",
					   LFH_MAX_RECIPIENTS);
		to[(*nto)++] = tok;
	}
	return *nto ? 0 : lfh_err_set(err, LFH_EINVAL, "missing to (the agencies it is shared with)");
}

static int set_opt(lfh_record *body, const char *key, const char *v, lfh_err *err)
{
	return v ? lfh_record_set_str(body, key, v, err) : 0;
}

/*
 * A row of a case or a note carries only the fields its command takes: a
 * misspelt column ("descripton") is refused, never dropped unseen.
 */
static int known_fields(const lfh_record *row, const char *const *names, size_t n,
			const char *what, lfh_err *err)
{
	static const char *const always[] = { "kind", "line", "occ", "on", "by" };

	for (size_t i = 0; i < row->n; i++) {
		const char *key = row->f[i].key;
		size_t k = 0, a = 0;
		while (a < sizeof always / sizeof always[0] && strcmp(key, always[a]))
			a++;
		while (k < n && strcmp(key, names[k]))
			k++;
		if (a == sizeof always / sizeof always[0] && k == n)
			return lfh_err_set(err, LFH_EINVAL, "unknown field '%.31s' in a %s row",
					   key, what);
	}
	return 0;
}

/* kind case: a REFERRAL of a new case led by this agency. */
static int import_case(struct imp *x, const lfh_record *row, uint8_t first_id[LFH_ID_LEN],
		       lfh_err *err)
{
	static const char *const risks[] = { "standard", "medium", "high" };
	const char *ext, *summary, *location, *category, *risk, *to_s, *subject, *desc, *by, *on;
	const char *dob;
	const char *to[LFH_MAX_RECIPIENTS];
	char tolist[LFH_MAX_RECIPIENTS * (LFH_AGENCY_MAX + 2)], ref[LFH_OSARA_REF_MAX + 1];
	uint8_t key[1 + IMPORT_EXT_ID_MAX], case_id[LFH_CASE_LEN];
	const uint8_t *v;
	size_t nto, vlen;
	uint64_t when = lfh_wall_ms(), on_ms;
	lfh_write_result wr = { 0 };
	lfh_record body = { 0 };
	int ok = 0, dated, rc;

	static const char *const fields[] = { "ext_id", "summary", "location", "category", "risk",
					      "to", "subject", "dob", "description" };

	if ((rc = known_fields(row, fields, sizeof fields / sizeof fields[0], "case", err)) ||
	    (rc = field(row, "ext_id", IMPORT_EXT_ID_MAX, 1, &ext, err)) ||
	    (rc = field(row, "summary", SUMMARY_MAX, 1, &summary, err)) ||
	    (rc = field(row, "location", SUMMARY_MAX, 1, &location, err)) ||
	    (rc = field(row, "category", LFH_AGENCY_MAX, 1, &category, err)) ||
	    (rc = field(row, "risk", 16, 1, &risk, err)) ||
	    (rc = field(row, "to", sizeof tolist - 1, 1, &to_s, err)) ||
	    (rc = field(row, "subject", SUMMARY_MAX, 0, &subject, err)) ||
	    (rc = field(row, "dob", 10, 0, &dob, err)) ||
	    (rc = field(row, "description", DESCRIPTION_MAX, 0, &desc, err)) ||
	    (rc = field(row, "by", LFH_CTL_BY_MAX, 0, &by, err)) ||
	    (rc = field(row, "on", LFH_OSARA_ON_MAX, 0, &on, err)))
		return rc;
	for (int i = 0; i < 3; i++)
		ok |= !strcmp(risk, risks[i]);
	if (!ok)
		return lfh_err_set(err, LFH_EINVAL, "risk must be standard, medium or high");
	snprintf(tolist, sizeof tolist, "%s", to_s);
	if ((rc = split_to(tolist, to, &nto, err)))
		return rc;
	rc = lfh_store_tbl_get(x->t, LFH_TBL_IMPORT, key, (size_t)ctl_import_ext_key(ext, key), &v, &vlen, err);
	if (rc == 0 && vlen == LFH_CASE_LEN)
		return lfh_err_set(err, LFH_EINVAL, "case %.63s was imported already (by another "
				   "row with this ext_id)", ext);
	if (rc && rc != LFH_ENOTFOUND)
		return rc; /* (else absent, or refused before: this row may import it) */
	if (on && lfh_osara_on_ms(on, &on_ms, &dated) == 0 && on_ms < when)
		when = on_ms; /* numbered in the year it was referred */
	if (!by)
		by = lfh_record_str(&x->q->req, "by");
	if ((rc = lfh_record_set_str(&body, "summary", summary, err)) ||
	    (rc = lfh_record_set_str(&body, "location", location, err)) ||
	    (rc = lfh_record_set_str(&body, "asb_category", category, err)) ||
	    (rc = lfh_record_set_str(&body, "description", desc ? desc : "", err)) ||
	    (rc = lfh_record_set_str(&body, "risk", risk, err)) ||
	    (rc = set_opt(&body, "subject", subject, err)) ||
	    (rc = set_opt(&body, "dob", dob, err)) ||
	    (rc = lfh_record_set_str(&body, "by", by ? by : "import", err)) ||
	    (rc = set_opt(&body, "on", on, err)) ||
	    (rc = lfh_record_set_str(&body, "ext_id", ext, err)))
		goto out;
	if ((rc = lfh_osara_check(x->empty, LFH_EV_REFERRAL, x->n->cfg.agency, &body, err)))
		goto out;
	lfh_case_id_new(x->n->rules.hub_id, x->n->cfg.agency, case_id);
	/* a refused row takes no reference number: its recipients are checked first */
	if ((rc = lfh_ctl_referral_recipients_ok(x->n, x->t, case_id, to, nto, err)) ||
	    (rc = lfh_refs_next(x->n, x->t, when, ref, err)) ||
	    (rc = lfh_record_set_str(&body, "ref", ref, err)))
		goto out;
	rc = write_one(x, case_id, LFH_EV_REFERRAL, "referral", to, nto, &body, NULL, &wr, err);
	if (!rc) {
		memcpy(first_id, wr.event_id, LFH_ID_LEN);
		rc = seed_case(x, case_id, &wr, &body, err);
	}
	if (!rc)
		rc = lfh_store_tbl_put(x->t, LFH_TBL_IMPORT, key, (size_t)ctl_import_ext_key(ext, key), case_id,
				       LFH_CASE_LEN, err);
out:
	lfh_record_clear(&body);
	return rc;
}

/* Fields of a row that are not its step's body. */
static int not_body(const char *key, uint32_t type)
{
	static const char *const row_keys[] = { "kind", "line", "occ", "case", "category" };
	static const char *const outcome_keys[] = { "status", "outcome", "resume", "refusal",
						    "who", "status_on" };
	for (size_t i = 0; i < sizeof row_keys / sizeof row_keys[0]; i++)
		if (!strcmp(key, row_keys[i]))
			return 1;
	for (size_t i = 0; type == LFH_EV_ACTION && i < sizeof outcome_keys / sizeof outcome_keys[0];
	     i++)
		if (!strcmp(key, outcome_keys[i]))
			return 1;
	return 0;
}

/*
 * An action row whose outcome fields say something its status does not:
 * they would be dropped (an outcome is recorded only with a status other
 * than open), so the row is refused, never imported without them.
 */
static int outcome_without_status(const lfh_record *row, const char *status, lfh_err *err)
{
	static const char *const keys[] = { "outcome", "resume", "refusal", "who", "status_on" };

	if (status && strcmp(status, "open"))
		return 0;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (lfh_record_str(row, keys[i]))
			return lfh_err_set(err, LFH_EINVAL, "%s given with %s: give the status it "
					   "belongs to (done, refused, ...), or leave it out",
					   keys[i], status ? "status open" : "no status");
	return 0;
}

/* An action row's outcome (status other than open): the ACTION_UPDATE body. */
static int outcome_body(struct imp *x, const lfh_record *row, const lfh_record *action,
			lfh_record *upd, lfh_err *err)
{
	static const char *const keys[] = { "status", "resume", "refusal", "who" };
	const char *v, *on = lfh_record_str(row, "status_on");
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < sizeof keys / sizeof keys[0]; i++)
		if ((rc = field(row, keys[i], TEXT_MAX, 0, &v, err)) == 0)
			rc = set_opt(upd, keys[i], v, err);
	if (!rc && (rc = field(row, "outcome", TEXT_MAX, 0, &v, err)) == 0)
		rc = set_opt(upd, "text", v, err);
	if (!rc)
		rc = lfh_record_set_str(upd, "action", lfh_record_str(action, "action"), err);
	if (!rc)
		rc = lfh_record_set_str(upd, "by", lfh_record_str(action, "by"), err);
	if (!rc && (on || lfh_record_str(action, "on")))
		rc = lfh_record_set_str(upd, "on", on ? on : lfh_record_str(action, "on"), err);
	(void)x;
	return rc;
}

/*
 * The kinds of step row, and the fields each may carry besides kind, line,
 * occ, on and by: those of 'lfh case STEP' (node/cli/cmd_osara.c), "team",
 * an action's outcome; a review's kind (monthly, closure) is "review_kind",
 * as the row's own is "kind". Any other field is refused, never kept unseen.
 */
struct step_kind {
	const char *kind;
	const char *const fields[16]; /* NULL after the last */
};

static const struct step_kind step_kinds[] = {
	{ "note", { "case", "text", "category" } },
	{ "risk", { "case", "team", "answers", "score", "level", "override" } },
	{ "objective", { "case", "team", "text" } },
	{ "scanning", { "case", "team", "text" } },
	{ "meeting", { "case", "team", "date", "attendees", "victim", "offender", "location",
		       "responses" } },
	{ "action", { "case", "team", "action", "agency", "signpost", "for_team", "power", "text",
		      "due", "status", "outcome", "resume", "refusal", "who", "status_on" } },
	{ "assessment", { "case", "team", "plan_done", "problem_stopped", "text" } },
	{ "review", { "case", "team", "review_kind", "outcome", "text" } },
	{ "equality", { "case", "team", "text", "consent" } },
};

static size_t count_names(const char *const *names)
{
	size_t n = 0;
	while (names[n])
		n++;
	return n;
}

/* A row field's name in the step's body. */
static const char *body_key(const char *key, uint32_t type)
{
	return type == LFH_EV_REVIEW && !strcmp(key, "review_kind") ? "kind" : key;
}

/* kind note or an OSARA step: checked against the case's state, then written. */
static int import_step(struct imp *x, const lfh_record *row, const struct step_kind *sk,
		       uint32_t type, uint8_t first_id[LFH_ID_LEN], lfh_err *err)
{
	const char *to[LFH_MAX_RECIPIENTS], *category = NULL, *status = NULL;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_osara_state *st = NULL;
	lfh_write_result wr = { 0 };
	lfh_record body = { 0 }, upd = { 0 };
	size_t nto = 0;
	int rc;

	if ((rc = known_fields(row, sk->fields, count_names(sk->fields), sk->kind, err)))
		return rc;
	if ((rc = row_case(x, row, case_id, err)) || (rc = case_state(x, case_id, &st, err)))
		return rc;
	if (type == LFH_EV_NOTE && (rc = field(row, "category", LFH_AGENCY_MAX, 0, &category, err)))
		return rc;
	if (category && !lfh_name_valid(category))
		return lfh_err_set(err, LFH_EINVAL, "invalid category name");
	if (type == LFH_EV_ACTION && (rc = field(row, "status", 16, 0, &status, err)))
		return rc;
	if (type == LFH_EV_ACTION && (rc = outcome_without_status(row, status, err)))
		return rc;
	for (size_t i = 0; rc == 0 && i < row->n; i++) {
		const lfh_field *f = &row->f[i];
		if (not_body(f->key, type))
			continue;
		const char *k = body_key(f->key, type);
		rc = f->kind == LFH_FIELD_STR ? lfh_record_set_str(&body, k, f->str, err)
					      : lfh_record_set_uint(&body, k, f->u, err);
	}
	if (!rc && !lfh_record_str(&body, "by"))
		rc = lfh_record_set_str(&body, "by", lfh_record_str(&x->q->req, "by"), err);
	if (!rc && type == LFH_EV_ACTION && !lfh_record_str(&body, "action")) {
		uint8_t rnd[4];
		char hex[9];
		randombytes_buf(rnd, sizeof rnd);
		lfh_hex(hex, rnd, sizeof rnd);
		rc = lfh_record_set_str(&body, "action", hex, err);
	}
	if (!rc && type == LFH_EV_RISK)
		rc = lfh_ctl_risk_fill(x->n, &body, err);
	if (!rc)
		rc = lfh_osara_check(st, type, x->n->cfg.agency, &body, err);
	if (!rc && status && strcmp(status, "open")) {
		/* the outcome is checked on the state with the action in it */
		lfh_osara_event ev = { 0 };
		ev.type = LFH_EV_ACTION;
		snprintf(ev.author, sizeof ev.author, "%s", x->n->cfg.agency);
		ev.hlc = lfh_wall_ms() << 16;
		ev.body = &body;
		lfh_osara_copy(x->scratch, st);
		rc = outcome_body(x, row, &body, &upd, err);
		if (!rc)
			rc = lfh_osara_append(x->scratch, &ev, err);
		if (!rc)
			rc = lfh_osara_check(x->scratch, LFH_EV_ACTION_UPDATE, x->n->cfg.agency, &upd,
					     err);
	}
	if (!rc && !lfh_policy_active(&x->n->rules))
		for (uint32_t i = 0; i < st->nparticipants && nto < LFH_MAX_RECIPIENTS; i++)
			to[nto++] = st->participants[i];
	if (!rc)
		rc = write_one(x, case_id, type,
			       type == LFH_EV_NOTE ? (category ? category : "referral")
						   : lfh_ctl_step_category(x->n, type),
			       nto ? to : NULL, nto, &body, st, &wr, err);
	if (!rc)
		memcpy(first_id, wr.event_id, LFH_ID_LEN);
	if (!rc && upd.n &&
	    (rc = write_one(x, case_id, LFH_EV_ACTION_UPDATE,
			    lfh_ctl_step_category(x->n, LFH_EV_ACTION_UPDATE), nto ? to : NULL, nto,
			    &upd, st, &wr, err)) && !is_internal(rc)) {
		/* the ACTION is written: never leave half a row, abort the round */
		char why[LFH_ERRMSG_MAX]; /* (not formatted into itself) */
		snprintf(why, sizeof why, "%s", err->msg);
		rc = lfh_err_set(err, LFH_ESTORE, "the outcome of the action on line %llu could not "
				 "be written after it: %.120s", line_of(row), why);
	}
	lfh_record_clear(&body);
	lfh_record_clear(&upd);
	return rc;
}

/* One row: 0 imported, 1 imported before (skipped), else why it was refused (or a store error). */
static int import_row(struct imp *x, const lfh_record *row, lfh_err *err)
{
	const char *kind = lfh_record_str(row, "kind");
	uint8_t key[1 + IMPORT_DIGEST_LEN], first[LFH_ID_LEN];
	const uint8_t *v;
	size_t vlen;
	uint32_t type = 0;
	int rc;

	for (size_t i = 0; i < row->n; i++) /* every text as the control protocol's (10) */
		if (row->f[i].kind == LFH_FIELD_STR &&
		    !lfh_utf8_valid(row->f[i].str, row->f[i].str_len))
			return lfh_err_set(err, LFH_EINVAL, "%s: not UTF-8 text", row->f[i].key);
	if ((rc = ctl_import_row_key(row, key, err)))
		return rc;
	rc = lfh_store_tbl_get(x->t, LFH_TBL_IMPORT, key, sizeof key, &v, &vlen, err);
	if (rc == 0)
		return 1;
	if (rc != LFH_ENOTFOUND)
		return rc;
	if (!x->retry_refused && (rc = ctl_import_refused_before(x->t, key, err)))
		return rc;
	if (!kind || !*kind)
		return lfh_err_set(err, LFH_EINVAL, "missing kind");
	if (!strcmp(kind, "case")) {
		rc = import_case(x, row, first, err);
	} else {
		const struct step_kind *sk = NULL;
		for (size_t i = 0; i < sizeof step_kinds / sizeof step_kinds[0] && !type; i++)
			if (!strcmp(kind, step_kinds[i].kind)) {
				sk = &step_kinds[i];
				type = i == 0 ? LFH_EV_NOTE : lfh_osara_type_parse(kind);
			}
		if (!type)
			return lfh_err_set(err, LFH_EINVAL, "unknown kind '%.40s' (case, note, risk, "
					   "objective, scanning, meeting, action, assessment, "
					   "review or equality)", kind);
		rc = import_step(x, row, sk, type, first, err);
	}
	if (!rc)
		rc = lfh_store_tbl_put(x->t, LFH_TBL_IMPORT, key, sizeof key, first, LFH_ID_LEN, err);
	return rc;
}

static int refusal(lfh_ctl_reply *rep, const lfh_record *row, const char *why)
{
	lfh_err err = { 0 };
	uint64_t line = 0;
	lfh_record *r = lfh_ctl_add(rep);

	lfh_record_uint(row, "line", &line);
	if (!r || lfh_record_set_uint(r, "line", line, &err) ||
	    lfh_record_set_str(r, "reason", why, &err))
		return LFH_ENOMEM;
	return 0;
}

int ctl_import_batch(lfh_ctl_req *q, lfh_txn *t)
{
	struct imp x = { .q = q, .t = t, .n = q->node };
	lfh_record *rows = calloc(IMPORT_ROWS_MAX, sizeof *rows), *sum;
	const char *retry;
	lfh_err err = { 0 };
	uint64_t seq0 = 0, seq1 = 0;
	size_t n = 0;
	int rc;

	x.empty = calloc(1, sizeof *x.empty);
	x.scratch = malloc(sizeof *x.scratch);
	if (!rows || !x.empty || !x.scratch) {
		rc = lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = ctl_import_decode_rows(&q->req, rows, &n, &err))) {
		rc = lfh_ctl_fail(&q->rep, rc, err.msg);
		goto out;
	}
	if ((retry = lfh_record_str(&q->req, "retry_refused")) && strcmp(retry, "yes") &&
	    strcmp(retry, "no")) {
		rc = lfh_ctl_fail(&q->rep, LFH_EINVAL, "retry_refused: expected yes or no");
		goto out;
	}
	x.retry_refused = retry && !strcmp(retry, "yes");
	/* the summary heads the reply; refused rows follow it */
	if (!(sum = lfh_ctl_add(&q->rep)) || (rc = lfh_store_meta_get(t, "seq", &seq0, &err))) {
		rc = lfh_ctl_fail(&q->rep, sum ? rc : LFH_ENOMEM, sum ? err.msg : "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		memset(&err, 0, sizeof err);
		rc = import_row(&x, &rows[i], &err);
		if (rc == 1) {
			x.skipped++;
		} else if (rc == 0) {
			x.imported++;
		} else if (is_internal(rc)) {
			rc = lfh_ctl_fail(&q->rep, rc, err.msg[0] ? err.msg : "out of memory");
			goto out;
		} else {
			lfh_err merr = { 0 };
			x.refused++;
			if ((rc = refusal(&q->rep, &rows[i], err.msg[0] ? err.msg : "refused"))) {
				rc = lfh_ctl_fail(&q->rep, rc, "out of memory");
				goto out;
			}
			if ((rc = ctl_import_mark_refused_case(t, &rows[i], &merr)) ||
			    (rc = ctl_import_keep_refusal(t, &rows[i], err.msg[0] ? err.msg : "refused",
							    x.retry_refused, &merr))) {
				rc = lfh_ctl_fail(&q->rep, rc, merr.msg);
				goto out;
			}
		}
	}
	rc = lfh_store_meta_get(t, "seq", &seq1, &err);
	/* the batch's cases are summarized with it: the listings need not project them */
	for (int i = 0; rc == 0 && i < CACHE_N; i++)
		if (x.cache[i].used)
			rc = keep_summary(&x, &x.cache[i], &err);
	if (!rc)
		rc = lfh_summarize(x.n, t, IMPORT_SUMMARIZE_MS, 0, &err);
	sum = &q->rep.recs[0];
	if (rc || lfh_record_set_uint(sum, "imported", x.imported, &err) ||
	    lfh_record_set_uint(sum, "skipped", x.skipped, &err) ||
	    lfh_record_set_uint(sum, "refused", x.refused, &err) ||
	    lfh_record_set_uint(sum, "events", seq1 - seq0, &err))
		rc = lfh_ctl_fail(&q->rep, rc ? rc : LFH_ENOMEM, err.msg);
out:
	for (size_t i = 0; i < n; i++)
		lfh_record_clear(&rows[i]);
	for (int i = 0; i < CACHE_N; i++)
		free(x.cache[i].st);
	free(rows);
	free(x.empty);
	free(x.scratch);
	return rc;
}
