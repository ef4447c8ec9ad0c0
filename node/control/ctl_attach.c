/*
 * ctl_attach.c - attachments over the control socket (include/lfh/ctl.h,
 * PROTOCOL.md 10): a file is sent in pieces, kept in memory until the whole
 * of it is here, then written at once as CHUNK events and an ATTACH
 * (include/lfh/attach.h), so no part of a file is ever stored or sent.
 *
 *   attach_put     case att size offset d0..dN   one more run of the file's
 *     bytes (each dI base64, at most LFH_VALUE_MAX characters) at offset,
 *     which must be what the node holds of upload att (0 starts it again).
 *     Reply {att, have}: bytes held.
 *   attach_commit  case att name [category] [text] [on]   writes the file
 *     held for att (all `size` bytes) into the case. Reply {case, event,
 *     hlc, name, size}.
 *   attachment_get id [from]   id: 8 to 64 hex digits of the ATTACH's
 *     event id. Reply: {case, event, name, size, sha256, chunks, category,
 *     author, by, [next]} then {idx, data} for pieces from .. (at most
 *     GET_PAGE of them); next = the piece to ask for next, if any.
 *
 * Uploads in progress are the node's memory, not its store: at most
 * UPLOADS of them, the oldest left idle for UPLOAD_IDLE_MS given up for a
 * new one; a restart forgets them and the client sends the file again.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/attach.h"
#include "lfh/ctl.h"
#include "lfh/hlc.h"
#include "lfh/policy.h"
#include "lfh/project.h"

#define UPLOADS 4
#define UPLOAD_IDLE_MS (10u * 60u * 1000u)
#define PUT_PARTS_MAX 48
#define GET_PAGE 128

typedef struct upload {
	char att[LFH_ATTACH_ID_HEX + 1]; /* "" = free slot */
	char by[LFH_CTL_BY_MAX + 1];
	uint8_t case_id[LFH_CASE_LEN];
	uint8_t *data;
	size_t len, size;
	uint64_t touched_ms;
} upload;

static upload uploads[UPLOADS];

static void upload_free(upload *u)
{
	if (u->data) {
		sodium_memzero(u->data, u->size);
		free(u->data);
	}
	memset(u, 0, sizeof *u);
}

void lfh_ctl_attach_free(void)
{
	for (int i = 0; i < UPLOADS; i++)
		upload_free(&uploads[i]);
}

static int att_valid(const char *att)
{
	return att && strlen(att) == LFH_ATTACH_ID_HEX &&
	       strspn(att, "0123456789abcdef") == LFH_ATTACH_ID_HEX;
}

/* The upload att of user by, or NULL. */
static upload *upload_find(const char *att, const char *by)
{
	for (int i = 0; i < UPLOADS; i++)
		if (uploads[i].att[0] && !strcmp(uploads[i].att, att) && !strcmp(uploads[i].by, by))
			return &uploads[i];
	return NULL;
}

/* A slot for a new upload: a free one, else the longest idle past UPLOAD_IDLE_MS. */
static upload *upload_slot(uint64_t now)
{
	upload *oldest = NULL;

	for (int i = 0; i < UPLOADS; i++) {
		if (!uploads[i].att[0])
			return &uploads[i];
		if (!oldest || uploads[i].touched_ms < oldest->touched_ms)
			oldest = &uploads[i];
	}
	if (now - oldest->touched_ms < UPLOAD_IDLE_MS)
		return NULL;
	upload_free(oldest);
	return oldest;
}

static int commit_allowed(lfh_ctl_req *q, lfh_txn *t, const upload *u, const lfh_record *body);

static int no_isa(lfh_ctl_req *q)
{
	return lfh_ctl_fail(&q->rep, LFH_EPERM, "attachments need an information-sharing agreement "
			    "in force (lfh isa show)");
}

/*
 * Would the case take a file from us now (an ISA in force, a participant, the
 * case open)? Asked before the first byte, so that nobody sends 25 MiB to be
 * refused at the end.
 */
static int case_takes_files(lfh_ctl_req *q, lfh_txn *t, const upload *probe, const char *by)
{
	lfh_record body = { 0 };
	lfh_err err = { 0 };
	int rc;

	if (!lfh_policy_active(&q->node->rules))
		return no_isa(q);
	if (lfh_record_set_str(&body, "by", by, &err) ||
	    lfh_record_set_str(&body, "name", "upload", &err))
		rc = lfh_ctl_fail(&q->rep, err.code, err.msg);
	else
		rc = commit_allowed(q, t, probe, &body);
	lfh_record_clear(&body);
	return rc;
}

