/*
 * record.c - flat string-keyed records (event plaintexts, control requests
 * and replies): a msgpack map with str keys and str-or-uint values.
 *
 * Design. An lfh_record is an unordered array of at most 64 fields that the
 * setters keep unique by key; the encoder sorts the keys (strcmp order, which
 * equals "bytes, then length" because keys hold no NUL) so the encoding does
 * not depend on the order fields were set in. The decoder is strict: keys
 * 1..31 bytes of [a-z0-9_] in strictly ascending order (hence unique),
 * values str (<= LFH_VALUE_MAX bytes, no NUL, so they are usable as C
 * strings) or a non-negative integer, nothing else; and the input must be
 * exactly the canonical re-encoding. String values are owned (malloc'd) and
 * wiped on clear, as records carry case data in plaintext.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/mp.h"
#include "lfh/record.h"

/* msgpack objects in a valid record: at most 1 + 2 * 64 = 129. */
#define MAX_OBJECTS 256

/* ---- fields ---- */

static int key_valid(const char *k, size_t n)
{
	if (n < 1 || n > LFH_FIELD_KEY_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)k[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

static void field_free(lfh_field *f)
{
	if (f->str) {
		sodium_memzero(f->str, f->str_len);
		free(f->str);
	}
	f->str = NULL;
	f->str_len = 0;
}

/*
 * Where key goes in r: the index of the existing field, or r->n for a new
 * one if there is room. Validates the key.
 */
static int field_slot(const lfh_record *r, const char *key, size_t *idx, lfh_err *err)
{
	if (!key || !key_valid(key, strnlen(key, LFH_FIELD_KEY_MAX + 1)))
		return lfh_err_set(err, LFH_EINVAL, "record: invalid field name \"%.31s\"",
				   key ? key : "");
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->f[i].key, key) == 0) {
			*idx = i;
			return 0;
		}
	}
	if (r->n >= LFH_RECORD_MAX_FIELDS)
		return lfh_err_set(err, LFH_ETOOBIG, "record: more than %d fields",
				   LFH_RECORD_MAX_FIELDS);
	*idx = r->n;
	return 0;
}

/* Store a field at idx (from field_slot), taking ownership of str. */
static void field_put(lfh_record *r, size_t idx, const char *key, enum lfh_field_kind kind,
		      char *str, size_t str_len, uint64_t u)
{
	lfh_field *f = &r->f[idx];

	if (idx < r->n)
		field_free(f);
	else
		r->n++;
	memcpy(f->key, key, strlen(key) + 1);
	f->kind = kind;
	f->str = str;
	f->str_len = str_len;
	f->u = u;
}

int lfh_record_set_str(lfh_record *r, const char *key, const char *val, lfh_err *err)
{
	size_t idx, n;
	char *dup;
	int rc;

	if (!val)
		return lfh_err_set(err, LFH_EINVAL, "record: missing value");
	n = strlen(val);
	if (n > LFH_VALUE_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "record: value of %zu bytes exceeds %d",
				   n, LFH_VALUE_MAX);
	if ((rc = field_slot(r, key, &idx, err)) != 0)
		return rc;
	if (!(dup = malloc(n + 1)))
		return lfh_err_set(err, LFH_ENOMEM, "record: out of memory");
	memcpy(dup, val, n + 1);
	field_put(r, idx, key, LFH_FIELD_STR, dup, n, 0);
	return 0;
}

int lfh_record_set_uint(lfh_record *r, const char *key, uint64_t val, lfh_err *err)
{
	size_t idx;
	int rc = field_slot(r, key, &idx, err);

	if (rc == 0)
		field_put(r, idx, key, LFH_FIELD_UINT, NULL, 0, val);
	return rc;
}

static const lfh_field *field_find(const lfh_record *r, const char *key)
{
	for (size_t i = 0; i < r->n && i < LFH_RECORD_MAX_FIELDS; i++)
		if (strcmp(r->f[i].key, key) == 0)
			return &r->f[i];
	return NULL;
}

