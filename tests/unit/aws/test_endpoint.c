/*
 * Tests for aws/endpoint: ARN parsing, the order in which the region is
 * chosen, the partition table, FIPS and dual-stack hostnames, and the
 * endpoint overrides with their validation. Each test gives the code its
 * own environment through struct aws_creds_env, never the process's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/arn.h"
#include "aws/endpoint.h"
#include "aws/partition.h"
#include "core/xmalloc.h"
#include "testutil.h"

/* An environment of "NAME=value" strings, NULL-terminated. */
static const char *
fake_getenv(const char *name, void *arg)
{
	const char *const *v = arg;
	size_t n = strlen(name);

	for (; *v != NULL; v++) {
		if (strncmp(*v, name, n) == 0 && (*v)[n] == '=')
			return *v + n + 1;
	}
	return NULL;
}

static struct aws_creds_env
env_of(const char *const *vars)
{
	struct aws_creds_env e = {fake_getenv, (void *)(uintptr_t)vars, "/nonexistent-home"};
	return e;
}

static void
test_arn_good(void)
{
	struct aws_arn a;
	char *cause = NULL;

	CHECK_INT(aws_arn_parse("arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/"
	                        "11111111-2222-3333-4444-555555555555",
	                        &a, &cause),
	          0);
	CHECK_STR(a.partition, "aws");
	CHECK_STR(a.service, "acm-pca");
	CHECK_STR(a.region, "us-east-1");
	CHECK_STR(a.account, "123456789012");
	CHECK_STR(a.resource, "certificate-authority/11111111-2222-3333-4444-555555555555");
	aws_arn_clear(&a);

	/* IAM ARNs have no region; resources may hold colons. */
	CHECK_INT(aws_arn_parse("arn:aws-us-gov:iam::123456789012:role/a:b", &a, &cause), 0);
	CHECK_STR(a.partition, "aws-us-gov");
	CHECK_STR(a.region, "");
	CHECK_STR(a.resource, "role/a:b");
	aws_arn_clear(&a);
	aws_arn_clear(NULL);
}

static void
check_bad_arn(const char *arn, const char *why)
{
	struct aws_arn a;
	char *cause = NULL;

	CHECK_INT(aws_arn_parse(arn, &a, &cause), -1);
	CHECK_CONTAINS(cause, why);
	CHECK(a.partition == NULL && a.resource == NULL);
	free(cause);
}

static void
test_arn_bad(void)
{
	check_bad_arn("", "does not start with \"arn:\"");
	check_bad_arn("urn:aws:acm-pca:us-east-1:1:x", "does not start");
	check_bad_arn("arn:aws:acm-pca:us-east-1", "expected arn:partition");
	check_bad_arn("arn:aws:acm-pca:us-east-1:123456789012", "expected arn:partition");
	check_bad_arn("arn:aws:acm-pca:us-east-1:123456789012:", "resource is empty");
	check_bad_arn("arn::acm-pca:us-east-1:1:x", "bad partition");
	check_bad_arn("arn:aws::us-east-1:1:x", "bad service");
	check_bad_arn("arn:aws:acm-pca:us east-1:1:x", "bad region");
	check_bad_arn("arn:aws:acm-pca:us-east-1:12/3:x", "bad account");
}

static void
check_region(const char *const *vars, const char *spec, const char *arn, const char *want)
{
	struct aws_creds_env e = env_of(vars);
	char *cause = NULL, *r = aws_endpoint_region(spec, arn, &e, &cause);

	if (want == NULL) {
		CHECK(r == NULL);
		CHECK_CONTAINS(cause, "no AWS region");
	} else {
		CHECK_STR(r, want);
	}
	free(r);
	free(cause);
}

static void
test_region_order(void)
{
	const char *arn = "arn:aws:acm-pca:eu-west-3:123456789012:certificate-authority/x";
	const char *both[] = {"AWS_REGION=us-west-2", "AWS_DEFAULT_REGION=ap-south-1", NULL};
	const char *dflt[] = {"AWS_DEFAULT_REGION=ap-south-1", NULL};
	const char *none[] = {NULL};

	check_region(both, "ca-central-1", arn, "ca-central-1");
	check_region(both, "", arn, "us-west-2");
	check_region(both, NULL, NULL, "us-west-2");
	check_region(dflt, NULL, arn, "ap-south-1");
	check_region(none, NULL, arn, "eu-west-3");
	check_region(none, NULL, "arn:aws:iam::123456789012:role/x", NULL);
	check_region(none, NULL, "not an arn", NULL);
	check_region(none, NULL, NULL, NULL);
}