/* Start (or start again) upload att of size bytes for the case. */
static int upload_begin(lfh_ctl_req *q, lfh_txn *t, const char *att, const char *by,
			uint64_t size, upload **out)
{
	upload probe = { .size = size };
	upload *u = upload_find(att, by);
	int rc;

	if ((rc = lfh_ctl_find_case(t, lfh_record_str(&q->req, "case"), probe.case_id, &q->rep)))
		return rc;
	snprintf(probe.att, sizeof probe.att, "%s", att);
	if ((rc = case_takes_files(q, t, &probe, by)))
		return rc;
	if (u)
		upload_free(u);
	if (!(u = upload_slot(lfh_wall_ms())))
		return lfh_ctl_fail(&q->rep, LFH_EBUSY, "the node is taking other uploads: try "
				    "again in a few minutes");
	if (!(u->data = malloc(size)))
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory for the upload");
	snprintf(u->att, sizeof u->att, "%s", att);
	snprintf(u->by, sizeof u->by, "%s", by);
	memcpy(u->case_id, probe.case_id, LFH_CASE_LEN);
	u->size = size;
	*out = u;
	return 0;
}

/* Append the request's parts d0, d1, ... (base64) to u. */
static int upload_append(lfh_ctl_req *q, upload *u)
{
	char key[16], msg[96];
	size_t got;

	for (int i = 0; i < PUT_PARTS_MAX; i++) {
		const char *b64;
		snprintf(key, sizeof key, "d%d", i);
		if (!(b64 = lfh_record_str(&q->req, key)))
			break;
		if (sodium_base642bin(u->data + u->len, u->size - u->len, b64, strlen(b64), NULL,
				      &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
			snprintf(msg, sizeof msg, "%s is not base64, or runs past the file's size", key);
			return lfh_ctl_fail(&q->rep, LFH_EINVAL, msg);
		}
		u->len += got;
	}
	return 0;
}

int ctl_attach_put(lfh_ctl_req *q, lfh_txn *t)
{
	const char *att = lfh_record_str(&q->req, "att"), *by;
	uint64_t size = 0, offset = 0;
	upload *u;
	lfh_record *out;
	lfh_err err = { 0 };
	char msg[128];
	int rc;

	if (!(by = lfh_ctl_need(&q->req, "by", LFH_CTL_BY_MAX, &q->rep)))
		return q->rep.code;
	if (!att_valid(att))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "att: expected 16 lowercase hex digits");
	if (!lfh_record_uint(&q->req, "size", &size) || size < 1 || size > LFH_ATTACH_MAX) {
		snprintf(msg, sizeof msg, "size: a file to attach is 1 to %u bytes (%u MiB)",
			 LFH_ATTACH_MAX, LFH_ATTACH_MAX >> 20);
		return lfh_ctl_fail(&q->rep, LFH_ETOOBIG, msg);
	}
	lfh_record_uint(&q->req, "offset", &offset);
	u = upload_find(att, by);
	if (offset == 0 && (rc = upload_begin(q, t, att, by, size, &u)))
		return rc;
	if (!u || u->size != size || offset != u->len) {
		snprintf(msg, sizeof msg, "upload %s: the node holds %zu bytes of it, not %" PRIu64
			 ": send from there", att, u && u->size == size ? u->len : (size_t)0, offset);
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, msg);
	}
	u->touched_ms = lfh_wall_ms();
	lfh_hex(q->case_hex, u->case_id, LFH_CASE_LEN);
	if ((rc = upload_append(q, u)))
		return rc;
	if (!(out = lfh_ctl_add(&q->rep)) || lfh_record_set_str(out, "att", att, &err) ||
	    lfh_record_set_uint(out, "have", u->len, &err))
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	return 0;
}

/* The ATTACH's own fields from the request: by, name, text, on, team. */
static int commit_body(lfh_ctl_req *q, lfh_record *body)
{
	const char *by, *name, *text = lfh_record_str(&q->req, "text");
	lfh_err err = { 0 };

	if (!(by = lfh_ctl_need(&q->req, "by", LFH_CTL_BY_MAX, &q->rep)) ||
	    !(name = lfh_ctl_need(&q->req, "name", LFH_ATTACH_NAME_MAX, &q->rep)))
		return q->rep.code;
	if (lfh_record_set_str(body, "by", by, &err) || lfh_record_set_str(body, "name", name, &err) ||
	    (text && *text && lfh_record_set_str(body, "text", text, &err)))
		return lfh_ctl_fail(&q->rep, err.code, err.msg);
	return lfh_ctl_stamp(q, body);
}

