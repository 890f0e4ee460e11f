/*
 * A command-line window onto the credential sources for the integration
 * tests (tests/integration/test_aws_creds.py): it builds sources the way
 * the issuer does and answers one JSON line per command, read from stdin
 * one per line. It never prints a secret: only the key id and a SHA-256 of
 * the secret key, which a test compares with the hash of what its server
 * handed out.
 *
 * Commands:
 *   chain                       the default chain from the process environment
 *   static ID SECRET            static keys
 *   assume ROLE_ARN SESSION [REGION]   assume-role on top of the current source
 *   windows ADVISORY_MS MANDATORY_MS
 *   get                         one aws_creds_get
 *   gets N INTERVAL_MS          N gets INTERVAL_MS apart, one line each, then {"done":N}
 *   identity [REGION]           STS GetCallerIdentity signed with the current credentials
 *   invalidate
 *   quit
 * Each get line: {"source","access_key_id","has_token","expires","secret_sha256",
 * "waited_ms"} or {"error"}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "aws/creds.h"
#include "aws/endpoint.h"
#include "aws/sigv4.h"
#include "aws/sts.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/http.h"
#include "core/jenc.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/xmalloc.h"

struct driver {
	struct http_client *http;
	struct aws_creds_env env;
	struct aws_creds_src *src;
	struct aws_sts *sts;
	struct evbuffer *in;
	struct event *stdin_ev;
	struct event *timer;
	int busy; /* an asynchronous command is running */
	unsigned gets_left, gets_done, gets_interval;
	uint64_t started_ms;
};

static struct driver drv;

static void driver_next(void);

static void
driver_emit(struct buf *b)
{
	buf_addc(b, '\n');
	fwrite(b->p, 1, b->len, stdout);
	fflush(stdout);
	buf_clear(b);
}

static void
driver_error(const char *msg)
{
	struct buf b = BUF_INIT;
	struct jenc e;

	jenc_init(&e, &b);
	jenc_obj_open(&e);
	jenc_kv_str(&e, "error", msg);
	jenc_obj_close(&e);
	driver_emit(&b);
}

static void
driver_ok(const char *key, const char *value)
{
	struct buf b = BUF_INIT;
	struct jenc e;

	jenc_init(&e, &b);
	jenc_obj_open(&e);
	jenc_kv_bool(&e, "ok", 1);
	if (key != NULL)
		jenc_kv_str(&e, key, value);
	jenc_obj_close(&e);
	driver_emit(&b);
}

static void
driver_print_creds(const struct aws_creds *c, const char *error, long index)
{
	struct buf b = BUF_INIT;
	struct jenc e;
	char hex[65];

	jenc_init(&e, &b);
	jenc_obj_open(&e);
	if (index >= 0)
		jenc_kv_int(&e, "i", index);
	jenc_kv_str(&e, "source", aws_creds_src_kind(drv.src));
	jenc_kv_int(&e, "waited_ms", (int64_t)(clock_mono_ms() - drv.started_ms));
	if (c == NULL) {
		jenc_kv_str(&e, "error", error);
	} else {
		aws_sigv4_sha256_hex(c->secret_access_key, strlen(c->secret_access_key), hex);
		jenc_kv_str(&e, "access_key_id", c->access_key_id);
		jenc_kv_bool(&e, "has_token", c->session_token != NULL);
		jenc_kv_int(&e, "expires", c->expires_ms);
		jenc_kv_str(&e, "secret_sha256", hex);
	}
	jenc_obj_close(&e);
	driver_emit(&b);
}

static void
driver_on_get(const struct aws_creds *c, const char *error, void *arg)
{
	driver_print_creds(c, error, -1);
	drv.busy = 0;
	driver_next();
}

static void driver_gets_step(void);

static void
driver_on_gets_timer(evutil_socket_t fd, short what, void *arg)
{
	driver_gets_step();
}

static void
driver_on_gets(const struct aws_creds *c, const char *error, void *arg)
{
	struct timeval tv = {drv.gets_interval / 1000, (drv.gets_interval % 1000) * 1000};

	driver_print_creds(c, error, (long)drv.gets_done);
	drv.gets_done++;
	if (drv.gets_done == drv.gets_left) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "{\"done\":%u}", drv.gets_done);
		driver_emit(&b);
		drv.busy = 0;
		driver_next();
		return;
	}
	evtimer_add(drv.timer, &tv);
}

static void
driver_gets_step(void)
{
	drv.started_ms = clock_mono_ms();
	aws_creds_get(drv.src, driver_on_gets, NULL, NULL);
}

static void
driver_on_identity(const struct aws_sts_result *res, void *arg)
{
	struct buf b = BUF_INIT;
	struct jenc e;

	jenc_init(&e, &b);
	jenc_obj_open(&e);
	if (res->err != AWS_OK) {
		jenc_kv_str(&e, "error", res->message);
		jenc_kv_str(&e, "code", res->code);
	} else {
		jenc_kv_str(&e, "arn", res->arn);
		jenc_kv_str(&e, "account", res->account);
		jenc_kv_str(&e, "user_id", res->user_id);
	}
	jenc_obj_close(&e);
	driver_emit(&b);
	drv.busy = 0;
	driver_next();
}

