/*
 * test_isa.c - unit tests for proto/isa.c: the shipped example agreement
 * as parsed (parties, categories, lookups), the validity rules on the
 * struct (lfh_isa_validate, lfh_isa_check) and the sharing rules
 * (recipients, may_receive, signed_enough).
 *
 * Run from the repository root (the example is read from deploy/examples);
 * the fixture (isa_fixture.h) gives the example with key files.
 */
#define _XOPEN_SOURCE 700
#include "isa_fixture.h"

/* ---- the example ---- */

static void test_example(void **state)
{
	static const char *const sorted[6] = {"council", "fire", "health", "housing", "police", "probation"};
	const lfh_isa_category *c;
	const lfh_isa_party *p;

	(void)state;
	assert_string_equal(isa0.hub, "west-cumbria");
	assert_int_equal(isa0.version, 1);
	assert_true(sodium_is_zero(isa0.prev, 32));
	assert_string_equal(isa0.effective, "2026-04-01");
	assert_string_equal(isa0.review, "2027-04-01");
	assert_true(isa0.npurposes >= 1);
	assert_non_null(strstr(isa0.lawful_basis, "Article 6(1)(e)"));
	assert_non_null(strstr(isa0.gateways[0], "section 115"));
	assert_int_equal(isa0.nparties, 6);
	for (int i = 0; i < 6; i++)
		assert_string_equal(isa0.parties[i].id, sorted[i]);
	for (int i = 0; i < 6; i++) {
		assert_non_null(p = lfh_isa_party_find(&isa0, agencies[i]));
		assert_memory_equal(p->root_pk, keys[i].root_pk, 32); /* from the key file */
		assert_memory_equal(p->sign_pk, keys[i].sign_pk, 32);
		assert_memory_equal(p->box_pk, keys[i].box_pk, 32);
		assert_memory_equal(p->curve_pk, keys[i].curve_pk, 32);
	}
	assert_string_equal(lfh_isa_party_find(&isa0, "police")->name, "Cumbria Constabulary");
	assert_null(lfh_isa_party_find(&isa0, "nhs"));
	assert_true(isa0.ncategories >= 8);
	for (uint32_t i = 1; i < isa0.ncategories; i++)
		assert_true(strcmp(isa0.categories[i - 1].name, isa0.categories[i].name) < 0);
	assert_non_null(c = lfh_isa_category_find(&isa0, "health"));
	assert_int_equal(c->kind, LFH_ISA_SPECIAL);
	assert_int_equal(c->rule, LFH_RULE_LEAD);
	assert_int_equal(c->nagencies, 1);
	assert_string_equal(c->agencies[0], "health");
	assert_int_equal(c->retention_days, 730);
	assert_non_null(c = lfh_isa_category_find(&isa0, "criminal-intel"));
	assert_int_equal(c->kind, LFH_ISA_CRIMINAL);
	assert_int_equal(c->rule, LFH_RULE_NAMED);
	assert_int_equal(c->nagencies, 2);
	assert_string_equal(c->agencies[0], "police");
	assert_string_equal(c->agencies[1], "probation");
	for (const char *const *n = (const char *const[]){"referral", "personal", "safeguarding", "housing",
							     "actions", "meeting-notes", NULL}; *n; n++)
		assert_non_null(lfh_isa_category_find(&isa0, *n));
	assert_null(lfh_isa_category_find(&isa0, "gossip"));
	assert_int_equal(isa0.nsigners, 0);
	assert_int_equal(lfh_isa_validate(&isa0, NULL), 0);
}

static void test_party_pubkeys(void **state)
{
	lfh_pubkeys pk;

	(void)state;
	lfh_isa_party_pubkeys(lfh_isa_party_find(&isa0, "housing"), &pk);
	assert_string_equal(pk.agency, "housing");
	assert_memory_equal(pk.root_pk, keys[2].root_pk, 32);
	assert_memory_equal(pk.sign_pk, keys[2].sign_pk, 32);
	assert_memory_equal(pk.key_id, keys[2].key_id, LFH_KEYID_LEN);
}

/* ---- validity rules on the struct ---- */

typedef void (*mutation)(lfh_isa *);

