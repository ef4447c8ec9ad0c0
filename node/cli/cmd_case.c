/* cmd_case.c - `lfh case list|show|note`: read cases and add to them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lfh case list [--json]\n"
		"       lfh case show CASE [--json]\n"
		"       lfh case note CASE --text TEXT [--category NAME] [--on WHEN] [--json]\n"
		"       lfh case search TEXT [--json]\n"
		"       lfh case invite CASE AGENCY [--json]\n"
		"       lfh case remove CASE AGENCY --reason TEXT [--json]\n"
		"       lfh case close CASE [--reason TEXT] [--json]\n"
		"\n"
		"  list   cases this node holds, with lead agency, risk and summary\n"
		"  show   one case and its timeline: who, which agency, when, what\n"
		"  note   add a note, shared with every agency the referral went to (with\n"
		"         an ISA: with the agencies its rule for --category allows;\n"
		"         default category: referral); --on: when it happened, YYYY-MM-DD\n"
		"         or YYYY-MM-DDTHH:MM local time ($LFH_TZ, default Europe/London)\n"
		"  search cases whose subject, location or any text this node can read\n"
		"         contains TEXT (case-insensitive)\n"
		"  invite make AGENCY a participant: it receives the case's earlier events\n"
		"         of the categories the ISA lets it see, and later ones\n"
		"  remove (lead agency, managers) AGENCY no longer takes part: it gets none\n"
		"         of the case's later events, and every participant moves to new\n"
		"         sharing keys it never receives; what it holds stays until retention\n"
		"  close  close the case after a closure review: retention periods start\n"
		"  state  the case's OSARA state: stage, lead, risk, objective, actions\n"
		"\nOSARA steps (lfh case STEP --help for each):\n");
	osara_steps_usage(f);
	fprintf(f,
		"\n"
		"CASE is the case id shown by 'lfh case list' (32 hex digits) or a unique\n"
		"prefix of it of at least 8 digits.\n"
		"\n"
		"examples:\n"
		"  lfh case list\n"
		"  lfh case show 3f2a9c1d\n"
		"  lfh case note 3f2a9c1d --text 'Tenancy warning served'\n"
		"  lfh case note 3f2a9c1d --category health --text 'Engaging with Recovery Steps'\n"
		"  lfh case search 'Castle Street'\n"
		"  lfh case invite 3f2a9c1d probation\n"
		"  lfh case remove 3f2a9c1d probation --reason 'No longer involved'\n"
		"  lfh case close 3f2a9c1d --reason 'No further reports in 3 months'\n");
}

/* Split argv into flags we know and positional arguments; 2 on bad usage. */
typedef struct case_opts {
	const char *text, *category, *reason;
	char on[18];
} case_opts;

static int parse(int argc, char **argv, int *json, const char **pos, int maxpos, int *npos,
		 case_opts *o)
{
	*npos = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			*json = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return -1;
		} else if (o && !strcmp(argv[i], "--text") && i + 1 < argc) {
			o->text = argv[++i];
		} else if (o && !strcmp(argv[i], "--category") && i + 1 < argc) {
			o->category = argv[++i];
		} else if (o && !strcmp(argv[i], "--reason") && i + 1 < argc) {
			o->reason = argv[++i];
		} else if (o && !strcmp(argv[i], "--on") && i + 1 < argc) {
			if (cli_on_value(argv[++i], o->on))
				return 2;
		} else if (argv[i][0] == '-') {
			cli_error("unknown option %s (see lfh case --help)", argv[i]);
			return 2;
		} else if (*npos < maxpos) {
			pos[(*npos)++] = argv[i];
		} else {
			cli_error("unexpected argument '%s' (see lfh case --help)", argv[i]);
			return 2;
		}
	}
	return 0;
}

/* Set an optional string field; 2 (bad usage) if the value is refused. */
static int opt_field(lfh_record *req, const char *key, const char *val)
{
	lfh_err err = { 0 };
	if (val && lfh_record_set_str(req, key, val, &err)) {
		cli_error("%s: %s", key, err.msg);
		return 2;
	}
	return 0;
}

static int call(const char *cmd, const char *case_id, const case_opts *o, const char *agency,
		lfh_reply *rep)
{
	lfh_record req = { 0 };
	lfh_err err = { 0 };
	int rc;

	lfh_record_set_str(&req, "cmd", cmd, &err);
	if (opt_field(&req, "case", case_id) || opt_field(&req, "agency", agency) ||
	    (o && (opt_field(&req, "text", o->text) || opt_field(&req, "category", o->category) ||
		   opt_field(&req, "reason", o->reason) ||
		   opt_field(&req, "on", o->on[0] ? o->on : NULL)))) {
		lfh_record_clear(&req);
		return 2;
	}
	rc = cli_call(&req, rep);
	lfh_record_clear(&req);
	return rc;
}

