/*
 * policy.c - the ISA in force and what it decides (see include/lfh/policy.h).
 *
 * State kept (all in LMDB, in the same transactions as the events):
 *   tables ISA       version -> canonical ISA bytes, every adopted version
 *   tables PROPOSAL  hash -> canonical bytes of a proposed next version
 *   tables ISA_SIG   hash|agency -> id of the ISA_SIGN event
 *   tables BACKFILL  event id -> "" (shared with us when we joined a case)
 *   tables SHRED     case|category -> record {ms, events, keys}
 *   (tables USERS, the caseworkers registered here, belongs to node/control/ctl_users.c)
 *   cases record     lead, closed_ms (when the CLOSE was applied here)
 * Case participants are the referral's author (the lead) and recipients,
 * plus the agency of every JOIN event of the case, less every LEAVE's.
 * ISA versions and membership: node/rules/policy_isa.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/hlc.h"
#include "lfh/judge.h"
#include "lfh/keyring.h"
#include "lfh/log.h"
#include "lfh/osara.h"
#include "lfh/parties.h"
#include "lfh/policy.h"
#include "lfh/quota.h"
#include "lfh/sharing.h"
#include "lfh/summary.h"

#include "policy_int.h"

#define DAY_MS 86400000ULL

int lfh_policy_active(const lfh_rules *r)
{
	return r->isa != NULL;
}

void lfh_effects_clear(lfh_effects *fx)
{
	free(fx->grants);
	memset(fx, 0, sizeof *fx);
}

/* Ask the node core to grant the sharing key that opens ev to agency. */
static int want_grant(lfh_effects *fx, const lfh_event *ev, const char *agency)
{
	lfh_grant_todo *g;

	if (fx->ngrants == fx->cap) {
		size_t cap = fx->cap ? 2 * fx->cap : 16;
		lfh_grant_todo *p = realloc(fx->grants, cap * sizeof *p);
		if (!p)
			return LFH_ENOMEM;
		fx->grants = p;
		fx->cap = cap;
	}
	g = &fx->grants[fx->ngrants++];
	memcpy(g->case_id, ev->case_id, LFH_CASE_LEN);
	snprintf(g->category, sizeof g->category, "%s", ev->category);
	snprintf(g->creator, sizeof g->creator, "%s", ev->key_creator);
	g->epoch = ev->key_epoch;
	snprintf(g->agency, sizeof g->agency, "%s", agency);
	return 0;
}

/*
 * Who holds data of the case beside its participants, so a CLOSE or REOPEN
 * must reach them for their retention clock: the agencies that left it,
 * and those a category reaches whatever their part in the case (rules all
 * and named of the ISA in force). Parties of that version only.
 */
static int add_holders(const lfh_rules *r, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		       lfh_agencies *ids, lfh_err *err)
{
	lfh_agencies ever;
	int rc = lfh_parties_ever(t, case_id, &ever, err);

	if (rc)
		return rc;
	for (size_t i = 0; rc == 0 && i < ever.n; i++)
		if (lfh_isa_party_find(r->isa, ever.id[i]))
			rc = lfh_agencies_add(ids, ever.id[i]);
	for (uint32_t c = 0; rc == 0 && c < r->isa->ncategories; c++) {
		const lfh_isa_category *cat = &r->isa->categories[c];
		if (cat->rule == LFH_RULE_ALL)
			for (uint32_t i = 0; rc == 0 && i < r->isa->nparties; i++)
				rc = lfh_agencies_add(ids, r->isa->parties[i].id);
		if (cat->rule == LFH_RULE_NAMED)
			for (uint32_t i = 0; rc == 0 && i < cat->nagencies; i++)
				if (lfh_isa_party_find(r->isa, cat->agencies[i]))
					rc = lfh_agencies_add(ids, cat->agencies[i]);
	}
	return rc ? lfh_err_set(err, rc, "too many agencies hold the case") : 0;
}

