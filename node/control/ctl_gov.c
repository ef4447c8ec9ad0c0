/*
 * ctl_gov.c - control commands of governance (see include/lfh/ctl.h): who
 * takes part in a case, closing it, the ISA in force and its next versions,
 * why each agency holds what it holds, and retention.
 *
 *   case_invite  case agency          JOIN: the agency becomes a participant
 *   case_remove  case agency reason   LEAVE: it no longer takes part (lead only);
 *                                     sharing keys move to a new epoch
 *   case_close   case [reason]        CLOSE: starts the retention clocks
 *   isa_show                          the version in force, in plain words and
 *                                     its encoding, and pending proposals with
 *                                     signatures (given and missing)
 *   isa_propose  path                 ISA_PROPOSE of the next version
 *   isa_sign     path                 ISA_SIGN of that version by this agency
 *   isa_explain  case                 per category: who holds it, and why
 *   retention_run                     shred what is due now (the node's clock, or
 *                                     for tests the file LFH_TEST_CLOCK_FILE names)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/ctl.h"
#include "lfh/hlc.h"
#include "lfh/isa.h"
#include "lfh/judge.h"
#include "lfh/osara.h"
#include "lfh/parties.h"
#include "lfh/policy.h"
#include "lfh/reref.h"
#include "lfh/project.h"

#define REASON_MAX 2000

static int need_isa(lfh_ctl_req *q)
{
	if (lfh_policy_active(&q->node->rules))
		return 0;
	return lfh_ctl_fail(&q->rep, LFH_EINVAL,
			    "this node runs without an ISA (config: isa = FILE)");
}

/* Is this governance step valid in the case's OSARA state? (reply set if not) */
static int osara_allows(lfh_ctl_req *q, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			uint32_t type, const lfh_record *body)
{
	return lfh_ctl_step_allowed(q, t, case_id, type, body, 0);
}

/* Write a governance event with a plaintext record body, then reply. */
static int write_gov(lfh_ctl_req *q, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		     uint32_t type, const char *category, const char *joining,
		     const lfh_record *body)
{
	lfh_buf b = { 0 };
	lfh_err err = { 0 };
	int rc = lfh_record_encode(body, &b, &err);

	if (!rc)
		rc = lfh_node_write_plain(q->node, t, case_id, type, category,
					  joining ? &joining : NULL, joining ? 1 : 0, b.data, b.len,
					  &q->wr, &err);
	lfh_buf_free(&b);
	if (rc)
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	return lfh_ctl_written(q, case_id);
}

/*
 * An agency invited after the case's lead changed cannot verify the new
 * lead's right to invite it: it learns of the change only by reading the
 * case, once it takes part, and takes the agency that opened the case for
 * the lead until then. It would refuse the JOIN and its keys and never get
 * the case, while every other node counted it in (PROTOCOL.md 5.1). Refused
 * here, saying so, until lead changes reach the agencies outside the case.
 */
static int invite_verifiable(lfh_ctl_req *q, const uint8_t case_id[LFH_CASE_LEN],
			     const char *lead, const char *agency)
{
	char creator[LFH_AGENCY_MAX + 1] = "", msg[LFH_ERRMSG_MAX];

	lfh_judge_case_creator(&q->node->rules, case_id, creator);
	if (!creator[0] || !strcmp(creator, lead))
		return 0;
	snprintf(msg, sizeof msg, "%s leads since a lead change, which %s cannot verify before "
		 "taking part: it would never get the case. Inviting after a lead change is not "
		 "supported yet; refer a new case to it", lead, agency);
	return lfh_ctl_fail(&q->rep, LFH_EPERM, msg);
}

