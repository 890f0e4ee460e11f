/*
 * The HTTP server for metrics and probes, on evhttp. The listening socket is
 * made here rather than by evhttp_bind_socket so that a failure can say which
 * address and why, and so that ":port" is one dual-stack socket as in Go.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "core/httpd.h"
#include "core/xmalloc.h"

#define HTTPD_MAX_HEADERS 8192
#define HTTPD_MAX_BODY    4096
#define HTTPD_BACKLOG     128
#define HTTPD_TIMEOUT_MS  15000

struct httpd_route {
	char *path;
	httpd_handler fn;
	void *arg;
	struct httpd_route *next;
};

struct httpd {
	struct evhttp *http;
	struct httpd_route *routes;
	int port;
};

struct httpd_req {
	struct evhttp_request *ev;
	const char *path;
	const char *query;
	int replied;
};

/*
 * Splits "host:port", ":port" or "[v6]:port" into an allocated host ("" for
 * every interface) and a port string that points into bind.
 */
static int
httpd_split(const char *bind, char **host, const char **port, char **cause)
{
	const char *colon, *end;
	char *stop;
	long n;

	if (bind[0] == '[') {
		end = strchr(bind, ']');
		if (end == NULL || end[1] != ':')
			goto bad;
		*host = xstrndup(bind + 1, (size_t)(end - bind - 1));
		colon = end + 1;
	} else {
		colon = strrchr(bind, ':');
		if (colon == NULL || memchr(bind, ':', (size_t)(colon - bind)) != NULL)
			goto bad;
		*host = xstrndup(bind, (size_t)(colon - bind));
	}
	*port = colon + 1;
	errno = 0;
	n = strtol(*port, &stop, 10);
	if (**port < '0' || **port > '9' || *stop != '\0' || errno != 0 || n > 65535) {
		xfree_ptr(host);
		*cause = xasprintf("cannot listen on %s: bad port \"%s\"", bind, *port);
		return -1;
	}
	return 0;
bad:
	*cause = xasprintf("cannot listen on %s: expected host:port, such as \":8080\", "
	                   "\"127.0.0.1:8080\" or \"[::1]:8080\"",
	                   bind);
	return -1;
}

/* Makes a listening socket for ai; returns the fd, or -1 with errno set. */
static int
httpd_socket(const struct addrinfo *ai, int dual_stack)
{
	int fd, on = 1, off = 0, saved;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
	    (dual_stack && ai->ai_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) != 0) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, HTTPD_BACKLOG) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * Resolves host and listens on the first address that works. An empty host
 * means every interface: one IPv6 socket that also takes IPv4, or an IPv4
 * socket where the kernel has no IPv6.
 */
static int
httpd_listen(const char *bind, const char *host, const char *port, char **cause)
{
	static const int families[] = {AF_INET6, AF_INET};
	struct addrinfo hints, *res, *ai;
	int fd = -1, err = 0, rc;
	size_t i;

	for (i = 0; i < (*host == '\0' ? 2 : 1) && fd == -1; i++) {
		err = 0;
		memset(&hints, 0, sizeof hints);
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
		hints.ai_family = *host == '\0' ? families[i] : AF_UNSPEC;
		rc = getaddrinfo(*host == '\0' ? NULL : host, port, &hints, &res);
		if (rc != 0) {
			if (*host == '\0' && i == 0)
				continue;
			*cause = xasprintf("cannot listen on %s: %s", bind, gai_strerror(rc));
			return -1;
		}
		for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next) {
			if ((fd = httpd_socket(ai, *host == '\0')) == -1 && err == 0)
				err = errno;
		}
		freeaddrinfo(res);
		if (fd == -1 && err != EAFNOSUPPORT)
			break;
	}
	if (fd == -1)
		*cause = xasprintf("cannot listen on %s: %s", bind, strerror(err));
	return fd;
}

static int
httpd_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static struct httpd_route *
httpd_find(const struct httpd *h, const char *path)
{
	struct httpd_route *r;

	for (r = h->routes; r != NULL; r = r->next) {
		if (strcmp(r->path, path) == 0)
			return r;
	}
	return NULL;
}

