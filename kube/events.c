/*
 * The event recorder: series (one per distinct event) in a hash map and an
 * LRU list, token buckets per object, a FIFO of writes waiting for the global
 * bucket and a free slot, and one timer for whatever is due next.
 *
 * A series moves through NEW (waiting to be posted) -> SENDING (POST in
 * flight) -> POSTED, and POSTED <-> PATCHING while its count is written.
 * Occurrences counted while a write is in flight are written by the next one.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/jenc.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/ratelimit.h"
#include "core/smap.h"
#include "core/timefmt.h"
#include "core/xmalloc.h"
#include "kube/events_impl.h"
#include "kube/permission.h"
#include "kube/types.h"

static struct metric *kube_events_metric;

static void kube_events_on_timer(evutil_socket_t fd, short what, void *arg);
static void kube_events_pump(struct kube_events *ev, uint64_t now);

const char *
kube_events_type_name(enum kube_event_type type)
{
	return type == KUBE_EVENT_WARNING ? "Warning" : "Normal";
}

static void
kube_events_count(const struct kube_events_rec *r, const char *outcome)
{
	metrics_inc(kube_events_metric, kube_events_type_name(r->type), r->reason, outcome);
}

/* A copy of s cut to at most max bytes, not inside a UTF-8 sequence. */
static char *
kube_events_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	return xstrndup(s, n);
}

/* $POD_NAME, else the host name: who reports, as the Event shows it. */
static char *
kube_events_default_instance(void)
{
	const char *pod = getenv("POD_NAME");
	char host[256];

	if (pod != NULL && *pod != '\0')
		return kube_events_cut(pod, KUBE_EVENTS_FIELD_MAX);
	if (gethostname(host, sizeof host) != 0)
		return xstrdup("pca-issuer");
	host[sizeof host - 1] = '\0';
	return kube_events_cut(host, KUBE_EVENTS_FIELD_MAX);
}

static void
kube_events_defaults(struct kube_events_opts *o)
{
	if (o->resource == NULL)
		o->resource = &kube_res_events;
	if (o->window_ms == 0)
		o->window_ms = 600000;
	if (o->series_interval_ms == 0)
		o->series_interval_ms = 10000;
	if (o->object_burst < 1)
		o->object_burst = 25;
	if (o->object_refill_ms == 0)
		o->object_refill_ms = 300000;
	if (o->rate <= 0)
		o->rate = 10;
	if (o->burst < 1)
		o->burst = 25;
	if (o->max_in_flight == 0)
		o->max_in_flight = 4;
	if (o->max_queue == 0)
		o->max_queue = 256;
	if (o->max_series == 0)
		o->max_series = 4096;
	if (o->max_objects == 0)
		o->max_objects = 4096;
}

struct kube_events *
kube_events_create(struct kube_client *c, const struct kube_events_opts *opts)
{
	struct kube_events *ev = xcalloc(1, sizeof *ev);

	if (kube_events_metric == NULL)
		kube_events_metric = metrics_counter("pca_issuer_kube_events_total",
		                                     "Kubernetes Events emitted, by what became of "
		                                     "them.",
		                                     "type,reason,outcome");
	if (opts != NULL)
		ev->o = *opts;
	kube_events_defaults(&ev->o);
	if (ev->o.io != NULL) {
		ev->io = *ev->o.io;
	} else {
		kube_client_io(c, &ev->io);
	}
	ev->o.io = NULL;
	ev->controller =
	    xstrdup(ev->o.controller != NULL ? ev->o.controller : KUBE_EVENTS_CONTROLLER);
	ev->instance = ev->o.instance != NULL
	                   ? kube_events_cut(ev->o.instance, KUBE_EVENTS_FIELD_MAX)
	                   : kube_events_default_instance();
	ev->o.controller = ev->o.instance = NULL;
	ev->res = ev->o.resource;
	ev->series = smap_create();
	ev->objects = smap_create();
	TAILQ_INIT(&ev->lru);
	TAILQ_INIT(&ev->queue);
	TAILQ_INIT(&ev->dirty);
	TAILQ_INIT(&ev->obj_lru);
	ratelimit_bucket_init(&ev->global, ev->o.rate, ev->o.burst, clock_mono_ms());
	ev->timer = evtimer_new(loop_base(), kube_events_on_timer, ev);
	return ev;
}

