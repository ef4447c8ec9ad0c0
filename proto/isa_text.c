/*
 * isa_text.c - the text form of an ISA (include/lfh/isa_text.h), parsed with
 * libconfig into an lfh_isa.
 *
 * Design. People write, review and fix these files, so the parser reports
 * every problem it can find in one pass, each with the line it is on,
 * rather than stopping at the first. It works in five steps:
 *   1. read the file (bounded to 256 KiB) and pre-scan the raw text for what
 *      libconfig 1.5 would mishandle: NUL bytes (it stops reading there),
 *      @include (it would open another file), integer literals it would
 *      silently truncate (it converts them with atoi / strtoul), and a
 *      string token where its grammar takes none (it leaks the string)
 *      (proto/isa_scan.c);
 *   2. config_read_string: a syntax error is the one problem reported;
 *   3. walk the settings, filling the struct and a parallel table of source
 *      lines (struct src), reporting unknown, missing and mistyped settings;
 *      a setting that could not be read is marked bad;
 *   4. sort the lists (parties, categories, each category's agencies,
 *      signers) together with their lines, reporting and dropping duplicates;
 *   5. lfh_isa_check reports every rule broken with a location, which is
 *      mapped to a line; problems at a bad location were already reported
 *      and are skipped.
 * Problems are then sorted by line.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>
#include <zmq.h>

#include "lfh/pubkeys.h"
#include "lfh/isa_text.h"

#include "isa_text_int.h"

/* Top-level settings. */
static const struct {
	const char *name;
	enum lfh_isa_field field;
	int required;
} top[] = {
	{"hub", LFH_ISA_F_HUB, 1},
	{"version", LFH_ISA_F_VERSION, 1},
	{"prev", LFH_ISA_F_PREV, 0},
	{"effective", LFH_ISA_F_EFFECTIVE, 1},
	{"review", LFH_ISA_F_REVIEW, 1},
	{"purposes", LFH_ISA_F_PURPOSES, 1},
	{"lawful_basis", LFH_ISA_F_LAWFUL_BASIS, 1},
	{"gateways", LFH_ISA_F_GATEWAYS, 0},
	{"parties", LFH_ISA_F_PARTIES, 1},
	{"categories", LFH_ISA_F_CATEGORIES, 1},
	{"next_signers", LFH_ISA_F_SIGNERS, 0},
};
#define NTOP (sizeof top / sizeof top[0])

/* The party fields in the order of ps->f[] (LFH_ISA_F_PARTY_ID ..), then "keys". */
static const char *const party_keys[] = {"id", "name", "role", "controller", "root", "sign", "box",
					 "curve", "endpoint", "keys"};
#define PF_KEYS 4     /* ps->f[PF_KEYS + k]: root, sign, box, curve */
#define PF_ENDPOINT 8
static const char *const cat_keys[] = {"name", "kind", "receive", "agencies", "retention_days"};

static int by_line(const void *a, const void *b)
{
	const struct found *fa = a, *fb = b;

	if (fa->line != fb->line)
		return fa->line < fb->line ? -1 : 1;
	return fa->seq < fb->seq ? -1 : fa->seq > fb->seq;
}

static const char *type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP: return "a group { ... }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a decimal number";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "true/false";
	case CONFIG_TYPE_ARRAY: return "an array [ ... ]";
	case CONFIG_TYPE_LIST: return "a list ( ... )";
	}
	return "nothing";
}

static unsigned line_of(const config_setting_t *s)
{
	return config_setting_source_line(s);
}

/* ---- scalar getters: each reports its own problem and marks w bad ---- */

/* A string of at most max bytes into out (char[max + 1]); field names it. */
static int get_text(struct px *x, const config_setting_t *s, const char *field, char *out,
		    size_t max, struct where *w)
{
	const char *v;
	size_t n;

	w->line = line_of(s);
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		isa_say(x, w->line, "%s: expected a string in double quotes, got %s", field, type_name(s));
		w->bad = 1;
		return -1;
	}
	v = config_setting_get_string(s);
	n = strlen(v);
	if (n > max) {
		isa_say(x, w->line, "%s: too long (%zu bytes, max %zu)", field, n, max);
		w->bad = 1;
		return -1;
	}
	memcpy(out, v, n + 1);
	return 0;
}

static int get_u32(struct px *x, const config_setting_t *s, const char *field, uint32_t *out,
		   struct where *w)
{
	long long v;

