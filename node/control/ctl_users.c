/*
 * ctl_users.c - caseworker identity (PROTOCOL.md 10.1): the users an
 * administrator registers at this node, each with a role and an Ed25519
 * public key; authentication of signed requests; what each role may do.
 *
 *   user_add     name role pk [user_team]  register a user (pk: 64 hex Ed25519
 *                key; user_team: one of lfhd.conf's teams)
 *   user_revoke  name           revoke: refused from the very next request
 *   user_list                   {name, role, state, added, added_by, revoked}
 *
 * A request is written for a team: a signed one for its user's team (any
 * `team` the client sent is replaced), a bootstrap one for the client's
 * `team` if it is one of the node's teams.
 *
 * State: tables USERS, name -> record {role, pk, state (active|revoked), team?,
 * added_ms, added_by, revoked_ms?, revoked_by?}. Roles, each including the
 * one before it: caseworker < coordinator < manager < admin.
 *
 * While no active admin is registered the node is in bootstrap mode and
 * accepts requests as they come (by = the client's "by"), so whoever can
 * open the control socket creates the first admin. After that every request
 * must be signed (lfh_ctl_authorize).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/ctl.h"
#include "lfh/hlc.h"

enum role { ROLE_CASEWORKER, ROLE_COORDINATOR, ROLE_MANAGER, ROLE_ADMIN, ROLE_N };
static const char *const role_names[ROLE_N] = { "caseworker", "coordinator", "manager", "admin" };

/* The least role each command needs; a command not listed needs caseworker. */
static const struct {
	const char *cmd;
	enum role role;
} perms[] = {
	{ "user_add", ROLE_ADMIN },
	{ "user_revoke", ROLE_ADMIN },
	{ "user_list", ROLE_ADMIN },
	{ "keys_list", ROLE_ADMIN },
	{ "keys_rotate", ROLE_ADMIN },
	{ "keys_revoke", ROLE_ADMIN },
	{ "keys_rotate_sharing", ROLE_ADMIN },
	{ "isa_propose", ROLE_ADMIN },
	{ "isa_sign", ROLE_ADMIN },
	{ "isa_withdraw", ROLE_ADMIN },
	{ "retention_run", ROLE_ADMIN },
	{ "backup", ROLE_ADMIN },
	{ "recovery_skip", ROLE_ADMIN },
	{ "import_batch", ROLE_ADMIN },
	{ "case_close", ROLE_MANAGER },
	{ "case_redact", ROLE_MANAGER },
	{ "sar", ROLE_MANAGER },
	{ "case_reopen", ROLE_MANAGER },
	{ "case_remove", ROLE_MANAGER },
	{ "report_performance", ROLE_MANAGER },
	{ "report_tactical", ROLE_MANAGER },
	{ "audit_list", ROLE_MANAGER },
};

/* case_step steps (request field "step") that need a coordinator. */
static const char *const coordinator_steps[] = { "scanning", "close-propose", "review" };

/* The request fields that carry authentication, removed once checked. */
static const char *const auth_fields[] = { "user", "ts", "nonce", "node", "hub", "sig" };

static int role_parse(const char *s)
{
	for (int r = 0; s && r < ROLE_N; r++)
		if (strcmp(s, role_names[r]) == 0)
			return r;
	return -1;
}

/* 1..63 bytes of [A-Za-z0-9 ._'-], no leading or trailing space. */
static int name_valid(const char *s, size_t n)
{
	if (n < 1 || n > LFH_CTL_BY_MAX || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == ' ' || c == '.' || c == '_' || c == '\'' || c == '-'))
			return 0;
	}
	return 1;
}

/* The user's stored record (r zeroed; caller clears). LFH_ENOTFOUND if none. */
static int user_get(lfh_txn *t, const char *name, lfh_record *r, lfh_err *err)
{
	const uint8_t *v;
	size_t vlen;
	int rc = lfh_store_tbl_get(t, LFH_TBL_USERS, name, strlen(name), &v, &vlen, err);

	if (rc)
		return rc;
	if ((rc = lfh_record_decode(v, vlen, r, err)))
		return lfh_err_set(err, LFH_ESTORE, "users: unreadable record of '%s'", name);
	return 0;
}

