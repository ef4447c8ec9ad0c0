/*
 * generation.c - operational key generations on disk (include/lfh/generation.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "lfh/generation.h"

#define GEN_PATH_MAX 4096
#define PENDING "pending"
#define CERT_FILE "cert"
#define CERT_FILE_MAX 4096

static int gen_path(char *out, const char *dir, uint32_t gen, lfh_err *err)
{
	int n = gen == 1 ? snprintf(out, GEN_PATH_MAX, "%s", dir)
			 : snprintf(out, GEN_PATH_MAX, "%s/gen-%u", dir, gen);
	if (n < 0 || n >= GEN_PATH_MAX)
		return lfh_err_set(err, LFH_EINVAL, "%s: path too long", dir);
	return 0;
}

/* Is dir/gen-N complete (its certificate is written last)? */
static int gen_complete(const char *dir, uint32_t gen)
{
	char p[GEN_PATH_MAX];
	struct stat st;
	if (snprintf(p, sizeof p, "%s/gen-%u/" CERT_FILE, dir, gen) >= (int)sizeof p)
		return 0;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Highest N >= 2 with a complete dir/gen-N, or 1. */
static int newest_gen(const char *dir, uint32_t *gen, lfh_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return lfh_err_set(err, errno == ENOENT ? LFH_ENOTFOUND : LFH_EIO, "%s: %s", dir,
				   strerror(errno));
	*gen = 1;
	while ((e = readdir(d))) {
		unsigned g;
		char tail;
		if (sscanf(e->d_name, "gen-%u%c", &g, &tail) == 1 && g >= 2 && g <= 65535 &&
		    g > *gen && gen_complete(dir, g))
			*gen = g;
	}
	closedir(d);
	return 0;
}

int lfh_gen_cert_read(const char *dir, uint32_t gen, lfh_buf *cert, lfh_err *err)
{
	char p[GEN_PATH_MAX + 8], *data = NULL;
	size_t len = 0;
	int rc;

	if (gen < 2 || !gen_complete(dir, gen))
		return lfh_err_set(err, LFH_ENOTFOUND, "%s holds no certified key generation %u", dir,
				   gen);
	if (snprintf(p, sizeof p, "%s/gen-%u/" CERT_FILE, dir, gen) >= (int)sizeof p)
		return lfh_err_set(err, LFH_EINVAL, "%s: path too long", dir);
	rc = lfh_read_file(p, CERT_FILE_MAX, &data, &len, err);
	if (!rc && lfh_buf_append(cert, data, len))
		rc = lfh_err_set(err, LFH_ENOMEM, "out of memory");
	free(data);
	return rc;
}

int lfh_gen_open(const char *dir, lfh_identity **cur, uint32_t *gen, lfh_identity **prev,
		 lfh_buf *cert, lfh_err *err)
{
	char p[GEN_PATH_MAX];
	int rc = newest_gen(dir, gen, err);

	*cur = *prev = NULL;
	if (!rc)
		rc = gen_path(p, dir, *gen, err);
	if (!rc)
		rc = lfh_identity_load(p, cur, err);
	if (!rc && *gen > 1) {
		rc = lfh_gen_cert_read(dir, *gen, cert, err);
		if (!rc && !(rc = gen_path(p, dir, *gen - 1, err)))
			rc = lfh_identity_load(p, prev, err);
	}
	if (rc) {
		lfh_identity_free(*cur);
		lfh_identity_free(*prev);
		*cur = *prev = NULL;
	}
	return rc;
}

int lfh_gen_load(const char *dir, uint32_t gen, lfh_identity **out, lfh_err *err)
{
	char p[GEN_PATH_MAX];
	int rc;

	*out = NULL;
	if (gen == 0 || (gen > 1 && !gen_complete(dir, gen)))
		return lfh_err_set(err, LFH_ENOTFOUND, "%s holds no key generation %u", dir, gen);
	if ((rc = gen_path(p, dir, gen, err)))
		return rc;
	return lfh_identity_load(p, out, err);
}

int lfh_gen_new(const lfh_identity *cur, lfh_identity **out, lfh_err *err)
{
	lfh_identity *id = sodium_malloc(sizeof *id);

	if (!id)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	memset(id, 0, sizeof *id);
	id->pub = cur->pub;
	crypto_sign_keypair(id->pub.sign_pk, id->sign_sk);
	crypto_box_keypair(id->pub.box_pk, id->box_sk);
	crypto_box_keypair(id->pub.curve_pk, id->curve_sk);
	lfh_key_id(id->pub.sign_pk, id->pub.key_id);
	*out = id;
	return 0;
}

/* Remove a directory of plain files (a temporary or replaced pending generation). */
static void remove_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char p[GEN_PATH_MAX];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    snprintf(p, sizeof p, "%s/%s", path, e->d_name) < (int)sizeof p)
			unlink(p);
	closedir(d);
	rmdir(path);
}

