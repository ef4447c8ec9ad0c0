/*
 * control.h - the control server: lfh (caseworkers, administrators) talks
 * to its local lfhd over a ZeroMQ socket (ipc://, protected by file
 * permissions). Requests and replies are records (include/lfh/wire.h).
 * Writes that arrive together are committed in one durable transaction
 * (group commit) before any of them is acknowledged; read-only requests run
 * after them, each in a read transaction (node/control/control.c).
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
/*
 * Take the requests waiting on the socket (non-blocking); run and answer the
 * writes among them and those held from before, then a bounded batch of the
 * reads held. Call it again without waiting while lfh_control_busy.
 */
void lfh_control_dispatch(lfh_control *c);
/* Are requests held (received, not yet answered)? */
int lfh_control_busy(const lfh_control *c);
/*
 * fn is called at every yield point of a long read (lfh_ctl_yield), so the
 * service manager's watchdog keeps hearing from the node (fn throttles).
 */
void lfh_control_set_keepalive(lfh_control *c, void (*fn)(void));

#endif
