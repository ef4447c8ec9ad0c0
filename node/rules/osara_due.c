/*
 * osara_due.c - what is due in a case (include/lfh/osara.h, lfh_osara_due):
 * open actions (a paused one from its resume date), the first case meeting
 * and the monthly review, each on target, warning or overdue. Part of the
 * osara module, with osara.c (the projection) and osara_rules.c (the rules).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/hlc.h"
#include "lfh/osara.h"
#include "osara_int.h"

/* When the case was referred: its referral's "on", else when it was recorded. */
static uint64_t referred_ms(const lfh_osara_state *s)
{
	return s->referral_on_ms ? s->referral_on_ms : lfh_hlc_ms(s->referral_hlc);
}

/* ---- due dates --------------------------------------------------------- */

const char *lfh_osara_due_status_name(int status)
{
	switch (status) {
	case LFH_OSARA_ON_TARGET: return "on-target";
	case LFH_OSARA_WARNING: return "warning";
	case LFH_OSARA_OVERDUE: return "overdue";
	default: return "unknown";
	}
}

const char *lfh_osara_due_kind_name(int kind)
{
	switch (kind) {
	case LFH_OSARA_DUE_ACTION: return "action";
	case LFH_OSARA_DUE_MEETING: return "meeting";
	case LFH_OSARA_DUE_REVIEW: return "review";
	default: return "unknown";
	}
}

static void due_fill(lfh_osara_due_item *it, int kind, const char *ref, const char *owner,
		     const char *what, uint64_t due_ms, uint64_t now_ms)
{
	const int64_t day = (int64_t)LFH_OSARA_DAY_MS;
	int64_t d = (int64_t)due_ms - (int64_t)now_ms;

	memset(it, 0, sizeof *it);
	it->kind = kind;
	CPY(it->ref, ref);
	CPY(it->owner, owner);
	CPY(it->what, what);
	it->due_ms = due_ms;
	it->days_left = d >= 0 ? d / day : -((-d + day - 1) / day);
	if (now_ms >= due_ms)
		it->status = LFH_OSARA_OVERDUE;
	else if (due_ms - now_ms <= LFH_OSARA_WARN_DAYS * LFH_OSARA_DAY_MS)
		it->status = LFH_OSARA_WARNING;
	else
		it->status = LFH_OSARA_ON_TARGET;
}

static int due_cmp(const void *pa, const void *pb)
{
	const lfh_osara_due_item *a = pa, *b = pb;
	if (a->due_ms != b->due_ms)
		return a->due_ms < b->due_ms ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind - b->kind;
	return strcmp(a->ref, b->ref);
}

static int level_index(const char *lvl)
{
	return !strcmp(lvl, "high") ? 2 : !strcmp(lvl, "medium") ? 1 : 0;
}

int lfh_osara_due(const lfh_osara_state *s, uint64_t now_ms, lfh_osara_due_item *items,
		  size_t max, size_t *n)
{
	lfh_osara_due_item all[LFH_OSARA_MAX_DUE];
	char what[2 * (LFH_OSARA_LINE_MAX + 1)];
	size_t k = 0;

	if (!s || !n || (max && !items))
		return LFH_EINVAL;
	*n = 0;
	if (s->stage == LFH_OSARA_NONE || s->stage == LFH_OSARA_CLOSED)
		return 0;
	if (s->nmeetings == 0) {
		const char *lvl = s->risk_level[0] ? s->risk_level : "standard";
		int li = level_index(lvl);
		unsigned days = s->risk_meeting_days[li] ? s->risk_meeting_days[li]
							 : li == 2 ? 7 : li == 1 ? 14 : 28;
		snprintf(what, sizeof what, "first case meeting (risk %s: within %u days of the "
			 "referral)", lvl, days);
		due_fill(&all[k++], LFH_OSARA_DUE_MEETING, "", s->lead, what,
			 referred_ms(s) + days * LFH_OSARA_DAY_MS, now_ms);
	}
	{
		/* from when the review (or referral) happened, as the reports date it, not
		 * from when it was recorded (a review recorded late was due again too late) */
		uint64_t base = s->last_review_hlc ? (s->last_review_on_ms ? s->last_review_on_ms
							  : lfh_hlc_ms(s->last_review_hlc))
						   : referred_ms(s);
		int li = level_index(s->risk_level);
		unsigned days = s->risk_review_days[li] ? s->risk_review_days[li] : LFH_OSARA_REVIEW_DAYS;
		snprintf(what, sizeof what, "monthly review (%u days after the %s)",
			 days, s->last_review_hlc ? "last review" : "referral");
		due_fill(&all[k++], LFH_OSARA_DUE_REVIEW, "", s->lead, what,
			 base + days * LFH_OSARA_DAY_MS, now_ms);
	}
	for (uint32_t i = 0; i < s->nactions; i++) {
		const lfh_osara_action *a = &s->actions[i];
		long days = lfh_osara_date_days(a->due);
		if (!strcmp(a->status, "paused")) { /* skipped until it resumes, then due that day */
			days = lfh_osara_date_days(a->resume);
			if (days < 0 || now_ms < (uint64_t)days * LFH_OSARA_DAY_MS)
				continue;
			snprintf(what, sizeof what, "%s (resumed %s): %s", a->power, a->resume,
				 a->text);
		} else if (strcmp(a->status, "open") != 0 || days < 0) {
			continue;
		} else {
			snprintf(what, sizeof what, "%s: %s", a->power, a->text);
		}
		due_fill(&all[k++], LFH_OSARA_DUE_ACTION, a->id, a->agency, what,
			 (uint64_t)(days + 1) * LFH_OSARA_DAY_MS, now_ms);
	}
	qsort(all, k, sizeof all[0], due_cmp);
	for (size_t i = 0; i < k && i < max; i++)
		items[i] = all[i];
	*n = k;
	return 0;
}
