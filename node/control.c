/*
 * control.c - the control server lfh talks to (PROTOCOL.md 10).
 *
 * Each poll round drains the waiting requests and runs them all inside ONE
 * write transaction (group commit): validation failures are answered at
 * once and change nothing; after the single durable commit every write is
 * acknowledged and the recipients of new events are notified. Every
 * request, read or write, is appended to the audit log in that same
 * transaction, so no access goes unrecorded.
 *
 * Commands (request field "cmd"):
 *   referral_new  summary location asb_category description risk to by
 *   note_add      case text by
 *   case_list
 *   case_show     case (hex id or unique prefix of >= 8 hex digits)
 *   status
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "lfh/control.h"
#include "lfh/hlc.h"
#include "lfh/log.h"
#include "lfh/wire.h"

#define MAX_REQUESTS_PER_ROUND 256
#define SUMMARY_MAX 200
#define LOCATION_MAX 200
#define DESCRIPTION_MAX 8000
#define NOTE_MAX 8000
#define BY_MAX 64

struct lfh_control {
	lfh_node *node;
	lfh_sync *sync;
	void *sock;
	char ipc_path[LFH_ENDPOINT_MAX];
	lfh_buf out;
};

/* A reply under construction: code, message and a growing record list. */
typedef struct reply {
	int code;
	char message[LFH_ERRMSG_MAX];
	size_t n, cap;
	lfh_record *recs;
} reply;

typedef struct request {
	zmq_msg_t rid;
	lfh_record req;
	reply rep;
	int wrote;
	lfh_write_result wr;
	char case_hex[2 * LFH_CASE_LEN + 1];
} request;

static lfh_record *reply_add(reply *r)
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

static void reply_clear(reply *r)
{
	for (size_t i = 0; i < r->n; i++)
		lfh_record_clear(&r->recs[i]);
	free(r->recs);
	memset(r, 0, sizeof *r);
}

static int reply_fail(reply *r, int code, const char *msg)
{
	r->code = code;
	snprintf(r->message, sizeof r->message, "%s", msg);
	return code;
}

static void fmt_time(uint64_t ms, char out[32])
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&sec, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Required string field of bounded length; fails with a message naming it. */
static const char *need_str(const lfh_record *req, const char *key, size_t max, reply *r)
{
	const char *v = lfh_record_str(req, key);
	char msg[LFH_ERRMSG_MAX];
	if (!v || !*v) {
		snprintf(msg, sizeof msg, "missing %s", key);
		reply_fail(r, LFH_EINVAL, msg);
		return NULL;
	}
	if (strlen(v) > max) {
		snprintf(msg, sizeof msg, "%s is too long (%zu characters, max %zu)", key, strlen(v), max);
		reply_fail(r, LFH_EINVAL, msg);
		return NULL;
	}
	return v;
}

/* Resolve a hex case id or prefix (>= 8 hex digits) to a stored case. */
static int find_case(lfh_txn *t, const char *hex, uint8_t case_id[LFH_CASE_LEN], reply *r)
{
	uint8_t prefix[LFH_CASE_LEN];
	size_t len = hex ? strlen(hex) : 0;
	lfh_err err = { 0 };
	char msg[LFH_ERRMSG_MAX];
	int rc;

	if (len < 8 || len > 2 * LFH_CASE_LEN || len % 2 || lfh_unhex(prefix, len / 2, hex))
		return reply_fail(r, LFH_EINVAL,
				  "case id must be 8 to 32 hex digits (an even number)");
	rc = lfh_store_case_lookup(t, prefix, len / 2, case_id, &err);
	if (rc == LFH_ENOTFOUND) {
		snprintf(msg, sizeof msg, "no such case %s at this node", hex);
		return reply_fail(r, rc, msg);
	}
	if (rc == LFH_EAMBIG) {
		snprintf(msg, sizeof msg, "case id %s is ambiguous: give more digits", hex);
		return reply_fail(r, rc, msg);
	}
	return rc ? reply_fail(r, rc, err.msg) : 0;
}

