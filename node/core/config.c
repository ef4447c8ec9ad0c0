/*
 * config.c - the lfhd node configuration file (see include/lfh/config.h).
 *
 * Parsed with libinih, fed by our own line reader so that every error names
 * the exact line, and so that what inih would quietly accept is refused:
 * binary bytes, over-long lines (inih splits them in two), indented lines
 * (inih treats them as continuations of the previous value), repeated
 * sections, junk after "]", and sections without keys.
 *
 * Every problem is LFH_ECONFIG with a message "FILE:LINE: problem" (or
 * "FILE: problem" when no line applies, e.g. no [node] section at all).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <ini.h>
#include <sodium.h>

#include "lfh/config.h"
#include "lfh/store.h"
#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/identity.h"
#include "lfh/ini_lines.h"
#include "lfh/log.h"

#define CONFIG_FILE_MAX (256 * 1024)
#define IPC_PATH_MAX 107 /* sizeof(sockaddr_un.sun_path) - 1 */

enum { NK_AGENCY, NK_HUB, NK_DATA_DIR, NK_KEY_DIR, NK_LISTEN, NK_CONTROL, NK_LOG_LEVEL,
       NK_MAP_SIZE, NK_CONTROL_MODE, NK_CONTROL_GROUP, NK_ISA, NK_RISK, NK_SHARING_ROTATE,
       NK_AUTHOR_QUOTA, NK_PEER_STALE, NK_EXPIRY_WARN, NK_METRICS_LISTEN, NK_TEAMS,
       NK_REMINDER_COMMAND, NK_REMINDER_EVERY, NK_COUNT };
static const char *const node_keys[NK_COUNT] = { "agency", "hub", "data_dir", "key_dir",
						 "listen", "control", "log_level", "map_size_mb",
						 "control_mode", "control_group", "isa",
						 "risk", "sharing_rotate_days", "author_quota_mb",
						 "peer_stale_after", "expiry_warn_days",
						 "metrics_listen", "teams", "reminder_command",
						 "reminder_every" };
#define NK_NREQUIRED 6 /* the first six are required */

enum { PK_ENDPOINT, PK_PUBKEY, PK_COUNT };
static const char *const peer_keys[PK_COUNT] = { "endpoint", "pubkey" };

struct cfparse {
	const char *path;   /* as shown in messages */
	const char *dir;    /* absolute directory of the config file */
	lfh_ini_lines lines; /* unread input */
	int lineno;
	int failed;
	int fail_line;
	enum { SEC_NONE, SEC_NODE, SEC_PEER } cur;
	size_t cur_peer;
	int node_line;
	int node_key_line[NK_COUNT];
	int peer_line[LFH_MAX_PEERS];
	int peer_key_line[LFH_MAX_PEERS][PK_COUNT];
	lfh_config *out;
	lfh_err *err;
};

static int cf_fail_at(struct cfparse *c, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cf_fail_at(struct cfparse *c, int line, const char *fmt, ...)
{
	char msg[LFH_ERRMSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!c->failed) {
		c->failed = LFH_ECONFIG;
		c->fail_line = line;
		if (line > 0)
			lfh_err_set(c->err, LFH_ECONFIG, "%s:%d: %s", c->path, line, msg);
		else
			lfh_err_set(c->err, LFH_ECONFIG, "%s: %s", c->path, msg);
	}
	return 0;
}

#define cf_fail(c, ...) cf_fail_at((c), (c)->lineno, __VA_ARGS__)

/* ------------------------------------------------------------------ */
/* value checks                                                        */

static int hub_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > LFH_HUBNAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || ch == '.' || ch == '-'))
			return 0;
	}
	return 1;
}

/* dir + "/" + value unless value is absolute. 0, or -1 if it does not fit. */
static int resolve_path(const char *dir, const char *value, char *out, size_t outsz)
{
	int n;
	while (value[0] == '.' && value[1] == '/')
		value += 2;
	if (value[0] == '/')
		n = snprintf(out, outsz, "%s", value);
	else
		n = snprintf(out, outsz, "%s/%s", dir, value);
	return (n < 0 || (size_t)n >= outsz) ? -1 : 0;
}