/* Unlinks r from every list and map, cancels its write, and frees it. */
static void
kube_events_rec_free(struct kube_events_rec *r)
{
	struct kube_events *ev = r->ev;

	if (r->call != NULL) {
		ev->io.cancel(ev->io.ctx, r->call);
		ev->in_flight--;
	}
	if (r->queued) {
		TAILQ_REMOVE(&ev->queue, r, q_entry);
		ev->nqueued--;
	}
	if (r->dirty) {
		TAILQ_REMOVE(&ev->dirty, r, d_entry);
		ev->ndirty--;
	}
	TAILQ_REMOVE(&ev->lru, r, lru_entry);
	smap_del(ev->series, r->key);
	free(r->reason);
	free(r->action);
	free(r->note);
	free(r->api_version);
	free(r->kind);
	free(r->obj_ns);
	free(r->obj_name);
	free(r->uid);
	free(r->obj_rv);
	free(r->ns);
	free(r->name);
	free(r);
}

static void
kube_events_obj_free(struct kube_events *ev, struct kube_events_obj *o)
{
	TAILQ_REMOVE(&ev->obj_lru, o, entry);
	smap_del(ev->objects, o->uid);
	free(o);
}

void
kube_events_free(struct kube_events *ev)
{
	if (ev == NULL)
		return;
	while (!TAILQ_EMPTY(&ev->lru))
		kube_events_rec_free(TAILQ_FIRST(&ev->lru));
	while (!TAILQ_EMPTY(&ev->obj_lru))
		kube_events_obj_free(ev, TAILQ_FIRST(&ev->obj_lru));
	smap_free(ev->series, NULL);
	smap_free(ev->objects, NULL);
	event_free(ev->timer);
	free(ev->controller);
	free(ev->instance);
	free(ev);
}

/* Makes sure the timer fires no later than at (monotonic ms). */
static void
kube_events_arm(struct kube_events *ev, uint64_t at)
{
	uint64_t now = clock_mono_ms(), ms = at > now ? at - now : 0;
	struct timeval tv;

	if (ev->timer_at != 0 && ev->timer_at <= at)
		return;
	ev->timer_at = at == 0 ? 1 : at;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(ev->timer, &tv);
}

static void
kube_events_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	kube_events_run(arg);
}

/* Takes a write token from the object's bucket: 0, or ms until one. */
static uint64_t
kube_events_obj_take(struct kube_events *ev, const char *uid, uint64_t now)
{
	struct kube_events_obj *o = smap_get(ev->objects, uid);

	if (o == NULL) {
		if (smap_count(ev->objects) >= ev->o.max_objects)
			kube_events_obj_free(ev, TAILQ_FIRST(&ev->obj_lru));
		o = xcalloc(1, sizeof *o);
		ratelimit_bucket_init(&o->bucket, 1000.0 / (double)ev->o.object_refill_ms,
		                      ev->o.object_burst, now);
		smap_put(ev->objects, uid, o, &o->uid);
	} else {
		TAILQ_REMOVE(&ev->obj_lru, o, entry);
	}
	TAILQ_INSERT_TAIL(&ev->obj_lru, o, entry);
	o->last_used = now;
	return ratelimit_bucket_take(&o->bucket, now);
}

static void
kube_events_enqueue(struct kube_events *ev, struct kube_events_rec *r, int at_head)
{
	if (at_head)
		TAILQ_INSERT_HEAD(&ev->queue, r, q_entry);
	else
		TAILQ_INSERT_TAIL(&ev->queue, r, q_entry);
	r->queued = 1;
	ev->nqueued++;
}

