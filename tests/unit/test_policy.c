/*
 * test_policy.c - the ISA at work (node/rules/policy.c through the node
 * core), without sockets: the five in-process nodes of hub_fixture.h, events
 * handed between them as a peer would receive them.
 */
#define _GNU_SOURCE /* memmem */
#include "hub_fixture.h"

#include "file_search.h"

/* ---- 1. recipients follow the category rules ----------------------------- */

static void test_recipients_follow_rules(void **state)
{
	hub *h = *state;
	const char *to[] = { "housing", "health" };
	uint8_t case_id[LFH_CASE_LEN];
	lfh_write_result ref, note;
	uint64_t before;

	new_case(h, case_id, to, 2, &ref);
	assert_rcpts(&ref, (const char *const[]){ "health", "housing" }, 2);

	assert_int_equal(write_data(h->node[POLICE], case_id, LFH_EV_NOTE, "health", NULL, 0,
				    "in recovery", &note), 0);
	assert_rcpts(&note, (const char *const[]){ "health" }, 1);

	assert_int_equal(write_data(h->node[POLICE], case_id, LFH_EV_NOTE, "criminal-intel", NULL, 0,
				    "known associate", &note), 0);
	assert_rcpts(&note, (const char *const[]){ "probation" }, 1);

	/* the "participants" rule: police, housing and health */
	assert_int_equal(write_data(h->node[POLICE], case_id, LFH_EV_NOTE, "housing", NULL, 0,
				    "tenancy warning", &note), 0);
	assert_rcpts(&note, (const char *const[]){ "health", "housing" }, 2);

	/* a category the ISA does not have: refused, nothing written (not even a KEY) */
	before = event_count(h->node[POLICE]);
	assert_int_equal(write_data(h->node[POLICE], case_id, LFH_EV_NOTE, "finance", NULL, 0,
				    "rent arrears", &note), LFH_EINVAL);
	assert_int_equal(event_count(h->node[POLICE]), before);
	/* only a referral names its recipients under an ISA */
	assert_int_equal(write_data(h->node[POLICE], case_id, LFH_EV_NOTE, "health", to, 1,
				    "to housing", &note), LFH_EINVAL);
	assert_int_equal(event_count(h->node[POLICE]), before);
}

/* ---- 2. forged events ------------------------------------------------------ */

/*
 * Build and sign a data event by hand (a buggy or hostile author node):
 * type NOTE, random bytes as body, fresh seq and counters.
 */
static lfh_buf forge(const lfh_identity *id, const uint8_t hub[32],
		     const uint8_t case_id[LFH_CASE_LEN], const char *category,
		     uint32_t isa_version, const char *const *to, size_t nto, uint64_t fresh)
{
	lfh_event ev = { 0 };
	lfh_err err = { 0 };
	lfh_buf env = { 0 };
	uint8_t body[64], evid[LFH_ID_LEN];

	memcpy(ev.hub, hub, 32);
	snprintf(ev.author, sizeof ev.author, "%s", id->pub.agency);
	memcpy(ev.key_id, id->pub.key_id, LFH_KEYID_LEN);
	ev.seq = 1000 + fresh;
	ev.hlc = lfh_hlc_next(0);
	memcpy(ev.case_id, case_id, LFH_CASE_LEN);
	ev.type = LFH_EV_NOTE;
	snprintf(ev.category, sizeof ev.category, "%s", category);
	ev.isa_version = isa_version;
	ev.nrcpt = (uint32_t)nto;
	for (size_t i = 0; i < nto; i++) {
		snprintf(ev.rcpt[i].agency, sizeof ev.rcpt[i].agency, "%s", to[i]);
		ev.rcpt[i].ctr = 1000 + fresh;
	}
	snprintf(ev.key_creator, sizeof ev.key_creator, "%s", id->pub.agency);
	ev.key_epoch = 0;
	ev.nonce_len = LFH_NONCE_LEN;
	randombytes_buf(ev.nonce, sizeof ev.nonce);
	randombytes_buf(body, sizeof body);
	ev.body = body;
	ev.body_len = sizeof body;
	if (lfh_event_sign(&ev, id->sign_sk, &env, evid, &err) != 0)
		fail_msg("forge: %s", err.msg);
	return env;
}