int ctl_case_invite(lfh_ctl_req *q, lfh_txn *t)
{
	char lead[LFH_AGENCY_MAX + 1];
	lfh_agencies parts;
	char msg[LFH_ERRMSG_MAX];
	uint8_t case_id[LFH_CASE_LEN];
	const char *agency, *by;
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	int rc;

	if ((rc = need_isa(q)))
		return rc;
	if (!(agency = lfh_ctl_need(&q->req, "agency", LFH_AGENCY_MAX, &q->rep)) ||
	    !(by = lfh_ctl_need(&q->req, "by", LFH_CTL_BY_MAX, &q->rep)))
		return q->rep.code;
	if ((rc = lfh_ctl_find_case(t, lfh_record_str(&q->req, "case"), case_id, &q->rep)))
		return rc;
	if (!lfh_isa_party_find(q->node->rules.isa, agency)) {
		snprintf(msg, sizeof msg, "'%.40s' is not a party of the ISA in force", agency);
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, msg);
	}
	if ((rc = lfh_parties_get(t, case_id, lead, &parts, &err)))
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	if (!lead[0])
		return lfh_ctl_fail(&q->rep, LFH_ENOTFOUND, "this node holds no referral for that case");
	if (!lfh_agencies_has(&parts, q->node->cfg.agency))
		return lfh_ctl_fail(&q->rep, LFH_EPERM, "only a participant of the case may invite");
	if ((rc = invite_verifiable(q, case_id, lead, agency)))
		return rc;
	if (lfh_record_set_str(&body, "agency", agency, &err) ||
	    lfh_record_set_str(&body, "by", by, &err))
		rc = lfh_ctl_fail(&q->rep, err.code, err.msg);
	else if (!(rc = osara_allows(q, t, case_id, LFH_EV_JOIN, &body)))
		rc = write_gov(q, t, case_id, LFH_EV_JOIN, "referral", agency, &body);
	lfh_record_clear(&body);
	return rc;
}

int ctl_case_remove(lfh_ctl_req *q, lfh_txn *t)
{
	char lead[LFH_AGENCY_MAX + 1];
	lfh_agencies parts;
	char msg[LFH_ERRMSG_MAX];
	uint8_t case_id[LFH_CASE_LEN];
	const char *agency, *by, *reason;
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	int rc;

	if ((rc = need_isa(q)))
		return rc;
	if (!(agency = lfh_ctl_need(&q->req, "agency", LFH_AGENCY_MAX, &q->rep)) ||
	    !(reason = lfh_ctl_need(&q->req, "reason", REASON_MAX, &q->rep)) ||
	    !(by = lfh_ctl_need(&q->req, "by", LFH_CTL_BY_MAX, &q->rep)))
		return q->rep.code;
	if ((rc = lfh_ctl_find_case(t, lfh_record_str(&q->req, "case"), case_id, &q->rep)))
		return rc;
	if ((rc = lfh_parties_get(t, case_id, lead, &parts, &err)))
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	if (strcmp(lead, q->node->cfg.agency) != 0) {
		snprintf(msg, sizeof msg, "only the lead agency (%s) may remove an agency from the case",
			 lead[0] ? lead : "unknown");
		return lfh_ctl_fail(&q->rep, LFH_EPERM, msg);
	}
	if (lfh_record_set_str(&body, "agency", agency, &err) ||
	    lfh_record_set_str(&body, "reason", reason, &err) ||
	    lfh_record_set_str(&body, "by", by, &err))
		rc = lfh_ctl_fail(&q->rep, err.code, err.msg);
	else if (!(rc = osara_allows(q, t, case_id, LFH_EV_LEAVE, &body)))
		rc = write_gov(q, t, case_id, LFH_EV_LEAVE, "referral", NULL, &body);
	lfh_record_clear(&body);
	return rc;
}

