/*
 * cmd_audit.c - `lfh audit`: list and export the node's append-only audit
 * log (control command audit_list): who read or wrote what, and when.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"

#define LIMIT_MAX 10000
#define DAY_MS 86400000ull

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lfh audit [--case CASE] [--who NAME] [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
		"                 [--after SEQ] [--limit N] [--json | --csv]\n"
		"\n"
		"List this node's append-only audit log, oldest first: every request made\n"
		"to the node (reads as well as writes) with the caseworker who made it\n"
		"(BY), the command, the case it touched, the time and whether it succeeded;\n"
		"retention shredding appears as cmd 'shred' with the category shredded.\n"
		"Listing the log is itself a read, and is recorded in it.\n"
		"\n"
		"  --case CASE   only entries about this case: its reference (e.g.\n"
		"                POLICE-26-0042), or its id or 8+ of its first digits; digits\n"
		"                of a case this node no longer holds match entries as given\n"
		"  --who NAME    only entries by this user (signed in as NAME, or --as NAME\n"
		"                on a node without users), and the attempts made in that name\n"
		"                that were refused for their sign-in, shown as\n"
		"                '(unverified) NAME'\n"
		"  --from DATE   only entries on or after this day (UTC)\n"
		"  --to DATE     only entries on or before this day (UTC, inclusive)\n"
		"  --after SEQ   only entries after audit sequence SEQ (to page on)\n"
		"  --limit N     at most N entries (default 1000, max %d); when more match,\n"
		"                a note on stderr gives the --after to continue with\n"
		"  --json        a JSON array of {seq, time, ms, by, cmd, case, ok, category,\n"
		"                skipped}: skipped, on an entry of a request refused before it\n"
		"                ran, counts such requests (past five a second) not logged\n"
		"                one by one before it\n"
		"  --csv         CSV with a header line (RFC 4180 quoting), for spreadsheets; a\n"
		"                cell that would run as a formula (= + - @) starts with '\n"
		"\n"
		"examples:\n"
		"  # subject-access request: everything done with one case, or by one person\n"
		"  lfh audit --case 3f2a9c1d --csv > sar-3f2a9c1d.csv\n"
		"  lfh audit --who 'PC Smith' --json\n"
		"  # monthly dip-sampling: March's accesses\n"
		"  lfh audit --from 2026-03-01 --to 2026-03-31 --csv > audit-2026-03.csv\n"
		"  # the next page of a long listing\n"
		"  lfh audit --after 1000 --limit 1000\n",
		LIMIT_MAX);
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Milliseconds at the start of a "YYYY-MM-DD" day (UTC); -1 if not a valid date. */
static int parse_day(const char *s, uint64_t *ms)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y = 0, m, d, max;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	for (int i = 0; i < 4; i++)
		y = y * 10 + (unsigned)(s[i] - '0');
	m = (unsigned)(s[5] - '0') * 10 + (unsigned)(s[6] - '0');
	d = (unsigned)(s[8] - '0') * 10 + (unsigned)(s[9] - '0');
	if (y < 1970 || m < 1 || m > 12)
		return -1;
	max = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	if (d < 1 || d > max)
		return -1;
	*ms = (uint64_t)days_from_civil(y, m, d) * DAY_MS;
	return 0;
}

/* A decimal number in [min, max]; -1 otherwise. */
static int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A case reference (it has a '-'; the node looks it up) or 8 to 32 hex digits. */
static int names_a_case(const char *s)
{
	size_t n = strlen(s);
	if (strchr(s, '-'))
		return n <= 64;
	return n >= 8 && n <= 32 && strspn(s, "0123456789abcdefABCDEF") == n;
}

typedef struct audit_opts {
	const char *case_id, *who;
	uint64_t after, limit, from_ms, to_ms;
	int have_after, have_limit, have_from, have_to;
	int json, csv;
} audit_opts;

