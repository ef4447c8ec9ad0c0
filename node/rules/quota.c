/*
 * quota.c - giving back a member's storage quota as its events leave the
 * store (include/lfh/quota.h).
 */
#include <string.h>

#include "lfh/quota.h"

int lfh_quota_give_back(lfh_txn *t, const char *author, size_t len, lfh_err *err)
{
	char name[LFH_META_NAME_BUF];
	uint64_t count = 0;
	int rc;

	lfh_store_meta_name(name, "bytes", author);
	if ((rc = lfh_store_meta_get(t, name, &count, err)) || !count) /* 0: none (ours) */
		return rc;
	return lfh_store_meta_put(t, name, count > len ? count - len : 0, err);
}

int lfh_quota_shred_event(lfh_txn *t, const uint8_t id[LFH_ID_LEN],
			  const uint8_t case_id[LFH_CASE_LEN], uint64_t hlc, lfh_err *err)
{
	char author[LFH_AGENCY_MAX + 1] = "";
	const uint8_t *raw;
	size_t len = 0;
	lfh_event ev = { 0 };
	int rc = lfh_store_get_event(t, id, &raw, &len, NULL);

	if (rc == 0 && lfh_event_decode(raw, len, &ev, NULL) == 0) /* raw is gone once shredded */
		memcpy(author, ev.author, sizeof author);
	else
		len = 0; /* shredded already, or not ours to count */
	lfh_event_clear(&ev);
	if ((rc = lfh_store_shred_event(t, id, case_id, hlc, err)))
		return rc;
	return len ? lfh_quota_give_back(t, author, len, err) : 0;
}

static int sum_fn(void *ctx, uint64_t key, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		  size_t len)
{
	(void)key;
	(void)id;
	(void)raw;
	*(uint64_t *)ctx += len;
	return 0;
}

int lfh_quota_recount(lfh_txn *t, const char *author, lfh_err *err)
{
	char name[LFH_META_NAME_BUF];
	uint64_t count = 0, held = 0;
	int rc;

	lfh_store_meta_name(name, "bytes", author);
	if ((rc = lfh_store_meta_get(t, name, &count, err)) || !count) /* 0: none (ours) */
		return rc;
	rc = lfh_store_scan_author(t, author, 0, sum_fn, &held, err);
	if (!rc && held < count)
		rc = lfh_store_meta_put(t, name, held, err);
	return rc;
}
