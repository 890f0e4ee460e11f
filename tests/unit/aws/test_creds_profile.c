/*
 * Tests for the shared config and credentials files (aws/creds_profile):
 * the INI syntax the SDKs accept, precedence between the two files, errors
 * naming file:line, and the resolution of profiles into plans: static keys,
 * role chains through source_profile, credential_source, web identity, and
 * every broken chain the SDKs refuse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/creds_profile.h"
#include "core/buf.h"
#include "core/xmalloc.h"
#include "testutil.h"

static struct aws_creds_profiles *
parse2(const char *config, const char *credentials)
{
	struct aws_creds_profiles *ps = aws_creds_profiles_create();
	char *cause = NULL;

	if (config != NULL &&
	    aws_creds_profiles_parse(ps, config, strlen(config), "config", 1, &cause) != 0) {
		fprintf(stderr, "unexpected: %s\n", cause);
		test_failed_checks++;
		free(cause);
	}
	if (credentials != NULL && aws_creds_profiles_parse(ps, credentials, strlen(credentials),
	                                                    "credentials", 0, &cause) != 0) {
		fprintf(stderr, "unexpected: %s\n", cause);
		test_failed_checks++;
		free(cause);
	}
	return ps;
}

static void
test_ini_syntax(void)
{
	const char *config = "# a comment\n"
	                     "; another\n"
	                     "[default]\n"
	                     "region=us-east-1\n"
	                     "  \n"
	                     "[profile  dev ] # trailing comment\n"
	                     "  output = json   \n"
	                     "region = eu-west-1 ; inline comment\n"
	                     "url = https://x/#anchor\n"
	                     "s3 =\n"
	                     "  max_concurrent_requests = 10\n"
	                     "\tsignature_version = s3v4\n"
	                     "[sso-session corp]\n"
	                     "sso_region = us-east-1\n"
	                     "[bare]\n"
	                     "region = ap-south-1\n"
	                     "[profile with space]\n"
	                     "region = x\n"
	                     "[profile crlf]\r\n"
	                     "region = sa-east-1\r\n";
	struct aws_creds_profiles *ps = parse2(config, NULL);

	CHECK_STR(aws_creds_profiles_get(ps, "default", "region"), "us-east-1");
	CHECK_STR(aws_creds_profiles_get(ps, "dev", "output"), "json");
	CHECK_STR(aws_creds_profiles_get(ps, "dev", "REGION"), "eu-west-1");
	CHECK_STR(aws_creds_profiles_get(ps, "dev", "url"), "https://x/#anchor");
	CHECK_STR(aws_creds_profiles_get(ps, "dev", "s3"), "");
	CHECK(aws_creds_profiles_get(ps, "dev", "max_concurrent_requests") == NULL);
	CHECK(!aws_creds_profiles_has(ps, "corp"));
	CHECK(!aws_creds_profiles_has(ps, "sso-session corp"));
	CHECK(!aws_creds_profiles_has(ps, "bare"));
	CHECK(!aws_creds_profiles_has(ps, "with space"));
	CHECK(!aws_creds_profiles_has(ps, "Default"));
	CHECK_STR(aws_creds_profiles_get(ps, "crlf", "region"), "sa-east-1");
	CHECK_STR(aws_creds_profiles_where(ps, "dev", "region"), "config:8");
	CHECK_STR(aws_creds_profiles_where(ps, "dev", NULL), "config:6");
	CHECK_STR(aws_creds_profiles_where(ps, "nope", NULL), "");
	aws_creds_profiles_free(ps);
}

/* The credentials file wins over config; within a file the last value wins. */
static void
test_precedence(void)
{
	const char *config = "[profile a]\n"
	                     "aws_access_key_id = FROMCONFIG\n"
	                     "region = us-east-1\n"
	                     "[default]\n"
	                     "region = eu-west-1\n"
	                     "[profile default]\n"
	                     "output = text\n";
	const char *credentials = "[a]\n"
	                          "aws_access_key_id = FROMCREDS\n"
	                          "[a]\n"
	                          "aws_secret_access_key = s1\n"
	                          "aws_secret_access_key = s2\n"
	                          "[profile b]\n"
	                          "x = 1\n";
	struct aws_creds_profiles *ps = parse2(config, credentials);

	CHECK_STR(aws_creds_profiles_get(ps, "a", "aws_access_key_id"), "FROMCREDS");
	CHECK_STR(aws_creds_profiles_get(ps, "a", "aws_secret_access_key"), "s2");
	CHECK_STR(aws_creds_profiles_get(ps, "a", "region"), "us-east-1");
	CHECK_STR(aws_creds_profiles_where(ps, "a", "aws_access_key_id"), "credentials:2");
	CHECK_STR(aws_creds_profiles_get(ps, "default", "region"), "eu-west-1");
	CHECK_STR(aws_creds_profiles_get(ps, "default", "output"), "text");
	/* The credentials file has no "profile " prefix: the SDKs skip such sections. */
	CHECK(!aws_creds_profiles_has(ps, "profile b"));
	CHECK(!aws_creds_profiles_has(ps, "b"));
	aws_creds_profiles_free(ps);
}

