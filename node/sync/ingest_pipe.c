/*
 * ingest_pipe.c - the catch-up pipeline of include/lfh/ingest.h: a received
 * batch is decoded and its signatures checked on a persistent worker pool
 * (proto/base/pool.c) while the main thread stores the batch before it;
 * the keyring's and the rules' judgement stay on the main thread, when the
 * batch is stored (node/sync/ingest.c), key events first. Envelopes held
 * already, or in an earlier batch still in the pipeline, cost a lookup.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/ingest.h"
#include "lfh/keyring.h"
#include "lfh/membership.h"
#include "lfh/pool.h"

#include "ingest_int.h"

/*
 * Ids of events submitted and not yet released (a batch in the pipeline):
 * the first 8 bytes of each id, linear probing with backward-shift deletion.
 * A match only means "probably in flight": such an envelope is not checked
 * on the pool, and if it is not in the store when its batch is stored, it is
 * checked there and then, so a collision costs time, never a verdict.
 */
#define INFLIGHT_SLOTS (1u << 17)
#define INFLIGHT_MAX (INFLIGHT_SLOTS / 2)

struct lfh_ingest_pipe {
	lfh_pool *pool;
	uint64_t *slot; /* 0: free */
	size_t used;
};

static uint64_t inflight_key(const uint8_t id[LFH_ID_LEN])
{
	uint64_t k;
	memcpy(&k, id, sizeof k);
	return k ? k : 1;
}

static size_t inflight_home(uint64_t k)
{
	return (size_t)(k ^ (k >> 29)) & (INFLIGHT_SLOTS - 1);
}

static int inflight_has(const lfh_ingest_pipe *pp, uint64_t k)
{
	for (size_t i = inflight_home(k); pp->slot[i]; i = (i + 1) & (INFLIGHT_SLOTS - 1))
		if (pp->slot[i] == k)
			return 1;
	return 0;
}

/* Add k (not present); 0, or -1 if the table is as full as it may be. */
static int inflight_add(lfh_ingest_pipe *pp, uint64_t k)
{
	size_t i = inflight_home(k);

	if (pp->used >= INFLIGHT_MAX)
		return -1;
	while (pp->slot[i])
		i = (i + 1) & (INFLIGHT_SLOTS - 1);
	pp->slot[i] = k;
	pp->used++;
	return 0;
}

static void inflight_del(lfh_ingest_pipe *pp, uint64_t k)
{
	size_t i = inflight_home(k), j;

	while (pp->slot[i] && pp->slot[i] != k)
		i = (i + 1) & (INFLIGHT_SLOTS - 1);
	if (!pp->slot[i])
		return;
	pp->slot[i] = 0;
	pp->used--;
	/* shift back later entries of the run that would no longer be found */
	for (j = (i + 1) & (INFLIGHT_SLOTS - 1); pp->slot[j]; j = (j + 1) & (INFLIGHT_SLOTS - 1)) {
		size_t h = inflight_home(pp->slot[j]);
		if (((j - h) & (INFLIGHT_SLOTS - 1)) >= ((j - i) & (INFLIGHT_SLOTS - 1))) {
			pp->slot[i] = pp->slot[j];
			pp->slot[j] = 0;
			i = j;
		}
	}
}

int lfh_ingest_pipe_new(lfh_ingest_pipe **out, unsigned threads, lfh_err *err)
{
	lfh_ingest_pipe *pp = calloc(1, sizeof *pp);
	int rc;

	if (!pp || !(pp->slot = calloc(INFLIGHT_SLOTS, sizeof *pp->slot))) {
		free(pp);
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	}
	if ((rc = lfh_pool_new(&pp->pool, threads, err))) {
		free(pp->slot);
		free(pp);
		return rc;
	}
	*out = pp;
	return 0;
}

void lfh_ingest_pipe_free(lfh_ingest_pipe *pp)
{
	if (!pp)
		return;
	lfh_pool_free(pp->pool);
	free(pp->slot);
	free(pp);
}

