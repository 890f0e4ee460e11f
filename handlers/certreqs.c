/*
 * The CertificateRequest controller (the contract is in certreqs.h).
 *
 * Each request of ours that is not terminal has one entry, keyed
 * "<namespace>/<name>" as in the work queue, and bound to the object's uid:
 * a namesake with another uid ends the entry (its calls are cancelled) and
 * starts a new one. Handling a request is one step at a time: the work
 * queue hands the key out, cr_step() looks at the object and the entry and
 * starts the one call that moves it on, and the call's callback either
 * chains the next call or ends the step (cr_done) with when to come back.
 *
 *   idle -> marking -> issuing -> annotating -> polling <-> fetching -> writing
 *
 * What a request has reached is read from the object itself (the
 * issue-started and certificate-ARN annotations, the conditions), so a
 * restart resumes where it stopped. Every write is conditional on the
 * object (kube/write.h), and its answer is the object the next step uses.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/pca.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/smap.h"
#include "core/timefmt.h"
#include "core/workq.h"
#include "core/xmalloc.h"
#include "handlers/certreqs.h"
#include "handlers/csr.h"
#include "handlers/issuers.h"
#include "handlers/notify.h"
#include "handlers/template.h"
#include "kube/client.h"
#include "kube/reflector.h"
#include "kube/types.h"
#include "kube/write.h"

/* How long AWS honours an IssueCertificate IdempotencyToken. */
#define CR_IDEMPOTENCY_WINDOW_MS (5 * 60 * 1000)

enum cr_state {
	CR_IDLE,
	CR_WAIT_APPROVAL,
	CR_WAIT_ISSUER,
	CR_MARKING, /* writing the issue-started annotation */
	CR_ISSUING,
	CR_ANNOTATING, /* writing the certificate ARN */
	CR_FETCHING,
	CR_POLLING, /* waiting between GetCertificate calls */
	CR_RETRYING,
	CR_WRITING, /* the final status */
};

static const char *const cr_state_names[] = {
    "idle",       "waiting_approval", "waiting_issuer", "marking",  "issuing",
    "annotating", "fetching",         "polling",        "retrying", "writing",
};

struct cr {
	struct certreqs *ctl;
	char *key;
	struct kube_cr *obj; /* the newest version known, from the watch or a write's answer */
	char *issuer_key;
	enum cr_state state;
	char *cert_arn;           /* from the annotation, or just issued */
	struct csr *csr;          /* spec.request parsed and verified, once */
	struct issuer_conn *conn; /* held while an AWS call is in flight */
	struct aws_pca_call *pcall;
	struct kube_write *write;
	/*
	 * Time spent retrying AWS errors: the current run started at
	 * first_error_ms (0: none running), earlier runs add up in retry_spent_ms.
	 * Waiting for the issuer is not retrying and stops the clock.
	 */
	int64_t first_error_ms;
	int64_t retry_spent_ms;
	unsigned polls;
	unsigned conflicts; /* writes refused in a row because the object changed */
	int waiting_event_sent;
	int resume_counted; /* found issue-started without an ARN, counted once */
	int active;         /* handed out by the work queue */
	int dropped;        /* gone while active: freed when the step ends */
	int written_terminal;
	/* What happens once the status write in flight lands. */
	enum workq_result next_result;
	uint64_t next_after_ms;
	const char *write_outcome;  /* counted then: "issued", "failed", "denied" */
	TAILQ_ENTRY(cr) wait_entry; /* on its issuer's list while waiting for it */
	int on_wait_list;
};

TAILQ_HEAD(cr_list, cr);

/*
 * The requests waiting for issuers of one name. A request that names an
 * AWSPCAIssuer falls back to the AWSPCAClusterIssuer of that name, so a
 * change to either kind wakes every request waiting for the name.
 */
struct cr_waiters {
	struct cr_list list;
};

struct certreqs {
	struct certreqs_opts opts;
	struct smap *crs;
	struct smap *waiters; /* issuer name -> struct cr_waiters */
	struct kube_reflector *refl;
	struct workq *queue;
	int leader, stopped;
};

static struct metric *m_requests, *m_latency, *m_pending, *m_inflight, *m_resumed;

static void certreqs_sync(struct workq *q, const char *key, void *arg);
static void certreqs_collect(struct metric *m, void *arg);
static void certreqs_collect_inflight(struct metric *m, void *arg);
static void cr_step(struct cr *cr);

/* The one place an entry changes state, so transitions can be traced. */
static void
cr_set_state(struct cr *cr, enum cr_state s)
{
	if (cr->state != s && log_enabled(LOG_LEVEL_DEBUG))
		log_debug("request state", "cr", cr->key, "from", cr_state_names[cr->state], "to",
		          cr_state_names[s]);
	cr->state = s;
}

