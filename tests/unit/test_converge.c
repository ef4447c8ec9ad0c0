/*
 * test_converge.c - nodes receiving the same events in different orders end
 * in the same state (PROTOCOL.md 7.3, "whatever the arrival order"), for
 * the orders an audit found to split them:
 * - a closure review stamped before the CLOSE that arrives after it: the
 *   case is open again everywhere, and nothing of it is shredded;
 * - a removed agency's note stamped after the LEAVE that came before it:
 *   set aside when the LEAVE comes, held as where the LEAVE came first;
 * and the rules found missing at receivers:
 * - a LEAVE naming its own author (the lead) is refused; a LEAVE naming an
 *   agency that never took part is held until it does;
 * - an event encrypted under a key its author did not create is refused;
 * - what a case holds aside is judged again only when it may be let in;
 * - an author's stamps against its seq order: the event refused (which one
 *   depends on the order) is kept as evidence at every node.
 *
 * The five in-process nodes of hub_fixture.h; hostile events from
 * forge_fixture.h.
 */
#include "forge_fixture.h"

#include "lfh/osara.h"
#include "lfh/parties.h"
#include "lfh/policy.h"

static int has_closed_ms(lfh_node *n, const uint8_t case_id[LFH_CASE_LEN])
{
	lfh_record r = { 0 };
	lfh_err err = { 0 };
	lfh_txn *t;
	uint64_t ms = 0;
	int yes;

	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_store_case_get(t, case_id, &r, &err), 0);
	yes = lfh_record_uint(&r, "closed_ms", &ms);
	lfh_record_clear(&r);
	lfh_txn_abort(t);
	return yes;
}

static int stage_of(lfh_node *n, const uint8_t case_id[LFH_CASE_LEN])
{
	lfh_osara_state *st = malloc(sizeof *st);
	lfh_err err = { 0 };
	lfh_txn *t;
	int s;

	assert_non_null(st);
	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_node_project(n, t, case_id, st, &err), 0);
	s = st->stage;
	lfh_txn_abort(t);
	free(st);
	return s;
}

