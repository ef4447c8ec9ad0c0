/*
 * ctlgarbage - send malformed or unauthenticated requests to a node's control
 * socket, for the tests of its rate-limited logging and auditing (PROTOCOL.md
 * 10; issue #11 item 8).
 *
 *   ctlgarbage ENDPOINT COUNT [big | KEY=VALUE...]
 *
 * Connects a ZMQ_DEALER to ENDPOINT (ipc://...) and sends COUNT requests in
 * REQ framing without reading the answers: payloads that are not a msgpack
 * record or, with "big", well-formed unsigned records whose cmd and by are
 * 16000 bytes each (what a client without a key could have the node audit),
 * or the unsigned record of the KEY=VALUE fields given (as a client of an
 * earlier release would send it, to a node without users).
 * Exit 0 once all were sent, 1 on error, 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "lfh/buf.h"
#include "lfh/record.h"

/* An unsigned request whose cmd and by are 16000 bytes. */
static int big_request(lfh_buf *out)
{
	static char text[16001];
	lfh_record r = { 0 };
	lfh_err err = { 0 };
	int rc;

	memset(text, 'x', sizeof text - 1);
	rc = lfh_record_set_str(&r, "cmd", text, &err) || lfh_record_set_str(&r, "by", text, &err) ||
	     lfh_record_encode(&r, out, &err);
	lfh_record_clear(&r);
	if (rc)
		fprintf(stderr, "ctlgarbage: %s\n", err.msg);
	return rc;
}

/* The record of fields "key=value" (argv[0..n)). */
static int fields_request(char **kv, int n, lfh_buf *out)
{
	lfh_record r = { 0 };
	lfh_err err = { 0 };
	int rc = 0;

	for (int i = 0; rc == 0 && i < n; i++) {
		char *eq = strchr(kv[i], '=');
		if (!eq) {
			fprintf(stderr, "ctlgarbage: '%s' is not KEY=VALUE\n", kv[i]);
			rc = 1;
			break;
		}
		*eq = '\0';
		rc = lfh_record_set_str(&r, kv[i], eq + 1, &err);
	}
	if (!rc)
		rc = lfh_record_encode(&r, out, &err);
	if (rc && err.msg[0])
		fprintf(stderr, "ctlgarbage: %s\n", err.msg);
	lfh_record_clear(&r);
	return rc;
}

int main(int argc, char **argv)
{
	static const char garbage[] = "\xc1 not a request";
	long count = argc >= 3 ? strtol(argv[2], NULL, 10) : 0;
	int big = argc == 4 && !strcmp(argv[3], "big"), linger = 5000, rc = 0;
	lfh_buf req = { 0 };
	void *ctx, *sock;

	if (argc < 3 || count < 1 || count > 100000) {
		fprintf(stderr, "usage: ctlgarbage ENDPOINT COUNT (1..100000) [big | KEY=VALUE...]\n");
		return 2;
	}
	if (big ? big_request(&req)
		: argc > 3 ? fields_request(argv + 3, argc - 3, &req)
			   : lfh_buf_append(&req, garbage, sizeof garbage - 1))
		return 1;
	ctx = zmq_ctx_new();
	sock = ctx ? zmq_socket(ctx, ZMQ_DEALER) : NULL;
	if (!sock || zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger) ||
	    zmq_connect(sock, argv[1])) {
		fprintf(stderr, "ctlgarbage: cannot connect to %s: %s\n", argv[1],
			zmq_strerror(zmq_errno()));
		return 1;
	}
	for (long i = 0; i < count && rc == 0; i++)
		if (zmq_send(sock, "", 0, ZMQ_SNDMORE) < 0 ||
		    zmq_send(sock, req.data, req.len, 0) < 0)
			rc = 1;
	if (rc)
		fprintf(stderr, "ctlgarbage: send failed: %s\n", zmq_strerror(zmq_errno()));
	lfh_buf_free(&req);
	zmq_close(sock);
	zmq_ctx_term(ctx);
	return rc;
}