/* The receiver refuses env with status want and stores nothing. */
static void assert_refused_as(lfh_node *n, lfh_buf *env, const char *what, int want)
{
	lfh_err err = { 0 };
	uint64_t before = event_count(n);
	int rc = push(n, env->data, env->len, "police", &err);
	if (rc != want)
		fail_msg("%s at %s: got %d (%s), want %d", what, n->cfg.agency, rc, err.msg, want);
	assert_int_equal(event_count(n), before);
}

static void assert_refused(lfh_node *n, lfh_buf *env, const char *what)
{
	assert_refused_as(n, env, what, LFH_EPERM);
}

static void test_forged_events_rejected(void **state)
{
	hub *h = *state;
	const char *all[] = { "council", "housing", "health", "probation" };
	uint8_t case_id[LFH_CASE_LEN];
	lfh_write_result ref;
	lfh_identity *police, *fire;
	lfh_err err = { 0 };
	char kd[LFH_PATH_MAX];
	const uint8_t *hub_id = h->node[POLICE]->rules.hub_id;
	lfh_buf env;
	uint64_t fresh = 0;

	/* every agency knows the case and that police leads it */
	new_case(h, case_id, all, 4, &ref);
	for (int i = 1; i < NAG; i++) {
		int rej;
		assert_int_equal(pull(h->node[POLICE], h->node[i], &rej), 2);
		assert_int_equal(rej, 0);
	}
	snprintf(kd, sizeof kd, "%s/police/keys", h->dir);
	assert_int_equal(lfh_identity_load(kd, &police, &err), 0);

	/* control: hand-built events the ISA allows are accepted */
	env = forge(police, hub_id, case_id, "health", 1, (const char *const[]){ "health" }, 1,
		    fresh++);
	assert_int_equal(push(h->node[HEALTH], env.data, env.len, "police", &err), 0);
	lfh_buf_free(&env);
	env = forge(police, hub_id, case_id, "criminal-intel", 1,
		    (const char *const[]){ "probation" }, 1, fresh++);
	assert_int_equal(push(h->node[PROBATION], env.data, env.len, "police", &err), 0);
	lfh_buf_free(&env);

	/* (a) health data addressed to council */
	env = forge(police, hub_id, case_id, "health", 1, (const char *const[]){ "council" }, 1,
		    fresh++);
	assert_refused(h->node[COUNCIL], &env, "health to council");
	lfh_buf_free(&env);
	/* naming council beside health: health refuses it too (every recipient is checked) */
	env = forge(police, hub_id, case_id, "health", 1,
		    (const char *const[]){ "council", "health" }, 2, fresh++);
	assert_refused(h->node[COUNCIL], &env, "health to council+health");
	assert_refused(h->node[HEALTH], &env, "health to council+health");
	lfh_buf_free(&env);

	/* (b) criminal intelligence addressed to housing (alone, or beside probation) */
	env = forge(police, hub_id, case_id, "criminal-intel", 1,
		    (const char *const[]){ "housing" }, 1, fresh++);
	assert_refused(h->node[HOUSING], &env, "criminal-intel to housing");
	lfh_buf_free(&env);
	env = forge(police, hub_id, case_id, "criminal-intel", 1,
		    (const char *const[]){ "housing", "probation" }, 2, fresh++);
	assert_refused(h->node[HOUSING], &env, "criminal-intel to housing+probation");
	assert_refused(h->node[PROBATION], &env, "criminal-intel to housing+probation");
	lfh_buf_free(&env);

	/* (c) a category the ISA does not have */
	env = forge(police, hub_id, case_id, "finance", 1, (const char *const[]){ "council" }, 1,
		    fresh++);
	assert_refused(h->node[COUNCIL], &env, "finance");
	lfh_buf_free(&env);

	/* (d) an ISA version not in force */
	env = forge(police, hub_id, case_id, "referral", 9, (const char *const[]){ "council" }, 1,
		    fresh++);
	assert_refused(h->node[COUNCIL], &env, "isa_version 9");
	lfh_buf_free(&env);
	env = forge(police, hub_id, case_id, "referral", 0, (const char *const[]){ "council" }, 1,
		    fresh++);
	assert_refused(h->node[COUNCIL], &env, "isa_version 0");
	lfh_buf_free(&env);

	/* (e) a correctly signed event by an agency that is not a party */
	snprintf(kd, sizeof kd, "%s/fire/keys", h->dir);
	assert_int_equal(lfh_identity_generate("fire", kd, &err), 0);
	assert_int_equal(lfh_identity_load(kd, &fire, &err), 0);
	env = forge(fire, hub_id, case_id, "referral", 1, (const char *const[]){ "council" }, 1,
		    fresh++);
	assert_refused(h->node[COUNCIL], &env, "non-party author");
	lfh_buf_free(&env);
	/* nor may the outsider pass itself off as police with its own key */
	snprintf(fire->pub.agency, sizeof fire->pub.agency, "police");
	env = forge(fire, hub_id, case_id, "referral", 1, (const char *const[]){ "council" }, 1,
		    fresh++);
	assert_refused_as(h->node[COUNCIL], &env, "outsider key as police", LFH_EKEYID);
	lfh_buf_free(&env);

	lfh_identity_free(fire);
	lfh_identity_free(police);
}