int ctl_case_close(lfh_ctl_req *q, lfh_txn *t)
{
	uint8_t case_id[LFH_CASE_LEN];
	const char *by, *reason = lfh_record_str(&q->req, "reason");
	lfh_record body = { 0 }, meta = { 0 };
	lfh_err err = { 0 };
	uint64_t closed;
	int rc;

	if ((rc = need_isa(q)))
		return rc;
	if (!(by = lfh_ctl_need(&q->req, "by", LFH_CTL_BY_MAX, &q->rep)))
		return q->rep.code;
	if (reason && strlen(reason) > REASON_MAX)
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "reason is too long (max 2000 characters)");
	if ((rc = lfh_ctl_find_case(t, lfh_record_str(&q->req, "case"), case_id, &q->rep)))
		return rc;
	if ((rc = lfh_store_case_get(t, case_id, &meta, &err)))
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	rc = lfh_record_uint(&meta, "closed_ms", &closed);
	lfh_record_clear(&meta);
	if (rc)
		return lfh_ctl_fail(&q->rep, LFH_EEXIST, "the case is already closed");
	if (lfh_record_set_str(&body, "by", by, &err) ||
	    lfh_record_set_str(&body, "reason", reason ? reason : "", &err))
		rc = lfh_ctl_fail(&q->rep, err.code, err.msg);
	else if (!(rc = osara_allows(q, t, case_id, LFH_EV_CLOSE, &body)))
		rc = write_gov(q, t, case_id, LFH_EV_CLOSE, "referral", NULL, &body);
	lfh_record_clear(&body);
	return rc;
}

struct proposal_ctx {
	lfh_ctl_req *q;
	lfh_txn *t;
	int rc;
};

static int sig_list_fn(void *vctx, const uint8_t *key, size_t klen, const uint8_t *val,
		       size_t vlen)
{
	char *list = vctx;
	(void)val;
	(void)vlen;
	if (klen == 64) {
		if (*list)
			strncat(list, ",", 1024 - strlen(list) - 1);
		strncat(list, (const char *)key + 32, 1024 - strlen(list) - 1);
	}
	return 0;
}

/* Is id one of the comma-separated ids in list? */
static int in_list(const char *list, const char *id)
{
	size_t n = strlen(id);

	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && !strncmp(p, id, n))
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

/*
 * The agencies whose signature the version in force requires of its
 * successor (lfh_isa_signed_enough) that are not in signed_by, comma-separated.
 */
static void missing_signers(const lfh_isa *isa, const char *signed_by, char *out, size_t size)
{
	uint32_t need = isa->nsigners ? isa->nsigners : isa->nparties;
	size_t len = 0;

	out[0] = '\0';
	for (uint32_t i = 0; i < need && len < size; i++) {
		const char *who = isa->nsigners ? isa->signers[i] : isa->parties[i].id;
		if (!in_list(signed_by, who))
			len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "," : "", who);
	}
}

/* Does proposal p follow the version in force (14.4: same hub, version + 1, prev)? */
static int follows_current(const lfh_rules *r, const lfh_isa *p)
{
	return strcmp(p->hub, r->isa->hub) == 0 && p->version == r->isa->version + 1 &&
	       memcmp(p->prev, r->isa_hash, 32) == 0;
}

/* One record per pending proposal: version, hash, who has signed, who must still sign. */
static int proposal_fn(void *vctx, const uint8_t *key, size_t klen, const uint8_t *val,
		       size_t vlen)
{
	struct proposal_ctx *c = vctx;
	lfh_isa *isa = malloc(sizeof *isa);
	lfh_record *out;
	lfh_err err = { 0 };
	char hex[65], signers[1024] = "", missing[LFH_ISA_MAX_PARTIES * (LFH_AGENCY_MAX + 1) + 1];
	char proposer[LFH_AGENCY_MAX + 1];
	int withdrawn = 0, rc;

	if (!isa)
		return LFH_ENOMEM;
	rc = klen == 32 ? lfh_isa_decode(val, vlen, isa, &err) : LFH_ECODEC;
	if (rc || isa->version <= c->q->node->rules.isa->version) {
		free(isa);
		return 0; /* adopted or superseded */
	}
	lfh_hex(hex, key, 32);
	lfh_policy_proposal(c->t, key, proposer, &withdrawn, &err);
	lfh_store_tbl_scan(c->t, LFH_TBL_ISA_SIG, key, 32, sig_list_fn, signers, &err);
	missing_signers(c->q->node->rules.isa, signers, missing, sizeof missing);
	out = lfh_ctl_add(&c->q->rep);
	if (!out || lfh_record_set_str(out, "proposal", hex, &err) ||
	    lfh_record_set_uint(out, "version", isa->version, &err) ||
	    lfh_record_set_str(out, "signed_by", signers, &err) ||
	    lfh_record_set_str(out, "missing", missing, &err) ||
	    lfh_record_set_uint(out, "follows", follows_current(&c->q->node->rules, isa), &err) ||
	    lfh_record_set_str(out, "proposer", proposer, &err) ||
	    lfh_record_set_uint(out, "withdrawn", (uint64_t)withdrawn, &err))
		rc = LFH_ENOMEM;
	free(isa);
	return rc;
}