/* Write id (and cert, if any) into a fresh temporary directory of dir: its path into tmp. */
static int write_tmp(const char *dir, const lfh_identity *id, const uint8_t *cert, size_t len,
		     char tmp[GEN_PATH_MAX], lfh_err *err)
{
	uint8_t r[8];
	char rnd[17];
	int rc;

	randombytes_buf(r, sizeof r);
	lfh_hex(rnd, r, sizeof r);
	if (snprintf(tmp, GEN_PATH_MAX, "%s/.gen.%s.tmp", dir, rnd) >= GEN_PATH_MAX)
		return lfh_err_set(err, LFH_EINVAL, "%s: path too long", dir);
	rc = lfh_identity_save(id, tmp, err);
	if (!rc && cert)
		rc = lfh_file_write_new(tmp, CERT_FILE, cert, len, err);
	if (rc)
		remove_dir(tmp);
	return rc;
}

/* rename(from, to) then fsync dir; LFH_EEXIST when `to` exists. */
static int move_into_place(const char *dir, const char *from, const char *to, lfh_err *err)
{
	struct stat st;
	if (lstat(to, &st) == 0) {
		remove_dir(from);
		return lfh_err_set(err, LFH_EEXIST, "%s already exists", to);
	}
	if (rename(from, to) != 0) {
		int e = errno;
		remove_dir(from);
		return lfh_err_set(err, LFH_EIO, "%s: %s", to, strerror(e));
	}
	return lfh_dir_fsync(dir, err);
}

int lfh_gen_save(const char *dir, uint32_t gen, const lfh_identity *id, const uint8_t *cert,
		 size_t len, lfh_err *err)
{
	char tmp[GEN_PATH_MAX], to[GEN_PATH_MAX];
	int rc;

	if (gen < 2 || !cert)
		return lfh_err_set(err, LFH_EINVAL, "generation %u needs a certificate", gen);
	if ((rc = gen_path(to, dir, gen, err)) || (rc = write_tmp(dir, id, cert, len, tmp, err)))
		return rc;
	return move_into_place(dir, tmp, to, err);
}

int lfh_gen_pending_save(const char *dir, const lfh_identity *id, lfh_err *err)
{
	char tmp[GEN_PATH_MAX], to[GEN_PATH_MAX];
	int rc;

	if (snprintf(to, sizeof to, "%s/" PENDING, dir) >= (int)sizeof to)
		return lfh_err_set(err, LFH_EINVAL, "%s: path too long", dir);
	if ((rc = write_tmp(dir, id, NULL, 0, tmp, err)))
		return rc;
	remove_dir(to); /* a new request replaces an unanswered one */
	return move_into_place(dir, tmp, to, err);
}

int lfh_gen_pending_load(const char *dir, lfh_identity **out, lfh_err *err)
{
	char p[GEN_PATH_MAX];
	struct stat st;

	if (snprintf(p, sizeof p, "%s/" PENDING, dir) >= (int)sizeof p)
		return lfh_err_set(err, LFH_EINVAL, "%s: path too long", dir);
	if (stat(p, &st) != 0)
		return lfh_err_set(err, LFH_ENOTFOUND, "no keys are waiting for a certificate "
				   "(run `lfh admin keys rotate --prepare FILE` first)");
	return lfh_identity_load(p, out, err);
}

