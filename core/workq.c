/*
 * The keyed work queue. Each known key has one item, found through a hash
 * map, and is in at most one of: the ready FIFO, the delay heap, the active
 * set. An item with nothing to do is freed, so memory follows the amount of
 * pending work, not the number of objects ever seen.
 */
#include <stdlib.h>
#include <sys/time.h>

#include <event2/event.h>

#include "core/backoff.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/smap.h"
#include "core/workq.h"
#include "core/xmalloc.h"

enum workq_state {
	WORKQ_IDLE,    /* known only for its failure count */
	WORKQ_READY,   /* in the FIFO */
	WORKQ_DELAYED, /* in the heap */
	WORKQ_ACTIVE,  /* handed to the handler */
};

struct workq_item {
	const char *key; /* the map's copy */
	enum workq_state state;
	unsigned failures;
	int dirty;               /* added while active */
	uint64_t dirty_due;      /* when the dirty add wants it */
	uint64_t due;            /* while delayed */
	size_t heap_index;       /* while delayed */
	struct workq_item *next; /* while ready */
	uint64_t ready_ms;       /* when it became ready, for the queue duration */
	uint64_t started_ms;     /* when it was handed out, for the reconcile time */
};

struct workq {
	struct workq_opts opts;
	workq_fn fn;
	void *arg;
	struct smap *items;
	struct workq_item *ready_head, *ready_tail;
	size_t nready, nactive;
	struct workq_item **heap;
	size_t nheap, heap_cap;
	struct event *timer;
	int paused;
	char *name;
	const char *controllers[4]; /* the controllers it serves, for the depth gauge */
	size_t ncontrollers;
};

static void workq_on_timer(evutil_socket_t fd, short what, void *arg);

/* ---- controller-runtime's metrics ---- */

static struct metric *workq_m_reconciles, *workq_m_errors, *workq_m_time, *workq_m_max,
    *workq_m_active, *workq_m_depth, *workq_m_adds, *workq_m_retries, *workq_m_wait;

static const char *
workq_controller(const struct workq *q, const char *key)
{
	return q->opts.controller_of != NULL ? q->opts.controller_of(key) : q->opts.controller;
}

static void workq_collect_depth(struct metric *m, void *arg);

static void
workq_metrics_init(struct workq *q)
{
	static const double reconcile_buckets[] = {
	    0.005, 0.01, 0.025, 0.05, 0.1,  0.15, 0.2,  0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6,
	    0.7,   0.8,  0.9,   1.0,  1.25, 1.5,  1.75, 2.0,  2.5, 3.0,  3.5, 4.0,  4.5, 5,
	    6,     7,    8,     9,    10,   15,   20,   25,   30,  40,   50,  60};
	static const double queue_buckets[] = {1e-08, 1e-07, 1e-06, 1e-05, 0.0001, 0.001,
	                                       0.01,  0.1,   1,     10,    100,    1000};

	if (workq_m_reconciles == NULL) {
		workq_m_reconciles = metrics_counter(
		    "controller_runtime_reconcile_total",
		    "Total number of reconciliations per controller", "controller,result");
		workq_m_errors = metrics_counter(
		    "controller_runtime_reconcile_errors_total",
		    "Total number of reconciliation errors per controller", "controller");
		workq_m_time = metrics_histogram(
		    "controller_runtime_reconcile_time_seconds",
		    "Length of time per reconciliation per controller", "controller",
		    reconcile_buckets, sizeof reconcile_buckets / sizeof reconcile_buckets[0]);
		workq_m_max = metrics_gauge(
		    "controller_runtime_max_concurrent_reconciles",
		    "Maximum number of concurrent reconciles per controller", "controller");
		workq_m_active =
		    metrics_gauge("controller_runtime_active_workers",
		                  "Number of currently used workers per controller", "controller");
		workq_m_depth = metrics_gauge(
		    "workqueue_depth", "Current depth of workqueue by workqueue and priority",
		    "controller,name,priority");
		workq_m_adds =
		    metrics_counter("workqueue_adds_total",
		                    "Total number of adds handled by workqueue", "controller,name");
		workq_m_retries = metrics_counter(
		    "workqueue_retries_total",
		    "Total number of items added to the workqueue with a non-zero delay",
		    "controller,name");
		workq_m_wait = metrics_histogram(
		    "workqueue_queue_duration_seconds",
		    "How long in seconds an item stays in workqueue before being requested",
		    "controller,name", queue_buckets,
		    sizeof queue_buckets / sizeof queue_buckets[0]);
	}
	metrics_collect_add(workq_m_depth, workq_collect_depth, q);
}

