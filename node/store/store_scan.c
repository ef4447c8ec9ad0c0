/*
 * store_scan.c - reading the store's event indexes back (include/lfh/store.h):
 * a recipient's events in log order, an author's by seq, a slot's range, a
 * case's by HLC, and an author's events around a seq (the clock rules).
 * Each index entry names an event by id (or, for a recipient's listing, by
 * log position too); the envelope comes from store.c's tables. Internals
 * shared with store.c are in store_int.h.
 */
#include <string.h>

#include "lfh/event.h"
#include "lfh/store.h"

#include "store_int.h"

typedef struct index_scan {
	int db;
	const uint8_t *start; /* first key to seek to */
	size_t start_len;
	size_t prefix_len;    /* keys must share start[0..prefix_len) */
	size_t num_off;       /* offset of the BE u64 reported as key */
	uint64_t num_max;     /* stop after this number (inclusive) */
	long id_off;          /* offset of the id in the key, or -1: value */
	int num_is_lseq;      /* the number is a log position: a new event's envelope is there */
} index_scan;

/*
 * The envelope of the event an index entry at log position lseq names: an
 * event put since store format 3 has it in `envelopes` under that very
 * position (its lseq), so the `events` lookup by id is saved; an earlier
 * build's event (inline), a shredded one, or an event listed again for a
 * new recipient (lfh_store_rcpt_add: a position no envelope ever takes) is
 * found by its id.
 */
static int envelope_at(lfh_txn *t, uint64_t lseq, const uint8_t *id, const uint8_t **raw,
		       size_t *len, lfh_err *err)
{
	uint8_t seq[8];
	MDB_val env;
	uint64_t at;
	int rc;

	st_put_be64(seq, lseq);
	rc = st_db_get(t, DB_ENVELOPES, seq, sizeof seq, &env, err, "envelopes");
	if (rc == 0) {
		*raw = env.mv_data;
		*len = env.mv_size;
		return 0;
	}
	if (rc != LFH_ENOTFOUND)
		return rc;
	return st_event_by_id(t, id, &at, raw, len, err);
}

/* Resolve one index entry to (number, id, envelope) and call fn. */
static int scan_entry(lfh_txn *t, const index_scan *sc, const MDB_val *k, const MDB_val *v,
		      lfh_scan_fn fn, void *ctx, int *stop, lfh_err *err)
{
	const uint8_t *kp = k->mv_data, *id, *raw = NULL;
	uint64_t lseq;
	size_t len = 0;
	int rc;

	if (k->mv_size < sc->num_off + 8 ||
	    (sc->id_off >= 0 ? k->mv_size < (size_t)sc->id_off + LFH_ID_LEN
			     : v->mv_size != LFH_ID_LEN))
		return lfh_err_set(err, LFH_ESTORE, "%s: corrupt entry", st_db_names[sc->db]);
	uint64_t num = st_get_be64(kp + sc->num_off);
	if (num > sc->num_max) {
		*stop = 1;
		return 0;
	}
	id = sc->id_off >= 0 ? kp + sc->id_off : v->mv_data;
	rc = sc->num_is_lseq ? envelope_at(t, num, id, &raw, &len, err)
			     : st_event_by_id(t, id, &lseq, &raw, &len, err);
	if (rc == LFH_ENOTFOUND)
		return 0; /* shredded: its slots stay indexed, its bytes are gone */
	if (rc)
		return rc;
	return st_cb_result(fn(ctx, num, id, raw, len), stop);
}

static int index_scan_run(lfh_txn *t, const index_scan *sc, lfh_scan_fn fn, void *ctx,
			  lfh_err *err)
{
	MDB_cursor *c = NULL;
	MDB_val k = st_val(sc->start, sc->start_len), v;
	int stop = 0, rc;

	if (!fn)
		return lfh_err_set(err, LFH_EINVAL, "store: no scan callback");
	rc = mdb_cursor_open(t->txn, t->s->dbi[sc->db], &c);
	if (rc)
		return st_mdb_fail(t, err, rc, st_db_names[sc->db]);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size < sc->prefix_len || memcmp(k.mv_data, sc->start, sc->prefix_len))
			break;
		int src = scan_entry(t, sc, &k, &v, fn, ctx, &stop, err);
		if (src) {
			rc = src;
			goto fail;
		}
		if (stop)
			break;
	}
	if (rc != 0 && rc != MDB_NOTFOUND) {
		rc = st_mdb_fail(t, err, rc, st_db_names[sc->db]);
		goto fail;
	}
	mdb_cursor_close(c);
	return 0;
fail:
	mdb_cursor_close(c);
	return rc;
}

int lfh_store_scan_rcpt(lfh_txn *t, const char *rcpt, uint64_t after, lfh_scan_fn fn,
			void *ctx, lfh_err *err)
{
	uint8_t k[NAME_LEN + 8];
	int rc;
	if ((rc = st_need_txn(t, err)) || (rc = st_pad_name(k, rcpt, "recipient", err)))
		return rc;
	if (after == UINT64_MAX)
		return 0;
	st_put_be64(k + NAME_LEN, after + 1);
	index_scan sc = { .db = DB_BY_RCPT, .start = k, .start_len = sizeof k,
			  .prefix_len = NAME_LEN, .num_off = NAME_LEN,
			  .num_max = UINT64_MAX, .id_off = -1, .num_is_lseq = 1 };
	return index_scan_run(t, &sc, fn, ctx, err);
}

