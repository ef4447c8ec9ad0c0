/*
 * cmd_import.c - `lfh import`: load a hub's history, exported as JSON Lines
 * or CSV by the system it used before, into this node (import_batch,
 * PROTOCOL.md 10.3). Lines are parsed with jansson (CSV records with
 * libcsv, import_csv.h, as JSON objects), turned into row records (line,
 * occ and the row's fields as text) and sent in batches; the node checks
 * each row as the equivalent lfh command would, writes the good ones as
 * its own events in one transaction a batch, and answers the refused ones
 * with why. Running the same file again resumes: the node knows every row
 * it has imported (by its content and how many identical rows came before
 * it), so nothing is written twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cli.h"
#include "client.h"
#include "import_csv.h"
#include "import_row.h"
#include "lfh/buf.h"

#define ROWS_MAX 4000     /* a batch: the node's IMPORT_ROWS_MAX */
#define PARTS_MAX 50      /* p00..p49 */
#define PART_BIN_MAX 12288 /* base64 of it fits a record value (16384) */
#define LINE_MAX_LEN 65536
#define DIGEST_LEN 16
#define SHOW_REFUSED 20

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lfh import [--format jsonl|csv] [--rejects FILE] [--batch N]\n"
		"                  [--retry-refused] [--json] FILE\n"
		"\n"
		"Load a hub's history from the system it used before: FILE holds JSON Lines,\n"
		"one object a line, or CSV (below), each row with a \"kind\" and the fields of\n"
		"the lfh command it stands for:\n"
		"  {\"kind\":\"case\",\"ext_id\":\"OLD-123\",\"summary\":...,\"location\":...,\n"
		"   \"category\":...,\"risk\":\"standard|medium|high\",\"to\":\"housing,council\",\n"
		"   \"subject\":...,\"dob\":\"1980-05-01\",\"description\":...,\"on\":\"2024-03-01\",\n"
		"   \"by\":\"PC Jones\"}\n"
		"  {\"kind\":\"note\",\"case\":\"OLD-123\",\"text\":...,\"on\":...,\"by\":...}\n"
		"  {\"kind\":\"action\",\"case\":\"OLD-123\",\"agency\":\"housing\",\n"
		"   \"power\":\"tenancy-warning\",\"text\":...,\"due\":\"2024-04-01\",\"status\":\"done\",\n"
		"   \"outcome\":...,\"status_on\":\"2024-03-20\",\"on\":...,\"by\":...}\n"
		"and risk, objective, scanning, meeting, assessment, review, equality with\n"
		"the fields of 'lfh case STEP' (see lfh case --help; a review's --kind as\n"
		"\"review_kind\", a step's team as \"team\"). A case row opens a\n"
		"case led by this node's agency, numbered in the year of its \"on\"; the rows\n"
		"after it name it by its ext_id in \"case\" (or a case already held by its\n"
		"reference, e.g. POLICE-24-0007). \"on\" is when it happened\n"
		"(YYYY-MM-DD or YYYY-MM-DDTHH:MMZ, never in the future), \"by\" who recorded\n"
		"it (default: you). \"to\" and \"attendees\" may be lists (no other field);\n"
		"numbers are taken as text. An action\n"
		"with a status other than open (done, cancelled, refused, carried, paused:\n"
		"with outcome, resume, refusal, who as 'lfh case update') also\n"
		"records its outcome; those fields without such a status are refused.\n"
		"Two case rows with one ext_id in a file (two cases sharing an id, or an\n"
		"export twice): the second, and every later row naming that id, is refused,\n"
		"never filed into the first case. A line at most 65536 bytes (a UTF-8 byte\n"
		"order mark before the first is skipped), a row's fields together at most\n"
		"12 KB. FILE may be a pipe (/dev/stdin). A row with a field its command does\n"
		"not take is refused.\n"
		"\n"
		"CSV (RFC 4180, UTF-8; read when FILE ends in .csv, or with --format csv):\n"
		"the first line names the columns, the same names as above (kind, ext_id,\n"
		"case, text, on, by, ...); each later record is a row, an empty cell a field\n"
		"left out; a cell holding a comma, a quote or a line break is quoted, a\n"
		"quote inside it doubled (\"to\" as \"housing,council\"). A record with more\n"
		"or fewer cells than the header has columns is refused; malformed CSV (a\n"
		"stray quote) stops the import at its line. A CSV row is the same row as its\n"
		"JSON Lines form: the same rows in the same order, in either form, resume\n"
		"an import of the other.\n"
		"\n"
		"Every row is checked as the lfh command would be (the OSARA rules: an\n"
		"action needs a case meeting before it); refused rows are listed with their\n"
		"line and why, the others are written as signed, encrypted events, many in\n"
		"each durable commit. Interrupted, run the same command again: rows already\n"
		"imported are skipped, never written twice, and the rows refused are\n"
		"refused again for the same reason, whatever was imported since (a note\n"
		"before its case row stays refused), so the rows a file brings in never\n"
		"depend on where a run stopped. A row is known by its content and how many\n"
		"identical rows come before it in the file, so resume with the same file\n"
		"whole, never a part of it (tail -n +N would skip rows). Needs the admin role.\n"
		"\n"
		"  --format F      jsonl or csv (default: csv for FILE *.csv, else jsonl)\n"
		"  --retry-refused check the rows an earlier run refused again (after the\n"
		"                  ISA changed, say); a row moved in the file is the same row\n"
		"  --rejects FILE  also write each refused row to FILE as JSON Lines\n"
		"                  {\"line\",\"reason\",\"row\"} (FILE is replaced, made 0600, never\n"
		"                  through a symbolic link; it must not be the file imported;\n"
		"                  bytes not UTF-8 are shown as U+FFFD)\n"
		"  --batch N       rows a request (1 to %d, default %d)\n"
		"  --json          print the summary as JSON\n"
		"\n"
		"A progress line goes to stderr when it is a terminal. Exit status: 0 every\n"
		"row imported (now or before), 1 some refused or the import stopped (run it\n"
		"again), 2 bad usage.\n"
		"\n"
		"example:\n"
		"  lfh import --rejects refused.jsonl history.jsonl\n",
		ROWS_MAX, ROWS_MAX);
}

