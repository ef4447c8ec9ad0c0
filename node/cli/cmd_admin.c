/*
 * cmd_admin.c - `lfh admin user add|revoke|list`: the caseworkers registered
 * at this agency's node (control commands user_add, user_revoke, user_list;
 * PROTOCOL.md 10.1). A user's key pair is made here, on the administrator's
 * machine: the node only ever sees the public key.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "client.h"
#include "lfh/buf.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lfh admin user add NAME --role ROLE [--team TEAM] [--out FILE] [--json]\n"
		"       lfh admin user revoke NAME [--json]\n"
		"       lfh admin user list [--json]\n"
		"       lfh admin backup DIR [--json]\n"
		"       lfh admin recovery skip AGENCY [--json]\n"
		"       lfh admin keys ...  (key generations, rotation, revocation:\n"
		"                           see lfh admin keys --help)\n"
		"\n"
		"Manage the caseworkers registered at this agency's node. Each has a role\n"
		"and their own key; once an admin is registered, the node accepts only\n"
		"requests signed with a registered, unrevoked user's key, and records that\n"
		"user on every event and audit entry. Until then (bootstrap) it accepts any\n"
		"request from whoever can open its control socket: register the first\n"
		"admin straight after installing the node.\n"
		"\n"
		"  add     make a key pair for NAME and register its public key with ROLE.\n"
		"          The secret key is written to FILE (mode 0600; never overwritten;\n"
		"          default ~/.config/lfh/NAME.key): hand it to NAME only. They use it\n"
		"          with lfh --key FILE, $LFH_KEY, or by saving it as\n"
		"          ~/.config/lfh/user.key. --team: NAME's team, one of the\n"
		"          node's teams (lfhd.conf: teams); every entry NAME writes records it.\n"
		"  revoke  NAME's requests are refused from the very next one (to give\n"
		"          NAME a new key, revoke and add again). The last active admin\n"
		"          cannot be revoked.\n"
		"  list    every user: name, role, state, when and by whom added, revoked\n"
		"  backup  a hot copy of the node into DIR (new or empty): the store\n"
		"          (data/data.mdb, compacted), the key directory (keys/, secrets kept\n"
		"          0600) and a MANIFEST of what it holds. The node pauses while it\n"
		"          copies. Restoring it never reuses an event number: the node first\n"
		"          recovers from its peers what it wrote since (README: Backup and\n"
		"          restore). keys/ holds secrets: keep backups as safe as the keys.\n"
		"\n"
		"NAME: 1 to 63 letters, digits, spaces and . _ ' - (no leading or trailing\n"
		"space). ROLE, each including what the one before may do:\n"
		"  caseworker   referrals, notes, case work, reading cases\n"
		"  coordinator  also the case steps scanning, review and close-propose\n"
		"  manager      also closing cases, reports and the audit log\n"
		"  admin        also users, ISA proposals and signatures, retention runs\n"
		"\n"
		"examples:\n"
		"  # first admin, right after installing the node (no key needed yet);\n"
		"  # then make its key your default one\n"
		"  lfh admin user add 'A Admin' --role admin\n"
		"  mv ~/.config/lfh/'A Admin.key' ~/.config/lfh/user.key\n"
		"  lfh admin user add 'PC Smith' --role caseworker --out smith.key\n"
		"  lfh admin user add 'J Jones' --role manager\n"
		"  lfh admin user list\n"
		"  lfh admin user revoke 'PC Smith'\n");
}

static void backup_usage(FILE *f)
{
	fprintf(f,
		"usage: lfh admin backup DIR [--json]\n"
		"\n"
		"A hot copy of this agency's node into DIR (absolute, or relative to the\n"
		"current directory; new or empty), made by the node itself while it runs:\n"
		"  DIR/data/data.mdb  the store, compacted\n"
		"  DIR/keys/          the key directory, each file with its mode (secrets 0600)\n"
		"  DIR/MANIFEST       every file with its BLAKE2b-256\n"
		"The node pauses while it copies. Restoring it never reuses an event number:\n"
		"the node first recovers from its peers what it wrote since (README: Backup\n"
		"and restore). keys/ holds secrets: keep backups as safe as the keys.\n"
		"Admin only.\n"
		"\n"
		"options:\n"
		"  --json      print the node's reply (dir, events, authored) as JSON\n"
		"  -h, --help  this help\n"
		"\n"
		"example:\n"
		"  lfh admin backup /var/backups/lfhd/2026-12-06\n"
		"(under the packaged unit lfhd may write only below /var/backups/lfhd)\n");
}

static int role_valid(const char *r)
{
	static const char *const roles[] = { "caseworker", "coordinator", "manager", "admin" };
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (!strcmp(r, roles[i]))
			return 1;
	return 0;
}

/* mkdir with mode 0700 unless it exists; 0 or -1 (errno). */
static int mkdir_private(const char *path)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	return -1;
}

