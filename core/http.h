/*
 * HTTP client requests on the loop, through libcurl's multi interface.
 *
 * One struct http_client owns a curl multi handle whose sockets and timer
 * are libevent events on the loop; connections are kept alive and reused
 * between requests to the same host. Name resolution is asynchronous (checked
 * at creation). Nothing here blocks.
 *
 * A request is built with http_req_new() and the setters, then handed over
 * with http_req_start(); the setters may only be called before that.
 * Exactly one of these happens afterwards:
 *   - the done callback runs once, with the response or the failure; the
 *     request is freed when the callback returns;
 *   - http_req_cancel() is called before that; the callback never runs and the
 *     request is freed.
 * The request pointer must not be used after either.
 *
 * By default the response body is collected in memory up to a cap (1 MiB;
 * http_req_max_body), and a larger body fails the request with
 * HTTP_ERR_TOO_BIG. A streaming request (http_req_stream) instead hands each
 * chunk of body to a data callback as it arrives: that is how watches read
 * their newline-delimited JSON.
 *
 * TLS peers are always verified unless http_tls.insecure is set. Proxies
 * come from http_req_proxy() or, as with curl itself, from the environment:
 * http_proxy, https_proxy/HTTPS_PROXY and no_proxy/NO_PROXY are honoured
 * (uppercase HTTP_PROXY is not, by curl's design). ~/.netrc is never read.
 * Redirects are not followed: a 3xx is a response like any other.
 */
#ifndef PCA_CORE_HTTP_H
#define PCA_CORE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct event_base;
struct http_client;
struct http_req;

/* Not HTTP_OK: libevent's event2/http.h defines that as 200. */
enum http_err {
	HTTP_ERR_NONE,    /* a response arrived; look at the status */
	HTTP_ERR_TIMEOUT, /* the per-request timeout passed */
	HTTP_ERR_CONNECT, /* DNS, TCP connect or TLS handshake failed */
	HTTP_ERR_RESET,   /* the connection broke mid-request */
	HTTP_ERR_TOO_BIG, /* the body was larger than the cap */
	HTTP_ERR_ABORTED, /* the data callback asked to stop */
	HTTP_ERR_OTHER,
};

struct http_resp {
	enum http_err err;
	long status;        /* of the last response seen; 0 when none arrived */
	const char *errmsg; /* curl's description of err; "" on success */
	struct span body;   /* collected body (empty for streaming requests) */
	uint64_t elapsed_us;
	const struct http_req *req; /* for http_resp_header() */
};

/* TLS settings; the strings are copied at http_req_tls(). */
struct http_tls {
	const char *ca_file;  /* PEM bundle file, or NULL for the system store */
	const char *ca_pem;   /* PEM bundle in memory, or NULL */
	const char *cert_pem; /* client certificate chain in memory, or NULL */
	const char *key_pem;  /* client private key in memory, or NULL */
	int insecure;         /* skip verification (kubeconfig insecure-skip-tls-verify) */
};

typedef void (*http_done_cb)(const struct http_resp *resp, void *arg);
/* Gets each chunk of a streamed body; returns 0 to go on or -1 to abort. */
typedef int (*http_data_cb)(const char *p, size_t len, void *arg);

/* Counters since the client was created, for the metrics layer. */
struct http_stats {
	uint64_t started;   /* requests handed to http_req_start() */
	uint64_t finished;  /* done callbacks run, whatever the outcome */
	uint64_t cancelled; /* started requests cancelled before their callback */
	uint64_t failed;    /* finished with an err other than HTTP_ERR_NONE */
	uint64_t bytes_in;  /* response body bytes received */
	uint64_t bytes_out; /* request body bytes sent */
};

/* Creates a client on base; -1 with *cause if curl lacks asynchronous DNS. */
int http_client_create(struct event_base *base, const char *user_agent, struct http_client **out,
                       char **cause);
/*
 * Cancels every request still pending (no callbacks), frees those built but
 * never started too, and frees the client. May be called from a done
 * callback, not from a data callback.
 */
void http_client_free(struct http_client *c);
/* Requests started and not yet finished. */
unsigned http_client_active(const struct http_client *c);
/*
 * Caps the connections open to one host (0, the default, means no cap);
 * requests beyond it wait for a connection to come free. Keep it at 0 when
 * long-lived streams share the host over HTTP/1.1, or they can starve the rest.
 */
void http_client_max_host_connections(struct http_client *c, long n);
void http_client_stats(const struct http_client *c, struct http_stats *out);

struct http_req *http_req_new(struct http_client *c, const char *method, const char *url);
/*
 * Adds "Name: value"; both copied. A name or value holding a line break makes
 * the request fail with HTTP_ERR_OTHER when started. Without a Content-Type
 * header a request body is sent with none.
 */
void http_req_header(struct http_req *r, const char *name, const char *value);
/* Sets the request body (copied). */
void http_req_body(struct http_req *r, const void *p, size_t len);
/*
 * Total time allowed, in ms; 0 means none (watches). Default 30 s. Passing it
 * or the connect timeout (default 10 s) fails with HTTP_ERR_TIMEOUT.
 */
void http_req_timeout(struct http_req *r, uint64_t ms);
void http_req_connect_timeout(struct http_req *r, uint64_t ms);
/* Fails with HTTP_ERR_TIMEOUT when fewer than bytes arrive in secs seconds (dead peers). */
void http_req_low_speed(struct http_req *r, long bytes, long secs);
void http_req_max_body(struct http_req *r, size_t max);
void http_req_tls(struct http_req *r, const struct http_tls *tls);
void http_req_proxy(struct http_req *r, const char *proxy_url);
/* Streams the body to data_cb instead of collecting it; no cap applies. */
void http_req_stream(struct http_req *r, http_data_cb data_cb, void *arg);
/*
 * Hands the request to the loop; done_cb runs once unless cancelled first,
 * always from a later loop pass, never from within http_req_start(). A done
 * callback may start new requests and cancel others.
 */
void http_req_start(struct http_req *r, http_done_cb done_cb, void *arg);
/*
 * Stops and frees the request; its callbacks never run. Safe at any time
 * before the done callback runs (a no-op during it), including from within
 * any request's data callback. Before http_req_start() it just frees.
 */
void http_req_cancel(struct http_req *r);

/* Looks up a response header (case-insensitive); valid during the callback. */
const char *http_resp_header(const struct http_resp *resp, const char *name);

/*
 * Status of a response received while streaming, available from the first
 * body chunk on (0 before headers arrive).
 */
long http_req_status(const struct http_req *r);

const char *http_err_name(enum http_err err);

#endif