/* ---- waiting for an issuer ---- */

static void
cr_unwait(struct cr *cr)
{
	struct cr_waiters *w;

	if (!cr->on_wait_list)
		return;
	w = smap_get(cr->ctl->waiters, cr->obj->issuer_name);
	TAILQ_REMOVE(&w->list, cr, wait_entry);
	cr->on_wait_list = 0;
	if (TAILQ_EMPTY(&w->list))
		free(smap_del(cr->ctl->waiters, cr->obj->issuer_name));
}

static void
cr_wait_for_issuer(struct cr *cr)
{
	struct cr_waiters *w;

	cr_set_state(cr, CR_WAIT_ISSUER);
	if (cr->on_wait_list)
		return;
	if ((w = smap_get(cr->ctl->waiters, cr->obj->issuer_name)) == NULL) {
		w = xcalloc(1, sizeof *w);
		TAILQ_INIT(&w->list);
		smap_put(cr->ctl->waiters, cr->obj->issuer_name, w, NULL);
	}
	TAILQ_INSERT_TAIL(&w->list, cr, wait_entry);
	cr->on_wait_list = 1;
}

/* ---- entries ---- */

/* Cancels whatever the entry has in flight; no callback of it runs afterwards. */
static void
cr_cancel_calls(struct cr *cr)
{
	if (cr->pcall != NULL)
		aws_pca_cancel(cr->pcall);
	cr->pcall = NULL;
	kube_write_cancel(cr->write);
	cr->write = NULL;
	issuers_conn_unref(cr->conn);
	cr->conn = NULL;
}

static void
cr_free(void *p)
{
	struct cr *cr = p;

	if (cr == NULL)
		return;
	cr_unwait(cr);
	cr_cancel_calls(cr);
	csr_free(cr->csr);
	kube_cr_free(cr->obj);
	free(cr->key);
	free(cr->issuer_key);
	free(cr->cert_arn);
	free(cr);
}

/*
 * Ends the entry at once: its calls are cancelled and, if the work queue
 * had handed it out, the step is reported done.
 */
static void
cr_remove(struct cr *cr)
{
	struct certreqs *ctl = cr->ctl;
	char *key = xstrdup(cr->key);
	int active = cr->active;

	smap_del(ctl->crs, key);
	cr_free(cr);
	if (active) {
		workq_done(ctl->queue, key, WORKQ_DONE, 0);
		loop_release();
	}
	workq_forget(ctl->queue, key);
	free(key);
}

static int
cr_is_ours(const struct kube_cr *o)
{
	return o->issuer_group != NULL && strcmp(o->issuer_group, KUBE_AWSPCA_GROUP) == 0;
}

static int
cr_reason_is(const struct kube_condition *c, const char *reason)
{
	return c->reason != NULL && strcmp(c->reason, reason) == 0;
}

/* Ready, Failed, Denied or InvalidRequest: nothing more to do, ever. */
static int
cr_is_terminal(const struct kube_cr *o)
{
	if (o->ready.status == KUBE_COND_TRUE || o->invalid_request.status == KUBE_COND_TRUE)
		return 1;
	return o->ready.status == KUBE_COND_FALSE &&
	       (cr_reason_is(&o->ready, "Failed") || cr_reason_is(&o->ready, "Denied"));
}

/*
 * Whether resourceVersion a is older than b. The API server's versions are
 * etcd revisions, decimal integers that grow; anything else is taken as
 * newer, so that an unknown scheme never holds back an update.
 */
static int
cr_rv_older(const char *a, const char *b)
{
	char *ea, *eb;
	unsigned long long va, vb;

	if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
		return 0;
	va = strtoull(a, &ea, 10);
	vb = strtoull(b, &eb, 10);
	return *ea == '\0' && *eb == '\0' && va < vb;
}

/* Makes o the entry's object (taking it), unless the entry already has a newer one. */
static void
cr_set_obj(struct cr *cr, struct kube_cr *o)
{
	if (cr->obj != NULL && cr_rv_older(o->resource_version, cr->obj->resource_version)) {
		kube_cr_free(o);
		return;
	}
	kube_cr_free(cr->obj);
	cr->obj = o;
	if (cr->issuer_key == NULL) {
		cr->issuer_key = issuers_key(o->issuer_kind != NULL ? o->issuer_kind : "",
		                             o->namespace, o->issuer_name);
	}
	if (o->certificate_arn != NULL && cr->cert_arn == NULL)
		cr->cert_arn = xstrdup(o->certificate_arn);
}

