/*
 * Credential sources that ask STS: assume-role on top of another source
 * (an issuer's spec.role, a profile's role_arn), and web identity (IRSA:
 * AWS_ROLE_ARN with the projected service account token, re-read on every
 * refresh because the kubelet rotates it).
 */
#include <stdlib.h>
#include <string.h>

#include "aws/creds_impl.h"
#include "aws/creds_profile.h"
#include "aws/endpoint.h"
#include "aws/sts.h"
#include "core/xmalloc.h"

/* The STS client for region (NULL: AWS_REGION, the profile, else the global endpoint). */
static struct aws_sts *
aws_creds_sts_client(struct http_client *http, const char *region, const struct aws_creds_env *env,
                     char **cause)
{
	struct aws_sts *sts = NULL;
	char *url, *own = NULL;
	const char *r = region;

	if (r == NULL || *r == '\0')
		r = aws_creds_env_get(env, "AWS_REGION");
	if (r == NULL)
		r = aws_creds_env_get(env, "AWS_DEFAULT_REGION");
	if (r == NULL)
		r = own = aws_creds_profile_region(env);
	url = aws_endpoint_url("sts", r, env, cause);
	if (url != NULL)
		sts = aws_sts_create(http, url, r, cause);
	free(url);
	free(own);
	return sts;
}

struct aws_creds_assume {
	struct aws_creds_src *self;
	struct aws_creds_src *base;
	struct aws_sts *sts;
	char *setup_error; /* a broken endpoint: every fetch fails with it */
	char *role_arn;
	char *session_name;
	char *external_id;
	unsigned duration_s;
	struct aws_creds_wait *base_wait;
	struct aws_sts_call *call;
};

static void
aws_creds_assume_on_sts(const struct aws_sts_result *res, void *arg)
{
	struct aws_creds_assume *a = arg;
	char *why;

	a->call = NULL;
	if (res->err == AWS_OK) {
		aws_creds_src_done(a->self, res->creds, NULL);
		return;
	}
	/* The base's keys were refused: make it fetch afresh next time. */
	if (res->err == AWS_ERR_AUTH)
		aws_creds_invalidate(a->base);
	why = xasprintf("cannot assume role %s: %s", a->role_arn, res->message);
	aws_creds_src_done(a->self, NULL, why);
	free(why);
}

static void
aws_creds_assume_on_base(const struct aws_creds *creds, const char *error, void *arg)
{
	struct aws_creds_assume *a = arg;
	struct aws_sts_assume_params p = {.role_arn = a->role_arn,
	                                  .session_name = a->session_name,
	                                  .external_id = a->external_id,
	                                  .duration_s = a->duration_s};
	char *why;

	a->base_wait = NULL;
	if (creds == NULL) {
		why = xasprintf("cannot assume role %s: no credentials from the %s source: %s",
		                a->role_arn, aws_creds_src_kind(a->base), error);
		aws_creds_src_done(a->self, NULL, why);
		free(why);
		return;
	}
	a->call = aws_sts_assume_role(a->sts, creds, &p, aws_creds_assume_on_sts, a);
}

static void
aws_creds_assume_fetch(struct aws_creds_src *src, void *state)
{
	struct aws_creds_assume *a = state;

	a->self = src;
	if (a->setup_error != NULL) {
		aws_creds_src_done(src, NULL, a->setup_error);
		return;
	}
	aws_creds_get(a->base, aws_creds_assume_on_base, a, &a->base_wait);
}

static void
aws_creds_assume_cancel(void *state)
{
	struct aws_creds_assume *a = state;

	if (a->base_wait != NULL)
		aws_creds_cancel(a->base, a->base_wait);
	a->base_wait = NULL;
	aws_sts_cancel(a->call);
	a->call = NULL;
}

static void
aws_creds_assume_free(void *state)
{
	struct aws_creds_assume *a = state;

	aws_creds_assume_cancel(a);
	aws_creds_src_free(a->base);
	aws_sts_free(a->sts);
	free(a->setup_error);
	free(a->role_arn);
	free(a->session_name);
	free(a->external_id);
	free(a);
}

static const struct aws_creds_ops aws_creds_assume_ops = {
    .kind = "assume-role",
    .fetch = aws_creds_assume_fetch,
    .cancel = aws_creds_assume_cancel,
    .free = aws_creds_assume_free,
};

