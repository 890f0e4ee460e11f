/*
 * The adaptive quota buckets under a fake clock: one bucket per (account,
 * region, operation) shared by every holder, the burst, the multiplicative
 * decrease once per window of answers, the probe that tells a rate limit
 * from throttling that does not depend on the rate, the floor, the climb
 * back and its cap, configuration, and the FIFO of waiting calls on the
 * loop. Two simulations drive a bucket against a server model: a token
 * bucket (a real rate limit) and throttling at random.
 */
#include <math.h>
#include <stdio.h>

#include <event2/event.h>

#include "aws/pca.h"
#include "aws/quota.h"
#include "core/clock.h"
#include "core/loop.h"
#include "testutil.h"

static uint64_t now_ms = 100000;

static int
near(double a, double b)
{
	return a - b < 1e-9 && b - a < 1e-9;
}

/* Feeds n answers of the current round, the first `throttled` of them throttled. */
static void
feed(struct aws_quota *q, int n, int throttled)
{
	unsigned round = aws_quota_round(q);
	int i;

	for (i = 0; i < n; i++) {
		if (i < throttled)
			aws_quota_throttled(q, round);
		else
			aws_quota_answered(q, round);
	}
}

static void
test_registry_shares_buckets(void)
{
	struct aws_quota *a = aws_quota_get("111111111111", "us-east-1", "IssueCertificate", 25);
	struct aws_quota *b = aws_quota_get("111111111111", "us-east-1", "IssueCertificate", 25);
	struct aws_quota *c = aws_quota_get("222222222222", "us-east-1", "IssueCertificate", 25);
	struct aws_quota *d = aws_quota_get("111111111111", "eu-west-1", "IssueCertificate", 25);
	struct aws_quota *e = aws_quota_get("111111111111", "us-east-1", "GetCertificate", 75);

	CHECK(a == b);
	CHECK(a != c && a != d && a != e && c != d);
	CHECK_INT(aws_quota_count(), 4);
	CHECK(near(aws_quota_rate(a), 25));
	CHECK(near(aws_quota_rate(e), 75));
	/* Half a second of quota. */
	CHECK(near(aws_quota_burst(a), 12.5));
	/* What one holder learns, the other sees. */
	feed(a, 24, 24);
	CHECK(near(aws_quota_rate(b), 17.5));
	CHECK(near(aws_quota_rate(c), 25));
	aws_quota_put(a);
	CHECK_INT(aws_quota_count(), 4);
	aws_quota_put(b);
	CHECK_INT(aws_quota_count(), 3);
	aws_quota_put(c);
	aws_quota_put(d);
	aws_quota_put(e);
	CHECK_INT(aws_quota_count(), 0);
}

static void
test_decrease_per_window(void)
{
	struct aws_quota *q = aws_quota_get("a", "r", "IssueCertificate", 25);
	unsigned r0 = aws_quota_round(q), r1;
	int i;

	/* With no background throttling known, the first throttled answer acts at once. */
	feed(q, 1, 1);
	CHECK(near(aws_quota_rate(q), 17.5));
	r1 = aws_quota_round(q);
	CHECK(r1 != r0);
	/* Answers to calls sent before the decrease say nothing about it. */
	for (i = 0; i < 100; i++)
		aws_quota_throttled(q, r0);
	CHECK(near(aws_quota_rate(q), 17.5));
	/* The lower rate is judged on a window of 24 answers. */
	feed(q, 23, 23);
	CHECK(near(aws_quota_rate(q), 17.5));
	/*
	 * Everything is still throttled at the lower rate, as a rate limit far
	 * below would do: down again, and down to the floor, 5% of the quota.
	 */
	feed(q, 1, 1);
	CHECK(near(aws_quota_rate(q), 12.25));
	for (i = 0; i < 40; i++)
		feed(q, 24, 24);
	CHECK(near(aws_quota_rate(q), 1.25));
	aws_quota_put(q);

	/* A small quota's floor is 0.5/s, never above the quota itself. */
	q = aws_quota_get("a", "r", "X", 2);
	for (i = 0; i < 20; i++)
		feed(q, 24, 24);
	CHECK(near(aws_quota_rate(q), 0.5));
	aws_quota_put(q);
	q = aws_quota_get("a", "r", "Y", 0.2);
	feed(q, 24, 24);
	CHECK(near(aws_quota_rate(q), 0.2));
	aws_quota_put(q);
}

/* A third of calls throttled whatever the rate is no rate limit. */
static void
test_probe_tells_background(void)
{
	struct aws_quota *q = aws_quota_get("a", "r", "IssueCertificate", 20);

	feed(q, 1, 1);
	CHECK(near(aws_quota_rate(q), 14));
	/* A third throttled at 14/s: down again, now knowing the fraction. */
	feed(q, 24, 8);
	CHECK(near(aws_quota_rate(q), 9.8));
	/*
	 * A limit that let 9.3/s through at 14/s would throttle 5% at 9.8/s; a
	 * third still are: background, and the rate from before the probes.
	 */
	feed(q, 24, 8);
	CHECK(near(aws_quota_rate(q), 20));
	/* Windows at the background's level no longer slow it down... */
	feed(q, 24, 9);
	feed(q, 24, 7);
	CHECK(near(aws_quota_rate(q), 20));
	/* ...but clearly more than it still does; a clean probe then climbs from there. */
	feed(q, 24, 20);
	CHECK(near(aws_quota_rate(q), 14));
	feed(q, 24, 0);
	CHECK(near(aws_quota_rate(q), 14));
	aws_quota_put(q);
}

