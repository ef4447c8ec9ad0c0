/*
 * log.h - levelled logging to stderr for lfhd.
 *
 * Lines look like "2026-11-26T10:00:00Z lfhd[police] warn: message"; when
 * stderr is the systemd journal (JOURNAL_STREAM), "<4>lfhd[police] warn:
 * message": the syslog priority first, for journald, and no time.
 */
#ifndef LFH_LOG_H
#define LFH_LOG_H

enum lfh_log_level { LFH_LOG_DEBUG, LFH_LOG_INFO, LFH_LOG_WARN, LFH_LOG_ERROR };

/*
 * Set the minimum level printed and the tag shown in brackets, and look
 * again whether stderr is the journal.
 */
void lfh_log_setup(enum lfh_log_level min, const char *tag);

/* Parse "debug", "info", "warn", "error"; returns 0 or LFH_EINVAL. */
int lfh_log_parse_level(const char *s, enum lfh_log_level *out);

/* "debug", "info", "warn" or "error" ("?" for anything else). */
const char *lfh_log_level_name(enum lfh_log_level lvl);

void lfh_log(enum lfh_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_debug(...) lfh_log(LFH_LOG_DEBUG, __VA_ARGS__)
#define log_info(...) lfh_log(LFH_LOG_INFO, __VA_ARGS__)
#define log_warn(...) lfh_log(LFH_LOG_WARN, __VA_ARGS__)
#define log_error(...) lfh_log(LFH_LOG_ERROR, __VA_ARGS__)

#endif
