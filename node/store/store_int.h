/*
 * store_int.h - internals shared by node/store/store.c and node/store/store_state.c.
 *
 * Private to the store module: not part of its interface (that is all of
 * include/lfh/store.h) and not to be included by anything else. The
 * store's design notes are at the top of store.c; the st_ helpers are
 * defined there.
 */
#ifndef LFH_STORE_INT_H
#define LFH_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "lfh/store.h"

#define NAME_LEN 32

enum {
	DB_EVENTS,
	DB_LOG,
	DB_BY_AUTHOR,
	DB_BY_RCPT,
	DB_BY_SLOT,
	DB_BY_CASE,
	DB_CASES,
	DB_KEYS,
	DB_GRANTS,
	DB_PEERS,
	DB_META,
	DB_EVIDENCE,
	DB_AUDIT,
	DB_TABLES,
	DB_ENVELOPES,
	DB_COUNT
};

/* The named databases' names, indexed by DB_*. */
extern const char *const st_db_names[DB_COUNT];

struct lfh_store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	uint8_t *kek; /* sodium_malloc'd key-encryption key for `keys`, or NULL (lfh_store_set_kek) */
};

struct lfh_txn {
	lfh_store *s;
	MDB_txn *txn;
	int write;
	int broken;    /* an LMDB error happened in this write txn */
	int have_head; /* head is valid */
	uint64_t head; /* cached last key of `log` */
};

/* Key sizes. */
#define K_SLOT (NAME_LEN + NAME_LEN + 8)
#define K_CASE_IDX (LFH_CASE_LEN + 8 + LFH_ID_LEN)
#define K_KEY (LFH_CASE_LEN + NAME_LEN + NAME_LEN + 4)
#define K_GRANT (K_KEY + NAME_LEN)

/* ---- small helpers (store.c) ------------------------------------------ */

void st_put_be64(uint8_t *p, uint64_t v);
uint64_t st_get_be64(const uint8_t *p);
MDB_val st_val(const void *p, size_t n);
/* Map an LMDB error to LFH_ESTORE; a write txn that saw one is broken. */
int st_mdb_fail(lfh_txn *t, lfh_err *err, int rc, const char *what);
/* Zero-pad an agency id or category (1..31 bytes) to 32 bytes. */
int st_pad_name(uint8_t out[NAME_LEN], const char *name, const char *what, lfh_err *err);
int st_need_write(lfh_txn *t, lfh_err *err);
int st_need_txn(lfh_txn *t, lfh_err *err);
/* Scan callbacks: 0 go on, >0 stop (scan returns 0), <0 abort with it. */
int st_cb_result(int rc, int *stop);

/* ---- low-level get/put (store.c) -------------------------------------- */

/* mdb_get: 0 found, LFH_ENOTFOUND, or LFH_ESTORE. */
int st_db_get(lfh_txn *t, int db, const void *k, size_t kn, MDB_val *v, lfh_err *err,
	      const char *what);
int st_db_put(lfh_txn *t, int db, const void *k, size_t kn, const void *v, size_t vn,
	      unsigned flags, lfh_err *err, const char *what);
/* Last key of an 8-byte-keyed db as a u64 (0 if empty). */
int st_db_last_u64(lfh_txn *t, int db, uint64_t *last, lfh_err *err, const char *what);
/* The stored event with this id, its lseq and envelope: LFH_ENOTFOUND if none (never held, or
 * shredded). */
int st_event_by_id(lfh_txn *t, const uint8_t *id, uint64_t *lseq, const uint8_t **raw,
		   size_t *len, lfh_err *err);

#endif
