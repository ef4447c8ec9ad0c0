/*
 * sync.c - pull-based, resumable replication with peers (PROTOCOL.md 8-9).
 *
 * Data flow. We pull: each peer's DEALER sends PULL(cursor) and gets a
 * BATCH; the batch's events and the new cursor are stored in one durable
 * write transaction, so the cursor never runs ahead of what we hold. If the
 * peer said "more", we pull again at once. Peers pull from us the same way
 * through our ROUTER, where we serve only events that the requester (named
 * by its ZAP User-Id, never by anything it sends) is a recipient of.
 * Promptness: after storing new events we NOTIFY the recipients so they
 * pull immediately; otherwise every peer is polled once a second.
 * Gaps: when a pull completes, per-(author, us) counters that are still
 * missing are requested with FETCH from the same peer.
 *
 * At most two PULLs (the second pipelined while a batch is being stored)
 * and one FETCH are outstanding per peer; one that gets no answer in
 * REQUEST_TIMEOUT_MS is forgotten (the peer went away). Cursors only move
 * forward.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/hlc.h"
#include "lfh/log.h"
#include "lfh/sync.h"
#include "lfh/wire.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_DOMAIN "lfh"
#define PULL_INTERVAL_MS 1000
#define REQUEST_TIMEOUT_MS 5000
#define CONNECTED_WINDOW_MS 3500

typedef struct peer {
	const lfh_peer_conf *conf;
	uint64_t bad_window_ms;   /* start of the current one-second window */
	uint32_t bad_in_window;   /* malformed requests seen in it */
	uint64_t caught_up_ms;    /* last BATCH that said "no more" */
	void *dealer;
	int pull_inflight;  /* PULLs sent and not yet answered: 0..2 (one pipelined) */
	int discard;        /* replies to drop: they answer a cursor we never reached */
	int pull_again, fetch_inflight;
	uint64_t pull_sent_ms, fetch_sent_ms, last_reply_ms, last_pull_ms;
	uint64_t received, stored, rejected;
} peer;

struct lfh_sync {
	lfh_node *node;
	void *zap;
	void *router;
	size_t npeers;
	peer *peers;
	lfh_msg *msg; /* decode scratch: large, so allocated once */
	lfh_envelope_ref *in; /* per-batch ingest scratch, LFH_BATCH_MAX each */
	lfh_ingest_result *res;
	int *status;
	lfh_err *errs;
	lfh_buf out;
};

static peer *peer_by_agency(lfh_sync *s, const char *agency)
{
	for (size_t i = 0; i < s->npeers; i++)
		if (strcmp(s->peers[i].conf->agency, agency) == 0)
			return &s->peers[i];
	return NULL;
}

static int set_common_opts(void *sock)
{
	int linger = 0, hwm = 10000;
	int64_t maxmsg = (int64_t)LFH_FRAME_MAX + 1024;
	if (zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger) ||
	    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) ||
	    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm) ||
	    zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm))
		return -1;
	return 0;
}

/* The ZAP handler must be bound before any CURVE server socket exists. */
static int start_zap(lfh_sync *s, void *zctx, lfh_err *err)
{
	int linger = 0;
	s->zap = zmq_socket(zctx, ZMQ_REP);
	if (!s->zap || zmq_setsockopt(s->zap, ZMQ_LINGER, &linger, sizeof linger) ||
	    zmq_bind(s->zap, ZAP_ENDPOINT))
		return lfh_err_set(err, LFH_ENET, "ZAP handler: %s", zmq_strerror(zmq_errno()));
	return 0;
}

static int start_router(lfh_sync *s, void *zctx, lfh_err *err)
{
	int one = 1;
	const lfh_identity *id = s->node->id;
	s->router = zmq_socket(zctx, ZMQ_ROUTER);
	if (!s->router || set_common_opts(s->router) ||
	    zmq_setsockopt(s->router, ZMQ_CURVE_SERVER, &one, sizeof one) ||
	    zmq_setsockopt(s->router, ZMQ_CURVE_SECRETKEY, id->curve_sk, 32) ||
	    zmq_setsockopt(s->router, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, strlen(ZAP_DOMAIN)))
		return lfh_err_set(err, LFH_ENET, "peer socket: %s", zmq_strerror(zmq_errno()));
	if (zmq_bind(s->router, s->node->cfg.listen))
		return lfh_err_set(err, LFH_ENET, "cannot listen on %s: %s", s->node->cfg.listen,
				   zmq_strerror(zmq_errno()));
	return 0;
}

