/*
 * The STS client: form-encoded query requests, SigV4 signing, XML answers
 * read with expat, error classification and a few retries.
 *
 * The XML reader keeps a stack of element names and captures the text of
 * the handful of (parent, element) pairs STS answers carry; everything else
 * is skipped. Documents with a DTD are refused outright, which keeps entity
 * expansion out of the picture.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <expat.h>

#include "aws/endpoint.h"
#include "aws/sigv4.h"
#include "aws/sts.h"
#include "core/backoff.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/codec.h"
#include "core/http.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/rpc.h"
#include "core/timefmt.h"
#include "core/xmalloc.h"

#define AWS_STS_VERSION      "2011-06-15"
#define AWS_STS_MAX_ATTEMPTS 3
#define AWS_STS_MAX_DEPTH    32
#define AWS_STS_MAX_FIELD    (64 * 1024)
#define AWS_STS_MAX_BODY     (256 * 1024)

/* The (parent, element) pairs whose text is kept, and where. */
struct aws_sts_field {
	const char *parent;
	const char *name;
	size_t off; /* of the char * in struct aws_sts_reply */
};

#define AWS_STS_F(p, n, m)                                                                         \
	{                                                                                          \
		p, n, offsetof(struct aws_sts_reply, m)                                            \
	}
static const struct aws_sts_field aws_sts_fields[] = {
    AWS_STS_F("Credentials", "AccessKeyId", access_key_id),
    AWS_STS_F("Credentials", "SecretAccessKey", secret_access_key),
    AWS_STS_F("Credentials", "SessionToken", session_token),
    AWS_STS_F("Credentials", "Expiration", expiration),
    AWS_STS_F("AssumedRoleUser", "Arn", arn),
    AWS_STS_F("AssumedRoleUser", "AssumedRoleId", user_id),
    AWS_STS_F("GetCallerIdentityResult", "Arn", arn),
    AWS_STS_F("GetCallerIdentityResult", "UserId", user_id),
    AWS_STS_F("GetCallerIdentityResult", "Account", account),
    AWS_STS_F("ResponseMetadata", "RequestId", request_id),
    AWS_STS_F("ErrorResponse", "RequestId", request_id),
    AWS_STS_F("Error", "Type", err_type),
    AWS_STS_F("Error", "Code", err_code),
    AWS_STS_F("Error", "Message", err_message),
};
#define AWS_STS_NFIELDS (sizeof aws_sts_fields / sizeof aws_sts_fields[0])

struct aws_sts_xml {
	XML_Parser parser;
	struct aws_sts_reply *out;
	char *stack[AWS_STS_MAX_DEPTH];
	int depth;
	int capture; /* index into aws_sts_fields, or -1 */
	int capture_depth;
	struct buf text;
	const char *error; /* why parsing was stopped */
};

/* The element name without a namespace prefix. */
static const char *
aws_sts_local_name(const char *name)
{
	const char *c = strrchr(name, ':');

	return c == NULL ? name : c + 1;
}

static void
aws_sts_xml_stop(struct aws_sts_xml *x, const char *why)
{
	if (x->error == NULL)
		x->error = why;
	XML_StopParser(x->parser, XML_FALSE);
}

static void
aws_sts_on_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct aws_sts_xml *x = arg;
	const char *local = aws_sts_local_name(name), *parent;
	size_t i;

	if (x->depth == AWS_STS_MAX_DEPTH) {
		aws_sts_xml_stop(x, "elements nested too deeply");
		return;
	}
	if (x->depth == 0 && strcmp(local, "ErrorResponse") == 0)
		x->out->is_error = 1;
	parent = x->depth == 0 ? "" : x->stack[x->depth - 1];
	x->stack[x->depth++] = xstrdup(local);
	if (x->capture != -1)
		return;
	for (i = 0; i < AWS_STS_NFIELDS; i++) {
		if (strcmp(aws_sts_fields[i].name, local) == 0 &&
		    strcmp(aws_sts_fields[i].parent, parent) == 0) {
			x->capture = (int)i;
			x->capture_depth = x->depth;
			buf_reset(&x->text);
			return;
		}
	}
}

