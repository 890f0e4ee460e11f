/*
 * Requests to the Kubernetes API server, each a call of core/rpc.h: the
 * client-side QPS limiter is its gate, the Authorization header of struct
 * kube_auth its credentials (a 401 drops them and tries once more), and a
 * 429 or 5xx with Retry-After is tried again after that delay, up to
 * max_retries times. kube_auth_get() may answer before it returns, which
 * the authorize operation turns into "ready now".
 *
 * Watch bodies arrive in chunks through http_req_stream(); complete lines go
 * to the owner straight from the chunk when they lie in one, and through
 * call->line (capped at max_line) when they straddle two. A watch answered
 * with an error status collects that body instead, for its Status message.
 * The owner may cancel the watch from its line callback: the call is held
 * (rpc_hold) while lines are handed out.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "core/http.h"
#include "core/jtok.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/ratelimit.h"
#include "core/rpc.h"
#include "core/secrets.h"
#include "core/xmalloc.h"
#include "kube/client.h"
#include "kube/config.h"

#define KUBE_DEFAULT_RETRIES    3
#define KUBE_DEFAULT_TIMEOUT_MS 30000
#define KUBE_DEFAULT_MAX_BODY   ((size_t)64 << 20)
#define KUBE_DEFAULT_MAX_LINE   ((size_t)16 << 20)
#define KUBE_MAX_ERROR_BODY     (64 * 1024)
#define KUBE_MAX_RETRY_AFTER_S  600
#define KUBE_WATCH_GRACE_MS     60000
#define KUBE_ERROR_SNIPPET      200

struct kube_client {
	struct http_client *http;
	struct kube_auth *auth;
	char *server;
	char *ca_pem, *cert_pem, *key_pem, *proxy;
	int insecure;
	char *static_authz; /* "Bearer <cfg->token>" when there is no kube_auth */
	char *user_agent;
	struct ratelimit *rl; /* NULL: no client-side limit */
	unsigned max_retries;
	uint64_t timeout_ms;
	size_t max_body;
	unsigned busy; /* owner callbacks running */
	int closing;   /* kube_client_free ran during one of them */
	TAILQ_HEAD(, kube_call) calls;
};

struct kube_call {
	struct rpc_call rpc; /* first: the engine's part */
	struct kube_client *c;
	const char *method;
	const char *verb; /* metric label: GET LIST WATCH POST PUT PATCH DELETE */
	char *path;
	char *resource; /* metric label */
	char *body;
	size_t body_len;
	const char *content_type;
	kube_cb cb;
	kube_line_cb line_cb;
	void *arg;

	int watch;
	size_t max_line;
	uint64_t watch_timeout_ms;

	char *authz;       /* the Authorization header for the attempt, or NULL */
	int auth_inline;   /* inside kube_auth_get: an answer now is "ready now" */
	int auth_answered; /* kube_auth_get answered before returning */
	char *auth_error;

	/* The outcome: an answer (during judge and deliver only) or a failure. */
	const struct http_resp *hr;
	char *fail_msg;
	enum kube_err fail_err;
	int delivering; /* the owner's callback ran: destroy gives back the client */

	struct buf line;    /* a partial watch line, or an error body */
	long stream_status; /* of a watch, from its first chunk */
	enum kube_err stream_err;

	TAILQ_ENTRY(kube_call) entry;
};

#define KUBE_CALL(rc) ((struct kube_call *)(void *)(rc))

static const struct rpc_ops kube_rpc_ops;

static struct metric *kube_m_requests;

static void
kube_metrics_init(void)
{
	kube_m_requests = metrics_counter("pca_issuer_kube_requests_total",
	                                  "Requests to the Kubernetes API server by verb, resource "
	                                  "and HTTP status (\"error\" when none arrived).",
	                                  "verb,resource,code");
}

/* ---- the client ---- */

static char *
kube_dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

