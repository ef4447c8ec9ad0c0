/*
 * cmd_case_fix.c - correcting a case's record: `lfh case amend`, `lfh case
 * redact` and `lfh case reopen` (node commands case_amend, case_redact,
 * case_reopen; the AMEND, REDACT and REOPEN steps of include/lfh/osara.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"

typedef struct fix_cmd {
	const char *verb, *cmd, *field, *usage, *help, *done;
	int takes_event; /* [CASE] EVENT, else CASE */
} fix_cmd;

static const fix_cmd fixes[] = {
	{ "amend", "case_amend", "text", "lfh case amend [CASE] EVENT --text TEXT [--on WHEN] [--json]",
	  "Correct an entry your agency wrote: views show the correction in place of its\n"
	  "text, marked as amended; the original stays in the case's history and the\n"
	  "audit. EVENT is the entry's id (64 hex digits), or with CASE 8 or more of\n"
	  "its first digits, as 'lfh case show' prints them ([ev 1a2b3c4d]).\n",
	  "amended entry of" , 1 },
	{ "redact", "case_redact", "reason", "lfh case redact [CASE] EVENT --reason TEXT [--json]",
	  "(Lead agency; manager role.) Take an entry out of views and exports, e.g.\n"
	  "third-party data; views say it was redacted, by whom and why.\n",
	  "redacted an entry of", 1 },
	{ "reopen", "case_reopen", "reason", "lfh case reopen CASE --reason TEXT [--json]",
	  "(Lead agency; manager role.) Reopen a closed case by agreement: it takes\n"
	  "work again from the stage before its closure was proposed, its retention\n"
	  "clocks stop, and reports count the reopening. Give the agreement as the reason.\n",
	  "reopened", 0 },
};

static const fix_cmd *find_fix(const char *verb)
{
	for (size_t i = 0; i < sizeof fixes / sizeof fixes[0]; i++)
		if (!strcmp(fixes[i].verb, verb))
			return &fixes[i];
	return NULL;
}

int case_fix_known(const char *verb)
{
	return find_fix(verb) != NULL;
}

void case_fix_usage(FILE *f)
{
	for (size_t i = 0; i < sizeof fixes / sizeof fixes[0]; i++)
		fprintf(f, "       %s\n", fixes[i].usage);
}

int case_fix_main(int argc, char **argv)
{
	const fix_cmd *c = find_fix(argv[0]);
	const char *pos[2] = { NULL, NULL }, *value = NULL;
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	char on[18] = "";
	int json = 0, npos = 0, rc = 0;
	char flag[16], cmd[40];

	snprintf(flag, sizeof flag, "--%s", c->field);
	snprintf(cmd, sizeof cmd, "case %s", c->verb);
	for (int i = 1; i < argc && rc == 0; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: %s\n\n%s", c->usage, c->help);
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], flag) && i + 1 < argc) {
			if (!(rc = cli_given_twice(value != NULL, flag, cmd)))
				value = argv[++i];
		} else if (!strcmp(argv[i], "--on") && i + 1 < argc && !strcmp(c->verb, "amend")) {
			if (cli_given_twice(on[0] != '\0', "--on", cmd) || cli_on_value(argv[++i], on))
				rc = 2;
		} else if (argv[i][0] != '-' && npos < 2) {
			pos[npos++] = argv[i];
		} else {
			cli_error("unexpected argument '%s' (see lfh case %s --help)", argv[i], c->verb);
			rc = 2;
		}
	}
	if (rc == 0 && (!value || npos < 1 || (!c->takes_event && npos != 1))) {
		cli_error("usage: %s", c->usage);
		rc = 2;
	}
	if (rc == 0) {
		lfh_record_set_str(&req, "cmd", c->cmd, &err);
		if (c->takes_event && npos == 2)
			lfh_record_set_str(&req, "case", pos[0], &err);
		if (lfh_record_set_str(&req, c->takes_event ? "event" : "case", pos[npos - 1], &err) ||
		    lfh_record_set_str(&req, c->field, value, &err) ||
		    (on[0] && lfh_record_set_str(&req, "on", on, &err))) {
			cli_error("%s", err.msg);
			rc = 2;
		}
	}
	if (rc == 0)
		rc = cli_call(&req, &rep);
	if (rc == 0 && json)
		cli_print_json(rep.records, rep.nrecords, 0);
	else if (rc == 0 && rep.nrecords)
		printf("%s case %s (event %s)\n", c->done, lfh_record_str(&rep.records[0], "case"),
		       lfh_record_str(&rep.records[0], "event"));
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
	return rc;
}
