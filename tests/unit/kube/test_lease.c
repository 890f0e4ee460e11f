/*
 * The leader elector's state machine on a fake clock with a fake transport
 * that records each request and answers it when the test says: creating the
 * Lease, renewing without reads, waiting out a Lease held by someone else by
 * the local clock (never by its renewTime), conflicts, the renew deadline,
 * losing to another replica, and the release on shutdown.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/jtok.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/xmalloc.h"
#include "kube/lease.h"
#include "testutil.h"

#define MAX_CALLS  256
#define START_MONO 5000000
#define START_WALL 1767323045678 /* 2026-01-02T03:04:05.678Z */
#define LEASES     "/apis/coordination.k8s.io/v1/namespaces/ops/leases"

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
static uint64_t now_mono = START_MONO;
static int64_t now_wall = START_WALL;

/* What the callbacks saw, in order: "+" started, "-" stopped, "=holder" new leader. */
static char seen[1024];

static void *
fake_send(void *ctx, const char *method, const char *path, const char *body, size_t len, kube_cb cb,
          void *arg)
{
	struct fake_call *c = &calls[ncalls++];

	(void)ctx;
	snprintf(c->method, sizeof c->method, "%s", method);
	c->path = xstrdup(path);
	c->body = body != NULL ? xstrndup(body, len) : NULL;
	c->cb = cb;
	c->arg = arg;
	strncat(seen,
	        method[0] == 'G'   ? "G"
	        : method[1] == 'O' ? "P"
	                           : "U",
	        sizeof seen - strlen(seen) - 1);
	return c;
}

static void
fake_cancel(void *ctx, void *call)
{
	(void)ctx;
	((struct fake_call *)call)->cancelled = 1;
}

static const struct kube_io fake_io = {fake_send, fake_cancel, NULL};

static void
on_started(void *arg)
{
	(void)arg;
	strncat(seen, "+", sizeof seen - strlen(seen) - 1);
}

static void
on_stopped(void *arg)
{
	(void)arg;
	strncat(seen, "-", sizeof seen - strlen(seen) - 1);
}

static void
on_new_leader(const char *identity, void *arg)
{
	(void)arg;
	strncat(seen, "=", sizeof seen - strlen(seen) - 1);
	strncat(seen, identity, sizeof seen - strlen(seen) - 1);
}

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
	seen[0] = '\0';
	now_mono = START_MONO;
	now_wall = START_WALL;
}

static void
advance(uint64_t ms)
{
	now_mono += ms;
	now_wall += (int64_t)ms;
}

static void
answer(int i, enum kube_err err, long status, const char *body)
{
	struct kube_resp r;

	memset(&r, 0, sizeof r);
	r.err = err;
	r.status = status;
	r.reason = status == 409 ? "Conflict" : status == 404 ? "NotFound" : "";
	r.message = "";
	r.body = span_of(body != NULL ? body : "{}");
	if (i >= ncalls || calls[i].answered || calls[i].cancelled) {
		fprintf(stderr, "call %d is not waiting for an answer\n", i);
		CHECK(0);
		return;
	}
	calls[i].answered = 1;
	calls[i].cb(&r, calls[i].arg);
}

/* A Lease as the API server returns it. */
static char *
lease_json(const char *holder, int duration, const char *renew, int transitions, int rv)
{
	return xasprintf("{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\","
	                 "\"metadata\":{\"name\":\"lock\",\"namespace\":\"ops\","
	                 "\"labels\":{\"team\":\"pki\"},\"resourceVersion\":\"%d\"},"
	                 "\"spec\":{\"holderIdentity\":\"%s\",\"leaseDurationSeconds\":%d,"
	                 "\"acquireTime\":\"2026-01-02T03:00:00.000000Z\","
	                 "\"renewTime\":\"%s\",\"leaseTransitions\":%d}}",
	                 rv, holder, duration, renew, transitions);
}

static void
answer_lease(int i, long status, const char *holder, int duration, const char *renew,
             int transitions, int rv)
{
	char *body = lease_json(holder, duration, renew, transitions, rv);

	answer(i, KUBE_OK, status, body);
	free(body);
}