	w->line = line_of(s);
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64) {
		isa_say(x, w->line, "%s: expected a whole number, got %s", field, type_name(s));
		w->bad = 1;
		return -1;
	}
	v = config_setting_get_int64(s);
	if (v < 0 || v > (long long)UINT32_MAX) {
		isa_say(x, w->line, "%s: %lld out of range", field, v);
		w->bad = 1;
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* A list [ "a", "b" ] (or ( ... )) of at most max strings of at most len bytes. */
static void get_strs(struct px *x, const config_setting_t *s, const char *field, uint32_t max,
		     size_t len, char *dst, size_t stride, uint32_t *n, struct where *lw,
		     struct where *ew)
{
	int type = config_setting_type(s);
	unsigned cnt;

	lw->line = line_of(s);
	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST) {
		isa_say(x, lw->line, "%s: expected a list of strings [ \"...\", ... ], got %s", field,
		    type_name(s));
		lw->bad = 1;
		return;
	}
	cnt = (unsigned)config_setting_length(s);
	if (cnt > max) {
		isa_say(x, lw->line, "%s: %u entries; at most %" PRIu32, field, cnt, max);
		lw->bad = 1;
		cnt = max;
	}
	*n = cnt;
	for (unsigned i = 0; i < cnt; i++) {
		char f[96];
		snprintf(f, sizeof f, "%s[%u]", field, i);
		get_text(x, config_setting_get_elem(s, i), f, dst + i * stride, len, &ew[i]);
	}
}

/* ---- parties ---- */

static int known(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return 1;
	return 0;
}

/* "parties[police]", or "parties[2]" (position in the file) while the id is unknown. */
static void label(char *out, size_t n, const char *list, const char *name, int pos)
{
	char q[40];
	size_t k = 0;

	for (; name[k] && k < sizeof q - 1; k++)
		q[k] = name[k] >= 0x20 && name[k] < 0x7f ? name[k] : '?';
	q[k] = '\0';
	if (k)
		snprintf(out, n, "%s[%s]", list, q);
	else
		snprintf(out, n, "%s[%d]", list, pos);
}

/* Member `name` of group g, or NULL after reporting it missing (if required). */
static const config_setting_t *member(struct px *x, const config_setting_t *g, const char *lbl,
				      const char *name, int required, struct where *w)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	if (!s && required) {
		isa_say(x, line_of(g), "%s: missing '%s'", lbl, name);
		w->bad = 1;
	}
	return s;
}

/* Load keys = "FILE" (relative to the ISA file's directory) into p. */
static void party_keyfile(struct px *x, const config_setting_t *s, const char *lbl,
			  lfh_isa_party *p, struct party_src *ps)
{
	char rel[PATH_MAX], path[PATH_MAX], f[96];
	struct where w = {0};
	lfh_pubkeys pk;
	lfh_err e = {0};
	unsigned line = line_of(s);

	snprintf(f, sizeof f, "%s.keys", lbl);
	for (int k = 0; k < 4; k++)
		ps->f[PF_KEYS + k].line = line;
	if (get_text(x, s, f, rel, sizeof rel - 1, &w) != 0)
		goto bad;
	if (rel[0] == '\0') {
		isa_say(x, line, "%s: empty file name", f);
		goto bad;
	}
	if (snprintf(path, sizeof path, "%s%s%s", rel[0] == '/' ? "" : x->dir,
		     rel[0] == '/' ? "" : "/", rel) >= (int)sizeof path) {
		isa_say(x, line, "%s: path too long", f);
		goto bad;
	}
	if (lfh_pubkeys_load(path, &pk, &e) != 0) {
		isa_say(x, line, "%s: %s", f, e.msg[0] ? e.msg : lfh_strerror(e.code));
		goto bad;
	}
	if (strcmp(pk.agency, p->id) != 0) {
		isa_say(x, line, "%s: %s is the key file of agency '%s', not '%s'", f, path, pk.agency,
		    lfh_name_valid(p->id) ? p->id : "?");
		goto bad;
	}
	memcpy(p->root_pk, pk.root_pk, 32);
	memcpy(p->sign_pk, pk.sign_pk, 32);
	memcpy(p->box_pk, pk.box_pk, 32);
	memcpy(p->curve_pk, pk.curve_pk, 32);
	return;
bad:
	for (int k = 0; k < 4; k++)
		ps->f[PF_KEYS + k].bad = 1;
}

