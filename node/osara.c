/*
 * osara.c - the OSARA case projection (see include/lfh/osara.h). Pure: no
 * I/O, no store, no sockets; the only allocation is the sort order.
 *
 * Projection rules - every node that holds the same readable events computes
 * the same state, because:
 *
 *  1. Order. Events are applied in (hlc, author, seq, id) order (hlc first,
 *     then author bytes, seq, id bytes), whatever order the caller passed;
 *     the caller's array is never reordered (we sort an array of pointers).
 *     An id seen twice is applied once. KEY, ISA_PROPOSE and ISA_SIGN are
 *     not case steps and are skipped without a timeline entry.
 *  2. Validation in place. Each event is validated against the state built
 *     from the events before it, with exactly the rules of lfh_osara_check
 *     (validate() below is the single copy). A valid event updates the
 *     state; an invalid one is kept in the timeline with ignored = 1 and the
 *     reason and changes nothing else. So a step written out of order during
 *     a partition is flagged identically on every node rather than dropped
 *     by some and applied by others. An unreadable event (body NULL) is
 *     listed as unreadable and skipped.
 *  3. Stage machine: none -REFERRAL-> referred -RISK-> assessed -SCANNING->
 *     scanning -first MEETING-> analysis -first ACTION-> response
 *     -ASSESSMENT-> assessment -CLOSE_PROPOSE-> closure_proposed -CLOSE->
 *     closed. Later events of an already-passed step are recorded without
 *     moving the stage (e.g. another meeting, another action).
 *       - nothing before the REFERRAL; one REFERRAL per case;
 *       - after closed only NOTE and EQUALITY;
 *       - RISK any time before closed, latest wins; an override reason is
 *         required when the level differs from the score's level (0-9
 *         standard, 10-19 medium, >= 20 high);
 *       - OBJECTIVE any time after the referral, SCANNING from assessed on;
 *         latest wins for both;
 *       - MEETING needs >= scanning; ACTION needs >= analysis; ACTION_UPDATE
 *         needs a known action (last update in this order wins);
 *         ASSESSMENT needs >= 1 action;
 *       - REVIEW monthly needs >= assessed; REVIEW closure needs an open
 *         closure proposal: continue cancels it (stage returns to what it
 *         was before the proposal), close permits the CLOSE;
 *       - CLOSE_PROPOSE needs >= assessment and no open proposal; CLOSE
 *         needs an open proposal followed by a closure review with outcome
 *         close;
 *       - participants: initial list + referral author + JOIN agencies.
 *         The lead is the referral author; a LEAD_PROPOSE (by a participant,
 *         naming another participant) takes effect at the LEAD_PROPOSE or
 *         LEAD_AGREE after which every current participant has agreed (the
 *         proposer counts as agreeing). Only participants may agree.
 *  4. Bounds. Full arrays make the event ignored ("too many actions ...").
 *     A full timeline keeps its first LFH_OSARA_MAX_TIMELINE - 1 entries and
 *     a final ignored marker counting the omitted ones; the state itself is
 *     still updated. Texts kept in the state are cut at a UTF-8 boundary.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/hlc.h"
#include "lfh/osara.h"

#define WHY_MAX LFH_ERRMSG_MAX

/* ---- names and lists --------------------------------------------------- */

static const char *const type_names[] = {
	[LFH_EV_KEY] = "key",
	[LFH_EV_REFERRAL] = "referral",
	[LFH_EV_NOTE] = "note",
	[LFH_EV_JOIN] = "join",
	[LFH_EV_CLOSE] = "close",
	[LFH_EV_ISA_PROPOSE] = "isa-propose",
	[LFH_EV_ISA_SIGN] = "isa-sign",
	[LFH_EV_RISK] = "risk",
	[LFH_EV_OBJECTIVE] = "objective",
	[LFH_EV_SCANNING] = "scanning",
	[LFH_EV_MEETING] = "meeting",
	[LFH_EV_ACTION] = "action",
	[LFH_EV_ACTION_UPDATE] = "action-update",
	[LFH_EV_ASSESSMENT] = "assessment",
	[LFH_EV_REVIEW] = "review",
	[LFH_EV_CLOSE_PROPOSE] = "close-propose",
	[LFH_EV_LEAD_PROPOSE] = "lead-propose",
	[LFH_EV_LEAD_AGREE] = "lead-agree",
	[LFH_EV_EQUALITY] = "equality",
};

const char *lfh_osara_type_name(uint32_t type)
{
	if (type >= 1 && type <= LFH_OSARA_TYPE_LAST && type_names[type])
		return type_names[type];
	return "unknown";
}

uint32_t lfh_osara_type_parse(const char *name)
{
	if (!name)
		return 0;
	for (uint32_t t = 1; t <= LFH_OSARA_TYPE_LAST; t++)
		if (type_names[t] && strcmp(type_names[t], name) == 0)
			return t;
	return 0;
}

static const char *const stage_names[] = {
	"none", "referred", "assessed", "scanning", "analysis",
	"response", "assessment", "closure_proposed", "closed",
};

const char *lfh_osara_stage_name(int stage)
{
	if (stage >= LFH_OSARA_NONE && stage <= LFH_OSARA_CLOSED)
		return stage_names[stage];
	return "unknown";
}

static const char *const power_names[] = {
	"arrest", "cbo", "cpw", "cpn", "closure-notice", "closure-order", "injunction",
	"possession", "eviction", "tenancy-warning", "mediation", "warrant", "summons",
	"community-resolution", "env-health", "licensing", "signposting",
	"support-referral", "other",
};
static const char *const power_descs[] = {
	"arrest",
	"criminal behaviour order",
	"community protection warning",
	"community protection notice",
	"closure notice (premises)",
	"closure order (premises)",
	"injunction (e.g. housing injunction)",
	"possession proceedings",
	"eviction",
	"tenancy warning",
	"mediation",
	"warrant",
	"summons",
	"community resolution",
	"environmental-health enforcement",
	"licensing enforcement",
	"signposting to a support organisation",
	"referral to support (recovery, mental health, domestic-abuse support)",
	"other intervention",
};
#define NPOWERS (sizeof power_names / sizeof power_names[0])

