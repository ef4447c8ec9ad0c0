/*
 * wire.c - peer messages (PULL, BATCH, NOTIFY, FETCH, FETCHED, ERROR) and
 * control replies, as single msgpack arrays (proto/PROTOCOL.md, section 9).
 *
 * Design. Encoders pack straight into an lfh_buf with msgpack-c (smallest
 * forms) after checking the limits a receiver will enforce. The decoder is
 * the strict mirror: frame size first, then a structural pre-scan that
 * bounds what msgpack-c may allocate, exact types and element counts per
 * message type, and finally the decoded lfh_msg is packed again and must
 * equal the input (canonical form). Envelopes inside BATCH/FETCHED are
 * opaque bins here: the decoded lfh_msg points into the caller's frame and
 * the node decodes each envelope with lfh_event_decode.
 *
 * BATCH/FETCHED are written incrementally (lfh_batch_*) so a server can stop
 * exactly at the frame or count limit. Control replies carry records, each
 * decoded with the record rules (via lfh_record_decode on its re-packed
 * bytes); the reply as a whole must be canonical too.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/mp.h"
#include "lfh/wire.h"

/* Room left in a frame for the BATCH/FETCHED array headers (17 at most). */
#define BATCH_SLACK 32

/*
 * msgpack objects in a valid peer message: at most 1 + 4 + LFH_BATCH_MAX (BATCH).
 * Input with more is refused before msgpack-c allocates for it. Replies
 * (local, from our own lfhd) are bounded by the frame size only.
 */
#define MSG_MAX_OBJECTS (LFH_BATCH_MAX + 16)

/* ---- msgpack getters ---- */

/* Any msgpack integer that fits an int64. */
static int get_int(const msgpack_object *o, int64_t *out)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX) {
		*out = (int64_t)o->via.u64;
		return 0;
	}
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*out = o->via.i64;
		return 0;
	}
	return -1;
}

/* A str of at most max bytes without NUL, copied to out[max + 1]. */
static int get_text(const msgpack_object *o, size_t max, char *out)
{
	size_t n = o->via.str.size;

	if (o->type != MSGPACK_OBJECT_STR || n > max)
		return -1;
	if (n > 0) { /* an empty str may have a NULL ptr */
		if (memchr(o->via.str.ptr, '\0', n))
			return -1;
		memcpy(out, o->via.str.ptr, n);
	}
	out[n] = '\0';
	return 0;
}

/* ---- per-message packers: the one place each layout is written ---- */

static int pack_pull(msgpack_packer *pk, uint64_t cursor, uint32_t max, const lfh_held *held,
		     uint32_t nheld)
{
	int r = msgpack_pack_array(pk, nheld ? 4 : 3);

	r |= msgpack_pack_uint32(pk, LFH_MSG_PULL);
	r |= msgpack_pack_uint64(pk, cursor);
	r |= msgpack_pack_uint32(pk, max);
	if (nheld)
		r |= msgpack_pack_array(pk, nheld);
	for (uint32_t i = 0; i < nheld; i++) {
		r |= msgpack_pack_array(pk, 2);
		r |= lfh_mp_pack_str(pk, held[i].agency);
		r |= msgpack_pack_uint64(pk, held[i].upto);
	}
	return r;
}

static int pack_notify(msgpack_packer *pk, uint64_t head)
{
	int r = msgpack_pack_array(pk, 2);

	r |= msgpack_pack_uint32(pk, LFH_MSG_NOTIFY);
	return r | msgpack_pack_uint64(pk, head);
}

static int pack_fetch(msgpack_packer *pk, const char *author, uint64_t from, uint64_t to)
{
	int r = msgpack_pack_array(pk, 4);

	r |= msgpack_pack_uint32(pk, LFH_MSG_FETCH);
	r |= lfh_mp_pack_str(pk, author);
	r |= msgpack_pack_uint64(pk, from);
	return r | msgpack_pack_uint64(pk, to);
}

