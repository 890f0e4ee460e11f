/*
 * The HTTP client against an evhttp server running in the same process on
 * the same event_base: bodies, headers, methods, 1,000 concurrent requests
 * and keep-alive reuse, timeouts, body caps, streaming, every cancellation
 * path, connection failures, freeing with requests pending, and TLS with a
 * certificate made here.
 *
 * The loop is driven by wait_for(): it runs the event_base until a counter
 * reaches a value, with a libevent timer as the deadline that fails the test.
 * Every server handler that answers later keeps a struct pend so that the
 * server can be waited on until idle between tests.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/http.h"
#include "core/xmalloc.h"
#include "testutil.h"

#define UA "pca-issuer-test/1.0"

struct srv {
	struct evhttp *http;
	SSL_CTX *ssl;
	int port;
	unsigned conns;    /* connections accepted */
	unsigned requests; /* requests received */
	unsigned slow_replies;
	unsigned pending; /* answers still to come (struct pend) */
};

enum pend_kind {
	PEND_SLOW,
	PEND_STREAM,
	PEND_CLOSE,
};

/* A request the server answers later, from a timer. */
struct pend {
	struct srv *s;
	enum pend_kind kind;
	struct evhttp_request *req;
	struct evhttp_connection *conn;
	struct event *timer;
	int ms, n, sent, size;
};

static struct event_base *base;
static struct srv plain, tls;
static char *cert_pem, *key_pem, *other_cert_pem;

/* ---- the loop driver ---- */

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/*
 * Runs the loop until *counter reaches target (counting up) or falls to it
 * (counting down, as pending answers do); -1 if ms pass first.
 */
static int
wait_for(const unsigned *counter, unsigned target, int ms)
{
	int expired = 0, down = *counter > target;
	struct event *t = evtimer_new(base, on_deadline, &expired);
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(t, &tv);
	while ((down ? *counter > target : *counter < target) && !expired)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(t);
	if (expired)
		fprintf(stderr, "%s: deadline of %d ms passed (counter %u, want %u)\n",
		        test_current, ms, *counter, target);
	return expired ? -1 : 0;
}

/* Runs the loop for ms, whatever happens. */
static void
run_for(int ms)
{
	int expired = 0;
	struct event *t = evtimer_new(base, on_deadline, &expired);
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(t, &tv);
	while (!expired)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(t);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the server ---- */

static int
query_int(struct evhttp_request *req, const char *key, int dflt)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq kv;
	const char *v;
	int n = dflt;

	if (q == NULL || evhttp_parse_query_str(q, &kv) != 0)
		return dflt;
	if ((v = evhttp_find_header(&kv, key)) != NULL)
		n = atoi(v);
	evhttp_clear_headers(&kv);
	return n;
}

static void
reply_text(struct evhttp_request *req, int code, const char *text)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add(b, text, strlen(text));
	evhttp_send_reply(req, code, "OK", b);
	evbuffer_free(b);
}

static void
pend_free(struct pend *p)
{
	p->s->pending--;
	event_free(p->timer);
	free(p);
}

/* The connection went away before the answer: drop ours, free a detached request. */
static void
pend_on_close(struct evhttp_connection *conn, void *arg)
{
	struct pend *p = arg;

	if (evhttp_request_get_connection(p->req) == NULL)
		evhttp_request_free(p->req);
	pend_free(p);
}

static void
pend_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pend *p = arg;
	struct timeval tv = {0, p->ms * 1000};
	struct evbuffer *b;
	char line[64];

	if (p->kind == PEND_CLOSE) {
		evhttp_connection_free(p->conn); /* runs pend_on_close */
		return;
	}
	if (p->kind == PEND_STREAM && (p->n == 0 || p->sent < p->n)) {
		b = evbuffer_new();
		snprintf(line, sizeof line, "line %d", p->sent++);
		evbuffer_add(b, line, strlen(line));
		for (int i = (int)strlen(line); i < p->size - 1; i++)
			evbuffer_add(b, ".", 1);
		evbuffer_add(b, "\n", 1);
		evhttp_send_reply_chunk(p->req, b);
		evbuffer_free(b);
		evtimer_add(p->timer, &tv);
		return;
	}
	evhttp_connection_set_closecb(p->conn, NULL, NULL);
	if (p->kind == PEND_SLOW) {
		p->s->slow_replies++;
		reply_text(p->req, 200, "slow reply");
	} else
		evhttp_send_reply_end(p->req);
	pend_free(p);
}

