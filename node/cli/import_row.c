/*
 * import_row.c - a row of `lfh import` from its JSON form (import_row.h): a
 * line of JSON Lines, or the object import_csv.c makes of a CSV record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_csv.h"
#include "import_row.h"

/* A JSON value as a row field: text, a number as text, a list (to, attendees) as "a,b". */
static int set_value(lfh_record *row, const char *key, json_t *v, char *why, size_t wsize)
{
	lfh_err err = { 0 };
	char num[32], *list = NULL;
	const char *s = NULL;
	int rc;

	if (json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		s = json_string_value(v);
		if (strlen(s) != json_string_length(v)) {
			snprintf(why, wsize, "%s: text with a NUL character", key);
			return -1;
		}
	} else if (json_is_integer(v) && json_integer_value(v) >= 0) {
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		s = num;
	} else if (json_is_array(v)) {
		size_t i, len = 1;
		json_t *e;
		if (strcmp(key, "to") && strcmp(key, "attendees")) { /* "a","b" would read "a,b" */
			snprintf(why, wsize, "%s: a list is taken only in to and attendees", key);
			return -1;
		}
		json_array_foreach(v, i, e) {
			if (!json_is_string(e)) {
				snprintf(why, wsize, "%s: a list of texts expected", key);
				return -1;
			}
			len += json_string_length(e) + 1;
		}
		if (!(list = calloc(1, len))) {
			snprintf(why, wsize, "out of memory");
			return -1;
		}
		json_array_foreach(v, i, e) {
			if (i)
				strcat(list, ",");
			strcat(list, json_string_value(e));
		}
		s = list;
	} else {
		snprintf(why, wsize, "%s: expected text, a whole number or a list of texts", key);
		return -1;
	}
	rc = lfh_record_set_str(row, key, s, &err);
	free(list);
	if (rc)
		snprintf(why, wsize, "%.31s: %.200s", key, err.msg);
	return rc ? -1 : 0;
}

/* A JSON object of the file as a row record (without line and occ); -1 and why if it cannot be. */
int import_row_from_object(json_t *o, lfh_record *row, char *why, size_t wsize)
{
	const char *key;
	json_t *v;
	int rc = 0;

	json_object_foreach(o, key, v) {
		if (!import_field_name_ok(key, strlen(key))) {
			snprintf(why, wsize, "unknown field '%.40s' (names are lower-case letters, "
				 "digits and _)", key);
			rc = -1;
		} else if (!strcmp(key, "line") || !strcmp(key, "occ")) {
			snprintf(why, wsize, "field '%s' is reserved", key);
			rc = -1;
		} else {
			rc = set_value(row, key, v, why, wsize);
		}
		if (rc)
			break;
	}
	return rc;
}

/* A line of the file as a row record (without line and occ); -1 and why if it cannot be. */
int import_row_parse(const char *text, lfh_record *row, char *why, size_t wsize)
{
	json_error_t jerr;
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	int rc;

	if (!o) {
		/* jansson names its own flag for a NUL: say what is wrong with the row instead */
		snprintf(why, wsize, "not JSON: %s%s", strstr(jerr.text, "JSON_ALLOW_NUL")
			 ? "a \\u0000 (NUL) in a string is not allowed" : jerr.text,
			 text[0] != '{' && strchr(text, ',') ? " (a CSV file? give --format csv)" : "");
		return -1;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		snprintf(why, wsize, "not a JSON object");
		return -1;
	}
	rc = import_row_from_object(o, row, why, wsize);
	json_decref(o);
	return rc;
}

