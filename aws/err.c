/*
 * AWS error answers: where the error code sits in a JSON protocol answer,
 * what it means for the caller (retry, poll, give up, re-check credentials),
 * and how to quote a body that is not JSON in an error message.
 *
 * The tables follow the AWS SDKs' standard retry mode (throttling and
 * transient codes) plus the codes AWS Private CA documents for its
 * operations. A code the tables do not know is judged by its HTTP status.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "aws/pca.h"
#include "core/buf.h"
#include "core/jtok.h"
#include "core/secrets.h"
#include "core/xmalloc.h"

static const char *const aws_err_throttling[] = {
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "RequestThrottled",
    NULL,
};

/*
 * RequestFailedException and ConcurrentModificationException are answered by
 * GetCertificate and RevokeCertificate, both safe to repeat.
 */
static const char *const aws_err_transient[] = {
    "InternalFailure",
    "InternalError",
    "InternalServerError",
    "InternalServerException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "RequestTimeout",
    "RequestTimeoutException",
    "RequestFailedException",
    "ConcurrentModificationException",
    NULL,
};

static const char *const aws_err_auth[] = {
    "AccessDeniedException",
    "AccessDenied",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "ExpiredTokenException",
    "ExpiredToken",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "IncompleteSignatureException",
    "MissingAuthenticationToken",
    "MissingAuthenticationTokenException",
    "InvalidAccessKeyId",
    "AuthFailure",
    NULL,
};

static const char *const aws_err_permanent[] = {
    "ValidationException",
    "MalformedCSRException",
    "InvalidArgsException",
    "InvalidStateException",
    "InvalidArnException",
    "ResourceNotFoundException",
    "InvalidRequestException",
    "InvalidPolicyException",
    "InvalidTagException",
    "InvalidNextTokenException",
    "MalformedCertificateException",
    "CertificateMismatchException",
    "RequestAlreadyProcessedException",
    "LockoutPreventedException",
    "PermissionAlreadyExistsException",
    "TooManyTagsException",
    "SerializationException",
    "UnknownOperationException",
    NULL,
};

const char *
aws_err_class_name(enum aws_err_class c)
{
	switch (c) {
	case AWS_OK:
		return "success";
	case AWS_ERR_THROTTLED:
		return "throttled";
	case AWS_ERR_TRANSIENT:
		return "transient";
	case AWS_ERR_IN_PROGRESS:
		return "in_progress";
	case AWS_ERR_LIMIT:
		return "limit";
	case AWS_ERR_AUTH:
		return "auth";
	case AWS_ERR_PERMANENT:
		return "permanent";
	}
	return "unknown";
}

static int
aws_err_in(const char *code, const char *const *table)
{
	size_t i;

	for (i = 0; table[i] != NULL; i++)
		if (strcmp(code, table[i]) == 0)
			return 1;
	return 0;
}

enum aws_err_class
aws_err_classify(const char *code, long http_status)
{
	if (code != NULL && *code != '\0') {
		if (aws_err_in(code, aws_err_throttling))
			return AWS_ERR_THROTTLED;
		if (aws_err_in(code, aws_err_transient))
			return AWS_ERR_TRANSIENT;
		if (strcmp(code, "RequestInProgressException") == 0)
			return AWS_ERR_IN_PROGRESS;
		if (strcmp(code, "LimitExceededException") == 0)
			return AWS_ERR_LIMIT;
		if (aws_err_in(code, aws_err_auth))
			return AWS_ERR_AUTH;
		if (aws_err_in(code, aws_err_permanent))
			return AWS_ERR_PERMANENT;
	}
	if (http_status >= 200 && http_status < 300 && (code == NULL || *code == '\0'))
		return AWS_OK;
	if (http_status == 429)
		return AWS_ERR_THROTTLED;
	if (http_status >= 500 || http_status == 0)
		return AWS_ERR_TRANSIENT;
	if (http_status == 401 || http_status == 403)
		return AWS_ERR_AUTH;
	return AWS_ERR_PERMANENT;
}

