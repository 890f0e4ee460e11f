/*
 * The call engine (see rpc.h). Every path out of a state goes through
 * rpc_set_state(), so that a debug log shows each call's life.
 */
#include <stdlib.h>

#include <event2/event.h>

#include "core/http.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/ratelimit.h"
#include "core/rpc.h"
#include "core/xmalloc.h"

static void rpc_begin(struct rpc_call *c);
static void rpc_credentials(struct rpc_call *c);

const char *
rpc_state_name(enum rpc_state st)
{
	static const char *const names[] = {"starting", "credentials", "quota", "sending",
	                                    "backoff",  "finishing",   "done"};

	return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "?";
}

static void
rpc_set_state(struct rpc_call *c, enum rpc_state st)
{
	if (c->state != st && log_enabled(LOG_LEVEL_DEBUG))
		log_debug("call state", "peer", c->ops->name, "from", rpc_state_name(c->state),
		          "to", rpc_state_name(st));
	c->state = st;
}

static void
rpc_arm(struct rpc_call *c, uint64_t ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(c->timer, &tv);
}

/* Frees the engine's part and hands the memory back to the protocol. */
static void
rpc_destroy(struct rpc_call *c)
{
	event_free(c->timer);
	c->timer = NULL;
	c->ops->destroy(c);
}

/* Delivers the outcome now and frees the call. */
static void
rpc_deliver(struct rpc_call *c)
{
	rpc_set_state(c, RPC_DONE);
	c->held++;
	c->ops->deliver(c);
	c->held--;
	rpc_destroy(c);
}

/* A failure found before an answer: recorded now, delivered on the next loop pass. */
static void
rpc_fail_soon(struct rpc_call *c, const char *cause)
{
	c->ops->failed(c, cause);
	rpc_set_state(c, RPC_FINISHING);
	rpc_arm(c, 0);
}

static void
rpc_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct rpc_call *c = arg;

	switch (c->state) {
	case RPC_STARTING:
	case RPC_BACKOFF:
		rpc_begin(c);
		break;
	case RPC_FINISHING:
		rpc_deliver(c);
		break;
	default:
		break;
	}
}

void
rpc_init(struct rpc_call *c, const struct rpc_ops *ops)
{
	c->ops = ops;
	c->state = RPC_STARTING;
	c->timer = evtimer_new(loop_base(), rpc_on_timer, c);
	if (c->timer == NULL)
		fatalx("libevent cannot create a timer");
}

static void
rpc_on_http(const struct http_resp *resp, void *arg)
{
	struct rpc_call *c = arg;
	uint64_t delay = 0;

	c->req = NULL;
	switch (c->ops->judge(c, resp, &delay)) {
	case RPC_RETRY:
		c->retries++;
		rpc_set_state(c, RPC_BACKOFF);
		rpc_arm(c, delay);
		return;
	case RPC_REAUTH:
		c->reauthed = 1;
		if (c->ops->invalidate != NULL)
			c->ops->invalidate(c);
		rpc_begin(c);
		return;
	case RPC_DELIVER:
		break;
	}
	rpc_deliver(c);
}

/* Credentials and a token are in hand: build, sign and send the attempt. */
static void
rpc_send(struct rpc_call *c)
{
	char *cause = NULL;
	struct http_req *req = c->ops->encode(c, &cause);

	if (req == NULL) {
		rpc_fail_soon(c, cause != NULL ? cause : "the request could not be built");
		free(cause);
		return;
	}
	c->attempts++;
	c->req = req;
	rpc_set_state(c, RPC_SENDING);
	http_req_start(req, rpc_on_http, c);
}

static void
rpc_on_token(void *arg)
{
	struct rpc_call *c = arg;

	c->wait = NULL;
	c->have_token = 1;
	if (c->ops->queued != NULL)
		c->ops->queued(c, -1);
	/* The wait may have taken the credentials into their refresh window. */
	rpc_credentials(c);
}

static struct ratelimit *
rpc_limiter(struct rpc_call *c)
{
	return c->ops->limiter != NULL ? c->ops->limiter(c) : NULL;
}

/* Credentials are there: a token, then the attempt. */
static void
rpc_authorized_now(struct rpc_call *c)
{
	struct ratelimit *rl;

	if (c->have_token) {
		rpc_send(c);
		return;
	}
	if ((rl = rpc_limiter(c)) == NULL) {
		c->have_token = 1;
		rpc_send(c);
		return;
	}
	rpc_set_state(c, RPC_QUOTA);
	if (ratelimit_acquire_prio(rl, c->priority, rpc_on_token, c, &c->wait)) {
		c->have_token = 1;
		rpc_send(c);
		return;
	}
	if (c->ops->queued != NULL)
		c->ops->queued(c, 1);
}

static void
rpc_credentials(struct rpc_call *c)
{
	char *cause = NULL;
	int rc;

	if (c->ops->authorize == NULL) {
		rpc_authorized_now(c);
		return;
	}
	rpc_set_state(c, RPC_CREDENTIALS);
	rc = c->ops->authorize(c, &cause);
	if (rc > 0)
		rpc_authorized_now(c);
	else if (rc < 0) {
		rpc_fail_soon(c, cause != NULL ? cause : "no credentials");
		free(cause);
	}
}

void
rpc_authorized(struct rpc_call *c, const char *error)
{
	if (error != NULL) {
		rpc_fail_soon(c, error);
		return;
	}
	rpc_authorized_now(c);
}

/* One attempt: credentials, a token, the request. */
static void
rpc_begin(struct rpc_call *c)
{
	c->have_token = 0;
	rpc_credentials(c);
}

void
rpc_start(struct rpc_call *c, int defer)
{
	if (defer) {
		rpc_set_state(c, RPC_STARTING);
		rpc_arm(c, 0);
		return;
	}
	rpc_begin(c);
}

void
rpc_fail(struct rpc_call *c, const char *cause)
{
	rpc_fail_soon(c, cause);
}

void
rpc_cancel(struct rpc_call *c)
{
	struct ratelimit *rl;

	if (c == NULL || c->state == RPC_DONE || c->cancelled)
		return;
	switch (c->state) {
	case RPC_CREDENTIALS:
		if (c->ops->unauthorize != NULL)
			c->ops->unauthorize(c);
		break;
	case RPC_QUOTA:
		if (c->wait != NULL && (rl = rpc_limiter(c)) != NULL) {
			ratelimit_cancel(rl, c->wait);
			if (c->ops->queued != NULL)
				c->ops->queued(c, -1);
		}
		c->wait = NULL;
		break;
	case RPC_SENDING:
		if (c->req != NULL)
			http_req_cancel(c->req);
		c->req = NULL;
		break;
	default:
		break;
	}
	evtimer_del(c->timer);
	c->cancelled = 1;
	if (c->held == 0)
		rpc_destroy(c);
}

void
rpc_hold(struct rpc_call *c)
{
	c->held++;
}

int
rpc_release(struct rpc_call *c)
{
	if (--c->held > 0 || !c->cancelled)
		return c->cancelled;
	rpc_destroy(c);
	return 1;
}
