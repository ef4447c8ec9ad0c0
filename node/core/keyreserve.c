/*
 * keyreserve.c - new sharing keys with their grants sealed ahead of need on
 * a worker thread (include/lfh/keyreserve.h).
 *
 * Two batches, double-buffered: the main thread hands out the entries of
 * one while a pool job prepares the other. A batch is EMPTY, PREPARING (its
 * job may be running: the main thread does not touch its entries, the job
 * writes only entry i for index i and reads only the batch's copy of the
 * recipient set) or READY (job known done: the main thread hands out its
 * entries in order). Nothing ever waits for a job on the write path: with no
 * READY entry, the key is made and sealed inline as before.
 *
 * Taking an entry moves it into the current key (secure memory) and wipes
 * it from its batch; the current key's grants are handed out once each, and
 * the current key is wiped by the next take, lfh_keyreserve_forget or free.
 * The keys of a batch live in sodium_malloc'd memory (guarded, locked,
 * wiped by sodium_free); the sealed grants are wiped too though they are
 * published anyway.
 *
 * When to prepare: only while new keys come fast (opts.start_after keys in
 * a row, each within opts.gap_ms of the one before); a slower key only uses
 * what is ready, and lfh_keyreserve_idle drops what is left after
 * opts.idle_ms without a key, so an idle node holds no prepared keys.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "lfh/keyreserve.h"
#include "lfh/metrics.h"
#include "lfh/pool.h"

#define AMAX LFH_KEYRESERVE_AGENCIES_MAX

enum { B_EMPTY, B_PREPARING, B_READY };

typedef struct batch {
	int state;
	size_t count; /* entries in this round */
	size_t next;  /* READY: first entry not handed out */
	size_t npk;   /* the recipient set prepared for */
	uint8_t pks[AMAX][32];
	uint8_t *keys;                     /* sodium_malloc: cap * LFH_KEY_LEN */
	uint8_t (*sealed)[LFH_SEALED_LEN]; /* cap * AMAX, entry i's grant j at i * AMAX + j */
	uint8_t *ok;                       /* cap * AMAX: that grant was sealed */
	lfh_pool_job job;
} batch;

/* The key handed out last, and what it was sealed to (sodium_malloc). */
typedef struct current {
	uint8_t key[LFH_KEY_LEN];
	int valid;
	size_t npk;
	uint8_t pks[AMAX][32];
	uint8_t sealed[AMAX][LFH_SEALED_LEN];
	uint8_t avail[AMAX];   /* prepared grant j not handed out yet */
	size_t nseen;          /* the box_pks this key was sealed to: the next set */
	uint8_t seen[AMAX][32];
} current;

struct lfh_keyreserve {
	lfh_keyreserve_opts o;
	lfh_pool *pool;
	batch b[2];
	size_t use;            /* the batch handed out from first */
	current *cur;
	size_t nwant;          /* the recipient set to prepare for */
	uint8_t want[AMAX][32];
	uint64_t last_ms;      /* when the last key was taken (monotonic), 0: never */
	unsigned run;          /* keys in a row each within gap_ms of the one before */
	lfh_keyreserve_stats st;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + 1; /* never 0 */
}

/* On a pool thread: entry i of batch ctx, a new key sealed to each agency of the batch's set. */
static void prepare_one(void *ctx, size_t i)
{
	batch *b = ctx;
	uint8_t *key = b->keys + i * LFH_KEY_LEN;

	lfh_sharing_key_new(key);
	for (size_t j = 0; j < b->npk; j++)
		b->ok[i * AMAX + j] = lfh_key_seal(key, b->pks[j], b->sealed[i * AMAX + j], NULL) == 0;
}

static int batch_alloc(batch *b, size_t cap)
{
	b->keys = sodium_malloc(cap * LFH_KEY_LEN);
	b->sealed = calloc(cap * AMAX, sizeof *b->sealed);
	b->ok = calloc(cap * AMAX, 1);
	return b->keys && b->sealed && b->ok ? 0 : LFH_ENOMEM;
}

/* Wipe every entry of b (not PREPARING) and mark it EMPTY. */
static void batch_wipe(batch *b, size_t cap)
{
	if (b->keys)
		sodium_memzero(b->keys, cap * LFH_KEY_LEN);
	if (b->sealed)
		sodium_memzero(b->sealed, cap * AMAX * sizeof *b->sealed);
	if (b->ok)
		memset(b->ok, 0, cap * AMAX);
	b->state = B_EMPTY;
	b->count = b->next = 0;
}

