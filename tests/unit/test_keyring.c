/*
 * test_keyring.c - key management at work (node/keyring.c through
 * node/node.c; PROTOCOL.md section 15): certificates of new key
 * generations, which generation may sign when, revocations, the order of
 * key events in batches, transport keys, sharing-key epochs and a node
 * opening on a rotated key directory.
 *
 * Three in-process nodes (a, b, c) of a hub governed by a genesis ISA in a
 * temporary directory. Most tests forge events of agency a by hand, with
 * the real keys (root and operational) from a's key directory or fresh
 * generations, stamped at chosen times, and feed them to node b as a peer
 * would.
 *
 * Timeline (ms): NB = the not_before of a's generation 2 (10 days ago);
 * GRACE = 1 day, so generation 1 may sign until SWITCH = NB + GRACE;
 * NA = NB + 365 days, generation 2's expiry; T = NB + 10 s, the effective
 * time of revocations of generation 1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "lfh/cert.h"
#include "lfh/generation.h"
#include "lfh/hlc.h"
#include "lfh/identity.h"
#include "lfh/keyring.h"
#include "lfh/log.h"
#include "lfh/node.h"
#include "lfh/policy.h"
#include "lfh/store.h"
#include "lfh/wire.h"

#include "node_helpers.h"

#define NAG 3
enum { A, B, C };
static const char *agencies[NAG] = { "a", "b", "c" };

#define DAY_MS 86400000ULL
#define GRACE (1 * DAY_MS)
#define MAX_GENS 8

typedef struct hub {
	char dir[64];
	char isa[LFH_PATH_MAX];
	lfh_node *node[NAG];
	lfh_identity *id[NAG]; /* generation 1 of each agency, from its key dir */
	uint8_t root_sk[NAG][64];
	uint64_t seq;          /* forged events: seq and counters, unique */
	uint64_t nb, na, sw, t; /* see the timeline above */
} hub;

/* ---- setup -------------------------------------------------------------- */

static void write_isa(const hub *h)
{
	FILE *f = fopen(h->isa, "w");
	assert_non_null(f);
	fprintf(f, "hub = \"keyring-hub\";\nversion = 1;\n"
		   "effective = \"2026-01-01\";\nreview = \"2027-01-01\";\n"
		   "purposes = [ \"Reduce repeat anti-social behaviour.\" ];\n"
		   "lawful_basis = \"UK GDPR Art 6(1)(e) public task.\";\n"
		   "gateways = [ \"Crime and Disorder Act 1998 s115\" ];\n"
		   "parties = (\n");
	for (int i = 0; i < NAG; i++)
		fprintf(f, "  { id = \"%s\"; name = \"%s agency\"; role = \"%s\"; "
			   "controller = \"independent controller\";\n"
			   "    endpoint = \"tcp://127.0.0.1:%d\"; keys = \"%s/pub/%s.pub\"; }%s\n",
			agencies[i], agencies[i], agencies[i], i + 1, h->dir, agencies[i],
			i + 1 < NAG ? "," : "");
	fprintf(f, ");\ncategories = (\n"
		   "  { name = \"general\"; kind = \"personal\"; receive = \"all\"; retention_days = 30; },\n"
		   "  { name = \"referral\"; kind = \"personal\"; receive = \"participants\"; retention_days = 30; }\n"
		   ");\nnext_signers = \"all\";\n");
	assert_int_equal(fclose(f), 0);
}

static void key_dir(const hub *h, int i, char *out, size_t size)
{
	snprintf(out, size, "%s/%s/keys", h->dir, agencies[i]);
}

static void open_node(hub *h, int i)
{
	static lfh_config c;
	lfh_err err = { 0 };

	memset(&c, 0, sizeof c);
	snprintf(c.agency, sizeof c.agency, "%s", agencies[i]);
	snprintf(c.isa_path, sizeof c.isa_path, "%s", h->isa);
	snprintf(c.data_dir, sizeof c.data_dir, "%s/%s/data", h->dir, agencies[i]);
	key_dir(h, i, c.key_dir, sizeof c.key_dir);
	c.map_size = 64u << 20;
	c.log_level = LFH_LOG_ERROR;
	if (lfh_node_open(&h->node[i], &c, &err) != 0)
		fail_msg("open %s: %s", agencies[i], err.msg);
}

