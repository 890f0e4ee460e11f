/*
 * Back-off delays. The generator is xorshift64*, seeded from the clock at
 * start-up unless a test seeds it.
 */
#include <time.h>

#include "core/backoff.h"

static uint64_t backoff_state;

void
backoff_seed(uint64_t seed)
{
	backoff_state = seed == 0 ? 0x9e3779b97f4a7c15ULL : seed;
}

uint64_t
backoff_rand(uint64_t n)
{
	struct timespec ts;
	uint64_t x;

	if (n == 0)
		return 0;
	if (backoff_state == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		backoff_seed((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20));
	}
	x = backoff_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	backoff_state = x;
	return (x * 0x2545f4914f6cdd1dULL) % n;
}

uint64_t
backoff_delay(uint64_t base_ms, uint64_t cap_ms, unsigned attempt, int full_jitter)
{
	uint64_t d = base_ms;

	while (attempt-- > 0 && d < cap_ms)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	if (full_jitter)
		return backoff_rand(d + 1);
	return d - backoff_rand(d / 2 + 1);
}