static int connect_peer(lfh_sync *s, void *zctx, peer *p, lfh_err *err)
{
	int one = 1, ivl = 100, ivl_max = 2000;
	const lfh_identity *id = s->node->id;
	p->dealer = zmq_socket(zctx, ZMQ_DEALER);
	if (!p->dealer || set_common_opts(p->dealer) ||
	    zmq_setsockopt(p->dealer, ZMQ_IMMEDIATE, &one, sizeof one) ||
	    zmq_setsockopt(p->dealer, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl) ||
	    zmq_setsockopt(p->dealer, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max) ||
	    zmq_setsockopt(p->dealer, ZMQ_CURVE_SERVERKEY, p->conf->pub.curve_pk, 32) ||
	    zmq_setsockopt(p->dealer, ZMQ_CURVE_PUBLICKEY, id->pub.curve_pk, 32) ||
	    zmq_setsockopt(p->dealer, ZMQ_CURVE_SECRETKEY, id->curve_sk, 32))
		return lfh_err_set(err, LFH_ENET, "socket for peer %s: %s", p->conf->agency,
				   zmq_strerror(zmq_errno()));
	if (zmq_connect(p->dealer, p->conf->endpoint))
		return lfh_err_set(err, LFH_ENET, "peer %s endpoint %s: %s", p->conf->agency,
				   p->conf->endpoint, zmq_strerror(zmq_errno()));
	return 0;
}

int lfh_sync_start(lfh_sync **out, void *zctx, lfh_node *n, lfh_err *err)
{
	lfh_sync *s = calloc(1, sizeof *s);
	int rc;

	if (!s)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	s->node = n;
	s->npeers = n->cfg.npeers;
	s->peers = calloc(s->npeers ? s->npeers : 1, sizeof *s->peers);
	s->msg = malloc(sizeof *s->msg);
	s->in = calloc(LFH_BATCH_MAX, sizeof *s->in);
	s->res = calloc(LFH_BATCH_MAX, sizeof *s->res);
	s->status = calloc(LFH_BATCH_MAX, sizeof *s->status);
	s->errs = calloc(LFH_BATCH_MAX, sizeof *s->errs);
	if (!s->peers || !s->msg || !s->in || !s->res || !s->status || !s->errs) {
		lfh_sync_stop(s);
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	}
	rc = start_zap(s, zctx, err);
	if (!rc)
		rc = start_router(s, zctx, err);
	for (size_t i = 0; rc == 0 && i < s->npeers; i++) {
		s->peers[i].conf = &n->cfg.peers[i];
		rc = connect_peer(s, zctx, &s->peers[i], err);
	}
	if (rc) {
		lfh_sync_stop(s);
		return rc;
	}
	*out = s;
	return 0;
}

void lfh_sync_stop(lfh_sync *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->peers && i < s->npeers; i++)
		if (s->peers[i].dealer)
			zmq_close(s->peers[i].dealer);
	if (s->router)
		zmq_close(s->router);
	if (s->zap)
		zmq_close(s->zap);
	free(s->peers);
	free(s->msg);
	free(s->in);
	free(s->res);
	free(s->status);
	free(s->errs);
	lfh_buf_free(&s->out);
	free(s);
}

int lfh_sync_nitems(const lfh_sync *s)
{
	return 2 + (int)s->npeers;
}

void lfh_sync_pollitems(lfh_sync *s, zmq_pollitem_t *items)
{
	items[0] = (zmq_pollitem_t){ .socket = s->zap, .events = ZMQ_POLLIN };
	items[1] = (zmq_pollitem_t){ .socket = s->router, .events = ZMQ_POLLIN };
	for (size_t i = 0; i < s->npeers; i++)
		items[2 + i] = (zmq_pollitem_t){ .socket = s->peers[i].dealer, .events = ZMQ_POLLIN };
}

