/*
 * summary.c - what the listings and reports read of a case
 * (include/lfh/summary.h), kept as records in LFH_TBL_SUMMARY.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/buf.h"
#include "lfh/record.h"
#include "lfh/summary.h"

#define KEY_LEN (LFH_CASE_LEN + 1 + 2)
#define VERSION 6 /* 1: closed cases only, without what `due` and `case list` read;
		   * 2: before a redacted entry's text was forgotten (referral_redacted);
		   * 3: without the referral's own date (referral_on_ms);
		   * 4: without the CLOSE's stamp (closed_hlc);
		   * 5: without the last review's own date (last_review_on_ms) */
#define UPGRADE_BATCH 10000 /* rows removed per scan by lfh_summary_upgrade */
#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src) ? (src) : "")

/* The key of part kind (index i; the header has none). */
static size_t key_of(uint8_t k[KEY_LEN], const uint8_t case_id[LFH_CASE_LEN], char kind, uint32_t i)
{
	memcpy(k, case_id, LFH_CASE_LEN);
	k[LFH_CASE_LEN] = (uint8_t)kind;
	if (kind == 'h')
		return LFH_CASE_LEN + 1;
	k[LFH_CASE_LEN + 1] = (uint8_t)(i >> 8);
	k[LFH_CASE_LEN + 2] = (uint8_t)i;
	return KEY_LEN;
}

/* Encode r under (kind, i) and clear it. */
static int put_part(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], char kind, uint32_t i,
		    lfh_record *r, int rc, lfh_err *err)
{
	uint8_t k[KEY_LEN];
	lfh_buf b = { 0 };

	if (!rc)
		rc = lfh_record_encode(r, &b, err);
	if (!rc)
		rc = lfh_store_tbl_put(t, LFH_TBL_SUMMARY, k, key_of(k, case_id, kind, i), b.data, b.len,
				       err);
	lfh_buf_free(&b);
	lfh_record_clear(r);
	return rc;
}

/* Set each (key, value) pair of strs, a NULL-ended list; stop at the first failure. */
static int set_strs(lfh_record *r, const char *const *kv, lfh_err *err)
{
	int rc = 0;

	for (size_t i = 0; kv[i] && !rc; i += 2)
		rc = lfh_record_set_str(r, kv[i], kv[i + 1], err);
	return rc;
}

/* Set each (key, value) pair of uints, a list of n. */
static int set_uints(lfh_record *r, const char *const *keys, const uint64_t *vals, size_t n,
		     lfh_err *err)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++)
		rc = lfh_record_set_uint(r, keys[i], vals[i], err);
	return rc;
}

static const char *const header_uints[] = { "v", "stage", "referral_hlc", "reopened",
					    "meetings", "actions", "teams", "participants",
					    "last_review_hlc", "meeting_days_standard",
					    "meeting_days_medium", "meeting_days_high",
					    "review_days_standard", "review_days_medium",
					    "review_days_high", "referral_redacted", "referral_on_ms",
					    "closed_hlc", "last_review_on_ms" };
#define HEADER_UINTS (sizeof header_uints / sizeof header_uints[0])

static int put_header(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const lfh_osara_state *st,
		      uint32_t nteams, lfh_err *err)
{
	lfh_record r = { 0 };
	const char *kv[] = { "author", st->referral_author, "risk", st->risk_level,
			     "category", st->asb_category, "rereferral_of", st->rereferral_of,
			     "subject", st->subject, "location", st->location,
			     "summary", st->summary, "lead", st->lead, "ref", st->ref, NULL };
	const uint64_t vals[HEADER_UINTS] = {
		VERSION, (uint64_t)st->stage, st->referral_hlc, st->nreopened, st->nmeetings,
		st->nactions, nteams, st->nparticipants, st->last_review_hlc,
		st->risk_meeting_days[0], st->risk_meeting_days[1], st->risk_meeting_days[2],
		st->risk_review_days[0], st->risk_review_days[1], st->risk_review_days[2],
		(uint64_t)st->referral_redacted, st->referral_on_ms, st->closed_hlc,
		st->last_review_on_ms
	};
	int rc = set_strs(&r, kv, err);

	if (!rc)
		rc = set_uints(&r, header_uints, vals, HEADER_UINTS, err);
	return put_part(t, case_id, 'h', 0, &r, rc, err);
}