static void
check_syntax_error(const char *text, int is_config, const char *want)
{
	struct aws_creds_profiles *ps = aws_creds_profiles_create();
	char *cause = NULL;

	CHECK_INT(
	    aws_creds_profiles_parse(ps, text, strlen(text), "/home/u/.aws/f", is_config, &cause),
	    -1);
	CHECK_CONTAINS(cause, want);
	free(cause);
	aws_creds_profiles_free(ps);
}

static void
test_ini_errors(void)
{
	check_syntax_error("region = us-east-1\n", 1,
	                   "/home/u/.aws/f:1: property outside any [profile] section");
	check_syntax_error("[default]\nregion\n", 1, "/home/u/.aws/f:2: expected \"key = value\"");
	check_syntax_error("[default]\n\n\n[profile x\n", 1,
	                   "/home/u/.aws/f:4: section header without a closing ']'");
	check_syntax_error("[default] junk\n", 0, "f:1: unexpected text after the section header");
	check_syntax_error("[default]\n= v\n", 0, "f:2: property without a name");
	check_syntax_error("[default]\n  = v\n", 0, "f:2: property without a name");
	check_syntax_error("[]\n", 0, "f:1: empty profile name");
	check_syntax_error("[ ]\n", 1, "f:1: empty profile name");
	check_syntax_error("[default]\n  indented\n", 1, "f:2: expected \"key = value\"");
}

static void
test_nul_byte(void)
{
	static const char text[] = "[default]\nx = a\0b\n";
	struct aws_creds_profiles *ps = aws_creds_profiles_create();
	char *cause = NULL;

	CHECK_INT(aws_creds_profiles_parse(ps, text, sizeof text - 1, "f", 1, &cause), -1);
	CHECK_CONTAINS(cause, "f:2: NUL byte");
	free(cause);
	aws_creds_profiles_free(ps);
}

static int
plan_of(const char *config, const char *credentials, const char *profile,
        struct aws_creds_plan *plan, char **cause)
{
	struct aws_creds_profiles *ps = parse2(config, credentials);
	int rc = aws_creds_profile_plan(ps, profile, plan, cause);

	aws_creds_profiles_free(ps);
	return rc;
}

static void
test_plan_static(void)
{
	struct aws_creds_plan plan;
	char *cause = NULL;

	CHECK_INT(plan_of("[default]\nregion = eu-west-2\n",
	                  "[default]\naws_access_key_id = AKIA1\naws_secret_access_key = s\n",
	                  "default", &plan, &cause),
	          0);
	CHECK_INT(plan.base, AWS_CREDS_PLAN_STATIC);
	CHECK_STR(plan.base_profile, "default");
	CHECK_INT(plan.nroles, 0);
	CHECK_STR(plan.region, "eu-west-2");
	aws_creds_plan_clear(&plan);

	/* Nothing configured, or no such profile: the chain moves on. */
	CHECK_INT(plan_of("[default]\nregion = x\n", NULL, "default", &plan, &cause), 0);
	CHECK_INT(plan.base, AWS_CREDS_PLAN_NONE);
	aws_creds_plan_clear(&plan);
	CHECK_INT(plan_of("[default]\nregion = x\n", NULL, "other", &plan, &cause), 0);
	CHECK_INT(plan.base, AWS_CREDS_PLAN_NONE);
	aws_creds_plan_clear(&plan);
}

