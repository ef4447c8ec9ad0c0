/* ini_lines.c - the strict line reader in front of libinih (see include/lfh/ini_lines.h). */
#include <stdio.h>
#include <string.h>

#include "lfh/ini_lines.h"

/* The first byte that may not appear in a text line, or -1. */
static int bad_byte(const char *line, size_t len, int ascii_only)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];
		if (ch == '\r' && i + 1 == len)
			continue;
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f || (ascii_only && ch > 0x7e))
			return ch;
	}
	return -1;
}

int lfh_ini_next(lfh_ini_lines *in, size_t max, const char **line, size_t *len, char *why,
		 size_t whysz)
{
	const char *nl;
	size_t i = 0;
	int ch;

	if (in->p >= in->end)
		return LFH_INI_END;
	if (in->lineno == 0 && in->end - in->p >= 3 && memcmp(in->p, "\xEF\xBB\xBF", 3) == 0)
		in->p += 3;
	nl = memchr(in->p, '\n', (size_t)(in->end - in->p));
	*line = in->p;
	*len = nl ? (size_t)(nl - in->p) : (size_t)(in->end - in->p);
	in->p = nl ? nl + 1 : in->end;
	in->lineno++;
	if ((ch = bad_byte(*line, *len, in->ascii_only)) >= 0) {
		snprintf(why, whysz, "invalid byte 0x%02x (not a text file?)", ch);
		return LFH_INI_BAD;
	}
	if (*len > max) {
		snprintf(why, whysz, "line too long (max %zu characters)", max);
		return LFH_INI_BAD;
	}
	while (i < *len && ((*line)[i] == ' ' || (*line)[i] == '\t' || (*line)[i] == '\r'))
		i++;
	if (i > 0 && i < *len && (*line)[i] != ';' && (*line)[i] != '#') {
		snprintf(why, whysz, "indented line (continuation lines are not supported; "
				     "remove the leading whitespace)");
		return LFH_INI_BAD;
	}
	return i < *len && (*line)[i] == '[' ? LFH_INI_SECTION : LFH_INI_LINE;
}