/* The meetings', actions' and participants' parts. */
static int put_lists(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const lfh_osara_state *st,
		     lfh_err *err)
{
	int rc = 0;

	for (uint32_t i = 0; rc == 0 && i < st->nmeetings; i++) {
		lfh_record r = { 0 };
		const char *kv[] = { "date", st->meetings[i].date, "victim", st->meetings[i].victim,
				     NULL };
		rc = set_strs(&r, kv, err);
		if (!rc)
			rc = lfh_record_set_uint(&r, "hlc", st->meetings[i].hlc, err);
		rc = put_part(t, case_id, 'm', i, &r, rc, err);
	}
	for (uint32_t i = 0; rc == 0 && i < st->nactions; i++) {
		const lfh_osara_action *a = &st->actions[i];
		lfh_record r = { 0 };
		const char *kv[] = { "id", a->id, "power", a->power, "status", a->status,
				     "signpost", a->signpost, "agency", a->agency,
				     "author", a->author, "team", a->team, "refusal", a->refusal,
				     "text", a->text, "due", a->due, "resume", a->resume,
				     "for_team", a->for_team, NULL };
		rc = put_part(t, case_id, 'a', i, &r, set_strs(&r, kv, err), err);
	}
	for (uint32_t i = 0; rc == 0 && i < st->nparticipants; i++) {
		lfh_record r = { 0 };
		const char *kv[] = { "agency", st->participants[i], NULL };
		rc = put_part(t, case_id, 'p', i, &r, set_strs(&r, kv, err), err);
	}
	return rc;
}

int lfh_summary_put(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const lfh_osara_state *st,
		    lfh_err *err)
{
	uint32_t nteams = 0;
	int rc;

	if (st->stage == LFH_OSARA_NONE) /* nothing readable: the readers look at its events */
		return lfh_summary_drop(t, case_id, err);
	rc = lfh_summary_drop(t, case_id, err); /* no part of an earlier one stays */
	if (!rc)
		rc = put_lists(t, case_id, st, err);
	/* the entries a report counts by team: valid, readable, with a team */
	for (uint32_t i = 0; rc == 0 && i < st->ntimeline; i++) {
		const lfh_osara_entry *e = &st->timeline[i];
		lfh_record r = { 0 };
		const char *kv[] = { "author", e->author, "team", e->team, NULL };
		if (!e->team[0] || e->ignored || e->unreadable)
			continue;
		rc = put_part(t, case_id, 't', nteams++, &r, set_strs(&r, kv, err), err);
	}
	return rc ? rc : put_header(t, case_id, st, nteams, err);
}

/* Decode part (kind, i) into r (zeroed); LFH_ENOTFOUND if absent. */
static int get_part(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], char kind, uint32_t i,
		    lfh_record *r, lfh_err *err)
{
	uint8_t k[KEY_LEN];
	const uint8_t *v;
	size_t vlen;
	int rc = lfh_store_tbl_get(t, LFH_TBL_SUMMARY, k, key_of(k, case_id, kind, i), &v, &vlen, err);

	return rc ? rc : lfh_record_decode(v, vlen, r, err);
}

#define STR(r, key) lfh_record_str((r), (key))

/* The header's numbers, in header_uints' order: -1 if one is missing or out of range. */
static int get_uints(const lfh_record *h, uint64_t v[HEADER_UINTS])
{
	static const uint64_t max[] = {
		VERSION, LFH_OSARA_CLOSED, UINT64_MAX, UINT32_MAX, LFH_OSARA_MAX_MEETINGS,
		LFH_OSARA_MAX_ACTIONS, LFH_OSARA_MAX_TIMELINE, LFH_OSARA_MAX_PARTICIPANTS,
		UINT64_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX, 1,
		UINT64_MAX, UINT64_MAX, UINT64_MAX
	};
	_Static_assert(sizeof max / sizeof max[0] == HEADER_UINTS, "a bound for every header uint");

	for (size_t i = 0; i < HEADER_UINTS; i++)
		if (!lfh_record_uint(h, header_uints[i], &v[i]) || v[i] > max[i])
			return -1;
	return v[0] == VERSION && v[1] != LFH_OSARA_NONE ? 0 : -1;
}

