/*
 * test_keys.c - agency identities (keys/identity.c) and sharing-key
 * cryptography (keys/sharing.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include "lfh/sharing.h"

/* ---------------------------------------------------------------- helpers */

struct tmp {
	char root[64];
	char keys[128]; /* root/keys (not created: generate makes it) */
};

static void rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;
		if (d) {
			while ((de = readdir(d)) != NULL) {
				char sub[512];
				if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
					continue;
				snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
				rm_rf(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof *t);
	if (!t)
		return -1;
	snprintf(t->root, sizeof t->root, "/tmp/lfh-test-keys-XXXXXX");
	if (!mkdtemp(t->root)) {
		free(t);
		return -1;
	}
	snprintf(t->keys, sizeof t->keys, "%s/keys", t->root);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmp *t = *state;
	rm_rf(t->root);
	free(t);
	return 0;
}

static void path_in(char *out, size_t n, const char *dir, const char *name)
{
	int r = snprintf(out, n, "%s/%s", dir, name);
	assert_true(r > 0 && (size_t)r < n);
}

static void write_text(const char *path, const void *data, size_t len)
{
	unlink(path);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_str(const char *path, const char *s)
{
	write_text(path, s, strlen(s));
}

static void generate(const char *agency, const char *dir)
{
	lfh_err e;
	lfh_err_clear(&e);
	int rc = lfh_identity_generate(agency, dir, &e);
	if (rc != 0)
		fail_msg("generate: %s", e.msg);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("message \"%s\" does not contain \"%s\"", hay, needle);
}

static mode_t file_mode(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* --------------------------------------------------------------- identity */

static void test_generate_load_roundtrip(void **state)
{
	struct tmp *t = *state;
	lfh_identity *id = NULL;
	lfh_err e;
	char path[256];

	generate("police", t->keys);
	lfh_err_clear(&e);
	assert_int_equal(lfh_identity_load(t->keys, &id, &e), 0);
	assert_non_null(id);
	assert_string_equal(id->pub.agency, "police");

	uint8_t kid[LFH_KEYID_LEN];
	lfh_key_id(id->pub.sign_pk, kid);
	assert_memory_equal(kid, id->pub.key_id, LFH_KEYID_LEN);

	/* The key pairs work together. */
	uint8_t sig[64], pk[32];
	const uint8_t msg[] = "referral";
	crypto_sign_detached(sig, NULL, msg, sizeof msg, id->sign_sk);
	assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof msg, id->pub.sign_pk), 0);
	crypto_scalarmult_base(pk, id->box_sk);
	assert_memory_equal(pk, id->pub.box_pk, 32);
	crypto_scalarmult_base(pk, id->curve_sk);
	assert_memory_equal(pk, id->pub.curve_pk, 32);
	assert_memory_not_equal(id->pub.box_pk, id->pub.curve_pk, 32);

	/* public.ini alone gives the same public keys. */
	lfh_pubkeys pub;
	path_in(path, sizeof path, t->keys, "public.ini");
	assert_int_equal(lfh_pubkeys_load(path, &pub, &e), 0);
	assert_memory_equal(&pub, &id->pub, sizeof pub);

	/* A second identity is different. */
	char other[256];
	lfh_identity *id2 = NULL;
	path_in(other, sizeof other, t->root, "other");
	generate("police", other);
	assert_int_equal(lfh_identity_load(other, &id2, &e), 0);
	assert_memory_not_equal(id->pub.sign_pk, id2->pub.sign_pk, 32);
	assert_memory_not_equal(id->box_sk, id2->box_sk, 32);

	lfh_identity_free(id);
	lfh_identity_free(id2);
	lfh_identity_free(NULL);
}

static void test_file_modes(void **state)
{
	struct tmp *t = *state;
	char path[256];

	generate("housing", t->keys);
	assert_int_equal(file_mode(t->keys), 0700);
	path_in(path, sizeof path, t->keys, "root.key");
	assert_int_equal(file_mode(path), 0600);
	path_in(path, sizeof path, t->keys, "sign.key");
	assert_int_equal(file_mode(path), 0600);
	path_in(path, sizeof path, t->keys, "box.key");
	assert_int_equal(file_mode(path), 0600);
	path_in(path, sizeof path, t->keys, "curve.key");
	assert_int_equal(file_mode(path), 0600);
	path_in(path, sizeof path, t->keys, "public.ini");
	assert_int_equal(file_mode(path), 0644);

	/* No temporary files are left behind. */
	DIR *d = opendir(t->keys);
	struct dirent *de;
	int n = 0;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
		else
			assert_true(strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0);
	closedir(d);
	assert_int_equal(n, 5);
}

static void test_refuse_overwrite(void **state)
{
	struct tmp *t = *state;
	lfh_err e;
	char path[256];
	uint8_t before[64], after[64];

	generate("police", t->keys);
	path_in(path, sizeof path, t->keys, "sign.key");
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(before, 1, 64, f), 64);
	fclose(f);

	lfh_err_clear(&e);
	assert_int_equal(lfh_identity_generate("police", t->keys, &e), LFH_EEXIST);
	assert_int_equal(e.code, LFH_EEXIST);
	assert_contains(e.msg, "root.key"); /* the first file checked */

	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(after, 1, 64, f), 64);
	fclose(f);
	assert_memory_equal(before, after, 64);

	/* Any one of the five files is enough to refuse. */
	char dir2[256];
	path_in(dir2, sizeof dir2, t->root, "k2");
	assert_int_equal(mkdir(dir2, 0700), 0);
	path_in(path, sizeof path, dir2, "public.ini");
	write_str(path, "x");
	assert_int_equal(lfh_identity_generate("police", dir2, &e), LFH_EEXIST);
	assert_contains(e.msg, "public.ini");
	path_in(path, sizeof path, dir2, "sign.key");
	assert_int_equal(access(path, F_OK), -1); /* nothing was written */
	path_in(path, sizeof path, dir2, "root.key");
	assert_int_equal(access(path, F_OK), -1);
	/* root.key alone (say, restored from offline storage) is enough too */
	path_in(path, sizeof path, dir2, "public.ini");
	assert_int_equal(unlink(path), 0);
	path_in(path, sizeof path, dir2, "root.key");
	write_str(path, "x");
	assert_int_equal(lfh_identity_generate("police", dir2, &e), LFH_EEXIST);
	assert_contains(e.msg, "root.key");
	path_in(path, sizeof path, dir2, "public.ini");
	assert_int_equal(access(path, F_OK), -1);

	/* Bad agency id. */
	path_in(dir2, sizeof dir2, t->root, "k3");
	assert_int_equal(lfh_identity_generate("Police!", dir2, &e), LFH_EINVAL);
}

