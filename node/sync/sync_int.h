/*
 * sync_int.h - what node/sync/sync.c (sockets, peers, serving) and
 * node/sync/pull.c (pulling) share; not a public interface
 * (include/lfh/sync.h is).
 */
#ifndef LFH_SYNC_INT_H
#define LFH_SYNC_INT_H

#include <stdint.h>

#include <zmq.h>

#include "lfh/ingest.h"
#include "lfh/sync.h"
#include "lfh/wire.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_DOMAIN "lfh"
#define PULL_INTERVAL_MS 1000
#define REQUEST_TIMEOUT_MS 5000
#define CONNECTED_WINDOW_MS 3500
#define HOLD_MAX_MS (7ULL * 86400000ULL)
#define LFH_SERVER_KEYS 4
#define SILENT_RECONNECT_MS 10000 /* > REQUEST_TIMEOUT_MS + PULL_INTERVAL_MS */
#define ALLOWED_MAX (LFH_MAX_PEERS * 2)
#define REBIND_TRIES 40
#define REBIND_WAIT_US 25000
#define PIPE_BATCHES 8   /* received batches in the catch-up pipeline at most, all peers */
#define PIPE_PER_PEER 4  /* of which from one peer: its follow-up PULL waits beyond that */
#define PROBE_MAX 64     /* PULL max while another peer streams a backlog to us */
/* A PULL for news (a NOTIFY, or the last BATCH said more) waits this long after the
 * one before: news of many writes in a row is asked for together, and a puller stays
 * well under a server's REQUESTS_PER_SECOND (sync.c) however fast its peer writes. */
#define PULL_GAP_MS 25
/* A BATCH said "more" and stored nothing new: the next PULL waits IDLE_BACKOFF_MS, doubled
 * for each such answer in a row up to PULL_INTERVAL_MS (a peer answering "more" with
 * nothing must not have us pull and commit in a tight loop). */
#define IDLE_BACKOFF_MS 25
/* That many such answers in a row and the peer stops being the streamer (or becoming it). */
#define STREAMER_IDLE_MAX 4
/* A peer put off for the streamer is pulled again after this long whatever the streamer says. */
#define DEFER_MAX_MS 3000

enum { LINK_UNKNOWN, LINK_UP, LINK_UNREACHABLE, LINK_REFUSED };

/*
 * FETCH and RECOVER are both answered by a FETCHED, which names no
 * request: each peer keeps those it has in flight in the order sent, and
 * a FETCHED answers the oldest (a connection answers in order). A FETCH
 * and a RECOVER are never in flight to one peer at once.
 */
#define ASK_MAX 4
enum { ASK_FETCH = 1, ASK_RECOVER = 2 };
typedef struct ask {
	int kind;         /* ASK_* */
	uint64_t from;    /* RECOVER: the seq asked from */
	size_t author;    /* FETCH: the index in the peer list of the author asked about */
	uint64_t sent_ms;
} ask;

