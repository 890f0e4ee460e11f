/*
 * How a credential source plugs into the refresh machinery of aws/creds.c.
 * Only the aws/creds_*.c files include this.
 *
 * A source kind supplies a fetch function that obtains credentials once and
 * reports the outcome with aws_creds_src_done(): exactly once per fetch,
 * possibly before fetch returns, and never after ops->cancel ran. The
 * machinery decides when to fetch, holds waiters, keeps old credentials
 * through failures and retries with back-off.
 */
#ifndef PCA_AWS_CREDS_IMPL_H
#define PCA_AWS_CREDS_IMPL_H

#include "aws/creds.h"

struct aws_creds_ops {
	const char *kind;
	void (*fetch)(struct aws_creds_src *src, void *state);
	/* Stops a fetch in flight; NULL for kinds that always finish inside fetch. */
	void (*cancel)(void *state);
	/* Frees the state; the fetch has finished or been cancelled. */
	void (*free)(void *state);
};

/* A new source of kind ops with its state (taken over: ops->free frees it). */
struct aws_creds_src *aws_creds_src_create(const struct aws_creds_ops *ops, void *state);
/*
 * Ends the fetch in flight: creds (borrowed, copied) on success, or NULL and
 * a sentence saying what failed (which must not hold a secret).
 */
void aws_creds_src_done(struct aws_creds_src *src, const struct aws_creds *creds,
                        const char *error);

/* Sources built on other sources (aws/creds_chain.c, aws/creds_sts.c). */
struct aws_creds_src *aws_creds_env_src(const struct aws_creds_env *env, char **cause);
struct aws_creds_src *aws_creds_container(struct http_client *http, const struct aws_creds_env *env,
                                          char **cause);
struct aws_creds_src *aws_creds_imds(struct http_client *http, const struct aws_creds_env *env);
/* Re-reads profile's keys from the shared files on every refresh. */
struct aws_creds_src *aws_creds_profile_static(const struct aws_creds_env *env,
                                               const char *profile);
/*
 * AssumeRoleWithWebIdentity of role_arn with the token read from token_file
 * on every refresh; session_name NULL picks "pca-issuer-<unix ms>".
 */
struct aws_creds_src *aws_creds_web_identity(struct http_client *http, const char *role_arn,
                                             const char *token_file, const char *session_name,
                                             const char *region, const struct aws_creds_env *env);
/* aws_creds_assume_role() with an external id and a duration (0: STS default). */
struct aws_creds_src *aws_creds_assume_role_ext(struct http_client *http,
                                                struct aws_creds_src *base, const char *role_arn,
                                                const char *session_name, const char *external_id,
                                                unsigned duration_s, const char *region,
                                                const struct aws_creds_env *env);

/* The default session name of the SDKs' style: "pca-issuer-<unix ms>". */
char *aws_creds_session_name(void);
/* Reads a small token file, trimmed of trailing blanks; -1 with *cause. */
int aws_creds_read_token(const char *path, char **out, char **cause);

#endif