int lfh_keyreserve_new(lfh_keyreserve **out, const lfh_keyreserve_opts *opts, lfh_err *err)
{
	lfh_keyreserve *r;
	int rc;

	*out = NULL;
	if (sodium_init() < 0)
		return lfh_err_set(err, LFH_ECRYPTO, "libsodium failed to initialise");
	if (!(r = calloc(1, sizeof *r)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	r->o = opts ? *opts : LFH_KEYRESERVE_OPTS_DEFAULT;
	if (!r->o.threads)
		r->o.threads = 1;
	if (!r->o.batch)
		r->o.batch = 64;
	if (r->o.batch > LFH_KEYRESERVE_BATCH_MAX)
		r->o.batch = LFH_KEYRESERVE_BATCH_MAX;
	rc = (r->cur = sodium_malloc(sizeof *r->cur)) ? 0 : LFH_ENOMEM;
	for (int i = 0; rc == 0 && i < 2; i++)
		rc = batch_alloc(&r->b[i], r->o.batch);
	if (rc) {
		lfh_keyreserve_free(r);
		return lfh_err_set(err, LFH_ENOMEM, "out of memory (key reserve)");
	}
	sodium_memzero(r->cur, sizeof *r->cur);
	for (int i = 0; i < 2; i++)
		batch_wipe(&r->b[i], r->o.batch);
	if ((rc = lfh_pool_new(&r->pool, r->o.threads, err))) {
		lfh_keyreserve_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void lfh_keyreserve_free(lfh_keyreserve *r)
{
	if (!r)
		return;
	lfh_pool_free(r->pool); /* joins the workers: no job runs past here */
	for (int i = 0; i < 2; i++) {
		batch *b = &r->b[i];
		batch_wipe(b, r->o.batch);
		sodium_free(b->keys);
		free(b->sealed);
		free(b->ok);
	}
	sodium_free(r->cur); /* NULL is fine; sodium_free wipes */
	free(r);
}

/* The current key's recipient set becomes the one to prepare for; wipe it. */
void lfh_keyreserve_forget(lfh_keyreserve *r)
{
	current *c;

	if (!r || !r->cur->valid)
		return;
	c = r->cur;
	if (c->nseen) {
		r->nwant = c->nseen;
		memcpy(r->want, c->seen, c->nseen * sizeof c->seen[0]);
	}
	sodium_memzero(c, sizeof *c);
}

/* b was prepared for the set wanted now (it changes when an agency's box_pk rotates). */
static int batch_for_want(const lfh_keyreserve *r, const batch *b)
{
	return b->npk == r->nwant && memcmp(b->pks, r->want, r->nwant * sizeof r->want[0]) == 0;
}

/*
 * A batch with an entry to hand out, its job seen done first; NULL if none.
 * One prepared for the set wanted now comes before one prepared for an older
 * set, whose grants to a rotated agency would be sealed again inline.
 */
static batch *ready_batch(lfh_keyreserve *r)
{
	batch *older = NULL;
	size_t older_at = 0;

	for (size_t k = 0; k < 2; k++) {
		size_t at = (r->use + k) % 2;
		batch *b = &r->b[at];
		if (b->state == B_PREPARING && lfh_pool_done(r->pool, &b->job)) {
			b->state = B_READY;
			b->next = 0;
		}
		if (b->state != B_READY || b->next >= b->count)
			continue;
		if (batch_for_want(r, b)) {
			r->use = at;
			return b;
		}
		if (!older) {
			older = b;
			older_at = at;
		}
	}
	if (older)
		r->use = older_at;
	return older;
}

/* Move b's next entry into the current key, wiping it from b. */
static void take_entry(lfh_keyreserve *r, batch *b)
{
	current *c = r->cur;
	size_t i = b->next++;

	memcpy(c->key, b->keys + i * LFH_KEY_LEN, LFH_KEY_LEN);
	sodium_memzero(b->keys + i * LFH_KEY_LEN, LFH_KEY_LEN);
	c->npk = b->npk;
	for (size_t j = 0; j < b->npk; j++) {
		memcpy(c->pks[j], b->pks[j], 32);
		memcpy(c->sealed[j], b->sealed[i * AMAX + j], LFH_SEALED_LEN);
		c->avail[j] = b->ok[i * AMAX + j];
		sodium_memzero(b->sealed[i * AMAX + j], LFH_SEALED_LEN);
		b->ok[i * AMAX + j] = 0;
	}
	if (b->next == b->count)
		batch_wipe(b, r->o.batch);
}

/* While keys come fast and a set is known: prepare every EMPTY batch for it. */
static void refill(lfh_keyreserve *r)
{
	if (r->run < r->o.start_after || !r->nwant)
		return;
	for (size_t k = 0; k < 2; k++) {
		batch *b = &r->b[k];
		if (b->state != B_EMPTY)
			continue;
		b->npk = r->nwant;
		memcpy(b->pks, r->want, r->nwant * sizeof r->want[0]);
		b->count = r->o.batch;
		b->next = 0;
		b->state = B_PREPARING;
		lfh_pool_submit(r->pool, &b->job, prepare_one, b, b->count);
	}
}

int lfh_keyreserve_key(lfh_keyreserve *r, uint8_t key[LFH_KEY_LEN])
{
	uint64_t now;
	batch *b;

	if (!r) {
		lfh_sharing_key_new(key);
		return 0;
	}
	lfh_keyreserve_forget(r);
	now = mono_ms();
	r->run = r->last_ms && now - r->last_ms <= r->o.gap_ms ? r->run + 1 : 1;
	r->last_ms = now;
	if ((b = ready_batch(r))) {
		take_entry(r, b);
		r->st.keys_prepared++;
		lfh_metrics_add(LFH_M_KEYS_RESERVED, 1);
	} else {
		lfh_sharing_key_new(r->cur->key);
		r->st.keys_fresh++;
	}
	r->cur->valid = 1;
	memcpy(key, r->cur->key, LFH_KEY_LEN);
	refill(r);
	return b != NULL;
}

/* Remember box_pk as one the current key is sealed to (the set to prepare for next). */
static void note_seen(current *c, const uint8_t box_pk[32])
{
	for (size_t j = 0; j < c->nseen; j++)
		if (memcmp(c->seen[j], box_pk, 32) == 0)
			return;
	if (c->nseen < AMAX)
		memcpy(c->seen[c->nseen++], box_pk, 32);
}

int lfh_keyreserve_seal(lfh_keyreserve *r, const uint8_t key[LFH_KEY_LEN], const uint8_t box_pk[32],
			uint8_t sealed[LFH_SEALED_LEN], lfh_err *err)
{
	current *c;

	if (!r || !key || !box_pk || !r->cur->valid || sodium_memcmp(r->cur->key, key, LFH_KEY_LEN))
		return lfh_key_seal(key, box_pk, sealed, err);
	c = r->cur;
	note_seen(c, box_pk);
	for (size_t j = 0; j < c->npk; j++) {
		if (!c->avail[j] || memcmp(c->pks[j], box_pk, 32) != 0)
			continue;
		memcpy(sealed, c->sealed[j], LFH_SEALED_LEN);
		sodium_memzero(c->sealed[j], LFH_SEALED_LEN);
		c->avail[j] = 0;
		r->st.grants_prepared++;
		lfh_metrics_add(LFH_M_GRANTS_RESERVED, 1);
		return 0;
	}
	r->st.grants_inline++;
	return lfh_key_seal(key, box_pk, sealed, err);
}

void lfh_keyreserve_wait(lfh_keyreserve *r)
{
	if (!r)
		return;
	for (size_t k = 0; k < 2; k++)
		if (r->b[k].state == B_PREPARING)
			lfh_pool_wait(r->pool, &r->b[k].job);
}

void lfh_keyreserve_drop(lfh_keyreserve *r)
{
	if (!r)
		return;
	lfh_keyreserve_wait(r);
	for (size_t k = 0; k < 2; k++)
		batch_wipe(&r->b[k], r->o.batch);
	r->run = 0;
}

void lfh_keyreserve_idle(lfh_keyreserve *r)
{
	if (!r || !r->last_ms || mono_ms() - r->last_ms < r->o.idle_ms)
		return;
	if (r->b[0].state != B_EMPTY || r->b[1].state != B_EMPTY)
		lfh_keyreserve_drop(r);
}

void lfh_keyreserve_stats_get(lfh_keyreserve *r, lfh_keyreserve_stats *s)
{
	*s = (lfh_keyreserve_stats){ 0 };
	if (!r)
		return;
	*s = r->st;
	for (size_t k = 0; k < 2; k++) {
		batch *b = &r->b[k];
		if (b->state == B_PREPARING && lfh_pool_done(r->pool, &b->job)) {
			b->state = B_READY;
			b->next = 0;
		}
		if (b->state == B_READY)
			s->ready += b->count - b->next;
	}
}
