/*
 * cmd_osara.c - the OSARA steps of a case, table-driven like wireguard-tools'
 * subcommands: `lfh case STEP CASE --field value ...`, plus `lfh case state`,
 * `lfh due` and `lfh actions --mine`. The node checks every step against the
 * case's state and refuses invalid transitions with a clear message.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"

typedef struct step_field {
	const char *flag; /* --flag */
	const char *key;  /* record key */
	int required;
	const char *help;
} step_field;

typedef struct step_def {
	const char *verb; /* lfh case VERB */
	const char *step; /* node step name */
	const char *help;
	step_field fields[8];
	const char *example;
} step_def;

static const step_def steps[] = {
	{ "risk", "risk", "record the risk assessment (the node scores the answers against its\n"
	  "questionnaire (lfhd.conf: risk = FILE); an override needs a reason)",
	  { { "score", "score", 0, "questionnaire score (the node computes it from the answers; without\n"
	      "                     a questionnaire: 0-9 standard, 10-19 medium, 20+ high)" },
	    { "level", "level", 0, "standard | medium | high (default: the score's level)" },
	    { "answers", "answers", 0, "the questionnaire answers, e.g. 'repeat=yes;vulnerable=yes'\n"
	      "                     (needed where the node has a questionnaire; without one\n"
	      "                     the score alone, recorded as questionnaire=none)" },
	    { "override", "override", 0, "why the level differs from the score's (professional judgement)" } },
	  "lfh case risk 3f2a9c1d --answers 'repeat=yes;vulnerable=yes;...'" },
	{ "objective", "objective", "set the case's objective (OSARA: O)",
	  { { "text", "text", 1, "what the hub wants to achieve" } },
	  "lfh case objective 3f2a9c1d --text 'Stop the drug dealing from the flat'" },
	{ "scan", "scanning", "record the hub coordinator's scanning (OSARA: S)\n"
	  "(once users are registered, the coordinator role)",
	  { { "text", "text", 1, "the problem as scanned: repeat calls, victims, location" } },
	  "lfh case scan 3f2a9c1d --text '11 calls in 3 months, 4 households affected'" },
	{ "meeting", "meeting", "record a case meeting: analysis (OSARA: A) and agreed responses",
	  { { "date", "date", 1, "YYYY-MM-DD" },
	    { "attendees", "attendees", 1, "agencies present, comma-separated" },
	    { "victim", "victim", 1, "problem analysis triangle: victim" },
	    { "offender", "offender", 1, "problem analysis triangle: offender" },
	    { "location", "location", 1, "problem analysis triangle: location" },
	    { "responses", "responses", 1, "the responses agreed (OSARA: R)" } },
	  "lfh case meeting 3f2a9c1d --date 2026-12-01 --attendees police,housing --victim 'Neighbours at no. 4'\n"
	  "      --offender 'Tenant and visitors' --location 'Flat 2' --responses 'Warrant; tenancy action'" },
	{ "action", "action", "task an agency taking part in the case with an action, or signpost an\n"
	  "organisation outside the hub (the lead follows it up)",
	  { { "agency", "agency", 0, "the agency that does it: a participant of the case (see --invite)" },
	    { "signpost", "signpost", 0, "instead of --agency: an organisation outside the hub" },
	    { "for-team", "for_team", 0, "the team of that agency it is for (e.g. homelessness)" },
	    { "power", "power", 1, "intervention power: arrest, cbo, cpw, cpn, closure-notice, closure-order, injunction, possession, eviction, tenancy-warning, mediation, warrant, summons, community-resolution, env-health, licensing, signposting, support-referral, other" },
	    { "text", "text", 1, "what is to be done" },
	    { "due", "due", 1, "YYYY-MM-DD" } },
	  "lfh case action 3f2a9c1d --agency housing --power tenancy-warning --text 'Serve warning' --due 2026-12-08\n"
	  "  lfh case action 3f2a9c1d --agency health --invite --power support-referral --text 'Assess' --due 2026-12-20\n"
	  "  lfh case action 3f2a9c1d --signpost 'Recovery Steps' --power signposting --text 'Refer' --due 2026-12-20" },
	{ "update", "action-update", "record an action's outcome: open (progress so far), paused, done,\n"
	  "cancelled, refused (offered and refused, or not engaged with) or carried (over\n"
	  "beyond the case's closure). Written by the agency tasked with it, the agency\n"
	  "that tasked it or the lead (a signposted action's: any agency taking part)",
	  { { "action", "action", 1, "the action id shown by 'lfh case state'" },
	    { "status", "status", 1, "open | paused | done | cancelled | refused | carried" },
	    { "text", "text", 1, "what happened (for paused, refused, carried: the reason)" },
	    { "resume", "resume", 0, "paused: the date it resumes, YYYY-MM-DD (not due before it)" },
	    { "refusal", "refusal", 0, "refused: refused (default) | not-engaged" },
	    { "who", "who", 0, "refused: who refused (e.g. 'the tenant')" } },
	  "lfh case update 3f2a9c1d --action 0a1b2c3d --status done --text 'Warning served'\n"
	  "  lfh case update 3f2a9c1d --action 0a1b2c3d --status paused --resume 2027-01-15 --text 'Good behaviour'\n"
	  "  lfh case update 3f2a9c1d --action 0a1b2c3d --status refused --who 'the tenant' --on 2026-12-03 --text 'Declined support'" },
	{ "assess", "assessment", "record the assessment (OSARA: A): was the plan carried out, did the problem stop",
	  { { "plan-done", "plan_done", 1, "yes | partly | no" },
	    { "problem-stopped", "problem_stopped", 1, "yes | partly | no" },
	    { "text", "text", 1, "the evidence" } },
	  "lfh case assess 3f2a9c1d --plan-done yes --problem-stopped yes --text 'No calls since'" },
	{ "review", "review", "record a monthly or closure review\n"
	  "(once users are registered, the coordinator role)",
	  { { "kind", "kind", 1, "monthly | closure" },
	    { "outcome", "outcome", 1, "continue | close" },
	    { "text", "text", 1, "the review's findings" } },
	  "lfh case review 3f2a9c1d --kind monthly --outcome continue --text 'Actions on track'" },
	{ "propose-close", "close-propose", "propose closing the case (a closure review must follow)\n"
	  "(once users are registered, the coordinator role)",
	  { { "reason", "reason", 1, "why the case can close" } },
	  "lfh case propose-close 3f2a9c1d --reason 'Problem resolved'" },
	{ "propose-lead", "lead-propose", "propose another lead agency (every participant must agree)",
	  { { "lead", "lead", 1, "the proposed lead agency" } },
	  "lfh case propose-lead 3f2a9c1d --lead housing" },
	{ "agree-lead", "lead-agree", "agree, for your agency, to a proposed lead change",
	  { { "proposal", "proposal", 1, "the proposal's event id, or 8 or more of its first digits\n"
	      "                     (lfh case show prints them: [ev 3f2a9c1d])" } },
	  "lfh case agree-lead 3f2a9c1d --proposal 9be04c2a" },
	{ "equality", "equality", "record equality, diversity and inclusion considerations and consent",
	  { { "text", "text", 1, "what was considered" },
	    { "consent", "consent", 1, "given | refused | not-sought" } },
	  "lfh case equality 3f2a9c1d --text 'Interpreter needed' --consent given" },
};
#define NSTEPS (sizeof steps / sizeof steps[0])

