/*
 * The object decoders of kube/types.c on what the API server really sends:
 * a CertificateRequest as a 1.20 API server returned it (managedFields of
 * three managers, a 4096-bit RSA CSR of 1.8 KB, Approved and Ready set by
 * different managers), minimal objects, and malformed ones, each refused
 * with a cause that names the object and the field. Also the issuer kinds,
 * Secrets, base64 and Go durations.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/jtok.h"
#include "core/xmalloc.h"
#include "kube/secret.h"
#include "kube/types.h"
#include "testutil.h"

/* GET /apis/cert-manager.io/v1/namespaces/sandbox/certificaterequests/www-example-com-x7k2p */
static const char cr_full_json[] =
    "{\"apiVersion\":\"cert-manager.io/v1\",\"kind\":\"CertificateRequest\",\"metadata\":"
    "{\"annotations\":{\"aws-privateca-issuer/certificate-arn\":\"arn:aws:acm-pca:us-east"
    "-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555/certifica"
    "te/0123456789abcdef0123456789abcdef\",\"cert-manager.io/certificate-name\":\"www-exa"
    "mple-com\",\"cert-manager.io/certificate-revision\":\"1\",\"cert-manager.io/private-"
    "key-secret-name\":\"www-example-com-abcde\"},\"creationTimestamp\":\"2026-11-28T02:5"
    "8:17Z\",\"generateName\":\"www-example-com-\",\"generation\":1,\"labels\":{\"app.kub"
    "ernetes.io/name\":\"web\"},\"managedFields\":[{\"apiVersion\":\"cert-manager.io/v1\""
    ",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:status\":{\"f:conditions\":{\"k:{\\\""
    "type\\\":\\\"Approved\\\"}\":{\".\":{},\"f:lastTransitionTime\":{},\"f:message\":{},"
    "\"f:reason\":{},\"f:status\":{},\"f:type\":{}}}}},\"manager\":\"cert-manager-certifi"
    "caterequests-approver\",\"operation\":\"Apply\",\"time\":\"2026-11-28T02:58:17Z\"},{"
    "\"apiVersion\":\"cert-manager.io/v1\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:"
    "status\":{\"f:conditions\":{\"k:{\\\"type\\\":\\\"Ready\\\"}\":{\".\":{},\"f:lastTra"
    "nsitionTime\":{},\"f:message\":{},\"f:reason\":{},\"f:status\":{},\"f:type\":{}}}}},"
    "\"manager\":\"pca-issuer\",\"operation\":\"Apply\",\"time\":\"2026-11-28T02:58:17Z\""
    "},{\"apiVersion\":\"cert-manager.io/v1\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\""
    "f:metadata\":{\"f:annotations\":{\".\":{},\"f:aws-privateca-issuer/certificate-arn\""
    ":{},\"f:cert-manager.io/certificate-name\":{},\"f:cert-manager.io/certificate-revisi"
    "on\":{},\"f:cert-manager.io/private-key-secret-name\":{}},\"f:generateName\":{},\"f:"
    "labels\":{\".\":{},\"f:app.kubernetes.io/name\":{}},\"f:ownerReferences\":{\".\":{},"
    "\"k:{\\\"uid\\\":\\\"2d4c9a1e-6f5b-4b7a-9c3d-8e1f0a2b3c4d\\\"}\":{\".\":{},\"f:apiVe"
    "rsion\":{},\"f:blockOwnerDeletion\":{},\"f:controller\":{},\"f:kind\":{},\"f:name\":"
    "{},\"f:uid\":{}}}},\"f:spec\":{\".\":{},\"f:duration\":{},\"f:groups\":{},\"f:issuer"
    "Ref\":{\".\":{},\"f:group\":{},\"f:kind\":{},\"f:name\":{}},\"f:request\":{},\"f:uid"
    "\":{},\"f:usages\":{},\"f:username\":{}}},\"manager\":\"cert-manager-certificates-re"
    "quest-manager\",\"operation\":\"Update\",\"time\":\"2026-11-28T02:58:17Z\"}],\"name\""
    ":\"www-example-com-x7k2p\",\"namespace\":\"sandbox\",\"ownerReferences\":[{\"apiVers"
    "ion\":\"cert-manager.io/v1\",\"blockOwnerDeletion\":true,\"controller\":true,\"kind\""
    ":\"Certificate\",\"name\":\"www-example-com\",\"uid\":\"2d4c9a1e-6f5b-4b7a-9c3d-8e1f"
    "0a2b3c4d\"}],\"resourceVersion\":\"186\",\"uid\":\"506f8380-d05f-412d-8f8f-2b0c30208"
    "275\"},\"spec\":{\"duration\":\"2160h0m0s\",\"groups\":[\"system:serviceaccounts\",\""
    "system:serviceaccounts:cert-manager\",\"system:authenticated\"],\"issuerRef\":{\"gro"
    "up\":\"awspca.cert-manager.io\",\"kind\":\"AWSPCAClusterIssuer\",\"name\":\"example-"
    "pca\"},\"request\":\"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlJRS96Q0NBdWN"
    "DQVFBd01ERVlNQllHQTFVRUF3d1BkM2QzTG1WNFlXMXdiR1V1WTI5dE1SUXdFZ1lEVlFRSwpEQXRGZUdGdGN"
    "HeGxJRTl5WnpDQ0FpSXdEUVlKS29aSWh2Y05BUUVCQlFBRGdnSVBBRENDQWdvQ2dnSUJBS0ZKCmthNnpFWnY"
    "zdW9Pd2xVNlJCQWpGa05nVGdENnlBK0k1MWVibCtzUDNpOGRIVXdaUndLUC9XejhEU1RZQ2QwQysKRXJ5a2V"
    "lVjY3RE40dkdJYURaWld3SGVkWFpMKzc3YVBmclUvSUU0V3hNMXZ2S0wzQjFjeHVSVVMzZHBGYmZDWgo0eEM"
    "vNWtXZmR5RmYwNVR5UElBeFBFcTJtLzVGYzlnVERFVE5JSGtJTkNnaFNVa2lHVlBtZVdjWHIwcTJvTGNrCll"
    "NeFJOQ0txcXZNTWxzV0M1OTdnanRWa2h6NlI3dTBtWi9uVVpHTGVmdWJZanRIVFNYYzhZVFVaRnZQZGpwZFg"
    "KNkRCNUVDeE9jeUNQRWxqS2ZvR1RuQStkb3cyU2Y2UlROWVBHbXdEY29BQkhONUw5T2NQdC81WjZqdXRPOGh"
    "OZwpDVERJK2xXd2NteHN3TldNMWs1cUt2bDdRRVo1ZXVLWHd4VDEzV1llMkJ2NlZ2eWFuOXEyOUxVVXVvS0I"
    "rdDBDCkJudGNOaUVXdlErVjhYM3JvQmhUejZJSFc0NW9VdVdLYk9xOWlQdWdmV1FlR3VkMUREQmJmOHQ0a2c"
    "xaHJBQ0MKSllUWVRJSXowc1NIUXZEanhYVUVUTndzVGdZTmtiR0pCK3VoRytOU2VwZURWY2hDOEVTWnhsL3J"
    "YNkthaGovSQpoT2YyaGdnN0tyWTlsK000MjFlK3M0enBVbUZNejUyb2VjK1UzUXhWUWJxWnppeDExbVFLOEZ"
    "nOUk3RmhyOWxyClJ5M2pNeS8xcEFONC8xREgvbTFaV2NKeU5XSHVLVUQ1TlNMTkJNY1dNN1pXY0hoQUpXLzN"
    "1V2lRYklUS1VkMlIKWVJWV0tOK1NoTWRadjJPMys5VnBWb3EvWHNqVEdnUklPK3NySjV1cEFnTUJBQUdnZ1l"
    "rd2dZWUdDU3FHU0liMwpEUUVKRGpGNU1IY3dkUVlEVlIwUkJHNHdiSUlRYzNaak1DNWxlR0Z0Y0d4bExtTnZ"
    "iWUlRYzNaak1TNWxlR0Z0CmNHeGxMbU52YllJUWMzWmpNaTVsZUdGdGNHeGxMbU52YllJUWMzWmpNeTVsZUd"
    "GdGNHeGxMbU52YllJUWMzWmoKTkM1bGVHRnRjR3hsTG1OdmJZSVFjM1pqTlM1bGVHRnRjR3hsTG1OdmJUQU5"
    "CZ2txaGtpRzl3MEJBUXNGQUFPQwpBZ0VBYWhWRWx2UkU4NWN0aVg3ZUM4UnZlN3dRbXNWc2lWTkVNRlVwYkV"
    "wTCtteDkrVDhUekdJdFU3aHBNM1pJCkRtdGRxVW9aTS94Q05sSUN6MWRyazFIUWFqK0JjbnJxTE5zZjdLWFA"
    "yNUJ4S3lqNmZNamlJN0cvOWJDQnVvNDAKRFE5a0o3VWwyc0tvZ01ySE5ESHhZRFhKYzdkWXVFTmdXL1VQN05"
    "zY09RKzJkMzg0YnlCcEhsd2YrOWp3bkE5bwpVYW5lMld2NDVNaEkwN2hIdlpyTzVlbzE4RFBpWFZVWmIyVzZ"
    "6d3M5RTdYVGFWRDhvT3dvNWpRNXo5ZTBiMy9ZClFBMDk0TGQrWWhHYnpjV2hCczBzTUZsb0RVZWtPaHE4Tys"
    "5ZklCNXROOExjUjk2dlphYzlweGNlUXFqeEJLM1YKaEVUUUlrSTlOb3dCcTZsKzlNVlBqV294NTVaTVFaZ2g"
    "0dEpPUmV6WE95SzZyVStjUWpXeDdSK2k5Sy9iZ3AzaAo5K3RNZHY3MzRocTNmNnpHYVExVGNHUEg5TnpNV0U"
    "vbnFVcHJlaXRQY2ZuVDJZVGYrWGR4WDlvVmJDakltRkJyCmpBdWxmSHNPZTN5NzFjNkhSQlpweUtDZ1A2VUR"
    "EZkxkL2oxaFZPQkVzY1M4UUFNN1hMQkt5MTlPc2xRdkx0bnoKeDEweGtYWUV2TVNMNWhHNFd1R05iYmRzWFk"
    "1U05hRmFrYmdyVEdtMmRaWnFvcUdPQWdVUnNWbTYxVFFJWlRzMQo1MFZ3OXFOTUQzU1dCN0RVYTBqbzd6OXM"
    "1cjVaZVpISzl6Zld3UW9rd01KSjFabWdyQ0F6RTRrdFdHWHUyNUd5CjE1QmF6NjdZYnN2V2RhU1A4SVVqT0N"
    "FdFBLRDZ0bjUwY280SDVnNm1kaU9QcFlvPQotLS0tLUVORCBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K\","
    "\"uid\":\"8b1b6c1f-5c4d-4e2f-a4b1-7c9d2e3f4a5b\",\"usages\":[\"digital signature\",\""
    "key encipherment\",\"server auth\"],\"username\":\"system:serviceaccount:cert-manage"
    "r:cert-manager\"},\"status\":{\"conditions\":[{\"lastTransitionTime\":\"2024-05-01T1"
    "0:00:00Z\",\"message\":\"Certificate request has been approved by cert-manager.io\","
    "\"reason\":\"cert-manager.io\",\"status\":\"True\",\"type\":\"Approved\"},{\"lastTra"
    "nsitionTime\":\"2024-05-01T10:00:01Z\",\"message\":\"Waiting on certificate issuance"
    " from order sandbox/www-example-com-x7k2p: \\\"pending\\\"\",\"reason\":\"Pending\","
    "\"status\":\"False\",\"type\":\"Ready\"}]}}";

