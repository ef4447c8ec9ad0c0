/*
 * parties.c - who takes part in a case (include/lfh/parties.h).
 *
 * State (in LMDB, in the same transactions as the events that change it):
 *   table PARTIES    case(16) agency(32, NUL padded) -> hlc(8, big-endian) or
 *                    "" (older stores): the participants, and when they
 *                    joined (the REFERRAL's or the JOIN's stamp)
 *                    case(16) agency(32) 'L' -> hlc(8): the stamp of the latest
 *                    LEAVE that named the agency
 *   cases record     lead : the case's lead agency; lead_hist once it changed:
 *                    each earlier lead and the stamp of the change that ended
 *                    its lead ("police=<hlc>,housing=<hlc>", in stamp order;
 *                    lead_prev and lead_since, the last of them, as before 0.4.6)
 * Whether an agency takes part is decided by the later of its JOIN and its
 * LEAVE in stamp order, not by which arrived first, so every node holding the
 * same events agrees (PROTOCOL.md 7.3).
 * A set of participants is an lfh_agencies in memory and one table key per
 * agency on disk: membership is an exact match, never a substring.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/log.h"
#include "lfh/osara.h"
#include "lfh/parties.h"
#include "lfh/quota.h"

/* Set once the store keeps participants in PARTIES (earlier stores: a "participants" field). */
#define META_PARTIES_TABLE "parties_table"

#define PARTY_KEY_LEN (LFH_CASE_LEN + 32)

/* Key of table PARTIES: case(16) agency(32, NUL padded). */
static void party_key(uint8_t k[PARTY_KEY_LEN], const uint8_t case_id[LFH_CASE_LEN],
		      const char *agency)
{
	memset(k, 0, PARTY_KEY_LEN);
	memcpy(k, case_id, LFH_CASE_LEN);
	memcpy(k + LFH_CASE_LEN, agency, strnlen(agency, LFH_AGENCY_MAX));
}

static int party_fn(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	char id[LFH_AGENCY_MAX + 1];

	(void)val;
	(void)vlen;
	if (klen != PARTY_KEY_LEN)
		return 0;
	memcpy(id, key + LFH_CASE_LEN, LFH_AGENCY_MAX);
	id[LFH_AGENCY_MAX] = '\0';
	lfh_agencies_add(ctx, id); /* the table holds only what the rules put there */
	return 0;
}

int lfh_parties_get(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		    char lead[LFH_AGENCY_MAX + 1], lfh_agencies *participants, lfh_err *err)
{
	lfh_record r = { 0 };
	int rc = lfh_store_case_get(t, case_id, &r, err);
	const char *l;

	lead[0] = '\0';
	memset(participants, 0, sizeof *participants);
	if (rc && rc != LFH_ENOTFOUND)
		return rc;
	l = lfh_record_str(&r, "lead");
	snprintf(lead, LFH_AGENCY_MAX + 1, "%s", l ? l : "");
	lfh_record_clear(&r);
	return lfh_store_tbl_scan(t, LFH_TBL_PARTIES, case_id, LFH_CASE_LEN, party_fn, participants,
				  err);
}

/* Scan callback: an agency's entry, or its LEAVE's ('L' after it), names it. */
static int ever_fn(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	char id[LFH_AGENCY_MAX + 1];

	(void)val;
	(void)vlen;
	if (klen != PARTY_KEY_LEN && !(klen == PARTY_KEY_LEN + 1 && key[PARTY_KEY_LEN] == 'L'))
		return 0;
	memcpy(id, key + LFH_CASE_LEN, LFH_AGENCY_MAX);
	id[LFH_AGENCY_MAX] = '\0';
	lfh_agencies_add(ctx, id);
	return 0;
}

int lfh_parties_ever(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], lfh_agencies *out,
		     lfh_err *err)
{
	memset(out, 0, sizeof *out);
	return lfh_store_tbl_scan(t, LFH_TBL_PARTIES, case_id, LFH_CASE_LEN, ever_fn, out, err);
}

/* The stamp kept under key k (klen bytes): *hlc, 0 if none; *found if the key is held. */
static int stamp_get(lfh_txn *t, const uint8_t *k, size_t klen, uint64_t *hlc, int *found,
		     lfh_err *err)
{
	const uint8_t *v;
	size_t vlen;
	int rc = lfh_store_tbl_get(t, LFH_TBL_PARTIES, k, klen, &v, &vlen, err);

	*hlc = 0;
	*found = rc == 0;
	if (rc == LFH_ENOTFOUND)
		return 0;
	if (!rc && vlen == 8)
		*hlc = lfh_be64_get(v);
	return rc;
}

