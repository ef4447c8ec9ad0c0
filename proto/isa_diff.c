/*
 * isa_diff.c - what NEW changes from OLD, two versions of an ISA
 * (include/lfh/isa_diff.h): a list of changes, each with its plain words,
 * and whether NEW follows OLD in the version chain. Built on isa.c (names,
 * lookups) and isa_codec.c (hashes); lists are compared as the sorted lists
 * lfh_isa_validate guarantees.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/buf.h"
#include "lfh/isa.h"
#include "lfh/isa_diff.h"
#include "lfh/pubkeys.h"

struct ctx {
	const lfh_isa *old, *new_isa;
	lfh_isa_diff *d;
	size_t cap;
	int rc; /* sticky LFH_ENOMEM */
};

static const char *const change_names[] = {
	[LFH_ISA_C_HUB] = "hub",
	[LFH_ISA_C_EFFECTIVE] = "effective",
	[LFH_ISA_C_REVIEW] = "review",
	[LFH_ISA_C_PURPOSE_ADDED] = "purpose_added",
	[LFH_ISA_C_PURPOSE_REMOVED] = "purpose_removed",
	[LFH_ISA_C_PURPOSES_ORDER] = "purposes_order",
	[LFH_ISA_C_LAWFUL_BASIS] = "lawful_basis",
	[LFH_ISA_C_GATEWAY_ADDED] = "gateway_added",
	[LFH_ISA_C_GATEWAY_REMOVED] = "gateway_removed",
	[LFH_ISA_C_GATEWAYS_ORDER] = "gateways_order",
	[LFH_ISA_C_PARTY_ADDED] = "party_added",
	[LFH_ISA_C_PARTY_REMOVED] = "party_removed",
	[LFH_ISA_C_PARTY] = "party_changed",
	[LFH_ISA_C_CATEGORY_ADDED] = "category_added",
	[LFH_ISA_C_CATEGORY_REMOVED] = "category_removed",
	[LFH_ISA_C_CATEGORY] = "category_changed",
	[LFH_ISA_C_AGENCY_ADDED] = "agency_added",
	[LFH_ISA_C_AGENCY_REMOVED] = "agency_removed",
	[LFH_ISA_C_SIGNERS] = "next_signers",
};

const char *lfh_isa_change_name(enum lfh_isa_change_kind k)
{
	if ((size_t)k >= sizeof change_names / sizeof change_names[0] || !change_names[k])
		return "?";
	return change_names[k];
}

/*
 * Append a change (subject, field, before, after may be NULL for "") and
 * return it so the caller writes its words; NULL once out of memory.
 */
static lfh_isa_change *add(struct ctx *x, enum lfh_isa_change_kind what, const char *subject,
			   const char *field, const char *before, const char *after)
{
	lfh_isa_diff *d = x->d;
	lfh_isa_change *c;

	if (x->rc)
		return NULL;
	if (d->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;
		lfh_isa_change *p = realloc(d->c, cap * sizeof *p);
		if (!p) {
			x->rc = LFH_ENOMEM;
			return NULL;
		}
		d->c = p;
		x->cap = cap;
	}
	c = &d->c[d->n++];
	memset(c, 0, sizeof *c);
	c->what = what;
	snprintf(c->subject, sizeof c->subject, "%s", subject ? subject : "");
	snprintf(c->field, sizeof c->field, "%s", field ? field : "");
	snprintf(c->before, sizeof c->before, "%s", before ? before : "");
	snprintf(c->after, sizeof c->after, "%s", after ? after : "");
	return c;
}