int lfh_ingest_pipe_fd(const lfh_ingest_pipe *pp)
{
	return lfh_pool_fd(pp->pool);
}

void lfh_ingest_pipe_drain(lfh_ingest_pipe *pp)
{
	lfh_pool_drain(pp->pool);
}

/* An envelope's state before it is stored (job->pre). */
enum {
	PRE_CHECK = 0,     /* decode and signature on the pool */
	PRE_HELD = 1,      /* held already: a lookup, not a check */
	PRE_INFLIGHT = 2,  /* the same id is in an earlier batch still in the pipeline */
	PRE_DUP = 3,       /* the same id is earlier in this batch: judged there, dropped here */
};

/* A signature checked on the pool (job->sig). */
enum { SIG_UNCHECKED = 0, SIG_GOOD = 1, SIG_BAD = 2 };

typedef struct sign_key {
	char agency[LFH_AGENCY_MAX + 1];
	uint8_t key_id[LFH_KEYID_LEN];
	uint8_t sign_pk[32];
} sign_key;

struct lfh_ingest_job {
	lfh_pool_job pj;
	const lfh_envelope_ref *in; /* borrowed until lfh_ingest_release */
	size_t count;
	uint8_t (*id)[LFH_ID_LEN]; /* each envelope's id, computed once on submission */
	lfh_event *ev;      /* decoded on the pool */
	int *pre;           /* PRE_* */
	int *dec;           /* decode status */
	lfh_err *derr;      /* decode errors */
	uint8_t *sig;       /* SIG_* */
	size_t *sig_key;    /* index into keys of the key a signature was checked with */
	uint64_t *inflight; /* key registered in the in-flight set, or 0 */
	sign_key *keys;     /* the keyring's signing keys when the batch was submitted */
	size_t nkeys;
};

/*
 * On a pool thread: decode envelope i and check its signature with the key
 * its key id names in the job's copy of the keyring. Touches only the job's
 * slot i and immutable inputs; the keyring's judgement (validity at the
 * event's time, revocation, membership) is made when the batch is stored.
 */
static void check_one(void *ctx, size_t i)
{
	lfh_ingest_job *j = ctx;
	lfh_event *ev = &j->ev[i];
	int rc;

	if (j->pre[i] != PRE_CHECK)
		return;
	if ((j->dec[i] = lfh_event_decode(j->in[i].raw, j->in[i].len, ev, &j->derr[i])))
		return;
	if (ev->type == LFH_EV_CERT)
		return; /* checked against the certificate it carries, when stored */
	for (size_t k = 0; k < j->nkeys; k++) {
		const sign_key *key = &j->keys[k];
		if (strcmp(key->agency, ev->author) != 0 ||
		    sodium_memcmp(key->key_id, ev->key_id, LFH_KEYID_LEN) != 0)
			continue;
		rc = lfh_event_verify(ev, key->sign_pk, NULL);
		if (rc == 0 || rc == LFH_ECRYPTO) {
			j->sig[i] = rc == 0 ? SIG_GOOD : SIG_BAD;
			j->sig_key[i] = k;
		}
		return;
	}
}

void lfh_ingest_release(lfh_ingest_pipe *pp, lfh_ingest_job *j)
{
	if (!j)
		return;
	if (pp && j->pj.count)
		lfh_pool_wait(pp->pool, &j->pj); /* no thread may still be writing into it */
	for (size_t i = 0; i < j->count; i++) {
		if (pp && j->inflight[i])
			inflight_del(pp, j->inflight[i]);
		lfh_event_clear(&j->ev[i]);
	}
	free(j->id);
	free(j->ev);
	free(j->pre);
	free(j->dec);
	free(j->derr);
	free(j->sig);
	free(j->sig_key);
	free(j->inflight);
	free(j->keys);
	free(j);
}

