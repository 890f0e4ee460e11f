/*
 * Tests for kube/auth.c and kube/auth_exec.c: the Authorization header from
 * a static token, a token file (re-read after a minute of the fake clock
 * and after a 401) and an exec plugin, the stand-in data/exec_plugin.sh,
 * run on a real event_base. Waiting is done by running the loop under a
 * deadline timer, never by sleeping.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "kube/config.h"
#include "testutil.h"

/* 2030-01-01T00:00:00Z */
#define EXPIRY_MS INT64_C(1893456000000)

static char tmp_dir[64], *log_path;
static struct event_base *base;
static int pending;
static unsigned seq;

struct got {
	int n;
	char *authz;
	char *error;
};

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
cleanup(void)
{
	if (tmp_dir[0] != '\0')
		nftw(tmp_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
}

static char *
read_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	char buf[8192];
	size_t n;

	if (fp == NULL)
		return xstrdup("");
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return xstrdup(buf);
}

static int
count_runs(const char *runs)
{
	char *text = read_file(runs), *p;
	int n = 0;

	for (p = text; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	free(text);
	return n;
}

static void
on_auth(const char *authz, const char *error, void *arg)
{
	struct got *g = arg;

	g->n++;
	free(g->authz);
	free(g->error);
	g->authz = authz != NULL ? xstrdup(authz) : NULL;
	g->error = error != NULL ? xstrdup(error) : NULL;
	if (--pending <= 0)
		event_base_loopbreak(base);
}

static void
got_reset(struct got *g)
{
	free(g->authz);
	free(g->error);
	memset(g, 0, sizeof *g);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
	event_base_loopbreak(base);
}

/* Runs the loop until the pending callbacks have come; 0 if ms passed first. */
static int
wait_for(int ms)
{
	int late = 0;
	struct event *t = evtimer_new(base, on_deadline, &late);
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(t, &tv);
	while (pending > 0 && !late)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(t);
	return !late;
}

/* A get through on_auth, counted in pending. */
static void
get(struct kube_auth *auth, struct got *g)
{
	pending++;
	kube_auth_get(auth, on_auth, g);
}

static char *
script_path(void)
{
	const char *src = getenv("PCA_SOURCE_DIR");
	char *here, *slash, *path;

	if (src != NULL)
		return xasprintf("%s/tests/unit/kube/data/exec_plugin.sh", src);
	here = xstrdup(__FILE__);
	slash = strrchr(here, '/');
	*slash = '\0';
	path = xasprintf("%s/data/exec_plugin.sh", here);
	free(here);
	return path;
}

/*
 * A kube_auth whose exec plugin is data/exec_plugin.sh MODE, asked for
 * api, answering plugin_api; *runs is its run-count file.
 */
static struct kube_auth *
exec_auth(const char *mode, const char *api, const char *plugin_api, const char *expiry,
          char **runs)
{
	struct kube_config cfg;
	struct kube_auth *auth;
	char *script = script_path(), *yaml, *cause = NULL;

	*runs = xasprintf("%s/runs-%u", tmp_dir, ++seq);
	yaml = xasprintf("current-context: a\n"
	                 "contexts: [{name: a, context: {cluster: c, user: u}}]\n"
	                 "clusters:\n"
	                 "- name: c\n"
	                 "  cluster: {server: \"https://k.example:6443\", tls-server-name: kube}\n"
	                 "users:\n"
	                 "- name: u\n"
	                 "  user:\n"
	                 "    exec:\n"
	                 "      command: sh\n"
	                 "      args: [\"%s\", %s, \"%s\"]\n"
	                 "      apiVersion: %s\n"
	                 "      interactiveMode: IfAvailable\n"
	                 "      provideClusterInfo: true\n"
	                 "      env:\n"
	                 "      - {name: PLUGIN_TOKEN, value: stale}\n"
	                 "      - {name: PLUGIN_TOKEN, value: tok}\n"
	                 "      - {name: PLUGIN_EXPIRY, value: \"%s\"}\n"
	                 "      - {name: PLUGIN_API, value: \"%s\"}\n",
	                 script, mode, *runs, api, expiry, plugin_api);
	if (kube_config_load_buffer("/test/kubeconfig", yaml, strlen(yaml), NULL, &cfg, &cause) !=
	    0) {
		fprintf(stderr, "kubeconfig: %s\n", cause);
		exit(2);
	}
	auth = kube_auth_create(base, &cfg);
	kube_config_clear(&cfg);
	free(yaml);
	free(script);
	return auth;
}

#define V1      "client.authentication.k8s.io/v1"
#define V1BETA1 "client.authentication.k8s.io/v1beta1"

static void
test_static_and_none(void)
{
	struct kube_config cfg;
	struct kube_auth *auth;
	struct kube_exec exec = {0};
	char *args[] = {NULL}, token[] = "abc", cmd[] = "/nonexistent", api[] = V1;
	char cert[] = "cert", key[] = "key";
	struct got g = {0};

	memset(&cfg, 0, sizeof cfg);
	cfg.token = token;
	cfg.exec = &exec; /* a token wins over exec, as in client-go */
	exec.command = cmd;
	exec.args = args;
	exec.env = args;
	exec.api_version = api;
	auth = kube_auth_create(base, &cfg);
	kube_auth_get(auth, on_auth, &g);
	CHECK_INT(g.n, 1); /* at once */
	CHECK_STR(g.authz, "Bearer abc");
	kube_auth_invalidate(auth);
	kube_auth_get(auth, on_auth, &g);
	CHECK_STR(g.authz, "Bearer abc");
	kube_auth_free(auth);
	got_reset(&g);

	/* A client certificate needs no header, and beats exec. */
	cfg.token = NULL;
	cfg.client_cert_pem = cert;
	cfg.client_key_pem = key;
	auth = kube_auth_create(base, &cfg);
	kube_auth_get(auth, on_auth, &g);
	CHECK_INT(g.n, 1);
	CHECK(g.authz == NULL && g.error == NULL);
	kube_auth_free(auth);
	got_reset(&g);
	pending = 0;
}

static void
test_token_file(void)
{
	uint64_t mono = 1000000;
	struct kube_config cfg;
	struct kube_auth *auth;
	struct got g = {0};
	char *path = xasprintf("%s/token", tmp_dir), *want, ignored[] = "ignored";

	clock_set_fake(&mono, NULL);
	memset(&cfg, 0, sizeof cfg);
	cfg.token_file = path;
	cfg.token = ignored;
	auth = kube_auth_create(base, &cfg);

	/* Missing, then empty: errors naming the file. */
	kube_auth_get(auth, on_auth, &g);
	want = xasprintf("token file: cannot open %s: No such file or directory", path);
	CHECK_STR(g.error, want);
	CHECK(g.authz == NULL);
	free(want);
	write_file(path, " \n");
	kube_auth_get(auth, on_auth, &g);
	want = xasprintf("token file %s is empty", path);
	CHECK_STR(g.error, want);
	free(want);

	/* Read at first use, then kept for a minute. */
	write_file(path, "first\n");
	kube_auth_get(auth, on_auth, &g);
	CHECK_STR(g.authz, "Bearer first");
	CHECK(g.error == NULL);
	write_file(path, "second\n");
	mono += 59999;
	kube_auth_get(auth, on_auth, &g);
	CHECK_STR(g.authz, "Bearer first");
	mono += 1;
	kube_auth_get(auth, on_auth, &g);
	CHECK_STR(g.authz, "Bearer second");

	/* After a 401, at once. */
	write_file(path, "third");
	kube_auth_get(auth, on_auth, &g);
	CHECK_STR(g.authz, "Bearer second");
	kube_auth_invalidate(auth);
	kube_auth_get(auth, on_auth, &g);
	CHECK_STR(g.authz, "Bearer third");

	/* A failed re-read keeps the token; after a 401 it does not. */
	unlink(path);
	mono += 60000;
	kube_auth_get(auth, on_auth, &g);
	CHECK_STR(g.authz, "Bearer third");
	kube_auth_invalidate(auth);
	kube_auth_get(auth, on_auth, &g);
	CHECK(g.authz == NULL);
	CHECK_CONTAINS(g.error, "No such file or directory");
	CHECK_INT(g.n, 9);
	kube_auth_free(auth);
	clock_set_fake(NULL, NULL);
	got_reset(&g);
	free(path);
	pending = 0;
}

static void
test_exec_cached_until_expiry(void)
{
	int64_t wall = EXPIRY_MS - 3600 * 1000;
	struct got g = {0};
	char *runs, *info, *infopath;
	struct kube_auth *auth = exec_auth("ok", V1, V1, "2030-01-01T00:00:00Z", &runs);

	clock_set_fake(NULL, &wall);
	get(auth, &g);
	CHECK_INT(g.n, 0); /* the plugin runs on the loop */
	CHECK(wait_for(10000));
	CHECK_STR(g.authz, "Bearer tok-1");
	CHECK(g.error == NULL);
	CHECK_INT(count_runs(runs), 1);

	/* The plugin's input, as client-go writes it. */
	infopath = xasprintf("%s.info", runs);
	info = read_file(infopath);
	CHECK_STR(info, "{\"kind\":\"ExecCredential\",\"apiVersion\":\"" V1 "\",\"spec\":{"
	                "\"cluster\":{\"server\":\"https://k.example:6443\","
	                "\"tls-server-name\":\"kube\"},\"interactive\":false}}");
	free(info);
	free(infopath);

	/* Cached: answered at once, nothing run. */
	get(auth, &g);
	CHECK_INT(g.n, 2);
	CHECK_STR(g.authz, "Bearer tok-1");
	CHECK_INT(count_runs(runs), 1);

	/* Within the margin of its expiry: run again. */
	wall = EXPIRY_MS - 10000;
	get(auth, &g);
	CHECK_INT(g.n, 2);
	CHECK(wait_for(10000));
	CHECK_STR(g.authz, "Bearer tok-2");
	CHECK_INT(count_runs(runs), 2);

	/* After a 401: run again. */
	wall = EXPIRY_MS - 3600 * 1000;
	kube_auth_invalidate(auth);
	get(auth, &g);
	CHECK(wait_for(10000));
	CHECK_STR(g.authz, "Bearer tok-3");
	CHECK_INT(count_runs(runs), 3);
	kube_auth_free(auth);
	clock_set_fake(NULL, NULL);
	got_reset(&g);
	free(runs);
}

/* Fractions and offsets in expirationTimestamp, to the millisecond. */
static void
test_exec_expiry_offset(void)
{
	int64_t wall = EXPIRY_MS + 500 - 10001;
	struct got g = {0};
	char *runs;
	struct kube_auth *auth =
	    exec_auth("ok", V1BETA1, V1BETA1, "2030-01-01T01:00:00.5+01:00", &runs);

	clock_set_fake(NULL, &wall);
	get(auth, &g);
	CHECK(wait_for(10000));
	CHECK_STR(g.authz, "Bearer tok-1");
	get(auth, &g);
	CHECK_INT(g.n, 2);
	wall++;
	get(auth, &g);
	CHECK_INT(g.n, 2);
	CHECK(wait_for(10000));
	CHECK_STR(g.authz, "Bearer tok-2");
	kube_auth_free(auth);
	got_reset(&g);
	free(runs);

	auth = exec_auth("ok", V1BETA1, V1BETA1, "tomorrow", &runs);
	get(auth, &g);
	CHECK(wait_for(10000));
	CHECK_STR(g.error, "exec plugin sh: status.expirationTimestamp \"tomorrow\" is not an "
	                   "RFC 3339 time");
	kube_auth_free(auth);
	clock_set_fake(NULL, NULL);
	got_reset(&g);
	free(runs);
}

/* Gets during a run all wait for that one run; a cancelled one is not called. */
static void
test_exec_one_run(void)
{
	struct got g[4] = {{0}};
	char *runs;
	struct kube_auth *auth = exec_auth("ok", V1, V1, "", &runs);
	int i;

	for (i = 0; i < 4; i++)
		get(auth, &g[i]);
	kube_auth_cancel(auth, on_auth, &g[2]);
	pending--;
	CHECK(wait_for(10000));
	for (i = 0; i < 4; i++) {
		CHECK_INT(g[i].n, i == 2 ? 0 : 1);
		if (i != 2)
			CHECK_STR(g[i].authz, "Bearer tok-1");
		got_reset(&g[i]);
	}
	CHECK_INT(count_runs(runs), 1);
	/* No expiry: cached until invalidated. */
	get(auth, &g[0]);
	CHECK_INT(g[0].n, 1);
	kube_auth_free(auth);
	got_reset(&g[0]);
	free(runs);
}

static void
test_exec_failures(void)
{
	static const struct {
		const char *mode, *api, *plugin_api, *want;
	} cases[] = {
	    {"fail", V1, V1,
	     "exec plugin sh exited with status 3: error: no credentials for profile prod   (run "
	     "aws sso login)"},
	    {"garbage", V1, V1, "exec plugin sh: its output is not an ExecCredential: "},
	    {"ok", V1BETA1, V1, "exec plugin sh: it was asked for " V1BETA1 " and answered " V1},
	    {"cert", V1, V1,
	     "exec plugin sh: it returned a client certificate, which is not supported here; only "
	     "tokens are"},
	};
	struct got g = {0};
	struct kube_auth *auth;
	char *runs;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		auth = exec_auth(cases[i].mode, cases[i].api, cases[i].plugin_api, "", &runs);
		get(auth, &g);
		CHECK(wait_for(10000));
		CHECK(g.authz == NULL);
		CHECK_CONTAINS(g.error, cases[i].want);
		/* A failure is not cached: the next get runs the plugin again. */
		get(auth, &g);
		CHECK(wait_for(10000));
		CHECK_INT(g.n, 2);
		CHECK_INT(count_runs(runs), 2);
		kube_auth_free(auth);
		got_reset(&g);
		free(runs);
	}
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(base);
}