static void
pend_start(struct srv *s, struct evhttp_request *req, enum pend_kind kind, int ms)
{
	struct pend *p = xcalloc(1, sizeof *p);
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	p->s = s;
	p->kind = kind;
	p->req = req;
	p->ms = ms;
	p->conn = evhttp_request_get_connection(req);
	p->timer = evtimer_new(base, pend_on_timer, p);
	s->pending++;
	evhttp_connection_set_closecb(p->conn, pend_on_close, p);
	if (kind == PEND_STREAM) {
		p->n = query_int(req, "n", 5);
		p->size = query_int(req, "size", 0);
		evhttp_send_reply_start(req, 200, "OK");
	}
	evtimer_add(p->timer, &tv);
}

static const char *
method_name(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	default:
		return "?";
	}
}

/* Answers "METHOD\nUser-Agent\nX-Test\nContent-Type\nbody" ("-" for a missing header). */
static void
on_echo(struct evhttp_request *req)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	struct evbuffer *b = evbuffer_new();
	const char *ua = evhttp_find_header(in, "User-Agent");
	const char *xt = evhttp_find_header(in, "X-Test");
	const char *ct = evhttp_find_header(in, "Content-Type");

	evbuffer_add_printf(b, "%s\n%s\n%s\n%s\n", method_name(evhttp_request_get_command(req)),
	                    ua ? ua : "-", xt ? xt : "-", ct ? ct : "-");
	evbuffer_add_buffer(b, body);
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void
on_big(struct evhttp_request *req)
{
	int n = query_int(req, "n", 1000), chunked = query_int(req, "chunked", 0);
	struct evbuffer *b = evbuffer_new();
	char *p = xmalloc((size_t)n);

	for (int i = 0; i < n; i++)
		p[i] = (char)('a' + i % 26);
	evbuffer_add(b, p, (size_t)n);
	free(p);
	if (chunked > 0) {
		/* chunked=K sends the body as K chunks at once. */
		struct evbuffer *piece = evbuffer_new();

		evhttp_send_reply_start(req, 200, "OK");
		for (int i = 0; i < chunked; i++) {
			evbuffer_remove_buffer(
			    b, piece, i == chunked - 1 ? (size_t)n : (size_t)(n / chunked));
			evhttp_send_reply_chunk(req, piece);
		}
		evhttp_send_reply_end(req);
		evbuffer_free(piece);
	} else
		evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* The client certificate's subject, or "none". */
static void
on_whoami(struct evhttp_request *req)
{
	struct bufferevent *bev =
	    evhttp_connection_get_bufferevent(evhttp_request_get_connection(req));
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	X509 *peer = ssl != NULL ? SSL_get1_peer_certificate(ssl) : NULL;
	char name[256] = "none";

	if (peer != NULL)
		X509_NAME_oneline(X509_get_subject_name(peer), name, sizeof name);
	X509_free(peer);
	reply_text(req, 200, name);
}

static void
srv_on_request(struct evhttp_request *req, void *arg)
{
	struct srv *s = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	char text[64];

	s->requests++;
	if (strcmp(path, "/ok") == 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "X-Custom",
		                  "hello-header");
		snprintf(text, sizeof text, "hello %d", query_int(req, "i", 0));
		reply_text(req, 200, text);
	} else if (strcmp(path, "/echo") == 0)
		on_echo(req);
	else if (strcmp(path, "/slow") == 0)
		pend_start(s, req, PEND_SLOW, query_int(req, "ms", 100));
	else if (strcmp(path, "/big") == 0)
		on_big(req);
	else if (strcmp(path, "/stream") == 0)
		pend_start(s, req, PEND_STREAM, query_int(req, "ms", 10));
	else if (strcmp(path, "/status") == 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "7");
		reply_text(req, query_int(req, "code", 503), "unavailable");
	} else if (strcmp(path, "/close") == 0)
		pend_start(s, req, PEND_CLOSE, 0);
	else if (strcmp(path, "/whoami") == 0)
		on_whoami(req);
	else
		reply_text(req, 404, "not found");
}

/* Counts each accepted connection; wraps it in TLS on the TLS server. */
static struct bufferevent *
srv_on_connection(struct event_base *b, void *arg)
{
	struct srv *s = arg;
	struct bufferevent *bev;

	s->conns++;
	if (s->ssl == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(b, -1, SSL_new(s->ssl), BUFFEREVENT_SSL_ACCEPTING,
	                                     BEV_OPT_CLOSE_ON_FREE);
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

/* Listens on 127.0.0.1 on a port the kernel picks, with a deep backlog. */
static int
srv_start(struct srv *s, SSL_CTX *ssl)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd, on = 1;

	memset(s, 0, sizeof *s);
	s->ssl = ssl;
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 || listen(fd, 4096) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		return -1;
	evutil_make_socket_nonblocking(fd);
	s->port = ntohs(sin.sin_port);
	s->http = evhttp_new(base);
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
	                                        EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
	                                        EVHTTP_REQ_HEAD);
	evhttp_set_gencb(s->http, srv_on_request, s);
	evhttp_set_bevcb(s->http, srv_on_connection, s);
	return evhttp_accept_socket_with_handle(s->http, fd) == NULL ? -1 : 0;
}

