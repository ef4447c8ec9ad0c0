/*
 * test_ingest_batch.c - key events within a received batch, one by one and
 * through the catch-up pipeline (node/sync/ingest.c, ingest_pipe.c): an
 * event may come before the CERT that certifies its key or the REVOKE that
 * ends it, whichever way the batch is checked; the pipeline gives every
 * event the verdict one-by-one ingestion gives it, and copes with the same
 * events in two batches at once. The hub and its helpers: keyring_fixture.h.
 */
#include "keyring_fixture.h"

/* A batch ingested one way or the other (keyring_fixture.h). */
typedef void (*ingest_many_fn)(lfh_node *n, lfh_buf *envs, size_t count, int *status,
			       lfh_err *errs);

/* An event signed by a key the same batch certifies after it: stored, with the key. */
static void event_before_its_cert(hub *h, ingest_many_fn ingest_many, const char *how)
{
	lfh_node *n = h->node[B];
	lfh_identity *g2 = new_gen(h, A);
	lfh_buf cert = std_cert(h, A, 2, g2);
	lfh_buf envs[2];
	uint8_t id[LFH_ID_LEN];
	int status[2] = { -1, -1 };
	lfh_err errs[2] = { { 0 }, { 0 } };

	envs[0] = data_ev(h, g2, h->nb + 1000, id); /* its key is unknown to the pool's copy too */
	envs[1] = cert_ev(h, "a", g2, h->nb, &cert);
	ingest_many(n, envs, 2, status, errs);
	if (status[0] || status[1])
		fail_msg("%s [event, CERT]: %d (%s), %d (%s)", how, status[0], errs[0].msg,
			 status[1], errs[1].msg);
	assert_true(has_event(n, id));
	assert_non_null(lfh_keyring_gen(&n->rules, "a", 2));
	assert_int_equal(event_count(n), 2);
	lfh_buf_free(&envs[0]);
	lfh_buf_free(&envs[1]);
	lfh_buf_free(&cert);
	lfh_identity_free(g2);
}

/*
 * An event by a key the same batch revokes from before the event's time:
 * refused (its signature is good with the key the pool copied: the
 * revocation still governs it).
 */
static void event_before_its_revocation(hub *h, ingest_many_fn ingest_many, const char *how)
{
	lfh_node *n = h->node[B];
	lfh_identity *g2 = certify_gen2(h, n);
	lfh_buf envs[2];
	uint8_t id[LFH_ID_LEN];
	int status[2] = { -1, -1 };
	lfh_err errs[2] = { { 0 }, { 0 } };
	uint64_t before = event_count(n);

	envs[0] = data_ev(h, h->id[A], h->t + 10, id); /* valid until the revocation is known */
	envs[1] = revoke_ev(h, "a", g2, h->t + 1000, "a", 1, h->id[A]->pub.key_id, h->t, NULL);
	ingest_many(n, envs, 2, status, errs);
	assert_int_equal(status[1], 0);
	if (status[0] != LFH_EKEYID)
		fail_msg("%s: event by a revoked key ahead of its REVOKE: %d (%s), want LFH_EKEYID",
			 how, status[0], errs[0].msg);
	assert_false(has_event(n, id));
	assert_int_equal(event_count(n), before + 1);
	lfh_buf_free(&envs[0]);
	lfh_buf_free(&envs[1]);
	lfh_identity_free(g2);
}

static void test_batch_event_before_its_cert_stored(void **state)
{
	event_before_its_cert(*state, ingest_batch, "batch");
}

static void test_batch_event_before_its_revocation_rejected(void **state)
{
	event_before_its_revocation(*state, ingest_batch, "batch");
}

/* ---- the catch-up pipeline (checks on a verifier pool) ------------------- */

static void test_pipeline_event_before_its_cert_stored(void **state)
{
	event_before_its_cert(*state, ingest_pipelined, "pipelined");
}

static void test_pipeline_event_before_its_revocation_rejected(void **state)
{
	event_before_its_revocation(*state, ingest_pipelined, "pipelined");
}

#define MIXED 12

/*
 * A batch with a bad signature, an unknown key and a damaged envelope among
 * good events: through the pipeline, every event gets the verdict (status and
 * message) one-by-one ingestion gives it at another node, in order, and
 * exactly the good ones are stored.
 */
static void test_pipeline_same_verdicts_as_serial(void **state)
{
	hub *h = *state;
	lfh_identity *stranger = new_gen(h, A); /* never certified */
	lfh_buf envs[MIXED];
	uint8_t id[MIXED][LFH_ID_LEN];
	int status[MIXED];
	lfh_err errs[MIXED];

	for (int i = 0; i < MIXED; i++) {
		status[i] = -1;
		memset(&errs[i], 0, sizeof errs[i]);
		envs[i] = data_ev(h, i == 7 ? stranger : h->id[A], h->nb - 1000 + (uint64_t)i, id[i]);
	}
	envs[3].data[envs[3].len - 1] ^= 0x01; /* the signature's last byte */
	envs[9].data[0] ^= 0xff;                /* not an envelope any more */
	ingest_pipelined(h->node[B], envs, MIXED, status, errs);
	for (int i = 0; i < MIXED; i++) {
		lfh_err serr = { 0 };
		int want = ingest(h->node[C], &envs[i], "a", &serr);
		if (status[i] != want || strcmp(errs[i].msg, want ? serr.msg : errs[i].msg) != 0)
			fail_msg("event %d: pipelined %d (%s), one by one %d (%s)", i, status[i],
				 errs[i].msg, want, serr.msg);
		assert_int_equal(has_event(h->node[B], id[i]), want == 0);
	}
	assert_int_equal(status[3], LFH_ECRYPTO);
	assert_int_equal(status[7], LFH_EKEYID);
	assert_int_not_equal(status[9], 0);
	assert_int_equal(status[0], 0);
	for (int i = 0; i < MIXED; i++)
		lfh_buf_free(&envs[i]);
	lfh_identity_free(stranger);
}

