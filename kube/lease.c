/*
 * The leader elector: one request at a time, one timer, and the state in
 * struct kube_lease changed only through kube_lease_set_state().
 *
 * The record last read or written is kept with its raw metadata, so that a
 * PUT sends back the labels, annotations and resourceVersion it came with
 * (client-go updates the whole object it read, too).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/codec.h"
#include "core/jenc.h"
#include "core/jtok.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/timefmt.h"
#include "core/xmalloc.h"
#include "kube/lease.h"
#include "kube/types.h"

#define KUBE_LEASE_NEVER UINT64_MAX

enum kube_lease_state {
	KUBE_LEASE_IDLE,      /* created, not started */
	KUBE_LEASE_CANDIDATE, /* trying to acquire */
	KUBE_LEASE_LEADER,
	KUBE_LEASE_RELEASING, /* the release write is in flight */
	KUBE_LEASE_STOPPED,
};

enum kube_lease_op {
	KUBE_LEASE_OP_NONE,
	KUBE_LEASE_OP_GET,
	KUBE_LEASE_OP_CREATE,
	KUBE_LEASE_OP_UPDATE,
	KUBE_LEASE_OP_RELEASE,
};

/* A LeaseSpec as read, with the object's metadata as raw JSON. */
struct kube_lease_record {
	char *holder; /* "" when none */
	int64_t duration_s;
	char *acquire_time, *renew_time; /* NULL when absent */
	int64_t transitions;
	char *meta;
};

struct kube_lease {
	struct kube_io io;
	struct kube_lease_opts o;
	char *ns, *name, *identity;
	char *coll_path, *obj_path;
	enum kube_lease_state state;
	enum kube_lease_op op;
	void *call;
	struct kube_lease_record rec; /* observed */
	int have_rec;
	uint64_t observed_at; /* when rec last changed, as seen here */
	uint64_t last_renew;  /* last successful acquire or renew */
	uint64_t next_try;
	char *reported; /* the holder last told to on_new_leader */
	struct event *timer;
	void (*release_done)(void *);
	void *release_arg;
};

static struct metric *kube_lease_m_leader;
static struct metric *kube_lease_m_transitions;
static struct metric *kube_lease_m_master; /* client-go's, for dashboards of Go controllers */

static void kube_lease_arm(struct kube_lease *l);

static const char *
kube_lease_state_name(enum kube_lease_state s)
{
	switch (s) {
	case KUBE_LEASE_IDLE:
		return "idle";
	case KUBE_LEASE_CANDIDATE:
		return "candidate";
	case KUBE_LEASE_LEADER:
		return "leader";
	case KUBE_LEASE_RELEASING:
		return "releasing";
	case KUBE_LEASE_STOPPED:
		return "stopped";
	}
	return "?";
}

/* The one place the state changes, with its log line and the gauge. */
static void
kube_lease_set_state(struct kube_lease *l, enum kube_lease_state s, const char *why)
{
	if (l->state == s)
		return;
	log_info("leader election", "lease", l->name, "namespace", l->ns, "from",
	         kube_lease_state_name(l->state), "to", kube_lease_state_name(s), "cause", why);
	if (s == KUBE_LEASE_LEADER)
		metrics_inc(kube_lease_m_transitions);
	metrics_set(kube_lease_m_leader, s == KUBE_LEASE_LEADER ? 1.0 : 0.0);
	metrics_set(kube_lease_m_master, s == KUBE_LEASE_LEADER ? 1.0 : 0.0, l->name);
	l->state = s;
}

static void
kube_lease_record_clear(struct kube_lease_record *r)
{
	free(r->holder);
	free(r->acquire_time);
	free(r->renew_time);
	free(r->meta);
	memset(r, 0, sizeof *r);
}

/* 1 when the spec fields differ (client-go compares the whole record). */
static int
kube_lease_record_changed(const struct kube_lease_record *a, const struct kube_lease_record *b)
{
	const char *as[] = {a->holder, a->acquire_time, a->renew_time};
	const char *bs[] = {b->holder, b->acquire_time, b->renew_time};
	size_t i;

	if (a->duration_s != b->duration_s || a->transitions != b->transitions)
		return 1;
	for (i = 0; i < 3; i++) {
		if ((as[i] == NULL) != (bs[i] == NULL))
			return 1;
		if (as[i] != NULL && strcmp(as[i], bs[i]) != 0)
			return 1;
	}
	return 0;
}

