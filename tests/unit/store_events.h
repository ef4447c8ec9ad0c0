/*
 * store_events.h - events and scans for the store unit tests (test_store.c,
 * test_store_format.c): events built directly as lfh_event structs with an
 * arbitrary distinct blob as the "envelope", put, counted, and collected by
 * the scans (each envelope checked against its id).
 *
 * Include it after store_fixture.h. Everything is static inline.
 */
#ifndef LFH_TEST_STORE_EVENTS_H
#define LFH_TEST_STORE_EVENTS_H

#include <sodium.h>

#include "lfh/store.h"

typedef struct tev {
	lfh_event ev;
	uint8_t raw[128];
	size_t len;
	uint8_t id[LFH_ID_LEN];
} tev;

/*
 * Build an event: rcpts is "agency:ctr,agency:ctr"; salt makes the blob (and
 * so the id) differ between events claiming the same fields.
 */
static inline void mkev(tev *e, const char *author, uint64_t seq, uint64_t hlc,
			uint8_t case_byte, const char *rcpts, const char *salt)
{
	char buf[256], *save = NULL;
	memset(e, 0, sizeof *e);
	strcpy(e->ev.author, author);
	e->ev.seq = seq;
	e->ev.hlc = hlc;
	memset(e->ev.case_id, case_byte, LFH_CASE_LEN);
	e->ev.type = LFH_EV_NOTE;
	strcpy(e->ev.category, "referral");
	snprintf(buf, sizeof buf, "%s", rcpts);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		lfh_recipient *r = &e->ev.rcpt[e->ev.nrcpt++];
		char *colon = strchr(tok, ':');
		assert_non_null(colon);
		*colon = '\0';
		strcpy(r->agency, tok);
		r->ctr = strtoull(colon + 1, NULL, 10);
	}
	e->len = (size_t)snprintf((char *)e->raw, sizeof e->raw, "ev|%s|%llu|%llu|%s|%s", author,
				  (unsigned long long)seq, (unsigned long long)hlc, rcpts,
				  salt ? salt : "");
	crypto_generichash(e->id, LFH_ID_LEN, e->raw, e->len, NULL, 0);
}

static inline int put(lfh_txn *t, const tev *e, lfh_put_result *res, lfh_err *err)
{
	return lfh_store_put_event(t, e->raw, e->len, &e->ev, e->id, res, err);
}

static inline lfh_put_result put_ok(lfh_txn *t, const tev *e)
{
	lfh_put_result res = { -1, 0 };
	lfh_err err = { 0 };
	int rc = put(t, e, &res, &err);
	if (rc)
		print_error("put: %s\n", err.msg);
	assert_int_equal(rc, 0);
	return res;
}

static inline uint64_t head_of(lfh_txn *t)
{
	uint64_t h = 99;
	assert_int_equal(lfh_store_log_head(t, &h, NULL), 0);
	return h;
}

static inline uint64_t count_of(lfh_txn *t)
{
	uint64_t n = 99;
	assert_int_equal(lfh_store_event_count(t, &n, NULL), 0);
	return n;
}

static inline uint64_t evidence_of(lfh_txn *t)
{
	uint64_t n = 99;
	assert_int_equal(lfh_store_evidence_count(t, &n, NULL), 0);
	return n;
}

/* Collects scan results; stops after `limit` (0 = none) or fails with `fail`. */
typedef struct collect {
	size_t n;
	uint64_t keys[64];
	uint8_t ids[64][LFH_ID_LEN];
	size_t limit;
	int fail;
} collect;

static inline int collect_fn(void *ctx, uint64_t key, const uint8_t id[LFH_ID_LEN],
			     const uint8_t *raw, size_t len)
{
	collect *c = ctx;
	uint8_t check[LFH_ID_LEN];
	/* raw must be the envelope itself (no lseq prefix). */
	crypto_generichash(check, sizeof check, raw, len, NULL, 0);
	assert_memory_equal(check, id, LFH_ID_LEN);
	if (c->fail)
		return c->fail;
	assert_true(c->n < 64);
	c->keys[c->n] = key;
	memcpy(c->ids[c->n], id, LFH_ID_LEN);
	c->n++;
	return c->limit && c->n >= c->limit ? 1 : 0;
}

static inline void assert_ids(const collect *c, const tev *const *want, size_t n)
{
	assert_int_equal(c->n, n);
	for (size_t i = 0; i < n; i++)
		assert_memory_equal(c->ids[i], want[i]->id, LFH_ID_LEN);
}

#endif