/* r has occurrences the server has not seen: schedule their write. */
static void
kube_events_make_dirty(struct kube_events_rec *r, uint64_t now)
{
	struct kube_events *ev = r->ev;

	if (r->dirty || r->queued)
		return;
	r->due = r->last_write + ev->o.series_interval_ms;
	if (r->due < now)
		r->due = now;
	r->dirty = 1;
	TAILQ_INSERT_TAIL(&ev->dirty, r, d_entry);
	ev->ndirty++;
	kube_events_arm(ev, r->due);
}

static void kube_events_on_post(const struct kube_resp *resp, void *arg);
static void kube_events_on_patch(const struct kube_resp *resp, void *arg);

/*
 * Where r's Event goes: the object's namespace; for a cluster-scoped object
 * "default" for a core/v1 Event (what the Go issuer's recorder does), but
 * "kube-system" for events.k8s.io, the only namespace 1.19 and 1.20 API
 * servers accept there (later ones take "default" too).
 */
static char *
kube_events_namespace(const struct kube_events_rec *r)
{
	if (r->obj_ns != NULL)
		return xstrdup(r->obj_ns);
	return xstrdup(r->res == &kube_res_core_events ? "default" : "kube-system");
}

/* Starts the write r is queued for: its POST, or the PATCH of its count. */
static void
kube_events_send(struct kube_events *ev, struct kube_events_rec *r)
{
	struct buf body = BUF_INIT;
	char *path;

	if (r->state == KUBE_EVENTS_NEW) {
		r->res = ev->res;
		free(r->ns);
		r->ns = kube_events_namespace(r);
		if (ev->core)
			kube_events_encode_core(ev, r, &body);
		else
			kube_events_encode_v1(ev, r, ev->res, &body);
		path = kube_path(r->res, r->ns, NULL, NULL);
		r->state = KUBE_EVENTS_SENDING;
		r->call = ev->io.send(ev->io.ctx, "POST", path, buf_str(&body), body.len,
		                      kube_events_on_post, r);
	} else {
		kube_events_encode_patch(r, &body);
		path = kube_path(r->res, r->ns, r->name, NULL);
		r->state = KUBE_EVENTS_PATCHING;
		r->call = ev->io.send(ev->io.ctx, "PATCH", path, buf_str(&body), body.len,
		                      kube_events_on_patch, r);
	}
	r->sending = r->count;
	ev->in_flight++;
	free(path);
	buf_clear(&body);
}

/* Starts queued writes while there are slots and global tokens. */
static void
kube_events_pump(struct kube_events *ev, uint64_t now)
{
	struct kube_events_rec *r;
	uint64_t wait;

	while (ev->in_flight < ev->o.max_in_flight && (r = TAILQ_FIRST(&ev->queue)) != NULL) {
		wait = ratelimit_bucket_take(&ev->global, now);
		if (wait != 0) {
			kube_events_arm(ev, now + wait);
			return;
		}
		TAILQ_REMOVE(&ev->queue, r, q_entry);
		r->queued = 0;
		ev->nqueued--;
		kube_events_send(ev, r);
	}
}

/*
 * Whether r's POST failed because the first-choice resource cannot be used:
 * not served (404 with a plain "404 page not found"; a missing namespace
 * answers a Status with reason NotFound instead), or forbidden (403: the Go
 * issuer's RBAC grants core Events only). Once a POST there has worked,
 * neither is taken for that.
 */
static int
kube_events_unusable(const struct kube_events *ev, const struct kube_events_rec *r,
                     const struct kube_resp *resp)
{
	if (r->res != ev->o.resource || ev->o.resource == &kube_res_core_events || ev->confirmed ||
	    resp->err != KUBE_OK)
		return 0;
	return resp->status == 403 ||
	       (resp->status == 404 && strcmp(resp->reason, "NotFound") != 0);
}