#define CR_SPEC_OK                                                                                 \
	"{\"request\":\"SGVsbG8=\",\"issuerRef\":{\"name\":\"pca\",\"kind\":\"AWSPCAIssuer\","     \
	"\"group\":\"awspca.cert-manager.io\"}}"

/* A CertificateRequest ns/x with the given metadata members, spec and status. */
static char *
cr_json(const char *meta_extra, const char *spec, const char *status)
{
	return xasprintf("{\"apiVersion\":\"cert-manager.io/v1\",\"kind\":\"CertificateRequest\","
	                 "\"metadata\":{\"name\":\"x\",\"namespace\":\"ns\",\"uid\":\"u-1\","
	                 "\"resourceVersion\":\"7\"%s}%s%s%s%s}",
	                 meta_extra, spec != NULL ? ",\"spec\":" : "", spec != NULL ? spec : "",
	                 status != NULL ? ",\"status\":" : "", status != NULL ? status : "");
}

static void
test_cr_full(void)
{
	struct kube_cr *cr = NULL;
	char *cause = NULL;
	BIO *bio;
	X509_REQ *req;

	CHECK_INT(kube_cr_decode(cr_full_json, strlen(cr_full_json), &cr, &cause), 0);
	CHECK(cause == NULL);
	if (cr == NULL)
		return;
	CHECK_STR(cr->namespace, "sandbox");
	CHECK_STR(cr->name, "www-example-com-x7k2p");
	CHECK_STR(cr->uid, "506f8380-d05f-412d-8f8f-2b0c30208275");
	CHECK_STR(cr->resource_version, "186");
	CHECK_INT(cr->generation, 1);
	CHECK_STR(cr->issuer_group, "awspca.cert-manager.io");
	CHECK_STR(cr->issuer_kind, "AWSPCAClusterIssuer");
	CHECK_STR(cr->issuer_name, "example-pca");
	CHECK_INT(cr->duration_s, 2160 * 3600);
	CHECK_INT(cr->is_ca, 0);
	CHECK(cr->usages != NULL && cr->usages[0] != NULL && cr->usages[3] == NULL);
	if (cr->usages != NULL && cr->usages[2] != NULL) {
		CHECK_STR(cr->usages[0], "digital signature");
		CHECK_STR(cr->usages[1], "key encipherment");
		CHECK_STR(cr->usages[2], "server auth");
	}
	CHECK_STR(
	    cr->certificate_arn,
	    "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/"
	    "11111111-2222-3333-4444-555555555555/certificate/0123456789abcdef0123456789abcdef");
	CHECK_INT(cr->approved.status, KUBE_COND_TRUE);
	CHECK_STR(cr->approved.reason, "cert-manager.io");
	CHECK_STR(cr->approved.last_transition_time, "2024-05-01T10:00:00Z");
	CHECK_INT(cr->ready.status, KUBE_COND_FALSE);
	CHECK_STR(cr->ready.reason, "Pending");
	CHECK_CONTAINS(cr->ready.message, "from order sandbox/www-example-com-x7k2p: \"pending\"");
	CHECK_INT(cr->denied.status, KUBE_COND_ABSENT);
	CHECK_INT(cr->invalid_request.status, KUBE_COND_ABSENT);
	CHECK_INT(cr->has_certificate, 0);
	CHECK(cr->failure_time == NULL);
	CHECK_INT(cr->deleting, 0);
	/* spec.request decodes to the PEM CSR itself, which OpenSSL reads. */
	CHECK_INT(cr->csr_len, 1809);
	CHECK(cr->csr_pem[cr->csr_len] == '\0');
	CHECK(strncmp((char *)cr->csr_pem, "-----BEGIN CERTIFICATE REQUEST-----\n", 36) == 0);
	bio = BIO_new_mem_buf(cr->csr_pem, (int)cr->csr_len);
	req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
	CHECK(req != NULL);
	if (req != NULL)
		CHECK_INT(X509_REQ_verify(req, X509_REQ_get0_pubkey(req)), 1);
	X509_REQ_free(req);
	BIO_free(bio);
	kube_cr_free(cr);
}

