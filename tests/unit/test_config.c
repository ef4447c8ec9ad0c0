/*
 * test_config.c - the lfhd node configuration file (node/config.c).
 */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "lfh/config.h"
#include "lfh/err.h"
#include "lfh/identity.h"
#include "lfh/log.h"

struct tmp {
	char root[PATH_MAX]; /* realpath of the temporary directory */
	char conf[PATH_MAX + 32];
	lfh_pubkeys housing, fire;
};

static void rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;
		if (d) {
			while ((de = readdir(d)) != NULL) {
				char sub[PATH_MAX + 300];
				if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
					continue;
				snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
				rm_rf(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

static void write_str(const char *path, const char *s)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, strlen(s), f), strlen(s));
	assert_int_equal(fclose(f), 0);
}

/* Write a public key file for agency derived from seed byte b. */
static void write_pub(const char *dir, const char *name, const char *agency, uint8_t b, lfh_pubkeys *out)
{
	char path[PATH_MAX + 64];
	uint8_t seed[32];
	lfh_identity *id = NULL;
	lfh_err e;

	memset(seed, b, sizeof seed);
	assert_int_equal(lfh_identity_from_seed(agency, seed, &id, &e), 0);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(lfh_pubkeys_write(&id->pub, f, &e), 0);
	assert_int_equal(fclose(f), 0);
	if (out)
		*out = id->pub;
	lfh_identity_free(id);
}

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof *t);
	char tmpl[] = "/tmp/lfh-test-config-XXXXXX", peers[PATH_MAX + 16];
	if (!t || !mkdtemp(tmpl) || !realpath(tmpl, t->root))
		return -1;
	snprintf(t->conf, sizeof t->conf, "%s/lfhd.conf", t->root);
	snprintf(peers, sizeof peers, "%s/peers", t->root);
	if (mkdir(peers, 0755) != 0)
		return -1;
	write_pub(peers, "housing.pub", "housing", 1, &t->housing);
	write_pub(peers, "fire.pub", "fire", 2, &t->fire);
	write_pub(peers, "housing-copy.pub", "housing", 1, NULL);
	write_pub(peers, "probation.pub", "probation", 1, NULL); /* same keys as housing */
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmp *t = *state;
	rm_rf(t->root);
	free(t);
	return 0;
}

static const char good_node[] =
	"[node]\n"
	"agency  = police                      ; this node's agency id\n"
	"hub     = west-cumbria\n"
	"data_dir = data\n"
	"key_dir  = /etc/lfhd/keys\n"
	"listen   = tcp://127.0.0.1:7101\n"
	"control  = ipc://control.sock\n";

static const char good_peers[] =
	"\n"
	"[peer housing]\n"
	"endpoint = tcp://127.0.0.1:7103\n"
	"pubkey   = peers/housing.pub\n"
	"\n"
	"# fire and rescue\n"
	"[peer fire]\n"
	"endpoint = tcp://fire.example.org:7101\n"
	"pubkey   = ./peers/fire.pub\n";

