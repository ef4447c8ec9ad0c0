/*
 * vectors.h - builds the text of proto/vectors/events.txt.
 *
 * Header-only and shared: tests/tools/mkvectors.c prints the text, and
 * tests/unit/test_event.c (test_vectors_file) recomputes it and compares it
 * byte for byte with the committed file, so the file, the code and
 * PROTOCOL.md cannot drift apart silently.
 *
 * Every input is fixed (seed, hub id, case id, sharing key, nonces, HLC, the
 * 80 "sealed" bytes, which are random in real use), so the output is
 * deterministic: Ed25519 signatures are deterministic, and the AEAD is
 * deterministic given the nonce.
 *
 * Three events by agency "police" (hub members police, council, housing),
 * all with isa_version 1:
 *   key       KEY event granting the case's "referral" sharing key
 *             (creator police, epoch 1) to council and housing;
 *   referral  REFERRAL to council and housing, body encrypted under it;
 *   note      NOTE to council only, body encrypted under it.
 * Then one hub id (PROTOCOL.md section 3): hub "vector-hub", members police
 * and housing with identities lfh_identity_from_seed(agency, seed); its
 * msgpack input is spelled out here byte by byte from the spec, and must
 * hash to what lfh_hub_id computes.
 *
 * The other vector files are built by vectors_isa.h (isa.txt),
 * vectors_plain.h (plain.txt) and vectors_wire.h (wire.txt, whose BATCH and
 * FETCHED carry the envelopes built here); vectors_files.h lists them all.
 */
#ifndef LFH_TEST_VECTORS_H
#define LFH_TEST_VECTORS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/buf.h"
#include "lfh/event.h"
#include "lfh/hub.h"
#include "lfh/identity.h"
#include "lfh/record.h"

#define VEC_PATH "proto/vectors/events.txt"
#define VEC_AUTHOR "police"
#define VEC_CATEGORY "referral"
#define VEC_EPOCH 1
#define VEC_ISA_VERSION 1 /* every vector event is written under ISA version 1 */
#define VEC_HLC_MS 1700000000000ull /* 2023-11-14T22:13:20Z */

/* Fixed inputs: each is the byte run first, first+1, ... */
#define VEC_SEED_FIRST 0x01     /* 32-byte Ed25519 seed 01..20 */
#define VEC_HUB_FIRST 0x40      /* 32-byte hub id 40..5f */
#define VEC_CASE_FIRST 0x60     /* 16-byte case id 60..6f */
#define VEC_KEY_FIRST 0x80      /* 32-byte sharing key 80..9f */
#define VEC_NONCE1_FIRST 0xa0   /* referral nonce a0..b7 */
#define VEC_NONCE2_FIRST 0xc0   /* note nonce c0..d7 */
#define VEC_SEALED1_FIRST 0x10  /* council's "sealed" grant 10..5f */
#define VEC_SEALED2_FIRST 0x70  /* housing's "sealed" grant 70..bf */
#define VEC_SEED2_FIRST 0x21    /* housing's identity seed 21..40 (hub id) */
#define VEC_HUB_NAME "vector-hub"

static inline void vec_fill(uint8_t *p, size_t n, unsigned first)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

/* The author's key pair from the fixed seed. */
static inline void vec_keypair(uint8_t pk[32], uint8_t sk[64])
{
	uint8_t seed[32];

	vec_fill(seed, sizeof seed, VEC_SEED_FIRST);
	crypto_sign_seed_keypair(pk, sk, seed);
}

static inline int vec_text(lfh_buf *t, const char *s)
{
	return lfh_buf_append(t, s, strlen(s));
}

/* Append "name = <hex>\n". */
static inline int vec_line(lfh_buf *t, const char *name, const uint8_t *p, size_t n)
{
	char *hex = malloc(2 * n + 1);
	int rc;

	if (!hex)
		return LFH_ENOMEM;
	lfh_hex(hex, p, n);
	rc = vec_text(t, name);
	rc = rc ? rc : vec_text(t, " = ");
	rc = rc ? rc : vec_text(t, hex);
	rc = rc ? rc : vec_text(t, "\n");
	free(hex);
	return rc;
}

