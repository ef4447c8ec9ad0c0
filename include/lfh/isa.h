/*
 * isa.h - the hub's information-sharing agreement (ISA): what it says, its
 * canonical msgpack encoding (what is hashed and signed), its text form
 * (what people write and read, parsed with libconfig), and the sharing rules
 * nodes enforce.
 *
 * Versions form a chain: version 1 (genesis) has prev = 32 zero bytes and
 * its hash is the hub id; version n+1 names the hash of version n in prev
 * and takes effect only when signed by the signers version n requires.
 * isa hash = BLAKE2b-256 of the canonical encoding (proto/PROTOCOL.md, ISA).
 * The text form and its parser: include/lfh/isa_text.h.
 *
 * Sharing rule of a data category (who may receive its events, besides the
 * author): all members; the case's participants; the case's lead agency
 * only; or the named agencies only. The `agencies` list adds named agencies
 * to the first three rules and is the whole list for "named".
 */
#ifndef LFH_ISA_H
#define LFH_ISA_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/agencies.h"
#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/pubkeys.h"

#define LFH_ISA_MAX_PARTIES 32
#define LFH_ISA_MAX_CATEGORIES 32
#define LFH_ISA_MAX_LIST 16      /* purposes, gateways */
#define LFH_ISA_NAME_MAX 127     /* party name, role, controller, hub name: bytes */
#define LFH_ISA_TEXT_MAX 1023    /* one purpose, gateway, lawful basis: bytes */
#define LFH_ISA_ENDPOINT_MAX 255
#define LFH_ISA_ENCODED_MAX (256 * 1024)
#define LFH_ISA_MIN_PARTIES 2
#define LFH_ISA_RETENTION_MAX 36500 /* days: 100 years */
#define LFH_ISA_MAGIC "lfh-isa-v1"  /* first element of the encoding */

enum lfh_isa_kind {
	LFH_ISA_PERSONAL = 1, /* "personal": personal data */
	LFH_ISA_SPECIAL = 2,  /* "special": special category (health, ...) */
	LFH_ISA_CRIMINAL = 3, /* "criminal": criminal offence data */
};

enum lfh_isa_rule {
	LFH_RULE_ALL = 1,          /* "all": every member */
	LFH_RULE_PARTICIPANTS = 2, /* "participants": agencies taking part in the case */
	LFH_RULE_LEAD = 3,         /* "lead": the case's lead agency */
	LFH_RULE_NAMED = 4,        /* "named": only the listed agencies */
};

typedef struct lfh_isa_party {
	char id[LFH_AGENCY_MAX + 1];
	char name[LFH_ISA_NAME_MAX + 1];       /* "Cumbria Constabulary" */
	char role[LFH_ISA_NAME_MAX + 1];       /* "police", "district council", ... */
	char controller[LFH_ISA_NAME_MAX + 1]; /* "joint controller", "independent controller", ... */
	uint8_t root_pk[32];                   /* Ed25519: the agency's long-term root identity key */
	uint8_t sign_pk[32], box_pk[32], curve_pk[32];
	char endpoint[LFH_ISA_ENDPOINT_MAX + 1]; /* tcp://host:port of its node */
} lfh_isa_party;

typedef struct lfh_isa_category {
	char name[LFH_CATEGORY_MAX + 1];
	enum lfh_isa_kind kind;
	enum lfh_isa_rule rule;
	uint32_t nagencies;
	char agencies[LFH_ISA_MAX_PARTIES][LFH_AGENCY_MAX + 1]; /* sorted, unique */
	uint32_t retention_days; /* after case closure, >= 1 */
} lfh_isa_category;

