/*
 * isa.c - the information-sharing agreement (include/lfh/isa.h): validity
 * rules and the sharing rules nodes enforce. The canonical encoding, hash
 * and decoding are in proto/isa_codec.c, the plain-words description in
 * proto/isa_describe.c; the text form is parsed in proto/isa_text.c.
 *
 * Design. An lfh_isa is a plain C struct with fixed-size lists, so it needs
 * no freeing and can be copied. lfh_isa_check is the one place the rules
 * live: it reports every problem with a location (field and list indexes);
 * lfh_isa_validate keeps the first, the text parser maps each location to a
 * line of the file, the decoder refuses anything it reports.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/buf.h"
#include "lfh/isa.h"

/* ---- text checks ---- */

/*
 * Why text s (a char[max + 1] that may lack its NUL) is unacceptable, or
 * NULL: empty, too long, control characters, invalid UTF-8. ascii: printable
 * ASCII only.
 */
static const char *text_problem(const char *s, size_t max, int ascii)
{
	size_t n = strnlen(s, max + 1);
	const unsigned char *p = (const unsigned char *)s;

	if (n == 0)
		return "empty";
	if (n > max)
		return "too long";
	for (size_t i = 0; i < n;) {
		size_t k;
		if (p[i] < 0x20 || p[i] == 0x7f)
			return "contains a control character";
		if (ascii && p[i] > 0x7e)
			return "must be printable ASCII";
		if (!(k = lfh_utf8_seq(p + i, n - i)))
			return "is not valid UTF-8";
		i += k;
	}
	return NULL;
}

/* A short printable rendering of s for messages ('?' for anything odd). */
static const char *quoted(const char *s, size_t max, char out[48])
{
	size_t n = strnlen(s, max), k = 0;

	for (size_t i = 0; i < n && k < 40; i++, k++)
		out[k] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (k < n)
		out[k++] = '.', out[k++] = '.', out[k++] = '.';
	out[k] = '\0';
	return out;
}

