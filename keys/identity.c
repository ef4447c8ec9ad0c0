/*
 * identity.c - an agency's long-term keys on disk and in memory
 * (see include/lfh/identity.h).
 *
 * Key directory: root.key (64; optional once created: it may be moved
 * offline), sign.key (64), box.key (32), curve.key (32), all 0600, and
 * public.ini (0644). Files are created through a temporary file that is
 * written, fsync'd and then linked into place (link() refuses to replace an
 * existing file), followed by an fsync of the directory. public.ini is
 * written last, so its presence means the secrets are complete. Its format
 * and parser are proto/pubkeys.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <ini.h>
#include <sodium.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/identity.h"

#define ID_PATH_MAX 4096

static const char *const secret_names[3] = { "sign.key", "box.key", "curve.key" };
static const size_t secret_sizes[3] = { 64, 32, 32 };
#define ROOT_NAME "root.key"
#define PUBLIC_NAME "public.ini"
#define KEYDIR_NAME "keydir.ini" /* [keydir] format = N: the key directory's format */
#define KEYDIR_TEXT "[keydir]\nformat = " LFH_STR(LFH_KEYDIR_FORMAT) "\n"
#define LFH_STR2(x) #x
#define LFH_STR(x) LFH_STR2(x)

static int sodium_ready(lfh_err *err)
{
	if (sodium_init() < 0)
		return lfh_err_set(err, LFH_ECRYPTO, "libsodium initialisation failed");
	return 0;
}

static int join_path(char *out, size_t outsz, const char *dir, const char *name, lfh_err *err)
{
	int n = snprintf(out, outsz, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= outsz)
		return lfh_err_set(err, LFH_EINVAL, "%s/%s: path too long", dir, name);
	return 0;
}


static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int lfh_dir_fsync(const char *dir, lfh_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lfh_err_set(err, LFH_EIO, "%s: %s", dir, strerror(errno));
	if (fsync(fd) != 0 && errno != EINVAL) {
		int e = errno;
		close(fd);
		return lfh_err_set(err, LFH_EIO, "%s: fsync: %s", dir, strerror(e));
	}
	close(fd);
	return 0;
}

/* Write tmp (new, mode) with data and fsync it; on failure it is removed. */
static int write_tmp(const char *tmp, const void *data, size_t len, mode_t mode, lfh_err *err)
{
	int fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode);

	if (fd < 0)
		return lfh_err_set(err, LFH_EIO, "%s: %s", tmp, strerror(errno));
	if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return lfh_err_set(err, LFH_EIO, "%s: %s", tmp, strerror(e));
	}
	if (close(fd) != 0) {
		int e = errno;
		unlink(tmp);
		return lfh_err_set(err, LFH_EIO, "%s: %s", tmp, strerror(e));
	}
	return 0;
}

/*
 * Create dir/name with exactly data, mode, never replacing an existing file:
 * write a temporary file, fsync it, link it into place, fsync the directory.
 */
static int write_new_file(const char *dir, const char *name, const void *data, size_t len,
			  mode_t mode, lfh_err *err)
{
	char path[ID_PATH_MAX], tmp[ID_PATH_MAX], rnd[17];
	uint8_t r[8];
	int rc;

	if ((rc = join_path(path, sizeof path, dir, name, err)) != 0)
		return rc;
	randombytes_buf(r, sizeof r);
	lfh_hex(rnd, r, sizeof r);
	if (snprintf(tmp, sizeof tmp, "%s/.%s.%s.tmp", dir, name, rnd) >= (int)sizeof tmp)
		return lfh_err_set(err, LFH_EINVAL, "%s: path too long", path);

	if ((rc = write_tmp(tmp, data, len, mode, err)) != 0)
		return rc;
	if (link(tmp, path) != 0) {
		int e = errno;
		struct stat st;
		if (e == EEXIST) {
			unlink(tmp);
			return lfh_err_set(err, LFH_EEXIST, "%s already exists; refusing to overwrite", path);
		}
		/* Filesystems without hard links: check, then rename. */
		if ((e == EPERM || e == ENOTSUP || e == EOPNOTSUPP || e == ENOSYS) &&
		    lstat(path, &st) != 0 && errno == ENOENT && rename(tmp, path) == 0)
			return lfh_dir_fsync(dir, err);
		unlink(tmp);
		return lfh_err_set(err, LFH_EIO, "%s: %s", path, strerror(e));
	}
	unlink(tmp);
	return lfh_dir_fsync(dir, err);
}

