/*
 * summarize.h - keeping every case's summary (include/lfh/summary.h) so that
 * `due`, `case list` and the reports read maintained records, not every
 * case's events (node/core/summarize.c; issue #13).
 *
 * Any event of a case drops its summary in the transaction that stores it
 * (lfh_node_apply), and marks the case here. A later pass, in a transaction
 * of its own or at the end of an import batch, projects the marked cases and
 * keeps their summaries again; then, from where it last stopped, it looks
 * for any other case without one (a mark lost to a restart or to a full
 * list, a case written before this build); a whole round of that scan
 * which found nothing missing rests 10 minutes before the next (a lost mark
 * ends the rest). Each pass stops at its time budget, so that it never
 * holds up the writes waiting behind it; until a case has its summary,
 * readers project it, with the same result.
 */
#ifndef LFH_SUMMARIZE_H
#define LFH_SUMMARIZE_H

#include <stdint.h>

#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/node.h"
#include "lfh/store.h"

/* The case's summary was dropped: keep a new one at the next pass. */
void lfh_summarize_mark(lfh_node *n, const uint8_t case_id[LFH_CASE_LEN]);

/*
 * Keep the summaries of the marked cases, then (scan) of cases found
 * without one, until budget_ms have passed. A case that cannot be projected
 * is logged and left to its readers; 0, or a store error (the transaction
 * is then broken).
 */
int lfh_summarize(lfh_node *n, lfh_txn *t, uint64_t budget_ms, int scan, lfh_err *err);

#endif