static void
aws_sts_on_text(void *arg, const XML_Char *s, int len)
{
	struct aws_sts_xml *x = arg;

	if (x->capture == -1 || len <= 0)
		return;
	if (x->text.len + (size_t)len > AWS_STS_MAX_FIELD) {
		aws_sts_xml_stop(x, "an element's text is too long");
		return;
	}
	buf_add(&x->text, s, (size_t)len);
}

/* Stores the captured text, trimmed, replacing an earlier value. */
static void
aws_sts_store(struct aws_sts_xml *x)
{
	char **slot = (char **)(void *)((char *)x->out + aws_sts_fields[x->capture].off);
	const char *p = buf_str(&x->text);
	size_t n = x->text.len;

	while (n > 0 && isspace((unsigned char)*p)) {
		p++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	if (*slot != NULL) {
		explicit_bzero(*slot, strlen(*slot));
		free(*slot);
	}
	*slot = xstrndup(p, n);
	explicit_bzero(x->text.p, x->text.len);
	buf_reset(&x->text);
	x->capture = -1;
}

static void
aws_sts_on_end(void *arg, const XML_Char *name)
{
	struct aws_sts_xml *x = arg;

	if (x->capture != -1 && x->depth == x->capture_depth)
		aws_sts_store(x);
	if (x->depth > 0)
		free(x->stack[--x->depth]);
}

static void
aws_sts_on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                   int has_internal_subset)
{
	aws_sts_xml_stop(arg, "a DTD is not allowed");
}

void
aws_sts_reply_clear(struct aws_sts_reply *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < AWS_STS_NFIELDS; i++) {
		char **slot = (char **)(void *)((char *)r + aws_sts_fields[i].off);
		if (*slot != NULL) {
			explicit_bzero(*slot, strlen(*slot));
			free(*slot);
			*slot = NULL;
		}
	}
	memset(r, 0, sizeof *r);
}

int
aws_sts_parse(const char *body, size_t len, struct aws_sts_reply *out, char **cause)
{
	struct aws_sts_xml x;
	enum XML_Status st;
	int rc = 0;

	memset(out, 0, sizeof *out);
	memset(&x, 0, sizeof x);
	if (len > AWS_STS_MAX_BODY || len > (size_t)INT32_MAX) {
		*cause = xstrdup("STS answer too large");
		return -1;
	}
	x.out = out;
	x.capture = -1;
	x.parser = XML_ParserCreate(NULL);
	if (x.parser == NULL)
		fatalx("expat cannot create a parser");
	XML_SetUserData(x.parser, &x);
	XML_SetElementHandler(x.parser, aws_sts_on_start, aws_sts_on_end);
	XML_SetCharacterDataHandler(x.parser, aws_sts_on_text);
	XML_SetStartDoctypeDeclHandler(x.parser, aws_sts_on_doctype);
	st = XML_Parse(x.parser, body, (int)len, XML_TRUE);
	if (st != XML_STATUS_OK || x.error != NULL) {
		*cause = xasprintf("STS answer is not valid XML: line %lu: %s",
		                   (unsigned long)XML_GetCurrentLineNumber(x.parser),
		                   x.error != NULL ? x.error
		                                   : XML_ErrorString(XML_GetErrorCode(x.parser)));
		rc = -1;
	}
	while (x.depth > 0)
		free(x.stack[--x.depth]);
	if (x.text.p != NULL)
		explicit_bzero(x.text.p, x.text.len);
	buf_clear(&x.text);
	XML_ParserFree(x.parser);
	if (rc != 0)
		aws_sts_reply_clear(out);
	return rc;
}

/*
 * STS's own codes first: a web identity provider that could not be reached
 * is worth another try, a rejected token or a disabled region is not. The
 * rest is the common AWS table.
 */
