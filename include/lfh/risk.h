/*
 * risk.h - the risk assessment questionnaire (libconfig text file, named by
 * `risk = FILE` in the node config) and its scoring.
 *
 *   questions = ( { id = "repeat"; text = "Has it been reported before?"; weight = 5; }, ... );
 *   levels = { medium = 10; high = 20; };              # 0 < medium < high
 *   first_meeting_days = { standard = 28; medium = 14; high = 7; };
 *   review_days = { standard = 30; medium = 30; high = 14; };
 *
 * 1..LFH_RISK_MAX_QUESTIONS questions, ids [a-z0-9_]{1,31} unique, weight
 * 0..100, text 1..255 bytes; days 1..3650. levels, first_meeting_days and
 * review_days are optional (defaults below). The score of a set of answers
 * is the sum of the weights of the questions answered yes.
 */
#ifndef LFH_RISK_H
#define LFH_RISK_H

#include <stdint.h>

#include "lfh/err.h"

#define LFH_RISK_MAX_QUESTIONS 32
#define LFH_RISK_ID_MAX 31
#define LFH_RISK_TEXT_MAX 255
#define LFH_RISK_MAX_WEIGHT 100
#define LFH_RISK_MAX_DAYS 3650
#define LFH_RISK_FILE_MAX (64 * 1024)

/* Levels, in this order in the arrays below. */
enum { LFH_RISK_STANDARD = 0, LFH_RISK_MEDIUM = 1, LFH_RISK_HIGH = 2 };

typedef struct lfh_risk_question {
	char id[LFH_RISK_ID_MAX + 1];
	char text[LFH_RISK_TEXT_MAX + 1];
	uint32_t weight;
} lfh_risk_question;

typedef struct lfh_risk_form {
	uint32_t nquestions; /* 0: no questionnaire (the defaults only) */
	lfh_risk_question q[LFH_RISK_MAX_QUESTIONS];
	uint32_t medium, high;       /* score thresholds */
	uint32_t meeting_days[3];    /* first case meeting within, by level */
	uint32_t review_days[3];     /* monthly review interval, by level */
} lfh_risk_form;

/* No questions; thresholds 10/20, meeting 28/14/7 days, review 30/30/30. */
void lfh_risk_default(lfh_risk_form *f);

/* Parse path into *f. 0; LFH_EIO (unreadable); LFH_EINVAL "FILE:LINE: reason". */
int lfh_risk_load(const char *path, lfh_risk_form *f, lfh_err *err);

/* "standard" | "medium" | "high" for score under f's thresholds. */
const char *lfh_risk_level(const lfh_risk_form *f, uint64_t score);

/*
 * Score answers "id=yes;id=no;..." against f: every question answered
 * exactly once with yes or no, no unknown ids. *score and *level (static
 * string) set on success. 0 or LFH_EINVAL with a message.
 */
int lfh_risk_score(const lfh_risk_form *f, const char *answers, uint64_t *score,
		   const char **level, lfh_err *err);

/* The parameters as written into RISK events: "10,20", "28,14,7", "30,30,30". */
void lfh_risk_params(const lfh_risk_form *f, char thresholds[32], char meeting[48],
		     char review[48]);

#endif