/* prod -> mid -> base: base's keys assume mid's role, then prod's. */
static void
test_plan_role_chain(void)
{
	const char *config = "[profile prod]\n"
	                     "role_arn = arn:aws:iam::111111111111:role/prod\n"
	                     "source_profile = mid\n"
	                     "external_id = ext-1\n"
	                     "role_session_name = sess\n"
	                     "duration_seconds = 1800\n"
	                     "region = us-west-2\n"
	                     "[profile mid]\n"
	                     "role_arn = arn:aws:iam::222222222222:role/mid\n"
	                     "source_profile = base\n";
	const char *credentials = "[base]\n"
	                          "aws_access_key_id = AKIABASE\n"
	                          "aws_secret_access_key = secret\n";
	struct aws_creds_plan plan;
	char *cause = NULL;

	CHECK_INT(plan_of(config, credentials, "prod", &plan, &cause), 0);
	CHECK_INT(plan.base, AWS_CREDS_PLAN_STATIC);
	CHECK_STR(plan.base_profile, "base");
	CHECK_INT(plan.nroles, 2);
	CHECK_STR(plan.roles[0].role_arn, "arn:aws:iam::222222222222:role/mid");
	CHECK_STR(plan.roles[0].profile, "mid");
	CHECK(plan.roles[0].external_id == NULL);
	CHECK_INT(plan.roles[0].duration_s, 0);
	CHECK_STR(plan.roles[1].role_arn, "arn:aws:iam::111111111111:role/prod");
	CHECK_STR(plan.roles[1].external_id, "ext-1");
	CHECK_STR(plan.roles[1].session_name, "sess");
	CHECK_INT(plan.roles[1].duration_s, 1800);
	CHECK_STR(plan.region, "us-west-2");
	aws_creds_plan_clear(&plan);
}

static void
test_plan_sources(void)
{
	struct aws_creds_plan plan;
	char *cause = NULL;

	CHECK_INT(plan_of("[default]\nrole_arn = arn:aws:iam::1:role/r\n"
	                  "credential_source = Ec2InstanceMetadata\n",
	                  NULL, "default", &plan, &cause),
	          0);
	CHECK_INT(plan.base, AWS_CREDS_PLAN_IMDS);
	CHECK_INT(plan.nroles, 1);
	aws_creds_plan_clear(&plan);

	CHECK_INT(plan_of("[default]\nrole_arn = arn:aws:iam::1:role/r\n"
	                  "credential_source = EcsContainer\n",
	                  NULL, "default", &plan, &cause),
	          0);
	CHECK_INT(plan.base, AWS_CREDS_PLAN_CONTAINER);
	aws_creds_plan_clear(&plan);

	CHECK_INT(plan_of("[default]\nrole_arn = arn:aws:iam::1:role/r\n"
	                  "credential_source = Environment\n",
	                  NULL, "default", &plan, &cause),
	          0);
	CHECK_INT(plan.base, AWS_CREDS_PLAN_ENV);
	aws_creds_plan_clear(&plan);

	CHECK_INT(plan_of("[default]\nrole_arn = arn:aws:iam::1:role/web\n"
	                  "web_identity_token_file = /var/run/token\nrole_session_name = s1\n",
	                  NULL, "default", &plan, &cause),
	          0);
	CHECK_INT(plan.base, AWS_CREDS_PLAN_WEB_IDENTITY);
	CHECK_STR(plan.token_file, "/var/run/token");
	CHECK_STR(plan.web.role_arn, "arn:aws:iam::1:role/web");
	CHECK_STR(plan.web.session_name, "s1");
	CHECK_INT(plan.nroles, 0);
	aws_creds_plan_clear(&plan);

	/* A role on top of a web identity profile. */
	CHECK_INT(plan_of("[profile top]\nrole_arn = arn:aws:iam::1:role/top\nsource_profile = w\n"
	                  "[profile w]\nrole_arn = arn:aws:iam::1:role/web\n"
	                  "web_identity_token_file = /t\n",
	                  NULL, "top", &plan, &cause),
	          0);
	CHECK_INT(plan.base, AWS_CREDS_PLAN_WEB_IDENTITY);
	CHECK_INT(plan.nroles, 1);
	CHECK_STR(plan.roles[0].role_arn, "arn:aws:iam::1:role/top");
	aws_creds_plan_clear(&plan);

	/* A profile naming itself uses its own keys under the role. */
	CHECK_INT(plan_of(NULL,
	                  "[me]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = me\n"
	                  "aws_access_key_id = A\naws_secret_access_key = B\n",
	                  "me", &plan, &cause),
	          0);
	CHECK_INT(plan.base, AWS_CREDS_PLAN_STATIC);
	CHECK_STR(plan.base_profile, "me");
	CHECK_INT(plan.nroles, 1);
	aws_creds_plan_clear(&plan);
}