/* Append "prefix.suffix = <hex>\n". */
static inline int vec_field(lfh_buf *t, const char *prefix, const char *suffix,
			    const uint8_t *p, size_t n)
{
	char name[64];

	snprintf(name, sizeof name, "%s.%s", prefix, suffix);
	return vec_line(t, name, p, n);
}

/* The fields shared by the three events; the caller sets the rest. */
static inline void vec_event_base(lfh_event *ev, uint64_t seq, uint64_t hlc, uint32_t type)
{
	uint8_t pk[32], sk[64], h[32];

	memset(ev, 0, sizeof *ev);
	vec_keypair(pk, sk);
	crypto_generichash(h, sizeof h, pk, sizeof pk, NULL, 0);
	vec_fill(ev->hub, sizeof ev->hub, VEC_HUB_FIRST);
	strcpy(ev->author, VEC_AUTHOR);
	memcpy(ev->key_id, h, LFH_KEYID_LEN);
	ev->seq = seq;
	ev->hlc = hlc;
	vec_fill(ev->case_id, sizeof ev->case_id, VEC_CASE_FIRST);
	ev->type = type;
	strcpy(ev->category, VEC_CATEGORY);
	ev->isa_version = VEC_ISA_VERSION;
	sodium_memzero(sk, sizeof sk);
}

static inline void vec_add_rcpt(lfh_event *ev, const char *agency, uint64_t ctr)
{
	strcpy(ev->rcpt[ev->nrcpt].agency, agency);
	ev->rcpt[ev->nrcpt].ctr = ctr;
	ev->nrcpt++;
}

/*
 * Sign ev (body set) with sk and append its header, signed bytes, envelope
 * and id; the envelope is also appended to env_out unless it is NULL.
 */
static inline int vec_event_lines_sk(lfh_buf *t, const char *name, lfh_event *ev,
				     const uint8_t sk[64], lfh_buf *env_out)
{
	uint8_t id[LFH_ID_LEN];
	lfh_buf hdr = {0}, sb = {0}, env = {0};
	int rc;

	rc = lfh_event_sign(ev, sk, &env, id, NULL);
	rc = rc ? rc : lfh_event_header_bytes(ev, &hdr, NULL);
	rc = rc ? rc : lfh_event_signed_bytes(ev, &sb, NULL);
	rc = rc ? rc : vec_field(t, name, "header", hdr.data, hdr.len);
	rc = rc ? rc : vec_field(t, name, "signed", sb.data, sb.len);
	rc = rc ? rc : vec_field(t, name, "envelope", env.data, env.len);
	rc = rc ? rc : vec_field(t, name, "id", id, sizeof id);
	if (rc == 0 && env_out)
		rc = lfh_buf_append(env_out, env.data, env.len);
	lfh_buf_free(&hdr);
	lfh_buf_free(&sb);
	lfh_buf_free(&env);
	return rc;
}

/* As vec_event_lines_sk, signed with the vector author's key. */
static inline int vec_event_lines(lfh_buf *t, const char *name, lfh_event *ev, lfh_buf *env_out)
{
	uint8_t pk[32], sk[64];
	int rc;

	vec_keypair(pk, sk);
	rc = vec_event_lines_sk(t, name, ev, sk, env_out);
	sodium_memzero(sk, sizeof sk);
	return rc;
}

/*
 * Encrypt record r into ev's body under the fixed sharing key, with nonce
 * bytes from nonce_first and AD = ev's header, and append the inputs and
 * the ciphertext. ev->body is malloc'd (free with lfh_event_clear).
 */
static inline int vec_encrypt(lfh_buf *t, const char *name, lfh_event *ev, const lfh_record *r,
			      unsigned nonce_first)
{
	uint8_t key[32];
	lfh_buf pt = {0}, hdr = {0};
	unsigned long long clen = 0;
	int rc;

	vec_fill(key, sizeof key, VEC_KEY_FIRST);
	strcpy(ev->key_creator, VEC_AUTHOR);
	ev->key_epoch = VEC_EPOCH;
	ev->nonce_len = LFH_NONCE_LEN;
	vec_fill(ev->nonce, LFH_NONCE_LEN, nonce_first);
	rc = lfh_record_encode(r, &pt, NULL);
	rc = rc ? rc : lfh_event_header_bytes(ev, &hdr, NULL);
	if (rc == 0 && !(ev->body = malloc(pt.len + crypto_aead_xchacha20poly1305_ietf_ABYTES)))
		rc = LFH_ENOMEM;
	if (rc == 0) {
		crypto_aead_xchacha20poly1305_ietf_encrypt(ev->body, &clen, pt.data, pt.len,
							   hdr.data, hdr.len, NULL, ev->nonce, key);
		ev->body_len = (size_t)clen;
	}
	rc = rc ? rc : vec_field(t, name, "nonce", ev->nonce, LFH_NONCE_LEN);
	rc = rc ? rc : vec_field(t, name, "plaintext", pt.data, pt.len);
	rc = rc ? rc : vec_field(t, name, "body", ev->body, ev->body_len);
	lfh_buf_free(&pt);
	lfh_buf_free(&hdr);
	return rc;
}

