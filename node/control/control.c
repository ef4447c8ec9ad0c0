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
 * (lfh_ctl_authorize in node/control/ctl_users.c, PROTOCOL.md 10.1).
 *
 * The commands themselves live in node/control/ctl_*.c, one file per group
 * (include/lfh/ctl.h lists them); the table below maps each request's "cmd"
 * to its function. What they share (replies, field checks, writing) is
 * node/control/ctl.c.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


#include "lfh/control.h"
#include "lfh/ctl.h"
#include "lfh/hlc.h"
#include "lfh/log.h"
#include "lfh/metrics.h"
#include "lfh/wire.h"

#define MAX_REQUESTS_PER_ROUND 256

struct lfh_control {
	lfh_node *node;
	lfh_sync *sync;
	void *sock;
	char ipc_path[LFH_ENDPOINT_MAX];
	lfh_buf out;
	lfh_ctl_seen seen; /* nonces of recent signed requests (replay check) */
	uint64_t bad_window_ms; /* malformed requests: the current second and how many */
	uint32_t bad_in_window;
};

typedef lfh_ctl_req request;

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
	{ "hello", ctl_hello },
	{ "case_invite", ctl_case_invite },
	{ "case_close", ctl_case_close },
	{ "isa_show", ctl_isa_show },
	{ "isa_propose", ctl_isa_propose },
	{ "isa_sign", ctl_isa_sign },
	{ "isa_withdraw", ctl_isa_withdraw },
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
	{ "backup", ctl_backup },
	{ "case_amend", ctl_case_amend },
	{ "case_redact", ctl_case_redact },
	{ "case_reopen", ctl_case_reopen },
	{ "case_chronology", ctl_case_chronology },
	{ "sar", ctl_sar },
	{ "import_batch", ctl_import_batch },
	{ "attach_put", ctl_attach_put },
	{ "attach_commit", ctl_attach_commit },
	{ "attachment_get", ctl_attachment_get },
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

	static const char *names[sizeof commands / sizeof commands[0]];

	if (!c)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		names[i] = commands[i].name;
	lfh_metrics_commands(names, sizeof commands / sizeof commands[0]);
	c->node = n;
	c->sync = s;
	c->seen.since_ms = lfh_wall_ms(); /* nonces seen before now are forgotten */
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
	lfh_ctl_attach_free();
	free(c);
}

void lfh_control_pollitem(lfh_control *c, zmq_pollitem_t *item)
{
	*item = (zmq_pollitem_t){ .socket = c->sock, .events = ZMQ_POLLIN };
}

/* Receive one REQ-framed request [rid, "", payload]; 0 if none waiting. */
/*
 * Malformed requests are logged, the first MALFORMED_PER_SECOND of each
 * second; then only how many more came, so that no local client can flood
 * the log.
 */
#define MALFORMED_PER_SECOND 5
static int malformed_allowed(lfh_control *c)
{
	uint64_t now = lfh_wall_ms();

	if (now - c->bad_window_ms >= 1000) {
		if (c->bad_in_window > MALFORMED_PER_SECOND)
			log_warn("control: %u more malformed requests not logged",
				 c->bad_in_window - MALFORMED_PER_SECOND);
		c->bad_window_ms = now;
		c->bad_in_window = 0;
	}
	return ++c->bad_in_window <= MALFORMED_PER_SECOND;
}

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
		if (lfh_record_decode(zmq_msg_data(&f[2]), zmq_msg_size(&f[2]), &q->req, &err)) {
			lfh_ctl_fail(&q->rep, LFH_ECODEC, err.msg);
			if (malformed_allowed(c))
				log_warn("control: malformed request: %s", err.msg);
		}
	} else if (malformed_allowed(c)) {
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
		if (rc == 0 && !lfh_ctl_is_hello(&qs[i]))
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
			lfh_ctl_reply_clear(&qs[i].rep);
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

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Count q for the metrics: its command (from our table, never the client's text) and time. */
static void count_request(const request *q, uint64_t start_us)
{
	const char *cmd = lfh_record_str(&q->req, "cmd");
	size_t i, ncmd = sizeof commands / sizeof commands[0];

	for (i = 0; cmd && i < ncmd; i++)
		if (strcmp(cmd, commands[i].name) == 0)
			break;
	lfh_metrics_request(cmd ? i : ncmd, mono_us() - start_us);
	if (q->wrote && q->rep.code == 0)
		lfh_metrics_add(LFH_M_WRITTEN, 1);
}

void lfh_control_dispatch(lfh_control *c)
{
	request *qs = calloc(MAX_REQUESTS_PER_ROUND, sizeof *qs);
	size_t n = 0;
	uint64_t start_us = mono_us();
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
		count_request(&qs[i], start_us);
		zmq_msg_close(&qs[i].rid);
		lfh_record_clear(&qs[i].req);
		lfh_ctl_reply_clear(&qs[i].rep);
	}
	free(qs);
}