struct refused {
	unsigned long line;
	char *reason;
	char *row;
};

/* Identical rows seen so far: digest -> how many (open addressing). */
struct occ_slot {
	uint8_t d[DIGEST_LEN];
	uint32_t count; /* 0: empty */
};

struct import {
	FILE *rejects;
	cli_conn *conn;
	int json, tty, retry_refused;
	size_t batch_max;
	/* the batch being built */
	size_t nrows;
	lfh_buf parts[PARTS_MAX];
	size_t npart;
	unsigned long lines[ROWS_MAX];
	char *texts[ROWS_MAX];
	/* the batch sent, its reply not yet read (built while the node works on it) */
	int inflight;
	size_t fl_nrows;
	unsigned long fl_lines[ROWS_MAX];
	char *fl_texts[ROWS_MAX];
	/* totals */
	unsigned long total, done;
	uint64_t imported, skipped, refused, events;
	struct refused *ref;
	size_t nref, capref;
	struct occ_slot *occ;
	size_t occ_cap, occ_n;
	struct occ_slot *ext; /* each case row's ext_id: how many case rows named it */
	size_t ext_cap, ext_n;
	double t0;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * How many times digest d was counted in table tab before (and, with bump,
 * count it once more). -1: out of memory.
 */
static long count_in(struct occ_slot **tab, size_t *cap, size_t *n, const uint8_t d[DIGEST_LEN],
		     int bump)
{
	if (2 * (*n + 1) > *cap) {
		size_t ncap = *cap ? 2 * *cap : 4096;
		struct occ_slot *o = calloc(ncap, sizeof *o);
		if (!o)
			return -1;
		for (size_t i = 0; i < *cap; i++) {
			if (!(*tab)[i].count)
				continue;
			size_t h;
			memcpy(&h, (*tab)[i].d, sizeof h);
			for (h %= ncap; o[h].count; h = (h + 1) % ncap)
				;
			o[h] = (*tab)[i];
		}
		free(*tab);
		*tab = o;
		*cap = ncap;
	}
	size_t h;
	memcpy(&h, d, sizeof h);
	for (h %= *cap; (*tab)[h].count; h = (h + 1) % *cap)
		if (!memcmp((*tab)[h].d, d, DIGEST_LEN))
			return bump ? (long)(*tab)[h].count++ : (long)(*tab)[h].count;
	if (!bump)
		return 0;
	memcpy((*tab)[h].d, d, DIGEST_LEN);
	(*tab)[h].count = 1;
	(*n)++;
	return 0;
}

/* How many identical rows came before this one (and count it). -1: out of memory. */
static long occurrence(struct import *im, const uint8_t d[DIGEST_LEN])
{
	return count_in(&im->occ, &im->occ_cap, &im->occ_n, d, 1);
}

/*
 * A case named twice by case rows in one file (two cases sharing an id, or
 * the export in the file twice): the second case row, and every later row
 * naming that id, could belong to either case, so they are refused, never
 * filed into the first. 1 (refuse the row; why says so), 0, -1 (no memory).
 */
static int ambiguous_case(struct import *im, const lfh_record *row, char *why, size_t wsize)
{
	const char *kind = lfh_record_str(row, "kind");
	int is_case = kind && !strcmp(kind, "case");
	const char *id = lfh_record_str(row, is_case ? "ext_id" : "case");
	uint8_t d[DIGEST_LEN];
	long seen;

	if (!id)
		return 0;
	crypto_generichash(d, sizeof d, (const uint8_t *)id, strlen(id), NULL, 0);
	if ((seen = count_in(&im->ext, &im->ext_cap, &im->ext_n, d, is_case)) < 0)
		return -1;
	if (is_case && seen)
		snprintf(why, wsize, "ext_id '%.60s': a second case row with this id (an earlier "
			 "line has the first): refused, and so is every later row naming it (two "
			 "cases sharing an id, or the export twice in one file?)", id);
	else if (!is_case && seen > 1)
		snprintf(why, wsize, "case '%.60s': a second case row named it at an earlier line, "
			 "so this row may belong to either: refused, not filed into the first", id);
	else
		return 0;
	return 1;
}

/*
 * s as valid UTF-8 (malloc'd): each ill-formed byte becomes U+FFFD, so a
 * row in another encoding, or a reason cut mid-character, still goes into
 * the rejects file and the JSON summary.
 */
static char *utf8_copy(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), o = 0;
	char *out = malloc(3 * n + 1);