/* Store a path-valued key; returns 1 (ok) or 0 (error recorded). */
static int set_path(struct cfparse *c, const char *name, const char *value, char *dst, size_t dstsz)
{
	if (value[0] == '\0')
		return cf_fail(c, "%s: empty path", name);
	if (resolve_path(c->dir, value, dst, dstsz) != 0)
		return cf_fail(c, "%s: path too long (max %zu characters once resolved)", name, dstsz - 1);
	return 1;
}

/*
 * Check an endpoint: tcp://HOST:PORT (PORT 1..65535), or, if allow_ipc,
 * ipc://PATH (relative PATH resolved against the config directory,
 * "@name" = abstract socket). Returns 1 or 0 (error recorded).
 */
static int set_endpoint(struct cfparse *c, const char *name, const char *value, int allow_ipc,
			char *dst, size_t dstsz)
{
	for (const char *q = value; *q; q++)
		if (*q == ' ' || *q == '\t')
			return cf_fail(c, "%s: endpoint must not contain spaces", name);
	if (strncmp(value, "tcp://", 6) == 0) {
		const char *hp = value + 6;
		const char *colon = strrchr(hp, ':');
		if (!colon || colon == hp)
			return cf_fail(c, "%s: '%.60s' is not tcp://HOST:PORT", name, value);
		const char *port = colon + 1;
		size_t plen = strlen(port);
		if (plen < 1 || plen > 5 || strspn(port, "0123456789") != plen || atol(port) < 1 ||
		    atol(port) > 65535)
			return cf_fail(c, "%s: '%.60s' has no valid port (1..65535)", name, value);
		if (!allow_ipc && ((colon - hp == 1 && hp[0] == '*') ||
				   (colon - hp == 7 && !strncmp(hp, "0.0.0.0", 7)) ||
				   (colon - hp == 4 && !strncmp(hp, "[::]", 4))))
			return cf_fail(c, "%s: cannot connect to wildcard host '%.*s': give the peer's "
				       "own host", name, (int)(colon - hp), hp);
		if (strlen(value) >= dstsz)
			return cf_fail(c, "%s: endpoint too long (max %zu characters)", name, dstsz - 1);
		memcpy(dst, value, strlen(value) + 1);
		return 1;
	}
	if (strncmp(value, "ipc://", 6) == 0) {
		if (!allow_ipc)
			return cf_fail(c, "%s: peer endpoints must be tcp://HOST:PORT", name);
		const char *p = value + 6;
		char full[LFH_PATH_MAX];
		if (*p == '\0')
			return cf_fail(c, "%s: ipc:// endpoint without a path", name);
		if (*p == '@' || *p == '/')
			snprintf(full, sizeof full, "%s", p);
		else if (resolve_path(c->dir, p, full, sizeof full) != 0)
			return cf_fail(c, "%s: ipc path too long", name);
		if (strlen(full) > IPC_PATH_MAX)
			return cf_fail(c, "%s: ipc path too long (%zu characters, max %d)", name, strlen(full),
				       IPC_PATH_MAX);
		if (snprintf(dst, dstsz, "ipc://%s", full) >= (int)dstsz)
			return cf_fail(c, "%s: endpoint too long (max %zu characters)", name, dstsz - 1);
		return 1;
	}
	return cf_fail(c, "%s: '%.60s' must start with %s", name, value,
		       allow_ipc ? "tcp:// or ipc://" : "tcp://");
}

/*
 * control: ipc://PATH only. The socket file's owner, group and mode are what
 * keep other local users out until the first admin is registered; a tcp://
 * socket or an abstract ipc://@name has none of them.
 */
