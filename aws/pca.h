/*
 * The AWS Private CA client (service "acm-pca", AWS JSON 1.1, target prefix
 * ACMPrivateCA), on the loop through the curl multi glue.
 *
 * Every call goes through three gates before it is sent: usable credentials
 * from its source, a token from the quota bucket of its (account, region,
 * operation), and SigV4 signing. Waiting calls queue in order; nothing polls.
 *
 * Errors are classified (enum aws_err_class). Throttling and transient
 * failures are retried inside the client with exponential back-off and full
 * jitter up to max_attempts (default 3) before the caller sees them; the
 * quota bucket adapts: each throttling answer lowers its rate, successes
 * raise it back towards the configured quota. RequestInProgressException is
 * returned to the caller at once (the caller polls GetCertificate later).
 * The caller decides what to do with retryable errors that outlast the
 * attempts (the controllers requeue with their own back-off). An auth
 * error drops the source's cached credentials and is retried once.
 *
 * Each attempt, retries included, takes a fresh token and waits behind the
 * calls already queued. Buckets hold half a second of quota and adapt as
 * aws/quota.h describes; they are shared by every client of one account and
 * region.
 *
 * Metrics: pca_issuer_aws_calls_total{operation,outcome} (one per call, by
 * final outcome: success, throttled, transient, in_progress, limit, auth,
 * permanent; cancelled calls are not counted),
 * pca_issuer_aws_call_duration_seconds{operation} (each HTTP attempt),
 * pca_issuer_aws_throttles_total{operation} (throttling answers),
 * pca_issuer_aws_retries_total{operation},
 * pca_issuer_aws_rate_limit{operation,region} (the bucket's current rate;
 * the lowest across accounts) and pca_issuer_aws_calls_waiting{operation}.
 *
 * Ownership: strings in the params structs are borrowed for the duration of
 * the call to aws_pca_*(); the result passed to the callback, and everything
 * it points to, is valid only during the callback.
 */
#ifndef PCA_AWS_PCA_H
#define PCA_AWS_PCA_H

#include <stddef.h>
#include <stdint.h>

struct http_client;
struct aws_creds_src;
struct aws_pca;
struct aws_pca_call;

enum aws_err_class {
	AWS_OK,
	AWS_ERR_THROTTLED,   /* ThrottlingException and its siblings: retried */
	AWS_ERR_TRANSIENT,   /* 5xx, connection reset, timeout, a body that is not JSON: retried */
	AWS_ERR_IN_PROGRESS, /* RequestInProgressException: poll again later */
	AWS_ERR_LIMIT,     /* LimitExceededException: a quota of the account, not retried blindly */
	AWS_ERR_AUTH,      /* credentials missing or rejected, AccessDenied: re-check the issuer */
	AWS_ERR_PERMANENT, /* ValidationException, MalformedCSRException, InvalidArn...: fail */
};

enum aws_pca_op {
	AWS_PCA_ISSUE_CERTIFICATE,
	AWS_PCA_GET_CERTIFICATE,
	AWS_PCA_DESCRIBE_CA,
	AWS_PCA_GET_CA_CERTIFICATE,
	AWS_PCA_REVOKE_CERTIFICATE,
	AWS_PCA_NOPS
};

/* "IssueCertificate", ... as AWS spells them. */
const char *aws_pca_op_name(enum aws_pca_op op);
int aws_pca_op_parse(const char *name, enum aws_pca_op *op);
const char *aws_err_class_name(enum aws_err_class c);

/*
 * The client-wide settings: the quotas in calls per second per (account,
 * region, operation) (0 keeps AWS's default: IssueCertificate 25,
 * GetCertificate 75, the others 20), attempts per call, the HTTP timeout
 * and the back-off bases: retry n (from 0) waits a uniformly random time
 * between 0 and base * 2^n, at most retry_cap_ms ("full jitter").
 */
struct aws_pca_settings {
	double quota[AWS_PCA_NOPS];
	unsigned max_attempts;     /* default 3; 1 means no retries */
	uint64_t timeout_ms;       /* per HTTP attempt; default 30000 */
	int adaptive;              /* lower the rate on throttling; on by default */
	uint64_t retry_base_ms;    /* transient errors; default 100 */
	uint64_t throttle_base_ms; /* throttling answers; default 500 */
	uint64_t retry_cap_ms;     /* default 20000 */
};
void aws_pca_settings_default(struct aws_pca_settings *s);
/*
 * Applies settings to all clients created afterwards and to existing
 * buckets (their rate; a bucket keeps the burst it was created with).
 */
void aws_pca_configure(const struct aws_pca_settings *s);

/*
 * A client for one CA: region and endpoint resolved by the caller (see
 * aws/endpoint.h); creds is borrowed and must outlive the client; account
 * keys the quota buckets (from the CA's ARN; NULL is ""). The loop must
 * exist (loop_init). An endpoint URL that is not http(s)://host[:port][/path]
 * makes every call fail as AWS_ERR_PERMANENT, saying so.
 */
struct aws_pca *aws_pca_create(struct http_client *http, struct aws_creds_src *creds,
                               const char *endpoint_url, const char *region, const char *account);