const step_def *find_step(const char *verb)
{
	for (size_t i = 0; i < NSTEPS; i++)
		if (!strcmp(steps[i].verb, verb))
			return &steps[i];
	return NULL;
}

static int is_action(const step_def *s)
{
	return !strcmp(s->step, "action");
}

static void step_usage(FILE *f, const step_def *s)
{
	fprintf(f, "usage: lfh case %s CASE", s->verb);
	for (size_t i = 0; i < 8 && s->fields[i].flag; i++)
		fprintf(f, s->fields[i].required ? " --%s X" : " [--%s X]", s->fields[i].flag);
	fprintf(f, "%s [--on WHEN] [--json]\n\n%s.\n\n", is_action(s) ? " [--invite]" : "",
		s->help);
	for (size_t i = 0; i < 8 && s->fields[i].flag; i++)
		fprintf(f, "  --%-16s %s\n", s->fields[i].flag, s->fields[i].help);
	if (is_action(s))
		fprintf(f, "  --%-16s %s\n", "invite", "invite --agency into the case first (lead only)");
	fprintf(f, "  --%-16s %s\n", "on WHEN", "when it happened: YYYY-MM-DD, or YYYY-MM-DDTHH:MM local time\n"
		"                     ($LFH_TZ, default Europe/London); default now. Never in the future");
	fprintf(f, "\nexample:\n  %s\n", s->example);
}

