/*
 * cmd_report.c - `lfh report performance` and `lfh report tactical`: the
 * hub's performance framework and the monthly tactical picture, computed by
 * the node over the cases it holds (control commands report_performance and
 * report_tactical; rows {section, key, value}).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "lfh/osara.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lfh report performance [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--recompute]\n"
		"                              [--json | --csv]\n"
		"       lfh report tactical --month YYYY-MM [--recompute] [--json | --csv]\n"
		"\n"
		"Reports over the cases held at this node (each node reports over what it\n"
		"holds; an agency outside a case's sharing sees less of the hub).\n"
		"\n"
		"performance: the referrals made in the window (by referral date, UTC, --to\n"
		"inclusive; default: all): their number; by current risk level, originating\n"
		"(referring) agency and ASB category; intervention powers used (actions not\n"
		"cancelled); re-referrals; open and overdue actions now.\n"
		"  A referral is repeated when a case referred within 12 months after it\n"
		"  names it as a re-referral (lfh links a new referral to the most recent case\n"
		"  here, within 365 days, with the same subject or location). rate_pct =\n"
		"  repeated / assessed, where assessed = every readable referral in the window,\n"
		"  re-referrals included; positive_outcome_pct = the share not repeated (the\n"
		"  headline: 'over 90%% did not repeat'). first_* are the same over the window's\n"
		"  referrals that are not themselves re-referrals. not_yet_12_months: referrals\n"
		"  not repeated so far whose 12 months are not over.\n"
		"\n"
		"tactical: for the month: hot-spot locations (2+ referrals in the month, most\n"
		"first), repeat subjects (referred in the month, 2+ cases held here), recurring\n"
		"victims (named at meetings of 2+ cases, one dated in the month) and the new\n"
		"high-risk cases.\n"
		"\n"
		"Referrals this node cannot read count only where the metadata allows (see the\n"
		"'note' rows). A case is read from the summary its node keeps of it (dropped\n"
		"by any new event of the case, kept again within seconds), not from all its\n"
		"events again; --recompute reads every case from its events, to check them.\n"
		"\n"
		"  --from DATE    first day of the window (UTC)\n"
		"  --to DATE      last day of the window (UTC, inclusive)\n"
		"  --month MONTH  the month of the tactical picture, e.g. 2026-03\n"
		"  --recompute    every case from its events (no summaries)\n"
		"  --json         a JSON array of {section, key, value}\n"
		"  --csv          CSV: a 'section,key,value' header, one row each (RFC 4180)\n"
		"\n"
		"examples:\n"
		"  lfh report performance --from 2026-01-01 --to 2026-12-31\n"
		"  lfh report performance --from 2026-04-01 --csv > performance-2026-27.csv\n"
		"  lfh report tactical --month 2026-03\n");
}

static void print_csv(const lfh_reply *rep)
{
	static const char *const fields[] = { "section", "key", "value" };
	cli_print_csv(rep->records, rep->nrecords, fields, sizeof fields / sizeof fields[0]);
}

static const struct {
	const char *section, *title;
} titles[] = {
	{ "window", "Window (referral date, UTC)" },
	{ "month", "Month" },
	{ "referrals", "Referrals" },
	{ "risk", "By risk level (current)" },
	{ "agency", "By originating agency" },
	{ "category", "By ASB category" },
	{ "power", "Intervention powers used (actions, not cancelled)" },
	{ "rereferral", "Re-referrals within 12 months" },
	{ "actions", "Actions of these cases now" },
	{ "hotspot", "Hot-spot locations (2+ referrals in the month)" },
	{ "subject", "Repeat subjects (2+ cases)" },
	{ "victim", "Recurring victims (2+ cases)" },
	{ "high_risk", "New high-risk cases" },
	{ "note", "Notes" },
};
#define NTITLES (sizeof titles / sizeof titles[0])

static const char *const perf_sections[] = { "window", "referrals", "risk", "agency", "category",
					     "power", "rereferral", "actions", "note", NULL };
static const char *const tact_sections[] = { "month", "referrals", "hotspot", "subject",
					     "victim", "high_risk", "note", NULL };

static void print_section(const lfh_reply *rep, const char *section, const char *title,
			  size_t width)
{
	int any = 0;

	printf("%s\n", title);
	for (size_t i = 0; i < rep->nrecords; i++) {
		const char *s = lfh_record_str(&rep->records[i], "section");
		const char *k = lfh_record_str(&rep->records[i], "key");
		const char *v = lfh_record_str(&rep->records[i], "value");
		if (!s || strcmp(s, section))
			continue;
		printf("  %-*s  %s\n", (int)width, k ? k : "", v ? v : "");
		any = 1;
	}
	if (!any)
		puts("  none");
}

static void print_table(const lfh_reply *rep, const char *const *sections)
{
	size_t width = 0;
	int first = 1;

	for (size_t i = 0; i < rep->nrecords; i++) {
		const char *k = lfh_record_str(&rep->records[i], "key");
		size_t l = k ? strlen(k) : 0;
		if (l > width)
			width = l > 40 ? 40 : l;
	}
	for (size_t s = 0; sections[s]; s++) {
		const char *title = sections[s];
		for (size_t t = 0; t < NTITLES; t++)
			if (!strcmp(titles[t].section, sections[s]))
				title = titles[t].title;
		if (!first)
			putchar('\n');
		first = 0;
		print_section(rep, sections[s], title, width);
	}
	/* sections this client does not know (a newer node): shown as they come */
	for (size_t i = 0; i < rep->nrecords; i++) {
		const char *s = lfh_record_str(&rep->records[i], "section");
		int known = 0, seen = 0;
		for (size_t k = 0; s && sections[k]; k++)
			known |= !strcmp(sections[k], s);
		for (size_t j = 0; s && j < i; j++) {
			const char *p = lfh_record_str(&rep->records[j], "section");
			seen |= p && !strcmp(p, s);
		}
		if (s && !known && !seen) {
			putchar('\n');
			print_section(rep, s, s, width);
		}
	}
}

