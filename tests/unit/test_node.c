/*
 * test_node.c - node core (node/node.c) without sockets: three in-process
 * nodes (police, housing, council) sharing a temporary directory, events
 * handed between them as a peer would receive them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h>
#include <sodium.h>

#include "lfh/ingest.h"
#include "lfh/node.h"
#include "lfh/serve.h"
#include "lfh/sharing.h"
#include "lfh/summarize.h"
#include "lfh/summary.h"
#include "lfh/wire.h"
#include "lfh/write.h"

#include "node_helpers.h"

#define NAGENCIES 3
static const char *agencies[NAGENCIES] = { "police", "housing", "council" };

typedef struct hub {
	char dir[64];
	lfh_node *node[NAGENCIES];
} hub;

static void make_config(hub *h, int self, const char *hubname, lfh_config *c)
{
	lfh_err err = { 0 };
	int k = 0;
	memset(c, 0, sizeof *c);
	snprintf(c->agency, sizeof c->agency, "%s", agencies[self]);
	snprintf(c->hub, sizeof c->hub, "%s", hubname);
	snprintf(c->data_dir, sizeof c->data_dir, "%s/%s/data", h->dir, agencies[self]);
	snprintf(c->key_dir, sizeof c->key_dir, "%s/%s/keys", h->dir, agencies[self]);
	for (int i = 0; i < NAGENCIES; i++) {
		char path[LFH_PATH_MAX];
		if (i == self)
			continue;
		snprintf(path, sizeof path, "%s/%s/keys/public.ini", h->dir, agencies[i]);
		lfh_peer_conf *p = &c->peers[k++];
		snprintf(p->agency, sizeof p->agency, "%s", agencies[i]);
		assert_int_equal(lfh_pubkeys_load(path, &p->pub, &err), 0);
	}
	c->npeers = (size_t)k;
}

static int setup(void **state)
{
	hub *h = calloc(1, sizeof *h);
	lfh_err err = { 0 };
	static lfh_config c;

	snprintf(h->dir, sizeof h->dir, "/tmp/lfh-test-node.XXXXXX");
	assert_non_null(mkdtemp(h->dir));
	for (int i = 0; i < NAGENCIES; i++) {
		char kd[LFH_PATH_MAX];
		snprintf(kd, sizeof kd, "%s/%s/keys", h->dir, agencies[i]);
		assert_int_equal(lfh_identity_generate(agencies[i], kd, &err), 0);
	}
	for (int i = 0; i < NAGENCIES; i++) {
		make_config(h, i, "test-hub", &c);
		assert_int_equal(lfh_node_open(&h->node[i], &c, &err), 0);
	}
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	hub *h = *state;
	char cmd[128];
	for (int i = 0; i < NAGENCIES; i++)
		lfh_node_close(h->node[i]);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", h->dir);
	assert_int_equal(system(cmd), 0);
	free(h);
	return 0;
}

/* Write a referral of body at node n to the agencies in `to`, in a new case. */
static void write_referral_body(lfh_node *n, const char *const *to, size_t nto,
				const lfh_record *body, lfh_write_result *res)
{
	lfh_err err = { 0 };
	lfh_txn *t;
	uint8_t case_id[LFH_CASE_LEN];

	lfh_case_id_new(n->rules.hub_id, n->cfg.agency, case_id);
	assert_int_equal(lfh_txn_begin(n->store, 1, &t, &err), 0);
	assert_int_equal(lfh_node_write(n, t, case_id, LFH_EV_REFERRAL, "referral", to, nto, body,
					res, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
}

/* Write a referral at node `from` to the agencies in `to` (comma-free list). */
static void write_referral(lfh_node *n, const char *const *to, size_t nto, const char *summary,
			   lfh_write_result *res)
{
	lfh_record body = { 0 };
	lfh_err err = { 0 };

	lfh_record_set_str(&body, "summary", summary, &err);
	lfh_record_set_str(&body, "by", "tester", &err);
	write_referral_body(n, to, nto, &body, res);
	lfh_record_clear(&body);
}

/* Serve a PULL from `from` for `peer` and ingest the batch at `to`. Returns stored count. */
static int replicate(lfh_node *from, lfh_node *to, int *rejected)
{
	lfh_txn *rt, *wt;
	lfh_buf b = { 0 };
	lfh_err err = { 0 };
	lfh_msg *m = malloc(sizeof *m);
	int stored = 0;

	*rejected = 0;
	assert_int_equal(lfh_txn_begin(from->store, 0, &rt, &err), 0);
	assert_int_equal(lfh_serve_pull(from, rt, to->cfg.agency, 0, LFH_BATCH_MAX, &b, &err), 0);
	assert_int_equal(lfh_msg_decode(b.data, b.len, m, &err), 0);
	assert_int_equal(lfh_txn_begin(to->store, 1, &wt, &err), 0);
	for (size_t i = 0; i < m->nevents; i++) {
		lfh_ingest_result r;
		int rc = lfh_ingest(to, wt, m->ev[i], m->evlen[i], from->cfg.agency, &r, &err);
		if (rc)
			(*rejected)++;
		else
			stored += r.stored;
	}
	assert_int_equal(lfh_txn_commit(wt, &err), 0);
	lfh_txn_abort(rt);
	lfh_buf_free(&b);
	free(m);
	return stored;
}

static void test_recipient_reads_non_recipient_gets_nothing(void **state)
{
	hub *h = *state;
	const char *to[] = { "housing" };
	lfh_write_result res;
	char summary[64];
	int rej;

	write_referral(h->node[0], to, 1, "noise at flat 3", &res);
	assert_int_equal(event_count(h->node[0]), 2); /* KEY + REFERRAL */
	assert_int_equal(replicate(h->node[0], h->node[1], &rej), 2);
	assert_int_equal(rej, 0);
	assert_int_equal(read_field(h->node[1], res.event_id, "summary", summary, sizeof summary), 0);
	assert_string_equal(summary, "noise at flat 3");
	/* council is served nothing at all: no envelope, not even the KEY event */
	assert_int_equal(replicate(h->node[0], h->node[2], &rej), 0);
	assert_int_equal(event_count(h->node[2]), 0);
}

static void test_relay_through_recipient(void **state)
{
	hub *h = *state;
	const char *to[] = { "housing", "council" };
	lfh_write_result res;
	char summary[64];
	int rej;

	write_referral(h->node[0], to, 2, "relayed", &res);
	assert_int_equal(replicate(h->node[0], h->node[1], &rej), 2);
	/* council gets police's events from housing: author offline is fine */
	assert_int_equal(replicate(h->node[1], h->node[2], &rej), 2);
	assert_int_equal(read_field(h->node[2], res.event_id, "summary", summary, sizeof summary), 0);
	assert_string_equal(summary, "relayed");
	/* and again from police: duplicates are dropped by id */
	assert_int_equal(replicate(h->node[0], h->node[2], &rej), 0);
	assert_int_equal(event_count(h->node[2]), 2);
}

/* Take the REFERRAL envelope of res from node n (a copy). */
static lfh_buf envelope_of(lfh_node *n, const uint8_t id[LFH_ID_LEN])
{
	lfh_txn *t;
	lfh_err err = { 0 };
	lfh_buf b = { 0 };
	const uint8_t *raw;
	size_t len;
	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_store_get_event(t, id, &raw, &len, &err), 0);
	assert_int_equal(lfh_buf_append(&b, raw, len), 0);
	lfh_txn_abort(t);
	return b;
}

static int ingest_raw(lfh_node *n, const uint8_t *raw, size_t len, lfh_err *err)
{
	lfh_txn *t;
	lfh_ingest_result r;
	int rc;
	assert_int_equal(lfh_txn_begin(n->store, 1, &t, err), 0);
	rc = lfh_ingest(n, t, raw, len, "police", &r, err);
	lfh_txn_abort(t);
	return rc;
}

static void test_every_flipped_byte_rejected(void **state)
{
	hub *h = *state;
	const char *to[] = { "housing" };
	lfh_write_result res;
	lfh_err err = { 0 };

	write_referral(h->node[0], to, 1, "tamper with me", &res);
	lfh_buf env = envelope_of(h->node[0], res.event_id);
	assert_int_equal(ingest_raw(h->node[1], env.data, env.len, &err), 0);
	for (size_t i = 0; i < env.len; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			env.data[i] ^= (uint8_t)(1u << bit);
			assert_int_not_equal(ingest_raw(h->node[1], env.data, env.len, &err), 0);
			env.data[i] ^= (uint8_t)(1u << bit);
		}
	}
	lfh_buf_free(&env);
}

