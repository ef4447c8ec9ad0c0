/*
 * pull.c - the pulling side of replication (node/sync/sync.c has the
 * design): PULL and FETCH to a peer, and storing the BATCH or FETCHED that
 * comes back, with the new cursor, in one durable transaction. A BATCH goes
 * through the catch-up pipeline: queued (all peers, in arrival order) with
 * its checks running on the verifier pool, stored by the main thread when it
 * reaches the head and its checks are done. Also the streamer (one peer
 * sends a backlog, the others wait). fetch.c asks for the gaps; peer.c
 * keeps each peer's requests in flight, its rate-limited logs and the frame
 * helpers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/hlc.h"
#include "lfh/ingest.h"
#include "lfh/isa.h"
#include "lfh/log.h"
#include "lfh/metrics.h"
#include "lfh/recovery.h"
#include "lfh/wire.h"

#include "sync_int.h"

/*
 * Several peers relay the same events to us. While one of them (the
 * streamer) sends us a backlog, the others wait (deferred) with at most one
 * small answer each; when it is done they pull again, saying what we hold
 * (PROTOCOL.md 9.1), so they send only what the streamer did not. Each
 * event crosses the network about once, and catching up from five peers
 * goes as fast as from one.
 */
static peer *streamer(lfh_sync *s)
{
	for (size_t i = 0; s->streamer[0] && i < s->npeers; i++)
		if (strcmp(s->peers[i].conf.agency, s->streamer) == 0)
			return &s->peers[i];
	return NULL;
}

static int waits_for_streamer(lfh_sync *s, const peer *p)
{
	const peer *st = streamer(s);
	return p->deferred && st && st != p;
}

/* The streamer is done (or gone): the waiting peers pull again. */
static void release_streamer(lfh_sync *s)
{
	s->streamer[0] = '\0';
	for (size_t i = 0; i < s->npeers; i++)
		if (s->peers[i].deferred) {
			s->peers[i].deferred = 0;
			sync_pull_from(s, &s->peers[i]);
		}
}

/*
 * A peer put off DEFER_MAX_MS ago is pulled again whatever the streamer
 * says: a streamer that keeps saying "more" (or a pipeline that never
 * empties) must not starve the others (PROTOCOL.md 9.4).
 */
static void release_overdue(lfh_sync *s, uint64_t now)
{
	for (size_t i = 0; i < s->npeers; i++) {
		peer *p = &s->peers[i];
		if (p->deferred && now - p->deferred_ms >= DEFER_MAX_MS) {
			p->deferred = 0;
			sync_pull_from(s, p);
		}
	}
}

/* p holds more for us but must wait for the streamer (or the pipeline): note since when. */
static void defer(peer *p)
{
	if (!p->deferred)
		p->deferred_ms = lfh_wall_ms();
	p->deferred = 1;
}

/*
 * Let the waiting peers pull: when the streamer stopped answering or left,
 * or, with no streamer, once the pipeline is empty (what they may send
 * again is then stored, and their PULL says so).
 */
void sync_streamer_tick(lfh_sync *s)
{
	const peer *st = streamer(s);
	uint64_t now = lfh_wall_ms();

	if (s->streamer[0] && (!st || (!st->pull_inflight && !st->queued && !st->pull_after)))
		release_streamer(s);
	else if (!s->streamer[0] && !s->qlen)
		release_streamer(s);
	release_overdue(s, now);
}

/*
 * Is what we hold about to grow from peers other than p: their batches in
 * the pipeline, or a full-sized PULL to one of them unanswered?
 */
static int others_busy(const lfh_sync *s, const peer *p)
{
	if (s->qlen > (size_t)p->queued)
		return 1;
	for (size_t i = 0; i < s->npeers; i++)
		if (&s->peers[i] != p && s->peers[i].pull_inflight && s->peers[i].pull_big)
			return 1;
	return 0;
}

