/*
 * keyreserve.h - a reserve of new sharing keys prepared ahead of need, with
 * their grants already sealed, by a worker thread (node/core/keyreserve.c).
 *
 * Sealing a new key to each recipient and to ourselves (crypto_box_seal,
 * PROTOCOL.md 6.4) is most of what a burst of new cases costs the main
 * thread. While keys are being created fast, the reserve keeps up to two
 * batches of entries {random key, and for each agency of a recipient set its
 * box_pk and the key sealed to it}, computed by a pool job (pool.h) while
 * the main thread works. The recipient set prepared for is the one the last
 * new key was sealed to. Nothing observable changes: a prepared grant is
 * the same crypto_box_seal of the same key to the same public key.
 *
 * The writer (write.c) takes a new key with lfh_keyreserve_key and seals it
 * with lfh_keyreserve_seal: that hands out the prepared grant when the key is
 * the one just taken and one was prepared for exactly this box_pk (compared
 * byte for byte: a rotated or changed key is sealed inline), else seals
 * inline (lfh_key_seal). Each prepared key and grant is handed out once and
 * wiped from the reserve when handed out, dropped or freed.
 *
 * Main thread only: none of these functions is thread-safe; the worker
 * thread only ever writes the entries of a batch whose job is running, and
 * the main thread reads a batch only once its job is done.
 */
#ifndef LFH_KEYRESERVE_H
#define LFH_KEYRESERVE_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/sharing.h"

/* At most this many agencies (recipients and ourselves) are prepared for; more are sealed inline. */
#define LFH_KEYRESERVE_AGENCIES_MAX 8
/* At most this many entries per batch (there are two). */
#define LFH_KEYRESERVE_BATCH_MAX 128

typedef struct lfh_keyreserve lfh_keyreserve;

typedef struct lfh_keyreserve_opts {
	unsigned threads;     /* worker threads (0: 1) */
	size_t batch;         /* entries per batch (0: 64; at most LFH_KEYRESERVE_BATCH_MAX) */
	unsigned start_after; /* prepare once this many keys came each within gap_ms of the last */
	unsigned gap_ms;      /* (0 for start_after: from the first key) */
	unsigned idle_ms;     /* lfh_keyreserve_idle: no new key for this long drops the reserve */
} lfh_keyreserve_opts;

/* What the node uses: 1 thread, batches of 64, start after 8 keys 1 s apart at most, idle 5 s. */
#define LFH_KEYRESERVE_OPTS_DEFAULT \
	((lfh_keyreserve_opts){ .threads = 1, .batch = 64, .start_after = 8, .gap_ms = 1000, \
				.idle_ms = 5000 })

typedef struct lfh_keyreserve_stats {
	uint64_t keys_prepared; /* keys handed out from the reserve */
	uint64_t keys_fresh;    /* keys made on the spot (none ready) */
	uint64_t grants_prepared; /* grants handed out from the reserve */
	uint64_t grants_inline;   /* grants sealed on the spot */
	size_t ready;             /* entries ready now (batches whose job is known done) */
} lfh_keyreserve_stats;

/* A reserve with its own worker pool. opts NULL: LFH_KEYRESERVE_OPTS_DEFAULT. */
int lfh_keyreserve_new(lfh_keyreserve **out, const lfh_keyreserve_opts *opts, lfh_err *err);
/* Stop the workers, wipe every key and free. NULL is fine. */
void lfh_keyreserve_free(lfh_keyreserve *r);

/*
 * A new sharing key into key: a prepared one if one is ready, else fresh
 * random bytes (r NULL: always). It becomes the current key (replacing and
 * wiping the one before) until lfh_keyreserve_forget; refills the reserve
 * if keys come fast enough. Returns 1 for a prepared key, 0 for a fresh one.
 */
int lfh_keyreserve_key(lfh_keyreserve *r, uint8_t key[LFH_KEY_LEN]);

/*
 * Seal key to box_pk into sealed (LFH_SEALED_LEN bytes): the grant prepared
 * for it if key is the current key and its entry has one for these exact
 * 32 bytes not yet handed out, else lfh_key_seal (its errors). Every seal of
 * the current key also tells the reserve the recipient set to prepare for.
 */
int lfh_keyreserve_seal(lfh_keyreserve *r, const uint8_t key[LFH_KEY_LEN], const uint8_t box_pk[32],
			uint8_t sealed[LFH_SEALED_LEN], lfh_err *err);

/* Wipe the current key (end of the write that took it). NULL is fine. */
void lfh_keyreserve_forget(lfh_keyreserve *r);

/* Call now and then: no new key for opts.idle_ms drops (wipes) every prepared entry. */
void lfh_keyreserve_idle(lfh_keyreserve *r);

/* Wait for any batch being prepared (tests; lfh_keyreserve_drop uses it). */
void lfh_keyreserve_wait(lfh_keyreserve *r);

/* Wipe every prepared entry and stop preparing until keys come fast again. */
void lfh_keyreserve_drop(lfh_keyreserve *r);

void lfh_keyreserve_stats_get(lfh_keyreserve *r, lfh_keyreserve_stats *s);

#endif
