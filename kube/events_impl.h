/*
 * What the event recorder (kube/events.c) and its wire encodings
 * (kube/events_wire.c) share; not for use outside them.
 */
#ifndef PCA_KUBE_EVENTS_IMPL_H
#define PCA_KUBE_EVENTS_IMPL_H

#include <sys/queue.h>

#include "core/buf.h"
#include "core/ratelimit.h"
#include "kube/events.h"

struct event;
struct smap;

#define KUBE_EVENTS_NOTE_MAX    1024 /* events.k8s.io/v1 refuses longer notes */
#define KUBE_EVENTS_FIELD_MAX   128  /* reason, action, reportingInstance */
#define KUBE_EVENTS_NAME_MAX    253
#define KUBE_EVENTS_QUEUE_RETRY 1000 /* a due series update waiting for queue room */
#define KUBE_EVENTS_NO_DEADLINE UINT64_MAX

enum kube_events_state {
	KUBE_EVENTS_NEW,
	KUBE_EVENTS_SENDING,
	KUBE_EVENTS_POSTED,
	KUBE_EVENTS_PATCHING,
};

struct kube_events_rec {
	struct kube_events *ev;
	const char *key; /* the series map's copy */
	enum kube_events_state state;
	enum kube_event_type type;
	char *reason, *action, *note;
	char *api_version, *kind, *obj_ns, *obj_name, *uid, *obj_rv;
	char *ns, *name;                     /* of the Event object */
	const struct kube_resource *res;     /* where it was posted */
	int64_t first_wall, last_wall;       /* first and last occurrence */
	uint64_t last_seen, last_write, due; /* monotonic */
	uint32_t count, sent, sending;
	void *call;
	int queued, dirty;
	TAILQ_ENTRY(kube_events_rec) lru_entry;
	TAILQ_ENTRY(kube_events_rec) q_entry;
	TAILQ_ENTRY(kube_events_rec) d_entry;
};
TAILQ_HEAD(kube_events_recs, kube_events_rec);

/* The rate limit of one object, by uid. */
struct kube_events_obj {
	const char *uid; /* the object map's copy */
	struct ratelimit_bucket bucket;
	uint64_t last_used;
	TAILQ_ENTRY(kube_events_obj) entry;
};
TAILQ_HEAD(kube_events_objs, kube_events_obj);

struct kube_events {
	struct kube_io io;
	struct kube_events_opts o;
	char *controller, *instance;
	const struct kube_resource *res;
	int core;      /* switched to core/v1 */
	int confirmed; /* a POST to the first choice succeeded: no fallback */
	struct smap *series;
	struct kube_events_recs lru, queue, dirty;
	size_t nqueued, ndirty;
	struct smap *objects;
	struct kube_events_objs obj_lru;
	struct ratelimit_bucket global;
	unsigned in_flight;
	uint32_t name_seq;
	struct event *timer;
	uint64_t timer_at; /* 0: not armed */
	struct kube_events_stats st;
};

/* The body of a series' first write: an events.k8s.io/v1 Event. */
void kube_events_encode_v1(const struct kube_events *ev, const struct kube_events_rec *r,
                           const struct kube_resource *res, struct buf *b);
/* The same as a core/v1 Event, for API servers or roles without events.k8s.io. */
void kube_events_encode_core(const struct kube_events *ev, const struct kube_events_rec *r,
                             struct buf *b);
/* The merge patch that writes a series' new count and last time. */
void kube_events_encode_patch(const struct kube_events_rec *r, struct buf *b);
/* "Normal" or "Warning". */
const char *kube_events_type_name(enum kube_event_type type);

#endif
