/*
 * test_judge.c - the receiver rules (node/rules/judge.c, PROTOCOL.md 7.3) at
 * every node: a member agency's node that signs with its own valid keys but
 * writes what its control layer would refuse is refused by the others, with
 * the rule it broke, and nothing of the event is stored. Also the two
 * convergence faults the rules fixed: a non-lead participant's health note,
 * and a second invitee that never learnt of the first.
 *
 * The five in-process nodes of hub_fixture.h; hostile events are built and
 * signed with the author node's own keys (forge_ev, forge_fixture.h).
 */
#include "forge_fixture.h"

#include "lfh/osara.h"
#include "lfh/parties.h"

/* ---- the case belongs to whoever opened it ------------------------------- */

static void test_second_referral_refused(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN], other[LFH_CASE_LEN];
	spec sp = { .author = HOUSING, .type = LFH_EV_REFERRAL, .case_id = case_id,
		    .category = "referral", .to = { "council", "police" }, .nto = 2 };
	lfh_buf env;

	shared_case(h, case_id);
	/* housing takes police's case over with a second referral */
	env = forge_ev(h, &sp);
	refused(h->node[POLICE], &env, LFH_EPERM, "the case id is not housing's");
	refused(h->node[COUNCIL], &env, LFH_EPERM, "the case id is not housing's");
	lfh_buf_free(&env);
	/* nor may police refer a case whose id is not bound to it */
	randombytes_buf(other, sizeof other);
	sp = (spec){ .author = POLICE, .type = LFH_EV_REFERRAL, .case_id = other,
		     .category = "referral", .to = { "housing" }, .nto = 1 };
	env = forge_ev(h, &sp);
	refused(h->node[HOUSING], &env, LFH_EPERM, "the case id is not police's");
	lfh_buf_free(&env);
}

/* ---- only the lead governs who takes part, and closes --------------------- */

static void test_rejoin_after_removal_refused(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_record leave = { 0 }, join = { 0 };
	lfh_write_result res;
	lfh_buf env;
	int rej;

	shared_case(h, case_id);
	record_of(&leave, "agency", "health");
	record_of(&leave, "reason", "no longer involved");
	record_of(&leave, "by", "x");
	assert_int_equal(write_gov(h->node[POLICE], case_id, LFH_EV_LEAVE, "referral", NULL, &leave,
				   &res), 0);
	assert_int_equal(pull(h->node[POLICE], h->node[HOUSING], &rej), 1);
	assert_int_equal(pull(h->node[POLICE], h->node[HEALTH], &rej), 1);
	/* health writes itself back in */
	record_of(&join, "agency", "health");
	record_of(&join, "by", "x");
	spec sp = { .author = HEALTH, .type = LFH_EV_JOIN, .case_id = case_id,
		    .category = "referral", .to = { "housing", "police" }, .nto = 2, .plain = &join };
	env = forge_ev(h, &sp);
	refused(h->node[POLICE], &env, LFH_EPERM, "only the case's lead agency (police) may invite");
	refused(h->node[HOUSING], &env, LFH_EPERM, "only the case's lead agency (police) may invite");
	lfh_buf_free(&env);
	/* and its own node would not have written it */
	assert_int_equal(write_gov(h->node[HEALTH], case_id, LFH_EV_JOIN, "referral", "health", &join,
				   &res), LFH_EPERM);
	lfh_record_clear(&leave);
	lfh_record_clear(&join);
}

static void test_close_by_non_lead_refused(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_record close = { 0 };
	lfh_buf env;

	shared_case(h, case_id);
	record_of(&close, "by", "x");
	/* housing closes police's case (stamped 1970, see test_clock_rules, it is refused
	 * for that alone) */
	spec sp = { .author = HOUSING, .type = LFH_EV_CLOSE, .case_id = case_id,
		    .category = "referral", .to = { "health", "police" }, .nto = 2,
		    .plain = &close };
	env = forge_ev(h, &sp);
	/* housing takes part: it could be the lead by a change not known here yet, so held */
	refused(h->node[POLICE], &env, LFH_EHELD, "only the case's lead agency (police) may close");
	refused(h->node[HEALTH], &env, LFH_EHELD, "only the case's lead agency (police) may close");
	lfh_buf_free(&env);
	/* probation takes no part: refused outright */
	sp.author = PROBATION;
	env = forge_ev(h, &sp);
	refused(h->node[POLICE], &env, LFH_EPERM, "only the case's lead agency (police) may close");
	lfh_buf_free(&env);
	lfh_record_clear(&close);
}

