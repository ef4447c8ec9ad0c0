/*
 * vectors_isa.h - builds the text of proto/vectors/isa.txt: a small ISA
 * (PROTOCOL.md section 14), its canonical encoding (14.2), its hash and the
 * hub id it gives (14.3), and its successor version 2 (14.4).
 *
 * Shared, like vectors.h: tests/tools/mkvectors.c prints the text and
 * tests/unit/test_vectors.c recomputes it, compares it byte for byte with the
 * committed file and decodes it.
 *
 * Fixed inputs. Hub "vector-hub"; three parties, each with the keys of
 * lfh_identity_from_seed(id, seed) (root included): council seed 41..60,
 * housing 21..40, police 01..20 (the seeds of the hub.A lines of
 * events.txt, so their sign, box and curve keys are the same). Four
 * categories, one per sharing rule. Version 1 is the genesis (prev all
 * zero, every party signs the next version); version 2 names version 1's
 * hash as prev, moves the dates on a year and names its next signers.
 */
#ifndef LFH_TEST_VECTORS_ISA_H
#define LFH_TEST_VECTORS_ISA_H

#include "lfh/isa.h"

#include "vectors.h"

#define VEC_ISA_PATH "proto/vectors/isa.txt"
#define VEC_ISA_NPARTIES 3
#define VEC_ISA_NCATEGORIES 4
#define VEC_COUNCIL_SEED_FIRST 0x41 /* council's identity seed 41..60 */

/* The fixed fields of one party: id, name, role, endpoint, identity seed. */
typedef struct vec_party_in {
	const char *id, *name, *role, *endpoint;
	unsigned seed_first;
} vec_party_in;

/* The fixed fields of one category. */
typedef struct vec_category_in {
	const char *name;
	enum lfh_isa_kind kind;
	enum lfh_isa_rule rule;
	const char *agency; /* the one listed agency, or NULL */
	uint32_t retention_days;
} vec_category_in;

/* Party i (0..2, in id order) of the vector ISA. */
static inline const vec_party_in *vec_isa_party_in(size_t i)
{
	static const vec_party_in p[VEC_ISA_NPARTIES] = {
		{"council", "Cumberland Council", "district council",
		 "tcp://lfh.council.example:7102", VEC_COUNCIL_SEED_FIRST},
		{"housing", "Home Group", "social landlord", "tcp://lfh.housing.example:7103",
		 VEC_SEED2_FIRST},
		{"police", "Cumbria Constabulary", "police", "tcp://lfh.police.example:7101",
		 VEC_SEED_FIRST},
	};
	return &p[i];
}

/* Category i (0..3, in name order): one per sharing rule. */
static inline const vec_category_in *vec_isa_category_in(size_t i)
{
	static const vec_category_in c[VEC_ISA_NCATEGORIES] = {
		{"actions", LFH_ISA_PERSONAL, LFH_RULE_LEAD, "council", 1095},
		{"health", LFH_ISA_SPECIAL, LFH_RULE_NAMED, "housing", 365},
		{"meeting-notes", LFH_ISA_PERSONAL, LFH_RULE_ALL, NULL, 730},
		{"referral", LFH_ISA_CRIMINAL, LFH_RULE_PARTICIPANTS, NULL, 2190},
	};
	return &c[i];
}

/* The identity seed of a vector party (32 bytes). */
static inline void vec_party_seed(const vec_party_in *in, uint8_t seed[32])
{
	vec_fill(seed, 32, in->seed_first);
}

/* Fill party p from its fixed fields; its keys from lfh_identity_from_seed. */
static inline int vec_isa_party(lfh_isa_party *p, const vec_party_in *in)
{
	uint8_t seed[32];
	lfh_identity *id = NULL;
	int rc;

	vec_party_seed(in, seed);
	rc = lfh_identity_from_seed(in->id, seed, &id, NULL);
	if (rc)
		return rc;
	memset(p, 0, sizeof *p);
	snprintf(p->id, sizeof p->id, "%s", in->id);
	snprintf(p->name, sizeof p->name, "%s", in->name);
	snprintf(p->role, sizeof p->role, "%s", in->role);
	snprintf(p->controller, sizeof p->controller, "%s", "independent controller");
	snprintf(p->endpoint, sizeof p->endpoint, "%s", in->endpoint);
	memcpy(p->root_pk, id->pub.root_pk, 32);
	memcpy(p->sign_pk, id->pub.sign_pk, 32);
	memcpy(p->box_pk, id->pub.box_pk, 32);
	memcpy(p->curve_pk, id->pub.curve_pk, 32);
	lfh_identity_free(id);
	return 0;
}

