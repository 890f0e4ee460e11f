/*
 * The keyed work queue under a fake clock: deduplication, delays, back-off
 * with jitter and its cap, forgetting on success, dirty re-adds, the per-pass
 * cap and the active limit.
 */
#include <stdio.h>

#include "core/backoff.h"
#include "core/clock.h"
#include "core/workq.h"
#include "core/xmalloc.h"
#include "testutil.h"

static uint64_t now = 1000000;
static char handled[64][32];
static int nhandled;

static void
record(struct workq *q, const char *key, void *arg)
{
	if (nhandled < 64)
		snprintf(handled[nhandled], sizeof handled[0], "%s", key);
	nhandled++;
}

static struct workq *
new_queue(unsigned per_pass, unsigned max_active)
{
	struct workq_opts o = {"test", 1000, 60000, per_pass, max_active};

	nhandled = 0;
	return workq_create(NULL, &o, record, NULL);
}

static void
test_dedup(void)
{
	struct workq *q = new_queue(0, 0);

	workq_add(q, "ns/a");
	workq_add(q, "ns/b");
	workq_add(q, "ns/a");
	CHECK_INT(workq_ready(q), 2);
	workq_run(q);
	CHECK_INT(nhandled, 2);
	CHECK_STR(handled[0], "ns/a");
	CHECK_STR(handled[1], "ns/b");
	CHECK_INT(workq_active(q), 2);
	workq_done(q, "ns/a", WORKQ_DONE, 0);
	workq_done(q, "ns/b", WORKQ_DONE, 0);
	CHECK_INT(workq_active(q), 0);
	workq_free(q);
}

static void
test_dirty_while_active(void)
{
	struct workq *q = new_queue(0, 0);

	workq_add(q, "k");
	workq_run(q);
	CHECK_INT(nhandled, 1);
	/* Added again while being handled: not handed out twice at once. */
	workq_add(q, "k");
	workq_add(q, "k");
	workq_run(q);
	CHECK_INT(nhandled, 1);
	workq_done(q, "k", WORKQ_DONE, 0);
	workq_run(q);
	CHECK_INT(nhandled, 2);
	workq_done(q, "k", WORKQ_DONE, 0);
	workq_run(q);
	CHECK_INT(nhandled, 2);
	workq_free(q);
}

static void
test_add_after(void)
{
	struct workq *q = new_queue(0, 0);

	workq_add_after(q, "k", 5000);
	workq_run(q);
	CHECK_INT(nhandled, 0);
	CHECK_INT(workq_next_due(q), now + 5000);
	/* An earlier delay wins, a later one is ignored. */
	workq_add_after(q, "k", 2000);
	workq_add_after(q, "k", 9000);
	CHECK_INT(workq_next_due(q), now + 2000);
	now += 1999;
	workq_run(q);
	CHECK_INT(nhandled, 0);
	now += 1;
	workq_run(q);
	CHECK_INT(nhandled, 1);
	/* An immediate add of a delayed key makes it ready at once. */
	workq_add_after(q, "j", 5000);
	workq_add(q, "j");
	workq_run(q);
	CHECK_INT(nhandled, 2);
	workq_free(q);
}

static void
test_backoff_grows_and_caps(void)
{
	struct workq *q = new_queue(0, 0);
	uint64_t last = 0, d;
	int i;

	backoff_seed(42);
	workq_add(q, "k");
	workq_run(q);
	for (i = 0; i < 12; i++) {
		workq_done(q, "k", WORKQ_RETRY, 0);
		CHECK_INT(workq_failures(q, "k"), i + 1);
		d = workq_next_due(q) - now;
		/* Jitter keeps the delay within [half, full] of base * 2^i, capped at 60 s. */
		{
			uint64_t full = 1000ULL << (i < 6 ? i : 6);
			if (full > 60000)
				full = 60000;
			CHECK(d >= full / 2 && d <= full);
		}
		CHECK(d <= 60000);
		if (i < 5)
			CHECK(d >= last / 2);
		last = d;
		now += d;
		workq_run(q);
		CHECK_INT(nhandled, i + 2);
	}
	/* Success forgets the failures. */
	workq_done(q, "k", WORKQ_DONE, 0);
	CHECK_INT(workq_failures(q, "k"), 0);
	workq_free(q);
}

static void
test_fresh_add_skips_backoff(void)
{
	struct workq *q = new_queue(0, 0);

	workq_add(q, "k");
	workq_run(q);
	workq_done(q, "k", WORKQ_RETRY, 0);
	CHECK_INT(workq_delayed(q), 1);
	workq_add(q, "k");
	workq_run(q);
	CHECK_INT(nhandled, 2);
	/* The failure count survives: the next retry waits longer. */
	CHECK_INT(workq_failures(q, "k"), 1);
	workq_done(q, "k", WORKQ_AFTER, 30000);
	CHECK_INT(workq_next_due(q), now + 30000);
	workq_forget(q, "k");
	CHECK_INT(workq_failures(q, "k"), 0);
	workq_free(q);
}

static void
test_per_pass_cap_and_active_limit(void)
{
	struct workq *q = new_queue(3, 0);
	char key[16];
	int i;

	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof key, "k%d", i);
		workq_add(q, key);
	}
	workq_run(q);
	CHECK_INT(nhandled, 3);
	workq_run(q);
	CHECK_INT(nhandled, 6);
	workq_free(q);

	q = new_queue(0, 2);
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof key, "k%d", i);
		workq_add(q, key);
	}
	workq_run(q);
	CHECK_INT(nhandled, 2);
	workq_run(q);
	CHECK_INT(nhandled, 2);
	workq_done(q, "k0", WORKQ_DONE, 0);
	workq_run(q);
	CHECK_INT(nhandled, 3);
	CHECK_STR(handled[2], "k2");
	workq_free(q);
}

static void
test_pause_holds_keys(void)
{
	struct workq *q = new_queue(0, 0);

	workq_set_paused(q, 1);
	workq_add(q, "a");
	workq_add(q, "b");
	workq_run(q);
	CHECK_INT(nhandled, 0);
	CHECK_INT(workq_ready(q), 2);
	workq_set_paused(q, 0);
	workq_run(q);
	CHECK_INT(nhandled, 2);
	workq_free(q);
}

static void
test_many_keys(void)
{
	struct workq *q = new_queue(100000, 0);
	char key[32];
	int i;

	for (i = 0; i < 50000; i++) {
		snprintf(key, sizeof key, "ns/cr-%d", i);
		workq_add_after(q, key, (uint64_t)(i % 1000));
	}
	CHECK_INT(workq_delayed(q) + workq_ready(q), 50000);
	now += 1000;
	workq_run(q);
	CHECK_INT(nhandled, 50000);
	for (i = 0; i < 50000; i++) {
		snprintf(key, sizeof key, "ns/cr-%d", i);
		workq_done(q, key, WORKQ_DONE, 0);
	}
	CHECK_INT(workq_active(q), 0);
	workq_free(q);
}

int
main(void)
{
	clock_set_fake(&now, NULL);
	TEST(test_dedup);
	TEST(test_dirty_while_active);
	TEST(test_add_after);
	TEST(test_backoff_grows_and_caps);
	TEST(test_fresh_add_skips_backoff);
	TEST(test_per_pass_cap_and_active_limit);
	TEST(test_pause_holds_keys);
	TEST(test_many_keys);
	return test_done();
}