/* The KEY event; its envelope is appended to env_out unless NULL (also below). */
static inline int vec_key_event(lfh_buf *t, lfh_buf *env_out)
{
	lfh_event ev;
	lfh_key_body kb;
	lfh_buf body = {0};
	int rc;

	vec_event_base(&ev, 1, VEC_HLC_MS << 16, LFH_EV_KEY);
	vec_add_rcpt(&ev, "council", 1);
	vec_add_rcpt(&ev, "housing", 1);
	memset(&kb, 0, sizeof kb);
	strcpy(kb.creator, VEC_AUTHOR);
	kb.epoch = VEC_EPOCH;
	kb.ngrants = 2;
	strcpy(kb.grants[0].agency, "council");
	vec_fill(kb.grants[0].sealed, LFH_SEALED_LEN, VEC_SEALED1_FIRST);
	strcpy(kb.grants[1].agency, "housing");
	vec_fill(kb.grants[1].sealed, LFH_SEALED_LEN, VEC_SEALED2_FIRST);
	rc = vec_text(t, "#\n# Event 1: KEY (type 1), seq 1, hlc = 1700000000000 << 16, recipients\n"
		      "# council (ctr 1) and housing (ctr 1), key_ref [\"\", 0], no nonce. Body =\n"
		      "# key body granting sharing key (creator police, epoch 1); the sealed\n"
		      "# grants are fixed bytes here (crypto_box_seal is randomized).\n");
	rc = rc ? rc : vec_line(t, "key.sealed_council", kb.grants[0].sealed, LFH_SEALED_LEN);
	rc = rc ? rc : vec_line(t, "key.sealed_housing", kb.grants[1].sealed, LFH_SEALED_LEN);
	rc = rc ? rc : lfh_key_body_encode(&kb, &body, NULL);
	rc = rc ? rc : vec_line(t, "key.body", body.data, body.len);
	if (rc == 0) {
		ev.body = body.data; /* borrowed: body is freed below */
		ev.body_len = body.len;
		rc = vec_event_lines(t, "key", &ev, env_out);
		ev.body = NULL;
	}
	lfh_buf_free(&body);
	lfh_event_clear(&ev);
	return rc;
}

static inline int vec_referral_record(lfh_record *r)
{
	int rc = lfh_record_set_str(r, "summary", "Repeated ASB in the stairwell of a block of flats", NULL);
	rc = rc ? rc : lfh_record_set_str(r, "location", "Example House, Workington", NULL);
	rc = rc ? rc : lfh_record_set_str(r, "asb_category", "nuisance", NULL);
	rc = rc ? rc : lfh_record_set_str(r, "description",
					  "Residents report noise, drug litter and intimidation "
					  "most evenings since March.", NULL);
	rc = rc ? rc : lfh_record_set_str(r, "risk", "medium", NULL);
	rc = rc ? rc : lfh_record_set_str(r, "by", "pc_4821", NULL);
	return rc;
}

