/*
 * test_keyring.c - key management at work (node/keyring.c through the node;
 * PROTOCOL.md section 15): certificates of new key generations, which
 * generation may sign when, and revocations. The hub and its helpers:
 * keyring_fixture.h. Key events within a batch and the catch-up pipeline:
 * test_ingest_batch.c. Serving, transport keys, sharing-key epochs and
 * rotated key directories: test_keyring_node.c.
 */
#include "keyring_fixture.h"

/* ---- 1. a valid certificate ----------------------------------------------- */

static void test_cert_accepted_new_generation_known(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = new_gen(h, A);
	lfh_buf cert = std_cert(h, A, 2, g2);
	lfh_buf env = cert_ev(h, "a", g2, h->nb, &cert);
	uint64_t before = event_count(n);
	const lfh_keygen *g;

	assert_null(lfh_keyring_gen(&n->rules, "a", 2));
	ingest_ok(n, &env, "CERT of a generation 2");
	assert_int_equal(event_count(n), before + 1);

	assert_non_null(g = lfh_keyring_gen(&n->rules, "a", 2));
	assert_int_equal(g->generation, 2);
	assert_memory_equal(g->sign_pk, g2->pub.sign_pk, 32);
	assert_memory_equal(g->box_pk, g2->pub.box_pk, 32);
	assert_memory_equal(g->curve_pk, g2->pub.curve_pk, 32);
	assert_memory_equal(g->key_id, g2->pub.key_id, LFH_KEYID_LEN);
	assert_true(g->not_before_ms == h->nb);
	assert_true(g->not_after_ms == h->na);
	assert_true(g->grace_ms == GRACE);
	assert_true(g->revoked_ms == LFH_NEVER);
	assert_true(lfh_keyring_find(&n->rules, "a", g2->pub.key_id) == g);
	/* sharing keys are now sealed to the new box key */
	assert_memory_equal(lfh_node_member(n, "a")->box_pk, g2->pub.box_pk, 32);
	/* generation 1 now ends at generation 2's switch */
	assert_true(lfh_keyring_until(&n->rules, lfh_keyring_gen(&n->rules, "a", 1)) == h->sw);
	assert_true(lfh_keyring_until(&n->rules, g) == h->na);

	lfh_buf_free(&env);
	lfh_buf_free(&cert);
	lfh_identity_free(g2);
}

static void test_cert_switch_gen1_valid_until_grace_end(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = certify_gen2(h, n);
	lfh_buf env;
	lfh_err err = { 0 };
	uint64_t before;

	/* the new generation signs */
	env = data_ev(h, g2, h->nb + 1000, NULL);
	ingest_ok(n, &env, "event by generation 2");
	lfh_buf_free(&env);
	/* the old one until not_before + grace ... */
	env = data_ev(h, h->id[A], h->sw - 1, NULL);
	ingest_ok(n, &env, "event by generation 1 just before the switch");
	lfh_buf_free(&env);
	/* ... and not from then on */
	before = event_count(n);
	env = data_ev(h, h->id[A], h->sw, NULL);
	assert_int_equal(ingest(n, &env, "a", &err), LFH_EKEYID);
	assert_int_equal(event_count(n), before);
	lfh_buf_free(&env);
	/* generation 2 still signs after the switch */
	env = data_ev(h, g2, h->sw + 1, NULL);
	ingest_ok(n, &env, "event by generation 2 after the switch");
	lfh_buf_free(&env);
	/* and not at or after its expiry */
	env = data_ev(h, g2, h->na, NULL);
	assert_int_equal(ingest(n, &env, "a", &err), LFH_EKEYID);
	lfh_buf_free(&env);

	lfh_identity_free(g2);
}

/* ---- 2. certificates refused ---------------------------------------------- */

