/*
 * rawpeer - a hostile / diagnostic peer for integration tests.
 *
 *   rawpeer --keys KEYDIR --server-pub PUBFILE --endpoint tcp://HOST:PORT
 *           [--timeout MS] MODE
 *
 * Connects a ZMQ_DEALER to a node's peer socket with CURVE, using the
 * identity in KEYDIR (an `lfh keys init` directory) as the client keys and
 * the curve key in PUBFILE (an `lfh keys export` file) as the server key.
 *
 * MODEs:
 *   pull     send PULL(0, 1024); wait up to --timeout ms (default 3000) for
 *            a reply; print "reply type=N events=M" and exit 0, or print
 *            "no reply" and exit 3.
 *   garbage  send 100 random frames (1..2000 bytes), a truncated PULL, a few
 *            well-formed msgpack frames of the wrong shape, a 5 MiB frame
 *            (libzmq may drop the connection for it, so a new socket is
 *            opened afterwards), a BATCH of 3 random blobs; then a valid
 *            PULL. Exit 0 if that PULL got a BATCH reply, 3 if not.
 *   wrongtype  send 50 well-formed ERROR messages (a type a server is never
 *            sent), then read for --timeout ms; print "answers N" (the
 *            ERRORs the node sent back) and exit 0.
 *   flood    for --timeout ms, send PULL(0, 1024) as fast as the socket
 *            takes them and never read a reply (its receive queue holds
 *            one message, so what the node sends backs up at the node);
 *            print "sent N pulls" and exit 0.
 *
 * Connection diagnostics (handshake refused, disconnected) go to stderr as
 * lines starting with "rawpeer: ". Exit 2 on bad usage, 1 on local errors,
 * 4 if a reply could not be decoded.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <zmq.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/identity.h"
#include "lfh/wire.h"

#define SEND_TIMEOUT_MS 5000
#define OVERSIZE_BYTES (5u * 1024u * 1024u)
#define RECV_MAX (LFH_FRAME_MAX + 65536)

static void *g_ctx;
static char g_server_pk[41], g_client_pk[41], g_client_sk[41];
static const char *g_endpoint;
static int g_monitor_seq;
static int g_rcvhwm; /* 0: libzmq's default */

typedef struct conn {
	void *sock;
	void *mon;      /* PAIR socket receiving monitor events, or NULL */
	int handshake;  /* 1 succeeded, -1 failed, 0 unknown */
	int disconnected;
} conn;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(void)
{
	fprintf(stderr, "usage: rawpeer --keys KEYDIR --server-pub PUBFILE --endpoint ENDPOINT "
			"[--timeout MS] pull|garbage|flood\n");
}

static int setopt_int(void *s, int opt, int v)
{
	return zmq_setsockopt(s, opt, &v, sizeof v);
}

static int conn_open(conn *c, int linger)
{
	memset(c, 0, sizeof *c);
	c->sock = zmq_socket(g_ctx, ZMQ_DEALER);
	if (!c->sock)
		goto fail;
	if (g_rcvhwm && (setopt_int(c->sock, ZMQ_RCVHWM, g_rcvhwm) != 0 ||
			 setopt_int(c->sock, ZMQ_RCVBUF, 4096) != 0))
		goto fail;
	int64_t maxmsg = RECV_MAX;
	if (zmq_setsockopt(c->sock, ZMQ_CURVE_SERVERKEY, g_server_pk, 41) != 0 ||
	    zmq_setsockopt(c->sock, ZMQ_CURVE_PUBLICKEY, g_client_pk, 41) != 0 ||
	    zmq_setsockopt(c->sock, ZMQ_CURVE_SECRETKEY, g_client_sk, 41) != 0 ||
	    setopt_int(c->sock, ZMQ_LINGER, linger) != 0 ||
	    setopt_int(c->sock, ZMQ_SNDTIMEO, SEND_TIMEOUT_MS) != 0 ||
	    zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0)
		goto fail;

	char addr[64];
	snprintf(addr, sizeof addr, "inproc://rawpeer-monitor-%d", ++g_monitor_seq);
	if (zmq_socket_monitor(c->sock, addr,
			       ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
				       ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
				       ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
				       ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) == 0) {
		c->mon = zmq_socket(g_ctx, ZMQ_PAIR);
		if (c->mon) {
			setopt_int(c->mon, ZMQ_LINGER, 0);
			if (zmq_connect(c->mon, addr) != 0) {
				zmq_close(c->mon);
				c->mon = NULL;
			}
		}
	}
	if (zmq_connect(c->sock, g_endpoint) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "rawpeer: socket setup for %s: %s\n", g_endpoint, zmq_strerror(zmq_errno()));
	if (c->sock)
		zmq_close(c->sock);
	if (c->mon)
		zmq_close(c->mon);
	memset(c, 0, sizeof *c);
	return -1;
}

