/*
 * HTTP requests through libcurl's multi interface, driven by the loop.
 *
 * curl tells us which sockets to watch (http_on_socket) and when to wake it
 * (http_on_timeout); both only arrange libevent events. Those events call
 * curl_multi_socket_action() through http_client_act(), the only place that
 * runs curl's state machine. Everything a caller can do while curl is running
 * (cancel or start a request from a data callback) is only noted there and
 * carried out by http_client_settle() once curl has returned. Done callbacks
 * run from their own event (http_on_dispatch), never from within curl.
 *
 * A request moves through
 *   NEW -> [QUEUED ->] RUNNING -> DONE -> CALLING -> freed
 * and leaves through the cancel path from any state before CALLING.
 */
#include <sys/queue.h>

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "core/http.h"
#include "core/log.h"
#include "core/xmalloc.h"

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

static int http_curl_ready;

static void http_client_settle(struct http_client *c);
static void http_req_free(struct http_req *r);
static void http_hdrs_clear(struct http_req *r);

const char *
http_err_name(enum http_err err)
{
	static const char *const names[] = {"ok",      "timeout", "connect", "reset",
	                                    "too_big", "aborted", "other"};

	return (unsigned)err < sizeof names / sizeof names[0] ? names[err] : "other";
}

/* Runs curl's state machine for one socket (or the timer), then settles. */
static void
http_client_act(struct http_client *c, curl_socket_t s, int flags)
{
	int running;
	CURLMcode mc;

	c->in_curl = 1;
	mc = curl_multi_socket_action(c->multi, s, flags, &running);
	c->in_curl = 0;
	if (mc != CURLM_OK)
		log_warn("curl_multi_socket_action failed", "error", curl_multi_strerror(mc));
	http_client_settle(c);
}