/* Sets a controller's series to their zero values, as controller-runtime does at start. */
static void
workq_metrics_zero(struct workq *q, const char *controller)
{
	static const char *const results[] = {"success", "error", "requeue", "requeue_after"};
	size_t i;

	for (i = 0; i < sizeof results / sizeof results[0]; i++)
		metrics_add(workq_m_reconciles, 0, controller, results[i]);
	metrics_add(workq_m_errors, 0, controller);
	metrics_set(workq_m_max, (double)q->opts.max_active, controller);
	metrics_gauge_add(workq_m_active, 0, controller);
	metrics_add(workq_m_adds, 0, controller, controller);
	metrics_add(workq_m_retries, 0, controller, controller);
	if (q->ncontrollers < sizeof q->controllers / sizeof q->controllers[0])
		q->controllers[q->ncontrollers++] = controller;
}

/* Scrape time: the ready keys of each controller of the queue. */
static void
workq_collect_depth(struct metric *m, void *arg)
{
	struct workq *q = arg;
	struct workq_item *it;
	const char *c;

	size_t i;

	if (q->opts.controller_of == NULL) {
		metrics_set(m, (double)q->nready, q->opts.controller, q->opts.controller, "0");
		return;
	}
	/* Per key: a queue of several controllers holds few keys (the issuers). */
	for (i = 0; i < q->ncontrollers; i++)
		metrics_set(m, 0, q->controllers[i], q->controllers[i], "0");
	for (it = q->ready_head; it != NULL; it = it->next) {
		c = workq_controller(q, it->key);
		metrics_gauge_add(m, 1, c, c, "0");
	}
}

struct workq *
workq_create(struct event_base *base, const struct workq_opts *opts, workq_fn fn, void *arg)
{
	struct workq *q = xcalloc(1, sizeof *q);

	q->opts = *opts;
	q->name = xstrdup(opts->name != NULL ? opts->name : "workq");
	q->opts.name = q->name;
	if (q->opts.base_ms == 0)
		q->opts.base_ms = 1000;
	if (q->opts.cap_ms == 0)
		q->opts.cap_ms = 300000;
	if (q->opts.max_per_pass == 0)
		q->opts.max_per_pass = 64;
	q->fn = fn;
	q->arg = arg;
	q->items = smap_create();
	if (base != NULL)
		q->timer = evtimer_new(base, workq_on_timer, q);
	if (q->opts.controller != NULL) {
		workq_metrics_init(q);
		workq_metrics_zero(q, q->opts.controller);
	}
	return q;
}

/* Adds the zero series of another controller the queue serves (controller_of). */
void
workq_metrics_controller(struct workq *q, const char *controller)
{
	if (q->opts.controller != NULL)
		workq_metrics_zero(q, controller);
}

void
workq_free(struct workq *q)
{
	if (q == NULL)
		return;
	if (q->timer != NULL)
		event_free(q->timer);
	if (q->opts.controller != NULL)
		metrics_collect_remove(workq_m_depth, workq_collect_depth, q);
	smap_free(q->items, free);
	free(q->heap);
	free(q->name);
	free(q);
}

/* The delay heap: a binary min-heap on due time. */
static void
workq_heap_swap(struct workq *q, size_t a, size_t b)
{
	struct workq_item *t = q->heap[a];

	q->heap[a] = q->heap[b];
	q->heap[b] = t;
	q->heap[a]->heap_index = a;
	q->heap[b]->heap_index = b;
}

