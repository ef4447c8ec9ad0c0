/*
 * ini_lines.h - the line reader lfhub feeds libinih (ini_parse_stream)
 * with, shared by every INI file it reads (node config, public key files).
 *
 * It hands inih one physical line at a time and counts lines itself, so an
 * error always names the right line, and refuses what inih would quietly
 * misread: binary bytes, over-long lines (inih splits them), and indented
 * lines (inih takes them as continuations of the previous value).
 */
#ifndef LFH_INI_LINES_H
#define LFH_INI_LINES_H

#include <stddef.h>

typedef struct lfh_ini_lines {
	const char *p, *end; /* unread input */
	int lineno;          /* number of the line last returned */
	int ascii_only;      /* refuse bytes above 0x7e (else only controls and DEL) */
} lfh_ini_lines;

enum lfh_ini_line_kind {
	LFH_INI_END = 0,     /* no more input */
	LFH_INI_LINE = 1,    /* a line for inih (key, comment or blank) */
	LFH_INI_SECTION = 2, /* a "[section]" line: the caller checks it before inih */
	LFH_INI_BAD = -1,    /* refused: why says what is wrong with line lineno */
};

/*
 * Take the next line (without its newline) of at most max bytes into
 * *line / *len; on LFH_INI_BAD, why (size whysz) says what is wrong.
 * A UTF-8 byte order mark before the first line is skipped.
 */
int lfh_ini_next(lfh_ini_lines *in, size_t max, const char **line, size_t *len, char *why,
		 size_t whysz);

#endif