static void
srv_wait_idle(struct srv *s)
{
	CHECK(wait_for(&s->pending, 0, 5000) == 0);
}

/* ---- client-side recording ---- */

struct result {
	unsigned calls;
	enum http_err err;
	long status;
	char *body;
	size_t len;
	char *custom, *retry_after, *missing;
	char errmsg[256];
	uint64_t elapsed_us;
	uint64_t at_ms;
};

static unsigned done_total;

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
on_done(const struct http_resp *resp, void *arg)
{
	struct result *r = arg;

	r->calls++;
	done_total++;
	r->err = resp->err;
	r->status = resp->status;
	free(r->body);
	r->body = xstrndup(resp->body.p, resp->body.len);
	r->len = resp->body.len;
	free(r->custom);
	free(r->retry_after);
	free(r->missing);
	r->custom = dup_or_null(http_resp_header(resp, "x-CUSTOM"));
	r->retry_after = dup_or_null(http_resp_header(resp, "retry-after"));
	r->missing = dup_or_null(http_resp_header(resp, "X-Absent"));
	snprintf(r->errmsg, sizeof r->errmsg, "%s", resp->errmsg);
	r->elapsed_us = resp->elapsed_us;
	r->at_ms = now_ms();
}

static void
result_clear(struct result *r)
{
	free(r->body);
	free(r->custom);
	free(r->retry_after);
	free(r->missing);
	memset(r, 0, sizeof *r);
}

static struct http_client *
new_client(void)
{
	struct http_client *c = NULL;
	char *cause = NULL;

	if (http_client_create(base, UA, &c, &cause) != 0) {
		fprintf(stderr, "http_client_create: %s\n", cause);
		exit(1);
	}
	return c;
}

static char *
url(const struct srv *s, const char *path)
{
	return xasprintf("%s://127.0.0.1:%d%s", s->ssl != NULL ? "https" : "http", s->port, path);
}

/* Starts a request on the plain server and returns it. */
static struct http_req *
start(struct http_client *c, const char *method, const char *path, struct result *res)
{
	char *u = url(&plain, path);
	struct http_req *r = http_req_new(c, method, u);

	free(u);
	http_req_start(r, on_done, res);
	return r;
}

/* ---- tests ---- */

static void
test_get_ok(void)
{
	struct http_client *c = new_client();
	struct result res = {0};
	struct http_stats st;

	start(c, "GET", "/ok", &res);
	CHECK_INT(http_client_active(c), 1);
	CHECK(wait_for(&res.calls, 1, 5000) == 0);
	CHECK_INT(res.err, HTTP_ERR_NONE);
	CHECK_INT(res.status, 200);
	CHECK_STR(res.body, "hello 0");
	CHECK_STR(res.custom, "hello-header");
	CHECK(res.missing == NULL);
	CHECK_STR(res.errmsg, "");
	CHECK(res.elapsed_us > 0);
	CHECK_INT(http_client_active(c), 0);
	http_client_stats(c, &st);
	CHECK_INT(st.started, 1);
	CHECK_INT(st.finished, 1);
	CHECK_INT(st.failed, 0);
	CHECK_INT(st.bytes_in, 7);
	http_client_free(c);
	result_clear(&res);
}

/* A name, not an address: resolved on curl's resolver, without blocking the loop. */
static void
test_resolve_name(void)
{
	struct http_client *c = new_client();
	struct result res = {0};
	char *u = xasprintf("http://localhost:%d/ok?i=5", plain.port);
	struct http_req *r = http_req_new(c, "GET", u);

	free(u);
	http_req_start(r, on_done, &res);
	CHECK(wait_for(&res.calls, 1, 5000) == 0);
	CHECK_INT(res.err, HTTP_ERR_NONE);
	CHECK_STR(res.body, "hello 5");
	http_client_free(c);
	result_clear(&res);
}