static void test_cert_refused_signed_by_other_root(void **state)
{
	hub *h = *state;
	lfh_identity *g2 = new_gen(h, A);
	lfh_cert c;
	lfh_buf cert, env;

	cert_init(h, "a", 2, g2, h->nb, h->na, GRACE, &c);
	cert = cert_bytes(&c, h->root_sk[B]); /* b's root certifying a's keys */
	env = cert_ev(h, "a", g2, h->nb, &cert);
	assert_refused(h->node[C], &env, "a", LFH_ECRYPTO, "certificate signed by b's root");
	assert_null(lfh_keyring_gen(&h->node[C]->rules, "a", 2));
	lfh_buf_free(&env);
	lfh_buf_free(&cert);
	lfh_identity_free(g2);
}

static void test_cert_refused_expired(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = new_gen(h, A);
	lfh_cert c;
	lfh_buf cert, env;

	cert_init(h, "a", 2, g2, h->nb, h->nb + 5000, GRACE, &c);
	cert = cert_bytes(&c, h->root_sk[A]);
	/* carried by an event stamped at not_after: expired */
	env = cert_ev(h, "a", g2, h->nb + 5000, &cert);
	assert_refused(n, &env, "a", LFH_EKEYID, "certificate expired at the event's time");
	lfh_buf_free(&env);
	env = cert_ev(h, "a", g2, h->nb + 9000, &cert);
	assert_refused(n, &env, "a", LFH_EKEYID, "certificate expired before the event");
	assert_null(lfh_keyring_gen(&n->rules, "a", 2));
	lfh_buf_free(&env);
	/* control: the same certificate 1 ms before its expiry is accepted */
	env = cert_ev(h, "a", g2, h->nb + 4999, &cert);
	ingest_ok(n, &env, "certificate carried just before its expiry");
	assert_non_null(lfh_keyring_gen(&n->rules, "a", 2));
	lfh_buf_free(&env);
	lfh_buf_free(&cert);
	lfh_identity_free(g2);
}

static void test_cert_refused_envelope_not_signed_by_certified_key(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = new_gen(h, A);
	lfh_identity *other = new_gen(h, A);
	lfh_buf cert = std_cert(h, A, 2, g2);
	lfh_identity hybrid;
	lfh_buf env;

	/* signed by generation 1 (its own key id) */
	env = cert_ev(h, "a", h->id[A], h->nb, &cert);
	assert_refused(n, &env, "a", LFH_EKEYID, "CERT signed by generation 1");
	lfh_buf_free(&env);
	/* signed by a key nobody certified */
	env = cert_ev(h, "a", other, h->nb, &cert);
	assert_refused(n, &env, "a", LFH_EKEYID, "CERT signed by an uncertified key");
	lfh_buf_free(&env);
	/*
	 * naming the certified key id, but signed with generation 1's secret
	 * (libsodium's secret key is seed || public key: lfh_event_sign checks
	 * the public half against key_id, the seed half makes the signature)
	 */
	memcpy(&hybrid, g2, sizeof hybrid);
	memcpy(hybrid.sign_sk, h->id[A]->sign_sk, 32);
	env = cert_ev(h, "a", &hybrid, h->nb, &cert);
	assert_refused(n, &env, "a", LFH_ECRYPTO, "CERT with the certified key id, other signature");
	lfh_buf_free(&env);
	sodium_memzero(&hybrid, sizeof hybrid);
	assert_null(lfh_keyring_gen(&n->rules, "a", 2));

	lfh_buf_free(&cert);
	lfh_identity_free(other);
	lfh_identity_free(g2);
}

static void test_cert_refused_other_hub(void **state)
{
	hub *h = *state;
	lfh_identity *g2 = new_gen(h, A);
	lfh_cert c;
	lfh_buf cert, env;

	cert_init(h, "a", 2, g2, h->nb, h->na, GRACE, &c);
	c.hub[0] ^= 1;
	cert = cert_bytes(&c, h->root_sk[A]);
	env = cert_ev(h, "a", g2, h->nb, &cert);
	assert_refused(h->node[B], &env, "a", LFH_EHUB, "certificate for another hub");
	assert_null(lfh_keyring_gen(&h->node[B]->rules, "a", 2));
	lfh_buf_free(&env);
	lfh_buf_free(&cert);
	lfh_identity_free(g2);
}

