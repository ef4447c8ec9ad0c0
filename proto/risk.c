/*
 * risk.c - the risk questionnaire (include/lfh/risk.h): parsed with
 * libconfig, first problem reported as "FILE:LINE: reason".
 *
 * Before libconfig sees the text, a small scan rejects what libconfig 1.5
 * mishandles (as proto/isa_text.c does for ISA files): NUL bytes, @include,
 * integer literals it would truncate (here: more than 9 digits), and a
 * string token where its grammar takes none (it would leak it).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "lfh/buf.h"
#include "lfh/risk.h"

static const char *const level_names[3] = { "standard", "medium", "high" };

void lfh_risk_default(lfh_risk_form *f)
{
	memset(f, 0, sizeof *f);
	f->medium = 10;
	f->high = 20;
	f->meeting_days[0] = 28, f->meeting_days[1] = 14, f->meeting_days[2] = 7;
	f->review_days[0] = f->review_days[1] = f->review_days[2] = 30;
}

const char *lfh_risk_level(const lfh_risk_form *f, uint64_t score)
{
	return level_names[score >= f->high ? 2 : score >= f->medium ? 1 : 0];
}

void lfh_risk_params(const lfh_risk_form *f, char thresholds[32], char meeting[48], char review[48])
{
	snprintf(thresholds, 32, "%u,%u", f->medium, f->high);
	snprintf(meeting, 48, "%u,%u,%u", f->meeting_days[0], f->meeting_days[1], f->meeting_days[2]);
	snprintf(review, 48, "%u,%u,%u", f->review_days[0], f->review_days[1], f->review_days[2]);
}

struct rp {
	const char *path;
	lfh_err *err;
	int failed;
};

static int bad(struct rp *r, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(struct rp *r, unsigned line, const char *fmt, ...)
{
	char what[LFH_ERRMSG_MAX];
	va_list ap;

	if (r->failed++)
		return -1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	lfh_err_set(r->err, LFH_EINVAL, "%s:%u: %s", r->path, line ? line : 1, what);
	return -1;
}

static unsigned line_of(const config_setting_t *s)
{
	return config_setting_source_line(s);
}

/* ---- pre-scan ---- */