/* What retention shreds at n if it ran at now_ms. */
static uint64_t shredded_at(lfh_node *n, uint64_t now_ms)
{
	lfh_err err = { 0 };
	lfh_txn *t;
	uint64_t count = 0;

	assert_int_equal(lfh_txn_begin(n->store, 1, &t, &err), 0);
	assert_int_equal(lfh_policy_retention(&n->rules, t, now_ms, &count, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	return count;
}

/* Police's case with housing, health and council, taken as far as a closure review "close". */
static void case_ready_to_close(hub *h, uint8_t case_id[LFH_CASE_LEN])
{
	const char *to[] = { "council", "health", "housing" };
	lfh_node *p = h->node[POLICE];
	lfh_write_result w;
	int rej;

	new_case(h, case_id, to, 3, &w);
	propose_closure(p, case_id);
	write_step(p, case_id, LFH_EV_REVIEW, &w, "kind", "closure", "outcome", "close", "text", "t",
		   "by", "x", NULL);
	pull(p, h->node[HEALTH], &rej);
	assert_int_equal(rej, 0);
}

/*
 * Health, not yet holding police's CLOSE, reviews the closure with outcome
 * "continue", stamped before the CLOSE. Housing takes the CLOSE first, then
 * the review; council the other way round. Both see the case open, and
 * retention (a month later) shreds nothing of it at either, nor at police.
 */
static void test_review_before_close_any_order(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_node *p = h->node[POLICE];
	lfh_write_result rev, cl;
	lfh_record body = { 0 };
	uint64_t later;
	int rej;

	case_ready_to_close(h, case_id);
	write_step(h->node[HEALTH], case_id, LFH_EV_REVIEW, &rev, "kind", "closure", "outcome",
		   "continue", "text", "not yet", "by", "x", NULL);
	while (lfh_wall_ms() <= lfh_hlc_ms(rev.hlc)) /* police stamps its CLOSE after the review */
		usleep(200);
	record_of(&body, "by", "x");
	assert_int_equal(write_gov(p, case_id, LFH_EV_CLOSE, "referral", NULL, &body, &cl), 0);
	lfh_record_clear(&body);
	assert_true(rev.hlc < cl.hlc);

	pull(p, h->node[HOUSING], &rej);              /* the CLOSE first */
	assert_true(has_event(h->node[HOUSING], cl.event_id));
	assert_true(has_closed_ms(h->node[HOUSING], case_id));
	pull(h->node[HEALTH], h->node[HOUSING], &rej); /* then the review stamped before it */
	assert_true(has_event(h->node[HOUSING], rev.event_id));
	pull(h->node[HEALTH], h->node[COUNCIL], &rej); /* the review first */
	pull(p, h->node[COUNCIL], &rej);
	pull(h->node[HEALTH], p, &rej);

	for (int k = POLICE; k < PROBATION; k++) {
		lfh_node *n = h->node[k];
		assert_int_not_equal(stage_of(n, case_id), LFH_OSARA_CLOSED);
		if (has_closed_ms(n, case_id))
			fail_msg("%s: the case is open but its retention clock runs", n->cfg.agency);
	}
	later = lfh_wall_ms() + 400 * DAY_MS;
	for (int k = POLICE; k < PROBATION; k++)
		if (shredded_at(h->node[k], later) != 0)
			fail_msg("%s shredded an open case", h->node[k]->cfg.agency);
}

/*
 * The clock stops and starts again with the case: health pauses the action
 * and then marks it done again, both before police's CLOSE, which never saw
 * them. Housing takes the CLOSE (clock runs), then the pause (open: clock
 * stops), then the last update (closed again: the clock must run again),
 * as a node that took them in stamp order ends closed with its clock on.
 */
static void test_clock_starts_again_when_closed_again(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_node *p = h->node[POLICE], *health = h->node[HEALTH], *housing = h->node[HOUSING];
	lfh_write_result pause, done, cl;
	lfh_record body = { 0 };
	int rej;

	case_ready_to_close(h, case_id);
	write_step(health, case_id, LFH_EV_ACTION_UPDATE, &pause, "action", "0a1b2c3d", "status",
		   "paused", "resume", "2099-03-01", "text", "on hold", "by", "x", NULL);
	write_step(health, case_id, LFH_EV_ACTION_UPDATE, &done, "action", "0a1b2c3d", "status",
		   "done", "text", "done after all", "by", "x", NULL);
	while (lfh_wall_ms() <= lfh_hlc_ms(done.hlc))
		usleep(200);
	record_of(&body, "by", "x");
	assert_int_equal(write_gov(p, case_id, LFH_EV_CLOSE, "referral", NULL, &body, &cl), 0);
	lfh_record_clear(&body);

	pull(p, housing, &rej);
	assert_true(has_event(housing, cl.event_id));
	assert_true(has_closed_ms(housing, case_id));
	/* health's key, the pause, the last update: in that order, in one batch */
	pull(health, housing, &rej);
	assert_true(has_event(housing, pause.event_id) && has_event(housing, done.event_id));
	assert_int_equal(stage_of(housing, case_id), LFH_OSARA_CLOSED);
	if (!has_closed_ms(housing, case_id))
		fail_msg("housing: the case is closed again but its retention clock stays stopped");
	/* police, which took the same steps after its CLOSE, agrees */
	pull(health, p, &rej);
	assert_int_equal(stage_of(p, case_id), LFH_OSARA_CLOSED);
	assert_true(has_closed_ms(p, case_id));
}

/* Scan callback: the first KEY event of the scan (its envelope, copied). */
static int first_key_fn(void *ctx, uint64_t key, const uint8_t id[LFH_ID_LEN],
			const uint8_t *raw, size_t len)
{
	lfh_buf *out = ctx;

	(void)key;
	(void)id;
	if (out->len || lfh_event_peek_type(raw, len) != LFH_EV_KEY)
		return 0;
	assert_int_equal(lfh_buf_append(out, raw, len), 0);
	return 1;
}

/*
 * A CLOSE held for a step the node cannot read yet is judged again when the
 * KEY that makes it readable comes: health's closure review (outcome
 * close) is what police's CLOSE needs; housing holds the review, not
 * health's key, and holds the CLOSE; the KEY lets it in.
 */
static void test_key_releases_held_close(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	const char *to[] = { "council", "health", "housing" };
	lfh_node *p = h->node[POLICE], *health = h->node[HEALTH], *housing = h->node[HOUSING];
	lfh_write_result w, rev, cl;
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	lfh_buf key = { 0 }, renv, cenv;
	lfh_txn *t;
	int rej;

	new_case(h, case_id, to, 3, &w);
	propose_closure(p, case_id);
	pull(p, health, &rej);
	pull(p, housing, &rej);
	write_step(health, case_id, LFH_EV_REVIEW, &rev, "kind", "closure", "outcome", "close",
		   "text", "agreed", "by", "x", NULL);
	pull(health, p, &rej);
	record_of(&body, "by", "x");
	assert_int_equal(write_gov(p, case_id, LFH_EV_CLOSE, "referral", NULL, &body, &cl), 0);
	lfh_record_clear(&body);

	assert_int_equal(lfh_txn_begin(health->store, 0, &t, &err), 0);
	assert_int_equal(lfh_store_scan_author(t, "health", 1, first_key_fn, &key, &err), 0);
	lfh_txn_abort(t);
	assert_true(key.len > 0);
	renv = envelope_of(health, rev.event_id);
	cenv = envelope_of(p, cl.event_id);
	assert_int_equal(push(housing, renv.data, renv.len, "health", &err), 0); /* unreadable here */
	assert_int_equal(push(housing, cenv.data, cenv.len, "police", &err), LFH_EHELD);
	assert_false(has_event(housing, cl.event_id));
	assert_int_equal(push(housing, key.data, key.len, "health", &err), 0);
	assert_true(has_event(housing, cl.event_id)); /* the KEY let the CLOSE in */
	assert_int_equal(stage_of(housing, case_id), LFH_OSARA_CLOSED);
	lfh_buf_free(&key);
	lfh_buf_free(&renv);
	lfh_buf_free(&cenv);
}

/* Police's LEAVE with body {agency, reason, by}, forged (its node would not write it). */
static lfh_buf forged_leave(hub *h, const uint8_t case_id[LFH_CASE_LEN], const char *agency)
{
	lfh_record body = { 0 };
	lfh_buf env;
	spec sp = { .author = POLICE, .type = LFH_EV_LEAVE, .case_id = case_id,
		    .category = "referral", .to = { "health", "housing" }, .nto = 2,
		    .plain = &body };

	record_of(&body, "agency", agency);
	record_of(&body, "reason", "r");
	record_of(&body, "by", "x");
	env = forge_ev(h, &sp);
	lfh_record_clear(&body);
	return env;
}

/* The lead cannot leave its own case: refused at every receiver, whatever else it holds. */
static void test_leave_of_lead_refused(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_buf env;

	shared_case(h, case_id);
	env = forged_leave(h, case_id, "police");
	refused(h->node[HOUSING], &env, LFH_EPERM, "cannot leave its case");
	refused(h->node[HEALTH], &env, LFH_EPERM, "cannot leave its case");
	lfh_buf_free(&env);
}

/*
 * A LEAVE naming an agency that never took part is held, not applied (it
 * would have vouched for that agency's earlier steps); the JOIN that makes
 * it a participant releases it, in whichever order the two come.
 */
static void test_leave_of_outsider_held_until_join(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	uint8_t leave_id[LFH_ID_LEN];
	lfh_record body = { 0 };
	lfh_write_result join;
	lfh_buf env;
	lfh_err err = { 0 };
	int rej;

	shared_case(h, case_id);
	env = forged_leave(h, case_id, "council");
	lfh_event_id(env.data, env.len, leave_id);
	assert_int_equal(push(h->node[HOUSING], env.data, env.len, "relay", &err), LFH_EHELD);
	assert_non_null(strstr(err.msg, "takes no part"));
	assert_false(has_event(h->node[HOUSING], leave_id));

	record_of(&body, "agency", "council");
	record_of(&body, "by", "x");
	assert_int_equal(write_gov(h->node[POLICE], case_id, LFH_EV_JOIN, "referral", "council",
				   &body, &join), 0);
	lfh_record_clear(&body);
	pull(h->node[POLICE], h->node[HOUSING], &rej);
	assert_true(has_event(h->node[HOUSING], join.event_id));
	assert_true(has_event(h->node[HOUSING], leave_id)); /* released by the JOIN */
	/* the other order: the JOIN first, then the LEAVE, is taken at once */
	pull(h->node[POLICE], h->node[HEALTH], &rej);
	accepted(h->node[HEALTH], &env);
	assert_true(has_event(h->node[HEALTH], leave_id));
	lfh_buf_free(&env);
}

/*
 * env with its key_ref creator `from` made `to` (as long), signed again with
 * sign_sk: lfh_event_sign refuses to write such an event, a hostile peer
 * need not. The envelope is the signed array (14 items) plus the signature.
 */
static void swap_key_creator(lfh_buf *env, const char *from, const char *to,
			     const uint8_t sign_sk[64])
{
	size_t n = strlen(from), sig_at = env->len - 64;
	uint8_t pat[2 + LFH_AGENCY_MAX];
	uint8_t *signed_bytes = malloc(env->len);
	int hits = 0;

	assert_int_equal(strlen(to), n);
	pat[0] = 0x92; /* key_ref: [creator str, epoch] */
	pat[1] = (uint8_t)(0xa0 | n);
	memcpy(pat + 2, from, n);
	for (size_t i = 0; i + n + 2 <= sig_at; i++)
		if (!memcmp(env->data + i, pat, n + 2)) {
			memcpy(env->data + i + 2, to, n);
			hits++;
		}
	assert_int_equal(hits, 1);
	assert_non_null(signed_bytes);
	memcpy(signed_bytes, env->data, sig_at - 2); /* without bin8 header c4 40 and the sig */
	signed_bytes[0] = 0x9e;
	crypto_sign_detached(env->data + sig_at, NULL, signed_bytes, sig_at - 2, sign_sk);
	free(signed_bytes);
}

/* An author encrypts under its own keys (6.1): a body under another creator's key is refused. */
static void test_key_of_another_creator_refused(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_buf env;
	spec sp = { .author = HOUSING, .type = LFH_EV_NOTE, .category = "referral",
		    .to = { "health", "police" }, .nto = 2 };

	shared_case(h, case_id);
	sp.case_id = case_id;
	env = forge_ev(h, &sp); /* signed again unchanged: still good */
	swap_key_creator(&env, "housing", "housing", h->node[HOUSING]->id->sign_sk);
	accepted(h->node[POLICE], &env);
	lfh_buf_free(&env);
	env = forge_ev(h, &sp);
	swap_key_creator(&env, "housing", "council", h->node[HOUSING]->id->sign_sk);
	refused(h->node[POLICE], &env, LFH_ECODEC, "is not the author");
	refused(h->node[HEALTH], &env, LFH_ECODEC, "is not the author");
	lfh_buf_free(&env);
}

/*
 * What a case holds aside is judged again only when the event just accepted
 * may change its verdict: probation's held note not on notes or OSARA steps
 * (which could only make a held CLOSE valid), but on the JOIN that lets
 * probation in. A member's held events so cost nothing per note of others.
 */
static void test_held_judged_again_only_when_it_may_change(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN], held_id[LFH_ID_LEN];
	lfh_node *p = h->node[POLICE], *housing = h->node[HOUSING];
	lfh_write_result w;
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	lfh_buf env;
	uint64_t before;
	int rej;
	spec sp = { .author = PROBATION, .type = LFH_EV_NOTE, .category = "referral",
		    .to = { "health", "housing", "police" }, .nto = 3 };

	shared_case(h, case_id);
	sp.case_id = case_id;
	env = forge_ev(h, &sp);
	lfh_event_id(env.data, env.len, held_id);
	assert_int_equal(push(housing, env.data, env.len, "relay", &err), LFH_EHELD);
	before = housing->held_rejudged;
	for (int i = 0; i < 5; i++)
		assert_int_equal(write_data(p, case_id, LFH_EV_NOTE, "referral", NULL, 0, "note", &w),
				 0);
	write_step(p, case_id, LFH_EV_RISK, &w, "score", "5", "level", "standard", "answers", "a=b",
		   "by", "x", NULL);
	pull(p, housing, &rej);
	assert_int_equal(rej, 0);
	assert_true(has_event(housing, w.event_id));
	assert_int_equal(housing->held_rejudged, before); /* nothing there could let it in */

	record_of(&body, "agency", "probation");
	record_of(&body, "by", "x");
	assert_int_equal(write_gov(p, case_id, LFH_EV_JOIN, "referral", "probation", &body, &w), 0);
	lfh_record_clear(&body);
	pull(p, housing, &rej);
	assert_int_equal(housing->held_rejudged, before + 1);
	assert_true(has_event(housing, held_id)); /* the JOIN let it in */
	lfh_buf_free(&env);
}

/* Is the event with this id held aside at n (table HELD, under its case)? */
static int held_at(lfh_node *n, const uint8_t case_id[LFH_CASE_LEN], const uint8_t id[LFH_ID_LEN])
{
	uint8_t k[LFH_CASE_LEN + LFH_ID_LEN];
	lfh_err err = { 0 };
	lfh_txn *t;
	int rc;

	memcpy(k, case_id, LFH_CASE_LEN);
	memcpy(k + LFH_CASE_LEN, id, LFH_ID_LEN);
	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	rc = lfh_store_tbl_get(t, LFH_TBL_HELD, k, sizeof k, NULL, NULL, NULL);
	lfh_txn_abort(t);
	return rc == 0;
}

/*
 * Housing, not yet knowing police removed it, writes a note stamped after
 * the LEAVE (a partition: honest nodes). Health gets the LEAVE first and
 * holds the note; council gets the note first, then the LEAVE, which now
 * sets the note aside: both end holding it, neither applies it. A JOIN of
 * housing again lets it in at both.
 */
static void test_note_after_leave_any_order(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN], note_id[LFH_ID_LEN];
	const char *to[] = { "council", "health", "housing" };
	lfh_node *p = h->node[POLICE], *health = h->node[HEALTH], *council = h->node[COUNCIL];
	lfh_record leave = { 0 }, join = { 0 };
	lfh_write_result w, lv;
	lfh_err err = { 0 };
	lfh_buf env, lenv;
	int rej;
	spec sp = { .author = HOUSING, .type = LFH_EV_NOTE, .category = "referral",
		    .to = { "council", "health", "police" }, .nto = 3 };

	new_case(h, case_id, to, 3, &w);
	pull(p, council, &rej);
	pull(p, health, &rej);
	record_of(&leave, "agency", "housing");
	record_of(&leave, "reason", "r");
	record_of(&leave, "by", "x");
	assert_int_equal(write_gov(p, case_id, LFH_EV_LEAVE, "referral", NULL, &leave, &lv), 0);
	lfh_record_clear(&leave);
	lenv = envelope_of(p, lv.event_id);
	sp.case_id = case_id;
	env = forge_ev(h, &sp); /* stamped just after anything stamped so far: after the LEAVE */
	lfh_event_id(env.data, env.len, note_id);

	assert_int_equal(push(health, lenv.data, lenv.len, "police", &err), 0);
	assert_int_equal(push(health, env.data, env.len, "housing", &err), LFH_EHELD);
	assert_int_equal(push(council, env.data, env.len, "housing", &err), 0);
	assert_true(has_event(council, note_id)); /* housing took part, as far as council knew */
	assert_int_equal(push(council, lenv.data, lenv.len, "police", &err), 0);
	for (int k = 0; k < 2; k++) {
		lfh_node *n = k ? council : health;
		if (has_event(n, note_id) || !held_at(n, case_id, note_id))
			fail_msg("%s: the note stamped after the LEAVE is %s", n->cfg.agency,
				 has_event(n, note_id) ? "applied" : "not held");
	}
	/* a copy coming again changes nothing: it is held, not taken */
	assert_int_equal(push(council, env.data, env.len, "relay", &err), LFH_EHELD);

	record_of(&join, "agency", "housing");
	record_of(&join, "by", "x");
	assert_int_equal(write_gov(p, case_id, LFH_EV_JOIN, "referral", "housing", &join, &w), 0);
	lfh_record_clear(&join);
	pull(p, council, &rej);
	pull(p, health, &rej);
	assert_true(has_event(council, note_id));
	assert_true(has_event(health, note_id));
	lfh_buf_free(&env);
	lfh_buf_free(&lenv);
}

