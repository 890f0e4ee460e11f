/*
 * The clock, with a switch for tests to substitute their own.
 */
#include <stddef.h>
#include <time.h>

#include "core/clock.h"

static const uint64_t *clock_fake_mono;
static const int64_t *clock_fake_wall;

uint64_t
clock_mono_ms(void)
{
	struct timespec ts;

	if (clock_fake_mono != NULL)
		return *clock_fake_mono;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int64_t
clock_wall_ms(void)
{
	struct timespec ts;

	if (clock_fake_wall != NULL)
		return *clock_fake_wall;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
clock_set_fake(const uint64_t *mono, const int64_t *wall)
{
	clock_fake_mono = mono;
	clock_fake_wall = wall;
}
