/*
 * log.c - levelled logging to stderr (see include/lfh/log.h).
 *
 * When stderr is the systemd journal (JOURNAL_STREAM names stderr's device
 * and inode, systemd.exec(5)), each line starts with its syslog priority,
 * "<3>" error, "<4>" warning, "<6>" info, "<7>" debug, which journald takes
 * as the entry's priority (so `journalctl -p warning` filters) and strips;
 * the journal stamps each entry, so the line carries no time of its own.
 * On a terminal or in a file, lines are plain. Each line is written with one
 * call, whole, so lines from two threads never interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lfh/err.h"
#include "lfh/log.h"

#define LOG_LINE_MAX 2048

static enum lfh_log_level min_level = LFH_LOG_INFO;
static char log_tag[64] = "lfhd";
static int to_journal;

/* Is stderr the stream systemd connected to the journal? */
static int stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &end) != 2 || fstat(STDERR_FILENO, &st))
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void lfh_log_setup(enum lfh_log_level min, const char *tag)
{
	min_level = min;
	snprintf(log_tag, sizeof log_tag, "%s", tag ? tag : "lfhd");
	to_journal = stderr_is_journal();
}

int lfh_log_parse_level(const char *s, enum lfh_log_level *out)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum lfh_log_level)i;
			return 0;
		}
	return LFH_EINVAL;
}

const char *lfh_log_level_name(enum lfh_log_level lvl)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	return (unsigned)lvl < 4 ? names[lvl] : "?";
}

void lfh_log(enum lfh_log_level lvl, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	static const char *priority[] = { "<7>", "<6>", "<4>", "<3>" }; /* sd-daemon.h SD_DEBUG.. */
	char line[LOG_LINE_MAX], when[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	if (lvl < min_level)
		return;
	if (to_journal) {
		n = snprintf(line, sizeof line, "%s%s %s: ", priority[lvl], log_tag, names[lvl]);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(line, sizeof line, "%s.%03ldZ %s %s: ", when, ts.tv_nsec / 1000000, log_tag,
			     names[lvl]);
	}
	if (n < 0 || (size_t)n >= sizeof line - 2)
		return;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n = (size_t)n + (size_t)m < sizeof line - 1 ? n + m : (int)sizeof line - 2; /* cut long lines */
	line[n++] = '\n';
	fwrite(line, 1, (size_t)n, stderr);
}
