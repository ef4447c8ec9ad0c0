/*
 * isa_describe.c - an ISA in plain words (lfh_isa_describe, include/lfh/isa.h):
 * who the parties are, what is shared with whom and for how long, who must
 * sign the next version. Built on the rules (isa.c) and the hash (isa_codec.c).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/buf.h"
#include "lfh/isa.h"

static int put(lfh_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int put(lfh_buf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return LFH_EINVAL;
	if ((size_t)n < sizeof small)
		return lfh_buf_append(b, small, (size_t)n);
	/* long text (a purpose is up to 1023 bytes) */
	char *big = malloc((size_t)n + 1);
	int rc;
	if (!big)
		return LFH_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = lfh_buf_append(b, big, (size_t)n);
	free(big);
	return rc;
}

const char *lfh_isa_kind_words(enum lfh_isa_kind k)
{
	switch (k) {
	case LFH_ISA_PERSONAL: return "personal data";
	case LFH_ISA_SPECIAL: return "special category data";
	case LFH_ISA_CRIMINAL: return "criminal offence data";
	}
	return "?";
}

/* "a (A)", "a (A) and b (B)", "a (A), b (B) and c (C)". */
static int put_agencies(lfh_buf *b, const lfh_isa *isa, const lfh_isa_category *c)
{
	int rc = 0;

	for (uint32_t k = 0; rc == 0 && k < c->nagencies; k++) {
		const lfh_isa_party *p = lfh_isa_party_find(isa, c->agencies[k]);
		const char *sep = k == 0 ? "" : k + 1 == c->nagencies ? " and " : ", ";
		rc = put(b, "%s%s (%s)", sep, c->agencies[k], p ? p->name : "?");
	}
	return rc;
}

static int describe_category(lfh_buf *b, const lfh_isa *isa, const lfh_isa_category *c)
{
	int rc = put(b, "  - %s (%s): ", c->name, lfh_isa_kind_words(c->kind));

	switch (c->rule) {
	case LFH_RULE_ALL:
		rc = rc ? rc : put(b, "every party receives it");
		break;
	case LFH_RULE_PARTICIPANTS:
		rc = rc ? rc : put(b, "the agencies taking part in the case");
		if (c->nagencies > 0) {
			rc = rc ? rc : put(b, ", and always ");
			rc = rc ? rc : put_agencies(b, isa, c);
			rc = rc ? rc : put(b, " (even in cases %s takes no part in),",
					   c->nagencies > 1 ? "each" : "it");
		}
		rc = rc ? rc : put(b, " receive it");
		break;
	case LFH_RULE_LEAD:
		rc = rc ? rc : put(b, "only the case's lead agency");
		if (c->nagencies > 0) {
			rc = rc ? rc : put(b, " and ");
			rc = rc ? rc : put_agencies(b, isa, c);
		}
		rc = rc ? rc : put(b, c->nagencies > 0 ? " receive it" : " receives it");
		break;
	case LFH_RULE_NAMED:
		rc = rc ? rc : put(b, "only ");
		rc = rc ? rc : put_agencies(b, isa, c);
		rc = rc ? rc : put(b, c->nagencies > 1 ? " receive it, even in cases they take no "
					   "part in" : " receives it, even in cases it takes no part in");
		break;
	}
	return rc ? rc : put(b, "; kept %" PRIu32 " days after the case closes.\n", c->retention_days);
}

static int describe(lfh_buf *b, const lfh_isa *isa, const uint8_t hash[32])
{
	char hex[65], rhex[2 * LFH_KEYID_LEN + 1];
	uint8_t kid[LFH_KEYID_LEN];
	int rc;

	lfh_hex(hex, hash, 32);
	rc = put(b, "Information-sharing agreement of hub %s, version %" PRIu32 "\n", isa->hub, isa->version);
	rc = rc ? rc : put(b, "Effective %s; to be reviewed by %s.\n", isa->effective, isa->review);
	rc = rc ? rc : put(b, "Hash: %s%s\n", hex, isa->version == 1 ? " (the hub id)" : "");
	if (isa->version > 1) {
		lfh_hex(hex, isa->prev, 32);
		rc = rc ? rc : put(b, "Replaces version %" PRIu32 ": %s\n", isa->version - 1, hex);
	}
	rc = rc ? rc : put(b, "\nPurposes:\n");
	for (uint32_t i = 0; rc == 0 && i < isa->npurposes; i++)
		rc = put(b, "  - %s\n", isa->purposes[i]);
	rc = rc ? rc : put(b, "\nLawful basis:\n  %s\n", isa->lawful_basis);
	if (isa->ngateways > 0)
		rc = rc ? rc : put(b, "\nLegal gateways:\n");
	for (uint32_t i = 0; rc == 0 && i < isa->ngateways; i++)
		rc = put(b, "  - %s\n", isa->gateways[i]);
	rc = rc ? rc : put(b, "\nParties (%" PRIu32 "):\n", isa->nparties);
	for (uint32_t i = 0; rc == 0 && i < isa->nparties; i++) {
		const lfh_isa_party *p = &isa->parties[i];
		lfh_key_id(p->sign_pk, kid);
		lfh_hex(hex, kid, sizeof kid);
		lfh_key_id(p->root_pk, kid);
		lfh_hex(rhex, kid, sizeof kid);
		rc = put(b, "  %s: %s (%s; %s)\n      node %s, key id %s, root key id %s\n", p->id, p->name,
			 p->role, p->controller, p->endpoint, hex, rhex);
	}
	rc = rc ? rc : put(b, "\nWhat is shared, with whom, for how long:\n");
	for (uint32_t i = 0; rc == 0 && i < isa->ncategories; i++)
		rc = describe_category(b, isa, &isa->categories[i]);
	rc = rc ? rc : put(b, "\nThe next version takes effect when signed by ");
	if (isa->nsigners == 0)
		rc = rc ? rc : put(b, "every party.\n");
	for (uint32_t i = 0; rc == 0 && i < isa->nsigners; i++) {
		const lfh_isa_party *p = lfh_isa_party_find(isa, isa->signers[i]);
		const char *sep = i == 0 ? "" : i + 1 == isa->nsigners ? " and " : ", ";
		rc = put(b, "%s%s (%s)%s", sep, isa->signers[i], p ? p->name : "?",
			 i + 1 == isa->nsigners ? ".\n" : "");
	}
	return rc;
}

int lfh_isa_describe(const lfh_isa *isa, lfh_buf *out, lfh_err *err)
{
	uint8_t hash[32];
	size_t len0 = out->len;
	int rc = lfh_isa_hash_of(isa, hash, err);

	if (rc)
		return rc;
	rc = describe(out, isa, hash);
	rc = rc ? rc : lfh_buf_append(out, "", 1);
	if (rc) {
		out->len = len0;
		return lfh_err_set(err, LFH_ENOMEM, "isa: out of memory");
	}
	out->len--; /* keep the NUL after the text */
	return 0;
}