/* Milliseconds at the start of a "YYYY-MM-DD" day (UTC); -1 if not a valid date. */
static int parse_day(const char *s, uint64_t *ms)
{
	long d = strlen(s) == 10 ? lfh_osara_date_days(s) : -1;
	if (d < 0)
		return -1;
	*ms = (uint64_t)d * LFH_OSARA_DAY_MS;
	return 0;
}

/* "YYYY-MM" with a real month (1970..9999). */
static int month_valid(const char *s)
{
	char d[16];
	if (strlen(s) != 7 || s[4] != '-')
		return 0;
	snprintf(d, sizeof d, "%s-01", s);
	return lfh_osara_date_days(d) >= 0;
}

int report_main(int argc, char **argv)
{
	const char *kind = argc >= 2 ? argv[1] : NULL, *month = NULL;
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	uint64_t from_ms = 0, to_ms = 0;
	int have_from = 0, have_to = 0, json = 0, csv = 0, recompute = 0, perf, rc;

	if (kind && (!strcmp(kind, "--help") || !strcmp(kind, "-h") || !strcmp(kind, "help"))) {
		usage(stdout);
		return 0;
	}
	if (!kind || (strcmp(kind, "performance") && strcmp(kind, "tactical"))) {
		cli_error("which report? performance or tactical (see lfh report --help)");
		return 2;
	}
	perf = !strcmp(kind, "performance");
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			json = 1;
			continue;
		} else if (!strcmp(a, "--csv")) {
			csv = 1;
			continue;
		} else if (!strcmp(a, "--recompute")) {
			recompute = 1;
			continue;
		}
		if (perf ? strcmp(a, "--from") && strcmp(a, "--to") : strcmp(a, "--month")) {
			if (a[0] == '-')
				cli_error("unknown option %s (see lfh report --help)", a);
			else
				cli_error("unexpected argument '%s' (see lfh report --help)", a);
			return 2;
		}
		if (!v) {
			cli_error("option %s needs a value (see lfh report --help)", a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--month")) {
			if (!month_valid(v)) {
				cli_error("--month: '%s' is not a month: use YYYY-MM, e.g. 2026-03", v);
				return 2;
			}
			month = v;
		} else {
			uint64_t ms;
			if (parse_day(v, &ms)) {
				cli_error("%s: '%s' is not a date: use YYYY-MM-DD (UTC), e.g. 2026-03-01",
					  a, v);
				return 2;
			}
			if (!strcmp(a, "--from")) {
				from_ms = ms;
				have_from = 1;
			} else {
				to_ms = ms + LFH_OSARA_DAY_MS - 1; /* the whole day */
				have_to = 1;
			}
		}
	}
	if (json && csv) {
		cli_error("--json and --csv: choose one output format");
		return 2;
	}
	if (have_from && have_to && from_ms > to_ms) {
		cli_error("--from is after --to");
		return 2;
	}
	if (!perf && !month) {
		cli_error("missing --month YYYY-MM (see lfh report --help)");
		return 2;
	}
	if (lfh_record_set_str(&req, "cmd", perf ? "report_performance" : "report_tactical", &err) ||
	    (have_from && lfh_record_set_uint(&req, "from_ms", from_ms, &err)) ||
	    (have_to && lfh_record_set_uint(&req, "to_ms", to_ms, &err)) ||
	    (month && lfh_record_set_str(&req, "month", month, &err)) ||
	    (recompute && lfh_record_set_str(&req, "recompute", "yes", &err))) {
		cli_error("%s", err.msg);
		lfh_record_clear(&req);
		return 2;
	}
	rc = cli_call(&req, &rep);
	if (rc == 0) {
		if (json)
			cli_print_json(rep.records, rep.nrecords, 1);
		else if (csv)
			print_csv(&rep);
		else
			print_table(&rep, perf ? perf_sections : tact_sections);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			cli_error("cannot write the output: %s", strerror(errno));
			rc = 1;
		}
	}
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
	return rc;
}
