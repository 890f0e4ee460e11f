/*
 * The event recorder on a fake clock with a fake transport that records each
 * request and answers it when the test says: the Event bodies (events.k8s.io
 * and core/v1), deduplication into series and the lazy count updates, the
 * per-object and global limits, the fallback to core/v1 (and when it must
 * not happen), failures, and the memory bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/jtok.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/xmalloc.h"
#include "kube/events.h"
#include "testutil.h"

#define MAX_CALLS 4096

struct fake_call {
	char method[8];
	char *path;
	char *body;
	kube_cb cb;
	void *arg;
	int cancelled, answered;
};

static struct fake_call calls[MAX_CALLS];
static int ncalls;
#define START_MONO 1000000
#define START_WALL 1767323045678 /* 2026-01-02T03:04:05.678Z */

static uint64_t now_mono = START_MONO;
static int64_t now_wall = START_WALL;

static void *
fake_send(void *ctx, const char *method, const char *path, const char *body, size_t len, kube_cb cb,
          void *arg)
{
	struct fake_call *c = &calls[ncalls++];

	(void)ctx;
	snprintf(c->method, sizeof c->method, "%s", method);
	c->path = xstrdup(path);
	c->body = xstrndup(body, len);
	c->cb = cb;
	c->arg = arg;
	return c;
}

static void
fake_cancel(void *ctx, void *call)
{
	(void)ctx;
	((struct fake_call *)call)->cancelled = 1;
}

static const struct kube_io fake_io = {fake_send, fake_cancel, NULL};

/* Forgets the calls and sets the clock back for the next test. */
static void
end_test(void)
{
	int i;

	for (i = 0; i < ncalls; i++) {
		free(calls[i].path);
		free(calls[i].body);
	}
	memset(calls, 0, sizeof calls);
	ncalls = 0;
	now_mono = START_MONO;
	now_wall = START_WALL;
}

static void
answer(int i, enum kube_err err, long status, const char *reason)
{
	struct kube_resp r;

	memset(&r, 0, sizeof r);
	r.err = err;
	r.status = status;
	r.reason = reason;
	r.message = "";
	r.body = span_of("{}");
	if (i >= ncalls || calls[i].answered || calls[i].cancelled) {
		fprintf(stderr, "call %d is not waiting for an answer\n", i);
		CHECK(0);
		return;
	}
	calls[i].answered = 1;
	calls[i].cb(&r, calls[i].arg);
}

static void
ok(int i)
{
	answer(i, KUBE_OK, strcmp(calls[i].method, "POST") == 0 ? 201 : 200, "");
}

static void
advance(uint64_t ms)
{
	now_mono += ms;
	now_wall += (int64_t)ms;
}

static struct kube_events_opts
opts(void)
{
	struct kube_events_opts o;

	memset(&o, 0, sizeof o);
	o.instance = "pca-issuer-7d9f-x2";
	o.io = &fake_io;
	return o;
}

static const struct kube_event_ref cr1 = {
    "cert-manager.io/v1", "CertificateRequest", "sandbox", "www-1", "uid-1", "4711"};

static struct kube_event_ref
obj(const char *name, const char *uid)
{
	struct kube_event_ref r = {
	    "cert-manager.io/v1", "CertificateRequest", "sandbox", name, uid, NULL};
	return r;
}

/* The string at path in the JSON body of call i ("" when absent). */
static char *
field(int i, const char *path)
{
	struct jtok *d;
	char *s = NULL, *cause = NULL;
	int64_t n;
	int t;

	if (jtok_parse(calls[i].body, strlen(calls[i].body), &d, &cause) != 0) {
		fprintf(stderr, "body of call %d: %s\n", i, cause);
		free(cause);
		return xstrdup("(invalid JSON)");
	}
	t = jtok_path(d, JTOK_ROOT, path);
	if (jtok_str(d, t, &s) != 0)
		s = jtok_int(d, t, &n) == 0 ? xasprintf("%lld", (long long)n) : xstrdup("");
	jtok_free(d);
	return s;
}

#define CHECK_FIELD(i, path, want)                                                                 \
	do {                                                                                       \
		char *f_ = field(i, path);                                                         \
		CHECK_STR(f_, want);                                                               \
		free(f_);                                                                          \
	} while (0)

