/*
 * hub.h - the hub id (proto/PROTOCOL.md, section 3).
 *
 * The hub id binds every event to one hub (envelope element 1), so nothing
 * replays across hubs. Until signed ISA versions exist it is provisional:
 *
 *   hub_id = BLAKE2b-256( canonical msgpack of
 *       ["lfh-hub-v1", hub_name,
 *        [[agency, sign_pk, box_pk, curve_pk], ...]] )
 *
 * with hub_name a str of 1..63 bytes, one 4-array (str, bin32, bin32, bin32)
 * per member agency including the node's own, sorted ascending by agency id
 * (bytes, strcmp order), no duplicates. Every member configured with the
 * same hub name and the same member keys computes the same id.
 */
#ifndef LFH_HUB_H
#define LFH_HUB_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/pubkeys.h"

#define LFH_HUB_ID_VERSION "lfh-hub-v1"

/*
 * Compute the hub id of hub (1..63 bytes) over members[0..n) (n >= 1, in
 * any order; only agency, sign_pk, box_pk and curve_pk are used) into out.
 * Returns 0, LFH_EINVAL (bad hub name, no members, invalid agency id),
 * LFH_ECONFIG ("agency X listed twice") or LFH_ENOMEM; out is untouched
 * on failure.
 */
int lfh_hub_id(const char *hub, const lfh_pubkeys *members, size_t n, uint8_t out[32],
	       lfh_err *err);

/*
 * Case ids are bound to the agency that opens the case (PROTOCOL.md 5.1), so
 * that no other agency can write a REFERRAL for it, and every node can tell
 * the case's creator from its id alone:
 *
 *   case_id = r || first 8 bytes of BLAKE2b-256("lfh-case-v1" || hub_id ||
 *             creator NUL-padded to 32 bytes || r)
 *
 * with r 8 random bytes. lfh_case_id_new makes one; lfh_case_id_of says
 * whether case_id was made for (hub_id, creator).
 */
void lfh_case_id_new(const uint8_t hub_id[32], const char *creator, uint8_t out[LFH_CASE_LEN]);
int lfh_case_id_of(const uint8_t hub_id[32], const char *creator,
		   const uint8_t case_id[LFH_CASE_LEN]);

#endif
