/*
 * osara_int.h - internals shared by node/rules/osara.c, osara_rules.c, osara_names.c
 * and osara_due.c.
 *
 * Internal to the osara module: not part of its interface (that is all of
 * include/lfh/osara.h) and not to be included by anything else. The
 * projection rules are at the top of osara.c; the os_ helpers are defined
 * in osara_rules.c.
 */
#ifndef LFH_OSARA_INT_H
#define LFH_OSARA_INT_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/osara.h"

#define WHY_MAX LFH_ERRMSG_MAX

/* Copy src into dst[size], cut at a UTF-8 boundary, zero-padded. */
void os_cpy(char *dst, size_t size, const char *src);
#define CPY(dst, src) os_cpy((dst), sizeof(dst), (src))

/* 64 hex digits (already checked) into 32 bytes. */
void os_hex_to_id(const char *s, uint8_t id[LFH_ID_LEN]);

/* Risk score: a uint field, or a decimal string of up to 9 digits. */
int os_get_score(const lfh_record *b, uint64_t *score, char *why);

/* A RISK body's thresholds "M,H", meeting_days and review_days "S,M,H" (the
 * defaults 10,20 / 28,14,7 / 30,30,30 for those absent). 0, or -1 and why. */
int os_risk_params(const lfh_record *b, uint32_t th[2], uint32_t meet[3], uint32_t rev[3],
		   char *why);

/* Index in s of the participant / action / proposal, or -1. */
int os_find_participant(const lfh_osara_state *s, const char *agency);
int os_find_action(const lfh_osara_state *s, const char *id);
int os_find_proposal(const lfh_osara_state *s, const uint8_t id[LFH_ID_LEN]);

/* Whether agency has agreed to proposal p. */
int os_proposal_agreed(const lfh_osara_proposal *p, const char *agency);

/* 0 if step (type, author, b), stamped hlc, is valid on top of s, else -1
 * and why (WHY_MAX bytes). The single copy of the step rules. */
int os_validate(const lfh_osara_state *s, uint32_t type, const char *author,
		const lfh_record *b, uint64_t hlc, char *why);

/* When the step happened: its valid "on", else its HLC time (ms). */
uint64_t os_on_ms(const lfh_record *b, uint64_t hlc);

#endif
