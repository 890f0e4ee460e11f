/*
 * Where AWS calls go: ARN parsing, the region an issuer uses, the partition
 * a region belongs to, and the endpoint URL of a service in a region.
 *
 * The partition table mirrors the AWS SDKs' endpoint data: a region's name
 * prefix picks its partition, the partition gives the DNS suffix, and FIPS
 * or dual-stack variants change the hostname. Overrides through
 * AWS_ENDPOINT_URL_<SERVICE> and AWS_ENDPOINT_URL win over all of it, as in
 * the SDKs, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/creds_profile.h"
#include "aws/endpoint.h"
#include "core/xmalloc.h"

struct aws_partition {
	const char *name;
	const char *prefix; /* region name prefix; NULL for the default partition */
	const char *dns_suffix;
	const char *dualstack_suffix; /* NULL when the partition has no dual-stack hosts */
	/* The FIPS hostname keeps the plain service name (GovCloud). */
	int fips_plain;
};

/* Longer prefixes first: "us-iso-" must not match "us-isob-" and vice versa. */
static const struct aws_partition aws_partitions[] = {
    {"aws-us-gov", "us-gov-", "amazonaws.com", "api.aws", 1},
    {"aws-iso-b", "us-isob-", "sc2s.sgov.gov", NULL, 0},
    {"aws-iso-f", "us-isof-", "csp.hci.ic.gov", NULL, 0},
    {"aws-iso-e", "eu-isoe-", "cloud.adc-e.uk", NULL, 0},
    {"aws-iso", "us-iso-", "c2s.ic.gov", NULL, 0},
    {"aws-cn", "cn-", "amazonaws.com.cn", "api.amazonwebservices.com.cn", 0},
    {"aws-eusc", "eusc-", "amazonaws.eu", "api.amazonwebservices.eu", 0},
    {"aws", NULL, "amazonaws.com", "api.aws", 0},
};
#define AWS_NPARTITIONS (sizeof aws_partitions / sizeof aws_partitions[0])

static const struct aws_partition *
aws_partition_find_region(const char *region)
{
	size_t i;

	for (i = 0; i < AWS_NPARTITIONS - 1; i++) {
		const char *p = aws_partitions[i].prefix;
		if (region != NULL && strncmp(region, p, strlen(p)) == 0)
			return &aws_partitions[i];
	}
	return &aws_partitions[AWS_NPARTITIONS - 1];
}

static const struct aws_partition *
aws_partition_find_name(const char *partition)
{
	size_t i;

	for (i = 0; i < AWS_NPARTITIONS; i++) {
		if (partition != NULL && strcmp(aws_partitions[i].name, partition) == 0)
			return &aws_partitions[i];
	}
	return &aws_partitions[AWS_NPARTITIONS - 1];
}

const char *
aws_partition_of_region(const char *region)
{
	return aws_partition_find_region(region)->name;
}

const char *
aws_partition_dns_suffix(const char *partition)
{
	return aws_partition_find_name(partition)->dns_suffix;
}

void
aws_arn_clear(struct aws_arn *arn)
{
	if (arn == NULL)
		return;
	free(arn->partition);
	free(arn->service);
	free(arn->region);
	free(arn->account);
	free(arn->resource);
	memset(arn, 0, sizeof *arn);
}

/* Partition, service, region and account hold no ':' and no blanks. */
static int
aws_arn_field_ok(const char *p, size_t len, int may_be_empty)
{
	size_t i;

	if (len == 0)
		return may_be_empty;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		if (!isalnum(c) && c != '-' && c != '_' && c != '.')
			return 0;
	}
	return 1;
}

