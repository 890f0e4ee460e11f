/*
 * The CertificateRequest controller (the contract is in certreqs.h).
 *
 * Each request of ours that is not terminal has one entry, keyed
 * "<namespace>/<name>" as in the work queue. Handling a request is one step
 * at a time: the work queue hands the key out, the step makes at most one
 * call (IssueCertificate, the annotation patch, GetCertificate or the status
 * write) and reports to the queue from the call's callback, asking to come
 * back at once, after a delay (polling) or after the key's back-off
 * (retries). What a request has reached is read from the object itself (the
 * annotation, the conditions), so a restart resumes where it stopped.
 */
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
#include "handlers/status.h"
#include "handlers/template.h"
#include "kube/client.h"
#include "kube/reflector.h"
#include "kube/types.h"

enum cr_state {
	CR_IDLE,
	CR_WAIT_APPROVAL,
	CR_WAIT_ISSUER,
	CR_ISSUING,
	CR_ANNOTATING,
	CR_FETCHING,
	CR_POLLING, /* waiting between GetCertificate calls */
	CR_RETRYING,
	CR_WRITING,
};

static const char *const cr_state_names[] = {
    "idle",     "waiting_approval", "waiting_issuer", "issuing", "annotating",
    "fetching", "polling",          "retrying",       "writing",
};

struct cr {
	struct certreqs *ctl;
	char *key;
	struct kube_cr *obj;
	char *issuer_key;
	enum cr_state state;
	char *cert_arn;           /* from the annotation, or just issued */
	struct csr *csr;          /* spec.request parsed and verified, once */
	struct issuer_conn *conn; /* held while an AWS call is in flight */
	struct aws_pca_call *pcall;
	struct kube_call *kcall;
	int64_t first_error_ms; /* start of the current run of retryable errors */
	unsigned polls;
	int waiting_event_sent;
	int active;           /* handed out by the work queue */
	int dropped;          /* deleted or terminal while active: free when done */
	int written_terminal; /* our status write made it terminal */
	/* What happens once the status write in flight lands. */
	enum workq_result next_result;
	uint64_t next_after_ms;
	const char *write_outcome; /* counted then: "issued", "failed", "denied" */
};

struct certreqs {
	struct certreqs_opts opts;
	struct smap *crs;
	struct kube_reflector *refl;
	struct workq *queue;
	int leader, stopped;
};

static struct metric *m_requests, *m_latency, *m_pending, *m_inflight;

static void certreqs_sync(struct workq *q, const char *key, void *arg);
static void certreqs_collect(struct metric *m, void *arg);
static double certreqs_inflight(void *arg);

/* The one place an entry changes state, so transitions can be traced. */
static void
cr_set_state(struct cr *cr, enum cr_state s)
{
	if (cr->state != s && log_enabled(LOG_LEVEL_DEBUG))
		log_debug("request state", "cr", cr->key, "from", cr_state_names[cr->state], "to",
		          cr_state_names[s]);
	cr->state = s;
}

static void
cr_free(void *p)
{
	struct cr *cr = p;

	if (cr == NULL)
		return;
	if (cr->pcall != NULL)
		aws_pca_cancel(cr->pcall);
	if (cr->kcall != NULL)
		kube_cancel(cr->kcall);
	issuer_conn_unref(cr->conn);
	csr_free(cr->csr);
	kube_cr_free(cr->obj);
	free(cr->key);
	free(cr->issuer_key);
	free(cr->cert_arn);
	free(cr);
}