static int
certreqs_on_upsert(const struct kube_meta *meta, void *obj, void *arg)
{
	struct certreqs *ctl = arg;
	struct kube_cr *o = obj;
	struct cr *cr;
	char *key;

	if (!cr_is_ours(o))
		return 0;
	key = xasprintf("%s/%s", o->namespace, o->name);
	cr = smap_get(ctl->crs, key);
	if (cr != NULL && strcmp(cr->obj->uid, o->uid) != 0) {
		/* A new object under a known name: nothing of the old one carries over. */
		log_info("request replaced by a namesake", "cr", key, "uid", o->uid);
		cr_remove(cr);
		cr = NULL;
	}
	if (cr_is_terminal(o) || o->deleting) {
		/* Terminal objects are not kept: they cost nothing from here on. */
		if (cr != NULL) {
			if (cr->write != NULL && cr->state == CR_WRITING)
				cr->dropped = 1; /* our own final write; it finishes the entry */
			else
				cr_remove(cr);
		}
		free(key);
		return 0;
	}
	if (cr == NULL) {
		cr = xcalloc(1, sizeof *cr);
		cr->ctl = ctl;
		cr->key = key;
		smap_put(ctl->crs, key, cr, NULL);
	} else
		free(key);
	cr_set_obj(cr, o);
	/* Polling and retries keep their timing; everything else looks now. */
	if (cr->state != CR_POLLING && cr->state != CR_RETRYING)
		workq_add(ctl->queue, cr->key);
	return 1;
}

static void
certreqs_on_delete(const struct kube_meta *meta, void *arg)
{
	struct certreqs *ctl = arg;
	char *key = xasprintf("%s/%s", meta->namespace, meta->name);
	struct cr *cr = smap_get(ctl->crs, key);

	/* A delete reported for an older uid does not end a namesake's entry. */
	if (cr != NULL && (*meta->uid == '\0' || strcmp(meta->uid, cr->obj->uid) == 0)) {
		log_debug("request deleted", "cr", key);
		cr_remove(cr);
	}
	free(key);
}

static void
certreqs_on_synced(void *arg)
{
	struct certreqs *ctl = arg;
	char n[24];

	snprintf(n, sizeof n, "%zu", smap_count(ctl->crs));
	log_info("certificate request cache synced", "pending", n);
}

struct certreqs *
certreqs_create(const struct certreqs_opts *opts)
{
	static const double buckets[] = {0.1, 0.25, 0.5, 1,   2.5, 5,    10,
	                                 30,  60,   120, 300, 600, 1800, 3600};
	struct certreqs *ctl = xcalloc(1, sizeof *ctl);
	struct kube_reflector_opts ro;
	struct workq_opts wo = {"certificaterequests", 1000, 300000, 64, 0};

	ctl->opts = *opts;
	ctl->crs = smap_create();
	ctl->waiters = smap_create();
	ctl->queue = workq_create(loop_base(), &wo, certreqs_sync, ctl);
	workq_set_paused(ctl->queue, 1);
	memset(&ro, 0, sizeof ro);
	ro.type = &kube_type_cr;
	ro.namespace = opts->namespace;
	ro.max_line = opts->max_line;
	ro.on_upsert = certreqs_on_upsert;
	ro.on_delete = certreqs_on_delete;
	ro.on_synced = certreqs_on_synced;
	ro.arg = ctl;
	ctl->refl = kube_reflector_create(opts->kube, &ro);
	if (m_requests == NULL) {
		m_requests = metrics_counter(
		    "pca_issuer_certificaterequests_total",
		    "CertificateRequests finished, by issuer and outcome (issued, failed, denied).",
		    "issuer_kind,issuer,outcome");
		m_latency = metrics_histogram(
		    "pca_issuer_certificaterequest_approval_to_ready_seconds",
		    "Time from a request's approval to its certificate being written.", NULL,
		    buckets, sizeof buckets / sizeof buckets[0]);
		m_pending =
		    metrics_gauge("pca_issuer_certificaterequests_pending",
		                  "Requests being worked on, by what they wait for.", "reason");
		m_inflight =
		    metrics_gauge("pca_issuer_certificaterequests_in_flight",
		                  "Requests with an AWS or Kubernetes call in flight.", NULL);
		m_resumed = metrics_counter(
		    "pca_issuer_certificaterequests_resumed_total",
		    "Requests found with IssueCertificate possibly sent but no certificate ARN "
		    "recorded (a restart or a change of leader in between), by whether AWS's "
		    "five-minute idempotency window still covers them (inside) or a second "
		    "certificate may be issued (outside).",
		    "window");
	}
	metrics_collect_add(m_pending, certreqs_collect, ctl);
	metrics_collect_add(m_inflight, certreqs_collect_inflight, ctl);
	return ctl;
}

