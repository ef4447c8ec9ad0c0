/*
 * import_row.h - a row of `lfh import` from its JSON form: a line of JSON
 * Lines, or the object import_csv.h makes of a CSV record. The row is an
 * lfh_record of text fields (numbers as text, a list in to or attendees as
 * "a,b"), without line and occ, which cmd_import.c adds.
 */
#ifndef LFH_CLI_IMPORT_ROW_H
#define LFH_CLI_IMPORT_ROW_H

#include <stddef.h>

#include <jansson.h>

#include "lfh/record.h"

/* The fields of JSON object o as row; -1 and why if one cannot be (a bad name, a value). */
int import_row_from_object(json_t *o, lfh_record *row, char *why, size_t wsize);

/* A line of JSON Lines as a row; -1 and why if it is not a JSON object or cannot be a row. */
int import_row_parse(const char *text, lfh_record *row, char *why, size_t wsize);

#endif