static void test_cert_refused_agency_not_author(void **state)
{
	hub *h = *state;
	lfh_identity *g2 = new_gen(h, A);
	lfh_buf cert = std_cert(h, A, 2, g2); /* a genuine certificate of a ... */
	lfh_buf env = cert_ev(h, "c", g2, h->nb, &cert); /* ... carried by c */

	assert_refused(h->node[B], &env, "c", LFH_EPERM, "CERT by c carrying a's certificate");
	assert_null(lfh_keyring_gen(&h->node[B]->rules, "a", 2));
	assert_null(lfh_keyring_gen(&h->node[B]->rules, "c", 2));
	lfh_buf_free(&env);
	lfh_buf_free(&cert);
	lfh_identity_free(g2);
}

static void test_cert_refused_equivocating_generation(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = certify_gen2(h, n);
	lfh_identity *g2b = new_gen(h, A);
	lfh_buf cert = std_cert(h, A, 2, g2b); /* generation 2 again, other keys */
	lfh_buf env = cert_ev(h, "a", g2b, h->nb + 1, &cert);

	assert_refused(n, &env, "a", LFH_EEQUIV, "second certificate for generation 2");
	assert_memory_equal(lfh_keyring_gen(&n->rules, "a", 2)->sign_pk, g2->pub.sign_pk, 32);
	assert_memory_equal(lfh_node_member(n, "a")->box_pk, g2->pub.box_pk, 32);
	/* nor may the other keys sign */
	lfh_buf_free(&env);
	env = data_ev(h, g2b, h->nb + 2, NULL);
	assert_refused(n, &env, "a", LFH_EKEYID, "event signed by the equivocated key");
	lfh_buf_free(&env);
	/* the same certificate again (another CERT event) adds nothing, and is no equivocation */
	lfh_buf_free(&cert);
	cert = std_cert(h, A, 2, g2);
	env = cert_ev(h, "a", g2, h->nb + 3, &cert);
	ingest_ok(n, &env, "the same certificate again");
	assert_memory_equal(lfh_keyring_gen(&n->rules, "a", 2)->sign_pk, g2->pub.sign_pk, 32);
	lfh_buf_free(&env);

	lfh_buf_free(&cert);
	lfh_identity_free(g2b);
	lfh_identity_free(g2);
}

static void test_cert_refused_reusing_a_known_key(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = certify_gen2(h, n);
	lfh_identity *g3 = new_gen(h, A);
	lfh_identity k;
	lfh_buf cert, env;

	/* generation 3 with generation 2's box key */
	memcpy(&k, g3, sizeof k);
	memcpy(k.pub.box_pk, g2->pub.box_pk, 32);
	cert = std_cert(h, A, 3, &k);
	env = cert_ev(h, "a", &k, h->nb + 100, &cert);
	assert_refused(n, &env, "a", LFH_EPERM, "generation 3 reusing generation 2's box key");
	lfh_buf_free(&env);
	lfh_buf_free(&cert);
	/* with generation 1's curve key */
	memcpy(&k, g3, sizeof k);
	memcpy(k.pub.curve_pk, h->id[A]->pub.curve_pk, 32);
	cert = std_cert(h, A, 3, &k);
	env = cert_ev(h, "a", &k, h->nb + 100, &cert);
	assert_refused(n, &env, "a", LFH_EPERM, "generation 3 reusing generation 1's curve key");
	lfh_buf_free(&env);
	lfh_buf_free(&cert);
	/* with another agency's sign key (c's generation 1, which the thief holds) */
	memcpy(&k, g3, sizeof k);
	memcpy(k.pub.sign_pk, h->id[C]->pub.sign_pk, 32);
	memcpy(k.pub.key_id, h->id[C]->pub.key_id, LFH_KEYID_LEN);
	memcpy(k.sign_sk, h->id[C]->sign_sk, 64);
	cert = std_cert(h, A, 3, &k);
	env = cert_ev(h, "a", &k, h->nb + 100, &cert);
	assert_refused(n, &env, "a", LFH_EPERM, "generation 3 reusing c's sign key");
	lfh_buf_free(&env);
	lfh_buf_free(&cert);
	sodium_memzero(&k, sizeof k);
	assert_null(lfh_keyring_gen(&n->rules, "a", 3));

	/* control: generation 3 with fresh keys is accepted */
	cert = std_cert(h, A, 3, g3);
	env = cert_ev(h, "a", g3, h->nb + 100, &cert);
	ingest_ok(n, &env, "generation 3 with fresh keys");
	assert_non_null(lfh_keyring_gen(&n->rules, "a", 3));
	lfh_buf_free(&env);
	lfh_buf_free(&cert);

	lfh_identity_free(g3);
	lfh_identity_free(g2);
}

