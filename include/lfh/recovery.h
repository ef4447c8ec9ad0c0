/*
 * recovery.h - never reuse our own event numbers after a restore
 * (node/core/recovery.c; PROTOCOL.md 13.1).
 *
 * The key directory keeps a small file per hub, node-<first 16 hex digits of
 * the hub id>.state (node.state below): the store's incarnation,
 * the highest seq of ours and the log head this node reached. A store that is
 * behind it (restored from a backup, wiped, or another node's copy), or a key
 * directory restored from a backup, puts the node in recovery: it gets a new
 * incarnation (so peers pull it again from the start), writes nothing of its
 * own, and asks every peer for the events it wrote (RECOVER, PROTOCOL.md 9.9)
 * until each has answered; then its own seq resumes above the highest any
 * peer held, and above what node.state says it reached.
 */
#ifndef LFH_RECOVERY_H
#define LFH_RECOVERY_H

#include "lfh/err.h"
#include "lfh/node.h"

/* The file's name in the key directory: "node-" 16 hex ".state". */
void lfh_recovery_state_name(const lfh_node *n, char out[32]);

/* At open: the incarnation, and whether this store must recover. */
int lfh_recovery_open(lfh_node *n, lfh_err *err);

/* Record in node.state how far the store got (writes only when it moved). */
int lfh_recovery_save(lfh_node *n, lfh_err *err);

/* Every peer has answered: resume writing, above what node.state says we reached. */
int lfh_recovery_finish(lfh_node *n, lfh_err *err);

/* Write a node.state for a backup in dir: a node starting on it recovers first. */
int lfh_recovery_backup_state(lfh_node *n, const char *dir, lfh_err *err);

#endif
