/*
 * attach.c - files attached to a case (include/lfh/attach.h): written as
 * CHUNK events then one ATTACH, read back piece by piece with every piece
 * checked against what the ATTACH says.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/attach.h"
#include "lfh/buf.h"
#include "lfh/project.h"

#define B64_CHUNK sodium_base64_ENCODED_LEN(LFH_ATTACH_CHUNK, sodium_base64_VARIANT_ORIGINAL)

/* Bytes in piece i of a file of size bytes. */
static size_t piece_len(uint64_t size, uint64_t i)
{
	uint64_t off = i * LFH_ATTACH_CHUNK;
	return (size_t)(size - off < LFH_ATTACH_CHUNK ? size - off : LFH_ATTACH_CHUNK);
}

/* One CHUNK event: {att, idx, data (base64)}. */
static int write_piece(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		       const char *category, const char *const *to, size_t nto, const char *att,
		       uint64_t i, const uint8_t *p, size_t len, lfh_write_result *wr, lfh_err *err)
{
	char b64[B64_CHUNK];
	lfh_record c = { 0 };
	int rc;

	sodium_bin2base64(b64, sizeof b64, p, len, sodium_base64_VARIANT_ORIGINAL);
	rc = lfh_record_set_str(&c, "att", att, err);
	if (!rc)
		rc = lfh_record_set_uint(&c, "idx", i, err);
	if (!rc)
		rc = lfh_record_set_str(&c, "data", b64, err);
	if (!rc)
		rc = lfh_node_write(n, t, case_id, LFH_EV_CHUNK, category, to, nto, &c, wr, err);
	sodium_memzero(b64, sizeof b64);
	lfh_record_clear(&c);
	return rc;
}

int lfh_attach_write(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		     const char *category, const char *const *to, size_t nto,
		     const uint8_t *data, size_t size, const char *att, lfh_record *body,
		     lfh_write_result *res, lfh_err *err)
{
	uint8_t digest[crypto_hash_sha256_BYTES];
	char hex[2 * LFH_ID_LEN + 1];
	uint64_t chunks = ((uint64_t)size + LFH_ATTACH_CHUNK - 1) / LFH_ATTACH_CHUNK;
	lfh_write_result wr;
	int rc = 0;

	if (size < 1 || size > LFH_ATTACH_MAX)
		return lfh_err_set(err, LFH_EINVAL, "an attachment is 1 to %u bytes", LFH_ATTACH_MAX);
	crypto_hash_sha256(digest, data, size);
	for (uint64_t i = 0; rc == 0 && i < chunks; i++) {
		rc = write_piece(n, t, case_id, category, to, nto, att, i,
				 data + i * LFH_ATTACH_CHUNK, piece_len(size, i), &wr, err);
		if (rc == 0 && i == 0)
			lfh_hex(hex, wr.event_id, LFH_ID_LEN);
		else if (rc && i > 0) /* pieces are written: the round must not commit */
			rc = lfh_err_set(err, LFH_ESTORE, "attachment: piece %" PRIu64 " of %" PRIu64
					 " not written: %s", i + 1, chunks, err ? err->msg : "");
	}
	if (!rc)
		rc = lfh_record_set_uint(body, "size", size, err);
	if (!rc)
		rc = lfh_record_set_uint(body, "chunks", chunks, err);
	if (!rc) {
		char dhex[2 * sizeof digest + 1];
		lfh_hex(dhex, digest, sizeof digest);
		rc = lfh_record_set_str(body, "sha256", dhex, err);
	}
	if (!rc)
		rc = lfh_record_set_str(body, "att", att, err);
	if (!rc)
		rc = lfh_record_set_str(body, "first", hex, err);
	if (!rc && (rc = lfh_node_write(n, t, case_id, LFH_EV_ATTACH, category, to, nto, body, res,
					err)))
		rc = lfh_err_set(err, LFH_ESTORE, "attachment: its pieces are written but not the "
				 "attachment: %s", err ? err->msg : "");
	return rc;
}