/* The shared config profile's region comes after the variables, before the ARN. */
static void
test_region_profile(void)
{
	char dir[] = "/tmp/test-endpoint-XXXXXX", path[128], var[160];
	const char *vars[] = {var, "AWS_PROFILE=p", NULL};
	const char *with_env[] = {var, "AWS_PROFILE=p", "AWS_REGION=us-east-2", NULL};
	const char *arn = "arn:aws:acm-pca:eu-west-3:123456789012:certificate-authority/x";
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/config", dir);
	snprintf(var, sizeof var, "AWS_CONFIG_FILE=%s", path);
	f = fopen(path, "w");
	fputs("[default]\nregion = us-west-1\n[profile p]\nregion = eu-north-1\n", f);
	fclose(f);
	check_region(vars, NULL, arn, "eu-north-1");
	check_region(with_env, NULL, arn, "us-east-2");
	unlink(path);
	rmdir(dir);
}

static void
test_partitions(void)
{
	CHECK_STR(aws_partition_of_region("us-east-1"), "aws");
	CHECK_STR(aws_partition_of_region("eu-central-2"), "aws");
	CHECK_STR(aws_partition_of_region("cn-north-1"), "aws-cn");
	CHECK_STR(aws_partition_of_region("cn-northwest-1"), "aws-cn");
	CHECK_STR(aws_partition_of_region("us-gov-west-1"), "aws-us-gov");
	CHECK_STR(aws_partition_of_region("us-iso-east-1"), "aws-iso");
	CHECK_STR(aws_partition_of_region("us-isob-east-1"), "aws-iso-b");
	CHECK_STR(aws_partition_of_region("eu-isoe-west-1"), "aws-iso-e");
	CHECK_STR(aws_partition_of_region("us-isof-south-1"), "aws-iso-f");
	CHECK_STR(aws_partition_of_region("mars-north-1"), "aws");
	CHECK_STR(aws_partition_of_region(NULL), "aws");
	CHECK_STR(aws_partition_dns_suffix("aws"), "amazonaws.com");
	CHECK_STR(aws_partition_dns_suffix("aws-cn"), "amazonaws.com.cn");
	CHECK_STR(aws_partition_dns_suffix("aws-us-gov"), "amazonaws.com");
	CHECK_STR(aws_partition_dns_suffix("aws-iso"), "c2s.ic.gov");
	CHECK_STR(aws_partition_dns_suffix("aws-iso-b"), "sc2s.sgov.gov");
	CHECK_STR(aws_partition_dns_suffix("unknown"), "amazonaws.com");
}

static void
check_url(const char *const *vars, const char *service, const char *region, const char *want)
{
	struct aws_creds_env e = env_of(vars);
	char *cause = NULL, *u = aws_endpoint_url(service, region, &e, &cause);

	CHECK_STR(u, want);
	if (u == NULL)
		fprintf(stderr, "  cause: %s\n", cause);
	free(u);
	free(cause);
}

static void
check_url_error(const char *const *vars, const char *service, const char *region, const char *why)
{
	struct aws_creds_env e = env_of(vars);
	char *cause = NULL, *u = aws_endpoint_url(service, region, &e, &cause);

	CHECK(u == NULL);
	CHECK_CONTAINS(cause, why);
	free(u);
	free(cause);
}

static void
test_endpoint_table(void)
{
	const char *none[] = {NULL};

	check_url(none, "acm-pca", "us-east-1", "https://acm-pca.us-east-1.amazonaws.com");
	check_url(none, "acm-pca", "cn-north-1", "https://acm-pca.cn-north-1.amazonaws.com.cn");
	check_url(none, "acm-pca", "us-gov-west-1", "https://acm-pca.us-gov-west-1.amazonaws.com");
	check_url(none, "acm-pca", "us-iso-east-1", "https://acm-pca.us-iso-east-1.c2s.ic.gov");
	check_url(none, "acm-pca", "us-isob-east-1",
	          "https://acm-pca.us-isob-east-1.sc2s.sgov.gov");
	check_url(none, "sts", "eu-west-1", "https://sts.eu-west-1.amazonaws.com");
	check_url(none, "sts", NULL, "https://sts.amazonaws.com");
	check_url(none, "sts", "", "https://sts.amazonaws.com");
	check_url_error(none, "acm-pca", NULL, "no AWS region");
	check_url_error(none, "acm-pca", "us-east-1.evil.com/", "invalid AWS region");
	check_url_error(none, "acm-pca", "US-EAST-1", "invalid AWS region");
}

