/*
 * ingest.h - receiving events from peers (node/sync/ingest.c): each
 * envelope is verified (hub, author membership, a key generation valid at
 * the event's time, signature), judged by the rules (include/lfh/policy.h,
 * keyring.h) and only then stored and applied (lfh_node_apply); anything
 * else is rejected with a reason and never stored. Also: completeness, from
 * the per-(author, us) counters every event carries.
 */
#ifndef LFH_INGEST_H
#define LFH_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/node.h"
#include "lfh/store.h"

typedef struct lfh_ingest_result {
	int stored;    /* 1 if new and stored, 0 if a duplicate */
	uint64_t hlc;
	uint32_t type;
	uint32_t nrcpt;
	char rcpt[LFH_MAX_RECIPIENTS][LFH_AGENCY_MAX + 1];
} lfh_ingest_result;

/*
 * Verify and store one envelope received from peer `from`. Returns 0
 * (stored or duplicate), LFH_EEQUIV (kept as evidence only), or the reason
 * it was rejected (LFH_ECODEC, LFH_EHUB, LFH_EPERM, LFH_ECRYPTO, ...).
 */
int lfh_ingest(lfh_node *n, lfh_txn *t, const uint8_t *raw, size_t len, const char *from,
		    lfh_ingest_result *res, lfh_err *err);

/* One received envelope, borrowed from a message frame. */
typedef struct lfh_envelope_ref {
	const uint8_t *raw;
	size_t len;
} lfh_envelope_ref;

/*
 * Ingest a whole received batch on the calling thread alone: decoded and
 * checked, then stored in order within t. status[i]/errs[i]/res[i] tell each
 * event's fate as lfh_ingest would. Returns 0, or the store failure that
 * stopped it (then abort t). The catch-up pipeline below does the same work
 * with the checks on worker threads.
 */
int lfh_ingest_batch(lfh_node *n, lfh_txn *t, const lfh_envelope_ref *in, size_t count,
			  const char *from, lfh_ingest_result *res, int *status, lfh_err *errs,
			  lfh_err *err);

/*
 * The catch-up pipeline. A pipe owns a persistent pool of verifier threads
 * (include/lfh/pool.h) and the ids of the events in batches submitted and
 * not yet released. lfh_ingest_submit (main thread) looks up which
 * envelopes are held already or in an earlier batch still in the pipeline,
 * and queues the decoding and signature checks of the others on the pool;
 * it returns at once, so batch k+1 is checked while batch k is stored.
 * lfh_ingest_store (main thread, in the batch's write transaction) waits
 * for the checks, helping with them, then judges and stores every event
 * exactly as lfh_ingest_batch: the keyring's checks (member, key generation
 * valid at the event's time, revocation) and the rules are applied then, on
 * the node as it is when the event is stored; a duplicate costs a lookup.
 * A job's envelopes are borrowed until lfh_ingest_release.
 */
typedef struct lfh_ingest_pipe lfh_ingest_pipe;
typedef struct lfh_ingest_job lfh_ingest_job;

/* threads == 0: one per online CPU. */
int lfh_ingest_pipe_new(lfh_ingest_pipe **out, unsigned threads, lfh_err *err);
void lfh_ingest_pipe_free(lfh_ingest_pipe *pp);
/* Readable when a job's checks finished (for zmq_poll); drain it, then ask lfh_ingest_ready. */
int lfh_ingest_pipe_fd(const lfh_ingest_pipe *pp);
void lfh_ingest_pipe_drain(lfh_ingest_pipe *pp);

/* t: any transaction of n's store (read or write), for the lookups. pp NULL: checks run here. */
int lfh_ingest_submit(lfh_node *n, lfh_ingest_pipe *pp, lfh_txn *t, const lfh_envelope_ref *in,
		      size_t count, lfh_ingest_job **out, lfh_err *err);
/* 1 once every check of j is done (lfh_ingest_store will not wait). */
int lfh_ingest_ready(lfh_ingest_pipe *pp, lfh_ingest_job *j);
/* Judge and store j's events in t (as lfh_ingest_batch); 0 or the store failure (abort t). */
int lfh_ingest_store(lfh_node *n, lfh_ingest_pipe *pp, lfh_txn *t, lfh_ingest_job *j,
		     const char *from, lfh_ingest_result *res, int *status, lfh_err *errs,
		     lfh_err *err);
/* Forget j (waiting for any check still running on it); its ids leave the pipeline. */
void lfh_ingest_release(lfh_ingest_pipe *pp, lfh_ingest_job *j);

/*
 * Gaps in what `author` addressed to us: first missing counter and the
 * highest counter seen; *missing = number of absent slots below that.
 */
int lfh_ingest_gaps(lfh_node *n, lfh_txn *t, const char *author, uint64_t *first_missing,
		  uint64_t *highest, uint64_t *missing, lfh_err *err);

#endif
