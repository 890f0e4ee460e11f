/*
 * Tests for the refresh machinery every credential source shares
 * (aws/creds.c), driven through the static source and the container
 * source against the server of credpeer.h, with a fake clock: the first
 * fetch, the advisory window (one background fetch however many calls),
 * the mandatory window (callers wait), failed refreshes that keep the old
 * credentials and retry after a back-off, errors without credentials,
 * cancellation, freeing from a callback, invalidation, credentials that
 * live shorter than the windows, and the rotated token file.
 */
#include "credpeer.h"

/* Runs the loop until the source serves key_id without waiting; -1 after 5 s. */
static int
wait_key(struct aws_creds_src *src, const char *key_id)
{
	int expired = 0;
	struct event *t = evtimer_new(base, on_deadline, &expired);
	struct timeval tv = {5, 0};
	const struct aws_creds *c;

	evtimer_add(t, &tv);
	while (!expired) {
		c = aws_creds_peek(src);
		if (c != NULL && strcmp(c->access_key_id, key_id) == 0)
			break;
		event_base_loop(base, EVLOOP_ONCE);
	}
	event_free(t);
	if (expired)
		fprintf(stderr, "%s: %s never came\n", test_current, key_id);
	return expired ? -1 : 0;
}

/* Runs whatever is ready now without waiting. */
static void
run_ready(void)
{
	int i;

	for (i = 0; i < 10; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

static struct aws_creds_src *
container_src(struct fenv *f)
{
	struct aws_creds_src *src = NULL;
	char *cause = NULL;

	fenv_set(f, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:%d/creds", srv.port);
	CHECK_INT(aws_creds_default_chain(client, &f->env, &src, &cause), 0);
	CHECK(src != NULL);
	if (src == NULL)
		fprintf(stderr, "  cause: %s\n", cause);
	free(cause);
	return src;
}

static void
test_static(void)
{
	struct aws_creds_src *src = aws_creds_static("AKIASTATIC", "s3cr3t", "");
	struct aws_creds_wait *w = (struct aws_creds_wait *)&w;
	const struct aws_creds *c;
	struct got g;

	memset(&g, 0, sizeof g);
	CHECK_STR(aws_creds_src_kind(src), "static");
	c = aws_creds_peek(src);
	CHECK(c != NULL);
	if (c != NULL) {
		CHECK_STR(c->access_key_id, "AKIASTATIC");
		CHECK(c->session_token == NULL);
		CHECK_INT(c->expires_ms, 0);
	}
	aws_creds_get(src, on_creds, &g, &w);
	CHECK_INT(g.calls, 1);
	CHECK(w == NULL);
	CHECK_STR(g.secret, "s3cr3t");
	/* Years later, still fine: static keys do not expire. */
	fake_wall += 10 * 365 * 24 * HOUR_MS;
	CHECK(aws_creds_peek(src) != NULL);
	fake_wall -= 10 * 365 * 24 * HOUR_MS;
	aws_creds_src_free(src);
	aws_creds_src_free(NULL);
}

static void
test_copy_clear(void)
{
	char id[] = "A", secret[] = "B", token[] = "C";
	struct aws_creds a = {id, secret, token, 42, 0}, b;

	aws_creds_copy(&b, &a);
	CHECK(b.access_key_id != a.access_key_id);
	CHECK_STR(b.session_token, "C");
	CHECK_INT(b.expires_ms, 42);
	aws_creds_clear(&b);
	CHECK(b.access_key_id == NULL && b.secret_access_key == NULL && b.session_token == NULL);
	aws_creds_clear(NULL);
}

/* The first get waits; later ones are served at once with no fetch. */
static void
test_container_first_fetch(void)
{
	struct fenv f;
	struct aws_creds_src *src;
	struct got g;
	int i;

	srv_reset();
	fenv_init(&f);
	fenv_set(&f, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer abc");
	srv.want_auth = "Bearer abc";
	src = container_src(&f);
	memset(&g, 0, sizeof g);
	CHECK(aws_creds_peek(src) == NULL); /* starts the fetch */
	get_and_wait(src, &g);
	CHECK_STR(g.key_id, "ASIA0001");
	CHECK_STR(g.secret, "secret-1");
	CHECK_STR(g.token, "token-1");
	CHECK_INT(g.expires, fake_wall + HOUR_MS);
	CHECK_INT(srv.container, 1);
	for (i = 0; i < 100; i++) {
		CHECK(aws_creds_peek(src) != NULL);
		aws_creds_get(src, on_creds, &g, NULL);
	}
	run_ready();
	CHECK_INT(g.calls, 101);
	CHECK_INT(srv.container, 1);
	aws_creds_src_free(src);
}

/*
 * Advisory window: callers keep the current credentials and exactly one
 * background fetch runs, however many calls arrive meanwhile.
 */
static void
test_advisory_window(void)
{
	struct fenv f;
	struct aws_creds_src *src;
	const struct aws_creds *c;
	struct got g;
	int i;

	srv_reset();
	fenv_init(&f);
	src = container_src(&f);
	memset(&g, 0, sizeof g);
	get_and_wait(src, &g);
	fake_wall += HOUR_MS - 200000; /* 200 s before expiry */
	srv.delay_ms = 50;
	for (i = 0; i < 50; i++) {
		c = aws_creds_peek(src);
		CHECK(c != NULL && strcmp(c->access_key_id, "ASIA0001") == 0);
		aws_creds_get(src, on_creds, &g, NULL);
		CHECK_STR(g.key_id, "ASIA0001");
	}
	CHECK_INT(wait_key(src, "ASIA0002"), 0);
	CHECK_INT(srv.container, 2);
	aws_creds_src_free(src);
	fake_wall -= HOUR_MS - 200000;
}

/* Mandatory window: callers wait for the new credentials. */
static void
test_mandatory_window(void)
{
	struct fenv f;
	struct aws_creds_src *src;
	struct aws_creds_wait *w1 = NULL, *w2 = NULL;
	struct got g1, g2;

	srv_reset();
	fenv_init(&f);
	src = container_src(&f);
	memset(&g1, 0, sizeof g1);
	memset(&g2, 0, sizeof g2);
	get_and_wait(src, &g1);
	fake_wall += HOUR_MS - 30000; /* 30 s before expiry */
	CHECK(aws_creds_peek(src) == NULL);
	aws_creds_get(src, on_creds, &g1, &w1);
	aws_creds_get(src, on_creds, &g2, &w2);
	CHECK(w1 != NULL && w2 != NULL);
	CHECK_INT(g1.calls, 1);
	CHECK_INT(wait_for(&g2.calls, 1, 5000), 0);
	CHECK_INT(g1.calls, 2);
	CHECK_STR(g1.key_id, "ASIA0002");
	CHECK_STR(g2.key_id, "ASIA0002");
	CHECK_INT(srv.container, 2);
	aws_creds_src_free(src);
	fake_wall -= HOUR_MS - 30000;
}

/*
 * A failed refresh keeps the old credentials and retries after a back-off
 * (not on every call); the retry succeeds.
 */
static void
test_failed_refresh_keeps_old(void)
{
	struct metric *m =
	    metrics_counter("pca_issuer_aws_credential_refreshes_total",
	                    "AWS credential fetches by source and outcome.", "source,outcome");
	double ok0 = metrics_value(m, "container", "success");
	double bad0 = metrics_value(m, "container", "failure");
	struct fenv f;
	struct aws_creds_src *src;
	const struct aws_creds *c;
	struct got g;
	int i;

	srv_reset();
	fenv_init(&f);
	src = container_src(&f);
	memset(&g, 0, sizeof g);
	get_and_wait(src, &g);
	fake_wall += HOUR_MS - 200000;
	srv.fail_count = 1;
	CHECK(aws_creds_peek(src) != NULL);
	CHECK_INT(wait_for(&srv.container, 2, 5000), 0);
	run_ready();
	for (i = 0; i < 20; i++) {
		c = aws_creds_peek(src);
		CHECK(c != NULL && strcmp(c->access_key_id, "ASIA0001") == 0);
	}
	/* Even the mandatory window serves them while they are valid and a retry is pending. */
	fake_wall += 150000;
	aws_creds_get(src, on_creds, &g, NULL);
	CHECK_STR(g.key_id, "ASIA0001");
	run_ready();
	CHECK_INT(srv.container, 2);
	fake_mono += 1001; /* the first retry comes within base delay */
	get_and_wait(src, &g);
	CHECK_STR(g.key_id, "ASIA0002");
	CHECK_INT(srv.container, 3);
	CHECK(metrics_value(m, "container", "success") == ok0 + 2);
	CHECK(metrics_value(m, "container", "failure") == bad0 + 1);
	aws_creds_src_free(src);
	fake_wall -= HOUR_MS - 200000 + 150000;
}

/* Without usable credentials, waiters get the error, and so do callers until the back-off passes.
 */
static void
test_failure_without_creds(void)
{
	struct fenv f;
	struct aws_creds_src *src;
	struct got g1, g2;

	srv_reset();
	fenv_init(&f);
	src = container_src(&f);
	memset(&g1, 0, sizeof g1);
	memset(&g2, 0, sizeof g2);
	srv.fail_count = 1;
	srv.fail_status = 503;
	get_and_wait(src, &g1);
	CHECK_STR(g1.key_id, "");
	CHECK_CONTAINS(g1.error, "answered HTTP 503");
	CHECK_CONTAINS(g1.error, "127.0.0.1");
	aws_creds_get(src, on_creds, &g2, NULL);
	CHECK_INT(g2.calls, 1);
	CHECK_CONTAINS(g2.error, "HTTP 503");
	CHECK_INT(srv.container, 1);
	fake_mono += 1001;
	get_and_wait(src, &g2);
	CHECK_STR(g2.key_id, "ASIA0001");
	CHECK_INT(srv.container, 2);

	/* Expired and the refresh fails: an error, not the expired keys. */
	fake_wall += HOUR_MS + 1;
	srv.fail_count = 1;
	get_and_wait(src, &g2);
	CHECK_CONTAINS(g2.error, "HTTP 503");
	aws_creds_src_free(src);
	fake_wall -= HOUR_MS + 1;
}

static void
test_cancel_and_free(void)
{
	struct fenv f;
	struct aws_creds_src *src;
	struct aws_creds_wait *w1 = NULL, *w2 = NULL;
	struct got g1, g2, g3;

	srv_reset();
	fenv_init(&f);
	src = container_src(&f);
	memset(&g1, 0, sizeof g1);
	memset(&g2, 0, sizeof g2);
	memset(&g3, 0, sizeof g3);
	srv.delay_ms = 20;
	aws_creds_get(src, on_creds, &g1, &w1);
	aws_creds_get(src, on_creds, &g2, &w2);
	aws_creds_cancel(src, w1);
	CHECK_INT(wait_for(&g2.calls, 1, 5000), 0);
	CHECK_INT(g1.calls, 0);
	aws_creds_src_free(src);

	/* Freed with a waiter and the answer on its way: no callback ever. */
	src = container_src(&f);
	aws_creds_get(src, on_creds, &g3, &w1);
	CHECK(w1 != NULL);
	CHECK_INT(wait_for(&srv.pending, 1, 5000), 0);
	aws_creds_src_free(src);
	CHECK_INT(wait_for(&srv.pending, 0, 5000), 0);
	run_ready();
	CHECK_INT(g3.calls, 0);
	CHECK_INT(srv.container, 2);
}

/* A waiter's callback frees the source: the waiters after it are dropped silently. */
static void
test_free_from_callback(void)
{
	struct fenv f;
	struct aws_creds_src *src;
	struct aws_creds_wait *w = NULL;
	struct got g1, g2;

	srv_reset();
	fenv_init(&f);
	src = container_src(&f);
	memset(&g1, 0, sizeof g1);
	memset(&g2, 0, sizeof g2);
	g1.free_src = src;
	aws_creds_get(src, on_creds, &g1, &w);
	aws_creds_get(src, on_creds, &g2, &w);
	CHECK_INT(wait_for(&g1.calls, 1, 5000), 0);
	run_ready();
	CHECK_STR(g1.key_id, "ASIA0001");
	CHECK_INT(g2.calls, 0);
}

static void
test_invalidate(void)
{
	struct fenv f;
	struct aws_creds_src *src;
	struct got g;

	srv_reset();
	fenv_init(&f);
	src = container_src(&f);
	memset(&g, 0, sizeof g);
	get_and_wait(src, &g);
	/* Right after a fetch a rejection is not about staleness: ignored. */
	aws_creds_invalidate(src);
	CHECK(aws_creds_peek(src) != NULL);
	fake_mono += 6000;
	aws_creds_invalidate(src);
	get_and_wait(src, &g);
	CHECK_STR(g.key_id, "ASIA0002");
	CHECK_INT(srv.container, 2);
	aws_creds_src_free(src);
}

/* Credentials that live shorter than the windows are not refreshed on every call. */
static void
test_short_lived(void)
{
	struct fenv f;
	struct aws_creds_src *src;
	struct got g;
	int i;

	srv_reset();
	srv.lifetime_ms = 8000;
	fenv_init(&f);
	src = container_src(&f);
	memset(&g, 0, sizeof g);
	get_and_wait(src, &g);
	for (i = 0; i < 10; i++)
		CHECK(aws_creds_peek(src) != NULL);
	run_ready();
	CHECK_INT(srv.container, 1);
	/* Half the lifetime is the advisory window, a quarter the mandatory one. */
	fake_wall += 4500;
	CHECK(aws_creds_peek(src) != NULL);
	CHECK_INT(wait_for(&srv.container, 2, 5000), 0);
	fake_wall -= 4500;

	/* Configured windows are honoured when they fit. */
	aws_creds_set_windows(src, 3000, 1000);
	run_ready();
	aws_creds_src_free(src);
}

/* The token file is read on every fetch: a rotated token is used at once. */
static void
test_container_token_file(void)
{
	char path[] = "/tmp/test-creds-token-XXXXXX";
	int fd = mkstemp(path);
	struct fenv f;
	struct aws_creds_src *src;
	struct got g;

	CHECK(fd >= 0);
	CHECK(write(fd, "token-one\n", 10) == 10);
	close(fd);
	srv_reset();
	fenv_init(&f);
	fenv_set(&f, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "%s", path);
	fenv_set(&f, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored-when-file-set");
	srv.want_auth = "token-one";
	src = container_src(&f);
	memset(&g, 0, sizeof g);
	get_and_wait(src, &g);
	CHECK_STR(g.key_id, "ASIA0001");
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(write(fd, "token-two", 9) == 9);
	close(fd);
	srv.want_auth = "token-two";
	fake_wall += HOUR_MS - 10000;
	get_and_wait(src, &g);
	CHECK_STR(g.key_id, "ASIA0002");
	CHECK_STR(srv.last_auth, "token-two");
	unlink(path);
	fake_wall += HOUR_MS;
	get_and_wait(src, &g);
	CHECK_CONTAINS(g.error, "cannot read token file");
	aws_creds_src_free(src);
	fake_wall -= 2 * HOUR_MS - 10000;
}

int
main(void)
{
	if (peer_setup() != 0)
		return 1;
	TEST(test_static);
	TEST(test_copy_clear);
	TEST(test_container_first_fetch);
	TEST(test_advisory_window);
	TEST(test_mandatory_window);
	TEST(test_failed_refresh_keeps_old);
	TEST(test_failure_without_creds);
	TEST(test_cancel_and_free);
	TEST(test_free_from_callback);
	TEST(test_invalidate);
	TEST(test_short_lived);
	TEST(test_container_token_file);
	peer_teardown();
	return test_done();
}