static int set_control(struct cfparse *c, const char *value, char *dst, size_t dstsz)
{
	if (strncmp(value, "ipc://", 6) != 0)
		return cf_fail(c, "control: '%.60s' must be ipc://PATH (a control socket is protected "
			       "by its file permissions; over tcp:// any local user could act as "
			       "an administrator)", value);
	if (value[6] == '@')
		return cf_fail(c, "control: abstract socket '%.60s' has no file permissions: use "
			       "ipc://PATH", value);
	return set_endpoint(c, "control", value, 1, dst, dstsz);
}

/* A size in MiB (a positive integer) into *bytes. */
static int set_mib(struct cfparse *c, const char *name, const char *value, size_t *bytes)
{
	size_t n = strlen(value), mb = 0;
	if (n == 0 || strspn(value, "0123456789") != n)
		return cf_fail(c, "%s: '%.40s' is not a positive integer", name, value);
	for (size_t i = 0; i < n; i++) {
		size_t d = (size_t)(value[i] - '0');
		if (mb > ((SIZE_MAX >> 20) - d) / 10)
			return cf_fail(c, "%s: %.40s is too large", name, value);
		mb = mb * 10 + d;
	}
	if (mb == 0)
		return cf_fail(c, "%s: must be a positive integer (omit it for the default)", name);
	*bytes = mb << 20;
	return 1;
}

/* sharing_rotate_days: 0 (never on schedule) .. 3650. */
static int set_sharing_rotate(struct cfparse *c, const char *value)
{
	size_t n = strlen(value);
	unsigned long days;

	if (n == 0 || n > 4 || strspn(value, "0123456789") != n ||
	    (days = strtoul(value, NULL, 10)) > LFH_SHARING_ROTATE_MAX_DAYS)
		return cf_fail(c, "sharing_rotate_days: '%.40s' is not a number of days from 0 "
			       "(never) to %d", value, LFH_SHARING_ROTATE_MAX_DAYS);
	c->out->sharing_rotate_days = (unsigned)days;
	return 1;
}

/* A whole number from 0 to max (what it counts is said in the message). */
static int set_uint_in(struct cfparse *c, const char *name, const char *value, unsigned min,
		       unsigned max, const char *what, unsigned *out)
{
	size_t n = strlen(value);
	unsigned long v;

	if (n == 0 || n > 9 || strspn(value, "0123456789") != n ||
	    (v = strtoul(value, NULL, 10)) > max || v < min)
		return cf_fail(c, "%s: '%.40s' is not a number of %s from %u to %u", name, value,
			       what, min, max);
	*out = (unsigned)v;
	return 1;
}

static int set_uint(struct cfparse *c, const char *name, const char *value, unsigned max,
		    const char *what, unsigned *out)
{
	return set_uint_in(c, name, value, 0, max, what, out);
}

/*
 * metrics_listen: IP:PORT (an IPv4 literal or [IPv6]; no names: the address
 * decides who can read the metrics, so it is said exactly).
 */
static int set_metrics_listen(struct cfparse *c, const char *value)
{
	char host[64];
	unsigned char addr[16];
	const char *colon = strrchr(value, ':');
	size_t hlen = colon ? (size_t)(colon - value) : 0, plen = colon ? strlen(colon + 1) : 0;
	int ok = colon && hlen > 0 && hlen < sizeof host && plen >= 1 && plen <= 5 &&
		 strspn(colon + 1, "0123456789") == plen && atol(colon + 1) >= 1 &&
		 atol(colon + 1) <= 65535;

	if (ok) {
		memcpy(host, value, hlen);
		host[hlen] = '\0';
		if (host[0] == '[' && host[hlen - 1] == ']') {
			host[hlen - 1] = '\0';
			ok = inet_pton(AF_INET6, host + 1, addr) == 1;
		} else {
			ok = inet_pton(AF_INET, host, addr) == 1;
		}
	}
	if (!ok || strlen(value) >= sizeof c->out->metrics_listen)
		return cf_fail(c, "metrics_listen: '%.60s' is not IP:PORT (e.g. 127.0.0.1:9464 or "
			       "[::1]:9464)", value);
	memcpy(c->out->metrics_listen, value, strlen(value) + 1);
	return 1;
}

