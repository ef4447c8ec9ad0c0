/* cmd_case.c - `lfh case list|show|note`: read cases and add to them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"

#define SEARCH_ARGS_MAX 256   /* words taken; the node answers past its own 16 */
#define SEARCH_QUERY_BUF 1024 /* more than the node's 200 characters: it says so */

static const char case_id_help[] =
	"CASE is the case's reference (e.g. POLICE-26-0042, shown by 'lfh case list')\n"
	"or its id (32 hex digits), or a unique prefix of the id of at least 8 digits.\n";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lfh case list [--open|--closed] [--mine] [--lead A] [--risk L] [--stage S]\n"
		"                     [--overdue] [--sort KEY] [--recompute] [--json]\n"
		"       lfh case show CASE [--all] [--utc] [--json]\n"
		"       lfh case note CASE --text TEXT [--category NAME] [--on WHEN] [--json]\n"
		"       lfh case search WORD... [--json]\n"
		"       lfh case invite CASE AGENCY [--json]\n"
		"       lfh case remove CASE AGENCY --reason TEXT [--json]\n"
		"       lfh case close CASE [--reason TEXT] [--json]\n");
	case_fix_usage(f);
	fprintf(f, "       lfh case chronology CASE [--html|--json] [--out FILE]\n"
		   "       lfh case attach CASE FILE [--category NAME] [--name NAME] [--text TEXT]\n"
		   "                       [--on WHEN] [--json]\n"
		   "       lfh case attachment get ID --out FILE [--json]\n");
	fprintf(f,
		"\n"
		"  list   cases this node holds, with lead agency, risk and summary\n"
		"  show   one case and its timeline: who, which agency, when, what\n"
		"  note   add a note, shared with every agency the referral went to (with\n"
		"         an ISA: with the agencies its rule for --category allows;\n"
		"         default category: referral); --on: when it happened, YYYY-MM-DD\n"
		"         or YYYY-MM-DDTHH:MM local time ($LFH_TZ, default Europe/London)\n"
		"  search cases in which every WORD (in any order, ignoring case and\n"
		"         accents) is in the subject, location or any text this node can read;\n"
		"         every match (the node answers in pages; --json: one array)\n"
		"  invite make AGENCY a participant: it receives the case's earlier events\n"
		"         of the categories the ISA lets it see, and later ones\n"
		"  remove (lead agency, managers) AGENCY no longer takes part: it gets none\n"
		"         of the case's later events, and every participant moves to new\n"
		"         sharing keys it never receives; what it holds stays until retention\n"
		"  close  (lead agency, managers) close the case after a closure review:\n"
		"         retention periods start\n"
		"  amend  correct an entry your agency wrote (views show the correction)\n"
		"  redact (lead agency, managers) take an entry out of views and exports\n"
		"  reopen (lead agency, manager role) reopen a closed case by agreement\n"
		"  chronology  the case's dated, numbered chronology: a court evidence pack\n"
		"  attach add a file (at most 25 MiB) to the case, shared as its --category\n"
		"  attachment get  an attached file back, checked, into a new file\n"
		"  state  the case's OSARA state: stage, lead, risk, objective, actions\n"
		"\nOSARA steps (lfh case STEP --help for each):\n");
	osara_steps_usage(f);
	fprintf(f, "\n%s", case_id_help);
	fprintf(f,
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

typedef struct case_opts {
	const char *text, *category, *reason;
	char on[18];
} case_opts;

/* The options a verb takes besides --json and --help (case_verb.opts). */
enum { O_TEXT = 1, O_CATEGORY = 2, O_REASON = 4, O_ON = 8 };

/* A verb of `lfh case` that parse() reads: its name, options and help. */
typedef struct case_verb {
	const char *name;
	unsigned opts;
	int takes_case; /* its help ends with what CASE may be */
	const char *help;
} case_verb;

static const case_verb verb_note = {
	"note", O_TEXT | O_CATEGORY | O_ON, 1,
	"usage: lfh case note CASE --text TEXT [--category NAME] [--on WHEN] [--json]\n"
	"\n"
	"Add a note to the case, shared with every agency the referral went to (with\n"
	"an agreement: with the agencies its rule for the category allows).\n"
	"  --text TEXT      the note (required)\n"
	"  --category NAME  the agreement's category it is shared as (default: referral)\n"
	"  --on WHEN        when it happened, if not now: YYYY-MM-DD or\n"
	"                   YYYY-MM-DDTHH:MM local time ($LFH_TZ, default Europe/London)\n"
	"  --json           the new entry {case, event, hlc} as JSON\n"
	"\n"
	"example:\n"
	"  lfh case note POLICE-26-0042 --category health --text 'Engaging with Recovery Steps'\n"
};

static const case_verb verb_search = {
	"search", 0, 0,
	"usage: lfh case search WORD... [--json]\n"
	"\n"
	"The cases in which every WORD is found, in any order, ignoring case and\n"
	"accents: in the subject, the location or any text this node can read. Words\n"
	"of one character are left out (\"3\", \"a\": they narrow nothing); at most 16\n"
	"words and 200 characters in all. Every match is listed (the node answers in\n"
	"pages; --json: one array).\n"
	"\n"
	"example:\n"
	"  lfh case search 'Castle Street' tenant\n"
};

static const case_verb verb_invite = {
	"invite", 0, 1,
	"usage: lfh case invite CASE AGENCY [--json]\n"
	"\n"
	"Make AGENCY a participant of the case: it receives the case's earlier events\n"
	"of the categories the agreement lets it see, and later ones.\n"
	"\n"
	"example:\n"
	"  lfh case invite POLICE-26-0042 probation\n"
};

static const case_verb verb_remove = {
	"remove", O_REASON, 1,
	"usage: lfh case remove CASE AGENCY --reason TEXT [--json]\n"
	"\n"
	"(The lead agency; once users are registered, the manager role.) AGENCY no\n"
	"longer takes part in the case: it gets none of the case's later events, and\n"
	"every participant moves to new sharing keys it never receives; what it holds\n"
	"already stays until retention.\n"
	"  --reason TEXT  why (required; at most 2000 characters)\n"
	"\n"
	"example:\n"
	"  lfh case remove POLICE-26-0042 probation --reason 'No longer involved'\n"
};

static const case_verb verb_close = {
	"close", O_REASON, 1,
	"usage: lfh case close CASE [--reason TEXT] [--json]\n"
	"\n"
	"(The lead agency; once users are registered, the manager role.) Close the\n"
	"case after a closure review, once every action is accounted for (done,\n"
	"cancelled, refused or carried over; none open or paused): retention periods\n"
	"start. A closed case is reopened only by agreement (lfh case reopen).\n"
	"  --reason TEXT  why (at most 2000 characters)\n"
	"\n"
	"example:\n"
	"  lfh case close POLICE-26-0042 --reason 'No further reports in 3 months'\n"
};

/* The option a names if verb v takes it (its bit), else 0. */
static unsigned verb_option(const case_verb *v, const char *a)
{
	unsigned bit = !strcmp(a, "--text")       ? O_TEXT
		       : !strcmp(a, "--category") ? O_CATEGORY
		       : !strcmp(a, "--reason")   ? O_REASON
		       : !strcmp(a, "--on")       ? O_ON
						  : 0;
	return bit & v->opts;
}

/*
 * Split argv into verb v's options and positional arguments: 0, -1 once
 * --help is printed, 2 on bad usage (said, naming what was wrong).
 */
static int parse(int argc, char **argv, const case_verb *v, int *json, const char **pos,
		 int maxpos, int *npos, case_opts *o)
{
	char cmd[40];

	snprintf(cmd, sizeof cmd, "case %s", v->name);
	*npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		unsigned opt = verb_option(v, a);
		if (!strcmp(a, "--json")) {
			*json = 1;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(v->help, stdout);
			if (v->takes_case)
				printf("\n%s", case_id_help);
			return -1;
		} else if (opt && i + 1 >= argc) {
			cli_error("option %s needs a value (see lfh case %s --help)", a, v->name);
			return 2;
		} else if (opt && cli_given_twice(opt == O_TEXT ? o->text != NULL
						  : opt == O_CATEGORY ? o->category != NULL
						  : opt == O_REASON ? o->reason != NULL
								    : o->on[0] != '\0',
						  a, cmd)) {
			return 2;
		} else if (opt == O_TEXT) {
			o->text = argv[++i];
		} else if (opt == O_CATEGORY) {
			o->category = argv[++i];
		} else if (opt == O_REASON) {
			o->reason = argv[++i];
		} else if (opt == O_ON) {
			if (cli_on_value(argv[++i], o->on))
				return 2;
		} else if (a[0] == '-' && a[1]) {
			cli_error("lfh case %s takes no option %s (see lfh case %s --help)", v->name, a,
				  v->name);
			return 2;
		} else if (*npos < maxpos) {
			pos[(*npos)++] = a;
		} else {
			cli_error("unexpected argument '%s' (see lfh case %s --help)", a, v->name);
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

/* --risk and --stage take one of their values: another is bad usage (2), never sent. */
static int list_value_ok(const char *opt, const char *v)
{
	static const char *const risks[] = { "standard", "medium", "high" };
	static const char *const stages[] = { "referred", "assessed", "scanning", "analysis",
					      "response", "assessment", "closure_proposed", "closed" };
	const char *const *set = !strcmp(opt, "risk") ? risks : stages;
	size_t n = !strcmp(opt, "risk") ? 3 : 8;

	if (strcmp(opt, "risk") && strcmp(opt, "stage"))
		return 1;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v, set[i]))
			return 1;
	return 0;
}

/* --sort KEY: the field cases are ordered by, and whether the greatest comes first. */
static const char *sort_key;
static int sort_desc;

static int risk_rank(const char *r)
{
	return !r ? 0 : !strcmp(r, "high") ? 3 : !strcmp(r, "medium") ? 2 : !strcmp(r, "standard");
}

static int case_cmp(const void *pa, const void *pb)
{
	const lfh_record *a = pa, *b = pb;
	const char *x = lfh_record_str(a, sort_key), *y = lfh_record_str(b, sort_key);
	int c = !strcmp(sort_key, "risk") ? risk_rank(x) - risk_rank(y)
					   : strcmp(x ? x : "", y ? y : "");
	if (!c)
		c = strcmp(lfh_record_str(a, "case") ? lfh_record_str(a, "case") : "",
			   lfh_record_str(b, "case") ? lfh_record_str(b, "case") : "");
	return sort_desc ? -c : c;
}

static void list_usage(FILE *f)
{
	fprintf(f, "usage: lfh case list [--open|--closed] [--mine] [--lead AGENCY] [--risk LEVEL]\n"
		   "                     [--stage STAGE] [--overdue] [--sort KEY] [--recompute] [--json]\n\n"
		   "Cases held at this node, every one (the node answers in pages; lfh asks\n"
		   "for them all). Filters, each narrowing the list:\n"
		   "  --open, --closed    cases not closed / closed\n"
		   "  --mine              led by your agency, or with an action of yours open or paused\n"
		   "  --lead AGENCY       led by AGENCY\n"
		   "  --risk LEVEL        current risk standard, medium or high\n"
		   "  --stage STAGE       referred, assessed, scanning, analysis, response,\n"
		   "                      assessment, closure_proposed or closed\n"
		   "  --overdue           with an item overdue (with --mine: one of your agency's)\n"
		   "  --sort KEY          ref, updated (newest first), created (newest first),\n"
		   "                      risk (highest first) or lead; default: the case id\n"
		   "  --recompute         read every case from its events, not from the summary\n"
		   "                      the node keeps of it (the same answer, slower: a check)\n"
		   "  --json              one JSON array of every case\n");
}

static int case_list(int argc, char **argv)
{
	static const cli_column cols[] = {
		{ "ref", "REF", 20 },	   { "case", "CASE", 32 }, { "stage", "STAGE", 16 },
		{ "lead", "LEAD", 0 },	   { "risk", "RISK", 0 },   { "updated", "UPDATED", 0 },
		{ "summary", "SUMMARY", 44 },
	};
	static const char *const flags[] = { "open", "closed", "mine", "overdue", "recompute" };
	static const char *const values[] = { "lead", "risk", "stage" };
	static const char *const sorts[] = { "ref", "updated", "created", "risk", "lead" };
	lfh_reply rep = { 0 };
	lfh_record req = { 0 };
	lfh_err err = { 0 };
	int json = 0, rc = 0;

	sort_key = NULL;
	lfh_record_set_str(&req, "cmd", "case_list", &err);
	for (int i = 1; i < argc && rc == 0; i++) {
		const char *a = argv[i];
		size_t k;
		if (!strcmp(a, "--json")) {
			json = 1;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			list_usage(stdout);
			lfh_record_clear(&req);
			return 0;
		}
		for (k = 0; k < sizeof flags / sizeof flags[0]; k++)
			if (!strncmp(a, "--", 2) && !strcmp(a + 2, flags[k]))
				break;
		if (k < sizeof flags / sizeof flags[0]) {
			lfh_record_set_str(&req, flags[k], "yes", &err);
			continue;
		}
		for (k = 0; k < sizeof values / sizeof values[0]; k++)
			if (!strncmp(a, "--", 2) && !strcmp(a + 2, values[k]))
				break;
		if (k < sizeof values / sizeof values[0] && i + 1 < argc) {
			if (!list_value_ok(values[k], argv[i + 1])) {
				cli_error("%s %s: %s (see lfh case list --help)", a, argv[i + 1],
					  k == 1 ? "standard, medium or high"
						 : "referred, assessed, scanning, analysis, response, "
						   "assessment, closure_proposed or closed");
				rc = 2;
			} else if (lfh_record_set_str(&req, values[k], argv[++i], &err)) {
				cli_error("%s: %s", a, err.msg);
				rc = 2;
			}
			continue;
		}
		if (!strcmp(a, "--sort") && i + 1 < argc) {
			for (k = 0; k < sizeof sorts / sizeof sorts[0]; k++)
				if (!strcmp(argv[i + 1], sorts[k]))
					sort_key = sorts[k];
			if (!sort_key) {
				cli_error("--sort %s: one of ref, updated, created, risk, lead", argv[i + 1]);
				rc = 2;
			}
			i++;
			continue;
		}
		cli_error("unknown option or missing value: %s (see lfh case list --help)", a);
		rc = 2;
	}
	if (rc == 0)
		rc = cli_call_pages(&req, &rep);
	lfh_record_clear(&req);
	if (rc == 0 && sort_key && rep.nrecords > 1) {
		sort_desc = !strcmp(sort_key, "updated") || !strcmp(sort_key, "created") ||
			    !strcmp(sort_key, "risk");
		qsort(rep.records, rep.nrecords, sizeof rep.records[0], case_cmp);
	}
	if (rc == 0 && json)
		cli_print_json(rep.records, rep.nrecords, 1);
	else if (rc == 0 && rep.nrecords == 0)
		puts("no cases held at this node match");
	else if (rc == 0)
		cli_print_table(rep.records, rep.nrecords, cols, sizeof cols / sizeof cols[0]);
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
	int json = 0, npos, rc = parse(argc, argv, &verb_note, &json, pos, 1, &npos, &o);
	lfh_reply rep = { 0 };

	if (rc)
		return rc < 0 ? 0 : rc;
	if (npos != 1 || !o.text) {
		cli_error("usage: lfh case note CASE --text TEXT [--category NAME] [--on WHEN] "
			  "(see lfh case note --help)");
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
	const case_verb *verb;
} gov_cmd;

static const gov_cmd gov_invite = { "case_invite", "lfh case invite CASE AGENCY", "invited to",
				    1, 0, &verb_invite };
static const gov_cmd gov_remove = { "case_remove", "lfh case remove CASE AGENCY --reason TEXT",
				    "removed from", 1, 2, &verb_remove };
static const gov_cmd gov_close = { "case_close", "lfh case close CASE [--reason TEXT]", "closed",
				   0, 1, &verb_close };

static int case_gov(int argc, char **argv, const gov_cmd *g)
{
	const char *pos[2];
	case_opts o = { 0 };
	int want = g->with_agency ? 2 : 1, json = 0, npos;
	int rc = parse(argc, argv, g->verb, &json, pos, want, &npos, &o);
	lfh_reply rep = { 0 };

	if (rc)
		return rc < 0 ? 0 : rc;
	if (npos != want || (g->reason == 2 && !o.reason)) {
		cli_error("usage: %s (see lfh case %s --help)", g->usage, g->verb->name);
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
		{ "ref", "REF", 20 },	  { "case", "CASE", 32 },	{ "lead", "LEAD", 0 },
		{ "summary", "SUMMARY", 40 }, { "match_field", "FOUND IN", 0 }, { "match", "MATCH", 40 },
	};
	const char *pos[SEARCH_ARGS_MAX];
	char query[SEARCH_QUERY_BUF] = "";
	case_opts o = { 0 };
	int json = 0, npos, rc = parse(argc, argv, &verb_search, &json, pos, SEARCH_ARGS_MAX, &npos,
				       &o);
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };

	if (rc)
		return rc < 0 ? 0 : rc;
	if (npos < 1) {
		cli_error("what to search for? usage: lfh case search WORD...");
		return 2;
	}
	for (int i = 0; i < npos; i++) { /* the words, as one query: the node checks its bounds */
		size_t l = strlen(query);
		if ((size_t)snprintf(query + l, sizeof query - l, "%s%s", i ? " " : "", pos[i]) >=
		    sizeof query - l) {
			cli_error("the search is too long: at most 16 words and 200 characters");
			return 2;
		}
	}
	lfh_record_set_str(&req, "cmd", "case_search", &err);
	if (opt_field(&req, "query", query)) {
		lfh_record_clear(&req);
		return 2;
	}
	rc = cli_call_pages(&req, &rep);
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
		return case_show_main(argc - 1, argv + 1);
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
	if (argc >= 2 && case_fix_known(argv[1]))
		return case_fix_main(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "attach") || !strcmp(argv[1], "attachment")))
		return case_attach_main(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "chronology"))
		return chronology_main(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2)
		cli_error("unknown command 'case %s' (see lfh case --help)", argv[1]);
	usage(stderr);
	return 2;
}