/* Whether pid has ended (gone, or a zombie not yet reaped by its new parent). */
static int
process_ended(pid_t pid)
{
	char *path = xasprintf("/proc/%d/stat", (int)pid), *stat = read_file(path), *p;
	int ended = (p = strrchr(stat, ')')) == NULL || p[1] == '\0' || p[2] == 'Z' || p[2] == 'X';

	free(stat);
	free(path);
	return ended;
}

/* Runs the loop in 10 ms ticks until pid has ended; 0 if it outlives ms. */
static int
wait_ended(pid_t pid, int ms)
{
	struct event *t = evtimer_new(base, on_tick, NULL);
	struct timeval tick = {0, 10000};
	int i;

	for (i = 0; i < ms / 10 && !process_ended(pid); i++) {
		evtimer_add(t, &tick);
		event_base_dispatch(base);
	}
	event_free(t);
	return process_ended(pid);
}

static void
test_exec_timeout(void)
{
	struct got g = {0};
	char *runs;
	struct kube_auth *auth = exec_auth("hang", V1, V1, "", &runs);
	struct timespec t0, t1;
	char *pidfile, *pidtext;
	pid_t sleeper;
	long ms;

	kube_auth_set_exec_timeout(auth, 300);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	get(auth, &g);
	CHECK(wait_for(10000));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK_STR(g.error, "exec plugin sh did not finish within 300 ms and was killed: waiting "
	                   "for a browser login");
	CHECK(ms >= 300 && ms < 5000);
	fprintf(stderr, "timeout reported after %ld ms\n", ms);
	/* The whole process group was killed, the sleep it started too. */
	pidfile = xasprintf("%s.pid", runs);
	pidtext = read_file(pidfile);
	sleeper = (pid_t)atoi(pidtext);
	CHECK(sleeper > 0);
	if (sleeper > 0)
		CHECK(wait_ended(sleeper, 5000));
	kube_auth_free(auth);
	got_reset(&g);
	free(pidfile);
	free(pidtext);
	free(runs);
}

