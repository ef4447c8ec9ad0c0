/*
 * hub_fixture.h - five in-process nodes (police, council, housing, health,
 * probation) of one hub governed by a genesis ISA written to a temporary
 * directory, and helpers to write events at one and hand them to another
 * as a peer would (test_policy.c, test_judge.c).
 *
 * Categories (as tests/integration/lib.sh): referral (participants, 30 days),
 * health (lead + health, 10), criminal-intel (named police + probation, 20),
 * housing (participants, 30); next_signers all.
 */
#ifndef LFH_TEST_HUB_FIXTURE_H
#define LFH_TEST_HUB_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "lfh/hlc.h"
#include "lfh/hub.h"
#include "lfh/ingest.h"
#include "lfh/isa.h"
#include "lfh/isa_text.h"
#include "lfh/log.h"
#include "lfh/node.h"
#include "lfh/osara.h"
#include "lfh/policy.h"
#include "lfh/serve.h"
#include "lfh/sharing.h"
#include "lfh/wire.h"
#include "lfh/write.h"

#include "node_helpers.h"

#define NAG 5
enum { POLICE, COUNCIL, HOUSING, HEALTH, PROBATION };
static const char *agencies[NAG] = { "police", "council", "housing", "health", "probation" };

#define DAY_MS 86400000ULL
#define RET_SHORTEST 10 /* health */
#define RET_LONGEST 30  /* referral, housing */

static const char *categories_v1 =
	"categories = (\n"
	"  { name = \"referral\"; kind = \"personal\"; receive = \"participants\"; retention_days = 30; },\n"
	"  { name = \"health\"; kind = \"special\"; receive = \"lead\"; agencies = [ \"health\" ]; retention_days = 10; },\n"
	"  { name = \"criminal-intel\"; kind = \"criminal\"; receive = \"named\"; agencies = [ \"police\", \"probation\" ]; retention_days = 20; },\n"
	"  { name = \"housing\"; kind = \"personal\"; receive = \"participants\"; retention_days = 30; }\n";

typedef struct hub {
	char dir[64];
	char isa[LFH_PATH_MAX];
	lfh_node *node[NAG];
} hub;

/* ---- setup -------------------------------------------------------------- */

/* An ISA text file (like lib.sh write_isa); prev NULL for genesis; extra categories appended. */
static inline void write_isa(const hub *h, const char *path, unsigned version, const char *prev,
		      const char *extra_categories)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "hub = \"test-hub\";\nversion = %u;\n", version);
	if (prev)
		fprintf(f, "prev = \"%s\";\n", prev);
	fprintf(f, "effective = \"2026-01-01\";\nreview = \"2027-01-01\";\n"
		   "purposes = [ \"Reduce repeat anti-social behaviour.\" ];\n"
		   "lawful_basis = \"UK GDPR Art 6(1)(e) public task.\";\n"
		   "gateways = [ \"Crime and Disorder Act 1998 s115\" ];\n"
		   "parties = (\n");
	for (int i = 0; i < NAG; i++)
		fprintf(f, "  { id = \"%s\"; name = \"%s agency\"; role = \"%s\"; "
			   "controller = \"independent controller\";\n"
			   "    endpoint = \"tcp://127.0.0.1:%d\"; keys = \"%s/pub/%s.pub\"; }%s\n",
			agencies[i], agencies[i], agencies[i], i + 1, h->dir, agencies[i],
			i + 1 < NAG ? "," : "");
	fprintf(f, ");\n%s%s);\nnext_signers = \"all\";\n", categories_v1,
		extra_categories ? extra_categories : "");
	assert_int_equal(fclose(f), 0);
}

static inline void open_node(hub *h, int i)
{
	static lfh_config c;
	lfh_err err = { 0 };

	memset(&c, 0, sizeof c);
	snprintf(c.agency, sizeof c.agency, "%s", agencies[i]);
	snprintf(c.isa_path, sizeof c.isa_path, "%s", h->isa);
	snprintf(c.data_dir, sizeof c.data_dir, "%s/%s/data", h->dir, agencies[i]);
	snprintf(c.key_dir, sizeof c.key_dir, "%s/%s/keys", h->dir, agencies[i]);
	c.map_size = 64u << 20;
	c.log_level = LFH_LOG_WARN;
	if (lfh_node_open(&h->node[i], &c, &err) != 0)
		fail_msg("open %s: %s", agencies[i], err.msg);
}