static void
check_plan_error(const char *config, const char *credentials, const char *profile, const char *want)
{
	struct aws_creds_plan plan;
	char *cause = NULL;

	CHECK_INT(plan_of(config, credentials, profile, &plan, &cause), -1);
	CHECK_CONTAINS(cause, want);
	CHECK(plan.nroles == 0 && plan.base_profile == NULL);
	free(cause);
}

static void
test_plan_errors(void)
{
	check_plan_error(NULL, "[default]\naws_access_key_id = A\n", "default",
	                 "credentials:2: profile \"default\" sets aws_access_key_id without "
	                 "aws_secret_access_key");
	check_plan_error(NULL, "[default]\n\naws_secret_access_key = A\n", "default",
	                 "credentials:3: profile \"default\" sets aws_secret_access_key without");
	check_plan_error("[default]\nrole_arn = arn:aws:iam::1:role/r\n", NULL, "default",
	                 "config:2: profile \"default\": role_arn needs source_profile");
	check_plan_error("[default]\nrole_arn = r\nsource_profile = gone\n", NULL, "default",
	                 "config:3: profile \"default\": source_profile \"gone\" does not exist");
	check_plan_error("[default]\nrole_arn = r\nsource_profile = a\n"
	                 "[profile a]\nrole_arn = r2\nsource_profile = b\n"
	                 "[profile b]\nrole_arn = r3\nsource_profile = a\n",
	                 NULL, "default",
	                 "config:9: profile \"b\": source_profile loop: default -> a -> b -> a");
	check_plan_error("[default]\nrole_arn = r\nsource_profile = a\n[profile a]\nregion = x\n",
	                 NULL, "default", "config:4: source profile \"a\" has no credentials");
	check_plan_error("[default]\nrole_arn = r\ncredential_source = Magic\n", NULL, "default",
	                 "config:3: profile \"default\": unknown credential_source \"Magic\"");
	check_plan_error("[default]\nrole_arn = r\ncredential_source = Environment\n"
	                 "source_profile = x\n",
	                 NULL, "default", "sets both source_profile and credential_source");
	check_plan_error("[default]\ncredential_process = /bin/creds\n", NULL, "default",
	                 "config:2: profile \"default\": credential_process is not supported");
	check_plan_error("[default]\nsso_session = corp\n", NULL, "default",
	                 "SSO profiles are not supported");
	check_plan_error("[default]\nrole_arn = r\nsource_profile = default\n", NULL, "default",
	                 "is its own source_profile but has no keys");
	check_plan_error("[default]\nrole_arn = r\nsource_profile = b\nduration_seconds = 60\n"
	                 "[profile b]\naws_access_key_id = A\naws_secret_access_key = B\n",
	                 NULL, "default",
	                 "config:4: profile \"default\": duration_seconds must be");
}