/* A LEAVE counts only from the case's lead: others' are refused by every receiver. */
static void test_leave_only_by_lead(void **state)
{
	hub *h = *state;
	const char *to[] = { "housing", "health" };
	uint8_t case_id[LFH_CASE_LEN];
	lfh_write_result ref, bad, good;
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	int rej;

	new_case(h, case_id, to, 2, &ref);
	assert_int_equal(pull(h->node[POLICE], h->node[HOUSING], &rej), 2);
	assert_int_equal(pull(h->node[POLICE], h->node[HEALTH], &rej), 2);
	assert_int_equal(lfh_record_set_str(&body, "agency", "health", &err), 0);
	assert_int_equal(lfh_record_set_str(&body, "reason", "x", &err), 0);
	assert_int_equal(lfh_record_set_str(&body, "by", "x", &err), 0);
	/* housing is no lead: its own node refuses to write a LEAVE (receivers: test_judge.c) */
	assert_int_equal(write_gov(h->node[HOUSING], case_id, LFH_EV_LEAVE, "referral", NULL, &body,
				   &bad), LFH_EPERM);
	assert_int_equal(pull(h->node[HOUSING], h->node[POLICE], &rej), 0);
	assert_int_equal(rej, 0);
	/* police (the lead) may: health is told, then no longer a recipient */
	assert_int_equal(write_gov(h->node[POLICE], case_id, LFH_EV_LEAVE, "referral", NULL, &body,
				   &good), 0);
	assert_rcpts(&good, (const char *const[]){ "health", "housing" }, 2);
	assert_int_equal(pull(h->node[POLICE], h->node[HEALTH], &rej), 1);
	assert_int_equal(rej, 0);
	assert_true(has_event(h->node[HEALTH], good.event_id));
	assert_int_equal(write_data(h->node[POLICE], case_id, LFH_EV_NOTE, "referral", NULL, 0,
				    "after health left", &bad), 0);
	assert_rcpts(&bad, (const char *const[]){ "housing" }, 1);
	lfh_record_clear(&body);
}

/* ---- 3. invite and backfill ------------------------------------------------ */

