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
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/http_impl.h"
#include "core/log.h"
#include "core/xmalloc.h"

static int http_curl_ready;

static void http_client_settle(struct http_client *c);

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
void
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
