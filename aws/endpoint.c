/*
 * Where AWS calls go: the region an issuer uses and the endpoint URL of a
 * service in a region (aws/partition.h gives the hostnames' suffixes).
 * Overrides through AWS_ENDPOINT_URL_<SERVICE> and AWS_ENDPOINT_URL win over
 * all of it, as in the SDKs, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/arn.h"
#include "aws/creds_profile.h"
#include "aws/endpoint.h"
#include "aws/partition.h"
#include "core/url.h"
#include "core/xmalloc.h"

char *
aws_endpoint_region(const char *spec_region, const char *ca_arn, const struct aws_creds_env *env,
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

/*
 * The scheme and the characters are checked on the text (they are what a
 * user gets wrong, and curl's messages for them are vague); the rest is
 * curl's reading of the URL, through core/url.h.
 */
int
aws_endpoint_parse(const char *url, char **host, char **path, char **cause)
{
	struct url u;
	const char *p, *authority;
	char *why = NULL;
	size_t alen;

	if (strncasecmp(url, "https://", 8) == 0)
		authority = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		authority = url + 7;
	else {
		*cause = xasprintf("invalid endpoint URL \"%s\": it must start with "
		                   "http:// or https://",
		                   url);
		return -1;
	}
	for (p = url; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '\\')
			goto bad_path;
	}
	alen = strcspn(authority, "/?#");
	if (alen > 0 && authority[alen - 1] == ':')
		goto bad_host; /* an empty port, which curl would drop */
	if (url_parse(url, &u, &why) != 0) {
		free(why);
		goto bad_host;
	}
	if (u.has_query || u.has_fragment) {
		url_clear(&u);
		goto bad_path;
	}
	if (u.has_user || (u.has_port && u.port == 0)) {
		url_clear(&u);
		goto bad_host;
	}
	if (host != NULL)
		*host = xstrdup(u.hostport);
	if (path != NULL)
		*path = xstrdup(u.path);
	url_clear(&u);
	return 0;
bad_host:
	*cause = xasprintf("invalid endpoint URL \"%s\": bad host or port", url);
	return -1;
bad_path:
	*cause = xasprintf("invalid endpoint URL \"%s\": the path may hold no query, fragment, "
	                   "blank or control character",
	                   url);
	return -1;
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