enum aws_err_class
aws_sts_classify(const char *code, long http_status)
{
	static const char *const auth[] = {"InvalidIdentityToken", "IDPRejectedClaim",
	                                   "RegionDisabledException", NULL};
	size_t i;

	if (code != NULL && strcmp(code, "IDPCommunicationError") == 0)
		return AWS_ERR_TRANSIENT;
	for (i = 0; code != NULL && auth[i] != NULL; i++) {
		if (strcmp(code, auth[i]) == 0)
			return AWS_ERR_AUTH;
	}
	return aws_err_classify(code, http_status);
}

struct aws_sts {
	struct http_client *http;
	char *endpoint;
	char *url; /* endpoint with the request path */
	char *host;
	char *path;
	char *region;
	struct aws_sigv4_keycache *kc;
	struct aws_sts_call *calls;
};

struct aws_sts_call {
	struct rpc_call rpc; /* first: the engine's part */
	struct aws_sts *sts; /* NULL once the call is being delivered */
	struct aws_sts_call *prev, *next;
	const char *action;
	struct buf body; /* may hold a web identity token: wiped */
	struct aws_creds creds;
	int sign;
	aws_sts_cb cb;
	void *arg;
	/* The outcome: a parsed answer (reply) or a failure (err, code, message). */
	enum aws_err_class err;
	char *code, *message;
	long http_status;
	struct aws_sts_reply reply;
	int have_reply;
};

static const struct rpc_ops aws_sts_rpc_ops;

#define AWS_STS_CALL(rc) ((struct aws_sts_call *)(void *)(rc))

struct aws_sts *
aws_sts_create(struct http_client *http, const char *endpoint_url, const char *region, char **cause)
{
	struct aws_sts *sts;
	char *host, *path;
	size_t n;

	if (aws_endpoint_parse(endpoint_url, &host, &path, cause) != 0)
		return NULL;
	sts = xcalloc(1, sizeof *sts);
	sts->http = http;
	sts->endpoint = xstrdup(endpoint_url);
	sts->host = host;
	n = strlen(path);
	sts->path = n > 0 && path[n - 1] == '/' ? path : xasprintf("%s/", path);
	if (sts->path != path)
		free(path);
	n = strlen(endpoint_url);
	while (n > 0 && endpoint_url[n - 1] == '/')
		n--;
	/* The query protocol posts to the endpoint's path with a trailing '/'. */
	sts->url = xasprintf("%.*s/", (int)n, endpoint_url);
	sts->region = xstrdup(region != NULL && *region != '\0' ? region : "us-east-1");
	sts->kc = aws_sigv4_keycache_create();
	return sts;
}

const char *
aws_sts_endpoint(const struct aws_sts *sts)
{
	return sts->endpoint;
}

static void
aws_sts_unlink(struct aws_sts_call *c)
{
	if (c->sts == NULL)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->sts->calls = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

void
aws_sts_free(struct aws_sts *sts)
{
	if (sts == NULL)
		return;
	while (sts->calls != NULL)
		aws_sts_cancel(sts->calls);
	aws_sigv4_keycache_free(sts->kc);
	free(sts->endpoint);
	free(sts->url);
	free(sts->host);
	free(sts->path);
	free(sts->region);
	free(sts);
}

void
aws_sts_cancel(struct aws_sts_call *c)
{
	if (c != NULL)
		rpc_cancel(&c->rpc);
}

/* Appends "&name=value" with value percent-encoded as the query protocol wants. */
static void
aws_sts_form_add(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "%s%s=", b->len > 0 ? "&" : "", name);
	codec_pct_encode(b, value, strlen(value), NULL);
}

