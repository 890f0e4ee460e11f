/*
 * The AWS Private CA client: each call is a small state machine that goes
 * through the gates of aws/pca.h (credentials, a quota token, signing), is
 * sent, judged, and either retried after a back-off or handed back.
 *
 *   starting -> credentials -> quota -> credentials? -> sending
 *   sending -> backoff -> credentials ... (throttled, transient)
 *   sending -> credentials (auth error, once, after dropping the credentials)
 *   any -> finishing -> done (the callback, on a loop pass of its own)
 *
 * The callback only ever runs from the call's own timer or from the HTTP
 * answer, never from within a credential or quota callback: a callback may
 * free the client, and with it the quota bucket whose waiters are being
 * served. Bodies and codecs are in aws/pca_json.c, quotas in aws/quota.c,
 * error codes in aws/err.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "aws/creds.h"
#include "aws/endpoint.h"
#include "aws/pca.h"
#include "aws/pca_json.h"
#include "aws/quota.h"
#include "aws/sigv4.h"
#include "core/backoff.h"
#include "core/clock.h"
#include "core/http.h"
#include "core/jtok.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/rpc.h"
#include "core/xmalloc.h"
#include "version.h"

#define AWS_PCA_SERVICE   "acm-pca"
#define AWS_PCA_TARGET    "ACMPrivateCA."
#define AWS_PCA_JSON_TYPE "application/x-amz-json-1.1"
#define AWS_PCA_UA        PCA_NAME "/" PCA_VERSION
/* How much of an unexpected body an error message quotes. */
#define AWS_PCA_SNIPPET 120

struct aws_pca {
	struct http_client *http;
	struct aws_creds_src *creds;
	char *url;  /* scheme://host[:port]/path */
	char *host; /* host[:port], sent and signed as Host */
	char *path;
	char *region;
	char *account;
	char *bad_endpoint; /* why the endpoint URL was refused, or NULL */
	struct aws_sigv4_keycache *keycache;
	struct aws_quota *quota[AWS_PCA_NOPS];
	struct aws_pca_settings settings;
	struct aws_pca_call *calls;
};

struct aws_pca_call {
	struct rpc_call rpc; /* first: the engine's part */
	struct aws_pca *pca; /* NULL once the call is being delivered */
	enum aws_pca_op op;
	aws_pca_cb cb;
	void *arg;
	struct buf body;
	struct aws_creds_wait *cwait;
	const struct aws_creds *creds_now; /* handed by a credentials callback, for its duration */
	unsigned round;                    /* the quota's adaptation round when sent */
	enum aws_err_class early_err;      /* the class of a failure found before sending */

	/* The outcome of the last attempt, or a failure found before sending. */
	enum aws_err_class err;
	char *code;
	char *message;
	char *request_id;
	long http_status;
	struct aws_pca_reply reply;

	struct aws_pca_call *prev, *next;
};

static const char *const aws_pca_op_names[AWS_PCA_NOPS] = {
    "IssueCertificate",
    "GetCertificate",
    "DescribeCertificateAuthority",
    "GetCertificateAuthorityCertificate",
    "RevokeCertificate",
};

static const double aws_pca_default_quota[AWS_PCA_NOPS] = {25, 75, 20, 20, 20};

static struct aws_pca_settings aws_pca_conf;
static int aws_pca_conf_set;

static struct metric *aws_pca_m_calls, *aws_pca_m_duration, *aws_pca_m_throttles;
static struct metric *aws_pca_m_retries, *aws_pca_m_waiting;

static const struct rpc_ops aws_pca_rpc_ops;

const char *
aws_pca_op_name(enum aws_pca_op op)
{
	return (unsigned)op < AWS_PCA_NOPS ? aws_pca_op_names[op] : "unknown";
}

int
aws_pca_op_parse(const char *name, enum aws_pca_op *op)
{
	unsigned i;

	for (i = 0; i < AWS_PCA_NOPS; i++) {
		if (strcmp(name, aws_pca_op_names[i]) == 0) {
			*op = (enum aws_pca_op)i;
			return 0;
		}
	}
	return -1;
}

void
aws_pca_settings_default(struct aws_pca_settings *s)
{
	memset(s, 0, sizeof *s);
	s->max_attempts = 3;
	s->timeout_ms = 30000;
	s->adaptive = 1;
	s->retry_base_ms = 100;
	s->throttle_base_ms = 500;
	s->retry_cap_ms = 20000;
}