/* The reflector's path: the decoder of kube_type_cr on an item of a list page. */
static void
test_cr_type_in_list(void)
{
	struct jtok *d = NULL;
	struct buf b = BUF_INIT;
	struct kube_cr *cr;
	char *cause = NULL;

	buf_printf(&b,
	           "{\"kind\":\"CertificateRequestList\",\"metadata\":{\"resourceVersion\":"
	           "\"9\"},\"items\":[%s,%s]}",
	           cr_full_json, cr_full_json);
	CHECK_INT(jtok_parse(b.p, b.len, &d, NULL), 0);
	CHECK(kube_type_cr.resource == &kube_res_certificaterequests);
	CHECK_STR(kube_type_cr.kind, "CertificateRequest");
	cr = kube_type_cr.decode(d, jtok_path(d, JTOK_ROOT, "items[1]"), &cause);
	CHECK(cr != NULL && cause == NULL);
	if (cr != NULL)
		CHECK_STR(cr->name, "www-example-com-x7k2p");
	kube_type_cr.free(cr);
	jtok_free(d);
	buf_clear(&b);
}

static void
test_cr_minimal(void)
{
	char *js = cr_json("", CR_SPEC_OK, NULL), *cause = NULL;
	struct kube_cr *cr = NULL;

	CHECK_INT(kube_cr_decode(js, strlen(js), &cr, &cause), 0);
	if (cr != NULL) {
		CHECK_INT(cr->csr_len, 5);
		CHECK_STR((char *)cr->csr_pem, "Hello");
		CHECK(cr->usages != NULL && cr->usages[0] == NULL);
		CHECK_INT(cr->duration_s, 0);
		CHECK(cr->certificate_arn == NULL);
		CHECK_INT(cr->approved.status, KUBE_COND_ABSENT);
		CHECK(cr->approved.reason == NULL);
		CHECK_INT(cr->generation, 0);
	}
	kube_cr_free(cr);
	free(js);
	/* Cluster-scoped in shape: no namespace reads as "". */
	js = xstrdup("{\"metadata\":{\"name\":\"y\"},\"spec\":" CR_SPEC_OK "}");
	CHECK_INT(kube_cr_decode(js, strlen(js), &cr, &cause), 0);
	if (cr != NULL)
		CHECK_STR(cr->namespace, "");
	kube_cr_free(cr);
	free(js);
}

