/*
 * test_isa_text.c - unit tests for the ISA text parser (proto/isa_text.c
 * and proto/isa_scan.c): its reports of syntax errors, unknown and missing
 * settings, duplicates, broken rules, keys inline or in key files, root
 * keys, unreadable files, several problems at once and the cap on them, and
 * random damage to the example.
 *
 * Run from the repository root (the example is read from deploy/examples);
 * the fixture (isa_fixture.h) gives the example with key files.
 */
#define _XOPEN_SOURCE 700
#include "isa_fixture.h"

/* ---- the text parser's reports ---- */

static void test_text_syntax_error(void **state)
{
	char *t = replace(example, "version = 1;", "version = 1;\nreview = ;");

	(void)state;
	expect_only(t, line_of(t, "review = ;"), "syntax error");
	free(t);
}

static void test_text_unknown_setting(void **state)
{
	char *t = replace(example, "version = 1;", "version = 1;\ncolour = \"blue\";");
	char *u;

	(void)state;
	expect_only(t, line_of(t, "colour"), "unknown setting 'colour'");
	free(t);
	t = replace(example, "    role = \"probation\";", "    role = \"probation\"; phone = \"0\";");
	expect_only(t, line_of(t, "phone ="), "parties[probation]: unknown setting 'phone'");
	free(t);
	t = replace(example, "retention_days = 730; },\n  { name = \"criminal-intel\"",
		    "retention_days = 730; colour = 1; },\n  { name = \"criminal-intel\"");
	u = t;
	expect_only(u, line_of(u, "colour"), "categories[health]: unknown setting 'colour'");
	free(u);
}

static void test_text_missing(void **state)
{
	const char *a = strstr(example, "lawful_basis = ");
	const char *b = strchr(a, '\n');
	char *t = malloc(strlen(example) + 1);

	(void)state;
	assert_non_null(t);
	memcpy(t, example, (size_t)(a - example));
	strcpy(t + (a - example), b + 1);
	expect_only(t, 1, "missing required setting 'lawful_basis'");
	free(t);
	t = replace(example, "    name = \"Recovery Steps Cumbria\";\n", "");
	expect_only(t, line_of(t, "{ id = \"health\""), "parties[health]: missing 'name'");
	free(t);
	t = replace(example, "    keys = \"keys/fire.pub\"; }", "  }");
	expect_only(t, line_of(t, "{ id = \"fire\""), "parties[fire]: missing keys");
	free(t);
}

static void test_text_duplicates(void **state)
{
	char *t = replace(example, "\n);\n\n# Data categories.",
			  ",\n  { id = \"police\"; name = \"Again\"; role = \"police\"; controller = \"x\";\n"
			  "    endpoint = \"tcp://x:1\"; keys = \"keys/police.pub\"; }\n);\n\n# Data categories.");
	char want[64];

	(void)state;
	snprintf(want, sizeof want, "parties: 'police' listed twice (first at line %u)",
		 line_of(t, "{ id = \"police\""));
	expect_only(t, line_of(t, "name = \"Again\""), want);
	free(t);
	t = replace(example, "agencies = [ \"police\", \"probation\" ]", "agencies = [ \"police\", \"probation\", \"police\" ]");
	expect_only(t, line_of(t, "\"probation\", \"police\""), "categories[criminal-intel].agencies: 'police' listed twice");
	free(t);
	t = replace(example, "{ name = \"actions\";", "{ name = \"health\";");
	expect_only(t, line_of(t, "{ name = \"health\"; kind = \"personal\""), "categories: 'health' listed twice");
	free(t);
}