static int get_header(const lfh_record *h, lfh_osara_state *st, uint32_t *nteams)
{
	uint64_t v[HEADER_UINTS];

	if (get_uints(h, v))
		return -1;
	st->stage = (int)v[1];
	st->referral_hlc = v[2];
	st->nreopened = (uint32_t)v[3];
	st->nmeetings = (uint32_t)v[4];
	st->nactions = (uint32_t)v[5];
	*nteams = (uint32_t)v[6];
	st->nparticipants = (uint32_t)v[7];
	st->last_review_hlc = v[8];
	for (int i = 0; i < 3; i++) {
		st->risk_meeting_days[i] = (uint32_t)v[9 + i];
		st->risk_review_days[i] = (uint32_t)v[12 + i];
	}
	st->referral_redacted = (int)v[15];
	st->referral_on_ms = v[16];
	st->closed_hlc = v[17];
	st->last_review_on_ms = v[18];
	COPY(st->referral_author, STR(h, "author"));
	COPY(st->risk_level, STR(h, "risk"));
	COPY(st->asb_category, STR(h, "category"));
	COPY(st->rereferral_of, STR(h, "rereferral_of"));
	COPY(st->subject, STR(h, "subject"));
	COPY(st->location, STR(h, "location"));
	COPY(st->summary, STR(h, "summary"));
	COPY(st->lead, STR(h, "lead"));
	COPY(st->ref, STR(h, "ref"));
	return 0;
}

static void take_action(lfh_osara_action *a, const lfh_record *r)
{
	memset(a, 0, sizeof *a);
	COPY(a->id, STR(r, "id"));
	COPY(a->power, STR(r, "power"));
	COPY(a->status, STR(r, "status"));
	COPY(a->signpost, STR(r, "signpost"));
	COPY(a->agency, STR(r, "agency"));
	COPY(a->author, STR(r, "author"));
	COPY(a->team, STR(r, "team"));
	COPY(a->refusal, STR(r, "refusal"));
	COPY(a->text, STR(r, "text"));
	COPY(a->due, STR(r, "due"));
	COPY(a->resume, STR(r, "resume"));
	COPY(a->for_team, STR(r, "for_team"));
}

/* Part (kind, i) into the state (its slot cleared first). */
static void take_part(lfh_osara_state *st, char kind, uint32_t i, const lfh_record *r)
{
	if (kind == 'm') {
		lfh_osara_meeting *m = &st->meetings[i];
		memset(m, 0, sizeof *m);
		COPY(m->date, STR(r, "date"));
		COPY(m->victim, STR(r, "victim"));
		lfh_record_uint(r, "hlc", &m->hlc);
	} else if (kind == 'a') {
		take_action(&st->actions[i], r);
	} else if (kind == 'p') {
		COPY(st->participants[i], STR(r, "agency"));
	} else {
		memset(&st->timeline[i], 0, sizeof st->timeline[i]);
		COPY(st->timeline[i].author, STR(r, "author"));
		COPY(st->timeline[i].team, STR(r, "team"));
	}
}

int lfh_summary_get(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], lfh_osara_state *st,
		    lfh_err *err)
{
	static const char kinds[4] = { 'm', 'a', 't', 'p' };
	lfh_record r = { 0 };
	uint32_t nteams = 0, n[4];
	int rc = get_part(t, case_id, 'h', 0, &r, err);

	if (rc)
		return rc == LFH_ENOTFOUND || rc == LFH_ECODEC ? 0 : rc;
	rc = get_header(&r, st, &nteams);
	lfh_record_clear(&r);
	if (rc)
		return 0; /* not one this build wrote: the reader projects the case */
	n[0] = st->nmeetings;
	n[1] = st->nactions;
	n[2] = st->ntimeline = nteams;
	n[3] = st->nparticipants;
	for (int k = 0; k < 4; k++)
		for (uint32_t i = 0; i < n[k]; i++) {
			if ((rc = get_part(t, case_id, kinds[k], i, &r, err)))
				return rc == LFH_ENOTFOUND || rc == LFH_ECODEC ? 0 : rc;
			take_part(st, kinds[k], i, &r);
			lfh_record_clear(&r);
		}
	return 1;
}