/* Writes core/v1 Events from now on, starting with r. */
static void
kube_events_fall_back(struct kube_events *ev, struct kube_events_rec *r, int forbidden)
{
	if (!ev->core) {
		if (forbidden)
			kube_permission_missing("events.k8s.io/events", "create",
			                        "Events are written as core/v1 Events instead");
		else
			log_info("events.k8s.io/v1 is not served; writing core/v1 Events instead",
			         "group", ev->o.resource->group, "version",
			         ev->o.resource->version);
		ev->core = 1;
		ev->res = &kube_res_core_events;
	}
	r->state = KUBE_EVENTS_NEW;
	kube_events_enqueue(ev, r, 1);
}

static void
kube_events_log_failure(const struct kube_events_rec *r, const char *what,
                        const struct kube_resp *resp)
{
	char status[24];

	snprintf(status, sizeof status, "%ld", resp->status);
	log_debug(what, "event", r->name, "namespace", r->ns, "reason", r->reason, "status", status,
	          "error", resp->message);
}

static void
kube_events_on_post(const struct kube_resp *resp, void *arg)
{
	struct kube_events_rec *r = arg;
	struct kube_events *ev = r->ev;
	uint64_t now = clock_mono_ms();

	r->call = NULL;
	ev->in_flight--;
	if (resp->err == KUBE_OK && resp->status >= 200 && resp->status < 300) {
		ev->confirmed = 1;
		ev->st.posted++;
		kube_events_count(r, "posted");
		r->state = KUBE_EVENTS_POSTED;
		r->sent = r->sending;
		r->last_write = now;
		if (r->count > r->sent)
			kube_events_make_dirty(r, now);
	} else if (kube_events_unusable(ev, r, resp)) {
		kube_events_fall_back(ev, r, resp->status == 403);
	} else {
		ev->st.failed++;
		kube_events_count(r, "failed");
		kube_events_log_failure(r, "event not recorded", resp);
		kube_events_rec_free(r);
	}
	kube_events_pump(ev, now);
}

static void
kube_events_on_patch(const struct kube_resp *resp, void *arg)
{
	struct kube_events_rec *r = arg;
	struct kube_events *ev = r->ev;
	uint64_t now = clock_mono_ms();

	r->call = NULL;
	ev->in_flight--;
	r->state = KUBE_EVENTS_POSTED;
	r->last_write = now;
	if (resp->err == KUBE_OK && resp->status >= 200 && resp->status < 300) {
		ev->st.patched++;
		r->sent = r->sending;
	} else {
		ev->st.update_failed++;
		kube_events_count(r, "update_failed");
		kube_events_log_failure(r, "event count not updated", resp);
		if (resp->err == KUBE_OK && resp->status == 404) {
			/* Expired (the API server keeps Events for an hour): start afresh. */
			kube_events_rec_free(r);
			r = NULL;
		}
	}
	if (r != NULL && r->count > r->sent)
		kube_events_make_dirty(r, now);
	kube_events_pump(ev, now);
}

/* The Event's name, as client-go makes it: "<object>.<unique hex>". */
static char *
kube_events_name(struct kube_events *ev, const char *obj_name, int64_t wall_ms)
{
	uint64_t unique = (uint64_t)wall_ms * 1000000u + (ev->name_seq++ % 1000000u);
	size_t n = strlen(obj_name);

	if (n > KUBE_EVENTS_NAME_MAX - 17)
		n = KUBE_EVENTS_NAME_MAX - 17;
	/* A DNS subdomain ends in an alphanumeric before the dot we add. */
	while (n > 0 && (obj_name[n - 1] == '.' || obj_name[n - 1] == '-'))
		n--;
	return xasprintf("%.*s.%llx", (int)n, obj_name, (unsigned long long)unique);
}

static char *
kube_events_dup_opt(const char *s)
{
	return s != NULL && *s != '\0' ? xstrdup(s) : NULL;
}

