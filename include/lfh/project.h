/*
 * project.h - reading a case at this node (node/core/project.c): a stored
 * event decrypted, and the case's OSARA state: the projection of
 * include/lfh/osara.h over every event of the case held here, with the
 * bodies this node can decrypt (the others count as unreadable).
 */
#ifndef LFH_PROJECT_H
#define LFH_PROJECT_H

#include <stdint.h>

#include "lfh/err.h"
#include "lfh/node.h"
#include "lfh/osara.h"
#include "lfh/record.h"
#include "lfh/store.h"

/*
 * Decode and decrypt a stored envelope. body is filled when the sharing key
 * is held; otherwise returns LFH_ENOKEY with ev filled (a gap, not a blank).
 * KEY, ISA_PROPOSE, CERT and REVOKE bodies are not records: body is left empty; other
 * plaintext (governance) bodies are decoded into body.
 */
int lfh_node_open_event(lfh_node *n, lfh_txn *t, const uint8_t *raw, size_t len, lfh_event *ev,
			lfh_record *body, lfh_err *err);

/* The case's OSARA state into *st (heap: ~400 KB). 0, LFH_ENOMEM or a store error. */
int lfh_node_project(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		     lfh_osara_state *st, lfh_err *err);
/*
 * The same, for a view of the case: also the events a full timeline left
 * out that were not applied (lfh_osara_project_late; *late freed by the
 * caller).
 */
int lfh_node_project_late(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			  lfh_osara_state *st, lfh_osara_late **late, size_t *nlate, lfh_err *err);

#endif
