/*
 * test_pubkeys.c - public key files (proto/pubkeys.c): loading, with every
 * malformed file reported with its line; writing and loading back (hex and
 * Z85 forms); and the root key in the file.
 */
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
#include <zmq.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/identity.h"

#include "keys_fixture.h"

/* ----------------------------------------------------- public key files */

static void valid_public_text(char *out, size_t n)
{
	uint8_t seed[32];
	lfh_identity *id = NULL;
	char root[65], sign[65], box[65], curve[41];
	memset(seed, 7, sizeof seed);
	assert_int_equal(lfh_identity_from_seed("housing", seed, &id, NULL), 0);
	lfh_hex(root, id->pub.root_pk, 32);
	lfh_hex(sign, id->pub.sign_pk, 32);
	lfh_hex(box, id->pub.box_pk, 32);
	lfh_curve_z85(id->pub.curve_pk, curve);
	/* root last (lfh_pubkeys_write puts it after id): the order of keys is free */
	snprintf(out, n, "[agency]\nid = housing\nsign = %s\nbox = %s\ncurve = %s\nroot = %s\n", sign, box,
		 curve, root);
	lfh_identity_free(id);
}

/* Replace the first occurrence of from by to in s (in place, fits). */
static void replace(char *s, size_t n, const char *from, const char *to)
{
	char buf[4096];
	char *p = strstr(s, from);
	assert_non_null(p);
	int r = snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
	assert_true(r > 0 && (size_t)r < n);
	memcpy(s, buf, (size_t)r + 1);
}

static void expect_bad_public(const char *path, const char *text, size_t len, int code,
			      const char *line_prefix, const char *needle)
{
	lfh_pubkeys pk;
	lfh_err e;
	char want[512];

	write_text(path, text, len);
	lfh_err_clear(&e);
	int rc = lfh_pubkeys_load(path, &pk, &e);
	if (rc != code)
		fail_msg("expected %d, got %d (%s) for:\n%s", code, rc, e.msg, text);
	assert_int_equal(e.code, code);
	snprintf(want, sizeof want, "%s%s", path, line_prefix);
	if (strncmp(e.msg, want, strlen(want)) != 0)
		fail_msg("message \"%s\" does not start with \"%s\"", e.msg, want);
	assert_contains(e.msg, needle);
}

