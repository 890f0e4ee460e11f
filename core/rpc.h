/*
 * The one life of a call to a peer, for every client in the process (the
 * Kubernetes API server, AWS Private CA, STS):
 *
 *   starting -> credentials -> quota -> credentials? -> sending
 *      sending -> backoff -> credentials ...   (the protocol says: retry)
 *      sending -> credentials                  (the protocol says: reauth, once)
 *      any     -> finishing -> done            (the outcome, on a loop pass of its own)
 *
 * A protocol plugs in with a small table of operations, the way curl plugs
 * each protocol into one state machine with struct Curl_handler: how to get
 * credentials, which limiter's token to wait for, how to build and sign an
 * attempt, how to judge an answer, how to hand the outcome over. The
 * engine does the rest the same way for everyone: the order of the gates,
 * the timers, retries and their count, deferred delivery and cancellation.
 *
 * Credentials are asked for before the limiter's token (no token is spent
 * on a call that cannot be signed) and again after it, which costs nothing
 * when they are cached: the wait for a token may have taken them past their
 * refresh time.
 *
 * Rules the engine keeps:
 *   - no outcome is ever delivered from within the function that started
 *     the call, nor from within a credential or limiter callback: failures
 *     found early go through the call's timer;
 *   - after rpc_cancel() no operation of the call runs again (a protocol in
 *     the middle of one of its own callbacks holds the call with rpc_hold()
 *     so that the memory outlives it);
 *   - the protocol's struct embeds struct rpc_call and owns its memory:
 *     ops->destroy frees it, after delivery or cancellation.
 */
#ifndef PCA_CORE_RPC_H
#define PCA_CORE_RPC_H

#include <stdint.h>

struct event;
struct http_req;
struct http_resp;
struct ratelimit;
struct ratelimit_wait;
struct rpc_call;

enum rpc_state {
	RPC_STARTING,    /* waiting for its first loop pass */
	RPC_CREDENTIALS, /* waiting for the protocol's credentials */
	RPC_QUOTA,       /* waiting for a token of the limiter */
	RPC_SENDING,     /* an HTTP attempt is out */
	RPC_BACKOFF,     /* waiting to try again */
	RPC_FINISHING,   /* the outcome is ready; delivered on the next loop pass */
	RPC_DONE,        /* in its delivery */
};

/* What the protocol makes of an answer. */
enum rpc_verdict {
	RPC_DELIVER, /* the outcome is final: deliver it */
	RPC_RETRY,   /* try again after the delay the protocol chose */
	RPC_REAUTH,  /* drop the credentials and try again at once (once per call) */
};

struct rpc_ops {
	const char *name; /* for logs: "kube", "acm-pca", "sts" */
	/*
	 * Credentials for the next attempt: 1 when they are ready now, 0 when
	 * the protocol will call rpc_authorized() later, -1 with *cause when
	 * there are none. NULL: the protocol needs none.
	 */
	int (*authorize)(struct rpc_call *c, char **cause);
	/* Withdraws a pending authorize (0 above); may be NULL. */
	void (*unauthorize)(struct rpc_call *c);
	/* Drops the cached credentials before a reauth; may be NULL. */
	void (*invalidate)(struct rpc_call *c);
	/* The limiter whose token each attempt takes; NULL (or a NULL op) for none. */
	struct ratelimit *(*limiter)(struct rpc_call *c);
	/* The number of calls waiting for a token changed by delta (metrics); may be NULL. */
	void (*queued)(struct rpc_call *c, int delta);
	/*
	 * The attempt's HTTP request, built and signed; the engine starts it.
	 * NULL with *cause fails the call (through ops->failed).
	 */
	struct http_req *(*encode)(struct rpc_call *c, char **cause);
	/* Judges an attempt's answer; *delay_ms is the wait for RPC_RETRY. */
	enum rpc_verdict (*judge)(struct rpc_call *c, const struct http_resp *resp,
	                          uint64_t *delay_ms);
	/* Records a failure found before an answer (credentials, signing). */
	void (*failed)(struct rpc_call *c, const char *cause);
	/* Hands the outcome to the caller. */
	void (*deliver)(struct rpc_call *c);
	/* Frees the protocol's call (which embeds the struct rpc_call). */
	void (*destroy)(struct rpc_call *c);
};

/* The engine's part of a call; embed it in the protocol's own struct. */
struct rpc_call {
	const struct rpc_ops *ops;
	enum rpc_state state;
	unsigned attempts; /* HTTP attempts sent */
	unsigned retries;  /* RPC_RETRY verdicts so far */
	int reauthed;
	int have_token;
	unsigned held;
	int cancelled;
	int64_t priority; /* among the limiter's waiters, smaller first; 0 unless set */
	struct ratelimit_wait *wait;
	struct http_req *req;
	struct event *timer;
};

/* Sets up c for ops; the call does nothing until rpc_start(). */
void rpc_init(struct rpc_call *c, const struct rpc_ops *ops);
/*
 * Starts the call: at once (the gates may pass before this returns; the
 * outcome never comes from it), or on the next loop pass when defer is set.
 */
void rpc_start(struct rpc_call *c, int defer);
/* Fails the call before it has started, with cause delivered on the next loop pass. */
void rpc_fail(struct rpc_call *c, const char *cause);
/*
 * The protocol's pending authorize is done: error NULL when the credentials
 * are there. Never from within ops->authorize itself (it returns 1 then).
 */
void rpc_authorized(struct rpc_call *c, const char *error);
/*
 * Stops the call in any state but RPC_DONE (a no-op then); no operation of
 * it runs afterwards, and its memory goes now or at the last rpc_release().
 */
void rpc_cancel(struct rpc_call *c);
/* Keeps the call's memory while a protocol callback of its own is running. */
void rpc_hold(struct rpc_call *c);
/* Returns 1 when the call was cancelled meanwhile (its memory is gone), else 0. */
int rpc_release(struct rpc_call *c);
/* "starting", "credentials", "quota", "sending", "backoff", "finishing", "done". */
const char *rpc_state_name(enum rpc_state st);

#endif
