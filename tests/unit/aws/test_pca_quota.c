/*
 * The adaptive quota buckets under a fake clock: one bucket per (account,
 * region, operation) shared by every holder, the burst, the multiplicative
 * decrease once per round of calls, the floor, the climb back and its cap,
 * configuration, and the FIFO of waiting calls on the loop.
 */
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
	aws_quota_throttled(a, aws_quota_round(a));
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
test_decrease_once_per_round(void)
{
	struct aws_quota *q = aws_quota_get("a", "r", "IssueCertificate", 25);
	unsigned r0 = aws_quota_round(q), r1;

	/* Twelve calls sent together all come back throttled: one decrease. */
	for (int i = 0; i < 12; i++)
		aws_quota_throttled(q, r0);
	CHECK(near(aws_quota_rate(q), 17.5));
	r1 = aws_quota_round(q);
	CHECK(r1 != r0);
	/* A call sent after the decrease is throttled too: the rate goes on down. */
	aws_quota_throttled(q, r1);
	CHECK(near(aws_quota_rate(q), 12.25));
	/* Down to the floor, 5% of the quota, and no further. */
	for (int i = 0; i < 40; i++)
		aws_quota_throttled(q, aws_quota_round(q));
	CHECK(near(aws_quota_rate(q), 1.25));
	aws_quota_put(q);

	/* A small quota's floor is 0.5/s, never above the quota itself. */
	q = aws_quota_get("a", "r", "X", 2);
	for (int i = 0; i < 20; i++)
		aws_quota_throttled(q, aws_quota_round(q));
	CHECK(near(aws_quota_rate(q), 0.5));
	aws_quota_put(q);
	q = aws_quota_get("a", "r", "Y", 0.2);
	aws_quota_throttled(q, aws_quota_round(q));
	CHECK(near(aws_quota_rate(q), 0.2));
	aws_quota_put(q);
}

static void
test_climb_back(void)
{
	struct aws_quota *q = aws_quota_get("a", "r", "IssueCertificate", 20);
	unsigned old = aws_quota_round(q), r;

	aws_quota_throttled(q, old);
	CHECK(near(aws_quota_rate(q), 14));
	r = aws_quota_round(q);
	/* Answers to calls sent before the decrease teach nothing. */
	now_ms += 500;
	aws_quota_answered(q, old);
	CHECK(near(aws_quota_rate(q), 14));
	/* A twentieth of the quota per second: +1/s here, paced by the clock. */
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
	aws_quota_throttled(q, aws_quota_round(q));
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
	TEST(test_decrease_once_per_round);
	TEST(test_climb_back);
	TEST(test_configure);
	TEST(test_waiters_in_order);
	TEST(test_client_buckets);
	clock_set_fake(NULL, NULL);
	loop_free();
	return test_done();
}
