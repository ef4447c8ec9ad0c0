/*
 * forge_fixture.h - hostile events for the receiver-rule tests (test_judge.c,
 * test_converge.c): a member agency's node that signs with its own valid
 * keys whatever its control layer would refuse (forge_ev), and what a
 * receiver says to it (refused, accepted). On the five in-process nodes of
 * hub_fixture.h.
 */
#ifndef LFH_TEST_FORGE_FIXTURE_H
#define LFH_TEST_FORGE_FIXTURE_H

#include "hub_fixture.h"

/* What a hostile author node writes: any type, case, category, stamp. */
typedef struct spec {
	int author;
	uint32_t type;
	const uint8_t *case_id; /* NULL: all zero */
	const char *category;
	uint64_t hlc;           /* 0: now */
	const char *to[NAG];
	size_t nto;
	const lfh_record *plain;   /* body of a plaintext type */
	const lfh_key_body *keys;  /* body of a KEY event */
} spec;

static uint64_t fresh_seq = 1000000; /* far above what the nodes write themselves */

static inline lfh_buf forge_ev(hub *h, const spec *sp)
{
	const lfh_identity *id = h->node[sp->author]->id;
	lfh_event ev = { 0 };
	lfh_err err = { 0 };
	lfh_buf env = { 0 }, body = { 0 };
	uint8_t rnd[48], evid[LFH_ID_LEN];
	uint64_t seq = ++fresh_seq;

	memcpy(ev.hub, h->node[POLICE]->rules.hub_id, 32);
	snprintf(ev.author, sizeof ev.author, "%s", id->pub.agency);
	memcpy(ev.key_id, id->pub.key_id, LFH_KEYID_LEN);
	ev.seq = seq;
	/* by default just after anything the nodes stamped so far (they stamp at most this ms) */
	ev.hlc = sp->hlc ? sp->hlc : ((lfh_wall_ms() + 2) << 16 | (seq & 0xffff));
	if (sp->case_id)
		memcpy(ev.case_id, sp->case_id, LFH_CASE_LEN);
	ev.type = sp->type;
	snprintf(ev.category, sizeof ev.category, "%s", sp->category);
	ev.isa_version = 1;
	for (size_t i = 0; i < sp->nto; i++) {
		snprintf(ev.rcpt[i].agency, sizeof ev.rcpt[i].agency, "%s", sp->to[i]);
		ev.rcpt[i].ctr = seq;
	}
	ev.nrcpt = (uint32_t)sp->nto;
	if (sp->type == LFH_EV_KEY) {
		assert_int_equal(lfh_key_body_encode(sp->keys, &body, &err), 0);
	} else if (lfh_event_type_plain(sp->type)) {
		assert_int_equal(lfh_record_encode(sp->plain, &body, &err), 0);
	} else {
		snprintf(ev.key_creator, sizeof ev.key_creator, "%s", id->pub.agency);
		ev.nonce_len = LFH_NONCE_LEN;
		randombytes_buf(ev.nonce, sizeof ev.nonce);
		randombytes_buf(rnd, sizeof rnd);
		assert_int_equal(lfh_buf_append(&body, rnd, sizeof rnd), 0);
	}
	ev.body = body.data;
	ev.body_len = body.len;
	if (lfh_event_sign(&ev, id->sign_sk, &env, evid, &err) != 0)
		fail_msg("forge: %s", err.msg);
	ev.body = NULL;
	lfh_buf_free(&body);
	return env;
}

/* n refuses env with status want, names `why` in its reason, and stores nothing. */
static inline void refused(lfh_node *n, lfh_buf *env, int want, const char *why)
{
	lfh_err err = { 0 };
	uint64_t before = event_count(n);
	int rc = push(n, env->data, env->len, "relay", &err);

	if (rc != want || !strstr(err.msg, why))
		fail_msg("at %s: got %d (%s), want %d naming '%s'", n->cfg.agency, rc, err.msg, want,
			 why);
	assert_int_equal(event_count(n), before);
}

static inline void accepted(lfh_node *n, lfh_buf *env)
{
	lfh_err err = { 0 };
	int rc = push(n, env->data, env->len, "relay", &err);

	if (rc != 0)
		fail_msg("at %s: refused (%d): %s", n->cfg.agency, rc, err.msg);
}

static inline void record_of(lfh_record *r, const char *key, const char *val)
{
	lfh_err err = { 0 };
	assert_int_equal(lfh_record_set_str(r, key, val, &err), 0);
}

/* Police's case, shared with housing and health, at every one of them. */
static inline void shared_case(hub *h, uint8_t case_id[LFH_CASE_LEN])
{
	const char *to[] = { "housing", "health" };
	lfh_write_result ref;
	int rej;

	new_case(h, case_id, to, 2, &ref);
	assert_int_equal(pull(h->node[POLICE], h->node[HOUSING], &rej), 2);
	assert_int_equal(pull(h->node[POLICE], h->node[HEALTH], &rej), 2);
}

#endif