/* A curl socket is ready; arg is the client, as the socket struct may go. */
static void
http_on_sock_event(evutil_socket_t fd, short events, void *arg)
{
	int flags = 0;

	if (events & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (events & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	http_client_act(arg, fd, flags);
}

static void
http_on_timer(evutil_socket_t fd, short events, void *arg)
{
	http_client_act(arg, CURL_SOCKET_TIMEOUT, 0);
}

static void
http_sock_free(struct http_client *c, struct http_sock *hs)
{
	TAILQ_REMOVE(&c->socks, hs, entry);
	event_free(hs->ev);
	free(hs);
}

/* CURLMOPT_SOCKETFUNCTION: keeps one persistent event per socket in step with curl. */
static int
http_on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct http_client *c = userp;
	struct http_sock *hs = socketp;
	short events = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (hs != NULL)
			http_sock_free(c, hs);
		return 0;
	}
	if (hs != NULL && hs->what == what)
		return 0;
	if (hs == NULL) {
		hs = xcalloc(1, sizeof *hs);
		TAILQ_INSERT_TAIL(&c->socks, hs, entry);
		curl_multi_assign(c->multi, s, hs);
	} else
		event_free(hs->ev);
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	hs->what = what;
	hs->ev = event_new(c->base, s, events, http_on_sock_event, c);
	if (hs->ev == NULL || event_add(hs->ev, NULL) != 0)
		fatalx("libevent cannot watch a curl socket");
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: only arms or clears the one timer; curl is never called here. */
static int
http_on_timeout(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_client *c = userp;
	struct timeval tv;

	if (timeout_ms < 0) {
		evtimer_del(c->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(c->timer, &tv);
	return 0;
}

/* Queues a request for its done callback, out of the multi already. */
static void
http_req_finish(struct http_req *r)
{
	struct http_client *c = r->c;

	r->state = HTTP_REQ_DONE;
	TAILQ_INSERT_TAIL(&c->doneq, r, qentry);
	event_active(c->dispatch, EV_TIMEOUT, 0);
}

/* Fails a request that never reached curl, with a sentence of ours. */
static void
http_req_fail(struct http_req *r, const char *why)
{
	r->err = HTTP_ERR_OTHER;
	snprintf(r->errbuf, sizeof r->errbuf, "%s", why);
	http_req_finish(r);
}

static enum http_err
http_map_result(const struct http_req *r, CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return HTTP_ERR_NONE;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_ERR_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
		return HTTP_ERR_CONNECT;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2_STREAM:
		return HTTP_ERR_RESET;
	case CURLE_FILESIZE_EXCEEDED:
		return HTTP_ERR_TOO_BIG;
	case CURLE_WRITE_ERROR:
		if (r->abort == HTTP_ABORT_TOO_BIG || r->abort == HTTP_ABORT_HEADERS_BIG)
			return HTTP_ERR_TOO_BIG;
		if (r->abort == HTTP_ABORT_DATA_CB)
			return HTTP_ERR_ABORTED;
		return HTTP_ERR_OTHER;
	default:
		return HTTP_ERR_OTHER;
	}
}

/* Records how a transfer curl has finished (and we removed) ended. */
static void
http_req_complete(struct http_req *r, CURLcode rc)
{
	curl_off_t t = 0, up = 0;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
	if (curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME_T, &t) == CURLE_OK && t > 0)
		r->elapsed_us = (uint64_t)t;
	if (curl_easy_getinfo(r->easy, CURLINFO_SIZE_UPLOAD_T, &up) == CURLE_OK && up > 0)
		r->c->stats.bytes_out += (uint64_t)up;
	r->err = http_map_result(r, rc);
	if (r->abort == HTTP_ABORT_HEADERS_BIG)
		snprintf(r->errbuf, sizeof r->errbuf,
		         "the response headers are larger than %d bytes", HTTP_MAX_HEADER_BYTES);
	else if (r->err == HTTP_ERR_TOO_BIG)
		snprintf(r->errbuf, sizeof r->errbuf, "the response body is larger than %zu bytes",
		         r->max_body);
	else if (r->err == HTTP_ERR_ABORTED)
		snprintf(r->errbuf, sizeof r->errbuf, "the data callback stopped the transfer");
	else if (rc != CURLE_OK && r->errbuf[0] == '\0')
		snprintf(r->errbuf, sizeof r->errbuf, "%s", curl_easy_strerror(rc));
	else if (rc == CURLE_OK)
		r->errbuf[0] = '\0';
	http_req_finish(r);
}

/* Takes a request out of the client's books and frees it. */
static void
http_req_drop(struct http_req *r)
{
	TAILQ_REMOVE(&r->c->reqs, r, entry);
	http_req_free(r);
}

/*
 * Sizes curl's connection cache to four per request in flight, at least
 * HTTP_MIN_CACHED_CONNS. curl counts busy connections against the cap too and
 * closes the oldest idle one whenever a transfer ends above it: with a fixed
 * cap below the number in flight, nearly every request would open a new
 * connection. Only called outside curl's callbacks.
 */
static void
http_client_fit_cache(struct http_client *c)
{
	long want = (long)c->active * 4;

	if (want < HTTP_MIN_CACHED_CONNS)
		want = HTTP_MIN_CACHED_CONNS;
	if (want != c->cache_size) {
		curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, want);
		c->cache_size = want;
	}
}

/* Hands a request to the multi, or fails it if curl will not take it. */
static void
http_req_add(struct http_req *r)
{
	CURLMcode mc;

	http_client_fit_cache(r->c);
	mc = curl_multi_add_handle(r->c->multi, r->easy);

	if (mc != CURLM_OK) {
		http_req_fail(r, curl_multi_strerror(mc));
		return;
	}
	r->state = HTTP_REQ_RUNNING;
}

/*
 * Carries out what had to wait for curl to return: collects every finished
 * transfer (copying the result before removing the handle), removes what was
 * cancelled, adds what was started.
 */
static void
http_client_settle(struct http_client *c)
{
	struct http_req *r;
	CURLMsg *msg;
	CURLcode rc;
	CURL *easy;
	int left;
	char *priv;

	while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		rc = msg->data.result;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		r = (struct http_req *)(void *)priv;
		curl_multi_remove_handle(c->multi, easy);
		if (r->state == HTTP_REQ_CANCELLED) {
			TAILQ_REMOVE(&c->doomq, r, qentry);
			http_req_drop(r);
		} else
			http_req_complete(r, rc);
	}
	while ((r = TAILQ_FIRST(&c->doomq)) != NULL) {
		TAILQ_REMOVE(&c->doomq, r, qentry);
		curl_multi_remove_handle(c->multi, r->easy);
		http_req_drop(r);
	}
	while ((r = TAILQ_FIRST(&c->startq)) != NULL) {
		TAILQ_REMOVE(&c->startq, r, qentry);
		http_req_add(r);
	}
}

