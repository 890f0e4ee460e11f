/*
 * One check of one issuer, while its key is active in the work queue: the
 * spec, then its Secret (read by name), the AWS connection built from it,
 * DescribeCertificateAuthority, and the verdict written as the Ready
 * condition. Each step is a callback of the one before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "aws/arn.h"
#include "aws/creds.h"
#include "aws/endpoint.h"
#include "aws/pca.h"
#include "core/clock.h"
#include "core/codec.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/smap.h"
#include "core/timefmt.h"
#include "core/workq.h"
#include "core/xmalloc.h"
#include "handlers/certs.h"
#include "handlers/issuers_impl.h"
#include "handlers/notify.h"
#include "kube/permission.h"
#include "kube/types.h"
#include "kube/write.h"

static void issuers_on_ca_certificate(const struct aws_pca_result *res, void *arg);
static void issuers_ready(struct issuer *iss);

/* Ends a check: reports to the queue. */
static void
issuers_done(struct issuer *iss, enum workq_result result, uint64_t after_ms)
{
	struct issuers *ctl = iss->ctl;
	char *key = xstrdup(iss->key);

	iss->active = 0;
	workq_done(ctl->queue, key, result, after_ms);
	free(key);
	loop_release();
}

static void
issuers_on_status_written(struct kube_write_result *res, void *arg)
{
	struct issuer *iss = arg;
	char code[16];
	uint64_t now;

	iss->write = NULL;
	switch (res->err) {
	case KUBE_WRITE_OK:
		iss->conflicts = 0;
		if (res->obj != NULL)
			issuers_set_obj(iss, res->obj);
		res->obj = NULL;
		now = clock_mono_ms();
		issuers_done(iss, iss->verdict == ISSUER_READY ? WORKQ_AFTER : WORKQ_RETRY,
		             iss->next_check_ms > now ? iss->next_check_ms - now : 0);
		return;
	case KUBE_WRITE_GONE:
		issuers_remove(iss);
		return;
	case KUBE_WRITE_CHANGED:
		/* Check again from the fresh object, at once (but not forever). */
		if (res->obj != NULL)
			issuers_set_obj(iss, res->obj);
		res->obj = NULL;
		issuers_done(iss, ++iss->conflicts < 5 ? WORKQ_AFTER : WORKQ_RETRY, 0);
		return;
	default:
		snprintf(code, sizeof code, "%ld", res->status);
		log_warn("cannot write issuer status", "issuer", iss->key, "http_status",
		         res->status == 0 ? "none" : code, "error", res->message);
		issuers_done(iss, WORKQ_RETRY, 0);
		return;
	}
}

/*
 * Writes the status (Ready, and Renewing if any) unless the object already
 * says it; the check ends with result after after_ms.
 */
static void
issuers_write_status(struct issuer *iss, const struct kube_ready *ready, enum workq_result result,
                     uint64_t after_ms)
{
	struct issuers *ctl = iss->ctl;
	const struct kube_condition *prev = &iss->obj->renewing;
	struct kube_ready buf;
	const struct kube_ready *renewing = issuers_renewing(iss, &buf);

	iss->renewing_dirty = 0;
	if (renewing == NULL && prev->status != KUBE_COND_ABSENT) {
		/* Nobody has said otherwise since the start: the stored one stays. */
		buf.ok = prev->status == KUBE_COND_TRUE;
		buf.reason = prev->reason != NULL ? prev->reason : "";
		buf.message = prev->message != NULL ? prev->message : "";
		buf.observed_generation = prev->observed_generation;
		renewing = &buf;
	}
	if (!kube_ready_differs(&iss->obj->ready, ready) &&
	    (renewing == NULL || !kube_ready_differs(prev, renewing))) {
		issuers_done(iss, result, after_ms);
		return;
	}
	iss->write = ctl->io.issuer_status(ctl->io.ctx, iss->obj, ready, renewing,
	                                   issuers_on_status_written, iss);
}

