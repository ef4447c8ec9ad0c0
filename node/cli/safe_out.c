/*
 * safe_out.c - lfh's standard output, safe for a terminal (safe_out.h).
 *
 * A stdio cookie stream whose writes go, filtered, straight to file
 * descriptor 1 (no second buffer: fflush(stdout) puts everything on fd 1,
 * which cmd_export.c's --out redirects with dup2). A failed write fails
 * the stream, so ferror(stdout) and fflush(stdout) report it as before.
 */
#define _GNU_SOURCE /* fopencookie */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "safe_out.h"

/* A byte that would act on a terminal instead of being shown (C0 and DEL; CR would overwrite). */
static int is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f;
}

/* A C1 control (U+0080..U+009F, "\xc2\x80".."\xc2\x9f" in UTF-8: U+009B starts a sequence). */
static int is_c1_second(unsigned char c)
{
	return c >= 0x80 && c <= 0x9f;
}

/* A 0xc2 left at the end of the last write: its second byte decides. */
static int pending_c2;

/* Write all of buf[0..n) to fd 1. */
static int write_all(const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static ssize_t filter_write(void *cookie, const char *buf, size_t size)
{
	char chunk[4096 + 1];
	size_t i = 0;

	(void)cookie;
	while (i < size) {
		size_t n = 0;
		for (; i < size && n < sizeof chunk - 1; i++) {
			unsigned char c = (unsigned char)buf[i];
			if (pending_c2) {
				pending_c2 = 0;
				if (is_c1_second(c)) {
					chunk[n++] = '?';
					continue;
				}
				chunk[n++] = (char)0xc2;
			}
			if (c == 0xc2)
				pending_c2 = 1;
			else
				chunk[n++] = is_control(c) ? '?' : (char)c;
		}
		if (write_all(chunk, n))
			return -1;
	}
	return (ssize_t)size;
}

static int filter_close(void *cookie)
{
	(void)cookie;
	if (pending_c2) { /* a lone 0xc2 at the very end: as it came */
		pending_c2 = 0;
		return write_all("\xc2", 1);
	}
	return 0;
}

void lfh_safe_text(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		if (is_control(*p))
			*p = '?';
		else if (*p == 0xc2 && is_c1_second(p[1]))
			*p = '?', p[1] = '?';
}

int lfh_safe_stdout(void)
{
	cookie_io_functions_t io = { .write = filter_write, .close = filter_close };
	FILE *f;

	fflush(stdout);
	if (!(f = fopencookie(NULL, "w", io)))
		return -1;
	/* a terminal sees each line as it comes, in order with stderr's */
	setvbuf(f, NULL, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, 8192);
	stdout = f;
	return 0;
}