static int case_list(int argc, char **argv)
{
	static const cli_column cols[] = {
		{ "case", "CASE", 32 },     { "lead", "LEAD", 0 },	     { "risk", "RISK", 0 },
		{ "asb_category", "CATEGORY", 16 }, { "events", "EVENTS", 0 },
		{ "updated", "UPDATED", 0 }, { "summary", "SUMMARY", 50 },
	};
	const char *pos[1];
	int json = 0, npos, rc = parse(argc, argv, &json, pos, 0, &npos, NULL);
	lfh_reply rep = { 0 };
	lfh_record req = { 0 };
	lfh_err err = { 0 };

	if (rc)
		return rc < 0 ? 0 : rc;
	lfh_record_set_str(&req, "cmd", "case_list", &err);
	rc = cli_call_pages(&req, &rep);
	lfh_record_clear(&req);
	if (rc == 0 && json)
		cli_print_json(rep.records, rep.nrecords, 1);
	else if (rc == 0 && rep.nrecords == 0)
		puts("no cases held at this node");
	else if (rc == 0)
		cli_print_table(rep.records, rep.nrecords, cols, sizeof cols / sizeof cols[0]);
	lfh_reply_clear(&rep);
	return rc;
}

/* One line for an OSARA step without a text field (risk, meeting, ...). */
static const char *step_summary(const lfh_record *e, char *buf, size_t size)
{
	static const char *keys[] = { "responses", "reason", "lead", "proposal" };
	const char *level = lfh_record_str(e, "level");
	if (level) {
		snprintf(buf, size, "risk %s", level);
		return buf;
	}
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (lfh_record_str(e, keys[i]))
			return lfh_record_str(e, keys[i]);
	return "";
}

static uint64_t rec_u(const lfh_record *r, const char *key)
{
	uint64_t v = 0;
	lfh_record_uint(r, key, &v);
	return v;
}

/* Timeline entries by when they happened, then by when they were recorded. */
static int by_on(const void *pa, const void *pb)
{
	const lfh_record *a = pa, *b = pb;
	uint64_t x = rec_u(a, "on_ms"), y = rec_u(b, "on_ms");

	if (x != y)
		return x < y ? -1 : 1;
	x = rec_u(a, "hlc");
	y = rec_u(b, "hlc");
	return x < y ? -1 : x > y;
}

/* An action or its update in words: who was tasked, or what came of it. */
static int action_words(const lfh_record *e, const char *type)
{
	const char *f[] = { "action", "agency", "signpost", "power", "due", "status", "resume",
			    "refusal", "who", "by", "text" };
	const char *v[sizeof f / sizeof f[0]];

	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		v[i] = lfh_record_str(e, f[i]) ? lfh_record_str(e, f[i]) : "";
	if (!strcmp(type, "action")) {
		printf(" by %s: action %s %s%s [%s] due %s: %s", v[9], v[0],
		       *v[2] ? "signposted to " : "for ", *v[2] ? v[2] : v[1], v[3], v[4], v[10]);
		return 1;
	}
	if (strcmp(type, "action-update"))
		return 0;
	if (!strcmp(v[5], "paused"))
		printf(" by %s: action %s paused until %s: %s", v[9], v[0], v[6], v[10]);
	else if (!strcmp(v[5], "refused"))
		printf(" by %s: action %s %s%s%s: %s", v[9], v[0],
		       !strcmp(v[7], "not-engaged") ? "offered, not engaged with" : "offered and refused",
		       *v[8] ? " by " : "", v[8], v[10]);
	else if (!strcmp(v[5], "carried"))
		printf(" by %s: action %s carried over: %s", v[9], v[0], v[10]);
	else
		printf(" by %s: action %s %s: %s", v[9], v[0], v[5], v[10]);
	return 1;
}

