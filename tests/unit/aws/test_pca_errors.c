/*
 * The AWS Private CA client's bytes: where error codes come from in every
 * form AWS writes them, how each code is classified, the exact request body
 * of IssueCertificate and the others, the decoding of every answer, and the
 * failures a call reports without any network (bad endpoint, bad params),
 * always from a later loop pass and never after a cancel.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "aws/creds.h"
#include "aws/pca.h"
#include "aws/pca_json.h"
#include "core/http.h"
#include "core/loop.h"
#include "core/secrets.h"
#include "testutil.h"

static void
check_code(const char *header, const char *body, const char *want_code, const char *want_msg)
{
	char *msg = NULL;
	char *code = aws_err_code(header, body, body != NULL ? strlen(body) : 0, &msg);

	if (want_code == NULL)
		CHECK(code == NULL);
	else
		CHECK_STR(code, want_code);
	if (want_msg == NULL)
		CHECK(msg == NULL);
	else
		CHECK_STR(msg, want_msg);
	free(code);
	free(msg);
}

static void
test_code_forms(void)
{
	check_code(NULL, "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}",
	           "ThrottlingException", "Rate exceeded");
	/* Namespace prefixes of every depth. */
	check_code(NULL, "{\"__type\":\"com.amazonaws.acmpca#InvalidStateException\"}",
	           "InvalidStateException", NULL);
	check_code(NULL, "{\"__type\":\"a#b#ResourceNotFoundException\"}",
	           "ResourceNotFoundException", NULL);
	/* A suffix from ':' whose URL holds a '#' of its own. */
	check_code(NULL,
	           "{\"__type\":\"aws.protocoltests.restjson#FooError:http://internal.amazon.com/"
	           "coral/com.amazon.coral.validate/#frag\"}",
	           "FooError", NULL);
	check_code(NULL, "{\"__type\":\"FooError:http://internal.amazon.com/\"}", "FooError", NULL);
	/* The header alone, in each form. */
	check_code("ThrottlingException", "", "ThrottlingException", NULL);
	check_code("aws.protocoltests.restjson#FooError", NULL, "FooError", NULL);
	check_code("FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/", NULL,
	           "FooError", NULL);
	check_code(" ns#FooError:x ", NULL, "FooError", NULL);
	/* A header a proxy repeated arrives joined with ','. */
	check_code("FooError,FooError", NULL, "FooError", NULL);
	/* "code" when there is no __type; "Message" when there is no "message". */
	check_code(NULL, "{\"code\":\"ValidationException\",\"Message\":\"bad\"}",
	           "ValidationException", "bad");
	check_code(NULL, "{\"__type\":\"A\",\"code\":\"B\",\"message\":\"m\",\"Message\":\"M\"}",
	           "A", "m");
}

static void
test_code_precedence(void)
{
	/* The header wins over the body; the body still gives the message. */
	check_code("ns#ThrottlingException",
	           "{\"__type\":\"ns#ServiceUnavailable\",\"message\":\"slow down\"}",
	           "ThrottlingException", "slow down");
	/* An empty or blank header, or one that strips to nothing, defers to the body. */
	check_code("", "{\"__type\":\"LimitExceededException\"}", "LimitExceededException", NULL);
	check_code("  ", "{\"__type\":\"LimitExceededException\"}", "LimitExceededException", NULL);
	check_code("ns#", "{\"__type\":\"X\"}", "X", NULL);
	check_code(":suffix", "{\"__type\":\"X\"}", "X", NULL);
	/* A header with a body that is not JSON. */
	check_code("InternalFailure", "<html>oops</html>", "InternalFailure", NULL);
}

static void
test_code_absent(void)
{
	check_code(NULL, "<html><body>502 Bad Gateway</body></html>", NULL, NULL);
	check_code(NULL, "", NULL, NULL);
	check_code(NULL, NULL, NULL, NULL);
	check_code(NULL, "{\"message\":\"no code here\"}", NULL, "no code here");
	check_code(NULL, "[\"__type\"]", NULL, NULL);
	check_code(NULL, "{\"__type\":42}", NULL, NULL);
	check_code(NULL, "{\"__type\":\"\"}", NULL, NULL);
	check_code(NULL, "{\"__type\":\"X\"", NULL, NULL);
}

static void
test_code_without_message(void)
{
	const char *body = "{\"__type\":\"Y\",\"message\":\"m\"}";
	char *code = aws_err_code(NULL, body, strlen(body), NULL);

	CHECK_STR(code, "Y");
	free(code);
}