static int pack_error(msgpack_packer *pk, int64_t code, const char *text)
{
	int r = msgpack_pack_array(pk, 3);

	r |= msgpack_pack_uint32(pk, LFH_MSG_ERROR);
	r |= msgpack_pack_int64(pk, code);
	return r | lfh_mp_pack_str(pk, text);
}

static int pack_recover(msgpack_packer *pk, uint64_t from)
{
	int r = msgpack_pack_array(pk, 2);
	r |= msgpack_pack_uint32(pk, LFH_MSG_RECOVER);
	return r | msgpack_pack_uint64(pk, from);
}

/* Everything of a BATCH/FETCHED before its envelopes. */
static int pack_batch_head(msgpack_packer *pk, uint32_t type, uint64_t cursor, int more,
			   size_t n)
{
	int r;

	if (type == LFH_MSG_FETCHED) {
		r = msgpack_pack_array(pk, 2);
		r |= msgpack_pack_uint32(pk, type);
		return r | msgpack_pack_array(pk, (uint32_t)n);
	}
	r = msgpack_pack_array(pk, 5);
	r |= msgpack_pack_uint32(pk, type);
	r |= msgpack_pack_uint64(pk, cursor);
	r |= more ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
	return r | msgpack_pack_array(pk, (uint32_t)n);
}

static int pack_item(msgpack_packer *pk, const uint8_t *env, size_t len)
{
	if (msgpack_pack_bin(pk, len) != 0)
		return -1;
	return msgpack_pack_bin_body(pk, env, len);
}

/* The canonical encoding of a decoded message. */
static int pack_msg(msgpack_packer *pk, const lfh_msg *m)
{
	int r;

	switch (m->type) {
	case LFH_MSG_PULL: return pack_pull(pk, m->cursor, m->max, m->held, m->nheld);
	case LFH_MSG_NOTIFY: return pack_notify(pk, m->cursor);
	case LFH_MSG_FETCH: return pack_fetch(pk, m->author, m->from, m->to);
	case LFH_MSG_ERROR: return pack_error(pk, m->code, m->text);
	case LFH_MSG_RECOVER: return pack_recover(pk, m->from);
	default: break;
	}
	r = pack_batch_head(pk, m->type, m->cursor, m->more, m->nevents);
	for (size_t i = 0; r == 0 && i < m->nevents; i++)
		r = pack_item(pk, m->ev[i], m->evlen[i]);
	if (r == 0 && m->type == LFH_MSG_BATCH)
		r = msgpack_pack_uint64(pk, m->incarnation);
	return r;
}

/*
 * Finish an encoder: r is the packers' result; on a write failure the bytes
 * already appended to out (from len0 on) are dropped and LFH_ENOMEM returned.
 */
static int packed(lfh_buf *out, size_t len0, int r, const char *what, lfh_err *err)
{
	if (r == 0)
		return 0;
	out->len = len0;
	return lfh_err_set(err, LFH_ENOMEM, "%s: out of memory", what);
}

/* ---- limits shared by encoders and decoder ---- */

static int pull_check(uint32_t max, lfh_err *err)
{
	if (max < 1 || max > LFH_BATCH_MAX)
		return lfh_err_set(err, LFH_EINVAL, "PULL: max: %" PRIu32 " out of range 1..%d",
				   max, LFH_BATCH_MAX);
	return 0;
}

static int fetch_check(const char *author, uint64_t from, uint64_t to, lfh_err *err)
{
	if (!lfh_name_valid(author))
		return lfh_err_set(err, LFH_EINVAL, "FETCH: author: invalid agency id");
	if (from < 1 || to < from || to - from >= LFH_BATCH_MAX)
		return lfh_err_set(err, LFH_EINVAL, "FETCH: range [%" PRIu64 ", %" PRIu64
				   "] invalid (from >= 1, from <= to, to - from < %d)",
				   from, to, LFH_BATCH_MAX);
	return 0;
}

/* ---- encoders ---- */

int lfh_msg_encode_pull(lfh_buf *out, uint64_t cursor, uint32_t max, lfh_err *err)
{
	return lfh_msg_encode_pull_held(out, cursor, max, NULL, 0, err);
}

