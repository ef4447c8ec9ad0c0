/*
 * keyring_fixture.h - the hub the key-management tests run on
 * (test_keyring.c, test_keyring_node.c): three in-process nodes (a, b, c)
 * of a hub governed by a genesis ISA in a temporary directory, and helpers
 * that forge certificates, revocations and events of agency a with real
 * keys, stamped at chosen times, and feed them to a node as a peer would.
 *
 * Timeline (ms): NB = the not_before of a's generation 2 (10 days ago);
 * GRACE = 1 day, so generation 1 may sign until SWITCH = NB + GRACE;
 * NA = NB + 365 days, generation 2's expiry; T = NB + 10 s, the effective
 * time of revocations of generation 1.
 */
#ifndef LFH_TEST_KEYRING_FIXTURE_H
#define LFH_TEST_KEYRING_FIXTURE_H

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
#include "lfh/hub.h"
#include "lfh/identity.h"
#include "lfh/ingest.h"
#include "lfh/keyring.h"
#include "lfh/log.h"
#include "lfh/membership.h"
#include "lfh/node.h"
#include "lfh/policy.h"
#include "lfh/serve.h"
#include "lfh/store.h"
#include "lfh/wire.h"
#include "lfh/write.h"

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

static inline void write_isa(const hub *h)
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

static inline void key_dir(const hub *h, int i, char *out, size_t size)
{
	snprintf(out, size, "%s/%s/keys", h->dir, agencies[i]);
}

static inline void open_node(hub *h, int i)
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

static inline void reopen_node(hub *h, int i)
{
	lfh_node_close(h->node[i]);
	h->node[i] = NULL;
	open_node(h, i);
}

static inline int setup(void **state)
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
		assert_memory_equal(h->node[i]->rules.hub_id, h->node[A]->rules.hub_id, 32);
	h->nb = (lfh_wall_ms() / 1000) * 1000 - 10 * DAY_MS;
	h->na = h->nb + 365 * DAY_MS;
	h->sw = h->nb + GRACE;
	h->t = h->nb + 10000;
	h->seq = 1000;
	*state = h;
	return 0;
}

static inline int teardown(void **state)
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
static inline void stored_event(lfh_node *n, const uint8_t id[LFH_ID_LEN], lfh_event *ev)
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

static inline uint64_t meta(lfh_node *n, const char *name)
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
static inline int ingest(lfh_node *n, const lfh_buf *env, const char *from, lfh_err *err)
{
	lfh_txn *t;
	lfh_ingest_result r;
	lfh_err e2 = { 0 };
	int rc;
	assert_int_equal(lfh_txn_begin(n->store, 1, &t, &e2), 0);
	rc = lfh_ingest(n, t, env->data, env->len, from, &r, err);
	assert_int_equal(lfh_txn_commit(t, &e2), 0);
	return rc;
}

/* Ingest and require success. */
static inline void ingest_ok(lfh_node *n, const lfh_buf *env, const char *what)
{
	lfh_err err = { 0 };
	int rc = ingest(n, env, "a", &err);
	if (rc != 0)
		fail_msg("%s: got %d (%s), want 0", what, rc, err.msg);
}

