/*
 * The token bucket and its queue of waiters.
 */
#include <math.h>
#include <stdlib.h>
#include <sys/time.h>

#include <event2/event.h>

#include "core/clock.h"
#include "core/heap.h"
#include "core/ratelimit.h"
#include "core/xmalloc.h"

struct ratelimit_wait {
	struct heap_node node; /* first: the heap hands back this pointer */
	ratelimit_cb cb;
	void *arg;
};

struct ratelimit {
	struct ratelimit_bucket bucket;
	int unlimited;
	struct heap waiting; /* by priority, then arrival */
	struct event *timer;
};

static void ratelimit_on_timer(evutil_socket_t fd, short what, void *arg);

void
ratelimit_bucket_init(struct ratelimit_bucket *b, double rate, double burst, uint64_t now_ms)
{
	b->rate = rate;
	b->burst = burst < 1 ? 1 : burst;
	b->tokens = b->burst;
	b->last_ms = now_ms;
}

/* Adds the tokens earned since the last look. */
static void
ratelimit_bucket_refill(struct ratelimit_bucket *b, uint64_t now_ms)
{
	if (now_ms > b->last_ms) {
		b->tokens += (double)(now_ms - b->last_ms) * b->rate / 1000.0;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		b->last_ms = now_ms;
	}
}

uint64_t
ratelimit_bucket_take(struct ratelimit_bucket *b, uint64_t now_ms)
{
	double wait;

	ratelimit_bucket_refill(b, now_ms);
	/* The epsilon absorbs rounding in the refill arithmetic. */
	if (b->tokens >= 1.0 - 1e-9) {
		b->tokens -= 1.0;
		return 0;
	}
	if (b->rate <= 0)
		return UINT64_MAX;
	wait = ceil((1.0 - b->tokens) * 1000.0 / b->rate);
	return wait < 1 ? 1 : (uint64_t)wait;
}

void
ratelimit_bucket_set_rate(struct ratelimit_bucket *b, double rate, uint64_t now_ms)
{
	ratelimit_bucket_refill(b, now_ms);
	b->rate = rate;
}

struct ratelimit *
ratelimit_create(struct event_base *base, double rate, double burst)
{
	struct ratelimit *rl = xcalloc(1, sizeof *rl);

	ratelimit_bucket_init(&rl->bucket, rate, burst, clock_mono_ms());
	rl->unlimited = rate <= 0;
	heap_init(&rl->waiting);
	if (base != NULL)
		rl->timer = evtimer_new(base, ratelimit_on_timer, rl);
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	struct heap_node *n;

	if (rl == NULL)
		return;
	while ((n = heap_pop(&rl->waiting)) != NULL)
		free(n);
	heap_clear(&rl->waiting);
	if (rl->timer != NULL)
		event_free(rl->timer);
	free(rl);
}

void
ratelimit_set_rate(struct ratelimit *rl, double rate)
{
	ratelimit_bucket_set_rate(&rl->bucket, rate, clock_mono_ms());
	rl->unlimited = rate <= 0;
	/* The next token may now come sooner or later than the timer says. */
	ratelimit_run(rl);
}

double
ratelimit_rate(const struct ratelimit *rl)
{
	return rl->unlimited ? 0 : rl->bucket.rate;
}

int
ratelimit_acquire(struct ratelimit *rl, ratelimit_cb cb, void *arg, struct ratelimit_wait **wp)
{
	return ratelimit_acquire_prio(rl, 0, cb, arg, wp);
}

int
ratelimit_acquire_prio(struct ratelimit *rl, int64_t priority, ratelimit_cb cb, void *arg,
                       struct ratelimit_wait **wp)
{
	struct ratelimit_wait *w;

	if (rl->unlimited)
		return 1;
	if (heap_count(&rl->waiting) == 0 &&
	    ratelimit_bucket_take(&rl->bucket, clock_mono_ms()) == 0)
		return 1;
	w = xcalloc(1, sizeof *w);
	w->node.idx = HEAP_NONE;
	w->cb = cb;
	w->arg = arg;
	heap_push(&rl->waiting, &w->node, priority);
	*wp = w;
	if (heap_count(&rl->waiting) == 1)
		ratelimit_run(rl);
	return 0;
}

void
ratelimit_cancel(struct ratelimit *rl, struct ratelimit_wait *w)
{
	heap_remove(&rl->waiting, &w->node);
	free(w);
	if (heap_count(&rl->waiting) == 0 && rl->timer != NULL)
		evtimer_del(rl->timer);
}

size_t
ratelimit_waiting(const struct ratelimit *rl)
{
	return heap_count(&rl->waiting);
}

void
ratelimit_run(struct ratelimit *rl)
{
	struct ratelimit_wait *w;
	struct timeval tv;
	uint64_t wait = 0;

	while ((w = (struct ratelimit_wait *)heap_top(&rl->waiting)) != NULL) {
		if (!rl->unlimited &&
		    (wait = ratelimit_bucket_take(&rl->bucket, clock_mono_ms())) != 0)
			break;
		/* Out of the heap before the call: the callback may queue or cancel others. */
		heap_remove(&rl->waiting, &w->node);
		w->cb(w->arg);
		free(w);
	}
	if (rl->timer == NULL)
		return;
	if (heap_count(&rl->waiting) == 0 || wait == UINT64_MAX) {
		evtimer_del(rl->timer);
		return;
	}
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	evtimer_add(rl->timer, &tv);
}

static void
ratelimit_on_timer(evutil_socket_t fd, short what, void *arg)
{
	ratelimit_run(arg);
}