/* root = "<64 hex>"; sign = "<64 hex>"; box = "<64 hex>"; curve = "<40 Z85>". */
static void party_inline_keys(struct px *x, const config_setting_t *g, const char *lbl,
			      lfh_isa_party *p, struct party_src *ps)
{
	static const char *const what[4] = {"64 hex digits (an Ed25519 public key)",
					    "64 hex digits (an Ed25519 public key)",
					    "64 hex digits (an X25519 public key)",
					    "40 Z85 characters (a CURVE public key)"};
	uint8_t *dst[4] = {p->root_pk, p->sign_pk, p->box_pk, p->curve_pk};

	for (int k = 0; k < 4; k++) {
		struct where *w = &ps->f[PF_KEYS + k];
		const config_setting_t *s = member(x, g, lbl, party_keys[PF_KEYS + k], 1, w);
		char v[80], f[96];
		if (!s)
			continue;
		snprintf(f, sizeof f, "%s.%s", lbl, party_keys[PF_KEYS + k]);
		if (get_text(x, s, f, v, sizeof v - 1, w) != 0)
			continue;
		if (k < 3 ? lfh_unhex(dst[k], 32, v) != 0
			  : strlen(v) != 40 || !zmq_z85_decode(dst[k], v)) {
			isa_say(x, w->line, "%s: expected %s", f, what[k]);
			w->bad = 1;
		}
	}
}

/* One party group; 0 if it has a place in the list, -1 to skip it. */
static int get_party(struct px *x, const config_setting_t *g, int pos, lfh_isa_party *p,
		     struct party_src *ps)
{
	const config_setting_t *s, *keys;
	char lbl[64], f[96];
	int n;

	ps->self.line = line_of(g);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		isa_say(x, ps->self.line, "parties[%d]: expected a group { id = \"...\"; ... }, got %s", pos,
		    type_name(g));
		return -1;
	}
	snprintf(lbl, sizeof lbl, "parties[%d]", pos);
	snprintf(f, sizeof f, "%s.id", lbl);
	if ((s = member(x, g, lbl, "id", 1, &ps->f[0])))
		get_text(x, s, f, p->id, LFH_AGENCY_MAX, &ps->f[0]);
	label(lbl, sizeof lbl, "parties", p->id, pos);
	n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		if (!known(party_keys, sizeof party_keys / sizeof party_keys[0], config_setting_name(m)))
			isa_say(x, line_of(m), "%s: unknown setting '%s' (expected id, name, role, controller, "
			    "endpoint, and keys or root, sign, box, curve)", lbl, config_setting_name(m));
	}
	char *text[4] = {NULL, p->name, p->role, p->controller};
	for (int k = 1; k < 4; k++)
		if ((s = member(x, g, lbl, party_keys[k], 1, &ps->f[k]))) {
			snprintf(f, sizeof f, "%s.%s", lbl, party_keys[k]);
			get_text(x, s, f, text[k], LFH_ISA_NAME_MAX, &ps->f[k]);
		}
	if ((s = member(x, g, lbl, "endpoint", 1, &ps->f[PF_ENDPOINT]))) {
		snprintf(f, sizeof f, "%s.endpoint", lbl);
		get_text(x, s, f, p->endpoint, LFH_ISA_ENDPOINT_MAX, &ps->f[PF_ENDPOINT]);
	}
	keys = config_setting_get_member(g, "keys");
	int inline_keys = 0;
	for (int k = 0; k < 4; k++)
		inline_keys |= config_setting_get_member(g, party_keys[PF_KEYS + k]) != NULL;
	if (keys && inline_keys) {
		isa_say(x, line_of(keys), "%s: give either keys = \"FILE\" or root, sign, box and curve, "
		    "not both", lbl);
		for (int k = 0; k < 4; k++)
			ps->f[PF_KEYS + k].bad = 1;
	} else if (keys) {
		party_keyfile(x, keys, lbl, p, ps);
	} else if (!inline_keys) {
		isa_say(x, ps->self.line, "%s: missing keys = \"FILE\" (or root, sign, box and curve)", lbl);
		for (int k = 0; k < 4; k++)
			ps->f[PF_KEYS + k].bad = 1;
	} else {
		party_inline_keys(x, g, lbl, p, ps);
	}
	return 0;
}

/* ---- categories ---- */

