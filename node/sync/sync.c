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
 * missing are requested with FETCH from the same peer. The pulling side
 * (PULL, FETCH, storing what comes back) is node/sync/pull.c; this file
 * owns the sockets, ZAP, the peers and serving requests.
 *
 * At most one PULL (sent as soon as a batch arrives, while the ones before
 * are checked and stored) and one FETCH are outstanding per peer; one that gets no answer in
 * REQUEST_TIMEOUT_MS is forgotten (the peer went away). Cursors only move
 * forward. Received batches wait in the catch-up pipeline (pull.c): their
 * signatures are checked on a pool of verifier threads while the main
 * thread stores the batch before, at most PIPE_PER_PEER per peer and
 * PIPE_BATCHES in all; the pool's fd is the last poll item. When several
 * peers hold a backlog for us, one streams it and the others wait (pull.c).
 *
 * Keys and membership change at run time (PROTOCOL.md 15): every tick we
 * compare the peers and CURVE keys the node's keyring wants now with the
 * sockets we have, and rebuild what differs, without a restart. A peer's
 * DEALER connects once per CURVE key the peer may be serving with (its
 * transport generation's, its newest one's, and older ones it may still
 * hold back), so a rotation never strands us; only the connection whose
 * key the peer really uses completes its handshake. A peer whose endpoint
 * changed (a [peer] override read again on SIGHUP, or a new ISA version) has
 * its dealers closed and opened at the new endpoint, keeping its cursors and
 * counters; every other peer keeps its sockets and sessions. Our own ROUTER serves
 * with the newest generation whose certificate every peer has pulled from
 * us (at most HOLD_MAX_MS after a switch), so peers can always reach us
 * and learn the new key. When a key or agency stops
 * being admitted, the ROUTER is recreated, which closes its sessions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <sodium.h>

#include "lfh/hlc.h"
#include "lfh/ingest.h"
#include "lfh/keyring.h"
#include "lfh/log.h"
#include "lfh/serve.h"
#include "lfh/sync.h"
#include "lfh/wire.h"

#include "sync_int.h"



static peer *peer_by_agency(lfh_sync *s, const char *agency)
{
	for (size_t i = 0; i < s->npeers; i++)
		if (strcmp(s->peers[i].conf.agency, agency) == 0)
			return &s->peers[i];
	return NULL;
}

/*
 * Replies a DEALER queues at most: an honest peer answers at most two PULLs
 * and a FETCH or RECOVER we have in flight, each up to 4 MiB; a peer that
 * sends what we never asked for is held back by its own send queue once
 * these are taken, not by our memory (PROTOCOL.md 9.8).
 */
#define DEALER_RCVHWM 8

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

/*
 * May gens[i] (older than the transport generation) still be what its
 * node serves with, held back for a peer (not revoked, and its successor's
 * switch less than HOLD_MAX_MS ago)?
 */
static int may_be_held(const lfh_keygen *gens, size_t count, size_t i, uint64_t now)
{
	const lfh_keygen *next = i + 1 < count ? &gens[i + 1] : NULL;
	uint64_t sw = next ? next->not_before_ms + next->grace_ms : 0;
	return next && gens[i].revoked_ms > now && sw < LFH_NEVER - HOLD_MAX_MS &&
	       now < sw + HOLD_MAX_MS;
}

/* The identity whose CURVE key we present as a client at now. */
static const lfh_identity *client_identity(const lfh_sync *s, uint64_t now)
{
	const lfh_keygen *g = lfh_keyring_transport(&s->node->rules, s->node->cfg.agency, now);
	return lfh_node_identity(s->node, g ? g->generation : s->node->gen);
}

/* Has every peer pulled past lseq (a CERT of ours) from us? */
static int all_peers_have(const lfh_sync *s, uint64_t lseq)
{
	for (size_t i = 0; i < s->npeers; i++)
		if (s->peers[i].their_cursor < lseq)
			return 0;
	return 1;
}

/*
 * The identity our ROUTER serves with: the transport generation once every
 * peer has pulled its certificate from us; until then the newest one that
 * every peer has (generation 1 they all have), so that peers can always
 * reach us to learn the new keys.
 */
