/*
 * wire.h - peer and control messages (proto/PROTOCOL.md, "Messages").
 *
 * Every message is one ZeroMQ frame holding one msgpack array whose first
 * element is the message type. Decoding is strict (exact types, bounded
 * counts, no trailing bytes, canonical). Decoded event and record pointers
 * borrow from the input frame, which must outlive the lfh_msg.
 */
#ifndef LFH_WIRE_H
#define LFH_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/record.h"

#define LFH_FRAME_MAX (4u * 1024u * 1024u) /* any frame, peer or control */
#define LFH_BATCH_MAX 4096                 /* events in one BATCH/FETCHED */
#define LFH_REPLY_RECORDS_MAX 100000       /* records in one control reply */

enum lfh_msg_type {
	LFH_MSG_PULL = 1,    /* [1, cursor u64, max u32(, held)]: send me what you hold for me after
			      * cursor, but for what held says I hold (PROTOCOL.md 9.1) */
	LFH_MSG_BATCH = 2,   /* [2, next_cursor u64, more bool, [env bin, ...], incarnation u64] */
	LFH_MSG_NOTIFY = 3,  /* [3, head u64]: I hold new events for you */
	LFH_MSG_FETCH = 4,   /* [4, author str, from u64, to u64]: slots (author, me, ctr) */
	LFH_MSG_FETCHED = 5, /* [5, [env bin, ...]] */
	LFH_MSG_ERROR = 6,   /* [6, code i64, message str] */
	LFH_MSG_RECOVER = 7, /* [7, from u64]: the events I wrote, from seq `from` on (FETCHED) */
};

/* In a PULL: "I hold every event of agency addressed to me with my counter <= upto". */
typedef struct lfh_held {
	char agency[LFH_AGENCY_MAX + 1];
	uint64_t upto;
} lfh_held;
#define LFH_HELD_MAX (LFH_MAX_PEERS + 1)

typedef struct lfh_msg {
	uint32_t type;
	uint64_t cursor;  /* PULL: after; BATCH: next; NOTIFY: head */
	uint32_t max;     /* PULL */
	uint32_t nheld;   /* PULL: 0 (the 3-element form), or 1..LFH_HELD_MAX, agencies ascending */
	lfh_held held[LFH_HELD_MAX];
	int more;         /* BATCH */
	uint64_t incarnation; /* BATCH: the server's store incarnation (PROTOCOL.md 9.2) */
	char author[LFH_AGENCY_MAX + 1]; /* FETCH */
	uint64_t from, to;               /* FETCH, inclusive, to - from < LFH_BATCH_MAX; RECOVER: from */
	int64_t code;                    /* ERROR */
	char text[LFH_ERRMSG_MAX];       /* ERROR */
	size_t nevents;                  /* BATCH, FETCHED */
	const uint8_t *ev[LFH_BATCH_MAX];
	size_t evlen[LFH_BATCH_MAX];
} lfh_msg;

/* Decode a peer message. m may be large: allocate it, don't put it on a small stack. */
int lfh_msg_decode(const uint8_t *raw, size_t len, lfh_msg *m, lfh_err *err);

int lfh_msg_encode_pull(lfh_buf *out, uint64_t cursor, uint32_t max, lfh_err *err);
/* PULL with what the puller holds (nheld 0: the 3-element form); held sorted here. */
int lfh_msg_encode_pull_held(lfh_buf *out, uint64_t cursor, uint32_t max, lfh_held *held,
			     uint32_t nheld, lfh_err *err);
int lfh_msg_encode_notify(lfh_buf *out, uint64_t head, lfh_err *err);
int lfh_msg_encode_fetch(lfh_buf *out, const char *author, uint64_t from, uint64_t to, lfh_err *err);
int lfh_msg_encode_error(lfh_buf *out, int64_t code, const char *text, lfh_err *err);
int lfh_msg_encode_recover(lfh_buf *out, uint64_t from, lfh_err *err);

/*
 * BATCH and FETCHED are built incrementally so a sender can stop at the frame
 * size limit: begin, add envelopes (LFH_ETOOBIG when the next one would push
 * the frame past LFH_FRAME_MAX or the count past LFH_BATCH_MAX: nothing added),
 * then finish into out.
 */
typedef struct lfh_batch_writer {
	uint32_t type; /* LFH_MSG_BATCH or LFH_MSG_FETCHED */
	uint64_t incarnation; /* BATCH: set before finishing (0 by lfh_batch_begin) */
	size_t n;
	lfh_buf items; /* concatenated msgpack bin objects */
} lfh_batch_writer;

void lfh_batch_begin(lfh_batch_writer *w, uint32_t type);
int lfh_batch_add(lfh_batch_writer *w, const uint8_t *env, size_t len);
int lfh_batch_finish(lfh_batch_writer *w, uint64_t next_cursor, int more, lfh_buf *out, lfh_err *err);
void lfh_batch_free(lfh_batch_writer *w);

/*
 * Control protocol (lfh <-> local lfhd). Request: one record, with "cmd".
 * Reply: [code i64, message str, [record, ...]]; code 0 is success.
 */
typedef struct lfh_reply {
	int64_t code;
	char message[LFH_ERRMSG_MAX];
	size_t nrecords;
	lfh_record *records; /* owned; free with lfh_reply_clear */
} lfh_reply;

/* Append [code, message, [records]] (records may be NULL when n == 0). */
int lfh_reply_encode(lfh_buf *out, int64_t code, const char *message,
		     const lfh_record *records, size_t n, lfh_err *err);
int lfh_reply_decode(const uint8_t *raw, size_t len, lfh_reply *r, lfh_err *err);
void lfh_reply_clear(lfh_reply *r);

#endif
