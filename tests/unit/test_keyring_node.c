/*
 * test_keyring_node.c - key management in the rest of the node (PROTOCOL.md
 * section 15): key events served first, transport keys, sharing-key epochs
 * and a node opening on a rotated key directory. The hub and its helpers:
 * keyring_fixture.h.
 */
#include "keyring_fixture.h"

/* ---- 6. key events served first ------------------------------------------------ */

/* Serve PULL(after, max) from n for peer; type of each envelope into types. */
static size_t served_types(lfh_node *n, const char *peer, uint64_t after, uint32_t max,
			   uint32_t *types, size_t cap)
{
	lfh_txn *t;
	lfh_buf b = { 0 };
	lfh_err err = { 0 };
	lfh_msg *m = malloc(sizeof *m);
	size_t count;

	assert_non_null(m);
	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_serve_pull(n, t, peer, after, max, &b, &err), 0);
	lfh_txn_abort(t);
	assert_int_equal(lfh_msg_decode(b.data, b.len, m, &err), 0);
	assert_int_equal(m->type, LFH_MSG_BATCH);
	count = m->nevents;
	assert_true(count <= cap);
	for (size_t i = 0; i < count; i++) {
		lfh_event ev = { 0 };
		assert_int_equal(lfh_event_decode(m->ev[i], m->evlen[i], &ev, &err), 0);
		types[i] = ev.type;
		lfh_event_clear(&ev);
	}
	lfh_buf_free(&b);
	free(m);
	return count;
}

static void test_serve_pull_puts_cert_first(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2;
	uint32_t types[16];
	size_t count, certs = 0;
	lfh_buf env;

	for (int i = 0; i < 3; i++) {
		env = data_ev(h, h->id[A], h->nb + 100 + (uint64_t)i, NULL);
		ingest_ok(n, &env, "ordinary event");
		lfh_buf_free(&env);
	}
	g2 = certify_gen2(h, n);

	/* b relays to c: the CERT, stored last, comes first */
	count = served_types(n, "c", 0, LFH_BATCH_MAX, types, 16);
	assert_int_equal(count, 4);
	assert_int_equal(types[0], LFH_EV_CERT);
	for (size_t i = 0; i < count; i++)
		certs += types[i] == LFH_EV_CERT;
	assert_int_equal(certs, 1); /* once, not again in its own place */
	/* also when the batch is cut short */
	count = served_types(n, "c", 0, 2, types, 16);
	assert_true(count >= 1 && count <= 2);
	assert_int_equal(types[0], LFH_EV_CERT);

	/* a REVOKE too */
	env = revoke_ev(h, "a", g2, h->t + 1000, "a", 1, h->id[A]->pub.key_id, h->t, NULL);
	ingest_ok(n, &env, "REVOKE");
	lfh_buf_free(&env);
	count = served_types(n, "c", 0, 3, types, 16); /* two key events and a slot for progress */
	assert_true(count >= 2);
	assert_true(types[0] == LFH_EV_CERT || types[0] == LFH_EV_REVOKE);
	assert_true(types[1] == LFH_EV_CERT || types[1] == LFH_EV_REVOKE);
	assert_true(types[0] != types[1]);
	lfh_identity_free(g2);
}

/*
 * A puller that follows next_cursor while `more` gets everything, with at
 * most `max` envelopes a batch (PROTOCOL.md 9.1, 9.2), however small max:
 * the key events put first never take the batch's last slot, so every
 * batch moves the cursor.
 */