static void
test_v1_event_body(void)
{
	struct kube_events *ev = kube_events_create(
	    NULL, &(struct kube_events_opts){.instance = "pca-issuer-7d9f-x2", .io = &fake_io});

	kube_events_emit(ev, &cr1, KUBE_EVENT_WARNING, "Failed", NULL, "AccessDenied: no");
	CHECK_INT(ncalls, 1);
	CHECK_STR(calls[0].method, "POST");
	CHECK_STR(calls[0].path, "/apis/events.k8s.io/v1/namespaces/sandbox/events");
	CHECK_FIELD(0, "apiVersion", "events.k8s.io/v1");
	CHECK_FIELD(0, "kind", "Event");
	CHECK_FIELD(0, "metadata.namespace", "sandbox");
	CHECK_CONTAINS(calls[0].body, "\"name\":\"www-1.");
	CHECK_FIELD(0, "eventTime", "2026-01-02T03:04:05.678000Z");
	CHECK_FIELD(0, "reportingController", "awspcaissuer-controller");
	CHECK_FIELD(0, "reportingInstance", "pca-issuer-7d9f-x2");
	CHECK_FIELD(0, "action", "Failed");
	CHECK_FIELD(0, "reason", "Failed");
	CHECK_FIELD(0, "note", "AccessDenied: no");
	CHECK_FIELD(0, "type", "Warning");
	CHECK_FIELD(0, "regarding.apiVersion", "cert-manager.io/v1");
	CHECK_FIELD(0, "regarding.kind", "CertificateRequest");
	CHECK_FIELD(0, "regarding.namespace", "sandbox");
	CHECK_FIELD(0, "regarding.name", "www-1");
	CHECK_FIELD(0, "regarding.uid", "uid-1");
	CHECK_FIELD(0, "regarding.resourceVersion", "4711");
	CHECK(strstr(calls[0].body, "series") == NULL);
	CHECK(strstr(calls[0].body, "firstTimestamp") == NULL);
	kube_events_free(ev);
	end_test();
}

/* 100 identical emits: one POST, then one PATCH with the whole count. */
static void
test_repeats_join_series(void)
{
	struct kube_events_opts o = opts();
	struct kube_events *ev = kube_events_create(NULL, &o);
	struct kube_events_stats st;
	struct buf m = BUF_INIT;
	char *name;
	int i;

	metrics_reset_all();
	for (i = 0; i < 100; i++)
		kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", "Sign", "signed");
	CHECK_INT(ncalls, 1);
	ok(0);
	kube_events_run(ev);
	CHECK_INT(ncalls, 1); /* not before the series interval */
	advance(9999);
	kube_events_run(ev);
	CHECK_INT(ncalls, 1);
	advance(1);
	kube_events_run(ev);
	CHECK_INT(ncalls, 2);
	CHECK_STR(calls[1].method, "PATCH");
	name = field(0, "metadata.name");
	CHECK_CONTAINS(calls[1].path, "/apis/events.k8s.io/v1/namespaces/sandbox/events/");
	CHECK_CONTAINS(calls[1].path, name);
	free(name);
	CHECK_FIELD(1, "series.count", "100");
	CHECK_FIELD(1, "series.lastObservedTime", "2026-01-02T03:04:05.678000Z");
	ok(1);
	advance(60000);
	kube_events_run(ev);
	CHECK_INT(ncalls, 2); /* nothing new to write */
	kube_events_stats(ev, &st);
	CHECK_INT(st.posted, 1);
	CHECK_INT(st.patched, 1);
	CHECK_INT(st.series, 99);
	CHECK_INT(st.dirty, 0);
	metrics_write_registry(&m);
	CHECK_CONTAINS(buf_str(&m),
	               "pca_issuer_kube_events_total{type=\"Normal\",reason=\"Issued\","
	               "outcome=\"posted\"} 1\n");
	CHECK_CONTAINS(buf_str(&m),
	               "pca_issuer_kube_events_total{type=\"Normal\",reason=\"Issued\","
	               "outcome=\"series\"} 99\n");
	buf_clear(&m);
	kube_events_free(ev);
	end_test();
}

