/*
 * fold.h - text as searches compare it: lower case, accents dropped
 * ("Étienne Noël" -> "etienne noel"), for case- and accent-insensitive
 * matching of UTF-8 text. Latin-1 letters (U+00C0..U+00FF) fold to their
 * base letters; other bytes are kept as they are.
 */
#ifndef LFH_FOLD_H
#define LFH_FOLD_H

#include <stddef.h>

/* s folded into out (at most size - 1 bytes, NUL-terminated; a longer s is cut). */
void lfh_fold(const char *s, char *out, size_t size);

/* s trimmed (ASCII white space) and ASCII lower-cased into out (cut at size - 1 bytes). */
void lfh_fold_norm(const char *s, char *out, size_t size);

/* Does folded text hay contain the folded word? 1 or 0. */
int lfh_fold_contains(const char *hay, const char *word);

#endif