static void
test_cr_terminal_states(void)
{
	char *js =
	    cr_json(",\"deletionTimestamp\":\"2024-05-01T11:00:00Z\",\"generation\":3",
	            "{\"request\":\"SGVsbG8\",\"isCA\":true,\"duration\":\"1h30m15.5s\","
	            "\"issuerRef\":{\"name\":\"pca\"},\"usages\":null}",
	            "{\"certificate\":\"LS0t\",\"failureTime\":\"2024-05-01T10:05:00Z\","
	            "\"conditions\":[{\"type\":\"Denied\",\"status\":\"True\",\"reason\":"
	            "\"Policy\"},{\"type\":\"InvalidRequest\",\"status\":\"Unknown\"},"
	            "{\"type\":\"SomethingElse\",\"status\":\"Weird\"},{\"type\":\"Ready\","
	            "\"status\":\"False\",\"reason\":\"Failed\",\"observedGeneration\":3}]}");
	struct kube_cr *cr = NULL;
	char *cause = NULL;

	CHECK_INT(kube_cr_decode(js, strlen(js), &cr, &cause), 0);
	if (cause != NULL)
		fprintf(stderr, "cause: %s\n", cause);
	if (cr != NULL) {
		CHECK_INT(cr->deleting, 1);
		CHECK_INT(cr->generation, 3);
		CHECK_INT(cr->is_ca, 1);
		CHECK_INT(cr->duration_s, 5415);
		CHECK_STR((char *)cr->csr_pem, "Hello"); /* unpadded base64 */
		CHECK(cr->usages != NULL && cr->usages[0] == NULL);
		CHECK_INT(cr->has_certificate, 1);
		CHECK_STR(cr->failure_time, "2024-05-01T10:05:00Z");
		CHECK_INT(cr->denied.status, KUBE_COND_TRUE);
		CHECK_STR(cr->denied.reason, "Policy");
		CHECK_INT(cr->invalid_request.status, KUBE_COND_UNKNOWN);
		CHECK_INT(cr->ready.status, KUBE_COND_FALSE);
		CHECK_INT(cr->ready.observed_generation, 3);
		CHECK_INT(cr->approved.status, KUBE_COND_ABSENT);
	}
	kube_cr_free(cr);
	free(js);
}

