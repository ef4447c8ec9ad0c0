/*
 * ctl_import_table.c - what import_batch reads of a request and keeps in the
 * import table (ctl_import_int.h, PROTOCOL.md 10.3): the rows of a request,
 * each row's identity, and the marks that make a rerun refuse what an earlier
 * run refused (a refused case row's ext_id, a refused row's reason).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include "lfh/buf.h"
#include "lfh/store.h"

#include "ctl_import_int.h"

/* ---- the request: parts of base64, each a run of msgpack row records ---- */

static int decode_part(const char *b64, lfh_record *rows, size_t *n, lfh_err *err)
{
	size_t blen = strlen(b64), len = 0, off = 0;
	unsigned char *bin = malloc(blen / 4 * 3 + 3);
	msgpack_unpacked u;
	int rc = 0;

	if (!bin)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	if (sodium_base642bin(bin, blen / 4 * 3 + 3, b64, blen, NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(bin);
		return lfh_err_set(err, LFH_EINVAL, "import_batch: a part is not base64");
	}
	msgpack_unpacked_init(&u);
	while (rc == 0 && off < len) {
		size_t start = off;
		if (msgpack_unpack_next(&u, (const char *)bin, len, &off) != MSGPACK_UNPACK_SUCCESS) {
			rc = lfh_err_set(err, LFH_EINVAL, "import_batch: a part holds a malformed row");
			break;
		}
		if (*n == IMPORT_ROWS_MAX) {
			rc = lfh_err_set(err, LFH_EINVAL, "import_batch: more than %d rows",
					 IMPORT_ROWS_MAX);
			break;
		}
		memset(&rows[*n], 0, sizeof rows[*n]);
		if ((rc = lfh_record_decode(bin + start, off - start, &rows[*n], err)) != 0) {
			char why[LFH_ERRMSG_MAX]; /* (not formatted into itself) */
			snprintf(why, sizeof why, "%s", err->msg);
			rc = lfh_err_set(err, LFH_EINVAL, "import_batch: row %zu: %s", *n + 1, why);
		} else
			(*n)++;
	}
	msgpack_unpacked_destroy(&u);
	free(bin);
	return rc;
}

/* Every row of the request, or LFH_EINVAL when the request is malformed. */
int ctl_import_decode_rows(const lfh_record *req, lfh_record *rows, size_t *n, lfh_err *err)
{
	uint64_t declared = 0;
	char key[16];
	int rc = 0;

	*n = 0;
	if (!lfh_record_uint(req, "rows", &declared) || declared == 0 ||
	    declared > IMPORT_ROWS_MAX)
		return lfh_err_set(err, LFH_EINVAL, "import_batch: rows: expected 1 to %d",
				   IMPORT_ROWS_MAX);
	for (int i = 0; rc == 0 && i < IMPORT_PARTS_MAX; i++) {
		const char *part;
		snprintf(key, sizeof key, "p%02d", i);
		if ((part = lfh_record_str(req, key)))
			rc = decode_part(part, rows, n, err);
	}
	if (!rc && *n != declared)
		rc = lfh_err_set(err, LFH_EINVAL, "import_batch: %zu rows sent, %llu declared", *n,
				 (unsigned long long)declared);
	return rc;
}

/* ---- the row's identity -------------------------------------------------- */

int ctl_import_row_key(const lfh_record *row, uint8_t key[1 + IMPORT_DIGEST_LEN], lfh_err *err)
{
	lfh_record r = { 0 };
	lfh_buf b = { 0 };
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < row->n; i++) {
		const lfh_field *f = &row->f[i];
		if (!strcmp(f->key, "line"))
			continue;
		rc = f->kind == LFH_FIELD_STR ? lfh_record_set_str(&r, f->key, f->str, err)
					      : lfh_record_set_uint(&r, f->key, f->u, err);
	}
	if (!rc)
		rc = lfh_record_encode(&r, &b, err);
	if (!rc) {
		key[0] = 'r';
		crypto_generichash(key + 1, IMPORT_DIGEST_LEN, b.data, b.len, NULL, 0);
	}
	lfh_buf_free(&b);
	lfh_record_clear(&r);
	return rc;
}

int ctl_import_ext_key(const char *ext, uint8_t key[1 + IMPORT_EXT_ID_MAX])
{
	size_t len = strlen(ext);
	key[0] = 'c';
	memcpy(key + 1, ext, len);
	return (int)(len + 1);
}

/* ---- what a refused row leaves in the import table ----------------------- */

/*
 * A case row was refused: its ext_id is marked (one byte, where an imported
 * one maps to its case), so that the rows naming it are refused too, in this
 * batch and the next, never filed into a case holding that reference. A later
 * case row with that ext_id may still import it.
 */
int ctl_import_mark_refused_case(lfh_txn *t, const lfh_record *row, lfh_err *err)
{
	const char *kind = lfh_record_str(row, "kind"), *ext = lfh_record_str(row, "ext_id");
	uint8_t key[1 + IMPORT_EXT_ID_MAX];
	const uint8_t *v;
	size_t vlen;
	int rc;

	if (!kind || strcmp(kind, "case") || !ext || !*ext || strlen(ext) > IMPORT_EXT_ID_MAX)
		return 0;
	rc = lfh_store_tbl_get(t, LFH_TBL_IMPORT, key, (size_t)ctl_import_ext_key(ext, key), &v, &vlen, err);
	if (rc != LFH_ENOTFOUND)
		return rc == 0 ? 0 : rc; /* imported (by another row), or marked already */
	return lfh_store_tbl_put(t, LFH_TBL_IMPORT, key, (size_t)ctl_import_ext_key(ext, key),
				 (const uint8_t *)"", 1, err);
}

/*
 * A row an earlier run refused is refused again, for the reason it was
 * ('f' digest -> the reason), unless the request asks to check such rows
 * again: the rows a file imports do not depend on where an interrupted run
 * stopped (a note before its case row, refused on the first run, would
 * otherwise go in on the second). LFH_EINVAL and why, 0, or a store error.
 */
int ctl_import_refused_before(lfh_txn *t, const uint8_t key[1 + IMPORT_DIGEST_LEN], lfh_err *err)
{
	uint8_t fkey[1 + IMPORT_DIGEST_LEN];
	const uint8_t *v;
	size_t vlen;
	int rc;

	memcpy(fkey, key, sizeof fkey);
	fkey[0] = 'f';
	rc = lfh_store_tbl_get(t, LFH_TBL_IMPORT, fkey, sizeof fkey, &v, &vlen, err);
	if (rc == LFH_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	return lfh_err_set(err, LFH_EINVAL, "%.*s (refused by an earlier run; lfh import "
			   "--retry-refused checks it again)", (int)lfh_utf8_prefix(v, vlen, 180),
			   (const char *)v);
}

/* Keep why a row was refused, for the runs after (refused_before), unless it is kept. */
int ctl_import_keep_refusal(lfh_txn *t, const lfh_record *row, const char *why, int retry,
			    lfh_err *err)
{
	uint8_t key[1 + IMPORT_DIGEST_LEN];
	int rc;

	if (!retry && strstr(why, "(refused by an earlier run;"))
		return 0; /* refused for what is kept already */
	if ((rc = ctl_import_row_key(row, key, err)))
		return rc == LFH_ENOMEM ? rc : 0; /* a row that has no key was never sent by lfh */
	key[0] = 'f';
	return lfh_store_tbl_put(t, LFH_TBL_IMPORT, key, sizeof key, (const uint8_t *)why,
				 lfh_utf8_prefix((const uint8_t *)why, strlen(why), 180), err);
}