/* Human timeline: one block per event, in the order things happened. */
static void print_timeline(const lfh_reply *rep)
{
	const lfh_record *c = &rep->records[0];
	char b[32], b2[32], b3[32];
	printf("case     %s\nlead     %s\nrisk     %s\ncategory %s\nlocation %s\nsummary  %s\n",
	       cli_field(c, "case", b, sizeof b), cli_field(c, "lead", b, sizeof b),
	       cli_field(c, "risk", b, sizeof b), cli_field(c, "asb_category", b, sizeof b),
	       cli_field(c, "location", b, sizeof b), cli_field(c, "summary", b, sizeof b));
	if (*cli_field(c, "participants", b, sizeof b))
		printf("parties  %s\n", cli_field(c, "participants", b, sizeof b));
	if (*cli_field(c, "closed", b, sizeof b))
		printf("closed   %s\n", cli_field(c, "closed", b, sizeof b));
	if (strcmp(cli_field(c, "readable", b, sizeof b), "yes"))
		printf("NOTE     %s\n", cli_field(c, "readable", b, sizeof b));
	if (*cli_field(c, "description", b, sizeof b))
		printf("\n%s\n", cli_field(c, "description", b, sizeof b));
	printf("\ntimeline:\n");
	for (size_t i = 1; i < rep->nrecords; i++) {
		const lfh_record *e = &rep->records[i];
		const char *type = cli_field(e, "type", b, sizeof b);
		const char *on = lfh_record_str(e, "on"), *team = lfh_record_str(e, "team");
		char who[2 * 64 + 2];
		snprintf(who, sizeof who, "%s%s%s", cli_field(e, "author", b3, sizeof b3),
			 team ? "/" : "", team ? team : "");
		printf("  %-20s %-13s %-16s", on ? on : cli_field(e, "time", b2, sizeof b2), type, who);
		if (!strcmp(type, "key"))
			printf(" sharing key granted to %s", cli_field(e, "recipients", b, sizeof b));
		else if (!strcmp(type, "join"))
			printf(" by %s: %s joins the case", cli_field(e, "by", b, sizeof b),
			       cli_field(e, "agency", b2, sizeof b2));
		else if (!strcmp(type, "leave"))
			printf(" by %s: %s no longer takes part: %s", cli_field(e, "by", b, sizeof b),
			       cli_field(e, "agency", b2, sizeof b2), cli_field(e, "reason", b3, sizeof b3));
		else if (!strcmp(type, "close"))
			printf(" by %s: case closed %s", cli_field(e, "by", b, sizeof b),
			       cli_field(e, "reason", b2, sizeof b2));
		else if (*cli_field(e, "readable", b, sizeof b))
			printf(" [%s]", cli_field(e, "readable", b, sizeof b));
		else if (!strcmp(type, "referral"))
			printf(" by %s: referral shared with %s", cli_field(e, "by", b, sizeof b),
			       cli_field(e, "recipients", b, sizeof b));
		else if (action_words(e, type))
			;
		else if (!*cli_field(e, "text", b2, sizeof b2))
			printf(" by %s: %s", cli_field(e, "by", b, sizeof b), step_summary(e, b2, sizeof b2));
		else if (strcmp(cli_field(e, "category", b2, sizeof b2), "referral"))
			printf(" by %s [%s]: %s", cli_field(e, "by", b, sizeof b),
			       cli_field(e, "category", b2, sizeof b2), cli_field(e, "text", b, sizeof b));
		else
			printf(" by %s: %s", cli_field(e, "by", b, sizeof b),
			       cli_field(e, "text", b2, sizeof b2));
		if (on)
			printf(" (recorded %s)", cli_field(e, "time", b2, sizeof b2));
		putchar('\n');
	}
}

static int case_show(int argc, char **argv)
{
	const char *pos[1];
	int json = 0, npos, rc = parse(argc, argv, &json, pos, 1, &npos, NULL);
	lfh_reply rep = { 0 };
	lfh_record req = { 0 };
	lfh_err err = { 0 };

	if (rc)
		return rc < 0 ? 0 : rc;
	if (npos != 1) {
		cli_error("which case? usage: lfh case show CASE");
		return 2;
	}
	lfh_record_set_str(&req, "cmd", "case_show", &err);
	if (lfh_record_set_str(&req, "case", pos[0], &err)) {
		cli_error("%s", err.msg);
		return 2;
	}
	rc = cli_call_pages(&req, &rep); /* a long timeline comes in pages */
	lfh_record_clear(&req);
	if (rc == 0 && rep.nrecords > 2)
		qsort(rep.records + 1, rep.nrecords - 1, sizeof rep.records[0], by_on);
	if (rc == 0 && json)
		cli_print_json(rep.records, rep.nrecords, 1);
	else if (rc == 0 && rep.nrecords)
		print_timeline(&rep);
	lfh_reply_clear(&rep);
	return rc;
}