struct bad_case {
	const char *meta, *spec, *status, *cause;
};

static const struct bad_case bad_cases[] = {
    {"", "{\"request\":\"not base64!\",\"issuerRef\":{\"name\":\"p\"}}", NULL,
     "CertificateRequest ns/x: spec.request is not valid base64"},
    {"", "{\"request\":\"SGVsbG8=x\",\"issuerRef\":{\"name\":\"p\"}}", NULL,
     "spec.request is not valid base64"},
    {"", "{\"request\":\"\",\"issuerRef\":{\"name\":\"p\"}}", NULL,
     "CertificateRequest ns/x: spec.request is missing"},
    {"", "{\"request\":42,\"issuerRef\":{\"name\":\"p\"}}", NULL,
     "spec.request must be a string, not number"},
    {"", "{\"request\":\"SGVsbG8=\",\"issuerRef\":{\"name\":\"p\"},\"duration\":\"5 days\"}", NULL,
     "CertificateRequest ns/x: spec.duration \"5 days\" is not a duration such as "
     "\"2160h0m0s\""},
    {"", "{\"request\":\"SGVsbG8=\",\"issuerRef\":{\"name\":\"p\"},\"duration\":\"90d\"}", NULL,
     "spec.duration \"90d\" is not a duration"},
    {"", "{\"request\":\"SGVsbG8=\",\"issuerRef\":{\"name\":\"p\"},\"duration\":\"-1h\"}", NULL,
     "spec.duration \"-1h\" is negative"},
    {"", "{\"request\":\"SGVsbG8=\",\"issuerRef\":{\"name\":\"p\"},\"duration\":3600}", NULL,
     "spec.duration must be a string, not number"},
    {"", "{\"request\":\"SGVsbG8=\",\"issuerRef\":{\"name\":\"p\"},\"isCA\":\"yes\"}", NULL,
     "spec.isCA must be true or false, not string"},
    {"", "{\"request\":\"SGVsbG8=\",\"issuerRef\":{\"name\":\"p\"},\"usages\":\"server auth\"}",
     NULL, "spec.usages must be an array, not string"},
    {"", "{\"request\":\"SGVsbG8=\",\"issuerRef\":{\"name\":\"p\"},\"usages\":[\"a\",7]}", NULL,
     "spec.usages[1] must be a string, not number"},
    {"", "{\"request\":\"SGVsbG8=\",\"issuerRef\":\"p\"}", NULL,
     "spec.issuerRef must be an object, not string"},
    {"", "{\"request\":\"SGVsbG8=\",\"issuerRef\":{\"kind\":\"AWSPCAIssuer\"}}", NULL,
     "spec.issuerRef.name is missing"},
    {"", NULL, NULL, "CertificateRequest ns/x: spec is missing"},
    {"", "[]", NULL, "spec must be an object, not array"},
    {",\"generation\":\"2\"", CR_SPEC_OK, NULL,
     "metadata.generation must be an integer, not string"},
    {",\"generation\":1.5", CR_SPEC_OK, NULL,
     "metadata.generation must be an integer, not a fraction"},
    {",\"annotations\":[]", CR_SPEC_OK, NULL, "metadata.annotations must be an object, not array"},
    {",\"annotations\":{\"aws-privateca-issuer/certificate-arn\":true}", CR_SPEC_OK, NULL,
     "metadata.annotations.aws-privateca-issuer/certificate-arn must be a string, not boolean"},
    {"", CR_SPEC_OK, "{\"conditions\":{}}", "status.conditions must be an array, not object"},
    {"", CR_SPEC_OK, "{\"conditions\":[\"Ready\"]}",
     "status.conditions[0] must be an object, not string"},
    {"", CR_SPEC_OK,
     "{\"conditions\":[{\"type\":\"Approved\",\"status\":\"True\"},{\"type\":"
     "\"Ready\",\"status\":\"Maybe\"}]}",
     "status.conditions[1].status \"Maybe\" is not True, False or Unknown"},
    {"", CR_SPEC_OK, "{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"message\":7}]}",
     "status.conditions[0].message must be a string, not number"},
    {"", CR_SPEC_OK, "{\"certificate\":{}}", "status.certificate must be a string, not object"},
    {"", CR_SPEC_OK, "7", "status must be an object, not number"},
};