struct class_case {
	const char *code;
	long status;
	enum aws_err_class want;
};

static void
test_classify_table(void)
{
	static const struct class_case cases[] = {
	    {"ThrottlingException", 400, AWS_ERR_THROTTLED},
	    {"Throttling", 400, AWS_ERR_THROTTLED},
	    {"ThrottledException", 400, AWS_ERR_THROTTLED},
	    {"RequestThrottledException", 400, AWS_ERR_THROTTLED},
	    {"TooManyRequestsException", 400, AWS_ERR_THROTTLED},
	    {"ProvisionedThroughputExceededException", 400, AWS_ERR_THROTTLED},
	    {"TransactionInProgressException", 400, AWS_ERR_THROTTLED},
	    {"RequestLimitExceeded", 400, AWS_ERR_THROTTLED},
	    {"BandwidthLimitExceeded", 400, AWS_ERR_THROTTLED},
	    {"SlowDown", 503, AWS_ERR_THROTTLED},
	    {"PriorRequestNotComplete", 400, AWS_ERR_THROTTLED},
	    {"EC2ThrottledException", 400, AWS_ERR_THROTTLED},
	    {"RequestThrottled", 400, AWS_ERR_THROTTLED},
	    {NULL, 429, AWS_ERR_THROTTLED},
	    {"SomethingNew", 429, AWS_ERR_THROTTLED},
	    {"InternalFailure", 500, AWS_ERR_TRANSIENT},
	    {"ServiceUnavailable", 503, AWS_ERR_TRANSIENT},
	    {"RequestTimeout", 400, AWS_ERR_TRANSIENT},
	    {"RequestTimeoutException", 400, AWS_ERR_TRANSIENT},
	    {NULL, 500, AWS_ERR_TRANSIENT},
	    {NULL, 502, AWS_ERR_TRANSIENT},
	    {"SomethingNew", 504, AWS_ERR_TRANSIENT},
	    {NULL, 0, AWS_ERR_TRANSIENT},
	    {"RequestInProgressException", 400, AWS_ERR_IN_PROGRESS},
	    {"LimitExceededException", 400, AWS_ERR_LIMIT},
	    {"ValidationException", 400, AWS_ERR_PERMANENT},
	    {"MalformedCSRException", 400, AWS_ERR_PERMANENT},
	    {"InvalidArgsException", 400, AWS_ERR_PERMANENT},
	    {"InvalidStateException", 400, AWS_ERR_PERMANENT},
	    {"InvalidArnException", 400, AWS_ERR_PERMANENT},
	    {"ResourceNotFoundException", 400, AWS_ERR_PERMANENT},
	    {"InvalidRequestException", 400, AWS_ERR_PERMANENT},
	    {"InvalidPolicyException", 400, AWS_ERR_PERMANENT},
	    {"InvalidTagException", 400, AWS_ERR_PERMANENT},
	    {"RequestAlreadyProcessedException", 400, AWS_ERR_PERMANENT},
	    /* A known code wins over a status that says otherwise. */
	    {"ValidationException", 500, AWS_ERR_PERMANENT},
	    {"ThrottlingException", 500, AWS_ERR_THROTTLED},
	    {NULL, 400, AWS_ERR_PERMANENT},
	    {"SomethingNew", 404, AWS_ERR_PERMANENT},
	    {"AccessDeniedException", 400, AWS_ERR_AUTH},
	    {"UnrecognizedClientException", 400, AWS_ERR_AUTH},
	    {"InvalidSignatureException", 403, AWS_ERR_AUTH},
	    {"ExpiredTokenException", 400, AWS_ERR_AUTH},
	    {"InvalidClientTokenId", 403, AWS_ERR_AUTH},
	    {"SignatureDoesNotMatch", 403, AWS_ERR_AUTH},
	    {"IncompleteSignature", 403, AWS_ERR_AUTH},
	    {"MissingAuthenticationToken", 403, AWS_ERR_AUTH},
	    {NULL, 403, AWS_ERR_AUTH},
	    {NULL, 401, AWS_ERR_AUTH},
	    {NULL, 200, AWS_OK},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum aws_err_class got = aws_err_classify(cases[i].code, cases[i].status);

		if (got != cases[i].want)
			fprintf(stderr, "  %s/%ld: got %s, want %s\n",
			        cases[i].code ? cases[i].code : "(none)", cases[i].status,
			        aws_err_class_name(got), aws_err_class_name(cases[i].want));
		CHECK_INT(got, cases[i].want);
	}
	CHECK_STR(aws_err_class_name(AWS_ERR_IN_PROGRESS), "in_progress");
	CHECK_STR(aws_err_class_name(AWS_OK), "success");
}

