/*
 * The issuer controller. Each issuer is one entry keyed like a
 * CertificateRequest names it ("AWSPCAIssuer/<ns>/<name>" or
 * "AWSPCAClusterIssuer/<name>"); a check is a chain of callbacks (Secret,
 * then DescribeCertificateAuthority, then the status write; in
 * handlers/issuers_check.c) while the key is active in the work queue, so
 * one issuer is never checked twice at once. This file holds the entries,
 * their reflectors, lookups for the request controller, and the metrics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/creds.h"
#include "aws/pca.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/smap.h"
#include "core/workq.h"
#include "core/xmalloc.h"
#include "handlers/ctl_io.h"
#include "handlers/issuers.h"
#include "handlers/issuers_impl.h"
#include "kube/reflector.h"
#include "kube/types.h"

static struct metric *m_ready, *m_ca_not_after;
struct metric *issuers_m_checks;

static void issuers_collect(struct metric *m, void *arg);

struct issuer_conn *
issuers_conn_ref(struct issuer_conn *conn)
{
	conn->refs++;
	return conn;
}

void
issuers_conn_unref(struct issuer_conn *conn)
{
	if (conn == NULL || --conn->refs > 0)
		return;
	aws_pca_free(conn->pca);
	aws_creds_src_free(conn->creds);
	free(conn);
}

struct aws_pca *
issuers_conn_pca(const struct issuer_conn *conn)
{
	return conn->pca;
}

char *
issuers_key(const char *kind, const char *cr_namespace, const char *name)
{
	if (strcmp(kind, "AWSPCAClusterIssuer") == 0)
		return xasprintf("AWSPCAClusterIssuer/%s", name);
	return xasprintf("AWSPCAIssuer/%s/%s", cr_namespace, name);
}

static void
issuer_free(void *p)
{
	struct issuer *iss = p;

	if (iss == NULL)
		return;
	struct ctl_io *io = &iss->ctl->io;

	if (iss->sread != NULL)
		io->secret_cancel(io->ctx, iss->sread);
	if (iss->write != NULL)
		io->write_cancel(io->ctx, iss->write);
	if (iss->pcall != NULL)
		io->pca_cancel(io->ctx, iss->pcall);
	issuers_conn_unref(iss->conn);
	kube_issuer_free(iss->obj);
	free(iss->key);
	free(iss->reason);
	free(iss->message);
	free(iss->signing_algorithm);
	free(iss->renewing_reason);
	free(iss->renewing_message);
	free(iss);
}

const char *
issuer_kind(const struct issuer *iss)
{
	return iss->obj->cluster ? "AWSPCAClusterIssuer" : "AWSPCAIssuer";
}

void
issuers_set_obj(struct issuer *iss, struct kube_issuer *ki)
{
	if (iss->obj != NULL && kube_rv_older(ki->resource_version, iss->obj->resource_version)) {
		kube_issuer_free(ki);
		return;
	}
	kube_issuer_free(iss->obj);
	iss->obj = ki;
}

void
issuers_remove(struct issuer *iss)
{
	struct issuers *ctl = iss->ctl;
	char *key = xstrdup(iss->key);
	int active = iss->active;

	smap_del(ctl->issuers, key);
	issuer_free(iss);
	if (active) {
		workq_done(ctl->queue, key, WORKQ_DONE, 0);
		loop_release();
	}
	ctl->opts.on_change(key, ctl->opts.arg);
	free(key);
}

/* The reflector's view of an issuer: keep it, and check it again. */
static int
issuers_on_upsert(const struct kube_meta *meta, void *obj, void *arg)
{
	struct issuers *ctl = arg;
	struct kube_issuer *ki = obj;
	struct issuer *iss;
	char *key = issuers_key(ki->cluster ? "AWSPCAClusterIssuer" : "AWSPCAIssuer", ki->namespace,
	                        ki->name);

	iss = smap_get(ctl->issuers, key);
	if (iss != NULL && strcmp(iss->obj->uid, ki->uid) != 0) {
		/* A namesake: nothing of the old issuer carries over. */
		issuers_remove(iss);
		iss = NULL;
	}
	if (iss == NULL) {
		iss = xcalloc(1, sizeof *iss);
		iss->ctl = ctl;
		iss->key = key;
		smap_put(ctl->issuers, key, iss, NULL);
	} else
		free(key);
	issuers_set_obj(iss, ki);
	/*
	 * A new generation means a new spec: check it now. A change of status
	 * alone (our own writes among them) waits for the periodic re-check.
	 */
	if (iss->verdict == ISSUER_UNKNOWN || ki->generation != iss->checked_generation)
		workq_add(ctl->queue, iss->key);
	if (ctl->opts.on_object != NULL)
		ctl->opts.on_object(iss->key, ctl->opts.arg);
	return 1;
}

