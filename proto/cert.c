/*
 * cert.c - operational key certificates and key revocations
 * (include/lfh/cert.h; proto/PROTOCOL.md section 15): field checks,
 * canonical msgpack encoding, strict decoding, root signatures.
 *
 * Design. As in proto/event.c and proto/isa_codec.c, encoding packs the
 * plain C struct with msgpack-c (smallest forms, arrays in fixed order), so
 * the bytes are a function of the struct. Decoding is strict in layers:
 *   1. size: at most LFH_CERT_MAX / LFH_REVOKE_MAX bytes (LFH_ETOOBIG);
 *   2. structure: lfh_mp_unpack (pre-scan bounding allocation, one object
 *      occupying the whole input);
 *   3. fields: element 0 is the magic (another version of the same format
 *      is LFH_EVERSION), then the exact element count, exact types and
 *      lengths of every field;
 *   4. canonical form: the struct is re-encoded and must equal the input;
 *   5. validity: lfh_cert_check / lfh_revocation_check.
 * This file knows nothing of time, generations held or the ISA: which
 * certificates and revocations a node accepts, and when a key is valid, is
 * the node's business (PROTOCOL.md 15.7).
 */
#include <inttypes.h>
#include <string.h>

#include <sodium.h>

#include "lfh/buf.h"
#include "lfh/cert.h"
#include "lfh/mp.h"

/* A valid certificate is 12 msgpack objects, a revocation 8. */
#define MAX_OBJECTS 16
#define CERT_NELEMS 11  /* the certificate; the certified bytes are the first 10 */
#define REVOKE_NELEMS 7

/* ---- messages ---- */

/* A short printable rendering of s[0..n) for messages ('?' for anything odd). */
static const char *quoted(const char *s, size_t n, char out[48])
{
	size_t k = 0;

	for (size_t i = 0; i < n && k < 40; i++, k++)
		out[k] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (k < n)
		out[k++] = '.', out[k++] = '.', out[k++] = '.';
	out[k] = '\0';
	return out;
}

static int bad(lfh_err *err, const char *field, const char *what)
{
	return lfh_err_set(err, LFH_ECODEC, "%s: %s", field, what);
}

/* ---- field checks ---- */

/*
 * Why a revocation reason (a char[LFH_REASON_MAX + 1] that may lack its
 * NUL) is unacceptable, or NULL. Empty is fine; control characters are
 * U+0000..U+001F and U+007F, as for ISA texts (PROTOCOL.md 14.1).
 */
static const char *reason_problem(const char *s)
{
	size_t n = strnlen(s, LFH_REASON_MAX + 1);
	const unsigned char *p = (const unsigned char *)s;

	if (n > LFH_REASON_MAX)
		return "longer than 255 bytes";
	for (size_t i = 0; i < n;) {
		size_t k;
		if (p[i] < 0x20 || p[i] == 0x7f)
			return "contains a control character";
		if (!(k = lfh_utf8_seq(p + i, n - i)))
			return "is not valid UTF-8";
		i += k;
	}
	return NULL;
}

static int check_agency(const char *agency, const char *what, lfh_err *err)
{
	char q[48];

	if (lfh_name_valid(agency))
		return 0;
	return lfh_err_set(err, LFH_EINVAL, "%s.agency: '%s' is not a valid agency id "
			   "(1..31 of a-z 0-9 _ -)", what,
			   quoted(agency, strnlen(agency, LFH_AGENCY_MAX + 1), q));
}

/* Keys present, sign_pk a usable Ed25519 key, no key used twice. */
static int check_cert_keys(const lfh_cert *c, lfh_err *err)
{
	if (!crypto_core_ed25519_is_valid_point(c->sign_pk))
		return lfh_err_set(err, LFH_EINVAL, "cert.sign_pk: not a valid Ed25519 public key");
	if (sodium_is_zero(c->box_pk, 32))
		return lfh_err_set(err, LFH_EINVAL, "cert.box_pk: missing (all zero)");
	if (sodium_is_zero(c->curve_pk, 32))
		return lfh_err_set(err, LFH_EINVAL, "cert.curve_pk: missing (all zero)");
	if (memcmp(c->box_pk, c->sign_pk, 32) == 0)
		return lfh_err_set(err, LFH_EINVAL, "cert.box_pk: the same key as sign_pk");
	if (memcmp(c->curve_pk, c->sign_pk, 32) == 0)
		return lfh_err_set(err, LFH_EINVAL, "cert.curve_pk: the same key as sign_pk");
	if (memcmp(c->curve_pk, c->box_pk, 32) == 0)
		return lfh_err_set(err, LFH_EINVAL, "cert.curve_pk: the same key as box_pk");
	return 0;
}