void
certreqs_start(struct certreqs *ctl)
{
	kube_reflector_start(ctl->refl);
}

void
certreqs_set_leader(struct certreqs *ctl, int leader)
{
	ctl->leader = leader;
	workq_set_paused(ctl->queue, !leader || ctl->stopped);
}

void
certreqs_stop(struct certreqs *ctl)
{
	ctl->stopped = 1;
	workq_set_paused(ctl->queue, 1);
}

void
certreqs_free(struct certreqs *ctl)
{
	if (ctl == NULL)
		return;
	metrics_collect_remove(m_pending, certreqs_collect, ctl);
	metrics_collect_remove(m_inflight, certreqs_collect_inflight, ctl);
	kube_reflector_free(ctl->refl);
	smap_free(ctl->crs, cr_free);
	smap_free(ctl->waiters, free);
	workq_free(ctl->queue);
	free(ctl);
}

void
certreqs_issuer_changed(struct certreqs *ctl, const char *issuer_key)
{
	const char *name = strrchr(issuer_key, '/') != NULL ? strrchr(issuer_key, '/') + 1 : "";
	struct cr_waiters *w = smap_get(ctl->waiters, name);
	struct cr *cr;

	if (w == NULL)
		return;
	/* Woken requests leave the list; they join it again if they must wait on. */
	while ((cr = TAILQ_FIRST(&w->list)) != NULL) {
		TAILQ_REMOVE(&w->list, cr, wait_entry);
		cr->on_wait_list = 0;
		workq_add(ctl->queue, cr->key);
	}
	free(smap_del(ctl->waiters, name));
}

static void
certreqs_collect_inflight(struct metric *m, void *arg)
{
	struct certreqs *ctl = arg;
	struct smap_iter it;
	const char *key;
	void *v;
	double n = 0;

	smap_iter_init(&it);
	while (smap_next(ctl->crs, &it, &key, &v))
		n += ((struct cr *)v)->pcall != NULL || ((struct cr *)v)->write != NULL;
	metrics_set(m, n);
}

static void
certreqs_collect(struct metric *m, void *arg)
{
	struct certreqs *ctl = arg;
	double counts[sizeof cr_state_names / sizeof cr_state_names[0]] = {0};
	struct smap_iter it;
	const char *key;
	void *v;
	size_t i;

	smap_iter_init(&it);
	while (smap_next(ctl->crs, &it, &key, &v))
		counts[((struct cr *)v)->state]++;
	for (i = 0; i < sizeof counts / sizeof counts[0]; i++)
		metrics_set(m, counts[i], cr_state_names[i]);
}

/* Ends a step: reports to the queue, or frees an entry that is finished. */
static void
cr_done(struct cr *cr, enum workq_result result, uint64_t after_ms)
{
	struct certreqs *ctl = cr->ctl;
	char *key;

	issuers_conn_unref(cr->conn);
	cr->conn = NULL;
	if (cr->dropped || cr->written_terminal) {
		cr_remove(cr);
		return;
	}
	key = xstrdup(cr->key);
	cr->active = 0;
	workq_done(ctl->queue, key, result, after_ms);
	free(key);
	loop_release();
}

/* Counts a finished request under the issuer it names (as resolved now). */
static void
cr_count(struct cr *cr, const char *outcome)
{
	struct issuer_view iv;
	char label[512];

	issuers_get(cr->ctl->opts.issuers, cr->issuer_key, &iv);
	if (strcmp(iv.kind, "AWSPCAClusterIssuer") == 0)
		snprintf(label, sizeof label, "%s", cr->obj->issuer_name);
	else
		snprintf(label, sizeof label, "%s/%s", cr->obj->namespace, cr->obj->issuer_name);
	metrics_inc(m_requests, iv.kind, label, outcome);
}

/*
 * What a write's answer means for the entry: the object to work from next,
 * or that it is gone. Returns 0 to go on, -1 when the step has ended.
 */
static int
cr_write_answer(struct cr *cr, struct kube_write_result *res, const char *what)
{
	char code[16];

	cr->write = NULL;
	switch (res->err) {
	case KUBE_WRITE_OK:
		cr->conflicts = 0;
		if (res->obj != NULL) {
			cr_set_obj(cr, res->obj);
			res->obj = NULL;
		}
		return 0;
	case KUBE_WRITE_GONE:
		log_info("request gone while it was being written", "cr", cr->key, "write", what);
		cr->dropped = 1;
		cr->written_terminal = 0;
		cr_done(cr, WORKQ_DONE, 0);
		return -1;
	case KUBE_WRITE_CHANGED:
		/* Decide again from the fresh object, at once (but not forever). */
		cr->written_terminal = 0;
		if (res->obj != NULL) {
			cr_set_obj(cr, res->obj);
			res->obj = NULL;
		}
		cr_done(cr, ++cr->conflicts < 5 ? WORKQ_AFTER : WORKQ_RETRY, 0);
		return -1;
	default:
		snprintf(code, sizeof code, "%ld", res->status);
		log_warn("cannot write request", "cr", cr->key, "write", what, "http_status",
		         res->status == 0 ? "none" : code, "error", res->message);
		cr->written_terminal = 0;
		cr_done(cr, WORKQ_RETRY, 0);
		return -1;
	}
}

