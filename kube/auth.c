/*
 * The Authorization header for the API server, kept fresh while the
 * process runs.
 *
 * A token file (the projected service-account token, or a kubeconfig's
 * tokenFile) is read at the first get and again once the copy is a minute
 * old or after kube_auth_invalidate(). It is a small local file, read in
 * place. If a re-read fails while a token is held, the old one is kept for
 * another minute, as client-go keeps it; after a 401 it is not.
 *
 * An exec plugin is run by kube/auth_exec.c. Gets that find no valid token
 * queue up and all wait for the one run; its token is cached until its
 * expirationTimestamp (less a margin, so that a request does not leave with
 * a token about to lapse) or an invalidate.
 *
 * Tokens are never logged, and the cached header is wiped when dropped.
 * Callbacks get a copy of it, since one may invalidate (or free) auth.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/secrets.h"
#include "core/xmalloc.h"
#include "kube/auth_exec.h"
#include "kube/config.h"
#include "kube/config_yaml.h"

#define KUBE_AUTH_FILE_TTL_MS    60000
#define KUBE_AUTH_EXPIRY_SKEW_MS 10000

enum kube_auth_kind {
	KUBE_AUTH_NONE,
	KUBE_AUTH_STATIC,
	KUBE_AUTH_FILE,
	KUBE_AUTH_EXEC,
};

struct kube_auth_waiter {
	kube_auth_cb cb;
	void *arg;
	TAILQ_ENTRY(kube_auth_waiter) entry;
};

TAILQ_HEAD(kube_auth_waiters, kube_auth_waiter);

struct kube_auth {
	enum kube_auth_kind kind;
	char *authz;        /* the cached header value, or NULL */
	uint64_t read_ms;   /* a token file's last read, clock_mono_ms */
	int64_t expires_ms; /* an exec token's expiry, clock_wall_ms; 0: none */
	char *token_file;
	struct kube_auth_exec *exec;
	int running; /* an exec run is under way */
	struct kube_auth_waiters waiters;
	struct kube_auth_waiters delivering; /* being called back now */
	unsigned busy;                       /* callbacks running */
	int closing;                         /* kube_auth_free ran during them */
};

static char *
kube_auth_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
kube_auth_wipe(char **s)
{
	if (*s != NULL)
		OPENSSL_cleanse(*s, strlen(*s));
	xfree_ptr(s);
}

/* Sets the cached header; the token is held in core/secrets.h while cached. */
static void
kube_auth_hold(struct kube_auth *auth, const char *token)
{
	auth->authz = xasprintf("Bearer %s", token);
	secrets_add(token);
}

static void
kube_auth_drop_authz(struct kube_auth *auth)
{
	if (auth->authz != NULL && strncmp(auth->authz, "Bearer ", 7) == 0)
		secrets_drop(auth->authz + 7);
	kube_auth_wipe(&auth->authz);
}

struct kube_auth *
kube_auth_create(struct event_base *base, const struct kube_config *cfg)
{
	struct kube_auth *auth = xcalloc(1, sizeof *auth);

	TAILQ_INIT(&auth->waiters);
	TAILQ_INIT(&auth->delivering);
	/* client-go's order: a token wins, and a client certificate beats exec. */
	if (cfg->token_file != NULL) {
		auth->kind = KUBE_AUTH_FILE;
		auth->token_file = xstrdup(cfg->token_file);
	} else if (cfg->token != NULL) {
		auth->kind = KUBE_AUTH_STATIC;
		kube_auth_hold(auth, cfg->token);
	} else if (cfg->client_cert_pem == NULL && cfg->exec != NULL) {
		auth->kind = KUBE_AUTH_EXEC;
		auth->exec = kube_auth_exec_create(base, cfg);
	} else
		auth->kind = KUBE_AUTH_NONE;
	return auth;
}

void
kube_auth_set_exec_timeout(struct kube_auth *auth, uint64_t ms)
{
	if (auth->exec != NULL)
		kube_auth_exec_set_timeout(auth->exec, ms);
}

static void
kube_auth_set_token(struct kube_auth *auth, const char *token)
{
	kube_auth_drop_authz(auth);
	kube_auth_hold(auth, token);
}

static void kube_auth_release(struct kube_auth *auth);

/*
 * Calls every waiting get. A get made from one of the callbacks joins a
 * later round; one cancelled from there is not called.
 */
static void
kube_auth_deliver(struct kube_auth *auth, const char *authz, const char *error)
{
	char *a = kube_auth_dup(authz), *e = kube_auth_dup(error);
	struct kube_auth_waiter *w;

	auth->busy++;
	TAILQ_CONCAT(&auth->delivering, &auth->waiters, entry);
	while ((w = TAILQ_FIRST(&auth->delivering)) != NULL) {
		TAILQ_REMOVE(&auth->delivering, w, entry);
		w->cb(a, e, w->arg);
		free(w);
	}
	kube_auth_wipe(&a);
	free(e);
	kube_auth_release(auth);
}

