/*
 * test_pool.c - the persistent worker pool (proto/base/pool.c): every index
 * of every job runs exactly once, jobs finish in any number, the submitting
 * thread can help and wait, and the pool's fd says when a job finished.
 */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lfh/pool.h"

#define N 5000

typedef struct counts {
	int ran[N];
} counts;

static void bump(void *ctx, size_t i)
{
	counts *c = ctx;
	c->ran[i]++; /* each index belongs to one thread: no race */
}

static void each_once(const counts *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (c->ran[i] != 1)
			fail_msg("index %zu ran %d times", i, c->ran[i]);
}

static void run_jobs(unsigned threads)
{
	lfh_pool *p = NULL;
	lfh_err err = { 0 };
	lfh_pool_job j[3];
	counts *c = calloc(3, sizeof *c);

	assert_non_null(c);
	assert_int_equal(lfh_pool_new(&p, threads, &err), 0);
	assert_int_equal(lfh_pool_threads(p), threads);
	lfh_pool_submit(p, &j[0], bump, &c[0], N);
	lfh_pool_submit(p, &j[1], bump, &c[1], 7);
	lfh_pool_submit(p, &j[2], bump, &c[2], N);
	lfh_pool_wait(p, &j[2]); /* the newest first: this thread helps */
	assert_true(lfh_pool_done(p, &j[2]));
	lfh_pool_wait(p, &j[0]);
	lfh_pool_wait(p, &j[1]);
	each_once(&c[0], N);
	each_once(&c[1], 7);
	each_once(&c[2], N);
	lfh_pool_free(p);
	free(c);
}

static void test_every_index_once(void **state)
{
	(void)state;
	run_jobs(2);
	run_jobs(8);
}

static void test_one_thread_and_the_waiter(void **state)
{
	(void)state;
	run_jobs(0 + 1);
}

static void test_fd_readable_when_done(void **state)
{
	lfh_pool *p = NULL;
	lfh_err err = { 0 };
	lfh_pool_job j;
	counts *c = calloc(1, sizeof *c);
	struct pollfd pfd;

	(void)state;
	assert_non_null(c);
	assert_int_equal(lfh_pool_new(&p, 2, &err), 0);
	pfd = (struct pollfd){ .fd = lfh_pool_fd(p), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 0), 0);
	lfh_pool_submit(p, &j, bump, c, N);
	/* bounded: the workers finish N tiny calls long before 10 s */
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	lfh_pool_wait(p, &j); /* returns at once: done */
	assert_true(lfh_pool_done(p, &j));
	lfh_pool_drain(p);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	each_once(c, N);
	lfh_pool_submit(p, &j, bump, c, 0); /* empty: done at once */
	assert_true(lfh_pool_done(p, &j));
	lfh_pool_free(p);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_index_once),
		cmocka_unit_test(test_one_thread_and_the_waiter),
		cmocka_unit_test(test_fd_readable_when_done),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
