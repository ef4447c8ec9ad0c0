/*
 * cmd_isa_node.c - the `lfh isa` commands that ask the local node:
 *
 *   lfh isa show [--json]          the version in force here, in plain words,
 *                                  and pending proposals with their signatures
 *   lfh isa propose FILE [--json]  propose FILE as the next version to every party
 *   lfh isa sign FILE [--json]     sign that version for this agency
 *   lfh isa withdraw FILE [--json] withdraw a proposal of ours: it is signed no more
 *   lfh isa adopt [--json]         per pending proposal: who has signed, who has
 *                                  not yet, and whether it can take effect
 *   lfh isa explain CASE [--json]  per category: which agencies hold it, and why
 *   lfh isa retention [--json]     apply the retention rules now (lfhd also
 *                                  does so every few seconds)
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/buf.h"
#include "lfh/isa.h"

#include "cli.h"
#include "client.h"

/*
 * Parse "[ARG] [--json]"; need_arg: 1 one positional required, 0 none.
 * Returns 0 to go on, 2 on bad usage, -1 after printing --help (exit 0).
 */
static int args(int argc, char **argv, int need_arg, const char **arg, int *json)
{
	*arg = NULL;
	*json = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			isa_sub_usage(stdout, argv[0]);
			return -1;
		}
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			*json = 1;
		else if (argv[i][0] == '-' || *arg || !need_arg) {
			cli_error("isa %s: unexpected argument '%s' (see lfh isa %s --help)", argv[0],
				  argv[i], argv[0]);
			return 2;
		} else
			*arg = argv[i];
	}
	if (need_arg && !*arg) {
		cli_error("isa %s: give the %s (see lfh isa %s --help)", argv[0],
			  !strcmp(argv[0], "explain") ? "CASE (its reference or id)" : "ISA FILE",
			  argv[0]);
		return 2;
	}
	return 0;
}

/* Send cmd with one optional field; print the reply as JSON or with print(). */
static int run(const char *cmd, const char *field, const char *value, int json, int list,
	       void (*print)(const lfh_reply *))
{
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	int rc;

	lfh_record_set_str(&req, "cmd", cmd, &err);
	if (field && lfh_record_set_str(&req, field, value, &err)) {
		cli_error("%s: %s", field, err.msg);
		lfh_record_clear(&req);
		return 2;
	}
	rc = cli_call(&req, &rep);
	if (rc == 0 && json)
		cli_print_json(rep.records, rep.nrecords, list);
	else if (rc == 0)
		print(&rep);
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
	return rc;
}

static void print_show(const lfh_reply *rep)
{
	char b[32];
	if (!rep->nrecords)
		return;
	const lfh_record *r = &rep->records[0];
	printf("ISA version %s of hub %s, in force here (hash %s)\n\n%s\n",
	       cli_field(r, "version", b, sizeof b), lfh_record_str(r, "hub"),
	       lfh_record_str(r, "hash"), lfh_record_str(r, "text"));
	for (size_t i = 1; i < rep->nrecords; i++) {
		const char *s = lfh_record_str(&rep->records[i], "signed_by");
		printf("proposed version %s (%.16s): signed by %s\n",
		       cli_field(&rep->records[i], "version", b, sizeof b),
		       lfh_record_str(&rep->records[i], "proposal"), s && *s ? s : "nobody yet");
	}
}

/*
 * The version in force from isa_show's first record: `encoding` (continued
 * in `encoding_01`, `encoding_02`, ...) in hex, decoded and checked against
 * `hash`. 0, or a status with why in err.
 */
