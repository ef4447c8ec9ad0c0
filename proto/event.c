/*
 * event.c - the signed event envelope and the key-event body: canonical
 * msgpack encoding, strict decoding, signing and verification.
 *
 * Design. An lfh_event is a plain C struct; msgpack exists only inside
 * proto/ (shared helpers: proto/mp.c). Encoding packs the struct with
 * msgpack-c, whose packer always picks the smallest form, so encoding is a
 * function of the struct. Decoding is the inverse, and is strict in four
 * layers:
 *   1. size: the envelope is at most LFH_EVENT_MAX bytes;
 *   2. structure: lfh_mp_prescan() walks the raw bytes without allocating and
 *      refuses any declared count or length that cannot fit in the bytes
 *      left (msgpack-c allocates for a declared array size before reading
 *      its elements), then msgpack_unpack_next must consume exactly len;
 *   3. fields: exact msgpack types and lengths, names checked, then
 *      lfh_event_check() for the cross-field rules;
 *   4. canonical form: the struct is re-encoded and must equal the input,
 *      so one event has exactly one encoding (and one id).
 * Errors name the offending field ("event: recipients[2].agency: ...").
 * Decode failures are LFH_ECODEC, except LFH_EVERSION for an unknown
 * version and LFH_ETOOBIG for size limits.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/event.h"
#include "lfh/mp.h"

/*
 * msgpack objects in a valid envelope or key body: at most 1 + 15 + 32 * 3
 * + 2 = 114 and 1 + 3 + 32 * 3 = 100. Input with more is refused before
 * msgpack-c allocates for it.
 */
#define MAX_OBJECTS 256

/* ---- msgpack getters ---- */

/* A bin of exactly n bytes, copied to out. */
static int get_bin_exact(const msgpack_object *o, size_t n, uint8_t *out)
{
	if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != n)
		return -1;
	if (n > 0) /* an empty bin may have a NULL ptr */
		memcpy(out, o->via.bin.ptr, n);
	return 0;
}

/* An array of exactly n elements (n == 0: any size); its elements or NULL. */
static const msgpack_object *get_array(const msgpack_object *o, uint32_t n)
{
	if (o->type != MSGPACK_OBJECT_ARRAY || (n && o->via.array.size != n))
		return NULL;
	return o->via.array.ptr;
}

/* ---- names ---- */

static int name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int name_valid_n(const char *s, size_t n)
{
	if (n < 1 || n > LFH_AGENCY_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!name_char((unsigned char)s[i]))
			return 0;
	return 1;
}

int lfh_name_valid(const char *s)
{
	return s && name_valid_n(s, strnlen(s, LFH_AGENCY_MAX + 1));
}

/*
 * A name str into out (char[LFH_AGENCY_MAX + 1]). allow_empty admits ""
 * (only the key_ref creator of a KEY event may be empty).
 */
static int get_name(const msgpack_object *o, char *out, int allow_empty)
{
	size_t n;

	if (o->type != MSGPACK_OBJECT_STR)
		return -1;
	n = o->via.str.size;
	if (!(n == 0 && allow_empty) && !name_valid_n(o->via.str.ptr, n))
		return -1;
	if (n > 0) /* an empty str may have a NULL ptr */
		memcpy(out, o->via.str.ptr, n);
	out[n] = '\0';
	return 0;
}

/* ---- validity ---- */

static int check_recipients(const lfh_event *ev, lfh_err *err)
{
	if (ev->nrcpt < 1 || ev->nrcpt > LFH_MAX_RECIPIENTS)
		return lfh_err_set(err, LFH_EINVAL, "event: recipients: count %" PRIu32
				   " out of range 1..%d", ev->nrcpt, LFH_MAX_RECIPIENTS);
	for (uint32_t i = 0; i < ev->nrcpt; i++) {
		const lfh_recipient *r = &ev->rcpt[i];
		if (!lfh_name_valid(r->agency))
			return lfh_err_set(err, LFH_EINVAL, "event: recipients[%" PRIu32
					   "].agency: invalid agency id", i);
		if (i > 0 && strcmp(ev->rcpt[i - 1].agency, r->agency) >= 0)
			return lfh_err_set(err, LFH_EINVAL, "event: recipients[%" PRIu32
					   "].agency: not sorted ascending or duplicate", i);
		if (strcmp(r->agency, ev->author) == 0)
			return lfh_err_set(err, LFH_EINVAL, "event: recipients[%" PRIu32
					   "].agency: the author cannot be a recipient", i);
		if (r->ctr < 1)
			return lfh_err_set(err, LFH_EINVAL, "event: recipients[%" PRIu32
					   "].ctr: must be >= 1", i);
	}
	return 0;
}

