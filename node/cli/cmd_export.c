/*
 * cmd_export.c - what a hub hands over, as JSON or a readable HTML document:
 *
 *   lfh case chronology CASE [--html|--json] [--out FILE]
 *       the evidence pack for a civil injunction, criminal behaviour order
 *       or closure order application: every entry of the case this node may
 *       read, in the order things happened, numbered, corrections in place,
 *       redacted and not-applied entries left out, key housekeeping left out
 *   lfh sar --subject NAME [--dob DATE] [--html|--json] [--out FILE]
 *       subject access: everything this node holds and can read about a
 *       person across cases, who it was shared with and when, and who read
 *       or wrote it here (manager role; the node audits the export)
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "lfh/version.h"

enum format { TEXT, HTML, JSON };

static const char *str(const lfh_record *r, const char *key)
{
	const char *v = lfh_record_str(r, key);
	return v ? v : "";
}

static uint64_t rec_u(const lfh_record *r, const char *key)
{
	uint64_t v = 0;
	lfh_record_uint(r, key, &v);
	return v;
}

/* HTML-escaped s. */
static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
}

/* Does the entry belong in an export? Not key housekeeping, nor what was redacted or not applied. */
static int exported(const lfh_record *e)
{
	const char *type = str(e, "type");
	return strcmp(type, "key") && strcmp(type, "amend") && strcmp(type, "redact") &&
	       !lfh_record_str(e, "redacted") && !lfh_record_str(e, "ignored");
}

/* When the entry happened (its "on" or a meeting's date), and when it was recorded (local zone). */
static void when_of(const lfh_record *e, char when[32], char rec[32])
{
	cli_time(rec_u(e, "hlc") >> 16, 0, rec);
	if (cli_entry_on(e))
		cli_on_text(cli_entry_on(e), 0, when);
	else
		snprintf(when, 32, "%s", rec);
}

/*
 * What the pack leaves out, in words, so a reader knows the numbering skips
 * them: entries the lead redacted and entries not applied under the hub's
 * rules (recs[0..n) are a case's entries). The key records are not entries.
 */
static void left_out(const lfh_record *recs, size_t n, char *buf, size_t size)
{
	size_t redacted = 0, ignored = 0;

	for (size_t i = 0; i < n; i++) {
		const char *type = str(&recs[i], "type");
		if (!strcmp(type, "key"))
			continue;
		if (lfh_record_str(&recs[i], "ignored"))
			ignored++;
		else if (lfh_record_str(&recs[i], "redacted") && strcmp(type, "amend") &&
			 strcmp(type, "redact"))
			redacted++;
	}
	snprintf(buf, size, "Left out: %zu entr%s redacted by the lead agency, %zu entr%s not "
		 "applied under the hub's rules, and the sharing-key records.", redacted,
		 redacted == 1 ? "y" : "ies", ignored, ignored == 1 ? "y" : "ies");
}

/* Where and when the pack was made, and the zone its times are in. */
static void made_by(const lfh_record *c, char *buf, size_t size)
{
	char now[32];

	cli_time((uint64_t)time(NULL) * 1000, 0, now);
	snprintf(buf, size, "Exported from the %s node on %s by lfh %s. Times are local time in %s.",
		 *str(c, "exported_by") ? str(c, "exported_by") : "(unnamed)", now, LFH_VERSION,
		 cli_zone());
}

static void html_head(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>", f);
	esc(f, title);
	fputs("</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
	      "width:100%}td,th{border:1px solid #999;padding:4px;vertical-align:top;text-align:left}"
	      "h2{page-break-before:always}h2:first-of-type{page-break-before:auto}"
	      "@page{@bottom-right{content:\"page \" counter(page)}}</style></head><body>\n<h1>", f);
	esc(f, title);
	fputs("</h1>\n", f);
}

