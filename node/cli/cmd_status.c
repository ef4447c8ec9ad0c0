/*
 * cmd_status.c - `lfh status`: the node, its peers and replication state,
 * and the node's health as a monitoring check reads it (Nagios-style: the
 * first line "LFH OK - ...", exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"

#define STATUS_UNKNOWN 3

/* Print "LFH VERDICT - reasons"; returns the Nagios exit status (3 if the node did not say). */
static int health_line(const lfh_record *n)
{
	const char *verdict = lfh_record_str(n, "health"), *why = lfh_record_str(n, "health_reason");
	uint64_t code = STATUS_UNKNOWN;

	if (!verdict || !why || !lfh_record_uint(n, "health_code", &code) || code > 2) {
		printf("LFH UNKNOWN - the node did not report its health (an older lfhd?)\n");
		return STATUS_UNKNOWN;
	}
	if (cli_g.config_broken[0] && code < 1) { /* the node is fine: its next start is not */
		printf("LFH WARNING - %s: lfhd will not start with it\n", cli_g.config_broken);
		return 1;
	}
	printf("LFH %s - %s%s%s\n", verdict, why, cli_g.config_broken[0] ? "; " : "",
	       cli_g.config_broken[0] ? "and its configuration file does not load" : "");
	return (int)code;
}

/*
 * The JSON carries the same verdict as the first line: a configuration file
 * that does not load makes an OK node WARNING (its next start would fail),
 * and says so in config_error.
 */
static void config_verdict(lfh_record *n)
{
	uint64_t code = 0;
	lfh_err err = { 0 };
	char why[512];

	if (!cli_g.config_broken[0])
		return;
	lfh_record_set_str(n, "config_error", cli_g.config_broken, &err);
	if (!lfh_record_uint(n, "health_code", &code) || code >= 1)
		return;
	snprintf(why, sizeof why, "%s: lfhd will not start with it", cli_g.config_broken);
	lfh_record_set_str(n, "health", "WARNING", &err);
	lfh_record_set_uint(n, "health_code", 1, &err);
	lfh_record_set_str(n, "health_reason", why, &err);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: lfh status [--json]\n\n"
		   "Show this node (agency, hub, events held, equivocation evidence) and each\n"
		   "peer: connected or not, replication cursor, events missing from it\n"
		   "(gaps being fetched), how long ago it last had nothing more for us\n"
		   "(SYNCED: the replication lag), and what arrived from it.\n\n"
		   "The first line is the node's health, as a monitoring check (Nagios,\n"
		   "Icinga) reads it: \"LFH OK - serving\", or WARNING or CRITICAL and why:\n"
		   "a peer not reached for longer than peer_stale_after, events missing,\n"
		   "keys or the ISA's review within expiry_warn_days (lfhd.conf), ...;\n"
		   "WARNING too when lfhd.conf does not load (the next start would fail;\n"
		   "with --json, said in config_error).\n\n"
		   "exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the node did not\n"
		   "answer, or refused the request, or an argument was not understood).\n"
		   "With --json: 0 when the node answered (the verdict is in the node's\n"
		   "fields health, health_code and health_reason), 3 when it did not.\n");
}

int status_main(int argc, char **argv)
{
	static const cli_column cols[] = {
		{ "peer", "PEER", 0 },	       { "connected", "UP", 0 }, { "cursor", "CURSOR", 0 },
		{ "missing", "MISSING", 0 },   { "lag", "SYNCED", 0 },   { "stored", "STORED", 0 },
		{ "rejected", "REJECTED", 0 }, { "held", "HELD", 0 },     { "endpoint", "ENDPOINT", 0 },
	};
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	int json = 0, rc;
	char b[32], b2[32];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			/* 3, not 2: a mistyped monitoring check must not read as CRITICAL */
			cli_error("unexpected argument '%s' (see lfh status --help)", argv[i]);
			return STATUS_UNKNOWN;
		}
	}
	lfh_record_set_str(&req, "cmd", "status", &err);
	rc = cli_call(&req, &rep);
	if (rc != 0 || !rep.nrecords) {
		printf("LFH UNKNOWN - no answer from the node (see the message above)\n");
		rc = STATUS_UNKNOWN;
	} else if (json) {
		config_verdict(&rep.records[0]);
		cli_print_json(rep.records, rep.nrecords, 1);
	} else {
		const lfh_record *n = &rep.records[0];
		rc = health_line(n);
		printf("agency   %s\n", cli_field(n, "agency", b, sizeof b));
		printf("hub      %s (%.16s)\n", cli_field(n, "hub", b, sizeof b),
		       lfh_record_str(n, "hub_id") ? lfh_record_str(n, "hub_id") : "");
		printf("events   %s held, %s written here\n", cli_field(n, "events", b, sizeof b),
		       cli_field(n, "authored", b2, sizeof b2));
		if (lfh_record_str(n, "isa_review"))
			printf("ISA      version %s, review due %s\n", cli_field(n, "isa_version", b, sizeof b),
			       lfh_record_str(n, "isa_review"));
		if (lfh_record_str(n, "key_expires"))
			printf("keys     generation %s, expires %s\n",
			       cli_field(n, "key_generation", b, sizeof b), lfh_record_str(n, "key_expires"));
		if (lfh_record_str(n, "recovery"))
			printf("WARNING  %s\n", lfh_record_str(n, "recovery"));
		if (lfh_record_str(n, "warning"))
			printf("WARNING  %s\n", lfh_record_str(n, "warning"));
		if (lfh_record_str(n, "key_warning"))
			printf("WARNING  %s\n", lfh_record_str(n, "key_warning"));
		if (lfh_record_str(n, "peer_key_warning"))
			printf("WARNING  %s\n", lfh_record_str(n, "peer_key_warning"));
		if (strcmp(cli_field(n, "evidence", b, sizeof b), "0"))
			printf("WARNING  %s equivocation evidence records (see logs)\n", b);
		putchar('\n');
		cli_print_table(rep.records + 1, rep.nrecords - 1, cols, sizeof cols / sizeof cols[0]);
	}
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
	return rc;
}
