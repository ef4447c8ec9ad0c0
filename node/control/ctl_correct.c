/*
 * ctl_correct.c - correcting a case's record (see include/lfh/ctl.h and the
 * AMEND, REDACT and REOPEN steps of include/lfh/osara.h):
 *
 *   case_amend   event text [on]   AMEND (event: 64 hex, or with case a prefix
 *                                  of 8+ digits unique in the case): a correction views show in place of
 *                                  the entry's text; the entry stays in the
 *                                  history and the audit
 *   case_redact  event reason      REDACT (lead agency; manager role): the
 *                                  entry is left out of views and exports
 *   case_reopen  case reason       REOPEN (lead agency; manager role): a closed
 *                                  case takes work again; its retention stops
 *
 * An AMEND or REDACT is encrypted under the sharing key of the entry's own
 * category, so it reaches exactly who holds the entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/ctl.h"
#include "lfh/osara.h"
#include "lfh/project.h"

#define CORRECTION_MAX 8000

/* The step is valid on the case as projected here (reply set if not). */
static int allowed(lfh_ctl_req *q, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		   uint32_t type, const lfh_record *body)
{
	return lfh_ctl_step_allowed(q, t, case_id, type, body, 0);
}

/* Scan callback: the one event of the case whose id starts with the prefix. */
struct by_prefix {
	uint8_t prefix[LFH_ID_LEN];
	size_t digits;
	uint8_t id[LFH_ID_LEN];
	int found;
};

static int prefix_fn(void *ctx, uint64_t key, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		     size_t len)
{
	struct by_prefix *p = ctx;
	char hex[2 * LFH_ID_LEN + 1], want[2 * LFH_ID_LEN + 1];

	(void)key;
	(void)raw;
	(void)len;
	lfh_hex(hex, id, LFH_ID_LEN);
	lfh_hex(want, p->prefix, LFH_ID_LEN);
	if (strncmp(hex, want, p->digits) != 0)
		return 0;
	if (p->found++) /* a second match: ambiguous */
		return 1;
	memcpy(p->id, id, LFH_ID_LEN);
	return 0;
}

/*
 * The id of the entry "event" names: 64 hex digits, or with "case" a prefix
 * of 8 or more digits unique in that case (as lfh case show prints it).
 */
static int event_id(lfh_ctl_req *q, lfh_txn *t, const char *hex, uint8_t id[LFH_ID_LEN])
{
	struct by_prefix p = { .digits = strlen(hex) };
	uint8_t case_id[LFH_CASE_LEN];
	char even[2 * LFH_ID_LEN + 2];
	lfh_err err = { 0 };
	int rc;

	if (p.digits == 2 * LFH_ID_LEN && lfh_unhex(id, LFH_ID_LEN, hex) == 0)
		return 0;
	if (p.digits < 8 || p.digits > 2 * LFH_ID_LEN || !lfh_record_str(&q->req, "case"))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "event: the entry's id (64 hex digits), or "
				    "with the case 8 or more of its first digits (lfh case show)");
	snprintf(even, sizeof even, "%s%s", hex, p.digits % 2 ? "0" : "");
	if (lfh_unhex(p.prefix, (p.digits + 1) / 2, even))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "event: hex digits only");
	if ((rc = lfh_ctl_find_case(t, lfh_record_str(&q->req, "case"), case_id, &q->rep)))
		return rc;
	if ((rc = lfh_store_scan_case(t, case_id, prefix_fn, &p, &err)))
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	if (p.found != 1)
		return lfh_ctl_fail(&q->rep, p.found ? LFH_EAMBIG : LFH_ENOTFOUND,
				    p.found ? "event: several entries of the case start so: give "
					      "more digits" : "event: no entry of the case starts so");
	memcpy(id, p.id, LFH_ID_LEN);
	return 0;
}

