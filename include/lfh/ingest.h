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
 * Ingest a whole received batch: signatures are checked in parallel on all
 * cores (the dominant cost of catching up), then the events are stored in
 * order within t. status[i]/errs[i]/res[i] tell each event's fate as
 * lfh_ingest would. Returns 0, or the store failure that stopped it
 * (then abort t).
 */
int lfh_ingest_batch(lfh_node *n, lfh_txn *t, const lfh_envelope_ref *in, size_t count,
			  const char *from, lfh_ingest_result *res, int *status, lfh_err *errs,
			  lfh_err *err);

/*
 * Gaps in what `author` addressed to us: first missing counter and the
 * highest counter seen; *missing = number of absent slots below that.
 */
int lfh_ingest_gaps(lfh_node *n, lfh_txn *t, const char *author, uint64_t *first_missing,
		  uint64_t *highest, uint64_t *missing, lfh_err *err);

#endif
