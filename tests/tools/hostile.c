/*
 * hostile - a member agency's node gone bad (tests/integration/test_hostile.sh).
 *
 *   hostile -c CONFIG ATTACK CASE [AGENCY]
 *
 * Opens the node of CONFIG (its lfhd must not be running) and writes into
 * its own store one attack: an event that its control layer and its node
 * core would both refuse, signed with its own keys (or the key the attack
 * names), with the next seq and counters, so that its lfhd, started again,
 * serves the event to its peers like any other. Prints the event's id (64
 * hex) and seq, one line per event served. CASE is a case id (32 hex) the
 * attack is about; AGENCY names the agency an attack needs (default
 * police). Recipients: every other party of the ISA in force (sorted),
 * unless the attack says otherwise.
 *
 * ATTACK (the receiver rule it breaks, PROTOCOL.md 7, 7.3, 5.2, 15.5):
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
 *   replayed          no new event: every event of CASE held here,
 *                     served again to its recipients and its author   7 step 8
 *   equivocating      a KEY in the (author, seq) slot of our first
 *                     NOTE in CASE (same stamp, recipients, counters),
 *                     re-granting the note's key; written past the
 *                     store's own slot check                          7 step 9
 *   not-addressed     a NOTE in CASE to AGENCY only, served also to
 *                     every party taking no part in CASE              5.2 check 5
 *   oversize          a NOTE in CASE whose envelope is past 69632
 *                     bytes (its body 69632), written past the store's
 *                     own size check; the reference lfhd never serves
 *                     it (its BATCH writer refuses it)                7 step 1
 *   unknown-key       a NOTE in CASE signed with a fresh key          7 step 5
 *   wrong-key-id      a NOTE in CASE signed with our key under
 *                     AGENCY's key id                                 7 step 5
 *   revoked-key       a NOTE in CASE signed with our generation 1,
 *                     revoked before (lfh admin keys rotate, then
 *                     revoke 1), stamped now                          7 step 5, 15.5
 *   outsider-step     an ACTION (an OSARA response step) in CASE by
 *                     an agency not taking part                       rule 6 (held)
 *   cert-case         a CERT naming CASE: a real certificate of a new
 *                     generation (4242) by our root, signed with it   rule 3
 *   wrong-category    a NOTE in CASE in category `keys`               5.2 check 3
 *   task-outsider     an ACTION in CASE (a case it takes part in),
 *                     properly encrypted, tasking AGENCY, which takes
 *                     no part in it: written by the node core as its
 *                     control layer never would (OSARA rule: tasking
 *                     follows participation; every reader flags it)   osara.h
 *   forged-attach     an ATTACH in CASE (a case it takes part in) whose
 *                     two CHUNKs are well formed but whose sha256 is
 *                     not theirs: written by the node core as its
 *                     control layer never would; every reader refuses
 *                     to hand the bytes out as the file               5.5
 *
 * Exit 0 when the event is written, 1 on errors, 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/buf.h"
#include "lfh/cert.h"
#include "lfh/config.h"
#include "lfh/event.h"
#include "lfh/generation.h"
#include "lfh/hlc.h"
#include "lfh/hub.h"
#include "lfh/identity.h"
#include "lfh/isa.h"
#include "lfh/keyring.h"
#include "lfh/membership.h"
#include "lfh/node.h"
#include "lfh/osara.h"
#include "lfh/parties.h"
#include "lfh/record.h"
#include "lfh/sharing.h"
#include "lfh/store.h"
#include "lfh/write.h"

/*
 * The store's private layout, for the two attacks that write what
 * lfh_store_put_event refuses (plant): a hostile node's store is whatever
 * its owner writes into it.
 */
#include "../../node/store/store_int.h"

