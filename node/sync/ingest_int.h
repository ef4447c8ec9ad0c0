/*
 * ingest_int.h - what node/sync/ingest.c (checking and storing one received
 * event) gives node/sync/ingest_pipe.c (the catch-up pipeline); not a
 * public interface (include/lfh/ingest.h is).
 */
#ifndef LFH_INGEST_INT_H
#define LFH_INGEST_INT_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/ingest.h"
#include "lfh/node.h"
#include "lfh/store.h"

/* Decode one received envelope into ev and verify it: our hub, a member author, a signature
 * by a key generation valid at its time (PROTOCOL.md 7). */
int lfh_ingest_check(lfh_node *n, const uint8_t *raw, size_t len, const char *from, lfh_event *ev,
		     lfh_err *err);

/*
 * The checks of PROTOCOL.md 7 on a decoded event, in order: our hub, a member
 * author, a key generation valid at its time whose signature matches (with
 * checked_pk, the verdict checked_ok a pool thread reached with that key is
 * taken if it is the key the keyring names now: lfh_keyring_verify_checked),
 * and without an ISA, that we are a recipient.
 */
int lfh_ingest_verify(lfh_node *n, const lfh_event *ev, const char *from, const uint8_t *checked_pk,
		      int checked_ok, lfh_err *err);

/* Judge a verified event by the rules (PROTOCOL.md 7.3), then hold it, or store and apply it;
 * id is lfh_event_id of raw, which the caller has computed already. */
int lfh_ingest_store_checked(lfh_node *n, lfh_txn *t, const uint8_t *raw, size_t len,
			     const uint8_t id[LFH_ID_LEN], const lfh_event *ev,
			     lfh_ingest_result *res, lfh_err *err);

#endif