static void test_refuse_open_permissions(void **state)
{
	struct tmp *t = *state;
	lfh_identity *id = NULL;
	lfh_err e;
	char path[256];

	generate("police", t->keys);
	path_in(path, sizeof path, t->keys, "box.key");
	assert_int_equal(chmod(path, 0644), 0);
	lfh_err_clear(&e);
	assert_int_equal(lfh_identity_load(t->keys, &id, &e), LFH_EPERM);
	assert_null(id);
	assert_contains(e.msg, "box.key: permissions 0644 are too open; run chmod 600");

	assert_int_equal(chmod(path, 0600), 0);
	path_in(path, sizeof path, t->keys, "sign.key");
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(lfh_identity_load(t->keys, &id, &e), LFH_EPERM);
	assert_contains(e.msg, "sign.key: permissions 0640");

	assert_int_equal(chmod(path, 0400), 0); /* read-only for the owner is fine */
	assert_int_equal(lfh_identity_load(t->keys, &id, &e), 0);
	lfh_identity_free(id);
}

static void test_truncated_key_file(void **state)
{
	struct tmp *t = *state;
	lfh_identity *id = NULL;
	lfh_err e;
	char path[256];

	generate("police", t->keys);
	path_in(path, sizeof path, t->keys, "sign.key");
	assert_int_equal(truncate(path, 10), 0);
	lfh_err_clear(&e);
	assert_int_equal(lfh_identity_load(t->keys, &id, &e), LFH_EINVAL);
	assert_null(id);
	assert_contains(e.msg, "sign.key: expected 64 bytes, found 10");

	/* Too long is as bad as too short. */
	char dir2[256];
	path_in(dir2, sizeof dir2, t->root, "k2");
	generate("police", dir2);
	path_in(path, sizeof path, dir2, "curve.key");
	assert_int_equal(truncate(path, 33), 0);
	assert_int_equal(lfh_identity_load(dir2, &id, &e), LFH_EINVAL);
	assert_contains(e.msg, "curve.key: expected 32 bytes, found 33");

	/* Missing file. */
	assert_int_equal(unlink(path), 0);
	assert_int_not_equal(lfh_identity_load(dir2, &id, &e), 0);
	assert_contains(e.msg, "curve.key");
}