static void
test_climb_back(void)
{
	struct aws_quota *q = aws_quota_get("a", "r", "IssueCertificate", 20);
	unsigned old, r;

	feed(q, 1, 1);
	CHECK(near(aws_quota_rate(q), 14));
	old = r = aws_quota_round(q);
	/* A twentieth of the quota per second: +1/s here, paced by the clock. */
	now_ms += 500;
	aws_quota_answered(q, r);
	CHECK(near(aws_quota_rate(q), 14.5));
	for (int i = 0; i < 25; i++) {
		now_ms += 40;
		aws_quota_answered(q, r);
	}
	CHECK(near(aws_quota_rate(q), 15.5));
	/* A quiet spell counts as one second at most. */
	now_ms += 60000;
	aws_quota_answered(q, r);
	CHECK(near(aws_quota_rate(q), 16.5));
	/* Never above the quota. */
	for (int i = 0; i < 20; i++) {
		now_ms += 1000;
		aws_quota_answered(q, r);
	}
	CHECK(near(aws_quota_rate(q), 20));
	CHECK(old == aws_quota_round(q));
	aws_quota_put(q);
}

/*
 * Drives a bucket for `seconds` against a server model, in 10 ms steps:
 * calls leave at the bucket's rate and their answers come back 50 ms later,
 * throttled when the model says so. Returns the mean rate and the calls
 * accepted per second over the second half.
 */
struct sim {
	double limit;  /* > 0: a token bucket of this rate and a second's burst */
	double random; /* else: this fraction throttled at random */
	double mean_rate, accepted;
	unsigned seed;
};

static double
sim_rand(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (double)((*seed >> 8) & 0xffffff) / 16777216.0;
}

static void
simulate(struct aws_quota *q, struct sim *sm, int seconds)
{
	enum { LAT = 5, RING = 8 };
	unsigned rounds[RING][256];
	int outcome[RING][256], n[RING] = {0};
	double credit = 0, tokens = sm->limit, rate_sum = 0;
	long step, steps = seconds * 100L, accepted = 0, half = steps / 2;
	int slot, i;

	for (step = 0; step < steps; step++) {
		now_ms += 10;
		slot = (int)(step % RING);
		/* Answers sent LAT steps ago come back now. */
		{
			int back = (int)((step + RING - LAT) % RING);

			for (i = 0; step >= LAT && i < n[back]; i++) {
				if (outcome[back][i])
					aws_quota_throttled(q, rounds[back][i]);
				else
					aws_quota_answered(q, rounds[back][i]);
			}
			n[back] = 0;
		}
		if (sm->limit > 0) {
			tokens += sm->limit / 100.0;
			if (tokens > sm->limit)
				tokens = sm->limit;
		}
		credit += aws_quota_rate(q) / 100.0;
		while (credit >= 1 && n[slot] < 256) {
			int throttled;

			credit -= 1;
			if (sm->limit > 0) {
				throttled = tokens < 1;
				if (!throttled)
					tokens -= 1;
			} else
				throttled = sim_rand(&sm->seed) < sm->random;
			rounds[slot][n[slot]] = aws_quota_round(q);
			outcome[slot][n[slot]++] = throttled;
			if (!throttled && step >= half)
				accepted++;
		}
		if (step >= half)
			rate_sum += aws_quota_rate(q);
	}
	sm->mean_rate = rate_sum / (double)(steps - half);
	sm->accepted = (double)accepted / (seconds / 2.0);
}

/* A rate limit well under the quota: the bucket settles near it and the server is kept busy. */
static void
test_sim_rate_limit(void)
{
	struct aws_quota *q = aws_quota_get("sim", "r", "IssueCertificate", 25);
	struct sim sm = {10, 0, 0, 0, 1};

	simulate(q, &sm, 240);
	fprintf(stderr, "  rate limit 10/s: mean rate %.2f/s, accepted %.2f/s\n", sm.mean_rate,
	        sm.accepted);
	CHECK(sm.mean_rate > 8 && sm.mean_rate < 12.5);
	CHECK(sm.accepted > 9.4);
	aws_quota_put(q);
}

/*
 * A third of the calls throttled whatever the rate (a quota shared with
 * others, a service shedding load): slowing down does not help, so the
 * bucket stays near the quota instead of collapsing towards the floor.
 */
static void
test_sim_random_throttling(void)
{
	struct aws_quota *q = aws_quota_get("sim", "r", "IssueCertificate", 25);
	struct sim sm = {0, 0.3, 0, 0, 7};

	simulate(q, &sm, 240);
	fprintf(stderr, "  30%% thrown at random: mean rate %.2f/s, accepted %.2f/s of 17.5\n",
	        sm.mean_rate, sm.accepted);
	CHECK(sm.accepted > 0.75 * 17.5);
	aws_quota_put(q);
}