typedef struct lfh_isa {
	char hub[LFH_ISA_NAME_MAX + 1];
	uint32_t version;          /* 1 = genesis */
	uint8_t prev[32];          /* hash of version - 1; zeros for genesis */
	char effective[11];        /* "YYYY-MM-DD" */
	char review[11];           /* "YYYY-MM-DD", after effective */
	uint32_t npurposes;
	char purposes[LFH_ISA_MAX_LIST][LFH_ISA_TEXT_MAX + 1];
	char lawful_basis[LFH_ISA_TEXT_MAX + 1];
	uint32_t ngateways;
	char gateways[LFH_ISA_MAX_LIST][LFH_ISA_TEXT_MAX + 1];
	uint32_t nparties;         /* sorted by id, unique */
	lfh_isa_party parties[LFH_ISA_MAX_PARTIES];
	uint32_t ncategories;      /* sorted by name, unique */
	lfh_isa_category categories[LFH_ISA_MAX_CATEGORIES];
	uint32_t nsigners;         /* who must sign the next version; 0 = every party */
	char signers[LFH_ISA_MAX_PARTIES][LFH_AGENCY_MAX + 1]; /* sorted, unique */
} lfh_isa;

/*
 * Semantic checks: hub name; version >= 1 and prev all-zero iff version 1;
 * dates real YYYY-MM-DD with review after effective; 1..16 purposes, a
 * lawful basis, 0..16 gateways (text: no control characters, valid UTF-8);
 * 2..32 parties sorted by id, unique, each with name, role, controller,
 * a tcp:// endpoint, valid Ed25519 root and sign keys, non-zero box and
 * curve keys, no two keys equal (the root not one of the party's own
 * operational keys, no key shared with another party); 1..32 categories sorted by name, unique,
 * kind and rule in range, agencies sorted, unique, parties, at least one for
 * "named" and none for "all", retention 1..36500 days; signers sorted,
 * unique parties. Returns 0, or LFH_EINVAL with the first problem, which
 * names the field: "categories[health].agencies: 'nhs' is not a party".
 */
int lfh_isa_validate(const lfh_isa *isa, lfh_err *err);

/*
 * Beyond validity (the decoder's rules, which every node applies to every
 * version it receives): what a hub needs to run on a version, checked where
 * one is written (lfh isa check, isa propose) so that a hub cannot adopt a
 * version it cannot use. A category named "referral" (referrals,
 * invitations, removals, closes and reopenings are written in it), and each
 * party's endpoint "tcp://HOST:PORT": a host that is not a wildcard ("*",
 * 0.0.0.0, [::]) and a port 1..65535. 0, or LFH_EINVAL naming the field.
 */
int lfh_isa_usable(const lfh_isa *isa, lfh_err *err);

/* Which field a problem is about: for lfh_isa_check's callback. */
enum lfh_isa_field {
	LFH_ISA_F_HUB = 1,
	LFH_ISA_F_VERSION,
	LFH_ISA_F_PREV,
	LFH_ISA_F_EFFECTIVE,
	LFH_ISA_F_REVIEW,
	LFH_ISA_F_PURPOSES,     /* i = purpose, or -1: the list */
	LFH_ISA_F_LAWFUL_BASIS,
	LFH_ISA_F_GATEWAYS,     /* i = gateway, or -1: the list */
	LFH_ISA_F_PARTIES,      /* the list */
	LFH_ISA_F_PARTY_ID,     /* i = party, for these nine */
	LFH_ISA_F_PARTY_NAME,
	LFH_ISA_F_PARTY_ROLE,
	LFH_ISA_F_PARTY_CONTROLLER,
	LFH_ISA_F_PARTY_ROOT,
	LFH_ISA_F_PARTY_SIGN,
	LFH_ISA_F_PARTY_BOX,
	LFH_ISA_F_PARTY_CURVE,
	LFH_ISA_F_PARTY_ENDPOINT,
	LFH_ISA_F_CATEGORIES,   /* the list */
	LFH_ISA_F_CAT_NAME,     /* i = category, for these five */
	LFH_ISA_F_CAT_KIND,
	LFH_ISA_F_CAT_RULE,
	LFH_ISA_F_CAT_AGENCIES, /* j = agency, or -1: the list */
	LFH_ISA_F_CAT_RETENTION,
	LFH_ISA_F_SIGNERS,      /* i = signer, or -1: the list */
};
#define LFH_ISA_F_COUNT (LFH_ISA_F_SIGNERS + 1)

