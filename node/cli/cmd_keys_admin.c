/*
 * cmd_keys_admin.c - `lfh admin keys ...`: the agency's key generations,
 * rotation, revocation and sharing-key epochs (control commands keys_*,
 * node/control/ctl_keys.c; PROTOCOL.md 15), and `certify`, which runs without a
 * node on the machine that holds the agency's root secret.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "client.h"
#include "lfh/buf.h"
#include "lfh/cert.h"
#include "lfh/identity.h"

#define DAY_MS 86400000ULL

void keys_admin_usage(FILE *f)
{
	fprintf(f,
		"usage: lfh admin keys list [--json]\n"
		"       lfh admin keys rotate [--valid-for DUR] [--grace DUR] [--json]\n"
		"       lfh admin keys rotate --prepare REQUEST_FILE\n"
		"       lfh admin keys certify --root KEY_DIR --request REQUEST_FILE --out CERT_FILE\n"
		"                              [--valid-for DUR] [--grace DUR]\n"
		"       lfh admin keys rotate --cert CERT_FILE [--json]\n"
		"       lfh admin keys revoke GENERATION --reason TEXT [--effective TIME] [--json]\n"
		"       lfh admin keys rotate-sharing [--json]\n"
		"\n"
		"Each agency has a root key, named in the ISA, that certifies its node's\n"
		"operational keys (signing, encryption, transport) one generation at a time.\n"
		"\n"
		"  list            every member's key generations: key id, state (current,\n"
		"                  grace, retired, expired, revoked), which one carries its\n"
		"                  transport, expiry; this node's sharing-key epoch; and how\n"
		"                  many sharing keys it holds per creator and epoch\n"
		"  rotate          new operational keys, certified with the root secret in\n"
		"                  key_dir, announced to every member in a signed CERT event.\n"
		"                  The node signs with them at once; peers accept the old\n"
		"                  ones for events stamped within --grace (default 1d, at\n"
		"                  most 90d) and switch transport keys when it ends,\n"
		"                  without a restart. --valid-for: certificate lifetime\n"
		"                  (default 365d, at most 1825d)\n"
		"  rotate --prepare  when the root secret is kept offline: new keys wait in\n"
		"                  key_dir/pending and REQUEST_FILE is written; take it to\n"
		"                  the root's machine, run certify, bring CERT_FILE back and\n"
		"                  run rotate --cert CERT_FILE\n"
		"  certify         (no node needed) sign REQUEST_FILE with the root secret\n"
		"                  in KEY_DIR/root.key, writing CERT_FILE\n"
		"  revoke          a compromised or retired generation of this agency's\n"
		"                  keys: events it signed stamped from TIME on (default now;\n"
		"                  'now', YYYY-MM-DDTHH:MM:SSZ or ms since 1970) are refused\n"
		"                  and deleted everywhere, including ones relayed later.\n"
		"                  Rotate first: the generation the node signs with cannot\n"
		"                  be revoked\n"
		"  rotate-sharing  start a new sharing-key epoch: later case events are\n"
		"                  encrypted under new keys given only to who receives them\n"
		"                  now (epochs also advance every sharing_rotate_days and\n"
		"                  when an agency leaves the hub)\n"
		"\n"
		"DUR: a number and a unit s, m, h or d (30s, 12h, 7d).\n"
		"\n"
		"examples:\n"
		"  lfh admin keys list\n"
		"  lfh admin keys rotate --grace 2h\n"
		"  lfh admin keys rotate --prepare police-gen3.req\n"
		"  lfh admin keys certify --root /media/usb/police-root --request police-gen3.req \\\n"
		"      --out police-gen3.cert\n"
		"  lfh admin keys rotate --cert police-gen3.cert\n"
		"  lfh admin keys revoke 2 --reason 'laptop stolen' --effective 2026-11-25T18:00:00Z\n");
}

/* "30s", "10m", "12h", "7d" into ms; 0 on success. */
static int parse_duration(const char *s, uint64_t *ms)
{
	char *end;
	unsigned long long v;
	uint64_t unit;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-' || end[0] == '\0' || end[1] != '\0')
		return -1;
	switch (end[0]) {
	case 's': unit = 1000; break;
	case 'm': unit = 60000; break;
	case 'h': unit = 3600000; break;
	case 'd': unit = DAY_MS; break;
	default: return -1;
	}
	if (v > UINT64_MAX / unit)
		return -1;
	*ms = v * unit;
	return 0;
}