static const lfh_identity *server_identity(const lfh_sync *s, uint64_t now)
{
	lfh_node *n = s->node;
	const lfh_keygen *gens, *t = lfh_keyring_transport(&n->rules, n->cfg.agency, now);
	size_t count = lfh_keyring_list(&n->rules, n->cfg.agency, &gens);

	if (!t)
		return n->id;
	for (size_t i = count; i-- > 0;) {
		const lfh_keygen *g = &gens[i];
		if (g->generation > t->generation || (g != t && !may_be_held(gens, count, i, now)))
			continue;
		if (all_peers_have(s, g->lseq))
			return lfh_node_identity(n, g->generation);
	}
	return lfh_node_identity(n, t->generation);
}

/*
 * Replies queued to one peer at most: an honest peer has two PULLs and a
 * FETCH outstanding; one that sends requests and never reads their answers
 * gets the rest dropped, so its queue (of up to 4 MiB batches) stays small.
 */
#define REPLY_HWM 8

static int start_router(lfh_sync *s, const lfh_identity *id, lfh_err *err)
{
	int one = 1, rc = -1, reply_hwm = REPLY_HWM;
	s->router = zmq_socket(s->zctx, ZMQ_ROUTER);
	if (!s->router || set_common_opts(s->router) ||
	    zmq_setsockopt(s->router, ZMQ_SNDHWM, &reply_hwm, sizeof reply_hwm) ||
	    zmq_setsockopt(s->router, ZMQ_CURVE_SERVER, &one, sizeof one) ||
	    zmq_setsockopt(s->router, ZMQ_CURVE_SECRETKEY, id->curve_sk, 32) ||
	    zmq_setsockopt(s->router, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, strlen(ZAP_DOMAIN)))
		return lfh_err_set(err, LFH_ENET, "peer socket: %s", zmq_strerror(zmq_errno()));
	/* A ROUTER just closed may hold the port for a moment: retry briefly. */
	for (int i = 0; i < REBIND_TRIES && (rc = zmq_bind(s->router, s->node->cfg.listen)); i++)
		usleep(REBIND_WAIT_US);
	if (rc) {
		rc = lfh_err_set(err, LFH_ENET, "cannot listen on %s: %s", s->node->cfg.listen,
				 zmq_strerror(zmq_errno()));
		zmq_close(s->router);
		s->router = NULL;
		return rc;
	}
	memcpy(s->router_pk, id->pub.curve_pk, 32);
	return 0;
}

/* Close the ROUTER (dropping every session) and open it again with id's key. */
static void restart_router(lfh_sync *s, const lfh_identity *id, const char *why)
{
	lfh_err err = { 0 };

	if (s->router) {
		zmq_unbind(s->router, s->node->cfg.listen);
		zmq_close(s->router);
		s->router = NULL;
	}
	log_info("peer socket reopened: %s", why);
	if (start_router(s, id, &err))
		log_error("%s", err.msg); /* retried at the next tick */
}

static void close_dealers(peer *p)
{
	for (int i = 0; i < p->ndealers; i++)
		if (p->dealer[i]) {
			sync_link_unwatch(p, i);
			zmq_close(p->dealer[i]);
		}
	p->ndealers = 0;
	p->live = 0;
	p->pull_inflight = p->fetch_inflight = p->recover_inflight = p->discard = 0;
	p->nasks = 0; /* a new connection answers none of them */
}

