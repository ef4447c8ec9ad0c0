/*
 * sync.h - replication with peer nodes over ZeroMQ CURVE.
 *
 * One ROUTER (CURVE server) serves peers' PULL/FETCH and receives their
 * NOTIFYs; a DEALER (CURVE client) per peer and per key it may serve with
 * pulls from it. A ZAP handler, bound before the ROUTER, admits only the
 * transport keys the keyring allows peers now and names each connection by
 * agency id (ZAP User-Id), which is what every request is checked against.
 * Peers and keys follow the ISA and key events at run time (lfh_sync_tick).
 * Runs inside the daemon's single zmq_poll loop; the number of poll items
 * (lfh_sync_nitems) may change after each tick.
 */
#ifndef LFH_SYNC_H
#define LFH_SYNC_H

#include <stdint.h>

#include <zmq.h>

#include "lfh/err.h"
#include "lfh/node.h"

typedef struct lfh_sync lfh_sync;

/* Poll items the sync loop may need at most: ZAP, ROUTER, four DEALERs per peer, the verifier pool. */
#define LFH_SYNC_ITEMS_MAX (3 + 4 * LFH_MAX_PEERS)

typedef struct lfh_peer_status {
	const char *agency;
	const char *endpoint;
	int connected;      /* answered within the last few seconds */
	uint64_t last_ms;   /* wall ms of its last answer, 0 if never */
	uint64_t received;  /* envelopes received from it (on the wire) */
	uint64_t stored;    /* of which new and stored */
	uint64_t rejected;  /* of which rejected */
	uint64_t held;      /* of which kept aside until their case is known (judge.h) */
	uint64_t other_hub; /* of the rejected, events of another hub: its genesis ISA differs */
	uint64_t dropped;   /* its requests we did not serve: over the rate limit */
	uint64_t caught_up_ms; /* wall ms when it last had nothing more for us, 0 if never */
	uint64_t since_ms;  /* wall ms it became our peer (this run, or a new endpoint) */
	int recovered;      /* recovering: it has sent back every event of ours it holds */
} lfh_peer_status;

/* Bind the ZAP handler and ROUTER, connect a DEALER per peer. */
int lfh_sync_start(lfh_sync **out, void *zctx, lfh_node *n, lfh_err *err);
void lfh_sync_stop(lfh_sync *s);

/*
 * This agency was removed from the hub (ISA in force) and every peer has
 * what we hold for it (pulled past our head, or was served it and went
 * quiet), or 10 minutes passed: the node should stop (lfhd exits 4).
 */
int lfh_sync_removed_and_drained(const lfh_sync *s);

/* Number of poll items lfh_sync_pollitems fills (fixed for the run). */
int lfh_sync_nitems(const lfh_sync *s);
void lfh_sync_pollitems(lfh_sync *s, zmq_pollitem_t *items);
/* Handle whatever is ready among the items filled above. */
void lfh_sync_dispatch(lfh_sync *s, const zmq_pollitem_t *items);
/* How long the loop may poll (max_ms, or less when a PULL put off for pacing is due). */
int lfh_sync_wait_ms(const lfh_sync *s, int max_ms);

/* Periodic work: pull from idle peers, expire requests that got no answer. */
void lfh_sync_tick(lfh_sync *s, uint64_t now_ms);

/* We hold new events for agency: tell it (best effort) so it pulls now. */
void lfh_sync_notify(lfh_sync *s, const char *agency);

/*
 * While the node recovers (recovery.h): take peer agency as having answered,
 * on an administrator's word (lfh admin recovery skip), for a peer that will
 * never answer (an agency the hub removed after the backup restored). What
 * of ours only it held is not recovered. 0, LFH_EINVAL (not recovering, or
 * it answered already), LFH_ENOTFOUND (no such peer).
 */
int lfh_sync_recovery_skip(lfh_sync *s, const char *agency, lfh_err *err);

size_t lfh_sync_npeers(const lfh_sync *s);
void lfh_sync_peer_status(const lfh_sync *s, size_t i, lfh_peer_status *st);

#endif