static int get_enum(struct px *x, const config_setting_t *s, const char *field,
		    const char *(*name)(int), int lo, int hi, struct where *w)
{
	char v[32], list[96] = "";

	if (get_text(x, s, field, v, sizeof v - 1, w) == 0)
		for (int k = lo; k <= hi; k++)
			if (!strcmp(v, name(k)))
				return k;
	if (w->bad)
		return 0;
	for (int k = lo; k <= hi; k++) {
		size_t used = strlen(list);
		snprintf(list + used, sizeof list - used, "%s%s", k == lo ? "" : k == hi ? " or " : ", ",
			 name(k));
	}
	isa_say(x, w->line, "%s: '%s' is not one of %s", field, v, list);
	w->bad = 1;
	return 0;
}

static const char *kind_name(int k) { return lfh_isa_kind_name((enum lfh_isa_kind)k); }
static const char *rule_name(int r) { return lfh_isa_rule_name((enum lfh_isa_rule)r); }

static int get_category(struct px *x, const config_setting_t *g, int pos, lfh_isa_category *c,
			struct cat_src *cs)
{
	const config_setting_t *s;
	char lbl[64], f[96];
	int n;

	cs->self.line = line_of(g);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		isa_say(x, cs->self.line, "categories[%d]: expected a group { name = \"...\"; ... }, got %s",
		    pos, type_name(g));
		return -1;
	}
	snprintf(lbl, sizeof lbl, "categories[%d]", pos);
	snprintf(f, sizeof f, "%s.name", lbl);
	if ((s = member(x, g, lbl, "name", 1, &cs->f[0])))
		get_text(x, s, f, c->name, LFH_CATEGORY_MAX, &cs->f[0]);
	label(lbl, sizeof lbl, "categories", c->name, pos);
	n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		if (!known(cat_keys, sizeof cat_keys / sizeof cat_keys[0], config_setting_name(m)))
			isa_say(x, line_of(m), "%s: unknown setting '%s' (expected name, kind, receive, "
			    "agencies, retention_days)", lbl, config_setting_name(m));
	}
	if ((s = member(x, g, lbl, "kind", 1, &cs->f[1]))) {
		snprintf(f, sizeof f, "%s.kind", lbl);
		c->kind = (enum lfh_isa_kind)get_enum(x, s, f, kind_name, LFH_ISA_PERSONAL,
						      LFH_ISA_CRIMINAL, &cs->f[1]);
	}
	if ((s = member(x, g, lbl, "receive", 1, &cs->f[2]))) {
		snprintf(f, sizeof f, "%s.receive", lbl);
		c->rule = (enum lfh_isa_rule)get_enum(x, s, f, rule_name, LFH_RULE_ALL, LFH_RULE_NAMED,
						      &cs->f[2]);
	}
	if ((s = member(x, g, lbl, "agencies", 0, &cs->f[3]))) {
		snprintf(f, sizeof f, "%s.agencies", lbl);
		get_strs(x, s, f, LFH_ISA_MAX_PARTIES, LFH_AGENCY_MAX, &c->agencies[0][0],
			 sizeof c->agencies[0], &c->nagencies, &cs->f[3], cs->agency);
	}
	if ((s = member(x, g, lbl, "retention_days", 1, &cs->f[4]))) {
		snprintf(f, sizeof f, "%s.retention_days", lbl);
		get_u32(x, s, f, &c->retention_days, &cs->f[4]);
	}
	return 0;
}

/* parties = ( {...}, ... ); categories likewise. */
static void get_groups(struct px *x, const config_setting_t *s, int parties)
{
	lfh_isa *isa = x->isa;
	struct where *lw = &x->src->top[parties ? LFH_ISA_F_PARTIES : LFH_ISA_F_CATEGORIES];
	const char *what = parties ? "parties" : "categories";
	unsigned max = parties ? LFH_ISA_MAX_PARTIES : LFH_ISA_MAX_CATEGORIES, cnt;
	uint32_t *n = parties ? &isa->nparties : &isa->ncategories;

	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		isa_say(x, lw->line, "%s: expected a list of groups ( { ... }, { ... } ), got %s", what,
		    type_name(s));
		lw->bad = 1;
		return;
	}
	cnt = (unsigned)config_setting_length(s);
	if (cnt > max) {
		isa_say(x, lw->line, "%s: %u entries; at most %u", what, cnt, max);
		lw->bad = 1;
		cnt = max;
	}
	for (unsigned i = 0; i < cnt; i++) {
		const config_setting_t *g = config_setting_get_elem(s, i);
		int rc = parties ? get_party(x, g, (int)i, &isa->parties[*n], &x->src->party[*n])
				 : get_category(x, g, (int)i, &isa->categories[*n], &x->src->cat[*n]);
		if (rc == 0)
			(*n)++;
		else if (parties)
			memset(&x->src->party[*n], 0, sizeof x->src->party[*n]);
		else
			memset(&x->src->cat[*n], 0, sizeof x->src->cat[*n]);
	}
}