/*
 * Records the verdict of a check, tells the CertificateRequest controller,
 * emits an event on a transition and writes the Ready condition if it
 * changed. Ends the check.
 */
static void
issuers_verdict(struct issuer *iss, enum issuer_verdict verdict, const char *reason,
                const char *message)
{
	struct issuers *ctl = iss->ctl;
	struct kube_ready ready = {verdict == ISSUER_READY, reason, message, iss->obj->generation};
	enum issuer_verdict before = iss->verdict;
	int changed;

	metrics_inc(issuers_m_checks, verdict == ISSUER_READY ? "ready" : "not_ready");
	if (before != verdict || iss->reason == NULL || strcmp(iss->reason, reason) != 0) {
		log_info(verdict == ISSUER_READY ? "issuer ready" : "issuer not ready", "issuer",
		         iss->key, "reason", reason, "message", message);
		notify_event(ctl->opts.events, issuer_kind(iss), iss->obj->namespace,
		             iss->obj->name, iss->obj->uid, verdict != ISSUER_READY, reason,
		             message);
	}
	changed = before != verdict || iss->checked_generation != iss->obj->generation ||
	          iss->reason == NULL || strcmp(iss->reason, reason) != 0 || iss->message == NULL ||
	          strcmp(iss->message, message) != 0;
	iss->verdict = verdict;
	free(iss->reason);
	free(iss->message);
	iss->reason = xstrdup(reason);
	iss->message = xstrdup(message);
	iss->checked_generation = iss->obj->generation;
	/* Requests waiting for this issuer look again only when there is news. */
	if (changed)
		ctl->opts.on_change(iss->key, ctl->opts.arg);

	iss->next_check_ms = clock_mono_ms() + ctl->opts.recheck_ms;
	issuers_write_status(iss, &ready, verdict == ISSUER_READY ? WORKQ_AFTER : WORKQ_RETRY,
	                     ctl->opts.recheck_ms);
}

/* A check could not reach a verdict (AWS or the API server is unavailable). */
static void
issuers_error(struct issuer *iss, const char *reason, const char *message)
{
	metrics_inc(issuers_m_checks, "error");
	log_warn("issuer check failed", "issuer", iss->key, "reason", reason, "error", message);
	if (iss->verdict == ISSUER_READY) {
		/* Keep a verified issuer signing through a passing outage. */
		issuers_done(iss, WORKQ_RETRY, 0);
		return;
	}
	issuers_verdict(iss, ISSUER_NOT_READY, reason, message);
}

/*
 * A warning for the Ready message when the CA has less life left than the
 * longest duration among the issuer's Certificates: their next certificates
 * would outlive it, and AWS refuses those. NULL when all is well.
 */
static char *
issuers_ca_life_warning(const struct issuer *iss)
{
	char label[512], na[40];
	int64_t longest, left;

	if (iss->ca_not_after_ms <= 0 || iss->ctl->opts.certs == NULL)
		return NULL;
	issuers_label(iss, label, sizeof label);
	longest = certs_longest_duration(iss->ctl->opts.certs, issuer_kind(iss), label);
	left = (iss->ca_not_after_ms - clock_wall_ms()) / 1000;
	if (longest <= 0 || left >= longest)
		return NULL;
	timefmt_format(iss->ca_not_after_ms, 0, na, sizeof na);
	return xasprintf("Issuer verified; warning: the certificate authority expires at %s, in "
	                 "less than the longest duration among this issuer's Certificates (%lld "
	                 "hours): their certificates cannot outlive it, so requests for them will "
	                 "fail; renew or replace the CA",
	                 na, (long long)(longest / 3600));
}

/* The CA is ACTIVE (and its certificate looked at): the issuer may sign. */
static void
issuers_ready(struct issuer *iss)
{
	char *msg = issuers_ca_life_warning(iss);

	issuers_verdict(iss, ISSUER_READY, "Verified", msg != NULL ? msg : "Issuer verified");
	free(msg);
}

