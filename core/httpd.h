/*
 * A small HTTP/1.1 server on the loop (libevent's evhttp) for the metrics
 * and probe endpoints: GET and HEAD only, exact path routes, small requests,
 * a timeout so a slow or idle client cannot hold a connection forever.
 *
 * Handlers answer synchronously: they call httpd_reply() once before they
 * return (a handler that does not gets a 500 sent for it). For HEAD, the
 * reply carries the headers and Content-Length of the body without the body.
 */
#ifndef PCA_CORE_HTTPD_H
#define PCA_CORE_HTTPD_H

#include <stddef.h>

struct event_base;
struct httpd;
struct httpd_req;

typedef void (*httpd_handler)(struct httpd_req *req, void *arg);

/*
 * Listens on bind, "host:port", ":port" (every interface, IPv6 and IPv4) or
 * "[v6addr]:port"; port 0 picks a free port (see httpd_port). Returns -1 and a
 * sentence in *cause (caller frees) such as
 *   cannot listen on :8080: Address already in use
 * The host is resolved with getaddrinfo, which may block: call at start-up.
 */
int httpd_create(struct event_base *base, const char *bind, struct httpd **out, char **cause);
/* Closes the listener and every connection. Not from inside a handler. */
void httpd_free(struct httpd *h);

/* Serves path (exact match, query ignored) with fn(req, arg); replaces an earlier route. */
void httpd_route(struct httpd *h, const char *path, httpd_handler fn, void *arg);
/* The bound port. */
int httpd_port(const struct httpd *h);
/* Time a connection may stay idle or take to send a request; default 15 s. */
void httpd_set_timeout(struct httpd *h, unsigned ms);

/* The request path, without the query. Valid during the handler. */
const char *httpd_req_path(const struct httpd_req *r);
/* The raw query string after '?', or NULL. Valid during the handler. */
const char *httpd_req_query(const struct httpd_req *r);
/* Whether the query has parameter name ("?verbose", "?verbose=1"). */
int httpd_req_has_param(const struct httpd_req *r, const char *name);
int httpd_req_is_head(const struct httpd_req *r);
/* A request header, case-insensitive, or NULL. Valid during the handler. */
const char *httpd_req_header(const struct httpd_req *r, const char *name);

/* Sends the response; body is copied. A second call is ignored. */
void httpd_reply(struct httpd_req *r, int status, const char *content_type, const void *body,
                 size_t len);

#endif
