/*
 * Tests for the small HTTP server: routing, 404 and 405, HEAD, the error
 * sentences for bad and busy addresses, and the caps on slow and oversized
 * requests. Requests go through libevent's own HTTP client or a raw
 * bufferevent on the same event_base; a timer bounds every exchange.
 */
#include <netinet/in.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "core/buf.h"
#include "core/httpd.h"
#include "testutil.h"

struct exchange {
	struct event_base *base;
	int done;
	int timed_out;
	int code;
	char ctype[128];
	char allow[64];
	struct buf body;
};

static struct event_base *base;

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct exchange *x = arg;

	x->timed_out = 1;
	event_base_loopbreak(x->base);
}

/* Runs the loop until x is done or ms pass; returns 0 if done in time. */
static int
drive(struct exchange *x, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	struct event *deadline = evtimer_new(base, on_deadline, x);

	x->base = base;
	evtimer_add(deadline, &tv);
	while (!x->done && !x->timed_out)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(deadline);
	return x->done ? 0 : -1;
}

static void
copy_header(struct evhttp_request *req, const char *name, char *dst, size_t size)
{
	const char *v = evhttp_find_header(evhttp_request_get_input_headers(req), name);

	snprintf(dst, size, "%s", v != NULL ? v : "");
}

static void
on_response(struct evhttp_request *req, void *arg)
{
	struct exchange *x = arg;
	struct evbuffer *in;

	x->done = 1;
	if (req == NULL || evhttp_request_get_response_code(req) == 0) {
		x->code = -1;
		return;
	}
	x->code = evhttp_request_get_response_code(req);
	copy_header(req, "Content-Type", x->ctype, sizeof x->ctype);
	copy_header(req, "Allow", x->allow, sizeof x->allow);
	in = evhttp_request_get_input_buffer(req);
	buf_add(&x->body, evbuffer_pullup(in, -1), evbuffer_get_length(in));
}

/* Sends one request to host:port and waits for the answer. */
static void
request(const char *host, int port, enum evhttp_cmd_type cmd, const char *uri, struct exchange *x)
{
	struct evhttp_connection *conn =
	    evhttp_connection_base_new(base, NULL, host, (ev_uint16_t)port);
	struct evhttp_request *req = evhttp_request_new(on_response, x);

	memset(x, 0, sizeof *x);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", host);
	evhttp_make_request(conn, req, cmd, uri);
	CHECK_INT(drive(x, 5000), 0);
	evhttp_connection_free(conn);
}

static void
on_raw_read(struct bufferevent *bev, void *arg)
{
	struct exchange *x = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	buf_add(&x->body, evbuffer_pullup(in, -1), evbuffer_get_length(in));
	evbuffer_drain(in, evbuffer_get_length(in));
}

static void
on_raw_event(struct bufferevent *bev, short what, void *arg)
{
	struct exchange *x = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		x->done = 1;
}

/*
 * Writes text to 127.0.0.1:port on a raw connection and collects what comes
 * back until the server closes; returns the milliseconds that took.
 */