int lfh_policy_recipients(const lfh_rules *r, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			  uint32_t type, const char *category, const char *const *invite,
			  size_t ninvite, char out[][LFH_AGENCY_MAX + 1], size_t *nout,
			  lfh_err *err)
{
	char lead[LFH_AGENCY_MAX + 1];
	lfh_agencies ids;
	int rc = lfh_parties_get(t, case_id, lead, &ids, err);

	if (rc)
		return rc;
	if (type == LFH_EV_REFERRAL || !lead[0])
		snprintf(lead, sizeof lead, "%s", r->self);
	rc = lfh_agencies_add(&ids, r->self);
	for (size_t i = 0; rc == 0 && i < ninvite; i++) {
		if (!lfh_isa_party_find(r->isa, invite[i]))
			return lfh_err_set(err, LFH_EINVAL, "'%s' is not a party of the ISA in force",
					   invite[i]);
		rc = lfh_agencies_add(&ids, invite[i]);
	}
	if (rc)
		return lfh_err_set(err, rc, "too many agencies in the case");
	/* A CLOSE or REOPEN also goes to every other holder of the case's data. */
	if ((type == LFH_EV_CLOSE || type == LFH_EV_REOPEN) && r->isa &&
	    (rc = add_holders(r, t, case_id, &ids, err)))
		return rc;
	/* Governance events go to every participant (a leaving one too), whatever the category rule. */
	if (type == LFH_EV_JOIN || type == LFH_EV_CLOSE || type == LFH_EV_LEAVE ||
	    type == LFH_EV_REOPEN) {
		*nout = 0;
		for (size_t i = 0; i < ids.n; i++)
			if (strcmp(ids.id[i], r->self) != 0)
				memcpy(out[(*nout)++], ids.id[i], LFH_AGENCY_MAX + 1);
		return 0;
	}
	if (lfh_event_type_hub_wide(type)) {
		*nout = 0; /* every party of the version in force */
		for (uint32_t i = 0; i < r->isa->nparties; i++)
			if (strcmp(r->isa->parties[i].id, r->self))
				memcpy(out[(*nout)++], r->isa->parties[i].id, LFH_AGENCY_MAX + 1);
		return 0;
	}
	rc = lfh_isa_recipients(r->isa, category, lead, &ids, r->self, out, nout, err);
	if (rc == LFH_ENOTFOUND)
		return lfh_err_set(err, LFH_EINVAL, "category '%s' is not in ISA version %u",
				   category, r->isa->version);
	return rc;
}

/* ---- receiving ---------------------------------------------------------- */

int lfh_policy_shredded(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *category,
			int *yes, lfh_err *err)
{
	uint8_t k[LFH_CASE_LEN + 32] = { 0 };
	int rc;

	memcpy(k, case_id, LFH_CASE_LEN);
	snprintf((char *)k + LFH_CASE_LEN, 32, "%s", category);
	rc = lfh_store_tbl_get(t, LFH_TBL_SHRED, k, sizeof k, NULL, NULL, err);
	*yes = rc == 0;
	return rc == LFH_ENOTFOUND ? 0 : rc;
}

static int is_governance(uint32_t type)
{
	return type == LFH_EV_JOIN || type == LFH_EV_CLOSE || type == LFH_EV_ISA_PROPOSE ||
	       type == LFH_EV_ISA_SIGN || type == LFH_EV_ISA_WITHDRAW || type == LFH_EV_LEAVE ||
	       type == LFH_EV_REOPEN;
}

/* Who takes part in a case: a newcomer is also sent these earlier events (PROTOCOL.md 5.3). */
static int is_membership(uint32_t type)
{
	return type == LFH_EV_JOIN || type == LFH_EV_LEAVE;
}

/* We are not a listed recipient: accept only what was backfilled to us. */
static int accept_backfill(const lfh_rules *r, const lfh_event *ev, const char *lead,
			   const lfh_agencies *participants, lfh_err *err)
{
	const char *me = r->self;
	if (!lfh_agencies_has(participants, me))
		return lfh_err_set(err, LFH_EPERM, "event by %s seq %llu is not addressed to us",
				   ev->author, (unsigned long long)ev->seq);
	if (is_membership(ev->type))
		return 0;
	/* the sharer decided by the agreement in force, which may be newer than the one the
	 * event names (we may have become a party since) */
	if (is_governance(ev->type) || !lfh_isa_may_receive(r->isa, ev->category, lead, me))
		return lfh_err_set(err, LFH_EPERM,
				   "event by %s seq %llu: category %s may not be shared with us",
				   ev->author, (unsigned long long)ev->seq, ev->category);
	return 0;
}

/*
 * An event may name the version before the one that replaced it only if it
 * was stamped within LFH_ISA_GRACE_MS of that replacement's adoption here:
 * time enough for every node to hear of it, and no longer.
 */