static int user_active(const lfh_record *r)
{
	const char *st = lfh_record_str(r, "state");
	return st && strcmp(st, "active") == 0;
}

/* Count the active admins (scan callback). */
static int admin_fn(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	size_t *n = ctx;
	lfh_record r = { 0 };
	(void)key;
	(void)klen;
	if (lfh_record_decode(val, vlen, &r, NULL) == 0 && user_active(&r) &&
	    role_parse(lfh_record_str(&r, "role")) == ROLE_ADMIN)
		(*n)++;
	lfh_record_clear(&r);
	return 0;
}

static int count_admins(lfh_txn *t, size_t *n, lfh_err *err)
{
	*n = 0;
	return lfh_store_tbl_scan(t, LFH_TBL_USERS, NULL, 0, admin_fn, n, err);
}

/* ---- recently seen nonces -------------------------------------------- */

void lfh_ctl_seen_free(lfh_ctl_seen *s)
{
	free(s->e);
	memset(s, 0, sizeof *s);
}

static void seen_expire(lfh_ctl_seen *s, uint64_t now)
{
	while (s->n && s->e[s->head].ms + LFH_CTL_REPLAY_MS < now) {
		s->head = (s->head + 1) % s->cap;
		s->n--;
	}
}

static int seen_has(const lfh_ctl_seen *s, const char *user, const uint8_t nonce[16])
{
	for (size_t i = 0; i < s->n; i++) {
		const lfh_ctl_seen_entry *e = &s->e[(s->head + i) % s->cap];
		if (memcmp(e->nonce, nonce, 16) == 0 && strcmp(e->user, user) == 0)
			return 1;
	}
	return 0;
}

/* Remember (user, nonce); -1 if the ring is full and cannot grow. */
static int seen_add(lfh_ctl_seen *s, const char *user, const uint8_t nonce[16], uint64_t now)
{
	lfh_ctl_seen_entry *e;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		if (cap > LFH_CTL_SEEN_MAX || !(e = malloc(cap * sizeof *e)))
			return -1;
		for (size_t i = 0; i < s->n; i++)
			e[i] = s->e[(s->head + i) % s->cap];
		free(s->e);
		s->e = e;
		s->cap = cap;
		s->head = 0;
	}
	e = &s->e[(s->head + s->n) % s->cap];
	e->ms = now;
	memcpy(e->nonce, nonce, 16);
	snprintf(e->user, sizeof e->user, "%s", user);
	s->n++;
	return 0;
}

/* ---- authentication and permissions ------------------------------------ */

/* Drop the authentication fields from the request. */
static void strip_auth(lfh_record *r)
{
	size_t j = 0;
	for (size_t i = 0; i < r->n; i++) {
		int drop = 0;
		for (size_t k = 0; k < sizeof auth_fields / sizeof auth_fields[0]; k++)
			drop |= strcmp(r->f[i].key, auth_fields[k]) == 0;
		if (drop)
			free(r->f[i].str);
		else
			r->f[j++] = r->f[i];
	}
	for (size_t i = j; i < r->n; i++)
		memset(&r->f[i], 0, sizeof r->f[i]);
	r->n = j;
}

/* Is sig (64 bytes) user pk's signature of the request without its "sig"? */
static int sig_ok(const lfh_record *req, const uint8_t sig[64], const uint8_t pk[32], lfh_err *err)
{
	lfh_record r = { 0 };
	lfh_buf b = { 0 };
	int rc = 0, ok = 0;

	for (size_t i = 0; rc == 0 && i < req->n; i++) {
		const lfh_field *f = &req->f[i];
		if (strcmp(f->key, "sig") == 0)
			continue;
		rc = f->kind == LFH_FIELD_STR ? lfh_record_set_str(&r, f->key, f->str, err)
					      : lfh_record_set_uint(&r, f->key, f->u, err);
	}
	if (rc == 0 && (rc = lfh_record_encode(&r, &b, err)) == 0)
		ok = crypto_sign_verify_detached(sig, b.data, b.len, pk) == 0;
	lfh_record_clear(&r);
	lfh_buf_free(&b);
	return rc ? rc : ok;
}

/* Refuse with LFH_EPERM; fmt has one %s for a, or none. */
static int refuse(lfh_ctl_req *q, const char *fmt, const char *a)
{
	char msg[LFH_ERRMSG_MAX];
	snprintf(msg, sizeof msg, fmt, a ? a : "");
	return lfh_ctl_fail(&q->rep, LFH_EPERM, msg);
}

