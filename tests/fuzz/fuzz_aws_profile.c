/*
 * libFuzzer target for the shared config and credentials file reader and
 * the profile resolution (aws/creds_profile).
 *
 * Input layout: the bytes before the first NUL are the config file, the
 * bytes after it the credentials file. Profiles "default", "a", "b" and
 * "app" are then resolved. Properties that hold for any input:
 *   - a syntax error names the file and line ("config:N: ..." or
 *     "credentials:N: ...");
 *   - a plan error names a file and line too, and leaves the plan empty;
 *   - a plan holds at most AWS_CREDS_PLAN_MAX_ROLES roles, each with a role
 *     ARN, and a static base names the profile holding both keys.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/creds_profile.h"
#include "core/xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check_cause(const char *cause)
{
	if (cause == NULL ||
	    (strncmp(cause, "config:", 7) != 0 && strncmp(cause, "credentials:", 12) != 0))
		abort();
}

static void
fuzz_plan(const struct aws_creds_profiles *ps, const char *name)
{
	struct aws_creds_plan plan;
	char *cause = NULL;
	size_t i;

	if (aws_creds_profile_plan(ps, name, &plan, &cause) != 0) {
		fuzz_check_cause(cause);
		if (plan.nroles != 0 || plan.base_profile != NULL || plan.region != NULL)
			abort();
		free(cause);
		return;
	}
	if (plan.nroles > AWS_CREDS_PLAN_MAX_ROLES)
		abort();
	for (i = 0; i < plan.nroles; i++) {
		if (plan.roles[i].role_arn == NULL)
			abort();
	}
	if (plan.base == AWS_CREDS_PLAN_STATIC &&
	    (aws_creds_profiles_get(ps, plan.base_profile, "aws_access_key_id") == NULL ||
	     aws_creds_profiles_get(ps, plan.base_profile, "aws_secret_access_key") == NULL))
		abort();
	if (plan.base == AWS_CREDS_PLAN_WEB_IDENTITY && plan.token_file == NULL)
		abort();
	aws_creds_plan_clear(&plan);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_creds_profiles *ps = aws_creds_profiles_create();
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size);
	size_t n1 = nul == NULL ? size : (size_t)(nul - text);
	char *cause = NULL;

	if (aws_creds_profiles_parse(ps, text, n1, "config", 1, &cause) != 0) {
		fuzz_check_cause(cause);
		free(cause);
		cause = NULL;
	}
	if (nul != NULL &&
	    aws_creds_profiles_parse(ps, nul + 1, size - n1 - 1, "credentials", 0, &cause) != 0) {
		fuzz_check_cause(cause);
		free(cause);
	}
	fuzz_plan(ps, "default");
	fuzz_plan(ps, "a");
	fuzz_plan(ps, "b");
	fuzz_plan(ps, "app");
	aws_creds_profiles_free(ps);
	return 0;
}