/* PULL's max for p: small while another peer streams, or what we hold is about to grow. */
static uint32_t pull_max(lfh_sync *s, const peer *p)
{
	const peer *st = streamer(s);

	if ((st && st != p) || (st != p && others_busy(s, p)) || p->idle_more)
		return PROBE_MAX; /* an idle peer too: its "more" brought nothing lately */
	return LFH_BATCH_MAX;
}

/* What we hold of each member's events to us: every counter up to its "contig". */
static uint32_t held_vector(lfh_sync *s, lfh_held *held)
{
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	uint32_t n = 0;

	if (lfh_txn_begin(s->node->store, 0, &t, &err))
		return 0;
	for (size_t i = 0; i < s->npeers && n < LFH_HELD_MAX; i++) {
		char name[LFH_META_NAME_BUF];
		uint64_t contig = 0;
		lfh_store_meta_name(name, "contig", s->peers[i].conf.agency);
		if (lfh_store_meta_get(t, name, &contig, &err) == 0 && contig) {
			snprintf(held[n].agency, sizeof held[n].agency, "%s", s->peers[i].conf.agency);
			held[n++].upto = contig;
		}
	}
	lfh_txn_abort(t);
	return n;
}

/* Send PULL(cursor) now, saying what we hold unless p is of a release that refuses that. */
static int send_pull(lfh_sync *s, peer *p, uint64_t cursor)
{
	lfh_held held[LFH_HELD_MAX];
	lfh_err err = { 0 };
	uint32_t nheld = p->no_held ? 0 : held_vector(s, held);
	uint32_t max = pull_max(s, p);

	lfh_buf_reset(&s->out);
	if (lfh_msg_encode_pull_held(&s->out, cursor, max, held, nheld, &err))
		return -1;
	p->last_pull_ms = lfh_wall_ms();
	if (sync_send_to_peer(p, &s->out) != 0)
		return -1;
	p->pull_inflight++;
	p->pull_again = 0;
	p->pull_big = max == LFH_BATCH_MAX;
	p->pull_held = nheld > 0;
	p->pull_sent_ms = p->last_pull_ms;
	return 0;
}

/* When the next PULL to p may go: PULL_GAP_MS after the last, and not before its back-off. */
static uint64_t pull_due_ms(const peer *p)
{
	uint64_t due = p->last_pull_ms + PULL_GAP_MS;
	return p->pull_not_before_ms > due ? p->pull_not_before_ms : due;
}

/* Send PULL(stored cursor) unless one is already outstanding. */
void sync_pull_from(lfh_sync *s, peer *p)
{
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	uint64_t cursor = 0;

	p->pull_deferred = 0;
	if (s->node->recovering || s->node->rules.removed)
		return; /* nothing but our own events until they are back; nothing once removed */
	if (waits_for_streamer(s, p))
		return; /* pulled when the streamer is done */
	if (p->pull_inflight || p->queued) { /* the stored cursor is behind what is queued */
		p->pull_again = 1;
		return;
	}
	if (lfh_wall_ms() < pull_due_ms(p)) {
		p->pull_deferred = 1; /* sent by sync_pull_deferred once the gap has passed */
		return;
	}
	if (lfh_txn_begin(s->node->store, 0, &t, &err) ||
	    lfh_store_cursor_get(t, p->conf.agency, &cursor, &err)) {
		lfh_txn_abort(t);
		log_error("reading cursor for %s: %s", p->conf.agency, err.msg);
		return;
	}
	lfh_txn_abort(t);
	send_pull(s, p, cursor);
}

void sync_pull_deferred(lfh_sync *s, uint64_t now_ms)
{
	for (size_t i = 0; i < s->npeers; i++) {
		peer *p = &s->peers[i];
		if (p->pull_deferred && now_ms >= pull_due_ms(p))
			sync_pull_from(s, p);
	}
}

int sync_pull_wait_ms(const lfh_sync *s, uint64_t now_ms, int max_ms)
{
	int wait = max_ms;

	for (size_t i = 0; i < s->npeers; i++) {
		const peer *p = &s->peers[i];
		uint64_t due = pull_due_ms(p);
		if (p->pull_deferred)
			wait = due <= now_ms ? 0 : (int)(due - now_ms) < wait ? (int)(due - now_ms) : wait;
	}
	return wait;
}

