/*
 * test_isa_diff.c - unit tests for proto/isa_diff.c: every kind of change
 * between two versions of the example agreement (agreement-wide texts and
 * dates, parties added, removed and changed, categories added, removed and
 * changed, named agencies, next signers), whether NEW follows OLD, and the
 * plain-words description.
 *
 * Run from the repository root (the example is read from deploy/examples);
 * the fixture (isa_fixture.h) gives the example with key files, parsed into
 * isa0 (parties: council fire health housing police probation).
 */
#define _XOPEN_SOURCE 700
#include "isa_fixture.h"

#include "lfh/isa_diff.h"

static lfh_isa a, b; /* OLD and NEW of each test */
static lfh_isa_diff d;

/* b = the successor of a, otherwise the same. */
static void successor(void)
{
	b = a;
	b.version = a.version + 1;
	assert_int_equal(lfh_isa_hash_of(&a, b.prev, NULL), 0);
}

/* Compare a with b; both must be valid. */
static void compare(void)
{
	lfh_err err = {0};

	assert_int_equal(lfh_isa_validate(&a, &err), 0);
	assert_int_equal(lfh_isa_validate(&b, &err), 0);
	assert_int_equal(lfh_isa_compare(&a, &b, &d, &err), 0);
}

/* The one change of kind `what` about subject (and field, if not NULL); fails if none. */
static const lfh_isa_change *find(enum lfh_isa_change_kind what, const char *subject,
				  const char *field)
{
	const lfh_isa_change *hit = NULL;

	for (size_t i = 0; i < d.n; i++) {
		const lfh_isa_change *c = &d.c[i];
		if (c->what == what && !strcmp(c->subject, subject) && (!field || !strcmp(c->field, field))) {
			assert_null(hit);
			hit = c;
		}
	}
	if (!hit) {
		print_error("no change %s of '%s' %s among %zu:\n", lfh_isa_change_name(what), subject,
			    field ? field : "", d.n);
		for (size_t i = 0; i < d.n; i++)
			print_error("  %s\n", d.c[i].words);
		fail();
	}
	assert_string_equal(lfh_isa_change_name(what), lfh_isa_change_name(hit->what));
	assert_true(hit->words[0] != '\0');
	return hit;
}

/* The change is found, with these values and words containing `want`. */
static void expect(enum lfh_isa_change_kind what, const char *subject, const char *field,
		   const char *before, const char *after, const char *want)
{
	const lfh_isa_change *c = find(what, subject, field);

	assert_string_equal(c->before, before);
	assert_string_equal(c->after, after);
	if (!strstr(c->words, want)) {
		print_error("'%s' not in '%s'\n", want, c->words);
		fail();
	}
}

/* The plain-words comparison, as a string the caller frees. */
static char *describe(void)
{
	lfh_buf out = {0};

	assert_int_equal(lfh_buf_append(&out, "> ", 2), 0);
	assert_int_equal(lfh_isa_diff_describe(&a, &b, &d, "v1.isa", "v2.isa", &out, NULL), 0);
	assert_int_equal(strlen((char *)out.data), out.len);
	return (char *)out.data;
}

static void drop_party(lfh_isa *isa, const char *id)
{
	for (uint32_t i = 0; i < isa->nparties; i++)
		if (!strcmp(isa->parties[i].id, id)) {
			memmove(&isa->parties[i], &isa->parties[i + 1],
				(isa->nparties - i - 1) * sizeof isa->parties[0]);
			isa->nparties--;
			return;
		}
	fail();
}

static lfh_isa_category *cat(lfh_isa *isa, const char *name)
{
	lfh_isa_category *c = (lfh_isa_category *)lfh_isa_category_find(isa, name);

	assert_non_null(c);
	return c;
}

static lfh_isa_party *party(lfh_isa *isa, const char *id)
{
	lfh_isa_party *p = (lfh_isa_party *)lfh_isa_party_find(isa, id);

	assert_non_null(p);
	return p;
}

