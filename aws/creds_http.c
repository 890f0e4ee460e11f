/*
 * Credential sources that ask a local HTTP endpoint: container credentials
 * (ECS task roles, EKS Pod Identity) and the EC2 instance metadata service
 * (IMDSv2 only: a session token is fetched with PUT first, and every GET
 * carries it).
 *
 * Both answer the same JSON: AccessKeyId, SecretAccessKey, Token and an ISO
 * 8601 Expiration. The container authorization token may come from a file
 * that the platform rotates, so the file is read again on every fetch.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/creds_impl.h"
#include "aws/endpoint.h"
#include "aws/sts.h"
#include "core/url.h"
#include "core/http.h"
#include "core/jtok.h"
#include "core/timefmt.h"
#include "core/xmalloc.h"

#define AWS_CREDS_CONTAINER_HOST "http://169.254.170.2"
#define AWS_CREDS_MAX_BODY       (64 * 1024)

/*
 * Decodes the credentials JSON both services answer; -1 with *cause. The
 * strings in *out are new (the caller clears them).
 */
static int
aws_creds_decode_json(const struct span *body, const char *what, struct aws_creds *out,
                      char **cause)
{
	struct jtok *d = NULL;
	char *exp = NULL, *code = NULL, *jcause = NULL;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (jtok_parse(body->p, body->len, &d, &jcause) != 0) {
		*cause = xasprintf("%s answered something that is not JSON: %s", what, jcause);
		goto out;
	}
	if (jtok_get_str(d, JTOK_ROOT, "Code", &code) == 0 && strcmp(code, "Success") != 0) {
		*cause = xasprintf("%s answered Code \"%s\"", what, code);
		goto out;
	}
	if (jtok_get_str(d, JTOK_ROOT, "AccessKeyId", &out->access_key_id) != 0 ||
	    jtok_get_str(d, JTOK_ROOT, "SecretAccessKey", &out->secret_access_key) != 0 ||
	    *out->access_key_id == '\0' || *out->secret_access_key == '\0') {
		*cause = xasprintf("%s answered no AccessKeyId and SecretAccessKey", what);
		goto out;
	}
	if (jtok_get_str(d, JTOK_ROOT, "Token", &out->session_token) == -1) {
		*cause = xasprintf("%s answered a Token that is not a string", what);
		goto out;
	}
	if (jtok_get_str(d, JTOK_ROOT, "Expiration", &exp) == 0 &&
	    timefmt_parse(exp, &out->expires_ms) != 0) {
		*cause = xasprintf("%s answered an Expiration that is not an ISO 8601 time", what);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		aws_creds_clear(out);
	free(exp);
	free(code);
	free(jcause);
	jtok_free(d);
	return rc;
}

/* A sentence for an HTTP failure or a non-2xx answer; NULL for a 2xx one. */
static char *
aws_creds_http_error(const struct http_resp *resp, const char *what, const char *url)
{
	if (resp->err != HTTP_ERR_NONE)
		return xasprintf("%s at %s: %s", what, url,
		                 resp->errmsg != NULL && *resp->errmsg != '\0'
		                     ? resp->errmsg
		                     : http_err_name(resp->err));
	if (resp->status < 200 || resp->status > 299)
		return xasprintf("%s at %s answered HTTP %ld", what, url, resp->status);
	return NULL;
}

struct aws_creds_container {
	struct aws_creds_src *self;
	struct http_client *http;
	char *url;
	char *token;      /* AWS_CONTAINER_AUTHORIZATION_TOKEN, or NULL */
	char *token_file; /* AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, or NULL; wins */
	struct http_req *req;
};

static void
aws_creds_container_on_done(const struct http_resp *resp, void *arg)
{
	struct aws_creds_container *c = arg;
	struct aws_creds creds;
	char *cause;

	c->req = NULL;
	cause = aws_creds_http_error(resp, "container credentials endpoint", c->url);
	if (cause == NULL &&
	    aws_creds_decode_json(&resp->body, "the container credentials endpoint", &creds,
	                          &cause) == 0) {
		aws_creds_src_done(c->self, &creds, NULL);
		aws_creds_clear(&creds);
		return;
	}
	aws_creds_src_done(c->self, NULL, cause);
	free(cause);
}

static void
aws_creds_container_fetch(struct aws_creds_src *src, void *state)
{
	struct aws_creds_container *c = state;
	struct http_req *r;
	char *token = NULL, *cause = NULL;

	c->self = src;
	if (c->token_file != NULL && aws_creds_read_token(c->token_file, &token, &cause) != 0) {
		aws_creds_src_done(src, NULL, cause);
		free(cause);
		return;
	}
	if (token == NULL && c->token != NULL)
		token = xstrdup(c->token);
	if (token != NULL && strpbrk(token, "\r\n") != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
		aws_creds_src_done(src, NULL,
		                   "the container authorization token holds a line break");
		return;
	}
	r = http_req_new(c->http, "GET", c->url);
	http_req_header(r, "Accept", "application/json");
	if (token != NULL)
		http_req_header(r, "Authorization", token);
	http_req_timeout(r, 5000);
	http_req_connect_timeout(r, 2000);
	http_req_max_body(r, AWS_CREDS_MAX_BODY);
	c->req = r;
	http_req_start(r, aws_creds_container_on_done, c);
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
}

static void
aws_creds_container_cancel(void *state)
{
	struct aws_creds_container *c = state;

	if (c->req != NULL)
		http_req_cancel(c->req);
	c->req = NULL;
}

static void
aws_creds_container_free(void *state)
{
	struct aws_creds_container *c = state;

	aws_creds_container_cancel(c);
	free(c->url);
	if (c->token != NULL)
		explicit_bzero(c->token, strlen(c->token));
	free(c->token);
	free(c->token_file);
	free(c);
}

static const struct aws_creds_ops aws_creds_container_ops = {
    .kind = "container",
    .fetch = aws_creds_container_fetch,
    .cancel = aws_creds_container_cancel,
    .free = aws_creds_container_free,
};

/*
 * The SDKs' rule for a full URI: https to anywhere, plain http only to a
 * loopback address or to the ECS and EKS Pod Identity agent addresses. The
 * host is the one curl reads from the URL, so "127.0.0.1.evil.com" or
 * "localhost@evil.com" are judged as what curl would connect to, and names
 * other than "localhost" are refused for http.
 */
static int
aws_creds_container_host_ok(const struct url *u)
{
	static const char *const agents[] = {"169.254.170.2", "169.254.170.23", "fd00:ec2::23",
	                                     NULL};
	unsigned char a[16], b[16];
	int i;

	if (strcmp(u->scheme, "https") == 0)
		return 1;
	if (strcmp(u->scheme, "http") != 0 || u->has_user)
		return 0;
	if (strcasecmp(u->host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, u->host, a) == 1 && a[0] == 127)
		return 1;
	if (inet_pton(AF_INET6, u->host, a) == 1 && memcmp(a, &in6addr_loopback, 16) == 0)
		return 1;
	for (i = 0; agents[i] != NULL; i++) {
		int af = strchr(agents[i], ':') != NULL ? AF_INET6 : AF_INET;
		if (inet_pton(af, u->host, a) == 1 && inet_pton(af, agents[i], b) == 1 &&
		    memcmp(a, b, af == AF_INET ? 4 : 16) == 0)
			return 1;
	}
	return 0;
}

/* The URL to ask: RELATIVE_URI wins over FULL_URI, as in the SDKs. */
static char *
aws_creds_container_url(const struct aws_creds_env *env, char **cause)
{
	const char *rel = aws_creds_env_get(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = aws_creds_env_get(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	struct url u;
	char *why = NULL;
	int ok;

	if (rel != NULL) {
		if (rel[0] != '/' || strpbrk(rel, " \t\r\n") != NULL) {
			*cause = xasprintf("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \"%s\" is not "
			                   "an absolute path",
			                   rel);
			return NULL;
		}
		return xasprintf("%s%s", AWS_CREDS_CONTAINER_HOST, rel);
	}
	if (full == NULL) {
		*cause = xstrdup("no container credentials URI is set");
		return NULL;
	}
	if (aws_endpoint_parse(full, NULL, NULL, &why) != 0 || url_parse(full, &u, &why) != 0) {
		*cause = xasprintf("AWS_CONTAINER_CREDENTIALS_FULL_URI: %s", why);
		free(why);
		return NULL;
	}
	ok = aws_creds_container_host_ok(&u);
	url_clear(&u);
	if (!ok) {
		*cause = xasprintf("AWS_CONTAINER_CREDENTIALS_FULL_URI \"%s\" must use https or "
		                   "a loopback or container agent address",
		                   full);
		return NULL;
	}
	return xstrdup(full);
}

struct aws_creds_src *
aws_creds_container(struct http_client *http, const struct aws_creds_env *env, char **cause)
{
	struct aws_creds_container *c;
	const char *token = aws_creds_env_get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
	const char *file = aws_creds_env_get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	char *url = aws_creds_container_url(env, cause);

	if (url == NULL)
		return NULL;
	c = xcalloc(1, sizeof *c);
	c->http = http;
	c->url = url;
	c->token = token != NULL ? xstrdup(token) : NULL;
	c->token_file = file != NULL ? xstrdup(file) : NULL;
	return aws_creds_src_create(&aws_creds_container_ops, c);
}