static void test_text_rules(void **state)
{
	char *t;

	(void)state;
	t = replace(example, "agencies = [ \"health\" ]", "agencies = [ \"nhs\" ]");
	expect_only(t, line_of(t, "\"nhs\""), "categories[health].agencies: 'nhs' is not a party");
	free(t);
	t = replace(example, "effective = \"2026-04-01\"", "effective = \"2026-02-29\"");
	expect_only(t, line_of(t, "effective ="), "effective: not a real date");
	free(t);
	t = replace(example, "effective = \"2026-04-01\"", "effective = \"2028-02-29\""); /* leap year */
	expect_only(t, line_of(t, "review ="), "review: 2027-04-01 is not after the effective date 2028-02-29");
	free(t);
	t = replace(example, "review = \"2027-04-01\"", "review = \"2026-04-01\"");
	expect_only(t, line_of(t, "review ="), "is not after the effective date");
	free(t);
	t = replace(example, "version = 1;", "version = 2;");
	expect_only(t, line_of(t, "version ="), "prev: required when version > 1");
	free(t);
	t = replace(example, "# prev = \"<64 hex>\";", "prev = \"0101010101010101010101010101010101010101010101010101010101010101\";");
	expect_only(t, line_of(t, "prev ="), "prev: not allowed in version 1");
	free(t);
	t = replace(example, "version = 1;\n# prev = \"<64 hex>\";", "version = 2;\nprev = \"12ab\";");
	expect_only(t, line_of(t, "prev ="), "prev: expected 64 hex digits");
	free(t);
	t = replace(example, "endpoint = \"tcp://lfh.fire.example:7101\"", "endpoint = \"lfh.fire.example:7101\"");
	expect_only(t, line_of(t, "lfh.fire.example"), "parties[fire].endpoint: must be tcp://");
	free(t);
	t = replace(example, "retention_days = 730; },\n  { name = \"criminal-intel\"",
		    "retention_days = 0; },\n  { name = \"criminal-intel\"");
	expect_only(t, line_of(t, "retention_days = 0"), "categories[health].retention_days: 0 out of range");
	free(t);
	t = replace(example, "kind = \"criminal\"", "kind = \"secret\"");
	expect_only(t, line_of(t, "secret"), "'secret' is not one of personal, special or criminal");
	free(t);
	t = replace(example, "receive = \"named\";\n    agencies = [ \"police\", \"probation\" ];", "receive = \"named\";");
	expect_only(t, line_of(t, "receive = \"named\""), "receive = \"named\" needs at least one agency");
	free(t);
	t = replace(example, "next_signers = \"all\";", "next_signers = [ \"police\", \"nhs\" ];");
	expect_only(t, line_of(t, "next_signers ="), "next_signers[0]: 'nhs' is not a party");
	free(t);
	t = replace(example, "version = 1;", "version = \"1\";");
	expect_only(t, line_of(t, "version ="), "version: expected a whole number, got a string");
	free(t);
	t = replace(example, "version = 1;", "version = 4294967297;");
	expect_only(t, line_of(t, "version ="), "number 4294967297 is too large");
	free(t);
	t = replace(example, "hub = \"west-cumbria\";", "hub = \"west-cumbria\";\n@include \"/etc/passwd\"");
	expect_only(t, line_of(t, "@include"), "@include");
	free(t);
}

/* police's keys written inline (root on a line of its own, unless root is NULL) */
static char *police_inline(const char *root, const char *sign, const char *box, const char *curve)
{
	char inline_keys[400], r[100] = "";

	if (root)
		snprintf(r, sizeof r, "root = \"%s\";\n    ", root);
	snprintf(inline_keys, sizeof inline_keys, "%ssign = \"%s\"; box = \"%s\";\n    curve = \"%s\";", r,
		 sign, box, curve);
	return replace(example, "keys = \"keys/police.pub\";", inline_keys);
}