static void
test_snippet(void)
{
	const char html[] = "<html>\r\n  <body>\t502\x01\xff Bad</body>";
	char *s = aws_err_snippet(html, sizeof html - 1, 100);

	CHECK_STR(s, "<html> <body> 502?? Bad</body>");
	free(s);
	s = aws_err_snippet("  abcdefgh", 10, 4);
	CHECK_STR(s, "abcd...");
	free(s);
	s = aws_err_snippet("", 0, 10);
	CHECK_STR(s, "");
	free(s);
}

static void
test_op_names(void)
{
	enum aws_pca_op op;

	CHECK_STR(aws_pca_op_name(AWS_PCA_ISSUE_CERTIFICATE), "IssueCertificate");
	CHECK_STR(aws_pca_op_name(AWS_PCA_GET_CA_CERTIFICATE),
	          "GetCertificateAuthorityCertificate");
	CHECK_INT(aws_pca_op_parse("DescribeCertificateAuthority", &op), 0);
	CHECK_INT(op, AWS_PCA_DESCRIBE_CA);
	CHECK_INT(aws_pca_op_parse("issuecertificate", &op), -1);
}

#define SAMPLE_CSR                                                                                 \
	"-----BEGIN CERTIFICATE REQUEST-----\nMIIBsample\n-----END CERTIFICATE REQUEST-----\n"
#define SAMPLE_CSR_B64                                                                             \
	"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlJQnNhbXBsZQotLS0tLUVORCBDRVJUSUZJQ0FU" \
	"RSBS"                                                                                     \
	"RVFVRVNULS0tLS0K"
#define CA_ARN "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/0c3e-4b1a"

static void
test_encode_issue(void)
{
	struct aws_pca_issue_params p = {
	    .ca_arn = CA_ARN,
	    .csr_pem = (const unsigned char *)SAMPLE_CSR,
	    .csr_len = sizeof SAMPLE_CSR - 1,
	    .signing_algorithm = "SHA256WITHECDSA",
	    .validity_type = "DAYS",
	    .validity_value = 30,
	};
	struct buf b = BUF_INIT;
	char *cause = NULL;

	CHECK_INT(aws_pca_json_issue(&b, &p, &cause), 0);
	CHECK_STR(buf_str(&b),
	          "{\"CertificateAuthorityArn\":\"" CA_ARN "\",\"Csr\":\"" SAMPLE_CSR_B64
	          "\",\"SigningAlgorithm\":\"SHA256WITHECDSA\","
	          "\"Validity\":{\"Value\":30,\"Type\":\"DAYS\"}}");
	buf_reset(&b);

	p.template_arn = "arn:aws:acm-pca:::template/EndEntityCertificate_APIPassthrough/V1";
	p.validity_type = "ABSOLUTE";
	p.validity_value = 1767225600;
	p.validity_not_before = 1764547200;
	p.idempotency_token = "cr-ns-name-1";
	p.api_passthrough_json = "{\"Subject\":{\"CommonName\":\"a \\\"b\\\"\"}}";
	CHECK_INT(aws_pca_json_issue(&b, &p, &cause), 0);
	CHECK_STR(buf_str(&b),
	          "{\"CertificateAuthorityArn\":\"" CA_ARN "\",\"Csr\":\"" SAMPLE_CSR_B64
	          "\",\"SigningAlgorithm\":\"SHA256WITHECDSA\",\"TemplateArn\":\"arn:aws:acm-pca:::"
	          "template/EndEntityCertificate_APIPassthrough/V1\",\"Validity\":{\"Value\":"
	          "1767225600,\"Type\":\"ABSOLUTE\"},\"ValidityNotBefore\":{\"Value\":1764547200,"
	          "\"Type\":\"ABSOLUTE\"},\"IdempotencyToken\":\"cr-ns-name-1\",\"ApiPassthrough\":"
	          "{\"Subject\":{\"CommonName\":\"a \\\"b\\\"\"}}}");
	buf_clear(&b);
}