/*
 * A request that cannot be identified (its metadata, or which issuer it
 * names) is refused; one whose other fields cannot be read is decoded with
 * ->invalid saying why, so that its issuer's controller can fail it.
 */
static int
bad_case_unidentifiable(const struct bad_case *c)
{
	return strstr(c->cause, "metadata.generation") != NULL ||
	       strstr(c->cause, "metadata.name") != NULL || strstr(c->cause, "issuerRef") != NULL ||
	       strstr(c->cause, "spec is missing") != NULL ||
	       strstr(c->cause, "spec must be") != NULL;
}

static void
test_cr_malformed(void)
{
	const char *prefix = "CertificateRequest ns/x: ", *want;
	struct kube_cr *cr;
	char *js, *cause;
	size_t i;
	int rc;

	for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		js = cr_json(bad_cases[i].meta, bad_cases[i].spec, bad_cases[i].status);
		cr = (struct kube_cr *)1;
		cause = NULL;
		rc = kube_cr_decode(js, strlen(js), &cr, &cause);
		want = bad_cases[i].cause;
		if (bad_case_unidentifiable(&bad_cases[i])) {
			CHECK_INT(rc, -1);
			CHECK(cr == NULL);
			CHECK_CONTAINS(cause, want);
		} else {
			if (strncmp(want, prefix, strlen(prefix)) == 0)
				want += strlen(prefix);
			CHECK_INT(rc, 0);
			CHECK(cr != NULL && cr != (struct kube_cr *)1);
			if (cr != NULL && cr != (struct kube_cr *)1) {
				CHECK_CONTAINS(cr->invalid, want);
				CHECK_STR(cr->name, "x");
				CHECK(cr->issuer_name != NULL);
			}
		}
		if (rc == 0 && cr != NULL && cr != (struct kube_cr *)1)
			kube_cr_free(cr);
		else if (cause == NULL || strstr(cause, want) == NULL)
			fprintf(stderr, "  case %zu: %s\n", i, js);
		free(cause);
		free(js);
	}
}

static void
test_cr_malformed_documents(void)
{
	static const char *const docs[][2] = {
	    {"[1,2]", "CertificateRequest (unnamed): the object is array, not an object"},
	    {"{\"metadata\":{\"name\":7},\"spec\":" CR_SPEC_OK "}",
	     "metadata.name must be a string, not number"},
	    {"{\"metadata\":{\"namespace\":\"ns\"},\"spec\":" CR_SPEC_OK "}",
	     "CertificateRequest (unnamed): metadata.name is missing"},
	    {"{\"metadata\":{\"name\":\"a\\u0000b\"}}",
	     "metadata.name must be a string, not one holding \\u0000"},
	    {"{\"metadata\":", "the CertificateRequest is not valid JSON: JSON truncated"},
	    {"{\"metadata\":{\"name\":\"x\"},\"spec\":" CR_SPEC_OK "} x",
	     "the CertificateRequest is not valid JSON"},
	};
	struct kube_cr *cr;
	char *cause;
	size_t i;

	for (i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		cause = NULL;
		CHECK_INT(kube_cr_decode(docs[i][0], strlen(docs[i][0]), &cr, &cause), -1);
		CHECK(cr == NULL);
		CHECK_CONTAINS(cause, docs[i][1]);
		free(cause);
	}
}