/* A repeat that arrives while the POST waits in the queue rides in it. */
static void
test_repeat_before_post_rides_along(void)
{
	struct kube_events_opts o = opts();
	struct kube_events *ev;

	o.max_in_flight = 1;
	ev = kube_events_create(NULL, &o);
	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "a");
	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "b");
	advance(1500);
	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "b");
	CHECK_INT(ncalls, 1);
	ok(0);
	CHECK_INT(ncalls, 2);
	CHECK_FIELD(1, "note", "b");
	CHECK_FIELD(1, "series.count", "2");
	CHECK_FIELD(1, "series.lastObservedTime", "2026-01-02T03:04:07.178000Z");
	CHECK_FIELD(1, "eventTime", "2026-01-02T03:04:05.678000Z");
	kube_events_free(ev);
	end_test();
}

/* Each of uid, type, reason, action and note makes a different event. */
static void
test_what_makes_events_distinct(void)
{
	struct kube_events_opts o = opts();
	struct kube_events *ev;
	struct kube_event_ref other = obj("www-2", "uid-2");

	o.max_in_flight = 100;
	ev = kube_events_create(NULL, &o);
	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	kube_events_emit(ev, &other, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	kube_events_emit(ev, &cr1, KUBE_EVENT_WARNING, "Issued", NULL, "x");
	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Pending", NULL, "x");
	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", "Retry", "x");
	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "y");
	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	CHECK_INT(ncalls, 6);
	kube_events_free(ev);
	end_test();
}

/* After the window without an occurrence, the same event is a new Event. */
static void
test_window_expiry_starts_new_event(void)
{
	struct kube_events_opts o = opts();
	struct kube_events *ev = kube_events_create(NULL, &o);
	struct kube_events_stats st;
	char *a, *b;

	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	ok(0);
	advance(599999);
	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	CHECK_INT(ncalls, 1); /* joined: the window slides with each occurrence */
	advance(10000);
	kube_events_run(ev);
	CHECK_INT(ncalls, 2);
	CHECK_STR(calls[1].method, "PATCH");
	ok(1);
	advance(600000);
	kube_events_run(ev);
	kube_events_stats(ev, &st);
	CHECK_INT(st.tracked_series, 0);
	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	CHECK_INT(ncalls, 3);
	CHECK_STR(calls[2].method, "POST");
	a = field(0, "metadata.name");
	b = field(2, "metadata.name");
	CHECK(strcmp(a, b) != 0);
	free(a);
	free(b);
	kube_events_free(ev);
	end_test();
}

/* client-go's spam filter numbers: 25 writes, then one per 5 minutes. */
static void
test_per_object_bucket(void)
{
	struct kube_events_opts o = opts();
	struct kube_events *ev;
	struct kube_events_stats st;
	struct kube_event_ref other = obj("www-2", "uid-2");
	int i;

	o.max_in_flight = 1000;
	o.burst = 1000;
	ev = kube_events_create(NULL, &o);
	for (i = 0; i < 30; i++)
		kube_events_emitf(ev, &cr1, KUBE_EVENT_WARNING, "Failed", NULL, "attempt %d", i);
	CHECK_INT(ncalls, 25);
	kube_events_stats(ev, &st);
	CHECK_INT(st.throttled, 5);
	/* Another object has its own bucket. */
	kube_events_emit(ev, &other, KUBE_EVENT_WARNING, "Failed", NULL, "attempt 0");
	CHECK_INT(ncalls, 26);
	advance(299999);
	kube_events_emit(ev, &cr1, KUBE_EVENT_WARNING, "Failed", NULL, "late 1");
	CHECK_INT(ncalls, 26);
	advance(1);
	kube_events_emit(ev, &cr1, KUBE_EVENT_WARNING, "Failed", NULL, "late 2");
	CHECK_INT(ncalls, 27);
	CHECK_FIELD(26, "note", "late 2");
	kube_events_free(ev);
	end_test();
}

/* Series updates take object tokens too, and wait for them. */
static void
test_series_update_waits_for_object_token(void)
{
	struct kube_events_opts o = opts();
	struct kube_events *ev;

	o.object_burst = 1;
	o.object_refill_ms = 60000;
	ev = kube_events_create(NULL, &o);
	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	ok(0);
	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	advance(10000);
	kube_events_run(ev);
	CHECK_INT(ncalls, 1);
	advance(49999);
	kube_events_run(ev);
	CHECK_INT(ncalls, 1);
	advance(1);
	kube_events_run(ev);
	CHECK_INT(ncalls, 2);
	CHECK_FIELD(1, "series.count", "2");
	kube_events_free(ev);
	end_test();
}