static void
issuers_on_delete(const struct kube_meta *meta, void *arg)
{
	struct issuers *ctl = arg;
	const char *kind = *meta->namespace == '\0' ? "AWSPCAClusterIssuer" : "AWSPCAIssuer";
	char *key = issuers_key(kind, meta->namespace, meta->name);
	struct issuer *iss = smap_get(ctl->issuers, key);

	/* A delete reported for an older uid does not end a namesake. */
	if (iss != NULL && (*meta->uid == '\0' || strcmp(meta->uid, iss->obj->uid) == 0)) {
		log_info("issuer deleted", "issuer", key);
		issuers_remove(iss);
		if (ctl->opts.on_object != NULL)
			ctl->opts.on_object(key, ctl->opts.arg);
	}
	free(key);
}

static void
issuers_on_synced(void *arg)
{
	log_debug("issuer cache synced");
}

/* The Go issuer's controller of each kind, for controller-runtime's metrics. */
static const char *
issuers_controller_of(const char *key)
{
	return strncmp(key, "AWSPCAClusterIssuer/", 20) == 0 ? "awspcaclusterissuer"
	                                                     : "awspcaissuer";
}

struct issuers *
issuers_create(const struct issuers_opts *opts)
{
	struct issuers *ctl = xcalloc(1, sizeof *ctl);
	struct kube_reflector_opts ro;
	struct workq_opts wo = {
	    "issuers", 2000, 300000, 16, 64, "awspcaissuer", issuers_controller_of};

	ctl->opts = *opts;
	ctl_io_pick(&ctl->io, opts->io, opts->kube);
	ctl->opts.io = NULL;
	ctl->issuers = smap_create();
	ctl->queue = workq_create(loop_base(), &wo, issuers_check, ctl);
	workq_metrics_controller(ctl->queue, "awspcaclusterissuer");
	workq_set_paused(ctl->queue, 1);

	memset(&ro, 0, sizeof ro);
	ro.type = &kube_type_issuer;
	ro.namespace = opts->namespace;
	ro.on_upsert = issuers_on_upsert;
	ro.on_delete = issuers_on_delete;
	ro.on_synced = issuers_on_synced;
	ro.arg = ctl;
	ctl->refl_ns = kube_reflector_create(opts->kube, &ro);
	ro.type = &kube_type_cluster_issuer;
	ro.namespace = NULL;
	ctl->refl_cluster = kube_reflector_create(opts->kube, &ro);

	if (m_ready == NULL) {
		m_ready =
		    metrics_gauge("pca_issuer_issuer_ready",
		                  "Whether an issuer can sign (1) or not (0), by kind, namespace "
		                  "and name.",
		                  "kind,namespace,name");
		issuers_m_checks = metrics_counter(
		    "pca_issuer_issuer_checks_total",
		    "Issuer checks by outcome (ready, not_ready, error).", "outcome");
		m_ca_not_after =
		    metrics_gauge("pca_issuer_ca_not_after_timestamp_seconds",
		                  "The NotAfter of the issuer's certificate authority, from "
		                  "DescribeCertificateAuthority at its last check.",
		                  "issuer_kind,issuer");
	}
	metrics_collect_add(m_ready, issuers_collect, ctl);
	metrics_collect_add(m_ca_not_after, issuers_collect, ctl);
	return ctl;
}

void
issuers_start(struct issuers *ctl)
{
	kube_reflector_start(ctl->refl_ns);
	kube_reflector_start(ctl->refl_cluster);
}

void
issuers_set_leader(struct issuers *ctl, int leader)
{
	ctl->leader = leader;
	workq_set_paused(ctl->queue, !leader || ctl->stopped);
}

void
issuers_stop(struct issuers *ctl)
{
	ctl->stopped = 1;
	workq_set_paused(ctl->queue, 1);
}

void
issuers_free(struct issuers *ctl)
{
	if (ctl == NULL)
		return;
	metrics_collect_remove(m_ready, issuers_collect, ctl);
	metrics_collect_remove(m_ca_not_after, issuers_collect, ctl);
	kube_reflector_free(ctl->refl_ns);
	kube_reflector_free(ctl->refl_cluster);
	workq_free(ctl->queue);
	smap_free(ctl->issuers, issuer_free);
	free(ctl);
}

