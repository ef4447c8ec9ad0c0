/*
 * summarize.c - keeping every case's summary (include/lfh/summarize.h):
 * the marked cases first, then a scan for cases without one, within a time
 * budget.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lfh/log.h"
#include "lfh/project.h"
#include "lfh/summarize.h"
#include "lfh/summary.h"

/* How far back a mark looks for the same case (a case's events come together). */
#define MARK_RECENT 8
/* Cases the scan looks at in one pass, at most (most already have a summary). */
#define SCAN_MAX 20000
/* After a whole round of the scan that found every case summarized, it rests this long. */
#define SCAN_REST_MS (10ULL * 60 * 1000)

void lfh_summarize_mark(lfh_node *n, const uint8_t case_id[LFH_CASE_LEN])
{
	for (size_t i = n->nsummary_marks; i-- > 0 && i + MARK_RECENT >= n->nsummary_marks;)
		if (!memcmp(n->summary_marks[i], case_id, LFH_CASE_LEN))
			return;
	if (n->nsummary_marks < LFH_SUMMARY_MARKS)
		memcpy(n->summary_marks[n->nsummary_marks++], case_id, LFH_CASE_LEN);
	else
		n->summary_scan_rest_until = 0; /* the scan finds it, and soon */
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct pass {
	lfh_node *n;
	lfh_txn *t;
	lfh_osara_state *st;
	uint64_t deadline;
	size_t looked;
	size_t kept;
	lfh_err *err;
};

/*
 * The case's summary, if it lacks one: 0, or a store error. Any other
 * failure (out of memory, a case the projection refuses) is logged and the
 * case left to its readers, who project it.
 */
static int keep_one(struct pass *p, const uint8_t case_id[LFH_CASE_LEN])
{
	lfh_err e = { 0 };
	int rc = lfh_summary_has(p->t, case_id, &e);

	if (rc == 0 && (rc = lfh_node_project(p->n, p->t, case_id, p->st, &e)) == 0 &&
	    (rc = lfh_summary_put(p->t, case_id, p->st, &e)) == 0)
		p->kept++;
	if (rc == LFH_ESTORE)
		return lfh_err_set(p->err, rc, "%s", e.msg);
	if (rc < 0)
		log_warn("case %02x%02x%02x%02x...: no summary kept: %s", case_id[0], case_id[1],
			 case_id[2], case_id[3], e.msg);
	return 0;
}

static int scan_fn(void *vctx, const uint8_t case_id[LFH_CASE_LEN], const lfh_record *meta)
{
	struct pass *p = vctx;

	(void)meta;
	if (p->looked++ >= SCAN_MAX || mono_ms() >= p->deadline)
		return 1;
	memcpy(p->n->summary_cursor, case_id, LFH_CASE_LEN);
	p->n->summary_cursor_set = 1;
	return keep_one(p, case_id);
}

/*
 * From where the last scan stopped; at the end, from the first case next
 * time, or (if the whole round kept no summary: none was missing) after a
 * rest, unless a mark is lost meanwhile.
 */
static int scan(struct pass *p)
{
	lfh_node *n = p->n;
	int rc;

	if (mono_ms() < n->summary_scan_rest_until)
		return 0;
	rc = lfh_store_scan_cases_after(p->t, n->summary_cursor_set ? n->summary_cursor : NULL,
					scan_fn, p, p->err);
	n->summary_round_kept += p->kept;
	if (rc || p->looked > SCAN_MAX || mono_ms() >= p->deadline)
		return rc;
	n->summary_cursor_set = 0;
	if (!n->summary_round_kept)
		n->summary_scan_rest_until = mono_ms() + SCAN_REST_MS;
	n->summary_round_kept = 0;
	return 0;
}

int lfh_summarize(lfh_node *n, lfh_txn *t, uint64_t budget_ms, int scan_too, lfh_err *err)
{
	struct pass p = { n, t, malloc(sizeof(lfh_osara_state)), mono_ms() + budget_ms, 0, 0, err };
	int rc = 0;

	if (!p.st)
		return 0; /* nothing kept this time: the readers project */
	while (rc == 0 && n->nsummary_marks > 0 && mono_ms() < p.deadline)
		rc = keep_one(&p, n->summary_marks[--n->nsummary_marks]);
	p.kept = 0; /* the scan counts its own */
	if (rc == 0 && scan_too)
		rc = scan(&p);
	free(p.st);
	return rc;
}
