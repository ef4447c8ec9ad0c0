/*
 * evilpeer - a member agency's node answering its peers with crafted
 * replies (tests/integration/test_sync_hostile.sh and friends).
 *
 *   evilpeer --keys KEYDIR --listen ENDPOINT [--config CONF --event HEX]
 *            [--copies N] MODE [SECONDS]
 *
 * Binds a CURVE ROUTER at ENDPOINT with the curve key of KEYDIR (the
 * agency's own keys, so its peers' dealers connect to it), with no ZAP
 * handler: every client is admitted, as a modified node may do. Runs for
 * SECONDS (default 60) or until SIGTERM/SIGINT, then prints
 * "pulls P fetches F recovers R other O floods N" and exits 0.
 *
 * MODE (the defect of PROTOCOL.md 9 it probes):
 *   stream   every PULL is answered at once with BATCH(cursor+1, more=true,
 *            [], incarnation 42): a "streamer" that never delivers (9.4);
 *            FETCH and RECOVER get an empty FETCHED.
 *   recover  every RECOVER gets a FETCHED holding one junk 1-byte envelope,
 *            never an empty one (9.9); PULL gets BATCH(cursor, false, []).
 *   flood    (needs --config and --event) the envelope HEX names in CONF's
 *            store (its lfhd must not be running), COPIES copies per BATCH
 *            (default 4096), sent unasked as fast as the socket takes them
 *            to every peer that has sent anything, with the store's
 *            incarnation; requests are read and never answered (9.8).
 *
 * Exit 2 on bad usage, 1 on local errors.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <zmq.h>

#include "lfh/buf.h"
#include "lfh/config.h"
#include "lfh/err.h"
#include "lfh/identity.h"
#include "lfh/log.h"
#include "lfh/node.h"
#include "lfh/store.h"
#include "lfh/wire.h"

#define MAX_CLIENTS 16

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

typedef struct opts {
	const char *keys, *listen, *mode, *conf, *event;
	int copies, seconds;
} opts;

typedef struct counts {
	unsigned long pulls, fetches, recovers, other, floods;
} counts;

/* The clients that have sent something: flood mode sends to each. */
typedef struct clients {
	zmq_msg_t rid[MAX_CLIENTS];
	int n;
} clients;

static int parse(int argc, char **argv, opts *o)
{
	*o = (opts){ .copies = 4096, .seconds = 60 };
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--keys") && i + 1 < argc)
			o->keys = argv[++i];
		else if (!strcmp(argv[i], "--listen") && i + 1 < argc)
			o->listen = argv[++i];
		else if (!strcmp(argv[i], "--config") && i + 1 < argc)
			o->conf = argv[++i];
		else if (!strcmp(argv[i], "--event") && i + 1 < argc)
			o->event = argv[++i];
		else if (!strcmp(argv[i], "--copies") && i + 1 < argc)
			o->copies = atoi(argv[++i]);
		else if (!o->mode)
			o->mode = argv[i];
		else
			o->seconds = atoi(argv[i]);
	}
	if (!o->keys || !o->listen || !o->mode ||
	    (strcmp(o->mode, "stream") && strcmp(o->mode, "recover") && strcmp(o->mode, "flood")) ||
	    (!strcmp(o->mode, "flood") && (!o->conf || !o->event)) || o->copies < 1) {
		fprintf(stderr, "usage: evilpeer --keys KEYDIR --listen ENDPOINT [--config CONF "
				"--event HEX] [--copies N] stream|recover|flood [SECONDS]\n");
		return -1;
	}
	return 0;
}

/* The BATCH flood mode sends: COPIES copies of the event HEX names in CONF's store. */
static int flood_frame(const opts *o, lfh_buf *out)
{
	static lfh_config cfg;
	lfh_node *n = NULL;
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	uint8_t id[LFH_ID_LEN];
	const uint8_t *raw;
	size_t len = 0;
	lfh_batch_writer w;
	int rc;

	if (lfh_config_load(o->conf, &cfg, &err) || lfh_unhex(id, LFH_ID_LEN, o->event)) {
		fprintf(stderr, "evilpeer: %s\n", err.msg[0] ? err.msg : "bad --event");
		return -1;
	}
	cfg.log_level = LFH_LOG_ERROR;
	if (lfh_node_open(&n, &cfg, &err) || lfh_txn_begin(n->store, 0, &t, &err) ||
	    lfh_store_get_event(t, id, &raw, &len, &err)) {
		fprintf(stderr, "evilpeer: %s\n", err.msg);
		return -1;
	}
	lfh_batch_begin(&w, LFH_MSG_BATCH);
	w.incarnation = n->incarnation;
	for (int i = 0; i < o->copies && lfh_batch_add(&w, raw, len) == 0; i++)
		;
	rc = lfh_batch_finish(&w, 0, 0, out, &err);
	fprintf(stderr, "evilpeer: flood frame of %zu bytes, %zu envelopes\n", out->len, w.n);
	lfh_batch_free(&w);
	lfh_txn_abort(t);
	lfh_node_close(n);
	return rc;
}

