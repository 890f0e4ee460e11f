/*
 * How to reach the Kubernetes API server and who to be there: kubeconfig
 * files (read with libyaml) and the in-cluster service-account set-up.
 *
 * Choice, as client-go makes it: --kubeconfig, else the first file named in
 * KUBECONFIG that exists (client-go merges all of them; only the first one
 * found is read here), else in-cluster when KUBERNETES_SERVICE_HOST is set,
 * else ~/.kube/config. In a kubeconfig: --context, else current-context.
 *
 * Credentials that change while the process runs stay live behind struct
 * kube_auth: a token file (the projected service-account token) is re-read
 * every minute and after a 401; an exec plugin (client.authentication.k8s.io
 * v1 or v1beta1 ExecCredential) is run without blocking the loop and its
 * answer cached until its expirationTimestamp or a 401.
 */
#ifndef PCA_KUBE_CONFIG_H
#define PCA_KUBE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct kube_auth;

/*
 * Where the in-cluster files are read from instead of
 * /var/run/secrets/kubernetes.io/serviceaccount: for tests and for set-ups
 * that mount the token elsewhere.
 */
#define KUBE_CONFIG_SA_DIR_ENV "PCA_SERVICEACCOUNT_DIR"
#define KUBE_CONFIG_SA_DIR     "/var/run/secrets/kubernetes.io/serviceaccount"

struct kube_exec {
	char *command; /* a name looked up in PATH, or a path */
	char **args;   /* NULL-terminated, without the command */
	char **env;    /* "NAME=value", NULL-terminated */
	char *api_version;
	char *install_hint;       /* NULL when the kubeconfig gives none */
	int provide_cluster_info; /* pass the cluster in KUBERNETES_EXEC_INFO */
};

struct kube_config {
	char *server;          /* "https://host:port[/prefix]", no trailing slash */
	char *ca_pem;          /* NULL: the system store */
	char *client_cert_pem; /* with client_key_pem, or both NULL */
	char *client_key_pem;
	int insecure; /* insecure-skip-tls-verify */
	char *tls_server_name;
	char *proxy_url;
	char *token;      /* a fixed bearer token */
	char *token_file; /* a bearer token re-read from a file */
	struct kube_exec *exec;
	char *namespace; /* the context's or the pod's namespace; "default" otherwise */
	char *origin;    /* "in-cluster" or the file path, for messages */
	char *context;   /* the context used; NULL in-cluster */
};

/*
 * Loads the configuration as described above into *out, which need not be
 * initialised. path and context may be NULL. Errors name the file and the
 * field, with line:column when there is one:
 *   /root/.kube/config:12:5: users[0].user.client-key-data: not valid base64
 * Certificate and key files are read, and checked to hold PEM, at load.
 * On -1, *out is cleared.
 */
int kube_config_load(const char *path, const char *context, struct kube_config *out, char **cause);
/*
 * A kubeconfig held in memory: name is its file name, used in messages and
 * as the base of relative paths. For tests and fuzzing.
 */
int kube_config_load_buffer(const char *name, const char *data, size_t len, const char *context,
                            struct kube_config *out, char **cause);
/*
 * The in-cluster configuration only: KUBERNETES_SERVICE_HOST/PORT, the
 * service-account token file (checked to be readable) and ca.crt, the
 * namespace from POD_NAMESPACE or the service-account namespace file.
 */
int kube_config_in_cluster(struct kube_config *out, char **cause);
/* Frees what cfg holds and zeroes it; a zeroed cfg is fine. */
void kube_config_clear(struct kube_config *cfg);

typedef void (*kube_auth_cb)(const char *authorization /* "Bearer ..." or NULL */,
                             const char *error, void *arg);

/*
 * The live credentials for cfg (copied). Which ones, as client-go picks
 * them: token_file, else token, else none when a client certificate is set,
 * else exec.
 */
struct kube_auth *kube_auth_create(struct event_base *base, const struct kube_config *cfg);
/*
 * Stops a running exec plugin (SIGKILL to its process group) and frees
 * auth. Callbacks still waiting are called with an error first, so that
 * what they own is released. Called from inside a kube_auth callback, the
 * free happens once the callbacks of that run are done.
 */
void kube_auth_free(struct kube_auth *auth);
/*
 * The Authorization header value: at once when cached (before returning; a
 * NULL value means none is needed, e.g. client certificates), or after a
 * token file read or an exec plugin run. Exactly one of authorization and
 * error is set, except that both are NULL when no header is needed. Calls
 * made while a plugin runs wait for that run.
 */
void kube_auth_get(struct kube_auth *auth, kube_auth_cb cb, void *arg);
/*
 * Withdraws a get that is still waiting (matched by cb and arg): after it
 * returns that callback is not called. A no-op when none is waiting.
 */
void kube_auth_cancel(struct kube_auth *auth, kube_auth_cb cb, void *arg);
/* Forgets the cached token after a 401, so the next get reloads it. */
void kube_auth_invalidate(struct kube_auth *auth);
/* How long an exec plugin may run before it is killed; 60 s by default. */
void kube_auth_set_exec_timeout(struct kube_auth *auth, uint64_t ms);

#endif
