/*
 * cmd_case_show.c - `lfh case show CASE`: a case as a caseworker reads it.
 * First where it stands (reference, subject, location, stage, lead,
 * participants, risk, the next item due), then its timeline in the order
 * things happened ("on"), each entry with when it was recorded where that
 * differs, in the local zone ($LFH_TZ, default Europe/London; --utc), key
 * housekeeping only with --all, meetings' analysis in full.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/osara.h"

#include "cli.h"
#include "client.h"

#define WHEN_W 17 /* "YYYY-MM-DD HH:MM" */
#define TYPE_W 13 /* "action-update" */
#define WHO_W 18

static void usage(FILE *f)
{
	fprintf(f, "usage: lfh case show CASE [--all] [--utc] [--json]\n\n"
		   "The case: where it stands (reference, subject, location, stage, lead,\n"
		   "parties, risk, the next item due), then what happened, in the order it\n"
		   "happened (an entry's --on date, else when it was recorded; both shown\n"
		   "where they differ). Times are in $LFH_TZ (default Europe/London).\n\n"
		   "  --all   also the sharing-key housekeeping events\n"
		   "  --utc   times in UTC\n"
		   "  --json  every record as the node sends it, in the same order\n\n"
		   "CASE is the case's reference (e.g. POLICE-26-0042) or 8+ digits of its id.\n");
}

static uint64_t rec_u(const lfh_record *r, const char *key)
{
	uint64_t v = 0;
	lfh_record_uint(r, key, &v);
	return v;
}

static const char *str(const lfh_record *r, const char *key)
{
	const char *v = lfh_record_str(r, key);
	return v ? v : "";
}

/* Timeline entries by when they happened, then by when they were recorded. */
int cli_by_on(const void *pa, const void *pb)
{
	const lfh_record *a = pa, *b = pb;
	uint64_t x = rec_u(a, "on_ms"), y = rec_u(b, "on_ms");

	if (x != y)
		return x < y ? -1 : 1;
	x = rec_u(a, "hlc");
	y = rec_u(b, "hlc");
	return x < y ? -1 : x > y;
}

static void head_line(const char *label, const char *value)
{
	if (value && *value)
		printf("  %-10s %s\n", label, value);
}

/* Where the case stands. */
static void print_head(const lfh_record *c, int utc)
{
	char parts[512], closed[32];
	uint64_t closed_ms = 0;

	printf("%s  %s\n", *str(c, "ref") ? str(c, "ref") : str(c, "case"), str(c, "summary"));
	if (*str(c, "ref"))
		head_line("case id", str(c, "case"));
	head_line("subject", str(c, "subject"));
	head_line("location", str(c, "location"));
	head_line("stage", str(c, "stage"));
	snprintf(parts, sizeof parts, "%s%s%s%s", str(c, "lead"),
		 *str(c, "participants") ? " (parties: " : "", str(c, "participants"),
		 *str(c, "participants") ? ")" : "");
	head_line("lead", parts);
	head_line("risk", str(c, "risk"));
	head_line("next due", str(c, "next_due"));
	head_line("category", str(c, "asb_category"));
	if (lfh_record_uint(c, "closed_ms", &closed_ms)) { /* in the zone of the other times */
		cli_time(closed_ms, utc, closed);
		head_line("closed", closed);
	} else {
		head_line("closed", str(c, "closed"));
	}
	if (strcmp(str(c, "readable"), "yes"))
		head_line("NOTE", str(c, "readable"));
	if (*str(c, "description"))
		printf("\n  %s\n", str(c, "description"));
}