int lfh_event_type_hub_wide(uint32_t type)
{
	return type == LFH_EV_ISA_PROPOSE || type == LFH_EV_ISA_SIGN ||
	       type == LFH_EV_ISA_WITHDRAW || type == LFH_EV_CERT || type == LFH_EV_REVOKE;
}

int lfh_event_type_plain(uint32_t type)
{
	return type == LFH_EV_KEY || type == LFH_EV_JOIN || type == LFH_EV_CLOSE ||
	       type == LFH_EV_LEAVE || type == LFH_EV_REOPEN || lfh_event_type_hub_wide(type);
}

/* Plaintext-body events carry key_ref ["", 0] and no nonce; the others both. */
static int check_key_ref(const lfh_event *ev, lfh_err *err)
{
	if (lfh_event_type_plain(ev->type)) {
		if (ev->key_creator[0] != '\0')
			return lfh_err_set(err, LFH_EINVAL, "event: key_ref.creator: must be empty in a KEY or governance event");
		if (ev->key_epoch != 0)
			return lfh_err_set(err, LFH_EINVAL, "event: key_ref.epoch: must be 0 in a KEY or governance event");
		if (ev->nonce_len != 0)
			return lfh_err_set(err, LFH_EINVAL, "event: nonce: must be empty in a KEY or governance event");
		return 0;
	}
	if (!lfh_name_valid(ev->key_creator))
		return lfh_err_set(err, LFH_EINVAL, "event: key_ref.creator: invalid agency id");
	if (strcmp(ev->key_creator, ev->author) != 0) /* an author encrypts under its own keys */
		return lfh_err_set(err, LFH_EINVAL, "event: key_ref.creator: '%s' is not the author",
				   ev->key_creator);
	if (ev->nonce_len != LFH_NONCE_LEN)
		return lfh_err_set(err, LFH_EINVAL, "event: nonce: must be %d bytes", LFH_NONCE_LEN);
	return 0;
}

int lfh_event_check(const lfh_event *ev, lfh_err *err)
{
	int rc;

	if (!lfh_name_valid(ev->author))
		return lfh_err_set(err, LFH_EINVAL, "event: author: invalid agency id");
	if (ev->seq < 1)
		return lfh_err_set(err, LFH_EINVAL, "event: seq: must be >= 1");
	if (ev->type < 1 || ev->type > LFH_EV_TYPE_MAX)
		return lfh_err_set(err, LFH_EINVAL, "event: type: %" PRIu32 " out of range 1..%d",
				   ev->type, LFH_EV_TYPE_MAX);
	if (!lfh_name_valid(ev->category))
		return lfh_err_set(err, LFH_EINVAL, "event: category: invalid category name");
	if ((rc = check_recipients(ev, err)) != 0 || (rc = check_key_ref(ev, err)) != 0)
		return rc;
	if (ev->body_len > LFH_BODY_MAX)
		return lfh_err_set(err, LFH_EINVAL, "event: body: %zu bytes exceeds %d",
				   ev->body_len, LFH_BODY_MAX);
	if (ev->body_len > 0 && !ev->body)
		return lfh_err_set(err, LFH_EINVAL, "event: body: missing");
	return 0;
}

/* ---- encoding ---- */

/*
 * Pack the first nel elements of the envelope as an nel-array: 12 = header,
 * 14 = signed bytes, 15 = envelope. Returns nonzero if a write failed.
 */
