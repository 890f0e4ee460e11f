/*
 * The issuer controller driven in-process through the struct ctl_io
 * stand-in of fakeio.h: the verdicts and the reasons a user sees (Verified,
 * SecretNotFound, AmbientCredentialsDisabled, SecretNamespaceForbidden,
 * AuthFailed, CANotActive), an outage that keeps a verified issuer signing,
 * a status write refused because the object changed, an issuer deleted
 * while its check is in flight, the Go issuer's fallback from a missing
 * AWSPCAIssuer to the AWSPCAClusterIssuer of that name, and
 * --renew-on-ca-change recording the CA and noticing its change.
 */
#include <string.h>

#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "aws/creds.h"
#include "core/clock.h"
#include "core/loop.h"
#include "handlers/issuers.h"
#include "handlers/issuers_impl.h"
#include "fakeio.h"
#include "testutil.h"

#define CA_ARN "arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/0000-1111"
#define NS     "team-a"

static uint64_t mono_ms = 1000000;
static int64_t wall_ms = INT64_C(1767225600000);

static struct aws_creds_env env;
static struct issuers *issuers;
static int changes;
static char last_change[256];

static void
on_change(const char *key, void *arg)
{
	(void)arg;
	changes++;
	snprintf(last_change, sizeof last_change, "%s", key);
}

static int renew_on_ca_change;

static void
setup(int allow_secret_namespace)
{
	struct issuers_opts o;

	fk_reset();
	memset(&o, 0, sizeof o);
	o.io = &fk_io;
	o.env = &env;
	o.recheck_ms = 300000;
	o.cluster_issuer_ambient_credentials = 1;
	o.allow_secret_namespace = allow_secret_namespace;
	o.renew_on_ca_change = renew_on_ca_change;
	o.on_change = on_change;
	issuers = issuers_create(&o);
	issuers_set_leader(issuers, 1);
	changes = 0;
}

static void
teardown(void)
{
	issuers_free(issuers);
	issuers = NULL;
	fk_reset();
}

static void
settle(void)
{
	int i;

	for (i = 0; i < 4; i++) {
		issuers_poll(issuers);
		event_base_loop(loop_base(), EVLOOP_NONBLOCK);
	}
}

static void
advance(uint64_t ms)
{
	mono_ms += ms;
	wall_ms += (int64_t)ms;
	settle();
}

static void
feed(const char *type, const char *ns, const char *name, const char *uid, long generation,
     const char *secret_ns, const char *secret)
{
	char *json = fk_issuer_json(ns, name, uid, ++fk_rv, CA_ARN, secret_ns, secret, generation);

	fk_feed_json(issuers_reflector(issuers, ns == NULL), type, json);
	free(json);
	settle();
}

static struct issuer_view
view(const char *key)
{
	struct issuer_view v;

	issuers_get(issuers, key, &v);
	return v;
}

static void
answer_describe(enum aws_err_class err, const char *code, const char *status)
{
	struct fk_call *c = fk_expect(FK_DESCRIBE);
	struct aws_pca_result r = fk_pca_result(err, code);

	r.ca_status = status;
	r.ca_signing_algorithm = "SHA256WITHRSA";
	if (c != NULL)
		fk_answer_pca(c, &r);
}

/* The status written last, answered OK; its reason. */
static const char *
written_reason(void)
{
	static char reason[512];
	struct fk_call *c = fk_expect(FK_ISSUER_STATUS);

	if (c == NULL)
		return "";
	snprintf(reason, sizeof reason, "%.*s", (int)sizeof reason - 1, c->value);
	fk_answer_write(c, KUBE_WRITE_OK, NULL, 0);
	settle();
	return reason;
}