/* The body the server would answer a write with: the one sent, with a new rv. */
static void
echo(int i, int rv)
{
	struct buf b = BUF_INIT;
	const char *p = strstr(calls[i].body, "\"spec\":");

	CHECK(p != NULL);
	buf_printf(&b, "{\"metadata\":{\"name\":\"lock\",\"resourceVersion\":\"%d\"},%s", rv, p);
	answer(i, KUBE_OK, strcmp(calls[i].method, "POST") == 0 ? 201 : 200, buf_str(&b));
	buf_clear(&b);
}

static char *
field(int i, const char *path)
{
	struct jtok *d;
	char *s = NULL, *cause = NULL;
	int64_t n;
	int t;

	if (calls[i].body == NULL ||
	    jtok_parse(calls[i].body, strlen(calls[i].body), &d, &cause) != 0) {
		free(cause);
		return xstrdup("(no JSON body)");
	}
	t = jtok_path(d, JTOK_ROOT, path);
	if (jtok_str(d, t, &s) != 0)
		s = jtok_int(d, t, &n) == 0 ? xasprintf("%lld", (long long)n) : xstrdup("(absent)");
	jtok_free(d);
	return s;
}

#define CHECK_FIELD(i, path, want)                                                                 \
	do {                                                                                       \
		char *f_ = field(i, path);                                                         \
		CHECK_STR(f_, want);                                                               \
		free(f_);                                                                          \
	} while (0)

static struct kube_lease *
elector(const char *identity)
{
	struct kube_lease_opts o;
	struct kube_lease *l;
	char *cause = NULL;

	memset(&o, 0, sizeof o);
	o.namespace = "ops";
	o.name = "lock";
	o.identity = identity;
	o.on_started_leading = on_started;
	o.on_stopped_leading = on_stopped;
	o.on_new_leader = on_new_leader;
	o.io = &fake_io;
	if (kube_lease_create(NULL, &o, &l, &cause) != 0) {
		fprintf(stderr, "kube_lease_create: %s\n", cause);
		abort();
	}
	return l;
}

static double
is_leader_gauge(void)
{
	struct buf b = BUF_INIT;
	double v = -1;
	const char *p;

	metrics_write_registry(&b);
	p = strstr(buf_str(&b), "\npca_issuer_leader_is_leader ");
	if (p != NULL)
		v = atof(p + strlen("\npca_issuer_leader_is_leader "));
	buf_clear(&b);
	return v;
}

/* No Lease yet: create it holding it, lead, renew by PUT without reading. */
static void
test_create_lead_and_renew(void)
{
	struct kube_lease *l = elector("me");

	kube_lease_start(l);
	CHECK_INT(ncalls, 1);
	CHECK_STR(calls[0].method, "GET");
	CHECK_STR(calls[0].path, LEASES "/lock");
	answer(0, KUBE_OK, 404, NULL);
	CHECK_INT(ncalls, 2);
	CHECK_STR(calls[1].method, "POST");
	CHECK_STR(calls[1].path, LEASES);
	CHECK_FIELD(1, "apiVersion", "coordination.k8s.io/v1");
	CHECK_FIELD(1, "kind", "Lease");
	CHECK_FIELD(1, "metadata.name", "lock");
	CHECK_FIELD(1, "metadata.namespace", "ops");
	CHECK_FIELD(1, "spec.holderIdentity", "me");
	CHECK_FIELD(1, "spec.leaseDurationSeconds", "15");
	CHECK_FIELD(1, "spec.acquireTime", "2026-01-02T03:04:05.678000Z");
	CHECK_FIELD(1, "spec.renewTime", "2026-01-02T03:04:05.678000Z");
	CHECK_FIELD(1, "spec.leaseTransitions", "0");
	CHECK(!kube_lease_is_leader(l));
	echo(1, 10);
	CHECK(kube_lease_is_leader(l));
	CHECK_STR(kube_lease_holder(l), "me");
	CHECK_STR(seen, "GP+=me");
	CHECK(is_leader_gauge() == 1.0);
	CHECK_INT(kube_lease_next_ms(l), now_mono + 2000);
	advance(1999);
	kube_lease_run(l);
	CHECK_INT(ncalls, 2);
	advance(1);
	kube_lease_run(l);
	CHECK_INT(ncalls, 3);
	CHECK_STR(calls[2].method, "PUT");
	CHECK_STR(calls[2].path, LEASES "/lock");
	CHECK_FIELD(2, "metadata.resourceVersion", "10");
	CHECK_FIELD(2, "spec.holderIdentity", "me");
	CHECK_FIELD(2, "spec.acquireTime", "2026-01-02T03:04:05.678000Z");
	CHECK_FIELD(2, "spec.renewTime", "2026-01-02T03:04:07.678000Z");
	CHECK_FIELD(2, "spec.leaseTransitions", "0");
	echo(2, 11);
	CHECK_STR(seen, "GP+=meU");
	kube_lease_free(l);
	end_test();
}

