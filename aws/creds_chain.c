/*
 * The default credential chain of the AWS SDKs, and the two sources that
 * read only local configuration: the environment variables and a profile's
 * keys in the shared files.
 *
 * The chain decides once, at creation, which source applies: the first
 * whose configuration is present. Unlike the SDKs it does not fall through
 * to the next source at run time, so a source that fails keeps failing
 * loudly instead of silently switching identity.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/creds_impl.h"
#include "aws/creds_profile.h"
#include "core/buf.h"
#include "core/xmalloc.h"

/* Environment keys: read once, at creation, like the process environment itself. */
static void
aws_creds_env_fetch(struct aws_creds_src *src, void *state)
{
	aws_creds_src_done(src, state, NULL);
}

static void
aws_creds_env_free(void *state)
{
	aws_creds_clear(state);
	free(state);
}

static const struct aws_creds_ops aws_creds_env_ops = {
    .kind = "env",
    .fetch = aws_creds_env_fetch,
    .free = aws_creds_env_free,
};

struct aws_creds_src *
aws_creds_env_src(const struct aws_creds_env *env, char **cause)
{
	const char *id = aws_creds_env_get(env, "AWS_ACCESS_KEY_ID");
	const char *secret = aws_creds_env_get(env, "AWS_SECRET_ACCESS_KEY");
	struct aws_creds tmp, *c;

	if (id == NULL || secret == NULL) {
		*cause = xasprintf("%s is set but %s is not",
		                   id != NULL ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		                   id != NULL ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
		return NULL;
	}
	tmp.access_key_id = (char *)(uintptr_t)id;
	tmp.secret_access_key = (char *)(uintptr_t)secret;
	tmp.session_token = (char *)(uintptr_t)aws_creds_env_get(env, "AWS_SESSION_TOKEN");
	tmp.expires_ms = 0;
	c = xcalloc(1, sizeof *c);
	aws_creds_copy(c, &tmp);
	return aws_creds_src_create(&aws_creds_env_ops, c);
}

/*
 * A profile's keys, re-read from the files on each fetch: a fetch happens
 * only at first use and after aws_creds_invalidate(), which is when a
 * rotated file should be picked up. The paths are fixed at creation.
 */
struct aws_creds_profile_src {
	char *config;
	char *credentials;
	char *profile;
};

static void
aws_creds_profile_fetch(struct aws_creds_src *src, void *state)
{
	struct aws_creds_profile_src *p = state;
	struct aws_creds_profiles *ps;
	struct aws_creds c;
	char *cause = NULL;
	const char *id, *secret;

	if (aws_creds_profiles_load_paths(p->config, p->credentials, &ps, NULL, &cause) != 0) {
		aws_creds_src_done(src, NULL, cause);
		free(cause);
		return;
	}
	id = aws_creds_profiles_get(ps, p->profile, "aws_access_key_id");
	secret = aws_creds_profiles_get(ps, p->profile, "aws_secret_access_key");
	if (id == NULL || secret == NULL || *id == '\0' || *secret == '\0') {
		cause = xasprintf("profile \"%s\" holds no aws_access_key_id and "
		                  "aws_secret_access_key any more",
		                  p->profile);
		aws_creds_src_done(src, NULL, cause);
		free(cause);
	} else {
		c.access_key_id = (char *)(uintptr_t)id;
		c.secret_access_key = (char *)(uintptr_t)secret;
		c.session_token =
		    (char *)(uintptr_t)aws_creds_profiles_get(ps, p->profile, "aws_session_token");
		c.expires_ms = 0;
		aws_creds_src_done(src, &c, NULL);
	}
	aws_creds_profiles_free(ps);
}

static void
aws_creds_profile_free(void *state)
{
	struct aws_creds_profile_src *p = state;

	free(p->config);
	free(p->credentials);
	free(p->profile);
	free(p);
}

static const struct aws_creds_ops aws_creds_profile_ops = {
    .kind = "profile",
    .fetch = aws_creds_profile_fetch,
    .free = aws_creds_profile_free,
};

struct aws_creds_src *
aws_creds_profile_static(const struct aws_creds_env *env, const char *profile)
{
	struct aws_creds_profile_src *p = xcalloc(1, sizeof *p);

	aws_creds_profile_paths(env, &p->config, &p->credentials);
	p->profile = xstrdup(profile);
	return aws_creds_src_create(&aws_creds_profile_ops, p);
}

/* The source a profile plan describes: its base, then each role on top. */
static struct aws_creds_src *
aws_creds_from_plan(struct http_client *http, const struct aws_creds_env *env,
                    const struct aws_creds_plan *plan, char **cause)
{
	struct aws_creds_src *src = NULL;
	const struct aws_creds_plan_role *r;
	size_t i;

	switch (plan->base) {
	case AWS_CREDS_PLAN_NONE:
		return NULL;
	case AWS_CREDS_PLAN_STATIC:
		src = aws_creds_profile_static(env, plan->base_profile);
		break;
	case AWS_CREDS_PLAN_ENV:
		src = aws_creds_env_src(env, cause);
		break;
	case AWS_CREDS_PLAN_IMDS:
		src = aws_creds_imds(http, env);
		break;
	case AWS_CREDS_PLAN_CONTAINER:
		src = aws_creds_container(http, env, cause);
		break;
	case AWS_CREDS_PLAN_WEB_IDENTITY:
		src = aws_creds_web_identity(http, plan->web.role_arn, plan->token_file,
		                             plan->web.session_name, plan->region, env);
		break;
	}
	for (i = 0; src != NULL && i < plan->nroles; i++) {
		r = &plan->roles[i];
		src = aws_creds_assume_role_ext(http, src, r->role_arn, r->session_name,
		                                r->external_id, r->duration_s, plan->region, env);
	}
	return src;
}

/* 1 with *out when the shared files configure credentials, 0 when not, -1 with *cause. */
static int
aws_creds_chain_profile(struct http_client *http, const struct aws_creds_env *env,
                        struct aws_creds_src **out, char **cause)
{
	struct aws_creds_profiles *ps;
	struct aws_creds_plan plan;
	const char *name = aws_creds_profile_name(env);
	int nfiles, rc = 0;

	if (aws_creds_profiles_load(env, &ps, &nfiles, cause) != 0)
		return -1;
	if (!aws_creds_profiles_has(ps, name)) {
		if (aws_creds_env_get(env, "AWS_PROFILE") != NULL) {
			*cause = xasprintf("AWS_PROFILE names profile \"%s\", which is in none "
			                   "of the %d shared config files read",
			                   name, nfiles);
			rc = -1;
		}
		aws_creds_profiles_free(ps);
		return rc;
	}
	if (aws_creds_profile_plan(ps, name, &plan, cause) != 0) {
		aws_creds_profiles_free(ps);
		return -1;
	}
	aws_creds_profiles_free(ps);
	if (plan.base != AWS_CREDS_PLAN_NONE) {
		*out = aws_creds_from_plan(http, env, &plan, cause);
		rc = *out != NULL ? 1 : -1;
	}
	aws_creds_plan_clear(&plan);
	return rc;
}

static int
aws_creds_chain_web_identity(struct http_client *http, const struct aws_creds_env *env,
                             struct aws_creds_src **out, char **cause)
{
	const char *file = aws_creds_env_get(env, "AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *role = aws_creds_env_get(env, "AWS_ROLE_ARN");

	if (file == NULL)
		return 0;
	if (role == NULL) {
		*cause = xstrdup("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
		return -1;
	}
	*out = aws_creds_web_identity(http, role, file,
	                              aws_creds_env_get(env, "AWS_ROLE_SESSION_NAME"), NULL, env);
	return 1;
}

int
aws_creds_default_chain(struct http_client *http, const struct aws_creds_env *env,
                        struct aws_creds_src **out, char **cause)
{
	const char *v;
	int rc;

	*out = NULL;
	if (aws_creds_env_get(env, "AWS_ACCESS_KEY_ID") != NULL ||
	    aws_creds_env_get(env, "AWS_SECRET_ACCESS_KEY") != NULL) {
		*out = aws_creds_env_src(env, cause);
		return *out != NULL ? 0 : -1;
	}
	if ((rc = aws_creds_chain_web_identity(http, env, out, cause)) != 0)
		return rc < 0 ? -1 : 0;
	if ((rc = aws_creds_chain_profile(http, env, out, cause)) != 0)
		return rc < 0 ? -1 : 0;
	if (aws_creds_env_get(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI") != NULL ||
	    aws_creds_env_get(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != NULL) {
		*out = aws_creds_container(http, env, cause);
		return *out != NULL ? 0 : -1;
	}
	v = aws_creds_env_get(env, "AWS_EC2_METADATA_DISABLED");
	if (v != NULL && strcasecmp(v, "true") == 0) {
		*cause = xstrdup("no AWS credentials found: none in the environment, no web "
		                 "identity, no shared config profile, no container credentials, "
		                 "and AWS_EC2_METADATA_DISABLED=true");
		return -1;
	}
	*out = aws_creds_imds(http, env);
	return 0;
}
