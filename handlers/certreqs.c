/*
 * The CertificateRequest controller (the contract is in certreqs.h): its
 * entries and their bookkeeping. The steps that move a request on are in
 * certreqs_step.c.
 *
 * Each request of ours that is not terminal has one entry, keyed
 * "<namespace>/<name>" as in the work queue, and bound to the object's uid:
 * a namesake with another uid ends the entry (its calls are cancelled) and
 * starts a new one. Requests waiting for an issuer sit on the list of its
 * name and are woken only when an issuer of that name changes.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/smap.h"
#include "core/workq.h"
#include "core/xmalloc.h"
#include "handlers/certreqs_impl.h"
#include "handlers/csr.h"
#include "handlers/issuers.h"
#include "kube/permission.h"
#include "kube/reflector.h"
#include "kube/types.h"

const char *const cr_state_names[CR_NSTATES] = {
    "idle",       "waiting_approval", "waiting_issuer", "authorizing", "marking", "issuing",
    "annotating", "fetching",         "polling",        "retrying",    "writing",
};

/*
 * The requests waiting for issuers of one name. A request that names an
 * AWSPCAIssuer falls back to the AWSPCAClusterIssuer of that name, so a
 * change to either kind wakes every request waiting for the name.
 */
struct cr_waiters {
	struct cr_list list;
};

struct metric *certreqs_m_requests, *certreqs_m_latency, *certreqs_m_resumed;
static struct metric *m_pending, *m_inflight;

static void certreqs_sync(struct workq *q, const char *key, void *arg);
static void certreqs_collect(struct metric *m, void *arg);
static void certreqs_collect_inflight(struct metric *m, void *arg);

/* The one place an entry changes state, so transitions can be traced. */
void
cr_set_state(struct cr *cr, enum cr_state s)
{
	if (cr->state != s && log_enabled(LOG_LEVEL_DEBUG))
		log_debug("request state", "cr", cr->key, "from", cr_state_names[cr->state], "to",
		          cr_state_names[s]);
	cr->state = s;
}

/* ---- waiting for an issuer ---- */

void
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

void
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
	struct ctl_io *io = &cr->ctl->io;

	if (cr->pcall != NULL)
		io->pca_cancel(io->ctx, cr->pcall);
	cr->pcall = NULL;
	if (cr->write != NULL)
		io->write_cancel(io->ctx, cr->write);
	cr->write = NULL;
	if (cr->access != NULL)
		io->access_cancel(io->ctx, cr->access);
	cr->access = NULL;
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
	free(cr->pending_certificate);
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

int
cr_is_terminal(const struct kube_cr *o)
{
	if (o->ready.status == KUBE_COND_TRUE || o->invalid_request.status == KUBE_COND_TRUE)
		return 1;
	/* A denied CertificateSigningRequest needs nothing written: Denied is its end. */
	if (o->api == KUBE_CR_KUBERNETES && o->denied.status == KUBE_COND_TRUE)
		return 1;
	return o->ready.status == KUBE_COND_FALSE &&
	       (cr_reason_is(&o->ready, "Failed") || cr_reason_is(&o->ready, "Denied"));
}