static void
test_exec_not_found(void)
{
	struct kube_config cfg;
	struct kube_exec exec = {0};
	char *none[] = {NULL}, cmd[] = "/nonexistent/aws-iam-authenticator", api[] = V1BETA1;
	char hint[] = "see https://example.com/install";
	struct kube_auth *auth;
	struct got g = {0};

	memset(&cfg, 0, sizeof cfg);
	cfg.exec = &exec;
	exec.command = cmd;
	exec.args = none;
	exec.env = none;
	exec.api_version = api;
	exec.install_hint = hint;
	auth = kube_auth_create(base, &cfg);
	kube_auth_get(auth, on_auth, &g);
	CHECK_INT(g.n, 1);
	CHECK_STR(g.error, "exec plugin /nonexistent/aws-iam-authenticator was not found: see "
	                   "https://example.com/install");
	kube_auth_free(auth);
	got_reset(&g);
	pending = 0;
}

/* Only the plugin's own pid is waited for: the process's other children are left alone. */
static void
test_other_children(void)
{
	struct got g = {0};
	char *runs;
	struct kube_auth *auth = exec_auth("ok", V1, V1, "", &runs);
	int status = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(7);
	get(auth, &g);
	CHECK(wait_for(10000));
	CHECK_STR(g.authz, "Bearer tok-1");
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	kube_auth_free(auth);
	got_reset(&g);
	free(runs);
}