static void
test_methods_and_bodies(void)
{
	struct http_client *c = new_client();
	struct result post = {0}, patch = {0}, del = {0};
	char *u = url(&plain, "/echo");
	struct http_req *r;

	r = http_req_new(c, "POST", u);
	http_req_header(r, "X-Test", "custom value");
	http_req_body(r, "payload\0bytes", 13);
	http_req_start(r, on_done, &post);
	r = http_req_new(c, "PATCH", u);
	http_req_header(r, "Content-Type", "application/merge-patch+json");
	http_req_body(r, "{\"a\":1}", 7);
	http_req_start(r, on_done, &patch);
	r = http_req_new(c, "DELETE", u);
	http_req_start(r, on_done, &del);
	free(u);
	CHECK(wait_for(&done_total, done_total + 3, 5000) == 0);
	CHECK_INT(post.err, HTTP_ERR_NONE);
	CHECK_INT(post.len, strlen("POST\n" UA "\ncustom value\n-\n") + 13);
	CHECK(post.body != NULL &&
	      memcmp(post.body, "POST\n" UA "\ncustom value\n-\npayload\0bytes", post.len) == 0);
	CHECK_STR(patch.body, "PATCH\n" UA "\n-\napplication/merge-patch+json\n{\"a\":1}");
	CHECK_STR(del.body, "DELETE\n" UA "\n-\n-\n");
	http_client_free(c);
	result_clear(&post);
	result_clear(&patch);
	result_clear(&del);
}

/* Runs n concurrent GETs with distinct bodies; returns how many came back right. */
static unsigned
run_batch(struct http_client *c, unsigned n, uint64_t *ms)
{
	struct result *res = xcalloc(n, sizeof *res);
	unsigned right = 0, before = done_total;
	char path[64], want[64];
	uint64_t t0 = now_ms();

	for (unsigned i = 0; i < n; i++) {
		snprintf(path, sizeof path, "/ok?i=%u", i);
		start(c, "GET", path, &res[i]);
	}
	CHECK(wait_for(&done_total, before + n, 30000) == 0);
	*ms = now_ms() - t0;
	for (unsigned i = 0; i < n; i++) {
		snprintf(want, sizeof want, "hello %u", i);
		if (res[i].calls == 1 && res[i].err == HTTP_ERR_NONE && res[i].body != NULL &&
		    strcmp(res[i].body, want) == 0)
			right++;
		else if (right == i)
			fprintf(stderr, "request %u: calls %u err %s: %s\n", i, res[i].calls,
			        http_err_name(res[i].err), res[i].errmsg);
		result_clear(&res[i]);
	}
	free(res);
	return right;
}

static void
test_thousand_concurrent(void)
{
	struct http_client *c = new_client();
	unsigned conns0 = plain.conns, conns1;
	uint64_t ms1, ms2;

	CHECK_INT(run_batch(c, 1000, &ms1), 1000);
	conns1 = plain.conns - conns0;
	CHECK_INT(run_batch(c, 1000, &ms2), 1000);
	printf("1000 concurrent, no per-host cap: %llu ms with %u new connections, "
	       "again %llu ms with %u new connections\n",
	       (unsigned long long)ms1, conns1, (unsigned long long)ms2,
	       plain.conns - conns0 - conns1);
	/* The second batch finds the first one's connections kept alive. */
	CHECK(plain.conns - conns0 - conns1 < 100);
	http_client_free(c);
}

static void
test_keepalive_reuse(void)
{
	struct http_client *c = new_client();
	unsigned conns0 = plain.conns, conns1;
	uint64_t ms1, ms2;

	http_client_max_host_connections(c, 4);
	CHECK_INT(run_batch(c, 1000, &ms1), 1000);
	conns1 = plain.conns - conns0;
	CHECK_INT(run_batch(c, 1000, &ms2), 1000);
	printf("1000 concurrent, 4 connections per host: %llu ms with %u connections, "
	       "again %llu ms with %u new connections\n",
	       (unsigned long long)ms1, conns1, (unsigned long long)ms2,
	       plain.conns - conns0 - conns1);
	CHECK(conns1 >= 1 && conns1 <= 4);
	CHECK_INT(plain.conns - conns0 - conns1, 0);
	http_client_free(c);
}

static void
test_timeout(void)
{
	struct http_client *c = new_client();
	struct result res = {0};
	char *u = url(&plain, "/slow?ms=1000");
	struct http_req *r = http_req_new(c, "GET", u);
	unsigned replies = plain.slow_replies;
	uint64_t t0 = now_ms();

	free(u);
	http_req_timeout(r, 200);
	http_req_start(r, on_done, &res);
	CHECK(wait_for(&res.calls, 1, 5000) == 0);
	CHECK_INT(res.err, HTTP_ERR_TIMEOUT);
	CHECK(res.at_ms - t0 >= 190 && res.at_ms - t0 < 900);
	CHECK(res.elapsed_us >= 190000);
	CHECK_INT(plain.slow_replies, replies); /* the slow answer had not come yet */
	CHECK(res.errmsg[0] != '\0');
	srv_wait_idle(&plain);
	CHECK_INT(res.calls, 1);
	http_client_free(c);
	result_clear(&res);
}