const char *lfh_record_str(const lfh_record *r, const char *key)
{
	const lfh_field *f = field_find(r, key);

	if (!f || f->kind != LFH_FIELD_STR)
		return NULL;
	return f->str ? f->str : "";
}

int lfh_record_uint(const lfh_record *r, const char *key, uint64_t *out)
{
	const lfh_field *f = field_find(r, key);

	if (!f || f->kind != LFH_FIELD_UINT)
		return 0;
	*out = f->u;
	return 1;
}

void lfh_record_del(lfh_record *r, const char *key)
{
	for (size_t i = 0; i < r->n && i < LFH_RECORD_MAX_FIELDS; i++)
		if (strcmp(r->f[i].key, key) == 0) {
			field_free(&r->f[i]);
			memmove(&r->f[i], &r->f[i + 1], (r->n - i - 1) * sizeof r->f[0]);
			r->n--;
			return;
		}
}

void lfh_record_clear(lfh_record *r)
{
	for (size_t i = 0; i < r->n && i < LFH_RECORD_MAX_FIELDS; i++)
		field_free(&r->f[i]);
	memset(r, 0, sizeof *r);
}

/* ---- encoding ---- */

/* One field as the encoder requires it (records may be filled by hand). */
static int field_check(const lfh_field *f, lfh_err *err)
{
	if (!key_valid(f->key, strnlen(f->key, sizeof f->key)))
		return lfh_err_set(err, LFH_EINVAL, "record: invalid field name");
	if (f->kind == LFH_FIELD_UINT)
		return 0;
	if (f->kind != LFH_FIELD_STR)
		return lfh_err_set(err, LFH_EINVAL, "record: %s: unknown field kind", f->key);
	if (f->str_len > LFH_VALUE_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "record: %s: value of %zu bytes exceeds %d",
				   f->key, f->str_len, LFH_VALUE_MAX);
	if (f->str_len > 0 && (!f->str || memchr(f->str, '\0', f->str_len)))
		return lfh_err_set(err, LFH_EINVAL, "record: %s: value missing or holds a NUL byte",
				   f->key);
	return 0;
}

/* Check every field and sort pointers to them by key (insertion sort, n <= 64). */
static int sort_fields(const lfh_record *r, const lfh_field **order, lfh_err *err)
{
	if (r->n > LFH_RECORD_MAX_FIELDS)
		return lfh_err_set(err, LFH_ETOOBIG, "record: more than %d fields",
				   LFH_RECORD_MAX_FIELDS);
	for (size_t i = 0; i < r->n; i++) {
		const lfh_field *f = &r->f[i];
		size_t j = i;
		int rc = field_check(f, err);
		if (rc)
			return rc;
		for (; j > 0 && strcmp(order[j - 1]->key, f->key) > 0; j--)
			order[j] = order[j - 1];
		order[j] = f;
	}
	for (size_t i = 1; i < r->n; i++)
		if (strcmp(order[i - 1]->key, order[i]->key) == 0)
			return lfh_err_set(err, LFH_EINVAL, "record: %s: duplicate field",
					   order[i]->key);
	return 0;
}

static int pack_field(msgpack_packer *pk, const lfh_field *f)
{
	size_t kn = strlen(f->key);

	if (msgpack_pack_str(pk, kn) != 0 || msgpack_pack_str_body(pk, f->key, kn) != 0)
		return -1;
	if (f->kind == LFH_FIELD_UINT)
		return msgpack_pack_uint64(pk, f->u);
	if (msgpack_pack_str(pk, f->str_len) != 0)
		return -1;
	return msgpack_pack_str_body(pk, f->str, f->str_len);
}

int lfh_record_encode(const lfh_record *r, lfh_buf *out, lfh_err *err)
{
	const lfh_field *order[LFH_RECORD_MAX_FIELDS];
	size_t len0 = out->len;
	msgpack_packer pk;
	int rc = sort_fields(r, order, err);

	if (rc)
		return rc;
	msgpack_packer_init(&pk, out, lfh_mp_buf_write);
	rc = msgpack_pack_map(&pk, r->n);
	for (size_t i = 0; rc == 0 && i < r->n; i++)
		rc = pack_field(&pk, order[i]);
	if (rc) {
		out->len = len0;
		return lfh_err_set(err, LFH_ENOMEM, "record: out of memory");
	}
	return 0;
}