static int open_dealer(lfh_sync *s, peer *p, const uint8_t server_pk[32], const lfh_identity *id,
		       lfh_err *err)
{
	int one = 1, ivl = 100, ivl_max = 2000, rcvhwm = DEALER_RCVHWM;
	void *d = zmq_socket(s->zctx, ZMQ_DEALER);
	if (!d || set_common_opts(d) ||
	    zmq_setsockopt(d, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm) ||
	    zmq_setsockopt(d, ZMQ_IMMEDIATE, &one, sizeof one) ||
	    zmq_setsockopt(d, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl) ||
	    zmq_setsockopt(d, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max) ||
	    zmq_setsockopt(d, ZMQ_CURVE_SERVERKEY, server_pk, 32) ||
	    zmq_setsockopt(d, ZMQ_CURVE_PUBLICKEY, id->pub.curve_pk, 32) ||
	    zmq_setsockopt(d, ZMQ_CURVE_SECRETKEY, id->curve_sk, 32)) {
		if (d)
			zmq_close(d);
		return lfh_err_set(err, LFH_ENET, "socket for peer %s: %s", p->conf.agency,
				   zmq_strerror(zmq_errno()));
	}
	if (zmq_connect(d, p->conf.endpoint)) {
		zmq_close(d);
		return lfh_err_set(err, LFH_ENET, "peer %s endpoint %s: %s", p->conf.agency,
				   p->conf.endpoint, zmq_strerror(zmq_errno()));
	}
	memcpy(p->server_pk[p->ndealers], server_pk, 32);
	p->dealer[p->ndealers++] = d;
	if (sync_link_watch(s, p, p->ndealers - 1))
		log_debug("peer %s: no socket monitor (%s): its connection changes go unlogged",
			  p->conf.agency, zmq_strerror(zmq_errno()));
	return 0;
}

/* Add g's curve key to out[0..*k) unless there or full. */
static void add_key(uint8_t out[LFH_SERVER_KEYS][32], int *k, const lfh_keygen *g)
{
	for (int j = 0; g && j < *k; j++)
		if (sodium_memcmp(out[j], g->curve_pk, 32) == 0)
			return;
	if (g && *k < LFH_SERVER_KEYS)
		memcpy(out[(*k)++], g->curve_pk, 32);
}

/*
 * The CURVE keys peer p may be serving with now (at most LFH_SERVER_KEYS):
 * its transport generation's, its newest one's, and those of older ones it
 * may still hold back for a peer that lacks a newer certificate, newest first.
 */
static int wanted_server_keys(const lfh_sync *s, const peer *p, uint64_t now,
			      uint8_t out[LFH_SERVER_KEYS][32])
{
	const lfh_keygen *gens, *t = lfh_keyring_transport(&s->node->rules, p->conf.agency, now);
	size_t count = lfh_keyring_list(&s->node->rules, p->conf.agency, &gens);
	int k = 0;

	add_key(out, &k, t);
	add_key(out, &k, lfh_keyring_newest(&s->node->rules, p->conf.agency, now));
	for (size_t i = count; t && i-- > 0;)
		if (gens[i].generation < t->generation && may_be_held(gens, count, i, now))
			add_key(out, &k, &gens[i]);
	if (!k)
		memcpy(out[k++], p->conf.pub.curve_pk, 32);
	return k;
}

/*
 * Has p been silent since long before its dealers' last (re)connection? A
 * peer's ZAP refusal (say, of our new key before it learned our
 * certificate) can leave a connection that libzmq never retries: start
 * afresh then.
 */
static int silent(const peer *p, uint64_t now)
{
	uint64_t since = p->last_reply_ms > p->dealers_ms ? p->last_reply_ms : p->dealers_ms;
	return p->ndealers && now - since > SILENT_RECONNECT_MS;
}

/* (Re)connect p's dealers if the keys they should use changed, or if p fell silent. */
static int connect_peer(lfh_sync *s, peer *p, uint64_t now, lfh_err *err)
{
	uint8_t want[LFH_SERVER_KEYS][32];
	int k = wanted_server_keys(s, p, now, want), same = k == p->ndealers, rc = 0;
	const lfh_identity *id = client_identity(s, now);

	for (int i = 0; same && i < k; i++)
		same = sodium_memcmp(want[i], p->server_pk[i], 32) == 0;
	same = same && sodium_memcmp(id->pub.curve_pk, p->client_pk, 32) == 0;
	if (same && !silent(p, now))
		return 0;
	if (p->ndealers && same)
		log_debug("reconnecting to %s: no answer for %llu ms", p->conf.agency,
			  (unsigned long long)SILENT_RECONNECT_MS);
	else if (p->ndealers)
		log_info("reconnecting to %s with its current transport keys", p->conf.agency);
	close_dealers(p);
	p->dealers_ms = now;
	memcpy(p->client_pk, id->pub.curve_pk, 32);
	for (int i = 0; rc == 0 && i < k; i++)
		rc = open_dealer(s, p, want[i], id, err);
	return rc;
}