static void
test_verified(void)
{
	struct fk_call *c;
	struct issuer_view v;

	setup(0);
	feed("ADDED", NS, "pca", "u-1", 1, NULL, "creds");
	CHECK_INT(view("AWSPCAIssuer/" NS "/pca").verdict, ISSUER_UNKNOWN);
	if ((c = fk_expect(FK_SECRET)) == NULL)
		goto out;
	CHECK_STR(c->key, NS "/creds");
	fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	answer_describe(AWS_OK, "", "ACTIVE");
	CHECK_STR(written_reason(), "Verified");
	v = view("AWSPCAIssuer/" NS "/pca");
	CHECK_INT(v.verdict, ISSUER_READY);
	CHECK_STR(v.signing_algorithm, "SHA256WITHRSA");
	CHECK(v.conn != NULL);
	CHECK(changes >= 1);
	/* A request naming an AWSPCAIssuer that is missing gets the cluster issuer, as in Go. */
	CHECK_INT(view("AWSPCAIssuer/other-ns/pca").verdict, ISSUER_MISSING);
	feed("ADDED", NULL, "pca", "u-2", 1, NS, "creds");
	if ((c = fk_expect(FK_SECRET)) != NULL)
		fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	answer_describe(AWS_OK, "", "ACTIVE");
	CHECK_STR(written_reason(), "Verified");
	v = view("AWSPCAIssuer/other-ns/pca");
	CHECK_INT(v.verdict, ISSUER_READY);
	CHECK_STR(v.kind, "AWSPCAClusterIssuer");
	/* Its own namespace's issuer wins where there is one. */
	CHECK_STR(view("AWSPCAIssuer/" NS "/pca").kind, "AWSPCAIssuer");
out:
	teardown();
}

static void
test_not_ready_reasons(void)
{
	struct fk_call *c;

	setup(0);
	/* A missing Secret. */
	feed("ADDED", NS, "nosecret", "u-1", 1, NULL, "absent");
	if ((c = fk_expect(FK_SECRET)) != NULL)
		fk_answer_secret(c, KUBE_SECRET_NOT_FOUND, NULL, NULL);
	CHECK_STR(written_reason(), "SecretNotFound");
	CHECK_INT(view("AWSPCAIssuer/" NS "/nosecret").verdict, ISSUER_NOT_READY);
	/* No secretRef on a namespaced issuer: not the controller's own credentials. */
	feed("ADDED", NS, "ambient", "u-2", 1, NULL, NULL);
	CHECK_STR(written_reason(), "AmbientCredentialsDisabled");
	CHECK_CONTAINS(view("AWSPCAIssuer/" NS "/ambient").message,
	               "--issuer-ambient-credentials=true");
	/* Another namespace's Secret. */
	feed("ADDED", NS, "elsewhere", "u-3", 1, "kube-system", "creds");
	CHECK_STR(written_reason(), "SecretNamespaceForbidden");
	CHECK_CONTAINS(view("AWSPCAIssuer/" NS "/elsewhere").message,
	               "--allow-issuer-secret-namespace=true");
	CHECK(fk_pending(FK_SECRET) == NULL);
	/* Credentials AWS refuses, and a CA that is not ACTIVE. */
	feed("ADDED", NS, "badkeys", "u-4", 1, NULL, "creds");
	if ((c = fk_expect(FK_SECRET)) != NULL)
		fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "wrongwrongwrongwrong");
	answer_describe(AWS_ERR_AUTH, "InvalidSignatureException", NULL);
	CHECK_STR(written_reason(), "AuthFailed");
	feed("ADDED", NS, "disabled", "u-5", 1, NULL, "creds");
	if ((c = fk_expect(FK_SECRET)) != NULL)
		fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	answer_describe(AWS_OK, "", "DISABLED");
	CHECK_STR(written_reason(), "CANotActive");
	teardown();
}

/* With --allow-issuer-secret-namespace, the Go issuer's reading of secretRef.namespace. */
static void
test_secret_namespace_allowed(void)
{
	struct fk_call *c;

	setup(1);
	feed("ADDED", NS, "elsewhere", "u-1", 1, "shared", "creds");
	if ((c = fk_expect(FK_SECRET)) != NULL)
		CHECK_STR(c->key, "shared/creds");
	teardown();
}

/* An AWS outage does not take a verified issuer's verdict away. */
static void
test_outage_keeps_ready(void)
{
	struct fk_call *c;

	setup(0);
	feed("ADDED", NS, "pca", "u-1", 1, NULL, "creds");
	if ((c = fk_expect(FK_SECRET)) != NULL)
		fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	answer_describe(AWS_OK, "", "ACTIVE");
	CHECK_STR(written_reason(), "Verified");
	advance(300000 + 1000);
	if ((c = fk_expect(FK_SECRET)) != NULL)
		fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	answer_describe(AWS_ERR_TRANSIENT, "ServiceUnavailable", NULL);
	settle();
	CHECK_INT(view("AWSPCAIssuer/" NS "/pca").verdict, ISSUER_READY);
	CHECK(fk_pending(FK_ISSUER_STATUS) == NULL);
	teardown();
}