/* Rewrite dir/public.ini (mode 0644) with pk. */
static void rewrite_public(const char *dir, const lfh_pubkeys *pk)
{
	char path[256];
	lfh_err e;
	path_in(path, sizeof path, dir, "public.ini");
	unlink(path);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(lfh_pubkeys_write(pk, f, &e), 0);
	assert_int_equal(fclose(f), 0);
}

static void test_tampered_public(void **state)
{
	struct tmp *t = *state;
	lfh_identity *a = NULL, *b = NULL, *x = NULL;
	lfh_err e;
	char dirb[256];

	path_in(dirb, sizeof dirb, t->root, "b");
	generate("police", t->keys);
	generate("police", dirb);
	assert_int_equal(lfh_identity_load(t->keys, &a, &e), 0);
	assert_int_equal(lfh_identity_load(dirb, &b, &e), 0);
	lfh_pubkeys orig = a->pub;

	/* Another identity's sign key in public.ini. */
	lfh_pubkeys pk = orig;
	memcpy(pk.sign_pk, b->pub.sign_pk, 32);
	rewrite_public(t->keys, &pk);
	lfh_err_clear(&e);
	assert_int_equal(lfh_identity_load(t->keys, &x, &e), LFH_ECRYPTO);
	assert_null(x);
	assert_contains(e.msg, "sign");

	/* Another identity's box key. */
	pk = orig;
	memcpy(pk.box_pk, b->pub.box_pk, 32);
	rewrite_public(t->keys, &pk);
	assert_int_equal(lfh_identity_load(t->keys, &x, &e), LFH_ECRYPTO);
	assert_contains(e.msg, "box");

	/* Another identity's curve key. */
	pk = orig;
	memcpy(pk.curve_pk, b->pub.curve_pk, 32);
	rewrite_public(t->keys, &pk);
	assert_int_equal(lfh_identity_load(t->keys, &x, &e), LFH_ECRYPTO);
	assert_contains(e.msg, "curve");

	/* Restored: loads again. */
	rewrite_public(t->keys, &orig);
	assert_int_equal(lfh_identity_load(t->keys, &x, &e), 0);
	lfh_identity_free(x);
	x = NULL;

	/* sign.key whose public half was replaced along with public.ini. */
	char path[256];
	uint8_t sk[64];
	memcpy(sk, a->sign_sk, 64);
	memcpy(sk + 32, b->pub.sign_pk, 32);
	path_in(path, sizeof path, t->keys, "sign.key");
	assert_int_equal(chmod(path, 0600), 0);
	int fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, sk, 64), 64);
	close(fd);
	pk = orig;
	memcpy(pk.sign_pk, b->pub.sign_pk, 32);
	rewrite_public(t->keys, &pk);
	assert_int_equal(lfh_identity_load(t->keys, &x, &e), LFH_ECRYPTO);
	assert_contains(e.msg, "sign.key");

	lfh_identity_free(a);
	lfh_identity_free(b);
}

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

