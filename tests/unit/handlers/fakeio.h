/*
 * A stand-in for the controllers' struct ctl_io (handlers/ctl_io.h) and a
 * small model of the API server's objects, for driving the
 * CertificateRequest and issuer controllers in-process: every call a
 * controller makes is recorded, and the test answers it when and how it
 * chooses. Objects are rendered as the API server would send them, and fed
 * to the controllers' reflectors as watch lines.
 *
 * Header-only: each test program that includes it gets its own copy.
 */
#ifndef PCA_TESTS_FAKEIO_H
#define PCA_TESTS_FAKEIO_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/codec.h"
#include "core/jenc.h"
#include "core/xmalloc.h"
#include "handlers/ctl_io.h"
#include "kube/reflector.h"
#include "kube/types.h"
#include "testutil.h"

/* Each test program uses some of these, and not the same ones. */
#define FK_FN static __attribute__((unused))

enum fk_kind {
	FK_ANNOTATE,
	FK_CR_STATUS,
	FK_ISSUER_STATUS,
	FK_SECRET,
	FK_ISSUE,
	FK_GET,
	FK_DESCRIBE,
	FK_ISSUER_ANNOTATE,
	FK_GET_CA,
	FK_ACCESS,
};

static const char *const fk_kind_names[] = {
    "annotate", "cr_status", "issuer_status",   "secret", "issue",
    "get",      "describe",  "issuer_annotate", "get_ca", "access"};

/* One call a controller made, waiting for the test's answer. */
struct fk_call {
	enum fk_kind kind;
	int cancelled, answered;
	void *cb, *arg;
	char key[256];      /* the object's ns/name (secret: ns/name) */
	char uid[64];       /* of the object written */
	char value[4096];   /* annotation key=value, or the Ready reason written */
	int ok;             /* the Ready status written */
	char renewing[512]; /* issuer status: "<status> <reason>: <message>" of Renewing, or "" */
	int has_certificate, failure_time;
	struct fk_call *next;
};

static struct fk_call *fk_calls, **fk_tail = &fk_calls;

FK_FN struct fk_call *
fk_new(enum fk_kind kind, void *cb, void *arg)
{
	struct fk_call *c = xcalloc(1, sizeof *c);

	c->kind = kind;
	c->cb = cb;
	c->arg = arg;
	*fk_tail = c;
	fk_tail = &c->next;
	return c;
}

/* The oldest call of kind still waiting for an answer, or NULL. */
FK_FN struct fk_call *
fk_pending(enum fk_kind kind)
{
	struct fk_call *c;

	for (c = fk_calls; c != NULL; c = c->next) {
		if (c->kind == kind && !c->cancelled && !c->answered)
			return c;
	}
	return NULL;
}

/* How many calls are waiting, of any kind. */
FK_FN int
fk_npending(void)
{
	struct fk_call *c;
	int n = 0;

	for (c = fk_calls; c != NULL; c = c->next)
		n += !c->cancelled && !c->answered;
	return n;
}

FK_FN int
fk_ncancelled(enum fk_kind kind)
{
	struct fk_call *c;
	int n = 0;

	for (c = fk_calls; c != NULL; c = c->next)
		n += c->kind == kind && c->cancelled;
	return n;
}

/* Lists every call, for a test that wonders what happened. */
FK_FN void
fk_dump(void)
{
	struct fk_call *c;

	for (c = fk_calls; c != NULL; c = c->next)
		fprintf(stderr, "  %s %s %s%s%s\n", fk_kind_names[c->kind], c->key, c->value,
		        c->cancelled ? " (cancelled)" : "", c->answered ? " (answered)" : "");
}

FK_FN void
fk_reset(void)
{
	struct fk_call *c;

	while ((c = fk_calls) != NULL) {
		fk_calls = c->next;
		free(c);
	}
	fk_tail = &fk_calls;
}

/* ---- the model of the objects ---- */

/* A CertificateRequest as the API server holds it. */
struct fk_cr {
	char ns[64], name[64], uid[64];
	long rv;
	char issuer_kind[64], issuer_name[64];
	char *csr_b64;
	char duration[32];
	int approved, denied;
	char arn[256], started[64];
	int ready; /* 0 none, 1 True, 2 False */
	char reason[512], message[512];
};

static long fk_rv = 100;

