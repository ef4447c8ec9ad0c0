/*
 * ctl.c - what every control command shares (include/lfh/ctl.h): building
 * the reply, checking request fields, resolving a case id, writing an event
 * and acknowledging it. Commands are in node/control/ctl_*.c; the server
 * that runs them is node/control/control.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lfh/ctl.h"
#include "lfh/hlc.h"
#include "lfh/membership.h"
#include "lfh/osara.h"
#include "lfh/policy.h"
#include "lfh/project.h"
#include "lfh/refs.h"
#include "lfh/summary.h"

lfh_record *lfh_ctl_add(lfh_ctl_reply *r)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		lfh_record *p = realloc(r->recs, cap * sizeof *p);
		if (!p)
			return NULL;
		r->recs = p;
		r->cap = cap;
	}
	memset(&r->recs[r->n], 0, sizeof r->recs[0]);
	return &r->recs[r->n++];
}

int lfh_ctl_audited_as_sar(const lfh_ctl_req *q)
{
	const char *cmd = lfh_record_str(&q->req, "cmd"), *purpose = lfh_record_str(&q->req, "for");

	return cmd && purpose && !strcmp(cmd, "case_chronology") && !strcmp(purpose, "sar");
}

size_t lfh_ctl_reply_bytes(lfh_ctl_reply *r)
{
	for (; r->sized < r->n; r->sized++)
		r->bytes += lfh_record_encoded_max(&r->recs[r->sized]);
	return r->bytes;
}

void lfh_ctl_yield(lfh_ctl_req *q)
{
	if (q && q->yield)
		q->yield(q->yield_ctx);
}

void lfh_ctl_reply_clear(lfh_ctl_reply *r)
{
	for (size_t i = 0; i < r->n; i++)
		lfh_record_clear(&r->recs[i]);
	free(r->recs);
	memset(r, 0, sizeof *r);
}

int lfh_ctl_fail(lfh_ctl_reply *r, int code, const char *msg)
{
	r->code = code;
	snprintf(r->message, sizeof r->message, "%s", msg);
	return code;
}

void lfh_ctl_time(uint64_t ms, char out[32])
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&sec, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Required string field of bounded length; fails with a message naming it. */
const char *lfh_ctl_need(const lfh_record *req, const char *key, size_t max, lfh_ctl_reply *r)
{
	const char *v = lfh_record_str(req, key);
	char msg[LFH_ERRMSG_MAX];
	if (!v || !*v) {
		snprintf(msg, sizeof msg, "missing %s", key);
		lfh_ctl_fail(r, LFH_EINVAL, msg);
		return NULL;
	}
	if (strlen(v) > max) {
		snprintf(msg, sizeof msg, "%s is too long (%zu bytes, max %zu; a letter with an accent "
			 "takes 2)", key, strlen(v), max);
		lfh_ctl_fail(r, LFH_EINVAL, msg);
		return NULL;
	}
	return v;
}

int lfh_ctl_case_digest(lfh_ctl_req *q, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			lfh_osara_state *st, lfh_err *err)
{
	const char *recompute = lfh_record_str(&q->req, "recompute");
	int rc = recompute && !strcmp(recompute, "yes") ? 0 : lfh_summary_get(t, case_id, st, err);

	if (rc == 0)
		rc = lfh_node_project(q->node, t, case_id, st, err);
	return rc;
}

/* Resolve a hex case id or prefix (>= 8 hex digits) to a stored case. */
int lfh_ctl_project_case(lfh_ctl_req *q, lfh_txn *t, uint8_t case_id[LFH_CASE_LEN],
			 lfh_osara_state **st)
{
	lfh_err err = { 0 };
	int rc = lfh_ctl_find_case(t, lfh_record_str(&q->req, "case"), case_id, &q->rep);

	*st = NULL;
	if (rc)
		return rc;
	lfh_hex(q->case_hex, case_id, LFH_CASE_LEN);
	if (!(*st = malloc(sizeof **st)))
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	if ((rc = lfh_node_project(q->node, t, case_id, *st, &err))) {
		free(*st);
		*st = NULL;
		return lfh_ctl_fail(&q->rep, rc, err.msg[0] ? err.msg : "out of memory");
	}
	return 0;
}