typedef struct peer {
	lfh_peer_conf conf; /* a copy: the node rewrites its list when the ISA changes */
	void *dealer[LFH_SERVER_KEYS]; /* one per CURVE server key the peer may be using */
	void *monitor[LFH_SERVER_KEYS]; /* each dealer's socket monitor (link.c), or NULL */
	char dealer_up[LFH_SERVER_KEYS], dealer_failed[LFH_SERVER_KEYS], dealer_tried[LFH_SERVER_KEYS];
	int link;                /* LINK_*: the state last logged */
	uint64_t link_since_ms;  /* when it entered that state */
	uint64_t link_logged_ms; /* when it was last logged */
	char link_why[192];      /* why the last handshake failed */
	uint8_t server_pk[LFH_SERVER_KEYS][32];
	uint8_t client_pk[32]; /* our CURVE key the dealers were connected with */
	int ndealers, live;    /* live: the dealer that answered last */
	uint64_t their_cursor; /* highest cursor it pulled from us since we started */
	uint64_t served_upto;  /* highest next_cursor of a BATCH we sent it */
	uint64_t last_request_ms; /* when it last sent us a request */
	uint64_t dealers_ms;   /* when the dealers were last (re)created */
	uint64_t bad_window_ms;   /* start of the current one-second window */
	uint32_t bad_in_window;   /* malformed requests seen in it */
	uint64_t req_window_ms;   /* the same for requests served */
	uint32_t req_in_window;
	uint64_t dropped;         /* requests not served: over the rate */
	uint64_t caught_up_ms;    /* last BATCH that said "no more" */
	uint64_t added_ms;        /* when it became our peer (this run, or its endpoint changed) */
	int pull_inflight;  /* PULLs sent and not yet answered: 0..2 (one pipelined) */
	int discard;        /* replies to drop: they answer a cursor we never reached */
	int pull_again, fetch_inflight;
	int pull_deferred;  /* a PULL waits for PULL_GAP_MS since the last (sync_pull_deferred) */
	int recover_inflight, recovered; /* RECOVER sent; it answered all it holds of ours */
	uint64_t recover_from, recover_sent_ms; /* our next seq to ask it for */
	ask asks[ASK_MAX];  /* its FETCHes and RECOVERs in flight, oldest first */
	int nasks;
	size_t fetch_next;  /* gaps: the author (index in the peer list) to ask it about first */
	uint64_t fetch_not_before_ms[LFH_MAX_PEERS]; /* per author: not asked before (back-off) */
	uint8_t fetch_fruitless[LFH_MAX_PEERS];     /* per author: FETCHes in a row that brought nothing */
	uint64_t pull_sent_ms, fetch_sent_ms, last_reply_ms, last_pull_ms;
	uint64_t received, stored, rejected, held;
	uint64_t other_hub;     /* of the rejected: events of another hub (its genesis ISA differs) */
	int queued;             /* its batches in the pipeline, not yet stored */
	uint64_t pull_after;    /* a queued batch said "more" from here: PULL once there is room */
	int deferred;           /* it holds more for us, but another peer is streaming */
	uint64_t deferred_ms;   /* since when */
	uint32_t idle_more;     /* its last BATCHes in a row that said "more" and stored nothing */
	uint64_t pull_not_before_ms; /* no PULL to it before this (back-off after such a BATCH) */
	int pull_big;           /* the PULL in flight asks for LFH_BATCH_MAX */
	int pull_held;          /* the PULL in flight says what we hold */
	int no_held;            /* it refused a PULL saying what we hold (an older release) */
	uint64_t rej_tat_ms;      /* rejection log lines: when the next is due at the steady rate */
	uint64_t rej_unlogged;    /* rejected or held events not logged one by one, since last said */
	uint64_t unrequested;     /* replies dropped since last said: nothing of ours in flight */
	uint64_t unlogged_said_ms; /* when those counts were last said */
} peer;

/* A received BATCH or FETCHED whose checks run on the pool until the main thread stores it. */
typedef struct pending {
	char agency[LFH_AGENCY_MAX + 1]; /* its peer (peers move when the ISA changes) */
	zmq_msg_t frame;      /* the message, kept until it is stored */
	lfh_msg *msg;         /* decoded; its envelopes point into frame */
	lfh_envelope_ref *in; /* LFH_BATCH_MAX */
	lfh_ingest_job *job;
	int set_cursor;       /* a BATCH: its cursor is stored with it */
	int dropped;          /* an earlier batch of its peer failed: not stored */
} pending;

typedef struct allowed_key {
	char agency[LFH_AGENCY_MAX + 1];
	uint8_t curve_pk[32];
} allowed_key;

struct lfh_sync {
	lfh_node *node;
	uint64_t removed_ms;  /* when we found this agency removed from the hub (0: not) */
	int drained;          /* removed, and every peer has what we hold for it */
	void *zctx;
	void *zap;
	uint64_t zap_second;   /* refused connections: the second being counted, */
	uint32_t zap_logged;   /* how many of them were logged, */
	uint32_t zap_unlogged; /* and how many not (said when the next second's first comes) */
	void *router;
	uint8_t router_pk[32]; /* the CURVE key our ROUTER serves with */
	uint64_t keys_version; /* node->rules.keys_version our peers were built from */
	uint64_t peers_version; /* node->peers_version likewise (a [peer] endpoint changed) */
	uint64_t monitors;     /* socket monitors made: each gets its own inproc:// name */
	size_t nallowed;
	allowed_key allowed[ALLOWED_MAX]; /* what ZAP admitted at the last tick */
	size_t npeers;
	peer *peers; /* LFH_MAX_PEERS slots */
	lfh_msg *msg; /* decode scratch: large, so allocated once */
	lfh_envelope_ref *in; /* per-batch ingest scratch, LFH_BATCH_MAX each */
	lfh_ingest_result *res;
	int *status;
	lfh_err *errs;
	lfh_buf out;
	lfh_ingest_pipe *pipe; /* verifier pool and ids in flight */
	pending q[PIPE_BATCHES]; /* FIFO: stored in arrival order */
	size_t qhead, qlen;
	char streamer[LFH_AGENCY_MAX + 1]; /* the one peer sending us a backlog ("" none) */
	uint32_t isa_seen; /* the ISA version in force at the last tick (0 at start) */
	int refetch_own;   /* asking every peer again for our events refused here */
};