/*
 * PROTOCOL.md 15.5 rule 6: "none of its three keys equals a key of any
 * earlier generation of any agency" - whichever role the key had there:
 * an X25519 key known as a curve (transport) key is no new box key.
 */
static void test_cert_refused_reusing_a_known_key_in_another_role(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = new_gen(h, A);
	lfh_identity k;
	lfh_buf cert, env;

	/* generation 2 whose box key is generation 1's curve key */
	memcpy(&k, g2, sizeof k);
	memcpy(k.pub.box_pk, h->id[A]->pub.curve_pk, 32);
	cert = std_cert(h, A, 2, &k);
	env = cert_ev(h, "a", &k, h->nb, &cert);
	assert_refused(n, &env, "a", LFH_EPERM, "box key = generation 1's curve key");
	lfh_buf_free(&env);
	lfh_buf_free(&cert);
	/* whose curve key is c's box key */
	memcpy(&k, g2, sizeof k);
	memcpy(k.pub.curve_pk, h->id[C]->pub.box_pk, 32);
	cert = std_cert(h, A, 2, &k);
	env = cert_ev(h, "a", &k, h->nb, &cert);
	assert_refused(n, &env, "a", LFH_EPERM, "curve key = c's box key");
	lfh_buf_free(&env);
	lfh_buf_free(&cert);
	sodium_memzero(&k, sizeof k);
	assert_null(lfh_keyring_gen(&n->rules, "a", 2));
	lfh_identity_free(g2);
}

/* ---- 3. unknown key id ------------------------------------------------------ */

static void test_unknown_key_id_rejected_naming_it(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *stray = new_gen(h, A); /* a's agency name, keys nobody certified */
	lfh_buf env = data_ev(h, stray, h->nb, NULL);
	lfh_err err = { 0 };
	char hex[2 * LFH_KEYID_LEN + 1];
	uint64_t before = event_count(n);

	assert_int_equal(ingest(n, &env, "a", &err), LFH_EKEYID);
	lfh_hex(hex, stray->pub.key_id, LFH_KEYID_LEN);
	if (!strstr(err.msg, hex))
		fail_msg("message does not name key %s: %s", hex, err.msg);
	assert_non_null(strstr(err.msg, "a"));
	assert_int_equal(event_count(n), before);
	lfh_buf_free(&env);
	lfh_identity_free(stray);
}

/* ---- 4. revocation ---------------------------------------------------------- */

