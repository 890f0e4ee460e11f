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
#include "core/xmalloc.h"
#include "version.h"

#define AWS_PCA_SERVICE   "acm-pca"
#define AWS_PCA_TARGET    "ACMPrivateCA."
#define AWS_PCA_JSON_TYPE "application/x-amz-json-1.1"
#define AWS_PCA_UA        PCA_NAME "/" PCA_VERSION
/* How much of an unexpected body an error message quotes. */
#define AWS_PCA_SNIPPET 120

enum aws_pca_call_state {
	AWS_PCA_CALL_STARTING,
	AWS_PCA_CALL_CREDENTIALS,
	AWS_PCA_CALL_QUOTA,
	AWS_PCA_CALL_SENDING,
	AWS_PCA_CALL_BACKOFF,
	AWS_PCA_CALL_FINISHING,
	AWS_PCA_CALL_DONE,
};

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
	struct aws_pca *pca;
	enum aws_pca_op op;
	enum aws_pca_call_state state;
	aws_pca_cb cb;
	void *arg;
	struct buf body;
	struct event *timer;
	struct aws_creds_wait *cwait;
	struct ratelimit_wait *rwait;
	struct http_req *req;
	int have_token;
	unsigned round; /* the quota's adaptation round when sent */
	unsigned attempts;
	unsigned retries; /* back-off retries so far: the exponent of the next delay */
	int auth_retried;

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

static void aws_pca_on_timer(evutil_socket_t fd, short what, void *arg);
static void aws_pca_on_http(const struct http_resp *resp, void *arg);
static void aws_pca_call_begin(struct aws_pca_call *c);
static void aws_pca_call_creds(struct aws_pca_call *c);

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
	const char *host, *slash;
	size_t scheme;

	if (url == NULL ||
	    (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0)) {
		*cause = xasprintf("the AWS Private CA endpoint \"%s\" is not an http(s) URL",
		                   url != NULL ? url : "");
		return -1;
	}
	scheme = url[4] == ':' ? 7 : 8;
	host = url + scheme;
	slash = strchr(host, '/');
	if (slash == NULL)
		slash = host + strlen(host);
	if (slash == host || strcspn(host, "@?#") < (size_t)(slash - host) ||
	    strpbrk(slash, "?#") != NULL) {
		*cause = xasprintf("the AWS Private CA endpoint \"%s\" must be "
		                   "scheme://host[:port][/path], without user, query or fragment",
		                   url);
		return -1;
	}
	pca->host = xstrndup(host, (size_t)(slash - host));
	pca->path = xstrdup(*slash == '/' ? slash : "/");
	pca->url = xasprintf("%.*s%s%s", (int)scheme, url, pca->host, pca->path);
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

static const char *
aws_pca_state_name(enum aws_pca_call_state st)
{
	switch (st) {
	case AWS_PCA_CALL_STARTING:
		return "starting";
	case AWS_PCA_CALL_CREDENTIALS:
		return "credentials";
	case AWS_PCA_CALL_QUOTA:
		return "quota";
	case AWS_PCA_CALL_SENDING:
		return "sending";
	case AWS_PCA_CALL_BACKOFF:
		return "backoff";
	case AWS_PCA_CALL_FINISHING:
		return "finishing";
	case AWS_PCA_CALL_DONE:
		return "done";
	}
	return "?";
}

const char *
aws_pca_call_state(const struct aws_pca_call *call)
{
	return aws_pca_state_name(call->state);
}

/* The one place a call changes state. */
static void
aws_pca_call_set_state(struct aws_pca_call *c, enum aws_pca_call_state st)
{
	if (log_enabled(LOG_LEVEL_DEBUG) && c->state != st)
		log_debug("AWS call state", "operation", aws_pca_op_names[c->op], "from",
		          aws_pca_state_name(c->state), "to", aws_pca_state_name(st));
	c->state = st;
}