static inline void vec_isa_category(lfh_isa_category *c, const vec_category_in *in)
{
	memset(c, 0, sizeof *c);
	snprintf(c->name, sizeof c->name, "%s", in->name);
	c->kind = in->kind;
	c->rule = in->rule;
	if (in->agency)
		snprintf(c->agencies[c->nagencies++], sizeof c->agencies[0], "%s", in->agency);
	c->retention_days = in->retention_days;
}

/* Version 1, the genesis, into *isa (about 90 KB: allocate it). 0 or an LFH_E code. */
static inline int vec_isa_v1(lfh_isa *isa)
{
	int rc = 0;

	memset(isa, 0, sizeof *isa);
	strcpy(isa->hub, VEC_HUB_NAME);
	isa->version = 1;
	strcpy(isa->effective, "2023-11-01");
	strcpy(isa->review, "2024-11-01");
	isa->npurposes = 2;
	strcpy(isa->purposes[0], "Reduce repeat anti-social behaviour through multi-agency "
				 "problem solving.");
	strcpy(isa->purposes[1], "Protect vulnerable victims and witnesses.");
	strcpy(isa->lawful_basis, "UK GDPR Article 6(1)(e): public task.");
	isa->ngateways = 1;
	strcpy(isa->gateways[0], "Crime and Disorder Act 1998, section 115.");
	isa->nparties = VEC_ISA_NPARTIES;
	for (size_t i = 0; rc == 0 && i < VEC_ISA_NPARTIES; i++)
		rc = vec_isa_party(&isa->parties[i], vec_isa_party_in(i));
	isa->ncategories = VEC_ISA_NCATEGORIES;
	for (size_t i = 0; i < VEC_ISA_NCATEGORIES; i++)
		vec_isa_category(&isa->categories[i], vec_isa_category_in(i));
	return rc ? rc : lfh_isa_validate(isa, NULL);
}

/* Version 2 from version 1: prev = hash of v1, dates a year on, two next signers. */
static inline int vec_isa_v2(const lfh_isa *v1, lfh_isa *v2)
{
	int rc;

	*v2 = *v1;
	rc = lfh_isa_hash_of(v1, v2->prev, NULL);
	v2->version = 2;
	strcpy(v2->effective, "2024-11-01");
	strcpy(v2->review, "2025-11-01");
	v2->nsigners = 2;
	strcpy(v2->signers[0], "housing");
	strcpy(v2->signers[1], "police");
	return rc ? rc : lfh_isa_validate(v2, NULL);
}

/* Append "isa.<id>.*": the party's seed, its four keys and its key id. */
static inline int vec_isa_party_lines(lfh_buf *t, const lfh_isa_party *p, const vec_party_in *in)
{
	char pre[8 + LFH_AGENCY_MAX];
	uint8_t seed[32], kid[LFH_KEYID_LEN];
	int rc;

	snprintf(pre, sizeof pre, "isa.%s", p->id);
	vec_party_seed(in, seed);
	lfh_key_id(p->sign_pk, kid);
	rc = vec_field(t, pre, "seed", seed, 32);
	rc = rc ? rc : vec_field(t, pre, "root_pk", p->root_pk, 32);
	rc = rc ? rc : vec_field(t, pre, "sign_pk", p->sign_pk, 32);
	rc = rc ? rc : vec_field(t, pre, "box_pk", p->box_pk, 32);
	rc = rc ? rc : vec_field(t, pre, "curve_pk", p->curve_pk, 32);
	rc = rc ? rc : vec_field(t, pre, "key_id", kid, LFH_KEYID_LEN);
	return rc;
}

/* Append "name = <encoding>" and "name.hash = <its hash>"; the hash also to hash. */
static inline int vec_isa_version_lines(lfh_buf *t, const char *name, const lfh_isa *isa,
					uint8_t hash[32])
{
	lfh_buf enc = {0};
	int rc = lfh_isa_encode(isa, &enc, NULL);

	if (rc == 0) {
		lfh_isa_hash(enc.data, enc.len, hash);
		rc = vec_line(t, name, enc.data, enc.len);
	}
	rc = rc ? rc : vec_field(t, name, "hash", hash, 32);
	lfh_buf_free(&enc);
	return rc;
}

