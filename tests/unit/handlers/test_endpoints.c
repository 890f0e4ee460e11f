/*
 * Tests for the metrics and probe endpoints: what /metrics, /healthz and
 * /readyz answer, readiness following the registered checks, disabled and
 * shared listeners. Requests run on the process loop through libevent's
 * HTTP client, bounded by a timer.
 */
#include <netinet/in.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "core/buf.h"
#include "core/health.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "handlers/endpoints.h"
#include "testutil.h"

struct exchange {
	int done;
	int timed_out;
	int code;
	char ctype[128];
	struct buf body;
};

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct exchange *x = arg;

	x->timed_out = 1;
}

static void
on_response(struct evhttp_request *req, void *arg)
{
	struct exchange *x = arg;
	struct evbuffer *in;
	const char *ct;

	x->done = 1;
	if (req == NULL || evhttp_request_get_response_code(req) == 0) {
		x->code = -1;
		return;
	}
	x->code = evhttp_request_get_response_code(req);
	ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	snprintf(x->ctype, sizeof x->ctype, "%s", ct != NULL ? ct : "");
	in = evhttp_request_get_input_buffer(req);
	buf_add(&x->body, evbuffer_pullup(in, -1), evbuffer_get_length(in));
}

/* GETs uri from 127.0.0.1:port on the loop; x->body is the caller's to free. */
static void
get(int port, const char *uri, struct exchange *x)
{
	struct event_base *base = loop_base();
	struct evhttp_connection *conn =
	    evhttp_connection_base_new(base, NULL, "127.0.0.1", (ev_uint16_t)port);
	struct evhttp_request *req = evhttp_request_new(on_response, x);
	struct timeval tv = {5, 0};
	struct event *deadline = evtimer_new(base, on_deadline, x);

	memset(x, 0, sizeof *x);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", "127.0.0.1");
	evhttp_make_request(conn, req, EVHTTP_REQ_GET, uri);
	evtimer_add(deadline, &tv);
	while (!x->done && !x->timed_out)
		event_base_loop(base, EVLOOP_ONCE);
	CHECK(x->done);
	event_free(deadline);
	evhttp_connection_free(conn);
}

static struct endpoints *
start(const char *metrics_addr, const char *probe_addr)
{
	struct endpoints *e = NULL;
	char *cause = NULL;

	if (endpoints_create(metrics_addr, probe_addr, &e, &cause) != 0) {
		fprintf(stderr, "endpoints_create: %s\n", cause);
		free(cause);
	}
	CHECK(e != NULL);
	return e;
}

static void
test_metrics_and_healthz(void)
{
	struct endpoints *e = start("127.0.0.1:0", "127.0.0.1:0");
	struct exchange x;

	if (e == NULL)
		return;
	CHECK(endpoints_metrics_port(e) > 0);
	CHECK(endpoints_probe_port(e) > 0);
	CHECK(endpoints_metrics_port(e) != endpoints_probe_port(e));

	get(endpoints_metrics_port(e), "/metrics", &x);
	CHECK_INT(x.code, 200);
	CHECK_STR(x.ctype, "text/plain; version=0.0.4; charset=utf-8");
	CHECK_CONTAINS(buf_str(&x.body), "\npca_issuer_metrics_scrapes_total 1\n");
	CHECK_CONTAINS(buf_str(&x.body), "\nprocess_resident_memory_bytes ");
	buf_clear(&x.body);
	get(endpoints_metrics_port(e), "/metrics", &x);
	CHECK_CONTAINS(buf_str(&x.body), "\npca_issuer_metrics_scrapes_total 2\n");
	buf_clear(&x.body);

	get(endpoints_probe_port(e), "/healthz", &x);
	CHECK_INT(x.code, 200);
	CHECK_STR(buf_str(&x.body), "ok");
	CHECK_STR(x.ctype, "text/plain; charset=utf-8");
	buf_clear(&x.body);

	/* Each listener serves only its own paths. */
	get(endpoints_probe_port(e), "/metrics", &x);
	CHECK_INT(x.code, 404);
	buf_clear(&x.body);
	get(endpoints_metrics_port(e), "/healthz", &x);
	CHECK_INT(x.code, 404);
	buf_clear(&x.body);
	endpoints_free(e);
	metrics_reset_all();
}

static int
check_flag(void *arg, char **why)
{
	int *ready = arg;

	if (!*ready)
		*why = strdup("informer cache not synced yet");
	return *ready;
}