/* Receive every frame of one message; returns the frame count (<= max) or -1. */
int sync_recv_frames(void *sock, zmq_msg_t *frames, int max);
void sync_close_frames(zmq_msg_t *frames, int n);

/* Send on the dealer that answered last, else on another (if its handshake completed). */
int sync_send_to_peer(peer *p, const lfh_buf *b);

/* While the node recovers its own events (recovery.h): ask every peer, finish when all answered. */
void sync_recover_tick(lfh_sync *s, uint64_t now_ms);
/* Once a new ISA version is adopted: ask every peer again for our events refused here. */
void sync_refetch_own_tick(lfh_sync *s, uint64_t now_ms);

/* Watch p's dealer d with a socket monitor (link.c); 0, or -1 (then it goes unwatched). */
int sync_link_watch(lfh_sync *s, peer *p, int d);
/* Stop watching p's dealer d (before it is closed). */
void sync_link_unwatch(peer *p, int d);
/* Read what the monitors saw; log each peer's change of state (rate-limited). */
void sync_link_tick(lfh_sync *s, uint64_t now_ms);

/* Send PULL(stored cursor) to p unless one is already outstanding (or p waits for the streamer). */
void sync_pull_from(lfh_sync *s, peer *p);
/* Send the PULLs put off by sync_pull_from whose PULL_GAP_MS has passed. */
void sync_pull_deferred(lfh_sync *s, uint64_t now_ms);
/* max_ms, or less: how long the loop may wait before a put-off PULL is due. */
int sync_pull_wait_ms(const lfh_sync *s, uint64_t now_ms, int max_ms);
/* Once a tick: let the waiting peers pull if the streamer stopped answering or left. */
void sync_streamer_tick(lfh_sync *s);
/* Note a FETCH or RECOVER just sent to p (peer.c; the FETCHED answering it comes in that order). */
void sync_ask_push(peer *p, int kind, uint64_t from, size_t author, uint64_t now_ms);
/* The oldest request in flight to p, which a FETCHED answers: 0, or -1 if none. */
int sync_ask_pop(peer *p, ask *out);
/* Whether p has a request of this kind in flight still. */
int sync_asked(const peer *p, int kind);
/* May one more rejected or held event from p be logged now? */
int sync_reject_loggable(peer *p);
/* A reply of p's that answers nothing in flight: dropped unread, counted, said once a second. */
void sync_drop_unrequested(peer *p);
/* Ask p for one author's missing events (fetch.c), the authors in turn; never with a RECOVER in flight. */
void sync_fetch_gaps(lfh_sync *s, peer *p);
/* The FETCH about the author at index i brought `fresh` new events: back off from it if none. */
void sync_fetch_answered(peer *p, size_t i, size_t fresh);
/* Forget p's FETCHes and RECOVERs unanswered for REQUEST_TIMEOUT_MS (they may be asked again). */
void sync_asks_expire(peer *p, uint64_t now_ms);
/* Once a tick: say how many of p's rejections and unrequested replies went unlogged. */
void sync_log_tick(peer *p, uint64_t now_ms);

/*
 * A reply arrived on p's dealer d: BATCH (store it; pull on or fetch gaps),
 * FETCHED or ERROR. notify[j] is set for each peer j that should hear of
 * events newly stored.
 */
void sync_handle_dealer(lfh_sync *s, peer *p, int d, char notify[LFH_MAX_PEERS]);

/*
 * Store the batches at the head of the pipeline whose checks are done (all
 * of them with wait, helping with the checks), each in its own durable
 * transaction, then pull on, fetch gaps, and set notify[j] as above.
 */
void sync_pipeline_run(lfh_sync *s, int wait, char notify[LFH_MAX_PEERS]);
/* Allocate the pipeline's queue (at start); free it and everything queued (at stop). */
int sync_pipeline_init(lfh_sync *s, lfh_err *err);
void sync_pipeline_free(lfh_sync *s);

#endif
