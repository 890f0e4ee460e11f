/*
 * Runs a client-go exec credential plugin without blocking the loop.
 *
 * The child runs in its own process group, stdin on /dev/null and
 * stdout/stderr on pipes read through libevent, with KUBERNETES_EXEC_INFO
 * holding the ExecCredential input as client-go sets it and the
 * kubeconfig's env entries added. Each struct kube_auth_exec_run goes
 *
 *   READING (pipes open) -> REAPING (pipes closed, polling waitpid) -> freed
 *
 * and its outcome goes to the callback once both pipes have closed and the
 * child is reaped, or at the deadline, when the group is killed and the
 * outcome is a timeout while reaping goes on in the background. Only the
 * child's own pid is ever waited for, without blocking: other children of
 * the process are none of this file's business, and SIGCHLD is left alone.
 *
 * The output is an ExecCredential of the version asked for, checked as
 * client-go checks it. One with a client certificate instead of a token is
 * refused: the TLS set-up is fixed when the HTTP client is made.
 */
#include <sys/queue.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/buf.h"
#include "core/codec.h"
#include "core/clock.h"
#include "core/jenc.h"
#include "core/jtok.h"
#include "core/log.h"
#include "core/timefmt.h"
#include "core/xmalloc.h"
#include "kube/auth_exec.h"
#include "kube/config.h"

#define KUBE_AUTH_EXEC_TIMEOUT_MS     60000
#define KUBE_AUTH_EXEC_OUT_MAX        (1024 * 1024)
#define KUBE_AUTH_EXEC_ERR_MAX        4096 /* stderr kept */
#define KUBE_AUTH_EXEC_ERR_SHOWN      512  /* stderr quoted in an error */
#define KUBE_AUTH_EXEC_POLL_MAX_MS    100
#define KUBE_AUTH_EXEC_READS_PER_WAKE 16 /* reads of 4 KiB per wakeup */

enum kube_auth_exec_run_state {
	KUBE_AUTH_EXEC_READING, /* output pipes open */
	KUBE_AUTH_EXEC_REAPING, /* pipes closed, waiting for the child to be reaped */
};

struct kube_auth_exec_run {
	struct kube_auth_exec *x;
	enum kube_auth_exec_run_state state;
	pid_t pid;
	int fd[2]; /* the read ends of stdout and stderr; -1 once closed */
	struct event *ev[2];
	struct event *timer; /* the deadline, then the reaping polls */
	struct buf out, err;
	int out_over;      /* stdout passed KUBE_AUTH_EXEC_OUT_MAX */
	uint64_t deadline; /* clock_mono_ms */
	uint64_t poll_ms;
	int reaped;
	int status; /* from waitpid; -1 when reaped elsewhere */
	int timed_out;
	int delivered; /* its outcome went to the callback */
	TAILQ_ENTRY(kube_auth_exec_run) entry;
};

struct kube_auth_exec {
	struct event_base *base;
	struct kube_exec exec;
	char *server, *tls_server_name, *ca_pem, *proxy_url; /* for provideClusterInfo */
	int insecure;
	uint64_t timeout_ms;
	kube_auth_exec_cb cb; /* of the run not yet delivered */
	void *arg;
	struct kube_auth_exec_run *run;        /* that run */
	TAILQ_HEAD(, kube_auth_exec_run) runs; /* every live run, reaping ones too */
	unsigned busy;                         /* inside a libevent callback */
	int closing;                           /* kube_auth_exec_free ran there */
};

static char *
kube_auth_exec_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
kube_auth_exec_wipe(char **s)
{
	if (*s != NULL)
		OPENSSL_cleanse(*s, strlen(*s));
	xfree_ptr(s);
}