static int within_grace(const lfh_rules *r, lfh_txn *t, const lfh_event *ev, lfh_err *err)
{
	char name[LFH_META_NAME_BUF];
	uint64_t adopted = 0;
	int rc;

	if (ev->isa_version >= r->isa->version)
		return 0;
	snprintf(name, sizeof name, "%s%u", LFH_META_ISA_ADOPTED, ev->isa_version + 1);
	if ((rc = lfh_store_meta_get(t, name, &adopted, err)) || adopted == 0)
		return rc;
	if (lfh_hlc_ms(ev->hlc) < adopted + LFH_ISA_GRACE_MS)
		return 0;
	return lfh_err_set(err, LFH_EPERM, "event by %s seq %llu names ISA version %u, replaced by "
			   "version %u more than %llu days before it was stamped", ev->author,
			   (unsigned long long)ev->seq, ev->isa_version, ev->isa_version + 1,
			   (unsigned long long)(LFH_ISA_GRACE_MS / DAY_MS));
}

static int judge_withdraw(lfh_txn *t, const lfh_event *ev, lfh_err *err);

/*
 * Not stamped long before the agreement it names took effect: a member
 * cannot slip an event into the hub's past (e.g. stamped 1970). A day's
 * slack covers the time zone of the agreement's date.
 */
static int after_effective(const lfh_isa *isa, const lfh_event *ev, lfh_err *err)
{
	long effective = lfh_osara_date_days(isa->effective);
	long stamped = (long)(lfh_hlc_ms(ev->hlc) / DAY_MS);

	if (effective < 0 || stamped + 1 >= effective)
		return 0;
	return lfh_err_set(err, LFH_ECLOCK, "event by %s seq %llu is stamped %ld days before ISA "
			   "version %u, which it names, took effect (%s)", ev->author,
			   (unsigned long long)ev->seq, effective - stamped, isa->version,
			   isa->effective);
}

int lfh_policy_accept(lfh_rules *r, lfh_txn *t, const lfh_event *ev, lfh_err *err)
{
	char lead[LFH_AGENCY_MAX + 1];
	lfh_agencies parts;
	const lfh_isa *isa;
	int shredded, rc;

	if (!r->isa)
		return 0;
	if ((rc = lfh_policy_isa(r, t, ev->isa_version, &isa, err)) ||
	    (rc = within_grace(r, t, ev, err)) || (rc = after_effective(isa, ev, err)))
		return rc;
	if ((rc = lfh_parties_get(t, ev->case_id, lead, &parts, err)))
		return rc;
	if (!lead[0])
		lfh_judge_case_creator(r, ev->case_id, lead);
	if (ev->type == LFH_EV_REFERRAL)
		snprintf(lead, sizeof lead, "%s", ev->author);
	if (!lfh_isa_party_find(isa, ev->author))
		return lfh_err_set(err, LFH_EPERM, "author %s is not a party of ISA version %u",
				   ev->author, isa->version);
	if (ev->type == LFH_EV_ISA_WITHDRAW)
		return judge_withdraw(t, ev, err);
	if (lfh_event_type_hub_wide(ev->type))
		return 0;
	if ((rc = lfh_policy_shredded(t, ev->case_id, ev->category, &shredded, err)))
		return rc;
	if (shredded)
		return lfh_err_set(err, LFH_EPERM, "case data of category %s was shredded here",
				   ev->category);
	if (!is_governance(ev->type) && !lfh_isa_category_find(isa, ev->category))
		return lfh_err_set(err, LFH_EPERM, "category '%s' is not in ISA version %u",
				   ev->category, isa->version);
	for (uint32_t i = 0; !is_governance(ev->type) && i < ev->nrcpt; i++)
		if (!lfh_isa_may_receive(isa, ev->category, lead, ev->rcpt[i].agency))
			return lfh_err_set(err, LFH_EPERM,
					   "event by %s seq %llu names %s as recipient of %s, which "
					   "ISA version %u forbids", ev->author,
					   (unsigned long long)ev->seq, ev->rcpt[i].agency,
					   ev->category, isa->version);
	if (strcmp(ev->author, r->self) == 0 || lfh_event_find_recipient(ev, r->self) >= 0)
		return 0;
	return accept_backfill(r, ev, lead, &parts, err);
}

/* ---- applying governance events ----------------------------------------- */

/* Events of one case collected first, so that changing the store never races a scan. */
typedef struct case_event {
	uint8_t id[LFH_ID_LEN];
	uint64_t hlc;
} case_event;

struct collect_ctx {
	const char *category; /* only this category, or NULL for all */
	case_event *ev;
	size_t n, cap;
};

