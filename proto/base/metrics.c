/*
 * metrics.c - the node's counters (see include/lfh/metrics.h).
 *
 * Every counter is a relaxed C11 atomic: writers (the main loop) and the
 * reader (the exporter's HTTP thread) never wait on each other, and a scrape
 * sees each counter whole, if not all of them at one instant (Prometheus
 * expects no more). Rejection reasons and commands are fixed, bounded sets,
 * so no label value ever comes from a peer or a client.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "lfh/metrics.h"

#define NCODES 23 /* LFH_OK .. LFH_EBUSY (-22) */
#define NBUCKETS 10

static _Atomic uint64_t counters[LFH_M_COUNT];
static _Atomic uint64_t rejected[NCODES];
static const char *const *cmd_names;
static size_t ncmds;
static _Atomic uint64_t req_count[LFH_METRICS_COMMANDS_MAX + 1];
static _Atomic uint64_t req_usec[LFH_METRICS_COMMANDS_MAX + 1];
static _Atomic uint64_t req_bucket[LFH_METRICS_COMMANDS_MAX + 1][NBUCKETS];
/* histogram bounds, in microseconds and as printed (le=) */
static const uint64_t bucket_usec[NBUCKETS] = { 1000, 2500, 5000, 10000, 25000, 50000, 100000,
						250000, 1000000, 5000000 };
static const char *const bucket_le[NBUCKETS] = { "0.001", "0.0025", "0.005", "0.01", "0.025",
						 "0.05", "0.1", "0.25", "1", "5" };
/* label values for rejection codes: -code indexes this */
static const char *const reason[NCODES] = {
	"other", "invalid", "nomem", "io", "codec", "version", "crypto", "notfound", "exists",
	"not_permitted", "wrong_hub", "store", "too_big", "no_key", "equivocation", "net",
	"config", "timeout", "ambiguous", "key", "held", "clock", "busy",
};

void lfh_metrics_add(enum lfh_metric m, uint64_t n)
{
	if ((unsigned)m < LFH_M_COUNT)
		atomic_fetch_add_explicit(&counters[m], n, memory_order_relaxed);
}

uint64_t lfh_metrics_get(enum lfh_metric m)
{
	return (unsigned)m < LFH_M_COUNT ? atomic_load_explicit(&counters[m], memory_order_relaxed)
					 : 0;
}

void lfh_metrics_reject(int code)
{
	int i = code < 0 && -code < NCODES ? -code : 0;
	atomic_fetch_add_explicit(&rejected[i], 1, memory_order_relaxed);
}

int lfh_metrics_commands(const char *const *names, size_t n)
{
	if (n > LFH_METRICS_COMMANDS_MAX)
		return LFH_ETOOBIG;
	cmd_names = names;
	ncmds = n;
	return 0;
}

void lfh_metrics_request(size_t cmd, uint64_t usec)
{
	size_t i = cmd < ncmds ? cmd : ncmds;
	atomic_fetch_add_explicit(&req_count[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&req_usec[i], usec, memory_order_relaxed);
	for (int b = 0; b < NBUCKETS; b++)
		if (usec <= bucket_usec[b]) { /* buckets are cumulative when rendered */
			atomic_fetch_add_explicit(&req_bucket[i][b], 1, memory_order_relaxed);
			break;
		}
}

static int put(lfh_buf *out, lfh_err *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Append one formatted line (lines here are short). */
static int put(lfh_buf *out, lfh_err *err, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line)
		return lfh_err_set(err, LFH_ETOOBIG, "metrics: line too long");
	return lfh_buf_append(out, line, (size_t)n) ? lfh_err_set(err, LFH_ENOMEM, "out of memory") : 0;
}

static uint64_t get(_Atomic uint64_t *a)
{
	return atomic_load_explicit(a, memory_order_relaxed);
}

/* The plain counters, in the order they are rendered: name, help, counter. */
static const struct counter_doc {
	const char *name, *help;
	int idx;
} counter_docs[] = {
	{ "lfh_events_received_total", "Events received from peers.", LFH_M_RECEIVED },
	{ "lfh_events_received_stored_total", "Events received from peers that were new and stored.",
	  LFH_M_STORED_PEER },
	{ "lfh_events_held_total", "Events received and held until their case is known.",
	  LFH_M_HELD },
	{ "lfh_events_written_total", "Requests that wrote an event at this node.", LFH_M_WRITTEN },
	{ "lfh_keys_reserved_total", "New sharing keys taken from the key reserve (prepared ahead).",
	  LFH_M_KEYS_RESERVED },
	{ "lfh_grants_reserved_total", "Key grants sealed ahead by the key reserve's worker.",
	  LFH_M_GRANTS_RESERVED },
};

static int render_events(lfh_buf *out, lfh_err *err)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < sizeof counter_docs / sizeof counter_docs[0]; i++) {
		const struct counter_doc *c = &counter_docs[i];
		rc = put(out, err, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", c->name, c->help,
			 c->name, c->name, (unsigned long long)get(&counters[c->idx]));
	}
	if (!rc)
		rc = put(out, err, "# HELP lfh_events_rejected_total Events received and refused, "
				   "by reason.\n# TYPE lfh_events_rejected_total counter\n");
	for (int i = 0; !rc && i < NCODES; i++)
		if (i != 20) /* held is not a rejection: lfh_events_held_total */
			rc = put(out, err, "lfh_events_rejected_total{reason=\"%s\"} %llu\n", reason[i],
				 (unsigned long long)get(&rejected[i]));
	return rc;
}

static int render_requests(lfh_buf *out, lfh_err *err)
{
	int rc = put(out, err, "# HELP lfh_control_requests_total Control requests (lfh), by "
			       "command.\n# TYPE lfh_control_requests_total counter\n");
	for (size_t i = 0; !rc && i <= ncmds; i++)
		rc = put(out, err, "lfh_control_requests_total{command=\"%s\"} %llu\n",
			 i < ncmds ? cmd_names[i] : "unknown", (unsigned long long)get(&req_count[i]));
	if (!rc)
		rc = put(out, err, "# HELP lfh_control_request_seconds Time from a control request's "
				   "arrival to its answer, by command.\n"
				   "# TYPE lfh_control_request_seconds histogram\n");
	for (size_t i = 0; !rc && i <= ncmds; i++) {
		const char *cmd = i < ncmds ? cmd_names[i] : "unknown";
		uint64_t cum = 0, count = get(&req_count[i]);
		for (int b = 0; !rc && b < NBUCKETS; b++) {
			cum += get(&req_bucket[i][b]);
			rc = put(out, err, "lfh_control_request_seconds_bucket{command=\"%s\",le=\"%s\"} "
				 "%llu\n", cmd, bucket_le[b], (unsigned long long)cum);
		}
		if (!rc)
			rc = put(out, err, "lfh_control_request_seconds_bucket{command=\"%s\",le=\"+Inf\"} "
				 "%llu\nlfh_control_request_seconds_sum{command=\"%s\"} %.6f\n"
				 "lfh_control_request_seconds_count{command=\"%s\"} %llu\n",
				 cmd, (unsigned long long)(count > cum ? count : cum), cmd,
				 (double)get(&req_usec[i]) / 1e6, cmd,
				 (unsigned long long)(count > cum ? count : cum));
	}
	return rc;
}

int lfh_metrics_render(lfh_buf *out, lfh_err *err)
{
	int rc = render_events(out, err);
	return rc ? rc : render_requests(out, err);
}
