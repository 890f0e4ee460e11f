/*
 * The choice of certificate template and validity, as pure functions of
 * the CertificateRequest and issuer fields. Like the Go issuer's, the usage
 * mapping looks at the list as given, without removing duplicates or
 * aliases: ["server auth", "server auth"] or ["signing"] get the
 * passthrough template.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "handlers/template.h"

#define TEMPLATE_SUBORDINATE_CA "SubordinateCACertificate_PathLen0/V1"
#define TEMPLATE_PASSTHROUGH    "BlankEndEntityCertificate_APICSRPassthrough/V1"
#define TEMPLATE_CLIENT_SERVER  "EndEntityCertificate/V1"

struct template_single {
	const char *usage;
	const char *name;
};

/* The requests with exactly one usage that get a template of their own. */
static const struct template_single template_singles[] = {
    {"code signing", "CodeSigningCertificate/V1"},
    {"client auth", "EndEntityClientAuthCertificate/V1"},
    {"server auth", "EndEntityServerAuthCertificate/V1"},
    {"ocsp signing", "OCSPSigningCertificate/V1"},
};

static size_t
template_count(const char *const *usages)
{
	size_t n = 0;

	while (usages != NULL && usages[n] != NULL)
		n++;
	return n;
}

static int
template_is_client_server(const char *a, const char *b)
{
	return (strcmp(a, "client auth") == 0 && strcmp(b, "server auth") == 0) ||
	       (strcmp(a, "server auth") == 0 && strcmp(b, "client auth") == 0);
}

const char *
template_name(const char *default_template, int is_ca, const char *const *usages)
{
	size_t i, n = template_count(usages);

	if (default_template != NULL && *default_template != '\0')
		return default_template;
	if (is_ca)
		return TEMPLATE_SUBORDINATE_CA;
	if (n == 1) {
		for (i = 0; i < sizeof template_singles / sizeof template_singles[0]; i++) {
			if (strcmp(usages[0], template_singles[i].usage) == 0)
				return template_singles[i].name;
		}
	} else if (n == 2 && template_is_client_server(usages[0], usages[1]))
		return TEMPLATE_CLIENT_SERVER;
	return TEMPLATE_PASSTHROUGH;
}

/* Length of the partition in "arn:<partition>:...", or 0 if there is none. */
static size_t
template_partition_len(const char *arn)
{
	size_t n;

	if (arn == NULL || strncmp(arn, "arn:", 4) != 0)
		return 0;
	n = strspn(arn + 4, "abcdefghijklmnopqrstuvwxyz0123456789-");
	return arn[4 + n] == ':' ? n : 0;
}

int
template_arn(const char *ca_arn, const char *default_template, int is_ca, const char *const *usages,
             char **out, char **cause)
{
	size_t plen = template_partition_len(ca_arn);

	*out = NULL;
	if (plen == 0) {
		*cause = xasprintf("the CA ARN \"%s\" does not start with arn:<partition>:",
		                   ca_arn != NULL ? ca_arn : "");
		return -1;
	}
	*out = xasprintf("arn:%.*s:acm-pca:::template/%s", (int)plen, ca_arn + 4,
	                 template_name(default_template, is_ca, usages));
	return 0;
}

int64_t
template_validity_end(int64_t now, int64_t duration_s)
{
	int64_t d = duration_s > 0 ? duration_s : TEMPLATE_DEFAULT_DURATION_S;

	return now > INT64_MAX - d ? INT64_MAX : now + d;
}