/* mkdir -p with mode 0700 for every directory we create. */
static int make_dir(const char *dir, lfh_err *err)
{
	char p[ID_PATH_MAX];
	struct stat st;
	size_t n = strlen(dir);

	if (n == 0)
		return lfh_err_set(err, LFH_EINVAL, "empty key directory name");
	if (n >= sizeof p)
		return lfh_err_set(err, LFH_EINVAL, "%s: path too long", dir);
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char saved = p[i];
		p[i] = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return lfh_err_set(err, LFH_EIO, "%s: cannot create directory: %s", p, strerror(errno));
		p[i] = saved;
	}
	if (stat(dir, &st) != 0)
		return lfh_err_set(err, LFH_EIO, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return lfh_err_set(err, LFH_EINVAL, "%s: not a directory", dir);
	return 0;
}

static void fill_pub(lfh_identity *id, const char *agency)
{
	snprintf(id->pub.agency, sizeof id->pub.agency, "%s", agency);
	lfh_key_id(id->pub.sign_pk, id->pub.key_id);
}

int lfh_identity_generate(const char *agency, const char *dir, lfh_err *err)
{
	char path[ID_PATH_MAX];
	struct stat st;
	lfh_identity *id = NULL;
	uint8_t *root_sk = NULL;
	char *pubtext = NULL;
	size_t publen = 0;
	int created = 0, rc;
	static const char *const names[5] = { ROOT_NAME, "sign.key", "box.key", "curve.key", PUBLIC_NAME };

	if (!agency || !dir)
		return lfh_err_set(err, LFH_EINVAL, "lfh_identity_generate: NULL argument");
	if (strlen(agency) > LFH_AGENCY_MAX || !lfh_name_valid(agency))
		return lfh_err_set(err, LFH_EINVAL, "invalid agency id '%.40s' (1..%d characters of a-z 0-9 _ -)",
				   agency, LFH_AGENCY_MAX);
	if ((rc = sodium_ready(err)) != 0)
		return rc;
	if ((rc = make_dir(dir, err)) != 0)
		return rc;
	for (int i = 0; i < 5; i++) {
		if ((rc = join_path(path, sizeof path, dir, names[i], err)) != 0)
			return rc;
		if (lstat(path, &st) == 0)
			return lfh_err_set(err, LFH_EEXIST, "%s already exists; refusing to overwrite", path);
		if (errno != ENOENT)
			return lfh_err_set(err, LFH_EIO, "%s: %s", path, strerror(errno));
	}

	id = sodium_malloc(sizeof *id);
	root_sk = sodium_malloc(64);
	if (!id || !root_sk) {
		if (id)
			sodium_free(id);
		if (root_sk)
			sodium_free(root_sk);
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	}
	memset(id, 0, sizeof *id);
	crypto_sign_keypair(id->pub.root_pk, root_sk);
	crypto_sign_keypair(id->pub.sign_pk, id->sign_sk);
	crypto_box_keypair(id->pub.box_pk, id->box_sk);
	crypto_box_keypair(id->pub.curve_pk, id->curve_sk);
	fill_pub(id, agency);
	if ((rc = lfh_pubkeys_check_root(&id->pub, err)) != 0)
		goto fail;

	/* The root first: public.ini (last) names it, so it must exist by then. */
	const uint8_t *secrets[4] = { root_sk, id->sign_sk, id->box_sk, id->curve_sk };
	static const size_t sizes[4] = { 64, 64, 32, 32 };
	for (int i = 0; i < 4; i++) {
		rc = write_new_file(dir, names[i], secrets[i], sizes[i], 0600, err);
		if (rc != 0)
			goto fail;
		created++;
	}

	FILE *mf = open_memstream(&pubtext, &publen);
	if (!mf) {
		rc = lfh_err_set(err, LFH_ENOMEM, "out of memory");
		goto fail;
	}
	rc = lfh_pubkeys_write(&id->pub, mf, err);
	if (fclose(mf) != 0 && rc == 0)
		rc = lfh_err_set(err, LFH_ENOMEM, "out of memory");
	if (rc == 0)
		rc = write_new_file(dir, PUBLIC_NAME, pubtext, publen, 0644, err);
	if (rc == 0)
		rc = write_new_file(dir, KEYDIR_NAME, KEYDIR_TEXT, strlen(KEYDIR_TEXT), 0644, err);
	free(pubtext);
	if (rc != 0)
		goto fail;
	sodium_free(id);
	sodium_free(root_sk);
	return 0;

fail:
	/* Remove what we created so that a retry can succeed. */
	for (int i = 0; i < created; i++)
		if (join_path(path, sizeof path, dir, names[i], NULL) == 0)
			unlink(path);
	sodium_free(id);
	sodium_free(root_sk);
	return rc;
}