/* A peer given a new endpoint: its dealers (closed) and their link state are gone. */
static void forget_link(peer *p)
{
	memset(p->dealer, 0, sizeof p->dealer);
	memset(p->monitor, 0, sizeof p->monitor);
	memset(p->dealer_up, 0, sizeof p->dealer_up);
	memset(p->dealer_failed, 0, sizeof p->dealer_failed);
	memset(p->dealer_tried, 0, sizeof p->dealer_tried);
	memset(p->server_pk, 0, sizeof p->server_pk);
	p->link = LINK_UNKNOWN;
	p->link_since_ms = p->link_logged_ms = p->dealers_ms = 0;
	p->link_why[0] = '\0';
	p->recover_inflight = 0;
}

/* Make our peer list the node's (which follows the ISA in force), keeping known peers' state. */
static int sync_peers(lfh_sync *s, uint64_t now, lfh_err *err)
{
	const lfh_config *c = &s->node->cfg;
	peer *next = calloc(LFH_MAX_PEERS, sizeof *next);
	size_t n = 0;
	int rc = 0;

	if (!next)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	for (size_t i = 0; i < c->npeers && n < LFH_MAX_PEERS; i++) {
		peer *old = NULL;
		for (size_t j = 0; j < s->npeers; j++)
			if (s->peers[j].ndealers >= 0 && strcmp(s->peers[j].conf.agency, c->peers[i].agency) == 0)
				old = &s->peers[j];
		if (old && strcmp(old->conf.endpoint, c->peers[i].endpoint) == 0) {
			next[n] = *old;
			old->ndealers = -1; /* moved */
		} else if (old) { /* a new endpoint: reconnect, keep what we know of it */
			log_info("peer %s moved from %s to %s: reconnecting to it (the other peers' "
				 "sessions stay up)", old->conf.agency, old->conf.endpoint,
				 c->peers[i].endpoint);
			close_dealers(old);
			next[n] = *old;
			old->ndealers = -1;
			forget_link(&next[n]);
			next[n].added_ms = now;
		} else {
			memset(&next[n], 0, sizeof next[n]);
			next[n].added_ms = now;
		}
		next[n].conf = c->peers[i];
		n++;
	}
	for (size_t j = 0; j < s->npeers; j++)
		if (s->peers[j].ndealers > 0) {
			log_info("disconnecting from %s: no longer a peer", s->peers[j].conf.agency);
			close_dealers(&s->peers[j]);
		}
	memcpy(s->peers, next, LFH_MAX_PEERS * sizeof *next);
	free(next);
	s->npeers = n;
	for (size_t i = 0; rc == 0 && i < s->npeers; i++)
		rc = connect_peer(s, &s->peers[i], now, err);
	s->keys_version = s->node->rules.keys_version;
	s->peers_version = s->node->peers_version;
	return rc;
}

/* The (agency, CURVE key) pairs ZAP admits at now. */
static size_t compute_allowed(const lfh_sync *s, uint64_t now, allowed_key *out)
{
	size_t k = 0;
	for (size_t i = 0; i < s->npeers; i++) {
		const lfh_keygen *gens;
		size_t count = lfh_keyring_list(&s->node->rules, s->peers[i].conf.agency, &gens);
		for (size_t j = 0; j < count && k < ALLOWED_MAX; j++)
			if (lfh_keyring_curve_allowed(&s->node->rules, gens[j].agency, gens[j].curve_pk, now)) {
				memcpy(out[k].agency, gens[j].agency, sizeof out[k].agency);
				memcpy(out[k].curve_pk, gens[j].curve_pk, 32);
				k++;
			}
	}
	return k;
}