static void test_join_backfills_allowed_categories_only(void **state)
{
	hub *h = *state;
	const char *to[] = { "housing", "health" };
	uint8_t case_id[LFH_CASE_LEN];
	lfh_write_result ref, hnote, join;
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	char text[64];
	int rej;

	new_case(h, case_id, to, 2, &ref);
	assert_int_equal(write_data(h->node[POLICE], case_id, LFH_EV_NOTE, "health", NULL, 0,
				    "in recovery", &hnote), 0);
	/* probation is not a participant yet: nothing is served to it */
	assert_int_equal(pull(h->node[POLICE], h->node[PROBATION], &rej), 0);
	assert_int_equal(event_count(h->node[PROBATION]), 0);

	/* police invites probation */
	assert_int_equal(lfh_record_set_str(&body, "agency", "probation", &err), 0);
	assert_int_equal(lfh_record_set_str(&body, "by", "x", &err), 0);
	assert_int_equal(write_gov(h->node[POLICE], case_id, LFH_EV_JOIN, "referral", "probation",
				   &body, &join), 0);
	lfh_record_clear(&body);
	assert_rcpts(&join, (const char *const[]){ "health", "housing", "probation" }, 3);

	/* probation pulls: JOIN, the referral and the keys it needs; no health data */
	assert_true(pull(h->node[POLICE], h->node[PROBATION], &rej) >= 3);
	assert_int_equal(rej, 0);
	assert_true(has_event(h->node[PROBATION], join.event_id));
	assert_true(has_event(h->node[PROBATION], ref.event_id));
	assert_int_equal(read_field(h->node[PROBATION], ref.event_id, "text", text, sizeof text), 0);
	assert_string_equal(text, "noise at flat 3");
	assert_false(has_event(h->node[PROBATION], hnote.event_id));

	/* probation now takes part: it receives new case data of the participants' categories */
	lfh_write_result hous;
	assert_int_equal(write_data(h->node[POLICE], case_id, LFH_EV_NOTE, "housing", NULL, 0,
				    "tenancy warning", &hous), 0);
	assert_rcpts(&hous, (const char *const[]){ "health", "housing", "probation" }, 3);

	/* the health note backfilled anyway (a buggy relay): refused, not stored */
	lfh_buf env = envelope_of(h->node[POLICE], hnote.event_id);
	uint64_t before = event_count(h->node[PROBATION]);
	assert_int_equal(push(h->node[PROBATION], env.data, env.len, "police", &err), LFH_EPERM);
	assert_int_equal(event_count(h->node[PROBATION]), before);
	assert_false(has_event(h->node[PROBATION], hnote.event_id));
	lfh_buf_free(&env);

	/* the other participants accept the JOIN and keep what they had */
	assert_true(pull(h->node[POLICE], h->node[HEALTH], &rej) > 0);
	assert_int_equal(rej, 0);
	assert_int_equal(read_field(h->node[HEALTH], hnote.event_id, "text", text, sizeof text), 0);
	assert_string_equal(text, "in recovery");
}

/* ---- 4. ISA versions -------------------------------------------------------- */

static const char *finance_category =
	"  ,{ name = \"finance\"; kind = \"personal\"; receive = \"participants\"; retention_days = 30; }\n";

static void sign_isa(lfh_node *n, const uint8_t hash[32], lfh_write_result *res)
{
	static const uint8_t no_case[LFH_CASE_LEN];
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	char hex[65];

	lfh_hex(hex, hash, 32);
	assert_int_equal(lfh_record_set_str(&body, "isa", hex, &err), 0);
	assert_int_equal(lfh_record_set_uint(&body, "version", 2, &err), 0);
	assert_int_equal(write_gov(n, no_case, LFH_EV_ISA_SIGN, "isa", NULL, &body, res), 0);
	lfh_record_clear(&body);
}

