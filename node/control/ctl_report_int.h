/*
 * ctl_report_int.h - what node/control/ctl_report.c (gathering the cases,
 * the rows of each report) and ctl_report_tally.c (counting labels and
 * offers) share; not an interface (include/lfh/ctl.h is).
 */
#ifndef LFH_CTL_REPORT_INT_H
#define LFH_CTL_REPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/osara.h"

#define TEXT_MAX LFH_OSARA_SHORT_MAX

/* Labels to count: grouped by normalised key, counting entries or distinct cases. */
typedef struct tally_ent {
	char *key, *shown;
	size_t cs;     /* case index */
	uint64_t ms;   /* when it was recorded: the earliest spelling is shown */
	int in_period; /* this entry falls in the report's period */
} tally_ent;

typedef struct tally {
	tally_ent *v;
	size_t n, cap;
} tally;

typedef struct group {
	const char *key, *shown;
	uint64_t count; /* entries, or distinct cases */
	uint64_t ms;    /* of the spelling shown */
	int in_period;
} group;

/* Offers of intervention (actions) by a key: made, accepted (done), refused, not engaged. */
enum { OFFER_MADE, OFFER_ACCEPTED, OFFER_REFUSED, OFFER_NOT_ENGAGED, OFFER_N };
typedef struct offer_row {
	char key[2 * (LFH_OSARA_NAME_MAX + 1)];
	uint64_t n[OFFER_N];
} offer_row;

typedef struct offers {
	offer_row *v;
	size_t n, cap;
} offers;

/* Count label (normalised; shown trimmed) for case index cs, recorded at ms. 0 or LFH_ENOMEM. */
int tally_add(tally *t, const char *label, size_t cs, uint64_t ms, int in_period);
void tally_free(tally *t);
/* Group t's entries (most first, then by key); *out is malloc'd, borrows from t. */
int tally_groups(tally *t, int distinct_cases, group **out, size_t *nout);

/* Count action a under key (not cancelled: a withdrawn action was never offered). */
int offers_add(offers *o, const char *key, const lfh_osara_action *a);
/* qsort order of offer rows: by key. */
int offer_cmp(const void *a, const void *b);

#endif
