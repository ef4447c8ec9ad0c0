/* log.c - levelled logging to stderr (see include/lfh/log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lfh/err.h"
#include "lfh/log.h"

static enum lfh_log_level min_level = LFH_LOG_INFO;
static char log_tag[64] = "lfhd";

void lfh_log_setup(enum lfh_log_level min, const char *tag)
{
	min_level = min;
	snprintf(log_tag, sizeof log_tag, "%s", tag ? tag : "lfhd");
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

void lfh_log(enum lfh_log_level lvl, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	char when[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (lvl < min_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %s %s: ", when, ts.tv_nsec / 1000000, log_tag, names[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