static int collect_fn(void *vctx, uint64_t key, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		      size_t len)
{
	struct collect_ctx *c = vctx;
	lfh_event ev = { 0 };
	int match;

	if (lfh_event_decode(raw, len, &ev, NULL))
		return 0;
	match = !c->category || strcmp(ev.category, c->category) == 0;
	lfh_event_clear(&ev);
	if (!match)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		case_event *p = realloc(c->ev, cap * sizeof *p);
		if (!p)
			return LFH_ENOMEM;
		c->ev = p;
		c->cap = cap;
	}
	memcpy(c->ev[c->n].id, id, LFH_ID_LEN);
	c->ev[c->n++].hlc = key;
	return 0;
}

static int collect_case(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *category,
			struct collect_ctx *c, lfh_err *err)
{
	int rc;
	memset(c, 0, sizeof *c);
	c->category = category;
	rc = lfh_store_scan_case(t, case_id, collect_fn, c, err);
	if (rc == LFH_ENOMEM)
		lfh_err_set(err, rc, "out of memory");
	return rc;
}

/* The record body of a plaintext governance event. */
static int plain_body(const lfh_event *ev, lfh_record *r, lfh_err *err)
{
	return lfh_record_decode(ev->body, ev->body_len, r, err);
}

int lfh_policy_backfills_data(const lfh_rules *r, uint32_t type, const char *category,
			      const char *lead, const char *agency)
{
	return !is_governance(type) && lfh_isa_may_receive(r->isa, category, lead, agency);
}

/*
 * Serve the newcomer every earlier event of the case that the ISA lets it
 * see; if we wrote the JOIN, also ask that it be granted the sharing keys
 * for them.
 */
static int backfill(const lfh_rules *r, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		    const char *agency, const char *lead, lfh_effects *fx, size_t *shared,
		    lfh_err *err)
{
	struct collect_ctx c;
	int rc = collect_case(t, case_id, NULL, &c, err);

	*shared = 0;
	for (size_t i = 0; rc == 0 && i < c.n; i++) {
		const uint8_t *raw;
		size_t len;
		lfh_event ev = { 0 };
		if (lfh_store_get_event(t, c.ev[i].id, &raw, &len, NULL) ||
		    lfh_event_decode(raw, len, &ev, NULL))
			continue;
		if (lfh_event_find_recipient(&ev, agency) < 0 && strcmp(ev.author, agency) != 0 &&
		    (is_membership(ev.type) ||
		     lfh_policy_backfills_data(r, ev.type, ev.category, lead, agency))) {
			rc = lfh_store_rcpt_add(t, agency, c.ev[i].id, err);
			if (!rc && fx && ev.type != LFH_EV_KEY && !is_membership(ev.type) &&
			    want_grant(fx, &ev, agency))
				rc = lfh_err_set(err, LFH_ENOMEM, "out of memory");
			(*shared)++;
		}
		lfh_event_clear(&ev);
	}
	free(c.ev);
	return rc;
}

/* A participant joined: record it and backfill what the ISA lets it see. */
static int apply_join(const lfh_rules *r, lfh_txn *t, const lfh_event *ev, lfh_effects *fx,
		      lfh_err *err)
{
	lfh_record body = { 0 };
	char lead[LFH_AGENCY_MAX + 1];
	lfh_agencies parts;
	const char *agency;
	int rc = plain_body(ev, &body, err);

	if (rc)
		return rc;
	agency = lfh_record_str(&body, "agency");
	if (!agency || !lfh_isa_party_find(r->isa, agency))
		rc = lfh_err_set(err, LFH_EINVAL, "join event names no party");
	if (!rc)
		rc = lfh_parties_add(t, ev->case_id, NULL, &agency, 1, ev->hlc, err);
	if (!rc)
		rc = lfh_parties_get(t, ev->case_id, lead, &parts, err);
	/* no backfill for a JOIN that a later LEAVE already undid */
	if (!rc && strcmp(agency, r->self) != 0 && lfh_agencies_has(&parts, agency)) {
		size_t shared;
		rc = backfill(r, t, ev->case_id, agency, lead, fx, &shared, err);
		if (!rc && shared)
			log_info("case joined by %s: %zu earlier events shared with it", agency, shared);
	}
	lfh_record_clear(&body);
	return rc;
}

/*
 * What the removed agency wrote in the case stamped after its LEAVE, and
 * that came here before the LEAVE, is set aside now, as a node that got
 * the LEAVE first held it: every node ends with the same events applied.
 * Not when it joined again by a later JOIN, and never our own events.
 */