FK_FN void
fk_cr_init(struct fk_cr *cr, const char *ns, const char *name, const char *uid,
           const char *issuer_kind, const char *issuer_name, const char *csr_pem)
{
	struct buf b = BUF_INIT;

	memset(cr, 0, sizeof *cr);
	snprintf(cr->ns, sizeof cr->ns, "%s", ns);
	snprintf(cr->name, sizeof cr->name, "%s", name);
	snprintf(cr->uid, sizeof cr->uid, "%s", uid);
	snprintf(cr->issuer_kind, sizeof cr->issuer_kind, "%s", issuer_kind);
	snprintf(cr->issuer_name, sizeof cr->issuer_name, "%s", issuer_name);
	codec_base64_encode(&b, csr_pem, strlen(csr_pem));
	cr->csr_b64 = buf_steal(&b);
	cr->rv = ++fk_rv;
}

FK_FN void
fk_cr_clear(struct fk_cr *cr)
{
	free(cr->csr_b64);
	cr->csr_b64 = NULL;
}

/* The object's JSON, as a GET or a watch event would carry it. */
FK_FN char *
fk_cr_json(const struct fk_cr *cr)
{
	struct buf b = BUF_INIT;
	struct jenc e;
	char rv[24];

	jenc_init(&e, &b);
	jenc_obj_open(&e);
	jenc_kv_str(&e, "apiVersion", "cert-manager.io/v1");
	jenc_kv_str(&e, "kind", "CertificateRequest");
	jenc_key(&e, "metadata");
	jenc_obj_open(&e);
	jenc_kv_str(&e, "name", cr->name);
	jenc_kv_str(&e, "namespace", cr->ns);
	jenc_kv_str(&e, "uid", cr->uid);
	snprintf(rv, sizeof rv, "%ld", cr->rv);
	jenc_kv_str(&e, "resourceVersion", rv);
	jenc_key(&e, "annotations");
	jenc_obj_open(&e);
	if (*cr->arn != '\0')
		jenc_kv_str(&e, KUBE_CERT_ARN_ANNOTATION, cr->arn);
	if (*cr->started != '\0')
		jenc_kv_str(&e, KUBE_ISSUE_STARTED_ANNOTATION, cr->started);
	jenc_obj_close(&e);
	jenc_obj_close(&e);
	jenc_key(&e, "spec");
	jenc_obj_open(&e);
	jenc_kv_str(&e, "request", cr->csr_b64);
	if (*cr->duration != '\0')
		jenc_kv_str(&e, "duration", cr->duration);
	jenc_key(&e, "issuerRef");
	jenc_obj_open(&e);
	jenc_kv_str(&e, "group", KUBE_AWSPCA_GROUP);
	jenc_kv_str(&e, "kind", cr->issuer_kind);
	jenc_kv_str(&e, "name", cr->issuer_name);
	jenc_obj_close(&e);
	jenc_obj_close(&e);
	jenc_key(&e, "status");
	jenc_obj_open(&e);
	jenc_key(&e, "conditions");
	jenc_arr_open(&e);
	if (cr->approved || cr->denied) {
		jenc_obj_open(&e);
		jenc_kv_str(&e, "type", cr->denied ? "Denied" : "Approved");
		jenc_kv_str(&e, "status", "True");
		jenc_kv_str(&e, "reason", "cert-manager.io");
		jenc_kv_str(&e, "lastTransitionTime", "2026-01-01T00:00:00Z");
		jenc_obj_close(&e);
	}
	if (cr->ready != 0) {
		jenc_obj_open(&e);
		jenc_kv_str(&e, "type", "Ready");
		jenc_kv_str(&e, "status", cr->ready == 1 ? "True" : "False");
		jenc_kv_str(&e, "reason", cr->reason);
		jenc_kv_str(&e, "message", cr->message);
		jenc_obj_close(&e);
	}
	jenc_arr_close(&e);
	jenc_obj_close(&e);
	jenc_obj_close(&e);
	return buf_steal(&b);
}

/* Feeds a watch event of type ("ADDED", "MODIFIED", "DELETED") to a reflector. */
FK_FN void
fk_feed_json(struct kube_reflector *r, const char *type, const char *json)
{
	char *line = xasprintf("{\"type\":\"%s\",\"object\":%s}", type, json);

	kube_reflector_feed_line(r, line, strlen(line));
	free(line);
}

FK_FN void
fk_feed_cr(struct kube_reflector *r, const char *type, const struct fk_cr *cr)
{
	char *json = fk_cr_json(cr);

	fk_feed_json(r, type, json);
	free(json);
}

