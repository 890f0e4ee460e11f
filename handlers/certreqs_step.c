/*
 * The steps of the CertificateRequest controller: from the object and the
 * entry's state, the one call that moves a request on, and what its answer
 * leads to (the contract is in certreqs.h, the entries in certreqs.c).
 *
 *   idle -> marking -> issuing -> annotating -> polling <-> fetching -> writing
 *
 * Every call goes through the controller's struct ctl_io, every write is
 * conditional on the object (kube/write.h), and its answer is the object
 * the next step works from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/pca.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/timefmt.h"
#include "core/xmalloc.h"
#include "handlers/certreqs_impl.h"
#include "handlers/certs.h"
#include "handlers/csr.h"
#include "handlers/issuers.h"
#include "handlers/notify.h"
#include "handlers/template.h"
#include "kube/permission.h"
#include "kube/types.h"
#include "kube/write.h"

/* How long AWS honours an IssueCertificate IdempotencyToken. */
#define CR_IDEMPOTENCY_WINDOW_MS (5 * 60 * 1000)

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
		snprintf(label, sizeof label, "%s/%s",
		         cr->obj->issuer_namespace != NULL ? cr->obj->issuer_namespace
		                                           : cr->obj->namespace,
		         cr->obj->issuer_name);
	metrics_inc(certreqs_m_requests, iv.kind, label, outcome, cr->ctl->api);
}

/* An event on the request. */
void
cr_event(struct cr *cr, int warning, const char *reason, const char *message)
{
	notify_event(cr->ctl->opts.events, cr->ctl->kind, cr->obj->namespace, cr->obj->name,
	             cr->obj->uid, warning, reason, message);
}

/*
 * What a write's answer means for the entry: the object to work from next,
 * or that it is gone. Returns 0 to go on, -1 when the step has ended.
 */
int
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
		cr_done(cr, WORKQ_DONE, 0);
		return -1;
	case KUBE_WRITE_CHANGED:
		/* Decide again from the fresh object, at once (but not forever). */
		if (res->obj != NULL) {
			cr_set_obj(cr, res->obj);
			res->obj = NULL;
		}
		cr_done(cr, ++cr->conflicts < 5 ? WORKQ_AFTER : WORKQ_RETRY, 0);
		return -1;
	case KUBE_WRITE_FORBIDDEN:
		if (cr->obj->api == KUBE_CR_KUBERNETES) {
			/* Logged once: the role lacks update, or sign on the signer. */
			kube_permission_missing(
			    strcmp(what, "status") == 0 ? "certificatesigningrequests/status"
			                                : "certificatesigningrequests",
			    "update",
			    "CertificateSigningRequests wait until the role allows it (writing a "
			    "certificate also needs sign on the signer)");
			cr_done(cr, WORKQ_RETRY, 0);
			return -1;
		}
		/* fall through */
	default:
		snprintf(code, sizeof code, "%ld", res->status);
		log_warn("cannot write request", "cr", cr->key, "write", what, "http_status",
		         res->status == 0 ? "none" : code, "error", res->message);
		cr_done(cr, WORKQ_RETRY, 0);
		return -1;
	}
}

/* A final status landed: counted by what the object now says, and the entry ends. */
static void
cr_finished(struct cr *cr)
{
	const struct kube_condition *ready = &cr->obj->ready;
	int64_t approved;
	const char *outcome;

	if (ready->status == KUBE_COND_TRUE)
		outcome = "issued";
	else if (ready->reason != NULL && strcmp(ready->reason, "Denied") == 0)
		outcome = "denied";
	else
		outcome = "failed";
	cr_count(cr, outcome);
	if (ready->status == KUBE_COND_TRUE && cr->obj->approved.last_transition_time != NULL &&
	    timefmt_parse(cr->obj->approved.last_transition_time, &approved) == 0)
		metrics_observe(certreqs_m_latency, (double)(clock_wall_ms() - approved) / 1000.0,
		                cr->ctl->api);
	cr->dropped = 1;
	cr_done(cr, WORKQ_DONE, 0);
}

/*
 * What follows a status write (or stands in for one that would change
 * nothing) depends on the state it was made in: the last one ends the
 * entry, a retry's is followed by the back-off, a wait for the issuer by
 * nothing until the issuer changes.
 */
static void
cr_after_status(struct cr *cr)
{
	switch (cr->state) {
	case CR_WRITING:
		cr_finished(cr);
		break;
	case CR_RETRYING:
		cr_done(cr, WORKQ_RETRY, 0);
		break;
	default:
		cr_done(cr, WORKQ_DONE, 0);
		break;
	}
}

static void
cr_on_written(struct kube_write_result *res, void *arg)
{
	struct cr *cr = arg;

	if (cr_write_answer(cr, res, "status") == 0)
		cr_after_status(cr);
}

/*
 * Writes the Ready condition (and certificate, ca; failureTime with a final
 * failure). In CR_WRITING the write is the last one; otherwise a Pending
 * condition that would not change is not written again.
 */