static uint64_t evidence_at(lfh_node *n)
{
	lfh_err err = { 0 };
	lfh_txn *t;
	uint64_t count = 0;

	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_store_evidence_count(t, &count, &err), 0);
	lfh_txn_abort(t);
	return count;
}

/*
 * Housing sends seq n stamped after seq n + 1. Police takes n and refuses
 * n + 1, health the other way round: which one a node holds depends on
 * which came first, so each keeps the one it refused as evidence of the
 * author's fault, which lfh status shows, as for two events in one slot.
 */
static void test_stamps_against_seq_kept_as_evidence(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_node *p = h->node[POLICE], *health = h->node[HEALTH];
	uint64_t now = lfh_wall_ms(), ep = evidence_at(p), eh = evidence_at(health);
	lfh_err err = { 0 };
	spec sp = { .author = HOUSING, .type = LFH_EV_NOTE, .category = "referral",
		    .hlc = (now + 20) << 16, .to = { "health", "police" }, .nto = 2 };
	lfh_buf first, second;

	shared_case(h, case_id);
	sp.case_id = case_id;
	first = forge_ev(h, &sp);
	sp.hlc = (now + 10) << 16; /* the next seq, stamped before */
	second = forge_ev(h, &sp);
	accepted(p, &first);
	assert_int_equal(push(p, second.data, second.len, "housing", &err), LFH_ECLOCK);
	accepted(health, &second);
	assert_int_equal(push(health, first.data, first.len, "housing", &err), LFH_ECLOCK);
	assert_int_equal(evidence_at(p), ep + 1);
	assert_int_equal(evidence_at(health), eh + 1);
	/* refused again when fetched again: no second piece of evidence */
	assert_int_equal(push(p, second.data, second.len, "housing", &err), LFH_ECLOCK);
	assert_int_equal(evidence_at(p), ep + 1);
	lfh_buf_free(&first);
	lfh_buf_free(&second);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_review_before_close_any_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_starts_again_when_closed_again, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_key_releases_held_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leave_of_lead_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leave_of_outsider_held_until_join, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_of_another_creator_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_judged_again_only_when_it_may_change, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_note_after_leave_any_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamps_against_seq_kept_as_evidence, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
