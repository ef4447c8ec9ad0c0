/*
 * fold.c - search folding (include/lfh/fold.h): lower case, and the
 * letters of Latin-1 Supplement without their accents.
 */
#include <ctype.h>
#include <string.h>

#include "lfh/fold.h"

/* U+00C0..U+00FF: the base letters, in order ("" for the two signs). */
static const char *const latin1[64] = {
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", "x", "o", "u", "u", "u", "u", "y", "th", "ss",
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", "/", "o", "u", "u", "u", "u", "y", "th", "y",
};

void lfh_fold(const char *s, char *out, size_t size)
{
	size_t n = 0;

	if (!size)
		return;
	for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
		const char *rep = NULL;
		char one[2] = { 0, 0 };
		size_t len, step = 1;

		if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
			rep = latin1[p[1] - 0x80];
			step = 2;
		} else {
			one[0] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
			rep = one;
		}
		len = strlen(rep);
		if (n + len >= size)
			break;
		memcpy(out + n, rep, len);
		n += len;
		p += step;
	}
	out[n] = '\0';
}

int lfh_fold_contains(const char *hay, const char *word)
{
	return *word && strstr(hay, word) != NULL;
}

void lfh_fold_norm(const char *s, char *out, size_t size)
{
	size_t n = 0, len;

	if (!size)
		return;
	out[0] = '\0';
	if (!s)
		return;
	while (*s && isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	for (size_t i = 0; i < len && n + 1 < size; i++)
		out[n++] = (char)tolower((unsigned char)s[i]);
	out[n] = '\0';
}
