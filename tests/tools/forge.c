/*
 * forge - a fake peer node that relays one forged event (integration tests).
 *
 *   forge --keys SERVER_KEYDIR --listen tcp://HOST:PORT --signer SIGNER_KEYDIR
 *         --hub HEX64 --to AGENCY[,AGENCY...] [--seq N] [--ctr N]
 *         [--isa-version N] [--seconds S]
 *
 * Impersonates a member's node: binds a ZMQ_ROUTER on --listen as a CURVE
 * server with the CURVE secret key of SERVER_KEYDIR (an `lfh keys init`
 * directory, or a gen-N directory: anything lfh_identity_load reads), so
 * the member's peers, which connect to that endpoint with that server key,
 * reach us instead of the real node. (No ZAP handler: as a server we admit
 * any client; the clients authenticate us by our public key.)
 *
 * The forged event is an ISA_SIGN (type 7, plaintext record body
 * {"isa": <hub id hex>, "version": N}) of category "isa", case id zeros,
 * authored by SIGNER_KEYDIR's agency and signed with its sign.key (so
 * key_id = that key's id), isa_version N (default 1), recipients the --to
 * agencies each with counter --ctr (default 900000), seq --seq (default
 * 900000), hlc = now_ms << 16. Its id (64 hex) is printed on stdout as the
 * first line, before anything is served.
 *
 * Every PULL received is answered with BATCH(next_cursor = the PULL's
 * cursor, more = false, [forged]) (so a real node later resumes where it
 * was), every FETCH with FETCHED([forged]); NOTIFY and anything else are
 * ignored. Runs until SIGTERM/SIGINT or --seconds (default 60) pass. Each
 * answer is logged on stderr ("forge: answered PULL #n"). Exit 0, 1 on
 * local errors, 2 on bad usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zmq.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/identity.h"
#include "lfh/record.h"
#include "lfh/wire.h"

#define BIND_TRIES 100
#define BIND_WAIT_US 50000

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static uint64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void usage(void)
{
	fprintf(stderr, "usage: forge --keys SERVER_KEYDIR --listen ENDPOINT --signer SIGNER_KEYDIR "
			"--hub HEX64 --to AGENCY[,AGENCY...] [--seq N] [--ctr N] [--isa-version N] "
			"[--seconds S]\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

static int cmp_rcpt(const void *a, const void *b)
{
	return strcmp(((const lfh_recipient *)a)->agency, ((const lfh_recipient *)b)->agency);
}

/* Parse "a,b,c" into ev's recipients (sorted, unique, valid names). */
static int parse_to(const char *list, lfh_event *ev, uint64_t ctr)
{
	char buf[LFH_MAX_RECIPIENTS * (LFH_AGENCY_MAX + 1) + 1];
	if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf)
		return -1;
	ev->nrcpt = 0;
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!lfh_name_valid(tok) || ev->nrcpt == LFH_MAX_RECIPIENTS)
			return -1;
		snprintf(ev->rcpt[ev->nrcpt].agency, sizeof ev->rcpt[0].agency, "%s", tok);
		ev->rcpt[ev->nrcpt].ctr = ctr;
		ev->nrcpt++;
	}
	if (ev->nrcpt == 0)
		return -1;
	qsort(ev->rcpt, ev->nrcpt, sizeof ev->rcpt[0], cmp_rcpt);
	return 0;
}

/* Build and sign the forged event into env; its id into id. */
static int forge_event(const lfh_identity *signer, const uint8_t hub[32], const char *to,
		       uint64_t seq, uint64_t ctr, uint32_t isa_version, lfh_buf *env,
		       uint8_t id[LFH_ID_LEN])
{
	lfh_event ev;
	lfh_record body = { 0 };
	lfh_buf b = { 0 };
	lfh_err err;
	char hubhex[65];
	int rc = 1;

	lfh_err_clear(&err);
	memset(&ev, 0, sizeof ev);
	memcpy(ev.hub, hub, 32);
	snprintf(ev.author, sizeof ev.author, "%s", signer->pub.agency);
	memcpy(ev.key_id, signer->pub.key_id, LFH_KEYID_LEN);
	ev.seq = seq;
	ev.hlc = wall_ms() << 16;
	ev.type = LFH_EV_ISA_SIGN;
	snprintf(ev.category, sizeof ev.category, "isa");
	ev.isa_version = isa_version;
	ev.key_creator[0] = '\0';
	ev.key_epoch = 0;
	ev.nonce_len = 0;
	if (parse_to(to, &ev, ctr) != 0) {
		fprintf(stderr, "forge: bad --to %s\n", to);
		return 1;
	}
	for (uint32_t i = 0; i < ev.nrcpt; i++)
		if (!strcmp(ev.rcpt[i].agency, ev.author)) {
			fprintf(stderr, "forge: --to must not name the author %s\n", ev.author);
			return 1;
		}
	lfh_hex(hubhex, hub, 32);
	if (lfh_record_set_str(&body, "isa", hubhex, &err) ||
	    lfh_record_set_uint(&body, "version", isa_version, &err) ||
	    lfh_record_encode(&body, &b, &err)) {
		fprintf(stderr, "forge: body: %s\n", err.msg);
		goto out;
	}
	ev.body = b.data;
	ev.body_len = b.len;
	if (lfh_event_check(&ev, &err) || lfh_event_sign(&ev, signer->sign_sk, env, id, &err)) {
		fprintf(stderr, "forge: event: %s\n", err.msg);
		goto out;
	}
	/* Self-check: what we send must decode and verify like a real event. */
	lfh_event back;
	memset(&back, 0, sizeof back);
	if (lfh_event_decode(env->data, env->len, &back, &err) ||
	    lfh_event_verify(&back, signer->pub.sign_pk, &err)) {
		fprintf(stderr, "forge: self-check: %s\n", err.msg);
		lfh_event_clear(&back);
		goto out;
	}
	lfh_event_clear(&back);
	rc = 0;
out:
	ev.body = NULL; /* owned by b */
	lfh_record_clear(&body);
	lfh_buf_free(&b);
	return rc;
}