static void m_hub(lfh_isa *i) { strcpy(i->hub, "west\tcumbria"); }
static void m_version(lfh_isa *i) { i->version = 0; }
static void m_prev1(lfh_isa *i) { i->prev[3] = 1; }
static void m_prev2(lfh_isa *i) { i->version = 2; }
static void m_date(lfh_isa *i) { strcpy(i->effective, "2027-02-29"); }
static void m_date2(lfh_isa *i) { strcpy(i->review, "2027-4-01"); }
static void m_purposes(lfh_isa *i) { i->npurposes = 0; }
static void m_purpose_utf8(lfh_isa *i) { strcpy(i->purposes[0], "bad \xc3\x28 utf-8"); }
static void m_lawful(lfh_isa *i) { i->lawful_basis[0] = '\0'; }
static void m_gateways(lfh_isa *i) { i->ngateways = LFH_ISA_MAX_LIST + 1; }
static void m_one_party(lfh_isa *i) { i->nparties = 1; }
static void m_party_order(lfh_isa *i) { strcpy(i->parties[0].id, "zzz"); }
static void m_party_name(lfh_isa *i) { memset(i->parties[1].name, 'n', sizeof i->parties[1].name); }
static void m_sign(lfh_isa *i) { memset(i->parties[2].sign_pk, 0, 32); }
static void m_box(lfh_isa *i) { memset(i->parties[2].box_pk, 0, 32); }
static void m_shared(lfh_isa *i) { memcpy(i->parties[3].curve_pk, i->parties[0].box_pk, 32); }
static void m_root(lfh_isa *i) { memset(i->parties[2].root_pk, 0, 32); }
static void m_root_sign(lfh_isa *i) { memcpy(i->parties[2].root_pk, i->parties[2].sign_pk, 32); }
static void m_root_box(lfh_isa *i) { memcpy(i->parties[2].box_pk, i->parties[2].root_pk, 32); }
static void m_root_shared(lfh_isa *i) { memcpy(i->parties[3].root_pk, i->parties[0].root_pk, 32); }
static void m_root_other_sign(lfh_isa *i) { memcpy(i->parties[0].root_pk, i->parties[4].sign_pk, 32); }
static void m_endpoint(lfh_isa *i) { strcpy(i->parties[0].endpoint, "tcp://a b:1"); }
static void m_no_cats(lfh_isa *i) { i->ncategories = 0; }
static void m_cat_order(lfh_isa *i) { strcpy(i->categories[0].name, "zzz"); }
static void m_kind(lfh_isa *i) { i->categories[0].kind = (enum lfh_isa_kind)0; }
static void m_rule(lfh_isa *i) { i->categories[0].rule = (enum lfh_isa_rule)5; }
static void m_named_empty(lfh_isa *i) { i->categories[0].rule = LFH_RULE_NAMED; }
static void m_all_agencies(lfh_isa *i)
{
	i->categories[0].rule = LFH_RULE_ALL;
	i->categories[0].nagencies = 1;
	strcpy(i->categories[0].agencies[0], "police");
}
static void m_retention(lfh_isa *i) { i->categories[0].retention_days = LFH_ISA_RETENTION_MAX + 1; }
static void m_signer(lfh_isa *i)
{
	i->nsigners = 1;
	strcpy(i->signers[0], "nhs");
}
static void m_signers_order(lfh_isa *i)
{
	i->nsigners = 2;
	strcpy(i->signers[0], "police");
	strcpy(i->signers[1], "council");
}

static void expect_invalid(mutation m, const char *want)
{
	static lfh_isa i;
	lfh_buf b = {0};
	lfh_err err = {0};

	i = isa0;
	m(&i);
	assert_int_equal(lfh_isa_validate(&i, &err), LFH_EINVAL);
	if (!strstr(err.msg, want)) {
		print_error("error \"%s\" does not mention \"%s\"\n", err.msg, want);
		fail();
	}
	assert_true(lfh_isa_check(&i, NULL, NULL) >= 1);
	assert_int_equal(lfh_isa_encode(&i, &b, NULL), LFH_EINVAL);
	assert_int_equal(b.len, 0);
	assert_int_equal(lfh_isa_describe(&i, &b, NULL), LFH_EINVAL);
	assert_int_equal(b.len, 0);
	lfh_buf_free(&b);
}