static void words(lfh_isa_change *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void words(lfh_isa_change *c, const char *fmt, ...)
{
	va_list ap;

	if (!c)
		return;
	va_start(ap, fmt);
	vsnprintf(c->words, sizeof c->words, fmt, ap);
	va_end(ap);
}

static const char *rule_words(enum lfh_isa_rule r)
{
	switch (r) {
	case LFH_RULE_ALL: return "every party";
	case LFH_RULE_PARTICIPANTS: return "the agencies taking part in the case";
	case LFH_RULE_LEAD: return "the case's lead agency";
	case LFH_RULE_NAMED: return "the named agencies only";
	}
	return "?";
}

/* "a", "a and b", "a, b and c" of n ids (stride bytes apart) into out; "" if n is 0. */
static void join_ids(char *out, size_t size, const char *base, size_t stride, uint32_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (uint32_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s",
					i == 0 ? "" : i + 1 == n ? " and " : ", ", base + i * stride);
}

/* ---- the agreement as a whole ---- */

/* Texts of one list (purposes or gateways) added, removed, or only reordered. */
static void diff_texts(struct ctx *x, const char (*a)[LFH_ISA_TEXT_MAX + 1], uint32_t na,
		       const char (*b)[LFH_ISA_TEXT_MAX + 1], uint32_t nb, enum lfh_isa_change_kind added,
		       enum lfh_isa_change_kind removed, enum lfh_isa_change_kind order,
		       const char *what)
{
	size_t changes = x->d->n;
	int same_order = na == nb;

	for (uint32_t i = 0; i < na; i++) {
		uint32_t j = 0;
		while (j < nb && strcmp(a[i], b[j]) != 0)
			j++;
		same_order &= j == i;
		if (j == nb)
			words(add(x, removed, NULL, NULL, a[i], NULL), "%s removed: \"%s\"", what, a[i]);
	}
	for (uint32_t j = 0; j < nb; j++) {
		uint32_t i = 0;
		while (i < na && strcmp(a[i], b[j]) != 0)
			i++;
		if (i == na)
			words(add(x, added, NULL, NULL, NULL, b[j]), "%s added: \"%s\"", what, b[j]);
	}
	if (x->d->n == changes && !same_order)
		words(add(x, order, NULL, NULL, NULL, NULL), "the %ss are the same, in a different order",
		      what);
}

static void diff_agreement(struct ctx *x)
{
	const lfh_isa *o = x->old, *n = x->new_isa;

	if (strcmp(o->hub, n->hub) != 0)
		words(add(x, LFH_ISA_C_HUB, NULL, NULL, o->hub, n->hub), "hub name '%s' becomes '%s'",
		      o->hub, n->hub);
	if (strcmp(o->effective, n->effective) != 0)
		words(add(x, LFH_ISA_C_EFFECTIVE, NULL, NULL, o->effective, n->effective),
		      "effective date %s becomes %s", o->effective, n->effective);
	if (strcmp(o->review, n->review) != 0)
		words(add(x, LFH_ISA_C_REVIEW, NULL, NULL, o->review, n->review),
		      "review date %s becomes %s", o->review, n->review);
	diff_texts(x, o->purposes, o->npurposes, n->purposes, n->npurposes, LFH_ISA_C_PURPOSE_ADDED,
		   LFH_ISA_C_PURPOSE_REMOVED, LFH_ISA_C_PURPOSES_ORDER, "purpose");
	if (strcmp(o->lawful_basis, n->lawful_basis) != 0)
		words(add(x, LFH_ISA_C_LAWFUL_BASIS, NULL, NULL, o->lawful_basis, n->lawful_basis),
		      "lawful basis \"%s\" becomes \"%s\"", o->lawful_basis, n->lawful_basis);
	diff_texts(x, o->gateways, o->ngateways, n->gateways, n->ngateways, LFH_ISA_C_GATEWAY_ADDED,
		   LFH_ISA_C_GATEWAY_REMOVED, LFH_ISA_C_GATEWAYS_ORDER, "legal gateway");
}

/* ---- parties ---- */

static void key_id_hex(const uint8_t pk[32], char out[2 * LFH_KEYID_LEN + 1])
{
	uint8_t kid[LFH_KEYID_LEN];

	lfh_key_id(pk, kid);
	lfh_hex(out, kid, sizeof kid);
}

static void party_added(struct ctx *x, const lfh_isa_party *p)
{
	char kid[2 * LFH_KEYID_LEN + 1], rkid[2 * LFH_KEYID_LEN + 1];

	key_id_hex(p->sign_pk, kid);
	key_id_hex(p->root_pk, rkid);
	words(add(x, LFH_ISA_C_PARTY_ADDED, p->id, NULL, NULL, p->name),
	      "%s added: %s (%s; %s), node %s, key id %s, root key id %s", p->id, p->name, p->role,
	      p->controller, p->endpoint, kid, rkid);
}

static void party_removed(struct ctx *x, const lfh_isa_party *p)
{
	words(add(x, LFH_ISA_C_PARTY_REMOVED, p->id, NULL, p->name, NULL),
	      "%s removed: %s (%s) is no longer a party", p->id, p->name, p->role);
}

/* A text field of a party that differs: "police: endpoint A becomes B". */
static void party_text(struct ctx *x, const char *id, const char *field, const char *a,
		       const char *b)
{
	if (strcmp(a, b) != 0)
		words(add(x, LFH_ISA_C_PARTY, id, field, a, b), "%s: %s '%s' becomes '%s'", id, field,
		      a, b);
}

/* The keys of a party that differ: root and sign by key id, box in hex, curve in Z85. */
static void party_keys(struct ctx *x, const lfh_isa_party *a, const lfh_isa_party *b)
{
	char ka[65], kb[65];

	if (memcmp(a->root_pk, b->root_pk, 32) != 0) {
		key_id_hex(a->root_pk, ka);
		key_id_hex(b->root_pk, kb);
		words(add(x, LFH_ISA_C_PARTY, a->id, "root", ka, kb),
		      "%s: root identity key changes (root key id %s becomes %s)", a->id, ka, kb);
	}
	if (memcmp(a->sign_pk, b->sign_pk, 32) != 0) {
		key_id_hex(a->sign_pk, ka);
		key_id_hex(b->sign_pk, kb);
		words(add(x, LFH_ISA_C_PARTY, a->id, "sign", ka, kb),
		      "%s: signing key changes (key id %s becomes %s)", a->id, ka, kb);
	}
	if (memcmp(a->box_pk, b->box_pk, 32) != 0) {
		lfh_hex(ka, a->box_pk, 32);
		lfh_hex(kb, b->box_pk, 32);
		words(add(x, LFH_ISA_C_PARTY, a->id, "box", ka, kb),
		      "%s: encryption (box) key changes (%.16s... becomes %.16s...)", a->id, ka, kb);
	}
	if (memcmp(a->curve_pk, b->curve_pk, 32) != 0) {
		lfh_curve_z85(a->curve_pk, ka);
		lfh_curve_z85(b->curve_pk, kb);
		words(add(x, LFH_ISA_C_PARTY, a->id, "curve", ka, kb),
		      "%s: transport (CURVE) key changes (%s becomes %s)", a->id, ka, kb);
	}
}

static void party_changed(struct ctx *x, const lfh_isa_party *a, const lfh_isa_party *b)
{
	party_text(x, a->id, "name", a->name, b->name);
	party_text(x, a->id, "role", a->role, b->role);
	party_text(x, a->id, "controller", a->controller, b->controller);
	party_text(x, a->id, "endpoint", a->endpoint, b->endpoint);
	party_keys(x, a, b);
}

/* Both party lists are sorted by id: walk them together. */
static void diff_parties(struct ctx *x)
{
	const lfh_isa *o = x->old, *n = x->new_isa;
	uint32_t i = 0, j = 0;

	while (i < o->nparties || j < n->nparties) {
		int cmp = i == o->nparties   ? 1
			  : j == n->nparties ? -1
					     : strcmp(o->parties[i].id, n->parties[j].id);
		if (cmp < 0)
			party_removed(x, &o->parties[i++]);
		else if (cmp > 0)
			party_added(x, &n->parties[j++]);
		else
			party_changed(x, &o->parties[i++], &n->parties[j++]);
	}
}

/* ---- categories ---- */

/* "special category data; received by ...; named: a, b; kept N days after the case closes" */
static void category_summary(const lfh_isa_category *c, char *out, size_t size)
{
	char named[LFH_ISA_MAX_PARTIES * (LFH_AGENCY_MAX + 3) + 1];

	join_ids(named, sizeof named, c->agencies[0], sizeof c->agencies[0], c->nagencies);
	snprintf(out, size, "%s; received by %s%s%s; kept %" PRIu32 " days after the case closes",
		 lfh_isa_kind_words(c->kind), rule_words(c->rule), c->nagencies ? "; named agencies: " : "",
		 named, c->retention_days);
}

static void category_added(struct ctx *x, const lfh_isa_category *c)
{
	char s[LFH_ISA_WORDS_MAX - 128];

	category_summary(c, s, sizeof s);
	words(add(x, LFH_ISA_C_CATEGORY_ADDED, c->name, NULL, NULL, c->name), "%s added: %s", c->name,
	      s);
}

static void category_removed(struct ctx *x, const lfh_isa_category *c)
{
	char s[LFH_ISA_WORDS_MAX - 128];

	category_summary(c, s, sizeof s);
	words(add(x, LFH_ISA_C_CATEGORY_REMOVED, c->name, NULL, c->name, NULL),
	      "%s removed (it was %s)", c->name, s);
}

/* Named agencies added to or removed from a category: both lists sorted. */
static void category_agencies(struct ctx *x, const lfh_isa_category *a, const lfh_isa_category *b)
{
	uint32_t i = 0, j = 0;

	while (i < a->nagencies || j < b->nagencies) {
		int cmp = i == a->nagencies   ? 1
			  : j == b->nagencies ? -1
					      : strcmp(a->agencies[i], b->agencies[j]);
		if (cmp < 0) {
			words(add(x, LFH_ISA_C_AGENCY_REMOVED, a->name, NULL, a->agencies[i], NULL),
			      "%s: %s is no longer one of its named agencies", a->name, a->agencies[i]);
			i++;
		} else if (cmp > 0) {
			words(add(x, LFH_ISA_C_AGENCY_ADDED, a->name, NULL, NULL, b->agencies[j]),
			      "%s: %s becomes one of its named agencies (it receives %s)", a->name,
			      b->agencies[j], a->name);
			j++;
		} else {
			i++, j++;
		}
	}
}

static void category_changed(struct ctx *x, const lfh_isa_category *a, const lfh_isa_category *b)
{
	char da[16], db[16];

	if (a->kind != b->kind)
		words(add(x, LFH_ISA_C_CATEGORY, a->name, "kind", lfh_isa_kind_name(a->kind),
			  lfh_isa_kind_name(b->kind)),
		      "%s: kind %s becomes %s", a->name, lfh_isa_kind_words(a->kind),
		      lfh_isa_kind_words(b->kind));
	if (a->rule != b->rule)
		words(add(x, LFH_ISA_C_CATEGORY, a->name, "receive", lfh_isa_rule_name(a->rule),
			  lfh_isa_rule_name(b->rule)),
		      "%s: receive rule %s (%s) becomes %s (%s)", a->name, lfh_isa_rule_name(a->rule),
		      rule_words(a->rule), lfh_isa_rule_name(b->rule), rule_words(b->rule));
	category_agencies(x, a, b);
	if (a->retention_days != b->retention_days) {
		snprintf(da, sizeof da, "%" PRIu32, a->retention_days);
		snprintf(db, sizeof db, "%" PRIu32, b->retention_days);
		words(add(x, LFH_ISA_C_CATEGORY, a->name, "retention_days", da, db),
		      "%s: retention %s days becomes %s days (kept %s after the case closes)", a->name,
		      da, db, a->retention_days < b->retention_days ? "longer" : "shorter");
	}
}

static void diff_categories(struct ctx *x)
{
	const lfh_isa *o = x->old, *n = x->new_isa;
	uint32_t i = 0, j = 0;

	while (i < o->ncategories || j < n->ncategories) {
		int cmp = i == o->ncategories	? 1
			  : j == n->ncategories ? -1
						: strcmp(o->categories[i].name, n->categories[j].name);
		if (cmp < 0)
			category_removed(x, &o->categories[i++]);
		else if (cmp > 0)
			category_added(x, &n->categories[j++]);
		else
			category_changed(x, &o->categories[i++], &n->categories[j++]);
	}
}

/* ---- signers of the next version ---- */

/* "all" or "a,b" (value) and "every party" or "a, b" (in words). */
static void signers_text(const lfh_isa *isa, char *value, size_t vsize, char *text, size_t tsize)
{
	size_t len = 0;

	if (isa->nsigners == 0) {
		snprintf(value, vsize, "all");
		snprintf(text, tsize, "every party");
		return;
	}
	value[0] = '\0';
	for (uint32_t i = 0; i < isa->nsigners && len < vsize; i++)
		len += (size_t)snprintf(value + len, vsize - len, "%s%s", i ? "," : "", isa->signers[i]);
	join_ids(text, tsize, isa->signers[0], sizeof isa->signers[0], isa->nsigners);
}

static void diff_signers(struct ctx *x)
{
	char va[LFH_ISA_TEXT_MAX + 1], vb[LFH_ISA_TEXT_MAX + 1], ta[LFH_ISA_TEXT_MAX / 2 + 64],
		tb[LFH_ISA_TEXT_MAX / 2 + 64];

	signers_text(x->old, va, sizeof va, ta, sizeof ta);
	signers_text(x->new_isa, vb, sizeof vb, tb, sizeof tb);
	if (strcmp(va, vb) != 0)
		words(add(x, LFH_ISA_C_SIGNERS, NULL, NULL, va, vb),
		      "who must sign the version after this one (next_signers): %s becomes %s", ta, tb);
}

/* ---- the chain ---- */

/* Does NEW follow OLD (14.4)? Sets d->follows and, if not, d->why. */
static void chain(const lfh_isa *o, const lfh_isa *n, lfh_isa_diff *d)
{
	size_t len = 0;
	char hex[65];

	d->follows = 1;
	d->why[0] = '\0';
#define WHY(...)                                                                                  \
	do {                                                                                       \
		d->follows = 0;                                                                    \
		if (len < sizeof d->why)                                                           \
			len += (size_t)snprintf(d->why + len, sizeof d->why - len, "%s",           \
						len ? "; " : "");                                  \
		if (len < sizeof d->why)                                                           \
			len += (size_t)snprintf(d->why + len, sizeof d->why - len, __VA_ARGS__);   \
	} while (0)
	if (strcmp(o->hub, n->hub) != 0)
		WHY("its hub is '%s', not '%s'", n->hub, o->hub);
	if ((uint64_t)n->version != (uint64_t)o->version + 1)
		WHY("its version is %" PRIu32 ", not %" PRIu64 " (OLD's + 1)", n->version,
		    (uint64_t)o->version + 1);
	if (n->version == 1) {
		WHY("it is a genesis version (no prev)");
	} else if (memcmp(n->prev, d->old_hash, 32) != 0) {
		lfh_hex(hex, n->prev, 32);
		WHY("its prev %.16s... is not OLD's hash", hex);
	}
#undef WHY
}

int lfh_isa_compare(const lfh_isa *old, const lfh_isa *new_isa, lfh_isa_diff *out, lfh_err *err)
{
	struct ctx x = { old, new_isa, out, 0, 0 };
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = lfh_isa_hash_of(old, out->old_hash, err)) ||
	    (rc = lfh_isa_hash_of(new_isa, out->new_hash, err))) {
		memset(out, 0, sizeof *out);
		return rc;
	}
	chain(old, new_isa, out);
	diff_agreement(&x);
	diff_parties(&x);
	diff_categories(&x);
	diff_signers(&x);
	if (x.rc) {
		lfh_isa_diff_free(out);
		return lfh_err_set(err, x.rc, "isa diff: out of memory");
	}
	return 0;
}

