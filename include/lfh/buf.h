/*
 * buf.h - a growable byte buffer, and hex helpers.
 *
 * Used to hand encoded bytes between modules without exposing msgpack types.
 */
#ifndef LFH_BUF_H
#define LFH_BUF_H

#include <stddef.h>
#include <stdint.h>

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

/*
 * Parse exactly n bytes of hex from s (2*n chars, nothing more).
 * Returns 0 or LFH_EINVAL.
 */
int lfh_unhex(uint8_t *out, size_t n, const char *s);

#endif