/* An AWSPCAIssuer (ns set) or AWSPCAClusterIssuer as JSON. */
FK_FN char *
fk_issuer_json(const char *ns, const char *name, const char *uid, long rv, const char *arn,
               const char *secret_ns, const char *secret, long generation)
{
	struct buf b = BUF_INIT;

	buf_printf(&b,
	           "{\"apiVersion\":\"awspca.cert-manager.io/v1beta1\",\"kind\":\"%s\","
	           "\"metadata\":{\"name\":\"%s\",%s%s%s\"uid\":\"%s\",\"resourceVersion\":"
	           "\"%ld\",\"generation\":%ld},\"spec\":{\"arn\":\"%s\"",
	           ns != NULL ? "AWSPCAIssuer" : "AWSPCAClusterIssuer", name,
	           ns != NULL ? "\"namespace\":\"" : "", ns != NULL ? ns : "",
	           ns != NULL ? "\"," : "", uid, rv, generation, arn);
	if (secret != NULL) {
		buf_printf(&b, ",\"secretRef\":{\"name\":\"%s\"", secret);
		if (secret_ns != NULL)
			buf_printf(&b, ",\"namespace\":\"%s\"", secret_ns);
		buf_addc(&b, '}');
	}
	buf_adds(&b, "}}");
	return buf_steal(&b);
}

/* ---- answering ---- */

FK_FN void
fk_answer_write(struct fk_call *c, enum kube_write_err err, const char *obj_json, int cluster)
{
	struct kube_write_result res;
	char *cause = NULL;
	void *obj = NULL;

	c->answered = 1;
	memset(&res, 0, sizeof res);
	res.err = err;
	res.status = err == KUBE_WRITE_OK ? 200 : err == KUBE_WRITE_GONE ? 404 : 409;
	res.message = err == KUBE_WRITE_OK ? "" : "refused by the test";
	if (obj_json != NULL) {
		if (c->kind == FK_ISSUER_STATUS || c->kind == FK_ISSUER_ANNOTATE) {
			struct kube_issuer *iss = NULL;

			(void)kube_issuer_decode(obj_json, strlen(obj_json), cluster, &iss, &cause);
			obj = iss;
		} else {
			struct kube_cr *cr = NULL;

			if (strstr(obj_json, "\"kind\":\"CertificateSigningRequest\"") != NULL)
				(void)kube_csr_decode(obj_json, strlen(obj_json), &cr, &cause);
			else
				(void)kube_cr_decode(obj_json, strlen(obj_json), &cr, &cause);
			obj = cr;
		}
		free(cause);
	}
	res.obj = obj;
	((kube_write_cb)c->cb)(&res, c->arg);
	if (res.obj != NULL) {
		if (c->kind == FK_ISSUER_STATUS || c->kind == FK_ISSUER_ANNOTATE)
			kube_issuer_free(res.obj);
		else
			kube_cr_free(res.obj);
	}
}

/* Applies a CR write the controller made to the model, as the API server would. */
FK_FN void
fk_apply_cr_write(struct fk_cr *cr, const struct fk_call *c)
{
	const char *eq = strchr(c->value, '=');

	if (c->kind == FK_ANNOTATE && eq != NULL) {
		if (strncmp(c->value, KUBE_CERT_ARN_ANNOTATION, (size_t)(eq - c->value)) == 0)
			snprintf(cr->arn, sizeof cr->arn, "%.*s", (int)sizeof cr->arn - 1, eq + 1);
		else
			snprintf(cr->started, sizeof cr->started, "%.*s",
			         (int)sizeof cr->started - 1, eq + 1);
	} else if (c->kind == FK_CR_STATUS) {
		cr->ready = c->ok ? 1 : 2;
		snprintf(cr->reason, sizeof cr->reason, "%.*s", (int)sizeof cr->reason - 1,
		         c->value);
	}
	cr->rv = ++fk_rv;
}

/* Answers a CR write with success, the model updated. */
FK_FN void
fk_ok_cr_write(struct fk_call *c, struct fk_cr *cr)
{
	char *json;

	fk_apply_cr_write(cr, c);
	json = fk_cr_json(cr);
	fk_answer_write(c, KUBE_WRITE_OK, json, 0);
	free(json);
}

FK_FN void
fk_answer_pca(struct fk_call *c, const struct aws_pca_result *res)
{
	c->answered = 1;
	((aws_pca_cb)c->cb)(res, c->arg);
}

/* An AWS result of class err with code. */
FK_FN struct aws_pca_result
fk_pca_result(enum aws_err_class err, const char *code)
{
	struct aws_pca_result r;

	memset(&r, 0, sizeof r);
	r.err = err;
	r.code = code;
	r.message = err == AWS_OK ? "" : "said the test";
	r.request_id = "";
	return r;
}