/* Did any pair admitted before stop being admitted? */
static int allowed_shrank(const lfh_sync *s, const allowed_key *now, size_t n)
{
	for (size_t i = 0; i < s->nallowed; i++) {
		int kept = 0;
		for (size_t j = 0; !kept && j < n; j++)
			kept = strcmp(s->allowed[i].agency, now[j].agency) == 0 &&
			       sodium_memcmp(s->allowed[i].curve_pk, now[j].curve_pk, 32) == 0;
		if (!kept)
			return 1;
	}
	return 0;
}

/* Bring sockets in line with membership and keys as they are now. */
static void refresh_transport(lfh_sync *s, uint64_t now)
{
	allowed_key allowed[ALLOWED_MAX];
	const lfh_identity *sid;
	lfh_err err = { 0 };
	size_t nallowed;

	if ((s->keys_version != s->node->rules.keys_version ||
	     s->peers_version != s->node->peers_version) && sync_peers(s, now, &err))
		log_error("updating peers: %s", err.msg);
	for (size_t i = 0; i < s->npeers; i++)
		if (connect_peer(s, &s->peers[i], now, &err))
			log_error("%s", err.msg);
	nallowed = compute_allowed(s, now, allowed);
	sid = server_identity(s, now);
	if (!s->router)
		restart_router(s, sid, "retrying");
	else if (sodium_memcmp(sid->pub.curve_pk, s->router_pk, 32) != 0)
		restart_router(s, sid, "our transport key changed");
	else if (allowed_shrank(s, allowed, nallowed))
		restart_router(s, sid, "a peer key or agency is no longer admitted");
	memcpy(s->allowed, allowed, nallowed * sizeof *allowed);
	s->nallowed = nallowed;
}

int lfh_sync_start(lfh_sync **out, void *zctx, lfh_node *n, lfh_err *err)
{
	lfh_sync *s = calloc(1, sizeof *s);
	uint64_t now = lfh_wall_ms();
	int rc;

	if (!s)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	s->node = n;
	s->zctx = zctx;
	s->peers = calloc(LFH_MAX_PEERS, sizeof *s->peers);
	s->msg = malloc(sizeof *s->msg);
	s->in = calloc(LFH_BATCH_MAX, sizeof *s->in);
	s->res = calloc(LFH_BATCH_MAX, sizeof *s->res);
	s->status = calloc(LFH_BATCH_MAX, sizeof *s->status);
	s->errs = calloc(LFH_BATCH_MAX, sizeof *s->errs);
	if (!s->peers || !s->msg || !s->in || !s->res || !s->status || !s->errs) {
		lfh_sync_stop(s);
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	}
	rc = sync_pipeline_init(s, err);
	if (!rc)
		rc = start_zap(s, zctx, err);
	if (!rc)
		rc = sync_peers(s, now, err);
	if (!rc)
		rc = start_router(s, server_identity(s, now), err);
	if (!rc)
		s->nallowed = compute_allowed(s, now, s->allowed);
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
	sync_pipeline_free(s);
	for (size_t i = 0; s->peers && i < s->npeers; i++)
		close_dealers(&s->peers[i]);
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
	int k = 3; /* ZAP, ROUTER, the pipeline's pool */
	for (size_t i = 0; i < s->npeers; i++)
		k += s->peers[i].ndealers;
	return k;
}

void lfh_sync_pollitems(lfh_sync *s, zmq_pollitem_t *items)
{
	int k = 2;
	items[0] = (zmq_pollitem_t){ .socket = s->zap, .events = ZMQ_POLLIN };
	items[1] = (zmq_pollitem_t){ .socket = s->router, .events = s->router ? ZMQ_POLLIN : 0,
				     .fd = -1 };
	for (size_t i = 0; i < s->npeers; i++)
		for (int d = 0; d < s->peers[i].ndealers; d++)
			items[k++] = (zmq_pollitem_t){ .socket = s->peers[i].dealer[d],
						       .events = ZMQ_POLLIN };
	items[k] = (zmq_pollitem_t){ .fd = lfh_ingest_pipe_fd(s->pipe), .events = ZMQ_POLLIN };
}

static int frame_is(zmq_msg_t *m, const char *s)
{
	return zmq_msg_size(m) == strlen(s) && memcmp(zmq_msg_data(m), s, strlen(s)) == 0;
}