int lfh_cert_check(const lfh_cert *c, lfh_err *err)
{
	int rc;

	if ((rc = check_agency(c->agency, "cert", err)))
		return rc;
	if (c->generation < 2 || c->generation > LFH_GENERATION_MAX)
		return lfh_err_set(err, LFH_EINVAL, "cert.generation: %" PRIu32 " is not a "
				   "certificate generation (2..%d)", c->generation, LFH_GENERATION_MAX);
	if ((rc = check_cert_keys(c, err)))
		return rc;
	if (c->not_after_ms <= c->not_before_ms)
		return lfh_err_set(err, LFH_EINVAL, "cert.not_after: %" PRIu64 " is not after "
				   "not_before %" PRIu64, c->not_after_ms, c->not_before_ms);
	if (c->grace_ms > LFH_GRACE_MAX_MS)
		return lfh_err_set(err, LFH_EINVAL, "cert.grace: %" PRIu64 " ms exceeds 90 days "
				   "(%llu ms)", c->grace_ms, LFH_GRACE_MAX_MS);
	return 0;
}

int lfh_revocation_check(const lfh_revocation *r, lfh_err *err)
{
	const char *why;
	int rc;

	if ((rc = check_agency(r->agency, "revocation", err)))
		return rc;
	if (r->generation < 1 || r->generation > LFH_GENERATION_MAX)
		return lfh_err_set(err, LFH_EINVAL, "revocation.generation: %" PRIu32 " is not a "
				   "key generation (1..%d)", r->generation, LFH_GENERATION_MAX);
	if ((why = reason_problem(r->reason)))
		return lfh_err_set(err, LFH_EINVAL, "revocation.reason: %s", why);
	return 0;
}

/* ---- encoding ---- */

/* The first nel elements: 10 = certified bytes, 11 = certificate. Nonzero if a write failed. */
static int pack_cert(msgpack_packer *pk, const lfh_cert *c, uint32_t nel)
{
	int r = msgpack_pack_array(pk, nel);

	r |= lfh_mp_pack_str(pk, LFH_CERT_MAGIC);
	r |= lfh_mp_pack_bin(pk, c->hub, sizeof c->hub);
	r |= lfh_mp_pack_str(pk, c->agency);
	r |= msgpack_pack_uint32(pk, c->generation);
	r |= lfh_mp_pack_bin(pk, c->sign_pk, 32);
	r |= lfh_mp_pack_bin(pk, c->box_pk, 32);
	r |= lfh_mp_pack_bin(pk, c->curve_pk, 32);
	r |= msgpack_pack_uint64(pk, c->not_before_ms);
	r |= msgpack_pack_uint64(pk, c->not_after_ms);
	r |= msgpack_pack_uint64(pk, c->grace_ms);
	if (nel == CERT_NELEMS - 1)
		return r;
	return r | lfh_mp_pack_bin(pk, c->root_sig, sizeof c->root_sig);
}

static int pack_revocation(msgpack_packer *pk, const lfh_revocation *r)
{
	int w = msgpack_pack_array(pk, REVOKE_NELEMS);

	w |= lfh_mp_pack_str(pk, LFH_REVOKE_MAGIC);
	w |= lfh_mp_pack_bin(pk, r->hub, sizeof r->hub);
	w |= lfh_mp_pack_str(pk, r->agency);
	w |= msgpack_pack_uint32(pk, r->generation);
	w |= lfh_mp_pack_bin(pk, r->key_id, LFH_KEYID_LEN);
	w |= msgpack_pack_uint64(pk, r->effective_ms);
	w |= lfh_mp_pack_str(pk, r->reason);
	return w;
}

/* ---- root signature ---- */

int lfh_cert_sign(lfh_cert *c, const uint8_t root_sk[64], lfh_err *err)
{
	lfh_buf sb = {0};
	int rc = lfh_cert_signed_bytes(c, &sb, err);

	if (rc == 0)
		crypto_sign_detached(c->root_sig, NULL, sb.data, sb.len, root_sk);
	lfh_buf_free(&sb);
	return rc;
}