/* Does the signed request name this node (its agency and hub id)? A request
 * captured at one node is then no use at another where the same user is
 * registered with the same key. */
static int for_this_node(const lfh_ctl_req *q)
{
	const char *node = lfh_record_str(&q->req, "node");
	const char *hub = lfh_record_str(&q->req, "hub");
	char hub_hex[65];

	lfh_hex(hub_hex, q->node->rules.hub_id, sizeof q->node->rules.hub_id);
	return node && hub && strcmp(node, q->node->cfg.agency) == 0 && strcmp(hub, hub_hex) == 0;
}

/* Check a signed request; *role = its user's role. */
static int authenticate(lfh_ctl_req *q, lfh_txn *t, lfh_ctl_seen *seen, int *role)
{
	const char *user = lfh_record_str(&q->req, "user");
	const char *nonce_hex = lfh_record_str(&q->req, "nonce");
	const char *sig_hex = lfh_record_str(&q->req, "sig");
	char name[LFH_CTL_BY_MAX + 1];
	uint8_t nonce[16], sig[64], pk[32];
	uint64_t ts = 0, now = lfh_wall_ms();
	lfh_record u = { 0 };
	lfh_err err = { 0 };
	const char *pk_hex;
	int rc;

	if (!user && !sig_hex)
		return refuse(q, "authentication required: this node has registered users, so "
				 "requests must be signed with your user key (lfh --key FILE, "
				 "$LFH_KEY or ~/.config/lfh/user.key)", NULL);
	if (!user || !sig_hex || !nonce_hex || !lfh_record_uint(&q->req, "ts", &ts) ||
	    !lfh_record_str(&q->req, "node") || !lfh_record_str(&q->req, "hub"))
		return refuse(q, "malformed authentication: a signed request carries user, ts, "
				 "nonce, node, hub and sig", NULL);
	snprintf(name, sizeof name, "%s", user);
	if (strlen(user) != strlen(name) || !name_valid(name, strlen(name)))
		return refuse(q, "unknown user '%s'", name);
	if (strlen(nonce_hex) != 32 || lfh_unhex(nonce, 16, nonce_hex) ||
	    strlen(sig_hex) != 128 || lfh_unhex(sig, 64, sig_hex))
		return refuse(q, "malformed authentication: nonce must be 32 and sig 128 hex "
				 "digits", NULL);
	rc = user_get(t, name, &u, &err);
	if (rc == LFH_ENOTFOUND)
		return refuse(q, "unknown user '%s'", name);
	if (rc)
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	*role = role_parse(lfh_record_str(&u, "role"));
	pk_hex = lfh_record_str(&u, "pk");
	if (!user_active(&u))
		rc = 1;
	else if (*role < 0 || !pk_hex || strlen(pk_hex) != 64 || lfh_unhex(pk, 32, pk_hex))
		rc = 2;
	lfh_record_clear(&u);
	if (rc == 1)
		return refuse(q, "user '%s' is revoked", name);
	if (rc == 2)
		return lfh_ctl_fail(&q->rep, LFH_ESTORE, "users: damaged record");
	rc = sig_ok(&q->req, sig, pk, &err);
	if (rc < 0)
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	if (rc == 0)
		return refuse(q, "bad signature: the request is not signed with the key registered "
				 "for user '%s'", name);
	if (!for_this_node(q))
		return refuse(q, "request signed for another node: it names %s; sign it again for "
				 "this one", lfh_record_str(&q->req, "node"));
	if ((ts > now ? ts - now : now - ts) > LFH_CTL_SKEW_MS)
		return refuse(q, "request too old or clock skew: its time differs from this node's "
				 "clock by more than 5 minutes", NULL);
	if (ts < seen->since_ms) /* the control socket is local: one clock for both */
		return refuse(q, "request signed before this node started: sign it again (run the "
				 "command again)", NULL);
	seen_expire(seen, now);
	if (seen_has(seen, name, nonce))
		return refuse(q, "replayed request: this nonce of user '%s' was already used", name);
	if (seen_add(seen, name, nonce, now))
		return lfh_ctl_fail(&q->rep, LFH_ETOOBIG,
				    "too many signed requests in the last 10 minutes: try again later");
	return 0;
}

