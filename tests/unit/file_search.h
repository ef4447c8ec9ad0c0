/*
 * file_search.h - does a file hold given bytes? For tests that check a
 * secret never reaches the disk (test_store_state.c, test_policy.c).
 * The includer defines _GNU_SOURCE first (memmem).
 */
#ifndef LFH_TEST_FILE_SEARCH_H
#define LFH_TEST_FILE_SEARCH_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* 1 if the file at path holds needle[0..n) anywhere. */
static inline int file_has(const char *path, const uint8_t *needle, size_t n)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *b;
	long len;
	int found;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	assert_true(len > 0);
	rewind(fp);
	assert_non_null(b = malloc((size_t)len));
	assert_int_equal(fread(b, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	found = memmem(b, (size_t)len, needle, n) != NULL;
	free(b);
	return found;
}

#endif
