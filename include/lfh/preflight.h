/*
 * preflight.h - what `lfhd --check` finds wrong with a deployment before the
 * node starts: each check fails with a message naming the setting to change.
 *
 *   - listen: its port is already in use, its address is not this machine's,
 *     or it is not the endpoint the agreement names for this agency (the
 *     port differs, or it listens on loopback where peers dial a real host);
 *   - a peer's endpoint host does not resolve ([peer X] endpoint, or the
 *     agreement's endpoint for X);
 *   - isa names a version other than the genesis (1);
 *   - data_dir or key_dir is not writable (read-only file system, or
 *     permissions: under systemd, ReadWritePaths= must list them);
 *   - reminder_command is not an executable file;
 *   - control_group is no group of this machine.
 *
 * Nothing here changes anything: the port is bound and released at once.
 */
#ifndef LFH_PREFLIGHT_H
#define LFH_PREFLIGHT_H

#include "lfh/config.h"
#include "lfh/err.h"
#include "lfh/isa.h"

/*
 * Run every check on cfg and isa (the parsed genesis agreement, or NULL for
 * a node without one). check_port = 0 skips the port-in-use check (an lfhd
 * already runs on this data_dir and holds it). Returns 0, or LFH_ECONFIG
 * (the first problem found, in err) or LFH_ENOMEM.
 */
int lfh_preflight(const lfh_config *cfg, const lfh_isa *isa, int check_port, lfh_err *err);

#endif
