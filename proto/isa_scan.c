/*
 * isa_scan.c - reading an ISA text file and the pre-scan of its raw text
 * before libconfig sees it (step 1 in proto/isa_text.c): NUL bytes,
 * @include, integer literals libconfig 1.5 would truncate, and a string
 * token where its grammar takes none; and the list of problems found
 * (isa_say), which every step adds to.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lfh/buf.h"
#include "isa_text_int.h"

/* ---- problems ---- */

void isa_say(struct px *x, unsigned line, const char *fmt, ...)
{
	struct found *f;
	char what[LFH_ERRMSG_MAX];
	va_list ap;

	if (x->nfound == MAX_FOUND) {
		x->nmore++;
		return;
	}
	f = &x->found[x->nfound];
	f->line = line ? line : 1;
	f->seq = (unsigned)x->nfound++;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (snprintf(f->msg, sizeof f->msg, "%s:%u: %s", x->path, f->line, what) < 0)
		f->msg[0] = '\0';
}

/* ---- reading and pre-scanning the file ---- */

int isa_read_file(struct px *x, char **out, size_t *outlen, lfh_err *err)
{
	int rc = lfh_read_file(x->path, LFH_ISA_TEXT_MAX_BYTES, out, outlen, err);
	if (rc == LFH_EINVAL && err)
		err->code = rc = LFH_EIO; /* "not a regular file" */
	return rc;
}

/* Integer literal at p (digits, after an optional sign): too big for libconfig 1.5? */
static int int_too_big(const char *p, const char **end)
{
	int neg = *p == '-', hex, big = 0;
	size_t nd = 0;
	unsigned long long v = 0;
	const char *q = p + (*p == '-' || *p == '+');

	hex = q[0] == '0' && (q[1] == 'x' || q[1] == 'X');
	q += hex ? 2 : 0;
	while (hex ? (*q >= '0' && *q <= '9') || ((*q | 0x20) >= 'a' && (*q | 0x20) <= 'f')
		   : (*q >= '0' && *q <= '9')) {
		unsigned d = *q <= '9' ? (unsigned)(*q - '0') : (unsigned)((*q | 0x20) - 'a' + 10);
		if (v > (ULLONG_MAX >> 4) / 10)
			big = 1;
		else
			v = v * (hex ? 16 : 10) + d;
		q++, nd++;
	}
	if (!hex && (*q == '.' || *q == 'e' || *q == 'E')) { /* a float: libconfig reads those with strtod */
		while ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' ||
		       ((*q == '-' || *q == '+') && (q[-1] == 'e' || q[-1] == 'E')))
			q++;
		*end = q;
		return 0;
	}
	if (*q == 'L') { /* int64 literal */
		q += q[1] == 'L' ? 2 : 1;
		*end = q;
		return big || v > (unsigned long long)LLONG_MAX;
	}
	*end = q;
	if (nd == 0)
		return 0;
	return big || v > (neg && !hex ? (unsigned long long)INT_MAX + 1 : (unsigned long long)INT_MAX);
}

static void scan_punct(struct scan *sc, char c)
{
	switch (c) {
	case '=': case ':': sc->prev = T_ASSIGN; return;
	case '[': case '(': case '{':
		if (sc->depth < sizeof sc->open)
			sc->open[sc->depth] = c;
		sc->depth++;
		sc->prev = c == '{' ? T_OTHER : T_OPEN;
		return;
	case ']': case ')': case '}':
		sc->depth -= sc->depth > 0;
		sc->prev = T_OTHER;
		return;
	case ',': sc->prev = T_COMMA; return;
	default: sc->prev = T_OTHER; return;
	}
}

static int string_allowed(const struct scan *sc)
{
	char top = sc->depth > 0 && sc->depth <= sizeof sc->open ? sc->open[sc->depth - 1] : '{';

	return sc->prev == T_ASSIGN || sc->prev == T_STRING || sc->prev == T_OPEN ||
	       (sc->prev == T_COMMA && (top == '[' || top == '('));
}

/*
 * What libconfig 1.5 would mishandle: a NUL byte (it stops reading there),
 * @include (or any @ outside strings and comments), an integer it would
 * truncate; and where a string is out of place (sc->bad_string). Skips
 * strings and comments. Returns the problems found.
 */
size_t isa_prescan(struct px *x, const char *t, size_t len, struct scan *sc)
{
	const char *p = t, *end = t + len, *nul = memchr(t, '\0', len);
	unsigned line = 1;
	size_t n0 = x->nfound;

	if (nul) {
		for (const char *q = t; q < nul; q++)
			line += *q == '\n';
		isa_say(x, line, "binary data (a NUL byte): not an ISA text file");
		return 1;
	}
	while (p < end) {
		if (*p == '\n') {
			line++, p++;
		} else if (*p == ' ' || *p == '\t' || *p == '\r') {
			p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (p < end && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			for (p += 2; p < end && !(p[0] == '*' && p[1] == '/'); p++)
				line += *p == '\n';
			p += p < end ? 2 : 0;
		} else if (*p == '"') {
			if (!sc->bad_string && !string_allowed(sc))
				sc->bad_string = p, sc->bad_line = line;
			for (p++; p < end && *p != '"'; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				line += *p == '\n';
			}
			p += p < end;
			sc->prev = T_STRING;
		} else if (*p == '@') {
			isa_say(x, line, "@include and other @ directives are not allowed in an ISA file");
			while (p < end && *p != '\n')
				p++;
		} else if ((*p >= '0' && *p <= '9') || *p == '.' ||
			   ((*p == '-' || *p == '+') && ((p[1] >= '0' && p[1] <= '9') || p[1] == '.'))) {
			const char *q;
			if (int_too_big(p, &q))
				isa_say(x, line, "number %.*s is too large", (int)(q - p < 24 ? q - p : 24), p);
			p = q > p ? q : p + 1;
			sc->prev = T_OTHER;
		} else if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') {
			while (p < end && (((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') ||
					   (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '*'))
				p++;
			sc->prev = T_OTHER;
		} else {
			scan_punct(sc, *p++);
		}
	}
	return x->nfound - n0;
}