static int test_setup(void **state)
{
	(void)state;
	a = isa0;
	memset(&d, 0, sizeof d);
	return 0;
}

static int test_teardown(void **state)
{
	(void)state;
	lfh_isa_diff_free(&d);
	return 0;
}

/* ---- the chain ---- */

static void test_follows(void **state)
{
	char *s;

	(void)state;
	successor();
	compare();
	assert_int_equal(d.follows, 1);
	assert_int_equal(d.n, 0);
	s = describe();
	assert_non_null(strstr(s, "> OLD: v1.isa: version 1 of hub west-cumbria, hash "));
	assert_non_null(strstr(s, "\nNEW: v2.isa: version 2 of hub west-cumbria, hash "));
	assert_non_null(strstr(s, "NEW follows OLD: version 2, naming OLD's hash as prev."));
	assert_non_null(strstr(s, "Nothing else changes."));
	free(s);
}

static void test_same(void **state)
{
	char *s;

	(void)state;
	b = a;
	compare();
	assert_int_equal(d.n, 0);
	assert_int_equal(d.follows, 0);
	assert_memory_equal(d.old_hash, d.new_hash, 32);
	s = describe();
	assert_non_null(strstr(s, "OLD and NEW are the same version (same hash): nothing changes."));
	free(s);
}

static void test_not_follows(void **state)
{
	char *s;

	(void)state;
	successor();
	b.version = 3;
	compare();
	assert_int_equal(d.follows, 0);
	assert_non_null(strstr(d.why, "its version is 3, not 2 (OLD's + 1)"));
	assert_null(strstr(d.why, "prev"));
	s = describe();
	assert_non_null(strstr(s, "NEW does not follow OLD: its version is 3, not 2"));
	free(s);
	lfh_isa_diff_free(&d);

	successor();
	b.prev[5] ^= 1;
	compare();
	assert_int_equal(d.follows, 0);
	assert_non_null(strstr(d.why, "is not OLD's hash"));
	lfh_isa_diff_free(&d);

	/* another hub: not a successor, and the hub name is a change */
	successor();
	strcpy(b.hub, "east-cumbria");
	compare();
	assert_int_equal(d.follows, 0);
	assert_non_null(strstr(d.why, "its hub is 'east-cumbria', not 'west-cumbria'"));
	assert_int_equal(d.n, 1);
	expect(LFH_ISA_C_HUB, "", NULL, "west-cumbria", "east-cumbria", "hub name");
	lfh_isa_diff_free(&d);

	/* a genesis version never follows */
	b = a;
	strcpy(b.review, "2028-01-01");
	compare();
	assert_int_equal(d.follows, 0);
	assert_non_null(strstr(d.why, "genesis"));
}

/* ---- the agreement as a whole ---- */