/* Cancelled before start, right after start, and once the server has the request. */
static void
test_cancel(void)
{
	struct http_client *c = new_client();
	struct result early = {0}, late = {0};
	struct http_req *r;
	unsigned reqs = plain.requests, replies = plain.slow_replies;
	struct http_stats st;

	http_req_cancel(http_req_new(c, "GET", "http://127.0.0.1:1/"));
	r = start(c, "GET", "/slow?ms=100", &early);
	http_req_cancel(r);
	r = start(c, "GET", "/slow?ms=300", &late);
	/* Only the second reaches the server: the first never got to connect. */
	CHECK(wait_for(&plain.requests, reqs + 1, 5000) == 0);
	http_req_cancel(r);
	CHECK_INT(http_client_active(c), 0);
	/* The server still answers; no callback may follow. */
	CHECK(wait_for(&plain.slow_replies, replies + 1, 5000) == 0);
	run_for(50);
	CHECK_INT(early.calls, 0);
	CHECK_INT(late.calls, 0);
	http_client_stats(c, &st);
	CHECK_INT(st.started, 2);
	CHECK_INT(st.cancelled, 2);
	CHECK_INT(st.finished, 0);
	srv_wait_idle(&plain);
	http_client_free(c);
}

struct chain {
	struct http_client *c;
	struct http_req *victim;
	struct result *victim_res, next_res;
	int free_client;
};

/* A done callback that cancels another request and starts a new one. */
static void
on_done_chain(const struct http_resp *resp, void *arg)
{
	struct chain *ch = arg;

	done_total++;
	/* Had the victim finished first, its pointer would be gone; the test then fails. */
	if (ch->victim_res->calls == 0)
		http_req_cancel(ch->victim);
	if (ch->free_client) {
		http_client_free(ch->c);
		return;
	}
	start(ch->c, "GET", "/ok?i=7", &ch->next_res);
}

static void
test_cancel_from_done_callback(void)
{
	struct http_client *c = new_client();
	struct result victim = {0}, queued = {0};
	struct chain ch = {c, NULL, &victim, {0}, 0};
	struct http_req *a;
	char *u = url(&plain, "/ok");

	/* The victim is in flight. */
	ch.victim = start(c, "GET", "/slow?ms=200", &victim);
	a = http_req_new(c, "GET", u);
	http_req_start(a, on_done_chain, &ch);
	CHECK(wait_for(&ch.next_res.calls, 1, 5000) == 0);
	CHECK_STR(ch.next_res.body, "hello 7");
	srv_wait_idle(&plain);
	CHECK_INT(victim.calls, 0);

	/* The victim has finished too and waits for its callback. */
	result_clear(&ch.next_res);
	a = http_req_new(c, "GET", u);
	http_req_header(a, "Bad", "line\r\nbreak");
	http_req_start(a, on_done_chain, &ch);
	ch.victim = http_req_new(c, "GET", u);
	ch.victim_res = &queued;
	http_req_header(ch.victim, "Bad", "x\n");
	http_req_start(ch.victim, on_done, &queued);
	CHECK(wait_for(&ch.next_res.calls, 1, 5000) == 0);
	run_for(20);
	CHECK_INT(queued.calls, 0);
	free(u);
	http_client_free(c);
	result_clear(&ch.next_res);
}

static void
test_too_big(void)
{
	struct http_client *c = new_client();
	struct result cl = {0}, chunked = {0}, endless = {0}, fits = {0};
	struct http_req *r;
	char *u;

	start(c, "GET", "/big?n=2000000", &cl);
	start(c, "GET", "/big?n=2000000&chunked=1", &chunked);
	u = url(&plain, "/stream?n=0&ms=2&size=65536");
	r = http_req_new(c, "GET", u);
	free(u);
	http_req_max_body(r, 256 * 1024);
	http_req_start(r, on_done, &endless);
	start(c, "GET", "/big?n=1000000", &fits);
	CHECK(wait_for(&done_total, done_total + 4, 10000) == 0);
	CHECK_INT(cl.err, HTTP_ERR_TOO_BIG);
	CHECK_INT(chunked.err, HTTP_ERR_TOO_BIG);
	CHECK_CONTAINS(chunked.errmsg, "1048576");
	/* An endless body fails as soon as it passes the cap. */
	CHECK_INT(endless.err, HTTP_ERR_TOO_BIG);
	CHECK_INT(endless.status, 200);
	CHECK_INT(fits.err, HTTP_ERR_NONE);
	CHECK_INT(fits.len, 1000000);
	CHECK(fits.body != NULL && fits.body[0] == 'a' && fits.body[999999] == 'a' + 999999 % 26);
	srv_wait_idle(&plain);
	http_client_free(c);
	result_clear(&cl);
	result_clear(&chunked);
	result_clear(&endless);
	result_clear(&fits);
}

