/*
 * parties.c - who takes part in a case (include/lfh/parties.h).
 *
 * State (in LMDB, in the same transactions as the events that change it):
 *   tables PARTIES   case(16) agency(32, NUL padded) -> "" : the participants
 *   cases record     lead : the case's lead agency
 * A set of participants is an lfh_agencies in memory and one table key per
 * agency on disk: membership is an exact match, never a substring.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/log.h"
#include "lfh/parties.h"

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

static int party_put(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *agency,
		     lfh_err *err)
{
	uint8_t k[PARTY_KEY_LEN];

	if (!lfh_name_valid(agency))
		return lfh_err_set(err, LFH_EINVAL, "invalid agency id as participant");
	party_key(k, case_id, agency);
	return lfh_store_tbl_put(t, LFH_TBL_PARTIES, k, sizeof k, NULL, 0, err);
}

int lfh_parties_remove(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *agency,
		       lfh_err *err)
{
	uint8_t k[PARTY_KEY_LEN];

	party_key(k, case_id, agency);
	return lfh_store_tbl_del(t, LFH_TBL_PARTIES, k, sizeof k, err);
}

int lfh_parties_add(lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN], const char *lead,
		    const char *const *ids, size_t n, lfh_err *err)
{
	lfh_record r = { 0 };
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = party_put(t, case_id, ids[i], err);
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
			rc = party_put(t, c->id, id, err);
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