/* "now", "YYYY-MM-DDTHH:MM:SSZ" or ms since 1970; 0 on success. */
static int parse_time(const char *s, uint64_t *ms)
{
	struct tm tm = { 0 }, back;
	int y, mo, d, h, mi, sec, used = 0;
	time_t t;

	if (!strcmp(s, "now")) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		*ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		return 0;
	}
	if (strspn(s, "0123456789") == strlen(s) && strlen(s) <= 15) {
		*ms = strtoull(s, NULL, 10);
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6 ||
	    s[used] != '\0' || strlen(s) != 20)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) < 0 || !gmtime_r(&t, &back) || back.tm_mday != d || back.tm_mon != mo - 1 ||
	    back.tm_hour != h || back.tm_min != mi || back.tm_sec != sec)
		return -1; /* no 31 February or 25 o'clock */
	*ms = (uint64_t)t * 1000;
	return 0;
}

/* Read a small binary file (at most max bytes); 0 or 1 after printing the error. */
static int read_small(const char *path, size_t max, lfh_buf *out)
{
	char *data = NULL;
	size_t len = 0;
	lfh_err err = { 0 };

	if (lfh_read_file(path, max, &data, &len, &err)) {
		cli_error("%s", err.msg);
		return 1;
	}
	if (lfh_buf_append(out, data, len)) {
		free(data);
		cli_error("out of memory");
		return 1;
	}
	free(data);
	return 0;
}

/* Write a new file (never replacing one); 0 or 1 after printing the error. */
static int write_new(const char *path, const uint8_t *data, size_t len)
{
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
	int ok;

	if (fd < 0) {
		cli_error("cannot create %s: %s", path, errno == EEXIST ? "it already exists" : strerror(errno));
		return 1;
	}
	ok = write(fd, data, len) == (ssize_t)len && fsync(fd) == 0;
	if (close(fd) != 0)
		ok = 0;
	if (!ok) {
		cli_error("cannot write %s: %s", path, strerror(errno));
		unlink(path);
		return 1;
	}
	return 0;
}

static void print_time(const char *label, uint64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char when[32];
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s%s\n", label, when);
}

/* Options shared by the subcommands: a tiny table-driven parser. */
typedef struct keys_opts {
	const char *prepare, *cert, *root, *request, *out, *reason, *effective, *valid_for, *grace;
	const char *positional;
} keys_opts;

/* The options of subcommand sub (a space-separated list), or NULL if it is none. */
static const char *sub_options(const char *sub)
{
	static const struct {
		const char *sub, *opts;
	} subs[] = {
		{ "list", "" },
		{ "rotate", "--prepare --cert --valid-for --grace" },
		{ "certify", "--root --request --out --valid-for --grace" },
		{ "revoke", "--reason --effective" },
		{ "rotate-sharing", "" },
	};
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
		if (!strcmp(sub, subs[i].sub))
			return subs[i].opts;
	return NULL;
}

