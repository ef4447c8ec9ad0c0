/*
 * ctl_client.h - the benchmark's client of a daemon's control socket: ask
 * "status" and read how many events the node holds (tests/bench/bench.c).
 */
#ifndef LFH_BENCH_CTL_CLIENT_H
#define LFH_BENCH_CTL_CLIENT_H

#include <stdint.h>
#include <stdio.h>

#include <zmq.h>

#include "lfh/buf.h"
#include "lfh/record.h"
#include "lfh/wire.h"

/* A REQ client of one daemon's control socket. */
typedef struct ctl_client {
	void *zctx;
	void *sock;
	const char *endpoint;
	lfh_buf req;
} ctl_client;

/*
 * Connect (again) to the daemon's control socket. A daemon just started may
 * not have bound it yet: ZeroMQ then retries every ZMQ_RECONNECT_IVL, 100 ms
 * by default, which a catch-up timed from the daemon's start would count as
 * its own; 5 ms keeps that out of the figures.
 */
static int ctl_connect(ctl_client *c)
{
	int linger = 0, reconnect_ms = 5;
	if (c->sock)
		zmq_close(c->sock);
	c->sock = zmq_socket(c->zctx, ZMQ_REQ);
	if (!c->sock || zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger) ||
	    zmq_setsockopt(c->sock, ZMQ_RECONNECT_IVL, &reconnect_ms, sizeof reconnect_ms) ||
	    zmq_connect(c->sock, c->endpoint)) {
		fprintf(stderr, "bench: control socket %s: %s\n", c->endpoint,
			zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

/*
 * Ask for status and return the node's "events" in *events (and, if received is
 * not NULL, the sum of its peers' "received" in *received). 0 on an answer,
 * 1 if none came within timeout_ms (the socket is then reset), -1 on error.
 */
static int ctl_status(ctl_client *c, int timeout_ms, uint64_t *events, uint64_t *received)
{
	zmq_pollitem_t it;
	zmq_msg_t m;
	lfh_reply rep;
	lfh_err err = { 0 };
	int rc;

	if (!c->sock && ctl_connect(c))
		return -1;
	if (!c->req.len) {
		lfh_record r = { 0 };
		rc = lfh_record_set_str(&r, "cmd", "status", &err);
		if (!rc)
			rc = lfh_record_set_str(&r, "by", "bench", &err);
		if (!rc)
			rc = lfh_record_encode(&r, &c->req, &err);
		lfh_record_clear(&r);
		if (rc) {
			fprintf(stderr, "bench: encoding the status request: %s\n", err.msg);
			return -1;
		}
	}
	if (zmq_send(c->sock, c->req.data, c->req.len, 0) < 0) {
		ctl_connect(c);
		return 1;
	}
	it = (zmq_pollitem_t){ .socket = c->sock, .events = ZMQ_POLLIN };
	rc = zmq_poll(&it, 1, timeout_ms);
	if (rc <= 0) {
		/* No answer (not up yet, or busy): a REQ socket must be reset. */
		if (ctl_connect(c))
			return -1;
		return 1;
	}
	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, c->sock, 0) < 0) {
		zmq_msg_close(&m);
		ctl_connect(c);
		return 1;
	}
	memset(&rep, 0, sizeof rep);
	rc = lfh_reply_decode(zmq_msg_data(&m), zmq_msg_size(&m), &rep, &err);
	zmq_msg_close(&m);
	if (rc) {
		fprintf(stderr, "bench: undecodable status reply from %s: %s\n", c->endpoint,
			err.msg);
		return -1;
	}
	rc = 0;
	if (rep.code != 0) {
		fprintf(stderr, "bench: status at %s failed (%lld): %s\n", c->endpoint,
			(long long)rep.code, rep.message);
		rc = -1;
	} else if (rep.nrecords < 1 || !lfh_record_uint(&rep.records[0], "events", events)) {
		fprintf(stderr, "bench: status reply from %s has no \"events\"\n", c->endpoint);
		rc = -1;
	}
	if (received) { /* every peer's "received": envelopes that came, duplicates included */
		*received = 0;
		for (size_t i = 1; i < rep.nrecords; i++) {
			uint64_t r = 0;
			if (lfh_record_uint(&rep.records[i], "received", &r))
				*received += r;
		}
	}
	lfh_reply_clear(&rep);
	return rc;
}

static int ctl_events(ctl_client *c, int timeout_ms, uint64_t *events)
{
	return ctl_status(c, timeout_ms, events, NULL);
}

static void ctl_close(ctl_client *c)
{
	if (c->sock)
		zmq_close(c->sock);
	c->sock = NULL;
	lfh_buf_free(&c->req);
}

#endif