static int set_aside_after(const lfh_rules *r, lfh_txn *t, const lfh_event *ev,
			   const char *agency, lfh_err *err)
{
	char lead[LFH_AGENCY_MAX + 1];
	lfh_agencies parts;
	uint64_t left = 0;
	size_t n = 0;
	int rc;

	if (strcmp(agency, r->self) == 0)
		return 0;
	if ((rc = lfh_parties_get(t, ev->case_id, lead, &parts, err)) ||
	    lfh_agencies_has(&parts, agency))
		return rc;
	/* from the latest LEAVE naming it: the judge takes what is stamped before that one */
	if ((rc = lfh_parties_left_at(t, ev->case_id, agency, &left, err)))
		return rc;
	rc = lfh_parties_set_aside(t, ev->case_id, agency, left ? left : ev->hlc, &n, err);
	if (!rc && n)
		log_warn("case %02x%02x%02x%02x...: %zu events of %s stamped after the LEAVE that "
			 "removed it, which came here first, set aside (held)", ev->case_id[0],
			 ev->case_id[1], ev->case_id[2], ev->case_id[3], n, agency);
	return rc;
}

/*
 * An agency leaves a case: it is no longer a participant, so it receives
 * none of the case's later events; and our sharing keys move to a new epoch
 * (fx), so nothing we write from now on is under a key it holds.
 */
static int apply_leave(const lfh_rules *r, lfh_txn *t, const lfh_event *ev, lfh_effects *fx,
		       lfh_err *err)
{
	lfh_record body = { 0 }, c = { 0 };
	const char *agency;
	int rc = plain_body(ev, &body, err);

	if (rc)
		return rc;
	agency = lfh_record_str(&body, "agency");
	rc = lfh_store_case_get(t, ev->case_id, &c, err);
	if (!rc && agency) {
		rc = lfh_parties_remove(t, ev->case_id, agency, ev->hlc, err);
		if (!rc)
			rc = set_aside_after(r, t, ev, agency, err);
		if (!rc && strcmp(agency, r->self) != 0)
			fx->new_epoch = "an agency left a case";
		if (!rc)
			log_info("%s no longer takes part in case %02x%02x%02x%02x...", agency,
				 ev->case_id[0], ev->case_id[1], ev->case_id[2], ev->case_id[3]);
	} else if (rc == LFH_ENOTFOUND) {
		rc = 0; /* a case we do not hold */
	}
	lfh_record_clear(&c);
	lfh_record_clear(&body);
	return rc;
}

/* Beside a proposal (table PROPOSAL, key hash): hash 'P' -> its proposer, hash 'W' -> who
 * withdrew it. */
static int proposal_mark(lfh_txn *t, const uint8_t hash[32], char kind, const char *agency,
			 lfh_err *err)
{
	uint8_t k[33];

	memcpy(k, hash, 32);
	k[32] = (uint8_t)kind;
	return lfh_store_tbl_put(t, LFH_TBL_PROPOSAL, k, sizeof k, agency, strlen(agency), err);
}

/*
 * Only a proposal's proposer withdraws it; a withdrawal that comes before its
 * proposal waits for it (held).
 */
static int judge_withdraw(lfh_txn *t, const lfh_event *ev, lfh_err *err)
{
	char proposer[LFH_AGENCY_MAX + 1];
	lfh_record body = { 0 };
	uint8_t hash[32];
	int withdrawn, rc = plain_body(ev, &body, err);

	if (rc)
		return rc;
	if (!lfh_record_str(&body, "isa") || lfh_unhex(hash, 32, lfh_record_str(&body, "isa")))
		rc = lfh_err_set(err, LFH_ECODEC, "ISA withdrawal by %s without an isa hash", ev->author);
	lfh_record_clear(&body);
	if (!rc)
		rc = lfh_policy_proposal(t, hash, proposer, &withdrawn, err);
	if (rc)
		return rc;
	if (!proposer[0])
		return lfh_err_set(err, LFH_EHELD, "ISA withdrawal by %s of a proposal not held here yet",
				   ev->author);
	if (strcmp(proposer, ev->author) != 0)
		return lfh_err_set(err, LFH_EPERM, "ISA withdrawal by %s of a proposal by %s: only its "
				   "proposer may withdraw it", ev->author, proposer);
	return 0;
}