static int pack_event(msgpack_packer *pk, const lfh_event *ev, uint32_t nel)
{
	int r = msgpack_pack_array(pk, nel);

	r |= msgpack_pack_uint8(pk, LFH_EVENT_VERSION);
	r |= lfh_mp_pack_bin(pk, ev->hub, sizeof ev->hub);
	r |= lfh_mp_pack_str(pk, ev->author);
	r |= lfh_mp_pack_bin(pk, ev->key_id, LFH_KEYID_LEN);
	r |= msgpack_pack_uint64(pk, ev->seq);
	r |= msgpack_pack_uint64(pk, ev->hlc);
	r |= lfh_mp_pack_bin(pk, ev->case_id, LFH_CASE_LEN);
	r |= msgpack_pack_uint32(pk, ev->type);
	r |= lfh_mp_pack_str(pk, ev->category);
	r |= msgpack_pack_uint32(pk, ev->isa_version);
	r |= msgpack_pack_array(pk, ev->nrcpt);
	for (uint32_t i = 0; i < ev->nrcpt; i++) {
		r |= msgpack_pack_array(pk, 2);
		r |= lfh_mp_pack_str(pk, ev->rcpt[i].agency);
		r |= msgpack_pack_uint64(pk, ev->rcpt[i].ctr);
	}
	r |= msgpack_pack_array(pk, 2);
	r |= lfh_mp_pack_str(pk, ev->key_creator);
	r |= msgpack_pack_uint32(pk, ev->key_epoch);
	if (nel == 12)
		return r;
	r |= lfh_mp_pack_bin(pk, ev->nonce, ev->nonce_len);
	r |= lfh_mp_pack_bin(pk, ev->body, ev->body_len);
	if (nel == 14)
		return r;
	return r | lfh_mp_pack_bin(pk, ev->sig, LFH_SIG_LEN);
}

/* Check ev, then append its nel-array encoding to out (nothing on failure). */
static int encode(const lfh_event *ev, uint32_t nel, lfh_buf *out, lfh_err *err)
{
	size_t len0 = out->len;
	msgpack_packer pk;
	int rc = lfh_event_check(ev, err);

	if (rc)
		return rc;
	msgpack_packer_init(&pk, out, lfh_mp_buf_write);
	if (pack_event(&pk, ev, nel) != 0) {
		out->len = len0;
		return lfh_err_set(err, LFH_ENOMEM, "event: out of memory");
	}
	return 0;
}

int lfh_event_header_bytes(const lfh_event *ev, lfh_buf *out, lfh_err *err)
{
	return encode(ev, 12, out, err);
}

int lfh_event_signed_bytes(const lfh_event *ev, lfh_buf *out, lfh_err *err)
{
	return encode(ev, 14, out, err);
}

void lfh_event_id(const uint8_t *raw, size_t len, uint8_t id[LFH_ID_LEN])
{
	crypto_generichash(id, LFH_ID_LEN, raw, len, NULL, 0);
}

/*
 * Signing also checks that ev->key_id names the key in sign_sk (libsodium
 * keeps the public key in its last 32 bytes): an event signed under another
 * key id would be refused by every receiver.
 */
int lfh_event_sign(lfh_event *ev, const uint8_t sign_sk[64], lfh_buf *out,
		   uint8_t id[LFH_ID_LEN], lfh_err *err)
{
	uint8_t h[32];
	lfh_buf sb = {0};
	size_t len0 = out->len;
	int rc;

	crypto_generichash(h, sizeof h, sign_sk + 32, 32, NULL, 0);
	if (sodium_memcmp(h, ev->key_id, LFH_KEYID_LEN) != 0)
		return lfh_err_set(err, LFH_EINVAL, "event: key_id: does not match the signing key");
	rc = encode(ev, 14, &sb, err);
	if (rc == 0) {
		crypto_sign_detached(ev->sig, NULL, sb.data, sb.len, sign_sk);
		rc = encode(ev, 15, out, err);
	}
	if (rc == 0)
		lfh_event_id(out->data + len0, out->len - len0, id);
	lfh_buf_free(&sb);
	return rc;
}