void
cr_set_obj(struct cr *cr, struct kube_cr *o)
{
	if (cr->obj != NULL && kube_rv_older(o->resource_version, cr->obj->resource_version)) {
		kube_cr_free(o);
		return;
	}
	kube_cr_free(cr->obj);
	cr->obj = o;
	if (cr->issuer_key == NULL) {
		cr->issuer_key =
		    issuers_key(o->issuer_kind != NULL ? o->issuer_kind : "",
		                o->issuer_namespace != NULL ? o->issuer_namespace : o->namespace,
		                o->issuer_name);
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

/* CertificateSigningRequests cannot be listed: signing them is off until they can. */
static void
certreqs_on_denied(long status, const char *message, void *arg)
{
	struct certreqs *ctl = arg;

	(void)message;
	ctl->denied = 1;
	if (status == 403)
		kube_permission_missing(
		    "certificatesigningrequests", "list",
		    "signing CertificateSigningRequests is off until the role allows get, list, "
		    "watch and update on certificatesigningrequests, update and patch on their "
		    "status, sign on the awspca signers and create on subjectaccessreviews");
	else
		kube_permission_missing("certificatesigningrequests", "list",
		                        "certificates.k8s.io/v1 is not served: signing "
		                        "CertificateSigningRequests is off");
}

static void
certreqs_on_synced(void *arg)
{
	struct certreqs *ctl = arg;
	char n[24];

	snprintf(n, sizeof n, "%zu", smap_count(ctl->crs));
	log_info("certificate request cache synced", "resource", ctl->api, "pending", n);
	if (ctl->denied) {
		ctl->denied = 0;
		kube_permission_granted("certificatesigningrequests", "list");
	}
}

struct certreqs *
certreqs_create(const struct certreqs_opts *opts)
{
	static const double buckets[] = {0.1, 0.25, 0.5, 1,   2.5, 5,    10,
	                                 30,  60,   120, 300, 600, 1800, 3600};
	struct certreqs *ctl = xcalloc(1, sizeof *ctl);
	struct kube_reflector_opts ro;
	int csr = opts->api == KUBE_CR_KUBERNETES;
	struct workq_opts wo = {
	    csr ? "certificatesigningrequests" : "certificaterequests", 1000, 300000, 64, 10000,
	    csr ? "certificatesigningrequest" : "certificaterequest",   NULL};

	ctl->opts = *opts;
	ctl->kind = csr ? "CertificateSigningRequest" : "CertificateRequest";
	ctl->api = csr ? "certificatesigningrequests" : "certificaterequests";
	ctl_io_pick(&ctl->io, opts->io, opts->kube);
	ctl->opts.io = NULL;
	ctl->crs = smap_create();
	ctl->waiters = smap_create();
	ctl->queue = workq_create(loop_base(), &wo, certreqs_sync, ctl);
	workq_set_paused(ctl->queue, 1);
	memset(&ro, 0, sizeof ro);
	ro.type = csr ? &kube_type_csr : &kube_type_cr;
	ro.namespace = csr ? NULL : opts->namespace; /* cluster-scoped */
	ro.max_line = opts->max_line;
	ro.on_upsert = certreqs_on_upsert;
	ro.on_delete = certreqs_on_delete;
	ro.on_synced = certreqs_on_synced;
	if (csr) {
		ro.on_denied = certreqs_on_denied;
		ro.ready_check = ""; /* an optional feature: readiness does not wait for it */
	}
	ro.arg = ctl;
	ctl->refl = kube_reflector_create(opts->kube, &ro);
	if (certreqs_m_requests == NULL) {
		certreqs_m_requests = metrics_counter(
		    "pca_issuer_certificaterequests_total",
		    "Requests finished, by issuer and outcome (issued, failed, denied) and api "
		    "(certificaterequests, certificatesigningrequests).",
		    "issuer_kind,issuer,outcome,api");
		certreqs_m_latency = metrics_histogram(
		    "pca_issuer_certificaterequest_approval_to_ready_seconds",
		    "Time from a request's approval to its certificate being written.", "api",
		    buckets, sizeof buckets / sizeof buckets[0]);
		m_pending =
		    metrics_gauge("pca_issuer_certificaterequests_pending",
		                  "Requests being worked on, by what they wait for.", "reason,api");
		m_inflight =
		    metrics_gauge("pca_issuer_certificaterequests_in_flight",
		                  "Requests with an AWS or Kubernetes call in flight.", "api");
		certreqs_m_resumed = metrics_counter(
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
		n += ((struct cr *)v)->pcall != NULL || ((struct cr *)v)->write != NULL ||
		     ((struct cr *)v)->access != NULL;
	metrics_set(m, n, ctl->api);
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
		metrics_set(m, counts[i], cr_state_names[i], ctl->api);
}

void
cr_done(struct cr *cr, enum workq_result result, uint64_t after_ms)
{
	struct certreqs *ctl = cr->ctl;
	char *key;

	issuers_conn_unref(cr->conn);
	cr->conn = NULL;
	if (cr->dropped) {
		cr_remove(cr);
		return;
	}
	key = xstrdup(cr->key);
	cr->active = 0;
	workq_done(ctl->queue, key, result, after_ms);
	free(key);
	loop_release();
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

struct kube_reflector *
certreqs_reflector(struct certreqs *ctl)
{
	return ctl->refl;
}

void
certreqs_poll(struct certreqs *ctl)
{
	workq_run(ctl->queue);
}