/* Would the ATTACH be a valid step of the case here? (its digest fields stand in) */
static int commit_allowed(lfh_ctl_req *q, lfh_txn *t, const upload *u, const lfh_record *body)
{
	static const char zeros[2 * LFH_ID_LEN + 1] =
		"0000000000000000000000000000000000000000000000000000000000000000";
	lfh_record probe = { 0 };
	lfh_err err = { 0 };
	int rc = 0;

	for (size_t i = 0; i < body->n && !rc; i++)
		rc = body->f[i].kind == LFH_FIELD_STR
			     ? lfh_record_set_str(&probe, body->f[i].key, body->f[i].str, &err)
			     : lfh_record_set_uint(&probe, body->f[i].key, body->f[i].u, &err);
	if (!rc)
		rc = lfh_record_set_uint(&probe, "size", u->size, &err);
	if (!rc)
		rc = lfh_record_set_uint(&probe, "chunks", (u->size + LFH_ATTACH_CHUNK - 1) /
							       LFH_ATTACH_CHUNK, &err);
	if (!rc)
		rc = lfh_record_set_str(&probe, "sha256", zeros, &err);
	if (!rc)
		rc = lfh_record_set_str(&probe, "att", u->att, &err);
	if (!rc)
		rc = lfh_record_set_str(&probe, "first", zeros, &err);
	rc = rc ? lfh_ctl_fail(&q->rep, err.code, err.msg)
		: lfh_ctl_step_allowed(q, t, u->case_id, LFH_EV_ATTACH, &probe, 0);
	lfh_record_clear(&probe);
	return rc;
}

int ctl_attach_commit(lfh_ctl_req *q, lfh_txn *t)
{
	const char *att = lfh_record_str(&q->req, "att"), *by = lfh_record_str(&q->req, "by");
	const char *category;
	uint8_t case_id[LFH_CASE_LEN];
	lfh_record body = { 0 }, *out;
	lfh_err err = { 0 };
	char msg[160];
	upload *u;
	int rc;

	if (!lfh_policy_active(&q->node->rules))
		return no_isa(q);
	if (!(category = lfh_ctl_category(q)))
		return q->rep.code;
	if ((rc = lfh_ctl_find_case(t, lfh_record_str(&q->req, "case"), case_id, &q->rep)))
		return rc;
	if (!att_valid(att) || !by || !(u = upload_find(att, by)) ||
	    memcmp(u->case_id, case_id, LFH_CASE_LEN) || u->len != u->size) {
		snprintf(msg, sizeof msg, "upload %.16s: the node does not hold all of that file "
			 "for this case (send it again)", att ? att : "");
		return lfh_ctl_fail(&q->rep, LFH_ENOTFOUND, msg);
	}
	if (!(rc = commit_body(q, &body)) && !(rc = commit_allowed(q, t, u, &body)) &&
	    (rc = lfh_attach_write(q->node, t, case_id, category, NULL, 0, u->data, u->size, att,
				   &body, &q->wr, &err)))
		rc = lfh_ctl_fail(&q->rep, err.code, err.msg);
	if (!rc && !(rc = lfh_ctl_written(q, case_id)) &&
	    (!(out = &q->rep.recs[q->rep.n - 1]) ||
	     lfh_record_set_str(out, "name", lfh_record_str(&body, "name"), &err) ||
	     lfh_record_set_uint(out, "size", u->size, &err)))
		rc = lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	if (!rc)
		upload_free(u);
	lfh_record_clear(&body);
	return rc;
}

/* The ATTACH event named by 8 to 64 hex digits. */
static int find_attach(lfh_ctl_req *q, lfh_txn *t, uint8_t id[LFH_ID_LEN])
{
	const char *hex = lfh_record_str(&q->req, "id");
	size_t len = hex ? strlen(hex) : 0;
	char even[2 * LFH_ID_LEN + 2];
	uint8_t prefix[LFH_ID_LEN];
	lfh_err err = { 0 };
	int rc;

	if (len < 8 || len > 2 * LFH_ID_LEN || strspn(hex, "0123456789abcdefABCDEF") != len)
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "id: an attachment is 8 to 64 hex digits of "
				    "its id, as lfh case show prints it ([ev 1a2b3c4d])");
	memcpy(even, hex, len);
	even[len] = '0';
	even[len + (len % 2)] = '\0';
	if (lfh_unhex(prefix, (len + 1) / 2, even))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "id: not hex");
	rc = lfh_store_event_lookup_digits(t, prefix, len, id, &err);
	if (rc == LFH_ENOTFOUND)
		return lfh_ctl_fail(&q->rep, rc, "no attachment with that id is held here");
	return rc ? lfh_ctl_fail(&q->rep, rc, err.msg) : 0;
}

