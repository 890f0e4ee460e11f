/*
 * The heap of deadlines and the one timer armed for its top.
 */
#include <stdlib.h>
#include <sys/time.h>

#include <event2/event.h>

#include "core/clock.h"
#include "core/deadlines.h"
#include "core/xmalloc.h"

#define DEADLINES_PER_PASS    256
#define DEADLINES_MAX_WAIT_MS 60000

struct deadlines {
	struct heap heap;
	struct event *timer;
	deadlines_cb fire;
	void *arg;
	int64_t armed_for; /* the deadline the timer was armed for, INT64_MAX if none */
};

static void deadlines_on_timer(evutil_socket_t fd, short what, void *arg);

struct deadlines *
deadlines_create(struct event_base *base, deadlines_cb fire, void *arg)
{
	struct deadlines *d = xcalloc(1, sizeof *d);

	heap_init(&d->heap);
	if (base != NULL)
		d->timer = evtimer_new(base, deadlines_on_timer, d);
	d->fire = fire;
	d->arg = arg;
	d->armed_for = INT64_MAX;
	return d;
}

void
deadlines_free(struct deadlines *d)
{
	if (d == NULL)
		return;
	heap_clear(&d->heap);
	if (d->timer != NULL)
		event_free(d->timer);
	free(d);
}

/* Arms the timer for the earliest deadline, or a minute, whichever is sooner. */
static void
deadlines_arm(struct deadlines *d, int pass_again)
{
	struct heap_node *top = heap_top(&d->heap);
	struct timeval tv;
	int64_t wait;

	if (d->timer == NULL)
		return;
	if (top == NULL) {
		evtimer_del(d->timer);
		d->armed_for = INT64_MAX;
		return;
	}
	wait = pass_again ? 0 : top->key - clock_wall_ms();
	if (wait < 0)
		wait = 0;
	if (wait > DEADLINES_MAX_WAIT_MS)
		wait = DEADLINES_MAX_WAIT_MS;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	evtimer_add(d->timer, &tv);
	d->armed_for = top->key;
}

void
deadlines_set(struct deadlines *d, struct heap_node *node, int64_t at_ms)
{
	if (heap_node_queued(node))
		heap_rekey(&d->heap, node, at_ms);
	else
		heap_push(&d->heap, node, at_ms);
	if (heap_top(&d->heap)->key != d->armed_for)
		deadlines_arm(d, 0);
}

void
deadlines_cancel(struct deadlines *d, struct heap_node *node)
{
	if (!heap_node_queued(node))
		return;
	heap_remove(&d->heap, node);
	/* A timer armed too early finds nothing due and re-arms; only an empty set disarms. */
	if (heap_count(&d->heap) == 0)
		deadlines_arm(d, 0);
}

size_t
deadlines_count(const struct deadlines *d)
{
	return heap_count(&d->heap);
}

int64_t
deadlines_next(const struct deadlines *d)
{
	struct heap_node *top = heap_top(&d->heap);

	return top != NULL ? top->key : INT64_MAX;
}

void
deadlines_run(struct deadlines *d)
{
	struct heap_node *top;
	int64_t now = clock_wall_ms();
	unsigned fired = 0;

	d->armed_for = INT64_MAX;
	while ((top = heap_top(&d->heap)) != NULL && top->key <= now) {
		if (fired++ == DEADLINES_PER_PASS) {
			deadlines_arm(d, 1);
			return;
		}
		heap_remove(&d->heap, top);
		d->fire(top, d->arg);
	}
	deadlines_arm(d, 0);
}

static void
deadlines_on_timer(evutil_socket_t fd, short what, void *arg)
{
	deadlines_run(arg);
}