/* What an OSARA step without text says (risk, meeting, ...), whole: into buf, or a field. */
static const char *step_summary(const lfh_record *e, char *buf, size_t size)
{
	static const char *keys[] = { "reason", "lead", "proposal", "responses" };
	const char *type = str(e, "type");

	/* what kind of entry a line is, in words (a court reads it without the type column) */
	if (!strcmp(type, "objective") || !strcmp(type, "scanning")) {
		snprintf(buf, size, "%s: %s", type, str(e, "text"));
		return buf;
	}
	if (!strcmp(type, "close-propose")) {
		snprintf(buf, size, "closure proposed: %s", str(e, "reason"));
		return buf;
	}
	if (!strcmp(type, "lead-propose")) {
		snprintf(buf, size, "proposes %s as the lead agency", str(e, "lead"));
		return buf;
	}
	if (!strcmp(type, "lead-agree")) {
		snprintf(buf, size, "agrees to the lead proposal %.8s", str(e, "proposal"));
		return buf;
	}
	if (!strcmp(type, "equality")) {
		snprintf(buf, size, "equality, diversity and inclusion%s%s%s: %s",
			 *str(e, "consent") ? " (consent: " : "", str(e, "consent"),
			 *str(e, "consent") ? ")" : "", str(e, "text"));
		return buf;
	}
	if (*str(e, "level")) {
		char score[32];
		snprintf(buf, size, "risk %s (score %s)", str(e, "level"),
			 cli_field(e, "score", score, sizeof score));
		return buf;
	}
	if (!strcmp(str(e, "type"), "meeting")) {
		snprintf(buf, size, "case meeting of %s (%s)", str(e, "date"), str(e, "attendees"));
		return buf;
	}
	if (*str(e, "plan_done")) {
		snprintf(buf, size, "assessment: plan done %s, problem stopped %s: %s",
			 str(e, "plan_done"), str(e, "problem_stopped"), str(e, "text"));
		return buf;
	}
	if (*str(e, "kind")) {
		snprintf(buf, size, "%s review, %s: %s", str(e, "kind"), str(e, "outcome"),
			 str(e, "text"));
		return buf;
	}
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (*str(e, keys[i]))
			return str(e, keys[i]);
	return str(e, "text");
}

/* An action or its update in words: who was tasked, or what came of it. */
static int action_words(const lfh_record *e, const char *type, char *buf, size_t size)
{
	const char *id = str(e, "action"), *text = str(e, "text"), *st = str(e, "status");

	if (!strcmp(type, "action")) {
		snprintf(buf, size, "action %s %s%s%s%s [%s] due %s: %s", id,
			 *str(e, "signpost") ? "signposted to " : "for ",
			 *str(e, "signpost") ? str(e, "signpost") : str(e, "agency"),
			 *str(e, "for_team") ? "/" : "", str(e, "for_team"), str(e, "power"),
			 str(e, "due"), text);
		return 1;
	}
	if (strcmp(type, "action-update"))
		return 0;
	if (!strcmp(st, "paused"))
		snprintf(buf, size, "action %s paused until %s: %s", id, str(e, "resume"), text);
	else if (!strcmp(st, "refused"))
		snprintf(buf, size, "action %s %s%s%s: %s", id,
			 !strcmp(str(e, "refusal"), "not-engaged") ? "offered, not engaged with"
								   : "offered and refused",
			 *str(e, "who") ? " by " : "", str(e, "who"), text);
	else if (!strcmp(st, "carried"))
		snprintf(buf, size, "action %s carried over: %s", id, text);
	else
		snprintf(buf, size, "action %s %s: %s", id, st, text);
	return 1;
}

/* What the entry says, after who wrote it. */
/* "attached letter.pdf (120.4 KiB): what it is" */
static void attach_words(const lfh_record *e, char *buf, size_t size)
{
	char sz[32];

	lfh_osara_size_text(rec_u(e, "size"), sz);
	snprintf(buf, size, "attached %s (%s)%s%s", str(e, "name"), sz, *str(e, "text") ? ": " : "",
		 str(e, "text"));
}

void cli_entry_text(const lfh_record *e, char *buf, size_t size)
{
	const char *type = str(e, "type");

	if (!strcmp(type, "key"))
		snprintf(buf, size, "sharing key granted to %s", str(e, "recipients"));
	else if (*str(e, "readable"))
		snprintf(buf, size, "[%s]", str(e, "readable"));
	else if (!strcmp(type, "join"))
		snprintf(buf, size, "%s joins the case", str(e, "agency"));
	else if (!strcmp(type, "leave"))
		snprintf(buf, size, "%s no longer takes part: %s", str(e, "agency"), str(e, "reason"));
	else if (!strcmp(type, "close"))
		snprintf(buf, size, "case closed: %s", str(e, "reason"));
	else if (!strcmp(type, "reopen"))
		snprintf(buf, size, "case reopened: %s", str(e, "reason"));
	else if (!strcmp(type, "amend"))
		snprintf(buf, size, "amends ev %.8s: %s", str(e, "target"), str(e, "text"));
	else if (!strcmp(type, "redact"))
		snprintf(buf, size, "redacts ev %.8s: %s", str(e, "target"), str(e, "reason"));
	else if (!strcmp(type, "referral"))
		snprintf(buf, size, "referral shared with %s: %s", str(e, "recipients"),
			 str(e, "summary"));
	else if (!strcmp(type, "attach"))
		attach_words(e, buf, size);
	else if (action_words(e, type, buf, size))
		;
	else if (strcmp(str(e, "category"), "referral") && *str(e, "text"))
		snprintf(buf, size, "[%s] %s", str(e, "category"), str(e, "text"));
	else {
		const char *said = step_summary(e, buf, size);
		if (said != buf)
			snprintf(buf, size, "%s", said);
	}
}

