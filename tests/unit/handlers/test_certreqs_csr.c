/*
 * The request controller serving Kubernetes CertificateSigningRequests,
 * driven in-process through fakeio.h: a CSR for a cluster issuer signed
 * step by step (the CA annotation written before the certificate), the
 * access review before a namespaced issuer signs (for the issuer's name,
 * then "*"), a refused requester failing with nothing issued, and
 * unapproved or denied CSRs left alone.
 */
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED

#include <event2/event.h>

#include "aws/creds.h"
#include "core/clock.h"
#include "core/codec.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "handlers/certreqs.h"
#include "handlers/issuers.h"
#include "fakeio.h"
#include "testpki.h"
#include "testutil.h"

#define CA_ARN         "arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/0000-1111"
#define NS             "team-a"
#define CLUSTER_SIGNER "awspcaclusterissuers.awspca.cert-manager.io/shared"
#define NS_SIGNER      "awspcaissuers.awspca.cert-manager.io/" NS ".pca"

static uint64_t mono_ms = 1000000;
static int64_t wall_ms = INT64_C(1767225600000); /* 2026-01-01 */

static struct aws_creds_env env;
static struct issuers *issuers;
static struct certreqs *csrs;
static char *csr_pem, *leaf_pem, *chain_pem;

/* A CertificateSigningRequest as the API server holds it. */
struct kcsr {
	char name[64], uid[64], signer[128], user[32];
	long rv;
	int approved, denied, failed, has_cert;
	char arn[256], started[64], ca[4096];
};

static char *
kcsr_json(const struct kcsr *k)
{
	struct buf b = BUF_INIT, req = BUF_INIT;

	codec_base64_encode(&req, csr_pem, strlen(csr_pem));
	buf_printf(
	    &b,
	    "{\"apiVersion\":\"certificates.k8s.io/v1\",\"kind\":\"CertificateSigningRequest\","
	    "\"metadata\":{\"name\":\"%s\",\"uid\":\"%s\",\"resourceVersion\":\"%ld\","
	    "\"annotations\":{",
	    k->name, k->uid, k->rv);
	buf_printf(&b, "\"x\":\"y\"");
	if (*k->arn != '\0')
		buf_printf(&b, ",\"%s\":\"%s\"", KUBE_CERT_ARN_ANNOTATION, k->arn);
	if (*k->started != '\0')
		buf_printf(&b, ",\"%s\":\"%s\"", KUBE_ISSUE_STARTED_ANNOTATION, k->started);
	if (*k->ca != '\0')
		buf_printf(&b, ",\"%s\":\"%s\"", KUBE_CSR_CA_ANNOTATION, k->ca);
	buf_printf(&b,
	           "}},\"spec\":{\"request\":\"%s\",\"signerName\":\"%s\",\"usages\":"
	           "[\"digital signature\",\"server auth\"],\"username\":\"%s\",\"groups\":"
	           "[\"system:authenticated\"]},\"status\":{\"conditions\":[",
	           buf_str(&req), k->signer, k->user);
	if (k->approved || k->denied)
		buf_printf(&b,
		           "{\"type\":\"%s\",\"status\":\"True\",\"lastTransitionTime\":"
		           "\"2026-01-01T00:00:00Z\"}",
		           k->denied ? "Denied" : "Approved");
	if (k->failed)
		buf_printf(&b, ",{\"type\":\"Failed\",\"status\":\"True\",\"reason\":\"Failed\"}");
	buf_printf(&b, "]%s}}", k->has_cert ? ",\"certificate\":\"LS0tLQ==\"" : "");
	buf_clear(&req);
	return buf_steal(&b);
}

static void
kcsr_init(struct kcsr *k, const char *name, const char *signer, const char *user)
{
	memset(k, 0, sizeof *k);
	snprintf(k->name, sizeof k->name, "%s", name);
	snprintf(k->uid, sizeof k->uid, "9d0c%s-0000-4000-8000-000000000001", name);
	snprintf(k->signer, sizeof k->signer, "%s", signer);
	snprintf(k->user, sizeof k->user, "%s", user);
	k->rv = ++fk_rv;
	k->approved = 1;
}