/*
 * Someone else's Lease expires lease duration after this process saw it
 * change, whatever its renewTime says: here it claims a renewal a year ago.
 * The candidate reads every retry period and wakes exactly at expiry.
 */
static void
test_waits_out_other_holder_by_local_clock(void)
{
	struct kube_lease *l = elector("me");
	const char *old = "2025-01-01T00:00:00.000000Z";
	int i;

	kube_lease_start(l);
	answer_lease(0, 200, "other", 15, old, 3, 7);
	CHECK_INT(ncalls, 1); /* not expired: observed just now */
	CHECK_STR(seen, "G=other");
	CHECK_STR(kube_lease_holder(l), "other");
	for (i = 1; i <= 7; i++) {
		CHECK_INT(kube_lease_next_ms(l), now_mono + 2000);
		advance(2000);
		kube_lease_run(l);
		CHECK_INT(ncalls, i + 1);
		CHECK_STR(calls[i].method, "GET");
		answer_lease(i, 200, "other", 15, old, 3, 7);
	}
	/* 14 s since the change was seen: the next wake-up is at 15 s, not 16. */
	CHECK_INT(kube_lease_next_ms(l), now_mono + 1000);
	advance(999);
	kube_lease_run(l);
	CHECK_INT(ncalls, 8);
	advance(1);
	kube_lease_run(l);
	CHECK_INT(ncalls, 9);
	answer_lease(8, 200, "other", 15, old, 3, 7);
	CHECK_INT(ncalls, 10);
	CHECK_STR(calls[9].method, "PUT");
	CHECK_FIELD(9, "metadata.resourceVersion", "7");
	CHECK_FIELD(9, "metadata.labels.team", "pki"); /* the object's metadata is kept */
	CHECK_FIELD(9, "spec.holderIdentity", "me");
	CHECK_FIELD(9, "spec.acquireTime", "2026-01-02T03:04:20.678000Z");
	CHECK_FIELD(9, "spec.leaseTransitions", "4");
	echo(9, 8);
	CHECK(kube_lease_is_leader(l));
	CHECK_STR(seen, "G=otherGGGGGGGGU+=me");
	kube_lease_free(l);
	end_test();
}

/* A holder that keeps renewing is never taken over. */
static void
test_live_holder_is_left_alone(void)
{
	struct kube_lease *l = elector("me");
	char renew[64];
	int i;

	kube_lease_start(l);
	for (i = 0; i < 30; i++) {
		snprintf(renew, sizeof renew, "2026-01-02T03:04:%02d.000000Z", i);
		CHECK_STR(calls[i].method, "GET");
		answer_lease(i, 200, "other", 15, renew, 0, 100 + i);
		advance(2000);
		kube_lease_run(l);
	}
	CHECK(!kube_lease_is_leader(l));
	CHECK_INT(ncalls, 31);
	kube_lease_free(l);
	end_test();
}