static void
workq_heap_up(struct workq *q, size_t i)
{
	while (i > 0 && q->heap[(i - 1) / 2]->due > q->heap[i]->due) {
		workq_heap_swap(q, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
workq_heap_down(struct workq *q, size_t i)
{
	size_t l, r, m;

	for (;;) {
		l = 2 * i + 1, r = l + 1, m = i;
		if (l < q->nheap && q->heap[l]->due < q->heap[m]->due)
			m = l;
		if (r < q->nheap && q->heap[r]->due < q->heap[m]->due)
			m = r;
		if (m == i)
			return;
		workq_heap_swap(q, i, m);
		i = m;
	}
}

static void
workq_heap_push(struct workq *q, struct workq_item *it)
{
	if (q->nheap == q->heap_cap) {
		q->heap_cap = q->heap_cap == 0 ? 64 : q->heap_cap * 2;
		q->heap = xreallocarray(q->heap, q->heap_cap, sizeof *q->heap);
	}
	it->heap_index = q->nheap;
	q->heap[q->nheap++] = it;
	workq_heap_up(q, it->heap_index);
}

static void
workq_heap_remove(struct workq *q, struct workq_item *it)
{
	size_t i = it->heap_index;

	q->nheap--;
	if (i != q->nheap) {
		q->heap[i] = q->heap[q->nheap];
		q->heap[i]->heap_index = i;
		workq_heap_down(q, i);
		workq_heap_up(q, i);
	}
}

static void
workq_push_ready(struct workq *q, struct workq_item *it)
{
	it->ready_ms = clock_mono_ms();
	it->state = WORKQ_READY;
	it->next = NULL;
	if (q->ready_tail != NULL)
		q->ready_tail->next = it;
	else
		q->ready_head = it;
	q->ready_tail = it;
	q->nready++;
}

/*
 * Re-arms the one timer: now if keys are ready and may be handed out, else at
 * the earliest due time. Keys waiting only for a free slot wait for
 * workq_done, which re-arms.
 */
static void
workq_arm(struct workq *q)
{
	struct timeval tv = {0, 0};
	uint64_t now, due;
	int can_hand =
	    q->nready > 0 && (q->opts.max_active == 0 || q->nactive < q->opts.max_active);

	if (q->timer == NULL)
		return;
	if (q->paused || (!can_hand && q->nheap == 0)) {
		evtimer_del(q->timer);
		return;
	}
	if (!can_hand) {
		now = clock_mono_ms();
		due = q->heap[0]->due;
		if (due > now) {
			tv.tv_sec = (time_t)((due - now) / 1000);
			tv.tv_usec = (suseconds_t)((due - now) % 1000) * 1000;
		}
	}
	evtimer_add(q->timer, &tv);
}

static struct workq_item *
workq_item(struct workq *q, const char *key)
{
	struct workq_item *it = smap_get(q->items, key);

	if (it == NULL) {
		it = xcalloc(1, sizeof *it);
		smap_put(q->items, key, it, &it->key);
	}
	return it;
}

/* Schedules an item to be handed out at due (now or later), the earlier winning. */
static void
workq_schedule(struct workq *q, struct workq_item *it, uint64_t due)
{
	uint64_t now = clock_mono_ms();

	switch (it->state) {
	case WORKQ_READY:
		return;
	case WORKQ_ACTIVE:
		if (!it->dirty || due < it->dirty_due)
			it->dirty_due = due;
		it->dirty = 1;
		return;
	case WORKQ_DELAYED:
		if (due >= it->due)
			return;
		if (due <= now) {
			workq_heap_remove(q, it);
			workq_push_ready(q, it);
		} else {
			it->due = due;
			workq_heap_up(q, it->heap_index);
		}
		break;
	case WORKQ_IDLE:
		if (q->opts.controller != NULL) {
			const char *c = workq_controller(q, it->key);

			metrics_inc(workq_m_adds, c, c);
			if (due > now)
				metrics_inc(workq_m_retries, c, c);
		}
		if (due <= now) {
			workq_push_ready(q, it);
		} else {
			it->state = WORKQ_DELAYED;
			it->due = due;
			workq_heap_push(q, it);
		}
		break;
	}
	workq_arm(q);
}

void
workq_add(struct workq *q, const char *key)
{
	workq_schedule(q, workq_item(q, key), clock_mono_ms());
}

void
workq_add_after(struct workq *q, const char *key, uint64_t delay_ms)
{
	workq_schedule(q, workq_item(q, key), clock_mono_ms() + delay_ms);
}

/* One reconcile ended: its result and its time, as controller-runtime counts them. */
static void
workq_count_reconcile(struct workq *q, const struct workq_item *it, enum workq_result result,
                      uint64_t after_ms, uint64_t now)
{
	const char *c = workq_controller(q, it->key);
	const char *what = result == WORKQ_DONE    ? "success"
	                   : result == WORKQ_RETRY ? "error"
	                   : after_ms > 0          ? "requeue_after"
	                                           : "requeue";

	metrics_inc(workq_m_reconciles, c, what);
	if (result == WORKQ_RETRY)
		metrics_inc(workq_m_errors, c);
	metrics_observe(workq_m_time, (double)(now - it->started_ms) / 1000.0, c);
	metrics_gauge_add(workq_m_active, -1, c);
}

void
workq_done(struct workq *q, const char *key, enum workq_result result, uint64_t after_ms)
{
	struct workq_item *it = smap_get(q->items, key);
	uint64_t now = clock_mono_ms(), due = UINT64_MAX;
	int dirty;

	if (it == NULL || it->state != WORKQ_ACTIVE)
		fatalx("workq %s: done for key %s that is not active", q->name, key);
	if (q->opts.controller != NULL)
		workq_count_reconcile(q, it, result, after_ms, now);
	q->nactive--;
	it->state = WORKQ_IDLE;
	switch (result) {
	case WORKQ_DONE:
		it->failures = 0;
		break;
	case WORKQ_RETRY:
		due = now + backoff_delay(q->opts.base_ms, q->opts.cap_ms, it->failures, 0);
		it->failures++;
		break;
	case WORKQ_AFTER:
		due = now + after_ms;
		break;
	}
	dirty = it->dirty;
	if (dirty && it->dirty_due < due)
		due = it->dirty_due;
	it->dirty = 0;
	if (due != UINT64_MAX)
		workq_schedule(q, it, due);
	else if (it->failures == 0)
		free(smap_del(q->items, key));
	/* A slot freed up: others may be waiting for max_active. */
	workq_arm(q);
}

void
workq_forget(struct workq *q, const char *key)
{
	struct workq_item *it = smap_get(q->items, key);

	if (it == NULL)
		return;
	it->failures = 0;
	if (it->state == WORKQ_IDLE)
		free(smap_del(q->items, key));
}

unsigned
workq_failures(const struct workq *q, const char *key)
{
	struct workq_item *it = smap_get(q->items, key);

	return it == NULL ? 0 : it->failures;
}

void
workq_set_paused(struct workq *q, int paused)
{
	q->paused = paused;
	workq_arm(q);
}

void
workq_run(struct workq *q)
{
	uint64_t now = clock_mono_ms();
	struct workq_item *it;
	unsigned handed = 0;

	while (q->nheap > 0 && q->heap[0]->due <= now) {
		it = q->heap[0];
		workq_heap_remove(q, it);
		workq_push_ready(q, it);
	}
	while (!q->paused && q->ready_head != NULL && handed < q->opts.max_per_pass &&
	       (q->opts.max_active == 0 || q->nactive < q->opts.max_active)) {
		it = q->ready_head;
		q->ready_head = it->next;
		if (q->ready_head == NULL)
			q->ready_tail = NULL;
		q->nready--;
		it->state = WORKQ_ACTIVE;
		it->started_ms = now;
		q->nactive++;
		handed++;
		if (q->opts.controller != NULL) {
			const char *c = workq_controller(q, it->key);

			metrics_observe(workq_m_wait, (double)(now - it->ready_ms) / 1000.0, c, c);
			metrics_gauge_add(workq_m_active, 1, c);
		}
		q->fn(q, it->key, q->arg);
	}
	workq_arm(q);
}

static void
workq_on_timer(evutil_socket_t fd, short what, void *arg)
{
	workq_run(arg);
}

size_t
workq_ready(const struct workq *q)
{
	return q->nready;
}

size_t
workq_delayed(const struct workq *q)
{
	return q->nheap;
}

size_t
workq_active(const struct workq *q)
{
	return q->nactive;
}

uint64_t
workq_next_due(const struct workq *q)
{
	return q->nheap == 0 ? UINT64_MAX : q->heap[0]->due;
}