/* Whether opt is a word of the space-separated list. */
static int in_list(const char *list, const char *opt)
{
	size_t n = strlen(opt);
	for (const char *p = strstr(list, opt); p; p = strstr(p + 1, opt))
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/* Subcommand sub's options and argument (argv after sub): 0, or 2 on bad usage (said). */
static int parse_opts(const char *sub, int argc, char **argv, keys_opts *o)
{
	static const struct {
		const char *name;
		size_t off;
	} opts[] = {
		{ "--prepare", offsetof(keys_opts, prepare) },   { "--cert", offsetof(keys_opts, cert) },
		{ "--root", offsetof(keys_opts, root) },         { "--request", offsetof(keys_opts, request) },
		{ "--out", offsetof(keys_opts, out) },           { "--reason", offsetof(keys_opts, reason) },
		{ "--effective", offsetof(keys_opts, effective) }, { "--valid-for", offsetof(keys_opts, valid_for) },
		{ "--grace", offsetof(keys_opts, grace) },
	};
	const char *allowed = sub_options(sub);

	memset(o, 0, sizeof *o);
	for (int i = 0; i < argc; i++) {
		size_t k = 0;
		while (k < sizeof opts / sizeof opts[0] && strcmp(argv[i], opts[k].name))
			k++;
		if (k < sizeof opts / sizeof opts[0] && in_list(allowed, argv[i])) {
			if (i + 1 >= argc) {
				cli_error("option %s needs a value (see lfh admin keys --help)", argv[i]);
				return 2;
			}
			*(const char **)((char *)o + opts[k].off) = argv[++i];
		} else if (argv[i][0] == '-') {
			if (*allowed)
				cli_error("lfh admin keys %s takes no option %s: only %s (see lfh admin "
					  "keys --help)", sub, argv[i], allowed);
			else
				cli_error("lfh admin keys %s takes no option %s (see lfh admin keys "
					  "--help)", sub, argv[i]);
			return 2;
		} else if (!o->positional) {
			o->positional = argv[i];
		} else {
			cli_error("unexpected argument '%s' (see lfh admin keys --help)", argv[i]);
			return 2;
		}
	}
	return 0;
}

/* --valid-for and --grace into ms fields of req (or of the defaults left to the node). */
static int durations(const keys_opts *o, uint64_t *valid, uint64_t *grace)
{
	if (o->valid_for && (parse_duration(o->valid_for, valid) || *valid == 0)) {
		cli_error("--valid-for '%s': give a duration like 365d or 12h", o->valid_for);
		return 2;
	}
	if (o->grace && parse_duration(o->grace, grace)) {
		cli_error("--grace '%s': give a duration like 1d, 2h or 0s", o->grace);
		return 2;
	}
	if (o->valid_for && *valid > LFH_CERT_VALID_MAX_MS) {
		cli_error("--valid-for '%s': at most 1825d (5 years)", o->valid_for);
		return 2;
	}
	if (o->grace && *grace > LFH_GRACE_MAX_MS) {
		cli_error("--grace '%s': at most 90d", o->grace);
		return 2;
	}
	return 0;
}

static int call_and_print(lfh_record *req, int json, const char *done)
{
	lfh_reply rep = { 0 };
	int rc = cli_call(req, &rep);
	if (rc == 0 && json)
		cli_print_json(rep.records, rep.nrecords, 0);
	else if (rc == 0) {
		char b1[32], b2[32];
		const char *gen = "", *kid = "";
		if (rep.nrecords) {
			gen = cli_field(&rep.records[0], "generation", b1, sizeof b1);
			kid = cli_field(&rep.records[0], "key_id", b2, sizeof b2);
		}
		printf(done, gen, kid);
	}
	lfh_record_clear(req);
	lfh_reply_clear(&rep);
	return rc;
}

static int keys_list(int json)
{
	static const cli_column keycols[] = {
		{ "agency", "AGENCY", 0 },  { "generation", "GEN", 0 }, { "key_id", "KEY ID", 0 },
		{ "state", "STATE", 0 },    { "transport", "TRANSPORT", 0 }, { "since", "SINCE", 0 },
		{ "expires", "EXPIRES", 0 }, { "revoked", "REVOKED", 0 }, { "reason", "REASON", 30 },
	};
	static const cli_column sharecols[] = {
		{ "creator", "CREATOR", 0 }, { "epoch", "EPOCH", 0 }, { "keys", "KEYS HELD", 0 },
	};
	lfh_record req = { 0 }, *keys, *share;
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	size_t nk = 0, ns = 0;
	int rc;

	lfh_record_set_str(&req, "cmd", "keys_list", &err);
	rc = cli_call(&req, &rep);
	lfh_record_clear(&req);
	if (rc)
		return rc;
	if (json) {
		cli_print_json(rep.records, rep.nrecords, 1);
		lfh_reply_clear(&rep);
		return 0;
	}
	keys = calloc(rep.nrecords + 1, sizeof *keys);
	share = calloc(rep.nrecords + 1, sizeof *share);
	if (!keys || !share) {
		free(keys);
		free(share);
		lfh_reply_clear(&rep);
		cli_error("out of memory");
		return 1;
	}
	for (size_t i = 0; i < rep.nrecords; i++) {
		const char *kind = lfh_record_str(&rep.records[i], "kind");
		char v[64], d[64], since[64];
		if (kind && !strcmp(kind, "key"))
			keys[nk++] = rep.records[i];
		else if (kind && !strcmp(kind, "sharing"))
			share[ns++] = rep.records[i];
		else if (kind && !strcmp(kind, "epoch"))
			printf("sharing-key epoch %s, since %s (new epoch every %s days; 0 = never)\n",
			       cli_field(&rep.records[i], "epoch", v, sizeof v),
			       cli_field(&rep.records[i], "since", since, sizeof since),
			       cli_field(&rep.records[i], "rotate_days", d, sizeof d));
	}
	puts("\nkey generations:");
	cli_print_table(keys, nk, keycols, sizeof keycols / sizeof keycols[0]);
	puts("\nsharing keys held here:");
	if (ns)
		cli_print_table(share, ns, sharecols, sizeof sharecols / sizeof sharecols[0]);
	else
		puts("  none");
	free(keys);
	free(share);
	lfh_reply_clear(&rep);
	return 0;
}

static int keys_rotate(const keys_opts *o, int json)
{
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	uint64_t valid = 0, grace = 0;
	int rc;

	if (o->positional) {
		cli_error("unexpected argument '%s' (see lfh admin keys --help)", o->positional);
		return 2;
	}
	if ((o->prepare && o->cert) || ((o->prepare || o->cert) && (o->valid_for || o->grace))) {
		cli_error("--prepare, --cert and --valid-for/--grace go with different steps "
			  "(see lfh admin keys --help)");
		return 2;
	}
	if ((rc = durations(o, &valid, &grace)))
		return rc;
	lfh_record_set_str(&req, "cmd", "keys_rotate", &err);
	if (o->cert && access(o->cert, R_OK) != 0) {
		cli_error("--cert %s: %s", o->cert, strerror(errno));
		lfh_record_clear(&req);
		return 1;
	}
	if (o->valid_for)
		lfh_record_set_uint(&req, "valid_ms", valid, &err);
	if (o->grace)
		lfh_record_set_uint(&req, "grace_ms", grace, &err);
	if (o->cert) {
		lfh_buf raw = { 0 };
		char *hex;
		if (read_small(o->cert, LFH_CERT_MAX, &raw)) {
			lfh_record_clear(&req);
			return 1;
		}
		hex = malloc(2 * raw.len + 1);
		if (hex) {
			lfh_hex(hex, raw.data, raw.len);
			lfh_record_set_str(&req, "cert", hex, &err);
		}
		free(hex);
		lfh_buf_free(&raw);
	}
	if (!o->prepare)
		return call_and_print(&req, json, "now signing with key generation %s (key id %s); "
				      "peers learn it from the CERT event\n"
				      "take a new backup (lfh admin backup DIR): a node whose key "
				      "directory is restored from one taken before this rotation "
				      "cannot recover\n");
	lfh_record_set_str(&req, "prepare", "1", &err);
	rc = cli_call(&req, &rep);
	lfh_record_clear(&req);
	if (rc == 0) {
		const char *hex = rep.nrecords ? lfh_record_str(&rep.records[0], "request") : NULL;
		size_t len = hex ? strlen(hex) / 2 : 0;
		uint8_t *bin = malloc(len + 1);
		if (!hex || !bin || lfh_unhex(bin, len, hex)) {
			cli_error("the node sent no certificate request");
			rc = 1;
		} else if (!(rc = write_new(o->prepare, bin, len))) {
			printf("new keys wait in key_dir/pending; certificate request written to %s\n"
			       "next: lfh admin keys certify --root ROOT_DIR --request %s --out CERT "
			       "(on the root's machine), then lfh admin keys rotate --cert CERT\n",
			       o->prepare, o->prepare);
		}
		free(bin);
	}
	lfh_reply_clear(&rep);
	return rc;
}

/* Offline: sign a certificate request with the root secret. */
static int keys_certify(const keys_opts *o)
{
	uint64_t valid = 365 * DAY_MS, grace = DAY_MS, now;
	uint8_t *root = NULL;
	lfh_buf raw = { 0 }, out = { 0 };
	lfh_err err = { 0 };
	lfh_cert c;
	char kid[2 * LFH_KEYID_LEN + 1];
	uint8_t id[LFH_KEYID_LEN];
	int rc;

	if (!o->root || !o->request || !o->out || o->positional) {
		cli_error("usage: lfh admin keys certify --root KEY_DIR --request FILE --out FILE");
		return 2;
	}
	if ((rc = durations(o, &valid, &grace)))
		return rc;
	if (read_small(o->request, LFH_CERT_MAX, &raw))
		return 1;
	if (lfh_cert_decode(raw.data, raw.len, &c, &err)) {
		cli_error("%s is not a certificate request: %s", o->request, err.msg);
		lfh_buf_free(&raw);
		return 1;
	}
	lfh_buf_free(&raw);
	if (!(root = sodium_malloc(64))) {
		cli_error("out of memory");
		return 1;
	}
	if (lfh_root_load(o->root, root, &err)) {
		cli_error("%s", err.msg);
		sodium_free(root);
		return 1;
	}
	parse_time("now", &now);
	c.not_before_ms = now;
	c.not_after_ms = now + valid;
	c.grace_ms = grace;
	rc = lfh_cert_sign(&c, root, &err);
	sodium_free(root);
	if (!rc)
		rc = lfh_cert_encode(&c, &out, &err);
	if (rc) {
		cli_error("%s", err.msg);
		lfh_buf_free(&out);
		return 1;
	}
	rc = write_new(o->out, out.data, out.len);
	lfh_buf_free(&out);
	if (rc)
		return 1;
	lfh_key_id(c.sign_pk, id);
	lfh_hex(kid, id, LFH_KEYID_LEN);
	printf("certified %s key generation %u (key id %s)\n", c.agency, c.generation, kid);
	print_time("valid until ", c.not_after_ms);
	printf("written to %s: install it with lfh admin keys rotate --cert %s\n", o->out, o->out);
	return 0;
}

static int keys_revoke(const keys_opts *o, int json)
{
	lfh_record req = { 0 };
	lfh_err err = { 0 };
	uint64_t effective = 0;
	char *end;
	unsigned long gen;

	if (!o->positional || !o->reason) {
		cli_error("usage: lfh admin keys revoke GENERATION --reason TEXT [--effective TIME]");
		return 2;
	}
	errno = 0;
	gen = strtoul(o->positional, &end, 10);
	if (errno || *end || gen == 0 || gen > LFH_GENERATION_MAX) {
		cli_error("GENERATION '%s' must be a key generation number (see lfh admin keys list)",
			  o->positional);
		return 2;
	}
	if (o->effective && parse_time(o->effective, &effective)) {
		cli_error("--effective '%s': give now, YYYY-MM-DDTHH:MM:SSZ or milliseconds",
			  o->effective);
		return 2;
	}
	lfh_record_set_str(&req, "cmd", "keys_revoke", &err);
	lfh_record_set_uint(&req, "generation", gen, &err);
	lfh_record_set_str(&req, "reason", o->reason, &err);
	if (o->effective)
		lfh_record_set_uint(&req, "effective_ms", effective, &err);
	if (err.code) {
		cli_error("%s", err.msg);
		lfh_record_clear(&req);
		return 2;
	}
	return call_and_print(&req, json, "revoked; every member refuses what that key signed "
			      "from then on%s%s\n");
}

static int keys_rotate_sharing(const keys_opts *o, int json)
{
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	char epoch[32] = "?";
	int rc;

	if (o->positional) {
		cli_error("unexpected argument '%s'", o->positional);
		return 2;
	}
	lfh_record_set_str(&req, "cmd", "keys_rotate_sharing", &err);
	rc = cli_call(&req, &rep);
	if (rc == 0 && json)
		cli_print_json(rep.records, rep.nrecords, 0);
	else if (rc == 0 && rep.nrecords)
		printf("sharing-key epoch %s begins: later case events use new keys\n",
		       cli_field(&rep.records[0], "epoch", epoch, sizeof epoch));
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
	return rc;
}

int keys_admin_main(int argc, char **argv, int json)
{
	keys_opts o;
	int rc;

	if (argc < 1) {
		keys_admin_usage(stderr);
		return 2;
	}
	if (!sub_options(argv[0])) {
		cli_error("unknown command 'admin keys %s' (see lfh admin keys --help)", argv[0]);
		return 2;
	}
	if ((rc = parse_opts(argv[0], argc - 1, argv + 1, &o)))
		return rc;
	if (!strcmp(argv[0], "list")) {
		if (o.positional) {
			cli_error("unexpected argument '%s': lfh admin keys list takes none",
				  o.positional);
			return 2;
		}
		return keys_list(json);
	}
	if (!strcmp(argv[0], "rotate"))
		return keys_rotate(&o, json);
	if (!strcmp(argv[0], "certify"))
		return keys_certify(&o);
	if (!strcmp(argv[0], "revoke"))
		return keys_revoke(&o, json);
	return keys_rotate_sharing(&o, json); /* "rotate-sharing": sub_options knows no other */
}