	if (!out)
		return NULL;
	while (n) {
		size_t k = lfh_utf8_seq(p, n);
		if (k) {
			memcpy(out + o, p, k);
			o += k;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			k = 1;
		}
		p += k;
		n -= k;
	}
	out[o] = '\0';
	return out;
}

static int refuse(struct import *im, unsigned long line, const char *reason, const char *row)
{
	if (im->nref == im->capref) {
		size_t cap = im->capref ? 2 * im->capref : 64;
		struct refused *r = realloc(im->ref, cap * sizeof *r);
		if (!r)
			return -1;
		im->ref = r;
		im->capref = cap;
	}
	struct refused *r = &im->ref[im->nref];
	r->line = line;
	r->reason = utf8_copy(reason);
	r->row = utf8_copy(row ? row : "");
	if (!r->reason || !r->row) {
		free(r->reason);
		free(r->row);
		return -1;
	}
	im->nref++;
	im->refused++;
	if (im->rejects) {
		json_t *o = json_pack("{s:I,s:s,s:s}", "line", (json_int_t)line, "reason", r->reason,
				      "row", r->row);
		char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
		if (s)
			fprintf(im->rejects, "%s\n", s);
		free(s);
		json_decref(o);
	}
	return 0;
}

static void progress(struct import *im, int last)
{
	double dt = now_s() - im->t0;
	if (!im->tty)
		return;
	if (im->total && im->done > im->total)
		im->total = im->done; /* the file grew as it was read */
	if (im->total)
		fprintf(stderr, "\rimport: %lu/%lu rows (%lu%%), %llu events, %.0f events/s   ",
			im->done, im->total, im->done * 100 / im->total,
			(unsigned long long)im->events, dt > 0 ? (double)im->events / dt : 0.0);
	else
		fprintf(stderr, "\rimport: %lu rows, %llu events, %.0f events/s   ", im->done,
			(unsigned long long)im->events, dt > 0 ? (double)im->events / dt : 0.0);
	if (last)
		fputc('\n', stderr);
}

static void clear_batch(struct import *im)
{
	for (size_t i = 0; i < im->nrows; i++) {
		free(im->texts[i]);
		im->texts[i] = NULL;
	}
	for (size_t i = 0; i < PARTS_MAX; i++)
		lfh_buf_reset(&im->parts[i]);
	im->nrows = 0;
	im->npart = 0;
}