/*
 * The canonical encoding (PROTOCOL.md 14.2) of isa in hex, so a client can
 * compare versions: field `encoding`, continued in `encoding_01`,
 * `encoding_02`, ... when longer than one value (LFH_VALUE_MAX hex digits each).
 */
static int put_encoding(lfh_record *out, const lfh_isa *isa, lfh_err *err)
{
	lfh_buf raw = { 0 };
	char *hex = NULL, key[32];
	size_t total;
	int rc = lfh_isa_encode(isa, &raw, err);

	if (!rc && !(hex = malloc(2 * raw.len + 1)))
		rc = lfh_err_set(err, LFH_ENOMEM, "out of memory");
	if (!rc)
		lfh_hex(hex, raw.data, raw.len);
	total = 2 * raw.len;
	for (size_t off = 0, i = 0; !rc && off < total; off += LFH_VALUE_MAX, i++) {
		size_t end = total - off > LFH_VALUE_MAX ? off + LFH_VALUE_MAX : total;
		char save = hex[end];
		if (i == 0)
			snprintf(key, sizeof key, "encoding");
		else
			snprintf(key, sizeof key, "encoding_%02zu", i);
		hex[end] = '\0';
		rc = lfh_record_set_str(out, key, hex + off, err);
		hex[end] = save;
	}
	free(hex);
	lfh_buf_free(&raw);
	return rc;
}

int ctl_isa_show(lfh_ctl_req *q, lfh_txn *t)
{
	const lfh_isa *isa = q->node->rules.isa;
	lfh_record *out;
	lfh_buf text = { 0 };
	lfh_err err = { 0 };
	struct proposal_ctx pc = { q, t, 0 };
	char hex[65], hub[65];
	int rc;

	if ((rc = need_isa(q)))
		return rc;
	lfh_hex(hex, q->node->rules.isa_hash, 32);
	lfh_hex(hub, q->node->rules.hub_id, 32);
	rc = lfh_isa_describe(isa, &text, &err);
	out = rc ? NULL : lfh_ctl_add(&q->rep);
	if (!rc && (!out || lfh_record_set_str(out, "hub", isa->hub, &err) ||
		    lfh_record_set_str(out, "hub_id", hub, &err) ||
		    lfh_record_set_uint(out, "version", isa->version, &err) ||
		    lfh_record_set_str(out, "hash", hex, &err) ||
		    lfh_record_set_str(out, "effective", isa->effective, &err) ||
		    lfh_record_set_str(out, "review", isa->review, &err) ||
		    lfh_record_set_str(out, "text", text.len > LFH_VALUE_MAX ? "(too long)"
						      : (const char *)text.data, &err) ||
		    put_encoding(out, isa, &err)))
		rc = err.code ? err.code : LFH_ENOMEM;
	if (!rc)
		rc = lfh_store_tbl_scan(t, LFH_TBL_PROPOSAL, NULL, 0, proposal_fn, &pc, &err);
	lfh_buf_free(&text);
	return rc ? lfh_ctl_fail(&q->rep, rc, err.msg[0] ? err.msg : "out of memory") : 0;
}