/*
 * control_mode: octal permissions of an ipc:// control socket. Other users
 * may never write to it (o+w would let any local account act as a
 * caseworker), so at most 0770.
 */
static int set_control_mode(struct cfparse *c, const char *value)
{
	size_t n = strlen(value);
	unsigned mode = 0;
	if (n < 3 || n > 4 || strspn(value, "01234567") != n)
		return cf_fail(c, "control_mode: '%.40s' is not an octal mode like 0660", value);
	for (size_t i = 0; i < n; i++)
		mode = mode * 8 + (unsigned)(value[i] - '0');
	if (mode & 07007)
		return cf_fail(c, "control_mode: %.40s gives access to other users (at most 0770)", value);
	c->out->control_mode = mode;
	return 1;
}

static int set_control_group(struct cfparse *c, const char *value)
{
	size_t n = strlen(value);
	if (n == 0 || n >= sizeof c->out->control_group ||
	    strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n)
		return cf_fail(c, "control_group: '%.40s' is not a valid group name", value);
	memcpy(c->out->control_group, value, n + 1);
	return 1;
}

/* ------------------------------------------------------------------ */
/* the parser                                                          */

/* A section header line (starts with '['): open the section or fail. */
static void cf_section(struct cfparse *c, const char *line, size_t len)
{
	const char *close = memchr(line, ']', len);
	if (!close) {
		cf_fail(c, "section header without ']'");
		return;
	}
	for (const char *q = close + 1; q < line + len; q++) {
		if (*q == ';' || *q == '#')
			break;
		if (*q != ' ' && *q != '\t' && *q != '\r') {
			cf_fail(c, "unexpected text after section header");
			return;
		}
	}
	const char *name = line + 1;
	size_t nlen = (size_t)(close - name);

	if (nlen == 4 && memcmp(name, "node", 4) == 0) {
		if (c->node_line) {
			cf_fail(c, "duplicate [node] section (first at line %d)", c->node_line);
			return;
		}
		c->node_line = c->lineno;
		c->cur = SEC_NODE;
		return;
	}
	if (nlen > 4 && memcmp(name, "peer", 4) == 0 && (name[4] == ' ' || name[4] == '\t')) {
		const char *a = name + 4, *e = close;
		while (a < e && (*a == ' ' || *a == '\t'))
			a++;
		while (e > a && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		size_t alen = (size_t)(e - a);
		char agency[LFH_AGENCY_MAX + 1];
		if (alen == 0 || alen > LFH_AGENCY_MAX) {
			cf_fail(c, "[peer AGENCY]: agency id must be 1..%d characters of a-z 0-9 _ -",
				LFH_AGENCY_MAX);
			return;
		}
		memcpy(agency, a, alen);
		agency[alen] = '\0';
		if (!lfh_name_valid(agency)) {
			cf_fail(c, "[peer %s]: invalid agency id (1..%d characters of a-z 0-9 _ -)", agency,
				LFH_AGENCY_MAX);
			return;
		}
		for (size_t i = 0; i < c->out->npeers; i++)
			if (strcmp(c->out->peers[i].agency, agency) == 0) {
				cf_fail(c, "duplicate [peer %s] section (first at line %d)", agency, c->peer_line[i]);
				return;
			}
		if (c->out->npeers >= LFH_MAX_PEERS) {
			cf_fail(c, "too many peers (max %d)", LFH_MAX_PEERS);
			return;
		}
		size_t i = c->out->npeers++;
		memcpy(c->out->peers[i].agency, agency, alen + 1);
		c->peer_line[i] = c->lineno;
		c->cur = SEC_PEER;
		c->cur_peer = i;
		return;
	}
	cf_fail(c, "unknown section [%.*s] (expected [node] or [peer AGENCY])", (int)(nlen > 40 ? 40 : nlen),
		name);
}

/* fgets-style reader for ini_parse_stream: one physical line per call. */
static char *cf_reader(char *str, int num, void *stream)
{
	struct cfparse *c = stream;
	char why[LFH_ERRMSG_MAX];
	const char *line;
	size_t len;
	int kind;

	if (c->failed || num < 2)
		return NULL;
	c->lines.lineno = c->lineno;
	kind = lfh_ini_next(&c->lines, (size_t)num - 1, &line, &len, why, sizeof why);
	c->lineno = c->lines.lineno;
	if (kind == LFH_INI_BAD)
		cf_fail(c, "%s", why);
	if (kind == LFH_INI_SECTION)
		cf_section(c, line, len);
	if (kind == LFH_INI_END || c->failed)
		return NULL;
	memcpy(str, line, len);
	str[len] = '\0';
	return str;
}

/* teams = a, b, c: team ids (like agency ids), comma-separated, distinct. */
static int set_teams(struct cfparse *c, const char *value)
{
	lfh_config *o = c->out;
	const char *p = value;

	o->nteams = 0;
	while (*p) {
		char team[LFH_TEAM_MAX + 2];
		size_t len = strcspn(p, ","), a = 0, b = len;
		while (a < b && (p[a] == ' ' || p[a] == '\t'))
			a++;
		while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
			b--;
		if (b - a > LFH_TEAM_MAX)
			return cf_fail(c, "teams: a team name is longer than %d characters", LFH_TEAM_MAX);
		memcpy(team, p + a, b - a);
		team[b - a] = '\0';
		if (!lfh_name_valid(team))
			return cf_fail(c, "teams: '%.40s' is not a team id (a-z 0-9 _ -), comma-separated",
				       team);
		if (lfh_config_has_team(o, team))
			return cf_fail(c, "teams: '%.40s' is listed twice", team);
		if (o->nteams == LFH_MAX_TEAMS)
			return cf_fail(c, "teams: at most %d teams", LFH_MAX_TEAMS);
		memcpy(o->teams[o->nteams++], team, b - a + 1);
		p += len + (p[len] == ',');
	}
	if (!o->nteams)
		return cf_fail(c, "teams: empty list (leave the key out for an agency without teams)");
	return 1;
}

/*
 * reminder_command: an absolute path to a program, run without a shell
 * (lfhd --check sees that it is an executable file).
 */
static int set_reminder_command(struct cfparse *c, const char *value)
{
	size_t n = strlen(value);

	if (value[0] != '/')
		return cf_fail(c, "reminder_command: '%.60s' is not an absolute path (the program is run "
			       "without a shell: no arguments here)", value);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)value[i] < 0x20 || value[i] == ' ' || value[i] == '\t')
			return cf_fail(c, "reminder_command: '%.60s' must be one path, without spaces "
				       "or arguments", value);
	if (n >= sizeof c->out->reminder_command)
		return cf_fail(c, "reminder_command: path too long (max %zu characters)",
			       sizeof c->out->reminder_command - 1);
	memcpy(c->out->reminder_command, value, n + 1);
	return 1;
}