#define YEAR_10889_MS ((((uint64_t)1) << 48) - 2)
#define DAY_MS 86400000ULL
#define HOSTILE_GENERATION 4242 /* cert-case certifies it: no receiver may come to know it */
#define SMALL_BODY 64           /* bytes of random "ciphertext" in an encrypted event */
#define REPLAY_MAX 1024         /* events of one case replayed at most */

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
	{ "replayed", 0, "" },
	{ "equivocating", LFH_EV_KEY, "" }, /* the note's category */
	{ "not-addressed", LFH_EV_NOTE, "referral" },
	{ "oversize", LFH_EV_NOTE, "referral" },
	{ "unknown-key", LFH_EV_NOTE, "referral" },
	{ "wrong-key-id", LFH_EV_NOTE, "referral" },
	{ "revoked-key", LFH_EV_NOTE, "referral" },
	{ "outsider-step", LFH_EV_ACTION, "referral" },
	{ "cert-case", LFH_EV_CERT, "keys" },
	{ "wrong-category", LFH_EV_NOTE, "keys" },
	{ "task-outsider", LFH_EV_ACTION, "actions" },
	{ "forged-attach", LFH_EV_ATTACH, "referral" },
};

/* One attack being written. */
typedef struct hostile {
	lfh_node *n;
	lfh_txn *t;
	const attack *a;
	uint8_t case_id[LFH_CASE_LEN];
	const char *agency;            /* AGENCY */
	uint8_t *sk;                   /* sodium_malloc'd Ed25519 secret key the event is signed with */
	uint8_t key_id[LFH_KEYID_LEN]; /* the key id its envelope names */
	uint32_t epoch;                /* equivocating: the epoch of the note's sharing key */
} hostile;

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

static int is(const hostile *h, const char *name)
{
	return strcmp(h->a->name, name) == 0;
}

static int oom(lfh_err *err)
{
	return lfh_err_set(err, LFH_ENOMEM, "out of memory");
}

static void print_event(const uint8_t id[LFH_ID_LEN], uint64_t seq)
{
	char hex[2 * LFH_ID_LEN + 1];
	lfh_hex(hex, id, LFH_ID_LEN);
	printf("%s %llu\n", hex, (unsigned long long)seq);
}

/*
 * Every other party of the ISA in force (or only `only`) as recipients, each
 * with our next counter to it.
 */
static int address(hostile *h, lfh_event *ev, const char *only, lfh_err *err)
{
	const lfh_isa *isa = h->n->rules.isa;

	for (uint32_t i = 0; i < isa->nparties; i++) {
		char name[LFH_META_NAME_BUF];
		uint64_t ctr;
		if (strcmp(isa->parties[i].id, h->n->cfg.agency) == 0 ||
		    (only && strcmp(isa->parties[i].id, only) != 0))
			continue;
		lfh_store_meta_name(name, "ctr", isa->parties[i].id);
		if (lfh_store_meta_get(h->t, name, &ctr, err))
			return -1;
		snprintf(ev->rcpt[ev->nrcpt].agency, sizeof ev->rcpt[0].agency, "%s",
			 isa->parties[i].id);
		ev->rcpt[ev->nrcpt++].ctr = ctr + 1;
	}
	if (ev->nrcpt == 0)
		return lfh_err_set(err, LFH_EINVAL, "'%s' is not another party", only ? only : "");
	return 0;
}

/*
 * A key body granting one fresh random key to each recipient of ev: for
 * preseed a key of the case's creator, for equivocating one of ours under
 * the name (epoch) of the key our note was written under.
 */
static int key_body(const hostile *h, const lfh_event *ev, lfh_buf *body, lfh_err *err)
{
	const lfh_isa *isa = h->n->rules.isa;
	lfh_key_body kb = { 0 };
	uint8_t key[32];
	int rc = 0;

	for (uint32_t i = 0; i < isa->nparties; i++)
		if (lfh_case_id_of(h->n->rules.hub_id, isa->parties[i].id, ev->case_id))
			snprintf(kb.creator, sizeof kb.creator, "%s", isa->parties[i].id);
	if (is(h, "equivocating")) {
		snprintf(kb.creator, sizeof kb.creator, "%s", h->n->cfg.agency);
		kb.epoch = h->epoch;
	}
	randombytes_buf(key, sizeof key);
	for (uint32_t i = 0; rc == 0 && i < ev->nrcpt; i++) {
		const lfh_pubkeys *to = lfh_node_member(h->n, ev->rcpt[i].agency);
		if (!to) {
			rc = lfh_err_set(err, LFH_EINVAL, "'%s' is not a member", ev->rcpt[i].agency);
			break;
		}
		snprintf(kb.grants[i].agency, sizeof kb.grants[i].agency, "%s", ev->rcpt[i].agency);
		rc = lfh_key_seal(key, to->box_pk, kb.grants[i].sealed, err);
	}
	kb.ngrants = ev->nrcpt;
	sodium_memzero(key, sizeof key);
	return rc ? rc : lfh_key_body_encode(&kb, body, err);
}