static void test_revoke_rejects_old_key_from_effective(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = certify_gen2(h, n);
	lfh_buf env;
	lfh_err err = { 0 };
	uint64_t before;

	env = revoke_ev(h, "a", g2, h->t + 1000, "a", 1, h->id[A]->pub.key_id, h->t, NULL);
	ingest_ok(n, &env, "REVOKE of generation 1 by generation 2");
	lfh_buf_free(&env);
	assert_true(lfh_keyring_gen(&n->rules, "a", 1)->revoked_ms == h->t);
	assert_true(lfh_keyring_until(&n->rules, lfh_keyring_gen(&n->rules, "a", 1)) == h->t);

	/* stamped at or after the effective time: refused as revoked */
	before = event_count(n);
	env = data_ev(h, h->id[A], h->t, NULL);
	assert_int_equal(ingest(n, &env, "a", &err), LFH_EKEYID);
	if (!strstr(err.msg, "revoked"))
		fail_msg("message does not say revoked: %s", err.msg);
	lfh_buf_free(&env);
	env = data_ev(h, h->id[A], h->t + 500, NULL);
	assert_int_equal(ingest(n, &env, "a", &err), LFH_EKEYID);
	lfh_buf_free(&env);
	assert_int_equal(event_count(n), before);
	/* before it: accepted (late delivery of what the key signed while valid) */
	env = data_ev(h, h->id[A], h->t - 1, NULL);
	ingest_ok(n, &env, "generation 1 event stamped before the revocation");
	lfh_buf_free(&env);
	assert_int_equal(event_count(n), before + 1);

	lfh_identity_free(g2);
}

struct audit_find {
	const char *event_hex;
	int found;
};

static int audit_fn(void *vctx, uint64_t aseq, const lfh_record *r)
{
	struct audit_find *f = vctx;
	const char *cmd = lfh_record_str(r, "cmd"), *ev = lfh_record_str(r, "event");
	(void)aseq;
	if (cmd && strcmp(cmd, "drop-revoked-event") == 0 && ev && strcmp(ev, f->event_hex) == 0)
		f->found++;
	return 0;
}

static void test_revoke_deletes_stored_events_and_audits(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = certify_gen2(h, n);
	uint8_t late[LFH_ID_LEN], early[LFH_ID_LEN], at[LFH_ID_LEN], by2[LFH_ID_LEN];
	char hex[2 * LFH_ID_LEN + 1];
	struct audit_find f = { hex, 0 };
	lfh_buf env;
	lfh_txn *t;
	lfh_err err = { 0 };
	const uint8_t *raw;
	size_t len;

	/* stored while generation 1 was still valid here */
	env = data_ev(h, h->id[A], h->t + 10, late);
	ingest_ok(n, &env, "generation 1 event after T, before the revocation is known");
	lfh_buf_free(&env);
	env = data_ev(h, h->id[A], h->t, at);
	ingest_ok(n, &env, "generation 1 event at T, before the revocation is known");
	lfh_buf_free(&env);
	env = data_ev(h, h->id[A], h->t - 10, early);
	ingest_ok(n, &env, "generation 1 event before T");
	lfh_buf_free(&env);
	env = data_ev(h, g2, h->t + 20, by2);
	ingest_ok(n, &env, "generation 2 event after T");
	lfh_buf_free(&env);
	assert_true(has_event(n, late));

	env = revoke_ev(h, "a", g2, h->t + 1000, "a", 1, h->id[A]->pub.key_id, h->t, NULL);
	ingest_ok(n, &env, "REVOKE of generation 1");
	lfh_buf_free(&env);

	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_store_get_event(t, late, &raw, &len, &err), LFH_ENOTFOUND);
	assert_int_equal(lfh_store_get_event(t, at, &raw, &len, &err), LFH_ENOTFOUND);
	assert_int_equal(lfh_store_get_event(t, early, &raw, &len, &err), 0);
	assert_int_equal(lfh_store_get_event(t, by2, &raw, &len, &err), 0);
	lfh_hex(hex, late, LFH_ID_LEN);
	assert_int_equal(lfh_store_scan_audit(t, 0, audit_fn, &f, &err), 0);
	assert_int_equal(f.found, 1);
	lfh_hex(hex, at, LFH_ID_LEN);
	f.found = 0;
	assert_int_equal(lfh_store_scan_audit(t, 0, audit_fn, &f, &err), 0);
	assert_int_equal(f.found, 1);
	lfh_hex(hex, early, LFH_ID_LEN);
	f.found = 0;
	assert_int_equal(lfh_store_scan_audit(t, 0, audit_fn, &f, &err), 0);
	assert_int_equal(f.found, 0);
	lfh_txn_abort(t);
	/* nor relayed on */
	assert_false(serves(n, "c", late));
	assert_false(serves(n, "c", at));
	assert_true(serves(n, "c", early));

	lfh_identity_free(g2);
}