/* Read a secret key file of exactly n bytes, refusing loose permissions. */
static int read_secret(const char *dir, const char *name, uint8_t *dst, size_t n, lfh_err *err)
{
	char path[ID_PATH_MAX];
	struct stat st;
	int fd, rc;

	if ((rc = join_path(path, sizeof path, dir, name, err)) != 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lfh_err_set(err, errno == ENOENT ? LFH_ENOTFOUND : LFH_EIO, "%s: %s", path,
				   strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = lfh_err_set(err, LFH_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = lfh_err_set(err, LFH_EINVAL, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & 077) {
		rc = lfh_err_set(err, LFH_EPERM, "%s: permissions %04o are too open; run chmod 600 %s", path,
				 (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	if ((unsigned long long)st.st_size != n) {
		rc = lfh_err_set(err, LFH_EINVAL, "%s: expected %zu bytes, found %lld", path, n,
				 (long long)st.st_size);
		goto out;
	}
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, dst + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = lfh_err_set(err, LFH_EIO, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0) {
			rc = lfh_err_set(err, LFH_EINVAL, "%s: expected %zu bytes, found %zu", path, n, got);
			goto out;
		}
		got += (size_t)r;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

/*
 * Read dir/root.key into sk and check it: libsodium layout (seed || pk, the
 * public half re-derived from the seed) and its public key is root_pk (from
 * pubpath). LFH_ENOTFOUND if there is no root.key; sk is wiped on failure.
 */
static int read_root(const char *dir, const char *pubpath, const uint8_t root_pk[32], uint8_t sk[64],
		     lfh_err *err)
{
	uint8_t seed[32], pk[32], sk2[64];
	int rc = read_secret(dir, ROOT_NAME, sk, 64, err);

	if (rc == LFH_ENOTFOUND)
		lfh_err_set(err, rc, "%s/" ROOT_NAME ": not present (the root secret is kept offline)", dir);
	if (rc != 0)
		goto out;
	crypto_sign_ed25519_sk_to_seed(seed, sk);
	crypto_sign_seed_keypair(pk, sk2, seed);
	if (sodium_memcmp(sk2, sk, 64) != 0)
		rc = lfh_err_set(err, LFH_ECRYPTO, "%s/" ROOT_NAME ": corrupt (public half does not match "
				 "the secret)", dir);
	else if (sodium_memcmp(pk, root_pk, 32) != 0)
		rc = lfh_err_set(err, LFH_ECRYPTO, "%s: root key does not match " ROOT_NAME, pubpath);
out:
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(sk2, sizeof sk2);
	if (rc != 0)
		sodium_memzero(sk, 64);
	return rc;
}

int lfh_root_load(const char *dir, uint8_t sk[64], lfh_err *err)
{
	char path[ID_PATH_MAX];
	lfh_pubkeys pub;
	int rc;

	if (!dir || !sk)
		return lfh_err_set(err, LFH_EINVAL, "lfh_root_load: NULL argument");
	sodium_memzero(sk, 64);
	if ((rc = sodium_ready(err)) != 0 || (rc = join_path(path, sizeof path, dir, PUBLIC_NAME, err)) != 0)
		return rc;
	/* public.ini first: a missing key directory is not "root kept offline" */
	if ((rc = lfh_pubkeys_load(path, &pub, err)) != 0) {
		if (err && rc == LFH_ENOTFOUND)
			err->code = LFH_EIO;
		return rc == LFH_ENOTFOUND ? LFH_EIO : rc;
	}
	return read_root(dir, path, pub.root_pk, sk, err);
}

/* inih handler: [keydir] format = N into *(long *)user (-1 if not a number). */
static int keydir_handler(void *user, const char *section, const char *name, const char *value)
{
	long *format = user;
	char *end;

	if (strcmp(section, "keydir") == 0 && strcmp(name, "format") == 0) {
		errno = 0;
		*format = strtol(value, &end, 10);
		if (errno || end == value || *end || *format < 1)
			*format = -1;
	}
	return 1;
}

/* A key directory of a newer format than ours is refused, untouched. */
static int keydir_format_check(const char *dir, lfh_err *err)
{
	char path[ID_PATH_MAX];
	long format = 0;
	int rc = join_path(path, sizeof path, dir, KEYDIR_NAME, err);

	if (rc)
		return rc;
	if (access(path, F_OK) != 0)
		return 0; /* made before the file existed: public.ini says the rest */
	if (ini_parse(path, keydir_handler, &format) != 0 || format < 1)
		return lfh_err_set(err, LFH_ECODEC, "%s: expected [keydir] with format = a number",
				   path);
	if (format > LFH_KEYDIR_FORMAT)
		return lfh_err_set(err, LFH_EVERSION, "key directory %s has format %ld, newer than "
				   "this lfhd reads (%d): run the lfhd that made it", dir, format,
				   LFH_KEYDIR_FORMAT);
	return 0;
}

int lfh_identity_load(const char *dir, lfh_identity **out, lfh_err *err)
{
	char path[ID_PATH_MAX];
	uint8_t seed[32], pk[32], sk[64];
	lfh_identity *id;
	int rc;

	if (!dir || !out)
		return lfh_err_set(err, LFH_EINVAL, "lfh_identity_load: NULL argument");
	*out = NULL;
	if ((rc = sodium_ready(err)) != 0)
		return rc;
	id = sodium_malloc(sizeof *id);
	if (!id)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	memset(id, 0, sizeof *id);

	if ((rc = keydir_format_check(dir, err)) != 0)
		goto fail;
	uint8_t *secrets[3] = { id->sign_sk, id->box_sk, id->curve_sk };
	for (int i = 0; i < 3; i++)
		if ((rc = read_secret(dir, secret_names[i], secrets[i], secret_sizes[i], err)) != 0)
			goto fail;
	if ((rc = join_path(path, sizeof path, dir, PUBLIC_NAME, err)) != 0)
		goto fail;
	if ((rc = lfh_pubkeys_load(path, &id->pub, err)) != 0) {
		if (err && strstr(err->msg, "missing key 'root'"))
			rc = lfh_err_set(err, LFH_EVERSION, "key directory %s was made by an earlier lfhub "
				    "(key format 1: no root key); this lfhd needs format %d: make new "
				    "keys with lfh keys init, export them and have the hub's agreement "
				    "name them (README: Adding or removing an agency)", dir,
				    LFH_KEYDIR_FORMAT);
		goto fail;
	}

	/* sign.key holds seed || pk: re-derive both from the seed. */
	crypto_sign_ed25519_sk_to_seed(seed, id->sign_sk);
	crypto_sign_seed_keypair(pk, sk, seed);
	if (sodium_memcmp(sk, id->sign_sk, 64) != 0) {
		rc = lfh_err_set(err, LFH_ECRYPTO, "%s/sign.key: corrupt (public half does not match the secret)",
				 dir);
		goto fail;
	}
	if (sodium_memcmp(pk, id->pub.sign_pk, 32) != 0) {
		rc = lfh_err_set(err, LFH_ECRYPTO, "%s: sign key does not match sign.key", path);
		goto fail;
	}
	if (crypto_scalarmult_base(pk, id->box_sk) != 0 || sodium_memcmp(pk, id->pub.box_pk, 32) != 0) {
		rc = lfh_err_set(err, LFH_ECRYPTO, "%s: box key does not match box.key", path);
		goto fail;
	}
	if (crypto_scalarmult_base(pk, id->curve_sk) != 0 || sodium_memcmp(pk, id->pub.curve_pk, 32) != 0) {
		rc = lfh_err_set(err, LFH_ECRYPTO, "%s: curve key does not match curve.key", path);
		goto fail;
	}
	/* root.key is optional (kept offline); if here, it must be sound. Not kept. */
	{
		lfh_err re = {0};
		rc = read_root(dir, path, id->pub.root_pk, sk, &re);
		sodium_memzero(sk, sizeof sk);
		if (rc == LFH_ENOTFOUND)
			rc = 0;
		if (rc != 0) {
			lfh_err_set(err, rc, "%s", re.msg);
			goto fail;
		}
	}
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(sk, sizeof sk);
	*out = id;
	return 0;

fail:
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(sk, sizeof sk);
	sodium_free(id);
	return rc;
}

void lfh_identity_free(lfh_identity *id)
{
	if (id)
		sodium_free(id); /* wipes before unmapping */
}

/*
 * Derivation (fixed; test vectors depend on it):
 *   sub_X = BLAKE2b-256(key = seed, message = "lfhub identity X v1")
 * for X in sign, box, curve, root; then crypto_sign_seed_keypair(sub_sign),
 * crypto_box_seed_keypair(sub_box), crypto_box_seed_keypair(sub_curve) and
 * crypto_sign_seed_keypair(sub_root).
 */
#define ROOT_CTX "lfhub identity root v1"

void lfh_root_from_seed(const uint8_t seed[32], uint8_t pk[32], uint8_t sk[64])
{
	uint8_t sub[32];

	crypto_generichash(sub, 32, (const uint8_t *)ROOT_CTX, strlen(ROOT_CTX), seed, 32);
	crypto_sign_seed_keypair(pk, sk, sub);
	sodium_memzero(sub, sizeof sub);
}

int lfh_identity_from_seed(const char *agency, const uint8_t seed[32], lfh_identity **out, lfh_err *err)
{
	static const char *const ctx[3] = { "lfhub identity sign v1", "lfhub identity box v1",
					    "lfhub identity curve v1" };
	uint8_t sub[3][32], root_sk[64];
	lfh_identity *id;
	int rc;

	if (!agency || !seed || !out)
		return lfh_err_set(err, LFH_EINVAL, "lfh_identity_from_seed: NULL argument");
	*out = NULL;
	if (strlen(agency) > LFH_AGENCY_MAX || !lfh_name_valid(agency))
		return lfh_err_set(err, LFH_EINVAL, "invalid agency id '%.40s' (1..%d characters of a-z 0-9 _ -)",
				   agency, LFH_AGENCY_MAX);
	if ((rc = sodium_ready(err)) != 0)
		return rc;
	id = sodium_malloc(sizeof *id);
	if (!id)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	memset(id, 0, sizeof *id);
	for (int i = 0; i < 3; i++)
		crypto_generichash(sub[i], 32, (const uint8_t *)ctx[i], strlen(ctx[i]), seed, 32);
	crypto_sign_seed_keypair(id->pub.sign_pk, id->sign_sk, sub[0]);
	crypto_box_seed_keypair(id->pub.box_pk, id->box_sk, sub[1]);
	crypto_box_seed_keypair(id->pub.curve_pk, id->curve_sk, sub[2]);
	lfh_root_from_seed(seed, id->pub.root_pk, root_sk);
	sodium_memzero(sub, sizeof sub);
	sodium_memzero(root_sk, sizeof root_sk);
	fill_pub(id, agency);
	*out = id;
	return 0;
}

/*
 * Write id's operational secrets and public file into dir (created 0700),
 * never replacing a file: used for later key generations (generation.h).
 */
int lfh_identity_save(const lfh_identity *id, const char *dir, lfh_err *err)
{
	static const char *const names[3] = { "sign.key", "box.key", "curve.key" };
	const uint8_t *secrets[3] = { id->sign_sk, id->box_sk, id->curve_sk };
	static const size_t sizes[3] = { 64, 32, 32 };
	char *pubtext = NULL;
	size_t publen = 0;
	FILE *mf;
	int rc = make_dir(dir, err);

	for (int i = 0; rc == 0 && i < 3; i++)
		rc = write_new_file(dir, names[i], secrets[i], sizes[i], 0600, err);
	if (rc)
		return rc;
	if (!(mf = open_memstream(&pubtext, &publen)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	rc = lfh_pubkeys_write(&id->pub, mf, err);
	if (fclose(mf) != 0 && rc == 0)
		rc = lfh_err_set(err, LFH_ENOMEM, "out of memory");
	if (rc == 0)
		rc = write_new_file(dir, PUBLIC_NAME, pubtext, publen, 0644, err);
	free(pubtext);
	return rc;
}

/* Write data as dir/name (mode 0644), never replacing a file. */
int lfh_file_write_new(const char *dir, const char *name, const void *data, size_t len,
		       lfh_err *err)
{
	return write_new_file(dir, name, data, len, 0644, err);
}

#define KEK_NAME "store.key"

int lfh_kek_load(const char *dir, uint8_t kek[32], lfh_err *err)
{
	int rc = sodium_ready(err);

	if (!rc)
		rc = read_secret(dir, KEK_NAME, kek, 32, err);
	if (rc != LFH_ENOTFOUND)
		return rc;
	randombytes_buf(kek, 32);
	rc = write_new_file(dir, KEK_NAME, kek, 32, 0600, err);
	if (rc == LFH_EEXIST) /* made meanwhile by another process: use that one */
		rc = read_secret(dir, KEK_NAME, kek, 32, err);
	return rc;
}

int lfh_kek_exists(const char *dir)
{
	char path[ID_PATH_MAX];
	struct stat st;

	return join_path(path, sizeof path, dir, KEK_NAME, NULL) == 0 && stat(path, &st) == 0;
}

int lfh_file_replace(const char *dir, const char *name, const void *data, size_t len,
		     mode_t mode, lfh_err *err)
{
	char path[ID_PATH_MAX], tmp[ID_PATH_MAX];
	int rc;

	if ((rc = join_path(path, sizeof path, dir, name, err)) != 0)
		return rc;
	if (snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name) >= (int)sizeof tmp)
		return lfh_err_set(err, LFH_EINVAL, "%s: path too long", path);
	unlink(tmp); /* left by a crash */
	if ((rc = write_tmp(tmp, data, len, mode, err)) != 0)
		return rc;
	if (rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return lfh_err_set(err, LFH_EIO, "%s: %s", path, strerror(e));
	}
	return lfh_dir_fsync(dir, err);
}

int lfh_file_read(const char *dir, const char *name, size_t max, lfh_buf *out, lfh_err *err)
{
	char path[ID_PATH_MAX];
	uint8_t chunk[4096];
	ssize_t got;
	int fd, rc;

	if ((rc = join_path(path, sizeof path, dir, name, err)) != 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? lfh_err_set(err, LFH_ENOTFOUND, "%s: no such file", path)
				       : lfh_err_set(err, LFH_EIO, "%s: %s", path, strerror(errno));
	while ((got = read(fd, chunk, sizeof chunk)) > 0) {
		if (out->len + (size_t)got > max) {
			close(fd);
			return lfh_err_set(err, LFH_ETOOBIG, "%s: larger than %zu bytes", path, max);
		}
		if (lfh_buf_append(out, chunk, (size_t)got) != 0) {
			close(fd);
			return lfh_err_set(err, LFH_ENOMEM, "out of memory");
		}
	}
	rc = got < 0 ? lfh_err_set(err, LFH_EIO, "%s: %s", path, strerror(errno)) : 0;
	close(fd);
	return rc;
}
