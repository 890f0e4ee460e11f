/*
 * Adaptive client-side quotas for AWS APIs: one token bucket per (account,
 * region, operation), shared by every client that calls that operation of
 * that account in that region, because AWS counts the account's calls
 * together whichever client makes them.
 *
 * Each bucket starts at the configured quota and adapts. The first
 * throttling answer multiplies its rate by 0.7 (down to a floor of 5% of
 * the quota, at least 0.5/s) and starts a probe: answers to calls sent at
 * the new rate are judged in windows of 24 (or 3 s). A rate limit lets the
 * same number of calls through at the lower rate, so the throttled fraction
 * falls as the rate does; while windows stay throttled the rate goes on
 * down, and once they are clean it climbs back by a twentieth of the quota
 * per second, never above the quota. Throttling that does not fall when the
 * rate does (a quota shared with other clients, a service shedding load at
 * random) is learnt as a background fraction: the rate from before the
 * probes is restored, and from then on only windows clearly above the
 * background (by 0.1) slow it down; the background fades as windows come
 * back clean. Answers to calls sent before a change of rate are ignored
 * (each change starts a new round).
 *
 * The bucket holds half a second of quota. AWS does not publish the burst
 * of its own buckets; a server bucket holding a full second of quota then
 * leaves the client half a second of slack for requests that reach the
 * service bunched together by network and queueing jitter, so a client that
 * never exceeds the quota on average is never throttled.
 *
 * Calls that find no token wait in order (core/ratelimit.h); nothing polls.
 */
#ifndef PCA_AWS_QUOTA_H
#define PCA_AWS_QUOTA_H

#include <stddef.h>

#include "core/ratelimit.h"

struct aws_quota;

/*
 * The bucket of (account, region, op), created at the quota configured for
 * op (else default_quota) calls per second if it does not exist yet; a
 * reference the caller gives back with aws_quota_put. The strings are
 * copied. Buckets live on loop_base().
 */
struct aws_quota *aws_quota_get(const char *account, const char *region, const char *op,
                                double default_quota);
/* Drops a reference; the last one frees the bucket (no waiter may be left). */
void aws_quota_put(struct aws_quota *q);

/*
 * Changes the quota of every bucket of op, existing and future ones (0
 * leaves the quota alone), and whether they adapt. The current rate is
 * lowered to a lower quota; a higher quota is climbed to by adaptation,
 * or at once when adaptation is off.
 */
void aws_quota_configure(const char *op, double quota, int adaptive);

/*
 * Takes a token now and returns 1, or queues cb(arg) and returns 0 with
 * *wp set for aws_quota_cancel. Waiters are called in order.
 */
int aws_quota_acquire(struct aws_quota *q, ratelimit_cb cb, void *arg, struct ratelimit_wait **wp);
void aws_quota_cancel(struct aws_quota *q, struct ratelimit_wait *w);
/* The limiter behind the bucket, for core/rpc.h's gate. */
struct ratelimit *aws_quota_limiter(struct aws_quota *q);
/*
 * The adaptation round now: it changes each time the rate is lowered. A call
 * notes it when it is sent and passes it back with its answer.
 */
unsigned aws_quota_round(const struct aws_quota *q);

/* A call sent in round was throttled: lower the rate if nobody has for that round. */
void aws_quota_throttled(struct aws_quota *q, unsigned round);
/* A call sent in round was answered without throttling. */
void aws_quota_answered(struct aws_quota *q, unsigned round);

double aws_quota_rate(const struct aws_quota *q);
double aws_quota_limit(const struct aws_quota *q);
double aws_quota_burst(const struct aws_quota *q);
size_t aws_quota_waiting(const struct aws_quota *q);

/* How many buckets exist (tests). */
size_t aws_quota_count(void);

#endif