int lfh_gen_pending_install(const char *dir, uint32_t gen, const uint8_t *cert, size_t len,
			    lfh_err *err)
{
	char from[GEN_PATH_MAX], to[GEN_PATH_MAX];
	int rc;

	if (snprintf(from, sizeof from, "%s/" PENDING, dir) >= (int)sizeof from)
		return lfh_err_set(err, LFH_EINVAL, "%s: path too long", dir);
	if ((rc = gen_path(to, dir, gen, err)) ||
	    (rc = lfh_file_write_new(from, CERT_FILE, cert, len, err)))
		return rc;
	return move_into_place(dir, from, to, err);
}

/* ---- copying a key directory (backups) ---------------------------------- */

/* Copy the regular file src to dst (created, never replaced) with src's mode. */
static int copy_file(const char *src, const char *dst, mode_t mode, lfh_err *err)
{
	char buf[8192];
	ssize_t got = 0;
	int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), out, rc = 0;

	if (in < 0)
		return lfh_err_set(err, LFH_EIO, "%s: %s", src, strerror(errno));
	out = open(dst, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode & 07777);
	if (out < 0) {
		rc = lfh_err_set(err, LFH_EIO, "%s: %s", dst, strerror(errno));
		close(in);
		return rc;
	}
	while (rc == 0 && (got = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)got) != got)
			rc = lfh_err_set(err, LFH_EIO, "%s: %s", dst, strerror(errno));
	if (rc == 0 && got < 0)
		rc = lfh_err_set(err, LFH_EIO, "%s: %s", src, strerror(errno));
	if (rc == 0 && (fchmod(out, mode & 07777) != 0 || fsync(out) != 0))
		rc = lfh_err_set(err, LFH_EIO, "%s: %s", dst, strerror(errno));
	sodium_memzero(buf, sizeof buf);
	close(in);
	if (close(out) != 0 && rc == 0)
		rc = lfh_err_set(err, LFH_EIO, "%s: %s", dst, strerror(errno));
	return rc;
}

/* Copy every regular file of src into dst (made with src's mode), and each
 * subdirectory too when depth allows; temporary files (.name) are left out. */
static int copy_tree(const char *src, const char *dst, int depth, lfh_err *err)
{
	DIR *d;
	struct dirent *e;
	struct stat st;
	int rc = 0;

	if (lstat(src, &st) != 0 || !S_ISDIR(st.st_mode))
		return lfh_err_set(err, LFH_EIO, "%s: not a directory", src);
	if (mkdir(dst, st.st_mode & 07777) != 0 && errno != EEXIST)
		return lfh_err_set(err, LFH_EIO, "%s: %s", dst, strerror(errno));
	if (!(d = opendir(src)))
		return lfh_err_set(err, LFH_EIO, "%s: %s", src, strerror(errno));
	while (rc == 0 && (e = readdir(d))) {
		char from[GEN_PATH_MAX], to[GEN_PATH_MAX];
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "root.key"))
			continue; /* the root secret is kept offline: never in a copy */
		if (snprintf(from, sizeof from, "%s/%s", src, e->d_name) >= (int)sizeof from ||
		    snprintf(to, sizeof to, "%s/%s", dst, e->d_name) >= (int)sizeof to) {
			rc = lfh_err_set(err, LFH_EINVAL, "%s/%s: path too long", src, e->d_name);
			break;
		}
		if (lstat(from, &st) != 0)
			rc = lfh_err_set(err, LFH_EIO, "%s: %s", from, strerror(errno));
		else if (S_ISREG(st.st_mode))
			rc = copy_file(from, to, st.st_mode, err);
		else if (S_ISDIR(st.st_mode) && depth > 0)
			rc = copy_tree(from, to, depth - 1, err);
	}
	closedir(d);
	return rc ? rc : lfh_dir_fsync(dst, err);
}

int lfh_keydir_copy(const char *src, const char *dst, lfh_err *err)
{
	return copy_tree(src, dst, 1, err);
}