void lfh_isa_diff_free(lfh_isa_diff *d)
{
	free(d->c);
	memset(d, 0, sizeof *d);
}

/* ---- in words ---- */

static int put(lfh_buf *b, const char *s)
{
	return lfh_buf_append(b, s, strlen(s));
}

/* The heading a change is listed under. */
static const char *section(enum lfh_isa_change_kind k)
{
	if (k >= LFH_ISA_C_PARTY_ADDED && k <= LFH_ISA_C_PARTY)
		return "Parties";
	if (k >= LFH_ISA_C_CATEGORY_ADDED && k <= LFH_ISA_C_AGENCY_REMOVED)
		return "Categories";
	if (k == LFH_ISA_C_SIGNERS)
		return "Next version";
	return "Agreement";
}

/* "OLD: LABEL: version 1 of hub H, hash X\n" */
static int put_version(lfh_buf *b, const char *tag, const char *label, const lfh_isa *isa,
		       const uint8_t hash[32])
{
	char line[LFH_ISA_NAME_MAX + 1024], hex[65];

	lfh_hex(hex, hash, 32);
	snprintf(line, sizeof line, "%s: %.600s: version %" PRIu32 " of hub %s, hash %s\n", tag, label,
		 isa->version, isa->hub, hex);
	return put(b, line);
}

