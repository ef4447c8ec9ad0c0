/*
 * ctl_export.c - what the hub hands over (see include/lfh/ctl.h):
 *
 *   case_chronology case        the case and every entry held here, with
 *                               corrections and redactions applied (records
 *                               as lfh_ctl_case_records), in pages as
 *                               case_show's when asked (limit): the
 *                               evidence pack lfh case chronology orders by
 *                               when things happened and prints
 *   sar  subject [dob] [entries] subject access: every case held here whose
 *                               referral's subject contains every word of
 *                               subject (case and accents ignored; with dob,
 *                               whose dob is that date), each as
 *                               lfh_ctl_case_records (entries "no": the case
 *                               records only, lfh then reads each case's
 *                               chronology in pages), then who read or wrote
 *                               it here (section "viewed", from the audit log)
 *
 * Both are control requests, so the node's audit log records each export:
 * who asked, when, and (case_chronology) for which case.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/ctl.h"
#include "lfh/fold.h"
#include "lfh/osara.h"
#include "lfh/project.h"

#include "ctl_case_int.h"

#define SAR_SUBJECT_MAX 200
#define SAR_WORDS_MAX 8
#define SAR_CASES_MAX 1000
#define SAR_MENTIONS_MAX 1000 /* other cases whose entries name the person */

/* The whole chronology in one reply: for a client before 0.4.5, which does not follow pages. */
static int chronology_whole(lfh_ctl_req *q, lfh_txn *t)
{
	uint8_t case_id[LFH_CASE_LEN];
	lfh_osara_state *st;
	lfh_err err = { 0 };
	int rc;

	if ((rc = lfh_ctl_project_case(q, t, case_id, &st)))
		return rc;
	rc = lfh_ctl_case_records(q, t, case_id, st, 1, &err);
	free(st);
	return rc ? lfh_ctl_fail(&q->rep, rc, err.msg[0] ? err.msg : "out of memory") : 0;
}

/*
 * In pages when the request asks for them (`limit`, `after`): a client that
 * does not would take a first page for the whole pack.
 */
int ctl_case_chronology(lfh_ctl_req *q, lfh_txn *t)
{
	lfh_err err = { 0 };
	uint64_t limit;
	int paged = lfh_record_uint(&q->req, "limit", &limit) || lfh_record_str(&q->req, "after");
	const char *purpose = lfh_record_str(&q->req, "for");
	int rc;

	if (purpose && strcmp(purpose, "sar") != 0)
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "for: only sar (a subject access export)");
	rc = paged ? lfh_ctl_case_timeline(q, t, 1) : chronology_whole(q, t);

	/* the pack says which node it came from (its first page, headed by the case) */
	if (!rc && !lfh_record_str(&q->req, "after") && q->rep.n &&
	    lfh_record_set_str(&q->rep.recs[0], "exported_by", q->node->cfg.agency, &err))
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	return rc;
}

struct sar_ctx {
	lfh_ctl_req *q;
	lfh_txn *t;
	lfh_osara_state *st;
	char words[SAR_WORDS_MAX][SAR_SUBJECT_MAX + 1];
	size_t nwords;
	const char *dob;
	uint8_t (*cases)[LFH_CASE_LEN];
	size_t ncases, nmentions;
	int entries; /* each case's entries too (not when the request says entries "no") */
	lfh_err *err;
};

/* Is the projected case about the subject asked for (and, with check_dob, born on dob)? */
static int about_subject(const struct sar_ctx *c, const lfh_osara_state *st, int check_dob,
			 const char *dob)
{
	char folded[4 * LFH_OSARA_SHORT_MAX + 1];

	if (!st->subject[0])
		return 0;
	lfh_fold(st->subject, folded, sizeof folded);
	for (size_t i = 0; i < c->nwords; i++)
		if (!lfh_fold_contains(folded, c->words[i]))
			return 0;
	/* a case that recorded no date of birth cannot be told apart by it: it is listed */
	return !check_dob || !c->dob || !dob || !*dob || !strcmp(dob, c->dob);
}

/*
 * A case not about the subject whose entries name them (every word of the
 * name in one field: a victim, a witness, a note) goes into the reply as one
 * `mentioned` record, not its entries, which are about someone else: where,
 * for the data-protection officer to read and redact.
 */
static int mention(struct sar_ctx *c, const uint8_t case_id[LFH_CASE_LEN], const lfh_record *meta)
{
	const char *words[SAR_WORDS_MAX];
	char field[LFH_FIELD_KEY_MAX + 1], snippet[CTL_SNIPPET_MAX + 1], hex[2 * LFH_CASE_LEN + 1];
	lfh_record *out;
	int rc;

	for (size_t i = 0; i < c->nwords; i++)
		words[i] = c->words[i];
	rc = ctl_case_mentions(c->q->node, c->t, case_id, c->st, words, c->nwords, field, snippet,
			       c->err);
	if (rc <= 0)
		return rc;
	if (c->nmentions++ == SAR_MENTIONS_MAX)
		return lfh_err_set(c->err, LFH_ETOOBIG, "more than %d other cases mention the name: "
				   "give more of it", SAR_MENTIONS_MAX);
	lfh_hex(hex, case_id, LFH_CASE_LEN);
	if (!(out = lfh_ctl_add(&c->q->rep)) ||
	    lfh_record_set_str(out, "section", "mentioned", c->err) ||
	    lfh_record_set_str(out, "case", hex, c->err) ||
	    lfh_record_set_str(out, "ref", lfh_record_str(meta, "ref") ? lfh_record_str(meta, "ref")
								       : "", c->err) ||
	    lfh_record_set_str(out, "field", field, c->err) ||
	    lfh_record_set_str(out, "match", snippet, c->err))
		return lfh_err_set(c->err, LFH_ENOMEM, "out of memory");
	return 0;
}

