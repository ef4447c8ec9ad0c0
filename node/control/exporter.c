/*
 * exporter.c - Prometheus metrics over HTTP (see include/lfh/exporter.h).
 *
 * Two threads meet here. The main loop renders the gauges (store, peers,
 * expiry) into `next` and swaps it with `snap` under `lock`; the
 * libmicrohttpd thread copies `snap` under the same lock and appends the
 * counters (metrics.h, atomics). The HTTP thread never touches the node,
 * the store or ZeroMQ.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "lfh/exporter.h"
#include "lfh/hlc.h"
#include "lfh/isa.h"
#include "lfh/keyring.h"
#include "lfh/metrics.h"
#include "lfh/osara.h"
#include "lfh/store.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct lfh_exporter {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;
	lfh_buf snap, next; /* snap: what is served; next: the main loop's scratch */
	uint64_t snap_ms;   /* wall ms snap was rendered at, 0 before the first */
	int public;         /* listening on an address that is not loopback */
	uint64_t last_ms, last_stored; /* for the catch-up rate */
	double rate;
};

static int put(lfh_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int put(lfh_buf *b, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line)
		return LFH_ETOOBIG;
	return lfh_buf_append(b, line, (size_t)n);
}

/* A gauge family with one unlabelled sample; NAN is printed "NaN", INFINITY "+Inf". */
static int gauge(lfh_buf *b, const char *name, const char *help, double v)
{
	if (put(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name))
		return LFH_ENOMEM;
	if (isnan(v))
		return put(b, "%s NaN\n", name);
	if (isinf(v))
		return put(b, "%s %sInf\n", name, v > 0 ? "+" : "-");
	return put(b, "%s %.17g\n", name, v);
}

/* Seconds since ms (a past wall time), or if never (0) since `since` (when lfhd started to wait
 * for it): a peer down since the start keeps growing, as an alert on it needs (NaN never would). */
static double ago(uint64_t now_ms, uint64_t ms, uint64_t since)
{
	uint64_t from = ms ? ms : since;

	return from ? (double)(now_ms > from ? now_ms - from : 0) / 1000.0 : NAN;
}

static int render_peers(lfh_buf *b, lfh_sync *s, uint64_t now)
{
	static const char *const fam[3][2] = {
		{ "lfh_peer_connected", "1 if the peer answered within the last few seconds." },
		{ "lfh_peer_lag_seconds", "Seconds since the peer last had nothing more for us "
					  "(never since lfhd started: since it started)." },
		{ "lfh_peer_last_seen_seconds", "Seconds since the peer last answered (never since "
						"lfhd started: since it started)." },
	};
	int rc = 0;

	for (int f = 0; rc == 0 && f < 3; f++) {
		rc = put(b, "# HELP %s %s\n# TYPE %s gauge\n", fam[f][0], fam[f][1], fam[f][0]);
		for (size_t i = 0; rc == 0 && i < lfh_sync_npeers(s); i++) {
			lfh_peer_status st;
			double v;
			lfh_sync_peer_status(s, i, &st);
			v = f == 0   ? st.connected
			    : f == 1 ? ago(now, st.caught_up_ms, st.since_ms)
				     : ago(now, st.last_ms, st.since_ms);
			rc = isnan(v) ? put(b, "%s{peer=\"%s\"} NaN\n", fam[f][0], st.agency)
				      : put(b, "%s{peer=\"%s\"} %.3f\n", fam[f][0], st.agency, v);
		}
	}
	return rc;
}

/* Per peer, since it became our peer (lfh_peer_status): what it sent us and what became of it. */
static int render_peer_counters(lfh_buf *b, lfh_sync *s)
{
	static const char *const fam[5][2] = {
		{ "lfh_peer_received_total", "Envelopes received from the peer (duplicates too)." },
		{ "lfh_peer_stored_total", "Of those, new and stored." },
		{ "lfh_peer_rejected_total", "Of those, refused (lfhd's log says why)." },
		{ "lfh_peer_held_total", "Of those, kept aside until what they depend on came." },
		{ "lfh_peer_dropped_total", "The peer's requests not served: over the rate limit." },
	};
	int rc = 0;

	for (int f = 0; rc == 0 && f < 5; f++) {
		rc = put(b, "# HELP %s %s\n# TYPE %s counter\n", fam[f][0], fam[f][1], fam[f][0]);
		for (size_t i = 0; rc == 0 && i < lfh_sync_npeers(s); i++) {
			lfh_peer_status st;
			lfh_sync_peer_status(s, i, &st);
			uint64_t v = f == 0 ? st.received : f == 1 ? st.stored : f == 2 ? st.rejected
							      : f == 3 ? st.held : st.dropped;
			rc = put(b, "%s{peer=\"%s\"} %llu\n", fam[f][0], st.agency,
				 (unsigned long long)v);
		}
	}
	return rc;
}

