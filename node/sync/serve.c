/*
 * serve.c - answering peers' PULL and FETCH (include/lfh/serve.h): only the
 * events the requester is a recipient of, whoever wrote them (relaying),
 * but for those its PULL says it holds already,
 * with key events (CERT, REVOKE) first so that revocations travel ahead of
 * what they invalidate (PROTOCOL.md 9.2, 15.5).
 */
#include <string.h>

#include "lfh/keyring.h"
#include "lfh/log.h"
#include "lfh/serve.h"
#include "lfh/wire.h"

struct serve_ctx {
	lfh_batch_writer w;
	uint32_t max;
	uint64_t last;
	int full;
	const char *peer;
	const char *self; /* our agency */
	const lfh_held *held; /* what the peer said it holds (PULL's held) */
	uint32_t nheld;
	uint32_t skipped;
};

/*
 * Events a peer holds are passed over without being sent, at most this many
 * a request: then the BATCH says "more" and its cursor is where we stopped,
 * so one request never scans a whole log while others wait.
 */
#define SKIP_MAX (8 * LFH_BATCH_MAX)

/*
 * Does the peer hold this relayed envelope already, by what its PULL said?
 * Our own events are always sent: if we wrote two in one slot, the peer
 * must see the second (equivocation evidence, PROTOCOL.md 7 step 9).
 */
static int peer_holds(const struct serve_ctx *c, const uint8_t *raw, size_t len)
{
	char author[LFH_AGENCY_MAX + 1];
	uint64_t ctr;
	int holds = 0;

	/* a peek, not a decode: a peer catching up has every relay pass over all it holds */
	if (!c->nheld || lfh_event_peek_slot(raw, len, c->peer, author, &ctr) || !ctr ||
	    strcmp(author, c->self) == 0)
		return 0;
	for (uint32_t i = 0; i < c->nheld; i++)
		if (strcmp(c->held[i].agency, author) == 0)
			holds = ctr <= c->held[i].upto;
	return holds;
}

static int serve_one(void *vctx, uint64_t key, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		     size_t len)
{
	struct serve_ctx *c = vctx;
	int rc;

	(void)id;
	if (c->nheld && c->skipped < SKIP_MAX && peer_holds(c, raw, len)) {
		c->skipped++;
		c->last = key;
		return 0;
	}
	if (c->skipped >= SKIP_MAX || c->w.n >= c->max)
		rc = LFH_ETOOBIG;
	else
		rc = lfh_batch_add(&c->w, raw, len);
	if (rc == LFH_EINVAL) {
		/* no envelope may be that large (a damaged or forged store): never served, and it
		 * must not stop what comes after it */
		log_warn("not serving the event at log position %llu: %zu bytes, more than any "
			 "envelope may have", (unsigned long long)key, len);
		c->last = key;
		return 0;
	}
	if (rc) {
		c->full = 1;
		return 1;
	}
	c->last = key;
	return 0;
}

#define PREPENDED_MAX 64

struct prepend_ctx {
	lfh_txn *t;
	const char *peer;
	struct serve_ctx *c;
	size_t n;
	uint64_t lseq[PREPENDED_MAX];
};

/* A key event the peer should have: into the batch ahead of everything else. */
static int prepend_fn(void *vctx, uint64_t lseq, const uint8_t id[LFH_ID_LEN])
{
	struct prepend_ctx *p = vctx;
	lfh_event ev = { 0 };
	const uint8_t *raw;
	size_t len;
	int to_peer;

	if (p->n == PREPENDED_MAX || p->c->w.n + 1 >= p->c->max)
		return 1; /* leave a slot, so that every batch moves the cursor */
	if (lfh_store_get_event(p->t, id, &raw, &len, NULL) || lfh_event_decode(raw, len, &ev, NULL))
		return 0;
	to_peer = lfh_event_find_recipient(&ev, p->peer) >= 0;
	lfh_event_clear(&ev);
	if (!to_peer || lfh_batch_add(&p->c->w, raw, len) != 0)
		return 0;
	p->lseq[p->n++] = lseq;
	return 0;
}

/* serve_one, skipping the key events already prepended. */
static int serve_rest(void *vctx, uint64_t key, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		      size_t len)
{
	struct prepend_ctx *p = vctx;
	for (size_t i = 0; i < p->n; i++)
		if (p->lseq[i] == key) {
			p->c->last = key;
			return 0;
		}
	return serve_one(p->c, key, id, raw, len);
}

int lfh_serve_pull(lfh_node *n, lfh_txn *t, const char *peer, uint64_t after, uint32_t max,
			lfh_buf *out, lfh_err *err)
{
	return lfh_serve_pull_held(n, t, peer, after, max, NULL, 0, out, err);
}

int lfh_serve_pull_held(lfh_node *n, lfh_txn *t, const char *peer, uint64_t after, uint32_t max,
			const lfh_held *held, uint32_t nheld, lfh_buf *out, lfh_err *err)
{
	struct serve_ctx c = { .max = max, .last = after, .peer = peer, .self = n->cfg.agency,
			       .held = held, .nheld = nheld };
	struct prepend_ctx p = { .t = t, .peer = peer, .c = &c };
	int rc;

	lfh_batch_begin(&c.w, LFH_MSG_BATCH);
	c.w.incarnation = n->incarnation; /* the peer pulls again from 0 when it changes */
	rc = lfh_keyring_events_after(t, after, prepend_fn, &p, err);
	if (!rc)
		rc = lfh_store_scan_rcpt(t, peer, after, serve_rest, &p, err);
	if (!rc)
		rc = lfh_batch_finish(&c.w, c.last, c.full, out, err);
	lfh_batch_free(&c.w);
	return rc;
}

int lfh_serve_recover(lfh_node *n, lfh_txn *t, const char *peer, uint64_t from, lfh_buf *out,
		      lfh_err *err)
{
	struct serve_ctx c = { .max = LFH_BATCH_MAX };
	int rc;

	(void)n;
	lfh_batch_begin(&c.w, LFH_MSG_FETCHED);
	rc = lfh_store_scan_author(t, peer, from, serve_one, &c, err);
	if (!rc)
		rc = lfh_batch_finish(&c.w, 0, 0, out, err);
	lfh_batch_free(&c.w);
	return rc;
}

int lfh_serve_fetch(lfh_node *n, lfh_txn *t, const char *peer, const char *author,
			 uint64_t from, uint64_t to, lfh_buf *out, lfh_err *err)
{
	struct serve_ctx c = { .max = LFH_BATCH_MAX };
	int rc;

	(void)n;
	lfh_batch_begin(&c.w, LFH_MSG_FETCHED);
	rc = lfh_store_scan_slots(t, author, peer, from, to, serve_one, &c, err);
	if (!rc)
		rc = lfh_batch_finish(&c.w, 0, 0, out, err);
	lfh_batch_free(&c.w);
	return rc;
}