/* Runs one done callback and frees its request. */
static void
http_req_deliver(struct http_req *r)
{
	struct http_client *c = r->c;
	struct http_resp resp;

	memset(&resp, 0, sizeof resp);
	resp.err = r->err;
	resp.status = r->status;
	resp.errmsg = r->errbuf;
	resp.body.p = buf_str(&r->body);
	resp.body.len = r->body.len;
	resp.elapsed_us = r->elapsed_us;
	resp.req = r;

	r->state = HTTP_REQ_CALLING;
	c->active--;
	c->stats.finished++;
	if (r->err != HTTP_ERR_NONE)
		c->stats.failed++;
	r->done_cb(&resp, r->done_arg);
	http_req_drop(r);
}

static void http_client_destroy(struct http_client *c);

/* Runs queued done callbacks, a bounded number per loop pass. */
static void
http_on_dispatch(evutil_socket_t fd, short events, void *arg)
{
	struct http_client *c = arg;
	struct http_req *r;
	int n = 0;

	c->dispatching = 1;
	while (!c->closing && n++ < HTTP_CALLBACKS_PER_PASS &&
	       (r = TAILQ_FIRST(&c->doneq)) != NULL) {
		TAILQ_REMOVE(&c->doneq, r, qentry);
		http_req_deliver(r);
	}
	c->dispatching = 0;
	if (c->closing)
		http_client_destroy(c);
	else if (!TAILQ_EMPTY(&c->doneq))
		event_active(c->dispatch, EV_TIMEOUT, 0);
}

int
http_client_create(struct event_base *base, const char *user_agent, struct http_client **out,
                   char **cause)
{
	const curl_version_info_data *v;
	struct http_client *c;

	if (!http_curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			*cause = xstrdup("libcurl failed to initialise");
			return -1;
		}
		http_curl_ready = 1;
	}
	v = curl_version_info(CURLVERSION_NOW);
	if (!(v->features & CURL_VERSION_ASYNCHDNS)) {
		*cause =
		    xasprintf("libcurl %s resolves names synchronously, which would stall "
		              "the event loop; use a build with the threaded resolver or c-ares",
		              v->version);
		return -1;
	}

	c = xcalloc(1, sizeof *c);
	c->base = base;
	c->user_agent = user_agent != NULL ? xstrdup(user_agent) : NULL;
	TAILQ_INIT(&c->reqs);
	TAILQ_INIT(&c->startq);
	TAILQ_INIT(&c->doomq);
	TAILQ_INIT(&c->doneq);
	TAILQ_INIT(&c->socks);
	c->timer = evtimer_new(base, http_on_timer, c);
	c->dispatch = event_new(base, -1, 0, http_on_dispatch, c);
	c->multi = curl_multi_init();
	if (c->timer == NULL || c->dispatch == NULL || c->multi == NULL)
		fatalx("cannot set up the HTTP client");
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, http_on_socket);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, http_on_timeout);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	http_client_fit_cache(c);
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
	curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	*out = c;
	return 0;
}

static void
http_client_destroy(struct http_client *c)
{
	struct http_sock *hs;

	curl_multi_cleanup(c->multi);
	/* curl normally removes each socket while closing; these are stragglers. */
	while ((hs = TAILQ_FIRST(&c->socks)) != NULL)
		http_sock_free(c, hs);
	event_free(c->timer);
	event_free(c->dispatch);
	free(c->user_agent);
	free(c);
}

void
http_client_free(struct http_client *c)
{
	struct http_req *r, *next;

	if (c == NULL)
		return;
	if (c->in_curl)
		fatalx("http_client_free called from within a data callback");
	for (r = TAILQ_FIRST(&c->reqs); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		switch (r->state) {
		case HTTP_REQ_CALLING:
			continue; /* http_req_deliver frees it when the callback returns */
		case HTTP_REQ_RUNNING:
			curl_multi_remove_handle(c->multi, r->easy);
			break;
		case HTTP_REQ_CANCELLED:
			TAILQ_REMOVE(&c->doomq, r, qentry);
			curl_multi_remove_handle(c->multi, r->easy);
			break;
		case HTTP_REQ_QUEUED:
			TAILQ_REMOVE(&c->startq, r, qentry);
			break;
		case HTTP_REQ_DONE:
			TAILQ_REMOVE(&c->doneq, r, qentry);
			break;
		case HTTP_REQ_NEW:
			break;
		}
		http_req_drop(r);
	}
	c->active = 0;
	if (c->dispatching)
		c->closing = 1;
	else
		http_client_destroy(c);
}