/*
 * The same events in two batches submitted before either is stored (two
 * relays answering at once): the second's copies are not checked again; once
 * the first is stored they are duplicates, and if the first is dropped
 * unstored they are checked and stored with the second.
 */
static void test_pipeline_duplicates_in_flight(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_buf envs[4];
	lfh_envelope_ref in[4];
	lfh_ingest_result res[4];
	uint8_t id[4][LFH_ID_LEN];
	int status[4];
	lfh_err errs[4], err = { 0 };
	lfh_ingest_pipe *pp = NULL;
	lfh_ingest_job *j1 = NULL, *j2 = NULL, *j3 = NULL;
	lfh_txn *t;
	uint64_t before = event_count(n);

	for (int i = 0; i < 4; i++) {
		envs[i] = data_ev(h, h->id[A], h->nb - 500 + (uint64_t)i, id[i]);
		in[i] = (lfh_envelope_ref){ envs[i].data, envs[i].len };
	}
	assert_int_equal(lfh_ingest_pipe_new(&pp, 2, &err), 0);
	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_ingest_submit(n, pp, t, in, 4, &j1, &err), 0);
	assert_int_equal(lfh_ingest_submit(n, pp, t, in, 4, &j2, &err), 0);
	lfh_txn_abort(t);
	/* the first batch is dropped unstored (a failed transaction): the second stores them */
	lfh_ingest_release(pp, j1);
	assert_int_equal(lfh_txn_begin(n->store, 1, &t, &err), 0);
	assert_int_equal(lfh_ingest_store(n, pp, t, j2, "a", res, status, errs, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(status[i], 0);
		assert_int_equal(res[i].stored, 1);
		assert_true(has_event(n, id[i]));
	}
	lfh_ingest_release(pp, j2);
	/* once stored, the same batch again is four lookups */
	assert_int_equal(lfh_txn_begin(n->store, 1, &t, &err), 0);
	assert_int_equal(lfh_ingest_submit(n, pp, t, in, 4, &j3, &err), 0);
	assert_int_equal(lfh_ingest_store(n, pp, t, j3, "a", res, status, errs, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(status[i], 0);
		assert_int_equal(res[i].stored, 0);
	}
	lfh_ingest_release(pp, j3);
	lfh_ingest_pipe_free(pp);
	assert_int_equal(event_count(n), before + 4);
	for (int i = 0; i < 4; i++)
		lfh_buf_free(&envs[i]);
}

/*
 * One envelope many times in a batch (a hostile peer's 4096 copies): judged
 * once, at its first copy; every later copy is dropped as a duplicate after
 * a lookup, not decoded and checked again, whether the first was refused
 * or stored.
 */
static void test_pipeline_copies_in_one_batch_judged_once(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_buf bad, good;
	uint8_t bad_id[LFH_ID_LEN], good_id[LFH_ID_LEN];
	lfh_buf envs[6];
	int status[6];
	lfh_err errs[6];
	uint64_t before = event_count(n);

	bad = data_ev(h, h->id[A], h->nb - 300, bad_id);
	bad.data[bad.len - 1] ^= 0x01; /* the signature's last byte: refused */
	good = data_ev(h, h->id[A], h->nb - 299, good_id);
	for (int i = 0; i < 6; i++) {
		envs[i] = i == 2 || i == 4 ? good : bad;
		status[i] = -1;
		memset(&errs[i], 0, sizeof errs[i]);
	}
	ingest_pipelined(n, envs, 6, status, errs);
	assert_int_equal(status[0], LFH_ECRYPTO);
	assert_int_equal(status[2], 0);
	for (int i = 1; i < 6; i++)
		if (i != 2 && status[i] != 0)
			fail_msg("copy %d: %d (%s), not dropped as a duplicate", i, status[i], errs[i].msg);
	assert_true(has_event(n, good_id));
	assert_false(has_event(n, bad_id));
	assert_int_equal(event_count(n), before + 1);
	lfh_buf_free(&bad);
	lfh_buf_free(&good);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_batch_event_before_its_cert_stored),
		T(test_batch_event_before_its_revocation_rejected),
		T(test_pipeline_event_before_its_cert_stored),
		T(test_pipeline_event_before_its_revocation_rejected),
		T(test_pipeline_same_verdicts_as_serial),
		T(test_pipeline_duplicates_in_flight),
		T(test_pipeline_copies_in_one_batch_judged_once),
	};
#undef T
	if (sodium_init() < 0)
		return 1;
	lfh_log_setup(LFH_LOG_ERROR, "test");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