static void
httpd_on_request(struct evhttp_request *ev, void *arg)
{
	struct httpd *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(ev);
	struct httpd_req req = {ev, NULL, NULL, 0};
	struct httpd_route *route;
	static const char not_found[] = "404 page not found\n";
	static const char bad_method[] = "405 method not allowed\n";

	req.path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	req.query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	if (req.path == NULL || *req.path == '\0')
		req.path = "/";
	if ((route = httpd_find(h, req.path)) == NULL) {
		httpd_reply(&req, 404, "text/plain; charset=utf-8", not_found,
		            sizeof not_found - 1);
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(ev), "Allow", "GET, HEAD");
		httpd_reply(&req, 405, "text/plain; charset=utf-8", bad_method,
		            sizeof bad_method - 1);
		return;
	}
	route->fn(&req, route->arg);
	if (!req.replied)
		httpd_reply(&req, 500, "text/plain; charset=utf-8", "no response\n", 12);
}

int
httpd_create(struct event_base *base, const char *bind, struct httpd **out, char **cause)
{
	struct httpd *h;
	const char *port;
	char *host;
	int fd;

	*out = NULL;
	if (httpd_split(bind, &host, &port, cause) != 0)
		return -1;
	fd = httpd_listen(bind, host, port, cause);
	free(host);
	if (fd == -1)
		return -1;
	h = xcalloc(1, sizeof *h);
	h->port = httpd_local_port(fd);
	if ((h->http = evhttp_new(base)) == NULL ||
	    evhttp_accept_socket_with_handle(h->http, fd) == NULL)
		fatalx("libevent cannot serve HTTP on %s", bind);
	evhttp_set_max_headers_size(h->http, HTTPD_MAX_HEADERS);
	evhttp_set_max_body_size(h->http, HTTPD_MAX_BODY);
	/* Every method reaches httpd_on_request, which answers 405 itself. */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
	                                        EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	                                        EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	                                        EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(h->http, httpd_on_request, h);
	httpd_set_timeout(h, HTTPD_TIMEOUT_MS);
	*out = h;
	return 0;
}

void
httpd_free(struct httpd *h)
{
	struct httpd_route *r;

	if (h == NULL)
		return;
	evhttp_free(h->http); /* closes the listener and the connections */
	while ((r = h->routes) != NULL) {
		h->routes = r->next;
		free(r->path);
		free(r);
	}
	free(h);
}

void
httpd_route(struct httpd *h, const char *path, httpd_handler fn, void *arg)
{
	struct httpd_route *r;

	if ((r = httpd_find(h, path)) == NULL) {
		r = xcalloc(1, sizeof *r);
		r->path = xstrdup(path);
		r->next = h->routes;
		h->routes = r;
	}
	r->fn = fn;
	r->arg = arg;
}

int
httpd_port(const struct httpd *h)
{
	return h->port;
}

void
httpd_set_timeout(struct httpd *h, unsigned ms)
{
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};

	evhttp_set_timeout_tv(h->http, &tv);
}

const char *
httpd_req_path(const struct httpd_req *r)
{
	return r->path;
}

const char *
httpd_req_query(const struct httpd_req *r)
{
	return r->query;
}

int
httpd_req_has_param(const struct httpd_req *r, const char *name)
{
	size_t n = strlen(name);
	const char *p = r->query;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, n) == 0 && (p[n] == '\0' || p[n] == '=' || p[n] == '&'))
			return 1;
		if ((p = strchr(p, '&')) != NULL)
			p++;
	}
	return 0;
}

int
httpd_req_is_head(const struct httpd_req *r)
{
	return evhttp_request_get_command(r->ev) == EVHTTP_REQ_HEAD;
}

const char *
httpd_req_header(const struct httpd_req *r, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(r->ev), name);
}

void
httpd_reply(struct httpd_req *r, int status, const char *content_type, const void *body, size_t len)
{
	struct evkeyvalq *hdrs = evhttp_request_get_output_headers(r->ev);
	char clen[32];

	if (r->replied)
		return;
	r->replied = 1;
	evhttp_add_header(hdrs, "Content-Type", content_type);
	evhttp_add_header(hdrs, "X-Content-Type-Options", "nosniff");
	/* Always given, so that HEAD and HTTP/1.0 clients see the same length as GET. */
	snprintf(clen, sizeof clen, "%zu", len);
	evhttp_add_header(hdrs, "Content-Length", clen);
	if (!httpd_req_is_head(r) && len > 0)
		evbuffer_add(evhttp_request_get_output_buffer(r->ev), body, len);
	evhttp_send_reply(r->ev, status, NULL, NULL);
}
