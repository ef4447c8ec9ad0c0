/*
 * control.c - the control server lfh talks to (PROTOCOL.md 10).
 *
 * Each poll round drains the waiting requests and runs them all inside ONE
 * write transaction (group commit): validation failures are answered at
 * once and change nothing; after the single durable commit every write is
 * acknowledged and the recipients of new events are notified. Every
 * request, read or write, is appended to the audit log in that same
 * transaction, so no access goes unrecorded. Before a command runs, its
 * request is authenticated and checked against the user's role
 * (lfh_ctl_authorize in node/ctl_users.c, PROTOCOL.md 10.1).
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
#include "lfh/ctl.h"
#include "lfh/isa.h"
#include "lfh/osara.h"
#include "lfh/hlc.h"
#include "lfh/keyring.h"
#include "lfh/log.h"
#include "lfh/wire.h"

#define MAX_REQUESTS_PER_ROUND 256
#define SUMMARY_MAX 200
#define LOCATION_MAX 200
#define DESCRIPTION_MAX 8000
#define NOTE_MAX 8000

struct lfh_control {
	lfh_node *node;
	lfh_sync *sync;
	void *sock;
	char ipc_path[LFH_ENDPOINT_MAX];
	lfh_buf out;
	lfh_ctl_seen seen; /* nonces of recent signed requests (replay check) */
};

typedef lfh_ctl_req request;

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

static void reply_clear(lfh_ctl_reply *r)
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
		snprintf(msg, sizeof msg, "%s is too long (%zu characters, max %zu)", key, strlen(v), max);
		lfh_ctl_fail(r, LFH_EINVAL, msg);
		return NULL;
	}
	return v;
}

