/*
 * Request paths: where a resource type lives in the API
 * ("/apis/<group>/<version>[/namespaces/<ns>]/<plural>..."), query
 * parameters, and the resource a path names, for the request metrics.
 * Every path segment and query value is percent-encoded, so a name can
 * never add a path component or a parameter.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/codec.h"
#include "core/xmalloc.h"
#include "kube/client.h"
#include "kube/path.h"

/* Appends s percent-encoded: everything but RFC 3986's unreserved bytes. */
static void
kube_escape(struct buf *b, const char *s)
{
	codec_pct_encode(b, s, strlen(s), NULL);
}

static void
kube_path_segment(struct buf *b, const char *seg)
{
	buf_addc(b, '/');
	kube_escape(b, seg);
}

char *
kube_path(const struct kube_resource *res, const char *ns, const char *name, const char *sub)
{
	struct buf b = BUF_INIT;

	if (res->group == NULL || *res->group == '\0')
		buf_printf(&b, "/api/%s", res->version);
	else
		buf_printf(&b, "/apis/%s/%s", res->group, res->version);
	if (ns != NULL && *ns != '\0') {
		buf_adds(&b, "/namespaces");
		kube_path_segment(&b, ns);
	}
	buf_addc(&b, '/');
	buf_adds(&b, res->plural);
	if (name != NULL && *name != '\0')
		kube_path_segment(&b, name);
	if (sub != NULL && *sub != '\0')
		kube_path_segment(&b, sub);
	return buf_steal(&b);
}

void
kube_path_query_add(struct buf *path, const char *key, const char *value)
{
	buf_addc(path, memchr(buf_str(path), '?', path->len) != NULL ? '&' : '?');
	kube_escape(path, key);
	buf_addc(path, '=');
	kube_escape(path, value != NULL ? value : "");
}

static int
kube_is_ns_sub(const char *seg, size_t len)
{
	return (len == 6 && memcmp(seg, "status", 6) == 0) ||
	       (len == 8 && memcmp(seg, "finalize", 8) == 0);
}

/*
 * The metric labels of a request: the resource ("secrets",
 * "certificaterequests/status") and whether the path names a collection.
 */
void
kube_path_describe(const char *path, char **resource, int *collection)
{
	const char *segs[8], *end = strchr(path, '?'), *p = path, *q;
	size_t lens[8], n = 0, i = 0, nrest;

	if (end == NULL)
		end = path + strlen(path);
	while (p < end && n < 8) {
		while (p < end && *p == '/')
			p++;
		if (p == end)
			break;
		q = memchr(p, '/', (size_t)(end - p));
		if (q == NULL)
			q = end;
		segs[n] = p;
		lens[n++] = (size_t)(q - p);
		p = q;
	}
	if (n > 0 && lens[0] == 3 && memcmp(segs[0], "api", 3) == 0)
		i = 2;
	else if (n > 0 && lens[0] == 4 && memcmp(segs[0], "apis", 4) == 0)
		i = 3;
	else
		n = 0; /* /version, /healthz: not a resource */
	nrest = n > i ? n - i : 0;
	/* namespaces/<ns>/<plural>..., but namespaces/<ns>/status is the namespace's own. */
	if (nrest >= 3 && lens[i] == 10 && memcmp(segs[i], "namespaces", 10) == 0 &&
	    !(nrest == 3 && kube_is_ns_sub(segs[i + 2], lens[i + 2]))) {
		i += 2;
		nrest -= 2;
	}
	*collection = nrest == 1;
	if (nrest == 0)
		*resource = xstrdup("unknown");
	else if (nrest >= 3)
		*resource =
		    xasprintf("%.*s/%.*s", (int)lens[i], segs[i], (int)lens[i + 2], segs[i + 2]);
	else
		*resource = xstrndup(segs[i], lens[i]);
}