/*
 * Events of each member kept aside now, until the referral or JOIN they
 * depend on comes (PROTOCOL.md 7.3 rule 7; meta held:<author>, at most 4096
 * each): a count that stays up means something never came. One sample per
 * member agency the keyring knows.
 */
static int render_held(lfh_buf *b, const lfh_node *n, lfh_txn *t)
{
	const lfh_keygen *g;
	size_t count = lfh_keyring_all(&n->rules, &g);
	int rc = put(b, "# HELP lfh_events_held_now Events of this author received and kept "
		     "aside until what they depend on arrives.\n"
		     "# TYPE lfh_events_held_now gauge\n");

	for (size_t i = 0; rc == 0 && i < count; i++) {
		char name[LFH_META_NAME_BUF];
		uint64_t held = 0;
		size_t k = 0;
		while (k < i && strcmp(g[k].agency, g[i].agency))
			k++;
		if (k < i)
			continue; /* another generation of an agency done already */
		lfh_store_meta_name(name, "held", g[i].agency);
		rc = t && lfh_store_meta_get(t, name, &held, NULL) == 0
			     ? put(b, "lfh_events_held_now{author=\"%s\"} %llu\n", g[i].agency,
				   (unsigned long long)held)
			     : put(b, "lfh_events_held_now{author=\"%s\"} NaN\n", g[i].agency);
	}
	return rc;
}

/*
 * Seconds from now to the end of our key generation (its expiry or its
 * revocation, whichever is first; NaN if the keyring does not know it: not
 * yet certified, or removed), and to the ISA's review date (+Inf: none).
 */
static void expiry(const lfh_node *n, uint64_t now, double *key, double *isa)
{
	const lfh_keygen *g = lfh_keyring_gen(&n->rules, n->cfg.agency, n->gen);
	long review = n->rules.isa ? lfh_osara_date_days(n->rules.isa->review) : -1;
	uint64_t end = g ? g->not_after_ms : LFH_NEVER;

	if (g && g->revoked_ms < end)
		end = g->revoked_ms;
	*key = !g ? NAN : end == LFH_NEVER ? INFINITY : ((double)end - (double)now) / 1000.0;
	*isa = review < 0 ? INFINITY
			  : ((double)review * LFH_OSARA_DAY_MS - (double)now) / 1000.0;
}

static int render_gauges(lfh_exporter *x, lfh_buf *b, lfh_node *n, lfh_sync *s, uint64_t now)
{
	uint64_t events = 0, used = 0, size = 0, stored = lfh_metrics_get(LFH_M_STORED_PEER);
	double key, isa, in_store = NAN; /* NaN: the store could not be read */
	lfh_txn *t = NULL;
	lfh_err err = { 0 };

	if (lfh_txn_begin(n->store, 0, &t, &err) == 0 && lfh_store_event_count(t, &events, &err) == 0)
		in_store = (double)events;
	lfh_store_usage(n->store, &used, &size);
	if (x->last_ms && now > x->last_ms)
		x->rate = (double)(stored - x->last_stored) * 1000.0 / (double)(now - x->last_ms);
	x->last_ms = now;
	x->last_stored = stored;
	expiry(n, now, &key, &isa);
	if (gauge(b, "lfh_events_stored", "Events held in the store (NaN: it could not be read).",
		  in_store) ||
	    gauge(b, "lfh_catchup_events_per_second", "Events received from peers and stored, "
		  "per second, over the last second or so.", x->rate) ||
	    gauge(b, "lfh_store_map_used_bytes", "Bytes of the LMDB map used so far (a high-water "
		  "mark: pages retention frees are reused, the file does not shrink).", (double)used) ||
	    gauge(b, "lfh_store_map_size_bytes", "Size of the LMDB map (map_size_mb).", (double)size) ||
	    gauge(b, "lfh_key_expiry_seconds", "Seconds until our key generation expires or "
		  "its revocation takes effect (+Inf: never; NaN: not certified in the keyring).",
		  key) ||
	    gauge(b, "lfh_isa_review_seconds", "Seconds until the ISA's review date (negative: "
		  "past).", isa) ||
	    render_held(b, n, t)) {
		lfh_txn_abort(t);
		return LFH_ENOMEM;
	}
	lfh_txn_abort(t);
	return render_peers(b, s, now) || render_peer_counters(b, s) ? LFH_ENOMEM : 0;
}

