/*
 * attach.h - files attached to a case (node/core/attach.c, PROTOCOL.md 5.5).
 *
 * A file of at most LFH_ATTACH_MAX bytes is written, in one transaction, as
 * CHUNK events of LFH_ATTACH_CHUNK bytes each (base64 in their encrypted
 * bodies) followed by one ATTACH event naming it: its name, size, SHA-256,
 * the upload's id ("att") and the first chunk's event id. All of them go to
 * the case's (case, category) recipients under the same sharing key, so they
 * replicate, relay and resume like any event, and shredding the category
 * removes the file with it. A reader takes the author's CHUNK events of the
 * case from the first one up to the ATTACH, in order, and checks each one's
 * att and index, the size and the SHA-256: a forged or missing piece makes
 * the file unreadable here, never a different file.
 */
#ifndef LFH_ATTACH_H
#define LFH_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/node.h"
#include "lfh/osara.h"
#include "lfh/record.h"
#include "lfh/store.h"
#include "lfh/write.h"

typedef struct lfh_attach_info {
	uint8_t id[LFH_ID_LEN]; /* the ATTACH event */
	uint8_t case_id[LFH_CASE_LEN];
	char author[LFH_AGENCY_MAX + 1];
	char category[LFH_CATEGORY_MAX + 1];
	uint64_t seq, hlc;
	char name[LFH_ATTACH_NAME_MAX + 1];
	char by[LFH_OSARA_NAME_MAX + 1];
	uint64_t size, chunks;
	char sha256[65];
	char att[LFH_ATTACH_ID_HEX + 1];
	uint8_t first[LFH_ID_LEN]; /* the first CHUNK event */
} lfh_attach_info;

/*
 * Write data (1..LFH_ATTACH_MAX bytes) into case_id as CHUNK events and then
 * its ATTACH (to, nto: as for lfh_node_write), whose body is `body` (by, name, on, team, text: the caller's)
 * with size, chunks, sha256, att and first added here. res: the ATTACH.
 * Inside write txn t; a failure after the first write is a store error (the
 * caller's round must not commit a part of a file).
 */
int lfh_attach_write(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		     const char *category, const char *const *to, size_t nto,
		     const uint8_t *data, size_t size, const char *att, lfh_record *body,
		     lfh_write_result *res, lfh_err *err);

/*
 * The attachment whose ATTACH event is `id`, as held and readable here:
 * LFH_ENOTFOUND (not held, or shredded), LFH_EINVAL (not an attachment, or
 * its body is malformed), LFH_ENOKEY (no sharing key here).
 */
int lfh_attach_open(lfh_node *n, lfh_txn *t, const uint8_t id[LFH_ID_LEN], lfh_attach_info *a,
		    lfh_err *err);

/*
 * Chunks from .. from + max - 1 (those that exist) of a, in order, each
 * decrypted, checked and decoded: fn(ctx, index, bytes, len) returns 0 to
 * go on. LFH_ENOTFOUND names the first piece not held here (yet);
 * LFH_EINVAL one that is not what the ATTACH says.
 */
typedef int (*lfh_chunk_fn)(void *ctx, uint64_t index, const uint8_t *data, size_t len);
int lfh_attach_chunks(lfh_node *n, lfh_txn *t, const lfh_attach_info *a, uint64_t from,
		      uint64_t max, lfh_chunk_fn fn, void *ctx, lfh_err *err);

#endif
