/*
 * summary.h - what `due`, `case list` and the reports read of a case, kept
 * so that they need not project it again (node/rules/summary.c; issue #13:
 * they read maintained aggregates, not every case).
 *
 * The part of a case's OSARA state those read: stage, lead, reference,
 * participants; the referral's time and date, author, risk, category and texts
 * (and whether the lead redacted them); the
 * risk's timescales and the last review (what is due depends on them and on
 * the time of asking, which the reader supplies); reopenings; meetings'
 * dates and victims; actions (id, agency, power, text, due and resume
 * dates, status, outcome, teams); the agency/team of every valid entry.
 * Any event of the case drops it (lfh_node_apply), and so does shredding
 * one; include/lfh/summarize.h keeps a new one. A case with nothing
 * readable has none.
 *
 * Table LFH_TBL_SUMMARY: case(16) 'h' -> the header record (its "v" is 4;
 * a header without it, from an earlier build, is not read); case(16)
 * 'm'|'a'|'t'|'p' index(2 BE) -> one record per meeting, action, team entry,
 * participant; "v" -> the version (1 byte, lfh_summary_upgrade). Dropping
 * removes every row of the case.
 */
#ifndef LFH_SUMMARY_H
#define LFH_SUMMARY_H

#include <stdint.h>

#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/osara.h"
#include "lfh/store.h"

/* Keep the summary of st, the case's state, in t (none if nothing is readable). */
int lfh_summary_put(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const lfh_osara_state *st,
		    lfh_err *err);

/*
 * The summary of the case into st: what the reports read is set as the
 * projection would give it (the fields listed above, meetings, actions,
 * participants and the timeline's entries up to their counts); every other
 * field of st is left as it was, so that a report need not clear half a
 * megabyte per case. 1 if there is one, 0 if not (st may then be part
 * filled), or a store error.
 */
int lfh_summary_get(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], lfh_osara_state *st,
		    lfh_err *err);

/* 1 if the case has a summary, 0 if not, or a store error. */
int lfh_summary_has(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], lfh_err *err);

/*
 * Once per store, at open: remove every row of an earlier build's summaries
 * (its drop left the parts behind, with the victims' names: they must not
 * outlive shredding) and note the version in the table's format row "v"
 * (1 byte). *removed: how many rows went; 0 or a store error.
 */
int lfh_summary_upgrade(lfh_txn *t, uint64_t *removed, lfh_err *err);

/* Forget the case's summary (0 also if there is none). */
int lfh_summary_drop(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], lfh_err *err);

#endif