static void test_malformed_public(void **state)
{
	struct tmp *t = *state;
	char path[256], good[1024], s[2048];
	lfh_pubkeys pk;
	lfh_err e;

	path_in(path, sizeof path, t->root, "housing.pub");
	valid_public_text(good, sizeof good);
	write_str(path, good);
	assert_int_equal(lfh_pubkeys_load(path, &pk, &e), 0);
	assert_string_equal(pk.agency, "housing");

	/* Comments, blank lines and CRLF are fine. */
	snprintf(s, sizeof s, "; housing's keys\n\n%s", good);
	replace(s, sizeof s, "id = housing\n", "id = housing\r\n");
	write_str(path, s);
	assert_int_equal(lfh_pubkeys_load(path, &pk, &e), 0);

	/* Missing key: reported at the section line. */
	char *curve = strstr(good, "curve = ");
	snprintf(s, sizeof s, "%.*s%s", (int)(curve - good), good, strchr(curve, '\n') + 1);
	expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":1: ", "missing key 'curve'");

	/* Missing root key (a public file from before root keys): named. */
	char *root = strstr(good, "root = ");
	snprintf(s, sizeof s, "%.*s", (int)(root - good), good);
	expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":1: ", "missing key 'root'");

	/* Extra key. */
	snprintf(s, sizeof s, "%sextra = 1\n", good);
	expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":7: ", "unknown key 'extra'");

	/* Duplicate key. */
	snprintf(s, sizeof s, "%sid = fire\n", good);
	expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":7: ", "duplicate key 'id'");

	/* Bad hex: right length, wrong characters. */
	snprintf(s, sizeof s, "%s", good);
	{
		char *p = strstr(s, "sign = ") + 7;
		p[10] = 'g';
	}
	expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":3: ", "sign: not valid hex");

	/* Hex of the wrong length. */
	snprintf(s, sizeof s, "%s", good);
	{
		char *p = strstr(s, "box = ") + 6;
		memmove(p, p + 2, strlen(p + 2) + 1);
	}
	expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":4: ", "expected 64 hex characters, found 62");

	/* Bad Z85. */
	snprintf(s, sizeof s, "%s", good);
	{
		char *p = strstr(s, "curve = ") + 8;
		p[0] = '"'; /* not in the Z85 alphabet */
	}
	expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":5: ", "curve: not valid Z85");

	/* Wrong section. */
	snprintf(s, sizeof s, "%s", good);
	replace(s, sizeof s, "[agency]", "[agent]");
	expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":1: ", "unknown section [agent]");

	/* Keys before any section. */
	snprintf(s, sizeof s, "id = housing\n%s", good);
	expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":1: ", "outside the [agency] section");

	/* Two [agency] sections. */
	snprintf(s, sizeof s, "%s[agency]\n", good);
	expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":7: ", "duplicate [agency] section");

	/* Bad agency id. */
	snprintf(s, sizeof s, "%s", good);
	replace(s, sizeof s, "id = housing", "id = Housing Trust");
	expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":2: ", "invalid agency id");

	/* A line that is not key = value. */
	snprintf(s, sizeof s, "%s", good);
	replace(s, sizeof s, "id = housing\n", "id = housing\nnonsense\n");
	expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":3: ", "syntax error");

	/* Garbage bytes. */
	{
		uint8_t junk[300];
		for (size_t i = 0; i < sizeof junk; i++)
			junk[i] = (uint8_t)(i * 37 + 11);
		junk[0] = 0x00;
		expect_bad_public(path, (const char *)junk, sizeof junk, LFH_EINVAL, ":1: ", "invalid byte 0x00");
	}
	snprintf(s, sizeof s, "%s", good);
	replace(s, sizeof s, "id = housing", "id = hous\x01ng");
	expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":2: ", "invalid byte 0x01");

	/* Empty file, and one with only comments. */
	expect_bad_public(path, "", 0, LFH_EINVAL, ": ", "empty file");
	expect_bad_public(path, "; nothing\n", 10, LFH_EINVAL, ": ", "no [agency] section");

	/* Indented continuation line. */
	snprintf(s, sizeof s, "%s", good);
	replace(s, sizeof s, "id = housing\n", "id = housing\n  more\n");
	expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":3: ", "indented");

	/* An over-long line. */
	{
		char longl[400];
		memset(longl, 'a', sizeof longl);
		longl[sizeof longl - 1] = '\0';
		snprintf(s, sizeof s, "[agency]\nid = %s\n", longl);
		expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":2: ", "line too long");
	}

	/* Not a valid Ed25519 point (all zero). */
	snprintf(s, sizeof s, "%s", good);
	{
		char *p = strstr(s, "sign = ") + 7;
		memset(p, '0', 64);
	}
	expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":3: ", "not a valid Ed25519 public key");

	/* Too large. */
	{
		size_t big = 70 * 1024;
		char *b = malloc(big);
		assert_non_null(b);
		for (size_t i = 0; i < big; i++)
			b[i] = (i % 50 == 49) ? '\n' : ';';
		write_text(path, b, big);
		free(b);
		assert_int_equal(lfh_pubkeys_load(path, &pk, &e), LFH_ETOOBIG);
		assert_contains(e.msg, path);
	}

	/* Missing file. */
	path_in(path, sizeof path, t->root, "nope.pub");
	assert_int_not_equal(lfh_pubkeys_load(path, &pk, &e), 0);
	assert_contains(e.msg, "nope.pub");

	/* A directory is not a key file. */
	assert_int_not_equal(lfh_pubkeys_load(t->root, &pk, &e), 0);
}