size_t lfh_record_encoded_max(const lfh_record *r)
{
	size_t n = 5; /* a map header */

	for (size_t i = 0; i < r->n; i++) /* a str key, then a str (header <= 5) or a uint (<= 9) */
		n += 1 + strlen(r->f[i].key) +
		     (r->f[i].kind == LFH_FIELD_STR ? 5 + r->f[i].str_len : 9);
	return n;
}

/* ---- decoding ---- */

/* Decode the value of field i (key already stored in f->key). */
static int decode_value(const msgpack_object *v, lfh_field *f, lfh_err *err)
{
	if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		f->kind = LFH_FIELD_UINT;
		f->u = v->via.u64;
		return 0;
	}
	if (v->type != MSGPACK_OBJECT_STR)
		return lfh_err_set(err, LFH_ECODEC, "record: %s: expected str or unsigned integer",
				   f->key);
	if (v->via.str.size > LFH_VALUE_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "record: %s: value of %" PRIu32
				   " bytes exceeds %d", f->key, v->via.str.size, LFH_VALUE_MAX);
	if (v->via.str.size > 0 && memchr(v->via.str.ptr, '\0', v->via.str.size))
		return lfh_err_set(err, LFH_ECODEC, "record: %s: value holds a NUL byte", f->key);
	f->str = malloc(v->via.str.size + 1);
	if (!f->str)
		return lfh_err_set(err, LFH_ENOMEM, "record: out of memory");
	if (v->via.str.size > 0) /* an empty str may have a NULL ptr */
		memcpy(f->str, v->via.str.ptr, v->via.str.size);
	f->str[v->via.str.size] = '\0';
	f->str_len = v->via.str.size;
	f->kind = LFH_FIELD_STR;
	return 0;
}

static int decode_map(const msgpack_object *o, lfh_record *r, lfh_err *err)
{
	if (o->type != MSGPACK_OBJECT_MAP)
		return lfh_err_set(err, LFH_ECODEC, "record: expected a map");
	if (o->via.map.size > LFH_RECORD_MAX_FIELDS)
		return lfh_err_set(err, LFH_ETOOBIG, "record: more than %d fields",
				   LFH_RECORD_MAX_FIELDS);
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		lfh_field *f = &r->f[i];
		int rc;
		if (k->type != MSGPACK_OBJECT_STR || !key_valid(k->via.str.ptr, k->via.str.size))
			return lfh_err_set(err, LFH_ECODEC, "record: field %" PRIu32
					   ": invalid field name", i);
		memcpy(f->key, k->via.str.ptr, k->via.str.size);
		f->key[k->via.str.size] = '\0';
		if (i > 0 && strcmp(r->f[i - 1].key, f->key) >= 0)
			return lfh_err_set(err, LFH_ECODEC, "record: %s: keys not sorted ascending "
					   "or duplicate", f->key);
		r->n = i + 1; /* so that clear frees this field's value */
		if ((rc = decode_value(&o->via.map.ptr[i].val, f, err)) != 0)
			return rc;
	}
	return 0;
}

int lfh_record_decode(const uint8_t *raw, size_t len, lfh_record *r, lfh_err *err)
{
	msgpack_unpacked up;
	lfh_buf re = {0};
	int rc;

	memset(r, 0, sizeof *r);
	msgpack_unpacked_init(&up);
	if (lfh_mp_unpack(&up, raw, len, MAX_OBJECTS) != 0)
		rc = lfh_err_set(err, LFH_ECODEC, "record: malformed or oversized msgpack");
	else
		rc = decode_map(&up.data, r, err);
	msgpack_unpacked_destroy(&up);
	if (rc == 0 && (rc = lfh_record_encode(r, &re, err)) == 0 &&
	    (re.len != len || memcmp(re.data, raw, len) != 0))
		rc = lfh_err_set(err, LFH_ECODEC, "record: non-canonical encoding");
	lfh_buf_free(&re);
	if (rc)
		lfh_record_clear(r);
	return rc;
}