/* Police opens a case the OSARA rules accept (a full referral record), shared with `to`. */
static void osara_case(hub *h, uint8_t case_id[LFH_CASE_LEN], const char *to)
{
	lfh_record body = { 0 };
	lfh_write_result ref;
	lfh_err err = { 0 };
	lfh_txn *t;
	const char *const rcpt[] = { to };

	lfh_case_id_new(h->node[POLICE]->rules.hub_id, "police", case_id);
	record_of(&body, "summary", "Noise at flat 3");
	record_of(&body, "location", "Senhouse Street");
	record_of(&body, "asb_category", "noise");
	record_of(&body, "risk", "standard");
	record_of(&body, "by", "x");
	assert_int_equal(lfh_txn_begin(h->node[POLICE]->store, 1, &t, &err), 0);
	assert_int_equal(lfh_node_write(h->node[POLICE], t, case_id, LFH_EV_REFERRAL, "referral",
					rcpt, 1, &body, &ref, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	lfh_record_clear(&body);
}

/* The lead's CLOSE without a closure proposal and review is held, never applied. */
static void test_close_without_review_held(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_record close = { 0 };
	lfh_record r = { 0 };
	lfh_err err = { 0 };
	lfh_txn *t;
	lfh_buf env;

	int rej;

	osara_case(h, case_id, "housing");
	assert_int_equal(pull(h->node[POLICE], h->node[HOUSING], &rej), 2);
	record_of(&close, "by", "x");
	spec sp = { .author = POLICE, .type = LFH_EV_CLOSE, .case_id = case_id,
		    .category = "referral", .to = { "housing" }, .nto = 1, .plain = &close };
	env = forge_ev(h, &sp);
	refused(h->node[HOUSING], &env, LFH_EHELD, "closure has not been proposed");
	assert_int_equal(lfh_txn_begin(h->node[HOUSING]->store, 0, &t, &err), 0);
	assert_int_equal(lfh_store_case_get(t, case_id, &r, &err), 0);
	uint64_t closed;
	assert_false(lfh_record_uint(&r, "closed_ms", &closed)); /* retention never starts */
	lfh_record_clear(&r);
	lfh_txn_abort(t);
	lfh_buf_free(&env);
	lfh_record_clear(&close);
}

/* Once every participant agreed, the new lead governs the case at every node. */
static void test_agreed_lead_governs(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_write_result prop, agree, res;
	lfh_record join = { 0 };
	char hex[2 * LFH_ID_LEN + 1];
	int rej;

	osara_case(h, case_id, "housing");
	assert_int_equal(pull(h->node[POLICE], h->node[HOUSING], &rej), 2);
	write_step(h->node[HOUSING], case_id, LFH_EV_LEAD_PROPOSE, &prop, "lead", "housing", "by",
		   "x", NULL);
	pull(h->node[HOUSING], h->node[POLICE], &rej);
	assert_int_equal(rej, 0);
	lfh_hex(hex, prop.event_id, LFH_ID_LEN);
	write_step(h->node[POLICE], case_id, LFH_EV_LEAD_AGREE, &agree, "proposal", hex, "by", "x",
		   NULL);
	pull(h->node[POLICE], h->node[HOUSING], &rej);
	assert_int_equal(rej, 0);
	/* housing now invites council: its own node and police's both accept it */
	record_of(&join, "agency", "council");
	record_of(&join, "by", "x");
	assert_int_equal(write_gov(h->node[HOUSING], case_id, LFH_EV_JOIN, "referral", "council",
				   &join, &res), 0);
	pull(h->node[HOUSING], h->node[POLICE], &rej);
	assert_int_equal(rej, 0);
	assert_true(has_event(h->node[POLICE], res.event_id));
	/* and police no longer may */
	lfh_record_clear(&join);
	record_of(&join, "agency", "health");
	record_of(&join, "by", "x");
	assert_int_equal(write_gov(h->node[POLICE], case_id, LFH_EV_JOIN, "referral", "health",
				   &join, &res), LFH_EPERM);
	lfh_record_clear(&join);
}

/*
 * Police invites council, then agrees to hand the lead to housing. Housing
 * gets the agreement first: police's JOIN, stamped while police still led,
 * is taken all the same, as at a node that got it in order.
 */
static void test_join_by_former_lead_any_order(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_write_result prop, agree, joined;
	lfh_record join = { 0 };
	char hex[2 * LFH_ID_LEN + 1];
	lfh_err err = { 0 };
	lfh_buf env;
	int rej;

	osara_case(h, case_id, "housing");
	assert_int_equal(pull(h->node[POLICE], h->node[HOUSING], &rej), 2);
	write_step(h->node[HOUSING], case_id, LFH_EV_LEAD_PROPOSE, &prop, "lead", "housing", "by",
		   "x", NULL);
	pull(h->node[HOUSING], h->node[POLICE], &rej);
	assert_int_equal(rej, 0);
	record_of(&join, "agency", "council");
	record_of(&join, "by", "x");
	assert_int_equal(write_gov(h->node[POLICE], case_id, LFH_EV_JOIN, "referral", "council",
				   &join, &joined), 0);
	lfh_hex(hex, prop.event_id, LFH_ID_LEN);
	write_step(h->node[POLICE], case_id, LFH_EV_LEAD_AGREE, &agree, "proposal", hex, "by", "x",
		   NULL);
	env = envelope_of(h->node[POLICE], agree.event_id);
	assert_int_equal(push(h->node[HOUSING], env.data, env.len, "police", &err), 0);
	lfh_buf_free(&env);
	env = envelope_of(h->node[POLICE], joined.event_id);
	assert_int_equal(push(h->node[HOUSING], env.data, env.len, "police", &err), 0);
	assert_true(has_event(h->node[HOUSING], joined.event_id));
	lfh_buf_free(&env);
	lfh_record_clear(&join);
}

static void test_leave_by_non_lead_refused(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_record leave = { 0 };
	lfh_buf env;

	shared_case(h, case_id);
	record_of(&leave, "agency", "health");
	record_of(&leave, "reason", "x");
	record_of(&leave, "by", "x");
	spec sp = { .author = HOUSING, .type = LFH_EV_LEAVE, .case_id = case_id,
		    .category = "referral", .to = { "health", "police" }, .nto = 2, .plain = &leave };
	env = forge_ev(h, &sp);
	refused(h->node[POLICE], &env, LFH_EHELD, "only the case's lead agency (police) may remove");
	refused(h->node[HEALTH], &env, LFH_EHELD, "only the case's lead agency (police) may remove");
	lfh_buf_free(&env);
	lfh_record_clear(&leave);
}

/* ---- only participants write into a case ---------------------------------- */

static void test_step_by_non_participant_refused(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_buf env;

	shared_case(h, case_id);
	spec sp = { .author = PROBATION, .type = LFH_EV_NOTE, .case_id = case_id,
		    .category = "referral", .to = { "health", "housing", "police" }, .nto = 3 };
	env = forge_ev(h, &sp);
	refused(h->node[POLICE], &env, LFH_EHELD, "probation does not take part");
	refused(h->node[HOUSING], &env, LFH_EHELD, "probation does not take part");
	lfh_buf_free(&env);
	sp.type = LFH_EV_RISK;
	env = forge_ev(h, &sp);
	refused(h->node[POLICE], &env, LFH_EHELD, "probation does not take part");
	lfh_buf_free(&env);
	/* a type this node does not know is a data event (7.1): rule 6 holds for it too */
	sp.type = 99;
	env = forge_ev(h, &sp);
	refused(h->node[POLICE], &env, LFH_EHELD, "probation does not take part");
	refused(h->node[HOUSING], &env, LFH_EHELD, "probation does not take part");
	lfh_buf_free(&env);
	sp.author = HOUSING; /* a participant's is taken */
	sp.to[0] = "health", sp.to[1] = "police", sp.to[2] = "probation";
	env = forge_ev(h, &sp);
	accepted(h->node[POLICE], &env);
	lfh_buf_free(&env);
}

/*
 * A case has one REFERRAL. Its creator (running other code) writes a second
 * one after the lead moved on: refused where the first is held, so it can
 * neither take the lead back nor add participants (before 0.4.6 it did both,
 * at the nodes it sent it to only).
 */
static void test_creators_second_referral_refused(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	char lead[LFH_AGENCY_MAX + 1];
	lfh_agencies parts;
	lfh_err err = { 0 };
	lfh_txn *t;
	lfh_buf env;

	shared_case(h, case_id);
	spec sp = { .author = POLICE, .type = LFH_EV_REFERRAL, .case_id = case_id,
		    .category = "referral", .to = { "council", "housing" }, .nto = 2 };
	env = forge_ev(h, &sp);
	refused(h->node[HOUSING], &env, LFH_EPERM, "has its referral already");
	lfh_buf_free(&env);
	assert_int_equal(lfh_txn_begin(h->node[HOUSING]->store, 0, &t, &err), 0);
	assert_int_equal(lfh_parties_get(t, case_id, lead, &parts, &err), 0);
	lfh_txn_abort(t);
	assert_string_equal(lead, "police");
	assert_false(lfh_agencies_has(&parts, "council"));
}

/* An event of an unknown type does not open a case nobody opened. */
static void test_unknown_type_opens_no_case(void **state)
{
	hub *h = *state;
	uint8_t ghost[LFH_CASE_LEN];
	lfh_buf env;

	lfh_case_id_new(h->node[POLICE]->rules.hub_id, "council", ghost);
	spec sp = { .author = PROBATION, .type = 99, .case_id = ghost, .category = "referral",
		    .to = { "police" }, .nto = 1 };
	env = forge_ev(h, &sp);
	refused(h->node[POLICE], &env, LFH_EHELD, "is not known here yet");
	lfh_buf_free(&env);
}

/* Scan callback: one more entry. */
static int held_fn(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	(void)key;
	(void)klen;
	(void)val;
	(void)vlen;
	(*(size_t *)ctx)++;
	return 0;
}

/* How many events of the case n holds aside, and probation's count of them. */
static size_t held_here(lfh_node *n, const uint8_t case_id[LFH_CASE_LEN], uint64_t *count)
{
	lfh_err err = { 0 };
	lfh_txn *t;
	size_t held = 0;
	char name[LFH_META_NAME_BUF];

	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_store_tbl_scan(t, LFH_TBL_HELD, case_id, LFH_CASE_LEN, held_fn, &held,
					    &err), 0);
	lfh_store_meta_name(name, "held", "probation");
	assert_int_equal(lfh_store_meta_get(t, name, count, &err), 0);
	lfh_txn_abort(t);
	return held;
}

/* In t, the case closed long ago at n, so its retention has run out: run it; what it shredded. */
static uint64_t run_out_retention(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN])
{
	lfh_record c = { 0 };
	lfh_err err = { 0 };
	uint64_t shredded = 0;

	assert_int_equal(lfh_store_case_get(t, case_id, &c, &err), 0);
	assert_int_equal(lfh_record_set_uint(&c, "closed_ms", 1, &err), 0);
	assert_int_equal(lfh_store_case_put(t, case_id, &c, &err), 0);
	assert_int_equal(lfh_policy_retention(&n->rules, t, lfh_wall_ms(), &shredded, &err), 0);
	lfh_record_clear(&c);
	return shredded;
}