static void test_validate(void **state)
{
	(void)state;
	assert_int_equal(lfh_isa_check(&isa0, NULL, NULL), 0);
	expect_invalid(m_hub, "hub:");
	expect_invalid(m_version, "version: must be >= 1");
	expect_invalid(m_prev1, "prev: must not be set in version 1");
	expect_invalid(m_prev2, "prev: required when version > 1");
	expect_invalid(m_date, "effective: not a real date");
	expect_invalid(m_date2, "review: not a real date");
	expect_invalid(m_purposes, "purposes: 0 purposes");
	expect_invalid(m_purpose_utf8, "purposes[0]: is not valid UTF-8");
	expect_invalid(m_lawful, "lawful_basis: empty");
	expect_invalid(m_gateways, "gateways:");
	expect_invalid(m_one_party, "parties: 1 parties; 2..32 required");
	expect_invalid(m_party_order, "parties[fire].id: out of order");
	expect_invalid(m_party_name, "parties[fire].name: too long");
	expect_invalid(m_sign, "parties[health].sign: not a valid Ed25519 public key");
	expect_invalid(m_box, "parties[health].box: missing");
	expect_invalid(m_shared, "parties[housing].curve: the same key as parties[council].box");
	expect_invalid(m_root, "parties[health].root: not a valid Ed25519 public key");
	expect_invalid(m_root_sign, "parties[health].root: the same key as parties[health].sign");
	expect_invalid(m_root_box, "parties[health].root: the same key as parties[health].box");
	expect_invalid(m_root_shared, "parties[housing].root: the same key as parties[council].root");
	expect_invalid(m_root_other_sign, "parties[police].sign: the same key as parties[council].root");
	expect_invalid(m_endpoint, "parties[council].endpoint");
	expect_invalid(m_no_cats, "categories: 0 categories");
	expect_invalid(m_cat_order, ".name: out of order");
	expect_invalid(m_kind, ".kind: must be personal, special or criminal");
	expect_invalid(m_rule, ".receive: must be all, participants, lead or named");
	expect_invalid(m_named_empty, "needs at least one agency");
	expect_invalid(m_all_agencies, "must be empty when receive = \"all\"");
	expect_invalid(m_retention, "retention_days: 36501 out of range");
	expect_invalid(m_signer, "next_signers[0]: 'nhs' is not a party");
	expect_invalid(m_signers_order, "next_signers[1]: 'council' is out of order");
}

/* lfh_isa_check reports every problem, with its location. */
struct seen {
	size_t n;
	lfh_isa_loc loc[16];
};

static void collect(void *ctx, const lfh_isa_loc *loc, const char *msg)
{
	struct seen *s = ctx;

	assert_non_null(msg);
	if (s->n < 16)
		s->loc[s->n] = *loc;
	s->n++;
}

static void test_check_all(void **state)
{
	static lfh_isa i;
	struct seen s = {0};

	(void)state;
	i = isa0;
	i.version = 0;
	i.categories[2].retention_days = 0;
	strcpy(i.categories[2].agencies[0], "nhs");
	assert_int_equal(lfh_isa_check(&i, collect, &s), 3);
	assert_int_equal(s.loc[0].field, LFH_ISA_F_VERSION);
	assert_int_equal(s.loc[1].field, LFH_ISA_F_CAT_AGENCIES);
	assert_int_equal(s.loc[1].i, 2);
	assert_int_equal(s.loc[1].j, 0);
	assert_int_equal(s.loc[2].field, LFH_ISA_F_CAT_RETENTION);
	assert_int_equal(s.loc[2].i, 2);
}

/* ---- sharing rules ---- */

static void expect_rcpt(const lfh_isa *isa, const char *cat, const char *lead,
			const char *const *parts, size_t np, const char *author, const char *want)
{
	char out[LFH_ISA_MAX_PARTIES][LFH_AGENCY_MAX + 1], got[512] = "";
	lfh_agencies set = { 0 };
	size_t n = 99;

	for (size_t i = 0; i < np; i++)
		assert_int_equal(lfh_agencies_add(&set, parts[i]), 0);
	assert_int_equal(lfh_isa_recipients(isa, cat, lead, &set, author, out, &n, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		strcat(got, i ? "," : "");
		strcat(got, out[i]);
	}
	if (strcmp(got, want) != 0) {
		print_error("%s: recipients \"%s\", expected \"%s\"\n", cat, got, want);
		fail();
	}
}

static void test_recipients(void **state)
{
	static lfh_isa all;
	const char *p1[] = {"police", "housing", "nhs"};
	const char *p2[] = {"fire", "council", "fire"};
	char out[LFH_ISA_MAX_PARTIES][LFH_AGENCY_MAX + 1];
	size_t n = 5;
	lfh_err err;

	(void)state;
	/* participants: P ∪ named, parties only, minus the author, sorted, unique */
	expect_rcpt(&isa0, "referral", "police", p1, 3, "police", "housing");
	expect_rcpt(&isa0, "referral", "police", p2, 3, "police", "council,fire");
	expect_rcpt(&isa0, "referral", "", NULL, 0, "police", "");
	expect_rcpt(&isa0, "housing", "police", p2, 3, "police", "council,fire,housing");
	expect_rcpt(&isa0, "housing", "police", p1, 3, "housing", "police");
	/* lead: {lead} ∪ named */
	expect_rcpt(&isa0, "health", "council", p1, 3, "police", "council,health");
	expect_rcpt(&isa0, "health", "", p1, 3, "police", "health");
	expect_rcpt(&isa0, "health", "health", p1, 3, "health", "");
	expect_rcpt(&isa0, "health", "nhs", p1, 3, "police", "health");
	/* named */
	expect_rcpt(&isa0, "criminal-intel", "council", p2, 3, "police", "probation");
	expect_rcpt(&isa0, "criminal-intel", "council", p2, 3, "council", "police,probation");
	/* all */
	all = isa0;
	{
		lfh_isa_category *c = (lfh_isa_category *)lfh_isa_category_find(&all, "actions");
		c->rule = LFH_RULE_ALL;
	}
	expect_rcpt(&all, "actions", "", NULL, 0, "police", "council,fire,health,housing,probation");
	expect_rcpt(&all, "actions", "", NULL, 0, "nhs", "council,fire,health,housing,police,probation");
	/* unknown category */
	assert_int_equal(lfh_isa_recipients(&isa0, "gossip", "", NULL, "police", out, &n, &err),
			 LFH_ENOTFOUND);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err.msg, "gossip"));
}