static void test_valid_config(void **state)
{
	struct tmp *t = *state;
	lfh_config *c = malloc(sizeof *c);
	lfh_err e;
	char text[2048], want[PATH_MAX + 64];

	assert_non_null(c);
	snprintf(text, sizeof text, "; lfhd configuration\n%s%s", good_node, good_peers);
	write_str(t->conf, text);
	lfh_err_clear(&e);
	int rc = lfh_config_load(t->conf, c, &e);
	if (rc != 0)
		fail_msg("load: %s", e.msg);

	assert_string_equal(c->path, t->conf);
	assert_string_equal(c->agency, "police");
	assert_string_equal(c->hub, "west-cumbria");
	snprintf(want, sizeof want, "%s/data", t->root);
	assert_string_equal(c->data_dir, want);
	assert_string_equal(c->key_dir, "/etc/lfhd/keys");
	assert_string_equal(c->listen, "tcp://127.0.0.1:7101");
	snprintf(want, sizeof want, "ipc://%s/control.sock", t->root);
	assert_string_equal(c->control, want);
	assert_int_equal(c->log_level, LFH_LOG_INFO);
	assert_int_equal(c->map_size, 0);

	assert_int_equal(c->npeers, 2);
	const lfh_peer_conf *h = lfh_config_peer(c, "housing");
	const lfh_peer_conf *f = lfh_config_peer(c, "fire");
	assert_non_null(h);
	assert_non_null(f);
	assert_null(lfh_config_peer(c, "police"));
	assert_null(lfh_config_peer(c, "nobody"));
	assert_string_equal(h->endpoint, "tcp://127.0.0.1:7103");
	assert_string_equal(f->endpoint, "tcp://fire.example.org:7101");
	snprintf(want, sizeof want, "%s/peers/housing.pub", t->root);
	assert_string_equal(h->pubkey_path, want);
	snprintf(want, sizeof want, "%s/peers/fire.pub", t->root);
	assert_string_equal(f->pubkey_path, want);
	assert_memory_equal(&h->pub, &t->housing, sizeof h->pub);
	assert_memory_equal(&f->pub, &t->fire, sizeof f->pub);

	/* Optional keys; no peers at all is fine; relative config path. */
	write_str(t->conf, good_node);
	assert_int_equal(lfh_config_load(t->conf, c, &e), 0);
	assert_int_equal(c->sharing_rotate_days, LFH_SHARING_ROTATE_DEFAULT_DAYS);
	assert_int_equal(c->peer_stale_after, LFH_PEER_STALE_DEFAULT_S);
	assert_int_equal(c->expiry_warn_days, LFH_EXPIRY_WARN_DEFAULT_DAYS);
	assert_string_equal(c->metrics_listen, ""); /* off unless asked for */
	snprintf(text, sizeof text,
		 "%slog_level = debug\nmap_size_mb = 16384\nsharing_rotate_days = 0\n"
		 "peer_stale_after = 0\nexpiry_warn_days = 60\nmetrics_listen = [::1]:9464\n",
		 good_node);
	write_str(t->conf, text);
	assert_int_equal(lfh_config_load(t->conf, c, &e), 0);
	assert_int_equal(c->peer_stale_after, 0);
	assert_int_equal(c->expiry_warn_days, 60);
	assert_string_equal(c->metrics_listen, "[::1]:9464");
	assert_int_equal(c->log_level, LFH_LOG_DEBUG);
	assert_true(c->map_size == (size_t)16384 << 20);
	assert_int_equal(c->sharing_rotate_days, 0);
	assert_int_equal(c->npeers, 0);

	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(t->root), 0);
	rc = lfh_config_load("lfhd.conf", c, &e);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(rc, 0);
	snprintf(want, sizeof want, "%s/data", t->root);
	assert_string_equal(c->data_dir, want);
	assert_string_equal(c->path, t->conf);
	free(c);
}

/*
 * Write text (the [node] section followed by extra, or replacing it if
 * node is NULL) and check the load fails with LFH_ECONFIG and a message
 * "CONF:LINE: ..." containing needle.
 */
static void expect_error(struct tmp *t, const char *text, int line, const char *needle)
{
	lfh_config *c = malloc(sizeof *c);
	lfh_err e;
	char want[PATH_MAX + 64];

	assert_non_null(c);
	write_str(t->conf, text);
	lfh_err_clear(&e);
	int rc = lfh_config_load(t->conf, c, &e);
	if (rc != LFH_ECONFIG)
		fail_msg("expected LFH_ECONFIG, got %d (%s) for:\n%s", rc, e.msg, text);
	assert_int_equal(e.code, LFH_ECONFIG);
	if (line > 0)
		snprintf(want, sizeof want, "%s:%d: ", t->conf, line);
	else
		snprintf(want, sizeof want, "%s: ", t->conf);
	if (strncmp(e.msg, want, strlen(want)) != 0 || !strstr(e.msg, needle))
		fail_msg("message \"%s\" should start with \"%s\" and contain \"%s\"", e.msg, want, needle);
	/* Nothing half-loaded is left behind. */
	assert_int_equal(c->npeers, 0);
	assert_string_equal(c->agency, "");
	free(c);
}