static int
cr_is_ours(const struct kube_cr *o)
{
	return o->issuer_group != NULL && strcmp(o->issuer_group, KUBE_AWSPCA_GROUP) == 0 &&
	       o->issuer_kind != NULL &&
	       (strcmp(o->issuer_kind, "AWSPCAIssuer") == 0 ||
	        strcmp(o->issuer_kind, "AWSPCAClusterIssuer") == 0);
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
	if (cr_is_terminal(o) || o->deleting) {
		/* Terminal objects are not kept: they cost nothing from here on. */
		if (cr != NULL) {
			if (cr->active) {
				cr->dropped = 1;
			} else {
				workq_forget(ctl->queue, key);
				smap_del(ctl->crs, key);
				cr_free(cr);
			}
		}
		free(key);
		return 0;
	}
	if (cr == NULL) {
		cr = xcalloc(1, sizeof *cr);
		cr->ctl = ctl;
		cr->key = key;
		smap_put(ctl->crs, key, cr, NULL);
	} else {
		free(key);
		kube_cr_free(cr->obj);
	}
	cr->obj = o;
	free(cr->issuer_key);
	cr->issuer_key = issuers_key(o->issuer_kind, o->namespace, o->issuer_name);
	if (o->certificate_arn != NULL && cr->cert_arn == NULL)
		cr->cert_arn = xstrdup(o->certificate_arn);
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

	if (cr != NULL) {
		log_debug("request deleted", "cr", key);
		if (cr->active) {
			cr->dropped = 1;
		} else {
			workq_forget(ctl->queue, key);
			smap_del(ctl->crs, key);
			cr_free(cr);
		}
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
		m_inflight = metrics_gauge_fn("pca_issuer_certificaterequests_in_flight",
		                              "Requests with an AWS or Kubernetes call in flight.",
		                              certreqs_inflight, ctl);
	}
	metrics_collect_add(m_pending, certreqs_collect, ctl);
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
	kube_reflector_free(ctl->refl);
	smap_free(ctl->crs, cr_free);
	workq_free(ctl->queue);
	free(ctl);
}

void
certreqs_issuer_changed(struct certreqs *ctl, const char *issuer_key)
{
	struct smap_iter it;
	const char *key;
	void *v;
	struct cr *cr;

	smap_iter_init(&it);
	while (smap_next(ctl->crs, &it, &key, &v)) {
		cr = v;
		if (cr->state == CR_WAIT_ISSUER && strcmp(cr->issuer_key, issuer_key) == 0)
			workq_add(ctl->queue, key);
	}
}