static int prescan(struct rp *r, const char *t, size_t len)
{
	const char *p = t, *end = t + len;
	unsigned line = 1;
	enum { T_NONE, T_ASSIGN, T_OPEN, T_COMMA, T_STRING, T_OTHER } prev = T_NONE;
	char open[64];
	size_t depth = 0;

	if (memchr(t, '\0', len)) {
		for (const char *q = t; *q; q++)
			line += *q == '\n';
		return bad(r, line, "binary data (a NUL byte): not a questionnaire file");
	}
	while (p < end) {
		if (*p == '\n') {
			line++, p++;
		} else if (*p == ' ' || *p == '\t' || *p == '\r') {
			p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (p < end && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			for (p += 2; p < end && !(p[0] == '*' && p[1] == '/'); p++)
				line += *p == '\n';
			p += p < end ? 2 : 0;
		} else if (*p == '"') {
			char top = depth > 0 && depth <= sizeof open ? open[depth - 1] : '{';
			if (!(prev == T_ASSIGN || prev == T_STRING || prev == T_OPEN ||
			      (prev == T_COMMA && (top == '[' || top == '('))))
				return bad(r, line, "syntax error (a string is not expected here)");
			for (p++; p < end && *p != '"'; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				line += *p == '\n';
			}
			p += p < end;
			prev = T_STRING;
		} else if (*p == '@') {
			return bad(r, line, "@include and other @ directives are not allowed");
		} else if ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+') {
			const char *q = p + (*p == '-' || *p == '+');
			size_t nd = 0;
			while (q < end && ((*q >= '0' && *q <= '9') || ((*q | 0x20) >= 'a' && (*q | 0x20) <= 'z') || *q == '.'))
				q++, nd++;
			if (nd > 9)
				return bad(r, line, "number %.*s is too large", (int)(q - p < 24 ? q - p : 24), p);
			p = q > p ? q : p + 1;
			prev = T_OTHER;
		} else if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') {
			while (p < end && (((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') ||
					   (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '*'))
				p++;
			prev = T_OTHER;
		} else {
			char c = *p++;
			switch (c) {
			case '=': case ':': prev = T_ASSIGN; break;
			case '[': case '(': case '{':
				if (depth < sizeof open)
					open[depth] = c;
				depth++;
				prev = c == '{' ? T_OTHER : T_OPEN;
				break;
			case ']': case ')': case '}':
				depth -= depth > 0;
				prev = T_OTHER;
				break;
			case ',': prev = T_COMMA; break;
			default: prev = T_OTHER; break;
			}
		}
	}
	return 0;
}

/* ---- settings ---- */

static int get_uint(struct rp *r, const config_setting_t *s, const char *what, uint32_t lo,
		    uint32_t hi, uint32_t *out)
{
	long long v;
	int type = config_setting_type(s);

	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
		return bad(r, line_of(s), "%s: expected a whole number", what);
	v = config_setting_get_int64(s);
	if (v < (long long)lo || v > (long long)hi)
		return bad(r, line_of(s), "%s: %lld is out of range (%u..%u)", what, v, lo, hi);
	*out = (uint32_t)v;
	return 0;
}

static int id_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > LFH_RISK_ID_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static int get_question(struct rp *r, const config_setting_t *g, unsigned pos, lfh_risk_form *f)
{
	lfh_risk_question *q = &f->q[f->nquestions];
	const config_setting_t *s;
	const char *v;
	char what[64];
	int n;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return bad(r, line_of(g), "questions[%u]: expected a group { id = \"...\"; text = \"...\"; weight = N; }", pos);
	n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const char *name = config_setting_name(config_setting_get_elem(g, (unsigned)i));
		if (strcmp(name, "id") && strcmp(name, "text") && strcmp(name, "weight"))
			return bad(r, line_of(config_setting_get_elem(g, (unsigned)i)),
				   "questions[%u]: unknown setting '%.40s' (expected id, text, weight)", pos, name);
	}
	if (!(s = config_setting_get_member(g, "id")))
		return bad(r, line_of(g), "questions[%u]: missing 'id'", pos);
	if (config_setting_type(s) != CONFIG_TYPE_STRING || !id_valid(v = config_setting_get_string(s)))
		return bad(r, line_of(s), "questions[%u]: id must be a string of 1..%d characters a-z 0-9 _",
			   pos, LFH_RISK_ID_MAX);
	for (uint32_t i = 0; i < f->nquestions; i++)
		if (!strcmp(f->q[i].id, v))
			return bad(r, line_of(s), "questions[%u]: duplicate id '%s'", pos, v);
	memcpy(q->id, v, strlen(v) + 1);
	if (!(s = config_setting_get_member(g, "text")))
		return bad(r, line_of(g), "questions[%u] (%s): missing 'text'", pos, q->id);
	if (config_setting_type(s) != CONFIG_TYPE_STRING || !*(v = config_setting_get_string(s)) ||
	    strlen(v) > LFH_RISK_TEXT_MAX)
		return bad(r, line_of(s), "questions[%u] (%s): text must be a string of 1..%d bytes", pos,
			   q->id, LFH_RISK_TEXT_MAX);
	memcpy(q->text, v, strlen(v) + 1);
	if (!(s = config_setting_get_member(g, "weight")))
		return bad(r, line_of(g), "questions[%u] (%s): missing 'weight'", pos, q->id);
	snprintf(what, sizeof what, "questions[%u] (%s): weight", pos, q->id);
	if (get_uint(r, s, what, 0, LFH_RISK_MAX_WEIGHT, &q->weight))
		return -1;
	f->nquestions++;
	return 0;
}

/* A group of standard/medium/high (or medium/high for levels). */
static int get_levels(struct rp *r, const config_setting_t *g, const char *name, int from,
		      uint32_t lo, uint32_t hi, uint32_t *out)
{
	char what[64];
	int n;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return bad(r, line_of(g), "%s: expected a group { ... }", name);
	n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		int k;
		for (k = from; k < 3; k++)
			if (!strcmp(config_setting_name(m), level_names[k]))
				break;
		if (k == 3)
			return bad(r, line_of(m), "%s: unknown setting '%.40s' (expected %s)", name,
				   config_setting_name(m), from ? "medium, high" : "standard, medium, high");
	}
	for (int k = from; k < 3; k++) {
		const config_setting_t *m = config_setting_get_member(g, level_names[k]);
		if (!m)
			return bad(r, line_of(g), "%s: missing '%s'", name, level_names[k]);
		snprintf(what, sizeof what, "%s.%s", name, level_names[k]);
		if (get_uint(r, m, what, lo, hi, &out[k - from]))
			return -1;
	}
	return 0;
}