static int apply_isa_event(lfh_rules *r, lfh_txn *t, const lfh_event *ev,
			   const uint8_t id[LFH_ID_LEN], lfh_effects *fx, lfh_err *err)
{
	uint8_t hash[32], k[64] = { 0 };
	lfh_record body = { 0 };
	lfh_isa *isa;
	int rc = 0;

	if (ev->type == LFH_EV_ISA_PROPOSE) {
		if (!(isa = malloc(sizeof *isa)))
			return lfh_err_set(err, LFH_ENOMEM, "out of memory");
		rc = lfh_isa_decode(ev->body, ev->body_len, isa, err);
		free(isa);
		if (rc)
			return rc;
		lfh_isa_hash(ev->body, ev->body_len, hash);
		rc = lfh_store_tbl_put(t, LFH_TBL_PROPOSAL, hash, 32, ev->body, ev->body_len, err);
		if (!rc)
			rc = proposal_mark(t, hash, 'P', ev->author, err);
	} else if (ev->type == LFH_EV_ISA_WITHDRAW) {
		if ((rc = plain_body(ev, &body, err)))
			return rc;
		if (!lfh_record_str(&body, "isa") || lfh_unhex(hash, 32, lfh_record_str(&body, "isa")))
			rc = lfh_err_set(err, LFH_EINVAL, "ISA withdrawal without an isa hash");
		if (!rc)
			rc = proposal_mark(t, hash, 'W', ev->author, err);
		if (!rc)
			log_info("ISA proposal %.16s... withdrawn by its proposer %s: no more signatures",
				 lfh_record_str(&body, "isa"), ev->author);
		lfh_record_clear(&body);
		return rc;
	} else {
		const char *h;
		if ((rc = plain_body(ev, &body, err)))
			return rc;
		h = lfh_record_str(&body, "isa");
		if (!h || lfh_unhex(hash, 32, h))
			rc = lfh_err_set(err, LFH_EINVAL, "ISA signature without an isa hash");
		memcpy(k, hash, 32);
		snprintf((char *)k + 32, 32, "%s", ev->author);
		if (!rc)
			rc = lfh_store_tbl_put(t, LFH_TBL_ISA_SIG, k, sizeof k, id, LFH_ID_LEN, err);
		lfh_record_clear(&body);
	}
	return rc ? rc : lfh_policy_try_adopt(r, t, hash, fx, err);
}

int lfh_policy_apply(lfh_rules *r, lfh_txn *t, const lfh_event *ev, const uint8_t id[LFH_ID_LEN],
		     int own, lfh_effects *fx, lfh_err *err)
{
	if (!r->isa)
		return 0;
	switch (ev->type) {
	case LFH_EV_REFERRAL: {
		const char *ids[LFH_MAX_RECIPIENTS + 1];
		size_t k = 0;
		ids[k++] = ev->author;
		for (uint32_t i = 0; i < ev->nrcpt; i++)
			ids[k++] = ev->rcpt[i].agency;
		return lfh_parties_add(t, ev->case_id, ev->author, ids, k, ev->hlc, err);
	}
	case LFH_EV_JOIN:
		return apply_join(r, t, ev, own ? fx : NULL, err);
	case LFH_EV_LEAVE:
		return apply_leave(r, t, ev, fx, err);
	case LFH_EV_CLOSE: {
		lfh_record c = { 0 };
		int rc = lfh_store_case_get(t, ev->case_id, &c, err);
		if (rc && rc != LFH_ENOTFOUND)
			return rc;
		/* when it closed here, not what its author stamped (PROTOCOL.md 7.3), and
		 * never before that stamp: a clock here set back must not shorten retention */
		uint64_t now = lfh_retention_now(), stamped = lfh_hlc_ms(ev->hlc);
		rc = lfh_record_set_uint(&c, "closed_ms", now > stamped ? now : stamped, err);
		if (!rc) /* follow_closure (write.c) keeps the clock in step with later steps */
			rc = lfh_record_set_uint(&c, "closed_ever", 1, err);
		if (!rc)
			rc = lfh_store_case_put(t, ev->case_id, &c, err);
		lfh_record_clear(&c);
		return rc;
	}
	case LFH_EV_ISA_PROPOSE:
	case LFH_EV_ISA_SIGN:
	case LFH_EV_ISA_WITHDRAW:
		return apply_isa_event(r, t, ev, id, fx, err);
	default:
		return 0;
	}
}

/* ---- retention ---------------------------------------------------------- */

/*
 * Envelopes of one (case, category) kept outside the event log (held aside,
 * or kept as evidence), to drop when it is shredded: each one's key in its
 * table, and its author and seq.
 */
struct kept_of {
	const uint8_t *case_id;
	const char *category;
	struct kept_entry {
		uint8_t key[LFH_CASE_LEN + LFH_ID_LEN];
		char author[LFH_AGENCY_MAX + 1];
		uint64_t seq;
	} *e;
	size_t n, cap;
};