/* The record's own duration counts: a released Lease (1 s) or an empty holder. */
static void
test_released_or_short_lease_taken_quickly(void)
{
	struct kube_lease *l = elector("me");

	kube_lease_start(l);
	answer_lease(0, 200, "", 1, "2026-01-02T03:04:05.000000Z", 2, 5);
	CHECK_INT(ncalls, 2); /* no holder: taken at once */
	CHECK_STR(calls[1].method, "PUT");
	CHECK_FIELD(1, "spec.leaseTransitions", "3");
	kube_lease_free(l);
	end_test();

	l = elector("me");
	kube_lease_start(l);
	answer_lease(0, 200, "other", 1, "2026-01-02T03:04:05.000000Z", 2, 5);
	CHECK_INT(kube_lease_next_ms(l), now_mono + 1000);
	advance(1000);
	kube_lease_run(l);
	answer_lease(1, 200, "other", 1, "2026-01-02T03:04:05.000000Z", 2, 5);
	CHECK_INT(ncalls, 3);
	CHECK_STR(calls[2].method, "PUT");
	kube_lease_free(l);
	end_test();
}

/* 409 on a create or an update means someone else wrote first: read again. */
static void
test_conflicts_reread(void)
{
	struct kube_lease *l = elector("me");

	kube_lease_start(l);
	answer(0, KUBE_OK, 404, NULL);
	answer(1, KUBE_OK, 409, NULL);
	CHECK_INT(ncalls, 3);
	CHECK_STR(calls[2].method, "GET");
	answer_lease(2, 200, "", 15, "2026-01-02T03:04:05.000000Z", 0, 3);
	CHECK_STR(calls[3].method, "PUT");
	answer(3, KUBE_OK, 409, NULL);
	CHECK_STR(calls[4].method, "GET");
	answer_lease(4, 200, "rival", 15, "2026-01-02T03:04:05.500000Z", 1, 4);
	CHECK_INT(ncalls, 5);
	CHECK(!kube_lease_is_leader(l));
	CHECK_STR(seen, "GPGUG=rival");
	kube_lease_free(l);
	end_test();
}

/* Renewals failing for the renew deadline end leadership before the lease could expire. */
static void
test_renew_deadline(void)
{
	struct kube_lease *l = elector("me");
	uint64_t won;

	kube_lease_start(l);
	answer(0, KUBE_OK, 404, NULL);
	echo(1, 1);
	won = now_mono;
	advance(2000);
	kube_lease_run(l);
	answer(2, KUBE_ERR_TRANSPORT, 0, NULL);
	CHECK(kube_lease_is_leader(l));
	advance(2000);
	kube_lease_run(l);
	answer(3, KUBE_OK, 500, NULL);
	advance(2000);
	kube_lease_run(l);
	CHECK_INT(ncalls, 5); /* this one never answers */
	CHECK_INT(kube_lease_next_ms(l), won + 10000);
	advance(3999);
	kube_lease_run(l);
	CHECK(kube_lease_is_leader(l));
	advance(1);
	kube_lease_run(l);
	CHECK(!kube_lease_is_leader(l));
	CHECK(calls[4].cancelled);
	CHECK(is_leader_gauge() == 0.0);
	CHECK_STR(seen, "GP+=meUUU-");
	/* Still a candidate: it reads again after a retry period. */
	advance(2000);
	kube_lease_run(l);
	CHECK_INT(ncalls, 6);
	CHECK_STR(calls[5].method, "GET");
	kube_lease_free(l);
	end_test();
}

/* A renewal that conflicts and finds another holder ends leadership at once. */
static void
test_lost_to_another(void)
{
	struct kube_lease *l = elector("me");

	kube_lease_start(l);
	answer(0, KUBE_OK, 404, NULL);
	echo(1, 1);
	advance(2000);
	kube_lease_run(l);
	answer(2, KUBE_OK, 409, NULL);
	answer_lease(3, 200, "usurper", 15, "2026-01-02T03:04:07.000000Z", 1, 9);
	CHECK(!kube_lease_is_leader(l));
	CHECK_STR(seen, "GP+=meUG-=usurper");
	kube_lease_free(l);
	end_test();
}

static void
on_done(void *arg)
{
	(*(int *)arg)++;
}