/* The end of an exec run: caches its token and answers the waiters. */
static void
kube_auth_on_exec(const char *token, int64_t expires_ms, const char *error, void *arg)
{
	struct kube_auth *auth = arg;

	auth->running = 0;
	if (token != NULL) {
		kube_auth_set_token(auth, token);
		auth->expires_ms = expires_ms;
		kube_auth_deliver(auth, auth->authz, NULL);
	} else
		kube_auth_deliver(auth, NULL, error);
}

/* Calls cb with a copy of the cached header. */
static void
kube_auth_give(struct kube_auth *auth, kube_auth_cb cb, void *arg)
{
	char *a = kube_auth_dup(auth->authz);

	cb(a, NULL, arg);
	kube_auth_wipe(&a);
}

static void
kube_auth_file_get(struct kube_auth *auth, kube_auth_cb cb, void *arg)
{
	uint64_t now = clock_mono_ms();
	char *token = NULL, *why = NULL;

	if (auth->authz != NULL && now - auth->read_ms < KUBE_AUTH_FILE_TTL_MS) {
		kube_auth_give(auth, cb, arg);
		return;
	}
	if (kube_config_read_token(auth->token_file, &token, &why) == 0)
		kube_auth_set_token(auth, token);
	else if (auth->authz != NULL)
		log_warn("cannot re-read the token file; keeping the token read before", "error",
		         why);
	else {
		cb(NULL, why, arg);
		free(why);
		return;
	}
	auth->read_ms = now;
	kube_auth_wipe(&token);
	free(why);
	kube_auth_give(auth, cb, arg);
}

static void
kube_auth_exec_get(struct kube_auth *auth, kube_auth_cb cb, void *arg)
{
	struct kube_auth_waiter *w;
	char *why = NULL;

	if (auth->authz != NULL &&
	    (auth->expires_ms == 0 ||
	     clock_wall_ms() + KUBE_AUTH_EXPIRY_SKEW_MS < auth->expires_ms)) {
		kube_auth_give(auth, cb, arg);
		return;
	}
	w = xcalloc(1, sizeof *w);
	w->cb = cb;
	w->arg = arg;
	TAILQ_INSERT_TAIL(&auth->waiters, w, entry);
	if (auth->running)
		return;
	if (kube_auth_exec_start(auth->exec, kube_auth_on_exec, auth, &why) == 0)
		auth->running = 1;
	else {
		kube_auth_deliver(auth, NULL, why);
		free(why);
	}
}

void
kube_auth_get(struct kube_auth *auth, kube_auth_cb cb, void *arg)
{
	if (auth->closing) {
		cb(NULL, "the Kubernetes credentials were released", arg);
		return;
	}
	switch (auth->kind) {
	case KUBE_AUTH_NONE:
		cb(NULL, NULL, arg);
		break;
	case KUBE_AUTH_STATIC:
		kube_auth_give(auth, cb, arg);
		break;
	case KUBE_AUTH_FILE:
		kube_auth_file_get(auth, cb, arg);
		break;
	case KUBE_AUTH_EXEC:
		kube_auth_exec_get(auth, cb, arg);
		break;
	}
}

static void
kube_auth_cancel_in(struct kube_auth_waiters *list, kube_auth_cb cb, void *arg)
{
	struct kube_auth_waiter *w, *next;

	for (w = TAILQ_FIRST(list); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		if (w->cb == cb && w->arg == arg) {
			TAILQ_REMOVE(list, w, entry);
			free(w);
		}
	}
}

void
kube_auth_cancel(struct kube_auth *auth, kube_auth_cb cb, void *arg)
{
	kube_auth_cancel_in(&auth->waiters, cb, arg);
	kube_auth_cancel_in(&auth->delivering, cb, arg);
}

void
kube_auth_invalidate(struct kube_auth *auth)
{
	if (auth->kind != KUBE_AUTH_FILE && auth->kind != KUBE_AUTH_EXEC)
		return;
	kube_auth_drop_authz(auth);
	auth->expires_ms = 0;
}

static void
kube_auth_destroy(struct kube_auth *auth)
{
	kube_auth_exec_free(auth->exec);
	kube_auth_drop_authz(auth);
	free(auth->token_file);
	free(auth);
}

static void
kube_auth_release(struct kube_auth *auth)
{
	if (--auth->busy == 0 && auth->closing)
		kube_auth_destroy(auth);
}

void
kube_auth_free(struct kube_auth *auth)
{
	if (auth == NULL || auth->closing)
		return;
	auth->closing = 1;
	auth->busy++;
	kube_auth_deliver(auth, NULL, "the Kubernetes credentials were released");
	kube_auth_release(auth);
}