/* Resolve a hex case id or prefix (>= 8 hex digits) to a stored case. */
int lfh_ctl_find_case(lfh_txn *t, const char *hex, uint8_t case_id[LFH_CASE_LEN], lfh_ctl_reply *r)
{
	uint8_t prefix[LFH_CASE_LEN];
	size_t len = hex ? strlen(hex) : 0;
	lfh_err err = { 0 };
	char msg[LFH_ERRMSG_MAX];
	int rc;

	if (len < 8 || len > 2 * LFH_CASE_LEN || len % 2 || lfh_unhex(prefix, len / 2, hex))
		return lfh_ctl_fail(r, LFH_EINVAL,
				  "case id must be 8 to 32 hex digits (an even number)");
	rc = lfh_store_case_lookup(t, prefix, len / 2, case_id, &err);
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

/* The ISA in force and, within 30 days of its review date or past it, a warning. */
static int status_isa(const lfh_isa *isa, lfh_record *out, lfh_err *err)
{
	long review = lfh_osara_date_days(isa->review);
	long today = (long)(lfh_wall_ms() / LFH_OSARA_DAY_MS);
	char msg[128];

	if (lfh_record_set_uint(out, "isa_version", isa->version, err) ||
	    lfh_record_set_str(out, "isa_review", isa->review, err))
		return err->code;
	if (review >= 0 && review < today)
		snprintf(msg, sizeof msg, "the ISA's review date %s has passed", isa->review);
	else if (review >= 0 && review - today <= 30)
		snprintf(msg, sizeof msg, "the ISA is due for review on %s (in %ld days)", isa->review,
			 review - today);
	else
		return 0;
	return lfh_record_set_str(out, "warning", msg, err) ? err->code : 0;
}

/* Our key generation and, within 30 days of its expiry or past it, a warning. */
static int status_keys(const lfh_node *n, lfh_record *out, lfh_err *err)
{
	const lfh_keygen *g = lfh_keyring_gen(n, n->cfg.agency, n->gen);
	uint64_t now = lfh_wall_ms();
	char msg[160], when[32];

	if (n->removed)
		return lfh_record_set_str(out, "key_warning", "this agency was removed from the hub "
					  "by the ISA in force: nothing is replicated", err) ? err->code : 0;
	if (!g || lfh_record_set_uint(out, "key_generation", n->gen, err))
		return g ? err->code : 0;
	if (g->not_after_ms == LFH_NEVER)
		return 0;
	lfh_ctl_time(g->not_after_ms, when);
	if (lfh_record_set_str(out, "key_expires", when, err))
		return err->code;
	if (g->not_after_ms <= now)
		snprintf(msg, sizeof msg, "our key generation %u expired at %s: peers refuse what it "
			 "signs; run lfh admin keys rotate", g->generation, when);
	else if (g->not_after_ms - now <= 30 * LFH_OSARA_DAY_MS)
		snprintf(msg, sizeof msg, "our key generation %u expires at %s (in %llu days): run lfh "
			 "admin keys rotate", g->generation, when,
			 (unsigned long long)((g->not_after_ms - now) / LFH_OSARA_DAY_MS));
	else
		return 0;
	return lfh_record_set_str(out, "key_warning", msg, err) ? err->code : 0;
}

/* Other agencies whose current keys expire within 30 days: they must rotate. */
static int status_peer_keys(const lfh_node *n, lfh_record *out, lfh_err *err)
{
	uint64_t now = lfh_wall_ms();
	char msg[1024] = "";
	size_t len = 0;

	for (size_t i = 0; i < n->nmembers; i++) {
		const lfh_keygen *g = lfh_keyring_newest(n, n->members[i].agency, now);
		char when[32];
		int w;
		if (!g || !strcmp(g->agency, n->cfg.agency) || g->not_after_ms == LFH_NEVER ||
		    (g->not_after_ms > now && g->not_after_ms - now > 30 * LFH_OSARA_DAY_MS))
			continue;
		lfh_ctl_time(g->not_after_ms, when);
		w = snprintf(msg + len, sizeof msg - len, "%s%s's keys %s %s", len ? "; " : "",
			     g->agency, g->not_after_ms <= now ? "expired at" : "expire at", when);
		if (w < 0 || (size_t)w >= sizeof msg - len)
			break;
		len += (size_t)w;
	}
	return len && lfh_record_set_str(out, "peer_key_warning", msg, err) ? err->code : 0;
}

static int status_node(lfh_ctl_req *c, lfh_txn *t, lfh_record *out, lfh_err *err)
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
	if ((rc = status_keys(c->node, out, err)) || (rc = status_peer_keys(c->node, out, err)))
		return rc;
	return c->node->isa ? status_isa(c->node->isa, out, err) : 0;
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

static int status_peer(lfh_ctl_req *c, lfh_txn *t, size_t i, lfh_record *out, lfh_err *err)
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

int ctl_status(lfh_ctl_req *q, lfh_txn *t)
{
	lfh_err err = { 0 };
	lfh_record *out = lfh_ctl_add(&q->rep);
	int rc = out ? status_node(q, t, out, &err) : LFH_ENOMEM;

	for (size_t i = 0; rc == 0 && i < lfh_sync_npeers(q->sync); i++) {
		out = lfh_ctl_add(&q->rep);
		rc = out ? status_peer(q, t, i, out, &err) : LFH_ENOMEM;
	}
	return rc ? lfh_ctl_fail(&q->rep, rc, err.msg[0] ? err.msg : "out of memory") : 0;
}

typedef int (*cmd_fn)(lfh_ctl_req *, lfh_txn *);
static const struct {
	const char *name;
	cmd_fn fn;
} commands[] = {
	{ "referral_new", ctl_referral_new },
	{ "note_add", ctl_note_add },
	{ "case_list", ctl_case_list },
	{ "case_show", ctl_case_show },
	{ "case_search", ctl_case_search },
	{ "status", ctl_status },
	{ "case_invite", ctl_case_invite },
	{ "case_close", ctl_case_close },
	{ "isa_show", ctl_isa_show },
	{ "isa_propose", ctl_isa_propose },
	{ "isa_sign", ctl_isa_sign },
	{ "isa_explain", ctl_isa_explain },
	{ "retention_run", ctl_retention_run },
	{ "case_step", ctl_case_step },
	{ "case_state", ctl_case_state },
	{ "due", ctl_due },
	{ "audit_list", ctl_audit_list },
	{ "report_performance", ctl_report_performance },
	{ "report_tactical", ctl_report_tactical },
	{ "user_add", ctl_user_add },
	{ "user_revoke", ctl_user_revoke },
	{ "user_list", ctl_user_list },
	{ "case_remove", ctl_case_remove },
	{ "keys_list", ctl_keys_list },
	{ "keys_rotate", ctl_keys_rotate },
	{ "keys_revoke", ctl_keys_revoke },
	{ "keys_rotate_sharing", ctl_keys_rotate_sharing },
};

/* Is this a failure of the store itself (abort the round) rather than of the request? */
static int is_internal(int code)
{
	return code == LFH_ESTORE || code == LFH_ENOMEM || code == LFH_EIO;
}

static int run_request(lfh_control *c, lfh_ctl_req *q, lfh_txn *t)
{
	const char *cmd;
	int rc = lfh_ctl_authorize(q, t, &c->seen);

	if (rc)
		return rc;
	cmd = lfh_record_str(&q->req, "cmd");
	for (size_t i = 0; cmd && i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].fn(q, t);
	return lfh_ctl_fail(&q->rep, LFH_EINVAL, "unknown command");
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
	lfh_ctl_seen_free(&c->seen);
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
			lfh_ctl_fail(&q->rep, LFH_ECODEC, err.msg);
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
		if (qs[i].rep.code == 0 && is_internal(run_request(c, &qs[i], t)))
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
		lfh_node_reload_keys(c->node); /* nothing of the round was stored */
		for (size_t i = 0; i < n; i++) {
			reply_clear(&qs[i].rep);
			lfh_ctl_fail(&qs[i].rep, rc, err.msg);
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
		if (got > 0) {
			qs[n].node = c->node;
			qs[n].sync = c->sync;
			n++;
		}
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
