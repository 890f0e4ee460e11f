/*
 * The Kubernetes request client: how paths and queries are built and
 * escaped, how a request path maps to its metric labels, and what the
 * client does against a fake API server in the same process (an evhttp
 * server on the same loop): methods, headers and patch types, Status
 * decoding (409 Conflict, 410 Expired, bodies that are not a Status),
 * Retry-After retries and their bound, a 401 retried once with a re-read
 * token file, the QPS limiter, watch line
 * splitting across chunks, the line cap, stopping and cancelling a watch
 * from its own line callback, and freeing the client with calls pending.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "core/http.h"
#include "core/jenc.h"
#include "core/jtok.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/xmalloc.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/types.h"
#include "testutil.h"

/* ---- paths ---- */

static void
check_path(const struct kube_resource *res, const char *ns, const char *name, const char *sub,
           const char *want)
{
	char *p = kube_path(res, ns, name, sub);

	CHECK_STR(p, want);
	free(p);
}

static void
test_paths(void)
{
	check_path(&kube_res_certificaterequests, "sandbox", "www-1", "status",
	           "/apis/cert-manager.io/v1/namespaces/sandbox/certificaterequests/www-1/status");
	check_path(&kube_res_certificaterequests, NULL, NULL, NULL,
	           "/apis/cert-manager.io/v1/certificaterequests");
	check_path(&kube_res_certificaterequests, "", "", "",
	           "/apis/cert-manager.io/v1/certificaterequests");
	check_path(&kube_res_awspcaissuers, "team-a", NULL, NULL,
	           "/apis/awspca.cert-manager.io/v1beta1/namespaces/team-a/awspcaissuers");
	check_path(&kube_res_awspcaclusterissuers, NULL, "global", "status",
	           "/apis/awspca.cert-manager.io/v1beta1/awspcaclusterissuers/global/status");
	check_path(&kube_res_secrets, "team-a", "aws-creds", NULL,
	           "/api/v1/namespaces/team-a/secrets/aws-creds");
	check_path(&kube_res_leases, "cert-manager", "pca-issuer", NULL,
	           "/apis/coordination.k8s.io/v1/namespaces/cert-manager/leases/pca-issuer");
	check_path(&kube_res_events, "ns", NULL, NULL,
	           "/apis/events.k8s.io/v1/namespaces/ns/events");
	check_path(&kube_res_core_events, "ns", NULL, NULL, "/api/v1/namespaces/ns/events");
	/* Segments are escaped: a name cannot add path components or a query. */
	check_path(&kube_res_secrets, "ns", "a/b?c=d#e f", NULL,
	           "/api/v1/namespaces/ns/secrets/a%2Fb%3Fc%3Dd%23e%20f");
	check_path(&kube_res_secrets, "ns", "system:node:x", NULL,
	           "/api/v1/namespaces/ns/secrets/system%3Anode%3Ax");
}

static void
test_query(void)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "/api/v1/secrets");
	kube_path_query_add(&b, "labelSelector", "app in (a,b),tier!=x");
	kube_path_query_add(&b, "fieldSelector", "metadata.namespace=ns-1");
	kube_path_query_add(&b, "continue", "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTJ9+/=");
	kube_path_query_add(&b, "limit", "500");
	kube_path_query_add(&b, "empty", "");
	kube_path_query_add(&b, "utf8", "\xc3\xa9~_.-");
	CHECK_STR(buf_str(&b), "/api/v1/secrets?labelSelector=app%20in%20%28a%2Cb%29%2Ctier%21%3Dx"
	                       "&fieldSelector=metadata.namespace%3Dns-1"
	                       "&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTJ9%2B%2F%3D"
	                       "&limit=500&empty=&utf8=%C3%A9~_.-");
	buf_clear(&b);
}

static void
check_describe(const char *path, const char *resource, int collection)
{
	char *r = NULL;
	int c = -1;

	kube_path_describe(path, &r, &c);
	CHECK_STR(r, resource);
	CHECK_INT(c, collection);
	if (r == NULL || strcmp(r, resource) != 0 || c != collection)
		fprintf(stderr, "  path %s\n", path);
	free(r);
}