static int stamp_put(lfh_txn *t, const uint8_t *k, size_t klen, uint64_t hlc, lfh_err *err)
{
	uint8_t v[8];
	lfh_be64_put(v, hlc);
	return lfh_store_tbl_put(t, LFH_TBL_PARTIES, k, klen, v, sizeof v, err);
}

int lfh_parties_left_at(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *agency,
			uint64_t *hlc, lfh_err *err)
{
	uint8_t k[PARTY_KEY_LEN + 1];
	int found;

	party_key(k, case_id, agency);
	k[PARTY_KEY_LEN] = 'L';
	return stamp_get(t, k, sizeof k, hlc, &found, err);
}

/* agency takes part from hlc on, unless a LEAVE stamped later already came. */
static int party_put(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *agency,
		     uint64_t hlc, lfh_err *err)
{
	uint8_t k[PARTY_KEY_LEN];
	uint64_t left, joined;
	int found, rc;

	if (!lfh_name_valid(agency))
		return lfh_err_set(err, LFH_EINVAL, "invalid agency id as participant");
	if ((rc = lfh_parties_left_at(t, case_id, agency, &left, err)))
		return rc;
	if (left > hlc)
		return 0; /* removed by a LEAVE stamped after this JOIN */
	party_key(k, case_id, agency);
	if ((rc = stamp_get(t, k, sizeof k, &joined, &found, err)))
		return rc;
	return stamp_put(t, k, sizeof k, joined > hlc ? joined : hlc, err);
}

int lfh_parties_remove(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *agency,
		       uint64_t hlc, lfh_err *err)
{
	uint8_t k[PARTY_KEY_LEN + 1];
	uint64_t left, joined;
	int found, rc = lfh_parties_left_at(t, case_id, agency, &left, err);

	if (rc)
		return rc;
	party_key(k, case_id, agency);
	k[PARTY_KEY_LEN] = 'L';
	if (hlc > left && (rc = stamp_put(t, k, sizeof k, hlc, err)))
		return rc;
	if ((rc = stamp_get(t, k, PARTY_KEY_LEN, &joined, &found, err)) || !found)
		return rc;
	if (joined > hlc)
		return 0; /* joined again by a JOIN stamped after this LEAVE */
	return lfh_store_tbl_del(t, LFH_TBL_PARTIES, k, PARTY_KEY_LEN, err);
}

/* The removed agency's events of the case stamped after its LEAVE (a copy of each). */
struct after_leave {
	const char *agency;
	size_t n, cap;
	struct set_aside {
		uint8_t id[LFH_ID_LEN];
		uint64_t hlc;
		uint8_t *raw;
		size_t len;
	} *e;
};

/* What a participant writes into a case (judge.c rule 6: the steps a LEAVE stops). */
static int written_as_participant(uint32_t type)
{
	return type == LFH_EV_NOTE || (type >= LFH_EV_RISK && type <= LFH_OSARA_TYPE_LAST) ||
	       type == LFH_EV_AMEND || type == LFH_EV_REDACT || type == LFH_EV_ATTACH ||
	       type == LFH_EV_CHUNK || type == LFH_EV_KEY;
}

static int after_leave_fn(void *ctx, uint64_t key, const uint8_t id[LFH_ID_LEN],
			  const uint8_t *raw, size_t len)
{
	struct after_leave *a = ctx;
	lfh_event ev = { 0 };
	int theirs;

	if (lfh_event_decode(raw, len, &ev, NULL))
		return 0;
	theirs = strcmp(ev.author, a->agency) == 0 && written_as_participant(ev.type);
	lfh_event_clear(&ev);
	if (!theirs)
		return 0;
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 8;
		struct set_aside *p = realloc(a->e, cap * sizeof *p);
		if (!p)
			return LFH_ENOMEM;
		a->e = p;
		a->cap = cap;
	}
	if (!(a->e[a->n].raw = malloc(len)))
		return LFH_ENOMEM;
	memcpy(a->e[a->n].raw, raw, len);
	memcpy(a->e[a->n].id, id, LFH_ID_LEN);
	a->e[a->n].hlc = key;
	a->e[a->n].len = len;
	a->n++;
	return 0;
}

