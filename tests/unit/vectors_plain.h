/*
 * vectors_plain.h - builds the text of proto/vectors/plain.txt: plaintext
 * events of the hub of proto/vectors/isa.txt (hub id = hash of its version
 * 1): a JOIN and a LEAVE of a case (PROTOCOL.md 5, 5.1), and a CERT and a
 * REVOKE (15.2, 15.3, 15.5), each written by police, with header, signed
 * bytes, envelope and id.
 *
 * The bodies are built as the node builds them: JOIN {agency, by} and LEAVE
 * {agency, reason, by} as records (node/control/ctl_gov.c), the certificate
 * and revocation with lfh_cert_encode / lfh_revocation_encode
 * (node/control/ctl_keys.c); key_ref ["", 0] and no nonce (plaintext
 * types); recipients as lfh_policy_recipients gives them (node/rules/policy.c).
 *
 * Fixed inputs (each byte run first, first+1, ...):
 *   case id   r = 60..67, bound to police (5.1);
 *   police    generation 1 = its ISA keys (seed 01..20); generation 2 =
 *             the sign, box and curve keys of lfh_identity_from_seed
 *             ("police", 61..80), certified by police's root key;
 *   times     T = 1700000000000 ms; the JOIN at T + 1 h, the LEAVE at
 *             T + 2 h, the CERT at T + 1 day (generation 2's not_before),
 *             the REVOKE (of generation 1, effective T + 1 day) a minute
 *             later; every HLC has logical part 0.
 * Police's seq 1 and 2 (a KEY and the REFERRAL of the case, to housing,
 * counters 1 and 2) are not given: the counters below continue them.
 */
#ifndef LFH_TEST_VECTORS_PLAIN_H
#define LFH_TEST_VECTORS_PLAIN_H

#include "lfh/cert.h"
#include "lfh/hub.h"
#include "lfh/judge.h"

#include "vectors_isa.h"

#define VEC_PLAIN_PATH "proto/vectors/plain.txt"
#define VEC_CASE_R_FIRST 0x60     /* the case id's random half 60..67 */
#define VEC_GEN2_SEED_FIRST 0x61  /* police generation 2: identity seed 61..80 */
#define VEC_DAY_MS 86400000ull
#define VEC_HOUR_MS 3600000ull
#define VEC_CERT_MS (VEC_HLC_MS + VEC_DAY_MS) /* not_before of generation 2 */
#define VEC_CERT_VALID_MS (365 * VEC_DAY_MS)
#define VEC_CERT_GRACE_MS (7 * VEC_DAY_MS)
#define VEC_REVOKE_REASON "laptop stolen"
#define VEC_BY "pc_4821"
#define VEC_CASE_DOMAIN "lfh-case-v1"

/* What every plaintext vector event shares. */
typedef struct vec_plain {
	lfh_isa *isa;         /* version 1 */
	uint8_t hub[32];      /* its hash: the hub id */
	uint8_t case_id[LFH_CASE_LEN];
	lfh_identity *gen1;   /* police's generation 1 (its ISA keys) */
	lfh_identity *gen2;   /* police's generation 2 */
} vec_plain;

static inline void vec_plain_close(vec_plain *p)
{
	free(p->isa);
	lfh_identity_free(p->gen1);
	lfh_identity_free(p->gen2);
	memset(p, 0, sizeof *p);
}

/*
 * The case id input of PROTOCOL.md 5.1, "lfh-case-v1" || hub || creator
 * NUL-padded to 32 bytes || r, appended to in (83 bytes); the id is r
 * followed by the first 8 bytes of its BLAKE2b-256.
 */
static inline int vec_case_id(const uint8_t hub[32], const char *creator, lfh_buf *in,
			      uint8_t id[LFH_CASE_LEN])
{
	uint8_t name[32] = {0}, h[32];
	int rc;

	memcpy(name, creator, strlen(creator));
	vec_fill(id, 8, VEC_CASE_R_FIRST);
	rc = vec_text(in, VEC_CASE_DOMAIN);
	rc = rc ? rc : lfh_buf_append(in, hub, 32);
	rc = rc ? rc : lfh_buf_append(in, name, sizeof name);
	rc = rc ? rc : lfh_buf_append(in, id, 8);
	if (rc)
		return rc;
	crypto_generichash(h, sizeof h, in->data, in->len, NULL, 0);
	memcpy(id + 8, h, 8);
	return lfh_case_id_of(hub, creator, id) ? 0 : LFH_ECODEC;
}

