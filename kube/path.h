/*
 * Request paths of the Kubernetes API: the path of a resource, a
 * collection or a subresource, query parameters, and the metric labels a
 * path stands for. Every path segment and query value is percent-encoded.
 */
#ifndef PCA_KUBE_PATH_H
#define PCA_KUBE_PATH_H

#include "core/buf.h"

struct kube_resource;

/*
 * Builds "/apis/<group>/<version>[/namespaces/<ns>]/<plural>[/<name>][/<sub>]"
 * (or "/api/v1/..." for the core group). ns, name, sub may be NULL.
 */
char *kube_path(const struct kube_resource *res, const char *ns, const char *name, const char *sub);
/* Appends "&key=value" (or "?key=value" first) with value URL-encoded. */
void kube_path_query_add(struct buf *path, const char *key, const char *value);
/*
 * The metric labels of a request path: *resource is the plural, with the
 * subresource after a slash ("certificaterequests/status"), or "unknown";
 * *collection is 1 when the path names no object (a GET of it is a LIST).
 * The caller frees *resource.
 */
void kube_path_describe(const char *path, char **resource, int *collection);

#endif