static void
kcsr_feed(const struct kcsr *k, const char *type)
{
	char *json = kcsr_json(k);

	fk_feed_json(certreqs_reflector(csrs), type, json);
	free(json);
}

/* Applies a write to the model and answers it with the object stored. */
static void
kcsr_ok_write(struct fk_call *c, struct kcsr *k)
{
	const char *eq = strchr(c->value, '=');
	char *json;

	if (c->kind == FK_ANNOTATE && eq != NULL) {
		size_t n = (size_t)(eq - c->value);

		if (strncmp(c->value, KUBE_CERT_ARN_ANNOTATION, n) == 0)
			snprintf(k->arn, sizeof k->arn, "%s", eq + 1);
		else if (strncmp(c->value, KUBE_CSR_CA_ANNOTATION, n) == 0)
			snprintf(k->ca, sizeof k->ca, "%s", eq + 1);
		else
			snprintf(k->started, sizeof k->started, "%s", eq + 1);
	} else if (c->kind == FK_CR_STATUS) {
		k->has_cert = c->ok;
		k->failed = !c->ok;
	}
	k->rv = ++fk_rv;
	json = kcsr_json(k);
	fk_answer_write(c, KUBE_WRITE_OK, json, 0);
	free(json);
}

/* ---- the controllers ---- */

static void
on_issuer_change(const char *key, void *arg)
{
	(void)arg;
	certreqs_issuer_changed(csrs, key);
}

