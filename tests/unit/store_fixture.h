/*
 * store_fixture.h - the fixture of the store unit tests (test_store.c,
 * test_store_state.c): each test gets a fresh mkdtemp directory under /tmp
 * with the store open in its "data" subdirectory (so directory creation is
 * exercised too), removed afterwards; and helpers to reopen the store and
 * to begin and commit transactions.
 *
 * Include it first, after #define _XOPEN_SOURCE 700 (nftw in the teardown).
 * Everything is static inline.
 */
#ifndef LFH_TEST_STORE_FIXTURE_H
#define LFH_TEST_STORE_FIXTURE_H

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lfh/store.h"

typedef struct fixture {
	char root[64];  /* mkdtemp dir */
	char dir[96];   /* root/data: the store */
	lfh_store *s;
} fixture;

static inline int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The key-encryption key the tests' stores keep sharing keys under. */
static const uint8_t test_kek[32] = { 0x6b, 0x65, 0x6b };

static inline int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	lfh_err err = { 0 };
	assert_non_null(f);
	strcpy(f->root, "/tmp/lfh_test_store_XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->dir, sizeof f->dir, "%s/data", f->root);
	assert_int_equal(lfh_store_open(&f->s, f->dir, 0, &err), 0);
	assert_int_equal(lfh_store_set_kek(f->s, test_kek, &err), 0);
	*state = f;
	return 0;
}

static inline int teardown(void **state)
{
	fixture *f = *state;
	lfh_store_close(f->s);
	nftw(f->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static inline void reopen(fixture *f)
{
	lfh_err err = { 0 };
	lfh_store_close(f->s);
	f->s = NULL;
	assert_int_equal(lfh_store_open(&f->s, f->dir, 0, &err), 0);
	assert_int_equal(lfh_store_set_kek(f->s, test_kek, &err), 0);
}

static inline lfh_txn *begin(fixture *f, int write)
{
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	assert_int_equal(lfh_txn_begin(f->s, write, &t, &err), 0);
	assert_non_null(t);
	return t;
}

static inline void commit(lfh_txn *t)
{
	lfh_err err = { 0 };
	int rc = lfh_txn_commit(t, &err);
	if (rc)
		print_error("commit: %s\n", err.msg);
	assert_int_equal(rc, 0);
}

#endif