#define ZAP_LOG_PER_SECOND 5

/*
 * A refused connection is logged, at most ZAP_LOG_PER_SECOND a second: a
 * stranger dialling without end must not fill the log. The rest of a
 * second are counted and said in one line when the next one is refused.
 */
static void log_refused(lfh_sync *s, const char *z85, zmq_msg_t *addr)
{
	uint64_t second = lfh_wall_ms() / 1000;

	if (second != s->zap_second) {
		if (s->zap_unlogged)
			log_warn("refused %u more connections from unknown CURVE keys (not logged "
				 "one by one)", s->zap_unlogged);
		s->zap_second = second;
		s->zap_logged = s->zap_unlogged = 0;
	}
	if (s->zap_logged >= ZAP_LOG_PER_SECOND) {
		s->zap_unlogged++;
		return;
	}
	s->zap_logged++;
	log_warn("refused connection from unknown CURVE key %s (from %.*s: not a party's "
		 "transport key now)", z85, zmq_msg_size(addr) <= 64 ? (int)zmq_msg_size(addr) : 1,
		 zmq_msg_size(addr) <= 64 ? (const char *)zmq_msg_data(addr) : "?");
}

/* ZAP (RFC 27): admit a CURVE client only with a transport key a peer may use now. */
static void handle_zap(lfh_sync *s)
{
	zmq_msg_t f[8];
	int n = sync_recv_frames(s->zap, f, 8);
	const char *status = "400", *text = "unknown key", *user = "";
	char z85[41] = "?";

	if (n < 7) {
		sync_close_frames(f, n < 8 ? n : 8);
		return;
	}
	if (frame_is(&f[0], "1.0") && frame_is(&f[5], "CURVE") && zmq_msg_size(&f[6]) == 32) {
		const uint8_t *key = zmq_msg_data(&f[6]);
		uint64_t now = lfh_wall_ms();
		lfh_curve_z85(key, z85);
		for (size_t i = 0; i < s->npeers; i++)
			if (lfh_keyring_curve_allowed(&s->node->rules, s->peers[i].conf.agency, key, now)) {
				status = "200";
				text = "OK";
				user = s->peers[i].conf.agency;
			}
	}
	if (strcmp(status, "200") != 0)
		log_refused(s, z85, &f[3]);
	zmq_send(s->zap, "1.0", 3, ZMQ_SNDMORE);
	zmq_send(s->zap, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
	zmq_send(s->zap, status, 3, ZMQ_SNDMORE);
	zmq_send(s->zap, text, strlen(text), ZMQ_SNDMORE);
	zmq_send(s->zap, user, strlen(user), ZMQ_SNDMORE);
	zmq_send(s->zap, "", 0, 0);
	sync_close_frames(f, n < 8 ? n : 8);
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

/*
 * PULL and FETCH a peer may have served per second: far more than catching
 * up needs (a pipelined pull answers 4,096 events each), few enough that a
 * peer that floods us with requests cannot take the loop from the others.
 * The excess is dropped (the peer's own timeout asks again), and counted.
 */
#define REQUESTS_PER_SECOND 64

static int request_allowed(peer *p)
{
	uint64_t now = lfh_wall_ms();

	if (!p)
		return 0;
	if (now - p->req_window_ms >= 1000) {
		if (p->req_in_window > REQUESTS_PER_SECOND)
			log_warn("%u requests from %s in one second: %u not served",
				 p->req_in_window, p->conf.agency,
				 p->req_in_window - REQUESTS_PER_SECOND);
		p->req_window_ms = now;
		p->req_in_window = 0;
	}
	if (++p->req_in_window <= REQUESTS_PER_SECOND)
		return 1;
	p->dropped++;
	return 0;
}

/*
 * How far the BATCH just built (in s->out) took the peer: its next_cursor.
 * It decodes into s->msg, so the request it answers must not be used after.
 */
static void note_served(lfh_sync *s, const char *who)
{
	peer *p = peer_by_agency(s, who);
	lfh_err err = { 0 };

	if (p && lfh_msg_decode(s->out.data, s->out.len, s->msg, &err) == 0 &&
	    s->msg->cursor > p->served_upto)
		p->served_upto = s->msg->cursor;
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
				 p->bad_in_window - BAD_PER_SECOND, p->conf.agency);
		p->bad_window_ms = now;
		p->bad_in_window = 0;
	}
	return ++p->bad_in_window <= BAD_PER_SECOND;
}