/* Decodes a Lease object; 0, or -1 with *cause. */
static int
kube_lease_decode(const char *json, size_t len, struct kube_lease_record *r, char **cause)
{
	struct jtok *d;
	struct span meta;
	int spec;

	memset(r, 0, sizeof *r);
	if (jtok_parse(json, len, &d, cause) != 0)
		return -1;
	meta = jtok_raw(d, jtok_get(d, JTOK_ROOT, "metadata"));
	if (meta.p == NULL || jtok_type(d, jtok_get(d, JTOK_ROOT, "metadata")) != JTOK_OBJECT) {
		jtok_free(d);
		*cause = xstrdup("the Lease has no metadata");
		return -1;
	}
	r->meta = xstrndup(meta.p, meta.len);
	spec = jtok_get(d, JTOK_ROOT, "spec");
	if (jtok_get_str(d, spec, "holderIdentity", &r->holder) != 0)
		r->holder = xstrdup("");
	(void)jtok_get_int(d, spec, "leaseDurationSeconds", &r->duration_s);
	(void)jtok_get_str(d, spec, "acquireTime", &r->acquire_time);
	(void)jtok_get_str(d, spec, "renewTime", &r->renew_time);
	(void)jtok_get_int(d, spec, "leaseTransitions", &r->transitions);
	jtok_free(d);
	return 0;
}

/* A Lease body for POST (meta NULL) or PUT (the metadata read). */
static void
kube_lease_encode(const struct kube_lease *l, const struct kube_lease_record *r, struct buf *b)
{
	struct jenc e;

	jenc_init(&e, b);
	jenc_obj_open(&e);
	jenc_kv_str(&e, "apiVersion", "coordination.k8s.io/v1");
	jenc_kv_str(&e, "kind", "Lease");
	jenc_key(&e, "metadata");
	if (r->meta != NULL) {
		jenc_raw(&e, r->meta, strlen(r->meta));
	} else {
		jenc_obj_open(&e);
		jenc_kv_str(&e, "name", l->name);
		jenc_kv_str(&e, "namespace", l->ns);
		jenc_obj_close(&e);
	}
	jenc_key(&e, "spec");
	jenc_obj_open(&e);
	jenc_kv_str(&e, "holderIdentity", r->holder);
	jenc_kv_int(&e, "leaseDurationSeconds", r->duration_s);
	if (r->acquire_time != NULL)
		jenc_kv_str(&e, "acquireTime", r->acquire_time);
	if (r->renew_time != NULL)
		jenc_kv_str(&e, "renewTime", r->renew_time);
	jenc_kv_int(&e, "leaseTransitions", r->transitions);
	jenc_obj_close(&e);
	jenc_obj_close(&e);
}

/* Now as a MicroTime: "2006-01-02T15:04:05.000000Z". */
static char *
kube_lease_now_micro(void)
{
	char s[40];

	timefmt_format(clock_wall_ms(), 1, s, sizeof s);
	return xstrdup(s);
}

/* client-go's default identity: the host name and a random suffix. */
static char *
kube_lease_default_identity(void)
{
	unsigned char rnd[8];
	char host[256], hex[17];

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "pca-issuer");
	host[sizeof host - 1] = '\0';
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
		uint64_t v =
		    clock_mono_ms() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)clock_wall_ms();
		memcpy(rnd, &v, sizeof rnd);
	}
	codec_hex(rnd, sizeof rnd, hex);
	return xasprintf("%s_%s", host, hex);
}

static void
kube_lease_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	kube_lease_run(arg);
}

static int
kube_lease_check(const struct kube_lease_opts *o, char **cause)
{
	if (o->namespace == NULL || *o->namespace == '\0' || o->name == NULL || *o->name == '\0') {
		*cause = xstrdup("leader election needs the Lease's namespace and name");
		return -1;
	}
	if (o->lease_duration_ms <= o->renew_deadline_ms) {
		*cause = xasprintf("the lease duration (%llu ms) must be longer than the renew "
		                   "deadline (%llu ms)",
		                   (unsigned long long)o->lease_duration_ms,
		                   (unsigned long long)o->renew_deadline_ms);
		return -1;
	}
	if (o->renew_deadline_ms <= o->retry_period_ms) {
		*cause = xasprintf("the renew deadline (%llu ms) must be longer than the retry "
		                   "period (%llu ms)",
		                   (unsigned long long)o->renew_deadline_ms,
		                   (unsigned long long)o->retry_period_ms);
		return -1;
	}
	return 0;
}

int
kube_lease_create(struct kube_client *c, const struct kube_lease_opts *opts,
                  struct kube_lease **out, char **cause)
{
	struct kube_lease_opts o = *opts;
	struct kube_lease *l;