static void
cr_on_written(struct kube_write_result *res, void *arg)
{
	struct cr *cr = arg;
	int64_t approved;

	if (cr_write_answer(cr, res, "status") != 0)
		return;
	if (cr->write_outcome != NULL) {
		cr_count(cr, cr->write_outcome);
		if (strcmp(cr->write_outcome, "issued") == 0 &&
		    cr->obj->approved.last_transition_time != NULL &&
		    timefmt_parse(cr->obj->approved.last_transition_time, &approved) == 0)
			metrics_observe(m_latency, (double)(clock_wall_ms() - approved) / 1000.0);
	}
	cr_done(cr, cr->next_result, cr->next_after_ms);
}

/*
 * Writes the Ready condition (and certificate, ca, failureTime); once it
 * lands the step ends with result and after_ms. A Pending condition that
 * would not change is not written again. outcome, if not NULL, makes the
 * write final and is counted when it lands.
 */
static void
cr_write(struct cr *cr, const struct kube_ready *ready, const char *certificate, const char *ca,
         const char *outcome, enum workq_result result, uint64_t after_ms)
{
	struct kube_cr_result r = {certificate, ca, outcome != NULL && !ready->ok};

	if (outcome == NULL && !kube_ready_differs(&cr->obj->ready, ready)) {
		cr_done(cr, result, after_ms);
		return;
	}
	cr->written_terminal = outcome != NULL;
	cr->write_outcome = outcome;
	cr->next_result = result;
	cr->next_after_ms = after_ms;
	if (outcome != NULL)
		cr_set_state(cr, CR_WRITING);
	cr->write = kube_write_cr_status(cr->ctl->opts.kube, cr->obj, ready, &r, cr_on_written, cr);
}

/* A permanent failure: Ready=False reason Failed with failureTime. */
static void
cr_fail(struct cr *cr, const char *message)
{
	struct kube_ready ready = {0, "Failed", message, 0};

	log_warn("request failed", "cr", cr->key, "error", message);
	notify_event(cr->ctl->opts.events, "CertificateRequest", cr->obj->namespace, cr->obj->name,
	             cr->obj->uid, 1, "Failed", message);
	cr_write(cr, &ready, NULL, NULL, "failed", WORKQ_DONE, 0);
}

/* Ready=False reason Pending; the step ends with result once written. */
static void
cr_pending(struct cr *cr, const char *message, enum workq_result result, uint64_t after_ms)
{
	struct kube_ready ready = {0, "Pending", message, 0};

	cr_write(cr, &ready, NULL, NULL, NULL, result, after_ms);
}

/*
 * A retryable error: stay Pending and retry with back-off, until the time
 * spent retrying reaches the maximum retry duration.
 */
static void
cr_retry(struct cr *cr, const char *what, const struct aws_pca_result *res)
{
	int64_t now = clock_wall_ms(), spent;
	char *msg;

	if (cr->first_error_ms == 0)
		cr->first_error_ms = now;
	spent = cr->retry_spent_ms + (now - cr->first_error_ms);
	msg =
	    xasprintf("%s: %s%s%s", what, res->code, *res->code != '\0' ? ": " : "", res->message);
	if (spent >= 0 && (uint64_t)spent >= cr->ctl->opts.max_retry_ms) {
		char *final = xasprintf("%s (gave up after retrying for %llds)", msg,
		                        (long long)(spent / 1000));
		cr_fail(cr, final);
		free(final);
	} else {
		log_info("request will be retried", "cr", cr->key, "error", msg);
		cr_set_state(cr, CR_RETRYING);
		cr_pending(cr, msg, WORKQ_RETRY, 0);
	}
	free(msg);
}