int
kube_client_create(struct http_client *http, const struct kube_config *cfg, struct kube_auth *auth,
                   const struct kube_client_opts *opts, struct kube_client **out, char **cause)
{
	struct kube_client *c;
	size_t n;

	if (cfg->server == NULL ||
	    (strncmp(cfg->server, "https://", 8) != 0 && strncmp(cfg->server, "http://", 7) != 0)) {
		*cause = xasprintf("the API server address \"%s\" is not an http(s) URL",
		                   cfg->server != NULL ? cfg->server : "");
		return -1;
	}
	kube_metrics_init();
	c = xcalloc(1, sizeof *c);
	c->http = http;
	c->auth = auth;
	c->server = xstrdup(cfg->server);
	n = strlen(c->server);
	while (n > 0 && c->server[n - 1] == '/')
		c->server[--n] = '\0';
	c->ca_pem = kube_dup_or_null(cfg->ca_pem);
	c->cert_pem = kube_dup_or_null(cfg->client_cert_pem);
	c->key_pem = kube_dup_or_null(cfg->client_key_pem);
	c->proxy = kube_dup_or_null(cfg->proxy_url);
	c->insecure = cfg->insecure;
	if (auth == NULL && cfg->token != NULL && *cfg->token != '\0') {
		c->static_authz = xasprintf("Bearer %s", cfg->token);
		secrets_add(cfg->token);
	}
	c->max_retries = KUBE_DEFAULT_RETRIES;
	c->timeout_ms = KUBE_DEFAULT_TIMEOUT_MS;
	c->max_body = KUBE_DEFAULT_MAX_BODY;
	if (opts != NULL) {
		if (opts->max_retries > 0)
			c->max_retries = opts->max_retries;
		if (opts->timeout_ms > 0)
			c->timeout_ms = opts->timeout_ms;
		if (opts->max_body > 0)
			c->max_body = opts->max_body;
		c->user_agent = kube_dup_or_null(opts->user_agent);
		if (opts->qps > 0)
			c->rl = ratelimit_create(loop_base(), opts->qps,
			                         opts->burst > 0 ? opts->burst : 1);
	}
	TAILQ_INIT(&c->calls);
	*out = c;
	return 0;
}

static void
kube_client_destroy(struct kube_client *c)
{
	ratelimit_free(c->rl);
	free(c->server);
	free(c->ca_pem);
	free(c->cert_pem);
	free(c->key_pem);
	free(c->proxy);
	if (c->static_authz != NULL)
		secrets_drop(c->static_authz + 7);
	free(c->static_authz);
	free(c->user_agent);
	free(c);
}

/* Wipes and frees the header copy of an attempt. */
static void
kube_call_drop_authz(struct kube_call *call)
{
	if (call->authz != NULL)
		explicit_bzero(call->authz, strlen(call->authz));
	xfree_ptr(&call->authz);
}

void
kube_client_free(struct kube_client *c)
{
	struct kube_call *call, *next;

	if (c == NULL)
		return;
	/* Calls being delivered or handing out lines go when they are done. */
	for (call = TAILQ_FIRST(&c->calls); call != NULL; call = next) {
		next = TAILQ_NEXT(call, entry);
		rpc_cancel(&call->rpc);
	}
	if (c->busy > 0)
		c->closing = 1;
	else
		kube_client_destroy(c);
}

/* After an owner callback returns: frees what was let go during it. */
static void
kube_client_unbusy(struct kube_client *c)
{
	c->busy--;
	if (c->closing && c->busy == 0)
		kube_client_destroy(c);
}

/* ---- calls ---- */

static struct kube_call *
kube_call_new(struct kube_client *c, const char *method, const char *path, kube_cb cb, void *arg)
{
	struct kube_call *call = xcalloc(1, sizeof *call);
	int collection;

	rpc_init(&call->rpc, &kube_rpc_ops);
	call->c = c;
	call->method = method;
	call->path = xstrdup(path);
	call->cb = cb;
	call->arg = arg;
	kube_path_describe(path, &call->resource, &collection);
	if (strcmp(method, "GET") == 0)
		call->verb = collection ? "LIST" : "GET";
	else
		call->verb = method;
	buf_init(&call->line);
	TAILQ_INSERT_TAIL(&c->calls, call, entry);
	return call;
}

static void
kube_call_set_body(struct kube_call *call, const char *body, size_t len, const char *ctype)
{
	call->body = xmalloc(len + 1);
	memcpy(call->body, body, len);
	call->body[len] = '\0';
	call->body_len = len;
	call->content_type = ctype;
}

