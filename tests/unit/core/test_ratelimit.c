/*
 * Token buckets and the queued limiter under a fake clock: burst, steady
 * rate, FIFO order of waiters, priorities, cancellation, rate changes.
 */
#include "core/clock.h"
#include "core/ratelimit.h"
#include "testutil.h"

static uint64_t now = 5000;

static void
test_bucket_burst_then_rate(void)
{
	struct ratelimit_bucket b;
	int i, taken = 0;
	uint64_t t;

	ratelimit_bucket_init(&b, 25, 25, now);
	for (i = 0; i < 30; i++)
		taken += ratelimit_bucket_take(&b, now) == 0;
	CHECK_INT(taken, 25);
	/* Empty: the next token is 40 ms away at 25/s. */
	CHECK_INT(ratelimit_bucket_take(&b, now), 40);
	/* Over ten seconds exactly 250 more tokens arrive, taken as they come. */
	taken = 0;
	for (t = now + 1; t <= now + 10000; t++) {
		while (ratelimit_bucket_take(&b, t) == 0)
			taken++;
	}
	CHECK_INT(taken, 250);
}

static void
test_bucket_rate_change_keeps_tokens(void)
{
	struct ratelimit_bucket b;

	ratelimit_bucket_init(&b, 10, 1, 0);
	CHECK_INT(ratelimit_bucket_take(&b, 0), 0);
	CHECK_INT(ratelimit_bucket_take(&b, 50), 50);
	ratelimit_bucket_set_rate(&b, 1, 50);
	/* Half a token was earned at 10/s; the other half takes 500 ms at 1/s. */
	CHECK_INT(ratelimit_bucket_take(&b, 50), 500);
	CHECK_INT(ratelimit_bucket_take(&b, 550), 0);
}

static int order[16], norder;

static void
waiter(void *arg)
{
	order[norder++] = (int)(long)arg;
}

static void
test_waiters_in_order(void)
{
	struct ratelimit *rl = ratelimit_create(NULL, 10, 2);
	struct ratelimit_wait *w[6];
	int i;

	norder = 0;
	CHECK_INT(ratelimit_acquire(rl, waiter, (void *)0L, &w[0]), 1);
	CHECK_INT(ratelimit_acquire(rl, waiter, (void *)0L, &w[0]), 1);
	for (i = 1; i <= 5; i++)
		CHECK_INT(ratelimit_acquire(rl, waiter, (void *)(long)i, &w[i]), 0);
	CHECK_INT(ratelimit_waiting(rl), 5);
	/* Cancelled waiters never run and do not take a token. */
	ratelimit_cancel(rl, w[2]);
	now += 100;
	ratelimit_run(rl);
	CHECK_INT(norder, 1);
	CHECK_INT(order[0], 1);
	now += 250;
	ratelimit_run(rl);
	CHECK_INT(norder, 3);
	CHECK_INT(order[1], 3);
	CHECK_INT(order[2], 4);
	/* A newcomer queues behind the waiter even if a token is free. */
	now += 1000;
	CHECK_INT(ratelimit_acquire(rl, waiter, (void *)6L, &w[0]), 0);
	ratelimit_run(rl);
	CHECK_INT(norder, 5);
	CHECK_INT(order[3], 5);
	CHECK_INT(order[4], 6);
	ratelimit_free(rl);
}

static void
test_priorities_then_arrival(void)
{
	struct ratelimit *rl = ratelimit_create(NULL, 10, 1);
	struct ratelimit_wait *w[8];
	static const int64_t prio[] = {500, 100, 500, 100, 300, -5};
	int i;

	norder = 0;
	CHECK_INT(ratelimit_acquire(rl, waiter, (void *)99L, &w[0]), 1);
	for (i = 0; i < 6; i++)
		CHECK_INT(ratelimit_acquire_prio(rl, prio[i], waiter, (void *)(long)i, &w[i]), 0);
	/* One token each 100 ms: the smallest priority first, arrival among equals. */
	for (i = 1; i <= 6; i++) {
		now += 100;
		ratelimit_run(rl);
		CHECK_INT(norder, i);
	}
	CHECK_INT(order[0], 5);
	CHECK_INT(order[1], 1);
	CHECK_INT(order[2], 3);
	CHECK_INT(order[3], 4);
	CHECK_INT(order[4], 0);
	CHECK_INT(order[5], 2);
	/* A newcomer with the smallest priority goes before those waiting. */
	norder = 0;
	CHECK_INT(ratelimit_acquire_prio(rl, 50, waiter, (void *)10L, &w[0]), 0);
	CHECK_INT(ratelimit_acquire_prio(rl, 40, waiter, (void *)11L, &w[1]), 0);
	CHECK_INT(ratelimit_acquire_prio(rl, 60, waiter, (void *)12L, &w[2]), 0);
	ratelimit_cancel(rl, w[1]);
	now += 100;
	ratelimit_run(rl);
	CHECK_INT(norder, 1);
	CHECK_INT(order[0], 10);
	ratelimit_free(rl);
}

static void
test_unlimited_and_rate_change(void)
{
	struct ratelimit *rl = ratelimit_create(NULL, 0, 0);
	struct ratelimit_wait *w;
	int i;

	for (i = 0; i < 1000; i++)
		CHECK_INT(ratelimit_acquire(rl, waiter, NULL, &w), 1);
	ratelimit_set_rate(rl, 5);
	CHECK(ratelimit_rate(rl) == 5);
	ratelimit_free(rl);
}

int
main(void)
{
	clock_set_fake(&now, NULL);
	TEST(test_bucket_burst_then_rate);
	TEST(test_bucket_rate_change_keeps_tokens);
	TEST(test_waiters_in_order);
	TEST(test_priorities_then_arrival);
	TEST(test_unlimited_and_rate_change);
	return test_done();
}