static int held_cmp(const void *a, const void *b)
{
	return strcmp(((const lfh_held *)a)->agency, ((const lfh_held *)b)->agency);
}

int lfh_msg_encode_pull_held(lfh_buf *out, uint64_t cursor, uint32_t max, lfh_held *held,
			     uint32_t nheld, lfh_err *err)
{
	size_t len0 = out->len;
	msgpack_packer pk;
	int rc = pull_check(max, err);

	if (rc)
		return rc;
	if (nheld > LFH_HELD_MAX)
		return lfh_err_set(err, LFH_EINVAL, "PULL: held: more than %d agencies", LFH_HELD_MAX);
	if (nheld)
		qsort(held, nheld, sizeof *held, held_cmp);
	for (uint32_t i = 0; i < nheld; i++)
		if (!lfh_name_valid(held[i].agency) ||
		    (i && strcmp(held[i - 1].agency, held[i].agency) == 0))
			return lfh_err_set(err, LFH_EINVAL, "PULL: held: bad or repeated agency '%s'",
					   held[i].agency);
	msgpack_packer_init(&pk, out, lfh_mp_buf_write);
	return packed(out, len0, pack_pull(&pk, cursor, max, held, nheld), "PULL", err);
}

int lfh_msg_encode_notify(lfh_buf *out, uint64_t head, lfh_err *err)
{
	size_t len0 = out->len;
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, lfh_mp_buf_write);
	return packed(out, len0, pack_notify(&pk, head), "NOTIFY", err);
}

int lfh_msg_encode_fetch(lfh_buf *out, const char *author, uint64_t from, uint64_t to,
			 lfh_err *err)
{
	size_t len0 = out->len;
	msgpack_packer pk;
	int rc = fetch_check(author, from, to, err);

	if (rc)
		return rc;
	msgpack_packer_init(&pk, out, lfh_mp_buf_write);
	return packed(out, len0, pack_fetch(&pk, author, from, to), "FETCH", err);
}

int lfh_msg_encode_error(lfh_buf *out, int64_t code, const char *text, lfh_err *err)
{
	size_t len0 = out->len;
	msgpack_packer pk;

	if (!text)
		text = "";
	if (strlen(text) > LFH_ERRMSG_MAX - 1)
		return lfh_err_set(err, LFH_ETOOBIG, "ERROR: text longer than %d bytes",
				   LFH_ERRMSG_MAX - 1);
	msgpack_packer_init(&pk, out, lfh_mp_buf_write);
	return packed(out, len0, pack_error(&pk, code, text), "ERROR", err);
}

int lfh_msg_encode_recover(lfh_buf *out, uint64_t from, lfh_err *err)
{
	size_t len0 = out->len;
	msgpack_packer pk;

	if (from < 1)
		return lfh_err_set(err, LFH_EINVAL, "RECOVER: from must be at least 1");
	msgpack_packer_init(&pk, out, lfh_mp_buf_write);
	return packed(out, len0, pack_recover(&pk, from), "RECOVER", err);
}

/* ---- batch writer ---- */

void lfh_batch_begin(lfh_batch_writer *w, uint32_t type)
{
	memset(w, 0, sizeof *w);
	w->type = type;
}

/*
 * Worst case the frame grows by a 5-byte bin header plus the envelope; the
 * array headers in front of the items fit in BATCH_SLACK.
 */
int lfh_batch_add(lfh_batch_writer *w, const uint8_t *env, size_t len)
{
	size_t len0 = w->items.len;
	msgpack_packer pk;

	if (len < 1 || len > LFH_EVENT_MAX)
		return LFH_EINVAL;
	if (w->n >= LFH_BATCH_MAX || w->items.len + 5 + len + BATCH_SLACK > LFH_FRAME_MAX)
		return LFH_ETOOBIG;
	msgpack_packer_init(&pk, &w->items, lfh_mp_buf_write);
	if (pack_item(&pk, env, len) != 0) {
		w->items.len = len0;
		return LFH_ENOMEM;
	}
	w->n++;
	return 0;
}