int lfh_config_has_team(const lfh_config *c, const char *team)
{
	for (size_t i = 0; team && i < c->nteams; i++)
		if (strcmp(c->teams[i], team) == 0)
			return 1;
	return 0;
}

static int cf_node_key(struct cfparse *c, const char *name, const char *value)
{
	lfh_config *o = c->out;
	int k;
	for (k = 0; k < NK_COUNT; k++)
		if (strcmp(name, node_keys[k]) == 0)
			break;
	if (k == NK_COUNT)
		return cf_fail(c, "unknown key '%.40s' in [node]", name);
	if (c->node_key_line[k])
		return cf_fail(c, "duplicate key '%s' in [node] (first at line %d)", name, c->node_key_line[k]);
	c->node_key_line[k] = c->lineno;

	switch (k) {
	case NK_AGENCY:
		if (strlen(value) > LFH_AGENCY_MAX || !lfh_name_valid(value))
			return cf_fail(c, "agency: invalid agency id '%.40s' (1..%d characters of a-z 0-9 _ -)",
				       value, LFH_AGENCY_MAX);
		memcpy(o->agency, value, strlen(value) + 1);
		return 1;
	case NK_HUB:
		if (!hub_name_valid(value))
			return cf_fail(c, "hub: invalid hub name '%.70s' (1..%d characters of A-Z a-z 0-9 _ . -)",
				       value, LFH_HUBNAME_MAX);
		memcpy(o->hub, value, strlen(value) + 1);
		return 1;
	case NK_DATA_DIR:
		return set_path(c, name, value, o->data_dir, sizeof o->data_dir);
	case NK_KEY_DIR:
		return set_path(c, name, value, o->key_dir, sizeof o->key_dir);
	case NK_LISTEN:
		return set_endpoint(c, name, value, 1, o->listen, sizeof o->listen);
	case NK_CONTROL:
		return set_control(c, value, o->control, sizeof o->control);
	case NK_LOG_LEVEL:
		if (lfh_log_parse_level(value, &o->log_level) != 0)
			return cf_fail(c, "log_level: '%.40s' is not one of debug, info, warn, error", value);
		return 1;
	case NK_MAP_SIZE:
		return set_mib(c, name, value, &o->map_size);
	case NK_AUTHOR_QUOTA:
		return set_mib(c, name, value, &o->author_quota);
	case NK_CONTROL_MODE:
		return set_control_mode(c, value);
	case NK_CONTROL_GROUP:
		return set_control_group(c, value);
	case NK_ISA:
		return set_path(c, name, value, o->isa_path, sizeof o->isa_path);
	case NK_RISK:
		return set_path(c, name, value, o->risk_path, sizeof o->risk_path);
	case NK_SHARING_ROTATE:
		return set_sharing_rotate(c, value);
	case NK_PEER_STALE:
		return set_uint(c, name, value, LFH_PEER_STALE_MAX_S, "seconds (0: never warn)",
				&o->peer_stale_after);
	case NK_EXPIRY_WARN:
		return set_uint(c, name, value, LFH_EXPIRY_WARN_MAX_DAYS, "days", &o->expiry_warn_days);
	case NK_METRICS_LISTEN:
		return set_metrics_listen(c, value);
	case NK_TEAMS:
		return set_teams(c, value);
	case NK_REMINDER_COMMAND:
		return set_reminder_command(c, value);
	case NK_REMINDER_EVERY:
		return set_uint_in(c, name, value, 1, LFH_REMINDER_EVERY_MAX_S, "seconds",
				   &o->reminder_every);
	}
	return 0;
}

