/*
 * The AWS Security Token Service client: AssumeRole, AssumeRoleWithWebIdentity
 * and GetCallerIdentity over the query protocol (POST of a form-encoded
 * "Action=...&Version=2011-06-15" body, XML answers), on the loop.
 *
 * AssumeRole and GetCallerIdentity are SigV4-signed (service "sts") with
 * the credentials the caller passes; AssumeRoleWithWebIdentity is unsigned,
 * the token being the proof. Throttling and transient failures (5xx,
 * timeouts, broken connections, IDPCommunicationError) are retried up to 3
 * attempts with jittered back-off before the callback sees them.
 *
 * Secrets (secret keys, session tokens, web identity tokens) never reach a
 * log line, and the copies held by a call are wiped when it ends.
 */
#ifndef PCA_AWS_STS_H
#define PCA_AWS_STS_H

#include <stddef.h>
#include <stdint.h>

#include "aws/creds.h"
#include "aws/pca.h"

struct http_client;
struct aws_sts;
struct aws_sts_call;

/* What a call produced; every pointer is valid only during the callback. */
struct aws_sts_result {
	enum aws_err_class err;
	const char *code;    /* AWS error code, "" on success or without an AWS answer */
	const char *message; /* AWS's message or ours; "" on success */
	long http_status;    /* 0 when no answer arrived */
	unsigned attempts;
	const struct aws_creds *creds; /* AssumeRole*, on success; else NULL */
	const char *arn;               /* AssumedRoleUser.Arn or the caller's Arn, or "" */
	const char *user_id;           /* AssumedRoleId or UserId, or "" */
	const char *account;           /* GetCallerIdentity's Account, or "" */
	const char *request_id;        /* or "" */
};

typedef void (*aws_sts_cb)(const struct aws_sts_result *res, void *arg);

/*
 * A client for one endpoint (from aws_endpoint_url("sts", region, ...));
 * region names the signing region (NULL: us-east-1, the global endpoint's).
 * NULL with *cause when the URL is not a valid http(s) URL.
 */
struct aws_sts *aws_sts_create(struct http_client *http, const char *endpoint_url,
                               const char *region, char **cause);
/* Cancels the calls still pending (no callbacks) and frees the client. */
void aws_sts_free(struct aws_sts *sts);
const char *aws_sts_endpoint(const struct aws_sts *sts);

/* Parameters of the AssumeRole calls; strings borrowed for the call to aws_sts_*(). */
struct aws_sts_assume_params {
	const char *role_arn;
	const char *session_name;
	const char *external_id;        /* AssumeRole only; NULL for none */
	unsigned duration_s;            /* 0 for the service's default (3600) */
	const char *web_identity_token; /* AssumeRoleWithWebIdentity only */
};

/* creds are copied; the callback runs once unless the call is cancelled. */
struct aws_sts_call *aws_sts_assume_role(struct aws_sts *sts, const struct aws_creds *creds,
                                         const struct aws_sts_assume_params *p, aws_sts_cb cb,
                                         void *arg);
struct aws_sts_call *aws_sts_assume_role_with_web_identity(struct aws_sts *sts,
                                                           const struct aws_sts_assume_params *p,
                                                           aws_sts_cb cb, void *arg);
struct aws_sts_call *aws_sts_get_caller_identity(struct aws_sts *sts, const struct aws_creds *creds,
                                                 aws_sts_cb cb, void *arg);
/* Stops a call; its callback never runs. Not from within that callback. */
void aws_sts_cancel(struct aws_sts_call *call);

/*
 * The fields of an STS XML answer, success or ErrorResponse; each a new
 * string or NULL when absent.
 */
struct aws_sts_reply {
	int is_error; /* the root element is ErrorResponse */
	char *access_key_id;
	char *secret_access_key;
	char *session_token;
	char *expiration;
	char *arn;
	char *user_id;
	char *account;
	char *request_id;
	char *err_type;
	char *err_code;
	char *err_message;
};

/* Parses an answer; -1 with *cause when it is not well-formed XML or holds a DTD. */
int aws_sts_parse(const char *body, size_t len, struct aws_sts_reply *out, char **cause);
/* Wipes and frees the strings. */
void aws_sts_reply_clear(struct aws_sts_reply *r);

/* Classifies an STS error code and status (STS codes first, then aws_err_classify). */
enum aws_err_class aws_sts_classify(const char *code, long http_status);

#endif