int lfh_batch_finish(lfh_batch_writer *w, uint64_t next_cursor, int more, lfh_buf *out,
		     lfh_err *err)
{
	size_t len0 = out->len;
	msgpack_packer pk;
	int r;

	if (w->type != LFH_MSG_BATCH && w->type != LFH_MSG_FETCHED)
		return lfh_err_set(err, LFH_EINVAL, "batch: type %" PRIu32 " is not BATCH or FETCHED",
				   w->type);
	msgpack_packer_init(&pk, out, lfh_mp_buf_write);
	r = pack_batch_head(&pk, w->type, next_cursor, more, w->n);
	if (r == 0)
		r = lfh_buf_append(out, w->items.data, w->items.len);
	if (r == 0 && w->type == LFH_MSG_BATCH)
		r = msgpack_pack_uint64(&pk, w->incarnation);
	return packed(out, len0, r, "batch", err);
}

void lfh_batch_free(lfh_batch_writer *w)
{
	lfh_buf_free(&w->items);
	w->n = 0;
}

/* ---- decoder ---- */

/* BATCH/FETCHED envelopes: bins of 1..LFH_EVENT_MAX bytes, borrowed. */
static int decode_items(const msgpack_object *o, lfh_msg *m, const char *what, lfh_err *err)
{
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return lfh_err_set(err, LFH_ECODEC, "%s: events: expected an array", what);
	if (o->via.array.size > LFH_BATCH_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "%s: events: more than %d", what, LFH_BATCH_MAX);
	for (uint32_t i = 0; i < o->via.array.size; i++) {
		const msgpack_object *b = &o->via.array.ptr[i];
		if (b->type != MSGPACK_OBJECT_BIN || b->via.bin.size < 1 ||
		    b->via.bin.size > LFH_EVENT_MAX)
			return lfh_err_set(err, LFH_ECODEC, "%s: events[%" PRIu32 "]: expected bin of "
					   "1..%d bytes", what, i, LFH_EVENT_MAX);
		m->ev[i] = (const uint8_t *)b->via.bin.ptr;
		m->evlen[i] = b->via.bin.size;
	}
	m->nevents = o->via.array.size;
	return 0;
}

static int decode_batch(const msgpack_object *a, lfh_msg *m, lfh_err *err)
{
	if (lfh_mp_get_uint(&a[1], UINT64_MAX, &m->cursor))
		return lfh_err_set(err, LFH_ECODEC, "BATCH: next_cursor: expected an unsigned integer");
	if (a[2].type != MSGPACK_OBJECT_BOOLEAN)
		return lfh_err_set(err, LFH_ECODEC, "BATCH: more: expected a bool");
	m->more = a[2].via.boolean ? 1 : 0;
	if (lfh_mp_get_uint(&a[4], UINT64_MAX, &m->incarnation))
		return lfh_err_set(err, LFH_ECODEC, "BATCH: incarnation: expected an unsigned integer");
	return decode_items(&a[3], m, "BATCH", err);
}

/* PULL's held: 1..LFH_HELD_MAX [agency str, upto u64], agencies strictly ascending. */
static int decode_held(const msgpack_object *o, lfh_msg *m, lfh_err *err)
{
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 1 ||
	    o->via.array.size > LFH_HELD_MAX)
		return lfh_err_set(err, LFH_ECODEC, "PULL: held: expected an array of 1..%d",
				   LFH_HELD_MAX);
	for (uint32_t i = 0; i < o->via.array.size; i++) {
		const msgpack_object *e = &o->via.array.ptr[i];
		lfh_held *h = &m->held[i];
		if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 2 ||
		    get_text(&e->via.array.ptr[0], LFH_AGENCY_MAX, h->agency) ||
		    !lfh_name_valid(h->agency) ||
		    lfh_mp_get_uint(&e->via.array.ptr[1], UINT64_MAX, &h->upto))
			return lfh_err_set(err, LFH_ECODEC, "PULL: held[%" PRIu32 "]: expected "
					   "[agency, upto]", i);
		if (i && strcmp(m->held[i - 1].agency, h->agency) >= 0)
			return lfh_err_set(err, LFH_ECODEC, "PULL: held: agencies not in ascending order");
	}
	m->nheld = o->via.array.size;
	return 0;
}