/* Copy a bounded string field of an ATTACH body; 0 if present and short enough. */
static int take(const lfh_record *b, const char *key, char *out, size_t size)
{
	const char *v = lfh_record_str(b, key);

	if (!v || !*v || strlen(v) >= size)
		return -1;
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

/* The fields a reader needs from an ATTACH body (the rules checked the rest). */
static int attach_fields(const lfh_record *b, lfh_attach_info *a, lfh_err *err)
{
	const char *by = lfh_record_str(b, "by");

	if (take(b, "name", a->name, sizeof a->name) || take(b, "sha256", a->sha256,
							     sizeof a->sha256) ||
	    take(b, "att", a->att, sizeof a->att) || !lfh_record_uint(b, "size", &a->size) ||
	    !lfh_record_uint(b, "chunks", &a->chunks) || a->size < 1 || a->size > LFH_ATTACH_MAX ||
	    a->chunks != (a->size + LFH_ATTACH_CHUNK - 1) / LFH_ATTACH_CHUNK ||
	    !lfh_record_str(b, "first") || lfh_unhex(a->first, LFH_ID_LEN, lfh_record_str(b, "first")))
		return lfh_err_set(err, LFH_EINVAL, "attachment: its record is malformed");
	snprintf(a->by, sizeof a->by, "%s", by ? by : "");
	return 0;
}

int lfh_attach_open(lfh_node *n, lfh_txn *t, const uint8_t id[LFH_ID_LEN], lfh_attach_info *a,
		    lfh_err *err)
{
	const uint8_t *raw;
	size_t len;
	lfh_event ev = { 0 };
	lfh_record body = { 0 };
	int rc = lfh_store_get_event(t, id, &raw, &len, err);

	memset(a, 0, sizeof *a);
	if (rc == LFH_ENOTFOUND)
		return lfh_err_set(err, rc, "no attachment with that id is held here");
	if (!rc)
		rc = lfh_node_open_event(n, t, raw, len, &ev, &body, err);
	if (!rc && ev.type != LFH_EV_ATTACH)
		rc = lfh_err_set(err, LFH_EINVAL, "that event is a %s entry, not an attachment",
				 lfh_osara_type_name(ev.type));
	if (!rc)
		rc = attach_fields(&body, a, err);
	if (!rc) {
		memcpy(a->id, id, LFH_ID_LEN);
		memcpy(a->case_id, ev.case_id, LFH_CASE_LEN);
		memcpy(a->author, ev.author, sizeof a->author);
		memcpy(a->category, ev.category, sizeof a->category);
		a->seq = ev.seq;
		a->hlc = ev.hlc;
	}
	lfh_record_clear(&body);
	lfh_event_clear(&ev);
	return rc;
}

typedef struct chunk_scan {
	lfh_node *n;
	lfh_txn *t;
	const lfh_attach_info *a;
	uint64_t from, max, seen, given;
	lfh_chunk_fn fn;
	void *ctx;
	uint8_t bytes[LFH_ATTACH_CHUNK];
	lfh_err *err;
} chunk_scan;

/* Piece k of the file, checked: its att, its index and its length. */
static int take_piece(chunk_scan *s, const lfh_record *b, uint64_t k, size_t *len)
{
	const char *att = lfh_record_str(b, "att"), *data = lfh_record_str(b, "data");
	uint64_t idx;

	if (!att || strcmp(att, s->a->att) || !lfh_record_uint(b, "idx", &idx) || idx != k || !data ||
	    sodium_base642bin(s->bytes, sizeof s->bytes, data, strlen(data), NULL, len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    *len != piece_len(s->a->size, k))
		return lfh_err_set(s->err, LFH_EINVAL, "attachment: piece %" PRIu64 " of %" PRIu64
				   " is not a piece of this file", k + 1, s->a->chunks);
	return 0;
}

/* Scan callback over the author's events from the first piece on. */
static int chunk_fn(void *vctx, uint64_t seq, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		    size_t len)
{
	chunk_scan *s = vctx;
	lfh_event ev = { 0 };
	lfh_record body = { 0 };
	size_t n = 0;
	int rc;

	(void)id;
	if (seq >= s->a->seq || s->seen >= s->from + s->max || s->seen >= s->a->chunks)
		return 1;
	if (lfh_event_peek_type(raw, len) != LFH_EV_CHUNK)
		return 0; /* e.g. a KEY written before a piece */
	if (s->seen++ < s->from)
		return 0;
	rc = lfh_node_open_event(s->n, s->t, raw, len, &ev, &body, s->err);
	if (!rc && (memcmp(ev.case_id, s->a->case_id, LFH_CASE_LEN) ||
		    strcmp(ev.category, s->a->category)))
		rc = lfh_err_set(s->err, LFH_EINVAL, "attachment: piece %" PRIu64 " belongs to "
				 "another case", s->seen);
	if (!rc)
		rc = take_piece(s, &body, s->seen - 1, &n);
	if (!rc && (rc = s->fn(s->ctx, s->seen - 1, s->bytes, n)) == 0)
		s->given++;
	sodium_memzero(s->bytes, sizeof s->bytes);
	lfh_record_clear(&body);
	lfh_event_clear(&ev);
	return rc;
}

int lfh_attach_chunks(lfh_node *n, lfh_txn *t, const lfh_attach_info *a, uint64_t from,
		      uint64_t max, lfh_chunk_fn fn, void *ctx, lfh_err *err)
{
	const uint8_t *raw;
	size_t len;
	lfh_event first = { 0 };
	uint64_t want = from < a->chunks ? a->chunks - from : 0;
	chunk_scan *s;
	int rc = lfh_store_get_event(t, a->first, &raw, &len, err);

	if (rc == LFH_ENOTFOUND)
		return lfh_err_set(err, rc, "attachment: its first piece is not held here (yet)");
	if (!rc)
		rc = lfh_event_decode(raw, len, &first, err);
	if (!rc && (first.type != LFH_EV_CHUNK || strcmp(first.author, a->author) ||
		    first.seq >= a->seq || a->seq - first.seq > 2 * a->chunks + 64))
		rc = lfh_err_set(err, LFH_EINVAL, "attachment: its first piece is not a piece "
				 "written before it by %s", a->author);
	if (rc || !want) {
		lfh_event_clear(&first);
		return rc;
	}
	if (!(s = calloc(1, sizeof *s))) {
		lfh_event_clear(&first);
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	}
	*s = (chunk_scan){ .n = n, .t = t, .a = a, .from = from, .max = max, .fn = fn,
			   .ctx = ctx, .err = err };
	rc = lfh_store_scan_author(t, a->author, first.seq, chunk_fn, s, err);
	if (rc == 0 && s->given < (max < want ? max : want))
		rc = lfh_err_set(err, LFH_ENOTFOUND, "attachment: piece %" PRIu64 " of %" PRIu64
				 " is not held here (yet)", from + s->given + 1, a->chunks);
	lfh_event_clear(&first);
	free(s);
	return rc;
}