static void
test_encode_issue_refusals(void)
{
	struct aws_pca_issue_params p = {
	    .ca_arn = CA_ARN,
	    .csr_pem = (const unsigned char *)SAMPLE_CSR,
	    .csr_len = sizeof SAMPLE_CSR - 1,
	    .signing_algorithm = "SHA256WITHRSA",
	    .validity_type = "DAYS",
	    .validity_value = 1,
	};
	struct buf b = BUF_INIT;
	char *cause = NULL;

	p.api_passthrough_json = "[1]";
	CHECK_INT(aws_pca_json_issue(&b, &p, &cause), -1);
	CHECK_CONTAINS(cause, "ApiPassthrough must be a JSON object");
	free(cause);
	p.api_passthrough_json = "{\"a\":";
	CHECK_INT(aws_pca_json_issue(&b, &p, &cause), -1);
	CHECK_CONTAINS(cause, "ApiPassthrough is not valid JSON");
	free(cause);
	p.api_passthrough_json = NULL;
	p.idempotency_token = "0123456789012345678901234567890123456";
	CHECK_INT(aws_pca_json_issue(&b, &p, &cause), -1);
	CHECK_CONTAINS(cause, "longer than 36");
	free(cause);
	p.idempotency_token = NULL;
	p.csr_len = 0;
	CHECK_INT(aws_pca_json_issue(&b, &p, &cause), -1);
	CHECK_STR(cause, "IssueCertificate needs the CSR");
	free(cause);
	CHECK_INT(b.len, 0);
	buf_clear(&b);
}

static void
test_encode_others(void)
{
	struct buf b = BUF_INIT;

	aws_pca_json_get_certificate(&b, CA_ARN, CA_ARN "/certificate/ab12");
	CHECK_STR(buf_str(&b), "{\"CertificateAuthorityArn\":\"" CA_ARN
	                       "\",\"CertificateArn\":\"" CA_ARN "/certificate/ab12\"}");
	buf_reset(&b);
	aws_pca_json_ca(&b, CA_ARN);
	CHECK_STR(buf_str(&b), "{\"CertificateAuthorityArn\":\"" CA_ARN "\"}");
	buf_reset(&b);
	aws_pca_json_revoke(&b, CA_ARN, "0a:1b:2c", "KEY_COMPROMISE");
	CHECK_STR(buf_str(&b), "{\"CertificateAuthorityArn\":\"" CA_ARN
	                       "\",\"CertificateSerial\":\"0a:1b:2c\",\"RevocationReason\":"
	                       "\"KEY_COMPROMISE\"}");
	buf_reset(&b);
	/* Strings are escaped, whatever they hold. */
	aws_pca_json_ca(&b, "a\"b\\c\n");
	CHECK_STR(buf_str(&b), "{\"CertificateAuthorityArn\":\"a\\\"b\\\\c\\n\"}");
	buf_clear(&b);
}

static int
decode(enum aws_pca_op op, const char *body, struct aws_pca_reply *r, char **cause)
{
	*cause = NULL;
	return aws_pca_json_decode(op, body, strlen(body), r, cause);
}