char *cli_entry_text_buf(const lfh_record *e, size_t *size)
{
	size_t n = 1024; /* the words around the fields, and the markers a view adds */

	for (size_t i = 0; i < e->n; i++)
		n += e->f[i].kind == LFH_FIELD_STR ? e->f[i].str_len + 8 : 24;
	*size = n;
	return malloc(n);
}

static void print_entry(const lfh_record *e, int utc)
{
	const char *type = str(e, "type"), *on = cli_entry_on(e);
	char when[32], rec[32], who[2 * 64 + 2], *text;
	size_t size;

	if (!(text = cli_entry_text_buf(e, &size))) {
		printf("  (an entry not shown: out of memory)\n");
		return;
	}

	cli_time(rec_u(e, "hlc") >> 16, utc, rec);
	if (on)
		cli_on_text(on, utc, when);
	else
		snprintf(when, sizeof when, "%s", rec);
	snprintf(who, sizeof who, "%s%s%s", str(e, "author"), *str(e, "team") ? "/" : "",
		 str(e, "team"));
	if (lfh_record_str(e, "redacted"))
		snprintf(text, size, "[redacted: %s]", str(e, "redacted"));
	else
		cli_entry_text(e, text, size);
	if (lfh_record_str(e, "amended_by")) {
		size_t l = strlen(text);
		snprintf(text + l, size - l, "  [amended by %s]", str(e, "amended_by"));
	}
	if (lfh_record_str(e, "ignored")) {
		size_t l = strlen(text);
		snprintf(text + l, size - l, "  [NOT APPLIED: %s]", str(e, "ignored"));
	}
	if (strlen(str(e, "event")) >= 8) {
		size_t l = strlen(text);
		snprintf(text + l, size - l, "  [ev %.8s]", str(e, "event"));
	}
	printf("  %-*s %-*s %-*s %s%s%s%s%s%s%s\n", WHEN_W, when, TYPE_W, type, WHO_W, who,
	       *str(e, "by") ? "by " : "", *str(e, "by") ? str(e, "by") : "",
	       *str(e, "by") ? ": " : "", text,
	       on ? "  (recorded " : "", on ? rec : "", on ? ")" : "");
	if (!strcmp(type, "meeting") && !*str(e, "readable")) {
		static const char *const f[] = { "victim", "offender", "location", "responses" };
		for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
			if (*str(e, f[i]))
				printf("  %*s %-10s %s\n", WHEN_W + TYPE_W + 1, "", f[i], str(e, f[i]));
	}
	free(text);
}

int case_show_main(int argc, char **argv)
{
	lfh_reply rep = { 0 };
	lfh_record req = { 0 };
	lfh_err err = { 0 };
	const char *case_id = NULL;
	int json = 0, all = 0, utc = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--all"))
			all = 1;
		else if (!strcmp(argv[i], "--utc"))
			utc = 1;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] != '-' && !case_id) {
			case_id = argv[i];
		} else {
			cli_error("unexpected argument '%s' (see lfh case show --help)", argv[i]);
			return 2;
		}
	}
	if (!case_id) {
		cli_error("which case? usage: lfh case show CASE");
		return 2;
	}
	lfh_record_set_str(&req, "cmd", "case_show", &err);
	if (lfh_record_set_str(&req, "case", case_id, &err)) {
		cli_error("%s", err.msg);
		lfh_record_clear(&req);
		return 2;
	}
	rc = cli_call_pages(&req, &rep); /* a long timeline comes in pages */
	lfh_record_clear(&req);
	if (rc == 0 && rep.nrecords > 2)
		qsort(rep.records + 1, rep.nrecords - 1, sizeof rep.records[0], cli_by_on);
	if (rc == 0 && json) {
		cli_print_json(rep.records, rep.nrecords, 1);
	} else if (rc == 0 && rep.nrecords) {
		print_head(&rep.records[0], utc);
		printf("\nwhat happened (%s%s):\n", utc ? "UTC" : "times in ",
		       utc ? "" : getenv("LFH_TZ") && *getenv("LFH_TZ") ? getenv("LFH_TZ")
									   : "Europe/London");
		for (size_t i = 1; i < rep.nrecords; i++)
			if (all || strcmp(str(&rep.records[i], "type"), "key"))
				print_entry(&rep.records[i], utc);
	}
	lfh_reply_clear(&rep);
	return rc;
}
