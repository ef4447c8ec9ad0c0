/*
 * exporter.h - the node's metrics over HTTP, in the Prometheus text
 * exposition format (GET /metrics), for a monitoring server to scrape.
 *
 * Off unless metrics_listen (config.h) names an address. libmicrohttpd
 * serves from one thread of its own; it reads only the atomic counters of
 * metrics.h and a snapshot of the gauges that need the store or the peers,
 * which the main loop renders (lfh_exporter_update) and hands over under a
 * mutex. Nothing of the HTTP request is used but its method and path, and
 * there is no authentication: listen on loopback or a management network.
 *
 * Families: events stored, received, stored from peers, held (a counter,
 * and a gauge of those held now by author), written and rejected by
 * reason; per peer: connected, lag and last-seen seconds, and envelopes
 * received, stored, rejected, held and requests dropped; catch-up rate; LMDB map use and size; control requests by command and
 * their latency histogram; seconds to our key's expiry and to the ISA's
 * review date; the age of the gauges' snapshot.
 */
#ifndef LFH_EXPORTER_H
#define LFH_EXPORTER_H

#include "lfh/err.h"
#include "lfh/node.h"
#include "lfh/sync.h"

typedef struct lfh_exporter lfh_exporter;

/* Serve on listen ("127.0.0.1:9464" or "[::1]:9464"). 0, LFH_ECONFIG, LFH_ENET or LFH_ENOMEM. */
int lfh_exporter_start(lfh_exporter **out, const char *listen, lfh_err *err);

/* From the main loop (about once a second): snapshot the gauges. */
void lfh_exporter_update(lfh_exporter *x, lfh_node *n, lfh_sync *s, uint64_t now_ms);

/* 1 if x listens on an address other machines can reach (not loopback): lfhd warns, as
 * the endpoint has no authentication. */
int lfh_exporter_public(const lfh_exporter *x);

/* Stop serving and free x (NULL is fine). */
void lfh_exporter_stop(lfh_exporter *x);

#endif
