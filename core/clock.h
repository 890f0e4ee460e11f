/*
 * Time, read through one place so that tests can drive it. Monotonic time is
 * for timers, back-off and rate limits; wall time is for timestamps written
 * to the API (conditions, failureTime) and for certificate validity.
 */
#ifndef PCA_CORE_CLOCK_H
#define PCA_CORE_CLOCK_H

#include <stdint.h>

/* Milliseconds on a monotonic clock with an arbitrary origin. */
uint64_t clock_mono_ms(void);
/* Milliseconds since the Unix epoch. */
int64_t clock_wall_ms(void);

/*
 * Tests only: from now on clock_mono_ms() returns *mono and clock_wall_ms()
 * returns *wall (either may be NULL to keep the real clock). The pointers are
 * borrowed and must stay valid until clock_set_fake(NULL, NULL).
 */
void clock_set_fake(const uint64_t *mono, const int64_t *wall);

#endif