/* --invite: the lead invites the action's agency into the case, then tasks it. */
static int invite_first(const char *case_id, const char *agency, int json)
{
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	int rc;

	if (!agency) {
		cli_error("--invite needs --agency (the agency to invite and task)");
		return 2;
	}
	lfh_record_set_str(&req, "cmd", "case_invite", &err);
	lfh_record_set_str(&req, "case", case_id, &err);
	lfh_record_set_str(&req, "agency", agency, &err);
	rc = cli_call(&req, &rep);
	if (rc == 0 && !json) /* with --json, stdout holds the step's JSON alone */
		printf("invited %s to case %s\n", agency, case_id);
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
	return rc;
}

/* After a closure review: the actions still to account for before the case may close. */
static void closure_remaining(const char *case_id)
{
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	size_t n = 0;

	lfh_record_set_str(&req, "cmd", "case_state", &err);
	lfh_record_set_str(&req, "case", case_id, &err);
	if (cli_call(&req, &rep) == 0)
		for (size_t i = 1; i < rep.nrecords; i++) {
			const char *st = lfh_record_str(&rep.records[i], "status");
			if (!st || (strcmp(st, "open") && strcmp(st, "paused")))
				continue;
			if (!n++)
				puts("still to account for before the case may close (done, cancelled, "
				     "refused or carried):");
			printf("  %s  %-8s %-12s %s\n", lfh_record_str(&rep.records[i], "action"), st,
			       lfh_record_str(&rep.records[i], "agency"),
			       lfh_record_str(&rep.records[i], "text"));
		}
	if (rep.nrecords && !n)
		puts("every action is accounted for");
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
}

void osara_steps_usage(FILE *f)
{
	for (size_t i = 0; i < NSTEPS; i++)
		fprintf(f, "  %-14s %s\n", steps[i].verb, steps[i].help);
}

