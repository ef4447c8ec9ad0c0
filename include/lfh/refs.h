/*
 * refs.h - case references a person can say and type (node/core/refs.c):
 * "POLICE-26-0042", the lead agency's id in capitals, the year and the
 * agency's own counter, so unique across the hub without coordination
 * (lfh_osara_ref_valid). A referral carries its reference in its encrypted
 * body; every node that can read it indexes it (table LFH_TBL_REFS, and
 * "ref" in the case's index record), so `lfh` accepts a reference wherever
 * it accepts a case id.
 */
#ifndef LFH_REFS_H
#define LFH_REFS_H

#include <stdint.h>

#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/node.h"
#include "lfh/osara.h"
#include "lfh/store.h"

/*
 * The reference for this agency's next referral, in the UTC year of now_ms,
 * into out; the counter (meta "refno.YY") moves on in t, so the reference
 * is this referral's if t commits. 0 or a store error.
 */
int lfh_refs_next(lfh_node *n, lfh_txn *t, uint64_t now_ms, char out[LFH_OSARA_REF_MAX + 1],
		  lfh_err *err);

/*
 * After storing ev (id): a REFERRAL's reference, if this node can read it,
 * into the index (a KEY of a case whose referral could not be read yet
 * tries again); our own raise our counter past their number, so a store
 * restored from a backup never gives a number twice. Never fails on an
 * unreadable or malformed body: only store errors.
 */
int lfh_refs_index(lfh_node *n, lfh_txn *t, const lfh_event *ev, const uint8_t id[LFH_ID_LEN],
		   lfh_err *err);

/* The case a reference (any case) names: 0, LFH_ENOTFOUND or LFH_EINVAL (not a reference). */
int lfh_refs_lookup(lfh_txn *t, const char *ref, uint8_t case_id[LFH_CASE_LEN], lfh_err *err);

#endif
