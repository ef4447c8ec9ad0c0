/*
 * freeport - print N distinct free TCP ports on 127.0.0.1, one per line.
 *
 *   freeport [N]        (default 1, at most 256)
 *
 * Binds N sockets to port 0 and reads the ports the kernel chose with
 * getsockname. All sockets stay open until every port is chosen, so the
 * ports differ. They are closed on exit: a caller binds them soon after
 * (the kernel hands out ephemeral ports round-robin, so reuse by another
 * process in that window is unlikely).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FREEPORT_MAX 256

int main(int argc, char **argv)
{
	long n = 1;
	if (argc > 2) {
		fprintf(stderr, "usage: freeport [N]\n");
		return 2;
	}
	if (argc == 2) {
		char *end = NULL;
		errno = 0;
		n = strtol(argv[1], &end, 10);
		if (errno != 0 || end == argv[1] || *end != '\0' || n < 1 || n > FREEPORT_MAX) {
			fprintf(stderr, "freeport: N must be 1..%d\n", FREEPORT_MAX);
			return 2;
		}
	}

	int fds[FREEPORT_MAX];
	unsigned ports[FREEPORT_MAX];
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0) {
			perror("freeport: socket");
			return 1;
		}
		struct sockaddr_in sa;
		memset(&sa, 0, sizeof sa);
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sa.sin_port = 0;
		if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
			perror("freeport: bind");
			return 1;
		}
		socklen_t sl = sizeof sa;
		if (getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
			perror("freeport: getsockname");
			return 1;
		}
		fds[i] = fd;
		ports[i] = ntohs(sa.sin_port);
	}
	for (long i = 0; i < n; i++)
		printf("%u\n", ports[i]);
	for (long i = 0; i < n; i++)
		close(fds[i]);
	return fflush(stdout) == 0 ? 0 : 1;
}
