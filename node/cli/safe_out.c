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

/* A byte that would act on a terminal instead of being shown. */
static int is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
}

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
	char chunk[4096];
	size_t done = 0;

	(void)cookie;
	while (done < size) {
		size_t n = size - done < sizeof chunk ? size - done : sizeof chunk;
		for (size_t i = 0; i < n; i++)
			chunk[i] = is_control((unsigned char)buf[done + i]) ? '?' : buf[done + i];
		if (write_all(chunk, n))
			return done ? (ssize_t)done : -1;
		done += n;
	}
	return (ssize_t)size;
}

int lfh_safe_stdout(void)
{
	cookie_io_functions_t io = { .write = filter_write };
	FILE *f;

	fflush(stdout);
	if (!(f = fopencookie(NULL, "w", io)))
		return -1;
	setvbuf(f, NULL, _IOFBF, 8192);
	stdout = f;
	return 0;
}
