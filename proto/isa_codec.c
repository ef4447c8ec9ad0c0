/*
 * isa_codec.c - the canonical msgpack encoding of an ISA, its hash, and
 * strict decoding (include/lfh/isa.h). The validity rules, sharing rules
 * and description are in proto/isa.c.
 *
 * Encoding packs the struct with msgpack-c (smallest forms, arrays in fixed
 * order, never maps); decoding is strict as for events (proto/event.c):
 * size bound, pre-scan, exact types, validity, re-encode and compare.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/isa.h"
#include "lfh/mp.h"

/*
 * msgpack objects in a valid encoding: 1 + 12 + 16 + 16 + 32 * 10
 * + 32 * (6 + 32) + 32 = 1613. Input declaring more is refused before
 * msgpack-c allocates for it.
 */
#define MAX_OBJECTS 2048
#define NELEMS 12

/* ---- encoding ---- */

static int pack_isa(msgpack_packer *pk, const lfh_isa *isa)
{
	int r = msgpack_pack_array(pk, NELEMS);

	r |= lfh_mp_pack_str(pk, LFH_ISA_MAGIC);
	r |= lfh_mp_pack_str(pk, isa->hub);
	r |= msgpack_pack_uint32(pk, isa->version);
	r |= lfh_mp_pack_bin(pk, isa->prev, sizeof isa->prev);
	r |= lfh_mp_pack_str(pk, isa->effective);
	r |= lfh_mp_pack_str(pk, isa->review);
	r |= msgpack_pack_array(pk, isa->npurposes);
	for (uint32_t i = 0; i < isa->npurposes; i++)
		r |= lfh_mp_pack_str(pk, isa->purposes[i]);
	r |= lfh_mp_pack_str(pk, isa->lawful_basis);
	r |= msgpack_pack_array(pk, isa->ngateways);
	for (uint32_t i = 0; i < isa->ngateways; i++)
		r |= lfh_mp_pack_str(pk, isa->gateways[i]);
	r |= msgpack_pack_array(pk, isa->nparties);
	for (uint32_t i = 0; i < isa->nparties; i++) {
		const lfh_isa_party *p = &isa->parties[i];
		r |= msgpack_pack_array(pk, 9);
		r |= lfh_mp_pack_str(pk, p->id);
		r |= lfh_mp_pack_str(pk, p->name);
		r |= lfh_mp_pack_str(pk, p->role);
		r |= lfh_mp_pack_str(pk, p->controller);
		r |= lfh_mp_pack_bin(pk, p->root_pk, 32);
		r |= lfh_mp_pack_bin(pk, p->sign_pk, 32);
		r |= lfh_mp_pack_bin(pk, p->box_pk, 32);
		r |= lfh_mp_pack_bin(pk, p->curve_pk, 32);
		r |= lfh_mp_pack_str(pk, p->endpoint);
	}
	r |= msgpack_pack_array(pk, isa->ncategories);
	for (uint32_t i = 0; i < isa->ncategories; i++) {
		const lfh_isa_category *c = &isa->categories[i];
		r |= msgpack_pack_array(pk, 5);
		r |= lfh_mp_pack_str(pk, c->name);
		r |= msgpack_pack_uint8(pk, (uint8_t)c->kind);
		r |= msgpack_pack_uint8(pk, (uint8_t)c->rule);
		r |= msgpack_pack_array(pk, c->nagencies);
		for (uint32_t k = 0; k < c->nagencies; k++)
			r |= lfh_mp_pack_str(pk, c->agencies[k]);
		r |= msgpack_pack_uint32(pk, c->retention_days);
	}
	r |= msgpack_pack_array(pk, isa->nsigners);
	for (uint32_t i = 0; i < isa->nsigners; i++)
		r |= lfh_mp_pack_str(pk, isa->signers[i]);
	return r;
}

int lfh_isa_encode(const lfh_isa *isa, lfh_buf *out, lfh_err *err)
{
	size_t len0 = out->len;
	msgpack_packer pk;
	int rc = lfh_isa_validate(isa, err);

	if (rc)
		return rc;
	msgpack_packer_init(&pk, out, lfh_mp_buf_write);
	if (pack_isa(&pk, isa) != 0) {
		out->len = len0;
		return lfh_err_set(err, LFH_ENOMEM, "isa: out of memory");
	}
	return 0;
}

void lfh_isa_hash(const uint8_t *raw, size_t len, uint8_t out[32])
{
	crypto_generichash(out, 32, raw, len, NULL, 0);
}

int lfh_isa_hash_of(const lfh_isa *isa, uint8_t out[32], lfh_err *err)
{
	lfh_buf b = {0};
	int rc = lfh_isa_encode(isa, &b, err);

	if (rc == 0)
		lfh_isa_hash(b.data, b.len, out);
	lfh_buf_free(&b);
	return rc;
}

/* ---- decoding ---- */