/* A status write refused because the object changed: checked again from the fresh one. */
static void
test_changed_during_status_write(void)
{
	struct fk_call *c;
	char *fresh;

	setup(0);
	feed("ADDED", NS, "pca", "u-1", 1, NULL, "creds");
	if ((c = fk_expect(FK_SECRET)) != NULL)
		fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	answer_describe(AWS_OK, "", "ACTIVE");
	if ((c = fk_expect(FK_ISSUER_STATUS)) == NULL)
		goto out;
	/* Someone changed the spec meanwhile: generation 2. */
	fresh = fk_issuer_json(NS, "pca", "u-1", ++fk_rv, CA_ARN, NULL, "other-creds", 2);
	fk_answer_write(c, KUBE_WRITE_CHANGED, fresh, 0);
	free(fresh);
	settle();
	if ((c = fk_expect(FK_SECRET)) != NULL)
		CHECK_STR(c->key, NS "/other-creds");
out:
	teardown();
}

/* Deleted while its Private CA is being asked: the call is cancelled, requests are told. */
static void
test_deleted_mid_check(void)
{
	struct fk_call *c;
	int before;

	setup(0);
	feed("ADDED", NS, "pca", "u-1", 1, NULL, "creds");
	if ((c = fk_expect(FK_SECRET)) != NULL)
		fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	CHECK(fk_pending(FK_DESCRIBE) != NULL);
	before = changes;
	feed("DELETED", NS, "pca", "u-1", 1, NULL, "creds");
	CHECK_INT(fk_ncancelled(FK_DESCRIBE), 1);
	CHECK(changes > before);
	CHECK_STR(last_change, "AWSPCAIssuer/" NS "/pca");
	CHECK_INT(view("AWSPCAIssuer/" NS "/pca").verdict, ISSUER_MISSING);
	CHECK_INT(fk_npending(), 0);
	teardown();
}

/* A self-signed CA certificate, PEM, made here. */
static char *
ca_pem(const char *cn)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	BIO *bio = BIO_new(BIO_s_mem());
	char *p, *out;
	long len;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_sign(x, key, EVP_sha256());
	PEM_write_bio_X509(bio, x);
	len = BIO_get_mem_data(bio, &p);
	out = strndup(p, (size_t)len);
	BIO_free(bio);
	X509_NAME_free(n);
	X509_free(x);
	EVP_PKEY_free(key);
	return out;
}

/* The issuer object as the API server answers an annotate: the annotations set. */
static char *
annotated_json(const char *ns, const char *name, const char *uid, const char *fp,
               const char *renew_before)
{
	char *json = fk_issuer_json(ns, name, uid, ++fk_rv, CA_ARN, NULL, "creds", 1);
	const char *at = strstr(json, "\"metadata\":{") + 12;
	char *out;

	out = xasprintf(
	    "%.*s\"annotations\":{\"" KUBE_CA_FINGERPRINT_ANNOTATION "\":\"%s\"%s%s%s},%s",
	    (int)(at - json), json, fp,
	    renew_before != NULL ? ",\"" KUBE_RENEW_BEFORE_ANNOTATION "\":\"" : "",
	    renew_before != NULL ? renew_before : "", renew_before != NULL ? "\"" : "", at);
	free(json);
	return out;
}

/* One check's DescribeCertificateAuthority and GetCertificateAuthorityCertificate. */
static void
answer_check(const char *pem)
{
	struct fk_call *c;
	struct aws_pca_result r;

	answer_describe(AWS_OK, "", "ACTIVE");
	if ((c = fk_expect(FK_GET_CA)) == NULL)
		return;
	CHECK_STR(c->value, CA_ARN);
	r = fk_pca_result(AWS_OK, "");
	r.certificate = pem;
	fk_answer_pca(c, &r);
}