static void test_revoke_refused_unknown_generation(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = certify_gen2(h, n);
	lfh_buf env = revoke_ev(h, "a", g2, h->t, "a", 7, g2->pub.key_id, h->t, NULL);

	assert_refused(n, &env, "a", LFH_EKEYID, "revocation of generation 7 (unknown)");
	lfh_buf_free(&env);
	lfh_identity_free(g2);
}

static void test_revoke_refused_key_id_mismatch(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = certify_gen2(h, n);
	/* generation 1, but naming generation 2's key id */
	lfh_buf env = revoke_ev(h, "a", g2, h->t, "a", 1, g2->pub.key_id, h->t, NULL);

	assert_refused(n, &env, "a", LFH_EKEYID, "revocation of generation 1 with another key id");
	assert_true(lfh_keyring_gen(&n->rules, "a", 1)->revoked_ms == LFH_NEVER);
	assert_true(lfh_keyring_gen(&n->rules, "a", 2)->revoked_ms == LFH_NEVER);
	lfh_buf_free(&env);
	lfh_identity_free(g2);
}

static void test_revoke_refused_older_revoking_newer(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = certify_gen2(h, n);
	/* a thief with the old key tries to kill the new one */
	lfh_buf env = revoke_ev(h, "a", h->id[A], h->t, "a", 2, g2->pub.key_id, h->t, NULL);

	assert_refused(n, &env, "a", LFH_EPERM, "generation 1 revoking generation 2");
	assert_true(lfh_keyring_gen(&n->rules, "a", 2)->revoked_ms == LFH_NEVER);
	lfh_buf_free(&env);
	lfh_identity_free(g2);
}

static void test_revoke_refused_self_revocation_reaching_back(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = certify_gen2(h, n);
	lfh_buf env = revoke_ev(h, "a", g2, h->t, "a", 2, g2->pub.key_id, h->t - 1, NULL);

	assert_refused(n, &env, "a", LFH_EPERM, "generation 2 revoking itself from before");
	assert_true(lfh_keyring_gen(&n->rules, "a", 2)->revoked_ms == LFH_NEVER);
	lfh_buf_free(&env);
	/* control: from the revocation's own time on, a key may revoke itself */
	env = revoke_ev(h, "a", g2, h->t, "a", 2, g2->pub.key_id, h->t, NULL);
	ingest_ok(n, &env, "generation 2 revoking itself from now");
	assert_true(lfh_keyring_gen(&n->rules, "a", 2)->revoked_ms == h->t);
	lfh_buf_free(&env);
	lfh_identity_free(g2);
}

static void test_revoke_refused_from_another_agency(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = certify_gen2(h, n);
	/* c, with its own valid key, revokes a's generation 1 */
	lfh_buf env = revoke_ev(h, "c", h->id[C], h->t, "a", 1, h->id[A]->pub.key_id, h->t, NULL);

	assert_refused(n, &env, "c", LFH_EPERM, "c revoking a's key");
	assert_true(lfh_keyring_gen(&n->rules, "a", 1)->revoked_ms == LFH_NEVER);
	lfh_buf_free(&env);
	lfh_identity_free(g2);
}