typedef struct ingest_stats {
	size_t stored;
	char notify[LFH_MAX_PEERS]; /* peers that should hear about new events */
} ingest_stats;

static void mark_notify(lfh_sync *s, ingest_stats *st, const lfh_ingest_result *r, const peer *from)
{
	for (uint32_t i = 0; i < r->nrcpt; i++)
		for (size_t j = 0; j < s->npeers; j++)
			if (&s->peers[j] != from && strcmp(s->peers[j].conf.agency, r->rcpt[i]) == 0)
				st->notify[j] = 1;
}

/*
 * Rejected or held events from one peer are logged one by one in bursts of
 * up to REJECT_LOG_BURST, and at REJECT_LOG_PER_SECOND a second beyond
 * (a GCRA on rej_tat_ms); the rest are counted and said in one line a
 * second (as the control socket's malformed requests are): a catch-up
 * with a few refusals logs each, a peer sending refused events without end
 * cannot fill the log.
 */
/* Count and log each envelope's fate (after a successful lfh_ingest_store). */
static void account(lfh_sync *s, peer *p, size_t count, ingest_stats *st)
{
	for (size_t i = 0; i < count; i++) {
		p->received++;
		lfh_metrics_add(LFH_M_RECEIVED, 1);
		if (s->status[i] == LFH_EHELD)
			lfh_metrics_add(LFH_M_HELD, 1);
		else if (s->status[i])
			lfh_metrics_reject(s->status[i]);
		if (s->status[i] == 0 && s->res[i].stored) {
			st->stored++;
			p->stored++;
			lfh_metrics_add(LFH_M_STORED_PEER, 1);
			mark_notify(s, st, &s->res[i], p);
		} else if (s->status[i] == LFH_EEQUIV) {
			p->rejected++;
			log_error("EQUIVOCATION via %s: %s (kept as evidence)", p->conf.agency,
				  s->errs[i].msg);
		} else if (s->status[i] == LFH_EHELD) {
			p->held++;
			if (sync_reject_loggable(p))
				log_info("holding event from %s: %s", p->conf.agency, s->errs[i].msg);
		} else if (s->status[i]) {
			p->rejected++;
			p->other_hub += s->status[i] == LFH_EHUB;
			if (sync_reject_loggable(p))
				log_warn("rejected event from %s: %s", p->conf.agency, s->errs[i].msg);
		}
	}
}

/*
 * Store the checked job of m's envelopes from p, and (for BATCH) the new
 * cursor, in one durable transaction. Rejected envelopes are logged and
 * skipped.
 */
static int store_job(lfh_sync *s, peer *p, lfh_ingest_job *job, const lfh_msg *m, int set_cursor,
		     ingest_stats *st)
{
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	int rc = lfh_txn_begin(s->node->store, 1, &t, &err);

	if (!rc)
		rc = lfh_ingest_store(s->node, s->pipe, t, job, p->conf.agency, s->res, s->status,
				      s->errs, &err);
	if (!rc)
		account(s, p, m->nevents, st);
	if (rc == 0 && set_cursor) {
		uint64_t cur = 0; /* never back: a late answer to an old PULL must not rewind */
		rc = lfh_store_cursor_get(t, p->conf.agency, &cur, &err);
		if (rc == 0 && m->cursor > cur)
			rc = lfh_store_cursor_put(t, p->conf.agency, m->cursor, &err);
	}
	if (rc == 0 && lfh_txn_commit(t, &err) == 0)
		return 0;
	if (rc == 0)
		log_error("commit: %s", err.msg);
	else {
		lfh_txn_abort(t);
		log_error("storing batch from %s: %s", p->conf.agency, err.msg);
	}
	lfh_node_reload_keys(s->node); /* key events applied in memory were not stored */
	return -1;
}