/* Note envelope raw (its table key key) if it is of the (case, category). 0, or LFH_ENOMEM. */
static int kept_add(struct kept_of *k, const uint8_t *key, size_t klen, const uint8_t *raw,
		    size_t len)
{
	lfh_event ev = { 0 };
	int rc = 0;

	if (klen > sizeof k->e[0].key || lfh_event_decode(raw, len, &ev, NULL))
		return 0;
	if (memcmp(ev.case_id, k->case_id, LFH_CASE_LEN) || strcmp(ev.category, k->category))
		goto out;
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 16;
		struct kept_entry *p = realloc(k->e, cap * sizeof *p);
		if (!p) {
			rc = LFH_ENOMEM;
			goto out;
		}
		k->e = p;
		k->cap = cap;
	}
	memcpy(k->e[k->n].key, key, klen);
	snprintf(k->e[k->n].author, sizeof k->e[k->n].author, "%s", ev.author);
	k->e[k->n++].seq = ev.seq;
out:
	lfh_event_clear(&ev);
	return rc;
}

static int held_of_fn(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	return klen == LFH_CASE_LEN + LFH_ID_LEN ? kept_add(ctx, key, klen, val, vlen) : 0;
}

static int evidence_of_fn(void *ctx, uint64_t key, const uint8_t id[LFH_ID_LEN],
			  const uint8_t *raw, size_t len)
{
	(void)key;
	return kept_add(ctx, id, LFH_ID_LEN, raw, len);
}

/*
 * Events of a shredded (case, category) kept aside until their case was
 * known go too: a KEY among them would give its sharing key back to
 * anyone holding our box key. Each author's count of held events
 * (meta held:<author>, node/sync/ingest.c) follows.
 */
static int drop_held(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *category,
		     lfh_err *err)
{
	struct kept_of h = { .case_id = case_id, .category = category };
	char name[LFH_META_NAME_BUF];
	uint64_t count;
	int rc = lfh_store_tbl_scan(t, LFH_TBL_HELD, case_id, LFH_CASE_LEN, held_of_fn, &h, err);

	if (rc == LFH_ENOMEM)
		lfh_err_set(err, rc, "out of memory");
	for (size_t i = 0; rc == 0 && i < h.n; i++) {
		rc = lfh_store_tbl_del(t, LFH_TBL_HELD, h.e[i].key, LFH_CASE_LEN + LFH_ID_LEN, err);
		lfh_store_meta_name(name, "held", h.e[i].author);
		if (!rc && !(rc = lfh_store_meta_get(t, name, &count, err)) && count)
			rc = lfh_store_meta_put(t, name, count - 1, err);
	}
	free(h.e);
	return rc;
}

/*
 * The evidence kept of a shredded (case, category) goes too: a KEY among it
 * is sealed to our box key, and a plaintext event (a CLOSE's reason, a
 * JOIN) is readable as it is.
 */
static int drop_evidence(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *category,
			 lfh_err *err)
{
	struct kept_of c = { .case_id = case_id, .category = category };
	int rc = lfh_store_scan_evidence(t, evidence_of_fn, &c, err);

	if (rc == LFH_ENOMEM)
		lfh_err_set(err, rc, "out of memory");
	for (size_t i = 0; rc == 0 && i < c.n; i++)
		rc = lfh_store_evidence_del(t, c.e[i].key, c.e[i].author, c.e[i].seq, err);
	free(c.e);
	return rc;
}

/* Shred one (case, category): keys, ciphertext, and a record that it was done. */
static int shred(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		 const char *category, uint64_t now_ms, lfh_err *err)
{
	struct collect_ctx c = { 0 }; /* freed below even if keys_delete fails */
	uint8_t k[LFH_CASE_LEN + 32] = { 0 };
	uint64_t keys = 0;
	lfh_record r = { 0 };
	lfh_buf b = { 0 };
	char hex[2 * LFH_CASE_LEN + 1];
	int rc = lfh_store_keys_delete(t, case_id, category, &keys, err);

	if (!rc) /* what the reports kept of the case no longer holds */
		rc = lfh_summary_drop(t, case_id, err);
	if (!rc)
		rc = collect_case(t, case_id, category, &c, err);
	for (size_t i = 0; rc == 0 && i < c.n; i++)
		rc = lfh_quota_shred_event(t, c.ev[i].id, case_id, c.ev[i].hlc, err);
	free(c.ev);
	if (!rc)
		rc = drop_held(t, case_id, category, err);
	if (!rc)
		rc = drop_evidence(t, case_id, category, err);
	if (!rc && (lfh_record_set_uint(&r, "ms", now_ms, err) ||
		    lfh_record_set_uint(&r, "events", c.n, err) ||
		    lfh_record_set_uint(&r, "keys", keys, err) ||
		    lfh_record_encode(&r, &b, err)))
		rc = err ? err->code : LFH_ENOMEM;
	memcpy(k, case_id, LFH_CASE_LEN);
	snprintf((char *)k + LFH_CASE_LEN, 32, "%s", category);
	if (!rc)
		rc = lfh_store_tbl_put(t, LFH_TBL_SHRED, k, sizeof k, b.data, b.len, err);
	lfh_record_clear(&r);
	if (!rc) {
		lfh_record_set_uint(&r, "ms", now_ms, err);
		lfh_record_set_str(&r, "cmd", "shred", err);
		lfh_record_set_str(&r, "by", "retention", err);
		lfh_hex(hex, case_id, LFH_CASE_LEN);
		lfh_record_set_str(&r, "case", hex, err);
		lfh_record_set_str(&r, "category", category, err);
		rc = lfh_store_audit_append(t, &r, err);
		log_info("retention: shredded case %.12s category %s (%llu events, %llu keys)", hex,
			 category, (unsigned long long)c.n, (unsigned long long)keys);
	}
	lfh_record_clear(&r);
	lfh_buf_free(&b);
	return rc;
}

