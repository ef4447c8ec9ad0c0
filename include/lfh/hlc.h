/*
 * hlc.h - hybrid logical clock: 48 bits of milliseconds since the Unix
 * epoch, then 16 bits of logical counter. Monotonic per node, and never
 * behind any timestamp the node has received.
 */
#ifndef LFH_HLC_H
#define LFH_HLC_H

#include <stdint.h>

/* Wall-clock milliseconds; tests may override via lfh_hlc_set_clock. */
uint64_t lfh_wall_ms(void);
void lfh_hlc_set_clock(uint64_t (*fn)(void));

/* Next timestamp for a local event, given the last one issued or seen. */
uint64_t lfh_hlc_next(uint64_t last);

/*
 * The clock retention decisions use: wall time, unless the environment
 * variable LFH_TEST_CLOCK_FILE names a file holding a time in milliseconds
 * since the epoch (re-read at every call), so that tests move time forward
 * without sleeping. Never set it in production.
 */
uint64_t lfh_retention_now(void);

/* Milliseconds part. */
static inline uint64_t lfh_hlc_ms(uint64_t hlc) { return hlc >> 16; }

#endif
