/*
 * The keyed work queue under a fake clock: deduplication, delays, back-off
 * with jitter and its cap, forgetting on success, dirty re-adds, the per-pass
 * cap and the active limit.
 */
#include <stdio.h>

#include "core/backoff.h"
#include "core/clock.h"
#include "core/metrics.h"
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
	struct workq_opts o = {"test", 1000, 60000, per_pass, max_active, NULL, NULL};

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

static const char *
kind_of(const char *key)
{
	return key[0] == 'c' ? "awspcaclusterissuer" : "awspcaissuer";
}

/* controller-runtime's metrics, by their Go names, as dashboards read them. */
static void
test_controller_runtime_metrics(void)
{
	struct workq_opts o = {"q", 1000, 60000, 0, 7, "certificaterequest", NULL};
	struct workq_opts o2 = {"i", 1000, 60000, 0, 3, "awspcaissuer", kind_of};
	struct workq *q = workq_create(NULL, &o, record, NULL), *q2;
	struct buf b = BUF_INIT;

	nhandled = 0;
	workq_add(q, "ns/a");
	workq_add(q, "ns/b");
	workq_add(q, "ns/a");
	workq_add_after(q, "ns/c", 5000);
	now += 250;
	workq_run(q);
	workq_done(q, "ns/a", WORKQ_DONE, 0);
	workq_done(q, "ns/b", WORKQ_RETRY, 0);
	now += 6000;
	workq_run(q);
	workq_done(q, "ns/c", WORKQ_AFTER, 500);
	metrics_write_registry(&b);
	CHECK_CONTAINS(buf_str(&b),
	               "controller_runtime_reconcile_total{controller=\"certificaterequest\","
	               "result=\"success\"} 1\n");
	CHECK_CONTAINS(buf_str(&b),
	               "controller_runtime_reconcile_total{controller=\"certificaterequest\","
	               "result=\"error\"} 1\n");
	CHECK_CONTAINS(buf_str(&b), "result=\"requeue_after\"} 1\n");
	CHECK_CONTAINS(buf_str(&b), "controller_runtime_reconcile_errors_total{controller=\""
	                            "certificaterequest\"} 1\n");
	CHECK_CONTAINS(buf_str(&b), "controller_runtime_max_concurrent_reconciles{controller=\""
	                            "certificaterequest\"} 7\n");
	/* a, b and c once each (the second add of a was folded in), c and b again with a delay. */
	CHECK_CONTAINS(buf_str(&b), "workqueue_adds_total{controller=\"certificaterequest\","
	                            "name=\"certificaterequest\"} 5\n");
	CHECK_CONTAINS(buf_str(&b), "workqueue_retries_total{controller=\"certificaterequest\","
	                            "name=\"certificaterequest\"} 3\n");
	/* Handed out four times: a, b, then c and b (its back-off over) after the wait. */
	CHECK_CONTAINS(buf_str(&b), "workqueue_queue_duration_seconds_count{controller=\""
	                            "certificaterequest\",name=\"certificaterequest\"} 4\n");
	CHECK_CONTAINS(buf_str(&b), "controller_runtime_reconcile_time_seconds_count{controller=\""
	                            "certificaterequest\"} 3\n");
	/* One queue serving two controllers names each key's. */
	q2 = workq_create(NULL, &o2, record, NULL);
	workq_metrics_controller(q2, "awspcaclusterissuer");
	workq_add(q2, "cluster/x");
	workq_add(q2, "ns/y");
	workq_add(q2, "ns/z");
	buf_reset(&b);
	metrics_write_registry(&b);
	CHECK_CONTAINS(buf_str(&b),
	               "workqueue_depth{controller=\"awspcaissuer\",name=\"awspcaissuer\","
	               "priority=\"0\"} 2\n");
	CHECK_CONTAINS(buf_str(&b), "workqueue_depth{controller=\"awspcaclusterissuer\",name=\""
	                            "awspcaclusterissuer\",priority=\"0\"} 1\n");
	buf_clear(&b);
	workq_done(q, "ns/b", WORKQ_DONE, 0);
	workq_free(q);
	workq_free(q2);
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
	TEST(test_controller_runtime_metrics);
	return test_done();
}
