/*
 * Where to send AWS calls: the region and the endpoint URL.
 *
 * Region: the issuer's spec.region, else AWS_REGION, else AWS_DEFAULT_REGION,
 * else the region of the shared config profile, else the region inside the
 * CA's ARN.
 * Endpoint: AWS_ENDPOINT_URL_<SERVICE> (ACM_PCA, STS), else AWS_ENDPOINT_URL,
 * else the standard hostname of the region's partition (aws, aws-cn,
 * aws-us-gov, and the isolated ones), FIPS when AWS_USE_FIPS_ENDPOINT=true,
 * dual-stack when AWS_USE_DUALSTACK_ENDPOINT=true. The overrides are
 * ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true.
 */
#ifndef PCA_AWS_ENDPOINT_H
#define PCA_AWS_ENDPOINT_H

#include "aws/creds.h"

/*
 * Picks the region as described above; ca_arn may be NULL. Returns a new
 * string, or NULL with *cause when no source names one.
 */
char *aws_endpoint_region(const char *spec_region, const char *ca_arn,
                          const struct aws_creds_env *env, char **cause);

/*
 * The base URL (scheme://host[:port], or an override's URL with its path,
 * no trailing slash) for service ("acm-pca" or "sts") in region; a new
 * string, or NULL with *cause when an override is not a valid http(s) URL
 * or the region is not a DNS label. region NULL or "" is an error except for
 * sts, which then gets the global endpoint https://sts.amazonaws.com.
 */
char *aws_endpoint_url(const char *service, const char *region, const struct aws_creds_env *env,
                       char **cause);

/*
 * Checks an http(s)://host[:port][/path] URL (no user info, query or
 * fragment) and splits it: *host gets host[:port] as written (the Host
 * header to send and sign), *path the path or "/". Either may be NULL when
 * only the check is wanted. -1 with *cause.
 */
int aws_endpoint_parse(const char *url, char **host, char **path, char **cause);

#endif