static void test_text_keys(void **state)
{
	static lfh_isa inl;
	char root[65], sign[65], box[65], curve[41], *t;
	uint8_t h0[32], h1[32];

	(void)state;
	/* inline keys give the same agreement as the key file */
	lfh_hex(root, keys[0].root_pk, 32);
	lfh_hex(sign, keys[0].sign_pk, 32);
	lfh_hex(box, keys[0].box_pk, 32);
	lfh_curve_z85(keys[0].curve_pk, curve);
	t = police_inline(root, sign, box, curve);
	assert_int_equal(parse_text(t, &inl), 0);
	assert_int_equal(lfh_isa_hash_of(&isa0, h0, NULL), 0);
	assert_int_equal(lfh_isa_hash_of(&inl, h1, NULL), 0);
	assert_memory_equal(h0, h1, 32);
	free(t);
	/* a bad inline key */
	box[5] = 'x';
	t = police_inline(root, sign, box, curve);
	expect_only(t, line_of(t, box), "parties[police].box: expected 64 hex digits");
	free(t);
	/* not a valid Ed25519 point */
	memset(sign, '0', 64);
	box[5] = '0';
	lfh_hex(box, keys[0].box_pk, 32);
	t = police_inline(root, sign, box, curve);
	expect_only(t, line_of(t, sign), "parties[police].sign: not a valid Ed25519 public key");
	free(t);
	lfh_hex(sign, keys[0].sign_pk, 32);
	/* both forms */
	t = replace(example, "keys = \"keys/police.pub\";", "keys = \"keys/police.pub\"; box = \"00\";");
	expect_only(t, line_of(t, "keys/police.pub"), "either keys");
	free(t);
	t = replace(example, "keys = \"keys/police.pub\";", "keys = \"keys/police.pub\";\n    root = \"00\";");
	expect_only(t, line_of(t, "keys/police.pub"), "either keys");
	free(t);
	/* another agency's key file; a missing one */
	t = replace(example, "keys = \"keys/fire.pub\"", "keys = \"keys/police.pub\"");
	expect_only(t, line_of(t, "lfh.fire.example") + 1, "is the key file of agency 'police', not 'fire'");
	free(t);
	t = replace(example, "keys = \"keys/fire.pub\"", "keys = \"keys/nope.pub\"");
	expect_only(t, line_of(t, "nope.pub"), "parties[fire].keys:");
	free(t);
	/* two parties with one key: fire's file carries police's keys */
	{
		lfh_pubkeys pk = keys[0];
		FILE *f = fopen(in_dir("fire2.pub"), "w");
		strcpy(pk.agency, "fire");
		assert_non_null(f);
		assert_int_equal(lfh_pubkeys_write(&pk, f, NULL), 0);
		fclose(f);
	}
	t = replace(example, "keys = \"keys/fire.pub\"", "keys = \"fire2.pub\"");
	assert_int_equal(parse_text(t, &inl), LFH_EINVAL);
	expect_problem(line_of(t, "keys/police.pub"), "parties[police].sign: the same key as parties[fire].sign");
	expect_problem(line_of(t, "keys/police.pub"), "parties[police].curve: the same key as parties[fire].curve");
	expect_problem(line_of(t, "keys/police.pub"), "parties[police].root: the same key as parties[fire].root");
	assert_int_equal(errs.n, 4);
	free(t);
}