/* The default key file of a new user, creating ~/.config/lfh (0700). */
static int default_out(const char *name, char *out, size_t size)
{
	const char *home = getenv("HOME");
	char dir[4096];

	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home) {
		cli_error("no home directory: give --out FILE");
		return 1;
	}
	snprintf(dir, sizeof dir, "%s/.config", home);
	if (mkdir_private(dir) != 0) {
		cli_error("cannot create %s: %s", dir, strerror(errno));
		return 1;
	}
	snprintf(dir, sizeof dir, "%s/.config/lfh", home);
	if (mkdir_private(dir) != 0) {
		cli_error("cannot create %s: %s", dir, strerror(errno));
		return 1;
	}
	if ((size_t)snprintf(out, size, "%s/%s.key", dir, name) >= size) {
		cli_error("path too long: give --out FILE");
		return 1;
	}
	return 0;
}

/* Write the secret key file (new, 0600); 0 or 1 after printing the error. */
static int write_key(const char *path, const char *name, const unsigned char sk[64])
{
	char hex[129], text[256];
	int fd, n, ok;

	fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			cli_error("%s already exists: refusing to overwrite a key (choose another --out)",
				  path);
		else
			cli_error("cannot create %s: %s", path, strerror(errno));
		return 1;
	}
	lfh_hex(hex, sk, 64);
	n = snprintf(text, sizeof text, "# lfhub user key: secret, for %s only\n[user]\nname = %s\nkey = %s\n",
		     name, name, hex);
	ok = n > 0 && (size_t)n < sizeof text && fchmod(fd, 0600) == 0 &&
	     write(fd, text, (size_t)n) == n && fsync(fd) == 0;
	sodium_memzero(hex, sizeof hex);
	sodium_memzero(text, sizeof text);
	if (close(fd) != 0)
		ok = 0;
	if (!ok) {
		cli_error("cannot write %s: %s", path, strerror(errno));
		unlink(path);
		return 1;
	}
	return 0;
}

static int user_add(int argc, char **argv, int json)
{
	const char *name = NULL, *role = NULL, *out = NULL, *team = NULL;
	unsigned char pk[32], sk[64];
	char path[4096], pk_hex[65];
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	int rc;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--role") || !strcmp(argv[i], "--out") ||
		    !strcmp(argv[i], "--team")) {
			if (i + 1 >= argc) {
				cli_error("option %s needs a value", argv[i]);
				return 2;
			}
			*(argv[i][2] == 'r' ? &role : argv[i][2] == 'o' ? &out : &team) = argv[i + 1];
			i++;
		} else if (argv[i][0] == '-') {
			cli_error("unknown option %s (see lfh admin --help)", argv[i]);
			return 2;
		} else if (!name) {
			name = argv[i];
		} else {
			cli_error("unexpected argument '%s' (see lfh admin --help)", argv[i]);
			return 2;
		}
	}
	if (!name || !role) {
		cli_error("usage: lfh admin user add NAME --role ROLE [--out FILE]");
		return 2;
	}
	if (!cli_user_name_valid(name)) {
		cli_error("user name must be 1 to 63 characters of letters, digits, space, . _ ' - "
			  "(no leading or trailing space)");
		return 2;
	}
	if (!role_valid(role)) {
		cli_error("--role must be caseworker, coordinator, manager or admin");
		return 2;
	}
	if (out)
		snprintf(path, sizeof path, "%s", out);
	else if (default_out(name, path, sizeof path))
		return 1;
	crypto_sign_keypair(pk, sk);
	rc = write_key(path, name, sk);
	sodium_memzero(sk, sizeof sk);
	if (rc)
		return 1;
	lfh_hex(pk_hex, pk, 32);
	lfh_record_set_str(&req, "cmd", "user_add", &err);
	lfh_record_set_str(&req, "name", name, &err);
	lfh_record_set_str(&req, "role", role, &err);
	lfh_record_set_str(&req, "pk", pk_hex, &err);
	if (team)
		lfh_record_set_str(&req, "user_team", team, &err);
	rc = cli_call(&req, &rep);
	if (rc) {
		unlink(path); /* not registered: the key is of no use */
	} else if (json) {
		cli_print_json(rep.records, rep.nrecords, 0);
	} else {
		printf("added %s (role %s)\nsecret key: %s (give it to %s only)\n", name, role, path, name);
	}
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
	return rc;
}

static int user_simple(const char *cmd, int argc, char **argv, int json)
{
	static const cli_column cols[] = {
		{ "name", "NAME", 0 },	   { "role", "ROLE", 0 },	{ "state", "STATE", 0 },
		{ "team", "TEAM", 0 },	   { "added", "ADDED", 0 },   { "added_by", "ADDED BY", 24 }, { "revoked", "REVOKED", 0 },
	};
	int is_list = !strcmp(cmd, "user_list");
	const char *name = NULL;
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	int rc;

	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '-') {
			cli_error("unknown option %s (see lfh admin --help)", argv[i]);
			return 2;
		} else if (!name && !is_list) {
			name = argv[i];
		} else {
			cli_error("unexpected argument '%s' (see lfh admin --help)", argv[i]);
			return 2;
		}
	}
	if (!is_list && !name) {
		cli_error("usage: lfh admin user revoke NAME");
		return 2;
	}
	lfh_record_set_str(&req, "cmd", cmd, &err);
	if (name)
		lfh_record_set_str(&req, "name", name, &err);
	rc = cli_call(&req, &rep);
	if (rc == 0 && json)
		cli_print_json(rep.records, rep.nrecords, is_list);
	else if (rc == 0 && is_list && rep.nrecords == 0)
		puts("no users registered (the node accepts unauthenticated requests)");
	else if (rc == 0 && is_list)
		cli_print_table(rep.records, rep.nrecords, cols, sizeof cols / sizeof cols[0]);
	else if (rc == 0)
		printf("revoked %s: their requests are refused from now on\n", name);
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
	return rc;
}

