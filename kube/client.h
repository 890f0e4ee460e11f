/*
 * Typed requests to the Kubernetes API server on the loop.
 *
 * Every request waits for a token of the client-side QPS/burst limiter (off
 * with --disable-client-side-rate-limiting) and for the Authorization header
 * of struct kube_auth, then goes out through the curl multi glue. A 401
 * invalidates the cached credentials and is retried once with fresh ones;
 * 429 and 5xx answers with Retry-After are retried after that delay, up to
 * max_retries times. Everything else reaches the callback, with the
 * Kubernetes Status object's reason and message decoded (409 Conflict has its
 * own reason, "Conflict"; 410 is "Expired" or "Gone").
 *
 * Watches stream: each complete line of the newline-delimited JSON body is
 * handed to the line callback, from a buffer capped at max_line bytes; a
 * longer line ends the watch with KUBE_ERR_LINE_TOO_LONG.
 *
 * Ownership: path, query and body arguments are copied; the struct kube_resp
 * and what it points to are valid only during the callback. After
 * kube_client_cancel() no callback of that call runs.
 */
#ifndef PCA_KUBE_CLIENT_H
#define PCA_KUBE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "kube/path.h"

struct http_client;
struct kube_auth;
struct kube_config;
struct kube_client;
struct kube_call;

/* A resource type: group ("" for core), version, plural, namespaced or not. */
struct kube_resource {
	const char *group;
	const char *version;
	const char *plural;
	int namespaced;
};

enum kube_err {
	KUBE_OK,                /* an HTTP answer arrived; see status */
	KUBE_ERR_TRANSPORT,     /* no answer: connection, TLS, timeout */
	KUBE_ERR_AUTH,          /* no credentials could be had */
	KUBE_ERR_LINE_TOO_LONG, /* a watch line over the cap */
	KUBE_ERR_DECODE,        /* a watch line that is not an event */
	KUBE_ERR_STOPPED,       /* the line callback returned -1 */
	KUBE_ERR_TOO_BIG,       /* an answer over the client's max_body */
};

struct kube_resp {
	enum kube_err err;
	long status;         /* HTTP status; 0 without an answer */
	const char *reason;  /* Status.reason ("Conflict", "NotFound", "Expired"...) or "" */
	const char *message; /* Status.message, the transport error, or "" */
	struct span body;
	uint64_t retry_after_ms; /* from Retry-After, when given */
};

typedef void (*kube_cb)(const struct kube_resp *resp, void *arg);
/* One watch line (without its newline); return -1 to stop the watch. */
typedef int (*kube_line_cb)(const char *line, size_t len, void *arg);

struct kube_client_opts {
	double qps; /* <= 0: no client-side limit */
	int burst;
	unsigned max_retries; /* for 429/5xx with Retry-After; default 3 */
	uint64_t timeout_ms;  /* per non-watch request; default 30 s */
	size_t max_body;      /* largest non-watch answer; default 64 MiB */
	const char *user_agent;
};

/*
 * Borrows http and auth, which must outlive the client; copies what it needs
 * of cfg. With auth NULL, cfg->token (if set) is the bearer token as is. The
 * rate limiter and the retry timers run on loop_base(). opts may be NULL.
 * -1 with *cause when cfg->server is not an http(s) URL.
 */
int kube_client_create(struct http_client *http, const struct kube_config *cfg,
                       struct kube_auth *auth, const struct kube_client_opts *opts,
                       struct kube_client **out, char **cause);
/* Cancels every pending call (no callbacks) and frees the client. */
void kube_client_free(struct kube_client *c);

enum kube_patch {
	KUBE_PATCH_MERGE, /* application/merge-patch+json */
	KUBE_PATCH_JSON,  /* application/json-patch+json */
	KUBE_PATCH_APPLY, /* application/apply-patch+yaml (server-side apply) */
};

struct kube_call *kube_client_get(struct kube_client *c, const char *path, kube_cb cb, void *arg);
struct kube_call *kube_client_post(struct kube_client *c, const char *path, const char *json,
                                   size_t len, kube_cb cb, void *arg);
/* PUT; the body carries metadata.resourceVersion for optimistic concurrency. */
struct kube_call *kube_client_put(struct kube_client *c, const char *path, const char *json,
                                  size_t len, kube_cb cb, void *arg);
/* field_manager is required for KUBE_PATCH_APPLY; force only applies there. */
struct kube_call *kube_client_patch(struct kube_client *c, const char *path, enum kube_patch type,
                                    const char *body, size_t len, const char *field_manager,
                                    int force, kube_cb cb, void *arg);
struct kube_call *kube_client_delete(struct kube_client *c, const char *path, kube_cb cb,
                                     void *arg);
/*
 * Starts a watch on path (which carries watch=1 and the other parameters);
 * line_cb gets each line, done_cb runs once when the stream ends for any
 * reason (status 200 and err KUBE_OK for a clean end). When the path holds
 * timeoutSeconds, the stream is given up as dead a minute after the server
 * should have ended it. Calling kube_client_cancel() on the watch from its own
 * line callback is allowed.
 */
/*
 * What a component that makes raw requests goes through (leader election,
 * events): the client itself, or a stand-in in tests. send() starts a
 * request (GET, POST, PUT, DELETE, or PATCH with a JSON merge patch) with
 * path and JSON body (NULL for none) and returns a handle for cancel(); cb
 * runs later, never inside send, as for the client's own calls.
 */
struct kube_io {
	void *(*send)(void *ctx, const char *method, const char *path, const char *body, size_t len,
	              kube_cb cb, void *arg);
	void (*cancel)(void *ctx, void *call);
	void *ctx;
};

/* The io that is c itself. */
void kube_client_io(struct kube_client *c, struct kube_io *io);

struct kube_call *kube_client_watch(struct kube_client *c, const char *path, size_t max_line,
                                    kube_line_cb line_cb, kube_cb done_cb, void *arg);
void kube_client_cancel(struct kube_call *call);

#endif
