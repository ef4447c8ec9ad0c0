/*
 * agencies.h - a set of agency ids: a case's participants, an event's
 * recipients-to-be, the parties a referral is shared with. Kept sorted by
 * bytes and without duplicates, so two sets are equal exactly when their
 * arrays are, and membership is an exact match (never a substring).
 */
#ifndef LFH_AGENCIES_H
#define LFH_AGENCIES_H

#include <stddef.h>

#include "lfh/err.h"
#include "lfh/event.h"

/* At most every member of a hub (LFH_MAX_PEERS others and the node itself). */
#define LFH_AGENCIES_MAX (LFH_MAX_PEERS + 1)

typedef struct lfh_agencies {
	size_t n;
	char id[LFH_AGENCIES_MAX][LFH_AGENCY_MAX + 1]; /* sorted, unique */
} lfh_agencies;

/* Add id (a valid agency name): 0 (also if present), LFH_EINVAL, or LFH_ETOOBIG when full. */
int lfh_agencies_add(lfh_agencies *s, const char *id);

/* Remove id if present. */
void lfh_agencies_remove(lfh_agencies *s, const char *id);

/* 1 if id is in s. */
int lfh_agencies_has(const lfh_agencies *s, const char *id);

/*
 * "a,b,c" for people to read (status lines, replies); "" for an empty set.
 * 0, or LFH_ETOOBIG if it does not fit in size bytes (out then holds "").
 */
int lfh_agencies_join(const lfh_agencies *s, char *out, size_t size);

#endif