static void
driver_on_identity_creds(const struct aws_creds *c, const char *error, void *arg)
{
	if (c == NULL) {
		driver_error(error);
		drv.busy = 0;
		driver_next();
		return;
	}
	aws_sts_get_caller_identity(drv.sts, c, driver_on_identity, NULL);
}

static void
driver_identity(const char *region)
{
	char *url, *cause = NULL;

	aws_sts_free(drv.sts);
	drv.sts = NULL;
	url = aws_endpoint_url("sts", region, &drv.env, &cause);
	if (url != NULL)
		drv.sts = aws_sts_create(drv.http, url, region, &cause);
	free(url);
	if (drv.sts == NULL) {
		driver_error(cause);
		free(cause);
		return;
	}
	drv.busy = 1;
	aws_creds_get(drv.src, driver_on_identity_creds, NULL, NULL);
}

static void
driver_set_src(struct aws_creds_src *src)
{
	aws_creds_src_free(drv.src);
	drv.src = src;
	driver_ok("source", aws_creds_src_kind(src));
}

/* Runs one command line; asynchronous ones set drv.busy until they answer. */
static void
driver_command(char *line)
{
	char *argv[6] = {NULL}, *save = NULL, *cause = NULL;
	struct aws_creds_src *src;
	int argc = 0;

	for (char *t = strtok_r(line, " ", &save); t != NULL && argc < 6;
	     t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	if (argc == 0)
		return;
	if (strcmp(argv[0], "quit") == 0) {
		loop_exit(0);
		drv.busy = 1;
	} else if (strcmp(argv[0], "chain") == 0) {
		if (aws_creds_default_chain(drv.http, &drv.env, &src, &cause) != 0) {
			driver_error(cause);
			free(cause);
		} else
			driver_set_src(src);
	} else if (strcmp(argv[0], "static") == 0 && argc == 3) {
		driver_set_src(aws_creds_static(argv[1], argv[2], NULL));
	} else if (drv.src == NULL) {
		driver_error("no source yet: send chain or static first");
	} else if (strcmp(argv[0], "assume") == 0 && argc >= 3) {
		src = aws_creds_assume_role(drv.http, drv.src, argv[1], argv[2], argv[3], &drv.env);
		drv.src = NULL;
		driver_set_src(src);
	} else if (strcmp(argv[0], "windows") == 0 && argc == 3) {
		aws_creds_set_windows(drv.src, strtoull(argv[1], NULL, 10),
		                      strtoull(argv[2], NULL, 10));
		driver_ok(NULL, NULL);
	} else if (strcmp(argv[0], "get") == 0) {
		drv.busy = 1;
		drv.started_ms = clock_mono_ms();
		aws_creds_get(drv.src, driver_on_get, NULL, NULL);
	} else if (strcmp(argv[0], "gets") == 0 && argc == 3) {
		drv.busy = 1;
		drv.gets_left = (unsigned)strtoul(argv[1], NULL, 10);
		drv.gets_interval = (unsigned)strtoul(argv[2], NULL, 10);
		drv.gets_done = 0;
		driver_gets_step();
	} else if (strcmp(argv[0], "identity") == 0) {
		driver_identity(argv[1]);
	} else if (strcmp(argv[0], "invalidate") == 0) {
		aws_creds_invalidate(drv.src);
		driver_ok(NULL, NULL);
	} else {
		driver_error("unknown command");
	}
}

/* Runs buffered commands until one goes asynchronous. */
static void
driver_next(void)
{
	char *line;
	size_t n;

	while (!drv.busy && (line = evbuffer_readln(drv.in, &n, EVBUFFER_EOL_LF)) != NULL) {
		driver_command(line);
		free(line);
	}
}

static void
driver_on_stdin(evutil_socket_t fd, short what, void *arg)
{
	int n = evbuffer_read(drv.in, fd, 4096);

	if (n <= 0) {
		event_del(drv.stdin_ev);
		if (!drv.busy)
			loop_exit(0);
		return;
	}
	driver_next();
}

int
main(void)
{
	char *cause = NULL;
	int rc;

	log_setup(LOG_FORMAT_JSON,
	          getenv("DRIVER_DEBUG") != NULL ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	loop_init();
	if (http_client_create(loop_base(), "pca-issuer-test-driver", &drv.http, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		return 1;
	}
	aws_creds_env_process(&drv.env);
	drv.in = evbuffer_new();
	drv.timer = evtimer_new(loop_base(), driver_on_gets_timer, NULL);
	drv.stdin_ev = event_new(loop_base(), 0, EV_READ | EV_PERSIST, driver_on_stdin, NULL);
	event_add(drv.stdin_ev, NULL);
	rc = loop_run();
	aws_creds_src_free(drv.src);
	aws_sts_free(drv.sts);
	event_free(drv.stdin_ev);
	event_free(drv.timer);
	evbuffer_free(drv.in);
	http_client_free(drv.http);
	loop_free();
	return rc;
}