int osara_step_main(int argc, char **argv)
{
	const step_def *s = find_step(argv[0]);
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	const char *case_id = NULL;
	char on[18], cmd[40];
	int json = 0, invite = 0, rc = 0;

	snprintf(cmd, sizeof cmd, "case %s", s->verb);
	for (int i = 1; i < argc && rc == 0; i++) {
		const char *a = argv[i];
		size_t k;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			step_usage(stdout, s);
			lfh_record_clear(&req);
			return 0;
		}
		if (!strcmp(a, "--json")) {
			json = 1;
			continue;
		}
		if (!strcmp(a, "--invite") && is_action(s)) {
			invite = 1;
			continue;
		}
		if (!strcmp(a, "--on") && i + 1 < argc) {
			if (cli_given_twice(lfh_record_str(&req, "on") != NULL, a, cmd) ||
			    cli_on_value(argv[++i], on) || lfh_record_set_str(&req, "on", on, &err))
				rc = 2;
			continue;
		}
		if (a[0] != '-') {
			if (case_id) {
				cli_error("unexpected argument '%s' (see lfh case %s --help)", a, s->verb);
				rc = 2;
			}
			case_id = a;
			continue;
		}
		for (k = 0; k < 8 && s->fields[k].flag; k++)
			if (!strncmp(a, "--", 2) && !strcmp(a + 2, s->fields[k].flag))
				break;
		if (k == 8 || !s->fields[k].flag || i + 1 >= argc) {
			cli_error("%s: unknown option or missing value (see lfh case %s --help)", a, s->verb);
			rc = 2;
		} else if (cli_given_twice(lfh_record_str(&req, s->fields[k].key) != NULL, a, cmd)) {
			rc = 2;
		} else if (lfh_record_set_str(&req, s->fields[k].key, argv[++i], &err)) {
			cli_error("%s: %s", a, err.msg);
			rc = 2;
		}
	}
	for (size_t k = 0; rc == 0 && k < 8 && s->fields[k].flag; k++)
		if (s->fields[k].required && !lfh_record_str(&req, s->fields[k].key)) {
			cli_error("missing --%s (see lfh case %s --help)", s->fields[k].flag, s->verb);
			rc = 2;
		}
	if (rc == 0 && !case_id) {
		cli_error("which case? (see lfh case %s --help)", s->verb);
		rc = 2;
	}
	if (rc == 0 && is_action(s) && !lfh_record_str(&req, "agency") == !lfh_record_str(&req, "signpost")) {
		cli_error("give --agency (a participant) or --signpost (an outside organisation) (see "
			  "lfh case action --help)");
		rc = 2;
	}
	if (rc == 0 && invite)
		rc = invite_first(case_id, lfh_record_str(&req, "agency"), json);
	if (rc == 0) {
		lfh_record_set_str(&req, "cmd", "case_step", &err);
		lfh_record_set_str(&req, "step", s->step, &err);
		lfh_record_set_str(&req, "case", case_id, &err);
		rc = cli_call(&req, &rep);
	}
	if (rc == 0 && json)
		cli_print_json(rep.records, rep.nrecords, 0);
	else if (rc == 0 && rep.nrecords) {
		const char *action = lfh_record_str(&rep.records[0], "action");
		printf("recorded %s on case %s (event %s)", s->verb,
		       lfh_record_str(&rep.records[0], "case"), lfh_record_str(&rep.records[0], "event"));
		printf(action ? "; action id %s\n" : "\n", action);
		if (!strcmp(s->step, "review") && lfh_record_str(&req, "kind") &&
		    !strcmp(lfh_record_str(&req, "kind"), "closure"))
			closure_remaining(case_id);
	}
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
	return rc;
}

/* An action's outcome in words ("paused until ...", "refused by ... on ..."), as field outcome. */
static void action_outcome(lfh_record *a)
{
	const char *st = lfh_record_str(a, "status"), *who = lfh_record_str(a, "who");
	const char *on = lfh_record_str(a, "outcome_on");
	char buf[200] = "";
	lfh_err err = { 0 };

	if (!st)
		return;
	if (!strcmp(st, "paused"))
		snprintf(buf, sizeof buf, "paused until %s", lfh_record_str(a, "resume"));
	else if (!strcmp(st, "refused"))
		snprintf(buf, sizeof buf, "%s%s%.60s%s%.10s",
			 !strcmp(lfh_record_str(a, "refusal") ? lfh_record_str(a, "refusal") : "",
				 "not-engaged") ? "offered, not engaged" : "offered and refused",
			 who && *who ? " by " : "", who ? who : "", on ? " on " : "", on ? on : "");
	else if (!strcmp(st, "carried"))
		snprintf(buf, sizeof buf, "carried over: %.100s", lfh_record_str(a, "last_update"));
	lfh_record_set_str(a, "outcome", buf, &err);
}