static void
test_ca_change(void)
{
	char *first = ca_pem("CA one"), *second = ca_pem("CA two"), fp1[65], fp2[65], want[512];
	char *json;
	struct fk_call *c;

	renew_on_ca_change = 1;
	setup(0);
	CHECK_INT(issuers_ca_fingerprint(CA_ARN, first, fp1), 0);
	CHECK_INT(issuers_ca_fingerprint(CA_ARN, second, fp2), 0);
	CHECK(strcmp(fp1, fp2) != 0);
	CHECK_INT(issuers_ca_fingerprint(CA_ARN, "not a certificate", fp2), -1);
	CHECK_INT(issuers_ca_fingerprint(CA_ARN, second, fp2), 0);
	/* Another ARN, the same certificate: another fingerprint. */
	CHECK_INT(issuers_ca_fingerprint(CA_ARN "-2", first, want), 0);
	CHECK(strcmp(fp1, want) != 0);

	/* The first CA seen is recorded, nothing renewed. */
	feed("ADDED", NS, "pca", "u-1", 1, NULL, "creds");
	if ((c = fk_expect(FK_SECRET)) == NULL)
		goto out;
	fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	answer_check(first);
	if ((c = fk_expect(FK_ISSUER_ANNOTATE)) == NULL)
		goto out;
	snprintf(want, sizeof want, KUBE_CA_FINGERPRINT_ANNOTATION "=%s;", fp1);
	CHECK_STR(c->value, want);
	CHECK_STR(c->uid, "u-1");
	json = annotated_json(NS, "pca", "u-1", fp1, NULL);
	fk_answer_write(c, KUBE_WRITE_OK, json, 0);
	free(json);
	settle();
	CHECK_STR(written_reason(), "Verified");

	/* The same CA at the next check: nothing written. */
	advance(300000);
	if ((c = fk_expect(FK_SECRET)) == NULL)
		goto out;
	fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	answer_check(first);
	CHECK(fk_pending(FK_ISSUER_ANNOTATE) == NULL);
	/* (The stand-in's answer to the annotate had no status: it is written again.) */
	if ((c = fk_pending(FK_ISSUER_STATUS)) != NULL)
		fk_answer_write(c, KUBE_WRITE_OK, NULL, 0);
	settle();

	/* Renewed in place: recorded, and everything issued before now is renewed. */
	advance(300000);
	if ((c = fk_expect(FK_SECRET)) == NULL)
		goto out;
	fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	answer_check(second);
	if ((c = fk_expect(FK_ISSUER_ANNOTATE)) == NULL)
		goto out;
	snprintf(want, sizeof want,
	         KUBE_CA_FINGERPRINT_ANNOTATION "=%s;" KUBE_RENEW_BEFORE_ANNOTATION
	                                        "=2026-01-01T00:15:01Z;",
	         fp2);
	CHECK_STR(c->value, want);
	/* Refused by the role: the feature turns itself off, the issuer stays Ready. */
	fk_answer_write(c, KUBE_WRITE_FORBIDDEN, NULL, 0);
	settle();
	CHECK_INT(view("AWSPCAIssuer/" NS "/pca").verdict, ISSUER_READY);
	if ((c = fk_pending(FK_ISSUER_STATUS)) != NULL)
		fk_answer_write(c, KUBE_WRITE_OK, NULL, 0);
	advance(300000);
	if ((c = fk_expect(FK_SECRET)) == NULL)
		goto out;
	fk_answer_secret(c, KUBE_SECRET_OK, "AKIDEXAMPLE", "secretsecretsecret");
	answer_describe(AWS_OK, "", "ACTIVE");
	CHECK(fk_pending(FK_GET_CA) == NULL);
out:
	teardown();
	renew_on_ca_change = 0;
	free(first);
	free(second);
}

int
main(void)
{
	loop_init();
	clock_set_fake(&mono_ms, &wall_ms);
	memset(&env, 0, sizeof env);
	env.getenv = fk_no_env;
	TEST(test_verified);
	TEST(test_not_ready_reasons);
	TEST(test_secret_namespace_allowed);
	TEST(test_outage_keeps_ready);
	TEST(test_changed_during_status_write);
	TEST(test_deleted_mid_check);
	TEST(test_ca_change);
	clock_set_fake(NULL, NULL);
	loop_free();
	return test_done();
}
