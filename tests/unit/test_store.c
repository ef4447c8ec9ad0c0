/*
 * test_store.c - unit tests for node/store/store.c (LMDB store): opening,
 * transactions, events (put, get, duplicates, equivocation), the log and
 * the recipient, slot, case and author indexes, durability, name limits,
 * a full map and many events. Where an envelope is kept, and an earlier
 * build's events: test_store_format.c.
 *
 * The fixture (store_fixture.h) gives each test a fresh store. Events are
 * built directly as lfh_event structs with an arbitrary distinct blob as
 * the "envelope".
 */
#define _XOPEN_SOURCE 700
#include "store_fixture.h"
#include "store_events.h"

#include <lmdb.h>
#include <sodium.h>

#include "lfh/store.h"

/* ---- tests ------------------------------------------------------------- */

static void test_open_modes_and_empty(void **state)
{
	fixture *f = *state;
	struct stat st;
	char path[160];
	lfh_txn *t;

	assert_int_equal(stat(f->dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof path, "%s/data.mdb", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	t = begin(f, 0);
	assert_int_equal(head_of(t), 0);
	assert_int_equal(count_of(t), 0);
	assert_int_equal(evidence_of(t), 0);
	lfh_txn_abort(t);
	lfh_txn_abort(NULL);
	lfh_store_close(NULL);
}

static void test_put_get(void **state)
{
	fixture *f = *state;
	tev a, b;
	const uint8_t *raw = NULL;
	size_t len = 0;
	lfh_err err = { 0 };
	lfh_txn *t;

	mkev(&a, "police", 1, 100, 1, "council:1,health:1", NULL);
	mkev(&b, "police", 2, 101, 1, "council:2", NULL);
	t = begin(f, 1);
	lfh_put_result r = put_ok(t, &a);
	assert_int_equal(r.was_new, 1);
	assert_int_equal(r.lseq, 1);
	r = put_ok(t, &b);
	assert_int_equal(r.was_new, 1);
	assert_int_equal(r.lseq, 2);
	/* visible inside the write txn */
	assert_int_equal(lfh_store_get_event(t, a.id, &raw, &len, &err), 0);
	assert_int_equal(len, a.len);
	assert_memory_equal(raw, a.raw, a.len);
	commit(t);

	t = begin(f, 0);
	assert_int_equal(lfh_store_get_event(t, b.id, &raw, &len, &err), 0);
	assert_int_equal(len, b.len);
	assert_memory_equal(raw, b.raw, b.len);
	uint8_t nope[LFH_ID_LEN] = { 0 };
	assert_int_equal(lfh_store_get_event(t, nope, &raw, &len, &err), LFH_ENOTFOUND);
	assert_int_equal(err.code, LFH_ENOTFOUND);
	assert_int_equal(lfh_store_has_event(t, a.id, &err), 1);
	assert_int_equal(lfh_store_has_event(t, nope, &err), 0);
	assert_int_equal(lfh_store_has_event(t, NULL, &err), LFH_EINVAL);
	assert_int_equal(head_of(t), 2);
	assert_int_equal(count_of(t), 2);
	lfh_txn_abort(t);
}

static void test_duplicate_put(void **state)
{
	fixture *f = *state;
	tev a, b;
	lfh_txn *t;
	collect c = { 0 };

	mkev(&a, "police", 1, 100, 1, "council:1", NULL);
	mkev(&b, "police", 2, 101, 1, "council:2", NULL);
	t = begin(f, 1);
	assert_int_equal(put_ok(t, &a).lseq, 1);
	lfh_put_result r = put_ok(t, &a);
	assert_int_equal(r.was_new, 0);
	assert_int_equal(r.lseq, 1);
	assert_int_equal(put_ok(t, &b).lseq, 2);
	commit(t);

	/* duplicate in a later txn: same lseq, nothing new logged */
	t = begin(f, 1);
	r = put_ok(t, &a);
	assert_int_equal(r.was_new, 0);
	assert_int_equal(r.lseq, 1);
	r = put_ok(t, &b);
	assert_int_equal(r.was_new, 0);
	assert_int_equal(r.lseq, 2);
	commit(t);

	t = begin(f, 0);
	assert_int_equal(head_of(t), 2);
	assert_int_equal(count_of(t), 2);
	assert_int_equal(evidence_of(t), 0);
	assert_int_equal(lfh_store_scan_rcpt(t, "council", 0, collect_fn, &c, NULL), 0);
	assert_int_equal(c.n, 2);
	lfh_txn_abort(t);
}

static void test_equivocation_author_seq(void **state)
{
	fixture *f = *state;
	tev a, a2, a3, b;
	const uint8_t *raw;
	size_t len;
	lfh_err err = { 0 };
	lfh_put_result r;
	lfh_txn *t;

	mkev(&a, "police", 1, 100, 1, "council:1", "first");
	mkev(&a2, "police", 1, 100, 1, "health:1", "second"); /* same (author, seq) */
	mkev(&b, "police", 2, 102, 1, "council:2", NULL);
	t = begin(f, 1);
	put_ok(t, &a);
	assert_int_equal(put(t, &a2, &r, &err), LFH_EEQUIV);
	assert_int_equal(err.code, LFH_EEQUIV);
	assert_non_null(strstr(err.msg, "police"));
	assert_non_null(strstr(err.msg, "seq 1"));
	assert_int_equal(r.was_new, 0);
	/* again: still equivocation, still one piece of evidence */
	assert_int_equal(put(t, &a2, &r, &err), LFH_EEQUIV);
	/* a third variant of the same slot: refused, not kept (one evidence per slot) */
	mkev(&a3, "police", 1, 100, 1, "housing:1", "third");
	assert_int_equal(put(t, &a3, &r, &err), LFH_EEQUIV);
	/* the txn stays usable */
	assert_int_equal(put_ok(t, &b).lseq, 2);
	commit(t);

	reopen(f);
	t = begin(f, 0);
	assert_int_equal(evidence_of(t), 1);
	assert_int_equal(count_of(t), 2);
	assert_int_equal(head_of(t), 2);
	assert_int_equal(lfh_store_get_event(t, a.id, &raw, &len, &err), 0);
	assert_memory_equal(raw, a.raw, a.len);
	assert_int_equal(lfh_store_get_event(t, a2.id, &raw, &len, &err), LFH_ENOTFOUND);
	/* nothing of a2 was indexed */
	collect c = { 0 };
	assert_int_equal(lfh_store_scan_rcpt(t, "health", 0, collect_fn, &c, NULL), 0);
	assert_int_equal(c.n, 0);
	lfh_txn_abort(t);
}

static void test_equivocation_slot(void **state)
{
	fixture *f = *state;
	tev a, x;
	lfh_err err = { 0 };
	lfh_txn *t;

	mkev(&a, "police", 1, 100, 1, "council:1,health:1", NULL);
	/* different seq, but reuses police->health ctr 1 */
	mkev(&x, "police", 2, 101, 2, "council:2,health:1", NULL);
	t = begin(f, 1);
	put_ok(t, &a);
	assert_int_equal(put(t, &x, NULL, &err), LFH_EEQUIV);
	assert_non_null(strstr(err.msg, "police"));
	assert_non_null(strstr(err.msg, "health"));
	assert_int_equal(evidence_of(t), 1);
	assert_int_equal(count_of(t), 1);
	assert_int_equal(head_of(t), 1);

	collect c = { 0 };
	assert_int_equal(lfh_store_scan_author(t, "police", 0, collect_fn, &c, NULL), 0);
	const tev *want[] = { &a };
	assert_ids(&c, want, 1);
	memset(&c, 0, sizeof c);
	assert_int_equal(lfh_store_scan_rcpt(t, "council", 0, collect_fn, &c, NULL), 0);
	assert_ids(&c, want, 1);
	memset(&c, 0, sizeof c);
	uint8_t cid[LFH_CASE_LEN];
	memset(cid, 2, sizeof cid);
	assert_int_equal(lfh_store_scan_case(t, cid, collect_fn, &c, NULL), 0);
	assert_int_equal(c.n, 0);
	commit(t);
}

static void test_scan_rcpt(void **state)
{
	fixture *f = *state;
	tev e[6];
	lfh_txn *t;
	lfh_err err = { 0 };
	collect c = { 0 };

	mkev(&e[0], "police", 1, 10, 1, "council:1,health:1", NULL); /* lseq 1 */
	mkev(&e[1], "police", 2, 11, 1, "health:2", NULL);           /* lseq 2 */
	mkev(&e[2], "health", 1, 12, 1, "council:1", NULL);          /* lseq 3 */
	mkev(&e[3], "council", 1, 13, 1, "health:1,police:1", NULL); /* lseq 4 */
	mkev(&e[4], "police", 3, 14, 1, "council:2", NULL);          /* lseq 5 */
	/* "council2" shares the prefix "council" but is another agency */
	mkev(&e[5], "police", 4, 15, 1, "council2:1", NULL);         /* lseq 6 */
	t = begin(f, 1);
	for (int i = 0; i < 6; i++)
		assert_int_equal(put_ok(t, &e[i]).lseq, (uint64_t)i + 1);
	commit(t);

	t = begin(f, 0);
	assert_int_equal(lfh_store_scan_rcpt(t, "council", 0, collect_fn, &c, &err), 0);
	const tev *all[] = { &e[0], &e[2], &e[4] };
	assert_ids(&c, all, 3);
	assert_int_equal(c.keys[0], 1);
	assert_int_equal(c.keys[1], 3);
	assert_int_equal(c.keys[2], 5);

	/* after cursor */
	memset(&c, 0, sizeof c);
	assert_int_equal(lfh_store_scan_rcpt(t, "council", 1, collect_fn, &c, &err), 0);
	const tev *after1[] = { &e[2], &e[4] };
	assert_ids(&c, after1, 2);
	memset(&c, 0, sizeof c);
	assert_int_equal(lfh_store_scan_rcpt(t, "council", 5, collect_fn, &c, &err), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(lfh_store_scan_rcpt(t, "council", UINT64_MAX, collect_fn, &c, &err), 0);
	assert_int_equal(c.n, 0);

	/* early stop */
	memset(&c, 0, sizeof c);
	c.limit = 2;
	assert_int_equal(lfh_store_scan_rcpt(t, "health", 0, collect_fn, &c, &err), 0);
	const tev *h2[] = { &e[0], &e[1] };
	assert_ids(&c, h2, 2);

	/* negative aborts with that status */
	memset(&c, 0, sizeof c);
	c.fail = LFH_EPERM;
	assert_int_equal(lfh_store_scan_rcpt(t, "health", 0, collect_fn, &c, &err), LFH_EPERM);

	memset(&c, 0, sizeof c);
	assert_int_equal(lfh_store_scan_rcpt(t, "council2", 0, collect_fn, &c, &err), 0);
	const tev *c2[] = { &e[5] };
	assert_ids(&c, c2, 1);
	memset(&c, 0, sizeof c);
	assert_int_equal(lfh_store_scan_rcpt(t, "nobody", 0, collect_fn, &c, &err), 0);
	assert_int_equal(c.n, 0);
	lfh_txn_abort(t);
}

static void test_scan_slots(void **state)
{
	fixture *f = *state;
	tev e[5];
	lfh_txn *t;
	collect c = { 0 };

	mkev(&e[0], "police", 1, 10, 1, "council:1", NULL);
	mkev(&e[1], "police", 2, 11, 1, "council:2,health:1", NULL);
	mkev(&e[2], "police", 4, 12, 1, "council:4", NULL); /* ctr 3 missing: a gap */
	mkev(&e[3], "police", 5, 13, 1, "council:5", NULL);
	mkev(&e[4], "health", 1, 14, 1, "council:2", NULL); /* other author */
	t = begin(f, 1);
	for (int i = 0; i < 5; i++)
		put_ok(t, &e[i]);

	assert_int_equal(lfh_store_scan_slots(t, "police", "council", 2, 4, collect_fn, &c, NULL),
			 0);
	const tev *want[] = { &e[1], &e[2] };
	assert_ids(&c, want, 2);
	assert_int_equal(c.keys[0], 2);
	assert_int_equal(c.keys[1], 4);

	memset(&c, 0, sizeof c);
	assert_int_equal(lfh_store_scan_slots(t, "police", "council", 1, UINT64_MAX, collect_fn,
					      &c, NULL),
			 0);
	assert_int_equal(c.n, 4);
	memset(&c, 0, sizeof c);
	assert_int_equal(lfh_store_scan_slots(t, "police", "council", 5, 4, collect_fn, &c, NULL),
			 0);
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof c);
	assert_int_equal(lfh_store_scan_slots(t, "police", "council", 3, 3, collect_fn, &c, NULL),
			 0);
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof c);
	assert_int_equal(lfh_store_scan_slots(t, "health", "council", 0, 10, collect_fn, &c, NULL),
			 0);
	const tev *h[] = { &e[4] };
	assert_ids(&c, h, 1);
	lfh_txn_abort(t);
}

static void test_scan_case(void **state)
{
	fixture *f = *state;
	tev e[5];
	lfh_txn *t;
	collect c = { 0 };
	uint8_t c1[LFH_CASE_LEN], c1b[LFH_CASE_LEN];

	/* arrival order differs from hlc order */
	mkev(&e[0], "police", 1, 300, 1, "council:1", NULL);
	mkev(&e[1], "police", 2, 100, 1, "council:2", NULL);
	mkev(&e[2], "health", 1, 200, 1, "council:1", NULL);
	mkev(&e[3], "health", 2, 50, 2, "council:2", NULL); /* another case */
	mkev(&e[4], "police", 3, 10, 1, "council:3", NULL);
	e[4].ev.case_id[LFH_CASE_LEN - 1] = 9;             /* case sharing 15 bytes */
	t = begin(f, 1);
	for (int i = 0; i < 5; i++)
		put_ok(t, &e[i]);
	commit(t);

	t = begin(f, 0);
	memset(c1, 1, sizeof c1);
	assert_int_equal(lfh_store_scan_case(t, c1, collect_fn, &c, NULL), 0);
	const tev *want[] = { &e[1], &e[2], &e[0] };
	assert_ids(&c, want, 3);
	assert_int_equal(c.keys[0], 100);
	assert_int_equal(c.keys[1], 200);
	assert_int_equal(c.keys[2], 300);

	memset(&c, 0, sizeof c);
	memcpy(c1b, c1, sizeof c1b);
	c1b[LFH_CASE_LEN - 1] = 9;
	assert_int_equal(lfh_store_scan_case(t, c1b, collect_fn, &c, NULL), 0);
	const tev *w2[] = { &e[4] };
	assert_ids(&c, w2, 1);

	memset(&c, 0, sizeof c);
	c.limit = 1;
	assert_int_equal(lfh_store_scan_case(t, c1, collect_fn, &c, NULL), 0);
	assert_int_equal(c.n, 1);
	lfh_txn_abort(t);
}

static void test_scan_author(void **state)
{
	fixture *f = *state;
	tev e[4];
	lfh_txn *t;
	collect c = { 0 };

	mkev(&e[0], "police", 3, 10, 1, "council:3", NULL);
	mkev(&e[1], "police", 1, 11, 1, "council:1", NULL);
	mkev(&e[2], "police", 2, 12, 1, "council:2", NULL);
	mkev(&e[3], "policex", 1, 13, 1, "council:1", NULL);
	t = begin(f, 1);
	for (int i = 0; i < 4; i++)
		put_ok(t, &e[i]);
	commit(t);

	t = begin(f, 0);
	assert_int_equal(lfh_store_scan_author(t, "police", 0, collect_fn, &c, NULL), 0);
	const tev *want[] = { &e[1], &e[2], &e[0] };
	assert_ids(&c, want, 3);
	assert_int_equal(c.keys[0], 1);
	assert_int_equal(c.keys[2], 3);
	memset(&c, 0, sizeof c);
	assert_int_equal(lfh_store_scan_author(t, "police", 2, collect_fn, &c, NULL), 0);
	const tev *from2[] = { &e[2], &e[0] };
	assert_ids(&c, from2, 2);
	memset(&c, 0, sizeof c);
	assert_int_equal(lfh_store_scan_author(t, "policex", 0, collect_fn, &c, NULL), 0);
	assert_int_equal(c.n, 1);
	lfh_txn_abort(t);
}

static void test_durability(void **state)
{
	fixture *f = *state;
	tev a, b;
	lfh_txn *t;
	const uint8_t *raw;
	size_t len;
	uint64_t v;

	mkev(&a, "police", 1, 100, 1, "council:1", NULL);
	mkev(&b, "police", 2, 101, 1, "council:2", NULL);
	t = begin(f, 1);
	put_ok(t, &a);
	assert_int_equal(lfh_store_meta_put(t, "hlc", 100, NULL), 0);
	commit(t);

	t = begin(f, 1);
	put_ok(t, &b);
	assert_int_equal(lfh_store_meta_put(t, "hlc", 101, NULL), 0);
	assert_int_equal(lfh_store_cursor_put(t, "council", 9, NULL), 0);
	lfh_txn_abort(t);

	reopen(f);
	t = begin(f, 0);
	assert_int_equal(lfh_store_get_event(t, a.id, &raw, &len, NULL), 0);
	assert_int_equal(lfh_store_get_event(t, b.id, &raw, &len, NULL), LFH_ENOTFOUND);
	assert_int_equal(count_of(t), 1);
	assert_int_equal(head_of(t), 1);
	assert_int_equal(lfh_store_meta_get(t, "hlc", &v, NULL), 0);
	assert_int_equal(v, 100);
	assert_int_equal(lfh_store_cursor_get(t, "council", &v, NULL), 0);
	assert_int_equal(v, 0);
	lfh_txn_abort(t);

	/* the aborted event can be stored afresh, taking the next lseq */
	t = begin(f, 1);
	lfh_put_result r = put_ok(t, &b);
	assert_int_equal(r.was_new, 1);
	assert_int_equal(r.lseq, 2);
	commit(t);
}

static void test_read_snapshot_with_open_writer(void **state)
{
	fixture *f = *state;
	tev a;
	lfh_txn *w, *r;

	mkev(&a, "police", 1, 100, 1, "council:1", NULL);
	w = begin(f, 1);
	put_ok(w, &a);
	r = begin(f, 0); /* same thread, writer still open (MDB_NOTLS) */
	assert_int_equal(count_of(r), 0);
	commit(w);
	assert_int_equal(count_of(r), 0); /* old snapshot */
	lfh_txn_abort(r);
	r = begin(f, 0);
	assert_int_equal(count_of(r), 1);
	lfh_txn_abort(r);
}

static void test_names(void **state)
{
	fixture *f = *state;
	const char *n31 = "abcdefghijklmnopqrstuvwxyz01234";
	const char *n32 = "abcdefghijklmnopqrstuvwxyz012345";
	uint8_t cid[LFH_CASE_LEN] = { 1 }, key[32] = { 2 };
	lfh_err err = { 0 };
	collect c = { 0 };
	uint64_t v;
	int has;
	tev e;
	lfh_txn *t;

	assert_int_equal(strlen(n31), 31);
	t = begin(f, 1);
	assert_int_equal(lfh_store_cursor_put(t, n31, 1, &err), 0);
	assert_int_equal(lfh_store_cursor_put(t, n32, 1, &err), LFH_EINVAL);
	assert_int_equal(err.code, LFH_EINVAL);
	assert_int_equal(lfh_store_cursor_put(t, "", 1, &err), LFH_EINVAL);
	assert_int_equal(lfh_store_cursor_get(t, n32, &v, &err), LFH_EINVAL);
	assert_int_equal(lfh_store_key_put(t, cid, n32, "police", 1, key, &err), LFH_EINVAL);
	assert_int_equal(lfh_store_key_put(t, cid, "referral", n32, 1, key, &err), LFH_EINVAL);
	assert_int_equal(lfh_store_key_put(t, cid, n31, n31, 1, key, &err), 0);
	assert_int_equal(lfh_store_key_get(t, cid, n32, "police", 1, key, &err), LFH_EINVAL);
	assert_int_equal(lfh_store_grant_put(t, cid, "referral", "police", 1, n32, &err),
			 LFH_EINVAL);
	assert_int_equal(lfh_store_grant_has(t, cid, "referral", "police", 1, n32, &has, &err),
			 LFH_EINVAL);
	assert_int_equal(lfh_store_scan_rcpt(t, n32, 0, collect_fn, &c, &err), LFH_EINVAL);
	assert_int_equal(lfh_store_scan_author(t, n32, 0, collect_fn, &c, &err), LFH_EINVAL);
	assert_int_equal(lfh_store_scan_slots(t, "police", n32, 0, 9, collect_fn, &c, &err),
			 LFH_EINVAL);

	mkev(&e, "police", 1, 1, 1, "council:1", NULL);
	memcpy(e.ev.author, n32, 32); /* unterminated within the field: too long */
	assert_int_equal(put(t, &e, NULL, &err), LFH_EINVAL);
	mkev(&e, "police", 1, 1, 1, "council:1", NULL);
	memcpy(e.ev.rcpt[0].agency, n32, 32);
	assert_int_equal(put(t, &e, NULL, &err), LFH_EINVAL);
	mkev(&e, n31, 1, 1, 1, "council:1", NULL);
	put_ok(t, &e);
	assert_int_equal(count_of(t), 1);
	commit(t);
}

static void test_readonly_txn_rejects_writes(void **state)
{
	fixture *f = *state;
	tev a;
	lfh_err err = { 0 };
	lfh_txn *t = begin(f, 0);

	mkev(&a, "police", 1, 1, 1, "council:1", NULL);
	assert_int_equal(put(t, &a, NULL, &err), LFH_EINVAL);
	assert_int_equal(lfh_store_meta_put(t, "x", 1, &err), LFH_EINVAL);
	/* committing a read txn just ends it */
	assert_int_equal(lfh_txn_commit(t, &err), 0);
}

static void test_map_full(void **state)
{
	fixture *f = *state;
	char dir[160];
	lfh_store *s = NULL;
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	static uint8_t big[8192];
	lfh_event ev;
	uint8_t id[LFH_ID_LEN];
	int rc = 0;

	snprintf(dir, sizeof dir, "%s/small", f->root);
	assert_int_equal(lfh_store_open(&s, dir, 256 * 1024, &err), 0);
	assert_int_equal(lfh_txn_begin(s, 1, &t, &err), 0);
	memset(&ev, 0, sizeof ev);
	strcpy(ev.author, "police");
	ev.nrcpt = 1;
	strcpy(ev.rcpt[0].agency, "council");
	for (uint64_t i = 1; i <= 1000 && rc == 0; i++) {
		ev.seq = i;
		ev.rcpt[0].ctr = i;
		memcpy(big, &i, sizeof i);
		crypto_generichash(id, sizeof id, big, sizeof big, NULL, 0);
		rc = lfh_store_put_event(t, big, sizeof big, &ev, id, NULL, &err);
	}
	assert_int_equal(rc, LFH_ESTORE);
	assert_non_null(strstr(err.msg, "/small/data.mdb is full"));
	assert_non_null(strstr(err.msg, "raise map_size_mb")); /* the setting to change */
	/* a batch that hit a store error is never half-committed */
	assert_int_equal(lfh_txn_commit(t, &err), LFH_ESTORE);

	assert_int_equal(lfh_txn_begin(s, 0, &t, &err), 0);
	uint64_t n = 99;
	assert_int_equal(lfh_store_event_count(t, &n, &err), 0);
	assert_int_equal(n, 0);
	lfh_txn_abort(t);
	lfh_store_close(s);
}

static void test_many_events(void **state)
{
	fixture *f = *state;
	enum { N = 10000 };
	const char *rc_names[3] = { "council", "health", "probation" };
	uint64_t ctr[3] = { 0 };
	static tev e;
	lfh_txn *t = begin(f, 1);

	for (uint64_t i = 1; i <= N; i++) {
		char rc[64];
		int k = (int)(i % 3);
		snprintf(rc, sizeof rc, "%s:%llu", rc_names[k], (unsigned long long)++ctr[k]);
		mkev(&e, "police", i, 1000 + i, (uint8_t)(i % 7), rc, NULL);
		lfh_put_result r = put_ok(t, &e);
		assert_int_equal(r.lseq, i);
	}
	commit(t);

	t = begin(f, 0);
	assert_int_equal(head_of(t), N);
	assert_int_equal(count_of(t), N);
	assert_int_equal(evidence_of(t), 0);
	collect c = { 0 };
	c.limit = 64;
	assert_int_equal(lfh_store_scan_rcpt(t, "health", N - 200, collect_fn, &c, NULL), 0);
	assert_int_equal(c.n, 64);
	for (size_t i = 1; i < c.n; i++)
		assert_true(c.keys[i] > c.keys[i - 1]);
	assert_true(c.keys[0] > N - 200);
	lfh_txn_abort(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_modes_and_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_put, setup, teardown),
		cmocka_unit_test_setup_teardown(test_equivocation_author_seq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_equivocation_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_rcpt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_author, setup, teardown),
		cmocka_unit_test_setup_teardown(test_durability, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_snapshot_with_open_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_txn_rejects_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_events, setup, teardown),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
