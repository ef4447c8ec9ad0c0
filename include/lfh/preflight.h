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
 *   - metrics_listen: its port is in use, or its address is not this
 *     machine's;
 *   - control: the ipc:// socket's directory does not exist, is not
 *     writable, or the path is a directory;
 *   - data_dir or key_dir is not writable (read-only file system, or
 *     permissions: under systemd, ReadWritePaths= must list them), or is
 *     under something that is not a directory;
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
#include "lfh/pubkeys.h"

/*
 * Run every check on cfg and isa (the parsed genesis agreement, or NULL for
 * a node without one). check_port = 0 skips the port-in-use check (an lfhd
 * already runs on this data_dir and holds it). Returns 0, or LFH_ECONFIG
 * (the first problem found, in err) or LFH_ENOMEM.
 */
int lfh_preflight(const lfh_config *cfg, const lfh_isa *isa, int check_port, lfh_err *err);

/*
 * The keys key_dir holds (me, generation gen) against cfg and the genesis
 * isa (or NULL): the agency they are of, the root key (and generation 1's
 * keys) the agreement names for it, and each [peer]'s pubkey against the
 * agreement's. A [peer] that is no party of the genesis is printed, not
 * refused (a later version may add it). 0 or LFH_ECONFIG.
 */
int lfh_preflight_keys(const lfh_config *cfg, const lfh_isa *isa, const lfh_pubkeys *me,
		       uint32_t gen, lfh_err *err);

/*
 * An existing store in cfg's data_dir, opened read-only, against what lfhd
 * would refuse at start: a genesis agreement file (isa, or NULL) other than
 * the one the store was made with (an edited file: its bytes make the hub
 * id), and a key directory without the store.key its sharing keys are kept
 * under. 0 (also when there is no store yet), LFH_ECONFIG, or a store error.
 */
int lfh_preflight_store(const lfh_config *cfg, const lfh_isa *isa, lfh_err *err);

#endif