/* The root key in the text form: required, a valid point, a key of its own. */
static void test_text_root(void **state)
{
	static lfh_isa inl;
	char root[65], sign[65], box[65], curve[41], other[65], *t;

	(void)state;
	lfh_hex(root, keys[0].root_pk, 32);
	lfh_hex(sign, keys[0].sign_pk, 32);
	lfh_hex(box, keys[0].box_pk, 32);
	lfh_curve_z85(keys[0].curve_pk, curve);
	/* inline keys without root: named, on the party's line */
	t = police_inline(NULL, sign, box, curve);
	expect_only(t, line_of(t, "{ id = \"police\""), "parties[police]: missing 'root'");
	free(t);
	/* not hex, not a point */
	t = police_inline("12ab", sign, box, curve);
	expect_only(t, line_of(t, "    root = "), "parties[police].root: expected 64 hex digits (an Ed25519 public key)");
	free(t);
	memset(other, '0', 64);
	other[64] = '\0';
	t = police_inline(other, sign, box, curve);
	expect_only(t, line_of(t, "    root = "), "parties[police].root: not a valid Ed25519 public key");
	free(t);
	/* the party's own sign key as its root: refused */
	t = police_inline(sign, sign, box, curve);
	expect_only(t, line_of(t, "    root = "),
		    "parties[police].root: the same key as parties[police].sign (the root key must be a separate");
	free(t);
	/* another party's root: refused */
	lfh_hex(other, keys[1].root_pk, 32); /* council's */
	t = police_inline(other, sign, box, curve);
	expect_only(t, line_of(t, "    root = "), "parties[police].root: the same key as parties[council].root");
	free(t);
	/* another party's sign key as root: refused */
	lfh_hex(other, keys[5].sign_pk, 32); /* fire's */
	t = police_inline(other, sign, box, curve);
	expect_only(t, line_of(t, "    root = "), "parties[police].root: the same key as parties[fire].sign");
	free(t);
	/* a key file without root: the file's problem, named, on the keys line */
	{
		char sig[65], bx[65], cv[41];
		FILE *f = fopen(in_dir("old.pub"), "w");
		lfh_hex(sig, keys[5].sign_pk, 32);
		lfh_hex(bx, keys[5].box_pk, 32);
		lfh_curve_z85(keys[5].curve_pk, cv);
		assert_non_null(f);
		fprintf(f, "[agency]\nid = fire\nsign = %s\nbox = %s\ncurve = %s\n", sig, bx, cv);
		fclose(f);
	}
	t = replace(example, "keys = \"keys/fire.pub\"", "keys = \"old.pub\"");
	expect_only(t, line_of(t, "old.pub"), "missing key 'root'");
	free(t);
	/* the root goes into the struct */
	t = police_inline(root, sign, box, curve);
	assert_int_equal(parse_text(t, &inl), 0);
	assert_memory_equal(lfh_isa_party_find(&inl, "police")->root_pk, keys[0].root_pk, 32);
	free(t);
}

static void test_text_files(void **state)
{
	static lfh_isa isa;
	lfh_err err;
	uint8_t *junk;
	size_t n;

	(void)state;
	expect_only("", 1, "no settings");
	expect_only("# just a comment\n\n", 1, "no settings");
	/* binary: a NUL byte, or random bytes without one */
	junk = malloc(3000);
	assert_non_null(junk);
	randombytes_buf_deterministic(junk, 3000, (const uint8_t[randombytes_SEEDBYTES]){1});
	junk[1500] = 0;
	junk[0] = 'a';
	write_bytes(in_dir("t.isa"), junk, 3000);
	assert_int_equal(lfh_isa_parse_file(in_dir("t.isa"), &isa, &errs, &err), LFH_EINVAL);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.msg[0], "binary data"));
	for (size_t i = 0; i < 3000; i++)
		junk[i] = junk[i] ? junk[i] : 1;
	write_bytes(in_dir("t.isa"), junk, 3000);
	assert_int_equal(lfh_isa_parse_file(in_dir("t.isa"), &isa, &errs, &err), LFH_EINVAL);
	assert_true(errs.n >= 1);
	free(junk);
	/* 300 KiB */
	n = 300 * 1024;
	junk = malloc(n);
	assert_non_null(junk);
	memset(junk, '#', n);
	write_bytes(in_dir("t.isa"), junk, n);
	assert_int_equal(lfh_isa_parse_file(in_dir("t.isa"), &isa, &errs, &err), LFH_ETOOBIG);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.msg[0], "too large"));
	assert_non_null(strstr(err.msg, "too large"));
	free(junk);
	/* no such file, a directory */
	assert_int_equal(lfh_isa_parse_file(in_dir("absent.isa"), &isa, &errs, &err), LFH_ENOTFOUND);
	assert_int_equal(errs.n, 1);
	assert_int_equal(lfh_isa_parse_file(dir, &isa, NULL, NULL), LFH_EIO);
	assert_int_equal(lfh_isa_parse_file(NULL, &isa, NULL, NULL), LFH_EINVAL);
}