static void clear_inflight(struct import *im)
{
	for (size_t i = 0; i < im->fl_nrows; i++) {
		free(im->fl_texts[i]);
		im->fl_texts[i] = NULL;
	}
	im->fl_nrows = 0;
	im->inflight = 0;
}

/* The text of a line of the batch sent (for the rejects file). */
static const char *batch_text(const struct import *im, unsigned long line)
{
	for (size_t i = 0; i < im->fl_nrows; i++)
		if (im->fl_lines[i] == line)
			return im->fl_texts[i];
	return "";
}

/* The import_batch request of the batch built. 0, or 1 after saying why. */
static int build_request(struct import *im, lfh_record *req)
{
	lfh_err err = { 0 };
	char key[24];
	int rc = 0;

	if (lfh_record_set_str(req, "cmd", "import_batch", &err) ||
	    lfh_record_set_uint(req, "rows", im->nrows, &err) ||
	    (im->retry_refused && lfh_record_set_str(req, "retry_refused", "yes", &err)))
		rc = 1;
	for (size_t i = 0; !rc && i <= im->npart && i < PARTS_MAX; i++) {
		size_t blen;
		char *b64;
		if (!im->parts[i].len)
			continue;
		blen = sodium_base64_encoded_len(im->parts[i].len, sodium_base64_VARIANT_ORIGINAL);
		if (!(b64 = malloc(blen))) {
			rc = 1;
			break;
		}
		sodium_bin2base64(b64, blen, im->parts[i].data, im->parts[i].len,
				  sodium_base64_VARIANT_ORIGINAL);
		snprintf(key, sizeof key, "p%02zu", i);
		if (lfh_record_set_str(req, key, b64, &err))
			rc = 1;
		free(b64);
	}
	if (rc)
		cli_error("building the request: %s", err.msg[0] ? err.msg : "out of memory");
	return rc;
}

/* Read the reply to the batch sent, if any, and count it; 0, or 1 after saying why. */
static int collect(struct import *im)
{
	lfh_reply rep = { 0 };
	uint64_t v;
	int rc;

	if (!im->inflight)
		return 0;
	if ((rc = cli_conn_recv(im->conn, &rep)) == 0) {
		const lfh_record *sum = rep.nrecords ? &rep.records[0] : NULL;
		if (sum && lfh_record_uint(sum, "imported", &v))
			im->imported += v;
		if (sum && lfh_record_uint(sum, "skipped", &v))
			im->skipped += v;
		if (sum && lfh_record_uint(sum, "events", &v))
			im->events += v;
		for (size_t i = 1; i < rep.nrecords; i++) {
			uint64_t line = 0;
			const char *why = lfh_record_str(&rep.records[i], "reason");
			lfh_record_uint(&rep.records[i], "line", &line);
			if (refuse(im, (unsigned long)line, why ? why : "refused",
				   batch_text(im, (unsigned long)line))) {
				cli_error("out of memory");
				rc = 1;
				break;
			}
		}
		im->done += im->fl_nrows;
		progress(im, 0);
	}
	lfh_reply_clear(&rep);
	clear_inflight(im);
	return rc;
}

/*
 * Send the batch built: first read the reply to the one before, so that
 * lfh builds each batch while the node stores the one before it. 0, or 1
 * after saying why (the import stops).
 */
static int flush(struct import *im)
{
	lfh_record req = { 0 };
	int rc;

	if (!im->nrows)
		return 0;
	rc = build_request(im, &req);
	if (!rc)
		rc = collect(im);
	if (!rc)
		rc = cli_conn_send(im->conn, &req);
	if (!rc) {
		memcpy(im->fl_lines, im->lines, im->nrows * sizeof im->lines[0]);
		memcpy(im->fl_texts, im->texts, im->nrows * sizeof im->texts[0]);
		memset(im->texts, 0, im->nrows * sizeof im->texts[0]);
		im->fl_nrows = im->nrows;
		im->inflight = 1;
	}
	lfh_record_clear(&req);
	clear_batch(im);
	return rc;
}

