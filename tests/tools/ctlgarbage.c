/*
 * ctlgarbage - send malformed requests to a node's control socket, for the
 * test of its rate-limited logging (PROTOCOL.md 10; issue #11 item 8).
 *
 *   ctlgarbage ENDPOINT COUNT
 *
 * Connects a ZMQ_DEALER to ENDPOINT (ipc://...) and sends COUNT requests in
 * REQ framing whose payload is not a msgpack record, without reading the
 * answers. Exit 0 once all were sent, 1 on error, 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>

#include <zmq.h>

int main(int argc, char **argv)
{
	static const char garbage[] = "\xc1 not a request";
	long count = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
	int linger = 5000, rc = 0;
	void *ctx, *sock;

	if (argc != 3 || count < 1 || count > 100000) {
		fprintf(stderr, "usage: ctlgarbage ENDPOINT COUNT (1..100000)\n");
		return 2;
	}
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
		    zmq_send(sock, garbage, sizeof garbage - 1, 0) < 0)
			rc = 1;
	if (rc)
		fprintf(stderr, "ctlgarbage: send failed: %s\n", zmq_strerror(zmq_errno()));
	zmq_close(sock);
	zmq_ctx_term(ctx);
	return rc;
}
