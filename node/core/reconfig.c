/*
 * reconfig.c - a running node takes its configuration read again
 * (include/lfh/reconfig.h).
 *
 * Two passes: first everything is read and checked (the ISA file must still
 * be this store's genesis, the key directory must still hold this agency's
 * keys, the risk questionnaire must parse, every [peer] must be a party with
 * the ISA's keys), with nothing changed; only then are the changes applied.
 * So a file the node would not start with is found at SIGHUP, not at the
 * next restart, and leaves the running node as it was.
 *
 * Peers: with an ISA the parties are the peers and a [peer] section only
 * overrides an endpoint, so a changed endpoint re-derives the peers
 * (membership.h) and bumps n->peers_version; the sync loop then reconnects
 * that one peer and keeps every other session. Without an ISA the
 * provisional hub id is computed from the configured peers' keys, so a peer
 * added, removed or given another key waits for a restart; an endpoint
 * changes at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "lfh/generation.h"
#include "lfh/isa.h"
#include "lfh/isa_text.h"
#include "lfh/log.h"
#include "lfh/membership.h"
#include "lfh/reconfig.h"
#include "lfh/risk.h"

/* A setting that takes effect at the next start: say so, with why. */
static void at_restart(lfh_reconfig_result *res, const char *what, const char *was,
		       const char *now, const char *why)
{
	res->at_restart++;
	log_warn("SIGHUP: %s changed (%s -> %s): takes effect when lfhd restarts (%s)", what,
		 was[0] ? was : "none", now[0] ? now : "none", why);
}

static void applied(lfh_reconfig_result *res, const char *what, const char *was, const char *now)
{
	res->applied++;
	log_info("SIGHUP: %s changed (%s -> %s): applied", what, was[0] ? was : "none",
		 now[0] ? now : "none");
}

static void applied_uint(lfh_reconfig_result *res, const char *what, unsigned long long was,
			 unsigned long long now)
{
	char a[32], b[32];
	snprintf(a, sizeof a, "%llu", was);
	snprintf(b, sizeof b, "%llu", now);
	applied(res, what, a, b);
}

static void teams_text(const lfh_config *c, char *out, size_t size)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < c->nteams && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s", i ? "," : "", c->teams[i]);
}

/* The ISA file next names: it parses, and (same hub) is still this store's genesis. */
static int check_isa(const lfh_node *n, const lfh_config *next, lfh_err *err)
{
	lfh_isa *isa;
	lfh_buf raw = { 0 };
	uint8_t hash[32];
	int rc;

	if (!next->isa_path[0])
		return 0;
	if (!(isa = malloc(sizeof *isa)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	rc = lfh_isa_parse_file(next->isa_path, isa, NULL, err);
	if (!rc && isa->version != 1)
		rc = lfh_err_set(err, LFH_ECONFIG, "%s: isa must name the genesis version (1), not %u",
				 next->isa_path, isa->version);
	if (!rc && n->rules.isa && !(rc = lfh_isa_encode(isa, &raw, err))) {
		lfh_isa_hash(raw.data, raw.len, hash);
		if (sodium_memcmp(hash, n->rules.hub_id, 32) != 0)
			rc = lfh_err_set(err, LFH_ECONFIG, "%s is not the genesis agreement of hub %s "
					 "that data_dir %s holds (lfhd would not start with it; "
					 "later versions come through lfh isa)", next->isa_path,
					 n->cfg.hub, n->cfg.data_dir);
	}
	lfh_buf_free(&raw);
	free(isa);
	return rc;
}

/* The key directory still holds this agency's keys; a generation other than ours waits. */
static int check_keys(const lfh_node *n, const lfh_config *next, lfh_reconfig_result *res,
		      lfh_err *err)
{
	lfh_identity *id = NULL, *prev = NULL;
	lfh_buf cert = { 0 };
	uint32_t gen = 0;
	int rc = lfh_gen_open(next->key_dir, &id, &gen, &prev, &cert, err);

	if (!rc && strcmp(id->pub.agency, next->agency) != 0)
		rc = lfh_err_set(err, LFH_ECONFIG, "key_dir %s holds keys of agency '%s', not '%s'",
				 next->key_dir, id->pub.agency, next->agency);
	if (!rc && !strcmp(next->key_dir, n->cfg.key_dir) &&
	    (gen != n->gen || sodium_memcmp(id->pub.sign_pk, n->id->pub.sign_pk, 32) != 0)) {
		char a[16], b[16];
		snprintf(a, sizeof a, "%u", n->gen);
		snprintf(b, sizeof b, "%u", gen);
		at_restart(res, "the key generation in key_dir", a, b,
			   "our keys are loaded at start, and a new generation is published then");
	}
	lfh_identity_free(id);
	lfh_identity_free(prev);
	lfh_buf_free(&cert);
	return rc;
}

static const lfh_peer_conf *find_peer(const lfh_peer_conf *ps, size_t n, const char *agency)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ps[i].agency, agency) == 0)
			return &ps[i];
	return NULL;
}