	*out = NULL;
	if (o.lease_duration_ms == 0)
		o.lease_duration_ms = 15000;
	if (o.renew_deadline_ms == 0)
		o.renew_deadline_ms = 10000;
	if (o.retry_period_ms == 0)
		o.retry_period_ms = 2000;
	if (kube_lease_check(&o, cause) != 0)
		return -1;
	if (kube_lease_m_leader == NULL) {
		kube_lease_m_leader =
		    metrics_gauge("pca_issuer_leader_is_leader", KUBE_LEASE_LEADER_HELP, "");
		kube_lease_m_transitions =
		    metrics_counter("pca_issuer_leader_transitions_total",
		                    "Times this replica became the leader.", "");
		kube_lease_m_master = metrics_gauge(
		    "leader_election_master_status",
		    "Gauge of if the reporting system is master of the relevant lease, 0 indicates "
		    "backup, 1 indicates master. 'name' is the string used to identify the lease. "
		    "Please make sure to group by name.",
		    "name");
	}
	l = xcalloc(1, sizeof *l);
	l->o = o;
	if (o.io != NULL) {
		l->io = *o.io;
	} else {
		kube_client_io(c, &l->io);
	}
	l->ns = xstrdup(o.namespace);
	l->name = xstrdup(o.name);
	metrics_set(kube_lease_m_master, 0, l->name);
	l->identity = o.identity != NULL ? xstrdup(o.identity) : kube_lease_default_identity();
	l->o.namespace = l->o.name = l->o.identity = NULL;
	l->o.io = NULL;
	l->coll_path = kube_path(&kube_res_leases, l->ns, NULL, NULL);
	l->obj_path = kube_path(&kube_res_leases, l->ns, l->name, NULL);
	l->reported = xstrdup("");
	l->next_try = KUBE_LEASE_NEVER;
	l->timer = evtimer_new(loop_base(), kube_lease_on_timer, l);
	*out = l;
	return 0;
}

static void
kube_lease_cancel_call(struct kube_lease *l)
{
	if (l->call != NULL)
		l->io.cancel(l->io.ctx, l->call);
	l->call = NULL;
	l->op = KUBE_LEASE_OP_NONE;
}

void
kube_lease_free(struct kube_lease *l)
{
	if (l == NULL)
		return;
	kube_lease_cancel_call(l);
	event_free(l->timer);
	kube_lease_record_clear(&l->rec);
	free(l->ns);
	free(l->name);
	free(l->identity);
	free(l->coll_path);
	free(l->obj_path);
	free(l->reported);
	free(l);
}

int
kube_lease_is_leader(const struct kube_lease *l)
{
	return l->state == KUBE_LEASE_LEADER;
}

const char *
kube_lease_identity(const struct kube_lease *l)
{
	return l->identity;
}

const char *
kube_lease_holder(const struct kube_lease *l)
{
	return l->have_rec ? l->rec.holder : "";
}

static void kube_lease_on_answer(const struct kube_resp *resp, void *arg);

static void
kube_lease_send(struct kube_lease *l, enum kube_lease_op op, const struct kube_lease_record *r)
{
	struct buf body = BUF_INIT;
	const char *method = "GET", *path = l->obj_path;

	if (op == KUBE_LEASE_OP_CREATE) {
		method = "POST";
		path = l->coll_path;
	} else if (op != KUBE_LEASE_OP_GET) {
		method = "PUT";
	}
	if (r != NULL)
		kube_lease_encode(l, r, &body);
	l->op = op;
	l->call = l->io.send(l->io.ctx, method, path, r != NULL ? buf_str(&body) : NULL, body.len,
	                     kube_lease_on_answer, l);
	buf_clear(&body);
}

/* The lease duration of the record seen: its own, else ours. */
static uint64_t
kube_lease_duration(const struct kube_lease *l)
{
	if (l->have_rec && l->rec.duration_s > 0)
		return (uint64_t)l->rec.duration_s * 1000;
	return l->o.lease_duration_ms;
}

/* Writes the record that makes us the holder, from the one seen. */
static void
kube_lease_write(struct kube_lease *l)
{
	struct kube_lease_record r;
	int ours = strcmp(l->rec.holder, l->identity) == 0;

	memset(&r, 0, sizeof r);
	r.holder = l->identity;
	r.duration_s = (int64_t)((l->o.lease_duration_ms + 999) / 1000);
	r.renew_time = kube_lease_now_micro();
	r.acquire_time = ours && l->rec.acquire_time != NULL ? l->rec.acquire_time : r.renew_time;
	r.transitions = ours ? l->rec.transitions : l->rec.transitions + 1;
	r.meta = l->rec.meta;
	kube_lease_send(l, KUBE_LEASE_OP_UPDATE, &r);
	free(r.renew_time);
}

