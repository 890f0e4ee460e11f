/*
 * What the credential source tests share: one evhttp server in the test
 * process that plays every remote peer (the container credentials
 * endpoint, IMDSv2 and STS), a fake clock, loop drivers and fake
 * environments. Included by test_creds.c and test_creds_chain.c only.
 *
 * The server stamps each credential it hands out with a new key id
 * (ASIA0001, ASIA0002, ...) and an expiry relative to the fake wall clock,
 * so a test can tell which fetch produced the credentials it got.
 */
#ifndef PCA_TESTS_UNIT_AWS_CREDPEER_H
#define PCA_TESTS_UNIT_AWS_CREDPEER_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "aws/creds.h"
#include "core/clock.h"
#include "core/http.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/xmalloc.h"
#include "testutil.h"

#define HOUR_MS 3600000LL

static struct event_base *base;
static struct http_client *client;
static uint64_t fake_mono = 1000000;
static int64_t fake_wall = 1767323045000LL; /* 2026-01-02T03:04:05Z */

/* ---- the server ---- */

struct srv {
	struct evhttp *http;
	int port;
	unsigned container, imds_token, imds_role, imds_creds, sts; /* requests per route */
	unsigned issued;                                            /* credentials handed out */
	int fail_status;       /* answer this instead of credentials ... */
	unsigned fail_count;   /* ... this many times */
	int64_t lifetime_ms;   /* of the credentials handed out */
	int delay_ms;          /* answer credentials this late */
	const char *want_auth; /* the container endpoint's expected Authorization */
	char last_auth[256];
	char last_body[2048];
	unsigned pending;
};

static struct srv srv;

struct pend {
	struct evhttp_request *req;
	struct event *timer;
	int status;
	char *body;
};

static void
srv_send(struct evhttp_request *req, int status, const char *body)
{
	struct evbuffer *out = evbuffer_new();

	evbuffer_add(out, body, strlen(body));
	evhttp_send_reply(req, status, status == 200 ? "OK" : "Error", out);
	evbuffer_free(out);
}

static void
srv_on_pend(evutil_socket_t fd, short what, void *arg)
{
	struct pend *p = arg;

	srv_send(p->req, p->status, p->body);
	event_free(p->timer);
	free(p->body);
	free(p);
	srv.pending--;
}

/* Answers now, or after srv.delay_ms. */
static void
srv_answer(struct evhttp_request *req, int status, char *body)
{
	struct pend *p;
	struct timeval tv = {srv.delay_ms / 1000, (srv.delay_ms % 1000) * 1000};

	if (srv.delay_ms == 0) {
		srv_send(req, status, body);
		free(body);
		return;
	}
	p = xcalloc(1, sizeof *p);
	p->req = req;
	p->status = status;
	p->body = body;
	p->timer = evtimer_new(base, srv_on_pend, p);
	evtimer_add(p->timer, &tv);
	srv.pending++;
}

static void
iso_time(int64_t ms, char *s, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(s, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The next credentials as JSON or STS XML, or a failure while fail_count lasts. */
static int
srv_next_creds(int xml, char **body)
{
	char exp[32];

	if (srv.fail_count > 0) {
		srv.fail_count--;
		*body = xstrdup("{\"message\":\"injected failure\"}");
		return srv.fail_status;
	}
	srv.issued++;
	iso_time(fake_wall + srv.lifetime_ms, exp, sizeof exp);
	if (xml)
		*body = xasprintf("<AssumeRoleResponse><AssumeRoleResult><Credentials>"
		                  "<AccessKeyId>ASIA%04u</AccessKeyId><SecretAccessKey>secret-%u"
		                  "</SecretAccessKey><SessionToken>token-%u</SessionToken>"
		                  "<Expiration>%s</Expiration></Credentials></AssumeRoleResult>"
		                  "</AssumeRoleResponse>",
		                  srv.issued, srv.issued, srv.issued, exp);
	else
		*body =
		    xasprintf("{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":"
		              "\"ASIA%04u\",\"SecretAccessKey\":\"secret-%u\",\"Token\":\"token-%"
		              "u\",\"Expiration\":\"%s\"}",
		              srv.issued, srv.issued, srv.issued, exp);
	return 200;
}

static const char *
req_header(struct evhttp_request *req, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(req), name);
}

static void
srv_on_container(struct evhttp_request *req)
{
	const char *auth = req_header(req, "Authorization");
	char *body;
	int status;

	srv.container++;
	snprintf(srv.last_auth, sizeof srv.last_auth, "%s", auth != NULL ? auth : "");
	if (srv.want_auth != NULL && (auth == NULL || strcmp(auth, srv.want_auth) != 0)) {
		srv_send(req, 401, "{\"message\":\"bad token\"}");
		return;
	}
	status = srv_next_creds(0, &body);
	srv_answer(req, status, body);
}

/* IMDSv2: a PUT with a TTL gets a token; every GET must carry it. */
static void
srv_on_imds(struct evhttp_request *req, const char *path)
{
	const char *tok = req_header(req, "X-aws-ec2-metadata-token");
	char *body;
	int status;

	if (strcmp(path, "/latest/api/token") == 0) {
		srv.imds_token++;
		if (evhttp_request_get_command(req) != EVHTTP_REQ_PUT ||
		    req_header(req, "X-aws-ec2-metadata-token-ttl-seconds") == NULL)
			srv_send(req, 400, "");
		else
			srv_send(req, 200, "imds-session-token");
		return;
	}
	if (tok == NULL || strcmp(tok, "imds-session-token") != 0) {
		srv_send(req, 401, "");
		return;
	}
	if (strcmp(path, "/latest/meta-data/iam/security-credentials/") == 0) {
		srv.imds_role++;
		srv_send(req, 200, "node-role\n");
		return;
	}
	if (strcmp(path, "/latest/meta-data/iam/security-credentials/node-role") == 0) {
		srv.imds_creds++;
		status = srv_next_creds(0, &body);
		srv_answer(req, status, body);
		return;
	}
	srv_send(req, 404, "");
}

static void
srv_on_sts(struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const char *auth = req_header(req, "Authorization");
	size_t n = evbuffer_get_length(in);
	char *body;
	int status;

	srv.sts++;
	if (n >= sizeof srv.last_body)
		n = sizeof srv.last_body - 1;
	evbuffer_remove(in, srv.last_body, n);
	srv.last_body[n] = '\0';
	snprintf(srv.last_auth, sizeof srv.last_auth, "%s", auth != NULL ? auth : "");
	status = srv_next_creds(1, &body);
	srv_answer(req, status, body);
}

static void
srv_handle(struct evhttp_request *req, void *arg)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));

	if (strcmp(path, "/creds") == 0)
		srv_on_container(req);
	else if (strncmp(path, "/latest/", 8) == 0)
		srv_on_imds(req, path);
	else if (strcmp(path, "/") == 0)
		srv_on_sts(req);
	else
		srv_send(req, 404, "");
}