/*
 * A real certificate, by our root, of generation HOSTILE_GENERATION whose
 * sign key is the one the event is signed with: everything a receiver
 * checks of a CERT holds but its case id.
 */
static int cert_body(const hostile *h, lfh_buf *body, lfh_err *err)
{
	lfh_cert c = { 0 };
	uint8_t *root = sodium_malloc(64), box_sk[32];
	uint64_t now = lfh_wall_ms();
	int rc;

	if (!root)
		return oom(err);
	memcpy(c.hub, h->n->rules.hub_id, 32);
	snprintf(c.agency, sizeof c.agency, "%s", h->n->cfg.agency);
	c.generation = HOSTILE_GENERATION;
	crypto_sign_ed25519_sk_to_pk(c.sign_pk, h->sk);
	crypto_box_keypair(c.box_pk, box_sk);
	crypto_box_keypair(c.curve_pk, box_sk);
	sodium_memzero(box_sk, sizeof box_sk);
	c.not_before_ms = now;
	c.not_after_ms = now + 365 * DAY_MS;
	c.grace_ms = DAY_MS;
	rc = lfh_root_load(h->n->cfg.key_dir, root, err);
	if (!rc)
		rc = lfh_cert_sign(&c, root, err);
	sodium_free(root);
	return rc ? rc : lfh_cert_encode(&c, body, err);
}

/* Random bytes as the "ciphertext" of an encrypted event under our key of epoch 0. */
static int random_body(const hostile *h, lfh_event *ev, lfh_buf *body, lfh_err *err)
{
	size_t len = is(h, "oversize") ? LFH_BODY_MAX : SMALL_BODY;
	uint8_t *rnd = malloc(len);
	int rc;

	if (!rnd)
		return oom(err);
	snprintf(ev->key_creator, sizeof ev->key_creator, "%s", h->n->cfg.agency);
	ev->nonce_len = LFH_NONCE_LEN;
	randombytes_buf(ev->nonce, sizeof ev->nonce);
	randombytes_buf(rnd, len);
	rc = lfh_buf_append(body, rnd, len) ? oom(err) : 0;
	free(rnd);
	return rc;
}