static int same_keys(const lfh_pubkeys *a, const lfh_pubkeys *b)
{
	return !sodium_memcmp(a->sign_pk, b->sign_pk, 32) && !sodium_memcmp(a->box_pk, b->box_pk, 32) &&
	       !sodium_memcmp(a->curve_pk, b->curve_pk, 32);
}

/*
 * The peers next gives, into out (LFH_MAX_PEERS): with an ISA, derived with
 * next's [peer] sections; without, the current peers with next's endpoints
 * (a peer set or key change is counted for the restart).
 */
static int next_peers(const lfh_node *n, const lfh_config *next, lfh_peer_conf *out, size_t *nout,
		      lfh_reconfig_result *res, lfh_err *err)
{
	const lfh_config *cur = &n->cfg;
	int changed = 0;

	if (cur->isa_path[0]) /* peers come from the ISA in force; next's may add overrides */
		return next->isa_path[0] ?
			       lfh_node_peers_for(n, next->peers, next->npeers, 1, out, nout, err) :
			       (memcpy(out, cur->peers, cur->npeers * sizeof *out), *nout = cur->npeers, 0);
	memcpy(out, cur->peers, cur->npeers * sizeof *out);
	*nout = cur->npeers;
	if (next->isa_path[0])
		return 0; /* counted with isa */
	changed = next->npeers != cur->npeers;
	for (size_t i = 0; i < cur->npeers; i++) {
		const lfh_peer_conf *q = find_peer(next->peers, next->npeers, cur->peers[i].agency);
		if (!q || !same_keys(&q->pub, &cur->peers[i].pub))
			changed = 1;
		else
			memcpy(out[i].endpoint, q->endpoint, sizeof out[i].endpoint);
	}
	if (changed) {
		res->at_restart++;
		log_warn("SIGHUP: peers added, removed or given other public keys: take effect when "
			 "lfhd restarts (without an isa the provisional hub id is computed from the "
			 "configured peers' keys)");
	}
	return 0;
}

/* Settings that wait for a restart. */
static void compare_fixed(const lfh_config *cur, const lfh_config *next, lfh_reconfig_result *res)
{
	char a[32], b[32];

	if (strcmp(cur->agency, next->agency))
		at_restart(res, "agency", cur->agency, next->agency, "it is the node's identity");
	if (!cur->isa_path[0] && !next->isa_path[0] && strcmp(cur->hub, next->hub))
		at_restart(res, "hub", cur->hub, next->hub, "the provisional hub id is computed from it");
	if (strcmp(cur->isa_path, next->isa_path))
		at_restart(res, "isa", cur->isa_path, next->isa_path,
			   "the store is opened on its genesis agreement");
	if (strcmp(cur->data_dir, next->data_dir))
		at_restart(res, "data_dir", cur->data_dir, next->data_dir, "the store is opened at start");
	if (cur->map_size != next->map_size) {
		snprintf(a, sizeof a, "%zu MiB", cur->map_size >> 20);
		snprintf(b, sizeof b, "%zu MiB", next->map_size >> 20);
		at_restart(res, "map_size_mb", cur->map_size ? a : "default",
			   next->map_size ? b : "default", "the store is opened at start");
	}
	if (strcmp(cur->key_dir, next->key_dir))
		at_restart(res, "key_dir", cur->key_dir, next->key_dir, "our keys are loaded at start");
	if (strcmp(cur->listen, next->listen))
		at_restart(res, "listen", cur->listen, next->listen,
			   "the peer socket is bound at start; peers reach us there");
	if (strcmp(cur->control, next->control))
		at_restart(res, "control", cur->control, next->control,
			   "the control socket is created at start");
	if (cur->control_mode != next->control_mode) {
		snprintf(a, sizeof a, "%04o", cur->control_mode);
		snprintf(b, sizeof b, "%04o", next->control_mode);
		at_restart(res, "control_mode", a, b, "the control socket is created at start");
	}
	if (strcmp(cur->control_group, next->control_group))
		at_restart(res, "control_group", cur->control_group, next->control_group,
			   "the control socket is created at start");
	if (strcmp(cur->metrics_listen, next->metrics_listen))
		at_restart(res, "metrics_listen", cur->metrics_listen, next->metrics_listen,
			   "the metrics endpoint is bound at start");
}

