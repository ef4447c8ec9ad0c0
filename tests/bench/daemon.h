/*
 * daemon.h - the benchmark's lfhd processes (tests/bench/bench.c): the work
 * dir (and removing it) and the lfhd binary, free ports, configs, starting a
 * daemon and waiting until it answers, stopping it (SIGTERM, then SIGKILL), its CPU
 * time and log. Like ctl_client.h, static functions for bench.c alone.
 */
#ifndef LFH_BENCH_DAEMON_H
#define LFH_BENCH_DAEMON_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl_client.h"

#define START_TIMEOUT_S 15
#define STOP_TIMEOUT_S 15
#define HUB "bench"
#define NSIX 6 /* the largest hub the bench runs: 6 nodes */
#define POLL_MS 20 /* how often a daemon's status is asked while waiting for it */

static char base[128];      /* work dir */

/* rm -rf dir (no symlink following: lstat). */
static void rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			char sub[2048];
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			rm_rf(sub);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}
static char lfhd_bin[1024];
static volatile sig_atomic_t interrupted;

typedef struct proc {
	const char *agency;
	pid_t pid;
	int status; /* from waitpid, once reaped */
	int reaped;
	char conf[512];
	char log[512];
	char ctl[256];   /* ipc:// endpoint */
} proc_t;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Where an agency's key directory is. */
static int key_dir(char *out, size_t n, const char *agency)
{
	return snprintf(out, n, "%s/%s/keys", base, agency) >= (int)n ? -1 : 0;
}

/* ---------------------------------------------------- 2. daemons, control */

static int free_ports(int *ports, int n)
{
	int fds[NSIX], rc = 0;
	for (int i = 0; i < n; i++)
		fds[i] = -1;
	for (int i = 0; i < n && rc == 0; i++) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof sa;
		memset(&sa, 0, sizeof sa);
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&sa, sizeof sa) != 0 ||
		    getsockname(fds[i], (struct sockaddr *)&sa, &sl) != 0)
			rc = -1;
		else
			ports[i] = ntohs(sa.sin_port);
	}
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (rc)
		fprintf(stderr, "bench: finding free ports: %s\n", strerror(errno));
	return rc;
}