static void test_serve_pull_small_max_makes_progress(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	uint8_t ids[3][LFH_ID_LEN];
	int got[3] = { 0 }, certs = 0, more = 1, rounds = 0;
	uint64_t cursor = 0;
	lfh_msg *m = malloc(sizeof *m);
	lfh_identity *g2;
	lfh_buf env;

	assert_non_null(m);
	for (int i = 0; i < 3; i++) {
		env = data_ev(h, h->id[A], h->nb + 100 + (uint64_t)i, ids[i]);
		ingest_ok(n, &env, "ordinary event");
		lfh_buf_free(&env);
	}
	g2 = certify_gen2(h, n);
	while (more && rounds++ < 20) {
		lfh_txn *t;
		lfh_buf b = { 0 };
		lfh_err err = { 0 };
		assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
		assert_int_equal(lfh_serve_pull(n, t, "c", cursor, 1, &b, &err), 0);
		lfh_txn_abort(t);
		assert_int_equal(lfh_msg_decode(b.data, b.len, m, &err), 0);
		assert_true(m->nevents <= 1);
		for (size_t i = 0; i < m->nevents; i++) {
			uint8_t eid[LFH_ID_LEN];
			lfh_event ev = { 0 };
			assert_int_equal(lfh_event_decode(m->ev[i], m->evlen[i], &ev, &err), 0);
			certs += ev.type == LFH_EV_CERT;
			lfh_event_clear(&ev);
			lfh_event_id(m->ev[i], m->evlen[i], eid);
			for (int k = 0; k < 3; k++)
				got[k] |= memcmp(eid, ids[k], LFH_ID_LEN) == 0;
		}
		more = m->more;
		if (m->cursor > cursor)
			cursor = m->cursor;
		lfh_buf_free(&b);
	}
	if (more)
		fail_msg("PULL with max 1 still says more after %d rounds (cursor %llu)", rounds - 1,
			 (unsigned long long)cursor);
	assert_true(certs >= 1);
	assert_true(got[0] && got[1] && got[2]);
	free(m);
	lfh_identity_free(g2);
}

/*
 * A node that holds no key event at all (the usual case) serves pulls
 * (no qsort of an empty, NULL list: UBSan would abort under make SAN=1).
 */
static void test_serve_pull_without_key_events(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	uint32_t types[8];
	uint8_t id[LFH_ID_LEN];
	lfh_buf env = data_ev(h, h->id[A], h->nb, id);

	ingest_ok(n, &env, "ordinary event");
	lfh_buf_free(&env);
	assert_int_equal(served_types(n, "c", 0, LFH_BATCH_MAX, types, 8), 1);
	assert_int_equal(types[0], LFH_EV_NOTE);
	assert_int_equal(served_types(h->node[C], "b", 0, LFH_BATCH_MAX, types, 8), 0);
}

/* ---- 7. transport keys ---------------------------------------------------------- */

static void test_transport_switches_after_grace(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	const uint8_t *c1 = h->id[A]->pub.curve_pk;
	lfh_identity *g2;
	const lfh_keygen *g;

	/* before any rotation: generation 1, and no other key */
	assert_non_null(g = lfh_keyring_transport(&n->rules, "a", h->nb));
	assert_int_equal(g->generation, 1);
	assert_true(lfh_keyring_curve_allowed(&n->rules, "a", c1, h->nb));
	assert_false(lfh_keyring_curve_allowed(&n->rules, "a", h->id[C]->pub.curve_pk, h->nb));

	g2 = certify_gen2(h, n);
	assert_int_equal(lfh_keyring_transport(&n->rules, "a", h->sw - 1)->generation, 1);
	assert_int_equal(lfh_keyring_transport(&n->rules, "a", h->sw)->generation, 2);
	assert_int_equal(lfh_keyring_transport(&n->rules, "a", h->na - 1)->generation, 2);
	/* the old curve key until the switch, the new one from issue on */
	assert_true(lfh_keyring_curve_allowed(&n->rules, "a", c1, h->sw - 1));
	assert_false(lfh_keyring_curve_allowed(&n->rules, "a", c1, h->sw));
	assert_true(lfh_keyring_curve_allowed(&n->rules, "a", g2->pub.curve_pk, h->sw - 1));
	assert_true(lfh_keyring_curve_allowed(&n->rules, "a", g2->pub.curve_pk, h->sw));
	/* a's keys are not c's */
	assert_false(lfh_keyring_curve_allowed(&n->rules, "c", g2->pub.curve_pk, h->sw));
	lfh_identity_free(g2);
}

