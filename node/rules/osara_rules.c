/*
 * osara_rules.c - the OSARA step rules (see include/lfh/osara.h): field
 * validation of step bodies (os_validate, the single copy of the rules,
 * used by lfh_osara_check and by the projection), "on" and what an action's
 * outcome needs. Names, powers, dates and case references: osara_names.c;
 * due dates: osara_due.c.
 * The projection rules these implement are described at the top of osara.c.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/hlc.h"
#include "lfh/osara.h"
#include "osara_int.h"

/* ---- the values steps may take ---------------------------------------- */

static const char *const risk_levels[] = { "standard", "medium", "high", NULL };
static const char *const tri_values[] = { "yes", "partly", "no", NULL };
static const char *const statuses[] = { "open", "paused", "done", "cancelled", "refused",
					 "carried", NULL };
static const char *const refusals[] = { "refused", "not-engaged", NULL };
static const char *const review_kinds[] = { "monthly", "closure", NULL };
static const char *const outcomes[] = { "continue", "close", NULL };
static const char *const consents[] = { "given", "refused", "not-sought", NULL };

/* ---- small helpers ----------------------------------------------------- */

/* Copy src into dst[size], cut at a UTF-8 boundary, zero-padded. */
void os_cpy(char *dst, size_t size, const char *src)
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
void os_hex_to_id(const char *s, uint8_t id[LFH_ID_LEN])
{
	for (size_t i = 0; i < LFH_ID_LEN; i++)
		id[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
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
int os_get_score(const lfh_record *b, uint64_t *score, char *why)
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

static const char *score_level(uint64_t score, const uint32_t th[2])
{
	return score >= th[1] ? "high" : score >= th[0] ? "medium" : "standard";
}

/* "a,b" or "a,b,c": n decimal numbers lo..hi. */
static int parse_nums(const char *s, uint32_t *out, int n, uint32_t lo, uint32_t hi)
{
	for (int i = 0; i < n; i++) {
		uint64_t v = 0;
		int nd = 0;
		for (; *s >= '0' && *s <= '9' && nd < 10; s++, nd++)
			v = v * 10 + (uint64_t)(*s - '0');
		if (nd == 0 || nd > 9 || v < lo || v > hi || *s != (i == n - 1 ? '\0' : ','))
			return -1;
		out[i] = (uint32_t)v;
		s += i < n - 1;
	}
	return 0;
}

int os_risk_params(const lfh_record *b, uint32_t th[2], uint32_t meet[3], uint32_t rev[3],
		   char *why)
{
	const char *t = lfh_record_str(b, "thresholds"), *m = lfh_record_str(b, "meeting_days"),
		   *r = lfh_record_str(b, "review_days");

	th[0] = 10, th[1] = 20;
	meet[0] = 28, meet[1] = 14, meet[2] = 7;
	rev[0] = rev[1] = rev[2] = LFH_OSARA_REVIEW_DAYS;
	if (t && (parse_nums(t, th, 2, 1, 1000000) || th[0] >= th[1]))
		return fail(why, "thresholds must be \"MEDIUM,HIGH\" with 0 < MEDIUM < HIGH");
	if (m && parse_nums(m, meet, 3, 1, 3650))
		return fail(why, "meeting_days must be \"STANDARD,MEDIUM,HIGH\" (1..3650 days each)");
	if (r && parse_nums(r, rev, 3, 1, 3650))
		return fail(why, "review_days must be \"STANDARD,MEDIUM,HIGH\" (1..3650 days each)");
	return 0;
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

int os_find_participant(const lfh_osara_state *s, const char *agency)
{
	for (uint32_t i = 0; i < s->nparticipants; i++)
		if (strcmp(s->participants[i], agency) == 0)
			return (int)i;
	return -1;
}

int os_find_action(const lfh_osara_state *s, const char *id)
{
	for (uint32_t i = 0; i < s->nactions; i++)
		if (strcmp(s->actions[i].id, id) == 0)
			return (int)i;
	return -1;
}

int os_find_proposal(const lfh_osara_state *s, const uint8_t id[LFH_ID_LEN])
{
	for (uint32_t i = 0; i < s->nproposals; i++)
		if (memcmp(s->proposals[i].id, id, LFH_ID_LEN) == 0)
			return (int)i;
	return -1;
}

int os_proposal_agreed(const lfh_osara_proposal *p, const char *agency)
{
	for (uint32_t i = 0; i < p->nagreed; i++)
		if (strcmp(p->agreed[i], agency) == 0)
			return 1;
	return 0;
}

int lfh_osara_action_settled(const lfh_osara_action *a)
{
	return strcmp(a->status, "open") != 0 && strcmp(a->status, "paused") != 0;
}

/*
 * A case closes only when every action is accounted for (done, cancelled,
 * refused or carried over): which remain open or paused, if any, is the
 * reason it may not.
 */
static int open_actions(const lfh_osara_state *s, char *why)
{
	char list[200] = "";
	size_t len = 0, n = 0;

	for (uint32_t i = 0; i < s->nactions; i++) {
		const lfh_osara_action *a = &s->actions[i];
		if (lfh_osara_action_settled(a))
			continue;
		if (n++ < 4)
			len += (size_t)snprintf(list + len, sizeof list - len, "%s%s (%.24s, %s)",
						len ? ", " : "", a->id, a->agency, a->status);
		if (len >= sizeof list)
			len = sizeof list - 1;
	}
	if (!n)
		return 0;
	return fail(why, "cannot close: %zu action%s still open or paused: %s%s; record each as "
		    "done, cancelled, refused or carried over first (lfh case update)", n,
		    n == 1 ? " is" : "s are", list, n > 4 ? ", ..." : "");
}

uint64_t os_on_ms(const lfh_record *b, uint64_t hlc)
{
	uint64_t ms;
	int dated;

	if (b && lfh_osara_on_ms(lfh_record_str(b, "on"), &ms, &dated) == 0)
		return ms;
	return lfh_hlc_ms(hlc);
}

/* "on" and "team", which any step may carry. */
static int common_fields(const lfh_record *b, uint64_t hlc, char *why)
{
	const char *on, *team;
	uint64_t ms, stamp = lfh_hlc_ms(hlc);
	int dated;

	if (get(b, "on", 0, LFH_OSARA_ON_MAX, &on, why) ||
	    get(b, "team", 0, LFH_OSARA_NAME_MAX, &team, why))
		return -1;
	if (*team && !lfh_name_valid(team))
		return fail(why, "team '%.40s' must be 1 to 31 lowercase letters, digits, '-' or '_'", team);
	if (!*on)
		return 0;
	if (lfh_osara_on_ms(on, &ms, &dated))
		return fail(why, "on must be a date YYYY-MM-DD or a time YYYY-MM-DDTHH:MMZ (UTC)");
	if (dated ? ms > stamp + LFH_OSARA_DAY_MS : ms > stamp + LFH_OSARA_ON_AHEAD_MS)
		return fail(why, "on %s is in the future: an entry records when something happened "
			    "(it may be earlier than now, never later)", on);
	return 0;
}

/* An ACTION goes to a participant, or is signposted outside the hub (the lead follows it up). */
static int action_target(const lfh_osara_state *s, const lfh_record *b, char *why)
{
	const char *agency, *signpost, *team;

	if (get(b, "agency", 0, LFH_OSARA_NAME_MAX, &agency, why) ||
	    get(b, "signpost", 0, LFH_OSARA_NAME_MAX, &signpost, why) ||
	    get(b, "for_team", 0, LFH_OSARA_NAME_MAX, &team, why))
		return -1;
	if (*team && !lfh_name_valid(team))
		return fail(why, "for_team '%.40s' must be 1 to 31 lowercase letters, digits, '-' or '_'", team);
	if (*signpost) {
		if (*agency && strcmp(agency, s->lead) != 0)
			return fail(why, "a signposted action is followed up by the lead (%s), not "
				    "%.40s", s->lead, agency);
		return 0;
	}
	if (!*agency)
		return fail(why, "missing agency (or signpost, for an organisation outside the "
			    "hub)");
	if (lfh_name_valid(agency) && os_find_participant(s, agency) < 0)
		return fail(why, "%.40s does not take part in the case: invite %.40s first (or "
			    "signpost an organisation outside the hub)", agency, agency);
	return 0;
}

/* An ACTION_UPDATE's outcome and what it needs. */
static int action_outcome(const lfh_record *b, char *why)
{
	const char *status, *v;

	if (get_enum(b, "status", statuses, &status, why) ||
	    get(b, "text", 1, LFH_VALUE_MAX, &v, why) ||
	    get(b, "who", 0, LFH_VALUE_MAX, &v, why))
		return -1;
	if (strcmp(status, "paused") == 0 && get_date(b, "resume", &v, why))
		return fail(why, "a paused action needs its resume date (resume YYYY-MM-DD)");
	if (lfh_record_str(b, "refusal") &&
	    (strcmp(status, "refused") != 0 || get_enum(b, "refusal", refusals, &v, why)))
		return fail(why, "refusal is refused or not-engaged, for a refused action only");
	return 0;
}

/* ---- validation: the one copy of the rules ----------------------------- */

static int is_step(uint32_t type)
{
	return (type >= LFH_EV_REFERRAL && type <= LFH_EV_CLOSE) ||
	       (type >= LFH_EV_RISK && type <= LFH_OSARA_TYPE_LAST) || type == LFH_EV_LEAVE ||
	       type == LFH_EV_AMEND || type == LFH_EV_REDACT || type == LFH_EV_REOPEN ||
	       type == LFH_EV_ATTACH;
}

/* May an entry of this type be amended (redacted: an attachment too)? */
static int correctable(uint32_t type, uint32_t by_type)
{
	return type == LFH_EV_REFERRAL || type == LFH_EV_NOTE ||
	       (type >= LFH_EV_RISK && type <= LFH_OSARA_TYPE_LAST) ||
	       (type == LFH_EV_ATTACH && by_type == LFH_EV_REDACT);
}

/* The timeline entry with event id hex (64 digits, checked), or NULL. */
static const lfh_osara_entry *find_entry(const lfh_osara_state *s, const char *hex)
{
	uint8_t id[LFH_ID_LEN];

	os_hex_to_id(hex, id);
	for (uint32_t i = 0; i < s->ntimeline; i++)
		if (!memcmp(s->timeline[i].id, id, LFH_ID_LEN) && !s->timeline[i].ignored &&
		    !s->timeline[i].unreadable)
			return &s->timeline[i];
	return NULL;
}

/*
 * Who records the outcome of an action tasked to an agency of the hub: that
 * agency, the agency that tasked it (told of the outcome), or the case's
 * lead; never another participant (since 0.4.6: any participant could mark
 * another agency's action cancelled or done). An action signposted to an
 * outside organisation, which reports to the hub, any participant records
 * (the hub coordinator does, in the case studies).
 */
static int action_updater(const lfh_osara_state *s, const lfh_osara_action *a, const char *author,
			  char *why)
{
	if (a->signpost[0] || !strcmp(author, a->agency) || !strcmp(author, a->author) ||
	    !strcmp(author, s->lead))
		return 0;
	return fail(why, "only %s (tasked with action %s), %s (which tasked it) or the lead agency "
		    "(%s) may record its outcome", a->agency, a->id, a->author, s->lead);
}

/* AMEND and REDACT: the entry they name, and who may. */
static int correction(const lfh_osara_state *s, uint32_t type, const char *author,
		      const lfh_record *b, char *why)
{
	const lfh_osara_entry *e;
	const char *v, *w;

	if (get(b, "event", 1, 2 * LFH_ID_LEN, &v, why) ||
	    get(b, type == LFH_EV_AMEND ? "text" : "reason", 1, LFH_VALUE_MAX, &w, why))
		return -1;
	if (!is_hex(v, 2 * LFH_ID_LEN))
		return fail(why, "event must be the id (%d hex digits) of an entry of the case",
			    2 * LFH_ID_LEN);
	if (!(e = find_entry(s, v)) && s->timeline_omitted)
		return fail(why, "no entry %.12s among the first %d entries of this case (as held "
			    "here): a later one cannot be %s", v, LFH_OSARA_MAX_TIMELINE - 1,
			    type == LFH_EV_AMEND ? "amended" : "redacted");
	if (!e)
		return fail(why, "no entry %.12s in this case (as held here) to %s", v,
			    type == LFH_EV_AMEND ? "amend" : "redact");
	if (e->type == LFH_EV_ATTACH && type == LFH_EV_AMEND)
		return fail(why, "an attachment cannot be amended (the lead may redact it; attach "
			    "the right file)");
	if (!correctable(e->type, type))
		return fail(why, "a %s entry cannot be %s", e->type_name,
			    type == LFH_EV_AMEND ? "amended" : "redacted");
	if (e->redacted)
		return fail(why, "entry %.12s is already redacted", v);
	if (type == LFH_EV_AMEND && strcmp(author, e->author) != 0)
		return fail(why, "only %.40s, which wrote entry %.12s, may amend it", e->author, v);
	if (type == LFH_EV_REDACT && strcmp(author, s->lead) != 0)
		return fail(why, "only the lead agency (%s) may redact an entry", s->lead);
	return 0;
}

/* A file name as given: no path, no control characters. */
static int attach_name_ok(const char *v)
{
	if (!strcmp(v, ".") || !strcmp(v, ".."))
		return 0;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\')
			return 0;
	return 1;
}

static int lower_hex(const char *s, size_t len)
{
	return strlen(s) == len && strspn(s, "0123456789abcdef") == len;
}

/* An ATTACH's fields: the file's name, size, digest and where its chunks are. */
static int attach_fields(const lfh_record *b, char *why)
{
	const char *v;
	uint64_t size, chunks;

	if (get(b, "name", 1, LFH_ATTACH_NAME_MAX, &v, why))
		return -1;
	if (!attach_name_ok(v))
		return fail(why, "name must be a file name without '/', '\\' or control characters");
	if (!lfh_record_uint(b, "size", &size) || size < 1 || size > LFH_ATTACH_MAX)
		return fail(why, "size must be 1 to %u bytes", LFH_ATTACH_MAX);
	if (!lfh_record_uint(b, "chunks", &chunks) ||
	    chunks != (size + LFH_ATTACH_CHUNK - 1) / LFH_ATTACH_CHUNK)
		return fail(why, "chunks must be the size in pieces of %u bytes", LFH_ATTACH_CHUNK);
	if (get(b, "sha256", 1, 64, &v, why) || get(b, "att", 1, LFH_ATTACH_ID_HEX, &v, why))
		return -1;
	if (!lower_hex(lfh_record_str(b, "sha256"), 64))
		return fail(why, "sha256 must be 64 lowercase hex digits");
	if (!lower_hex(v, LFH_ATTACH_ID_HEX))
		return fail(why, "att must be %d lowercase hex digits", LFH_ATTACH_ID_HEX);
	if (get(b, "first", 1, 2 * LFH_ID_LEN, &v, why))
		return -1;
	if (!lower_hex(v, 2 * LFH_ID_LEN))
		return fail(why, "first must be the id (%d hex digits) of the first chunk",
			    2 * LFH_ID_LEN);
	return get(b, "text", 0, LFH_VALUE_MAX, &v, why);
}

/* 0 if step (type, author, b) is valid on top of s, else -1 and why. */
int os_validate(const lfh_osara_state *s, uint32_t type, const char *author,
		const lfh_record *b, uint64_t hlc, char *why)
{
	const char *by, *v, *w, *x;
	uint64_t score;
	int i;

	if (!is_step(type)) {
		if (type == LFH_EV_KEY || lfh_event_type_hub_wide(type))
			return fail(why, "a %s event is not a case step", lfh_osara_type_name(type));
		return fail(why, "unknown event type %" PRIu32, type);
	}
	if (s->stage == LFH_OSARA_NONE && type != LFH_EV_REFERRAL)
		return fail(why, "no referral: a case starts with its referral");
	if (s->stage != LFH_OSARA_NONE && type == LFH_EV_REFERRAL)
		return fail(why, "the case already has a referral");
	if (s->stage == LFH_OSARA_CLOSED && type != LFH_EV_AMEND && type != LFH_EV_REDACT &&
	    type != LFH_EV_REOPEN)
		return fail(why, "the case is closed: it takes no new work until the lead reopens it "
			    "(lfh case reopen)");
	if (s->stage != LFH_OSARA_CLOSED && type == LFH_EV_REOPEN)
		return fail(why, "the case is not closed");
	if (get(b, "by", 1, LFH_OSARA_NAME_MAX, &by, why) || common_fields(b, hlc, why))
		return -1;
	/* who may write it: the receiver rules (PROTOCOL.md 7.3), as every node applies them */
	if ((type == LFH_EV_JOIN || type == LFH_EV_LEAVE || type == LFH_EV_CLOSE ||
	     type == LFH_EV_REOPEN) && strcmp(author, s->lead) != 0)
		return fail(why, "only the lead agency (%s) may %s", s->lead,
			    type == LFH_EV_JOIN ? "invite an agency" :
			    type == LFH_EV_LEAVE ? "remove an agency from the case" :
			    type == LFH_EV_REOPEN ? "reopen the case" : "close the case");
	if (type != LFH_EV_REFERRAL && type != LFH_EV_LEAD_PROPOSE && type != LFH_EV_LEAD_AGREE &&
	    os_find_participant(s, author) < 0) /* those two say so in their own words */
		return fail(why, "%.40s does not take part in the case", author);

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
		if (get(b, "dob", 0, 10, &w, why))
			return -1;
		if (*w && !lfh_osara_birth_date_valid(w))
			return fail(why, "dob must be a date YYYY-MM-DD, 1900 or later");
		if (get(b, "ref", 0, LFH_OSARA_REF_MAX, &v, why))
			return -1;
		if (*v && !lfh_osara_ref_valid(v, author))
			return fail(why, "ref '%.40s' is not a reference %.40s may give (its id in "
				    "capitals, the year, a number: e.g. POLICE-26-0042)", v, author);
		if (s->nparticipants == LFH_OSARA_MAX_PARTICIPANTS &&
		    os_find_participant(s, author) < 0)
			return fail(why, "too many participants (max %d)", LFH_OSARA_MAX_PARTICIPANTS);
		return 0;

	case LFH_EV_NOTE:
		return get(b, "text", 1, LFH_VALUE_MAX, &v, why);

	case LFH_EV_JOIN:
		if (get(b, "agency", 1, LFH_AGENCY_MAX, &v, why))
			return -1;
		if (!lfh_name_valid(v))
			return fail(why, "agency '%.40s' is not a valid agency id", v);
		if (os_find_participant(s, v) < 0 && s->nparticipants == LFH_OSARA_MAX_PARTICIPANTS)
			return fail(why, "too many participants (max %d)", LFH_OSARA_MAX_PARTICIPANTS);
		return 0;

	case LFH_EV_LEAVE:
		if (get(b, "agency", 1, LFH_AGENCY_MAX, &v, why) ||
		    get(b, "reason", 1, LFH_VALUE_MAX, &w, why))
			return -1;
		if (strcmp(author, s->lead) != 0)
			return fail(why, "only the lead agency (%s) may remove an agency from the case",
				    s->lead);
		if (os_find_participant(s, v) < 0)
			return fail(why, "%.40s does not take part in the case", v);
		if (strcmp(v, s->lead) == 0)
			return fail(why, "the lead agency cannot leave its case (propose another lead "
				    "first)");
		return 0;

	case LFH_EV_CLOSE:
		if (get(b, "reason", 0, LFH_VALUE_MAX, &v, why))
			return -1;
		if (s->stage != LFH_OSARA_CLOSURE_PROPOSED)
			return fail(why, "cannot close: closure has not been proposed");
		if (!s->closure_review_hlc)
			return fail(why, "cannot close: no closure review with outcome close since "
					 "the closure was proposed");
		return open_actions(s, why);

	case LFH_EV_RISK:
		if (os_get_score(b, &score, why) || get_enum(b, "level", risk_levels, &v, why) ||
		    get(b, "answers", 1, LFH_VALUE_MAX, &w, why) ||
		    get(b, "override", 0, LFH_VALUE_MAX, &x, why))
			return -1;
		if (!answers_valid(w))
			return fail(why, "answers must be question=answer pairs separated by ';'");
		{
			uint32_t th[2], meet[3], rev[3];
			if (os_risk_params(b, th, meet, rev, why))
				return -1;
			if (strcmp(v, score_level(score, th)) != 0 && !*x)
				return fail(why, "risk level %s differs from the level of score %" PRIu64
						 " (%s): an override reason is required",
					    v, score, score_level(score, th));
		}
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
		if (os_find_action(s, v) >= 0)
			return fail(why, "action %s already exists", v);
		if (s->nactions == LFH_OSARA_MAX_ACTIONS)
			return fail(why, "too many actions (max %d)", LFH_OSARA_MAX_ACTIONS);
		return action_target(s, b, why);

	case LFH_EV_ACTION_UPDATE:
		if (get(b, "action", 1, LFH_OSARA_ACTION_ID_LEN, &v, why) || action_outcome(b, why))
			return -1;
		if (os_find_action(s, v) < 0)
			return fail(why, "no action %s on this case", v);
		return action_updater(s, &s->actions[os_find_action(s, v)], author, why);

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
		if (os_find_participant(s, author) < 0)
			return fail(why, "only a participating agency may propose a lead agency "
					 "(%.40s is not a participant)", author);
		if (os_find_participant(s, v) < 0)
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
		os_hex_to_id(v, id);
		if ((i = os_find_proposal(s, id)) < 0)
			return fail(why, "no lead proposal %.8s on this case", v);
		if (os_find_participant(s, author) < 0)
			return fail(why, "only a participating agency may agree to a lead agency "
					 "(%.40s is not a participant)", author);
		if (s->proposals[i].decided)
			return fail(why, "lead proposal %.8s has already been decided", v);
		if (os_proposal_agreed(&s->proposals[i], author))
			return fail(why, "%.40s has already agreed to lead proposal %.8s", author, v);
		return 0;
	}

	case LFH_EV_EQUALITY:
		if (get(b, "text", 1, LFH_VALUE_MAX, &v, why) ||
		    get_enum(b, "consent", consents, &v, why))
			return -1;
		return 0;

	case LFH_EV_AMEND:
	case LFH_EV_REDACT:
		return correction(s, type, author, b, why);

	case LFH_EV_REOPEN:
		return get(b, "reason", 1, LFH_VALUE_MAX, &v, why);

	case LFH_EV_ATTACH:
		return attach_fields(b, why);
	}
	return fail(why, "unknown event type %" PRIu32, type);
}

int lfh_osara_check_at(const lfh_osara_state *s, uint32_t type, const char *author,
		       const lfh_record *body, uint64_t hlc, lfh_err *err)
{
	char why[WHY_MAX];

	if (!s || !body)
		return lfh_err_set(err, LFH_EINVAL, "osara check: no state or no body");
	if (!lfh_name_valid(author))
		return lfh_err_set(err, LFH_EINVAL, "osara check: invalid author agency id");
	if (os_validate(s, type, author, body, hlc, why))
		return lfh_err_set(err, LFH_EINVAL, "%s", why);
	return 0;
}

int lfh_osara_check_common(const lfh_record *body, uint64_t hlc, lfh_err *err)
{
	char why[WHY_MAX];

	if (!body)
		return lfh_err_set(err, LFH_EINVAL, "osara check: no body");
	if (common_fields(body, hlc, why))
		return lfh_err_set(err, LFH_EINVAL, "%s", why);
	return 0;
}

int lfh_osara_check(const lfh_osara_state *s, uint32_t type, const char *author,
		    const lfh_record *body, lfh_err *err)
{
	return lfh_osara_check_at(s, type, author, body, lfh_wall_ms() << 16, err);
}