/* good_node with one line replaced (1-based line n of good_node), plus extra. */
static void node_with(char *out, size_t n, int line, const char *repl, const char *extra)
{
	char copy[sizeof good_node];
	char *lines[16];
	int nl = 0;
	memcpy(copy, good_node, sizeof good_node);
	for (char *p = strtok(copy, "\n"); p && nl < 16; p = strtok(NULL, "\n"))
		lines[nl++] = p;
	out[0] = '\0';
	for (int i = 0; i < nl; i++) {
		const char *l = (i + 1 == line) ? repl : lines[i];
		if (!l)
			continue;
		strncat(out, l, n - strlen(out) - 1);
		strncat(out, "\n", n - strlen(out) - 1);
	}
	strncat(out, extra, n - strlen(out) - 1);
}

static void test_errors_node(void **state)
{
	struct tmp *t = *state;
	char s[8192];

	/* Unknown section. */
	snprintf(s, sizeof s, "%s[nodes]\nx = 1\n", good_node);
	expect_error(t, s, 8, "unknown section [nodes]");
	snprintf(s, sizeof s, "%s[bogus]\n", good_node); /* even without keys */
	expect_error(t, s, 8, "unknown section [bogus]");
	/* Unknown key. */
	node_with(s, sizeof s, 4, "datadir = data", "");
	expect_error(t, s, 4, "unknown key 'datadir'");
	/* Missing required key: reported at the [node] line. */
	static const char *required[] = { "agency", "hub", "data_dir", "key_dir", "listen", "control" };
	for (int i = 0; i < 6; i++) {
		char pre[64];
		snprintf(pre, sizeof pre, "; header\n; header\n");
		node_with(s + strlen(pre), sizeof s - strlen(pre), i + 2, NULL, "");
		memcpy(s, pre, strlen(pre));
		char want[96];
		if (i == 1) /* without hub the node needs its ISA */
			snprintf(want, sizeof want, "needs 'isa' (the hub's genesis ISA file) or 'hub'");
		else
			snprintf(want, sizeof want, "missing required key '%s'", required[i]);
		expect_error(t, s, 3, want);
	}
	/* No [node] section at all (no line to point at). */
	expect_error(t, "; empty\n", 0, "no [node] section");
	expect_error(t, "", 0, "no [node] section");
	/* Duplicate key and duplicate section. */
	snprintf(s, sizeof s, "%shub = other\n", good_node);
	expect_error(t, s, 8, "duplicate key 'hub' in [node] (first at line 3)");
	snprintf(s, sizeof s, "%s[node]\n", good_node);
	expect_error(t, s, 8, "duplicate [node] section (first at line 1)");
	/* Bad agency ids. */
	node_with(s, sizeof s, 2, "agency = Police", "");
	expect_error(t, s, 2, "invalid agency id 'Police'");
	node_with(s, sizeof s, 2, "agency =", "");
	expect_error(t, s, 2, "invalid agency id");
	node_with(s, sizeof s, 2, "agency = abcdefghijklmnopqrstuvwxyz0123456", "");
	expect_error(t, s, 2, "invalid agency id");
	/* Bad hub names. */
	node_with(s, sizeof s, 3, "hub = west cumbria", "");
	expect_error(t, s, 3, "invalid hub name");
	node_with(s, sizeof s, 3, "hub = a123456789012345678901234567890123456789012345678901234567890123", "");
	expect_error(t, s, 3, "invalid hub name");
	node_with(s, sizeof s, 3, "hub = West_Cumbria.2026-a", "");
	write_str(t->conf, s);
	{
		lfh_config *c = malloc(sizeof *c);
		lfh_err e;
		assert_int_equal(lfh_config_load(t->conf, c, &e), 0);
		assert_string_equal(c->hub, "West_Cumbria.2026-a");
		free(c);
	}
	/* Bad endpoints. */
	node_with(s, sizeof s, 6, "listen = http://127.0.0.1:7101", "");
	expect_error(t, s, 6, "must start with tcp:// or ipc://");
	node_with(s, sizeof s, 6, "listen = tcp://127.0.0.1", "");
	expect_error(t, s, 6, "not tcp://HOST:PORT");
	node_with(s, sizeof s, 6, "listen = tcp://127.0.0.1:99999", "");
	expect_error(t, s, 6, "no valid port");
	node_with(s, sizeof s, 7, "control = ipc://", "");
	expect_error(t, s, 7, "without a path");
	node_with(s, sizeof s, 7, "control = inproc://x", "");
	expect_error(t, s, 7, "must be ipc://PATH");
	/* a control socket only where file permissions guard it */
	node_with(s, sizeof s, 7, "control = tcp://127.0.0.1:7199", "");
	expect_error(t, s, 7, "any local user could act as an administrator");
	node_with(s, sizeof s, 7, "control = ipc://@lfh-control", "");
	expect_error(t, s, 7, "has no file permissions");
	/* Bad values of optional keys. */
	snprintf(s, sizeof s, "%smap_size_mb = 0\n", good_node);
	expect_error(t, s, 8, "map_size_mb");
	snprintf(s, sizeof s, "%smap_size_mb = -5\n", good_node);
	expect_error(t, s, 8, "not a positive integer");
	snprintf(s, sizeof s, "%smap_size_mb = 12MB\n", good_node);
	expect_error(t, s, 8, "not a positive integer");
	snprintf(s, sizeof s, "%smap_size_mb = 99999999999999999999999\n", good_node);
	expect_error(t, s, 8, "too large");
	snprintf(s, sizeof s, "%slog_level = loud\n", good_node);
	expect_error(t, s, 8, "log_level");
	snprintf(s, sizeof s, "%ssharing_rotate_days = 3651\n", good_node);
	expect_error(t, s, 8, "sharing_rotate_days");
	snprintf(s, sizeof s, "%speer_stale_after = 10m\n", good_node);
	expect_error(t, s, 8, "peer_stale_after: '10m' is not a number of seconds");
	snprintf(s, sizeof s, "%sreminder_every = 0\n", good_node);
	expect_error(t, s, 8, "reminder_every: '0' is not a number of seconds from 1 to 86400");
	snprintf(s, sizeof s, "%sreminder_every = 86401\n", good_node);
	expect_error(t, s, 8, "reminder_every: '86401' is not a number of seconds from 1 to 86400");
	snprintf(s, sizeof s, "%sexpiry_warn_days = 3651\n", good_node);
	expect_error(t, s, 8, "expiry_warn_days");
	snprintf(s, sizeof s, "%smetrics_listen = localhost:9464\n", good_node);
	expect_error(t, s, 8, "metrics_listen: 'localhost:9464' is not IP:PORT");
	snprintf(s, sizeof s, "%smetrics_listen = 127.0.0.1:0\n", good_node);
	expect_error(t, s, 8, "metrics_listen");
	snprintf(s, sizeof s, "%ssharing_rotate_days = 30d\n", good_node);
	expect_error(t, s, 8, "number of days");
	snprintf(s, sizeof s, "%ssharing_rotate_days = -1\n", good_node);
	expect_error(t, s, 8, "number of days");
	snprintf(s, sizeof s, "%scontrol_mode = 0666\n", good_node);
	expect_error(t, s, 8, "gives access to other users");
	snprintf(s, sizeof s, "%scontrol_mode = 660x\n", good_node);
	expect_error(t, s, 8, "not an octal mode");
	snprintf(s, sizeof s, "%scontrol_group = a b\n", good_node);
	expect_error(t, s, 8, "not a valid group name");
	/* Over-long values. */
	{
		char longv[600];
		memset(longv, 'd', sizeof longv);
		longv[sizeof longv - 1] = '\0';
		snprintf(s, sizeof s, "%sdata_dir = /%s\n", "[node]\n", longv);
		expect_error(t, s, 2, "line too long");
		char ipc[160];
		memset(ipc, 's', 120);
		ipc[120] = '\0';
		char repl[200];
		snprintf(repl, sizeof repl, "control = ipc:///%s", ipc);
		node_with(s, sizeof s, 7, repl, "");
		expect_error(t, s, 7, "ipc path too long");
	}
	/* Syntax: key outside any section, line without '=', indentation, junk, bad bytes. */
	snprintf(s, sizeof s, "agency = police\n%s", good_node);
	expect_error(t, s, 1, "outside any section");
	snprintf(s, sizeof s, "%sthis is not a setting\n", good_node);
	expect_error(t, s, 8, "syntax error");
	snprintf(s, sizeof s, "%s  log_level = debug\n", good_node);
	expect_error(t, s, 8, "indented line");
	snprintf(s, sizeof s, "[node] extra\n");
	expect_error(t, s, 1, "unexpected text after section header");
	snprintf(s, sizeof s, "[node\n");
	expect_error(t, s, 1, "without ']'");
	snprintf(s, sizeof s, "%slog_level = de\x02ug\n", good_node);
	expect_error(t, s, 8, "invalid byte 0x02");

	/* The first problem is the one reported, whoever found it. */
	snprintf(s, sizeof s, "%snonsense\nfoo = bar\n", good_node);
	expect_error(t, s, 8, "syntax error");

	/* A missing config file. */
	lfh_config *c = malloc(sizeof *c);
	lfh_err e;
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/missing.conf", t->root);
	assert_int_equal(lfh_config_load(path, c, &e), LFH_ECONFIG);
	assert_non_null(strstr(e.msg, "missing.conf"));
	free(c);
}

