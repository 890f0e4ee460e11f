/*
 * The CertificateSigningRequest decoder (kube/types_csr.c): the shape a
 * 1.20 API server returns, both signer forms, other signers, the requester
 * fields kept for the access review, duration and isCA from annotations,
 * the conditions mapped onto approved / denied / ready, and malformed
 * values refused with the field named. Also the CSR status write bodies.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/jtok.h"
#include "core/xmalloc.h"
#include "kube/access.h"
#include "kube/types.h"
#include "kube/write.h"
#include "testutil.h"

/* base64 of a small PEM CSR is enough here: the decoder does not parse it. */
#define REQ                                                                                        \
	"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlJQgotLS0tLUVORCBDRVJUSUZJQ0FURSBSRVFV" \
	"RVNULS0tLS0K"

/* A CertificateSigningRequest: metadata extra, spec extra, status (each JSON members or ""). */
static char *
csr_json(const char *meta, const char *spec, const char *status)
{
	return xasprintf(
	    "{\"apiVersion\":\"certificates.k8s.io/v1\",\"kind\":\"CertificateSigningRequest\","
	    "\"metadata\":{\"name\":\"node-csr-1\",\"uid\":\"0f1e2d3c-aaaa-bbbb-cccc-"
	    "000000000001\","
	    "\"resourceVersion\":\"771\",\"creationTimestamp\":\"2026-12-01T10:00:00Z\"%s%s},"
	    "\"spec\":{\"request\":\"" REQ "\"%s%s},\"status\":{%s}}",
	    *meta ? "," : "", meta, *spec ? "," : "", spec, status);
}

static struct kube_cr *
decode_ok(const char *js)
{
	struct kube_cr *cr = NULL;
	char *cause = NULL;

	CHECK_INT(kube_csr_decode(js, strlen(js), &cr, &cause), 0);
	if (cause != NULL)
		fprintf(stderr, "  cause: %s\n", cause);
	free(cause);
	return cr;
}

static void
test_cluster_signer(void)
{
	char *js =
	    csr_json("\"annotations\":{\"aws-privateca-issuer/certificate-arn\":\"arn:x\","
	             "\"experimental.cert-manager.io/request-duration\":\"48h\"}",
	             "\"signerName\":\"awspcaclusterissuers.awspca.cert-manager.io/shared.ca\","
	             "\"usages\":[\"digital signature\",\"server auth\"],\"username\":\"alice\","
	             "\"uid\":\"u-1\",\"groups\":[\"dev\",\"system:authenticated\"],"
	             "\"extra\":{\"scopes.example\":[\"a\",\"b\"]}",
	             "\"conditions\":[{\"type\":\"Approved\",\"status\":\"True\",\"reason\":\"Ok\","
	             "\"message\":\"fine\",\"lastUpdateTime\":\"2026-12-01T10:00:01Z\","
	             "\"lastTransitionTime\":\"2026-12-01T10:00:01Z\"}]");
	struct kube_cr *cr = decode_ok(js);

	if (cr != NULL) {
		CHECK_INT(cr->api, KUBE_CR_KUBERNETES);
		CHECK_STR(cr->namespace, "");
		CHECK_STR(cr->name, "node-csr-1");
		CHECK_STR(cr->issuer_group, KUBE_AWSPCA_GROUP);
		CHECK_STR(cr->issuer_kind, "AWSPCAClusterIssuer");
		CHECK_STR(cr->issuer_name, "shared.ca"); /* dots belong to the name */
		CHECK(cr->issuer_namespace == NULL);
		CHECK_INT(cr->duration_s, 48 * 3600);
		CHECK_INT(cr->is_ca, 0);
		CHECK_STR(cr->usages[1], "server auth");
		CHECK_STR(cr->username, "alice");
		CHECK_STR(cr->requester_uid, "u-1");
		CHECK_STR(cr->groups[0], "dev");
		CHECK(cr->groups[2] == NULL);
		CHECK_STR(cr->extra_json, "{\"scopes.example\":[\"a\",\"b\"]}");
		CHECK_STR(cr->certificate_arn, "arn:x");
		CHECK_INT(cr->approved.status, KUBE_COND_TRUE);
		CHECK_INT(cr->ready.status, KUBE_COND_ABSENT);
		CHECK(cr->invalid == NULL);
		CHECK(cr->csr_len > 0);
		kube_cr_free(cr);
	}
	free(js);
}