unsigned
http_client_active(const struct http_client *c)
{
	return c->active;
}

void
http_client_max_host_connections(struct http_client *c, long n)
{
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, n < 0 ? 0L : n);
}

void
http_client_stats(const struct http_client *c, struct http_stats *out)
{
	*out = c->stats;
}

struct http_req *
http_req_new(struct http_client *c, const char *method, const char *url)
{
	struct http_req *r = xcalloc(1, sizeof *r);

	r->c = c;
	r->state = HTTP_REQ_NEW;
	r->method = xstrdup(method);
	r->url = xstrdup(url);
	r->timeout_ms = HTTP_DEFAULT_TIMEOUT_MS;
	r->connect_ms = HTTP_DEFAULT_CONNECT_MS;
	r->max_body = HTTP_DEFAULT_MAX_BODY;
	buf_init(&r->body);
	TAILQ_INSERT_TAIL(&c->reqs, r, entry);
	return r;
}

static void
http_req_free(struct http_req *r)
{
	if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	http_hdrs_clear(r);
	free(r->hdrs);
	buf_free(&r->body);
	free(r->method);
	free(r->url);
	free(r->bad_header);
	free(r->body_out);
	free(r->ca_file);
	free(r->ca_pem);
	free(r->cert_pem);
	free(r->key_pem);
	free(r->proxy);
	free(r);
}

/* Appends one line, as curl reads it, to the request headers. */
static void
http_req_header_line(struct http_req *r, const char *line)
{
	struct curl_slist *l = curl_slist_append(r->headers, line);

	if (l == NULL)
		fatalx("out of memory adding a request header");
	r->headers = l;
}

void
http_req_header(struct http_req *r, const char *name, const char *value)
{
	char *line;

	if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL || *name == '\0') {
		if (r->bad_header == NULL)
			r->bad_header = xasprintf("the request header \"%s\" is malformed", name);
		return;
	}
	if (strcasecmp(name, "Content-Type") == 0)
		r->has_content_type = 1;
	/* curl's way to send a header with an empty value is "Name;". */
	if (*value == '\0')
		line = xasprintf("%s;", name);
	else
		line = xasprintf("%s: %s", name, value);
	http_req_header_line(r, line);
	free(line);
}

void
http_req_body(struct http_req *r, const void *p, size_t len)
{
	free(r->body_out);
	r->body_out = xmalloc(len + 1);
	if (len > 0)
		memcpy(r->body_out, p, len);
	r->body_out[len] = '\0';
	r->body_out_len = len;
	r->has_body = 1;
}

void
http_req_timeout(struct http_req *r, uint64_t ms)
{
	r->timeout_ms = ms;
}

void
http_req_connect_timeout(struct http_req *r, uint64_t ms)
{
	r->connect_ms = ms;
}

void
http_req_low_speed(struct http_req *r, long bytes, long secs)
{
	r->low_bytes = bytes;
	r->low_secs = secs;
}

void
http_req_max_body(struct http_req *r, size_t max)
{
	r->max_body = max;
}

static void
http_replace_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src != NULL ? xstrdup(src) : NULL;
}

void
http_req_tls(struct http_req *r, const struct http_tls *tls)
{
	http_replace_str(&r->ca_file, tls->ca_file);
	http_replace_str(&r->ca_pem, tls->ca_pem);
	http_replace_str(&r->cert_pem, tls->cert_pem);
	http_replace_str(&r->key_pem, tls->key_pem);
	r->insecure = tls->insecure;
}

void
http_req_proxy(struct http_req *r, const char *proxy_url)
{
	http_replace_str(&r->proxy, proxy_url);
}

void
http_req_stream(struct http_req *r, http_data_cb data_cb, void *arg)
{
	r->data_cb = data_cb;
	r->data_arg = arg;
}

long
http_req_status(const struct http_req *r)
{
	return r->status;
}