/* The settings in force: configured ones, with defaults for what was left at 0. */
static void
aws_pca_settings_now(struct aws_pca_settings *s)
{
	struct aws_pca_settings d;

	aws_pca_settings_default(&d);
	if (!aws_pca_conf_set) {
		*s = d;
		return;
	}
	*s = aws_pca_conf;
	if (s->max_attempts == 0)
		s->max_attempts = d.max_attempts;
	if (s->timeout_ms == 0)
		s->timeout_ms = d.timeout_ms;
	if (s->retry_base_ms == 0)
		s->retry_base_ms = d.retry_base_ms;
	if (s->throttle_base_ms == 0)
		s->throttle_base_ms = d.throttle_base_ms;
	if (s->retry_cap_ms == 0)
		s->retry_cap_ms = d.retry_cap_ms;
}

void
aws_pca_configure(const struct aws_pca_settings *s)
{
	unsigned i;

	aws_pca_conf = *s;
	aws_pca_conf_set = 1;
	for (i = 0; i < AWS_PCA_NOPS; i++)
		aws_quota_configure(aws_pca_op_names[i],
		                    s->quota[i] > 0 ? s->quota[i] : aws_pca_default_quota[i],
		                    s->adaptive);
}

static void
aws_pca_metrics(void)
{
	static const double bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
	                                0.5,   1,    2.5,   5,    10,  30};

	if (aws_pca_m_calls != NULL)
		return;
	aws_pca_m_calls = metrics_counter("pca_issuer_aws_calls_total",
	                                  "AWS Private CA calls by operation and final outcome "
	                                  "(after retries).",
	                                  "operation,outcome");
	aws_pca_m_duration =
	    metrics_histogram("pca_issuer_aws_call_duration_seconds",
	                      "Duration of each HTTP attempt of an AWS Private CA "
	                      "call.",
	                      "operation", bounds, sizeof bounds / sizeof bounds[0]);
	aws_pca_m_throttles =
	    metrics_counter("pca_issuer_aws_throttles_total",
	                    "Throttling answers from AWS Private CA.", "operation");
	aws_pca_m_retries =
	    metrics_counter("pca_issuer_aws_retries_total",
	                    "AWS Private CA attempts retried by the client.", "operation");
	aws_pca_m_waiting = metrics_gauge("pca_issuer_aws_calls_waiting",
	                                  "AWS Private CA calls waiting for a client-side quota "
	                                  "token.",
	                                  "operation");
}

/*
 * Splits http(s)://host[:port][/path] into the URL to post to, the Host
 * header and the path to sign. -1 with *cause for anything else.
 */
static int
aws_pca_endpoint(struct aws_pca *pca, const char *url, char **cause)
{
	char *why = NULL;

	if (url == NULL || aws_endpoint_parse(url, &pca->host, &pca->path, &why) != 0) {
		*cause = xasprintf("the AWS Private CA endpoint \"%s\" is not an http(s) URL%s%s",
		                   url != NULL ? url : "", why != NULL ? ": " : "",
		                   why != NULL ? why : "");
		free(why);
		return -1;
	}
	pca->url = xasprintf("%s://%s%s", strncasecmp(url, "https://", 8) == 0 ? "https" : "http",
	                     pca->host, pca->path);
	return 0;
}

struct aws_pca *
aws_pca_create(struct http_client *http, struct aws_creds_src *creds, const char *endpoint_url,
               const char *region, const char *account)
{
	struct aws_pca *pca = xcalloc(1, sizeof *pca);
	unsigned i;

	aws_pca_metrics();
	pca->http = http;
	pca->creds = creds;
	pca->region = xstrdup(region != NULL ? region : "");
	pca->account = xstrdup(account != NULL ? account : "");
	if (aws_pca_endpoint(pca, endpoint_url, &pca->bad_endpoint) != 0)
		log_warn("AWS Private CA client without a usable endpoint", "error",
		         pca->bad_endpoint);
	pca->keycache = aws_sigv4_keycache_create();
	aws_pca_settings_now(&pca->settings);
	for (i = 0; i < AWS_PCA_NOPS; i++)
		pca->quota[i] = aws_quota_get(pca->account, pca->region, aws_pca_op_names[i],
		                              aws_pca_default_quota[i]);
	return pca;
}