struct streamer {
	struct buf got;
	long status;
	unsigned chunks;
	int stop_after;                /* return -1 after this many chunks (0: never) */
	struct http_req *self, *other; /* cancelled from the first chunk when set */
	struct http_client *c;
	struct result started; /* a request started from within the data callback */
};

static int
on_data(const char *p, size_t len, void *arg)
{
	struct streamer *s = arg;

	s->chunks++;
	s->status = http_req_status(s->self);
	buf_add(&s->got, p, len);
	if (s->other != NULL) {
		http_req_cancel(s->other);
		s->other = NULL;
		start(s->c, "GET", "/ok?i=3", &s->started);
		http_req_cancel(s->self);
		return 0;
	}
	return s->stop_after != 0 && s->chunks >= (unsigned)s->stop_after ? -1 : 0;
}

static void
test_stream(void)
{
	struct http_client *c = new_client();
	struct streamer s = {BUF_INIT, 0, 0, 0, NULL, NULL, NULL, {0}};
	struct streamer stop = {BUF_INIT, 0, 0, 1, NULL, NULL, NULL, {0}};
	struct result res = {0}, stopped = {0};
	char *u = url(&plain, "/stream?n=5&ms=20");

	s.self = http_req_new(c, "GET", u);
	http_req_stream(s.self, on_data, &s);
	http_req_timeout(s.self, 0);
	http_req_start(s.self, on_done, &res);
	stop.self = http_req_new(c, "GET", u);
	http_req_stream(stop.self, on_data, &stop);
	http_req_start(stop.self, on_done, &stopped);
	free(u);
	CHECK(wait_for(&res.calls, 1, 5000) == 0);
	CHECK_INT(res.err, HTTP_ERR_NONE);
	CHECK_INT(res.status, 200);
	CHECK_INT(res.len, 0);
	CHECK_INT(s.status, 200);
	CHECK(s.chunks >= 1);
	CHECK_STR(buf_str(&s.got), "line 0\nline 1\nline 2\nline 3\nline 4\n");
	CHECK(wait_for(&stopped.calls, 1, 5000) == 0);
	CHECK_INT(stopped.err, HTTP_ERR_ABORTED);
	CHECK_STR(buf_str(&stop.got), "line 0\n");
	srv_wait_idle(&plain);
	buf_clear(&s.got);
	buf_clear(&stop.got);
	http_client_free(c);
	result_clear(&res);
	result_clear(&stopped);
}

static int
on_data_cancel_self(const char *p, size_t len, void *arg)
{
	struct streamer *s = arg;

	s->chunks++;
	http_req_cancel(s->self);
	return 0;
}

/* A data callback cancels itself and another request and starts a third. */
static void
test_cancel_in_data_callback(void)
{
	struct http_client *c = new_client();
	struct streamer s = {BUF_INIT, 0, 0, 0, NULL, NULL, NULL, {0}};
	struct result self = {0}, other = {0};
	char *u = url(&plain, "/stream?n=20&ms=10");
	unsigned reqs = plain.requests;

	s.c = c;
	s.other = start(c, "GET", "/slow?ms=200", &other);
	CHECK(wait_for(&plain.requests, reqs + 1, 5000) == 0);
	s.self = http_req_new(c, "GET", u);
	free(u);
	http_req_stream(s.self, on_data, &s);
	http_req_start(s.self, on_done, &self);
	CHECK(wait_for(&s.started.calls, 1, 5000) == 0);
	CHECK_STR(s.started.body, "hello 3");
	srv_wait_idle(&plain);
	run_for(20);
	CHECK_INT(s.chunks, 1);
	CHECK_INT(self.calls, 0);
	CHECK_INT(other.calls, 0);
	CHECK_INT(http_client_active(c), 0);
	buf_clear(&s.got);
	result_clear(&s.started);

	/* Many chunks arriving at once: nothing more is delivered after the cancel. */
	memset(&s, 0, sizeof s);
	u = url(&plain, "/big?n=100000&chunked=200");
	s.self = http_req_new(c, "GET", u);
	free(u);
	http_req_stream(s.self, on_data_cancel_self, &s);
	http_req_start(s.self, on_done, &self);
	CHECK(wait_for(&s.chunks, 1, 5000) == 0);
	run_for(50);
	CHECK_INT(s.chunks, 1);
	CHECK_INT(self.calls, 0);
	http_client_free(c);
}

