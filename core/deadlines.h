/*
 * Wall-clock deadlines on the loop: any number of them, one libevent timer.
 *
 * The caller embeds a struct heap_node (16 bytes) in each object that has a
 * deadline and sets it here in Unix milliseconds; the set keeps them in a
 * heap (core/heap.h, O(log n) per change) and arms one timer for the
 * earliest. When deadlines are due, fire(node, arg) runs for each, earliest
 * first, at most 256 per loop pass (the rest on the next pass); a node is no
 * longer queued when its fire runs, and fire may set it again. Between
 * deadlines nothing runs.
 *
 * The timer is libevent's (monotonic); it is never armed for more than a
 * minute, so that a step of the wall clock is noticed within one, and a
 * deadline found not yet due when the timer fires is simply waited for again.
 */
#ifndef PCA_CORE_DEADLINES_H
#define PCA_CORE_DEADLINES_H

#include <stddef.h>
#include <stdint.h>

#include "core/heap.h"

struct event_base;
struct deadlines;

typedef void (*deadlines_cb)(struct heap_node *node, void *arg);

/* base NULL: no timer (tests call deadlines_run). */
struct deadlines *deadlines_create(struct event_base *base, deadlines_cb fire, void *arg);
/* Frees the set; the nodes are the caller's and are left unqueued. */
void deadlines_free(struct deadlines *d);
/* Queues node at at_ms (Unix ms), or moves it there if it is queued already. */
void deadlines_set(struct deadlines *d, struct heap_node *node, int64_t at_ms);
/* Takes node out if it is queued; its fire never runs for the old deadline. */
void deadlines_cancel(struct deadlines *d, struct heap_node *node);
size_t deadlines_count(const struct deadlines *d);
/* The earliest deadline queued, or INT64_MAX. */
int64_t deadlines_next(const struct deadlines *d);
/* Fires what is due now (at most 256) and re-arms the timer. */
void deadlines_run(struct deadlines *d);

#endif
