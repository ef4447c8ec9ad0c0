/*
 * pool.h - a persistent pool of worker threads for CPU work (proto/base/pool.c):
 * a job is fn(ctx, i) for i in [0, count), shared out in chunks to the
 * workers, oldest job first. The thread that submits jobs may help with one
 * (lfh_pool_wait) and learns of finished jobs through a file descriptor it
 * can poll (lfh_pool_fd), so an event loop never blocks on the pool.
 *
 * Threads only compute: fn must not touch what the submitting thread may
 * change while the job runs (no store, no keyring); each i writes only its
 * own outputs.
 */
#ifndef LFH_POOL_H
#define LFH_POOL_H

#include <stddef.h>

#include "lfh/err.h"

typedef struct lfh_pool lfh_pool;

typedef void (*lfh_pool_fn)(void *ctx, size_t i);

/* One job; the caller owns it (zeroed or set by lfh_pool_submit) until it is done. */
typedef struct lfh_pool_job {
	lfh_pool_fn fn;
	void *ctx;
	size_t count;
	size_t next;          /* first index not yet claimed (under the pool's lock) */
	size_t done;          /* indexes finished (under the pool's lock) */
	struct lfh_pool_job *link; /* queue of jobs with unclaimed work */
} lfh_pool_job;

/* threads == 0: one per online CPU (at most 8). */
int lfh_pool_new(lfh_pool **out, unsigned threads, lfh_err *err);
/* Stop the workers (after they finish what they claimed) and free the pool. NULL is fine. */
void lfh_pool_free(lfh_pool *p);
unsigned lfh_pool_threads(const lfh_pool *p);

/* Queue fn(ctx, i) for i in [0, count). j must stay valid until done. */
void lfh_pool_submit(lfh_pool *p, lfh_pool_job *j, lfh_pool_fn fn, void *ctx, size_t count);
/* 1 once every index of j has run. */
int lfh_pool_done(lfh_pool *p, lfh_pool_job *j);
/* Run j's unclaimed indexes on this thread too, then wait until j is done. */
void lfh_pool_wait(lfh_pool *p, lfh_pool_job *j);

/*
 * Readable whenever a job finished since the last lfh_pool_drain: for
 * zmq_poll or poll(2). Drain it before looking at which jobs are done.
 */
int lfh_pool_fd(const lfh_pool *p);
void lfh_pool_drain(lfh_pool *p);

#endif
