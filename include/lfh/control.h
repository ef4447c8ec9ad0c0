/*
 * control.h - the control server: lfh (caseworkers, administrators) talks
 * to its local lfhd over a ZeroMQ socket (ipc://, protected by file
 * permissions). Requests and replies are records (include/lfh/wire.h).
 * Writes that arrive together are committed in one durable transaction
 * (group commit) before any of them is acknowledged.
 */
#ifndef LFH_CONTROL_H
#define LFH_CONTROL_H

#include <zmq.h>

#include "lfh/err.h"
#include "lfh/node.h"
#include "lfh/sync.h"

typedef struct lfh_control lfh_control;

int lfh_control_start(lfh_control **out, void *zctx, lfh_node *n, lfh_sync *s, lfh_err *err);
void lfh_control_stop(lfh_control *c);

void lfh_control_pollitem(lfh_control *c, zmq_pollitem_t *item);
/* Serve every request waiting on the socket (non-blocking). */
void lfh_control_dispatch(lfh_control *c);

#endif