/* lfh admin backup DIR: the node writes the copy (it can read its own store and keys). */
static int backup(int argc, char **argv, int json)
{
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	char abs[4096];
	int rc;

	if (argc != 1 || argv[0][0] == '-') {
		cli_error("usage: lfh admin backup DIR (see lfh admin --help)");
		return 2;
	}
	/* the node resolves nothing relative to our directory: make DIR absolute here */
	if (argv[0][0] != '/') {
		if (!getcwd(abs, sizeof abs - 2) ||
		    strlen(abs) + 1 + strlen(argv[0]) >= sizeof abs) {
			cli_error("cannot make %s an absolute path", argv[0]);
			return 2;
		}
		strcat(abs, "/");
		strcat(abs, argv[0]);
	} else {
		snprintf(abs, sizeof abs, "%s", argv[0]);
	}
	lfh_record_set_str(&req, "cmd", "backup", &err);
	lfh_record_set_str(&req, "dir", abs, &err);
	rc = cli_call(&req, &rep);
	if (rc == 0 && json)
		cli_print_json(rep.records, rep.nrecords, 0);
	else if (rc == 0 && rep.nrecords) {
		char ev[32], own[32];
		printf("backup written to %s: %s events, %s written by this node (see %s/MANIFEST)\n",
		       abs, cli_field(&rep.records[0], "events", ev, sizeof ev),
		       cli_field(&rep.records[0], "authored", own, sizeof own), abs);
	}
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
	return rc;
}

static void recovery_usage(FILE *f)
{
	fprintf(f,
		"usage: lfh admin recovery skip AGENCY [--json]\n"
		"\n"
		"A node restored from a backup (or on a rebuilt disk) first recovers the\n"
		"events it wrote from its peers, and writes nothing until every peer has\n"
		"answered (lfh status names those it waits for). A peer that will never\n"
		"answer, an agency the hub removed after the backup was taken, keeps it\n"
		"waiting for ever: skip takes AGENCY as having answered. Events of this\n"
		"node that only AGENCY held are not recovered. Admin only; audited.\n");
}

/* lfh admin recovery skip AGENCY */
static int recovery(int argc, char **argv, int json)
{
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	int rc;

	if (argc != 2 || strcmp(argv[0], "skip") != 0 || argv[1][0] == '-') {
		cli_error("usage: lfh admin recovery skip AGENCY (see lfh admin recovery --help)");
		return 2;
	}
	lfh_record_set_str(&req, "cmd", "recovery_skip", &err);
	if (lfh_record_set_str(&req, "agency", argv[1], &err)) {
		cli_error("agency: %s", err.msg);
		lfh_record_clear(&req);
		return 2;
	}
	rc = cli_call(&req, &rep);
	if (rc == 0 && json)
		cli_print_json(rep.records, rep.nrecords, 0);
	else if (rc == 0)
		printf("%s taken as having answered: recovery goes on with the other peers\n",
		       argv[1]);
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
	return rc;
}

int admin_main(int argc, char **argv)
{
	char *args[64];
	int n = 0, json = 0;

	/* --help and --json anywhere; the rest in order */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			const char *sub = NULL; /* the first word: keys, backup, user */
			for (int k = 1; k < argc && !sub; k++)
				if (argv[k][0] != '-')
					sub = argv[k];
			if (sub && !strcmp(sub, "keys"))
				keys_admin_usage(stdout);
			else if (sub && !strcmp(sub, "backup"))
				backup_usage(stdout);
			else if (sub && !strcmp(sub, "recovery"))
				recovery_usage(stdout);
			else
				usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (n < (int)(sizeof args / sizeof args[0]))
			args[n++] = argv[i];
		else {
			cli_error("too many arguments");
			return 2;
		}
	}
	if (n >= 1 && !strcmp(args[0], "keys"))
		return keys_admin_main(n - 1, args + 1, json);
	if (n >= 1 && !strcmp(args[0], "backup"))
		return backup(n - 1, args + 1, json);
	if (n >= 1 && !strcmp(args[0], "recovery"))
		return recovery(n - 1, args + 1, json);
	if (n < 2 || strcmp(args[0], "user") != 0) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(args[1], "add"))
		return user_add(n - 2, args + 2, json);
	if (!strcmp(args[1], "revoke"))
		return user_simple("user_revoke", n - 2, args + 2, json);
	if (!strcmp(args[1], "list"))
		return user_simple("user_list", n - 2, args + 2, json);
	cli_error("unknown command 'admin user %s' (see lfh admin --help)", args[1]);
	return 2;
}