static inline int vec_isa_comment(lfh_buf *t)
{
	return vec_text(t,
		"# lfhub ISA test vectors (proto/PROTOCOL.md sections 12 and 14). Generated by\n"
		"# build/tools/mkvectors isa; tests/unit/test_vectors.c recomputes every line\n"
		"# and compares this file byte for byte.\n"
		"# Lines are \"name = lowercase hex\"; '#' lines are comments.\n"
		"#\n"
		"# Parties (sorted by id), controller \"independent controller\" for all:\n"
		"#   council  \"Cumberland Council\", role \"district council\",\n"
		"#            endpoint \"tcp://lfh.council.example:7102\", seed 41..60\n"
		"#   housing  \"Home Group\", role \"social landlord\",\n"
		"#            endpoint \"tcp://lfh.housing.example:7103\", seed 21..40\n"
		"#   police   \"Cumbria Constabulary\", role \"police\",\n"
		"#            endpoint \"tcp://lfh.police.example:7101\", seed 01..20\n"
		"# Keys: lfh_identity_from_seed(id, seed): sub_X = BLAKE2b-256(key = seed,\n"
		"# message = \"lfhub identity X v1\") for X in root, sign, box, curve; root and\n"
		"# sign = crypto_sign_seed_keypair(sub_X), box and curve =\n"
		"# crypto_box_seed_keypair(sub_X). key_id = first 8 bytes of\n"
		"# BLAKE2b-256(sign_pk).\n");
}

static inline int vec_isa_v1_comment(lfh_buf *t)
{
	return vec_text(t,
		"#\n"
		"# Version 1 (genesis): hub \"" VEC_HUB_NAME "\", version 1, prev = 32 zero bytes,\n"
		"# effective \"2023-11-01\", review \"2024-11-01\",\n"
		"# purposes [\"Reduce repeat anti-social behaviour through multi-agency problem\n"
		"# solving.\", \"Protect vulnerable victims and witnesses.\"],\n"
		"# lawful_basis \"UK GDPR Article 6(1)(e): public task.\",\n"
		"# gateways [\"Crime and Disorder Act 1998, section 115.\"],\n"
		"# the three parties above, categories (name, kind, rule, agencies, retention):\n"
		"#   [\"actions\", 1 personal, 3 lead, [\"council\"], 1095]\n"
		"#   [\"health\", 2 special, 4 named, [\"housing\"], 365]\n"
		"#   [\"meeting-notes\", 1 personal, 1 all, [], 730]\n"
		"#   [\"referral\", 3 criminal, 2 participants, [], 2190]\n"
		"# and signers [] (every party signs version 2).\n"
		"# isa.v1 = its canonical encoding (section 14.2); isa.v1.hash =\n"
		"# BLAKE2b-256(isa.v1); isa.hub_id = isa.v1.hash (section 14.3).\n");
}

static inline int vec_isa_v2_comment(lfh_buf *t)
{
	return vec_text(t,
		"#\n"
		"# Version 2: as version 1 except version 2, prev = isa.v1.hash, effective\n"
		"# \"2024-11-01\", review \"2025-11-01\", signers [\"housing\", \"police\"].\n");
}

/* Append the whole of isa.txt to t. 0 or a negative LFH_E code. */
static inline int vec_isa_build(lfh_buf *t)
{
	lfh_isa *v1 = malloc(sizeof *v1), *v2 = malloc(sizeof *v2);
	uint8_t h1[32], h2[32];
	int rc = v1 && v2 ? 0 : LFH_ENOMEM;

	rc = rc ? rc : vec_isa_v1(v1);
	rc = rc ? rc : vec_isa_v2(v1, v2);
	rc = rc ? rc : vec_isa_comment(t);
	for (size_t i = 0; rc == 0 && i < VEC_ISA_NPARTIES; i++)
		rc = vec_isa_party_lines(t, &v1->parties[i], vec_isa_party_in(i));
	rc = rc ? rc : vec_isa_v1_comment(t);
	rc = rc ? rc : vec_isa_version_lines(t, "isa.v1", v1, h1);
	rc = rc ? rc : vec_line(t, "isa.hub_id", h1, 32);
	rc = rc ? rc : vec_isa_v2_comment(t);
	rc = rc ? rc : vec_isa_version_lines(t, "isa.v2", v2, h2);
	if (rc == 0 && memcmp(v2->prev, h1, 32) != 0)
		rc = LFH_ECODEC;
	free(v1);
	free(v2);
	return rc;
}

#endif
