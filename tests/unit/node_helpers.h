/*
 * node_helpers.h - store and sync helpers shared by the in-process node
 * tests (test_node.c, test_policy.c, test_keyring*.c): counting, finding and
 * reading stored events, and one PULL served and ingested as sync does it.
 */
#ifndef LFH_TEST_NODE_HELPERS_H
#define LFH_TEST_NODE_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lfh/ingest.h"
#include "lfh/node.h"
#include "lfh/project.h"
#include "lfh/serve.h"
#include "lfh/store.h"
#include "lfh/wire.h"
#include "lfh/write.h"

static inline uint64_t event_count(lfh_node *n)
{
	lfh_txn *t;
	lfh_err err = { 0 };
	uint64_t c = 0;
	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_store_event_count(t, &c, &err), 0);
	lfh_txn_abort(t);
	return c;
}

static inline int has_event(lfh_node *n, const uint8_t id[LFH_ID_LEN])
{
	lfh_txn *t;
	lfh_err err = { 0 };
	const uint8_t *raw;
	size_t len;
	int rc;
	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	rc = lfh_store_get_event(t, id, &raw, &len, &err);
	lfh_txn_abort(t);
	assert_true(rc == 0 || rc == LFH_ENOTFOUND);
	return rc == 0;
}

/* Open a stored event at n: 0 and its string field `key` copied, or the open error. */
static inline int read_field(lfh_node *n, const uint8_t id[LFH_ID_LEN], const char *key,
			     char *out, size_t size)
{
	lfh_txn *t;
	lfh_err err = { 0 };
	lfh_event ev = { 0 };
	lfh_record body = { 0 };
	const uint8_t *raw;
	size_t len;
	int rc;

	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	rc = lfh_store_get_event(t, id, &raw, &len, &err);
	if (!rc)
		rc = lfh_node_open_event(n, t, raw, len, &ev, &body, &err);
	if (!rc)
		snprintf(out, size, "%s", lfh_record_str(&body, key));
	lfh_event_clear(&ev);
	lfh_record_clear(&body);
	lfh_txn_abort(t);
	return rc;
}

/*
 * Serve a PULL from `from` for `to` (from the start) and ingest the batch at
 * `to` as sync does (one batch, one commit). Returns events newly stored;
 * *rejected counts the refused ones (may be NULL).
 */
static inline int pull(lfh_node *from, lfh_node *to, int *rejected)
{
	lfh_txn *rt, *wt;
	lfh_buf b = { 0 };
	lfh_err err = { 0 };
	lfh_msg *m = malloc(sizeof *m);
	int stored = 0, rej = 0;

	assert_non_null(m);
	assert_int_equal(lfh_txn_begin(from->store, 0, &rt, &err), 0);
	assert_int_equal(lfh_serve_pull(from, rt, to->cfg.agency, 0, LFH_BATCH_MAX, &b, &err), 0);
	assert_int_equal(lfh_msg_decode(b.data, b.len, m, &err), 0);
	if (m->nevents) {
		lfh_envelope_ref *in = calloc(m->nevents, sizeof *in);
		lfh_ingest_result *res = calloc(m->nevents, sizeof *res);
		int *status = calloc(m->nevents, sizeof *status);
		lfh_err *errs = calloc(m->nevents, sizeof *errs);
		assert_true(in && res && status && errs);
		for (size_t i = 0; i < m->nevents; i++)
			in[i] = (lfh_envelope_ref){ m->ev[i], m->evlen[i] };
		assert_int_equal(lfh_txn_begin(to->store, 1, &wt, &err), 0);
		assert_int_equal(lfh_ingest_batch(to, wt, in, m->nevents, from->cfg.agency, res,
						       status, errs, &err), 0);
		assert_int_equal(lfh_txn_commit(wt, &err), 0);
		for (size_t i = 0; i < m->nevents; i++) {
			if (status[i] && getenv("LFH_TEST_DEBUG"))
				fprintf(stderr, "# refused: %s\n", errs[i].msg);
			if (status[i])
				rej++;
			else
				stored += res[i].stored;
		}
		free(in);
		free(res);
		free(status);
		free(errs);
	}
	lfh_txn_abort(rt);
	lfh_buf_free(&b);
	free(m);
	if (rejected)
		*rejected = rej;
	return stored;
}

#endif