/*
 * What KUBE_CA_FINGERPRINT_ANNOTATION holds: hex SHA-256 over the ARN and
 * the SHA-256 of the CA certificate's DER, so that a new spec.arn and a CA
 * certificate renewed in place both change it. -1 when pem holds no
 * certificate.
 */
int
issuers_ca_fingerprint(const char *arn, const char *pem, char out[65])
{
	unsigned char der_md[32], md[32];
	unsigned int n;
	EVP_MD_CTX *ctx;
	X509 *x;
	BIO *bio;

	if (pem == NULL || (bio = BIO_new_mem_buf(pem, -1)) == NULL)
		return -1;
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (x == NULL || X509_digest(x, EVP_sha256(), der_md, &n) != 1) {
		X509_free(x);
		ERR_clear_error();
		return -1;
	}
	X509_free(x);
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, arn, strlen(arn) + 1);
	EVP_DigestUpdate(ctx, der_md, sizeof der_md);
	EVP_DigestFinal_ex(ctx, md, &n);
	EVP_MD_CTX_free(ctx);
	codec_hex(md, sizeof md, out);
	return 0;
}

static void
issuers_on_ca_annotated(struct kube_write_result *res, void *arg)
{
	struct issuer *iss = arg;
	char code[16];

	iss->write = NULL;
	switch (res->err) {
	case KUBE_WRITE_OK:
	case KUBE_WRITE_CHANGED:
		/* Changed: the next check compares again, from the fresh object. */
		if (res->obj != NULL)
			issuers_set_obj(iss, res->obj);
		res->obj = NULL;
		break;
	case KUBE_WRITE_GONE:
		issuers_remove(iss);
		return;
	case KUBE_WRITE_FORBIDDEN:
		iss->ctl->ca_change_off = 1;
		kube_permission_missing(
		    iss->obj->cluster ? "awspcaclusterissuers" : "awspcaissuers", "patch",
		    "--renew-on-ca-change is off: it records the CA it saw in an "
		    "annotation of the issuer");
		break;
	default:
		snprintf(code, sizeof code, "%ld", res->status);
		log_warn("cannot annotate issuer", "issuer", iss->key, "http_status", code, "error",
		         res->message);
		break;
	}
	issuers_ready(iss);
}

/*
 * --renew-on-ca-change: the CA certificate of this check against the one
 * the issuer's annotation records. The first one seen is recorded; a
 * different one (a new spec.arn, or the CA renewed in place) is recorded
 * together with KUBE_RENEW_BEFORE_ANNOTATION set to now, which has
 * handlers/renew.c renew everything issued before.
 */
static void
issuers_on_ca_certificate(const struct aws_pca_result *res, void *arg)
{
	struct issuer *iss = arg;
	const char *keys[2] = {KUBE_CA_FINGERPRINT_ANNOTATION, KUBE_RENEW_BEFORE_ANNOTATION};
	const char *values[2];
	char fp[65], now[40], *msg;
	int changed;

	iss->pcall = NULL;
	if (res->err != AWS_OK ||
	    issuers_ca_fingerprint(iss->obj->arn, res->certificate, fp) != 0) {
		log_warn("cannot read the CA certificate, so a change of CA is not looked for this "
		         "time",
		         "issuer", iss->key, "error",
		         res->err != AWS_OK ? res->message : "the answer holds no certificate");
		issuers_ready(iss);
		return;
	}
	if (iss->obj->ca_fingerprint != NULL && strcmp(iss->obj->ca_fingerprint, fp) == 0) {
		issuers_ready(iss);
		return;
	}
	changed = iss->obj->ca_fingerprint != NULL;
	timefmt_format(clock_wall_ms(), 0, now, sizeof now);
	values[0] = fp;
	values[1] = now;
	if (changed) {
		msg = xasprintf("The certificate authority changed (%s): every Certificate of this "
		                "issuer issued before %s will be renewed",
		                iss->obj->arn, now);
		log_info("issuer CA changed", "issuer", iss->key, "arn", iss->obj->arn,
		         "renew_before", now);
		notify_event(iss->ctl->opts.events, issuer_kind(iss), iss->obj->namespace,
		             iss->obj->name, iss->obj->uid, 0, "CAChanged", msg);
		free(msg);
	}
	iss->write = iss->ctl->io.issuer_annotate(iss->ctl->io.ctx, iss->obj, keys, values,
	                                          changed ? 2 : 1, issuers_on_ca_annotated, iss);
}

