/*
 * preflight.c - the deployment checks of `lfhd --check` (include/lfh/preflight.h).
 *
 * Endpoints here are tcp://HOST:PORT, as config.c and the ISA parser have
 * already validated them (HOST may be [v6] or, for listen, "*"); ipc://
 * listen endpoints are not checked for a port.
 */
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <sodium.h>

#include "lfh/identity.h"
#include "lfh/preflight.h"
#include "lfh/store.h"

typedef struct hostport {
	char host[LFH_ENDPOINT_MAX];
	char port[8];
} hostport;

/* Split tcp://HOST:PORT; 0, or -1 if it is not one. */
static int split_tcp(const char *ep, hostport *out)
{
	const char *hp, *colon;
	size_t hlen;

	if (strncmp(ep, "tcp://", 6) != 0)
		return -1;
	hp = ep + 6;
	colon = strrchr(hp, ':');
	if (!colon || strlen(colon + 1) >= sizeof out->port || colon == hp)
		return -1;
	hlen = (size_t)(colon - hp);
	if (hlen >= 2 && hp[0] == '[' && hp[hlen - 1] == ']') {
		hp++;
		hlen -= 2;
	}
	if (hlen >= sizeof out->host)
		return -1;
	memcpy(out->host, hp, hlen);
	out->host[hlen] = '\0';
	snprintf(out->port, sizeof out->port, "%s", colon + 1);
	return 0;
}

static int is_wildcard(const char *host)
{
	return !strcmp(host, "*") || !strcmp(host, "0.0.0.0") || !strcmp(host, "::");
}

static int is_loopback(const char *host)
{
	return !strncmp(host, "127.", 4) || !strcmp(host, "::1") || !strcmp(host, "localhost");
}

/*
 * Bind an address and port for a moment: is the port free, is the address
 * ours? key names the setting (listen, metrics_listen), value its value.
 */
static int check_port_free(const lfh_config *cfg, const char *key, const char *value,
			   const hostport *l, lfh_err *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	int fd, one = 1, rc = 0, e;

	if (getaddrinfo(is_wildcard(l->host) ? NULL : l->host, l->port, &hints, &res) != 0 || !res)
		return 0; /* an interface name, say: ZeroMQ will say at start */
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* as ZeroMQ does */
		if (bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
			e = errno;
			if (e == EADDRINUSE)
				rc = lfh_err_set(err, LFH_ECONFIG, "%s: %s: port %s is already in use "
						 "(another lfhd, or another program, holds %s)",
						 cfg->path, key, l->port, value);
			else if (e == EADDRNOTAVAIL)
				rc = lfh_err_set(err, LFH_ECONFIG, "%s: %s: %s is not an address of "
						 "this machine (%s)", cfg->path, key, l->host, strerror(e));
			else if (e == EACCES)
				rc = lfh_err_set(err, LFH_ECONFIG, "%s: %s: port %s needs privileges "
						 "lfhd should not have: use a port above 1023", cfg->path,
						 key, l->port);
		}
		close(fd);
	}
	freeaddrinfo(res);
	return rc;
}

/* The agreement's endpoint for this agency is what peers dial: listen must serve it. */
static int check_listen_is_ours(const lfh_config *cfg, const lfh_isa *isa, const hostport *l,
				lfh_err *err)
{
	const lfh_isa_party *me = isa ? lfh_isa_party_find(isa, cfg->agency) : NULL;
	hostport want;

	if (!me || !me->endpoint[0] || split_tcp(me->endpoint, &want))
		return 0;
	if (strcmp(want.port, l->port) != 0)
		return lfh_err_set(err, LFH_ECONFIG, "%s: listen: %s is not the endpoint the agreement "
				   "names for %s, %s (port %s, not %s): peers dial that; change listen "
				   "or the agreement", cfg->path, cfg->listen, cfg->agency, me->endpoint,
				   want.port, l->port);
	if (is_loopback(l->host) && !is_loopback(want.host))
		return lfh_err_set(err, LFH_ECONFIG, "%s: listen: %s listens on loopback only, but peers "
				   "dial %s (the agreement's endpoint for %s): listen on that address "
				   "or on 0.0.0.0", cfg->path, cfg->listen, me->endpoint, cfg->agency);
	return 0;
}

/* Does endpoint's host resolve? what names the setting it comes from. */
static int check_resolves(const char *path, const char *what, const char *endpoint, lfh_err *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	hostport hp;
	int rc;

	if (split_tcp(endpoint, &hp))
		return 0;
	rc = getaddrinfo(hp.host, hp.port, &hints, &res);
	if (res)
		freeaddrinfo(res);
	if (rc == 0)
		return 0;
	return lfh_err_set(err, LFH_ECONFIG, "%s: %s: host %s of %s does not resolve (%s)", path,
			   what, hp.host, endpoint, gai_strerror(rc));
}