static void test_from_seed_deterministic(void **state)
{
	(void)state;
	uint8_t seed[32], seed2[32], pk[32];
	lfh_identity *a = NULL, *b = NULL, *c = NULL;
	lfh_err e;

	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	memcpy(seed2, seed, 32);
	seed2[31] ^= 1;
	assert_int_equal(lfh_identity_from_seed("police", seed, &a, &e), 0);
	assert_int_equal(lfh_identity_from_seed("police", seed, &b, &e), 0);
	assert_int_equal(lfh_identity_from_seed("police", seed2, &c, &e), 0);

	assert_memory_equal(&a->pub, &b->pub, sizeof a->pub);
	assert_memory_equal(a->sign_sk, b->sign_sk, 64);
	assert_memory_equal(a->box_sk, b->box_sk, 32);
	assert_memory_equal(a->curve_sk, b->curve_sk, 32);
	assert_string_equal(a->pub.agency, "police");

	assert_memory_not_equal(a->pub.sign_pk, c->pub.sign_pk, 32);
	assert_memory_not_equal(a->pub.box_pk, c->pub.box_pk, 32);
	assert_memory_not_equal(a->pub.curve_pk, c->pub.curve_pk, 32);
	/* The three key pairs are independent of each other. */
	assert_memory_not_equal(a->box_sk, a->curve_sk, 32);
	assert_memory_not_equal(a->sign_sk, a->box_sk, 32);

	/* Consistent pairs. */
	crypto_scalarmult_base(pk, a->box_sk);
	assert_memory_equal(pk, a->pub.box_pk, 32);
	crypto_scalarmult_base(pk, a->curve_sk);
	assert_memory_equal(pk, a->pub.curve_pk, 32);
	assert_memory_equal(a->sign_sk + 32, a->pub.sign_pk, 32);
	uint8_t kid[LFH_KEYID_LEN];
	lfh_key_id(a->pub.sign_pk, kid);
	assert_memory_equal(kid, a->pub.key_id, LFH_KEYID_LEN);

	/* Bad agency id. */
	lfh_identity *x = NULL;
	assert_int_equal(lfh_identity_from_seed("", seed, &x, &e), LFH_EINVAL);
	assert_null(x);

	lfh_identity_free(a);
	lfh_identity_free(b);
	lfh_identity_free(c);
}

/* ------------------------------------------------------------- sharing */

static void test_encrypt_decrypt_roundtrip(void **state)
{
	(void)state;
	uint8_t key[LFH_KEY_LEN], nonce[LFH_NONCE_LEN];
	const uint8_t ad[] = "header bytes";
	const uint8_t pt[] = "ASB referral: repeated noise and threats at 12 Example Road";
	lfh_buf ct = { 0 }, out = { 0 };
	lfh_err e;

	lfh_sharing_key_new(key);
	lfh_nonce_new(nonce);
	assert_int_equal(lfh_body_encrypt(key, nonce, ad, sizeof ad, pt, sizeof pt, &ct, &e), 0);
	assert_int_equal(ct.len, sizeof pt + LFH_AEAD_ABYTES);
	assert_memory_not_equal(ct.data, pt, sizeof pt);

	/* Appends to what is already in out. */
	assert_int_equal(lfh_buf_append(&out, "XY", 2), 0);
	assert_int_equal(lfh_body_decrypt(key, nonce, ad, sizeof ad, ct.data, ct.len, &out, &e), 0);
	assert_int_equal(out.len, 2 + sizeof pt);
	assert_memory_equal(out.data, "XY", 2);
	assert_memory_equal(out.data + 2, pt, sizeof pt);

	/* Empty plaintext and no associated data. */
	lfh_buf_reset(&ct);
	lfh_buf_reset(&out);
	assert_int_equal(lfh_body_encrypt(key, nonce, NULL, 0, NULL, 0, &ct, &e), 0);
	assert_int_equal(ct.len, LFH_AEAD_ABYTES);
	assert_int_equal(lfh_body_decrypt(key, nonce, NULL, 0, ct.data, ct.len, &out, &e), 0);
	assert_int_equal(out.len, 0);

	/* A large body, growing the buffer many times. */
	size_t big = LFH_BODY_MAX - LFH_AEAD_ABYTES;
	uint8_t *p = malloc(big);
	assert_non_null(p);
	randombytes_buf(p, big);
	lfh_buf_reset(&ct);
	lfh_buf_reset(&out);
	assert_int_equal(lfh_body_encrypt(key, nonce, ad, sizeof ad, p, big, &ct, &e), 0);
	assert_int_equal(lfh_body_decrypt(key, nonce, ad, sizeof ad, ct.data, ct.len, &out, &e), 0);
	assert_int_equal(out.len, big);
	assert_memory_equal(out.data, p, big);
	/* One byte more than fits in an event body. */
	lfh_buf_reset(&ct);
	assert_int_equal(lfh_body_encrypt(key, nonce, ad, sizeof ad, p, big + 1, &ct, &e),
			 LFH_ETOOBIG);
	assert_int_equal(ct.len, 0);
	free(p);

	/* Fresh nonces and keys differ. */
	uint8_t n2[LFH_NONCE_LEN], k2[LFH_KEY_LEN];
	lfh_nonce_new(n2);
	lfh_sharing_key_new(k2);
	assert_memory_not_equal(n2, nonce, LFH_NONCE_LEN);
	assert_memory_not_equal(k2, key, LFH_KEY_LEN);

	lfh_buf_free(&ct);
	lfh_buf_free(&out);
}

