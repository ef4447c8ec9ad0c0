/*
 * hostile - a member agency's node gone bad (tests/integration/test_hostile.sh).
 *
 *   hostile -c CONFIG ATTACK CASE [AGENCY]
 *
 * Opens the node of CONFIG (its lfhd must not be running) and writes into
 * its own store, signed with its own valid keys, one event that its control
 * layer and its node core would both refuse, with the next seq and
 * counters, so that its lfhd, started again, serves the event to its peers
 * like any other. Prints the event's id (64 hex). CASE is a case id (32
 * hex) the attack is about; AGENCY names the agency an attack needs (the
 * one to grant a planted key to). Recipients: every other party of the ISA
 * in force (sorted), unless the attack says otherwise.
 *
 * ATTACK (the receiver rule it breaks, PROTOCOL.md 7.3 / 5.2):
 *   takeover          a REFERRAL of CASE (another agency's case)      rule 4
 *   unbound-referral  a REFERRAL of a random case id                  rule 4
 *   rejoin            a JOIN of itself into CASE                      rule 5
 *   close-1970        a CLOSE of CASE stamped in 1970                 rules 2, 5
 *   leave             a LEAVE of AGENCY from CASE                     rule 5
 *   outsider-note     a NOTE in CASE by an agency not taking part     rule 6
 *   unknown-case      a NOTE in a case nobody opened                  rule 7 (held)
 *   preseed           a KEY of CASE planting a key under AGENCY's name rule 8
 *   future            a NOTE in CASE stamped in the year 10889        rule 1
 *   backdated         a NOTE in CASE stamped before its own events    rule 2
 *   hub-case          an ISA_SIGN naming CASE                         rule 3
 *   forbidden         a NOTE in CASE's health data to every party     5.2 check 3
 *   tampered          a NOTE in CASE altered after it was signed      7 step 6
 *   cross-hub         a NOTE in CASE for another hub                  7 step 3
 *   root-signed       a NOTE in CASE signed with the root key (a key
 *                     of the wrong role, never an operational key)    7 step 5
 *
 * Exit 0 when the event is written, 1 on errors, 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/buf.h"
#include "lfh/config.h"
#include "lfh/event.h"
#include "lfh/hlc.h"
#include "lfh/hub.h"
#include "lfh/identity.h"
#include "lfh/isa.h"
#include "lfh/membership.h"
#include "lfh/node.h"
#include "lfh/record.h"
#include "lfh/sharing.h"
#include "lfh/store.h"

#define YEAR_10889_MS ((((uint64_t)1) << 48) - 2)

typedef struct attack {
	const char *name;
	uint32_t type;
	const char *category;
} attack;

static const attack attacks[] = {
	{ "takeover", LFH_EV_REFERRAL, "referral" },
	{ "unbound-referral", LFH_EV_REFERRAL, "referral" },
	{ "rejoin", LFH_EV_JOIN, "referral" },
	{ "close-1970", LFH_EV_CLOSE, "referral" },
	{ "leave", LFH_EV_LEAVE, "referral" },
	{ "outsider-note", LFH_EV_NOTE, "referral" },
	{ "unknown-case", LFH_EV_NOTE, "referral" },
	{ "preseed", LFH_EV_KEY, "referral" },
	{ "future", LFH_EV_NOTE, "referral" },
	{ "backdated", LFH_EV_NOTE, "referral" },
	{ "hub-case", LFH_EV_ISA_SIGN, "isa" },
	{ "forbidden", LFH_EV_NOTE, "health" },
	{ "tampered", LFH_EV_NOTE, "referral" },
	{ "cross-hub", LFH_EV_NOTE, "referral" },
	{ "root-signed", LFH_EV_NOTE, "referral" },
};

static int usage(void)
{
	fprintf(stderr, "usage: hostile -c CONFIG ATTACK CASE [AGENCY]\nattacks:");
	for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++)
		fprintf(stderr, " %s", attacks[i].name);
	fprintf(stderr, "\n");
	return 2;
}

static int fail(const char *what, const lfh_err *err)
{
	fprintf(stderr, "hostile: %s: %s\n", what, err->msg);
	return 1;
}

/*
 * Every other party of the ISA in force (or only `only`) as recipients, each
 * with our next counter to it.
 */
