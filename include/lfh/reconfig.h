/*
 * reconfig.h - a running node takes its configuration read again (lfhd's
 * SIGHUP): the ISA file, the key directory and the peers' public key files
 * are read again with it. What can change while running is applied (a
 * [peer] endpoint: only that peer is reconnected, every other session
 * stays up; the risk questionnaire, teams, peer_stale_after,
 * expiry_warn_days, sharing_rotate_days, author_quota_mb, reminder_command,
 * reminder_every); what cannot is
 * logged with the reason, for the next start. Each change is logged.
 * A configuration, ISA file or key directory the node would not start
 * with changes nothing. log_level is the caller's (it owns the log tag).
 * Implemented in node/core/reconfig.c.
 */
#ifndef LFH_RECONFIG_H
#define LFH_RECONFIG_H

#include "lfh/config.h"
#include "lfh/err.h"
#include "lfh/node.h"

typedef struct lfh_reconfig_result {
	unsigned applied;      /* changes in force now */
	unsigned at_restart;   /* changes that take effect when lfhd restarts */
	unsigned peers_moved;  /* peers given a new endpoint (of the applied) */
} lfh_reconfig_result;

/*
 * Compare next (lfh_config_load of n->cfg.path) with what n runs on, check
 * the files it names, then apply what can change now. 0; or LFH_ECONFIG
 * (or LFH_EIO, LFH_ENOMEM) with the reason, and n unchanged.
 */
int lfh_node_reconfigure(lfh_node *n, const lfh_config *next, lfh_reconfig_result *res,
			 lfh_err *err);

#endif