/* d's config: its data dir and port, and its peers (agencies and ports). */
static int write_conf_n(proc_t *d, const char *data_dir, int port, const char *const *peers,
			const int *peer_ports, int npeers)
{
	char kd[512], pkd[512];
	FILE *f;

	key_dir(kd, sizeof kd, d->agency);
	snprintf(d->conf, sizeof d->conf, "%s/%s/lfhd.conf", base, d->agency);
	snprintf(d->log, sizeof d->log, "%s/%s/lfhd.log", base, d->agency);
	snprintf(d->ctl, sizeof d->ctl, "ipc://%s/%s.ctl", base, d->agency);
	f = fopen(d->conf, "w");
	if (!f) {
		fprintf(stderr, "bench: %s: %s\n", d->conf, strerror(errno));
		return -1;
	}
	fprintf(f,
		"[node]\n"
		"agency = %s\n"
		"hub = " HUB "\n"
		"data_dir = %s\n"
		"key_dir = %s\n"
		"listen = tcp://127.0.0.1:%d\n"
		"control = %s\n"
		"log_level = warn\n",
		d->agency, data_dir, kd, port, d->ctl);
	for (int i = 0; i < npeers; i++) {
		key_dir(pkd, sizeof pkd, peers[i]);
		fprintf(f,
			"\n"
			"[peer %s]\n"
			"endpoint = tcp://127.0.0.1:%d\n"
			"pubkey = %s/public.ini\n",
			peers[i], peer_ports[i], pkd);
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "bench: writing %s: %s\n", d->conf, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_conf(proc_t *d, const char *data_dir, int port, const char *peer,
		      int peer_port)
{
	return write_conf_n(d, data_dir, port, &peer, &peer_port, 1);
}

static int daemon_start(proc_t *d)
{
	int fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	pid_t pid;

	if (fd < 0) {
		fprintf(stderr, "bench: %s: %s\n", d->log, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "bench: fork: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	if (pid == 0) {
#ifdef __linux__
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the bench */
#endif
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(lfhd_bin, lfhd_bin, "-c", d->conf, (char *)NULL);
		dprintf(fd, "bench: exec %s: %s\n", lfhd_bin, strerror(errno));
		_exit(127);
	}
	close(fd);
	d->pid = pid;
	d->reaped = 0;
	return 0;
}

/* 1 if d's process has exited (and reaps it), 0 if still running. */
static int daemon_exited(proc_t *d)
{
	if (!d->pid)
		return 1;
	if (d->reaped)
		return 1;
	if (waitpid(d->pid, &d->status, WNOHANG) == d->pid) {
		d->reaped = 1;
		return 1;
	}
	return 0;
}

static void describe_status(int st, char *out, size_t n)
{
	if (WIFEXITED(st))
		snprintf(out, n, "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(out, n, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(out, n, "status 0x%x", st);
}

static void dump_log(const proc_t *d)
{
	FILE *f = fopen(d->log, "r");
	char line[1024];
	long lines = 0, skip;
	if (!f)
		return;
	while (fgets(line, sizeof line, f))
		lines++;
	rewind(f);
	skip = lines > 30 ? lines - 30 : 0;
	fprintf(stderr, "bench: ---- last lines of %s's lfhd log\n", d->agency);
	for (long i = 0; fgets(line, sizeof line, f); i++)
		if (i >= skip)
			fprintf(stderr, "bench:   %s", line);
	fclose(f);
}

/* SIGTERM, bounded wait, SIGKILL. Returns 0 if it exited cleanly (status 0). */
static int daemon_stop(proc_t *d)
{
	char why[64];
	double deadline;

	if (!d->pid)
		return 0;
	if (!daemon_exited(d)) {
		kill(d->pid, SIGTERM);
		deadline = now_s() + STOP_TIMEOUT_S;
		while (!daemon_exited(d) && now_s() < deadline)
			usleep(10000);
		if (!d->reaped) {
			fprintf(stderr, "bench: %s lfhd did not stop within %ds of SIGTERM: killed\n",
				d->agency, STOP_TIMEOUT_S);
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &d->status, 0);
			d->reaped = 1;
			d->pid = 0;
			return -1;
		}
	}
	d->pid = 0;
	if (WIFEXITED(d->status) && WEXITSTATUS(d->status) == 0)
		return 0;
	describe_status(d->status, why, sizeof why);
	fprintf(stderr, "bench: %s lfhd ended with %s\n", d->agency, why);
	dump_log(d);
	return -1;
}

/* CPU seconds (user + system) used so far by a running child, or -1. */
static double proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(buf, sizeof buf, f);
	fclose(f);
	if (!p || !(p = strrchr(buf, ')')))
		return -1;
	/* after ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15) */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Wait (bounded) until d answers status; 0 if it did. */
static int wait_ready(proc_t *d, ctl_client *c, uint64_t *events)
{
	double deadline = now_s() + START_TIMEOUT_S;
	while (!interrupted && now_s() < deadline) {
		if (daemon_exited(d)) {
			char why[64];
			describe_status(d->status, why, sizeof why);
			fprintf(stderr, "bench: %s lfhd exited during startup (%s)\n", d->agency, why);
			d->pid = 0;
			dump_log(d);
			return -1;
		}
		int rc = ctl_events(c, 200, events);
		if (rc == 0)
			return 0;
		if (rc < 0)
			return -1;
	}
	if (!interrupted) {
		fprintf(stderr, "bench: %s lfhd not answering status after %ds\n", d->agency,
			START_TIMEOUT_S);
		dump_log(d);
	}
	return -1;
}

/* Wait (bounded) until the node at c holds `expect` events; 0 if it did. */
static int wait_events(proc_t *d, ctl_client *c, uint64_t expect, double timeout_s,
		       uint64_t *received)
{
	double deadline = now_s() + timeout_s;
	uint64_t ev = 0;

	while (!interrupted && now_s() < deadline) {
		if (daemon_exited(d)) {
			fprintf(stderr, "bench: %s lfhd exited\n", d->agency);
			d->pid = 0;
			dump_log(d);
			return -1;
		}
		int r = ctl_status(c, 1000, &ev, received);
		if (r < 0)
			return -1;
		if (r == 0 && ev >= expect)
			return 0;
		usleep(POLL_MS * 1000);
	}
	if (!interrupted) {
		fprintf(stderr, "bench: %s holds %" PRIu64 " of %" PRIu64 " events after %.0f s\n",
			d->agency, ev, expect, timeout_s);
		dump_log(d);
	}
	return -1;
}

#endif