int lfh_event_verify(const lfh_event *ev, const uint8_t sign_pk[32], lfh_err *err)
{
	lfh_buf sb = {0};
	int rc = encode(ev, 14, &sb, err);

	if (rc == 0 && crypto_sign_verify_detached(ev->sig, sb.data, sb.len, sign_pk) != 0)
		rc = lfh_err_set(err, LFH_ECRYPTO, "event: bad signature");
	lfh_buf_free(&sb);
	return rc;
}

/* ---- decoding ---- */

static int bad(lfh_err *err, const char *field, const char *what)
{
	return lfh_err_set(err, LFH_ECODEC, "event: %s: %s", field, what);
}

static int decode_recipients(const msgpack_object *o, lfh_event *ev, lfh_err *err)
{
	const msgpack_object *a = o->via.array.ptr;

	if (o->type != MSGPACK_OBJECT_ARRAY)
		return bad(err, "recipients", "expected an array");
	if (o->via.array.size > LFH_MAX_RECIPIENTS)
		return lfh_err_set(err, LFH_ETOOBIG, "event: recipients: more than %d",
				   LFH_MAX_RECIPIENTS);
	if (o->via.array.size < 1)
		return bad(err, "recipients", "empty");
	ev->nrcpt = o->via.array.size;
	for (uint32_t i = 0; i < ev->nrcpt; i++) {
		const msgpack_object *p = get_array(&a[i], 2);
		if (!p)
			return lfh_err_set(err, LFH_ECODEC, "event: recipients[%" PRIu32
					   "]: expected [agency, ctr]", i);
		if (get_name(&p[0], ev->rcpt[i].agency, 0))
			return lfh_err_set(err, LFH_ECODEC, "event: recipients[%" PRIu32
					   "].agency: invalid agency id", i);
		if (lfh_mp_get_uint(&p[1], UINT64_MAX, &ev->rcpt[i].ctr))
			return lfh_err_set(err, LFH_ECODEC, "event: recipients[%" PRIu32
					   "].ctr: expected an unsigned integer", i);
	}
	return 0;
}

/* Elements 11..14: key_ref, nonce, body (copied), sig. */
static int decode_tail(const msgpack_object *a, lfh_event *ev, lfh_err *err)
{
	const msgpack_object *kr = get_array(&a[11], 2);
	uint64_t u;

	if (!kr)
		return bad(err, "key_ref", "expected [creator, epoch]");
	if (get_name(&kr[0], ev->key_creator, 1))
		return bad(err, "key_ref.creator", "invalid agency id");
	if (lfh_mp_get_uint(&kr[1], UINT32_MAX, &u))
		return bad(err, "key_ref.epoch", "expected a u32");
	ev->key_epoch = (uint32_t)u;
	if (a[12].type != MSGPACK_OBJECT_BIN ||
	    (a[12].via.bin.size != 0 && a[12].via.bin.size != LFH_NONCE_LEN))
		return bad(err, "nonce", "expected bin of 24 or 0 bytes");
	ev->nonce_len = a[12].via.bin.size;
	if (ev->nonce_len > 0)
		memcpy(ev->nonce, a[12].via.bin.ptr, ev->nonce_len);
	if (a[13].type != MSGPACK_OBJECT_BIN)
		return bad(err, "body", "expected bin");
	if (a[13].via.bin.size > LFH_BODY_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "event: body: %" PRIu32 " bytes exceeds %d",
				   a[13].via.bin.size, LFH_BODY_MAX);
	if (get_bin_exact(&a[14], LFH_SIG_LEN, ev->sig))
		return bad(err, "sig", "expected bin of 64 bytes");
	ev->body_len = a[13].via.bin.size;
	ev->body = malloc(ev->body_len ? ev->body_len : 1);
	if (!ev->body)
		return lfh_err_set(err, LFH_ENOMEM, "event: out of memory");
	if (ev->body_len > 0)
		memcpy(ev->body, a[13].via.bin.ptr, ev->body_len);
	return 0;
}