static void test_decrypt_failures(void **state)
{
	(void)state;
	uint8_t key[LFH_KEY_LEN], other[LFH_KEY_LEN], nonce[LFH_NONCE_LEN];
	const uint8_t ad[] = "header bytes";
	const uint8_t ad2[] = "header bytez";
	const uint8_t pt[] = "case notes";
	lfh_buf ct = { 0 }, out = { 0 };
	lfh_err e;

	lfh_sharing_key_new(key);
	lfh_sharing_key_new(other);
	lfh_nonce_new(nonce);
	assert_int_equal(lfh_body_encrypt(key, nonce, ad, sizeof ad, pt, sizeof pt, &ct, &e), 0);
	assert_int_equal(lfh_buf_append(&out, "keep", 4), 0);

	/* Wrong key. */
	lfh_err_clear(&e);
	assert_int_equal(lfh_body_decrypt(other, nonce, ad, sizeof ad, ct.data, ct.len, &out, &e),
			 LFH_ECRYPTO);
	assert_int_equal(e.code, LFH_ECRYPTO);
	assert_int_equal(out.len, 4);

	/* Wrong associated data, missing associated data. */
	assert_int_equal(lfh_body_decrypt(key, nonce, ad2, sizeof ad2, ct.data, ct.len, &out, &e),
			 LFH_ECRYPTO);
	assert_int_equal(lfh_body_decrypt(key, nonce, NULL, 0, ct.data, ct.len, &out, &e), LFH_ECRYPTO);
	assert_int_equal(out.len, 4);

	/* Wrong nonce. */
	uint8_t n2[LFH_NONCE_LEN];
	memcpy(n2, nonce, sizeof n2);
	n2[0] ^= 1;
	assert_int_equal(lfh_body_decrypt(key, n2, ad, sizeof ad, ct.data, ct.len, &out, &e), LFH_ECRYPTO);

	/* Every flipped byte, in the ciphertext and in the tag. */
	for (size_t i = 0; i < ct.len; i++) {
		ct.data[i] ^= 0x40;
		assert_int_equal(lfh_body_decrypt(key, nonce, ad, sizeof ad, ct.data, ct.len, &out, &e),
				 LFH_ECRYPTO);
		ct.data[i] ^= 0x40;
	}
	assert_int_equal(out.len, 4);

	/* Truncated. */
	assert_int_equal(lfh_body_decrypt(key, nonce, ad, sizeof ad, ct.data, ct.len - 1, &out, &e),
			 LFH_ECRYPTO);
	assert_int_equal(lfh_body_decrypt(key, nonce, ad, sizeof ad, ct.data, 15, &out, &e), LFH_ECRYPTO);
	assert_int_equal(lfh_body_decrypt(key, nonce, ad, sizeof ad, ct.data, 0, &out, &e), LFH_ECRYPTO);
	assert_int_equal(out.len, 4);

	/* Still fine with the right inputs. */
	assert_int_equal(lfh_body_decrypt(key, nonce, ad, sizeof ad, ct.data, ct.len, &out, &e), 0);
	assert_memory_equal(out.data + 4, pt, sizeof pt);

	lfh_buf_free(&ct);
	lfh_buf_free(&out);
}