struct retention_ctx {
	const lfh_rules *r;
	lfh_txn *t;
	uint64_t now_ms, count;
	lfh_err *err;
};

/* The categories of a case's keys that the ISA in force no longer has. */
struct dropped {
	const lfh_isa *isa;
	size_t n;
	char name[8][LFH_CATEGORY_MAX + 1];
};

static int dropped_fn(void *ctx, const uint8_t case_id[LFH_CASE_LEN], const char *category,
		      const char *creator, uint32_t epoch)
{
	struct dropped *d = ctx;

	(void)case_id;
	(void)creator;
	(void)epoch;
	if (lfh_isa_category_find(d->isa, category))
		return 0;
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->name[i], category))
			return 0;
	if (d->n == sizeof d->name / sizeof d->name[0])
		return 1; /* the rest at the next pass */
	snprintf(d->name[d->n++], sizeof d->name[0], "%s", category);
	return 0;
}

/*
 * A category a later version of the ISA dropped has no retention period of
 * its own any more: its data is kept as long as the longest the ISA in force
 * keeps any, then shredded like the others (PROTOCOL.md 5.4).
 */
static int shred_dropped(struct retention_ctx *c, const uint8_t case_id[LFH_CASE_LEN],
			 uint64_t closed)
{
	struct dropped d = { .isa = c->r->isa };
	uint32_t longest = 0;
	int rc, done;

	for (uint32_t i = 0; i < c->r->isa->ncategories; i++)
		if (c->r->isa->categories[i].retention_days > longest)
			longest = c->r->isa->categories[i].retention_days;
	if (closed + (uint64_t)longest * DAY_MS > c->now_ms)
		return 0;
	rc = lfh_store_scan_case_key_names(c->t, case_id, dropped_fn, &d, c->err);
	for (size_t i = 0; rc == 0 && i < d.n; i++) {
		rc = lfh_policy_shredded(c->t, case_id, d.name[i], &done, c->err);
		if (!rc && !done) {
			rc = shred(c->t, case_id, d.name[i], c->now_ms, c->err);
			c->count++;
		}
	}
	return rc;
}

static int retention_case_fn(void *vctx, const uint8_t case_id[LFH_CASE_LEN], const lfh_record *r)
{
	struct retention_ctx *c = vctx;
	uint64_t closed;
	int rc = 0;

	if (!lfh_record_uint(r, "closed_ms", &closed))
		return 0;
	for (uint32_t i = 0; rc == 0 && i < c->r->isa->ncategories; i++) {
		const lfh_isa_category *cat = &c->r->isa->categories[i];
		int done;
		if (closed + (uint64_t)cat->retention_days * DAY_MS > c->now_ms)
			continue;
		rc = lfh_policy_shredded(c->t, case_id, cat->name, &done, c->err);
		if (rc || done)
			continue;
		rc = shred(c->t, case_id, cat->name, c->now_ms, c->err);
		c->count++;
	}
	return rc ? rc : shred_dropped(c, case_id, closed);
}

int lfh_policy_retention(const lfh_rules *r, lfh_txn *t, uint64_t now_ms, uint64_t *count,
			 lfh_err *err)
{
	struct retention_ctx c = { r, t, now_ms, 0, err };
	int rc;

	*count = 0;
	if (!r->isa)
		return 0;
	rc = lfh_store_scan_cases(t, retention_case_fn, &c, err);
	*count = c.count;
	return rc;
}