/* Split "a,b,c" into agency ids (in place); fails on an empty or bad name. */
static int split_agencies(char *list, const char **to, size_t *nto, reply *r)
{
	char *save = NULL, msg[LFH_ERRMSG_MAX];
	*nto = 0;
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (!lfh_name_valid(tok)) {
			snprintf(msg, sizeof msg, "'%.40s' is not a valid agency id", tok);
			return reply_fail(r, LFH_EINVAL, msg);
		}
		if (*nto == LFH_MAX_RECIPIENTS)
			return reply_fail(r, LFH_EINVAL, "too many recipient agencies");
		to[(*nto)++] = tok;
	}
	return *nto ? 0 : reply_fail(r, LFH_EINVAL, "missing to (recipient agencies)");
}

/* Run lfh_node_write and record the outcome; validation errors stay local. */
static int do_write(lfh_control *c, lfh_txn *t, request *q, const uint8_t case_id[LFH_CASE_LEN],
		    uint32_t type, const char *const *to, size_t nto, const lfh_record *body)
{
	lfh_err err = { 0 };
	char id_hex[2 * LFH_ID_LEN + 1];
	lfh_record *out;
	int rc = lfh_node_write(c->node, t, case_id, type, "referral", to, nto, body, &q->wr, &err);

	if (rc)
		return reply_fail(&q->rep, rc, err.msg);
	q->wrote = 1;
	lfh_hex(q->case_hex, case_id, LFH_CASE_LEN);
	lfh_hex(id_hex, q->wr.event_id, LFH_ID_LEN);
	out = reply_add(&q->rep);
	if (!out || lfh_record_set_str(out, "case", q->case_hex, &err) ||
	    lfh_record_set_str(out, "event", id_hex, &err) ||
	    lfh_record_set_uint(out, "hlc", q->wr.hlc, &err))
		return reply_fail(&q->rep, LFH_ENOMEM, "out of memory");
	return 0;
}

static int cmd_referral_new(lfh_control *c, lfh_txn *t, request *q)
{
	static const char *risks[] = { "standard", "medium", "high" };
	const char *summary, *location, *category, *risk, *by, *to_s, *desc;
	const char *to[LFH_MAX_RECIPIENTS];
	char tolist[LFH_MAX_RECIPIENTS * (LFH_AGENCY_MAX + 2)];
	size_t nto;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	int ok_risk = 0, rc;

	if (!(summary = need_str(&q->req, "summary", SUMMARY_MAX, &q->rep)) ||
	    !(location = need_str(&q->req, "location", LOCATION_MAX, &q->rep)) ||
	    !(category = need_str(&q->req, "asb_category", LFH_AGENCY_MAX, &q->rep)) ||
	    !(risk = need_str(&q->req, "risk", 16, &q->rep)) ||
	    !(by = need_str(&q->req, "by", BY_MAX, &q->rep)) ||
	    !(to_s = need_str(&q->req, "to", sizeof tolist - 1, &q->rep)))
		return q->rep.code;
	desc = lfh_record_str(&q->req, "description");
	if (desc && strlen(desc) > DESCRIPTION_MAX)
		return reply_fail(&q->rep, LFH_EINVAL, "description is too long (max 8000 characters)");
	for (int i = 0; i < 3; i++)
		ok_risk |= strcmp(risk, risks[i]) == 0;
	if (!ok_risk)
		return reply_fail(&q->rep, LFH_EINVAL, "risk must be standard, medium or high");
	snprintf(tolist, sizeof tolist, "%s", to_s);
	if ((rc = split_agencies(tolist, to, &nto, &q->rep)))
		return rc;
	if (lfh_record_set_str(&body, "summary", summary, &err) ||
	    lfh_record_set_str(&body, "location", location, &err) ||
	    lfh_record_set_str(&body, "asb_category", category, &err) ||
	    lfh_record_set_str(&body, "description", desc ? desc : "", &err) ||
	    lfh_record_set_str(&body, "risk", risk, &err) ||
	    lfh_record_set_str(&body, "by", by, &err)) {
		lfh_record_clear(&body);
		return reply_fail(&q->rep, err.code, err.msg);
	}
	randombytes_buf(case_id, sizeof case_id);
	rc = do_write(c, t, q, case_id, LFH_EV_REFERRAL, to, nto, &body);
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

static int cmd_note_add(lfh_control *c, lfh_txn *t, request *q)
{
	const char *text, *by;
	const char *to[LFH_MAX_RECIPIENTS + 1];
	size_t nto = 0;
	uint8_t case_id[LFH_CASE_LEN];
	struct find_referral f = { 0 };
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	int rc;

	if (!(text = need_str(&q->req, "text", NOTE_MAX, &q->rep)) ||
	    !(by = need_str(&q->req, "by", BY_MAX, &q->rep)))
		return q->rep.code;
	if ((rc = find_case(t, lfh_record_str(&q->req, "case"), case_id, &q->rep)))
		return rc;
	if ((rc = lfh_store_scan_case(t, case_id, find_referral_fn, &f, &err)))
		return reply_fail(&q->rep, rc, err.msg);
	if (!f.raw)
		return reply_fail(&q->rep, LFH_ENOTFOUND, "this node holds no referral for that case");
	/* A note goes to everyone the referral went to, and its author. */
	to[nto++] = f.hdr.author;
	for (uint32_t i = 0; i < f.hdr.nrcpt; i++)
		to[nto++] = f.hdr.rcpt[i].agency;
	if (lfh_record_set_str(&body, "text", text, &err) || lfh_record_set_str(&body, "by", by, &err))
		rc = reply_fail(&q->rep, err.code, err.msg);
	else
		rc = do_write(c, t, q, case_id, LFH_EV_NOTE, to, nto, &body);
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
	default: return "unknown";
	}
}