/* Signs r's request as it will be sent; -1 with *cause. */
static int
aws_sts_sign(struct aws_sts_call *c, struct http_req *r, char **cause)
{
	struct aws_sigv4_header h[] = {{"Content-Type", "application/x-www-form-urlencoded; "
	                                                "charset=utf-8"}};
	struct aws_sigv4_request rq = {.method = "POST",
	                               .host = c->sts->host,
	                               .path = c->sts->path,
	                               .headers = h,
	                               .nheaders = 1,
	                               .payload = c->body.p,
	                               .payload_len = c->body.len,
	                               .normalize_path = 1};
	struct aws_sigv4_params pa = {.access_key_id = c->creds.access_key_id,
	                              .secret_access_key = c->creds.secret_access_key,
	                              .session_token = c->creds.session_token,
	                              .region = c->sts->region,
	                              .service = "sts",
	                              .now = (time_t)(clock_wall_ms() / 1000)};
	struct aws_sigv4_result res;
	size_t i;

	if (aws_sigv4_sign(&rq, &pa, c->sts->kc, &res, cause) != 0)
		return -1;
	for (i = 0; i < res.nadd; i++)
		http_req_header(r, res.add[i].name, res.add[i].value);
	aws_sigv4_result_free(&res);
	return 0;
}

/* ---- the protocol's operations for core/rpc.h ---- */