/* Shredding a (case, category) drops what was held of it, and the author's held count follows. */
static void test_shred_drops_held(void **state)
{
	hub *h = *state;
	lfh_node *police = h->node[POLICE];
	uint8_t case_id[LFH_CASE_LEN];
	lfh_err err = { 0 };
	uint64_t count = 9;
	lfh_txn *t;
	lfh_buf env;

	shared_case(h, case_id);
	spec sp = { .author = PROBATION, .type = LFH_EV_NOTE, .case_id = case_id,
		    .category = "referral", .to = { "health", "housing", "police" }, .nto = 3 };
	env = forge_ev(h, &sp);
	refused(police, &env, LFH_EHELD, "probation does not take part");
	assert_int_equal(held_here(police, case_id, &count), 1);
	assert_int_equal(count, 1);
	assert_int_equal(lfh_txn_begin(police->store, 1, &t, &err), 0);
	assert_true(run_out_retention(police, t, case_id) > 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	assert_int_equal(held_here(police, case_id, &count), 0);
	assert_int_equal(count, 0);
	lfh_buf_free(&env);
}

/* Put an envelope into a store as it is (the rules left out): its put's status. */
static int store_raw(lfh_txn *t, const lfh_buf *env)
{
	lfh_event ev = { 0 };
	uint8_t id[LFH_ID_LEN];
	lfh_err err = { 0 };
	int rc;

	assert_int_equal(lfh_event_decode(env->data, env->len, &ev, &err), 0);
	lfh_event_id(env->data, env->len, id);
	rc = lfh_store_put_event(t, env->data, env->len, &ev, id, NULL, &err);
	lfh_event_clear(&ev);
	return rc;
}

/* Shredding a (case, category) drops the evidence kept of its equivocations too. */
static void test_shred_drops_evidence(void **state)
{
	hub *h = *state;
	lfh_node *police = h->node[POLICE];
	uint8_t case_id[LFH_CASE_LEN];
	lfh_err err = { 0 };
	uint64_t evidence = 0;
	lfh_txn *t;
	lfh_buf a, b;

	shared_case(h, case_id);
	spec sp = { .author = HOUSING, .type = LFH_EV_NOTE, .case_id = case_id,
		    .category = "referral", .to = { "police" }, .nto = 1 };
	a = forge_ev(h, &sp);
	fresh_seq--; /* the same (author, seq), another event: an equivocation */
	b = forge_ev(h, &sp);
	assert_int_equal(lfh_txn_begin(police->store, 1, &t, &err), 0);
	assert_int_equal(store_raw(t, &a), 0);
	assert_int_equal(store_raw(t, &b), LFH_EEQUIV);
	assert_int_equal(lfh_store_evidence_count(t, &evidence, &err), 0);
	assert_int_equal(evidence, 1);
	assert_true(run_out_retention(police, t, case_id) > 0);
	assert_int_equal(lfh_store_evidence_count(t, &evidence, &err), 0);
	assert_int_equal(evidence, 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	lfh_buf_free(&a);
	lfh_buf_free(&b);
}

/* An event of a case nobody opened is held, never listed as a case. */
static void test_unknown_case_held(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_err err = { 0 };
	lfh_buf env;

	randombytes_buf(case_id, sizeof case_id);
	spec sp = { .author = HOUSING, .type = LFH_EV_NOTE, .case_id = case_id,
		    .category = "referral", .to = { "police" }, .nto = 1 };
	env = forge_ev(h, &sp);
	refused(h->node[POLICE], &env, LFH_EHELD, "is not known here yet");
	/* again: held once, still nothing stored */
	assert_int_equal(push(h->node[POLICE], env.data, env.len, "relay", &err), LFH_EHELD);
	assert_int_equal(event_count(h->node[POLICE]), 0);
	lfh_buf_free(&env);
}

/* Held until the referral that makes its author a participant arrives. */
static void test_held_event_released_by_referral(void **state)
{
	hub *h = *state;
	const char *to[] = { "council", "housing" };
	uint8_t case_id[LFH_CASE_LEN];
	lfh_write_result ref, note;
	lfh_err err = { 0 };
	lfh_buf env;
	int rej;

	new_case(h, case_id, to, 2, &ref);
	assert_int_equal(pull(h->node[POLICE], h->node[COUNCIL], &rej), 2);
	assert_int_equal(write_data(h->node[COUNCIL], case_id, LFH_EV_NOTE, "referral", NULL, 0,
				    "seen at the flat", &note), 0);
	/* council's note overtakes police's referral on its way to housing */
	env = envelope_of(h->node[COUNCIL], note.event_id);
	assert_int_equal(push(h->node[HOUSING], env.data, env.len, "council", &err), LFH_EHELD);
	assert_false(has_event(h->node[HOUSING], note.event_id));
	assert_int_equal(pull(h->node[POLICE], h->node[HOUSING], &rej), 2);
	assert_int_equal(rej, 0);
	assert_true(has_event(h->node[HOUSING], note.event_id));
	lfh_buf_free(&env);
}

/*
 * A member parks many held events in its own case (LEAVEs of an agency that
 * never took part), then sends the JOIN that lets them in: each LEAVE taken
 * releases the case's held events again. That is a further pass, never a
 * call within a call: 4,000 of them overflowed the receiver's stack (and
 * every level copied every envelope held), judging the held events again
 * about n^2 / 2 times. Now the work is linear (at most RELEASE_PASSES_MAX
 * passes over what the case holds), and the JOIN is in.
 */
static void test_held_chain_released_in_passes(void **state)
{
	hub *h = *state;
	const char *to[] = { "police" };
	uint8_t case_id[LFH_CASE_LEN];
	lfh_record body = { 0 }, leave = { 0 }, join = { 0 };
	lfh_write_result ref;
	lfh_err err = { 0 };
	lfh_txn *t;
	lfh_buf env;
	uint64_t base, before;
	const int nheld = 300;
	int rej;

	lfh_case_id_new(h->node[HOUSING]->rules.hub_id, "housing", case_id);
	record_of(&body, "summary", "x");
	record_of(&body, "location", "y");
	record_of(&body, "asb_category", "noise");
	record_of(&body, "risk", "standard");
	record_of(&body, "by", "x");
	assert_int_equal(lfh_txn_begin(h->node[HOUSING]->store, 1, &t, &err), 0);
	assert_int_equal(lfh_node_write(h->node[HOUSING], t, case_id, LFH_EV_REFERRAL, "referral", to,
					1, &body, &ref, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	pull(h->node[HOUSING], h->node[POLICE], &rej);
	record_of(&leave, "agency", "council");
	record_of(&leave, "reason", "x");
	record_of(&leave, "by", "x");
	spec sl = { .author = HOUSING, .type = LFH_EV_LEAVE, .case_id = case_id,
		    .category = "referral", .to = { "council", "police" }, .nto = 2, .plain = &leave };
	base = (lfh_wall_ms() + 5) << 16;
	for (int i = 0; i < nheld; i++) {
		sl.hlc = base + (uint64_t)i;
		env = forge_ev(h, &sl);
		assert_int_equal(push(h->node[POLICE], env.data, env.len, "housing", &err), LFH_EHELD);
		lfh_buf_free(&env);
	}
	record_of(&join, "agency", "council");
	record_of(&join, "by", "x");
	spec sj = { .author = HOUSING, .type = LFH_EV_JOIN, .case_id = case_id,
		    .category = "referral", .to = { "council", "police" }, .nto = 2, .plain = &join,
		    .hlc = base + (uint64_t)nheld + 1 };
	env = forge_ev(h, &sj);
	before = h->node[POLICE]->held_rejudged;
	assert_int_equal(push(h->node[POLICE], env.data, env.len, "housing", &err), 0);
	/* linear in what is held (16 passes at most), not quadratic (~nheld^2 / 2 before) */
	assert_true(h->node[POLICE]->held_rejudged - before <= 16 * (uint64_t)nheld);
	assert_true(h->node[POLICE]->held_rejudged - before >= (uint64_t)nheld);
	assert_int_equal(h->node[POLICE]->releasing, 0);
	lfh_buf_free(&env);
	lfh_record_clear(&body);
	lfh_record_clear(&leave);
	lfh_record_clear(&join);
}

/* ---- keys ------------------------------------------------------------------ */

/* Housing plants a sharing key under police's name: refused at health. */
static void test_preseeded_key_refused(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN], key[32];
	lfh_key_body kb = { 0 };
	lfh_err err = { 0 };
	lfh_buf env;

	shared_case(h, case_id);
	snprintf(kb.creator, sizeof kb.creator, "police");
	kb.epoch = 7;
	kb.ngrants = 1;
	snprintf(kb.grants[0].agency, sizeof kb.grants[0].agency, "health");
	randombytes_buf(key, sizeof key);
	assert_int_equal(lfh_key_seal(key, h->node[HEALTH]->id->pub.box_pk, kb.grants[0].sealed,
				      &err), 0);
	spec sp = { .author = HOUSING, .type = LFH_EV_KEY, .case_id = case_id,
		    .category = "health", .to = { "health" }, .nto = 1, .keys = &kb };
	env = forge_ev(h, &sp);
	refused(h->node[HEALTH], &env, LFH_EPERM, "only the case's lead (police) may pass on");
	lfh_buf_free(&env);
}

/*
 * A KEY of an agency's own key is held too unless its author takes part: a
 * removed agency cannot replace the key its earlier notes are under, and a
 * KEY cannot open a case nobody opened.
 */
static void test_key_by_outsider_held(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN], other[LFH_CASE_LEN], key[32];
	lfh_record leave = { 0 };
	lfh_key_body kb = { 0 };
	lfh_write_result res;
	lfh_err err = { 0 };
	lfh_buf env;
	int rej;

	shared_case(h, case_id);
	record_of(&leave, "agency", "housing");
	record_of(&leave, "reason", "no longer involved");
	record_of(&leave, "by", "x");
	assert_int_equal(write_gov(h->node[POLICE], case_id, LFH_EV_LEAVE, "referral", NULL, &leave,
				   &res), 0);
	pull(h->node[POLICE], h->node[HEALTH], &rej);
	snprintf(kb.creator, sizeof kb.creator, "housing");
	kb.ngrants = 1;
	snprintf(kb.grants[0].agency, sizeof kb.grants[0].agency, "health");
	randombytes_buf(key, sizeof key);
	assert_int_equal(lfh_key_seal(key, h->node[HEALTH]->id->pub.box_pk, kb.grants[0].sealed,
				      &err), 0);
	spec sp = { .author = HOUSING, .type = LFH_EV_KEY, .case_id = case_id,
		    .category = "referral", .to = { "health" }, .nto = 1, .keys = &kb };
	env = forge_ev(h, &sp);
	refused(h->node[HEALTH], &env, LFH_EHELD, "housing does not take part in case");
	lfh_buf_free(&env);
	/* nor does a KEY open, at an agency that knows nothing of it, a case that is
	 * not even its author's (one of its own may come before its referral) */
	randombytes_buf(other, sizeof other);
	sp.case_id = other;
	env = forge_ev(h, &sp);
	refused(h->node[HEALTH], &env, LFH_EHELD, "is not known here yet");
	lfh_buf_free(&env);
	lfh_record_clear(&leave);
}

/* ---- the clock ------------------------------------------------------------- */

static void test_clock_rules(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_write_result note;
	lfh_buf env;
	int rej;

	shared_case(h, case_id);
	/* stamped in the year 10889 */
	spec sp = { .author = POLICE, .type = LFH_EV_NOTE, .case_id = case_id,
		    .category = "referral", .hlc = (((uint64_t)1 << 48) - 2) << 16,
		    .to = { "health", "housing" }, .nto = 2 };
	env = forge_ev(h, &sp);
	refused(h->node[HOUSING], &env, LFH_ECLOCK, "ahead of our clock");
	lfh_buf_free(&env);
	/* stamped in 1970, long before the agreement it names took effect (2026-01-01) */
	sp.hlc = 1000ULL << 16;
	env = forge_ev(h, &sp);
	refused(h->node[HOUSING], &env, LFH_ECLOCK, "before ISA version 1, which it names, took effect");
	lfh_buf_free(&env);
	/* a later seq stamped before police's own earlier events */
	assert_int_equal(write_data(h->node[POLICE], case_id, LFH_EV_NOTE, "referral", NULL, 0,
				    "now", &note), 0);
	assert_int_equal(pull(h->node[POLICE], h->node[HOUSING], &rej), 1);
	sp.hlc = note.hlc - (1000ULL << 16);
	env = forge_ev(h, &sp);
	refused(h->node[HOUSING], &env, LFH_ECLOCK, "out of order");
	lfh_buf_free(&env);
	/* just ahead, within the skew: accepted */
	sp.hlc = (lfh_wall_ms() + 60000) << 16;
	env = forge_ev(h, &sp);
	accepted(h->node[HOUSING], &env);
	lfh_buf_free(&env);
}

/* ---- hub-wide events -------------------------------------------------------- */

static void test_hub_events_case_and_category(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_record sign = { 0 };
	char hex[65];
	lfh_buf env;

	shared_case(h, case_id);
	lfh_hex(hex, h->node[POLICE]->rules.isa_hash, 32);
	record_of(&sign, "isa", hex);
	record_of(&sign, "by", "x");
	spec sp = { .author = HOUSING, .type = LFH_EV_ISA_SIGN, .case_id = case_id,
		    .category = "isa", .to = { "council", "health", "police", "probation" }, .nto = 4,
		    .plain = &sign };
	env = forge_ev(h, &sp);
	refused(h->node[POLICE], &env, LFH_EPERM, "names a case");
	lfh_buf_free(&env);
	sp.case_id = NULL;
	sp.category = "referral";
	env = forge_ev(h, &sp);
	refused(h->node[POLICE], &env, LFH_EPERM, "category must be 'isa'");
	lfh_buf_free(&env);
	lfh_record_clear(&sign);
}

/* ---- convergence -------------------------------------------------------------- */

/* A participant that is not the lead writes a health note: health, named for it, takes it. */
static void test_health_note_by_participant_reaches_health(void **state)
{
	hub *h = *state;
	const char *to[] = { "housing" };
	uint8_t case_id[LFH_CASE_LEN];
	lfh_write_result ref, note;
	int rej;

	new_case(h, case_id, to, 1, &ref);
	assert_int_equal(pull(h->node[POLICE], h->node[HOUSING], &rej), 2);
	assert_int_equal(write_data(h->node[HOUSING], case_id, LFH_EV_NOTE, "health", NULL, 0,
				    "engaging with recovery", &note), 0);
	assert_rcpts(&note, (const char *const[]){ "health", "police" }, 2);
	assert_int_equal(pull(h->node[HOUSING], h->node[POLICE], &rej), 2); /* KEY, note */
	assert_int_equal(rej, 0);
	assert_int_equal(pull(h->node[HOUSING], h->node[HEALTH], &rej), 2);
	assert_int_equal(rej, 0);
	assert_true(has_event(h->node[HEALTH], note.event_id));
}

/*
 * Housing writes a note while it takes part; police then removes it. Health,
 * which gets the LEAVE before the note, takes the note as police (which got
 * it first) did: what decides is the order of the stamps, not of arrival.
 */
static void test_note_before_leave_any_order(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_record leave = { 0 };
	lfh_write_result note, res;
	lfh_err err = { 0 };
	lfh_buf key, env;
	int rej;

	shared_case(h, case_id);
	assert_int_equal(write_data(h->node[HOUSING], case_id, LFH_EV_NOTE, "referral", NULL, 0,
				    "tenancy warning served", &note), 0);
	assert_int_equal(pull(h->node[HOUSING], h->node[POLICE], &rej), 2); /* KEY, note */
	record_of(&leave, "agency", "housing");
	record_of(&leave, "reason", "no longer involved");
	record_of(&leave, "by", "x");
	assert_int_equal(write_gov(h->node[POLICE], case_id, LFH_EV_LEAVE, "referral", NULL, &leave,
				   &res), 0);
	/* health: police's events first (the LEAVE among them), then housing's note */
	pull(h->node[POLICE], h->node[HEALTH], &rej);
	assert_int_equal(rej, 0);
	key = envelope_of(h->node[HOUSING], note.event_id);
	env = key; /* the note itself; its KEY came with police's relay */
	assert_int_equal(push(h->node[HEALTH], env.data, env.len, "housing", &err), 0);
	assert_true(has_event(h->node[HEALTH], note.event_id));
	lfh_buf_free(&env);
	/* a note housing stamps after its removal is still held */
	assert_int_equal(write_data(h->node[HOUSING], case_id, LFH_EV_NOTE, "referral", NULL, 0,
				    "written after removal", &note), 0);
	env = envelope_of(h->node[HOUSING], note.event_id);
	assert_int_equal(push(h->node[HEALTH], env.data, env.len, "housing", &err), LFH_EHELD);
	lfh_buf_free(&env);
	lfh_record_clear(&leave);
}

/* One other agency fills at most author_quota bytes of a node's store; its own count. */
static void test_author_quota(void **state)
{
	hub *h = *state;
	const char *to[] = { "housing" };
	uint8_t case_id[LFH_CASE_LEN];
	lfh_write_result ref, note;
	lfh_err err = { 0 };
	lfh_buf env;
	int rej;

	new_case(h, case_id, to, 1, &ref);
	assert_int_equal(pull(h->node[POLICE], h->node[HOUSING], &rej), 2);
	/* police stores at most 4 KiB of housing's events */
	h->node[POLICE]->cfg.author_quota = 4096;
	for (int i = 0; i < 40; i++)
		assert_int_equal(write_data(h->node[HOUSING], case_id, LFH_EV_NOTE, "referral", NULL,
					    0, "tenancy warning served on the occupier", &note), 0);
	env = envelope_of(h->node[HOUSING], note.event_id);
	pull(h->node[HOUSING], h->node[POLICE], &rej);
	assert_true(rej > 0);
	assert_false(has_event(h->node[POLICE], note.event_id));
	assert_int_equal(push(h->node[POLICE], env.data, env.len, "housing", &err), LFH_ETOOBIG);
	assert_non_null(strstr(err.msg, "quota (author_quota_mb)"));
	lfh_buf_free(&env);
	/* police's own writes are not limited; a raised quota lets the rest in */
	assert_int_equal(write_data(h->node[POLICE], case_id, LFH_EV_NOTE, "referral", NULL, 0,
				    "warrant executed", &note), 0);
	h->node[POLICE]->cfg.author_quota = 0; /* half the map */
	pull(h->node[HOUSING], h->node[POLICE], &rej);
	assert_int_equal(rej, 0);
	assert_true(has_event(h->node[POLICE], ref.event_id));
}

/* Council invites health, then probation: probation learns of health and writes to it. */
static void test_second_invitee_learns_the_first(void **state)
{
	hub *h = *state;
	const char *to[] = { "housing" };
	uint8_t case_id[LFH_CASE_LEN];
	lfh_write_result ref, res, note;
	lfh_record join = { 0 };
	char lead[LFH_AGENCY_MAX + 1];
	lfh_agencies parts;
	lfh_err err = { 0 };
	lfh_txn *t;
	int rej;

	new_case(h, case_id, to, 1, &ref);
	record_of(&join, "agency", "health");
	record_of(&join, "by", "x");
	assert_int_equal(write_gov(h->node[POLICE], case_id, LFH_EV_JOIN, "referral", "health", &join,
				   &res), 0);
	lfh_record_clear(&join);
	record_of(&join, "agency", "probation");
	record_of(&join, "by", "x");
	assert_int_equal(write_gov(h->node[POLICE], case_id, LFH_EV_JOIN, "referral", "probation",
				   &join, &res), 0);
	lfh_record_clear(&join);
	pull(h->node[POLICE], h->node[PROBATION], &rej);
	assert_int_equal(rej, 0);
	pull(h->node[POLICE], h->node[HEALTH], &rej);
	assert_int_equal(rej, 0);
	assert_int_equal(lfh_txn_begin(h->node[PROBATION]->store, 0, &t, &err), 0);
	assert_int_equal(lfh_parties_get(t, case_id, lead, &parts, &err), 0);
	lfh_txn_abort(t);
	assert_string_equal(lead, "police");
	assert_true(lfh_agencies_has(&parts, "health"));
	assert_true(lfh_agencies_has(&parts, "housing"));
	/* probation's note goes to health too, and health takes it */
	assert_int_equal(write_data(h->node[PROBATION], case_id, LFH_EV_NOTE, "housing", NULL, 0,
				    "on licence", &note), 0);
	assert_rcpts(&note, (const char *const[]){ "health", "housing", "police" }, 3);
	pull(h->node[PROBATION], h->node[HEALTH], &rej);
	assert_int_equal(rej, 0);
	assert_true(has_event(h->node[HEALTH], note.event_id));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_second_referral_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejoin_after_removal_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_by_non_lead_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leave_by_non_lead_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_without_review_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agreed_lead_governs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_step_by_non_participant_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_type_opens_no_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_creators_second_referral_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_case_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shred_drops_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shred_drops_evidence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_event_released_by_referral, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_chain_released_in_passes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_preseeded_key_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hub_events_case_and_category, setup, teardown),
		cmocka_unit_test_setup_teardown(test_author_quota, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_by_outsider_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_join_by_former_lead_any_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_note_before_leave_any_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_note_by_participant_reaches_health,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_invitee_learns_the_first, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