static void
issuers_on_describe(const struct aws_pca_result *res, void *arg)
{
	struct issuer *iss = arg;
	char *msg;

	iss->pcall = NULL;
	switch (res->err) {
	case AWS_OK:
		break;
	case AWS_ERR_AUTH:
		msg = xasprintf("AWS rejected the credentials: %s: %s", res->code, res->message);
		issuers_verdict(iss, ISSUER_NOT_READY, "AuthFailed", msg);
		free(msg);
		return;
	case AWS_ERR_PERMANENT:
	case AWS_ERR_LIMIT:
		msg = xasprintf("DescribeCertificateAuthority failed: %s: %s", res->code,
		                res->message);
		issuers_verdict(iss, ISSUER_NOT_READY,
		                strcmp(res->code, "ResourceNotFoundException") == 0 ? "CANotFound"
		                                                                    : "CAError",
		                msg);
		free(msg);
		return;
	default:
		msg = xasprintf("DescribeCertificateAuthority failed: %s%s%s", res->code,
		                *res->code != '\0' ? ": " : "", res->message);
		issuers_error(iss, "AWSUnavailable", msg);
		free(msg);
		return;
	}
	if (res->ca_status == NULL || strcmp(res->ca_status, "ACTIVE") != 0) {
		msg = xasprintf("The certificate authority is %s, not ACTIVE",
		                res->ca_status != NULL ? res->ca_status : "in an unknown state");
		issuers_verdict(iss, ISSUER_NOT_READY, "CANotActive", msg);
		free(msg);
		return;
	}
	free(iss->signing_algorithm);
	iss->signing_algorithm = xstrdup(
	    res->ca_signing_algorithm != NULL ? res->ca_signing_algorithm : "SHA256WITHRSA");
	iss->ca_not_after_ms = res->ca_not_after * 1000;
	if (iss->ctl->opts.renew_on_ca_change && !iss->ctl->ca_change_off) {
		iss->pcall = iss->ctl->io.pca_get_ca_certificate(iss->ctl->io.ctx, iss->conn->pca,
		                                                 iss->obj->arn,
		                                                 issuers_on_ca_certificate, iss);
		return;
	}
	issuers_ready(iss);
}

/* Hashes what the connection is built from, to notice a changed Secret or spec. */
static void
issuers_identity(const struct kube_issuer *ki, char *const *values, unsigned char out[32])
{
	const char *parts[] = {ki->arn, ki->region, ki->role, values[0], values[1], values[2]};
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n;
	size_t i;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		const char *p = parts[i] != NULL ? parts[i] : "";
		EVP_DigestUpdate(ctx, p, strlen(p) + 1);
	}
	EVP_DigestFinal_ex(ctx, out, &n);
	EVP_MD_CTX_free(ctx);
}

/*
 * The RoleSessionName for an issuer's assumed role: "pca-issuer-<name>",
 * which CloudTrail shows. STS allows at most 64 characters of [\w+=,.@-];
 * a longer name (the Go project's e2e issuers have names near 60) is cut and told
 * apart by 8 hex digits of a hash of the issuer's kind, namespace and name.
 */