/* The Closed row in local time, as the pack's other times (0 if the node gave no closed_ms). */
static int closed_local(const lfh_record *c, FILE *f)
{
	uint64_t ms = 0;
	char t[32];

	if (!lfh_record_uint(c, "closed_ms", &ms))
		return 0;
	cli_time(ms, 0, t);
	fputs("<tr><th>Closed</th><td>", f);
	esc(f, t);
	fputs("</td></tr>\n", f);
	return 1;
}

static void html_case(FILE *f, const lfh_record *c)
{
	static const char *const rows[][2] = {
		{ "ref", "Reference" },	   { "case", "Case id" },	   { "summary", "Summary" },
		{ "subject", "Subject" },  { "dob", "Date of birth" },	   { "location", "Location" },
		{ "lead", "Lead agency" }, { "participants", "Agencies" }, { "stage", "Stage" },
		{ "risk", "Risk" },	   { "closed", "Closed" },	   { "dob_check", "Note" },
	};
	fputs("<h2>", f);
	esc(f, *str(c, "ref") ? str(c, "ref") : str(c, "case"));
	fputs("</h2>\n<table>\n", f);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if (!strcmp(rows[i][0], "closed") && closed_local(c, f))
			continue;
		else if (*str(c, rows[i][0])) {
			fprintf(f, "<tr><th>%s</th><td>", rows[i][1]);
			esc(f, str(c, rows[i][0]));
			fputs("</td></tr>\n", f);
		}
	fputs("</table>\n", f);
}

/*
 * What an entry says, for the pack: its text, and for a case meeting the
 * analysis and the responses agreed (the A and R of OSARA), which the
 * one-line text leaves to `lfh case show`.
 */
static void pack_text(const lfh_record *e, char *text, size_t size)
{
	static const char *const f[][2] = { { "victim", "victim" }, { "offender", "offender" },
					    { "location", "location" },
					    { "responses", "responses agreed" } };

	size_t l;

	cli_entry_text(e, text, size);
	l = strlen(text);
	/* a corrected referral or risk entry shows its summary: say what it was corrected to */
	if (lfh_record_str(e, "amended_by") && *str(e, "text") && !strstr(text, str(e, "text")) &&
	    l < size)
		snprintf(text + l, size - l, "; corrected to: %s", str(e, "text"));
	l = strlen(text);
	if (!strcmp(str(e, "type"), "attach") && *str(e, "sha256") && l < size)
		snprintf(text + l, size - l, "; SHA-256 %s", str(e, "sha256"));
	if (strcmp(str(e, "type"), "meeting") != 0 || lfh_record_str(e, "redacted"))
		return;
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		size_t l = strlen(text);
		if (*str(e, f[i][0]) && l < size)
			snprintf(text + l, size - l, "; %s: %s", f[i][1], str(e, f[i][0]));
	}
}

/* " on WHEN" (local time) an entry was corrected, or "" (an older node gave no time). */
static void amended_when(const lfh_record *e, char out[40])
{
	uint64_t ms = 0;
	char t[32];

	out[0] = '\0';
	if (lfh_record_uint(e, "amended_ms", &ms) && ms) {
		cli_time(ms, 0, t);
		snprintf(out, 40, " on %s", t);
	}
}