/* Creates the Lease with us as the holder. */
static void
kube_lease_create_lease(struct kube_lease *l)
{
	struct kube_lease_record r;

	memset(&r, 0, sizeof r);
	r.holder = l->identity;
	r.duration_s = (int64_t)((l->o.lease_duration_ms + 999) / 1000);
	r.renew_time = r.acquire_time = kube_lease_now_micro();
	kube_lease_send(l, KUBE_LEASE_OP_CREATE, &r);
	free(r.renew_time);
}

/* Leading ends; the caller then decides when to try again. */
static void
kube_lease_lose(struct kube_lease *l, const char *why)
{
	kube_lease_cancel_call(l);
	kube_lease_set_state(l, KUBE_LEASE_CANDIDATE, why);
	if (l->o.on_stopped_leading != NULL)
		l->o.on_stopped_leading(l->o.arg);
}

/*
 * Takes the record just read or written as the one seen: its time of change
 * is now if it differs from the last. Returns whether the holder changed
 * from the one last reported, so the caller can tell on_new_leader.
 */
static int
kube_lease_observe(struct kube_lease *l, struct kube_lease_record *r, uint64_t now)
{
	int changed = !l->have_rec || kube_lease_record_changed(&l->rec, r);

	if (changed)
		l->observed_at = now;
	kube_lease_record_clear(&l->rec);
	l->rec = *r;
	l->have_rec = 1;
	if (strcmp(l->reported, l->rec.holder) == 0)
		return 0;
	free(l->reported);
	l->reported = xstrdup(l->rec.holder);
	log_info("leader election: holder changed", "lease", l->name, "holder", l->rec.holder);
	return 1;
}

/* A read Lease: take it if it is ours, free or expired; else wait. */
static void
kube_lease_decide(struct kube_lease *l, uint64_t now)
{
	uint64_t expires = l->observed_at + kube_lease_duration(l);

	if (l->rec.holder[0] != '\0' && strcmp(l->rec.holder, l->identity) != 0 && now < expires) {
		if (l->state == KUBE_LEASE_LEADER)
			kube_lease_lose(l, "another replica holds the lease");
		/* Wake when it expires if that comes before the next period. */
		l->next_try = now + l->o.retry_period_ms;
		if (expires < l->next_try)
			l->next_try = expires;
		return;
	}
	kube_lease_write(l);
}

/* A successful acquire or renew. */
static void
kube_lease_won(struct kube_lease *l, uint64_t now)
{
	l->last_renew = now;
	l->next_try = now + l->o.retry_period_ms;
	if (l->state == KUBE_LEASE_LEADER)
		return;
	kube_lease_set_state(l, KUBE_LEASE_LEADER, "acquired the lease");
	if (l->o.on_started_leading != NULL)
		l->o.on_started_leading(l->o.arg);
}

static void
kube_lease_failed(struct kube_lease *l, enum kube_lease_op op, const struct kube_resp *resp,
                  uint64_t now)
{
	char status[24];

	snprintf(status, sizeof status, "%ld", resp->status);
	log_warn("leader election request failed", "lease", l->name, "op",
	         op == KUBE_LEASE_OP_GET      ? "get"
	         : op == KUBE_LEASE_OP_CREATE ? "create"
	                                      : "update",
	         "status", status, "error", resp->message);
	l->next_try = now + l->o.retry_period_ms;
}

/* A GET, POST or PUT answer (not the release's). */
static void
kube_lease_handle(struct kube_lease *l, enum kube_lease_op op, const struct kube_resp *resp,
                  uint64_t now)
{
	struct kube_lease_record r;
	int ok = resp->err == KUBE_OK && resp->status >= 200 && resp->status < 300;
	int notify = 0;
	char *cause = NULL;

	if (resp->err == KUBE_OK && resp->status == 409) {
		/* Someone else wrote first: read what they wrote. */
		kube_lease_send(l, KUBE_LEASE_OP_GET, NULL);
		return;
	}
	if (op == KUBE_LEASE_OP_GET && resp->err == KUBE_OK && resp->status == 404) {
		kube_lease_create_lease(l);
		return;
	}
	if (!ok) {
		kube_lease_failed(l, op, resp, now);
		return;
	}
	if (kube_lease_decode(resp->body.p, resp->body.len, &r, &cause) != 0) {
		log_warn("leader election: unreadable Lease", "lease", l->name, "error", cause);
		free(cause);
		l->next_try = now + l->o.retry_period_ms;
		return;
	}
	notify = kube_lease_observe(l, &r, now);
	if (op == KUBE_LEASE_OP_GET)
		kube_lease_decide(l, now);
	else
		kube_lease_won(l, now);
	if (notify && l->o.on_new_leader != NULL)
		l->o.on_new_leader(l->reported, l->o.arg);
}