void
cr_write(struct cr *cr, const struct kube_ready *ready, const char *certificate, const char *ca)
{
	struct ctl_io *io = &cr->ctl->io;
	struct kube_cr_result r = {certificate, ca, cr->state == CR_WRITING && !ready->ok};

	if (cr->obj->api == KUBE_CR_KUBERNETES && cr->state != CR_WRITING) {
		/* A CertificateSigningRequest has no Pending condition: an event says it. */
		if (cr->state != CR_RETRYING)
			cr_event(cr, 0, ready->reason, ready->message);
		cr_after_status(cr);
		return;
	}
	if (cr->state != CR_WRITING && !kube_ready_differs(&cr->obj->ready, ready)) {
		cr_after_status(cr);
		return;
	}
	cr->write = io->cr_status(io->ctx, cr->obj, ready, &r, cr_on_written, cr);
}

/* A permanent failure: Ready=False reason Failed with failureTime. */
void
cr_fail(struct cr *cr, const char *message)
{
	struct kube_ready ready = {0, "Failed", message, 0};

	log_warn("request failed", "cr", cr->key, "error", message);
	cr_event(cr, 1, "Failed", message);
	cr_set_state(cr, CR_WRITING);
	cr_write(cr, &ready, NULL, NULL);
}

/* Ready=False reason Pending, in the state the caller chose. */
static void
cr_pending(struct cr *cr, const char *message)
{
	struct kube_ready ready = {0, "Pending", message, 0};

	cr_write(cr, &ready, NULL, NULL);
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
		/* A CSR has no condition to say it: an event, for the first error of a run. */
		if (cr->obj->api == KUBE_CR_KUBERNETES && cr->first_error_ms == now)
			cr_event(cr, 1, "Retrying", msg);
		cr_set_state(cr, CR_RETRYING);
		cr_pending(cr, msg);
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
	cr_event(cr, 0, "Issued", "Certificate issued by AWS Private CA");
	msg = NULL;
	if (cr->obj->api == KUBE_CR_KUBERNETES && n > 0) {
		/* The CA in an annotation first: a signed request then always has it. */
		cr_annotate_ca(cr, buf_str(&certificate), certs[n - 1]);
		goto out;
	}
	cr_set_state(cr, CR_WRITING);
	cr_write(cr, &ready, certificate.p, n > 0 ? certs[n - 1] : NULL);
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
	cr->pcall = cr->ctl->io.pca_get_certificate(cr->ctl->io.ctx, issuers_conn_pca(cr->conn),
	                                            iv->arn, cr->cert_arn, cr_on_get, cr);
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
	cr->write = cr->ctl->io.cr_annotate(cr->ctl->io.ctx, cr->obj, KUBE_CERT_ARN_ANNOTATION,
	                                    cr->cert_arn, cr_on_annotated, cr);
}

/*
 * IssueCertificate refused with AccessDenied while the issuer's own check
 * (DescribeCertificateAuthority, same credentials) passes: a property of
 * this request, such as a template a CA shared through AWS RAM does not
 * allow, not of the credentials. Retrying would change nothing for an
 * hour; the request fails at once, naming the template.
 */
static void
cr_access_denied(struct cr *cr, const struct aws_pca_result *res)
{
	struct issuer_view iv;
	char *template = NULL, *cause = NULL, *msg;

	issuers_get(cr->ctl->opts.issuers, cr->issuer_key, &iv);
	if (iv.verdict == ISSUER_READY &&
	    template_arn(iv.arn, iv.default_template, cr->obj->is_ca,
	                 (const char *const *)cr->obj->usages, &template, &cause) == 0)
		msg = xasprintf(
		    "IssueCertificate: %s: %s (template %s; the issuer's credentials "
		    "work for DescribeCertificateAuthority, so the CA or its policy refuses "
		    "this request)",
		    res->code, res->message, template);
	else
		msg = xasprintf("IssueCertificate: %s: %s", res->code, res->message);
	cr_fail(cr, msg);
	free(msg);
	free(template);
	free(cause);
}

