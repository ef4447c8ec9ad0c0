/*
 * policy_int.h - what node/rules/policy.c and node/rules/policy_isa.c share (not a
 * public interface: include/lfh/policy.h is).
 */
#ifndef LFH_POLICY_INT_H
#define LFH_POLICY_INT_H

#include <stdint.h>

#include "lfh/err.h"
#include "lfh/policy.h"
#include "lfh/rules.h"
#include "lfh/store.h"

/*
 * Adopt the proposal `hash` if it is the next version and signed enough (0
 * if not yet); fx says what the node must then do.
 */
int lfh_policy_try_adopt(lfh_rules *r, lfh_txn *t, const uint8_t hash[32], lfh_effects *fx,
			 lfh_err *err);

#endif