/*
 * "aws.protocoltests#FooError:http://internal.amazon.com/..." -> "FooError".
 * The suffix goes first: the URL after ':' may itself hold a '#'. A header
 * repeated by a proxy arrives joined with ','; the first value counts.
 * Returns a new string, or NULL when nothing is left.
 */
static char *
aws_err_sanitize(const char *s, size_t len)
{
	const char *end, *p, *hash;

	end = s + len;
	for (p = s; p < end; p++)
		if (*p == ':' || *p == ',')
			break;
	end = p;
	hash = NULL;
	for (p = s; p < end; p++)
		if (*p == '#')
			hash = p;
	if (hash != NULL)
		s = hash + 1;
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	if (end == s)
		return NULL;
	return xstrndup(s, (size_t)(end - s));
}

/*
 * What may be passed on of a message from AWS: InvalidSignatureException
 * quotes the canonical request and the string to sign, which hold the
 * X-Amz-Security-Token value, so everything from there on is cut; the
 * credential values held anywhere in the process are masked as well.
 */
char *
aws_err_clean_message(const char *msg)
{
	static const char *const cuts[] = {"The Canonical String for this request",
	                                   "The canonical request", "The String-to-Sign",
	                                   "The string to sign"};
	const char *end = msg + strlen(msg), *p;
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		if ((p = strcasestr(msg, cuts[i])) != NULL && p < end)
			end = p;
	}
	while (end > msg && isspace((unsigned char)end[-1]))
		end--;
	secrets_scrub_buf(&b, msg, (size_t)(end - msg));
	if (*end != '\0')
		buf_adds(&b, " (the canonical request AWS quoted is left out)");
	return buf_steal(&b);
}

/* The code and message fields of a JSON error body; silent on anything else. */
static void
aws_err_body(const char *body, size_t len, char **code, char **message)
{
	struct jtok *d;
	char *s = NULL;

	*code = NULL;
	if (body == NULL || len == 0 || jtok_parse(body, len, &d, NULL) != 0)
		return;
	if (jtok_get_str(d, JTOK_ROOT, "__type", &s) == 0 ||
	    jtok_get_str(d, JTOK_ROOT, "code", &s) == 0) {
		*code = aws_err_sanitize(s, strlen(s));
		free(s);
	}
	if (message != NULL && *message == NULL &&
	    jtok_get_str(d, JTOK_ROOT, "message", message) != 0)
		jtok_get_str(d, JTOK_ROOT, "Message", message);
	if (message != NULL && *message != NULL) {
		s = *message;
		*message = aws_err_clean_message(s);
		free(s);
	}
	jtok_free(d);
}

/*
 * The header wins over the body, as in the AWS SDKs: a front end that
 * rewrites the answer sets the header, and the body's __type of an
 * awsQueryCompatible service may carry a legacy spelling.
 */
char *
aws_err_code(const char *header, const char *body, size_t len, char **message)
{
	char *code = NULL, *body_code;

	if (message != NULL)
		*message = NULL;
	if (header != NULL)
		code = aws_err_sanitize(header, strlen(header));
	aws_err_body(body, len, &body_code, message);
	if (code == NULL)
		return body_code;
	free(body_code);
	return code;
}

char *
aws_err_snippet(const char *body, size_t len, size_t max)
{
	struct buf b = BUF_INIT;
	size_t i;
	int space = 0;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)body[i];

		if (isspace(ch)) {
			space = b.len > 0;
			continue;
		}
		if (b.len + (space ? 2 : 1) > max)
			break;
		if (space)
			buf_addc(&b, ' ');
		space = 0;
		buf_addc(&b, ch >= 0x20 && ch < 0x7f ? (char)ch : '?');
	}
	if (i < len)
		buf_adds(&b, "...");
	if (secrets_found(b.p != NULL ? b.p : "", b.len)) {
		char *raw = buf_steal(&b);

		secrets_scrub_buf(&b, raw, strlen(raw));
		free(raw);
	}
	return buf_steal(&b);
}