static int decode_in_force(const lfh_record *r, lfh_isa *isa, lfh_err *err)
{
	const char *part = lfh_record_str(r, "encoding"), *hash = lfh_record_str(r, "hash");
	lfh_buf hex = { 0 };
	uint8_t *raw = NULL, h[32];
	char key[32], hhex[65];
	size_t n = 0;
	int rc = 0;

	if (!part || !hash)
		return lfh_err_set(err, LFH_ENOTFOUND, "the node did not send the encoding of the "
						       "ISA in force (is lfhd older than lfh?)");
	for (int i = 1; part && !rc; i++) {
		rc = lfh_buf_append(&hex, part, strlen(part));
		snprintf(key, sizeof key, "encoding_%02d", i);
		part = lfh_record_str(r, key);
	}
	rc = rc ? rc : lfh_buf_append(&hex, "", 1);
	n = hex.len / 2;
	if (!rc && !(raw = malloc(n ? n : 1)))
		rc = LFH_ENOMEM;
	if (rc)
		lfh_err_set(err, rc, "out of memory");
	else if (hex.len % 2 != 1 || lfh_unhex(raw, n, (const char *)hex.data) != 0)
		rc = lfh_err_set(err, LFH_ECODEC, "the node sent an encoding that is not hex");
	else if ((rc = lfh_isa_decode(raw, n, isa, err)) == 0) {
		lfh_isa_hash(raw, n, h);
		lfh_hex(hhex, h, sizeof h);
		if (strcmp(hhex, hash) != 0)
			rc = lfh_err_set(err, LFH_ECODEC, "the encoding the node sent does not have "
							  "the hash it names");
	}
	free(raw);
	lfh_buf_free(&hex);
	return rc;
}

int isa_in_force(lfh_isa *isa)
{
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	int rc;

	lfh_record_set_str(&req, "cmd", "isa_show", &err);
	rc = cli_call(&req, &rep);
	if (rc == 0 && rep.nrecords == 0) {
		cli_error("the node sent no ISA");
		rc = 1;
	} else if (rc == 0 && decode_in_force(&rep.records[0], isa, &err) != 0) {
		cli_error("reading the ISA in force: %s", err.msg);
		rc = 1;
	}
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
	return rc;
}

/* Comma-separated ids as "a", "a and b", "a, b and c". */
static void print_ids(const char *list)
{
	size_t n = 1, k = 0;

	for (const char *p = list; *p; p++)
		n += *p == ',';
	for (const char *p = list; *p; p++) {
		if (*p == ',')
			fputs(++k + 1 == n ? " and " : ", ", stdout);
		else
			putchar(*p);
	}
}

/* Who must sign the successor of the version in force, if the node sent it. */
static void print_required(const lfh_record *r)
{
	static lfh_isa isa;
	lfh_err err = { 0 };
	uint32_t n;

	if (decode_in_force(r, &isa, &err) != 0) {
		printf("(which agencies must sign: not known, %s)\n", err.msg);
		return;
	}
	n = isa.nsigners ? isa.nsigners : isa.nparties;
	printf("A new version takes effect when signed by %s", isa.nsigners ? "" : "every party: ");
	for (uint32_t i = 0; i < n; i++) {
		const char *id = isa.nsigners ? isa.signers[i] : isa.parties[i].id;
		printf("%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", id);
	}
	printf(" (next_signers of version %u).\n", isa.version);
}

/* One pending proposal: who has signed, who has not, can it take effect. */
static void print_proposal(const lfh_record *p, uint64_t current)
{
	const char *signed_by = lfh_record_str(p, "signed_by"), *missing = lfh_record_str(p, "missing");
	uint64_t follows = 1, withdrawn = 0;
	char b[32];

	lfh_record_uint(p, "follows", &follows);
	printf("\nProposed version %s (proposal %.16s):\n", cli_field(p, "version", b, sizeof b),
	       lfh_record_str(p, "proposal"));
	if (lfh_record_uint(p, "withdrawn", &withdrawn) && withdrawn) {
		printf("  WITHDRAWN by its proposer %s: no node signs it any more.\n",
		       lfh_record_str(p, "proposer") ? lfh_record_str(p, "proposer") : "?");
		return;
	}
	printf("  signed by:         ");
	print_ids(signed_by && *signed_by ? signed_by : "nobody yet");
	if (!missing) {
		printf("\n  not yet signed by: (not known: this lfhd does not say)\n");
		return;
	}
	printf("\n  not yet signed by: ");
	print_ids(*missing ? missing : "nobody: every required signature is in");
	putchar('\n');
	if (!follows) {
		printf("  It cannot take effect: it does not follow version %llu in force (its successor\n"
		       "  is version %llu, naming the hash of version %llu as prev).\n",
		       (unsigned long long)current, (unsigned long long)current + 1,
		       (unsigned long long)current);
	} else if (*missing) {
		printf("  It cannot take effect yet: waiting for ");
		print_ids(missing);
		printf(" to sign it\n  (lfh isa sign FILE at %s node%s).\n",
		       strchr(missing, ',') ? "their" : "its", strchr(missing, ',') ? "s" : "");
	} else {
		printf("  It has every signature it needs: it takes effect as soon as this node\n"
		       "  has applied them (automatically; lfh isa show then names it).\n");
	}
}

