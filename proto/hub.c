/*
 * hub.c - the hub id: BLAKE2b-256 of the canonical msgpack array
 * ["lfh-hub-v1", hub name, [[agency, sign_pk, box_pk, curve_pk], ...]]
 * over every member sorted by agency id (proto/PROTOCOL.md, section 3); and
 * case ids bound to the agency that opens the case (section 5.1).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/config.h"
#include "lfh/hub.h"
#include "lfh/mp.h"

static int cmp_members(const void *a, const void *b)
{
	const lfh_pubkeys *x = *(const lfh_pubkeys *const *)a;
	const lfh_pubkeys *y = *(const lfh_pubkeys *const *)b;

	return strcmp(x->agency, y->agency);
}

static int pack_hub(msgpack_packer *pk, const char *hub, const lfh_pubkeys *const *m, size_t n)
{
	int r = msgpack_pack_array(pk, 3);

	r |= lfh_mp_pack_str(pk, LFH_HUB_ID_VERSION);
	r |= lfh_mp_pack_str(pk, hub);
	r |= msgpack_pack_array(pk, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		r |= msgpack_pack_array(pk, 4);
		r |= lfh_mp_pack_str(pk, m[i]->agency);
		r |= lfh_mp_pack_bin(pk, m[i]->sign_pk, 32);
		r |= lfh_mp_pack_bin(pk, m[i]->box_pk, 32);
		r |= lfh_mp_pack_bin(pk, m[i]->curve_pk, 32);
	}
	return r;
}

int lfh_hub_id(const char *hub, const lfh_pubkeys *members, size_t n, uint8_t out[32],
	       lfh_err *err)
{
	const lfh_pubkeys **sorted;
	lfh_buf b = {0};
	msgpack_packer pk;
	size_t hl;
	int rc = 0;

	if (!hub || (hl = strnlen(hub, LFH_HUBNAME_MAX + 1)) < 1 || hl > LFH_HUBNAME_MAX)
		return lfh_err_set(err, LFH_EINVAL, "hub id: hub name must be 1..%d bytes",
				   LFH_HUBNAME_MAX);
	if (n < 1 || !members)
		return lfh_err_set(err, LFH_EINVAL, "hub id: no members");
	if (n > UINT32_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "hub id: too many members");
	for (size_t i = 0; i < n; i++)
		if (!lfh_name_valid(members[i].agency))
			return lfh_err_set(err, LFH_EINVAL, "hub id: members[%zu]: invalid agency id "
					   "'%.*s'", i, LFH_AGENCY_MAX, members[i].agency);
	if (!(sorted = calloc(n, sizeof *sorted)))
		return lfh_err_set(err, LFH_ENOMEM, "hub id: out of memory");
	for (size_t i = 0; i < n; i++)
		sorted[i] = &members[i];
	qsort(sorted, n, sizeof *sorted, cmp_members);
	for (size_t i = 1; i < n; i++)
		if (strcmp(sorted[i - 1]->agency, sorted[i]->agency) == 0) {
			rc = lfh_err_set(err, LFH_ECONFIG, "agency %s listed twice", sorted[i]->agency);
			goto out;
		}
	msgpack_packer_init(&pk, &b, lfh_mp_buf_write);
	if (pack_hub(&pk, hub, sorted, n) != 0) {
		rc = lfh_err_set(err, LFH_ENOMEM, "hub id: out of memory");
		goto out;
	}
	crypto_generichash(out, 32, b.data, b.len, NULL, 0);
out:
	lfh_buf_free(&b);
	free(sorted);
	return rc;
}

#define CASE_ID_DOMAIN "lfh-case-v1"
#define CASE_RAND_LEN 8

/* The 8 check bytes of a case id with random part r. */
static void case_check(const uint8_t hub_id[32], const char *creator, const uint8_t *r,
		       uint8_t out[LFH_CASE_LEN - CASE_RAND_LEN])
{
	crypto_generichash_state st;
	uint8_t name[32] = { 0 }, h[32];

	memcpy(name, creator, strnlen(creator, LFH_AGENCY_MAX));
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const uint8_t *)CASE_ID_DOMAIN, strlen(CASE_ID_DOMAIN));
	crypto_generichash_update(&st, hub_id, 32);
	crypto_generichash_update(&st, name, sizeof name);
	crypto_generichash_update(&st, r, CASE_RAND_LEN);
	crypto_generichash_final(&st, h, sizeof h);
	memcpy(out, h, LFH_CASE_LEN - CASE_RAND_LEN);
}

void lfh_case_id_new(const uint8_t hub_id[32], const char *creator, uint8_t out[LFH_CASE_LEN])
{
	randombytes_buf(out, CASE_RAND_LEN);
	case_check(hub_id, creator, out, out + CASE_RAND_LEN);
}

int lfh_case_id_of(const uint8_t hub_id[32], const char *creator,
		   const uint8_t case_id[LFH_CASE_LEN])
{
	uint8_t want[LFH_CASE_LEN - CASE_RAND_LEN];

	if (!creator || !lfh_name_valid(creator))
		return 0;
	case_check(hub_id, creator, case_id, want);
	return sodium_memcmp(want, case_id + CASE_RAND_LEN, sizeof want) == 0;
}