FK_FN void
fk_answer_secret(struct fk_call *c, enum kube_secret_err err, const char *akid, const char *secret)
{
	struct kube_secret_result res;
	const char *values[3] = {akid, secret, NULL};

	c->answered = 1;
	memset(&res, 0, sizeof res);
	res.err = err;
	res.status = err == KUBE_SECRET_OK ? 200 : err == KUBE_SECRET_NOT_FOUND ? 404 : 500;
	res.message = err == KUBE_SECRET_OK ? "" : "cannot read Secret (the test)";
	res.values = err == KUBE_SECRET_OK ? values : NULL;
	((kube_secret_cb)c->cb)(&res, c->arg);
}

/* ---- the io ---- */

FK_FN struct kube_write *
fk_cr_annotate(void *ctx, const struct kube_cr *cr, const char *key, const char *value,
               kube_write_cb cb, void *arg)
{
	struct fk_call *c = fk_new(FK_ANNOTATE, (void *)cb, arg);

	(void)ctx;
	snprintf(c->key, sizeof c->key, "%s/%s", cr->namespace, cr->name);
	snprintf(c->uid, sizeof c->uid, "%s", cr->uid);
	snprintf(c->value, sizeof c->value, "%s=%s", key, value);
	return (struct kube_write *)c;
}

FK_FN struct kube_write *
fk_cr_status(void *ctx, const struct kube_cr *cr, const struct kube_ready *ready,
             const struct kube_cr_result *res, kube_write_cb cb, void *arg)
{
	struct fk_call *c = fk_new(FK_CR_STATUS, (void *)cb, arg);

	(void)ctx;
	snprintf(c->key, sizeof c->key, "%s/%s", cr->namespace, cr->name);
	snprintf(c->uid, sizeof c->uid, "%s", cr->uid);
	snprintf(c->value, sizeof c->value, "%s", ready->reason);
	c->ok = ready->ok;
	c->has_certificate = res != NULL && res->certificate != NULL;
	c->failure_time = res != NULL && res->failure_time;
	return (struct kube_write *)c;
}

FK_FN struct kube_write *
fk_issuer_status(void *ctx, const struct kube_issuer *iss, const struct kube_ready *ready,
                 const struct kube_ready *renewing, kube_write_cb cb, void *arg)
{
	struct fk_call *c = fk_new(FK_ISSUER_STATUS, (void *)cb, arg);

	(void)ctx;
	snprintf(c->key, sizeof c->key, "%s/%s", iss->namespace, iss->name);
	snprintf(c->uid, sizeof c->uid, "%s", iss->uid);
	snprintf(c->value, sizeof c->value, "%s", ready->reason);
	c->ok = ready->ok;
	if (renewing != NULL)
		snprintf(c->renewing, sizeof c->renewing, "%s %s: %s",
		         renewing->ok ? "True" : "False", renewing->reason, renewing->message);
	return (struct kube_write *)c;
}

FK_FN void
fk_cancel(void *ctx, void *call)
{
	(void)ctx;
	((struct fk_call *)call)->cancelled = 1;
}

FK_FN void
fk_write_cancel(void *ctx, struct kube_write *w)
{
	fk_cancel(ctx, w);
}

FK_FN struct kube_secret_read *
fk_secret_read(void *ctx, const char *ns, const char *name, const char *const *keys, size_t nkeys,
               kube_secret_cb cb, void *arg)
{
	struct fk_call *c = fk_new(FK_SECRET, (void *)cb, arg);

	(void)ctx;
	(void)keys;
	(void)nkeys;
	snprintf(c->key, sizeof c->key, "%s/%s", ns != NULL ? ns : "", name);
	return (struct kube_secret_read *)c;
}

FK_FN void
fk_secret_cancel(void *ctx, struct kube_secret_read *r)
{
	fk_cancel(ctx, r);
}

FK_FN struct aws_pca_call *
fk_pca_issue(void *ctx, struct aws_pca *pca, const struct aws_pca_issue_params *p, aws_pca_cb cb,
             void *arg)
{
	struct fk_call *c = fk_new(FK_ISSUE, (void *)cb, arg);

	(void)ctx;
	(void)pca;
	snprintf(c->value, sizeof c->value, "%s", p->idempotency_token);
	return (struct aws_pca_call *)c;
}

FK_FN struct aws_pca_call *
fk_pca_get(void *ctx, struct aws_pca *pca, const char *ca_arn, const char *cert_arn, aws_pca_cb cb,
           void *arg)
{
	struct fk_call *c = fk_new(FK_GET, (void *)cb, arg);

	(void)ctx;
	(void)pca;
	(void)ca_arn;
	snprintf(c->value, sizeof c->value, "%s", cert_arn);
	return (struct aws_pca_call *)c;
}

