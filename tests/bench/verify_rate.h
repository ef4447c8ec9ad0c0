/*
 * verify_rate.h - the benchmark's Ed25519 rates (tests/bench/bench.c, part
 * 3): libsodium's verify (and sign) over a VERIFY_MSG_LEN-byte message for
 * about a second, on one thread and on one thread per online CPU at once
 * (the ceiling of catching up here), measured a few times over the run, the
 * highest counting. Like daemon.h, static functions for bench.c alone.
 */
#ifndef LFH_BENCH_VERIFY_RATE_H
#define LFH_BENCH_VERIFY_RATE_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <sodium.h>

#include "daemon.h"

#define VERIFY_MSG_LEN 700

/* Verifies (or, with sign, signs) a second of one message over and over, on this thread: per second. */
static double ed25519_rate(int sign)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char msg[VERIFY_MSG_LEN], sig[crypto_sign_BYTES];
	uint64_t n = 0;
	double t0, t;
	int bad = 0;

	crypto_sign_keypair(pk, sk);
	randombytes_buf(msg, sizeof msg);
	crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
	t0 = now_s();
	do {
		for (int i = 0; i < 64; i++, n++) {
			if (sign) {
				msg[0] = (unsigned char)n;
				crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
			} else {
				bad |= crypto_sign_verify_detached(sig, msg, sizeof msg, pk);
			}
		}
		t = now_s();
	} while (t - t0 < 1.0);
	sodium_memzero(sk, sizeof sk);
	if (bad)
		fprintf(stderr, "bench: ed25519 verify failed?!\n");
	return (double)n / (t - t0);
}

/* Verify on every online CPU at once (one thread each): the ceiling of catching up on this machine. */
static void *verify_thread(void *arg)
{
	*(double *)arg = ed25519_rate(0);
	return NULL;
}

static double ed25519_rate_all(int *nthreads)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int n = cpus < 1 ? 1 : cpus > 16 ? 16 : (int)cpus;
	pthread_t th[16];
	double rate[16] = { 0 }, sum = 0;
	int started[16] = { 0 };

	for (int i = 1; i < n; i++)
		started[i] = pthread_create(&th[i], NULL, verify_thread, &rate[i]) == 0;
	rate[0] = ed25519_rate(0);
	for (int i = 1; i < n; i++)
		if (started[i])
			pthread_join(th[i], NULL);
	for (int i = 0; i < n; i++)
		sum += rate[i];
	*nthreads = n;
	return sum;
}

/* The verify rates measured so far: the highest of each is the ceiling. */
typedef struct verify_measures {
	double one, all;   /* the highest: one thread, every CPU */
	double alls[12];
	int n, nthreads;
} verify_measures;

static void measure_verify(verify_measures *m)
{
	double one = ed25519_rate(0), all = ed25519_rate_all(&m->nthreads);

	if (one > m->one)
		m->one = one;
	if (all > m->all)
		m->all = all;
	if (m->n < 12)
		m->alls[m->n++] = all;
}

#endif