/* A new series for the event described, at the end of the LRU list. */
static struct kube_events_rec *
kube_events_rec_new(struct kube_events *ev, const char *key, const struct kube_event_ref *obj,
                    enum kube_event_type type, const char *reason, const char *action,
                    const char *note, uint64_t now)
{
	struct kube_events_rec *r = xcalloc(1, sizeof *r);

	r->ev = ev;
	r->type = type;
	r->reason = xstrdup(reason);
	r->action = xstrdup(action);
	r->note = xstrdup(note);
	r->api_version = kube_events_dup_opt(obj->api_version);
	r->kind = xstrdup(obj->kind);
	r->obj_ns = kube_events_dup_opt(obj->namespace);
	r->obj_name = xstrdup(obj->name);
	r->uid = xstrdup(obj->uid);
	r->obj_rv = kube_events_dup_opt(obj->resource_version);
	r->first_wall = r->last_wall = clock_wall_ms();
	r->name = kube_events_name(ev, obj->name, r->first_wall);
	r->last_seen = now;
	r->count = 1;
	r->state = KUBE_EVENTS_NEW;
	smap_put(ev->series, key, r, &r->key);
	TAILQ_INSERT_TAIL(&ev->lru, r, lru_entry);
	return r;
}

/* Makes room for one more series: forgets the least recently seen idle one. */
static void
kube_events_evict(struct kube_events *ev)
{
	struct kube_events_rec *r;

	if (smap_count(ev->series) < ev->o.max_series)
		return;
	TAILQ_FOREACH(r, &ev->lru, lru_entry)
	{
		if (r->call == NULL) {
			kube_events_rec_free(r);
			return;
		}
	}
}

/* One more occurrence of an event that has a live series. */
static void
kube_events_repeat(struct kube_events *ev, struct kube_events_rec *r, uint64_t now)
{
	r->count++;
	r->last_seen = now;
	r->last_wall = clock_wall_ms();
	TAILQ_REMOVE(&ev->lru, r, lru_entry);
	TAILQ_INSERT_TAIL(&ev->lru, r, lru_entry);
	ev->st.series++;
	kube_events_count(r, "series");
	if (r->state == KUBE_EVENTS_POSTED)
		kube_events_make_dirty(r, now);
}

static void
kube_events_refuse(struct kube_events *ev, enum kube_event_type type, const char *reason,
                   const char *outcome, const char *why, const struct kube_event_ref *obj)
{
	if (strcmp(outcome, "throttled") == 0)
		ev->st.throttled++;
	else
		ev->st.dropped++;
	metrics_inc(kube_events_metric, kube_events_type_name(type), reason, outcome);
	log_debug("event not recorded", "reason", reason, "object", obj->name, "cause", why);
}

static void
kube_events_record(struct kube_events *ev, const struct kube_event_ref *obj,
                   enum kube_event_type type, const char *reason, const char *action,
                   const char *note)
{
	uint64_t now = clock_mono_ms();
	struct kube_events_rec *r;
	char *key;

	key = xasprintf("%s\n%d\n%s\n%s\n%s", obj->uid, (int)type, reason, action, note);
	r = smap_get(ev->series, key);
	if (r != NULL && (r->call != NULL || now - r->last_seen < ev->o.window_ms)) {
		kube_events_repeat(ev, r, now);
		goto out;
	}
	if (r != NULL)
		kube_events_rec_free(r);
	if (ev->nqueued >= ev->o.max_queue) {
		kube_events_refuse(ev, type, reason, "dropped", "too many events queued", obj);
		goto out;
	}
	if (kube_events_obj_take(ev, obj->uid, now) != 0) {
		kube_events_refuse(ev, type, reason, "throttled", "too many events for the object",
		                   obj);
		goto out;
	}
	kube_events_evict(ev);
	r = kube_events_rec_new(ev, key, obj, type, reason, action, note, now);
	kube_events_enqueue(ev, r, 0);
	kube_events_pump(ev, now);
	kube_events_arm(ev, r->last_seen + ev->o.window_ms);
out:
	free(key);
}