static int bad(lfh_err *err, const char *field, const char *what)
{
	return lfh_err_set(err, LFH_ECODEC, "isa: %s: %s", field, what);
}

/* A str of at most max bytes without NUL into out (char[max + 1]). */
static int get_str(const msgpack_object *o, char *out, size_t max)
{
	size_t n;

	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size > max)
		return -1;
	n = o->via.str.size;
	if (n > 0) { /* an empty str may have a NULL ptr */
		if (memchr(o->via.str.ptr, '\0', n))
			return -1;
		memcpy(out, o->via.str.ptr, n);
	}
	out[n] = '\0';
	return 0;
}

static int get_bin32(const msgpack_object *o, uint8_t out[32])
{
	if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != 32)
		return -1;
	memcpy(out, o->via.bin.ptr, 32);
	return 0;
}

/* An array of at most max elements: its elements (NULL if empty) and count. */
static int get_list(const msgpack_object *o, uint32_t max, const msgpack_object **a, uint32_t *n)
{
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size > max)
		return -1;
	*a = o->via.array.ptr;
	*n = o->via.array.size;
	return 0;
}

static int decode_strs(const msgpack_object *o, const char *field, uint32_t max, size_t len,
		       char *dst, size_t stride, uint32_t *n, lfh_err *err)
{
	const msgpack_object *a;
	char what[64];

	if (get_list(o, max, &a, n)) {
		snprintf(what, sizeof what, "expected an array of at most %" PRIu32, max);
		return bad(err, field, what);
	}
	for (uint32_t i = 0; i < *n; i++)
		if (get_str(&a[i], dst + i * stride, len)) {
			snprintf(what, sizeof what, "[%" PRIu32 "]: expected a str of at most %zu bytes", i, len);
			return bad(err, field, what);
		}
	return 0;
}

static int decode_party(const msgpack_object *o, lfh_isa_party *p, uint32_t i, lfh_err *err)
{
	const msgpack_object *a;
	uint32_t n;

	if (get_list(o, 9, &a, &n) || n != 9)
		return lfh_err_set(err, LFH_ECODEC, "isa: parties[%" PRIu32 "]: expected "
				   "[id, name, role, controller, root, sign, box, curve, endpoint]", i);
	if (get_str(&a[0], p->id, LFH_AGENCY_MAX) || get_str(&a[1], p->name, LFH_ISA_NAME_MAX) ||
	    get_str(&a[2], p->role, LFH_ISA_NAME_MAX) || get_str(&a[3], p->controller, LFH_ISA_NAME_MAX) ||
	    get_bin32(&a[4], p->root_pk) || get_bin32(&a[5], p->sign_pk) || get_bin32(&a[6], p->box_pk) ||
	    get_bin32(&a[7], p->curve_pk) || get_str(&a[8], p->endpoint, LFH_ISA_ENDPOINT_MAX))
		return lfh_err_set(err, LFH_ECODEC, "isa: parties[%" PRIu32 "]: wrong type or size "
				   "of a field", i);
	return 0;
}

static int decode_category(const msgpack_object *o, lfh_isa_category *c, uint32_t i, lfh_err *err)
{
	const msgpack_object *a;
	uint32_t n;
	uint64_t kind, rule, days;
	char field[48];

	if (get_list(o, 5, &a, &n) || n != 5)
		return lfh_err_set(err, LFH_ECODEC, "isa: categories[%" PRIu32 "]: expected "
				   "[name, kind, rule, agencies, retention_days]", i);
	snprintf(field, sizeof field, "categories[%" PRIu32 "]", i);
	if (get_str(&a[0], c->name, LFH_CATEGORY_MAX))
		return bad(err, field, "name: expected a str of at most 31 bytes");
	if (lfh_mp_get_uint(&a[1], UINT8_MAX, &kind) || lfh_mp_get_uint(&a[2], UINT8_MAX, &rule))
		return bad(err, field, "kind and rule: expected u8");
	c->kind = (enum lfh_isa_kind)kind;
	c->rule = (enum lfh_isa_rule)rule;
	snprintf(field, sizeof field, "categories[%" PRIu32 "].agencies", i);
	if (decode_strs(&a[3], field, LFH_ISA_MAX_PARTIES, LFH_AGENCY_MAX, &c->agencies[0][0],
			sizeof c->agencies[0], &c->nagencies, err))
		return LFH_ECODEC;
	if (lfh_mp_get_uint(&a[4], UINT32_MAX, &days))
		return lfh_err_set(err, LFH_ECODEC, "isa: categories[%" PRIu32 "].retention_days: "
				   "expected u32", i);
	c->retention_days = (uint32_t)days;
	return 0;
}