static void
test_namespaced_signer_and_expiration(void)
{
	char *js =
	    csr_json("\"annotations\":{\"experimental.cert-manager.io/request-is-ca\":\"true\","
	             "\"experimental.cert-manager.io/request-duration\":\"48h\"}",
	             "\"signerName\":\"awspcaissuers.awspca.cert-manager.io/team.my.ca\","
	             "\"expirationSeconds\":3600",
	             "");
	struct kube_cr *cr = decode_ok(js);

	if (cr != NULL) {
		CHECK_STR(cr->issuer_kind, "AWSPCAIssuer");
		CHECK_STR(cr->issuer_namespace, "team");
		CHECK_STR(cr->issuer_name, "my.ca");
		CHECK_INT(cr->duration_s, 3600); /* expirationSeconds wins over the annotation */
		CHECK_INT(cr->is_ca, 1);
		CHECK(cr->usages != NULL && cr->usages[0] == NULL);
		CHECK(cr->groups != NULL && cr->groups[0] == NULL);
		CHECK(cr->extra_json == NULL);
		kube_cr_free(cr);
	}
	free(js);
}

static void
test_other_signers_are_not_ours(void)
{
	static const char *const signers[] = {
	    "kubernetes.io/kube-apiserver-client", "awspcaissuers.awspca.cert-manager.io",
	    "cert-manager.io/awspcaclusterissuers.awspca.cert-manager.io/x",
	    "awspcaclusterissuers.awspca.cert-manager.iox/a"};
	size_t i;

	for (i = 0; i < sizeof signers / sizeof signers[0]; i++) {
		char *spec = xasprintf("\"signerName\":\"%s\",\"usages\":7", signers[i]);
		char *js = csr_json("", spec, "");
		struct kube_cr *cr = decode_ok(js);

		/* Not ours: decoded as far as telling so, nothing refused (usages is not read). */
		if (cr != NULL) {
			CHECK(cr->issuer_group == NULL);
			CHECK(cr->invalid == NULL);
			kube_cr_free(cr);
		}
		free(spec);
		free(js);
	}
}

static void
test_conditions_and_certificate(void)
{
	const char *signer = "\"signerName\":\"awspcaclusterissuers.awspca.cert-manager.io/a\"";
	char *js;
	struct kube_cr *cr;

	js = csr_json("", signer,
	              "\"conditions\":[{\"type\":\"Approved\",\"status\":\"True\"}],"
	              "\"certificate\":\"LS0tLQ==\"");
	if ((cr = decode_ok(js)) != NULL) {
		CHECK_INT(cr->has_certificate, 1);
		CHECK_INT(cr->ready.status, KUBE_COND_TRUE);
		CHECK_STR(cr->ready.reason, "Issued");
		kube_cr_free(cr);
	}
	free(js);
	js = csr_json(
	    "", signer,
	    "\"conditions\":[{\"type\":\"Approved\",\"status\":\"True\"},{\"type\":"
	    "\"Failed\",\"status\":\"True\",\"reason\":\"SigningError\",\"message\":\"no\"}]");
	if ((cr = decode_ok(js)) != NULL) {
		CHECK_INT(cr->ready.status, KUBE_COND_FALSE);
		CHECK_STR(cr->ready.reason, "Failed");
		CHECK_STR(cr->ready.message, "no");
		kube_cr_free(cr);
	}
	free(js);
	js = csr_json("", signer, "\"conditions\":[{\"type\":\"Denied\",\"status\":\"True\"}]");
	if ((cr = decode_ok(js)) != NULL) {
		CHECK_INT(cr->denied.status, KUBE_COND_TRUE);
		CHECK_INT(cr->approved.status, KUBE_COND_ABSENT);
		kube_cr_free(cr);
	}
	free(js);
}

