/*
 * URLs as libcurl reads them (curl_url()), so that whatever checks a URL
 * sees exactly what curl will connect to: the host a credentials endpoint
 * is checked against, the Host header signed for AWS, the API server.
 */
#ifndef PCA_CORE_URL_H
#define PCA_CORE_URL_H

struct url {
	char *scheme;   /* lower case */
	char *host;     /* IPv6 addresses without brackets */
	char *hostport; /* host[:port] as in a Host header, IPv6 in brackets */
	char *path;     /* "/" when the URL has none */
	unsigned port;  /* 0 when none is given */
	int has_port, has_user, has_query, has_fragment;
};

/*
 * Parses text, an absolute URL with a scheme, into *out (which the caller
 * clears with url_clear()). -1 with *cause naming what curl refused.
 */
int url_parse(const char *text, struct url *out, char **cause);
void url_clear(struct url *u);

#endif