void
kube_events_emit(struct kube_events *ev, const struct kube_event_ref *obj,
                 enum kube_event_type type, const char *reason, const char *action,
                 const char *note)
{
	char *r, *a, *n;

	if (ev == NULL)
		return;
	ev->st.emitted++;
	if (obj == NULL || obj->kind == NULL || obj->name == NULL || obj->uid == NULL ||
	    reason == NULL || *reason == '\0') {
		ev->st.dropped++;
		log_debug("event without object or reason ignored", "reason", reason);
		return;
	}
	if (action == NULL || *action == '\0')
		action = reason;
	r = kube_events_cut(reason, KUBE_EVENTS_FIELD_MAX);
	a = kube_events_cut(action, KUBE_EVENTS_FIELD_MAX);
	n = kube_events_cut(note != NULL ? note : "", KUBE_EVENTS_NOTE_MAX);
	kube_events_record(ev, obj, type, r, a, n);
	free(r);
	free(a);
	free(n);
}

void
kube_events_emitf(struct kube_events *ev, const struct kube_event_ref *obj,
                  enum kube_event_type type, const char *reason, const char *action,
                  const char *fmt, ...)
{
	va_list ap;
	char *note;

	if (ev == NULL)
		return;
	va_start(ap, fmt);
	note = xvasprintf(fmt, ap);
	va_end(ap);
	kube_events_emit(ev, obj, type, reason, action, note);
	free(note);
}

/* Forgets idle series and objects whose bucket has refilled; returns when next. */
static uint64_t
kube_events_sweep(struct kube_events *ev, uint64_t now)
{
	uint64_t full = (uint64_t)(ev->o.object_burst * (double)ev->o.object_refill_ms);
	uint64_t next = KUBE_EVENTS_NO_DEADLINE;
	struct kube_events_rec *r, *rn;
	struct kube_events_obj *o;

	for (r = TAILQ_FIRST(&ev->lru); r != NULL; r = rn) {
		rn = TAILQ_NEXT(r, lru_entry);
		if (now - r->last_seen < ev->o.window_ms) {
			next = r->last_seen + ev->o.window_ms;
			break;
		}
		if (r->call == NULL)
			kube_events_rec_free(r);
	}
	while ((o = TAILQ_FIRST(&ev->obj_lru)) != NULL) {
		if (now - o->last_used < full) {
			if (o->last_used + full < next)
				next = o->last_used + full;
			break;
		}
		kube_events_obj_free(ev, o);
	}
	return next;
}

/* Queues the series updates that are due and have an object token. */
static uint64_t
kube_events_flush_due(struct kube_events *ev, uint64_t now)
{
	uint64_t next = KUBE_EVENTS_NO_DEADLINE, wait;
	struct kube_events_rec *r, *rn;

	for (r = TAILQ_FIRST(&ev->dirty); r != NULL; r = rn) {
		rn = TAILQ_NEXT(r, d_entry);
		if (r->due <= now) {
			if (ev->nqueued >= ev->o.max_queue)
				r->due = now + KUBE_EVENTS_QUEUE_RETRY;
			else if ((wait = kube_events_obj_take(ev, r->uid, now)) != 0)
				r->due = now + wait;
		}
		if (r->due > now) {
			if (r->due < next)
				next = r->due;
			continue;
		}
		TAILQ_REMOVE(&ev->dirty, r, d_entry);
		r->dirty = 0;
		ev->ndirty--;
		kube_events_enqueue(ev, r, 0);
	}
	return next;
}

void
kube_events_run(struct kube_events *ev)
{
	uint64_t now = clock_mono_ms(), a, b;

	ev->timer_at = 0;
	evtimer_del(ev->timer);
	a = kube_events_sweep(ev, now);
	b = kube_events_flush_due(ev, now);
	if (b < a)
		a = b;
	if (a != KUBE_EVENTS_NO_DEADLINE)
		kube_events_arm(ev, a);
	kube_events_pump(ev, now);
}

void
kube_events_stats(const struct kube_events *ev, struct kube_events_stats *out)
{
	*out = ev->st;
	out->tracked_series = smap_count(ev->series);
	out->tracked_objects = smap_count(ev->objects);
	out->queued = ev->nqueued;
	out->in_flight = ev->in_flight;
	out->dirty = ev->ndirty;
	out->core = ev->core;
}