static void test_transport_refuses_revoked_generation(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	const uint8_t *c1 = h->id[A]->pub.curve_pk;
	lfh_identity *g2 = certify_gen2(h, n);
	lfh_buf env = revoke_ev(h, "a", g2, h->t + 1000, "a", 1, h->id[A]->pub.key_id, h->t, NULL);

	ingest_ok(n, &env, "REVOKE of generation 1");
	lfh_buf_free(&env);
	/* T is before the switch: generation 1 would still carry transport but for the revocation */
	assert_true(h->t < h->sw);
	assert_true(lfh_keyring_curve_allowed(&n->rules, "a", c1, h->t - 1));
	assert_false(lfh_keyring_curve_allowed(&n->rules, "a", c1, h->t));
	assert_false(lfh_keyring_curve_allowed(&n->rules, "a", c1, h->sw - 1));
	assert_non_null(lfh_keyring_transport(&n->rules, "a", h->t));
	assert_int_not_equal(lfh_keyring_transport(&n->rules, "a", h->t)->generation, 1);
	assert_true(lfh_keyring_curve_allowed(&n->rules, "a", g2->pub.curve_pk, h->t));

	/* generation 2 revoking itself: its key goes too, from the effective time */
	env = revoke_ev(h, "a", g2, h->sw + 1000, "a", 2, g2->pub.key_id, h->sw + 5000, NULL);
	ingest_ok(n, &env, "REVOKE of generation 2 by itself");
	lfh_buf_free(&env);
	assert_true(lfh_keyring_curve_allowed(&n->rules, "a", g2->pub.curve_pk, h->sw + 4999));
	assert_false(lfh_keyring_curve_allowed(&n->rules, "a", g2->pub.curve_pk, h->sw + 5000));
	lfh_identity_free(g2);
}

/* ---- 8. sharing-key epochs ------------------------------------------------------ */

/* Write a data event of type/category at n about case_id (REFERRAL: to `to`). */
static void write_data(lfh_node *n, const uint8_t case_id[LFH_CASE_LEN], uint32_t type,
		       const char *const *to, size_t nto, const char *text, lfh_write_result *res)
{
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	lfh_txn *t;
	int rc;

	assert_int_equal(lfh_record_set_str(&body, "text", text, &err), 0);
	assert_int_equal(lfh_txn_begin(n->store, 1, &t, &err), 0);
	rc = lfh_node_write(n, t, case_id, type, "referral", to, nto, &body, res, &err);
	if (rc)
		fail_msg("write: %s", err.msg);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	lfh_record_clear(&body);
}

struct key_find {
	const uint8_t *case_id;
	uint32_t epoch;
	const char *grantee;
	int found;
};

static int key_fn(void *vctx, uint64_t key, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		  size_t len)
{
	struct key_find *f = vctx;
	lfh_event ev = { 0 };
	lfh_key_body kb;
	(void)key;
	(void)id;
	if (lfh_event_decode(raw, len, &ev, NULL))
		return 0;
	if (ev.type == LFH_EV_KEY && memcmp(ev.case_id, f->case_id, LFH_CASE_LEN) == 0 &&
	    lfh_key_body_decode(ev.body, ev.body_len, &kb, NULL) == 0 && kb.epoch == f->epoch &&
	    strcmp(kb.creator, "a") == 0)
		for (uint32_t i = 0; i < kb.ngrants; i++)
			if (strcmp(kb.grants[i].agency, f->grantee) == 0)
				f->found++;
	lfh_event_clear(&ev);
	return 0;
}

static int key_grants(lfh_node *n, const uint8_t case_id[LFH_CASE_LEN], uint32_t epoch,
		      const char *grantee)
{
	struct key_find f = { case_id, epoch, grantee, 0 };
	lfh_txn *t;
	lfh_err err = { 0 };
	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_store_scan_author(t, "a", 1, key_fn, &f, &err), 0);
	lfh_txn_abort(t);
	return f.found;
}

