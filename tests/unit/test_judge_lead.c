/*
 * test_judge_lead.c - the receiver rules about the case's lead (node/rules/
 * judge.c and parties.c, PROTOCOL.md 7.3 rule 5) across lead changes: an
 * event by an agency that led the case at its stamp is judged as the lead's,
 * whichever earlier lead it was and whatever order the agreements came in.
 *
 * The five in-process nodes of hub_fixture.h (forge_fixture.h).
 */
#include "forge_fixture.h"

#include "lfh/osara.h"
#include "lfh/parties.h"

/* The lead of the case at n, and its participants. */
static void lead_at(lfh_node *n, const uint8_t case_id[LFH_CASE_LEN], char lead[LFH_AGENCY_MAX + 1],
		    lfh_agencies *parts)
{
	lfh_err err = { 0 };
	lfh_txn *t;

	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_parties_get(t, case_id, lead, parts, &err), 0);
	lfh_txn_abort(t);
}

/* who writes a step, pulled by the nodes in to[] and, with tohealth, pushed to health alone. */
static void step_to(hub *h, int who, const uint8_t case_id[LFH_CASE_LEN], uint32_t type,
		    const char *k, const char *v, const int *to, int nto, int tohealth,
		    lfh_write_result *w)
{
	lfh_err err = { 0 };
	int rej;

	write_step(h->node[who], case_id, type, w, k, v, "by", "x", NULL);
	for (int i = 0; i < nto; i++)
		pull(h->node[who], h->node[to[i]], &rej);
	if (tohealth) {
		lfh_buf env = envelope_of(h->node[who], w->event_id);
		assert_int_equal(push(h->node[HEALTH], env.data, env.len, agencies[who], &err), 0);
		lfh_buf_free(&env);
	}
}

/*
 * Two lead changes (police -> housing -> health); police's JOIN of council,
 * stamped while police led, reaches health only after both. Judged as the
 * lead's there too, as at every node that got it before: every earlier lead
 * counts, not only the last (it was held at health for good, and council
 * took part at housing, not at health).
 */
static void test_first_leads_join_after_two_changes(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_record join = { 0 };
	lfh_write_result ref, w, prop, joined;
	lfh_err err = { 0 };
	char hex[2 * LFH_ID_LEN + 1], lead[LFH_AGENCY_MAX + 1];
	lfh_agencies parts;
	const char *const to[] = { "health", "housing" };
	const int ph[] = { POLICE, HEALTH }, po_ho[] = { POLICE, HOUSING };
	const int po_co[] = { POLICE, COUNCIL }, ho_co[] = { HOUSING, COUNCIL };
	const int ho_po[] = { HOUSING, POLICE }, three[] = { POLICE, HOUSING, COUNCIL };
	lfh_buf env;
	int rej;

	new_case(h, case_id, to, 2, &ref);
	pull(h->node[POLICE], h->node[HOUSING], &rej);
	pull(h->node[POLICE], h->node[HEALTH], &rej);
	step_to(h, HOUSING, case_id, LFH_EV_NOTE, "text", "n", ph, 2, 0, &w);
	step_to(h, HEALTH, case_id, LFH_EV_NOTE, "text", "n", po_ho, 2, 0, &w);
	/* police, the lead, invites council; health does not get the JOIN yet */
	record_of(&join, "agency", "council");
	record_of(&join, "by", "x");
	assert_int_equal(write_gov(h->node[POLICE], case_id, LFH_EV_JOIN, "referral", "council",
				   &join, &joined), 0);
	pull(h->node[POLICE], h->node[HOUSING], &rej);
	pull(h->node[POLICE], h->node[COUNCIL], &rej);
	pull(h->node[HOUSING], h->node[COUNCIL], &rej);
	/* change 1: housing leads */
	step_to(h, HOUSING, case_id, LFH_EV_LEAD_PROPOSE, "lead", "housing", po_co, 2, 1, &prop);
	lfh_hex(hex, prop.event_id, LFH_ID_LEN);
	step_to(h, POLICE, case_id, LFH_EV_LEAD_AGREE, "proposal", hex, ho_co, 2, 1, &w);
	step_to(h, COUNCIL, case_id, LFH_EV_LEAD_AGREE, "proposal", hex, ho_po, 2, 0, &w);
	step_to(h, HEALTH, case_id, LFH_EV_LEAD_AGREE, "proposal", hex, three, 3, 0, &w);
	/* change 2: health leads */
	step_to(h, HEALTH, case_id, LFH_EV_LEAD_PROPOSE, "lead", "health", three, 3, 0, &prop);
	lfh_hex(hex, prop.event_id, LFH_ID_LEN);
	step_to(h, POLICE, case_id, LFH_EV_LEAD_AGREE, "proposal", hex, ho_co, 2, 1, &w);
	step_to(h, HOUSING, case_id, LFH_EV_LEAD_AGREE, "proposal", hex, po_co, 2, 1, &w);
	step_to(h, COUNCIL, case_id, LFH_EV_LEAD_AGREE, "proposal", hex, ho_po, 2, 0, &w);
	lead_at(h->node[HEALTH], case_id, lead, &parts);
	assert_string_equal(lead, "health");
	lead_at(h->node[HOUSING], case_id, lead, &parts);
	assert_string_equal(lead, "health");
	assert_true(lfh_agencies_has(&parts, "council"));
	/* police's JOIN, stamped while police led, reaches health at last */
	env = envelope_of(h->node[POLICE], joined.event_id);
	if (push(h->node[HEALTH], env.data, env.len, "police", &err) != 0)
		fail_msg("police's JOIN at health: %s", err.msg);
	lfh_buf_free(&env);
	lead_at(h->node[HEALTH], case_id, lead, &parts);
	assert_true(lfh_agencies_has(&parts, "council"));
	lfh_record_clear(&join);
}