/* The plaintext, key body or certificate the attack carries. */
static int make_body(const hostile *h, lfh_event *ev, lfh_buf *body, lfh_err *err)
{
	lfh_record r = { 0 };
	int rc = 0;

	if (ev->type == LFH_EV_KEY)
		return key_body(h, ev, body, err);
	if (ev->type == LFH_EV_CERT)
		return cert_body(h, body, err);
	if (!lfh_event_type_plain(ev->type))
		return random_body(h, ev, body, err);
	if (ev->type == LFH_EV_ISA_SIGN) {
		char hex[65];
		lfh_hex(hex, h->n->rules.isa_hash, 32);
		rc = lfh_record_set_str(&r, "isa", hex, err);
	} else if (ev->type == LFH_EV_JOIN || ev->type == LFH_EV_LEAVE) {
		rc = lfh_record_set_str(&r, "agency", is(h, "rejoin") ? h->n->cfg.agency : h->agency,
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
static uint64_t stamp(const hostile *h, uint64_t last_hlc)
{
	if (is(h, "close-1970"))
		return 1000ULL << 16;
	if (is(h, "future"))
		return YEAR_10889_MS << 16;
	if (is(h, "backdated"))
		return last_hlc - (60000ULL << 16);
	return lfh_hlc_next(last_hlc);
}

/* Persist seq and counters as the node itself would have. */
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

/* ---- the key that signs ------------------------------------------------- */

/* Our generation 1, revoked by now (rotate, then lfh admin keys revoke 1). */
static int revoked_signer(hostile *h, lfh_err *err)
{
	const lfh_keygen *g = lfh_keyring_gen(&h->n->rules, h->n->cfg.agency, 1);
	lfh_identity *old = NULL;
	int rc;

	if (h->n->gen < 2 || !g || g->revoked_ms > lfh_wall_ms())
		return lfh_err_set(err, LFH_EINVAL, "our key generation 1 is not revoked (rotate, "
				   "then lfh admin keys revoke 1, first)");
	if ((rc = lfh_gen_load(h->n->cfg.key_dir, 1, &old, err)))
		return rc;
	memcpy(h->sk, old->sign_sk, 64);
	lfh_key_id(old->pub.sign_pk, h->key_id);
	lfh_identity_free(old);
	return 0;
}

/* AGENCY's current key id, for an envelope signed with our own key. */
static int other_key_id(hostile *h, lfh_err *err)
{
	const lfh_pubkeys *other = lfh_node_member(h->n, h->agency);

	if (!other || strcmp(h->agency, h->n->cfg.agency) == 0)
		return lfh_err_set(err, LFH_EINVAL, "'%s' is not another member", h->agency);
	memcpy(h->key_id, other->key_id, LFH_KEYID_LEN);
	return 0;
}

/*
 * The key the attack signs with and the key id its envelope names: our
 * current key, our root key (root-signed), a fresh key (unknown-key, and
 * cert-case, which certifies it), our revoked generation 1 (revoked-key),
 * or our key under another agency's key id (wrong-key-id).
 */
static int pick_signer(hostile *h, lfh_err *err)
{
	uint8_t pk[32];
	int rc = 0;

	if (!(h->sk = sodium_malloc(64)))
		return oom(err);
	if (is(h, "root-signed")) {
		if ((rc = lfh_root_load(h->n->cfg.key_dir, h->sk, err)))
			return rc;
		crypto_sign_ed25519_sk_to_pk(pk, h->sk);
		lfh_key_id(pk, h->key_id);
	} else if (is(h, "unknown-key") || is(h, "cert-case")) {
		crypto_sign_keypair(pk, h->sk);
		lfh_key_id(pk, h->key_id);
	} else if (is(h, "revoked-key")) {
		rc = revoked_signer(h, err);
	} else {
		memcpy(h->sk, h->n->id->sign_sk, 64);
		memcpy(h->key_id, h->n->id->pub.key_id, LFH_KEYID_LEN);
		if (is(h, "wrong-key-id"))
			rc = other_key_id(h, err);
	}
	return rc;
}

/*
 * Give a signed envelope whose body is LFH_BODY_MAX bytes (a bin32, just
 * before the 66-byte signature) a body of LFH_EVENT_MAX random bytes, and
 * sign it again over the new bytes: an envelope past the 69632-byte limit,
 * which the codec never encodes.
 */
static int grow_body(const hostile *h, lfh_buf *env, size_t body_len, uint8_t id[LFH_ID_LEN],
		     lfh_err *err)
{
	const size_t big = LFH_EVENT_MAX, head = env->len - (2 + LFH_SIG_LEN) - body_len - 5;
	const uint8_t bin32[5] = { 0xc6, (uint8_t)(big >> 24), (uint8_t)(big >> 16),
				   (uint8_t)(big >> 8), (uint8_t)big };
	uint8_t sig[2 + LFH_SIG_LEN] = { 0xc4, LFH_SIG_LEN }, *body;
	lfh_buf out = { 0 };
	int rc = 0;

	if (env->data[head] != 0xc6)
		return lfh_err_set(err, LFH_EINVAL, "oversize: the body is not where expected");
	if (!(body = malloc(big)))
		return oom(err);
	randombytes_buf(body, big);
	if (lfh_buf_append(&out, "\x9e", 1) || lfh_buf_append(&out, env->data + 1, head - 1) ||
	    lfh_buf_append(&out, bin32, sizeof bin32) || lfh_buf_append(&out, body, big))
		rc = oom(err);
	free(body);
	if (!rc) { /* signed bytes: the 14-array; then the envelope, the 15-array */
		crypto_sign_detached(sig + 2, NULL, out.data, out.len, h->sk);
		out.data[0] = 0x9f;
		rc = lfh_buf_append(&out, sig, sizeof sig) ? oom(err) : 0;
	}
	if (rc) {
		lfh_buf_free(&out);
		return rc;
	}
	lfh_buf_free(env);
	*env = out;
	lfh_event_id(env->data, env->len, id);
	return 0;
}

/*
 * Sign ev with h->sk under the key id h->key_id, whether or not that names
 * h->sk (lfh_event_sign insists it does; wrong-key-id needs it not to): the
 * envelope is the signed bytes (a 14-array) as a 15-array with the
 * signature appended. Then a tampered event has its last body byte flipped,
 * an oversize one its body grown.
 */
static int sign(const hostile *h, lfh_event *ev, lfh_buf *env, uint8_t id[LFH_ID_LEN],
		lfh_err *err)
{
	static const uint8_t bin64[2] = { 0xc4, LFH_SIG_LEN };
	int rc;

	memcpy(ev->key_id, h->key_id, LFH_KEYID_LEN);
	if ((rc = lfh_event_signed_bytes(ev, env, err)))
		return rc;
	crypto_sign_detached(ev->sig, NULL, env->data, env->len, h->sk);
	env->data[0] = 0x9f;
	if (lfh_buf_append(env, bin64, sizeof bin64) || lfh_buf_append(env, ev->sig, LFH_SIG_LEN))
		return oom(err);
	lfh_event_id(env->data, env->len, id);
	if (is(h, "tampered")) {
		env->data[env->len - 67] ^= 1; /* the body's last byte: bin8 sig (66) follows */
		lfh_event_id(env->data, env->len, id);
	} else if (is(h, "oversize")) {
		rc = grow_body(h, env, ev->body_len, id, err);
	}
	return rc;
}

/* ---- into the store ----------------------------------------------------- */

/*
 * Write an envelope straight into the store's tables, as store.c lays them
 * out (events: lseq then envelope; log; by_rcpt for each recipient of ev),
 * past lfh_store_put_event's size and slot checks: the node's serve path
 * then finds it like any event it holds for those agencies.
 */
static int plant(lfh_txn *t, const lfh_buf *env, const uint8_t id[LFH_ID_LEN],
		 const lfh_event *ev, lfh_err *err)
{
	uint8_t k[NAME_LEN + 8], *v = malloc(8 + env->len);
	uint64_t lseq = 0;
	int rc = v ? lfh_store_log_head(t, &lseq, err) : oom(err);

	if (!rc) {
		st_put_be64(v, ++lseq);
		memcpy(v + 8, env->data, env->len);
		st_put_be64(k, lseq);
		rc = st_db_put(t, DB_EVENTS, id, LFH_ID_LEN, v, 8 + env->len, MDB_NOOVERWRITE, err,
			       "events");
	}
	if (!rc)
		rc = st_db_put(t, DB_LOG, k, 8, id, LFH_ID_LEN, MDB_APPEND, err, "log");
	for (uint32_t i = 0; rc == 0 && i < ev->nrcpt; i++) {
		st_pad_name(k, ev->rcpt[i].agency, "recipient", NULL);
		st_put_be64(k + NAME_LEN, lseq);
		rc = st_db_put(t, DB_BY_RCPT, k, sizeof k, id, LFH_ID_LEN, 0, err, "by_rcpt");
	}
	if (!rc) {
		t->head = lseq;
		t->have_head = 1;
	}
	free(v);
	return rc;
}

/* Serve ev also to every party that is neither its recipient nor takes part in its case. */
static int serve_outsiders(hostile *h, const lfh_event *ev, const uint8_t id[LFH_ID_LEN],
			   lfh_err *err)
{
	const lfh_isa *isa = h->n->rules.isa;
	char lead[LFH_AGENCY_MAX + 1];
	lfh_agencies parts;
	int served = 0, rc = lfh_parties_get(h->t, ev->case_id, lead, &parts, err);

	for (uint32_t i = 0; rc == 0 && i < isa->nparties; i++) {
		const char *p = isa->parties[i].id;
		if (strcmp(p, ev->author) == 0 || lfh_event_find_recipient(ev, p) >= 0 ||
		    lfh_agencies_has(&parts, p))
			continue;
		rc = lfh_store_rcpt_add(h->t, p, id, err);
		served++;
	}
	if (!rc && !served)
		rc = lfh_err_set(err, LFH_EINVAL, "every party takes part in the case");
	return rc;
}

/* Store the signed event so that the node serves it: indexed as our own, or planted. */
static int deliver(hostile *h, const lfh_buf *env, const lfh_event *ev,
		   const uint8_t id[LFH_ID_LEN], lfh_err *err)
{
	lfh_put_result pr;
	int rc;

	if (is(h, "equivocating") || is(h, "oversize"))
		return plant(h->t, env, id, ev, err);
	rc = lfh_store_put_event(h->t, env->data, env->len, ev, id, &pr, err);
	if (!rc && is(h, "not-addressed"))
		rc = serve_outsiders(h, ev, id, err);
	return rc;
}

/* ---- the event's header --------------------------------------------------- */

struct note_ctx {
	const char *self;
	const uint8_t *case_id;
	lfh_event *note; /* our first NOTE in the case */
	int found;
};

static int note_fn(void *vctx, uint64_t key, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		   size_t len)
{
	struct note_ctx *c = vctx;
	lfh_event ev = { 0 };
	(void)key;
	(void)id;
	if (lfh_event_decode(raw, len, &ev, NULL))
		return 0;
	if (ev.type == LFH_EV_NOTE && strcmp(ev.author, c->self) == 0 &&
	    memcmp(ev.case_id, c->case_id, LFH_CASE_LEN) == 0) {
		*c->note = ev; /* takes its body */
		c->found = 1;
		return 1; /* the scan is in seq order: the first one, not one of our attacks */
	}
	lfh_event_clear(&ev);
	return 0;
}

/*
 * equivocating: the header of our first NOTE in the case (its seq, stamp,
 * recipients and counters: a slot every recipient holds), as a KEY event.
 * A receiver judges the KEY by every rule first (it passes them all: rule 6
 * holds back notes and steps, not keys), then finds the slot taken.
 */
static int equivocal_header(hostile *h, lfh_event *ev, lfh_err *err)
{
	lfh_event note = { 0 };
	struct note_ctx c = { h->n->cfg.agency, h->case_id, &note, 0 };
	int rc = lfh_store_scan_author(h->t, h->n->cfg.agency, 1, note_fn, &c, err);

	if (!rc && !c.found)
		rc = lfh_err_set(err, LFH_ENOTFOUND, "we wrote no note in the case");
	if (!rc) {
		memcpy(ev->hub, note.hub, 32);
		snprintf(ev->author, sizeof ev->author, "%s", note.author);
		snprintf(ev->category, sizeof ev->category, "%s", note.category);
		memcpy(ev->case_id, note.case_id, LFH_CASE_LEN);
		ev->isa_version = note.isa_version;
		ev->seq = note.seq;
		ev->hlc = note.hlc;
		ev->type = LFH_EV_KEY;
		ev->nrcpt = note.nrcpt;
		memcpy(ev->rcpt, note.rcpt, sizeof note.rcpt);
		h->epoch = note.key_epoch;
	}
	lfh_event_clear(&note);
	return rc;
}

/* Our next seq, the attack's stamp, type, category, case and recipients. */
static int header(hostile *h, lfh_event *ev, lfh_err *err)
{
	uint64_t seq, hlc, now = lfh_wall_ms() << 16;
	const char *only = NULL;

	if (is(h, "equivocating"))
		return equivocal_header(h, ev, err);
	if (lfh_store_meta_get(h->t, "seq", &seq, err) || lfh_store_meta_get(h->t, "hlc", &hlc, err))
		return err->code;
	memcpy(ev->hub, h->n->rules.hub_id, 32);
	snprintf(ev->author, sizeof ev->author, "%s", h->n->cfg.agency);
	ev->isa_version = h->n->rules.isa->version;
	ev->seq = seq + 1;
	ev->hlc = stamp(h, hlc > now ? hlc : now);
	ev->type = h->a->type;
	snprintf(ev->category, sizeof ev->category, "%s", h->a->category);
	if (is(h, "unbound-referral") || is(h, "unknown-case"))
		randombytes_buf(ev->case_id, LFH_CASE_LEN);
	else
		memcpy(ev->case_id, h->case_id, LFH_CASE_LEN);
	if (ev->type == LFH_EV_KEY || is(h, "not-addressed"))
		only = h->agency;
	if (address(h, ev, only, err))
		return err->code;
	if (is(h, "cross-hub"))
		randombytes_buf(ev->hub, sizeof ev->hub);
	return 0;
}

/* ---- the attacks ---------------------------------------------------------- */

struct case_ids {
	size_t n;
	uint8_t id[REPLAY_MAX][LFH_ID_LEN];
};

static int case_id_fn(void *vctx, uint64_t key, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		      size_t len)
{
	struct case_ids *c = vctx;
	(void)key;
	(void)raw;
	(void)len;
	if (c->n == REPLAY_MAX)
		return LFH_ETOOBIG;
	memcpy(c->id[c->n++], id, LFH_ID_LEN);
	return 0;
}

/* Serve one event we hold again: to its recipients and its author, but us. */
static int replay_one(hostile *h, const uint8_t id[LFH_ID_LEN], lfh_err *err)
{
	const char *self = h->n->cfg.agency;
	lfh_event ev = { 0 };
	const uint8_t *raw;
	size_t len;
	int rc = lfh_store_get_event(h->t, id, &raw, &len, err);

	if (!rc)
		rc = lfh_event_decode(raw, len, &ev, err); /* copies: the writes below may move raw */
	for (uint32_t i = 0; rc == 0 && i < ev.nrcpt; i++)
		if (strcmp(ev.rcpt[i].agency, self) != 0)
			rc = lfh_store_rcpt_add(h->t, ev.rcpt[i].agency, id, err);
	if (!rc && strcmp(ev.author, self) != 0)
		rc = lfh_store_rcpt_add(h->t, ev.author, id, err);
	if (!rc)
		print_event(id, ev.seq);
	lfh_event_clear(&ev);
	return rc;
}

/* replayed: every event of the case we hold, served again (nothing new is signed). */
static int replay(hostile *h, lfh_err *err)
{
	struct case_ids *c = calloc(1, sizeof *c);
	int rc = c ? lfh_store_scan_case(h->t, h->case_id, case_id_fn, c, err) : oom(err);

	if (rc == LFH_ETOOBIG)
		lfh_err_set(err, rc, "more than %d events in the case", REPLAY_MAX);
	if (!rc && c->n == 0)
		rc = lfh_err_set(err, LFH_ENOTFOUND, "we hold no event of the case");
	for (size_t i = 0; rc == 0 && i < c->n; i++)
		rc = replay_one(h, c->id[i], err);
	free(c);
	return rc;
}

/* task-outsider: a real, readable ACTION, past the control layer's check. */
static int task_outsider(hostile *h, lfh_err *err)
{
	lfh_write_result wr = { 0 };
	lfh_record r = { 0 };
	const char *cat = lfh_isa_category_find(h->n->rules.isa, "actions") ? "actions" : "referral";
	int rc = lfh_record_set_str(&r, "action", "0badf00d", err);

	if (!rc)
		rc = lfh_record_set_str(&r, "agency", h->agency, err);
	if (!rc)
		rc = lfh_record_set_str(&r, "power", "support-referral", err);
	if (!rc)
		rc = lfh_record_set_str(&r, "text", "tasked without being invited", err);
	if (!rc)
		rc = lfh_record_set_str(&r, "due", "2099-01-01", err);
	if (!rc)
		rc = lfh_record_set_str(&r, "by", "hostile", err);
	if (!rc)
		rc = lfh_node_write(h->n, h->t, h->case_id, LFH_EV_ACTION, cat, NULL, 0, &r, &wr, err);
	if (!rc)
		print_event(wr.event_id, 0); /* its seq: the node's next, as any write of its own */
	lfh_record_clear(&r);
	return rc;
}

/* One CHUNK of forged-attach: piece idx of n bytes of 'F'. */
static int forged_piece(hostile *h, uint64_t idx, size_t n, lfh_write_result *wr, lfh_err *err)
{
	static uint8_t bytes[LFH_ATTACH_CHUNK];
	static char b64[sodium_base64_ENCODED_LEN(LFH_ATTACH_CHUNK, sodium_base64_VARIANT_ORIGINAL)];
	lfh_record r = { 0 };
	int rc;

	memset(bytes, 'F', sizeof bytes);
	sodium_bin2base64(b64, sizeof b64, bytes, n, sodium_base64_VARIANT_ORIGINAL);
	rc = lfh_record_set_str(&r, "att", "0badf00d0badf00d", err);
	if (!rc)
		rc = lfh_record_set_uint(&r, "idx", idx, err);
	if (!rc)
		rc = lfh_record_set_str(&r, "data", b64, err);
	if (!rc)
		rc = lfh_node_write(h->n, h->t, h->case_id, LFH_EV_CHUNK, "referral", NULL, 0, &r, wr,
				    err);
	lfh_record_clear(&r);
	return rc;
}

/* forged-attach: well-formed pieces, and an ATTACH claiming the digest of an empty file. */
static int forged_attach(hostile *h, lfh_err *err)
{
	lfh_write_result wr = { 0 };
	lfh_record r = { 0 };
	char first[2 * LFH_ID_LEN + 1];
	int rc = forged_piece(h, 0, LFH_ATTACH_CHUNK, &wr, err);

	lfh_hex(first, wr.event_id, LFH_ID_LEN);
	if (!rc)
		rc = forged_piece(h, 1, 100, &wr, err);
	if (!rc)
		rc = lfh_record_set_str(&r, "name", "forged.txt", err);
	if (!rc)
		rc = lfh_record_set_uint(&r, "size", LFH_ATTACH_CHUNK + 100, err);
	if (!rc)
		rc = lfh_record_set_uint(&r, "chunks", 2, err);
	if (!rc)
		rc = lfh_record_set_str(&r, "sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b9"
					"34ca495991b7852b855", err);
	if (!rc)
		rc = lfh_record_set_str(&r, "att", "0badf00d0badf00d", err);
	if (!rc)
		rc = lfh_record_set_str(&r, "first", first, err);
	if (!rc)
		rc = lfh_record_set_str(&r, "by", "hostile", err);
	if (!rc)
		rc = lfh_node_write(h->n, h->t, h->case_id, LFH_EV_ATTACH, "referral", NULL, 0, &r,
				    &wr, err);
	if (!rc)
		print_event(wr.event_id, 0);
	lfh_record_clear(&r);
	return rc;
}

static int write_attack(hostile *h)
{
	lfh_event ev = { 0 };
	lfh_buf body = { 0 }, env = { 0 };
	lfh_err err = { 0 };
	uint8_t id[LFH_ID_LEN];
	const char *step = "header";
	int rc;

	if (is(h, "replayed"))
		return replay(h, &err) ? fail("replaying", &err) : 0;
	if (is(h, "task-outsider"))
		return task_outsider(h, &err) ? fail("tasking", &err) : 0;
	if (is(h, "forged-attach"))
		return forged_attach(h, &err) ? fail("attaching", &err) : 0;
	rc = header(h, &ev, &err);
	if (!rc && (rc = pick_signer(h, &err)))
		step = "signing key";
	if (!rc && (rc = make_body(h, &ev, &body, &err)))
		step = "body";
	ev.body = body.data;
	ev.body_len = body.len;
	if (!rc && (rc = sign(h, &ev, &env, id, &err)))
		step = "signing";
	if (!rc && (rc = deliver(h, &env, &ev, id, &err)))
		step = "storing";
	if (!rc && !is(h, "equivocating") && (rc = commit_stamp(h->t, &ev, &err)))
		step = "counters";
	if (!rc)
		print_event(id, ev.seq);
	ev.body = NULL;
	lfh_buf_free(&body);
	lfh_buf_free(&env);
	return rc ? fail(step, &err) : 0;
}

int main(int argc, char **argv)
{
	static lfh_config cfg;
	hostile h = { 0 };
	lfh_err err = { 0 };
	int rc;

	if (argc < 5 || argc > 6 || strcmp(argv[1], "-c") != 0)
		return usage();
	for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++)
		if (strcmp(argv[3], attacks[i].name) == 0)
			h.a = &attacks[i];
	if (!h.a || lfh_unhex(h.case_id, LFH_CASE_LEN, argv[4]))
		return usage();
	h.agency = argc == 6 ? argv[5] : "police";
	if (sodium_init() < 0 || lfh_config_load(argv[2], &cfg, &err))
		return fail(argv[2], &err);
	cfg.log_level = LFH_LOG_ERROR;
	if (lfh_node_open(&h.n, &cfg, &err))
		return fail("opening the node", &err);
	if (!h.n->rules.isa) {
		lfh_node_close(h.n);
		fprintf(stderr, "hostile: the node has no ISA\n");
		return 1;
	}
	rc = lfh_txn_begin(h.n->store, 1, &h.t, &err) ? fail("txn", &err) : 0;
	if (!rc)
		rc = write_attack(&h);
	if (!rc && lfh_txn_commit(h.t, &err))
		rc = fail("commit", &err);
	else if (rc)
		lfh_txn_abort(h.t);
	sodium_free(h.sk);
	lfh_node_close(h.n);
	return rc;
}