static void
test_configure(void)
{
	struct aws_quota *q = aws_quota_get("a", "r", "GetCertificate", 75), *q2;

	/* A lower quota lowers the rate at once and applies to new buckets. */
	aws_quota_configure("GetCertificate", 10, 1);
	CHECK(near(aws_quota_rate(q), 10));
	CHECK(near(aws_quota_limit(q), 10));
	q2 = aws_quota_get("b", "r", "GetCertificate", 75);
	CHECK(near(aws_quota_rate(q2), 10));
	/* A higher quota is climbed to... */
	aws_quota_configure("GetCertificate", 40, 1);
	CHECK(near(aws_quota_rate(q), 10));
	CHECK(near(aws_quota_limit(q), 40));
	now_ms += 1000;
	aws_quota_answered(q, aws_quota_round(q));
	CHECK(near(aws_quota_rate(q), 12));
	/* ...or taken at once without adaptation, which also ignores throttling. */
	aws_quota_configure("GetCertificate", 0, 0);
	CHECK(near(aws_quota_rate(q), 40));
	aws_quota_throttled(q, aws_quota_round(q));
	CHECK(near(aws_quota_rate(q), 40));
	aws_quota_configure("GetCertificate", 75, 1);
	aws_quota_put(q);
	aws_quota_put(q2);
}

static int order[16], norder;

static void
waiter(void *arg)
{
	order[norder++] = (int)(long)arg;
}

/* On the real clock: tokens arrive from the limiter's timer, in order. */
static void
test_waiters_in_order(void)
{
	struct aws_quota *q;
	struct ratelimit_wait *w[14];
	int i, got = 0, passes = 0;

	clock_set_fake(NULL, NULL);
	q = aws_quota_get("a", "r", "RevokeCertificate", 20);
	/* A bucket of 20/s holds ten tokens: ten calls go at once, four queue. */
	norder = 0;
	for (i = 0; i < 14; i++)
		got += aws_quota_acquire(q, waiter, (void *)(long)i, &w[i]);
	CHECK_INT(got, 10);
	CHECK_INT(aws_quota_waiting(q), 4);
	aws_quota_cancel(q, w[11]);
	CHECK_INT(aws_quota_waiting(q), 3);
	/* Throttling slows the queue down; the order stays. */
	feed(q, 24, 24);
	CHECK(near(aws_quota_rate(q), 14));
	while (norder < 3 && passes++ < 1000)
		event_base_loop(loop_base(), EVLOOP_ONCE);
	CHECK_INT(norder, 3);
	CHECK_INT(order[0], 10);
	CHECK_INT(order[1], 12);
	CHECK_INT(order[2], 13);
	CHECK_INT(aws_quota_waiting(q), 0);
	aws_quota_put(q);
	clock_set_fake(&now_ms, NULL);
}

/* The client holds one bucket per operation, at AWS's quotas unless configured. */
static void
test_client_buckets(void)
{
	struct aws_pca_settings s;
	struct aws_pca *a, *b;

	a = aws_pca_create(NULL, NULL, "https://acm-pca.us-east-1.amazonaws.com", "us-east-1",
	                   "123456789012");
	CHECK(near(aws_pca_rate(a, AWS_PCA_ISSUE_CERTIFICATE), 25));
	CHECK(near(aws_pca_rate(a, AWS_PCA_GET_CERTIFICATE), 75));
	CHECK(near(aws_pca_rate(a, AWS_PCA_DESCRIBE_CA), 20));
	CHECK(near(aws_pca_rate(a, AWS_PCA_GET_CA_CERTIFICATE), 20));
	CHECK(near(aws_pca_rate(a, AWS_PCA_REVOKE_CERTIFICATE), 20));
	CHECK_INT(aws_quota_count(), 5);
	aws_pca_settings_default(&s);
	s.quota[AWS_PCA_ISSUE_CERTIFICATE] = 50;
	aws_pca_configure(&s);
	b = aws_pca_create(NULL, NULL, "https://acm-pca.us-east-1.amazonaws.com", "us-east-1",
	                   "123456789012");
	/* Same account and region: the same buckets, now at the new quota ceiling. */
	CHECK_INT(aws_quota_count(), 5);
	CHECK(near(aws_pca_rate(b, AWS_PCA_ISSUE_CERTIFICATE), 25));
	aws_pca_free(a);
	aws_pca_free(b);
	CHECK_INT(aws_quota_count(), 0);
	aws_pca_settings_default(&s);
	aws_pca_configure(&s);
}

int
main(void)
{
	loop_init();
	clock_set_fake(&now_ms, NULL);
	TEST(test_registry_shares_buckets);
	TEST(test_decrease_per_window);
	TEST(test_probe_tells_background);
	TEST(test_climb_back);
	TEST(test_sim_rate_limit);
	TEST(test_sim_random_throttling);
	TEST(test_configure);
	TEST(test_waiters_in_order);
	TEST(test_client_buckets);
	clock_set_fake(NULL, NULL);
	loop_free();
	return test_done();
}