/* Chooses the timeout of a watch from its timeoutSeconds: the server ends it by then. */
static uint64_t
kube_watch_timeout(const char *path)
{
	const char *q = strstr(path, "timeoutSeconds=");
	unsigned long long s;

	if (q == NULL || (q[-1] != '?' && q[-1] != '&'))
		return 0;
	s = strtoull(q + strlen("timeoutSeconds="), NULL, 10);
	if (s == 0 || s > 24 * 3600)
		return 0;
	return s * 1000 + KUBE_WATCH_GRACE_MS;
}

static int kube_call_on_data(const char *p, size_t len, void *arg);

/* ---- the protocol's operations for core/rpc.h ---- */

static void
kube_call_on_auth(const char *authorization, const char *error, void *arg)
{
	struct kube_call *call = arg;
	char *msg;

	kube_call_drop_authz(call);
	free(call->auth_error);
	call->auth_error = NULL;
	if (authorization != NULL)
		call->authz = xstrdup(authorization);
	else if (error != NULL)
		call->auth_error = xasprintf("no credentials for the API server: %s", error);
	if (call->auth_inline) {
		call->auth_answered = 1;
		return;
	}
	msg = call->auth_error;
	call->auth_error = NULL;
	if (msg != NULL)
		call->fail_err = KUBE_ERR_AUTH;
	rpc_authorized(&call->rpc, msg);
	free(msg);
}

static int
kube_rpc_authorize(struct rpc_call *rc, char **cause)
{
	struct kube_call *call = KUBE_CALL(rc);
	struct kube_client *c = call->c;

	if (c->auth == NULL) {
		kube_call_drop_authz(call);
		if (c->static_authz != NULL)
			call->authz = xstrdup(c->static_authz);
		return 1;
	}
	call->auth_inline = 1;
	call->auth_answered = 0;
	kube_auth_get(c->auth, kube_call_on_auth, call);
	call->auth_inline = 0;
	if (!call->auth_answered)
		return 0;
	if (call->auth_error != NULL) {
		call->fail_err = KUBE_ERR_AUTH;
		*cause = call->auth_error;
		call->auth_error = NULL;
		return -1;
	}
	return 1;
}

static void
kube_rpc_unauthorize(struct rpc_call *rc)
{
	struct kube_call *call = KUBE_CALL(rc);

	if (call->c->auth != NULL)
		kube_auth_cancel(call->c->auth, kube_call_on_auth, call);
}

static void
kube_rpc_invalidate(struct rpc_call *rc)
{
	struct kube_call *call = KUBE_CALL(rc);

	if (call->c->auth != NULL)
		kube_auth_invalidate(call->c->auth);
}

static struct ratelimit *
kube_rpc_limiter(struct rpc_call *rc)
{
	return KUBE_CALL(rc)->c->rl;
}

static struct http_req *
kube_rpc_encode(struct rpc_call *rc, char **cause)
{
	struct kube_call *call = KUBE_CALL(rc);
	struct kube_client *c = call->c;
	struct http_tls tls = {NULL, c->ca_pem, c->cert_pem, c->key_pem, c->insecure};
	char *url = xasprintf("%s%s", c->server, call->path);
	struct http_req *r = http_req_new(c->http, call->method, url);

	free(url);
	http_req_header(r, "Accept", "application/json");
	if (call->authz != NULL)
		http_req_header(r, "Authorization", call->authz);
	kube_call_drop_authz(call);
	if (c->user_agent != NULL)
		http_req_header(r, "User-Agent", c->user_agent);
	if (call->content_type != NULL)
		http_req_header(r, "Content-Type", call->content_type);
	if (call->body != NULL)
		http_req_body(r, call->body, call->body_len);
	http_req_tls(r, &tls);
	if (c->proxy != NULL)
		http_req_proxy(r, c->proxy);
	if (call->watch) {
		http_req_timeout(r, call->watch_timeout_ms);
		http_req_stream(r, kube_call_on_data, call);
		buf_reset(&call->line);
		call->stream_status = 0;
		call->stream_err = KUBE_OK;
	} else {
		http_req_timeout(r, c->timeout_ms);
		http_req_max_body(r, c->max_body);
	}
	return r;
}

/* ---- answers ---- */