static void
kube_lease_on_answer(const struct kube_resp *resp, void *arg)
{
	struct kube_lease *l = arg;
	enum kube_lease_op op = l->op;
	void (*done)(void *) = l->release_done;
	void *done_arg = l->release_arg;

	l->call = NULL;
	l->op = KUBE_LEASE_OP_NONE;
	if (op == KUBE_LEASE_OP_RELEASE) {
		if (resp->err != KUBE_OK || resp->status < 200 || resp->status >= 300)
			kube_lease_failed(l, op, resp, clock_mono_ms());
		kube_lease_set_state(l, KUBE_LEASE_STOPPED, "released the lease");
		if (done != NULL)
			done(done_arg);
		return;
	}
	kube_lease_handle(l, op, resp, clock_mono_ms());
	kube_lease_arm(l);
}

uint64_t
kube_lease_next_ms(const struct kube_lease *l)
{
	uint64_t t = KUBE_LEASE_NEVER, deadline;

	if (l->state != KUBE_LEASE_CANDIDATE && l->state != KUBE_LEASE_LEADER)
		return t;
	if (l->call == NULL)
		t = l->next_try;
	if (l->state == KUBE_LEASE_LEADER) {
		deadline = l->last_renew + l->o.renew_deadline_ms;
		if (deadline < t)
			t = deadline;
	}
	return t;
}

static void
kube_lease_arm(struct kube_lease *l)
{
	uint64_t at = kube_lease_next_ms(l), now = clock_mono_ms(), ms;
	struct timeval tv;

	evtimer_del(l->timer);
	if (at == KUBE_LEASE_NEVER)
		return;
	ms = at > now ? at - now : 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(l->timer, &tv);
}

void
kube_lease_run(struct kube_lease *l)
{
	uint64_t now = clock_mono_ms();

	if (l->state == KUBE_LEASE_LEADER && now >= l->last_renew + l->o.renew_deadline_ms) {
		kube_lease_lose(l, "no renewal within the renew deadline");
		l->next_try = now + l->o.retry_period_ms;
	}
	if ((l->state == KUBE_LEASE_CANDIDATE || l->state == KUBE_LEASE_LEADER) &&
	    l->call == NULL && now >= l->next_try) {
		/* A leader whose record is still valid renews without reading first. */
		if (l->state == KUBE_LEASE_LEADER && l->have_rec &&
		    now < l->observed_at + kube_lease_duration(l))
			kube_lease_write(l);
		else
			kube_lease_send(l, KUBE_LEASE_OP_GET, NULL);
	}
	kube_lease_arm(l);
}

void
kube_lease_start(struct kube_lease *l)
{
	if (l->state != KUBE_LEASE_IDLE)
		return;
	kube_lease_set_state(l, KUBE_LEASE_CANDIDATE, "started");
	l->next_try = clock_mono_ms();
	kube_lease_run(l);
}

void
kube_lease_release(struct kube_lease *l, void (*done)(void *), void *arg)
{
	int was_leader = l->state == KUBE_LEASE_LEADER;
	struct kube_lease_record r;
	char none[1] = "";

	if (l->state == KUBE_LEASE_RELEASING) {
		/* The first release's write is under way; let it finish. */
		if (done != NULL)
			loop_defer(done, arg);
		return;
	}
	if (!l->have_rec || strcmp(l->rec.holder, l->identity) != 0) {
		kube_lease_cancel_call(l);
		evtimer_del(l->timer);
		kube_lease_set_state(l, KUBE_LEASE_STOPPED, "stopped without the lease");
		if (done != NULL)
			loop_defer(done, arg);
		return;
	}
	kube_lease_cancel_call(l);
	evtimer_del(l->timer);
	kube_lease_set_state(l, KUBE_LEASE_RELEASING, "releasing the lease");
	if (was_leader && l->o.on_stopped_leading != NULL)
		l->o.on_stopped_leading(l->o.arg);
	l->release_done = done;
	l->release_arg = arg;
	memset(&r, 0, sizeof r);
	r.holder = none;
	r.duration_s = 1;
	r.renew_time = r.acquire_time = kube_lease_now_micro();
	r.transitions = l->rec.transitions;
	r.meta = l->rec.meta;
	kube_lease_send(l, KUBE_LEASE_OP_RELEASE, &r);
	free(r.renew_time);
}
