/*
 * test_store_format.c - unit tests for where node/store/store.c keeps an
 * event (store format 3, PROTOCOL.md 13.2), seen through the raw LMDB files
 * as another build (or a curious admin) sees them: `events` holds id ->
 * lseq, the envelope is in `envelopes` under its lseq; an earlier build's
 * event, kept inline in `events`, still reads, scans and shreds; an event
 * listed again for a new recipient (at a log position no envelope takes)
 * still lists with its envelope.
 *
 * The fixture (store_fixture.h) gives each test a fresh store; the events
 * and scans are store_events.h's.
 */
#define _XOPEN_SOURCE 700
#include "store_fixture.h"
#include "store_events.h"

#include <lmdb.h>
#include <sodium.h>

#include "lfh/store.h"

/* ---- the raw LMDB files, as another build (or a curious admin) sees them */

/* The store closed, its environment opened directly, a write txn begun. */
static MDB_txn *raw_begin(fixture *f, MDB_env **env)
{
	MDB_txn *txn;

	lfh_store_close(f->s);
	f->s = NULL;
	assert_int_equal(mdb_env_create(env), 0);
	assert_int_equal(mdb_env_set_maxdbs(*env, 32), 0);
	assert_int_equal(mdb_env_open(*env, f->dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(*env, NULL, 0, &txn), 0);
	return txn;
}

static void raw_end(fixture *f, MDB_env *env, MDB_txn *txn)
{
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	reopen(f);
}

static MDB_dbi raw_db(MDB_txn *txn, const char *name)
{
	MDB_dbi dbi;
	assert_int_equal(mdb_dbi_open(txn, name, 0, &dbi), 0);
	return dbi;
}

static size_t raw_entries(MDB_txn *txn, const char *name)
{
	MDB_stat st;
	assert_int_equal(mdb_stat(txn, raw_db(txn, name), &st), 0);
	return st.ms_entries;
}

static void be64(uint8_t p[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/*
 * `events` holds only id -> lseq (8 bytes); the envelope is in `envelopes`
 * under its lseq, in order. Shredding an event removes both.
 */
static void test_envelopes_by_lseq(void **state)
{
	fixture *f = *state;
	tev e[3];
	lfh_txn *t;
	MDB_env *env;
	MDB_txn *txn;
	MDB_val k, v;
	uint8_t seq[8];
	const uint8_t *raw;
	size_t len;
	lfh_err err = { 0 };
	collect c = { 0 };

	for (int i = 0; i < 3; i++)
		mkev(&e[i], "police", (uint64_t)i + 1, 100 + (uint64_t)i, (uint8_t)(i + 1),
		     i == 1 ? "council:1" : "health:1", NULL);
	e[2].ev.rcpt[0].ctr = 2;
	t = begin(f, 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(put_ok(t, &e[i]).lseq, (uint64_t)i + 1);
	commit(t);

	txn = raw_begin(f, &env);
	assert_int_equal(raw_entries(txn, "envelopes"), 3);
	k = (MDB_val){ LFH_ID_LEN, e[1].id };
	assert_int_equal(mdb_get(txn, raw_db(txn, "events"), &k, &v), 0);
	be64(seq, 2);
	assert_int_equal(v.mv_size, 8);
	assert_memory_equal(v.mv_data, seq, 8);
	k = (MDB_val){ 8, seq };
	assert_int_equal(mdb_get(txn, raw_db(txn, "envelopes"), &k, &v), 0);
	assert_int_equal(v.mv_size, e[1].len);
	assert_memory_equal(v.mv_data, e[1].raw, e[1].len);
	raw_end(f, env, txn);

	t = begin(f, 1);
	assert_int_equal(lfh_store_shred_event(t, e[1].id, e[1].ev.case_id, e[1].ev.hlc, &err), 0);
	commit(t);
	t = begin(f, 0);
	assert_int_equal(lfh_store_get_event(t, e[1].id, &raw, &len, &err), LFH_ENOTFOUND);
	assert_int_equal(lfh_store_get_event(t, e[2].id, &raw, &len, &err), 0);
	assert_memory_equal(raw, e[2].raw, e[2].len);
	assert_int_equal(lfh_store_scan_case(t, e[1].ev.case_id, collect_fn, &c, NULL), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(count_of(t), 2);
	lfh_txn_abort(t);
	txn = raw_begin(f, &env);
	assert_int_equal(raw_entries(txn, "envelopes"), 2);
	k = (MDB_val){ 8, seq };
	assert_int_equal(mdb_get(txn, raw_db(txn, "envelopes"), &k, &v), MDB_NOTFOUND);
	raw_end(f, env, txn);
}

/*
 * A store written by an earlier build keeps each envelope inline in
 * `events` (lseq, then the envelope): such an event reads, scans, is found
 * again on a duplicate put and shreds as before; new events go beside it.
 */
/*
 * An event listed again for a new recipient (lfh_store_rcpt_add) sits at a
 * new log position, where no envelope is: its recipient's listing still
 * gives its envelope (by its id), and the next new event's envelope comes
 * from its own position.
 */
static void test_scan_rcpt_relisted(void **state)
{
	fixture *f = *state;
	tev a, b;
	lfh_txn *t;
	collect c = { 0 };

	mkev(&a, "police", 1, 100, 1, "council:1", NULL);
	mkev(&b, "police", 2, 101, 2, "council:2,housing:1", NULL);
	t = begin(f, 1);
	put_ok(t, &a);
	assert_int_equal(lfh_store_rcpt_add(t, "housing", a.id, NULL), 0);
	assert_int_equal(put_ok(t, &b).lseq, 3);
	commit(t);
	t = begin(f, 0);
	assert_int_equal(lfh_store_scan_rcpt(t, "housing", 0, collect_fn, &c, NULL), 0);
	const tev *want[] = { &a, &b };
	assert_ids(&c, want, 2);
	assert_int_equal(c.keys[0], 2);
	assert_int_equal(c.keys[1], 3);
	lfh_txn_abort(t);
}

static void test_earlier_build_values(void **state)
{
	fixture *f = *state;
	tev old, a, b;
	lfh_txn *t;
	MDB_env *env;
	MDB_txn *txn;
	MDB_val k, v;
	uint8_t seq[8], val[8 + sizeof old.raw], ck[LFH_CASE_LEN + 8 + LFH_ID_LEN];
	const uint8_t *raw;
	size_t len;
	lfh_put_result r = { 0, 0 };
	lfh_err err = { 0 };
	collect c = { 0 };

	mkev(&a, "police", 1, 100, 1, "health:1", NULL);
	mkev(&old, "police", 2, 200, 2, "health:2", NULL);
	mkev(&b, "police", 3, 300, 3, "health:3", NULL);
	t = begin(f, 1);
	put_ok(t, &a);
	commit(t);

	/* what the earlier build wrote for `old`: lseq 2, inline */
	txn = raw_begin(f, &env);
	be64(seq, 2);
	memcpy(val, seq, 8);
	memcpy(val + 8, old.raw, old.len);
	k = (MDB_val){ LFH_ID_LEN, old.id };
	v = (MDB_val){ 8 + old.len, val };
	assert_int_equal(mdb_put(txn, raw_db(txn, "events"), &k, &v, 0), 0);
	k = (MDB_val){ 8, seq };
	v = (MDB_val){ LFH_ID_LEN, old.id };
	assert_int_equal(mdb_put(txn, raw_db(txn, "log"), &k, &v, 0), 0);
	memcpy(ck, old.ev.case_id, LFH_CASE_LEN);
	be64(ck + LFH_CASE_LEN, old.ev.hlc);
	memcpy(ck + LFH_CASE_LEN + 8, old.id, LFH_ID_LEN);
	k = (MDB_val){ sizeof ck, ck };
	v = (MDB_val){ 0, "" };
	assert_int_equal(mdb_put(txn, raw_db(txn, "by_case"), &k, &v, 0), 0);
	memset(ck, 0, sizeof ck); /* by_rcpt: the recipient's name padded to 32 bytes, then lseq */
	memcpy(ck, "health", 6);
	memcpy(ck + 32, seq, 8);
	k = (MDB_val){ 32 + 8, ck };
	v = (MDB_val){ LFH_ID_LEN, old.id };
	assert_int_equal(mdb_put(txn, raw_db(txn, "by_rcpt"), &k, &v, 0), 0);
	raw_end(f, env, txn);

	t = begin(f, 1);
	assert_int_equal(lfh_store_get_event(t, old.id, &raw, &len, &err), 0);
	assert_int_equal(len, old.len);
	assert_memory_equal(raw, old.raw, old.len);
	assert_int_equal(lfh_store_scan_case(t, old.ev.case_id, collect_fn, &c, NULL), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(put(t, &old, &r, &err), 0);
	assert_int_equal(r.was_new, 0);
	assert_int_equal(r.lseq, 2);
	assert_int_equal(put_ok(t, &b).lseq, 3);
	commit(t);

	/* a recipient's listing: a and b from `envelopes` by their lseq, old inline (by its id) */
	t = begin(f, 0);
	memset(&c, 0, sizeof c);
	assert_int_equal(lfh_store_scan_rcpt(t, "health", 0, collect_fn, &c, NULL), 0);
	const tev *all[] = { &a, &old, &b };
	assert_ids(&c, all, 3);
	lfh_txn_abort(t);

	t = begin(f, 1);
	assert_int_equal(lfh_store_shred_event(t, old.id, old.ev.case_id, old.ev.hlc, &err), 0);
	commit(t);
	t = begin(f, 0);
	memset(&c, 0, sizeof c);
	assert_int_equal(lfh_store_scan_rcpt(t, "health", 0, collect_fn, &c, NULL), 0);
	const tev *left[] = { &a, &b };
	assert_ids(&c, left, 2);
	assert_int_equal(lfh_store_get_event(t, old.id, &raw, &len, &err), LFH_ENOTFOUND);
	assert_int_equal(lfh_store_get_event(t, b.id, &raw, &len, &err), 0);
	assert_memory_equal(raw, b.raw, b.len);
	assert_int_equal(count_of(t), 2);
	lfh_txn_abort(t);
	txn = raw_begin(f, &env);
	assert_int_equal(raw_entries(txn, "envelopes"), 2); /* a's and b's */
	raw_end(f, env, txn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_envelopes_by_lseq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_rcpt_relisted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_earlier_build_values, setup, teardown),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("store format", tests, NULL, NULL);
}
