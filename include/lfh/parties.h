/*
 * parties.h - a case's lead agency and participants, as held here
 * (node/rules/parties.c). The rules (include/lfh/policy.h) decide who they
 * are from the events; this module keeps them.
 */
#ifndef LFH_PARTIES_H
#define LFH_PARTIES_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/agencies.h"
#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/store.h"

/* A case's lead ("" if unknown) and participants (empty if unknown). */
int lfh_parties_get(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		    char lead[LFH_AGENCY_MAX + 1], lfh_agencies *participants, lfh_err *err);

/*
 * Agencies ids[0..n) take part in a case from stamp hlc on (a REFERRAL's or a
 * JOIN's), except one removed by a LEAVE stamped later; set the case's lead
 * too if lead is not NULL. Whatever order the events arrive in, the later
 * stamp of an agency's JOIN and LEAVE decides.
 */
int lfh_parties_add(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *lead,
		    const char *const *ids, size_t n, uint64_t hlc, lfh_err *err);

/* A LEAVE stamped hlc removes agency, unless it joined by a JOIN stamped later. */
int lfh_parties_remove(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *agency,
		       uint64_t hlc, lfh_err *err);

/*
 * Every agency that ever took part in the case as held here: its
 * participants and those a LEAVE removed (they hold what they had until
 * retention, so a CLOSE or REOPEN reaches them too).
 */
int lfh_parties_ever(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], lfh_agencies *out,
		     lfh_err *err);

/*
 * A LEAVE stamped hlc removed agency: its events of the case stamped at or
 * after that, stored because they came before the LEAVE, are set aside as if
 * the LEAVE had come first (PROTOCOL.md 7.3 rule 6): their bytes leave the
 * event log (their slots stay indexed, as at shredding, so nothing is
 * fetched again), and they are held (table HELD, the author's held count),
 * to be judged again if the agency joins again. *count: how many.
 */
int lfh_parties_set_aside(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *agency,
			  uint64_t hlc, size_t *count, lfh_err *err);

/* The stamp of the latest LEAVE that named agency in the case (0: none). */
int lfh_parties_left_at(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *agency,
			uint64_t *hlc, lfh_err *err);

struct lfh_osara_lead_was;

/*
 * The case's lead and its earlier leads as the projection of its events has
 * them (lfh_osara_state: lead, leads_before), in stamp order, so that every
 * node holding the same events keeps the same history whatever order the
 * agreements came in.
 */
int lfh_parties_set_leads(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *lead,
			  const struct lfh_osara_lead_was *before, size_t n, lfh_err *err);

/* *yes: agency was the case's lead before the change to the present one, at stamp hlc. */
int lfh_parties_led_before(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *agency,
			   uint64_t hlc, int *yes, lfh_err *err);

/*
 * Once per store: move the participants that earlier versions kept as a
 * "participants" string in each case record into the table.
 */
int lfh_parties_migrate(lfh_txn *t, lfh_err *err);

#endif