static void test_agreement(void **state)
{
	char *s;

	(void)state;
	successor();
	strcpy(b.effective, "2026-05-01");
	strcpy(b.review, "2028-04-01");
	strcpy(b.purposes[1], "Support victims.");                 /* one removed, one added */
	strcpy(b.lawful_basis, "UK GDPR Article 6(1)(e).");
	b.ngateways--;                                             /* the last removed */
	compare();
	assert_int_equal(d.follows, 1);
	expect(LFH_ISA_C_EFFECTIVE, "", NULL, "2026-04-01", "2026-05-01", "effective date 2026-04-01 becomes 2026-05-01");
	expect(LFH_ISA_C_REVIEW, "", NULL, "2027-04-01", "2028-04-01", "review date");
	expect(LFH_ISA_C_PURPOSE_REMOVED, "", NULL, a.purposes[1], "", "purpose removed: \"Identify");
	expect(LFH_ISA_C_PURPOSE_ADDED, "", NULL, "", "Support victims.", "purpose added: \"Support victims.\"");
	expect(LFH_ISA_C_LAWFUL_BASIS, "", NULL, a.lawful_basis, "UK GDPR Article 6(1)(e).", "lawful basis");
	expect(LFH_ISA_C_GATEWAY_REMOVED, "", NULL, a.gateways[a.ngateways - 1], "", "legal gateway removed: \"Fire");
	assert_int_equal(d.n, 6);
	s = describe();
	assert_non_null(strstr(s, "\n6 changes:\n\nAgreement:\n  - effective date"));
	free(s);
	lfh_isa_diff_free(&d);

	/* the same texts in another order; a gateway added */
	successor();
	memcpy(b.purposes[0], a.purposes[1], sizeof b.purposes[0]);
	memcpy(b.purposes[1], a.purposes[0], sizeof b.purposes[0]);
	strcpy(b.gateways[b.ngateways++], "Localism Act 2011.");
	compare();
	assert_int_equal(d.n, 2);
	expect(LFH_ISA_C_PURPOSES_ORDER, "", NULL, "", "", "the purposes are the same, in a different order");
	expect(LFH_ISA_C_GATEWAY_ADDED, "", NULL, "", "Localism Act 2011.", "legal gateway added");
	lfh_isa_diff_free(&d);

	successor();
	memcpy(b.gateways[0], a.gateways[1], sizeof b.gateways[0]);
	memcpy(b.gateways[1], a.gateways[0], sizeof b.gateways[0]);
	compare();
	assert_int_equal(d.n, 1);
	expect(LFH_ISA_C_GATEWAYS_ORDER, "", NULL, "", "", "different order");
}

/* ---- parties ---- */

static void test_party_removed_and_added(void **state)
{
	char *s;

	(void)state;
	successor();
	drop_party(&b, "fire");
	compare();
	assert_int_equal(d.n, 1);
	expect(LFH_ISA_C_PARTY_REMOVED, "fire", "", "Cumbria Fire and Rescue Service", "",
	       "fire removed: Cumbria Fire and Rescue Service (fire and rescue) is no longer a party");
	s = describe();
	assert_non_null(strstr(s, "\n1 change:\n\nParties:\n  - fire removed: "));
	free(s);
	lfh_isa_diff_free(&d);

	/* the other way round: fire joins */
	a = isa0;
	drop_party(&a, "fire");
	successor();
	b.nparties = 0;
	for (uint32_t i = 0; i < isa0.nparties; i++)
		b.parties[b.nparties++] = isa0.parties[i];
	compare();
	assert_int_equal(d.n, 1);
	expect(LFH_ISA_C_PARTY_ADDED, "fire", "", "", "Cumbria Fire and Rescue Service",
	       "fire added: Cumbria Fire and Rescue Service (fire and rescue; independent controller), "
	       "node tcp://lfh.fire.example:7101, key id ");
}

