/*
 * The token bucket and its queue of waiters.
 */
#include <math.h>
#include <stdlib.h>
#include <sys/time.h>

#include <event2/event.h>

#include "core/clock.h"
#include "core/ratelimit.h"
#include "core/xmalloc.h"

struct ratelimit_wait {
	ratelimit_cb cb;
	void *arg;
	struct ratelimit_wait *prev, *next;
};

struct ratelimit {
	struct ratelimit_bucket bucket;
	int unlimited;
	struct ratelimit_wait *head, *tail;
	size_t nwaiting;
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
	if (base != NULL)
		rl->timer = evtimer_new(base, ratelimit_on_timer, rl);
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	struct ratelimit_wait *w;

	if (rl == NULL)
		return;
	while ((w = rl->head) != NULL) {
		rl->head = w->next;
		free(w);
	}
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

static void
ratelimit_unlink(struct ratelimit *rl, struct ratelimit_wait *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		rl->head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	else
		rl->tail = w->prev;
	rl->nwaiting--;
}

int
ratelimit_acquire(struct ratelimit *rl, ratelimit_cb cb, void *arg, struct ratelimit_wait **wp)
{
	struct ratelimit_wait *w;

	if (rl->unlimited)
		return 1;
	if (rl->head == NULL && ratelimit_bucket_take(&rl->bucket, clock_mono_ms()) == 0)
		return 1;
	w = xcalloc(1, sizeof *w);
	w->cb = cb;
	w->arg = arg;
	w->prev = rl->tail;
	if (rl->tail != NULL)
		rl->tail->next = w;
	else
		rl->head = w;
	rl->tail = w;
	rl->nwaiting++;
	*wp = w;
	if (rl->nwaiting == 1)
		ratelimit_run(rl);
	return 0;
}

void
ratelimit_cancel(struct ratelimit *rl, struct ratelimit_wait *w)
{
	ratelimit_unlink(rl, w);
	free(w);
	if (rl->head == NULL && rl->timer != NULL)
		evtimer_del(rl->timer);
}

size_t
ratelimit_waiting(const struct ratelimit *rl)
{
	return rl->nwaiting;
}

void
ratelimit_run(struct ratelimit *rl)
{
	struct ratelimit_wait *w;
	struct timeval tv;
	uint64_t wait = 0;

	while ((w = rl->head) != NULL) {
		if (!rl->unlimited &&
		    (wait = ratelimit_bucket_take(&rl->bucket, clock_mono_ms())) != 0)
			break;
		/* Unlinked before the call: the callback may queue or cancel others. */
		ratelimit_unlink(rl, w);
		w->cb(w->arg);
		free(w);
	}
	if (rl->timer == NULL)
		return;
	if (rl->head == NULL || wait == UINT64_MAX) {
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