/* The issuer a key names, after the Go issuer's fallback to the cluster issuer. */
static struct issuer *
issuers_lookup(struct issuers *ctl, const char *key)
{
	struct issuer *iss = smap_get(ctl->issuers, key);
	const char *name;
	char *alt;

	if (iss != NULL || strncmp(key, "AWSPCAIssuer/", 13) != 0)
		return iss;
	name = strrchr(key, '/') + 1;
	alt = xasprintf("AWSPCAClusterIssuer/%s", name);
	iss = smap_get(ctl->issuers, alt);
	free(alt);
	return iss;
}

void
issuers_get(struct issuers *ctl, const char *key, struct issuer_view *view)
{
	struct issuer *iss = issuers_lookup(ctl, key);

	memset(view, 0, sizeof *view);
	if (iss == NULL) {
		view->verdict = ISSUER_MISSING;
		view->kind = strncmp(key, "AWSPCAClusterIssuer/", 20) == 0 ? "AWSPCAClusterIssuer"
		                                                           : "AWSPCAIssuer";
		return;
	}
	view->kind = issuer_kind(iss);
	view->verdict = iss->verdict;
	view->reason = iss->reason;
	view->message = iss->message;
	view->arn = iss->obj->arn;
	view->default_template = iss->obj->default_template;
	view->signing_algorithm = iss->signing_algorithm;
	view->ca_not_after_ms = iss->ca_not_after_ms;
	view->conn = iss->conn;
	view->renew_before = iss->obj->renew_before;
	view->renew_before_ms = iss->obj->renew_before_ms;
	view->renewing = &iss->obj->renewing;
	view->uid = iss->obj->uid;
	/* A spec changed since the check is not vouched for yet. */
	if (iss->verdict == ISSUER_READY && iss->obj->generation != iss->checked_generation)
		view->verdict = ISSUER_UNKNOWN;
}

const struct kube_ready *
issuers_renewing(const struct issuer *iss, struct kube_ready *buf)
{
	if (!iss->has_renewing)
		return NULL;
	buf->ok = iss->renewing_ok;
	buf->reason = iss->renewing_reason;
	buf->message = iss->renewing_message;
	buf->observed_generation = iss->obj->generation;
	return buf;
}

void
issuers_set_renewing(struct issuers *ctl, const char *key, const struct kube_ready *renewing)
{
	struct issuer *iss = smap_get(ctl->issuers, key);

	if (iss == NULL)
		return;
	if (renewing == NULL ? !iss->has_renewing
	                     : iss->has_renewing && iss->renewing_ok == renewing->ok &&
	                           strcmp(iss->renewing_reason, renewing->reason) == 0 &&
	                           strcmp(iss->renewing_message, renewing->message) == 0)
		return;
	free(iss->renewing_reason);
	free(iss->renewing_message);
	iss->renewing_reason = iss->renewing_message = NULL;
	iss->has_renewing = renewing != NULL;
	if (renewing != NULL) {
		iss->renewing_ok = renewing->ok;
		iss->renewing_reason = xstrdup(renewing->reason);
		iss->renewing_message = xstrdup(renewing->message);
	}
	iss->renewing_dirty = 1;
	workq_add(ctl->queue, key);
}

void
issuers_auth_failed(struct issuers *ctl, const char *key)
{
	struct issuer *iss = issuers_lookup(ctl, key);

	if (iss == NULL)
		return;
	if (iss->conn != NULL)
		aws_creds_invalidate(iss->conn->creds);
	workq_add(ctl->queue, iss->key);
}

void
issuers_label(const struct issuer *iss, char *out, size_t size)
{
	if (iss->obj->cluster)
		snprintf(out, size, "%s", iss->obj->name);
	else
		snprintf(out, size, "%s/%s", iss->obj->namespace, iss->obj->name);
}

static void
issuers_collect(struct metric *m, void *arg)
{
	struct issuers *ctl = arg;
	struct smap_iter it;
	const char *key;
	void *v;
	struct issuer *iss;

	char label[512];

	smap_iter_init(&it);
	while (smap_next(ctl->issuers, &it, &key, &v)) {
		iss = v;
		if (m == m_ready) {
			metrics_set(m, iss->verdict == ISSUER_READY ? 1 : 0, issuer_kind(iss),
			            iss->obj->namespace, iss->obj->name);
		} else if (iss->ca_not_after_ms > 0) {
			issuers_label(iss, label, sizeof label);
			metrics_set(m, (double)iss->ca_not_after_ms / 1000.0, issuer_kind(iss),
			            label);
		}
	}
}

struct kube_reflector *
issuers_reflector(struct issuers *ctl, int cluster)
{
	return cluster ? ctl->refl_cluster : ctl->refl_ns;
}

void
issuers_poll(struct issuers *ctl)
{
	workq_run(ctl->queue);
}