/*
 * Cancels the calls still pending (no callbacks) and frees the client. May
 * be called from a call's callback.
 */
void aws_pca_free(struct aws_pca *pca);
/* The current rate (calls per second) of op's quota bucket, and the calls waiting on it. */
double aws_pca_rate(const struct aws_pca *pca, enum aws_pca_op op);
size_t aws_pca_waiting(const struct aws_pca *pca, enum aws_pca_op op);

struct aws_pca_result {
	enum aws_err_class err;
	const char *code;       /* AWS error code ("ThrottlingException"), "" on success */
	const char *message;    /* AWS's message or ours; "" on success */
	long http_status;       /* 0 when no answer arrived */
	unsigned attempts;      /* HTTP requests sent for the call */
	const char *request_id; /* x-amzn-RequestId of the last answer, "" without one */

	/* IssueCertificate */
	const char *certificate_arn;
	/* GetCertificate, GetCertificateAuthorityCertificate: PEM */
	const char *certificate;
	const char *certificate_chain; /* may be NULL */
	/* DescribeCertificateAuthority */
	const char *ca_status;            /* "ACTIVE", "DISABLED", ... */
	const char *ca_type;              /* "ROOT", "SUBORDINATE" */
	const char *ca_key_algorithm;     /* "RSA_2048", "EC_prime256v1", ... */
	const char *ca_signing_algorithm; /* "SHA256WITHRSA", ... */
	int64_t ca_not_after;             /* unix seconds, 0 if absent */
};

typedef void (*aws_pca_cb)(const struct aws_pca_result *res, void *arg);

struct aws_pca_issue_params {
	const char *ca_arn;
	const unsigned char *csr_pem; /* sent base64-encoded as the model says */
	size_t csr_len;
	const char *signing_algorithm; /* e.g. "SHA256WITHRSA" */
	const char *template_arn;      /* NULL for the default end-entity template */
	const char *validity_type;     /* "ABSOLUTE", "DAYS", "END_DATE", ... */
	int64_t validity_value;
	int64_t validity_not_before;      /* unix seconds; 0 to leave out */
	const char *idempotency_token;    /* up to 36 characters */
	const char *api_passthrough_json; /* raw JSON object, or NULL */
	/*
	 * Rank among the calls waiting for a token of the IssueCertificate
	 * quota: smaller first, arrival order among equal ones. Not sent.
	 */
	int64_t priority;
};

struct aws_pca_call *aws_pca_issue(struct aws_pca *pca, const struct aws_pca_issue_params *p,
                                   aws_pca_cb cb, void *arg);
struct aws_pca_call *aws_pca_get_certificate(struct aws_pca *pca, const char *ca_arn,
                                             const char *certificate_arn, aws_pca_cb cb, void *arg);
struct aws_pca_call *aws_pca_describe_ca(struct aws_pca *pca, const char *ca_arn, aws_pca_cb cb,
                                         void *arg);
struct aws_pca_call *aws_pca_get_ca_certificate(struct aws_pca *pca, const char *ca_arn,
                                                aws_pca_cb cb, void *arg);
/* reason: "UNSPECIFIED", "KEY_COMPROMISE", ...; serial in hex with colons as AWS wants. */
struct aws_pca_call *aws_pca_revoke(struct aws_pca *pca, const char *ca_arn, const char *serial,
                                    const char *reason, aws_pca_cb cb, void *arg);
/*
 * The callback of a cancelled call never runs. Works in every state; a
 * no-op from within the call's own callback.
 */
void aws_pca_cancel(struct aws_pca_call *call);
/*
 * Where a call is: "starting", "credentials", "quota", "sending",
 * "backoff", "finishing" (its callback is due on the next loop pass) or
 * "done" (in its callback). For logs and tests.
 */
const char *aws_pca_call_state(const struct aws_pca_call *call);

/*
 * Classifies an AWS error code and HTTP status; exposed for tests and for
 * the STS client.
 */
enum aws_err_class aws_err_classify(const char *code, long http_status);
/*
 * Extracts the error code from a JSON 1.1 error answer: the X-Amzn-ErrorType
 * header (header may be NULL), else the __type body field, else a "code"
 * body field, stripped of any suffix from ':' (or ',') and then of any
 * prefix up to the last '#'. Returns a new string, or NULL when none is
 * present or the body is not JSON. When message is not NULL, *message is
 * set to a new copy of the body's "message" (or "Message") field, or NULL.
 */
char *aws_err_code(const char *header, const char *body, size_t len, char **message);
/*
 * The first bytes of a body that is not what was expected, fit for an error
 * message and a log line: at most max printable ASCII characters, others as
 * '?', runs of white space as one space, "..." when cut. A new string.
 */
char *aws_err_snippet(const char *body, size_t len, size_t max);
/*
 * A message from AWS fit to pass on: the canonical request and string to
 * sign that signature errors quote are cut (they hold the session token),
 * and held credential values (core/secrets.h) are masked. A new string.
 */
char *aws_err_clean_message(const char *msg);

#endif