static void test_isa_adopted_when_all_signed(void **state)
{
	hub *h = *state;
	static const uint8_t no_case[LFH_CASE_LEN];
	lfh_node *police = h->node[POLICE], *probation = h->node[PROBATION];
	char prev[65], path[LFH_PATH_MAX], bad[LFH_PATH_MAX];
	uint8_t hash[32], hub_before[32], flipped[32];
	lfh_isa *isa = malloc(sizeof *isa);
	lfh_buf bytes = { 0 };
	lfh_err err = { 0 };
	lfh_txn *t;
	lfh_write_result prop, sig;
	int rej;

	assert_non_null(isa);
	memcpy(hub_before, police->rules.hub_id, 32);
	lfh_hex(prev, police->rules.isa_hash, 32);
	snprintf(path, sizeof path, "%s/v2.isa", h->dir);
	write_isa(h, path, 2, prev, finance_category);

	/* a proposal naming the wrong predecessor is refused */
	memcpy(flipped, police->rules.isa_hash, 32);
	flipped[0] ^= 1;
	lfh_hex(prev, flipped, 32);
	snprintf(bad, sizeof bad, "%s/v2-bad-prev.isa", h->dir);
	write_isa(h, bad, 2, prev, finance_category);
	assert_int_equal(lfh_policy_parse_next(&police->rules, bad, isa, &bytes, hash, &err), LFH_EINVAL);
	assert_non_null(strstr(err.msg, "prev"));
	lfh_buf_reset(&bytes);

	/* police proposes version 2 */
	assert_int_equal(lfh_policy_parse_next(&police->rules, path, isa, &bytes, hash, &err), 0);
	assert_int_equal(isa->version, 2);
	assert_int_equal(lfh_txn_begin(police->store, 1, &t, &err), 0);
	assert_int_equal(lfh_node_write_plain(police, t, no_case, LFH_EV_ISA_PROPOSE, "isa", NULL, 0,
					      bytes.data, bytes.len, &prop, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	assert_int_equal(prop.nrcpt, 4);
	for (int i = 1; i < NAG; i++) {
		assert_int_equal(pull(police, h->node[i], &rej), 1);
		assert_int_equal(rej, 0);
		assert_int_equal(h->node[i]->rules.isa->version, 1);
	}

	/* police, council, housing and health sign: police collects them, still version 1 */
	sign_isa(police, hash, &sig);
	assert_int_equal(police->rules.isa->version, 1);
	for (int i = COUNCIL; i <= HEALTH; i++) {
		sign_isa(h->node[i], hash, &sig);
		assert_int_equal(pull(h->node[i], police, &rej), 1);
		assert_int_equal(rej, 0);
		assert_int_equal(police->rules.isa->version, 1);
		/* probation collects them too */
		assert_int_equal(pull(h->node[i], probation, &rej), 1);
		assert_int_equal(probation->rules.isa->version, 1);
	}
	assert_int_equal(pull(police, probation, &rej), 1); /* police's own signature */
	assert_int_equal(probation->rules.isa->version, 1);
	assert_null(lfh_isa_category_find(police->rules.isa, "finance"));

	/* the fifth signature: probation adopts on writing it, police on receiving it */
	sign_isa(probation, hash, &sig);
	assert_int_equal(probation->rules.isa->version, 2);
	assert_memory_equal(probation->rules.isa_hash, hash, 32);
	assert_int_equal(pull(probation, police, &rej), 1);
	assert_int_equal(rej, 0);
	assert_int_equal(police->rules.isa->version, 2);
	assert_memory_equal(police->rules.isa_hash, hash, 32);
	assert_non_null(lfh_isa_category_find(police->rules.isa, "finance"));
	/* the hub id stays the genesis hash */
	assert_memory_equal(police->rules.hub_id, hub_before, 32);

	/* the adopted version is no longer "next" */
	lfh_buf_reset(&bytes);
	assert_int_equal(lfh_policy_parse_next(&police->rules, path, isa, &bytes, hash, &err), LFH_EINVAL);

	/* the new category is usable between nodes that adopted it */
	uint8_t case_id[LFH_CASE_LEN];
	lfh_write_result ref, fin;
	new_case(h, case_id, (const char *const[]){ "probation" }, 1, &ref);
	assert_int_equal(write_data(police, case_id, LFH_EV_NOTE, "finance", NULL, 0, "arrears",
				    &fin), 0);
	assert_rcpts(&fin, (const char *const[]){ "probation" }, 1);
	assert_int_equal(pull(police, probation, &rej), 4); /* 2 KEY, referral, note */
	assert_int_equal(rej, 0);

	/* an event naming version 1 is taken within the grace after version 2's adoption ... */
	{
		const char *to1[] = { "police" };
		char name[LFH_META_NAME_BUF];
		lfh_txn *t;
		lfh_buf env = forge(h->node[COUNCIL]->id, police->rules.hub_id, case_id, "referral", 1,
				    to1, 1, 77);
		int rc = push(police, env.data, env.len, "council", &err);
		assert_true(rc == 0 || !strstr(err.msg, "replaced by version 2"));
		lfh_buf_free(&env);
		/* ... and not once the grace is over (adoption moved back 8 days) */
		snprintf(name, sizeof name, "%s2", LFH_META_ISA_ADOPTED);
		assert_int_equal(lfh_txn_begin(police->store, 1, &t, &err), 0);
		assert_int_equal(lfh_store_meta_put(t, name, lfh_wall_ms() - 8 * DAY_MS, &err), 0);
		assert_int_equal(lfh_txn_commit(t, &err), 0);
		env = forge(h->node[COUNCIL]->id, police->rules.hub_id, case_id, "referral", 1, to1, 1,
			    78);
		assert_int_equal(push(police, env.data, env.len, "council", &err), LFH_EPERM);
		assert_non_null(strstr(err.msg, "names ISA version 1, replaced by version 2"));
		lfh_buf_free(&env);
	}

	/* the version survives a restart */
	lfh_node_close(police);
	h->node[POLICE] = NULL;
	open_node(h, POLICE);
	assert_int_equal(h->node[POLICE]->rules.isa->version, 2);
	assert_memory_equal(h->node[POLICE]->rules.isa_hash, hash, 32);

	lfh_buf_free(&bytes);
	free(isa);
}

/* ---- 5. retention ------------------------------------------------------------ */

static void test_retention_shreds_after_period(void **state)
{
	hub *h = *state;
	lfh_node *police = h->node[POLICE], *housing = h->node[HOUSING];
	const char *to[] = { "housing", "health" };
	uint8_t case_id[LFH_CASE_LEN], key[32];
	lfh_write_result ref, hnote, cnote, close;
	lfh_err err = { 0 };
	lfh_txn *t;
	uint64_t count, closed;
	char text[64];
	int rej;

	new_case(h, case_id, to, 2, &ref);
	assert_int_equal(write_data(police, case_id, LFH_EV_NOTE, "health", NULL, 0, "in recovery",
				    &hnote), 0);
	assert_int_equal(write_data(police, case_id, LFH_EV_NOTE, "criminal-intel", NULL, 0,
				    "known associate", &cnote), 0);
	close_case(h, case_id, &close);
	/* KEY, referral, eight OSARA steps, CLOSE */
	assert_int_equal(pull(police, housing, &rej), 11);
	assert_int_equal(rej, 0);
	closed = closed_here(police, case_id);
	lfh_buf ref_env = envelope_of(police, ref.event_id);
	/* the raw sharing key is never in data.mdb: it is kept under key_dir/store.key */
	uint8_t raw_key[32];
	char mdb[LFH_PATH_MAX + 16], kek_path[LFH_PATH_MAX + 16];
	struct stat kst;
	assert_int_equal(lfh_txn_begin(police->store, 0, &t, &err), 0);
	assert_int_equal(lfh_store_key_get(t, case_id, "referral", "police", 0, raw_key, &err), 0);
	lfh_txn_abort(t);
	snprintf(mdb, sizeof mdb, "%s/data.mdb", police->cfg.data_dir);
	assert_false(file_has(mdb, raw_key, sizeof raw_key));
	snprintf(kek_path, sizeof kek_path, "%s/store.key", police->cfg.key_dir);
	assert_int_equal(stat(kek_path, &kst), 0);
	assert_int_equal(kst.st_mode & 0777, 0600);

	/* just before the shortest retention period ends: nothing */
	assert_int_equal(lfh_node_retention(police, closed + RET_SHORTEST * DAY_MS - 1, &count, &err), 0);
	assert_int_equal(count, 0);
	assert_true(has_event(police, hnote.event_id));

	/* the shortest (health) ends: only health data goes */
	assert_int_equal(lfh_node_retention(police, closed + RET_SHORTEST * DAY_MS, &count, &err), 0);
	assert_int_equal(count, 1);
	assert_false(has_event(police, hnote.event_id));
	assert_true(has_event(police, cnote.event_id));
	assert_int_equal(read_field(police, ref.event_id, "text", text, sizeof text), 0);

	/* after the longest: every category */
	assert_int_equal(lfh_node_retention(police, closed + RET_LONGEST * DAY_MS, &count, &err), 0);
	assert_int_equal(count, 3);
	assert_int_equal(lfh_node_retention(police, closed + 2 * RET_LONGEST * DAY_MS, &count, &err), 0);
	assert_int_equal(count, 0); /* once only */
	assert_false(has_event(police, ref.event_id));
	assert_false(has_event(police, cnote.event_id));
	assert_false(has_event(police, close.event_id));
	assert_int_equal(event_count(police), 0);
	assert_int_not_equal(read_field(police, ref.event_id, "text", text, sizeof text), 0);
	assert_false(file_has(mdb, raw_key, sizeof raw_key));

	assert_int_equal(lfh_txn_begin(police->store, 0, &t, &err), 0);
	{
		const uint8_t *raw;
		size_t len;
		lfh_event ev = { 0 };
		lfh_record rb = { 0 };
		assert_int_equal(lfh_store_get_event(t, ref.event_id, &raw, &len, &err), LFH_ENOTFOUND);
		/* the ciphertext still held elsewhere no longer opens here */
		assert_int_not_equal(lfh_node_open_event(police, t, ref_env.data, ref_env.len, &ev, &rb,
							 &err), 0);
		lfh_event_clear(&ev);
		lfh_record_clear(&rb);
	}
	assert_int_equal(lfh_store_key_get(t, case_id, "referral", "police", 0, key, &err),
			 LFH_ENOTFOUND);
	assert_int_equal(lfh_store_key_get(t, case_id, "health", "police", 0, key, &err),
			 LFH_ENOTFOUND);
	assert_int_equal(lfh_store_key_get(t, case_id, "criminal-intel", "police", 0, key, &err),
			 LFH_ENOTFOUND);
	lfh_txn_abort(t);

	/* housing has not shredded: re-sending its copy to police is refused, not stored */
	assert_int_equal(read_field(housing, ref.event_id, "text", text, sizeof text), 0);
	lfh_buf copy = envelope_of(housing, ref.event_id);
	assert_int_equal(push(police, copy.data, copy.len, "housing", &err), LFH_EPERM);
	assert_false(has_event(police, ref.event_id));
	assert_int_equal(event_count(police), 0);
	lfh_buf_free(&copy);
	lfh_buf_free(&ref_env);

	/* housing shreds on its own clock, by the same rule, from when the CLOSE reached it */
	closed = closed_here(housing, case_id);
	assert_true(closed >= lfh_hlc_ms(close.hlc));
	assert_int_equal(lfh_node_retention(housing, closed + RET_LONGEST * DAY_MS - 1, &count, &err), 0);
	assert_true(has_event(housing, ref.event_id));
	assert_int_equal(lfh_node_retention(housing, closed + RET_LONGEST * DAY_MS, &count, &err), 0);
	assert_false(has_event(housing, ref.event_id));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_recipients_follow_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_events_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leave_only_by_lead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_join_backfills_allowed_categories_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_isa_adopted_when_all_signed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_shreds_after_period, setup, teardown),
	};
	if (sodium_init() < 0)
		return 1;
	lfh_log_setup(LFH_LOG_ERROR, "test");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
