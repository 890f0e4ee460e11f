/*
 * Bulk renewal and renewal spreading: jobs per issuer, paces per (account,
 * region), one timer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>

#include "aws/arn.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/ratelimit.h"
#include "core/smap.h"
#include "core/timefmt.h"
#include "core/xmalloc.h"
#include "handlers/certs.h"
#include "handlers/issuers.h"
#include "handlers/notify.h"
#include "handlers/renew.h"
#include "handlers/renew_impl.h"
#include "kube/certificate.h"
#include "kube/permission.h"
#include "kube/types.h"
#include "kube/write.h"

#define RENEW_TICK_MS     200
#define RENEW_COUNT_MS    2000
#define RENEW_PLAN_MS     1000
#define RENEW_BACKDATE_MS (3600 * 1000) /* AWS Private CA's notBefore back-dating */

/* One issuer's renewal of everything issued before a time. */
struct renew_job {
	struct renew *r;
	char *key;          /* the issuer's, as issuers_key() makes it */
	char *kind, *label; /* issuer_kind and issuer, as handlers/certs.h names them */
	char *ns, *name;
	char *before; /* the annotation's value */
	int64_t before_ms;
	char *pace_key;
	char **cand; /* Certificate keys, earliest notAfter first */
	size_t ncand, next;
	struct smap *asked;    /* Certificates asked for in this process */
	struct smap *reported; /* failures named in an event */
	unsigned writes;       /* trigger writes in flight */
	unsigned total, renewed, remaining, failed, busy, waiting;
	uint64_t counted_ms;
	int counted, announced, done;
};

static struct metric *renew_m_certs, *renew_m_triggered;

static void renew_arm(struct renew *r);

/* ---- helpers ---- */

static int
renew_issued_before(const struct certs_item *it, int64_t t)
{
	return it->not_before_ms != 0 && it->not_before_ms + RENEW_BACKDATE_MS < t;
}

static int
renew_failed_since(const struct certs_item *it, int64_t t)
{
	return !it->issuing && it->last_failure_ms != 0 && it->last_failure_ms >= t;
}

/* Splits "AWSPCAIssuer/ns/name" or "AWSPCAClusterIssuer/name". */
static void
renew_job_names(struct renew_job *j)
{
	const char *p = strchr(j->key, '/') + 1, *q;

	if (strncmp(j->key, "AWSPCAClusterIssuer/", 20) == 0) {
		j->kind = xstrdup("AWSPCAClusterIssuer");
		j->ns = xstrdup("");
		j->name = xstrdup(p);
		j->label = xstrdup(p);
	} else {
		q = strchr(p, '/');
		j->kind = xstrdup("AWSPCAIssuer");
		j->ns = xstrndup(p, (size_t)(q - p));
		j->name = xstrdup(q + 1);
		j->label = xstrdup(p);
	}
}

char *
renew_pace_key_of(const char *arn)
{
	struct aws_arn a;
	char *cause = NULL, *key;

	memset(&a, 0, sizeof a);
	if (arn == NULL || aws_arn_parse(arn, &a, &cause) != 0) {
		free(cause);
		return xstrdup("?");
	}
	key = xasprintf("%s/%s", a.account, a.region);
	aws_arn_clear(&a);
	return key;
}

struct renew_pace *
renew_pace(struct renew *r, const char *key)
{
	struct renew_pace *p = smap_get(r->paces, key);

	if (p == NULL) {
		p = xcalloc(1, sizeof *p);
		/* No burst: one renewal per 1/rate seconds, evenly. */
		ratelimit_bucket_init(&p->bucket, r->o.rate, 1, clock_mono_ms());
		smap_put(r->paces, key, p, NULL);
	}
	return p;
}

int
renew_pace_take(struct renew *r, struct renew_pace *p)
{
	uint64_t wait = ratelimit_bucket_take(&p->bucket, clock_mono_ms());

	if (wait == 0)
		return 1;
	if (wait < r->wait_ms)
		r->wait_ms = wait;
	return 0;
}

static void
renew_event(struct renew_job *j, int warning, const char *reason, const char *message)
{
	struct issuer_view v;

	issuers_get(j->r->o.issuers, j->key, &v);
	if (v.verdict == ISSUER_MISSING || v.uid == NULL)
		return;
	notify_event(j->r->o.events, j->kind, j->ns, j->name, v.uid, warning, reason, message);
}