static char *
issuers_session_name(const struct kube_issuer *ki)
{
	unsigned char md[32];
	char hex[65], *full, *p;
	unsigned int n;
	EVP_MD_CTX *ctx;

	full = xasprintf("pca-issuer-%s", ki->name);
	for (p = full; *p != '\0'; p++) {
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-",
		           *p) == NULL)
			*p = '-';
	}
	if (strlen(full) <= 64)
		return full;
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, ki->cluster ? "cluster/" : "namespaced/", ki->cluster ? 8 : 11);
	EVP_DigestUpdate(ctx, ki->namespace, strlen(ki->namespace) + 1);
	EVP_DigestUpdate(ctx, ki->name, strlen(ki->name));
	EVP_DigestFinal_ex(ctx, md, &n);
	EVP_MD_CTX_free(ctx);
	codec_hex(md, 4, hex);
	full[64 - 9] = '\0';
	p = xasprintf("%s-%s", full, hex);
	free(full);
	return p;
}

/* Builds (or keeps) the AWS connection from credential values (NULL: default chain). */
static int
issuers_connect(struct issuer *iss, char *const *values, char **cause)
{
	struct issuers *ctl = iss->ctl;
	const struct kube_issuer *ki = iss->obj;
	unsigned char identity[32];
	struct issuer_conn *conn;
	struct aws_creds_src *src = NULL;
	struct aws_arn arn;
	char *region = NULL, *url = NULL, *session;
	int ret = -1;

	issuers_identity(ki, values, identity);
	if (iss->conn != NULL && CRYPTO_memcmp(identity, iss->identity, 32) == 0)
		return 0;
	memset(&arn, 0, sizeof arn);
	if (aws_arn_parse(ki->arn, &arn, cause) != 0)
		goto out;
	if ((region = aws_endpoint_region(ki->region, ki->arn, ctl->opts.env, cause)) == NULL)
		goto out;
	if ((url = aws_endpoint_url("acm-pca", region, ctl->opts.env, cause)) == NULL)
		goto out;
	if (values[0] != NULL)
		src = aws_creds_static(values[0], values[1], values[2]);
	else if (aws_creds_default_chain(ctl->opts.http, ctl->opts.env, &src, cause) != 0)
		goto out;
	if (ki->role != NULL && *ki->role != '\0') {
		session = issuers_session_name(ki);
		src = aws_creds_assume_role(ctl->opts.http, src, ki->role, session, region,
		                            ctl->opts.env);
		free(session);
	}
	conn = xcalloc(1, sizeof *conn);
	conn->refs = 1;
	conn->creds = src;
	conn->pca = aws_pca_create(ctl->opts.http, src, url, region, arn.account);
	issuers_conn_unref(iss->conn);
	iss->conn = conn;
	memcpy(iss->identity, identity, 32);
	log_info("issuer connected", "issuer", iss->key, "region", region, "endpoint", url,
	         "credential_source", aws_creds_src_kind(src));
	ret = 0;
out:
	aws_arn_clear(&arn);
	free(region);
	free(url);
	return ret;
}

/* Credentials are settled: connect and ask AWS about the CA. */
static void
issuers_describe(struct issuer *iss, char *const *values)
{
	char *cause = NULL;

	if (issuers_connect(iss, values, &cause) != 0) {
		issuers_verdict(iss, ISSUER_NOT_READY, "Error", cause);
		free(cause);
		return;
	}
	iss->pcall = iss->ctl->io.pca_describe_ca(iss->ctl->io.ctx, iss->conn->pca, iss->obj->arn,
	                                          issuers_on_describe, iss);
}