static void test_seal_open(void **state)
{
	(void)state;
	uint8_t seed[32], key[LFH_KEY_LEN], got[LFH_KEY_LEN], sealed[LFH_SEALED_LEN], sealed2[LFH_SEALED_LEN];
	lfh_identity *housing = NULL, *fire = NULL;
	lfh_err e;

	memset(seed, 1, sizeof seed);
	assert_int_equal(lfh_identity_from_seed("housing", seed, &housing, &e), 0);
	memset(seed, 2, sizeof seed);
	assert_int_equal(lfh_identity_from_seed("fire", seed, &fire, &e), 0);

	lfh_sharing_key_new(key);
	assert_int_equal(lfh_key_seal(key, housing->pub.box_pk, sealed, &e), 0);
	assert_int_equal(lfh_key_open(sealed, housing->pub.box_pk, housing->box_sk, got, &e), 0);
	assert_memory_equal(got, key, LFH_KEY_LEN);

	/* Sealing is randomised. */
	assert_int_equal(lfh_key_seal(key, housing->pub.box_pk, sealed2, &e), 0);
	assert_memory_not_equal(sealed, sealed2, LFH_SEALED_LEN);

	/* Another agency cannot open it; got is untouched. */
	memset(got, 0xAA, sizeof got);
	lfh_err_clear(&e);
	assert_int_equal(lfh_key_open(sealed, fire->pub.box_pk, fire->box_sk, got, &e), LFH_ECRYPTO);
	assert_int_equal(e.code, LFH_ECRYPTO);
	for (size_t i = 0; i < sizeof got; i++)
		assert_int_equal(got[i], 0xAA);

	/* Nor can the right agency with the wrong public key (it is hashed into the nonce). */
	assert_int_equal(lfh_key_open(sealed, fire->pub.box_pk, housing->box_sk, got, &e), LFH_ECRYPTO);
	/* The CURVE transport key is not the sharing key. */
	assert_int_equal(lfh_key_open(sealed, housing->pub.curve_pk, housing->curve_sk, got, &e),
			 LFH_ECRYPTO);

	/* Tampered grant. */
	for (size_t i = 0; i < LFH_SEALED_LEN; i += 7) {
		sealed[i] ^= 1;
		assert_int_equal(lfh_key_open(sealed, housing->pub.box_pk, housing->box_sk, got, &e),
				 LFH_ECRYPTO);
		sealed[i] ^= 1;
	}

	/* Sealing to an all-zero (invalid) key fails cleanly. */
	uint8_t zero[32] = { 0 };
	assert_int_equal(lfh_key_seal(key, zero, sealed2, &e), LFH_ECRYPTO);

	lfh_identity_free(housing);
	lfh_identity_free(fire);
}

/* ------------------------------------------------------------ root key */

/* Read a whole (small) file of exactly n bytes. */
static void read_exact(const char *path, uint8_t *out, size_t n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(out, 1, n, f), n);
	assert_int_equal(fgetc(f), EOF);
	fclose(f);
}