typedef struct lfh_isa_loc {
	enum lfh_isa_field field;
	int i, j; /* indexes into the struct's lists, -1 where not applicable */
} lfh_isa_loc;

/* Called once per problem; msg is "field: what is wrong" as in lfh_isa_validate. */
typedef void lfh_isa_report_fn(void *ctx, const lfh_isa_loc *loc, const char *msg);

/*
 * The checks of lfh_isa_validate, reporting every problem (not just the
 * first) with its location, so the text parser can give each one a line.
 * Returns the number of problems.
 */
size_t lfh_isa_check(const lfh_isa *isa, lfh_isa_report_fn *report, void *ctx);

/*
 * Canonical msgpack encoding (appended to out; refuses an invalid isa with
 * LFH_EINVAL, appending nothing) and strict decoding: at most
 * LFH_ISA_ENCODED_MAX bytes (else LFH_ETOOBIG), exact types and lengths, no
 * trailing bytes, canonical bytes only, and the result must pass
 * lfh_isa_validate (else LFH_ECODEC); a first element other than
 * "lfh-isa-v1" starting "lfh-isa-" is LFH_EVERSION. On failure *out is zeroed.
 */
int lfh_isa_encode(const lfh_isa *isa, lfh_buf *out, lfh_err *err);
int lfh_isa_decode(const uint8_t *raw, size_t len, lfh_isa *out, lfh_err *err);

/* BLAKE2b-256 of an encoding: the version's hash (genesis hash = hub id). */
void lfh_isa_hash(const uint8_t *raw, size_t len, uint8_t out[32]);

/* Encode isa and hash the encoding: its version hash. 0 or as lfh_isa_encode. */
int lfh_isa_hash_of(const lfh_isa *isa, uint8_t out[32], lfh_err *err);

const lfh_isa_party *lfh_isa_party_find(const lfh_isa *isa, const char *id);
const lfh_isa_category *lfh_isa_category_find(const lfh_isa *isa, const char *name);

/* The party's public keys, root included, as an lfh_pubkeys (key_id derived). */
void lfh_isa_party_pubkeys(const lfh_isa_party *p, lfh_pubkeys *out);

/*
 * Who may receive an event of `category` about a case whose lead agency is
 * `lead` ("" if unknown) and whose participants are `participants` (NULL: none):
 * writes the sorted agency ids into out (at most LFH_ISA_MAX_PARTIES),
 * leaving out `author`. LFH_ENOTFOUND if the category is not in the ISA.
 */
int lfh_isa_recipients(const lfh_isa *isa, const char *category, const char *lead,
		       const lfh_agencies *participants, const char *author,
		       char out[][LFH_AGENCY_MAX + 1], size_t *nout, lfh_err *err);

/*
 * May `agency` ever receive `category` for a case led by `lead` ("" if
 * unknown)? The receiver's check: 1 yes, 0 no. Rule "participants" and
 * "all" say yes to any party; "lead" yes to the lead (when known) and the
 * named agencies; "named" only to the named agencies. Non-parties: no.
 */
int lfh_isa_may_receive(const lfh_isa *isa, const char *category, const char *lead,
			const char *agency);

/* Does `sig_agencies` (n ids) include every signer `isa` requires for its successor? */
int lfh_isa_signed_enough(const lfh_isa *isa, const char *const *sig_agencies, size_t n);

/* Names of enum values as written in the text form. */
const char *lfh_isa_kind_name(enum lfh_isa_kind k);
const char *lfh_isa_rule_name(enum lfh_isa_rule r);

/*
 * Plain-words description for people (`lfh isa show`): parties (with the
 * key ids of their sign and root keys), purposes, lawful basis, and per category who receives it and for how long it is kept.
 * Appends the text and a NUL to out; out->len counts the text, not the NUL.
 * Fails (as lfh_isa_encode) if isa is not valid.
 */
int lfh_isa_describe(const lfh_isa *isa, lfh_buf *out, lfh_err *err);
/* A category's kind in plain words ("special category data"), as lfh_isa_describe says it. */
const char *lfh_isa_kind_words(enum lfh_isa_kind k);

#endif