static int
check_always(void *arg, char **why)
{
	return 1;
}

static void
test_readyz_follows_checks(void)
{
	struct endpoints *e = start("0", "127.0.0.1:0");
	struct exchange x;
	int synced = 0;

	if (e == NULL)
		return;
	CHECK_INT(endpoints_metrics_port(e), -1);
	get(endpoints_probe_port(e), "/readyz", &x);
	CHECK_INT(x.code, 200); /* nothing to wait for yet */
	buf_clear(&x.body);

	health_check_add("aws-credentials", check_always, NULL);
	health_check_add("kube-caches-synced", check_flag, &synced);
	get(endpoints_probe_port(e), "/readyz", &x);
	CHECK_INT(x.code, 503);
	CHECK_STR(buf_str(&x.body), "[+]aws-credentials ok\n"
	                            "[-]kube-caches-synced failed: informer cache not synced yet\n"
	                            "readyz check failed\n");
	buf_clear(&x.body);
	/* Liveness does not depend on readiness. */
	get(endpoints_probe_port(e), "/healthz", &x);
	CHECK_INT(x.code, 200);
	buf_clear(&x.body);

	synced = 1;
	get(endpoints_probe_port(e), "/readyz", &x);
	CHECK_INT(x.code, 200);
	CHECK_STR(buf_str(&x.body), "ok");
	buf_clear(&x.body);
	get(endpoints_probe_port(e), "/readyz?verbose", &x);
	CHECK_INT(x.code, 200);
	CHECK_STR(buf_str(&x.body), "[+]aws-credentials ok\n"
	                            "[+]kube-caches-synced ok\n"
	                            "readyz check passed\n");
	buf_clear(&x.body);

	synced = 0;
	health_check_remove("kube-caches-synced");
	get(endpoints_probe_port(e), "/readyz", &x);
	CHECK_INT(x.code, 200);
	buf_clear(&x.body);
	health_reset_all();
	CHECK_INT(health_check_count(), 0);
	endpoints_free(e);
}

/* A port that was free a moment ago, for the tests that need a fixed one. */
static int
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd != -1 && bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	if (fd != -1)
		close(fd);
	return port;
}

static void
test_shared_listener(void)
{
	char addr[64];
	struct endpoints *e;
	struct exchange x;

	snprintf(addr, sizeof addr, "127.0.0.1:%d", free_port());
	if ((e = start(addr, addr)) == NULL)
		return;
	CHECK_INT(endpoints_metrics_port(e), endpoints_probe_port(e));
	get(endpoints_metrics_port(e), "/metrics", &x);
	CHECK_INT(x.code, 200);
	buf_clear(&x.body);
	get(endpoints_metrics_port(e), "/healthz", &x);
	CHECK_INT(x.code, 200);
	buf_clear(&x.body);
	get(endpoints_metrics_port(e), "/readyz", &x);
	CHECK_INT(x.code, 200);
	buf_clear(&x.body);
	endpoints_free(e);
}

static void
test_disabled_and_busy(void)
{
	struct endpoints *e = start("0", "0"), *busy = NULL;
	char addr[64], want[160], *cause = NULL;

	CHECK(e != NULL);
	if (e != NULL) {
		CHECK_INT(endpoints_metrics_port(e), -1);
		CHECK_INT(endpoints_probe_port(e), -1);
	}
	endpoints_free(e);

	if ((e = start("127.0.0.1:0", "0")) == NULL)
		return;
	snprintf(addr, sizeof addr, "127.0.0.1:%d", endpoints_metrics_port(e));
	snprintf(want, sizeof want,
	         "health probe endpoint: cannot listen on %s: "
	         "Address already in use",
	         addr);
	CHECK_INT(endpoints_create("127.0.0.1:0", addr, &busy, &cause), -1);
	CHECK(busy == NULL);
	CHECK_STR(cause, want);
	free(cause);
	endpoints_free(e);
}

int
main(void)
{
	int devnull = open("/dev/null", O_WRONLY);

	log_set_fd(devnull);
	loop_init();
	TEST(test_metrics_and_healthz);
	TEST(test_readyz_follows_checks);
	TEST(test_shared_listener);
	TEST(test_disabled_and_busy);
	loop_free();
	log_set_fd(-1);
	close(devnull);
	return test_done();
}
