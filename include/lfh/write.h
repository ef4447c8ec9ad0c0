/*
 * write.h - writing our own events (node/core/write.c), and applying any
 * newly stored event to the case index and the rules.
 *
 * lfh_node_write builds one event (and, first, a KEY event granting the
 * case's sharing key to recipients that lack it), encrypts, signs and
 * stores it inside the caller's write transaction, so the caller can group
 * many writes into one durable commit before acknowledging any of them.
 */
#ifndef LFH_WRITE_H
#define LFH_WRITE_H

#include <stdint.h>

#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/judge.h"
#include "lfh/node.h"
#include "lfh/record.h"
#include "lfh/store.h"

typedef struct lfh_write_result {
	uint8_t case_id[LFH_CASE_LEN];
	uint8_t event_id[LFH_ID_LEN];
	uint64_t hlc;
	uint32_t nrcpt;
	char rcpt[LFH_MAX_RECIPIENTS][LFH_AGENCY_MAX + 1];
} lfh_write_result;

/*
 * Write one event of type/category about case_id with plaintext body,
 * encrypted under our sharing key for (case, category). Recipients: without
 * an ISA, the member agencies `to` (the author itself is dropped; at least
 * one other must remain); with an ISA, whoever its rules give for the case
 * (`to` then lists the agencies a REFERRAL is shared with, and must be NULL
 * for other types). Runs inside write txn t; durable once t commits.
 */
int lfh_node_write(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], uint32_t type,
		   const char *category, const char *const *to, size_t nto, const lfh_record *body,
		   lfh_write_result *res, lfh_err *err);

/*
 * Write a governance event (JOIN, CLOSE, ISA_PROPOSE, ISA_SIGN) whose body
 * is plaintext for its recipients: every participant of the case (and for
 * JOIN the joining agency, given in `to`), or for ISA events every party.
 * Needs an ISA.
 */
int lfh_node_write_plain(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			 uint32_t type, const char *category, const char *const *to, size_t nto,
			 const uint8_t *body, size_t len, lfh_write_result *res, lfh_err *err);

/* Grant a sharing key we hold (any creator's) to one agency with a KEY event. */
int lfh_node_grant_key(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		       const char *category, const char *creator, uint32_t epoch,
		       const uint8_t key[32], const char *agency, lfh_err *err);

/*
 * Store and send a CERT event carrying cert (our newest generation's
 * certificate, already verified): n->id must be that generation, whose key
 * signs the event.
 */
int lfh_node_publish_cert(lfh_node *n, lfh_txn *t, const uint8_t *cert, size_t len,
			  lfh_write_result *res, lfh_err *err);

/*
 * After a new event (ours, own = 1, or received) is stored: update the
 * case index, let the rules apply it (lfh_policy_apply) and carry out what
 * they ask (grants, a new sharing epoch, peers after an adoption), in t.
 */
int lfh_node_apply(lfh_node *n, lfh_txn *t, const lfh_event *ev, const uint8_t id[LFH_ID_LEN],
		   int own, lfh_err *err);

#endif