/* Is the ATTACH an entry of its case as projected here (not refused, not redacted)? */
static int attach_standing(lfh_ctl_req *q, lfh_txn *t, const lfh_attach_info *a)
{
	lfh_osara_state *st = malloc(sizeof *st);
	lfh_err err = { 0 };
	char msg[LFH_ERRMSG_MAX];
	int rc;

	if (!st)
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	rc = lfh_node_project(q->node, t, a->case_id, st, &err);
	for (uint32_t i = 0; rc == 0 && i < st->ntimeline; i++) {
		const lfh_osara_entry *e = &st->timeline[i];
		if (memcmp(e->id, a->id, LFH_ID_LEN))
			continue;
		if (e->ignored) {
			snprintf(msg, sizeof msg, "that attachment was not accepted in its case: %s",
				 e->reason);
			rc = lfh_err_set(&err, LFH_EPERM, "%s", msg);
		} else if (e->redacted) {
			snprintf(msg, sizeof msg, "that attachment was redacted: %s", e->redact_reason);
			rc = lfh_err_set(&err, LFH_EPERM, "%s", msg);
		}
		break;
	}
	free(st);
	return rc ? lfh_ctl_fail(&q->rep, rc, err.msg) : 0;
}

/* The first record of every page: what the file is. */
static int describe_attach(lfh_ctl_req *q, const lfh_attach_info *a, uint64_t next)
{
	char idhex[2 * LFH_ID_LEN + 1];
	lfh_record *out = lfh_ctl_add(&q->rep);
	lfh_err err = { 0 };

	lfh_hex(idhex, a->id, LFH_ID_LEN);
	if (!out || lfh_record_set_str(out, "case", q->case_hex, &err) ||
	    lfh_record_set_str(out, "event", idhex, &err) ||
	    lfh_record_set_str(out, "name", a->name, &err) ||
	    lfh_record_set_uint(out, "size", a->size, &err) ||
	    lfh_record_set_str(out, "sha256", a->sha256, &err) ||
	    lfh_record_set_uint(out, "chunks", a->chunks, &err) ||
	    lfh_record_set_str(out, "category", a->category, &err) ||
	    lfh_record_set_str(out, "author", a->author, &err) ||
	    lfh_record_set_str(out, "by", a->by, &err) ||
	    (next < a->chunks && lfh_record_set_uint(out, "next", next, &err)))
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	return 0;
}

/* Chunk callback: one {idx, data} record of the reply. */
static int add_piece(void *ctx, uint64_t idx, const uint8_t *data, size_t len)
{
	lfh_ctl_req *q = ctx;
	char b64[sodium_base64_ENCODED_LEN(LFH_ATTACH_CHUNK, sodium_base64_VARIANT_ORIGINAL)];
	lfh_record *out = lfh_ctl_add(&q->rep);

	sodium_bin2base64(b64, sizeof b64, data, len, sodium_base64_VARIANT_ORIGINAL);
	if (!out || lfh_record_set_uint(out, "idx", idx, NULL) ||
	    lfh_record_set_str(out, "data", b64, NULL))
		return LFH_ENOMEM;
	return 0;
}

int ctl_attachment_get(lfh_ctl_req *q, lfh_txn *t)
{
	uint8_t id[LFH_ID_LEN];
	uint64_t from = 0;
	lfh_attach_info a;
	lfh_err err = { 0 };
	int rc;

	lfh_record_uint(&q->req, "from", &from);
	if ((rc = find_attach(q, t, id)))
		return rc;
	if ((rc = lfh_attach_open(q->node, t, id, &a, &err)))
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	lfh_hex(q->case_hex, a.case_id, LFH_CASE_LEN);
	if (from >= a.chunks)
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "from: past the file's last piece");
	if ((rc = attach_standing(q, t, &a)) ||
	    (rc = describe_attach(q, &a, from + GET_PAGE)))
		return rc;
	if ((rc = lfh_attach_chunks(q->node, t, &a, from, GET_PAGE, add_piece, q, &err))) {
		lfh_ctl_reply_clear(&q->rep);
		return lfh_ctl_fail(&q->rep, rc, rc == LFH_ENOMEM ? "out of memory" : err.msg);
	}
	return 0;
}