static void reopen_node(hub *h, int i)
{
	lfh_node_close(h->node[i]);
	h->node[i] = NULL;
	open_node(h, i);
}

static int setup(void **state)
{
	hub *h = calloc(1, sizeof *h);
	lfh_err err = { 0 };
	char path[LFH_PATH_MAX];

	assert_non_null(h);
	snprintf(h->dir, sizeof h->dir, "/tmp/lfh-test-keyring.XXXXXX");
	assert_non_null(mkdtemp(h->dir));
	snprintf(path, sizeof path, "%s/pub", h->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	for (int i = 0; i < NAG; i++) {
		FILE *f;
		key_dir(h, i, path, sizeof path);
		assert_int_equal(lfh_identity_generate(agencies[i], path, &err), 0);
		assert_int_equal(lfh_identity_load(path, &h->id[i], &err), 0);
		assert_int_equal(lfh_root_load(path, h->root_sk[i], &err), 0);
		snprintf(path, sizeof path, "%s/pub/%s.pub", h->dir, agencies[i]);
		assert_non_null(f = fopen(path, "w"));
		assert_int_equal(lfh_pubkeys_write(&h->id[i]->pub, f, &err), 0);
		assert_int_equal(fclose(f), 0);
	}
	snprintf(h->isa, sizeof h->isa, "%s/hub.isa", h->dir);
	write_isa(h);
	for (int i = 0; i < NAG; i++)
		open_node(h, i);
	for (int i = 1; i < NAG; i++)
		assert_memory_equal(h->node[i]->hub_id, h->node[A]->hub_id, 32);
	h->nb = (lfh_wall_ms() / 1000) * 1000 - 10 * DAY_MS;
	h->na = h->nb + 365 * DAY_MS;
	h->sw = h->nb + GRACE;
	h->t = h->nb + 10000;
	h->seq = 1000;
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	hub *h = *state;
	char cmd[128];
	for (int i = 0; i < NAG; i++) {
		lfh_node_close(h->node[i]);
		lfh_identity_free(h->id[i]);
	}
	sodium_memzero(h->root_sk, sizeof h->root_sk);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", h->dir);
	assert_int_equal(system(cmd), 0);
	free(h);
	return 0;
}

/* ---- helpers: the store ------------------------------------------------- */

/* Decode the stored event id at n into *ev (caller clears). */
static void stored_event(lfh_node *n, const uint8_t id[LFH_ID_LEN], lfh_event *ev)
{
	lfh_txn *t;
	lfh_err err = { 0 };
	const uint8_t *raw;
	size_t len;
	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_store_get_event(t, id, &raw, &len, &err), 0);
	assert_int_equal(lfh_event_decode(raw, len, ev, &err), 0);
	lfh_txn_abort(t);
}

static uint64_t meta(lfh_node *n, const char *name)
{
	lfh_txn *t;
	lfh_err err = { 0 };
	uint64_t v = 0;
	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_store_meta_get(t, name, &v, &err), 0);
	lfh_txn_abort(t);
	return v;
}

/* Ingest one envelope at n from peer `from`, committing whatever was kept (as sync does). */
static int ingest(lfh_node *n, const lfh_buf *env, const char *from, lfh_err *err)
{
	lfh_txn *t;
	lfh_ingest_result r;
	lfh_err e2 = { 0 };
	int rc;
	assert_int_equal(lfh_txn_begin(n->store, 1, &t, &e2), 0);
	rc = lfh_node_ingest(n, t, env->data, env->len, from, &r, err);
	assert_int_equal(lfh_txn_commit(t, &e2), 0);
	return rc;
}

/* Ingest and require success. */
static void ingest_ok(lfh_node *n, const lfh_buf *env, const char *what)
{
	lfh_err err = { 0 };
	int rc = ingest(n, env, "a", &err);
	if (rc != 0)
		fail_msg("%s: got %d (%s), want 0", what, rc, err.msg);
}