/* Ingest a batch of envelopes at n (one transaction, committed); status per event. */
static inline void ingest_batch(lfh_node *n, lfh_buf *envs, size_t count, int *status, lfh_err *errs)
{
	lfh_envelope_ref in[8];
	lfh_ingest_result res[8];
	lfh_txn *t;
	lfh_err err = { 0 };

	assert_true(count <= 8);
	for (size_t i = 0; i < count; i++)
		in[i] = (lfh_envelope_ref){ envs[i].data, envs[i].len };
	assert_int_equal(lfh_txn_begin(n->store, 1, &t, &err), 0);
	assert_int_equal(lfh_ingest_batch(n, t, in, count, "a", res, status, errs, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
}

/*
 * The same through the catch-up pipeline (lfh_ingest_submit/store): a pool
 * of two verifier threads checks the batch, then it is stored in one
 * committed transaction.
 */
static inline void ingest_pipelined(lfh_node *n, lfh_buf *envs, size_t count, int *status,
				    lfh_err *errs)
{
	lfh_envelope_ref in[16];
	lfh_ingest_result res[16];
	lfh_ingest_pipe *pp = NULL;
	lfh_ingest_job *j = NULL;
	lfh_txn *t;
	lfh_err err = { 0 };

	assert_true(count <= 16);
	for (size_t i = 0; i < count; i++)
		in[i] = (lfh_envelope_ref){ envs[i].data, envs[i].len };
	assert_int_equal(lfh_ingest_pipe_new(&pp, 2, &err), 0);
	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_ingest_submit(n, pp, t, in, count, &j, &err), 0);
	lfh_txn_abort(t);
	assert_int_equal(lfh_txn_begin(n->store, 1, &t, &err), 0);
	assert_int_equal(lfh_ingest_store(n, pp, t, j, "a", res, status, errs, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	lfh_ingest_release(pp, j);
	lfh_ingest_pipe_free(pp);
}

/* Is the event id among what n serves peer from the start? */
static inline int serves(lfh_node *n, const char *peer, const uint8_t id[LFH_ID_LEN])
{
	lfh_txn *t;
	lfh_buf b = { 0 };
	lfh_err err = { 0 };
	lfh_msg *m = malloc(sizeof *m);
	int found = 0;

	assert_non_null(m);
	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_serve_pull(n, t, peer, 0, LFH_BATCH_MAX, &b, &err), 0);
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
static inline lfh_identity *new_gen(const hub *h, int i)
{
	lfh_identity *g;
	lfh_err err = { 0 };
	assert_int_equal(lfh_gen_new(h->id[i], &g, &err), 0);
	return g;
}

static inline void cert_init(const hub *h, const char *agency, uint32_t gen, const lfh_identity *keys,
		      uint64_t nb, uint64_t na, uint64_t grace, lfh_cert *c)
{
	memset(c, 0, sizeof *c);
	memcpy(c->hub, h->node[B]->rules.hub_id, 32);
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
static inline lfh_buf cert_bytes(lfh_cert *c, const uint8_t root_sk[64])
{
	lfh_buf b = { 0 };
	lfh_err err = { 0 };
	if (lfh_cert_sign(c, root_sk, &err) != 0 || lfh_cert_encode(c, &b, &err) != 0)
		fail_msg("certificate: %s", err.msg);
	return b;
}

/* The usual certificate of a generation of agency i: NB, NA, GRACE, signed by i's root. */
static inline lfh_buf std_cert(const hub *h, int i, uint32_t gen, const lfh_identity *keys)
{
	lfh_cert c;
	cert_init(h, agencies[i], gen, keys, h->nb, h->na, GRACE, &c);
	return cert_bytes(&c, h->root_sk[i]);
}

static inline lfh_buf revocation_bytes(const hub *h, const char *agency, uint32_t gen,
				const uint8_t key_id[LFH_KEYID_LEN], uint64_t effective)
{
	lfh_revocation r;
	lfh_buf b = { 0 };
	lfh_err err = { 0 };
	memset(&r, 0, sizeof r);
	memcpy(r.hub, h->node[B]->rules.hub_id, 32);
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
static inline lfh_buf forge(hub *h, const char *author, const lfh_identity *key, uint64_t ms,
		     uint32_t type, const uint8_t *body, size_t len, uint8_t *id)
{
	lfh_event ev = { 0 };
	lfh_err err = { 0 };
	lfh_buf env = { 0 };
	uint8_t rnd[64], evid[LFH_ID_LEN];
	uint64_t fresh = ++h->seq;

	memcpy(ev.hub, h->node[B]->rules.hub_id, 32);
	snprintf(ev.author, sizeof ev.author, "%s", author);
	memcpy(ev.key_id, key->pub.key_id, LFH_KEYID_LEN);
	/* seq and hlc rise together, as the receiver rules require (PROTOCOL.md 7.3) */
	ev.seq = ms * 1024 + fresh % 1024;
	ev.hlc = ms << 16 | (fresh & 0xffff);
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
		lfh_case_id_new(ev.hub, author, ev.case_id); /* a case of its own */
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
static inline lfh_buf data_ev(hub *h, const lfh_identity *key, uint64_t ms, uint8_t *id)
{
	return forge(h, "a", key, ms, LFH_EV_NOTE, NULL, 0, id);
}

static inline lfh_buf cert_ev(hub *h, const char *author, const lfh_identity *key, uint64_t ms,
		       const lfh_buf *cert)
{
	return forge(h, author, key, ms, LFH_EV_CERT, cert->data, cert->len, NULL);
}

/* A REVOKE event by author signed with key at ms, revoking (agency, gen, key_id) from effective. */
static inline lfh_buf revoke_ev(hub *h, const char *author, const lfh_identity *key, uint64_t ms,
			 const char *agency, uint32_t gen, const uint8_t key_id[LFH_KEYID_LEN],
			 uint64_t effective, uint8_t *id)
{
	lfh_buf r = revocation_bytes(h, agency, gen, key_id, effective);
	lfh_buf env = forge(h, author, key, ms, LFH_EV_REVOKE, r.data, r.len, id);
	lfh_buf_free(&r);
	return env;
}

/* Node b learns a's generation 2 (returned) from a CERT event stamped NB. */
static inline lfh_identity *certify_gen2(hub *h, lfh_node *n)
{
	lfh_identity *g2 = new_gen(h, A);
	lfh_buf cert = std_cert(h, A, 2, g2);
	lfh_buf env = cert_ev(h, "a", g2, h->nb, &cert);
	lfh_err err = { 0 };
	int rc = ingest(n, &env, "a", &err);
	if (rc != 0)
		fail_msg("CERT of a generation 2 at %s: %d (%s)", n->cfg.agency, rc, err.msg);
	assert_non_null(lfh_keyring_gen(&n->rules, "a", 2));
	lfh_buf_free(&env);
	lfh_buf_free(&cert);
	return g2;
}

/* What n's keyring holds for agency, copied. */
typedef struct ring_snap {
	size_t n;
	lfh_keygen g[MAX_GENS];
} ring_snap;

static inline void snap(lfh_node *n, const char *agency, ring_snap *s)
{
	const lfh_keygen *gens;
	s->n = lfh_keyring_list(&n->rules, agency, &gens);
	assert_true(s->n <= MAX_GENS);
	memset(s->g, 0, sizeof s->g);
	if (s->n)
		memcpy(s->g, gens, s->n * sizeof *gens);
}

static inline void assert_same_ring(lfh_node *n, const char *agency, const ring_snap *before)
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
static inline void assert_refused(lfh_node *n, lfh_buf *env, const char *from, int want, const char *what)
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

#endif