const char *
http_resp_header(const struct http_resp *resp, const char *name)
{
	const struct http_req *r = resp->req;
	size_t i;

	for (i = 0; i < r->nhdrs; i++) {
		if (strcasecmp(r->hdrs[i].name, name) == 0)
			return r->hdrs[i].value;
	}
	return NULL;
}

/* CURLOPT_WRITEFUNCTION: collects the body under its cap or streams it. */
static size_t
http_on_body(char *p, size_t size, size_t n, void *arg)
{
	struct http_req *r = arg;
	size_t len = size * n;

	if (r->state == HTTP_REQ_CANCELLED)
		return HTTP_WRITE_FAIL;
	r->c->stats.bytes_in += len;
	if (r->data_cb != NULL) {
		if (r->data_cb(p, len, r->data_arg) != 0) {
			r->abort = HTTP_ABORT_DATA_CB;
			return HTTP_WRITE_FAIL;
		}
		/* The callback may have cancelled this very request. */
		return r->state == HTTP_REQ_CANCELLED ? HTTP_WRITE_FAIL : len;
	}
	if (len > r->max_body - r->body.len) {
		r->abort = HTTP_ABORT_TOO_BIG;
		return HTTP_WRITE_FAIL;
	}
	buf_add(&r->body, p, len);
	return len;
}

static void
http_hdrs_clear(struct http_req *r)
{
	size_t i;

	for (i = 0; i < r->nhdrs; i++) {
		free(r->hdrs[i].name);
		free(r->hdrs[i].value);
	}
	r->nhdrs = 0;
	r->hdr_bytes = 0;
}

/* Reads the code of a status line ("HTTP/1.1 200 OK", "HTTP/2 404"). */
static long
http_parse_status(const char *p, size_t len)
{
	size_t i = 0;
	long code = 0;

	while (i < len && p[i] != ' ')
		i++;
	while (i < len && p[i] == ' ')
		i++;
	while (i < len && isdigit((unsigned char)p[i]) && code < 1000)
		code = code * 10 + (p[i++] - '0');
	return code;
}

static void
http_hdrs_add(struct http_req *r, const char *p, size_t len)
{
	const char *colon = memchr(p, ':', len), *v, *end = p + len;
	const char *name_end;
	struct http_hdr *h;

	if (colon == NULL || colon == p)
		return; /* the blank line ending the block, or an obsolete fold */
	name_end = colon;
	while (name_end > p && (name_end[-1] == ' ' || name_end[-1] == '\t'))
		name_end--;
	v = colon + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (r->nhdrs == r->hdrs_cap) {
		r->hdrs_cap = r->hdrs_cap == 0 ? 16 : r->hdrs_cap * 2;
		r->hdrs = xreallocarray(r->hdrs, r->hdrs_cap, sizeof *r->hdrs);
	}
	h = &r->hdrs[r->nhdrs++];
	h->name = xstrndup(p, (size_t)(name_end - p));
	h->value = xstrndup(v, (size_t)(end - v));
}

/*
 * CURLOPT_HEADERFUNCTION: keeps the headers of the latest response only, so
 * an interim 1xx or a proxy's answer does not mix with the final one.
 */
static size_t
http_on_header(char *p, size_t size, size_t n, void *arg)
{
	struct http_req *r = arg;
	size_t len = size * n;

	if (r->state == HTTP_REQ_CANCELLED)
		return HTTP_WRITE_FAIL;
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		http_hdrs_clear(r);
		r->status = http_parse_status(p, len);
		return len;
	}
	r->hdr_bytes += len;
	if (r->hdr_bytes > HTTP_MAX_HEADER_BYTES) {
		r->abort = HTTP_ABORT_HEADERS_BIG;
		return HTTP_WRITE_FAIL;
	}
	http_hdrs_add(r, p, len);
	return len;
}

#define HTTP_SETOPT(r, opt, val, failed)                                                           \
	do {                                                                                       \
		if (curl_easy_setopt((r)->easy, opt, val) != CURLE_OK && *(failed) == NULL)        \
			*(failed) = #opt;                                                          \
	} while (0)

