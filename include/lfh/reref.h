/*
 * reref.h - the re-referral index (node/core/reref.c): which case held here
 * was referred about the same subject or location, so that filing a
 * referral costs the same at 100 cases and 100,000. Keys are a keyed hash
 * (BLAKE2b with this node's own random secret) of the normalised subject or
 * location, never the text itself; table LFH_TBL_REREF.
 *
 * Same matches as a scan of every referral (PROTOCOL.md 10, referral_new):
 * a readable referral, referred in the 365 days up to now, whose subject or
 * location equals the one given after trimming and ASCII lower-casing; the
 * most recent wins. (The control layer drops the link if that case's
 * referral was redacted: lfh_ctl_find_rereferral.)
 */
#ifndef LFH_REREF_H
#define LFH_REREF_H

#include <stdint.h>

#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/store.h"

/* Index a readable referral of case_id, stamped hlc, with its subject and location (may be NULL). */
int lfh_reref_add(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], uint64_t hlc,
		  const char *subject, const char *location, lfh_err *err);

/*
 * The case referred about subject or location (either may be NULL or empty)
 * most recently in the 365 days up to now_ms, into out (32 hex), or "" if
 * none. 0 or a store error.
 */
int lfh_reref_find(lfh_txn *t, const char *subject, const char *location, uint64_t now_ms,
		   char out[2 * LFH_CASE_LEN + 1], lfh_err *err);

/*
 * Remove the entries no link may come from: a referral more than 365 days
 * before now_ms, or a case whose referral category was shredded (retention:
 * nothing derived from its subject or place outlives it). *removed = how
 * many. Scans the whole index: run it after a retention pass that shredded.
 */
int lfh_reref_prune(lfh_txn *t, uint64_t now_ms, uint64_t *removed, lfh_err *err);

/* Has the index been built over every referral held (a store from before it existed may not)? */
int lfh_reref_ready(lfh_txn *t, int *yes, lfh_err *err);
/* Mark it built. */
int lfh_reref_set_ready(lfh_txn *t, lfh_err *err);

#endif
