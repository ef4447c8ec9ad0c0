/*
 * ctl_audit.c - control command reading the node's append-only audit log
 * (see include/lfh/ctl.h): who read or wrote what, for subject-access
 * requests and dip-sampling. The listing is itself a read, so the server
 * audits it like any other request.
 *
 *   audit_list  [after] [limit] [case] [who] [from_ms] [to_ms]
 *     after    audit sequence: only entries after it (to page; default 0)
 *     limit    most entries in the reply (default 1000, 1..10000)
 *     case     only that case: its reference, id or unique prefix (8 to 32
 *              hex digits); digits of a case no longer held match as given
 *     who      only entries by this caseworker (the request's own "by" is
 *              the requester, as for every command)
 *     from_ms  only entries at or after this wall-clock time (ms)
 *     to_ms    only entries at or before this wall-clock time (ms, inclusive)
 *   reply: one record per entry, oldest first:
 *     {seq, time, ms, by, cmd, case ("" if none), ok, category (if any)}
 *   When more matching entries exist than the reply carries (limit, or the
 *   reply's size budget), the reply's message says so; continue with
 *   after = the seq of the last entry.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lfh/ctl.h"

#define LIMIT_DEFAULT 1000
#define LIMIT_MAX 10000
#define WHO_MAX 1024
/* Encoded bytes of entries in one reply: well under LFH_FRAME_MAX. */
#define REPLY_BUDGET (3u * 1024u * 1024u)

struct audit_ctx {
	lfh_ctl_req *q;
	uint64_t limit, from_ms, to_ms;
	const char *who;
	char case_hex[2 * LFH_CASE_LEN + 1]; /* lowercase: a full id or a prefix */
	size_t bytes;                       /* estimated encoded size so far */
	uint64_t last_seq;                  /* seq of the last entry replied */
	int more;                           /* a further matching entry exists */
	lfh_err err;
};

/* An optional uint field; absent leaves *out unchanged. */
static int opt_uint(lfh_ctl_req *q, const char *key, uint64_t *out)
{
	char msg[LFH_ERRMSG_MAX];
	if (lfh_record_uint(&q->req, key, out) || !lfh_record_str(&q->req, key))
		return 0;
	snprintf(msg, sizeof msg, "%s must be a number", key);
	return lfh_ctl_fail(&q->rep, LFH_EINVAL, msg);
}

/*
 * The case filter: a case held here (by reference, full id or unique
 * prefix, as every command takes it), or else the digits as given, since
 * the log still names a case this node no longer holds.
 */
static int case_filter(lfh_ctl_req *q, lfh_txn *t, const char *hex, char out[2 * LFH_CASE_LEN + 1])
{
	uint8_t case_id[LFH_CASE_LEN];
	size_t len = strlen(hex);
	int is_ref = strchr(hex, '-') != NULL;
	int rc = lfh_ctl_find_case(t, hex, case_id, &q->rep);

	if (rc == 0) {
		lfh_hex(out, case_id, LFH_CASE_LEN);
		/* A read about this case: its audit entry names the case too. */
		memcpy(q->case_hex, out, sizeof q->case_hex);
		return 0;
	}
	if (rc != LFH_ENOTFOUND || is_ref)
		return rc;
	/* Not (or no longer) held here: entries may still name it. */
	q->rep.code = 0;
	q->rep.message[0] = '\0';
	for (size_t i = 0; i <= len; i++)
		out[i] = (char)tolower((unsigned char)hex[i]);
	return 0;
}

static int matches(const struct audit_ctx *c, const lfh_record *r)
{
	const char *by = lfh_record_str(r, "by"), *cs = lfh_record_str(r, "case");
	uint64_t ms = 0;

	lfh_record_uint(r, "ms", &ms);
	if (ms < c->from_ms || ms > c->to_ms)
		return 0;
	/* the user's own entries, and the attempts made in its name that were refused */
	if (c->who && (!by || (strcmp(by, c->who) != 0 &&
			       (strncmp(by, "(unverified) ", 13) != 0 || strcmp(by + 13, c->who) != 0))))
		return 0;
	if (c->case_hex[0] && (!cs || strncmp(cs, c->case_hex, strlen(c->case_hex)) != 0))
		return 0;
	return 1;
}