static void
test_describe(void)
{
	check_describe("/apis/cert-manager.io/v1/certificaterequests?watch=1",
	               "certificaterequests", 1);
	check_describe("/apis/cert-manager.io/v1/namespaces/ns/certificaterequests?limit=500",
	               "certificaterequests", 1);
	check_describe("/apis/cert-manager.io/v1/namespaces/ns/certificaterequests/x",
	               "certificaterequests", 0);
	check_describe("/apis/cert-manager.io/v1/namespaces/ns/certificaterequests/x/status"
	               "?fieldManager=pca-issuer",
	               "certificaterequests/status", 0);
	check_describe("/api/v1/namespaces/ns/secrets/s", "secrets", 0);
	check_describe("/api/v1/namespaces", "namespaces", 1);
	check_describe("/api/v1/namespaces/ns", "namespaces", 0);
	check_describe("/api/v1/namespaces/ns/status", "namespaces/status", 0);
	check_describe("/apis/awspca.cert-manager.io/v1beta1/awspcaclusterissuers/g",
	               "awspcaclusterissuers", 0);
	check_describe("/api/v1/namespaces/ns/finalize", "namespaces/finalize", 0);
	check_describe("/version", "unknown", 0);
	check_describe("/", "unknown", 0);
}

/* ---- the fake API server ---- */

static struct event_base *base;
static struct evhttp *srv;
static int srv_port;
static unsigned srv_requests;
static int busy_left;                   /* /busy answers 429 this many more times */
static const char *const *watch_script; /* chunks /watch sends, NULL-terminated */
static struct http_client *http;

struct stream {
	struct evhttp_request *req;
	struct event *timer;
	const char *const *next;
};

static void
reply(struct evhttp_request *req, int code, const char *ctype, const char *body)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add(b, body, strlen(body));
	if (ctype != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", ctype);
	evhttp_send_reply(req, code, "X", b);
	evbuffer_free(b);
}

static void
reply_status(struct evhttp_request *req, int code, const char *reason, const char *message)
{
	struct buf b = BUF_INIT;
	struct jenc e;

	jenc_init(&e, &b);
	jenc_obj_open(&e);
	jenc_kv_str(&e, "kind", "Status");
	jenc_kv_str(&e, "apiVersion", "v1");
	jenc_kv_str(&e, "status", "Failure");
	jenc_kv_str(&e, "message", message);
	jenc_kv_str(&e, "reason", reason);
	jenc_kv_int(&e, "code", code);
	jenc_obj_close(&e);
	reply(req, code, "application/json", buf_str(&b));
	buf_clear(&b);
}

static const char *
header(struct evhttp_request *req, const char *name)
{
	const char *v = evhttp_find_header(evhttp_request_get_input_headers(req), name);

	return v != NULL ? v : "-";
}

/* Answers what it received, as JSON. */
static void
on_echo(struct evhttp_request *req)
{
	static const char *const methods[] = {"GET",     "POST",  "HEAD",    "PUT",  "DELETE",
	                                      "OPTIONS", "TRACE", "CONNECT", "PATCH"};
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	int cmd = evhttp_request_get_command(req), i = 0;
	struct buf b = BUF_INIT;
	struct jenc e;

	while (i < 9 && cmd != (1 << i))
		i++;
	jenc_init(&e, &b);
	jenc_obj_open(&e);
	jenc_kv_str(&e, "method", i < 9 ? methods[i] : "?");
	jenc_kv_str(&e, "uri", evhttp_request_get_uri(req));
	jenc_kv_str(&e, "auth", header(req, "Authorization"));
	jenc_kv_str(&e, "ctype", header(req, "Content-Type"));
	jenc_kv_str(&e, "ua", header(req, "User-Agent"));
	jenc_key(&e, "body");
	jenc_strn(&e, (const char *)evbuffer_pullup(in, -1), evbuffer_get_length(in));
	jenc_obj_close(&e);
	reply(req, 200, "application/json", buf_str(&b));
	buf_clear(&b);
}