/* The crafted answer to request m (empty: none). */
static void answer(const opts *o, const lfh_msg *m, lfh_buf *out, counts *c)
{
	static const uint8_t junk[1] = { 0xc0 };
	lfh_batch_writer w;
	lfh_err err = { 0 };
	int stream = !strcmp(o->mode, "stream");

	lfh_buf_reset(out);
	if (m->type == LFH_MSG_PULL) {
		c->pulls++;
		lfh_batch_begin(&w, LFH_MSG_BATCH);
		w.incarnation = 42;
		lfh_batch_finish(&w, stream ? m->cursor + 1 : m->cursor, stream, out, &err);
	} else if (m->type == LFH_MSG_FETCH || m->type == LFH_MSG_RECOVER) {
		c->fetches += m->type == LFH_MSG_FETCH;
		c->recovers += m->type == LFH_MSG_RECOVER;
		lfh_batch_begin(&w, LFH_MSG_FETCHED);
		if (m->type == LFH_MSG_RECOVER && !strcmp(o->mode, "recover"))
			lfh_batch_add(&w, junk, sizeof junk);
		lfh_batch_finish(&w, 0, 0, out, &err);
	} else {
		c->other++;
		return;
	}
	lfh_batch_free(&w);
}

/* Remember a client that sent something (flood mode sends to it). */
static void remember(clients *cl, zmq_msg_t *rid)
{
	for (int i = 0; i < cl->n; i++)
		if (zmq_msg_size(&cl->rid[i]) == zmq_msg_size(rid) &&
		    !memcmp(zmq_msg_data(&cl->rid[i]), zmq_msg_data(rid), zmq_msg_size(rid)))
			return;
	if (cl->n < MAX_CLIENTS) {
		zmq_msg_init(&cl->rid[cl->n]);
		zmq_msg_copy(&cl->rid[cl->n++], rid);
	}
}

/* Read one request; answer it unless flooding. */
static void serve_one(void *r, const opts *o, lfh_msg *m, lfh_buf *out, clients *cl, counts *c)
{
	zmq_msg_t rid, body;
	lfh_err err = { 0 };

	zmq_msg_init(&rid);
	zmq_msg_init(&body);
	if (zmq_msg_recv(&rid, r, ZMQ_DONTWAIT) >= 0 && zmq_msg_more(&rid) &&
	    zmq_msg_recv(&body, r, 0) >= 0) {
		remember(cl, &rid);
		if (strcmp(o->mode, "flood") &&
		    lfh_msg_decode(zmq_msg_data(&body), zmq_msg_size(&body), m, &err) == 0) {
			answer(o, m, out, c);
			if (out->len && zmq_send(r, zmq_msg_data(&rid), zmq_msg_size(&rid),
						 ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
				zmq_send(r, out->data, out->len, ZMQ_DONTWAIT);
		}
	}
	zmq_msg_close(&rid);
	zmq_msg_close(&body);
}

/* Send the flood frame to every known client the socket takes it for. */
static void flood(void *r, const clients *cl, const lfh_buf *fl, counts *c)
{
	for (int i = 0; i < cl->n; i++)
		if (zmq_send(r, zmq_msg_data((zmq_msg_t *)&cl->rid[i]), zmq_msg_size((zmq_msg_t *)&cl->rid[i]),
			     ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0 &&
		    zmq_send(r, fl->data, fl->len, ZMQ_DONTWAIT) >= 0)
			c->floods++;
}

int main(int argc, char **argv)
{
	opts o;
	lfh_identity *id = NULL;
	lfh_err err = { 0 };
	lfh_buf fl = { 0 }, out = { 0 };
	counts c = { 0 };
	clients cl = { .n = 0 };
	int one = 1, linger = 0;

	if (parse(argc, argv, &o))
		return 2;
	if (sodium_init() < 0 || lfh_identity_load(o.keys, &id, &err)) {
		fprintf(stderr, "evilpeer: %s\n", err.msg);
		return 1;
	}
	if (!strcmp(o.mode, "flood") && flood_frame(&o, &fl))
		return 1;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	void *ctx = zmq_ctx_new(), *r = zmq_socket(ctx, ZMQ_ROUTER);
	lfh_msg *m = malloc(sizeof *m);
	zmq_setsockopt(r, ZMQ_LINGER, &linger, sizeof linger);
	zmq_setsockopt(r, ZMQ_CURVE_SERVER, &one, sizeof one);
	zmq_setsockopt(r, ZMQ_CURVE_SECRETKEY, id->curve_sk, 32);
	if (!m || zmq_bind(r, o.listen)) {
		fprintf(stderr, "evilpeer: bind %s: %s\n", o.listen, zmq_strerror(zmq_errno()));
		return 1;
	}
	for (time_t end = time(NULL) + o.seconds; !g_stop && time(NULL) < end;) {
		zmq_pollitem_t it = { .socket = r, .events = ZMQ_POLLIN };
		if (fl.len)
			flood(r, &cl, &fl, &c);
		if (zmq_poll(&it, 1, fl.len && cl.n ? 0 : 100) > 0)
			serve_one(r, &o, m, &out, &cl, &c);
	}
	printf("pulls %lu fetches %lu recovers %lu other %lu floods %lu\n", c.pulls, c.fetches,
	       c.recovers, c.other, c.floods);
	for (int i = 0; i < cl.n; i++)
		zmq_msg_close(&cl.rid[i]);
	free(m);
	lfh_identity_free(id);
	lfh_buf_free(&fl);
	lfh_buf_free(&out);
	zmq_close(r);
	zmq_ctx_term(ctx);
	return 0;
}