/* Reads Retry-After as seconds; 0 when absent or unreadable. */
static uint64_t
kube_retry_after_ms(const struct http_resp *hr)
{
	const char *v = http_resp_header(hr, "Retry-After");
	unsigned long long s = 0;
	char *end;

	if (v == NULL || *v < '0' || *v > '9')
		return 0;
	s = strtoull(v, &end, 10);
	if (*end != '\0' && *end != ' ')
		return 0;
	if (s == 0)
		s = 1;
	if (s > KUBE_MAX_RETRY_AFTER_S)
		s = KUBE_MAX_RETRY_AFTER_S;
	return (uint64_t)s * 1000;
}

/*
 * Pulls reason and message out of a Status body; without one, the message
 * is "HTTP <code>" and the start of whatever the body was.
 */
static void
kube_status_decode(long status, struct span body, char **reason, char **message)
{
	struct jtok *d = NULL;
	struct buf b = BUF_INIT;
	size_t i, n;

	*reason = NULL;
	*message = NULL;
	if (body.len > 0 && jtok_parse(body.p, body.len, &d, NULL) == 0 &&
	    jtok_streq(d, jtok_get(d, JTOK_ROOT, "kind"), "Status")) {
		(void)jtok_get_str(d, JTOK_ROOT, "reason", reason);
		(void)jtok_get_str(d, JTOK_ROOT, "message", message);
	}
	jtok_free(d);
	if (*message != NULL || status < 300)
		return;
	buf_printf(&b, "HTTP %ld", status);
	n = body.len < KUBE_ERROR_SNIPPET ? body.len : KUBE_ERROR_SNIPPET;
	if (n > 0)
		buf_adds(&b, ": ");
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)body.p[i];

		buf_addc(&b, ch >= 0x20 && ch < 0x7f ? (char)ch : ' ');
	}
	*message = buf_steal(&b);
}

static const char *
kube_err_message(enum kube_err err)
{
	switch (err) {
	case KUBE_ERR_LINE_TOO_LONG:
		return "a watch event is longer than the line cap";
	case KUBE_ERR_STOPPED:
		return "the watch was stopped by its line callback";
	case KUBE_ERR_DECODE:
		return "a watch line is not an event";
	default:
		return "";
	}
}

static void
kube_call_count(struct kube_call *call, const struct http_resp *hr)
{
	char code[24];

	if (hr->status > 0)
		snprintf(code, sizeof code, "%ld", hr->status);
	else
		snprintf(code, sizeof code, "error");
	metrics_inc(kube_m_requests, call->verb, call->resource, code);
}

static enum rpc_verdict
kube_rpc_judge(struct rpc_call *rc, const struct http_resp *hr, uint64_t *delay_ms)
{
	struct kube_call *call = KUBE_CALL(rc);
	struct kube_client *c = call->c;
	uint64_t after;

	kube_call_count(call, hr);
	call->hr = hr;
	if (call->stream_err != KUBE_OK || hr->err != HTTP_ERR_NONE)
		return RPC_DELIVER;
	if (hr->status == 401 && c->auth != NULL && !rc->reauthed)
		return RPC_REAUTH;
	if (hr->status != 429 && (hr->status < 500 || hr->status > 599))
		return RPC_DELIVER;
	after = kube_retry_after_ms(hr);
	if (after == 0 || rc->retries >= c->max_retries)
		return RPC_DELIVER;
	log_debug("retrying a Kubernetes request", "verb", call->verb, "path", call->path, "status",
	          hr->status == 429 ? "429" : "5xx");
	call->hr = NULL;
	*delay_ms = after;
	return RPC_RETRY;
}

static void
kube_rpc_failed(struct rpc_call *rc, const char *cause)
{
	struct kube_call *call = KUBE_CALL(rc);

	free(call->fail_msg);
	call->fail_msg = xstrdup(cause);
	if (call->fail_err == KUBE_OK)
		call->fail_err = KUBE_ERR_AUTH;
	call->hr = NULL;
}

/* Runs the owner's callback with resp; the client stays busy until the call is destroyed. */
static void
kube_call_deliver(struct kube_call *call, const struct kube_resp *resp)
{
	call->c->busy++;
	call->delivering = 1;
	if (call->cb != NULL)
		call->cb(resp, call->arg);
}