/* Fill ev from the unpacked envelope: version first, then each field. */
static int decode_object(const msgpack_object *o, lfh_event *ev, lfh_err *err)
{
	const msgpack_object *a = get_array(o, 0);
	uint64_t u;

	if (!a || o->via.array.size < 1)
		return lfh_err_set(err, LFH_ECODEC, "event: expected a non-empty array");
	if (lfh_mp_get_uint(&a[0], UINT64_MAX, &u))
		return bad(err, "version", "expected an unsigned integer");
	if (u != LFH_EVENT_VERSION)
		return lfh_err_set(err, LFH_EVERSION, "event: version %" PRIu64
				   " not supported (expected %d)", u, LFH_EVENT_VERSION);
	if (o->via.array.size != 15)
		return lfh_err_set(err, LFH_ECODEC, "event: expected 15 elements, got %" PRIu32,
				   o->via.array.size);
	if (get_bin_exact(&a[1], sizeof ev->hub, ev->hub))
		return bad(err, "hub", "expected bin of 32 bytes");
	if (get_name(&a[2], ev->author, 0))
		return bad(err, "author", "invalid agency id");
	if (get_bin_exact(&a[3], LFH_KEYID_LEN, ev->key_id))
		return bad(err, "key_id", "expected bin of 8 bytes");
	if (lfh_mp_get_uint(&a[4], UINT64_MAX, &ev->seq))
		return bad(err, "seq", "expected an unsigned integer");
	if (lfh_mp_get_uint(&a[5], UINT64_MAX, &ev->hlc))
		return bad(err, "hlc", "expected an unsigned integer");
	if (get_bin_exact(&a[6], LFH_CASE_LEN, ev->case_id))
		return bad(err, "case_id", "expected bin of 16 bytes");
	if (lfh_mp_get_uint(&a[7], UINT32_MAX, &u))
		return bad(err, "type", "expected a u32");
	ev->type = (uint32_t)u;
	if (get_name(&a[8], ev->category, 0))
		return bad(err, "category", "invalid category name");
	if (lfh_mp_get_uint(&a[9], UINT32_MAX, &u))
		return bad(err, "isa_version", "expected a u32");
	ev->isa_version = (uint32_t)u;
	int rc = decode_recipients(&a[10], ev, err);
	return rc ? rc : decode_tail(a, ev, err);
}

/* Cross-field rules, then: re-encoding ev must give back exactly raw. */
static int check_decoded(const uint8_t *raw, size_t len, const lfh_event *ev, lfh_err *err)
{
	lfh_err ce;
	lfh_buf re = {0};
	msgpack_packer pk;
	int rc = 0;

	if (lfh_event_check(ev, &ce) != 0)
		return lfh_err_set(err, LFH_ECODEC, "%s", ce.msg);
	msgpack_packer_init(&pk, &re, lfh_mp_buf_write);
	if (pack_event(&pk, ev, 15) != 0)
		rc = lfh_err_set(err, LFH_ENOMEM, "event: out of memory");
	else if (re.len != len || memcmp(re.data, raw, len) != 0)
		rc = lfh_err_set(err, LFH_ECODEC, "event: non-canonical encoding");
	lfh_buf_free(&re);
	return rc;
}

int lfh_event_decode(const uint8_t *raw, size_t len, lfh_event *ev, lfh_err *err)
{
	msgpack_unpacked up;
	int rc;

	memset(ev, 0, sizeof *ev);
	if (len > LFH_EVENT_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "event: %zu bytes exceeds %d", len, LFH_EVENT_MAX);
	msgpack_unpacked_init(&up);
	if (lfh_mp_unpack(&up, raw, len, MAX_OBJECTS) != 0)
		rc = lfh_err_set(err, LFH_ECODEC, "event: malformed or oversized msgpack");
	else
		rc = decode_object(&up.data, ev, err);
	msgpack_unpacked_destroy(&up);
	if (rc == 0)
		rc = check_decoded(raw, len, ev, err);
	if (rc)
		lfh_event_clear(ev);
	return rc;
}

uint32_t lfh_event_peek_type(const uint8_t *raw, size_t len)
{
	msgpack_unpacked up;
	uint64_t u = 0;

	msgpack_unpacked_init(&up);
	if (len > LFH_EVENT_MAX || lfh_mp_unpack(&up, raw, len, MAX_OBJECTS) != 0 ||
	    up.data.type != MSGPACK_OBJECT_ARRAY || up.data.via.array.size != 15 ||
	    lfh_mp_get_uint(&up.data.via.array.ptr[7], UINT32_MAX, &u))
		u = 0;
	msgpack_unpacked_destroy(&up);
	return (uint32_t)u;
}