/* Add one row (its record complete but line and occ) to the batch. */
static int add_row(struct import *im, lfh_record *row, unsigned long line, const char *text)
{
	lfh_buf enc = { 0 };
	lfh_err err = { 0 };
	uint8_t d[DIGEST_LEN];
	long occ;
	int rc = 0;

	char why[LFH_ERRMSG_MAX];
	int amb = ambiguous_case(im, row, why, sizeof why);

	if (amb) {
		rc = amb < 0 ? -1 : refuse(im, line, why, text);
		goto out;
	}
	if (lfh_record_encode(row, &enc, &err)) {
		rc = refuse(im, line, err.msg, text);
		goto out;
	}
	crypto_generichash(d, sizeof d, enc.data, enc.len, NULL, 0);
	if ((occ = occurrence(im, d)) < 0) {
		rc = -1;
		goto out;
	}
	lfh_buf_reset(&enc);
	if (lfh_record_set_uint(row, "line", line, &err) ||
	    lfh_record_set_uint(row, "occ", (uint64_t)occ, &err) ||
	    lfh_record_encode(row, &enc, &err)) {
		rc = refuse(im, line, err.msg, text);
		goto out;
	}
	if (enc.len > PART_BIN_MAX) {
		rc = refuse(im, line, "row too long (its fields together over 12 KB)", text);
		goto out;
	}
	if (im->parts[im->npart].len + enc.len > PART_BIN_MAX && ++im->npart == PARTS_MAX) {
		if ((rc = flush(im)))
			goto out;
	}
	if (lfh_buf_append(&im->parts[im->npart], enc.data, enc.len) ||
	    !(im->texts[im->nrows] = strdup(text))) {
		rc = -1;
		goto out;
	}
	im->lines[im->nrows++] = line;
	if (im->nrows == im->batch_max)
		rc = flush(im);
out:
	lfh_buf_free(&enc);
	return rc;
}

static int blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

/*
 * The lines of f for the progress line, as read_line will count them (a last
 * one without its newline too): 0 (no total) unless f is a regular file,
 * which is read twice.
 */
static unsigned long count_lines(FILE *f)
{
	char buf[65536], last = '\n';
	size_t n;
	unsigned long lines = 0;
	struct stat st;

	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
		return 0; /* a pipe is read once */
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		for (size_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
		last = buf[n - 1];
	}
	rewind(f);
	return lines + (last != '\n');
}

/*
 * The next line of f into *buf (without its newline, NUL-terminated; it
 * may hold NULs: *len counts them), at most LINE_MAX_LEN bytes kept: a
 * longer one sets *too_long and the rest of it is skipped, so memory stays
 * bounded. 1: a line, 0: end of file, -1: a read error or out of memory.
 */
static int read_line(FILE *f, char **buf, size_t *len, int *too_long)
{
	int c;

	*len = 0;
	*too_long = 0;
	if (!*buf && !(*buf = malloc(LINE_MAX_LEN + 1)))
		return -1;
	while ((c = getc(f)) != EOF && c != '\n') {
		if (*len < LINE_MAX_LEN)
			(*buf)[(*len)++] = (char)c;
		else
			*too_long = 1;
	}
	(*buf)[*len] = '\0';
	if (c == EOF && ferror(f))
		return -1;
	return c == EOF && *len == 0 && !*too_long ? 0 : 1;
}

static int by_line(const void *a, const void *b)
{
	const struct refused *x = a, *y = b;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void summary(struct import *im, int stopped)
{
	double dt = now_s() - im->t0;
	double rate = dt > 0 ? (double)im->events / dt : 0.0;

	if (im->nref) /* qsort of NULL, even with 0 entries, is undefined */
		qsort(im->ref, im->nref, sizeof *im->ref, by_line);
	if (im->json) {
		json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:b,s:[]}", "rows",
				      (json_int_t)(im->imported + im->skipped + im->refused),
				      "imported", (json_int_t)im->imported, "skipped",
				      (json_int_t)im->skipped, "refused", (json_int_t)im->refused,
				      "events", (json_int_t)im->events, "seconds", dt,
				      "events_per_second", rate, "complete", !stopped, "refusals");
		json_t *arr = o ? json_object_get(o, "refusals") : NULL;
		for (size_t i = 0; arr && i < im->nref; i++)
			json_array_append_new(arr, json_pack("{s:I,s:s}", "line",
							     (json_int_t)im->ref[i].line, "reason",
							     im->ref[i].reason));
		char *s = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(o);
		return;
	}
	printf("imported %llu rows (%llu events) in %.1f s: %.0f events/s\n",
	       (unsigned long long)im->imported, (unsigned long long)im->events, dt, rate);
	if (im->skipped)
		printf("%llu rows were imported before (skipped)\n", (unsigned long long)im->skipped);
	if (im->refused) {
		printf("%llu rows refused:\n", (unsigned long long)im->refused);
		for (size_t i = 0; i < im->nref && i < SHOW_REFUSED; i++)
			printf("  line %lu: %s\n", im->ref[i].line, im->ref[i].reason);
		if (im->nref > SHOW_REFUSED)
			printf("  ... and %zu more%s\n", im->nref - SHOW_REFUSED,
			       im->rejects ? " (all in the rejects file)" : " (--rejects FILE lists them all)");
	}
	if (stopped)
		printf("the import stopped before the end: run the same command again to go on\n");
}