static const char issuer_json[] =
    "{\"apiVersion\":\"awspca.cert-manager.io/v1beta1\",\"kind\":\"AWSPCAIssuer\",\"metadata\":"
    "{\"name\":\"pca\",\"namespace\":\"team-a\",\"uid\":\"0a1b2c3d-0000-4000-8000-000000000001\","
    "\"resourceVersion\":\"4242\",\"generation\":2},\"spec\":{\"arn\":\"arn:aws:acm-pca:eu-west-1:"
    "123456789012:certificate-authority/abc\",\"region\":\"eu-west-1\",\"role\":\"arn:aws:iam::"
    "123456789012:role/issuer\",\"secretRef\":{\"name\":\"aws-creds\",\"namespace\":\"team-a\","
    "\"accessKeyIDSelector\":{\"key\":\"id\"},\"secretAccessKeySelector\":{\"name\":\"aws-creds\","
    "\"key\":\"secret\"}}},\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\","
    "\"reason\":\"Verified\",\"message\":\"Issuer verified\",\"observedGeneration\":2,"
    "\"lastTransitionTime\":\"2024-05-01T09:00:00Z\"}]}}";

static void
test_issuer(void)
{
	struct kube_issuer *iss = NULL;
	char *cause = NULL;

	CHECK_INT(kube_issuer_decode(issuer_json, strlen(issuer_json), 0, &iss, &cause), 0);
	if (iss == NULL)
		return;
	CHECK_INT(iss->cluster, 0);
	CHECK_STR(iss->namespace, "team-a");
	CHECK_STR(iss->name, "pca");
	CHECK_STR(iss->resource_version, "4242");
	CHECK_INT(iss->generation, 2);
	CHECK_STR(iss->arn, "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/abc");
	CHECK_STR(iss->region, "eu-west-1");
	CHECK_STR(iss->role, "arn:aws:iam::123456789012:role/issuer");
	CHECK(iss->default_template == NULL);
	CHECK_STR(iss->secret_name, "aws-creds");
	CHECK_STR(iss->secret_namespace, "team-a");
	CHECK_STR(iss->access_key_id_key, "id");
	CHECK_STR(iss->secret_access_key_key, "secret");
	CHECK_STR(iss->session_token_key, "AWS_SESSION_TOKEN");
	CHECK_INT(iss->ready.status, KUBE_COND_TRUE);
	CHECK_INT(iss->ready.observed_generation, 2);
	CHECK_STR(iss->ready.reason, "Verified");
	kube_issuer_free(iss);
}

static void
test_cluster_issuer_defaults(void)
{
	static const char js[] =
	    "{\"kind\":\"AWSPCAClusterIssuer\",\"metadata\":{\"name\":\"global\",\"uid\":\"u\"},"
	    "\"spec\":{\"arn\":\"arn:x\",\"pcaTemplate\":{\"defaultTemplateName\":\"EndEntity\"}}}";
	struct kube_issuer *iss = NULL;
	char *cause = NULL;

	CHECK(kube_type_cluster_issuer.resource == &kube_res_awspcaclusterissuers);
	CHECK_INT(kube_issuer_decode(js, strlen(js), 1, &iss, &cause), 0);
	if (iss == NULL)
		return;
	CHECK_INT(iss->cluster, 1);
	CHECK_STR(iss->namespace, "");
	CHECK(iss->secret_name == NULL && iss->region == NULL && iss->role == NULL);
	CHECK_STR(iss->default_template, "EndEntity");
	CHECK_STR(iss->access_key_id_key, "AWS_ACCESS_KEY_ID");
	CHECK_STR(iss->secret_access_key_key, "AWS_SECRET_ACCESS_KEY");
	CHECK_INT(iss->ready.status, KUBE_COND_ABSENT);
	kube_issuer_free(iss);
}