/* Serve one request that arrived on our ROUTER from the agency `who`. */

static void serve_request(lfh_sync *s, const char *who, zmq_msg_t *rid, const lfh_msg *m)
{
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	int rc = 0;

	if (m->type == LFH_MSG_NOTIFY) {
		peer *p = peer_by_agency(s, who);
		if (p)
			sync_pull_from(s, p);
		return;
	}
	if (m->type != LFH_MSG_PULL && m->type != LFH_MSG_FETCH && m->type != LFH_MSG_RECOVER) {
		peer *p = peer_by_agency(s, who);
		if (p && bad_request_allowed(p)) /* as for malformed ones: no flood of ERRORs */
			router_error(s, rid, LFH_EINVAL, "unexpected message type");
		return;
	}
	if (!request_allowed(peer_by_agency(s, who)))
		return;
	if (peer_by_agency(s, who))
		peer_by_agency(s, who)->last_request_ms = lfh_wall_ms();
	if (m->type == LFH_MSG_PULL) {
		peer *p = peer_by_agency(s, who);
		if (p && m->cursor > p->their_cursor)
			p->their_cursor = m->cursor; /* it holds everything we had up to there */
	}
	lfh_buf_reset(&s->out);
	rc = lfh_txn_begin(s->node->store, 0, &t, &err);
	if (!rc && m->type == LFH_MSG_PULL)
		rc = lfh_serve_pull_held(s->node, t, who, m->cursor, m->max, m->held, m->nheld,
					 &s->out, &err);
	else if (!rc && m->type == LFH_MSG_RECOVER)
		rc = lfh_serve_recover(s->node, t, who, m->from, &s->out, &err);
	else if (!rc)
		rc = lfh_serve_fetch(s->node, t, who, m->author, m->from, m->to, &s->out, &err);
	lfh_txn_abort(t);
	if (rc) {
		log_warn("serving %s: %s", who, err.msg);
		router_error(s, rid, rc, "internal error");
		return;
	}
	if (m->type == LFH_MSG_PULL && s->node->rules.removed) /* rare: no cost on the hot path */
		note_served(s, who);
	router_reply(s, rid, &s->out);
}