double
aws_pca_rate(const struct aws_pca *pca, enum aws_pca_op op)
{
	return aws_quota_rate(pca->quota[op]);
}

size_t
aws_pca_waiting(const struct aws_pca *pca, enum aws_pca_op op)
{
	return aws_quota_waiting(pca->quota[op]);
}

const char *
aws_pca_call_state(const struct aws_pca_call *call)
{
	return rpc_state_name(call->rpc.state);
}

static void
aws_pca_call_unlink(struct aws_pca_call *c)
{
	if (c->pca == NULL)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->pca->calls = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

/* Drops the outcome of an earlier attempt. */
static void
aws_pca_call_reset_outcome(struct aws_pca_call *c)
{
	free(c->code);
	free(c->message);
	free(c->request_id);
	c->code = c->message = c->request_id = NULL;
	c->http_status = 0;
	c->err = AWS_OK;
	aws_pca_json_reply_clear(&c->reply);
}

static void
aws_pca_call_unlink_and_free(struct aws_pca_call *c)
{
	aws_pca_call_unlink(c);
	buf_clear(&c->body);
	aws_pca_call_reset_outcome(c);
	free(c);
}

static struct aws_pca_call *
aws_pca_call_new(struct aws_pca *pca, enum aws_pca_op op, aws_pca_cb cb, void *arg)
{
	struct aws_pca_call *c = xcalloc(1, sizeof *c);

	rpc_init(&c->rpc, &aws_pca_rpc_ops);
	c->pca = pca;
	c->op = op;
	c->cb = cb;
	c->arg = arg;
	c->early_err = AWS_ERR_AUTH;
	buf_init(&c->body);
	c->next = pca->calls;
	if (pca->calls != NULL)
		pca->calls->prev = c;
	pca->calls = c;
	return c;
}

/* Starts a call on the next loop pass. */
static struct aws_pca_call *
aws_pca_call_start(struct aws_pca_call *c)
{
	rpc_start(&c->rpc, 1);
	return c;
}

#define AWS_PCA_CALL(rc) ((struct aws_pca_call *)(void *)(rc))

/* ---- the protocol's operations for core/rpc.h ---- */

static void
aws_pca_on_creds(const struct aws_creds *creds, const char *error, void *arg)
{
	struct aws_pca_call *c = arg;
	char *msg;

	c->cwait = NULL;
	if (creds == NULL) {
		msg = xasprintf("no AWS credentials: %s", error != NULL ? error : "unknown error");
		rpc_authorized(&c->rpc, msg);
		free(msg);
		return;
	}
	c->creds_now = creds;
	rpc_authorized(&c->rpc, NULL);
	c->creds_now = NULL;
}

static int
aws_pca_rpc_authorize(struct rpc_call *rc, char **cause)
{
	struct aws_pca_call *c = AWS_PCA_CALL(rc);

	if (c->pca->bad_endpoint != NULL) {
		/* A client that cannot send fails every call, saying why. */
		c->early_err = AWS_ERR_PERMANENT;
		*cause = xstrdup(c->pca->bad_endpoint);
		return -1;
	}
	c->early_err = AWS_ERR_AUTH;
	if (aws_creds_peek(c->pca->creds) != NULL)
		return 1;
	aws_creds_get(c->pca->creds, aws_pca_on_creds, c, &c->cwait);
	return 0;
}

static void
aws_pca_rpc_unauthorize(struct rpc_call *rc)
{
	struct aws_pca_call *c = AWS_PCA_CALL(rc);

	if (c->cwait != NULL)
		aws_creds_cancel(c->pca->creds, c->cwait);
	c->cwait = NULL;
}

static void
aws_pca_rpc_invalidate(struct rpc_call *rc)
{
	aws_creds_invalidate(AWS_PCA_CALL(rc)->pca->creds);
}

static struct ratelimit *
aws_pca_rpc_limiter(struct rpc_call *rc)
{
	struct aws_pca_call *c = AWS_PCA_CALL(rc);

	return aws_quota_limiter(c->pca->quota[c->op]);
}

static void
aws_pca_rpc_queued(struct rpc_call *rc, int delta)
{
	metrics_gauge_add(aws_pca_m_waiting, delta, aws_pca_op_names[AWS_PCA_CALL(rc)->op]);
}

/* Signs with the credentials in hand and builds the attempt. */
static struct http_req *
aws_pca_rpc_encode(struct rpc_call *rc, char **cause)
{
	struct aws_pca_call *c = AWS_PCA_CALL(rc);
	struct aws_pca *pca = c->pca;
	const struct aws_creds *creds =
	    c->creds_now != NULL ? c->creds_now : aws_creds_peek(pca->creds);
	struct aws_sigv4_result sig;
	struct http_req *req;
	char target[64];
	size_t i;
	struct aws_sigv4_header h[] = {{"Content-Type", AWS_PCA_JSON_TYPE},
	                               {"X-Amz-Target", target}};
	struct aws_sigv4_request rq = {.method = "POST",
	                               .host = pca->host,
	                               .path = pca->path,
	                               .headers = h,
	                               .nheaders = 2,
	                               .payload = c->body.p,
	                               .payload_len = c->body.len,
	                               .normalize_path = 1};
	struct aws_sigv4_params pa = {.region = pca->region,
	                              .service = AWS_PCA_SERVICE,
	                              .now = (time_t)(clock_wall_ms() / 1000)};

	c->early_err = AWS_ERR_AUTH;
	if (creds == NULL) {
		*cause = xstrdup("no AWS credentials: they expired while the call waited");
		return NULL;
	}
	pa.access_key_id = creds->access_key_id;
	pa.secret_access_key = creds->secret_access_key;
	pa.session_token = creds->session_token;
	snprintf(target, sizeof target, "%s%s", AWS_PCA_TARGET, aws_pca_op_names[c->op]);
	if (aws_sigv4_sign(&rq, &pa, pca->keycache, &sig, cause) != 0) {
		aws_sigv4_result_free(&sig);
		return NULL;
	}
	req = http_req_new(pca->http, "POST", pca->url);
	for (i = 0; i < 2; i++)
		http_req_header(req, h[i].name, h[i].value);
	for (i = 0; i < sig.nadd; i++)
		http_req_header(req, sig.add[i].name, sig.add[i].value);
	http_req_header(req, "User-Agent", AWS_PCA_UA);
	aws_sigv4_result_free(&sig);
	http_req_body(req, c->body.p, c->body.len);
	http_req_timeout(req, pca->settings.timeout_ms);
	c->round = aws_quota_round(pca->quota[c->op]);
	return req;
}

/* An answer or a failure that did not come from AWS's error format. */
static void
aws_pca_call_judge_transport(struct aws_pca_call *c, const struct http_resp *resp)
{
	c->err = AWS_ERR_TRANSIENT;
	c->message =
	    xasprintf("%s %s: %s", aws_pca_op_names[c->op], http_err_name(resp->err),
	              resp->errmsg != NULL && *resp->errmsg != '\0' ? resp->errmsg : "no answer");
}

static void
aws_pca_call_judge_success(struct aws_pca_call *c, const struct http_resp *resp)
{
	char *cause = NULL, *snip;

	if (aws_pca_json_decode(c->op, resp->body.p, resp->body.len, &c->reply, &cause) == 0) {
		c->err = AWS_OK;
		return;
	}
	snip = aws_err_snippet(resp->body.p, resp->body.len, AWS_PCA_SNIPPET);
	c->err = AWS_ERR_TRANSIENT;
	c->message = xasprintf("AWS answered %s with HTTP %ld but not the expected JSON (%s): "
	                       "\"%s\"",
	                       aws_pca_op_names[c->op], resp->status, cause, snip);
	free(cause);
	free(snip);
}

static int
aws_pca_is_json(const char *body, size_t len)
{
	struct jtok *d;

	if (len == 0 || jtok_parse(body, len, &d, NULL) != 0)
		return 0;
	jtok_free(d);
	return 1;
}

static void
aws_pca_call_judge_error(struct aws_pca_call *c, const struct http_resp *resp)
{
	const char *header = http_resp_header(resp, "X-Amzn-ErrorType");
	char *snip;

	c->code = aws_err_code(header, resp->body.p, resp->body.len, &c->message);
	if (c->code != NULL) {
		c->err = aws_err_classify(c->code, resp->status);
		return;
	}
	if (aws_pca_is_json(resp->body.p, resp->body.len)) {
		c->err = aws_err_classify(NULL, resp->status);
		if (c->message == NULL)
			c->message = xasprintf("AWS answered %s with HTTP %ld and no error code",
			                       aws_pca_op_names[c->op], resp->status);
		return;
	}
	free(c->message);
	snip = aws_err_snippet(resp->body.p, resp->body.len, AWS_PCA_SNIPPET);
	c->err = AWS_ERR_TRANSIENT;
	c->message = xasprintf("HTTP %ld from AWS %s with a body that is not JSON: \"%s\"",
	                       resp->status, aws_pca_op_names[c->op], snip);
	free(snip);
}

/* Turns an HTTP outcome into the call's outcome. */
static void
aws_pca_call_judge(struct aws_pca_call *c, const struct http_resp *resp)
{
	const char *rid;

	aws_pca_call_reset_outcome(c);
	c->http_status = resp->status;
	if (resp->err != HTTP_ERR_NONE) {
		aws_pca_call_judge_transport(c, resp);
		return;
	}
	rid = http_resp_header(resp, "x-amzn-RequestId");
	c->request_id = xstrdup(rid != NULL ? rid : "");
	if (resp->status >= 200 && resp->status < 300)
		aws_pca_call_judge_success(c, resp);
	else
		aws_pca_call_judge_error(c, resp);
}

/* Feeds the answer to the quota bucket: throttling lowers it, other answers raise it. */
static void
aws_pca_call_adapt(struct aws_pca_call *c)
{
	struct aws_quota *q = c->pca->quota[c->op];

	if (c->err == AWS_ERR_THROTTLED) {
		metrics_inc(aws_pca_m_throttles, aws_pca_op_names[c->op]);
		aws_quota_throttled(q, c->round);
	} else if (c->err != AWS_ERR_TRANSIENT)
		aws_quota_answered(q, c->round);
}

static enum rpc_verdict
aws_pca_rpc_judge(struct rpc_call *rc, const struct http_resp *resp, uint64_t *delay_ms)
{
	struct aws_pca_call *c = AWS_PCA_CALL(rc);
	const struct aws_pca_settings *s = &c->pca->settings;
	enum rpc_verdict v = RPC_DELIVER;
	char ms[24];

	metrics_observe(aws_pca_m_duration, (double)resp->elapsed_us / 1e6,
	                aws_pca_op_names[c->op]);
	aws_pca_call_judge(c, resp);
	aws_pca_call_adapt(c);
	if ((c->err == AWS_ERR_THROTTLED || c->err == AWS_ERR_TRANSIENT) &&
	    rc->attempts < s->max_attempts) {
		*delay_ms = backoff_delay(c->err == AWS_ERR_THROTTLED ? s->throttle_base_ms
		                                                      : s->retry_base_ms,
		                          s->retry_cap_ms, rc->retries, 1);
		v = RPC_RETRY;
	} else if (c->err == AWS_ERR_AUTH && !rc->reauthed) {
		/* Rejected credentials may have been rotated: fetch them again, once. */
		*delay_ms = 0;
		v = RPC_REAUTH;
	}
	if (v == RPC_DELIVER)
		return v;
	metrics_inc(aws_pca_m_retries, aws_pca_op_names[c->op]);
	if (log_enabled(LOG_LEVEL_DEBUG)) {
		snprintf(ms, sizeof ms, "%llu", (unsigned long long)*delay_ms);
		log_debug("retrying AWS call", "operation", aws_pca_op_names[c->op], "outcome",
		          aws_err_class_name(c->err), "code", c->code, "message", c->message,
		          "delay_ms", ms);
	}
	return v;
}

static void
aws_pca_rpc_failed(struct rpc_call *rc, const char *cause)
{
	struct aws_pca_call *c = AWS_PCA_CALL(rc);

	aws_pca_call_reset_outcome(c);
	c->err = c->early_err;
	c->code = xstrdup("");
	c->message = xstrdup(cause);
}

/* Hands the outcome to the caller. */
static void
aws_pca_rpc_deliver(struct rpc_call *rc)
{
	struct aws_pca_call *c = AWS_PCA_CALL(rc);
	struct aws_pca_result res;

	memset(&res, 0, sizeof res);
	res.err = c->err;
	res.code = c->code != NULL ? c->code : "";
	res.message = c->message != NULL ? c->message : "";
	res.http_status = c->http_status;
	res.attempts = rc->attempts;
	res.request_id = c->request_id != NULL ? c->request_id : "";
	res.certificate_arn = c->reply.certificate_arn;
	res.certificate = c->reply.certificate;
	res.certificate_chain = c->reply.certificate_chain;
	res.ca_status = c->reply.ca_status;
	res.ca_type = c->reply.ca_type;
	res.ca_key_algorithm = c->reply.ca_key_algorithm;
	res.ca_signing_algorithm = c->reply.ca_signing_algorithm;
	res.ca_not_after = c->reply.ca_not_after;
	metrics_inc(aws_pca_m_calls, aws_pca_op_names[c->op], aws_err_class_name(c->err));
	/* From here on the client may go away: the call no longer belongs to it. */
	aws_pca_call_unlink(c);
	c->pca = NULL;
	c->cb(&res, c->arg);
}

static void
aws_pca_rpc_destroy(struct rpc_call *rc)
{
	aws_pca_call_unlink_and_free(AWS_PCA_CALL(rc));
}

static const struct rpc_ops aws_pca_rpc_ops = {
    .name = "acm-pca",
    .authorize = aws_pca_rpc_authorize,
    .unauthorize = aws_pca_rpc_unauthorize,
    .invalidate = aws_pca_rpc_invalidate,
    .limiter = aws_pca_rpc_limiter,
    .queued = aws_pca_rpc_queued,
    .encode = aws_pca_rpc_encode,
    .judge = aws_pca_rpc_judge,
    .failed = aws_pca_rpc_failed,
    .deliver = aws_pca_rpc_deliver,
    .destroy = aws_pca_rpc_destroy,
};

void
aws_pca_cancel(struct aws_pca_call *c)
{
	if (c != NULL)
		rpc_cancel(&c->rpc);
}

void
aws_pca_free(struct aws_pca *pca)
{
	unsigned i;

	if (pca == NULL)
		return;
	while (pca->calls != NULL)
		aws_pca_cancel(pca->calls);
	for (i = 0; i < AWS_PCA_NOPS; i++)
		aws_quota_put(pca->quota[i]);
	aws_sigv4_keycache_free(pca->keycache);
	free(pca->url);
	free(pca->host);
	free(pca->path);
	free(pca->region);
	free(pca->account);
	free(pca->bad_endpoint);
	free(pca);
}

struct aws_pca_call *
aws_pca_issue(struct aws_pca *pca, const struct aws_pca_issue_params *p, aws_pca_cb cb, void *arg)
{
	struct aws_pca_call *c = aws_pca_call_new(pca, AWS_PCA_ISSUE_CERTIFICATE, cb, arg);
	char *cause = NULL;

	if (aws_pca_json_issue(&c->body, p, &cause) != 0) {
		c->early_err = AWS_ERR_PERMANENT;
		rpc_fail(&c->rpc, cause);
		free(cause);
		return c;
	}
	c->rpc.priority = p->priority;
	return aws_pca_call_start(c);
}

struct aws_pca_call *
aws_pca_get_certificate(struct aws_pca *pca, const char *ca_arn, const char *certificate_arn,
                        aws_pca_cb cb, void *arg)
{
	struct aws_pca_call *c = aws_pca_call_new(pca, AWS_PCA_GET_CERTIFICATE, cb, arg);

	aws_pca_json_get_certificate(&c->body, ca_arn, certificate_arn);
	return aws_pca_call_start(c);
}

struct aws_pca_call *
aws_pca_describe_ca(struct aws_pca *pca, const char *ca_arn, aws_pca_cb cb, void *arg)
{
	struct aws_pca_call *c = aws_pca_call_new(pca, AWS_PCA_DESCRIBE_CA, cb, arg);

	aws_pca_json_ca(&c->body, ca_arn);
	return aws_pca_call_start(c);
}

struct aws_pca_call *
aws_pca_get_ca_certificate(struct aws_pca *pca, const char *ca_arn, aws_pca_cb cb, void *arg)
{
	struct aws_pca_call *c = aws_pca_call_new(pca, AWS_PCA_GET_CA_CERTIFICATE, cb, arg);

	aws_pca_json_ca(&c->body, ca_arn);
	return aws_pca_call_start(c);
}

struct aws_pca_call *
aws_pca_revoke(struct aws_pca *pca, const char *ca_arn, const char *serial, const char *reason,
               aws_pca_cb cb, void *arg)
{
	struct aws_pca_call *c = aws_pca_call_new(pca, AWS_PCA_REVOKE_CERTIFICATE, cb, arg);

	aws_pca_json_revoke(&c->body, ca_arn, serial, reason);
	return aws_pca_call_start(c);
}