const char *const *lfh_osara_powers(size_t *n)
{
	if (n)
		*n = NPOWERS;
	return power_names;
}

const char *lfh_osara_power_desc(const char *power)
{
	for (size_t i = 0; power && i < NPOWERS; i++)
		if (strcmp(power_names[i], power) == 0)
			return power_descs[i];
	return NULL;
}

static const char *const risk_levels[] = { "standard", "medium", "high", NULL };
static const char *const tri_values[] = { "yes", "partly", "no", NULL };
static const char *const statuses[] = { "open", "done", "cancelled", NULL };
static const char *const review_kinds[] = { "monthly", "closure", NULL };
static const char *const outcomes[] = { "continue", "close", NULL };
static const char *const consents[] = { "given", "refused", "not-sought", NULL };

/* ---- small helpers ----------------------------------------------------- */

/* Copy src into dst[size], cut at a UTF-8 boundary, zero-padded. */
static void cpy(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	memset(dst, 0, size);
	if (n > size - 1) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	if (n)
		memcpy(dst, src, n);
}
#define CPY(dst, src) cpy((dst), sizeof(dst), (src))

__attribute__((format(printf, 2, 3))) static int fail(char *why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, WHY_MAX, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * The string field key of b into *out: missing or empty fails when
 * required ("" when optional and absent), longer than max fails, a uint
 * where text belongs fails.
 */
static int get(const lfh_record *b, const char *key, int required, size_t max,
	       const char **out, char *why)
{
	const char *v = lfh_record_str(b, key);
	uint64_t u;

	if (!v) {
		if (lfh_record_uint(b, key, &u))
			return fail(why, "%s must be text", key);
		v = "";
	}
	if (required && !*v)
		return fail(why, "missing %s", key);
	if (strlen(v) > max)
		return fail(why, "%s is too long (max %zu bytes)", key, max);
	*out = v;
	return 0;
}

static int in_list(const char *v, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(v, list[i]) == 0)
			return 1;
	return 0;
}

/* A required field whose value must be one of list. */
static int get_enum(const lfh_record *b, const char *key, const char *const *list,
		    const char **out, char *why)
{
	char opts[128] = "";

	if (get(b, key, 1, LFH_VALUE_MAX, out, why))
		return -1;
	if (in_list(*out, list))
		return 0;
	for (size_t i = 0; list[i]; i++) {
		if (i)
			strncat(opts, list[i + 1] ? ", " : " or ", sizeof opts - strlen(opts) - 1);
		strncat(opts, list[i], sizeof opts - strlen(opts) - 1);
	}
	return fail(why, "%s must be %s", key, opts);
}

static int is_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c - 'A' + 10;
}