/* Settings read where they are used: in force at once. */
static void apply_live(lfh_node *n, const lfh_config *next, lfh_reconfig_result *res)
{
	lfh_config *cur = &n->cfg;
	char a[LFH_MAX_TEAMS * (LFH_TEAM_MAX + 1) + 1], b[sizeof a];

	if (cur->peer_stale_after != next->peer_stale_after)
		applied_uint(res, "peer_stale_after", cur->peer_stale_after, next->peer_stale_after);
	if (cur->expiry_warn_days != next->expiry_warn_days)
		applied_uint(res, "expiry_warn_days", cur->expiry_warn_days, next->expiry_warn_days);
	if (cur->sharing_rotate_days != next->sharing_rotate_days)
		applied_uint(res, "sharing_rotate_days", cur->sharing_rotate_days,
			     next->sharing_rotate_days);
	if (cur->author_quota != next->author_quota)
		applied_uint(res, "author_quota_mb (0: half the map)", cur->author_quota >> 20,
			     next->author_quota >> 20);
	teams_text(cur, a, sizeof a);
	teams_text(next, b, sizeof b);
	if (strcmp(a, b))
		applied(res, "teams", a, b);
	if (strcmp(cur->reminder_command, next->reminder_command))
		applied(res, "reminder_command", cur->reminder_command, next->reminder_command);
	if (cur->reminder_every != next->reminder_every)
		applied_uint(res, "reminder_every", cur->reminder_every, next->reminder_every);
	memcpy(cur->reminder_command, next->reminder_command, sizeof cur->reminder_command);
	cur->reminder_every = next->reminder_every;
	cur->peer_stale_after = next->peer_stale_after;
	cur->expiry_warn_days = next->expiry_warn_days;
	cur->sharing_rotate_days = next->sharing_rotate_days;
	cur->author_quota = next->author_quota;
	cur->nteams = next->nteams;
	memcpy(cur->teams, next->teams, sizeof cur->teams);
}

/* Take the new peer list: log each endpoint that moved. */
static void apply_peers(lfh_node *n, const lfh_config *next, const lfh_peer_conf *peers,
			size_t npeers, lfh_reconfig_result *res)
{
	lfh_config *cur = &n->cfg;
	unsigned moved = 0;

	for (size_t i = 0; i < npeers; i++) {
		const lfh_peer_conf *was = find_peer(cur->peers, cur->npeers, peers[i].agency);
		if (was && strcmp(was->endpoint, peers[i].endpoint)) {
			char what[LFH_AGENCY_MAX + 32];
			snprintf(what, sizeof what, "peer %s endpoint", peers[i].agency);
			applied(res, what, was->endpoint, peers[i].endpoint);
			moved++;
		}
	}
	if (cur->isa_path[0] && next->isa_path[0]) {
		memcpy(n->overrides, next->peers, next->npeers * sizeof *next->peers);
		n->noverrides = next->npeers;
	}
	if (moved) {
		memcpy(cur->peers, peers, npeers * sizeof *peers);
		cur->npeers = npeers;
		n->peers_version++;
		res->peers_moved = moved;
	}
}

int lfh_node_reconfigure(lfh_node *n, const lfh_config *next, lfh_reconfig_result *res,
			 lfh_err *err)
{
	lfh_peer_conf *peers = malloc(LFH_MAX_PEERS * sizeof *peers);
	lfh_risk_form *risk = malloc(sizeof *risk);
	lfh_reconfig_result r = { 0 };
	size_t npeers = 0;
	int rc = 0;

	memset(res, 0, sizeof *res);
	if (!peers || !risk)
		rc = lfh_err_set(err, LFH_ENOMEM, "out of memory");
	if (!rc)
		rc = check_isa(n, next, err);
	if (!rc && next->reminder_command[0] && access(next->reminder_command, X_OK) != 0)
		rc = lfh_err_set(err, LFH_ECONFIG, "reminder_command: %s: %s", next->reminder_command,
				 strerror(errno));
	if (!rc)
		rc = check_keys(n, next, &r, err);
	if (!rc) {
		memset(risk, 0, sizeof *risk);
		lfh_risk_default(risk);
		if (next->risk_path[0])
			rc = lfh_risk_load(next->risk_path, risk, err);
		if (rc && err->code != LFH_ENOMEM)
			err->code = rc = LFH_ECONFIG;
	}
	if (!rc)
		rc = next_peers(n, next, peers, &npeers, &r, err);
	if (!rc) {
		compare_fixed(&n->cfg, next, &r);
		apply_live(n, next, &r);
		if (memcmp(risk, n->risk, sizeof *risk)) {
			applied(&r, "risk questionnaire", n->cfg.risk_path, next->risk_path);
			memcpy(n->risk, risk, sizeof *risk);
		}
		memcpy(n->cfg.risk_path, next->risk_path, sizeof n->cfg.risk_path);
		apply_peers(n, next, peers, npeers, &r);
		*res = r;
	}
	free(peers);
	free(risk);
	return rc;
}