static void
issuers_on_secret(const struct kube_secret_result *res, void *arg)
{
	struct issuer *iss = arg;
	const struct kube_issuer *ki = iss->obj;
	char *values[3] = {NULL, NULL, NULL}, *msg;

	iss->sread = NULL;
	switch (res->err) {
	case KUBE_SECRET_NOT_FOUND:
		issuers_verdict(iss, ISSUER_NOT_READY, "SecretNotFound", res->message);
		return;
	case KUBE_SECRET_FORBIDDEN:
		issuers_verdict(iss, ISSUER_NOT_READY, "SecretForbidden", res->message);
		return;
	case KUBE_SECRET_UNAVAILABLE:
		issuers_error(iss, "SecretUnavailable", res->message);
		return;
	case KUBE_SECRET_INVALID:
		msg = xasprintf("Secret %s: %s", ki->secret_name, res->message);
		issuers_verdict(iss, ISSUER_NOT_READY, "InvalidSecret", msg);
		free(msg);
		return;
	case KUBE_SECRET_OK:
		break;
	}
	if (res->values[0] == NULL || res->values[1] == NULL) {
		msg = xasprintf("Secret %s has no %s or no %s", ki->secret_name,
		                ki->access_key_id_key, ki->secret_access_key_key);
		issuers_verdict(iss, ISSUER_NOT_READY, "InvalidSecret", msg);
		free(msg);
		return;
	}
	/* The values are the reader's, wiped when this returns. */
	memcpy(values, res->values, sizeof values);
	issuers_describe(iss, values);
}

/* A template name as AWS spells them: letters, digits and '_', then /V and a number. */
static int
issuers_template_name_ok(const char *name)
{
	size_t n = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");

	if (n == 0 || n > 120 || strncmp(name + n, "/V", 2) != 0)
		return 0;
	name += n + 2;
	n = strspn(name, "0123456789");
	return n > 0 && n < 6 && name[n] == '\0';
}

/* Checks what can be checked without I/O; returns a message or NULL. */
static char *
issuers_validate(const struct kube_issuer *ki)
{
	struct aws_arn arn;
	char *cause = NULL;

	if (ki->arn == NULL || *ki->arn == '\0')
		return xstrdup("spec.arn is required");
	if (aws_arn_parse(ki->arn, &arn, &cause) != 0) {
		char *msg = xasprintf("spec.arn: %s", cause);
		free(cause);
		return msg;
	}
	if (strcmp(arn.service, "acm-pca") != 0 ||
	    strncmp(arn.resource, "certificate-authority/", 22) != 0) {
		aws_arn_clear(&arn);
		return xasprintf("spec.arn %s is not the ARN of a Private CA certificate authority",
		                 ki->arn);
	}
	aws_arn_clear(&arn);
	if (ki->default_template != NULL && *ki->default_template != '\0' &&
	    !issuers_template_name_ok(ki->default_template))
		return xasprintf(
		    "spec.pcaTemplate.defaultTemplateName \"%s\" is not the name of an "
		    "AWS Private CA template, such as EndEntityCertificate/V1",
		    ki->default_template);
	if (ki->secret_name != NULL && *ki->secret_name != '\0' && ki->cluster &&
	    (ki->secret_namespace == NULL || *ki->secret_namespace == '\0'))
		return xstrdup("spec.secretRef.namespace is required for an AWSPCAClusterIssuer");
	return NULL;
}

static int
issuers_ambient_allowed(const struct issuer *iss)
{
	return iss->obj->cluster ? iss->ctl->opts.cluster_issuer_ambient_credentials
	                         : iss->ctl->opts.issuer_ambient_credentials;
}

/* Why an issuer without spec.secretRef may not sign, and what to change. */
static char *
issuers_ambient_refusal(const struct issuer *iss)
{
	const char *flag =
	    iss->obj->cluster ? "cluster-issuer-ambient-credentials" : "issuer-ambient-credentials";
	const char *env = iss->obj->cluster ? "PCA_ISSUER_CLUSTER_ISSUER_AMBIENT_CREDENTIALS"
	                                    : "PCA_ISSUER_ISSUER_AMBIENT_CREDENTIALS";

	return xasprintf("%s has no spec.secretRef, so it would sign with pca-issuer's own AWS "
	                 "credentials%s, which %s may not use: set spec.secretRef to a Secret "
	                 "holding AWS keys, or start pca-issuer with --%s=true (environment "
	                 "variable %s=true)",
	                 issuer_kind(iss),
	                 iss->obj->role != NULL && *iss->obj->role != '\0' ? " to assume spec.role"
	                                                                   : "",
	                 iss->obj->cluster ? "AWSPCAClusterIssuers" : "AWSPCAIssuers", flag, env);
}