/* The file named by the request, parsed as the proposal of the next version. */
static int next_version(lfh_ctl_req *q, lfh_isa **isa, lfh_buf *bytes, uint8_t hash[32])
{
	const char *path = lfh_ctl_need(&q->req, "path", LFH_PATH_MAX - 1, &q->rep);
	lfh_err err = { 0 };
	int rc;

	if (!path)
		return q->rep.code;
	if (!(*isa = malloc(sizeof **isa)))
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	rc = lfh_policy_parse_next(&q->node->rules, path, *isa, bytes, hash, &err);
	return rc ? lfh_ctl_fail(&q->rep, LFH_EINVAL, err.msg) : 0;
}

int ctl_isa_propose(lfh_ctl_req *q, lfh_txn *t)
{
	static const uint8_t no_case[LFH_CASE_LEN];
	lfh_isa *isa = NULL;
	lfh_buf bytes = { 0 };
	lfh_err err = { 0 };
	uint8_t hash[32];
	int rc = need_isa(q);

	if (!rc)
		rc = next_version(q, &isa, &bytes, hash);
	if (!rc && lfh_isa_usable(isa, &err))
		rc = lfh_ctl_fail(&q->rep, LFH_EINVAL, err.msg);
	if (!rc) {
		rc = lfh_node_write_plain(q->node, t, no_case, LFH_EV_ISA_PROPOSE, LFH_ISA_CATEGORY, NULL, 0,
					  bytes.data, bytes.len, &q->wr, &err);
		rc = rc ? lfh_ctl_fail(&q->rep, rc, err.msg) : lfh_ctl_written(q, no_case);
	}
	free(isa);
	lfh_buf_free(&bytes);
	return rc;
}

/* A withdrawn proposal is signed no more (PROTOCOL.md 14.8). */
static int refuse_withdrawn(lfh_ctl_req *q, lfh_txn *t, const uint8_t hash[32])
{
	char proposer[LFH_AGENCY_MAX + 1], msg[LFH_ERRMSG_MAX];
	lfh_err err = { 0 };
	int withdrawn = 0;

	if (lfh_policy_proposal(t, hash, proposer, &withdrawn, &err))
		return lfh_ctl_fail(&q->rep, err.code, err.msg);
	if (!withdrawn)
		return 0;
	snprintf(msg, sizeof msg, "this proposal was withdrawn by its proposer (%s): it is signed "
		 "no more; sign the version that replaces it", proposer);
	return lfh_ctl_fail(&q->rep, LFH_EPERM, msg);
}

/*
 * A party signs one proposal of a version: had it signed two rivals (same
 * version, same predecessor), both could be signed by every party and the
 * hub's nodes adopt whichever was complete first at each (PROTOCOL.md 14.8).
 */
static int refuse_rival(lfh_ctl_req *q, lfh_txn *t, const uint8_t hash[32], const lfh_isa *isa)
{
	char msg[LFH_ERRMSG_MAX], hex[65];
	uint8_t rival[32];
	lfh_err err = { 0 };
	int found = 0;

	if (lfh_policy_signed_rival(t, hash, isa->version, isa->prev, q->node->cfg.agency, rival,
				    &found, &err))
		return lfh_ctl_fail(&q->rep, err.code, err.msg);
	if (!found)
		return 0;
	lfh_hex(hex, rival, 32);
	snprintf(msg, sizeof msg, "this agency signed another proposal of version %u already (%.16s), "
		 "not withdrawn: a party signs one proposal of a version, or two could be adopted "
		 "at different nodes; its proposer withdraws it first (lfh isa withdraw)",
		 isa->version, hex);
	return lfh_ctl_fail(&q->rep, LFH_EPERM, msg);
}