static void get_signers(struct px *x, const config_setting_t *s)
{
	struct where *lw = &x->src->top[LFH_ISA_F_SIGNERS];

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (strcmp(config_setting_get_string(s), "all") != 0) {
			isa_say(x, lw->line, "next_signers: expected \"all\" or a list of party ids [ \"...\", ... ]");
			lw->bad = 1;
		}
		return;
	}
	get_strs(x, s, "next_signers", LFH_ISA_MAX_PARTIES, LFH_AGENCY_MAX, &x->isa->signers[0][0],
		 sizeof x->isa->signers[0], &x->isa->nsigners, lw, x->src->signer);
	if (!lw->bad && x->isa->nsigners == 0) {
		isa_say(x, lw->line, "next_signers: empty list; write \"all\" for every party");
		lw->bad = 1;
	}
}

/* ---- the top level ---- */

static void get_prev(struct px *x, const config_setting_t *s)
{
	struct where *w = &x->src->top[LFH_ISA_F_PREV];
	char v[80];

	if (get_text(x, s, "prev", v, sizeof v - 1, w) != 0)
		return;
	if (x->isa->version == 1 && !x->src->top[LFH_ISA_F_VERSION].bad) {
		isa_say(x, w->line, "prev: not allowed in version 1 (the genesis version has no predecessor)");
		w->bad = 1;
	} else if (lfh_unhex(x->isa->prev, 32, v) != 0) {
		isa_say(x, w->line, "prev: expected 64 hex digits (the hash of the previous version, "
		    "as `lfh isa check` prints it)");
		w->bad = 1;
	}
}

static void get_top(struct px *x, const config_setting_t *tops[])
{
	lfh_isa *isa = x->isa;
	struct where *t = x->src->top;
	const config_setting_t *s;

	if ((s = tops[LFH_ISA_F_HUB]))
		get_text(x, s, "hub", isa->hub, LFH_ISA_NAME_MAX, &t[LFH_ISA_F_HUB]);
	if ((s = tops[LFH_ISA_F_VERSION]))
		get_u32(x, s, "version", &isa->version, &t[LFH_ISA_F_VERSION]);
	if ((s = tops[LFH_ISA_F_PREV]))
		get_prev(x, s);
	if ((s = tops[LFH_ISA_F_EFFECTIVE]) &&
	    get_text(x, s, "effective", isa->effective, 10, &t[LFH_ISA_F_EFFECTIVE]) != 0)
		isa->effective[0] = '\0';
	if ((s = tops[LFH_ISA_F_REVIEW]) &&
	    get_text(x, s, "review", isa->review, 10, &t[LFH_ISA_F_REVIEW]) != 0)
		isa->review[0] = '\0';
	if ((s = tops[LFH_ISA_F_PURPOSES]))
		get_strs(x, s, "purposes", LFH_ISA_MAX_LIST, LFH_ISA_TEXT_MAX, &isa->purposes[0][0],
			 sizeof isa->purposes[0], &isa->npurposes, &t[LFH_ISA_F_PURPOSES], x->src->purpose);
	if ((s = tops[LFH_ISA_F_LAWFUL_BASIS]))
		get_text(x, s, "lawful_basis", isa->lawful_basis, LFH_ISA_TEXT_MAX,
			 &t[LFH_ISA_F_LAWFUL_BASIS]);
	if ((s = tops[LFH_ISA_F_GATEWAYS]))
		get_strs(x, s, "gateways", LFH_ISA_MAX_LIST, LFH_ISA_TEXT_MAX, &isa->gateways[0][0],
			 sizeof isa->gateways[0], &isa->ngateways, &t[LFH_ISA_F_GATEWAYS], x->src->gateway);
	if ((s = tops[LFH_ISA_F_PARTIES]))
		get_groups(x, s, 1);
	if ((s = tops[LFH_ISA_F_CATEGORIES]))
		get_groups(x, s, 0);
	if ((s = tops[LFH_ISA_F_SIGNERS]))
		get_signers(x, s);
}

/*
 * Settings by name: unknown ones and missing required ones are problems.
 * -1 if there is nothing to check further (no settings at all).
 */