/* Routes an AWS error to retry, failure or an issuer re-check. */
static void
cr_aws_error(struct cr *cr, const char *what, const struct aws_pca_result *res)
{
	char *msg;

	switch (res->err) {
	case AWS_ERR_AUTH:
		issuers_auth_failed(cr->ctl->opts.issuers, cr->issuer_key);
		cr_retry(cr, what, res);
		return;
	case AWS_ERR_PERMANENT:
	case AWS_ERR_LIMIT:
		msg = xasprintf("%s: %s: %s", what, res->code, res->message);
		cr_fail(cr, msg);
		free(msg);
		return;
	default:
		cr_retry(cr, what, res);
		return;
	}
}

/*
 * The request's CSR, parsed and its signature verified once per request
 * (spec.request cannot change), or NULL with *cause.
 */
static struct csr *
cr_csr(struct cr *cr, char **cause)
{
	if (cr->csr == NULL &&
	    csr_parse((const char *)cr->obj->csr_pem, cr->obj->csr_len, &cr->csr, cause) != 0)
		return NULL;
	return cr->csr;
}

/* Splits the chain, checks the leaf's key and writes the certificate. */
static void
cr_write_certificate(struct cr *cr, const char *leaf, const char *chain)
{
	struct kube_ready ready = {1, "Issued", "Certificate issued", 0};
	struct csr *csr;
	struct buf certificate = BUF_INIT;
	char **certs = NULL, *cause = NULL, *msg;
	size_t n = 0, i;

	if ((csr = cr_csr(cr, &cause)) == NULL ||
	    csr_public_key_matches(csr, leaf, strlen(leaf), &cause) != 0) {
		msg = xasprintf("the issued certificate does not match the request: %s", cause);
		cr_fail(cr, msg);
		goto out;
	}
	if (chain != NULL && csr_split_certs(chain, strlen(chain), &certs, &n, &cause) != 0) {
		msg = xasprintf("AWS returned a certificate chain that cannot be read: %s", cause);
		cr_fail(cr, msg);
		goto out;
	}
	/* certificate = leaf + intermediates; ca = the last certificate of the chain. */
	buf_adds(&certificate, leaf);
	if (certificate.len > 0 && certificate.p[certificate.len - 1] != '\n')
		buf_addc(&certificate, '\n');
	for (i = 0; i + 1 < n; i++)
		buf_adds(&certificate, certs[i]);
	log_info("certificate issued", "cr", cr->key, "arn", cr->cert_arn);
	notify_event(cr->ctl->opts.events, "CertificateRequest", cr->obj->namespace, cr->obj->name,
	             cr->obj->uid, 0, "Issued", "Certificate issued by AWS Private CA");
	cr_write(cr, &ready, certificate.p, n > 0 ? certs[n - 1] : NULL, "issued", WORKQ_DONE, 0);
	msg = NULL;
out:
	free(msg);
	free(cause);
	csr_certs_free(certs);
	buf_clear(&certificate);
}

static void
cr_on_get(const struct aws_pca_result *res, void *arg)
{
	struct cr *cr = arg;
	uint64_t delay;

	cr->pcall = NULL;
	if (res->err == AWS_ERR_IN_PROGRESS) {
		/* Back-off starting near one second, capped at half a minute. */
		delay = 1000ULL << (cr->polls < 5 ? cr->polls : 5);
		cr->polls++;
		cr_set_state(cr, CR_POLLING);
		cr_done(cr, WORKQ_AFTER, delay > 30000 ? 30000 : delay);
		return;
	}
	if (res->err != AWS_OK) {
		cr_aws_error(cr, "GetCertificate", res);
		return;
	}
	cr->first_error_ms = 0;
	cr->retry_spent_ms = 0;
	if (res->certificate == NULL) {
		cr_fail(cr, "GetCertificate returned no certificate");
		return;
	}
	cr_write_certificate(cr, res->certificate, res->certificate_chain);
}

static void
cr_fetch(struct cr *cr, const struct issuer_view *iv)
{
	cr_set_state(cr, CR_FETCHING);
	cr->conn = issuers_conn_ref(iv->conn);
	cr->pcall = aws_pca_get_certificate(issuers_conn_pca(cr->conn), iv->arn, cr->cert_arn,
	                                    cr_on_get, cr);
}

static void
cr_on_annotated(struct kube_write_result *res, void *arg)
{
	struct cr *cr = arg;

	if (cr_write_answer(cr, res, "certificate ARN") != 0)
		return;
	/* Give AWS a moment before the first poll. */
	cr->polls = 0;
	cr_set_state(cr, CR_POLLING);
	cr_done(cr, WORKQ_AFTER, 500);
}

/* Records the ARN in the annotation before anything else happens. */
static void
cr_annotate(struct cr *cr)
{
	cr_set_state(cr, CR_ANNOTATING);
	cr->write = kube_write_cr_annotate(cr->ctl->opts.kube, cr->obj, KUBE_CERT_ARN_ANNOTATION,
	                                   cr->cert_arn, cr_on_annotated, cr);
}