static void
cr_on_issued(const struct aws_pca_result *res, void *arg)
{
	struct cr *cr = arg;

	cr->pcall = NULL;
	issuers_conn_unref(cr->conn);
	cr->conn = NULL;
	if (res->err == AWS_ERR_AUTH && strcmp(res->code, "AccessDeniedException") == 0) {
		cr_access_denied(cr, res);
		return;
	}
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

/* A renewal ranks with new requests from this long before its certificate expires. */
#define CR_RENEWAL_URGENT_MS (3600 * 1000)

/*
 * The request's rank among those waiting for an IssueCertificate token:
 * the time by which it is needed, in Unix ms, smaller first. The same
 * every time it is asked (retries keep their rank): it depends only on the
 * request and on the certificate its Certificate holds, which does not
 * change until this request is done.
 */
static int64_t
cr_priority(const struct cr *cr)
{
	const struct kube_cr *o = cr->obj;
	struct certs_view cv;
	int64_t created = o->created_ms != 0 ? o->created_ms : clock_wall_ms();

	if (o->certificate_name == NULL || o->certificate_revision <= 1 ||
	    !certs_lookup(cr->ctl->opts.certs, o->namespace, o->certificate_name, &cv) ||
	    cv.not_after_ms == 0)
		return created; /* a first issuance, or nothing known: by arrival */
	if (cv.not_after_ms <= created)
		return cv.not_after_ms; /* expired already: ahead of newer requests */
	return cv.not_after_ms - CR_RENEWAL_URGENT_MS;
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
	if (iv->ca_not_after_ms > 0 && p.validity_value > iv->ca_not_after_ms / 1000) {
		char end[40], ca[40];

		timefmt_format(p.validity_value * 1000, 0, end, sizeof end);
		timefmt_format(iv->ca_not_after_ms, 0, ca, sizeof ca);
		msg =
		    xasprintf("the certificate would be valid until %s, after its certificate "
		              "authority's own NotAfter %s; AWS Private CA refuses such a request: "
		              "ask for a shorter spec.duration or renew the CA",
		              end, ca);
		cr_fail(cr, msg);
		free(msg);
		goto out;
	}
	p.idempotency_token = token;
	p.priority = cr_priority(cr);
	cr_set_state(cr, CR_ISSUING);
	cr->conn = issuers_conn_ref(iv->conn);
	cr->pcall = cr->ctl->io.pca_issue(cr->ctl->io.ctx, issuers_conn_pca(cr->conn), &p,
	                                  cr_on_issued, cr);
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
	metrics_inc(certreqs_m_resumed, inside ? "inside" : "outside");
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
	cr->write = cr->ctl->io.cr_annotate(cr->ctl->io.ctx, cr->obj, KUBE_ISSUE_STARTED_ANNOTATION,
	                                    now, cr_on_marked, cr);
}

/* The issuer must be Ready, then mark and issue, annotate or fetch. */
static void
cr_sign(struct cr *cr)
{
	struct issuer_view iv;
	char *msg;

	issuers_get(cr->ctl->opts.issuers, cr->issuer_key, &iv);
	if (cr->obj->api == KUBE_CR_KUBERNETES && cr->obj->issuer_namespace != NULL &&
	    strcmp(iv.kind, "AWSPCAIssuer") != 0) {
		/* The signer names a namespaced issuer: no fallback to a cluster issuer. */
		memset(&iv, 0, sizeof iv);
		iv.verdict = ISSUER_MISSING;
		iv.kind = "AWSPCAIssuer";
	}
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
		else if (cr->obj->issuer_namespace != NULL)
			msg = xasprintf(
			    "Waiting for AWSPCAIssuer %s in namespace %s: it does not exist",
			    cr->obj->issuer_name, cr->obj->issuer_namespace);
		else
			msg = xasprintf("Waiting for issuer %s: there is no AWSPCAIssuer %s in "
			                "namespace %s and no AWSPCAClusterIssuer %s",
			                cr->obj->issuer_name, cr->obj->issuer_name,
			                cr->obj->namespace, cr->obj->issuer_name);
		cr_pending(cr, msg);
		free(msg);
		return;
	case ISSUER_READY:
		break;
	}
	cr_unwait(cr);
	if (cr->cert_arn == NULL && cr->obj->api == KUBE_CR_KUBERNETES &&
	    cr->obj->issuer_namespace != NULL && !cr->authorized)
		cr_authorize(cr);
	else if (cr->cert_arn == NULL)
		cr_mark(cr, &iv);
	else if (cr->obj->certificate_arn == NULL ||
	         strcmp(cr->obj->certificate_arn, cr->cert_arn) != 0)
		cr_annotate(cr);
	else
		cr_fetch(cr, &iv);
}

/* One step of a request, decided from its object and its entry. */
void
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
		cr_set_state(cr, CR_WRITING);
		cr_write(cr, &denied, NULL, NULL);
		return;
	}
	if (o->approved.status != KUBE_COND_TRUE &&
	    (!ctl->opts.disable_approved_check || o->api == KUBE_CR_KUBERNETES)) {
		cr_set_state(cr, CR_WAIT_APPROVAL);
		if (!cr->waiting_event_sent) {
			cr->waiting_event_sent = 1;
			msg = xasprintf("Not signing the %s until it is Approved", ctl->kind);
			cr_event(cr, 0, "WaitingForApproval", msg);
			free(msg);
		}
		cr_done(cr, WORKQ_DONE, 0);
		return;
	}
	if (o->invalid != NULL) {
		msg = xasprintf("The %s cannot be handled: %s", ctl->kind, o->invalid);
		cr_fail(cr, msg);
		free(msg);
		return;
	}
	cr_sign(cr);
}