static long
raw_exchange(int port, const char *text, struct exchange *x)
{
	struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	struct sockaddr_in sin;
	struct timespec t0, t1;

	memset(x, 0, sizeof *x);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bufferevent_setcb(bev, on_raw_read, NULL, on_raw_event, x);
	bufferevent_enable(bev, EV_READ);
	bufferevent_socket_connect(bev, (struct sockaddr *)&sin, sizeof sin);
	bufferevent_write(bev, text, strlen(text));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(drive(x, 5000), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	bufferevent_free(bev);
	return (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
}

static void
on_hello(struct httpd_req *req, void *arg)
{
	char body[256];
	const char *q = httpd_req_query(req);

	snprintf(body, sizeof body, "%s path=%s query=%s verbose=%d", (const char *)arg,
	         httpd_req_path(req), q != NULL ? q : "-", httpd_req_has_param(req, "verbose"));
	httpd_reply(req, 200, "text/plain; charset=utf-8", body, strlen(body));
}

static void
on_silent(struct httpd_req *req, void *arg)
{
}

static struct httpd *
start(const char *bind)
{
	struct httpd *h = NULL;
	char *cause = NULL;

	if (httpd_create(base, bind, &h, &cause) != 0) {
		fprintf(stderr, "httpd_create %s: %s\n", bind, cause);
		free(cause);
		return NULL;
	}
	return h;
}

static void
test_routes(void)
{
	static char hello[] = "hello", other[] = "other";
	struct httpd *h = start("127.0.0.1:0");
	struct exchange x;

	CHECK(h != NULL);
	if (h == NULL)
		return;
	CHECK(httpd_port(h) > 0);
	httpd_route(h, "/hello", on_hello, hello);
	httpd_route(h, "/other", on_hello, other);
	httpd_route(h, "/silent", on_silent, NULL);

	request("127.0.0.1", httpd_port(h), EVHTTP_REQ_GET, "/hello", &x);
	CHECK_INT(x.code, 200);
	CHECK_STR(x.ctype, "text/plain; charset=utf-8");
	CHECK_STR(buf_str(&x.body), "hello path=/hello query=- verbose=0");
	buf_clear(&x.body);

	request("127.0.0.1", httpd_port(h), EVHTTP_REQ_GET, "/other?a=1&verbose", &x);
	CHECK_INT(x.code, 200);
	CHECK_STR(buf_str(&x.body), "other path=/other query=a=1&verbose verbose=1");
	buf_clear(&x.body);

	request("127.0.0.1", httpd_port(h), EVHTTP_REQ_GET, "/hello?verbosex=1", &x);
	CHECK_STR(buf_str(&x.body), "hello path=/hello query=verbosex=1 verbose=0");
	buf_clear(&x.body);

	/* Exact match only: no prefixes, no trailing slash. */
	request("127.0.0.1", httpd_port(h), EVHTTP_REQ_GET, "/hello/", &x);
	CHECK_INT(x.code, 404);
	buf_clear(&x.body);
	request("127.0.0.1", httpd_port(h), EVHTTP_REQ_GET, "/", &x);
	CHECK_INT(x.code, 404);
	CHECK_STR(buf_str(&x.body), "404 page not found\n");
	buf_clear(&x.body);

	request("127.0.0.1", httpd_port(h), EVHTTP_REQ_POST, "/hello", &x);
	CHECK_INT(x.code, 405);
	CHECK_STR(x.allow, "GET, HEAD");
	buf_clear(&x.body);
	request("127.0.0.1", httpd_port(h), EVHTTP_REQ_DELETE, "/hello", &x);
	CHECK_INT(x.code, 405);
	buf_clear(&x.body);

	request("127.0.0.1", httpd_port(h), EVHTTP_REQ_GET, "/silent", &x);
	CHECK_INT(x.code, 500);
	buf_clear(&x.body);
	httpd_free(h);
}

static void
test_head(void)
{
	static char hello[] = "hello";
	struct httpd *h = start("127.0.0.1:0");
	struct exchange x;
	const char *end;

	if (h == NULL) {
		CHECK(h != NULL);
		return;
	}
	httpd_route(h, "/hello", on_hello, hello);
	raw_exchange(httpd_port(h), "HEAD /hello HTTP/1.0\r\n\r\n", &x);
	CHECK_CONTAINS(buf_str(&x.body), "HTTP/1.0 200 OK\r\n");
	CHECK_CONTAINS(buf_str(&x.body), "Content-Length: 35\r\n");
	end = strstr(buf_str(&x.body), "\r\n\r\n");
	CHECK(end != NULL && end[4] == '\0');
	buf_clear(&x.body);

	raw_exchange(httpd_port(h), "GET /hello HTTP/1.0\r\n\r\n", &x);
	CHECK_CONTAINS(buf_str(&x.body), "Content-Length: 35\r\n");
	CHECK_CONTAINS(buf_str(&x.body), "\r\n\r\nhello path=/hello query=- verbose=0");
	buf_clear(&x.body);
	httpd_free(h);
}

static void
check_bad_bind(const char *bind, const char *want)
{
	struct httpd *h = (struct httpd *)&h;
	char *cause = NULL;

	CHECK_INT(httpd_create(base, bind, &h, &cause), -1);
	CHECK(h == NULL);
	CHECK_STR(cause, want);
	free(cause);
}

static void
test_bad_address(void)
{
	check_bad_bind("8080", "cannot listen on 8080: expected host:port, such as \":8080\", "
	                       "\"127.0.0.1:8080\" or \"[::1]:8080\"");
	check_bad_bind("::1:8080", "cannot listen on ::1:8080: expected host:port, such as "
	                           "\":8080\", \"127.0.0.1:8080\" or \"[::1]:8080\"");
	check_bad_bind("[::1:8080", "cannot listen on [::1:8080: expected host:port, such as "
	                            "\":8080\", \"127.0.0.1:8080\" or \"[::1]:8080\"");
	check_bad_bind(":99999", "cannot listen on :99999: bad port \"99999\"");
	check_bad_bind("127.0.0.1:http", "cannot listen on 127.0.0.1:http: bad port \"http\"");
	check_bad_bind("127.0.0.1:", "cannot listen on 127.0.0.1:: bad port \"\"");
	check_bad_bind("192.0.2.1:0", "cannot listen on 192.0.2.1:0: Cannot assign requested "
	                              "address");
}

static void
test_port_in_use(void)
{
	struct httpd *a = start("127.0.0.1:0"), *b = NULL;
	char bind[64], want[128], *cause = NULL;

	if (a == NULL) {
		CHECK(a != NULL);
		return;
	}
	snprintf(bind, sizeof bind, "127.0.0.1:%d", httpd_port(a));
	snprintf(want, sizeof want, "cannot listen on %s: Address already in use", bind);
	CHECK_INT(httpd_create(base, bind, &b, &cause), -1);
	CHECK_STR(cause, want);
	free(cause);
	httpd_free(a);
	/* Once the first server is gone the port can be taken again. */
	b = start(bind);
	CHECK(b != NULL);
	httpd_free(b);
}

static void
test_ipv6_loopback(void)
{
	static char hello[] = "hello";
	struct httpd *h = start("[::1]:0");
	struct exchange x;

	if (h == NULL) {
		fprintf(stderr, "no IPv6 loopback here; skipped\n");
		return;
	}
	httpd_route(h, "/hello", on_hello, hello);
	request("::1", httpd_port(h), EVHTTP_REQ_GET, "/hello", &x);
	CHECK_INT(x.code, 200);
	buf_clear(&x.body);
	httpd_free(h);
}

static void
test_slow_client_is_dropped(void)
{
	static char hello[] = "hello";
	struct httpd *h = start("127.0.0.1:0");
	struct exchange x;
	long ms;

	if (h == NULL) {
		CHECK(h != NULL);
		return;
	}
	httpd_route(h, "/hello", on_hello, hello);
	httpd_set_timeout(h, 200);
	/* Headers that never end: the server must give up, not wait forever. */
	ms = raw_exchange(httpd_port(h), "GET /hello HTTP/1.1\r\nHost: x\r\n", &x);
	CHECK(x.done);
	CHECK(strstr(buf_str(&x.body), " 200 ") == NULL);
	CHECK(ms >= 150 && ms < 3000);
	fprintf(stderr, "slow client dropped after %ld ms\n", ms);
	buf_clear(&x.body);
	httpd_free(h);
}

static void
test_oversized_request_is_refused(void)
{
	static char hello[] = "hello";
	struct httpd *h = start("127.0.0.1:0");
	struct buf req = BUF_INIT;
	struct exchange x;
	int i;

	if (h == NULL) {
		CHECK(h != NULL);
		return;
	}
	httpd_route(h, "/hello", on_hello, hello);
	buf_adds(&req, "GET /hello HTTP/1.1\r\nHost: x\r\n");
	for (i = 0; i < 200; i++)
		buf_printf(&req, "X-Filler-%d: %0100d\r\n", i, i);
	buf_adds(&req, "Connection: close\r\n\r\n");
	raw_exchange(httpd_port(h), buf_str(&req), &x);
	CHECK(x.done);
	CHECK_CONTAINS(buf_str(&x.body), "HTTP/1.1 400 Bad Request\r\n");
	buf_clear(&x.body);
	buf_clear(&req);
	httpd_free(h);
}

int
main(void)
{
	base = event_base_new();
	TEST(test_routes);
	TEST(test_head);
	TEST(test_bad_address);
	TEST(test_port_in_use);
	TEST(test_ipv6_loopback);
	TEST(test_slow_client_is_dropped);
	TEST(test_oversized_request_is_refused);
	event_base_free(base);
	return test_done();
}
