/*
 * libFuzzer target for the parsing half of aws/sigv4: percent-decoding and
 * sorting of the query string, dot-segment removal in the path, and header
 * name and value checking and folding on the way to a signature.
 *
 * Input layout: lines separated by '\n'; line 1 is the path, line 2 the
 * query, every further line a header "name:value". Besides the sanitizers'
 * findings it checks properties that hold for any input:
 *   - the canonical query is a fixed point (canonicalising it again gives
 *     it back), and holds only unreserved bytes, '%XX', '=' and '&';
 *   - a normalised canonical URI starts with '/' and has no empty, "." or
 *     ".." segment;
 *   - signing either succeeds with a 64-hex-digit signature or fails with
 *     a cause, never both nor neither.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4.h"
#include "core/xmalloc.h"

#define FUZZ_MAXH 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fuzz_canonical_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       strchr("-_.~%=&", c) != NULL;
}

static void
fuzz_query(const char *query)
{
	char *once = NULL, *twice = NULL, *cause = NULL;
	const char *p;

	if (aws_sigv4_canonical_query(query, &once, &cause) != 0) {
		if (cause == NULL)
			abort();
		free(cause);
		return;
	}
	for (p = once; *p != '\0'; p++) {
		if (!fuzz_canonical_char(*p))
			abort();
	}
	if (aws_sigv4_canonical_query(once, &twice, &cause) != 0 || strcmp(once, twice) != 0)
		abort();
	free(once);
	free(twice);
}

static void
fuzz_path(const char *path)
{
	char *u = aws_sigv4_canonical_uri(path, 1);
	char *raw = aws_sigv4_canonical_uri(path, 0);

	if (u[0] != '/' || strstr(u, "//") != NULL || strstr(u, "/./") != NULL ||
	    strstr(u, "/../") != NULL)
		abort();
	if (strcmp(u, "/.") == 0 || strcmp(u, "/..") == 0 ||
	    (strlen(u) >= 3 && strcmp(u + strlen(u) - 3, "/..") == 0) ||
	    (strlen(u) >= 2 && strcmp(u + strlen(u) - 2, "/.") == 0))
		abort();
	if ((path[0] == '/' || path[0] == '\0') && raw[0] != '/')
		abort();
	free(u);
	free(raw);
}

static void
fuzz_sign(const char *path, const char *query, struct aws_sigv4_header *h, size_t nh)
{
	struct aws_sigv4_request rq;
	struct aws_sigv4_params pa;
	struct aws_sigv4_result res;
	char *cause = NULL;
	int rv;

	memset(&rq, 0, sizeof rq);
	rq.method = "POST";
	rq.host = nh % 2 == 0 ? "acm-pca.us-east-1.amazonaws.com" : NULL;
	rq.path = path;
	rq.query = query;
	rq.headers = h;
	rq.nheaders = nh;
	rq.payload = path;
	rq.payload_len = strlen(path);
	rq.normalize_path = nh % 3 != 0;
	rq.content_sha256 = nh % 5 == 0;
	memset(&pa, 0, sizeof pa);
	pa.access_key_id = "AKIDEXAMPLE";
	pa.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	pa.session_token = nh % 4 == 0 ? "token" : NULL;
	pa.region = "us-east-1";
	pa.service = "acm-pca";
	pa.now = 1440938160;
	rv = aws_sigv4_sign(&rq, &pa, NULL, &res, &cause);
	if (rv == 0 && (cause != NULL || strlen(res.signature) != 64 || res.nadd == 0))
		abort();
	if (rv != 0 && (cause == NULL || res.authorization != NULL))
		abort();
	free(cause);
	aws_sigv4_result_free(&res);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size), *line[2 + FUZZ_MAXH], *p, *colon;
	struct aws_sigv4_header h[FUZZ_MAXH];
	size_t n = 0, nh = 0, i;

	for (p = text; n < 2 + FUZZ_MAXH; n++) {
		line[n] = p;
		if ((p = strchr(p, '\n')) == NULL) {
			n++;
			break;
		}
		*p++ = '\0';
	}
	fuzz_query(n > 1 ? line[1] : "");
	fuzz_path(line[0]);
	for (i = 2; i < n; i++) {
		colon = strchr(line[i], ':');
		if (colon == NULL)
			continue;
		*colon = '\0';
		h[nh].name = line[i];
		h[nh++].value = colon + 1;
	}
	fuzz_sign(line[0], n > 1 ? line[1] : NULL, h, nh);
	free(text);
	return 0;
}