/* The ISA, the hub id, police's two generations. */
static inline int vec_plain_open(vec_plain *p)
{
	uint8_t seed[32];
	int rc;

	memset(p, 0, sizeof *p);
	if (!(p->isa = malloc(sizeof *p->isa)))
		return LFH_ENOMEM;
	rc = vec_isa_v1(p->isa);
	rc = rc ? rc : lfh_isa_hash_of(p->isa, p->hub, NULL);
	vec_fill(seed, sizeof seed, VEC_SEED_FIRST);
	rc = rc ? rc : lfh_identity_from_seed(VEC_AUTHOR, seed, &p->gen1, NULL);
	vec_fill(seed, sizeof seed, VEC_GEN2_SEED_FIRST);
	rc = rc ? rc : lfh_identity_from_seed(VEC_AUTHOR, seed, &p->gen2, NULL);
	if (rc)
		vec_plain_close(p);
	return rc;
}

/*
 * A plaintext event by police in the vector hub: ISA version 1, key_ref
 * ["", 0], no nonce, signed by generation `by` (its key id); recipients
 * council and housing with counters cc and hc. The caller sets the body.
 */
static inline void vec_plain_event(lfh_event *ev, const vec_plain *p, const lfh_identity *by,
				   uint64_t seq, uint64_t ms, uint32_t type, const char *category,
				   const uint8_t case_id[LFH_CASE_LEN], uint64_t cc, uint64_t hc)
{
	memset(ev, 0, sizeof *ev);
	memcpy(ev->hub, p->hub, 32);
	strcpy(ev->author, VEC_AUTHOR);
	memcpy(ev->key_id, by->pub.key_id, LFH_KEYID_LEN);
	ev->seq = seq;
	ev->hlc = ms << 16;
	if (case_id)
		memcpy(ev->case_id, case_id, LFH_CASE_LEN);
	ev->type = type;
	strcpy(ev->category, category);
	ev->isa_version = p->isa->version;
	vec_add_rcpt(ev, "council", cc);
	vec_add_rcpt(ev, "housing", hc);
}

/* Sign ev over body (borrowed) with generation `by`; append body and event lines. */
static inline int vec_plain_lines(lfh_buf *t, const char *name, lfh_event *ev,
				  const lfh_identity *by, const lfh_buf *body)
{
	int rc = vec_field(t, name, "body", body->data, body->len);

	ev->body = body->data;
	ev->body_len = body->len;
	rc = rc ? rc : vec_event_lines_sk(t, name, ev, by->sign_sk, NULL);
	ev->body = NULL;
	return rc;
}

/* A governance event with a record body: fields k[i] = v[i], n of them. */
static inline int vec_gov_event(lfh_buf *t, const vec_plain *p, const char *name, uint64_t seq,
				uint64_t ms, uint32_t type, const char *const *k,
				const char *const *v, size_t n, uint64_t cc, uint64_t hc)
{
	lfh_event ev;
	lfh_record r;
	lfh_buf body = {0};
	int rc = 0;

	memset(&r, 0, sizeof r);
	vec_plain_event(&ev, p, p->gen1, seq, ms, type, VEC_CATEGORY, p->case_id, cc, hc);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = lfh_record_set_str(&r, k[i], v[i], NULL);
	rc = rc ? rc : lfh_record_encode(&r, &body, NULL);
	rc = rc ? rc : vec_plain_lines(t, name, &ev, p->gen1, &body);
	lfh_buf_free(&body);
	lfh_record_clear(&r);
	return rc;
}

static inline int vec_join_event(lfh_buf *t, const vec_plain *p)
{
	static const char *const k[] = {"agency", "by"};
	static const char *const v[] = {"council", VEC_BY};
	int rc = vec_text(t,
		"#\n"
		"# JOIN (type 4): council joins the case (participants police, housing).\n"
		"# seq 3, hlc = (T + 3600000) << 16, case_id = case.id, category \"referral\",\n"
		"# recipients every participant and the joining agency: council (ctr 1),\n"
		"# housing (ctr 3); key_ref [\"\", 0], no nonce; signed by generation 1.\n"
		"# Body = the record {\"agency\": \"council\", \"by\": \"" VEC_BY "\"}.\n");

	return rc ? rc : vec_gov_event(t, p, "join", 3, VEC_HLC_MS + VEC_HOUR_MS, LFH_EV_JOIN, k, v,
				       2, 1, 3);
}