static char **
kube_auth_exec_strv_dup(char *const *v)
{
	size_t n = 0, i;
	char **out;

	while (v != NULL && v[n] != NULL)
		n++;
	out = xcalloc(n + 1, sizeof *out);
	for (i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

static void
kube_auth_exec_strv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

struct kube_auth_exec *
kube_auth_exec_create(struct event_base *base, const struct kube_config *cfg)
{
	struct kube_auth_exec *x = xcalloc(1, sizeof *x);

	x->base = base;
	x->timeout_ms = KUBE_AUTH_EXEC_TIMEOUT_MS;
	TAILQ_INIT(&x->runs);
	x->exec.command = xstrdup(cfg->exec->command);
	x->exec.args = kube_auth_exec_strv_dup(cfg->exec->args);
	x->exec.env = kube_auth_exec_strv_dup(cfg->exec->env);
	x->exec.api_version = xstrdup(cfg->exec->api_version);
	x->exec.install_hint = kube_auth_exec_dup(cfg->exec->install_hint);
	x->exec.provide_cluster_info = cfg->exec->provide_cluster_info;
	x->server = kube_auth_exec_dup(cfg->server);
	x->tls_server_name = kube_auth_exec_dup(cfg->tls_server_name);
	x->ca_pem = kube_auth_exec_dup(cfg->ca_pem);
	x->proxy_url = kube_auth_exec_dup(cfg->proxy_url);
	x->insecure = cfg->insecure;
	return x;
}

void
kube_auth_exec_set_timeout(struct kube_auth_exec *x, uint64_t ms)
{
	x->timeout_ms = ms;
}

const char *
kube_auth_exec_command(const struct kube_auth_exec *x)
{
	return x->exec.command;
}

static void kube_auth_exec_release(struct kube_auth_exec *x);

static const char *
kube_auth_exec_run_state_name(enum kube_auth_exec_run_state s)
{
	return s == KUBE_AUTH_EXEC_READING ? "reading" : "reaping";
}

/* The one place a run changes state, so every transition can be logged. */
static void
kube_auth_exec_run_set_state(struct kube_auth_exec_run *run, enum kube_auth_exec_run_state s)
{
	if (run->state == s)
		return;
	log_debug("exec plugin run", "command", run->x->exec.command, "from",
	          kube_auth_exec_run_state_name(run->state), "to",
	          kube_auth_exec_run_state_name(s));
	run->state = s;
}

static void
kube_auth_exec_run_close(struct kube_auth_exec_run *run, int i)
{
	if (run->ev[i] != NULL)
		event_free(run->ev[i]);
	run->ev[i] = NULL;
	if (run->fd[i] != -1)
		close(run->fd[i]);
	run->fd[i] = -1;
}

/* Kills the plugin's process group, while its pid still names it. */
static void
kube_auth_exec_run_kill(struct kube_auth_exec_run *run)
{
	if (run->reaped)
		return;
	kill(-run->pid, SIGKILL);
	kill(run->pid, SIGKILL); /* in case it left the group */
}

/* Collects the child's exit status if it has one; never blocks. */
static void
kube_auth_exec_run_reap(struct kube_auth_exec_run *run, int flags)
{
	pid_t p;
	int st;

	if (run->reaped)
		return;
	do
		p = waitpid(run->pid, &st, flags);
	while (p == -1 && errno == EINTR);
	if (p == run->pid) {
		run->reaped = 1;
		run->status = st;
	} else if (p == -1) {
		run->reaped = 1; /* ECHILD: SIGCHLD ignored, or reaped by someone else */
		run->status = -1;
	}
}

/* Frees a run; blocks for a child not yet reaped (only at kube_auth_exec_free). */
static void
kube_auth_exec_run_free(struct kube_auth_exec_run *run)
{
	struct kube_auth_exec *x = run->x;

	kube_auth_exec_run_kill(run);
	kube_auth_exec_run_close(run, 0);
	kube_auth_exec_run_close(run, 1);
	kube_auth_exec_run_reap(run, 0);
	event_free(run->timer);
	if (run->out.p != NULL)
		OPENSSL_cleanse(run->out.p, run->out.len);
	buf_clear(&run->out);
	buf_clear(&run->err);
	if (x->run == run)
		x->run = NULL;
	TAILQ_REMOVE(&x->runs, run, entry);
	free(run);
}

/* Re-arms the run's timer: the deadline while reading, else the next poll. */
static void
kube_auth_exec_run_arm(struct kube_auth_exec_run *run)
{
	uint64_t now = clock_mono_ms(), left, ms;
	struct timeval tv;

	left = run->deadline > now ? run->deadline - now : 0;
	if (run->state == KUBE_AUTH_EXEC_READING)
		ms = left;
	else {
		ms = run->poll_ms;
		run->poll_ms = run->poll_ms * 2 > KUBE_AUTH_EXEC_POLL_MAX_MS
		                   ? KUBE_AUTH_EXEC_POLL_MAX_MS
		                   : run->poll_ms * 2;
		if (!run->delivered && left < ms)
			ms = left;
	}
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(run->timer, &tv);
}

/* Trims white space, turns control characters into spaces and caps. */
static char *
kube_auth_exec_stderr(const struct buf *err)
{
	const char *p = buf_str(err);
	size_t len = err->len, i;
	struct buf b = BUF_INIT;

	while (len > 0 && strchr(" \t\r\n", *p) != NULL)
		p++, len--;
	while (len > 0 && strchr(" \t\r\n", p[len - 1]) != NULL)
		len--;
	for (i = 0; i < len && i < KUBE_AUTH_EXEC_ERR_SHOWN; i++)
		buf_addc(&b, (unsigned char)p[i] < 0x20 ? ' ' : p[i]);
	if (len > KUBE_AUTH_EXEC_ERR_SHOWN)
		buf_adds(&b, "...");
	return buf_steal(&b);
}

/* Whether key of obj holds a non-empty string. */
static int
kube_auth_exec_has_str(const struct jtok *d, int obj, const char *key)
{
	int t = jtok_get(d, obj, key);

	return jtok_type(d, t) == JTOK_STRING && jtok_raw(d, t).len > 2;
}

/* The token and expiry of an ExecCredential answer, checked as client-go does. */
static int
kube_auth_exec_decode_status(const struct jtok *d, int st, char **token, int64_t *expires,
                             char **cause)
{
	char *ts = NULL;
	int cert = kube_auth_exec_has_str(d, st, "clientCertificateData");
	int key = kube_auth_exec_has_str(d, st, "clientKeyData");
	int rc = -1;

	if (jtok_get_str(d, st, "token", token) == -1)
		*cause = xstrdup("status.token is not a string");
	else if (cert != key)
		*cause = xstrdup("it returned only one of clientCertificateData and clientKeyData");
	else if ((*token == NULL || **token == '\0') && cert)
		*cause = xstrdup("it returned a client certificate, which is not supported here; "
		                 "only tokens are");
	else if (*token == NULL || **token == '\0')
		*cause = xstrdup("it returned neither a token nor a client certificate");
	else if (strpbrk(*token, "\r\n\t") != NULL)
		*cause = xstrdup("status.token holds a control character");
	else if (jtok_get_str(d, st, "expirationTimestamp", &ts) == -1)
		*cause = xstrdup("status.expirationTimestamp is not a string");
	else if (ts != NULL && timefmt_parse(ts, expires) == -1)
		*cause =
		    xasprintf("status.expirationTimestamp \"%.40s\" is not an RFC 3339 time", ts);
	else
		rc = 0;
	free(ts);
	if (rc == -1)
		kube_auth_exec_wipe(token);
	return rc;
}

/* Decodes the plugin's stdout, an ExecCredential of version want. */
static int
kube_auth_exec_decode(const char *want, const struct buf *out, char **token, int64_t *expires,
                      char **cause)
{
	struct jtok *d = NULL;
	char *ver = NULL, *kind = NULL, *why = NULL;
	int st, rc = -1;

	*expires = 0;
	if (out->len == 0)
		*cause = xstrdup("it wrote nothing on stdout");
	else if (jtok_parse(buf_str(out), out->len, &d, &why) == -1)
		*cause = xasprintf("its output is not an ExecCredential: %s", why);
	else if (jtok_type(d, JTOK_ROOT) != JTOK_OBJECT)
		*cause = xstrdup("its output is not an ExecCredential object");
	else if (jtok_get_str(d, JTOK_ROOT, "apiVersion", &ver) != 0)
		*cause = xstrdup("its output has no apiVersion");
	else if (strcmp(ver, want) != 0)
		*cause = xasprintf("it was asked for %s and answered %.60s", want, ver);
	else if (jtok_get_str(d, JTOK_ROOT, "kind", &kind) != 0 ||
	         strcmp(kind, "ExecCredential") != 0)
		*cause = xstrdup("its output is not of kind ExecCredential");
	else if (jtok_type(d, (st = jtok_get(d, JTOK_ROOT, "status"))) != JTOK_OBJECT)
		*cause = xstrdup("its output has no status");
	else
		rc = kube_auth_exec_decode_status(d, st, token, expires, cause);
	free(why);
	free(ver);
	free(kind);
	jtok_free(d);
	return rc;
}

static char *
kube_auth_exec_duration(uint64_t ms)
{
	if (ms % 1000 == 0)
		return xasprintf("%llu s", (unsigned long long)(ms / 1000));
	return xasprintf("%llu ms", (unsigned long long)ms);
}

/* What the run came to: 0 with a token, or -1 with a sentence. */
static int
kube_auth_exec_run_result(struct kube_auth_exec_run *run, char **token, int64_t *expires,
                          char **cause)
{
	const char *cmd = run->x->exec.command;
	char *err = kube_auth_exec_stderr(&run->err), *why = NULL, *t;
	const char *sep = *err != '\0' ? ": " : "";
	int rc = -1;

	*token = NULL;
	if (run->timed_out) {
		t = kube_auth_exec_duration(run->x->timeout_ms);
		*cause = xasprintf("exec plugin %s did not finish within %s and was killed%s%s",
		                   cmd, t, sep, err);
		free(t);
	} else if (run->status != -1 && WIFSIGNALED(run->status))
		*cause = xasprintf("exec plugin %s was killed by signal %d%s%s", cmd,
		                   WTERMSIG(run->status), sep, err);
	else if (run->status != -1 && WEXITSTATUS(run->status) != 0)
		*cause = xasprintf("exec plugin %s exited with status %d%s%s", cmd,
		                   WEXITSTATUS(run->status), sep, err);
	else if (run->out_over)
		*cause = xasprintf("exec plugin %s wrote more than %d bytes", cmd,
		                   KUBE_AUTH_EXEC_OUT_MAX);
	else if (kube_auth_exec_decode(run->x->exec.api_version, &run->out, token, expires, &why) ==
	         -1)
		*cause = xasprintf("exec plugin %s: %s%s%s", cmd, why, sep, err);
	else
		rc = 0;
	free(why);
	free(err);
	return rc;
}

/* Hands the run's outcome to the callback, once; the run may go on reaping. */
static void
kube_auth_exec_run_deliver(struct kube_auth_exec_run *run)
{
	struct kube_auth_exec *x = run->x;
	kube_auth_exec_cb cb = x->cb;
	char *token = NULL, *why = NULL;
	int64_t expires = 0;

	run->delivered = 1;
	x->run = NULL;
	x->cb = NULL;
	if (kube_auth_exec_run_result(run, &token, &expires, &why) == 0)
		log_info("exec plugin returned a token", "command", x->exec.command, "expires",
		         expires != 0 ? "yes" : "no");
	else
		log_warn("exec plugin failed", "error", why);
	if (cb != NULL)
		cb(token, expires, why, x->arg);
	kube_auth_exec_wipe(&token);
	free(why);
}

/* Advances a run after something happened: reap, deliver, free or wait. */
static void
kube_auth_exec_run_step(struct kube_auth_exec_run *run)
{
	kube_auth_exec_run_reap(run, WNOHANG);
	if (run->fd[0] == -1 && run->fd[1] == -1)
		kube_auth_exec_run_set_state(run, KUBE_AUTH_EXEC_REAPING);
	if (run->state == KUBE_AUTH_EXEC_REAPING && run->reaped) {
		if (!run->delivered)
			kube_auth_exec_run_deliver(run);
		kube_auth_exec_run_free(run);
		return;
	}
	kube_auth_exec_run_arm(run);
}

static void
kube_auth_exec_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct kube_auth_exec_run *run = arg;
	struct kube_auth_exec *x = run->x;

	x->busy++;
	if (!run->delivered && clock_mono_ms() >= run->deadline) {
		run->timed_out = 1;
		kube_auth_exec_run_kill(run);
		kube_auth_exec_run_close(run, 0);
		kube_auth_exec_run_close(run, 1);
		kube_auth_exec_run_set_state(run, KUBE_AUTH_EXEC_REAPING);
		kube_auth_exec_run_deliver(run);
	}
	kube_auth_exec_run_step(run);
	kube_auth_exec_release(x);
}

static void
kube_auth_exec_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct kube_auth_exec_run *run = arg;
	struct kube_auth_exec *x = run->x;
	int i = fd == run->fd[0] ? 0 : 1;
	struct buf *b = i == 0 ? &run->out : &run->err;
	size_t cap = i == 0 ? KUBE_AUTH_EXEC_OUT_MAX : KUBE_AUTH_EXEC_ERR_MAX;
	char chunk[4096];
	ssize_t n = 0;
	int reads;

	for (reads = 0; reads < KUBE_AUTH_EXEC_READS_PER_WAKE; reads++) {
		if ((n = read(fd, chunk, sizeof chunk)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (b->len + (size_t)n <= cap)
			buf_add(b, chunk, (size_t)n);
		else if (i == 0)
			run->out_over = 1;
	}
	if (n > 0 || (n == -1 && errno == EAGAIN))
		return; /* more later */
	x->busy++;
	kube_auth_exec_run_close(run, i);
	kube_auth_exec_run_step(run);
	kube_auth_exec_release(x);
}

/* KUBERNETES_EXEC_INFO: the ExecCredential input, as client-go writes it. */
static char *
kube_auth_exec_info_env(const struct kube_auth_exec *x)
{
	struct buf b = BUF_INIT, ca = BUF_INIT;
	struct jenc e;

	buf_adds(&b, "KUBERNETES_EXEC_INFO=");
	jenc_init(&e, &b);
	jenc_obj_open(&e);
	jenc_kv_str(&e, "kind", "ExecCredential");
	jenc_kv_str(&e, "apiVersion", x->exec.api_version);
	jenc_key(&e, "spec");
	jenc_obj_open(&e);
	if (x->exec.provide_cluster_info) {
		jenc_key(&e, "cluster");
		jenc_obj_open(&e);
		jenc_kv_str(&e, "server", x->server != NULL ? x->server : "");
		if (x->tls_server_name != NULL)
			jenc_kv_str(&e, "tls-server-name", x->tls_server_name);
		if (x->insecure)
			jenc_kv_bool(&e, "insecure-skip-tls-verify", 1);
		if (x->ca_pem != NULL) {
			buf_reset(&ca);
			codec_base64_encode(&ca, x->ca_pem, strlen(x->ca_pem));
			jenc_kv_str(&e, "certificate-authority-data", buf_str(&ca));
		}
		if (x->proxy_url != NULL)
			jenc_kv_str(&e, "proxy-url", x->proxy_url);
		jenc_obj_close(&e);
	}
	jenc_kv_bool(&e, "interactive", 0);
	jenc_obj_close(&e);
	jenc_obj_close(&e);
	buf_clear(&ca);
	return buf_steal(&b);
}

/* Whether environment entry entry ("NAME=...") sets the variable of set. */
static int
kube_auth_exec_same_name(const char *entry, const char *set)
{
	size_t n = strcspn(set, "=");

	return strncmp(entry, set, n) == 0 && entry[n] == '=';
}

/*
 * The plugin's environment: the process's, then the kubeconfig's entries,
 * then info; later ones replace earlier ones of the same name. The strings
 * are borrowed; only the array is the caller's.
 */
static char **
kube_auth_exec_envp(const struct kube_auth_exec *x, char *info)
{
	size_t n = 0, m = 0, i, j;
	char **envp;
	int replaced;

	while (environ != NULL && environ[n] != NULL)
		n++;
	while (x->exec.env[m] != NULL)
		m++;
	envp = xcalloc(n + m + 2, sizeof *envp);
	for (i = 0, n = 0; environ != NULL && environ[i] != NULL; i++) {
		replaced = kube_auth_exec_same_name(environ[i], info);
		for (j = 0; j < m && !replaced; j++)
			replaced = kube_auth_exec_same_name(environ[i], x->exec.env[j]);
		if (!replaced)
			envp[n++] = environ[i];
	}
	for (j = 0; j < m; j++) {
		replaced = kube_auth_exec_same_name(info, x->exec.env[j]);
		for (i = j + 1; i < m && !replaced; i++)
			replaced = kube_auth_exec_same_name(x->exec.env[i], x->exec.env[j]);
		if (!replaced)
			envp[n++] = x->exec.env[j];
	}
	envp[n] = info;
	return envp;
}

static char **
kube_auth_exec_argv(const struct kube_auth_exec *x)
{
	size_t n = 0, i;
	char **argv;

	while (x->exec.args[n] != NULL)
		n++;
	argv = xcalloc(n + 2, sizeof *argv);
	argv[0] = x->exec.command;
	for (i = 0; i < n; i++)
		argv[i + 1] = x->exec.args[i];
	return argv;
}

/*
 * The child's set-up: stdin on /dev/null, stdout and stderr on the pipes,
 * no other descriptors, default signal dispositions (the loop ignores
 * SIGPIPE), and a process group of its own so that a timeout can kill
 * whatever it started.
 */
static void
kube_auth_exec_spawn_setup(posix_spawn_file_actions_t *fa, posix_spawnattr_t *at, int out, int err)
{
	static const int sigs[] = {SIGPIPE, SIGCHLD, SIGHUP, SIGINT, SIGQUIT, SIGTERM};
	sigset_t none, def;
	size_t i;

	posix_spawn_file_actions_init(fa);
	posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(fa, out, 1);
	posix_spawn_file_actions_adddup2(fa, err, 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	posix_spawn_file_actions_addclosefrom_np(fa, 3);
#endif
	posix_spawnattr_init(at);
	sigemptyset(&none);
	sigemptyset(&def);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&def, sigs[i]);
	posix_spawnattr_setsigmask(at, &none);
	posix_spawnattr_setsigdefault(at, &def);
	posix_spawnattr_setpgroup(at, 0);
	posix_spawnattr_setflags(at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
	                                 POSIX_SPAWN_SETPGROUP);
}

/* Starts the child with its pipes; 0, or -1 with *cause. */
static int
kube_auth_exec_spawn(struct kube_auth_exec *x, struct kube_auth_exec_run *run, char **cause)
{
	int out[2] = {-1, -1}, err[2] = {-1, -1}, e, i;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	char *info = kube_auth_exec_info_env(x), **envp, **argv;

	if (pipe2(out, O_CLOEXEC) == -1 || pipe2(err, O_CLOEXEC) == -1) {
		e = errno;
		*cause =
		    xasprintf("cannot run exec plugin %s: pipe: %s", x->exec.command, strerror(e));
		goto out;
	}
	kube_auth_exec_spawn_setup(&fa, &at, out[1], err[1]);
	envp = kube_auth_exec_envp(x, info);
	argv = kube_auth_exec_argv(x);
	e = posix_spawnp(&run->pid, x->exec.command, &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	free(envp);
	free(argv);
	if (e == ENOENT && x->exec.install_hint != NULL)
		*cause = xasprintf("exec plugin %s was not found: %s", x->exec.command,
		                   x->exec.install_hint);
	else if (e != 0)
		*cause = xasprintf("cannot run exec plugin %s: %s", x->exec.command, strerror(e));
	else {
		run->fd[0] = out[0];
		run->fd[1] = err[0];
		out[0] = err[0] = -1;
	}
out:
	for (i = 0; i < 2; i++) {
		if (out[i] != -1)
			close(out[i]);
		if (err[i] != -1)
			close(err[i]);
	}
	OPENSSL_cleanse(info, strlen(info));
	free(info);
	return run->fd[0] == -1 ? -1 : 0;
}

int
kube_auth_exec_start(struct kube_auth_exec *x, kube_auth_exec_cb cb, void *arg, char **cause)
{
	struct kube_auth_exec_run *run;
	int i;

	if (x->run != NULL)
		fatalx("exec plugin %s started twice at once", x->exec.command);
	run = xcalloc(1, sizeof *run);
	run->x = x;
	run->fd[0] = run->fd[1] = -1;
	if (kube_auth_exec_spawn(x, run, cause) == -1) {
		free(run);
		log_warn("exec plugin failed", "error", *cause);
		return -1;
	}
	log_debug("exec plugin started", "command", x->exec.command);
	for (i = 0; i < 2; i++) {
		fcntl(run->fd[i], F_SETFL, fcntl(run->fd[i], F_GETFL) | O_NONBLOCK);
		run->ev[i] = event_new(x->base, run->fd[i], EV_READ | EV_PERSIST,
		                       kube_auth_exec_on_read, run);
		if (run->ev[i] == NULL || event_add(run->ev[i], NULL) != 0)
			fatalx("libevent cannot watch a pipe");
	}
	if ((run->timer = evtimer_new(x->base, kube_auth_exec_on_timer, run)) == NULL)
		fatalx("libevent cannot create a timer");
	run->state = KUBE_AUTH_EXEC_READING;
	run->deadline = clock_mono_ms() + x->timeout_ms;
	run->poll_ms = 1;
	x->run = run;
	x->cb = cb;
	x->arg = arg;
	TAILQ_INSERT_TAIL(&x->runs, run, entry);
	kube_auth_exec_run_arm(run);
	return 0;
}

static void
kube_auth_exec_destroy(struct kube_auth_exec *x)
{
	struct kube_auth_exec_run *run;

	while ((run = TAILQ_FIRST(&x->runs)) != NULL)
		kube_auth_exec_run_free(run);
	free(x->exec.command);
	kube_auth_exec_strv_free(x->exec.args);
	kube_auth_exec_strv_free(x->exec.env);
	free(x->exec.api_version);
	free(x->exec.install_hint);
	free(x->server);
	free(x->tls_server_name);
	free(x->ca_pem);
	free(x->proxy_url);
	free(x);
}

/* Ends a libevent callback; frees x if kube_auth_exec_free ran inside it. */
static void
kube_auth_exec_release(struct kube_auth_exec *x)
{
	if (--x->busy == 0 && x->closing)
		kube_auth_exec_destroy(x);
}

void
kube_auth_exec_free(struct kube_auth_exec *x)
{
	struct kube_auth_exec_run *run;

	if (x == NULL || x->closing)
		return;
	x->cb = NULL;
	TAILQ_FOREACH(run, &x->runs, entry)
	kube_auth_exec_run_kill(run);
	if (x->busy > 0)
		x->closing = 1;
	else
		kube_auth_exec_destroy(x);
}