static void conn_close(conn *c)
{
	if (c->sock) {
		zmq_socket_monitor(c->sock, NULL, 0);
		setopt_int(c->sock, ZMQ_LINGER, 0);
		zmq_close(c->sock);
	}
	if (c->mon)
		zmq_close(c->mon);
	memset(c, 0, sizeof *c);
}

/* Consume pending monitor events without blocking. */
static void conn_drain_monitor(conn *c)
{
	if (!c->mon)
		return;
	for (;;) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, c->mon, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			return;
		}
		uint16_t ev = 0;
		uint32_t val = 0;
		if (zmq_msg_size(&m) >= 6) {
			const uint8_t *d = zmq_msg_data(&m);
			memcpy(&ev, d, 2);
			memcpy(&val, d + 2, 4);
		}
		int more = zmq_msg_more(&m);
		zmq_msg_close(&m);
		while (more) { /* second frame: endpoint */
			zmq_msg_t m2;
			zmq_msg_init(&m2);
			if (zmq_msg_recv(&m2, c->mon, 0) < 0) {
				zmq_msg_close(&m2);
				break;
			}
			more = zmq_msg_more(&m2);
			zmq_msg_close(&m2);
		}
		switch (ev) {
		case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
			if (c->handshake != 1)
				fprintf(stderr, "rawpeer: CURVE handshake succeeded\n");
			c->handshake = 1;
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
			if (c->handshake != -1)
				fprintf(stderr, "rawpeer: handshake refused by server (auth, status %u)\n",
					val);
			c->handshake = -1;
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
		case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
			if (c->handshake != -1)
				fprintf(stderr, "rawpeer: handshake failed (event 0x%x, %u)\n", ev, val);
			c->handshake = -1;
			break;
		case ZMQ_EVENT_DISCONNECTED:
			if (!c->disconnected)
				fprintf(stderr, "rawpeer: disconnected by peer\n");
			c->disconnected++;
			break;
		default:
			break;
		}
	}
}