/* May a user of this role run the request's command? */
static int permit(lfh_ctl_req *q, int role)
{
	const char *cmd = lfh_record_str(&q->req, "cmd");
	const char *step = lfh_record_str(&q->req, "step");
	const char *by = lfh_record_str(&q->req, "by");
	char msg[LFH_ERRMSG_MAX], what[96];
	int need = ROLE_CASEWORKER;

	if (!cmd)
		return 0;
	snprintf(what, sizeof what, "run %.40s", cmd);
	for (size_t i = 0; i < sizeof perms / sizeof perms[0]; i++)
		if (strcmp(cmd, perms[i].cmd) == 0)
			need = (int)perms[i].role;
	if (lfh_ctl_audited_as_sar(q)) { /* a subject access export reading a case: as sar */
		need = ROLE_MANAGER;
		snprintf(what, sizeof what, "read a case for a subject access export");
	}
	if (strcmp(cmd, "case_step") == 0 && step)
		for (size_t i = 0; i < sizeof coordinator_steps / sizeof coordinator_steps[0]; i++)
			if (strcmp(step, coordinator_steps[i]) == 0) {
				need = ROLE_COORDINATOR;
				snprintf(what, sizeof what, "record the case step '%s'", step);
			}
	if (role >= need)
		return 0;
	snprintf(msg, sizeof msg, "user %s (role %s) may not %s: it needs the %s role", by ? by : "?",
		 role_names[role], what, role_names[need]);
	return lfh_ctl_fail(&q->rep, LFH_EPERM, msg);
}

/*
 * The team the request is written for: a signed request's user's own (from
 * its user record: a caseworker cannot choose), or in bootstrap mode the
 * client's `team`, which must be one of the node's teams (lfhd.conf).
 */
static int request_team(lfh_ctl_req *q, lfh_txn *t, const char *user)
{
	const lfh_config *cfg = &q->node->cfg;
	const char *team;
	char msg[LFH_ERRMSG_MAX];
	lfh_record r = { 0 };
	lfh_err err = { 0 };
	int rc = 0;

	if (user) {
		lfh_record_del(&q->req, "team");
		if (user_get(t, user, &r, &err) == 0 && (team = lfh_record_str(&r, "team")) &&
		    *team && lfh_record_set_str(&q->req, "team", team, &err))
			rc = lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
		lfh_record_clear(&r);
		return rc;
	}
	team = lfh_record_str(&q->req, "team");
	if (!team || !*team || lfh_config_has_team(cfg, team)) {
		if (team && !*team)
			lfh_record_del(&q->req, "team");
		return 0;
	}
	snprintf(msg, sizeof msg, cfg->nteams ? "team '%.40s' is not one of this agency's teams "
		 "(lfhd.conf: teams)" : "team '%.40s': this node has no teams (lfhd.conf: teams)",
		 team);
	return lfh_ctl_fail(&q->rep, LFH_EINVAL, msg);
}

int lfh_ctl_authorize(lfh_ctl_req *q, lfh_txn *t, lfh_ctl_seen *seen)
{
	char name[LFH_CTL_BY_MAX + 1];
	const char *user;
	lfh_err err = { 0 };
	size_t admins;
	int role = ROLE_CASEWORKER, rc = count_admins(t, &admins, &err);

	if (rc)
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	if (admins == 0 || lfh_ctl_is_hello(q)) { /* bootstrap, or who the node is: as it comes */
		strip_auth(&q->req);
		return request_team(q, t, NULL);
	}
	rc = authenticate(q, t, seen, &role);
	/* The request is recorded as its user: the authenticated one, or if
	 * refused, the one it claims to come from, marked as not verified (no
	 * user name holds a parenthesis): the audit log must not show a user
	 * doing what someone else tried in their name. */
	if ((user = lfh_record_str(&q->req, "user")))
		snprintf(name, sizeof name, "%s", user);
	if (rc) {
		const char *claimed = user ? name : lfh_record_str(&q->req, "by");
		char unverified[sizeof name + 16];
		snprintf(unverified, sizeof unverified, "(unverified) %s",
			 claimed && *claimed ? claimed : "?");
		if (lfh_record_set_str(&q->req, "by", unverified, &err))
			return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
		return rc;
	}
	if (user && lfh_record_set_str(&q->req, "by", name, &err))
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	strip_auth(&q->req);
	if ((rc = request_team(q, t, name)))
		return rc;
	return permit(q, role);
}