const char *lfh_ctl_category(lfh_ctl_req *q)
{
	const char *category = lfh_record_str(&q->req, "category");

	if (!category || !*category)
		return "referral";
	if (!lfh_name_valid(category)) {
		lfh_ctl_fail(&q->rep, LFH_EINVAL, "invalid category name");
		return NULL;
	}
	return category;
}

int lfh_ctl_find_case(lfh_txn *t, const char *hex, uint8_t case_id[LFH_CASE_LEN], lfh_ctl_reply *r)
{
	uint8_t prefix[LFH_CASE_LEN];
	char even[2 * LFH_CASE_LEN + 2];
	size_t len = hex ? strlen(hex) : 0;
	lfh_err err = { 0 };
	char msg[LFH_ERRMSG_MAX];
	int rc;

	/* a reference a person can say ("POLICE-26-0042"), or hex digits */
	if (hex && strchr(hex, '-')) {
		rc = lfh_refs_lookup(t, hex, case_id, &err);
		if (rc == LFH_ENOTFOUND || rc == LFH_EINVAL) {
			snprintf(msg, sizeof msg, "no case with reference %.60s at this node", hex);
			return lfh_ctl_fail(r, LFH_ENOTFOUND, msg);
		}
		return rc ? lfh_ctl_fail(r, rc, err.msg) : 0;
	}
	/* an odd count of digits (as lfh due prints) is padded for decoding; the last
	 * nibble alone is then compared */
	if (len >= 8 && len <= 2 * LFH_CASE_LEN) {
		memcpy(even, hex, len);
		even[len] = '0';
		even[len + (len % 2)] = '\0';
	}
	if (len < 8 || len > 2 * LFH_CASE_LEN || lfh_unhex(prefix, (len + 1) / 2, even))
		return lfh_ctl_fail(r, LFH_EINVAL, "a case is its reference (e.g. POLICE-26-0042) or "
				    "8 to 32 hex digits of its id");
	rc = lfh_store_case_lookup_digits(t, prefix, len, case_id, &err);
	if (rc == LFH_ENOTFOUND) {
		snprintf(msg, sizeof msg, "no such case %s at this node", hex);
		return lfh_ctl_fail(r, rc, msg);
	}
	if (rc == LFH_EAMBIG) {
		snprintf(msg, sizeof msg, "case id %s is ambiguous: give more digits", hex);
		return lfh_ctl_fail(r, rc, msg);
	}
	return rc ? lfh_ctl_fail(r, rc, err.msg) : 0;
}

/* Run lfh_node_write and record the outcome; validation errors stay local. */
int lfh_ctl_write(lfh_ctl_req *q, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], uint32_t type,
		  const char *category, const char *const *to, size_t nto, const lfh_record *body)
{
	lfh_err err = { 0 };
	int rc = lfh_node_write(q->node, t, case_id, type, category, to, nto, body, &q->wr, &err);

	if (rc)
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	return lfh_ctl_written(q, case_id);
}

int lfh_ctl_step_allowed(lfh_ctl_req *q, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			 uint32_t type, const lfh_record *body, int unreadable_ok)
{
	lfh_osara_state *st = malloc(sizeof *st);
	lfh_err err = { 0 };
	int rc;

	if (!st)
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	rc = lfh_node_project(q->node, t, case_id, st, &err);
	if (!rc && !(unreadable_ok && st->stage == LFH_OSARA_NONE))
		rc = lfh_osara_check(st, type, q->node->cfg.agency, body, &err);
	free(st);
	return rc ? lfh_ctl_fail(&q->rep, rc, err.msg) : 0;
}

int lfh_ctl_referral_recipients_ok(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
				   const char *const *to, size_t nto, lfh_err *err)
{
	char out[LFH_MAX_RECIPIENTS][LFH_AGENCY_MAX + 1];
	size_t nout;

	if (lfh_policy_active(&n->rules)) {
		int rc = lfh_policy_recipients(&n->rules, t, case_id, LFH_EV_REFERRAL, "referral",
					       to, nto, out, &nout, err);
		if (!rc && nout == 0) /* as the write would say, before the number is taken */
			rc = lfh_err_set(err, LFH_EINVAL, "the ISA lets no other agency receive "
					 "referral data of this case");
		return rc;
	}
	for (size_t i = 0; i < nto; i++)
		if (!lfh_node_member(n, to[i]))
			return lfh_err_set(err, LFH_EINVAL, "'%s' is not a member", to[i]);
	return 0;
}

