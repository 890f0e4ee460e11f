/*
 * AWS Signature Version 4 for requests signed in the Authorization header.
 *
 * Everything here is a pure function of its arguments: no I/O, no clock
 * (the caller passes the time), no global state. The one piece of state,
 * the signing-key cache, is an object the credential holder owns and
 * passes in.
 *
 * Typical use for a JSON API behind https://acm-pca.us-east-1.amazonaws.com/:
 *
 *	struct aws_sigv4_header h[] = {
 *		{"Content-Type", "application/x-amz-json-1.1"},
 *		{"X-Amz-Target", "ACMPrivateCA.IssueCertificate"},
 *	};
 *	struct aws_sigv4_request rq = {.method = "POST", .host = host, .path = "/",
 *		.headers = h, .nheaders = 2, .payload = body, .payload_len = len,
 *		.normalize_path = 1};
 *	struct aws_sigv4_params pa = {.access_key_id = ..., .secret_access_key = ...,
 *		.session_token = ..., .region = "us-east-1", .service = "acm-pca",
 *		.now = wall_seconds};
 *	struct aws_sigv4_result res;
 *	if (aws_sigv4_sign(&rq, &pa, cache, &res, &cause) == 0) {
 *		send h[] and then res.add[0 .. res.nadd - 1]
 *		aws_sigv4_result_free(&res);
 *	}
 *
 * Not covered: presigned URLs (signature in the query string), chunked
 * payload signing and SigV4a.
 */
#ifndef PCA_AWS_SIGV4_H
#define PCA_AWS_SIGV4_H

#include <stddef.h>
#include <time.h>

/* A header as sent: name in any case, value untrimmed. Both borrowed. */
struct aws_sigv4_header {
	const char *name;
	const char *value;
};

/*
 * The request to sign; every pointer is borrowed for the duration of the
 * call only.
 *
 * headers are the headers to sign, exactly as they will be sent. Several
 * entries with the same name are one header whose values are joined with
 * ',' in the order given. Leave out X-Amz-Date, X-Amz-Security-Token,
 * X-Amz-Content-Sha256 and Authorization: the signer makes those. Headers
 * a proxy may rewrite (User-Agent, Expect) can be sent without being
 * listed here.
 *
 * host, when not NULL, is signed as the Host header and returned in
 * result.add, so that the Host sent is the one signed; headers must then
 * not contain Host. When NULL, headers must contain Host.
 *
 * path is the raw path as sent, starting with '/' (empty means "/"). Each
 * byte other than an RFC 3986 unreserved character or '/' is escaped, so an
 * already escaped path is escaped a second time, which is what every
 * service but S3 expects. With normalize_path, "." and ".." segments and
 * empty segments are removed first (again every service but S3).
 *
 * query is the raw query as sent, without '?', or NULL. Names and values
 * are unescaped and escaped again; '+' is a literal plus, not a space.
 */
struct aws_sigv4_request {
	const char *method;
	const char *host;
	const char *path;
	const char *query;
	const struct aws_sigv4_header *headers;
	size_t nheaders;
	const void *payload;
	size_t payload_len;
	int normalize_path;
	/* Also sign and send x-amz-content-sha256 (S3 and a few others want it). */
	int content_sha256;
};

/* Who signs, where and when; borrowed for the duration of the call. */
struct aws_sigv4_params {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token; /* NULL or "" for long-term credentials */
	const char *region;
	const char *service;
	time_t now; /* seconds since the epoch, UTC */
	/* Send X-Amz-Security-Token but leave it out of the signature. */
	int unsigned_token;
};

/* At most Host, X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256, Authorization. */
#define AWS_SIGV4_MAX_ADD 5

/*
 * What aws_sigv4_sign() produced. The strings belong to the result and are
 * released by aws_sigv4_result_free(). add[] lists the headers the caller
 * must send in addition to request.headers; its names are static and its
 * values point into this result.
 */
struct aws_sigv4_result {
	char *canonical_request;
	char *string_to_sign;
	char *authorization;   /* the value of the Authorization header */
	char *host;            /* copy of request.host, or NULL */
	char *security_token;  /* copy of the session token when one is sent, or NULL */
	char signature[65];    /* lowercase hex */
	char amz_date[17];     /* YYYYMMDDTHHMMSSZ, the value of X-Amz-Date */
	char payload_hash[65]; /* lowercase hex SHA-256 of the payload */
	struct aws_sigv4_header add[AWS_SIGV4_MAX_ADD];
	size_t nadd;
};

/*
 * Caches the derived signing key of one (date, region, service, secret) so
 * that a credential holder derives it once a day rather than on every
 * request. It keeps a SHA-256 of the secret to notice a new secret, never
 * the secret itself.
 */
struct aws_sigv4_keycache;

struct aws_sigv4_keycache *aws_sigv4_keycache_create(void);
/* Wipes the cached key and frees the cache; NULL is a no-op. */
void aws_sigv4_keycache_free(struct aws_sigv4_keycache *kc);
/* How many times a signing key was derived through this cache. */
unsigned long aws_sigv4_keycache_derivations(const struct aws_sigv4_keycache *kc);

/*
 * Signs a request. kc may be NULL to derive the key every time. Returns 0
 * and fills *out, or -1 with *cause (which the caller frees) and *out
 * zeroed; aws_sigv4_result_free() is safe on either.
 */
int aws_sigv4_sign(const struct aws_sigv4_request *rq, const struct aws_sigv4_params *pa,
                   struct aws_sigv4_keycache *kc, struct aws_sigv4_result *out, char **cause);
/* Frees the strings of res and zeroes it; the struct itself is the caller's. NULL is a no-op. */
void aws_sigv4_result_free(struct aws_sigv4_result *res);

/* The building blocks, for tests and for callers that need one piece. */

/* Returns the canonical URI of a raw path; the caller frees it. */
char *aws_sigv4_canonical_uri(const char *path, int normalize);
/*
 * Sets *out to the canonical query string of a raw query (NULL is empty),
 * which the caller frees. -1 with *cause on a malformed percent escape.
 */
int aws_sigv4_canonical_query(const char *query, char **out, char **cause);
/* Writes the lowercase hex SHA-256 of data and a NUL into hex. */
void aws_sigv4_sha256_hex(const void *data, size_t len, char hex[65]);
/* Derives the signing key of a secret for date (YYYYMMDD), region and service. */
void aws_sigv4_signing_key(const char *secret, const char *date, const char *region,
                           const char *service, unsigned char key[32]);

#endif
