/*
 * EC2 instance metadata credentials, IMDSv2 only. A fetch is three
 * requests, each with a 1 s timeout so that a machine outside EC2 fails
 * fast instead of hanging its callers:
 *   PUT /latest/api/token                       (X-aws-ec2-metadata-token-ttl-seconds)
 *   GET /latest/meta-data/iam/security-credentials/        -> the role name
 *   GET /latest/meta-data/iam/security-credentials/<role>  -> the credentials
 * the GETs carrying the session token in X-aws-ec2-metadata-token.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/creds_impl.h"
#include "aws/endpoint.h"
#include "aws/sts.h"
#include "core/http.h"
#include "core/jtok.h"
#include "core/log.h"
#include "core/timefmt.h"
#include "core/xmalloc.h"

#define AWS_IMDS_HOST      "http://169.254.169.254"
#define AWS_IMDS_HOST6     "http://[fd00:ec2::254]"
#define AWS_IMDS_TTL       "21600"
#define AWS_IMDS_TIMEOUT   1000
#define AWS_IMDS_MAX_BODY  (64 * 1024)
#define AWS_IMDS_ROLE_PATH "/latest/meta-data/iam/security-credentials/"

enum aws_imds_step {
	AWS_IMDS_IDLE,
	AWS_IMDS_TOKEN,
	AWS_IMDS_ROLE,
	AWS_IMDS_CREDS,
};

struct aws_creds_imds {
	struct aws_creds_src *self;
	struct http_client *http;
	char *base;        /* scheme://host[:port] without a trailing '/' */
	char *setup_error; /* a malformed endpoint override */
	enum aws_imds_step step;
	char *token;
	char *role;
	struct http_req *req;
};

static const char *
aws_imds_step_name(enum aws_imds_step s)
{
	switch (s) {
	case AWS_IMDS_IDLE:
		return "idle";
	case AWS_IMDS_TOKEN:
		return "token";
	case AWS_IMDS_ROLE:
		return "role";
	case AWS_IMDS_CREDS:
		return "credentials";
	}
	return "?";
}

static void
aws_imds_set_step(struct aws_creds_imds *m, enum aws_imds_step s)
{
	log_debug("IMDS fetch", "from", aws_imds_step_name(m->step), "to", aws_imds_step_name(s));
	m->step = s;
}

static void
aws_imds_reset(struct aws_creds_imds *m)
{
	if (m->req != NULL)
		http_req_cancel(m->req);
	m->req = NULL;
	if (m->token != NULL)
		explicit_bzero(m->token, strlen(m->token));
	free(m->token);
	free(m->role);
	m->token = m->role = NULL;
	aws_imds_set_step(m, AWS_IMDS_IDLE);
}

/* Ends the fetch; m must not be touched afterwards (the source may be gone). */
static void
aws_imds_finish(struct aws_creds_imds *m, const struct aws_creds *creds, const char *error)
{
	aws_imds_reset(m);
	aws_creds_src_done(m->self, creds, error);
}

static void aws_imds_on_done(const struct http_resp *resp, void *arg);

static void
aws_imds_send(struct aws_creds_imds *m, enum aws_imds_step step)
{
	struct http_req *r;
	char *url;

	aws_imds_set_step(m, step);
	if (step == AWS_IMDS_TOKEN)
		url = xasprintf("%s/latest/api/token", m->base);
	else if (step == AWS_IMDS_ROLE)
		url = xasprintf("%s%s", m->base, AWS_IMDS_ROLE_PATH);
	else
		url = xasprintf("%s%s%s", m->base, AWS_IMDS_ROLE_PATH, m->role);
	r = http_req_new(m->http, step == AWS_IMDS_TOKEN ? "PUT" : "GET", url);
	free(url);
	if (step == AWS_IMDS_TOKEN)
		http_req_header(r, "X-aws-ec2-metadata-token-ttl-seconds", AWS_IMDS_TTL);
	else
		http_req_header(r, "X-aws-ec2-metadata-token", m->token);
	http_req_timeout(r, AWS_IMDS_TIMEOUT);
	http_req_connect_timeout(r, AWS_IMDS_TIMEOUT);
	http_req_max_body(r, AWS_IMDS_MAX_BODY);
	m->req = r;
	http_req_start(r, aws_imds_on_done, m);
}

/* The first line of the role listing; NULL when there is none. */
static char *
aws_imds_first_line(const struct span *body)
{
	size_t n = 0;

	while (n < body->len && body->p[n] != '\n' && body->p[n] != '\r')
		n++;
	if (n == 0 || memchr(body->p, '\0', n) != NULL || memchr(body->p, '/', n) != NULL ||
	    memchr(body->p, ' ', n) != NULL)
		return NULL;
	return xstrndup(body->p, n);
}