static int walk(struct px *x, const config_setting_t *root)
{
	const config_setting_t *tops[LFH_ISA_F_COUNT] = {0};
	int n = config_setting_length(root);

	if (n == 0) {
		isa_say(x, 1, "no settings: not an ISA file (see deploy/examples/west-cumbria.isa)");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		size_t k = 0;
		while (k < NTOP && strcmp(top[k].name, config_setting_name(s)) != 0)
			k++;
		if (k == NTOP) {
			isa_say(x, line_of(s), "unknown setting '%s'", config_setting_name(s));
			continue;
		}
		tops[top[k].field] = s;
		x->src->top[top[k].field].line = line_of(s);
	}
	for (size_t k = 0; k < NTOP; k++)
		if (top[k].required && !tops[top[k].field]) {
			isa_say(x, 1, "missing required setting '%s'", top[k].name);
			x->src->top[top[k].field].bad = 1;
		}
	get_top(x, tops);
	return 0;
}

/* ---- sorting, with the lines, dropping duplicates ---- */

struct key {
	const char *s;
	unsigned line;
	int idx;
};

static int by_key(const void *a, const void *b)
{
	const struct key *ka = a, *kb = b;
	int c = strcmp(ka->s, kb->s);

	if (c)
		return c;
	return ka->line < kb->line ? -1 : ka->line > kb->line;
}

/*
 * Sort n items (names[i] its key, lines[i] its line) and report duplicates;
 * writes the new order into order[] and returns the number kept.
 */
static uint32_t sort_names(struct px *x, uint32_t n, const char *(*name)(void *, uint32_t),
			   unsigned (*line)(void *, uint32_t), void *ctx, const char *what,
			   int order[])
{
	struct key k[LFH_ISA_MAX_PARTIES > LFH_ISA_MAX_CATEGORIES ? LFH_ISA_MAX_PARTIES
								  : LFH_ISA_MAX_CATEGORIES];
	const struct key *last = NULL;
	uint32_t kept = 0;

	for (uint32_t i = 0; i < n; i++)
		k[i] = (struct key){name(ctx, i), line(ctx, i), (int)i};
	qsort(k, n, sizeof k[0], by_key);
	for (uint32_t i = 0; i < n; i++) {
		/* a name that could not be read ("") is never a duplicate */
		if (last && k[i].s[0] && strcmp(k[i].s, last->s) == 0) {
			isa_say(x, k[i].line, "%s: '%s' listed twice (first at line %u)", what, k[i].s,
			    last->line ? last->line : 1);
			continue;
		}
		last = &k[i];
		order[kept++] = k[i].idx;
	}
	return kept;
}

static const char *party_name(void *c, uint32_t i) { return ((struct px *)c)->isa->parties[i].id; }
static unsigned party_line(void *c, uint32_t i) { return ((struct px *)c)->src->party[i].self.line; }
static const char *cat_name(void *c, uint32_t i) { return ((struct px *)c)->isa->categories[i].name; }
static unsigned cat_line(void *c, uint32_t i) { return ((struct px *)c)->src->cat[i].self.line; }
static const char *signer_name(void *c, uint32_t i) { return ((struct px *)c)->isa->signers[i]; }
static unsigned signer_line(void *c, uint32_t i) { return ((struct px *)c)->src->signer[i].line; }

struct agency_ctx {
	lfh_isa_category *c;
	struct cat_src *cs;
};
static const char *agency_name(void *c, uint32_t i) { return ((struct agency_ctx *)c)->c->agencies[i]; }
static unsigned agency_line(void *c, uint32_t i) { return ((struct agency_ctx *)c)->cs->agency[i].line; }