static void test_party_changed(void **state)
{
	lfh_identity *id = NULL;
	uint8_t seed[32], kid[LFH_KEYID_LEN];
	char before[17], after[17], curve[41];
	lfh_isa_party *p;

	(void)state;
	successor();
	p = party(&b, "housing");
	strcpy(p->name, "Castles & Coasts Housing");
	strcpy(p->role, "housing provider");
	strcpy(p->controller, "joint controller");
	strcpy(p->endpoint, "tcp://lfh2.housing.example:7101");
	memset(seed, 0x40, sizeof seed);
	assert_int_equal(lfh_identity_from_seed("housing", seed, &id, NULL), 0);
	memcpy(p->root_pk, id->pub.root_pk, 32);
	memcpy(p->sign_pk, id->pub.sign_pk, 32);
	memcpy(p->box_pk, id->pub.box_pk, 32);
	memcpy(p->curve_pk, id->pub.curve_pk, 32);
	lfh_identity_free(id);
	compare();
	assert_int_equal(d.n, 8);
	expect(LFH_ISA_C_PARTY, "housing", "name", "Castles & Coasts Housing Association",
	       "Castles & Coasts Housing", "housing: name 'Castles & Coasts Housing Association' becomes");
	expect(LFH_ISA_C_PARTY, "housing", "role", "social housing provider", "housing provider", "role");
	expect(LFH_ISA_C_PARTY, "housing", "controller", "independent controller", "joint controller",
	       "controller");
	expect(LFH_ISA_C_PARTY, "housing", "endpoint", "tcp://lfh.housing.example:7101",
	       "tcp://lfh2.housing.example:7101",
	       "housing: endpoint 'tcp://lfh.housing.example:7101' becomes 'tcp://lfh2.housing.example:7101'");
	/* root and sign by key id */
	lfh_key_id(a.parties[3].sign_pk, kid);
	lfh_hex(before, kid, sizeof kid);
	lfh_key_id(p->sign_pk, kid);
	lfh_hex(after, kid, sizeof kid);
	assert_string_equal(a.parties[3].id, "housing");
	expect(LFH_ISA_C_PARTY, "housing", "sign", before, after, "housing: signing key changes (key id ");
	lfh_key_id(a.parties[3].root_pk, kid);
	lfh_hex(before, kid, sizeof kid);
	lfh_key_id(p->root_pk, kid);
	lfh_hex(after, kid, sizeof kid);
	expect(LFH_ISA_C_PARTY, "housing", "root", before, after, "root identity key changes");
	find(LFH_ISA_C_PARTY, "housing", "box");
	lfh_curve_z85(p->curve_pk, curve);
	assert_string_equal(find(LFH_ISA_C_PARTY, "housing", "curve")->after, curve);
}

/* ---- categories ---- */

static void test_category_removed_and_added(void **state)
{
	lfh_isa_category *c;

	(void)state;
	successor();
	/* criminal-intel (index 1) removed, "youth" added at the end */
	assert_string_equal(b.categories[1].name, "criminal-intel");
	memmove(&b.categories[1], &b.categories[2], (b.ncategories - 2) * sizeof b.categories[0]);
	c = &b.categories[b.ncategories - 1];
	memset(c, 0, sizeof *c);
	strcpy(c->name, "youth");
	c->kind = LFH_ISA_PERSONAL;
	c->rule = LFH_RULE_NAMED;
	c->nagencies = 2;
	strcpy(c->agencies[0], "council");
	strcpy(c->agencies[1], "police");
	c->retention_days = 365;
	compare();
	assert_int_equal(d.n, 2);
	expect(LFH_ISA_C_CATEGORY_REMOVED, "criminal-intel", "", "criminal-intel", "",
	       "criminal-intel removed (it was criminal offence data; received by the named agencies "
	       "only; named agencies: police and probation; kept 730 days after the case closes)");
	expect(LFH_ISA_C_CATEGORY_ADDED, "youth", "", "", "youth",
	       "youth added: personal data; received by the named agencies only; named agencies: "
	       "council and police; kept 365 days after the case closes");
}

static void test_category_changed(void **state)
{
	lfh_isa_category *c;
	char *s;

	(void)state;
	successor();
	c = cat(&b, "referral");
	c->kind = LFH_ISA_SPECIAL;
	c->rule = LFH_RULE_LEAD;
	c->retention_days = 365;
	c->nagencies = 1;
	strcpy(c->agencies[0], "council");
	c = cat(&b, "criminal-intel"); /* police, probation -> fire, police */
	strcpy(c->agencies[0], "fire");
	strcpy(c->agencies[1], "police");
	c = cat(&b, "actions");
	c->retention_days = 2000;
	compare();
	assert_int_equal(d.n, 7);
	expect(LFH_ISA_C_CATEGORY, "referral", "kind", "personal", "special",
	       "referral: kind personal data becomes special category data");
	expect(LFH_ISA_C_CATEGORY, "referral", "receive", "participants", "lead",
	       "referral: receive rule participants (the agencies taking part in the case) becomes "
	       "lead (the case's lead agency)");
	expect(LFH_ISA_C_CATEGORY, "referral", "retention_days", "2190", "365",
	       "referral: retention 2190 days becomes 365 days (kept shorter");
	expect(LFH_ISA_C_AGENCY_ADDED, "referral", "", "", "council",
	       "referral: council becomes one of its named agencies");
	expect(LFH_ISA_C_AGENCY_ADDED, "criminal-intel", "", "", "fire", "fire becomes");
	expect(LFH_ISA_C_AGENCY_REMOVED, "criminal-intel", "", "probation", "",
	       "criminal-intel: probation is no longer one of its named agencies");
	expect(LFH_ISA_C_CATEGORY, "actions", "retention_days", "1095", "2000", "kept longer");
	s = describe();
	assert_non_null(strstr(s, "\n7 changes:\n\nCategories:\n  - actions: retention 1095 days"));
	free(s);
}