int
aws_arn_parse(const char *arn, struct aws_arn *out, char **cause)
{
	static const char *const names[] = {"partition", "service", "region", "account"};
	const char *p, *colon;
	char *fields[4];
	size_t i;

	memset(out, 0, sizeof *out);
	if (arn == NULL || strncmp(arn, "arn:", 4) != 0) {
		*cause = xasprintf("invalid ARN \"%s\": it does not start with \"arn:\"",
		                   arn == NULL ? "" : arn);
		return -1;
	}
	p = arn + 4;
	for (i = 0; i < 4; i++) {
		colon = strchr(p, ':');
		if (colon == NULL) {
			*cause = xasprintf("invalid ARN \"%s\": expected "
			                   "arn:partition:service:region:account:resource",
			                   arn);
			goto fail;
		}
		if (!aws_arn_field_ok(p, (size_t)(colon - p), i >= 2)) {
			*cause = xasprintf("invalid ARN \"%s\": bad %s", arn, names[i]);
			goto fail;
		}
		fields[i] = xstrndup(p, (size_t)(colon - p));
		p = colon + 1;
	}
	if (*p == '\0') {
		*cause = xasprintf("invalid ARN \"%s\": the resource is empty", arn);
		goto fail;
	}
	out->partition = fields[0];
	out->service = fields[1];
	out->region = fields[2];
	out->account = fields[3];
	out->resource = xstrdup(p);
	return 0;
fail:
	while (i-- > 0)
		free(fields[i]);
	return -1;
}

char *
aws_region_resolve(const char *spec_region, const char *ca_arn, const struct aws_creds_env *env,
                   char **cause)
{
	struct aws_arn arn;
	const char *r;
	char *region, *arn_cause = NULL;

	if (spec_region != NULL && *spec_region != '\0')
		return xstrdup(spec_region);
	if ((r = aws_creds_env_get(env, "AWS_REGION")) != NULL)
		return xstrdup(r);
	if ((r = aws_creds_env_get(env, "AWS_DEFAULT_REGION")) != NULL)
		return xstrdup(r);
	if ((region = aws_creds_profile_region(env)) != NULL)
		return region;
	if (ca_arn != NULL && aws_arn_parse(ca_arn, &arn, &arn_cause) == 0) {
		if (*arn.region != '\0') {
			region = arn.region;
			arn.region = NULL;
			aws_arn_clear(&arn);
			return region;
		}
		aws_arn_clear(&arn);
	}
	free(arn_cause);
	*cause = xstrdup("no AWS region: set the issuer's spec.region or AWS_REGION, "
	                 "or use a CA ARN that names one");
	return NULL;
}

/* A region is one DNS label: it goes into a hostname. */
static int
aws_region_ok(const char *region)
{
	size_t i, n = strlen(region);

	if (n == 0 || n > 63 || region[0] == '-' || region[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)region[i];
		if (!islower(c) && !isdigit(c) && c != '-')
			return 0;
	}
	return 1;
}

static int
aws_env_true(const struct aws_creds_env *env, const char *name)
{
	const char *v = aws_creds_env_get(env, name);

	return v != NULL && strcasecmp(v, "true") == 0;
}

/* Parses the authority of url: host (a name or [v6]) and an optional port. */
static int
aws_endpoint_authority(const char *a, size_t len, char **cause, const char *url)
{
	size_t i = 0;

	if (len > 0 && a[0] == '[') {
		while (i < len && a[i] != ']') {
			if (!isxdigit((unsigned char)a[i]) && a[i] != ':' && a[i] != '[' &&
			    a[i] != '.')
				goto bad;
			i++;
		}
		if (i == len || i < 3)
			goto bad;
		i++;
	} else {
		while (i < len && a[i] != ':') {
			unsigned char c = (unsigned char)a[i];
			if (!isalnum(c) && c != '-' && c != '.' && c != '_')
				goto bad;
			i++;
		}
		if (i == 0)
			goto bad;
	}
	if (i < len) {
		unsigned long port = 0;
		if (a[i] != ':' || i + 1 == len || len - i - 1 > 5)
			goto bad;
		for (i++; i < len; i++) {
			if (!isdigit((unsigned char)a[i]))
				goto bad;
			port = port * 10 + (unsigned long)(a[i] - '0');
		}
		if (port == 0 || port > 65535)
			goto bad;
	}
	return 0;
bad:
	*cause = xasprintf("invalid endpoint URL \"%s\": bad host or port", url);
	return -1;
}

