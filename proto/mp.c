/*
 * mp.c - msgpack helpers shared by the proto/ codecs (include/lfh/mp.h):
 * the lfh_buf writer, the structural pre-scan that bounds msgpack-c's
 * allocations on untrusted input, and small pack / get helpers.
 */
#include <string.h>

#include "lfh/mp.h"

int lfh_mp_buf_write(void *data, const char *p, size_t n)
{
	return lfh_buf_append(data, p, n) == 0 ? 0 : -1;
}

int lfh_mp_prescan(const uint8_t *p, size_t len, size_t max_objects)
{
	size_t off = 0, pending = 1, seen = 0;

	while (pending > 0) {
		enum { FIXED, DATA, ARRAY, MAP } kind = FIXED;
		unsigned k = 0;      /* bytes of big-endian length after the tag */
		uint64_t n = 0, extra = 0;
		uint8_t t;

		if (pending > len - off || pending > max_objects - seen)
			return -1;
		t = p[off++];
		pending--;
		seen++;
		if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3)
			continue;
		if (t <= 0x8f) {
			kind = MAP, n = t & 0x0f;
		} else if (t <= 0x9f) {
			kind = ARRAY, n = t & 0x0f;
		} else if (t <= 0xbf) {
			kind = DATA, n = t & 0x1f;
		} else {
			switch (t) {
			case 0xc4: case 0xd9: kind = DATA, k = 1; break;
			case 0xc5: case 0xda: kind = DATA, k = 2; break;
			case 0xc6: case 0xdb: kind = DATA, k = 4; break;
			case 0xc7: kind = DATA, k = 1, extra = 1; break;
			case 0xc8: kind = DATA, k = 2, extra = 1; break;
			case 0xc9: kind = DATA, k = 4, extra = 1; break;
			case 0xcc: case 0xd0: extra = 1; break;
			case 0xcd: case 0xd1: extra = 2; break;
			case 0xca: case 0xce: case 0xd2: extra = 4; break;
			case 0xcb: case 0xcf: case 0xd3: extra = 8; break;
			case 0xd4: extra = 2; break;
			case 0xd5: extra = 3; break;
			case 0xd6: extra = 5; break;
			case 0xd7: extra = 9; break;
			case 0xd8: extra = 17; break;
			case 0xdc: kind = ARRAY, k = 2; break;
			case 0xdd: kind = ARRAY, k = 4; break;
			case 0xde: kind = MAP, k = 2; break;
			case 0xdf: kind = MAP, k = 4; break;
			default: return -1; /* 0xc1: never used */
			}
		}
		if (k > len - off)
			return -1;
		while (k-- > 0)
			n = n << 8 | p[off++];
		if (kind == DATA || kind == FIXED) {
			n = (kind == DATA ? n : 0) + extra;
			if (n > len - off)
				return -1;
			off += n;
		} else {
			n *= (kind == MAP ? 2 : 1);
			if (n > len - off)
				return -1;
			pending += n;
		}
	}
	return off == len ? 0 : -1;
}

int lfh_mp_unpack(msgpack_unpacked *up, const uint8_t *raw, size_t len, size_t max_objects)
{
	size_t off = 0;

	if (lfh_mp_prescan(raw, len, max_objects) != 0)
		return -1;
	if (msgpack_unpack_next(up, (const char *)raw, len, &off) != MSGPACK_UNPACK_SUCCESS)
		return -1;
	return off == len ? 0 : -1;
}

int lfh_mp_pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	if (msgpack_pack_str(pk, n) != 0)
		return -1;
	return msgpack_pack_str_body(pk, s, n);
}

int lfh_mp_pack_bin(msgpack_packer *pk, const uint8_t *p, size_t n)
{
	if (msgpack_pack_bin(pk, n) != 0)
		return -1;
	return msgpack_pack_bin_body(pk, p, n);
}

int lfh_mp_get_uint(const msgpack_object *o, uint64_t max, uint64_t *out)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > max)
		return -1;
	*out = o->via.u64;
	return 0;
}

int lfh_mp_encode(const lfh_mp_codec *c, int (*pack)(msgpack_packer *pk, const void *in),
		  const void *in, lfh_buf *out, lfh_err *err)
{
	size_t len0 = out->len;
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, lfh_mp_buf_write);
	if (pack(&pk, in) != 0) {
		out->len = len0;
		return lfh_err_set(err, LFH_ENOMEM, "%s: out of memory", c->what);
	}
	return 0;
}

int lfh_mp_decode_canonical(const lfh_mp_codec *c, const uint8_t *raw, size_t len, void *out,
			    lfh_err *err)
{
	msgpack_unpacked up;
	msgpack_packer pk;
	lfh_buf re = { 0 };
	int rc;

	if (len > c->max_len)
		return lfh_err_set(err, LFH_ETOOBIG, "%s: %zu bytes exceeds %zu", c->what, len,
				   c->max_len);
	msgpack_unpacked_init(&up);
	if (lfh_mp_unpack(&up, raw, len, c->max_objects) != 0)
		rc = lfh_err_set(err, LFH_ECODEC, "%s: malformed msgpack, trailing bytes or too "
				 "many objects", c->what);
	else
		rc = c->decode(&up.data, out, err);
	msgpack_unpacked_destroy(&up);
	if (rc)
		return rc;
	msgpack_packer_init(&pk, &re, lfh_mp_buf_write);
	if (c->pack(&pk, out) != 0)
		rc = lfh_err_set(err, LFH_ENOMEM, "%s: out of memory", c->what);
	else if (re.len != len || memcmp(re.data, raw, len) != 0)
		rc = lfh_err_set(err, LFH_ECODEC, "%s: non-canonical encoding", c->what);
	lfh_buf_free(&re);
	return rc;
}
