/*
 * ctl_status.c - the status command (lfh status): the node, its ISA, its
 * keys and their expiry, and each peer's connection, cursors and gaps; and
 * hello, who the node is, for clients to name it in signed requests.
 *
 * The node's health is judged here, once, for every reader (lfh status and
 * a monitoring check alike): OK, WARNING (a peer not reached for longer than
 * peer_stale_after, events missing, keys or the ISA's review within
 * expiry_warn_days or past, a member's keys expiring, equivocation evidence,
 * recovery, waiting to join) or CRITICAL (our keys expired, removed from the
 * hub, a peer sending events of another hub), with the reasons, in the node's record: health, health_code (the
 * Nagios exit status 0, 1, 2) and health_reason.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lfh/ctl.h"
#include "lfh/hlc.h"
#include "lfh/ingest.h"
#include "lfh/isa.h"
#include "lfh/keyring.h"
#include "lfh/osara.h"

enum { HEALTH_OK, HEALTH_WARNING, HEALTH_CRITICAL };

typedef struct health {
	int level;
	size_t len;
	char why[768]; /* the reasons, "; "-separated; cut short when too many */
} health;

static void health_add(health *h, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Raise h to level (if lower) and add a reason. */
static void health_add(health *h, int level, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (level > h->level)
		h->level = level;
	if (h->len + 8 >= sizeof h->why)
		return;
	if (h->len) {
		memcpy(h->why + h->len, "; ", 3);
		h->len += 2;
	}
	va_start(ap, fmt);
	w = vsnprintf(h->why + h->len, sizeof h->why - h->len, fmt, ap);
	va_end(ap);
	if (w > 0)
		h->len += (size_t)w;
	if (h->len >= sizeof h->why)
		h->len = sizeof h->why - 1; /* cut short */
}

/* A duration as a person reads it: "45s", "15m", "3h20m", "2d4h". */
static const char *duration(uint64_t ms, char out[32])
{
	uint64_t s = ms / 1000;
	if (s < 60)
		snprintf(out, 32, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(out, 32, "%llum", (unsigned long long)(s / 60));
	else if (s < 86400)
		snprintf(out, 32, "%lluh%llum", (unsigned long long)(s / 3600),
			 (unsigned long long)(s % 3600 / 60));
	else
		snprintf(out, 32, "%llud%lluh", (unsigned long long)(s / 86400),
			 (unsigned long long)(s % 86400 / 3600));
	return out;
}

/* The ISA in force and, within expiry_warn_days of its review date or past it, a warning. */
static int status_isa(const lfh_isa *isa, long warn_days, lfh_record *out, health *h, lfh_err *err)
{
	long review = lfh_osara_date_days(isa->review);
	long today = (long)(lfh_wall_ms() / LFH_OSARA_DAY_MS);
	char msg[128];

	if (lfh_record_set_uint(out, "isa_version", isa->version, err) ||
	    lfh_record_set_str(out, "isa_review", isa->review, err))
		return err->code;
	if (review >= 0 && review < today)
		snprintf(msg, sizeof msg, "the ISA's review date %s has passed", isa->review);
	else if (review >= 0 && review - today <= warn_days)
		snprintf(msg, sizeof msg, "the ISA is due for review on %s (in %ld days)", isa->review,
			 review - today);
	else
		return 0;
	health_add(h, HEALTH_WARNING, "%s", msg);
	return lfh_record_set_str(out, "warning", msg, err) ? err->code : 0;
}

/* Our key generation and, within expiry_warn_days of its expiry or past it, a warning. */
static int status_keys(const lfh_node *n, lfh_record *out, health *h, lfh_err *err)
{
	static const char joining[] = "this agency is not yet a party of the agreement in force "
				      "here: waiting for the version that adds it";
	static const char removed[] = "this agency was removed from the hub by the ISA in force: "
				      "nothing is replicated";
	const lfh_keygen *g = lfh_keyring_gen(&n->rules, n->cfg.agency, n->gen);
	uint64_t now = lfh_wall_ms(), warn_ms = n->cfg.expiry_warn_days * LFH_OSARA_DAY_MS;
	char msg[256], when[32];
	int level = HEALTH_WARNING;

	if (n->rules.joining) {
		health_add(h, HEALTH_WARNING, "%s", joining);
		return lfh_record_set_str(out, "key_warning", joining, err) ? err->code : 0;
	}
	if (n->rules.removed) {
		health_add(h, HEALTH_CRITICAL, "%s", removed);
		return lfh_record_set_str(out, "key_warning", removed, err) ? err->code : 0;
	}
	if (!g || lfh_record_set_uint(out, "key_generation", n->gen, err))
		return g ? err->code : 0;
	if (g->not_after_ms != LFH_NEVER) {
		lfh_ctl_time(g->not_after_ms, when);
		if (lfh_record_set_str(out, "key_expires", when, err))
			return err->code;
	}
	if (lfh_keyring_until(&n->rules, g) <= now) { /* expired, revoked or superseded */
		uint64_t since = 0;
		const char *why = lfh_keyring_why_ended(&n->rules, g, now, &since);
		level = HEALTH_CRITICAL;
		lfh_ctl_time(since, when);
		snprintf(msg, sizeof msg, "our key generation %u %s at %s: peers refuse what it signs, "
			 "this node writes nothing; %s", g->generation, why, when,
			 strcmp(why, "superseded") ? "run lfh admin keys rotate"
						   : "key_dir lacks the newest generation");
	} else if (g->not_after_ms == LFH_NEVER) {
		return 0;
	} else if (g->not_after_ms - now <= warn_ms)
		snprintf(msg, sizeof msg, "our key generation %u expires at %s (in %llu days): run lfh "
			 "admin keys rotate", g->generation, when,
			 (unsigned long long)((g->not_after_ms - now) / LFH_OSARA_DAY_MS));
	else
		return 0;
	health_add(h, level, "%s", msg);
	return lfh_record_set_str(out, "key_warning", msg, err) ? err->code : 0;
}

/* Other agencies whose current keys expire within expiry_warn_days: they must rotate. */
static int status_peer_keys(const lfh_node *n, lfh_record *out, health *h, lfh_err *err)
{
	uint64_t now = lfh_wall_ms(), warn_ms = n->cfg.expiry_warn_days * LFH_OSARA_DAY_MS;
	char msg[1024] = "";
	size_t len = 0;

	for (size_t i = 0; i < n->rules.nmembers; i++) {
		const lfh_keygen *g = lfh_keyring_newest(&n->rules, n->rules.members[i].agency, now);
		char when[32];
		int w;
		if (!g || !strcmp(g->agency, n->cfg.agency) || g->not_after_ms == LFH_NEVER ||
		    (g->not_after_ms > now && g->not_after_ms - now > warn_ms))
			continue;
		lfh_ctl_time(g->not_after_ms, when);
		w = snprintf(msg + len, sizeof msg - len, "%s%s's keys %s %s", len ? "; " : "",
			     g->agency, g->not_after_ms <= now ? "expired at" : "expire at", when);
		if (w < 0 || (size_t)w >= sizeof msg - len)
			break;
		len += (size_t)w;
	}
	if (len)
		health_add(h, HEALTH_WARNING, "%s", msg);
	return len && lfh_record_set_str(out, "peer_key_warning", msg, err) ? err->code : 0;
}

/*
 * How full the store's map is (its highest page in use): WARNING from 85%,
 * CRITICAL from 95%. A full store refuses every write and every event from
 * the peers while the node still serves.
 */
static int status_store_size(lfh_node *n, lfh_record *out, health *h, lfh_err *err)
{
	uint64_t used = 0, size = 0, pct;

	lfh_store_usage(n->store, &used, &size);
	if (lfh_record_set_uint(out, "store_used_bytes", used, err) ||
	    lfh_record_set_uint(out, "store_size_bytes", size, err))
		return err->code;
	pct = size ? used * 100 / size : 0;
	if (pct >= 85)
		health_add(h, pct >= 95 ? HEALTH_CRITICAL : HEALTH_WARNING,
			   "the store is %llu%% full (%llu of %llu MiB): raise map_size_mb in "
			   "lfhd.conf and restart lfhd%s", (unsigned long long)pct,
			   (unsigned long long)(used >> 20), (unsigned long long)(size >> 20),
			   pct >= 95 ? " (writes will soon be refused)" : "");
	return 0;
}

/* While recovering: what it waits for, and who has not answered yet (they may never). */
static int recovery_text(lfh_ctl_req *q, lfh_record *out, lfh_err *err)
{
	char waiting[LFH_MAX_PEERS * (LFH_AGENCY_MAX + 2) + 1] = "", text[sizeof waiting + 512];
	size_t len = 0;

	for (size_t i = 0; q->sync && i < lfh_sync_npeers(q->sync); i++) {
		lfh_peer_status st;
		lfh_sync_peer_status(q->sync, i, &st);
		if (!st.recovered && len < sizeof waiting)
			len += (size_t)snprintf(waiting + len, sizeof waiting - len, "%s%s",
						len ? ", " : "", st.agency);
	}
	snprintf(text, sizeof text, "recovering the events this node wrote from its peers (its "
		 "store was restored or replaced): it writes nothing until every peer has answered%s%s"
		 "%s", waiting[0] ? "; waiting for " : "", waiting,
		 waiting[0] ? " (one the hub has removed never will: lfh admin recovery skip "
			      "AGENCY)" : "");
	return lfh_record_set_str(out, "recovery", text, err);
}

static int status_node(lfh_ctl_req *c, lfh_txn *t, lfh_record *out, health *h, lfh_err *err)
{
	uint64_t events = 0, evidence = 0, head = 0, seq = 0;
	char hub[65];
	int rc;

	lfh_hex(hub, c->node->rules.hub_id, 32);
	if ((rc = lfh_store_event_count(t, &events, err)) ||
	    (rc = lfh_store_evidence_count(t, &evidence, err)) ||
	    (rc = lfh_store_log_head(t, &head, err)) ||
	    (rc = lfh_store_meta_get(t, "seq", &seq, err)))
		return rc;
	if (lfh_record_set_str(out, "agency", c->node->id->pub.agency, err) ||
	    lfh_record_set_str(out, "hub", c->node->cfg.hub, err) ||
	    lfh_record_set_str(out, "hub_id", hub, err) ||
	    lfh_record_set_uint(out, "events", events, err) ||
	    lfh_record_set_uint(out, "evidence", evidence, err) ||
	    lfh_record_set_uint(out, "head", head, err) ||
	    lfh_record_set_uint(out, "authored", seq, err) ||
	    lfh_record_set_uint(out, "pid", (uint64_t)getpid(), err) ||
	    lfh_record_set_uint(out, "recovering", (uint64_t)c->node->recovering, err))
		return err->code;
	if (c->node->recovering && recovery_text(c, out, err))
		return err->code;
	if (c->node->recovering)
		health_add(h, HEALTH_WARNING, "recovering the events this node wrote from its peers");
	if (evidence)
		health_add(h, HEALTH_WARNING, "%llu equivocation evidence records (see logs)",
			   (unsigned long long)evidence);
	if ((rc = status_store_size(c->node, out, h, err)))
		return rc;
	if ((rc = status_keys(c->node, out, h, err)) || (rc = status_peer_keys(c->node, out, h, err)))
		return rc;
	return c->node->rules.isa ? status_isa(c->node->rules.isa, c->node->cfg.expiry_warn_days,
					       out, h, err) : 0;
}

/*
 * Replication lag as a person reads it: how long since this peer last had
 * nothing more to send us ("never" if we have not caught up with it yet).
 */
static const char *lag_text(uint64_t caught_up_ms, char *buf, size_t size)
{
	uint64_t now = lfh_wall_ms();
	if (!caught_up_ms)
		return "never synced";
	snprintf(buf, size, "%llu ms ago", (unsigned long long)(now > caught_up_ms ? now - caught_up_ms : 0));
	return buf;
}

/* A peer not reached for longer than peer_stale_after, or with events missing, degrades health. */
static void peer_health(const lfh_node *n, const lfh_peer_status *st, uint64_t missing, health *h)
{
	uint64_t now = lfh_wall_ms(), since = st->last_ms ? st->last_ms : st->since_ms;
	uint64_t stale_ms = (uint64_t)n->cfg.peer_stale_after * 1000;
	char d[32];

	if (stale_ms && now > since && now - since > stale_ms)
		health_add(h, HEALTH_WARNING, "peer %s not reached for %s%s", st->agency,
			   duration(now - since, d), st->last_ms ? "" : " (never since lfhd started)");
	if (missing)
		health_add(h, HEALTH_WARNING, "%llu events from %s missing (being fetched)",
			   (unsigned long long)missing, st->agency);
	/* nothing of it stored, and it sends events of another hub: the two nodes were set up with
	 * different agreements (a member's one forged envelope, among events stored, is not that) */
	if (st->other_hub && !st->stored)
		health_add(h, HEALTH_CRITICAL, "peer %s sends events of another hub (%llu refused): its "
			   "genesis ISA file is not ours (compare hub_id in lfh status at both nodes)",
			   st->agency, (unsigned long long)st->other_hub);
}

static int status_peer(lfh_ctl_req *c, lfh_txn *t, size_t i, lfh_record *out, health *h,
		       lfh_err *err)
{
	lfh_peer_status st;
	char lag[32];
	uint64_t cursor = 0, first, highest, missing = 0;
	int rc;

	lfh_sync_peer_status(c->sync, i, &st);
	if ((rc = lfh_store_cursor_get(t, st.agency, &cursor, err)) ||
	    (rc = lfh_ingest_gaps(c->node, t, st.agency, &first, &highest, &missing, err)))
		return rc;
	if (lfh_record_set_str(out, "peer", st.agency, err) ||
	    lfh_record_set_str(out, "endpoint", st.endpoint, err) ||
	    lfh_record_set_uint(out, "connected", (uint64_t)st.connected, err) ||
	    lfh_record_set_uint(out, "cursor", cursor, err) ||
	    lfh_record_set_uint(out, "missing", missing, err) ||
	    lfh_record_set_uint(out, "received", st.received, err) ||
	    lfh_record_set_uint(out, "stored", st.stored, err) ||
	    lfh_record_set_uint(out, "rejected", st.rejected, err) ||
	    lfh_record_set_uint(out, "held", st.held, err) ||
	    lfh_record_set_uint(out, "other_hub", st.other_hub, err) ||
	    lfh_record_set_uint(out, "dropped", st.dropped, err) ||
	    lfh_record_set_uint(out, "last_seen_ms_ago",
				st.last_ms ? lfh_wall_ms() - st.last_ms : 0, err) ||
	    lfh_record_set_str(out, "lag", lag_text(st.caught_up_ms, lag, sizeof lag), err))
		return err->code;
	peer_health(c->node, &st, missing, h);
	return 0;
}

/* The verdict, in the node's own record (the first). */
static int set_health(lfh_record *node, const health *h, lfh_err *err)
{
	static const char *const names[] = { "OK", "WARNING", "CRITICAL" };

	if (lfh_record_set_str(node, "health", names[h->level], err) ||
	    lfh_record_set_uint(node, "health_code", (uint64_t)h->level, err) ||
	    lfh_record_set_str(node, "health_reason", h->len ? h->why : "serving", err))
		return err->code;
	return 0;
}

int ctl_status(lfh_ctl_req *q, lfh_txn *t)
{
	lfh_err err = { 0 };
	health h = { 0 };
	lfh_record *out = lfh_ctl_add(&q->rep);
	int rc = out ? status_node(q, t, out, &h, &err) : LFH_ENOMEM;

	for (size_t i = 0; rc == 0 && i < lfh_sync_npeers(q->sync); i++) {
		out = lfh_ctl_add(&q->rep);
		rc = out ? status_peer(q, t, i, out, &h, &err) : LFH_ENOMEM;
	}
	if (rc == 0)
		rc = set_health(&q->rep.recs[0], &h, &err);
	return rc ? lfh_ctl_fail(&q->rep, rc, err.msg[0] ? err.msg : "out of memory") : 0;
}

int lfh_ctl_is_hello(const lfh_ctl_req *q)
{
	const char *cmd = lfh_record_str(&q->req, "cmd");
	return cmd && strcmp(cmd, "hello") == 0;
}

int ctl_hello(lfh_ctl_req *q, lfh_txn *t)
{
	char hub_hex[65];
	lfh_err err = { 0 };
	lfh_record *out = lfh_ctl_add(&q->rep);
	(void)t;

	lfh_hex(hub_hex, q->node->rules.hub_id, sizeof q->node->rules.hub_id);
	if (!out || lfh_record_set_str(out, "node", q->node->cfg.agency, &err) ||
	    lfh_record_set_str(out, "hub", hub_hex, &err) ||
	    lfh_record_set_uint(out, "protocol", 1, &err))
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	return 0;
}
