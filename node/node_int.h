/*
 * node_int.h - what node/node.c (writing) and node/ingest.c (receiving)
 * share; not a public interface (include/lfh/node.h is).
 */
#ifndef LFH_NODE_INT_H
#define LFH_NODE_INT_H

#include "lfh/event.h"
#include "lfh/store.h"

#define META_NAME_MAX 64

/* The meta counter name "<prefix>:<agency>" ("ctr:housing", "seen:police"). */
void lfh_node_meta_name(char out[META_NAME_MAX], const char *prefix, const char *agency);

/* Update the non-secret case index after storing a new event of the case. */
int lfh_node_index_case(lfh_txn *t, const lfh_event *ev, lfh_err *err);

#endif