static void
stream_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct stream *s = arg;
	struct timeval tv = {0, 5000};
	struct evbuffer *b;

	if (*s->next == NULL) {
		evhttp_send_reply_end(s->req);
		event_free(s->timer);
		free(s);
		return;
	}
	b = evbuffer_new();
	evbuffer_add(b, *s->next, strlen(*s->next));
	s->next++;
	evhttp_send_reply_chunk(s->req, b);
	evbuffer_free(b);
	evtimer_add(s->timer, &tv);
}

/* Sends watch_script one chunk every 5 ms, so lines straddle reads. */
static void
on_watch(struct evhttp_request *req)
{
	struct stream *s = xcalloc(1, sizeof *s);
	struct timeval tv = {0, 5000};

	s->req = req;
	s->next = watch_script;
	s->timer = evtimer_new(base, stream_on_timer, s);
	evhttp_send_reply_start(req, 200, "OK");
	evtimer_add(s->timer, &tv);
}

static void
on_slow_timer(evutil_socket_t fd, short what, void *arg)
{
	reply(arg, 200, "application/json", "{}");
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	struct timeval tv = {0, 200000};

	srv_requests++;
	if (strcmp(path, "/api/v1/namespaces/ns/secrets/conflict") == 0)
		reply_status(
		    req, 409, "Conflict",
		    "Operation cannot be fulfilled on secrets \"conflict\": the object has "
		    "been modified; please apply your changes to the latest version and "
		    "try again");
	else if (strcmp(path, "/api/v1/namespaces/ns/secrets/gone") == 0)
		reply_status(req, 410, "Expired", "too old resource version: 5 (90)");
	else if (strcmp(path, "/api/v1/namespaces/ns/secrets/busy") == 0) {
		if (busy_left-- > 0) {
			evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After",
			                  "1");
			reply_status(req, 429, "TooManyRequests",
			             "Too many requests, please try "
			             "again later.");
		} else
			reply(req, 200, "application/json", "{\"kind\":\"Secret\"}");
	} else if (strcmp(path, "/api/v1/namespaces/ns/secrets/auth") == 0) {
		if (strcmp(header(req, "Authorization"), "Bearer new-token") == 0)
			reply(req, 200, "application/json", "{\"kind\":\"Secret\"}");
		else
			reply_status(req, 401, "Unauthorized", "Unauthorized");
	} else if (strcmp(path, "/api/v1/namespaces/ns/secrets/unavailable") == 0)
		reply(req, 503, "text/plain", "upstream connect error\n");
	else if (strcmp(path, "/api/v1/namespaces/ns/secrets/slow") == 0)
		event_base_once(base, -1, EV_TIMEOUT, on_slow_timer, req, &tv);
	else if (strcmp(path, "/api/v1/namespaces/ns/secrets") == 0 &&
	         strstr(evhttp_request_get_uri(req), "watch=1") != NULL)
		on_watch(req);
	else
		on_echo(req);
}

static void
srv_start(void)
{
	struct evhttp_bound_socket *s;
	evutil_socket_t fd;
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	char *cause = NULL;

	srv = evhttp_new(base);
	evhttp_set_allowed_methods(srv, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
	                                    EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE);
	evhttp_set_gencb(srv, on_request, NULL);
	s = evhttp_bind_socket_with_handle(srv, "127.0.0.1", 0);
	if (s == NULL)
		fatalx("cannot listen on 127.0.0.1");
	fd = evhttp_bound_socket_get_fd(s);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	srv_port = ntohs(sin.sin_port);
	if (http_client_create(base, "kube-test/1", &http, &cause) != 0)
		fatalx("%s", cause);
}

