/*
 * A keyed work queue for controllers, in the manner of client-go's rate-
 * limited work queue but asynchronous: a handler starts work for a key and
 * reports the outcome later with workq_done().
 *
 * - A key is pending at most once however often it is added.
 * - A key being handled is never handed out again until workq_done(); adds
 *   that arrive meanwhile mark it dirty, and it is handled again afterwards.
 * - workq_add_after() delays a key; an earlier add wins.
 * - WORKQ_RETRY re-queues a key after its own exponential back-off with
 *   jitter (base doubled per consecutive failure, up to the cap); WORKQ_DONE
 *   forgets its failures. A fresh add (the object changed) skips the wait.
 * - At most max_per_pass keys are handed out per loop pass, so a flood of
 *   keys cannot starve the rest of the loop.
 *
 * Time comes from clock_mono_ms(); the libevent timer only wakes the queue.
 * Tests drive it with a fake clock by calling workq_run() themselves.
 *
 * Metrics, with the names, labels and meaning controller-runtime gives a Go
 * controller and its queue, so that dashboards and alerts made for the Go
 * issuer keep working (a handed-out key is one reconcile):
 * controller_runtime_reconcile_total{controller,result} (success, error,
 * requeue, requeue_after), controller_runtime_reconcile_errors_total
 * {controller}, controller_runtime_reconcile_time_seconds{controller},
 * controller_runtime_max_concurrent_reconciles{controller},
 * controller_runtime_active_workers{controller}, workqueue_depth
 * {controller,name,priority}, workqueue_adds_total{controller,name},
 * workqueue_retries_total{controller,name} (keys added with a delay) and
 * workqueue_queue_duration_seconds{controller,name}.
 */
#ifndef PCA_CORE_WORKQ_H
#define PCA_CORE_WORKQ_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct workq;

enum workq_result {
	WORKQ_DONE,  /* success, or nothing more to do: forget the back-off */
	WORKQ_RETRY, /* failed: try again after the key's back-off */
	WORKQ_AFTER, /* come back after the given delay (polling) */
};

struct workq_opts {
	const char *name;      /* for logs */
	uint64_t base_ms;      /* first back-off; default 1000 */
	uint64_t cap_ms;       /* longest back-off; default 300000 */
	unsigned max_per_pass; /* keys handed out per loop pass; default 64 */
	unsigned max_active;   /* keys being handled at once; 0 = no limit */
	/*
	 * The controller name under which the queue shows in the metrics
	 * controller-runtime gives a Go controller (below), or NULL for none;
	 * controller_of, when set, names it per key instead.
	 */
	const char *controller;
	const char *(*controller_of)(const char *key);
};

/*
 * Handles key; must lead to exactly one workq_done(q, key, ...) call, now or
 * later. key stays valid until then.
 */
typedef void (*workq_fn)(struct workq *q, const char *key, void *arg);

struct workq *workq_create(struct event_base *base, const struct workq_opts *opts, workq_fn fn,
                           void *arg);
/*
 * Shows another controller the queue serves (controller_of) in the metrics
 * at once; controller must live as long as the queue (a literal).
 */
void workq_metrics_controller(struct workq *q, const char *controller);
/* Frees the queue; handlers still active must not call workq_done afterwards. */
void workq_free(struct workq *q);
void workq_add(struct workq *q, const char *key);
void workq_add_after(struct workq *q, const char *key, uint64_t delay_ms);
/* Reports the outcome for a key handed out by the handler. */
void workq_done(struct workq *q, const char *key, enum workq_result result, uint64_t after_ms);
/* Resets a key's failure count. */
void workq_forget(struct workq *q, const char *key);
unsigned workq_failures(const struct workq *q, const char *key);
/*
 * Stops (paused = 1) or resumes handing out keys; keys keep being queued and
 * what is active finishes. A replica that is not the leader keeps its queue
 * paused.
 */
void workq_set_paused(struct workq *q, int paused);

/* Hands out every key that is due (up to the per-pass cap) and re-arms the timer. */
void workq_run(struct workq *q);

size_t workq_ready(const struct workq *q);
size_t workq_delayed(const struct workq *q);
size_t workq_active(const struct workq *q);
/* The due time of the earliest delayed key, or UINT64_MAX. */
uint64_t workq_next_due(const struct workq *q);

#endif