/* 0 ok, -1 help printed, 2 bad usage (message printed). */
static int parse(int argc, char **argv, audit_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return -1;
		} else if (!strcmp(a, "--json")) {
			o->json = 1;
			continue;
		} else if (!strcmp(a, "--csv")) {
			o->csv = 1;
			continue;
		} else if (strcmp(a, "--case") && strcmp(a, "--who") && strcmp(a, "--from") &&
			   strcmp(a, "--to") && strcmp(a, "--after") && strcmp(a, "--limit")) {
			if (a[0] == '-')
				cli_error("unknown option %s (see lfh audit --help)", a);
			else
				cli_error("unexpected argument '%s' (see lfh audit --help)", a);
			return 2;
		}
		if (!v) {
			cli_error("option %s needs a value (see lfh audit --help)", a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--case")) {
			if (!names_a_case(v)) {
				cli_error("--case: '%s' is neither a case reference (e.g. "
					  "POLICE-26-0042) nor 8 to 32 hex digits of a case id", v);
				return 2;
			}
			o->case_id = v;
		} else if (!strcmp(a, "--who")) {
			if (!*v) {
				cli_error("--who: give a caseworker name");
				return 2;
			}
			o->who = v;
		} else if (!strcmp(a, "--from") || !strcmp(a, "--to")) {
			uint64_t ms;
			if (parse_day(v, &ms)) {
				cli_error("%s: '%s' is not a date: use YYYY-MM-DD (UTC), e.g. 2026-03-01",
					  a, v);
				return 2;
			}
			if (!strcmp(a, "--from")) {
				o->from_ms = ms;
				o->have_from = 1;
			} else {
				o->to_ms = ms + DAY_MS - 1; /* the whole day */
				o->have_to = 1;
			}
		} else if (!strcmp(a, "--after")) {
			if (parse_uint(v, 0, UINT64_MAX, &o->after)) {
				cli_error("--after: '%s' is not an audit sequence number", v);
				return 2;
			}
			o->have_after = 1;
		} else {
			if (parse_uint(v, 1, LIMIT_MAX, &o->limit)) {
				cli_error("--limit: '%s' is not a number from 1 to %d", v, LIMIT_MAX);
				return 2;
			}
			o->have_limit = 1;
		}
	}
	if (o->json && o->csv) {
		cli_error("--json and --csv: choose one output format");
		return 2;
	}
	if (o->have_from && o->have_to && o->from_ms > o->to_ms) {
		cli_error("--from is after --to");
		return 2;
	}
	return 0;
}

static void print_csv(const lfh_reply *rep)
{
	static const char *const fields[] = { "seq", "time", "ms", "by", "cmd", "case", "ok", "category" };
	cli_print_csv(rep->records, rep->nrecords, fields, sizeof fields / sizeof fields[0]);
}

static void print_table(lfh_reply *rep)
{
	static const cli_column cols[] = {
		{ "seq", "SEQ", 0 },   { "time", "TIME", 0 }, { "by", "BY", 24 },
		{ "cmd", "COMMAND", 16 }, { "case", "CASE", 32 }, { "result", "RESULT", 0 },
		{ "category", "CATEGORY", 0 },
	};
	lfh_err err = { 0 };

	if (rep->nrecords == 0) {
		puts("no audit entries match");
		return;
	}
	for (size_t i = 0; i < rep->nrecords; i++) {
		uint64_t ok = 0;
		lfh_record_uint(&rep->records[i], "ok", &ok);
		lfh_record_set_str(&rep->records[i], "result", ok ? "ok" : "failed", &err);
	}
	cli_print_table(rep->records, rep->nrecords, cols, sizeof cols / sizeof cols[0]);
}

int audit_main(int argc, char **argv)
{
	audit_opts o = { 0 };
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	int rc = parse(argc, argv, &o);

	if (rc)
		return rc < 0 ? 0 : rc;
	if (lfh_record_set_str(&req, "cmd", "audit_list", &err) ||
	    (o.case_id && lfh_record_set_str(&req, "case", o.case_id, &err)) ||
	    (o.who && lfh_record_set_str(&req, "who", o.who, &err)) ||
	    (o.have_after && lfh_record_set_uint(&req, "after", o.after, &err)) ||
	    (o.have_limit && lfh_record_set_uint(&req, "limit", o.limit, &err)) ||
	    (o.have_from && lfh_record_set_uint(&req, "from_ms", o.from_ms, &err)) ||
	    (o.have_to && lfh_record_set_uint(&req, "to_ms", o.to_ms, &err))) {
		cli_error("%s", err.msg);
		lfh_record_clear(&req);
		return 2;
	}
	rc = cli_call(&req, &rep);
	if (rc == 0) {
		if (o.json)
			cli_print_json(rep.records, rep.nrecords, 1);
		else if (o.csv)
			print_csv(&rep);
		else
			print_table(&rep);
		if (rep.message[0] && rep.nrecords) {
			char b[32];
			cli_error("%s: continue with --after %s", rep.message,
				  cli_field(&rep.records[rep.nrecords - 1], "seq", b, sizeof b));
		}
		if (fflush(stdout) != 0 || ferror(stdout)) {
			cli_error("cannot write the output: %s", strerror(errno));
			rc = 1;
		}
	}
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
	return rc;
}