/* The call's one timer: start, back-off and the deferred callback. */
static void
aws_pca_call_arm(struct aws_pca_call *c, uint64_t ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(c->timer, &tv);
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
aws_pca_call_free(struct aws_pca_call *c)
{
	aws_pca_call_unlink(c);
	event_free(c->timer);
	buf_free(&c->body);
	aws_pca_call_reset_outcome(c);
	free(c);
}

static struct aws_pca_call *
aws_pca_call_new(struct aws_pca *pca, enum aws_pca_op op, aws_pca_cb cb, void *arg)
{
	struct aws_pca_call *c = xcalloc(1, sizeof *c);

	c->pca = pca;
	c->op = op;
	c->cb = cb;
	c->arg = arg;
	c->state = AWS_PCA_CALL_STARTING;
	c->timer = evtimer_new(loop_base(), aws_pca_on_timer, c);
	if (c->timer == NULL)
		fatalx("libevent cannot create a timer");
	buf_init(&c->body);
	c->next = pca->calls;
	if (pca->calls != NULL)
		pca->calls->prev = c;
	pca->calls = c;
	return c;
}

/* Records a failure to report on the next loop pass. */
static void
aws_pca_call_fail_later(struct aws_pca_call *c, enum aws_err_class err, const char *code,
                        const char *message)
{
	aws_pca_call_reset_outcome(c);
	c->err = err;
	c->code = xstrdup(code);
	c->message = xstrdup(message);
	aws_pca_call_set_state(c, AWS_PCA_CALL_FINISHING);
	aws_pca_call_arm(c, 0);
}

/* Hands the outcome to the caller and frees the call. */
static void
aws_pca_call_finish(struct aws_pca_call *c)
{
	struct aws_pca_result res;

	memset(&res, 0, sizeof res);
	res.err = c->err;
	res.code = c->code != NULL ? c->code : "";
	res.message = c->message != NULL ? c->message : "";
	res.http_status = c->http_status;
	res.attempts = c->attempts;
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
	aws_pca_call_set_state(c, AWS_PCA_CALL_DONE);
	c->cb(&res, c->arg);
	aws_pca_call_free(c);
}

static void
aws_pca_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct aws_pca_call *c = arg;

	switch (c->state) {
	case AWS_PCA_CALL_STARTING:
		if (c->pca->bad_endpoint != NULL) {
			aws_pca_call_fail_later(c, AWS_ERR_PERMANENT, "", c->pca->bad_endpoint);
			return;
		}
		aws_pca_call_begin(c);
		break;
	case AWS_PCA_CALL_BACKOFF:
		aws_pca_call_begin(c);
		break;
	case AWS_PCA_CALL_FINISHING:
		aws_pca_call_finish(c);
		break;
	default:
		break;
	}
}