int lfh_cert_verify(const lfh_cert *c, const uint8_t root_pk[32], lfh_err *err)
{
	lfh_buf sb = {0};
	int rc = lfh_cert_signed_bytes(c, &sb, err);

	if (rc == 0 && crypto_sign_verify_detached(c->root_sig, sb.data, sb.len, root_pk) != 0)
		rc = lfh_err_set(err, LFH_ECRYPTO, "certificate for %s generation %" PRIu32
				 " is not signed by %s's root key", c->agency, c->generation, c->agency);
	lfh_buf_free(&sb);
	return rc;
}

/* ---- decoding ---- */

/* A bin of exactly n bytes, copied to out. */
static int get_bin_exact(const msgpack_object *o, size_t n, uint8_t *out)
{
	if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != n)
		return -1;
	memcpy(out, o->via.bin.ptr, n);
	return 0;
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

/*
 * The outer array: element 0 must be the str magic (what = "cert" or
 * "revocation"); a str starting with family ("lfh-cert-") but another
 * version is LFH_EVERSION, checked before the element count so that a
 * later version with another layout is reported as such.
 */
static int check_head(const msgpack_object *o, const char *what, const char *magic,
		      const char *family, uint32_t nel, lfh_err *err)
{
	const msgpack_object *m;
	size_t fl = strlen(family);
	char q[48];

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 1)
		return lfh_err_set(err, LFH_ECODEC, "%s: expected a non-empty array", what);
	m = &o->via.array.ptr[0];
	if (m->type != MSGPACK_OBJECT_STR)
		return lfh_err_set(err, LFH_ECODEC, "%s: format: expected \"%s\"", what, magic);
	if (m->via.str.size != strlen(magic) || memcmp(m->via.str.ptr, magic, strlen(magic)) != 0) {
		int other = m->via.str.size >= fl && memcmp(m->via.str.ptr, family, fl) == 0;
		return lfh_err_set(err, other ? LFH_EVERSION : LFH_ECODEC,
				   "%s: format \"%s\" not supported (expected \"%s\")", what,
				   quoted(m->via.str.ptr, m->via.str.size, q), magic);
	}
	if (o->via.array.size != nel)
		return lfh_err_set(err, LFH_ECODEC, "%s: expected %" PRIu32 " elements, got %" PRIu32,
				   what, nel, o->via.array.size);
	return 0;
}

/* Fill c from the unpacked certificate, field by field. */
static int decode_cert_object(const msgpack_object *o, lfh_cert *c, lfh_err *err)
{
	const msgpack_object *a;
	uint64_t u;
	int rc;

	if ((rc = check_head(o, "cert", LFH_CERT_MAGIC, "lfh-cert-", CERT_NELEMS, err)))
		return rc;
	a = o->via.array.ptr;
	if (get_bin_exact(&a[1], sizeof c->hub, c->hub))
		return bad(err, "cert.hub", "expected bin of 32 bytes");
	if (get_str(&a[2], c->agency, LFH_AGENCY_MAX))
		return bad(err, "cert.agency", "expected a str of at most 31 bytes");
	if (lfh_mp_get_uint(&a[3], UINT32_MAX, &u))
		return bad(err, "cert.generation", "expected a u32");
	c->generation = (uint32_t)u;
	if (get_bin_exact(&a[4], 32, c->sign_pk))
		return bad(err, "cert.sign_pk", "expected bin of 32 bytes");
	if (get_bin_exact(&a[5], 32, c->box_pk))
		return bad(err, "cert.box_pk", "expected bin of 32 bytes");
	if (get_bin_exact(&a[6], 32, c->curve_pk))
		return bad(err, "cert.curve_pk", "expected bin of 32 bytes");
	if (lfh_mp_get_uint(&a[7], UINT64_MAX, &c->not_before_ms))
		return bad(err, "cert.not_before", "expected a u64");
	if (lfh_mp_get_uint(&a[8], UINT64_MAX, &c->not_after_ms))
		return bad(err, "cert.not_after", "expected a u64");
	if (lfh_mp_get_uint(&a[9], UINT64_MAX, &c->grace_ms))
		return bad(err, "cert.grace", "expected a u64");
	if (get_bin_exact(&a[10], sizeof c->root_sig, c->root_sig))
		return bad(err, "cert.root_sig", "expected bin of 64 bytes");
	return 0;
}

/* The reason: a str of at most LFH_REASON_MAX bytes (LFH_ETOOBIG beyond), no NUL. */
static int decode_reason(const msgpack_object *o, char out[LFH_REASON_MAX + 1], lfh_err *err)
{
	if (o->type != MSGPACK_OBJECT_STR)
		return bad(err, "revocation.reason", "expected a str");
	if (o->via.str.size > LFH_REASON_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "revocation.reason: %" PRIu32
				   " bytes exceeds %d", o->via.str.size, LFH_REASON_MAX);
	if (get_str(o, out, LFH_REASON_MAX))
		return bad(err, "revocation.reason", "contains a control character (NUL)");
	return 0;
}

