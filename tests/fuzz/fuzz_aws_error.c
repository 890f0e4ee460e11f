/*
 * libFuzzer target for the AWS Private CA answer parsers: the error code
 * extraction (aws_err_code), the classification, the snippet quoted for
 * bodies that are not JSON, and the decoders of every operation's answer.
 *
 * Input: the first line is the X-Amzn-ErrorType header value (no header
 * when the line is empty), the rest is the body; the first byte of the body
 * also picks an HTTP status. The body is copied into a buffer of exactly its
 * size so that the sanitizers catch any read past its end.
 *
 * Besides crashes it checks what callers rely on: a code that comes out is
 * non-empty and free of the separators it was stripped of and of edge
 * blanks; a snippet is printable ASCII of bounded length; a decoded answer
 * has every field its operation requires, and a refused one says why and
 * leaves nothing allocated behind.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/pca.h"
#include "aws/pca_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_SNIPPET 40

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static void
fuzz_code(const char *header, const char *body, size_t len)
{
	static const long statuses[] = {0, 200, 400, 403, 429, 500, 503};
	char *msg = NULL, *code = aws_err_code(header, body, len, &msg);
	enum aws_err_class c;

	if (code != NULL) {
		fuzz_check(*code != '\0');
		fuzz_check(strpbrk(code, ":,#") == NULL);
		fuzz_check(!isspace((unsigned char)code[0]));
		fuzz_check(!isspace((unsigned char)code[strlen(code) - 1]));
	}
	c = aws_err_classify(code, statuses[(len > 0 ? (unsigned char)body[0] : 0) % 7]);
	fuzz_check(c >= AWS_OK && c <= AWS_ERR_PERMANENT);
	fuzz_check(aws_err_class_name(c)[0] != '\0');
	free(code);
	free(msg);
}

static void
fuzz_snippet(const char *body, size_t len)
{
	char *s = aws_err_snippet(body, len, FUZZ_SNIPPET);
	size_t i, n = strlen(s);

	fuzz_check(n <= FUZZ_SNIPPET + 3);
	for (i = 0; i < n; i++)
		fuzz_check(s[i] >= 0x20 && s[i] < 0x7f);
	free(s);
}

static void
fuzz_decode(const char *body, size_t len)
{
	struct aws_pca_reply r;
	char *cause = NULL;
	int op;

	for (op = 0; op < AWS_PCA_NOPS; op++) {
		if (aws_pca_json_decode((enum aws_pca_op)op, body, len, &r, &cause) != 0) {
			fuzz_check(cause != NULL);
			fuzz_check(r.certificate_arn == NULL && r.certificate == NULL &&
			           r.certificate_chain == NULL && r.ca_status == NULL);
			free(cause);
			cause = NULL;
			continue;
		}
		if (op == AWS_PCA_ISSUE_CERTIFICATE)
			fuzz_check(r.certificate_arn != NULL && *r.certificate_arn != '\0');
		if (op == AWS_PCA_GET_CERTIFICATE || op == AWS_PCA_GET_CA_CERTIFICATE)
			fuzz_check(r.certificate != NULL);
		if (op == AWS_PCA_DESCRIBE_CA)
			fuzz_check(r.ca_status != NULL && r.ca_not_after >= 0);
		aws_pca_json_reply_clear(&r);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t hlen = nl != NULL ? (size_t)(nl - data) : 0;
	size_t blen = nl != NULL ? size - hlen - 1 : size;
	char *header = NULL, *body;

	if (hlen > 0) {
		header = malloc(hlen + 1);
		memcpy(header, data, hlen);
		header[hlen] = '\0';
	}
	body = malloc(blen > 0 ? blen : 1);
	memcpy(body, nl != NULL ? nl + 1 : data, blen);
	fuzz_code(header, body, blen);
	fuzz_snippet(body, blen);
	fuzz_decode(body, blen);
	free(header);
	free(body);
	return 0;
}