/* Release: writers stop first, then the Lease is handed back empty for 1 s. */
static void
test_release(void)
{
	struct kube_lease *l = elector("me");
	int done = 0;

	kube_lease_start(l);
	answer(0, KUBE_OK, 404, NULL);
	echo(1, 1);
	advance(500);
	kube_lease_release(l, on_done, &done);
	CHECK_STR(seen, "GP+=me-U");
	CHECK(!kube_lease_is_leader(l));
	CHECK_STR(calls[2].method, "PUT");
	CHECK_FIELD(2, "metadata.resourceVersion", "1");
	CHECK_FIELD(2, "spec.holderIdentity", "");
	CHECK_FIELD(2, "spec.leaseDurationSeconds", "1");
	CHECK_FIELD(2, "spec.renewTime", "2026-01-02T03:04:06.178000Z");
	CHECK_FIELD(2, "spec.leaseTransitions", "0");
	CHECK_INT(done, 0);
	echo(2, 2);
	CHECK_INT(done, 1);
	CHECK_INT(kube_lease_next_ms(l), UINT64_MAX);
	advance(60000);
	kube_lease_run(l);
	CHECK_INT(ncalls, 3);
	kube_lease_free(l);
	end_test();
}

/* Without the Lease there is nothing to write; done still runs, on the loop. */
static void
test_release_when_not_leading(void)
{
	struct kube_lease *l = elector("me");
	int done = 0;

	kube_lease_start(l);
	kube_lease_release(l, on_done, &done);
	CHECK(calls[0].cancelled);
	CHECK_INT(done, 0);
	event_base_loop(loop_base(), EVLOOP_NONBLOCK);
	CHECK_INT(done, 1);
	CHECK_INT(ncalls, 1);
	CHECK_STR(seen, "G");
	kube_lease_free(l);
	end_test();
}

static void
test_options(void)
{
	struct kube_lease_opts o;
	struct kube_lease *l = NULL;
	char *cause = NULL, host[256];
	const char *id, *us;
	size_t i;

	memset(&o, 0, sizeof o);
	o.namespace = "ops";
	o.io = &fake_io;
	CHECK_INT(kube_lease_create(NULL, &o, &l, &cause), -1);
	CHECK_CONTAINS(cause, "namespace and name");
	free(cause);
	o.name = "lock";
	o.lease_duration_ms = 10000;
	CHECK_INT(kube_lease_create(NULL, &o, &l, &cause), -1);
	CHECK_CONTAINS(cause, "lease duration (10000 ms) must be longer than the renew deadline");
	free(cause);
	o.lease_duration_ms = 15000;
	o.retry_period_ms = 10000;
	CHECK_INT(kube_lease_create(NULL, &o, &l, &cause), -1);
	CHECK_CONTAINS(cause, "renew deadline (10000 ms) must be longer than the retry period");
	free(cause);
	o.retry_period_ms = 0;
	CHECK_INT(kube_lease_create(NULL, &o, &l, &cause), 0);
	/* client-go's identity: the host name, "_", a random suffix. */
	gethostname(host, sizeof host);
	id = kube_lease_identity(l);
	CHECK(strncmp(id, host, strlen(host)) == 0);
	us = strrchr(id, '_');
	CHECK(us != NULL && strlen(us + 1) == 16);
	for (i = 0; us != NULL && us[1 + i] != '\0'; i++)
		CHECK(isxdigit((unsigned char)us[1 + i]));
	kube_lease_free(l);
	kube_lease_free(NULL);
	end_test();
}

int
main(void)
{
	log_setup(LOG_FORMAT_TEXT, LOG_LEVEL_ERROR);
	loop_init();
	clock_set_fake(&now_mono, &now_wall);
	TEST(test_create_lead_and_renew);
	TEST(test_waits_out_other_holder_by_local_clock);
	TEST(test_live_holder_is_left_alone);
	TEST(test_released_or_short_lease_taken_quickly);
	TEST(test_conflicts_reread);
	TEST(test_renew_deadline);
	TEST(test_lost_to_another);
	TEST(test_release);
	TEST(test_release_when_not_leading);
	TEST(test_options);
	clock_set_fake(NULL, NULL);
	loop_free();
	return test_done();
}
