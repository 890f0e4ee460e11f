/*
 * Exponential back-off with jitter, and the process's small random number
 * generator (not for secrets: only for spreading retries apart).
 */
#ifndef PCA_CORE_BACKOFF_H
#define PCA_CORE_BACKOFF_H

#include <stdint.h>

/* Seeds the generator; tests pass a fixed seed for repeatable jitter. */
void backoff_seed(uint64_t seed);
/* A uniformly distributed number in [0, n), or 0 when n is 0. */
uint64_t backoff_rand(uint64_t n);

/*
 * The delay before retry number attempt (0 for the first retry): base doubled
 * per attempt up to cap, then jittered. With full jitter the delay is uniform
 * in [0, d] (AWS's recommendation for many clients competing for one quota);
 * otherwise it is uniform in [d/2, d], which keeps a floor under the delay.
 */
uint64_t backoff_delay(uint64_t base_ms, uint64_t cap_ms, unsigned attempt, int full_jitter);

#endif