static int address(lfh_node *n, lfh_txn *t, lfh_event *ev, const char *only, lfh_err *err)
{
	const lfh_isa *isa = n->rules.isa;

	for (uint32_t i = 0; i < isa->nparties; i++) {
		char name[LFH_META_NAME_BUF];
		uint64_t ctr;
		if (strcmp(isa->parties[i].id, n->cfg.agency) == 0 ||
		    (only && strcmp(isa->parties[i].id, only) != 0))
			continue;
		lfh_store_meta_name(name, "ctr", isa->parties[i].id);
		if (lfh_store_meta_get(t, name, &ctr, err))
			return -1;
		snprintf(ev->rcpt[ev->nrcpt].agency, sizeof ev->rcpt[0].agency, "%s",
			 isa->parties[i].id);
		ev->rcpt[ev->nrcpt++].ctr = ctr + 1;
	}
	return 0;
}

/* The plaintext or key body the attack carries. */
static int make_body(lfh_node *n, const char *attack_name, const char *agency, lfh_event *ev,
		     lfh_buf *body, lfh_err *err)
{
	lfh_record r = { 0 };
	uint8_t rnd[64];
	int rc = 0;

	if (ev->type == LFH_EV_KEY) {
		/* a key of the case's creator, granted to `agency` alone */
		const lfh_isa *isa = n->rules.isa;
		const lfh_pubkeys *to = lfh_node_member(n, agency);
		lfh_key_body kb = { 0 };
		uint8_t key[32];
		if (!to)
			return lfh_err_set(err, LFH_EINVAL, "'%s' is not a member", agency);
		for (uint32_t i = 0; i < isa->nparties; i++)
			if (lfh_case_id_of(n->rules.hub_id, isa->parties[i].id, ev->case_id))
				snprintf(kb.creator, sizeof kb.creator, "%s", isa->parties[i].id);
		kb.ngrants = 1;
		snprintf(kb.grants[0].agency, sizeof kb.grants[0].agency, "%s", agency);
		randombytes_buf(key, sizeof key);
		rc = lfh_key_seal(key, to->box_pk, kb.grants[0].sealed, err);
		return rc ? rc : lfh_key_body_encode(&kb, body, err);
	}
	if (!lfh_event_type_plain(ev->type)) {
		snprintf(ev->key_creator, sizeof ev->key_creator, "%s", n->cfg.agency);
		ev->nonce_len = LFH_NONCE_LEN;
		randombytes_buf(ev->nonce, sizeof ev->nonce);
		randombytes_buf(rnd, sizeof rnd);
		return lfh_buf_append(body, rnd, sizeof rnd) ? lfh_err_set(err, LFH_ENOMEM, "oom")
							     : 0;
	}
	if (ev->type == LFH_EV_ISA_SIGN) {
		char hex[65];
		lfh_hex(hex, n->rules.isa_hash, 32);
		rc = lfh_record_set_str(&r, "isa", hex, err);
	} else if (ev->type == LFH_EV_JOIN || ev->type == LFH_EV_LEAVE) {
		rc = lfh_record_set_str(&r, "agency",
					strcmp(attack_name, "rejoin") == 0 ? n->cfg.agency : agency,
					err);
		if (!rc && ev->type == LFH_EV_LEAVE)
			rc = lfh_record_set_str(&r, "reason", "hostile", err);
	}
	if (!rc)
		rc = lfh_record_set_str(&r, "by", "hostile", err);
	if (!rc)
		rc = lfh_record_encode(&r, body, err);
	lfh_record_clear(&r);
	return rc;
}

/* The stamp the attack uses: now, 1970, the year 10889, or before our own last event. */
static uint64_t stamp(const char *attack_name, uint64_t last_hlc)
{
	if (strcmp(attack_name, "close-1970") == 0)
		return 1000ULL << 16;
	if (strcmp(attack_name, "future") == 0)
		return YEAR_10889_MS << 16;
	if (strcmp(attack_name, "backdated") == 0)
		return last_hlc - (60000ULL << 16);
	return lfh_hlc_next(last_hlc);
}

/* Persist seq, counters and clock as the node itself would have. */
static int commit_stamp(lfh_txn *t, const lfh_event *ev, lfh_err *err)
{
	int rc = lfh_store_meta_put(t, "seq", ev->seq, err);

	for (uint32_t i = 0; rc == 0 && i < ev->nrcpt; i++) {
		char name[LFH_META_NAME_BUF];
		lfh_store_meta_name(name, "ctr", ev->rcpt[i].agency);
		rc = lfh_store_meta_put(t, name, ev->rcpt[i].ctr, err);
	}
	return rc;
}

/*
 * Sign ev as the attack needs: with the node's key, or with its root key
 * (root-signed); a tampered event has its last body byte flipped after.
 */