/* Fill the case summary record: non-secret index plus the decrypted referral. */
static int describe_case(lfh_control *c, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			 const lfh_record *meta, lfh_record *out, lfh_err *err)
{
	static const char *fields[] = { "summary", "location", "asb_category", "risk",
					"description", "by" };
	struct find_referral f = { 0 };
	lfh_event ev = { 0 };
	lfh_record body = { 0 };
	char hex[2 * LFH_CASE_LEN + 1], when[32];
	uint64_t v;
	int rc;

	lfh_hex(hex, case_id, LFH_CASE_LEN);
	rc = lfh_record_set_str(out, "case", hex, err);
	if (!rc && lfh_record_str(meta, "lead"))
		rc = lfh_record_set_str(out, "lead", lfh_record_str(meta, "lead"), err);
	if (!rc && lfh_record_uint(meta, "events", &v))
		rc = lfh_record_set_uint(out, "events", v, err);
	if (!rc && lfh_record_uint(meta, "first_hlc", &v)) {
		fmt_time(lfh_hlc_ms(v), when);
		rc = lfh_record_set_str(out, "created", when, err);
	}
	if (!rc && lfh_record_uint(meta, "last_hlc", &v)) {
		fmt_time(lfh_hlc_ms(v), when);
		rc = lfh_record_set_str(out, "updated", when, err);
	}
	if (!rc)
		rc = lfh_store_scan_case(t, case_id, find_referral_fn, &f, err);
	if (rc)
		return rc;
	lfh_event_clear(&f.hdr);
	if (!f.raw)
		return lfh_record_set_str(out, "readable", "no referral held", err);
	rc = lfh_node_open_event(c->node, t, f.raw, f.len, &ev, &body, err);
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

struct list_ctx {
	lfh_control *c;
	lfh_txn *t;
	reply *rep;
	lfh_err *err;
};

static int list_case_fn(void *vctx, const uint8_t case_id[LFH_CASE_LEN], const lfh_record *meta)
{
	struct list_ctx *x = vctx;
	lfh_record *out = reply_add(x->rep);
	if (!out)
		return lfh_err_set(x->err, LFH_ENOMEM, "out of memory");
	return describe_case(x->c, x->t, case_id, meta, out, x->err);
}

static int cmd_case_list(lfh_control *c, lfh_txn *t, request *q)
{
	lfh_err err = { 0 };
	struct list_ctx x = { c, t, &q->rep, &err };
	int rc = lfh_store_scan_cases(t, list_case_fn, &x, &err);
	return rc ? reply_fail(&q->rep, rc, err.msg) : 0;
}

/* Fill one timeline record for a stored event of a case. */
static int describe_event(lfh_control *c, lfh_txn *t, const uint8_t id[LFH_ID_LEN],
			  const uint8_t *raw, size_t len, lfh_record *out, lfh_err *err)
{
	lfh_event ev = { 0 };
	lfh_record body = { 0 };
	char hex[2 * LFH_ID_LEN + 1], when[32];
	char rcpts[LFH_MAX_RECIPIENTS * (LFH_AGENCY_MAX + 1) + 1] = "";
	int orc = lfh_node_open_event(c->node, t, raw, len, &ev, &body, err);
	int rc = 0;

	if (orc && orc != LFH_ENOKEY && orc != LFH_ECRYPTO)
		return orc;
	lfh_hex(hex, id, LFH_ID_LEN);
	fmt_time(lfh_hlc_ms(ev.hlc), when);
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
	for (size_t i = 0; !rc && !orc && i < body.n; i++) {
		const lfh_field *f = &body.f[i];
		if (strcmp(f->key, "event") && strcmp(f->key, "type") && strcmp(f->key, "author"))
			rc = f->kind == LFH_FIELD_STR ? lfh_record_set_str(out, f->key, f->str, err)
						      : lfh_record_set_uint(out, f->key, f->u, err);
	}
	lfh_event_clear(&ev);
	lfh_record_clear(&body);
	return rc;
}

static int show_event_fn(void *vctx, uint64_t key, const uint8_t id[LFH_ID_LEN],
			 const uint8_t *raw, size_t len)
{
	struct list_ctx *x = vctx;
	lfh_record *out = reply_add(x->rep);
	(void)key;
	if (!out)
		return lfh_err_set(x->err, LFH_ENOMEM, "out of memory");
	return describe_event(x->c, x->t, id, raw, len, out, x->err);
}

static int cmd_case_show(lfh_control *c, lfh_txn *t, request *q)
{
	uint8_t case_id[LFH_CASE_LEN];
	lfh_record meta = { 0 }, *out;
	lfh_err err = { 0 };
	struct list_ctx x = { c, t, &q->rep, &err };
	int rc = find_case(t, lfh_record_str(&q->req, "case"), case_id, &q->rep);

	if (rc)
		return rc;
	lfh_hex(q->case_hex, case_id, LFH_CASE_LEN);
	rc = lfh_store_case_get(t, case_id, &meta, &err);
	if (!rc && !(out = reply_add(&q->rep)))
		rc = lfh_err_set(&err, LFH_ENOMEM, "out of memory");
	if (!rc)
		rc = describe_case(c, t, case_id, &meta, out, &err);
	if (!rc)
		rc = lfh_store_scan_case(t, case_id, show_event_fn, &x, &err);
	lfh_record_clear(&meta);
	return rc ? reply_fail(&q->rep, rc, err.msg) : 0;
}

static int status_node(lfh_control *c, lfh_txn *t, lfh_record *out, lfh_err *err)
{
	uint64_t events = 0, evidence = 0, head = 0, seq = 0;
	char hub[65];
	int rc;

	lfh_hex(hub, c->node->hub_id, 32);
	if ((rc = lfh_store_event_count(t, &events, err)) ||
	    (rc = lfh_store_evidence_count(t, &evidence, err)) ||
	    (rc = lfh_store_log_head(t, &head, err)) ||
	    (rc = lfh_store_meta_get(t, "seq", &seq, err)))
		return rc;
	if (lfh_record_set_str(out, "agency", c->node->id->pub.agency, err) ||
	    lfh_record_set_str(out, "hub", c->node->cfg.hub, err) ||
	    lfh_record_set_str(out, "hub_id", hub, err) ||
	    lfh_record_set_uint(out, "events", events, err) ||
	    lfh_record_set_uint(out, "evidence", evidence, err) ||
	    lfh_record_set_uint(out, "head", head, err) ||
	    lfh_record_set_uint(out, "authored", seq, err) ||
	    lfh_record_set_uint(out, "pid", (uint64_t)getpid(), err))
		return err->code;
	return 0;
}

/*
 * Replication lag as a person reads it: how long since this peer last had
 * nothing more to send us ("never" if we have not caught up with it yet).
 */
static const char *lag_text(uint64_t caught_up_ms, char *buf, size_t size)
{
	uint64_t now = lfh_wall_ms();
	if (!caught_up_ms)
		return "never synced";
	snprintf(buf, size, "%llu ms ago", (unsigned long long)(now > caught_up_ms ? now - caught_up_ms : 0));
	return buf;
}

static int status_peer(lfh_control *c, lfh_txn *t, size_t i, lfh_record *out, lfh_err *err)
{
	lfh_peer_status st;
	char lag[32];
	uint64_t cursor = 0, first, highest, missing = 0;
	int rc;

	lfh_sync_peer_status(c->sync, i, &st);
	if ((rc = lfh_store_cursor_get(t, st.agency, &cursor, err)) ||
	    (rc = lfh_node_gaps(c->node, t, st.agency, &first, &highest, &missing, err)))
		return rc;
	if (lfh_record_set_str(out, "peer", st.agency, err) ||
	    lfh_record_set_str(out, "endpoint", st.endpoint, err) ||
	    lfh_record_set_uint(out, "connected", (uint64_t)st.connected, err) ||
	    lfh_record_set_uint(out, "cursor", cursor, err) ||
	    lfh_record_set_uint(out, "missing", missing, err) ||
	    lfh_record_set_uint(out, "received", st.received, err) ||
	    lfh_record_set_uint(out, "stored", st.stored, err) ||
	    lfh_record_set_uint(out, "rejected", st.rejected, err) ||
	    lfh_record_set_uint(out, "last_seen_ms_ago",
				st.last_ms ? lfh_wall_ms() - st.last_ms : 0, err) ||
	    lfh_record_set_str(out, "lag", lag_text(st.caught_up_ms, lag, sizeof lag), err))
		return err->code;
	return 0;
}

static int cmd_status(lfh_control *c, lfh_txn *t, request *q)
{
	lfh_err err = { 0 };
	lfh_record *out = reply_add(&q->rep);
	int rc = out ? status_node(c, t, out, &err) : LFH_ENOMEM;

	for (size_t i = 0; rc == 0 && i < lfh_sync_npeers(c->sync); i++) {
		out = reply_add(&q->rep);
		rc = out ? status_peer(c, t, i, out, &err) : LFH_ENOMEM;
	}
	return rc ? reply_fail(&q->rep, rc, err.msg[0] ? err.msg : "out of memory") : 0;
}

typedef int (*cmd_fn)(lfh_control *, lfh_txn *, request *);
static const struct {
	const char *name;
	cmd_fn fn;
} commands[] = {
	{ "referral_new", cmd_referral_new },
	{ "note_add", cmd_note_add },
	{ "case_list", cmd_case_list },
	{ "case_show", cmd_case_show },
	{ "status", cmd_status },
};

/* Is this a failure of the store itself (abort the round) rather than of the request? */
static int is_internal(int code)
{
	return code == LFH_ESTORE || code == LFH_ENOMEM || code == LFH_EIO;
}

static int run_request(lfh_control *c, lfh_txn *t, request *q)
{
	const char *cmd = lfh_record_str(&q->req, "cmd");
	for (size_t i = 0; cmd && i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].fn(c, t, q);
	return reply_fail(&q->rep, LFH_EINVAL, "unknown command");
}

static int audit_request(lfh_txn *t, const request *q, lfh_err *err)
{
	lfh_record a = { 0 };
	const char *cmd = lfh_record_str(&q->req, "cmd");
	const char *by = lfh_record_str(&q->req, "by");
	int rc = lfh_record_set_uint(&a, "ms", lfh_wall_ms(), err);

	if (!rc)
		rc = lfh_record_set_str(&a, "cmd", cmd ? cmd : "?", err);
	if (!rc)
		rc = lfh_record_set_str(&a, "by", by && *by ? by : "?", err);
	if (!rc && q->case_hex[0])
		rc = lfh_record_set_str(&a, "case", q->case_hex, err);
	if (!rc)
		rc = lfh_record_set_uint(&a, "ok", q->rep.code == 0, err);
	if (!rc)
		rc = lfh_store_audit_append(t, &a, err);
	lfh_record_clear(&a);
	return rc;
}

/* Give the ipc socket the configured mode and group: who may act as a caseworker. */
static int restrict_socket(const char *path, const lfh_config *cfg, lfh_err *err)
{
	if (cfg->control_group[0]) {
		struct group *g = getgrnam(cfg->control_group);
		if (!g)
			return lfh_err_set(err, LFH_ECONFIG, "control_group: no such group '%s'",
					   cfg->control_group);
		if (chown(path, (uid_t)-1, g->gr_gid) != 0)
			return lfh_err_set(err, LFH_EIO, "cannot give %s to group %s: %s", path,
					   cfg->control_group, strerror(errno));
	}
	if (chmod(path, (mode_t)cfg->control_mode) != 0)
		return lfh_err_set(err, LFH_EIO, "cannot chmod %s: %s", path, strerror(errno));
	return 0;
}

int lfh_control_start(lfh_control **out, void *zctx, lfh_node *n, lfh_sync *s, lfh_err *err)
{
	lfh_control *c = calloc(1, sizeof *c);
	int linger = 0;
	int64_t maxmsg = LFH_FRAME_MAX;

	if (!c)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	c->node = n;
	c->sync = s;
	if (strncmp(n->cfg.control, "ipc://", 6) == 0) {
		snprintf(c->ipc_path, sizeof c->ipc_path, "%s", n->cfg.control + 6);
		unlink(c->ipc_path); /* stale socket of a previous run; the lock file guards a live one */
	}
	c->sock = zmq_socket(zctx, ZMQ_ROUTER);
	if (!c->sock || zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger) ||
	    zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) ||
	    zmq_bind(c->sock, n->cfg.control)) {
		lfh_err_set(err, LFH_ENET, "cannot bind control socket %s: %s", n->cfg.control,
			    zmq_strerror(zmq_errno()));
		lfh_control_stop(c);
		return err ? err->code : LFH_ENET;
	}
	if (c->ipc_path[0] && restrict_socket(c->ipc_path, &n->cfg, err)) {
		lfh_control_stop(c);
		return err ? err->code : LFH_EIO;
	}
	*out = c;
	return 0;
}

