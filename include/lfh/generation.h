/*
 * generation.h - an agency's operational key generations on disk.
 *
 * The key directory itself holds generation 1 (identity.h). Each later
 * generation N lives in key_dir/gen-N/ (sign.key, box.key, curve.key,
 * public.ini, and `cert`, its certificate from the agency's root, cert.h),
 * created whole under a temporary name and renamed into place, so a crash
 * never leaves half a generation. key_dir/pending/ holds new keys that wait
 * for a certificate from an offline root (`lfh admin keys rotate --prepare`).
 */
#ifndef LFH_GENERATION_H
#define LFH_GENERATION_H

#include <stdint.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/identity.h"

/*
 * Load the newest complete generation in dir into *cur (its number in
 * *gen, its certificate bytes appended to cert; none for generation 1) and
 * the generation before it into *prev (NULL for generation 1).
 */
int lfh_gen_open(const char *dir, lfh_identity **cur, uint32_t *gen, lfh_identity **prev,
		 lfh_buf *cert, lfh_err *err);

/*
 * Append the certificate bytes of generation gen (>= 2, a complete
 * dir/gen-N) to cert. LFH_ENOTFOUND if dir holds no such generation.
 */
int lfh_gen_cert_read(const char *dir, uint32_t gen, lfh_buf *cert, lfh_err *err);

/* Load generation gen (1, or a complete dir/gen-N) into *out. LFH_ENOTFOUND if absent. */
int lfh_gen_load(const char *dir, uint32_t gen, lfh_identity **out, lfh_err *err);

/* Fresh operational keys (same agency and root as cur), in secure memory. */
int lfh_gen_new(const lfh_identity *cur, lfh_identity **out, lfh_err *err);

/* Store id as generation gen (>= 2) with its certificate. LFH_EEXIST if present. */
int lfh_gen_save(const char *dir, uint32_t gen, const lfh_identity *id, const uint8_t *cert,
		 size_t len, lfh_err *err);

/* Keys waiting for an offline certificate: replace / load (LFH_ENOTFOUND) / promote. */
int lfh_gen_pending_save(const char *dir, const lfh_identity *id, lfh_err *err);
int lfh_gen_pending_load(const char *dir, lfh_identity **out, lfh_err *err);
int lfh_gen_pending_install(const char *dir, uint32_t gen, const uint8_t *cert, size_t len,
			    lfh_err *err);

/*
 * Copy key directory src into dst (made with src's mode): its files and its
 * gen-N directories, each file with its own mode (secrets stay 0600), but
 * never root.key (the agency's root secret, to be kept offline, apart).
 */
int lfh_keydir_copy(const char *src, const char *dst, lfh_err *err);

#endif