static int sign_as(lfh_node *n, const char *attack_name, lfh_event *ev, lfh_buf *env,
		   uint8_t id[LFH_ID_LEN], lfh_err *err)
{
	uint8_t *root_sk;
	int rc;

	if (strcmp(attack_name, "root-signed") != 0) {
		rc = lfh_event_sign(ev, n->id->sign_sk, env, id, err);
		if (!rc && strcmp(attack_name, "tampered") == 0) {
			env->data[env->len - 67] ^= 1; /* the body's last byte: bin8 sig (66) follows */
			lfh_event_id(env->data, env->len, id);
		}
		return rc;
	}
	if (!(root_sk = sodium_malloc(64)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	rc = lfh_root_load(n->cfg.key_dir, root_sk, err);
	if (!rc) {
		uint8_t root_pk[32];
		crypto_sign_ed25519_sk_to_pk(root_pk, root_sk);
		lfh_key_id(root_pk, ev->key_id);
		rc = lfh_event_sign(ev, root_sk, env, id, err);
	}
	sodium_free(root_sk);
	return rc;
}

static int write_attack(lfh_node *n, lfh_txn *t, const attack *a, const uint8_t case_id[16],
			const char *agency)
{
	lfh_event ev = { 0 };
	lfh_buf body = { 0 }, env = { 0 };
	lfh_put_result pr;
	lfh_err err = { 0 };
	uint8_t id[LFH_ID_LEN];
	uint64_t seq, hlc;
	char hex[2 * LFH_ID_LEN + 1];

	if (lfh_store_meta_get(t, "seq", &seq, &err) || lfh_store_meta_get(t, "hlc", &hlc, &err))
		return fail("meta", &err);
	memcpy(ev.hub, n->rules.hub_id, 32);
	snprintf(ev.author, sizeof ev.author, "%s", n->cfg.agency);
	memcpy(ev.key_id, n->id->pub.key_id, LFH_KEYID_LEN);
	ev.isa_version = n->rules.isa->version;
	ev.seq = seq + 1;
	ev.hlc = stamp(a->name, hlc > (lfh_wall_ms() << 16) ? hlc : lfh_wall_ms() << 16);
	ev.type = a->type;
	snprintf(ev.category, sizeof ev.category, "%s", a->category);
	if (strcmp(a->name, "unbound-referral") == 0 || strcmp(a->name, "unknown-case") == 0)
		randombytes_buf(ev.case_id, LFH_CASE_LEN);
	else
		memcpy(ev.case_id, case_id, LFH_CASE_LEN);
	if (address(n, t, &ev, ev.type == LFH_EV_KEY ? agency : NULL, &err))
		return fail("counters", &err);
	if (make_body(n, a->name, agency, &ev, &body, &err))
		return fail("body", &err);
	ev.body = body.data;
	ev.body_len = body.len;
	if (strcmp(a->name, "cross-hub") == 0)
		randombytes_buf(ev.hub, sizeof ev.hub);
	if (sign_as(n, a->name, &ev, &env, id, &err) ||
	    lfh_store_put_event(t, env.data, env.len, &ev, id, &pr, &err) ||
	    commit_stamp(t, &ev, &err))
		return fail("storing", &err);
	ev.body = NULL;
	lfh_buf_free(&body);
	lfh_buf_free(&env);
	lfh_hex(hex, id, LFH_ID_LEN);
	printf("%s\n", hex);
	return 0;
}

int main(int argc, char **argv)
{
	static lfh_config cfg;
	const attack *a = NULL;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_node *n = NULL;
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	int rc;

	if (argc < 5 || argc > 6 || strcmp(argv[1], "-c") != 0)
		return usage();
	for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++)
		if (strcmp(argv[3], attacks[i].name) == 0)
			a = &attacks[i];
	if (!a || lfh_unhex(case_id, LFH_CASE_LEN, argv[4]))
		return usage();
	if (sodium_init() < 0 || lfh_config_load(argv[2], &cfg, &err))
		return fail(argv[2], &err);
	cfg.log_level = LFH_LOG_ERROR;
	if (lfh_node_open(&n, &cfg, &err))
		return fail("opening the node", &err);
	if (!n->rules.isa) {
		lfh_node_close(n);
		fprintf(stderr, "hostile: the node has no ISA\n");
		return 1;
	}
	rc = lfh_txn_begin(n->store, 1, &t, &err) ? fail("txn", &err) : 0;
	if (!rc)
		rc = write_attack(n, t, a, case_id, argc == 6 ? argv[5] : "police");
	if (!rc && lfh_txn_commit(t, &err))
		rc = fail("commit", &err);
	else if (rc)
		lfh_txn_abort(t);
	lfh_node_close(n);
	return rc;
}