/* Submit m's envelopes (borrowed into in[]) to the pipeline's pool. */
static int submit(lfh_sync *s, const lfh_msg *m, lfh_envelope_ref *in, lfh_ingest_job **job)
{
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	int rc;

	for (size_t i = 0; i < m->nevents; i++)
		in[i] = (lfh_envelope_ref){ m->ev[i], m->evlen[i] };
	rc = lfh_txn_begin(s->node->store, 0, &t, &err);
	if (!rc)
		rc = lfh_ingest_submit(s->node, s->pipe, t, in, m->nevents, job, &err);
	lfh_txn_abort(t);
	if (rc)
		log_error("checking a batch: %s", err.msg);
	return rc;
}

/* A FETCHED (gaps, recovery), checked on the pool and stored now, without a cursor. */
static int ingest_now(lfh_sync *s, peer *p, const lfh_msg *m, ingest_stats *st)
{
	lfh_ingest_job *job = NULL;
	int rc = submit(s, m, s->in, &job);

	if (!rc)
		rc = store_job(s, p, job, m, 0, st);
	lfh_ingest_release(s->pipe, job);
	return rc;
}

int sync_pipeline_init(lfh_sync *s, lfh_err *err)
{
	int rc = lfh_ingest_pipe_new(&s->pipe, 0, err);

	for (size_t i = 0; rc == 0 && i < PIPE_BATCHES; i++) {
		s->q[i].msg = malloc(sizeof *s->q[i].msg);
		s->q[i].in = calloc(LFH_BATCH_MAX, sizeof *s->q[i].in);
		if (!s->q[i].msg || !s->q[i].in)
			rc = lfh_err_set(err, LFH_ENOMEM, "out of memory");
	}
	return rc;
}

/* Forget the head of the queue (stored or not). */
static void pop(lfh_sync *s)
{
	pending *q = &s->q[s->qhead];

	lfh_ingest_release(s->pipe, q->job);
	q->job = NULL;
	zmq_msg_close(&q->frame);
	s->qhead = (s->qhead + 1) % PIPE_BATCHES;
	s->qlen--;
}

void sync_pipeline_free(lfh_sync *s)
{
	while (s->qlen)
		pop(s);
	for (size_t i = 0; i < PIPE_BATCHES; i++) {
		free(s->q[i].msg);
		free(s->q[i].in);
	}
	lfh_ingest_pipe_free(s->pipe);
	s->pipe = NULL;
}

static peer *find_peer(lfh_sync *s, const char *agency)
{
	for (size_t i = 0; i < s->npeers; i++)
		if (strcmp(s->peers[i].conf.agency, agency) == 0)
			return &s->peers[i];
	return NULL;
}

/*
 * p's batch said "more" and stored `fresh` new events: one that stored
 * nothing puts p's next PULL off (doubling up to PULL_INTERVAL_MS), and
 * STREAMER_IDLE_MAX of them in a row end its turn as the streamer: a peer
 * must deliver to keep the others waiting (PROTOCOL.md 9.4).
 */
static void note_progress(lfh_sync *s, peer *p, size_t fresh)
{
	uint64_t wait = IDLE_BACKOFF_MS;

	if (fresh) {
		p->idle_more = 0;
		p->pull_not_before_ms = 0;
		return;
	}
	p->idle_more++;
	for (uint32_t k = 1; k < p->idle_more && wait < PULL_INTERVAL_MS; k++)
		wait *= 2;
	p->pull_not_before_ms = lfh_wall_ms() + (wait < PULL_INTERVAL_MS ? wait : PULL_INTERVAL_MS);
	if (p->idle_more >= STREAMER_IDLE_MAX && strcmp(s->streamer, p->conf.agency) == 0) {
		log_info("%s says it holds more for us but sent nothing new in %u answers: no "
			 "longer waiting for it", p->conf.agency, p->idle_more);
		release_streamer(s);
	}
}