static int reply(void *router, zmq_msg_t *rid, const lfh_buf *b)
{
	if (zmq_send(router, zmq_msg_data(rid), zmq_msg_size(rid), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(router, b->data, b->len, ZMQ_DONTWAIT) < 0) {
		fprintf(stderr, "forge: reply dropped: %s\n", zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

/* Receive one [routing id, message] and answer it; frames beyond two are dropped. */
static void serve_one(void *router, const lfh_buf *env, lfh_msg *m, unsigned long *npull,
		      unsigned long *nfetch)
{
	zmq_msg_t rid, body;
	lfh_err err;
	lfh_buf out = { 0 };
	int more;

	zmq_msg_init(&rid);
	zmq_msg_init(&body);
	if (zmq_msg_recv(&rid, router, ZMQ_DONTWAIT) < 0)
		goto out;
	if (!zmq_msg_more(&rid) || zmq_msg_recv(&body, router, 0) < 0)
		goto out;
	more = zmq_msg_more(&body);
	while (more) { /* not our protocol: drain */
		zmq_msg_t x;
		zmq_msg_init(&x);
		if (zmq_msg_recv(&x, router, 0) < 0) {
			zmq_msg_close(&x);
			break;
		}
		more = zmq_msg_more(&x);
		zmq_msg_close(&x);
	}
	lfh_err_clear(&err);
	if (lfh_msg_decode(zmq_msg_data(&body), zmq_msg_size(&body), m, &err) != 0) {
		fprintf(stderr, "forge: undecodable request: %s\n", err.msg);
		goto out;
	}
	if (m->type == LFH_MSG_PULL || m->type == LFH_MSG_FETCH) {
		lfh_batch_writer w;
		int pull = m->type == LFH_MSG_PULL;
		lfh_batch_begin(&w, pull ? LFH_MSG_BATCH : LFH_MSG_FETCHED);
		if (lfh_batch_add(&w, env->data, env->len) != 0 ||
		    lfh_batch_finish(&w, pull ? m->cursor : 0, 0, &out, &err) != 0) {
			fprintf(stderr, "forge: encode reply: %s\n", err.msg);
			lfh_batch_free(&w);
			goto out;
		}
		lfh_batch_free(&w);
		if (reply(router, &rid, &out) == 0) {
			if (pull)
				fprintf(stderr, "forge: answered PULL #%lu (cursor %llu)\n", ++*npull,
					(unsigned long long)m->cursor);
			else
				fprintf(stderr, "forge: answered FETCH #%lu\n", ++*nfetch);
		}
	}
out:
	lfh_buf_free(&out);
	zmq_msg_close(&rid);
	zmq_msg_close(&body);
}

int main(int argc, char **argv)
{
	const char *keys = NULL, *listen = NULL, *signer_dir = NULL, *hubhex = NULL, *to = NULL;
	uint64_t seq = 900000, ctr = 900000, isa_version = 1, seconds = 60;
	uint8_t hub[32];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = 0;
		if (!v) {
			usage();
			return 2;
		}
		if (!strcmp(a, "--keys"))
			keys = v;
		else if (!strcmp(a, "--listen"))
			listen = v;
		else if (!strcmp(a, "--signer"))
			signer_dir = v;
		else if (!strcmp(a, "--hub"))
			hubhex = v;
		else if (!strcmp(a, "--to"))
			to = v;
		else if (!strcmp(a, "--seq"))
			bad = parse_u64(v, &seq) || seq == 0;
		else if (!strcmp(a, "--ctr"))
			bad = parse_u64(v, &ctr) || ctr == 0;
		else if (!strcmp(a, "--isa-version"))
			bad = parse_u64(v, &isa_version) || isa_version > UINT32_MAX;
		else if (!strcmp(a, "--seconds"))
			bad = parse_u64(v, &seconds) || seconds > 3600;
		else {
			usage();
			return 2;
		}
		if (bad) {
			fprintf(stderr, "forge: bad %s %s\n", a, v);
			return 2;
		}
		i++;
	}
	if (!keys || !listen || !signer_dir || !hubhex || !to) {
		usage();
		return 2;
	}
	if (strlen(hubhex) != 64 || lfh_unhex(hub, 32, hubhex) != 0) {
		fprintf(stderr, "forge: --hub must be 64 hex digits\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (sodium_init() < 0) {
		fprintf(stderr, "forge: sodium_init failed\n");
		return 1;
	}

	lfh_err err;
	lfh_err_clear(&err);
	lfh_identity *server = NULL, *signer = NULL;
	if (lfh_identity_load(keys, &server, &err) != 0) {
		fprintf(stderr, "forge: %s: %s\n", keys, err.msg);
		return 1;
	}
	if (lfh_identity_load(signer_dir, &signer, &err) != 0) {
		fprintf(stderr, "forge: %s: %s\n", signer_dir, err.msg);
		lfh_identity_free(server);
		return 1;
	}

	int rc = 1;
	lfh_buf env = { 0 };
	uint8_t id[LFH_ID_LEN];
	char idhex[2 * LFH_ID_LEN + 1];
	void *ctx = NULL, *router = NULL;
	lfh_msg *m = malloc(sizeof *m);
	if (!m) {
		fprintf(stderr, "forge: out of memory\n");
		goto out;
	}
	if (forge_event(signer, hub, to, seq, ctr, (uint32_t)isa_version, &env, id) != 0)
		goto out;

	ctx = zmq_ctx_new();
	router = ctx ? zmq_socket(ctx, ZMQ_ROUTER) : NULL;
	int one = 1, zero = 0;
	int64_t maxmsg = (int64_t)LFH_FRAME_MAX + 1024;
	if (!router || zmq_setsockopt(router, ZMQ_CURVE_SERVER, &one, sizeof one) ||
	    zmq_setsockopt(router, ZMQ_CURVE_SECRETKEY, server->curve_sk, 32) ||
	    zmq_setsockopt(router, ZMQ_LINGER, &zero, sizeof zero) ||
	    zmq_setsockopt(router, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg)) {
		fprintf(stderr, "forge: socket: %s\n", zmq_strerror(zmq_errno()));
		goto out;
	}
	/* The real node may have just released the port: retry for a while. */
	int b = -1;
	for (int i = 0; i < BIND_TRIES && (b = zmq_bind(router, listen)) != 0; i++)
		usleep(BIND_WAIT_US);
	if (b != 0) {
		fprintf(stderr, "forge: cannot listen on %s: %s\n", listen, zmq_strerror(zmq_errno()));
		goto out;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	lfh_hex(idhex, id, LFH_ID_LEN);
	printf("%s\n", idhex);
	fprintf(stderr, "forge: serving forged event %s (author %s) as %s on %s\n", idhex,
		signer->pub.agency, server->pub.agency, listen);

	unsigned long npull = 0, nfetch = 0;
	uint64_t deadline = mono_ms() + seconds * 1000;
	while (!g_stop && mono_ms() < deadline) {
		zmq_pollitem_t it = { router, 0, ZMQ_POLLIN, 0 };
		int n = zmq_poll(&it, 1, 100);
		if (n < 0) {
			if (zmq_errno() == EINTR)
				continue;
			fprintf(stderr, "forge: poll: %s\n", zmq_strerror(zmq_errno()));
			goto out;
		}
		for (int k = 0; k < 64 && (it.revents & ZMQ_POLLIN); k++) {
			int ev = 0;
			size_t sz = sizeof ev;
			zmq_getsockopt(router, ZMQ_EVENTS, &ev, &sz);
			if (!(ev & ZMQ_POLLIN))
				break;
			serve_one(router, &env, m, &npull, &nfetch);
		}
	}
	fprintf(stderr, "forge: done: %lu PULLs and %lu FETCHes answered\n", npull, nfetch);
	rc = 0;
out:
	if (router)
		zmq_close(router);
	if (ctx)
		zmq_ctx_term(ctx);
	free(m);
	lfh_buf_free(&env);
	lfh_identity_free(server);
	lfh_identity_free(signer);
	return rc;
}