/* Write n bytes to path with mode (replacing it). */
static void write_mode(const char *path, const uint8_t *p, size_t n, mode_t mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static void test_root_generate(void **state)
{
	struct tmp *t = *state;
	lfh_identity *id = NULL;
	lfh_pubkeys pub;
	lfh_err e;
	char path[256], text[1024];
	uint8_t sk[64], pk[32], seed[32], sig[64];
	const uint8_t msg[] = "certify generation 2";

	generate("police", t->keys);
	/* root.key: 64 bytes, 0600, libsodium layout (seed || pk) */
	path_in(path, sizeof path, t->keys, "root.key");
	assert_int_equal(file_mode(path), 0600);
	read_exact(path, sk, 64);
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	/* public.ini names it, as "root = <64 hex>" */
	path_in(path, sizeof path, t->keys, "public.ini");
	assert_int_equal(lfh_pubkeys_load(path, &pub, &e), 0);
	assert_memory_equal(pub.root_pk, pk, 32);
	assert_memory_not_equal(pub.root_pk, pub.sign_pk, 32);
	{
		char hex[65], line[80];
		FILE *f = fopen(path, "r");
		size_t n;
		assert_non_null(f);
		n = fread(text, 1, sizeof text - 1, f);
		text[n] = '\0';
		fclose(f);
		lfh_hex(hex, pk, 32);
		snprintf(line, sizeof line, "\nroot = %s\n", hex);
		assert_contains(text, line);
	}
	/* the root signs; its seed re-derives it */
	crypto_sign_ed25519_sk_to_seed(seed, sk);
	{
		uint8_t pk2[32], sk2[64];
		crypto_sign_seed_keypair(pk2, sk2, seed);
		assert_memory_equal(sk2, sk, 64);
	}
	crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
	assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof msg, pub.root_pk), 0);

	/* The loaded identity has the root's public key, never its secret. */
	assert_int_equal(lfh_identity_load(t->keys, &id, &e), 0);
	assert_memory_equal(id->pub.root_pk, pk, 32);
	for (size_t i = 0; i + 32 <= sizeof *id; i++)
		assert_true(memcmp((const uint8_t *)id + i, seed, 32) != 0);
	lfh_identity_free(id);

	/* lfh_root_load gives the secret */
	uint8_t *got = sodium_malloc(64);
	assert_non_null(got);
	lfh_err_clear(&e);
	assert_int_equal(lfh_root_load(t->keys, got, &e), 0);
	assert_memory_equal(got, sk, 64);
	sodium_free(got);
}

static void test_root_offline(void **state)
{
	struct tmp *t = *state;
	lfh_identity *id = NULL;
	lfh_err e;
	char path[256];
	uint8_t *sk = sodium_malloc(64);

	assert_non_null(sk);
	generate("police", t->keys);
	path_in(path, sizeof path, t->keys, "root.key");
	assert_int_equal(unlink(path), 0); /* moved offline */

	/* the node loads without it */
	lfh_err_clear(&e);
	assert_int_equal(lfh_identity_load(t->keys, &id, &e), 0);
	assert_non_null(id);
	lfh_identity_free(id);

	/* lfh_root_load says so */
	memset(sk, 0xaa, 64);
	lfh_err_clear(&e);
	assert_int_equal(lfh_root_load(t->keys, sk, &e), LFH_ENOTFOUND);
	assert_int_equal(e.code, LFH_ENOTFOUND);
	assert_contains(e.msg, "root.key");
	assert_true(sodium_is_zero(sk, 64));

	/* not a key directory at all: not "offline" */
	char nodir[256];
	path_in(nodir, sizeof nodir, t->root, "nope");
	assert_int_not_equal(lfh_root_load(nodir, sk, &e), LFH_ENOTFOUND);
	assert_int_not_equal(lfh_root_load(nodir, sk, &e), 0);
	assert_contains(e.msg, "public.ini");
	sodium_free(sk);
}