/* p's batch was stored (ok) or failed: pull on, or fetch gaps once p has nothing queued. */
static void after_batch(lfh_sync *s, peer *p, const lfh_msg *m, int ok, size_t fresh)
{
	if (ok && m->more)
		note_progress(s, p, fresh);
	else if (ok)
		p->idle_more = 0;
	if (ok && m->more && !fresh) { /* pulled again after its back-off, from the stored cursor */
		p->pull_after = 0;
		p->pull_again = 1;
	}
	if (!ok) {
		/* the cursor did not move: what is queued or asked beyond it is dropped */
		for (size_t k = 0; k < s->qlen; k++) {
			pending *q = &s->q[(s->qhead + k) % PIPE_BATCHES];
			if (strcmp(q->agency, p->conf.agency) == 0)
				q->dropped = 1;
		}
		p->discard += p->pull_inflight;
		p->pull_after = 0;
		p->pull_again = 1;
	}
	if (p->queued > 0)
		p->queued--;
	if (p->pull_after && !p->pull_inflight) {
		uint64_t c = p->pull_after;
		p->pull_after = 0;
		send_pull(s, p, c);
	} else if (!p->queued && !p->pull_inflight && (p->pull_again || (ok && m->more))) {
		sync_pull_from(s, p);
	} else if (ok && !m->more && !p->queued) {
		sync_fetch_gaps(s, p);
	}
}

void sync_pipeline_run(lfh_sync *s, int wait, char notify[LFH_MAX_PEERS])
{
	ingest_stats st = { 0 };

	lfh_ingest_pipe_drain(s->pipe);
	while (s->qlen) {
		pending *q = &s->q[s->qhead];
		peer *p = find_peer(s, q->agency);
		int ok = 0;
		if (!wait && !q->dropped && p && !lfh_ingest_ready(s->pipe, q->job))
			break;
		if (p && !q->dropped) {
			size_t before = st.stored;
			ok = store_job(s, p, q->job, q->msg, q->set_cursor, &st) == 0;
			after_batch(s, p, q->msg, ok, st.stored - before);
		} else if (p && p->queued > 0) {
			p->queued--;
			if (!p->queued && !p->pull_inflight)
				sync_pull_from(s, p);
		}
		pop(s);
	}
	for (size_t j = 0; j < LFH_MAX_PEERS; j++)
		notify[j] |= st.notify[j];
	if (st.stored)
		log_debug("stored %zu new events", st.stored);
	if (!s->qlen)
		sync_streamer_tick(s);
}

/*
 * Put the BATCH just received from p (frame f, decoded in s->msg) into the
 * pipeline: its checks start on the pool now; the main thread stores it
 * when it reaches the head of the queue and its checks are done.
 */
static void enqueue(lfh_sync *s, peer *p, zmq_msg_t *f, char notify[LFH_MAX_PEERS])
{
	pending *q;
	lfh_msg *tmp;
	const void *data = zmq_msg_data(f);
	lfh_err err = { 0 };

	if (s->qlen == PIPE_BATCHES)
		sync_pipeline_run(s, 1, notify); /* full: store what is queued first */
	q = &s->q[(s->qhead + s->qlen) % PIPE_BATCHES];
	snprintf(q->agency, sizeof q->agency, "%s", p->conf.agency);
	zmq_msg_init(&q->frame);
	zmq_msg_move(&q->frame, f);
	tmp = q->msg; /* the decoded message changes hands with its frame */
	q->msg = s->msg;
	s->msg = tmp;
	if (zmq_msg_data(&q->frame) != data &&
	    lfh_msg_decode(zmq_msg_data(&q->frame), zmq_msg_size(&q->frame), q->msg, &err)) {
		zmq_msg_close(&q->frame);
		return;
	}
	q->set_cursor = 1;
	q->dropped = 0;
	if (submit(s, q->msg, q->in, &q->job)) {
		zmq_msg_close(&q->frame);
		p->pull_again = 1;
		return;
	}
	s->qlen++;
	p->queued++;
}

/*
 * The incarnation a BATCH names: when it differs from the one we pulled from
 * before, the peer's store was restored or replaced, so our cursor into its
 * log means nothing any more: start again from 0 (duplicates are dropped by
 * id). Returns 1 if the cursor was reset (the batch is then not used).
 */