static int put_chain(lfh_buf *b, const lfh_isa *new_isa, const lfh_isa_diff *d)
{
	char line[sizeof d->why + 128];

	if (d->follows)
		snprintf(line, sizeof line,
			 "NEW follows OLD: version %" PRIu32 ", naming OLD's hash as prev.\n",
			 new_isa->version);
	else
		snprintf(line, sizeof line,
			 "NEW does not follow OLD: %s. It cannot be adopted as OLD's successor.\n",
			 d->why);
	return put(b, line);
}

static int put_changes(lfh_buf *b, const lfh_isa_diff *d)
{
	const char *prev = NULL;
	char line[64];
	int rc;

	snprintf(line, sizeof line, "\n%zu change%s:\n", d->n, d->n == 1 ? "" : "s");
	rc = put(b, line);
	for (size_t i = 0; rc == 0 && i < d->n; i++) {
		const char *s = section(d->c[i].what);
		if (s != prev) {
			rc = put(b, "\n");
			rc = rc ? rc : put(b, s);
			rc = rc ? rc : put(b, ":\n");
			prev = s;
		}
		rc = rc ? rc : put(b, "  - ");
		rc = rc ? rc : put(b, d->c[i].words);
		rc = rc ? rc : put(b, "\n");
	}
	return rc;
}

int lfh_isa_diff_describe(const lfh_isa *old, const lfh_isa *new_isa, const lfh_isa_diff *d,
			  const char *old_label, const char *new_label, lfh_buf *out, lfh_err *err)
{
	size_t len0 = out->len;
	int rc = put_version(out, "OLD", old_label, old, d->old_hash);

	rc = rc ? rc : put_version(out, "NEW", new_label, new_isa, d->new_hash);
	if (!rc && memcmp(d->old_hash, d->new_hash, 32) == 0)
		rc = put(out, "OLD and NEW are the same version (same hash): nothing changes.\n");
	else if (!rc) {
		rc = put_chain(out, new_isa, d);
		if (!rc && d->n == 0)
			rc = put(out, "Nothing else changes.\n");
		else if (!rc)
			rc = put_changes(out, d);
	}
	rc = rc ? rc : lfh_buf_append(out, "", 1);
	if (rc) {
		out->len = len0;
		return lfh_err_set(err, LFH_ENOMEM, "isa diff: out of memory");
	}
	out->len--; /* keep the NUL after the text */
	return 0;
}