static void
test_decode_answers(void)
{
	struct aws_pca_reply r;
	char *cause;

	CHECK_INT(decode(AWS_PCA_ISSUE_CERTIFICATE,
	                 "{\"CertificateArn\":\"" CA_ARN "/certificate/ff\"}", &r, &cause),
	          0);
	CHECK_STR(r.certificate_arn, CA_ARN "/certificate/ff");
	aws_pca_json_reply_clear(&r);

	CHECK_INT(decode(AWS_PCA_GET_CERTIFICATE,
	                 "{\"Certificate\":\"-----BEGIN CERTIFICATE-----\\nA\\n-----END "
	                 "CERTIFICATE-----\",\"CertificateChain\":\"C1\\nC2\"}",
	                 &r, &cause),
	          0);
	CHECK_STR(r.certificate, "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----");
	CHECK_STR(r.certificate_chain, "C1\nC2");
	aws_pca_json_reply_clear(&r);

	/* A root CA's certificate comes without a chain. */
	CHECK_INT(decode(AWS_PCA_GET_CA_CERTIFICATE, "{\"Certificate\":\"X\"}", &r, &cause), 0);
	CHECK_STR(r.certificate, "X");
	CHECK(r.certificate_chain == NULL);
	aws_pca_json_reply_clear(&r);

	CHECK_INT(
	    decode(AWS_PCA_DESCRIBE_CA,
	           "{\"CertificateAuthority\":{\"Arn\":\"" CA_ARN
	           "\",\"Status\":\"ACTIVE\",\"Type\":\"SUBORDINATE\","
	           "\"NotAfter\":1.8934596e9,\"CreatedAt\":1700000000.123,"
	           "\"CertificateAuthorityConfiguration\":{\"KeyAlgorithm\":\"EC_prime256v1\","
	           "\"SigningAlgorithm\":\"SHA256WITHECDSA\",\"Subject\":{}}}}",
	           &r, &cause),
	    0);
	CHECK_STR(r.ca_status, "ACTIVE");
	CHECK_STR(r.ca_type, "SUBORDINATE");
	CHECK_STR(r.ca_key_algorithm, "EC_prime256v1");
	CHECK_STR(r.ca_signing_algorithm, "SHA256WITHECDSA");
	CHECK_INT(r.ca_not_after, 1893459600);
	aws_pca_json_reply_clear(&r);

	/* A CA waiting for its certificate has no NotAfter yet. */
	CHECK_INT(decode(AWS_PCA_DESCRIBE_CA,
	                 "{\"CertificateAuthority\":{\"Status\":\"PENDING_CERTIFICATE\"}}", &r,
	                 &cause),
	          0);
	CHECK_STR(r.ca_status, "PENDING_CERTIFICATE");
	CHECK_INT(r.ca_not_after, 0);
	CHECK(r.ca_key_algorithm == NULL);
	aws_pca_json_reply_clear(&r);

	CHECK_INT(decode(AWS_PCA_REVOKE_CERTIFICATE, "", &r, &cause), 0);
	CHECK_INT(decode(AWS_PCA_REVOKE_CERTIFICATE, " \r\n", &r, &cause), 0);
	CHECK_INT(decode(AWS_PCA_REVOKE_CERTIFICATE, "{}", &r, &cause), 0);
}

static void
check_refused(enum aws_pca_op op, const char *body, const char *want)
{
	struct aws_pca_reply r;
	char *cause;

	CHECK_INT(decode(op, body, &r, &cause), -1);
	CHECK_CONTAINS(cause, want);
	CHECK(r.certificate_arn == NULL && r.certificate == NULL && r.ca_status == NULL);
	free(cause);
}

static void
test_decode_refusals(void)
{
	check_refused(AWS_PCA_ISSUE_CERTIFICATE, "{}", "CertificateArn is missing");
	check_refused(AWS_PCA_ISSUE_CERTIFICATE, "{\"CertificateArn\":null}",
	              "CertificateArn is missing");
	check_refused(AWS_PCA_ISSUE_CERTIFICATE, "{\"CertificateArn\":\"\"}",
	              "CertificateArn is empty");
	check_refused(AWS_PCA_ISSUE_CERTIFICATE, "{\"CertificateArn\":7}",
	              "CertificateArn is not a string");
	check_refused(AWS_PCA_ISSUE_CERTIFICATE, "", "the body is empty");
	check_refused(AWS_PCA_ISSUE_CERTIFICATE, "<html>", "at byte 0");
	check_refused(AWS_PCA_ISSUE_CERTIFICATE, "{\"CertificateArn\":\"a\"", "truncated");
	check_refused(AWS_PCA_ISSUE_CERTIFICATE, "[\"CertificateArn\"]",
	              "the body is a JSON array, not an object");
	check_refused(AWS_PCA_GET_CERTIFICATE, "{\"Certificate\":\"A\",\"CertificateChain\":[]}",
	              "CertificateChain is not a string");
	check_refused(AWS_PCA_GET_CERTIFICATE, "{\"CertificateChain\":\"A\"}",
	              "Certificate is missing");
	check_refused(AWS_PCA_DESCRIBE_CA, "{\"Arn\":\"x\"}", "CertificateAuthority is missing");
	check_refused(AWS_PCA_DESCRIBE_CA,
	              "{\"CertificateAuthority\":{\"Status\":\"ACTIVE\",\"NotAfter\":\"soon\"}}",
	              "NotAfter is not a time");
	check_refused(AWS_PCA_DESCRIBE_CA, "{\"CertificateAuthority\":{\"Type\":\"ROOT\"}}",
	              "Status is missing");
	check_refused(AWS_PCA_REVOKE_CERTIFICATE, "nope", "at byte 0");
}

/* Client behaviour that needs no peer: failures come on a later loop pass. */
static int ncalled;
static struct aws_pca_result last;
static char last_message[512];

static void
on_result(const struct aws_pca_result *res, void *arg)
{
	ncalled++;
	last = *res;
	snprintf(last_message, sizeof last_message, "%s", res->message);
	last.message = last_message;
}