static int sort_all(struct px *x)
{
	lfh_isa *isa = x->isa;
	struct src *src = x->src;
	int order[LFH_ISA_MAX_PARTIES > LFH_ISA_MAX_CATEGORIES ? LFH_ISA_MAX_PARTIES
							       : LFH_ISA_MAX_CATEGORIES];
	lfh_isa *tmp = malloc(sizeof *tmp);
	struct src *ts = malloc(sizeof *ts);
	uint32_t n;

	if (!tmp || !ts) {
		free(tmp);
		free(ts);
		return LFH_ENOMEM;
	}
	*tmp = *isa;
	*ts = *src;
	n = sort_names(x, isa->nparties, party_name, party_line, x, "parties", order);
	memset(isa->parties, 0, sizeof isa->parties);
	for (uint32_t i = 0; i < n; i++) {
		isa->parties[i] = tmp->parties[order[i]];
		src->party[i] = ts->party[order[i]];
	}
	isa->nparties = n;
	n = sort_names(x, isa->ncategories, cat_name, cat_line, x, "categories", order);
	memset(isa->categories, 0, sizeof isa->categories);
	for (uint32_t i = 0; i < n; i++) {
		isa->categories[i] = tmp->categories[order[i]];
		src->cat[i] = ts->cat[order[i]];
	}
	isa->ncategories = n;
	for (uint32_t c = 0; c < isa->ncategories; c++) {
		struct agency_ctx ac = {&isa->categories[c], &src->cat[c]};
		char what[64];
		lfh_isa_category one = isa->categories[c];
		struct cat_src onesrc = src->cat[c];
		snprintf(what, sizeof what, "categories[%s].agencies",
			 lfh_name_valid(one.name) ? one.name : "?");
		n = sort_names(x, one.nagencies, agency_name, agency_line, &ac, what, order);
		memset(isa->categories[c].agencies, 0, sizeof isa->categories[c].agencies);
		for (uint32_t i = 0; i < n; i++) {
			memcpy(isa->categories[c].agencies[i], one.agencies[order[i]], LFH_AGENCY_MAX + 1);
			src->cat[c].agency[i] = onesrc.agency[order[i]];
		}
		isa->categories[c].nagencies = n;
	}
	n = sort_names(x, isa->nsigners, signer_name, signer_line, x, "next_signers", order);
	memset(isa->signers, 0, sizeof isa->signers);
	for (uint32_t i = 0; i < n; i++) {
		memcpy(isa->signers[i], tmp->signers[order[i]], LFH_AGENCY_MAX + 1);
		src->signer[i] = ts->signer[order[i]];
	}
	isa->nsigners = n;
	free(tmp);
	free(ts);
	return 0;
}

/* ---- rule checks, mapped to lines ---- */

/* The line and badness of a location: the most specific known line. */
static struct where loc_where(const struct src *s, const lfh_isa_loc *l)
{
	struct where w = {0}, list = s->top[l->field >= LFH_ISA_F_PARTY_ID && l->field <= LFH_ISA_F_PARTY_ENDPOINT
				   ? LFH_ISA_F_PARTIES
				   : l->field >= LFH_ISA_F_CAT_NAME && l->field <= LFH_ISA_F_CAT_RETENTION
				   ? LFH_ISA_F_CATEGORIES : l->field];
	int i = l->i, j = l->j;

	if (l->field >= LFH_ISA_F_PARTY_ID && l->field <= LFH_ISA_F_PARTY_ENDPOINT && i >= 0 &&
	    i < LFH_ISA_MAX_PARTIES) {
		const struct party_src *p = &s->party[i];
		w = p->f[l->field - LFH_ISA_F_PARTY_ID];
		w.line = w.line ? w.line : p->self.line;
		w.bad |= p->self.bad;
	} else if (l->field >= LFH_ISA_F_CAT_NAME && l->field <= LFH_ISA_F_CAT_RETENTION && i >= 0 &&
		   i < LFH_ISA_MAX_CATEGORIES) {
		const struct cat_src *c = &s->cat[i];
		w = c->f[l->field - LFH_ISA_F_CAT_NAME];
		if (l->field == LFH_ISA_F_CAT_AGENCIES && j >= 0 && j < LFH_ISA_MAX_PARTIES) {
			w.bad |= c->agency[j].bad;
			w.line = c->agency[j].line ? c->agency[j].line : w.line;
		}
		w.line = w.line ? w.line : c->self.line;
		w.bad |= c->self.bad;
	} else if ((l->field == LFH_ISA_F_PURPOSES || l->field == LFH_ISA_F_GATEWAYS) && i >= 0 &&
		   i < LFH_ISA_MAX_LIST) {
		w = l->field == LFH_ISA_F_PURPOSES ? s->purpose[i] : s->gateway[i];
	} else if (l->field == LFH_ISA_F_SIGNERS && i >= 0 && i < LFH_ISA_MAX_PARTIES) {
		w = s->signer[i];
	} else {
		w = s->top[l->field];
		if (l->field == LFH_ISA_F_PREV) {
			w.line = w.line ? w.line : s->top[LFH_ISA_F_VERSION].line;
			w.bad |= s->top[LFH_ISA_F_VERSION].bad;
		}
	}
	w.line = w.line ? w.line : list.line;
	w.bad |= list.bad;
	/* references to parties mean little when the party list could not be read */
	if ((l->field == LFH_ISA_F_CAT_AGENCIES || l->field == LFH_ISA_F_SIGNERS) &&
	    s->top[LFH_ISA_F_PARTIES].bad)
		w.bad = 1;
	return w;
}