static int peer_replaced(lfh_sync *s, peer *p, uint64_t incarnation)
{
	char name[LFH_META_NAME_BUF];
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	uint64_t known = 0;
	int rc;

	lfh_store_meta_name(name, "incarnation", p->conf.agency);
	if (lfh_txn_begin(s->node->store, 0, &t, &err) == 0)
		lfh_store_meta_get(t, name, &known, &err);
	lfh_txn_abort(t);
	if (known == incarnation)
		return 0;
	rc = lfh_txn_begin(s->node->store, 1, &t, &err);
	if (!rc)
		rc = lfh_store_meta_put(t, name, incarnation, &err);
	if (!rc && known)
		rc = lfh_store_cursor_put(t, p->conf.agency, 0, &err);
	if (!rc)
		rc = lfh_txn_commit(t, &err);
	else
		lfh_txn_abort(t);
	if (rc) {
		log_error("recording %s's incarnation: %s", p->conf.agency, err.msg);
		return 1;
	}
	if (known)
		log_warn("%s's store was restored or replaced (a new incarnation): pulling all it "
			 "holds for us again", p->conf.agency);
	return known != 0;
}

/*
 * A BATCH arrived. It goes into the pipeline (its checks start on the
 * pool); while the peer says it holds more and fewer than PIPE_PER_PEER of
 * its batches are queued, the next PULL (from the batch's next_cursor) goes
 * out at once, so the peer builds and sends it while we work. If storing
 * fails, the cursor did not move: what was queued or asked beyond it is
 * dropped and we pull again from the stored cursor.
 */
static void handle_batch(lfh_sync *s, peer *p, zmq_msg_t *f, char notify[LFH_MAX_PEERS])
{
	const lfh_msg *m = s->msg;
	uint64_t cursor = m->cursor;
	int more = m->more;

	if (p->pull_inflight > 0)
		p->pull_inflight--;
	if (p->discard) {
		p->discard--;
		if (!p->pull_inflight)
			sync_pull_from(s, p);
		return;
	}
	if (peer_replaced(s, p, m->incarnation)) {
		for (size_t k = 0; k < s->qlen; k++) { /* their cursors name the old store's log */
			pending *q = &s->q[(s->qhead + k) % PIPE_BATCHES];
			if (strcmp(q->agency, p->conf.agency) == 0)
				q->set_cursor = 0;
		}
		p->pull_after = 0;
		p->discard += p->pull_inflight;
		if (p->pull_inflight)
			p->pull_again = 1;
		else
			sync_pull_from(s, p);
		return;
	}
	if (!more)
		p->caught_up_ms = p->last_reply_ms;
	enqueue(s, p, f, notify);
	if (more && !s->streamer[0] && !others_busy(s, p) && !p->idle_more)
		snprintf(s->streamer, sizeof s->streamer, "%s", p->conf.agency);
	if (more && strcmp(s->streamer, p->conf.agency) != 0)
		defer(p); /* another peer streams: pulled again when it is done */
	else if (more && p->idle_more)
		p->pull_again = 1; /* its last "more" brought nothing: pulled once this is stored */
	else if (more && p->pull_inflight == 0 && p->queued < PIPE_PER_PEER)
		send_pull(s, p, cursor);
	else if (more)
		p->pull_after = cursor; /* sent when one of its batches is stored */
	else if (strcmp(s->streamer, p->conf.agency) == 0)
		release_streamer(s);
}

/* ---- recovery of our own events (recovery.h, PROTOCOL.md 13.1) ---- */

static void send_recover(lfh_sync *s, peer *p, uint64_t now_ms)
{
	lfh_err err = { 0 };
	uint64_t from = p->recover_from ? p->recover_from : 1;

	if (p->fetch_inflight)
		return; /* asked once its FETCH is answered: a FETCHED names no request */
	lfh_buf_reset(&s->out);
	if (lfh_msg_encode_recover(&s->out, from, &err) == 0 && sync_send_to_peer(p, &s->out) == 0) {
		p->recover_inflight = 1;
		p->recover_sent_ms = now_ms;
		sync_ask_push(p, ASK_RECOVER, from, 0, now_ms);
	}
}

