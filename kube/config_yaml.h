/*
 * The kubeconfig file as read by kube/config_yaml.c, before a context is
 * chosen: every cluster, user and context entry with the values it sets and
 * where each one was written, so that kube/config.c can name file:line:col
 * in what it finds wrong with the entries it uses. Also the bounded file
 * reads that kube/config.c and kube/auth.c share. Private to kube/.
 */
#ifndef PCA_KUBE_CONFIG_YAML_H
#define PCA_KUBE_CONFIG_YAML_H

#include <stddef.h>

/* One scalar: text (base64 already decoded, booleans as "true"/"false"). */
struct kube_config_val {
	char *s; /* NULL: not set (absent or null) */
	size_t len;
	unsigned long line, col; /* 1-based, of the key */
};

enum {
	KUBE_CONFIG_CL_SERVER,
	KUBE_CONFIG_CL_CA,
	KUBE_CONFIG_CL_CA_DATA,
	KUBE_CONFIG_CL_INSECURE,
	KUBE_CONFIG_CL_TLS_SERVER_NAME,
	KUBE_CONFIG_CL_PROXY_URL,
};

enum {
	KUBE_CONFIG_US_CERT,
	KUBE_CONFIG_US_CERT_DATA,
	KUBE_CONFIG_US_KEY,
	KUBE_CONFIG_US_KEY_DATA,
	KUBE_CONFIG_US_TOKEN,
	KUBE_CONFIG_US_TOKEN_FILE,
};

enum {
	KUBE_CONFIG_CX_CLUSTER,
	KUBE_CONFIG_CX_USER,
	KUBE_CONFIG_CX_NAMESPACE,
};

enum {
	KUBE_CONFIG_EX_COMMAND,
	KUBE_CONFIG_EX_API_VERSION,
	KUBE_CONFIG_EX_INSTALL_HINT,
	KUBE_CONFIG_EX_PROVIDE_CLUSTER_INFO,
	KUBE_CONFIG_EX_INTERACTIVE_MODE,
};

#define KUBE_CONFIG_NVALS 6

struct kube_config_exec_doc {
	struct kube_config_val key; /* where "exec:" is */
	struct kube_config_val v[KUBE_CONFIG_NVALS];
	char **args; /* NULL-terminated */
	size_t nargs;
	char **env; /* "NAME=value", NULL-terminated */
	size_t nenv;
};

/* A clusters[], users[] or contexts[] item. */
struct kube_config_entry {
	struct kube_config_val name;
	struct kube_config_val body; /* where "cluster:"/"user:"/"context:" is */
	struct kube_config_val v[KUBE_CONFIG_NVALS];
	struct kube_config_exec_doc *exec;
	struct kube_config_val unsupported; /* a user key not supported here */
	unsigned long line, col;            /* of the item */
};

struct kube_config_list {
	struct kube_config_entry *e;
	size_t n;
};

struct kube_config_doc {
	struct kube_config_val current_context;
	struct kube_config_list clusters, users, contexts;
};

/*
 * Reads a kubeconfig held in memory. name is for messages. 0 with *out, or
 * -1 with *cause ("name:line:col: path: problem"). Unknown keys are skipped.
 */
int kube_config_yaml_parse(const char *name, const char *data, size_t len,
                           struct kube_config_doc **out, char **cause);
void kube_config_yaml_free(struct kube_config_doc *doc);

/* Kubeconfig files and the certificates they name. */
#define KUBE_CONFIG_FILE_MAX (1024 * 1024)
/* Token files. */
#define KUBE_CONFIG_TOKEN_MAX (64 * 1024)

/*
 * Reads a whole file of at most max bytes: 0 with *out (NUL-terminated, the
 * caller's) and *len, or -1 with a sentence naming path in *cause.
 */
int kube_config_read_file(const char *path, size_t max, char **out, size_t *len, char **cause);
/*
 * Reads a bearer token file: its contents less surrounding white space. -1
 * with *cause naming path when it cannot be read, is empty or holds a
 * control character (which would break the header).
 */
int kube_config_read_token(const char *path, char **token, char **cause);

#endif