/* Withdraw a proposal of ours: the hub's nodes sign it no more. */
int ctl_isa_withdraw(lfh_ctl_req *q, lfh_txn *t)
{
	static const uint8_t no_case[LFH_CASE_LEN];
	char proposer[LFH_AGENCY_MAX + 1], hex[65];
	lfh_isa *isa = NULL;
	lfh_buf bytes = { 0 };
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	uint8_t hash[32];
	int withdrawn = 0, rc = need_isa(q);

	if (!rc)
		rc = next_version(q, &isa, &bytes, hash);
	if (!rc && lfh_policy_proposal(t, hash, proposer, &withdrawn, &err))
		rc = lfh_ctl_fail(&q->rep, err.code, err.msg);
	if (!rc && !proposer[0])
		rc = lfh_ctl_fail(&q->rep, LFH_ENOTFOUND, "no proposal of this version is held here");
	if (!rc && strcmp(proposer, q->node->cfg.agency) != 0)
		rc = lfh_ctl_fail(&q->rep, LFH_EPERM, "only its proposer withdraws a proposal: this one "
				  "is not this agency's");
	if (!rc && withdrawn)
		rc = lfh_ctl_fail(&q->rep, LFH_EEXIST, "this proposal is withdrawn already");
	lfh_hex(hex, hash, 32);
	if (!rc && (lfh_record_set_str(&body, "isa", hex, &err) ||
		    lfh_record_set_uint(&body, "version", isa->version, &err)))
		rc = lfh_ctl_fail(&q->rep, err.code, err.msg);
	if (!rc)
		rc = write_gov(q, t, no_case, LFH_EV_ISA_WITHDRAW, LFH_ISA_CATEGORY, NULL, &body);
	lfh_record_clear(&body);
	free(isa);
	lfh_buf_free(&bytes);
	return rc;
}

int ctl_isa_sign(lfh_ctl_req *q, lfh_txn *t)
{
	static const uint8_t no_case[LFH_CASE_LEN];
	lfh_isa *isa = NULL;
	lfh_buf bytes = { 0 };
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	uint8_t hash[32];
	char hex[65];
	int rc = need_isa(q);

	if (!rc)
		rc = next_version(q, &isa, &bytes, hash);
	if (!rc && lfh_store_tbl_get(t, LFH_TBL_PROPOSAL, hash, 32, NULL, NULL, NULL) != 0)
		rc = lfh_ctl_fail(&q->rep, LFH_ENOTFOUND,
				  "no proposal of this version is held here: propose it first "
				  "(lfh isa propose FILE)");
	if (!rc)
		rc = refuse_withdrawn(q, t, hash);
	if (!rc)
		rc = refuse_rival(q, t, hash, isa);
	lfh_hex(hex, hash, 32);
	if (!rc && (lfh_record_set_str(&body, "isa", hex, &err) ||
		    lfh_record_set_uint(&body, "version", isa->version, &err)))
		rc = lfh_ctl_fail(&q->rep, err.code, err.msg);
	if (!rc)
		rc = write_gov(q, t, no_case, LFH_EV_ISA_SIGN, LFH_ISA_CATEGORY, NULL, &body);
	lfh_record_clear(&body);
	free(isa);
	lfh_buf_free(&bytes);
	return rc;
}

/* Per (category, agency): who holds events of this case here, and why. */
struct explain_ctx {
	size_t n;
	struct {
		char category[LFH_CATEGORY_MAX + 1];
		char agency[LFH_AGENCY_MAX + 1];
		int author;
	} held[256];
};

static void explain_note(struct explain_ctx *x, const char *category, const char *agency,
			 int author)
{
	for (size_t i = 0; i < x->n; i++)
		if (!strcmp(x->held[i].category, category) && !strcmp(x->held[i].agency, agency)) {
			x->held[i].author |= author;
			return;
		}
	if (x->n == sizeof x->held / sizeof x->held[0])
		return;
	snprintf(x->held[x->n].category, sizeof x->held[0].category, "%s", category);
	snprintf(x->held[x->n].agency, sizeof x->held[0].agency, "%s", agency);
	x->held[x->n++].author = author;
}

static int explain_fn(void *vctx, uint64_t key, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		      size_t len)
{
	struct explain_ctx *x = vctx;
	lfh_event ev = { 0 };
	(void)key;
	(void)id;
	if (lfh_event_decode(raw, len, &ev, NULL))
		return 0;
	if (ev.type != LFH_EV_KEY && ev.type != LFH_EV_JOIN && ev.type != LFH_EV_CLOSE) {
		explain_note(x, ev.category, ev.author, 1);
		for (uint32_t i = 0; i < ev.nrcpt; i++)
			explain_note(x, ev.category, ev.rcpt[i].agency, 0);
	}
	lfh_event_clear(&ev);
	return 0;
}

