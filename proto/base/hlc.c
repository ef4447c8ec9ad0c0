/*
 * hlc.c - hybrid logical clock (see include/lfh/hlc.h).
 *
 * Timestamps are (ms << 16 | logical). A node's clock never goes backwards
 * and never falls behind a timestamp it has received, so causally later
 * events always sort later even across machines with skewed clocks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lfh/hlc.h"

static uint64_t system_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t (*clock_fn)(void) = system_ms;

uint64_t lfh_wall_ms(void)
{
	return clock_fn();
}

void lfh_hlc_set_clock(uint64_t (*fn)(void))
{
	clock_fn = fn ? fn : system_ms;
}

uint64_t lfh_hlc_next(uint64_t last)
{
	uint64_t now = (lfh_wall_ms() & 0xffffffffffffULL) << 16;
	return now > last ? now : last + 1;
}

uint64_t lfh_retention_now(void)
{
	const char *path = getenv("LFH_TEST_CLOCK_FILE");
	unsigned long long ms = 0;
	FILE *f;

	if (!path || !*path || !(f = fopen(path, "r")))
		return lfh_wall_ms();
	if (fscanf(f, "%llu", &ms) != 1)
		ms = 0;
	fclose(f);
	return ms ? (uint64_t)ms : lfh_wall_ms();
}