static int decode_pull(const msgpack_object *a, uint32_t nheld, lfh_msg *m, lfh_err *err)
{
	uint64_t u;
	lfh_err ce;

	if (lfh_mp_get_uint(&a[1], UINT64_MAX, &m->cursor))
		return lfh_err_set(err, LFH_ECODEC, "PULL: cursor: expected an unsigned integer");
	if (lfh_mp_get_uint(&a[2], UINT32_MAX, &u))
		return lfh_err_set(err, LFH_ECODEC, "PULL: max: expected a u32");
	m->max = (uint32_t)u;
	if (pull_check(m->max, &ce))
		return lfh_err_set(err, LFH_ECODEC, "%s", ce.msg);
	return nheld ? decode_held(&a[3], m, err) : 0;
}

static int decode_fetch(const msgpack_object *a, lfh_msg *m, lfh_err *err)
{
	lfh_err ce;

	if (get_text(&a[1], LFH_AGENCY_MAX, m->author) || !lfh_name_valid(m->author))
		return lfh_err_set(err, LFH_ECODEC, "FETCH: author: invalid agency id");
	if (lfh_mp_get_uint(&a[2], UINT64_MAX, &m->from) ||
	    lfh_mp_get_uint(&a[3], UINT64_MAX, &m->to))
		return lfh_err_set(err, LFH_ECODEC, "FETCH: from/to: expected unsigned integers");
	if (fetch_check(m->author, m->from, m->to, &ce))
		return lfh_err_set(err, LFH_ECODEC, "%s", ce.msg);
	return 0;
}

static int decode_recover(const msgpack_object *a, lfh_msg *m, lfh_err *err)
{
	if (lfh_mp_get_uint(&a[1], UINT64_MAX, &m->from) || m->from < 1)
		return lfh_err_set(err, LFH_ECODEC, "RECOVER: from: expected an unsigned integer >= 1");
	return 0;
}

static int decode_error(const msgpack_object *a, lfh_msg *m, lfh_err *err)
{
	if (get_int(&a[1], &m->code))
		return lfh_err_set(err, LFH_ECODEC, "ERROR: code: expected an integer");
	if (get_text(&a[2], LFH_ERRMSG_MAX - 1, m->text))
		return lfh_err_set(err, LFH_ECODEC, "ERROR: text: expected str of at most %d bytes",
				   LFH_ERRMSG_MAX - 1);
	return 0;
}

/* Element count of each message type (index = type). */
static const uint32_t msg_size[] = {
	[LFH_MSG_PULL] = 3, [LFH_MSG_BATCH] = 5, [LFH_MSG_NOTIFY] = 2,
	[LFH_MSG_FETCH] = 4, [LFH_MSG_FETCHED] = 2, [LFH_MSG_ERROR] = 3, [LFH_MSG_RECOVER] = 2,
};

static int decode_msg_object(const msgpack_object *o, lfh_msg *m, lfh_err *err)
{
	const msgpack_object *a = o->via.array.ptr;
	uint64_t t;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 1)
		return lfh_err_set(err, LFH_ECODEC, "msg: expected a non-empty array");
	if (lfh_mp_get_uint(&a[0], UINT32_MAX, &t) || t < LFH_MSG_PULL || t > LFH_MSG_RECOVER)
		return lfh_err_set(err, LFH_ECODEC, "msg: unknown message type");
	m->type = (uint32_t)t;
	if (o->via.array.size != msg_size[t] && !(t == LFH_MSG_PULL && o->via.array.size == 4))
		return lfh_err_set(err, LFH_ECODEC, "msg: type %" PRIu64 ": expected %" PRIu32
				   " elements, got %" PRIu32, t, msg_size[t], o->via.array.size);
	switch (m->type) {
	case LFH_MSG_PULL: return decode_pull(a, o->via.array.size == 4, m, err);
	case LFH_MSG_BATCH: return decode_batch(a, m, err);
	case LFH_MSG_FETCH: return decode_fetch(a, m, err);
	case LFH_MSG_FETCHED: return decode_items(&a[1], m, "FETCHED", err);
	case LFH_MSG_ERROR: return decode_error(a, m, err);
	case LFH_MSG_RECOVER: return decode_recover(a, m, err);
	default: break;
	}
	if (lfh_mp_get_uint(&a[1], UINT64_MAX, &m->cursor))
		return lfh_err_set(err, LFH_ECODEC, "NOTIFY: head: expected an unsigned integer");
	return 0;
}