static void test_revoke_earliest_effective_wins(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = certify_gen2(h, n);
	const uint8_t *kid1 = h->id[A]->pub.key_id;
	lfh_buf env;
	lfh_err err = { 0 };

	env = revoke_ev(h, "a", g2, h->t + 6000, "a", 1, kid1, h->t + 5000, NULL);
	ingest_ok(n, &env, "first revocation, effective T+5s");
	lfh_buf_free(&env);
	assert_true(lfh_keyring_gen(&n->rules, "a", 1)->revoked_ms == h->t + 5000);
	/* an earlier effective time replaces it */
	env = revoke_ev(h, "a", g2, h->t + 7000, "a", 1, kid1, h->t, NULL);
	ingest_ok(n, &env, "second revocation, effective T");
	lfh_buf_free(&env);
	assert_true(lfh_keyring_gen(&n->rules, "a", 1)->revoked_ms == h->t);
	/* a later one does not */
	env = revoke_ev(h, "a", g2, h->t + 8000, "a", 1, kid1, h->t + 3000, NULL);
	ingest_ok(n, &env, "third revocation, effective T+3s");
	lfh_buf_free(&env);
	assert_true(lfh_keyring_gen(&n->rules, "a", 1)->revoked_ms == h->t);
	/* so an event between the two effective times is refused */
	env = data_ev(h, h->id[A], h->t + 1000, NULL);
	assert_int_equal(ingest(n, &env, "a", &err), LFH_EKEYID);
	lfh_buf_free(&env);

	/* the same after a restart (the tables hold the earliest) */
	reopen_node(h, B);
	n = h->node[B];
	assert_non_null(lfh_keyring_gen(&n->rules, "a", 2));
	assert_true(lfh_keyring_gen(&n->rules, "a", 1)->revoked_ms == h->t);
	lfh_identity_free(g2);
}

static void test_keyring_survives_restart(void **state)
{
	hub *h = *state;
	lfh_identity *g2 = certify_gen2(h, h->node[B]);
	lfh_buf env = revoke_ev(h, "a", g2, h->t + 1000, "a", 1, h->id[A]->pub.key_id, h->t, NULL);
	const lfh_keygen *g;
	lfh_node *n;
	lfh_err err = { 0 };

	ingest_ok(h->node[B], &env, "REVOKE of generation 1");
	lfh_buf_free(&env);
	reopen_node(h, B);
	n = h->node[B];
	assert_non_null(g = lfh_keyring_gen(&n->rules, "a", 2));
	assert_memory_equal(g->sign_pk, g2->pub.sign_pk, 32);
	assert_true(g->not_before_ms == h->nb && g->grace_ms == GRACE && g->not_after_ms == h->na);
	assert_true(lfh_keyring_gen(&n->rules, "a", 1)->revoked_ms == h->t);
	assert_memory_equal(lfh_node_member(n, "a")->box_pk, g2->pub.box_pk, 32);
	env = data_ev(h, h->id[A], h->t, NULL);
	assert_int_equal(ingest(n, &env, "a", &err), LFH_EKEYID);
	lfh_buf_free(&env);
	env = data_ev(h, g2, h->t, NULL);
	ingest_ok(n, &env, "generation 2 after a restart");
	lfh_buf_free(&env);
	lfh_identity_free(g2);
}

/* Ingest env at n in a write transaction that is then aborted (a store failure later in the round). */
static void ingest_aborted(lfh_node *n, const lfh_buf *env)
{
	lfh_txn *t;
	lfh_ingest_result r;
	lfh_err err = { 0 };
	assert_int_equal(lfh_txn_begin(n->store, 1, &t, &err), 0);
	if (lfh_ingest(n, t, env->data, env->len, "a", &r, &err) != 0)
		fail_msg("ingest before abort: %s", err.msg);
	lfh_txn_abort(t);
}

/*
 * A key event whose transaction is aborted (sync aborts a batch on a store
 * failure, control a round) and that arrives again later must be recorded
 * once it is durably stored: the generation / revocation survives a restart.
 * (The in-memory keyring may already hold it from the aborted transaction;
 * what is recorded is decided by the store, not by memory.)
 */
