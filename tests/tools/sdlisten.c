/*
 * sdlisten - stand in for systemd's notification socket in tests.
 *
 *   sdlisten PATH SECONDS
 *
 * Binds an AF_UNIX datagram socket at PATH (a test then starts lfhd with
 * NOTIFY_SOCKET=PATH) and prints every assignment of every datagram that
 * arrives, one per line ("READY=1", "STATUS=...", "WATCHDOG=1"), flushed at
 * once so a test can wait on the output file. Exits 0 after a datagram
 * holding STOPPING=1, 1 when SECONDS pass without one (a bounded wait: a
 * test never hangs on it), 2 on bad usage or a socket error. PATH is
 * removed on exit.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define DGRAM_MAX 4096

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Print each newline-separated assignment of one datagram; 1 if it held STOPPING=1. */
static int print_dgram(char *buf, size_t len)
{
	int stopping = 0;
	char *save = NULL;

	buf[len] = '\0';
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		printf("%s\n", line);
		stopping |= strcmp(line, "STOPPING=1") == 0;
	}
	fflush(stdout);
	return stopping;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[DGRAM_MAX + 1];
	long secs;
	int fd, rc = 1;

	if (argc != 3 || strlen(argv[1]) >= sizeof sa.sun_path || (secs = atol(argv[2])) < 1 ||
	    secs > 3600) {
		fprintf(stderr, "usage: sdlisten PATH SECONDS (1..3600)\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		fprintf(stderr, "sdlisten: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	long long deadline = now_ms() + secs * 1000LL;
	for (long long left; (left = deadline - now_ms()) > 0;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		ssize_t len = recv(fd, buf, DGRAM_MAX, 0);
		if (len < 0)
			continue;
		if (print_dgram(buf, (size_t)len)) {
			rc = 0;
			break;
		}
	}
	close(fd);
	unlink(argv[1]);
	return rc;
}
