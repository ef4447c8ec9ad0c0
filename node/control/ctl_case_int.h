/*
 * ctl_case_int.h - what node/control/ctl_case.c (filing, listing, showing
 * cases) shares with ctl_search.c (searching them) and ctl_export.c
 * (subject access): the case record and an entry as every view reads them;
 * not an interface (include/lfh/ctl.h is).
 */
#ifndef LFH_CTL_CASE_INT_H
#define LFH_CTL_CASE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/ctl.h"
#include "lfh/osara.h"

/* The entries past a case's full timeline that were not applied (lfh_node_project_late). */
typedef struct late_set {
	lfh_osara_late *v;
	size_t n;
} late_set;

/*
 * Fill the case summary record: non-secret index plus the decrypted
 * referral, unless the case as projected (st, if known) says the lead
 * redacted the referral: its text is then out of every view.
 */
int ctl_case_describe(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		      const lfh_record *meta, const lfh_osara_state *st, lfh_record *out,
		      lfh_err *err);

/*
 * What the projection says of the entry with this id, into its record out:
 * flagged (ignored), corrected (amended) or redacted; an entry past a full
 * timeline is flagged from late (NULL: not known).
 */
int ctl_case_corrections(const lfh_osara_state *st, const late_set *late,
			 const uint8_t id[LFH_ID_LEN], lfh_record *out, lfh_err *err);

#define CTL_SNIPPET_MAX 120 /* the text shown of a match */

/*
 * For subject access: the first field of the case's entries, as its views
 * read them (st: redacted content left out), that holds every one of words
 * (folded, lfh_fold): its name into field, its text (cut) into snippet.
 * 1 found, 0 not, or a negative status.
 */
int ctl_case_mentions(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		      const lfh_osara_state *st, const char *const *words, size_t nwords,
		      char field[LFH_FIELD_KEY_MAX + 1], char snippet[CTL_SNIPPET_MAX + 1],
		      lfh_err *err);

/* The all-zero case: the hub's own events, which earlier builds indexed as a case. */
int ctl_is_hub_case(const uint8_t case_id[LFH_CASE_LEN]);

#endif
