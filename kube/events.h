/*
 * Kubernetes Events about the objects pca-issuer handles, written so that a
 * controller stuck in a retry loop cannot flood the API server.
 *
 * An event goes out as an events.k8s.io/v1 Event (regarding, reason, note,
 * type, action, reportingController, reportingInstance, eventTime). When the
 * first POST answers 404 without a Kubernetes NotFound status (the group is
 * not served) or 403 (RBAC written for the Go issuer grants core Events
 * only), the recorder switches to core/v1 Events (involvedObject, message,
 * source.component, first/lastTimestamp, count) for good.
 *
 * What limits the writes, in the order an emit meets them:
 *  - Deduplication. An emit with the same object uid, type, reason, action
 *    and note as one seen within the window (10 minutes since its last
 *    occurrence) is not posted again: it is counted into that Event's series
 *    (series.count / count). The count is written lazily, by one merge PATCH
 *    at most every series_interval per Event, carrying every occurrence seen
 *    since the last write; occurrences not yet written when the recorder is
 *    freed are lost.
 *  - A token bucket per object (uid), as client-go's spam filter: a burst of
 *    25 writes, then one per 5 minutes. POSTs and series PATCHes both take a
 *    token; counting a repeat does not. A new event finding the bucket empty
 *    is dropped (outcome "throttled"); a series update waits for its token.
 *  - A global token bucket (10 writes/s, burst 25) and a cap on writes in
 *    flight (4), behind a FIFO of at most 256 writes; a new event finding
 *    that queue full is dropped (outcome "dropped").
 *
 * Emitting never blocks and never fails the caller: refusals and API errors
 * are logged at debug level and counted in
 *   pca_issuer_kube_events_total{type,reason,outcome}
 * with outcome posted, series (a repeat counted into an Event), throttled,
 * dropped, failed (the POST failed), update_failed (a series PATCH failed).
 *
 * Memory is bounded: a series is forgotten once idle for the window (or, past
 * max_series, the least recently seen one goes first), an object's bucket once
 * it would be full again (or, past max_objects, the least recently used).
 */
#ifndef PCA_KUBE_EVENTS_H
#define PCA_KUBE_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "kube/client.h"

/* The component name the Go issuer's controller-runtime recorder uses. */
#define KUBE_EVENTS_CONTROLLER "awspcaissuer-controller"

struct kube_events;

enum kube_event_type {
	KUBE_EVENT_NORMAL,
	KUBE_EVENT_WARNING,
};

/*
 * The object an event is about; borrowed during the emit. kind, name and uid
 * are required; namespace is NULL or "" for cluster-scoped objects, whose
 * Events go to "kube-system" (events.k8s.io/v1 on a 1.20 API server accepts
 * no other) or, as core/v1 Events, to "default".
 */
struct kube_event_ref {
	const char *api_version; /* "cert-manager.io/v1" */
	const char *kind;
	const char *namespace;
	const char *name;
	const char *uid;
	const char *resource_version; /* may be NULL */
};

/* Zero fields take the defaults in brackets. */
struct kube_events_opts {
	const char *controller; /* reportingController, source.component [KUBE_EVENTS_CONTROLLER] */
	const char *instance;   /* reportingInstance [$POD_NAME, else the host name] */
	const struct kube_resource *resource; /* the first choice [kube_res_events] */
	uint64_t window_ms;                   /* [600000] */
	uint64_t series_interval_ms;          /* least time between writes of an Event [10000] */
	double object_burst;                  /* [25] */
	uint64_t object_refill_ms;            /* one token per [300000] */
	double rate;                          /* global writes per second [10] */
	double burst;                         /* [25] */
	unsigned max_in_flight;               /* [4] */
	size_t max_queue;                     /* [256] */
	size_t max_series;                    /* [4096] */
	size_t max_objects;                   /* [4096] */
	const struct kube_io *io;             /* [the client] */
};

/* Borrows c (NULL only with opts->io), which must outlive the recorder. */
struct kube_events *kube_events_create(struct kube_client *c, const struct kube_events_opts *opts);
/* Cancels the writes in flight (no callbacks) and frees; NULL is a no-op. */
void kube_events_free(struct kube_events *ev);

/*
 * Records an event. reason is a CamelCase word ("Issued"); action (what was
 * being done: "Sign") defaults to reason; note is cut at 1024 bytes. ev NULL
 * is a no-op, so callers need not check whether events are enabled.
 */
void kube_events_emit(struct kube_events *ev, const struct kube_event_ref *obj,
                      enum kube_event_type type, const char *reason, const char *action,
                      const char *note);
void kube_events_emitf(struct kube_events *ev, const struct kube_event_ref *obj,
                       enum kube_event_type type, const char *reason, const char *action,
                       const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * Does what is due now: expiry, series writes whose time has come, queued
 * writes that have a token. The recorder's timer calls it; tests driving a
 * fake clock call it themselves.
 */
void kube_events_run(struct kube_events *ev);

struct kube_events_stats {
	uint64_t emitted, posted, patched, series, throttled, dropped, failed, update_failed;
	size_t tracked_series, tracked_objects, queued, in_flight, dirty;
	int core; /* 1 once writing core/v1 Events */
};
void kube_events_stats(const struct kube_events *ev, struct kube_events_stats *out);

#endif
