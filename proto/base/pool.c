/*
 * pool.c - persistent worker threads (include/lfh/pool.h).
 *
 * One mutex guards the queue and every job's next/done counters; a worker
 * claims POOL_CHUNK indexes of the oldest job at a time and runs them
 * unlocked. When a job's last index finishes, waiters are woken (condition
 * variable) and one byte is written to a pipe, so an event loop polling
 * lfh_pool_fd wakes up; the pipe is non-blocking and a full pipe is fine
 * (it is readable already).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lfh/pool.h"

#define POOL_THREADS_MAX 8
#define POOL_CHUNK 32

struct lfh_pool {
	pthread_mutex_t mu;
	pthread_cond_t work;  /* a job was queued, or stopping */
	pthread_cond_t done;  /* a job finished */
	lfh_pool_job *head, *tail;
	int stopping;
	int fds[2];
	unsigned nthreads;
	pthread_t th[POOL_THREADS_MAX];
};

/* Claim up to POOL_CHUNK indexes of the first queued job (lock held); NULL if none. */
static lfh_pool_job *claim(lfh_pool *p, size_t *begin, size_t *end)
{
	lfh_pool_job *j = p->head;

	if (!j)
		return NULL;
	*begin = j->next;
	*end = j->count - j->next > POOL_CHUNK ? j->next + POOL_CHUNK : j->count;
	j->next = *end;
	if (j->next == j->count) { /* fully claimed: off the queue */
		p->head = j->link;
		if (!p->head)
			p->tail = NULL;
		j->link = NULL;
	}
	return j;
}

/* Record that [begin, end) of j ran (lock held); wake whoever waits for it. */
static void finish(lfh_pool *p, lfh_pool_job *j, size_t n)
{
	j->done += n;
	if (j->done == j->count) {
		char one = 1;
		pthread_cond_broadcast(&p->done);
		if (write(p->fds[1], &one, 1) < 0 && errno != EAGAIN)
			(void)0; /* nothing to do: the waiters were woken */
	}
}

static void run(lfh_pool_job *j, size_t begin, size_t end)
{
	for (size_t i = begin; i < end; i++)
		j->fn(j->ctx, i);
}

static void *worker(void *arg)
{
	lfh_pool *p = arg;
	size_t begin = 0, end = 0;
	lfh_pool_job *j;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stopping && !p->head)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stopping)
			break;
		j = claim(p, &begin, &end);
		pthread_mutex_unlock(&p->mu);
		run(j, begin, end);
		pthread_mutex_lock(&p->mu);
		finish(p, j, end - begin);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static unsigned default_threads(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		return 1;
	return cpus > POOL_THREADS_MAX ? POOL_THREADS_MAX : (unsigned)cpus;
}

int lfh_pool_new(lfh_pool **out, unsigned threads, lfh_err *err)
{
	lfh_pool *p = calloc(1, sizeof *p);

	if (!p)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	if (pipe(p->fds) != 0) {
		free(p);
		return lfh_err_set(err, LFH_EIO, "worker pool: pipe: %s", strerror(errno));
	}
	for (int i = 0; i < 2; i++) {
		fcntl(p->fds[i], F_SETFL, fcntl(p->fds[i], F_GETFL) | O_NONBLOCK);
		fcntl(p->fds[i], F_SETFD, FD_CLOEXEC);
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	if (!threads)
		threads = default_threads();
	if (threads > POOL_THREADS_MAX)
		threads = POOL_THREADS_MAX;
	for (unsigned i = 0; i < threads; i++)
		if (pthread_create(&p->th[p->nthreads], NULL, worker, p) == 0)
			p->nthreads++;
	/* no thread at all still works: lfh_pool_wait runs every index itself */
	*out = p;
	return 0;
}

void lfh_pool_free(lfh_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->th[i], NULL);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
	close(p->fds[0]);
	close(p->fds[1]);
	free(p);
}

unsigned lfh_pool_threads(const lfh_pool *p)
{
	return p->nthreads;
}

void lfh_pool_submit(lfh_pool *p, lfh_pool_job *j, lfh_pool_fn fn, void *ctx, size_t count)
{
	*j = (lfh_pool_job){ .fn = fn, .ctx = ctx, .count = count };
	if (!count)
		return;
	pthread_mutex_lock(&p->mu);
	if (p->tail)
		p->tail->link = j;
	else
		p->head = j;
	p->tail = j;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
}

int lfh_pool_done(lfh_pool *p, lfh_pool_job *j)
{
	int done;

	pthread_mutex_lock(&p->mu);
	done = j->done == j->count;
	pthread_mutex_unlock(&p->mu);
	return done;
}

/* Take j off the queue (lock held): this thread claims all that is left of it. */
static void unqueue(lfh_pool *p, lfh_pool_job *j)
{
	lfh_pool_job **pp = &p->head, *prev = NULL;

	while (*pp && *pp != j) {
		prev = *pp;
		pp = &(*pp)->link;
	}
	if (!*pp)
		return;
	*pp = j->link;
	if (p->tail == j)
		p->tail = prev;
	j->link = NULL;
}

void lfh_pool_wait(lfh_pool *p, lfh_pool_job *j)
{
	pthread_mutex_lock(&p->mu);
	while (j->next < j->count) {
		size_t begin = j->next;
		size_t end = j->count - begin > POOL_CHUNK ? begin + POOL_CHUNK : j->count;
		j->next = end;
		if (end == j->count)
			unqueue(p, j);
		pthread_mutex_unlock(&p->mu);
		run(j, begin, end);
		pthread_mutex_lock(&p->mu);
		finish(p, j, end - begin);
	}
	while (j->done < j->count)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

int lfh_pool_fd(const lfh_pool *p)
{
	return p->fds[0];
}

void lfh_pool_drain(lfh_pool *p)
{
	char buf[64];
	while (read(p->fds[0], buf, sizeof buf) > 0)
		;
}
