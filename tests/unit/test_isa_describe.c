/*
 * test_isa_describe.c - unit tests for proto/isa_describe.c: the plain
 * words description of the example agreement (who receives what, keys,
 * signers) and the kind and rule names.
 *
 * Run from the repository root (the example is read from deploy/examples);
 * the fixture (isa_fixture.h) gives the example with key files.
 */
#define _XOPEN_SOURCE 700
#include "isa_fixture.h"

/* ---- description ---- */

static void test_describe(void **state)
{
	lfh_buf b = {0};
	const char *s;

	(void)state;
	assert_int_equal(lfh_buf_append(&b, "> ", 2), 0);
	assert_int_equal(lfh_isa_describe(&isa0, &b, NULL), 0);
	s = (const char *)b.data;
	assert_int_equal(strlen(s), b.len);
	assert_int_equal(strncmp(s, "> Information-sharing agreement of hub west-cumbria, version 1", 62), 0);
	assert_non_null(strstr(s, "health (special category data): only the case's lead agency and "
				  "health (Recovery Steps Cumbria) receive it; kept 730 days after the case closes."));
	assert_non_null(strstr(s, "criminal-intel (criminal offence data): only police (Cumbria "
				  "Constabulary) and probation (The Probation Service, Cumbria) receive it, "
				  "even in cases they take no part in; kept"));
	assert_non_null(strstr(s, "referral (personal data): the agencies taking part in the case receive it"));
	assert_non_null(strstr(s, "housing (personal data): the agencies taking part in the case, and "
				  "always housing (Castles & Coasts Housing Association) (even in cases it "
				  "takes no part in), receive it"));
	assert_non_null(strstr(s, "police: Cumbria Constabulary"));
	/* each party's key id and root key id */
	for (int i = 0; i < 6; i++) {
		uint8_t kid[LFH_KEYID_LEN];
		char hex[2 * LFH_KEYID_LEN + 1], rhex[2 * LFH_KEYID_LEN + 1], want[160];
		lfh_hex(hex, keys[i].key_id, LFH_KEYID_LEN);
		lfh_key_id(keys[i].root_pk, kid);
		lfh_hex(rhex, kid, LFH_KEYID_LEN);
		snprintf(want, sizeof want, "key id %s, root key id %s\n", hex, rhex);
		assert_non_null(strstr(s, want));
	}
	assert_non_null(strstr(s, "(the hub id)"));
	assert_non_null(strstr(s, "signed by every party."));
	lfh_buf_free(&b);
	assert_string_equal(lfh_isa_kind_name(LFH_ISA_SPECIAL), "special");
	assert_string_equal(lfh_isa_rule_name(LFH_RULE_PARTICIPANTS), "participants");
	assert_string_equal(lfh_isa_rule_name((enum lfh_isa_rule)9), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
