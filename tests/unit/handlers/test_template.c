/*
 * Tests for handlers/template: the template chosen for every case of the Go
 * aws-privateca-issuer's mapping, under every partition, and the ABSOLUTE
 * validity end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/template.h"
#include "testutil.h"

#define MAX_USAGES 4

struct template_case {
	const char *what;
	const char *default_template;
	int is_ca;
	const char *usages[MAX_USAGES + 1];
	const char *expect;
};

static const struct template_case cases[] = {
    {"client", NULL, 0, {"client auth"}, "EndEntityClientAuthCertificate/V1"},
    {"server", NULL, 0, {"server auth"}, "EndEntityServerAuthCertificate/V1"},
    {"client server", NULL, 0, {"client auth", "server auth"}, "EndEntityCertificate/V1"},
    {"server client", NULL, 0, {"server auth", "client auth"}, "EndEntityCertificate/V1"},
    {"code signing", NULL, 0, {"code signing"}, "CodeSigningCertificate/V1"},
    {"ocsp signing", NULL, 0, {"ocsp signing"}, "OCSPSigningCertificate/V1"},
    {"other single", NULL, 0, {"timestamping"}, "BlankEndEntityCertificate_APICSRPassthrough/V1"},
    {"no usages", NULL, 0, {NULL}, "BlankEndEntityCertificate_APICSRPassthrough/V1"},
    {"cert-manager default",
     NULL,
     0,
     {"digital signature", "key encipherment"},
     "BlankEndEntityCertificate_APICSRPassthrough/V1"},
    {"server with key usages",
     NULL,
     0,
     {"digital signature", "key encipherment", "server auth"},
     "BlankEndEntityCertificate_APICSRPassthrough/V1"},
    {"server twice",
     NULL,
     0,
     {"server auth", "server auth"},
     "BlankEndEntityCertificate_APICSRPassthrough/V1"},
    {"server and code signing",
     NULL,
     0,
     {"server auth", "code signing"},
     "BlankEndEntityCertificate_APICSRPassthrough/V1"},
    {"client server client",
     NULL,
     0,
     {"client auth", "server auth", "client auth"},
     "BlankEndEntityCertificate_APICSRPassthrough/V1"},
    {"isCA default", NULL, 1, {NULL}, "SubordinateCACertificate_PathLen0/V1"},
    {"isCA wins over usages", NULL, 1, {"server auth"}, "SubordinateCACertificate_PathLen0/V1"},
    {"empty default template is unset",
     "",
     0,
     {"server auth"},
     "EndEntityServerAuthCertificate/V1"},
    {"default template wins over usages",
     "EndEntityCertificate_APIPassthrough/V1",
     0,
     {"server auth"},
     "EndEntityCertificate_APIPassthrough/V1"},
    {"default template wins over isCA",
     "SubordinateCACertificate_PathLen1/V1",
     1,
     {NULL},
     "SubordinateCACertificate_PathLen1/V1"},
};

static const char *const partitions[] = {"aws", "aws-cn", "aws-us-gov", "aws-iso-b", "fake"};

static void
test_every_case_every_partition(void)
{
	size_t i, p;

	for (p = 0; p < sizeof partitions / sizeof partitions[0]; p++) {
		for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			const struct template_case *c = &cases[i];
			char ca[256], want[256], *got = NULL, *cause = NULL;

			snprintf(ca, sizeof ca,
			         "arn:%s:acm-pca:us-east-1:123456789012:certificate-authority/"
			         "12345678-1234-1234-1234-123456789012",
			         partitions[p]);
			snprintf(want, sizeof want, "arn:%s:acm-pca:::template/%s", partitions[p],
			         c->expect);
			test_current = c->what;
			CHECK_STR(template_name(c->default_template, c->is_ca, c->usages),
			          c->expect);
			CHECK_INT(template_arn(ca, c->default_template, c->is_ca, c->usages, &got,
			                       &cause),
			          0);
			CHECK_STR(got, want);
			CHECK(cause == NULL);
			free(got);
		}
	}
	test_current = "test_every_case_every_partition";
}

static void
test_null_usages(void)
{
	CHECK_STR(template_name(NULL, 0, NULL), "BlankEndEntityCertificate_APICSRPassthrough/V1");
	CHECK_STR(template_name(NULL, 1, NULL), "SubordinateCACertificate_PathLen0/V1");
}

static void
test_bad_ca_arn(void)
{
	static const char *const bad[] = {"",
	                                  "arn",
	                                  "arn:",
	                                  "arn::acm-pca:::x",
	                                  "ARN:aws:acm-pca",
	                                  "arn:aws",
	                                  "urn:aws:acm-pca:us-east-1"};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char sentinel = 0, *got = &sentinel, *cause = NULL;

		CHECK_INT(template_arn(bad[i], NULL, 0, NULL, &got, &cause), -1);
		CHECK(got == NULL);
		CHECK_CONTAINS(cause, "does not start with arn:<partition>:");
		free(cause);
	}
}

static void
test_validity(void)
{
	int64_t now = 1700000000;

	/* No spec.duration: 30 days. */
	CHECK_INT(template_validity_end(now, 0), now + 30 * 86400);
	CHECK_INT(TEMPLATE_DEFAULT_DURATION_S, 2592000);
	/* cert-manager's usual 2160h, a short 1h, and seconds kept exactly. */
	CHECK_INT(template_validity_end(now, 2160 * 3600), now + 7776000);
	CHECK_INT(template_validity_end(now, 3600), now + 3600);
	CHECK_INT(template_validity_end(now, 3 * 3600 + 17), now + 10817);
	CHECK_INT(template_validity_end(now, -5), now + TEMPLATE_DEFAULT_DURATION_S);
	CHECK(template_validity_end(now, INT64_MAX - 10) == INT64_MAX);
}

int
main(void)
{
	TEST(test_every_case_every_partition);
	TEST(test_null_usages);
	TEST(test_bad_ca_arn);
	TEST(test_validity);
	return test_done();
}
