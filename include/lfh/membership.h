/*
 * membership.h - who the node shares with, and under which keys
 * (node/core/membership.c): member agencies and their newest keys, the
 * peers that follow the ISA in force, and our sharing-key epochs.
 */
#ifndef LFH_MEMBERSHIP_H
#define LFH_MEMBERSHIP_H

#include <stdint.h>

#include "lfh/err.h"
#include "lfh/node.h"
#include "lfh/pubkeys.h"
#include "lfh/store.h"

/* Public keys of a member agency (self or a configured peer), or NULL. */
const lfh_pubkeys *lfh_node_member(const lfh_node *n, const char *agency);

/*
 * cfg.peers follow the parties of the ISA in force; a [peer] section
 * (n->overrides) may override a party's endpoint. at_open: a [peer] that is
 * not a party, or whose pubkey is not the ISA's, is a configuration error.
 * Bumps n->peers_version (the sync loop then brings its peers in line).
 */
int lfh_node_derive_peers(lfh_node *n, int at_open, lfh_err *err);

/*
 * The peers the ISA in force gives with the [peer] sections ov[0..nov)
 * (their endpoints override the ISA's), into out (LFH_MAX_PEERS entries),
 * without changing n. check: refuse a [peer] that is not a party or whose
 * pubkey is not the ISA's (LFH_ECONFIG). Needs an ISA (n->rules.isa).
 */
int lfh_node_peers_for(const lfh_node *n, const lfh_peer_conf *ov, size_t nov, int check,
		       lfh_peer_conf *out, size_t *nout, lfh_err *err);

/* Meta counters of our sharing-key epoch (PROTOCOL.md 15) and when it began. */
#define LFH_META_SHARING_EPOCH "sharing_epoch"
#define LFH_META_SHARING_EPOCH_MS "sharing_epoch_ms"

/*
 * Start a new sharing-key epoch: every later write uses a fresh key per
 * (case, category), granted only to who receives it then. Earlier epochs'
 * keys are kept. `why` is logged; the new epoch goes to *epoch if not NULL.
 */
int lfh_node_rotate_sharing(lfh_node *n, lfh_txn *t, const char *why, uint32_t *epoch,
			    lfh_err *err);

/* A new epoch if the current one is cfg.sharing_rotate_days old at now_ms (retention tick). */
int lfh_node_sharing_schedule(lfh_node *n, lfh_txn *t, uint64_t now_ms, lfh_err *err);

#endif