/* Signs with creds and sends; creds are borrowed for this call only. */
static void
aws_pca_call_send(struct aws_pca_call *c, const struct aws_creds *creds)
{
	struct aws_pca *pca = c->pca;
	struct aws_sigv4_result sig;
	struct http_req *req;
	char target[64], *cause = NULL;
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
	struct aws_sigv4_params pa = {.access_key_id = creds->access_key_id,
	                              .secret_access_key = creds->secret_access_key,
	                              .session_token = creds->session_token,
	                              .region = pca->region,
	                              .service = AWS_PCA_SERVICE,
	                              .now = (time_t)(clock_wall_ms() / 1000)};

	snprintf(target, sizeof target, "%s%s", AWS_PCA_TARGET, aws_pca_op_names[c->op]);
	if (aws_sigv4_sign(&rq, &pa, pca->keycache, &sig, &cause) != 0) {
		aws_pca_call_fail_later(c, AWS_ERR_AUTH, "", cause);
		free(cause);
		aws_sigv4_result_free(&sig);
		return;
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
	c->req = req;
	c->attempts++;
	c->round = aws_quota_round(pca->quota[c->op]);
	aws_pca_call_set_state(c, AWS_PCA_CALL_SENDING);
	http_req_start(req, aws_pca_on_http, c);
}

static void
aws_pca_on_token(void *arg)
{
	struct aws_pca_call *c = arg;

	c->rwait = NULL;
	c->have_token = 1;
	metrics_gauge_add(aws_pca_m_waiting, -1, aws_pca_op_names[c->op]);
	aws_pca_call_creds(c);
}

static void
aws_pca_call_token(struct aws_pca_call *c)
{
	aws_pca_call_set_state(c, AWS_PCA_CALL_QUOTA);
	if (aws_quota_acquire(c->pca->quota[c->op], aws_pca_on_token, c, &c->rwait)) {
		c->have_token = 1;
		aws_pca_call_creds(c);
		return;
	}
	metrics_gauge_add(aws_pca_m_waiting, 1, aws_pca_op_names[c->op]);
}

static void
aws_pca_on_creds(const struct aws_creds *creds, const char *error, void *arg)
{
	struct aws_pca_call *c = arg;
	char *msg;

	c->cwait = NULL;
	if (creds == NULL) {
		msg = xasprintf("no AWS credentials: %s", error != NULL ? error : "unknown error");
		aws_pca_call_fail_later(c, AWS_ERR_AUTH, "", msg);
		free(msg);
		return;
	}
	if (c->have_token)
		aws_pca_call_send(c, creds);
	else
		aws_pca_call_token(c);
}

/*
 * Credentials are checked before the token (no quota spent on a call that
 * cannot be signed) and again after it: the wait for a token may have taken
 * them into their refresh window.
 */
static void
aws_pca_call_creds(struct aws_pca_call *c)
{
	const struct aws_creds *creds = aws_creds_peek(c->pca->creds);

	if (creds != NULL) {
		aws_pca_on_creds(creds, NULL, c);
		return;
	}
	aws_pca_call_set_state(c, AWS_PCA_CALL_CREDENTIALS);
	aws_creds_get(c->pca->creds, aws_pca_on_creds, c, &c->cwait);
}

/* One attempt: credentials, then a token, then the request. */
static void
aws_pca_call_begin(struct aws_pca_call *c)
{
	c->have_token = 0;
	aws_pca_call_creds(c);
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

static void
aws_pca_call_retry(struct aws_pca_call *c, uint64_t delay)
{
	char ms[24];

	metrics_inc(aws_pca_m_retries, aws_pca_op_names[c->op]);
	if (log_enabled(LOG_LEVEL_DEBUG)) {
		snprintf(ms, sizeof ms, "%llu", (unsigned long long)delay);
		log_debug("retrying AWS call", "operation", aws_pca_op_names[c->op], "outcome",
		          aws_err_class_name(c->err), "code", c->code, "message", c->message,
		          "delay_ms", ms);
	}
	aws_pca_call_set_state(c, AWS_PCA_CALL_BACKOFF);
	aws_pca_call_arm(c, delay);
}

static void
aws_pca_on_http(const struct http_resp *resp, void *arg)
{
	struct aws_pca_call *c = arg;
	const struct aws_pca_settings *s = &c->pca->settings;
	uint64_t base;

	c->req = NULL;
	metrics_observe(aws_pca_m_duration, (double)resp->elapsed_us / 1e6,
	                aws_pca_op_names[c->op]);
	aws_pca_call_judge(c, resp);
	aws_pca_call_adapt(c);
	if ((c->err == AWS_ERR_THROTTLED || c->err == AWS_ERR_TRANSIENT) &&
	    c->attempts < s->max_attempts) {
		base = c->err == AWS_ERR_THROTTLED ? s->throttle_base_ms : s->retry_base_ms;
		aws_pca_call_retry(c, backoff_delay(base, s->retry_cap_ms, c->retries++, 1));
		return;
	}
	if (c->err == AWS_ERR_AUTH && !c->auth_retried) {
		/* Rejected credentials may have been rotated: fetch them again, once. */
		c->auth_retried = 1;
		aws_creds_invalidate(c->pca->creds);
		aws_pca_call_retry(c, 0);
		return;
	}
	aws_pca_call_finish(c);
}

void
aws_pca_cancel(struct aws_pca_call *c)
{
	if (c == NULL)
		return;
	switch (c->state) {
	case AWS_PCA_CALL_DONE:
		return;
	case AWS_PCA_CALL_CREDENTIALS:
		aws_creds_cancel(c->pca->creds, c->cwait);
		break;
	case AWS_PCA_CALL_QUOTA:
		if (c->rwait != NULL) {
			aws_quota_cancel(c->pca->quota[c->op], c->rwait);
			metrics_gauge_add(aws_pca_m_waiting, -1, aws_pca_op_names[c->op]);
		}
		break;
	case AWS_PCA_CALL_SENDING:
		if (c->req != NULL)
			http_req_cancel(c->req);
		break;
	case AWS_PCA_CALL_STARTING:
	case AWS_PCA_CALL_BACKOFF:
	case AWS_PCA_CALL_FINISHING:
		break;
	}
	aws_pca_call_free(c);
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
		aws_pca_call_fail_later(c, AWS_ERR_PERMANENT, "", cause);
		free(cause);
		return c;
	}
	aws_pca_call_arm(c, 0);
	return c;
}

struct aws_pca_call *
aws_pca_get_certificate(struct aws_pca *pca, const char *ca_arn, const char *certificate_arn,
                        aws_pca_cb cb, void *arg)
{
	struct aws_pca_call *c = aws_pca_call_new(pca, AWS_PCA_GET_CERTIFICATE, cb, arg);

	aws_pca_json_get_certificate(&c->body, ca_arn, certificate_arn);
	aws_pca_call_arm(c, 0);
	return c;
}

struct aws_pca_call *
aws_pca_describe_ca(struct aws_pca *pca, const char *ca_arn, aws_pca_cb cb, void *arg)
{
	struct aws_pca_call *c = aws_pca_call_new(pca, AWS_PCA_DESCRIBE_CA, cb, arg);

	aws_pca_json_ca(&c->body, ca_arn);
	aws_pca_call_arm(c, 0);
	return c;
}

struct aws_pca_call *
aws_pca_get_ca_certificate(struct aws_pca *pca, const char *ca_arn, aws_pca_cb cb, void *arg)
{
	struct aws_pca_call *c = aws_pca_call_new(pca, AWS_PCA_GET_CA_CERTIFICATE, cb, arg);

	aws_pca_json_ca(&c->body, ca_arn);
	aws_pca_call_arm(c, 0);
	return c;
}

struct aws_pca_call *
aws_pca_revoke(struct aws_pca *pca, const char *ca_arn, const char *serial, const char *reason,
               aws_pca_cb cb, void *arg)
{
	struct aws_pca_call *c = aws_pca_call_new(pca, AWS_PCA_REVOKE_CERTIFICATE, cb, arg);

	aws_pca_json_revoke(&c->body, ca_arn, serial, reason);
	aws_pca_call_arm(c, 0);
	return c;
}
