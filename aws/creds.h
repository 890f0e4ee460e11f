/*
 * AWS credentials and the sources that produce them.
 *
 * A credential source (struct aws_creds_src) holds the current credentials
 * and refreshes them itself: temporary credentials are refreshed in the
 * background once they enter the advisory window (default 5 minutes before
 * expiry) and calls are held once they enter the mandatory window (default
 * 1 minute before expiry) until fresh ones arrive. Only one refresh runs at a
 * time per source; a failed refresh keeps the old credentials until they
 * expire and retries with back-off. Nothing calls STS per request.
 *
 * Sources, in the order the AWS SDKs' default chain tries them:
 *   static     keys from an issuer's Secret (with an optional session token)
 *   env        AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
 *   web-identity  AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE (IRSA), the
 *              token file re-read on every refresh
 *   profile    ~/.aws/credentials and ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE,
 *              AWS_CONFIG_FILE, AWS_PROFILE): static keys, or role_arn with
 *              source_profile
 *   container  AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI with
 *              AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE) (EKS Pod Identity, ECS)
 *   imds       EC2 instance metadata, IMDSv2 only
 * and on top of any of them, assume-role (an issuer's spec.role).
 *
 * Secrets: the secret key and session token never reach a log line, and are
 * wiped from memory when freed.
 */
#ifndef PCA_AWS_CREDS_H
#define PCA_AWS_CREDS_H

#include <stdint.h>

struct http_client;
struct aws_creds_src;
struct aws_creds_wait;

struct aws_creds {
	char *access_key_id;
	char *secret_access_key;
	char *session_token; /* NULL when there is none */
	int64_t expires_ms;  /* wall-clock ms; 0 for credentials that do not expire */
	int held;            /* the secret values are held in core/secrets.h */
};

/*
 * Copies src into dst (deep) and holds the copy's secret key and session
 * token in core/secrets.h, so they are masked wherever text leaves the
 * process, until aws_creds_clear(dst).
 */
void aws_creds_copy(struct aws_creds *dst, const struct aws_creds *src);
/* Wipes and frees the strings; the struct itself is the caller's. */
void aws_creds_clear(struct aws_creds *c);

/*
 * The environment a source reads: a snapshot of the variables and the home
 * directory, so tests can give each source its own. aws_creds_env_process()
 * fills it from the real process environment; the strings are borrowed.
 */
struct aws_creds_env {
	const char *(*getenv)(const char *name, void *arg);
	void *arg;
	const char *home;
};
void aws_creds_env_process(struct aws_creds_env *env);
/*
 * The value of a variable in env (NULL env: the process environment), or
 * NULL when it is unset or empty, which the SDKs treat alike.
 */
const char *aws_creds_env_get(const struct aws_creds_env *env, const char *name);

/*
 * Called once with the credentials (borrowed for the duration of the call)
 * or, with creds NULL, a sentence saying why there are none.
 */
typedef void (*aws_creds_cb)(const struct aws_creds *creds, const char *error, void *arg);

struct aws_creds_src *aws_creds_static(const char *access_key_id, const char *secret_access_key,
                                       const char *session_token);
/*
 * The default chain: the first source whose configuration is present wins
 * (env, web identity, profile, container, IMDS), as in the AWS SDKs; the
 * choice is made here, once. A profile with role_arn gives an assume-role
 * source on top of its source_profile, credential_source or web identity.
 * Fails with *cause for configuration that is present and broken (half a
 * key pair, an unreadable or malformed shared file, naming file:line, a
 * container URI that is neither https nor loopback), and when nothing is
 * configured and AWS_EC2_METADATA_DISABLED=true.
 */
int aws_creds_default_chain(struct http_client *http, const struct aws_creds_env *env,
                            struct aws_creds_src **out, char **cause);
/*
 * Assumes role_arn with credentials from base (which it takes over and frees
 * with itself). session_name NULL picks "pca-issuer-<unix ms>". region picks
 * the STS endpoint (aws_endpoint_url, so AWS_ENDPOINT_URL_STS applies); NULL
 * means AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else the
 * global endpoint. A broken endpoint override makes every refresh fail with
 * the reason.
 */
struct aws_creds_src *aws_creds_assume_role(struct http_client *http, struct aws_creds_src *base,
                                            const char *role_arn, const char *session_name,
                                            const char *region, const struct aws_creds_env *env);
/* Cancels waits (no callbacks), stops refreshing, wipes the credentials. */
void aws_creds_src_free(struct aws_creds_src *src);

/* "static", "env", "web-identity", "profile", "container", "imds", "assume-role". */
const char *aws_creds_src_kind(const struct aws_creds_src *src);

/*
 * The credentials if they are usable now without waiting (not within the
 * mandatory window), else NULL. Also starts a background refresh when they
 * are within the advisory window, or a refresh when there are none (which
 * for static keys completes at once). Valid until control returns to the
 * loop.
 */
const struct aws_creds *aws_creds_peek(struct aws_creds_src *src);
/*
 * Delivers usable credentials to cb: at once (before returning, and then
 * *wp is NULL) if they are fresh, else after a refresh (and *wp can cancel).
 * After a failed refresh, until its back-off passes, cb runs at once with
 * the old credentials while they have not expired, else with the error of
 * that refresh: callers never queue behind a back-off. wp may be NULL.
 */
void aws_creds_get(struct aws_creds_src *src, aws_creds_cb cb, void *arg,
                   struct aws_creds_wait **wp);
void aws_creds_cancel(struct aws_creds_src *src, struct aws_creds_wait *w);
/*
 * Drops the cached credentials so the next get refreshes (after an auth
 * error). Ignored while a refresh runs and for credentials fetched less than
 * 5 s ago, so that a rejection that is not about stale keys cannot turn
 * every call into a refresh.
 */
void aws_creds_invalidate(struct aws_creds_src *src);

/*
 * Windows before expiry, in ms (defaults 300000 and 60000). For credentials
 * whose whole lifetime is shorter, the windows shrink to at most half
 * (advisory) and a quarter (mandatory) of it, so that fresh credentials are
 * never born inside them.
 */
void aws_creds_set_windows(struct aws_creds_src *src, uint64_t advisory_ms, uint64_t mandatory_ms);

#endif
