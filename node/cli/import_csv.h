/*
 * import_csv.h - the CSV form of `lfh import` (RFC 4180, read with libcsv).
 *
 * The first record is the header: the names of the columns, the same field
 * names as the JSON Lines form ("kind", "ext_id", "case", "text", ...).
 * Every later record is one row: its non-empty cells, by column name, as
 * JSON text values, so that a row reaches the node exactly as the same row
 * written as JSON Lines does (and is known by the same digest). An empty
 * cell is a field left out; a list (to, attendees) is one cell of names
 * separated by commas, quoted.
 */
#ifndef LFH_CLI_IMPORT_CSV_H
#define LFH_CLI_IMPORT_CSV_H

#include <stdio.h>

#include <jansson.h>

/* The most bytes a record may take in the file (a JSON Lines line may as many). */
#define IMPORT_CSV_RECORD_MAX 65536

/* A row's field name (a CSV column's, a JSON member's): 1..31 of [a-z0-9_]. */
int import_field_name_ok(const char *s, size_t len);

/* One record of the file after the header. */
struct import_csv_row {
	unsigned long line; /* the line of the file it starts on */
	json_t *obj;        /* its non-empty cells by column name (never NULL) */
	const char *refused; /* NULL, or why it cannot be a row (a cell too many, not UTF-8) */
};

/*
 * Read the CSV in f, calling fn for each record after the header, in order.
 * 0 at the end of the file; fn's return when it is not 0 (reading stops);
 * 1 after writing to err why the rest of the file cannot be read (a bad
 * header, malformed CSV, a record over IMPORT_CSV_RECORD_MAX bytes, a read
 * error); -1 out of memory. *lines is the number of lines read.
 */
int import_csv_read(FILE *f, int (*fn)(void *ctx, const struct import_csv_row *row), void *ctx,
		    unsigned long *lines, char *err, size_t errsize);

#endif
