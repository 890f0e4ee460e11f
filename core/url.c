/*
 * URL parsing through libcurl's URL API (see url.h). curl is asked for each
 * part as it will use it; nothing is taken apart by hand.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "core/url.h"
#include "core/xmalloc.h"

void
url_clear(struct url *u)
{
	free(u->scheme);
	free(u->host);
	free(u->hostport);
	free(u->path);
	memset(u, 0, sizeof *u);
}

/* A part of h as a string of ours, or NULL when the URL has none. */
static char *
url_part(CURLU *h, CURLUPart what)
{
	char *v = NULL, *copy;

	if (curl_url_get(h, what, &v, 0) != CURLUE_OK || v == NULL)
		return NULL;
	copy = xstrdup(v);
	curl_free(v);
	return copy;
}

int
url_parse(const char *text, struct url *out, char **cause)
{
	CURLU *h = curl_url();
	CURLUcode rc;
	char *port, *user, *query, *fragment;

	memset(out, 0, sizeof *out);
	if (h == NULL)
		fatalx("libcurl cannot allocate a URL handle");
	if ((rc = curl_url_set(h, CURLUPART_URL, text, 0)) != CURLUE_OK) {
		*cause = xstrdup(curl_url_strerror(rc));
		curl_url_cleanup(h);
		return -1;
	}
	out->scheme = url_part(h, CURLUPART_SCHEME);
	out->host = url_part(h, CURLUPART_HOST);
	out->path = url_part(h, CURLUPART_PATH);
	port = url_part(h, CURLUPART_PORT);
	user = url_part(h, CURLUPART_USER);
	query = url_part(h, CURLUPART_QUERY);
	fragment = url_part(h, CURLUPART_FRAGMENT);
	out->has_port = port != NULL;
	out->has_user = user != NULL;
	out->has_query = query != NULL;
	out->has_fragment = fragment != NULL;
	out->port = port != NULL ? (unsigned)strtoul(port, NULL, 10) : 0;
	curl_url_cleanup(h);
	if (out->scheme == NULL || out->host == NULL || *out->host == '\0') {
		*cause = xstrdup("No host part in the URL");
		free(port);
		free(user);
		free(query);
		free(fragment);
		url_clear(out);
		return -1;
	}
	if (out->path == NULL)
		out->path = xstrdup("/");
	/* curl hands IPv6 hosts back in brackets; the Host header wants them so. */
	if (out->host[0] == '[') {
		char *bare = xstrndup(out->host + 1, strlen(out->host) - 2);

		out->hostport =
		    port != NULL ? xasprintf("%s:%s", out->host, port) : xstrdup(out->host);
		free(out->host);
		out->host = bare;
	} else
		out->hostport =
		    port != NULL ? xasprintf("%s:%s", out->host, port) : xstrdup(out->host);
	free(port);
	free(user);
	free(query);
	free(fragment);
	return 0;
}
