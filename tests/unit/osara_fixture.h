/*
 * osara_fixture.h - building OSARA event sequences for the unit tests of
 * the projection (test_osara.c) and of the step rules (test_osara_rules.c):
 * a case's events as a node would hold them, bodies as records, with
 * per-author sequence numbers and deterministic fake ids; the projection of
 * a prefix; and a standard case taken up to a given stage.
 *
 * Everything is static inline or static data.
 */
#ifndef LFH_TEST_OSARA_FIXTURE_H
#define LFH_TEST_OSARA_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lfh/osara.h"

#define DAY 86400000ULL
#define BASE_MS 1704067200000ULL /* 2024-01-01T00:00:00Z */
/* HLC at day d (from BASE_MS) plus k milliseconds */
#define T(d, k) (((BASE_MS + (uint64_t)(d) * DAY + (uint64_t)(k)) << 16))

#define QMAX 1024

/* A case's events as a node would hold them, bodies as records. */
typedef struct seq {
	size_t n;
	lfh_osara_event ev[QMAX];
	lfh_record rec[QMAX];
	char authors[16][LFH_AGENCY_MAX + 1];
	uint64_t seqs[16];
} seq;

static inline seq *seq_new(void)
{
	seq *q = calloc(1, sizeof *q);
	assert_non_null(q);
	return q;
}

static inline void seq_free(seq *q)
{
	for (size_t i = 0; i < q->n; i++)
		lfh_record_clear(&q->rec[i]);
	free(q);
}

static inline lfh_osara_state *state_new(void)
{
	lfh_osara_state *s = calloc(1, sizeof *s);
	assert_non_null(s);
	return s;
}

static inline uint64_t next_seq(seq *q, const char *author)
{
	for (size_t i = 0; i < 16; i++) {
		if (!q->authors[i][0])
			snprintf(q->authors[i], sizeof q->authors[i], "%s", author);
		if (strcmp(q->authors[i], author) == 0)
			return ++q->seqs[i];
	}
	fail_msg("too many authors");
	return 0;
}

/* A deterministic fake event id from (author, seq, hlc, type). */
static inline void fake_id(const lfh_osara_event *e, uint8_t id[LFH_ID_LEN])
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = e->author; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	h = (h ^ e->seq) * 1099511628211ULL;
	h = (h ^ e->hlc) * 1099511628211ULL;
	h = (h ^ e->type) * 1099511628211ULL;
	for (size_t i = 0; i < LFH_ID_LEN; i++) {
		h = (h ^ i) * 1099511628211ULL;
		id[i] = (uint8_t)(h >> 56);
	}
}

/* Append an event; varargs are key, value pairs ending in NULL ("#key" = uint). */
static inline lfh_osara_event *vadd(seq *q, uint32_t type, const char *author, uint64_t hlc,
				    int readable, va_list ap)
{
	lfh_osara_event *e;
	lfh_err err = { 0 };
	const char *k, *v;

	assert_true(q->n < QMAX);
	e = &q->ev[q->n];
	memset(e, 0, sizeof *e);
	e->type = type;
	snprintf(e->author, sizeof e->author, "%s", author);
	e->hlc = hlc;
	e->seq = next_seq(q, author);
	fake_id(e, e->id);
	while ((k = va_arg(ap, const char *))) {
		v = va_arg(ap, const char *);
		if (k[0] == '#')
			assert_int_equal(lfh_record_set_uint(&q->rec[q->n], k + 1,
							     strtoull(v, NULL, 10), &err), 0);
		else
			assert_int_equal(lfh_record_set_str(&q->rec[q->n], k, v, &err), 0);
	}
	e->body = readable ? &q->rec[q->n] : NULL;
	q->n++;
	return e;
}

static inline lfh_osara_event *add(seq *q, uint32_t type, const char *author, uint64_t hlc, ...)
{
	va_list ap;
	lfh_osara_event *e;
	va_start(ap, hlc);
	e = vadd(q, type, author, hlc, 1, ap);
	va_end(ap);
	return e;
}

static inline lfh_osara_event *add_unreadable(seq *q, uint32_t type, const char *author,
					      uint64_t hlc, ...)
{
	va_list ap;
	lfh_osara_event *e;
	va_start(ap, hlc);
	e = vadd(q, type, author, hlc, 0, ap);
	va_end(ap);
	return e;
}

static inline void project(const seq *q, size_t n, const char *const *ip, size_t np,
			   lfh_osara_state *s)
{
	lfh_err err = { 0 };
	assert_int_equal(lfh_osara_project(q->ev, n, ip, np, s, &err), 0);
}

/* A standard case (housing refers, police joined) up to and including stage. */
static inline void case_to(seq *q, int stage)
{
	add(q, LFH_EV_REFERRAL, "housing", T(0, 1), "summary", "ASB", "location", "Here",
	    "asb_category", "asb", "risk", "standard", "by", "HO", NULL);
	add(q, LFH_EV_JOIN, "housing", T(0, 2), "agency", "police", "by", "HO", NULL);
	if (stage >= LFH_OSARA_ASSESSED)
		add(q, LFH_EV_RISK, "police", T(1, 0), "#score", "5", "level", "standard",
		    "answers", "repeat=no", "by", "PC", NULL);
	if (stage >= LFH_OSARA_SCANNING)
		add(q, LFH_EV_SCANNING, "police", T(2, 0), "text", "scan", "by", "PC", NULL);
	if (stage >= LFH_OSARA_ANALYSIS)
		add(q, LFH_EV_MEETING, "police", T(3, 0), "date", "2024-01-04", "attendees",
		    "housing,police", "victim", "v", "offender", "o", "location", "l", "responses",
		    "r", "by", "PC", NULL);
	if (stage >= LFH_OSARA_RESPONSE)
		add(q, LFH_EV_ACTION, "police", T(4, 0), "action", "a0000001", "agency", "housing",
		    "power", "tenancy-warning", "text", "warn", "due", "2024-02-01", "by", "PC",
		    NULL);
	if (stage >= LFH_OSARA_ASSESSMENT)
		add(q, LFH_EV_ASSESSMENT, "housing", T(10, 0), "plan_done", "yes",
		    "problem_stopped", "yes", "text", "ok", "by", "HO", NULL);
	if (stage >= LFH_OSARA_CLOSURE_PROPOSED)
		add(q, LFH_EV_CLOSE_PROPOSE, "housing", T(11, 0), "reason", "done", "by", "HO",
		    NULL);
	if (stage >= LFH_OSARA_CLOSED) {
		/* a case closes only once every action is accounted for */
		add(q, LFH_EV_ACTION_UPDATE, "housing", T(11, 5), "action", "a0000001", "status",
		    "done", "text", "served", "by", "HO", NULL);
		add(q, LFH_EV_REVIEW, "housing", T(12, 0), "kind", "closure", "outcome", "close",
		    "text", "agreed", "by", "HO", NULL);
		add(q, LFH_EV_CLOSE, "housing", T(13, 0), "reason", "done", "by", "HO", NULL);
	}
}

#endif