static void handle_router(lfh_sync *s)
{
	zmq_msg_t f[3];
	lfh_err err = { 0 };
	int n = sync_recv_frames(s->router, f, 3);
	const char *who;

	if (n != 2) {
		if (n > 0)
			log_warn("dropped peer message with %d frames", n);
		sync_close_frames(f, n < 3 ? n : 3);
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
	sync_close_frames(f, 2);
}

/* Tell the recipients of what was newly stored. */
static void send_notifies(lfh_sync *s, const char notify[LFH_MAX_PEERS])
{
	for (size_t j = 0; j < s->npeers; j++)
		if (notify[j])
			lfh_sync_notify(s, s->peers[j].conf.agency);
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
	int k = 2;
	char notify[LFH_MAX_PEERS] = { 0 };
	size_t npeers = s->npeers; /* a batch may change membership: sockets change at the next tick */
	for (size_t i = 0; i < npeers; i++)
		for (int d = 0, nd = s->peers[i].ndealers; d < nd; d++, k++)
			if ((items[k].revents & ZMQ_POLLIN) && d < s->peers[i].ndealers)
				sync_handle_dealer(s, &s->peers[i], d, notify);
	/* whatever woke us: store the batches whose checks are done (the pool's fd is last) */
	sync_pipeline_run(s, 0, notify);
	send_notifies(s, notify);
	sync_pull_deferred(s, lfh_wall_ms());
}

int lfh_sync_wait_ms(const lfh_sync *s, int max_ms)
{
	return sync_pull_wait_ms(s, lfh_wall_ms(), max_ms);
}

/*
 * Removed from the hub: a peer is done with us once it pulled past our head,
 * or it was served up to our head (or 30 s passed) and has been quiet for 5 s
 * (it adopted the version that removed us, and no longer asks).
 */
#define DRAIN_QUIET_MS 5000
#define DRAIN_WAIT_MS 30000
#define DRAIN_MAX_MS 600000
static void drain_tick(lfh_sync *s, uint64_t now_ms)
{
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	uint64_t head = 0;
	size_t done = 0;

	if (!s->removed_ms)
		s->removed_ms = now_ms;
	if (lfh_txn_begin(s->node->store, 0, &t, &err) == 0)
		lfh_store_log_head(t, &head, &err);
	lfh_txn_abort(t);
	for (size_t i = 0; i < s->npeers; i++) {
		const peer *p = &s->peers[i];
		int quiet = now_ms - p->last_request_ms >= DRAIN_QUIET_MS;
		if (p->their_cursor >= head ||
		    (quiet && (p->served_upto >= head || now_ms - s->removed_ms >= DRAIN_WAIT_MS)))
			done++;
	}
	if (done == s->npeers || now_ms - s->removed_ms >= DRAIN_MAX_MS) {
		if (done < s->npeers)
			log_warn("removed from the hub: %zu of %zu peers may lack events we wrote; "
				 "stopping after %d minutes", s->npeers - done, s->npeers,
				 DRAIN_MAX_MS / 60000);
		s->drained = 1;
	}
}

int lfh_sync_removed_and_drained(const lfh_sync *s)
{
	return s->drained;
}

void lfh_sync_tick(lfh_sync *s, uint64_t now_ms)
{
	refresh_transport(s, now_ms);
	sync_link_tick(s, now_ms);
	if (s->node->rules.removed)
		drain_tick(s, now_ms);
	if (s->node->recovering)
		sync_recover_tick(s, now_ms);
	else
		sync_refetch_own_tick(s, now_ms);
	sync_streamer_tick(s);
	for (size_t i = 0; i < s->npeers; i++) {
		peer *p = &s->peers[i];
		sync_log_tick(p, now_ms);
		if (p->pull_inflight && now_ms - p->pull_sent_ms > REQUEST_TIMEOUT_MS)
			p->pull_inflight = p->discard = 0;
		sync_asks_expire(p, now_ms);
		if (!p->pull_inflight && now_ms - p->last_pull_ms >= PULL_INTERVAL_MS)
			sync_pull_from(s, p);
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
		sync_send_to_peer(p, &s->out); /* best effort: the periodic pull is the fallback */
}

size_t lfh_sync_npeers(const lfh_sync *s)
{
	return s->npeers;
}

void lfh_sync_peer_status(const lfh_sync *s, size_t i, lfh_peer_status *st)
{
	const peer *p = &s->peers[i];
	st->agency = p->conf.agency;
	st->endpoint = p->conf.endpoint;
	st->last_ms = p->last_reply_ms;
	st->connected = p->last_reply_ms && lfh_wall_ms() - p->last_reply_ms < CONNECTED_WINDOW_MS;
	st->received = p->received;
	st->stored = p->stored;
	st->rejected = p->rejected;
	st->held = p->held;
	st->other_hub = p->other_hub;
	st->dropped = p->dropped;
	st->caught_up_ms = p->caught_up_ms;
	st->since_ms = p->added_ms;
	st->recovered = p->recovered;
}

int lfh_sync_recovery_skip(lfh_sync *s, const char *agency, lfh_err *err)
{
	peer *p = peer_by_agency(s, agency);

	if (!s->node->recovering)
		return lfh_err_set(err, LFH_EINVAL, "this node is not recovering");
	if (!p)
		return lfh_err_set(err, LFH_ENOTFOUND, "%s is not a peer of this node", agency);
	if (p->recovered)
		return lfh_err_set(err, LFH_EINVAL, "%s has answered already", agency);
	p->recovered = 1;
	log_warn("recovery: %s taken as having answered, on an administrator's word: events of "
		 "ours only it held are not recovered", agency);
	return 0;
}