static inline int vec_leave_event(lfh_buf *t, const vec_plain *p)
{
	static const char *const k[] = {"agency", "reason", "by"};
	static const char *const v[] = {"housing", "The tenancy ended.", VEC_BY};
	int rc = vec_text(t,
		"#\n"
		"# LEAVE (type 22): police, the lead, removes housing from the case.\n"
		"# seq 4, hlc = (T + 7200000) << 16, case_id = case.id, category \"referral\",\n"
		"# recipients every participant, the leaving one included: council (ctr 2),\n"
		"# housing (ctr 4); key_ref [\"\", 0], no nonce; signed by generation 1.\n"
		"# Body = the record {\"agency\": \"housing\", \"by\": \"" VEC_BY "\",\n"
		"# \"reason\": \"The tenancy ended.\"}.\n");

	return rc ? rc : vec_gov_event(t, p, "leave", 4, VEC_HLC_MS + 2 * VEC_HOUR_MS,
				       LFH_EV_LEAVE, k, v, 3, 2, 4);
}

/* Police's generation 2 certificate (15.2), signed by its root key. */
static inline int vec_cert(const vec_plain *p, lfh_cert *c)
{
	uint8_t seed[32], root_pk[32], root_sk[64];
	int rc;

	memset(c, 0, sizeof *c);
	memcpy(c->hub, p->hub, 32);
	strcpy(c->agency, VEC_AUTHOR);
	c->generation = 2;
	memcpy(c->sign_pk, p->gen2->pub.sign_pk, 32);
	memcpy(c->box_pk, p->gen2->pub.box_pk, 32);
	memcpy(c->curve_pk, p->gen2->pub.curve_pk, 32);
	c->not_before_ms = VEC_CERT_MS;
	c->not_after_ms = VEC_CERT_MS + VEC_CERT_VALID_MS;
	c->grace_ms = VEC_CERT_GRACE_MS;
	vec_fill(seed, sizeof seed, VEC_SEED_FIRST);
	lfh_root_from_seed(seed, root_pk, root_sk);
	rc = lfh_cert_sign(c, root_sk, NULL);
	sodium_memzero(root_sk, sizeof root_sk);
	return rc;
}

static inline int vec_cert_comment(lfh_buf *t)
{
	return vec_text(t,
		"#\n"
		"# CERT (type 20): police certifies its generation 2 (section 15.2): hub =\n"
		"# the hub id, agency \"police\", generation 2, the sign, box and curve keys of\n"
		"# lfh_identity_from_seed(\"police\", cert.gen2_seed), not_before T + 86400000\n"
		"# = 1700086400000, not_after not_before + 365 days = 1731622400000, grace\n"
		"# 7 days = 604800000; root_sig by police's root key (isa.police.root_pk).\n"
		"# cert.certified = the certified bytes (10-array), cert.body = the\n"
		"# certificate. Event: seq 5, hlc = (T + 86400000) << 16, all-zero case id,\n"
		"# category \"keys\", recipients every other party: council (ctr 3), housing\n"
		"# (ctr 5); key_ref [\"\", 0], no nonce; key_id = cert.key_id, signed by\n"
		"# generation 2.\n");
}

static inline int vec_cert_event(lfh_buf *t, const vec_plain *p)
{
	uint8_t seed[32];
	lfh_cert c;
	lfh_event ev;
	lfh_buf cb = {0}, body = {0};
	int rc = vec_cert(p, &c);

	vec_fill(seed, sizeof seed, VEC_GEN2_SEED_FIRST);
	vec_plain_event(&ev, p, p->gen2, 5, VEC_CERT_MS, LFH_EV_CERT, LFH_KEYS_CATEGORY, NULL, 3,
			5);
	rc = rc ? rc : vec_cert_comment(t);
	rc = rc ? rc : vec_line(t, "cert.gen2_seed", seed, 32);
	rc = rc ? rc : vec_line(t, "cert.sign_pk", c.sign_pk, 32);
	rc = rc ? rc : vec_line(t, "cert.box_pk", c.box_pk, 32);
	rc = rc ? rc : vec_line(t, "cert.curve_pk", c.curve_pk, 32);
	rc = rc ? rc : vec_line(t, "cert.key_id", p->gen2->pub.key_id, LFH_KEYID_LEN);
	rc = rc ? rc : lfh_cert_signed_bytes(&c, &cb, NULL);
	rc = rc ? rc : vec_line(t, "cert.certified", cb.data, cb.len);
	rc = rc ? rc : lfh_cert_encode(&c, &body, NULL);
	rc = rc ? rc : vec_plain_lines(t, "cert", &ev, p->gen2, &body);
	lfh_buf_free(&cb);
	lfh_buf_free(&body);
	return rc;
}