struct aws_creds_src *
aws_creds_assume_role_ext(struct http_client *http, struct aws_creds_src *base,
                          const char *role_arn, const char *session_name, const char *external_id,
                          unsigned duration_s, const char *region, const struct aws_creds_env *env)
{
	struct aws_creds_assume *a = xcalloc(1, sizeof *a);
	char *cause = NULL;

	a->base = base;
	a->role_arn = xstrdup(role_arn);
	a->session_name = session_name != NULL && *session_name != '\0' ? xstrdup(session_name)
	                                                                : aws_creds_session_name();
	a->external_id = external_id != NULL && *external_id != '\0' ? xstrdup(external_id) : NULL;
	a->duration_s = duration_s;
	a->sts = aws_creds_sts_client(http, region, env, &cause);
	if (a->sts == NULL)
		a->setup_error = xasprintf("cannot assume role %s: %s", role_arn, cause);
	free(cause);
	return aws_creds_src_create(&aws_creds_assume_ops, a);
}

struct aws_creds_src *
aws_creds_assume_role(struct http_client *http, struct aws_creds_src *base, const char *role_arn,
                      const char *session_name, const char *region, const struct aws_creds_env *env)
{
	return aws_creds_assume_role_ext(http, base, role_arn, session_name, NULL, 0, region, env);
}

struct aws_creds_webid {
	struct aws_creds_src *self;
	struct aws_sts *sts;
	char *setup_error;
	char *role_arn;
	char *token_file;
	char *session_name;
	struct aws_sts_call *call;
};

static void
aws_creds_webid_on_sts(const struct aws_sts_result *res, void *arg)
{
	struct aws_creds_webid *w = arg;
	char *why;

	w->call = NULL;
	if (res->err == AWS_OK) {
		aws_creds_src_done(w->self, res->creds, NULL);
		return;
	}
	why = xasprintf("cannot assume role %s with the web identity token from %s: %s",
	                w->role_arn, w->token_file, res->message);
	aws_creds_src_done(w->self, NULL, why);
	free(why);
}

static void
aws_creds_webid_fetch(struct aws_creds_src *src, void *state)
{
	struct aws_creds_webid *w = state;
	struct aws_sts_assume_params p = {.role_arn = w->role_arn, .session_name = w->session_name};
	char *token = NULL, *cause = NULL;

	w->self = src;
	if (w->setup_error != NULL) {
		aws_creds_src_done(src, NULL, w->setup_error);
		return;
	}
	if (aws_creds_read_token(w->token_file, &token, &cause) != 0) {
		aws_creds_src_done(src, NULL, cause);
		free(cause);
		return;
	}
	p.web_identity_token = token;
	w->call = aws_sts_assume_role_with_web_identity(w->sts, &p, aws_creds_webid_on_sts, w);
	explicit_bzero(token, strlen(token));
	free(token);
}

static void
aws_creds_webid_cancel(void *state)
{
	struct aws_creds_webid *w = state;

	aws_sts_cancel(w->call);
	w->call = NULL;
}

static void
aws_creds_webid_free(void *state)
{
	struct aws_creds_webid *w = state;

	aws_creds_webid_cancel(w);
	aws_sts_free(w->sts);
	free(w->setup_error);
	free(w->role_arn);
	free(w->token_file);
	free(w->session_name);
	free(w);
}

static const struct aws_creds_ops aws_creds_webid_ops = {
    .kind = "web-identity",
    .fetch = aws_creds_webid_fetch,
    .cancel = aws_creds_webid_cancel,
    .free = aws_creds_webid_free,
};

struct aws_creds_src *
aws_creds_web_identity(struct http_client *http, const char *role_arn, const char *token_file,
                       const char *session_name, const char *region,
                       const struct aws_creds_env *env)
{
	struct aws_creds_webid *w = xcalloc(1, sizeof *w);
	char *cause = NULL;

	w->role_arn = xstrdup(role_arn);
	w->token_file = xstrdup(token_file);
	w->session_name = session_name != NULL && *session_name != '\0' ? xstrdup(session_name)
	                                                                : aws_creds_session_name();
	w->sts = aws_creds_sts_client(http, region, env, &cause);
	if (w->sts == NULL)
		w->setup_error = xasprintf("cannot assume role %s: %s", role_arn, cause);
	free(cause);
	return aws_creds_src_create(&aws_creds_webid_ops, w);
}