/* ---- the loop driver ---- */

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/* Runs the loop until *counter reaches target; -1 when ms pass first. */
static int
wait_for(const int *counter, int target, int ms)
{
	int expired = 0;
	struct event *t = evtimer_new(base, on_deadline, &expired);
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(t, &tv);
	while (*counter < target && !expired)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(t);
	if (expired)
		fprintf(stderr, "%s: %d ms passed (counter %d, want %d)\n", test_current, ms,
		        *counter, target);
	return expired ? -1 : 0;
}

/* Runs the loop for ms and returns 1 if *counter stayed at value all along. */
static int
stays_at(const int *counter, int value, int ms)
{
	int expired = 0;
	struct event *t = evtimer_new(base, on_deadline, &expired);
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(t, &tv);
	while (*counter == value && !expired)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(t);
	return *counter == value;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* What a callback saw. */
struct got {
	int n;
	enum kube_err err;
	long status;
	char *reason, *message, *body;
	uint64_t retry_after_ms;
	int nlines;
	char *lines[16];
	int stop_at;   /* the line callback returns -1 at this line (1-based) */
	int cancel_at; /* or cancels the call there */
	struct kube_call *call;
};

static void
got_clear(struct got *g)
{
	int i;

	free(g->reason);
	free(g->message);
	free(g->body);
	for (i = 0; i < g->nlines; i++)
		free(g->lines[i]);
	memset(g, 0, sizeof *g);
}

static void
on_done(const struct kube_resp *resp, void *arg)
{
	struct got *g = arg;

	g->n++;
	g->err = resp->err;
	g->status = resp->status;
	g->reason = xstrdup(resp->reason);
	g->message = xstrdup(resp->message);
	g->body = xstrndup(resp->body.p, resp->body.len);
	g->retry_after_ms = resp->retry_after_ms;
}

static int
on_line(const char *line, size_t len, void *arg)
{
	struct got *g = arg;

	if (g->nlines < 16)
		g->lines[g->nlines++] = xstrndup(line, len);
	if (g->nlines == g->cancel_at) {
		kube_client_cancel(g->call);
		g->n++;
		return 0;
	}
	return g->nlines == g->stop_at ? -1 : 0;
}

static struct kube_client *
client_new(double qps, int burst, unsigned max_retries, int port)
{
	static char token[] = "t0ken";
	char server[64];
	struct kube_config cfg;
	struct kube_client_opts o;
	struct kube_client *c = NULL;
	char *cause = NULL;

	snprintf(server, sizeof server, "http://127.0.0.1:%d/", port);
	memset(&cfg, 0, sizeof cfg);
	cfg.server = server;
	cfg.token = token;
	memset(&o, 0, sizeof o);
	o.qps = qps;
	o.burst = burst;
	o.max_retries = max_retries;
	o.user_agent = "pca-issuer/test";
	if (kube_client_create(http, &cfg, NULL, &o, &c, &cause) != 0)
		fatalx("%s", cause);
	return c;
}

static void
test_create_refuses_bad_server(void)
{
	static char server[] = "127.0.0.1:6443";
	struct kube_config cfg;
	struct kube_client *c = NULL;
	char *cause = NULL;

	memset(&cfg, 0, sizeof cfg);
	cfg.server = server;
	CHECK_INT(kube_client_create(http, &cfg, NULL, NULL, &c, &cause), -1);
	CHECK_CONTAINS(cause, "\"127.0.0.1:6443\" is not an http(s) URL");
	free(cause);
}

/* Sends one request per verb and checks what the server saw. */
static void
test_methods(void)
{
	static const char apply[] = "{\"apiVersion\":\"v1\",\"kind\":\"Secret\"}";
	struct kube_client *c = client_new(0, 0, 0, srv_port);
	struct got g[7];
	struct jtok *d;
	int i, done = 0;

	memset(g, 0, sizeof g);
	kube_client_get(c, "/api/v1/namespaces/ns/secrets/s", on_done, &g[0]);
	kube_client_post(c, "/api/v1/namespaces/ns/secrets", "{\"a\":1}", 7, on_done, &g[1]);
	kube_client_put(c, "/api/v1/namespaces/ns/secrets/s", "{\"b\":2}", 7, on_done, &g[2]);
	kube_client_patch(c, "/api/v1/namespaces/ns/secrets/s", KUBE_PATCH_MERGE, "{}", 2, NULL, 1,
	                  on_done, &g[3]);
	kube_client_patch(c, "/api/v1/namespaces/ns/secrets/s", KUBE_PATCH_JSON, "[]", 2, "m", 0,
	                  on_done, &g[4]);
	kube_client_patch(c, "/api/v1/namespaces/ns/secrets/s/status?dryRun=All", KUBE_PATCH_APPLY,
	                  apply, strlen(apply), "pca-issuer", 1, on_done, &g[5]);
	kube_client_delete(c, "/api/v1/namespaces/ns/secrets/s", on_done, &g[6]);
	for (i = 0; i < 7; i++) {
		CHECK_INT(wait_for(&g[i].n, 1, 5000), 0);
		CHECK_INT(g[i].status, 200);
		CHECK_INT(g[i].err, KUBE_OK);
	}
	{
		static const char *const want[7][4] = {
		    {"GET", "/api/v1/namespaces/ns/secrets/s", "-", ""},
		    {"POST", "/api/v1/namespaces/ns/secrets", "application/json", "{\"a\":1}"},
		    {"PUT", "/api/v1/namespaces/ns/secrets/s", "application/json", "{\"b\":2}"},
		    {"PATCH", "/api/v1/namespaces/ns/secrets/s", "application/merge-patch+json",
		     "{}"},
		    {"PATCH", "/api/v1/namespaces/ns/secrets/s?fieldManager=m",
		     "application/json-patch+json", "[]"},
		    {"PATCH",
		     "/api/v1/namespaces/ns/secrets/s/status?dryRun=All&fieldManager=pca-issuer"
		     "&force=true",
		     "application/apply-patch+yaml", apply},
		    {"DELETE", "/api/v1/namespaces/ns/secrets/s", "-", ""},
		};
		for (i = 0; i < 7; i++) {
			if (g[i].body == NULL || jtok_parse(g[i].body, strlen(g[i].body), &d, NULL))
				continue;
			CHECK(jtok_streq(d, jtok_get(d, 0, "method"), want[i][0]));
			CHECK(jtok_streq(d, jtok_get(d, 0, "uri"), want[i][1]));
			CHECK(jtok_streq(d, jtok_get(d, 0, "ctype"), want[i][2]));
			CHECK(jtok_streq(d, jtok_get(d, 0, "body"), want[i][3]));
			CHECK(jtok_streq(d, jtok_get(d, 0, "auth"), "Bearer t0ken"));
			CHECK(jtok_streq(d, jtok_get(d, 0, "ua"), "pca-issuer/test"));
			if (!jtok_streq(d, jtok_get(d, 0, "uri"), want[i][1]))
				fprintf(stderr, "  got %s\n", g[i].body);
			jtok_free(d);
			done++;
		}
	}
	CHECK_INT(done, 7);
	for (i = 0; i < 7; i++)
		got_clear(&g[i]);
	kube_client_free(c);
}

static struct metric *
requests_metric(void)
{
	return metrics_counter("pca_issuer_kube_requests_total",
	                       "Requests to the Kubernetes API server by verb, resource and HTTP "
	                       "status (\"error\" when none arrived).",
	                       "verb,resource,code");
}

static void
test_conflict(void)
{
	struct kube_client *c = client_new(0, 0, 0, srv_port);
	struct got g;

	memset(&g, 0, sizeof g);
	metrics_reset_all();
	kube_client_put(c, "/api/v1/namespaces/ns/secrets/conflict", "{}", 2, on_done, &g);
	CHECK_INT(wait_for(&g.n, 1, 5000), 0);
	CHECK_INT(g.err, KUBE_OK);
	CHECK_INT(g.status, 409);
	CHECK_STR(g.reason, "Conflict");
	CHECK_CONTAINS(g.message, "the object has been modified");
	CHECK_CONTAINS(g.body, "\"kind\":\"Status\"");
	CHECK(metrics_value(requests_metric(), "PUT", "secrets", "409") == 1);
	got_clear(&g);
	kube_client_free(c);
}

static void
test_retry_after(void)
{
	struct kube_client *c = client_new(0, 0, 3, srv_port);
	unsigned before = srv_requests;
	uint64_t t0 = now_ms();
	struct got g;

	memset(&g, 0, sizeof g);
	metrics_reset_all();
	busy_left = 1;
	kube_client_get(c, "/api/v1/namespaces/ns/secrets/busy", on_done, &g);
	CHECK_INT(wait_for(&g.n, 1, 5000), 0);
	CHECK_INT(g.status, 200);
	CHECK_INT(srv_requests - before, 2);
	CHECK(now_ms() - t0 >= 950); /* Retry-After: 1 was honoured */
	CHECK(metrics_value(requests_metric(), "GET", "secrets", "429") == 1);
	CHECK(metrics_value(requests_metric(), "GET", "secrets", "200") == 1);
	got_clear(&g);
	kube_client_free(c);
}

static void
test_retry_bounded(void)
{
	struct kube_client *c = client_new(0, 0, 1, srv_port);
	unsigned before = srv_requests;
	struct got g;

	memset(&g, 0, sizeof g);
	busy_left = 5;
	kube_client_get(c, "/api/v1/namespaces/ns/secrets/busy", on_done, &g);
	CHECK_INT(wait_for(&g.n, 1, 5000), 0);
	CHECK_INT(g.status, 429);
	CHECK_STR(g.reason, "TooManyRequests");
	CHECK_INT(g.retry_after_ms, 1000);
	CHECK_INT(srv_requests - before, 2);
	got_clear(&g);
	/* 5xx without Retry-After is the caller's to handle, at once. */
	before = srv_requests;
	kube_client_get(c, "/api/v1/namespaces/ns/secrets/unavailable", on_done, &g);
	CHECK_INT(wait_for(&g.n, 1, 5000), 0);
	CHECK_INT(g.status, 503);
	CHECK_STR(g.reason, "");
	CHECK_STR(g.message, "HTTP 503: upstream connect error ");
	CHECK_INT(srv_requests - before, 1);
	got_clear(&g);
	kube_client_free(c);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		fatalx("cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

/* A 401 drops the cached token and tries once more with a fresh one. */
static void
test_unauthorized_rereads_token(void)
{
	char path[] = "/tmp/kube-test-token-XXXXXX", server[64];
	struct kube_config cfg;
	struct kube_auth *auth;
	struct kube_client *c = NULL;
	unsigned before;
	char *cause = NULL;
	struct got g;
	int fd = mkstemp(path);

	if (fd < 0)
		fatalx("mkstemp failed");
	close(fd);
	write_file(path, "old-token\n");
	snprintf(server, sizeof server, "http://127.0.0.1:%d", srv_port);
	memset(&cfg, 0, sizeof cfg);
	cfg.server = server;
	cfg.token_file = path;
	auth = kube_auth_create(base, &cfg);
	if (kube_client_create(http, &cfg, auth, NULL, &c, &cause) != 0)
		fatalx("%s", cause);
	memset(&g, 0, sizeof g);
	/* The first request reads and caches the old token; it is refused twice. */
	before = srv_requests;
	kube_client_get(c, "/api/v1/namespaces/ns/secrets/auth", on_done, &g);
	CHECK_INT(wait_for(&g.n, 1, 5000), 0);
	CHECK_INT(g.status, 401);
	CHECK_STR(g.reason, "Unauthorized");
	CHECK_INT(srv_requests - before, 2);
	got_clear(&g);
	/* The token is rotated: the cached one is refused once, the new one read. */
	write_file(path, "new-token\n");
	before = srv_requests;
	kube_client_get(c, "/api/v1/namespaces/ns/secrets/auth", on_done, &g);
	CHECK_INT(wait_for(&g.n, 1, 5000), 0);
	CHECK_INT(g.status, 200);
	CHECK_INT(srv_requests - before, 2);
	got_clear(&g);
	kube_client_free(c);
	kube_auth_free(auth);
	unlink(path);
}

static void
test_qps_limit(void)
{
	struct kube_client *c = client_new(20, 1, 0, srv_port);
	struct got g[6];
	uint64_t t0 = now_ms();
	int i;

	memset(g, 0, sizeof g);
	for (i = 0; i < 6; i++)
		kube_client_get(c, "/api/v1/namespaces/ns/secrets/s", on_done, &g[i]);
	for (i = 0; i < 6; i++)
		CHECK_INT(wait_for(&g[i].n, 1, 5000), 0);
	/* One token at once, then one per 50 ms. */
	CHECK(now_ms() - t0 >= 240);
	for (i = 0; i < 6; i++)
		got_clear(&g[i]);
	kube_client_free(c);
}

static void
test_transport_error(void)
{
	struct kube_client *c;
	struct evhttp *tmp = evhttp_new(base);
	struct evhttp_bound_socket *s = evhttp_bind_socket_with_handle(tmp, "127.0.0.1", 0);
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	struct got g;

	/* A port that was just free: bound, read, closed. */
	getsockname(evhttp_bound_socket_get_fd(s), (struct sockaddr *)&sin, &len);
	evhttp_free(tmp);
	c = client_new(0, 0, 0, ntohs(sin.sin_port));
	memset(&g, 0, sizeof g);
	metrics_reset_all();
	kube_client_get(c, "/api/v1/namespaces/ns/secrets/s", on_done, &g);
	CHECK_INT(wait_for(&g.n, 1, 5000), 0);
	CHECK_INT(g.err, KUBE_ERR_TRANSPORT);
	CHECK_INT(g.status, 0);
	CHECK(g.message != NULL && *g.message != '\0');
	CHECK(metrics_value(requests_metric(), "GET", "secrets", "error") == 1);
	got_clear(&g);
	kube_client_free(c);
}

static const char *const script_lines[] = {
    "{\"a\":1}\n{\"b\"", ":2}\n\n{\"c\":3}\r\n", "{\"d\":", "4", "}\n", NULL};

static void
test_watch_lines(void)
{
	struct kube_client *c = client_new(0, 0, 0, srv_port);
	struct got g;

	memset(&g, 0, sizeof g);
	metrics_reset_all();
	watch_script = script_lines;
	kube_client_watch(c, "/api/v1/namespaces/ns/secrets?watch=1&timeoutSeconds=300", 64,
	                  on_line, on_done, &g);
	CHECK_INT(wait_for(&g.n, 1, 5000), 0);
	CHECK_INT(g.err, KUBE_OK);
	CHECK_INT(g.status, 200);
	CHECK_INT(g.nlines, 4);
	if (g.nlines == 4) {
		CHECK_STR(g.lines[0], "{\"a\":1}");
		CHECK_STR(g.lines[1], "{\"b\":2}");
		CHECK_STR(g.lines[2], "{\"c\":3}");
		CHECK_STR(g.lines[3], "{\"d\":4}");
	}
	CHECK(metrics_value(requests_metric(), "WATCH", "secrets", "200") == 1);
	got_clear(&g);
	kube_client_free(c);
}

static const char *const script_long[] = {"{\"a\":1}\n{\"long\":\"", "0123456789",
                                          "0123456789\"}\n{\"z\":0}\n", NULL};

static void
test_watch_line_cap(void)
{
	struct kube_client *c = client_new(0, 0, 0, srv_port);
	struct got g;

	memset(&g, 0, sizeof g);
	watch_script = script_long;
	kube_client_watch(c, "/api/v1/namespaces/ns/secrets?watch=1", 20, on_line, on_done, &g);
	CHECK_INT(wait_for(&g.n, 1, 5000), 0);
	CHECK_INT(g.err, KUBE_ERR_LINE_TOO_LONG);
	CHECK_INT(g.nlines, 1);
	CHECK_CONTAINS(g.message, "longer than the line cap");
	got_clear(&g);
	kube_client_free(c);
}

static void
test_watch_stop_and_cancel(void)
{
	struct kube_client *c = client_new(0, 0, 0, srv_port);
	struct got g;

	memset(&g, 0, sizeof g);
	watch_script = script_lines;
	g.stop_at = 2;
	kube_client_watch(c, "/api/v1/namespaces/ns/secrets?watch=1", 0, on_line, on_done, &g);
	CHECK_INT(wait_for(&g.n, 1, 5000), 0);
	CHECK_INT(g.err, KUBE_ERR_STOPPED);
	CHECK_INT(g.nlines, 2);
	got_clear(&g);

	/* Cancelled from its own line callback: no more lines, no done callback. */
	g.cancel_at = 1;
	g.call =
	    kube_client_watch(c, "/api/v1/namespaces/ns/secrets?watch=1", 0, on_line, on_done, &g);
	CHECK_INT(wait_for(&g.n, 1, 5000), 0);
	CHECK(stays_at(&g.n, 1, 200));
	CHECK_INT(g.nlines, 1);
	got_clear(&g);
	kube_client_free(c);
}

static void
test_watch_refused(void)
{
	struct kube_client *c = client_new(0, 0, 0, srv_port);
	struct got g;

	memset(&g, 0, sizeof g);
	kube_client_watch(c, "/api/v1/namespaces/ns/secrets/gone?watch=1&resourceVersion=5", 0,
	                  on_line, on_done, &g);
	CHECK_INT(wait_for(&g.n, 1, 5000), 0);
	CHECK_INT(g.err, KUBE_OK);
	CHECK_INT(g.status, 410);
	CHECK_STR(g.reason, "Expired");
	CHECK_STR(g.message, "too old resource version: 5 (90)");
	CHECK_INT(g.nlines, 0);
	got_clear(&g);
	kube_client_free(c);
}

struct freer {
	struct kube_client *c;
	int n;
};

static void
on_done_free_client(const struct kube_resp *resp, void *arg)
{
	struct freer *f = arg;

	f->n++;
	kube_client_free(f->c);
}

static void
test_cancel_and_free(void)
{
	struct kube_client *c = client_new(0, 0, 0, srv_port);
	struct kube_call *call;
	struct freer f;
	struct got g;

	memset(&g, 0, sizeof g);
	call = kube_client_get(c, "/api/v1/namespaces/ns/secrets/slow", on_done, &g);
	kube_client_cancel(call);
	/* Freeing the client drops pending calls without their callbacks. */
	kube_client_get(c, "/api/v1/namespaces/ns/secrets/slow", on_done, &g);
	kube_client_free(c);
	CHECK(stays_at(&g.n, 0, 400));

	/* Freed from a callback while another call is out. */
	f.c = client_new(0, 0, 0, srv_port);
	f.n = 0;
	kube_client_get(f.c, "/api/v1/namespaces/ns/secrets/s", on_done_free_client, &f);
	kube_client_get(f.c, "/api/v1/namespaces/ns/secrets/slow", on_done, &g);
	CHECK_INT(wait_for(&f.n, 1, 5000), 0);
	CHECK(stays_at(&g.n, 0, 400));
}

int
main(void)
{
	TEST(test_paths);
	TEST(test_query);
	TEST(test_describe);

	loop_init();
	base = loop_base();
	srv_start();
	TEST(test_create_refuses_bad_server);
	TEST(test_methods);
	TEST(test_conflict);
	TEST(test_retry_after);
	TEST(test_retry_bounded);
	TEST(test_unauthorized_rereads_token);
	TEST(test_qps_limit);
	TEST(test_transport_error);
	TEST(test_watch_lines);
	TEST(test_watch_line_cap);
	TEST(test_watch_stop_and_cancel);
	TEST(test_watch_refused);
	TEST(test_cancel_and_free);
	http_client_free(http);
	evhttp_free(srv);
	loop_free();
	return test_done();
}
