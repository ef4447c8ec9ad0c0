/*
 * policy.h - the information-sharing agreement in force at a node, and what
 * it decides (proto/PROTOCOL.md, "ISA" and "Governance events"):
 *   - membership and the hub id (hash of the genesis version);
 *   - who receives each event a node writes (category rule + the case's
 *     lead and participants), and what a receiver accepts;
 *   - ISA versions: proposals and signatures arrive as events; a version
 *     is adopted once every signer the version in force requires has signed;
 *   - case participation: the lead and referral recipients, plus agencies
 *     invited later (JOIN events), who are then backfilled with the earlier
 *     events of the categories the ISA lets them see, and nothing else;
 *   - retention: after a case closes, each category is crypto-shredded
 *     when its retention period has run out.
 * Nodes configured without an ISA (provisional hub from [peer] sections)
 * skip all of this: lfh_policy_active() is 0.
 *
 * The policy reads and writes only the rules' state (include/lfh/rules.h)
 * and the store. It never writes an event: what applying an event causes
 * beyond its own tables (sharing keys to grant to a newcomer, a new
 * sharing-key epoch, peers that follow an adopted version) it returns as
 * lfh_effects for the node core to carry out in the same transaction.
 */
#ifndef LFH_POLICY_H
#define LFH_POLICY_H

#include <stdint.h>

#include "lfh/agencies.h"
#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/isa.h"
#include "lfh/isa_text.h"
#include "lfh/pubkeys.h"
#include "lfh/record.h"
#include "lfh/rules.h"
#include "lfh/store.h"

/*
 * At node open: parse the genesis ISA file (isa_path), make its hash the
 * hub id (refusing a store that belongs to another hub; data_dir names it
 * in the message), load the latest adopted version and the keyring, and
 * check that self (our newest keys, generation self_gen) is a party with
 * the keys the ISA names. A party that a later version removed opens with
 * r->removed set (its data stays until retention; it does not sync).
 */
int lfh_policy_open(lfh_rules *r, lfh_store *st, const char *isa_path, const char *data_dir,
		    const lfh_pubkeys *self, uint32_t self_gen, lfh_err *err);
void lfh_policy_close(lfh_rules *r);
int lfh_policy_active(const lfh_rules *r);

/*
 * Recipients of a new event of `category` (type) about case_id, from the
 * ISA and the case's lead and participants; `invite` (for a referral) adds
 * the agencies the referral is shared with. Sorted, author left out.
 */
int lfh_policy_recipients(const lfh_rules *r, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			  uint32_t type, const char *category, const char *const *invite,
			  size_t ninvite, char out[][LFH_AGENCY_MAX + 1], size_t *nout,
			  lfh_err *err);

/*
 * The receiver's ISA check of a verified event: the ISA version it names is
 * in force here (or was, and the event was stamped within LFH_ISA_GRACE_MS
 * of its successor's adoption here), its category exists, every listed
 * recipient may receive it, and we are a recipient or a participant it was
 * backfilled to.
 */
int lfh_policy_accept(lfh_rules *r, lfh_txn *t, const lfh_event *ev, lfh_err *err);

/* How long after a version's adoption here events may still name the one before. */
#define LFH_ISA_GRACE_MS (7ULL * 86400000ULL)
/* Meta counter prefix: "isa_adopted:<version>" = wall ms of its adoption here. */
#define LFH_META_ISA_ADOPTED "isa_adopted:"

/* One sharing key we hold, to be granted to an agency with a KEY event. */
typedef struct lfh_grant_todo {
	uint8_t case_id[LFH_CASE_LEN];
	char category[LFH_CATEGORY_MAX + 1];
	char creator[LFH_AGENCY_MAX + 1];
	uint32_t epoch;
	char agency[LFH_AGENCY_MAX + 1];
} lfh_grant_todo;

/* What applying an event asks of the node core (all in the same transaction). */
typedef struct lfh_effects {
	const char *new_epoch;   /* non-NULL: start a new sharing-key epoch, for this reason */
	int adopted;             /* an ISA version was adopted: peers follow its parties */
	size_t ngrants, cap;
	lfh_grant_todo *grants;  /* keys to grant to a newcomer, where not granted already */
} lfh_effects;

void lfh_effects_clear(lfh_effects *fx);

/*
 * Apply a newly stored event's governance effect (written here or
 * received): participants and lead, ISA proposals and signatures (and
 * adoption), closure, and backfill to a newly joined participant. `own` is
 * 1 for events this node wrote: a JOIN we wrote asks (fx->grants) that the
 * newcomer get the sharing keys of what was backfilled to it.
 */
int lfh_policy_apply(lfh_rules *r, lfh_txn *t, const lfh_event *ev, const uint8_t id[LFH_ID_LEN],
		     int own, lfh_effects *fx, lfh_err *err);

/*
 * A proposal's proposer ("" if its ISA_PROPOSE is not held here) and whether
 * its proposer withdrew it (ISA_WITHDRAW: no more signatures, PROTOCOL.md 14.8).
 */
int lfh_policy_proposal(lfh_txn *t, const uint8_t hash[32], char proposer[LFH_AGENCY_MAX + 1],
			int *withdrawn, lfh_err *err);

/*
 * Has agency signed a proposal held here, other than hash, of the same
 * version and predecessor that is not withdrawn (a rival: both fully
 * signed, nodes would adopt whichever completed first)? *found, and its
 * hash in rival. 0 or a store error.
 */
int lfh_policy_signed_rival(lfh_txn *t, const uint8_t hash[32], uint32_t version,
			    const uint8_t prev[32], const char *agency, uint8_t rival[32], int *found,
			    lfh_err *err);

/* Has (case, category) been shredded here? (Events for it are then dropped.) */
int lfh_policy_shredded(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *category,
			int *yes, lfh_err *err);

/*
 * Retention: shred every (closed case, category) whose retention period
 * ended before now_ms: its sharing keys and ciphertext are deleted and a
 * shred record kept. *count = pairs shredded now.
 */
int lfh_policy_retention(const lfh_rules *r, lfh_txn *t, uint64_t now_ms, uint64_t *count,
			 lfh_err *err);

/* The ISA version `version` (the one in force, or an earlier adopted one). */
int lfh_policy_isa(lfh_rules *r, lfh_txn *t, uint32_t version, const lfh_isa **out,
		   lfh_err *err);

/*
 * Is an earlier data event (type, category) of a case led by lead sent to
 * agency when it joins the case (PROTOCOL.md 5.3)? Governance events are
 * not (JOIN and LEAVE are, to say who takes part; the caller adds them).
 */
int lfh_policy_backfills_data(const lfh_rules *r, uint32_t type, const char *category,
			      const char *lead, const char *agency);

/*
 * Was agency a party of an ISA version adopted here before the one in force
 * (removed from the hub since)? 1 yes, 0 no, or a negative status.
 */
int lfh_policy_was_party(const lfh_rules *r, lfh_txn *t, const char *agency, lfh_err *err);

/* Parse an ISA text file as a proposal for the next version: checks version and prev. */
int lfh_policy_parse_next(const lfh_rules *r, const char *path, lfh_isa *out, lfh_buf *bytes,
			  uint8_t hash[32], lfh_err *err);

#endif