static struct http_req *
aws_sts_rpc_encode(struct rpc_call *rc, char **cause)
{
	struct aws_sts_call *c = AWS_STS_CALL(rc);
	struct http_req *r;
	char *why = NULL;

	r = http_req_new(c->sts->http, "POST", c->sts->url);
	http_req_header(r, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
	http_req_header(r, "Accept", "text/xml");
	if (c->sign && aws_sts_sign(c, r, &why) != 0) {
		http_req_cancel(r);
		*cause = xasprintf("cannot sign STS %s: %s", c->action, why);
		free(why);
		return NULL;
	}
	http_req_body(r, c->body.p, c->body.len);
	http_req_timeout(r, 10000);
	http_req_connect_timeout(r, 3000);
	http_req_max_body(r, AWS_STS_MAX_BODY);
	return r;
}

static void
aws_sts_set_outcome(struct aws_sts_call *c, enum aws_err_class err, const char *code,
                    const char *message, long status)
{
	free(c->code);
	free(c->message);
	c->err = err;
	c->code = xstrdup(code);
	c->message = xstrdup(message);
	c->http_status = status;
}

/* Turns the parsed credentials into *out; -1 when a part is missing. */
static int
aws_sts_creds_of(const struct aws_sts_reply *rep, struct aws_creds *out)
{
	int64_t exp;

	if (rep->access_key_id == NULL || rep->secret_access_key == NULL ||
	    *rep->access_key_id == '\0' || *rep->secret_access_key == '\0' ||
	    timefmt_parse(rep->expiration, &exp) != 0)
		return -1;
	out->access_key_id = rep->access_key_id;
	out->secret_access_key = rep->secret_access_key;
	out->session_token = rep->session_token;
	out->expires_ms = exp;
	return 0;
}

static const char *
aws_sts_or_empty(const char *s)
{
	return s == NULL ? "" : s;
}

/* A 2xx answer: the reply to deliver, or a transient failure for a garbled one. */
static void
aws_sts_success(struct aws_sts_call *c, const struct http_resp *resp)
{
	struct aws_creds creds;
	char *cause = NULL, *msg;

	if (aws_sts_parse(resp->body.p, resp->body.len, &c->reply, &cause) != 0) {
		msg = xasprintf("STS %s at %s: %s", c->action, c->sts->endpoint, cause);
		aws_sts_set_outcome(c, AWS_ERR_TRANSIENT, "", msg, resp->status);
		free(msg);
		free(cause);
		return;
	}
	memset(&creds, 0, sizeof creds);
	if (strcmp(c->action, "GetCallerIdentity") != 0 &&
	    aws_sts_creds_of(&c->reply, &creds) != 0) {
		msg = xasprintf("STS %s at %s: the answer holds no complete credentials", c->action,
		                c->sts->endpoint);
		aws_sts_set_outcome(c, AWS_ERR_TRANSIENT, "", msg, resp->status);
		free(msg);
		aws_sts_reply_clear(&c->reply);
		return;
	}
	c->have_reply = 1;
	aws_sts_set_outcome(c, AWS_OK, "", "", resp->status);
}

/* A failed attempt: its class, code and message. */
static void
aws_sts_failure(struct aws_sts_call *c, const struct http_resp *resp)
{
	struct aws_sts_reply rep;
	enum aws_err_class err;
	char *cause = NULL, *msg;
	const char *code = "";

	memset(&rep, 0, sizeof rep);
	if (resp->err == HTTP_ERR_NONE &&
	    aws_sts_parse(resp->body.p, resp->body.len, &rep, &cause) == 0 && rep.err_code != NULL)
		code = rep.err_code;
	free(cause);
	err = resp->err == HTTP_ERR_NONE ? aws_sts_classify(code, resp->status) : AWS_ERR_TRANSIENT;
	if (resp->err != HTTP_ERR_NONE)
		msg = xasprintf("STS %s at %s: %s", c->action, c->sts->endpoint,
		                resp->errmsg != NULL && *resp->errmsg != '\0'
		                    ? resp->errmsg
		                    : http_err_name(resp->err));
	else if (rep.err_message != NULL && *rep.err_message != '\0') {
		char *clean = aws_err_clean_message(rep.err_message);

		msg = xasprintf("STS %s at %s: %s: %s", c->action, c->sts->endpoint, code, clean);
		free(clean);
	} else
		msg = xasprintf("STS %s at %s: HTTP %ld%s%s", c->action, c->sts->endpoint,
		                resp->status, *code != '\0' ? " " : "", code);
	aws_sts_set_outcome(c, err, code, msg, resp->status);
	free(msg);
	aws_sts_reply_clear(&rep);
}

static enum rpc_verdict
aws_sts_rpc_judge(struct rpc_call *rc, const struct http_resp *resp, uint64_t *delay_ms)
{
	struct aws_sts_call *c = AWS_STS_CALL(rc);

	log_debug("STS answer", "action", c->action, "endpoint", c->sts->endpoint, "result",
	          http_err_name(resp->err));
	if (resp->err == HTTP_ERR_NONE && resp->status >= 200 && resp->status < 300)
		aws_sts_success(c, resp);
	else
		aws_sts_failure(c, resp);
	if ((c->err == AWS_ERR_TRANSIENT || c->err == AWS_ERR_THROTTLED) &&
	    rc->attempts < AWS_STS_MAX_ATTEMPTS) {
		*delay_ms = backoff_delay(200, 2000, rc->attempts - 1, 1);
		return RPC_RETRY;
	}
	return RPC_DELIVER;
}

static void
aws_sts_rpc_failed(struct rpc_call *rc, const char *cause)
{
	aws_sts_set_outcome(AWS_STS_CALL(rc), AWS_ERR_PERMANENT, "", cause, 0);
}

/* Hands the outcome to the caller. */
static void
aws_sts_rpc_deliver(struct rpc_call *rc)
{
	struct aws_sts_call *c = AWS_STS_CALL(rc);
	struct aws_sts_result res;
	struct aws_creds creds;

	memset(&res, 0, sizeof res);
	memset(&creds, 0, sizeof creds);
	res.err = c->err;
	res.code = c->code != NULL ? c->code : "";
	res.message = c->message != NULL ? c->message : "";
	res.http_status = c->http_status;
	res.attempts = rc->attempts;
	res.arn = res.user_id = res.account = res.request_id = "";
	if (c->err == AWS_OK && c->have_reply) {
		res.arn = aws_sts_or_empty(c->reply.arn);
		res.user_id = aws_sts_or_empty(c->reply.user_id);
		res.account = aws_sts_or_empty(c->reply.account);
		res.request_id = aws_sts_or_empty(c->reply.request_id);
		if (aws_sts_creds_of(&c->reply, &creds) == 0)
			res.creds = &creds;
	} else
		log_debug("STS call failed", "action", c->action, "endpoint",
		          c->sts != NULL ? c->sts->endpoint : "", "code", res.code, "error",
		          res.message);
	aws_sts_unlink(c);
	c->sts = NULL;
	c->cb(&res, c->arg);
}

static void
aws_sts_rpc_destroy(struct rpc_call *rc)
{
	struct aws_sts_call *c = AWS_STS_CALL(rc);

	aws_sts_unlink(c);
	if (c->body.p != NULL)
		explicit_bzero(c->body.p, c->body.len);
	buf_clear(&c->body);
	aws_creds_clear(&c->creds);
	aws_sts_reply_clear(&c->reply);
	free(c->code);
	free(c->message);
	free(c);
}

static const struct rpc_ops aws_sts_rpc_ops = {
    .name = "sts",
    .encode = aws_sts_rpc_encode,
    .judge = aws_sts_rpc_judge,
    .failed = aws_sts_rpc_failed,
    .deliver = aws_sts_rpc_deliver,
    .destroy = aws_sts_rpc_destroy,
};

static struct aws_sts_call *
aws_sts_call_new(struct aws_sts *sts, const char *action, const struct aws_creds *creds,
                 aws_sts_cb cb, void *arg)
{
	struct aws_sts_call *c = xcalloc(1, sizeof *c);

	rpc_init(&c->rpc, &aws_sts_rpc_ops);
	c->sts = sts;
	c->action = action;
	c->cb = cb;
	c->arg = arg;
	if (creds != NULL) {
		aws_creds_copy(&c->creds, creds);
		c->sign = 1;
	}
	aws_sts_form_add(&c->body, "Action", action);
	aws_sts_form_add(&c->body, "Version", AWS_STS_VERSION);
	c->next = sts->calls;
	if (sts->calls != NULL)
		sts->calls->prev = c;
	sts->calls = c;
	return c;
}

static void
aws_sts_add_role(struct aws_sts_call *c, const struct aws_sts_assume_params *p)
{
	char dur[16];

	aws_sts_form_add(&c->body, "RoleArn", p->role_arn);
	aws_sts_form_add(&c->body, "RoleSessionName", p->session_name);
	if (p->duration_s != 0) {
		snprintf(dur, sizeof dur, "%u", p->duration_s);
		aws_sts_form_add(&c->body, "DurationSeconds", dur);
	}
}

struct aws_sts_call *
aws_sts_assume_role(struct aws_sts *sts, const struct aws_creds *creds,
                    const struct aws_sts_assume_params *p, aws_sts_cb cb, void *arg)
{
	struct aws_sts_call *c = aws_sts_call_new(sts, "AssumeRole", creds, cb, arg);

	aws_sts_add_role(c, p);
	if (p->external_id != NULL && *p->external_id != '\0')
		aws_sts_form_add(&c->body, "ExternalId", p->external_id);
	rpc_start(&c->rpc, 0);
	return c;
}

struct aws_sts_call *
aws_sts_assume_role_with_web_identity(struct aws_sts *sts, const struct aws_sts_assume_params *p,
                                      aws_sts_cb cb, void *arg)
{
	struct aws_sts_call *c = aws_sts_call_new(sts, "AssumeRoleWithWebIdentity", NULL, cb, arg);

	aws_sts_add_role(c, p);
	aws_sts_form_add(&c->body, "WebIdentityToken",
	                 p->web_identity_token != NULL ? p->web_identity_token : "");
	rpc_start(&c->rpc, 0);
	return c;
}

struct aws_sts_call *
aws_sts_get_caller_identity(struct aws_sts *sts, const struct aws_creds *creds, aws_sts_cb cb,
                            void *arg)
{
	struct aws_sts_call *c = aws_sts_call_new(sts, "GetCallerIdentity", creds, cb, arg);

	rpc_start(&c->rpc, 0);
	return c;
}
