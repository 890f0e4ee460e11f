/*
 * Running a client-go exec credential plugin on the loop, for kube/auth.c,
 * which caches what it returns and queues the gets that wait for it.
 * Private to kube/.
 */
#ifndef PCA_KUBE_AUTH_EXEC_H
#define PCA_KUBE_AUTH_EXEC_H

#include <stdint.h>

struct event_base;
struct kube_config;
struct kube_auth_exec;

/*
 * The outcome of a run: a token (borrowed for the call) and its expiry in
 * clock_wall_ms() terms (0 when the plugin gave none), or an error.
 */
typedef void (*kube_auth_exec_cb)(const char *token, int64_t expires_ms, const char *error,
                                  void *arg);

/* The plugin cfg->exec, with cfg's cluster for provideClusterInfo; copied. */
struct kube_auth_exec *kube_auth_exec_create(struct event_base *base,
                                             const struct kube_config *cfg);
/*
 * Kills what still runs (SIGKILL to the process groups), reaps it and frees
 * x; a pending cb is not called. Called from within cb, the free happens
 * when cb returns.
 */
void kube_auth_exec_free(struct kube_auth_exec *x);
void kube_auth_exec_set_timeout(struct kube_auth_exec *x, uint64_t ms);
const char *kube_auth_exec_command(const struct kube_auth_exec *x);
/*
 * Starts a run, one at a time: 0, and cb(arg) later from the loop (never
 * before this returns); or -1 with *cause when the plugin cannot be
 * started, and no callback.
 */
int kube_auth_exec_start(struct kube_auth_exec *x, kube_auth_exec_cb cb, void *arg, char **cause);

#endif