static void
renew_condition(struct renew *r, const char *key, int ok, const char *reason, const char *message)
{
	struct kube_ready c = {ok, reason, message, 0};

	issuers_set_renewing(r->o.issuers, key, &c);
}

/* ---- triggers ---- */

static void
renew_on_triggered(const struct kube_renew_result *res, void *arg)
{
	struct renew_call *c = arg, **pp;
	struct renew *r = c->r;
	char status[16];

	for (pp = &r->calls; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	if (c->job != NULL)
		c->job->writes--;
	switch (res->err) {
	case KUBE_RENEW_OK:
		metrics_inc(renew_m_triggered, c->job != NULL ? "annotation" : "spread");
		break;
	case KUBE_RENEW_ISSUING:
	case KUBE_RENEW_GONE:
		break;
	case KUBE_RENEW_FORBIDDEN:
		if (!r->forbidden)
			kube_permission_missing(
			    "certificates/status", "update",
			    "bulk renewal and renewal spreading are off until the "
			    "role allows update on certificates/status");
		r->forbidden = 1;
		break;
	case KUBE_RENEW_ERROR:
		snprintf(status, sizeof status, "%ld", res->status);
		log_warn("cannot ask for a renewal", "certificate", c->key, "http_status", status,
		         "error", res->message);
		/* Asked again later. */
		if (c->job != NULL)
			free(smap_del(c->job->asked, c->key));
		else
			free(smap_del(r->spread, c->key));
		break;
	}
	free(c->key);
	free(c);
}

void
renew_trigger(struct renew *r, struct renew_job *j, const char *key, const char *message)
{
	struct renew_call *c = xcalloc(1, sizeof *c);
	const char *slash = strchr(key, '/');
	char ns[256];
	size_t n = (size_t)(slash - key);

	if (n >= sizeof ns)
		n = sizeof ns - 1;
	memcpy(ns, key, n);
	ns[n] = '\0';
	c->job = j;
	c->r = r;
	c->key = xstrdup(key);
	c->next = r->calls;
	r->calls = c;
	if (j != NULL)
		j->writes++;
	/* One line per renewal asked for: when, and why, as the user will want to know. */
	log_info("asking cert-manager to renew", "certificate", key, "reason",
	         j != NULL ? "annotation" : "spread");
	c->call =
	    kube_certificate_renew(r->o.kube, ns, slash + 1, NULL, message, renew_on_triggered, c);
}

/* ---- jobs ---- */

struct renew_scan {
	struct renew_job *j;
	int64_t t;
	char **keys;
	int64_t *na;
	size_t n, cap;
};

static void
renew_count_one(const struct certs_item *it, void *arg)
{
	struct renew_scan *s = arg;
	struct renew_job *j = s->j;
	char msg[768];

	if (it->created_ms != 0 && it->created_ms >= s->t)
		return; /* made after the time asked for: not part of it */
	if (!renew_issued_before(it, s->t)) {
		if (it->not_before_ms != 0)
			j->renewed++;
		return;
	}
	if (renew_failed_since(it, s->t)) {
		j->failed++;
		if (j->r->leader && smap_get(j->reported, it->key) == NULL) {
			smap_put(j->reported, it->key, xstrdup(""), NULL);
			snprintf(
			    msg, sizeof msg,
			    "The renewal of Certificate %s failed (see its Issuing condition and "
			    "events); cert-manager retries it with its own back-off",
			    it->key);
			renew_event(j, 1, "RenewalFailed", msg);
		}
		return;
	}
	j->remaining++;
	if (it->issuing && (it->issuing_ours || smap_get(j->asked, it->key) != NULL))
		j->busy++;
	else if (!it->issuing && smap_get(j->asked, it->key) == NULL)
		j->waiting++;
}

/* Counts the issuer's Certificates and says where the renewal stands. */
static void
renew_count(struct renew_job *j)
{
	struct renew *r = j->r;
	struct renew_scan s;
	char msg[512];

	memset(&s, 0, sizeof s);
	s.j = j;
	s.t = j->before_ms;
	j->renewed = j->remaining = j->failed = j->busy = j->waiting = 0;
	certs_each(r->o.certs, j->kind, j->label, renew_count_one, &s);
	j->total = j->renewed + j->remaining + j->failed;
	j->counted = 1;
	j->counted_ms = clock_mono_ms();
	if (!r->leader)
		return;
	if (!j->announced) {
		j->announced = 1;
		snprintf(
		    msg, sizeof msg,
		    "Renewing %u Certificate(s) of this issuer issued before %s, at most %g per "
		    "second",
		    j->remaining, j->before, r->o.rate);
		renew_event(j, 0, "RenewalStarted", msg);
	}
	if (j->remaining == 0 && j->writes == 0) {
		snprintf(msg, sizeof msg,
		         "%u of %u renewed, %u failed: every Certificate issued before %s is done",
		         j->renewed, j->total, j->failed, j->before);
		if (!j->done) {
			j->done = 1;
			log_info("bulk renewal completed", "issuer", j->key, "message", msg);
			renew_event(j, j->failed > 0, "RenewalCompleted", msg);
		}
		renew_condition(r, j->key, 0, "Completed", msg);
		return;
	}
	snprintf(msg, sizeof msg,
	         "%u of %u renewed, %u failed; %u being renewed now (issued "
	         "before %s)",
	         j->renewed, j->total, j->failed, j->busy, j->before);
	renew_condition(r, j->key, 1, "Renewing", msg);
}

static int
renew_cand_cmp(const void *a, const void *b, void *arg)
{
	const int64_t *na = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (na[x] != na[y])
		return na[x] < na[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

static void
renew_cand_one(const struct certs_item *it, void *arg)
{
	struct renew_scan *s = arg;

	if ((it->created_ms != 0 && it->created_ms >= s->t) || !renew_issued_before(it, s->t) ||
	    it->issuing || renew_failed_since(it, s->t) || smap_get(s->j->asked, it->key) != NULL)
		return;
	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 64 : s->cap * 2;
		s->keys = xreallocarray(s->keys, s->cap, sizeof *s->keys);
		s->na = xreallocarray(s->na, s->cap, sizeof *s->na);
	}
	s->keys[s->n] = xstrdup(it->key);
	s->na[s->n++] = it->not_after_ms;
}

/* The Certificates still to ask for, earliest notAfter first. */
static void
renew_candidates(struct renew_job *j)
{
	struct renew_scan s;
	size_t *order, i;

	for (i = 0; i < j->ncand; i++)
		free(j->cand[i]);
	free(j->cand);
	memset(&s, 0, sizeof s);
	s.j = j;
	s.t = j->before_ms;
	certs_each(j->r->o.certs, j->kind, j->label, renew_cand_one, &s);
	order = xcalloc(s.n + 1, sizeof *order);
	for (i = 0; i < s.n; i++)
		order[i] = i;
	qsort_r(order, s.n, sizeof *order, renew_cand_cmp, s.na);
	j->cand = xcalloc(s.n + 1, sizeof *j->cand);
	for (i = 0; i < s.n; i++)
		j->cand[i] = s.keys[order[i]];
	j->ncand = s.n;
	j->next = 0;
	free(order);
	free(s.keys);
	free(s.na);
}

static unsigned
renew_window(const struct renew *r)
{
	if (r->o.window > 0)
		return r->o.window;
	return r->o.rate * 20 < 10 ? 10 : (unsigned)(r->o.rate * 20);
}

/* Asks for the next renewals the pace and the window allow. */
static void
renew_job_step(struct renew_job *j)
{
	struct renew *r = j->r;
	struct renew_pace *p = renew_pace(r, j->pace_key);
	struct certs_item it;
	char msg[512];
	const char *key;
	int rebuilt = 0;

	if (!j->counted || clock_mono_ms() - j->counted_ms >= RENEW_COUNT_MS)
		renew_count(j);
	if (j->done || r->forbidden)
		return;
	snprintf(msg, sizeof msg,
	         CERTS_TRIGGER_MARK " renewing the certificates of %s %s issued before %s, as its "
	                            "annotation " KUBE_RENEW_BEFORE_ANNOTATION " asks",
	         j->kind, j->label, j->before);
	while (j->busy + j->writes < renew_window(r)) {
		if (j->next == j->ncand) {
			if (rebuilt || j->waiting == 0)
				return;
			renew_candidates(j);
			rebuilt = 1;
			continue;
		}
		key = j->cand[j->next];
		if (!certs_get(r->o.certs, key, &it) || it.issuing ||
		    !renew_issued_before(&it, j->before_ms) ||
		    renew_failed_since(&it, j->before_ms) || smap_get(j->asked, key) != NULL) {
			j->next++;
			continue;
		}
		if (!renew_pace_take(r, p))
			return;
		j->next++;
		j->waiting = j->waiting > 0 ? j->waiting - 1 : 0;
		smap_put(j->asked, key, xstrdup(""), NULL);
		renew_trigger(r, j, key, msg);
	}
}

static void
renew_job_free(struct renew_job *j)
{
	struct renew_call *c;
	size_t i;

	for (c = j->r->calls; c != NULL; c = c->next) {
		if (c->job == j)
			c->job = NULL; /* its answer still comes, for nobody */
	}
	for (i = 0; i < j->ncand; i++)
		free(j->cand[i]);
	free(j->cand);
	smap_free(j->asked, free);
	smap_free(j->reported, free);
	free(j->key);
	free(j->kind);
	free(j->label);
	free(j->ns);
	free(j->name);
	free(j->before);
	free(j->pace_key);
	free(j);
}

static void
renew_job_end(struct renew *r, struct renew_job *j, const char *why)
{
	char msg[512];

	smap_del(r->jobs, j->key);
	if (r->leader && !j->done) {
		snprintf(msg, sizeof msg, "%u of %u renewed, %u failed; %s", j->renewed, j->total,
		         j->failed, why);
		renew_condition(r, j->key, 0, "Cancelled", msg);
		renew_event(j, 0, "RenewalCancelled", msg);
	}
	renew_job_free(j);
}

void
renew_issuer_changed(struct renew *r, const char *key)
{
	struct renew_job *j = smap_get(r->jobs, key);
	struct issuer_view v;
	const char *kind =
	    strncmp(key, "AWSPCAClusterIssuer/", 20) == 0 ? "AWSPCAClusterIssuer" : "AWSPCAIssuer";
	char msg[512];

	issuers_get(r->o.issuers, key, &v);
	/* issuers_get falls back to the cluster issuer of the name: not this one. */
	if (v.verdict == ISSUER_MISSING || strcmp(v.kind, kind) != 0) {
		if (j != NULL) {
			smap_del(r->jobs, key);
			renew_job_free(j);
		}
		return;
	}
	if (v.renew_before == NULL) {
		if (j != NULL)
			renew_job_end(r, j, "the annotation was removed");
		else if (r->leader && v.renewing != NULL && v.renewing->status == KUBE_COND_TRUE)
			renew_condition(r, key, 0, "Cancelled", "the annotation was removed");
		return;
	}
	if (v.renew_before_ms == 0) {
		if (j != NULL)
			renew_job_end(r, j, "the annotation is not a time");
		if (r->leader) {
			snprintf(msg, sizeof msg,
			         KUBE_RENEW_BEFORE_ANNOTATION
			         " is \"%.200s\", not an RFC 3339 time such "
			         "as 2026-01-02T15:04:05Z",
			         v.renew_before);
			renew_condition(r, key, 0, "InvalidAnnotation", msg);
		}
		return;
	}
	if (j != NULL && j->before_ms == v.renew_before_ms)
		return;
	if (j != NULL)
		renew_job_end(r, j, "the annotation asks for another time");
	j = xcalloc(1, sizeof *j);
	j->r = r;
	j->key = xstrdup(key);
	renew_job_names(j);
	j->before = xstrdup(v.renew_before);
	j->before_ms = v.renew_before_ms;
	j->pace_key = renew_pace_key_of(v.arn);
	j->asked = smap_create();
	j->reported = smap_create();
	smap_put(r->jobs, key, j, NULL);
	log_info("bulk renewal asked for", "issuer", key, "issued_before", j->before);
	renew_arm(r);
}

/* ---- the timer ---- */

void
renew_run(struct renew *r)
{
	struct smap_iter it;
	const char *key;
	void *v;
	uint64_t now = clock_mono_ms();

	r->wait_ms = RENEW_TICK_MS;
	if (!r->leader || r->stopped)
		return;
	if (certs_denied(r->o.certs)) {
		smap_iter_init(&it);
		while (smap_next(r->jobs, &it, &key, &v))
			renew_condition(
			    r, ((struct renew_job *)v)->key, 0, "TrackingOff",
			    "the role does not allow listing certificates.cert-manager.io, "
			    "which a renewal needs");
		return;
	}
	if (!certs_synced(r->o.certs))
		return;
	smap_iter_init(&it);
	while (smap_next(r->jobs, &it, &key, &v)) {
		struct renew_job *j = v;

		if (r->forbidden) {
			renew_condition(
			    r, j->key, 0, "Forbidden",
			    "the role does not allow update on certificates/status, which "
			    "asking cert-manager for a renewal needs");
			continue;
		}
		renew_job_step(j);
	}
	if (r->o.spread_ms > 0 && !r->forbidden) {
		if (now - r->planned_ms >= RENEW_PLAN_MS) {
			r->planned_ms = now;
			renew_spread_plan(r);
		}
		renew_spread_step(r);
	}
}

static void
renew_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct renew *r = arg;

	renew_run(r);
	renew_arm(r);
}

static void
renew_arm(struct renew *r)
{
	/* When the next token is due, else the tick. */
	struct timeval tv = {0, (long)r->wait_ms * 1000};

	if (r->timer == NULL || !r->leader || r->stopped ||
	    (smap_count(r->jobs) == 0 && r->o.spread_ms == 0)) {
		if (r->timer != NULL)
			evtimer_del(r->timer);
		return;
	}
	if (!evtimer_pending(r->timer, NULL))
		evtimer_add(r->timer, &tv);
}

/* ---- metrics and life ---- */

static void
renew_collect(struct metric *m, void *arg)
{
	struct renew *r = arg;
	struct smap_iter it;
	const char *key;
	void *v;

	smap_iter_init(&it);
	while (smap_next(r->jobs, &it, &key, &v)) {
		struct renew_job *j = v;

		if (!j->counted)
			continue;
		metrics_set(m, j->remaining, j->kind, j->label, "remaining");
		metrics_set(m, j->renewed, j->kind, j->label, "renewed");
		metrics_set(m, j->failed, j->kind, j->label, "failed");
	}
}

struct renew *
renew_create(const struct renew_opts *opts)
{
	struct renew *r = xcalloc(1, sizeof *r);

	r->o = *opts;
	r->jobs = smap_create();
	r->paces = smap_create();
	r->spread = smap_create();
	r->wait_ms = RENEW_TICK_MS;
	if (loop_base() != NULL)
		r->timer = evtimer_new(loop_base(), renew_on_timer, r);
	if (renew_m_certs == NULL) {
		renew_m_certs = metrics_gauge(
		    "pca_issuer_bulk_renewal_certificates",
		    "Certificates of a bulk renewal asked for by an issuer's "
		    "renew-certificates-issued-before annotation: remaining, renewed, failed.",
		    "issuer_kind,issuer,state");
		renew_m_triggered = metrics_counter(
		    "pca_issuer_renewals_triggered_total",
		    "Renewals pca-issuer asked cert-manager for, by why: annotation "
		    "(a bulk renewal) or spread (a renewal herd spread out).",
		    "reason");
	}
	metrics_collect_add(renew_m_certs, renew_collect, r);
	return r;
}

void
renew_set_leader(struct renew *r, int leader)
{
	struct smap_iter it;
	const char *key;
	void *v;

	r->leader = leader;
	/* A new leader counts afresh and tells where each renewal stands. */
	smap_iter_init(&it);
	while (smap_next(r->jobs, &it, &key, &v))
		((struct renew_job *)v)->counted = 0;
	renew_arm(r);
}

void
renew_stop(struct renew *r)
{
	r->stopped = 1;
	renew_arm(r);
}

static void
renew_free_job(void *p)
{
	renew_job_free(p);
}

void
renew_free(struct renew *r)
{
	struct renew_call *c, *next;

	if (r == NULL)
		return;
	metrics_collect_remove(renew_m_certs, renew_collect, r);
	for (c = r->calls; c != NULL; c = next) {
		next = c->next;
		kube_renew_cancel(c->call);
		free(c->key);
		free(c);
	}
	r->calls = NULL;
	smap_free(r->jobs, renew_free_job);
	smap_free(r->paces, free);
	renew_spread_free(r);
	if (r->timer != NULL)
		event_free(r->timer);
	free(r);
}
