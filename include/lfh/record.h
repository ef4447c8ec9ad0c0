/*
 * record.h - flat string-keyed records: the plaintext of event bodies and
 * the unit of the control protocol.
 *
 * Encoded as a msgpack map whose keys are str (1..31 bytes of [a-z0-9_]),
 * unique and sorted by bytes, and whose values are str (<= LFH_VALUE_MAX
 * bytes, UTF-8 not checked) or uint64. Canonical like every lfhub encoding.
 */
#ifndef LFH_RECORD_H
#define LFH_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/buf.h"
#include "lfh/err.h"

#define LFH_RECORD_MAX_FIELDS 64
#define LFH_FIELD_KEY_MAX 31
#define LFH_VALUE_MAX 16384

enum lfh_field_kind { LFH_FIELD_STR = 1, LFH_FIELD_UINT = 2 };

typedef struct lfh_field {
	char key[LFH_FIELD_KEY_MAX + 1];
	enum lfh_field_kind kind;
	char *str; /* owned, NUL-terminated, for LFH_FIELD_STR */
	size_t str_len;
	uint64_t u; /* for LFH_FIELD_UINT */
} lfh_field;

typedef struct lfh_record {
	size_t n;
	lfh_field f[LFH_RECORD_MAX_FIELDS];
} lfh_record;

/* Set (add or replace) a string / uint field. 0, LFH_EINVAL, LFH_ETOOBIG, LFH_ENOMEM. */
int lfh_record_set_str(lfh_record *r, const char *key, const char *val, lfh_err *err);
int lfh_record_set_uint(lfh_record *r, const char *key, uint64_t val, lfh_err *err);

/* The string value of key, or NULL if absent or not a string. */
const char *lfh_record_str(const lfh_record *r, const char *key);

/* 1 and *out set if key holds a uint; else 0. */
int lfh_record_uint(const lfh_record *r, const char *key, uint64_t *out);

/* Append the canonical encoding (keys sorted) to out. */
int lfh_record_encode(const lfh_record *r, lfh_buf *out, lfh_err *err);

/* An upper bound of the bytes lfh_record_encode appends for r (never less than it does). */
size_t lfh_record_encoded_max(const lfh_record *r);

/* Strictly decode one record occupying all of raw. r must be zeroed/cleared. */
int lfh_record_decode(const uint8_t *raw, size_t len, lfh_record *r, lfh_err *err);

/* Remove key's field, if present. */
void lfh_record_del(lfh_record *r, const char *key);

/* Free owned strings and zero r. */
void lfh_record_clear(lfh_record *r);

#endif
