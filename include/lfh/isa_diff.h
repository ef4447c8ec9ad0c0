/*
 * isa_diff.h - what one version of an information-sharing agreement changes
 * from another (`lfh isa diff`): parties added, removed or changed (name,
 * role, controller, endpoint, keys), categories added, removed or changed
 * (kind, receive rule, named agencies, retention), purposes, lawful basis,
 * gateways, dates, the signers of the next version; and whether NEW follows
 * OLD in the version chain (proto/PROTOCOL.md 14.4: same hub, version
 * OLD + 1, prev = OLD's hash).
 *
 * Both versions must be valid (lfh_isa_validate): lists sorted as in 14.1.
 */
#ifndef LFH_ISA_DIFF_H
#define LFH_ISA_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/isa.h"

/* What a change is about; lfh_isa_change_name gives each a stable name for JSON. */
enum lfh_isa_change_kind {
	LFH_ISA_C_HUB = 1,         /* "hub": the hub name */
	LFH_ISA_C_EFFECTIVE,       /* "effective": date */
	LFH_ISA_C_REVIEW,          /* "review": date */
	LFH_ISA_C_PURPOSE_ADDED,   /* "purpose_added": after = the text */
	LFH_ISA_C_PURPOSE_REMOVED, /* "purpose_removed": before = the text */
	LFH_ISA_C_PURPOSES_ORDER,  /* "purposes_order": same texts, other order */
	LFH_ISA_C_LAWFUL_BASIS,    /* "lawful_basis" */
	LFH_ISA_C_GATEWAY_ADDED,   /* "gateway_added" */
	LFH_ISA_C_GATEWAY_REMOVED, /* "gateway_removed" */
	LFH_ISA_C_GATEWAYS_ORDER,  /* "gateways_order" */
	LFH_ISA_C_PARTY_ADDED,     /* "party_added": subject = id, after = name */
	LFH_ISA_C_PARTY_REMOVED,   /* "party_removed": subject = id, before = name */
	LFH_ISA_C_PARTY,           /* "party_changed": subject = id, field = name, role,
				      controller, endpoint, root or sign (before/after: key
				      ids), box (hex) or curve (Z85) */
	LFH_ISA_C_CATEGORY_ADDED,  /* "category_added": subject = name */
	LFH_ISA_C_CATEGORY_REMOVED, /* "category_removed": subject = name */
	LFH_ISA_C_CATEGORY,        /* "category_changed": subject = name, field = kind,
				      receive or retention_days (as in the text form) */
	LFH_ISA_C_AGENCY_ADDED,    /* "agency_added": subject = category, after = agency id */
	LFH_ISA_C_AGENCY_REMOVED,  /* "agency_removed": subject = category, before = agency id */
	LFH_ISA_C_SIGNERS,         /* "next_signers": "all" or a comma-separated list */
};

#define LFH_ISA_WORDS_MAX (2 * LFH_ISA_TEXT_MAX + 512)

typedef struct lfh_isa_change {
	enum lfh_isa_change_kind what;
	char subject[LFH_ISA_NAME_MAX + 1]; /* party id or category name; "" if agreement-wide */
	char field[16];                     /* for PARTY and CATEGORY; else "" */
	char before[LFH_ISA_TEXT_MAX + 1];  /* the value in OLD, "" if added */
	char after[LFH_ISA_TEXT_MAX + 1];   /* the value in NEW, "" if removed */
	char words[LFH_ISA_WORDS_MAX];      /* the change in plain words, one line */
} lfh_isa_change;

typedef struct lfh_isa_diff {
	uint8_t old_hash[32], new_hash[32];
	int follows;    /* 1: NEW is the successor of OLD (same hub, version + 1, prev) */
	char why[512];  /* when !follows: why not, in words ("its version is 3, not 2") */
	size_t n;       /* changes, in the order: agreement, parties, categories, signers */
	lfh_isa_change *c;
} lfh_isa_diff;

/*
 * Compare two valid versions. *out is overwritten (not freed first); free it
 * with lfh_isa_diff_free. Returns 0, or as lfh_isa_encode (an invalid
 * version) or LFH_ENOMEM, with *out zeroed.
 */
int lfh_isa_compare(const lfh_isa *old, const lfh_isa *new_isa, lfh_isa_diff *out, lfh_err *err);
void lfh_isa_diff_free(lfh_isa_diff *d);

/* "party_removed", "category_changed", ...; "?" for an unknown kind. */
const char *lfh_isa_change_name(enum lfh_isa_change_kind k);

/*
 * The whole comparison for people: OLD and NEW (labelled old_label and
 * new_label, e.g. file names) with version and hash, whether NEW follows
 * OLD ("NEW does not follow OLD: ..." if not), then each change grouped
 * under Agreement, Parties, Categories and Next version. Appends the text
 * and a NUL to out (out->len counts the text, not the NUL); LFH_ENOMEM.
 */
int lfh_isa_diff_describe(const lfh_isa *old, const lfh_isa *new_isa, const lfh_isa_diff *d,
			  const char *old_label, const char *new_label, lfh_buf *out, lfh_err *err);

#endif