/* teams: a list of ids, each at most once (issue #17, item 5). */
static void test_teams(void **state)
{
	struct tmp *t = *state;
	lfh_config *c = malloc(sizeof *c);
	lfh_err e;
	char s[8192];

	assert_non_null(c);
	snprintf(s, sizeof s, "%steams = homelessness , env-health\n%s", good_node, good_peers);
	write_str(t->conf, s);
	lfh_err_clear(&e);
	if (lfh_config_load(t->conf, c, &e))
		fail_msg("load: %s", e.msg);
	assert_int_equal(c->nteams, 2);
	assert_string_equal(c->teams[0], "homelessness");
	assert_string_equal(c->teams[1], "env-health");
	assert_true(lfh_config_has_team(c, "env-health"));
	assert_false(lfh_config_has_team(c, "traffic"));
	assert_false(lfh_config_has_team(c, NULL));
	free(c);
	snprintf(s, sizeof s, "%steams = Homeless Team\n", good_node);
	expect_error(t, s, 8, "teams: 'Homeless Team' is not a team id");
	snprintf(s, sizeof s, "%steams = a, b, a\n", good_node);
	expect_error(t, s, 8, "teams: 'a' is listed twice");
	snprintf(s, sizeof s, "%steams = , \n", good_node);
	expect_error(t, s, 8, "is not a team id");
	snprintf(s, sizeof s, "%steams = a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q\n", good_node);
	expect_error(t, s, 8, "teams: at most 16 teams");
}

