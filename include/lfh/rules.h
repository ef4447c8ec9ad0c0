/*
 * rules.h - the state of the rulebook at a node: what node/rules/ (the ISA
 * policy, ISA versions and the keyring) decide from, and nothing else.
 *
 * Every node must compute the same answers from the same events, so the
 * rules see only this state, the store, and the event in hand: never a
 * socket, a configuration file or the node's secrets. They write the state
 * they own (tables, this struct) and return everything else they cause, such
 * as sharing keys to grant or a new sharing-key epoch, as data for the node
 * core to act on (lfh_effects, include/lfh/policy.h).
 *
 * The node core (include/lfh/node.h) owns one lfh_rules, fills `self`,
 * `own_certs` and, for a hub without an ISA, `hub_id` and `members`;
 * lfh_policy_open fills the rest from the ISA.
 */
#ifndef LFH_RULES_H
#define LFH_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/event.h"
#include "lfh/pubkeys.h"

struct lfh_cert;
struct lfh_isa;
struct lfh_keyring;

typedef struct lfh_rules {
	char self[LFH_AGENCY_MAX + 1]; /* this node's agency */
	uint8_t hub_id[32];            /* hash of the genesis ISA (or the provisional hub id) */
	struct lfh_isa *isa;           /* ISA in force; NULL: provisional hub without ISA */
	uint8_t isa_hash[32];          /* its hash */
	struct lfh_isa *isa_cache;     /* an earlier version, decoded on demand */
	int removed;                   /* the ISA in force no longer names us */
	int joining;                   /* not yet named by the ISA in force here: we wait to
					* learn (from the parties) the version that adds us */
	struct lfh_keyring *keys;      /* every member's generations (include/lfh/keyring.h) */
	const struct lfh_cert *own_certs; /* the certificates of our generations >= 2 that our
					   * key directory holds (public; owned by the node core):
					   * the keyring takes each one that verifies, CERT stored
					   * or not (keyring.h) */
	size_t nown_certs;
	uint64_t keys_version;         /* bumped whenever member keys or membership change */
	size_t nmembers;               /* member agencies (self included) */
	lfh_pubkeys members[LFH_MAX_PEERS + 1]; /* their newest keys */
} lfh_rules;

#endif
