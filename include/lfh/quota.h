/*
 * quota.h - how much of this node's store another agency's events fill
 * (node/rules/quota.c): meta counter "bytes:<author>", checked against
 * author_quota_mb as each event is stored (node/sync/ingest.c, PROTOCOL.md
 * 7.3) and given back here as an event leaves the store: set aside after a
 * LEAVE, shredded at retention, deleted after a revocation. Our own events
 * are not counted.
 */
#ifndef LFH_QUOTA_H
#define LFH_QUOTA_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/store.h"

/* len bytes of author's events left the store: its count goes down (never below 0; none: none made). */
int lfh_quota_give_back(lfh_txn *t, const char *author, size_t len, lfh_err *err);

/*
 * lfh_store_shred_event, giving the event's bytes back to its author's
 * count: a store that shreds what retention says keeps taking that
 * author's new events.
 */
int lfh_quota_shred_event(lfh_txn *t, const uint8_t id[LFH_ID_LEN],
			  const uint8_t case_id[LFH_CASE_LEN], uint64_t hlc, lfh_err *err);

/*
 * Count again the bytes of author's events the store holds (its counter,
 * if it has one): for a store whose count an earlier lfhd (before 0.4.5)
 * never lowered as events were shredded.
 */
int lfh_quota_recount(lfh_txn *t, const char *author, lfh_err *err);

#endif