static void
test_failures(void)
{
	struct http_client *c = new_client();
	struct result refused = {0}, reset = {0}, status = {0};
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct http_req *r;
	char *u;

	/* A port that was just bound and closed has no listener. */
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	close(fd);
	u = xasprintf("http://127.0.0.1:%d/", ntohs(sin.sin_port));
	r = http_req_new(c, "GET", u);
	free(u);
	http_req_start(r, on_done, &refused);
	start(c, "GET", "/close", &reset);
	start(c, "GET", "/status?code=503", &status);
	CHECK(wait_for(&done_total, done_total + 3, 5000) == 0);
	CHECK_INT(refused.err, HTTP_ERR_CONNECT);
	CHECK_INT(refused.status, 0);
	CHECK(refused.errmsg[0] != '\0');
	CHECK_INT(reset.err, HTTP_ERR_RESET);
	CHECK_INT(status.err, HTTP_ERR_NONE);
	CHECK_INT(status.status, 503);
	CHECK_STR(status.retry_after, "7");
	CHECK_STR(status.body, "unavailable");
	srv_wait_idle(&plain);
	http_client_free(c);
	result_clear(&refused);
	result_clear(&reset);
	result_clear(&status);
}

static void
test_bad_header(void)
{
	struct http_client *c = new_client();
	struct result res = {0};
	char *u = url(&plain, "/ok");
	struct http_req *r = http_req_new(c, "GET", u);

	free(u);
	http_req_header(r, "X-Injected", "a\r\nHost: evil");
	http_req_start(r, on_done, &res);
	CHECK_INT(res.calls, 0); /* never from within http_req_start */
	CHECK(wait_for(&res.calls, 1, 5000) == 0);
	CHECK_INT(res.err, HTTP_ERR_OTHER);
	CHECK_CONTAINS(res.errmsg, "X-Injected");
	http_client_free(c);
	result_clear(&res);
}

static void
test_free_with_pending(void)
{
	struct http_client *c = new_client();
	struct result res[5];
	unsigned reqs = plain.requests;
	struct http_req *r;
	char *u = url(&plain, "/ok");

	memset(res, 0, sizeof res);
	start(c, "GET", "/slow?ms=150", &res[0]);
	start(c, "GET", "/slow?ms=150", &res[1]);
	start(c, "GET", "/stream?n=0&ms=5", &res[2]);
	start(c, "POST", "/slow?ms=150", &res[3]);
	CHECK(wait_for(&plain.requests, reqs + 4, 5000) == 0);
	r = http_req_new(c, "GET", u); /* finished, waiting for its callback */
	http_req_header(r, "Bad\n", "x");
	http_req_start(r, on_done, &res[4]);
	http_req_new(c, "GET", u); /* never started: freed with the client */
	free(u);
	http_client_free(c);
	srv_wait_idle(&plain);
	run_for(20);
	for (int i = 0; i < 5; i++)
		CHECK_INT(res[i].calls, 0);
}

static void
test_free_from_done_callback(void)
{
	struct http_client *c = new_client();
	struct result victim = {0}, other = {0};
	struct chain ch = {c, NULL, &victim, {0}, 1};
	char *u = url(&plain, "/ok");
	struct http_req *a = http_req_new(c, "GET", u);
	unsigned before = done_total;

	free(u);
	ch.victim = start(c, "GET", "/slow?ms=100", &victim);
	start(c, "GET", "/slow?ms=100", &other);
	http_req_start(a, on_done_chain, &ch);
	CHECK(wait_for(&done_total, before + 1, 5000) == 0);
	srv_wait_idle(&plain);
	run_for(20);
	CHECK_INT(victim.calls, 0);
	CHECK_INT(other.calls, 0);
}

/* ---- TLS ---- */

static char *
bio_string(BIO *bio)
{
	char *p;
	long n = BIO_get_mem_data(bio, &p);
	char *s = xstrndup(p, (size_t)n);

	BIO_free(bio);
	return s;
}

static void
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
}

/* A self-signed P-256 certificate for 127.0.0.1, as PEM. */
static void
make_cert(const char *cn, char **cert, char **key)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name = X509_get_subject_name(x);
	BIO *cb = BIO_new(BIO_s_mem()), *kb = BIO_new(BIO_s_mem());

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	add_ext(x, NID_basic_constraints, "critical,CA:TRUE");
	add_ext(x, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
	X509_sign(x, k, EVP_sha256());
	PEM_write_bio_X509(cb, x);
	PEM_write_bio_PrivateKey(kb, k, NULL, NULL, 0, NULL, NULL);
	*cert = bio_string(cb);
	*key = bio_string(kb);
	X509_free(x);
	EVP_PKEY_free(k);
}