static void
free_in_callback(const char *authz, const char *error, void *arg)
{
	struct kube_auth **auth = arg;

	kube_auth_free(*auth);
	*auth = NULL;
	if (--pending <= 0)
		event_base_loopbreak(base);
}

/* Freeing with a get waiting answers it; freeing from a callback is safe. */
static void
test_free(void)
{
	struct got g = {0};
	char *runs;
	struct kube_auth *auth = exec_auth("hang", V1, V1, "", &runs);

	get(auth, &g);
	kube_auth_free(auth);
	CHECK_INT(g.n, 1);
	CHECK_STR(g.error, "the Kubernetes credentials were released");
	got_reset(&g);
	free(runs);

	auth = exec_auth("ok", V1, V1, "", &runs);
	pending++;
	kube_auth_get(auth, free_in_callback, &auth);
	CHECK(wait_for(10000));
	CHECK(auth == NULL);
	free(runs);
}

/* What was logged while the tests ran holds no token. */
static void
test_no_token_logged(void)
{
	char *logged = read_file(log_path);

	CHECK_CONTAINS(logged, "exec plugin returned a token");
	CHECK(strstr(logged, "tok-") == NULL);
	CHECK(strstr(logged, "Bearer") == NULL);
	CHECK(strstr(logged, "first") == NULL && strstr(logged, "third") == NULL);
	free(logged);
}

int
main(void)
{
	int log_fd;

	snprintf(tmp_dir, sizeof tmp_dir, "/tmp/pca-kauth-XXXXXX");
	if (mkdtemp(tmp_dir) == NULL)
		return 2;
	atexit(cleanup);
	log_path = xasprintf("%s/log", tmp_dir);
	if ((log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600)) == -1)
		return 2;
	log_set_fd(log_fd);
	base = event_base_new();
	TEST(test_static_and_none);
	TEST(test_token_file);
	TEST(test_exec_cached_until_expiry);
	TEST(test_exec_expiry_offset);
	TEST(test_exec_one_run);
	TEST(test_exec_failures);
	TEST(test_exec_timeout);
	TEST(test_exec_not_found);
	TEST(test_other_children);
	TEST(test_free);
	log_set_fd(-1);
	close(log_fd);
	TEST(test_no_token_logged);
	free(log_path);
	event_base_free(base);
	return test_done();
}