static int walk(struct rp *r, const config_setting_t *root, lfh_risk_form *f)
{
	static const char *const top[] = { "questions", "levels", "first_meeting_days", "review_days" };
	const config_setting_t *s;
	int n = config_setting_length(root);

	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(root, (unsigned)i);
		size_t k;
		for (k = 0; k < 4; k++)
			if (!strcmp(config_setting_name(m), top[k]))
				break;
		if (k == 4)
			return bad(r, line_of(m), "unknown setting '%.40s' (expected questions, levels, "
				   "first_meeting_days, review_days)", config_setting_name(m));
	}
	if (!(s = config_setting_get_member(root, "questions")))
		return bad(r, 1, "missing 'questions'");
	if (config_setting_type(s) != CONFIG_TYPE_LIST && config_setting_type(s) != CONFIG_TYPE_ARRAY)
		return bad(r, line_of(s), "questions: expected a list ( { ... }, ... )");
	n = config_setting_length(s);
	if (n < 1 || n > LFH_RISK_MAX_QUESTIONS)
		return bad(r, line_of(s), "questions: %d entries; 1..%d expected", n, LFH_RISK_MAX_QUESTIONS);
	for (int i = 0; i < n; i++)
		if (get_question(r, config_setting_get_elem(s, (unsigned)i), (unsigned)i, f))
			return -1;
	if ((s = config_setting_get_member(root, "levels"))) {
		uint32_t t[2];
		if (get_levels(r, s, "levels", 1, 1, 1000000, t))
			return -1;
		if (t[0] >= t[1])
			return bad(r, line_of(s), "levels: medium (%u) must be below high (%u)", t[0], t[1]);
		f->medium = t[0], f->high = t[1];
	}
	if ((s = config_setting_get_member(root, "first_meeting_days")) &&
	    get_levels(r, s, "first_meeting_days", 0, 1, LFH_RISK_MAX_DAYS, f->meeting_days))
		return -1;
	if ((s = config_setting_get_member(root, "review_days")) &&
	    get_levels(r, s, "review_days", 0, 1, LFH_RISK_MAX_DAYS, f->review_days))
		return -1;
	return 0;
}

int lfh_risk_load(const char *path, lfh_risk_form *f, lfh_err *err)
{
	struct rp r = { path, err, 0 };
	lfh_risk_form *tmp;
	char *text = NULL;
	size_t len = 0;
	config_t cf;
	int rc;

	if (!path || !f)
		return lfh_err_set(err, LFH_EINVAL, "lfh_risk_load: NULL argument");
	if ((rc = lfh_read_file(path, LFH_RISK_FILE_MAX, &text, &len, err)) != 0) {
		if (rc == LFH_EINVAL && err)
			err->code = rc = LFH_EIO;
		return rc;
	}
	if (!(tmp = malloc(sizeof *tmp))) {
		free(text);
		return lfh_err_set(err, LFH_ENOMEM, "%s: out of memory", path);
	}
	lfh_risk_default(tmp);
	if (prescan(&r, text, len) == 0) {
		config_init(&cf);
		if (!config_read_string(&cf, text))
			bad(&r, (unsigned)config_error_line(&cf), "%s",
			    config_error_text(&cf) ? config_error_text(&cf) : "syntax error");
		else
			walk(&r, config_root_setting(&cf), tmp);
		config_destroy(&cf);
	}
	rc = r.failed ? LFH_EINVAL : 0;
	if (!rc)
		*f = *tmp;
	free(tmp);
	free(text);
	return rc;
}

int lfh_risk_score(const lfh_risk_form *f, const char *answers, uint64_t *score,
		   const char **level, lfh_err *err)
{
	uint8_t seen[LFH_RISK_MAX_QUESTIONS] = { 0 };
	uint64_t sum = 0;
	const char *p = answers;

	if (!f || !answers || !score)
		return lfh_err_set(err, LFH_EINVAL, "lfh_risk_score: NULL argument");
	if (f->nquestions == 0)
		return lfh_err_set(err, LFH_EINVAL, "no risk questionnaire is configured");
	while (*p) {
		const char *end = strchr(p, ';'), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p), idlen, alen;
		uint32_t i;
		if (len == 0) {
			p += end ? 1 : 0;
			continue;
		}
		eq = memchr(p, '=', len);
		if (!eq)
			return lfh_err_set(err, LFH_EINVAL, "answer '%.*s' is not question=yes|no",
					   (int)(len < 40 ? len : 40), p);
		idlen = (size_t)(eq - p);
		alen = len - idlen - 1;
		for (i = 0; i < f->nquestions; i++)
			if (strlen(f->q[i].id) == idlen && !memcmp(f->q[i].id, p, idlen))
				break;
		if (i == f->nquestions)
			return lfh_err_set(err, LFH_EINVAL, "unknown question '%.*s'",
					   (int)(idlen < 40 ? idlen : 40), p);
		if (seen[i])
			return lfh_err_set(err, LFH_EINVAL, "question '%s' answered twice", f->q[i].id);
		seen[i] = 1;
		if (alen == 3 && !memcmp(eq + 1, "yes", 3))
			sum += f->q[i].weight;
		else if (!(alen == 2 && !memcmp(eq + 1, "no", 2)))
			return lfh_err_set(err, LFH_EINVAL, "question '%s': answer yes or no, not '%.*s'",
					   f->q[i].id, (int)(alen < 20 ? alen : 20), eq + 1);
		p += len + (end ? 1 : 0);
	}
	for (uint32_t i = 0; i < f->nquestions; i++)
		if (!seen[i])
			return lfh_err_set(err, LFH_EINVAL, "question '%s' is not answered", f->q[i].id);
	*score = sum;
	if (level)
		*level = lfh_risk_level(f, sum);
	return 0;
}