int lfh_store_scan_slots(lfh_txn *t, const char *author, const char *rcpt, uint64_t from,
			 uint64_t to, lfh_scan_fn fn, void *ctx, lfh_err *err)
{
	uint8_t k[K_SLOT];
	int rc;
	if ((rc = st_need_txn(t, err)) || (rc = st_pad_name(k, author, "author", err)) ||
	    (rc = st_pad_name(k + NAME_LEN, rcpt, "recipient", err)))
		return rc;
	if (from > to)
		return 0;
	st_put_be64(k + 2 * NAME_LEN, from);
	index_scan sc = { .db = DB_BY_SLOT, .start = k, .start_len = sizeof k,
			  .prefix_len = 2 * NAME_LEN, .num_off = 2 * NAME_LEN,
			  .num_max = to, .id_off = -1 };
	return index_scan_run(t, &sc, fn, ctx, err);
}

int lfh_store_scan_case(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], lfh_scan_fn fn,
			void *ctx, lfh_err *err)
{
	return lfh_store_scan_case_from(t, case_id, 0, fn, ctx, err);
}

int lfh_store_scan_case_from(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], uint64_t from_hlc,
			     lfh_scan_fn fn, void *ctx, lfh_err *err)
{
	uint8_t start[LFH_CASE_LEN + 8];
	int rc;
	if ((rc = st_need_txn(t, err)))
		return rc;
	if (!case_id)
		return lfh_err_set(err, LFH_EINVAL, "store: no case id");
	memcpy(start, case_id, LFH_CASE_LEN);
	st_put_be64(start + LFH_CASE_LEN, from_hlc);
	index_scan sc = { .db = DB_BY_CASE, .start = start, .start_len = sizeof start,
			  .prefix_len = LFH_CASE_LEN, .num_off = LFH_CASE_LEN,
			  .num_max = UINT64_MAX, .id_off = LFH_CASE_LEN + 8 };
	return index_scan_run(t, &sc, fn, ctx, err);
}

int lfh_store_scan_author(lfh_txn *t, const char *author, uint64_t from, lfh_scan_fn fn,
			  void *ctx, lfh_err *err)
{
	uint8_t k[NAME_LEN + 8];
	int rc;
	if ((rc = st_need_txn(t, err)) || (rc = st_pad_name(k, author, "author", err)))
		return rc;
	st_put_be64(k + NAME_LEN, from);
	index_scan sc = { .db = DB_BY_AUTHOR, .start = k, .start_len = sizeof k,
			  .prefix_len = NAME_LEN, .num_off = NAME_LEN,
			  .num_max = UINT64_MAX, .id_off = -1 };
	return index_scan_run(t, &sc, fn, ctx, err);
}

/* The HLC of the event whose by_author entry the cursor is on (0 if shredded or unreadable). */
static uint64_t entry_hlc(lfh_txn *t, const MDB_val *v)
{
	const uint8_t *raw;
	size_t len;
	lfh_event ev = { 0 };
	uint64_t hlc = 0;

	if (v->mv_size != LFH_ID_LEN || lfh_store_get_event(t, v->mv_data, &raw, &len, NULL))
		return 0;
	if (lfh_event_decode(raw, len, &ev, NULL) == 0)
		hlc = ev.hlc;
	lfh_event_clear(&ev);
	return hlc;
}

int lfh_store_author_hlc_around(lfh_txn *t, const char *author, uint64_t seq, uint64_t *below,
				uint64_t *above, lfh_err *err)
{
	uint8_t k[NAME_LEN + 8];
	MDB_cursor *c = NULL;
	MDB_val mk, v;
	int rc;

	*below = 0;
	*above = UINT64_MAX;
	if ((rc = st_need_txn(t, err)) || (rc = st_pad_name(k, author, "author", err)))
		return rc;
	if ((rc = mdb_cursor_open(t->txn, t->s->dbi[DB_BY_AUTHOR], &c)))
		return st_mdb_fail(t, err, rc, "by_author");
	st_put_be64(k + NAME_LEN, seq);
	mk = st_val(k, sizeof k);
	rc = mdb_cursor_get(c, &mk, &v, MDB_SET_RANGE);
	while (rc == 0 && mk.mv_size == sizeof k && !memcmp(mk.mv_data, k, NAME_LEN) &&
	       st_get_be64((const uint8_t *)mk.mv_data + NAME_LEN) == seq)
		rc = mdb_cursor_get(c, &mk, &v, MDB_NEXT); /* this seq itself: not a neighbour */
	if (rc == 0 && mk.mv_size == sizeof k && !memcmp(mk.mv_data, k, NAME_LEN))
		*above = entry_hlc(t, &v);
	mk = st_val(k, sizeof k);
	rc = mdb_cursor_get(c, &mk, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(c, &mk, &v, MDB_PREV) : mdb_cursor_get(c, &mk, &v, MDB_LAST);
	if (rc == 0 && mk.mv_size == sizeof k && !memcmp(mk.mv_data, k, NAME_LEN))
		*below = entry_hlc(t, &v);
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return st_mdb_fail(t, err, rc, "by_author");
	return 0;
}

