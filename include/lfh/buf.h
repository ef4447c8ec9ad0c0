/*
 * buf.h - a growable byte buffer, and hex helpers.
 *
 * Used to hand encoded bytes between modules without exposing msgpack types.
 * Buffers may hold plaintext: a block is wiped before it is freed, also when
 * the buffer grows into a larger one.
 */
#ifndef LFH_BUF_H
#define LFH_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/err.h"

typedef struct lfh_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
} lfh_buf;

/* Append n bytes; returns 0 or LFH_ENOMEM. */
int lfh_buf_append(lfh_buf *b, const void *p, size_t n);

/* Forget the contents but keep the allocation. */
void lfh_buf_reset(lfh_buf *b);

/* Free the allocation (wiping it first) and zero the struct. */
void lfh_buf_free(lfh_buf *b);

/* Write 2*n lowercase hex chars plus NUL into out (size >= 2*n+1). */
void lfh_hex(char *out, const uint8_t *p, size_t n);

/* v as 8 big-endian bytes (keys that sort by number), and back. */
void lfh_be64_put(uint8_t b[8], uint64_t v);
uint64_t lfh_be64_get(const uint8_t b[8]);

/*
 * Parse exactly n bytes of hex from s (2*n chars, nothing more).
 * Returns 0 or LFH_EINVAL.
 */
int lfh_unhex(uint8_t *out, size_t n, const char *s);

/*
 * Read a whole regular file of at most max bytes: *out is malloc'd and
 * NUL-terminated (the NUL not counted in *len). Errors name the path:
 * LFH_ENOTFOUND (no such file), LFH_EIO, LFH_EINVAL (not a regular file),
 * LFH_ETOOBIG, LFH_ENOMEM. Every file lfhub reads from outside goes through
 * here, so each is bounded before it is parsed.
 */
int lfh_read_file(const char *path, size_t max, char **out, size_t *len, lfh_err *err);

/* Length of the well-formed UTF-8 sequence at p (n >= 1 bytes left), or 0 if ill-formed. */
size_t lfh_utf8_seq(const unsigned char *p, size_t n);

/* How many of the n bytes at s, at most max, are whole well-formed UTF-8 characters from the start. */
size_t lfh_utf8_prefix(const void *s, size_t n, size_t max);

/* Is s (n bytes) well-formed UTF-8 throughout? */
int lfh_utf8_valid(const char *s, size_t n);

#endif