static int decode_object(const msgpack_object *o, lfh_isa *isa, lfh_err *err)
{
	const msgpack_object *a, *l;
	uint32_t n;
	uint64_t u;
	char magic[16];
	int rc;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 1)
		return lfh_err_set(err, LFH_ECODEC, "isa: expected a non-empty array");
	a = o->via.array.ptr;
	if (get_str(&a[0], magic, sizeof magic - 1))
		return bad(err, "format", "expected \"" LFH_ISA_MAGIC "\"");
	if (strcmp(magic, LFH_ISA_MAGIC) != 0)
		return lfh_err_set(err, strncmp(magic, "lfh-isa-", 8) == 0 ? LFH_EVERSION : LFH_ECODEC,
				   "isa: format \"%s\" not supported (expected \"" LFH_ISA_MAGIC "\")",
				   strncmp(magic, "lfh-isa-", 8) == 0 ? magic : "?");
	if (o->via.array.size != NELEMS)
		return lfh_err_set(err, LFH_ECODEC, "isa: expected %d elements, got %" PRIu32, NELEMS,
				   o->via.array.size);
	if (get_str(&a[1], isa->hub, LFH_ISA_NAME_MAX))
		return bad(err, "hub", "expected a str of at most 127 bytes");
	if (lfh_mp_get_uint(&a[2], UINT32_MAX, &u))
		return bad(err, "version", "expected a u32");
	isa->version = (uint32_t)u;
	if (get_bin32(&a[3], isa->prev))
		return bad(err, "prev", "expected bin of 32 bytes");
	if (get_str(&a[4], isa->effective, 10) || get_str(&a[5], isa->review, 10))
		return bad(err, "effective and review", "expected str YYYY-MM-DD");
	if ((rc = decode_strs(&a[6], "purposes", LFH_ISA_MAX_LIST, LFH_ISA_TEXT_MAX, &isa->purposes[0][0],
			      sizeof isa->purposes[0], &isa->npurposes, err)))
		return rc;
	if (get_str(&a[7], isa->lawful_basis, LFH_ISA_TEXT_MAX))
		return bad(err, "lawful_basis", "expected a str of at most 1023 bytes");
	if ((rc = decode_strs(&a[8], "gateways", LFH_ISA_MAX_LIST, LFH_ISA_TEXT_MAX, &isa->gateways[0][0],
			      sizeof isa->gateways[0], &isa->ngateways, err)))
		return rc;
	if (get_list(&a[9], LFH_ISA_MAX_PARTIES, &l, &n))
		return bad(err, "parties", "expected an array of at most 32");
	isa->nparties = n;
	for (uint32_t i = 0; i < n; i++)
		if ((rc = decode_party(&l[i], &isa->parties[i], i, err)))
			return rc;
	if (get_list(&a[10], LFH_ISA_MAX_CATEGORIES, &l, &n))
		return bad(err, "categories", "expected an array of at most 32");
	isa->ncategories = n;
	for (uint32_t i = 0; i < n; i++)
		if ((rc = decode_category(&l[i], &isa->categories[i], i, err)))
			return rc;
	return decode_strs(&a[11], "signers", LFH_ISA_MAX_PARTIES, LFH_AGENCY_MAX, &isa->signers[0][0],
			   sizeof isa->signers[0], &isa->nsigners, err);
}

/* Re-encoding must give back exactly raw (cheap, so first); then validity. */
static int check_decoded(const uint8_t *raw, size_t len, const lfh_isa *isa, lfh_err *err)
{
	lfh_err ce;
	lfh_buf re = {0};
	msgpack_packer pk;
	int rc = 0;

	msgpack_packer_init(&pk, &re, lfh_mp_buf_write);
	if (pack_isa(&pk, isa) != 0)
		rc = lfh_err_set(err, LFH_ENOMEM, "isa: out of memory");
	else if (re.len != len || memcmp(re.data, raw, len) != 0)
		rc = lfh_err_set(err, LFH_ECODEC, "isa: non-canonical encoding");
	lfh_buf_free(&re);
	if (rc == 0 && lfh_isa_validate(isa, &ce) != 0)
		rc = lfh_err_set(err, LFH_ECODEC, "%s", ce.msg);
	return rc;
}

int lfh_isa_decode(const uint8_t *raw, size_t len, lfh_isa *out, lfh_err *err)
{
	msgpack_unpacked up;
	int rc;

	memset(out, 0, sizeof *out);
	if (len > LFH_ISA_ENCODED_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "isa: %zu bytes exceeds %d", len, LFH_ISA_ENCODED_MAX);
	msgpack_unpacked_init(&up);
	if (lfh_mp_unpack(&up, raw, len, MAX_OBJECTS) != 0)
		rc = lfh_err_set(err, LFH_ECODEC, "isa: malformed or oversized msgpack");
	else
		rc = decode_object(&up.data, out, err);
	msgpack_unpacked_destroy(&up);
	if (rc == 0)
		rc = check_decoded(raw, len, out, err);
	if (rc)
		memset(out, 0, sizeof *out);
	return rc;
}