/* Re-pack m and compare with the frame. */
static int msg_canonical(const uint8_t *raw, size_t len, const lfh_msg *m, lfh_err *err)
{
	lfh_buf re = {0};
	msgpack_packer pk;
	int rc = 0;

	msgpack_packer_init(&pk, &re, lfh_mp_buf_write);
	if (pack_msg(&pk, m) != 0)
		rc = lfh_err_set(err, LFH_ENOMEM, "msg: out of memory");
	else if (re.len != len || memcmp(re.data, raw, len) != 0)
		rc = lfh_err_set(err, LFH_ECODEC, "msg: non-canonical encoding");
	lfh_buf_free(&re);
	return rc;
}

int lfh_msg_decode(const uint8_t *raw, size_t len, lfh_msg *m, lfh_err *err)
{
	msgpack_unpacked up;
	int rc;

	memset(m, 0, sizeof *m);
	if (len > LFH_FRAME_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "msg: frame of %zu bytes exceeds %u", len,
				   LFH_FRAME_MAX);
	msgpack_unpacked_init(&up);
	if (lfh_mp_unpack(&up, raw, len, MSG_MAX_OBJECTS) != 0)
		rc = lfh_err_set(err, LFH_ECODEC, "msg: malformed or oversized msgpack");
	else
		rc = decode_msg_object(&up.data, m, err);
	msgpack_unpacked_destroy(&up);
	if (rc == 0)
		rc = msg_canonical(raw, len, m, err);
	if (rc) {
		m->type = 0;
		m->nevents = 0;
	}
	return rc;
}

/* ---- control replies ---- */

static int pack_reply_head(msgpack_packer *pk, int64_t code, const char *message, size_t n)
{
	int r = msgpack_pack_array(pk, 3);

	r |= msgpack_pack_int64(pk, code);
	r |= lfh_mp_pack_str(pk, message);
	return r | msgpack_pack_array(pk, (uint32_t)n);
}

int lfh_reply_encode(lfh_buf *out, int64_t code, const char *message,
		     const lfh_record *records, size_t n, lfh_err *err)
{
	size_t len0 = out->len;
	msgpack_packer pk;
	int rc;

	if (!message)
		message = "";
	if (strlen(message) > LFH_ERRMSG_MAX - 1)
		return lfh_err_set(err, LFH_ETOOBIG, "reply: message longer than %d bytes",
				   LFH_ERRMSG_MAX - 1);
	if (n > LFH_REPLY_RECORDS_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "reply: more than %d records",
				   LFH_REPLY_RECORDS_MAX);
	if (n > 0 && !records)
		return lfh_err_set(err, LFH_EINVAL, "reply: records missing");
	msgpack_packer_init(&pk, out, lfh_mp_buf_write);
	if ((rc = packed(out, len0, pack_reply_head(&pk, code, message, n), "reply", err)) != 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		lfh_err re;
		if ((rc = lfh_record_encode(&records[i], out, &re)) != 0)
			lfh_err_set(err, rc, "reply: records[%zu]: %s", i, re.msg);
	}
	if (rc == 0 && out->len - len0 > LFH_FRAME_MAX)
		rc = lfh_err_set(err, LFH_ETOOBIG, "reply: %zu bytes exceeds the frame limit %u",
				 out->len - len0, LFH_FRAME_MAX);
	if (rc)
		out->len = len0;
	return rc;
}