/* The rows of a JSON Lines file. 0, or 1 after saying why (the import stops). */
static int read_jsonl(struct import *im, FILE *f, const char *path)
{
	char *line = NULL;
	size_t len;
	unsigned long lineno = 0;
	int rc = 0, got, too_long = 0;

	while (rc == 0 && (got = read_line(f, &line, &len, &too_long)) > 0) {
		lfh_record row = { 0 };
		char why[LFH_ERRMSG_MAX];
		lineno++;
		if (lineno == 1 && len >= 3 && !memcmp(line, "\xef\xbb\xbf", 3)) {
			memmove(line, line + 3, len - 2); /* a UTF-8 byte order mark, and the NUL */
			len -= 3;
		}
		if (too_long) {
			rc = refuse(im, lineno, "line too long (max 65536 bytes)", "");
			im->done++;
		} else if (len != strlen(line)) {
			rc = refuse(im, lineno, "a NUL character in the line", "");
			im->done++;
		} else if (blank(line)) {
			im->done++;
		} else if (import_row_parse(line, &row, why, sizeof why)) {
			rc = refuse(im, lineno, why, line);
			im->done++;
		} else {
			rc = add_row(im, &row, lineno, line);
		}
		lfh_record_clear(&row);
		if (rc < 0) {
			cli_error("out of memory");
			rc = 1;
		}
	}
	if (!rc && got < 0) {
		cli_error("reading %s stopped after line %lu: %s", path, lineno,
			  ferror(f) ? strerror(errno) : "out of memory");
		rc = 1;
	}
	free(line);
	return rc;
}