/* ---- commands -------------------------------------------------------- */

static int user_name(lfh_ctl_req *q, const char **name)
{
	*name = lfh_ctl_need(&q->req, "name", 1024, &q->rep);
	if (!*name)
		return q->rep.code;
	if (!name_valid(*name, strlen(*name)))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL,
				    "user name must be 1 to 63 characters of letters, digits, space, "
				    "'.', '_', ''' and '-', not starting or ending with a space");
	return 0;
}

static int user_put(lfh_ctl_req *q, lfh_txn *t, const char *name, const lfh_record *r)
{
	lfh_buf b = { 0 };
	lfh_err err = { 0 };
	int rc = lfh_record_encode(r, &b, &err);

	if (!rc)
		rc = lfh_store_tbl_put(t, LFH_TBL_USERS, name, strlen(name), b.data, b.len, &err);
	lfh_buf_free(&b);
	return rc ? lfh_ctl_fail(&q->rep, rc, err.msg) : 0;
}

static int user_reply(lfh_ctl_req *q, const char *name, const lfh_record *r)
{
	lfh_err err = { 0 };
	lfh_record *out = lfh_ctl_add(&q->rep);
	if (!out || lfh_record_set_str(out, "name", name, &err) ||
	    lfh_record_set_str(out, "role", lfh_record_str(r, "role"), &err) ||
	    lfh_record_set_str(out, "state", lfh_record_str(r, "state"), &err) ||
	    lfh_record_set_str(out, "team", lfh_record_str(r, "team") ? lfh_record_str(r, "team")
								    : "", &err))
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	return 0;
}

int ctl_user_add(lfh_ctl_req *q, lfh_txn *t)
{
	const char *name, *role, *pk_hex, *team, *by = lfh_record_str(&q->req, "by");
	uint8_t pk[32];
	char hex[65], msg[LFH_ERRMSG_MAX];
	lfh_record r = { 0 };
	lfh_err err = { 0 };
	int rc;

	if ((rc = user_name(q, &name)))
		return rc;
	if (!(role = lfh_ctl_need(&q->req, "role", 32, &q->rep)) ||
	    !(pk_hex = lfh_ctl_need(&q->req, "pk", 64, &q->rep)))
		return q->rep.code;
	if (role_parse(role) < 0)
		return lfh_ctl_fail(&q->rep, LFH_EINVAL,
				    "role must be caseworker, coordinator, manager or admin");
	if ((team = lfh_record_str(&q->req, "user_team")) && *team &&
	    !lfh_config_has_team(&q->node->cfg, team)) {
		snprintf(msg, sizeof msg, "team '%.40s' is not one of this agency's teams (lfhd.conf: "
			 "teams)", team);
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, msg);
	}
	if (strlen(pk_hex) != 64 || lfh_unhex(pk, 32, pk_hex) ||
	    !crypto_core_ed25519_is_valid_point(pk))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL,
				    "pk must be an Ed25519 public key (64 hex digits)");
	rc = user_get(t, name, &r, &err);
	if (rc == 0 && user_active(&r)) {
		lfh_record_clear(&r);
		snprintf(msg, sizeof msg, "user '%s' already exists (revoke it first to register "
			 "a new key)", name);
		return lfh_ctl_fail(&q->rep, LFH_EEXIST, msg);
	}
	lfh_record_clear(&r);
	if (rc && rc != LFH_ENOTFOUND)
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	rc = 0;
	lfh_hex(hex, pk, 32);
	if (lfh_record_set_str(&r, "role", role, &err) || lfh_record_set_str(&r, "pk", hex, &err) ||
	    lfh_record_set_str(&r, "state", "active", &err) ||
	    lfh_record_set_uint(&r, "added_ms", lfh_wall_ms(), &err) ||
	    lfh_record_set_str(&r, "added_by", by && *by ? by : "?", &err) ||
	    (team && *team && lfh_record_set_str(&r, "team", team, &err)))
		rc = lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	if (!rc)
		rc = user_put(q, t, name, &r);
	if (!rc)
		rc = user_reply(q, name, &r);
	lfh_record_clear(&r);
	return rc;
}