static size_t str_size(const char *s)
{
	return s ? strlen(s) + 5 : 0;
}

static int audit_fn(void *vctx, uint64_t seq, const lfh_record *r)
{
	struct audit_ctx *c = vctx;
	const char *by = lfh_record_str(r, "by"), *cmd = lfh_record_str(r, "cmd");
	const char *cs = lfh_record_str(r, "case"), *cat = lfh_record_str(r, "category");
	uint64_t ms = 0, ok = 1, skipped = 0; /* shred records carry no "ok": they record done work */
	size_t size = 96 + str_size(by) + str_size(cmd) + str_size(cs) + str_size(cat);
	lfh_record *out;
	char when[32];

	lfh_ctl_yield(c->q);
	if (!matches(c, r))
		return 0;
	if (c->q->rep.n >= c->limit || c->bytes + size > REPLY_BUDGET) {
		c->more = 1;
		return 1;
	}
	lfh_record_uint(r, "ms", &ms);
	lfh_record_uint(r, "ok", &ok);
	lfh_record_uint(r, "skipped", &skipped);
	lfh_ctl_time(ms, when);
	if (!(out = lfh_ctl_add(&c->q->rep)))
		return LFH_ENOMEM;
	if (lfh_record_set_uint(out, "seq", seq, &c->err) ||
	    lfh_record_set_str(out, "time", when, &c->err) ||
	    lfh_record_set_uint(out, "ms", ms, &c->err) ||
	    lfh_record_set_str(out, "by", by ? by : "?", &c->err) ||
	    lfh_record_set_str(out, "cmd", cmd ? cmd : "?", &c->err) ||
	    lfh_record_set_str(out, "case", cs ? cs : "", &c->err) ||
	    lfh_record_set_uint(out, "ok", ok != 0, &c->err) ||
	    (cat && lfh_record_set_str(out, "category", cat, &c->err)) ||
	    (skipped && lfh_record_set_uint(out, "skipped", skipped, &c->err)))
		return c->err.code ? c->err.code : LFH_ENOMEM;
	c->bytes += size;
	c->last_seq = seq;
	return 0;
}

int ctl_audit_list(lfh_ctl_req *q, lfh_txn *t)
{
	struct audit_ctx c = { .q = q, .limit = LIMIT_DEFAULT, .to_ms = UINT64_MAX };
	const char *hex = lfh_record_str(&q->req, "case");
	uint64_t after = 0;
	char msg[LFH_ERRMSG_MAX];
	int rc;

	if ((rc = opt_uint(q, "after", &after)) || (rc = opt_uint(q, "limit", &c.limit)) ||
	    (rc = opt_uint(q, "from_ms", &c.from_ms)) || (rc = opt_uint(q, "to_ms", &c.to_ms)))
		return rc;
	if (c.limit < 1 || c.limit > LIMIT_MAX) {
		snprintf(msg, sizeof msg, "limit must be 1 to %d", LIMIT_MAX);
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, msg);
	}
	if (c.from_ms > c.to_ms)
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "from_ms is after to_ms");
	if (lfh_record_uint(&q->req, "who", &(uint64_t){ 0 }) ||
	    lfh_record_uint(&q->req, "case", &(uint64_t){ 0 }))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "who and case must be text");
	c.who = lfh_record_str(&q->req, "who");
	if (c.who && (!*c.who || strlen(c.who) > WHO_MAX))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "who must be 1 to 1024 characters");
	if (hex && (rc = case_filter(q, t, hex, c.case_hex)))
		return rc;
	rc = lfh_store_scan_audit(t, after, audit_fn, &c, &c.err);
	if (rc)
		return lfh_ctl_fail(&q->rep, rc, c.err.msg[0] ? c.err.msg : "out of memory");
	if (c.more) {
		snprintf(msg, sizeof msg, "more entries follow seq %llu",
			 (unsigned long long)c.last_seq);
		/* a success reply with a note: the code stays 0 */
		snprintf(q->rep.message, sizeof q->rep.message, "%s", msg);
	}
	return 0;
}
