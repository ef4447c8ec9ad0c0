/*
 * test_hub.c - unit tests for proto/hub.c: the hub id vector of the
 * committed test vectors (proto/vectors/events.txt) and lfh_hub_id's
 * refusals.
 *
 * Run from the repository root (the vectors file is opened by relative path).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "lfh/err.h"
#include "lfh/hub.h"
#include "lfh/identity.h"

#include "codec_fixture.h"

/* ---- the hub id ---- */

/* A member's public keys from its "hub.<agency>.*" lines. */
static void vec_member(const char *text, const char *agency, lfh_pubkeys *pk)
{
	static const char *const what[3] = {"sign_pk", "box_pk", "curve_pk"};
	uint8_t *dst[3] = {pk->sign_pk, pk->box_pk, pk->curve_pk};

	memset(pk, 0, sizeof *pk);
	snprintf(pk->agency, sizeof pk->agency, "%s", agency);
	for (int i = 0; i < 3; i++) {
		char nm[64];
		size_t n;
		uint8_t *p;
		snprintf(nm, sizeof nm, "hub.%s.%s", agency, what[i]);
		p = vec_get(text, nm, &n);
		assert_int_equal(n, 32);
		memcpy(dst[i], p, 32);
		free(p);
	}
}

/*
 * The hub id vector from the file: keys reproduce from the seeds, the input
 * hashes to the id, and lfh_hub_id gives the id whatever the member order.
 */
static void test_vectors_hub(void **state)
{
	static const char *const agencies[2] = {"police", "housing"};
	size_t flen = 0, n;
	char *text = (char *)read_file(VEC_PATH, &flen);
	uint8_t *want, *input, got[32];
	lfh_pubkeys m[2], swapped[2];

	(void)state;
	assert_non_null(text);
	for (int i = 0; i < 2; i++) {
		char nm[64];
		uint8_t *seed;
		lfh_identity *id = NULL;
		vec_member(text, agencies[i], &m[i]);
		snprintf(nm, sizeof nm, "hub.%s.seed", agencies[i]);
		seed = vec_get(text, nm, &n);
		assert_int_equal(n, 32);
		assert_int_equal(lfh_identity_from_seed(agencies[i], seed, &id, NULL), 0);
		assert_memory_equal(id->pub.sign_pk, m[i].sign_pk, 32);
		assert_memory_equal(id->pub.box_pk, m[i].box_pk, 32);
		assert_memory_equal(id->pub.curve_pk, m[i].curve_pk, 32);
		lfh_identity_free(id);
		free(seed);
	}
	want = vec_get(text, "hub.id", &n);
	assert_int_equal(n, 32);
	input = vec_get(text, "hub.input", &n);
	crypto_generichash(got, sizeof got, input, n, NULL, 0);
	assert_memory_equal(got, want, 32);
	assert_int_equal(lfh_hub_id(VEC_HUB_NAME, m, 2, got, NULL), 0);
	assert_memory_equal(got, want, 32);
	swapped[0] = m[1];
	swapped[1] = m[0];
	memset(got, 0, sizeof got);
	assert_int_equal(lfh_hub_id(VEC_HUB_NAME, swapped, 2, got, NULL), 0);
	assert_memory_equal(got, want, 32);
	free(want);
	free(input);
	free(text);
}

/* lfh_hub_id's refusals. */
static void test_hub_id_rules(void **state)
{
	lfh_pubkeys m[3];
	lfh_err err;
	uint8_t a[32], b[32], keep[32];
	char name[65];

	(void)state;
	memset(m, 0, sizeof m);
	strcpy(m[0].agency, "police");
	strcpy(m[1].agency, "housing");
	strcpy(m[2].agency, "council");
	m[1].box_pk[0] = 1;
	assert_int_equal(lfh_hub_id("h", m, 3, a, &err), 0);
	/* every key counts */
	m[2].curve_pk[31] = 1;
	assert_int_equal(lfh_hub_id("h", m, 3, b, &err), 0);
	assert_memory_not_equal(a, b, 32);
	/* duplicate agency, even with different keys */
	memcpy(keep, b, 32);
	strcpy(m[2].agency, "police");
	assert_int_equal(lfh_hub_id("h", m, 3, b, &err), LFH_ECONFIG);
	assert_string_equal(err.msg, "agency police listed twice");
	assert_memory_equal(b, keep, 32); /* untouched on failure */
	/* invalid agency ids */
	strcpy(m[2].agency, "Council");
	assert_int_equal(lfh_hub_id("h", m, 3, b, &err), LFH_EINVAL);
	m[2].agency[0] = '\0';
	assert_int_equal(lfh_hub_id("h", m, 3, b, &err), LFH_EINVAL);
	memset(m[2].agency, 'a', sizeof m[2].agency); /* not NUL-terminated */
	assert_int_equal(lfh_hub_id("h", m, 3, b, &err), LFH_EINVAL);
	/* no members */
	assert_int_equal(lfh_hub_id("h", m, 0, b, &err), LFH_EINVAL);
	/* hub name 1..63 bytes */
	memset(name, 'h', sizeof name - 1);
	name[64] = '\0';
	assert_int_equal(lfh_hub_id(name, m, 2, b, &err), LFH_EINVAL);
	name[63] = '\0';
	assert_int_equal(lfh_hub_id(name, m, 2, b, &err), 0);
	assert_int_equal(lfh_hub_id("", m, 2, b, &err), LFH_EINVAL);
	assert_int_equal(lfh_hub_id(NULL, m, 2, b, &err), LFH_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_hub),
		cmocka_unit_test(test_hub_id_rules),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