static inline int vec_referral_event(lfh_buf *t, lfh_buf *env_out)
{
	lfh_event ev;
	lfh_record r;
	int rc;

	memset(&r, 0, sizeof r);
	vec_event_base(&ev, 2, (VEC_HLC_MS << 16) | 1, LFH_EV_REFERRAL);
	vec_add_rcpt(&ev, "council", 2);
	vec_add_rcpt(&ev, "housing", 2);
	rc = vec_text(t, "#\n# Event 2: REFERRAL (type 2), seq 2, hlc = 1700000000000 << 16 | 1,\n"
		      "# recipients council (ctr 2) and housing (ctr 2), key_ref [\"police\", 1].\n"
		      "# Body = XChaCha20-Poly1305-IETF(sharing_key, nonce, AD = header,\n"
		      "# plaintext = the record below).\n");
	rc = rc ? rc : vec_referral_record(&r);
	rc = rc ? rc : vec_encrypt(t, "referral", &ev, &r, VEC_NONCE1_FIRST);
	rc = rc ? rc : vec_event_lines(t, "referral", &ev, env_out);
	lfh_record_clear(&r);
	lfh_event_clear(&ev);
	return rc;
}

static inline int vec_note_event(lfh_buf *t, lfh_buf *env_out)
{
	lfh_event ev;
	lfh_record r;
	int rc;

	memset(&r, 0, sizeof r);
	vec_event_base(&ev, 3, (VEC_HLC_MS + 60000) << 16, LFH_EV_NOTE);
	vec_add_rcpt(&ev, "council", 3);
	rc = vec_text(t, "#\n# Event 3: NOTE (type 3), seq 3, hlc = (1700000000000 + 60000) << 16,\n"
		      "# recipient council only (ctr 3), key_ref [\"police\", 1], encrypted as above.\n");
	rc = rc ? rc : lfh_record_set_str(&r, "text", "Joint visit booked with council ASB officer.", NULL);
	rc = rc ? rc : lfh_record_set_str(&r, "by", "pc_4821", NULL);
	rc = rc ? rc : vec_encrypt(t, "note", &ev, &r, VEC_NONCE2_FIRST);
	rc = rc ? rc : vec_event_lines(t, "note", &ev, env_out);
	lfh_record_clear(&r);
	lfh_event_clear(&ev);
	return rc;
}

/* Append a msgpack str header and the bytes of s (str8 not needed: < 32). */
static inline int vec_mp_str(lfh_buf *b, const char *s)
{
	uint8_t h = (uint8_t)(0xa0 | strlen(s));

	return lfh_buf_append(b, &h, 1) || lfh_buf_append(b, s, strlen(s));
}

/* Append bin8 32 (c4 20) and the 32 bytes. */
static inline int vec_mp_bin32(lfh_buf *b, const uint8_t p[32])
{
	return lfh_buf_append(b, "\xc4\x20", 2) || lfh_buf_append(b, p, 32);
}

/*
 * The hub id input of PROTOCOL.md section 3, by hand: fixarray 3, the
 * version str, the hub name str, fixarray of members (sorted by the caller),
 * each fixarray 4 [agency str, sign_pk, box_pk, curve_pk].
 */
static inline int vec_hub_input(lfh_buf *b, const char *hub, const lfh_pubkeys *const *m,
				size_t n)
{
	uint8_t h = (uint8_t)(0x90 | n);
	int rc = lfh_buf_append(b, "\x93", 1) || vec_mp_str(b, "lfh-hub-v1") ||
		 vec_mp_str(b, hub) || lfh_buf_append(b, &h, 1);

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = lfh_buf_append(b, "\x94", 1) || vec_mp_str(b, m[i]->agency) ||
		     vec_mp_bin32(b, m[i]->sign_pk) || vec_mp_bin32(b, m[i]->box_pk) ||
		     vec_mp_bin32(b, m[i]->curve_pk);
	return rc ? LFH_ENOMEM : 0;
}

/* Append one member's seed and public keys as "hub.<agency>.*" lines. */
static inline int vec_member_lines(lfh_buf *t, const lfh_pubkeys *pk, const uint8_t seed[32])
{
	char pre[8 + LFH_AGENCY_MAX];
	int rc;

	snprintf(pre, sizeof pre, "hub.%s", pk->agency);
	rc = vec_field(t, pre, "seed", seed, 32);
	rc = rc ? rc : vec_field(t, pre, "sign_pk", pk->sign_pk, 32);
	rc = rc ? rc : vec_field(t, pre, "box_pk", pk->box_pk, 32);
	rc = rc ? rc : vec_field(t, pre, "curve_pk", pk->curve_pk, 32);
	return rc;
}

/*
 * The hub id vector: members given to lfh_hub_id as [police, housing] (not
 * sorted), the hand-made input sorted [housing, police]; the id must equal
 * BLAKE2b-256(input), else LFH_ECODEC.
 */
