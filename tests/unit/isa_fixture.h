/*
 * isa_fixture.h - the fixture of the ISA unit tests (test_isa.c,
 * test_isa_codec.c, test_isa_text.c, test_isa_describe.c): the shipped
 * example agreement with public key files, and helpers to parse edited
 * copies of it and check the parser's reports.
 *
 * The group setup copies the example (deploy/examples/west-cumbria.isa, read
 * from the repository root) into a temporary directory under /tmp with a
 * keys/ directory of public key files made from fixed seeds, so hashes are
 * stable, and parses it into isa0; the teardown removes the directory.
 *
 * Include it first, after #define _XOPEN_SOURCE 700 (nftw in the teardown).
 * Everything is static inline or static data; each test program has its
 * own copy of the state.
 */
#ifndef LFH_TEST_ISA_FIXTURE_H
#define LFH_TEST_ISA_FIXTURE_H

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
#include <sodium.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/identity.h"
#include "lfh/isa.h"
#include "lfh/isa_text.h"

#define EXAMPLE "deploy/examples/west-cumbria.isa"

static const char *const agencies[6] = {"police", "council", "housing", "health", "probation", "fire"};

static char dir[64];          /* the temporary directory */
static char *example;         /* the example's text */
static lfh_pubkeys keys[6];   /* agencies[i]'s public keys */
static lfh_isa isa0;          /* the example, parsed */
static lfh_isa_errors errs;

/* ---- files ---- */

static inline char *read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	if (p) {
		p[n] = '\0';
		if (len)
			*len = (size_t)n;
	}
	return p;
}

static inline void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* dir/name; static buffer. */
static inline const char *in_dir(const char *name)
{
	static char path[256];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return path;
}

static inline int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

/* A copy of text with the one occurrence of old replaced by new. */
static inline char *replace(const char *text, const char *old, const char *new)
{
	const char *at = strstr(text, old);
	size_t a, n;
	char *out;

	if (!at || strstr(at + 1, old)) {
		print_error("'%s' does not occur exactly once\n", old);
		fail();
	}
	a = (size_t)(at - text);
	n = strlen(text) - strlen(old) + strlen(new);
	out = malloc(n + 1);
	assert_non_null(out);
	memcpy(out, text, a);
	strcpy(out + a, new);
	strcat(out, at + strlen(old));
	return out;
}

/* 1-based line of the first occurrence of needle in text. */
static inline unsigned line_of(const char *text, const char *needle)
{
	const char *at = strstr(text, needle);
	unsigned line = 1;

	assert_non_null(at);
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

/* Parse text written to dir/t.isa; returns the status. */
static inline int parse_text(const char *text, lfh_isa *out)
{
	lfh_err err = {0};
	int rc;

	write_bytes(in_dir("t.isa"), text, strlen(text));
	rc = lfh_isa_parse_file(in_dir("t.isa"), out, &errs, &err);
	if (rc != 0) {
		assert_true(errs.n >= 1);
		assert_string_equal(err.msg, errs.msg[0]);
	}
	return rc;
}

/* Some reported problem is "dir/t.isa:LINE: ..." and contains want. */
static inline void expect_problem(unsigned line, const char *want)
{
	char prefix[300];

	snprintf(prefix, sizeof prefix, "%s:%u: ", in_dir("t.isa"), line);
	for (size_t i = 0; i < errs.n; i++)
		if (!strncmp(errs.msg[i], prefix, strlen(prefix)) && strstr(errs.msg[i], want))
			return;
	print_error("no problem \"%s...%s\" among %zu:\n", prefix, want, errs.n);
	for (size_t i = 0; i < errs.n; i++)
		print_error("  %s\n", errs.msg[i]);
	fail();
}

/* text must fail to parse with exactly one problem, at line, mentioning want. */
static inline void expect_only(const char *text, unsigned line, const char *want)
{
	static lfh_isa isa;

	assert_int_equal(parse_text(text, &isa), LFH_EINVAL);
	expect_problem(line, want);
	if (errs.n != 1) {
		print_error("expected one problem, got %zu:\n", errs.n);
		for (size_t i = 0; i < errs.n; i++)
			print_error("  %s\n", errs.msg[i]);
		fail();
	}
	for (size_t i = 0; i < sizeof isa; i++) /* zeroed on failure */
		assert_int_equal(((uint8_t *)&isa)[i], 0);
}

/* ---- group setup: the example with key files ---- */

static inline int setup(void **state)
{
	char path[256];

	(void)state;
	if (sodium_init() < 0)
		return -1;
	strcpy(dir, "/tmp/lfh-test-isa.XXXXXX");
	if (!mkdtemp(dir) || !(example = read_text(EXAMPLE, NULL))) {
		fprintf(stderr, "cannot read %s (run from the repository root) or make a temp dir\n", EXAMPLE);
		return -1;
	}
	write_bytes(in_dir("west-cumbria.isa"), example, strlen(example));
	snprintf(path, sizeof path, "%s/keys", dir);
	if (mkdir(path, 0700) != 0)
		return -1;
	for (int i = 0; i < 6; i++) {
		uint8_t seed[32];
		lfh_identity *id = NULL;
		FILE *f;
		memset(seed, 0x10 + i, sizeof seed);
		if (lfh_identity_from_seed(agencies[i], seed, &id, NULL) != 0)
			return -1;
		keys[i] = id->pub;
		lfh_identity_free(id);
		snprintf(path, sizeof path, "%s/keys/%s.pub", dir, agencies[i]);
		if (!(f = fopen(path, "w")) || lfh_pubkeys_write(&keys[i], f, NULL) != 0 || fclose(f) != 0)
			return -1;
	}
	if (lfh_isa_parse_file(in_dir("west-cumbria.isa"), &isa0, &errs, NULL) != 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		return -1;
	}
	return 0;
}

static inline int teardown(void **state)
{
	(void)state;
	free(example);
	if (dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

#endif