static void test_other_hub_rejected(void **state)
{
	hub *h = *state;
	const char *to[] = { "housing" };
	lfh_write_result res;
	lfh_err err = { 0 };
	lfh_node *other = NULL;
	static lfh_config c;

	/* the same agencies and keys, but another hub: every signature binds the hub id */
	make_config(h, 0, "another-hub", &c);
	snprintf(c.data_dir, sizeof c.data_dir, "%s/other-police", h->dir);
	assert_int_equal(lfh_node_open(&other, &c, &err), 0);
	write_referral(other, to, 1, "wrong hub", &res);
	lfh_buf env = envelope_of(other, res.event_id);
	assert_int_equal(ingest_raw(h->node[1], env.data, env.len, &err), LFH_EHUB);
	lfh_buf_free(&env);
	lfh_node_close(other);
}

/* A store says its format; a newer one is refused and left as it was. */
static void test_store_format(void **state)
{
	hub *h = *state;
	lfh_node *n = NULL;
	lfh_store *st = NULL;
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	uint64_t format = 0;
	static lfh_config c;

	make_config(h, 0, "format-hub", &c);
	snprintf(c.data_dir, sizeof c.data_dir, "%s/format-police", h->dir);
	assert_int_equal(lfh_node_open(&n, &c, &err), 0);
	lfh_node_close(n);
	n = NULL;
	assert_int_equal(lfh_store_open(&st, c.data_dir, 0, &err), 0);
	assert_int_equal(lfh_txn_begin(st, 1, &t, &err), 0);
	assert_int_equal(lfh_store_meta_get(t, "store_format", &format, &err), 0);
	assert_int_equal(format, LFH_STORE_FORMAT);
	assert_int_equal(lfh_store_meta_put(t, "store_format", LFH_STORE_FORMAT + 1, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	lfh_store_close(st);
	assert_int_equal(lfh_node_open(&n, &c, &err), LFH_EVERSION);
	assert_non_null(strstr(err.msg, "newer than this lfhd reads"));
	assert_null(n);
	assert_int_equal(lfh_store_open(&st, c.data_dir, 0, &err), 0);
	assert_int_equal(lfh_txn_begin(st, 0, &t, &err), 0);
	assert_int_equal(lfh_store_meta_get(t, "store_format", &format, &err), 0);
	assert_int_equal(format, LFH_STORE_FORMAT + 1);
	lfh_txn_abort(t);
	lfh_store_close(st);
}

/*
 * Turn the closed store in dir into what a format-2 build wrote: each
 * envelope back inline in `events` after its lseq, `envelopes` empty, and
 * meta store_format 2. Returns how many events were turned.
 */
static size_t to_format_2(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi events, envelopes, meta;
	MDB_cursor *c;
	MDB_val k, v, e;
	uint8_t ids[16][LFH_ID_LEN], seq[8], buf[LFH_EVENT_MAX + 8];
	uint8_t two[8] = { 0, 0, 0, 0, 0, 0, 0, 2 };
	size_t n = 0;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "events", 0, &events), 0);
	assert_int_equal(mdb_dbi_open(txn, "envelopes", 0, &envelopes), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	/* the ids first: a put may move the entries a cursor points into */
	assert_int_equal(mdb_cursor_open(txn, events, &c), 0);
	while (n < 16 && mdb_cursor_get(c, &k, &v, n ? MDB_NEXT : MDB_FIRST) == 0)
		memcpy(ids[n++], k.mv_data, LFH_ID_LEN);
	mdb_cursor_close(c);
	for (size_t i = 0; i < n; i++) {
		k = (MDB_val){ LFH_ID_LEN, ids[i] };
		assert_int_equal(mdb_get(txn, events, &k, &v), 0);
		assert_int_equal(v.mv_size, 8);
		memcpy(seq, v.mv_data, sizeof seq);
		v = (MDB_val){ sizeof seq, seq };
		assert_int_equal(mdb_get(txn, envelopes, &v, &e), 0);
		memcpy(buf, seq, sizeof seq);
		memcpy(buf + 8, e.mv_data, e.mv_size);
		e = (MDB_val){ 8 + e.mv_size, buf };
		assert_int_equal(mdb_put(txn, events, &k, &e, 0), 0);
		assert_int_equal(mdb_del(txn, envelopes, &v, NULL), 0);
	}
	k = (MDB_val){ strlen("store_format"), "store_format" };
	v = (MDB_val){ sizeof two, two };
	assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	return n;
}

/*
 * A store written by a format-2 build (envelopes inline in `events`) opens
 * as format 3 without a rewrite: its events read and replicate byte for
 * byte, and new ones go beside them.
 */
static void test_format_2_store_opens(void **state)
{
	hub *h = *state;
	const char *to[] = { "housing" };
	lfh_write_result before, after;
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	uint64_t format = 0;
	char summary[64];
	static lfh_config c;
	int rej;

	write_referral(h->node[0], to, 1, "written by format 2", &before);
	lfh_buf env = envelope_of(h->node[0], before.event_id);
	lfh_node_close(h->node[0]);
	h->node[0] = NULL;
	make_config(h, 0, "test-hub", &c);
	assert_int_equal(to_format_2(c.data_dir), 2); /* KEY + REFERRAL */

	assert_int_equal(lfh_node_open(&h->node[0], &c, &err), 0);
	assert_int_equal(lfh_txn_begin(h->node[0]->store, 0, &t, &err), 0);
	assert_int_equal(lfh_store_meta_get(t, "store_format", &format, &err), 0);
	lfh_txn_abort(t);
	assert_int_equal(format, LFH_STORE_FORMAT);
	lfh_buf again = envelope_of(h->node[0], before.event_id);
	assert_int_equal(again.len, env.len);
	assert_memory_equal(again.data, env.data, env.len);
	assert_int_equal(read_field(h->node[0], before.event_id, "summary", summary, sizeof summary),
			 0);
	assert_string_equal(summary, "written by format 2");

	write_referral(h->node[0], to, 1, "written by format 3", &after);
	assert_int_equal(event_count(h->node[0]), 4);
	assert_int_equal(replicate(h->node[0], h->node[1], &rej), 4);
	assert_int_equal(rej, 0);
	assert_int_equal(read_field(h->node[1], before.event_id, "summary", summary, sizeof summary),
			 0);
	assert_string_equal(summary, "written by format 2");
	assert_int_equal(read_field(h->node[1], after.event_id, "summary", summary, sizeof summary),
			 0);
	assert_string_equal(summary, "written by format 3");
	lfh_buf_free(&env);
	lfh_buf_free(&again);
}

static void test_not_addressed_rejected(void **state)
{
	hub *h = *state;
	const char *to[] = { "housing" };
	lfh_write_result res;
	lfh_err err = { 0 };
	char summary[64];

	write_referral(h->node[0], to, 1, "not for council", &res);
	lfh_buf env = envelope_of(h->node[0], res.event_id);
	/* pushed to council anyway (a buggy or hostile relay): refused, not stored */
	assert_int_equal(ingest_raw(h->node[2], env.data, env.len, &err), LFH_EPERM);
	assert_int_equal(event_count(h->node[2]), 0);
	/* and even holding the ciphertext, council has no key to read it */
	lfh_txn *t;
	lfh_event ev = { 0 };
	lfh_record body = { 0 };
	assert_int_equal(lfh_txn_begin(h->node[2]->store, 0, &t, &err), 0);
	assert_int_equal(lfh_node_open_event(h->node[2], t, env.data, env.len, &ev, &body, &err),
			 LFH_ENOKEY);
	lfh_txn_abort(t);
	lfh_event_clear(&ev);
	assert_int_not_equal(read_field(h->node[2], res.event_id, "summary", summary, sizeof summary), 0);
	lfh_buf_free(&env);
}

static void test_unknown_recipient_refused(void **state)
{
	hub *h = *state;
	const char *to[] = { "fire" };
	lfh_record body = { 0 };
	lfh_write_result res;
	lfh_err err = { 0 };
	lfh_txn *t;
	uint8_t case_id[LFH_CASE_LEN];

	lfh_case_id_new(h->node[0]->rules.hub_id, h->node[0]->cfg.agency, case_id);
	lfh_record_set_str(&body, "summary", "x", &err);
	assert_int_equal(lfh_txn_begin(h->node[0]->store, 1, &t, &err), 0);
	assert_int_equal(lfh_node_write(h->node[0], t, case_id, LFH_EV_REFERRAL, "referral", to, 1,
					&body, &res, &err), LFH_EINVAL);
	assert_non_null(strstr(err.msg, "fire"));
	lfh_txn_abort(t);
	lfh_record_clear(&body);
	assert_int_equal(event_count(h->node[0]), 0);
}

static void test_gap_detected_and_filled(void **state)
{
	hub *h = *state;
	const char *to[] = { "housing" };
	lfh_write_result r1, r2, r3;
	lfh_err err = { 0 };
	uint64_t first, highest, missing;
	lfh_txn *t;

	write_referral(h->node[0], to, 1, "one", &r1);
	write_referral(h->node[0], to, 1, "two", &r2);
	write_referral(h->node[0], to, 1, "three", &r3);
	/* housing receives only the last referral and its key: counters show the gap */
	lfh_buf e3 = envelope_of(h->node[0], r3.event_id);
	int rej;
	(void)rej;
	lfh_txn *rt;
	lfh_buf b = { 0 };
	lfh_msg *m = malloc(sizeof *m);
	assert_int_equal(lfh_txn_begin(h->node[0]->store, 0, &rt, &err), 0);
	assert_int_equal(lfh_serve_pull(h->node[0], rt, "housing", 0, LFH_BATCH_MAX, &b, &err), 0);
	assert_int_equal(lfh_msg_decode(b.data, b.len, m, &err), 0);
	assert_int_equal(m->nevents, 6);
	assert_int_equal(lfh_txn_begin(h->node[1]->store, 1, &t, &err), 0);
	lfh_ingest_result ir;
	assert_int_equal(lfh_ingest(h->node[1], t, m->ev[4], m->evlen[4], "police", &ir, &err), 0);
	assert_int_equal(lfh_ingest(h->node[1], t, e3.data, e3.len, "police", &ir, &err), 0);
	assert_int_equal(lfh_ingest_gaps(h->node[1], t, "police", &first, &highest, &missing, &err), 0);
	assert_int_equal(first, 1);
	assert_int_equal(highest, 6);
	assert_int_equal(missing, 4);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	/* FETCH the missing slots and the gap closes */
	lfh_buf_reset(&b);
	assert_int_equal(lfh_serve_fetch(h->node[0], rt, "housing", "police", first, highest, &b,
					      &err), 0);
	assert_int_equal(lfh_msg_decode(b.data, b.len, m, &err), 0);
	assert_int_equal(m->type, LFH_MSG_FETCHED);
	assert_int_equal(lfh_txn_begin(h->node[1]->store, 1, &t, &err), 0);
	for (size_t i = 0; i < m->nevents; i++)
		assert_int_equal(lfh_ingest(h->node[1], t, m->ev[i], m->evlen[i], "police", &ir,
						 &err), 0);
	assert_int_equal(lfh_ingest_gaps(h->node[1], t, "police", &first, &highest, &missing, &err), 0);
	assert_int_equal(missing, 0);
	assert_int_equal(first, 7);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	lfh_txn_abort(rt);
	lfh_buf_free(&b);
	lfh_buf_free(&e3);
	free(m);
}

/* 1 if the node keeps a summary of the case (summary.h). */
static int has_summary(lfh_node *n, const uint8_t case_id[LFH_CASE_LEN])
{
	lfh_err err = { 0 };
	lfh_txn *t;
	int rc;

	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	rc = lfh_summary_has(t, case_id, &err);
	lfh_txn_abort(t);
	assert_true(rc >= 0);
	return rc;
}

/* A referral the projection takes (stage referred): the fields it needs. */
static void new_case(lfh_node *n, const char *summary, lfh_write_result *res)
{
	static const char *const to[] = { "housing" };
	static const char *const kv[] = { "location", "Flat 1", "asb_category", "noise",
					  "risk", "standard", "by", "tester", NULL };
	lfh_record body = { 0 };
	lfh_err err = { 0 };

	lfh_record_set_str(&body, "summary", summary, &err);
	for (size_t i = 0; kv[i]; i += 2)
		lfh_record_set_str(&body, kv[i], kv[i + 1], &err);
	write_referral_body(n, to, 1, &body, res);
	lfh_record_clear(&body);
}

static void summarize(lfh_node *n, int scan)
{
	lfh_err err = { 0 };
	lfh_txn *t;

	assert_int_equal(lfh_txn_begin(n->store, 1, &t, &err), 0);
	assert_int_equal(lfh_summarize(n, t, 10000, scan, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
}

/*
 * Summaries are kept again (summarize.h): of the cases marked when an event
 * dropped theirs; of a case whose mark was lost, by the scan; the scan rests
 * after a round that found nothing missing, until a mark is lost again.
 */
static void test_summaries_kept(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[0];
	lfh_write_result a, b, c;

	new_case(n, "marked", &a);
	assert_false(has_summary(n, a.case_id));
	summarize(n, 0);
	assert_true(has_summary(n, a.case_id));

	new_case(n, "mark lost", &b);
	n->nsummary_marks = 0;
	summarize(n, 0);
	assert_false(has_summary(n, b.case_id));
	summarize(n, 1); /* the scan finds it */
	assert_true(has_summary(n, b.case_id));

	summarize(n, 1); /* a round with nothing missing: the scan rests */
	new_case(n, "mark lost while the scan rests", &c);
	n->nsummary_marks = 0;
	summarize(n, 1);
	assert_false(has_summary(n, c.case_id));
	n->nsummary_marks = LFH_SUMMARY_MARKS; /* a full list: the next mark is lost */
	lfh_summarize_mark(n, c.case_id);
	n->nsummary_marks = 0;
	summarize(n, 1);
	assert_true(has_summary(n, c.case_id));
}

static void test_hub_id_independent_of_order(void **state)
{
	(void)state;
	lfh_pubkeys m[2] = { 0 };
	lfh_err err = { 0 };
	uint8_t a[32], b[32];
	snprintf(m[0].agency, sizeof m[0].agency, "police");
	snprintf(m[1].agency, sizeof m[1].agency, "housing");
	m[1].sign_pk[0] = 7;
	assert_int_equal(lfh_hub_id("hub", m, 2, a, &err), 0);
	lfh_pubkeys swapped[2] = { m[1], m[0] };
	assert_int_equal(lfh_hub_id("hub", swapped, 2, b, &err), 0);
	assert_memory_equal(a, b, 32);
	assert_int_equal(lfh_hub_id("hub2", m, 2, b, &err), 0);
	assert_memory_not_equal(a, b, 32);
	m[1] = m[0];
	assert_int_equal(lfh_hub_id("hub", m, 2, b, &err), LFH_ECONFIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_recipient_reads_non_recipient_gets_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay_through_recipient, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_flipped_byte_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format_2_store_opens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_hub_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_addressed_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_recipient_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gap_detected_and_filled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summaries_kept, setup, teardown),
		cmocka_unit_test(test_hub_id_independent_of_order),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
