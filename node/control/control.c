/*
 * control.c - the control server lfh talks to (PROTOCOL.md 10).
 *
 * Each dispatch takes the requests waiting on the socket and sorts them by
 * the table below into writes and reads (a command that may write anything
 * at all is a write).
 *
 * Writes first: every write waiting runs inside ONE write transaction (group
 * commit), each audited in it; validation failures are answered and change
 * nothing; after the single durable commit every write is acknowledged and
 * the recipients of new events are notified. Only then does any read of the
 * round run. An import batch, which holds a round for a long time, lets the
 * other writes waiting go first in a round of their own, once.
 *
 * Reads after: each read runs in its own LMDB read transaction (a snapshot
 * of what was committed when it began; the store refuses any write in it),
 * in arrival order, in batches of at most READ_BATCH_MAX reads or
 * READ_BATCH_US; a batch takes no further read once a write is waiting, and
 * the main loop comes straight back while requests are held
 * (lfh_control_busy), so a queue of reads never delays a write by more than
 * the read running. A read that scans many cases (report, listings, search,
 * due, audit, export) calls lfh_ctl_yield between cases: at most every
 * LOOK_EVERY_US the server takes the requests waiting and runs the case
 * writes among them (kind CASE: their only effect on the node's memory is
 * its HLC) in a write round of their own while the read's transaction stays
 * open; other writes, which may change the ISA, keys or users the read may
 * be using, wait for the next round.
 *
 * Audit of reads: a batch's reads are audited together, in one write
 * transaction after they ran and BEFORE they are answered. If that commit
 * fails, each read of the batch is answered with the failure instead of
 * what it read: no data leaves the node without its access recorded, as
 * when reads were audited in the write round (the client can ask again; the
 * error is logged). One fsync per batch of reads is the cost.
 *
 * Why not a thread for reads: commands read node state that the main
 * thread changes (the ISA in force and its decoded cache, the keyring and
 * our identities, peers, sync status, the risk form); sharing it needs
 * locks across rules/, core/ and sync/, which this does not attempt. The
 * yield points give writes most of what a thread would, on one thread.
 *
 * Before a command runs, its request is authenticated and checked against
 * the user's role (lfh_ctl_authorize in node/control/ctl_users.c, PROTOCOL.md
 * 10.1), in the transaction the command runs in: users are read from the
 * store, replayed nonces are kept in memory only.
 *
 * The commands themselves live in node/control/ctl_*.c, one file per group
 * (include/lfh/ctl.h lists them); the table below maps each request's "cmd"
 * to its function and kind. What they share (replies, field checks,
 * writing) is node/control/ctl.c.
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

/*
 * Requests held at once (received, not yet answered). Clients use REQ
 * sockets, one request in flight each, so this bounds clients served
 * together, not what a client may send; the rest wait in the socket.
 */
#define MAX_HELD 256
#define READ_BATCH_MAX 16     /* reads whose audit entries are committed together */
#define READ_BATCH_US 20000   /* a batch of reads takes no more reads after this long */
#define LOOK_EVERY_US 5000    /* a long read looks for waiting writes this often */

typedef lfh_ctl_req request;

struct lfh_control {
	lfh_node *node;
	lfh_sync *sync;
	void *sock;
	char ipc_path[LFH_ENDPOINT_MAX];
	lfh_buf out;
	lfh_ctl_seen seen; /* nonces of recent signed requests (replay check) */
	uint64_t bad_window_ms; /* malformed requests: the current second and how many */
	uint32_t bad_in_window;
	uint64_t unrun_window_s; /* requests refused before they ran: the second, how many, */
	uint32_t unrun_in_window; /* and how many were not audited one by one */
	uint64_t unrun_skipped;
	request *pool;          /* MAX_HELD slots; a held request never moves */
	request *free[MAX_HELD];
	size_t nfree;
	request *writes[MAX_HELD]; /* waiting for the next write round, in arrival order */
	size_t nwrites;
	request *reads[MAX_HELD];  /* waiting to run, in arrival order */
	size_t nreads;
	int in_read;            /* a read is running (its read transaction is open) */
	int reload_keys;        /* a round failed during a read: reload the keys after it */
	uint64_t last_look_us;
	void (*keepalive)(void); /* lfh_control_set_keepalive, or NULL */
};