/*
 * The agreement completing the first of two lead changes reaches police only
 * after the second change is complete there. Its lead history must still be
 * the others' (police, then housing), so that housing's JOIN, stamped while
 * housing led, is taken at police as everywhere (the history was kept from
 * the changes as they were applied here: police went straight to health and
 * held housing's JOIN for good).
 */
/* who writes a step; that one event alone is pushed to each node of to[] (no pull: no other event goes with it). */
static void step_push(hub *h, int who, const uint8_t case_id[LFH_CASE_LEN], uint32_t type,
		      const char *k, const char *v, const int *to, int nto, lfh_write_result *w)
{
	lfh_err err = { 0 };
	lfh_buf env;

	write_step(h->node[who], case_id, type, w, k, v, "by", "x", NULL);
	env = envelope_of(h->node[who], w->event_id);
	for (int i = 0; i < nto; i++)
		if (push(h->node[to[i]], env.data, env.len, agencies[who], &err) != 0)
			fail_msg("push to %s: %s", agencies[to[i]], err.msg);
	lfh_buf_free(&env);
}

static void test_lead_history_whatever_the_order(void **state)
{
	hub *h = *state;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_record join = { 0 };
	lfh_write_result ref, w, prop, late_agree, joined;
	lfh_err err = { 0 };
	char hex[2 * LFH_ID_LEN + 1], lead[LFH_AGENCY_MAX + 1];
	lfh_agencies parts;
	const char *const to[] = { "health", "housing" };
	const int po_he[] = { POLICE, HEALTH }, ho_he[] = { HOUSING, HEALTH };
	const int ho_po[] = { HOUSING, POLICE }, housing_only[] = { HOUSING };
	lfh_buf env;
	int rej;

	new_case(h, case_id, to, 2, &ref);
	pull(h->node[POLICE], h->node[HOUSING], &rej);
	pull(h->node[POLICE], h->node[HEALTH], &rej);
	/* each holds the others' keys (what is pushed alone below is readable) */
	step_to(h, HOUSING, case_id, LFH_EV_NOTE, "text", "n", po_he, 2, 0, &w);
	step_to(h, HEALTH, case_id, LFH_EV_NOTE, "text", "n", ho_po, 2, 0, &w);
	/* change 1: housing leads; health's agreement, the last, reaches police late */
	step_push(h, HOUSING, case_id, LFH_EV_LEAD_PROPOSE, "lead", "housing", po_he, 2, &prop);
	lfh_hex(hex, prop.event_id, LFH_ID_LEN);
	step_push(h, POLICE, case_id, LFH_EV_LEAD_AGREE, "proposal", hex, ho_he, 2, &w);
	step_push(h, HEALTH, case_id, LFH_EV_LEAD_AGREE, "proposal", hex, housing_only, 1,
		  &late_agree);
	lead_at(h->node[HOUSING], case_id, lead, &parts);
	assert_string_equal(lead, "housing");
	/* housing, leading, invites council: health gets it, police later */
	record_of(&join, "agency", "council");
	record_of(&join, "by", "x");
	assert_int_equal(write_gov(h->node[HOUSING], case_id, LFH_EV_JOIN, "referral", "council",
				   &join, &joined), 0);
	env = envelope_of(h->node[HOUSING], joined.event_id);
	assert_int_equal(push(h->node[HEALTH], env.data, env.len, "housing", &err), 0);
	lfh_buf_free(&env);
	/* change 2: health leads, agreed by housing and police */
	step_push(h, HEALTH, case_id, LFH_EV_LEAD_PROPOSE, "lead", "health", ho_po, 2, &prop);
	lfh_hex(hex, prop.event_id, LFH_ID_LEN);
	step_push(h, HOUSING, case_id, LFH_EV_LEAD_AGREE, "proposal", hex, po_he, 2, &w);
	step_push(h, POLICE, case_id, LFH_EV_LEAD_AGREE, "proposal", hex, ho_he, 2, &w);
	lead_at(h->node[POLICE], case_id, lead, &parts);
	assert_string_equal(lead, "health");
	/* the late agreement, then housing's JOIN, reach police */
	env = envelope_of(h->node[HEALTH], late_agree.event_id);
	assert_int_equal(push(h->node[POLICE], env.data, env.len, "health", &err), 0);
	lfh_buf_free(&env);
	env = envelope_of(h->node[HOUSING], joined.event_id);
	if (push(h->node[POLICE], env.data, env.len, "housing", &err) != 0)
		fail_msg("housing's JOIN, stamped while it led, at police: %s", err.msg);
	lfh_buf_free(&env);
	lead_at(h->node[POLICE], case_id, lead, &parts);
	assert_true(lfh_agencies_has(&parts, "council"));
	lfh_record_clear(&join);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_leads_join_after_two_changes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lead_history_whatever_the_order, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
