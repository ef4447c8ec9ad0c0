/*
 * peer.c - what the sync loop keeps of each peer besides its cursor
 * (sync_int.h): the frame helpers every socket of the loop uses, the FETCH
 * and RECOVER requests in flight to it (a FETCHED names none: it answers the
 * oldest), and its rate-limited logs of rejected events and of replies
 * that answered nothing asked.
 */
#include <stdio.h>
#include <string.h>

#include "lfh/hlc.h"
#include "lfh/log.h"

#include "sync_int.h"

/* Receive every frame of one message; returns the frame count (<= max) or -1. */
int sync_recv_frames(void *sock, zmq_msg_t *frames, int max)
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

void sync_close_frames(zmq_msg_t *frames, int n)
{
	for (int i = 0; i < n; i++)
		zmq_msg_close(&frames[i]);
}

/* Send on the dealer that answered last, else on the other (if its handshake completed). */
int sync_send_to_peer(peer *p, const lfh_buf *b)
{
	for (int k = 0; k < p->ndealers; k++) {
		int d = (p->live + k) % p->ndealers;
		if (zmq_send(p->dealer[d], b->data, b->len, ZMQ_DONTWAIT) >= 0)
			return 0;
	}
	return -1;
}

/* Note a FETCH or RECOVER just sent to p (the FETCHED that answers it comes in that order). */
void sync_ask_push(peer *p, int kind, uint64_t from, size_t author, uint64_t now_ms)
{
	if (p->nasks == ASK_MAX) { /* cannot be: one in flight, older ones expire; keep the newest */
		memmove(&p->asks[0], &p->asks[1], (ASK_MAX - 1) * sizeof p->asks[0]);
		p->nasks--;
	}
	p->asks[p->nasks++] = (ask){ .kind = kind, .from = from, .author = author, .sent_ms = now_ms };
}

/* The oldest request in flight to p, which a FETCHED answers; 0, or -1 if none. */
int sync_ask_pop(peer *p, ask *out)
{
	if (!p->nasks)
		return -1;
	*out = p->asks[0];
	memmove(&p->asks[0], &p->asks[1], (size_t)(p->nasks - 1) * sizeof p->asks[0]);
	p->nasks--;
	return 0;
}

/* Whether p has a request of this kind in flight still. */
int sync_asked(const peer *p, int kind)
{
	for (int i = 0; i < p->nasks; i++)
		if (p->asks[i].kind == kind)
			return 1;
	return 0;
}

void sync_asks_expire(peer *p, uint64_t now_ms)
{
	ask a;

	while (p->nasks && now_ms - p->asks[0].sent_ms > REQUEST_TIMEOUT_MS)
		sync_ask_pop(p, &a);
	p->fetch_inflight = sync_asked(p, ASK_FETCH);
	p->recover_inflight = sync_asked(p, ASK_RECOVER);
}

#define REJECT_LOG_PER_SECOND 5
#define REJECT_LOG_BURST 128
#define REJECT_LOG_GAP_MS (1000 / REJECT_LOG_PER_SECOND)

/* May one more rejected or held event from p be logged now? */
int sync_reject_loggable(peer *p)
{
	uint64_t now = lfh_wall_ms(), tat = p->rej_tat_ms > now ? p->rej_tat_ms : now;

	if (tat - now > (uint64_t)(REJECT_LOG_BURST - 1) * REJECT_LOG_GAP_MS) {
		p->rej_unlogged++;
		return 0;
	}
	p->rej_tat_ms = tat + REJECT_LOG_GAP_MS;
	return 1;
}

/*
 * A reply p sent that answers nothing we have in flight: dropped unread
 * (PROTOCOL.md 9.2, 9.6), counted, and said at most once a second.
 */
void sync_drop_unrequested(peer *p)
{
	p->unrequested++;
	sync_log_tick(p, lfh_wall_ms());
}

void sync_log_tick(peer *p, uint64_t now_ms)
{
	if ((!p->rej_unlogged && !p->unrequested) || now_ms - p->unlogged_said_ms < 1000)
		return;
	if (p->rej_unlogged)
		log_warn("%llu more rejected events from %s not logged one by one",
			 (unsigned long long)p->rej_unlogged, p->conf.agency);
	if (p->unrequested)
		log_warn("dropped %llu unrequested replies from %s (no request of ours in flight)",
			 (unsigned long long)p->unrequested, p->conf.agency);
	p->rej_unlogged = p->unrequested = 0;
	p->unlogged_said_ms = now_ms;
}
