/*
 * test_identity.c - agency identities (keys/identity.c): generating and
 * loading a key directory, file modes, refusals (existing files, open
 * permissions, truncated or tampered files), identities from seeds, and the
 * root key (generated, offline, damaged, derived from a seed).
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

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/identity.h"

#include "keys_fixture.h"

/* ---------------------------------------------------------------- helpers */

static void generate(const char *agency, const char *dir)
{
	lfh_err e;
	lfh_err_clear(&e);
	int rc = lfh_identity_generate(agency, dir, &e);
	if (rc != 0)
		fail_msg("generate: %s", e.msg);
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
	path_in(path, sizeof path, t->keys, "keydir.ini");
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
	assert_int_equal(n, 6);
}

/* keydir.ini says the key directory's format: a newer one is refused, a
 * directory of the earlier format (no root key) is refused saying what to do. */
static void test_keydir_format(void **state)
{
	struct tmp *t = *state;
	lfh_identity *id = NULL;
	lfh_err e = { 0 };
	char path[256];
	FILE *f;

	generate("police", t->keys);
	assert_int_equal(lfh_identity_load(t->keys, &id, &e), 0);
	lfh_identity_free(id);
	id = NULL;
	path_in(path, sizeof path, t->keys, "keydir.ini");
	assert_non_null(f = fopen(path, "w"));
	fputs("[keydir]\nformat = 3\n", f);
	fclose(f);
	assert_int_equal(lfh_identity_load(t->keys, &id, &e), LFH_EVERSION);
	assert_non_null(strstr(e.msg, "has format 3, newer than this lfhd reads (2)"));
	assert_null(id);
	/* an earlier build's directory: no keydir.ini, no root in public.ini */
	unlink(path);
	path_in(path, sizeof path, t->keys, "public.ini");
	{
		char text[1024] = "", line[256];
		assert_non_null(f = fopen(path, "r"));
		while (fgets(line, sizeof line, f))
			if (strncmp(line, "root", 4) != 0)
				strcat(text, line);
		fclose(f);
		assert_non_null(f = fopen(path, "w"));
		fputs(text, f);
		fclose(f);
	}
	assert_int_equal(lfh_identity_load(t->keys, &id, &e), LFH_EVERSION);
	assert_non_null(strstr(e.msg, "made by an earlier lfhub (key format 1: no root key)"));
	assert_non_null(strstr(e.msg, "lfh keys init"));
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
		cmocka_unit_test_setup_teardown(test_keydir_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_overwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_open_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_key_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_public, setup, teardown),
		cmocka_unit_test(test_from_seed_deterministic),
		cmocka_unit_test_setup_teardown(test_root_generate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_offline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_bad, setup, teardown),
		cmocka_unit_test(test_root_from_seed),
	};
	umask(022);
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