/* import_csv_read's callback: one record of the CSV file as a row. */
static int csv_row(void *ctx, const struct import_csv_row *r)
{
	struct import *im = ctx;
	lfh_record row = { 0 };
	char why[LFH_ERRMSG_MAX], *text = json_dumps(r->obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	int rc;

	if (!text)
		return -1;
	if (r->refused) {
		rc = refuse(im, r->line, r->refused, text);
		im->done++;
	} else if (import_row_from_object(r->obj, &row, why, sizeof why)) {
		rc = refuse(im, r->line, why, text);
		im->done++;
	} else {
		rc = add_row(im, &row, r->line, text);
	}
	lfh_record_clear(&row);
	free(text);
	return rc;
}

/*
 * The rows of a CSV file (import_csv.h); a row refused is listed with the
 * JSON Lines form of its cells. 0; 2 after saying why the rest of the file
 * cannot be read (the rows before it are good); 1 after saying why the
 * import stops at once.
 */
static int read_csv(struct import *im, FILE *f, const char *path)
{
	char err[LFH_ERRMSG_MAX];
	unsigned long lines = 0;
	int rc = import_csv_read(f, csv_row, im, &lines, err, sizeof err);

	if (rc < 0)
		cli_error("out of memory");
	else if (rc == 1 && err[0])
		cli_error("%s: %s", path, err);
	return rc == 1 && err[0] ? 2 : rc ? 1 : 0;
}

/*
 * The rejects file, replaced: it holds whole rows (names, dates of birth), so
 * it is made 0600 and a symbolic link is never followed (it could name any
 * file the user may write). NULL after saying why.
 */
static FILE *open_rejects(const char *path)
{
	struct stat st;
	FILE *out;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		if (errno == ELOOP)
			cli_error("--rejects %s is a symbolic link: give the file itself", path);
		else
			cli_error("cannot write %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && fchmod(fd, 0600) != 0) {
		cli_error("cannot make %s private (0600): %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!(out = fdopen(fd, "w"))) {
		cli_error("cannot write %s: %s", path, strerror(errno));
		close(fd);
	}
	return out;
}

/* CSV when asked, or when FILE is named *.csv; else JSON Lines. -1: an unknown --format. */
static int is_csv(const char *format, const char *path)
{
	size_t n = strlen(path);

	if (format)
		return !strcmp(format, "csv") ? 1 : !strcmp(format, "jsonl") ? 0 : -1;
	return n > 4 && !strcasecmp(path + n - 4, ".csv");
}

int import_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rejects", required_argument, NULL, 'r' },
		{ "batch", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "retry-refused", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct import im = { 0 };
	const char *rejects = NULL, *format = NULL, *path;
	char *end;
	struct stat in_st, rej_st;
	FILE *f;
	int opt, rc = 0, csv;

	im.batch_max = ROWS_MAX;
	optind = 0; /* glibc: a fresh start for this argv */
	opterr = 0; /* cli_bad_option says what was wrong */
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return 0;
		} else if (opt == 'r') {
			rejects = optarg;
		} else if (opt == 'b') {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end || v < 1 || v > ROWS_MAX) {
				cli_error("--batch: expected 1 to %d rows", ROWS_MAX);
				return 2;
			}
			im.batch_max = v;
		} else if (opt == 'j') {
			im.json = 1;
		} else if (opt == 'f') {
			format = optarg;
		} else if (opt == 'R') {
			im.retry_refused = 1;
		} else {
			return cli_bad_option("import", argv, opt);
		}
	}
	if (optind != argc - 1) {
		if (optind < argc - 1)
			cli_error("one FILE to import, not '%s' and '%s' (see lfh import --help)",
				  argv[optind], argv[optind + 1]);
		else
			cli_error("give the FILE to import (see lfh import --help)");
		return 2;
	}
	path = argv[optind];
	if ((csv = is_csv(format, path)) < 0) {
		cli_error("--format: expected jsonl or csv, not '%s'", format);
		return 2;
	}
	if (!(f = fopen(path, "r"))) {
		cli_error("cannot read %s: %m", path);
		return 2;
	}
	if (fstat(fileno(f), &in_st) == 0 && S_ISDIR(in_st.st_mode)) {
		cli_error("%s is a directory: give the file to import (JSON Lines, or CSV)", path);
		fclose(f);
		return 2;
	}
	if (rejects && fstat(fileno(f), &in_st) == 0 && stat(rejects, &rej_st) == 0 &&
	    in_st.st_dev == rej_st.st_dev && in_st.st_ino == rej_st.st_ino) {
		cli_error("--rejects %s is the file to import: give another file (it is replaced)",
			  rejects);
		fclose(f);
		return 2;
	}
	if (rejects && !(im.rejects = open_rejects(rejects))) {
		fclose(f);
		return 2;
	}
	im.tty = isatty(2);
	if (im.tty && (im.total = count_lines(f)) && csv)
		im.total--; /* the header (a record over several lines counts them all) */
	if (cli_conn_open(&im.conn)) {
		rc = 1;
		goto out;
	}
	im.t0 = now_s();
	rc = csv ? read_csv(&im, f, path) : read_jsonl(&im, f, path);
	if (rc != 1) { /* the rows before malformed CSV (2) go in too */
		int frc = flush(&im);
		rc = rc ? 1 : frc;
	}
	if (im.inflight) { /* the node stores it whatever came after: count it */
		int crc = collect(&im);
		rc = rc ? rc : crc;
	}
	progress(&im, 1);
	summary(&im, rc != 0);
	if (!rc && im.refused)
		rc = 1;
out:
	clear_batch(&im);
	clear_inflight(&im);
	for (size_t i = 0; i < PARTS_MAX; i++)
		lfh_buf_free(&im.parts[i]);
	for (size_t i = 0; i < im.nref; i++) {
		free(im.ref[i].reason);
		free(im.ref[i].row);
	}
	free(im.ref);
	free(im.occ);
	free(im.ext);
	cli_conn_close(im.conn);
	if (im.rejects && (ferror(im.rejects) | (fclose(im.rejects) != 0))) {
		cli_error("writing %s: %m", rejects);
		rc = rc ? rc : 1;
	}
	fclose(f);
	return rc;
}
