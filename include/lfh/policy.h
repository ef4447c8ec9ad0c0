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
 */
#ifndef LFH_POLICY_H
#define LFH_POLICY_H

#include <stdint.h>

#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/isa.h"
#include "lfh/isa_text.h"
#include "lfh/node.h"
#include "lfh/record.h"
#include "lfh/store.h"

/*
 * At node open, with cfg.isa_path set: parse the genesis ISA file, make its
 * hash the hub id (refusing a data_dir that belongs to another hub), load
 * the latest adopted version, and derive the peer list from its parties
 * (endpoints overridable by [peer] sections).
 */
int lfh_policy_open(lfh_node *n, lfh_err *err);
void lfh_policy_close(lfh_node *n);
int lfh_policy_active(const lfh_node *n);

/*
 * Recipients of a new event of `category` (type) about case_id, from the
 * ISA and the case's lead and participants; `invite` (for a referral) adds
 * the agencies the referral is shared with. Sorted, author left out.
 */
int lfh_policy_recipients(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			  uint32_t type, const char *category, const char *const *invite,
			  size_t ninvite, char out[][LFH_AGENCY_MAX + 1], size_t *nout,
			  lfh_err *err);

/*
 * The receiver's ISA check of a verified event: the ISA version it names is
 * in force here, its category exists, every listed recipient may receive
 * it, and we are a recipient or a participant it was backfilled to.
 */
int lfh_policy_accept(lfh_node *n, lfh_txn *t, const lfh_event *ev, lfh_err *err);

/*
 * Apply a newly stored event's governance effect (written here or
 * received): participants and lead, ISA proposals and signatures (and
 * adoption), closure, and backfill to a newly joined participant. `own` is
 * 1 for events this node wrote (it then grants sharing keys to a newcomer).
 */
int lfh_policy_apply(lfh_node *n, lfh_txn *t, const lfh_event *ev, const uint8_t id[LFH_ID_LEN],
		     int own, lfh_err *err);

/* Has (case, category) been shredded here? (Events for it are then dropped.) */
int lfh_policy_shredded(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			const char *category, int *yes, lfh_err *err);

/*
 * Retention: shred every (closed case, category) whose retention period
 * ended before now_ms: its sharing keys and ciphertext are deleted and a
 * shred record kept. *count = pairs shredded now.
 */
int lfh_policy_retention(lfh_node *n, lfh_txn *t, uint64_t now_ms, uint64_t *count,
			 lfh_err *err);

/* Case lead and participants ("a,b,c") from the case index; "" if unknown. */
int lfh_policy_case_parties(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], char *lead,
			    size_t lead_size, char *participants, size_t psize, lfh_err *err);

/* The ISA version `version` (the one in force, or an earlier adopted one). */
int lfh_policy_isa(lfh_node *n, lfh_txn *t, uint32_t version, const lfh_isa **out,
		   lfh_err *err);

/* Parse an ISA text file as a proposal for the next version: checks version and prev. */
int lfh_policy_parse_next(lfh_node *n, const char *path, lfh_isa *out, lfh_buf *bytes,
			  uint8_t hash[32], lfh_err *err);

/* Meta counters of our sharing-key epoch (PROTOCOL.md 15) and when it began. */
#define LFH_META_SHARING_EPOCH "sharing_epoch"
#define LFH_META_SHARING_EPOCH_MS "sharing_epoch_ms"

/*
 * Start a new sharing-key epoch: every later write uses a fresh key per
 * (case, category), granted only to who receives it then. Earlier epochs'
 * keys are kept. `why` is logged; the new epoch goes to *epoch if not NULL.
 */
int lfh_policy_rotate_sharing(lfh_node *n, lfh_txn *t, const char *why, uint32_t *epoch,
			      lfh_err *err);

/* A new epoch if the current one is cfg.sharing_rotate_days old at now_ms (retention tick). */
int lfh_policy_sharing_schedule(lfh_node *n, lfh_txn *t, uint64_t now_ms, lfh_err *err);

#endif