static double
certreqs_inflight(void *arg)
{
	struct certreqs *ctl = arg;
	struct smap_iter it;
	const char *key;
	void *v;
	double n = 0;

	smap_iter_init(&it);
	while (smap_next(ctl->crs, &it, &key, &v))
		n += ((struct cr *)v)->pcall != NULL || ((struct cr *)v)->kcall != NULL;
	return n;
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

/* Ends a step: reports to the queue, or frees an entry dropped meanwhile. */
static void
cr_done(struct cr *cr, enum workq_result result, uint64_t after_ms)
{
	struct certreqs *ctl = cr->ctl;
	char *key = xstrdup(cr->key);

	cr->active = 0;
	issuer_conn_unref(cr->conn);
	cr->conn = NULL;
	if (cr->dropped || cr->written_terminal) {
		smap_del(ctl->crs, key);
		cr_free(cr);
		workq_done(ctl->queue, key, WORKQ_DONE, 0);
		workq_forget(ctl->queue, key);
	} else {
		workq_done(ctl->queue, key, result, after_ms);
	}
	free(key);
	loop_release();
}

static const char *
cr_issuer_label(const struct cr *cr, char *buf, size_t len)
{
	if (strcmp(cr->obj->issuer_kind, "AWSPCAClusterIssuer") == 0)
		snprintf(buf, len, "%s", cr->obj->issuer_name);
	else
		snprintf(buf, len, "%s/%s", cr->obj->namespace, cr->obj->issuer_name);
	return buf;
}

static void
cr_count(struct cr *cr, const char *outcome)
{
	char label[512];

	metrics_inc(m_requests, cr->obj->issuer_kind, cr_issuer_label(cr, label, sizeof label),
	            outcome);
}

static void
cr_on_written(const struct kube_resp *resp, void *arg)
{
	struct cr *cr = arg;
	int64_t approved;

	cr->kcall = NULL;
	if (resp->err != KUBE_OK || resp->status / 100 != 2) {
		cr->written_terminal = 0;
		if (resp->status == 404) {
			cr->dropped = 1;
			cr_done(cr, WORKQ_DONE, 0);
			return;
		}
		log_warn("cannot write request status", "cr", cr->key, "error", resp->message);
		cr_done(cr, WORKQ_RETRY, 0);
		return;
	}
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
 * Writes the Ready condition (and certificate, ca, failureTime) with one
 * server-side apply; once it lands the step ends with result and after_ms.
 * A Pending condition that would not change is not written again. outcome,
 * if not NULL, makes the write final and is counted when it lands.
 */
static void
cr_write(struct cr *cr, const struct status_ready *ready, const char *certificate, const char *ca,
         const char *outcome, enum workq_result result, uint64_t after_ms)
{
	struct certreqs *ctl = cr->ctl;
	struct buf body = BUF_INIT;
	char *path;
	int failure_time = outcome != NULL && !ready->ok;

	if (outcome == NULL && !status_ready_differs(&cr->obj->ready, ready)) {
		cr_done(cr, result, after_ms);
		return;
	}
	status_cr_apply(&body, cr->obj->namespace, cr->obj->name, &cr->obj->ready, ready,
	                certificate, ca, failure_time, clock_wall_ms());
	path =
	    kube_path(&kube_res_certificaterequests, cr->obj->namespace, cr->obj->name, "status");
	cr->written_terminal = outcome != NULL;
	cr->write_outcome = outcome;
	cr->next_result = result;
	cr->next_after_ms = after_ms;
	if (outcome != NULL)
		cr_set_state(cr, CR_WRITING);
	cr->kcall = kube_patch(ctl->opts.kube, path, KUBE_PATCH_APPLY, body.p, body.len,
	                       STATUS_FIELD_MANAGER, 1, cr_on_written, cr);
	free(path);
	buf_free(&body);
}

/* A permanent failure: Ready=False reason Failed with failureTime. */
static void
cr_fail(struct cr *cr, const char *message)
{
	struct status_ready ready = {0, "Failed", message, 0};

	log_warn("request failed", "cr", cr->key, "error", message);
	notify_event(cr->ctl->opts.events, "CertificateRequest", cr->obj->namespace, cr->obj->name,
	             cr->obj->uid, 1, "Failed", message);
	cr_write(cr, &ready, NULL, NULL, "failed", WORKQ_DONE, 0);
}

/* Ready=False reason Pending; the step ends with result once written. */
static void
cr_pending(struct cr *cr, const char *message, enum workq_result result, uint64_t after_ms)
{
	struct status_ready ready = {0, "Pending", message, 0};

	cr_write(cr, &ready, NULL, NULL, NULL, result, after_ms);
}

/*
 * A retryable error: stay Pending and retry with back-off, until the
 * maximum retry duration has passed since the first error of this run.
 */
static void
cr_retry(struct cr *cr, const char *what, const struct aws_pca_result *res)
{
	int64_t now = clock_wall_ms();
	char *msg;

	if (cr->first_error_ms == 0)
		cr->first_error_ms = now;
	msg =
	    xasprintf("%s: %s%s%s", what, res->code, *res->code != '\0' ? ": " : "", res->message);
	if ((uint64_t)(now - cr->first_error_ms) >= cr->ctl->opts.max_retry_ms) {
		char *final = xasprintf("%s (gave up after retrying for %llds)", msg,
		                        (long long)((now - cr->first_error_ms) / 1000));
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
	struct status_ready ready = {1, "Issued", "Certificate issued", 0};
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
	buf_free(&certificate);
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
	cr->conn = issuer_conn_ref(iv->conn);
	cr->pcall = aws_pca_get_certificate(issuer_conn_pca(cr->conn), iv->arn, cr->cert_arn,
	                                    cr_on_get, cr);
}

static void
cr_on_annotated(const struct kube_resp *resp, void *arg)
{
	struct cr *cr = arg;

	cr->kcall = NULL;
	if (resp->err != KUBE_OK || resp->status / 100 != 2) {
		if (resp->status == 404) {
			cr->dropped = 1;
			cr_done(cr, WORKQ_DONE, 0);
			return;
		}
		/* The ARN stays in memory; the next step writes it again. */
		log_warn("cannot record the certificate ARN", "cr", cr->key, "error",
		         resp->message);
		cr_done(cr, WORKQ_RETRY, 0);
		return;
	}
	/* Give AWS a moment before the first poll. */
	cr->polls = 0;
	cr_set_state(cr, CR_POLLING);
	cr_done(cr, WORKQ_AFTER, 500);
}

/* Records the ARN in the annotation before anything else happens. */
static void
cr_annotate(struct cr *cr)
{
	struct buf body = BUF_INIT;
	char *path =
	    kube_path(&kube_res_certificaterequests, cr->obj->namespace, cr->obj->name, NULL);

	cr_set_state(cr, CR_ANNOTATING);
	status_cr_annotate(&body, cr->cert_arn);
	cr->kcall = kube_patch(cr->ctl->opts.kube, path, KUBE_PATCH_MERGE, body.p, body.len, NULL,
	                       0, cr_on_annotated, cr);
	free(path);
	buf_free(&body);
}

static void
cr_on_issued(const struct aws_pca_result *res, void *arg)
{
	struct cr *cr = arg;

	cr->pcall = NULL;
	issuer_conn_unref(cr->conn);
	cr->conn = NULL;
	if (res->err != AWS_OK) {
		cr_aws_error(cr, "IssueCertificate", res);
		return;
	}
	cr->first_error_ms = 0;
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
	cr->conn = issuer_conn_ref(iv->conn);
	cr->pcall = aws_pca_issue(issuer_conn_pca(cr->conn), &p, cr_on_issued, cr);
out:
	free(cause);
	free(template);
}

/* Steps 5 on: the issuer must be Ready, then issue, annotate or fetch. */
static void
cr_sign(struct cr *cr)
{
	struct issuer_view iv;
	char *msg;

	issuers_get(cr->ctl->opts.issuers, cr->issuer_key, &iv);
	switch (iv.verdict) {
	case ISSUER_UNKNOWN:
		/* Not checked yet: wait quietly, the check will wake us. */
		cr_set_state(cr, CR_WAIT_ISSUER);
		cr_done(cr, WORKQ_DONE, 0);
		return;
	case ISSUER_MISSING:
	case ISSUER_NOT_READY:
		cr_set_state(cr, CR_WAIT_ISSUER);
		msg = iv.verdict == ISSUER_MISSING
		          ? xasprintf("Waiting for %s %s: it does not exist", cr->obj->issuer_kind,
		                      cr->obj->issuer_name)
		          : xasprintf("Waiting for %s %s to be ready: %s: %s", cr->obj->issuer_kind,
		                      cr->obj->issuer_name, iv.reason, iv.message);
		cr_pending(cr, msg, WORKQ_DONE, 0);
		free(msg);
		return;
	case ISSUER_READY:
		break;
	}
	if (cr->cert_arn == NULL)
		cr_issue(cr, &iv);
	else if (cr->obj->certificate_arn == NULL ||
	         strcmp(cr->obj->certificate_arn, cr->cert_arn) != 0)
		cr_annotate(cr);
	else
		cr_fetch(cr, &iv);
}

/* The work queue hands out a request: take its next step. */
static void
certreqs_sync(struct workq *q, const char *key, void *arg)
{
	struct certreqs *ctl = arg;
	struct cr *cr = smap_get(ctl->crs, key);
	struct kube_cr *o;
	struct status_ready denied = {0, "Denied", "The CertificateRequest was denied", 0};

	if (cr == NULL) {
		workq_done(q, key, WORKQ_DONE, 0);
		return;
	}
	cr->active = 1;
	loop_hold();
	o = cr->obj;
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
	cr_sign(cr);
}