static void
srv_start(void)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	ev_socklen_t len = sizeof ss;

	srv.http = evhttp_new(base);
	evhttp_set_allowed_methods(srv.http, EVHTTP_REQ_GET | EVHTTP_REQ_PUT | EVHTTP_REQ_POST);
	evhttp_set_gencb(srv.http, srv_handle, NULL);
	bs = evhttp_bind_socket_with_handle(srv.http, "127.0.0.1", 0);
	getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss, &len);
	srv.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Resets counters and knobs between tests; the port stays. */
static void
srv_reset(void)
{
	struct evhttp *h = srv.http;
	int port = srv.port;

	memset(&srv, 0, sizeof srv);
	srv.http = h;
	srv.port = port;
	srv.lifetime_ms = HOUR_MS;
	srv.fail_status = 500;
}

/* ---- the loop ---- */

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/*
 * Runs the loop until *counter reaches target, counting up or (for pending
 * answers) down; -1 if ms pass first.
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

/* ---- environments ---- */

#define MAXVARS 16

struct fenv {
	char vars[MAXVARS][512];
	int n;
	struct aws_creds_env env;
};

static const char *
fenv_get(const char *name, void *arg)
{
	struct fenv *f = arg;
	size_t n = strlen(name);
	int i;

	for (i = 0; i < f->n; i++) {
		if (strncmp(f->vars[i], name, n) == 0 && f->vars[i][n] == '=')
			return f->vars[i] + n + 1;
	}
	return NULL;
}

static void
fenv_init(struct fenv *f)
{
	memset(f, 0, sizeof *f);
	f->env.getenv = fenv_get;
	f->env.arg = f;
	f->env.home = "/nonexistent-home";
}

static void fenv_set(struct fenv *f, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fenv_set(struct fenv *f, const char *name, const char *fmt, ...)
{
	va_list ap;
	int off = snprintf(f->vars[f->n], sizeof f->vars[0], "%s=", name);

	va_start(ap, fmt);
	vsnprintf(f->vars[f->n] + off, sizeof f->vars[0] - (size_t)off, fmt, ap);
	va_end(ap);
	f->n++;
}

/* ---- callbacks ---- */

struct got {
	unsigned calls;
	char key_id[64];
	char secret[64];
	char token[64];
	int64_t expires;
	char error[512];
	/* Optional actions from inside the callback. */
	struct aws_creds_src *free_src;
};

static void
on_creds(const struct aws_creds *c, const char *error, void *arg)
{
	struct got *g = arg;

	g->calls++;
	g->key_id[0] = g->secret[0] = g->token[0] = g->error[0] = '\0';
	if (c != NULL) {
		snprintf(g->key_id, sizeof g->key_id, "%s", c->access_key_id);
		snprintf(g->secret, sizeof g->secret, "%s", c->secret_access_key);
		snprintf(g->token, sizeof g->token, "%s", c->session_token ? c->session_token : "");
		g->expires = c->expires_ms;
	} else {
		snprintf(g->error, sizeof g->error, "%s", error);
	}
	if (g->free_src != NULL) {
		aws_creds_src_free(g->free_src);
		g->free_src = NULL;
	}
}

/* A get that must wait, then the credentials or error it ends with. */
static void
get_and_wait(struct aws_creds_src *src, struct got *g)
{
	struct aws_creds_wait *w = NULL;
	unsigned before = g->calls;

	aws_creds_get(src, on_creds, g, &w);
	if (g->calls == before) {
		CHECK(w != NULL);
		CHECK_INT(wait_for(&g->calls, before + 1, 5000), 0);
	}
}

/* Starts the loop, the HTTP client, the fake clock and the server. */
static int
peer_setup(void)
{
	char *cause = NULL;

	loop_init();
	base = loop_base();
	if (http_client_create(base, "test", &client, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		return -1;
	}
	clock_set_fake(&fake_mono, &fake_wall);
	srv_start();
	return 0;
}

static void
peer_teardown(void)
{
	http_client_free(client);
	evhttp_free(srv.http);
	clock_set_fake(NULL, NULL);
	loop_free();
}

#endif
