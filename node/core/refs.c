/*
 * refs.c - case references (include/lfh/refs.h): numbering our referrals,
 * and the index from reference to case that makes them usable everywhere a
 * case id is; a readable referral also goes into the re-referral index
 * (reref.h) here, where it is read once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lfh/log.h"
#include "lfh/project.h"
#include "lfh/refs.h"
#include "lfh/reref.h"

#define REF_NUMBER_MAX 999999999ULL

/* The meta name of this agency's counter for year yy. */
static void counter_name(char out[LFH_META_NAME_BUF], unsigned yy)
{
	snprintf(out, LFH_META_NAME_BUF, "refno.%02u", yy % 100);
}

static unsigned utc_year(uint64_t ms)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&s, &tm))
		return 0;
	return (unsigned)(tm.tm_year + 1900);
}

int lfh_refs_next(lfh_node *n, lfh_txn *t, uint64_t now_ms, char out[LFH_OSARA_REF_MAX + 1],
		  lfh_err *err)
{
	char name[LFH_META_NAME_BUF], upper[LFH_AGENCY_MAX + 1];
	unsigned yy = utc_year(now_ms) % 100;
	uint64_t next = 1;
	size_t i;
	int rc;

	counter_name(name, yy);
	rc = lfh_store_meta_get(t, name, &next, err);
	if (rc && rc != LFH_ENOTFOUND)
		return rc;
	if (rc == LFH_ENOTFOUND || next == 0) /* numbers start at 1 */
		next = 1;
	if (next > REF_NUMBER_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "more than %llu referrals this year",
				   (unsigned long long)REF_NUMBER_MAX);
	for (i = 0; n->cfg.agency[i] && i < LFH_AGENCY_MAX; i++)
		upper[i] = (char)(n->cfg.agency[i] >= 'a' && n->cfg.agency[i] <= 'z'
					  ? n->cfg.agency[i] - 'a' + 'A' : n->cfg.agency[i]);
	upper[i] = '\0';
	snprintf(out, LFH_OSARA_REF_MAX + 1, "%s-%02u-%04llu", upper, yy, (unsigned long long)next);
	return lfh_store_meta_put(t, name, next + 1, err);
}

/* Our own reference seen again (e.g. recovered after a restore): the counter passes it. */
static int raise_counter(lfh_node *n, lfh_txn *t, const char *ref, lfh_err *err)
{
	size_t a = strlen(n->cfg.agency);
	char name[LFH_META_NAME_BUF];
	uint64_t have = 1, num = strtoull(ref + a + 4, NULL, 10);
	unsigned yy = (unsigned)((ref[a + 1] - '0') * 10 + (ref[a + 2] - '0'));
	int rc;

	counter_name(name, yy);
	rc = lfh_store_meta_get(t, name, &have, err);
	if (rc && rc != LFH_ENOTFOUND)
		return rc;
	if (rc == LFH_ENOTFOUND || have == 0)
		have = 1;
	return num + 1 > have ? lfh_store_meta_put(t, name, num + 1, err) : 0;
}

/* Index the reference of the referral stored as raw, if this node can read it. */
static int index_referral(lfh_node *n, lfh_txn *t, const uint8_t *raw, size_t len, lfh_err *err)
{
	lfh_event ev = { 0 };
	lfh_record body = { 0 }, meta = { 0 };
	const uint8_t *have;
	size_t hlen;
	const char *ref;
	lfh_err why = { 0 };
	int rc = 0;

	if (lfh_node_open_event(n, t, raw, len, &ev, &body, &why) != 0)
		goto out; /* not readable here (yet) */
	if ((rc = lfh_reref_add(t, ev.case_id, ev.hlc, lfh_record_str(&body, "subject"),
				lfh_record_str(&body, "location"), err)))
		goto out;
	if (!(ref = lfh_record_str(&body, "ref")) || !lfh_osara_ref_valid(ref, ev.author))
		goto out; /* no reference */
	rc = lfh_store_tbl_get(t, LFH_TBL_REFS, ref, strlen(ref), &have, &hlen, err);
	if (rc == 0 && (hlen != LFH_CASE_LEN || memcmp(have, ev.case_id, LFH_CASE_LEN) != 0)) {
		log_warn("case reference %s is given to two cases by %s: it names the first one "
			 "held here; use the case id for the other", ref, ev.author);
		rc = 0;
		goto out;
	}
	if (rc == LFH_ENOTFOUND)
		rc = lfh_store_tbl_put(t, LFH_TBL_REFS, ref, strlen(ref), ev.case_id, LFH_CASE_LEN,
				       err);
	if (!rc && (rc = lfh_store_case_get(t, ev.case_id, &meta, err)) == 0 &&
	    !lfh_record_str(&meta, "ref")) {
		rc = lfh_record_set_str(&meta, "ref", ref, err);
		rc = rc ? rc : lfh_store_case_put(t, ev.case_id, &meta, err);
	} else if (rc == LFH_ENOTFOUND) {
		rc = 0;
	}
	if (!rc && strcmp(ev.author, n->cfg.agency) == 0)
		rc = raise_counter(n, t, ref, err);
out:
	lfh_record_clear(&meta);
	lfh_record_clear(&body);
	lfh_event_clear(&ev);
	return rc;
}