/* Was envelope i's signature checked (its status is not one a forgery or junk gets)? */
static int genuine(int status)
{
	return status != LFH_ECODEC && status != LFH_ETOOBIG && status != LFH_EVERSION &&
	       status != LFH_EHUB && status != LFH_EKEYID && status != LFH_ECRYPTO;
}

/*
 * How far an answer to RECOVER(from) took us: the seq after the last of
 * its envelopes that is an event of ours, signed by us (stored, or refused
 * here for its content), with seq >= from and above the one before; 0 if
 * none is. Anything else in it (another author's event, one below from,
 * one out of order, junk) is no progress, so a peer cannot keep us asking.
 */
static uint64_t own_progress(lfh_sync *s, const lfh_msg *m, uint64_t from)
{
	const char *me = s->node->id->pub.agency;
	uint64_t last = 0;

	for (size_t i = 0; i < m->nevents; i++) {
		lfh_event ev = { 0 };
		lfh_err err = { 0 };
		if (genuine(s->status[i]) && lfh_event_decode(m->ev[i], m->evlen[i], &ev, &err) == 0 &&
		    strcmp(ev.author, me) == 0 && ev.seq >= from && ev.seq > last)
			last = ev.seq;
		lfh_event_clear(&ev);
	}
	return last ? last + 1 : 0;
}

/*
 * Our events p sent back (the answer to RECOVER from `from`): store them,
 * then ask for the next ones. p is done when it answers with none, or with
 * nothing that takes us further (then with a warning: it holds none it
 * will send, or it is faulty).
 */
static void handle_recovered(lfh_sync *s, peer *p, uint64_t from, ingest_stats *st)
{
	const lfh_msg *m = s->msg;
	uint64_t next;

	p->recover_inflight = 0;
	if (m->nevents == 0) {
		p->recovered = 1;
		log_info("recovery: %s has sent back every event of ours it holds", p->conf.agency);
		return;
	}
	if (ingest_now(s, p, m, st) != 0)
		return; /* asked again at the next tick */
	if (!(next = own_progress(s, m, from))) {
		p->recovered = 1;
		log_warn("recovery: %s answered RECOVER from seq %llu with %zu envelopes but no event of "
			 "ours from there on: taken as done with it", p->conf.agency,
			 (unsigned long long)from, m->nevents);
		return;
	}
	p->recover_from = next;
	send_recover(s, p, lfh_wall_ms());
}

/* A FETCHED: the answer to the oldest FETCH or RECOVER in flight to p. */
static void handle_fetched(lfh_sync *s, peer *p, ingest_stats *st)
{
	ask a;

	if (sync_ask_pop(p, &a))
		return;
	if (a.kind == ASK_RECOVER) {
		handle_recovered(s, p, a.from, st);
		return;
	}
	size_t before = st->stored;
	p->fetch_inflight = 0;
	if (ingest_now(s, p, s->msg, st) == 0)
		sync_fetch_answered(p, a.author, st->stored - before);
}

/* Send RECOVER to every peer that has not answered all it holds of ours; 1 once all have. */
static int ask_for_ours(lfh_sync *s, uint64_t now_ms)
{
	size_t done = 0;

	for (size_t i = 0; i < s->npeers; i++) {
		peer *p = &s->peers[i];
		if (p->recovered) {
			done++;
			continue;
		}
		sync_asks_expire(p, now_ms);
		if (!p->recover_inflight)
			send_recover(s, p, now_ms);
	}
	return done == s->npeers;
}