static int copy_keys(const lfh_node *n, lfh_ingest_job *j)
{
	const lfh_keygen *g;
	size_t count = lfh_keyring_all(&n->rules, &g);

	if (!(j->keys = calloc(count ? count : 1, sizeof *j->keys)))
		return -1;
	for (size_t k = 0; k < count; k++) {
		memcpy(j->keys[k].agency, g[k].agency, sizeof j->keys[k].agency);
		memcpy(j->keys[k].key_id, g[k].key_id, LFH_KEYID_LEN);
		memcpy(j->keys[k].sign_pk, g[k].sign_pk, 32);
	}
	j->nkeys = count;
	return 0;
}

/*
 * Is envelope i's id that of an earlier envelope of j? seen is an open
 * addressing table of mask + 1 slots holding index + 1 of each first copy
 * (0: free); i's id is added to it if not. A peer may send one envelope
 * 4096 times in a batch: each copy after the first costs this lookup, not
 * a decoding and a signature check.
 */
static int seen_before(const lfh_ingest_job *j, size_t *seen, size_t mask, size_t i)
{
	size_t h = (size_t)inflight_key(j->id[i]) & mask;

	for (; seen[h]; h = (h + 1) & mask)
		if (memcmp(j->id[seen[h] - 1], j->id[i], LFH_ID_LEN) == 0)
			return 1;
	seen[h] = i + 1;
	return 0;
}

/*
 * Which envelopes need checking: a second copy of an id in this batch is
 * dropped as a duplicate (its first copy is judged); those held here
 * already (t is any transaction) cost a lookup; those in a batch still in
 * the pipeline are left to it. The rest go in the in-flight set.
 */
static int mark_known(lfh_ingest_pipe *pp, lfh_txn *t, lfh_ingest_job *j)
{
	size_t slots = 16, *seen;

	while (slots < 2 * j->count)
		slots *= 2;
	if (!(seen = calloc(slots, sizeof *seen)))
		return -1;
	for (size_t i = 0; i < j->count; i++) {
		uint64_t k;
		lfh_event_id(j->in[i].raw, j->in[i].len, j->id[i]);
		if (seen_before(j, seen, slots - 1, i)) {
			j->pre[i] = PRE_DUP;
			continue;
		}
		if (lfh_store_has_event(t, j->id[i], NULL) == 1) {
			j->pre[i] = PRE_HELD;
			continue;
		}
		if (!pp)
			continue;
		k = inflight_key(j->id[i]);
		if (inflight_has(pp, k))
			j->pre[i] = PRE_INFLIGHT;
		else if (inflight_add(pp, k) == 0)
			j->inflight[i] = k;
	}
	free(seen);
	return 0;
}

int lfh_ingest_submit(lfh_node *n, lfh_ingest_pipe *pp, lfh_txn *t, const lfh_envelope_ref *in,
		      size_t count, lfh_ingest_job **out, lfh_err *err)
{
	lfh_ingest_job *j = calloc(1, sizeof *j);
	size_t c = count ? count : 1;

	*out = NULL;
	if (!j)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	j->in = in;
	j->count = count;
	j->id = calloc(c, sizeof *j->id);
	j->ev = calloc(c, sizeof *j->ev);
	j->pre = calloc(c, sizeof *j->pre);
	j->dec = calloc(c, sizeof *j->dec);
	j->derr = calloc(c, sizeof *j->derr);
	j->sig = calloc(c, sizeof *j->sig);
	j->sig_key = calloc(c, sizeof *j->sig_key);
	j->inflight = calloc(c, sizeof *j->inflight);
	if (!j->id || !j->ev || !j->pre || !j->dec || !j->derr || !j->sig || !j->sig_key || !j->inflight ||
	    copy_keys(n, j)) {
		j->count = 0;
		lfh_ingest_release(NULL, j);
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	}
	if (mark_known(pp, t, j)) {
		lfh_ingest_release(pp, j); /* its ids leave the in-flight set */
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	}
	if (pp)
		lfh_pool_submit(pp->pool, &j->pj, check_one, j, count);
	else
		for (size_t i = 0; i < count; i++)
			check_one(j, i);
	*out = j;
	return 0;
}