static inline int vec_hub(lfh_buf *t)
{
	uint8_t s1[32], s2[32], id[32], h[32];
	lfh_identity *police = NULL, *housing = NULL;
	lfh_pubkeys m[2];
	const lfh_pubkeys *sorted[2];
	lfh_buf in = {0};
	int rc;

	vec_fill(s1, sizeof s1, VEC_SEED_FIRST);
	vec_fill(s2, sizeof s2, VEC_SEED2_FIRST);
	rc = lfh_identity_from_seed("police", s1, &police, NULL);
	rc = rc ? rc : lfh_identity_from_seed("housing", s2, &housing, NULL);
	if (rc == 0) {
		m[0] = police->pub;
		m[1] = housing->pub;
		sorted[0] = &m[1];
		sorted[1] = &m[0];
		rc = lfh_hub_id(VEC_HUB_NAME, m, 2, id, NULL);
	}
	rc = rc ? rc : vec_hub_input(&in, VEC_HUB_NAME, sorted, 2);
	if (rc == 0) {
		crypto_generichash(h, sizeof h, in.data, in.len, NULL, 0);
		if (memcmp(h, id, sizeof h) != 0)
			rc = LFH_ECODEC;
	}
	rc = rc ? rc : vec_text(t, "#\n# Hub id (section 3) of hub \"" VEC_HUB_NAME "\" with members police\n"
				"# and housing, each lfh_identity_from_seed(agency, seed) (section 12).\n"
				"# hub.input = [\"lfh-hub-v1\", \"" VEC_HUB_NAME "\", [[\"housing\", sign_pk,\n"
				"# box_pk, curve_pk], [\"police\", ...]]]; hub.id = BLAKE2b-256(hub.input).\n");
	rc = rc ? rc : vec_member_lines(t, &m[1], s2);
	rc = rc ? rc : vec_member_lines(t, &m[0], s1);
	rc = rc ? rc : vec_line(t, "hub.input", in.data, in.len);
	rc = rc ? rc : vec_line(t, "hub.id", id, sizeof id);
	lfh_buf_free(&in);
	lfh_identity_free(police);
	lfh_identity_free(housing);
	return rc;
}

/* Append the whole vectors file to t. 0 or a negative LFH_E code. */
static inline int vec_build(lfh_buf *t)
{
	uint8_t pk[32], sk[64], h[32], b[32];
	int rc;

	vec_keypair(pk, sk);
	sodium_memzero(sk, sizeof sk);
	crypto_generichash(h, sizeof h, pk, sizeof pk, NULL, 0);
	rc = vec_text(t, "# lfhub event test vectors, event format version 1 (proto/PROTOCOL.md,\n"
		      "# section 12). Generated by build/tools/mkvectors; tests/unit/test_event.c\n"
		      "# recomputes every line and compares this file byte for byte.\n"
		      "# Lines are \"name = lowercase hex\"; '#' lines are comments.\n"
		      "#\n# Common inputs. Author agency \"police\", category \"referral\",\n"
		      "# isa_version 1 in every event.\n"
		      "# key_id = first 8 bytes of BLAKE2b-256(sign_pk).\n");
	vec_fill(b, 32, VEC_SEED_FIRST);
	rc = rc ? rc : vec_line(t, "seed", b, 32);
	rc = rc ? rc : vec_line(t, "sign_pk", pk, 32);
	rc = rc ? rc : vec_line(t, "key_id", h, LFH_KEYID_LEN);
	vec_fill(b, 32, VEC_HUB_FIRST);
	rc = rc ? rc : vec_line(t, "hub", b, 32);
	vec_fill(b, LFH_CASE_LEN, VEC_CASE_FIRST);
	rc = rc ? rc : vec_line(t, "case_id", b, LFH_CASE_LEN);
	vec_fill(b, 32, VEC_KEY_FIRST);
	rc = rc ? rc : vec_line(t, "sharing_key", b, 32);
	rc = rc ? rc : vec_key_event(t, NULL);
	rc = rc ? rc : vec_referral_event(t, NULL);
	rc = rc ? rc : vec_note_event(t, NULL);
	rc = rc ? rc : vec_hub(t);
	return rc;
}

#endif