static int send_frame(conn *c, const void *p, size_t n, const char *what)
{
	if (zmq_send(c->sock, p, n, 0) < 0) {
		printf("send %s (%zu bytes) failed: %s\n", what, n, zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

/*
 * Wait up to timeout_ms for one message; returns its size (>= 0) with *out
 * a malloc'd copy, or -1 on timeout. Monitor events are processed meanwhile.
 */
static long recv_one(conn *c, long timeout_ms, uint8_t **out)
{
	int64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left < 0)
			left = 0;
		zmq_pollitem_t items[2] = {{c->sock, 0, ZMQ_POLLIN, 0}, {c->mon, 0, ZMQ_POLLIN, 0}};
		int nitems = c->mon ? 2 : 1;
		int rc = zmq_poll(items, nitems, left > 100 ? 100 : (long)left);
		if (rc < 0 && zmq_errno() != EINTR) {
			fprintf(stderr, "rawpeer: poll: %s\n", zmq_strerror(zmq_errno()));
			return -1;
		}
		if (nitems == 2 && (items[1].revents & ZMQ_POLLIN))
			conn_drain_monitor(c);
		if (items[0].revents & ZMQ_POLLIN) {
			zmq_msg_t m;
			zmq_msg_init(&m);
			if (zmq_msg_recv(&m, c->sock, ZMQ_DONTWAIT) >= 0) {
				size_t n = zmq_msg_size(&m);
				uint8_t *copy = malloc(n ? n : 1);
				if (!copy) {
					zmq_msg_close(&m);
					return -1;
				}
				memcpy(copy, zmq_msg_data(&m), n);
				int more = zmq_msg_more(&m);
				zmq_msg_close(&m);
				while (more) { /* not our protocol: skip extra frames */
					zmq_msg_t m2;
					zmq_msg_init(&m2);
					if (zmq_msg_recv(&m2, c->sock, 0) < 0) {
						zmq_msg_close(&m2);
						break;
					}
					more = zmq_msg_more(&m2);
					zmq_msg_close(&m2);
				}
				*out = copy;
				return (long)n;
			}
			zmq_msg_close(&m);
		}
		if (now_ms() >= deadline)
			return -1;
	}
}

/* Decode and describe a reply; returns its type, or -1 if undecodable. */
static int describe(const char *prefix, const uint8_t *raw, size_t len, lfh_msg *m)
{
	lfh_err err;
	lfh_err_clear(&err);
	memset(m, 0, sizeof *m);
	if (lfh_msg_decode(raw, len, m, &err) != 0) {
		printf("%sundecodable reply (%zu bytes): %s\n", prefix, len, err.msg);
		return -1;
	}
	switch (m->type) {
	case LFH_MSG_BATCH:
	case LFH_MSG_FETCHED:
		printf("%sreply type=%u events=%zu\n", prefix, m->type, m->nevents);
		break;
	case LFH_MSG_ERROR:
		printf("%sreply type=%u events=0 error=%lld %s\n", prefix, m->type,
		       (long long)m->code, m->text);
		break;
	default:
		printf("%sreply type=%u events=0\n", prefix, m->type);
		break;
	}
	return (int)m->type;
}

static int encode_pull(lfh_buf *b)
{
	lfh_err err;
	lfh_err_clear(&err);
	if (lfh_msg_encode_pull(b, 0, 1024, &err) != 0) {
		fprintf(stderr, "rawpeer: encode PULL: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int mode_pull(long timeout_ms, lfh_msg *m)
{
	conn c;
	lfh_buf b = {0};
	if (conn_open(&c, 0) != 0 || encode_pull(&b) != 0)
		return 1;
	int rc = 3;
	if (send_frame(&c, b.data, b.len, "PULL") == 0) {
		int64_t deadline = now_ms() + timeout_ms;
		for (;;) {
			long left = (long)(deadline - now_ms());
			uint8_t *raw = NULL;
			long n = left > 0 ? recv_one(&c, left, &raw) : -1;
			if (n < 0) {
				printf("no reply\n");
				rc = 3;
				break;
			}
			int t = describe("", raw, (size_t)n, m);
			free(raw);
			if (t == LFH_MSG_NOTIFY)
				continue; /* unsolicited: keep waiting for the answer */
			rc = t < 0 ? 4 : 0;
			break;
		}
	}
	conn_drain_monitor(&c);
	lfh_buf_free(&b);
	conn_close(&c);
	return rc;
}

/* Messages of a type no server takes: the node answers a few, not every one. */
static int mode_wrongtype(long timeout_ms)
{
	conn c;
	lfh_buf b = {0};
	lfh_err err;
	long answers = 0;

	lfh_err_clear(&err);
	if (conn_open(&c, 0) != 0)
		return 1;
	if (lfh_msg_encode_error(&b, LFH_EINVAL, "not a request", &err) != 0) {
		fprintf(stderr, "rawpeer: encode ERROR: %s\n", err.msg);
		conn_close(&c);
		return 1;
	}
	for (int i = 0; i < 50; i++)
		if (send_frame(&c, b.data, b.len, "ERROR") != 0)
			break;
	for (int64_t deadline = now_ms() + timeout_ms;;) {
		long left = (long)(deadline - now_ms());
		uint8_t *raw = NULL;
		long n = left > 0 ? recv_one(&c, left, &raw) : -1;
		if (n < 0)
			break;
		answers += n > 1 && raw[1] == LFH_MSG_ERROR;
		free(raw);
	}
	printf("answers %ld\n", answers);
	conn_drain_monitor(&c);
	lfh_buf_free(&b);
	conn_close(&c);
	return 0;
}

/* Requests and never a read: the node must bound what it queues for us. */
static int mode_flood(long timeout_ms)
{
	conn c;
	lfh_buf b = {0};
	long sent = 0;

	g_rcvhwm = 1;
	if (conn_open(&c, 0) != 0 || encode_pull(&b) != 0)
		return 1;
	for (int64_t deadline = now_ms() + timeout_ms; now_ms() < deadline;) {
		if (zmq_send(c.sock, b.data, b.len, ZMQ_DONTWAIT) >= 0)
			sent++;
		else
			zmq_poll(NULL, 0, 1); /* our own send queue is full: a moment */
	}
	printf("sent %ld pulls\n", sent);
	conn_drain_monitor(&c);
	lfh_buf_free(&b);
	conn_close(&c);
	return 0;
}

/* Summary of a reply, for counting alike replies. */
static void reply_summary(const uint8_t *raw, size_t len, lfh_msg *m, char *out, size_t outsz)
{
	lfh_err err;
	lfh_err_clear(&err);
	memset(m, 0, sizeof *m);
	if (lfh_msg_decode(raw, len, m, &err) != 0)
		snprintf(out, outsz, "undecodable reply: %s", err.msg);
	else if (m->type == LFH_MSG_ERROR)
		snprintf(out, outsz, "reply type=%u error=%lld %s", m->type, (long long)m->code,
			 m->text);
	else
		snprintf(out, outsz, "reply type=%u events=%zu", m->type, m->nevents);
}

/*
 * Receive whatever arrives within wait_ms (replies to garbage) and print
 * each distinct kind of reply once, with a count.
 */
#define KINDS_MAX 32
static void drain_replies(conn *c, long wait_ms, lfh_msg *m, const char *what)
{
	static char kind[KINDS_MAX][LFH_ERRMSG_MAX + 64];
	int count[KINDS_MAX] = {0};
	int nkinds = 0, n = 0, other = 0;
	int64_t deadline = now_ms() + wait_ms;
	for (;;) {
		long left = (long)(deadline - now_ms());
		uint8_t *raw = NULL;
		long len = recv_one(c, left > 0 ? left : 0, &raw);
		if (len < 0)
			break;
		char sum[sizeof kind[0]];
		reply_summary(raw, (size_t)len, m, sum, sizeof sum);
		free(raw);
		n++;
		int k;
		for (k = 0; k < nkinds; k++)
			if (!strcmp(kind[k], sum))
				break;
		if (k == nkinds) {
			if (nkinds == KINDS_MAX) {
				other++;
				continue;
			}
			snprintf(kind[nkinds++], sizeof kind[0], "%s", sum);
		}
		count[k]++;
	}
	for (int k = 0; k < nkinds; k++)
		printf("%s: %d x %s\n", what, count[k], kind[k]);
	if (other)
		printf("%s: %d x other replies\n", what, other);
	printf("%s: %d replies\n", what, n);
}

static int mode_garbage(long timeout_ms, lfh_msg *m)
{
	conn c;
	lfh_buf pull = {0};
	uint8_t *big = NULL;
	int rc = 1, failures = 0;
	lfh_err err;
	lfh_err_clear(&err);

	if (encode_pull(&pull) != 0 || conn_open(&c, 0) != 0)
		goto out_nosock;

	/* 1. random frames */
	uint8_t rnd[2000];
	for (int i = 0; i < 100; i++) {
		size_t n = 1 + randombytes_uniform(sizeof rnd);
		randombytes_buf(rnd, n);
		if (send_frame(&c, rnd, n, "random frame") != 0)
			failures++;
	}
	printf("sent 100 random frames\n");

	/* 2. truncated PULL */
	if (send_frame(&c, pull.data, pull.len - 1, "truncated PULL") != 0)
		failures++;
	printf("sent truncated PULL (%zu of %zu bytes)\n", pull.len - 1, pull.len);

	/* 3. well-formed msgpack of the wrong shape */
	static const struct {
		const char *what;
		uint8_t bytes[8];
		size_t len;
	} wrong[] = {
		{"[1, \"x\", -1]", {0x93, 0x01, 0xa1, 'x', 0xff}, 5},
		{"[99]", {0x91, 0x63}, 2},
		{"[]", {0x90}, 1},
		{"{}", {0x80}, 1},
		{"nil", {0xc0}, 1},
		{"[2, -1, \"no\", 7]", {0x94, 0x02, 0xff, 0xa2, 'n', 'o', 0x07}, 7},
		{"[1, 0, 1024, 0] (extra element)", {0x94, 0x01, 0x00, 0xcd, 0x04, 0x00, 0x00}, 7},
	};
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		if (send_frame(&c, wrong[i].bytes, wrong[i].len, wrong[i].what) != 0)
			failures++;
	}
	printf("sent %zu wrongly typed frames\n", sizeof wrong / sizeof wrong[0]);

	/* 4. oversize frame */
	big = malloc(OVERSIZE_BYTES);
	if (!big) {
		fprintf(stderr, "rawpeer: out of memory\n");
		goto out;
	}
	randombytes_buf(big, OVERSIZE_BYTES);
	big[0] = 0x94; /* looks like the start of an array, to tempt a decoder */
	big[1] = LFH_MSG_BATCH;
	if (send_frame(&c, big, OVERSIZE_BYTES, "oversize frame") != 0)
		failures++;
	printf("sent oversize frame (%u bytes)\n", OVERSIZE_BYTES);
	free(big);
	big = NULL;

	/* Did the peer drop us? Watch the monitor (bounded), collect replies. */
	drain_replies(&c, 1500, m, "replies on first connection");
	conn_drain_monitor(&c);
	printf("oversize frame: %s\n",
	       c.disconnected ? "peer dropped the connection" : "connection still open");
	if (c.handshake < 0)
		printf("warning: CURVE handshake was refused on the first connection\n");
	conn_close(&c);

	/* 5. new connection: BATCH of random blobs, then a valid PULL */
	if (conn_open(&c, 0) != 0)
		goto out_nosock;
	lfh_batch_writer w;
	lfh_batch_begin(&w, LFH_MSG_BATCH);
	for (int i = 0; i < 3; i++) {
		uint8_t blob[1024];
		size_t n = 64 + randombytes_uniform(sizeof blob - 64);
		randombytes_buf(blob, n);
		if (lfh_batch_add(&w, blob, n) != 0)
			fprintf(stderr, "rawpeer: batch add failed\n");
	}
	lfh_buf batch = {0};
	if (lfh_batch_finish(&w, 1, 0, &batch, &err) != 0) {
		fprintf(stderr, "rawpeer: encode BATCH: %s\n", err.msg);
		lfh_batch_free(&w);
		goto out;
	}
	lfh_batch_free(&w);
	if (send_frame(&c, batch.data, batch.len, "BATCH of random blobs") != 0)
		failures++;
	printf("sent BATCH of 3 random blobs (%zu bytes)\n", batch.len);
	lfh_buf_free(&batch);

	if (send_frame(&c, pull.data, pull.len, "final PULL") != 0) {
		printf("final pull: not sent\n");
		rc = 3;
		goto out;
	}
	rc = 3;
	int64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		long left = (long)(deadline - now_ms());
		uint8_t *raw = NULL;
		long n = left > 0 ? recv_one(&c, left, &raw) : -1;
		if (n < 0) {
			printf("final pull: no reply\n");
			break;
		}
		int t = describe("final connection: ", raw, (size_t)n, m);
		free(raw);
		if (t == LFH_MSG_BATCH) {
			printf("final pull: reply type=%u events=%zu\n", m->type, m->nevents);
			rc = 0;
			break;
		}
	}
	conn_drain_monitor(&c);
	printf("send failures: %d\n", failures);
out:
	conn_close(&c);
out_nosock:
	free(big);
	lfh_buf_free(&pull);
	return rc;
}

int main(int argc, char **argv)
{
	const char *keydir = NULL, *pubfile = NULL, *mode = NULL;
	long timeout_ms = 3000;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((!strcmp(a, "--keys") || !strcmp(a, "--server-pub") || !strcmp(a, "--endpoint") ||
		     !strcmp(a, "--timeout")) &&
		    i + 1 < argc) {
			const char *v = argv[++i];
			if (!strcmp(a, "--keys"))
				keydir = v;
			else if (!strcmp(a, "--server-pub"))
				pubfile = v;
			else if (!strcmp(a, "--endpoint"))
				g_endpoint = v;
			else {
				char *end = NULL;
				errno = 0;
				timeout_ms = strtol(v, &end, 10);
				if (errno || end == v || *end || timeout_ms < 0 || timeout_ms > 3600000) {
					fprintf(stderr, "rawpeer: bad --timeout %s\n", v);
					return 2;
				}
			}
		} else if (a[0] == '-' || mode) {
			usage();
			return 2;
		} else {
			mode = a;
		}
	}
	if (!keydir || !pubfile || !g_endpoint || !mode ||
	    (strcmp(mode, "pull") != 0 && strcmp(mode, "garbage") != 0 &&
	     strcmp(mode, "flood") != 0 && strcmp(mode, "wrongtype") != 0)) {
		usage();
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sodium_init() < 0) {
		fprintf(stderr, "rawpeer: sodium_init failed\n");
		return 1;
	}

	lfh_err err;
	lfh_err_clear(&err);
	lfh_identity *id = NULL;
	if (lfh_identity_load(keydir, &id, &err) != 0) {
		fprintf(stderr, "rawpeer: %s: %s\n", keydir, err.msg);
		return 1;
	}
	lfh_pubkeys server;
	if (lfh_pubkeys_load(pubfile, &server, &err) != 0) {
		fprintf(stderr, "rawpeer: %s: %s\n", pubfile, err.msg);
		lfh_identity_free(id);
		return 1;
	}
	lfh_curve_z85(server.curve_pk, g_server_pk);
	lfh_curve_z85(id->pub.curve_pk, g_client_pk);
	lfh_curve_z85(id->curve_sk, g_client_sk);
	lfh_identity_free(id);

	lfh_msg *m = malloc(sizeof *m);
	g_ctx = zmq_ctx_new();
	if (!m || !g_ctx) {
		fprintf(stderr, "rawpeer: setup failed\n");
		free(m);
		return 1;
	}
	int rc = !strcmp(mode, "pull")	 ? mode_pull(timeout_ms, m)
		 : !strcmp(mode, "flood") ? mode_flood(timeout_ms)
		 : !strcmp(mode, "wrongtype") ? mode_wrongtype(timeout_ms)
					  : mode_garbage(timeout_ms, m);
	sodium_memzero(g_client_sk, sizeof g_client_sk);
	zmq_ctx_term(g_ctx);
	free(m);
	return rc;
}