static void
cr_on_issued(const struct aws_pca_result *res, void *arg)
{
	struct cr *cr = arg;

	cr->pcall = NULL;
	issuers_conn_unref(cr->conn);
	cr->conn = NULL;
	if (res->err != AWS_OK) {
		cr_aws_error(cr, "IssueCertificate", res);
		return;
	}
	cr->first_error_ms = 0;
	cr->retry_spent_ms = 0;
	free(cr->cert_arn);
	cr->cert_arn = xstrdup(res->certificate_arn);
	log_info("certificate requested", "cr", cr->key, "arn", cr->cert_arn);
	cr_annotate(cr);
}

/* The token AWS uses to recognise a retried IssueCertificate: the UID without dashes. */
static void
cr_idempotency_token(const char *uid, char out[37])
{
	size_t i, n = 0;

	for (i = 0; uid[i] != '\0' && n < 36; i++) {
		if (uid[i] != '-')
			out[n++] = uid[i];
	}
	out[n] = '\0';
}

/* Sends IssueCertificate; the issue-started annotation is already on the object. */
static void
cr_issue(struct cr *cr, const struct issuer_view *iv)
{
	struct kube_cr *o = cr->obj;
	struct aws_pca_issue_params p;
	struct csr *csr;
	char *cause = NULL, *template = NULL, *msg, token[37];

	if ((csr = cr_csr(cr, &cause)) == NULL ||
	    csr_check_spec(csr, o->is_ca, (const char *const *)o->usages, &cause) != 0) {
		msg = xasprintf("invalid certificate signing request: %s", cause);
		cr_fail(cr, msg);
		goto out;
	}
	if (template_arn(iv->arn, iv->default_template, o->is_ca, (const char *const *)o->usages,
	                 &template, &cause) != 0) {
		cr_fail(cr, cause);
		goto out;
	}
	memset(&p, 0, sizeof p);
	cr_idempotency_token(o->uid, token);
	p.ca_arn = iv->arn;
	/* The request exactly as checked, without text around the PEM block. */
	p.csr_pem = (const unsigned char *)csr_pem(csr);
	p.csr_len = strlen(csr_pem(csr));
	p.signing_algorithm = iv->signing_algorithm;
	p.template_arn = template;
	p.validity_type = "ABSOLUTE";
	p.validity_value = template_validity_end(clock_wall_ms() / 1000, o->duration_s);
	p.idempotency_token = token;
	cr_set_state(cr, CR_ISSUING);
	cr->conn = issuers_conn_ref(iv->conn);
	cr->pcall = aws_pca_issue(issuers_conn_pca(cr->conn), &p, cr_on_issued, cr);
out:
	free(cause);
	free(template);
}

static void
cr_on_marked(struct kube_write_result *res, void *arg)
{
	struct cr *cr = arg;
	struct issuer_view iv;

	if (cr_write_answer(cr, res, "issue-started annotation") != 0)
		return;
	issuers_get(cr->ctl->opts.issuers, cr->issuer_key, &iv);
	if (iv.verdict != ISSUER_READY) {
		/* It changed during the write: decide again. */
		cr_done(cr, WORKQ_AFTER, 0);
		return;
	}
	cr_issue(cr, &iv);
}

/*
 * A request found with IssueCertificate possibly sent and no ARN recorded:
 * counted and logged once, and issued again with the same token, which AWS
 * answers with the same certificate inside its idempotency window.
 */
static void
cr_note_resumed(struct cr *cr)
{
	int64_t since, age;
	char ago[32];
	int inside;

	if (cr->resume_counted)
		return;
	cr->resume_counted = 1;
	if (timefmt_parse(cr->obj->issue_started, &since) != 0)
		since = 0;
	age = clock_wall_ms() - since;
	inside = since != 0 && age >= 0 && age < CR_IDEMPOTENCY_WINDOW_MS;
	snprintf(ago, sizeof ago, "%llds", (long long)(age / 1000));
	metrics_inc(m_resumed, inside ? "inside" : "outside");
	if (inside)
		log_info("IssueCertificate may have been sent before a restart; sending it again "
		         "with the same idempotency token",
		         "cr", cr->key, "started", cr->obj->issue_started, "ago", ago);
	else
		log_warn("IssueCertificate may have been sent before a restart, longer ago than "
		         "AWS's five-minute idempotency window: this request may get a second "
		         "certificate",
		         "cr", cr->key, "started", cr->obj->issue_started, "ago", ago);
}

