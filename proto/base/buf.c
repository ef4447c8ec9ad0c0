/* buf.c - growable byte buffer and hex helpers (see include/lfh/buf.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
		/* few, large steps: each one copies and wipes the old block */
		size_t cap = b->cap ? b->cap : 2048;
		while (cap < b->len + n)
			cap = cap <= SIZE_MAX / 4 ? cap * 4 : b->len + n;
		/* not realloc: the old block may hold plaintext, and is wiped before it goes */
		uint8_t *d = malloc(cap);
		if (!d)
			return LFH_ENOMEM;
		if (b->data) {
			memcpy(d, b->data, b->len);
			sodium_memzero(b->data, b->cap);
			free(b->data);
		}
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

/* read() the open fd to the end, failing past max bytes. */
static int read_all(int fd, const char *path, size_t max, char *buf, size_t *len, lfh_err *err)
{
	*len = 0;
	for (;;) {
		ssize_t r = read(fd, buf + *len, max + 1 - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return lfh_err_set(err, LFH_EIO, "%s: %s", path, strerror(errno));
		if (r == 0)
			return 0;
		if ((*len += (size_t)r) > max)
			return lfh_err_set(err, LFH_ETOOBIG, "%s: file too large (max %zu bytes)", path,
					   max);
	}
}

int lfh_read_file(const char *path, size_t max, char **out, size_t *len, lfh_err *err)
{
	struct stat st;
	char *buf = NULL;
	int rc, fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return lfh_err_set(err, errno == ENOENT ? LFH_ENOTFOUND : LFH_EIO, "%s: %s", path,
				   strerror(errno));
	if (fstat(fd, &st) != 0)
		rc = lfh_err_set(err, LFH_EIO, "%s: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		rc = lfh_err_set(err, LFH_EINVAL, "%s: not a regular file", path);
	else if (st.st_size < 0 || (unsigned long long)st.st_size > max)
		rc = lfh_err_set(err, LFH_ETOOBIG, "%s: file too large (%lld bytes, max %zu)", path,
				 (long long)st.st_size, max);
	else if (!(buf = malloc(max + 2)))
		rc = lfh_err_set(err, LFH_ENOMEM, "%s: out of memory", path);
	else
		rc = read_all(fd, path, max, buf, len, err);
	close(fd);
	if (rc) {
		free(buf);
		return rc;
	}
	buf[*len] = '\0';
	*out = buf;
	return 0;
}

size_t lfh_utf8_seq(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

void lfh_be64_put(uint8_t b[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

uint64_t lfh_be64_get(const uint8_t b[8])
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

size_t lfh_utf8_prefix(const void *s, size_t n, size_t max)
{
	const unsigned char *p = s;
	size_t at = 0;

	if (n > max)
		n = max;
	while (at < n) {
		size_t k = lfh_utf8_seq(p + at, n - at);
		if (!k)
			break;
		at += k;
	}
	return at;
}

int lfh_utf8_valid(const char *s, size_t n)
{
	return lfh_utf8_prefix(s, n, n) == n;
}