/* The rule that let agency hold category in this case, in words. */
static void explain_why(const lfh_isa *isa, const char *category, const char *agency,
			const char *lead, const lfh_agencies *parts, int author, char *out,
			size_t size)
{
	const lfh_isa_category *c = lfh_isa_category_find(isa, category);
	int named = 0;
	for (uint32_t i = 0; c && i < c->nagencies; i++)
		named |= strcmp(c->agencies[i], agency) == 0;
	if (author)
		snprintf(out, size, "wrote it");
	else if (!c)
		snprintf(out, size, "category not in the ISA in force");
	else if (named)
		snprintf(out, size, "named for %s in the ISA", category);
	else if (c->rule == LFH_RULE_ALL)
		snprintf(out, size, "%s goes to every member", category);
	else if (c->rule == LFH_RULE_LEAD && !strcmp(agency, lead))
		snprintf(out, size, "lead agency (%s goes to the lead only)", category);
	else if (c->rule == LFH_RULE_PARTICIPANTS && lfh_agencies_has(parts, agency))
		snprintf(out, size, "participant in the case (%s goes to participants)", category);
	else
		snprintf(out, size, "received under an earlier rule or version");
}

int ctl_isa_explain(lfh_ctl_req *q, lfh_txn *t)
{
	char lead[LFH_AGENCY_MAX + 1];
	lfh_agencies parts;
	struct explain_ctx *x;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_err err = { 0 };
	int rc;

	if ((rc = need_isa(q)) ||
	    (rc = lfh_ctl_find_case(t, lfh_record_str(&q->req, "case"), case_id, &q->rep)))
		return rc;
	lfh_hex(q->case_hex, case_id, LFH_CASE_LEN);
	if (!(x = calloc(1, sizeof *x)))
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	rc = lfh_parties_get(t, case_id, lead, &parts, &err);
	if (!rc)
		rc = lfh_store_scan_case(t, case_id, explain_fn, x, &err);
	for (size_t i = 0; rc == 0 && i < x->n; i++) {
		const lfh_isa_category *c = lfh_isa_category_find(q->node->rules.isa, x->held[i].category);
		lfh_record *out = lfh_ctl_add(&q->rep);
		char why[160];
		explain_why(q->node->rules.isa, x->held[i].category, x->held[i].agency, lead, &parts,
			    x->held[i].author, why, sizeof why);
		if (!out || lfh_record_set_str(out, "category", x->held[i].category, &err) ||
		    lfh_record_set_str(out, "agency", x->held[i].agency, &err) ||
		    lfh_record_set_str(out, "rule", c ? lfh_isa_rule_name(c->rule) : "-", &err) ||
		    lfh_record_set_str(out, "why", why, &err))
			rc = LFH_ENOMEM;
	}
	free(x);
	return rc ? lfh_ctl_fail(&q->rep, rc, err.msg[0] ? err.msg : "out of memory") : 0;
}

int ctl_retention_run(lfh_ctl_req *q, lfh_txn *t)
{
	uint64_t now = lfh_retention_now(), count = 0;
	lfh_record *out;
	lfh_err err = { 0 };
	int rc;

	if ((rc = need_isa(q)))
		return rc;
	rc = lfh_policy_retention(&q->node->rules, t, now, &count, &err);
	if (!rc && count) {
		uint64_t removed = 0; /* the re-referral index's entries of what was shredded */
		rc = lfh_reref_prune(t, now, &removed, &err);
	}
	if (rc)
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	out = lfh_ctl_add(&q->rep);
	if (!out || lfh_record_set_uint(out, "shredded", count, &err) ||
	    lfh_record_set_uint(out, "now_ms", now, &err))
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	return 0;
}