typedef int (*cmd_fn)(lfh_ctl_req *, lfh_txn *);

/*
 * What a command may do, which decides where it runs:
 *   READ   reads the store and nothing else: runs in its own read transaction
 *          after the round's writes were answered;
 *   WRITE  may write (events, counters, users, keys, files, ...): runs in the
 *          round's write transaction;
 *   CASE   a write of case data whose only effect on the node's memory is its
 *          HLC (no ISA, key, user or peer change): may also run in a round
 *          taken at a long read's yield point (lfh_ctl_yield);
 *   BULK   a WRITE that holds its round for a long time (an import batch:
 *          ~0.3 s): the other writes waiting go first, once (run_writes).
 * When unsure, a command is WRITE.
 */
enum kind { READ, WRITE, CASE, BULK };
static const struct {
	const char *name;
	cmd_fn fn;
	enum kind kind;
} commands[] = {
	{ "referral_new", ctl_referral_new, CASE },
	{ "note_add", ctl_note_add, CASE },
	{ "case_list", ctl_case_list, READ },
	{ "case_show", ctl_case_show, READ },
	{ "case_search", ctl_case_search, READ },
	{ "status", ctl_status, READ },
	{ "hello", ctl_hello, READ },
	{ "case_invite", ctl_case_invite, CASE },
	{ "case_close", ctl_case_close, CASE },
	{ "isa_show", ctl_isa_show, READ },
	{ "isa_propose", ctl_isa_propose, WRITE },
	{ "isa_sign", ctl_isa_sign, WRITE },
	{ "isa_withdraw", ctl_isa_withdraw, WRITE },
	{ "isa_explain", ctl_isa_explain, READ },
	{ "retention_run", ctl_retention_run, WRITE },
	{ "case_step", ctl_case_step, CASE },
	{ "case_state", ctl_case_state, READ },
	{ "due", ctl_due, READ },
	{ "audit_list", ctl_audit_list, READ },
	{ "report_performance", ctl_report_performance, READ },
	{ "report_tactical", ctl_report_tactical, READ },
	{ "user_add", ctl_user_add, WRITE },
	{ "user_revoke", ctl_user_revoke, WRITE },
	{ "user_list", ctl_user_list, READ },
	{ "case_remove", ctl_case_remove, WRITE }, /* may start a new sharing-key epoch */
	{ "keys_list", ctl_keys_list, READ },
	{ "keys_rotate", ctl_keys_rotate, WRITE },
	{ "keys_revoke", ctl_keys_revoke, WRITE },
	{ "keys_rotate_sharing", ctl_keys_rotate_sharing, WRITE },
	{ "backup", ctl_backup, READ }, /* a snapshot: it fails alone */
	{ "recovery_skip", ctl_recovery_skip, WRITE }, /* audited; writes no event */
	{ "case_amend", ctl_case_amend, CASE },
	{ "case_redact", ctl_case_redact, CASE },
	{ "case_reopen", ctl_case_reopen, CASE },
	{ "case_chronology", ctl_case_chronology, READ },
	{ "sar", ctl_sar, READ },
	{ "import_batch", ctl_import_batch, BULK },
	{ "attach_put", ctl_attach_put, CASE },       /* the upload is in memory only */
	{ "attach_commit", ctl_attach_commit, CASE },
	{ "attachment_get", ctl_attachment_get, READ },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* The table's index of q's command, or NCOMMANDS if it names none. */
static size_t command_of(const request *q)
{
	const char *cmd = lfh_record_str(&q->req, "cmd");
	size_t i;

	for (i = 0; cmd && i < NCOMMANDS; i++)
		if (strcmp(cmd, commands[i].name) == 0)
			break;
	return cmd ? i : NCOMMANDS;
}

/* Where a received request runs; one refused already (it did not decode) or unknown: the write round. */
static enum kind kind_of(const request *q)
{
	size_t i = q->rep.code ? NCOMMANDS : command_of(q);
	return i < NCOMMANDS ? commands[i].kind : WRITE;
}

/* Is this a failure of the store itself (abort the round) rather than of the request? */
static int is_internal(int code)
{
	return code == LFH_ESTORE || code == LFH_ENOMEM || code == LFH_EIO;
}

/* Authenticate q and run its command in t (a write transaction, or for a READ a read one). */
static int run_request(lfh_control *c, request *q, lfh_txn *t)
{
	size_t i;
	int rc = lfh_ctl_authorize(q, t, &c->seen);

	if (rc)
		return rc;
	i = command_of(q);
	return i < NCOMMANDS ? commands[i].fn(q, t) : lfh_ctl_fail(&q->rep, LFH_EINVAL, "unknown command");
}

/*
 * The case a request is about, for its audit record: the one it worked on,
 * or (a refused request: the commands set case_hex only as they succeed)
 * the one it named, if that names one here. NULL if none.
 */
static const char *audited_case(lfh_txn *t, const request *q, char hex[2 * LFH_CASE_LEN + 1])
{
	const char *named = lfh_record_str(&q->req, "case");
	lfh_ctl_reply quiet = { 0 };
	uint8_t id[LFH_CASE_LEN];
	int rc;

	if (q->case_hex[0])
		return q->case_hex;
	if (!named || !*named)
		return NULL;
	rc = lfh_ctl_find_case(t, named, id, &quiet);
	lfh_ctl_reply_clear(&quiet);
	if (rc)
		return NULL;
	lfh_hex(hex, id, LFH_CASE_LEN);
	return hex;
}

/* A request refused before it ran: unknown, undecoded, or not authenticated. */
static int refused_unrun(const request *q)
{
	const char *by = lfh_record_str(&q->req, "by");
	return q->refused_early || (q->rep.code && (command_of(q) == NCOMMANDS ||
						    (by && strncmp(by, "(unverified) ", 13) == 0)));
}

/*
 * Whether to audit such a request one by one: at most UNRUN_AUDITED_PER_SECOND
 * a second, the rest counted in the next one audited ("skipped"). Anyone who
 * may open the control socket, without a key, filled the store with them.
 */
#define UNRUN_AUDITED_PER_SECOND 5
static int audit_unrun(lfh_control *c)
{
	uint64_t s = lfh_wall_ms() / 1000;

	if (s != c->unrun_window_s) {
		c->unrun_window_s = s;
		c->unrun_in_window = 0;
	}
	if (c->unrun_in_window >= UNRUN_AUDITED_PER_SECOND) {
		c->unrun_skipped++;
		return 0;
	}
	c->unrun_in_window++;
	return 1;
}

/* At most max bytes of s, cut at a character, its ill-formed bytes as '?'. */
static void bounded_text(char *out, size_t max, const char *s)
{
	size_t o = 0, n = strlen(s);

	while (n) {
		size_t k = lfh_utf8_seq((const unsigned char *)s, n);
		if (o + (k ? k : 1) > max)
			break;
		if (k)
			memcpy(out + o, s, k);
		else
			out[o] = '?';
		o += k ? k : 1;
		s += k ? k : 1;
		n -= k ? k : 1;
	}
	out[o] = '\0';
}

/*
 * A request's audit record: the command by its name in the command table
 * ("?" if none: never the client's bytes), who (at most 80 bytes), the case.
 */
static int audit_request(lfh_control *c, lfh_txn *t, const request *q, lfh_err *err)
{
	lfh_record a = { 0 };
	size_t i = command_of(q);
	const char *cmd = lfh_ctl_audited_as_sar(q) ? "sar" : i < NCOMMANDS ? commands[i].name : "?";
	const char *by = lfh_record_str(&q->req, "by");
	char hex[2 * LFH_CASE_LEN + 1], who[81];
	const char *case_hex;
	int unrun = refused_unrun(q), rc;

	if (unrun && !audit_unrun(c))
		return 0;
	case_hex = audited_case(t, q, hex);
	if (q->refused_early && by && *by && strncmp(by, "(unverified) ", 13) != 0) {
		/* never authenticated: whoever it claims to be, marked so (10.1) */
		memcpy(who, "(unverified) ", 13);
		bounded_text(who + 13, sizeof who - 14, by);
	} else {
		bounded_text(who, sizeof who - 1, by && *by ? by : "?");
	}
	rc = lfh_record_set_uint(&a, "ms", lfh_wall_ms(), err);
	if (!rc)
		rc = lfh_record_set_str(&a, "cmd", cmd, err);
	if (!rc)
		rc = lfh_record_set_str(&a, "by", who, err);
	if (!rc && case_hex)
		rc = lfh_record_set_str(&a, "case", case_hex, err);
	if (!rc)
		rc = lfh_record_set_uint(&a, "ok", q->rep.code == 0, err);
	if (!rc && unrun && c->unrun_skipped)
		rc = lfh_record_set_uint(&a, "skipped", c->unrun_skipped, err);
	if (!rc)
		rc = lfh_store_audit_append(t, &a, err);
	if (!rc && unrun)
		c->unrun_skipped = 0;
	/* each case a request answered whole (a SAR's) has its own entry */
	for (size_t k = 0; rc == 0 && q->rep.code == 0 && k < q->nread_whole; k++) {
		lfh_hex(hex, q->read_whole[k], LFH_CASE_LEN);
		rc = lfh_record_set_str(&a, "case", hex, err);
		if (!rc)
			rc = lfh_store_audit_append(t, &a, err);
	}
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

	static const char *names[NCOMMANDS];

	if (!c || !(c->pool = calloc(MAX_HELD, sizeof *c->pool))) {
		free(c);
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < MAX_HELD; i++)
		c->free[c->nfree++] = &c->pool[MAX_HELD - 1 - i];
	for (size_t i = 0; i < NCOMMANDS; i++)
		names[i] = commands[i].name;
	lfh_metrics_commands(names, NCOMMANDS);
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

static void release(lfh_control *c, request *q);

void lfh_control_stop(lfh_control *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nwrites; i++) /* unanswered: their clients time out */
		release(c, c->writes[i]);
	for (size_t i = 0; i < c->nreads; i++)
		release(c, c->reads[i]);
	free(c->pool);
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

/*
 * Every text of a request is UTF-8: what the node stores is read back as
 * JSON (lfh --json) at every agency it reaches. LFH_EINVAL naming the field.
 */
static int not_utf8(const lfh_record *r, lfh_err *err)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->f[i].kind == LFH_FIELD_STR && !lfh_utf8_valid(r->f[i].str, r->f[i].str_len))
			return lfh_err_set(err, LFH_EINVAL, "%s: not UTF-8 text", r->f[i].key);
	return 0;
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
		if (lfh_record_decode(zmq_msg_data(&f[2]), zmq_msg_size(&f[2]), &q->req, &err) ||
		    not_utf8(&q->req, &err)) {
			lfh_ctl_fail(&q->rep, err.code == LFH_EINVAL ? LFH_EINVAL : LFH_ECODEC, err.msg);
			q->refused_early = 1;
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


static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Count q for the metrics: its command (from our table, never the client's text) and time. */
static void count_request(const request *q)
{
	lfh_metrics_request(command_of(q), mono_us() - q->received_us);
	if (q->wrote && q->rep.code == 0)
		lfh_metrics_add(LFH_M_WRITTEN, 1);
}

/* Free what q holds and give its slot back. */
static void release(lfh_control *c, request *q)
{
	zmq_msg_close(&q->rid);
	lfh_record_clear(&q->req);
	lfh_ctl_reply_clear(&q->rep);
	free(q->read_whole);
	memset(q, 0, sizeof *q);
	c->free[c->nfree++] = q;
}

/* Answer q, count it and let it go. */
static void answer(lfh_control *c, request *q)
{
	send_reply(c, q);
	count_request(q);
	release(c, q);
}

static void yield_point(void *ctx);

/* Take the requests waiting on the socket, while there is room, into the write or read queue. */
static void receive_waiting(lfh_control *c)
{
	int got = 1;

	while (got && c->nfree) {
		request *q = c->free[--c->nfree];
		if ((got = recv_request(c, q)) <= 0) {
			c->free[c->nfree++] = q; /* nothing, or dropped malformed frames */
			continue;
		}
		q->node = c->node;
		q->sync = c->sync;
		q->received_us = mono_us();
		if (kind_of(q) == READ) {
			q->yield = yield_point;
			q->yield_ctx = c;
			c->reads[c->nreads++] = q;
		} else {
			c->writes[c->nwrites++] = q;
		}
	}
}

/* Run a round's requests in one write transaction, each audited in it; 0 if it committed. */
static int run_round(lfh_control *c, request **qs, size_t n)
{
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	int rc = lfh_txn_begin(c->node->store, 1, &t, &err);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (qs[i]->rep.code == 0 && is_internal(run_request(c, qs[i], t)))
			rc = lfh_err_set(&err, qs[i]->rep.code, "%s", qs[i]->rep.message);
		if (rc == 0 && !lfh_ctl_is_hello(qs[i]))
			rc = audit_request(c, t, qs[i], &err);
	}
	if (rc == 0)
		rc = lfh_txn_commit(t, &err);
	else
		lfh_txn_abort(t);
	if (rc) {
		log_error("control: round of %zu requests failed: %s", n, err.msg);
		if (c->in_read) /* nothing of the round was stored; a read may hold keys */
			c->reload_keys = 1;
		else
			lfh_node_reload_keys(c->node);
		for (size_t i = 0; i < n; i++) {
			lfh_ctl_reply_clear(&qs[i]->rep);
			lfh_ctl_fail(&qs[i]->rep, rc, err.msg);
		}
	}
	return rc;
}

/* After a round commits, tell each recipient agency once that it has news. */
static void notify_recipients(lfh_control *c, request *const *qs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (uint32_t j = 0; qs[i]->wrote && j < qs[i]->wr.nrcpt; j++) {
			int seen = 0;
			for (size_t k = 0; k < i && !seen; k++)
				for (uint32_t m = 0; qs[k]->wrote && m < qs[k]->wr.nrcpt; m++)
					seen |= strcmp(qs[k]->wr.rcpt[m], qs[i]->wr.rcpt[j]) == 0;
			if (!seen)
				lfh_sync_notify(c->sync, qs[i]->wr.rcpt[j]);
		}
}

/*
 * Does q wait for a later round? With case_only, every write but a case
 * write does. Otherwise a BULK write (an import batch) lets the other
 * writes waiting have a round of their own first, once: a write made during an
 * import waits for at most the batch running, not also the next one, and an
 * import is never held back by more than one round.
 */
static int waits(request *q, int case_only, int others)
{
	if (case_only)
		return kind_of(q) != CASE;
	if (!others || kind_of(q) != BULK || q->let_pass)
		return 0;
	q->let_pass = 1;
	return 1;
}

/*
 * The write round: the waiting writes (with case_only, those of kind CASE
 * only; the others keep their place) in one write transaction; once it
 * committed, answered and their recipients notified.
 */
static void run_writes(lfh_control *c, int case_only)
{
	request *round[MAX_HELD];
	size_t n = 0, kept = 0, others = 0;

	for (size_t i = 0; !case_only && i < c->nwrites; i++)
		others += kind_of(c->writes[i]) != BULK;
	for (size_t i = 0; i < c->nwrites; i++)
		if (!waits(c->writes[i], case_only, others))
			round[n++] = c->writes[i];
		else
			c->writes[kept++] = c->writes[i];
	c->nwrites = kept;
	if (!n)
		return;
	if (run_round(c, round, n) == 0)
		notify_recipients(c, round, n);
	for (size_t i = 0; i < n; i++)
		answer(c, round[i]);
}

/*
 * Called by a long read between the items it scans (lfh_ctl_yield): at most
 * every LOOK_EVERY_US, take the requests waiting on the socket and run the
 * case writes among them in a round of their own, while the read's
 * transaction stays open on its snapshot. Other writes wait for the next
 * round (they may change what the read holds in memory: ISA, keys, users);
 * reads join the queue.
 */
static void yield_point(void *ctx)
{
	lfh_control *c = ctx;
	uint64_t now = mono_us();

	if (c->keepalive)
		c->keepalive();
	if (!c->in_read || now - c->last_look_us < LOOK_EVERY_US)
		return;
	c->last_look_us = now;
	receive_waiting(c);
	run_writes(c, 1);
}

void lfh_control_set_keepalive(lfh_control *c, void (*fn)(void))
{
	if (c)
		c->keepalive = fn;
}

/*
 * A read whose answer cannot be sent (over the frame limit: a chronology of
 * a very long case) fails here, before it is audited: the audit log must
 * not record as read what never left the node. The client is told why.
 */
static void refuse_unsendable(lfh_control *c, request *q)
{
	lfh_err err = { 0 };
	char msg[LFH_ERRMSG_MAX];

	if (q->rep.code != 0)
		return;
	lfh_buf_reset(&c->out);
	if (lfh_reply_encode(&c->out, 0, q->rep.message, q->rep.recs, q->rep.n, &err) == 0)
		return;
	snprintf(msg, sizeof msg, "the answer is too large to send (%.120s); nothing was sent",
		 err.msg);
	lfh_ctl_reply_clear(&q->rep);
	lfh_ctl_fail(&q->rep, err.code, msg);
}

/* Run one read in its own read transaction (the store refuses any write in it). */
static void run_read(lfh_control *c, request *q)
{
	lfh_txn *t = NULL;
	lfh_err err = { 0 };

	if (lfh_txn_begin(c->node->store, 0, &t, &err)) {
		lfh_ctl_fail(&q->rep, err.code, err.msg);
		return;
	}
	c->in_read = 1;
	c->last_look_us = mono_us();
	run_request(c, q, t);
	c->in_read = 0;
	lfh_txn_abort(t);
	refuse_unsendable(c, q);
	if (c->reload_keys) {
		lfh_node_reload_keys(c->node);
		c->reload_keys = 0;
	}
}

/*
 * Append the audit entries of a batch of reads in one write transaction
 * (group commit). If that fails, no read of the batch is answered with
 * what it read: each gets the failure instead (no access unrecorded).
 */
static void audit_reads(lfh_control *c, request **qs, size_t n)
{
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	size_t audited = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		audited += !lfh_ctl_is_hello(qs[i]);
	if (!audited)
		return;
	rc = lfh_txn_begin(c->node->store, 1, &t, &err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (!lfh_ctl_is_hello(qs[i]))
			rc = audit_request(c, t, qs[i], &err);
	if (rc == 0)
		rc = lfh_txn_commit(t, &err);
	else
		lfh_txn_abort(t);
	if (!rc)
		return;
	log_error("control: the audit entries of %zu reads could not be stored: %s; the reads "
		  "are refused", audited, err.msg);
	for (size_t i = 0; i < n; i++)
		if (!lfh_ctl_is_hello(qs[i])) {
			lfh_ctl_reply_clear(&qs[i]->rep);
			lfh_ctl_fail(&qs[i]->rep, rc, err.msg);
		}
}

/*
 * A batch of the waiting reads, each in its own read transaction: at most
 * READ_BATCH_MAX of them, no more after READ_BATCH_US, and none once a
 * write is waiting (it gets its round first, at the next dispatch). Then
 * their audit entries are committed and they are answered.
 */
static void run_reads(lfh_control *c)
{
	request *batch[READ_BATCH_MAX];
	size_t n = 0;
	uint64_t start = mono_us();

	while (c->nreads && n < READ_BATCH_MAX && !c->nwrites &&
	       (n == 0 || mono_us() - start < READ_BATCH_US)) {
		request *q = c->reads[0];
		memmove(c->reads, c->reads + 1, --c->nreads * sizeof c->reads[0]);
		batch[n++] = q;
		if (q->rep.code == 0)
			run_read(c, q);
		receive_waiting(c);
	}
	audit_reads(c, batch, n);
	for (size_t i = 0; i < n; i++)
		answer(c, batch[i]);
}

int lfh_control_busy(const lfh_control *c)
{
	return c->nwrites || c->nreads;
}

void lfh_control_dispatch(lfh_control *c)
{
	receive_waiting(c);
	run_writes(c, 0);
	run_reads(c);
}