static void
test_malformed(void)
{
	static const struct {
		const char *meta, *spec, *cause;
	} cases[] = {
	    {"", "\"signerName\":\"awspcaissuers.awspca.cert-manager.io/nodot\"",
	     "spec.signerName names no issuer"},
	    {"", "\"signerName\":\"awspcaissuers.awspca.cert-manager.io/.x\"",
	     "spec.signerName names no issuer"},
	    {"", "\"signerName\":\"awspcaclusterissuers.awspca.cert-manager.io/\"",
	     "spec.signerName names no issuer"},
	    {"\"annotations\":{\"experimental.cert-manager.io/request-duration\":\"2 days\"}",
	     "\"signerName\":\"awspcaclusterissuers.awspca.cert-manager.io/a\"",
	     "request-duration \"2 days\" is not a duration"},
	    {"\"annotations\":{\"experimental.cert-manager.io/request-duration\":\"-1h\"}",
	     "\"signerName\":\"awspcaclusterissuers.awspca.cert-manager.io/a\"", "is not positive"},
	    {"",
	     "\"signerName\":\"awspcaclusterissuers.awspca.cert-manager.io/"
	     "a\",\"expirationSeconds\":\"1\"",
	     "spec.expirationSeconds must be an integer"},
	    {"", "\"signerName\":\"awspcaclusterissuers.awspca.cert-manager.io/a\",\"groups\":[1]",
	     "spec.groups[0] must be a string"},
	    {"",
	     "\"signerName\":\"awspcaclusterissuers.awspca.cert-manager.io/"
	     "a\",\"extra\":{\"k\":\"v\"}",
	     "spec.extra values must be arrays"},
	    {"",
	     "\"signerName\":\"awspcaclusterissuers.awspca.cert-manager.io/"
	     "a\",\"extra\":{\"k\":[{}]}",
	     "spec.extra values must hold strings"},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *js = csr_json(cases[i].meta, cases[i].spec, "");
		struct kube_cr *cr = decode_ok(js);

		if (cr != NULL) {
			CHECK_STR(cr->issuer_group, KUBE_AWSPCA_GROUP);
			CHECK_CONTAINS(cr->invalid, cases[i].cause);
			kube_cr_free(cr);
		}
		free(js);
	}
	/* Unidentifiable: refused, naming the kind. */
	{
		const char *js = "{\"metadata\":{},\"spec\":{}}";
		struct kube_cr *cr = (struct kube_cr *)1;
		char *cause = NULL;

		CHECK_INT(kube_csr_decode(js, strlen(js), &cr, &cause), -1);
		CHECK(cr == NULL);
		CHECK_CONTAINS(cause,
		               "CertificateSigningRequest (unnamed): metadata.name is missing");
		free(cause);
	}
}

/* The status bodies: the certificate alone, or the Failed condition; never Approved. */
static void
test_status_bodies(void)
{
	char *js =
	    csr_json("", "\"signerName\":\"awspcaclusterissuers.awspca.cert-manager.io/a\"", "");
	struct kube_cr *cr = decode_ok(js);
	struct kube_ready ok = {1, "Issued", "Certificate issued", 0};
	struct kube_ready failed = {0, "Failed", "IssueCertificate: AccessDenied: no", 0};
	struct kube_cr_result res = {"-----BEGIN CERTIFICATE-----\n", "CA", 0};
	struct buf b = BUF_INIT;
	struct jtok *d = NULL;

	if (cr == NULL)
		goto out;
	kube_write_cr_status_body(&b, cr, &ok, &res, 1764583200000LL);
	CHECK_INT(jtok_parse(b.p, b.len, &d, NULL), 0);
	CHECK(jtok_streq(d, jtok_path(d, JTOK_ROOT, "kind"), "CertificateSigningRequest"));
	CHECK(jtok_streq(d, jtok_path(d, JTOK_ROOT, "metadata.uid"),
	                 "0f1e2d3c-aaaa-bbbb-cccc-000000000001"));
	CHECK(jtok_streq(d, jtok_path(d, JTOK_ROOT, "metadata.resourceVersion"), "771"));
	CHECK(jtok_path(d, JTOK_ROOT, "metadata.namespace") == -1);
	CHECK(jtok_streq(d, jtok_path(d, JTOK_ROOT, "status.certificate"),
	                 "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="));
	CHECK(jtok_path(d, JTOK_ROOT, "status.conditions") == -1);
	CHECK(jtok_path(d, JTOK_ROOT, "status.ca") == -1);
	jtok_free(d);
	d = NULL;
	buf_reset(&b);
	kube_write_cr_status_body(&b, cr, &failed, NULL, 1764583200000LL);
	CHECK_INT(jtok_parse(b.p, b.len, &d, NULL), 0);
	CHECK(jtok_streq(d, jtok_path(d, JTOK_ROOT, "status.conditions[0].type"), "Failed"));
	CHECK(jtok_streq(d, jtok_path(d, JTOK_ROOT, "status.conditions[0].status"), "True"));
	CHECK(jtok_streq(d, jtok_path(d, JTOK_ROOT, "status.conditions[0].message"),
	                 "IssueCertificate: AccessDenied: no"));
	CHECK(jtok_streq(d, jtok_path(d, JTOK_ROOT, "status.conditions[0].lastTransitionTime"),
	                 "2025-12-01T10:00:00Z"));
	CHECK(jtok_path(d, JTOK_ROOT, "status.conditions[1]") == -1);
	CHECK(jtok_path(d, JTOK_ROOT, "status.certificate") == -1);
out:
	jtok_free(d);
	buf_clear(&b);
	kube_cr_free(cr);
	free(js);
}