/* Nine roles deep is one too many. */
static void
test_plan_too_long(void)
{
	struct buf b = BUF_INIT;
	int i;

	for (i = 0; i < 9; i++)
		buf_printf(
		    &b, "[profile p%d]\nrole_arn = arn:aws:iam::1:role/r%d\nsource_profile = p%d\n",
		    i, i, i + 1);
	buf_printf(&b, "[profile p9]\naws_access_key_id = A\naws_secret_access_key = B\n");
	check_plan_error(buf_str(&b), NULL, "p0", "a role chain may hold at most 8 roles");
	buf_clear(&b);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

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

/* Files found through HOME, through the variables (with "~/"), and missing or unreadable ones. */
static void
test_load_files(void)
{
	char home[] = "/tmp/test-profile-XXXXXX", p[256], v1[300], v2[300];
	const char *byhome[] = {NULL};
	const char *byvar[] = {v1, v2, NULL};
	struct aws_creds_env env = {fake_getenv, byhome, home};
	struct aws_creds_profiles *ps = NULL;
	char *cause = NULL, *region;
	int n = -1;

	CHECK(mkdtemp(home) != NULL);
	snprintf(p, sizeof p, "%s/.aws", home);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/.aws/config", home);
	write_file(p, "[default]\nregion = eu-west-1\n");
	snprintf(p, sizeof p, "%s/.aws/credentials", home);
	write_file(p, "[default]\naws_access_key_id = AKIA\naws_secret_access_key = s\n");
	CHECK_INT(aws_creds_profiles_load(&env, &ps, &n, &cause), 0);
	CHECK_INT(n, 2);
	CHECK_STR(aws_creds_profiles_get(ps, "default", "aws_access_key_id"), "AKIA");
	CHECK_CONTAINS(aws_creds_profiles_where(ps, "default", "aws_access_key_id"),
	               "/.aws/credentials:2");
	aws_creds_profiles_free(ps);
	region = aws_creds_profile_region(&env);
	CHECK_STR(region, "eu-west-1");
	free(region);

	snprintf(p, sizeof p, "%s/other", home);
	write_file(p, "[profile x]\nregion = ap-east-1\n[profile x\n");
	snprintf(v1, sizeof v1, "AWS_CONFIG_FILE=~/other");
	snprintf(v2, sizeof v2, "AWS_SHARED_CREDENTIALS_FILE=%s/missing", home);
	env.arg = byvar;
	CHECK_INT(aws_creds_profiles_load(&env, &ps, &n, &cause), -1);
	CHECK_CONTAINS(cause, "/other:3: section header without a closing ']'");
	free(cause);
	cause = NULL;

	write_file(p, "[profile x]\nregion = ap-east-1\n");
	CHECK_INT(aws_creds_profiles_load(&env, &ps, &n, &cause), 0);
	CHECK_INT(n, 1);
	CHECK_STR(aws_creds_profiles_get(ps, "x", "region"), "ap-east-1");
	aws_creds_profiles_free(ps);

	/* A directory where the file should be cannot be read. */
	snprintf(v2, sizeof v2, "AWS_SHARED_CREDENTIALS_FILE=%s/.aws", home);
	CHECK_INT(aws_creds_profiles_load(&env, &ps, &n, &cause), -1);
	CHECK_CONTAINS(cause, "cannot read");
	free(cause);

	snprintf(p, sizeof p, "rm -rf %s", home);
	CHECK_INT(system(p), 0);
}

int
main(void)
{
	TEST(test_ini_syntax);
	TEST(test_precedence);
	TEST(test_ini_errors);
	TEST(test_nul_byte);
	TEST(test_plan_static);
	TEST(test_plan_role_chain);
	TEST(test_plan_sources);
	TEST(test_plan_errors);
	TEST(test_plan_too_long);
	TEST(test_load_files);
	return test_done();
}
