/* buf.c - growable byte buffer and hex helpers (see include/lfh/buf.h). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/buf.h"
#include "lfh/err.h"

int lfh_buf_append(lfh_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (b->len + n < b->len)
		return LFH_ENOMEM;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *d = realloc(b->data, cap);
		if (!d)
			return LFH_ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

void lfh_buf_reset(lfh_buf *b)
{
	b->len = 0;
}

void lfh_buf_free(lfh_buf *b)
{
	if (b->data)
		sodium_memzero(b->data, b->cap);
	free(b->data);
	memset(b, 0, sizeof *b);
}

void lfh_hex(char *out, const uint8_t *p, size_t n)
{
	sodium_bin2hex(out, 2 * n + 1, p, n);
}

int lfh_unhex(uint8_t *out, size_t n, const char *s)
{
	size_t got = 0;
	const char *end = NULL;
	if (strlen(s) != 2 * n)
		return LFH_EINVAL;
	if (sodium_hex2bin(out, n, s, 2 * n, NULL, &got, &end) != 0 || got != n)
		return LFH_EINVAL;
	return 0;
}
