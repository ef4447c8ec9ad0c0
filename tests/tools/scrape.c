/*
 * scrape - fetch a Prometheus endpoint over plain HTTP/1.0, as a monitoring
 * server would, so tests need no curl.
 *
 *   scrape HOST PORT [PATH]      (PATH default /metrics; HOST an IPv4 address;
 *                                 SCRAPE_METHOD=HEAD in the environment: HEAD)
 *
 * Prints the body and exits 0 on "HTTP/1.x 200"; prints the status line to
 * stderr and exits 1 on any other status, 2 on usage, connection or timeout
 * errors. Every wait is bounded (5 s), and the answer is capped at 4 MiB.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define ANSWER_MAX (4 << 20)

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 5 };
	char req[512], *buf, *body;
	size_t len = 0;
	long port;
	int fd;

	if (argc < 3 || argc > 4 || (port = atol(argv[2])) < 1 || port > 65535 ||
	    inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "usage: scrape HOST PORT [PATH]\n");
		return 2;
	}
	sa.sin_port = htons((uint16_t)port);
	snprintf(req, sizeof req, "%.8s %.400s HTTP/1.0\r\nHost: %s\r\n\r\n",
		 getenv("SCRAPE_METHOD") ? getenv("SCRAPE_METHOD") : "GET",
		 argc == 4 ? argv[3] : "/metrics", argv[1]);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	buf = malloc(ANSWER_MAX + 1);
	if (fd < 0 || !buf || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) || write(fd, req, strlen(req)) < 0) {
		fprintf(stderr, "scrape: %s:%ld: %s\n", argv[1], port, strerror(errno));
		return 2;
	}
	for (ssize_t n; len < ANSWER_MAX && (n = read(fd, buf + len, ANSWER_MAX - len)) != 0;) {
		if (n < 0) {
			fprintf(stderr, "scrape: reading: %s\n", strerror(errno));
			return 2;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	body = strstr(buf, "\r\n\r\n");
	if (strncmp(buf, "HTTP/1.", 7) != 0 || !body) {
		fprintf(stderr, "scrape: not an HTTP answer\n");
		return 2;
	}
	if (strncmp(buf + 8, " 200", 4) != 0) {
		fprintf(stderr, "scrape: %.*s\n", (int)strcspn(buf, "\r\n"), buf);
		return 1;
	}
	fwrite(body + 4, 1, len - (size_t)(body + 4 - buf), stdout);
	free(buf);
	return 0;
}