/* Chooses the method and attaches the body the way curl expects. */
static void
http_req_setup_method(struct http_req *r, const char **failed)
{
	int needs_body = r->has_body || strcmp(r->method, "POST") == 0 ||
	                 strcmp(r->method, "PUT") == 0 || strcmp(r->method, "PATCH") == 0;

	if (strcmp(r->method, "GET") == 0 && !r->has_body)
		HTTP_SETOPT(r, CURLOPT_HTTPGET, 1L, failed);
	else if (strcmp(r->method, "HEAD") == 0)
		HTTP_SETOPT(r, CURLOPT_NOBODY, 1L, failed);
	else
		HTTP_SETOPT(r, CURLOPT_CUSTOMREQUEST, r->method, failed);
	if (needs_body && strcmp(r->method, "HEAD") != 0) {
		HTTP_SETOPT(r, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_out_len, failed);
		HTTP_SETOPT(r, CURLOPT_POSTFIELDS, r->body_out != NULL ? r->body_out : "", failed);
		/* curl would otherwise label the body a form. */
		if (!r->has_content_type)
			http_req_header_line(r, "Content-Type:");
	}
	/* A 100-continue round trip only delays requests to servers we trust anyway. */
	http_req_header_line(r, "Expect:");
}

/* Hands curl a PEM string, which it copies. */
static void
http_req_set_blob(struct http_req *r, CURLoption opt, const char *pem, const char **failed)
{
	struct curl_blob blob = {(void *)(uintptr_t)pem, strlen(pem), CURL_BLOB_COPY};

	if (curl_easy_setopt(r->easy, opt, &blob) != CURLE_OK && *failed == NULL)
		*failed = "a TLS blob option";
}

static void
http_req_setup_tls(struct http_req *r, const char **failed)
{
	if (r->insecure) {
		HTTP_SETOPT(r, CURLOPT_SSL_VERIFYPEER, 0L, failed);
		HTTP_SETOPT(r, CURLOPT_SSL_VERIFYHOST, 0L, failed);
	}
	if (r->ca_pem != NULL) {
		/* Trust this bundle only, as kubectl does with certificate-authority-data. */
		if (r->ca_file == NULL)
			HTTP_SETOPT(r, CURLOPT_CAINFO, (char *)NULL, failed);
		HTTP_SETOPT(r, CURLOPT_CAPATH, (char *)NULL, failed);
		http_req_set_blob(r, CURLOPT_CAINFO_BLOB, r->ca_pem, failed);
	}
	if (r->ca_file != NULL)
		HTTP_SETOPT(r, CURLOPT_CAINFO, r->ca_file, failed);
	if (r->cert_pem != NULL) {
		http_req_set_blob(r, CURLOPT_SSLCERT_BLOB, r->cert_pem, failed);
		HTTP_SETOPT(r, CURLOPT_SSLCERTTYPE, "PEM", failed);
	}
	if (r->key_pem != NULL) {
		http_req_set_blob(r, CURLOPT_SSLKEY_BLOB, r->key_pem, failed);
		HTTP_SETOPT(r, CURLOPT_SSLKEYTYPE, "PEM", failed);
	}
}

static long
http_ms(uint64_t ms)
{
	return ms > (uint64_t)LONG_MAX ? LONG_MAX : (long)ms;
}

static void
http_req_setup_limits(struct http_req *r, const char **failed)
{
	HTTP_SETOPT(r, CURLOPT_TIMEOUT_MS, http_ms(r->timeout_ms), failed);
	HTTP_SETOPT(r, CURLOPT_CONNECTTIMEOUT_MS, http_ms(r->connect_ms), failed);
	if (r->low_bytes > 0 && r->low_secs > 0) {
		HTTP_SETOPT(r, CURLOPT_LOW_SPEED_LIMIT, r->low_bytes, failed);
		HTTP_SETOPT(r, CURLOPT_LOW_SPEED_TIME, r->low_secs, failed);
	}
	/* Refuses up front a body whose announced length is over the cap. */
	if (r->data_cb == NULL && r->max_body <= (size_t)INT64_MAX)
		HTTP_SETOPT(r, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max_body, failed);
	/* Long-lived streams notice a vanished peer. */
	HTTP_SETOPT(r, CURLOPT_TCP_KEEPALIVE, 1L, failed);
	HTTP_SETOPT(r, CURLOPT_TCP_KEEPIDLE, 30L, failed);
	HTTP_SETOPT(r, CURLOPT_TCP_KEEPINTVL, 15L, failed);
}