void lfh_control_stop(lfh_control *c)
{
	if (!c)
		return;
	if (c->sock)
		zmq_close(c->sock);
	if (c->ipc_path[0])
		unlink(c->ipc_path);
	lfh_buf_free(&c->out);
	free(c);
}

void lfh_control_pollitem(lfh_control *c, zmq_pollitem_t *item)
{
	*item = (zmq_pollitem_t){ .socket = c->sock, .events = ZMQ_POLLIN };
}

/* Receive one REQ-framed request [rid, "", payload]; 0 if none waiting. */
static int recv_request(lfh_control *c, request *q)
{
	zmq_msg_t f[3];
	int n = 0, more = 1, got = 0;
	lfh_err err = { 0 };

	while (more) {
		zmq_msg_t tmp, *m = n < 3 ? &f[n] : &tmp;
		zmq_msg_init(m);
		if (zmq_msg_recv(m, c->sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(m);
			break;
		}
		more = zmq_msg_more(m);
		if (m == &tmp)
			zmq_msg_close(m);
		n++;
	}
	if (n == 0)
		return 0;
	if (n == 3 && zmq_msg_size(&f[1]) == 0) {
		zmq_msg_init(&q->rid);
		zmq_msg_copy(&q->rid, &f[0]);
		got = 1;
		if (lfh_record_decode(zmq_msg_data(&f[2]), zmq_msg_size(&f[2]), &q->req, &err))
			reply_fail(&q->rep, LFH_ECODEC, err.msg);
	} else {
		log_warn("control: dropped a malformed request (%d frames)", n);
	}
	for (int i = 0; i < (n < 3 ? n : 3); i++)
		zmq_msg_close(&f[i]);
	return got ? 1 : -1;
}

static void send_reply(lfh_control *c, request *q)
{
	lfh_err err = { 0 };
	lfh_buf_reset(&c->out);
	if (lfh_reply_encode(&c->out, q->rep.code, q->rep.message, q->rep.recs, q->rep.n, &err)) {
		lfh_buf_reset(&c->out);
		lfh_reply_encode(&c->out, err.code, err.msg, NULL, 0, NULL);
	}
	zmq_send(c->sock, zmq_msg_data(&q->rid), zmq_msg_size(&q->rid), ZMQ_SNDMORE | ZMQ_DONTWAIT);
	zmq_send(c->sock, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
	zmq_send(c->sock, c->out.data, c->out.len, ZMQ_DONTWAIT);
}

/* Run the round's requests in one write transaction; 0 if it committed. */
static int run_round(lfh_control *c, request *qs, size_t n)
{
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	int rc = lfh_txn_begin(c->node->store, 1, &t, &err);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (qs[i].rep.code == 0 && is_internal(run_request(c, t, &qs[i])))
			rc = lfh_err_set(&err, qs[i].rep.code, "%s", qs[i].rep.message);
		if (rc == 0)
			rc = audit_request(t, &qs[i], &err);
	}
	if (rc == 0)
		rc = lfh_txn_commit(t, &err);
	else
		lfh_txn_abort(t);
	if (rc) {
		log_error("control: round of %zu requests failed: %s", n, err.msg);
		for (size_t i = 0; i < n; i++) {
			reply_clear(&qs[i].rep);
			reply_fail(&qs[i].rep, rc, err.msg);
		}
	}
	return rc;
}

/* After a round commits, tell each recipient agency once that it has news. */
static void notify_recipients(lfh_control *c, const request *qs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (uint32_t j = 0; qs[i].wrote && j < qs[i].wr.nrcpt; j++) {
			int seen = 0;
			for (size_t k = 0; k < i && !seen; k++)
				for (uint32_t m = 0; qs[k].wrote && m < qs[k].wr.nrcpt; m++)
					seen |= strcmp(qs[k].wr.rcpt[m], qs[i].wr.rcpt[j]) == 0;
			if (!seen)
				lfh_sync_notify(c->sync, qs[i].wr.rcpt[j]);
		}
}

void lfh_control_dispatch(lfh_control *c)
{
	request *qs = calloc(MAX_REQUESTS_PER_ROUND, sizeof *qs);
	size_t n = 0;
	int got;

	if (!qs)
		return;
	while (n < MAX_REQUESTS_PER_ROUND && (got = recv_request(c, &qs[n])) != 0)
		if (got > 0)
			n++;
	if (n && run_round(c, qs, n) == 0)
		notify_recipients(c, qs, n);
	for (size_t i = 0; i < n; i++) {
		send_reply(c, &qs[i]);
		zmq_msg_close(&qs[i].rid);
		lfh_record_clear(&qs[i].req);
		reply_clear(&qs[i].rep);
	}
	free(qs);
}