static void
test_issuer_malformed(void)
{
	static const char *const docs[][2] = {
	    {"{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\"},\"spec\":{\"arn\":[]}}",
	     "AWSPCAIssuer n/p: spec.arn must be a string, not array"},
	    {"{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\"},\"spec\":{\"secretRef\":{"
	     "\"accessKeyIDSelector\":{\"key\":1}}}}",
	     "AWSPCAIssuer n/p: spec.secretRef.accessKeyIDSelector.key must be a string, not "
	     "number"},
	    {"{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\"},\"spec\":{\"secretRef\":\"s\"}}",
	     "spec.secretRef must be an object, not string"},
	    {"{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\"},\"status\":{\"conditions\":[{"
	     "\"type\":\"Ready\",\"status\":\"True\",\"observedGeneration\":\"1\"}]}}",
	     "status.conditions[0].observedGeneration must be an integer, not string"},
	};
	struct kube_issuer *iss;
	char *cause;
	size_t i;

	/* An issuer with an unreadable spec or status is decoded, with ->invalid saying why. */
	for (i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		const char *want = docs[i][1];

		if (strncmp(want, "AWSPCAIssuer n/p: ", 18) == 0)
			want += 18;
		cause = NULL;
		iss = NULL;
		CHECK_INT(kube_issuer_decode(docs[i][0], strlen(docs[i][0]), 0, &iss, &cause), 0);
		CHECK(iss != NULL);
		if (iss != NULL) {
			CHECK_STR(iss->name, "p");
			CHECK_CONTAINS(iss->invalid, want);
		}
		kube_issuer_free(iss);
		free(cause);
	}
	/* One that cannot be identified is refused. */
	cause = NULL;
	{
		static const char anon[] = "{\"metadata\":{\"namespace\":\"n\"}}";

		CHECK_INT(kube_issuer_decode(anon, strlen(anon), 0, &iss, &cause), -1);
	}
	CHECK(iss == NULL);
	CHECK_CONTAINS(cause, "metadata.name is missing");
	free(cause);
}

static void
test_secret(void)
{
	static const char js[] =
	    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"aws-creds\","
	    "\"namespace\":\"team-a\"},\"type\":\"Opaque\",\"data\":{\"AWS_ACCESS_KEY_ID\":"
	    "\"QUtJQUVYQU1QTEU=\",\"AWS_SECRET_ACCESS_KEY\":\"c2VjcmV0L2tleStzbGFzaA==\",\"empty\":"
	    "\"\"}}";
	const char *const keys[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
	                            "AWS_SESSION_TOKEN", "empty"};
	char *values[4], *cause = NULL;

	CHECK_INT(kube_secret_decode(js, strlen(js), keys, 4, values, &cause), 0);
	CHECK_STR(values[0], "AKIAEXAMPLE");
	CHECK_STR(values[1], "secret/key+slash");
	CHECK(values[2] == NULL);
	CHECK_STR(values[3], "");
	free(values[0]);
	free(values[1]);
	free(values[3]);
}

static void
test_secret_malformed(void)
{
	static const char *const docs[][2] = {
	    {"{\"metadata\":{\"name\":\"s\",\"namespace\":\"n\"},\"data\":{\"a\":\"QUJD\","
	     "\"k\":\"***\"}}",
	     "Secret n/s: data.k is not valid base64"},
	    {"{\"metadata\":{\"name\":\"s\",\"namespace\":\"n\"},\"data\":{\"k\":5}}",
	     "Secret n/s: data.k must be a base64 string, not number"},
	    {"{\"metadata\":{\"name\":\"s\",\"namespace\":\"n\"},\"data\":[]}",
	     "Secret n/s: data must be an object, not array"},
	    {"\"s\"", "the Secret is not valid JSON"},
	    {"[]", "the Secret is not a JSON object"},
	};
	const char *const keys[] = {"a", "k"};
	char *values[2], *cause;
	size_t i;

	for (i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		cause = NULL;
		CHECK_INT(
		    kube_secret_decode(docs[i][0], strlen(docs[i][0]), keys, 2, values, &cause),
		    -1);
		/* Nothing is handed out on failure, not even the keys that did decode. */
		CHECK(values[0] == NULL && values[1] == NULL);
		CHECK_CONTAINS(cause, docs[i][1]);
		free(cause);
	}
	/* No data at all: every key is absent. */
	cause = NULL;
	CHECK_INT(kube_secret_decode("{\"metadata\":{}}", 15, keys, 2, values, &cause), 0);
	CHECK(values[0] == NULL && values[1] == NULL);
}

int
main(void)
{
	TEST(test_cr_full);
	TEST(test_cr_type_in_list);
	TEST(test_cr_minimal);
	TEST(test_cr_terminal_states);
	TEST(test_cr_malformed);
	TEST(test_cr_malformed_documents);
	TEST(test_issuer);
	TEST(test_cluster_issuer_defaults);
	TEST(test_issuer_malformed);
	TEST(test_secret);
	TEST(test_secret_malformed);
	return test_done();
}