static void test_may_receive(void **state)
{
	(void)state;
	/* participants: any party */
	assert_int_equal(lfh_isa_may_receive(&isa0, "referral", "", "fire"), 1);
	assert_int_equal(lfh_isa_may_receive(&isa0, "referral", "police", "probation"), 1);
	assert_int_equal(lfh_isa_may_receive(&isa0, "referral", "police", "nhs"), 0);
	/* lead: the lead (when known) and named */
	assert_int_equal(lfh_isa_may_receive(&isa0, "health", "council", "council"), 1);
	assert_int_equal(lfh_isa_may_receive(&isa0, "health", "council", "health"), 1);
	assert_int_equal(lfh_isa_may_receive(&isa0, "health", "council", "police"), 0);
	assert_int_equal(lfh_isa_may_receive(&isa0, "health", "", "police"), 0);
	assert_int_equal(lfh_isa_may_receive(&isa0, "health", "", "health"), 1);
	/* named */
	assert_int_equal(lfh_isa_may_receive(&isa0, "criminal-intel", "fire", "fire"), 0);
	assert_int_equal(lfh_isa_may_receive(&isa0, "criminal-intel", "", "probation"), 1);
	/* unknown category, agency */
	assert_int_equal(lfh_isa_may_receive(&isa0, "gossip", "", "police"), 0);
	assert_int_equal(lfh_isa_may_receive(&isa0, "referral", "", ""), 0);
}

static void test_signed_enough(void **state)
{
	static lfh_isa named;
	const char *six[] = {"fire", "police", "council", "housing", "health", "probation"};
	const char *dup[] = {"police", "police", "council", "housing", "health", "probation"};
	const char *two[] = {"police", "council"};
	const char *three[] = {"fire", "council", "police"};
	char *t;

	(void)state;
	/* every party */
	assert_int_equal(lfh_isa_signed_enough(&isa0, six, 6), 1);
	assert_int_equal(lfh_isa_signed_enough(&isa0, six, 5), 0);
	assert_int_equal(lfh_isa_signed_enough(&isa0, dup, 6), 0);
	assert_int_equal(lfh_isa_signed_enough(&isa0, NULL, 0), 0);
	/* named signers, from the text (sorted there) */
	t = replace(example, "next_signers = \"all\";", "next_signers = [ \"police\", \"council\" ];");
	assert_int_equal(parse_text(t, &named), 0);
	free(t);
	assert_int_equal(named.nsigners, 2);
	assert_string_equal(named.signers[0], "council");
	assert_string_equal(named.signers[1], "police");
	assert_int_equal(lfh_isa_signed_enough(&named, two, 2), 1);
	assert_int_equal(lfh_isa_signed_enough(&named, two, 1), 0);
	assert_int_equal(lfh_isa_signed_enough(&named, three, 3), 1);
	assert_int_equal(lfh_isa_signed_enough(&named, three, 2), 0);
	/* an empty list is refused: "all" says every party */
	t = replace(example, "next_signers = \"all\";", "next_signers = [ ];");
	expect_only(t, line_of(t, "next_signers ="), "empty list");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_party_pubkeys),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_check_all),
		cmocka_unit_test(test_recipients),
		cmocka_unit_test(test_may_receive),
		cmocka_unit_test(test_signed_enough),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