static inline int setup(void **state)
{
	hub *h = calloc(1, sizeof *h);
	lfh_err err = { 0 };
	char path[LFH_PATH_MAX];

	assert_non_null(h);
	snprintf(h->dir, sizeof h->dir, "/tmp/lfh-test-policy.XXXXXX");
	assert_non_null(mkdtemp(h->dir));
	snprintf(path, sizeof path, "%s/pub", h->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	for (int i = 0; i < NAG; i++) {
		lfh_identity *id;
		FILE *f;
		snprintf(path, sizeof path, "%s/%s/keys", h->dir, agencies[i]);
		assert_int_equal(lfh_identity_generate(agencies[i], path, &err), 0);
		assert_int_equal(lfh_identity_load(path, &id, &err), 0);
		snprintf(path, sizeof path, "%s/pub/%s.pub", h->dir, agencies[i]);
		assert_non_null(f = fopen(path, "w"));
		assert_int_equal(lfh_pubkeys_write(&id->pub, f, &err), 0);
		assert_int_equal(fclose(f), 0);
		lfh_identity_free(id);
	}
	snprintf(h->isa, sizeof h->isa, "%s/hub.isa", h->dir);
	write_isa(h, h->isa, 1, NULL, NULL);
	for (int i = 0; i < NAG; i++)
		open_node(h, i);
	/* one hub: every node derived the same hub id from the genesis ISA */
	for (int i = 1; i < NAG; i++)
		assert_memory_equal(h->node[i]->rules.hub_id, h->node[POLICE]->rules.hub_id, 32);
	assert_int_equal(h->node[POLICE]->rules.isa->version, 1);
	*state = h;
	return 0;
}

static inline int teardown(void **state)
{
	hub *h = *state;
	char cmd[128];
	for (int i = 0; i < NAG; i++)
		lfh_node_close(h->node[i]);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", h->dir);
	assert_int_equal(system(cmd), 0);
	free(h);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

/* Write a data event (encrypted record {text}) at n; returns the write status. */
static inline int write_data(lfh_node *n, const uint8_t case_id[LFH_CASE_LEN], uint32_t type,
		      const char *category, const char *const *to, size_t nto, const char *text,
		      lfh_write_result *res)
{
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	lfh_txn *t;
	int rc;

	assert_int_equal(lfh_record_set_str(&body, "text", text, &err), 0);
	if (type == LFH_EV_REFERRAL) /* one the OSARA rules accept */
		assert_true(!lfh_record_set_str(&body, "summary", text, &err) &&
			    !lfh_record_set_str(&body, "location", "Senhouse Street", &err) &&
			    !lfh_record_set_str(&body, "asb_category", "noise", &err) &&
			    !lfh_record_set_str(&body, "risk", "standard", &err) &&
			    !lfh_record_set_str(&body, "by", "x", &err));
	assert_int_equal(lfh_txn_begin(n->store, 1, &t, &err), 0);
	rc = lfh_node_write(n, t, case_id, type, category, to, nto, &body, res, &err);
	/* committed even on failure: a refused write must leave nothing behind */
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	lfh_record_clear(&body);
	return rc;
}

/* Write a governance event whose body is record r at n; returns the write status. */
static inline int write_gov(lfh_node *n, const uint8_t case_id[LFH_CASE_LEN], uint32_t type,
		     const char *category, const char *joining, const lfh_record *r,
		     lfh_write_result *res)
{
	lfh_buf b = { 0 };
	lfh_err err = { 0 };
	lfh_txn *t;
	int rc;

	assert_int_equal(lfh_record_encode(r, &b, &err), 0);
	assert_int_equal(lfh_txn_begin(n->store, 1, &t, &err), 0);
	rc = lfh_node_write_plain(n, t, case_id, type, category, joining ? &joining : NULL,
				  joining ? 1 : 0, b.data, b.len, res, &err);
	if (rc)
		lfh_txn_abort(t);
	else
		assert_int_equal(lfh_txn_commit(t, &err), 0);
	lfh_buf_free(&b);
	return rc;
}

/* A new case: police refers it to the agencies in `to`. */
static inline void new_case(hub *h, uint8_t case_id[LFH_CASE_LEN], const char *const *to, size_t nto,
		     lfh_write_result *res)
{
	lfh_case_id_new(h->node[POLICE]->rules.hub_id, "police", case_id);
	assert_int_equal(write_data(h->node[POLICE], case_id, LFH_EV_REFERRAL, "referral", to, nto,
				    "noise at flat 3", res), 0);
}

/* Write an OSARA step of category referral at n, with fields (key, value, ..., NULL). */
static inline void write_step(lfh_node *n, const uint8_t case_id[LFH_CASE_LEN], uint32_t type,
			      lfh_write_result *res, ...)
{
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	lfh_txn *t;
	va_list ap;
	const char *k;

	va_start(ap, res);
	while ((k = va_arg(ap, const char *)))
		assert_int_equal(lfh_record_set_str(&body, k, va_arg(ap, const char *), &err), 0);
	va_end(ap);
	assert_int_equal(lfh_txn_begin(n->store, 1, &t, &err), 0);
	if (lfh_node_write(n, t, case_id, type, "referral", NULL, 0, &body, res, &err))
		fail_msg("step %u at %s: %s", type, n->cfg.agency, err.msg);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	lfh_record_clear(&body);
}

/*
 * p takes its case as far as a closure proposal, the way the OSARA rules
 * allow (osara.h): risk, scanning, a meeting, an action (done), an
 * assessment, the proposal.
 */
static inline void propose_closure(lfh_node *p, const uint8_t case_id[LFH_CASE_LEN])
{
	lfh_write_result w;

	write_step(p, case_id, LFH_EV_RISK, &w, "score", "5", "level", "standard", "answers", "a=b",
		   "by", "x", NULL);
	write_step(p, case_id, LFH_EV_SCANNING, &w, "text", "scanned", "by", "x", NULL);
	write_step(p, case_id, LFH_EV_MEETING, &w, "date", "2026-01-05", "attendees", "police",
		   "victim", "v", "offender", "o", "location", "l", "responses", "r", "by", "x", NULL);
	write_step(p, case_id, LFH_EV_ACTION, &w, "action", "0a1b2c3d", "agency", "police", "power",
		   "warrant", "text", "t", "due", "2026-02-01", "by", "x", NULL);
	write_step(p, case_id, LFH_EV_ACTION_UPDATE, &w, "action", "0a1b2c3d", "status", "done",
		   "text", "t", "by", "x", NULL);
	write_step(p, case_id, LFH_EV_ASSESSMENT, &w, "plan_done", "yes", "problem_stopped", "yes",
		   "text", "t", "by", "x", NULL);
	write_step(p, case_id, LFH_EV_CLOSE_PROPOSE, &w, "reason", "resolved", "by", "x", NULL);
}

/*
 * Police closes its case the way the OSARA rules allow (osara.h): risk,
 * scanning, a meeting, an action (done), an assessment, a closure proposal
 * and a closure review, then the CLOSE itself (res).
 */
static inline void close_case(hub *h, const uint8_t case_id[LFH_CASE_LEN], lfh_write_result *res)
{
	lfh_node *p = h->node[POLICE];
	lfh_write_result w;
	lfh_record body = { 0 };
	lfh_buf b = { 0 };
	lfh_err err = { 0 };
	lfh_txn *t;

	propose_closure(p, case_id);
	write_step(p, case_id, LFH_EV_REVIEW, &w, "kind", "closure", "outcome", "close", "text", "t",
		   "by", "x", NULL);
	assert_int_equal(lfh_record_set_str(&body, "by", "x", &err), 0);
	assert_int_equal(lfh_record_encode(&body, &b, &err), 0);
	assert_int_equal(lfh_txn_begin(p->store, 1, &t, &err), 0);
	assert_int_equal(lfh_node_write_plain(p, t, case_id, LFH_EV_CLOSE, "referral", NULL, 0,
					      b.data, b.len, res, &err), 0);
	assert_int_equal(lfh_txn_commit(t, &err), 0);
	lfh_buf_free(&b);
	lfh_record_clear(&body);
}

/* A copy of a stored envelope. */
static inline lfh_buf envelope_of(lfh_node *n, const uint8_t id[LFH_ID_LEN])
{
	lfh_txn *t;
	lfh_err err = { 0 };
	lfh_buf b = { 0 };
	const uint8_t *raw;
	size_t len;
	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_store_get_event(t, id, &raw, &len, &err), 0);
	assert_int_equal(lfh_buf_append(&b, raw, len), 0);
	lfh_txn_abort(t);
	return b;
}

/* Ingest one envelope at n from peer `from`, committing whatever was kept (as sync does). */
static inline int push(lfh_node *n, const uint8_t *raw, size_t len, const char *from, lfh_err *err)
{
	lfh_txn *t;
	lfh_ingest_result r;
	int rc;
	assert_int_equal(lfh_txn_begin(n->store, 1, &t, err), 0);
	rc = lfh_ingest(n, t, raw, len, from, &r, err);
	assert_int_equal(lfh_txn_commit(t, NULL), 0);
	return rc;
}

static inline void assert_rcpts(const lfh_write_result *r, const char *const *want, size_t n)
{
	assert_int_equal(r->nrcpt, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(r->rcpt[i], want[i]);
}

/* When n applied the case's CLOSE (its own clock, not the author's stamp). */
static inline uint64_t closed_here(lfh_node *n, const uint8_t case_id[LFH_CASE_LEN])
{
	lfh_record r = { 0 };
	lfh_err err = { 0 };
	lfh_txn *t;
	uint64_t ms = 0;

	assert_int_equal(lfh_txn_begin(n->store, 0, &t, &err), 0);
	assert_int_equal(lfh_store_case_get(t, case_id, &r, &err), 0);
	assert_true(lfh_record_uint(&r, "closed_ms", &ms));
	lfh_record_clear(&r);
	lfh_txn_abort(t);
	return ms;
}

#endif
