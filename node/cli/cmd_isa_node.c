/*
 * cmd_isa_node.c - the `lfh isa` commands that ask the local node:
 *
 *   lfh isa show [--json]          the version in force here, in plain words,
 *                                  and pending proposals with their signatures
 *   lfh isa propose FILE [--json]  propose FILE as the next version to every party
 *   lfh isa sign FILE [--json]     sign that version for this agency
 *   lfh isa adopt [--json]         report whether a proposal can take effect
 *   lfh isa explain CASE [--json]  per category: which agencies hold it, and why
 *   lfh isa retention [--json]     apply the retention rules now (lfhd also
 *                                  does so every few seconds)
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"

/* Parse "[ARG] [--json]"; need_arg: 1 one positional required, 0 none. */
static int args(int argc, char **argv, int need_arg, const char **arg, int *json)
{
	*arg = NULL;
	*json = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			*json = 1;
		else if (argv[i][0] == '-' || *arg || !need_arg) {
			cli_error("isa %s: unexpected argument '%s' (see lfh isa --help)", argv[0], argv[i]);
			return 2;
		} else
			*arg = argv[i];
	}
	if (need_arg && !*arg) {
		cli_error("isa %s: missing argument (see lfh isa --help)", argv[0]);
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
			return rc;
		return run("isa_show", NULL, NULL, json, 1, print_show);
	}
	if (!strcmp(argv[0], "adopt")) {
		if ((rc = args(argc, argv, 0, &arg, &json)))
			return rc;
		return run("isa_show", NULL, NULL, json, 1, print_show);
	}
	if (!strcmp(argv[0], "retention")) {
		if ((rc = args(argc, argv, 0, &arg, &json)))
			return rc;
		return run("retention_run", NULL, NULL, json, 0, print_retention);
	}
	if ((rc = args(argc, argv, 1, &arg, &json)))
		return rc;
	if (!strcmp(argv[0], "propose"))
		return node_file("isa_propose", arg, json);
	if (!strcmp(argv[0], "sign"))
		return node_file("isa_sign", arg, json);
	if (!strcmp(argv[0], "explain"))
		return run("isa_explain", "case", arg, json, 1, print_explain);
	cli_error("isa: unknown command '%s'", argv[0]);
	return 2;
}
