/*
 * ctl_import_int.h - the parts of import_batch (node/control/ctl_import.c)
 * that read its request and keep what it imported or refused in
 * LFH_TBL_IMPORT (node/control/ctl_import_table.c, PROTOCOL.md 10.3).
 */
#ifndef LFH_CTL_IMPORT_INT_H
#define LFH_CTL_IMPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/err.h"
#include "lfh/record.h"
#include "lfh/store.h"

#define IMPORT_ROWS_MAX 4000  /* rows a request */
#define IMPORT_PARTS_MAX 50   /* its parts p00..p49 */
#define IMPORT_EXT_ID_MAX 63  /* a case row's ext_id */
#define IMPORT_DIGEST_LEN 16  /* a row's identity */

/* Every row of the request (at most IMPORT_ROWS_MAX), or LFH_EINVAL when it is malformed. */
int ctl_import_decode_rows(const lfh_record *req, lfh_record *rows, size_t *n, lfh_err *err);

/* A row's key in the table: 'r' and the digest of its record without line (with occ). */
int ctl_import_row_key(const lfh_record *row, uint8_t key[1 + IMPORT_DIGEST_LEN], lfh_err *err);

/* A case row's ext_id's key in the table ('c' ext_id); its length. */
int ctl_import_ext_key(const char *ext, uint8_t key[1 + IMPORT_EXT_ID_MAX]);

/* A refused case row: its ext_id marked, so the rows naming it are refused too. */
int ctl_import_mark_refused_case(lfh_txn *t, const lfh_record *row, lfh_err *err);

/* The row of key refused by an earlier run: LFH_EINVAL with its reason, else 0 (or a store error). */
int ctl_import_refused_before(lfh_txn *t, const uint8_t key[1 + IMPORT_DIGEST_LEN], lfh_err *err);

/* Keep why row was refused, for the runs after (unless kept already and not retry). */
int ctl_import_keep_refusal(lfh_txn *t, const lfh_record *row, const char *why, int retry,
			    lfh_err *err);

#endif
