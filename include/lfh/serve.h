/*
 * serve.h - answering peers (node/sync/serve.c): a peer's PULL or FETCH is
 * answered with only the events that peer is a recipient of, whoever wrote
 * them (relaying), key events first.
 */
#ifndef LFH_SERVE_H
#define LFH_SERVE_H

#include <stdint.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/node.h"
#include "lfh/store.h"
#include "lfh/wire.h"

/*
 * Answer PULL(after, max) from peer: appends a BATCH message to out with
 * the events peer is a recipient of, in local order after `after`.
 */
int lfh_serve_pull(lfh_node *n, lfh_txn *t, const char *peer, uint64_t after, uint32_t max,
			lfh_buf *out, lfh_err *err);

/*
 * lfh_serve_pull, passing over (without sending) the relayed events the
 * peer says it holds: those of another agency in held addressed to the peer
 * with its counter <= that agency's upto (PROTOCOL.md 9.1; our own events
 * are always sent). At most 32768 are passed
 * over per request; the BATCH then says more.
 */
int lfh_serve_pull_held(lfh_node *n, lfh_txn *t, const char *peer, uint64_t after, uint32_t max,
			const lfh_held *held, uint32_t nheld, lfh_buf *out, lfh_err *err);

/* Answer FETCH(author, from, to) from peer: appends a FETCHED message. */
int lfh_serve_fetch(lfh_node *n, lfh_txn *t, const char *peer, const char *author,
			 uint64_t from, uint64_t to, lfh_buf *out, lfh_err *err);

/*
 * Answer RECOVER(from) from peer: appends a FETCHED message with the events
 * peer itself wrote, from its seq `from` on, in seq order (as many as fit).
 */
int lfh_serve_recover(lfh_node *n, lfh_txn *t, const char *peer, uint64_t from, lfh_buf *out,
		      lfh_err *err);

#endif