/* 64 hex digits (checked by is_hex) into 32 bytes. */
static void hex_to_id(const char *s, uint8_t id[LFH_ID_LEN])
{
	for (size_t i = 0; i < LFH_ID_LEN; i++)
		id[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
}

static int is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

long lfh_osara_date_days(const char *d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	long y, m, day;

	if (!d || strlen(d) != 10 || d[4] != '-' || d[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
			return -1;
	y = (d[0] - '0') * 1000L + (d[1] - '0') * 100L + (d[2] - '0') * 10L + (d[3] - '0');
	m = (d[5] - '0') * 10L + (d[6] - '0');
	day = (d[8] - '0') * 10L + (d[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || day < 1 ||
	    day > mdays[m - 1] + (m == 2 && is_leap(y)))
		return -1;
	/* days from civil (H. Hinnant), valid for y >= 1970 */
	y -= m <= 2;
	long era = y / 400, yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int get_date(const lfh_record *b, const char *key, const char **out, char *why)
{
	const char *v;

	if (get(b, key, 1, LFH_VALUE_MAX, &v, why))
		return -1;
	if (lfh_osara_date_days(v) < 0)
		return fail(why, "%s must be a valid date YYYY-MM-DD", key);
	*out = v;
	return 0;
}

/* Risk score: a uint field, or a decimal string of up to 9 digits. */
static int get_score(const lfh_record *b, uint64_t *score, char *why)
{
	const char *s = lfh_record_str(b, "score");
	uint64_t v = 0;

	if (lfh_record_uint(b, "score", score))
		return 0;
	if (!s || !*s)
		return fail(why, "missing score");
	if (strlen(s) > 9)
		return fail(why, "score is too large");
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return fail(why, "score must be a whole number");
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*score = v;
	return 0;
}

static const char *score_level(uint64_t score)
{
	return score >= 20 ? "high" : score >= 10 ? "medium" : "standard";
}

/* "q=a;q=a": at least one pair, each with a non-empty question. */
static int answers_valid(const char *s)
{
	int pairs = 0;
	const char *p = s;

	while (*p) {
		const char *end = strchr(p, ';'), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len) {
			eq = memchr(p, '=', len);
			if (!eq || eq == p)
				return 0;
			pairs++;
		}
		p += len + (end ? 1 : 0);
	}
	return pairs > 0;
}

static int find_participant(const lfh_osara_state *s, const char *agency)
{
	for (uint32_t i = 0; i < s->nparticipants; i++)
		if (strcmp(s->participants[i], agency) == 0)
			return (int)i;
	return -1;
}

static int find_action(const lfh_osara_state *s, const char *id)
{
	for (uint32_t i = 0; i < s->nactions; i++)
		if (strcmp(s->actions[i].id, id) == 0)
			return (int)i;
	return -1;
}

static int find_proposal(const lfh_osara_state *s, const uint8_t id[LFH_ID_LEN])
{
	for (uint32_t i = 0; i < s->nproposals; i++)
		if (memcmp(s->proposals[i].id, id, LFH_ID_LEN) == 0)
			return (int)i;
	return -1;
}

static int proposal_agreed(const lfh_osara_proposal *p, const char *agency)
{
	for (uint32_t i = 0; i < p->nagreed; i++)
		if (strcmp(p->agreed[i], agency) == 0)
			return 1;
	return 0;
}

/* ---- validation: the one copy of the rules ----------------------------- */

static int is_step(uint32_t type)
{
	return (type >= LFH_EV_REFERRAL && type <= LFH_EV_CLOSE) ||
	       (type >= LFH_EV_RISK && type <= LFH_OSARA_TYPE_LAST);
}

/* 0 if step (type, author, b) is valid on top of s, else -1 and why. */
static int validate(const lfh_osara_state *s, uint32_t type, const char *author,
		    const lfh_record *b, char *why)
{
	const char *by, *v, *w, *x;
	uint64_t score;
	int i;

	if (!is_step(type)) {
		if (type == LFH_EV_KEY || type == LFH_EV_ISA_PROPOSE || type == LFH_EV_ISA_SIGN)
			return fail(why, "a %s event is not a case step", lfh_osara_type_name(type));
		return fail(why, "unknown event type %" PRIu32, type);
	}
	if (s->stage == LFH_OSARA_NONE && type != LFH_EV_REFERRAL)
		return fail(why, "no referral: a case starts with its referral");
	if (s->stage != LFH_OSARA_NONE && type == LFH_EV_REFERRAL)
		return fail(why, "the case already has a referral");
	if (s->stage == LFH_OSARA_CLOSED && type != LFH_EV_NOTE && type != LFH_EV_EQUALITY)
		return fail(why, "the case is closed: only notes and equality notes may be added");
	if (get(b, "by", 1, LFH_OSARA_NAME_MAX, &by, why))
		return -1;

	switch (type) {
	case LFH_EV_REFERRAL:
		if (get(b, "summary", 1, LFH_VALUE_MAX, &v, why) ||
		    get(b, "location", 1, LFH_VALUE_MAX, &v, why) ||
		    get(b, "asb_category", 1, LFH_OSARA_NAME_MAX, &v, why) ||
		    get_enum(b, "risk", risk_levels, &v, why) ||
		    get(b, "subject", 0, LFH_VALUE_MAX, &v, why) ||
		    get(b, "description", 0, LFH_VALUE_MAX, &v, why) ||
		    get(b, "rereferral_of", 0, 2 * LFH_CASE_LEN, &v, why))
			return -1;
		if (*v && !is_hex(v, 2 * LFH_CASE_LEN))
			return fail(why, "rereferral_of must be a case id (%d hex digits)",
				    2 * LFH_CASE_LEN);
		if (s->nparticipants == LFH_OSARA_MAX_PARTICIPANTS &&
		    find_participant(s, author) < 0)
			return fail(why, "too many participants (max %d)", LFH_OSARA_MAX_PARTICIPANTS);
		return 0;

	case LFH_EV_NOTE:
		return get(b, "text", 1, LFH_VALUE_MAX, &v, why);

	case LFH_EV_JOIN:
		if (get(b, "agency", 1, LFH_AGENCY_MAX, &v, why))
			return -1;
		if (!lfh_name_valid(v))
			return fail(why, "agency '%.40s' is not a valid agency id", v);
		if (find_participant(s, v) < 0 && s->nparticipants == LFH_OSARA_MAX_PARTICIPANTS)
			return fail(why, "too many participants (max %d)", LFH_OSARA_MAX_PARTICIPANTS);
		return 0;

	case LFH_EV_CLOSE:
		if (get(b, "reason", 0, LFH_VALUE_MAX, &v, why))
			return -1;
		if (s->stage != LFH_OSARA_CLOSURE_PROPOSED)
			return fail(why, "cannot close: closure has not been proposed");
		if (!s->closure_review_hlc)
			return fail(why, "cannot close: no closure review with outcome close since "
					 "the closure was proposed");
		return 0;

	case LFH_EV_RISK:
		if (get_score(b, &score, why) || get_enum(b, "level", risk_levels, &v, why) ||
		    get(b, "answers", 1, LFH_VALUE_MAX, &w, why) ||
		    get(b, "override", 0, LFH_VALUE_MAX, &x, why))
			return -1;
		if (!answers_valid(w))
			return fail(why, "answers must be question=answer pairs separated by ';'");
		if (strcmp(v, score_level(score)) != 0 && !*x)
			return fail(why, "risk level %s differs from the level of score %" PRIu64
					 " (%s): an override reason is required",
				    v, score, score_level(score));
		return 0;

	case LFH_EV_OBJECTIVE:
		return get(b, "text", 1, LFH_VALUE_MAX, &v, why);

	case LFH_EV_SCANNING:
		if (get(b, "text", 1, LFH_VALUE_MAX, &v, why))
			return -1;
		if (s->stage < LFH_OSARA_ASSESSED)
			return fail(why, "the referral must be risk-assessed before scanning");
		return 0;

	case LFH_EV_MEETING:
		if (get_date(b, "date", &v, why) ||
		    get(b, "attendees", 1, LFH_VALUE_MAX, &v, why) ||
		    get(b, "victim", 1, LFH_VALUE_MAX, &v, why) ||
		    get(b, "offender", 1, LFH_VALUE_MAX, &v, why) ||
		    get(b, "location", 1, LFH_VALUE_MAX, &v, why) ||
		    get(b, "responses", 1, LFH_VALUE_MAX, &v, why))
			return -1;
		if (s->stage < LFH_OSARA_SCANNING)
			return fail(why, "cannot hold a case meeting before the initial scanning "
					 "is recorded");
		if (s->nmeetings == LFH_OSARA_MAX_MEETINGS)
			return fail(why, "too many meetings (max %d)", LFH_OSARA_MAX_MEETINGS);
		return 0;

	case LFH_EV_ACTION:
		if (get(b, "action", 1, LFH_OSARA_ACTION_ID_LEN, &v, why) ||
		    get(b, "agency", 1, LFH_OSARA_NAME_MAX, &w, why) ||
		    get(b, "power", 1, 32, &x, why) ||
		    get(b, "text", 1, LFH_VALUE_MAX, &w, why) ||
		    get_date(b, "due", &w, why))
			return -1;
		if (strlen(v) != LFH_OSARA_ACTION_ID_LEN || strspn(v, "0123456789abcdef") !=
		    LFH_OSARA_ACTION_ID_LEN)
			return fail(why, "action must be an id of %d lowercase hex digits",
				    LFH_OSARA_ACTION_ID_LEN);
		if (!lfh_osara_power_desc(x))
			return fail(why, "power '%.32s' is not in the controlled list of "
					 "intervention powers", x);
		if (s->stage < LFH_OSARA_ANALYSIS)
			return fail(why, "cannot task an action before a case meeting has agreed "
					 "the responses");
		if (find_action(s, v) >= 0)
			return fail(why, "action %s already exists", v);
		if (s->nactions == LFH_OSARA_MAX_ACTIONS)
			return fail(why, "too many actions (max %d)", LFH_OSARA_MAX_ACTIONS);
		return 0;

	case LFH_EV_ACTION_UPDATE:
		if (get(b, "action", 1, LFH_OSARA_ACTION_ID_LEN, &v, why) ||
		    get_enum(b, "status", statuses, &w, why) ||
		    get(b, "text", 1, LFH_VALUE_MAX, &w, why))
			return -1;
		if (find_action(s, v) < 0)
			return fail(why, "no action %s on this case", v);
		return 0;

	case LFH_EV_ASSESSMENT:
		if (get_enum(b, "plan_done", tri_values, &v, why) ||
		    get_enum(b, "problem_stopped", tri_values, &v, why) ||
		    get(b, "text", 1, LFH_VALUE_MAX, &v, why))
			return -1;
		if (s->nactions == 0)
			return fail(why, "cannot assess the response before any action has been "
					 "tasked");
		return 0;

	case LFH_EV_REVIEW:
		if (get_enum(b, "kind", review_kinds, &v, why) ||
		    get_enum(b, "outcome", outcomes, &w, why) ||
		    get(b, "text", 1, LFH_VALUE_MAX, &x, why))
			return -1;
		if (strcmp(v, "monthly") == 0 && s->stage < LFH_OSARA_ASSESSED)
			return fail(why, "a monthly review needs the referral to be risk-assessed "
					 "first");
		if (strcmp(v, "closure") == 0 && s->stage != LFH_OSARA_CLOSURE_PROPOSED)
			return fail(why, "a closure review needs a closure proposal");
		if (s->nreviews == LFH_OSARA_MAX_REVIEWS)
			return fail(why, "too many reviews (max %d)", LFH_OSARA_MAX_REVIEWS);
		return 0;

	case LFH_EV_CLOSE_PROPOSE:
		if (get(b, "reason", 1, LFH_VALUE_MAX, &v, why))
			return -1;
		if (s->stage == LFH_OSARA_CLOSURE_PROPOSED)
			return fail(why, "closure is already proposed");
		if (s->stage < LFH_OSARA_ASSESSMENT)
			return fail(why, "cannot propose closure before the response has been "
					 "assessed");
		return 0;

	case LFH_EV_LEAD_PROPOSE:
		if (get(b, "lead", 1, LFH_AGENCY_MAX, &v, why))
			return -1;
		if (!lfh_name_valid(v))
			return fail(why, "lead '%.40s' is not a valid agency id", v);
		if (find_participant(s, author) < 0)
			return fail(why, "only a participating agency may propose a lead agency "
					 "(%.40s is not a participant)", author);
		if (find_participant(s, v) < 0)
			return fail(why, "%.40s is not a participant of the case: invite it first", v);
		if (strcmp(s->lead, v) == 0)
			return fail(why, "%.40s is already the lead agency", v);
		if (s->nproposals == LFH_OSARA_MAX_PROPOSALS)
			return fail(why, "too many lead proposals (max %d)", LFH_OSARA_MAX_PROPOSALS);
		return 0;

	case LFH_EV_LEAD_AGREE: {
		uint8_t id[LFH_ID_LEN];
		if (get(b, "proposal", 1, 2 * LFH_ID_LEN, &v, why))
			return -1;
		if (!is_hex(v, 2 * LFH_ID_LEN))
			return fail(why, "proposal must be the event id (%d hex digits) of a lead "
					 "proposal", 2 * LFH_ID_LEN);
		hex_to_id(v, id);
		if ((i = find_proposal(s, id)) < 0)
			return fail(why, "no lead proposal %.8s on this case", v);
		if (find_participant(s, author) < 0)
			return fail(why, "only a participating agency may agree to a lead agency "
					 "(%.40s is not a participant)", author);
		if (s->proposals[i].decided)
			return fail(why, "lead proposal %.8s has already been decided", v);
		if (proposal_agreed(&s->proposals[i], author))
			return fail(why, "%.40s has already agreed to lead proposal %.8s", author, v);
		return 0;
	}

	case LFH_EV_EQUALITY:
		if (get(b, "text", 1, LFH_VALUE_MAX, &v, why) ||
		    get_enum(b, "consent", consents, &v, why))
			return -1;
		return 0;
	}
	return fail(why, "unknown event type %" PRIu32, type);
}

int lfh_osara_check(const lfh_osara_state *s, uint32_t type, const char *author,
		    const lfh_record *body, lfh_err *err)
{
	char why[WHY_MAX];

	if (!s || !body)
		return lfh_err_set(err, LFH_EINVAL, "osara check: no state or no body");
	if (!lfh_name_valid(author))
		return lfh_err_set(err, LFH_EINVAL, "osara check: invalid author agency id");
	if (validate(s, type, author, body, why))
		return lfh_err_set(err, LFH_EINVAL, "%s", why);
	return 0;
}

/* ---- applying a valid step --------------------------------------------- */

static void add_participant(lfh_osara_state *s, const char *agency)
{
	if (find_participant(s, agency) < 0 && s->nparticipants < LFH_OSARA_MAX_PARTICIPANTS)
		CPY(s->participants[s->nparticipants++], agency);
}

/* Append to the timeline summary (if listed). */
static void note(lfh_osara_entry *e, const char *text)
{
	char buf[2 * (LFH_OSARA_LINE_MAX + 1)];
	if (!e)
		return;
	snprintf(buf, sizeof buf, "%s%s", e->summary, text);
	CPY(e->summary, buf);
}

/* If every participant has agreed to proposal p, the lead changes. */
static void lead_decide(lfh_osara_state *s, lfh_osara_proposal *p, uint64_t hlc,
			lfh_osara_entry *e)
{
	char buf[LFH_OSARA_LINE_MAX + 1];

	for (uint32_t i = 0; i < s->nparticipants; i++)
		if (!proposal_agreed(p, s->participants[i]))
			return;
	p->decided = 1;
	CPY(s->lead, p->lead);
	s->lead_hlc = hlc;
	snprintf(buf, sizeof buf, "; all agreed, lead is now %s", p->lead);
	note(e, buf);
}

static void apply(lfh_osara_state *s, const lfh_osara_event *ev, const char *author,
		  const lfh_record *b, lfh_osara_entry *e)
{
	const char *by = lfh_record_str(b, "by");

	switch (ev->type) {
	case LFH_EV_REFERRAL:
		s->stage = LFH_OSARA_REFERRED;
		s->referral_hlc = ev->hlc;
		CPY(s->referral_author, author);
		CPY(s->referral_by, by);
		CPY(s->summary, lfh_record_str(b, "summary"));
		CPY(s->location, lfh_record_str(b, "location"));
		CPY(s->subject, lfh_record_str(b, "subject"));
		CPY(s->asb_category, lfh_record_str(b, "asb_category"));
		CPY(s->referral_risk, lfh_record_str(b, "risk"));
		CPY(s->risk_level, lfh_record_str(b, "risk"));
		CPY(s->rereferral_of, lfh_record_str(b, "rereferral_of"));
		CPY(s->lead, author);
		add_participant(s, author);
		break;
	case LFH_EV_NOTE:
		s->nnotes++;
		break;
	case LFH_EV_JOIN: {
		const char *agency = lfh_record_str(b, "agency");
		if (find_participant(s, agency) >= 0)
			note(e, " (already a participant)");
		add_participant(s, agency);
		break;
	}
	case LFH_EV_CLOSE:
		s->stage = LFH_OSARA_CLOSED;
		s->closed_hlc = ev->hlc;
		CPY(s->close_reason, lfh_record_str(b, "reason"));
		break;
	case LFH_EV_RISK: {
		uint64_t score = 0;
		char why[WHY_MAX];
		get_score(b, &score, why);
		s->risk_assessed = 1;
		s->risk_score = score;
		CPY(s->risk_level, lfh_record_str(b, "level"));
		CPY(s->risk_answers, lfh_record_str(b, "answers"));
		CPY(s->risk_override, lfh_record_str(b, "override"));
		s->risk_hlc = ev->hlc;
		if (s->stage == LFH_OSARA_REFERRED)
			s->stage = LFH_OSARA_ASSESSED;
		break;
	}
	case LFH_EV_OBJECTIVE:
		CPY(s->objective, lfh_record_str(b, "text"));
		s->objective_hlc = ev->hlc;
		break;
	case LFH_EV_SCANNING:
		CPY(s->scanning, lfh_record_str(b, "text"));
		s->scanning_hlc = ev->hlc;
		if (s->stage == LFH_OSARA_ASSESSED)
			s->stage = LFH_OSARA_SCANNING;
		break;
	case LFH_EV_MEETING: {
		lfh_osara_meeting *m = &s->meetings[s->nmeetings++];
		m->hlc = ev->hlc;
		CPY(m->author, author);
		CPY(m->by, by);
		CPY(m->date, lfh_record_str(b, "date"));
		CPY(m->attendees, lfh_record_str(b, "attendees"));
		CPY(m->victim, lfh_record_str(b, "victim"));
		CPY(m->offender, lfh_record_str(b, "offender"));
		CPY(m->location, lfh_record_str(b, "location"));
		CPY(m->responses, lfh_record_str(b, "responses"));
		if (s->stage == LFH_OSARA_SCANNING)
			s->stage = LFH_OSARA_ANALYSIS;
		break;
	}
	case LFH_EV_ACTION: {
		lfh_osara_action *a = &s->actions[s->nactions++];
		CPY(a->id, lfh_record_str(b, "action"));
		CPY(a->agency, lfh_record_str(b, "agency"));
		CPY(a->power, lfh_record_str(b, "power"));
		CPY(a->text, lfh_record_str(b, "text"));
		CPY(a->due, lfh_record_str(b, "due"));
		CPY(a->status, "open");
		CPY(a->author, author);
		CPY(a->by, by);
		a->created_hlc = ev->hlc;
		if (s->stage == LFH_OSARA_ANALYSIS)
			s->stage = LFH_OSARA_RESPONSE;
		break;
	}
	case LFH_EV_ACTION_UPDATE: {
		lfh_osara_action *a = &s->actions[find_action(s, lfh_record_str(b, "action"))];
		CPY(a->status, lfh_record_str(b, "status"));
		CPY(a->last_update, lfh_record_str(b, "text"));
		a->updated_hlc = ev->hlc;
		a->nupdates++;
		break;
	}
	case LFH_EV_ASSESSMENT:
		s->assessed = 1;
		CPY(s->plan_done, lfh_record_str(b, "plan_done"));
		CPY(s->problem_stopped, lfh_record_str(b, "problem_stopped"));
		CPY(s->assessment, lfh_record_str(b, "text"));
		s->assessment_hlc = ev->hlc;
		if (s->stage == LFH_OSARA_RESPONSE)
			s->stage = LFH_OSARA_ASSESSMENT;
		break;
	case LFH_EV_REVIEW: {
		lfh_osara_review *r = &s->reviews[s->nreviews++];
		r->hlc = ev->hlc;
		CPY(r->author, author);
		CPY(r->by, by);
		CPY(r->kind, lfh_record_str(b, "kind"));
		CPY(r->outcome, lfh_record_str(b, "outcome"));
		CPY(r->text, lfh_record_str(b, "text"));
		s->last_review_hlc = ev->hlc;
		if (strcmp(r->kind, "closure") == 0) {
			if (strcmp(r->outcome, "continue") == 0) {
				s->stage = s->prev_stage;
				s->prev_stage = LFH_OSARA_NONE;
				s->closure_proposed_hlc = 0;
				s->closure_review_hlc = 0;
				memset(s->closure_reason, 0, sizeof s->closure_reason);
				note(e, "; closure proposal withdrawn");
			} else {
				s->closure_review_hlc = ev->hlc;
			}
		}
		break;
	}
	case LFH_EV_CLOSE_PROPOSE:
		s->prev_stage = s->stage;
		s->stage = LFH_OSARA_CLOSURE_PROPOSED;
		s->closure_proposed_hlc = ev->hlc;
		s->closure_review_hlc = 0;
		CPY(s->closure_reason, lfh_record_str(b, "reason"));
		break;
	case LFH_EV_LEAD_PROPOSE: {
		lfh_osara_proposal *p = &s->proposals[s->nproposals++];
		memcpy(p->id, ev->id, LFH_ID_LEN);
		p->hlc = ev->hlc;
		CPY(p->lead, lfh_record_str(b, "lead"));
		CPY(p->proposer, author);
		CPY(p->agreed[p->nagreed++], author);
		lead_decide(s, p, ev->hlc, e);
		break;
	}
	case LFH_EV_LEAD_AGREE: {
		uint8_t id[LFH_ID_LEN];
		lfh_osara_proposal *p;
		hex_to_id(lfh_record_str(b, "proposal"), id);
		p = &s->proposals[find_proposal(s, id)];
		if (p->nagreed < LFH_OSARA_MAX_PARTICIPANTS)
			CPY(p->agreed[p->nagreed++], author);
		lead_decide(s, p, ev->hlc, e);
		break;
	}
	case LFH_EV_EQUALITY:
		s->nequality++;
		CPY(s->equality_consent, lfh_record_str(b, "consent"));
		break;
	}
}

/* One line describing the step, from its body alone. */
static void summarise(uint32_t type, const lfh_record *b, char *out, size_t size)
{
	char buf[640];
#define F(k) (lfh_record_str(b, (k)) ? lfh_record_str(b, (k)) : "")
	switch (type) {
	case LFH_EV_REFERRAL:
		snprintf(buf, sizeof buf, "referral (%.40s, risk %.12s): %.200s", F("asb_category"),
			 F("risk"), F("summary"));
		break;
	case LFH_EV_NOTE:
		snprintf(buf, sizeof buf, "note: %.200s", F("text"));
		break;
	case LFH_EV_JOIN:
		snprintf(buf, sizeof buf, "%.40s joins the case", F("agency"));
		break;
	case LFH_EV_CLOSE:
		snprintf(buf, sizeof buf, "case closed: %.200s", F("reason"));
		break;
	case LFH_EV_RISK: {
		uint64_t score = 0;
		char why[WHY_MAX];
		get_score(b, &score, why);
		snprintf(buf, sizeof buf, "risk %.12s (score %" PRIu64 ")%s%.200s", F("level"), score,
			 *F("override") ? ", override: " : "", F("override"));
		break;
	}
	case LFH_EV_OBJECTIVE:
		snprintf(buf, sizeof buf, "objective: %.200s", F("text"));
		break;
	case LFH_EV_SCANNING:
		snprintf(buf, sizeof buf, "scanning: %.200s", F("text"));
		break;
	case LFH_EV_MEETING:
		snprintf(buf, sizeof buf, "case meeting %.10s (%.200s)", F("date"), F("attendees"));
		break;
	case LFH_EV_ACTION:
		snprintf(buf, sizeof buf, "action %.8s: %.40s [%.24s] due %.10s: %.200s", F("action"),
			 F("agency"), F("power"), F("due"), F("text"));
		break;
	case LFH_EV_ACTION_UPDATE:
		snprintf(buf, sizeof buf, "action %.8s %.12s: %.200s", F("action"), F("status"),
			 F("text"));
		break;
	case LFH_EV_ASSESSMENT:
		snprintf(buf, sizeof buf, "assessment: plan done %.8s, problem stopped %.8s",
			 F("plan_done"), F("problem_stopped"));
		break;
	case LFH_EV_REVIEW:
		snprintf(buf, sizeof buf, "%.8s review: %.10s", F("kind"), F("outcome"));
		break;
	case LFH_EV_CLOSE_PROPOSE:
		snprintf(buf, sizeof buf, "closure proposed: %.200s", F("reason"));
		break;
	case LFH_EV_LEAD_PROPOSE:
		snprintf(buf, sizeof buf, "proposes %.40s as lead agency", F("lead"));
		break;
	case LFH_EV_LEAD_AGREE:
		snprintf(buf, sizeof buf, "agrees to lead proposal %.8s", F("proposal"));
		break;
	case LFH_EV_EQUALITY:
		snprintf(buf, sizeof buf, "equality note (consent %.12s)", F("consent"));
		break;
	default:
		snprintf(buf, sizeof buf, "%s event", lfh_osara_type_name(type));
		break;
	}
#undef F
	cpy(out, size, buf);
}

/* The next timeline slot, or NULL (and the marker updated) when full. */
static lfh_osara_entry *timeline_add(lfh_osara_state *s, const lfh_osara_event *ev)
{
	lfh_osara_entry *e;

	if (s->ntimeline < LFH_OSARA_MAX_TIMELINE - 1) {
		e = &s->timeline[s->ntimeline++];
		e->hlc = ev->hlc;
		e->seq = ev->seq;
		memcpy(e->id, ev->id, LFH_ID_LEN);
		e->type = ev->type;
		CPY(e->type_name, lfh_osara_type_name(ev->type));
		cpy(e->author, sizeof e->author, "");
		memcpy(e->author, ev->author, strnlen(ev->author, LFH_AGENCY_MAX));
		return e;
	}
	e = &s->timeline[LFH_OSARA_MAX_TIMELINE - 1];
	s->ntimeline = LFH_OSARA_MAX_TIMELINE;
	s->timeline_omitted++;
	memset(e, 0, sizeof *e);
	e->hlc = ev->hlc;
	e->ignored = 1;
	CPY(e->type_name, "overflow");
	snprintf(e->summary, sizeof e->summary, "timeline full (max %d entries)",
		 LFH_OSARA_MAX_TIMELINE);
	snprintf(e->reason, sizeof e->reason, "%" PRIu32 " later events not listed",
		 s->timeline_omitted);
	return NULL;
}

static void step(lfh_osara_state *s, const lfh_osara_event *ev)
{
	char author[LFH_AGENCY_MAX + 1] = { 0 }, why[WHY_MAX];
	lfh_osara_entry *e;

	if (ev->type == LFH_EV_KEY || ev->type == LFH_EV_ISA_PROPOSE ||
	    ev->type == LFH_EV_ISA_SIGN)
		return;
	memcpy(author, ev->author, strnlen(ev->author, LFH_AGENCY_MAX));
	e = timeline_add(s, ev);
	if (!ev->body) {
		s->nunreadable++;
		if (e) {
			e->unreadable = 1;
			CPY(e->summary, "not readable at this node");
		}
		return;
	}
	if (e) {
		CPY(e->by, lfh_record_str(ev->body, "by"));
		summarise(ev->type, ev->body, e->summary, sizeof e->summary);
	}
	if (validate(s, ev->type, author, ev->body, why)) {
		s->nignored++;
		if (e) {
			e->ignored = 1;
			CPY(e->reason, why);
		}
		return;
	}
	apply(s, ev, author, ev->body, e);
}

/* ---- projection -------------------------------------------------------- */

static int ev_cmp(const void *pa, const void *pb)
{
	const lfh_osara_event *a = *(const lfh_osara_event *const *)pa;
	const lfh_osara_event *b = *(const lfh_osara_event *const *)pb;
	int c;

	if (a->hlc != b->hlc)
		return a->hlc < b->hlc ? -1 : 1;
	if ((c = strncmp(a->author, b->author, sizeof a->author)))
		return c;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	if ((c = memcmp(a->id, b->id, LFH_ID_LEN)))
		return c;
	/* the same event twice: a readable copy first */
	return (a->body == NULL) - (b->body == NULL);
}

void lfh_osara_init(lfh_osara_state *s)
{
	memset(s, 0, sizeof *s);
}

int lfh_osara_project(const lfh_osara_event *ev, size_t n,
		      const char *const *initial_participants, size_t np,
		      lfh_osara_state *out, lfh_err *err)
{
	const lfh_osara_event **ord = NULL;

	if (!out || (n && !ev) || (np && !initial_participants))
		return lfh_err_set(err, LFH_EINVAL, "osara: bad arguments");
	lfh_osara_init(out);
	for (size_t i = 0; i < np; i++) {
		if (!lfh_name_valid(initial_participants[i]))
			return lfh_err_set(err, LFH_EINVAL, "osara: invalid participant agency id");
		if (find_participant(out, initial_participants[i]) < 0 &&
		    out->nparticipants == LFH_OSARA_MAX_PARTICIPANTS)
			return lfh_err_set(err, LFH_EINVAL, "osara: too many participants (max %d)",
					   LFH_OSARA_MAX_PARTICIPANTS);
		add_participant(out, initial_participants[i]);
	}
	if (n == 0)
		return 0;
	if (n > SIZE_MAX / sizeof *ord)
		return lfh_err_set(err, LFH_EINVAL, "osara: too many events");
	if (!(ord = malloc(n * sizeof *ord)))
		return lfh_err_set(err, LFH_ENOMEM, "osara: out of memory");
	for (size_t i = 0; i < n; i++)
		ord[i] = &ev[i];
	qsort(ord, n, sizeof *ord, ev_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && memcmp(ord[i]->id, ord[i - 1]->id, LFH_ID_LEN) == 0 &&
		    ord[i]->hlc == ord[i - 1]->hlc)
			continue; /* duplicate */
		step(out, ord[i]);
	}
	free(ord);
	return 0;
}

/* ---- equality ---------------------------------------------------------- */

#define EQ_U(f)                 \
	do {                    \
		if (a->f != b->f) \
			return 0; \
	} while (0)
#define EQ_S(f)                          \
	do {                             \
		if (strcmp(a->f, b->f)) \
			return 0;        \
	} while (0)
#define EQ_M(f)                                       \
	do {                                          \
		if (memcmp(a->f, b->f, sizeof a->f)) \
			return 0;                     \
	} while (0)

static int meeting_equal(const lfh_osara_meeting *a, const lfh_osara_meeting *b)
{
	EQ_U(hlc);
	EQ_S(author);
	EQ_S(by);
	EQ_S(date);
	EQ_S(attendees);
	EQ_S(victim);
	EQ_S(offender);
	EQ_S(location);
	EQ_S(responses);
	return 1;
}

static int action_equal(const lfh_osara_action *a, const lfh_osara_action *b)
{
	EQ_S(id);
	EQ_S(agency);
	EQ_S(power);
	EQ_S(text);
	EQ_S(due);
	EQ_S(status);
	EQ_S(author);
	EQ_S(by);
	EQ_U(created_hlc);
	EQ_U(updated_hlc);
	EQ_U(nupdates);
	EQ_S(last_update);
	return 1;
}

static int review_equal(const lfh_osara_review *a, const lfh_osara_review *b)
{
	EQ_U(hlc);
	EQ_S(author);
	EQ_S(by);
	EQ_S(kind);
	EQ_S(outcome);
	EQ_S(text);
	return 1;
}

static int proposal_equal(const lfh_osara_proposal *a, const lfh_osara_proposal *b)
{
	EQ_M(id);
	EQ_U(hlc);
	EQ_S(lead);
	EQ_S(proposer);
	EQ_U(decided);
	EQ_U(nagreed);
	for (uint32_t i = 0; i < a->nagreed; i++)
		EQ_S(agreed[i]);
	return 1;
}

static int entry_equal(const lfh_osara_entry *a, const lfh_osara_entry *b)
{
	EQ_U(hlc);
	EQ_U(seq);
	EQ_M(id);
	EQ_U(type);
	EQ_S(type_name);
	EQ_S(author);
	EQ_S(by);
	EQ_S(summary);
	EQ_U(ignored);
	EQ_U(unreadable);
	EQ_S(reason);
	return 1;
}

int lfh_osara_state_equal(const lfh_osara_state *a, const lfh_osara_state *b)
{
	if (a == b)
		return 1;
	if (!a || !b)
		return 0;
	EQ_U(stage);
	EQ_U(prev_stage);
	EQ_S(lead);
	EQ_U(lead_hlc);
	EQ_U(nparticipants);
	for (uint32_t i = 0; i < a->nparticipants; i++)
		EQ_S(participants[i]);
	EQ_U(referral_hlc);
	EQ_S(referral_author);
	EQ_S(referral_by);
	EQ_S(summary);
	EQ_S(location);
	EQ_S(subject);
	EQ_S(asb_category);
	EQ_S(referral_risk);
	EQ_S(rereferral_of);
	EQ_U(risk_assessed);
	EQ_S(risk_level);
	EQ_U(risk_score);
	EQ_S(risk_answers);
	EQ_S(risk_override);
	EQ_U(risk_hlc);
	EQ_S(objective);
	EQ_U(objective_hlc);
	EQ_S(scanning);
	EQ_U(scanning_hlc);
	EQ_U(nmeetings);
	for (uint32_t i = 0; i < a->nmeetings; i++)
		if (!meeting_equal(&a->meetings[i], &b->meetings[i]))
			return 0;
	EQ_U(nactions);
	for (uint32_t i = 0; i < a->nactions; i++)
		if (!action_equal(&a->actions[i], &b->actions[i]))
			return 0;
	EQ_U(assessed);
	EQ_S(plan_done);
	EQ_S(problem_stopped);
	EQ_S(assessment);
	EQ_U(assessment_hlc);
	EQ_U(nreviews);
	for (uint32_t i = 0; i < a->nreviews; i++)
		if (!review_equal(&a->reviews[i], &b->reviews[i]))
			return 0;
	EQ_U(last_review_hlc);
	EQ_U(closure_proposed_hlc);
	EQ_S(closure_reason);
	EQ_U(closure_review_hlc);
	EQ_U(closed_hlc);
	EQ_S(close_reason);
	EQ_U(nproposals);
	for (uint32_t i = 0; i < a->nproposals; i++)
		if (!proposal_equal(&a->proposals[i], &b->proposals[i]))
			return 0;
	EQ_U(nnotes);
	EQ_U(nequality);
	EQ_S(equality_consent);
	EQ_U(nignored);
	EQ_U(nunreadable);
	EQ_U(ntimeline);
	EQ_U(timeline_omitted);
	for (uint32_t i = 0; i < a->ntimeline; i++)
		if (!entry_equal(&a->timeline[i], &b->timeline[i]))
			return 0;
	return 1;
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
		unsigned days = strcmp(lvl, "high") == 0 ? 7 : strcmp(lvl, "medium") == 0 ? 14 : 28;
		snprintf(what, sizeof what, "first case meeting (risk %s: within %u days of the "
			 "referral)", lvl, days);
		due_fill(&all[k++], LFH_OSARA_DUE_MEETING, "", s->lead, what,
			 lfh_hlc_ms(s->referral_hlc) + days * LFH_OSARA_DAY_MS, now_ms);
	}
	{
		uint64_t base = s->last_review_hlc ? s->last_review_hlc : s->referral_hlc;
		snprintf(what, sizeof what, "monthly review (%d days after the %s)",
			 LFH_OSARA_REVIEW_DAYS, s->last_review_hlc ? "last review" : "referral");
		due_fill(&all[k++], LFH_OSARA_DUE_REVIEW, "", s->lead, what,
			 lfh_hlc_ms(base) + LFH_OSARA_REVIEW_DAYS * LFH_OSARA_DAY_MS, now_ms);
	}
	for (uint32_t i = 0; i < s->nactions; i++) {
		const lfh_osara_action *a = &s->actions[i];
		long days = lfh_osara_date_days(a->due);
		if (strcmp(a->status, "open") != 0 || days < 0)
			continue;
		snprintf(what, sizeof what, "%s: %s", a->power, a->text);
		due_fill(&all[k++], LFH_OSARA_DUE_ACTION, a->id, a->agency, what,
			 (uint64_t)(days + 1) * LFH_OSARA_DAY_MS, now_ms);
	}
	qsort(all, k, sizeof all[0], due_cmp);
	for (size_t i = 0; i < k && i < max; i++)
		items[i] = all[i];
	*n = k;
	return 0;
}