/* Ingest a batch of envelopes at n (one transaction, committed); status per event. */
static void ingest_batch(lfh_node *n, lfh_buf *envs, size_t count, int *status, lfh_err *errs)
{
	lfh_envelope_ref in[8];
	lfh_ingest_result res[8];
	lfh_txn *t;
	lfh_err err = { 0 };

	assert_true(count <= 8);
	for (size_t i = 0; i < count; i++)
		in[i] = (lfh_envelope_ref){ envs[i].data, envs[i].len };
	assert_int_equal(lfh_txn_begin(n->store, 1, &t, &err), 0);
	assert_int_equal(lfh_node_ingest_batch(n, t, in, count, "a", res, status, errs, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
}

/* Is the event id among what n serves peer from the start? */
static int serves(lfh_node *n, const char *peer, const uint8_t id[LFH_ID_LEN])
{
	lfh_txn *t;
	lfh_buf b = { 0 };
	lfh_err err = { 0 };
	lfh_msg *m = malloc(sizeof *m);
	int found = 0;

	assert_non_null(m);
	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_node_serve_pull(n, t, peer, 0, LFH_BATCH_MAX, &b, &err), 0);
	lfh_txn_abort(t);
	assert_int_equal(lfh_msg_decode(b.data, b.len, m, &err), 0);
	for (size_t i = 0; i < m->nevents; i++) {
		uint8_t eid[LFH_ID_LEN];
		lfh_event_id(m->ev[i], m->evlen[i], eid);
		found += memcmp(eid, id, LFH_ID_LEN) == 0;
	}
	lfh_buf_free(&b);
	free(m);
	return found;
}

/* ---- helpers: keys ------------------------------------------------------ */

/* Fresh operational keys for agency i (same root). */
static lfh_identity *new_gen(const hub *h, int i)
{
	lfh_identity *g;
	lfh_err err = { 0 };
	assert_int_equal(lfh_gen_new(h->id[i], &g, &err), 0);
	return g;
}

static void cert_init(const hub *h, const char *agency, uint32_t gen, const lfh_identity *keys,
		      uint64_t nb, uint64_t na, uint64_t grace, lfh_cert *c)
{
	memset(c, 0, sizeof *c);
	memcpy(c->hub, h->node[B]->hub_id, 32);
	snprintf(c->agency, sizeof c->agency, "%s", agency);
	c->generation = gen;
	memcpy(c->sign_pk, keys->pub.sign_pk, 32);
	memcpy(c->box_pk, keys->pub.box_pk, 32);
	memcpy(c->curve_pk, keys->pub.curve_pk, 32);
	c->not_before_ms = nb;
	c->not_after_ms = na;
	c->grace_ms = grace;
}

/* Sign c with root_sk and encode it. */
static lfh_buf cert_bytes(lfh_cert *c, const uint8_t root_sk[64])
{
	lfh_buf b = { 0 };
	lfh_err err = { 0 };
	if (lfh_cert_sign(c, root_sk, &err) != 0 || lfh_cert_encode(c, &b, &err) != 0)
		fail_msg("certificate: %s", err.msg);
	return b;
}

/* The usual certificate of a generation of agency i: NB, NA, GRACE, signed by i's root. */
static lfh_buf std_cert(const hub *h, int i, uint32_t gen, const lfh_identity *keys)
{
	lfh_cert c;
	cert_init(h, agencies[i], gen, keys, h->nb, h->na, GRACE, &c);
	return cert_bytes(&c, h->root_sk[i]);
}

static lfh_buf revocation_bytes(const hub *h, const char *agency, uint32_t gen,
				const uint8_t key_id[LFH_KEYID_LEN], uint64_t effective)
{
	lfh_revocation r;
	lfh_buf b = { 0 };
	lfh_err err = { 0 };
	memset(&r, 0, sizeof r);
	memcpy(r.hub, h->node[B]->hub_id, 32);
	snprintf(r.agency, sizeof r.agency, "%s", agency);
	r.generation = gen;
	memcpy(r.key_id, key_id, LFH_KEYID_LEN);
	r.effective_ms = effective;
	snprintf(r.reason, sizeof r.reason, "laptop stolen");
	if (lfh_revocation_encode(&r, &b, &err) != 0)
		fail_msg("revocation: %s", err.msg);
	return b;
}

/*
 * Build and sign an event by `author` with key (its sign_sk signs, its
 * pub.key_id is the envelope's key_id), stamped at ms, addressed to every
 * other party. Plaintext types get body as given; data events (NOTE,
 * category "general") random bytes. The event id goes to id if not NULL.
 */
static lfh_buf forge(hub *h, const char *author, const lfh_identity *key, uint64_t ms,
		     uint32_t type, const uint8_t *body, size_t len, uint8_t *id)
{
	lfh_event ev = { 0 };
	lfh_err err = { 0 };
	lfh_buf env = { 0 };
	uint8_t rnd[64], evid[LFH_ID_LEN];
	uint64_t fresh = ++h->seq;

	memcpy(ev.hub, h->node[B]->hub_id, 32);
	snprintf(ev.author, sizeof ev.author, "%s", author);
	memcpy(ev.key_id, key->pub.key_id, LFH_KEYID_LEN);
	ev.seq = fresh;
	ev.hlc = ms << 16;
	ev.type = type;
	ev.isa_version = 1;
	for (int i = 0; i < NAG; i++) {
		if (strcmp(agencies[i], author) == 0)
			continue;
		snprintf(ev.rcpt[ev.nrcpt].agency, sizeof ev.rcpt[0].agency, "%s", agencies[i]);
		ev.rcpt[ev.nrcpt++].ctr = fresh;
	}
	if (lfh_event_type_plain(type)) {
		snprintf(ev.category, sizeof ev.category, "%s", LFH_KEYS_CATEGORY);
		ev.body = (uint8_t *)body;
		ev.body_len = len;
	} else {
		randombytes_buf(ev.case_id, LFH_CASE_LEN);
		snprintf(ev.category, sizeof ev.category, "general");
		snprintf(ev.key_creator, sizeof ev.key_creator, "%s", author);
		ev.nonce_len = LFH_NONCE_LEN;
		randombytes_buf(ev.nonce, sizeof ev.nonce);
		randombytes_buf(rnd, sizeof rnd);
		ev.body = rnd;
		ev.body_len = sizeof rnd;
	}
	if (lfh_event_sign(&ev, key->sign_sk, &env, evid, &err) != 0)
		fail_msg("forge: %s", err.msg);
	if (id)
		memcpy(id, evid, LFH_ID_LEN);
	return env;
}

/* A data event of a signed with key at ms. */
static lfh_buf data_ev(hub *h, const lfh_identity *key, uint64_t ms, uint8_t *id)
{
	return forge(h, "a", key, ms, LFH_EV_NOTE, NULL, 0, id);
}

static lfh_buf cert_ev(hub *h, const char *author, const lfh_identity *key, uint64_t ms,
		       const lfh_buf *cert)
{
	return forge(h, author, key, ms, LFH_EV_CERT, cert->data, cert->len, NULL);
}

/* A REVOKE event by author signed with key at ms, revoking (agency, gen, key_id) from effective. */
static lfh_buf revoke_ev(hub *h, const char *author, const lfh_identity *key, uint64_t ms,
			 const char *agency, uint32_t gen, const uint8_t key_id[LFH_KEYID_LEN],
			 uint64_t effective, uint8_t *id)
{
	lfh_buf r = revocation_bytes(h, agency, gen, key_id, effective);
	lfh_buf env = forge(h, author, key, ms, LFH_EV_REVOKE, r.data, r.len, id);
	lfh_buf_free(&r);
	return env;
}

/* Node b learns a's generation 2 (returned) from a CERT event stamped NB. */
static lfh_identity *certify_gen2(hub *h, lfh_node *n)
{
	lfh_identity *g2 = new_gen(h, A);
	lfh_buf cert = std_cert(h, A, 2, g2);
	lfh_buf env = cert_ev(h, "a", g2, h->nb, &cert);
	lfh_err err = { 0 };
	int rc = ingest(n, &env, "a", &err);
	if (rc != 0)
		fail_msg("CERT of a generation 2 at %s: %d (%s)", n->cfg.agency, rc, err.msg);
	assert_non_null(lfh_keyring_gen(n, "a", 2));
	lfh_buf_free(&env);
	lfh_buf_free(&cert);
	return g2;
}

/* What n's keyring holds for agency, copied. */
typedef struct ring_snap {
	size_t n;
	lfh_keygen g[MAX_GENS];
} ring_snap;

static void snap(lfh_node *n, const char *agency, ring_snap *s)
{
	const lfh_keygen *gens;
	s->n = lfh_keyring_list(n, agency, &gens);
	assert_true(s->n <= MAX_GENS);
	memset(s->g, 0, sizeof s->g);
	if (s->n)
		memcpy(s->g, gens, s->n * sizeof *gens);
}

static void assert_same_ring(lfh_node *n, const char *agency, const ring_snap *before)
{
	ring_snap now;
	snap(n, agency, &now);
	assert_int_equal(now.n, before->n);
	for (size_t i = 0; i < now.n; i++) {
		assert_int_equal(now.g[i].generation, before->g[i].generation);
		assert_memory_equal(now.g[i].sign_pk, before->g[i].sign_pk, 32);
		assert_memory_equal(now.g[i].box_pk, before->g[i].box_pk, 32);
		assert_memory_equal(now.g[i].curve_pk, before->g[i].curve_pk, 32);
		assert_true(now.g[i].revoked_ms == before->g[i].revoked_ms);
		assert_true(now.g[i].not_after_ms == before->g[i].not_after_ms);
	}
}

/*
 * n refuses env with want (what: for the failure message), stores nothing
 * and leaves what it knows of a's (and c's) keys as it was.
 */
static void assert_refused(lfh_node *n, lfh_buf *env, const char *from, int want, const char *what)
{
	lfh_err err = { 0 };
	ring_snap ra, rc_;
	uint64_t before = event_count(n);
	int rc;

	snap(n, "a", &ra);
	snap(n, "c", &rc_);
	rc = ingest(n, env, from, &err);
	if (rc != want)
		fail_msg("%s: got %d (%s), want %d", what, rc, err.msg, want);
	assert_true(err.msg[0] != '\0');
	assert_int_equal(event_count(n), before);
	assert_same_ring(n, "a", &ra);
	assert_same_ring(n, "c", &rc_);
}

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

	assert_null(lfh_keyring_gen(n, "a", 2));
	ingest_ok(n, &env, "CERT of a generation 2");
	assert_int_equal(event_count(n), before + 1);

	assert_non_null(g = lfh_keyring_gen(n, "a", 2));
	assert_int_equal(g->generation, 2);
	assert_memory_equal(g->sign_pk, g2->pub.sign_pk, 32);
	assert_memory_equal(g->box_pk, g2->pub.box_pk, 32);
	assert_memory_equal(g->curve_pk, g2->pub.curve_pk, 32);
	assert_memory_equal(g->key_id, g2->pub.key_id, LFH_KEYID_LEN);
	assert_true(g->not_before_ms == h->nb);
	assert_true(g->not_after_ms == h->na);
	assert_true(g->grace_ms == GRACE);
	assert_true(g->revoked_ms == LFH_NEVER);
	assert_true(lfh_keyring_find(n, "a", g2->pub.key_id) == g);
	/* sharing keys are now sealed to the new box key */
	assert_memory_equal(lfh_node_member(n, "a")->box_pk, g2->pub.box_pk, 32);
	/* generation 1 now ends at generation 2's switch */
	assert_true(lfh_keyring_until(n, lfh_keyring_gen(n, "a", 1)) == h->sw);
	assert_true(lfh_keyring_until(n, g) == h->na);

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
	assert_null(lfh_keyring_gen(h->node[C], "a", 2));
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
	assert_null(lfh_keyring_gen(n, "a", 2));
	lfh_buf_free(&env);
	/* control: the same certificate 1 ms before its expiry is accepted */
	env = cert_ev(h, "a", g2, h->nb + 4999, &cert);
	ingest_ok(n, &env, "certificate carried just before its expiry");
	assert_non_null(lfh_keyring_gen(n, "a", 2));
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
	assert_null(lfh_keyring_gen(n, "a", 2));

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
	assert_null(lfh_keyring_gen(h->node[B], "a", 2));
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
	assert_null(lfh_keyring_gen(h->node[B], "a", 2));
	assert_null(lfh_keyring_gen(h->node[B], "c", 2));
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
	assert_memory_equal(lfh_keyring_gen(n, "a", 2)->sign_pk, g2->pub.sign_pk, 32);
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
	assert_memory_equal(lfh_keyring_gen(n, "a", 2)->sign_pk, g2->pub.sign_pk, 32);
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
	assert_null(lfh_keyring_gen(n, "a", 3));

	/* control: generation 3 with fresh keys is accepted */
	cert = std_cert(h, A, 3, g3);
	env = cert_ev(h, "a", g3, h->nb + 100, &cert);
	ingest_ok(n, &env, "generation 3 with fresh keys");
	assert_non_null(lfh_keyring_gen(n, "a", 3));
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
	assert_null(lfh_keyring_gen(n, "a", 2));
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
	assert_true(lfh_keyring_gen(n, "a", 1)->revoked_ms == h->t);
	assert_true(lfh_keyring_until(n, lfh_keyring_gen(n, "a", 1)) == h->t);

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
	assert_true(lfh_keyring_gen(n, "a", 1)->revoked_ms == LFH_NEVER);
	assert_true(lfh_keyring_gen(n, "a", 2)->revoked_ms == LFH_NEVER);
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
	assert_true(lfh_keyring_gen(n, "a", 2)->revoked_ms == LFH_NEVER);
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
	assert_true(lfh_keyring_gen(n, "a", 2)->revoked_ms == LFH_NEVER);
	lfh_buf_free(&env);
	/* control: from the revocation's own time on, a key may revoke itself */
	env = revoke_ev(h, "a", g2, h->t, "a", 2, g2->pub.key_id, h->t, NULL);
	ingest_ok(n, &env, "generation 2 revoking itself from now");
	assert_true(lfh_keyring_gen(n, "a", 2)->revoked_ms == h->t);
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
	assert_true(lfh_keyring_gen(n, "a", 1)->revoked_ms == LFH_NEVER);
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
	assert_true(lfh_keyring_gen(n, "a", 1)->revoked_ms == h->t + 5000);
	/* an earlier effective time replaces it */
	env = revoke_ev(h, "a", g2, h->t + 7000, "a", 1, kid1, h->t, NULL);
	ingest_ok(n, &env, "second revocation, effective T");
	lfh_buf_free(&env);
	assert_true(lfh_keyring_gen(n, "a", 1)->revoked_ms == h->t);
	/* a later one does not */
	env = revoke_ev(h, "a", g2, h->t + 8000, "a", 1, kid1, h->t + 3000, NULL);
	ingest_ok(n, &env, "third revocation, effective T+3s");
	lfh_buf_free(&env);
	assert_true(lfh_keyring_gen(n, "a", 1)->revoked_ms == h->t);
	/* so an event between the two effective times is refused */
	env = data_ev(h, h->id[A], h->t + 1000, NULL);
	assert_int_equal(ingest(n, &env, "a", &err), LFH_EKEYID);
	lfh_buf_free(&env);

	/* the same after a restart (the tables hold the earliest) */
	reopen_node(h, B);
	n = h->node[B];
	assert_non_null(lfh_keyring_gen(n, "a", 2));
	assert_true(lfh_keyring_gen(n, "a", 1)->revoked_ms == h->t);
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
	assert_non_null(g = lfh_keyring_gen(n, "a", 2));
	assert_memory_equal(g->sign_pk, g2->pub.sign_pk, 32);
	assert_true(g->not_before_ms == h->nb && g->grace_ms == GRACE && g->not_after_ms == h->na);
	assert_true(lfh_keyring_gen(n, "a", 1)->revoked_ms == h->t);
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
	if (lfh_node_ingest(n, t, env->data, env->len, "a", &r, &err) != 0)
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
	assert_non_null(lfh_keyring_gen(n, "a", 2));

	reopen_node(h, B);
	n = h->node[B];
	if (!lfh_keyring_gen(n, "a", 2))
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
	assert_true(lfh_keyring_gen(n, "a", 1)->revoked_ms == h->t);
	kept = has_event(n, late);

	reopen_node(h, B);
	n = h->node[B];
	lost = lfh_keyring_gen(n, "a", 1)->revoked_ms != h->t;
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

/* ---- 5. batches ------------------------------------------------------------- */

static void test_batch_event_before_its_cert_stored(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = new_gen(h, A);
	lfh_buf cert = std_cert(h, A, 2, g2);
	lfh_buf envs[2];
	uint8_t id[LFH_ID_LEN];
	int status[2] = { -1, -1 };
	lfh_err errs[2] = { { 0 }, { 0 } };

	envs[0] = data_ev(h, g2, h->nb + 1000, id); /* signed by a key the batch certifies later */
	envs[1] = cert_ev(h, "a", g2, h->nb, &cert);
	ingest_batch(n, envs, 2, status, errs);
	if (status[0] || status[1])
		fail_msg("batch [event, CERT]: %d (%s), %d (%s)", status[0], errs[0].msg, status[1],
			 errs[1].msg);
	assert_true(has_event(n, id));
	assert_non_null(lfh_keyring_gen(n, "a", 2));
	assert_int_equal(event_count(n), 2);
	lfh_buf_free(&envs[0]);
	lfh_buf_free(&envs[1]);
	lfh_buf_free(&cert);
	lfh_identity_free(g2);
}

static void test_batch_event_before_its_revocation_rejected(void **state)
{
	hub *h = *state;
	lfh_node *n = h->node[B];
	lfh_identity *g2 = certify_gen2(h, n);
	lfh_buf envs[2];
	uint8_t id[LFH_ID_LEN];
	int status[2] = { -1, -1 };
	lfh_err errs[2] = { { 0 }, { 0 } };
	uint64_t before = event_count(n);

	envs[0] = data_ev(h, h->id[A], h->t + 10, id); /* valid until the revocation is known */
	envs[1] = revoke_ev(h, "a", g2, h->t + 1000, "a", 1, h->id[A]->pub.key_id, h->t, NULL);
	ingest_batch(n, envs, 2, status, errs);
	assert_int_equal(status[1], 0);
	if (status[0] != LFH_EKEYID)
		fail_msg("event by a revoked key ahead of its REVOKE: %d (%s), want LFH_EKEYID",
			 status[0], errs[0].msg);
	assert_false(has_event(n, id));
	assert_int_equal(event_count(n), before + 1);
	lfh_buf_free(&envs[0]);
	lfh_buf_free(&envs[1]);
	lfh_identity_free(g2);
}

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
	assert_int_equal(lfh_node_serve_pull(n, t, peer, after, max, &b, &err), 0);
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
		assert_int_equal(lfh_node_serve_pull(n, t, "c", cursor, 1, &b, &err), 0);
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
	assert_non_null(g = lfh_keyring_transport(n, "a", h->nb));
	assert_int_equal(g->generation, 1);
	assert_true(lfh_keyring_curve_allowed(n, "a", c1, h->nb));
	assert_false(lfh_keyring_curve_allowed(n, "a", h->id[C]->pub.curve_pk, h->nb));

	g2 = certify_gen2(h, n);
	assert_int_equal(lfh_keyring_transport(n, "a", h->sw - 1)->generation, 1);
	assert_int_equal(lfh_keyring_transport(n, "a", h->sw)->generation, 2);
	assert_int_equal(lfh_keyring_transport(n, "a", h->na - 1)->generation, 2);
	/* the old curve key until the switch, the new one from issue on */
	assert_true(lfh_keyring_curve_allowed(n, "a", c1, h->sw - 1));
	assert_false(lfh_keyring_curve_allowed(n, "a", c1, h->sw));
	assert_true(lfh_keyring_curve_allowed(n, "a", g2->pub.curve_pk, h->sw - 1));
	assert_true(lfh_keyring_curve_allowed(n, "a", g2->pub.curve_pk, h->sw));
	/* a's keys are not c's */
	assert_false(lfh_keyring_curve_allowed(n, "c", g2->pub.curve_pk, h->sw));
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
	assert_true(lfh_keyring_curve_allowed(n, "a", c1, h->t - 1));
	assert_false(lfh_keyring_curve_allowed(n, "a", c1, h->t));
	assert_false(lfh_keyring_curve_allowed(n, "a", c1, h->sw - 1));
	assert_non_null(lfh_keyring_transport(n, "a", h->t));
	assert_int_not_equal(lfh_keyring_transport(n, "a", h->t)->generation, 1);
	assert_true(lfh_keyring_curve_allowed(n, "a", g2->pub.curve_pk, h->t));

	/* generation 2 revoking itself: its key goes too, from the effective time */
	env = revoke_ev(h, "a", g2, h->sw + 1000, "a", 2, g2->pub.key_id, h->sw + 5000, NULL);
	ingest_ok(n, &env, "REVOKE of generation 2 by itself");
	lfh_buf_free(&env);
	assert_true(lfh_keyring_curve_allowed(n, "a", g2->pub.curve_pk, h->sw + 4999));
	assert_false(lfh_keyring_curve_allowed(n, "a", g2->pub.curve_pk, h->sw + 5000));
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

	randombytes_buf(case_id, sizeof case_id);
	write_data(a, case_id, LFH_EV_REFERRAL, (const char *const[]){ "b" }, 1, "before", &ref);
	stored_event(a, ref.event_id, &ev);
	assert_int_equal(ev.key_epoch, 0);
	lfh_event_clear(&ev);
	assert_int_equal(key_grants(a, case_id, 0, "b"), 1);
	assert_int_equal(meta(a, LFH_META_SHARING_EPOCH), 0);

	assert_int_equal(lfh_txn_begin(a->store, 1, &t, &err), 0);
	assert_int_equal(lfh_policy_rotate_sharing(a, t, "test", &epoch, &err), 0);
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
	assert_int_equal(lfh_policy_rotate_sharing(a, t, "test", &epoch, &err), 0);
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
	assert_int_equal(lfh_policy_sharing_schedule(a, t, t0 + 2 * day - 1, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	assert_int_equal(meta(a, LFH_META_SHARING_EPOCH), e0); /* not yet */

	assert_int_equal(lfh_txn_begin(a->store, 1, &t, &err), 0);
	assert_int_equal(lfh_policy_sharing_schedule(a, t, t0 + 2 * day, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	assert_int_equal(meta(a, LFH_META_SHARING_EPOCH), e0 + 1);

	a->cfg.sharing_rotate_days = 0; /* never on schedule */
	assert_int_equal(lfh_txn_begin(a->store, 1, &t, &err), 0);
	assert_int_equal(lfh_policy_sharing_schedule(a, t, t0 + 400 * day, &err), 0);
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
	assert_non_null(g = lfh_keyring_gen(a, "a", 2));
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
	assert_non_null(g = lfh_keyring_gen(h->node[B], "a", 2));
	assert_memory_equal(g->sign_pk, g2->pub.sign_pk, 32);
	assert_memory_equal(lfh_node_member(h->node[B], "a")->box_pk, g2->pub.box_pk, 32);

	/* and what a now writes is signed by generation 2, which b accepts */
	{
		uint8_t case_id[LFH_CASE_LEN];
		lfh_write_result ref;
		lfh_event ev = { 0 };
		char text[64];
		randombytes_buf(case_id, sizeof case_id);
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
		T(test_batch_event_before_its_cert_stored),
		T(test_batch_event_before_its_revocation_rejected),
		T(test_serve_pull_puts_cert_first),
		T(test_serve_pull_small_max_makes_progress),
		T(test_transport_switches_after_grace),
		T(test_transport_refuses_revoked_generation),
		T(test_open_loads_gen2_and_publishes_cert),
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