void lfh_exporter_update(lfh_exporter *x, lfh_node *n, lfh_sync *s, uint64_t now_ms)
{
	lfh_buf tmp;

	if (!x)
		return;
	lfh_buf_reset(&x->next);
	if (render_gauges(x, &x->next, n, s, now_ms))
		return; /* keep serving the last good snapshot */
	pthread_mutex_lock(&x->lock);
	tmp = x->snap;
	x->snap = x->next;
	x->next = tmp;
	x->snap_ms = now_ms;
	pthread_mutex_unlock(&x->lock);
}

int lfh_exporter_public(const lfh_exporter *x)
{
	return x && x->public;
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type,
			       const void *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ok;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

/* The HTTP thread: GET (or HEAD) /metrics (or /) only. The gauges are those of the last
 * snapshot: its age, worked out now, shows a main loop that stopped rendering them. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **req_cls)
{
	static const char not_found[] = "only GET /metrics here\n";
	lfh_exporter *x = cls;
	lfh_buf body = { 0 };
	enum MHD_Result ok;
	uint64_t snap_ms;
	int rc;

	(void)version;
	(void)upload;
	if ((strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) || *upload_size)
		return respond(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_found,
			       sizeof not_found - 1);
	if (!*req_cls) { /* first call: headers only; answer on the next */
		*req_cls = x;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0 && strcmp(url, "/") != 0)
		return respond(c, MHD_HTTP_NOT_FOUND, "text/plain", not_found, sizeof not_found - 1);
	pthread_mutex_lock(&x->lock);
	rc = lfh_buf_append(&body, x->snap.data ? (const void *)x->snap.data : "", x->snap.len);
	snap_ms = x->snap_ms;
	pthread_mutex_unlock(&x->lock);
	if (!rc)
		rc = gauge(&body, "lfh_metrics_snapshot_age_seconds", "Seconds since lfhd last "
			   "rendered the store, peer and expiry gauges above (about 1 normally; "
			   "more: it is stuck, and they are that old; NaN: none yet).",
			   ago(lfh_wall_ms(), snap_ms, 0));
	if (!rc)
		rc = lfh_metrics_render(&body, NULL);
	ok = rc ? respond(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", "", 0)
		: respond(c, MHD_HTTP_OK, CONTENT_TYPE, body.data, body.len);
	lfh_buf_free(&body);
	return ok;
}

/* "HOST:PORT" (HOST an IPv4 literal, or [IPv6]) into an address. 0 or -1. */
static int parse_listen(const char *s, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t hlen = colon ? (size_t)(colon - s) : 0;
	char *end = NULL;
	long port = colon ? strtol(colon + 1, &end, 10) : 0;

	if (!colon || !end || *end || port < 1 || port > 65535 || hlen == 0 || hlen >= sizeof host)
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	memset(ss, 0, sizeof *ss);
	if (host[0] == '[' && host[hlen - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		host[hlen - 1] = '\0';
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host + 1, &a->sin6_addr) == 1 ? 0 : -1;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

/* 127.0.0.0/8 or ::1 (or an IPv4-mapped 127.x): reachable from this machine only. */
static int is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
}

int lfh_exporter_start(lfh_exporter **out, const char *listen, lfh_err *err)
{
	struct sockaddr_storage ss;
	sigset_t block, old;
	lfh_exporter *x;

	if (parse_listen(listen, &ss))
		return lfh_err_set(err, LFH_ECONFIG, "metrics_listen: '%.60s' is not IP:PORT", listen);
	if (!(x = calloc(1, sizeof *x)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	pthread_mutex_init(&x->lock, NULL);
	/* the HTTP thread inherits this mask: signals stay with the main loop */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	/* poll or epoll (select would refuse descriptors past 1023, which a node with many
	 * peers reaches); a few connections per client, so one cannot starve the scraper */
	x->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
					(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				0, NULL, NULL, handle, x, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)4,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!x->d) {
		lfh_exporter_stop(x);
		return lfh_err_set(err, LFH_ENET, "metrics_listen: cannot serve on %s (port in use, "
				   "or not an address of this machine?)", listen);
	}
	x->public = !is_loopback(&ss);
	*out = x;
	return 0;
}

void lfh_exporter_stop(lfh_exporter *x)
{
	if (!x)
		return;
	if (x->d)
		MHD_stop_daemon(x->d);
	pthread_mutex_destroy(&x->lock);
	lfh_buf_free(&x->snap);
	lfh_buf_free(&x->next);
	free(x);
}
