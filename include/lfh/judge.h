/*
 * judge.h - the rulebook a node applies to every case event it receives and
 * every one it writes (PROTOCOL.md 7.3, "Receiver rules"): may this author
 * write this event, whatever its own node's control layer said? A pure
 * decision over the rules' state, the store and the event; it changes
 * nothing. Ingest (node/sync/ingest.c) asks it after an event's signature
 * checked out and before anything of it is stored; the node core
 * (node/core/write.c) asks it before storing an event of its own, so a node
 * never writes what its peers would refuse.
 *
 * Verdicts: 0 accept; LFH_EHELD keep aside (the case, or the author's part
 * in it, is not known here yet: judge again when the case changes);
 * LFH_ECLOCK (lfh_judge_clock) refuse for now (stamped too far ahead of our
 * clock) or for good (out of order with the author's own events);
 * LFH_EPERM refuse, with the rule broken in err.
 */
#ifndef LFH_JUDGE_H
#define LFH_JUDGE_H

#include <stdint.h>

#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/rules.h"
#include "lfh/store.h"

/* How far ahead of the receiver's clock an event may be stamped. */
#define LFH_CLOCK_AHEAD_MS (5ULL * 60 * 1000)

/* Category of hub-wide ISA events and of key events (their case id is all zero). */
#define LFH_ISA_CATEGORY "isa"
#define LFH_KEYS_CATEGORY "keys"

/* Judge ev (decoded and signature-checked): every rule but the clock's. */
int lfh_judge(const lfh_rules *r, lfh_txn *t, const lfh_event *ev, lfh_err *err);

/*
 * The clock rules for a received event, at now_ms (wall clock): not stamped
 * more than LFH_CLOCK_AHEAD_MS ahead, and after `below` and before `above`,
 * the HLCs of the author's events held just below and just above its seq
 * (0 and UINT64_MAX where there is none: lfh_store_author_hlc_around).
 * Events a node writes itself skip them: it stamped them.
 */
int lfh_judge_clock(const lfh_event *ev, uint64_t now_ms, uint64_t below, uint64_t above,
		    lfh_err *err);

/*
 * The party of the ISA in force that case_id is bound to (hub.h,
 * lfh_case_id_of): the case's creator, its lead until a referral is held.
 * "" if none.
 */
void lfh_judge_case_creator(const lfh_rules *r, const uint8_t case_id[LFH_CASE_LEN],
			    char creator[LFH_AGENCY_MAX + 1]);

#endif