static void
test_endpoint_fips(void)
{
	const char *fips[] = {"AWS_USE_FIPS_ENDPOINT=true", NULL};
	const char *off[] = {"AWS_USE_FIPS_ENDPOINT=false", NULL};
	const char *ds[] = {"AWS_USE_DUALSTACK_ENDPOINT=TRUE", NULL};

	check_url(fips, "acm-pca", "us-east-1", "https://acm-pca-fips.us-east-1.amazonaws.com");
	check_url(fips, "sts", "us-west-2", "https://sts-fips.us-west-2.amazonaws.com");
	check_url(fips, "sts", NULL, "https://sts-fips.us-east-1.amazonaws.com");
	check_url(fips, "acm-pca", "ca-central-1",
	          "https://acm-pca-fips.ca-central-1.amazonaws.com");
	/* GovCloud's standard hostnames are its FIPS ones. */
	check_url(fips, "acm-pca", "us-gov-east-1", "https://acm-pca.us-gov-east-1.amazonaws.com");
	check_url(fips, "sts", "us-gov-west-1", "https://sts.us-gov-west-1.amazonaws.com");
	check_url(fips, "acm-pca", "us-isob-east-1",
	          "https://acm-pca-fips.us-isob-east-1.sc2s.sgov.gov");
	check_url(off, "acm-pca", "us-east-1", "https://acm-pca.us-east-1.amazonaws.com");
	check_url(ds, "acm-pca", "us-east-1", "https://acm-pca.us-east-1.api.aws");
	check_url(ds, "acm-pca", "cn-north-1",
	          "https://acm-pca.cn-north-1.api.amazonwebservices.com.cn");
	check_url_error(ds, "acm-pca", "us-iso-east-1", "no dual-stack");
}

static void
test_endpoint_overrides(void)
{
	const char *svc[] = {"AWS_ENDPOINT_URL_ACM_PCA=http://127.0.0.1:4566/",
	                     "AWS_ENDPOINT_URL=https://all.example.com", NULL};
	const char *sts[] = {"AWS_ENDPOINT_URL_STS=http://[::1]:5000/prefix/",
	                     "AWS_USE_FIPS_ENDPOINT=true", NULL};
	const char *global[] = {"AWS_ENDPOINT_URL=https://all.example.com:8443", NULL};
	const char *ignored[] = {"AWS_ENDPOINT_URL=https://all.example.com:8443",
	                         "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true", NULL};

	check_url(svc, "acm-pca", "us-east-1", "http://127.0.0.1:4566");
	check_url(svc, "sts", "us-east-1", "https://all.example.com");
	check_url(sts, "sts", "eu-west-1", "http://[::1]:5000/prefix");
	check_url(sts, "acm-pca", "eu-west-1", "https://acm-pca-fips.eu-west-1.amazonaws.com");
	check_url(global, "acm-pca", NULL, "https://all.example.com:8443");
	check_url(ignored, "acm-pca", "us-east-1", "https://acm-pca.us-east-1.amazonaws.com");
}

static void
check_override_error(const char *url, const char *why)
{
	char var[256];
	const char *vars[] = {var, NULL};

	snprintf(var, sizeof var, "AWS_ENDPOINT_URL_STS=%s", url);
	check_url_error(vars, "sts", "us-east-1", why);
}

static void
test_endpoint_override_errors(void)
{
	check_override_error("ftp://host", "must start with http:// or https://");
	check_override_error("host:443", "must start with http:// or https://");
	check_override_error("https://", "bad host or port");
	check_override_error("https://:443", "bad host or port");
	check_override_error("https://user@host", "bad host or port");
	check_override_error("https://host:0", "bad host or port");
	check_override_error("https://host:65536", "bad host or port");
	check_override_error("https://host:12a", "bad host or port");
	check_override_error("https://host:", "bad host or port");
	check_override_error("https://[::1", "bad host or port");
	check_override_error("https://host/x?y=1", "no query");
	check_override_error("https://host/x#frag", "no query");
	check_override_error("https://host/a b", "no query");
}

static void
test_endpoint_parse(void)
{
	char *host = NULL, *path = NULL, *cause = NULL;

	CHECK_INT(aws_endpoint_parse("HTTPS://sts.example.com:8443/a/b", &host, &path, &cause), 0);
	CHECK_STR(host, "sts.example.com:8443");
	CHECK_STR(path, "/a/b");
	free(host);
	free(path);
	CHECK_INT(aws_endpoint_parse("http://[fd00:ec2::254]", &host, &path, &cause), 0);
	CHECK_STR(host, "[fd00:ec2::254]");
	CHECK_STR(path, "/");
	free(host);
	free(path);
}

int
main(void)
{
	TEST(test_arn_good);
	TEST(test_arn_bad);
	TEST(test_region_order);
	TEST(test_region_profile);
	TEST(test_partitions);
	TEST(test_endpoint_table);
	TEST(test_endpoint_fips);
	TEST(test_endpoint_overrides);
	TEST(test_endpoint_override_errors);
	TEST(test_endpoint_parse);
	return test_done();
}