/* lfh's lenient read of a file that does not load: its control setting alone. */
static void test_control_only(void **state)
{
	struct tmp *t = *state;
	char s[8192], ep[LFH_ENDPOINT_MAX], want[PATH_MAX + 64];
	lfh_config *c = malloc(sizeof *c);
	lfh_err e;

	assert_non_null(c);
	snprintf(s, sizeof s, "[node]\nagency = police\ncontrol = ipc://run/ctl.sock\n"
		 "peer_stale_afer = 900\n[bogus]\nx = 1\n");
	write_str(t->conf, s);
	lfh_err_clear(&e);
	assert_int_not_equal(lfh_config_load(t->conf, c, &e), 0); /* lfhd would refuse it */
	lfh_err_clear(&e);
	if (lfh_config_control(t->conf, ep, sizeof ep, &e))
		fail_msg("control: %s", e.msg);
	snprintf(want, sizeof want, "ipc://%s/run/ctl.sock", t->root); /* relative to the file */
	assert_string_equal(ep, want);
	write_str(t->conf, "[node]\nagency = police\n");
	assert_int_equal(lfh_config_control(t->conf, ep, sizeof ep, &e), LFH_ECONFIG);
	assert_non_null(strstr(e.msg, "no control setting"));
	write_str(t->conf, "[node]\ncontrol = tcp://127.0.0.1:5\n");
	assert_int_equal(lfh_config_control(t->conf, ep, sizeof ep, &e), LFH_ECONFIG);
	assert_non_null(strstr(e.msg, "must be ipc://PATH"));
	free(c);
}