/*
 * The namespace of the issuer's Secret in *ns, or why it may not be read.
 * An AWSPCAIssuer reads its own namespace's Secret: with secretRef.namespace
 * naming another one, anyone who may create an issuer in one namespace
 * could sign with the AWS keys of another. The Go issuer allowed that;
 * --allow-issuer-secret-namespace restores it.
 */
static char *
issuers_secret_namespace(const struct issuer *iss, const char **ns)
{
	const struct kube_issuer *ki = iss->obj;

	if (ki->cluster) {
		*ns = ki->secret_namespace;
		return NULL;
	}
	*ns = ki->namespace;
	if (ki->secret_namespace == NULL || *ki->secret_namespace == '\0' ||
	    strcmp(ki->secret_namespace, ki->namespace) == 0)
		return NULL;
	if (iss->ctl->opts.allow_secret_namespace) {
		*ns = ki->secret_namespace;
		return NULL;
	}
	return xasprintf("spec.secretRef.namespace is %s, but an AWSPCAIssuer may only read "
	                 "Secrets of its own namespace (%s); move the Secret there, use an "
	                 "AWSPCAClusterIssuer, or start pca-issuer with "
	                 "--allow-issuer-secret-namespace=true (environment variable "
	                 "PCA_ISSUER_ALLOW_ISSUER_SECRET_NAMESPACE=true), as the Go issuer behaved",
	                 ki->secret_namespace, ki->namespace);
}

/* The work queue hands out an issuer: check it. */
void
issuers_check(struct workq *q, const char *key, void *arg)
{
	struct issuers *ctl = arg;
	struct issuer *iss = smap_get(ctl->issuers, key);
	char *msg, *values[3] = {NULL, NULL, NULL};
	const char *ns, *keys[3];

	if (iss == NULL) {
		workq_done(q, key, WORKQ_DONE, 0);
		return;
	}
	iss->active = 1;
	loop_hold();
	if (iss->renewing_dirty && iss->verdict != ISSUER_UNKNOWN &&
	    iss->checked_generation == iss->obj->generation &&
	    clock_mono_ms() < iss->next_check_ms) {
		/* Only the Renewing condition changed: write it, check when due. */
		struct kube_ready ready = {iss->verdict == ISSUER_READY, iss->reason, iss->message,
		                           iss->checked_generation};

		issuers_write_status(iss, &ready, WORKQ_AFTER,
		                     iss->next_check_ms - clock_mono_ms());
		return;
	}
	if (iss->obj->invalid != NULL) {
		issuers_verdict(iss, ISSUER_NOT_READY, "Validation", iss->obj->invalid);
		return;
	}
	if ((msg = issuers_validate(iss->obj)) != NULL) {
		issuers_verdict(iss, ISSUER_NOT_READY, "Validation", msg);
		free(msg);
		return;
	}
	if (iss->obj->secret_name == NULL || *iss->obj->secret_name == '\0') {
		if (!issuers_ambient_allowed(iss)) {
			msg = issuers_ambient_refusal(iss);
			issuers_verdict(iss, ISSUER_NOT_READY, "AmbientCredentialsDisabled", msg);
			free(msg);
			return;
		}
		issuers_describe(iss, values);
		return;
	}
	if ((msg = issuers_secret_namespace(iss, &ns)) != NULL) {
		issuers_verdict(iss, ISSUER_NOT_READY, "SecretNamespaceForbidden", msg);
		free(msg);
		return;
	}
	keys[0] = iss->obj->access_key_id_key;
	keys[1] = iss->obj->secret_access_key_key;
	keys[2] = iss->obj->session_token_key;
	iss->sread = ctl->io.secret_read(ctl->io.ctx, ns, iss->obj->secret_name, keys, 3,
	                                 issuers_on_secret, iss);
}