/* A msgpack str of 1..LFH_AGENCY_MAX bytes into out (NUL-terminated); 0 or -1. */
static int peek_name(const msgpack_object *o, char out[LFH_AGENCY_MAX + 1])
{
	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size == 0 || o->via.str.size > LFH_AGENCY_MAX)
		return -1;
	memcpy(out, o->via.str.ptr, o->via.str.size);
	out[o->via.str.size] = '\0';
	return 0;
}

int lfh_event_peek_slot(const uint8_t *raw, size_t len, const char *rcpt,
			char author[LFH_AGENCY_MAX + 1], uint64_t *ctr)
{
	msgpack_unpacked up;
	const msgpack_object *f, *rs;
	int rc = -1;

	*ctr = 0;
	msgpack_unpacked_init(&up);
	if (len > LFH_EVENT_MAX || lfh_mp_unpack(&up, raw, len, MAX_OBJECTS) != 0 ||
	    up.data.type != MSGPACK_OBJECT_ARRAY || up.data.via.array.size != 15)
		goto out;
	f = up.data.via.array.ptr;
	rs = &f[10];
	if (peek_name(&f[2], author) || rs->type != MSGPACK_OBJECT_ARRAY)
		goto out;
	rc = 0;
	for (uint32_t i = 0; i < rs->via.array.size; i++) {
		const msgpack_object *r = &rs->via.array.ptr[i];
		char name[LFH_AGENCY_MAX + 1];
		uint64_t c;
		if (r->type != MSGPACK_OBJECT_ARRAY || r->via.array.size != 2 ||
		    peek_name(&r->via.array.ptr[0], name) ||
		    lfh_mp_get_uint(&r->via.array.ptr[1], UINT64_MAX, &c) != 0) {
			rc = -1;
			break;
		}
		if (strcmp(name, rcpt) == 0) {
			*ctr = c;
			break;
		}
	}
out:
	msgpack_unpacked_destroy(&up);
	return rc;
}

void lfh_event_clear(lfh_event *ev)
{
	free(ev->body);
	memset(ev, 0, sizeof *ev);
}

int lfh_event_find_recipient(const lfh_event *ev, const char *agency)
{
	for (uint32_t i = 0; i < ev->nrcpt && i < LFH_MAX_RECIPIENTS; i++)
		if (strcmp(ev->rcpt[i].agency, agency) == 0)
			return (int)i;
	return -1;
}

/* ---- key-event body ---- */

static int key_body_check(const lfh_key_body *kb, lfh_err *err)
{
	if (!lfh_name_valid(kb->creator))
		return lfh_err_set(err, LFH_EINVAL, "key body: creator: invalid agency id");
	if (kb->ngrants < 1 || kb->ngrants > LFH_MAX_RECIPIENTS)
		return lfh_err_set(err, LFH_EINVAL, "key body: grants: count %" PRIu32
				   " out of range 1..%d", kb->ngrants, LFH_MAX_RECIPIENTS);
	for (uint32_t i = 0; i < kb->ngrants; i++) {
		if (!lfh_name_valid(kb->grants[i].agency))
			return lfh_err_set(err, LFH_EINVAL, "key body: grants[%" PRIu32
					   "].agency: invalid agency id", i);
		if (i > 0 && strcmp(kb->grants[i - 1].agency, kb->grants[i].agency) >= 0)
			return lfh_err_set(err, LFH_EINVAL, "key body: grants[%" PRIu32
					   "].agency: not sorted ascending or duplicate", i);
	}
	return 0;
}

static int pack_key_body(msgpack_packer *pk, const lfh_key_body *kb)
{
	int r = msgpack_pack_array(pk, 3);

	r |= lfh_mp_pack_str(pk, kb->creator);
	r |= msgpack_pack_uint32(pk, kb->epoch);
	r |= msgpack_pack_array(pk, kb->ngrants);
	for (uint32_t i = 0; i < kb->ngrants; i++) {
		r |= msgpack_pack_array(pk, 2);
		r |= lfh_mp_pack_str(pk, kb->grants[i].agency);
		r |= lfh_mp_pack_bin(pk, kb->grants[i].sealed, LFH_SEALED_LEN);
	}
	return r;
}

