/*
 * import_csv.c - the CSV form of `lfh import` (import_csv.h).
 *
 * The file is fed to libcsv (strict mode: a stray quote is an error, never
 * guessed at) one line at a time, so that each record can be given the
 * line it starts on and no record can grow memory without bound: reading
 * stops at a record over IMPORT_CSV_RECORD_MAX bytes, as at malformed CSV,
 * since what follows an unclosed quote cannot be told apart into records.
 * A record with another number of cells than the header has columns is
 * refused whole, never read with its cells under the wrong names.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "import_csv.h"
#include "lfh/record.h"

#define COLUMNS_MAX 64

struct reader {
	char *cols[COLUMNS_MAX];
	size_t ncol;
	int header_done;
	json_t *obj;      /* the record being read */
	size_t cells;     /* its cells so far, empty ones too */
	char why[200];    /* the first reason it is refused, or "" */
	unsigned long line, start;
	int need_start;   /* the next non-blank line starts a record */
	size_t rec_bytes; /* bytes fed since it started */
	int (*fn)(void *, const struct import_csv_row *);
	void *ctx;
	int rc;           /* fn's non-zero return, or 1 with err set, or -1 */
	char *err;
	size_t errsize;
};

int import_field_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > LFH_FIELD_KEY_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* Reading stops: err says why. */
__attribute__((format(printf, 2, 3))) static void stop(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->rc)
		return;
	va_start(ap, fmt);
	vsnprintf(r->err, r->errsize, fmt, ap);
	va_end(ap);
	r->rc = 1;
}

static void header_cell(struct reader *r, const char *s, size_t len)
{
	if (r->ncol == COLUMNS_MAX) {
		stop(r, "CSV header (line %lu): more than %d columns", r->start, COLUMNS_MAX);
		return;
	}
	if (!import_field_name_ok(s, len)) {
		stop(r, "CSV header (line %lu): column '%.40s' is not a field name: lower-case "
		     "letters, digits and _, as in the JSON Lines form (kind, ext_id, case, ...)",
		     r->start, s);
		return;
	}
	for (size_t i = 0; i < r->ncol; i++)
		if (!strcmp(r->cols[i], s)) {
			stop(r, "CSV header (line %lu): column '%s' is named twice", r->start, s);
			return;
		}
	if (!(r->cols[r->ncol] = strndup(s, len)))
		r->rc = -1;
	else
		r->ncol++;
}

static void header_end(struct reader *r)
{
	int kind = 0;
	for (size_t i = 0; i < r->ncol; i++)
		kind |= !strcmp(r->cols[i], "kind");
	if (!kind)
		stop(r, "CSV header (line %lu): no 'kind' column (the first line names the "
		     "columns: kind, ext_id, case, ...)", r->start);
	r->header_done = 1;
}

/* libcsv: the end of a field (NUL-terminated, CSV_APPEND_NULL). */
static void on_field(void *s, size_t len, void *data)
{
	struct reader *r = data;
	json_t *v;

	if (r->rc)
		return;
	if (!r->header_done) {
		header_cell(r, s, len);
		return;
	}
	if (r->cells++ >= r->ncol || len == 0 || r->why[0])
		return; /* counted (a cell too many refuses the record), or left out */
	if (!(v = json_stringn(s, len))) {
		snprintf(r->why, sizeof r->why, "column %.31s: not UTF-8 text (save the CSV as "
			 "UTF-8)", r->cols[r->cells - 1]);
		return;
	}
	if (json_object_set_new(r->obj, r->cols[r->cells - 1], v))
		r->rc = -1;
}

/* libcsv: the end of a record. */
static void on_record(int c, void *data)
{
	struct reader *r = data;
	(void)c;

	if (r->rc)
		return;
	if (!r->header_done) {
		header_end(r);
	} else {
		struct import_csv_row row = { .line = r->start, .obj = r->obj };
		if (!r->why[0] && r->cells != r->ncol)
			snprintf(r->why, sizeof r->why, "%zu cells, but the header names %zu columns",
				 r->cells, r->ncol);
		row.refused = r->why[0] ? r->why : NULL;
		r->rc = r->fn(r->ctx, &row);
	}
	json_object_clear(r->obj);
	r->cells = 0;
	r->why[0] = '\0';
	r->need_start = 1;
	r->rec_bytes = 0;
}

static int blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/*
 * The next line of f, its newline kept, into buf (IMPORT_CSV_RECORD_MAX + 1
 * bytes): its length, 0 at the end of the file, -1 a read error, -2 a line
 * longer than the buffer (the record is too long: reading stops anyway).
 */
static long next_line(FILE *f, char *buf)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF) {
		if (n == IMPORT_CSV_RECORD_MAX + 1)
			return -2;
		buf[n++] = (char)c;
		if (c == '\n')
			break;
	}
	if (c == EOF && ferror(f))
		return -1;
	return (long)n;
}

static void parse_error(struct reader *r, struct csv_parser *p, int at_end)
{
	if (csv_error(p) == CSV_ENOMEM) {
		r->rc = -1;
		return;
	}
	if (at_end)
		stop(r, "malformed CSV: the quoted cell begun on line %lu is never closed", r->start);
	else
		stop(r, "malformed CSV on line %lu: a quote inside an unquoted cell, or text "
		     "after a closing quote (write a quote inside a quoted cell as \"\")", r->line);
}

int import_csv_read(FILE *f, int (*fn)(void *ctx, const struct import_csv_row *row), void *ctx,
		    unsigned long *lines, char *err, size_t errsize)
{
	struct reader r = { .fn = fn, .ctx = ctx, .err = err, .errsize = errsize, .need_start = 1 };
	struct csv_parser p;
	char *buf = malloc(IMPORT_CSV_RECORD_MAX + 1);
	long n;

	err[0] = '\0';
	r.obj = json_object();
	if (!buf || !r.obj || csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)) {
		free(buf);
		json_decref(r.obj);
		return -1;
	}
	while (!r.rc && (n = next_line(f, buf)) > 0) {
		char *s = buf;
		r.line++;
		if (r.line == 1 && n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
			s += 3; /* a UTF-8 byte order mark */
			n -= 3;
		}
		if (r.need_start && !blank_line(s, (size_t)n)) {
			r.start = r.line;
			r.need_start = 0;
		}
		if (!r.need_start && (r.rec_bytes += (size_t)n) > IMPORT_CSV_RECORD_MAX)
			break;
		if (csv_parse(&p, s, (size_t)n, on_field, on_record, &r) != (size_t)n)
			parse_error(&r, &p, 0);
	}
	if (!r.rc && n == -1)
		stop(&r, "reading stopped after line %lu: %s", r.line, strerror(errno));
	else if (!r.rc && (n == -2 || r.rec_bytes > IMPORT_CSV_RECORD_MAX))
		stop(&r, "the CSV record begun on line %lu is over %d bytes (a quote left open?)",
		     r.start, IMPORT_CSV_RECORD_MAX);
	if (!r.rc && csv_fini(&p, on_field, on_record, &r))
		parse_error(&r, &p, 1);
	*lines = r.line;
	csv_free(&p);
	for (size_t i = 0; i < r.ncol; i++)
		free(r.cols[i]);
	json_decref(r.obj);
	free(buf);
	return r.rc;
}
