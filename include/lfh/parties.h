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

/* Add agencies ids[0..n) to a case's participants; set its lead too if lead is not NULL. */
int lfh_parties_add(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *lead,
		    const char *const *ids, size_t n, lfh_err *err);

/* Remove agency from a case's participants (0 also if it was none). */
int lfh_parties_remove(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *agency,
		       lfh_err *err);

/*
 * Once per store: move the participants that earlier versions kept as a
 * "participants" string in each case record into the table.
 */
int lfh_parties_migrate(lfh_txn *t, lfh_err *err);

#endif