/* Several problems in one file: all reported, sorted by line. */
static void test_text_many_problems(void **state)
{
	static lfh_isa isa;
	char *t = replace(example, "version = 1;", "version = 2;\ncolour = 1;");
	char *u = replace(t, "effective = \"2026-04-01\"", "effective = \"2026-13-01\"");
	char *v = replace(u, "agencies = [ \"health\" ]", "agencies = [ \"nhs\", \"gp\" ]");
	char *w = replace(v, "next_signers = \"all\";", "next_signers = \"some\";");

	(void)state;
	assert_int_equal(parse_text(w, &isa), LFH_EINVAL);
	expect_problem(line_of(w, "version ="), "prev: required");
	expect_problem(line_of(w, "colour"), "unknown setting 'colour'");
	expect_problem(line_of(w, "effective ="), "effective: not a real date");
	expect_problem(line_of(w, "\"nhs\""), "'nhs' is not a party");
	expect_problem(line_of(w, "\"nhs\""), "'gp' is not a party");
	expect_problem(line_of(w, "next_signers ="), "next_signers: expected \"all\"");
	assert_int_equal(errs.n, 6);
	for (size_t i = 1; i < errs.n; i++) {
		unsigned a = (unsigned)atoi(errs.msg[i - 1] + strlen(in_dir("t.isa")) + 1);
		unsigned b = (unsigned)atoi(errs.msg[i] + strlen(in_dir("t.isa")) + 1);
		assert_true(a <= b);
	}
	free(t);
	free(u);
	free(v);
	free(w);
}

/* More problems than LFH_ISA_MAX_ERRORS: the last message says how many more. */
static void test_text_error_cap(void **state)
{
	static lfh_isa isa;
	lfh_buf b = {0};

	(void)state;
	for (int i = 0; i < 100; i++) {
		char line[64];
		int n = snprintf(line, sizeof line, "unknown%d = 1;\n", i);
		assert_int_equal(lfh_buf_append(&b, line, (size_t)n), 0);
	}
	assert_int_equal(lfh_buf_append(&b, "", 1), 0);
	assert_int_equal(parse_text((const char *)b.data, &isa), LFH_EINVAL);
	assert_int_equal(errs.n, LFH_ISA_MAX_ERRORS);
	assert_non_null(strstr(errs.msg[LFH_ISA_MAX_ERRORS - 1], "more problems not shown"));
	lfh_buf_free(&b);
}

/* Random damage to the example: never a crash, and never an invalid result. */
static void test_text_mutations(void **state)
{
	static lfh_isa isa;
	size_t len = strlen(example);
	char *t = malloc(len + 1);
	uint32_t r[4];

	(void)state;
	assert_non_null(t);
	for (uint32_t iter = 0; iter < 400; iter++) {
		uint8_t seed[randombytes_SEEDBYTES] = {0};
		memcpy(seed, &iter, sizeof iter);
		randombytes_buf_deterministic(r, sizeof r, seed);
		memcpy(t, example, len + 1);
		for (int k = 0; k < 1 + (int)(r[0] % 4); k++) {
			size_t at = r[(k + 1) % 4] % len;
			static const char bytes[] = "\";{}()[]=,#/*@0123456789-\n \\x";
			t[at] = bytes[(r[k % 4] >> 8) % (sizeof bytes - 1)];
			r[(k + 1) % 4] = r[(k + 1) % 4] * 2654435761u + 1;
		}
		if (parse_text(t, &isa) == 0)
			assert_int_equal(lfh_isa_validate(&isa, NULL), 0);
	}
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_syntax_error),
		cmocka_unit_test(test_text_unknown_setting),
		cmocka_unit_test(test_text_missing),
		cmocka_unit_test(test_text_duplicates),
		cmocka_unit_test(test_text_rules),
		cmocka_unit_test(test_text_keys),
		cmocka_unit_test(test_text_root),
		cmocka_unit_test(test_text_files),
		cmocka_unit_test(test_text_many_problems),
		cmocka_unit_test(test_text_error_cap),
		cmocka_unit_test(test_text_mutations),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