static void test_errors_peers(void **state)
{
	struct tmp *t = *state;
	char s[16384];

	/* Unknown key in a peer section. */
	snprintf(s, sizeof s, "%s%sport = 7\n", good_node, good_peers);
	expect_error(t, s, 17, "unknown key 'port' in [peer fire]");
	/* Missing peer key: at the section line. */
	snprintf(s, sizeof s, "%s[peer housing]\npubkey = peers/housing.pub\n", good_node);
	expect_error(t, s, 8, "[peer housing] is missing required key 'endpoint'");
	snprintf(s, sizeof s, "%s[peer housing]\n", good_node);
	expect_error(t, s, 8, "missing required key 'endpoint'");
	/* Duplicate key in a peer section. */
	snprintf(s, sizeof s, "%s%sendpoint = tcp://10.0.0.1:1\n", good_node, good_peers);
	expect_error(t, s, 17, "duplicate key 'endpoint' in [peer fire] (first at line 15)");
	/* Duplicate peer. */
	snprintf(s, sizeof s, "%s%s[peer housing]\n", good_node, good_peers);
	expect_error(t, s, 17, "duplicate [peer housing] section (first at line 9)");
	/* Peer equal to self, whichever comes first. */
	snprintf(s, sizeof s, "%s[peer police]\nendpoint = tcp://127.0.0.1:7101\npubkey = peers/housing.pub\n",
		 good_node);
	expect_error(t, s, 8, "[peer police] is this node's own agency");
	snprintf(s, sizeof s, "[peer police]\nendpoint = tcp://127.0.0.1:7101\npubkey = peers/housing.pub\n%s",
		 good_node);
	expect_error(t, s, 1, "own agency");
	/* Bad peer agency ids. */
	snprintf(s, sizeof s, "%s[peer Housing]\n", good_node);
	expect_error(t, s, 8, "invalid agency id");
	snprintf(s, sizeof s, "%s[peer]\n", good_node);
	expect_error(t, s, 8, "unknown section [peer]");
	snprintf(s, sizeof s, "%s[peer  ]\n", good_node);
	expect_error(t, s, 8, "agency id must be");
	/* Peer endpoints are tcp:// only. */
	snprintf(s, sizeof s, "%s[peer housing]\nendpoint = ipc:///run/x.sock\npubkey = peers/housing.pub\n",
		 good_node);
	expect_error(t, s, 9, "peer endpoints must be tcp://");
	snprintf(s, sizeof s, "%s[peer housing]\nendpoint = tcp://*:7103\npubkey = peers/housing.pub\n",
		 good_node);
	expect_error(t, s, 9, "wildcard");
	snprintf(s, sizeof s, "%s[peer housing]\nendpoint = tcp://0.0.0.0:7103\npubkey = peers/housing.pub\n",
		 good_node);
	expect_error(t, s, 9, "wildcard host '0.0.0.0'");
	/* Pubkey file: missing, for the wrong agency, malformed, shared keys. */
	snprintf(s, sizeof s, "%s[peer housing]\nendpoint = tcp://127.0.0.1:7103\npubkey = peers/nope.pub\n",
		 good_node);
	expect_error(t, s, 10, "nope.pub");
	snprintf(s, sizeof s, "%s[peer housing]\nendpoint = tcp://127.0.0.1:7103\npubkey = peers/fire.pub\n",
		 good_node);
	expect_error(t, s, 10, "is for agency 'fire', not 'housing'");
	{
		char bad[PATH_MAX + 64];
		snprintf(bad, sizeof bad, "%s/peers/bad.pub", t->root);
		write_str(bad, "[agency]\nid = housing\n");
		snprintf(s, sizeof s,
			 "%s[peer housing]\nendpoint = tcp://127.0.0.1:7103\npubkey = peers/bad.pub\n", good_node);
		expect_error(t, s, 10, "missing key 'root'");
	}
	snprintf(s, sizeof s,
		 "%s%s[peer probation]\nendpoint = tcp://127.0.0.1:7104\npubkey = peers/probation.pub\n",
		 good_node, good_peers);
	expect_error(t, s, 19, "[peer probation] has the same public keys as [peer housing]");
	/* More than LFH_MAX_PEERS. */
	s[0] = '\0';
	strcat(s, good_node);
	for (int i = 0; i <= LFH_MAX_PEERS; i++) {
		char sec[64];
		snprintf(sec, sizeof sec, "[peer p%d]\n", i);
		strcat(s, sec);
	}
	expect_error(t, s, 8 + LFH_MAX_PEERS, "too many peers (max 64)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_peers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_teams, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_only, setup, teardown),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