static void test_pubkeys_write_load(void **state)
{
	struct tmp *t = *state;
	lfh_identity *id = NULL;
	lfh_pubkeys pk;
	lfh_err e;
	uint8_t seed[32];
	char path[256];

	randombytes_buf(seed, sizeof seed);
	assert_int_equal(lfh_identity_from_seed("fire-rescue_2", seed, &id, &e), 0);
	path_in(path, sizeof path, t->root, "fire.pub");
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(lfh_pubkeys_write(&id->pub, f, &e), 0);
	fclose(f);
	assert_int_equal(lfh_pubkeys_load(path, &pk, &e), 0);
	assert_memory_equal(&pk, &id->pub, sizeof pk);

	/* Z85 helper round trip. */
	char z[41];
	uint8_t back[32];
	lfh_curve_z85(id->pub.curve_pk, z);
	assert_int_equal(strlen(z), 40);
	assert_non_null(zmq_z85_decode(back, z));
	assert_memory_equal(back, id->pub.curve_pk, 32);

	/* Many random keys: every Z85 and hex text survives the INI parser. */
	for (int i = 0; i < 300; i++) {
		lfh_identity *r = NULL;
		randombytes_buf(seed, sizeof seed);
		assert_int_equal(lfh_identity_from_seed("agency_x", seed, &r, &e), 0);
		f = fopen(path, "w");
		assert_non_null(f);
		assert_int_equal(lfh_pubkeys_write(&r->pub, f, &e), 0);
		fclose(f);
		lfh_err_clear(&e);
		if (lfh_pubkeys_load(path, &pk, &e) != 0)
			fail_msg("round trip %d: %s", i, e.msg);
		assert_memory_equal(&pk, &r->pub, sizeof pk);
		lfh_identity_free(r);
	}

	/* Refuses to write an invalid agency id. */
	lfh_pubkeys bad = id->pub;
	snprintf(bad.agency, sizeof bad.agency, "Bad Id");
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(lfh_pubkeys_write(&bad, f, &e), LFH_EINVAL);
	fclose(f);
	lfh_identity_free(id);
}

static void test_root_public_file(void **state)
{
	struct tmp *t = *state;
	char path[256], s[2048];
	lfh_identity *id = NULL;
	lfh_pubkeys pk;
	lfh_err e;
	uint8_t seed[32];
	FILE *f;

	path_in(path, sizeof path, t->root, "p.pub");
	memset(seed, 9, sizeof seed);
	assert_int_equal(lfh_identity_from_seed("council", seed, &id, &e), 0);

	/* root equal to the sign key: refused on writing and on loading */
	pk = id->pub;
	memcpy(pk.root_pk, pk.sign_pk, 32);
	f = fopen(path, "w");
	assert_non_null(f);
	lfh_err_clear(&e);
	assert_int_equal(lfh_pubkeys_write(&pk, f, &e), LFH_EINVAL);
	assert_contains(e.msg, "root: the same key as sign");
	fclose(f);
	{
		char sign[65], box[65], curve[41];
		lfh_hex(sign, id->pub.sign_pk, 32);
		lfh_hex(box, id->pub.box_pk, 32);
		lfh_curve_z85(id->pub.curve_pk, curve);
		snprintf(s, sizeof s, "[agency]\nid = council\nroot = %s\nsign = %s\nbox = %s\ncurve = %s\n", sign,
			 sign, box, curve);
		expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":3: ", "root: the same key as sign");
		/* root not a valid Ed25519 point */
		snprintf(s, sizeof s, "[agency]\nid = council\nroot = %064d\nsign = %s\nbox = %s\ncurve = %s\n", 0,
			 sign, box, curve);
		expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":3: ", "root: not a valid Ed25519 public key");
		/* no root: an error naming it */
		snprintf(s, sizeof s, "[agency]\nid = council\nsign = %s\nbox = %s\ncurve = %s\n", sign, box, curve);
		expect_bad_public(path, s, strlen(s), LFH_EINVAL, ":1: ", "missing key 'root'");
	}
	/* an invalid point is refused on writing too */
	pk = id->pub;
	memset(pk.root_pk, 0, 32);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(lfh_pubkeys_write(&pk, f, &e), LFH_EINVAL);
	assert_contains(e.msg, "root: not a valid Ed25519 public key");
	fclose(f);
	lfh_identity_free(id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_malformed_public, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pubkeys_write_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_public_file, setup, teardown),
	};
	umask(022);
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
