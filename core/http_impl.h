/*
 * What core/http.c (the multi glue) and core/http_req.c (building requests
 * and reading answers) share; not for use outside them.
 */
#ifndef PCA_CORE_HTTP_IMPL_H
#define PCA_CORE_HTTP_IMPL_H

#include <sys/queue.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "core/http.h"

#define HTTP_DEFAULT_TIMEOUT_MS 30000
#define HTTP_DEFAULT_CONNECT_MS 10000
#define HTTP_DEFAULT_MAX_BODY   (1024 * 1024)
#define HTTP_MAX_HEADER_BYTES   (256 * 1024)
#define HTTP_MIN_CACHED_CONNS   64
#define HTTP_CALLBACKS_PER_PASS 64

#ifdef CURL_WRITEFUNC_ERROR
#define HTTP_WRITE_FAIL CURL_WRITEFUNC_ERROR
#else
#define HTTP_WRITE_FAIL 0
#endif

enum http_req_state {
	HTTP_REQ_NEW,       /* being built; owned by the caller */
	HTTP_REQ_QUEUED,    /* started from within curl; added once curl returns */
	HTTP_REQ_RUNNING,   /* in the multi */
	HTTP_REQ_CANCELLED, /* cancelled from within curl; removed once it returns */
	HTTP_REQ_DONE,      /* out of the multi, waiting for its callback */
	HTTP_REQ_CALLING,   /* its done callback is running */
};

/* Why a write callback stopped the transfer. */
enum http_abort {
	HTTP_ABORT_NONE,
	HTTP_ABORT_TOO_BIG,     /* the body passed its cap */
	HTTP_ABORT_HEADERS_BIG, /* the headers passed HTTP_MAX_HEADER_BYTES */
	HTTP_ABORT_DATA_CB,
};

struct http_hdr {
	char *name;
	char *value;
};

struct http_sock {
	struct event *ev;
	int what; /* CURL_POLL_* the event was made for */
	TAILQ_ENTRY(http_sock) entry;
};

struct http_req {
	struct http_client *c;
	enum http_req_state state;
	CURL *easy;
	char *method, *url;
	struct curl_slist *headers;
	int has_content_type;
	char *bad_header; /* the sentence a malformed header will fail with */
	char *body_out;
	size_t body_out_len;
	int has_body;
	uint64_t timeout_ms, connect_ms;
	long low_bytes, low_secs;
	size_t max_body;
	char *ca_file, *ca_pem, *cert_pem, *key_pem, *proxy;
	int insecure;
	http_data_cb data_cb;
	void *data_arg;
	http_done_cb done_cb;
	void *done_arg;

	long status; /* of the latest status line seen */
	struct http_hdr *hdrs;
	size_t nhdrs, hdrs_cap, hdr_bytes;
	struct buf body;
	enum http_abort abort;
	enum http_err err;
	uint64_t elapsed_us;
	char errbuf[CURL_ERROR_SIZE];

	TAILQ_ENTRY(http_req) entry;  /* c->reqs */
	TAILQ_ENTRY(http_req) qentry; /* c->startq, c->doomq or c->doneq */
};
TAILQ_HEAD(http_req_list, http_req);

struct http_client {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	struct event *dispatch;
	char *user_agent;
	unsigned active;
	long cache_size; /* CURLMOPT_MAXCONNECTS as last set */
	int in_curl;     /* inside curl_multi_socket_action() */
	int dispatching; /* inside http_on_dispatch() */
	int closing;     /* http_client_free() ran during a done callback */
	struct http_stats stats;
	struct http_req_list reqs;   /* every request not yet freed */
	struct http_req_list startq; /* QUEUED */
	struct http_req_list doomq;  /* CANCELLED */
	struct http_req_list doneq;  /* DONE */
	TAILQ_HEAD(, http_sock) socks;
};

/* core/http_req.c */
void http_req_free(struct http_req *r);
void http_hdrs_clear(struct http_req *r);
/* Sets the easy handle up from what the setters recorded; -1 after a failure it reports. */
int http_req_setup(struct http_req *r);

/* core/http.c */
void http_req_fail(struct http_req *r, const char *why);

#endif