static void test_root_bad(void **state)
{
	struct tmp *t = *state;
	lfh_identity *id = NULL;
	lfh_err e;
	char path[256], other[256], opath[256];
	uint8_t good[64], wrong[64], bad[64];
	uint8_t *sk = sodium_malloc(64);

	assert_non_null(sk);
	generate("police", t->keys);
	path_in(other, sizeof other, t->root, "other");
	generate("police", other);
	path_in(path, sizeof path, t->keys, "root.key");
	path_in(opath, sizeof opath, other, "root.key");
	read_exact(path, good, 64);
	read_exact(opath, wrong, 64);

	/* another identity's root.key: does not match public.ini's root */
	write_mode(path, wrong, 64, 0600);
	lfh_err_clear(&e);
	assert_int_equal(lfh_root_load(t->keys, sk, &e), LFH_ECRYPTO);
	assert_contains(e.msg, "root key does not match root.key");
	assert_true(sodium_is_zero(sk, 64));
	assert_int_equal(lfh_identity_load(t->keys, &id, &e), LFH_ECRYPTO);
	assert_null(id);
	assert_contains(e.msg, "root.key");

	/* a public half that is not the seed's */
	memcpy(bad, good, 64);
	bad[40] ^= 1;
	write_mode(path, bad, 64, 0600);
	assert_int_equal(lfh_root_load(t->keys, sk, &e), LFH_ECRYPTO);
	assert_contains(e.msg, "root.key: corrupt");
	assert_int_equal(lfh_identity_load(t->keys, &id, &e), LFH_ECRYPTO);

	/* wrong size */
	write_mode(path, good, 32, 0600);
	assert_int_equal(lfh_root_load(t->keys, sk, &e), LFH_EINVAL);
	assert_contains(e.msg, "root.key: expected 64 bytes, found 32");
	assert_int_equal(lfh_identity_load(t->keys, &id, &e), LFH_EINVAL);

	/* loose permissions */
	write_mode(path, good, 64, 0644);
	assert_int_equal(lfh_root_load(t->keys, sk, &e), LFH_EPERM);
	assert_contains(e.msg, "root.key: permissions 0644 are too open");
	assert_int_equal(lfh_identity_load(t->keys, &id, &e), LFH_EPERM);
	assert_null(id);

	/* restored */
	write_mode(path, good, 64, 0600);
	assert_int_equal(lfh_root_load(t->keys, sk, &e), 0);
	assert_memory_equal(sk, good, 64);
	assert_int_equal(lfh_identity_load(t->keys, &id, &e), 0);
	lfh_identity_free(id);
	sodium_free(sk);
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

static void test_root_from_seed(void **state)
{
	uint8_t seed[32], pk[32], *sk = sodium_malloc(64);
	lfh_identity *a = NULL, *b = NULL;

	(void)state;
	assert_non_null(sk);
	memset(seed, 3, sizeof seed);
	assert_int_equal(lfh_identity_from_seed("police", seed, &a, NULL), 0);
	assert_false(sodium_is_zero(a->pub.root_pk, 32));
	assert_memory_not_equal(a->pub.root_pk, a->pub.sign_pk, 32);
	assert_true(crypto_core_ed25519_is_valid_point(a->pub.root_pk));
	/* lfh_root_from_seed gives the same pair */
	lfh_root_from_seed(seed, pk, sk);
	assert_memory_equal(pk, a->pub.root_pk, 32);
	assert_memory_equal(sk + 32, pk, 32);
	/* BLAKE2b-256(key = seed, "lfhub identity root v1"), then crypto_sign_seed_keypair */
	{
		static const char ctx[] = "lfhub identity root v1";
		uint8_t sub[32], pk2[32], sk2[64];
		crypto_generichash(sub, 32, (const uint8_t *)ctx, sizeof ctx - 1, seed, 32);
		crypto_sign_seed_keypair(pk2, sk2, sub);
		assert_memory_equal(pk2, pk, 32);
	}
	/* another seed, another root */
	seed[0] ^= 1;
	assert_int_equal(lfh_identity_from_seed("police", seed, &b, NULL), 0);
	assert_memory_not_equal(a->pub.root_pk, b->pub.root_pk, 32);
	lfh_identity_free(a);
	lfh_identity_free(b);
	sodium_free(sk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_generate_load_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_overwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_open_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_key_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_public, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_public, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pubkeys_write_load, setup, teardown),
		cmocka_unit_test(test_from_seed_deterministic),
		cmocka_unit_test(test_encrypt_decrypt_roundtrip),
		cmocka_unit_test(test_decrypt_failures),
		cmocka_unit_test(test_seal_open),
		cmocka_unit_test_setup_teardown(test_root_generate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_offline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_public_file, setup, teardown),
		cmocka_unit_test(test_root_from_seed),
	};
	umask(022);
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