static void test_sharing_epoch_rotation(void **state)
{
	hub *h = *state;
	lfh_node *a = h->node[A], *b = h->node[B];
	uint8_t case_id[LFH_CASE_LEN];
	lfh_write_result ref, note;
	lfh_event ev = { 0 };
	lfh_txn *t;
	lfh_err err = { 0 };
	uint32_t epoch = 0;
	char text[64];
	int rej;

	lfh_case_id_new(a->rules.hub_id, a->cfg.agency, case_id);
	write_data(a, case_id, LFH_EV_REFERRAL, (const char *const[]){ "b" }, 1, "before", &ref);
	stored_event(a, ref.event_id, &ev);
	assert_int_equal(ev.key_epoch, 0);
	lfh_event_clear(&ev);
	assert_int_equal(key_grants(a, case_id, 0, "b"), 1);
	assert_int_equal(meta(a, LFH_META_SHARING_EPOCH), 0);

	assert_int_equal(lfh_txn_begin(a->store, 1, &t, &err), 0);
	assert_int_equal(lfh_node_rotate_sharing(a, t, "test", &epoch, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	assert_int_equal(epoch, 1);
	assert_int_equal(meta(a, LFH_META_SHARING_EPOCH), 1);

	write_data(a, case_id, LFH_EV_NOTE, NULL, 0, "after", &note);
	stored_event(a, note.event_id, &ev);
	assert_int_equal(ev.key_epoch, 1);
	assert_string_equal(ev.key_creator, "a");
	lfh_event_clear(&ev);
	assert_int_equal(key_grants(a, case_id, 1, "b"), 1); /* a KEY event grants epoch 1 */
	assert_int_equal(key_grants(a, case_id, 0, "b"), 1); /* epoch 0 not granted again */

	/* both epochs readable by the author ... */
	assert_int_equal(read_field(a, ref.event_id, "text", text, sizeof text), 0);
	assert_string_equal(text, "before");
	assert_int_equal(read_field(a, note.event_id, "text", text, sizeof text), 0);
	assert_string_equal(text, "after");
	/* ... and by the recipient */
	assert_int_equal(pull(a, b, &rej), 4); /* 2 KEY, referral, note */
	assert_int_equal(rej, 0);
	assert_int_equal(read_field(b, ref.event_id, "text", text, sizeof text), 0);
	assert_string_equal(text, "before");
	assert_int_equal(read_field(b, note.event_id, "text", text, sizeof text), 0);
	assert_string_equal(text, "after");

	/* a second rotation: epoch 2 */
	assert_int_equal(lfh_txn_begin(a->store, 1, &t, &err), 0);
	assert_int_equal(lfh_node_rotate_sharing(a, t, "test", &epoch, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	assert_int_equal(epoch, 2);
	assert_int_equal(meta(a, LFH_META_SHARING_EPOCH), 2);
}

/* Scheduled epochs: sharing_rotate_days after the epoch began, a new one; never with 0. */
static void test_sharing_epoch_schedule(void **state)
{
	hub *h = *state;
	lfh_node *a = h->node[A];
	const uint64_t day = 86400000ULL, t0 = 1800000000000ULL;
	uint64_t e0 = meta(a, LFH_META_SHARING_EPOCH);
	lfh_txn *t;
	lfh_err err = { 0 };

	a->cfg.sharing_rotate_days = 2;
	assert_int_equal(lfh_txn_begin(a->store, 1, &t, &err), 0);
	assert_int_equal(lfh_store_meta_put(t, LFH_META_SHARING_EPOCH_MS, t0, &err), 0);
	assert_int_equal(lfh_node_sharing_schedule(a, t, t0 + 2 * day - 1, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	assert_int_equal(meta(a, LFH_META_SHARING_EPOCH), e0); /* not yet */

	assert_int_equal(lfh_txn_begin(a->store, 1, &t, &err), 0);
	assert_int_equal(lfh_node_sharing_schedule(a, t, t0 + 2 * day, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	assert_int_equal(meta(a, LFH_META_SHARING_EPOCH), e0 + 1);

	a->cfg.sharing_rotate_days = 0; /* never on schedule */
	assert_int_equal(lfh_txn_begin(a->store, 1, &t, &err), 0);
	assert_int_equal(lfh_node_sharing_schedule(a, t, t0 + 400 * day, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	assert_int_equal(meta(a, LFH_META_SHARING_EPOCH), e0 + 1);
}

/* ---- 9. a node opening on a rotated key directory --------------------------------- */

struct cert_find {
	int found;
	uint8_t key_id[LFH_KEYID_LEN];
};

static int cert_fn(void *vctx, uint64_t key, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		   size_t len)
{
	struct cert_find *f = vctx;
	lfh_event ev = { 0 };
	(void)key;
	(void)id;
	if (lfh_event_decode(raw, len, &ev, NULL))
		return 0;
	if (ev.type == LFH_EV_CERT) {
		f->found++;
		memcpy(f->key_id, ev.key_id, LFH_KEYID_LEN);
	}
	lfh_event_clear(&ev);
	return 0;
}

static int own_certs(lfh_node *n, uint8_t key_id[LFH_KEYID_LEN])
{
	struct cert_find f = { 0 };
	lfh_txn *t;
	lfh_err err = { 0 };
	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_store_scan_author(t, n->cfg.agency, 1, cert_fn, &f, &err), 0);
	lfh_txn_abort(t);
	if (key_id)
		memcpy(key_id, f.key_id, LFH_KEYID_LEN);
	return f.found;
}

static void test_open_loads_gen2_and_publishes_cert(void **state)
{
	hub *h = *state;
	char kd[LFH_PATH_MAX];
	lfh_identity *g2 = new_gen(h, A);
	lfh_cert c;
	lfh_buf cert;
	lfh_err err = { 0 };
	uint8_t kid[LFH_KEYID_LEN];
	const lfh_keygen *g;
	uint64_t now = lfh_wall_ms(), before;
	lfh_node *a;
	int rej;

	assert_int_equal(h->node[A]->gen, 1);
	assert_null(h->node[A]->prev_id);
	cert_init(h, "a", 2, g2, now - 1000, now + 365 * DAY_MS, GRACE, &c);
	cert = cert_bytes(&c, h->root_sk[A]);
	key_dir(h, A, kd, sizeof kd);
	before = event_count(h->node[A]);
	lfh_node_close(h->node[A]);
	h->node[A] = NULL;
	assert_int_equal(lfh_gen_save(kd, 2, g2, cert.data, cert.len, &err), 0);

	open_node(h, A);
	a = h->node[A];
	assert_int_equal(a->gen, 2);
	assert_memory_equal(a->id->pub.key_id, g2->pub.key_id, LFH_KEYID_LEN);
	assert_memory_equal(a->id->pub.box_pk, g2->pub.box_pk, 32);
	assert_non_null(a->prev_id);
	assert_memory_equal(a->prev_id->pub.key_id, h->id[A]->pub.key_id, LFH_KEYID_LEN);
	/* the certificate was published at open: stored, and known to the keyring */
	assert_int_equal(event_count(a), before + 1);
	assert_int_equal(own_certs(a, kid), 1);
	assert_memory_equal(kid, g2->pub.key_id, LFH_KEYID_LEN);
	assert_non_null(g = lfh_keyring_gen(&a->rules, "a", 2));
	assert_memory_equal(g->sign_pk, g2->pub.sign_pk, 32);

	/* a second open publishes nothing more */
	reopen_node(h, A);
	a = h->node[A];
	assert_int_equal(a->gen, 2);
	assert_int_equal(event_count(a), before + 1);
	assert_int_equal(own_certs(a, NULL), 1);

	/* the peers learn the generation from it */
	assert_int_equal(pull(a, h->node[B], &rej), 1);
	assert_int_equal(rej, 0);
	assert_non_null(g = lfh_keyring_gen(&h->node[B]->rules, "a", 2));
	assert_memory_equal(g->sign_pk, g2->pub.sign_pk, 32);
	assert_memory_equal(lfh_node_member(h->node[B], "a")->box_pk, g2->pub.box_pk, 32);

	/* and what a now writes is signed by generation 2, which b accepts */
	{
		uint8_t case_id[LFH_CASE_LEN];
		lfh_write_result ref;
		lfh_event ev = { 0 };
		char text[64];
		lfh_case_id_new(a->rules.hub_id, a->cfg.agency, case_id);
		write_data(a, case_id, LFH_EV_REFERRAL, (const char *const[]){ "b" }, 1, "gen 2",
			   &ref);
		stored_event(a, ref.event_id, &ev);
		assert_memory_equal(ev.key_id, g2->pub.key_id, LFH_KEYID_LEN);
		lfh_event_clear(&ev);
		assert_int_equal(pull(a, h->node[B], &rej), 2); /* KEY, referral */
		assert_int_equal(rej, 0);
		assert_int_equal(read_field(h->node[B], ref.event_id, "text", text, sizeof text), 0);
		assert_string_equal(text, "gen 2");
	}

	lfh_buf_free(&cert);
	lfh_identity_free(g2);
}

/*
 * A node whose own generation has ended (here: expired) writes nothing:
 * peers would refuse it for ever. The write is refused with LFH_EKEYID,
 * saying what to run, and nothing is stored; a REVOKE too.
 */
static void test_write_refused_after_own_generation_ended(void **state)
{
	hub *h = *state;
	char kd[LFH_PATH_MAX];
	lfh_identity *g2 = new_gen(h, A);
	lfh_cert c;
	lfh_buf cert;
	lfh_err err = { 0 };
	uint64_t now = lfh_wall_ms(), before;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_write_result res;
	lfh_record body = { 0 };
	lfh_txn *t;
	lfh_node *a;
	int rc;

	cert_init(h, "a", 2, g2, now - 20000, now - 1000, 0, &c);
	cert = cert_bytes(&c, h->root_sk[A]);
	key_dir(h, A, kd, sizeof kd);
	lfh_node_close(h->node[A]);
	h->node[A] = NULL;
	assert_int_equal(lfh_gen_save(kd, 2, g2, cert.data, cert.len, &err), 0);
	open_node(h, A);
	a = h->node[A];
	assert_int_equal(a->gen, 2);
	before = event_count(a);

	lfh_case_id_new(a->rules.hub_id, a->cfg.agency, case_id);
	assert_int_equal(lfh_record_set_str(&body, "text", "after expiry", &err), 0);
	assert_int_equal(lfh_txn_begin(a->store, 1, &t, &err), 0);
	rc = lfh_node_write(a, t, case_id, LFH_EV_REFERRAL, "referral", (const char *const[]){ "b" },
			    1, &body, &res, &err);
	assert_int_equal(rc, LFH_EKEYID);
	assert_non_null(strstr(err.msg, "key generation 2 expired at"));
	assert_non_null(strstr(err.msg, "lfh admin keys rotate"));
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	assert_int_equal(event_count(a), before);
	lfh_record_clear(&body);

	{ /* a governance event too */
		static const uint8_t no_case[LFH_CASE_LEN];
		lfh_buf rv = revocation_bytes(h, "a", 1, h->id[A]->pub.key_id, now);
		memset(&err, 0, sizeof err);
		assert_int_equal(lfh_txn_begin(a->store, 1, &t, &err), 0);
		rc = lfh_node_write_plain(a, t, no_case, LFH_EV_REVOKE, LFH_KEYS_CATEGORY, NULL, 0,
					  rv.data, rv.len, &res, &err);
		lfh_txn_abort(t);
		assert_int_equal(rc, LFH_EKEYID);
		lfh_buf_free(&rv);
	}
	assert_int_equal(event_count(a), before);
	lfh_buf_free(&cert);
	lfh_identity_free(g2);
}

/*
 * Grants sealed to older generations of ours (PROTOCOL.md 15.5): one sealed
 * to generation 1 by a peer that missed two of our rotations opens; one
 * that no generation key_dir holds opens is refused, never stored with its
 * key lost, and taken once key_dir holds the generation it was sealed to.
 */
static void test_grant_sealed_to_older_generation(void **state)
{
	hub *h = *state;
	lfh_node *a = h->node[A], *b;
	char kd[LFH_PATH_MAX], text[64];
	lfh_identity *g2 = new_gen(h, B), *g3 = new_gen(h, B), *g4 = new_gen(h, B);
	lfh_buf c2 = std_cert(h, B, 2, g2), c3 = std_cert(h, B, 3, g3), c4 = std_cert(h, B, 4, g4);
	lfh_buf env;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_write_result ref, note;
	lfh_err err = { 0 };
	lfh_txn *t;
	int rej;

	/* b rotates twice; a knows only b's generation 1 */
	key_dir(h, B, kd, sizeof kd);
	lfh_node_close(h->node[B]);
	h->node[B] = NULL;
	assert_int_equal(lfh_gen_save(kd, 2, g2, c2.data, c2.len, &err), 0);
	assert_int_equal(lfh_gen_save(kd, 3, g3, c3.data, c3.len, &err), 0);
	open_node(h, B);
	b = h->node[B];
	assert_int_equal(b->gen, 3);

	lfh_case_id_new(a->rules.hub_id, a->cfg.agency, case_id);
	write_data(a, case_id, LFH_EV_REFERRAL, (const char *const[]){ "b" }, 1, "to gen 1", &ref);
	assert_int_equal(pull(a, b, &rej), 2); /* KEY, referral */
	assert_int_equal(rej, 0);
	assert_int_equal(read_field(b, ref.event_id, "text", text, sizeof text), 0);
	assert_string_equal(text, "to gen 1");

	/* a learns a generation 4 of b whose keys b's key_dir does not hold */
	env = cert_ev(h, "b", g4, h->nb, &c4);
	ingest_ok(a, &env, "b's generation 4");
	lfh_buf_free(&env);
	assert_int_equal(lfh_txn_begin(a->store, 1, &t, &err), 0);
	assert_int_equal(lfh_node_rotate_sharing(a, t, "test", NULL, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	write_data(a, case_id, LFH_EV_NOTE, NULL, 0, "to gen 4", &note);
	assert_int_equal(key_grants(a, case_id, 1, "b"), 1);
	pull(a, b, &rej);
	assert_true(rej >= 1);                               /* the KEY is refused ... */
	assert_int_equal(key_grants(b, case_id, 1, "b"), 0); /* ... and not stored */
	assert_int_not_equal(read_field(b, note.event_id, "text", text, sizeof text), 0);

	/* once key_dir holds generation 4, the KEY comes again and opens */
	lfh_node_close(h->node[B]);
	h->node[B] = NULL;
	assert_int_equal(lfh_gen_save(kd, 4, g4, c4.data, c4.len, &err), 0);
	open_node(h, B);
	b = h->node[B];
	pull(a, b, &rej);
	assert_int_equal(rej, 0);
	assert_int_equal(key_grants(b, case_id, 1, "b"), 1);
	assert_int_equal(read_field(b, note.event_id, "text", text, sizeof text), 0);
	assert_string_equal(text, "to gen 4");

	lfh_buf_free(&c2);
	lfh_buf_free(&c3);
	lfh_buf_free(&c4);
	lfh_identity_free(g2);
	lfh_identity_free(g3);
	lfh_identity_free(g4);
}

/*
 * A replaced store (keys kept) knows our generations from key_dir before
 * any CERT comes back (PROTOCOL.md 13.1): generation 2 is in the keyring,
 * not stored (lseq 0), and its transport key is the one the node uses; a
 * certificate that our root did not sign is not taken.
 */
static void test_replaced_store_knows_own_generations(void **state)
{
	hub *h = *state;
	char kd[LFH_PATH_MAX], cmd[LFH_PATH_MAX + 32];
	lfh_identity *g2 = new_gen(h, A);
	lfh_buf cert = std_cert(h, A, 2, g2);
	const lfh_cert *own;
	const lfh_keygen *g;
	lfh_err err = { 0 };
	lfh_cert bad;
	lfh_node *a;

	key_dir(h, A, kd, sizeof kd);
	lfh_node_close(h->node[A]);
	h->node[A] = NULL;
	assert_int_equal(lfh_gen_save(kd, 2, g2, cert.data, cert.len, &err), 0);
	open_node(h, A); /* publishes generation 2's CERT */
	assert_non_null(g = lfh_keyring_gen(&h->node[A]->rules, "a", 2));
	assert_true(g->lseq > 0);

	/* the disk is replaced: an empty store, the key directory kept */
	lfh_node_close(h->node[A]);
	h->node[A] = NULL;
	snprintf(cmd, sizeof cmd, "rm -rf '%s/a/data'", h->dir);
	assert_int_equal(system(cmd), 0);
	open_node(h, A);
	a = h->node[A];
	assert_true(a->recovering);
	assert_int_equal(event_count(a), 0); /* published nothing while it recovers */
	assert_non_null(g = lfh_keyring_gen(&a->rules, "a", 2));
	assert_int_equal(g->lseq, 0);
	assert_memory_equal(g->curve_pk, g2->pub.curve_pk, 32);
	assert_non_null(g = lfh_keyring_transport(&a->rules, "a", lfh_wall_ms()));
	assert_int_equal(g->generation, 2); /* switched NB + GRACE, 9 days ago */
	assert_ptr_equal(lfh_node_identity(a, 2), a->id);

	/* a certificate our root did not sign is not taken */
	own = a->rules.own_certs;
	assert_int_equal(a->rules.nown_certs, 1);
	bad = own[0];
	bad.root_sig[0] ^= 1;
	a->rules.own_certs = &bad;
	lfh_node_reload_keys(a);
	assert_null(lfh_keyring_gen(&a->rules, "a", 2));
	a->rules.own_certs = own;
	lfh_node_reload_keys(a);
	assert_non_null(lfh_keyring_gen(&a->rules, "a", 2));

	lfh_buf_free(&cert);
	lfh_identity_free(g2);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_serve_pull_puts_cert_first),
		T(test_serve_pull_small_max_makes_progress),
		T(test_transport_switches_after_grace),
		T(test_transport_refuses_revoked_generation),
		T(test_open_loads_gen2_and_publishes_cert),
		T(test_write_refused_after_own_generation_ended),
		T(test_grant_sealed_to_older_generation),
		T(test_replaced_store_knows_own_generations),
		T(test_sharing_epoch_rotation),
		T(test_sharing_epoch_schedule),
		T(test_serve_pull_without_key_events),
	};
#undef T
	if (sodium_init() < 0)
		return 1;
	lfh_log_setup(LFH_LOG_ERROR, "test");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