/* The numbered entries of one case, from recs[0..n) (those of section "entry" exported). */
static int html_entries(FILE *f, lfh_record *recs, size_t n, int shared)
{
	char when[32], rec[32], *text;
	size_t k = 0, size;

	qsort(recs, n, sizeof recs[0], cli_by_on);
	fprintf(f, "<table>\n<tr><th>No.</th><th>When</th><th>Agency</th><th>By</th><th>What</th>%s"
		   "<th>Recorded</th></tr>\n", shared ? "<th>Shared with</th>" : "");
	for (size_t i = 0; i < n; i++) {
		if (!exported(&recs[i]))
			continue;
		when_of(&recs[i], when, rec);
		if (!(text = cli_entry_text_buf(&recs[i], &size))) {
			fputs("</table>\n", f);
			return 1; /* never a pack with entries missing */
		}
		pack_text(&recs[i], text, size);
		fprintf(f, "<tr><td>%zu</td><td>", ++k);
		esc(f, when);
		fputs("</td><td>", f);
		esc(f, str(&recs[i], "author"));
		if (*str(&recs[i], "team")) {
			fputs("/", f);
			esc(f, str(&recs[i], "team"));
		}
		fputs("</td><td>", f);
		esc(f, str(&recs[i], "by"));
		fputs("</td><td>", f);
		esc(f, text);
		free(text);
		if (lfh_record_str(&recs[i], "amended_by")) {
			char at[40];
			amended_when(&recs[i], at);
			fputs(" <em>(amended by ", f);
			esc(f, str(&recs[i], "amended_by"));
			esc(f, at);
			fputs(")</em>", f);
		}
		if (shared) {
			fputs("</td><td>", f);
			esc(f, str(&recs[i], "recipients"));
			if (*str(&recs[i], "backfilled")) {
				fputs("; on joining later: ", f);
				esc(f, str(&recs[i], "backfilled"));
			}
		}
		fputs("</td><td>", f);
		esc(f, rec);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	return 0;
}

/*
 * An entry's lines as they are, each line after its first indented: a text
 * of several lines (or a name holding a line break) can never read as a
 * numbered entry of its own.
 */
static void put_indented(FILE *f, const char *s)
{
	for (; *s; s++) {
		fputc(*s, f);
		if (*s == '\n' && s[1])
			fputs("        ", f);
	}
}

static int text_entries(FILE *f, lfh_record *recs, size_t n, int shared)
{
	char when[32], rec[32], *text, at[40], *entry = NULL;
	size_t k = 0, size, elen = 0;
	FILE *m;

	qsort(recs, n, sizeof recs[0], cli_by_on);
	for (size_t i = 0; i < n; i++) {
		if (!exported(&recs[i]))
			continue;
		when_of(&recs[i], when, rec);
		if (!(text = cli_entry_text_buf(&recs[i], &size))) {
			return 1; /* never a pack with entries missing */
		}
		pack_text(&recs[i], text, size);
		amended_when(&recs[i], at);
		if (!(m = open_memstream(&entry, &elen))) {
			free(text);
			return 1;
		}
		fprintf(m, "%4zu. %-17s %s%s%s (%s): %s%s%s%s%s%s%s%s\n", ++k, when,
			str(&recs[i], "author"), *str(&recs[i], "team") ? "/" : "",
			str(&recs[i], "team"), str(&recs[i], "by"), text,
			lfh_record_str(&recs[i], "amended_by") ? " (amended by " : "",
			str(&recs[i], "amended_by"), at,
			lfh_record_str(&recs[i], "amended_by") ? ")" : "",
			cli_entry_on(&recs[i]) ? " (recorded " : "", cli_entry_on(&recs[i]) ? rec : "",
			cli_entry_on(&recs[i]) ? ")" : "");
		fclose(m);
		put_indented(f, entry);
		free(entry);
		entry = NULL;
		if (shared && *str(&recs[i], "recipients"))
			fprintf(f, "        shared with %s%s%s\n", str(&recs[i], "recipients"),
				*str(&recs[i], "backfilled") ? "; on joining later: " : "",
				str(&recs[i], "backfilled"));
		free(text);
	}
	return 0;
}

/* The records as one JSON array, into f (stdout or --out's file); nonzero if not all written. */
static int json_to(FILE *f, const lfh_record *recs, size_t n)
{
	int saved, bad;

	if (f == stdout) {
		cli_print_json(recs, n, 1);
		return 0; /* close_out finds a failed write of stdout */
	}
	fflush(stdout);
	if ((saved = dup(STDOUT_FILENO)) < 0 || dup2(fileno(f), STDOUT_FILENO) < 0) {
		if (saved >= 0)
			close(saved);
		return 1;
	}
	cli_print_json(recs, n, 1);
	bad = fflush(stdout) != 0 || ferror(stdout);
	clearerr(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	return bad;
}

/* Open --out FILE (created new, 0600: it holds personal data), or stdout. */
static FILE *out_file(const char *path)
{
	FILE *f;
	int fd;

	if (!path)
		return stdout;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
	    !(f = fdopen(fd, "w"))) {
		cli_error("--out %s: cannot create it (%s; it must not exist yet)", path,
			  strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	return f;
}

/*
 * Finish the output: stdout flushed, or --out's file closed. A write that
 * failed (a full disk, a file size limit) is said, and the file is removed:
 * no one takes half an evidence pack for the whole, and the command can be
 * run again with the same --out.
 */
static int close_out(FILE *f, const char *path, int failed)
{
	int err;

	errno = 0;
	if (f == stdout) {
		if (fflush(f) == 0 && !ferror(f) && !failed)
			return 0;
		cli_error("cannot write the output: %s", errno ? strerror(errno) : "write error");
		return 1;
	}
	failed |= fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0;
	err = errno;
	failed |= fclose(f) != 0;
	if (failed) {
		unlink(path);
		cli_error("--out %s: write failed (%s): nothing was kept", path,
			  err ? strerror(err) : "write error");
		return 1;
	}
	fprintf(stderr, "lfh: written to %s\n", path);
	return 0;
}

/* Whether a is --NAME for one of names (an option that takes a value). */
static int takes_value(const char *a, const char *const *names, size_t nnames)
{
	for (size_t k = 0; k < nnames; k++)
		if (!strncmp(a, "--", 2) && !strcmp(a + 2, names[k]))
			return 1;
	return 0;
}

/* "lfh case chronology" of a usage text "usage: lfh case chronology CASE ...". */
static const char *command_of(const char *usage)
{
	static char cmd[64];
	const char *p = usage + strlen("usage: ");
	size_t n = 0;

	/* the words up to the first argument: "[...]", "--x" or an upper-case NAME */
	while (p[n] && p[n] != '\n' && n + 1 < sizeof cmd &&
	       !(p[n] == ' ' && (p[n + 1] == '[' || p[n + 1] == '-' || isupper((unsigned char)p[n + 1]))))
		n++;
	snprintf(cmd, sizeof cmd, "%.*s", (int)n, p);
	return cmd;
}

/* Parse [--html|--json] [--out FILE] and the named options; 2 on bad usage, -1 after --help. */
static int parse(int argc, char **argv, const char *usage, const char *const *names,
		 const char **values, size_t nnames, const char **pos, enum format *fmt,
		 const char **out)
{
	for (int i = 1; i < argc; i++) {
		size_t k;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return -1;
		}
		if (!strcmp(argv[i], "--html") || !strcmp(argv[i], "--json")) {
			*fmt = argv[i][3] == 't' ? HTML : JSON;
			continue;
		}
		if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			*out = argv[++i];
			continue;
		}
		for (k = 0; k < nnames; k++)
			if (!strncmp(argv[i], "--", 2) && !strcmp(argv[i] + 2, names[k]) && i + 1 < argc)
				break;
		if (k < nnames) {
			values[k] = argv[++i];
			continue;
		}
		if (pos && !*pos && argv[i][0] != '-') {
			*pos = argv[i];
			continue;
		}
		if (!strcmp(argv[i], "--out") || takes_value(argv[i], names, nnames))
			cli_error("option %s needs a value (see %s --help)", argv[i], command_of(usage));
		else if (argv[i][0] == '-')
			cli_error("unknown option %s (see %s --help)", argv[i], command_of(usage));
		else
			cli_error("unexpected argument '%s' (see %s --help)", argv[i], command_of(usage));
		return 2;
	}
	return 0;
}

/*
 * One case_chronology request for case (as the user named it), in pages of at
 * most limit; for a subject access export (for_sar), audited as sar.
 */
static int chronology_call(const char *case_arg, int for_sar, uint64_t limit, lfh_reply *rep,
			   size_t *npages)
{
	lfh_record req = { 0 };
	lfh_err err = { 0 };
	int rc;

	if (lfh_record_set_str(&req, "cmd", "case_chronology", &err) ||
	    lfh_record_set_str(&req, "case", case_arg, &err) ||
	    (for_sar && lfh_record_set_str(&req, "for", "sar", &err)) ||
	    lfh_record_set_uint(&req, "limit", limit, &err)) {
		cli_error("%s", err.msg);
		lfh_record_clear(&req);
		return 1;
	}
	rc = npages ? cli_call_pages_n(&req, rep, npages) : cli_call(&req, rep);
	lfh_record_clear(&req);
	return rc;
}

#define CHRONOLOGY_TRIES 3

/*
 * The chronology of case (as the user named it) into rep, as of one moment.
 * A long case comes in pages of at most 500 records (PROTOCOL.md 10), each
 * read in a transaction of its own: an event that reached the case
 * meanwhile may sort before a page already read. So when there were several
 * pages, the case's event count is read again, and if it moved the whole
 * chronology is read again. 0, or 1 after saying why.
 */
static int chronology_read(const char *case_arg, int for_sar, lfh_reply *rep)
{
	for (int i = 0; i < CHRONOLOGY_TRIES; i++) {
		lfh_reply head = { 0 };
		size_t npages = 0;
		uint64_t before;
		int rc = chronology_call(case_arg, for_sar, 500, rep, &npages);

		if (rc || npages < 2 || !rep->nrecords)
			return rc;
		before = rec_u(&rep->records[0], "events");
		rc = chronology_call(case_arg, for_sar, 1, &head, NULL); /* its case record alone */
		if (rc == 0 && head.nrecords && rec_u(&head.records[0], "events") == before) {
			lfh_reply_clear(&head);
			return 0;
		}
		lfh_reply_clear(&head);
		lfh_reply_clear(rep);
		if (rc)
			return rc;
	}
	cli_error("case %s was written to while its chronology was read, %d times: try again",
		  case_arg, CHRONOLOGY_TRIES);
	return 1;
}

static const char chronology_usage[] =
	"usage: lfh case chronology CASE [--html|--json] [--out FILE]\n\n"
	"The case's chronology, for a civil injunction, criminal behaviour order or\n"
	"closure order application: every entry this node may read, in the order\n"
	"things happened (an entry's --on date, a case meeting's --date), numbered,\n"
	"with who recorded it and when; corrections shown in place, redacted and\n"
	"not-applied entries left out and counted at the end. It names the node it\n"
	"was exported from and when. Times in $LFH_TZ (default Europe/London).\n"
	"The node audits the export. A long case is read in pages; one written to\n"
	"meanwhile is read again (3 tries), so the pack is of one moment.\n\n"
	"  --html      a document to print or send (numbered, paged)\n"
	"  --json      the records as the node sends them\n"
	"  --out FILE  write to FILE (created, mode 0600; must not exist)\n";

int chronology_main(int argc, char **argv)
{
	const char *case_id = NULL, *out = NULL;
	enum format fmt = TEXT;
	lfh_reply rep = { 0 };
	FILE *f;
	int failed = 0;
	int rc = parse(argc, argv, chronology_usage, NULL, NULL, 0, &case_id, &fmt, &out);

	if (rc)
		return rc < 0 ? 0 : rc;
	if (!case_id) {
		cli_error("which case? usage: lfh case chronology CASE [--html|--json]");
		return 2;
	}
	rc = chronology_read(case_id, 0, &rep); /* a long case in pages, printed as one pack */
	if (rc == 0 && rep.nrecords && (f = out_file(out))) {
		const lfh_record *c = &rep.records[0];
		char title[256], made[256], omitted[256];
		made_by(c, made, sizeof made);
		left_out(rep.records + 1, rep.nrecords - 1, omitted, sizeof omitted);
		snprintf(title, sizeof title, "Chronology of case %s: %s",
			 *str(c, "ref") ? str(c, "ref") : str(c, "case"), str(c, "summary"));
		if (rep.nrecords > 2)
			qsort(rep.records + 1, rep.nrecords - 1, sizeof rep.records[0], cli_by_on);
		if (fmt == JSON) {
			failed = json_to(f, rep.records, rep.nrecords);
		} else if (fmt == HTML) {
			html_head(f, title);
			html_case(f, c);
			failed = html_entries(f, rep.records + 1, rep.nrecords - 1, 0);
			fputs("<p><small>", f);
			esc(f, omitted);
			fputs(" ", f);
			esc(f, made);
			fputs("</small></p>\n</body></html>\n", f);
		} else {
			fprintf(f, "%s\n%s\n\n", title, made);
			failed = text_entries(f, rep.records + 1, rep.nrecords - 1, 0);
			fprintf(f, "\n%s\n", omitted);
		}
		rc = close_out(f, out, failed);
	} else if (rc == 0 && rep.nrecords) {
		rc = 1;
	}
	lfh_reply_clear(&rep);
	return rc;
}

static const char sar_usage[] =
	"usage: lfh sar --subject NAME [--dob DATE] [--html|--json] [--out FILE]\n\n"
	"Subject access (UK GDPR Art 15): everything this node holds and can read\n"
	"about a person, across the cases whose referral names them as subject\n"
	"(every word of NAME, case and accents ignored; with --dob, only referrals\n"
	"with that date of birth): each case, its entries with who they were shared\n"
	"with and when (agencies that joined later and were sent them too), and who\n"
	"read or wrote it at this node. Then the other cases\n"
	"whose entries name them (every word of NAME in one field: a victim, a\n"
	"witness, a note; the date of birth cannot be checked there), each with the\n"
	"field and its text, for you to read and redact: they are about someone\n"
	"else. Redacted entries are left out. Needs the manager role; the node\n"
	"audits the export.\n\n"
	"  --html      a document a data-protection officer can send\n"
	"  --json      the records as the node sends them (section case, entry, viewed,\n"
	"              mentioned)\n"
	"  --out FILE  write to FILE (created, mode 0600; must not exist)\n";

/* The SAR's records of case c (recs[0] its case record), up to the next case record. */
static size_t case_span(const lfh_record *recs, size_t n)
{
	size_t k = 1;
	while (k < n && strcmp(str(&recs[k], "section"), "entry") == 0)
		k++;
	return k;
}

/* The other cases that name the subject (section "mentioned"): where, not their entries. */
static void sar_mentions(FILE *f, const lfh_reply *rep, enum format fmt)
{
	size_t n = 0;

	for (size_t i = 0; i < rep->nrecords; i++)
		n += !strcmp(str(&rep->records[i], "section"), "mentioned");
	if (!n)
		return;
	if (fmt == HTML)
		fprintf(f, "<h2>Named in %zu other case%s</h2>\n<p>Not about this person: read each "
			   "and disclose only what is theirs.</p>\n<table>\n<tr><th>Case</th>"
			   "<th>Field</th><th>Text</th></tr>\n", n, n == 1 ? "" : "s");
	else
		fprintf(f, "\nNamed in %zu other case%s (not about this person: read each and "
			   "disclose only what is theirs):\n", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < rep->nrecords; i++) {
		const lfh_record *m = &rep->records[i];
		const char *ref = *str(m, "ref") ? str(m, "ref") : str(m, "case");
		if (strcmp(str(m, "section"), "mentioned"))
			continue;
		if (fmt == HTML) {
			fputs("<tr><td>", f);
			esc(f, ref);
			fputs("</td><td>", f);
			esc(f, str(m, "field"));
			fputs("</td><td>", f);
			esc(f, str(m, "match"));
			fputs("</td></tr>\n", f);
		} else {
			fprintf(f, "  %s  %s: %s\n", ref, str(m, "field"), str(m, "match"));
		}
	}
	if (fmt == HTML)
		fputs("</table>\n", f);
}

/* Who read or wrote the case at this node (a subject access request lists it), as fmt. */
static void sar_viewed(FILE *f, const lfh_reply *rep, const char *case_hex, enum format fmt)
{
	int any = 0;

	for (size_t i = 0; i < rep->nrecords; i++) {
		const lfh_record *v = &rep->records[i];
		if (strcmp(str(v, "section"), "viewed") || strcmp(str(v, "case"), case_hex))
			continue;
		if (!any++)
			fputs(fmt == HTML ? "<h3>Read or written at this node</h3>\n<table>\n"
					    "<tr><th>When</th><th>Who</th><th>What</th></tr>\n"
					  : "  read or written at this node:\n", f);
		if (fmt != HTML) {
			fprintf(f, "    %s  %s  %s\n", str(v, "time"), str(v, "by"), str(v, "cmd"));
			continue;
		}
		fputs("<tr><td>", f);
		esc(f, str(v, "time"));
		fputs("</td><td>", f);
		esc(f, str(v, "by"));
		fputs("</td><td>", f);
		esc(f, str(v, "cmd"));
		fputs("</td></tr>\n", f);
	}
	if (any && fmt == HTML)
		fputs("</table>\n", f);
}

/* A reply being built: its records, and room for cap of them (grown by doubling). */
struct sar_out {
	lfh_reply rep;
	size_t cap;
};

/* Move recs[0..n) to the end of out (they are left empty). 0, or 1 after saying why. */
static int move_records(struct sar_out *out, lfh_record *recs, size_t n)
{
	if (out->rep.nrecords + n > out->cap) {
		size_t cap = out->cap ? out->cap : 64;
		lfh_record *p;
		while (cap < out->rep.nrecords + n)
			cap *= 2;
		if (!(p = realloc(out->rep.records, cap * sizeof *p))) {
			cli_error("out of memory");
			return 1;
		}
		out->rep.records = p;
		out->cap = cap;
	}
	memcpy(out->rep.records + out->rep.nrecords, recs, n * sizeof *recs);
	memset(recs, 0, n * sizeof *recs);
	out->rep.nrecords += n;
	return 0;
}

/* The entries of case (its id, hex) to the end of out: its chronology, in pages. */
static int case_entries(const char *case_hex, struct sar_out *out)
{
	lfh_reply pages = { 0 };
	int rc = chronology_read(case_hex, 1, &pages);

	for (size_t i = 0; rc == 0 && i < pages.nrecords; i++) /* the entries, in order */
		if (!strcmp(str(&pages.records[i], "section"), "entry"))
			rc = move_records(out, &pages.records[i], 1);
	lfh_reply_clear(&pages);
	return rc;
}

/*
 * The SAR's cases with their entries. The node answered with each case's
 * record only (entries "no"), so that no reply need hold a long case whole;
 * each case's entries come from its chronology, in pages, put after its
 * record. A node before 0.4.5 ignores the field and sends the entries
 * itself: rep is then kept. 0, or 1 after saying why.
 */
static int sar_entries(lfh_reply *rep)
{
	struct sar_out out = { { 0 }, 0 };
	size_t from = 0;
	int rc = 0;

	for (size_t i = 0; i < rep->nrecords; i++)
		if (!strcmp(str(&rep->records[i], "section"), "entry"))
			return 0;
	for (size_t i = 0; rc == 0 && i < rep->nrecords; i++) {
		char case_hex[65];
		if (strcmp(str(&rep->records[i], "section"), "case"))
			continue;
		snprintf(case_hex, sizeof case_hex, "%s", str(&rep->records[i], "case"));
		rc = move_records(&out, rep->records + from, i + 1 - from);
		from = i + 1;
		if (rc == 0)
			rc = case_entries(case_hex, &out);
	}
	if (rc == 0)
		rc = move_records(&out, rep->records + from, rep->nrecords - from);
	lfh_reply_clear(rep);
	*rep = out.rep;
	return rc;
}

int sar_main(int argc, char **argv)
{
	static const char *const names[] = { "subject", "dob" };
	const char *values[2] = { NULL, NULL }, *out = NULL;
	enum format fmt = TEXT;
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	size_t ncases = 0;
	FILE *f;
	int failed = 0;
	int rc = parse(argc, argv, sar_usage, names, values, 2, NULL, &fmt, &out);

	if (rc)
		return rc < 0 ? 0 : rc;
	if (!values[0]) {
		cli_error("whose data? usage: lfh sar --subject NAME [--dob DATE] [--html|--json]");
		return 2;
	}
	lfh_record_set_str(&req, "cmd", "sar", &err);
	lfh_record_set_str(&req, "entries", "no", &err); /* read each case's in pages after */
	if (lfh_record_set_str(&req, "subject", values[0], &err) ||
	    (values[1] && lfh_record_set_str(&req, "dob", values[1], &err))) {
		cli_error("%s", err.msg);
		lfh_record_clear(&req);
		return 2;
	}
	rc = cli_call(&req, &rep);
	lfh_record_clear(&req);
	if (rc == 0)
		rc = sar_entries(&rep);
	for (size_t i = 0; rc == 0 && i < rep.nrecords; i++)
		ncases += !strcmp(str(&rep.records[i], "section"), "case");
	if (rc == 0 && (f = out_file(out))) {
		char title[256];
		snprintf(title, sizeof title, "Subject access: %s%s%s", values[0],
			 values[1] ? ", born " : "", values[1] ? values[1] : "");
		if (fmt == JSON) {
			failed = json_to(f, rep.records, rep.nrecords);
		} else {
			if (fmt == HTML) {
				html_head(f, title);
				fprintf(f, "<p>%zu case%s held at this node.</p>\n", ncases,
					ncases == 1 ? "" : "s");
			} else {
				fprintf(f, "%s: %zu case%s held at this node (times are local time "
					   "in %s)\n", title, ncases, ncases == 1 ? "" : "s", cli_zone());
			}
			for (size_t i = 0; i < rep.nrecords;) {
				const lfh_record *c = &rep.records[i];
				size_t span;
				if (strcmp(str(c, "section"), "case")) {
					i++;
					continue;
				}
				span = case_span(rep.records + i, rep.nrecords - i);
				if (fmt == HTML) {
					html_case(f, c);
					failed |= html_entries(f, rep.records + i + 1, span - 1, 1);
					sar_viewed(f, &rep, str(c, "case"), fmt);
				} else {
					fprintf(f, "\n%s  %s (subject %s)\n", *str(c, "ref") ? str(c, "ref")
							: str(c, "case"), str(c, "summary"), str(c, "subject"));
					if (*str(c, "dob_check"))
						fprintf(f, "  (%s)\n", str(c, "dob_check"));
					failed |= text_entries(f, rep.records + i + 1, span - 1, 1);
					sar_viewed(f, &rep, str(c, "case"), fmt);
				}
				i += span;
			}
			sar_mentions(f, &rep, fmt);
			if (fmt == HTML) {
				fprintf(f, "<p><small>Exported by lfh %s. Redacted entries are left "
					   "out. Times are local time in ", LFH_VERSION);
				esc(f, cli_zone());
				fputs(".</small></p>\n</body></html>\n", f);
			}
		}
		rc = close_out(f, out, failed);
	} else if (rc == 0) {
		rc = 1;
	}
	lfh_reply_clear(&rep);
	return rc;
}