FK_FN struct aws_pca_call *
fk_pca_describe(void *ctx, struct aws_pca *pca, const char *ca_arn, aws_pca_cb cb, void *arg)
{
	struct fk_call *c = fk_new(FK_DESCRIBE, (void *)cb, arg);

	(void)ctx;
	(void)pca;
	snprintf(c->value, sizeof c->value, "%s", ca_arn);
	return (struct aws_pca_call *)c;
}

/* value: the annotations as "k=v;k=v;" */
FK_FN struct kube_write *
fk_issuer_annotate(void *ctx, const struct kube_issuer *iss, const char *const *keys,
                   const char *const *values, size_t n, kube_write_cb cb, void *arg)
{
	struct fk_call *c = fk_new(FK_ISSUER_ANNOTATE, (void *)cb, arg);
	size_t i, len = 0;

	(void)ctx;
	snprintf(c->key, sizeof c->key, "%s/%s", iss->namespace, iss->name);
	snprintf(c->uid, sizeof c->uid, "%s", iss->uid);
	for (i = 0; i < n && len < sizeof c->value; i++)
		len += (size_t)snprintf(c->value + len, sizeof c->value - len, "%s=%s;", keys[i],
		                        values[i]);
	return (struct kube_write *)c;
}

FK_FN struct aws_pca_call *
fk_pca_get_ca(void *ctx, struct aws_pca *pca, const char *ca_arn, aws_pca_cb cb, void *arg)
{
	struct fk_call *c = fk_new(FK_GET_CA, (void *)cb, arg);

	(void)ctx;
	(void)pca;
	snprintf(c->value, sizeof c->value, "%s", ca_arn);
	return (struct aws_pca_call *)c;
}

FK_FN void
fk_pca_cancel(void *ctx, struct aws_pca_call *call)
{
	fk_cancel(ctx, call);
}

/* value: "<verb> <group>/<resource> <namespace>/<name> as <user>" */
FK_FN struct kube_access *
fk_access_review(void *ctx, const struct kube_access_request *rq, kube_access_cb cb, void *arg)
{
	struct fk_call *c = fk_new(FK_ACCESS, (void *)cb, arg);

	(void)ctx;
	snprintf(c->value, sizeof c->value, "%s %s/%s %s/%s as %s", rq->verb, rq->group,
	         rq->resource, rq->namespace != NULL ? rq->namespace : "", rq->name, rq->user);
	return (struct kube_access *)c;
}

FK_FN void
fk_access_cancel(void *ctx, struct kube_access *a)
{
	fk_cancel(ctx, a);
}

FK_FN void
fk_answer_access(struct fk_call *c, enum kube_access_err err, int allowed)
{
	struct kube_access_result res = {err, err == KUBE_ACCESS_OK ? 201 : 403, allowed, ""};

	c->answered = 1;
	((kube_access_cb)c->cb)(&res, c->arg);
}

/* An environment with nothing in it, for the issuers' credential chain (aws/creds.h). */
FK_FN const char *
fk_no_env(const char *name, void *arg)
{
	(void)name;
	(void)arg;
	return NULL;
}

/* The oldest pending call of kind; a failed check (and the calls listed) when there is none. */
FK_FN struct fk_call *
fk_expect(enum fk_kind kind)
{
	struct fk_call *c = fk_pending(kind);

	if (c == NULL) {
		fprintf(stderr, "  no %s call pending; the calls:\n", fk_kind_names[kind]);
		fk_dump();
	}
	CHECK(c != NULL);
	return c;
}

/* Answers an issuer's check (Secret found, CA ACTIVE, status written), then settle(). */
FK_FN void
fk_issuer_becomes_ready(void (*settle)(void))
{
	struct fk_call *c;
	struct aws_pca_result r;

	if ((c = fk_expect(FK_SECRET)) == NULL)
		return;
	fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	if ((c = fk_expect(FK_DESCRIBE)) == NULL)
		return;
	r = fk_pca_result(AWS_OK, "");
	r.ca_status = "ACTIVE";
	r.ca_signing_algorithm = "SHA256WITHECDSA";
	fk_answer_pca(c, &r);
	if ((c = fk_expect(FK_ISSUER_STATUS)) != NULL)
		fk_answer_write(c, KUBE_WRITE_OK, NULL, 0);
	settle();
}

static const struct ctl_io fk_io = {
    fk_cr_annotate, fk_cr_status,     fk_issuer_status, fk_issuer_annotate, fk_write_cancel,
    fk_secret_read, fk_secret_cancel, fk_pca_issue,     fk_pca_get,         fk_pca_describe,
    fk_pca_get_ca,  fk_pca_cancel,    fk_access_review, fk_access_cancel,   NULL,
};

#endif
