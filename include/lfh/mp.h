/*
 * mp.h - msgpack helpers shared by the proto/ codecs (internal).
 *
 * Only proto/ (event.c, record.c, wire.c, hub.c) includes this header; it is
 * the one lfh header that exposes msgpack-c types. Everything else hands
 * encoded bytes around in an lfh_buf and never sees msgpack.
 *
 * Decoding untrusted bytes is two steps: lfh_mp_prescan bounds what the
 * input may make msgpack-c allocate, then msgpack_unpack_next builds the
 * object tree; lfh_mp_unpack does both and demands that the one object
 * occupies the whole input. The codecs then check types field by field and
 * re-encode to enforce canonical form.
 */
#ifndef LFH_MP_H
#define LFH_MP_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "lfh/buf.h"

/*
 * msgpack_packer write callback appending to the lfh_buf passed as data:
 * msgpack_packer_init(&pk, buf, lfh_mp_buf_write). 0, or -1 if out of memory.
 */
int lfh_mp_buf_write(void *data, const char *p, size_t n);

/*
 * Walk p[0..len) without building anything and check that it holds exactly
 * one complete msgpack object, that every declared length fits in the bytes
 * left, and that the objects seen plus those still owed never exceed
 * max_objects nor the bytes left (each object takes at least one byte).
 * msgpack-c allocates a container's declared size before reading it, so
 * this bounds its allocation to max_objects * sizeof(msgpack_object)
 * (SIZE_MAX: bounded by len only). Nesting depth is left to msgpack-c (it
 * refuses more than 32 levels). 0 if acceptable, -1 otherwise.
 */
int lfh_mp_prescan(const uint8_t *p, size_t len, size_t max_objects);

/*
 * lfh_mp_prescan, then unpack into up (msgpack_unpacked_init'd by the
 * caller, who also destroys it) exactly one object occupying all of raw.
 * 0, or -1 if raw is malformed, too big for max_objects, or has trailing
 * bytes. Strings and bins in up may point into raw.
 */
int lfh_mp_unpack(msgpack_unpacked *up, const uint8_t *raw, size_t len, size_t max_objects);

/* Pack s (NUL-terminated) as a str / p[0..n) as a bin. 0 or nonzero on a write failure. */
int lfh_mp_pack_str(msgpack_packer *pk, const char *s);
int lfh_mp_pack_bin(msgpack_packer *pk, const uint8_t *p, size_t n);

/* *out = o's value if o is a non-negative integer <= max; else -1. */
int lfh_mp_get_uint(const msgpack_object *o, uint64_t max, uint64_t *out);

/*
 * The steps every strict decoder shares: at most max_len bytes (else
 * LFH_ETOOBIG), one msgpack object of at most max_objects with no trailing
 * bytes (else LFH_ECODEC), decode(o, out), then pack(out) must give back
 * exactly raw (else LFH_ECODEC "<what>: non-canonical encoding"). The
 * caller runs its semantic checks afterwards and clears out on failure.
 */
typedef struct lfh_mp_codec {
	const char *what; /* "cert": prefixes messages */
	size_t max_len, max_objects;
	int (*decode)(const msgpack_object *o, void *out, lfh_err *err);
	int (*pack)(msgpack_packer *pk, const void *in); /* nonzero if a write failed */
} lfh_mp_codec;

/* Append pack(in) to out; on a failed write nothing is appended (LFH_ENOMEM). */
int lfh_mp_encode(const lfh_mp_codec *c, int (*pack)(msgpack_packer *pk, const void *in),
		  const void *in, lfh_buf *out, lfh_err *err);

int lfh_mp_decode_canonical(const lfh_mp_codec *c, const uint8_t *raw, size_t len, void *out,
			    lfh_err *err);

#endif