int lfh_summary_has(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], lfh_err *err)
{
	lfh_record r = { 0 };
	uint64_t v[HEADER_UINTS];
	int rc = get_part(t, case_id, 'h', 0, &r, err);

	if (rc == 0)
		rc = get_uints(&r, v) == 0;
	lfh_record_clear(&r);
	return rc == LFH_ENOTFOUND || rc == LFH_ECODEC ? 0 : rc;
}

/* Collect the keys of the case's rows (deleting under a scan would move its cursor). */
struct rows {
	uint8_t (*k)[KEY_LEN];
	size_t *len;
	size_t n, cap;
};

static int row_fn(void *vctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct rows *r = vctx;
	(void)val;
	(void)vlen;
	if (klen > KEY_LEN)
		return 0; /* not one of ours */
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		void *k = realloc(r->k, cap * sizeof *r->k), *l;
		if (k)
			r->k = k;
		if (!k || !(l = realloc(r->len, cap * sizeof *r->len)))
			return LFH_ENOMEM;
		r->len = l;
		r->cap = cap;
	}
	memcpy(r->k[r->n], key, klen);
	r->len[r->n++] = klen;
	return 0;
}

/* Delete the rows fn collects under prefix; *n: how many. 0 or a store error. */
static int delete_rows(lfh_txn *t, const void *prefix, size_t plen, lfh_tbl_fn fn, size_t *n,
		       lfh_err *err)
{
	struct rows r = { 0 };
	int rc = lfh_store_tbl_scan(t, LFH_TBL_SUMMARY, prefix, plen, fn, &r, err);

	if (rc == LFH_ENOMEM)
		rc = lfh_err_set(err, rc, "out of memory");
	for (size_t i = 0; rc == 0 && i < r.n; i++)
		rc = lfh_store_tbl_del(t, LFH_TBL_SUMMARY, r.k[i], r.len[i], err);
	*n = r.n;
	free(r.k);
	free(r.len);
	return rc;
}

/* Every row of the summary goes: its parts name victims and subjects (shredding). */
int lfh_summary_drop(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], lfh_err *err)
{
	size_t n;

	return delete_rows(t, case_id, LFH_CASE_LEN, row_fn, &n, err);
}

/* The key of the table's format row: one byte, so no case's prefix. */
static const uint8_t format_key[1] = { 'v' };

/* A collection of every row's key, up to its capacity (the format row aside). */
static int any_row_fn(void *vctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct rows *r = vctx;

	if (klen == sizeof format_key)
		return 0;
	if (r->n == UPGRADE_BATCH)
		return 1;
	return row_fn(vctx, key, klen, val, vlen);
}

int lfh_summary_upgrade(lfh_txn *t, uint64_t *removed, lfh_err *err)
{
	const uint8_t version = VERSION;
	const uint8_t *v;
	size_t vlen;
	int rc = lfh_store_tbl_get(t, LFH_TBL_SUMMARY, format_key, sizeof format_key, &v, &vlen, err);

	*removed = 0;
	if (rc == 0 && vlen == 1 && v[0] == VERSION)
		return 0;
	if (rc != 0 && rc != LFH_ENOTFOUND)
		return rc;
	do {
		size_t n = 0;
		rc = delete_rows(t, NULL, 0, any_row_fn, &n, err);
		*removed += n;
		if (n == 0)
			break;
	} while (rc == 0);
	return rc ? rc : lfh_store_tbl_put(t, LFH_TBL_SUMMARY, format_key, sizeof format_key,
					   &version, 1, err);
}