void sync_recover_tick(lfh_sync *s, uint64_t now_ms)
{
	lfh_err err = { 0 };

	if (!ask_for_ours(s, now_ms))
		return;
	if (lfh_recovery_finish(s->node, &err) != 0) {
		log_error("recovery: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < s->npeers; i++)
		sync_pull_from(s, &s->peers[i]);
}

/* Ask every peer again for our events from the lowest one refused here. */
static void start_refetch(lfh_sync *s)
{
	lfh_node *n = s->node;
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	uint64_t from = n->refused_own_from;

	if (lfh_txn_begin(n->store, 1, &t, &err) == 0 &&
	    lfh_store_meta_put(t, "own_refused", 0, &err) == 0 && lfh_txn_commit(t, &err) == 0)
		t = NULL;
	if (t) {
		lfh_txn_abort(t);
		log_error("asking again for our own events: %s", err.msg);
		return;
	}
	n->refused_own_from = 0; /* set again if one is refused again */
	for (size_t i = 0; i < s->npeers; i++) {
		s->peers[i].recovered = s->peers[i].recover_inflight = 0;
		s->peers[i].recover_from = from;
	}
	s->refetch_own = 1;
	log_info("ISA version %u adopted: asking the peers again for our events from seq %llu, "
		 "refused here before", n->rules.isa->version, (unsigned long long)from);
}

void sync_refetch_own_tick(lfh_sync *s, uint64_t now_ms)
{
	uint32_t v = s->node->rules.isa ? s->node->rules.isa->version : 0;

	if (v != s->isa_seen) {
		s->isa_seen = v;
		if (s->node->refused_own_from && !s->refetch_own && v)
			start_refetch(s);
	}
	if (s->refetch_own && ask_for_ours(s, now_ms))
		s->refetch_own = 0;
}

/*
 * Does a reply of this type answer a request of ours to p in flight: a
 * BATCH a PULL, a FETCHED a FETCH or RECOVER, an ERROR any of them? A peer
 * may send only answers; anything else is dropped before it costs more
 * than its decoding.
 */
static int requested(const peer *p, uint32_t type)
{
	if (type == LFH_MSG_BATCH)
		return p->pull_inflight > 0;
	if (type == LFH_MSG_FETCHED)
		return p->nasks > 0;
	if (type == LFH_MSG_ERROR)
		return p->pull_inflight > 0 || p->nasks > 0;
	return 0;
}

void sync_handle_dealer(lfh_sync *s, peer *p, int d, char notify[LFH_MAX_PEERS])
{
	zmq_msg_t f[2];
	lfh_err err = { 0 };
	ingest_stats st = { 0 };
	int n = sync_recv_frames(p->dealer[d], f, 2);

	if (n != 1) {
		sync_close_frames(f, n < 2 ? n : 2);
		return;
	}
	p->live = d;
	p->last_reply_ms = lfh_wall_ms();
	if (lfh_msg_decode(zmq_msg_data(&f[0]), zmq_msg_size(&f[0]), s->msg, &err)) {
		if (sync_reject_loggable(p))
			log_warn("malformed reply from %s: %s", p->conf.agency, err.msg);
	} else if (!requested(p, s->msg->type)) {
		sync_drop_unrequested(p);
	} else if (s->msg->type == LFH_MSG_BATCH) {
		handle_batch(s, p, &f[0], notify);
	} else if (s->msg->type == LFH_MSG_FETCHED) {
		handle_fetched(s, p, &st);
	} else if (s->msg->type == LFH_MSG_ERROR) {
		if (p->pull_inflight && p->pull_held && s->msg->code == LFH_ECODEC && !p->no_held) {
			p->no_held = 1; /* a release before PULL's held: pull as it understands */
			log_info("%s does not take a PULL that says what we hold: pulling without",
				 p->conf.agency);
		}
		p->pull_inflight = p->fetch_inflight = p->recover_inflight = p->discard = 0;
		p->nasks = 0; /* which request it answers is not said: all are asked again */
		log_warn("peer %s answered error %lld: %s", p->conf.agency,
			 (long long)s->msg->code, s->msg->text);
	}
	sync_close_frames(f, 1);
	if (st.stored)
		log_debug("stored %zu new events from %s", st.stored, p->conf.agency);
	for (size_t j = 0; j < LFH_MAX_PEERS; j++)
		notify[j] |= st.notify[j];
}
