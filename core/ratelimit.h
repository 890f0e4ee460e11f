/*
 * Token-bucket rate limiting on the loop.
 *
 * struct ratelimit_bucket is the arithmetic alone: rate tokens per second up
 * to burst, fed with the time by the caller. struct ratelimit puts one on the
 * loop with a queue of waiters: callers that find no token are queued and
 * called back when their token arrives, from one timer armed for exactly that
 * moment (no polling). The queue is ordered by a priority the caller gives
 * (smaller first), and by arrival among equal priorities: plain
 * ratelimit_acquire() is priority 0, so a limiter only ever given that is a
 * FIFO. The AWS client layers its adaptive quotas on top
 * with ratelimit_set_rate(); the Kubernetes client uses it for QPS/burst.
 */
#ifndef PCA_CORE_RATELIMIT_H
#define PCA_CORE_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct ratelimit;
struct ratelimit_wait;

struct ratelimit_bucket {
	double rate;   /* tokens per second */
	double burst;  /* most tokens held */
	double tokens; /* held now */
	uint64_t last_ms;
};

/* Starts full. */
void ratelimit_bucket_init(struct ratelimit_bucket *b, double rate, double burst, uint64_t now_ms);
/*
 * Takes a token and returns 0, or returns how many ms until one is available
 * (at least 1) and takes nothing.
 */
uint64_t ratelimit_bucket_take(struct ratelimit_bucket *b, uint64_t now_ms);
/* Changes the rate from now on, keeping the tokens already earned. */
void ratelimit_bucket_set_rate(struct ratelimit_bucket *b, double rate, uint64_t now_ms);

typedef void (*ratelimit_cb)(void *arg);

/* A rate of 0 or less means unlimited. */
struct ratelimit *ratelimit_create(struct event_base *base, double rate, double burst);
/* Frees the limiter; queued waiters are dropped without callbacks. */
void ratelimit_free(struct ratelimit *rl);
void ratelimit_set_rate(struct ratelimit *rl, double rate);
double ratelimit_rate(const struct ratelimit *rl);
/*
 * Takes a token now and returns 1 (no callback), or queues cb(arg), sets *wp
 * to a handle for ratelimit_cancel and returns 0. A token is taken at once
 * only when nobody is waiting.
 */
int ratelimit_acquire(struct ratelimit *rl, ratelimit_cb cb, void *arg, struct ratelimit_wait **wp);
/*
 * The same with a priority: waiters are called back smallest priority
 * first, in arrival order among equal ones.
 */
int ratelimit_acquire_prio(struct ratelimit *rl, int64_t priority, ratelimit_cb cb, void *arg,
                           struct ratelimit_wait **wp);
/* Removes a queued waiter; its callback never runs. */
void ratelimit_cancel(struct ratelimit *rl, struct ratelimit_wait *w);
size_t ratelimit_waiting(const struct ratelimit *rl);
/* Calls back every waiter whose token is available now; re-arms the timer. */
void ratelimit_run(struct ratelimit *rl);

#endif