/* Receive every frame of one message; returns the frame count (<= max) or -1. */
static int recv_frames(void *sock, zmq_msg_t *frames, int max)
{
	int n = 0, more = 1;
	while (more) {
		zmq_msg_t tmp;
		zmq_msg_t *m = n < max ? &frames[n] : &tmp;
		zmq_msg_init(m);
		if (zmq_msg_recv(m, sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(m);
			break;
		}
		more = zmq_msg_more(m);
		if (m == &tmp)
			zmq_msg_close(m);
		n++;
	}
	return n;
}

static void close_frames(zmq_msg_t *frames, int n)
{
	for (int i = 0; i < n; i++)
		zmq_msg_close(&frames[i]);
}

static int frame_is(zmq_msg_t *m, const char *s)
{
	return zmq_msg_size(m) == strlen(s) && memcmp(zmq_msg_data(m), s, strlen(s)) == 0;
}

/* ZAP (RFC 27): admit a CURVE client only if its key is a configured peer's. */
static void handle_zap(lfh_sync *s)
{
	zmq_msg_t f[8];
	int n = recv_frames(s->zap, f, 8);
	const char *status = "400", *text = "unknown key", *user = "";
	char z85[41] = "?";

	if (n < 7) {
		close_frames(f, n < 8 ? n : 8);
		return;
	}
	if (frame_is(&f[0], "1.0") && frame_is(&f[5], "CURVE") && zmq_msg_size(&f[6]) == 32) {
		const uint8_t *key = zmq_msg_data(&f[6]);
		lfh_curve_z85(key, z85);
		for (size_t i = 0; i < s->npeers; i++)
			if (sodium_memcmp(key, s->peers[i].conf->pub.curve_pk, 32) == 0) {
				status = "200";
				text = "OK";
				user = s->peers[i].conf->agency;
			}
	}
	if (strcmp(status, "200") != 0)
		log_warn("refused connection from unknown CURVE key %s", z85);
	zmq_send(s->zap, "1.0", 3, ZMQ_SNDMORE);
	zmq_send(s->zap, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
	zmq_send(s->zap, status, 3, ZMQ_SNDMORE);
	zmq_send(s->zap, text, strlen(text), ZMQ_SNDMORE);
	zmq_send(s->zap, user, strlen(user), ZMQ_SNDMORE);
	zmq_send(s->zap, "", 0, 0);
	close_frames(f, n < 8 ? n : 8);
}

static void router_reply(lfh_sync *s, zmq_msg_t *rid, const lfh_buf *b)
{
	if (zmq_send(s->router, zmq_msg_data(rid), zmq_msg_size(rid), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(s->router, b->data, b->len, ZMQ_DONTWAIT) < 0)
		log_debug("reply to peer dropped: %s", zmq_strerror(zmq_errno()));
}

static void router_error(lfh_sync *s, zmq_msg_t *rid, int code, const char *text)
{
	lfh_buf_reset(&s->out);
	if (lfh_msg_encode_error(&s->out, code, text, NULL) == 0)
		router_reply(s, rid, &s->out);
}

static void pull_from(lfh_sync *s, peer *p);

/* Serve one request that arrived on our ROUTER from the agency `who`. */
static void serve_request(lfh_sync *s, const char *who, zmq_msg_t *rid, const lfh_msg *m)
{
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	int rc = 0;

	if (m->type == LFH_MSG_NOTIFY) {
		peer *p = peer_by_agency(s, who);
		if (p)
			pull_from(s, p);
		return;
	}
	if (m->type != LFH_MSG_PULL && m->type != LFH_MSG_FETCH) {
		router_error(s, rid, LFH_EINVAL, "unexpected message type");
		return;
	}
	lfh_buf_reset(&s->out);
	rc = lfh_txn_begin(s->node->store, 0, &t, &err);
	if (!rc && m->type == LFH_MSG_PULL)
		rc = lfh_node_serve_pull(s->node, t, who, m->cursor, m->max, &s->out, &err);
	else if (!rc)
		rc = lfh_node_serve_fetch(s->node, t, who, m->author, m->from, m->to, &s->out, &err);
	lfh_txn_abort(t);
	if (rc) {
		log_warn("serving %s: %s", who, err.msg);
		router_error(s, rid, rc, "internal error");
		return;
	}
	router_reply(s, rid, &s->out);
}

/*
 * A peer sending garbage gets an ERROR answer and a log line for the first
 * BAD_PER_SECOND malformed messages each second, then silence: no
 * amplification, no log flooding, and the peer's real requests still served.
 */
#define BAD_PER_SECOND 5
static int bad_request_allowed(peer *p)
{
	uint64_t now = lfh_wall_ms();
	if (now - p->bad_window_ms >= 1000) {
		if (p->bad_in_window > BAD_PER_SECOND)
			log_warn("%u more malformed messages from %s not answered",
				 p->bad_in_window - BAD_PER_SECOND, p->conf->agency);
		p->bad_window_ms = now;
		p->bad_in_window = 0;
	}
	return ++p->bad_in_window <= BAD_PER_SECOND;
}

static void handle_router(lfh_sync *s)
{
	zmq_msg_t f[3];
	lfh_err err = { 0 };
	int n = recv_frames(s->router, f, 3);
	const char *who;

	if (n != 2) {
		if (n > 0)
			log_warn("dropped peer message with %d frames", n);
		close_frames(f, n < 3 ? n : 3);
		return;
	}
	who = zmq_msg_gets(&f[1], "User-Id");
	if (!who || !peer_by_agency(s, who)) {
		log_warn("dropped message from unauthenticated connection");
	} else if (lfh_msg_decode(zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), s->msg, &err)) {
		if (bad_request_allowed(peer_by_agency(s, who))) {
			log_warn("malformed message from %s: %s", who, err.msg);
			router_error(s, &f[0], err.code, err.msg);
		}
	} else {
		serve_request(s, who, &f[0], s->msg);
	}
	close_frames(f, 2);
}

static int send_to_peer(peer *p, const lfh_buf *b)
{
	return zmq_send(p->dealer, b->data, b->len, ZMQ_DONTWAIT) < 0 ? -1 : 0;
}

/* Send PULL(cursor) now. */
static int send_pull(lfh_sync *s, peer *p, uint64_t cursor)
{
	lfh_err err = { 0 };

	lfh_buf_reset(&s->out);
	if (lfh_msg_encode_pull(&s->out, cursor, LFH_BATCH_MAX, &err))
		return -1;
	p->last_pull_ms = lfh_wall_ms();
	if (send_to_peer(p, &s->out) != 0)
		return -1;
	p->pull_inflight++;
	p->pull_again = 0;
	p->pull_sent_ms = p->last_pull_ms;
	return 0;
}

/* Send PULL(stored cursor) unless one is already outstanding. */
static void pull_from(lfh_sync *s, peer *p)
{
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	uint64_t cursor = 0;

	if (p->pull_inflight) {
		p->pull_again = 1;
		return;
	}
	if (lfh_txn_begin(s->node->store, 0, &t, &err) ||
	    lfh_store_cursor_get(t, p->conf->agency, &cursor, &err)) {
		lfh_txn_abort(t);
		log_error("reading cursor for %s: %s", p->conf->agency, err.msg);
		return;
	}
	lfh_txn_abort(t);
	send_pull(s, p, cursor);
}

/* Ask p for the events `author` addressed to us that we are missing. */
static void fetch_gaps(lfh_sync *s, peer *p)
{
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	const char *me = s->node->id->pub.agency;

	if (p->fetch_inflight || lfh_txn_begin(s->node->store, 0, &t, &err))
		return;
	for (size_t i = 0; i <= s->npeers; i++) {
		const char *author = i < s->npeers ? s->peers[i].conf->agency : me;
		uint64_t first, highest, missing;
		if (strcmp(author, me) == 0)
			continue;
		if (lfh_node_gaps(s->node, t, author, &first, &highest, &missing, &err) || !missing)
			continue;
		uint64_t to = highest < first + LFH_BATCH_MAX - 1 ? highest : first + LFH_BATCH_MAX - 1;
		lfh_buf_reset(&s->out);
		if (lfh_msg_encode_fetch(&s->out, author, first, to, &err) == 0 &&
		    send_to_peer(p, &s->out) == 0) {
			log_debug("asking %s for %llu missing events of %s", p->conf->agency,
				  (unsigned long long)missing, author);
			p->fetch_inflight = 1;
			p->fetch_sent_ms = lfh_wall_ms();
			break;
		}
	}
	lfh_txn_abort(t);
}

typedef struct ingest_stats {
	size_t stored;
	char notify[LFH_MAX_PEERS]; /* peers that should hear about new events */
} ingest_stats;

static void mark_notify(lfh_sync *s, ingest_stats *st, const lfh_ingest_result *r, const peer *from)
{
	for (uint32_t i = 0; i < r->nrcpt; i++)
		for (size_t j = 0; j < s->npeers; j++)
			if (&s->peers[j] != from && strcmp(s->peers[j].conf->agency, r->rcpt[i]) == 0)
				st->notify[j] = 1;
}

/*
 * Store a batch of envelopes from p, and (for BATCH) the new cursor, in one
 * durable transaction. Rejected envelopes are logged and skipped.
 */
static int ingest_batch(lfh_sync *s, peer *p, const lfh_msg *m, int set_cursor,
			ingest_stats *st)
{
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	int rc = lfh_txn_begin(s->node->store, 1, &t, &err);

	for (size_t i = 0; i < m->nevents; i++)
		s->in[i] = (lfh_envelope_ref){ m->ev[i], m->evlen[i] };
	if (!rc)
		rc = lfh_node_ingest_batch(s->node, t, s->in, m->nevents, p->conf->agency, s->res,
					   s->status, s->errs, &err);
	for (size_t i = 0; rc == 0 && i < m->nevents; i++) {
		p->received++;
		if (s->status[i] == 0 && s->res[i].stored) {
			st->stored++;
			p->stored++;
			mark_notify(s, st, &s->res[i], p);
		} else if (s->status[i] == LFH_EEQUIV) {
			p->rejected++;
			log_error("EQUIVOCATION via %s: %s (kept as evidence)", p->conf->agency,
				  s->errs[i].msg);
		} else if (s->status[i]) {
			p->rejected++;
			log_warn("rejected event from %s: %s", p->conf->agency, s->errs[i].msg);
		}
	}
	if (rc == 0 && set_cursor) {
		uint64_t cur = 0; /* never back: a late answer to an old PULL must not rewind */
		rc = lfh_store_cursor_get(t, p->conf->agency, &cur, &err);
		if (rc == 0 && m->cursor > cur)
			rc = lfh_store_cursor_put(t, p->conf->agency, m->cursor, &err);
	}
	if (rc == 0)
		return lfh_txn_commit(t, &err) ? (log_error("commit: %s", err.msg), -1) : 0;
	lfh_txn_abort(t);
	log_error("storing batch from %s: %s", p->conf->agency, err.msg);
	return -1;
}

/*
 * A BATCH arrived. While the peer says it holds more, the next PULL (from
 * the batch's next_cursor) goes out before this batch is verified and
 * stored, so the peer builds and sends it while we work. If storing fails,
 * the cursor did not move: the pipelined answer is dropped and we pull
 * again from the stored cursor.
 */
static void handle_batch(lfh_sync *s, peer *p, ingest_stats *st)
{
	const lfh_msg *m = s->msg;
	int pipelined = 0;

	if (p->pull_inflight > 0)
		p->pull_inflight--;
	if (p->discard) {
		p->discard--;
		if (!p->pull_inflight)
			pull_from(s, p);
		return;
	}
	if (!m->more)
		p->caught_up_ms = p->last_reply_ms;
	if (m->more && p->pull_inflight == 0 && send_pull(s, p, m->cursor) == 0)
		pipelined = 1;
	if (ingest_batch(s, p, m, 1, st) != 0) {
		if (pipelined)
			p->discard++;
	} else if (!pipelined && (m->more || p->pull_again)) {
		pull_from(s, p);
	} else if (!m->more) {
		fetch_gaps(s, p);
	}
}

static void handle_dealer(lfh_sync *s, peer *p)
{
	zmq_msg_t f[2];
	lfh_err err = { 0 };
	ingest_stats st = { 0 };
	int n = recv_frames(p->dealer, f, 2);

	if (n != 1) {
		close_frames(f, n < 2 ? n : 2);
		return;
	}
	p->last_reply_ms = lfh_wall_ms();
	if (lfh_msg_decode(zmq_msg_data(&f[0]), zmq_msg_size(&f[0]), s->msg, &err)) {
		log_warn("malformed reply from %s: %s", p->conf->agency, err.msg);
	} else if (s->msg->type == LFH_MSG_BATCH) {
		handle_batch(s, p, &st);
	} else if (s->msg->type == LFH_MSG_FETCHED) {
		p->fetch_inflight = 0;
		ingest_batch(s, p, s->msg, 0, &st);
	} else if (s->msg->type == LFH_MSG_ERROR) {
		p->pull_inflight = p->fetch_inflight = p->discard = 0;
		log_warn("peer %s answered error %lld: %s", p->conf->agency,
			 (long long)s->msg->code, s->msg->text);
	}
	close_frames(f, 1);
	if (st.stored)
		log_debug("stored %zu new events from %s", st.stored, p->conf->agency);
	for (size_t j = 0; j < s->npeers; j++)
		if (st.notify[j])
			lfh_sync_notify(s, s->peers[j].conf->agency);
}

void lfh_sync_dispatch(lfh_sync *s, const zmq_pollitem_t *items)
{
	if (items[0].revents & ZMQ_POLLIN)
		handle_zap(s);
	if (items[1].revents & ZMQ_POLLIN)
		for (int k = 0; k < 64; k++) {
			int ev = 0;
			size_t sz = sizeof ev;
			zmq_getsockopt(s->router, ZMQ_EVENTS, &ev, &sz);
			if (!(ev & ZMQ_POLLIN))
				break;
			handle_router(s);
		}
	for (size_t i = 0; i < s->npeers; i++)
		if (items[2 + i].revents & ZMQ_POLLIN)
			handle_dealer(s, &s->peers[i]);
}

void lfh_sync_tick(lfh_sync *s, uint64_t now_ms)
{
	for (size_t i = 0; i < s->npeers; i++) {
		peer *p = &s->peers[i];
		if (p->pull_inflight && now_ms - p->pull_sent_ms > REQUEST_TIMEOUT_MS)
			p->pull_inflight = p->discard = 0;
		if (p->fetch_inflight && now_ms - p->fetch_sent_ms > REQUEST_TIMEOUT_MS)
			p->fetch_inflight = 0;
		if (!p->pull_inflight && now_ms - p->last_pull_ms >= PULL_INTERVAL_MS)
			pull_from(s, p);
	}
}

void lfh_sync_notify(lfh_sync *s, const char *agency)
{
	peer *p = peer_by_agency(s, agency);
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	uint64_t head = 0;

	if (!p || lfh_txn_begin(s->node->store, 0, &t, &err))
		return;
	lfh_store_log_head(t, &head, &err);
	lfh_txn_abort(t);
	lfh_buf_reset(&s->out);
	if (lfh_msg_encode_notify(&s->out, head, &err) == 0)
		send_to_peer(p, &s->out); /* best effort: the periodic pull is the fallback */
}

size_t lfh_sync_npeers(const lfh_sync *s)
{
	return s->npeers;
}

void lfh_sync_peer_status(const lfh_sync *s, size_t i, lfh_peer_status *st)
{
	const peer *p = &s->peers[i];
	st->agency = p->conf->agency;
	st->endpoint = p->conf->endpoint;
	st->last_ms = p->last_reply_ms;
	st->connected = p->last_reply_ms && lfh_wall_ms() - p->last_reply_ms < CONNECTED_WINDOW_MS;
	st->received = p->received;
	st->stored = p->stored;
	st->rejected = p->rejected;
	st->caught_up_ms = p->caught_up_ms;
}