static void on_problem(void *ctx, const lfh_isa_loc *loc, const char *msg)
{
	struct px *x = ctx;
	struct where w = loc_where(x->src, loc);

	if (!w.bad)
		isa_say(x, w.line, "%s", msg);
}

/* ---- entry point ---- */

static void set_dir(struct px *x)
{
	const char *slash = strrchr(x->path, '/');
	size_t n = slash ? (size_t)(slash - x->path) : 0;

	if (!slash)
		snprintf(x->dir, sizeof x->dir, ".");
	else if (n == 0)
		snprintf(x->dir, sizeof x->dir, "/");
	else
		snprintf(x->dir, sizeof x->dir, "%.*s", (int)(n < PATH_MAX - 1 ? n : PATH_MAX - 1), x->path);
}

/*
 * libconfig: the syntax, then the settings; problems into x. text is ours
 * and may be cut short: with a string out of place, libconfig reads only
 * what comes before it, to report an earlier syntax error if there is one.
 */
static int parse_text(struct px *x, char *text, const struct scan *sc, lfh_err *err)
{
	config_t cf;
	int rc = 0;

	config_init(&cf);
	if (sc->bad_string)
		text[sc->bad_string - text] = '\0';
	if (!config_read_string(&cf, text)) {
		isa_say(x, (unsigned)config_error_line(&cf), "%s",
		    config_error_text(&cf) ? config_error_text(&cf) : "syntax error");
	} else if (sc->bad_string) {
		isa_say(x, sc->bad_line, "syntax error (a string is not expected here)");
	} else if (walk(x, config_root_setting(&cf)) == 0) {
		rc = sort_all(x);
		if (rc == 0)
			lfh_isa_check(x->isa, on_problem, x);
		else
			lfh_err_set(err, rc, "%s: out of memory", x->path);
	}
	config_destroy(&cf);
	return rc;
}

/* Problems sorted by line into errs and err; LFH_EINVAL. */
static int report(struct px *x, lfh_isa_errors *errs, lfh_err *err)
{
	size_t total = x->nfound + x->nmore;

	qsort(x->found, x->nfound, sizeof x->found[0], by_line);
	lfh_err_set(err, LFH_EINVAL, "%s", x->found[0].msg);
	if (!errs)
		return LFH_EINVAL;
	errs->n = 0;
	for (size_t i = 0; i < x->nfound && errs->n < LFH_ISA_MAX_ERRORS; i++) {
		if (errs->n == LFH_ISA_MAX_ERRORS - 1 && total > LFH_ISA_MAX_ERRORS) {
			snprintf(errs->msg[errs->n++], LFH_ERRMSG_MAX, "%s: %zu more problems not shown",
				 x->path, total - (LFH_ISA_MAX_ERRORS - 1));
			break;
		}
		memcpy(errs->msg[errs->n++], x->found[i].msg, LFH_ERRMSG_MAX);
	}
	return LFH_EINVAL;
}

int lfh_isa_parse_file(const char *path, lfh_isa *out, lfh_isa_errors *errs, lfh_err *err)
{
	struct px x = {0};
	struct scan sc = {0};
	lfh_err re = {0};
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (errs)
		errs->n = 0;
	if (!path || !out)
		return lfh_err_set(err, LFH_EINVAL, "lfh_isa_parse_file: NULL argument");
	memset(out, 0, sizeof *out);
	x.path = path;
	set_dir(&x);
	if ((rc = isa_read_file(&x, &text, &len, &re)) != 0) {
		if (errs) {
			memcpy(errs->msg[0], re.msg, LFH_ERRMSG_MAX);
			errs->n = 1;
		}
		return lfh_err_set(err, rc, "%s", re.msg);
	}
	x.isa = calloc(1, sizeof *x.isa);
	x.src = calloc(1, sizeof *x.src);
	x.found = malloc(MAX_FOUND * sizeof *x.found);
	if (!x.isa || !x.src || !x.found) {
		rc = lfh_err_set(err, LFH_ENOMEM, "%s: out of memory", path);
	} else if (isa_prescan(&x, text, len, &sc) == 0) {
		rc = parse_text(&x, text, &sc, err);
	}
	if (rc == 0 && x.nfound > 0)
		rc = report(&x, errs, err);
	if (rc == 0)
		*out = *x.isa;
	free(text);
	free(x.isa);
	free(x.src);
	free(x.found);
	return rc;
}
