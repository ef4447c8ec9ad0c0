/*
 * summary.h - what the reports read of a closed case, kept so that they need
 * not project it again (node/rules/summary.c; issue #13: reports read
 * maintained aggregates, not every case).
 *
 * When a CLOSE leaves a case closed as projected here, the node keeps the
 * part of its OSARA state the reports use (node/control/ctl_report.c): the
 * referral's time, author, risk, category and texts, reopenings, meetings'
 * dates and victims, actions' powers and outcomes, and the agency/team of
 * every valid entry. Any later event of the case drops it (lfh_node_apply),
 * and so does shredding one of its events (the store). A closed case has no
 * open item, so nothing in it depends on the time of the report.
 *
 * Table LFH_TBL_SUMMARY: case(16) 'h' -> the header record; case(16) 'm'|'a'|'t'
 * index(2 BE) -> one record per meeting, action, team entry. Only the header
 * makes a summary: dropping it drops the summary.
 */
#ifndef LFH_SUMMARY_H
#define LFH_SUMMARY_H

#include <stdint.h>

#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/osara.h"
#include "lfh/store.h"

/* Keep the summary of st, the state of a closed case, in t. */
int lfh_summary_put(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const lfh_osara_state *st,
		    lfh_err *err);

/*
 * The summary of the case into st: what the reports read is set as the
 * projection would give it (stage closed; the referral's fields; meetings,
 * actions and the timeline's entries up to their counts); every other
 * field of st is left as it was, so that a report need not clear half a
 * megabyte per case. 1 if there is one, 0 if not (st may then be part
 * filled), or a store error.
 */
int lfh_summary_get(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], lfh_osara_state *st,
		    lfh_err *err);

/* 1 if the case has a summary, 0 if not, or a store error. */
int lfh_summary_has(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], lfh_err *err);

/* Forget the case's summary (0 also if there is none). */
int lfh_summary_drop(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], lfh_err *err);

#endif
