/*
 * Requests per second through core/http.c against an evhttp server in the
 * same process, on the same event_base (so the figures include the server's
 * share of the one core). A closed loop keeps C requests in flight until N
 * have finished, for a few values of C, and reports the connections the
 * server accepted. Prints numbers; fails only if a request fails.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "core/http.h"

struct bench {
	struct event_base *base;
	struct http_client *client;
	char url[64];
	unsigned conns;
	unsigned started, finished, failed, total;
};

static void
bench_on_request(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add(b, "{\"ok\":true}", 11);
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static struct bufferevent *
bench_on_connection(struct event_base *base, void *arg)
{
	((struct bench *)arg)->conns++;
	return NULL;
}

static int
bench_listen(struct bench *b, struct evhttp *http)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 || listen(fd, 4096) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		return -1;
	evutil_make_socket_nonblocking(fd);
	snprintf(b->url, sizeof b->url, "http://127.0.0.1:%d/ok", ntohs(sin.sin_port));
	evhttp_set_gencb(http, bench_on_request, b);
	evhttp_set_bevcb(http, bench_on_connection, b);
	return evhttp_accept_socket_with_handle(http, fd) == NULL ? -1 : 0;
}

static void bench_next(struct bench *b);

static void
bench_on_done(const struct http_resp *resp, void *arg)
{
	struct bench *b = arg;

	b->finished++;
	if (resp->err != HTTP_ERR_NONE || resp->status != 200 || resp->body.len != 11)
		b->failed++;
	if (b->started < b->total)
		bench_next(b);
	else if (b->finished == b->total)
		event_base_loopbreak(b->base);
}

static void
bench_next(struct bench *b)
{
	struct http_req *r = http_req_new(b->client, "GET", b->url);

	b->started++;
	http_req_start(r, bench_on_done, b);
}

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs total requests with inflight at a time on a fresh client; returns the failures. */
static unsigned
bench_run(struct bench *b, unsigned inflight, unsigned total, long per_host)
{
	char *cause = NULL;
	unsigned conns0 = b->conns;
	double t0, secs;

	if (http_client_create(b->base, "pca-issuer-bench", &b->client, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		exit(1);
	}
	http_client_max_host_connections(b->client, per_host);
	b->started = b->finished = b->failed = 0;
	b->total = total;
	t0 = bench_now();
	for (unsigned i = 0; i < inflight && i < total; i++)
		bench_next(b);
	event_base_dispatch(b->base);
	secs = bench_now() - t0;
	printf("in flight %4u, per-host cap %3ld: %6u requests in %7.3f s = %8.0f req/s, "
	       "%u connections\n",
	       inflight, per_host, total, secs, total / secs, b->conns - conns0);
	http_client_free(b->client);
	return b->failed;
}

int
main(void)
{
	struct bench b;
	struct evhttp *http;
	unsigned failed = 0;

	memset(&b, 0, sizeof b);
	b.base = event_base_new();
	http = evhttp_new(b.base);
	if (bench_listen(&b, http) != 0) {
		fprintf(stderr, "cannot listen on 127.0.0.1\n");
		return 1;
	}
	failed += bench_run(&b, 1, 5000, 0);
	failed += bench_run(&b, 10, 20000, 0);
	failed += bench_run(&b, 100, 20000, 0);
	failed += bench_run(&b, 1000, 20000, 0);
	failed += bench_run(&b, 1000, 20000, 16);
	evhttp_free(http);
	event_base_free(b.base);
	if (failed > 0)
		fprintf(stderr, "%u requests failed\n", failed);
	return failed > 0;
}