/* Fill r from the unpacked revocation, field by field. */
static int decode_revocation_object(const msgpack_object *o, lfh_revocation *r, lfh_err *err)
{
	const msgpack_object *a;
	uint64_t u;
	int rc;

	if ((rc = check_head(o, "revocation", LFH_REVOKE_MAGIC, "lfh-revoke-", REVOKE_NELEMS, err)))
		return rc;
	a = o->via.array.ptr;
	if (get_bin_exact(&a[1], sizeof r->hub, r->hub))
		return bad(err, "revocation.hub", "expected bin of 32 bytes");
	if (get_str(&a[2], r->agency, LFH_AGENCY_MAX))
		return bad(err, "revocation.agency", "expected a str of at most 31 bytes");
	if (lfh_mp_get_uint(&a[3], UINT32_MAX, &u))
		return bad(err, "revocation.generation", "expected a u32");
	r->generation = (uint32_t)u;
	if (get_bin_exact(&a[4], LFH_KEYID_LEN, r->key_id))
		return bad(err, "revocation.key_id", "expected bin of 8 bytes");
	if (lfh_mp_get_uint(&a[5], UINT64_MAX, &r->effective_ms))
		return bad(err, "revocation.effective", "expected a u64");
	return decode_reason(&a[6], r->reason, err);
}

static int cert_decode_fn(const msgpack_object *o, void *out, lfh_err *err)
{
	return decode_cert_object(o, out, err);
}

static int cert_pack_fn(msgpack_packer *pk, const void *in)
{
	return pack_cert(pk, in, CERT_NELEMS);
}

static int revocation_decode_fn(const msgpack_object *o, void *out, lfh_err *err)
{
	return decode_revocation_object(o, out, err);
}

static int revocation_pack_fn(msgpack_packer *pk, const void *in)
{
	return pack_revocation(pk, in);
}

static const lfh_mp_codec cert_codec = { "cert", LFH_CERT_MAX, MAX_OBJECTS, cert_decode_fn,
					 cert_pack_fn };
static const lfh_mp_codec revocation_codec = { "revocation", LFH_REVOKE_MAX, MAX_OBJECTS,
					       revocation_decode_fn, revocation_pack_fn };

int lfh_cert_decode(const uint8_t *raw, size_t len, lfh_cert *c, lfh_err *err)
{
	lfh_err ce;
	int rc;

	memset(c, 0, sizeof *c);
	rc = lfh_mp_decode_canonical(&cert_codec, raw, len, c, err);
	if (rc == 0 && lfh_cert_check(c, &ce) != 0)
		rc = lfh_err_set(err, LFH_ECODEC, "%s", ce.msg);
	if (rc)
		memset(c, 0, sizeof *c);
	return rc;
}

int lfh_revocation_decode(const uint8_t *raw, size_t len, lfh_revocation *r, lfh_err *err)
{
	lfh_err ce;
	int rc;

	memset(r, 0, sizeof *r);
	rc = lfh_mp_decode_canonical(&revocation_codec, raw, len, r, err);
	if (rc == 0 && lfh_revocation_check(r, &ce) != 0)
		rc = lfh_err_set(err, LFH_ECODEC, "%s", ce.msg);
	if (rc)
		memset(r, 0, sizeof *r);
	return rc;
}

/* ---- encoders (the codec tables above give their names in messages) ---- */

static int certified_pack_fn(msgpack_packer *pk, const void *in)
{
	return pack_cert(pk, in, CERT_NELEMS - 1);
}

int lfh_cert_signed_bytes(const lfh_cert *c, lfh_buf *out, lfh_err *err)
{
	int rc = lfh_cert_check(c, err);
	return rc ? rc : lfh_mp_encode(&cert_codec, certified_pack_fn, c, out, err);
}

int lfh_cert_encode(const lfh_cert *c, lfh_buf *out, lfh_err *err)
{
	int rc = lfh_cert_check(c, err);
	return rc ? rc : lfh_mp_encode(&cert_codec, cert_pack_fn, c, out, err);
}

int lfh_revocation_encode(const lfh_revocation *r, lfh_buf *out, lfh_err *err)
{
	int rc = lfh_revocation_check(r, err);
	return rc ? rc : lfh_mp_encode(&revocation_codec, revocation_pack_fn, r, out, err);
}