static void test_cert_after_aborted_txn_survives_restart(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = new_gen(h, A);
	lfh_buf cert = std_cert(h, A, 2, g2);
	lfh_buf cenv = cert_ev(h, "a", g2, h->nb, &cert);
	lfh_buf env;
	lfh_err err = { 0 };
	int rc;

	ingest_aborted(n, &cenv);
	ingest_ok(n, &cenv, "CERT again after an aborted transaction");
	assert_non_null(lfh_keyring_gen(&n->rules, "a", 2));

	reopen_node(h, B);
	n = h->node[B];
	if (!lfh_keyring_gen(&n->rules, "a", 2))
		fail_msg("generation 2 of a, whose CERT event is stored, is unknown after a restart");
	env = data_ev(h, g2, h->nb + 1000, NULL);
	rc = ingest(n, &env, "a", &err);
	if (rc != 0)
		fail_msg("event by generation 2 after a restart: %d (%s)", rc, err.msg);
	lfh_buf_free(&env);

	lfh_buf_free(&cenv);
	lfh_buf_free(&cert);
	lfh_identity_free(g2);
}

/* As above, for a REVOKE whose first transaction was aborted. */
static void test_revoke_after_aborted_txn_survives_restart(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = certify_gen2(h, n);
	lfh_buf renv = revoke_ev(h, "a", g2, h->t + 1000, "a", 1, h->id[A]->pub.key_id, h->t, NULL);
	lfh_buf env;
	uint8_t late[LFH_ID_LEN];
	lfh_err err = { 0 };
	int kept, lost, rc;

	env = data_ev(h, h->id[A], h->t + 10, late); /* valid until the revocation is known */
	ingest_ok(n, &env, "generation 1 event after T");
	lfh_buf_free(&env);
	ingest_aborted(n, &renv);
	ingest_ok(n, &renv, "REVOKE again after an aborted transaction");
	assert_true(lfh_keyring_gen(&n->rules, "a", 1)->revoked_ms == h->t);
	kept = has_event(n, late);

	reopen_node(h, B);
	n = h->node[B];
	lost = lfh_keyring_gen(&n->rules, "a", 1)->revoked_ms != h->t;
	env = data_ev(h, h->id[A], h->t + 20, NULL);
	rc = ingest(n, &env, "a", &err);
	lfh_buf_free(&env);
	if (kept || lost || rc != LFH_EKEYID)
		fail_msg("REVOKE stored after an aborted attempt:%s%s%s",
			 kept ? " the event signed after its effective time is kept;" : "",
			 lost ? " the revocation is lost after a restart;" : "",
			 rc != LFH_EKEYID ? " after the restart the revoked key signs again;" : "");

	lfh_buf_free(&renv);
	lfh_identity_free(g2);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_cert_accepted_new_generation_known),
		T(test_cert_switch_gen1_valid_until_grace_end),
		T(test_cert_refused_signed_by_other_root),
		T(test_cert_refused_expired),
		T(test_cert_refused_envelope_not_signed_by_certified_key),
		T(test_cert_refused_other_hub),
		T(test_cert_refused_agency_not_author),
		T(test_cert_refused_equivocating_generation),
		T(test_cert_refused_reusing_a_known_key),
		T(test_cert_refused_reusing_a_known_key_in_another_role),
		T(test_unknown_key_id_rejected_naming_it),
		T(test_revoke_rejects_old_key_from_effective),
		T(test_revoke_deletes_stored_events_and_audits),
		T(test_revoke_refused_unknown_generation),
		T(test_revoke_refused_key_id_mismatch),
		T(test_revoke_refused_older_revoking_newer),
		T(test_revoke_refused_self_revocation_reaching_back),
		T(test_revoke_refused_from_another_agency),
		T(test_revoke_earliest_effective_wins),
		T(test_keyring_survives_restart),
		T(test_cert_after_aborted_txn_survives_restart),
		T(test_revoke_after_aborted_txn_survives_restart),
	};
#undef T
	if (sodium_init() < 0)
		return 1;
	lfh_log_setup(LFH_LOG_ERROR, "test");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