/* Scan callback: a copy of the case's referral envelope (the scan's pointers end with it). */
struct find_referral {
	uint8_t *raw;
	size_t len;
};

static int referral_fn(void *ctx, uint64_t key, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		       size_t len)
{
	struct find_referral *f = ctx;
	lfh_event ev = { 0 };
	int referral;

	(void)key;
	(void)id;
	if (lfh_event_decode(raw, len, &ev, NULL))
		return 0;
	referral = ev.type == LFH_EV_REFERRAL;
	lfh_event_clear(&ev);
	if (!referral)
		return 0;
	if ((f->raw = malloc(len)) == NULL)
		return LFH_ENOMEM;
	memcpy(f->raw, raw, len);
	f->len = len;
	return 1;
}

/* Index the reference of a case's referral, if held and readable here. */
static int index_case_referral(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			       lfh_err *err)
{
	struct find_referral f = { 0 };
	int rc = lfh_store_scan_case(t, case_id, referral_fn, &f, err);

	if (rc == LFH_ENOMEM)
		rc = lfh_err_set(err, rc, "out of memory");
	if (!rc && f.raw)
		rc = index_referral(n, t, f.raw, f.len, err);
	free(f.raw);
	return rc;
}

int lfh_refs_index(lfh_node *n, lfh_txn *t, const lfh_event *ev, const uint8_t id[LFH_ID_LEN],
		   lfh_err *err)
{
	lfh_record meta = { 0 };
	const uint8_t *raw;
	size_t len;
	int rc, known;

	if (ev->type == LFH_EV_REFERRAL) {
		if ((rc = lfh_store_get_event(t, id, &raw, &len, err)))
			return rc == LFH_ENOTFOUND ? 0 : rc;
		return index_referral(n, t, raw, len, err);
	}
	if (ev->type != LFH_EV_KEY)
		return 0;
	/* a sharing key may make the case's referral readable now */
	rc = lfh_store_case_get(t, ev->case_id, &meta, err);
	known = rc == 0 && lfh_record_str(&meta, "ref");
	lfh_record_clear(&meta);
	if (rc == LFH_ENOTFOUND || known)
		return 0;
	if (rc)
		return rc;
	return index_case_referral(n, t, ev->case_id, err);
}

int lfh_refs_lookup(lfh_txn *t, const char *ref, uint8_t case_id[LFH_CASE_LEN], lfh_err *err)
{
	char norm[LFH_OSARA_REF_MAX + 1];
	const uint8_t *v;
	size_t vlen;
	int rc;

	if (lfh_osara_ref_norm(ref, norm) != 0 || !strchr(norm, '-'))
		return lfh_err_set(err, LFH_EINVAL, "not a case reference");
	rc = lfh_store_tbl_get(t, LFH_TBL_REFS, norm, strlen(norm), &v, &vlen, err);
	if (rc == 0 && vlen != LFH_CASE_LEN)
		return lfh_err_set(err, LFH_ESTORE, "case reference index: bad entry for %s", norm);
	if (rc == 0)
		memcpy(case_id, v, LFH_CASE_LEN);
	return rc;
}