static void print_adopt(const lfh_reply *rep)
{
	const lfh_record *r;
	uint64_t current = 0;
	char b[32];

	if (!rep->nrecords)
		return;
	r = &rep->records[0];
	lfh_record_uint(r, "version", &current);
	printf("ISA version %s of hub %s is in force here (hash %s).\n",
	       cli_field(r, "version", b, sizeof b), lfh_record_str(r, "hub"),
	       lfh_record_str(r, "hash"));
	print_required(r);
	if (rep->nrecords == 1) {
		printf("\nNo proposal is pending here: nothing to adopt. To change the agreement:\n"
		       "lfh isa propose FILE, then lfh isa sign FILE at each agency that must sign.\n");
		return;
	}
	for (size_t i = 1; i < rep->nrecords; i++)
		print_proposal(&rep->records[i], current);
}

static void print_written(const lfh_reply *rep)
{
	if (rep->nrecords)
		printf("done (event %s)\n", lfh_record_str(&rep->records[0], "event"));
}

static void print_explain(const lfh_reply *rep)
{
	static const cli_column cols[] = {
		{ "category", "CATEGORY", 0 }, { "agency", "AGENCY", 0 },
		{ "rule", "RULE", 0 },	       { "why", "WHY IT HOLDS IT", 70 },
	};
	cli_print_table(rep->records, rep->nrecords, cols, sizeof cols / sizeof cols[0]);
}

static void print_retention(const lfh_reply *rep)
{
	char b[32];
	if (rep->nrecords)
		printf("%s case categories shredded\n",
		       cli_field(&rep->records[0], "shredded", b, sizeof b));
}

/* An absolute path, since the node resolves it (it may run elsewhere in the tree). */
static int node_file(const char *cmd, const char *file, int json)
{
	char abs[PATH_MAX];
	if (!realpath(file, abs)) {
		cli_error("%s: cannot open", file);
		return 1;
	}
	return run(cmd, "path", abs, json, 0, print_written);
}

int isa_node_main(int argc, char **argv)
{
	const char *arg;
	int json, rc;

	if (!strcmp(argv[0], "show")) {
		if ((rc = args(argc, argv, 0, &arg, &json)))
			return rc < 0 ? 0 : rc;
		return run("isa_show", NULL, NULL, json, 1, print_show);
	}
	if (!strcmp(argv[0], "adopt")) {
		if ((rc = args(argc, argv, 0, &arg, &json)))
			return rc < 0 ? 0 : rc;
		return run("isa_show", NULL, NULL, json, 1, print_adopt);
	}
	if (!strcmp(argv[0], "retention")) {
		if ((rc = args(argc, argv, 0, &arg, &json)))
			return rc < 0 ? 0 : rc;
		return run("retention_run", NULL, NULL, json, 0, print_retention);
	}
	if ((rc = args(argc, argv, 1, &arg, &json)))
		return rc < 0 ? 0 : rc;
	if (!strcmp(argv[0], "propose"))
		return node_file("isa_propose", arg, json);
	if (!strcmp(argv[0], "sign"))
		return node_file("isa_sign", arg, json);
	if (!strcmp(argv[0], "withdraw"))
		return node_file("isa_withdraw", arg, json);
	if (!strcmp(argv[0], "explain"))
		return run("isa_explain", "case", arg, json, 1, print_explain);
	cli_error("isa: unknown command '%s'", argv[0]);
	return 2;
}