int ctl_user_revoke(lfh_ctl_req *q, lfh_txn *t)
{
	const char *name, *by = lfh_record_str(&q->req, "by");
	char msg[LFH_ERRMSG_MAX];
	lfh_record r = { 0 };
	lfh_err err = { 0 };
	size_t admins = 0;
	int rc;

	if ((rc = user_name(q, &name)))
		return rc;
	rc = user_get(t, name, &r, &err);
	if (rc == LFH_ENOTFOUND) {
		snprintf(msg, sizeof msg, "no such user '%s'", name);
		return lfh_ctl_fail(&q->rep, rc, msg);
	}
	if (rc)
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	if (!user_active(&r)) {
		snprintf(msg, sizeof msg, "user '%s' is already revoked", name);
		rc = lfh_ctl_fail(&q->rep, LFH_EINVAL, msg);
	} else if (role_parse(lfh_record_str(&r, "role")) == ROLE_ADMIN &&
		   (rc = count_admins(t, &admins, &err)) == 0 && admins == 1) {
		/* with no active admin the node would accept unauthenticated requests */
		snprintf(msg, sizeof msg, "'%s' is the last active admin: add another admin "
			 "before revoking it", name);
		rc = lfh_ctl_fail(&q->rep, LFH_EPERM, msg);
	} else if (rc) {
		rc = lfh_ctl_fail(&q->rep, rc, err.msg);
	} else if (lfh_record_set_str(&r, "state", "revoked", &err) ||
		   lfh_record_set_uint(&r, "revoked_ms", lfh_wall_ms(), &err) ||
		   lfh_record_set_str(&r, "revoked_by", by && *by ? by : "?", &err)) {
		rc = lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	}
	if (!rc)
		rc = user_put(q, t, name, &r);
	if (!rc)
		rc = user_reply(q, name, &r);
	lfh_record_clear(&r);
	return rc;
}

struct list_ctx {
	lfh_ctl_req *q;
	int rc;
};

static int list_fn(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct list_ctx *c = ctx;
	char name[LFH_CTL_BY_MAX + 1], added[32] = "", revoked[32] = "";
	const char *role, *state, *added_by, *team;
	lfh_record r = { 0 }, *out;
	lfh_err err = { 0 };
	uint64_t ms;

	if (klen > LFH_CTL_BY_MAX || lfh_record_decode(val, vlen, &r, NULL))
		return 0; /* not a user record: skip */
	memcpy(name, key, klen);
	name[klen] = '\0';
	role = lfh_record_str(&r, "role");
	state = lfh_record_str(&r, "state");
	added_by = lfh_record_str(&r, "added_by");
	team = lfh_record_str(&r, "team");
	if (lfh_record_uint(&r, "added_ms", &ms))
		lfh_ctl_time(ms, added);
	if (lfh_record_uint(&r, "revoked_ms", &ms))
		lfh_ctl_time(ms, revoked);
	out = lfh_ctl_add(&c->q->rep);
	if (!out || lfh_record_set_str(out, "name", name, &err) ||
	    lfh_record_set_str(out, "role", role ? role : "?", &err) ||
	    lfh_record_set_str(out, "state", state ? state : "?", &err) ||
	    lfh_record_set_str(out, "team", team ? team : "", &err) ||
	    lfh_record_set_str(out, "added", added, &err) ||
	    lfh_record_set_str(out, "added_by", added_by ? added_by : "", &err) ||
	    lfh_record_set_str(out, "revoked", revoked, &err))
		c->rc = LFH_ENOMEM;
	lfh_record_clear(&r);
	return c->rc ? c->rc : 0;
}

int ctl_user_list(lfh_ctl_req *q, lfh_txn *t)
{
	struct list_ctx c = { .q = q };
	lfh_err err = { 0 };
	int rc = lfh_store_tbl_scan(t, LFH_TBL_USERS, NULL, 0, list_fn, &c, &err);

	if (c.rc)
		return lfh_ctl_fail(&q->rep, c.rc, "out of memory");
	return rc ? lfh_ctl_fail(&q->rep, rc, err.msg) : 0;
}
