/*
 * isa_text_int.h - internal to the ISA text parser (proto/isa_text.c,
 * proto/isa_scan.c); not a public interface: include/lfh/isa_text.h is.
 */
#ifndef LFH_ISA_TEXT_INT_H
#define LFH_ISA_TEXT_INT_H

#include <limits.h>
#include <stddef.h>

#include "lfh/isa_text.h"

#define MAX_FOUND 512 /* problems collected; the first LFH_ISA_MAX_ERRORS by line are kept */
#define NPARTY_F 9    /* LFH_ISA_F_PARTY_ID .. LFH_ISA_F_PARTY_ENDPOINT */
#define NCAT_F 5      /* LFH_ISA_F_CAT_NAME .. LFH_ISA_F_CAT_RETENTION */

/* Where something came from: its line (0: not in the file) and whether it could not be read. */
struct where {
	unsigned line;
	unsigned char bad;
};

struct party_src {
	struct where self, f[NPARTY_F];
};

struct cat_src {
	struct where self, f[NCAT_F], agency[LFH_ISA_MAX_PARTIES];
};

struct src {
	struct where top[LFH_ISA_F_COUNT];
	struct where purpose[LFH_ISA_MAX_LIST], gateway[LFH_ISA_MAX_LIST];
	struct where signer[LFH_ISA_MAX_PARTIES];
	struct party_src party[LFH_ISA_MAX_PARTIES];
	struct cat_src cat[LFH_ISA_MAX_CATEGORIES];
};

struct found {
	unsigned line, seq;
	char msg[LFH_ERRMSG_MAX];
};

/* The parse in progress. */
struct px {
	const char *path;
	char dir[PATH_MAX];
	lfh_isa *isa;
	struct src *src;
	struct found *found;
	size_t nfound, nmore;
};

/* Records a problem on line (0: line 1) of x->path. */
void isa_say(struct px *x, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * libconfig 1.5 leaks a string token that arrives where its grammar cannot
 * take it (its bison grammar has no %destructor). A string may follow only
 * '=' or ':', another string (concatenation), '[' or '(', or ',' inside
 * [ ] or ( ). Tracks the previous token and the open brackets for that.
 */
enum tok { T_NONE, T_ASSIGN, T_OPEN, T_COMMA, T_STRING, T_OTHER };

struct scan {
	enum tok prev;
	char open[256]; /* the brackets open, innermost last (deeper: not recorded) */
	size_t depth;
	const char *bad_string; /* the first string where none may be */
	unsigned bad_line;
};

/* Reads x->path (bounded to LFH_ISA_TEXT_MAX_BYTES); not a regular file is LFH_EIO. */
int isa_read_file(struct px *x, char **out, size_t *outlen, lfh_err *err);

/* The pre-scan before libconfig (proto/isa_scan.c); returns the problems found. */
size_t isa_prescan(struct px *x, const char *t, size_t len, struct scan *sc);

#endif