/*
 * Scan callback: a case about the subject goes into the reply; its referral's
 * dob (in the case record) is checked once the records are there. Another
 * case that names them is listed as a mention.
 */
static int case_fn(void *vctx, const uint8_t case_id[LFH_CASE_LEN], const lfh_record *meta)
{
	struct sar_ctx *c = vctx;
	size_t first = c->q->rep.n;
	const char *dob;
	int rc;

	lfh_ctl_yield(c->q);
	if (ctl_is_hub_case(case_id))
		return 0;
	if ((rc = lfh_node_project(c->q->node, c->t, case_id, c->st, c->err)))
		return rc;
	if (c->st->stage == LFH_OSARA_NONE || !about_subject(c, c->st, 0, NULL))
		return mention(c, case_id, meta);
	if (c->ncases == SAR_CASES_MAX)
		return lfh_err_set(c->err, LFH_ETOOBIG, "more than %d cases match: give the date of "
				   "birth (--dob) or more of the name", SAR_CASES_MAX);
	if ((rc = lfh_ctl_case_records(c->q, c->t, case_id, c->st, c->entries, c->err)))
		return rc;
	dob = lfh_record_str(&c->q->rep.recs[first], "dob");
	if (!about_subject(c, c->st, 1, dob)) { /* a namesake with another date of birth */
		while (c->q->rep.n > first)
			lfh_record_clear(&c->q->rep.recs[--c->q->rep.n]);
		return 0;
	}
	if (c->dob && (!dob || !*dob) &&
	    lfh_record_set_str(&c->q->rep.recs[first], "dob_check", "no date of birth recorded in "
			       "this case: check it is about this person", c->err))
		return c->err->code;
	memcpy(c->cases[c->ncases++], case_id, LFH_CASE_LEN);
	return 0;
}

/* Audit callback: who read or wrote each exported case here, and when. */
static int viewed_fn(void *vctx, uint64_t seq, const lfh_record *r)
{
	struct sar_ctx *c = vctx;
	const char *cs = lfh_record_str(r, "case");
	uint8_t id[LFH_CASE_LEN];
	char when[32];
	uint64_t ms = 0;
	lfh_record *out;

	(void)seq;
	if (!cs || strlen(cs) != 2 * LFH_CASE_LEN || lfh_unhex(id, LFH_CASE_LEN, cs))
		return 0;
	for (size_t i = 0; i < c->ncases; i++) {
		if (memcmp(c->cases[i], id, LFH_CASE_LEN))
			continue;
		lfh_record_uint(r, "ms", &ms);
		lfh_ctl_time(ms, when);
		if (!(out = lfh_ctl_add(&c->q->rep)) ||
		    lfh_record_set_str(out, "section", "viewed", c->err) ||
		    lfh_record_set_str(out, "case", cs, c->err) ||
		    lfh_record_set_str(out, "time", when, c->err) ||
		    lfh_record_set_str(out, "by", lfh_record_str(r, "by") ? lfh_record_str(r, "by") : "?",
				       c->err) ||
		    lfh_record_set_str(out, "cmd", lfh_record_str(r, "cmd") ? lfh_record_str(r, "cmd")
									: "?", c->err))
			return LFH_ENOMEM;
		return 0;
	}
	return 0;
}

/* The subject's words, folded, and the date of birth if given. */
static int sar_query(lfh_ctl_req *q, struct sar_ctx *c)
{
	const char *subject = lfh_ctl_need(&q->req, "subject", SAR_SUBJECT_MAX, &q->rep);
	char folded[4 * SAR_SUBJECT_MAX + 1], *save = NULL;

	if (!subject)
		return q->rep.code;
	c->dob = lfh_record_str(&q->req, "dob");
	c->entries = !lfh_record_str(&q->req, "entries") ||
		     strcmp(lfh_record_str(&q->req, "entries"), "no") != 0;
	if (c->dob && !lfh_osara_birth_date_valid(c->dob))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "dob: a date YYYY-MM-DD, 1900 or later");
	lfh_fold(subject, folded, sizeof folded);
	for (char *w = strtok_r(folded, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		if (c->nwords == SAR_WORDS_MAX)
			return lfh_ctl_fail(&q->rep, LFH_EINVAL, "subject: at most 8 words");
		snprintf(c->words[c->nwords++], sizeof c->words[0], "%s", w);
	}
	if (!c->nwords)
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "subject: the person's name");
	return 0;
}

int ctl_sar(lfh_ctl_req *q, lfh_txn *t)
{
	lfh_err err = { 0 };
	struct sar_ctx *c = calloc(1, sizeof *c);
	int rc;

	if (!c)
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	c->q = q;
	c->t = t;
	c->err = &err;
	c->st = malloc(sizeof *c->st);
	c->cases = calloc(SAR_CASES_MAX, sizeof *c->cases);
	if (!c->st || !c->cases)
		rc = lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	else if (!(rc = sar_query(q, c))) {
		rc = lfh_store_scan_cases(t, case_fn, c, &err);
		if (!rc)
			rc = lfh_store_scan_audit(t, 0, viewed_fn, c, &err);
		if (rc)
			rc = lfh_ctl_fail(&q->rep, rc, err.msg[0] ? err.msg : "out of memory");
	}
	/* the cases answered with their entries are each audited (not with entries "no":
	 * lfh then reads each with case_chronology, audited as it goes) */
	if (!rc && c->entries && c->ncases) {
		q->read_whole = c->cases;
		q->nread_whole = c->ncases;
		c->cases = NULL;
	}
	free(c->cases);
	free(c->st);
	free(c);
	return rc;
}