/* Keep one event aside (table HELD, the author's held count + 1), as ingest.c holds one. */
static int hold_aside(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *agency,
		      const struct set_aside *e, lfh_err *err)
{
	char name[LFH_META_NAME_BUF];
	uint8_t k[LFH_CASE_LEN + LFH_ID_LEN];
	uint64_t count = 0;
	int rc;

	memcpy(k, case_id, LFH_CASE_LEN);
	memcpy(k + LFH_CASE_LEN, e->id, LFH_ID_LEN);
	if ((rc = lfh_store_shred_event(t, e->id, case_id, e->hlc, err)) ||
	    (rc = lfh_store_tbl_put(t, LFH_TBL_HELD, k, sizeof k, e->raw, e->len, err)))
		return rc;
	lfh_store_meta_name(name, "held", agency);
	rc = lfh_store_meta_get(t, name, &count, err);
	if ((rc && rc != LFH_ENOTFOUND) || (rc = lfh_store_meta_put(t, name, count + 1, err)))
		return rc;
	/* out of the store, out of its quota (ingest.c counts it again when it is let in) */
	return lfh_quota_give_back(t, agency, e->len, err);
}

int lfh_parties_set_aside(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *agency,
			  uint64_t hlc, size_t *count, lfh_err *err)
{
	struct after_leave a = { .agency = agency };
	/* stamped at the LEAVE's stamp or later: the judge takes only those before (judge.c) */
	int rc = lfh_store_scan_case_from(t, case_id, hlc, after_leave_fn, &a, err);

	*count = 0;
	if (rc == LFH_ENOMEM)
		lfh_err_set(err, rc, "out of memory");
	for (size_t i = 0; rc == 0 && i < a.n; i++)
		rc = hold_aside(t, case_id, agency, &a.e[i], err);
	if (!rc)
		*count = a.n;
	for (size_t i = 0; i < a.n; i++)
		free(a.e[i].raw);
	free(a.e);
	return rc;
}

/* Lead changes remembered per case (the oldest are forgotten beyond it). */
#define LEAD_HISTORY_MAX LFH_OSARA_MAX_LEADS

/*
 * A case record's earlier leads, oldest first: its "lead_hist" ("agency=until,..."),
 * or, in a record kept before 0.4.6, its one "lead_prev" and "lead_since".
 */
static size_t lead_history(const lfh_record *r, struct lfh_osara_lead_was *h)
{
	const char *s = lfh_record_str(r, "lead_hist"), *prev = lfh_record_str(r, "lead_prev");
	uint64_t since;
	size_t n = 0;

	if (!s) {
		if (!prev || !lfh_record_uint(r, "lead_since", &since))
			return 0;
		snprintf(h[0].agency, sizeof h[0].agency, "%s", prev);
		h[0].until = since;
		return 1;
	}
	while (*s && n < LEAD_HISTORY_MAX) {
		const char *eq = strchr(s, '=');
		char *end;
		size_t len = eq ? (size_t)(eq - s) : 0;
		if (!eq || len == 0 || len > LFH_AGENCY_MAX)
			break;
		memcpy(h[n].agency, s, len);
		h[n].agency[len] = '\0';
		h[n].until = strtoull(eq + 1, &end, 10);
		n++;
		if (*end != ',')
			break;
		s = end + 1;
	}
	return n;
}

/* The history as lead_hist's text: "agency=until,..." (oldest first). */
static void history_text(const struct lfh_osara_lead_was *h, size_t n, char *text, size_t size)
{
	size_t at = 0;

	text[0] = '\0';
	for (size_t i = 0; i < n && at < size; i++)
		at += (size_t)snprintf(text + at, size - at, "%s%s=%llu", at ? "," : "",
				       h[i].agency, (unsigned long long)h[i].until);
}

int lfh_parties_set_leads(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *lead,
			  const struct lfh_osara_lead_was *before, size_t n, lfh_err *err)
{
	char text[LEAD_HISTORY_MAX * (LFH_AGENCY_MAX + 22)];
	lfh_record r = { 0 };
	const char *was, *hist;
	int rc = lfh_store_case_get(t, case_id, &r, err);

	if (rc && rc != LFH_ENOTFOUND)
		return rc;
	if (n > LEAD_HISTORY_MAX) {
		before += n - LEAD_HISTORY_MAX;
		n = LEAD_HISTORY_MAX;
	}
	history_text(before, n, text, sizeof text);
	was = lfh_record_str(&r, "lead");
	hist = lfh_record_str(&r, "lead_hist");
	if (was && !strcmp(was, lead) && ((!hist && !n) || (hist && !strcmp(hist, text)))) {
		lfh_record_clear(&r); /* as kept already */
		return 0;
	}
	rc = lfh_record_set_str(&r, "lead", lead, err);
	if (!rc && n)
		rc = lfh_record_set_str(&r, "lead_hist", text, err);
	/* the last of them as before 0.4.6, for an older lfhd reading this store */
	if (!rc && n)
		rc = lfh_record_set_str(&r, "lead_prev", before[n - 1].agency, err);
	if (!rc && n)
		rc = lfh_record_set_uint(&r, "lead_since", before[n - 1].until, err);
	if (!rc)
		rc = lfh_store_case_put(t, case_id, &r, err);
	lfh_record_clear(&r);
	return rc;
}

