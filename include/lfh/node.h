/*
 * node.h - the node's core: an agency node, independent of sockets: its
 * keys, its store, the rules' state (include/lfh/rules.h) and the peers the
 * ISA gives it. Used by the front ends: the sync loop (node/sync/: peers)
 * and the control server (node/control/: caseworkers). Writing events is
 * include/lfh/write.h; receiving them include/lfh/ingest.h; serving them to
 * peers include/lfh/serve.h; members, peers and sharing-key epochs
 * include/lfh/membership.h.
 * Implemented in node/core/node.c.
 */
#ifndef LFH_NODE_H
#define LFH_NODE_H

#include <stdint.h>

#include "lfh/buf.h"
#include "lfh/config.h"
#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/hub.h"
#include "lfh/identity.h"
#include "lfh/record.h"
#include "lfh/rules.h"
#include "lfh/store.h"

struct lfh_risk_form;
struct lfh_keyreserve;

#define LFH_SUMMARY_MARKS 4096

typedef struct lfh_node {
	lfh_config cfg;            /* as loaded, but peers: those the ISA in force gives (membership.h) */
	size_t noverrides;         /* with an ISA: the config's [peer] sections as written */
	lfh_peer_conf overrides[LFH_MAX_PEERS]; /* (an endpoint there overrides the ISA's) */
	uint64_t peers_version;    /* bumped whenever cfg.peers change while running */
	lfh_identity *id;          /* our newest operational key generation: signs */
	uint32_t gen;              /* its number (1 = the keys the ISA names) */
	lfh_identity *prev_id;     /* the generation before (transport in grace, late grants), or NULL */
	size_t nolder;             /* older generations of ours loaded on demand, kept until close */
	struct lfh_older_gen {
		uint32_t gen;
		lfh_identity *id;  /* NULL: key_dir does not hold it (looked for once) */
	} *older;
	lfh_rules rules;           /* hub id, ISA in force, members and their keys, removed */
	lfh_store *store;
	uint64_t hlc_last;
	uint64_t incarnation;      /* this store's (recovery.h): peers pull again when it changes */
	int recovering;            /* recovering our own events from peers: we write nothing */
	uint64_t recover_seq;      /* our own seq the key directory says we reached */
	uint64_t refused_own_from; /* the lowest seq of ours refused here, to ask for again once a
				    * new ISA version is adopted (0: none; meta "own_refused") */
	uint64_t state_seq, state_head; /* last recorded in node.state */
	size_t ntops;              /* ingest's cache: each author's highest seq stored, and its HLC */
	struct lfh_author_top {
		char agency[LFH_AGENCY_MAX + 1];
		uint64_t seq, hlc;
	} tops[LFH_MAX_PEERS + 1];
	uint64_t held_rejudged;     /* held events judged again since start (ingest.c) */
	int releasing;              /* ingest.c: a case's held events are being judged again */
	int release_again;          /* ... and what an event accepted meanwhile may release */
	struct lfh_risk_form *risk; /* the risk questionnaire (defaults without cfg.risk_path) */
	/* include/lfh/summarize.h: cases whose summary was dropped, to keep a new one of */
	size_t nsummary_marks;
	uint8_t summary_marks[LFH_SUMMARY_MARKS][LFH_CASE_LEN];
	uint8_t summary_cursor[LFH_CASE_LEN]; /* the last case the scan for a missing one looked at */
	int summary_cursor_set;
	uint64_t summary_round_kept;      /* summaries the scan kept in its round so far */
	uint64_t summary_scan_rest_until; /* monotonic ms: no scan before (0: none) */
	struct lfh_keyreserve *reserve; /* new sharing keys sealed ahead (keyreserve.h), or NULL */
} lfh_node;

/*
 * Load identity, open the store, open the rules on the ISA (or, without
 * one, compute the provisional hub id from the configured peers: hub.h).
 */
int lfh_node_open(lfh_node **out, const lfh_config *cfg, lfh_err *err);
void lfh_node_close(lfh_node *n);

/*
 * Our own key generation gen (current, previous, or loaded from key_dir on
 * demand: a second rotation within a grace period needs the one before),
 * or the current one if gen cannot be loaded.
 */
const lfh_identity *lfh_node_identity(lfh_node *n, uint32_t gen);

/*
 * Open a sharing-key grant sealed to us (PROTOCOL.md 6.4) with the box key
 * of any of our generations that key_dir still holds, newest first: a peer
 * seals to the newest generation of ours it knows, which is older than our
 * previous one if it missed several rotations, and our own KEY events that
 * come back to a replaced store were sealed to the generation of their
 * time. Older generations are loaded once and kept (lfh_node_identity).
 * 0 with the key in key, or LFH_ECRYPTO naming the generations tried.
 */
int lfh_node_open_grant(lfh_node *n, const uint8_t sealed[LFH_SEALED_LEN], uint8_t key[32],
			lfh_err *err);

/* (Re)build the in-memory key generations from the members and the store. */
int lfh_node_load_keys(lfh_node *n, lfh_err *err);

/*
 * After a write transaction was aborted or failed to commit: rebuild the
 * in-memory key generations from the store, dropping any that a key event
 * of that transaction had added, and forget ingest's cache (tops).
 */
void lfh_node_reload_keys(lfh_node *n);

/*
 * Retention in its own durable transaction (lfh_policy_retention), the
 * scheduled sharing-key epoch, and 20 ms of keeping cases' summaries
 * (include/lfh/summarize.h); no-op without an ISA. Also drops the key
 * reserve's prepared keys once no new key was made for a while
 * (lfh_keyreserve_idle), ISA or not.
 */
int lfh_node_retention(lfh_node *n, uint64_t now_ms, uint64_t *count, lfh_err *err);

#endif