static void
aws_imds_on_creds(struct aws_creds_imds *m, const struct span *body)
{
	struct jtok *d = NULL;
	struct aws_creds c;
	char *exp = NULL, *code = NULL, *why = NULL;

	memset(&c, 0, sizeof c);
	if (jtok_parse(body->p, body->len, &d, &why) != 0 ||
	    (jtok_get_str(d, JTOK_ROOT, "Code", &code) == 0 && strcmp(code, "Success") != 0) ||
	    jtok_get_str(d, JTOK_ROOT, "AccessKeyId", &c.access_key_id) != 0 ||
	    jtok_get_str(d, JTOK_ROOT, "SecretAccessKey", &c.secret_access_key) != 0 ||
	    jtok_get_str(d, JTOK_ROOT, "Token", &c.session_token) == -1 ||
	    jtok_get_str(d, JTOK_ROOT, "Expiration", &exp) != 0 ||
	    timefmt_parse(exp, &c.expires_ms) != 0) {
		free(why);
		why = xasprintf("IMDS credentials of role %s at %s are not the expected JSON%s%s",
		                m->role, m->base, code != NULL ? ": Code " : "",
		                code != NULL ? code : "");
		aws_creds_clear(&c);
	}
	jtok_free(d);
	free(exp);
	free(code);
	if (why != NULL) {
		aws_imds_finish(m, NULL, why);
		free(why);
		return;
	}
	aws_imds_finish(m, &c, NULL);
	aws_creds_clear(&c);
}

static void
aws_imds_on_done(const struct http_resp *resp, void *arg)
{
	struct aws_creds_imds *m = arg;
	char *why;

	m->req = NULL;
	if (resp->err != HTTP_ERR_NONE || resp->status != 200) {
		why = resp->err != HTTP_ERR_NONE
		          ? xasprintf("IMDS at %s (%s step): %s", m->base,
		                      aws_imds_step_name(m->step),
		                      resp->errmsg != NULL && *resp->errmsg != '\0'
		                          ? resp->errmsg
		                          : http_err_name(resp->err))
		          : xasprintf("IMDS at %s (%s step) answered HTTP %ld", m->base,
		                      aws_imds_step_name(m->step), resp->status);
		aws_imds_finish(m, NULL, why);
		free(why);
		return;
	}
	switch (m->step) {
	case AWS_IMDS_TOKEN:
		m->token = xstrndup(resp->body.p, resp->body.len);
		if (*m->token == '\0' || strpbrk(m->token, "\r\n") != NULL) {
			aws_imds_finish(m, NULL, "IMDS answered an unusable session token");
			return;
		}
		aws_imds_send(m, AWS_IMDS_ROLE);
		break;
	case AWS_IMDS_ROLE:
		if ((m->role = aws_imds_first_line(&resp->body)) == NULL) {
			aws_imds_finish(m, NULL,
			                "IMDS lists no IAM role: the instance has no "
			                "instance profile");
			return;
		}
		aws_imds_send(m, AWS_IMDS_CREDS);
		break;
	case AWS_IMDS_CREDS:
		aws_imds_on_creds(m, &resp->body);
		break;
	case AWS_IMDS_IDLE:
		break;
	}
}

static void
aws_imds_fetch(struct aws_creds_src *src, void *state)
{
	struct aws_creds_imds *m = state;

	m->self = src;
	if (m->setup_error != NULL) {
		aws_creds_src_done(src, NULL, m->setup_error);
		return;
	}
	aws_imds_send(m, AWS_IMDS_TOKEN);
}

static void
aws_imds_cancel(void *state)
{
	aws_imds_reset(state);
}

static void
aws_imds_free(void *state)
{
	struct aws_creds_imds *m = state;

	aws_imds_reset(m);
	free(m->base);
	free(m->setup_error);
	free(m);
}

static const struct aws_creds_ops aws_creds_imds_ops = {
    .kind = "imds",
    .fetch = aws_imds_fetch,
    .cancel = aws_imds_cancel,
    .free = aws_imds_free,
};

struct aws_creds_src *
aws_creds_imds(struct http_client *http, const struct aws_creds_env *env)
{
	struct aws_creds_imds *m = xcalloc(1, sizeof *m);
	const char *ep = aws_creds_env_get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = aws_creds_env_get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	char *cause = NULL;
	size_t n;

	m->http = http;
	if (ep == NULL)
		ep = mode != NULL && strcasecmp(mode, "IPv6") == 0 ? AWS_IMDS_HOST6 : AWS_IMDS_HOST;
	if (aws_endpoint_parse(ep, NULL, NULL, &cause) != 0) {
		m->setup_error = xasprintf("AWS_EC2_METADATA_SERVICE_ENDPOINT: %s", cause);
		free(cause);
	}
	n = strlen(ep);
	while (n > 0 && ep[n - 1] == '/')
		n--;
	m->base = xstrndup(ep, n);
	return aws_creds_src_create(&aws_creds_imds_ops, m);
}