int lfh_ctl_stamp(lfh_ctl_req *q, lfh_record *body)
{
	static const char *const keys[] = { "on", "team" };
	lfh_err err = { 0 };

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *v = lfh_record_str(&q->req, keys[i]);
		if (v && *v && lfh_record_set_str(body, keys[i], v, &err))
			return lfh_ctl_fail(&q->rep, err.code, err.msg);
	}
	if (lfh_osara_check_common(body, lfh_wall_ms() << 16, &err))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, err.msg);
	return 0;
}

/* Reply {case, event, hlc} for the write just done. */
int lfh_ctl_written(lfh_ctl_req *q, const uint8_t case_id[LFH_CASE_LEN])
{
	lfh_err err = { 0 };
	char id_hex[2 * LFH_ID_LEN + 1];
	lfh_record *out;

	q->wrote = 1;
	lfh_hex(q->case_hex, case_id, LFH_CASE_LEN);
	lfh_hex(id_hex, q->wr.event_id, LFH_ID_LEN);
	out = lfh_ctl_add(&q->rep);
	if (!out || lfh_record_set_str(out, "case", q->case_hex, &err) ||
	    lfh_record_set_str(out, "event", id_hex, &err) ||
	    lfh_record_set_uint(out, "hlc", q->wr.hlc, &err))
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	return 0;
}

int lfh_ctl_next_page(lfh_ctl_reply *r, const uint8_t *last, size_t len)
{
	char hex[2 * 64 + 1];
	lfh_err err = { 0 };
	lfh_record *out;

	if (len > 64)
		return lfh_ctl_fail(r, LFH_EINVAL, "page cursor too long");
	lfh_hex(hex, last, len);
	if (!(out = lfh_ctl_add(r)) || lfh_record_set_str(out, "next", hex, &err))
		return lfh_ctl_fail(r, LFH_ENOMEM, "out of memory");
	return 0;
}

int lfh_ctl_page_begin(lfh_ctl_req *q, lfh_ctl_page *pg)
{
	const char *after = lfh_record_str(&q->req, "after");

	memset(pg, 0, sizeof *pg);
	pg->limit = LFH_CTL_PAGE_MAX;
	if (lfh_record_uint(&q->req, "limit", &pg->limit) &&
	    (pg->limit < 1 || pg->limit > LFH_CTL_PAGE_MAX))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "limit: expected 1 to 500 records a page");
	pg->scan_max = LFH_CTL_SCAN_MAX;
	if (lfh_record_uint(&q->req, "scan", &pg->scan_max) &&
	    (pg->scan_max < 1 || pg->scan_max > LFH_CTL_SCAN_MAX))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "scan: expected 1 to 2000 cases a page");
	if (!after)
		return 0;
	if (strlen(after) != 2 * LFH_CASE_LEN || lfh_unhex(pg->after, LFH_CASE_LEN, after))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "after: expected a case id (32 hex digits)");
	pg->has_after = 1;
	return 0;
}

int lfh_ctl_page_stop(lfh_ctl_page *pg, lfh_ctl_reply *r,
		      const uint8_t case_id[LFH_CASE_LEN])
{
	if (r->n >= pg->limit || pg->scanned >= pg->scan_max ||
	    lfh_ctl_reply_bytes(r) >= LFH_CTL_PAGE_BYTES) {
		pg->full = 1;
		return 1;
	}
	pg->scanned++;
	memcpy(pg->last, case_id, LFH_CASE_LEN);
	return 0;
}

int lfh_ctl_page_end(lfh_ctl_req *q, const lfh_ctl_page *pg)
{
	return pg->full ? lfh_ctl_next_page(&q->rep, pg->last, LFH_CASE_LEN) : 0;
}