/*
 * One record of a reply: msgpack-c gives us an object, not its bytes, so
 * re-pack it (smallest forms) and apply lfh_record_decode. A record that was
 * not canonical in the frame is caught by the whole-reply comparison.
 */
static int decode_reply_record(const msgpack_object *o, size_t i, lfh_buf *tmp,
			       lfh_record *rec, lfh_err *err)
{
	msgpack_packer pk;
	lfh_err re;
	int rc;

	lfh_buf_reset(tmp);
	msgpack_packer_init(&pk, tmp, lfh_mp_buf_write);
	if (msgpack_pack_object(&pk, *o) != 0)
		return lfh_err_set(err, LFH_ENOMEM, "reply: out of memory");
	rc = lfh_record_decode(tmp->data, tmp->len, rec, &re);
	if (rc)
		return lfh_err_set(err, rc, "reply: records[%zu]: %s", i, re.msg);
	return 0;
}

static int decode_reply_object(const msgpack_object *o, lfh_reply *r, lfh_err *err)
{
	const msgpack_object *a = o->via.array.ptr, *recs;
	lfh_buf tmp = {0};
	int rc = 0;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 3)
		return lfh_err_set(err, LFH_ECODEC, "reply: expected [code, message, records]");
	if (get_int(&a[0], &r->code))
		return lfh_err_set(err, LFH_ECODEC, "reply: code: expected an integer");
	if (get_text(&a[1], LFH_ERRMSG_MAX - 1, r->message))
		return lfh_err_set(err, LFH_ECODEC, "reply: message: expected str of at most %d bytes",
				   LFH_ERRMSG_MAX - 1);
	if (a[2].type != MSGPACK_OBJECT_ARRAY)
		return lfh_err_set(err, LFH_ECODEC, "reply: records: expected an array");
	if (a[2].via.array.size > LFH_REPLY_RECORDS_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "reply: more than %d records",
				   LFH_REPLY_RECORDS_MAX);
	if (a[2].via.array.size == 0)
		return 0;
	recs = a[2].via.array.ptr;
	r->records = calloc(a[2].via.array.size, sizeof *r->records);
	if (!r->records)
		return lfh_err_set(err, LFH_ENOMEM, "reply: out of memory");
	r->nrecords = a[2].via.array.size;
	for (size_t i = 0; rc == 0 && i < r->nrecords; i++)
		rc = decode_reply_record(&recs[i], i, &tmp, &r->records[i], err);
	lfh_buf_free(&tmp);
	return rc;
}

int lfh_reply_decode(const uint8_t *raw, size_t len, lfh_reply *r, lfh_err *err)
{
	msgpack_unpacked up;
	lfh_buf re = {0};
	int rc;

	memset(r, 0, sizeof *r);
	if (len > LFH_FRAME_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "reply: frame of %zu bytes exceeds %u", len,
				   LFH_FRAME_MAX);
	msgpack_unpacked_init(&up);
	if (lfh_mp_unpack(&up, raw, len, SIZE_MAX) != 0)
		rc = lfh_err_set(err, LFH_ECODEC, "reply: malformed msgpack");
	else
		rc = decode_reply_object(&up.data, r, err);
	msgpack_unpacked_destroy(&up);
	if (rc == 0 &&
	    (rc = lfh_reply_encode(&re, r->code, r->message, r->records, r->nrecords, err)) == 0 &&
	    (re.len != len || memcmp(re.data, raw, len) != 0))
		rc = lfh_err_set(err, LFH_ECODEC, "reply: non-canonical encoding");
	lfh_buf_free(&re);
	if (rc)
		lfh_reply_clear(r);
	return rc;
}

void lfh_reply_clear(lfh_reply *r)
{
	for (size_t i = 0; r->records && i < r->nrecords; i++)
		lfh_record_clear(&r->records[i]);
	free(r->records);
	memset(r, 0, sizeof *r);
}