/* The global bucket and the in-flight cap pace a flood; the queue is bounded. */
static void
test_global_cap(void)
{
	struct kube_events_opts o = opts();
	struct kube_events *ev;
	struct kube_events_stats st;
	char name[32], uid[32];
	struct kube_event_ref r;
	int i, answered = 0;

	o.rate = 10;
	o.burst = 5;
	o.max_in_flight = 3;
	o.max_queue = 20;
	ev = kube_events_create(NULL, &o);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "cr-%d", i);
		snprintf(uid, sizeof uid, "uid-%d", i);
		r = obj(name, uid);
		kube_events_emit(ev, &r, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	}
	CHECK_INT(ncalls, 3);
	kube_events_stats(ev, &st);
	CHECK_INT(st.queued, 20);
	CHECK_INT(st.dropped, 977);
	/* Answer at once; only 2 burst tokens are left, then one per 100 ms. */
	while (answered < ncalls)
		ok(answered++);
	CHECK_INT(ncalls, 5);
	while (answered < ncalls)
		ok(answered++);
	CHECK_INT(ncalls, 5);
	for (i = 1; i <= 30; i++) {
		advance(100);
		kube_events_run(ev);
		while (answered < ncalls)
			ok(answered++);
		CHECK(ncalls <= 5 + i);
	}
	CHECK_INT(ncalls, 23);
	kube_events_stats(ev, &st);
	CHECK_INT(st.posted, 23);
	CHECK_INT(st.queued, 0);
	kube_events_free(ev);
	end_test();
}

/* An unserved events.k8s.io: core/v1 Events from then on, for good. */
static void
test_fallback_to_core(void)
{
	struct kube_events_opts o = opts();
	struct kube_events *ev;
	struct kube_events_stats st;
	struct kube_event_ref other = obj("www-2", "uid-2");

	o.controller = "my-controller";
	ev = kube_events_create(NULL, &o);
	kube_events_emit(ev, &cr1, KUBE_EVENT_WARNING, "Failed", NULL, "denied");
	answer(0, KUBE_OK, 404, "");
	CHECK_INT(ncalls, 2);
	CHECK_STR(calls[1].path, "/api/v1/namespaces/sandbox/events");
	CHECK_FIELD(1, "apiVersion", "v1");
	CHECK_FIELD(1, "kind", "Event");
	CHECK_FIELD(1, "involvedObject.kind", "CertificateRequest");
	CHECK_FIELD(1, "involvedObject.uid", "uid-1");
	CHECK_FIELD(1, "involvedObject.resourceVersion", "4711");
	CHECK_FIELD(1, "reason", "Failed");
	CHECK_FIELD(1, "message", "denied");
	CHECK_FIELD(1, "type", "Warning");
	CHECK_FIELD(1, "source.component", "my-controller");
	CHECK_FIELD(1, "firstTimestamp", "2026-01-02T03:04:05Z");
	CHECK_FIELD(1, "lastTimestamp", "2026-01-02T03:04:05Z");
	CHECK_FIELD(1, "count", "1");
	CHECK(strstr(calls[1].body, "eventTime") == NULL);
	ok(1);
	advance(2000);
	kube_events_emit(ev, &cr1, KUBE_EVENT_WARNING, "Failed", NULL, "denied");
	advance(8000);
	kube_events_run(ev);
	CHECK_INT(ncalls, 3);
	CHECK_STR(calls[2].method, "PATCH");
	CHECK_CONTAINS(calls[2].path, "/api/v1/namespaces/sandbox/events/www-1.");
	CHECK_FIELD(2, "count", "2");
	CHECK_FIELD(2, "lastTimestamp", "2026-01-02T03:04:07Z");
	kube_events_emit(ev, &other, KUBE_EVENT_NORMAL, "Issued", NULL, "ok");
	CHECK_STR(calls[3].path, "/api/v1/namespaces/sandbox/events");
	kube_events_stats(ev, &st);
	CHECK_INT(st.core, 1);
	CHECK_INT(st.failed, 0);
	kube_events_free(ev);
	end_test();
}