int lfh_key_body_encode(const lfh_key_body *kb, lfh_buf *out, lfh_err *err)
{
	size_t len0 = out->len;
	msgpack_packer pk;
	int rc = key_body_check(kb, err);

	if (rc)
		return rc;
	msgpack_packer_init(&pk, out, lfh_mp_buf_write);
	if (pack_key_body(&pk, kb) != 0) {
		out->len = len0;
		return lfh_err_set(err, LFH_ENOMEM, "key body: out of memory");
	}
	return 0;
}

static int decode_key_object(const msgpack_object *o, lfh_key_body *kb, lfh_err *err)
{
	const msgpack_object *a = get_array(o, 3), *g;
	uint64_t u;

	if (!a)
		return lfh_err_set(err, LFH_ECODEC, "key body: expected [creator, epoch, grants]");
	if (get_name(&a[0], kb->creator, 0))
		return lfh_err_set(err, LFH_ECODEC, "key body: creator: invalid agency id");
	if (lfh_mp_get_uint(&a[1], UINT32_MAX, &u))
		return lfh_err_set(err, LFH_ECODEC, "key body: epoch: expected a u32");
	kb->epoch = (uint32_t)u;
	g = a[2].via.array.ptr;
	if (a[2].type != MSGPACK_OBJECT_ARRAY || a[2].via.array.size < 1 ||
	    a[2].via.array.size > LFH_MAX_RECIPIENTS)
		return lfh_err_set(err, LFH_ECODEC, "key body: grants: expected an array of 1..%d",
				   LFH_MAX_RECIPIENTS);
	kb->ngrants = a[2].via.array.size;
	for (uint32_t i = 0; i < kb->ngrants; i++) {
		const msgpack_object *p = get_array(&g[i], 2);
		if (!p)
			return lfh_err_set(err, LFH_ECODEC, "key body: grants[%" PRIu32
					   "]: expected [agency, sealed]", i);
		if (get_name(&p[0], kb->grants[i].agency, 0))
			return lfh_err_set(err, LFH_ECODEC, "key body: grants[%" PRIu32
					   "].agency: invalid agency id", i);
		if (get_bin_exact(&p[1], LFH_SEALED_LEN, kb->grants[i].sealed))
			return lfh_err_set(err, LFH_ECODEC, "key body: grants[%" PRIu32
					   "].sealed: expected bin of %d bytes", i, LFH_SEALED_LEN);
	}
	return 0;
}

int lfh_key_body_decode(const uint8_t *raw, size_t len, lfh_key_body *kb, lfh_err *err)
{
	msgpack_unpacked up;
	lfh_buf re = {0};
	msgpack_packer pk;
	lfh_err ce;
	int rc;

	memset(kb, 0, sizeof *kb);
	if (len > LFH_BODY_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "key body: %zu bytes exceeds %d", len, LFH_BODY_MAX);
	msgpack_unpacked_init(&up);
	if (lfh_mp_unpack(&up, raw, len, MAX_OBJECTS) != 0)
		rc = lfh_err_set(err, LFH_ECODEC, "key body: malformed or oversized msgpack");
	else
		rc = decode_key_object(&up.data, kb, err);
	msgpack_unpacked_destroy(&up);
	if (rc == 0 && key_body_check(kb, &ce) != 0)
		rc = lfh_err_set(err, LFH_ECODEC, "%s", ce.msg);
	if (rc == 0) {
		msgpack_packer_init(&pk, &re, lfh_mp_buf_write);
		if (pack_key_body(&pk, kb) != 0)
			rc = lfh_err_set(err, LFH_ENOMEM, "key body: out of memory");
		else if (re.len != len || memcmp(re.data, raw, len) != 0)
			rc = lfh_err_set(err, LFH_ECODEC, "key body: non-canonical encoding");
		lfh_buf_free(&re);
	}
	if (rc)
		memset(kb, 0, sizeof *kb);
	return rc;
}