/* The entry the request's "event" names: its id (hex), case and category. */
static int entry_of(lfh_ctl_req *q, lfh_txn *t, char hex[2 * LFH_ID_LEN + 1],
		    uint8_t case_id[LFH_CASE_LEN], char category[LFH_CATEGORY_MAX + 1])
{
	uint8_t id[LFH_ID_LEN];
	const uint8_t *raw;
	const char *given;
	size_t len;
	lfh_event ev = { 0 };
	lfh_err err = { 0 };
	char msg[LFH_ERRMSG_MAX];
	int rc;

	if (!(given = lfh_ctl_need(&q->req, "event", 2 * LFH_ID_LEN, &q->rep)))
		return q->rep.code;
	if ((rc = event_id(q, t, given, id)))
		return rc;
	lfh_hex(hex, id, LFH_ID_LEN);
	rc = lfh_store_get_event(t, id, &raw, &len, &err);
	if (rc == LFH_ENOTFOUND) {
		snprintf(msg, sizeof msg, "no event %.12s at this node", hex);
		return lfh_ctl_fail(&q->rep, rc, msg);
	}
	if (!rc)
		rc = lfh_event_decode(raw, len, &ev, &err);
	if (rc)
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	memcpy(case_id, ev.case_id, LFH_CASE_LEN);
	snprintf(category, LFH_CATEGORY_MAX + 1, "%s", ev.category);
	lfh_hex(q->case_hex, case_id, LFH_CASE_LEN);
	lfh_event_clear(&ev);
	return 0;
}

/* AMEND or REDACT of the entry "event", with text (amend) or reason (redact). */
static int correct(lfh_ctl_req *q, lfh_txn *t, uint32_t type, const char *field)
{
	char category[LFH_CATEGORY_MAX + 1], hex[2 * LFH_ID_LEN + 1];
	uint8_t case_id[LFH_CASE_LEN];
	const char *value, *by;
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	int rc;

	if ((rc = entry_of(q, t, hex, case_id, category)))
		return rc;
	if (!(value = lfh_ctl_need(&q->req, field, CORRECTION_MAX, &q->rep)) ||
	    !(by = lfh_ctl_need(&q->req, "by", LFH_CTL_BY_MAX, &q->rep)))
		return q->rep.code;
	if (lfh_record_set_str(&body, "event", hex, &err) ||
	    lfh_record_set_str(&body, field, value, &err) || lfh_record_set_str(&body, "by", by, &err))
		rc = lfh_ctl_fail(&q->rep, err.code, err.msg);
	if (!rc)
		rc = lfh_ctl_stamp(q, &body);
	if (!rc)
		rc = allowed(q, t, case_id, type, &body);
	if (!rc)
		rc = lfh_ctl_write(q, t, case_id, type, category, NULL, 0, &body);
	lfh_record_clear(&body);
	return rc;
}

int ctl_case_amend(lfh_ctl_req *q, lfh_txn *t)
{
	return correct(q, t, LFH_EV_AMEND, "text");
}

int ctl_case_redact(lfh_ctl_req *q, lfh_txn *t)
{
	return correct(q, t, LFH_EV_REDACT, "reason");
}

int ctl_case_reopen(lfh_ctl_req *q, lfh_txn *t)
{
	uint8_t case_id[LFH_CASE_LEN];
	const char *reason, *by;
	lfh_record body = { 0 };
	lfh_buf b = { 0 };
	lfh_err err = { 0 };
	int rc;

	if ((rc = lfh_ctl_find_case(t, lfh_record_str(&q->req, "case"), case_id, &q->rep)))
		return rc;
	if (!(reason = lfh_ctl_need(&q->req, "reason", CORRECTION_MAX, &q->rep)) ||
	    !(by = lfh_ctl_need(&q->req, "by", LFH_CTL_BY_MAX, &q->rep)))
		return q->rep.code;
	if (lfh_record_set_str(&body, "reason", reason, &err) ||
	    lfh_record_set_str(&body, "by", by, &err))
		rc = lfh_ctl_fail(&q->rep, err.code, err.msg);
	if (!rc)
		rc = allowed(q, t, case_id, LFH_EV_REOPEN, &body);
	if (!rc && (rc = lfh_record_encode(&body, &b, &err)) == 0 &&
	    (rc = lfh_node_write_plain(q->node, t, case_id, LFH_EV_REOPEN, "referral", NULL, 0,
				       b.data, b.len, &q->wr, &err)) == 0)
		rc = lfh_ctl_written(q, case_id);
	else if (rc && !q->rep.code)
		rc = lfh_ctl_fail(&q->rep, rc, err.msg);
	lfh_buf_free(&b);
	lfh_record_clear(&body);
	return rc;
}