/* ---- who signs the next version ---- */

static void test_signers(void **state)
{
	char *s;

	(void)state;
	successor();
	b.nsigners = 2;
	strcpy(b.signers[0], "council");
	strcpy(b.signers[1], "police");
	compare();
	assert_int_equal(d.n, 1);
	expect(LFH_ISA_C_SIGNERS, "", "", "all", "council,police",
	       "(next_signers): every party becomes council and police");
	s = describe();
	assert_non_null(strstr(s, "\nNext version:\n  - who must sign"));
	free(s);
	lfh_isa_diff_free(&d);

	a = b;
	successor();
	b.nsigners = 0;
	compare();
	expect(LFH_ISA_C_SIGNERS, "", "", "council,police", "all", "council and police becomes every party");
}

/* ---- several sections at once, in order; names; invalid input ---- */

static void test_sections_in_order(void **state)
{
	char *s, *ag, *pa, *ca, *nv;

	(void)state;
	successor();
	strcpy(b.review, "2028-04-01");
	drop_party(&b, "fire");
	cat(&b, "health")->retention_days = 10;
	b.nsigners = 1;
	strcpy(b.signers[0], "police");
	compare();
	assert_int_equal(d.n, 4);
	s = describe();
	ag = strstr(s, "\nAgreement:\n");
	pa = strstr(s, "\nParties:\n");
	ca = strstr(s, "\nCategories:\n");
	nv = strstr(s, "\nNext version:\n");
	assert_true(ag && pa && ca && nv && ag < pa && pa < ca && ca < nv);
	free(s);
}

static void test_names(void **state)
{
	(void)state;
	for (int k = LFH_ISA_C_HUB; k <= LFH_ISA_C_SIGNERS; k++)
		assert_string_not_equal(lfh_isa_change_name((enum lfh_isa_change_kind)k), "?");
	assert_string_equal(lfh_isa_change_name(LFH_ISA_C_PARTY_REMOVED), "party_removed");
	assert_string_equal(lfh_isa_change_name(LFH_ISA_C_CATEGORY), "category_changed");
	assert_string_equal(lfh_isa_change_name((enum lfh_isa_change_kind)0), "?");
	assert_string_equal(lfh_isa_change_name((enum lfh_isa_change_kind)99), "?");
}

static void test_invalid(void **state)
{
	lfh_err err = {0};

	(void)state;
	successor();
	b.nparties = 1; /* fewer than two parties */
	assert_int_not_equal(lfh_isa_compare(&a, &b, &d, &err), 0);
	assert_true(err.msg[0] != '\0');
	assert_int_equal(d.n, 0);
	assert_null(d.c);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_follows),
		T(test_same),
		T(test_not_follows),
		T(test_agreement),
		T(test_party_removed_and_added),
		T(test_party_changed),
		T(test_category_removed_and_added),
		T(test_category_changed),
		T(test_signers),
		T(test_sections_in_order),
		T(test_names),
		T(test_invalid),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
