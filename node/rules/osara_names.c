/*
 * osara_names.c - the words and formats of the OSARA module (include/lfh/osara.h)
 * that the rules and the CLI share: event type and stage names, the
 * controlled list of intervention powers, file sizes, dates, case references
 * and "on" times. The step rules themselves are osara_rules.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/osara.h"
#include "osara_int.h"

static const char *const type_names[] = {
	[LFH_EV_KEY] = "key",
	[LFH_EV_REFERRAL] = "referral",
	[LFH_EV_NOTE] = "note",
	[LFH_EV_JOIN] = "join",
	[LFH_EV_CLOSE] = "close",
	[LFH_EV_ISA_PROPOSE] = "isa-propose",
	[LFH_EV_ISA_SIGN] = "isa-sign",
	[LFH_EV_ISA_WITHDRAW] = "isa-withdraw",
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
	[LFH_EV_LEAVE] = "leave",
	[LFH_EV_AMEND] = "amend",
	[LFH_EV_REDACT] = "redact",
	[LFH_EV_REOPEN] = "reopen",
	[LFH_EV_ATTACH] = "attach",
	[LFH_EV_CHUNK] = "chunk",
};
#define TYPE_NAMES (sizeof type_names / sizeof type_names[0])

const char *lfh_osara_type_name(uint32_t type)
{
	if (type >= 1 && type < TYPE_NAMES && type_names[type])
		return type_names[type];
	return "unknown";
}

void lfh_osara_size_text(uint64_t bytes, char out[32])
{
	if (bytes < 1024)
		snprintf(out, 32, "%" PRIu64 " bytes", bytes);
	else if (bytes < 1024 * 1024)
		snprintf(out, 32, "%.1f KiB", (double)bytes / 1024);
	else
		snprintf(out, 32, "%.1f MiB", (double)bytes / (1024 * 1024));
}

uint32_t lfh_osara_type_parse(const char *name)
{
	if (!name)
		return 0;
	for (uint32_t t = 1; t <= LFH_OSARA_TYPE_LAST; t++) /* case steps only: no leave */
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

static int is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Year, month and day of a calendar date "YYYY-MM-DD" of a year >= min_year; -1 if it is none. */
static int parse_date(const char *d, long min_year, long *y, long *m, long *day)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (!d || strlen(d) != 10 || d[4] != '-' || d[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
			return -1;
	*y = (d[0] - '0') * 1000L + (d[1] - '0') * 100L + (d[2] - '0') * 10L + (d[3] - '0');
	*m = (d[5] - '0') * 10L + (d[6] - '0');
	*day = (d[8] - '0') * 10L + (d[9] - '0');
	if (*y < min_year || *m < 1 || *m > 12 || *day < 1 ||
	    *day > mdays[*m - 1] + (*m == 2 && is_leap(*y)))
		return -1;
	return 0;
}

long lfh_osara_date_days(const char *d)
{
	long y, m, day;

	if (parse_date(d, 1970, &y, &m, &day))
		return -1;
	/* days from civil (H. Hinnant), valid for y >= 1970 */
	y -= m <= 2;
	long era = y / 400, yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int lfh_osara_birth_date_valid(const char *d)
{
	long y, m, day;

	return parse_date(d, 1900, &y, &m, &day) == 0;
}

int lfh_osara_ref_norm(const char *ref, char out[LFH_OSARA_REF_MAX + 1])
{
	size_t n = ref ? strlen(ref) : 0;

	if (n < 10 || n > LFH_OSARA_REF_MAX)
		return -1;
	for (size_t i = 0; i <= n; i++) {
		char c = ref[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c && !((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return -1;
		out[i] = c;
	}
	return 0;
}

int lfh_osara_ref_valid(const char *ref, const char *author)
{
	char want[LFH_OSARA_REF_MAX + 1];
	size_t a = author ? strlen(author) : 0, n = ref ? strlen(ref) : 0, digits;

	if (!a || a > LFH_AGENCY_MAX || n < a + 8 || n > LFH_OSARA_REF_MAX)
		return 0;
	for (size_t i = 0; i < a; i++)
		want[i] = (char)(author[i] >= 'a' && author[i] <= 'z' ? author[i] - 'a' + 'A' : author[i]);
	if (memcmp(ref, want, a) != 0 || ref[a] != '-' || strspn(ref + a + 1, "0123456789") != 2 ||
	    ref[a + 3] != '-')
		return 0;
	digits = strspn(ref + a + 4, "0123456789");
	return digits >= 4 && digits <= 9 && ref[a + 4 + digits] == '\0';
}

static int two(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

int lfh_osara_on_ms(const char *on, uint64_t *ms, int *dated)
{
	char day[11];
	long days;
	size_t len = on ? strlen(on) : 0;

	if (len != 10 && len != LFH_OSARA_ON_MAX)
		return -1;
	memcpy(day, on, 10);
	day[10] = '\0';
	if ((days = lfh_osara_date_days(day)) < 0)
		return -1;
	*ms = (uint64_t)days * LFH_OSARA_DAY_MS;
	*dated = len == 10;
	if (len == 10)
		return 0;
	if (on[10] != 'T' || on[13] != ':' || on[16] != 'Z' || strspn(on + 11, "0123456789") != 2 ||
	    strspn(on + 14, "0123456789") != 2 || two(on + 11) > 23 || two(on + 14) > 59)
		return -1;
	*ms += (uint64_t)(two(on + 11) * 60 + two(on + 14)) * 60000ULL;
	return 0;
}