static SSL_CTX *
make_server_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	BIO *cb = BIO_new_mem_buf(cert_pem, -1), *kb = BIO_new_mem_buf(key_pem, -1);
	X509 *x = PEM_read_bio_X509(cb, NULL, NULL, NULL);
	EVP_PKEY *k = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);

	SSL_CTX_use_certificate(ctx, x);
	SSL_CTX_use_PrivateKey(ctx, k);
	/* Asks for a client certificate, trusting the same self-signed one. */
	X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), x);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	X509_free(x);
	EVP_PKEY_free(k);
	BIO_free(cb);
	BIO_free(kb);
	return ctx;
}

/* Starts a TLS request with the given settings. */
static void
start_tls(struct http_client *c, const char *path, const struct http_tls *t, struct result *res)
{
	char *u = url(&tls, path);
	struct http_req *r = http_req_new(c, "GET", u);

	free(u);
	if (t != NULL)
		http_req_tls(r, t);
	http_req_start(r, on_done, res);
}

static void
test_tls(void)
{
	struct http_client *c = new_client();
	struct result system = {0}, wrong = {0}, trusted = {0}, client = {0}, insecure = {0};
	struct result file = {0};
	struct http_tls t_wrong = {NULL, other_cert_pem, NULL, NULL, 0};
	struct http_tls t_ca = {NULL, cert_pem, NULL, NULL, 0};
	struct http_tls t_client = {NULL, cert_pem, cert_pem, key_pem, 0};
	struct http_tls t_insecure = {NULL, NULL, NULL, NULL, 1};
	struct http_tls t_file = {NULL, NULL, NULL, NULL, 0};
	char path[] = "/tmp/pca-test-ca-XXXXXX";
	int fd = mkstemp(path);

	CHECK(fd >= 0 && write(fd, cert_pem, strlen(cert_pem)) == (ssize_t)strlen(cert_pem));
	close(fd);
	t_file.ca_file = path;
	start_tls(c, "/whoami", NULL, &system);
	start_tls(c, "/whoami", &t_wrong, &wrong);
	start_tls(c, "/whoami", &t_ca, &trusted);
	start_tls(c, "/whoami", &t_client, &client);
	start_tls(c, "/whoami", &t_insecure, &insecure);
	start_tls(c, "/whoami", &t_file, &file);
	CHECK(wait_for(&done_total, done_total + 6, 10000) == 0);
	unlink(path);
	CHECK_INT(system.err, HTTP_ERR_CONNECT);
	CHECK_INT(wrong.err, HTTP_ERR_CONNECT);
	CHECK_INT(trusted.err, HTTP_ERR_NONE);
	CHECK_STR(trusted.body, "none");
	CHECK_INT(client.err, HTTP_ERR_NONE);
	CHECK_STR(client.body, "/CN=pca-test");
	CHECK_INT(insecure.err, HTTP_ERR_NONE);
	CHECK_INT(file.err, HTTP_ERR_NONE);
	http_client_free(c);
	result_clear(&system);
	result_clear(&wrong);
	result_clear(&trusted);
	result_clear(&client);
	result_clear(&insecure);
	result_clear(&file);
}

static void
test_create_checks_curl(void)
{
	struct http_client *c = NULL;
	char *cause = NULL;

	CHECK_INT(http_client_create(base, NULL, &c, &cause), 0);
	CHECK(c != NULL);
	CHECK(cause == NULL);
	CHECK_STR(http_err_name(HTTP_ERR_TOO_BIG), "too_big");
	http_client_free(c);
	http_client_free(NULL);
}

int
main(void)
{
	char *unused_key;
	SSL_CTX *ctx;
	int rc;

	base = event_base_new();
	make_cert("pca-test", &cert_pem, &key_pem);
	make_cert("pca-other", &other_cert_pem, &unused_key);
	free(unused_key);
	ctx = make_server_ctx();
	if (srv_start(&plain, NULL) != 0 || srv_start(&tls, ctx) != 0) {
		fprintf(stderr, "cannot start the test servers\n");
		return 1;
	}
	TEST(test_create_checks_curl);
	TEST(test_get_ok);
	TEST(test_resolve_name);
	TEST(test_methods_and_bodies);
	TEST(test_thousand_concurrent);
	TEST(test_keepalive_reuse);
	TEST(test_timeout);
	TEST(test_cancel);
	TEST(test_cancel_from_done_callback);
	TEST(test_too_big);
	TEST(test_stream);
	TEST(test_cancel_in_data_callback);
	TEST(test_failures);
	TEST(test_bad_header);
	TEST(test_free_with_pending);
	TEST(test_free_from_done_callback);
	TEST(test_tls);
	rc = test_done();
	evhttp_free(plain.http);
	evhttp_free(tls.http);
	SSL_CTX_free(ctx);
	event_base_free(base);
	free(cert_pem);
	free(key_pem);
	free(other_cert_pem);
	return rc;
}