static void
settle(void)
{
	int i;

	for (i = 0; i < 4; i++) {
		issuers_poll(issuers);
		certreqs_poll(csrs);
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

/* The CSR controller, an AWSPCAClusterIssuer "shared" and an AWSPCAIssuer NS/pca, both Ready. */
static void
setup(void)
{
	struct issuers_opts io;
	struct certreqs_opts co;
	char *json;

	fk_reset();
	memset(&io, 0, sizeof io);
	io.io = &fk_io;
	io.env = &env;
	io.recheck_ms = 300000;
	io.on_change = on_issuer_change;
	issuers = issuers_create(&io);
	memset(&co, 0, sizeof co);
	co.api = KUBE_CR_KUBERNETES;
	co.io = &fk_io;
	co.issuers = issuers;
	co.max_retry_ms = 3600000;
	csrs = certreqs_create(&co);
	issuers_set_leader(issuers, 1);
	certreqs_set_leader(csrs, 1);
	json = fk_issuer_json(NULL, "shared", "i-c", ++fk_rv, CA_ARN, NS, "creds", 1);
	fk_feed_json(issuers_reflector(issuers, 1), "ADDED", json);
	free(json);
	settle();
	fk_issuer_becomes_ready(settle);
	json = fk_issuer_json(NS, "pca", "i-n", ++fk_rv, CA_ARN, NULL, "creds", 1);
	fk_feed_json(issuers_reflector(issuers, 0), "ADDED", json);
	free(json);
	settle();
	fk_issuer_becomes_ready(settle);
}

static void
teardown(void)
{
	certreqs_free(csrs);
	issuers_free(issuers);
	csrs = NULL;
	issuers = NULL;
	fk_reset();
}

static double
count(const char *kind, const char *issuer, const char *outcome)
{
	return metrics_value(metrics_counter("pca_issuer_certificaterequests_total",
	                                     "Requests finished, by issuer and outcome (issued, "
	                                     "failed, denied) and api (certificaterequests, "
	                                     "certificatesigningrequests).",
	                                     "issuer_kind,issuer,outcome,api"),
	                     kind, issuer, outcome, "certificatesigningrequests");
}

static int
calls_of(enum fk_kind kind)
{
	struct fk_call *c;
	int n = 0;

	for (c = fk_calls; c != NULL; c = c->next)
		n += c->kind == kind;
	return n;
}

/* A CSR of user for the namespaced issuer, fed; its access review is then pending. */
static struct fk_call *
to_review(struct kcsr *k, const char *name, const char *user)
{
	kcsr_init(k, name, NS_SIGNER, user);
	kcsr_feed(k, "ADDED");
	settle();
	return fk_expect(FK_ACCESS);
}

/* ---- the tests ---- */

static void
test_cluster_signer_step_by_step(void)
{
	struct kcsr k;
	struct fk_call *c;
	struct aws_pca_result r;
	double before = count("AWSPCAClusterIssuer", "shared", "issued");
	unsigned char *ca = NULL;
	size_t ca_len = 0;

	setup();
	kcsr_init(&k, "node-1", CLUSTER_SIGNER, "system:node:n1");
	kcsr_feed(&k, "ADDED");
	settle();
	/* No access review for a cluster issuer: straight to the issue-started mark. */
	if ((c = fk_expect(FK_ANNOTATE)) == NULL)
		goto out;
	CHECK_STR(c->key, "/node-1");
	CHECK_CONTAINS(c->value, KUBE_ISSUE_STARTED_ANNOTATION "=");
	kcsr_ok_write(c, &k);
	settle();
	if ((c = fk_expect(FK_ISSUE)) == NULL)
		goto out;
	CHECK_STR(c->value, "9d0cnode1000040008000000000000001");
	r = fk_pca_result(AWS_OK, "");
	r.certificate_arn = CA_ARN "/certificate/abc";
	fk_answer_pca(c, &r);
	if ((c = fk_expect(FK_ANNOTATE)) == NULL)
		goto out;
	CHECK_CONTAINS(c->value, KUBE_CERT_ARN_ANNOTATION "=" CA_ARN "/certificate/abc");
	kcsr_ok_write(c, &k);
	advance(600);
	if ((c = fk_expect(FK_GET)) == NULL)
		goto out;
	r = fk_pca_result(AWS_OK, "");
	r.certificate = leaf_pem;
	r.certificate_chain = chain_pem;
	fk_answer_pca(c, &r);
	/* The CA first, base64 of its PEM as cert-manager writes it ... */
	if ((c = fk_expect(FK_ANNOTATE)) == NULL)
		goto out;
	CHECK(strncmp(c->value, KUBE_CSR_CA_ANNOTATION "=", strlen(KUBE_CSR_CA_ANNOTATION) + 1) ==
	      0);
	CHECK_INT(codec_base64_decode(c->value + strlen(KUBE_CSR_CA_ANNOTATION) + 1,
	                              strlen(c->value) - strlen(KUBE_CSR_CA_ANNOTATION) - 1, &ca,
	                              &ca_len),
	          0);
	if (ca != NULL)
		CHECK_STR((char *)ca, chain_pem);
	free(ca);
	CHECK(fk_pending(FK_CR_STATUS) == NULL);
	kcsr_ok_write(c, &k);
	settle();
	/* ... then the certificate, in one status write. */
	if ((c = fk_expect(FK_CR_STATUS)) == NULL)
		goto out;
	CHECK(c->ok && c->has_certificate);
	kcsr_ok_write(c, &k);
	settle();
	CHECK(count("AWSPCAClusterIssuer", "shared", "issued") == before + 1);
	CHECK_INT(calls_of(FK_ACCESS), 0);
	CHECK_INT(fk_npending(), 0);
out:
	teardown();
}

static void
test_refused_requester_fails_unissued(void)
{
	struct kcsr k;
	struct fk_call *c;
	double before = count("AWSPCAIssuer", NS "/pca", "failed");

	setup();
	if ((c = to_review(&k, "intruder", "mallory")) == NULL)
		goto out;
	CHECK_STR(c->value, "reference awspca.cert-manager.io/signers " NS "/pca as mallory");
	fk_answer_access(c, KUBE_ACCESS_OK, 0);
	settle();
	/* Not for the name: asked again for "*". */
	if ((c = fk_expect(FK_ACCESS)) == NULL)
		goto out;
	CHECK_STR(c->value, "reference awspca.cert-manager.io/signers " NS "/* as mallory");
	fk_answer_access(c, KUBE_ACCESS_OK, 0);
	settle();
	if ((c = fk_expect(FK_CR_STATUS)) == NULL)
		goto out;
	CHECK(!c->ok);
	CHECK_STR(c->value, "Failed");
	kcsr_ok_write(c, &k);
	settle();
	CHECK_INT(calls_of(FK_ISSUE), 0);
	CHECK_INT(calls_of(FK_ANNOTATE), 0);
	CHECK(count("AWSPCAIssuer", NS "/pca", "failed") == before + 1);
out:
	teardown();
}

static void
test_allowed_requester_is_signed(void)
{
	struct kcsr k;
	struct fk_call *c;

	setup();
	if ((c = to_review(&k, "app", "alice")) == NULL)
		goto out;
	fk_answer_access(c, KUBE_ACCESS_OK, 1);
	settle();
	if ((c = fk_expect(FK_ANNOTATE)) == NULL)
		goto out;
	CHECK_CONTAINS(c->value, KUBE_ISSUE_STARTED_ANNOTATION "=");
	kcsr_ok_write(c, &k);
	settle();
	CHECK(fk_expect(FK_ISSUE) != NULL);
	CHECK_INT(calls_of(FK_ACCESS), 1);
out:
	teardown();
}

/* A review the role may not make is retried later, not a failure. */
static void
test_review_forbidden_is_retried(void)
{
	struct kcsr k;
	struct fk_call *c;

	setup();
	if ((c = to_review(&k, "app", "alice")) == NULL)
		goto out;
	fk_answer_access(c, KUBE_ACCESS_FORBIDDEN, 0);
	settle();
	CHECK_INT(fk_npending(), 0);
	CHECK_INT(calls_of(FK_CR_STATUS), 0);
	advance(2000);
	if ((c = fk_expect(FK_ACCESS)) == NULL)
		goto out;
	fk_answer_access(c, KUBE_ACCESS_OK, 1);
	settle();
	CHECK(fk_expect(FK_ANNOTATE) != NULL);
out:
	teardown();
}

static void
test_unapproved_and_denied_are_left_alone(void)
{
	struct kcsr waiting, denied;
	struct fk_call *c;

	setup();
	kcsr_init(&waiting, "waiting", CLUSTER_SIGNER, "bob");
	waiting.approved = 0;
	kcsr_init(&denied, "denied", CLUSTER_SIGNER, "bob");
	denied.approved = 0;
	denied.denied = 1;
	kcsr_feed(&waiting, "ADDED");
	kcsr_feed(&denied, "ADDED");
	settle();
	advance(60000);
	CHECK_INT(fk_npending(), 0);
	waiting.approved = 1;
	waiting.rv = ++fk_rv;
	kcsr_feed(&waiting, "MODIFIED");
	settle();
	if ((c = fk_expect(FK_ANNOTATE)) == NULL)
		goto out;
	CHECK_STR(c->key, "/waiting");
	CHECK_INT(fk_npending(), 1);
out:
	teardown();
}

int
main(void)
{
	loop_init();
	clock_set_fake(&mono_ms, &wall_ms);
	memset(&env, 0, sizeof env);
	env.getenv = fk_no_env;
	make_pki(&csr_pem, &leaf_pem, &chain_pem);
	TEST(test_cluster_signer_step_by_step);
	TEST(test_refused_requester_fails_unissued);
	TEST(test_allowed_requester_is_signed);
	TEST(test_review_forbidden_is_retried);
	TEST(test_unapproved_and_denied_are_left_alone);
	free(csr_pem);
	free(leaf_pem);
	free(chain_pem);
	clock_set_fake(NULL, NULL);
	loop_free();
	return test_done();
}