static int cf_peer_key(struct cfparse *c, const char *name, const char *value)
{
	lfh_peer_conf *p = &c->out->peers[c->cur_peer];
	int k;
	for (k = 0; k < PK_COUNT; k++)
		if (strcmp(name, peer_keys[k]) == 0)
			break;
	if (k == PK_COUNT)
		return cf_fail(c, "unknown key '%.40s' in [peer %s] (expected endpoint, pubkey)", name,
			       p->agency);
	if (c->peer_key_line[c->cur_peer][k])
		return cf_fail(c, "duplicate key '%s' in [peer %s] (first at line %d)", name, p->agency,
			       c->peer_key_line[c->cur_peer][k]);
	c->peer_key_line[c->cur_peer][k] = c->lineno;
	if (k == PK_ENDPOINT)
		return set_endpoint(c, name, value, 0, p->endpoint, sizeof p->endpoint);
	return set_path(c, name, value, p->pubkey_path, sizeof p->pubkey_path);
}

static int cf_handler(void *user, const char *section, const char *name, const char *value)
{
	struct cfparse *c = user;
	(void)section; /* the reader tracks sections (and has validated them) */
	if (c->failed)
		return 0;
	switch (c->cur) {
	case SEC_NODE:
		return cf_node_key(c, name, value);
	case SEC_PEER:
		return cf_peer_key(c, name, value);
	case SEC_NONE:
		break;
	}
	return cf_fail(c, "key '%.40s' outside any section (start with [node])", name);
}

