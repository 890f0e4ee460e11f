/*
 * The in-cluster configuration: the API server from the service
 * environment variables, the ServiceAccount's token, CA bundle and
 * namespace from the files the kubelet mounts.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "kube/config.h"
#include "kube/config_yaml.h"

/* https://host:port, with an IPv6 address in brackets. */
static char *
kube_config_in_cluster_server(const char *host, const char *port)
{
	if (strchr(host, ':') != NULL && host[0] != '[')
		return xasprintf("https://[%s]:%s", host, port);
	return xasprintf("https://%s:%s", host, port);
}

/* POD_NAMESPACE, else the service-account namespace file, else "default". */
static char *
kube_config_in_cluster_ns(const char *dir)
{
	const char *env = getenv("POD_NAMESPACE");
	char *path, *ns = NULL, *why = NULL;

	if (env != NULL && *env != '\0')
		return xstrdup(env);
	path = xasprintf("%s/namespace", dir);
	if (kube_config_read_token(path, &ns, &why) == -1) {
		free(why);
		ns = xstrdup("default");
	}
	free(path);
	return ns;
}

int
kube_config_in_cluster(struct kube_config *out, char **cause)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	const char *dir = getenv(KUBE_CONFIG_SA_DIR_ENV);
	char *token = NULL, *why = NULL, *ca;
	size_t len;

	memset(out, 0, sizeof *out);
	if (host == NULL || *host == '\0' || port == NULL || *port == '\0') {
		*cause = xstrdup("not in a cluster: KUBERNETES_SERVICE_HOST and "
		                 "KUBERNETES_SERVICE_PORT must both be set");
		return -1;
	}
	if (dir == NULL || *dir == '\0')
		dir = KUBE_CONFIG_SA_DIR;
	out->token_file = xasprintf("%s/token", dir);
	if (kube_config_read_token(out->token_file, &token, &why) == -1) {
		*cause = xasprintf("in-cluster: %s", why);
		free(why);
		kube_config_clear(out);
		return -1;
	}
	free(token);
	ca = xasprintf("%s/ca.crt", dir);
	if (kube_config_read_file(ca, KUBE_CONFIG_FILE_MAX, &out->ca_pem, &len, &why) == -1) {
		log_warn("in-cluster: no CA bundle, using the system store", "error", why);
		free(why);
	}
	free(ca);
	out->server = kube_config_in_cluster_server(host, port);
	out->namespace = kube_config_in_cluster_ns(dir);
	out->origin = xstrdup("in-cluster");
	return 0;
}
