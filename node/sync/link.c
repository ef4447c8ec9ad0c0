/*
 * link.c - what an operator reads in the log about each peer's connection:
 * connected, disconnected, unreachable or refused, with the reason.
 *
 * Each of a peer's DEALERs has a ZeroMQ socket monitor (a PAIR socket on
 * inproc://) that reports TCP connects, retries, CURVE handshakes and
 * disconnects. They are drained every tick (never waited on) and folded
 * into one state per peer: up if any dealer completed its handshake;
 * refused if every dealer's handshake failed; else unreachable. Only a
 * change of state is logged, and a peer that stays unreachable or refused
 * is reported again at most every LINK_REPEAT_MS, so a peer down for a
 * week costs a few lines a day, not one per retry.
 *
 * A peer has a dealer per CURVE key it may be serving with (sync.c): during
 * a key rotation the other dealers' handshakes fail by design, which is why
 * one dealer's failure alone is not "refused".
 */
#include <stdio.h>
#include <string.h>

#include "lfh/hlc.h"
#include "lfh/log.h"

#include "sync_int.h"

#define LINK_REPEAT_MS (10ULL * 60 * 1000)
#define LINK_EVENTS                                                                         \
	(ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |    \
	 ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |            \
	 ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
#define LINK_DRAIN_MAX 64 /* events read per dealer per tick */

int sync_link_watch(lfh_sync *s, peer *p, int d)
{
	char ep[64];
	void *m;

	snprintf(ep, sizeof ep, "inproc://lfh-link-%llu", (unsigned long long)++s->monitors);
	if (zmq_socket_monitor(p->dealer[d], ep, LINK_EVENTS) != 0)
		return -1;
	m = zmq_socket(s->zctx, ZMQ_PAIR);
	if (!m || zmq_connect(m, ep) != 0) {
		if (m)
			zmq_close(m);
		zmq_socket_monitor(p->dealer[d], NULL, 0);
		return -1;
	}
	p->monitor[d] = m;
	p->dealer_up[d] = p->dealer_failed[d] = 0;
	return 0;
}

void sync_link_unwatch(peer *p, int d)
{
	if (!p->monitor[d])
		return;
	zmq_socket_monitor(p->dealer[d], NULL, 0);
	zmq_close(p->monitor[d]);
	p->monitor[d] = NULL;
}

/*
 * Read one monitor event if one is waiting (two frames: event id and value,
 * then the endpoint): 1 read, 0 malformed (skipped), -1 none waiting.
 */
static int read_event(void *m, uint16_t *event, uint32_t *value)
{
	zmq_msg_t f[2];
	int n = sync_recv_frames(m, f, 2);
	int ok = n == 2 && zmq_msg_size(&f[0]) == 6;

	if (ok) {
		const uint8_t *b = zmq_msg_data(&f[0]);
		memcpy(event, b, 2);
		memcpy(value, b + 2, 4);
	}
	sync_close_frames(f, n < 2 ? n : 2);
	return n == 0 ? -1 : ok;
}

/* Why a handshake failed, in words an operator can act on. */
static void handshake_reason(uint16_t event, uint32_t value, char *out, size_t size)
{
	if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
		snprintf(out, size, "it refused our key (ZAP status %u): does it hold our current "
			 "key certificate, and is this agency a party of its agreement?", value);
	else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
		snprintf(out, size, "the CURVE handshake failed (protocol error 0x%x): is something "
			 "else listening there, or does it serve with another key?", value);
	else
		snprintf(out, size, "the CURVE handshake failed (%s)", zmq_strerror((int)value));
}

/* Fold dealer d's event into its flags; a handshake failure's reason goes to p->link_why. */
static void apply_event(peer *p, int d, uint16_t event, uint32_t value)
{
	switch (event) {
	case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
		p->dealer_up[d] = 1;
		p->dealer_failed[d] = 0;
		break;
	case ZMQ_EVENT_DISCONNECTED:
		p->dealer_up[d] = 0;
		p->dealer_tried[d] = 1;
		break;
	case ZMQ_EVENT_CONNECT_RETRIED: /* a refusal stays one until a handshake succeeds */
		p->dealer_tried[d] = 1;
		break;
	default: /* a handshake failure */
		p->dealer_up[d] = 0;
		p->dealer_failed[d] = 1;
		handshake_reason(event, value, p->link_why, sizeof p->link_why);
		break;
	}
}

static int link_state(const peer *p)
{
	int failed = 0, tried = 0;

	for (int d = 0; d < p->ndealers; d++) {
		if (p->dealer_up[d])
			return LINK_UP;
		failed += p->dealer_failed[d];
		tried += p->dealer_tried[d] || p->dealer_failed[d];
	}
	if (p->ndealers && failed == p->ndealers)
		return LINK_REFUSED;
	return tried ? LINK_UNREACHABLE : p->link;
}

/* Log p's new state, or the same state again once LINK_REPEAT_MS has passed. */
static void report(peer *p, int state, uint64_t now)
{
	static const char unreachable[] = "no connection (refused, no route, or the name does "
					  "not resolve): is its lfhd running and its port open?";
	int was = p->link;
	char since[32];

	if (state == was && (state == LINK_UP || state == LINK_UNKNOWN ||
			     now - p->link_logged_ms < LINK_REPEAT_MS))
		return;
	if (state != was)
		p->link_since_ms = now;
	p->link = state;
	p->link_logged_ms = now;
	snprintf(since, sizeof since, "%llu min", (unsigned long long)((now - p->link_since_ms) / 60000));
	if (state == LINK_UP)
		log_info("peer %s connected (%s)", p->conf.agency, p->conf.endpoint);
	else if (was == LINK_UP)
		log_warn("peer %s disconnected (%s): reconnecting", p->conf.agency, p->conf.endpoint);
	else if (state == LINK_UNREACHABLE && was == LINK_UNREACHABLE)
		log_warn("peer %s still unreachable at %s after %s: %s", p->conf.agency,
			 p->conf.endpoint, since, unreachable);
	else if (state == LINK_UNREACHABLE)
		log_warn("peer %s unreachable at %s: %s", p->conf.agency, p->conf.endpoint, unreachable);
	else if (state == LINK_REFUSED)
		log_warn("peer %s refused our connection at %s%s%s: %s", p->conf.agency,
			 p->conf.endpoint, was == LINK_REFUSED ? " still, after " : "",
			 was == LINK_REFUSED ? since : "", p->link_why);
}

void sync_link_tick(lfh_sync *s, uint64_t now_ms)
{
	for (size_t i = 0; i < s->npeers; i++) {
		peer *p = &s->peers[i];
		for (int d = 0; d < p->ndealers; d++) {
			uint16_t event;
			uint32_t value;
			for (int k = 0; p->monitor[d] && k < LINK_DRAIN_MAX; k++) {
				int r = read_event(p->monitor[d], &event, &value);
				if (r < 0)
					break;
				if (r > 0)
					apply_event(p, d, event, value);
			}
		}
		report(p, link_state(p), now_ms);
	}
}