/* Before IssueCertificate: the issue-started annotation, so a restart knows. */
static void
cr_mark(struct cr *cr, const struct issuer_view *iv)
{
	char now[32];

	if (cr->obj->issue_started != NULL) {
		cr_note_resumed(cr);
		cr_issue(cr, iv);
		return;
	}
	cr->resume_counted = 1; /* marked here: not a resumption */
	timefmt_format(clock_wall_ms(), 0, now, sizeof now);
	cr_set_state(cr, CR_MARKING);
	cr->write = kube_write_cr_annotate(cr->ctl->opts.kube, cr->obj,
	                                   KUBE_ISSUE_STARTED_ANNOTATION, now, cr_on_marked, cr);
}

/* The issuer must be Ready, then mark and issue, annotate or fetch. */
static void
cr_sign(struct cr *cr)
{
	struct issuer_view iv;
	char *msg;

	issuers_get(cr->ctl->opts.issuers, cr->issuer_key, &iv);
	if (iv.verdict != ISSUER_READY && cr->first_error_ms != 0) {
		/* The retry clock stops while the request waits for its issuer. */
		cr->retry_spent_ms += clock_wall_ms() - cr->first_error_ms;
		cr->first_error_ms = 0;
	}
	switch (iv.verdict) {
	case ISSUER_UNKNOWN:
		/* Not checked yet: wait quietly, the check will wake us. */
		cr_wait_for_issuer(cr);
		cr_done(cr, WORKQ_DONE, 0);
		return;
	case ISSUER_MISSING:
	case ISSUER_NOT_READY:
		cr_wait_for_issuer(cr);
		if (iv.verdict == ISSUER_NOT_READY)
			msg = xasprintf("Waiting for %s %s to be ready: %s: %s", iv.kind,
			                cr->obj->issuer_name, iv.reason, iv.message);
		else if (strcmp(iv.kind, "AWSPCAClusterIssuer") == 0)
			msg = xasprintf("Waiting for AWSPCAClusterIssuer %s: it does not exist",
			                cr->obj->issuer_name);
		else
			msg = xasprintf("Waiting for issuer %s: there is no AWSPCAIssuer %s in "
			                "namespace %s and no AWSPCAClusterIssuer %s",
			                cr->obj->issuer_name, cr->obj->issuer_name,
			                cr->obj->namespace, cr->obj->issuer_name);
		cr_pending(cr, msg, WORKQ_DONE, 0);
		free(msg);
		return;
	case ISSUER_READY:
		break;
	}
	cr_unwait(cr);
	if (cr->cert_arn == NULL)
		cr_mark(cr, &iv);
	else if (cr->obj->certificate_arn == NULL ||
	         strcmp(cr->obj->certificate_arn, cr->cert_arn) != 0)
		cr_annotate(cr);
	else
		cr_fetch(cr, &iv);
}

/* One step of a request, decided from its object and its entry. */
static void
cr_step(struct cr *cr)
{
	struct certreqs *ctl = cr->ctl;
	struct kube_cr *o = cr->obj;
	struct kube_ready denied = {0, "Denied", "The CertificateRequest was denied", 0};
	char *msg;

	if (cr_is_terminal(o) || o->deleting) {
		/* Learnt from a write's answer: done, by someone else's hand. */
		cr->dropped = 1;
		cr_done(cr, WORKQ_DONE, 0);
		return;
	}
	if (o->denied.status == KUBE_COND_TRUE) {
		if (o->denied.message != NULL && *o->denied.message != '\0')
			denied.message = o->denied.message;
		cr_write(cr, &denied, NULL, NULL, "denied", WORKQ_DONE, 0);
		return;
	}
	if (o->approved.status != KUBE_COND_TRUE && !ctl->opts.disable_approved_check) {
		cr_set_state(cr, CR_WAIT_APPROVAL);
		if (!cr->waiting_event_sent) {
			cr->waiting_event_sent = 1;
			notify_event(ctl->opts.events, "CertificateRequest", o->namespace, o->name,
			             o->uid, 0, "WaitingForApproval",
			             "Not signing the CertificateRequest until it is Approved");
		}
		cr_done(cr, WORKQ_DONE, 0);
		return;
	}
	if (o->invalid != NULL) {
		msg = xasprintf("The CertificateRequest cannot be handled: %s", o->invalid);
		cr_fail(cr, msg);
		free(msg);
		return;
	}
	cr_sign(cr);
}

/* The work queue hands out a request: take its next step. */
static void
certreqs_sync(struct workq *q, const char *key, void *arg)
{
	struct certreqs *ctl = arg;
	struct cr *cr = smap_get(ctl->crs, key);

	if (cr == NULL) {
		workq_done(q, key, WORKQ_DONE, 0);
		return;
	}
	cr->active = 1;
	loop_hold();
	cr_step(cr);
}