/* The answer judged last, or the failure found before one, to the owner. */
static void
kube_rpc_deliver(struct rpc_call *rc)
{
	struct kube_call *call = KUBE_CALL(rc);
	const struct http_resp *hr = call->hr;
	struct kube_resp resp;
	char *reason = NULL, *message = NULL;
	struct span body;

	memset(&resp, 0, sizeof resp);
	if (hr == NULL) {
		resp.err = call->fail_err;
		resp.reason = "";
		resp.message = call->fail_msg != NULL ? call->fail_msg : "";
		resp.body.p = "";
		kube_call_deliver(call, &resp);
		return;
	}
	body = hr->body;
	resp.status = hr->status;
	if (call->watch) {
		body.p = buf_str(&call->line);
		body.len = call->stream_status == 200 ? 0 : call->line.len;
	}
	resp.body = body;
	resp.retry_after_ms = kube_retry_after_ms(hr);
	if (call->stream_err != KUBE_OK) {
		resp.err = call->stream_err;
		message = xstrdup(kube_err_message(call->stream_err));
	} else if (hr->err != HTTP_ERR_NONE && (hr->status == 0 || hr->status == 200)) {
		resp.err = hr->err == HTTP_ERR_TOO_BIG ? KUBE_ERR_TOO_BIG : KUBE_ERR_TRANSPORT;
		message =
		    xstrdup(hr->errmsg != NULL && *hr->errmsg != '\0' ? hr->errmsg
		                                                      : http_err_name(hr->err));
	} else
		kube_status_decode(hr->status, body, &reason, &message);
	resp.reason = reason != NULL ? reason : "";
	resp.message = message != NULL ? message : "";
	call->hr = NULL;
	kube_call_deliver(call, &resp);
	free(reason);
	free(message);
}

static void
kube_rpc_destroy(struct rpc_call *rc)
{
	struct kube_call *call = KUBE_CALL(rc);
	struct kube_client *c = call->c;
	int delivered = call->delivering;

	TAILQ_REMOVE(&c->calls, call, entry);
	kube_call_drop_authz(call);
	free(call->auth_error);
	buf_clear(&call->line);
	free(call->fail_msg);
	free(call->path);
	free(call->resource);
	free(call->body);
	free(call);
	if (delivered)
		kube_client_unbusy(c);
}

static const struct rpc_ops kube_rpc_ops = {
    .name = "kube",
    .authorize = kube_rpc_authorize,
    .unauthorize = kube_rpc_unauthorize,
    .invalidate = kube_rpc_invalidate,
    .limiter = kube_rpc_limiter,
    .encode = kube_rpc_encode,
    .judge = kube_rpc_judge,
    .failed = kube_rpc_failed,
    .deliver = kube_rpc_deliver,
    .destroy = kube_rpc_destroy,
};

/* Hands one complete line to the owner; -1 stops the stream. */
static int
kube_call_line(struct kube_call *call, const char *p, size_t len)
{
	while (len > 0 && (p[len - 1] == '\r'))
		len--;
	if (len == 0)
		return 0;
	if (call->line_cb(p, len, call->arg) != 0) {
		if (!call->rpc.cancelled)
			call->stream_err = KUBE_ERR_STOPPED;
		return -1;
	}
	return call->rpc.cancelled ? -1 : 0;
}

/* Splits a chunk into lines; keeps a partial last line for the next chunk. */
static int
kube_call_split(struct kube_call *call, const char *p, size_t len)
{
	const char *nl;
	size_t n;

	while (len > 0) {
		nl = memchr(p, '\n', len);
		n = nl != NULL ? (size_t)(nl - p) : len;
		if (call->line.len + n > call->max_line) {
			call->stream_err = KUBE_ERR_LINE_TOO_LONG;
			return -1;
		}
		if (nl == NULL) {
			buf_add(&call->line, p, n);
			return 0;
		}
		if (call->line.len == 0) {
			if (kube_call_line(call, p, n) != 0)
				return -1;
		} else {
			buf_add(&call->line, p, n);
			if (kube_call_line(call, call->line.p, call->line.len) != 0)
				return -1;
			buf_reset(&call->line);
		}
		p += n + 1;
		len -= n + 1;
	}
	return 0;
}

static int
kube_call_on_data(const char *p, size_t len, void *arg)
{
	struct kube_call *call = arg;
	struct kube_client *c = call->c;
	int rc;

	if (call->stream_status == 0)
		call->stream_status = http_req_status(call->rpc.req);
	if (call->stream_status != 200) {
		if (call->line.len + len <= KUBE_MAX_ERROR_BODY)
			buf_add(&call->line, p, len);
		return 0;
	}
	/* The owner may cancel the watch, or free the client, from its line callback. */
	rpc_hold(&call->rpc);
	c->busy++;
	rc = kube_call_split(call, p, len);
	if (rpc_release(&call->rpc))
		rc = -1;
	kube_client_unbusy(c);
	return rc;
}