/* After parsing: required keys, cross-checks, peer public keys. */
static int cf_finish(struct cfparse *c)
{
	lfh_config *o = c->out;

	if (!c->node_line)
		return cf_fail_at(c, 0, "no [node] section");
	for (int k = 0; k < NK_NREQUIRED; k++) {
		if (k == NK_HUB && o->isa_path[0])
			continue; /* the ISA names the hub */
		if (k == NK_HUB && !c->node_key_line[k])
			return cf_fail_at(c, c->node_line,
					  "[node] needs 'isa' (the hub's genesis ISA file) or 'hub'");
		if (!c->node_key_line[k])
			return cf_fail_at(c, c->node_line, "[node] is missing required key '%s'", node_keys[k]);
	}
	for (size_t i = 0; i < o->npeers; i++) {
		lfh_peer_conf *p = &o->peers[i];
		for (int k = 0; k < PK_COUNT; k++)
			if (!c->peer_key_line[i][k] && !(k == PK_PUBKEY && o->isa_path[0]))
				return cf_fail_at(c, c->peer_line[i], "[peer %s] is missing required key '%s'",
						  p->agency, peer_keys[k]);
		if (strcmp(p->agency, o->agency) == 0)
			return cf_fail_at(c, c->peer_line[i], "[peer %s] is this node's own agency", p->agency);
	}
	for (size_t i = 0; i < o->npeers; i++) {
		lfh_peer_conf *p = &o->peers[i];
		int line = c->peer_key_line[i][PK_PUBKEY];
		lfh_err e;
		lfh_err_clear(&e);
		if (!line)
			continue; /* keys come from the ISA */
		if (lfh_pubkeys_load(p->pubkey_path, &p->pub, &e) != 0)
			return cf_fail_at(c, line, "[peer %s] pubkey: %s", p->agency, e.msg);
		if (strcmp(p->pub.agency, p->agency) != 0)
			return cf_fail_at(c, line, "[peer %s] pubkey file %s is for agency '%s', not '%s'",
					  p->agency, p->pubkey_path, p->pub.agency, p->agency);
		for (size_t j = 0; j < i; j++) {
			const lfh_pubkeys *q = &o->peers[j].pub;
			if (sodium_memcmp(q->sign_pk, p->pub.sign_pk, 32) == 0 ||
			    sodium_memcmp(q->box_pk, p->pub.box_pk, 32) == 0 ||
			    sodium_memcmp(q->curve_pk, p->pub.curve_pk, 32) == 0)
				return cf_fail_at(c, line, "[peer %s] has the same public keys as [peer %s]",
						  p->agency, o->peers[j].agency);
		}
	}
	return 0;
}

/* Read the whole config file (bounded). */
static int read_config(const char *path, char **out, size_t *outlen, lfh_err *err)
{
	int rc = lfh_read_file(path, CONFIG_FILE_MAX, out, outlen, err);
	if (rc && rc != LFH_ENOMEM && err)
		err->code = rc = LFH_ECONFIG;
	return rc;
}