int lfh_ingest_ready(lfh_ingest_pipe *pp, lfh_ingest_job *j)
{
	return !pp || lfh_pool_done(pp->pool, &j->pj);
}

static int is_key_event(const lfh_event *ev)
{
	return ev->type == LFH_EV_CERT || ev->type == LFH_EV_REVOKE;
}

/*
 * lfh_ingest_verify for envelope i of j, with the signature's verdict from
 * the pool: the same checks, in the same order, on the keyring as it is
 * when the event is stored.
 */
static int recheck(lfh_node *n, lfh_ingest_job *j, size_t i, const char *from, lfh_err *err)
{
	const lfh_event *ev = &j->ev[i];
	const uint8_t *pk = j->sig[i] ? j->keys[j->sig_key[i]].sign_pk : NULL;

	return lfh_ingest_verify(n, ev, from, pk, j->sig[i] == SIG_GOOD, err);
}

/*
 * Judge and store envelope i of j, as lfh_ingest would: a duplicate is
 * dropped after a lookup; an envelope left to an earlier batch that did not
 * store it is checked here in full.
 */
static int store_one(lfh_node *n, lfh_txn *t, lfh_ingest_job *j, size_t i, const char *from,
		     lfh_ingest_result *res, int *status, lfh_err *errs, lfh_err *err)
{
	const lfh_envelope_ref *in = &j->in[i];
	lfh_event *ev = &j->ev[i];

	memset(res, 0, sizeof *res);
	if (j->pre[i] == PRE_DUP) {
		*status = 0; /* a copy of an earlier envelope of this batch, judged there */
		return 0;
	}
	if (j->pre[i] != PRE_CHECK) {
		int held = lfh_store_has_event(t, j->id[i], err);
		if (held < 0)
			return held;
		if (held) {
			*status = 0; /* a duplicate: dropped, as PROTOCOL.md 7 step 8 says */
			return 0;
		}
		lfh_event_clear(ev);
		*status = lfh_ingest_check(n, in->raw, in->len, from, ev, errs);
	} else if (j->dec[i]) {
		*status = j->dec[i];
		*errs = j->derr[i];
	} else {
		*status = recheck(n, j, i, from, errs);
	}
	if (*status == 0) {
		*status = lfh_ingest_store_checked(n, t, in->raw, in->len, j->id[i], ev, res, errs);
		if (*status == LFH_ESTORE || *status == LFH_ENOMEM)
			return lfh_err_set(err, *status, "%s", errs->msg);
	}
	return 0;
}

int lfh_ingest_store(lfh_node *n, lfh_ingest_pipe *pp, lfh_txn *t, lfh_ingest_job *j,
		     const char *from, lfh_ingest_result *res, int *status, lfh_err *errs,
		     lfh_err *err)
{
	int rc = 0;

	if (pp)
		lfh_pool_wait(pp->pool, &j->pj);
	/* Key events first: a revocation or certificate governs the rest of the batch. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; rc == 0 && i < j->count; i++)
			if (is_key_event(&j->ev[i]) == (pass == 0))
				rc = store_one(n, t, j, i, from, &res[i], &status[i], &errs[i], err);
	return rc;
}

int lfh_ingest_batch(lfh_node *n, lfh_txn *t, const lfh_envelope_ref *in, size_t count,
			  const char *from, lfh_ingest_result *res, int *status, lfh_err *errs,
			  lfh_err *err)
{
	lfh_ingest_job *j = NULL;
	int rc = lfh_ingest_submit(n, NULL, t, in, count, &j, err);

	if (!rc)
		rc = lfh_ingest_store(n, NULL, t, j, from, res, status, errs, err);
	lfh_ingest_release(NULL, j);
	return rc;
}