/* Builds the easy handle from what the setters recorded; -1 with the reason in errbuf. */
static int
http_req_setup(struct http_req *r)
{
	const char *failed = NULL;

	if (r->bad_header != NULL) {
		snprintf(r->errbuf, sizeof r->errbuf, "%s", r->bad_header);
		return -1;
	}
	r->easy = curl_easy_init();
	if (r->easy == NULL)
		fatalx("libcurl cannot create a transfer");
	HTTP_SETOPT(r, CURLOPT_URL, r->url, &failed);
	HTTP_SETOPT(r, CURLOPT_PRIVATE, (void *)r, &failed);
	HTTP_SETOPT(r, CURLOPT_ERRORBUFFER, r->errbuf, &failed);
	HTTP_SETOPT(r, CURLOPT_NOSIGNAL, 1L, &failed);
	HTTP_SETOPT(r, CURLOPT_PROTOCOLS_STR, "http,https", &failed);
	HTTP_SETOPT(r, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS, &failed);
	/*
	 * Over TLS, wait for a connection being set up to say (by ALPN) whether it
	 * multiplexes rather than open one per request. Not over plain HTTP: that
	 * is only known from the first response, and a slow one would hold the rest.
	 */
	if (strncasecmp(r->url, "https://", 8) == 0)
		HTTP_SETOPT(r, CURLOPT_PIPEWAIT, 1L, &failed);
	HTTP_SETOPT(r, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L, &failed);
	if (r->c->user_agent != NULL)
		HTTP_SETOPT(r, CURLOPT_USERAGENT, r->c->user_agent, &failed);
	HTTP_SETOPT(r, CURLOPT_WRITEFUNCTION, http_on_body, &failed);
	HTTP_SETOPT(r, CURLOPT_WRITEDATA, r, &failed);
	HTTP_SETOPT(r, CURLOPT_HEADERFUNCTION, http_on_header, &failed);
	HTTP_SETOPT(r, CURLOPT_HEADERDATA, r, &failed);
	http_req_setup_method(r, &failed);
	http_req_setup_limits(r, &failed);
	http_req_setup_tls(r, &failed);
	if (r->proxy != NULL)
		HTTP_SETOPT(r, CURLOPT_PROXY, r->proxy, &failed);
	HTTP_SETOPT(r, CURLOPT_HTTPHEADER, r->headers, &failed);
	if (failed != NULL) {
		snprintf(r->errbuf, sizeof r->errbuf, "libcurl rejected the option %s", failed);
		return -1;
	}
	return 0;
}

void
http_req_start(struct http_req *r, http_done_cb done_cb, void *arg)
{
	struct http_client *c = r->c;

	if (r->state != HTTP_REQ_NEW)
		fatalx("an HTTP request was started twice");
	r->done_cb = done_cb;
	r->done_arg = arg;
	c->active++;
	c->stats.started++;
	if (http_req_setup(r) != 0) {
		r->err = HTTP_ERR_OTHER;
		http_req_finish(r);
	} else if (c->in_curl) {
		/* curl refuses new transfers from within its callbacks. */
		r->state = HTTP_REQ_QUEUED;
		TAILQ_INSERT_TAIL(&c->startq, r, qentry);
	} else
		http_req_add(r);
}

void
http_req_cancel(struct http_req *r)
{
	struct http_client *c = r->c;

	switch (r->state) {
	case HTTP_REQ_NEW:
		http_req_drop(r);
		return;
	case HTTP_REQ_CANCELLED:
	case HTTP_REQ_CALLING:
		return;
	case HTTP_REQ_QUEUED:
		TAILQ_REMOVE(&c->startq, r, qentry);
		break;
	case HTTP_REQ_DONE:
		TAILQ_REMOVE(&c->doneq, r, qentry);
		break;
	case HTTP_REQ_RUNNING:
		if (c->in_curl) {
			/* Removing a handle inside curl is not allowed; settle does it. */
			r->state = HTTP_REQ_CANCELLED;
			TAILQ_INSERT_TAIL(&c->doomq, r, qentry);
			c->active--;
			c->stats.cancelled++;
			return;
		}
		curl_multi_remove_handle(c->multi, r->easy);
		break;
	}
	c->active--;
	c->stats.cancelled++;
	http_req_drop(r);
}