/* POSTs in flight when the 404 comes are re-sent as core Events too. */
static void
test_fallback_resends_all_in_flight(void)
{
	struct kube_events_opts o = opts();
	struct kube_events *ev = kube_events_create(NULL, &o);
	struct kube_event_ref other = obj("www-2", "uid-2");

	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	kube_events_emit(ev, &other, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	answer(0, KUBE_OK, 404, "");
	answer(1, KUBE_OK, 404, "");
	CHECK_INT(ncalls, 4);
	CHECK_STR(calls[2].path, "/api/v1/namespaces/sandbox/events");
	CHECK_STR(calls[3].path, "/api/v1/namespaces/sandbox/events");
	kube_events_free(ev);
	end_test();
}

/* RBAC written for the Go issuer grants core Events only: 403 switches too. */
static void
test_fallback_on_forbidden(void)
{
	struct kube_events_opts o = opts();
	struct kube_events *ev = kube_events_create(NULL, &o);
	struct kube_events_stats st;

	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	answer(0, KUBE_OK, 403, "Forbidden");
	CHECK_INT(ncalls, 2);
	CHECK_STR(calls[1].path, "/api/v1/namespaces/sandbox/events");
	ok(1);
	kube_events_stats(ev, &st);
	CHECK_INT(st.core, 1);
	CHECK_INT(st.posted, 1);
	CHECK_INT(st.failed, 0);
	kube_events_free(ev);
	end_test();
}

/* A missing namespace, or a 404 after events.k8s.io worked, is no reason to switch. */
static void
test_no_fallback_on_other_404(void)
{
	struct kube_events_opts o = opts();
	struct kube_events *ev = kube_events_create(NULL, &o);
	struct kube_events_stats st;
	struct kube_event_ref other = obj("www-2", "uid-2");

	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	answer(0, KUBE_OK, 404, "NotFound");
	kube_events_emit(ev, &other, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	CHECK_INT(ncalls, 2);
	CHECK_CONTAINS(calls[1].path, "/apis/events.k8s.io/");
	ok(1);
	kube_events_emit(ev, &other, KUBE_EVENT_NORMAL, "Issued", NULL, "y");
	answer(2, KUBE_OK, 404, "");
	kube_events_stats(ev, &st);
	CHECK_INT(st.core, 0);
	CHECK_INT(st.failed, 2);
	CHECK_INT(ncalls, 3);
	kube_events_free(ev);
	end_test();
}

/* A failed POST is counted and forgotten; a failed or expired series update too. */
static void
test_failures(void)
{
	struct kube_events_opts o = opts();
	struct kube_events *ev = kube_events_create(NULL, &o);
	struct kube_events_stats st;

	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	answer(0, KUBE_ERR_TRANSPORT, 0, "");
	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	CHECK_INT(ncalls, 2); /* not a repeat of an Event that does not exist */
	CHECK_STR(calls[1].method, "POST");
	ok(1);
	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	advance(10000);
	kube_events_run(ev);
	CHECK_INT(ncalls, 3);
	answer(2, KUBE_OK, 500, "InternalError");
	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	advance(10000);
	kube_events_run(ev);
	CHECK_INT(ncalls, 4);
	CHECK_FIELD(3, "series.count", "3");
	answer(3, KUBE_OK, 404, "NotFound"); /* the Event expired on the server */
	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	CHECK_INT(ncalls, 5);
	CHECK_STR(calls[4].method, "POST");
	kube_events_stats(ev, &st);
	CHECK_INT(st.failed, 1);
	CHECK_INT(st.update_failed, 2);
	kube_events_free(ev);
	end_test();
}

/* A cluster-scoped object's Events: kube-system for events.k8s.io, default for core. */
static void
test_cluster_scoped_object(void)
{
	struct kube_events_opts o = opts();
	struct kube_events *ev = kube_events_create(NULL, &o);
	struct kube_event_ref iss = {
	    "awspca.cert-manager.io/v1beta1", "AWSPCAClusterIssuer", NULL, "root", "uid-9", NULL};

	kube_events_emit(ev, &iss, KUBE_EVENT_NORMAL, "Verified", NULL, "ok");
	CHECK_STR(calls[0].path, "/apis/events.k8s.io/v1/namespaces/kube-system/events");
	CHECK_FIELD(0, "metadata.namespace", "kube-system");
	CHECK(strstr(calls[0].body,
	             "\"regarding\":{\"apiVersion\":\"awspca.cert-manager.io/"
	             "v1beta1\",\"kind\":\"AWSPCAClusterIssuer\",\"name\":\"root\"") != NULL);
	answer(0, KUBE_OK, 404, "");
	CHECK_STR(calls[1].path, "/api/v1/namespaces/default/events");
	CHECK_FIELD(1, "metadata.namespace", "default");
	ok(1);
	kube_events_emit(ev, &iss, KUBE_EVENT_NORMAL, "Verified", NULL, "ok");
	advance(10000);
	kube_events_run(ev);
	CHECK_CONTAINS(calls[2].path, "/api/v1/namespaces/default/events/root.");
	kube_events_free(ev);
	end_test();
}

/* Long notes are cut at 1024 bytes, never inside a UTF-8 character. */
static void
test_limits_on_fields(void)
{
	struct kube_events_opts o = opts();
	struct kube_events *ev = kube_events_create(NULL, &o);
	struct kube_event_ref longname;
	char note[2001], name[260];
	char *got;

	memset(note, 'a', sizeof note - 1);
	note[sizeof note - 1] = '\0';
	/* A euro sign in bytes 1022-1024 straddles the limit and must go whole. */
	memcpy(note + 1022, "\xe2\x82\xac", 3);
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	longname = obj(name, "uid-long");
	kube_events_emit(ev, &longname, KUBE_EVENT_NORMAL, "Issued", NULL, note);
	got = field(0, "note");
	CHECK_INT(strlen(got), 1022);
	CHECK_INT(got[1021], 'a');
	free(got);
	got = field(0, "metadata.name");
	CHECK(strlen(got) <= 253);
	CHECK_CONTAINS(got, "nnnn.");
	free(got);
	kube_events_free(ev);
	end_test();
}

/* However many objects, the recorder keeps at most max_series/max_objects. */
static void
test_memory_bounds(void)
{
	struct kube_events_opts o = opts();
	struct kube_events *ev;
	struct kube_events_stats st;
	char name[32], uid[32];
	struct kube_event_ref r;
	int i, answered = 0;

	o.max_series = 100;
	o.max_objects = 50;
	o.rate = 1e9;
	o.burst = 1e9;
	o.max_in_flight = 10000;
	ev = kube_events_create(NULL, &o);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "cr-%d", i);
		snprintf(uid, sizeof uid, "uid-%d", i);
		r = obj(name, uid);
		kube_events_emit(ev, &r, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
		while (answered < ncalls)
			ok(answered++);
	}
	kube_events_stats(ev, &st);
	CHECK_INT(st.posted, 1000);
	CHECK_INT(st.tracked_series, 100);
	CHECK_INT(st.tracked_objects, 50);
	/* Idle series go after the window, idle objects once their bucket is full. */
	advance(600000);
	kube_events_run(ev);
	kube_events_stats(ev, &st);
	CHECK_INT(st.tracked_series, 0);
	CHECK_INT(st.tracked_objects, 50);
	advance(25 * 300000);
	kube_events_run(ev);
	kube_events_stats(ev, &st);
	CHECK_INT(st.tracked_objects, 0);
	kube_events_free(ev);
	end_test();
}

static void
test_free_cancels_and_null_is_noop(void)
{
	struct kube_events_opts o = opts();
	struct kube_events *ev = kube_events_create(NULL, &o);

	kube_events_emit(NULL, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, "Issued", NULL, "x");
	kube_events_emit(ev, &cr1, KUBE_EVENT_NORMAL, NULL, NULL, "no reason");
	CHECK_INT(ncalls, 1);
	kube_events_free(ev);
	CHECK(calls[0].cancelled);
	kube_events_free(NULL);
	end_test();
}

int
main(void)
{
	log_setup(LOG_FORMAT_TEXT, LOG_LEVEL_WARN);
	loop_init();
	clock_set_fake(&now_mono, &now_wall);
	TEST(test_v1_event_body);
	TEST(test_repeats_join_series);
	TEST(test_repeat_before_post_rides_along);
	TEST(test_what_makes_events_distinct);
	TEST(test_window_expiry_starts_new_event);
	TEST(test_per_object_bucket);
	TEST(test_series_update_waits_for_object_token);
	TEST(test_global_cap);
	TEST(test_fallback_to_core);
	TEST(test_fallback_resends_all_in_flight);
	TEST(test_fallback_on_forbidden);
	TEST(test_no_fallback_on_other_404);
	TEST(test_failures);
	TEST(test_cluster_scoped_object);
	TEST(test_limits_on_fields);
	TEST(test_memory_bounds);
	TEST(test_free_cancels_and_null_is_noop);
	clock_set_fake(NULL, NULL);
	loop_free();
	return test_done();
}