/*
 * Whether agency led the case at stamp hlc, by an earlier lead: the first
 * change stamped after hlc ended its lead. Every earlier lead counts, not
 * only the last (after two changes, the first lead's JOIN stamped while it
 * led was held for good at a node it reached last).
 */
int lfh_parties_led_before(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *agency,
			   uint64_t hlc, int *yes, lfh_err *err)
{
	struct lfh_osara_lead_was h[LEAD_HISTORY_MAX];
	lfh_record r = { 0 };
	size_t n, i;
	int rc = lfh_store_case_get(t, case_id, &r, err);

	*yes = 0;
	if (rc == LFH_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	n = lead_history(&r, h);
	for (i = 0; i < n && h[i].until <= hlc; i++)
		;
	*yes = i < n && strcmp(h[i].agency, agency) == 0;
	lfh_record_clear(&r);
	return 0;
}

int lfh_parties_add(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *lead,
		    const char *const *ids, size_t n, uint64_t hlc, lfh_err *err)
{
	lfh_record r = { 0 };
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = party_put(t, case_id, ids[i], hlc, err);
	if (rc || !lead)
		return rc;
	rc = lfh_store_case_get(t, case_id, &r, err);
	if (rc && rc != LFH_ENOTFOUND)
		return rc;
	rc = lfh_record_set_str(&r, "lead", lead, err);
	if (!rc)
		rc = lfh_store_case_put(t, case_id, &r, err);
	lfh_record_clear(&r);
	return rc;
}

/* One case record of an older store that still carries "participants" ("a,b,c"). */
struct old_case {
	uint8_t id[LFH_CASE_LEN];
	char *csv;
};

struct migrate_ctx {
	struct old_case *c;
	size_t n, cap;
};

static int old_case_fn(void *vctx, const uint8_t case_id[LFH_CASE_LEN], const lfh_record *r)
{
	struct migrate_ctx *m = vctx;
	const char *csv = lfh_record_str(r, "participants");

	if (!csv)
		return 0;
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 64;
		struct old_case *p = realloc(m->c, cap * sizeof *p);
		if (!p)
			return LFH_ENOMEM;
		m->c = p;
		m->cap = cap;
	}
	memcpy(m->c[m->n].id, case_id, LFH_CASE_LEN);
	if (!(m->c[m->n].csv = strdup(csv)))
		return LFH_ENOMEM;
	m->n++;
	return 0;
}

/* Move one case's "participants" field into the table. */
static int migrate_case(lfh_txn *t, struct old_case *c, lfh_err *err)
{
	lfh_record r = { 0 };
	char *save = NULL;
	int rc = 0;

	for (char *id = strtok_r(c->csv, ",", &save); rc == 0 && id; id = strtok_r(NULL, ",", &save))
		if (lfh_name_valid(id))
			rc = party_put(t, c->id, id, 0, err);
	if (!rc)
		rc = lfh_store_case_get(t, c->id, &r, err);
	if (!rc) {
		lfh_record_del(&r, "participants");
		rc = lfh_store_case_put(t, c->id, &r, err);
	}
	lfh_record_clear(&r);
	return rc;
}

int lfh_parties_migrate(lfh_txn *t, lfh_err *err)
{
	struct migrate_ctx m = { 0 };
	uint64_t done = 0;
	int rc = lfh_store_meta_get(t, META_PARTIES_TABLE, &done, err);

	if (rc || done)
		return rc;
	rc = lfh_store_scan_cases(t, old_case_fn, &m, err);
	if (rc == LFH_ENOMEM)
		lfh_err_set(err, rc, "out of memory");
	for (size_t i = 0; rc == 0 && i < m.n; i++)
		rc = migrate_case(t, &m.c[i], err);
	for (size_t i = 0; i < m.n; i++)
		free(m.c[i].csv);
	free(m.c);
	if (!rc && m.n)
		log_info("store: participants of %zu cases moved to their own table", m.n);
	return rc ? rc : lfh_store_meta_put(t, META_PARTIES_TABLE, 1, err);
}
