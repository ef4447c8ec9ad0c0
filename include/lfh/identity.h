/*
 * identity.h - an agency's long-term keys, on disk and in memory.
 *
 * A key directory holds:
 *   root.key   64 bytes, Ed25519 secret key of the agency's long-term ROOT
 *              identity (libsodium layout)                        mode 0600
 *              OPTIONAL once created: the root only certifies operational
 *              keys, so its secret may be moved offline; the node never
 *              needs it and lfh_identity never holds it
 *   sign.key   64 bytes, Ed25519 secret key (libsodium layout)   mode 0600
 *   box.key    32 bytes, X25519 secret key (sealed sharing keys) mode 0600
 *   curve.key  32 bytes, CURVE transport secret key              mode 0600
 *   public.ini the public part (below), mode 0644
 * public.ini is the public part, in the format of include/lfh/pubkeys.h.
 * Secrets are held in sodium_malloc'd memory and wiped on free.
 */
#ifndef LFH_IDENTITY_H
#define LFH_IDENTITY_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/pubkeys.h"

/* The operational secrets; never the root secret (see lfh_root_load). */
typedef struct lfh_identity {
	lfh_pubkeys pub;
	uint8_t sign_sk[64];
	uint8_t box_sk[32];
	uint8_t curve_sk[32];
} lfh_identity;

/*
 * Create a new identity for agency in dir (created 0700 if missing): root,
 * sign, box and curve key pairs. Refuses (LFH_EEXIST) if any key file
 * already exists; writes secrets with mode 0600 through a temporary file and
 * rename, so a crash leaves no partial key.
 */
int lfh_identity_generate(const char *agency, const char *dir, lfh_err *err);

/*
 * Load an identity from dir: checks sizes, that secret files are not
 * readable by group/other (LFH_EPERM otherwise), and that public.ini matches
 * the secrets. root.key may be absent (kept offline); if present it is
 * checked the same way (size, permissions, matches public.ini's root) and
 * then forgotten: *out never holds the root secret. *out is sodium_malloc'd;
 * free with lfh_identity_free.
 */
int lfh_identity_load(const char *dir, lfh_identity **out, lfh_err *err);
void lfh_identity_free(lfh_identity *id);

/* Load dir/root.key into sk (caller provides 64 bytes, ideally sodium_malloc'd): 0, LFH_ENOTFOUND if the file is absent (root kept offline), or an error (bad size, permissions, does not match public.ini's root). */
int lfh_root_load(const char *dir, uint8_t sk[64], lfh_err *err);

/*
 * Deterministic identity from a 32-byte seed (test vectors, benchmarks),
 * including pub.root_pk (the root secret is not kept: see lfh_root_from_seed).
 */
int lfh_identity_from_seed(const char *agency, const uint8_t seed[32], lfh_identity **out, lfh_err *err);

/*
 * The root key pair lfh_identity_from_seed derives from seed (tests: to
 * certify with it). sk: 64 bytes, ideally sodium_malloc'd.
 */
void lfh_root_from_seed(const uint8_t seed[32], uint8_t pk[32], uint8_t sk[64]);

/* Write id's operational secrets (0600) and public.ini into dir, never replacing a file. */
int lfh_identity_save(const lfh_identity *id, const char *dir, lfh_err *err);

/* The key directory's format: 2 has a root key (public.ini root =) and keydir.ini. */
#define LFH_KEYDIR_FORMAT 2

/* fsync a directory, so that a rename or link in it is durable. */
int lfh_dir_fsync(const char *dir, lfh_err *err);

/* Create dir/name with data (mode 0644) durably, never replacing a file (LFH_EEXIST). */
int lfh_file_write_new(const char *dir, const char *name, const void *data, size_t len,
		       lfh_err *err);

/* Replace dir/name with data (mode) atomically and durably (write, fsync, rename). */
int lfh_file_replace(const char *dir, const char *name, const void *data, size_t len,
		     mode_t mode, lfh_err *err);

/* Read dir/name (at most max bytes, else LFH_ETOOBIG) into out; LFH_ENOTFOUND if absent. */
int lfh_file_read(const char *dir, const char *name, size_t max, lfh_buf *out, lfh_err *err);

/*
 * The node's store key, dir/store.key (32 bytes, mode 0600): the
 * key-encryption key the node keeps every sharing key under in its store
 * (lfh_store_set_kek, include/lfh/store.h), so that a copy of data.mdb
 * without the key directory opens nothing. Made on first use, never
 * replaced; a backup must hold it with the store. kek: 32 bytes, ideally
 * sodium_malloc'd.
 */
int lfh_kek_load(const char *dir, uint8_t kek[32], lfh_err *err);

/* 1 if dir holds a store key (dir/store.key), else 0. */
int lfh_kek_exists(const char *dir);

#endif