static void
run_loop(int passes)
{
	while (passes-- > 0)
		event_base_loop(loop_base(), EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

static void
test_client_local_failures(void)
{
	struct http_client *http = NULL;
	struct aws_creds_src *creds = aws_creds_static("AKIDEXAMPLE", "secret", NULL);
	struct aws_pca *bad, *good;
	struct aws_pca_issue_params p = {.ca_arn = CA_ARN};
	struct aws_pca_call *c;
	char *cause = NULL;

	CHECK_INT(http_client_create(loop_base(), "test", &http, &cause), 0);
	bad = aws_pca_create(http, creds, "ftp://example.com", "us-east-1", "123456789012");
	good = aws_pca_create(http, creds, "http://127.0.0.1:9/", "us-east-1", "123456789012");

	ncalled = 0;
	c = aws_pca_describe_ca(bad, CA_ARN, on_result, NULL);
	CHECK_STR(aws_pca_call_state(c), "starting");
	CHECK_INT(ncalled, 0);
	run_loop(3);
	CHECK_INT(ncalled, 1);
	CHECK_INT(last.err, AWS_ERR_PERMANENT);
	CHECK_CONTAINS(last.message, "is not an http(s) URL");
	CHECK_INT(last.attempts, 0);

	/* Parameters the model requires are checked before anything is sent. */
	ncalled = 0;
	aws_pca_issue(good, &p, on_result, NULL);
	CHECK_INT(ncalled, 0);
	run_loop(3);
	CHECK_INT(ncalled, 1);
	CHECK_INT(last.err, AWS_ERR_PERMANENT);
	CHECK_STR(last.message, "IssueCertificate needs the CSR");

	/* Cancelled before the loop ran: never called back, in either client. */
	ncalled = 0;
	c = aws_pca_issue(good, &p, on_result, NULL);
	aws_pca_cancel(c);
	c = aws_pca_describe_ca(bad, CA_ARN, on_result, NULL);
	aws_pca_cancel(c);
	aws_pca_get_certificate(good, CA_ARN, CA_ARN "/certificate/1", on_result, NULL);
	/* Freeing the client cancels what it still holds. */
	aws_pca_free(good);
	run_loop(3);
	CHECK_INT(ncalled, 0);

	aws_pca_free(bad);
	http_client_free(http);
	aws_creds_src_free(creds);
}

/* What AWS quotes of a request is cut, and held credential values are masked. */
static void
test_clean_message(void)
{
	static const char sig[] =
	    "The request signature we calculated does not match the signature you provided. Check "
	    "your AWS Secret Access Key and signing method.\n\nThe Canonical String for this "
	    "request should have been\n'POST\n/\n\nx-amz-security-token:FQoGZXIvYXdzEXAMPLE\n'"
	    "\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n...'\n";
	const char *body = "{\"__type\":\"InvalidSignatureException\",\"message\":\"No. The "
	                   "canonical request: x-amz-security-token:FQoGZXIvYXdzEXAMPLE\"}";
	char *m, *code;

	m = aws_err_clean_message(sig);
	CHECK_STR(m,
	          "The request signature we calculated does not match the signature you "
	          "provided. Check your AWS Secret Access Key and signing method. (the canonical "
	          "request AWS quoted is left out)");
	free(m);
	secrets_add("AKIDSECRETVALUE0123456789");
	m = aws_err_clean_message("The security token AKIDSECRETVALUE0123456789 is invalid.");
	CHECK_STR(m, "The security token [REDACTED] is invalid.");
	free(m);
	/* Through the error decoder, as the client reads it. */
	code = aws_err_code(NULL, body, strlen(body), &m);
	CHECK_STR(code, "InvalidSignatureException");
	CHECK_STR(m, "No. (the canonical request AWS quoted is left out)");
	free(code);
	free(m);
	secrets_reset();
}

int
main(void)
{
	loop_init();
	TEST(test_code_forms);
	TEST(test_code_precedence);
	TEST(test_code_absent);
	TEST(test_code_without_message);
	TEST(test_classify_table);
	TEST(test_snippet);
	TEST(test_op_names);
	TEST(test_encode_issue);
	TEST(test_encode_issue_refusals);
	TEST(test_encode_others);
	TEST(test_decode_answers);
	TEST(test_decode_refusals);
	TEST(test_client_local_failures);
	TEST(test_clean_message);
	loop_free();
	return test_done();
}