/* The SubjectAccessReview body carries the requester as the CSR names it. */
static void
test_access_review_body(void)
{
	const char *const groups[] = {"dev", "system:authenticated", NULL};
	struct kube_access_request rq = {"alice",           "u-1",       groups,
	                                 "{\"k\":[\"v\"]}", "reference", KUBE_AWSPCA_GROUP,
	                                 "signers",         "team",      "my-ca"};
	struct buf b = BUF_INIT;
	struct jtok *d = NULL;
	int allowed = -1;
	char *reason = NULL;
	const char *answer = "{\"kind\":\"SubjectAccessReview\",\"status\":{\"allowed\":true,"
	                     "\"reason\":\"RBAC: allowed by RoleBinding\"}}";

	kube_access_review_body(&b, &rq);
	CHECK_INT(jtok_parse(b.p, b.len, &d, NULL), 0);
	CHECK(jtok_streq(d, jtok_path(d, JTOK_ROOT, "spec.user"), "alice"));
	CHECK(jtok_streq(d, jtok_path(d, JTOK_ROOT, "spec.uid"), "u-1"));
	CHECK(jtok_streq(d, jtok_path(d, JTOK_ROOT, "spec.groups[1]"), "system:authenticated"));
	CHECK(jtok_streq(d, jtok_path(d, JTOK_ROOT, "spec.extra.k[0]"), "v"));
	CHECK(jtok_streq(d, jtok_path(d, JTOK_ROOT, "spec.resourceAttributes.verb"), "reference"));
	CHECK(jtok_streq(d, jtok_path(d, JTOK_ROOT, "spec.resourceAttributes.group"),
	                 KUBE_AWSPCA_GROUP));
	CHECK(
	    jtok_streq(d, jtok_path(d, JTOK_ROOT, "spec.resourceAttributes.resource"), "signers"));
	CHECK(jtok_streq(d, jtok_path(d, JTOK_ROOT, "spec.resourceAttributes.namespace"), "team"));
	CHECK(jtok_streq(d, jtok_path(d, JTOK_ROOT, "spec.resourceAttributes.name"), "my-ca"));
	jtok_free(d);
	CHECK_INT(kube_access_review_answer(answer, strlen(answer), &allowed, &reason), 0);
	CHECK_INT(allowed, 1);
	CHECK_STR(reason, "RBAC: allowed by RoleBinding");
	free(reason);
	/* allowed is left out when false. */
	answer = "{\"status\":{}}";
	CHECK_INT(kube_access_review_answer(answer, strlen(answer), &allowed, &reason), 0);
	CHECK_INT(allowed, 0);
	CHECK(reason == NULL);
	answer = "{\"status\":{\"allowed\":\"yes\"}}";
	CHECK_INT(kube_access_review_answer(answer, strlen(answer), &allowed, &reason), -1);
	answer = "not json";
	CHECK_INT(kube_access_review_answer(answer, strlen(answer), &allowed, &reason), -1);
	buf_clear(&b);
}

int
main(void)
{
	TEST(test_cluster_signer);
	TEST(test_namespaced_signer_and_expiration);
	TEST(test_other_signers_are_not_ours);
	TEST(test_conditions_and_certificate);
	TEST(test_malformed);
	TEST(test_status_bodies);
	TEST(test_access_review_body);
	return test_done();
}