/* Print {case, event} of a write as one line or JSON. */
static void print_written(const lfh_reply *rep, int json, const char *what)
{
	if (json)
		cli_print_json(rep->records, rep->nrecords, 0);
	else if (rep->nrecords)
		printf("%s case %s (event %s)\n", what, lfh_record_str(&rep->records[0], "case"),
		       lfh_record_str(&rep->records[0], "event"));
}

static int case_note(int argc, char **argv)
{
	const char *pos[1];
	case_opts o = { 0 };
	int json = 0, npos, rc = parse(argc, argv, &json, pos, 1, &npos, &o);
	lfh_reply rep = { 0 };

	if (rc)
		return rc < 0 ? 0 : rc;
	if (npos != 1 || !o.text) {
		cli_error("usage: lfh case note CASE --text TEXT [--category NAME]");
		return 2;
	}
	rc = call("note_add", pos[0], &o, NULL, &rep);
	if (rc == 0)
		print_written(&rep, json, "added note to");
	lfh_reply_clear(&rep);
	return rc;
}

/* A governance write about a case: invite, remove, close. */
typedef struct gov_cmd {
	const char *cmd, *usage, *done;
	int with_agency;  /* CASE AGENCY, else CASE */
	int reason;       /* 0: no --reason, 1: optional, 2: required */
} gov_cmd;

static const gov_cmd gov_invite = { "case_invite", "lfh case invite CASE AGENCY", "invited to", 1, 0 };
static const gov_cmd gov_remove = { "case_remove", "lfh case remove CASE AGENCY --reason TEXT",
				    "removed from", 1, 2 };
static const gov_cmd gov_close = { "case_close", "lfh case close CASE [--reason TEXT]", "closed", 0, 1 };

static int case_gov(int argc, char **argv, const gov_cmd *g)
{
	const char *pos[2];
	case_opts o = { 0 };
	int want = g->with_agency ? 2 : 1, json = 0, npos;
	int rc = parse(argc, argv, &json, pos, want, &npos, g->reason ? &o : NULL);
	lfh_reply rep = { 0 };

	if (rc)
		return rc < 0 ? 0 : rc;
	if (npos != want || (g->reason == 2 && !o.reason)) {
		cli_error("usage: %s", g->usage);
		return 2;
	}
	rc = call(g->cmd, pos[0], &o, g->with_agency ? pos[1] : NULL, &rep);
	if (rc == 0)
		print_written(&rep, json, g->done);
	lfh_reply_clear(&rep);
	return rc;
}

static int case_search(int argc, char **argv)
{
	static const cli_column cols[] = {
		{ "case", "CASE", 32 },	 { "lead", "LEAD", 0 },	 { "risk", "RISK", 0 },
		{ "summary", "SUMMARY", 40 }, { "match_field", "FOUND IN", 0 }, { "match", "MATCH", 40 },
	};
	const char *pos[1];
	int json = 0, npos, rc = parse(argc, argv, &json, pos, 1, &npos, NULL);
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };

	if (rc)
		return rc < 0 ? 0 : rc;
	if (npos != 1) {
		cli_error("what to search for? usage: lfh case search TEXT");
		return 2;
	}
	lfh_record_set_str(&req, "cmd", "case_search", &err);
	if (opt_field(&req, "query", pos[0])) {
		lfh_record_clear(&req);
		return 2;
	}
	rc = cli_call(&req, &rep);
	if (rc == 0 && json)
		cli_print_json(rep.records, rep.nrecords, 1);
	else if (rc == 0 && rep.nrecords == 0)
		puts("no case held here matches");
	else if (rc == 0)
		cli_print_table(rep.records, rep.nrecords, cols, sizeof cols / sizeof cols[0]);
	if (rc == 0 && rep.message[0])
		fprintf(stderr, "lfh: %s\n", rep.message);
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
	return rc;
}

int case_main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "list"))
		return case_list(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "show"))
		return case_show(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "note"))
		return case_note(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "search"))
		return case_search(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "state"))
		return osara_state_main(argc - 1, argv + 1);
	if (argc >= 2 && find_step(argv[1]))
		return osara_step_main(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "invite"))
		return case_gov(argc - 1, argv + 1, &gov_invite);
	if (argc >= 2 && !strcmp(argv[1], "close"))
		return case_gov(argc - 1, argv + 1, &gov_close);
	if (argc >= 2 && !strcmp(argv[1], "remove"))
		return case_gov(argc - 1, argv + 1, &gov_remove);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
