/*
 * metrics.h - the node's counters, for the Prometheus endpoint (exporter.h).
 *
 * Counters are C11 atomics, bumped by whichever part of lfhd sees the event
 * (sync/ for what peers send, control/ for requests) and read by the
 * exporter's HTTP thread at any time: no locks, no LMDB. Gauges that need
 * the store or the peers are not here: the exporter snapshots them from the
 * main loop.
 */
#ifndef LFH_METRICS_H
#define LFH_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/buf.h"
#include "lfh/err.h"

enum lfh_metric {
	LFH_M_RECEIVED,     /* envelopes received from peers */
	LFH_M_STORED_PEER,  /* of which new and stored */
	LFH_M_HELD,         /* of which held until their case is known */
	LFH_M_WRITTEN,      /* requests that wrote an event here */
	LFH_M_KEYS_RESERVED,   /* new sharing keys taken from the key reserve (keyreserve.h) */
	LFH_M_GRANTS_RESERVED, /* of their grants, sealed ahead by the reserve's worker */
	LFH_M_COUNT
};

#define LFH_METRICS_COMMANDS_MAX 64

/* Add n to counter m. */
void lfh_metrics_add(enum lfh_metric m, uint64_t n);
uint64_t lfh_metrics_get(enum lfh_metric m);

/* One received event rejected with status code (a negative LFH_E...). */
void lfh_metrics_reject(int code);

/*
 * Name the control commands (before the exporter serves: the names are
 * read without a lock). At most LFH_METRICS_COMMANDS_MAX; the strings must
 * outlive the process (static tables). 0 or LFH_ETOOBIG.
 */
int lfh_metrics_commands(const char *const *names, size_t n);

/* A control request for command index cmd (>= the count named: "unknown") took usec. */
void lfh_metrics_request(size_t cmd, uint64_t usec);

/* Append every counter family, with # HELP and # TYPE, in the text exposition format. */
int lfh_metrics_render(lfh_buf *out, lfh_err *err);

#endif