/* Every peer's endpoint host resolves (a [peer] endpoint overrides the agreement's). */
static int check_peers(const lfh_config *cfg, const lfh_isa *isa, lfh_err *err)
{
	char what[LFH_AGENCY_MAX + 64];
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < cfg->npeers; i++) {
		snprintf(what, sizeof what, "[peer %s] endpoint", cfg->peers[i].agency);
		rc = check_resolves(cfg->path, what, cfg->peers[i].endpoint, err);
	}
	for (uint32_t i = 0; rc == 0 && isa && i < isa->nparties; i++) {
		const lfh_isa_party *p = &isa->parties[i];
		if (strcmp(p->id, cfg->agency) == 0 || lfh_config_peer(cfg, p->id))
			continue;
		snprintf(what, sizeof what, "the endpoint of party %s", p->id);
		rc = check_resolves(cfg->isa_path, what, p->endpoint, err);
	}
	return rc;
}

/*
 * lfhd writes dir, or creates it and the directories missing above it (mkdir
 * -p): the nearest one that exists must be a writable directory. Say which
 * setting names one that is not.
 */
static int check_writable(const char *path, const char *key, const char *dir, const char *why,
			  lfh_err *err)
{
	char at[LFH_PATH_MAX];
	struct statvfs vfs;
	struct stat sb;
	char *slash;

	snprintf(at, sizeof at, "%s", dir);
	while (stat(at, &sb) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
		if (!strcmp(at, ".") || !strcmp(at, "/"))
			break; /* the working directory itself is gone */
		if (!(slash = strrchr(at, '/')))
			snprintf(at, sizeof at, ".");
		else if (slash == at)
			at[1] = '\0'; /* "/" */
		else
			*slash = '\0';
	}
	if (stat(at, &sb) != 0)
		return lfh_err_set(err, LFH_ECONFIG, "%s: %s: %s: %s: %s", path, key, at,
				   strerror(errno), why);
	if (!S_ISDIR(sb.st_mode))
		return lfh_err_set(err, LFH_ECONFIG, "%s: %s: %s is not a directory: %s", path, key, at,
				   why);
	if (statvfs(at, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
		return lfh_err_set(err, LFH_ECONFIG, "%s: %s: %s is on a read-only file system: %s "
				   "(under systemd: list it in ReadWritePaths=)", path, key, at, why);
	if (access(at, W_OK | X_OK) != 0)
		return lfh_err_set(err, LFH_ECONFIG, "%s: %s: %s is not writable by this user (%s): %s",
				   path, key, at, strerror(errno), why);
	return 0;
}

/* reminder_command names an executable regular file. */
static int check_reminder(const lfh_config *cfg, lfh_err *err)
{
	struct stat sb;

	if (!cfg->reminder_command[0])
		return 0;
	if (stat(cfg->reminder_command, &sb) != 0)
		return lfh_err_set(err, LFH_ECONFIG, "%s: reminder_command: %s: %s", cfg->path,
				   cfg->reminder_command, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return lfh_err_set(err, LFH_ECONFIG, "%s: reminder_command: %s is not a file",
				   cfg->path, cfg->reminder_command);
	if (access(cfg->reminder_command, X_OK) != 0)
		return lfh_err_set(err, LFH_ECONFIG, "%s: reminder_command: %s is not executable by "
				   "this user (%s)", cfg->path, cfg->reminder_command, strerror(errno));
	return 0;
}

/* control_group names a group of this machine (lfhd gives it the control socket). */
static int check_control_group(const lfh_config *cfg, lfh_err *err)
{
	if (!cfg->control_group[0] || getgrnam(cfg->control_group))
		return 0;
	return lfh_err_set(err, LFH_ECONFIG, "%s: control_group: no such group '%s' on this "
			   "machine (create it: groupadd --system %s; caseworkers who run lfh join it)",
			   cfg->path, cfg->control_group, cfg->control_group);
}

/*
 * The control socket's ipc:// path: lfhd creates the socket there, so its
 * directory must exist and be writable, and the path must not be a directory.
 */
static int check_control(const lfh_config *cfg, lfh_err *err)
{
	char dir[LFH_ENDPOINT_MAX];
	const char *path = cfg->control + 6, *slash;
	struct stat sb;

	if (strncmp(cfg->control, "ipc://", 6) != 0 || path[0] == '@') /* abstract: no file */
		return 0;
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return lfh_err_set(err, LFH_ECONFIG, "%s: control: %s is a directory: control names "
				   "the socket file lfhd creates (e.g. %s/lfhd.sock)", cfg->path, path,
				   path);
	slash = strrchr(path, '/');
	snprintf(dir, sizeof dir, "%.*s", slash && slash != path ? (int)(slash - path) : 1,
		 slash ? path : ".");
	if (stat(dir, &sb) != 0)
		return lfh_err_set(err, LFH_ECONFIG, "%s: control: %s: %s (lfhd creates the socket, "
				   "not its directory)", cfg->path, dir, strerror(errno));
	return check_writable(cfg->path, "control", dir, "lfhd creates its control socket there",
			      err);
}

/* metrics_listen's port, as listen's: free, on an address of this machine. */
static int check_metrics(const lfh_config *cfg, lfh_err *err)
{
	char ep[sizeof cfg->metrics_listen + 8];
	hostport m;

	if (!cfg->metrics_listen[0])
		return 0;
	snprintf(ep, sizeof ep, "tcp://%s", cfg->metrics_listen);
	if (split_tcp(ep, &m) != 0)
		return lfh_err_set(err, LFH_ECONFIG, "%s: metrics_listen: '%s' is not IP:PORT",
				   cfg->path, cfg->metrics_listen);
	return check_port_free(cfg, "metrics_listen", cfg->metrics_listen, &m, err);
}

/*
 * The keys in key_dir against the configuration and the genesis agreement:
 * what lfhd would refuse at start (node.c, policy_isa.c, membership.c).
 * Peers named in lfhd.conf but not in the genesis may be added by a later
 * version held in the store: said, not refused.
 */
int lfh_preflight_keys(const lfh_config *cfg, const lfh_isa *isa, const lfh_pubkeys *me,
		       uint32_t gen, lfh_err *err)
{
	const lfh_isa_party *self = isa ? lfh_isa_party_find(isa, cfg->agency) : NULL;
	char store[LFH_PATH_MAX + 16];

	/* a store holds the versions since the genesis: lfhd checks keys against the one in
	 * force, which may name other keys; only a new node is checked against the genesis */
	snprintf(store, sizeof store, "%s/data.mdb", cfg->data_dir);
	if (access(store, F_OK) == 0)
		isa = NULL, self = NULL;

	if (strcmp(me->agency, cfg->agency) != 0)
		return lfh_err_set(err, LFH_ECONFIG, "%s: key_dir %s holds keys of agency '%s', not "
				   "'%s'", cfg->path, cfg->key_dir, me->agency, cfg->agency);
	if (self && sodium_memcmp(self->root_pk, me->root_pk, 32) != 0)
		return lfh_err_set(err, LFH_ECONFIG, "%s: the ISA %s names another root key for %s "
				   "than key_dir %s holds", cfg->path, cfg->isa_path, cfg->agency,
				   cfg->key_dir);
	if (self && gen == 1 && sodium_memcmp(self->sign_pk, me->sign_pk, 32) != 0)
		return lfh_err_set(err, LFH_ECONFIG, "%s: the ISA %s names other keys for %s than "
				   "key_dir %s holds", cfg->path, cfg->isa_path, cfg->agency,
				   cfg->key_dir);
	for (size_t j = 0; isa && j < cfg->npeers; j++) {
		const lfh_peer_conf *pc = &cfg->peers[j];
		const lfh_isa_party *p = lfh_isa_party_find(isa, pc->agency);
		lfh_pubkeys want;
		if (!p) {
			printf("%s: [peer %s] is not a party of the genesis agreement %s: lfhd refuses "
			       "it unless a version held in its store has it (one that a later "
			       "version removed is ignored, with a warning)\n", cfg->path,
			       pc->agency, cfg->isa_path);
			continue;
		}
		lfh_isa_party_pubkeys(p, &want);
		if (pc->pubkey_path[0] && sodium_memcmp(pc->pub.sign_pk, want.sign_pk, 32) != 0)
			return lfh_err_set(err, LFH_ECONFIG, "%s: [peer %s] pubkey %s differs from the "
					   "key the ISA names", cfg->path, pc->agency, pc->pubkey_path);
	}
	return 0;
}

/*
 * A store copied in as another user (a restore done as root with cp, not
 * install -o) is one lfhd, running as the data directory's owner, cannot
 * open: say so before it fails to start.
 */
static int check_store_owner(const lfh_config *cfg, lfh_err *err)
{
	char store[LFH_PATH_MAX + 16];
	struct stat dir, file;

	snprintf(store, sizeof store, "%s/data.mdb", cfg->data_dir);
	if (stat(cfg->data_dir, &dir) != 0 || stat(store, &file) != 0)
		return 0; /* no store yet (or no directory: check_writable says) */
	if (file.st_uid != dir.st_uid)
		return lfh_err_set(err, LFH_ECONFIG, "%s: data_dir %s is owned by uid %u but its "
				   "data.mdb by uid %u (copied in as another user?): lfhd, running as "
				   "the directory's owner, cannot open it; chown it to that user",
				   cfg->path, cfg->data_dir, (unsigned)dir.st_uid,
				   (unsigned)file.st_uid);
	return 0;
}

int lfh_preflight(const lfh_config *cfg, const lfh_isa *isa, int check_port, lfh_err *err)
{
	hostport l;
	int rc = 0, tcp = split_tcp(cfg->listen, &l) == 0;

	if (isa && isa->version != 1)
		return lfh_err_set(err, LFH_ECONFIG, "%s: isa: %s is version %u of the agreement, not "
				   "the genesis (version 1): isa must name the hub's first version "
				   "(later ones reach the node through the hub: lfh isa propose)",
				   cfg->path, cfg->isa_path, isa->version);
	if (tcp && check_port)
		rc = check_port_free(cfg, "listen", cfg->listen, &l, err);
	if (!rc && check_port)
		rc = check_metrics(cfg, err);
	if (!rc)
		rc = check_control(cfg, err);
	if (!rc && tcp)
		rc = check_listen_is_ours(cfg, isa, &l, err);
	if (!rc)
		rc = check_peers(cfg, isa, err);
	if (!rc)
		rc = check_writable(cfg->path, "data_dir", cfg->data_dir, "lfhd keeps its store there",
				    err);
	if (!rc)
		rc = check_store_owner(cfg, err);
	if (!rc)
		rc = check_writable(cfg->path, "key_dir", cfg->key_dir, "lfhd records its state there "
				    "and key rotation writes new key files", err);
	if (!rc)
		rc = check_reminder(cfg, err);
	if (!rc)
		rc = check_control_group(cfg, err);
	return rc;
}

static int any_key_fn(void *ctx, const uint8_t case_id[LFH_CASE_LEN], const char *category,
		      const char *creator, uint32_t epoch)
{
	(void)case_id;
	(void)category;
	(void)creator;
	(void)epoch;
	*(int *)ctx = 1;
	return 1;
}

/* The genesis the store was made with against the file; a store.key its keys need. */
static int store_matches(const lfh_config *cfg, const lfh_isa *isa, lfh_txn *t, lfh_err *err)
{
	uint8_t k[4] = { 0, 0, 0, 1 }, want[32], have[32];
	const uint8_t *raw;
	uint64_t format = 0;
	size_t len;
	int keys = 0, rc = isa ? lfh_store_tbl_get(t, LFH_TBL_ISA, k, 4, &raw, &len, err) : 0;

	if (isa && rc == 0) {
		lfh_isa_hash(raw, len, have);
		if ((rc = lfh_isa_hash_of(isa, want, err)))
			return rc;
		if (sodium_memcmp(have, want, 32) != 0)
			return lfh_err_set(err, LFH_ECONFIG, "%s: data_dir %s belongs to another hub "
					   "than isa %s: the genesis file differs from the one this "
					   "store was made with (its bytes make the hub id); put back "
					   "the original", cfg->path, cfg->data_dir, cfg->isa_path);
	} else if (rc && rc != LFH_ENOTFOUND) {
		return rc;
	}
	if ((rc = lfh_store_meta_get(t, "store_format", &format, err)) ||
	    (rc = lfh_store_scan_key_names(t, any_key_fn, &keys, err)))
		return rc;
	if (keys && format >= 2 && !lfh_kek_exists(cfg->key_dir))
		return lfh_err_set(err, LFH_ECONFIG, "%s: %s/store.key is missing, and the store in "
				   "%s holds sharing keys kept under it: put back the store.key kept "
				   "with this store (a backup holds both)", cfg->path, cfg->key_dir,
				   cfg->data_dir);
	return 0;
}

int lfh_preflight_store(const lfh_config *cfg, const lfh_isa *isa, lfh_err *err)
{
	char path[LFH_PATH_MAX + 16];
	lfh_store *s = NULL;
	lfh_txn *t = NULL;
	int rc;

	snprintf(path, sizeof path, "%s/data.mdb", cfg->data_dir);
	if (access(path, F_OK) != 0)
		return 0; /* a new node: lfhd makes the store */
	rc = lfh_store_open_readonly(&s, cfg->data_dir, err);
	if (rc == LFH_ENOTFOUND) { /* an earlier format: lfhd migrates it, then checks */
		printf("%s: %s\n", cfg->path, err->msg);
		return 0;
	}
	if (!rc)
		rc = lfh_txn_begin(s, 0, &t, err);
	if (!rc)
		rc = store_matches(cfg, isa, t, err);
	lfh_txn_abort(t);
	lfh_store_close(s);
	return rc;
}
