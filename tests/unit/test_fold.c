/* test_fold.c - search folding (include/lfh/fold.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lfh/fold.h"

static void test_fold_letters(void **state)
{
	char out[64];

	(void)state;
	lfh_fold("Étienne NOËL, Ærø Straße", out, sizeof out);
	assert_string_equal(out, "etienne noel, aero strasse");
	lfh_fold("Zoë", out, sizeof out);
	assert_string_equal(out, "zoe");
	lfh_fold("flat 3 – ✓", out, sizeof out); /* other characters kept as they are */
	assert_string_equal(out, "flat 3 – ✓");
	lfh_fold("abcdef", out, 4); /* cut, always terminated */
	assert_string_equal(out, "abc");
	lfh_fold("ÆÆ", out, 4);
	assert_string_equal(out, "ae"); /* never half a replacement */
	lfh_fold(NULL, out, sizeof out);
	assert_string_equal(out, "");
	assert_true(lfh_fold_contains("rue etienne", "etienne"));
	assert_false(lfh_fold_contains("rue etienne", "noel"));
	assert_false(lfh_fold_contains("rue etienne", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_letters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