/* ---- verbs ---- */

static struct kube_call *
kube_call_start(struct kube_call *call)
{
	rpc_start(&call->rpc, 0);
	return call;
}

struct kube_call *
kube_client_get(struct kube_client *c, const char *path, kube_cb cb, void *arg)
{
	return kube_call_start(kube_call_new(c, "GET", path, cb, arg));
}

struct kube_call *
kube_client_post(struct kube_client *c, const char *path, const char *json, size_t len, kube_cb cb,
                 void *arg)
{
	struct kube_call *call = kube_call_new(c, "POST", path, cb, arg);

	kube_call_set_body(call, json, len, "application/json");
	return kube_call_start(call);
}

struct kube_call *
kube_client_put(struct kube_client *c, const char *path, const char *json, size_t len, kube_cb cb,
                void *arg)
{
	struct kube_call *call = kube_call_new(c, "PUT", path, cb, arg);

	kube_call_set_body(call, json, len, "application/json");
	return kube_call_start(call);
}

static const char *
kube_patch_type(enum kube_patch type)
{
	switch (type) {
	case KUBE_PATCH_JSON:
		return "application/json-patch+json";
	case KUBE_PATCH_APPLY:
		return "application/apply-patch+yaml";
	case KUBE_PATCH_MERGE:
		break;
	}
	return "application/merge-patch+json";
}

struct kube_call *
kube_client_patch(struct kube_client *c, const char *path, enum kube_patch type, const char *body,
                  size_t len, const char *field_manager, int force, kube_cb cb, void *arg)
{
	struct buf p = BUF_INIT;
	struct kube_call *call;

	buf_adds(&p, path);
	if (field_manager != NULL && *field_manager != '\0')
		kube_path_query_add(&p, "fieldManager", field_manager);
	if (type == KUBE_PATCH_APPLY && force)
		kube_path_query_add(&p, "force", "true");
	call = kube_call_new(c, "PATCH", buf_str(&p), cb, arg);
	buf_clear(&p);
	kube_call_set_body(call, body, len, kube_patch_type(type));
	return kube_call_start(call);
}

struct kube_call *
kube_client_delete(struct kube_client *c, const char *path, kube_cb cb, void *arg)
{
	return kube_call_start(kube_call_new(c, "DELETE", path, cb, arg));
}

struct kube_call *
kube_client_watch(struct kube_client *c, const char *path, size_t max_line, kube_line_cb line_cb,
                  kube_cb done_cb, void *arg)
{
	struct kube_call *call = kube_call_new(c, "GET", path, done_cb, arg);

	call->verb = "WATCH";
	call->watch = 1;
	call->line_cb = line_cb;
	call->max_line = max_line > 0 ? max_line : KUBE_DEFAULT_MAX_LINE;
	call->watch_timeout_ms = kube_watch_timeout(path);
	return kube_call_start(call);
}

void
kube_client_cancel(struct kube_call *call)
{
	if (call != NULL)
		rpc_cancel(&call->rpc);
}

static void *
kube_client_io_send(void *ctx, const char *method, const char *path, const char *body, size_t len,
                    kube_cb cb, void *arg)
{
	if (strcmp(method, "GET") == 0)
		return kube_client_get(ctx, path, cb, arg);
	if (strcmp(method, "POST") == 0)
		return kube_client_post(ctx, path, body, len, cb, arg);
	if (strcmp(method, "PUT") == 0)
		return kube_client_put(ctx, path, body, len, cb, arg);
	if (strcmp(method, "PATCH") == 0)
		return kube_client_patch(ctx, path, KUBE_PATCH_MERGE, body, len, NULL, 0, cb, arg);
	return kube_client_delete(ctx, path, cb, arg);
}

static void
kube_client_io_cancel(void *ctx, void *call)
{
	(void)ctx;
	kube_client_cancel(call);
}

void
kube_client_io(struct kube_client *c, struct kube_io *io)
{
	io->send = kube_client_io_send;
	io->cancel = kube_client_io_cancel;
	io->ctx = c;
}
