/*
 * summary.c - what the reports read of a closed case (include/lfh/summary.h),
 * kept as records in LFH_TBL_SUMMARY.
 */
#include <stdio.h>
#include <string.h>

#include "lfh/buf.h"
#include "lfh/record.h"
#include "lfh/summary.h"

#define KEY_LEN (LFH_CASE_LEN + 1 + 2)
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

static int put_header(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const lfh_osara_state *st,
		      uint32_t nteams, lfh_err *err)
{
	lfh_record r = { 0 };
	const char *kv[] = { "author", st->referral_author, "risk", st->risk_level,
			     "category", st->asb_category, "rereferral_of", st->rereferral_of,
			     "subject", st->subject, "location", st->location,
			     "summary", st->summary, NULL };
	int rc = set_strs(&r, kv, err);

	if (!rc)
		rc = lfh_record_set_uint(&r, "referral_hlc", st->referral_hlc, err);
	if (!rc)
		rc = lfh_record_set_uint(&r, "reopened", st->nreopened, err);
	if (!rc)
		rc = lfh_record_set_uint(&r, "meetings", st->nmeetings, err);
	if (!rc)
		rc = lfh_record_set_uint(&r, "actions", st->nactions, err);
	if (!rc)
		rc = lfh_record_set_uint(&r, "teams", nteams, err);
	return put_part(t, case_id, 'h', 0, &r, rc, err);
}

int lfh_summary_put(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const lfh_osara_state *st,
		    lfh_err *err)
{
	uint32_t nteams = 0;
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
		const char *kv[] = { "power", a->power, "status", a->status, "signpost", a->signpost,
				     "agency", a->agency, "author", a->author, "team", a->team,
				     "refusal", a->refusal, NULL };
		rc = put_part(t, case_id, 'a', i, &r, set_strs(&r, kv, err), err);
	}
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

/* A count of the header, no more than the state holds. */
static int count_of(const lfh_record *h, const char *key, uint32_t max, uint32_t *out)
{
	uint64_t n;

	if (!lfh_record_uint(h, key, &n) || n > max)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

static int get_header(const lfh_record *h, lfh_osara_state *st, uint32_t *nteams)
{
	uint64_t reopened;

	if (!lfh_record_uint(h, "referral_hlc", &st->referral_hlc) ||
	    !lfh_record_uint(h, "reopened", &reopened) ||
	    count_of(h, "meetings", LFH_OSARA_MAX_MEETINGS, &st->nmeetings) ||
	    count_of(h, "actions", LFH_OSARA_MAX_ACTIONS, &st->nactions) ||
	    count_of(h, "teams", LFH_OSARA_MAX_TIMELINE, nteams))
		return -1;
	st->stage = LFH_OSARA_CLOSED;
	st->nreopened = (uint32_t)reopened;
	COPY(st->referral_author, STR(h, "author"));
	COPY(st->risk_level, STR(h, "risk"));
	COPY(st->asb_category, STR(h, "category"));
	COPY(st->rereferral_of, STR(h, "rereferral_of"));
	COPY(st->subject, STR(h, "subject"));
	COPY(st->location, STR(h, "location"));
	COPY(st->summary, STR(h, "summary"));
	return 0;
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
		lfh_osara_action *a = &st->actions[i];
		memset(a, 0, sizeof *a);
		COPY(a->power, STR(r, "power"));
		COPY(a->status, STR(r, "status"));
		COPY(a->signpost, STR(r, "signpost"));
		COPY(a->agency, STR(r, "agency"));
		COPY(a->author, STR(r, "author"));
		COPY(a->team, STR(r, "team"));
		COPY(a->refusal, STR(r, "refusal"));
	} else {
		memset(&st->timeline[i], 0, sizeof st->timeline[i]);
		COPY(st->timeline[i].author, STR(r, "author"));
		COPY(st->timeline[i].team, STR(r, "team"));
	}
}

int lfh_summary_get(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], lfh_osara_state *st,
		    lfh_err *err)
{
	static const char kinds[3] = { 'm', 'a', 't' };
	lfh_record r = { 0 };
	uint32_t nteams = 0, n[3];
	int rc = get_part(t, case_id, 'h', 0, &r, err);

	if (rc)
		return rc == LFH_ENOTFOUND || rc == LFH_ECODEC ? 0 : rc;
	rc = get_header(&r, st, &nteams);
	lfh_record_clear(&r);
	if (rc)
		return 0; /* not one this build wrote: the report projects the case */
	n[0] = st->nmeetings;
	n[1] = st->nactions;
	n[2] = st->ntimeline = nteams;
	for (int k = 0; k < 3; k++)
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
	uint8_t k[KEY_LEN];
	const uint8_t *v;
	size_t vlen;
	int rc = lfh_store_tbl_get(t, LFH_TBL_SUMMARY, k, key_of(k, case_id, 'h', 0), &v, &vlen, err);

	return rc == 0 ? 1 : rc == LFH_ENOTFOUND ? 0 : rc;
}

int lfh_summary_drop(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], lfh_err *err)
{
	uint8_t k[KEY_LEN];

	return lfh_store_tbl_del(t, LFH_TBL_SUMMARY, k, key_of(k, case_id, 'h', 0), err);
}