int lfh_config_load(const char *path, lfh_config *out, lfh_err *err)
{
	char dir[PATH_MAX], absdir[PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!path || !out)
		return lfh_err_set(err, LFH_EINVAL, "lfh_config_load: NULL argument");
	memset(out, 0, sizeof *out);
	out->log_level = LFH_LOG_INFO;
	out->sharing_rotate_days = LFH_SHARING_ROTATE_DEFAULT_DAYS;
	out->control_mode = 0600;
	out->peer_stale_after = LFH_PEER_STALE_DEFAULT_S;
	out->expiry_warn_days = LFH_EXPIRY_WARN_DEFAULT_DAYS;
	out->reminder_every = LFH_REMINDER_EVERY_DEFAULT_S;
	out->map_size = 0;
	out->author_quota = 0;

	/* The directory the relative paths are taken from, made absolute. */
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else if ((size_t)(slash - path) >= sizeof dir)
		return lfh_err_set(err, LFH_ECONFIG, "%s: path too long", path);
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	if (!realpath(dir, absdir))
		return lfh_err_set(err, LFH_ECONFIG, "%s: cannot open: %s", path, strerror(errno));
	const char *base = slash ? slash + 1 : path;
	if (*base == '\0')
		return lfh_err_set(err, LFH_ECONFIG, "%s: not a file name", path);
	if (resolve_path(strcmp(absdir, "/") == 0 ? "" : absdir, base, out->path, sizeof out->path) != 0)
		return lfh_err_set(err, LFH_ECONFIG, "%s: path too long", path);

	if ((rc = read_config(path, &text, &len, err)) != 0)
		return rc;

	struct cfparse *c = calloc(1, sizeof *c);
	if (!c) {
		free(text);
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	}
	c->path = path;
	c->dir = strcmp(absdir, "/") == 0 ? "" : absdir; /* "" + "/" + rel */
	c->lines = (lfh_ini_lines){ text, text + len, 0, 0 };
	c->out = out;
	c->err = err;

	int ir = ini_parse_stream(cf_reader, c, cf_handler, c);
	free(text);
	if (ir > 0 && (!c->failed || ir < c->fail_line)) {
		/* inih's own complaint came first (e.g. a line without '='). */
		c->failed = 0;
		cf_fail_at(c, ir, "syntax error (expected '[section]' or 'key = value')");
	}
	if (!c->failed && ir < 0)
		c->failed = lfh_err_set(err, LFH_ENOMEM, "%s: parser error %d", path, ir);
	if (!c->failed)
		cf_finish(c);
	rc = c->failed;
	free(c);
	if (rc != 0) {
		memset(out, 0, sizeof *out);
		return rc;
	}
	return 0;
}

/* lfh_config_control's handler: [node] control, as lfh_config_load takes it; nothing else. */
static int control_handler(void *user, const char *section, const char *name, const char *value)
{
	struct cfparse *c = user;

	if (c->failed || strcmp(section, "node") || strcmp(name, "control"))
		return 1;
	set_control(c, value, c->out->control, sizeof c->out->control);
	return 1;
}

int lfh_config_control(const char *path, char *out, size_t size, lfh_err *err)
{
	char dir[PATH_MAX], absdir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct cfparse *c = calloc(1, sizeof *c);
	lfh_config *cfg = calloc(1, sizeof *cfg);
	int rc = 0;

	if (!c || !cfg)
		rc = lfh_err_set(err, LFH_ENOMEM, "out of memory");
	else if (!slash)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if (!rc && !realpath(dir, absdir))
		rc = lfh_err_set(err, LFH_ECONFIG, "%s: cannot open: %s", path, strerror(errno));
	if (!rc) {
		c->path = path;
		c->dir = strcmp(absdir, "/") == 0 ? "" : absdir;
		c->out = cfg;
		c->err = err;
		if (ini_parse(path, control_handler, c) < 0)
			rc = lfh_err_set(err, LFH_ECONFIG, "%s: cannot open: %s", path, strerror(errno));
		else if (c->failed)
			rc = c->failed;
		else if (!cfg->control[0])
			rc = lfh_err_set(err, LFH_ECONFIG, "%s: no control setting in [node]", path);
		else
			snprintf(out, size, "%s", cfg->control);
	}
	free(cfg);
	free(c);
	return rc;
}

size_t lfh_config_author_quota(const lfh_config *c)
{
	if (c->author_quota)
		return c->author_quota;
	return (c->map_size ? c->map_size : LFH_STORE_DEFAULT_MAP) / 2;
}

const lfh_peer_conf *lfh_config_peer(const lfh_config *c, const char *agency)
{
	if (!c || !agency)
		return NULL;
	for (size_t i = 0; i < c->npeers; i++)
		if (strcmp(c->peers[i].agency, agency) == 0)
			return &c->peers[i];
	return NULL;
}