/* lfh case state CASE [--json] */
int osara_state_main(int argc, char **argv)
{
	static const cli_column cols[] = {
		{ "action", "ACTION", 0 }, { "agency", "AGENCY", 0 },	 { "signpost", "SIGNPOSTED", 24 },
		{ "power", "POWER", 0 },   { "due", "DUE", 0 },		 { "status", "STATUS", 0 },
		{ "outcome", "OUTCOME", 60 }, { "text", "WHAT", 50 },
	};
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	const char *case_id = NULL;
	int json = 0, rc;
	char b[32];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: lfh case state CASE [--json]\n\nThe case's OSARA state as every node "
			       "holding its events computes it:\nstage, lead, risk, objective, scanning, "
			       "and its actions with their status.\n");
			return 0;
		} else if (!case_id && argv[i][0] != '-')
			case_id = argv[i];
		else {
			cli_error("unexpected argument '%s' (see lfh case state --help)", argv[i]);
			return 2;
		}
	}
	if (!case_id) {
		cli_error("which case? usage: lfh case state CASE");
		return 2;
	}
	lfh_record_set_str(&req, "cmd", "case_state", &err);
	lfh_record_set_str(&req, "case", case_id, &err);
	rc = cli_call(&req, &rep);
	if (rc == 0 && json) {
		cli_print_json(rep.records, rep.nrecords, 1);
	} else if (rc == 0 && rep.nrecords) {
		const lfh_record *s = &rep.records[0];
		printf("case      %s\nstage     %s\nlead      %s\nparties   %s\n",
		       lfh_record_str(s, "case"), lfh_record_str(s, "stage"), lfh_record_str(s, "lead"),
		       lfh_record_str(s, "participants") ? lfh_record_str(s, "participants") : "");
		printf("risk      %s (score %s)\n", lfh_record_str(s, "risk"),
		       cli_field(s, "risk_score", b, sizeof b));
		printf("objective %s\nscanning  %s\n", lfh_record_str(s, "objective"),
		       lfh_record_str(s, "scanning"));
		if (strcmp(cli_field(s, "ignored", b, sizeof b), "0"))
			printf("NOTE      %s steps were out of order and are ignored (see case show)\n", b);
		putchar('\n');
		if (rep.nrecords > 1) {
			for (size_t i = 1; i < rep.nrecords; i++)
				action_outcome(&rep.records[i]);
			cli_print_table(rep.records + 1, rep.nrecords - 1, cols, sizeof cols / sizeof cols[0]);
		}
		else
			puts("no actions yet");
	}
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
	return rc;
}

/* lfh due [--mine] [--json]; lfh actions --mine [--json] */
int due_main(int argc, char **argv)
{
	static const cli_column cols[] = {
		{ "status", "STATUS", 0 }, { "due_date", "DUE", 0 }, { "kind", "KIND", 0 },
		{ "agency", "WHO", 0 },	   { "team", "TEAM", 16 }, { "ref_case", "CASE", 32 },
		{ "what", "WHAT", 60 },
	};
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	int json = 0, mine = !strcmp(argv[0], "actions"), recompute = 0, rc;
	const char *team = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--mine"))
			mine = 1;
		else if (!strcmp(argv[i], "--recompute"))
			recompute = 1;
		else if (!strcmp(argv[i], "--team") && i + 1 < argc)
			team = argv[++i];
		else if (!strcmp(argv[i], "--team")) {
			cli_error("option --team needs a value (see lfh %s --help)", argv[0]);
			return 2;
		}
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: lfh due [--mine] [--team TEAM] [--recompute] [--json]\n"
			       "       lfh actions --mine [--team TEAM] [--recompute] [--json]\n\n"
			       "What is due across the cases held here: open actions (a paused one\n"
			       "only from its resume date), first case meetings (7/14/28 days after\n"
			       "referral for high/medium/standard risk) and monthly reviews, each\n"
			       "on-target, warning (due within 7 days) or overdue. --mine (and\n"
			       "'lfh actions'): only actions tasked to your agency; --team: only\n"
			       "actions tasked to that team (lfh case action --for-team).\n"
			       "Every item is listed: the node answers in pages and lfh asks for\n"
			       "each; --json prints one JSON array of them all. --recompute reads\n"
			       "every case from its events, not from the summary the node keeps of\n"
			       "it (the same answer, slower: a check).\n");
			return 0;
		} else {
			cli_error("unexpected argument '%s' (see lfh due --help)", argv[i]);
			return 2;
		}
	}
	lfh_record_set_str(&req, "cmd", "due", &err);
	if (mine)
		lfh_record_set_str(&req, "mine", "yes", &err);
	if (recompute)
		lfh_record_set_str(&req, "recompute", "yes", &err);
	if (team && lfh_record_set_str(&req, "for_team", team, &err)) {
		cli_error("--team: %s", err.msg);
		lfh_record_clear(&req);
		return 2;
	}
	rc = cli_call_pages(&req, &rep);
	if (rc == 0 && json)
		cli_print_json(rep.records, rep.nrecords, 1);
	else if (rc == 0 && rep.nrecords == 0)
		puts("nothing due");
	else if (rc == 0)
		cli_print_table(rep.records, rep.nrecords, cols, sizeof cols / sizeof cols[0]);
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
	return rc;
}
