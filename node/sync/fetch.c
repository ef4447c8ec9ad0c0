/*
 * fetch.c - asking a peer for the events we miss (PROTOCOL.md 9.5): after a
 * pull, a FETCH for one author's gaps at a time, the authors in turn, with a
 * back-off from an author whose gap the peer did not fill (sync_int.h).
 */
#include <stdio.h>
#include <string.h>

#include "lfh/hlc.h"
#include "lfh/ingest.h"
#include "lfh/log.h"
#include "lfh/wire.h"

#include "sync_int.h"

/*
 * After a FETCH that brought nothing new about an author (a gap no peer
 * fills: an event refused here for good), that author is asked p about
 * again only after FETCH_BACKOFF_MS, doubled for each such FETCH in a row
 * up to FETCH_BACKOFF_MAX_MS.
 */
#define FETCH_BACKOFF_MS 2000
#define FETCH_BACKOFF_MAX_MS 120000

/* Ask p about the gaps of the author at index i (a peer), if it has any; 1 if asked. */
static int fetch_author(lfh_sync *s, lfh_txn *t, peer *p, size_t i)
{
	const char *author = s->peers[i].conf.agency;
	uint64_t first, highest, missing;
	lfh_err err = { 0 };

	if (lfh_ingest_gaps(s->node, t, author, &first, &highest, &missing, &err) || !missing)
		return 0;
	uint64_t to = highest < first + LFH_BATCH_MAX - 1 ? highest : first + LFH_BATCH_MAX - 1;
	lfh_buf_reset(&s->out);
	if (lfh_msg_encode_fetch(&s->out, author, first, to, &err) || sync_send_to_peer(p, &s->out))
		return 0;
	log_debug("asking %s for %llu missing events of %s", p->conf.agency,
		  (unsigned long long)missing, author);
	p->fetch_inflight = 1;
	p->fetch_sent_ms = lfh_wall_ms();
	sync_ask_push(p, ASK_FETCH, 0, i, p->fetch_sent_ms);
	return 1;
}

/*
 * Ask p for the events an author addressed to us that we are missing: one
 * author per FETCH, taking the authors in turn from the one after the last
 * asked, and passing over those in back-off, so that one gap no peer fills
 * never keeps the others' gaps from being asked for.
 */
void sync_fetch_gaps(lfh_sync *s, peer *p)
{
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	uint64_t now = lfh_wall_ms();

	if (p->fetch_inflight || p->recover_inflight || !s->npeers ||
	    lfh_txn_begin(s->node->store, 0, &t, &err))
		return; /* never both in flight: a FETCHED names no request */
	for (size_t k = 0; k < s->npeers; k++) {
		size_t i = (p->fetch_next + k) % s->npeers;
		if (now < p->fetch_not_before_ms[i])
			continue;
		if (fetch_author(s, t, p, i)) {
			p->fetch_next = (i + 1) % s->npeers;
			break;
		}
	}
	lfh_txn_abort(t);
}

/* The FETCH about the author at index i brought `fresh` new events: back off from it if none. */
void sync_fetch_answered(peer *p, size_t i, size_t fresh)
{
	uint64_t wait = FETCH_BACKOFF_MS;

	if (i >= LFH_MAX_PEERS)
		return;
	if (fresh) {
		p->fetch_fruitless[i] = 0;
		p->fetch_not_before_ms[i] = 0;
		return;
	}
	if (p->fetch_fruitless[i] < 255)
		p->fetch_fruitless[i]++;
	for (unsigned k = 1; k < p->fetch_fruitless[i] && wait < FETCH_BACKOFF_MAX_MS; k++)
		wait *= 2;
	p->fetch_not_before_ms[i] = lfh_wall_ms() + (wait < FETCH_BACKOFF_MAX_MS ? wait : FETCH_BACKOFF_MAX_MS);
}