static int is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Nonzero if d (char[11]) is a real calendar date "YYYY-MM-DD", year >= 1. */
static int date_valid(const char *d)
{
	static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y = 0, m, day;

	if (strnlen(d, 11) != 10 || d[4] != '-' || d[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
			return 0;
	for (int i = 0; i < 4; i++)
		y = y * 10 + (unsigned)(d[i] - '0');
	m = (unsigned)(d[5] - '0') * 10 + (unsigned)(d[6] - '0');
	day = (unsigned)(d[8] - '0') * 10 + (unsigned)(d[9] - '0');
	if (y < 1 || m < 1 || m > 12 || day < 1)
		return 0;
	return day <= mdays[m - 1] + (m == 2 && is_leap(y));
}

/* ---- the rules ---- */

struct chk {
	const lfh_isa *isa;
	lfh_isa_report_fn *report;
	void *ctx;
	size_t n;
};

static const char *const party_field[] = {"id", "name", "role", "controller", "root",
					  "sign", "box", "curve", "endpoint"};
static const char *const cat_field[] = {"name", "kind", "receive", "agencies", "retention_days"};

/* "parties[police]" (an invalid name: its printable rendering), or "parties[3]" if empty. */
static void item_path(char *out, size_t n, const char *list, const char *name, int i)
{
	char q[48];

	if (name[0])
		snprintf(out, n, "%s[%s]", list, quoted(name, LFH_AGENCY_MAX + 1, q));
	else
		snprintf(out, n, "%s[%d]", list, i);
}

/* The field path a location names, as people see it in the text form. */
static void loc_path(const lfh_isa *isa, const lfh_isa_loc *l, char *out, size_t n)
{
	char item[64];

	switch (l->field) {
	case LFH_ISA_F_HUB: snprintf(out, n, "hub"); return;
	case LFH_ISA_F_VERSION: snprintf(out, n, "version"); return;
	case LFH_ISA_F_PREV: snprintf(out, n, "prev"); return;
	case LFH_ISA_F_EFFECTIVE: snprintf(out, n, "effective"); return;
	case LFH_ISA_F_REVIEW: snprintf(out, n, "review"); return;
	case LFH_ISA_F_LAWFUL_BASIS: snprintf(out, n, "lawful_basis"); return;
	case LFH_ISA_F_PARTIES: snprintf(out, n, "parties"); return;
	case LFH_ISA_F_CATEGORIES: snprintf(out, n, "categories"); return;
	case LFH_ISA_F_PURPOSES:
	case LFH_ISA_F_GATEWAYS:
	case LFH_ISA_F_SIGNERS: {
		const char *list = l->field == LFH_ISA_F_PURPOSES ? "purposes"
				   : l->field == LFH_ISA_F_GATEWAYS ? "gateways" : "next_signers";
		if (l->i >= 0)
			snprintf(out, n, "%s[%d]", list, l->i);
		else
			snprintf(out, n, "%s", list);
		return;
	}
	default:
		break;
	}
	if (l->field >= LFH_ISA_F_PARTY_ID && l->field <= LFH_ISA_F_PARTY_ENDPOINT) {
		item_path(item, sizeof item, "parties", isa->parties[l->i].id, l->i);
		snprintf(out, n, "%s.%s", item, party_field[l->field - LFH_ISA_F_PARTY_ID]);
	} else {
		item_path(item, sizeof item, "categories", isa->categories[l->i].name, l->i);
		snprintf(out, n, "%s.%s", item, cat_field[l->field - LFH_ISA_F_CAT_NAME]);
	}
}

static void problem(struct chk *c, enum lfh_isa_field f, int i, int j, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void problem(struct chk *c, enum lfh_isa_field f, int i, int j, const char *fmt, ...)
{
	lfh_isa_loc l = {f, i, j};
	char path[96], what[LFH_ERRMSG_MAX], msg[LFH_ERRMSG_MAX];
	va_list ap;

	loc_path(c->isa, &l, path, sizeof path);
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (snprintf(msg, sizeof msg, "%s: %s", path, what) < 0)
		msg[0] = '\0';
	c->n++;
	if (c->report)
		c->report(c->ctx, &l, msg);
}

static void check_text(struct chk *c, enum lfh_isa_field f, int i, const char *s, size_t max)
{
	const char *why = text_problem(s, max, 0);

	if (why && !strcmp(why, "too long"))
		problem(c, f, i, -1, "too long (max %zu bytes)", max);
	else if (why)
		problem(c, f, i, -1, "%s", why);
}

/* A list of valid agency ids, sorted, unique, each a party. */
static int party_index(const lfh_isa *isa, const char *id)
{
	uint32_t n = isa->nparties <= LFH_ISA_MAX_PARTIES ? isa->nparties : LFH_ISA_MAX_PARTIES;

	for (uint32_t k = 0; k < n; k++)
		if (strncmp(isa->parties[k].id, id, sizeof isa->parties[k].id) == 0)
			return (int)k;
	return -1;
}

static void check_agency_list(struct chk *c, enum lfh_isa_field f, int i, uint32_t n,
			      const char list[][LFH_AGENCY_MAX + 1])
{
	char q[48];

	for (uint32_t k = 0; k < n; k++) {
		int ci = f == LFH_ISA_F_SIGNERS ? (int)k : i, cj = f == LFH_ISA_F_SIGNERS ? -1 : (int)k;
		if (!lfh_name_valid(list[k]))
			problem(c, f, ci, cj, "'%s' is not a valid agency id",
				quoted(list[k], LFH_AGENCY_MAX + 1, q));
		else if (k > 0 && strcmp(list[k - 1], list[k]) == 0)
			problem(c, f, ci, cj, "'%s' listed twice", list[k]);
		else if (k > 0 && strcmp(list[k - 1], list[k]) > 0)
			problem(c, f, ci, cj, "'%s' is out of order (the list must be sorted)", list[k]);
		else if (party_index(c->isa, list[k]) < 0)
			problem(c, f, ci, cj, "'%s' is not a party", list[k]);
	}
}

static void check_head(struct chk *c)
{
	const lfh_isa *isa = c->isa;
	const char *why = text_problem(isa->hub, LFH_ISA_NAME_MAX, 1);

	if (why)
		problem(c, LFH_ISA_F_HUB, -1, -1, "%s (1..%d printable ASCII bytes)", why,
			LFH_ISA_NAME_MAX);
	if (isa->version < 1)
		problem(c, LFH_ISA_F_VERSION, -1, -1, "must be >= 1");
	else if (isa->version == 1 && !sodium_is_zero(isa->prev, sizeof isa->prev))
		problem(c, LFH_ISA_F_PREV, -1, -1, "must not be set in version 1 (the genesis version)");
	else if (isa->version > 1 && sodium_is_zero(isa->prev, sizeof isa->prev))
		problem(c, LFH_ISA_F_PREV, -1, -1, "required when version > 1: the hash of version %" PRIu32,
			isa->version - 1);
	if (!date_valid(isa->effective))
		problem(c, LFH_ISA_F_EFFECTIVE, -1, -1, "not a real date in the form YYYY-MM-DD");
	if (!date_valid(isa->review))
		problem(c, LFH_ISA_F_REVIEW, -1, -1, "not a real date in the form YYYY-MM-DD");
	else if (date_valid(isa->effective) && strcmp(isa->review, isa->effective) <= 0)
		problem(c, LFH_ISA_F_REVIEW, -1, -1, "%s is not after the effective date %s",
			isa->review, isa->effective);
	if (isa->npurposes < 1 || isa->npurposes > LFH_ISA_MAX_LIST)
		problem(c, LFH_ISA_F_PURPOSES, -1, -1, "%" PRIu32 " purposes; 1..%d required",
			isa->npurposes, LFH_ISA_MAX_LIST);
	for (uint32_t k = 0; k < isa->npurposes && k < LFH_ISA_MAX_LIST; k++)
		check_text(c, LFH_ISA_F_PURPOSES, (int)k, isa->purposes[k], LFH_ISA_TEXT_MAX);
	check_text(c, LFH_ISA_F_LAWFUL_BASIS, -1, isa->lawful_basis, LFH_ISA_TEXT_MAX);
	if (isa->ngateways > LFH_ISA_MAX_LIST)
		problem(c, LFH_ISA_F_GATEWAYS, -1, -1, "%" PRIu32 " gateways; at most %d",
			isa->ngateways, LFH_ISA_MAX_LIST);
	for (uint32_t k = 0; k < isa->ngateways && k < LFH_ISA_MAX_LIST; k++)
		check_text(c, LFH_ISA_F_GATEWAYS, (int)k, isa->gateways[k], LFH_ISA_TEXT_MAX);
}

static void check_endpoint(struct chk *c, int i, const char *ep)
{
	size_t n = strnlen(ep, LFH_ISA_ENDPOINT_MAX + 1);

	if (n > LFH_ISA_ENDPOINT_MAX)
		problem(c, LFH_ISA_F_PARTY_ENDPOINT, i, -1, "too long (max %d bytes)", LFH_ISA_ENDPOINT_MAX);
	else if (n <= 6 || strncmp(ep, "tcp://", 6) != 0)
		problem(c, LFH_ISA_F_PARTY_ENDPOINT, i, -1, "must be tcp://HOST:PORT");
	else
		for (size_t k = 0; k < n; k++)
			if (ep[k] <= 0x20 || ep[k] >= 0x7f) {
				problem(c, LFH_ISA_F_PARTY_ENDPOINT, i, -1,
					"must be printable ASCII without spaces");
				break;
			}
}

/* A party's four keys, in the order the duplicate check visits them. */
static const enum lfh_isa_field key_field[4] = {LFH_ISA_F_PARTY_SIGN, LFH_ISA_F_PARTY_BOX,
						LFH_ISA_F_PARTY_CURVE, LFH_ISA_F_PARTY_ROOT};

static const uint8_t *party_key(const lfh_isa_party *p, uint32_t k)
{
	return k == 0 ? p->sign_pk : k == 1 ? p->box_pk : k == 2 ? p->curve_pk : p->root_pk;
}

/* Each party's own fields and keys; then no key may appear twice. */
static void check_parties(struct chk *c)
{
	const lfh_isa *isa = c->isa;
	uint32_t n = isa->nparties <= LFH_ISA_MAX_PARTIES ? isa->nparties : LFH_ISA_MAX_PARTIES;
	char q[48];

	if (isa->nparties < LFH_ISA_MIN_PARTIES || isa->nparties > LFH_ISA_MAX_PARTIES)
		problem(c, LFH_ISA_F_PARTIES, -1, -1, "%" PRIu32 " parties; %d..%d required",
			isa->nparties, LFH_ISA_MIN_PARTIES, LFH_ISA_MAX_PARTIES);
	for (uint32_t k = 0; k < n; k++) {
		const lfh_isa_party *p = &isa->parties[k];
		int i = (int)k;
		if (!lfh_name_valid(p->id))
			problem(c, LFH_ISA_F_PARTY_ID, i, -1, "'%s' is not a valid agency id "
				"(1..31 of a-z 0-9 _ -)", quoted(p->id, sizeof p->id, q));
		else if (k > 0 && strcmp(isa->parties[k - 1].id, p->id) == 0)
			problem(c, LFH_ISA_F_PARTY_ID, i, -1, "listed twice");
		else if (k > 0 && strcmp(isa->parties[k - 1].id, p->id) > 0)
			problem(c, LFH_ISA_F_PARTY_ID, i, -1, "out of order (parties must be sorted by id)");
		check_text(c, LFH_ISA_F_PARTY_NAME, i, p->name, LFH_ISA_NAME_MAX);
		check_text(c, LFH_ISA_F_PARTY_ROLE, i, p->role, LFH_ISA_NAME_MAX);
		check_text(c, LFH_ISA_F_PARTY_CONTROLLER, i, p->controller, LFH_ISA_NAME_MAX);
		check_endpoint(c, i, p->endpoint);
		if (!crypto_core_ed25519_is_valid_point(p->root_pk))
			problem(c, LFH_ISA_F_PARTY_ROOT, i, -1, "not a valid Ed25519 public key");
		if (!crypto_core_ed25519_is_valid_point(p->sign_pk))
			problem(c, LFH_ISA_F_PARTY_SIGN, i, -1, "not a valid Ed25519 public key");
		if (sodium_is_zero(p->box_pk, 32))
			problem(c, LFH_ISA_F_PARTY_BOX, i, -1, "missing (all zero)");
		if (sodium_is_zero(p->curve_pk, 32))
			problem(c, LFH_ISA_F_PARTY_CURVE, i, -1, "missing (all zero)");
	}
	/*
	 * 4n keys, pairwise distinct: a shared key would let one party act as
	 * another, and a root equal to an operational key would not be a
	 * separate (offline) identity. Per party in the order sign, box,
	 * curve, root, so a clash with a root is reported at the root.
	 */
	for (uint32_t a = 0; a < 4 * n; a++) {
		const lfh_isa_party *pa = &isa->parties[a / 4];
		const uint8_t *ka = party_key(pa, a % 4);
		if (sodium_is_zero(ka, 32))
			continue;
		for (uint32_t b = 0; b < a; b++) {
			const lfh_isa_party *pb = &isa->parties[b / 4];
			if (memcmp(ka, party_key(pb, b % 4), 32) == 0) {
				char other[64];
				item_path(other, sizeof other, "parties", pb->id, (int)(b / 4));
				problem(c, key_field[a % 4], (int)(a / 4), -1, "the same key as %s.%s%s", other,
					party_field[key_field[b % 4] - LFH_ISA_F_PARTY_ID],
					a % 4 == 3 && b / 4 == a / 4 ? " (the root key must be a separate key pair)"
								     : "");
				break;
			}
		}
	}
}

static void check_categories(struct chk *c)
{
	const lfh_isa *isa = c->isa;
	uint32_t n = isa->ncategories <= LFH_ISA_MAX_CATEGORIES ? isa->ncategories : LFH_ISA_MAX_CATEGORIES;
	char q[48];

	if (isa->ncategories < 1 || isa->ncategories > LFH_ISA_MAX_CATEGORIES)
		problem(c, LFH_ISA_F_CATEGORIES, -1, -1, "%" PRIu32 " categories; 1..%d required",
			isa->ncategories, LFH_ISA_MAX_CATEGORIES);
	for (uint32_t k = 0; k < n; k++) {
		const lfh_isa_category *cat = &isa->categories[k];
		int i = (int)k;
		if (!lfh_name_valid(cat->name))
			problem(c, LFH_ISA_F_CAT_NAME, i, -1, "'%s' is not a valid category name "
				"(1..31 of a-z 0-9 _ -)", quoted(cat->name, sizeof cat->name, q));
		else if (k > 0 && strcmp(isa->categories[k - 1].name, cat->name) == 0)
			problem(c, LFH_ISA_F_CAT_NAME, i, -1, "listed twice");
		else if (k > 0 && strcmp(isa->categories[k - 1].name, cat->name) > 0)
			problem(c, LFH_ISA_F_CAT_NAME, i, -1, "out of order (categories must be sorted by name)");
		if (cat->kind < LFH_ISA_PERSONAL || cat->kind > LFH_ISA_CRIMINAL)
			problem(c, LFH_ISA_F_CAT_KIND, i, -1, "must be personal, special or criminal");
		if (cat->rule < LFH_RULE_ALL || cat->rule > LFH_RULE_NAMED)
			problem(c, LFH_ISA_F_CAT_RULE, i, -1, "must be all, participants, lead or named");
		if (cat->nagencies > LFH_ISA_MAX_PARTIES)
			problem(c, LFH_ISA_F_CAT_AGENCIES, i, -1, "more than %d", LFH_ISA_MAX_PARTIES);
		else
			check_agency_list(c, LFH_ISA_F_CAT_AGENCIES, i, cat->nagencies, cat->agencies);
		if (cat->rule == LFH_RULE_NAMED && cat->nagencies == 0)
			problem(c, LFH_ISA_F_CAT_AGENCIES, i, -1, "receive = \"named\" needs at least one agency");
		if (cat->rule == LFH_RULE_ALL && cat->nagencies > 0)
			problem(c, LFH_ISA_F_CAT_AGENCIES, i, -1,
				"must be empty when receive = \"all\" (every party receives it)");
		if (cat->retention_days < 1 || cat->retention_days > LFH_ISA_RETENTION_MAX)
			problem(c, LFH_ISA_F_CAT_RETENTION, i, -1, "%" PRIu32 " out of range 1..%d days",
				cat->retention_days, LFH_ISA_RETENTION_MAX);
	}
}

size_t lfh_isa_check(const lfh_isa *isa, lfh_isa_report_fn *report, void *ctx)
{
	struct chk c = {isa, report, ctx, 0};

	check_head(&c);
	check_parties(&c);
	check_categories(&c);
	if (isa->nsigners > LFH_ISA_MAX_PARTIES)
		problem(&c, LFH_ISA_F_SIGNERS, -1, -1, "more than %d", LFH_ISA_MAX_PARTIES);
	else
		check_agency_list(&c, LFH_ISA_F_SIGNERS, -1, isa->nsigners, isa->signers);
	return c.n;
}

/* Keep the first problem. */
struct first {
	lfh_err *err;
	int seen;
};

static void keep_first(void *ctx, const lfh_isa_loc *loc, const char *msg)
{
	struct first *f = ctx;

	(void)loc;
	if (!f->seen++)
		lfh_err_set(f->err, LFH_EINVAL, "isa: %s", msg);
}

int lfh_isa_validate(const lfh_isa *isa, lfh_err *err)
{
	struct first f = {err, 0};

	if (!isa)
		return lfh_err_set(err, LFH_EINVAL, "isa: NULL");
	return lfh_isa_check(isa, keep_first, &f) ? LFH_EINVAL : 0;
}

/* "tcp://HOST:PORT" with a host that is not a wildcard and a port 1..65535. */
static int endpoint_usable(const char *ep)
{
	const char *host = ep + 6, *colon = strrchr(ep, ':');
	size_t hlen;
	char *end;
	unsigned long port;

	if (strncmp(ep, "tcp://", 6) != 0 || !colon || colon < host)
		return 0;
	hlen = (size_t)(colon - host);
	if (hlen == 0 || (hlen == 1 && host[0] == '*') || (hlen == 7 && !strncmp(host, "0.0.0.0", 7)) ||
	    (hlen == 4 && !strncmp(host, "[::]", 4)))
		return 0;
	if (colon[1] < '0' || colon[1] > '9')
		return 0;
	port = strtoul(colon + 1, &end, 10);
	return *end == '\0' && port >= 1 && port <= 65535;
}

int lfh_isa_usable(const lfh_isa *isa, lfh_err *err)
{
	if (!lfh_isa_category_find(isa, "referral"))
		return lfh_err_set(err, LFH_EINVAL, "isa: categories: no 'referral': a hub writes "
				   "referrals, invitations, removals, closes and reopenings in it");
	for (uint32_t i = 0; i < isa->nparties; i++)
		if (!endpoint_usable(isa->parties[i].endpoint))
			return lfh_err_set(err, LFH_EINVAL, "isa: parties[%s].endpoint: '%s' is not "
					   "tcp://HOST:PORT (a host its partners reach, a port 1 to "
					   "65535)", isa->parties[i].id, isa->parties[i].endpoint);
	return 0;
}

/* ---- lookups and sharing rules ---- */

const lfh_isa_party *lfh_isa_party_find(const lfh_isa *isa, const char *id)
{
	int k = id ? party_index(isa, id) : -1;

	return k < 0 ? NULL : &isa->parties[k];
}

const lfh_isa_category *lfh_isa_category_find(const lfh_isa *isa, const char *name)
{
	uint32_t n = isa->ncategories <= LFH_ISA_MAX_CATEGORIES ? isa->ncategories : LFH_ISA_MAX_CATEGORIES;

	for (uint32_t k = 0; name && k < n; k++)
		if (strncmp(isa->categories[k].name, name, sizeof isa->categories[k].name) == 0)
			return &isa->categories[k];
	return NULL;
}

void lfh_isa_party_pubkeys(const lfh_isa_party *p, lfh_pubkeys *out)
{
	memset(out, 0, sizeof *out);
	memcpy(out->agency, p->id, sizeof out->agency - 1);
	memcpy(out->root_pk, p->root_pk, 32);
	memcpy(out->sign_pk, p->sign_pk, 32);
	memcpy(out->box_pk, p->box_pk, 32);
	memcpy(out->curve_pk, p->curve_pk, 32);
	lfh_key_id(out->sign_pk, out->key_id);
}

static int named(const lfh_isa_category *c, const char *agency)
{
	for (uint32_t k = 0; k < c->nagencies && k < LFH_ISA_MAX_PARTIES; k++)
		if (strncmp(c->agencies[k], agency, sizeof c->agencies[k]) == 0)
			return 1;
	return 0;
}

int lfh_isa_recipients(const lfh_isa *isa, const char *category, const char *lead,
		       const lfh_agencies *participants, const char *author,
		       char out[][LFH_AGENCY_MAX + 1], size_t *nout, lfh_err *err)
{
	const lfh_isa_category *c = lfh_isa_category_find(isa, category);
	uint32_t n = isa->nparties <= LFH_ISA_MAX_PARTIES ? isa->nparties : LFH_ISA_MAX_PARTIES;
	uint8_t in[LFH_ISA_MAX_PARTIES] = {0};
	int k;

	*nout = 0;
	if (!c)
		return lfh_err_set(err, LFH_ENOTFOUND, "isa: no category '%s' in ISA version %" PRIu32,
				   category && lfh_name_valid(category) ? category : "?", isa->version);
	for (uint32_t i = 0; i < n; i++)
		in[i] = c->rule == LFH_RULE_ALL || named(c, isa->parties[i].id);
	if (c->rule == LFH_RULE_PARTICIPANTS && participants)
		for (size_t i = 0; i < participants->n; i++)
			if ((k = party_index(isa, participants->id[i])) >= 0)
				in[k] = 1;
	if (c->rule == LFH_RULE_LEAD && lead && (k = party_index(isa, lead)) >= 0)
		in[k] = 1;
	if (author && (k = party_index(isa, author)) >= 0)
		in[k] = 0;
	/* parties are sorted by id, so out is too */
	for (uint32_t i = 0; i < n; i++)
		if (in[i])
			memcpy(out[(*nout)++], isa->parties[i].id, LFH_AGENCY_MAX + 1);
	return 0;
}

int lfh_isa_may_receive(const lfh_isa *isa, const char *category, const char *lead,
			const char *agency)
{
	const lfh_isa_category *c = lfh_isa_category_find(isa, category);

	if (!c || !agency || party_index(isa, agency) < 0)
		return 0;
	switch (c->rule) {
	case LFH_RULE_ALL:
	case LFH_RULE_PARTICIPANTS:
		return 1;
	case LFH_RULE_LEAD:
		return (lead && lead[0] && strcmp(lead, agency) == 0) || named(c, agency);
	case LFH_RULE_NAMED:
		return named(c, agency);
	}
	return 0;
}

int lfh_isa_signed_enough(const lfh_isa *isa, const char *const *sig_agencies, size_t n)
{
	uint32_t need = isa->nsigners ? isa->nsigners : isa->nparties;

	if (need == 0 || need > LFH_ISA_MAX_PARTIES)
		return 0;
	for (uint32_t i = 0; i < need; i++) {
		const char *who = isa->nsigners ? isa->signers[i] : isa->parties[i].id;
		size_t k = 0;
		while (k < n && !(sig_agencies[k] && strncmp(sig_agencies[k], who, LFH_AGENCY_MAX + 1) == 0))
			k++;
		if (k == n)
			return 0;
	}
	return 1;
}

const char *lfh_isa_kind_name(enum lfh_isa_kind k)
{
	switch (k) {
	case LFH_ISA_PERSONAL: return "personal";
	case LFH_ISA_SPECIAL: return "special";
	case LFH_ISA_CRIMINAL: return "criminal";
	}
	return "?";
}

const char *lfh_isa_rule_name(enum lfh_isa_rule r)
{
	switch (r) {
	case LFH_RULE_ALL: return "all";
	case LFH_RULE_PARTICIPANTS: return "participants";
	case LFH_RULE_LEAD: return "lead";
	case LFH_RULE_NAMED: return "named";
	}
	return "?";
}