static inline int vec_revoke_event(lfh_buf *t, const vec_plain *p)
{
	lfh_revocation r;
	lfh_event ev;
	lfh_buf body = {0};
	int rc = vec_text(t,
		"#\n"
		"# REVOKE (type 21): police revokes its generation 1 (section 15.3): hub = the\n"
		"# hub id, agency \"police\", generation 1, key_id = isa.police.key_id,\n"
		"# effective T + 86400000 = 1700086400000, reason \"" VEC_REVOKE_REASON "\". Event:\n"
		"# seq 6, hlc = (T + 86400000 + 60000) << 16, all-zero case id, category\n"
		"# \"keys\", recipients council (ctr 4), housing (ctr 6); key_ref [\"\", 0], no\n"
		"# nonce; signed by generation 2 (a later generation may revoke an earlier).\n");

	memset(&r, 0, sizeof r);
	memcpy(r.hub, p->hub, 32);
	strcpy(r.agency, VEC_AUTHOR);
	r.generation = 1;
	memcpy(r.key_id, p->gen1->pub.key_id, LFH_KEYID_LEN);
	r.effective_ms = VEC_CERT_MS;
	strcpy(r.reason, VEC_REVOKE_REASON);
	vec_plain_event(&ev, p, p->gen2, 6, VEC_CERT_MS + 60000, LFH_EV_REVOKE, LFH_KEYS_CATEGORY,
			NULL, 4, 6);
	rc = rc ? rc : lfh_revocation_encode(&r, &body, NULL);
	rc = rc ? rc : vec_plain_lines(t, "revoke", &ev, p->gen2, &body);
	lfh_buf_free(&body);
	return rc;
}

static inline int vec_plain_comment(lfh_buf *t)
{
	return vec_text(t,
		"# lfhub plaintext event test vectors (proto/PROTOCOL.md section 12): JOIN,\n"
		"# LEAVE, CERT and REVOKE events in the hub of proto/vectors/isa.txt.\n"
		"# Generated by build/tools/mkvectors plain; tests/unit/test_vectors.c\n"
		"# recomputes every line and compares this file byte for byte.\n"
		"# Lines are \"name = lowercase hex\"; '#' lines are comments.\n"
		"#\n"
		"# Common inputs. hub = isa.hub_id of isa.txt; author \"police\", whose\n"
		"# generation 1 is its ISA keys (isa.police.*); isa_version 1 in every\n"
		"# event; T = 1700000000000 ms; HLCs have logical part 0. Police's seq 1 and\n"
		"# 2 (the case's KEY and REFERRAL, to housing, ctr 1 and 2) are not given.\n"
		"# case.input = \"lfh-case-v1\" || hub || \"police\" NUL-padded to 32 bytes || r\n"
		"# with r = 60..67; case.id = r || first 8 bytes of BLAKE2b-256(case.input).\n");
}

/* Append the whole of plain.txt to t. 0 or a negative LFH_E code. */
static inline int vec_plain_build(lfh_buf *t)
{
	vec_plain p;
	lfh_buf in = {0};
	int rc = vec_plain_open(&p);

	if (rc)
		return rc;
	rc = vec_case_id(p.hub, VEC_AUTHOR, &in, p.case_id);
	rc = rc ? rc : vec_plain_comment(t);
	rc = rc ? rc : vec_line(t, "hub", p.hub, 32);
	rc = rc ? rc : vec_line(t, "case.input", in.data, in.len);
	rc = rc ? rc : vec_line(t, "case.id", p.case_id, LFH_CASE_LEN);
	rc = rc ? rc : vec_join_event(t, &p);
	rc = rc ? rc : vec_leave_event(t, &p);
	rc = rc ? rc : vec_cert_event(t, &p);
	rc = rc ? rc : vec_revoke_event(t, &p);
	lfh_buf_free(&in);
	vec_plain_close(&p);
	return rc;
}

#endif