int
aws_endpoint_parse(const char *url, char **host, char **path, char **cause)
{
	const char *a, *slash, *p;
	size_t alen;

	if (strncasecmp(url, "https://", 8) == 0)
		a = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		a = url + 7;
	else {
		*cause = xasprintf("invalid endpoint URL \"%s\": it must start with "
		                   "http:// or https://",
		                   url);
		return -1;
	}
	slash = strchr(a, '/');
	alen = slash == NULL ? strlen(a) : (size_t)(slash - a);
	if (aws_endpoint_authority(a, alen, cause, url) != 0)
		return -1;
	for (p = a + alen; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '?' || *p == '#' ||
		    *p == '\\') {
			*cause = xasprintf("invalid endpoint URL \"%s\": the path may hold no "
			                   "query, fragment, blank or control character",
			                   url);
			return -1;
		}
	}
	if (host != NULL)
		*host = xstrndup(a, alen);
	if (path != NULL)
		*path = xstrdup(slash == NULL ? "/" : slash);
	return 0;
}

/* The configured override for service, or NULL. */
static const char *
aws_endpoint_override(const char *service, const struct aws_creds_env *env)
{
	char name[64];
	const char *v;
	size_t i, n;

	if (aws_env_true(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))
		return NULL;
	n = (size_t)snprintf(name, sizeof name, "AWS_ENDPOINT_URL_%s", service);
	for (i = 17; i < n && i < sizeof name; i++) {
		if (name[i] == '-' || name[i] == ' ')
			name[i] = '_';
		else
			name[i] = (char)toupper((unsigned char)name[i]);
	}
	if ((v = aws_creds_env_get(env, name)) != NULL)
		return v;
	return aws_creds_env_get(env, "AWS_ENDPOINT_URL");
}

static char *
aws_endpoint_from_override(const char *url, char **cause)
{
	size_t n;

	if (aws_endpoint_parse(url, NULL, NULL, cause) != 0)
		return NULL;
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	return xstrndup(url, n);
}

char *
aws_endpoint_url(const char *service, const char *region, const struct aws_creds_env *env,
                 char **cause)
{
	const struct aws_partition *pt;
	const char *v, *suffix;
	int fips, dualstack;

	if ((v = aws_endpoint_override(service, env)) != NULL)
		return aws_endpoint_from_override(v, cause);
	fips = aws_env_true(env, "AWS_USE_FIPS_ENDPOINT");
	dualstack = aws_env_true(env, "AWS_USE_DUALSTACK_ENDPOINT");
	if (region == NULL || *region == '\0') {
		if (strcmp(service, "sts") != 0) {
			*cause = xasprintf("no AWS region for %s", service);
			return NULL;
		}
		/* The SDKs' global STS endpoint signs for us-east-1. */
		if (!fips && !dualstack)
			return xstrdup("https://sts.amazonaws.com");
		region = "us-east-1";
	}
	if (!aws_region_ok(region)) {
		*cause = xasprintf("invalid AWS region \"%s\"", region);
		return NULL;
	}
	pt = aws_partition_find_region(region);
	suffix = pt->dns_suffix;
	if (dualstack) {
		if (pt->dualstack_suffix == NULL) {
			*cause = xasprintf("partition %s has no dual-stack endpoints", pt->name);
			return NULL;
		}
		suffix = pt->dualstack_suffix;
	}
	if (fips && !pt->fips_plain)
		return xasprintf("https://%s-fips.%s.%s", service, region, suffix);
	return xasprintf("https://%s.%s.%s", service, region, suffix);
}
